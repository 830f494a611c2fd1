//! The MMS client (ISO 9506-1 §5, client role): a non-blocking [`Connection`] for an
//! application's own `mio` loop, and a blocking [`Client`] whose callers do the socket work
//! themselves while they wait (a thread of its own reads while nobody calls).
pub mod blocking;
pub mod browse;
pub mod connection;
mod direct;
pub mod files;
pub mod ops;
pub mod values;

pub use blocking::Client;
pub use connection::{
    Answer, ClientConfig, ClientError, ClientEvent, Connection, PeerRequest, RequestId, TlsInfo,
    Unconfirmed, Unexpected,
};

//! MMS (ISO 9506) over the OSI upper layers, for IEC 61850 and ICCP / TASE.2 clients and servers:
//! the complete ISO 9506-2 PDU codec, one sans-IO association ([`endpoint::Endpoint`]), and on
//! top of it a `mio` server and clients, an object model, a dissector, and the IEC 62351-4
//! security mechanisms in one place. The OSI layers underneath are the crates `cot`, `cosp`,
//! `copp` and `acse`.
//!
//! # Features
//!
//! | feature | what it adds |
//! |---|---|
//! | (none) | the codec ([`pdu`], [`services`], [`data`], [`types`], ...) and [`endpoint`]: no sockets, no OpenSSL |
//! | `runtime` | `server::Server` (mio event loops) and `client` (non-blocking `Connection`, blocking `Client`), TLS on their sockets, TCP keep-alive (`net`) |
//! | `model` | `server::model`: the object model and JSON model files |
//! | `dissect` | `dissect`: hex and pcap/pcapng through every layer, text and JSON |
//! | `security` | `security`: the T-profile, A-security-profile and end-to-end security, and `with_tls` / `with_a_profile` / `with_e2e` on the configurations |
//! | `tase2` | `tase2`: the ICCP / TASE.2 objects and types of IEC 60870-6-802 as MMS values and type descriptions |
//! | `cli` (default) | the `mms` program; turns on all of the above |
//!
//! A library user writes `default-features = false` and picks, e.g.
//! `features = ["runtime", "model"]`.
//!
//! # A client
//!
//! [`client::Client`] is blocking, thread-safe and pipelined: calls from several threads share
//! one association, each waiting for its own answer. The convenience calls
//! (`identify`, `browse`, `read_value`, `write`, lists, files, journals) live in `client::ops`.
//!
//! ```
//! # #[cfg(all(feature = "runtime", feature = "model"))]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use std::sync::Arc;
//! # use mms::server::{Server, ServerConfig, model::demo};
//! # let server = Server::bind(
//! #     ServerConfig::listening(["127.0.0.1:0".parse()?]),
//! #     Arc::new(demo::model(None)?),
//! # )?.spawn()?;
//! # let address = server.local_addr();
//! use mms::client::{Client, ClientConfig};
//! use mms::ObjectName;
//!
//! let client = Client::connect(address, ClientConfig::default())?;
//! let who = client.identify()?;
//! println!("{} {} {}", who.vendor, who.model, who.revision);
//! for domain in client.domains()? {
//!     println!("{domain}: {:?}", client.variables(&domain)?);
//! }
//! let f: f32 = client.read_value(&ObjectName::domain("DEMOLD0", "GGIO1$MX$AnIn1$mag$f"))?;
//! println!("{f}");
//! client.conclude()?;
//! # server.stop()?;
//! # Ok(()) }
//! # #[cfg(not(all(feature = "runtime", feature = "model")))]
//! # fn main() {}
//! ```
//!
//! Errors say what failed as data: `client::ClientError` for the request (a ServiceError, a
//! RejectPDU, a time-out, the association closing with its `endpoint::CloseReason`, a refused
//! initiate with the peer's diagnostic or our own security check), `client::ops::OpError` for
//! what the answer said about one variable.
//!
//! # A server
//!
//! `server::Server` runs one [`endpoint::Endpoint`] per connection in `mio` event loops and
//! hands every decoded request of an established association to a [`server::Handler`]: the
//! object model of `server::model`, or the application's own. A handler answers each
//! confirmed request once, at once ([`server::Reply::Now`]) or later from any thread through a
//! [`server::Responder`]; services it does not serve get the RejectPDU ISO 9506-2 §7.5
//! prescribes ([`server::Reply::Unsupported`]).
//!
//! ```
//! # #[cfg(feature = "runtime")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use mms::initiate::{ServiceKind, ServicesSupported};
//! use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse};
//! use mms::server::{Handler, Reply, RequestContext, Server, ServerConfig};
//! use mms::services::vmd::IdentifyResponse;
//!
//! struct Vmd;
//!
//! impl Handler for Vmd {
//!     fn services_supported(&self) -> ServicesSupported {
//!         ServicesSupported::from_services([ServiceKind::Identify])
//!     }
//!
//!     fn confirmed(&self, _: &mut RequestContext<'_>, req: &ConfirmedServiceRequest<'_>) -> Reply {
//!         match req {
//!             ConfirmedServiceRequest::Identify(_) => Reply::Now(Ok(
//!                 ConfirmedServiceResponse::Identify(IdentifyResponse {
//!                     vendor_name: "me".into(),
//!                     model_name: "vmd".into(),
//!                     revision: "1".into(),
//!                     list_of_abstract_syntaxes: None,
//!                 }),
//!             )),
//!             _ => Reply::Unsupported,
//!         }
//!     }
//! }
//!
//! let config = ServerConfig::listening(["127.0.0.1:0".parse()?]);
//! let server = Server::bind(config, Arc::new(Vmd))?.spawn()?;
//! // ... serve; `server.handle()` sends informationReports from any thread.
//! server.stop()?;
//! # Ok(()) }
//! # #[cfg(not(feature = "runtime"))]
//! # fn main() {}
//! ```
//!
//! `mms/examples/server.rs` is a fuller handler (GetNameList, Read and Write over the
//! application's data).
//!
//! # Security
//!
//! Module `security` (feature `security`) gathers the mechanisms of IEC 62351-4: TLS under
//! RFC 1006 (`cot::tls`), the A-security-profile (`a_sec_profile`) and end-to-end security
//! (`e2e_sec`). The builder calls on `ServerConfig` / `ClientConfig` make the contexts and
//! factories, all recording into the configuration's one `SecurityEvents`:
//!
//! ```
//! # #[cfg(all(feature = "security", feature = "model"))]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use std::sync::Arc;
//! # use cot::pki::{KeyKind, LeafSpec, Pki};
//! use mms::client::{Client, ClientConfig};
//! use mms::security::TlsConfig;
//! use mms::server::{model::demo, Server, ServerConfig};
//!
//! // A throw-away CA; in the field the certificates come from PEM files
//! // (TlsConfig::with_identity_files, with_trust_anchor_file).
//! let ca = Pki::new_root("CA", KeyKind::EcP256)?;
//! let tls = |name: &str| -> Result<TlsConfig, Box<dyn std::error::Error>> {
//!     let c = ca.issue(&LeafSpec::new(name).with_key(KeyKind::EcP256))?;
//!     Ok(TlsConfig::new()
//!         .with_identity(vec![c.certificate], c.key)
//!         .with_trust_anchor(ca.ca().certificate.clone()))
//! };
//! let server_config = ServerConfig::listening(["127.0.0.1:0".parse()?])
//!     .with_tls(&tls("server")?)?;
//! let server = Server::bind(server_config, Arc::new(demo::model(None)?))?.spawn()?;
//!
//! let config = ClientConfig::default().with_tls(&tls("client")?, Some("localhost"))?;
//! let events = config.events.clone();
//! let client = Client::connect(server.local_addr(), config)?;
//! assert!(client.tls_info().is_some());
//! client.conclude()?;
//! server.stop()?;
//! println!("{:?}", events.snapshot());
//! # Ok(()) }
//! # #[cfg(not(all(feature = "security", feature = "model")))]
//! # fn main() {}
//! ```
//!
//! `mms/examples/secure_client.rs` adds the A-security-profile (Secure ICCP). Without the
//! feature, any `acse::security::SecurityFactory` plugs into `ServerConfig::security` /
//! `ClientConfig::security`.
//!
//! # Driving the association yourself
//!
//! [`endpoint::Endpoint`] is the whole association without I/O: bytes in
//! ([`endpoint::Endpoint::recv_buffer`] / [`endpoint::Endpoint::recv_commit`]), events out
//! ([`endpoint::Endpoint::poll_event`], until `None`), requests and answers in
//! (`send_request`, `send_response`, ...), bytes out ([`endpoint::Endpoint::transmit`] /
//! [`endpoint::Endpoint::advance_transmit`]). `mms/examples/custom_loop.rs` drives both ends with
//! `std::net` and nothing else; `mms/examples/tokio_client.rs` shows a tokio wrapper.
//!
//! # The codec
//!
//! [`pdu::MmsPdu::decode`] takes the octets of one PDU (what the presentation layer delivers)
//! and borrows from them; [`pdu::MmsPdu::encode`] writes one back to front into a
//! [`codec::Writer`]. A PDU that does not decode yields a [`pdu::PduError`] that names the
//! RejectPDU to answer with.
//!
//! ```
//! use mms::pdu::{ConfirmedServiceRequest, MmsPdu};
//!
//! // confirmed-RequestPDU, invokeID 1, Identify-Request.
//! let octets = [0xa0, 0x05, 0x02, 0x01, 0x01, 0x82, 0x00];
//! let MmsPdu::ConfirmedRequest(req) = MmsPdu::decode(&octets)? else { unreachable!() };
//! assert_eq!(req.invoke_id, 1);
//! assert!(matches!(req.service, ConfirmedServiceRequest::Identify(_)));
//! assert_eq!(MmsPdu::ConfirmedRequest(req).to_vec(), octets);
//! # Ok::<(), mms::PduError>(())
//! ```
//!
//! The codec is built on [`copp::ber`], the stack's one BER reader and writer; see [`codec`] for
//! the traits every type implements and the bounds every decoder keeps.
#![forbid(unsafe_code)]

/// `with_<field>` setters for a configuration struct: `setters!(Type { /// doc \n field: Ty => name, ... })`.
/// Each takes the value and returns the configuration, so options chain.
#[allow(unused_macros)]
macro_rules! setters {
    ($ty:ident { $( $(#[doc = $doc:literal])* $field:ident : $t:ty => $name:ident ),* $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!("Sets `", stringify!($field), "`:")]
                $(#[doc = $doc])*
                #[must_use]
                pub fn $name(mut self, value: $t) -> $ty {
                    self.$field = value;
                    self
                }
            )*
        }
    };
}
#[allow(unused_imports)]
pub(crate) use setters;

pub mod access;
#[cfg(feature = "runtime")]
pub mod client;
pub mod codec;
pub mod common;
pub mod data;
#[cfg(feature = "dissect")]
pub mod dissect;
pub mod endpoint;
pub mod iec61850;
pub mod initiate;
pub mod modifier;
#[cfg(feature = "runtime")]
pub mod net;
pub mod pdu;
pub mod reject;
#[cfg(feature = "security")]
pub mod security;
pub mod server;
pub mod service_error;
pub mod services;
#[cfg(feature = "tase2")]
pub mod tase2;
pub mod types;
#[cfg(feature = "xer")]
pub mod xer;
#[cfg(feature = "xmpp")]
pub mod xmpp;

pub use access::{
    AccessResult, AlternateAccess, VariableAccessSpecification, VariableDef, VariableSpecification,
};
pub use common::{
    EcState, EventTime, FileName, Identifier, ObjectName, ProgramInvocationState, TimeOfDay,
};
pub use data::{Data, DataAccessError, DataList, FloatingPoint, MmsBitString, UtcTime};
pub use initiate::{
    InitiateRequest, InitiateResponse, ParameterCbb, ServiceKind, ServicesSupported,
};
pub use pdu::{
    ConfirmedServiceRequest, ConfirmedServiceResponse, DecodeOptions, MmsPdu, PduError,
    UnconfirmedService,
};
pub use reject::{RejectPdu, RejectReason};
pub use service_error::{ErrorClass, ServiceError};
pub use types::{TypeDescription, TypeSpecification};

#[cfg(test)]
pub(crate) mod testvec;
#[cfg(test)]
pub(crate) mod vecfile;

/// The README's code blocks, compiled and run as doc tests so the example there stays true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

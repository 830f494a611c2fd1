//! The MMS server: the contract with the application ([`handler`]), per-peer security policy
//! ([`policy`]), the object model that serves MMS objects ([`model`]), and the `mio` runtime
//! ([`runtime`]).
pub mod handler;
#[cfg(feature = "model")]
pub mod model;
pub mod policy;

pub use handler::{
    AssociationInfo, Handler, Negotiated, Reply, RequestContext, Responder, ResponseSink,
    ServiceResult,
};
#[cfg(feature = "runtime")]
pub mod config;
#[cfg(feature = "runtime")]
mod requester;
#[cfg(feature = "runtime")]
pub mod runtime;

#[cfg(feature = "runtime")]
pub use config::{ServerConfig, StatsSnapshot};
#[cfg(feature = "runtime")]
pub use runtime::{RunningServer, Server, ServerHandle};

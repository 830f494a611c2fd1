//! The MMS server: the contract with the application ([`handler`]), the object model that
//! serves MMS objects ([`model`]), and the `mio` runtime ([`runtime`]).
pub mod handler;
pub mod model;

pub use handler::{
    AssociationInfo, Handler, Negotiated, Reply, RequestContext, Responder, ResponseSink,
    ServiceResult,
};
pub mod config;
pub mod runtime;

pub use config::{ServerConfig, StatsSnapshot};
pub use runtime::{RunningServer, Server, ServerHandle};

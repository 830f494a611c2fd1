//! The MMS server: the contract with the application ([`handler`]).
pub mod handler;

pub use handler::{
    AssociationInfo, Handler, Negotiated, Reply, RequestContext, Responder, ResponseSink,
    ServiceResult,
};
pub mod config;
pub mod runtime;

pub use config::{ServerConfig, StatsSnapshot};
pub use runtime::{RunningServer, Server, ServerHandle};

//! The MMS server: the contract with the application ([`handler`]).
pub mod handler;

pub use handler::{
    AssociationInfo, Handler, Negotiated, Reply, RequestContext, Responder, ResponseSink,
    ServiceResult,
};

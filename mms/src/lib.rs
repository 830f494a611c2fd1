//! ISO 9506-2 (MMS) protocol data units, sans-IO: every MMSpdu alternative, every confirmed
//! and unconfirmed service, MMS data and type descriptions, decoded zero-copy from BER and
//! encoded canonically.
//!
//! Start at [`pdu::MmsPdu`]: [`pdu::MmsPdu::decode`] takes the octets of one PDU (what the
//! presentation layer delivers) and borrows from them; [`pdu::MmsPdu::encode`] writes one back to
//! front into a [`codec::Writer`]. A PDU that does not decode yields a [`pdu::PduError`] that
//! names the RejectPDU to answer with.
//!
//! The codec is built on [`copp::ber`], the stack's one BER reader and writer; see [`codec`] for
//! the traits every type implements and the bounds every decoder keeps.
#![forbid(unsafe_code)]

pub mod access;
pub mod client;
pub mod codec;
pub mod common;
pub mod data;
pub mod dissect;
pub mod endpoint;
pub mod iec61850;
pub mod initiate;
pub mod modifier;
pub mod pdu;
pub mod reject;
pub mod server;
pub mod service_error;
pub mod services;
pub mod types;

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

//! ISO 9506-2 (MMS) protocol data units, sans-IO: every MMSpdu alternative, every confirmed
//! and unconfirmed service, MMS data and type descriptions, decoded zero-copy from BER and
//! encoded canonically.
//!
//! The codec is built on [`copp::ber`], the stack's one BER reader and writer; see [`codec`] for
//! the traits every type implements and the bounds every decoder keeps.
#![forbid(unsafe_code)]

pub mod access;
pub mod codec;
pub mod common;
pub mod data;
pub mod iec61850;
pub mod services;
pub mod types;

pub use access::{
    AccessResult, AlternateAccess, VariableAccessSpecification, VariableDef, VariableSpecification,
};
pub use common::{
    EcState, EventTime, FileName, Identifier, ObjectName, ProgramInvocationState, TimeOfDay,
};
pub use data::{Data, DataAccessError, DataList, FloatingPoint, MmsBitString, UtcTime};
pub use types::{TypeDescription, TypeSpecification};

#[cfg(test)]
pub(crate) mod testvec;
#[cfg(test)]
pub(crate) mod vecfile;

//! The errors of the blocking TASE.2 client (docs/tase2-client.md, "Errors").

use crate::client::ops::OpError;
use crate::data::DataAccessError;
use crate::tase2::Tase2Error;

use super::association::{AssociationParams, Mismatch, ObjectError};
use super::control::ControlError;
use super::requests::UnexpectedAnswer;

/// Why a TASE.2 client operation failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Tase2ClientError {
    /// The MMS request failed (connect, Confirmed-ErrorPDU, reject, time-out, closed).
    #[error(transparent)]
    Mms(#[from] OpError),
    /// The server answered with another service or another number of results.
    #[error(transparent)]
    Unexpected(#[from] UnexpectedAnswer),
    /// An association object (TASE2_Version, Bilateral_Table_ID) could not be read or
    /// decoded: the association is not usable as TASE.2 and was ended.
    #[error("{object}: {error}")]
    AssociationObject {
        /// The object.
        object: &'static str,
        /// Why.
        error: ObjectError,
    },
    /// The server does not hold what the caller expects (TASE2_Version, Supported_Features,
    /// Bilateral_Table_ID); the association was ended. `params` is what was read.
    #[error("the server does not match the bilateral agreement: {mismatches:?}")]
    Mismatch {
        /// Every difference found.
        mismatches: Vec<Mismatch>,
        /// What the client read.
        params: Box<AssociationParams>,
    },
    /// The server answered access to `object` with a DataAccessError.
    #[error("{object}: access error {error:?}")]
    Access {
        /// The variable.
        object: String,
        /// The server's error.
        error: DataAccessError,
    },
    /// A value read from `object` does not have the shape of its TASE.2 type.
    #[error("{object}: {error}")]
    Decode {
        /// The variable.
        object: String,
        /// Why.
        error: Tase2Error,
    },
    /// `Next_DSTransfer_Set` answered temporarily-unavailable: the server has no free DS
    /// transfer set.
    #[error("the server has no free DS transfer set")]
    NoFreeTransferSet,
    /// A control operation was refused (Block 5).
    #[error(transparent)]
    Control(#[from] ControlError),
    /// The select answered another CheckBackName than the one agreed.
    #[error("select of {device}: CheckBackName {found}, expected {expected}")]
    CheckBackMismatch {
        /// The device.
        device: String,
        /// Agreed.
        expected: i16,
        /// Received.
        found: i16,
    },
    /// No type is known for the point (neither given nor in the point table).
    #[error("no point type known for {0}")]
    UnknownPointType(String),
    /// A name that is not a valid TASE.2 identifier, or a registry that is full.
    #[error("{0}")]
    Invalid(String),
    /// The MMS client's unconfirmed PDUs were already taken by someone else: the TASE.2
    /// client cannot receive reports.
    #[error("the MMS client's unconfirmed PDUs are already taken")]
    UnconfirmedTaken,
}

impl From<crate::client::ClientError> for Tase2ClientError {
    fn from(e: crate::client::ClientError) -> Self {
        Tase2ClientError::Mms(OpError::from(e))
    }
}

impl Tase2ClientError {
    /// The mismatches, when the association check failed.
    pub fn mismatches(&self) -> Option<&[Mismatch]> {
        match self {
            Tase2ClientError::Mismatch { mismatches, .. } => Some(mismatches),
            _ => None,
        }
    }

    /// The DataAccessError the server gave, for access and control errors.
    pub fn access_error(&self) -> Option<DataAccessError> {
        match self {
            Tase2ClientError::Access { error, .. } => Some(*error),
            Tase2ClientError::Control(c) => Some(c.error),
            Tase2ClientError::AssociationObject {
                error: ObjectError::Access(e),
                ..
            } => Some(*e),
            _ => None,
        }
    }
}

//! Error types of the session layer: [`SpduError`] (the SPDU codec, X.225 §8) and
//! [`SessionError`] (the connection state machine, X.225 §7 and Annex A).

use crate::machine::State;
use crate::spdu::RefuseReason;

/// An SPDU that cannot be parsed or encoded: X.225 calls such an SPDU an "invalid SPDU"
/// (§7.x, Annex A "invalid intersection"); receiving one is a protocol error that the state
/// machine answers with a provider-initiated ABORT (X.225 §7.9.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpduError {
    /// The TSDU is empty: there is no SPDU identifier (X.225 §8.2.1).
    #[error("invalid SPDU: empty TSDU, no SPDU identifier")]
    Empty,
    /// The SPDU identifier is not one of the kernel / duplex SPDUs this implementation
    /// recognises (X.225 §8.3, Table 8 "SPDU identifiers").
    #[error("invalid SPDU: unknown or unsupported SPDU identifier (SI) {0}")]
    UnknownSpdu(u8),
    /// A length indicator (X.225 §8.2.5) is cut short: `FF` without its two octets, or nothing at all.
    #[error("invalid SPDU: truncated length indicator of {what}")]
    TruncatedLengthIndicator {
        /// What the LI belonged to ("SPDU", "parameter 20", ...).
        what: &'static str,
    },
    /// A length indicator (X.225 §8.2.5) announces more octets than remain in the TSDU or in
    /// the enclosing parameter group.
    #[error("invalid SPDU: length indicator {length} of {what} exceeds the {remaining} octets that remain")]
    LengthBeyondInput {
        /// What the LI belonged to.
        what: &'static str,
        /// The announced length.
        length: usize,
        /// How many octets were left.
        remaining: usize,
    },
    /// Octets follow an SPDU that may not be concatenated with anything (X.225 §6.3.7 basic
    /// concatenation: CONNECT, ACCEPT, ... are mapped one-to-one onto a TSDU).
    #[error("invalid SPDU: {0} octets after the SPDU (invalid concatenation)")]
    TrailingData(usize),
    /// A GIVE TOKENS SPDU is not followed by the DATA TRANSFER SPDU it must be concatenated with
    /// (X.225 §6.3.7, category 0 followed by category 2).
    #[error("invalid SPDU: GIVE TOKENS is not followed by a DATA TRANSFER SPDU")]
    MissingDataTransfer,
    /// The same PI or PGI appears twice in one SPDU (X.225 §8.2: each parameter at most once).
    #[error("invalid SPDU: parameter {code} repeated in SPDU with SI {si}")]
    DuplicateParameter {
        /// SPDU identifier.
        si: u8,
        /// The repeated PI/PGI code.
        code: u8,
    },
    /// A parameter follows the User Data / Extended User Data PGI, which X.225 §8.3 places last.
    #[error("invalid SPDU: parameter {code} follows the user data in SPDU with SI {si}")]
    ParameterAfterUserData {
        /// SPDU identifier.
        si: u8,
        /// The misplaced PI/PGI code.
        code: u8,
    },
    /// Both User Data (PGI 193) and Extended User Data (PGI 194) are present (X.225 §8.3.1:
    /// mutually exclusive).
    #[error("invalid SPDU: both User Data (PGI 193) and Extended User Data (PGI 194) present")]
    BothUserDataAndExtendedUserData,
    /// A parameter value has a length that X.225 §8.3 does not allow for it.
    #[error("invalid SPDU: parameter {code} has invalid length {length}")]
    InvalidParameterLength {
        /// The PI/PGI code.
        code: u8,
        /// Its length.
        length: usize,
    },
    /// A parameter value is outside what X.225 §8.3 defines (e.g. an empty Reason Code).
    #[error("invalid SPDU: parameter {code} has an invalid value")]
    InvalidParameterValue {
        /// The PI/PGI code.
        code: u8,
    },
    /// A parameter belongs to a functional unit this implementation does not support
    /// (segmenting via Enclosure Item, tokens via Token Item in GIVE TOKENS) (X.225 §9 PICS).
    #[error("parameter {code} in SPDU with SI {si} needs a functional unit that is not supported")]
    UnsupportedParameter {
        /// SPDU identifier.
        si: u8,
        /// The PI/PGI code.
        code: u8,
    },
    /// SS-user data is longer than the configured or standard limit (X.225 §8.3.1: 512 in
    /// PGI 193 of CONNECT, 10 240 in PGI 194; [`crate::Limits`] on receipt).
    #[error("SS-user data of {length} octets exceeds the limit of {max}")]
    UserDataTooLong {
        /// Actual length.
        length: usize,
        /// Allowed maximum.
        max: usize,
    },
    /// A session selector is longer than allowed (X.225 §8.3.1: at most 16 octets).
    #[error("session selector of {length} octets exceeds the maximum of {max}")]
    SelectorTooLong {
        /// Actual length.
        length: usize,
        /// Allowed maximum.
        max: usize,
    },
    /// An SPDU or parameter to be encoded is longer than a length indicator can express
    /// (65 535, X.225 §8.2.5).
    #[error("cannot encode: {what} of {length} octets exceeds the 65535-octet length indicator")]
    LengthOverflow {
        /// What was too long.
        what: &'static str,
        /// Its length.
        length: usize,
    },
    /// SS-user data was given for a REFUSE SPDU without a Reason Code, or with a reason other
    /// than "rejection by the called SS-user" (X.225 §8.3.5: only reason 2 carries user data).
    #[error("cannot encode: REFUSE user data is only allowed with reason 2 (rejection by the called SS-user)")]
    RefuseUserDataNotAllowed,
    /// Extended User Data (PGI 194) can only be sent when protocol version 2 is proposed
    /// (X.225 §8.3.1).
    #[error("cannot encode: CONNECT user data above 512 octets needs protocol version 2")]
    ExtendedUserDataNeedsVersion2,
}

/// Why the session state machine detected a protocol error (X.225 §7.9.2, Annex A "invalid
/// intersections"). Carried by [`SessionError::ProtocolError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolViolation {
    /// The TSDU did not hold a valid SPDU.
    #[error("{0}")]
    InvalidSpdu(#[from] SpduError),
    /// A valid SPDU arrived in a state where X.225 Annex A does not allow it.
    #[error("{spdu} SPDU is not allowed in state {state:?}")]
    UnexpectedSpdu {
        /// Name of the SPDU received.
        spdu: &'static str,
        /// State of the session when it arrived.
        state: State,
    },
    /// ACCEPT selected a protocol version that was not proposed, or more than one
    /// (X.225 §7.4.1 / §8.3.4).
    #[error("ACCEPT selects protocol version bits {0:#04x}, not exactly one proposed version")]
    InvalidVersion(u8),
    /// ACCEPT selected functional units that were not proposed or lack duplex (X.225 §7.4.1).
    #[error("ACCEPT selects functional units {0:#06x}, not a subset of the proposal with duplex")]
    InvalidFunctionalUnits(u16),
    /// A segmented SPDU arrived (Enclosure Item other than "beginning and end"), but
    /// segmenting was not negotiated (X.225 §7.x Enclosure Item).
    #[error("segmented SPDU (Enclosure Item {0:#04x}) but segmenting is not in use")]
    SegmentingNotSupported(u8),
    /// Extended User Data (PGI 194) in a CONNECT that selects protocol version 1 (X.225 §8.3.1).
    #[error("Extended User Data in a CONNECT with protocol version 1 selected")]
    ExtendedUserDataInVersion1,
}

/// Errors of the session state machine ([`crate::Session`]), X.225 §7 / Annex A.
///
/// Errors caused by the peer carry the SPDU that X.225 prescribes as the answer (an ABORT or
/// a REFUSE); [`SessionError::spdu_to_send`] returns it. After such an error the session is
/// [`State::Closed`] and the caller sends the bytes, then releases the transport connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The peer violated the protocol; send `abort` (a provider-initiated ABORT SPDU with
    /// Transport Disconnect = release | protocol error, X.225 §7.9.2) and release the transport.
    #[error("session protocol error ({violation}); send the ABORT SPDU and release the transport connection")]
    ProtocolError {
        /// What was wrong.
        violation: ProtocolViolation,
        /// Encoded ABORT SPDU to send.
        abort: Vec<u8>,
    },
    /// The session provider refused an incoming CONNECT (X.225 §7.5: provider reasons 129..134);
    /// send `refuse` (the REFUSE SPDU) and release the transport.
    #[error("CONNECT refused by the session provider ({reason}); send the REFUSE SPDU and release the transport connection")]
    Refused {
        /// Provider reason code.
        reason: RefuseReason,
        /// Encoded REFUSE SPDU to send.
        refuse: Vec<u8>,
    },
    /// A local service request that X.225 Annex A does not allow in the current state (or for
    /// this role); nothing was sent and the state did not change.
    #[error("{action} is not allowed in state {state:?}")]
    InvalidState {
        /// The request ("connect", "finish", ...).
        action: &'static str,
        /// The state the session is in.
        state: State,
    },
    /// The session connection is closed (released, refused or aborted); nothing more can be
    /// sent or received on it.
    #[error("the session connection is closed")]
    Closed,
    /// A local request could not be encoded (e.g. user data too long); nothing was sent and the
    /// state did not change.
    #[error("cannot encode SPDU: {0}")]
    Encode(SpduError),
}

impl SessionError {
    /// The SPDU (ABORT or REFUSE) the caller must send to the peer before releasing the
    /// transport connection, if X.225 prescribes one for this error.
    pub fn spdu_to_send(&self) -> Option<&[u8]> {
        match self {
            SessionError::ProtocolError { abort, .. } => Some(abort),
            SessionError::Refused { refuse, .. } => Some(refuse),
            _ => None,
        }
    }
}

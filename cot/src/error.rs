//! Errors of the connection state machine ([`crate::Connection`]), each saying
//! which ISO 8073 response (ER or DR TPDU), if any, was queued in
//! [`crate::Connection::transmit`] so the runtime can flush it before closing.

use crate::connection::State;
use crate::tpdu::CotpError;
use crate::tpkt::TpktError;
use thiserror::Error;

/// The protocol response queued for the peer when an error closed the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// ISO 8073 §13.12: an ER TPDU with this reject cause.
    ErrorTpdu {
        /// Reject cause (see [`crate::tpdu::reject_cause`]).
        reject_cause: u8,
    },
    /// ISO 8073 §13.5: a DR TPDU (class 0: refusal of the CR) with this reason.
    DisconnectRequest {
        /// Reason code (see [`crate::tpdu::reason`]).
        reason: u8,
    },
}

/// Errors of the ISO 8073 class 0 connection over RFC 1006.
///
/// Variants that close the connection carry `response`: `Some` when an ER or DR
/// TPDU was queued (flush [`crate::Connection::transmit`] before closing the socket).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CotError {
    /// RFC 1006 §6: bad TPKT header; framing is lost, the connection is closed
    /// and no response is possible.
    #[error("TPKT framing error: {0}")]
    Framing(#[from] TpktError),
    /// ISO 8073 §13: a malformed TPDU; answered by ER (or DR when it was a CR).
    #[error("invalid TPDU: {error}")]
    InvalidTpdu {
        /// What was wrong with it.
        error: CotpError,
        /// The response queued.
        response: Option<Response>,
    },
    /// ISO 8073 §6.22 / annex A: a TPDU type not valid in this state (e.g. a CR
    /// on an open connection, a DT before CC); answered by ER "invalid TPDU type".
    #[error("TPDU {code:#04x} not valid in state {state:?}")]
    UnexpectedTpdu {
        /// Octet 2 of the TPDU.
        code: u8,
        /// State when it arrived.
        state: State,
        /// The response queued.
        response: Option<Response>,
    },
    /// ISO 8073 §6.5: the CR proposes a class for which class 0 is not a valid
    /// answer (and 0xC7 does not list class 0), or the CC selects a class other than 0.
    #[error("protocol class {class} cannot be negotiated to class 0")]
    ClassNotSupported {
        /// The class proposed (CR) or selected (CC).
        class: u8,
        /// The response queued (DR 128+2 to a CR, ER to a CC).
        response: Option<Response>,
    },
    /// ISO 8073 §13.4: the CC selects a TPDU size larger than the CR proposed.
    #[error("CC selects TPDU size {selected}, larger than the {proposed} proposed")]
    TpduSizeNotAccepted {
        /// Size in the CC.
        selected: usize,
        /// Size proposed in our CR.
        proposed: usize,
        /// The response queued (ER "invalid parameter value").
        response: Option<Response>,
    },
    /// ISO 8073 §13.5.3: the CR's called TSAP is not the configured local TSEL
    /// ([`crate::TsapCheck::RequireConfigured`]); refused with DR reason 3.
    #[error("called TSAP {called:02x?} does not match the configured local TSEL")]
    TsapMismatch {
        /// The called TSAP of the CR (`None` if absent).
        called: Option<Vec<u8>>,
        /// The response queued (DR "address unknown").
        response: Option<Response>,
    },
    /// The reassembled TSDU would exceed [`crate::Config::max_tsdu_size`]; the
    /// connection is closed without ER (the TPDUs themselves are valid; class 0
    /// ends a connection by closing the network connection).
    #[error("TSDU exceeds the reassembly limit of {limit} octets")]
    TsduTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// [`crate::Connection::send_data`] outside the open state.
    #[error("not connected (state {state:?})")]
    NotConnected {
        /// Current state.
        state: State,
    },
    /// [`crate::Connection::send_data`] with no data: a TSDU has at least one octet.
    #[error("a TSDU must contain at least one octet")]
    EmptyTsdu,
    /// [`crate::Connection::feed`] with more octets than the bounded receive buffer
    /// can take; nothing was consumed. Poll events, then feed at most
    /// `recv_buffer().len()` octets. Not fatal.
    #[error("receive buffer full: {offered} octets offered, room for {room}")]
    ReceiveBufferFull {
        /// Octets offered.
        offered: usize,
        /// Octets of room.
        room: usize,
    },
    /// The connection is closed; no more input is processed.
    #[error("connection closed")]
    Closed,
}

impl CotError {
    /// The protocol response queued, if any.
    pub fn response(&self) -> Option<Response> {
        match self {
            CotError::InvalidTpdu { response, .. }
            | CotError::UnexpectedTpdu { response, .. }
            | CotError::ClassNotSupported { response, .. }
            | CotError::TpduSizeNotAccepted { response, .. }
            | CotError::TsapMismatch { response, .. } => *response,
            _ => None,
        }
    }

    /// Whether an ER or DR TPDU was queued: flush `transmit()` before closing.
    pub fn response_queued(&self) -> bool {
        self.response().is_some()
    }

    /// Whether the connection is closed by this error (every variant except
    /// the non-fatal caller errors `NotConnected`, `EmptyTsdu`, `ReceiveBufferFull`).
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            CotError::NotConnected { .. }
                | CotError::EmptyTsdu
                | CotError::ReceiveBufferFull { .. }
        )
    }
}

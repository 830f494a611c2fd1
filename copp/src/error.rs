//! Presentation-layer errors (ISO 8823-1 / X.226) and the protocol response each one calls for.
//!
//! Every error found in a PPDU a peer sent names what X.226 names (the Abort-reason of an
//! ARP-PPDU, X.226 §8.3.4.2, or the Provider-reason of a CPR-PPDU, X.226 §8.3.3), and
//! [`PresentationError::response`] says which PPDU the presentation entity must send back.

use crate::ber::{BerError, Tag, Writer};
use crate::ppdu::{AbortPpdu, AbortReason, RefusePpdu, RefuseReason};

/// What the presentation entity must send to the peer after an error (X.226 §6.2.4 and §6.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// Refuse the connection with a CPR-PPDU carrying this Provider-reason (X.226 §6.2.4.2).
    Cpr(Option<RefuseReason>),
    /// Abort the connection with an ARP-PPDU carrying this Abort-reason (X.226 §6.4.2).
    Arp(AbortReason),
}

impl Response {
    /// Encodes the minimal PPDU for this response into `w`: a CPR-PPDU (normal mode, provider
    /// reason only, X.226 §8.3.3) or an ARP-PPDU (X.226 §8.3.4.2). Use
    /// [`crate::connection::Presentation::refuse`] instead when the context results of the
    /// refused CP-type are known and should be returned.
    pub fn encode(&self, w: &mut Writer) {
        match *self {
            Response::Cpr(reason) => RefusePpdu {
                provider_reason: reason,
                ..RefusePpdu::default()
            }
            .encode(w),
            Response::Arp(reason) => AbortPpdu::Provider {
                reason: Some(reason),
                event: None,
            }
            .encode(w),
        }
    }
}

/// Errors of the presentation layer (ISO 8823-1 / X.226, normal mode).
///
/// Decoding errors carry the PPDU (`ppdu`) and, where there is one, the parameter they were
/// found in, named as in the X.226 ASN.1 module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PresentationError {
    /// The octets are not the PPDU expected here (wrong outer tag, or no complete outer BER
    /// value): X.226 Abort-reason unrecognized-ppdu (1).
    #[error("unrecognized PPDU (expected {expected}, found {found:?})")]
    UnrecognizedPpdu {
        /// The PPDU type expected.
        expected: &'static str,
        /// The outer tag received, when one could be read.
        found: Option<Tag>,
    },
    /// A PPDU that is valid but not allowed in the current state (X.226 Annex A): Abort-reason
    /// unexpected-ppdu (2).
    #[error("unexpected {ppdu} in state {state:?}")]
    UnexpectedPpdu {
        /// The PPDU received.
        ppdu: &'static str,
        /// The state of the presentation connection.
        state: crate::connection::State,
    },
    /// An element with a tag that the X.226 type does not define at a position where the
    /// extensibility rules (X.226 §8.5) do not let it be ignored: Abort-reason
    /// unrecognized-ppdu-parameter (4).
    #[error("unrecognized parameter {tag} in {ppdu}")]
    UnrecognizedParameter {
        /// The PPDU (or PPDU element) it was found in.
        ppdu: &'static str,
        /// The tag received.
        tag: Tag,
    },
    /// A parameter repeated, out of the order the SEQUENCE requires (X.680 §25, §27), or not
    /// allowed here: Abort-reason unexpected-ppdu-parameter (5).
    #[error("unexpected (repeated, out-of-order or forbidden) parameter {parameter} in {ppdu}")]
    UnexpectedParameter {
        /// The PPDU.
        ppdu: &'static str,
        /// The parameter, named as in X.226.
        parameter: &'static str,
    },
    /// A parameter whose value X.226 does not allow: Abort-reason
    /// invalid-ppdu-parameter-value (6).
    #[error("invalid value of {parameter} in {ppdu}")]
    InvalidParameterValue {
        /// The PPDU.
        ppdu: &'static str,
        /// The parameter, named as in X.226.
        parameter: &'static str,
    },
    /// A parameter whose BER encoding (X.690) is broken: Abort-reason
    /// invalid-ppdu-parameter-value (6).
    #[error("malformed {parameter} in {ppdu}: {source}")]
    Malformed {
        /// The PPDU.
        ppdu: &'static str,
        /// The parameter, named as in X.226.
        parameter: &'static str,
        /// What the BER reader found.
        #[source]
        source: BerError,
    },
    /// A mandatory parameter is absent: Abort-reason invalid-ppdu-parameter-value (6).
    #[error("missing mandatory parameter {parameter} in {ppdu}")]
    MissingParameter {
        /// The PPDU.
        ppdu: &'static str,
        /// The parameter, named as in X.226.
        parameter: &'static str,
    },
    /// More list items than this implementation accepts ([`crate::ppdu::MAX_CONTEXTS`],
    /// [`crate::ppdu::MAX_TRANSFER_SYNTAXES`]): CPR local-limit-exceeded (2) during connection
    /// establishment, otherwise Abort-reason invalid-ppdu-parameter-value (6).
    #[error("{parameter} in {ppdu} has more than {max} items")]
    TooManyItems {
        /// The PPDU.
        ppdu: &'static str,
        /// The list parameter.
        parameter: &'static str,
        /// The limit in force.
        max: usize,
    },
    /// Session user data longer than [`crate::connection::Config::max_user_data`]: CPR
    /// local-limit-exceeded (2) for a CP-type, otherwise ARP reason-not-specified (0).
    #[error("presentation user data of {len} octets exceeds the limit of {max}")]
    UserDataTooLarge {
        /// Octets received.
        len: usize,
        /// The configured limit.
        max: usize,
    },
    /// A PDV in the data phase names a presentation context that is not in the defined
    /// context set (X.226 §6.6.1): Abort-reason invalid-ppdu-parameter-value (6).
    #[error("presentation context {context_id} is not in the defined context set")]
    UndefinedContext {
        /// The presentation-context-identifier received.
        context_id: u32,
    },
    /// A PDV in the data phase names a transfer syntax other than the one (BER) agreed for
    /// its context (X.226 §8.4.2): Abort-reason invalid-ppdu-parameter-value (6).
    #[error("PDV of context {context_id} names a transfer syntax other than BER")]
    UnexpectedTransferSyntax {
        /// The presentation-context-identifier of the PDV.
        context_id: u32,
    },
    /// simply-encoded-data where the defined context set requires fully-encoded-data
    /// (X.226 §8.4.1): Abort-reason unexpected-ppdu-parameter (5).
    #[error("simply-encoded-data received where fully-encoded-data is required")]
    SimplyEncodedData,
    /// fully-encoded-data holding no PDV-list in the data phase: Abort-reason
    /// invalid-ppdu-parameter-value (6).
    #[error("fully-encoded-data without any presentation data value")]
    EmptyUserData,
    /// The CPA-PPDU does not return exactly one result per proposed context (X.226 §6.2.3):
    /// Abort-reason invalid-ppdu-parameter-value (6).
    #[error("CPA has {received} context result(s) for {proposed} proposed context(s)")]
    ResultCountMismatch {
        /// Contexts proposed in the CP-type.
        proposed: usize,
        /// Results received.
        received: usize,
    },
    /// The responding-presentation-selector differs from the configured remote selector:
    /// Abort-reason reason-not-specified (0).
    #[error("responding presentation selector does not match the configured one")]
    RespondingSelectorMismatch,
    /// The CP-type selects X.410-1984 mode, which this implementation does not support
    /// (X.226 §6.2.2.2): CPR reason-not-specified.
    #[error("X.410-1984 mode is not supported")]
    X410ModeNotSupported,
    /// The CP-type's protocol-version does not include version-1 (X.226 §6.2.2.4): CPR
    /// protocol-version-not-supported (4).
    #[error("no supported presentation protocol version proposed")]
    ProtocolVersionNotSupported,
    /// The CP-type proposes a default context (X.226 §6.2.2.7), which is not supported: CPR
    /// default-context-not-supported (5).
    #[error("default context not supported")]
    DefaultContextNotSupported,
    /// The called-presentation-selector is not ours: CPR called-presentation-address-unknown
    /// (3).
    #[error("called presentation selector unknown")]
    CalledSelectorUnknown,
    /// The CP-type proposes the same presentation-context-identifier twice (X.226 §6.2.2.6: an
    /// identifier names one context): CPR reason-not-specified.
    #[error("presentation context identifier {0} proposed more than once")]
    DuplicateContextId(u32),
    /// The CP-type carries no user data (the A-ASSOCIATE request must be there): CPR
    /// reason-not-specified.
    #[error("CP-type without user data")]
    MissingUserData,
    /// The connect user data cannot be read: it is simply encoded, empty, or names a context
    /// that was not accepted: CPR user-data-not-readable (6).
    #[error("connect user data not readable (context {context_id:?})")]
    UserDataNotReadable {
        /// The context the unreadable PDV named, if it got that far.
        context_id: Option<u32>,
    },
    /// The CP-type could not be decoded; refuse with CPR (reason in [`Self::response`]).
    #[error("invalid CP-type: {0}")]
    InvalidConnect(Box<PresentationError>),
    /// A local call made in a state that does not allow it (no PPDU is sent).
    #[error("{operation} not allowed in state {state:?}")]
    WrongState {
        /// The operation called.
        operation: &'static str,
        /// The current state.
        state: crate::connection::State,
    },
    /// A local call named a presentation context that is not in the defined context set
    /// (or was not accepted).
    #[error("presentation context {0} is not accepted")]
    ContextNotAccepted(u32),
    /// A local call passed a parameter that X.226 does not allow (e.g. an even context
    /// identifier proposed by the initiator, X.226 §6.2.2.6).
    #[error("invalid local parameter: {0}")]
    InvalidLocalParameter(&'static str),
}

impl PresentationError {
    /// The PPDU the presentation entity must send in reply, if any: a CPR for errors in a
    /// received CP-type (X.226 §6.2.4.2), an ARP with the matching Abort-reason for errors
    /// in other received PPDUs (X.226 §6.4.2), nothing for local misuse.
    pub fn response(&self) -> Option<Response> {
        use PresentationError as E;
        Some(match self {
            E::UnrecognizedPpdu { .. } => Response::Arp(AbortReason::UnrecognizedPpdu),
            E::UnexpectedPpdu { .. } => Response::Arp(AbortReason::UnexpectedPpdu),
            E::UnrecognizedParameter { .. } => {
                Response::Arp(AbortReason::UnrecognizedPpduParameter)
            }
            E::UnexpectedParameter { .. } | E::SimplyEncodedData => {
                Response::Arp(AbortReason::UnexpectedPpduParameter)
            }
            E::InvalidParameterValue { .. }
            | E::Malformed { .. }
            | E::MissingParameter { .. }
            | E::TooManyItems { .. }
            | E::UndefinedContext { .. }
            | E::UnexpectedTransferSyntax { .. }
            | E::EmptyUserData
            | E::ResultCountMismatch { .. } => {
                Response::Arp(AbortReason::InvalidPpduParameterValue)
            }
            E::UserDataTooLarge { .. } | E::RespondingSelectorMismatch => {
                Response::Arp(AbortReason::ReasonNotSpecified)
            }
            E::X410ModeNotSupported | E::DuplicateContextId(_) | E::MissingUserData => {
                Response::Cpr(Some(RefuseReason::ReasonNotSpecified))
            }
            E::ProtocolVersionNotSupported => {
                Response::Cpr(Some(RefuseReason::ProtocolVersionNotSupported))
            }
            E::DefaultContextNotSupported => {
                Response::Cpr(Some(RefuseReason::DefaultContextNotSupported))
            }
            E::CalledSelectorUnknown => {
                Response::Cpr(Some(RefuseReason::CalledPresentationAddressUnknown))
            }
            E::UserDataNotReadable { .. } => Response::Cpr(Some(RefuseReason::UserDataNotReadable)),
            E::InvalidConnect(inner) => match **inner {
                E::TooManyItems { .. } | E::UserDataTooLarge { .. } => {
                    Response::Cpr(Some(RefuseReason::LocalLimitExceeded))
                }
                _ => Response::Cpr(Some(RefuseReason::ReasonNotSpecified)),
            },
            E::WrongState { .. } | E::ContextNotAccepted(_) | E::InvalidLocalParameter(_) => {
                return None
            }
        })
    }

    /// Encodes [`Self::response`] into `w`; returns false (and writes nothing) when there is
    /// nothing to send.
    pub fn encode_response(&self, w: &mut Writer) -> bool {
        match self.response() {
            Some(r) => {
                r.encode(w);
                true
            }
            None => false,
        }
    }
}

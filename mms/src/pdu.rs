//! The MMSpdu (ISO 9506-2 §7): the outermost CHOICE, the confirmed request/response/error
//! envelopes with their invokeID, and the dispatch of every service alternative.
//!
//! Decoding never panics and reports, for any malformed input, the RejectPDU reason ISO 9506-2
//! §7.5 prescribes for it ([`PduError::reject`]).

use crate::codec::{
    ctx, explicit, null, seq_of, uint32, write_explicit, write_null, write_uint, Asn1, BerError,
    Choice, Class, DecodeError, Fields, RawValue, Reader, Result, Service, Tag, Tlv, Writer,
};
use crate::initiate::{InitiateRequest, InitiateResponse};
use crate::modifier::Modifier;
use crate::reject::{RejectPdu, RejectReason};
use crate::service_error::{CancelErrorPdu, ConfirmedErrorPdu, ServiceError};
use crate::services::*;

/// Nesting budget (BER levels) when nothing has been negotiated yet.
///
/// A data structure nesting level of n costs n BER levels in `Data` and about four per level in
/// a `TypeDescription`, on top of about eight levels of PDU envelope.
pub const DEFAULT_MAX_DEPTH: u16 = 64;

/// How deep a decoder may go (ISO 9506-2 §8.2.1.1.4: the negotiated data structure nesting level
/// bounds what a peer may send; the margin covers the PDU envelope and type descriptions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// BER nesting budget for one PDU.
    pub max_depth: u16,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

impl DecodeOptions {
    /// The budget for a negotiated data structure nesting level: four BER levels per nesting level
    /// (enough for the type description of such data) plus sixteen for the envelope.
    pub fn for_nesting_level(level: u8) -> DecodeOptions {
        DecodeOptions {
            max_depth: u16::from(level) * 4 + 16,
        }
    }
}

/// Declares a service CHOICE (ConfirmedServiceRequest, ConfirmedServiceResponse,
/// UnconfirmedService): the enum, tag dispatch and encoding.
macro_rules! service_choice {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident($t:ty)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        #[non_exhaustive]
        pub enum $name<'a> {
            $($(#[$vm])* $v($t)),+
        }

        impl<'a> $name<'a> {
            /// The context tag number of the alternative (its bit in ServiceSupportOptions for
            /// confirmed services).
            pub fn tag(&self) -> u32 {
                match self {
                    $($name::$v(_) => <$t as Service<'a>>::TAG),+
                }
            }

            /// Decodes the alternative `tlv`'s tag selects; an unknown one is
            /// [`DecodeError::UnrecognizedService`].
            pub fn decode(tlv: &Tlv<'a>) -> Result<Self> {
                if tlv.tag.class != Class::Context {
                    return Err(BerError::UnexpectedTag { expected: ctx(0), found: tlv.tag }.into());
                }
                let n = tlv.tag.number;
                $(if n == <$t as Service<'a>>::TAG {
                    return Ok($name::$v(<$t as Service<'a>>::decode_service(tlv)?));
                })+
                Err(DecodeError::UnrecognizedService(n))
            }

            /// Writes the alternative with its tag.
            pub fn encode(&self, w: &mut Writer) {
                match self {
                    $($name::$v(x) => x.encode_service(w)),+
                }
            }
        }

        $(impl<'a> From<$t> for $name<'a> {
            fn from(x: $t) -> Self {
                $name::$v(x)
            }
        })+
    };
}

include!("pdu_services.rs");

/// `Confirmed-RequestPDU` (ISO 9506-2 §7.2).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmedRequestPdu<'a> {
    /// `invokeID Unsigned32`.
    pub invoke_id: u32,
    /// `listOfModifier SEQUENCE OF Modifier OPTIONAL` (empty when absent).
    pub list_of_modifier: Vec<Modifier<'a>>,
    /// The service request.
    pub service: ConfirmedServiceRequest<'a>,
    /// `cs-request-detail [79] CS-Request-Detail OPTIONAL` (companion-standard detail, as received).
    pub cs_request_detail: Option<RawValue<'a>>,
}

/// `Confirmed-ResponsePDU` (ISO 9506-2 §7.2).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmedResponsePdu<'a> {
    /// `invokeID Unsigned32`.
    pub invoke_id: u32,
    /// The service response.
    pub service: ConfirmedServiceResponse<'a>,
    /// `cs-request-detail [79] CS-Request-Detail OPTIONAL` (companion-standard detail, as received).
    pub cs_request_detail: Option<RawValue<'a>>,
}

/// `Unconfirmed-PDU` (ISO 9506-2 §7.3).
#[derive(Debug, Clone, PartialEq)]
pub struct UnconfirmedPdu<'a> {
    /// The unconfirmed service.
    pub service: UnconfirmedService<'a>,
    /// `cs-request-detail [79] CS-Request-Detail OPTIONAL` (companion-standard detail, as received).
    pub cs_request_detail: Option<RawValue<'a>>,
}

/// `MMSpdu` (ISO 9506-2 §7.1): everything an MMS peer can send.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum MmsPdu<'a> {
    /// `confirmed-RequestPDU [0]`.
    ConfirmedRequest(ConfirmedRequestPdu<'a>),
    /// `confirmed-ResponsePDU [1]`.
    ConfirmedResponse(ConfirmedResponsePdu<'a>),
    /// `confirmed-ErrorPDU [2]`.
    ConfirmedError(ConfirmedErrorPdu<'a>),
    /// `unconfirmed-PDU [3]`.
    Unconfirmed(UnconfirmedPdu<'a>),
    /// `rejectPDU [4]`.
    Reject(RejectPdu),
    /// `cancel-RequestPDU [5] IMPLICIT Unsigned32`: the invokeID to cancel.
    CancelRequest(u32),
    /// `cancel-ResponsePDU [6] IMPLICIT Unsigned32`: the invokeID cancelled.
    CancelResponse(u32),
    /// `cancel-ErrorPDU [7]`.
    CancelError(CancelErrorPdu<'a>),
    /// `initiate-RequestPDU [8]`.
    InitiateRequest(InitiateRequest),
    /// `initiate-ResponsePDU [9]`.
    InitiateResponse(InitiateResponse),
    /// `initiate-ErrorPDU [10] IMPLICIT ServiceError`.
    InitiateError(ServiceError<'a>),
    /// `conclude-RequestPDU [11] IMPLICIT NULL`.
    ConcludeRequest,
    /// `conclude-ResponsePDU [12] IMPLICIT NULL`.
    ConcludeResponse,
    /// `conclude-ErrorPDU [13] IMPLICIT ServiceError`.
    ConcludeError(ServiceError<'a>),
}

/// The MMSpdu alternatives, for error reporting (ISO 9506-2 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PduType {
    /// confirmed-RequestPDU \[0\].
    ConfirmedRequest = 0,
    /// confirmed-ResponsePDU \[1\].
    ConfirmedResponse = 1,
    /// confirmed-ErrorPDU \[2\].
    ConfirmedError = 2,
    /// unconfirmed-PDU \[3\].
    Unconfirmed = 3,
    /// rejectPDU \[4\].
    Reject = 4,
    /// cancel-RequestPDU \[5\].
    CancelRequest = 5,
    /// cancel-ResponsePDU \[6\].
    CancelResponse = 6,
    /// cancel-ErrorPDU \[7\].
    CancelError = 7,
    /// initiate-RequestPDU \[8\].
    InitiateRequest = 8,
    /// initiate-ResponsePDU \[9\].
    InitiateResponse = 9,
    /// initiate-ErrorPDU \[10\].
    InitiateError = 10,
    /// conclude-RequestPDU \[11\].
    ConcludeRequest = 11,
    /// conclude-ResponsePDU \[12\].
    ConcludeResponse = 12,
    /// conclude-ErrorPDU \[13\].
    ConcludeError = 13,
}

impl PduType {
    fn from_tag(tag: Tag) -> Option<PduType> {
        if tag.class != Class::Context {
            return None;
        }
        use PduType::*;
        Some(match tag.number {
            0 => ConfirmedRequest,
            1 => ConfirmedResponse,
            2 => ConfirmedError,
            3 => Unconfirmed,
            4 => Reject,
            5 => CancelRequest,
            6 => CancelResponse,
            7 => CancelError,
            8 => InitiateRequest,
            9 => InitiateResponse,
            10 => InitiateError,
            11 => ConcludeRequest,
            12 => ConcludeResponse,
            13 => ConcludeError,
            _ => return None,
        })
    }
}

/// Where in an MMSpdu decoding failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorSite {
    /// The invokeID (or original invokeID) itself.
    InvokeId,
    /// The listOfModifier of a confirmed request.
    Modifier,
    /// The service body, the ServiceError, or any other part of the PDU.
    Body,
}

/// A PDU that could not be decoded, with what the runtime needs to answer it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid MMS {}: {error}", match .pdu { Some(p) => format!("{p:?} PDU"), None => "PDU".to_string() })]
pub struct PduError {
    /// Which MMSpdu alternative it was, when the outer tag was recognised.
    pub pdu: Option<PduType>,
    /// The invokeID, when it could be read (confirmed PDUs, cancel PDUs).
    pub invoke_id: Option<u32>,
    /// Where the error was found.
    pub site: ErrorSite,
    /// What was wrong.
    pub error: DecodeError,
}

impl PduError {
    fn new(
        pdu: Option<PduType>,
        invoke_id: Option<u32>,
        site: ErrorSite,
        error: DecodeError,
    ) -> Self {
        PduError {
            pdu,
            invoke_id,
            site,
            error,
        }
    }

    /// The RejectPDU reason ISO 9506-2 §7.5 prescribes for this error, or `None` where no
    /// RejectPDU is sent (a bad RejectPDU is never rejected; a bad initiate PDU is answered by the
    /// association establishment procedure, ISO 9506-1 §8.2).
    pub fn reject_reason(&self) -> Option<RejectReason> {
        reason_for(self)
    }

    /// The RejectPDU to send for this error, if one is to be sent.
    pub fn reject(&self) -> Option<RejectPdu> {
        self.reject_reason().map(|reason| RejectPdu {
            original_invoke_id: self.invoke_id,
            reason,
        })
    }
}

/// Writes an `unconfirmed-PDU [3]` (ISO 9506-2 §7.3) carrying `service` and no
/// companion-standard detail, straight from a borrowed service (no copy of it into an
/// [`MmsPdu`]).
pub fn write_unconfirmed_pdu(w: &mut Writer, service: &UnconfirmedService<'_>) {
    let m = w.mark();
    service.encode(w);
    w.wrap(m, Tag::context(3, true));
}

impl<'a> MmsPdu<'a> {
    /// Decodes one MMSpdu that fills `input` exactly, with the default nesting budget.
    pub fn decode(input: &'a [u8]) -> core::result::Result<MmsPdu<'a>, PduError> {
        MmsPdu::decode_with(input, DecodeOptions::default())
    }

    /// Decodes one MMSpdu that fills `input` exactly.
    pub fn decode_with(
        input: &'a [u8],
        opts: DecodeOptions,
    ) -> core::result::Result<MmsPdu<'a>, PduError> {
        let mut r = Reader::with_depth(input, opts.max_depth);
        let tlv = r
            .read()
            .map_err(|e| PduError::new(None, None, ErrorSite::Body, e.into()))?;
        let pdu = PduType::from_tag(tlv.tag);
        let Some(kind) = pdu else {
            return Err(PduError::new(
                None,
                None,
                ErrorSite::Body,
                BerError::InvalidValue("MMSpdu").into(),
            ));
        };
        let decoded = decode_alternative(kind, &tlv)?;
        r.finish()
            .map_err(|e| PduError::new(pdu, invoke_id_of(&decoded), ErrorSite::Body, e.into()))?;
        Ok(decoded)
    }

    /// Writes the PDU (back to front, canonical BER).
    pub fn encode(&self, w: &mut Writer) {
        match self {
            MmsPdu::ConfirmedRequest(p) => {
                let m = w.mark();
                if let Some(d) = &p.cs_request_detail {
                    write_explicit(w, 79, |w| d.encode(w));
                }
                p.service.encode(w);
                if !p.list_of_modifier.is_empty() {
                    crate::codec::write_seq_of(w, Tag::SEQUENCE, &p.list_of_modifier, |w, m| {
                        m.encode_choice(w)
                    });
                }
                write_uint(w, Tag::INTEGER, u64::from(p.invoke_id));
                w.wrap(m, Tag::context(0, true));
            }
            MmsPdu::ConfirmedResponse(p) => {
                let m = w.mark();
                if let Some(d) = &p.cs_request_detail {
                    write_explicit(w, 79, |w| d.encode(w));
                }
                p.service.encode(w);
                write_uint(w, Tag::INTEGER, u64::from(p.invoke_id));
                w.wrap(m, Tag::context(1, true));
            }
            MmsPdu::ConfirmedError(p) => p.encode_tagged(w, Tag::context(2, true)),
            MmsPdu::Unconfirmed(p) => {
                let m = w.mark();
                if let Some(d) = &p.cs_request_detail {
                    write_explicit(w, 79, |w| d.encode(w));
                }
                p.service.encode(w);
                w.wrap(m, Tag::context(3, true));
            }
            MmsPdu::Reject(p) => p.encode_tagged(w, Tag::context(4, true)),
            MmsPdu::CancelRequest(id) => write_uint(w, ctx(5), u64::from(*id)),
            MmsPdu::CancelResponse(id) => write_uint(w, ctx(6), u64::from(*id)),
            MmsPdu::CancelError(p) => p.encode(w),
            MmsPdu::InitiateRequest(p) => p.encode_tagged(w, Tag::context(8, true)),
            MmsPdu::InitiateResponse(p) => p.encode_tagged(w, Tag::context(9, true)),
            MmsPdu::InitiateError(e) => e.encode_tagged(w, Tag::context(10, true)),
            MmsPdu::ConcludeRequest => write_null(w, ctx(11)),
            MmsPdu::ConcludeResponse => write_null(w, ctx(12)),
            MmsPdu::ConcludeError(e) => e.encode_tagged(w, Tag::context(13, true)),
        }
    }

    /// The encoding as a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.into_vec()
    }

    /// The invokeID the PDU carries or refers to (confirmed PDUs, cancel PDUs, and a RejectPDU's
    /// originalInvokeID).
    pub fn invoke_id(&self) -> Option<u32> {
        invoke_id_of(self)
    }

    /// Which MMSpdu alternative this is.
    pub fn pdu_type(&self) -> PduType {
        use MmsPdu::*;
        match self {
            ConfirmedRequest(_) => PduType::ConfirmedRequest,
            ConfirmedResponse(_) => PduType::ConfirmedResponse,
            ConfirmedError(_) => PduType::ConfirmedError,
            Unconfirmed(_) => PduType::Unconfirmed,
            Reject(_) => PduType::Reject,
            CancelRequest(_) => PduType::CancelRequest,
            CancelResponse(_) => PduType::CancelResponse,
            CancelError(_) => PduType::CancelError,
            InitiateRequest(_) => PduType::InitiateRequest,
            InitiateResponse(_) => PduType::InitiateResponse,
            InitiateError(_) => PduType::InitiateError,
            ConcludeRequest => PduType::ConcludeRequest,
            ConcludeResponse => PduType::ConcludeResponse,
            ConcludeError(_) => PduType::ConcludeError,
        }
    }

    /// A confirmed request.
    pub fn request(invoke_id: u32, service: impl Into<ConfirmedServiceRequest<'a>>) -> MmsPdu<'a> {
        MmsPdu::ConfirmedRequest(ConfirmedRequestPdu {
            invoke_id,
            list_of_modifier: Vec::new(),
            service: service.into(),
            cs_request_detail: None,
        })
    }

    /// A confirmed response.
    pub fn response(
        invoke_id: u32,
        service: impl Into<ConfirmedServiceResponse<'a>>,
    ) -> MmsPdu<'a> {
        MmsPdu::ConfirmedResponse(ConfirmedResponsePdu {
            invoke_id,
            service: service.into(),
            cs_request_detail: None,
        })
    }

    /// An unconfirmed PDU.
    pub fn unconfirmed(service: impl Into<UnconfirmedService<'a>>) -> MmsPdu<'a> {
        MmsPdu::Unconfirmed(UnconfirmedPdu {
            service: service.into(),
            cs_request_detail: None,
        })
    }
}

fn invoke_id_of(p: &MmsPdu<'_>) -> Option<u32> {
    match p {
        MmsPdu::ConfirmedRequest(p) => Some(p.invoke_id),
        MmsPdu::ConfirmedResponse(p) => Some(p.invoke_id),
        MmsPdu::ConfirmedError(p) => Some(p.invoke_id),
        MmsPdu::Reject(p) => p.original_invoke_id,
        MmsPdu::CancelRequest(id) | MmsPdu::CancelResponse(id) => Some(*id),
        MmsPdu::CancelError(p) => Some(p.original_invoke_id),
        _ => None,
    }
}

/// The `[0] IMPLICIT Unsigned32` invokeID at the start of a confirmed-Error or cancel-Error PDU,
/// if it can be read (so that a PDU whose ServiceError is bad can still be rejected with it).
fn first_invoke_id(tlv: &Tlv<'_>) -> Option<u32> {
    Fields::new(tlv)
        .and_then(|mut f| f.opt(ctx(0)))
        .ok()
        .flatten()
        .and_then(|t| uint32(&t).ok())
}

/// Reads `[79] CS-Request-Detail` if it is next.
fn cs_detail<'a>(f: &mut Fields<'a>) -> Result<Option<RawValue<'a>>> {
    f.opt(Tag::context(79, true))?
        .map(|t| explicit(&t).map(|i| RawValue::from_tlv(&i)))
        .transpose()
}

fn decode_alternative<'a>(
    kind: PduType,
    tlv: &Tlv<'a>,
) -> core::result::Result<MmsPdu<'a>, PduError> {
    let pdu = Some(kind);
    let body = |id: Option<u32>| move |e: DecodeError| PduError::new(pdu, id, ErrorSite::Body, e);
    let form = |constructed: bool| -> core::result::Result<(), PduError> {
        if tlv.tag.constructed == constructed {
            Ok(())
        } else {
            Err(PduError::new(
                pdu,
                None,
                ErrorSite::Body,
                BerError::WrongForm(tlv.tag).into(),
            ))
        }
    };
    match kind {
        PduType::ConfirmedRequest => {
            form(true)?;
            let mut f = Fields::new(tlv).map_err(body(None))?;
            let invoke_id = f
                .req(Tag::INTEGER, "invokeID")
                .and_then(|t| uint32(&t))
                .map_err(|e| PduError::new(pdu, None, ErrorSite::InvokeId, e))?;
            let id = Some(invoke_id);
            let list_of_modifier = match f.opt(Tag::SEQUENCE).map_err(body(id))? {
                Some(t) => seq_of(&t, Modifier::decode_choice)
                    .map_err(|e| PduError::new(pdu, id, ErrorSite::Modifier, e))?,
                None => Vec::new(),
            };
            let service = f
                .next("confirmedServiceRequest")
                .and_then(|t| ConfirmedServiceRequest::decode(&t))
                .map_err(body(id))?;
            let cs_request_detail = cs_detail(&mut f).map_err(body(id))?;
            f.finish().map_err(body(id))?;
            Ok(MmsPdu::ConfirmedRequest(ConfirmedRequestPdu {
                invoke_id,
                list_of_modifier,
                service,
                cs_request_detail,
            }))
        }
        PduType::ConfirmedResponse => {
            form(true)?;
            let mut f = Fields::new(tlv).map_err(body(None))?;
            let invoke_id = f
                .req(Tag::INTEGER, "invokeID")
                .and_then(|t| uint32(&t))
                .map_err(|e| PduError::new(pdu, None, ErrorSite::InvokeId, e))?;
            let id = Some(invoke_id);
            let service = f
                .next("confirmedServiceResponse")
                .and_then(|t| ConfirmedServiceResponse::decode(&t))
                .map_err(body(id))?;
            let cs_request_detail = cs_detail(&mut f).map_err(body(id))?;
            f.finish().map_err(body(id))?;
            Ok(MmsPdu::ConfirmedResponse(ConfirmedResponsePdu {
                invoke_id,
                service,
                cs_request_detail,
            }))
        }
        PduType::ConfirmedError => {
            form(true)?;
            // Read the invokeID first so that a bad ServiceError can still be rejected with it.
            let id = first_invoke_id(tlv);
            ConfirmedErrorPdu::decode_contents(tlv)
                .map(MmsPdu::ConfirmedError)
                .map_err(|e| {
                    let site = if id.is_none() {
                        ErrorSite::InvokeId
                    } else {
                        ErrorSite::Body
                    };
                    PduError::new(pdu, id, site, e)
                })
        }
        PduType::Unconfirmed => {
            form(true)?;
            let mut f = Fields::new(tlv).map_err(body(None))?;
            let service = f
                .next("unconfirmedService")
                .and_then(|t| UnconfirmedService::decode(&t))
                .map_err(body(None))?;
            let cs_request_detail = cs_detail(&mut f).map_err(body(None))?;
            f.finish().map_err(body(None))?;
            Ok(MmsPdu::Unconfirmed(UnconfirmedPdu {
                service,
                cs_request_detail,
            }))
        }
        PduType::Reject => {
            form(true)?;
            RejectPdu::decode_contents(tlv)
                .map(MmsPdu::Reject)
                .map_err(body(None))
        }
        PduType::CancelRequest | PduType::CancelResponse => {
            form(false)?;
            let id = uint32(tlv).map_err(|e| PduError::new(pdu, None, ErrorSite::InvokeId, e))?;
            Ok(if kind == PduType::CancelRequest {
                MmsPdu::CancelRequest(id)
            } else {
                MmsPdu::CancelResponse(id)
            })
        }
        PduType::CancelError => {
            form(true)?;
            let id = first_invoke_id(tlv);
            CancelErrorPdu::decode_contents(tlv)
                .map(MmsPdu::CancelError)
                .map_err(|e| {
                    let site = if id.is_none() {
                        ErrorSite::InvokeId
                    } else {
                        ErrorSite::Body
                    };
                    PduError::new(pdu, id, site, e)
                })
        }
        PduType::InitiateRequest => {
            form(true)?;
            InitiateRequest::decode_contents(tlv)
                .map(MmsPdu::InitiateRequest)
                .map_err(body(None))
        }
        PduType::InitiateResponse => {
            form(true)?;
            InitiateResponse::decode_contents(tlv)
                .map(MmsPdu::InitiateResponse)
                .map_err(body(None))
        }
        PduType::InitiateError | PduType::ConcludeError => {
            form(true)?;
            let e = ServiceError::decode_contents(tlv).map_err(body(None))?;
            Ok(if kind == PduType::InitiateError {
                MmsPdu::InitiateError(e)
            } else {
                MmsPdu::ConcludeError(e)
            })
        }
        PduType::ConcludeRequest | PduType::ConcludeResponse => {
            null(tlv).map_err(body(None))?;
            Ok(if kind == PduType::ConcludeRequest {
                MmsPdu::ConcludeRequest
            } else {
                MmsPdu::ConcludeResponse
            })
        }
    }
}

/// ISO 9506-2 §7.5.2: the reject reason for each kind of undecodable PDU.
fn reason_for(e: &PduError) -> Option<RejectReason> {
    use crate::reject::*;
    let err = &e.error;
    let deep = err.is_too_deep();
    let range = matches!(err, DecodeError::OutOfRange(_));
    let unknown = matches!(err, DecodeError::UnrecognizedService(_));
    let bad_id = e.site == ErrorSite::InvokeId;
    let Some(kind) = e.pdu else {
        return Some(RejectReason::PduError(
            if matches!(err, DecodeError::Ber(BerError::InvalidValue("MMSpdu"))) {
                PduProblem::UnknownPduType
            } else {
                PduProblem::InvalidPdu
            },
        ));
    };
    Some(match kind {
        PduType::ConfirmedRequest => RejectReason::ConfirmedRequest(match err {
            _ if bad_id => ConfirmedRequestProblem::InvalidInvokeId,
            DecodeError::UnrecognizedModifier(_) => ConfirmedRequestProblem::UnrecognizedModifier,
            _ if e.site == ErrorSite::Modifier => ConfirmedRequestProblem::InvalidModifier,
            _ => return Some(RejectReason::for_request_error(err)),
        }),
        PduType::ConfirmedResponse => RejectReason::ConfirmedResponse(if bad_id {
            ConfirmedResponseProblem::InvalidInvokeId
        } else if unknown {
            ConfirmedResponseProblem::UnrecognizedService
        } else if deep {
            ConfirmedResponseProblem::MaxRecursionExceeded
        } else if range {
            ConfirmedResponseProblem::ValueOutOfRange
        } else {
            ConfirmedResponseProblem::InvalidResult
        }),
        PduType::ConfirmedError => RejectReason::ConfirmedError(if bad_id {
            ConfirmedErrorProblem::InvalidInvokeId
        } else if range {
            ConfirmedErrorProblem::ValueOutOfRange
        } else {
            ConfirmedErrorProblem::InvalidServiceError
        }),
        PduType::Unconfirmed => RejectReason::Unconfirmed(if unknown {
            UnconfirmedProblem::UnrecognizedService
        } else if deep {
            UnconfirmedProblem::MaxRecursionExceeded
        } else if range {
            UnconfirmedProblem::ValueOutOfRange
        } else {
            UnconfirmedProblem::InvalidArgument
        }),
        // A RejectPDU is never answered with a RejectPDU.
        PduType::Reject => return None,
        PduType::CancelRequest => RejectReason::CancelRequest(if bad_id {
            CancelProblem::InvalidInvokeId
        } else {
            CancelProblem::Other(0)
        }),
        PduType::CancelResponse => RejectReason::CancelResponse(if bad_id {
            CancelProblem::InvalidInvokeId
        } else {
            CancelProblem::Other(0)
        }),
        PduType::CancelError => RejectReason::CancelError(if bad_id {
            CancelErrorProblem::InvalidInvokeId
        } else if range {
            CancelErrorProblem::ValueOutOfRange
        } else {
            CancelErrorProblem::InvalidServiceError
        }),
        // ISO 9506-1 §8.2: a bad initiate PDU is answered through association establishment
        // (an initiate-ErrorPDU or an ACSE refusal), not with a RejectPDU.
        PduType::InitiateRequest | PduType::InitiateResponse | PduType::InitiateError => {
            return None
        }
        PduType::ConcludeRequest => {
            RejectReason::ConcludeRequest(ConcludeRequestProblem::InvalidArgument)
        }
        PduType::ConcludeResponse => {
            RejectReason::ConcludeResponse(ConcludeResponseProblem::InvalidResult)
        }
        PduType::ConcludeError => RejectReason::ConcludeError(if range {
            ConcludeErrorProblem::ValueOutOfRange
        } else {
            ConcludeErrorProblem::InvalidServiceError
        }),
    })
}

impl crate::services::event::ActionOutcome<'_> {
    /// The typed ConfirmedServiceResponse of a successful event action (ISO 9506-2 §19.10,
    /// `actionResult.success`), decoded from the octets kept as received; `None` for a failure.
    pub fn confirmed_service_response(&self) -> Option<Result<ConfirmedServiceResponse<'_>>> {
        match self {
            crate::services::event::ActionOutcome::Success {
                confirmed_service_response,
                ..
            } => Some(
                confirmed_service_response
                    .tlv()
                    .and_then(|t| ConfirmedServiceResponse::decode(&t)),
            ),
            _ => None,
        }
    }
}

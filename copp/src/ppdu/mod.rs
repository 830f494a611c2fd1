//! The presentation protocol data units of ISO 8823-1 / X.226 §8 (normal mode, BER transfer
//! syntax): parsing (zero-copy, bounded, depth-limited) and encoding (back to front with
//! [`crate::ber::Writer`]).
//!
//! | PPDU | X.226 type | outer octet | here |
//! |---|---|---|---|
//! | CP | `CP-type` (SET) | `31` | [`ConnectPpdu`], [`parse_connect`] |
//! | CPA | `CPA-PPDU` (SET) | `31` | [`AcceptPpdu`], [`parse_accept`] |
//! | CPR | `CPR-PPDU` normal-mode (SEQUENCE) | `30` | [`RefusePpdu`], [`parse_refuse`] |
//! | ARU | `ARU-PPDU` normal-mode (`[0] IMPLICIT SEQUENCE`) | `A0` | [`AbortPpdu::User`] |
//! | ARP | `ARP-PPDU` (SEQUENCE) | `30` | [`AbortPpdu::Provider`] |
//! | TD, release/abort user data | `User-data` | `61` / `40` | [`UserData`], [`parse_user_data`] |
//!
//! Extensibility (X.226 §8.5, rules of extensibility for normal mode): in the CP-type, CPA-PPDU
//! and CPR-PPDU, tagged values that X.226 does not define are ignored, as is the contents of
//! the `extensions [14]` element, and unknown bits of bit strings are ignored. A defined
//! element that is repeated (or, inside a SEQUENCE, out of order) is an error
//! ([`PresentationError::UnexpectedParameter`]): X.680 allows each component once. Inside the
//! lists (context definitions, results, PDV-lists) unknown elements are errors.

mod abort;
mod accept;
mod connect;
mod data;
mod refuse;
mod user_data;

pub use abort::{parse_abort, parse_abort_with_depth, AbortPpdu, AbortReason};
pub use accept::{parse_accept, parse_accept_with_depth, AcceptPpdu};
pub use connect::{parse_connect, parse_connect_with_depth, ConnectPpdu, DefaultContextName};
pub use data::{encode_data_header, DATA_HEADER_MAX, DATA_VALUE_MAX};
pub use refuse::{parse_refuse, parse_refuse_with_depth, RefusePpdu, RefuseReason};
pub use user_data::{
    encode_single_pdv, parse_user_data, parse_user_data_with_depth, FullyEncoded, Pdv, PdvValue,
    Pdvs, UserData,
};

use crate::ber::{BerError, BitString, Oid, Reader, Tag, Tlv, Writer};
use crate::error::PresentationError;

/// Most items this implementation accepts in a presentation-context-definition-list, a
/// result list or a presentation-context-identifier-list (a local limit on the defined
/// context set, X.226 §6.2.4 "local-limit-on-DCS-exceeded"). MMS uses 2 or 3 contexts.
pub const MAX_CONTEXTS: usize = 32;

/// Most transfer-syntax names accepted for one proposed context (X.226 §8.2,
/// `transfer-syntax-name-list`).
pub const MAX_TRANSFER_SYNTAXES: usize = 16;

/// One item of a presentation-context-definition-list (X.226 §8.2 `Context-list`): the
/// context identifier, the abstract syntax and the proposed transfer syntaxes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextDefinition<'a> {
    /// presentation-context-identifier (odd when proposed by the initiator, X.226 §6.2.2.6).
    pub id: u32,
    /// abstract-syntax-name.
    pub abstract_syntax: Oid<'a>,
    /// transfer-syntax-name-list.
    pub transfer_syntaxes: Vec<Oid<'a>>,
}

/// `Result` of a presentation context negotiation (X.226 §8.2 `Result`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultKind {
    /// acceptance (0).
    Acceptance = 0,
    /// user-rejection (1).
    UserRejection = 1,
    /// provider-rejection (2).
    ProviderRejection = 2,
}

impl ResultKind {
    /// The value for an INTEGER received, if X.226 defines it.
    pub fn from_i64(v: i64) -> Option<ResultKind> {
        Some(match v {
            0 => ResultKind::Acceptance,
            1 => ResultKind::UserRejection,
            2 => ResultKind::ProviderRejection,
            _ => return None,
        })
    }
}

/// The provider-reason of a result-list item (X.226 §8.2 `Result-list`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderReason {
    /// reason-not-specified (0).
    ReasonNotSpecified = 0,
    /// abstract-syntax-not-supported (1).
    AbstractSyntaxNotSupported = 1,
    /// proposed-transfer-syntaxes-not-supported (2).
    ProposedTransferSyntaxesNotSupported = 2,
    /// local-limit-on-DCS-exceeded (3).
    LocalLimitOnDcsExceeded = 3,
}

impl ProviderReason {
    /// The value for an INTEGER received, if X.226 defines it.
    pub fn from_i64(v: i64) -> Option<ProviderReason> {
        Some(match v {
            0 => ProviderReason::ReasonNotSpecified,
            1 => ProviderReason::AbstractSyntaxNotSupported,
            2 => ProviderReason::ProposedTransferSyntaxesNotSupported,
            3 => ProviderReason::LocalLimitOnDcsExceeded,
            _ => return None,
        })
    }
}

/// One item of a presentation-context-definition-result-list (X.226 §8.2 `Result-list`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextResult<'a> {
    /// result `[0]`.
    pub result: ResultKind,
    /// transfer-syntax-name `[1]`: the syntax chosen, for an accepted context.
    pub transfer_syntax: Option<Oid<'a>>,
    /// provider-reason `[2]`, for a provider rejection.
    pub provider_reason: Option<ProviderReason>,
}

impl ContextResult<'_> {
    /// The same result owning its transfer-syntax name.
    pub fn into_owned(self) -> ContextResult<'static> {
        ContextResult {
            result: self.result,
            transfer_syntax: self.transfer_syntax.map(|o| o.to_owned()),
            provider_reason: self.provider_reason,
        }
    }
}

/// The mode-selector's mode-value (X.226 §8.2 `Mode-selector`).
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// x410-1984-mode (0): not supported by this implementation beyond recognising it.
    X410_1984 = 0,
    /// normal-mode (1).
    Normal = 1,
}

// ----- shared parsing helpers -----

/// Maps a BER error inside `parameter` of `ppdu` to [`PresentationError::Malformed`].
pub(crate) fn malformed(
    ppdu: &'static str,
    parameter: &'static str,
) -> impl Fn(BerError) -> PresentationError {
    move |source| PresentationError::Malformed {
        ppdu,
        parameter,
        source,
    }
}

/// Reads the one BER value that `b` must consist of.
pub(crate) fn read_outer<'a>(
    b: &'a [u8],
    max_depth: u16,
    expected: &'static str,
) -> Result<Tlv<'a>, PresentationError> {
    let mut r = Reader::with_depth(b, max_depth);
    let tlv = r.read().map_err(|e| match e {
        BerError::TooDeep { .. } => PresentationError::Malformed {
            ppdu: expected,
            parameter: "PPDU",
            source: e,
        },
        _ => PresentationError::UnrecognizedPpdu {
            expected,
            found: r.peek_tag().ok().flatten(),
        },
    })?;
    r.finish().map_err(malformed(expected, "PPDU"))?;
    Ok(tlv)
}

/// Tracks which components of a SET were seen (X.680: each component once).
pub(crate) struct SetSeen {
    ppdu: &'static str,
    seen: u32,
}

impl SetSeen {
    pub(crate) fn new(ppdu: &'static str) -> SetSeen {
        SetSeen { ppdu, seen: 0 }
    }
    pub(crate) fn mark(
        &mut self,
        bit: u32,
        parameter: &'static str,
    ) -> Result<(), PresentationError> {
        if self.seen & (1 << bit) != 0 {
            return Err(PresentationError::UnexpectedParameter {
                ppdu: self.ppdu,
                parameter,
            });
        }
        self.seen |= 1 << bit;
        Ok(())
    }
}

/// Checks that the components of a SEQUENCE come in order and at most once.
pub(crate) struct SeqOrder {
    ppdu: &'static str,
    next: usize,
}

impl SeqOrder {
    pub(crate) fn new(ppdu: &'static str) -> SeqOrder {
        SeqOrder { ppdu, next: 0 }
    }
    pub(crate) fn at(
        &mut self,
        pos: usize,
        parameter: &'static str,
    ) -> Result<(), PresentationError> {
        if pos < self.next {
            return Err(PresentationError::UnexpectedParameter {
                ppdu: self.ppdu,
                parameter,
            });
        }
        self.next = pos + 1;
        Ok(())
    }
}

pub(crate) fn bit_string<'a>(
    tlv: &Tlv<'a>,
    ppdu: &'static str,
    parameter: &'static str,
) -> Result<BitString<'a>, PresentationError> {
    tlv.bit_string().map_err(malformed(ppdu, parameter))
}

pub(crate) fn octets<'a>(
    tlv: &Tlv<'a>,
    ppdu: &'static str,
    parameter: &'static str,
) -> Result<&'a [u8], PresentationError> {
    tlv.octets().map_err(malformed(ppdu, parameter))
}

pub(crate) fn integer(
    tlv: &Tlv<'_>,
    ppdu: &'static str,
    parameter: &'static str,
) -> Result<i64, PresentationError> {
    tlv.integer().map_err(malformed(ppdu, parameter))
}

pub(crate) fn uint32(
    tlv: &Tlv<'_>,
    ppdu: &'static str,
    parameter: &'static str,
) -> Result<u32, PresentationError> {
    let v = integer(tlv, ppdu, parameter)?;
    u32::try_from(v).map_err(|_| PresentationError::InvalidParameterValue { ppdu, parameter })
}

pub(crate) fn reader<'a>(
    tlv: &Tlv<'a>,
    ppdu: &'static str,
    parameter: &'static str,
) -> Result<Reader<'a>, PresentationError> {
    tlv.reader().map_err(malformed(ppdu, parameter))
}

/// The content of an EXPLICIT tag: exactly one value.
pub(crate) fn explicit<'a>(
    tlv: &Tlv<'a>,
    ppdu: &'static str,
    parameter: &'static str,
) -> Result<Tlv<'a>, PresentationError> {
    let mut r = reader(tlv, ppdu, parameter)?;
    let inner = r.read().map_err(malformed(ppdu, parameter))?;
    r.finish().map_err(malformed(ppdu, parameter))?;
    Ok(inner)
}

/// Checks protocol-version (X.226 §8.2 `Protocol-version`, `BIT STRING { version-1 (0) }`).
pub(crate) fn version_has_v1(v: &Option<BitString<'_>>) -> bool {
    match v {
        Some(b) => b.bit(0),
        None => true,
    }
}

/// Parses a `Context-list` (X.226 §8.2).
pub(crate) fn parse_context_list<'a>(
    tlv: &Tlv<'a>,
    ppdu: &'static str,
) -> Result<Vec<ContextDefinition<'a>>, PresentationError> {
    const P: &str = "presentation-context-definition-list";
    let mut r = reader(tlv, ppdu, P)?;
    let mut out = Vec::new();
    while let Some(item) = r.read_optional().map_err(malformed(ppdu, P))? {
        if out.len() == MAX_CONTEXTS {
            return Err(PresentationError::TooManyItems {
                ppdu,
                parameter: P,
                max: MAX_CONTEXTS,
            });
        }
        let item = item.expect(Tag::SEQUENCE).map_err(malformed(ppdu, P))?;
        let mut ir = reader(&item, ppdu, P)?;
        let id_tlv = ir
            .read_tagged(Tag::INTEGER)
            .map_err(malformed(ppdu, "presentation-context-identifier"))?;
        let id = uint32(&id_tlv, ppdu, "presentation-context-identifier")?;
        let abstract_syntax = ir
            .read_tagged(Tag::OID)
            .and_then(|t| t.oid())
            .map_err(malformed(ppdu, "abstract-syntax-name"))?;
        const TS: &str = "transfer-syntax-name-list";
        let list = ir.read_tagged(Tag::SEQUENCE).map_err(malformed(ppdu, TS))?;
        let mut lr = reader(&list, ppdu, TS)?;
        let mut transfer_syntaxes = Vec::new();
        while let Some(ts) = lr.read_optional().map_err(malformed(ppdu, TS))? {
            if transfer_syntaxes.len() == MAX_TRANSFER_SYNTAXES {
                return Err(PresentationError::TooManyItems {
                    ppdu,
                    parameter: TS,
                    max: MAX_TRANSFER_SYNTAXES,
                });
            }
            let oid = ts
                .expect(Tag::OID)
                .and_then(|t| t.oid())
                .map_err(malformed(ppdu, TS))?;
            transfer_syntaxes.push(oid);
        }
        ir.finish().map_err(malformed(ppdu, P))?;
        out.push(ContextDefinition {
            id,
            abstract_syntax,
            transfer_syntaxes,
        });
    }
    Ok(out)
}

/// Encodes the contents of a `Context-list` (caller wraps).
pub(crate) fn encode_context_list(w: &mut Writer, list: &[ContextDefinition<'_>]) {
    for cd in list.iter().rev() {
        let m = w.mark();
        let ml = w.mark();
        for ts in cd.transfer_syntaxes.iter().rev() {
            w.oid(Tag::OID, ts);
        }
        w.wrap(ml, Tag::SEQUENCE);
        w.oid(Tag::OID, &cd.abstract_syntax);
        w.integer(Tag::INTEGER, i64::from(cd.id));
        w.wrap(m, Tag::SEQUENCE);
    }
}

/// Parses a `Result-list` (X.226 §8.2).
pub(crate) fn parse_result_list<'a>(
    tlv: &Tlv<'a>,
    ppdu: &'static str,
) -> Result<Vec<ContextResult<'a>>, PresentationError> {
    const P: &str = "presentation-context-definition-result-list";
    let mut r = reader(tlv, ppdu, P)?;
    let mut out = Vec::new();
    while let Some(item) = r.read_optional().map_err(malformed(ppdu, P))? {
        if out.len() == MAX_CONTEXTS {
            return Err(PresentationError::TooManyItems {
                ppdu,
                parameter: P,
                max: MAX_CONTEXTS,
            });
        }
        let item = item.expect(Tag::SEQUENCE).map_err(malformed(ppdu, P))?;
        let mut ir = reader(&item, ppdu, P)?;
        let rt = ir
            .read_tagged(Tag::context(0, false))
            .map_err(malformed(ppdu, "result"))?;
        let result = ResultKind::from_i64(integer(&rt, ppdu, "result")?).ok_or(
            PresentationError::InvalidParameterValue {
                ppdu,
                parameter: "result",
            },
        )?;
        let transfer_syntax = match ir
            .read_if(Tag::context(1, false))
            .map_err(malformed(ppdu, "transfer-syntax-name"))?
        {
            Some(t) => Some(t.oid().map_err(malformed(ppdu, "transfer-syntax-name"))?),
            None => None,
        };
        let provider_reason = match ir
            .read_if(Tag::context(2, false))
            .map_err(malformed(ppdu, "provider-reason"))?
        {
            Some(t) => Some(
                ProviderReason::from_i64(integer(&t, ppdu, "provider-reason")?).ok_or(
                    PresentationError::InvalidParameterValue {
                        ppdu,
                        parameter: "provider-reason",
                    },
                )?,
            ),
            None => None,
        };
        if let Some(tag) = ir.peek_tag().map_err(malformed(ppdu, P))? {
            return Err(PresentationError::UnrecognizedParameter { ppdu, tag });
        }
        out.push(ContextResult {
            result,
            transfer_syntax,
            provider_reason,
        });
    }
    Ok(out)
}

/// Encodes the contents of a `Result-list` (caller wraps).
pub(crate) fn encode_result_list(w: &mut Writer, list: &[ContextResult<'_>]) {
    for r in list.iter().rev() {
        let m = w.mark();
        if let Some(pr) = r.provider_reason {
            w.integer(Tag::context(2, false), pr as i64);
        }
        if let Some(ts) = &r.transfer_syntax {
            w.oid(Tag::context(1, false), ts);
        }
        w.integer(Tag::context(0, false), r.result as i64);
        w.wrap(m, Tag::SEQUENCE);
    }
}

/// Parses a mode-selector (`[0] IMPLICIT SET { mode-value [0] IMPLICIT INTEGER }`).
pub(crate) fn parse_mode(tlv: &Tlv<'_>, ppdu: &'static str) -> Result<Mode, PresentationError> {
    const P: &str = "mode-selector";
    let mut r = reader(tlv, ppdu, P)?;
    let mut mode = None;
    while let Some(t) = r.read_optional().map_err(malformed(ppdu, P))? {
        if t.tag == Tag::context(0, false) {
            if mode.is_some() {
                return Err(PresentationError::UnexpectedParameter {
                    ppdu,
                    parameter: "mode-value",
                });
            }
            mode = Some(match integer(&t, ppdu, "mode-value")? {
                0 => Mode::X410_1984,
                1 => Mode::Normal,
                _ => {
                    return Err(PresentationError::InvalidParameterValue {
                        ppdu,
                        parameter: "mode-value",
                    })
                }
            });
        }
        // Other tagged values in the SET are ignored (X.226 §8.5).
    }
    mode.ok_or(PresentationError::MissingParameter {
        ppdu,
        parameter: "mode-value",
    })
}

/// Encodes a mode-selector.
pub(crate) fn encode_mode(w: &mut Writer, mode: Mode) {
    let m = w.mark();
    w.integer(Tag::context(0, false), mode as i64);
    w.wrap(m, Tag::context(0, true));
}

/// Encodes a BIT STRING value if present.
pub(crate) fn opt_bits(w: &mut Writer, tag: Tag, v: &Option<BitString<'_>>) {
    if let Some(b) = v {
        w.bit_string(tag, b.unused, b.bits);
    }
}

/// Encodes an OCTET STRING value if present.
pub(crate) fn opt_octets(w: &mut Writer, tag: Tag, v: Option<&[u8]>) {
    if let Some(b) = v {
        w.octets(tag, b);
    }
}

/// Whether `tag` is the tag of a `User-data` CHOICE alternative (X.226 §8.4).
pub(crate) fn is_user_data_tag(tag: Tag) -> bool {
    tag.class == crate::ber::Class::Application && (tag.number == 0 || tag.number == 1)
}

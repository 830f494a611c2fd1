//! `RejectPDU` (ISO 9506-2 §7.5): the answer to a PDU that could not be processed at all, with
//! the kind of PDU rejected and the reason.
//!
//! The original invokeID is `[0] IMPLICIT Unsigned32` (`80 01 05`), not an untagged INTEGER;
//! `rejectReason` is an untagged CHOICE of `[1]`..`[11] IMPLICIT INTEGER`.

use crate::codec::{ctx, int, uint32, write_uint, Asn1, BerError, Choice, Class, Fields, Result};
use crate::codec::{Tag, Tlv, Writer};
use crate::service_error::open_code;

open_code!(
    /// `confirmed-requestPDU [1]` reject codes (ISO 9506-2 §7.5.2).
    ConfirmedRequestProblem {
        /// unrecognized-service (1).
        UnrecognizedService = 1,
        /// unrecognized-modifier (2).
        UnrecognizedModifier = 2,
        /// invalid-invokeID (3).
        InvalidInvokeId = 3,
        /// invalid-argument (4).
        InvalidArgument = 4,
        /// invalid-modifier (5).
        InvalidModifier = 5,
        /// max-serv-outstanding-exceeded (6).
        MaxServOutstandingExceeded = 6,
        /// max-recursion-exceeded (8).
        MaxRecursionExceeded = 8,
        /// value-out-of-range (9).
        ValueOutOfRange = 9,
    }
);

open_code!(
    /// `confirmed-responsePDU [2]` reject codes (ISO 9506-2 §7.5.2).
    ConfirmedResponseProblem {
        /// unrecognized-service (1).
        UnrecognizedService = 1,
        /// invalid-invokeID (2).
        InvalidInvokeId = 2,
        /// invalid-result (3).
        InvalidResult = 3,
        /// max-recursion-exceeded (5).
        MaxRecursionExceeded = 5,
        /// value-out-of-range (6).
        ValueOutOfRange = 6,
    }
);

open_code!(
    /// `confirmed-errorPDU [3]` reject codes (ISO 9506-2 §7.5.2).
    ConfirmedErrorProblem {
        /// unrecognized-service (1).
        UnrecognizedService = 1,
        /// invalid-invokeID (2).
        InvalidInvokeId = 2,
        /// invalid-serviceError (3).
        InvalidServiceError = 3,
        /// value-out-of-range (4).
        ValueOutOfRange = 4,
    }
);

open_code!(
    /// `unconfirmedPDU [4]` reject codes (ISO 9506-2 §7.5.2).
    UnconfirmedProblem {
        /// unrecognized-service (1).
        UnrecognizedService = 1,
        /// invalid-argument (2).
        InvalidArgument = 2,
        /// max-recursion-exceeded (3).
        MaxRecursionExceeded = 3,
        /// value-out-of-range (4).
        ValueOutOfRange = 4,
    }
);

open_code!(
    /// `pdu-error [5]` reject codes (ISO 9506-2 §7.5.2): the PDU itself could not be parsed.
    PduProblem {
        /// unknown-pdu-type (0).
        UnknownPduType = 0,
        /// invalid-pdu (1).
        InvalidPdu = 1,
        /// illegal-acse-mapping (2).
        IllegalAcseMapping = 2,
    }
);

open_code!(
    /// `cancel-requestPDU [6]` and `cancel-responsePDU [7]` reject codes (ISO 9506-2 §7.5.2).
    CancelProblem {
        /// invalid-invokeID (1).
        InvalidInvokeId = 1,
    }
);

open_code!(
    /// `cancel-errorPDU [8]` reject codes (ISO 9506-2 §7.5.2).
    CancelErrorProblem {
        /// invalid-invokeID (1).
        InvalidInvokeId = 1,
        /// invalid-serviceError (2).
        InvalidServiceError = 2,
        /// value-out-of-range (3).
        ValueOutOfRange = 3,
    }
);

open_code!(
    /// `conclude-requestPDU [9]` reject codes (ISO 9506-2 §7.5.2).
    ConcludeRequestProblem {
        /// invalid-argument (1).
        InvalidArgument = 1,
    }
);

open_code!(
    /// `conclude-responsePDU [10]` reject codes (ISO 9506-2 §7.5.2).
    ConcludeResponseProblem {
        /// invalid-result (1).
        InvalidResult = 1,
    }
);

open_code!(
    /// `conclude-errorPDU [11]` reject codes (ISO 9506-2 §7.5.2).
    ConcludeErrorProblem {
        /// invalid-serviceError (1).
        InvalidServiceError = 1,
        /// value-out-of-range (2).
        ValueOutOfRange = 2,
    }
);

/// `rejectReason` CHOICE of RejectPDU (ISO 9506-2 §7.5.2): which kind of PDU was rejected, and
/// why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// `confirmed-requestPDU [1]`.
    ConfirmedRequest(ConfirmedRequestProblem),
    /// `confirmed-responsePDU [2]`.
    ConfirmedResponse(ConfirmedResponseProblem),
    /// `confirmed-errorPDU [3]`.
    ConfirmedError(ConfirmedErrorProblem),
    /// `unconfirmedPDU [4]`.
    Unconfirmed(UnconfirmedProblem),
    /// `pdu-error [5]`.
    PduError(PduProblem),
    /// `cancel-requestPDU [6]`.
    CancelRequest(CancelProblem),
    /// `cancel-responsePDU [7]`.
    CancelResponse(CancelProblem),
    /// `cancel-errorPDU [8]`.
    CancelError(CancelErrorProblem),
    /// `conclude-requestPDU [9]`.
    ConcludeRequest(ConcludeRequestProblem),
    /// `conclude-responsePDU [10]`.
    ConcludeResponse(ConcludeResponseProblem),
    /// `conclude-errorPDU [11]`.
    ConcludeError(ConcludeErrorProblem),
}

impl RejectReason {
    /// The alternative's tag number (\[1\]..\[11\]).
    pub const fn tag_number(self) -> u32 {
        match self {
            RejectReason::ConfirmedRequest(_) => 1,
            RejectReason::ConfirmedResponse(_) => 2,
            RejectReason::ConfirmedError(_) => 3,
            RejectReason::Unconfirmed(_) => 4,
            RejectReason::PduError(_) => 5,
            RejectReason::CancelRequest(_) => 6,
            RejectReason::CancelResponse(_) => 7,
            RejectReason::CancelError(_) => 8,
            RejectReason::ConcludeRequest(_) => 9,
            RejectReason::ConcludeResponse(_) => 10,
            RejectReason::ConcludeError(_) => 11,
        }
    }

    /// The reason code, as sent.
    pub const fn code(self) -> i64 {
        match self {
            RejectReason::ConfirmedRequest(c) => c.code(),
            RejectReason::ConfirmedResponse(c) => c.code(),
            RejectReason::ConfirmedError(c) => c.code(),
            RejectReason::Unconfirmed(c) => c.code(),
            RejectReason::PduError(c) => c.code(),
            RejectReason::CancelRequest(c) | RejectReason::CancelResponse(c) => c.code(),
            RejectReason::CancelError(c) => c.code(),
            RejectReason::ConcludeRequest(c) => c.code(),
            RejectReason::ConcludeResponse(c) => c.code(),
            RejectReason::ConcludeError(c) => c.code(),
        }
    }

    /// The reason from its tag number and code; `None` for a tag number outside 1..=11.
    pub const fn from_parts(tag_number: u32, code: i64) -> Option<RejectReason> {
        Some(match tag_number {
            1 => RejectReason::ConfirmedRequest(ConfirmedRequestProblem::from_i64(code)),
            2 => RejectReason::ConfirmedResponse(ConfirmedResponseProblem::from_i64(code)),
            3 => RejectReason::ConfirmedError(ConfirmedErrorProblem::from_i64(code)),
            4 => RejectReason::Unconfirmed(UnconfirmedProblem::from_i64(code)),
            5 => RejectReason::PduError(PduProblem::from_i64(code)),
            6 => RejectReason::CancelRequest(CancelProblem::from_i64(code)),
            7 => RejectReason::CancelResponse(CancelProblem::from_i64(code)),
            8 => RejectReason::CancelError(CancelErrorProblem::from_i64(code)),
            9 => RejectReason::ConcludeRequest(ConcludeRequestProblem::from_i64(code)),
            10 => RejectReason::ConcludeResponse(ConcludeResponseProblem::from_i64(code)),
            11 => RejectReason::ConcludeError(ConcludeErrorProblem::from_i64(code)),
            _ => return None,
        })
    }

    /// The reason a confirmed request gets for a decode error (ISO 9506-2 §7.5.2 semantics):
    /// too deep → max-recursion-exceeded, out of range → value-out-of-range, unknown service or
    /// modifier → unrecognized-…, anything else → invalid-argument.
    pub fn for_request_error(e: &crate::codec::DecodeError) -> RejectReason {
        use crate::codec::DecodeError as D;
        RejectReason::ConfirmedRequest(match e {
            _ if e.is_too_deep() => ConfirmedRequestProblem::MaxRecursionExceeded,
            D::OutOfRange(_) => ConfirmedRequestProblem::ValueOutOfRange,
            D::UnrecognizedService(_) => ConfirmedRequestProblem::UnrecognizedService,
            D::UnrecognizedModifier(_) => ConfirmedRequestProblem::UnrecognizedModifier,
            D::Ber(_) => ConfirmedRequestProblem::InvalidArgument,
        })
    }
}

impl<'a> Choice<'a> for RejectReason {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        if tlv.tag.class != Class::Context || tlv.tag.constructed {
            return Err(BerError::InvalidValue("rejectReason").into());
        }
        RejectReason::from_parts(tlv.tag.number, int(tlv)?)
            .ok_or(BerError::InvalidValue("rejectReason").into())
    }

    fn encode_choice(&self, w: &mut Writer) {
        w.integer(ctx(self.tag_number()), self.code());
    }
}

/// `RejectPDU` (ISO 9506-2 §7.5), MMSpdu alternative `[4]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RejectPdu {
    /// `originalInvokeID [0] IMPLICIT Unsigned32 OPTIONAL`: absent when the invokeID could not
    /// be read.
    pub original_invoke_id: Option<u32>,
    /// `rejectReason`.
    pub reason: RejectReason,
}

impl<'a> Asn1<'a> for RejectPdu {
    const TAG: Tag = Tag::context(4, true);

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let original_invoke_id = f.opt(ctx(0))?.map(|t| uint32(&t)).transpose()?;
        let reason = RejectReason::decode_choice(&f.next("rejectReason")?)?;
        f.finish()?;
        Ok(RejectPdu {
            original_invoke_id,
            reason,
        })
    }

    fn encode_contents(&self, w: &mut Writer) {
        self.reason.encode_choice(w);
        if let Some(id) = self.original_invoke_id {
            write_uint(w, ctx(0), u64::from(id));
        }
    }
}

#[cfg(test)]
pub(crate) mod arb {
    use super::*;
    use proptest::prelude::*;

    /// Any RejectReason (named and unnamed codes).
    pub(crate) fn reject_reason() -> impl Strategy<Value = RejectReason> {
        (
            1u32..=11,
            prop_oneof![0i64..12, any::<i32>().prop_map(i64::from)],
        )
            .prop_map(|(t, c)| RejectReason::from_parts(t, c).expect("1..=11"))
    }

    /// Any RejectPdu.
    pub(crate) fn reject_pdu() -> impl Strategy<Value = RejectPdu> {
        (proptest::option::of(any::<u32>()), reject_reason()).prop_map(|(i, r)| RejectPdu {
            original_invoke_id: i,
            reason: r,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_one, to_vec, DecodeError};
    use crate::testvec::hex;
    use proptest::prelude::*;

    fn dec(b: &[u8]) -> Result<RejectPdu> {
        decode_one(b, 8, RejectPdu::decode)
    }

    #[test]
    fn reject_unrecognized_service() {
        let b = hex("a4 06 80 01 05 81 01 01");
        let r = dec(&b).unwrap();
        assert_eq!(r.original_invoke_id, Some(5));
        assert_eq!(
            r.reason,
            RejectReason::ConfirmedRequest(ConfirmedRequestProblem::UnrecognizedService)
        );
        assert_eq!(to_vec(|w| r.encode(w)), b);
    }

    #[test]
    fn reject_without_invoke_id_and_unknown_code() {
        let b = hex("a4 03 85 01 07");
        let r = dec(&b).unwrap();
        assert_eq!(r.original_invoke_id, None);
        assert_eq!(r.reason, RejectReason::PduError(PduProblem::Other(7)));
        assert_eq!(to_vec(|w| r.encode(w)), b);
    }

    #[test]
    fn malformed_rejects() {
        // reason [12] does not exist
        assert_eq!(
            dec(&hex("a4 03 8c 01 00")),
            Err(BerError::InvalidValue("rejectReason").into())
        );
        // reason [0] is the invokeID: missing reason
        assert_eq!(
            dec(&hex("a4 03 80 01 05")),
            Err(BerError::Missing("rejectReason").into())
        );
        // untagged INTEGER invokeID (the trap) is not a reason either
        assert!(dec(&hex("a4 06 02 01 05 81 01 01")).is_err());
        // constructed reason
        assert!(dec(&hex("a4 05 a1 03 02 01 01")).is_err());
        // trailing element
        assert_eq!(
            dec(&hex("a4 06 81 01 01 81 01 01")),
            Err(BerError::TrailingData(3).into())
        );
        // invokeID above Unsigned32
        assert_eq!(
            dec(&hex("a4 0a 80 05 01 00 00 00 00 81 01 01")),
            Err(DecodeError::OutOfRange("Unsigned32"))
        );
    }

    #[test]
    fn reason_for_decode_errors() {
        assert_eq!(
            RejectReason::for_request_error(&DecodeError::UnrecognizedService(99)),
            RejectReason::ConfirmedRequest(ConfirmedRequestProblem::UnrecognizedService)
        );
        assert_eq!(
            RejectReason::for_request_error(&BerError::TooDeep { limit: 3 }.into()),
            RejectReason::ConfirmedRequest(ConfirmedRequestProblem::MaxRecursionExceeded)
        );
        assert_eq!(
            RejectReason::for_request_error(&DecodeError::OutOfRange("x")),
            RejectReason::ConfirmedRequest(ConfirmedRequestProblem::ValueOutOfRange)
        );
    }

    proptest! {
        #[test]
        fn reject_round_trip(r in arb::reject_pdu()) {
            let b = to_vec(|w| r.encode(w));
            prop_assert_eq!(dec(&b).unwrap(), r);
        }

        #[test]
        fn random_bytes_do_not_panic(b in proptest::collection::vec(any::<u8>(), 0..32)) {
            let _ = dec(&b);
        }
    }
}

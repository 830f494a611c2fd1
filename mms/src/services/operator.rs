//! Operator communication services (ISO 9506-2 §16; service definitions in ISO 9506-1 §16):
//! Input \[17\] and Output \[18\].
//!
//! Wireshark's module types the prompt, output and input strings as VisibleString; ISO
//! 9506-2:2003 makes them MMSString (UTF8String). The untagged list elements are therefore
//! accepted with either tag; they are sent as VisibleString (what tshark checks). The input
//! string of Input-Response is IMPLICIT `[17]`, so its wire form is the same in both editions.

use crate::codec::write_bool_default;
use crate::services::service_fields;
use std::borrow::Cow;

use crate::codec::{
    ctx, ctx_c, expect_tag, seq_of, string, visible_or_mms_string, write_seq_of, write_string,
    Result, Service, Tag, Tlv, Writer, VISIBLE_STRING,
};
use crate::common::{identifier, Identifier};
use crate::services::semaphore::{opt_u32, write_opt_u32};

fn write_texts(w: &mut Writer, tag: Tag, items: &[Cow<'_, str>]) {
    write_seq_of(w, tag, items, |w, s| write_string(w, VISIBLE_STRING, s));
}

/// `Input-Request` (ISO 9506-2 §16.2.1): ask an operator station for a line of input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRequest<'a> {
    /// `operatorStationName [0] IMPLICIT Identifier`.
    pub operator_station_name: Identifier<'a>,
    /// `echo [1] IMPLICIT BOOLEAN DEFAULT TRUE`.
    pub echo: bool,
    /// `listOfPromptData [2] IMPLICIT SEQUENCE OF VisibleString OPTIONAL` (MMSString in 2003).
    pub list_of_prompt_data: Option<Vec<Cow<'a, str>>>,
    /// `inputTimeOut [3] IMPLICIT Unsigned32 OPTIONAL` (seconds).
    pub input_time_out: Option<u32>,
}

impl<'a> Service<'a> for InputRequest<'a> {
    const TAG: u32 = 17;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let operator_station_name = identifier(&f.req(ctx(0), "operatorStationName")?)?;
        let echo = f.bool_default(1, true)?;
        let list_of_prompt_data = f
            .opt(ctx_c(2))?
            .map(|t| {
                expect_tag(&t, ctx_c(2))?;
                seq_of(&t, visible_or_mms_string)
            })
            .transpose()?;
        let input_time_out = opt_u32(&mut f, 3)?;
        f.finish()?;
        Ok(InputRequest {
            operator_station_name,
            echo,
            list_of_prompt_data,
            input_time_out,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_opt_u32(w, 3, self.input_time_out);
        if let Some(l) = &self.list_of_prompt_data {
            write_texts(w, ctx_c(2), l);
        }
        write_bool_default(w, 1, self.echo, true);
        write_string(w, ctx(0), &self.operator_station_name);
        w.wrap(m, ctx_c(Self::TAG));
    }
}

/// `Input-Response ::= VisibleString` (ISO 9506-2 §16.2.2; MMSString in 2003): the input
/// string, IMPLICIT `[17]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputResponse<'a>(pub Cow<'a, str>);

impl<'a> Service<'a> for InputResponse<'a> {
    const TAG: u32 = 17;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        expect_tag(tlv, ctx(Self::TAG))?;
        Ok(InputResponse(string(tlv)?))
    }

    fn encode_service(&self, w: &mut Writer) {
        write_string(w, ctx(Self::TAG), &self.0);
    }
}

/// `Output-Request` (ISO 9506-2 §16.3.1): lines to show on an operator station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputRequest<'a> {
    /// `operatorStationName [0] IMPLICIT Identifier`.
    pub operator_station_name: Identifier<'a>,
    /// `listOfOutputData [1] IMPLICIT SEQUENCE OF VisibleString` (MMSString in 2003).
    pub list_of_output_data: Vec<Cow<'a, str>>,
}

impl<'a> Service<'a> for OutputRequest<'a> {
    const TAG: u32 = 18;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let operator_station_name = identifier(&f.req(ctx(0), "operatorStationName")?)?;
        let list_of_output_data =
            seq_of(&f.req(ctx_c(1), "listOfOutputData")?, visible_or_mms_string)?;
        f.finish()?;
        Ok(OutputRequest {
            operator_station_name,
            list_of_output_data,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_texts(w, ctx_c(1), &self.list_of_output_data);
        write_string(w, ctx(0), &self.operator_station_name);
        w.wrap(m, ctx_c(Self::TAG));
    }
}

null_service!(
    /// `Output-Response ::= NULL` (ISO 9506-2 §16.3.2).
    OutputResponse = 18
);

#[cfg(test)]
pub(crate) mod arb {
    //! proptest strategies for the operator communication services.
    use super::*;
    use crate::services::semaphore::arb::{ident, text};
    use proptest::prelude::*;

    pub(crate) fn input_request() -> impl Strategy<Value = InputRequest<'static>> {
        (
            ident(),
            any::<bool>(),
            proptest::option::of(proptest::collection::vec(text(), 0..4)),
            proptest::option::of(any::<u32>()),
        )
            .prop_map(|(n, e, p, t)| InputRequest {
                operator_station_name: n,
                echo: e,
                list_of_prompt_data: p,
                input_time_out: t,
            })
    }

    pub(crate) fn input_response() -> impl Strategy<Value = InputResponse<'static>> {
        text().prop_map(InputResponse)
    }

    pub(crate) fn output_request() -> impl Strategy<Value = OutputRequest<'static>> {
        (ident(), proptest::collection::vec(text(), 0..4)).prop_map(|(n, l)| OutputRequest {
            operator_station_name: n,
            list_of_output_data: l,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_one, to_vec, BerError, DecodeError};
    use crate::testvec::{self, reencode, round_trip_tests, rt, Tolerant};
    use proptest::prelude::*;

    #[test]
    fn vectors() {
        testvec::check_file("operator.vec", 5, Tolerant::Decodes, |kind, t| {
            Some(match (kind, t.tag.number) {
                (0, 17) => reencode::<InputRequest>(t),
                (1, 17) => reencode::<InputResponse>(t),
                (0, 18) => reencode::<OutputRequest>(t),
                (1, 18) => reencode::<OutputResponse>(t),
                _ => return None,
            })
        });
    }

    #[test]
    fn input_values() {
        let vs = testvec::load("operator.vec");
        let r = InputRequest::decode_service(&testvec::body_of(&vs, "input-request-full")).unwrap();
        assert_eq!(r.operator_station_name, "OP1");
        assert!(!r.echo);
        assert_eq!(
            r.list_of_prompt_data.as_deref(),
            Some(&["Enter value".into(), "> ".into()][..])
        );
        assert_eq!(r.input_time_out, Some(30));
        let body = testvec::body_of(&vs, "input-response");
        assert_eq!(InputResponse::decode_service(&body).unwrap().0, "42");
    }

    #[test]
    fn mms_string_elements_tolerated() {
        // Output-Request with a UTF8String (ISO 9506-2:2003 MMSString) element: decoded,
        // re-encoded as VisibleString.
        let b = [0xB2, 0x09, 0x80, 1, b'O', 0xA1, 4, 0x0C, 2, 0xC3, 0xA9];
        let (r, e) = rt::<OutputRequest>(&b).unwrap();
        assert_eq!(r.list_of_output_data, ["é"]);
        assert_eq!(e, [0xB2, 0x09, 0x80, 1, b'O', 0xA1, 4, 0x1A, 2, 0xC3, 0xA9]);
    }

    #[test]
    fn malformed() {
        // missing listOfOutputData
        assert_eq!(
            rt::<OutputRequest>(&[0xB2, 3, 0x80, 1, b'O']).map(|x| x.0),
            Err(DecodeError::Ber(BerError::Missing("listOfOutputData")))
        );
        // an INTEGER in listOfOutputData
        assert!(matches!(
            rt::<OutputRequest>(&[0xB2, 8, 0x80, 1, b'O', 0xA1, 3, 2, 1, 0]),
            Err(DecodeError::Ber(BerError::UnexpectedTag { .. }))
        ));
        // truncated
        assert!(matches!(
            rt::<InputRequest>(&[0xB1, 5, 0x80, 4, b'O']),
            Err(DecodeError::Ber(BerError::Truncated { .. }))
        ));
        // trailing element
        assert!(matches!(
            rt::<InputRequest>(&[0xB1, 6, 0x80, 1, b'O', 0x84, 1, 0]),
            Err(DecodeError::Ber(BerError::TrailingData(_)))
        ));
        // inputTimeOut negative
        assert_eq!(
            rt::<InputRequest>(&[0xB1, 6, 0x80, 1, b'O', 0x83, 1, 0xFF]).map(|x| x.0),
            Err(DecodeError::OutOfRange("unsigned INTEGER"))
        );
        // constructed input string
        assert!(rt::<InputResponse>(&[0xB1, 0]).is_err());
        // invalid UTF-8 in the input string
        assert!(rt::<InputResponse>(&[0x91, 1, 0xFF]).is_err());
        // NULL response with contents
        assert!(rt::<OutputResponse>(&[0x92, 1, 0]).is_err());
    }

    #[test]
    fn echo_default_tolerated() {
        let b = [0xB1, 6, 0x80, 1, b'O', 0x81, 1, 0xFF];
        let (r, e) = rt::<InputRequest>(&b).unwrap();
        assert!(r.echo);
        assert_eq!(e, [0xB1, 3, 0x80, 1, b'O']);
    }

    round_trip_tests! {
        depth 16;
        rt_input_request: arb::input_request() => InputRequest;
        rt_input_response: arb::input_response() => InputResponse;
        rt_output_request: arb::output_request() => OutputRequest;
    }

    proptest! {
        #[test]
        fn rt_output_response(_x in 0u8..2) {
            let b = to_vec(|w| OutputResponse.encode_service(w));
            prop_assert_eq!(&b, &[0x92, 0]);
            prop_assert_eq!(decode_one(&b, 16, OutputResponse::decode_service).unwrap(), OutputResponse);
        }
    }
}

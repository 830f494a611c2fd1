//! Event action services (ISO 9506-2 §18 in the brief's numbering): DefineEventAction \[53\],
//! DeleteEventAction \[54\], GetEventActionAttributes \[55\], ReportEventActionStatus \[56\].
//!
//! An event action holds a confirmed service request (ISO 9506-2 `confirmedServiceRequest [2]
//! ConfirmedServiceRequest`, not in Wireshark's module). It is kept as a [`RawValue`] (the
//! ConfirmedServiceRequest alternative's TLV, checked to be one well-formed BER value); the
//! PDU module offers the typed view.

use super::{object_name_service, raw_explicit, unsigned_service, DeleteScope};
use crate::codec::write_explicit_choice;
use crate::codec::{
    ctx, ctx_c, expect_tag, explicit, write_constructed, write_explicit, RawValue, Result, Service,
    Tlv, Writer,
};
use crate::common::{identifier, Identifier, ObjectName};
use crate::modifier::{decode_list_of_modifier, encode_list_of_modifier, Modifier};
use crate::services::service_fields;

/// `DefineEventAction-Request` (ISO 9506-2 §18.2), `[53] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefineEventActionRequest<'a> {
    /// `eventActionName [0] ObjectName`.
    pub event_action_name: ObjectName<'a>,
    /// `listOfModifier [1] IMPLICIT SEQUENCE OF Modifier OPTIONAL`.
    pub list_of_modifier: Option<Vec<Modifier<'a>>>,
    /// `confirmedServiceRequest [2] ConfirmedServiceRequest`: the request the action issues,
    /// kept as received (the value inside the EXPLICIT `[2]`). Mandatory in ISO 9506-2;
    /// absent in Wireshark's module, so the decoder accepts its absence.
    pub confirmed_service_request: Option<RawValue<'a>>,
}

impl<'a> Service<'a> for DefineEventActionRequest<'a> {
    const TAG: u32 = 53;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let event_action_name = f.req_choice(0, "eventActionName")?;
        let list_of_modifier = f
            .opt(ctx_c(1))?
            .map(|t| {
                expect_tag(&t, ctx_c(1))?;
                decode_list_of_modifier(&t)
            })
            .transpose()?;
        let confirmed_service_request = f
            .opt(ctx_c(2))?
            .map(|t| {
                expect_tag(&t, ctx_c(2))?;
                raw_explicit(&t)
            })
            .transpose()?;
        f.finish()?;
        Ok(DefineEventActionRequest {
            event_action_name,
            list_of_modifier,
            confirmed_service_request,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if let Some(r) = &self.confirmed_service_request {
                write_explicit(w, 2, |w| r.encode(w));
            }
            if let Some(l) = &self.list_of_modifier {
                encode_list_of_modifier(w, ctx_c(1), l);
            }
            write_explicit_choice(w, 0, &self.event_action_name);
        });
    }
}

null_service!(
    /// `DefineEventAction-Response ::= NULL` (ISO 9506-2 §18.2), `[53] IMPLICIT`.
    DefineEventActionResponse = 53
);

/// `DeleteEventAction-Request` (ISO 9506-2 §18.3): `[54]` EXPLICIT around `CHOICE {
/// specific \[0\], aa-specific \[1\], domain \[3\], vmd \[4\] }` (the standard skips \[2\]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteEventActionRequest<'a>(pub DeleteScope<'a>);

impl<'a> Service<'a> for DeleteEventActionRequest<'a> {
    const TAG: u32 = 54;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        expect_tag(tlv, ctx_c(Self::TAG))?;
        Ok(DeleteEventActionRequest(DeleteScope::decode_with(
            &explicit(tlv)?,
            3,
            4,
        )?))
    }

    fn encode_service(&self, w: &mut Writer) {
        write_explicit(w, Self::TAG, |w| self.0.encode_with(w, 3, 4));
    }
}

unsigned_service!(
    /// `DeleteEventAction-Response ::= Unsigned32` (ISO 9506-2 §18.3), `[54] IMPLICIT`.
    DeleteEventActionResponse = 54,
    /// Candidates not deleted.
    candidates_not_deleted
);

object_name_service!(
    /// `GetEventActionAttributes-Request ::= ObjectName` (ISO 9506-2 §18.4), `[55]` EXPLICIT.
    GetEventActionAttributesRequest = 55,
    /// The event action name.
    event_action_name
);

/// `GetEventActionAttributes-Response` (ISO 9506-2 §18.4), `[55] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetEventActionAttributesResponse<'a> {
    /// `mmsDeletable [0] IMPLICIT BOOLEAN DEFAULT FALSE`.
    pub mms_deletable: bool,
    /// `listOfModifier [1] IMPLICIT SEQUENCE OF Modifier`.
    pub list_of_modifier: Vec<Modifier<'a>>,
    /// `confirmedServiceRequest [2] ConfirmedServiceRequest`, kept as received (see
    /// [`DefineEventActionRequest::confirmed_service_request`]).
    pub confirmed_service_request: Option<RawValue<'a>>,
    /// `accessControlList [3] IMPLICIT Identifier OPTIONAL` (ISO 9506-2:2003).
    pub access_control_list: Option<Identifier<'a>>,
}

impl<'a> Service<'a> for GetEventActionAttributesResponse<'a> {
    const TAG: u32 = 55;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let mms_deletable = f.bool_default(0, false)?;
        let list_of_modifier = decode_list_of_modifier(&f.req(ctx_c(1), "listOfModifier")?)?;
        let confirmed_service_request = f
            .opt(ctx_c(2))?
            .map(|t| {
                expect_tag(&t, ctx_c(2))?;
                raw_explicit(&t)
            })
            .transpose()?;
        let access_control_list = f
            .opt(ctx(3))?
            .map(|t| {
                expect_tag(&t, ctx(3))?;
                identifier(&t)
            })
            .transpose()?;
        f.finish()?;
        Ok(GetEventActionAttributesResponse {
            mms_deletable,
            list_of_modifier,
            confirmed_service_request,
            access_control_list,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if let Some(v) = &self.access_control_list {
                crate::codec::write_string(w, ctx(3), v);
            }
            if let Some(r) = &self.confirmed_service_request {
                write_explicit(w, 2, |w| r.encode(w));
            }
            encode_list_of_modifier(w, ctx_c(1), &self.list_of_modifier);
            if self.mms_deletable {
                w.boolean(ctx(0), true);
            }
        });
    }
}

object_name_service!(
    /// `ReportEventActionStatus-Request ::= ObjectName` (ISO 9506-2 §18.5), `[56]` EXPLICIT.
    ReportEventActionStatusRequest = 56,
    /// The event action name.
    event_action_name
);

unsigned_service!(
    /// `ReportEventActionStatus-Response ::= Unsigned32` (ISO 9506-2 §18.5), `[56] IMPLICIT`.
    ReportEventActionStatusResponse = 56,
    /// The number of event enrollments that reference the action.
    number_of_event_enrollments
);

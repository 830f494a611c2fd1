//! AARQ, the A-ASSOCIATE request APDU (ISO 8650-1 / X.227 §9 `AARQ-apdu`, \[APPLICATION 0\]
//! `60`; docs/facts.md F-602).

use std::borrow::Cow;

use copp::ber::{Oid, Tag, Tlv, Writer};

use super::auth::{AcseRequirements, AuthenticationValue, ProtocolVersion};
use super::error::AcseError;
use super::external::{decode_user_information, encode_user_information, own_list, External};
use super::fields::{
    explicit_integer, explicit_oid, implicit_oid, implicit_oid_list, implicit_string, own, own_oid,
    write_explicit_integer, write_explicit_oid, write_oid_list, Fields, EXT,
};
use super::names::{AeQualifier, ApTitle};
use super::Limits;

const APDU: &str = "AARQ";

/// The components of AARQ-apdu in definition order (tag number, ACSE-1 name).
const ORDER: &[(u32, &str)] = &[
    (0, "protocol-version"),
    (1, "aSO-context-name"),
    (2, "called-AP-title"),
    (3, "called-AE-qualifier"),
    (4, "called-AP-invocation-identifier"),
    (5, "called-AE-invocation-identifier"),
    (6, "calling-AP-title"),
    (7, "calling-AE-qualifier"),
    (8, "calling-AP-invocation-identifier"),
    (9, "calling-AE-invocation-identifier"),
    (10, "sender-acse-requirements"),
    (11, "mechanism-name"),
    (12, "calling-authentication-value"),
    (13, "aSO-context-name-list"),
    (29, "implementation-information"),
    (EXT, "extension addition"),
    (30, "user-information"),
];

/// AARQ-apdu (X.227 §9): every field of the ACSE-1 root. Extension additions (the
/// higher-level-association fields \[14\]..\[16\]) are skipped on receipt and never sent.
///
/// Byte fields are `Cow` so one type serves both directions: [`super::parse`] borrows from the
/// input, and a caller builds an owned `Aarq<'static>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aarq<'a> {
    /// protocol-version \[0\]; `None` = the DEFAULT {version1}.
    pub protocol_version: Option<ProtocolVersion>,
    /// aSO-context-name \[1\] (mandatory): the application context, e.g. MMS 1.0.9506.2.3.
    pub application_context_name: Oid<'a>,
    /// called-AP-title \[2\].
    pub called_ap_title: Option<ApTitle<'a>>,
    /// called-AE-qualifier \[3\].
    pub called_ae_qualifier: Option<AeQualifier<'a>>,
    /// called-AP-invocation-identifier \[4\].
    pub called_ap_invocation_id: Option<i64>,
    /// called-AE-invocation-identifier \[5\].
    pub called_ae_invocation_id: Option<i64>,
    /// calling-AP-title \[6\].
    pub calling_ap_title: Option<ApTitle<'a>>,
    /// calling-AE-qualifier \[7\].
    pub calling_ae_qualifier: Option<AeQualifier<'a>>,
    /// calling-AP-invocation-identifier \[8\].
    pub calling_ap_invocation_id: Option<i64>,
    /// calling-AE-invocation-identifier \[9\].
    pub calling_ae_invocation_id: Option<i64>,
    /// sender-acse-requirements \[10\]: absent when only the kernel is used.
    pub sender_acse_requirements: Option<AcseRequirements>,
    /// mechanism-name \[11\] (authentication functional unit).
    pub mechanism_name: Option<Oid<'a>>,
    /// calling-authentication-value \[12\] (authentication functional unit).
    pub calling_authentication_value: Option<AuthenticationValue<'a>>,
    /// aSO-context-name-list \[13\] (application-context-negotiation functional unit).
    pub application_context_name_list: Option<Vec<Oid<'a>>>,
    /// implementation-information \[29\]: GraphicString contents octets.
    pub implementation_information: Option<Cow<'a, [u8]>>,
    /// user-information \[30\]: the application's association data (for MMS, one EXTERNAL
    /// holding the initiate-RequestPDU). Empty = absent.
    pub user_information: Vec<External<'a>>,
}

impl<'a> Aarq<'a> {
    /// An AARQ with only the application context name set.
    pub fn new(application_context_name: Oid<'a>) -> Aarq<'a> {
        Aarq {
            protocol_version: None,
            application_context_name,
            called_ap_title: None,
            called_ae_qualifier: None,
            called_ap_invocation_id: None,
            called_ae_invocation_id: None,
            calling_ap_title: None,
            calling_ae_qualifier: None,
            calling_ap_invocation_id: None,
            calling_ae_invocation_id: None,
            sender_acse_requirements: None,
            mechanism_name: None,
            calling_authentication_value: None,
            application_context_name_list: None,
            implementation_information: None,
            user_information: Vec::new(),
        }
    }

    /// True when the AARQ offers ACSE version 1 (absent protocol-version means version 1).
    /// A responder must otherwise reject with result rejected-permanent and the service-provider
    /// diagnostic no-common-acse-version (X.227 §7.1.5.2).
    pub fn offers_version1(&self) -> bool {
        !matches!(self.protocol_version, Some(v) if !v.has_version1())
    }

    /// True when sender-acse-requirements selects the authentication functional unit.
    pub fn authentication_selected(&self) -> bool {
        self.sender_acse_requirements
            .is_some_and(|r| r.authentication())
    }

    pub(crate) fn decode(tlv: &Tlv<'a>, limits: &Limits) -> Result<Aarq<'a>, AcseError> {
        let mut f = Fields::new(tlv, APDU, ORDER)?;
        let mut a = Aarq::new(Oid::new(Cow::Borrowed(&[])));
        let mut have_context = false;
        while let Some((n, t)) = f.next()? {
            let name = f.name(n);
            match n {
                0 => a.protocol_version = Some(ProtocolVersion::decode(t, APDU)?),
                1 => {
                    a.application_context_name = explicit_oid(&t, APDU, name)?;
                    have_context = true;
                }
                2 => a.called_ap_title = Some(ApTitle::decode(&t, APDU, name)?),
                3 => a.called_ae_qualifier = Some(AeQualifier::decode(&t, APDU, name)?),
                4 => a.called_ap_invocation_id = Some(explicit_integer(&t, APDU, name)?),
                5 => a.called_ae_invocation_id = Some(explicit_integer(&t, APDU, name)?),
                6 => a.calling_ap_title = Some(ApTitle::decode(&t, APDU, name)?),
                7 => a.calling_ae_qualifier = Some(AeQualifier::decode(&t, APDU, name)?),
                8 => a.calling_ap_invocation_id = Some(explicit_integer(&t, APDU, name)?),
                9 => a.calling_ae_invocation_id = Some(explicit_integer(&t, APDU, name)?),
                10 => a.sender_acse_requirements = Some(AcseRequirements::decode(t, APDU, name)?),
                11 => a.mechanism_name = Some(implicit_oid(t, APDU, name)?),
                12 => {
                    a.calling_authentication_value =
                        Some(AuthenticationValue::decode(&t, APDU, name)?)
                }
                13 => {
                    a.application_context_name_list =
                        Some(implicit_oid_list(t, limits.max_list_len, APDU, name)?)
                }
                29 => {
                    a.implementation_information =
                        Some(Cow::Borrowed(implicit_string(t, APDU, name)?))
                }
                _ => a.user_information = decode_user_information(t, limits.max_list_len, APDU)?,
            }
        }
        if !have_context {
            return Err(AcseError::Missing {
                apdu: APDU,
                field: "aSO-context-name",
            });
        }
        Ok(a)
    }

    /// Prepends the encoded AARQ (`60 L ...`), fields in ACSE-1 order.
    pub fn encode(&self, w: &mut Writer) {
        let mark = w.mark();
        encode_user_information(w, &self.user_information);
        if let Some(s) = &self.implementation_information {
            w.octets(Tag::context(29, false), s);
        }
        if let Some(l) = &self.application_context_name_list {
            write_oid_list(w, 13, l);
        }
        if let Some(v) = &self.calling_authentication_value {
            v.encode(w, 12);
        }
        if let Some(m) = &self.mechanism_name {
            w.oid(Tag::context(11, false), m);
        }
        if let Some(r) = &self.sender_acse_requirements {
            r.encode(w, 10);
        }
        if let Some(v) = self.calling_ae_invocation_id {
            write_explicit_integer(w, 9, v);
        }
        if let Some(v) = self.calling_ap_invocation_id {
            write_explicit_integer(w, 8, v);
        }
        if let Some(q) = &self.calling_ae_qualifier {
            q.encode(w, 7);
        }
        if let Some(t) = &self.calling_ap_title {
            t.encode(w, 6);
        }
        if let Some(v) = self.called_ae_invocation_id {
            write_explicit_integer(w, 5, v);
        }
        if let Some(v) = self.called_ap_invocation_id {
            write_explicit_integer(w, 4, v);
        }
        if let Some(q) = &self.called_ae_qualifier {
            q.encode(w, 3);
        }
        if let Some(t) = &self.called_ap_title {
            t.encode(w, 2);
        }
        write_explicit_oid(w, 1, &self.application_context_name);
        if let Some(v) = &self.protocol_version {
            v.encode(w);
        }
        w.wrap(mark, Tag::application(0, true));
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> Aarq<'static> {
        Aarq {
            protocol_version: self.protocol_version,
            application_context_name: own_oid(self.application_context_name),
            called_ap_title: self.called_ap_title.map(ApTitle::into_owned),
            called_ae_qualifier: self.called_ae_qualifier.map(AeQualifier::into_owned),
            called_ap_invocation_id: self.called_ap_invocation_id,
            called_ae_invocation_id: self.called_ae_invocation_id,
            calling_ap_title: self.calling_ap_title.map(ApTitle::into_owned),
            calling_ae_qualifier: self.calling_ae_qualifier.map(AeQualifier::into_owned),
            calling_ap_invocation_id: self.calling_ap_invocation_id,
            calling_ae_invocation_id: self.calling_ae_invocation_id,
            sender_acse_requirements: self.sender_acse_requirements,
            mechanism_name: self.mechanism_name.map(own_oid),
            calling_authentication_value: self
                .calling_authentication_value
                .map(AuthenticationValue::into_owned),
            application_context_name_list: self
                .application_context_name_list
                .map(|l| l.into_iter().map(own_oid).collect()),
            implementation_information: self.implementation_information.map(own),
            user_information: own_list(self.user_information),
        }
    }
}

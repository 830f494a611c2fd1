//! AARE, the A-ASSOCIATE response APDU (ISO 8650-1 / X.227 §9 `AARE-apdu`, \[APPLICATION 1\]
//! `61`; docs/facts.md F-603).

use std::borrow::Cow;

use copp::ber::{Oid, Tag, Tlv, Writer};

use super::auth::{AcseRequirements, AuthenticationValue, ProtocolVersion};
use super::codes::{AssociateResult, Diagnostic, ServiceProviderDiagnostic, ServiceUserDiagnostic};
use super::error::{invalid, AcseError};
use super::external::{decode_user_information, encode_user_information, own_list, External};
use super::fields::{
    explicit, explicit_integer, explicit_oid, implicit_oid, implicit_oid_list, implicit_string,
    own, own_oid, write_explicit_integer, write_explicit_oid, write_oid_list, Fields, EXT,
};
use super::names::{AeQualifier, ApTitle};
use super::Limits;

const APDU: &str = "AARE";

/// The components of AARE-apdu in definition order (tag number, ACSE-1 name).
const ORDER: &[(u32, &str)] = &[
    (0, "protocol-version"),
    (1, "aSO-context-name"),
    (2, "result"),
    (3, "result-source-diagnostic"),
    (4, "responding-AP-title"),
    (5, "responding-AE-qualifier"),
    (6, "responding-AP-invocation-identifier"),
    (7, "responding-AE-invocation-identifier"),
    (8, "responder-acse-requirements"),
    (9, "mechanism-name"),
    (10, "responding-authentication-value"),
    (11, "aSO-context-name-list"),
    (29, "implementation-information"),
    (EXT, "extension addition"),
    (30, "user-information"),
];

/// AARE-apdu (X.227 §9): every field of the ACSE-1 root. Extension additions (the
/// higher-level-association fields \[12\]..\[14\]) are skipped on receipt and never sent.
///
/// `result-source-diagnostic` is mandatory in the module and is always sent (SISCO notes
/// the same, docs/facts.md F-908).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aare<'a> {
    /// protocol-version \[0\]; `None` = the DEFAULT {version1}.
    pub protocol_version: Option<ProtocolVersion>,
    /// aSO-context-name \[1\] (mandatory): the application context of the association (the one
    /// the AARQ proposed, or another the responder offers; never the user's abstract syntax,
    /// docs/facts.md E-08).
    pub application_context_name: Oid<'a>,
    /// result \[2\] (mandatory).
    pub result: AssociateResult,
    /// result-source-diagnostic \[3\] (mandatory).
    pub result_source_diagnostic: Diagnostic,
    /// responding-AP-title \[4\].
    pub responding_ap_title: Option<ApTitle<'a>>,
    /// responding-AE-qualifier \[5\].
    pub responding_ae_qualifier: Option<AeQualifier<'a>>,
    /// responding-AP-invocation-identifier \[6\].
    pub responding_ap_invocation_id: Option<i64>,
    /// responding-AE-invocation-identifier \[7\].
    pub responding_ae_invocation_id: Option<i64>,
    /// responder-acse-requirements \[8\]: absent when only the kernel is used.
    pub responder_acse_requirements: Option<AcseRequirements>,
    /// mechanism-name \[9\] (authentication functional unit).
    pub mechanism_name: Option<Oid<'a>>,
    /// responding-authentication-value \[10\] (authentication functional unit).
    pub responding_authentication_value: Option<AuthenticationValue<'a>>,
    /// aSO-context-name-list \[11\] (application-context-negotiation functional unit).
    pub application_context_name_list: Option<Vec<Oid<'a>>>,
    /// implementation-information \[29\]: GraphicString contents octets.
    pub implementation_information: Option<Cow<'a, [u8]>>,
    /// user-information \[30\] (for MMS, the initiate-ResponsePDU or initiate-ErrorPDU).
    /// Empty = absent.
    pub user_information: Vec<External<'a>>,
}

impl<'a> Aare<'a> {
    /// An AARE with the given result and diagnostic and nothing else.
    pub fn new(
        application_context_name: Oid<'a>,
        result: AssociateResult,
        result_source_diagnostic: Diagnostic,
    ) -> Aare<'a> {
        Aare {
            protocol_version: None,
            application_context_name,
            result,
            result_source_diagnostic,
            responding_ap_title: None,
            responding_ae_qualifier: None,
            responding_ap_invocation_id: None,
            responding_ae_invocation_id: None,
            responder_acse_requirements: None,
            mechanism_name: None,
            responding_authentication_value: None,
            application_context_name_list: None,
            implementation_information: None,
            user_information: Vec::new(),
        }
    }

    /// An accepting AARE: result accepted, diagnostic service-user null.
    pub fn accepted(application_context_name: Oid<'a>) -> Aare<'a> {
        Aare::new(
            application_context_name,
            AssociateResult::Accepted,
            Diagnostic::ACCEPTED,
        )
    }

    /// A rejecting AARE from the service user (the application or its security provider).
    pub fn rejected(
        application_context_name: Oid<'a>,
        result: AssociateResult,
        diagnostic: ServiceUserDiagnostic,
    ) -> Aare<'a> {
        Aare::new(
            application_context_name,
            result,
            Diagnostic::ServiceUser(diagnostic),
        )
    }

    /// The AARE an ACPM sends for an AARQ without a common protocol version (X.227 §7.1.5.2):
    /// rejected-permanent, service-provider no-common-acse-version.
    pub fn no_common_version(application_context_name: Oid<'a>) -> Aare<'a> {
        Aare::new(
            application_context_name,
            AssociateResult::RejectedPermanent,
            Diagnostic::ServiceProvider(ServiceProviderDiagnostic::NoCommonAcseVersion),
        )
    }

    pub(crate) fn decode(tlv: &Tlv<'a>, limits: &Limits) -> Result<Aare<'a>, AcseError> {
        let mut f = Fields::new(tlv, APDU, ORDER)?;
        let mut a = Aare::accepted(Oid::new(Cow::Borrowed(&[])));
        let (mut have_context, mut have_result, mut have_diag) = (false, false, false);
        while let Some((n, t)) = f.next()? {
            let name = f.name(n);
            match n {
                0 => a.protocol_version = Some(ProtocolVersion::decode(t, APDU)?),
                1 => {
                    a.application_context_name = explicit_oid(&t, APDU, name)?;
                    have_context = true;
                }
                2 => {
                    a.result = AssociateResult::from_code(explicit_integer(&t, APDU, name)?)
                        .ok_or(invalid(APDU, name))?;
                    have_result = true;
                }
                3 => {
                    a.result_source_diagnostic = decode_diagnostic(&t)?;
                    have_diag = true;
                }
                4 => a.responding_ap_title = Some(ApTitle::decode(&t, APDU, name)?),
                5 => a.responding_ae_qualifier = Some(AeQualifier::decode(&t, APDU, name)?),
                6 => a.responding_ap_invocation_id = Some(explicit_integer(&t, APDU, name)?),
                7 => a.responding_ae_invocation_id = Some(explicit_integer(&t, APDU, name)?),
                8 => a.responder_acse_requirements = Some(AcseRequirements::decode(t, APDU, name)?),
                9 => a.mechanism_name = Some(implicit_oid(t, APDU, name)?),
                10 => {
                    a.responding_authentication_value =
                        Some(AuthenticationValue::decode(&t, APDU, name)?)
                }
                11 => {
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
        for (present, field) in [
            (have_context, "aSO-context-name"),
            (have_result, "result"),
            (have_diag, "result-source-diagnostic"),
        ] {
            if !present {
                return Err(AcseError::Missing { apdu: APDU, field });
            }
        }
        Ok(a)
    }

    /// Prepends the encoded AARE (`61 L ...`), fields in ACSE-1 order.
    pub fn encode(&self, w: &mut Writer) {
        let mark = w.mark();
        encode_user_information(w, &self.user_information);
        if let Some(s) = &self.implementation_information {
            w.octets(Tag::context(29, false), s);
        }
        if let Some(l) = &self.application_context_name_list {
            write_oid_list(w, 11, l);
        }
        if let Some(v) = &self.responding_authentication_value {
            v.encode(w, 10);
        }
        if let Some(m) = &self.mechanism_name {
            w.oid(Tag::context(9, false), m);
        }
        if let Some(r) = &self.responder_acse_requirements {
            r.encode(w, 8);
        }
        if let Some(v) = self.responding_ae_invocation_id {
            write_explicit_integer(w, 7, v);
        }
        if let Some(v) = self.responding_ap_invocation_id {
            write_explicit_integer(w, 6, v);
        }
        if let Some(q) = &self.responding_ae_qualifier {
            q.encode(w, 5);
        }
        if let Some(t) = &self.responding_ap_title {
            t.encode(w, 4);
        }
        let m = w.mark();
        match self.result_source_diagnostic {
            Diagnostic::ServiceUser(d) => write_explicit_integer(w, 1, d.code()),
            Diagnostic::ServiceProvider(d) => write_explicit_integer(w, 2, d.code()),
        }
        w.wrap(m, Tag::context(3, true));
        write_explicit_integer(w, 2, self.result.code());
        write_explicit_oid(w, 1, &self.application_context_name);
        if let Some(v) = &self.protocol_version {
            v.encode(w);
        }
        w.wrap(mark, Tag::application(1, true));
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> Aare<'static> {
        Aare {
            protocol_version: self.protocol_version,
            application_context_name: own_oid(self.application_context_name),
            result: self.result,
            result_source_diagnostic: self.result_source_diagnostic,
            responding_ap_title: self.responding_ap_title.map(ApTitle::into_owned),
            responding_ae_qualifier: self.responding_ae_qualifier.map(AeQualifier::into_owned),
            responding_ap_invocation_id: self.responding_ap_invocation_id,
            responding_ae_invocation_id: self.responding_ae_invocation_id,
            responder_acse_requirements: self.responder_acse_requirements,
            mechanism_name: self.mechanism_name.map(own_oid),
            responding_authentication_value: self
                .responding_authentication_value
                .map(AuthenticationValue::into_owned),
            application_context_name_list: self
                .application_context_name_list
                .map(|l| l.into_iter().map(own_oid).collect()),
            implementation_information: self.implementation_information.map(own),
            user_information: own_list(self.user_information),
        }
    }
}

/// Associate-source-diagnostic: `A3 { A1 { INTEGER } }` or `A3 { A2 { INTEGER } }`.
fn decode_diagnostic(t: &Tlv<'_>) -> Result<Diagnostic, AcseError> {
    const FIELD: &str = "result-source-diagnostic";
    let inner = explicit(t, APDU, FIELD)?;
    match inner.tag {
        tag if tag == Tag::context(1, true) => Ok(Diagnostic::ServiceUser(
            ServiceUserDiagnostic::from_code(explicit_integer(&inner, APDU, FIELD)?),
        )),
        tag if tag == Tag::context(2, true) => Ok(Diagnostic::ServiceProvider(
            ServiceProviderDiagnostic::from_code(explicit_integer(&inner, APDU, FIELD)?),
        )),
        tag => Err(AcseError::UnexpectedTag {
            apdu: APDU,
            field: FIELD,
            tag,
        }),
    }
}

//! ACSE APDUs (ISO 8650-1 / X.227 §9) as [`Field`]s: AARQ, AARE, RLRQ, RLRE and ABRT with
//! application context, AP-titles, AE-qualifiers, mechanism, result and diagnostics, and the
//! MMS PDUs their user-information carries.

use super::layers::{hex, issue, offset_in, oid_text, Conn};
use super::upper::{layer_for, mms_layer};
use super::{Field, Frame, Layer, OffsetBase};

fn ap_title(t: &acse::apdu::ApTitle<'_>) -> String {
    match t {
        acse::apdu::ApTitle::Form1(n) => format!("form1 (Name, {})", hex(n)),
        acse::apdu::ApTitle::Form2(o) => o.to_id_string(),
        acse::apdu::ApTitle::Form3(s) => format!("form3 {:?}", String::from_utf8_lossy(s)),
    }
}

fn ae_qualifier(q: &acse::apdu::AeQualifier<'_>) -> String {
    match q {
        acse::apdu::AeQualifier::Form1(n) => format!("form1 (RDN, {})", hex(n)),
        acse::apdu::AeQualifier::Form2(i) => i.to_string(),
        acse::apdu::AeQualifier::Form3(s) => format!("form3 {:?}", String::from_utf8_lossy(s)),
        acse::apdu::AeQualifier::Octets(s) => format!("octets {}", hex(s)),
    }
}

fn auth_value(v: &acse::apdu::AuthenticationValue<'_>) -> String {
    use acse::apdu::AuthenticationValue as A;
    match v {
        // A password is shown by length only: decode output ends up in logs and tickets.
        A::CharString(s) => format!("charstring ({} octets, not shown)", s.len()),
        A::BitString { bits, .. } => format!("bitstring ({} octets)", bits.len()),
        A::External(e) => format!(
            "external (indirect-reference {:?}, {} octets)",
            e.indirect_reference,
            e.single_value().map_or(0, |v| v.len())
        ),
        A::Other { mechanism, value } => {
            format!(
                "other ({}, {} octets)",
                mechanism.to_id_string(),
                value.len()
            )
        }
    }
}

pub(super) fn acse_layer(conn: &mut Conn, b: &[u8], at: usize, base: OffsetBase, f: &mut Frame) {
    use acse::apdu::Apdu;
    let apdu = match acse::apdu::parse(b) {
        Ok(a) => a,
        Err(e) => {
            f.layers.push(Field::new("ACSE", "malformed APDU"));
            issue(f, Layer::Acse, at, base, e.to_string());
            return;
        }
    };
    let mut a = Field::new("ACSE", apdu.name());
    let opt = |a: &mut Field, name: &str, v: Option<String>| {
        if let Some(v) = v {
            a.push(name, v);
        }
    };
    let reqs = |r: &acse::apdu::AcseRequirements| {
        let names = [
            "authentication",
            "aSO-context-negotiation",
            "higher-level-association",
            "nested-association",
        ];
        let on: Vec<&str> = names
            .iter()
            .enumerate()
            .filter(|(i, _)| r.bit(*i))
            .map(|(_, n)| *n)
            .collect();
        on.join(", ")
    };
    match &apdu {
        Apdu::Aarq(q) => {
            opt(
                &mut a,
                "protocol-version",
                q.protocol_version.map(|v| {
                    if v.has_version1() {
                        "version1".into()
                    } else {
                        "no version1".into()
                    }
                }),
            );
            a.push("aSO-context-name", oid_text(&q.application_context_name));
            opt(
                &mut a,
                "called-AP-title",
                q.called_ap_title.as_ref().map(ap_title),
            );
            opt(
                &mut a,
                "called-AE-qualifier",
                q.called_ae_qualifier.as_ref().map(ae_qualifier),
            );
            opt(
                &mut a,
                "called-AP-invocation-identifier",
                q.called_ap_invocation_id.map(|v| v.to_string()),
            );
            opt(
                &mut a,
                "called-AE-invocation-identifier",
                q.called_ae_invocation_id.map(|v| v.to_string()),
            );
            opt(
                &mut a,
                "calling-AP-title",
                q.calling_ap_title.as_ref().map(ap_title),
            );
            opt(
                &mut a,
                "calling-AE-qualifier",
                q.calling_ae_qualifier.as_ref().map(ae_qualifier),
            );
            opt(
                &mut a,
                "calling-AP-invocation-identifier",
                q.calling_ap_invocation_id.map(|v| v.to_string()),
            );
            opt(
                &mut a,
                "calling-AE-invocation-identifier",
                q.calling_ae_invocation_id.map(|v| v.to_string()),
            );
            opt(
                &mut a,
                "sender-acse-requirements",
                q.sender_acse_requirements.as_ref().map(reqs),
            );
            opt(
                &mut a,
                "mechanism-name",
                q.mechanism_name.as_ref().map(oid_text),
            );
            opt(
                &mut a,
                "calling-authentication-value",
                q.calling_authentication_value.as_ref().map(auth_value),
            );
            if let Some(l) = &q.application_context_name_list {
                let mut g = Field::new("aSO-context-name-list", "");
                for o in l {
                    g.push("aSO-context-name", oid_text(o));
                }
                a.children.push(g);
            }
            opt(
                &mut a,
                "implementation-information",
                q.implementation_information
                    .as_deref()
                    .map(|v| String::from_utf8_lossy(v).into_owned()),
            );
        }
        Apdu::Aare(r) => {
            opt(
                &mut a,
                "protocol-version",
                r.protocol_version.map(|v| {
                    if v.has_version1() {
                        "version1".into()
                    } else {
                        "no version1".into()
                    }
                }),
            );
            a.push("aSO-context-name", oid_text(&r.application_context_name));
            a.push("result", format!("{} ({})", r.result, r.result.code()));
            a.push(
                "result-source-diagnostic",
                r.result_source_diagnostic.to_string(),
            );
            opt(
                &mut a,
                "responding-AP-title",
                r.responding_ap_title.as_ref().map(ap_title),
            );
            opt(
                &mut a,
                "responding-AE-qualifier",
                r.responding_ae_qualifier.as_ref().map(ae_qualifier),
            );
            opt(
                &mut a,
                "responding-AP-invocation-identifier",
                r.responding_ap_invocation_id.map(|v| v.to_string()),
            );
            opt(
                &mut a,
                "responding-AE-invocation-identifier",
                r.responding_ae_invocation_id.map(|v| v.to_string()),
            );
            opt(
                &mut a,
                "responder-acse-requirements",
                r.responder_acse_requirements.as_ref().map(reqs),
            );
            opt(
                &mut a,
                "mechanism-name",
                r.mechanism_name.as_ref().map(oid_text),
            );
            opt(
                &mut a,
                "responding-authentication-value",
                r.responding_authentication_value.as_ref().map(auth_value),
            );
            opt(
                &mut a,
                "implementation-information",
                r.implementation_information
                    .as_deref()
                    .map(|v| String::from_utf8_lossy(v).into_owned()),
            );
        }
        Apdu::Rlrq(r) => opt(&mut a, "reason", r.reason.map(|v| v.to_string())),
        Apdu::Rlre(r) => opt(&mut a, "reason", r.reason.map(|v| v.to_string())),
        Apdu::Abrt(r) => {
            a.push(
                "abort-source",
                format!("{} ({})", r.source, r.source.code()),
            );
            opt(
                &mut a,
                "abort-diagnostic",
                r.diagnostic.map(|d| d.to_string()),
            );
        }
    }
    let ui = apdu.user_information();
    let mut inner = Vec::new();
    if !ui.is_empty() {
        let mut g = Field::new("user-information", format!("{} EXTERNAL", ui.len()));
        for e in ui {
            let mut x = Field::new("EXTERNAL", "");
            if let Some(d) = &e.direct_reference {
                x.push("direct-reference", oid_text(d));
            }
            if let Some(i) = e.indirect_reference {
                x.push("indirect-reference", i.to_string());
            }
            if let Some(d) = &e.data_value_descriptor {
                x.push("data-value-descriptor", hex(d));
            }
            let enc = match &e.encoding {
                acse::apdu::ExternalEncoding::SingleAsn1Type(v) => {
                    format!("single-ASN1-type ({} octets)", v.len())
                }
                acse::apdu::ExternalEncoding::OctetAligned(v) => {
                    format!("octet-aligned ({} octets)", v.len())
                }
                acse::apdu::ExternalEncoding::Arbitrary { bits, .. } => {
                    format!("arbitrary ({} octets)", bits.len())
                }
            };
            x.push("encoding", enc);
            g.children.push(x);
            if let Some(v) = e.single_value() {
                let id = e.indirect_reference.and_then(|i| u32::try_from(i).ok());
                inner.push((id, v));
            }
        }
        a.children.push(g);
    }
    f.layers.push(a);
    for (id, v) in inner {
        let pos = at + offset_in(b, v);
        let layer = match id {
            Some(id) => layer_for(conn, id, v),
            None => layer_for(&Conn::default(), 0, v),
        };
        match layer {
            Some(Layer::Mms) => mms_layer(f, v, pos, base),
            _ => f.notes.push(format!(
                "ACSE user-information: {} octets of an abstract syntax not decoded here",
                v.len()
            )),
        }
    }
}

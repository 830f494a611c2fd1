//! MMS PDUs (ISO 9506-2 §7) as [`Field`] trees: the PDU type, invokeID, the service (its ASN.1
//! name and tag number) and its fields, with a readable rendering of `Data` values
//! (ISO 9506-2 §14.4.2) and object names (§7.1.3). The most used services (variable access,
//! name lists, identify, named variable lists) have hand-written renderings; every other one
//! is rendered from its decoded value by [`super::debug_tree`].

use super::debug_tree::{camel, from_debug};
use super::layers::{hex, kebab};
use super::Field;
use crate::access::{
    AccessResult, VariableAccessSpecification, VariableDef, VariableSpecification,
};
use crate::data::Data;
use crate::pdu::{ConfirmedServiceRequest as Req, ConfirmedServiceResponse as Resp, MmsPdu};
use crate::service_error::ServiceError;
use crate::services::{variables, vmd};

/// Deepest Data nesting rendered; below it the list is summarised.
pub const MAX_DATA_DEPTH: usize = 64;

/// The `MMS` layer field of one decoded PDU.
pub fn pdu_field(pdu: &MmsPdu<'_>) -> Field {
    let mut m = Field::new("MMS", "");
    let (name, tag) = match pdu {
        MmsPdu::ConfirmedRequest(_) => ("confirmed-RequestPDU", 0),
        MmsPdu::ConfirmedResponse(_) => ("confirmed-ResponsePDU", 1),
        MmsPdu::ConfirmedError(_) => ("confirmed-ErrorPDU", 2),
        MmsPdu::Unconfirmed(_) => ("unconfirmed-PDU", 3),
        MmsPdu::Reject(_) => ("rejectPDU", 4),
        MmsPdu::CancelRequest(_) => ("cancel-RequestPDU", 5),
        MmsPdu::CancelResponse(_) => ("cancel-ResponsePDU", 6),
        MmsPdu::CancelError(_) => ("cancel-ErrorPDU", 7),
        MmsPdu::InitiateRequest(_) => ("initiate-RequestPDU", 8),
        MmsPdu::InitiateResponse(_) => ("initiate-ResponsePDU", 9),
        MmsPdu::InitiateError(_) => ("initiate-ErrorPDU", 10),
        MmsPdu::ConcludeRequest => ("conclude-RequestPDU", 11),
        MmsPdu::ConcludeResponse => ("conclude-ResponsePDU", 12),
        MmsPdu::ConcludeError(_) => ("conclude-ErrorPDU", 13),
    };
    m.value = name.to_string();
    m.push("PDU type", format!("{name} ({tag})"));
    match pdu {
        MmsPdu::ConfirmedRequest(p) => {
            m.push("invokeID", p.invoke_id.to_string());
            if !p.list_of_modifier.is_empty() {
                m.children.push(from_debug(
                    "listOfModifier",
                    &format!("{:#?}", p.list_of_modifier),
                ));
            }
            let svc = service_name(&format!("{:?}", p.service), p.service.tag());
            m.value = format!("{name} {} invokeID {}", svc.0, p.invoke_id);
            m.push("confirmedServiceRequest", svc.1);
            m.children.extend(request_fields(&p.service));
        }
        MmsPdu::ConfirmedResponse(p) => {
            m.push("invokeID", p.invoke_id.to_string());
            let svc = service_name(&format!("{:?}", p.service), p.service.tag());
            m.value = format!("{name} {} invokeID {}", svc.0, p.invoke_id);
            m.push("confirmedServiceResponse", svc.1);
            m.children.extend(response_fields(&p.service));
        }
        MmsPdu::ConfirmedError(e) => {
            m.push("invokeID", e.invoke_id.to_string());
            m.value = format!("{name} invokeID {}", e.invoke_id);
            if let Some(p) = e.modifier_position {
                m.push("modifierPosition", p.to_string());
            }
            m.children.push(service_error(&e.service_error));
        }
        MmsPdu::Unconfirmed(u) => {
            let svc = service_name(&format!("{:?}", u.service), u.service.tag());
            m.value = format!("{name} {}", svc.0);
            m.push("unconfirmedService", svc.1);
            match &u.service {
                crate::pdu::UnconfirmedService::InformationReport(r) => {
                    m.children.push(vas(&r.variable_access_specification));
                    m.children.push(access_results(&r.list_of_access_result));
                }
                other => m.children.extend(generic(other)),
            }
        }
        MmsPdu::Reject(r) => {
            if let Some(id) = r.original_invoke_id {
                m.push("originalInvokeID", id.to_string());
            }
            let text = format!("{:?}", r.reason);
            let (pdu_kind, problem) = match text.split_once('(') {
                Some((k, p)) => (kebab(k), kebab(p.trim_end_matches(')'))),
                None => (kebab(&text), String::new()),
            };
            m.push(
                "rejectReason",
                format!("{pdu_kind}: {problem} ({})", r.reason.tag_number()),
            );
        }
        MmsPdu::CancelRequest(id) | MmsPdu::CancelResponse(id) => {
            m.push("invokeID", id.to_string());
        }
        MmsPdu::CancelError(e) => {
            m.push("originalInvokeID", e.original_invoke_id.to_string());
            m.children.push(service_error(&e.service_error));
        }
        MmsPdu::InitiateRequest(r) => {
            for (name, v) in [
                (
                    "localDetailCalling",
                    r.local_detail_calling.map(|v| v.to_string()),
                ),
                (
                    "proposedMaxServOutstandingCalling",
                    Some(r.proposed_max_serv_outstanding_calling.to_string()),
                ),
                (
                    "proposedMaxServOutstandingCalled",
                    Some(r.proposed_max_serv_outstanding_called.to_string()),
                ),
                (
                    "proposedDataStructureNestingLevel",
                    r.proposed_data_structure_nesting_level
                        .map(|v| v.to_string()),
                ),
            ] {
                if let Some(v) = v {
                    m.push(name, v);
                }
            }
            m.children.push(init_detail(
                "initRequestDetail",
                [
                    "proposedVersionNumber",
                    "proposedParameterCBB",
                    "servicesSupportedCalling",
                ],
                &r.init_request_detail,
            ));
        }
        MmsPdu::InitiateResponse(r) => {
            for (name, v) in [
                (
                    "localDetailCalled",
                    r.local_detail_called.map(|v| v.to_string()),
                ),
                (
                    "negotiatedMaxServOutstandingCalling",
                    Some(r.negotiated_max_serv_outstanding_calling.to_string()),
                ),
                (
                    "negotiatedMaxServOutstandingCalled",
                    Some(r.negotiated_max_serv_outstanding_called.to_string()),
                ),
                (
                    "negotiatedDataStructureNestingLevel",
                    r.negotiated_data_structure_nesting_level
                        .map(|v| v.to_string()),
                ),
            ] {
                if let Some(v) = v {
                    m.push(name, v);
                }
            }
            m.children.push(init_detail(
                "initResponseDetail",
                [
                    "negotiatedVersionNumber",
                    "negotiatedParameterCBB",
                    "servicesSupportedCalled",
                ],
                &r.init_response_detail,
            ));
        }
        MmsPdu::InitiateError(e) | MmsPdu::ConcludeError(e) => {
            m.children.push(service_error(e));
        }
        MmsPdu::ConcludeRequest | MmsPdu::ConcludeResponse => {}
    }
    m
}

/// `InitRequestDetail` / `InitResponseDetail` (ISO 9506-2 §8.2.1): the version and the two
/// bit strings with the names of the bits set.
fn init_detail(name: &str, names: [&str; 3], d: &crate::initiate::InitDetail) -> Field {
    let lower = |k: &dyn std::fmt::Debug| {
        let t = format!("{k:?}");
        let mut c = t.chars();
        match c.next() {
            Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
            None => t,
        }
    };
    let cbb: Vec<String> = d.parameter_cbb.iter().map(|k| lower(&k)).collect();
    let svc: Vec<String> = d.services_supported.iter().map(|k| lower(&k)).collect();
    Field::group(
        name,
        "",
        vec![
            Field::new(names[0], d.version_number.to_string()),
            Field::new(
                names[1],
                format!("{} bits: {}", d.parameter_cbb.len(), cbb.join(", ")),
            ),
            Field::new(
                names[2],
                format!("{} bits: {}", d.services_supported.len(), svc.join(", ")),
            ),
        ],
    )
}

/// The ASN.1 name of a service alternative from its Rust variant (`GetNameList` →
/// `getNameList`), and the rendered `name (tag)`.
fn service_name(debug: &str, tag: u32) -> (String, String) {
    let variant: String = debug
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let mut name = String::with_capacity(variant.len());
    for (i, c) in variant.chars().enumerate() {
        if i == 0 {
            name.push(c.to_ascii_lowercase());
        } else {
            name.push(c);
        }
    }
    let shown = format!("{name} ({tag})");
    (name, shown)
}

/// The fields of a service value rendered from its `Debug` text (the variant wrapper dropped).
fn generic(v: &dyn std::fmt::Debug) -> Vec<Field> {
    let t = from_debug("", &format!("{v:#?}"));
    t.children
        .into_iter()
        .flat_map(|variant| {
            if variant.children.is_empty() {
                Vec::new()
            } else {
                variant.children
            }
        })
        .collect()
}

fn service_error(e: &ServiceError<'_>) -> Field {
    let mut f = Field::new("serviceError", "");
    let text = format!("{:?}", e.error_class);
    let (class, code) = match text.split_once('(') {
        Some((c, p)) => (
            camel(&kebab(c).replace('-', "_")),
            kebab(p.trim_end_matches(')')),
        ),
        None => (text.clone(), String::new()),
    };
    f.value = format!("{class}: {code}");
    f.push("errorClass", class);
    f.push("errorCode", code);
    if let Some(c) = e.additional_code {
        f.push("additionalCode", c.to_string());
    }
    if let Some(d) = &e.additional_description {
        f.push("additionalDescription", format!("{d:?}"));
    }
    if let Some(s) = &e.service_specific_info {
        f.children
            .push(from_debug("serviceSpecificInformation", &format!("{s:#?}")));
    }
    f
}

fn object_name(name: &str, o: &crate::common::ObjectName<'_>) -> Field {
    use crate::common::ObjectName as O;
    let scope = match o {
        O::VmdSpecific(_) => "vmd-specific",
        O::DomainSpecific { .. } => "domain-specific",
        O::AaSpecific(_) => "aa-specific",
    };
    let mut f = Field::new(name, o.to_string());
    f.push("scope", scope);
    if let O::DomainSpecific { domain_id, item_id } = o {
        f.push("domainId", domain_id.to_string());
        f.push("itemId", item_id.to_string());
    }
    f
}

fn variable_def(d: &VariableDef<'_>) -> Field {
    let mut f = match &d.variable_specification {
        VariableSpecification::Name(o) => object_name("name", o),
        other => {
            let mut g = from_debug("variableSpecification", &format!("{other:#?}"));
            if g.value.is_empty() {
                g.value = g
                    .children
                    .first()
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
            }
            g
        }
    };
    if let Some(a) = &d.alternate_access {
        f.children
            .push(from_debug("alternateAccess", &format!("{a:#?}")));
    }
    f
}

fn vas(v: &VariableAccessSpecification<'_>) -> Field {
    match v {
        VariableAccessSpecification::ListOfVariable(list) => {
            let mut f = Field::new("listOfVariable", format!("{} items", list.len()));
            f.children.extend(list.iter().map(variable_def));
            f
        }
        VariableAccessSpecification::VariableListName(o) => object_name("variableListName", o),
    }
}

fn access_results(list: &[AccessResult<'_>]) -> Field {
    let mut f = Field::new("listOfAccessResult", format!("{} items", list.len()));
    for r in list {
        f.children.push(match r {
            AccessResult::Success(d) => {
                let mut x = data_field(d, 0);
                x.name = format!("success: {}", x.name);
                x
            }
            AccessResult::Failure(e) => Field::new("failure", format!("{e} ({})", e.to_i64())),
        });
    }
    f
}

/// Renders one `Data` value (ISO 9506-2 §14.4.2): the field is named after the alternative
/// and holds the value as text; arrays and structures hold their elements as children.
pub fn data_field(d: &Data<'_>, depth: usize) -> Field {
    match d {
        Data::Array(l) | Data::Structure(l) => {
            let name = if matches!(d, Data::Array(_)) {
                "array"
            } else {
                "structure"
            };
            let mut f = Field::new(name, format!("{} elements", l.len()));
            if depth >= MAX_DATA_DEPTH {
                f.value.push_str(" (nested too deep to show)");
                return f;
            }
            for e in l.iter() {
                f.children.push(data_field(&e, depth + 1));
            }
            f
        }
        Data::Boolean(b) => Field::new("boolean", b.to_string()),
        Data::BitString(b) | Data::BooleanArray(b) => {
            let name = if matches!(d, Data::BitString(_)) {
                "bit-string"
            } else {
                "booleanArray"
            };
            let shown: String = b
                .iter()
                .take(256)
                .map(|x| if x { '1' } else { '0' })
                .collect();
            let more = if b.len() > 256 { "..." } else { "" };
            Field::new(name, format!("{shown}{more} ({} bits)", b.len()))
        }
        Data::Integer(i) => Field::new("integer", i.to_string()),
        Data::Unsigned(u) => Field::new("unsigned", u.to_string()),
        Data::FloatingPoint(fp) => {
            let v = match (fp.exponent_width(), fp.to_f64()) {
                (Some(8), Some(x)) => format!("{} (single)", x as f32),
                (Some(_), Some(x)) => format!("{x} (double)"),
                _ => format!("raw {}", hex(&fp.0)),
            };
            Field::new("floating-point", v)
        }
        Data::Real(r) => Field::new("real", hex(r)),
        Data::OctetString(o) => Field::new("octet-string", hex(o)),
        Data::VisibleString(s) => Field::new("visible-string", format!("{s:?}")),
        Data::GeneralizedTime(s) => Field::new("generalized-time", s.to_string()),
        Data::BinaryTime(t) => {
            let ms = t.millis;
            let clock = format!(
                "{:02}:{:02}:{:02}.{:03}",
                ms / 3_600_000,
                ms / 60_000 % 60,
                ms / 1000 % 60,
                ms % 1000
            );
            let v = match t.days {
                Some(days) => {
                    // TimeOfDay days count from 1984-01-01 (ISO 9506-2 §7.1.6); 5113 days after
                    // the Unix epoch.
                    let (y, mo, da) = crate::common::civil_from_days(i64::from(days) + 5113);
                    format!("{y:04}-{mo:02}-{da:02} {clock}")
                }
                None => clock,
            };
            Field::new("binary-time", v)
        }
        Data::Bcd(b) => Field::new("bcd", b.to_string()),
        Data::ObjId(o) => Field::new("objId", o.to_id_string()),
        Data::MmsString(s) => Field::new("mMSString", format!("{s:?}")),
        Data::UtcTime(t) => {
            let secs = i64::from(t.seconds);
            let (y, mo, da) = crate::common::civil_from_days(secs.div_euclid(86_400));
            let rem = secs.rem_euclid(86_400);
            let nanos = t.fraction_nanos();
            let mut f = Field::new(
                "utc-time",
                format!(
                    "{y:04}-{mo:02}-{da:02}T{:02}:{:02}:{:02}.{:09}Z",
                    rem / 3600,
                    rem / 60 % 60,
                    rem % 60,
                    nanos
                ),
            );
            f.push("timeQuality", format!("{:#04x}", t.quality));
            f
        }
    }
}

fn request_fields(s: &Req<'_>) -> Vec<Field> {
    match s {
        Req::Read(r) => {
            let mut v = Vec::new();
            if r.specification_with_result {
                v.push(Field::new("specificationWithResult", "true"));
            }
            v.push(vas(&r.variable_access_specification));
            v
        }
        Req::Write(w) => {
            let mut data = Field::new("listOfData", format!("{} items", w.list_of_data.len()));
            data.children
                .extend(w.list_of_data.iter().map(|d| data_field(d, 0)));
            vec![vas(&w.variable_access_specification), data]
        }
        Req::GetNameList(g) => get_name_list_request(g),
        Req::Identify(_) => Vec::new(),
        Req::GetVariableAccessAttributes(g) => match g {
            variables::GetVariableAccessAttributesRequest::Name(o) => vec![object_name("name", o)],
            other => generic(other),
        },
        Req::DefineNamedVariableList(d) => {
            let mut l = Field::new(
                "listOfVariable",
                format!("{} items", d.list_of_variable.len()),
            );
            l.children
                .extend(d.list_of_variable.iter().map(variable_def));
            vec![object_name("variableListName", &d.variable_list_name), l]
        }
        other => generic(other),
    }
}

fn get_name_list_request(g: &vmd::GetNameListRequest<'_>) -> Vec<Field> {
    let class = from_debug("objectClass", &format!("{:#?}", g.object_class));
    let class_text = match class.children.first() {
        Some(c) if !c.value.is_empty() => kebab(&c.value),
        Some(c) => kebab(&c.name),
        None => kebab(&class.value),
    };
    let scope = match &g.object_scope {
        vmd::ObjectScope::VmdSpecific => "vmdSpecific".to_string(),
        vmd::ObjectScope::DomainSpecific(d) => format!("domainSpecific: {d}"),
        vmd::ObjectScope::AaSpecific => "aaSpecific".to_string(),
    };
    let mut v = vec![
        Field::new("objectClass", class_text),
        Field::new("objectScope", scope),
    ];
    if let Some(c) = &g.continue_after {
        v.push(Field::new("continueAfter", c.to_string()));
    }
    v
}

fn response_fields(s: &Resp<'_>) -> Vec<Field> {
    match s {
        Resp::Read(r) => {
            let mut v = Vec::new();
            if let Some(spec) = &r.variable_access_specification {
                v.push(vas(spec));
            }
            v.push(access_results(&r.list_of_access_result));
            v
        }
        Resp::Write(w) => {
            let mut f = Field::new("WriteResponse", format!("{} items", w.0.len()));
            for r in &w.0 {
                f.children.push(match r {
                    variables::WriteResult::Success => Field::new("success", ""),
                    variables::WriteResult::Failure(e) => {
                        Field::new("failure", format!("{e} ({})", e.to_i64()))
                    }
                });
            }
            vec![f]
        }
        Resp::GetNameList(g) => {
            let mut l = Field::new(
                "listOfIdentifier",
                format!("{} items", g.list_of_identifier.len()),
            );
            for i in &g.list_of_identifier {
                l.push("identifier", i.to_string());
            }
            vec![l, Field::new("moreFollows", g.more_follows.to_string())]
        }
        Resp::Identify(i) => {
            let mut v = vec![
                Field::new("vendorName", i.vendor_name.to_string()),
                Field::new("modelName", i.model_name.to_string()),
                Field::new("revision", i.revision.to_string()),
            ];
            if let Some(l) = &i.list_of_abstract_syntaxes {
                let mut f = Field::new("listOfAbstractSyntaxes", "");
                for o in l {
                    f.push("abstractSyntax", o.to_id_string());
                }
                v.push(f);
            }
            v
        }
        Resp::GetNamedVariableListAttributes(g) => {
            let mut l = Field::new(
                "listOfVariable",
                format!("{} items", g.list_of_variable.len()),
            );
            l.children
                .extend(g.list_of_variable.iter().map(variable_def));
            vec![Field::new("mmsDeletable", g.mms_deletable.to_string()), l]
        }
        other => generic(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(crate::common::civil_from_days(0), (1970, 1, 1));
        assert_eq!(crate::common::civil_from_days(5113), (1984, 1, 1));
        assert_eq!(crate::common::civil_from_days(19_675), (2023, 11, 14));
    }

    #[test]
    fn service_names() {
        assert_eq!(service_name("GetNameList(..)", 1).1, "getNameList (1)");
        assert_eq!(service_name("Read(ReadRequest", 4).0, "read");
    }

    #[test]
    fn data_rendering() {
        let d = Data::structure(vec![
            Data::Boolean(true),
            Data::Integer(-5),
            Data::VisibleString("ab".into()),
            Data::FloatingPoint(crate::data::FloatingPoint::from_f32(1.5)),
            Data::UtcTime(crate::data::UtcTime {
                seconds: 1_700_000_000,
                fraction: 1 << 23,
                quality: 0x0a,
            }),
        ]);
        let f = data_field(&d, 0);
        assert_eq!(f.name, "structure");
        let vals: Vec<&str> = f.children.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(vals[0], "true");
        assert_eq!(vals[1], "-5");
        assert_eq!(vals[2], "\"ab\"");
        assert_eq!(vals[3], "1.5 (single)");
        assert_eq!(vals[4], "2023-11-14T22:13:20.500000000Z");
    }
}

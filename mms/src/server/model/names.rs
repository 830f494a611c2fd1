//! GetNameList (ISO 9506-1 §10.5): the names of one object class in one scope, sorted, after
//! `continueAfter`, cut to fit the negotiated PDU size (`moreFollows`). With component
//! expansion, a domain's named variables include every IEC 61850-8-1 `$` component path.

use crate::common::ObjectName;
use crate::pdu::ConfirmedServiceResponse;
use crate::service_error::ServiceError;
use crate::services::vmd::{
    BasicObjectClass, GetNameListRequest, GetNameListResponse, ObjectClass, ObjectScope,
};

use super::access::{Object, Operation};
use super::store::Scope;
use super::{path, AssociationInfo, Model, ServiceResult};

/// Octets a GetNameList-Response needs besides its identifiers: the confirmed-ResponsePDU
/// envelope with a 4-octet invokeID, the `[1]` and `[0]` wrappers with long-form lengths and
/// moreFollows, rounded up for safety.
pub const RESPONSE_OVERHEAD: usize = 40;

/// The encoded size of one identifier (VisibleString TLV).
pub fn identifier_cost(len: usize) -> usize {
    1 + copp::ber::length_len(len) + len
}

/// Takes the names after `continue_after` that fit in `budget` octets (at least one, so a
/// client always progresses); returns them and whether more follow.
pub fn page(names: &[String], continue_after: Option<&str>, budget: usize) -> (Vec<String>, bool) {
    let start = match continue_after {
        Some(c) => names.partition_point(|n| n.as_str() <= c),
        None => 0,
    };
    let rest = names.get(start..).unwrap_or_default();
    let mut used = 0usize;
    let mut out = Vec::new();
    for n in rest {
        let c = identifier_cost(n.len());
        if !out.is_empty() && used + c > budget {
            return (out, true);
        }
        used += c;
        out.push(n.clone());
    }
    (out, false)
}

fn variable_names(
    m: &Model,
    info: &AssociationInfo,
    scope: &Scope,
    name_of: &dyn Fn(&str) -> ObjectName<'static>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (n, v) in &scope.variables {
        let mut all = vec![n.clone()];
        if m.expands_components() {
            path::component_paths(&v.ty, n, &mut all);
        }
        out.extend(
            all.into_iter()
                .filter(|p| m.allowed(info, Operation::Browse, &Object::Variable(&name_of(p)))),
        );
    }
    out
}

fn list_names(
    m: &Model,
    info: &AssociationInfo,
    lists: impl Iterator<Item = String>,
    name_of: &dyn Fn(&str) -> ObjectName<'static>,
) -> Vec<String> {
    lists
        .filter(|n| m.allowed(info, Operation::Browse, &Object::VariableList(&name_of(n))))
        .collect()
}

fn journal_names(
    m: &Model,
    info: &AssociationInfo,
    scope: &Scope,
    name_of: &dyn Fn(&str) -> ObjectName<'static>,
) -> Vec<String> {
    scope
        .journals
        .keys()
        .filter(|n| m.allowed(info, Operation::Browse, &Object::Journal(&name_of(n))))
        .cloned()
        .collect()
}

/// GetNameList (ISO 9506-1 §10.5). An unknown domain is access / object-non-existent; a class
/// the model has none of yields an empty list.
pub fn get_name_list(
    m: &Model,
    info: &AssociationInfo,
    q: &GetNameListRequest<'_>,
) -> ServiceResult {
    use BasicObjectClass as C;
    let class = match q.object_class {
        ObjectClass::Basic(c) => Some(c),
        ObjectClass::Cs(_) => None,
    };
    let mut names = {
        let objs = m.objects();
        match &q.object_scope {
            ObjectScope::VmdSpecific => {
                let vmd = |n: &str| ObjectName::vmd(n.to_string());
                match class {
                    Some(C::NamedVariable) => variable_names(m, info, &objs.vmd, &vmd),
                    Some(C::NamedVariableList) => {
                        list_names(m, info, objs.vmd.lists.keys().cloned(), &vmd)
                    }
                    Some(C::Journal) => journal_names(m, info, &objs.vmd, &vmd),
                    Some(C::Domain) => objs
                        .domains
                        .keys()
                        .filter(|d| m.allowed(info, Operation::Browse, &Object::Domain(d)))
                        .cloned()
                        .collect(),
                    _ => Vec::new(),
                }
            }
            ObjectScope::DomainSpecific(d) => {
                let scope = objs.domains.get(d.as_ref()).ok_or_else(|| {
                    ServiceError::object_non_existent().with_description(format!("no domain {d}"))
                })?;
                if !m.allowed(info, Operation::Browse, &Object::Domain(d)) {
                    return Err(ServiceError::object_non_existent()
                        .with_description(format!("no domain {d}")));
                }
                let dom = |n: &str| ObjectName::domain(d.to_string(), n.to_string());
                match class {
                    Some(C::NamedVariable) => variable_names(m, info, scope, &dom),
                    Some(C::NamedVariableList) => {
                        list_names(m, info, scope.lists.keys().cloned(), &dom)
                    }
                    Some(C::Journal) => journal_names(m, info, scope, &dom),
                    _ => Vec::new(),
                }
            }
            ObjectScope::AaSpecific => match class {
                Some(C::NamedVariableList) => {
                    let keys: Vec<String> =
                        m.with_aa(info.id, |s| s.lists.keys().cloned().collect());
                    list_names(m, info, keys.into_iter(), &|n: &str| {
                        ObjectName::aa(n.to_string())
                    })
                }
                _ => Vec::new(),
            },
        }
    };
    names.sort_unstable();
    names.dedup();
    let budget = info
        .negotiated
        .max_pdu_size
        .saturating_sub(RESPONSE_OVERHEAD);
    let (list, more) = page(&names, q.continue_after.as_deref(), budget);
    Ok(ConfirmedServiceResponse::GetNameList(GetNameListResponse {
        list_of_identifier: list.into_iter().map(Into::into).collect(),
        more_follows: more,
    }))
}

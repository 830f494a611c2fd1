//! Named variable lists (ISO 9506-1 §14.14 DefineNamedVariableList, §14.15
//! GetNamedVariableListAttributes, §14.16 DeleteNamedVariableList): VMD-, domain- and
//! AA-specific; AA-specific lists live per association and vanish when it closes.

use crate::access::{VariableDef, VariableSpecification};
use crate::common::ObjectName;
use crate::pdu::ConfirmedServiceResponse;
use crate::service_error::{DefinitionProblem, ErrorClass, ResourceProblem, ServiceError};
use crate::services::variables::{
    DefineNamedVariableListRequest, DefineNamedVariableListResponse,
    DeleteNamedVariableListRequest, DeleteNamedVariableListResponse,
    GetNamedVariableListAttributesRequest, GetNamedVariableListAttributesResponse, ScopeOfDelete,
};

use super::access::{Object, Operation};
use super::store::{ListMember, VariableList};
use super::{owned, path, AssociationInfo, Model, ServiceResult};

/// The most members a client-defined list may have.
pub const MAX_MEMBERS: usize = 1024;
/// The most AA-specific lists one association may define.
pub const MAX_AA_LISTS: usize = 64;
/// The most client-defined VMD- and domain-specific lists in the whole model.
pub const MAX_CLIENT_LISTS: usize = 1024;

/// The list a name names (a copy), or None.
pub(crate) fn find(
    m: &Model,
    info: &AssociationInfo,
    name: &ObjectName<'_>,
) -> Option<VariableList> {
    match name {
        ObjectName::AaSpecific(n) => m.with_aa(info.id, |s| s.lists.get(n.as_ref()).cloned()),
        _ => m.objects().scope_of(name)?.lists.get(name.item()).cloned(),
    }
}

/// DefineNamedVariableList (ISO 9506-1 §14.14). Errors: definition / object-exists,
/// access / object-non-existent (a member or the domain), access / object-access-unsupported
/// (a member not given by name), resource / capability-unavailable (too many).
pub fn define(
    m: &Model,
    info: &AssociationInfo,
    q: &DefineNamedVariableListRequest<'_>,
) -> ServiceResult {
    let name = &q.variable_list_name;
    if !m.allowed(info, Operation::Define, &Object::VariableList(name)) {
        return Err(ServiceError::access_denied());
    }
    if q.list_of_variable.is_empty() {
        return Err(ServiceError::new(ErrorClass::Definition(
            DefinitionProblem::ObjectAttributeInconsistent,
        ))
        .with_description("a variable list needs at least one variable"));
    }
    if q.list_of_variable.len() > MAX_MEMBERS {
        return Err(ServiceError::new(ErrorClass::Resource(
            ResourceProblem::CapabilityUnavailable,
        ))
        .with_description(format!("at most {MAX_MEMBERS} variables per list")));
    }
    let mut members = Vec::with_capacity(q.list_of_variable.len());
    for d in &q.list_of_variable {
        let VariableSpecification::Name(n) = &d.variable_specification else {
            return Err(ServiceError::access_unsupported()
                .with_description("list members must be named variables"));
        };
        let exists = {
            let objs = m.objects();
            objs.find(n).is_some_and(|f| {
                path::at(&f.var.ty, &f.var.value, &f.path).is_some_and(|(t, v)| {
                    d.alternate_access
                        .as_ref()
                        .map_or(true, |aa| path::apply(t, v, aa).is_ok())
                })
            })
        };
        if !exists || !m.allowed(info, Operation::Browse, &Object::Variable(n)) {
            return Err(
                ServiceError::object_non_existent().with_description(format!("no variable {n}"))
            );
        }
        members.push(ListMember {
            name: n.clone().into_owned(),
            alternate_access: d.alternate_access.as_ref().map(owned::alternate),
        });
    }
    let list = VariableList {
        members,
        deletable: true,
    };
    let exists = || {
        ServiceError::new(ErrorClass::Definition(DefinitionProblem::ObjectExists))
            .with_description(format!("{name} exists"))
    };
    match name {
        ObjectName::AaSpecific(n) => m.with_aa(info.id, |s| {
            if s.lists.contains_key(n.as_ref()) {
                return Err(exists());
            }
            if s.lists.len() >= MAX_AA_LISTS {
                return Err(ServiceError::new(ErrorClass::Resource(
                    ResourceProblem::CapabilityUnavailable,
                ))
                .with_description(format!("at most {MAX_AA_LISTS} lists per association")));
            }
            s.lists.insert(n.to_string(), list);
            Ok(())
        })?,
        _ => {
            let mut objs = m.objects_mut();
            let total: usize = std::iter::once(&objs.vmd)
                .chain(objs.domains.values())
                .map(|s| s.lists.values().filter(|l| l.deletable).count())
                .sum();
            let scope = objs.scope_of_mut(name).ok_or_else(|| {
                ServiceError::object_non_existent()
                    .with_description(format!("no domain for {name}"))
            })?;
            if scope.lists.contains_key(name.item()) {
                return Err(exists());
            }
            if total >= MAX_CLIENT_LISTS {
                return Err(ServiceError::new(ErrorClass::Resource(
                    ResourceProblem::CapabilityUnavailable,
                ))
                .with_description("too many variable lists"));
            }
            scope.lists.insert(name.item().to_string(), list);
        }
    }
    Ok(ConfirmedServiceResponse::DefineNamedVariableList(
        DefineNamedVariableListResponse,
    ))
}

/// GetNamedVariableListAttributes (ISO 9506-1 §14.15): mmsDeletable and the members.
/// Unknown (or hidden) lists: access / object-non-existent.
pub fn get_attributes(
    m: &Model,
    info: &AssociationInfo,
    q: &GetNamedVariableListAttributesRequest<'_>,
) -> ServiceResult {
    let name = &q.0;
    let missing =
        || ServiceError::object_non_existent().with_description(format!("no variable list {name}"));
    if !m.allowed(info, Operation::Browse, &Object::VariableList(name)) {
        return Err(missing());
    }
    let list = find(m, info, name).ok_or_else(missing)?;
    Ok(ConfirmedServiceResponse::GetNamedVariableListAttributes(
        GetNamedVariableListAttributesResponse {
            mms_deletable: list.deletable,
            list_of_variable: list
                .members
                .into_iter()
                .map(|mb| VariableDef {
                    variable_specification: VariableSpecification::Name(mb.name),
                    alternate_access: mb.alternate_access,
                })
                .collect(),
            access_control_list: None,
        },
    ))
}

/// Deletes, from `lists`, the lists `pick` selects: (matched, deleted).
fn sweep(
    m: &Model,
    info: &AssociationInfo,
    lists: &mut std::collections::BTreeMap<String, VariableList>,
    name_of: impl Fn(&str) -> ObjectName<'static>,
    pick: impl Fn(&str) -> bool,
) -> (u32, u32) {
    let (mut matched, mut deleted) = (0u32, 0u32);
    lists.retain(|n, l| {
        if !pick(n) {
            return true;
        }
        let on = name_of(n);
        if !m.allowed(info, Operation::Browse, &Object::VariableList(&on)) {
            return true;
        }
        matched = matched.saturating_add(1);
        if l.deletable && m.allowed(info, Operation::Delete, &Object::VariableList(&on)) {
            deleted = deleted.saturating_add(1);
            false
        } else {
            true
        }
    });
    (matched, deleted)
}

/// DeleteNamedVariableList (ISO 9506-1 §14.16): numberMatched counts the lists found,
/// numberDeleted those deleted (lists defined by the model are not deletable). Scope
/// `domain` with an unknown or missing domain: access / object-non-existent.
pub fn delete(
    m: &Model,
    info: &AssociationInfo,
    q: &DeleteNamedVariableListRequest<'_>,
) -> ServiceResult {
    let (mut matched, mut deleted) = (0u32, 0u32);
    let mut add = |(a, b): (u32, u32)| {
        matched = matched.saturating_add(a);
        deleted = deleted.saturating_add(b);
    };
    match q.scope_of_delete {
        ScopeOfDelete::Specific => {
            for n in q.list_of_variable_list_name.iter().flatten() {
                let item = n.item().to_string();
                let pick = |x: &str| x == item;
                match n {
                    ObjectName::AaSpecific(_) => add(m.with_aa(info.id, |s| {
                        sweep(
                            m,
                            info,
                            &mut s.lists,
                            |x| ObjectName::aa(x.to_string()),
                            pick,
                        )
                    })),
                    ObjectName::VmdSpecific(_) => {
                        let mut objs = m.objects_mut();
                        add(sweep(
                            m,
                            info,
                            &mut objs.vmd.lists,
                            |x| ObjectName::vmd(x.to_string()),
                            pick,
                        ))
                    }
                    ObjectName::DomainSpecific { domain_id, .. } => {
                        let mut objs = m.objects_mut();
                        if let Some(s) = objs.domains.get_mut(domain_id.as_ref()) {
                            let d = domain_id.to_string();
                            add(sweep(
                                m,
                                info,
                                &mut s.lists,
                                |x| ObjectName::domain(d.clone(), x.to_string()),
                                pick,
                            ))
                        }
                    }
                }
            }
        }
        ScopeOfDelete::AaSpecific => add(m.with_aa(info.id, |s| {
            sweep(
                m,
                info,
                &mut s.lists,
                |x| ObjectName::aa(x.to_string()),
                |_| true,
            )
        })),
        ScopeOfDelete::Vmd => {
            let mut objs = m.objects_mut();
            add(sweep(
                m,
                info,
                &mut objs.vmd.lists,
                |x| ObjectName::vmd(x.to_string()),
                |_| true,
            ))
        }
        ScopeOfDelete::Domain => {
            let Some(d) = q.domain_name.as_deref() else {
                return Err(ServiceError::object_non_existent().with_description("no domain named"));
            };
            let mut objs = m.objects_mut();
            let Some(s) = objs.domains.get_mut(d) else {
                return Err(
                    ServiceError::object_non_existent().with_description(format!("no domain {d}"))
                );
            };
            add(sweep(
                m,
                info,
                &mut s.lists,
                |x| ObjectName::domain(d.to_string(), x.to_string()),
                |_| true,
            ))
        }
    }
    Ok(ConfirmedServiceResponse::DeleteNamedVariableList(
        DeleteNamedVariableListResponse {
            number_matched: matched,
            number_deleted: deleted,
        },
    ))
}

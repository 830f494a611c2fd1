//! Read (ISO 9506-1 §14.6), Write (§14.7) and GetVariableAccessAttributes (§14.9) on the
//! model's named variables, with IEC 61850-8-1 `$` component paths and ISO 9506-2 §14.3
//! alternate access; per-variable failures as ISO 9506-2 §14.4.3 DataAccessError.

use std::sync::Arc;

use crate::access::{
    AccessResult, AlternateAccess, VariableAccessSpecification, VariableSpecification,
};
use crate::common::ObjectName;
use crate::data::{Data, DataAccessError};
use crate::pdu::ConfirmedServiceResponse;
use crate::service_error::{DefinitionProblem, ErrorClass, ServiceError};
use crate::services::variables::{
    GetVariableAccessAttributesRequest, GetVariableAccessAttributesResponse, ReadRequest,
    ReadResponse, WriteRequest, WriteResponse, WriteResult,
};
use crate::types::TypeSpecification;

use super::access::{DynamicValue, Object, Operation, ValueRequest};
use super::path::{self, Step};
use super::{lists, owned, AssociationInfo, Model, ServiceResult};

/// One variable a Read or Write is about: by name (with its alternate access), or a
/// specification the model does not serve.
pub(crate) enum Target {
    /// A named variable.
    Named(ObjectName<'static>, Option<AlternateAccess<'static>>),
    /// Address, description, scattered access or invalidated: object-access-unsupported.
    Unsupported,
}

/// The variables a VariableAccessSpecification names (ISO 9506-2 §14.2); a list name that
/// does not exist is the whole service's error.
pub(crate) fn targets(
    m: &Model,
    info: &AssociationInfo,
    spec: &VariableAccessSpecification<'_>,
    op: Operation,
) -> Result<Vec<Target>, ServiceError<'static>> {
    match spec {
        VariableAccessSpecification::ListOfVariable(defs) => Ok(defs
            .iter()
            .map(|d| match &d.variable_specification {
                VariableSpecification::Name(n) => Target::Named(
                    n.clone().into_owned(),
                    d.alternate_access.as_ref().map(owned::alternate),
                ),
                _ => Target::Unsupported,
            })
            .collect()),
        VariableAccessSpecification::VariableListName(n) => {
            let list = lists::find(m, info, n).ok_or_else(|| {
                ServiceError::object_non_existent()
                    .with_description(format!("no variable list {n}"))
            })?;
            if !m.allowed(info, Operation::Browse, &Object::VariableList(n)) {
                return Err(ServiceError::object_non_existent()
                    .with_description(format!("no variable list {n}")));
            }
            if !m.allowed(info, op, &Object::VariableList(n)) {
                return Err(ServiceError::access_denied());
            }
            Ok(list
                .members
                .into_iter()
                .map(|mb| Target::Named(mb.name, mb.alternate_access))
                .collect())
        }
    }
}

/// Reads one named variable (or component) for a client: ISO 9506-1 §14.6.2 per-variable
/// result.
pub(crate) fn read_value(
    m: &Model,
    info: Option<&AssociationInfo>,
    name: &ObjectName<'_>,
    aa: Option<&AlternateAccess<'_>>,
) -> Result<Data<'static>, DataAccessError> {
    if let Some(i) = info {
        if !m.allowed(i, Operation::Read, &Object::Variable(name)) {
            return Err(DataAccessError::ObjectAccessDenied);
        }
    }
    let (dynamic, top, p, ty, stored) = {
        let objs = m.objects();
        let f = objs.find(name).ok_or(DataAccessError::ObjectNonExistent)?;
        if !f.var.readable {
            return Err(DataAccessError::ObjectAccessDenied);
        }
        match f.var.dynamic.clone().or(f.scope_dynamic) {
            None => {
                let (t, d) = path::at(&f.var.ty, &f.var.value, &f.path)
                    .ok_or(DataAccessError::ObjectNonExistent)?;
                return match aa {
                    Some(aa) => path::apply(t, d, aa),
                    None => Ok(d.clone()),
                };
            }
            Some(dy) => (dy, f.top, f.path, f.var.ty.clone(), f.var.value.clone()),
        }
    };
    // The application's callback runs without the model's lock (it may call Model::set).
    let req = ValueRequest {
        association: info,
        variable: &top,
        path: &p,
    };
    let v = dynamic.read(&req, &stored)?.into_owned();
    if path::mismatch(&ty, &v).is_some() {
        return Err(DataAccessError::ObjectValueInvalid);
    }
    let (t, d) = path::at(&ty, &v, &p).ok_or(DataAccessError::ObjectNonExistent)?;
    match aa {
        Some(aa) => path::apply(t, d, aa),
        None => Ok(d.clone()),
    }
}

/// Read (ISO 9506-1 §14.6): one AccessResult per variable; a missing variable list is the
/// service error access / object-non-existent.
pub fn read(m: &Model, info: &AssociationInfo, q: &ReadRequest<'_>) -> ServiceResult {
    let ts = targets(m, info, &q.variable_access_specification, Operation::Read)?;
    let results = ts
        .iter()
        .map(|t| match t {
            Target::Named(n, aa) => match read_value(m, Some(info), n, aa.as_ref()) {
                Ok(d) => AccessResult::Success(d),
                Err(e) => AccessResult::Failure(e),
            },
            Target::Unsupported => AccessResult::Failure(DataAccessError::ObjectAccessUnsupported),
        })
        .collect();
    Ok(ConfirmedServiceResponse::Read(ReadResponse {
        variable_access_specification: q
            .specification_with_result
            .then(|| owned::access_spec(&q.variable_access_specification)),
        list_of_access_result: results,
    }))
}

fn write_value(
    m: &Model,
    info: &AssociationInfo,
    name: &ObjectName<'_>,
    aa: Option<&AlternateAccess<'_>>,
    value: &Data<'_>,
) -> Result<(), DataAccessError> {
    if !m.allowed(info, Operation::Write, &Object::Variable(name)) {
        return Err(DataAccessError::ObjectAccessDenied);
    }
    let (top, steps, dynamic, path_text): (_, Vec<Step>, Option<Arc<dyn DynamicValue>>, String) = {
        let objs = m.objects();
        let f = objs.find(name).ok_or(DataAccessError::ObjectNonExistent)?;
        let mut steps: Vec<Step> = f
            .path
            .split('$')
            .filter(|s| !s.is_empty())
            .map(|s| Step::Component(s.to_string()))
            .collect();
        if let Some(aa) = aa {
            steps.extend(path::steps(aa).ok_or(DataAccessError::ObjectAccessUnsupported)?);
        }
        // The component path the write reaches (up to the first array step).
        let mut path_text = String::new();
        for s in &steps {
            match s {
                Step::Component(c) => {
                    if !path_text.is_empty() {
                        path_text.push('$');
                    }
                    path_text.push_str(c);
                }
                _ => break,
            }
        }
        if !f.var.write.allows(&path_text) {
            return Err(DataAccessError::ObjectAccessDenied);
        }
        let ty = path::step_type(&f.var.ty, &steps)
            .ok_or(DataAccessError::ObjectAttributeInconsistent)?;
        if path::mismatch(&ty, value).is_some() {
            return Err(DataAccessError::TypeInconsistent);
        }
        (
            f.top,
            steps,
            f.var.dynamic.clone().or(f.scope_dynamic),
            path_text,
        )
    };
    if let Some(dy) = dynamic {
        let req = ValueRequest {
            association: Some(info),
            variable: &top,
            path: &path_text,
        };
        dy.write(&req, value)?;
    }
    let mut objs = m.objects_mut();
    let var = objs
        .scope_of_mut(&top)
        .and_then(|s| s.variables.get_mut(top.item()))
        .ok_or(DataAccessError::ObjectNonExistent)?;
    if path::store(&var.ty, &mut var.value, &steps, value.clone().into_owned()) {
        Ok(())
    } else {
        Err(DataAccessError::ObjectAttributeInconsistent)
    }
}

/// Write (ISO 9506-1 §14.7): one result per variable. A data list whose length differs from the
/// variable count is the service error definition / type-inconsistent.
pub fn write(m: &Model, info: &AssociationInfo, q: &WriteRequest<'_>) -> ServiceResult {
    let ts = targets(m, info, &q.variable_access_specification, Operation::Write)?;
    if ts.len() != q.list_of_data.len() {
        return Err(
            ServiceError::new(ErrorClass::Definition(DefinitionProblem::TypeInconsistent))
                .with_description(format!(
                    "{} variables but {} data values",
                    ts.len(),
                    q.list_of_data.len()
                )),
        );
    }
    let results = ts
        .iter()
        .zip(&q.list_of_data)
        .map(|(t, d)| match t {
            Target::Named(n, aa) => match write_value(m, info, n, aa.as_ref(), d) {
                Ok(()) => WriteResult::Success,
                Err(e) => WriteResult::Failure(e),
            },
            Target::Unsupported => WriteResult::Failure(DataAccessError::ObjectAccessUnsupported),
        })
        .collect();
    Ok(ConfirmedServiceResponse::Write(WriteResponse(results)))
}

/// GetVariableAccessAttributes (ISO 9506-1 §14.9) by name: mmsDeletable false, no address,
/// the type description. Unknown (or hidden) names: access / object-non-existent; by address:
/// access / object-access-unsupported.
pub fn get_attributes(
    m: &Model,
    info: &AssociationInfo,
    q: &GetVariableAccessAttributesRequest<'_>,
) -> ServiceResult {
    let GetVariableAccessAttributesRequest::Name(name) = q else {
        return Err(ServiceError::access_unsupported()
            .with_description("variables are not addressed by address"));
    };
    let missing =
        || ServiceError::object_non_existent().with_description(format!("no variable {name}"));
    if !m.allowed(info, Operation::Browse, &Object::Variable(name)) {
        return Err(missing());
    }
    let objs = m.objects();
    let f = objs.find(name).ok_or_else(missing)?;
    let ty = path::type_at(&f.var.ty, &f.path).ok_or_else(missing)?;
    Ok(ConfirmedServiceResponse::GetVariableAccessAttributes(
        GetVariableAccessAttributesResponse {
            mms_deletable: false,
            address: None,
            type_specification: TypeSpecification::TypeDescription(ty.clone()),
            access_control_list: None,
            meaning: None,
        },
    ))
}

//! The MMS [`Handler`] of the TASE.2 server: admission by bilateral table (IEC 60870-6-503
//! §8, through [`crate::server::policy::PeerTable`]), Read and Write of the TASE.2 objects
//! with behaviour, data-set bookkeeping per association, Transfer_Report_ACK / NACK, and
//! everything else handed to the object model (docs/tase2-server.md, "How it is built").

use std::sync::Arc;

use acse::security::Refusal;

use crate::access::{
    AccessResult, AlternateAccess, VariableAccessSpecification, VariableSpecification,
};
use crate::common::ObjectName;
use crate::data::{Data, DataAccessError};
use crate::initiate::{ParameterCbb, ServicesSupported};
use crate::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse, UnconfirmedService};
use crate::server::handler::{AssociationInfo, Handler, Reply, RequestContext, ServiceResult};
use crate::server::model::path::{self, Step};
use crate::server::model::{lists, owned, variables};
use crate::service_error::{ErrorClass, ResourceProblem, ServiceError};
use crate::services::variables::{
    DefineNamedVariableListRequest, DeleteNamedVariableListRequest,
    GetVariableAccessAttributesRequest, GetVariableAccessAttributesResponse, ReadRequest,
    ReadResponse, WriteRequest, WriteResponse, WriteResult,
};
use crate::services::vmd::{BasicObjectClass, GetNameListResponse, ObjectClass, ObjectScope};
use crate::tase2::names::{self, MmsObjectName};
use crate::tase2::time::TimeStamp;
use crate::tase2::{BilateralTableId, Tase2Type};
use crate::types::{TypeDescription, TypeSpecification};

use super::bilateral::Blt;
use super::objects::{Key, Obj};
use super::{devices, lock, reporting, transfer_sets, ServerEvent, Session, Shared};

pub(crate) struct Tase2Handler {
    pub shared: Arc<Shared>,
}

/// The one component an alternate access selects (`None`: several levels or other kinds).
fn single_component(aa: &AlternateAccess<'_>) -> Option<String> {
    match path::steps(aa)?.as_slice() {
        [Step::Component(c)] => Some(c.clone()),
        _ => None,
    }
}

impl Tase2Handler {
    fn blt(&self, info: &AssociationInfo) -> Option<Arc<Blt>> {
        self.shared.session_blt(info.id)
    }

    /// The prefix device of an unknown `<x>_SBO` or `<x>_TAG` name, to answer it as the
    /// public record says (a device without SBO or tag, a point that is no device).
    fn unknown_suffixed(&self, blt: &Blt, key: &Key, suffix: &str) -> Option<DataAccessError> {
        let head = key.item.strip_suffix(suffix)?;
        let k = Key {
            domain: key.domain.clone(),
            item: head.to_string(),
        };
        if !blt.scope_allowed(&self.shared.dir, &k) {
            return None;
        }
        match self.shared.dir.get_key(&k) {
            Some(Obj::Device(_)) if blt.devices.contains_key(&k) => {
                Some(if suffix == names::SBO_SUFFIX {
                    // Not a select-before-operate device (libtase2).
                    DataAccessError::ObjectAttributeInconsistent
                } else {
                    // The device has no tag.
                    DataAccessError::ObjectNonExistent
                })
            }
            Some(Obj::Point(_)) if suffix == names::SBO_SUFFIX && blt.read.contains(&k) => {
                // Not a control point.
                Some(DataAccessError::ObjectAccessUnsupported)
            }
            _ => None,
        }
    }

    /// One variable of a Read: `None` when the model serves it.
    fn read_item(
        &self,
        info: &AssociationInfo,
        blt: &Blt,
        n: &ObjectName<'_>,
        aa: Option<&AlternateAccess<'_>>,
    ) -> Option<Result<Data<'static>, DataAccessError>> {
        let shared = &self.shared;
        if let ObjectName::AaSpecific(item) = n {
            if item.as_ref() != names::IM_TRANSFER_SET {
                return Some(Err(DataAccessError::ObjectNonExistent));
            }
            if aa.is_some() {
                return Some(Err(DataAccessError::ObjectAccessUnsupported));
            }
            let on = lock(&shared.sessions)
                .get(&info.id)
                .is_some_and(|s| s.im_enabled);
            return Some(Ok(Data::Boolean(on)));
        }
        let key = Key::of(n)?;
        let obj = match shared.dir.get_key(&key) {
            Some(o) => o,
            None => {
                return self
                    .unknown_suffixed(blt, &key, names::SBO_SUFFIX)
                    .or_else(|| self.unknown_suffixed(blt, &key, names::TAG_SUFFIX))
                    .map(Err)
            }
        };
        let whole = |r: Result<Data<'static>, DataAccessError>| {
            if aa.is_some() {
                Err(DataAccessError::ObjectAccessUnsupported)
            } else {
                r
            }
        };
        match obj {
            // Checked before reserving: a refused read reserves nothing.
            Obj::NextDsts(icc) => Some(if aa.is_some() {
                Err(DataAccessError::ObjectAccessUnsupported)
            } else {
                transfer_sets::reserve(shared, info, blt, icc)
            }),
            Obj::Sbo(d) => Some(if aa.is_some() {
                Err(DataAccessError::ObjectAccessUnsupported)
            } else {
                devices::select(shared, info, blt, d)
            }),
            Obj::Tag(d) => Some(whole(devices::read_tag(shared, blt, d))),
            // Control points are written, not read.
            Obj::Device(_) => Some(Err(DataAccessError::ObjectAccessDenied)),
            Obj::BltId(icc) => {
                if !blt.icc_allowed(icc) {
                    return Some(Err(DataAccessError::ObjectAccessDenied));
                }
                let id = match &blt.id {
                    Some(id) => id.clone(),
                    None => shared
                        .dir
                        .iccs
                        .get(icc)
                        .map(|i| i.default_blt_id.clone())
                        .unwrap_or_default(),
                };
                Some(whole(
                    BilateralTableId::new(&id)
                        .map(|v| v.to_data())
                        .map_err(|_| DataAccessError::ObjectValueInvalid),
                ))
            }
            _ => None,
        }
    }

    fn read(&self, info: &AssociationInfo, q: &ReadRequest<'_>) -> ServiceResult {
        let shared = &self.shared;
        let VariableAccessSpecification::ListOfVariable(defs) = &q.variable_access_specification
        else {
            return variables::read(&shared.model, info, q);
        };
        let blt = self.blt(info).ok_or_else(ServiceError::access_denied)?;
        let results = defs
            .iter()
            .map(|d| {
                let VariableSpecification::Name(n) = &d.variable_specification else {
                    return AccessResult::Failure(DataAccessError::ObjectAccessUnsupported);
                };
                let aa = d.alternate_access.as_ref();
                let r = match self.read_item(info, &blt, n, aa) {
                    Some(r) => r,
                    None => variables::read_value(&shared.model, Some(info), n, aa),
                };
                match r {
                    Ok(v) => AccessResult::Success(v),
                    Err(e) => AccessResult::Failure(e),
                }
            })
            .collect();
        Ok(ConfirmedServiceResponse::Read(ReadResponse {
            variable_access_specification: q
                .specification_with_result
                .then(|| owned::access_spec(&q.variable_access_specification)),
            list_of_access_result: results,
        }))
    }

    /// One variable of a Write.
    fn write_item(
        &self,
        info: &AssociationInfo,
        blt: &Blt,
        n: &ObjectName<'_>,
        aa: Option<&AlternateAccess<'_>>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        let shared = &self.shared;
        if let ObjectName::AaSpecific(item) = n {
            if item.as_ref() != names::IM_TRANSFER_SET {
                return Err(DataAccessError::ObjectNonExistent);
            }
            if aa.is_some() {
                return Err(DataAccessError::ObjectAccessUnsupported);
            }
            let Data::Boolean(on) = value else {
                return Err(DataAccessError::TypeInconsistent);
            };
            if let Some(s) = lock(&shared.sessions).get_mut(&info.id) {
                s.im_enabled = *on;
            }
            return Ok(());
        }
        let Some(mut key) = Key::of(n) else {
            return Err(DataAccessError::ObjectNonExistent);
        };
        // A component of a transfer set (or of a point) may be named with a `$` path.
        let mut component: Option<String> = None;
        if shared.dir.get_key(&key).is_none() {
            if let Some((head, rest)) = key.item.split_once('$') {
                let k = Key {
                    domain: key.domain.clone(),
                    item: head.to_string(),
                };
                match shared.dir.get_key(&k) {
                    Some(Obj::TransferSet(_)) => {
                        if rest.contains('$') {
                            return Err(DataAccessError::ObjectAccessUnsupported);
                        }
                        component = Some(rest.to_string());
                        key = k;
                    }
                    // A component of a point: the model writes it, the point changed.
                    Some(Obj::Point(_)) => key = k,
                    _ => {}
                }
            }
        }
        let Some(obj) = shared.dir.get_key(&key) else {
            if let Some(e) = self.unknown_suffixed(blt, &key, names::TAG_SUFFIX) {
                return Err(e);
            }
            if self
                .unknown_suffixed(blt, &key, names::SBO_SUFFIX)
                .is_some()
            {
                return Err(DataAccessError::ObjectAccessDenied);
            }
            // The model answers (object-access-denied for unknown names, from the access
            // control).
            return self.model_write(info, n, aa, value);
        };
        match obj {
            Obj::TransferSet(ts) => {
                if let Some(aa) = aa {
                    if component.is_some() {
                        return Err(DataAccessError::ObjectAccessUnsupported);
                    }
                    component =
                        Some(single_component(aa).ok_or(DataAccessError::ObjectAccessUnsupported)?);
                }
                transfer_sets::write(shared, info, blt, ts, component.as_deref(), value)
            }
            Obj::Device(d) => {
                if aa.is_some() {
                    return Err(DataAccessError::ObjectAccessUnsupported);
                }
                devices::operate(shared, info, blt, d, value)
            }
            Obj::Tag(d) => {
                if aa.is_some() {
                    return Err(DataAccessError::ObjectAccessUnsupported);
                }
                devices::write_tag(shared, info, blt, d, value)
            }
            Obj::Point(_) => {
                self.model_write(info, n, aa, value)?;
                if let Some(v) = shared.model.get_name(&key.name()) {
                    shared.changed(&key, &v);
                }
                shared.event(ServerEvent::PointWritten {
                    association: info.id,
                    point: key.name(),
                    value: value.clone().into_owned(),
                });
                Ok(())
            }
            // Selects are reads (a write of `_SBO` is refused, as libtase2-like servers do);
            // the association objects and special variables are not written.
            _ => Err(DataAccessError::ObjectAccessDenied),
        }
    }

    fn model_write(
        &self,
        info: &AssociationInfo,
        n: &ObjectName<'_>,
        aa: Option<&AlternateAccess<'_>>,
        value: &Data<'_>,
    ) -> Result<(), DataAccessError> {
        let mut def = crate::access::VariableDef::name(n.clone());
        def.alternate_access = aa.cloned();
        let q = WriteRequest {
            variable_access_specification: VariableAccessSpecification::ListOfVariable(vec![def]),
            list_of_data: vec![value.clone()],
        };
        match variables::write(&self.shared.model, info, &q) {
            Ok(ConfirmedServiceResponse::Write(WriteResponse(r))) => match r.first() {
                Some(WriteResult::Success) => Ok(()),
                Some(WriteResult::Failure(e)) => Err(*e),
                None => Err(DataAccessError::ObjectNonExistent),
            },
            _ => Err(DataAccessError::ObjectAccessDenied),
        }
    }

    fn write(&self, info: &AssociationInfo, q: &WriteRequest<'_>) -> ServiceResult {
        let shared = &self.shared;
        let blt = self.blt(info).ok_or_else(ServiceError::access_denied)?;
        let targets: Vec<(ObjectName<'static>, Option<AlternateAccess<'static>>)> =
            match &q.variable_access_specification {
                VariableAccessSpecification::ListOfVariable(defs) => defs
                    .iter()
                    .map(|d| match &d.variable_specification {
                        VariableSpecification::Name(n) => (
                            n.clone().into_owned(),
                            d.alternate_access.as_ref().map(owned::alternate),
                        ),
                        // Not served: answered below as object-access-unsupported.
                        _ => (ObjectName::aa(""), None),
                    })
                    .collect(),
                VariableAccessSpecification::VariableListName(n) => {
                    let list = lists::find(&shared.model, info, n).ok_or_else(|| {
                        ServiceError::object_non_existent()
                            .with_description(format!("no variable list {n}"))
                    })?;
                    list.members
                        .into_iter()
                        .map(|m| (m.name, m.alternate_access))
                        .collect()
                }
            };
        if targets.len() != q.list_of_data.len() {
            return Err(ServiceError::new(ErrorClass::Definition(
                crate::service_error::DefinitionProblem::TypeInconsistent,
            ))
            .with_description(format!(
                "{} variables but {} data values",
                targets.len(),
                q.list_of_data.len()
            )));
        }
        let results = targets
            .iter()
            .zip(&q.list_of_data)
            .map(|((n, aa), v)| {
                if matches!(n, ObjectName::AaSpecific(i) if i.is_empty()) {
                    return WriteResult::Failure(DataAccessError::ObjectAccessUnsupported);
                }
                match self.write_item(info, &blt, n, aa.as_ref(), v) {
                    Ok(()) => WriteResult::Success,
                    Err(e) => WriteResult::Failure(e),
                }
            })
            .collect();
        Ok(ConfirmedServiceResponse::Write(WriteResponse(results)))
    }

    /// DefineNamedVariableList: the model defines it (in the partner's ICC domain or
    /// association-specific; VCC scope is refused by the access control with
    /// object-access-denied), bounded per association.
    fn define(
        &self,
        info: &AssociationInfo,
        q: &DefineNamedVariableListRequest<'_>,
    ) -> ServiceResult {
        let shared = &self.shared;
        let held = {
            let mut sessions = lock(&shared.sessions);
            let Some(s) = sessions.get_mut(&info.id) else {
                return Err(ServiceError::access_denied());
            };
            // Forget the ones deleted since.
            s.data_sets
                .retain(|n| lists::find(&shared.model, info, n).is_some());
            s.data_sets.len()
        };
        if held >= shared.limits.data_sets_per_association {
            return Err(ServiceError::new(ErrorClass::Resource(
                ResourceProblem::CapabilityUnavailable,
            ))
            .with_description(format!(
                "at most {} data sets per association",
                shared.limits.data_sets_per_association
            )));
        }
        let r = lists::define(&shared.model, info, q)?;
        if let Some(s) = lock(&shared.sessions).get_mut(&info.id) {
            s.data_sets.push(q.variable_list_name.clone().into_owned());
        }
        Ok(r)
    }

    fn delete(
        &self,
        info: &AssociationInfo,
        q: &DeleteNamedVariableListRequest<'_>,
    ) -> ServiceResult {
        let r = lists::delete(&self.shared.model, info, q)?;
        if let Some(s) = lock(&self.shared.sessions).get_mut(&info.id) {
            s.data_sets
                .retain(|n| lists::find(&self.shared.model, info, n).is_some());
        }
        Ok(r)
    }
}

impl Handler for Tase2Handler {
    fn services_supported(&self) -> ServicesSupported {
        self.shared.model.services_supported()
    }

    fn parameter_cbb(&self) -> ParameterCbb {
        ParameterCbb::libiec61850_like()
    }

    /// The bilateral table by calling AP-title and AE-qualifier: none matching (when tables
    /// are configured) is refused with calling-AP-title-not-recognized; an association below
    /// its table's security level with authentication-required. No tables: open mode.
    fn admit(&self, info: &AssociationInfo) -> Result<(), Refusal> {
        match self.shared.tables.select(info)? {
            None => Ok(()),
            Some(blt) => blt.policy.check(info).map_err(|v| v.refusal()),
        }
    }

    fn associated(&self, info: &AssociationInfo) -> Result<(), ServiceError<'static>> {
        let shared = &self.shared;
        let blt = match shared.tables.select(info) {
            Ok(Some(b)) => b.clone(),
            Ok(None) => Arc::new(Blt::open(info.id)),
            Err(_) => return Err(ServiceError::access_denied()),
        };
        match shared.rights.write() {
            Ok(mut r) => r.insert(info.id, blt.clone()),
            Err(e) => e.into_inner().insert(info.id, blt.clone()),
        };
        lock(&shared.sessions).insert(
            info.id,
            Session {
                info: Arc::new(info.clone()),
                blt: blt.clone(),
                im_enabled: false,
                data_sets: Vec::new(),
            },
        );
        shared.event(ServerEvent::Associated {
            association: info.id,
            table: blt.id.clone(),
        });
        Ok(())
    }

    fn confirmed(
        &self,
        ctx: &mut RequestContext<'_>,
        request: &ConfirmedServiceRequest<'_>,
    ) -> Reply {
        let info = ctx.association;
        use ConfirmedServiceRequest as R;
        match request {
            R::Read(q) => Reply::Now(self.read(info, q)),
            R::Write(q) => Reply::Now(self.write(info, q)),
            R::DefineNamedVariableList(q) => Reply::Now(self.define(info, q)),
            R::DeleteNamedVariableList(q) => Reply::Now(self.delete(info, q)),
            R::GetNameList(q)
                if q.object_scope == ObjectScope::AaSpecific
                    && q.object_class == ObjectClass::Basic(BasicObjectClass::NamedVariable) =>
            {
                // The one association-specific variable: IM_Transfer_Set (Block 4).
                let after = q.continue_after.as_deref();
                let list = if after.map_or(true, |a| a < names::IM_TRANSFER_SET) {
                    vec![names::IM_TRANSFER_SET.into()]
                } else {
                    Vec::new()
                };
                Reply::Now(Ok(ConfirmedServiceResponse::GetNameList(
                    GetNameListResponse {
                        list_of_identifier: list,
                        more_follows: false,
                    },
                )))
            }
            R::GetVariableAccessAttributes(GetVariableAccessAttributesRequest::Name(
                ObjectName::AaSpecific(n),
            )) if n.as_ref() == names::IM_TRANSFER_SET => {
                Reply::Now(Ok(ConfirmedServiceResponse::GetVariableAccessAttributes(
                    GetVariableAccessAttributesResponse {
                        mms_deletable: false,
                        address: None,
                        type_specification: TypeSpecification::TypeDescription(
                            TypeDescription::Boolean,
                        ),
                        access_control_list: None,
                        meaning: None,
                    },
                )))
            }
            _ => self.shared.model.confirmed(ctx, request),
        }
    }

    /// Transfer_Report_ACK and Transfer_Report_NACK from the partner (IEC 60870-6-503
    /// critical reports): an InformationReport whose first variable is `<ICC>/
    /// Transfer_Report_ACK` (or NACK) = the transfer set's MMSObjectName, with
    /// `Transfer_Set_Time_Stamp` after it in an ACK.
    fn unconfirmed(&self, info: &AssociationInfo, service: &UnconfirmedService<'_>) {
        let UnconfirmedService::InformationReport(r) = service else {
            return;
        };
        let VariableAccessSpecification::ListOfVariable(defs) = &r.variable_access_specification
        else {
            return;
        };
        let item = |i: usize| {
            defs.get(i).and_then(|d| match &d.variable_specification {
                VariableSpecification::Name(n) => Some(n.item().to_string()),
                _ => None,
            })
        };
        let ack = match item(0).as_deref() {
            Some(names::TRANSFER_REPORT_ACK) => true,
            Some(names::TRANSFER_REPORT_NACK) => false,
            _ => {
                log::debug!("association {}: informationReport ignored", info.id);
                return;
            }
        };
        let value = |i: usize| r.list_of_access_result.get(i).and_then(|a| a.data());
        let name = value(0).and_then(|d| MmsObjectName::from_data(d).ok());
        let time = if item(1).as_deref() == Some(names::TRANSFER_SET_TIME_STAMP) {
            value(1).and_then(|d| TimeStamp::from_data(d).ok())
        } else {
            None
        };
        reporting::acknowledge(&self.shared, info.id, ack, name, time);
    }

    fn closed(&self, info: &AssociationInfo) {
        let shared = &self.shared;
        let session = lock(&shared.sessions).remove(&info.id);
        match shared.rights.write() {
            Ok(mut r) => r.remove(&info.id),
            Err(e) => e.into_inner().remove(&info.id),
        };
        transfer_sets::release(shared, info.id);
        devices::release(shared, info.id);
        shared.model.closed(info);
        let Some(session) = session else {
            return;
        };
        if shared.limits.delete_client_data_sets {
            let mut objs = shared.model.objects_mut();
            for n in &session.data_sets {
                if let Some(scope) = objs.scope_of_mut(n) {
                    if scope.lists.get(n.item()).is_some_and(|l| l.deletable) {
                        scope.lists.remove(n.item());
                    }
                }
            }
        }
        shared.event(ServerEvent::Closed {
            association: info.id,
        });
    }
}

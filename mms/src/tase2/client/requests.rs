//! The MMS requests of a TASE.2 client, built and read without I/O (IEC 60870-6-503 services
//! over ISO 9506 Read, Write and InformationReport): what the blocking
//! [`super::Client`] sends, for a non-blocking [`crate::client::Connection`] user to send the
//! same (docs/tase2-client.md, "Without the blocking client").
//!
//! Builders return a [`ConfirmedServiceRequest`]; the `*_results` functions turn the answer
//! into one result per variable.

use crate::access::{AccessResult, AlternateAccess, VariableAccessSpecification, VariableDef};
use crate::common::ObjectName;
use crate::data::{Data, DataAccessError};
use crate::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse};
use crate::services::variables::{ReadRequest, WriteRequest, WriteResult};
use crate::tase2::names::{
    BILATERAL_TABLE_ID, IM_TRANSFER_SET, NEXT_DS_TRANSFER_SET, SBO_SUFFIX, SUPPORTED_FEATURES,
    TAG_SUFFIX, TASE2_VERSION,
};
use crate::tase2::{DsTransferSet, Edition, MmsObjectName, TagValue, Tase2Type};

/// The three association objects, in the order [`association_read`] reads them:
/// VMD `TASE2_Version`, VMD `Supported_Features`, `<icc>/Bilateral_Table_ID`.
pub fn association_names(icc: &str) -> [ObjectName<'static>; 3] {
    [
        ObjectName::vmd(TASE2_VERSION),
        ObjectName::vmd(SUPPORTED_FEATURES),
        ObjectName::domain(icc.to_owned(), BILATERAL_TABLE_ID),
    ]
}

/// Read of the association objects of ICC `icc` (Block 1): one request, three variables.
pub fn association_read(icc: &str) -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Read(ReadRequest::names(association_names(icc)))
}

/// Read of `<icc>/Next_DSTransfer_Set`, which reserves a DS transfer set for this association.
pub fn next_transfer_set_read(icc: &str) -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Read(ReadRequest::names([ObjectName::domain(
        icc.to_owned(),
        NEXT_DS_TRANSFER_SET,
    )]))
}

/// Write of the whole DSTransferSet `ts` in the edition's layout (12 or 13 components).
pub fn transfer_set_write(
    ts: &MmsObjectName,
    set: &DsTransferSet,
    edition: Edition,
) -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Write(WriteRequest::single(
        ts.to_object_name().into_owned(),
        set.to_data(edition),
    ))
}

/// The components of a DSTransferSet written one by one, Status excepted, in structure
/// order: DataSetName … EventCodeRequested (AllChangesReported in 2000.08 only).
fn component_values(set: &DsTransferSet, edition: Edition) -> Vec<(&'static str, Data<'static>)> {
    let whole = set.to_data(edition);
    let names = DsTransferSet::component_names(edition);
    let values = whole.as_list().map(|l| l.to_vec()).unwrap_or_default();
    names
        .iter()
        .copied()
        .zip(values)
        .filter(|(n, _)| *n != "Status")
        .collect()
}

/// Write of every DSTransferSet component but Status, each with an alternate access selecting
/// the component, in one request (the component form; enable afterwards with
/// [`transfer_set_status_write`]).
pub fn transfer_set_components_write(
    ts: &MmsObjectName,
    set: &DsTransferSet,
    edition: Edition,
) -> ConfirmedServiceRequest<'static> {
    let name = ts.to_object_name().into_owned();
    let (vars, data): (Vec<_>, Vec<_>) = component_values(set, edition)
        .into_iter()
        .map(|(c, d)| (component(&name, c), d))
        .unzip();
    ConfirmedServiceRequest::Write(WriteRequest {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(vars),
        list_of_data: data,
    })
}

/// How many variables [`transfer_set_components_write`] writes in `edition`.
pub fn component_count(edition: Edition) -> usize {
    DsTransferSet::component_names(edition).len() - 1
}

/// Write of the `Status` component alone: enables (true) or disables (false) the transfer
/// set.
pub fn transfer_set_status_write(ts: &MmsObjectName, on: bool) -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Write(WriteRequest {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(vec![
            component(&ts.to_object_name().into_owned(), "Status"),
        ]),
        list_of_data: vec![Data::Boolean(on)],
    })
}

/// Read of the DSTransferSet `ts`.
pub fn transfer_set_read(ts: &MmsObjectName) -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Read(ReadRequest::names([ts.to_object_name().into_owned()]))
}

fn component(name: &ObjectName<'static>, c: &'static str) -> VariableDef<'static> {
    VariableDef {
        variable_specification: name.clone().into(),
        alternate_access: Some(AlternateAccess::component(c)),
    }
}

/// Write of the association-specific `IM_Transfer_Set` (Block 4): true enables information
/// messages on this association, false disables them.
pub fn im_transfer_set_write(on: bool) -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Write(WriteRequest::single(
        ObjectName::aa(IM_TRANSFER_SET),
        Data::Boolean(on),
    ))
}

/// The name of a device's variable with `suffix` appended, in the device's scope.
fn with_suffix(device: &ObjectName<'_>, suffix: &str) -> ObjectName<'static> {
    match device {
        ObjectName::VmdSpecific(n) => ObjectName::vmd(format!("{n}{suffix}")),
        ObjectName::AaSpecific(n) => ObjectName::aa(format!("{n}{suffix}")),
        ObjectName::DomainSpecific { domain_id, item_id } => {
            ObjectName::domain(domain_id.to_string(), format!("{item_id}{suffix}"))
        }
    }
}

/// `<device>_SBO`, the select variable of a select-before-operate device (Block 5).
pub fn sbo_name(device: &ObjectName<'_>) -> ObjectName<'static> {
    with_suffix(device, SBO_SUFFIX)
}

/// `<device>_TAG`, the tag variable of a device (Block 5).
pub fn tag_name(device: &ObjectName<'_>) -> ObjectName<'static> {
    with_suffix(device, TAG_SUFFIX)
}

/// Select (Block 5): a **Read** of `<device>_SBO`; the answer is the CheckBackName.
pub fn select_read(device: &ObjectName<'_>) -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Read(ReadRequest::names([sbo_name(device)]))
}

/// Operate (Block 5): a Write of the command or set-point value to `<device>`.
pub fn operate_write(
    device: &ObjectName<'_>,
    value: Data<'static>,
) -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Write(WriteRequest::single(device.clone().into_owned(), value))
}

/// Set tag (Block 5): a Write of the TagValue to `<device>_TAG`.
pub fn tag_write(device: &ObjectName<'_>, tag: &TagValue) -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Write(WriteRequest::single(tag_name(device), tag.to_data()))
}

/// Get tag (Block 5): a Read of `<device>_TAG`.
pub fn tag_read(device: &ObjectName<'_>) -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Read(ReadRequest::names([tag_name(device)]))
}

/// The answer was not the one the request calls for, or had another number of results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unexpected answer: {0}")]
pub struct UnexpectedAnswer(pub &'static str);

/// The results of a Read response, one per variable; `asked` (when given) must match.
pub fn read_results(
    r: &ConfirmedServiceResponse<'_>,
    asked: Option<usize>,
) -> Result<Vec<Result<Data<'static>, DataAccessError>>, UnexpectedAnswer> {
    let ConfirmedServiceResponse::Read(r) = r else {
        return Err(UnexpectedAnswer("not a Read response"));
    };
    if asked.is_some_and(|a| a != r.list_of_access_result.len()) {
        return Err(UnexpectedAnswer("another number of Read results"));
    }
    Ok(r.list_of_access_result
        .iter()
        .map(|a| match a {
            AccessResult::Success(d) => Ok(d.clone().into_owned()),
            AccessResult::Failure(e) => Err(*e),
        })
        .collect())
}

/// The results of a Write response, one per variable; there must be `asked` of them.
pub fn write_results(
    r: &ConfirmedServiceResponse<'_>,
    asked: usize,
) -> Result<Vec<Result<(), DataAccessError>>, UnexpectedAnswer> {
    let ConfirmedServiceResponse::Write(w) = r else {
        return Err(UnexpectedAnswer("not a Write response"));
    };
    if w.0.len() != asked {
        return Err(UnexpectedAnswer("another number of Write results"));
    }
    Ok(w.0
        .iter()
        .map(|r| match r {
            WriteResult::Success => Ok(()),
            WriteResult::Failure(e) => Err(*e),
        })
        .collect())
}

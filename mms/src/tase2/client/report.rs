//! Decoding the InformationReports a TASE.2 server sends (IEC 60870-6-503 DS transfer reports,
//! Blocks 1 and 2; information messages, Block 4) into typed values, without any I/O
//! (docs/tase2-client.md, "Report decoding").
//!
//! A [`ReportDecoder`] knows the data sets the client uses ([`DataSetLayout`]: the members
//! with the TASE.2 type of each point) and the transfer sets bound to them
//! ([`TransferSetBinding`]). [`ReportDecoder::decode`] takes one InformationReport and says
//! what it is ([`Incoming`]):
//!
//! * a DS transfer report in either form: the named-variable-list form (the data set's name
//!   and one value per member, in member order) or the list-of-variables form (each value
//!   named, `Transfer_Set_Name` normally first, names may repeat) → [`DsReport`];
//! * an information message (`Info_Mess_Header` + `Info_Buff_<n>`) → [`InfoMessage`];
//! * a report naming a transfer set or data set the decoder does not know → [`UnknownReport`],
//!   which [`UnknownReport::nack`] answers with Transfer_Report_NACK;
//! * a TASE.2 report of the wrong shape → [`ReportError`];
//! * anything else (an IEC 61850 report, say) → [`Incoming::Other`].
//!
//! The decoder is pure: a non-blocking [`crate::client::Connection`] user calls it on each
//! `ClientEvent::Unconfirmed` and sends what [`DsReport::ack`] / [`UnknownReport::nack`]
//! build with `Connection::send_unconfirmed`.

use std::collections::HashMap;

use super::info::{decode_info_message, is_info_message, InfoMessage};
use crate::access::{AccessResult, VariableAccessSpecification, VariableSpecification};
use crate::common::ObjectName;
use crate::data::{Data, DataAccessError};
use crate::pdu::{MmsPdu, UnconfirmedService};
use crate::services::variables::InformationReport;
use crate::tase2::names::{
    DS_CONDITIONS_DETECTED, EVENT_CODE_DETECTED, TRANSFER_REPORT_ACK, TRANSFER_REPORT_NACK,
    TRANSFER_SET_NAME, TRANSFER_SET_TIME_STAMP,
};
use crate::tase2::{
    DsConditions, EventCode, MmsObjectName, Point, PointType, Scope, TagValue, Tase2Error,
    Tase2Type, TimeStamp,
};

/// What one member of a data set holds, for decoding its value in a report (IEC 60870-6-802
/// data sets: the special report variables, then points).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MemberKind {
    /// `Transfer_Set_Name`: the MMSObjectName of the reporting transfer set.
    TransferSetName,
    /// `Transfer_Set_Time_Stamp`: GMTBasedS of the report.
    TransferSetTimeStamp,
    /// `DSConditions_Detected`: what caused the report.
    DsConditionsDetected,
    /// `Event_Code_Detected`: the event code of the report.
    EventCodeDetected,
    /// An indication point of this type (Block 1).
    Point(PointType),
    /// A device's `<device>_TAG` (TagValue, Block 5).
    Tag,
    /// A variable of no TASE.2 type known here: its value is kept as MMS `Data`.
    Other,
}

impl MemberKind {
    /// The kind of a special report variable named `item` (any scope), if it is one.
    pub fn special(item: &str) -> Option<MemberKind> {
        match item {
            TRANSFER_SET_NAME => Some(MemberKind::TransferSetName),
            TRANSFER_SET_TIME_STAMP => Some(MemberKind::TransferSetTimeStamp),
            DS_CONDITIONS_DETECTED => Some(MemberKind::DsConditionsDetected),
            EVENT_CODE_DETECTED => Some(MemberKind::EventCodeDetected),
            _ => None,
        }
    }
}

/// One member of a data set: its MMS name and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataSetMember {
    /// The member's variable.
    pub name: ObjectName<'static>,
    /// How its value decodes.
    pub kind: MemberKind,
}

impl DataSetMember {
    /// A member of the given kind.
    pub fn new(name: ObjectName<'static>, kind: MemberKind) -> DataSetMember {
        DataSetMember { name, kind }
    }

    /// An indication point of type `ty`.
    pub fn point(name: ObjectName<'static>, ty: PointType) -> DataSetMember {
        DataSetMember::new(name, MemberKind::Point(ty))
    }

    /// The special variable of `kind` in ICC `icc` (`<icc>/Transfer_Set_Name` …); `None` when
    /// `kind` is not a special variable.
    pub fn special(icc: &str, kind: MemberKind) -> Option<DataSetMember> {
        let item = match kind {
            MemberKind::TransferSetName => TRANSFER_SET_NAME,
            MemberKind::TransferSetTimeStamp => TRANSFER_SET_TIME_STAMP,
            MemberKind::DsConditionsDetected => DS_CONDITIONS_DETECTED,
            MemberKind::EventCodeDetected => EVENT_CODE_DETECTED,
            _ => return None,
        };
        Some(DataSetMember::new(
            ObjectName::domain(icc.to_owned(), item),
            kind,
        ))
    }
}

/// A data set (an MMS named variable list, IEC 60870-6-802 data sets) as the client knows
/// it: its name and its members in order, each with the type its values decode as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSetLayout {
    /// The named variable list.
    pub name: ObjectName<'static>,
    /// The members, in list order.
    pub members: Vec<DataSetMember>,
}

impl DataSetLayout {
    /// A layout from its members.
    pub fn new(name: ObjectName<'static>, members: Vec<DataSetMember>) -> DataSetLayout {
        DataSetLayout { name, members }
    }

    /// The usual layout of a data set for a DS transfer set: `<icc>/<name>` =
    /// [Transfer_Set_Name, Transfer_Set_Time_Stamp, DSConditions_Detected,
    /// (Event_Code_Detected,) points…], the special variables in the ICC domain
    /// (docs/tase2-client.md, "Data sets").
    pub fn standard(
        icc: &str,
        name: &str,
        with_event_code: bool,
        points: impl IntoIterator<Item = (ObjectName<'static>, PointType)>,
    ) -> DataSetLayout {
        let mut kinds = vec![
            MemberKind::TransferSetName,
            MemberKind::TransferSetTimeStamp,
            MemberKind::DsConditionsDetected,
        ];
        if with_event_code {
            kinds.push(MemberKind::EventCodeDetected);
        }
        let mut members: Vec<DataSetMember> = kinds
            .into_iter()
            .filter_map(|k| DataSetMember::special(icc, k))
            .collect();
        members.extend(points.into_iter().map(|(n, t)| DataSetMember::point(n, t)));
        DataSetLayout {
            name: ObjectName::domain(icc.to_owned(), name.to_owned()),
            members,
        }
    }

    /// The member names, in order (for DefineNamedVariableList).
    pub fn member_names(&self) -> Vec<ObjectName<'static>> {
        self.members.iter().map(|m| m.name.clone()).collect()
    }

    /// The kind of the member named `name` (the first one, if listed twice).
    pub fn kind_of(&self, name: &ObjectName<'_>) -> Option<MemberKind> {
        self.members
            .iter()
            .find(|m| m.name == *name)
            .map(|m| m.kind)
    }
}

/// A DS transfer set the client has configured, and the data set it reports.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TransferSetBinding {
    /// The transfer set (as `Next_DSTransfer_Set` gave it).
    pub transfer_set: MmsObjectName,
    /// Its `DataSetName` as an MMS name.
    pub data_set: ObjectName<'static>,
    /// Its `Critical` component: reports are to be acknowledged.
    pub critical: bool,
}

impl TransferSetBinding {
    /// Transfer set `transfer_set` reporting data set `data_set`, `critical` or not.
    pub fn new(
        transfer_set: MmsObjectName,
        data_set: ObjectName<'static>,
        critical: bool,
    ) -> TransferSetBinding {
        TransferSetBinding {
            transfer_set,
            data_set,
            critical,
        }
    }
}

/// Which of the two InformationReport forms a DS transfer report came in (docs/tase2-client.md,
/// "Report decoding").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportForm {
    /// `variableListName` = the data set; one value per member, in member order.
    NamedList,
    /// `listOfVariable`: each value named (RBE reports; names may repeat).
    ListOfVariables,
}

/// A reported member value, decoded with the member's type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ReportedValue {
    /// An indication point.
    Point(Point),
    /// A device tag (`<device>_TAG`).
    Tag(TagValue),
    /// A member of kind [`MemberKind::Other`]: the value as sent.
    Data(Data<'static>),
}

impl ReportedValue {
    /// The point, if it is one.
    pub fn point(&self) -> Option<&Point> {
        match self {
            ReportedValue::Point(p) => Some(p),
            _ => None,
        }
    }
}

/// Why one reported value could not be given typed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PointError {
    /// The server reported a DataAccessError for this member (ISO 9506-2 §14.4.3).
    #[error("access error: {0}")]
    Access(DataAccessError),
    /// The value does not have the shape of the member's type.
    #[error(transparent)]
    Shape(#[from] Tase2Error),
    /// A list-of-variables report named a variable that is not a member of the transfer
    /// set's data set (or the data set's layout is not known): the value is kept as sent.
    #[error("not a member of the data set")]
    NotInDataSet(Data<'static>),
}

/// One value of a report: the member's name and its decoded value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReportedPoint {
    /// The variable.
    pub name: ObjectName<'static>,
    /// The value, or why it is not available typed.
    pub value: Result<ReportedValue, PointError>,
}

/// A decoded DS transfer report (IEC 60870-6-503 DS transfer set reporting; docs/tase2-client.md,
/// "Report decoding").
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DsReport {
    /// The transfer set that reported (from `Transfer_Set_Name`, or the binding of the data
    /// set when the data set has no `Transfer_Set_Name` member).
    pub transfer_set: MmsObjectName,
    /// The data set, when known.
    pub data_set: Option<ObjectName<'static>>,
    /// Which form the report came in.
    pub form: ReportForm,
    /// `Transfer_Set_Time_Stamp`, when the report carried it.
    pub time_stamp: Option<TimeStamp>,
    /// `DSConditions_Detected`, when the report carried it.
    pub conditions: Option<DsConditions>,
    /// `Event_Code_Detected`, when the report carried it.
    pub event_code: Option<EventCode>,
    /// The other values, in the order sent (a name may repeat when the server reports every
    /// change, AllChangesReported).
    pub points: Vec<ReportedPoint>,
    /// The transfer set was configured `Critical`: the report is to be acknowledged.
    pub critical: bool,
}

impl DsReport {
    /// The Transfer_Report_ACK of this report (IEC 60870-6-503 critical reports): an
    /// InformationReport, list of variables [`<ICC>/Transfer_Report_ACK` = the transfer set's
    /// MMSObjectName, `<ICC>/Transfer_Set_Time_Stamp` = the report's time stamp]; the time
    /// stamp is left out when the report had none.
    pub fn ack(&self) -> UnconfirmedService<'static> {
        let mut vars = vec![(
            special_name(&self.transfer_set, TRANSFER_REPORT_ACK),
            self.transfer_set.to_data(),
        )];
        if let Some(t) = self.time_stamp {
            vars.push((
                special_name(&self.transfer_set, TRANSFER_SET_TIME_STAMP),
                t.to_data(),
            ));
        }
        information_report(vars)
    }

    /// The values that decoded as points, with their names.
    pub fn typed_points(&self) -> impl Iterator<Item = (&ObjectName<'static>, &Point)> {
        self.points.iter().filter_map(|p| match &p.value {
            Ok(ReportedValue::Point(v)) => Some((&p.name, v)),
            _ => None,
        })
    }
}

/// A report for a transfer set or data set the decoder does not know: the client answers
/// it with Transfer_Report_NACK when it can name the transfer set (docs/tase2-client.md,
/// "Critical reports, ACK and NACK").
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownReport {
    /// The transfer set the report named, if it named one that decodes.
    pub transfer_set: Option<MmsObjectName>,
    /// The data set of a named-variable-list report.
    pub data_set: Option<ObjectName<'static>>,
}

impl UnknownReport {
    /// The Transfer_Report_NACK for it: an InformationReport, list of variables
    /// [`<ICC>/Transfer_Report_NACK` = the transfer set's MMSObjectName]; `None` when the
    /// report named no transfer set.
    pub fn nack(&self) -> Option<UnconfirmedService<'static>> {
        self.transfer_set.as_ref().map(nack_for)
    }
}

/// The Transfer_Report_NACK for transfer set `ts`.
pub fn nack_for(ts: &MmsObjectName) -> UnconfirmedService<'static> {
    information_report(vec![(special_name(ts, TRANSFER_REPORT_NACK), ts.to_data())])
}

/// A TASE.2 report that could not be decoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The number of values differs from the number of variables (list-of-variables form) or
    /// of data-set members (named-variable-list form).
    #[error("{values} values for {expected} variables")]
    WrongValueCount {
        /// Variables or members.
        expected: usize,
        /// Values received.
        values: usize,
    },
    /// A list-of-variables report with a variable that is not given by name.
    #[error("a variable of the report is not named")]
    UnnamedVariable,
    /// A special variable (Transfer_Set_Name, Transfer_Set_Time_Stamp, DSConditions_Detected,
    /// Event_Code_Detected) or an information message part has the wrong shape.
    #[error("{what}: {error}")]
    Special {
        /// The variable.
        what: &'static str,
        /// Why.
        error: Tase2Error,
    },
    /// `Transfer_Set_Name` came as a DataAccessError: the transfer set cannot be named.
    #[error("Transfer_Set_Name: access error {0}")]
    NoTransferSetName(DataAccessError),
    /// An information message whose header says more octets than its buffer holds, or a
    /// negative size.
    #[error("information message: Size {size} but the buffer has {buffer} octets")]
    InfoSize {
        /// `Info_Mess_Header.Size`.
        size: i32,
        /// Octets in `Info_Buff_<n>`.
        buffer: usize,
    },
    /// An information message whose header or buffer is missing or came as an access error.
    #[error("information message: {0}")]
    InfoMessage(&'static str),
}

/// What an InformationReport is, for a TASE.2 client.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Incoming {
    /// A DS transfer report of a known transfer set.
    Report(DsReport),
    /// An information message (Block 4).
    InfoMessage(InfoMessage),
    /// A report of a transfer set or data set not known: NACK it.
    Unknown(UnknownReport),
    /// A TASE.2 report of the wrong shape.
    Malformed(ReportError),
    /// Not a TASE.2 report.
    Other,
}

/// The longest list of data sets and transfer sets a decoder keeps (a bound on what a
/// client registers; more are refused).
pub const MAX_REGISTERED: usize = 4096;

/// Decodes InformationReports with the data sets and transfer sets it knows. Pure: no I/O,
/// usable from a `mio` loop (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct ReportDecoder {
    layouts: HashMap<ObjectName<'static>, Indexed>,
    sets: HashMap<MmsObjectName, TransferSetBinding>,
}

/// A layout with its members by item name, so that a list-of-variables report finds each
/// variable's kind without scanning a data set of thousands of members.
#[derive(Debug, Clone)]
struct Indexed {
    layout: DataSetLayout,
    by_item: HashMap<String, Vec<(ObjectName<'static>, MemberKind)>>,
}

impl Indexed {
    fn new(layout: DataSetLayout) -> Indexed {
        let mut by_item: HashMap<String, Vec<(ObjectName<'static>, MemberKind)>> = HashMap::new();
        for m in &layout.members {
            let v = by_item.entry(m.name.item().to_string()).or_default();
            // The first member of a name gives its kind, as in [`DataSetLayout::kind_of`].
            if !v.iter().any(|(n, _)| *n == m.name) {
                v.push((m.name.clone(), m.kind));
            }
        }
        Indexed { layout, by_item }
    }

    fn kind_of(&self, name: &ObjectName<'_>) -> Option<MemberKind> {
        self.by_item
            .get(name.item())?
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, k)| *k)
    }
}

/// A decoder's registry is full ([`MAX_REGISTERED`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the report decoder knows {MAX_REGISTERED} data sets or transfer sets already")]
pub struct RegistryFull;

impl ReportDecoder {
    /// A decoder that knows nothing yet.
    pub fn new() -> ReportDecoder {
        ReportDecoder::default()
    }

    /// Adds (or replaces) a data set's layout.
    pub fn add_data_set(&mut self, layout: DataSetLayout) -> Result<(), RegistryFull> {
        if !self.layouts.contains_key(&layout.name) && self.layouts.len() >= MAX_REGISTERED {
            return Err(RegistryFull);
        }
        self.layouts
            .insert(layout.name.clone(), Indexed::new(layout));
        Ok(())
    }

    /// Forgets a data set's layout.
    pub fn remove_data_set(&mut self, name: &ObjectName<'_>) -> Option<DataSetLayout> {
        self.layouts
            .remove(&name.clone().into_owned())
            .map(|i| i.layout)
    }

    /// The layout of data set `name`.
    pub fn data_set(&self, name: &ObjectName<'_>) -> Option<&DataSetLayout> {
        self.layouts
            .get(&name.clone().into_owned())
            .map(|i| &i.layout)
    }

    /// Binds (or rebinds) a transfer set to its data set.
    pub fn bind(&mut self, binding: TransferSetBinding) -> Result<(), RegistryFull> {
        if !self.sets.contains_key(&binding.transfer_set) && self.sets.len() >= MAX_REGISTERED {
            return Err(RegistryFull);
        }
        self.sets.insert(binding.transfer_set.clone(), binding);
        Ok(())
    }

    /// Forgets a transfer set: its later reports are unknown (and NACKed).
    pub fn unbind(&mut self, ts: &MmsObjectName) -> Option<TransferSetBinding> {
        self.sets.remove(ts)
    }

    /// The binding of transfer set `ts`.
    pub fn binding(&self, ts: &MmsObjectName) -> Option<&TransferSetBinding> {
        self.sets.get(ts)
    }

    /// Decodes an encoded MMSpdu: an unconfirmed informationReport is decoded with
    /// [`ReportDecoder::decode`]; any other PDU is [`Incoming::Other`].
    pub fn decode_pdu(&self, pdu: &[u8]) -> Incoming {
        match MmsPdu::decode(pdu) {
            Ok(MmsPdu::Unconfirmed(u)) => match &u.service {
                UnconfirmedService::InformationReport(r) => self.decode(r),
                _ => Incoming::Other,
            },
            _ => Incoming::Other,
        }
    }

    /// What `report` is (see the module documentation).
    pub fn decode(&self, report: &InformationReport<'_>) -> Incoming {
        match &report.variable_access_specification {
            VariableAccessSpecification::VariableListName(list) => {
                self.named_list(list, &report.list_of_access_result)
            }
            VariableAccessSpecification::ListOfVariable(vars) => {
                let mut names = Vec::with_capacity(vars.len());
                for v in vars {
                    match (&v.variable_specification, &v.alternate_access) {
                        (VariableSpecification::Name(n), None) => names.push(n),
                        _ => {
                            // Not something a TASE.2 server sends; only a problem if it
                            // otherwise looks like a TASE.2 report.
                            names.clear();
                            break;
                        }
                    }
                }
                if names.len() != vars.len() {
                    return if vars.iter().any(|v| {
                        matches!(&v.variable_specification, VariableSpecification::Name(n)
                            if n.item() == TRANSFER_SET_NAME)
                    }) {
                        Incoming::Malformed(ReportError::UnnamedVariable)
                    } else {
                        Incoming::Other
                    };
                }
                self.list_of_variables(&names, &report.list_of_access_result)
            }
        }
    }

    fn named_list(&self, list: &ObjectName<'_>, values: &[AccessResult<'_>]) -> Incoming {
        let owned = list.clone().into_owned();
        let Some(layout) = self.layouts.get(&owned).map(|i| &i.layout) else {
            // An unknown data set: a TASE.2 report if its first value is an MMSObjectName
            // (Transfer_Set_Name, normally the first member); then NACK it.
            return match values.first().and_then(AccessResult::data) {
                Some(d) => match MmsObjectName::from_data(d) {
                    Ok(ts) => Incoming::Unknown(UnknownReport {
                        transfer_set: Some(ts),
                        data_set: Some(owned),
                    }),
                    Err(_) => Incoming::Other,
                },
                None => Incoming::Other,
            };
        };
        if layout.members.len() != values.len() {
            return Incoming::Malformed(ReportError::WrongValueCount {
                expected: layout.members.len(),
                values: values.len(),
            });
        }
        let mut acc = Accumulator::default();
        for (m, v) in layout.members.iter().zip(values) {
            if let Err(e) = acc.add(&m.name, Some(m.kind), v) {
                return Incoming::Malformed(e);
            }
        }
        // The transfer set: the one the report names, or the one bound to this data set.
        let ts = match acc.transfer_set.take() {
            Some(ts) => ts,
            None => match self.sets.values().find(|b| b.data_set == owned) {
                Some(b) => b.transfer_set.clone(),
                None => {
                    return Incoming::Unknown(UnknownReport {
                        transfer_set: None,
                        data_set: Some(owned),
                    })
                }
            },
        };
        match self.sets.get(&ts) {
            Some(b) => Incoming::Report(acc.finish(ts, Some(owned), ReportForm::NamedList, b)),
            None => Incoming::Unknown(UnknownReport {
                transfer_set: Some(ts),
                data_set: Some(owned),
            }),
        }
    }

    fn list_of_variables(
        &self,
        names: &[&ObjectName<'_>],
        values: &[AccessResult<'_>],
    ) -> Incoming {
        if is_info_message(names) {
            if names.len() != values.len() {
                return Incoming::Malformed(ReportError::WrongValueCount {
                    expected: names.len(),
                    values: values.len(),
                });
            }
            return match decode_info_message(names, values) {
                Ok(m) => Incoming::InfoMessage(m),
                Err(e) => Incoming::Malformed(e),
            };
        }
        // Transfer_Set_Name identifies a DS transfer report. It should come first (one
        // vendor's client refuses it elsewhere); it is accepted anywhere here.
        let Some(ts_index) = names.iter().position(|n| n.item() == TRANSFER_SET_NAME) else {
            return Incoming::Other;
        };
        if names.len() != values.len() {
            return Incoming::Malformed(ReportError::WrongValueCount {
                expected: names.len(),
                values: values.len(),
            });
        }
        let ts = match values.get(ts_index) {
            Some(AccessResult::Success(d)) => match MmsObjectName::from_data(d) {
                Ok(ts) => ts,
                Err(error) => {
                    return Incoming::Malformed(ReportError::Special {
                        what: TRANSFER_SET_NAME,
                        error,
                    })
                }
            },
            Some(AccessResult::Failure(e)) => {
                return Incoming::Malformed(ReportError::NoTransferSetName(*e))
            }
            None => {
                return Incoming::Malformed(ReportError::WrongValueCount {
                    expected: names.len(),
                    values: values.len(),
                })
            }
        };
        let Some(binding) = self.sets.get(&ts) else {
            return Incoming::Unknown(UnknownReport {
                transfer_set: Some(ts),
                data_set: None,
            });
        };
        let layout = self.layouts.get(&binding.data_set);
        let mut acc = Accumulator::default();
        for (i, (n, v)) in names.iter().zip(values).enumerate() {
            if i == ts_index {
                continue;
            }
            let kind = MemberKind::special(n.item()).or_else(|| layout.and_then(|l| l.kind_of(n)));
            if let Err(e) = acc.add(n, kind, v) {
                return Incoming::Malformed(e);
            }
        }
        Incoming::Report(acc.finish(
            ts,
            Some(binding.data_set.clone()),
            ReportForm::ListOfVariables,
            binding,
        ))
    }
}

/// The parts of a report collected member by member.
#[derive(Default)]
struct Accumulator {
    transfer_set: Option<MmsObjectName>,
    time_stamp: Option<TimeStamp>,
    conditions: Option<DsConditions>,
    event_code: Option<EventCode>,
    points: Vec<ReportedPoint>,
}

fn special<T>(what: &'static str, r: Result<T, Tase2Error>) -> Result<T, ReportError> {
    r.map_err(|error| ReportError::Special { what, error })
}

impl Accumulator {
    /// Adds one value; `kind` None: a variable the data set does not have.
    fn add(
        &mut self,
        name: &ObjectName<'_>,
        kind: Option<MemberKind>,
        v: &AccessResult<'_>,
    ) -> Result<(), ReportError> {
        let point = |value| ReportedPoint {
            name: name.clone().into_owned(),
            value,
        };
        let d = match (kind, v) {
            (Some(MemberKind::TransferSetName), AccessResult::Failure(e)) => {
                return Err(ReportError::NoTransferSetName(*e))
            }
            // A special variable that came as an access error is left out of the report.
            (
                Some(
                    MemberKind::TransferSetTimeStamp
                    | MemberKind::DsConditionsDetected
                    | MemberKind::EventCodeDetected,
                ),
                AccessResult::Failure(_),
            ) => return Ok(()),
            (_, AccessResult::Failure(e)) => {
                self.points.push(point(Err(PointError::Access(*e))));
                return Ok(());
            }
            (_, AccessResult::Success(d)) => d,
        };
        match kind {
            Some(MemberKind::TransferSetName) => {
                self.transfer_set = Some(special(TRANSFER_SET_NAME, MmsObjectName::from_data(d))?);
            }
            Some(MemberKind::TransferSetTimeStamp) => {
                self.time_stamp = Some(special(TRANSFER_SET_TIME_STAMP, TimeStamp::from_data(d))?);
            }
            Some(MemberKind::DsConditionsDetected) => {
                self.conditions =
                    Some(special(DS_CONDITIONS_DETECTED, DsConditions::from_data(d))?);
            }
            Some(MemberKind::EventCodeDetected) => {
                self.event_code = Some(special(EVENT_CODE_DETECTED, EventCode::from_data(d))?);
            }
            Some(MemberKind::Point(t)) => self.points.push(point(
                Point::decode(t, d)
                    .map(ReportedValue::Point)
                    .map_err(PointError::Shape),
            )),
            Some(MemberKind::Tag) => self.points.push(point(
                TagValue::from_data(d)
                    .map(ReportedValue::Tag)
                    .map_err(PointError::Shape),
            )),
            Some(MemberKind::Other) => self
                .points
                .push(point(Ok(ReportedValue::Data(d.clone().into_owned())))),
            None => self
                .points
                .push(point(Err(PointError::NotInDataSet(d.clone().into_owned())))),
        }
        Ok(())
    }

    fn finish(
        self,
        transfer_set: MmsObjectName,
        data_set: Option<ObjectName<'static>>,
        form: ReportForm,
        binding: &TransferSetBinding,
    ) -> DsReport {
        DsReport {
            transfer_set,
            data_set,
            form,
            time_stamp: self.time_stamp,
            conditions: self.conditions,
            event_code: self.event_code,
            points: self.points,
            critical: binding.critical,
        }
    }
}

/// The special variable `item` in the scope of transfer set `ts` (`<ICC>/item`, or VMD scope
/// for a VCC-scope transfer set).
pub(crate) fn special_name(ts: &MmsObjectName, item: &'static str) -> ObjectName<'static> {
    match ts.scope {
        Scope::Icc => ObjectName::domain(ts.domain_name.clone(), item),
        Scope::Vcc => ObjectName::vmd(item),
    }
}

/// An InformationReport with a list of variables.
pub(crate) fn information_report(
    vars: Vec<(ObjectName<'static>, Data<'static>)>,
) -> UnconfirmedService<'static> {
    let (names, values): (Vec<_>, Vec<_>) = vars.into_iter().unzip();
    UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::names(names),
        list_of_access_result: values.into_iter().map(AccessResult::Success).collect(),
    })
}

//! Convenience operations on a blocking [`Client`]: one method per common ISO 9506-1 service,
//! taking and returning plain Rust values instead of PDUs. Name lists are followed to their end
//! (`continueAfter` / `moreFollows`, ISO 9506-1 §10.5), reads and writes are split so that each
//! request fits the negotiated PDU size (ISO 9506-2 §8.2.1 `localDetail`), and the chunks are
//! pipelined up to the negotiated outstanding limit.
//!
//! Related modules: [`crate::client::browse`] (walking a server's object model),
//! [`crate::client::values`] (Rust values and IEC 61850 references),
//! [`crate::client::files`] (file services).
//!
//! ```no_run
//! use mms::client::values::Fc;
//! use mms::client::{Client, ClientConfig};
//! use mms::ObjectName;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let c = Client::connect("192.0.2.10:102", ClientConfig::default())?;
//! println!("{:?}", c.identify()?);
//! for domain in c.domains()? {
//!     println!("{domain}: {:?}", c.variables(&domain)?);
//! }
//! let f: f32 = c.read_61850_value("IED1LD0/MMXU1.TotW.mag.f", Fc::MX)?;
//! c.write_value(&ObjectName::domain("IED1LD0", "GGIO1$SP$SetPt1$setVal"), 7i64)?;
//! let many = c.read(&[ObjectName::domain("LD0", "A"), ObjectName::domain("LD0", "B")])?;
//! # let _ = (f, many);
//! c.conclude()?;
//! # Ok(())
//! # }
//! ```

use std::borrow::Cow;
use std::collections::HashSet;

use crate::access::{AccessResult, VariableDef, VariableSpecification};
use crate::client::blocking::{Client, Pending};
use crate::client::connection::{ClientError, Unexpected};
use crate::codec::{Asn1, Choice, Writer};
use crate::common::{ObjectName, TimeOfDay};
use crate::data::{Data, DataAccessError};
use crate::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse};
use crate::reject::{ConfirmedRequestProblem, RejectReason};
use crate::services::journal::{
    EntryToStartAfter, JournalEntry, RangeStart, RangeStop, ReadJournalRequest,
};
use crate::services::variables::{
    DefineNamedVariableListRequest, DeleteNamedVariableListRequest,
    GetNamedVariableListAttributesRequest, GetVariableAccessAttributesRequest, ReadRequest,
    WriteRequest, WriteResult,
};
use crate::services::vmd::{
    BasicObjectClass, GetNameListRequest, IdentifyRequest, ObjectClass, ObjectScope, StatusRequest,
    StatusResponse,
};
use crate::types::{TypeDescription, TypeSpecification};

/// The most names [`Client::get_name_list`] collects before it gives up (a server that never
/// says `moreFollows = FALSE`).
pub const MAX_NAMES: usize = 1_000_000;

/// The most journal entries [`Client::read_journal`] collects before it gives up.
pub const MAX_JOURNAL_ENTRIES: usize = 1_000_000;

/// The most variables one Read or Write request carries, whatever the PDU size allows (the
/// response must fit too, and its size is not known beforehand; json-scada uses about 100).
pub const MAX_VARIABLES_PER_REQUEST: usize = 100;

/// Octets of a Confirmed-RequestPDU that are not the variable list: the PDU, invokeID, service,
/// `[1]` and `listOfVariable` / `listOfData` headers (each header at most 1 + 4 octets).
const REQUEST_OVERHEAD: usize = 48;

/// How many `TypeName` references [`Client::get_variable_access_attributes`] follows
/// (GetNamedTypeAttributes, ISO 9506-1 §14.11) before it gives up.
const MAX_TYPE_NAME_HOPS: usize = 8;

/// Why a convenience operation failed: the request's own failure ([`ClientError`]), or what the
/// answer said about one variable or list, or a server that does not end a list.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum OpError {
    /// The request failed: Confirmed-ErrorPDU, RejectPDU, time-out, association closed
    /// (ISO 9506-2 §7.4, §7.5). Boxed: a `ClientError` is large and most results are `Ok`.
    #[error(transparent)]
    Client(Box<ClientError>),
    /// The server answered, but access to the variable failed with this `DataAccessError`
    /// (ISO 9506-2 §14.4.3), in a Read or Write response.
    #[error("data access error: {0}")]
    Access(DataAccessError),
    /// A list the server returned in pages did not end within the bound (ISO 9506-1 §10.5
    /// `moreFollows`).
    #[error("more than {limit} {what}: stopped")]
    TooMany {
        /// What was being listed.
        what: &'static str,
        /// The bound.
        limit: usize,
    },
    /// The server answered `moreFollows = TRUE` without progress (an empty page, or a page
    /// ending where an earlier one ended): it repeats itself.
    #[error("the server repeats itself while listing {0}")]
    NoProgress(&'static str),
    /// The value read is not of the MMS type the caller asked for (ISO 9506-2 §14.4.2).
    #[error("expected {expected}, the server sent {found}")]
    WrongType {
        /// The Rust type asked for.
        expected: &'static str,
        /// The `Data` alternative received.
        found: String,
    },
    /// An IEC 61850 object reference that does not map to an MMS name (IEC 61850-8-1 §8.1.3.3).
    #[error("bad IEC 61850 object reference: {0}")]
    BadReference(String),
    /// The server deleted nothing (DeleteNamedVariableList numberDeleted = 0, ISO 9506-2 §14.15).
    #[error("not deleted ({matched} matched)")]
    NotDeleted {
        /// `numberMatched` of the response.
        matched: u32,
    },
    /// A local file could not be read or written (shared, so that the error stays `Clone`).
    #[error("local i/o: {0}")]
    Io(#[source] std::sync::Arc<std::io::Error>),
}

impl PartialEq for OpError {
    /// Equal variants with equal data; two local i/o errors are equal when they are the same
    /// error or have the same kind and message.
    fn eq(&self, other: &Self) -> bool {
        use OpError as E;
        match (self, other) {
            (E::Client(a), E::Client(b)) => a == b,
            (E::Access(a), E::Access(b)) => a == b,
            (E::TooMany { what, limit }, E::TooMany { what: w, limit: l }) => {
                (what, limit) == (w, l)
            }
            (E::NoProgress(a), E::NoProgress(b)) => a == b,
            (
                E::WrongType { expected, found },
                E::WrongType {
                    expected: e,
                    found: f,
                },
            ) => (expected, found) == (e, f),
            (E::BadReference(a), E::BadReference(b)) => a == b,
            (E::NotDeleted { matched }, E::NotDeleted { matched: m }) => matched == m,
            (E::Io(a), E::Io(b)) => crate::client::connection::same_io_error(a, b),
            _ => false,
        }
    }
}

impl From<ClientError> for OpError {
    fn from(e: ClientError) -> Self {
        OpError::Client(Box::new(e))
    }
}

impl OpError {
    /// The [`ClientError`] when the request itself failed.
    pub fn client_error(&self) -> Option<&ClientError> {
        match self {
            OpError::Client(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for OpError {
    fn from(e: std::io::Error) -> Self {
        OpError::Io(std::sync::Arc::new(e))
    }
}

/// The server's identity: Identify-Response (ISO 9506-2 §10.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `vendorName`.
    pub vendor: String,
    /// `modelName`.
    pub model: String,
    /// `revision`.
    pub revision: String,
}

/// The members of a named variable list: GetNamedVariableListAttributes-Response
/// (ISO 9506-2 §14.17.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListAttributes {
    /// `mmsDeletable`.
    pub deletable: bool,
    /// The members given by name, in order.
    pub members: Vec<ObjectName<'static>>,
    /// Members given otherwise (address, scattered access, alternate access): not listed.
    pub other_members: usize,
}

/// Which journal entries [`Client::read_journal`] asks for: ReadJournal-Request's range and
/// filter (ISO 9506-2 §20.2.1). The default reads every entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalQuery {
    /// `rangeStartSpecification` (only on the first request; continued reads use
    /// `entryToStartAfter`).
    pub start: Option<RangeStart<'static>>,
    /// `rangeStopSpecification`: an ending time, or a number of entries (counted over all
    /// pages).
    pub stop: Option<RangeStop>,
    /// `listOfVariables`: only these variable tags.
    pub variables: Option<Vec<String>>,
    /// `entryToStartAfter`: the entries after this one (its time and identifier), in place of
    /// `start` (ISO 9506-2 §20.2.1 allows one or the other).
    pub after: Option<EntryToStartAfter<'static>>,
}

impl JournalQuery {
    /// The range some servers require (ISO 9506-2 makes it optional): `startingTime`
    /// 1984-01-01 (the first day a TimeOfDay can name) and `endingTime` `now` (milliseconds
    /// since the Unix epoch).
    pub fn everything_until(now_unix_millis: i64) -> JournalQuery {
        JournalQuery {
            start: Some(RangeStart::StartingTime(TimeOfDay {
                millis: 0,
                days: Some(0),
            })),
            stop: Some(RangeStop::EndingTime(TimeOfDay::from_unix_millis(
                now_unix_millis,
            ))),
            ..JournalQuery::default()
        }
    }

    /// Neither a range nor a place to start after: the whole journal, as ISO 9506-2 allows.
    fn is_bare(&self) -> bool {
        self.start.is_none() && self.stop.is_none() && self.after.is_none()
    }
}

/// Milliseconds since the Unix epoch, now (0 if the clock is before it).
fn unix_millis_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A RejectPDU confirmed-requestPDU / invalid-argument (ISO 9506-2 §7.5.2).
fn is_invalid_argument(e: &OpError) -> bool {
    matches!(
        e.client_error(),
        Some(ClientError::Rejected(RejectReason::ConfirmedRequest(
            ConfirmedRequestProblem::InvalidArgument
        )))
    )
}

/// The octets `value` takes when encoded.
pub(crate) fn encoded_len(f: impl FnOnce(&mut Writer)) -> usize {
    let mut w = Writer::with_capacity(64);
    f(&mut w);
    w.len()
}

/// Splits `items` (with their encoded sizes) into runs whose sizes add up to at most `budget`
/// and that hold at most `max` items (every run holds at least one item).
pub(crate) fn chunks(sizes: &[usize], budget: usize, max: usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut used = 0usize;
    for (i, s) in sizes.iter().enumerate() {
        let full = i > start && (used.saturating_add(*s) > budget || i - start >= max);
        if full {
            out.push(start..i);
            start = i;
            used = 0;
        }
        used = used.saturating_add(*s);
    }
    if start < sizes.len() {
        out.push(start..sizes.len());
    }
    out
}

/// The class name used in errors about a name list.
fn class_name(class: ObjectClass) -> &'static str {
    match class {
        ObjectClass::Basic(BasicObjectClass::Domain) => "domain names",
        ObjectClass::Basic(BasicObjectClass::NamedVariable) => "variable names",
        ObjectClass::Basic(BasicObjectClass::NamedVariableList) => "variable list names",
        ObjectClass::Basic(BasicObjectClass::Journal) => "journal names",
        _ => "names",
    }
}

fn wrong_answer(service: &'static str, got: &ConfirmedServiceResponse<'_>) -> OpError {
    ClientError::Unexpected(Unexpected::Service {
        request: service,
        found: got.tag(),
    })
    .into()
}

fn results_mismatch(asked: usize, answered: usize) -> OpError {
    ClientError::Unexpected(Unexpected::ResultCount { asked, answered }).into()
}

impl Client {
    /// Sends `request` and hands its decoded response to `f`, which takes what it needs
    /// (owned). `None` from `f` means the answer was of another service.
    pub(crate) fn call<T>(
        &self,
        request: &ConfirmedServiceRequest<'_>,
        f: impl FnOnce(ConfirmedServiceResponse<'_>) -> Result<T, OpError>,
    ) -> Result<T, OpError> {
        let answer = self.request(request)?;
        f(answer.response()?)
    }

    /// Identify (ISO 9506-1 §10.2, ISO 9506-2 §10.2): the server's vendor, model and revision.
    pub fn identify(&self) -> Result<Identity, OpError> {
        self.call(
            &ConfirmedServiceRequest::Identify(IdentifyRequest),
            |r| match r {
                ConfirmedServiceResponse::Identify(i) => Ok(Identity {
                    vendor: i.vendor_name.into_owned(),
                    model: i.model_name.into_owned(),
                    revision: i.revision.into_owned(),
                }),
                other => Err(wrong_answer("identify", &other)),
            },
        )
    }

    /// Status (ISO 9506-1 §10.3, ISO 9506-2 §10.3): the VMD's logical and physical status
    /// (without extended derivation).
    pub fn status(&self) -> Result<StatusResponse, OpError> {
        self.call(
            &ConfirmedServiceRequest::Status(StatusRequest {
                extended_derivation: false,
            }),
            |r| match r {
                ConfirmedServiceResponse::Status(s) => Ok(s),
                other => Err(wrong_answer("status", &other)),
            },
        )
    }

    /// GetNameList (ISO 9506-1 §10.5, ISO 9506-2 §10.4): every name of `class` in `scope`,
    /// following `continueAfter` (the last name of the previous page) while the server says
    /// `moreFollows`. Stops with [`OpError::TooMany`] beyond [`MAX_NAMES`] and with
    /// [`OpError::NoProgress`] when a page is empty or ends where an earlier page ended.
    pub fn get_name_list(
        &self,
        class: ObjectClass,
        scope: ObjectScope<'_>,
    ) -> Result<Vec<String>, OpError> {
        let what = class_name(class);
        let mut names: Vec<String> = Vec::new();
        let mut page_ends: HashSet<String> = HashSet::new();
        let mut continue_after: Option<String> = None;
        loop {
            let req = ConfirmedServiceRequest::GetNameList(GetNameListRequest {
                object_class: class,
                object_scope: scope.clone(),
                continue_after: continue_after.as_deref().map(Cow::Borrowed),
            });
            let more = self.call(&req, |r| match r {
                ConfirmedServiceResponse::GetNameList(l) => {
                    if names.len().saturating_add(l.list_of_identifier.len()) > MAX_NAMES {
                        return Err(OpError::TooMany {
                            what,
                            limit: MAX_NAMES,
                        });
                    }
                    names.extend(l.list_of_identifier.into_iter().map(Cow::into_owned));
                    Ok(l.more_follows)
                }
                other => Err(wrong_answer("getNameList", &other)),
            })?;
            if !more {
                return Ok(names);
            }
            let last = match names.last() {
                Some(l) if continue_after.as_deref() != Some(l.as_str()) => l.clone(),
                _ => return Err(OpError::NoProgress(what)),
            };
            if !page_ends.insert(last.clone()) {
                return Err(OpError::NoProgress(what));
            }
            continue_after = Some(last);
        }
    }

    /// The names of every domain (GetNameList of class domain, VMD scope; ISO 9506-1 §10.5).
    pub fn domains(&self) -> Result<Vec<String>, OpError> {
        self.get_name_list(BasicObjectClass::Domain.into(), ObjectScope::VmdSpecific)
    }

    /// The names of the named variables of `domain` (GetNameList, ISO 9506-1 §10.5). IEC 61850
    /// servers list every component path (`LN$FC$DO$DA`) too.
    pub fn variables(&self, domain: &str) -> Result<Vec<String>, OpError> {
        self.get_name_list(
            BasicObjectClass::NamedVariable.into(),
            ObjectScope::DomainSpecific(Cow::Borrowed(domain)),
        )
    }

    /// The names of the named variable lists of `domain` (IEC 61850 data sets; GetNameList,
    /// ISO 9506-1 §10.5).
    pub fn variable_lists(&self, domain: &str) -> Result<Vec<String>, OpError> {
        self.get_name_list(
            BasicObjectClass::NamedVariableList.into(),
            ObjectScope::DomainSpecific(Cow::Borrowed(domain)),
        )
    }

    /// The names of the journals of `domain` (IEC 61850 logs; GetNameList, ISO 9506-1 §10.5).
    pub fn journals(&self, domain: &str) -> Result<Vec<String>, OpError> {
        self.get_name_list(
            BasicObjectClass::Journal.into(),
            ObjectScope::DomainSpecific(Cow::Borrowed(domain)),
        )
    }

    fn gvaa_request(name: &ObjectName<'_>) -> ConfirmedServiceRequest<'static> {
        ConfirmedServiceRequest::GetVariableAccessAttributes(
            GetVariableAccessAttributesRequest::Name(name.clone().into_owned()),
        )
    }

    fn type_of(r: ConfirmedServiceResponse<'_>) -> Result<TypeSpecification<'static>, OpError> {
        match r {
            ConfirmedServiceResponse::GetVariableAccessAttributes(a) => {
                Ok(crate::client::browse::owned_spec(a.type_specification))
            }
            ConfirmedServiceResponse::GetNamedTypeAttributes(a) => {
                Ok(crate::client::browse::owned_spec(a.type_specification))
            }
            other => Err(wrong_answer("getVariableAccessAttributes", &other)),
        }
    }

    /// Follows a `typeName` answer through GetNamedTypeAttributes (ISO 9506-1 §14.11) to a
    /// description.
    pub(crate) fn resolve_type(
        &self,
        mut spec: TypeSpecification<'static>,
    ) -> Result<TypeDescription<'static>, OpError> {
        for _ in 0..MAX_TYPE_NAME_HOPS {
            match spec {
                TypeSpecification::TypeDescription(d) => return Ok(d),
                TypeSpecification::TypeName(n) => {
                    let req = ConfirmedServiceRequest::GetNamedTypeAttributes(
                        crate::services::variables::GetNamedTypeAttributesRequest(n),
                    );
                    spec = self.call(&req, Self::type_of)?;
                }
            }
        }
        Err(OpError::NoProgress("named types"))
    }

    /// GetVariableAccessAttributes (ISO 9506-1 §14.9, ISO 9506-2 §14.9): the type of a named
    /// variable, detached from the answer. A `typeName` answer is resolved with
    /// GetNamedTypeAttributes.
    pub fn get_variable_access_attributes(
        &self,
        name: &ObjectName<'_>,
    ) -> Result<TypeDescription<'static>, OpError> {
        let spec = self.call(&Self::gvaa_request(name), Self::type_of)?;
        self.resolve_type(spec)
    }

    /// The GetVariableAccessAttributes of many names, pipelined; one result per name.
    pub(crate) fn types_of(
        &self,
        names: &[ObjectName<'_>],
    ) -> Result<Vec<Result<TypeDescription<'static>, OpError>>, OpError> {
        let pending: Vec<Pending> = names
            .iter()
            .map(|n| self.send(&Self::gvaa_request(n)))
            .collect::<Result<_, _>>()?;
        Ok(pending
            .into_iter()
            .map(|p| {
                let answer = p.wait()?;
                let spec = Self::type_of(answer.response()?)?;
                self.resolve_type(spec)
            })
            .collect())
    }

    /// The octets a request may spend on its variable list.
    fn request_budget(&self) -> usize {
        self.negotiated()
            .max_pdu_size
            .saturating_sub(REQUEST_OVERHEAD)
            .max(1)
    }

    /// Read (ISO 9506-1 §14.6, ISO 9506-2 §14.6) of named variables: one result per name, in
    /// order (the value, or the DataAccessError the server gave for that variable). The names
    /// are split over several requests, each fitting the negotiated PDU size and holding at
    /// most [`MAX_VARIABLES_PER_REQUEST`] names; the requests are pipelined.
    pub fn read(
        &self,
        names: &[ObjectName<'_>],
    ) -> Result<Vec<Result<Data<'static>, DataAccessError>>, OpError> {
        let sizes: Vec<usize> = names
            .iter()
            .map(|n| encoded_len(|w| VariableDef::name(n.clone()).encode(w)))
            .collect();
        let runs = chunks(&sizes, self.request_budget(), MAX_VARIABLES_PER_REQUEST);
        let mut pending = Vec::with_capacity(runs.len());
        for run in &runs {
            let req = ConfirmedServiceRequest::Read(ReadRequest::names(
                names.get(run.clone()).unwrap_or_default().iter().cloned(),
            ));
            pending.push((run.len(), self.send(&req)?));
        }
        let mut out = Vec::with_capacity(names.len());
        for (asked, p) in pending {
            let answer = p.wait()?;
            out.extend(Self::read_results(answer.response()?, Some(asked))?);
        }
        Ok(out)
    }

    fn read_results(
        r: ConfirmedServiceResponse<'_>,
        asked: Option<usize>,
    ) -> Result<Vec<Result<Data<'static>, DataAccessError>>, OpError> {
        match r {
            ConfirmedServiceResponse::Read(r) => {
                if let Some(asked) = asked {
                    if r.list_of_access_result.len() != asked {
                        return Err(results_mismatch(asked, r.list_of_access_result.len()));
                    }
                }
                Ok(r.list_of_access_result
                    .into_iter()
                    .map(|a| match a {
                        AccessResult::Success(d) => Ok(d.into_owned()),
                        AccessResult::Failure(e) => Err(e),
                    })
                    .collect())
            }
            other => Err(wrong_answer("read", &other)),
        }
    }

    /// Read (ISO 9506-1 §14.6) of one named variable; a DataAccessError becomes
    /// [`OpError::Access`].
    pub fn read_one(&self, name: &ObjectName<'_>) -> Result<Data<'static>, OpError> {
        let req = ConfirmedServiceRequest::Read(ReadRequest::names([name.clone()]));
        let mut v = self.call(&req, |r| Self::read_results(r, Some(1)))?;
        match v.pop() {
            Some(Ok(d)) => Ok(d),
            Some(Err(e)) => Err(OpError::Access(e)),
            None => Err(results_mismatch(1, 0)),
        }
    }

    /// Read (ISO 9506-1 §14.6) of every variable of a named variable list (an IEC 61850 data
    /// set), in the list's order.
    pub fn read_list(
        &self,
        list: &ObjectName<'_>,
    ) -> Result<Vec<Result<Data<'static>, DataAccessError>>, OpError> {
        let req = ConfirmedServiceRequest::Read(ReadRequest::list(list.clone()));
        self.call(&req, |r| Self::read_results(r, None))
    }

    /// Write (ISO 9506-1 §14.7, ISO 9506-2 §14.7) of one value to one named variable; a
    /// DataAccessError becomes [`OpError::Access`].
    pub fn write(&self, name: &ObjectName<'_>, value: Data<'_>) -> Result<(), OpError> {
        let req = ConfirmedServiceRequest::Write(WriteRequest::single(name.clone(), value));
        let mut v = self.call(&req, |r| Self::write_results(r, 1))?;
        match v.pop() {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(OpError::Access(e)),
            None => Err(results_mismatch(1, 0)),
        }
    }

    fn write_results(
        r: ConfirmedServiceResponse<'_>,
        asked: usize,
    ) -> Result<Vec<Result<(), DataAccessError>>, OpError> {
        match r {
            ConfirmedServiceResponse::Write(w) => {
                if w.0.len() != asked {
                    return Err(results_mismatch(asked, w.0.len()));
                }
                Ok(w.0
                    .into_iter()
                    .map(|r| match r {
                        WriteResult::Success => Ok(()),
                        WriteResult::Failure(e) => Err(e),
                    })
                    .collect())
            }
            other => Err(wrong_answer("write", &other)),
        }
    }

    /// Write (ISO 9506-1 §14.7) of many named variables: one result per variable, in order.
    /// Split and pipelined as [`Client::read`] is.
    pub fn write_many(
        &self,
        items: &[(ObjectName<'_>, Data<'_>)],
    ) -> Result<Vec<Result<(), DataAccessError>>, OpError> {
        let sizes: Vec<usize> = items
            .iter()
            .map(|(n, d)| {
                encoded_len(|w| VariableDef::name(n.clone()).encode(w))
                    + encoded_len(|w| d.encode_choice(w))
            })
            .collect();
        let runs = chunks(&sizes, self.request_budget(), MAX_VARIABLES_PER_REQUEST);
        let mut pending = Vec::with_capacity(runs.len());
        for run in runs {
            let part = items.get(run.clone()).unwrap_or_default();
            let req = ConfirmedServiceRequest::Write(WriteRequest {
                variable_access_specification: crate::access::VariableAccessSpecification::names(
                    part.iter().map(|(n, _)| n.clone()),
                ),
                list_of_data: part.iter().map(|(_, d)| d.clone()).collect(),
            });
            pending.push((part.len(), self.send(&req)?));
        }
        let mut out = Vec::with_capacity(items.len());
        for (asked, p) in pending {
            let answer = p.wait()?;
            out.extend(Self::write_results(answer.response()?, asked)?);
        }
        Ok(out)
    }

    /// DefineNamedVariableList (ISO 9506-1 §14.14, ISO 9506-2 §14.14): a list (an IEC 61850
    /// data set) named `name` of the named variables `members`.
    pub fn define_list(
        &self,
        name: &ObjectName<'_>,
        members: &[ObjectName<'_>],
    ) -> Result<(), OpError> {
        let req =
            ConfirmedServiceRequest::DefineNamedVariableList(DefineNamedVariableListRequest {
                variable_list_name: name.clone(),
                list_of_variable: members.iter().cloned().map(VariableDef::name).collect(),
            });
        self.call(&req, |r| match r {
            ConfirmedServiceResponse::DefineNamedVariableList(_) => Ok(()),
            other => Err(wrong_answer("defineNamedVariableList", &other)),
        })
    }

    /// GetNamedVariableListAttributes (ISO 9506-1 §14.16, ISO 9506-2 §14.17): the members of a
    /// named variable list.
    pub fn list_attributes(&self, name: &ObjectName<'_>) -> Result<ListAttributes, OpError> {
        let req = ConfirmedServiceRequest::GetNamedVariableListAttributes(
            GetNamedVariableListAttributesRequest(name.clone()),
        );
        self.call(&req, |r| match r {
            ConfirmedServiceResponse::GetNamedVariableListAttributes(a) => {
                let mut members = Vec::with_capacity(a.list_of_variable.len());
                let mut other_members = 0;
                for v in a.list_of_variable {
                    match (v.variable_specification, v.alternate_access) {
                        (VariableSpecification::Name(n), None) => members.push(n.into_owned()),
                        _ => other_members += 1,
                    }
                }
                Ok(ListAttributes {
                    deletable: a.mms_deletable,
                    members,
                    other_members,
                })
            }
            other => Err(wrong_answer("getNamedVariableListAttributes", &other)),
        })
    }

    /// DeleteNamedVariableList (ISO 9506-1 §14.15, ISO 9506-2 §14.15) of one list; a response
    /// that deleted nothing is [`OpError::NotDeleted`].
    pub fn delete_list(&self, name: &ObjectName<'_>) -> Result<(), OpError> {
        let req = ConfirmedServiceRequest::DeleteNamedVariableList(
            DeleteNamedVariableListRequest::specific(vec![name.clone()]),
        );
        self.call(&req, |r| match r {
            ConfirmedServiceResponse::DeleteNamedVariableList(d) if d.number_deleted > 0 => Ok(()),
            ConfirmedServiceResponse::DeleteNamedVariableList(d) => Err(OpError::NotDeleted {
                matched: d.number_matched,
            }),
            other => Err(wrong_answer("deleteNamedVariableList", &other)),
        })
    }

    /// ReadJournal (ISO 9506-1 §20.2, ISO 9506-2 §20.2): the entries of `journal` that `query`
    /// selects, following `moreFollows` with `entryToStartAfter` (the time and identifier of
    /// the last entry received). Stops with [`OpError::TooMany`] beyond
    /// [`MAX_JOURNAL_ENTRIES`] and [`OpError::NoProgress`] on an empty continued page.
    ///
    /// A bare query (no range, nothing to start after) that the server rejects with
    /// invalid-argument is asked once more with [`JournalQuery::everything_until`] now: some
    /// servers need a range although ISO 9506-2 makes it optional.
    pub fn read_journal(
        &self,
        journal: &ObjectName<'_>,
        query: &JournalQuery,
    ) -> Result<Vec<JournalEntry<'static>>, OpError> {
        match self.read_journal_as_asked(journal, query) {
            Err(e) if query.is_bare() && is_invalid_argument(&e) => {
                let ranged = JournalQuery {
                    variables: query.variables.clone(),
                    ..JournalQuery::everything_until(unix_millis_now())
                };
                self.read_journal_as_asked(journal, &ranged)
            }
            other => other,
        }
    }

    /// [`Client::read_journal`] without the retry.
    fn read_journal_as_asked(
        &self,
        journal: &ObjectName<'_>,
        query: &JournalQuery,
    ) -> Result<Vec<JournalEntry<'static>>, OpError> {
        let mut entries: Vec<JournalEntry<'static>> = Vec::new();
        let mut start_after: Option<EntryToStartAfter<'static>> = query.after.clone();
        loop {
            let stop = match query.stop {
                Some(RangeStop::NumberOfEntries(n)) => {
                    let got = i32::try_from(entries.len()).unwrap_or(i32::MAX);
                    let left = n.saturating_sub(got);
                    if left <= 0 {
                        return Ok(entries);
                    }
                    Some(RangeStop::NumberOfEntries(left))
                }
                other => other,
            };
            let req = ConfirmedServiceRequest::ReadJournal(ReadJournalRequest {
                journal_name: journal.clone(),
                range_start_specification: if start_after.is_none() {
                    query.start.clone()
                } else {
                    None
                },
                range_stop_specification: stop,
                list_of_variables: query
                    .variables
                    .as_ref()
                    .map(|v| v.iter().map(|s| Cow::Borrowed(s.as_str())).collect()),
                entry_to_start_after: start_after.clone(),
            });
            let (count, more) = self.call(&req, |r| match r {
                ConfirmedServiceResponse::ReadJournal(j) => {
                    let n = j.list_of_journal_entry.len();
                    if entries.len().saturating_add(n) > MAX_JOURNAL_ENTRIES {
                        return Err(OpError::TooMany {
                            what: "journal entries",
                            limit: MAX_JOURNAL_ENTRIES,
                        });
                    }
                    entries.extend(j.list_of_journal_entry.into_iter().map(|e| e.into_owned()));
                    Ok((n, j.more_follows))
                }
                other => Err(wrong_answer("readJournal", &other)),
            })?;
            if !more {
                return Ok(entries);
            }
            let next = match entries.last() {
                Some(last) if count > 0 => EntryToStartAfter {
                    time_specification: last.entry_content.occurrence_time,
                    entry_specification: last.entry_identifier.clone(),
                },
                _ => return Err(OpError::NoProgress("journal entries")),
            };
            if start_after.as_ref() == Some(&next) {
                return Err(OpError::NoProgress("journal entries"));
            }
            start_after = Some(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_respect_budget_and_count() {
        assert_eq!(chunks(&[], 10, 3), Vec::<std::ops::Range<usize>>::new());
        assert_eq!(chunks(&[4, 4, 4, 4], 8, 10), vec![0..2, 2..4]);
        assert_eq!(chunks(&[1, 1, 1, 1, 1], 100, 2), vec![0..2, 2..4, 4..5]);
        // An item larger than the budget still goes, alone.
        assert_eq!(chunks(&[3, 20, 3], 10, 10), vec![0..1, 1..2, 2..3]);
    }

    #[test]
    fn encoded_len_of_a_variable_def() {
        // 30 0a a0 08 (domain-specific a1 06 1a 01 'D' 1a 01 'X') ... measured, not assumed:
        let n = encoded_len(|w| VariableDef::name(ObjectName::domain("D", "X")).encode(w));
        assert_eq!(n, 2 + 2 + 2 + 3 + 3);
    }

    /// A response of another service names the request and the service that came, as data.
    #[test]
    fn a_wrong_answer_names_both_services() {
        let r = ConfirmedServiceResponse::Write(crate::services::variables::WriteResponse(vec![]));
        assert_eq!(
            wrong_answer("identify", &r).client_error(),
            Some(&ClientError::Unexpected(Unexpected::Service {
                request: "identify",
                found: r.tag(),
            }))
        );
        assert_eq!(
            results_mismatch(3, 2),
            OpError::from(ClientError::Unexpected(Unexpected::ResultCount {
                asked: 3,
                answered: 2
            }))
        );
    }
}

//! The client convenience API (`mms::client::ops`, `browse`, `values`, `files`) against our own
//! server runtime with a small in-memory VMD handler over loopback TCP: identify and status,
//! paged name lists (and servers that repeat themselves), browse with `$` paths skipped and a
//! named type resolved, reads and writes split to the PDU size, Rust values and IEC 61850
//! references, named variable lists, paged file directories, downloads that always close the
//! file, delete and rename, and journals read in pages.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use mms::access::{AccessResult, VariableSpecification};
use mms::client::ops::{JournalQuery, OpError};
use mms::client::values::Fc;
use mms::client::{Client, ClientConfig, ClientError};
use mms::common::{ApplicationReference, FileName, TimeOfDay};
use mms::data::{Data, DataAccessError, UtcTime};
use mms::initiate::{ServiceKind, ServicesSupported};
use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse};
use mms::server::{Handler, Reply, RequestContext, RunningServer, Server, ServerConfig};
use mms::service_error::ServiceError;
use mms::services::file::{
    DirectoryEntry, FileAttributes, FileCloseResponse, FileDeleteResponse, FileDirectoryResponse,
    FileOpenResponse, FileReadResponse, FileRenameResponse,
};
use mms::services::journal::{
    EntryContent, EntryForm, JournalEntry, RangeStop, ReadJournalResponse,
};
use mms::services::variables::{
    DefineNamedVariableListResponse, DeleteNamedVariableListResponse,
    GetNamedTypeAttributesResponse, GetNamedVariableListAttributesResponse,
    GetVariableAccessAttributesResponse, ReadResponse, WriteResponse, WriteResult,
};
use mms::services::vmd::{
    BasicObjectClass, GetNameListResponse, IdentifyResponse, LogicalStatus, ObjectClass,
    ObjectScope, PhysicalStatus, StatusResponse,
};
use mms::types::{StructureComponent, TypeDescription, TypeSpecification};
use mms::{ObjectName, VariableAccessSpecification, VariableDef};

const PAGE: usize = 2;
const FILE_CHUNK: usize = 7;

type Name = (String, String);

/// An in-memory VMD: domains LD0 (variables with `$` components), LD1, LD2; LOOP and STUCK
/// whose variable lists never end; values, types, lists, files and one journal.
struct Vmd {
    values: Mutex<BTreeMap<Name, Data<'static>>>,
    types: BTreeMap<Name, TypeSpecification<'static>>,
    lists: Mutex<BTreeMap<Name, Vec<ObjectName<'static>>>>,
    files: Mutex<BTreeMap<String, Vec<u8>>>,
    open: Mutex<BTreeMap<i32, (String, usize)>>,
    journal: Vec<JournalEntry<'static>>,
    reads: AtomicUsize,
    read_names: Mutex<Vec<usize>>,
    writes: AtomicUsize,
    closes: AtomicUsize,
}

fn name_of(n: &ObjectName<'_>) -> Name {
    match n {
        ObjectName::DomainSpecific { domain_id, item_id } => {
            (domain_id.to_string(), item_id.to_string())
        }
        other => (String::new(), other.item().to_string()),
    }
}

fn key(d: &str, i: &str) -> Name {
    (d.to_string(), i.to_string())
}

fn fp32() -> TypeDescription<'static> {
    TypeDescription::FloatingPoint {
        format_width: 32,
        exponent_width: 8,
    }
}

fn page<T: Clone>(all: &[T], after: Option<usize>) -> (Vec<T>, bool) {
    let start = after.map_or(0, |i| i + 1);
    let end = (start + PAGE).min(all.len());
    (
        all.get(start..end).unwrap_or_default().to_vec(),
        end < all.len(),
    )
}

impl Vmd {
    fn new() -> Vmd {
        let mut values = BTreeMap::new();
        let mut types = BTreeMap::new();
        let mut add = |d: &str, i: &str, v: Data<'static>, t: TypeSpecification<'static>| {
            values.insert(key(d, i), v);
            types.insert(key(d, i), t);
        };
        add(
            "LD0",
            "Bool1",
            Data::Boolean(true),
            TypeDescription::Boolean.into(),
        );
        add("LD0", "Float1", Data::from(1.5f32), fp32().into());
        add(
            "LD0",
            "Int1",
            Data::Integer(-42),
            TypeDescription::Integer(32).into(),
        );
        add(
            "LD0",
            "Str1",
            Data::from("hello".to_string()),
            TypeDescription::VisibleString(32).into(),
        );
        add(
            "LD0",
            "Struct1",
            Data::structure(vec![Data::Integer(1), Data::from(0.25f32)]),
            TypeDescription::Structure {
                packed: false,
                components: vec![
                    StructureComponent::named("stVal", TypeDescription::Integer(32)),
                    StructureComponent::named("mag", fp32()),
                ],
            }
            .into(),
        );
        add("LD0", "Struct1$mag", Data::from(0.25f32), fp32().into());
        add(
            "LD0",
            "Struct1$stVal",
            Data::Integer(1),
            TypeDescription::Integer(32).into(),
        );
        add(
            "LD0",
            "Typed1",
            Data::Integer(5),
            TypeSpecification::TypeName(ObjectName::domain("LD0", "T8")),
        );
        add("LD1", "Float2", Data::from(3.0f32), fp32().into());
        add(
            "LD1",
            "Time1",
            Data::UtcTime(UtcTime::from_unix_nanos(1_700_000_000_000_000_000, 0x0a)),
            TypeDescription::UtcTime.into(),
        );
        add(
            "LD1",
            "Blob1",
            Data::from(vec![1u8, 2, 3]),
            TypeDescription::OctetString(8).into(),
        );
        add(
            "LD1",
            "U1",
            Data::Unsigned(7),
            TypeDescription::Unsigned(32).into(),
        );
        add(
            "DEMOLD0",
            "GGIO1$MX$AnIn1$mag$f",
            Data::from(2.5f32),
            fp32().into(),
        );
        add(
            "DEMOLD0",
            "GGIO1$SP$SetPt1$setVal",
            Data::Integer(7),
            TypeDescription::Integer(32).into(),
        );
        for i in 0..300 {
            add(
                "BIG",
                &format!("Variable{i:04}WithAFairlyLongName"),
                Data::Integer(i),
                TypeDescription::Integer(32).into(),
            );
        }
        let mut files = BTreeMap::new();
        files.insert("a.txt".to_string(), b"hello".to_vec());
        files.insert("b.bin".to_string(), (0u8..=255).cycle().take(100).collect());
        files.insert("c.cfg".to_string(), Vec::new());
        files.insert("broken".to_string(), b"0123456789abcdef".to_vec());
        files.insert("d.log".to_string(), b"log".to_vec());
        let journal = (0u8..5)
            .map(|i| JournalEntry {
                entry_identifier: Cow::Owned(vec![0, i]),
                originating_application: ApplicationReference::default(),
                entry_content: EntryContent {
                    occurrence_time: TimeOfDay::from_unix_millis(
                        1_700_000_000_000 + i64::from(i) * 1000,
                    ),
                    additional_detail: None,
                    entry_form: EntryForm::Annotation(Cow::Owned(format!("entry {i}"))),
                },
            })
            .collect();
        Vmd {
            values: Mutex::new(values),
            types,
            lists: Mutex::new(BTreeMap::new()),
            files: Mutex::new(files),
            open: Mutex::new(BTreeMap::new()),
            journal,
            reads: AtomicUsize::new(0),
            read_names: Mutex::new(Vec::new()),
            writes: AtomicUsize::new(0),
            closes: AtomicUsize::new(0),
        }
    }

    fn name_list(
        &self,
        class: ObjectClass,
        scope: &ObjectScope<'_>,
        after: Option<&str>,
    ) -> Result<ConfirmedServiceResponse<'static>, ServiceError<'static>> {
        let domain = match scope {
            ObjectScope::DomainSpecific(d) => Some(d.to_string()),
            _ => None,
        };
        let all: Vec<String> = match (class, domain.as_deref()) {
            (ObjectClass::Basic(BasicObjectClass::Domain), None) => {
                let mut d: Vec<String> = self
                    .types
                    .keys()
                    .map(|(d, _)| d.clone())
                    .chain(["LOOP".to_string(), "STUCK".to_string()])
                    .collect();
                d.sort();
                d.dedup();
                d
            }
            (ObjectClass::Basic(BasicObjectClass::NamedVariable), Some("LOOP")) => {
                // Always the first page again, saying more follows.
                return Ok(names(vec!["a".into(), "b".into()], true));
            }
            (ObjectClass::Basic(BasicObjectClass::NamedVariable), Some("STUCK")) => {
                return Ok(names(Vec::new(), true));
            }
            (ObjectClass::Basic(BasicObjectClass::NamedVariable), Some("WRONG")) => {
                // Answered with another service's response.
                return Ok(ConfirmedServiceResponse::Write(WriteResponse(vec![])));
            }
            (ObjectClass::Basic(BasicObjectClass::NamedVariable), Some(d)) => self
                .types
                .keys()
                .filter(|(dd, _)| dd == d)
                .map(|(_, i)| i.clone())
                .collect(),
            (ObjectClass::Basic(BasicObjectClass::NamedVariableList), Some(d)) => self
                .lists
                .lock()
                .expect("lock")
                .keys()
                .filter(|(dd, _)| dd == d)
                .map(|(_, i)| i.clone())
                .collect(),
            (ObjectClass::Basic(BasicObjectClass::Journal), Some("LD0")) => vec!["Log1".into()],
            (ObjectClass::Basic(BasicObjectClass::Journal), Some(_)) => vec![],
            _ => return Err(ServiceError::object_undefined()),
        };
        let pos = match after {
            Some(a) => Some(
                all.iter()
                    .position(|n| n == a)
                    .ok_or(ServiceError::continuation_invalid())?,
            ),
            None => None,
        };
        let (p, more) = page(&all, pos);
        Ok(names(p, more))
    }

    fn read_var(&self, n: &ObjectName<'_>) -> AccessResult<'static> {
        match self.values.lock().expect("lock").get(&name_of(n)) {
            Some(d) => AccessResult::Success(d.clone()),
            None => AccessResult::Failure(DataAccessError::ObjectNonExistent),
        }
    }

    fn write_var(&self, n: &ObjectName<'_>, d: &Data<'_>) -> WriteResult {
        let mut values = self.values.lock().expect("lock");
        match values.get_mut(&name_of(n)) {
            None => WriteResult::Failure(DataAccessError::ObjectNonExistent),
            Some(old) if std::mem::discriminant(old) != std::mem::discriminant(d) => {
                WriteResult::Failure(DataAccessError::TypeInconsistent)
            }
            Some(old) => {
                *old = d.clone().into_owned();
                WriteResult::Success
            }
        }
    }

    fn vars(spec: &VariableAccessSpecification<'_>) -> Vec<ObjectName<'static>> {
        match spec {
            VariableAccessSpecification::ListOfVariable(v) => v
                .iter()
                .filter_map(|d| match &d.variable_specification {
                    VariableSpecification::Name(n) => Some(n.clone().into_owned()),
                    _ => None,
                })
                .collect(),
            VariableAccessSpecification::VariableListName(_) => Vec::new(),
        }
    }

    fn serve(
        &self,
        request: &ConfirmedServiceRequest<'_>,
    ) -> Option<Result<ConfirmedServiceResponse<'static>, ServiceError<'static>>> {
        use ConfirmedServiceRequest as Q;
        use ConfirmedServiceResponse as A;
        Some(match request {
            Q::Identify(_) => Ok(A::Identify(IdentifyResponse {
                vendor_name: "osi-mms".into(),
                model_name: "client-ops-test".into(),
                revision: "0.1".into(),
                list_of_abstract_syntaxes: None,
            })),
            Q::Status(_) => Ok(A::Status(StatusResponse {
                vmd_logical_status: LogicalStatus::StateChangesAllowed,
                vmd_physical_status: PhysicalStatus::PartiallyOperational,
                local_detail: None,
            })),
            Q::GetNameList(r) => {
                self.name_list(r.object_class, &r.object_scope, r.continue_after.as_deref())
            }
            Q::GetVariableAccessAttributes(
                mms::services::variables::GetVariableAccessAttributesRequest::Name(n),
            ) => match self.types.get(&name_of(n)) {
                Some(t) => Ok(A::GetVariableAccessAttributes(
                    GetVariableAccessAttributesResponse {
                        mms_deletable: false,
                        address: None,
                        type_specification: t.clone(),
                        access_control_list: None,
                        meaning: None,
                    },
                )),
                None => Err(ServiceError::object_non_existent()),
            },
            Q::GetNamedTypeAttributes(r) if name_of(&r.0) == key("LD0", "T8") => {
                Ok(A::GetNamedTypeAttributes(GetNamedTypeAttributesResponse {
                    mms_deletable: false,
                    type_specification: TypeDescription::Integer(8).into(),
                    access_control_list: None,
                    meaning: None,
                }))
            }
            Q::Read(r) => {
                self.reads.fetch_add(1, Ordering::SeqCst);
                let names = match &r.variable_access_specification {
                    VariableAccessSpecification::VariableListName(l) => {
                        match self.lists.lock().expect("lock").get(&name_of(l)) {
                            Some(m) => m.clone(),
                            None => return Some(Err(ServiceError::object_non_existent())),
                        }
                    }
                    spec => Self::vars(spec),
                };
                self.read_names.lock().expect("lock").push(names.len());
                if names.iter().any(|n| n.item() == "short") {
                    // One result fewer than asked for.
                    return Some(Ok(A::Read(ReadResponse::new(vec![]))));
                }
                Ok(A::Read(ReadResponse::new(
                    names.iter().map(|n| self.read_var(n)).collect(),
                )))
            }
            Q::Write(w) => {
                self.writes.fetch_add(1, Ordering::SeqCst);
                let names = Self::vars(&w.variable_access_specification);
                Ok(A::Write(WriteResponse(
                    names
                        .iter()
                        .zip(&w.list_of_data)
                        .map(|(n, d)| self.write_var(n, d))
                        .collect(),
                )))
            }
            Q::DefineNamedVariableList(r) => {
                let mut lists = self.lists.lock().expect("lock");
                let k = name_of(&r.variable_list_name);
                if lists.contains_key(&k) {
                    return Some(Err(ServiceError::object_exists()));
                }
                lists.insert(
                    k,
                    Self::vars(&VariableAccessSpecification::ListOfVariable(
                        r.list_of_variable.clone(),
                    )),
                );
                Ok(A::DefineNamedVariableList(DefineNamedVariableListResponse))
            }
            Q::GetNamedVariableListAttributes(r) => {
                match self.lists.lock().expect("lock").get(&name_of(&r.0)) {
                    Some(m) => Ok(A::GetNamedVariableListAttributes(
                        GetNamedVariableListAttributesResponse {
                            mms_deletable: true,
                            list_of_variable: m.iter().cloned().map(VariableDef::name).collect(),
                            access_control_list: None,
                        },
                    )),
                    None => Err(ServiceError::object_non_existent()),
                }
            }
            Q::DeleteNamedVariableList(r) => {
                let mut lists = self.lists.lock().expect("lock");
                let names = r.list_of_variable_list_name.clone().unwrap_or_default();
                let mut deleted = 0;
                for n in &names {
                    if lists.remove(&name_of(n)).is_some() {
                        deleted += 1;
                    }
                }
                Ok(A::DeleteNamedVariableList(
                    DeleteNamedVariableListResponse {
                        number_matched: deleted,
                        number_deleted: deleted,
                    },
                ))
            }
            Q::FileDirectory(r) => {
                let files = self.files.lock().expect("lock");
                let all: Vec<(String, usize)> =
                    files.iter().map(|(k, v)| (k.clone(), v.len())).collect();
                let after = match &r.continue_after {
                    Some(c) => match all.iter().position(|(n, _)| *n == c.0.join("/")) {
                        Some(p) => Some(p),
                        None => return Some(Err(ServiceError::continuation_invalid())),
                    },
                    None => None,
                };
                let (p, more) = page(&all, after);
                Ok(A::FileDirectory(FileDirectoryResponse {
                    list_of_directory_entry: p
                        .into_iter()
                        .map(|(n, len)| DirectoryEntry {
                            file_name: FileName::new(n),
                            file_attributes: FileAttributes {
                                size_of_file: len as u32,
                                last_modified: Some("20240101120000Z".into()),
                            },
                        })
                        .collect(),
                    more_follows: more,
                }))
            }
            Q::FileOpen(r) => {
                let n = r.file_name.0.join("/");
                match self.files.lock().expect("lock").get(&n) {
                    Some(data) => {
                        let mut open = self.open.lock().expect("lock");
                        let frsm = open.keys().max().map_or(1, |m| m + 1);
                        open.insert(frsm, (n, 0));
                        Ok(A::FileOpen(FileOpenResponse {
                            frsm_id: frsm,
                            file_attributes: FileAttributes {
                                size_of_file: data.len() as u32,
                                last_modified: None,
                            },
                        }))
                    }
                    None => Err(ServiceError::file_non_existent()),
                }
            }
            Q::FileRead(r) => {
                let mut open = self.open.lock().expect("lock");
                let Some((name, pos)) = open.get_mut(&r.frsm_id) else {
                    return Some(Err(ServiceError::object_non_existent()));
                };
                let files = self.files.lock().expect("lock");
                let data = files.get(name.as_str()).cloned().unwrap_or_default();
                if name == "broken" && *pos > 0 {
                    return Some(Err(ServiceError::file_access_denied()));
                }
                let end = (*pos + FILE_CHUNK).min(data.len());
                let part = data.get(*pos..end).unwrap_or_default().to_vec();
                *pos = end;
                Ok(A::FileRead(FileReadResponse {
                    file_data: part.into(),
                    more_follows: end < data.len(),
                }))
            }
            Q::FileClose(r) => {
                self.closes.fetch_add(1, Ordering::SeqCst);
                match self.open.lock().expect("lock").remove(&r.frsm_id) {
                    Some(_) => Ok(A::FileClose(FileCloseResponse)),
                    None => Err(ServiceError::object_non_existent()),
                }
            }
            Q::FileDelete(r) => match self.files.lock().expect("lock").remove(&r.0 .0.join("/")) {
                Some(_) => Ok(A::FileDelete(FileDeleteResponse)),
                None => Err(ServiceError::file_non_existent()),
            },
            Q::FileRename(r) => {
                let mut files = self.files.lock().expect("lock");
                match files.remove(&r.current_file_name.0.join("/")) {
                    Some(d) => {
                        files.insert(r.new_file_name.0.join("/"), d);
                        Ok(A::FileRename(FileRenameResponse))
                    }
                    None => Err(ServiceError::file_non_existent()),
                }
            }
            Q::ReadJournal(r) => {
                if name_of(&r.journal_name) != key("LD0", "Log1") {
                    return Some(Err(ServiceError::object_non_existent()));
                }
                let start = match &r.entry_to_start_after {
                    Some(a) => self
                        .journal
                        .iter()
                        .position(|e| e.entry_identifier == a.entry_specification)
                        .map_or(self.journal.len(), |p| p + 1),
                    None => 0,
                };
                let limit = match r.range_stop_specification {
                    Some(RangeStop::NumberOfEntries(n)) => n.max(0) as usize,
                    _ => usize::MAX,
                };
                let end = (start + PAGE.min(limit)).min(self.journal.len());
                let more = end < self.journal.len() && end - start < limit;
                Ok(A::ReadJournal(ReadJournalResponse {
                    list_of_journal_entry: self
                        .journal
                        .get(start..end)
                        .unwrap_or_default()
                        .to_vec(),
                    more_follows: more,
                }))
            }
            _ => return None,
        })
    }
}

fn names(n: Vec<String>, more: bool) -> ConfirmedServiceResponse<'static> {
    ConfirmedServiceResponse::GetNameList(GetNameListResponse {
        list_of_identifier: n.into_iter().map(Cow::Owned).collect(),
        more_follows: more,
    })
}

impl Handler for Vmd {
    fn services_supported(&self) -> ServicesSupported {
        use ServiceKind::*;
        ServicesSupported::from_services([
            Status,
            GetNameList,
            Identify,
            Read,
            Write,
            GetVariableAccessAttributes,
            GetNamedTypeAttributes,
            DefineNamedVariableList,
            GetNamedVariableListAttributes,
            DeleteNamedVariableList,
            ReadJournal,
            FileOpen,
            FileRead,
            FileClose,
            FileRename,
            FileDelete,
            FileDirectory,
        ])
    }

    fn confirmed(
        &self,
        _ctx: &mut RequestContext<'_>,
        request: &ConfirmedServiceRequest<'_>,
    ) -> Reply {
        match self.serve(request) {
            Some(r) => Reply::Now(r),
            None => Reply::Unsupported,
        }
    }
}

fn start() -> (RunningServer, Arc<Vmd>) {
    let vmd = Arc::new(Vmd::new());
    let config = ServerConfig::default().with_listen(vec![SocketAddr::from(([127, 0, 0, 1], 0))]);
    let server = Server::bind(config, vmd.clone()).expect("bind");
    (server.spawn().expect("spawn"), vmd)
}

fn connect(server: &RunningServer, pdu_size: Option<i32>) -> Client {
    let mut config = ClientConfig::default();
    if let Some(n) = pdu_size {
        config.endpoint.initiate.local_detail_calling = Some(n);
    }
    config.request_timeout = Duration::from_secs(5);
    Client::connect(server.local_addr(), config).expect("connect")
}

fn ld(d: &str, i: &str) -> ObjectName<'static> {
    ObjectName::domain(d.to_string(), i.to_string())
}

#[test]
fn identify_status_and_paged_name_lists() {
    let (server, _vmd) = start();
    let c = connect(&server, None);
    let id = c.identify().expect("identify");
    assert_eq!(
        (id.vendor.as_str(), id.model.as_str(), id.revision.as_str()),
        ("osi-mms", "client-ops-test", "0.1")
    );
    let s = c.status().expect("status");
    assert_eq!(s.vmd_physical_status, PhysicalStatus::PartiallyOperational);
    // 6 domains in pages of 2: three requests joined in order.
    assert_eq!(
        c.domains().expect("domains"),
        ["BIG", "DEMOLD0", "LD0", "LD1", "LOOP", "STUCK"]
    );
    assert_eq!(
        c.variables("LD0").expect("variables"),
        [
            "Bool1",
            "Float1",
            "Int1",
            "Str1",
            "Struct1",
            "Struct1$mag",
            "Struct1$stVal",
            "Typed1"
        ]
    );
    assert_eq!(c.variables("BIG").expect("big").len(), 300);
    assert_eq!(c.journals("LD0").expect("journals"), ["Log1"]);
    assert!(c.variable_lists("LD1").expect("lists").is_empty());
    // A server that repeats a page, or says more follows with nothing: an error, not a hang.
    assert_eq!(
        c.variables("LOOP"),
        Err(OpError::NoProgress("variable names"))
    );
    assert_eq!(
        c.variables("STUCK"),
        Err(OpError::NoProgress("variable names"))
    );
    // A service error reaches the caller as the ClientError it is.
    let e = c
        .get_name_list(BasicObjectClass::Semaphore.into(), ObjectScope::VmdSpecific)
        .expect_err("semaphores");
    assert_eq!(
        e.client_error(),
        Some(&ClientError::Service(ServiceError::object_undefined()))
    );
    c.conclude().expect("conclude");
}

#[test]
fn browse_skips_component_paths_and_resolves_named_types() {
    let (server, _vmd) = start();
    let c = connect(&server, None);
    let ld0 = c.browse_domain("LD0").expect("browse LD0");
    let names: Vec<&str> = ld0.variables.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Bool1", "Float1", "Int1", "Str1", "Struct1", "Typed1"]
    );
    let ty = |n: &str| {
        ld0.variables
            .iter()
            .find(|(v, _)| v == n)
            .map(|(_, t)| t.clone())
            .expect("variable")
    };
    assert_eq!(ty("Float1"), fp32());
    assert_eq!(ty("Typed1"), TypeDescription::Integer(8));
    match ty("Struct1") {
        TypeDescription::Structure { components, .. } => {
            assert_eq!(components.len(), 2);
            assert_eq!(components[1].component_name.as_deref(), Some("mag"));
        }
        other => panic!("{other:?}"),
    }
    let all = c.browse();
    // LOOP's variables never end: browse reports it instead of hanging.
    assert_eq!(all, Err(OpError::NoProgress("variable names")));
    assert_eq!(
        c.get_variable_access_attributes(&ld("LD1", "Float2")),
        Ok(fp32())
    );
    assert_eq!(
        c.get_variable_access_attributes(&ld("LD1", "Nope"))
            .expect_err("missing")
            .client_error(),
        Some(&ClientError::Service(ServiceError::object_non_existent()))
    );
}

#[test]
fn reads_and_writes_are_split_to_the_pdu_size() {
    let (server, vmd) = start();
    // 1000-octet PDUs: each request holds what fits.
    let c = connect(&server, Some(1000));
    assert_eq!(c.negotiated().max_pdu_size, 1000);
    let names: Vec<ObjectName<'static>> = (0..300)
        .map(|i| ld("BIG", &format!("Variable{i:04}WithAFairlyLongName")))
        .collect();
    let before = vmd.reads.load(Ordering::SeqCst);
    let values = c.read(&names).expect("read 300");
    assert_eq!(values.len(), 300);
    for (i, v) in values.iter().enumerate() {
        assert_eq!(v, &Ok(Data::Integer(i as i64)));
    }
    let requests = vmd.reads.load(Ordering::SeqCst) - before;
    // 300 names of 43 octets each do not fit 2 or 3 requests of 1000 octets.
    assert!(requests >= 14, "{requests} requests");
    assert_eq!(
        vmd.read_names.lock().expect("lock").iter().sum::<usize>(),
        300
    );
    c.conclude().expect("conclude");

    // Large PDUs: at most 100 names per request.
    vmd.read_names.lock().expect("lock").clear();
    let c = connect(&server, None);
    let mut mixed = names.clone();
    mixed.insert(5, ld("BIG", "missing"));
    let values = c.read(&mixed).expect("read 301");
    assert_eq!(values[5], Err(DataAccessError::ObjectNonExistent));
    assert_eq!(values[6], Ok(Data::Integer(5)));
    assert_eq!(*vmd.read_names.lock().expect("lock"), [100, 100, 100, 1]);

    // write_many: one result per item, in order, split the same way.
    let items: Vec<(ObjectName<'static>, Data<'static>)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), Data::Integer(1000 + i as i64)))
        .chain([(ld("BIG", "missing"), Data::Integer(0))])
        .chain([(names[0].clone(), Data::Boolean(true))])
        .collect();
    let before = vmd.writes.load(Ordering::SeqCst);
    let results = c.write_many(&items).expect("write_many");
    assert_eq!(results.len(), 302);
    assert!(results[..300].iter().all(Result::is_ok));
    assert_eq!(results[300], Err(DataAccessError::ObjectNonExistent));
    assert_eq!(results[301], Err(DataAccessError::TypeInconsistent));
    assert_eq!(vmd.writes.load(Ordering::SeqCst) - before, 4);
    assert_eq!(c.read_one(&names[299]), Ok(Data::Integer(1299)));
    assert_eq!(c.read(&[]).expect("empty read"), vec![]);
}

#[test]
fn single_values_rust_types_and_iec61850_references() {
    let (server, _vmd) = start();
    let c = connect(&server, None);
    assert_eq!(c.read_one(&ld("LD0", "Int1")), Ok(Data::Integer(-42)));
    assert_eq!(
        c.read_one(&ld("LD0", "Nope")),
        Err(OpError::Access(DataAccessError::ObjectNonExistent))
    );
    assert_eq!(c.read_value::<bool>(&ld("LD0", "Bool1")), Ok(true));
    assert_eq!(c.read_value::<i64>(&ld("LD0", "Int1")), Ok(-42));
    assert_eq!(c.read_value::<f32>(&ld("LD0", "Float1")), Ok(1.5));
    assert_eq!(c.read_value::<f64>(&ld("LD0", "Float1")), Ok(1.5));
    assert_eq!(
        c.read_value::<String>(&ld("LD0", "Str1")),
        Ok("hello".into())
    );
    assert_eq!(
        c.read_value::<Vec<u8>>(&ld("LD1", "Blob1")),
        Ok(vec![1, 2, 3])
    );
    assert_eq!(c.read_value::<u64>(&ld("LD1", "U1")), Ok(7));
    let t = c
        .read_value::<SystemTime>(&ld("LD1", "Time1"))
        .expect("time");
    assert_eq!(
        t.duration_since(SystemTime::UNIX_EPOCH)
            .expect("after epoch")
            .as_secs(),
        1_700_000_000
    );
    assert_eq!(
        c.read_value::<bool>(&ld("LD0", "Int1")),
        Err(OpError::WrongType {
            expected: "boolean",
            found: "integer".into()
        })
    );

    c.write_value(&ld("LD0", "Int1"), 7i64).expect("write int");
    c.write_value(&ld("LD0", "Float1"), 2.75f32)
        .expect("write f32");
    c.write_value(&ld("LD0", "Str1"), String::from("bye"))
        .expect("write str");
    c.write_value(&ld("LD1", "Blob1"), vec![9u8])
        .expect("write bytes");
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    c.write_value(&ld("LD1", "Time1"), when)
        .expect("write time");
    assert_eq!(c.read_value::<i64>(&ld("LD0", "Int1")), Ok(7));
    assert_eq!(c.read_value::<f32>(&ld("LD0", "Float1")), Ok(2.75));
    assert_eq!(c.read_value::<String>(&ld("LD0", "Str1")), Ok("bye".into()));
    assert_eq!(c.read_value::<Vec<u8>>(&ld("LD1", "Blob1")), Ok(vec![9]));
    assert_eq!(c.read_value::<SystemTime>(&ld("LD1", "Time1")), Ok(when));
    assert_eq!(
        c.write_value(&ld("LD0", "Int1"), true),
        Err(OpError::Access(DataAccessError::TypeInconsistent))
    );

    assert_eq!(
        c.read_61850("DEMOLD0/GGIO1.AnIn1.mag.f", Fc::MX),
        Ok(Data::from(2.5f32))
    );
    assert_eq!(
        c.read_61850_value::<f32>("DEMOLD0/GGIO1.AnIn1.mag.f", Fc::MX),
        Ok(2.5)
    );
    // Wrong FC: another MMS name, which the server does not have.
    assert_eq!(
        c.read_61850("DEMOLD0/GGIO1.AnIn1.mag.f", Fc::ST),
        Err(OpError::Access(DataAccessError::ObjectNonExistent))
    );
    c.write_61850("DEMOLD0/GGIO1.SetPt1.setVal", Fc::SP, Data::Integer(99))
        .expect("write 61850");
    assert_eq!(
        c.read_61850_value::<i64>("DEMOLD0/GGIO1.SetPt1.setVal", Fc::SP),
        Ok(99)
    );
    assert_eq!(
        c.read_61850("no-slash", Fc::ST),
        Err(OpError::BadReference("no-slash".into()))
    );
}

#[test]
fn named_variable_lists() {
    let (server, _vmd) = start();
    let c = connect(&server, None);
    let list = ld("LD0", "DS1");
    let members = [ld("LD0", "Int1"), ld("LD0", "Bool1"), ld("LD0", "Gone")];
    c.define_list(&list, &members).expect("define");
    assert_eq!(
        c.define_list(&list, &members)
            .expect_err("twice")
            .client_error(),
        Some(&ClientError::Service(ServiceError::object_exists()))
    );
    assert_eq!(c.variable_lists("LD0").expect("lists"), ["DS1"]);
    let attrs = c.list_attributes(&list).expect("attributes");
    assert!(attrs.deletable);
    assert_eq!(attrs.members, members);
    assert_eq!(attrs.other_members, 0);
    assert_eq!(
        c.read_list(&list).expect("read list"),
        vec![
            Ok(Data::Integer(-42)),
            Ok(Data::Boolean(true)),
            Err(DataAccessError::ObjectNonExistent)
        ]
    );
    c.delete_list(&list).expect("delete");
    assert_eq!(
        c.delete_list(&list),
        Err(OpError::NotDeleted { matched: 0 })
    );
    assert!(c.variable_lists("LD0").expect("lists").is_empty());
}

#[test]
fn files_directory_download_delete_rename() {
    let (server, vmd) = start();
    let c = connect(&server, None);
    let dir = c.file_directory("").expect("directory");
    let names: Vec<&str> = dir.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["a.txt", "b.bin", "broken", "c.cfg", "d.log"]);
    assert_eq!(dir[1].size, 100);
    assert_eq!(dir[0].modified.as_deref(), Some("20240101120000Z"));
    assert_eq!(
        dir[0]
            .modified_time()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map(|d| d.as_secs()),
        Some(1_704_110_400)
    );

    let mut out = Vec::new();
    let mut seen = Vec::new();
    let n = c
        .download("b.bin", &mut out, |done, size| seen.push((done, size)))
        .expect("download");
    assert_eq!(n, 100);
    assert_eq!(out, (0u8..=255).cycle().take(100).collect::<Vec<_>>());
    // 100 octets in parts of 7: 15 reads, progress after each, the size announced by FileOpen.
    assert_eq!(seen.len(), 15);
    assert_eq!(seen.last(), Some(&(100, Some(100))));
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(vmd.closes.load(Ordering::SeqCst), 1);
    assert!(vmd.open.lock().expect("lock").is_empty());

    let mut empty = Vec::new();
    assert_eq!(c.download("c.cfg", &mut empty, |_, _| {}), Ok(0));
    assert_eq!(vmd.closes.load(Ordering::SeqCst), 2);

    // A read that fails mid-file: the error comes back and the file is still closed.
    let mut partial = Vec::new();
    let e = c
        .download("broken", &mut partial, |_, _| {})
        .expect_err("broken");
    assert_eq!(
        e.client_error(),
        Some(&ClientError::Service(ServiceError::file_access_denied()))
    );
    assert_eq!(partial, b"0123456");
    assert_eq!(vmd.closes.load(Ordering::SeqCst), 3);
    assert!(vmd.open.lock().expect("lock").is_empty());
    // A file that does not exist is never opened, so never closed.
    assert_eq!(
        c.download("nope", &mut Vec::new(), |_, _| {})
            .expect_err("nope")
            .client_error(),
        Some(&ClientError::Service(ServiceError::file_non_existent()))
    );
    assert_eq!(vmd.closes.load(Ordering::SeqCst), 3);

    c.rename_file("a.txt", "z.txt").expect("rename");
    c.delete_file("d.log").expect("delete");
    assert!(c.delete_file("d.log").is_err());
    let names: Vec<String> = c
        .file_directory("")
        .expect("directory")
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["b.bin", "broken", "c.cfg", "z.txt"]);
    let mut z = Vec::new();
    c.download("z.txt", &mut z, |_, _| {}).expect("z");
    assert_eq!(z, b"hello");
}

#[test]
fn journals_are_read_in_pages() {
    let (server, vmd) = start();
    let c = connect(&server, None);
    let log = ld("LD0", "Log1");
    let all = c
        .read_journal(&log, &JournalQuery::default())
        .expect("journal");
    assert_eq!(all, vmd.journal);
    let first3 = c
        .read_journal(
            &log,
            &JournalQuery {
                stop: Some(RangeStop::NumberOfEntries(3)),
                ..Default::default()
            },
        )
        .expect("3 entries");
    assert_eq!(first3.as_slice(), &vmd.journal[..3]);
    assert_eq!(
        c.read_journal(&ld("LD0", "Nope"), &JournalQuery::default())
            .expect_err("no journal")
            .client_error(),
        Some(&ClientError::Service(ServiceError::object_non_existent()))
    );
}

// ---------------------------------------------------------------------------------------------
// Upload with ObtainFile: a server that fetches the file from the client over the same
// association (our server runtime cannot send requests, so this one drives an Endpoint itself).

mod obtain {
    use std::collections::BTreeMap;
    use std::io::{ErrorKind, Read, Write};
    use std::net::TcpListener;
    use std::thread::JoinHandle;
    use std::time::{Duration, Instant};

    use mms::common::FileName;
    use mms::endpoint::{Endpoint, EndpointConfig, MmsEvent};
    use mms::initiate::{ParameterCbb, ServiceKind, ServicesSupported};
    use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse};
    use mms::service_error::{ErrorClass, FileProblem, ServiceError};
    use mms::services::file::{
        FileCloseRequest, FileOpenRequest, FileReadRequest, ObtainFileResponse,
    };

    enum Ev {
        Init(mms::InitiateRequest),
        Obtain(u32, String, String),
        Open(i32),
        Data(Vec<u8>, bool),
        FileClosed,
        Failed(String),
        End,
        Other,
    }

    /// The files obtained (destination → octets) and the sizes of the FileRead parts received.
    pub type Obtained = (BTreeMap<String, Vec<u8>>, Vec<usize>);

    /// Serves one association until it ends.
    pub fn serve(listener: TcpListener) -> JoinHandle<Obtained> {
        std::thread::spawn(move || {
            let (mut tcp, _) = listener.accept().expect("accept");
            tcp.set_read_timeout(Some(Duration::from_millis(5)))
                .expect("timeout");
            let mut ep = Endpoint::accept(EndpointConfig::default(), None);
            let mut files = BTreeMap::new();
            let mut parts = Vec::new();
            let mut obtain: Option<(u32, String)> = None;
            let mut frsm = 0;
            let mut buf = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                let out = ep.transmit().to_vec();
                if !out.is_empty() {
                    tcp.write_all(&out).expect("write");
                    ep.advance_transmit(out.len());
                }
                let space = ep.recv_buffer();
                match tcp.read(space) {
                    Ok(0) => break,
                    Ok(n) => ep.recv_commit(n),
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(e) => panic!("read: {e}"),
                }
                loop {
                    let ev = match ep.poll_event().expect("poll") {
                        None => break,
                        Some(MmsEvent::InitiateIndication { request, .. }) => Ev::Init(request),
                        Some(MmsEvent::Request { pdu, .. }) => match pdu.service {
                            ConfirmedServiceRequest::ObtainFile(o) => Ev::Obtain(
                                pdu.invoke_id,
                                o.source_file.0.join("/"),
                                o.destination_file.0.join("/"),
                            ),
                            _ => Ev::Other,
                        },
                        Some(MmsEvent::Response { pdu, .. }) => match pdu.service {
                            ConfirmedServiceResponse::FileOpen(o) => Ev::Open(o.frsm_id),
                            ConfirmedServiceResponse::FileRead(d) => {
                                Ev::Data(d.file_data.to_vec(), d.more_follows)
                            }
                            ConfirmedServiceResponse::FileClose(_) => Ev::FileClosed,
                            _ => Ev::Other,
                        },
                        Some(MmsEvent::Error(e)) => Ev::Failed(format!("{:?}", e.service_error)),
                        Some(MmsEvent::Closed(_)) => Ev::End,
                        Some(_) => Ev::Other,
                    };
                    match ev {
                        Ev::Init(req) => {
                            ep.accept_initiate(
                                &req,
                                ServicesSupported::from_services([ServiceKind::ObtainFile]),
                                ParameterCbb::libiec61850_like(),
                            )
                            .expect("accept");
                        }
                        Ev::Obtain(id, src, dst) => {
                            // A destination starting with `bad-` makes us ask for a name the
                            // client did not offer.
                            let src = if dst.starts_with("bad-") {
                                format!("{src}.x")
                            } else {
                                src
                            };
                            obtain = Some((id, dst));
                            buf.clear();
                            ep.send_request(&ConfirmedServiceRequest::FileOpen(FileOpenRequest {
                                file_name: FileName::new(src),
                                initial_position: 0,
                            }))
                            .expect("fileOpen");
                        }
                        Ev::Open(f) => {
                            frsm = f;
                            ep.send_request(&ConfirmedServiceRequest::FileRead(FileReadRequest {
                                frsm_id: frsm,
                            }))
                            .expect("fileRead");
                        }
                        Ev::Data(d, more) => {
                            parts.push(d.len());
                            buf.extend_from_slice(&d);
                            let req = if more {
                                ConfirmedServiceRequest::FileRead(FileReadRequest { frsm_id: frsm })
                            } else {
                                ConfirmedServiceRequest::FileClose(FileCloseRequest {
                                    frsm_id: frsm,
                                })
                            };
                            ep.send_request(&req).expect("fileRead/Close");
                        }
                        Ev::FileClosed => {
                            if let Some((id, dst)) = obtain.take() {
                                files.insert(dst, std::mem::take(&mut buf));
                                ep.send_response(
                                    id,
                                    &ConfirmedServiceResponse::ObtainFile(ObtainFileResponse),
                                )
                                .expect("obtainFile response");
                            }
                        }
                        Ev::Failed(why) => {
                            if let Some((id, _)) = obtain.take() {
                                ep.send_error(
                                    id,
                                    &ServiceError::new(ErrorClass::File(
                                        FileProblem::FileNonExistent,
                                    ))
                                    .with_description(why),
                                )
                                .expect("obtainFile error");
                            }
                        }
                        Ev::End => {
                            // Send what is left (the RLRE goes out on the next poll), then
                            // let the client disconnect first, as the release initiator does.
                            let _ = ep.poll_event();
                            let out = ep.transmit().to_vec();
                            let _ = tcp.write_all(&out);
                            let end = Instant::now() + Duration::from_secs(2);
                            let mut sink = [0u8; 512];
                            while Instant::now() < end {
                                match tcp.read(&mut sink) {
                                    Ok(0) => break,
                                    Ok(_) => {}
                                    Err(e)
                                        if matches!(
                                            e.kind(),
                                            ErrorKind::WouldBlock | ErrorKind::TimedOut
                                        ) => {}
                                    Err(_) => break,
                                }
                            }
                            return (files, parts);
                        }
                        Ev::Other => {}
                    }
                }
            }
            (files, parts)
        })
    }
}

#[test]
fn upload_through_obtain_file() {
    use mms::client::files::LocalFiles;
    use mms::service_error::{ErrorClass, FileProblem};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = obtain::serve(listener);
    let files = LocalFiles::new();
    let c =
        Client::connect_with(addr, ClientConfig::default(), Some(files.clone())).expect("connect");
    let dir = std::env::temp_dir().join(format!("osi-mms-conv-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let local = dir.join("firmware.bin");
    let content: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&local, &content).expect("write local");

    c.upload(&files, &local, "remote/firmware.bin")
        .expect("upload");
    // The server asks for a name the client did not offer: the client's LocalFiles answers
    // file-non-existent, which the server passes back as the ObtainFile error.
    let e = c
        .upload(&files, &local, "bad-copy")
        .expect_err("unoffered name");
    match e.client_error() {
        Some(ClientError::Service(s)) => {
            assert_eq!(
                s.error_class,
                ErrorClass::File(FileProblem::FileNonExistent)
            );
            assert!(
                s.additional_description
                    .as_deref()
                    .is_some_and(|d| d.contains("FileNonExistent")),
                "{s:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    // A local file that does not exist never reaches the server.
    assert!(matches!(
        c.upload(&files, dir.join("missing"), "x"),
        Err(OpError::Io(_))
    ));
    c.conclude().expect("conclude");
    let (got, parts) = server.join().expect("server thread");
    assert_eq!(got.len(), 1);
    assert_eq!(got.get("remote/firmware.bin"), Some(&content));
    // 40 000 octets in parts of at most 16 KiB: 16384 + 16384 + 7232.
    assert_eq!(parts, [16384, 16384, 7232]);
    let _ = std::fs::remove_dir_all(&dir);
}

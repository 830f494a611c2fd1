//! The server's object model (ISO 9506-1 §9–§20, Annex D): a VMD with domains, named
//! variables, named variable lists, journals and a file store, served as a [`Handler`].
//!
//! A [`Model`] is shared as `Arc<Model>`: the runtime calls it from its event-loop threads while
//! the application updates values from its own ([`Model::set`]). Build one with
//! [`Model::builder`], from a JSON model file ([`Model::from_json_str`], see
//! `docs/model-format.md`), or take the IEC 61850-shaped [`demo`] model.
//!
//! Named variables follow IEC 61850-8-1 §8.1.3.2: a component of a structured variable is named
//! by a `$` path (`GGIO1$ST$Ind1$stVal`) wherever a variable name is accepted, and GetNameList
//! can list every component path ([`ModelBuilder::expand_components`]).
//!
//! Served (ISO 9506-2 §7.2 confirmed services): status, getNameList, identify, read, write,
//! getVariableAccessAttributes, defineNamedVariableList, getNamedVariableListAttributes,
//! deleteNamedVariableList, readJournal, and with a file store fileOpen, fileRead, fileClose,
//! fileDirectory, fileDelete and fileRename. Everything else goes to the application's
//! fallback handler ([`ModelBuilder::fallback`]) or is [`Reply::Unsupported`].

pub mod access;
pub mod demo;
pub mod files;
pub mod format;
pub mod journals;
pub mod lists;
pub mod names;
pub(crate) mod owned;
pub mod path;
pub mod store;
pub mod variables;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::common::ObjectName;
use crate::data::Data;
use crate::initiate::{ParameterCbb, ServiceKind, ServicesSupported};
use crate::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse, UnconfirmedService};
use crate::service_error::ServiceError;
use crate::services::vmd::{IdentifyResponse, LogicalStatus, PhysicalStatus, StatusResponse};
use crate::types::TypeDescription;

use super::handler::{AssociationInfo, Handler, Reply, RequestContext, ServiceResult};

pub use access::{AccessControl, DynamicValue, Object, Operation, ValueRequest};
pub use files::FileStore;
pub use store::{Journal, ListMember, Scope, StoredEntry, Variable, VariableList, WriteAccess};

/// Why a model could not be built, loaded or updated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A named variable is wrong (bad type, value not fitting the type, duplicate...).
    #[error("variable {name}: {reason}")]
    Variable {
        /// The variable (`domain/item` or `item`).
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A named variable list is wrong (unknown member, duplicate...).
    #[error("variable list {name}: {reason}")]
    List {
        /// The list.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A journal is wrong.
    #[error("journal {name}: {reason}")]
    Journal {
        /// The journal.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A domain named in an update does not exist.
    #[error("unknown domain {0}")]
    UnknownDomain(String),
    /// The file store root is not a usable directory.
    #[error("file store {path}: {reason}")]
    Files {
        /// The root given.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A model file is malformed: `at` names the place in the file.
    #[error("model file: {at}: {reason}")]
    Format {
        /// The JSON path (e.g. `domains.DEMOLD0.variables[2].type`).
        at: String,
        /// What is wrong.
        reason: String,
    },
}

/// The VMD's identity (ISO 9506-1 §10.7 Identify: vendor name, model name, revision).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `vendorName`.
    pub vendor: String,
    /// `modelName`.
    pub model: String,
    /// `revision`.
    pub revision: String,
}

/// The object model and the [`Handler`] serving it (ISO 9506-1 §5 VMD).
pub struct Model {
    identity: RwLock<Identity>,
    status: RwLock<StatusResponse>,
    objects: RwLock<store::Objects>,
    aa: Mutex<HashMap<u64, store::AaState>>,
    files: Option<FileStore>,
    expand_components: bool,
    access: Option<Box<dyn AccessControl>>,
    fallback: Option<Box<dyn Handler>>,
    obtain: RwLock<files::ObtainLimits>,
    /// The server this model serves, for the requests it sends itself (obtainFile).
    #[cfg(feature = "runtime")]
    peer: std::sync::OnceLock<crate::server::ServerHandle>,
    #[cfg(feature = "runtime")]
    obtaining: Arc<std::sync::atomic::AtomicUsize>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("identity", &*read(&self.identity))
            .field("expand_components", &self.expand_components)
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

fn lock<T>(l: &Mutex<T>) -> MutexGuard<'_, T> {
    l.lock().unwrap_or_else(|e| e.into_inner())
}

/// Parses `domain/item`, `@item` (AA-specific) or `item` (in `default_domain`, else
/// VMD-specific): the text form of ObjectName (ISO 9506-2 §7.1.3) the builder and model file use.
pub fn parse_name(s: &str, default_domain: Option<&str>) -> ObjectName<'static> {
    if let Some(rest) = s.strip_prefix('@') {
        ObjectName::aa(rest.to_string())
    } else if let Some((d, i)) = s.split_once('/') {
        ObjectName::domain(d.to_string(), i.to_string())
    } else if let Some(d) = default_domain {
        ObjectName::domain(d.to_string(), s.to_string())
    } else {
        ObjectName::vmd(s.to_string())
    }
}

impl Model {
    /// A builder for a model (identity `osi-mms` / `model` / crate version, no objects).
    pub fn builder() -> ModelBuilder {
        ModelBuilder::default()
    }

    /// The identity Identify returns.
    pub fn identity(&self) -> Identity {
        read(&self.identity).clone()
    }

    /// Sets the VMD status Status returns (ISO 9506-1 §10.3).
    pub fn set_status(&self, logical: LogicalStatus, physical: PhysicalStatus) {
        let mut s = write(&self.status);
        s.vmd_logical_status = logical;
        s.vmd_physical_status = physical;
    }

    /// True when GetNameList lists component paths (IEC 61850-8-1 browsing).
    pub fn expands_components(&self) -> bool {
        self.expand_components
    }

    /// The file store, if one is configured.
    pub fn file_store(&self) -> Option<&FileStore> {
        self.files.as_ref()
    }

    /// Sets the value at `path` (a variable name or `$` component path) of domain `domain`,
    /// checked against the type (ISO 9506-1 §14.4). Callable from any thread while serving.
    pub fn set(&self, domain: &str, path: &str, value: Data<'_>) -> Result<(), ModelError> {
        self.set_name(&ObjectName::domain(domain, path), value)
    }

    /// [`Model::set`] for a VMD-specific variable.
    pub fn set_vmd(&self, path: &str, value: Data<'_>) -> Result<(), ModelError> {
        self.set_name(&ObjectName::vmd(path), value)
    }

    /// [`Model::set`] by object name.
    pub fn set_name(&self, name: &ObjectName<'_>, value: Data<'_>) -> Result<(), ModelError> {
        let err = |reason: String| ModelError::Variable {
            name: name.to_string(),
            reason,
        };
        let mut objs = write(&self.objects);
        if let ObjectName::DomainSpecific { domain_id, .. } = name {
            if !objs.domains.contains_key(domain_id.as_ref()) {
                return Err(ModelError::UnknownDomain(domain_id.to_string()));
            }
        }
        let (top, p) = {
            let f = objs
                .find(name)
                .ok_or_else(|| err("no such variable".into()))?;
            (f.top.item().to_string(), f.path)
        };
        let scope = objs
            .scope_of_mut(name)
            .ok_or_else(|| err("no such scope".into()))?;
        let var = scope
            .variables
            .get_mut(&top)
            .ok_or_else(|| err("no such variable".into()))?;
        let (ty, slot) = path::at_mut(&var.ty, &mut var.value, &p)
            .ok_or_else(|| err("no such component".into()))?;
        if let Some(why) = path::mismatch(ty, &value) {
            return Err(err(why));
        }
        *slot = value.into_owned();
        Ok(())
    }

    /// The stored value at `path` of domain `domain` (`None`: no such variable or component).
    pub fn get(&self, domain: &str, path: &str) -> Option<Data<'static>> {
        self.get_name(&ObjectName::domain(domain, path))
    }

    /// The stored value of a variable or component by object name.
    pub fn get_name(&self, name: &ObjectName<'_>) -> Option<Data<'static>> {
        let objs = read(&self.objects);
        let f = objs.find(name)?;
        path::at(&f.var.ty, &f.var.value, &f.path).map(|(_, d)| d.clone())
    }

    /// The type at a variable or component name.
    pub fn type_of(&self, name: &ObjectName<'_>) -> Option<TypeDescription<'static>> {
        let objs = read(&self.objects);
        let f = objs.find(name)?;
        path::type_at(&f.var.ty, &f.path).cloned()
    }

    /// Appends an entry to a journal (VMD-specific when `domain` is None); returns its entry
    /// identifier. `time_ms` is milliseconds since the Unix epoch.
    pub fn journal_append(
        &self,
        domain: Option<&str>,
        journal: &str,
        time_ms: i64,
        variables: Vec<(String, Data<'static>)>,
    ) -> Result<u64, ModelError> {
        let mut objs = write(&self.objects);
        let scope = match domain {
            None => &mut objs.vmd,
            Some(d) => objs
                .domains
                .get_mut(d)
                .ok_or_else(|| ModelError::UnknownDomain(d.to_string()))?,
        };
        let j = scope
            .journals
            .get_mut(journal)
            .ok_or_else(|| ModelError::Journal {
                name: journal.to_string(),
                reason: "no such journal".into(),
            })?;
        Ok(j.append(time_ms, variables, None))
    }

    /// A copy of every VMD- and domain-specific object (for export, [`Model::to_json_string`]).
    pub fn snapshot(&self) -> (Scope, std::collections::BTreeMap<String, Scope>) {
        let o = read(&self.objects);
        (o.vmd.clone(), o.domains.clone())
    }

    /// The number of AA-specific variable lists and open files of an association (for tests
    /// and diagnostics).
    pub fn association_state(&self, id: u64) -> (usize, usize) {
        lock(&self.aa)
            .get(&id)
            .map_or((0, 0), |s| (s.lists.len(), s.files.len()))
    }

    pub(crate) fn allowed(&self, info: &AssociationInfo, op: Operation, obj: &Object<'_>) -> bool {
        self.access
            .as_ref()
            .map_or(true, |a| a.allow(info, op, obj))
    }

    pub(crate) fn objects(&self) -> RwLockReadGuard<'_, store::Objects> {
        read(&self.objects)
    }

    pub(crate) fn objects_mut(&self) -> RwLockWriteGuard<'_, store::Objects> {
        write(&self.objects)
    }

    pub(crate) fn with_aa<R>(&self, id: u64, f: impl FnOnce(&mut store::AaState) -> R) -> R {
        let mut m = lock(&self.aa);
        f(m.entry(id).or_default())
    }

    /// Attaches the server that serves this model (after [`Server::bind`](crate::server::Server::bind),
    /// from [`Server::handle`](crate::server::Server::handle)): with a file store, the model then
    /// also serves ObtainFile (ISO 9506-1 Annex D.3), fetching the file from the requester on
    /// the same association. Returns `false` (and changes nothing) when already attached.
    #[cfg(feature = "runtime")]
    pub fn attach(&self, server: crate::server::ServerHandle) -> bool {
        self.peer.set(server).is_ok()
    }

    /// The bounds on an ObtainFile transfer (default 16 MiB within 60 s).
    pub fn obtain_limits(&self) -> files::ObtainLimits {
        *read(&self.obtain)
    }

    /// Sets the bounds on the ObtainFile transfers that start from now on.
    pub fn set_obtain_limits(&self, limits: files::ObtainLimits) {
        *write(&self.obtain) = limits;
    }

    /// A place for one more ObtainFile transfer, if fewer than [`files::MAX_OBTAINING`] run.
    #[cfg(feature = "runtime")]
    fn obtain_slot(&self) -> Option<files::ObtainSlot> {
        use std::sync::atomic::Ordering;
        self.obtaining
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < files::MAX_OBTAINING).then_some(n + 1)
            })
            .ok()
            .map(|_| files::ObtainSlot(self.obtaining.clone()))
    }

    /// Whether ObtainFile is served: a file store and an attached server.
    fn serves_obtain(&self) -> bool {
        #[cfg(feature = "runtime")]
        {
            self.files.is_some() && self.peer.get().is_some()
        }
        #[cfg(not(feature = "runtime"))]
        {
            false
        }
    }

    /// The services the model itself serves (without the fallback's).
    pub fn own_services(&self) -> Vec<ServiceKind> {
        use ServiceKind::*;
        let mut v = vec![
            Status,
            GetNameList,
            Identify,
            Read,
            Write,
            GetVariableAccessAttributes,
            DefineNamedVariableList,
            GetNamedVariableListAttributes,
            DeleteNamedVariableList,
            ReadJournal,
        ];
        if self.files.is_some() {
            v.extend([
                FileOpen,
                FileRead,
                FileClose,
                FileRename,
                FileDelete,
                FileDirectory,
            ]);
        }
        if self.serves_obtain() {
            v.push(ObtainFile);
        }
        v
    }

    fn identify(&self) -> ServiceResult {
        let id = read(&self.identity);
        Ok(ConfirmedServiceResponse::Identify(IdentifyResponse {
            vendor_name: id.vendor.clone().into(),
            model_name: id.model.clone().into(),
            revision: id.revision.clone().into(),
            list_of_abstract_syntaxes: None,
        }))
    }

    fn status(&self) -> ServiceResult {
        Ok(ConfirmedServiceResponse::Status(*read(&self.status)))
    }

    fn fallback(&self, ctx: &mut RequestContext<'_>, req: &ConfirmedServiceRequest<'_>) -> Reply {
        match &self.fallback {
            Some(h) => h.confirmed(ctx, req),
            None => Reply::Unsupported,
        }
    }
}

impl Handler for Model {
    fn services_supported(&self) -> ServicesSupported {
        let mut s = ServicesSupported::from_services(self.own_services());
        if let Some(f) = &self.fallback {
            let theirs = f.services_supported();
            let all: Vec<ServiceKind> = s.iter().chain(theirs.iter()).collect();
            s = ServicesSupported::from_services(all);
        }
        s
    }

    fn parameter_cbb(&self) -> ParameterCbb {
        ParameterCbb::libiec61850_like()
    }

    fn associated(&self, info: &AssociationInfo) -> Result<(), ServiceError<'static>> {
        match &self.fallback {
            Some(f) => f.associated(info),
            None => Ok(()),
        }
    }

    fn confirmed(
        &self,
        ctx: &mut RequestContext<'_>,
        request: &ConfirmedServiceRequest<'_>,
    ) -> Reply {
        use ConfirmedServiceRequest as R;
        let info = ctx.association;
        let files = self.files.as_ref();
        let r = match request {
            R::Status(_) => self.status(),
            R::Identify(_) => self.identify(),
            R::GetNameList(q) => names::get_name_list(self, info, q),
            R::Read(q) => variables::read(self, info, q),
            R::Write(q) => variables::write(self, info, q),
            R::GetVariableAccessAttributes(q) => variables::get_attributes(self, info, q),
            R::DefineNamedVariableList(q) => lists::define(self, info, q),
            R::GetNamedVariableListAttributes(q) => lists::get_attributes(self, info, q),
            R::DeleteNamedVariableList(q) => lists::delete(self, info, q),
            R::ReadJournal(q) => journals::read_journal(self, info, q),
            R::FileOpen(q) if files.is_some() => files::open(self, info, q),
            R::FileRead(q) if files.is_some() => files::read(self, info, q),
            R::FileClose(q) if files.is_some() => files::close(self, info, q),
            R::FileDirectory(q) if files.is_some() => files::directory(self, info, q),
            R::FileDelete(q) if files.is_some() => files::delete(self, info, q),
            R::FileRename(q) if files.is_some() => files::rename(self, info, q),
            #[cfg(feature = "runtime")]
            R::ObtainFile(q) if self.serves_obtain() => {
                if let Some(peer) = self.peer.get() {
                    return files::obtain(self, peer, ctx, q);
                }
                return self.fallback(ctx, request);
            }
            _ => return self.fallback(ctx, request),
        };
        Reply::Now(r)
    }

    fn unconfirmed(&self, info: &AssociationInfo, service: &UnconfirmedService<'_>) {
        if let Some(f) = &self.fallback {
            f.unconfirmed(info, service);
        }
    }

    fn cancel(&self, info: &AssociationInfo, invoke_id: u32) -> bool {
        self.fallback
            .as_ref()
            .is_some_and(|f| f.cancel(info, invoke_id))
    }

    fn closed(&self, info: &AssociationInfo) {
        lock(&self.aa).remove(&info.id);
        if let Some(f) = &self.fallback {
            f.closed(info);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Builder

/// Builds a [`Model`]; see [`Model::builder`].
pub struct ModelBuilder {
    identity: Identity,
    expand_components: bool,
    objects: store::Objects,
    files: Option<PathBuf>,
    access: Option<Box<dyn AccessControl>>,
    fallback: Option<Box<dyn Handler>>,
    errors: Vec<ModelError>,
}

impl Default for ModelBuilder {
    fn default() -> Self {
        ModelBuilder {
            identity: Identity {
                vendor: "osi-mms".into(),
                model: "model".into(),
                revision: env!("CARGO_PKG_VERSION").into(),
            },
            expand_components: false,
            objects: store::Objects::default(),
            files: None,
            access: None,
            fallback: None,
            errors: Vec::new(),
        }
    }
}

impl std::fmt::Debug for ModelBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelBuilder")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl ModelBuilder {
    /// Vendor, model and revision for Identify (ISO 9506-1 §10.7).
    pub fn identity(mut self, vendor: &str, model: &str, revision: &str) -> Self {
        self.identity = Identity {
            vendor: vendor.into(),
            model: model.into(),
            revision: revision.into(),
        };
        self
    }

    /// List every component path of structured variables in GetNameList (IEC 61850-8-1
    /// browsing). Off by default (plain MMS).
    pub fn expand_components(mut self, on: bool) -> Self {
        self.expand_components = on;
        self
    }

    /// Adds VMD-specific objects.
    pub fn vmd(mut self, f: impl FnOnce(ScopeBuilder) -> ScopeBuilder) -> Self {
        let b = f(ScopeBuilder::new(
            None,
            std::mem::take(&mut self.objects.vmd),
        ));
        self.errors.extend(b.errors);
        self.objects.vmd = b.scope;
        self
    }

    /// Adds (or extends) a domain (ISO 9506-1 §11) and its objects.
    pub fn domain(mut self, name: &str, f: impl FnOnce(ScopeBuilder) -> ScopeBuilder) -> Self {
        let existing = self.objects.domains.remove(name).unwrap_or_default();
        let b = f(ScopeBuilder::new(Some(name.to_string()), existing));
        self.errors.extend(b.errors);
        self.objects.domains.insert(name.to_string(), b.scope);
        self
    }

    /// Serves the files below `root` (ISO 9506-1 Annex D file services).
    pub fn files(mut self, root: impl Into<PathBuf>) -> Self {
        self.files = Some(root.into());
        self
    }

    /// Installs access control.
    pub fn access_control(mut self, a: impl AccessControl) -> Self {
        self.access = Some(Box::new(a));
        self
    }

    /// The handler for every service the model does not serve.
    pub fn fallback(mut self, h: impl Handler) -> Self {
        self.fallback = Some(Box::new(h));
        self
    }

    /// Checks the model (values fit types, list members exist, the file root is a directory)
    /// and builds it.
    pub fn build(self) -> Result<Model, ModelError> {
        if let Some(e) = self.errors.into_iter().next() {
            return Err(e);
        }
        let objs = self.objects;
        let check_lists = |scope: &Scope, dom: Option<&str>| -> Result<(), ModelError> {
            for (n, l) in &scope.lists {
                for m in &l.members {
                    let ok = objs.find(&m.name).is_some_and(|f| {
                        let Some((t, d)) = path::at(&f.var.ty, &f.var.value, &f.path) else {
                            return false;
                        };
                        m.alternate_access
                            .as_ref()
                            .map_or(true, |aa| path::apply(t, d, aa).is_ok())
                    });
                    if !ok {
                        return Err(ModelError::List {
                            name: dom.map_or(n.clone(), |d| format!("{d}/{n}")),
                            reason: format!("member {} does not exist", m.name),
                        });
                    }
                }
            }
            Ok(())
        };
        check_lists(&objs.vmd, None)?;
        for (d, s) in &objs.domains {
            check_lists(s, Some(d))?;
        }
        let files = match self.files {
            Some(p) => Some(FileStore::new(&p)?),
            None => None,
        };
        Ok(Model {
            identity: RwLock::new(self.identity),
            status: RwLock::new(StatusResponse {
                vmd_logical_status: LogicalStatus::StateChangesAllowed,
                vmd_physical_status: PhysicalStatus::Operational,
                local_detail: None,
            }),
            objects: RwLock::new(objs),
            aa: Mutex::new(HashMap::new()),
            files,
            expand_components: self.expand_components,
            access: self.access,
            fallback: self.fallback,
            obtain: RwLock::new(files::ObtainLimits::default()),
            #[cfg(feature = "runtime")]
            peer: std::sync::OnceLock::new(),
            #[cfg(feature = "runtime")]
            obtaining: Arc::default(),
        })
    }
}

/// Adds the objects of one scope (the VMD or a domain) to a [`ModelBuilder`].
pub struct ScopeBuilder {
    domain: Option<String>,
    scope: Scope,
    errors: Vec<ModelError>,
}

impl std::fmt::Debug for ScopeBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopeBuilder")
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

impl ScopeBuilder {
    fn new(domain: Option<String>, scope: Scope) -> Self {
        ScopeBuilder {
            domain,
            scope,
            errors: Vec::new(),
        }
    }

    fn qualified(&self, name: &str) -> String {
        match &self.domain {
            Some(d) => format!("{d}/{name}"),
            None => name.to_string(),
        }
    }

    fn check_type(ty: &TypeDescription<'static>) -> Result<(), String> {
        match ty {
            TypeDescription::Structure { components, .. } => {
                let mut seen = std::collections::HashSet::new();
                for c in components {
                    let Some(n) = &c.component_name else {
                        return Err("a structure component has no name".into());
                    };
                    if !seen.insert(n.as_ref()) {
                        return Err(format!("component {n} appears twice"));
                    }
                    let t = path::described(&c.component_type)
                        .ok_or_else(|| format!("component {n}: named types are not supported"))?;
                    Self::check_type(t).map_err(|e| format!("{n}: {e}"))?;
                }
                Ok(())
            }
            TypeDescription::Array { element_type, .. } => {
                let t = path::described(element_type)
                    .ok_or_else(|| "named element types are not supported".to_string())?;
                Self::check_type(t)
            }
            _ => Ok(()),
        }
    }

    /// Adds a variable with its own access (the general form of [`ScopeBuilder::variable`]).
    /// `value` None: the type's default value.
    pub fn variable_with(
        mut self,
        name: &str,
        ty: TypeDescription<'static>,
        value: Option<Data<'static>>,
        write: WriteAccess,
    ) -> Self {
        let err = |reason: String| ModelError::Variable {
            name: self.qualified(name),
            reason,
        };
        if name.is_empty() || name.contains('$') {
            let e = err("a variable name is non-empty and has no '$'".into());
            self.errors.push(e);
            return self;
        }
        if self.scope.variables.contains_key(name) {
            let e = err("defined twice".into());
            self.errors.push(e);
            return self;
        }
        if let Err(why) = Self::check_type(&ty) {
            let e = err(why);
            self.errors.push(e);
            return self;
        }
        let value = value
            .unwrap_or_else(|| path::default_value(&ty))
            .into_owned();
        if let Some(why) = path::mismatch(&ty, &value) {
            let e = err(format!("initial value: {why}"));
            self.errors.push(e);
            return self;
        }
        self.scope.variables.insert(
            name.to_string(),
            Variable {
                ty,
                value,
                readable: true,
                write,
                dynamic: None,
            },
        );
        self
    }

    /// Adds a read-only named variable (ISO 9506-1 §14.1.1).
    pub fn variable(self, name: &str, ty: TypeDescription<'static>, value: Data<'static>) -> Self {
        self.variable_with(name, ty, Some(value), WriteAccess::None)
    }

    /// Adds a readable and writable named variable.
    pub fn writable(self, name: &str, ty: TypeDescription<'static>, value: Data<'static>) -> Self {
        self.variable_with(name, ty, Some(value), WriteAccess::All)
    }

    /// Makes the given component paths of variable `name` (and what lies below them)
    /// writable, e.g. `["SP", "CO"]` for IEC 61850 set points and controls.
    pub fn write_paths(mut self, name: &str, paths: &[&str]) -> Self {
        match self.scope.variables.get_mut(name) {
            Some(v) => v.write = WriteAccess::Paths(paths.iter().map(|p| p.to_string()).collect()),
            None => {
                let e = ModelError::Variable {
                    name: self.qualified(name),
                    reason: "write_paths on an undefined variable".into(),
                };
                self.errors.push(e);
            }
        }
        self
    }

    /// Makes variable `name`'s value dynamic.
    pub fn dynamic(mut self, name: &str, source: Arc<dyn DynamicValue>) -> Self {
        match self.scope.variables.get_mut(name) {
            Some(v) => v.dynamic = Some(source),
            None => {
                let e = ModelError::Variable {
                    name: self.qualified(name),
                    reason: "dynamic on an undefined variable".into(),
                };
                self.errors.push(e);
            }
        }
        self
    }

    /// Makes every variable of this scope without a source of its own dynamic.
    pub fn dynamic_all(mut self, source: Arc<dyn DynamicValue>) -> Self {
        self.scope.dynamic = Some(store::DynamicSlot(source));
        self
    }

    /// Adds a named variable list (ISO 9506-1 §14.1.3; an IEC 61850 data set). Members are
    /// `domain/item`, `item` (this scope) or `@item`, items may be `$` paths.
    pub fn list(mut self, name: &str, members: &[&str], deletable: bool) -> Self {
        if self.scope.lists.contains_key(name) {
            let e = ModelError::List {
                name: self.qualified(name),
                reason: "defined twice".into(),
            };
            self.errors.push(e);
            return self;
        }
        let members = members
            .iter()
            .map(|m| ListMember {
                name: parse_name(m, self.domain.as_deref()),
                alternate_access: None,
            })
            .collect();
        self.scope
            .lists
            .insert(name.to_string(), VariableList { members, deletable });
        self
    }

    /// Adds a journal (ISO 9506-1 §20.1) with its entries.
    pub fn journal(mut self, name: &str, journal: Journal) -> Self {
        self.scope.journals.insert(name.to_string(), journal);
        self
    }
}

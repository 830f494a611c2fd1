//! What the model holds (ISO 9506-1 §9–§20 object classes): domains, named variables, named
//! variable lists and journals, VMD-, domain- and association-specific.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::access::AlternateAccess;
use crate::common::ObjectName;
use crate::data::Data;
use crate::types::TypeDescription;

use super::access::DynamicValue;
use super::files::OpenFile;

/// Who may write a named variable (ISO 9506-1 §14.1 access control of a Named Variable object,
/// narrowed to component paths for IEC 61850-8-1 functional constraints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteAccess {
    /// Read-only.
    None,
    /// The whole variable and every part of it.
    All,
    /// Only these component paths (e.g. `SP` or `CO$Oper`) and what lies below them.
    Paths(Vec<String>),
}

impl WriteAccess {
    /// True when a write to the component path `path` (`""` = the whole variable) is allowed.
    pub fn allows(&self, path: &str) -> bool {
        match self {
            WriteAccess::None => false,
            WriteAccess::All => true,
            WriteAccess::Paths(ps) => ps.iter().any(|p| {
                path == p
                    || (path.len() > p.len()
                        && path.starts_with(p.as_str())
                        && path.as_bytes().get(p.len()) == Some(&b'$'))
            }),
        }
    }
}

/// A Named Variable object (ISO 9506-1 §14.1.1): its type, current value and access.
#[derive(Clone)]
pub struct Variable {
    /// The type (ISO 9506-2 §14.4.1), described (no named types).
    pub ty: TypeDescription<'static>,
    /// The current value, conforming to `ty`.
    pub value: Data<'static>,
    /// Whether the variable may be read.
    pub readable: bool,
    /// What may be written.
    pub write: WriteAccess,
    /// A dynamic value source overriding the stored value.
    pub dynamic: Option<Arc<dyn DynamicValue>>,
}

impl std::fmt::Debug for Variable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Variable")
            .field("ty", &self.ty)
            .field("value", &self.value)
            .field("readable", &self.readable)
            .field("write", &self.write)
            .field("dynamic", &self.dynamic.is_some())
            .finish()
    }
}

/// One member of a named variable list (ISO 9506-2 §14.2 `listOfVariable` element, by name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListMember {
    /// The variable (a component path with `$` is allowed).
    pub name: ObjectName<'static>,
    /// The alternate access applied to it.
    pub alternate_access: Option<AlternateAccess<'static>>,
}

/// A Named Variable List object (ISO 9506-1 §14.1.3; an IEC 61850 data set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableList {
    /// The members in order.
    pub members: Vec<ListMember>,
    /// `mmsDeletable`: whether DeleteNamedVariableList may delete it.
    pub deletable: bool,
}

/// One entry of a journal (ISO 9506-1 §20.1 Journal Entry).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEntry {
    /// The entry identifier (unique, increasing within the journal).
    pub id: u64,
    /// The occurrence time in milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// The data entry's variables (`variableTag`, value), or empty for an annotation.
    pub variables: Vec<(String, Data<'static>)>,
    /// An annotation entry's text.
    pub annotation: Option<String>,
}

/// A Journal object (ISO 9506-1 §20.1).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Journal {
    /// The entries in occurrence order.
    pub entries: Vec<StoredEntry>,
    /// The next entry identifier.
    pub next_id: u64,
}

impl Journal {
    /// Appends an entry, keeping the entries ordered by time; returns its identifier.
    pub fn append(
        &mut self,
        time_ms: i64,
        variables: Vec<(String, Data<'static>)>,
        annotation: Option<String>,
    ) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        let pos = self.entries.partition_point(|e| e.time_ms <= time_ms);
        self.entries.insert(
            pos,
            StoredEntry {
                id,
                time_ms,
                variables,
                annotation,
            },
        );
        id
    }
}

/// The objects of one scope: the VMD or one domain (ISO 9506-1 §9 scope of names).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Named variables by name.
    pub variables: BTreeMap<String, Variable>,
    /// Named variable lists by name.
    pub lists: BTreeMap<String, VariableList>,
    /// Journals by name.
    pub journals: BTreeMap<String, Journal>,
    /// A dynamic value source for every variable of the scope without one of its own.
    pub dynamic: Option<DynamicSlot>,
}

/// A shared dynamic value source (a newtype so [`Scope`] can derive `Debug`).
#[derive(Clone)]
pub struct DynamicSlot(pub Arc<dyn DynamicValue>);

impl std::fmt::Debug for DynamicSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DynamicSlot")
    }
}

/// Every VMD- and domain-specific object.
#[derive(Debug, Clone, Default)]
pub struct Objects {
    /// VMD-specific objects.
    pub vmd: Scope,
    /// Domains (ISO 9506-1 §11) by name.
    pub domains: BTreeMap<String, Scope>,
}

/// Per-association state: AA-specific variable lists and open files (FRSMs).
#[derive(Debug, Default)]
pub struct AaState {
    /// AA-specific named variable lists.
    pub lists: BTreeMap<String, VariableList>,
    /// Open files by FRSM id.
    pub files: HashMap<i32, OpenFile>,
    /// The last FRSM id handed out.
    pub last_frsm: i32,
}

/// A named variable found by name, with the component path into it.
pub struct Found<'o> {
    /// The variable.
    pub var: &'o Variable,
    /// The top-level variable name.
    pub top: ObjectName<'static>,
    /// The `$`-separated component path inside it (`""` for the whole variable).
    pub path: String,
    /// The scope's dynamic value source.
    pub scope_dynamic: Option<Arc<dyn DynamicValue>>,
}

impl Objects {
    /// The scope of a VMD- or domain-specific name (`None` for AA-specific names and unknown
    /// domains).
    pub fn scope_of(&self, name: &ObjectName<'_>) -> Option<&Scope> {
        match name {
            ObjectName::VmdSpecific(_) => Some(&self.vmd),
            ObjectName::DomainSpecific { domain_id, .. } => self.domains.get(domain_id.as_ref()),
            ObjectName::AaSpecific(_) => None,
        }
    }

    /// Mutable [`Objects::scope_of`].
    pub fn scope_of_mut(&mut self, name: &ObjectName<'_>) -> Option<&mut Scope> {
        match name {
            ObjectName::VmdSpecific(_) => Some(&mut self.vmd),
            ObjectName::DomainSpecific { domain_id, .. } => {
                self.domains.get_mut(domain_id.as_ref())
            }
            ObjectName::AaSpecific(_) => None,
        }
    }

    /// Finds a named variable, splitting an IEC 61850-8-1 `$` path: the longest prefix that
    /// names a variable is the variable, the rest is the component path (which must exist in
    /// its type).
    pub fn find(&self, name: &ObjectName<'_>) -> Option<Found<'_>> {
        let scope = self.scope_of(name)?;
        let item = name.item();
        let mut cut = item.len();
        loop {
            let head = item.get(..cut)?;
            if let Some(var) = scope.variables.get(head) {
                let path = item.get(cut..).unwrap_or("").trim_start_matches('$');
                if cut < item.len() && item.as_bytes().get(cut) != Some(&b'$') {
                    return None;
                }
                super::path::type_at(&var.ty, path)?;
                let top = match name {
                    ObjectName::DomainSpecific { domain_id, .. } => {
                        ObjectName::domain(domain_id.to_string(), head.to_string())
                    }
                    _ => ObjectName::vmd(head.to_string()),
                };
                return Some(Found {
                    var,
                    top,
                    path: path.to_string(),
                    scope_dynamic: scope.dynamic.as_ref().map(|d| Arc::clone(&d.0)),
                });
            }
            cut = head.rfind('$')?;
        }
    }
}

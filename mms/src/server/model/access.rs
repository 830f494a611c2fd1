//! What applications plug into the model: access control per association (ISO 9506-1 §5.5
//! access control, as ICCP bilateral tables (IEC 60870-6-503 §8) apply it by calling AP-title)
//! and dynamic values (a variable whose value the application produces on read and accepts on
//! write, ISO 9506-1 §14.1 "real variables").

use crate::common::ObjectName;
use crate::data::{Data, DataAccessError};
use crate::server::handler::AssociationInfo;

/// What a client is about to do with an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Read a variable (Read, a variable list read, journal variables).
    Read,
    /// Write a variable (Write).
    Write,
    /// See that the object exists (GetNameList, GetVariableAccessAttributes,
    /// GetNamedVariableListAttributes, FileDirectory). Denied: the object is hidden.
    Browse,
    /// Define a named variable list (DefineNamedVariableList).
    Define,
    /// Delete a named variable list (DeleteNamedVariableList).
    Delete,
    /// Read a journal (ReadJournal).
    ReadJournal,
    /// Open and read a file (FileOpen).
    ReadFile,
    /// Delete or rename a file (FileDelete, FileRename).
    ModifyFile,
}

/// The object an [`Operation`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object<'a> {
    /// A named variable (or a component path of one).
    Variable(&'a ObjectName<'a>),
    /// A named variable list.
    VariableList(&'a ObjectName<'a>),
    /// A journal.
    Journal(&'a ObjectName<'a>),
    /// A domain (in a VMD-scope GetNameList of domains).
    Domain(&'a str),
    /// A file, by its path relative to the file store root (`/`-separated).
    File(&'a str),
}

/// Access control per association (ISO 9506-1 §5.5; ICCP bilateral tables). Denied reads and
/// writes answer object-access-denied; a denied browse hides the object.
///
/// `allow` may be called while the model holds its locks: it must not call back into the
/// [`super::Model`].
pub trait AccessControl: Send + Sync + 'static {
    /// True when the association may do `op` on `object`.
    fn allow(&self, info: &AssociationInfo, op: Operation, object: &Object<'_>) -> bool;
}

impl<F> AccessControl for F
where
    F: Fn(&AssociationInfo, Operation, &Object<'_>) -> bool + Send + Sync + 'static,
{
    fn allow(&self, info: &AssociationInfo, op: Operation, object: &Object<'_>) -> bool {
        self(info, op, object)
    }
}

/// The variable a [`DynamicValue`] is asked about.
#[derive(Debug, Clone, Copy)]
pub struct ValueRequest<'a> {
    /// The association, when a client asks (None for application reads through the model).
    pub association: Option<&'a AssociationInfo>,
    /// The top-level named variable.
    pub variable: &'a ObjectName<'a>,
    /// The component path inside it (`$`-separated, `""` for the whole variable).
    pub path: &'a str,
}

/// A variable whose value the application produces (ISO 9506-1 §14.1: the VMD maps a named
/// variable onto a real variable). Registered per variable or per domain.
pub trait DynamicValue: Send + Sync + 'static {
    /// Produces the whole variable's value on a read; `stored` is the model's current value
    /// (the default returns it). An error becomes the read's DataAccessError.
    fn read(
        &self,
        request: &ValueRequest<'_>,
        stored: &Data<'static>,
    ) -> Result<Data<'static>, DataAccessError> {
        let _ = request;
        Ok(stored.clone())
    }

    /// Accepts a write of `value` (already checked against the type) to `request.path`.
    /// `Ok` stores it in the model too; an error becomes the write's DataAccessError.
    fn write(&self, request: &ValueRequest<'_>, value: &Data<'_>) -> Result<(), DataAccessError>;
}

//! Device control as a client sees it (IEC 60870-6-802 Block 5): commands, the CheckBackName
//! of a select, and the DataAccessErrors of select, operate and tag turned into what they
//! mean (docs/tase2-client.md, "Device control").

use crate::data::{Data, DataAccessError};

/// A device command (Control_Command, integer(16)): 0 off / trip / open / lower, 1 on /
/// close / raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// 0: off, trip, open, lower.
    Off,
    /// 1: on, close, raise.
    On,
}

impl Command {
    /// Trip (= [`Command::Off`]).
    pub const TRIP: Command = Command::Off;
    /// Close (= [`Command::On`]).
    pub const CLOSE: Command = Command::On;

    /// The value written.
    pub const fn code(self) -> i16 {
        match self {
            Command::Off => 0,
            Command::On => 1,
        }
    }

    /// As MMS `Data` (integer).
    pub fn to_data(self) -> Data<'static> {
        Data::Integer(i64::from(self.code()))
    }
}

/// The CheckBackName a select returns (SBO_CheckBackName, integer(16)); agreed per device in
/// the bilateral agreement, so the caller may compare it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CheckBackName(pub i16);

/// Which control operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ControlOp {
    /// Select: Read of `<device>_SBO`.
    Select,
    /// Operate: Write of `<device>` (command or set-point).
    Operate,
    /// Set tag: Write of `<device>_TAG`.
    SetTag,
    /// Get tag: Read of `<device>_TAG`.
    GetTag,
}

/// What a DataAccessError means for a control operation (IEC 60870-6-802 Block 5 as servers
/// implement it; docs/tase2-client.md, "Device control").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ControlFailure {
    /// temporarily-unavailable (2). Select: the device is armed, being selected or tagged
    /// open-and-close inhibit. Operate: the device is not armed (select first, or the select
    /// timed out), is armed by another partner, or a tag inhibits the command. Set tag: the
    /// device is armed, or another partner owns the tag.
    Busy,
    /// hardware-fault (1): the device is busy or failed.
    HardwareFault,
    /// object-access-denied (3): the bilateral table grants no such right, or the device does
    /// not exist (servers answer unknown names this way too).
    AccessDenied,
    /// object-attribute-inconsistent (8): on select, the device is not a select-before-operate
    /// device (operate it directly).
    NotSelectBeforeOperate,
    /// object-access-unsupported (9): not a control point.
    NotControlPoint,
    /// object-non-existent (10): no such device, or (set tag) the device has no tag.
    NonExistent,
    /// object-value-invalid (11): the command is not 0/1, or the tag value is invalid.
    InvalidValue,
    /// Another DataAccessError.
    Other(DataAccessError),
}

impl ControlFailure {
    /// The meaning of `e` for operation `op`.
    pub fn of(op: ControlOp, e: DataAccessError) -> ControlFailure {
        use DataAccessError as E;
        match e {
            E::TemporarilyUnavailable => ControlFailure::Busy,
            E::HardwareFault => ControlFailure::HardwareFault,
            E::ObjectAccessDenied => ControlFailure::AccessDenied,
            E::ObjectAttributeInconsistent if op == ControlOp::Select => {
                ControlFailure::NotSelectBeforeOperate
            }
            E::ObjectAccessUnsupported => ControlFailure::NotControlPoint,
            E::ObjectNonExistent => ControlFailure::NonExistent,
            E::ObjectValueInvalid => ControlFailure::InvalidValue,
            other => ControlFailure::Other(other),
        }
    }
}

/// A control operation the server refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("{op:?} of {device} refused: {failure:?} ({error:?})")]
pub struct ControlError {
    /// The operation.
    pub op: ControlOp,
    /// The device (as written).
    pub device: String,
    /// What the error means.
    pub failure: ControlFailure,
    /// The DataAccessError the server sent.
    pub error: DataAccessError,
}

impl ControlError {
    /// The error of `op` on `device` for the server's DataAccessError `error`.
    pub fn new(op: ControlOp, device: String, error: DataAccessError) -> ControlError {
        ControlError {
            op,
            device,
            failure: ControlFailure::of(op, error),
            error,
        }
    }
}

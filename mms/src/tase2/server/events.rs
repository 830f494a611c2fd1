//! What the server tells the application and asks it (docs/tase2-server.md, "The
//! application"): operates to carry out (Block 5) and events (associations, transfer sets,
//! critical-report acknowledgements and their time-outs, selects, tags, point writes).

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::common::ObjectName;
use crate::data::{Data, DataAccessError};
use crate::tase2::names::MmsObjectName;
use crate::tase2::time::TimeStamp;
use crate::tase2::TagValue;

/// The value of an operate (a Write of a device, IEC 60870-6-802 Block 5).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ControlValue {
    /// Control_Command: 0 off / trip / open / lower, 1 on / close / raise.
    Command(i16),
    /// Control_Setpoint_Real.
    Real(f32),
    /// Control_Setpoint_Discrete.
    Discrete(i16),
}

/// An operate the server has checked (rights, select, tag) and now asks the application to
/// carry out.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OperateRequest {
    /// The association it came on.
    pub association: u64,
    /// The partner's bilateral table (`None` in open mode).
    pub table: Option<String>,
    /// The device.
    pub device: ObjectName<'static>,
    /// The value written.
    pub value: ControlValue,
}

/// Something that happened in the server.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A partner associated under bilateral table `table` (`None`: open mode).
    Associated {
        /// The association.
        association: u64,
        /// The table's id.
        table: Option<String>,
    },
    /// An association ended; its transfer sets were disabled and released.
    Closed {
        /// The association.
        association: u64,
    },
    /// A transfer set was enabled (Status written TRUE).
    TransferSetEnabled {
        /// The association.
        association: u64,
        /// The transfer set.
        transfer_set: MmsObjectName,
    },
    /// A transfer set was disabled (Status written FALSE).
    TransferSetDisabled {
        /// The association.
        association: u64,
        /// The transfer set.
        transfer_set: MmsObjectName,
    },
    /// A client wrote a point its table lets it write.
    PointWritten {
        /// The association.
        association: u64,
        /// The point.
        point: ObjectName<'static>,
        /// The value written.
        value: Data<'static>,
    },
    /// A device was selected (Read of `<device>_SBO`).
    Selected {
        /// The association.
        association: u64,
        /// The device.
        device: ObjectName<'static>,
    },
    /// A select ended without an operate.
    SelectTimedOut {
        /// The association that selected.
        association: u64,
        /// The device.
        device: ObjectName<'static>,
    },
    /// A device was operated (after the application accepted it).
    Operated {
        /// The association.
        association: u64,
        /// The device.
        device: ObjectName<'static>,
        /// The value.
        value: ControlValue,
    },
    /// A device's tag was written.
    TagChanged {
        /// The association.
        association: u64,
        /// The device.
        device: ObjectName<'static>,
        /// The new tag.
        tag: TagValue,
    },
    /// A critical report was acknowledged (Transfer_Report_ACK).
    ReportAcknowledged {
        /// The association.
        association: u64,
        /// The transfer set.
        transfer_set: MmsObjectName,
        /// The report's time stamp the ACK carried, if any.
        time_stamp: Option<TimeStamp>,
    },
    /// A critical report was not acknowledged within the ACK timeout.
    CriticalReportUnacknowledged {
        /// The association.
        association: u64,
        /// The transfer set.
        transfer_set: MmsObjectName,
        /// The report's Transfer_Set_Time_Stamp.
        time_stamp: TimeStamp,
    },
    /// The partner sent Transfer_Report_NACK.
    ReportNacked {
        /// The association.
        association: u64,
        /// The transfer set named, if the NACK could be decoded.
        transfer_set: Option<MmsObjectName>,
    },
    /// An ACK or NACK named no transfer set of the association, or could not be decoded.
    UnknownAcknowledgement {
        /// The association.
        association: u64,
        /// The name it carried, if it could be decoded.
        transfer_set: Option<MmsObjectName>,
    },
    /// A report could not be sent (too large for the association's PDU size in both forms).
    ReportDropped {
        /// The association.
        association: u64,
        /// The transfer set.
        transfer_set: MmsObjectName,
    },
}

/// The application behind a TASE.2 server. Called from the server's threads (the MMS event
/// loops and the reporting thread): keep the calls short and do not call back into the
/// server's handler from them. Every method has a default.
pub trait Application: Send + Sync + 'static {
    /// Carry out an operate; an error is the Write's DataAccessError (e.g. hardware-fault
    /// when the device does not respond). Default: accepted.
    fn operate(&self, request: &OperateRequest) -> Result<(), DataAccessError> {
        let _ = request;
        Ok(())
    }

    /// Something happened. Default: nothing.
    fn event(&self, event: &ServerEvent) {
        let _ = event;
    }
}

/// The application that accepts every operate and ignores every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoApplication;

impl Application for NoApplication {}

/// An [`Application`] that accepts every operate and keeps the last `capacity` events for a
/// reader (the oldest go first when it is full): for programs and tests that wait for
/// events.
#[derive(Debug)]
pub struct EventQueue {
    capacity: usize,
    events: Mutex<VecDeque<ServerEvent>>,
    cond: Condvar,
}

impl EventQueue {
    /// A queue of at most `capacity` events (at least 1).
    pub fn new(capacity: usize) -> EventQueue {
        EventQueue {
            capacity: capacity.max(1),
            events: Mutex::new(VecDeque::new()),
            cond: Condvar::new(),
        }
    }

    /// Takes every event queued.
    pub fn drain(&self) -> Vec<ServerEvent> {
        super::lock(&self.events).drain(..).collect()
    }

    /// Waits up to `timeout` for an event `pred` accepts and takes it (events before it stay
    /// queued).
    pub fn wait_for(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&ServerEvent) -> bool,
    ) -> Option<ServerEvent> {
        let deadline = Instant::now() + timeout;
        let mut q = super::lock(&self.events);
        loop {
            if let Some(i) = q.iter().position(&mut pred) {
                return q.remove(i);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            q = match self.cond.wait_timeout(q, deadline - now) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
    }
}

impl Application for EventQueue {
    fn event(&self, event: &ServerEvent) {
        let mut q = super::lock(&self.events);
        if q.len() >= self.capacity {
            q.pop_front();
        }
        q.push_back(event.clone());
        drop(q);
        self.cond.notify_all();
    }
}

//! The TASE.2 / ICCP client (IEC 60870-6-503 services, client role, over the MMS client;
//! IEC 60870-6-802 objects; feature `tase2` with `runtime`).
//!
//! | module | what it holds | IEC 60870-6 |
//! |---|---|---|
//! | [`blocking`] | [`Client`]: association check, points, data sets, DS transfer sets, reports, information messages, device control | 503 Blocks 1, 2, 4, 5 |
//! | [`config`] | [`Tase2Config`], [`AckMode`], [`WriteForm`] | — |
//! | [`association`] | [`Expectations`], [`AssociationParams`], [`Mismatch`] and the check | 503 association, 802 Block 1 |
//! | [`report`] | [`ReportDecoder`]: InformationReports of both forms into [`DsReport`], ACK / NACK builders | 503 Blocks 1-2 |
//! | [`info`] | [`InfoMessage`] decoding | 802 Block 4 |
//! | [`control`] | [`Command`], [`CheckBackName`], [`ControlError`] | 802 Block 5 |
//! | [`requests`] | the Read / Write requests, built without I/O, and their answers | 503 |
//! | [`types`] | [`point_types_for`]: point types from type descriptions | 802 Block 1 |
//! | [`error`] | [`Tase2ClientError`] | — |
//!
//! [`report`], [`info`], [`requests`], [`control`], [`types`] and [`association`] do no I/O: a user of
//! the non-blocking [`crate::client::Connection`] builds the same requests and decodes the
//! same reports with them. `docs/tase2-client.md` describes the API, the report decoding and
//! the decisions taken where the public record of TASE.2 is thin.
//!
//! ```no_run
//! use mms::tase2::client::{Client, DataSetLayout, Event, Expectations, Tase2Config};
//! use mms::tase2::{BilateralTableId, DsConditions, DsTransferSet, MmsObjectName, PointType};
//! use mms::ObjectName;
//! use std::time::Duration;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Tase2Config::new("ICC1")
//!     .with_calling("1.1.999.1", Some(12))?
//!     .with_expect(Expectations::new()
//!         .blocks([1, 2])
//!         .bilateral_table_id(BilateralTableId::new("BLT_ICC1_v3")?));
//! let c = Client::connect("192.0.2.10:102", config)?;
//! let p = ObjectName::domain("ICC1", "Line1_MW");
//! println!("{:?}", c.read_point(&p, PointType::RealQTimeTag)?);
//! let ds = DataSetLayout::standard("ICC1", "DS1", false, [(p, PointType::RealQTimeTag)]);
//! c.define_data_set(&ds)?;
//! let mut set = DsTransferSet::new(MmsObjectName::icc("ICC1", "DS1")?);
//! set.interval = 10;
//! set.ds_conditions_requested = DsConditions::INTERVAL_TIMEOUT | DsConditions::OBJECT_CHANGE;
//! set.rbe = true;
//! set.critical = true;
//! let ts = c.start_transfer_set(&set)?;
//! while let Some(Event::Report(r)) = c.next_event(Duration::from_secs(30)) {
//!     for (name, point) in r.typed_points() {
//!         println!("{} {name}: {point:?}", r.transfer_set.name);
//!     }
//! }
//! c.disable_transfer_set(&ts)?;
//! c.conclude()?;
//! # Ok(())
//! # }
//! ```

pub mod association;
pub mod blocking;
pub mod config;
pub mod control;
pub mod error;
pub mod info;
pub mod report;
pub mod requests;
pub mod types;

#[cfg(test)]
mod tests;

pub use association::{AssociationParams, Expectations, Mismatch};
pub use blocking::{Client, Event, EventCallback, ReportStats};
pub use config::{AckMode, Tase2Config, WriteForm};
pub use control::{CheckBackName, Command, ControlError, ControlFailure, ControlOp};
pub use error::Tase2ClientError;
pub use info::InfoMessage;
pub use report::{
    DataSetLayout, DataSetMember, DsReport, Incoming, MemberKind, PointError, ReportDecoder,
    ReportError, ReportForm, ReportedPoint, ReportedValue, TransferSetBinding, UnknownReport,
};
pub use types::point_types_for;

//! ICCP / TASE.2 objects and types (IEC 60870-6-802, served through the MMS services of
//! IEC 60870-6-503): the values a TASE.2 client and server exchange as MMS named variables,
//! with their MMS type descriptions (feature `tase2`).
//!
//! TASE.2 has no PDU of its own: every object here is an MMS variable with a fixed name
//! ([`names`]) and a fixed type. Each type encodes to and decodes from [`crate::Data`] and
//! gives its [`crate::TypeDescription`]; most implement [`Tase2Type`].
//!
//! | module | what it holds | IEC 60870-6-802 |
//! |---|---|---|
//! | [`point`] | the indication points (Data_Real … Data_StateSupplementalQTimeTagExtended) and protection events | Block 1 |
//! | [`flags`] | Data_Flags, Data_State, Data_StateSupplemental and the event flags, bit by bit | Block 1 |
//! | [`time`] | GMTBasedS, TimeStampExtended, COV_Counter | Block 1 |
//! | [`names`] | the object names, MMSObjectName | all blocks |
//! | [`association`] | TASE2_Version, Supported_Features, Bilateral_Table_ID, the editions | Block 1 |
//! | [`transfer_set`] | DSTransferSet (both editions), DSConditions, event codes | Blocks 1-2 |
//! | [`info_message`] | Info_Mess_Header, the Info_Buff types | Block 4 |
//! | [`control`] | TagFlags, TagValue | Block 5 |
//! | `client` | the TASE.2 client over the MMS client (feature `runtime` too) | IEC 60870-6-503 |
//! | `server` | the TASE.2 server (features `runtime` and `model` too) | Blocks 1, 2, 4, 5 |
//!
//! Values carry no type names on the wire, and some types share a shape, so decoding is by
//! shape against the type the caller expects; a value of another shape is a [`Tase2Error`],
//! never a panic. `docs/tase2.md` describes the objects, their MMS layouts, the bit order and
//! the choices made where the public record is thin.
//!
//! ```
//! use mms::tase2::{Point, PointType, Tase2Type};
//! use mms::tase2::flags::{DataFlags, Validity};
//! use mms::tase2::point::ValueQTimeTag;
//! use mms::tase2::time::TimeStamp;
//!
//! let p = Point::RealQTimeTag(ValueQTimeTag {
//!     value: 1.5,
//!     time_stamp: TimeStamp(1_700_000_000),
//!     flags: DataFlags::GOOD.with_validity(Validity::Held),
//! });
//! let data = p.to_data();
//! assert_eq!(Point::decode(PointType::RealQTimeTag, &data), Ok(p));
//! // The same value is not a Data_RealQ.
//! assert!(Point::decode(PointType::RealQ, &data).is_err());
//! ```

pub mod association;
#[cfg(feature = "runtime")]
pub mod client;
pub mod control;
mod error;
pub mod flags;
pub mod info_message;
pub mod names;
pub mod point;
#[cfg(all(feature = "runtime", feature = "model"))]
pub mod server;
pub mod time;
pub mod transfer_set;

#[cfg(test)]
mod tests;

pub use association::{BilateralTableId, Edition, SupportedFeatures, Tase2Version};
pub use control::{TagFlags, TagValue};
pub use error::{DataKind, Tase2Error};
pub use flags::{DataFlags, DataState, StateSupplemental};
pub use info_message::InfoMessHeader;
pub use names::{MmsObjectName, Scope};
pub use point::{Point, PointTime, PointType, PointValue, QualityKind, ValueKind};
pub use time::{CovCounter, TimeStamp, TimeStampExtended};
pub use transfer_set::{DsConditions, DsTransferSet, EventCode};

use crate::data::Data;
use crate::types::TypeDescription;

/// A TASE.2 type with one fixed MMS layout (IEC 60870-6-802): its name, its MMS type
/// description, and its value as MMS `Data` both ways.
///
/// [`DsTransferSet`] (two layouts, one per [`Edition`]) and [`Point`] (one layout per
/// [`PointType`]) have inherent functions of the same names instead. `f32` and `i32`
/// implement it as Data_Real and Data_Discrete.
pub trait Tase2Type: Sized {
    /// The type's name in IEC 60870-6-802 (or, for an object, the object's name).
    const TYPE_NAME: &'static str;

    /// The MMS type description of the type (ISO 9506-2 §14.4.1), with the component names
    /// IEC 60870-6-802 gives.
    fn type_description() -> TypeDescription<'static>;

    /// The value as MMS `Data`.
    fn to_data(&self) -> Data<'static>;

    /// The value of `d`, which must have the type's shape.
    fn from_data(d: &Data<'_>) -> Result<Self, Tase2Error>;
}

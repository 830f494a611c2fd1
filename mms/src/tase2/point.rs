//! The indication-point and protection-event types of IEC 60870-6-802 Block 1, as Rust values
//! that encode to and decode from MMS `Data`, and their MMS type descriptions (docs/tase2.md,
//! "Point types").
//!
//! Values on the wire carry no type names and several types share a shape (Data_DiscreteQ
//! and Data_StateQTimeTag are both {integer, bit-string(8)}; Data_State, Data_StateQ and
//! Data_StateSupplemental are all bit-string(8)). So [`Point::decode`] is told the
//! [`PointType`] to expect, from configuration (the bilateral table) or from the variable's
//! type description; [`PointType::matching`] lists every type a value could be.

use super::error::{
    components, int16, structure_type, Result, BITS8, FLOAT32, INTEGER16, INTEGER32,
};
use super::flags::{
    DataFlags, DataState, PackedEvent, PackedEventFlags, SingleEventFlags, StateSupplemental,
};
use super::time::{CovCounter, TimeStamp, TimeStampExtended};
use super::Tase2Type;
use crate::data::Data;
use crate::types::TypeDescription;

impl Tase2Type for f32 {
    /// `Data_Real`: floating-point(32, 8).
    const TYPE_NAME: &'static str = "Data_Real";

    fn type_description() -> TypeDescription<'static> {
        FLOAT32
    }

    fn to_data(&self) -> Data<'static> {
        super::error::float(*self)
    }

    fn from_data(d: &Data<'_>) -> Result<f32> {
        super::error::float32(d, "Data_Real")
    }
}

impl Tase2Type for i32 {
    /// `Data_Discrete`: integer(32).
    const TYPE_NAME: &'static str = "Data_Discrete";

    fn type_description() -> TypeDescription<'static> {
        INTEGER32
    }

    fn to_data(&self) -> Data<'static> {
        Data::Integer(i64::from(*self))
    }

    fn from_data(d: &Data<'_>) -> Result<i32> {
        super::error::int32(d, "Data_Discrete")
    }
}

/// A value with its quality: `Data_RealQ`, `Data_DiscreteQ`, `Data_StateSupplementalQ`
/// (IEC 60870-6-802 Block 1): structure {`Value`, `Flags` Data_Flags}.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ValueQ<V> {
    /// `Value`.
    pub value: V,
    /// `Flags`.
    pub flags: DataFlags,
}

/// A value with quality and time stamp: `Data_RealQTimeTag`, `Data_DiscreteQTimeTag`,
/// `Data_StateSupplementalQTimeTag` (IEC 60870-6-802 Block 1): structure {`Value`,
/// `TimeStamp` GMTBasedS, `Flags`}.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ValueQTimeTag<V> {
    /// `Value`.
    pub value: V,
    /// `TimeStamp`.
    pub time_stamp: TimeStamp,
    /// `Flags`.
    pub flags: DataFlags,
}

/// A value with time stamp, quality and change counter: `Data_RealExtended`,
/// `Data_DiscreteExtended`, `Data_StateSupplementalExtended` (IEC 60870-6-802 Block 1):
/// structure {`Value`, `TimeStamp` GMTBasedS, `Flags`, `COV` COV_Counter}.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ValueExtended<V> {
    /// `Value`.
    pub value: V,
    /// `TimeStamp`.
    pub time_stamp: TimeStamp,
    /// `Flags`.
    pub flags: DataFlags,
    /// `COV`.
    pub cov: CovCounter,
}

/// A value with quality and millisecond time stamp: `Data_RealQTimeTagExtended`,
/// `Data_DiscreteQTimeTagExtended`, `Data_StateSupplementalQTimeTagExtended`
/// (IEC 60870-6-802 Block 1): structure {`Value`, `TimeStamp` TimeStampExtended, `Flags`}.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ValueQTimeTagExtended<V> {
    /// `Value`.
    pub value: V,
    /// `TimeStamp`.
    pub time_stamp: TimeStampExtended,
    /// `Flags`.
    pub flags: DataFlags,
}

/// `Data_StateQTimeTag` (IEC 60870-6-802 Block 1): structure {`TimeStamp` GMTBasedS,
/// `Flags` Data_State}; the state and its quality share the octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StateQTimeTag {
    /// `TimeStamp`.
    pub time_stamp: TimeStamp,
    /// `Flags`: the Data_State octet.
    pub state: DataState,
}

/// `Data_StateExtended` (IEC 60870-6-802 Block 1): structure {`TimeStamp` GMTBasedS,
/// `Flags` Data_State, `COV` COV_Counter}.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StateExtended {
    /// `TimeStamp`.
    pub time_stamp: TimeStamp,
    /// `Flags`: the Data_State octet.
    pub state: DataState,
    /// `COV`.
    pub cov: CovCounter,
}

/// `Data_StateQTimeTagExtended` (IEC 60870-6-802 Block 1): structure {`TimeStamp`
/// TimeStampExtended, `Flags` Data_State}.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StateQTimeTagExtended {
    /// `TimeStamp`.
    pub time_stamp: TimeStampExtended,
    /// `Flags`: the Data_State octet.
    pub state: DataState,
}

/// A single protection event (IEC 60870-6-802 Block 1 protection events): structure
/// {`SingleEventFlags` bit-string(8), `OperatingTime` integer(16) milliseconds, `EventTime`
/// TimeStampExtended} (docs/tase2.md, "Protection events").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SingleProtectionEvent {
    /// `SingleEventFlags`.
    pub flags: SingleEventFlags,
    /// `OperatingTime`: duration of the event in milliseconds.
    pub operating_time: i16,
    /// `EventTime`: when the event started.
    pub event_time: TimeStampExtended,
}

/// A packed protection event (IEC 60870-6-802 Block 1 protection events): structure
/// {`PackedEvent` bit-string(8), `PackedEventFlags` bit-string(8), `OperatingTime`
/// integer(16) milliseconds, `EventTime` TimeStampExtended} (docs/tase2.md, "Protection
/// events").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PackedProtectionEvent {
    /// `PackedEvent`: which protection functions.
    pub packed_event: PackedEvent,
    /// `PackedEventFlags`.
    pub flags: PackedEventFlags,
    /// `OperatingTime`: duration of the event in milliseconds.
    pub operating_time: i16,
    /// `EventTime`: when the event started.
    pub event_time: TimeStampExtended,
}

/// What an indication point measures: the first axis of the point types (IEC 60870-6-802
/// Block 1; the CIM calls it ICCPPointKind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueKind {
    /// Data_Real: floating-point(32, 8).
    Real,
    /// Data_State: bit-string(8), state and quality together.
    State,
    /// Data_Discrete: integer(32).
    Discrete,
    /// Data_StateSupplemental: bit-string(8).
    StateSupplemental,
    /// A single protection event.
    SingleProtectionEvent,
    /// A packed protection event.
    PackedProtectionEvent,
}

/// What an indication point carries beside its value: the second axis of the point types
/// (IEC 60870-6-802 Block 1; the CIM calls it ICCPQualityKind). Protection events have
/// [`QualityKind::None`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QualityKind {
    /// The value alone.
    None,
    /// `…Q`: value and Data_Flags.
    Q,
    /// `…QTimeTag`: value, GMTBasedS and Data_Flags.
    QTimeTag,
    /// `…Extended`: value, GMTBasedS, Data_Flags and COV_Counter.
    Extended,
    /// `…QTimeTagExtended`: value, TimeStampExtended and Data_Flags.
    QTimeTagExtended,
}

/// Defines [`PointType`] and its name table.
macro_rules! point_types {
    ($( $(#[$m:meta])* $v:ident = $name:literal, $vk:ident, $qk:ident; )*) => {
        /// One of the indication-point and protection-event types of IEC 60870-6-802 Block 1,
        /// named as the standard names it (see [`PointType::name`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum PointType {
            $( $(#[$m])* $v, )*
        }

        impl PointType {
            /// Every point type, in the order of docs/tase2.md, "Point types".
            pub const ALL: &'static [PointType] = &[$( PointType::$v, )*];

            /// The type's name in IEC 60870-6-802 (`"Data_RealQTimeTag"`); the protection
            /// events have no public standard name and are called `"SingleProtectionEvent"`
            /// and `"PackedProtectionEvent"` here.
            pub const fn name(self) -> &'static str {
                match self {
                    $( PointType::$v => $name, )*
                }
            }

            /// The type named `name` (see [`PointType::name`]).
            pub fn from_name(name: &str) -> Option<PointType> {
                match name {
                    $( $name => Some(PointType::$v), )*
                    _ => None,
                }
            }

            /// The value axis of the type.
            pub const fn value_kind(self) -> ValueKind {
                match self {
                    $( PointType::$v => ValueKind::$vk, )*
                }
            }

            /// The quality axis of the type.
            pub const fn quality_kind(self) -> QualityKind {
                match self {
                    $( PointType::$v => QualityKind::$qk, )*
                }
            }
        }
    };
}

point_types! {
    /// `Data_Real`: floating-point(32, 8).
    Real = "Data_Real", Real, None;
    /// `Data_RealQ`.
    RealQ = "Data_RealQ", Real, Q;
    /// `Data_RealQTimeTag`.
    RealQTimeTag = "Data_RealQTimeTag", Real, QTimeTag;
    /// `Data_RealExtended`.
    RealExtended = "Data_RealExtended", Real, Extended;
    /// `Data_RealQTimeTagExtended`.
    RealQTimeTagExtended = "Data_RealQTimeTagExtended", Real, QTimeTagExtended;
    /// `Data_State`: bit-string(8).
    State = "Data_State", State, None;
    /// `Data_StateQ`: the same bit-string(8) as Data_State.
    StateQ = "Data_StateQ", State, Q;
    /// `Data_StateQTimeTag`.
    StateQTimeTag = "Data_StateQTimeTag", State, QTimeTag;
    /// `Data_StateExtended`.
    StateExtended = "Data_StateExtended", State, Extended;
    /// `Data_StateQTimeTagExtended`.
    StateQTimeTagExtended = "Data_StateQTimeTagExtended", State, QTimeTagExtended;
    /// `Data_Discrete`: integer(32).
    Discrete = "Data_Discrete", Discrete, None;
    /// `Data_DiscreteQ`.
    DiscreteQ = "Data_DiscreteQ", Discrete, Q;
    /// `Data_DiscreteQTimeTag`.
    DiscreteQTimeTag = "Data_DiscreteQTimeTag", Discrete, QTimeTag;
    /// `Data_DiscreteExtended`.
    DiscreteExtended = "Data_DiscreteExtended", Discrete, Extended;
    /// `Data_DiscreteQTimeTagExtended`.
    DiscreteQTimeTagExtended = "Data_DiscreteQTimeTagExtended", Discrete, QTimeTagExtended;
    /// `Data_StateSupplemental`: bit-string(8).
    StateSupplemental = "Data_StateSupplemental", StateSupplemental, None;
    /// `Data_StateSupplementalQ`.
    StateSupplementalQ = "Data_StateSupplementalQ", StateSupplemental, Q;
    /// `Data_StateSupplementalQTimeTag`.
    StateSupplementalQTimeTag = "Data_StateSupplementalQTimeTag", StateSupplemental, QTimeTag;
    /// `Data_StateSupplementalExtended`.
    StateSupplementalExtended = "Data_StateSupplementalExtended", StateSupplemental, Extended;
    /// `Data_StateSupplementalQTimeTagExtended`.
    StateSupplementalQTimeTagExtended = "Data_StateSupplementalQTimeTagExtended", StateSupplemental, QTimeTagExtended;
    /// A single protection event.
    SingleProtectionEvent = "SingleProtectionEvent", SingleProtectionEvent, None;
    /// A packed protection event.
    PackedProtectionEvent = "PackedProtectionEvent", PackedProtectionEvent, None;
}

impl PointType {
    /// The type with these two axes, if IEC 60870-6-802 defines one (protection events only
    /// with [`QualityKind::None`]).
    pub fn from_kinds(value: ValueKind, quality: QualityKind) -> Option<PointType> {
        PointType::ALL
            .iter()
            .copied()
            .find(|t| t.value_kind() == value && t.quality_kind() == quality)
    }

    /// The types whose shape `d` has: what a value could be when its type is not known.
    /// More than one for the shapes the types share (docs/tase2.md, "Matching by shape").
    pub fn matching(d: &Data<'_>) -> Vec<PointType> {
        PointType::ALL
            .iter()
            .copied()
            .filter(|t| Point::decode(*t, d).is_ok())
            .collect()
    }

    /// The MMS type description of the type (what GetVariableAccessAttributes answers for a
    /// point of this type), with the component names IEC 60870-6-802 gives.
    pub fn type_description(self) -> TypeDescription<'static> {
        let value = match self.value_kind() {
            ValueKind::Real => FLOAT32,
            ValueKind::Discrete => INTEGER32,
            ValueKind::SingleProtectionEvent => return single_event_type(),
            ValueKind::PackedProtectionEvent => return packed_event_type(),
            // State, StateSupplemental.
            _ => BITS8,
        };
        let state = self.value_kind() == ValueKind::State;
        let flags = ("Flags", BITS8);
        let ts = ("TimeStamp", INTEGER32);
        let tse = ("TimeStamp", TimeStampExtended::type_description());
        let cov = ("COV", CovCounter::type_description());
        let mut c = Vec::with_capacity(4);
        if !state {
            c.push(("Value", value.clone()));
        }
        match self.quality_kind() {
            QualityKind::Q if state => return BITS8,
            QualityKind::Q => c.push(flags),
            QualityKind::QTimeTag => c.extend([ts, flags]),
            QualityKind::Extended => c.extend([ts, flags, cov]),
            QualityKind::QTimeTagExtended => c.extend([tse, flags]),
            // None.
            _ => return value,
        }
        structure_type(c)
    }
}

fn single_event_type() -> TypeDescription<'static> {
    structure_type([
        ("SingleEventFlags", BITS8),
        ("OperatingTime", INTEGER16),
        ("EventTime", TimeStampExtended::type_description()),
    ])
}

fn packed_event_type() -> TypeDescription<'static> {
    structure_type([
        ("PackedEvent", BITS8),
        ("PackedEventFlags", BITS8),
        ("OperatingTime", INTEGER16),
        ("EventTime", TimeStampExtended::type_description()),
    ])
}

impl std::fmt::Display for PointType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The value of one indication point or protection event, of one of the [`PointType`]s
/// (IEC 60870-6-802 Block 1).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Point {
    /// A value of Data_Real.
    Real(f32),
    /// A value of Data_RealQ.
    RealQ(ValueQ<f32>),
    /// A value of Data_RealQTimeTag.
    RealQTimeTag(ValueQTimeTag<f32>),
    /// A value of Data_RealExtended.
    RealExtended(ValueExtended<f32>),
    /// A value of Data_RealQTimeTagExtended.
    RealQTimeTagExtended(ValueQTimeTagExtended<f32>),
    /// A value of Data_State.
    State(DataState),
    /// A value of Data_StateQ.
    StateQ(DataState),
    /// A value of Data_StateQTimeTag.
    StateQTimeTag(StateQTimeTag),
    /// A value of Data_StateExtended.
    StateExtended(StateExtended),
    /// A value of Data_StateQTimeTagExtended.
    StateQTimeTagExtended(StateQTimeTagExtended),
    /// A value of Data_Discrete.
    Discrete(i32),
    /// A value of Data_DiscreteQ.
    DiscreteQ(ValueQ<i32>),
    /// A value of Data_DiscreteQTimeTag.
    DiscreteQTimeTag(ValueQTimeTag<i32>),
    /// A value of Data_DiscreteExtended.
    DiscreteExtended(ValueExtended<i32>),
    /// A value of Data_DiscreteQTimeTagExtended.
    DiscreteQTimeTagExtended(ValueQTimeTagExtended<i32>),
    /// A value of Data_StateSupplemental.
    StateSupplemental(StateSupplemental),
    /// A value of Data_StateSupplementalQ.
    StateSupplementalQ(ValueQ<StateSupplemental>),
    /// A value of Data_StateSupplementalQTimeTag.
    StateSupplementalQTimeTag(ValueQTimeTag<StateSupplemental>),
    /// A value of Data_StateSupplementalExtended.
    StateSupplementalExtended(ValueExtended<StateSupplemental>),
    /// A value of Data_StateSupplementalQTimeTagExtended.
    StateSupplementalQTimeTagExtended(ValueQTimeTagExtended<StateSupplemental>),
    /// A value of a single protection event.
    SingleProtectionEvent(SingleProtectionEvent),
    /// A value of a packed protection event.
    PackedProtectionEvent(PackedProtectionEvent),
}

/// The value part of a [`Point`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum PointValue {
    /// Data_Real.
    Real(f32),
    /// Data_State (state and quality).
    State(DataState),
    /// Data_Discrete.
    Discrete(i32),
    /// Data_StateSupplemental.
    StateSupplemental(StateSupplemental),
}

/// The time stamp of a [`Point`]: whole seconds or with milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PointTime {
    /// GMTBasedS.
    Seconds(TimeStamp),
    /// TimeStampExtended.
    Extended(TimeStampExtended),
}

// Encoding and decoding of the component layouts, shared by the value types.

fn q_to<V: Tase2Type>(p: &ValueQ<V>) -> Data<'static> {
    Data::structure(vec![p.value.to_data(), p.flags.to_data()])
}

fn q_from<V: Tase2Type>(d: &Data<'_>, what: &'static str) -> Result<ValueQ<V>> {
    let c = components(d, what, &[2])?;
    Ok(ValueQ {
        value: V::from_data(&c[0])?,
        flags: DataFlags::from_data(&c[1])?,
    })
}

fn qt_to<V: Tase2Type>(p: &ValueQTimeTag<V>) -> Data<'static> {
    Data::structure(vec![
        p.value.to_data(),
        p.time_stamp.to_data(),
        p.flags.to_data(),
    ])
}

fn qt_from<V: Tase2Type>(d: &Data<'_>, what: &'static str) -> Result<ValueQTimeTag<V>> {
    let c = components(d, what, &[3])?;
    Ok(ValueQTimeTag {
        value: V::from_data(&c[0])?,
        time_stamp: TimeStamp::from_data(&c[1])?,
        flags: DataFlags::from_data(&c[2])?,
    })
}

fn ext_to<V: Tase2Type>(p: &ValueExtended<V>) -> Data<'static> {
    Data::structure(vec![
        p.value.to_data(),
        p.time_stamp.to_data(),
        p.flags.to_data(),
        p.cov.to_data(),
    ])
}

fn ext_from<V: Tase2Type>(d: &Data<'_>, what: &'static str) -> Result<ValueExtended<V>> {
    let c = components(d, what, &[4])?;
    Ok(ValueExtended {
        value: V::from_data(&c[0])?,
        time_stamp: TimeStamp::from_data(&c[1])?,
        flags: DataFlags::from_data(&c[2])?,
        cov: CovCounter::from_data(&c[3])?,
    })
}

fn qte_to<V: Tase2Type>(p: &ValueQTimeTagExtended<V>) -> Data<'static> {
    Data::structure(vec![
        p.value.to_data(),
        p.time_stamp.to_data(),
        p.flags.to_data(),
    ])
}

fn qte_from<V: Tase2Type>(d: &Data<'_>, what: &'static str) -> Result<ValueQTimeTagExtended<V>> {
    let c = components(d, what, &[3])?;
    Ok(ValueQTimeTagExtended {
        value: V::from_data(&c[0])?,
        time_stamp: TimeStampExtended::from_data(&c[1])?,
        flags: DataFlags::from_data(&c[2])?,
    })
}

impl Point {
    /// The point's type.
    pub const fn point_type(&self) -> PointType {
        match self {
            Point::Real(_) => PointType::Real,
            Point::RealQ(_) => PointType::RealQ,
            Point::RealQTimeTag(_) => PointType::RealQTimeTag,
            Point::RealExtended(_) => PointType::RealExtended,
            Point::RealQTimeTagExtended(_) => PointType::RealQTimeTagExtended,
            Point::State(_) => PointType::State,
            Point::StateQ(_) => PointType::StateQ,
            Point::StateQTimeTag(_) => PointType::StateQTimeTag,
            Point::StateExtended(_) => PointType::StateExtended,
            Point::StateQTimeTagExtended(_) => PointType::StateQTimeTagExtended,
            Point::Discrete(_) => PointType::Discrete,
            Point::DiscreteQ(_) => PointType::DiscreteQ,
            Point::DiscreteQTimeTag(_) => PointType::DiscreteQTimeTag,
            Point::DiscreteExtended(_) => PointType::DiscreteExtended,
            Point::DiscreteQTimeTagExtended(_) => PointType::DiscreteQTimeTagExtended,
            Point::StateSupplemental(_) => PointType::StateSupplemental,
            Point::StateSupplementalQ(_) => PointType::StateSupplementalQ,
            Point::StateSupplementalQTimeTag(_) => PointType::StateSupplementalQTimeTag,
            Point::StateSupplementalExtended(_) => PointType::StateSupplementalExtended,
            Point::StateSupplementalQTimeTagExtended(_) => {
                PointType::StateSupplementalQTimeTagExtended
            }
            Point::SingleProtectionEvent(_) => PointType::SingleProtectionEvent,
            Point::PackedProtectionEvent(_) => PointType::PackedProtectionEvent,
        }
    }

    /// The MMS value of the point, in its type's layout.
    pub fn to_data(&self) -> Data<'static> {
        match self {
            Point::Real(v) => v.to_data(),
            Point::RealQ(p) => q_to(p),
            Point::RealQTimeTag(p) => qt_to(p),
            Point::RealExtended(p) => ext_to(p),
            Point::RealQTimeTagExtended(p) => qte_to(p),
            Point::State(s) | Point::StateQ(s) => s.to_data(),
            Point::StateQTimeTag(p) => {
                Data::structure(vec![p.time_stamp.to_data(), p.state.to_data()])
            }
            Point::StateExtended(p) => Data::structure(vec![
                p.time_stamp.to_data(),
                p.state.to_data(),
                p.cov.to_data(),
            ]),
            Point::StateQTimeTagExtended(p) => {
                Data::structure(vec![p.time_stamp.to_data(), p.state.to_data()])
            }
            Point::Discrete(v) => v.to_data(),
            Point::DiscreteQ(p) => q_to(p),
            Point::DiscreteQTimeTag(p) => qt_to(p),
            Point::DiscreteExtended(p) => ext_to(p),
            Point::DiscreteQTimeTagExtended(p) => qte_to(p),
            Point::StateSupplemental(v) => v.to_data(),
            Point::StateSupplementalQ(p) => q_to(p),
            Point::StateSupplementalQTimeTag(p) => qt_to(p),
            Point::StateSupplementalExtended(p) => ext_to(p),
            Point::StateSupplementalQTimeTagExtended(p) => qte_to(p),
            Point::SingleProtectionEvent(e) => Data::structure(vec![
                e.flags.to_data(),
                Data::Integer(i64::from(e.operating_time)),
                e.event_time.to_data(),
            ]),
            Point::PackedProtectionEvent(e) => Data::structure(vec![
                e.packed_event.to_data(),
                e.flags.to_data(),
                Data::Integer(i64::from(e.operating_time)),
                e.event_time.to_data(),
            ]),
        }
    }

    /// Decodes `d` as a value of `kind`, checking its shape: the MMS alternatives, the number
    /// of components, bit-string lengths and ranges. Component names are not on the wire and
    /// are not checked.
    pub fn decode(kind: PointType, d: &Data<'_>) -> Result<Point> {
        let what = kind.name();
        Ok(match kind {
            PointType::Real => Point::Real(f32::from_data(d)?),
            PointType::RealQ => Point::RealQ(q_from(d, what)?),
            PointType::RealQTimeTag => Point::RealQTimeTag(qt_from(d, what)?),
            PointType::RealExtended => Point::RealExtended(ext_from(d, what)?),
            PointType::RealQTimeTagExtended => Point::RealQTimeTagExtended(qte_from(d, what)?),
            PointType::State => Point::State(DataState::from_data(d)?),
            PointType::StateQ => Point::StateQ(DataState::from_data(d)?),
            PointType::StateQTimeTag => {
                let c = components(d, what, &[2])?;
                Point::StateQTimeTag(StateQTimeTag {
                    time_stamp: TimeStamp::from_data(&c[0])?,
                    state: DataState::from_data(&c[1])?,
                })
            }
            PointType::StateExtended => {
                let c = components(d, what, &[3])?;
                Point::StateExtended(StateExtended {
                    time_stamp: TimeStamp::from_data(&c[0])?,
                    state: DataState::from_data(&c[1])?,
                    cov: CovCounter::from_data(&c[2])?,
                })
            }
            PointType::StateQTimeTagExtended => {
                let c = components(d, what, &[2])?;
                Point::StateQTimeTagExtended(StateQTimeTagExtended {
                    time_stamp: TimeStampExtended::from_data(&c[0])?,
                    state: DataState::from_data(&c[1])?,
                })
            }
            PointType::Discrete => Point::Discrete(i32::from_data(d)?),
            PointType::DiscreteQ => Point::DiscreteQ(q_from(d, what)?),
            PointType::DiscreteQTimeTag => Point::DiscreteQTimeTag(qt_from(d, what)?),
            PointType::DiscreteExtended => Point::DiscreteExtended(ext_from(d, what)?),
            PointType::DiscreteQTimeTagExtended => {
                Point::DiscreteQTimeTagExtended(qte_from(d, what)?)
            }
            PointType::StateSupplemental => {
                Point::StateSupplemental(StateSupplemental::from_data(d)?)
            }
            PointType::StateSupplementalQ => Point::StateSupplementalQ(q_from(d, what)?),
            PointType::StateSupplementalQTimeTag => {
                Point::StateSupplementalQTimeTag(qt_from(d, what)?)
            }
            PointType::StateSupplementalExtended => {
                Point::StateSupplementalExtended(ext_from(d, what)?)
            }
            PointType::StateSupplementalQTimeTagExtended => {
                Point::StateSupplementalQTimeTagExtended(qte_from(d, what)?)
            }
            PointType::SingleProtectionEvent => {
                let c = components(d, what, &[3])?;
                Point::SingleProtectionEvent(SingleProtectionEvent {
                    flags: SingleEventFlags::from_data(&c[0])?,
                    operating_time: int16(&c[1], "OperatingTime")?,
                    event_time: TimeStampExtended::from_data(&c[2])?,
                })
            }
            PointType::PackedProtectionEvent => {
                let c = components(d, what, &[4])?;
                Point::PackedProtectionEvent(PackedProtectionEvent {
                    packed_event: PackedEvent::from_data(&c[0])?,
                    flags: PackedEventFlags::from_data(&c[1])?,
                    operating_time: int16(&c[2], "OperatingTime")?,
                    event_time: TimeStampExtended::from_data(&c[3])?,
                })
            }
        })
    }

    /// The value part; `None` for protection events.
    pub fn value(&self) -> Option<PointValue> {
        Some(match self {
            Point::Real(v) => PointValue::Real(*v),
            Point::RealQ(p) => PointValue::Real(p.value),
            Point::RealQTimeTag(p) => PointValue::Real(p.value),
            Point::RealExtended(p) => PointValue::Real(p.value),
            Point::RealQTimeTagExtended(p) => PointValue::Real(p.value),
            Point::State(s) | Point::StateQ(s) => PointValue::State(*s),
            Point::StateQTimeTag(p) => PointValue::State(p.state),
            Point::StateExtended(p) => PointValue::State(p.state),
            Point::StateQTimeTagExtended(p) => PointValue::State(p.state),
            Point::Discrete(v) => PointValue::Discrete(*v),
            Point::DiscreteQ(p) => PointValue::Discrete(p.value),
            Point::DiscreteQTimeTag(p) => PointValue::Discrete(p.value),
            Point::DiscreteExtended(p) => PointValue::Discrete(p.value),
            Point::DiscreteQTimeTagExtended(p) => PointValue::Discrete(p.value),
            Point::StateSupplemental(v) => PointValue::StateSupplemental(*v),
            Point::StateSupplementalQ(p) => PointValue::StateSupplemental(p.value),
            Point::StateSupplementalQTimeTag(p) => PointValue::StateSupplemental(p.value),
            Point::StateSupplementalExtended(p) => PointValue::StateSupplemental(p.value),
            Point::StateSupplementalQTimeTagExtended(p) => PointValue::StateSupplemental(p.value),
            Point::SingleProtectionEvent(_) | Point::PackedProtectionEvent(_) => return None,
        })
    }

    /// The quality: the Data_Flags component, or bits 2-7 of a Data_State (every state type
    /// carries its quality in the state octet); `None` for Data_Real, Data_Discrete,
    /// Data_StateSupplemental and protection events.
    pub fn flags(&self) -> Option<DataFlags> {
        Some(match self {
            Point::RealQ(p) => p.flags,
            Point::RealQTimeTag(p) => p.flags,
            Point::RealExtended(p) => p.flags,
            Point::RealQTimeTagExtended(p) => p.flags,
            Point::State(s) | Point::StateQ(s) => s.flags(),
            Point::StateQTimeTag(p) => p.state.flags(),
            Point::StateExtended(p) => p.state.flags(),
            Point::StateQTimeTagExtended(p) => p.state.flags(),
            Point::DiscreteQ(p) => p.flags,
            Point::DiscreteQTimeTag(p) => p.flags,
            Point::DiscreteExtended(p) => p.flags,
            Point::DiscreteQTimeTagExtended(p) => p.flags,
            Point::StateSupplementalQ(p) => p.flags,
            Point::StateSupplementalQTimeTag(p) => p.flags,
            Point::StateSupplementalExtended(p) => p.flags,
            Point::StateSupplementalQTimeTagExtended(p) => p.flags,
            _ => return None,
        })
    }

    /// The time stamp (a protection event's EventTime); `None` for types without one.
    pub fn time_stamp(&self) -> Option<PointTime> {
        Some(match self {
            Point::RealQTimeTag(p) => PointTime::Seconds(p.time_stamp),
            Point::RealExtended(p) => PointTime::Seconds(p.time_stamp),
            Point::RealQTimeTagExtended(p) => PointTime::Extended(p.time_stamp),
            Point::StateQTimeTag(p) => PointTime::Seconds(p.time_stamp),
            Point::StateExtended(p) => PointTime::Seconds(p.time_stamp),
            Point::StateQTimeTagExtended(p) => PointTime::Extended(p.time_stamp),
            Point::DiscreteQTimeTag(p) => PointTime::Seconds(p.time_stamp),
            Point::DiscreteExtended(p) => PointTime::Seconds(p.time_stamp),
            Point::DiscreteQTimeTagExtended(p) => PointTime::Extended(p.time_stamp),
            Point::StateSupplementalQTimeTag(p) => PointTime::Seconds(p.time_stamp),
            Point::StateSupplementalExtended(p) => PointTime::Seconds(p.time_stamp),
            Point::StateSupplementalQTimeTagExtended(p) => PointTime::Extended(p.time_stamp),
            Point::SingleProtectionEvent(e) => PointTime::Extended(e.event_time),
            Point::PackedProtectionEvent(e) => PointTime::Extended(e.event_time),
            _ => return None,
        })
    }

    /// The change-of-value counter of the `…Extended` types.
    pub fn cov(&self) -> Option<CovCounter> {
        match self {
            Point::RealExtended(p) => Some(p.cov),
            Point::StateExtended(p) => Some(p.cov),
            Point::DiscreteExtended(p) => Some(p.cov),
            Point::StateSupplementalExtended(p) => Some(p.cov),
            _ => None,
        }
    }
}

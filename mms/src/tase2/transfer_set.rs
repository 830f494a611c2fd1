//! The DS transfer set (IEC 60870-6-802 Blocks 1 and 2): `DSTransferSet` in both editions,
//! `DSConditions`, and the event code of the special report variables (docs/tase2.md,
//! "DSTransferSet").

use super::association::Edition;
use super::error::{
    bit_string, bits_exact, boolean, components, int16, int32, structure_type, Result, INTEGER16,
    INTEGER32,
};
use super::names::MmsObjectName;
use super::time::TimeStamp;
use super::Tase2Type;
use crate::data::Data;
use crate::types::TypeDescription;

/// `DSConditions` (IEC 60870-6-802): bit-string(5) of report conditions, requested in a
/// DSTransferSet (`DSConditionsRequested`) and reported in `DSConditions_Detected`.
/// Bit 0 IntervalTimeOut, 1 IntegrityTimeOut, 2 ObjectChange, 3 OperatorRequest,
/// 4 OtherExternalEvent (docs/tase2.md, "DSConditions").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DsConditions(u8);

impl DsConditions {
    /// No condition.
    pub const NONE: DsConditions = DsConditions(0);
    /// Bit 0: IntervalTimeOut.
    pub const INTERVAL_TIMEOUT: DsConditions = DsConditions(0x80);
    /// Bit 1: IntegrityTimeOut.
    pub const INTEGRITY_TIMEOUT: DsConditions = DsConditions(0x40);
    /// Bit 2: ObjectChange.
    pub const OBJECT_CHANGE: DsConditions = DsConditions(0x20);
    /// Bit 3: OperatorRequest.
    pub const OPERATOR_REQUEST: DsConditions = DsConditions(0x10);
    /// Bit 4: OtherExternalEvent.
    pub const OTHER_EXTERNAL_EVENT: DsConditions = DsConditions(0x08);

    /// The conditions from the octet as sent (bit 0 = `0x80`; the 3 low bits are cleared).
    pub const fn from_octet(octet: u8) -> DsConditions {
        DsConditions(octet & 0xF8)
    }

    /// The octet as sent.
    pub const fn octet(self) -> u8 {
        self.0
    }

    /// True when every condition of `other` is set here.
    pub const fn contains(self, other: DsConditions) -> bool {
        self.0 & other.0 == other.0
    }

    /// The conditions of both.
    #[must_use]
    pub const fn union(self, other: DsConditions) -> DsConditions {
        DsConditions(self.0 | other.0)
    }

    /// Bit 0: IntervalTimeOut.
    pub const fn interval_timeout(self) -> bool {
        self.contains(Self::INTERVAL_TIMEOUT)
    }

    /// Bit 1: IntegrityTimeOut.
    pub const fn integrity_timeout(self) -> bool {
        self.contains(Self::INTEGRITY_TIMEOUT)
    }

    /// Bit 2: ObjectChange.
    pub const fn object_change(self) -> bool {
        self.contains(Self::OBJECT_CHANGE)
    }

    /// Bit 3: OperatorRequest.
    pub const fn operator_request(self) -> bool {
        self.contains(Self::OPERATOR_REQUEST)
    }

    /// Bit 4: OtherExternalEvent.
    pub const fn other_external_event(self) -> bool {
        self.contains(Self::OTHER_EXTERNAL_EVENT)
    }
}

impl std::ops::BitOr for DsConditions {
    type Output = DsConditions;

    fn bitor(self, rhs: DsConditions) -> DsConditions {
        self.union(rhs)
    }
}

impl Tase2Type for DsConditions {
    const TYPE_NAME: &'static str = "DSConditions";

    fn type_description() -> TypeDescription<'static> {
        TypeDescription::BitString(5)
    }

    fn to_data(&self) -> Data<'static> {
        bit_string(u32::from(self.0) << 24, 5)
    }

    fn from_data(d: &Data<'_>) -> Result<DsConditions> {
        let v = bits_exact(d, "DSConditions", 5)?;
        Ok(DsConditions::from_octet(v.to_be_bytes()[0]))
    }
}

/// An event code (IEC 60870-6-802): integer(16), the `EventCodeRequested` of a DSTransferSet
/// and the `Event_Code_Detected` of a report. Its values are agreed bilaterally; this module
/// treats it as opaque (docs/tase2.md, "Decisions").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct EventCode(pub i16);

impl Tase2Type for EventCode {
    const TYPE_NAME: &'static str = "Event_Code_Detected";

    fn type_description() -> TypeDescription<'static> {
        INTEGER16
    }

    fn to_data(&self) -> Data<'static> {
        Data::Integer(i64::from(self.0))
    }

    fn from_data(d: &Data<'_>) -> Result<EventCode> {
        int16(d, "Event_Code_Detected").map(EventCode)
    }
}

/// The component names of the 2000.08 DSTransferSet, in order.
const COMPONENTS_2000: [&str; 13] = [
    "DataSetName",
    "StartTime",
    "Interval",
    "TLE",
    "BufferTime",
    "IntegrityCheck",
    "DSConditionsRequested",
    "BlockData",
    "Critical",
    "RBE",
    "AllChangesReported",
    "Status",
    "EventCodeRequested",
];

/// The component names of the 1996.08 DSTransferSet (no AllChangesReported), in order.
const COMPONENTS_1996: [&str; 12] = [
    "DataSetName",
    "StartTime",
    "Interval",
    "TLE",
    "BufferTime",
    "IntegrityCheck",
    "DSConditionsRequested",
    "BlockData",
    "Critical",
    "RBE",
    "Status",
    "EventCodeRequested",
];

/// `DSTransferSet` (IEC 60870-6-802 Blocks 1-2, ICC scope): how a server reports a data set.
///
/// The 1996.08 edition has 12 components; 2000.08 inserts `AllChangesReported` after `RBE`
/// (13). [`DsTransferSet::from_data`] accepts both and says which it got;
/// [`DsTransferSet::to_data`] writes the edition it is given, dropping
/// `all_changes_reported` for 1996.08. The time intervals are seconds; they are held as
/// `i32` so that values from peers that declare them Integer32 decode, while the type
/// description declares integer(16) (docs/tase2.md, "Decisions").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DsTransferSet {
    /// `DataSetName`: the data set to report.
    pub data_set_name: MmsObjectName,
    /// `StartTime`: when interval reporting starts (0 = now).
    pub start_time: TimeStamp,
    /// `Interval`: seconds between interval reports.
    pub interval: i32,
    /// `TLE`: time limit for execution, seconds (stored and echoed only).
    pub tle: i32,
    /// `BufferTime`: seconds to collect changes after the first one.
    pub buffer_time: i32,
    /// `IntegrityCheck`: seconds between integrity reports.
    pub integrity_check: i32,
    /// `DSConditionsRequested`.
    pub ds_conditions_requested: DsConditions,
    /// `BlockData`: blocked transfer (Block 3) requested.
    pub block_data: bool,
    /// `Critical`: reports are to be acknowledged with Transfer_Report_ACK.
    pub critical: bool,
    /// `RBE`: report by exception.
    pub rbe: bool,
    /// `AllChangesReported` (2000.08 only; false when decoded from 1996.08).
    pub all_changes_reported: bool,
    /// `Status`: the transfer set is enabled.
    pub status: bool,
    /// `EventCodeRequested`.
    pub event_code_requested: EventCode,
}

impl DsTransferSet {
    /// A disabled transfer set for `data_set_name` with every other component zero or false.
    pub fn new(data_set_name: MmsObjectName) -> DsTransferSet {
        DsTransferSet {
            data_set_name,
            start_time: TimeStamp(0),
            interval: 0,
            tle: 0,
            buffer_time: 0,
            integrity_check: 0,
            ds_conditions_requested: DsConditions::NONE,
            block_data: false,
            critical: false,
            rbe: false,
            all_changes_reported: false,
            status: false,
            event_code_requested: EventCode(0),
        }
    }

    /// The component names of the edition's structure, in order (for component access with
    /// an alternate access specification).
    pub fn component_names(edition: Edition) -> &'static [&'static str] {
        match edition {
            Edition::V1996_08 => &COMPONENTS_1996,
            Edition::V2000_08 => &COMPONENTS_2000,
        }
    }

    /// The index of component `name` in the edition's structure.
    pub fn component_index(edition: Edition, name: &str) -> Option<usize> {
        Self::component_names(edition)
            .iter()
            .position(|c| *c == name)
    }

    /// The MMS type of the edition's DSTransferSet: intervals integer(16) (TimeIntervalS),
    /// StartTime integer(32), EventCodeRequested integer(16).
    pub fn type_description(edition: Edition) -> TypeDescription<'static> {
        let names = Self::component_names(edition);
        structure_type(names.iter().map(|&n| (n, Self::component_type(n))))
    }

    fn component_type(name: &str) -> TypeDescription<'static> {
        match name {
            "DataSetName" => MmsObjectName::type_description(),
            "StartTime" => INTEGER32,
            "DSConditionsRequested" => DsConditions::type_description(),
            "BlockData" | "Critical" | "RBE" | "AllChangesReported" | "Status" => {
                TypeDescription::Boolean
            }
            // Interval, TLE, BufferTime, IntegrityCheck (TimeIntervalS), EventCodeRequested.
            _ => INTEGER16,
        }
    }

    /// The value in the edition's layout.
    pub fn to_data(&self, edition: Edition) -> Data<'static> {
        let mut v = vec![
            self.data_set_name.to_data(),
            self.start_time.to_data(),
            Data::Integer(i64::from(self.interval)),
            Data::Integer(i64::from(self.tle)),
            Data::Integer(i64::from(self.buffer_time)),
            Data::Integer(i64::from(self.integrity_check)),
            self.ds_conditions_requested.to_data(),
            Data::Boolean(self.block_data),
            Data::Boolean(self.critical),
            Data::Boolean(self.rbe),
        ];
        if edition == Edition::V2000_08 {
            v.push(Data::Boolean(self.all_changes_reported));
        }
        v.push(Data::Boolean(self.status));
        v.push(self.event_code_requested.to_data());
        Data::structure(v)
    }

    /// A DSTransferSet of either edition, told apart by its number of components, and the
    /// edition it had.
    pub fn from_data(d: &Data<'_>) -> Result<(DsTransferSet, Edition)> {
        let c = components(d, "DSTransferSet", &[12, 13])?;
        let edition = if c.len() == 13 {
            Edition::V2000_08
        } else {
            Edition::V1996_08
        };
        // Index of Status: AllChangesReported sits before it in 2000.08.
        let s = if edition == Edition::V2000_08 { 11 } else { 10 };
        let t = DsTransferSet {
            data_set_name: MmsObjectName::from_data(&c[0])?,
            start_time: TimeStamp(int32(&c[1], "DSTransferSet.StartTime")?),
            interval: int32(&c[2], "DSTransferSet.Interval")?,
            tle: int32(&c[3], "DSTransferSet.TLE")?,
            buffer_time: int32(&c[4], "DSTransferSet.BufferTime")?,
            integrity_check: int32(&c[5], "DSTransferSet.IntegrityCheck")?,
            ds_conditions_requested: DsConditions::from_data(&c[6])?,
            block_data: boolean(&c[7], "DSTransferSet.BlockData")?,
            critical: boolean(&c[8], "DSTransferSet.Critical")?,
            rbe: boolean(&c[9], "DSTransferSet.RBE")?,
            all_changes_reported: match edition {
                Edition::V2000_08 => boolean(&c[10], "DSTransferSet.AllChangesReported")?,
                _ => false,
            },
            status: boolean(&c[s], "DSTransferSet.Status")?,
            event_code_requested: EventCode(int16(&c[s + 1], "DSTransferSet.EventCodeRequested")?),
        };
        Ok((t, edition))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tase2::error::{DataKind, Tase2Error};
    use proptest::prelude::*;

    fn sample() -> DsTransferSet {
        DsTransferSet {
            data_set_name: MmsObjectName::icc("ICC1", "DS1").unwrap(),
            start_time: TimeStamp(1_700_000_000),
            interval: 10,
            tle: 60,
            buffer_time: 2,
            integrity_check: 86_400,
            ds_conditions_requested: DsConditions::INTERVAL_TIMEOUT | DsConditions::OBJECT_CHANGE,
            block_data: false,
            critical: true,
            rbe: true,
            all_changes_reported: true,
            status: true,
            event_code_requested: EventCode(-3),
        }
    }

    #[test]
    fn editions() {
        let t = sample();
        let d2000 = t.to_data(Edition::V2000_08);
        assert_eq!(d2000.as_list().unwrap().len(), 13);
        assert_eq!(
            DsTransferSet::from_data(&d2000),
            Ok((t.clone(), Edition::V2000_08))
        );
        let d1996 = t.to_data(Edition::V1996_08);
        let list = d1996.as_list().unwrap();
        assert_eq!(list.len(), 12);
        // Status (true) at 10 and EventCodeRequested at 11 in 1996.08.
        assert_eq!(list.get(10).unwrap().as_bool(), Some(true));
        assert_eq!(list.get(11).unwrap().as_i64(), Some(-3));
        let (back, ed) = DsTransferSet::from_data(&d1996).unwrap();
        assert_eq!(ed, Edition::V1996_08);
        assert_eq!(
            back,
            DsTransferSet {
                all_changes_reported: false,
                ..t
            }
        );
        // Status read from its own index: a 1996 set with Status false and RBE true.
        let mut off = sample();
        off.status = false;
        let (back, _) = DsTransferSet::from_data(&off.to_data(Edition::V1996_08)).unwrap();
        assert!(!back.status && back.rbe);
    }

    #[test]
    fn component_names() {
        assert_eq!(
            DsTransferSet::component_index(Edition::V2000_08, "Status"),
            Some(11)
        );
        assert_eq!(
            DsTransferSet::component_index(Edition::V1996_08, "Status"),
            Some(10)
        );
        assert_eq!(
            DsTransferSet::component_index(Edition::V1996_08, "AllChangesReported"),
            None
        );
    }

    #[test]
    fn wrong_shapes() {
        let t = sample().to_data(Edition::V2000_08);
        let mut v = t.as_list().unwrap().to_vec();
        // A 2000.08 set missing its last component has the 1996.08 count; it fails on the
        // component that is then out of place (Status where EventCodeRequested belongs).
        v.pop();
        assert_eq!(
            DsTransferSet::from_data(&Data::structure(v.clone())),
            Err(Tase2Error::WrongType {
                what: "DSTransferSet.EventCodeRequested",
                expected: DataKind::Integer,
                found: DataKind::Boolean
            })
        );
        v.pop();
        let eleven = Data::structure(v);
        assert_eq!(
            DsTransferSet::from_data(&eleven),
            Err(Tase2Error::WrongComponentCount {
                what: "DSTransferSet",
                expected: &[12, 13],
                found: 11
            })
        );
        // DSConditionsRequested as an integer (as one deviating implementation sends it).
        let mut v = t.as_list().unwrap().to_vec();
        v[6] = Data::Integer(5);
        assert_eq!(
            DsTransferSet::from_data(&Data::structure(v)),
            Err(Tase2Error::WrongType {
                what: "DSConditions",
                expected: DataKind::BitString,
                found: DataKind::Integer
            })
        );
        // DataSetName as a string.
        let mut v = t.as_list().unwrap().to_vec();
        v[0] = Data::from("ICC1/DS1");
        assert!(matches!(
            DsTransferSet::from_data(&Data::structure(v)),
            Err(Tase2Error::WrongType {
                what: "MMSObjectName",
                ..
            })
        ));
        assert!(matches!(
            DsConditions::from_data(&crate::tase2::error::bit_string(0, 8)),
            Err(Tase2Error::WrongBitLength {
                expected: 5,
                found: 8,
                ..
            })
        ));
    }

    proptest! {
        #[test]
        fn round_trip(
            interval in any::<i32>(), tle in any::<i32>(), buffer in any::<i32>(),
            integrity in any::<i32>(), start in any::<i32>(), cond in any::<u8>(),
            bools in any::<[bool; 5]>(), code in any::<i16>(), v2000 in any::<bool>(),
        ) {
            let edition = if v2000 { Edition::V2000_08 } else { Edition::V1996_08 };
            let t = DsTransferSet {
                data_set_name: MmsObjectName::vcc("DS").unwrap(),
                start_time: TimeStamp(start),
                interval,
                tle,
                buffer_time: buffer,
                integrity_check: integrity,
                ds_conditions_requested: DsConditions::from_octet(cond),
                block_data: bools[0],
                critical: bools[1],
                rbe: bools[2],
                all_changes_reported: bools[3] && v2000,
                status: bools[4],
                event_code_requested: EventCode(code),
            };
            prop_assert_eq!(DsTransferSet::from_data(&t.to_data(edition)), Ok((t, edition)));
        }

        #[test]
        fn ds_conditions_bits(o in any::<u8>()) {
            let c = DsConditions::from_octet(o);
            let d = c.to_data();
            let Data::BitString(b) = &d else { panic!() };
            prop_assert_eq!(b.len(), 5);
            let named = [c.interval_timeout(), c.integrity_timeout(), c.object_change(),
                c.operator_request(), c.other_external_event()];
            for (n, v) in named.iter().enumerate() {
                prop_assert_eq!(*v, b.bit(n));
            }
            prop_assert_eq!(DsConditions::from_data(&d), Ok(c));
        }
    }
}

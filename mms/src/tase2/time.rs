//! Time stamps and the change-of-value counter of IEC 60870-6-802 (Block 1): `GMTBasedS`
//! (= `Data_TimeStamp`), `TimeStampExtended` and `COV_Counter` (docs/tase2.md, "Base types").

use super::error::{
    components, int16, int32, structure_type, unsigned, Result, INTEGER16, INTEGER32,
};
use super::Tase2Type;
use crate::data::Data;
use crate::types::TypeDescription;

/// `GMTBasedS` / `Data_TimeStamp` (IEC 60870-6-802 Block 1): whole seconds since
/// 1970-01-01T00:00:00 UTC as integer(32), in both editions (docs/tase2.md, "Time").
///
/// Negative values decode (the type is signed) but name no valid time: [`TimeStamp::to_system_time`]
/// gives `None` for them. The type ends in January 2038.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct TimeStamp(pub i32);

impl TimeStamp {
    /// The time stamp of `t`, truncated to the second; `None` before 1970 or after the
    /// type's end in 2038.
    pub fn from_system_time(t: std::time::SystemTime) -> Option<TimeStamp> {
        let s = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
        i32::try_from(s).ok().map(TimeStamp)
    }

    /// The time it names; `None` for negative values.
    pub fn to_system_time(self) -> Option<std::time::SystemTime> {
        let s = u64::try_from(self.0).ok()?;
        std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(s))
    }
}

impl Tase2Type for TimeStamp {
    const TYPE_NAME: &'static str = "GMTBasedS";

    fn type_description() -> TypeDescription<'static> {
        INTEGER32
    }

    fn to_data(&self) -> Data<'static> {
        Data::Integer(i64::from(self.0))
    }

    fn from_data(d: &Data<'_>) -> Result<TimeStamp> {
        int32(d, "GMTBasedS").map(TimeStamp)
    }
}

/// `TimeStampExtended` (IEC 60870-6-802 Block 1): structure {`GMTBasedS` integer(32),
/// `Milliseconds` integer(16)}, the time stamp of the `…QTimeTagExtended` types and of the
/// protection events (docs/tase2.md, "Time").
///
/// Values decode whatever their range; [`TimeStampExtended::to_unix_millis`] gives `None`
/// for negative seconds and for milliseconds outside 0..=999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct TimeStampExtended {
    /// Whole seconds since 1970-01-01T00:00:00 UTC.
    pub gmt_based_s: i32,
    /// Milliseconds within the second (0..=999 when valid).
    pub milliseconds: i16,
}

impl TimeStampExtended {
    /// The time stamp of a count of milliseconds since 1970; `None` beyond the type's end in
    /// 2038.
    pub fn from_unix_millis(ms: u64) -> Option<TimeStampExtended> {
        let gmt_based_s = i32::try_from(ms / 1000).ok()?;
        let milliseconds = i16::try_from(ms % 1000).ok()?;
        Some(TimeStampExtended {
            gmt_based_s,
            milliseconds,
        })
    }

    /// Milliseconds since 1970; `None` when the value names no valid time.
    pub fn to_unix_millis(self) -> Option<u64> {
        let s = u64::try_from(self.gmt_based_s).ok()?;
        let ms = u64::try_from(self.milliseconds)
            .ok()
            .filter(|m| *m < 1000)?;
        Some(s * 1000 + ms)
    }
}

impl Tase2Type for TimeStampExtended {
    const TYPE_NAME: &'static str = "TimeStampExtended";

    fn type_description() -> TypeDescription<'static> {
        structure_type([("GMTBasedS", INTEGER32), ("Milliseconds", INTEGER16)])
    }

    fn to_data(&self) -> Data<'static> {
        Data::structure(vec![
            Data::Integer(i64::from(self.gmt_based_s)),
            Data::Integer(i64::from(self.milliseconds)),
        ])
    }

    fn from_data(d: &Data<'_>) -> Result<TimeStampExtended> {
        // Component names vary in the field (GMTBasedS / XSGMTBasedS); values carry none, so
        // only the shape is checked (docs/tase2.md, "Matching by shape").
        let c = components(d, "TimeStampExtended", &[2])?;
        Ok(TimeStampExtended {
            gmt_based_s: int32(&c[0], "TimeStampExtended.GMTBasedS")?,
            milliseconds: int16(&c[1], "TimeStampExtended.Milliseconds")?,
        })
    }
}

/// `COV_Counter` (IEC 60870-6-802 Block 1): unsigned(16) counting the changes of a value, in
/// the `…Extended` point types. It wraps at 65535.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct CovCounter(pub u16);

impl CovCounter {
    /// The counter after one more change (wrapping).
    #[must_use]
    pub const fn next(self) -> CovCounter {
        CovCounter(self.0.wrapping_add(1))
    }
}

impl Tase2Type for CovCounter {
    const TYPE_NAME: &'static str = "COV_Counter";

    fn type_description() -> TypeDescription<'static> {
        TypeDescription::Unsigned(16)
    }

    fn to_data(&self) -> Data<'static> {
        Data::Unsigned(u64::from(self.0))
    }

    fn from_data(d: &Data<'_>) -> Result<CovCounter> {
        let v = unsigned(d, "COV_Counter", u64::from(u16::MAX))?;
        u16::try_from(v)
            .map(CovCounter)
            .map_err(|_| super::error::Tase2Error::OutOfRange {
                what: "COV_Counter",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tase2::error::{DataKind, Tase2Error};

    #[test]
    fn time_conversions() {
        let t = TimeStampExtended::from_unix_millis(1_700_000_000_123).unwrap();
        assert_eq!(t.gmt_based_s, 1_700_000_000);
        assert_eq!(t.milliseconds, 123);
        assert_eq!(t.to_unix_millis(), Some(1_700_000_000_123));
        assert_eq!(
            TimeStampExtended {
                gmt_based_s: 1,
                milliseconds: 1000
            }
            .to_unix_millis(),
            None
        );
        assert_eq!(TimeStamp(-1).to_system_time(), None);
        assert_eq!(TimeStampExtended::from_unix_millis(u64::MAX), None);
        let now = TimeStamp(1_700_000_000).to_system_time().unwrap();
        assert_eq!(
            TimeStamp::from_system_time(now),
            Some(TimeStamp(1_700_000_000))
        );
        assert_eq!(CovCounter(u16::MAX).next(), CovCounter(0));
    }

    #[test]
    fn wrong_shapes() {
        assert_eq!(
            TimeStamp::from_data(&Data::Integer(1 << 31)),
            Err(Tase2Error::OutOfRange { what: "GMTBasedS" })
        );
        assert_eq!(
            TimeStampExtended::from_data(&Data::structure(vec![Data::Integer(1)])),
            Err(Tase2Error::WrongComponentCount {
                what: "TimeStampExtended",
                expected: &[2],
                found: 1
            })
        );
        assert_eq!(
            TimeStampExtended::from_data(&Data::structure(vec![
                Data::Integer(1),
                Data::Integer(40_000)
            ])),
            Err(Tase2Error::OutOfRange {
                what: "TimeStampExtended.Milliseconds"
            })
        );
        assert_eq!(
            CovCounter::from_data(&Data::Unsigned(65_536)),
            Err(Tase2Error::OutOfRange {
                what: "COV_Counter"
            })
        );
        assert_eq!(
            CovCounter::from_data(&Data::Boolean(true)),
            Err(Tase2Error::WrongType {
                what: "COV_Counter",
                expected: DataKind::Unsigned,
                found: DataKind::Boolean
            })
        );
        // A non-negative integer is taken as an unsigned (docs/tase2.md, "Decisions").
        assert_eq!(CovCounter::from_data(&Data::Integer(7)), Ok(CovCounter(7)));
    }
}

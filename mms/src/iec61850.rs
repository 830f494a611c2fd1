//! IEC 61850-8-1 mappings onto MMS data (IEC 61850-8-1 §8.1.3, IEC 61850-7-3 §6.2): quality,
//! timestamps, double-point positions and object references.

use crate::common::ObjectName;
use crate::data::{MmsBitString, UtcTime};

/// `Validity` of a [`Quality`] (IEC 61850-7-3 §6.2.2), bits 0–1 most significant first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Validity {
    /// good (00).
    Good,
    /// invalid (01).
    Invalid,
    /// reserved (10).
    Reserved,
    /// questionable (11).
    Questionable,
}

/// `Quality` (IEC 61850-7-3 §6.2, mapped by IEC 61850-8-1 to a 13-bit MMS bit string): the
/// 13 bits, bit 0 (validity's high bit) as the most significant of the low 13 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Quality(pub u16);

impl Quality {
    /// The number of bits of the MMS encoding.
    pub const BITS: u8 = 13;

    fn bit(self, n: u8) -> bool {
        self.0 & (1 << (12 - n)) != 0
    }

    fn with(self, n: u8, v: bool) -> Quality {
        let m = 1u16 << (12 - n);
        Quality(if v { self.0 | m } else { self.0 & !m })
    }

    /// Bits 0–1: validity.
    pub fn validity(self) -> Validity {
        match (self.bit(0), self.bit(1)) {
            (false, false) => Validity::Good,
            (false, true) => Validity::Invalid,
            (true, false) => Validity::Reserved,
            (true, true) => Validity::Questionable,
        }
    }

    /// With validity set.
    pub fn with_validity(self, v: Validity) -> Quality {
        let (a, b) = match v {
            Validity::Good => (false, false),
            Validity::Invalid => (false, true),
            Validity::Reserved => (true, false),
            Validity::Questionable => (true, true),
        };
        self.with(0, a).with(1, b)
    }

    /// Bit 2: detailQual.overflow.
    pub fn overflow(self) -> bool {
        self.bit(2)
    }
    /// Bit 3: detailQual.outOfRange.
    pub fn out_of_range(self) -> bool {
        self.bit(3)
    }
    /// Bit 4: detailQual.badReference.
    pub fn bad_reference(self) -> bool {
        self.bit(4)
    }
    /// Bit 5: detailQual.oscillatory.
    pub fn oscillatory(self) -> bool {
        self.bit(5)
    }
    /// Bit 6: detailQual.failure.
    pub fn failure(self) -> bool {
        self.bit(6)
    }
    /// Bit 7: detailQual.oldData.
    pub fn old_data(self) -> bool {
        self.bit(7)
    }
    /// Bit 8: detailQual.inconsistent.
    pub fn inconsistent(self) -> bool {
        self.bit(8)
    }
    /// Bit 9: detailQual.inaccurate.
    pub fn inaccurate(self) -> bool {
        self.bit(9)
    }
    /// Bit 10: source = substituted (false: process).
    pub fn substituted(self) -> bool {
        self.bit(10)
    }
    /// Bit 11: test.
    pub fn test(self) -> bool {
        self.bit(11)
    }
    /// Bit 12: operatorBlocked.
    pub fn operator_blocked(self) -> bool {
        self.bit(12)
    }

    /// With bit `n` (0..=12, numbered as in IEC 61850-8-1) set to `v`; other `n` are ignored.
    pub fn with_bit(self, n: u8, v: bool) -> Quality {
        if n < Self::BITS {
            self.with(n, v)
        } else {
            self
        }
    }

    /// The 13-bit MMS bit string.
    pub fn to_bit_string(self) -> MmsBitString<'static> {
        MmsBitString::from_u32(u32::from(self.0 & 0x1FFF), Self::BITS)
    }

    /// From an MMS bit string; bits beyond 13 are ignored, missing bits read as 0.
    pub fn from_bit_string(b: &MmsBitString<'_>) -> Quality {
        (0..Self::BITS).fold(Quality(0), |q, n| q.with(n, b.bit(usize::from(n))))
    }
}

/// `TimeQuality` (IEC 61850-8-1 §8.1.3.7): the last octet of a [`UtcTime`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TimeQuality(pub u8);

impl TimeQuality {
    /// Bit 0 (most significant): LeapSecondsKnown.
    pub fn leap_seconds_known(self) -> bool {
        self.0 & 0x80 != 0
    }
    /// Bit 1: ClockFailure.
    pub fn clock_failure(self) -> bool {
        self.0 & 0x40 != 0
    }
    /// Bit 2: ClockNotSynchronized.
    pub fn clock_not_synchronized(self) -> bool {
        self.0 & 0x20 != 0
    }
    /// Bits 3–7: TimeAccuracy, the number of significant bits of the fraction (0..=24;
    /// 31 = unspecified).
    pub fn time_accuracy(self) -> u8 {
        self.0 & 0x1F
    }
    /// Builds the octet.
    pub fn new(
        leap_seconds_known: bool,
        clock_failure: bool,
        clock_not_synchronized: bool,
        time_accuracy: u8,
    ) -> TimeQuality {
        TimeQuality(
            (u8::from(leap_seconds_known) << 7)
                | (u8::from(clock_failure) << 6)
                | (u8::from(clock_not_synchronized) << 5)
                | (time_accuracy & 0x1F),
        )
    }
}

impl UtcTime {
    /// The TimeQuality octet, decoded (IEC 61850-8-1 §8.1.3.7).
    pub fn time_quality(&self) -> TimeQuality {
        TimeQuality(self.quality)
    }

    /// An IEC 61850 timestamp for `t` with the given quality.
    pub fn timestamp(t: std::time::SystemTime, q: TimeQuality) -> UtcTime {
        UtcTime::from_system_time(t, q.0)
    }
}

/// `Dbpos` (IEC 61850-7-3 §6.5, a 2-bit MMS bit string, most significant bit first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dbpos {
    /// intermediate-state (00).
    Intermediate,
    /// off (01).
    Off,
    /// on (10).
    On,
    /// bad-state (11).
    Bad,
}

impl Dbpos {
    /// The 2-bit value (0..=3).
    pub fn value(self) -> u8 {
        match self {
            Dbpos::Intermediate => 0,
            Dbpos::Off => 1,
            Dbpos::On => 2,
            Dbpos::Bad => 3,
        }
    }

    /// From the 2-bit value (only the low two bits are used).
    pub fn from_value(v: u8) -> Dbpos {
        match v & 3 {
            0 => Dbpos::Intermediate,
            1 => Dbpos::Off,
            2 => Dbpos::On,
            _ => Dbpos::Bad,
        }
    }

    /// The 2-bit MMS bit string.
    pub fn to_bit_string(self) -> MmsBitString<'static> {
        MmsBitString::from_u32(u32::from(self.value()), 2)
    }

    /// From an MMS bit string (its first two bits; missing bits read as 0).
    pub fn from_bit_string(b: &MmsBitString<'_>) -> Dbpos {
        Dbpos::from_value((u8::from(b.bit(0)) << 1) | u8::from(b.bit(1)))
    }
}

/// Maps an IEC 61850 object reference and functional constraint to the MMS variable name
/// (IEC 61850-8-1 §8.1.3.3): `"IED1LD0/MMXU1.TotW.mag.f"`, `"MX"` → domain `IED1LD0`, item
/// `MMXU1$MX$TotW$mag$f`. `None` when the reference has no `/` or no logical node.
pub fn reference_to_object_name(reference: &str, fc: &str) -> Option<ObjectName<'static>> {
    let (ld, rest) = reference.split_once('/')?;
    if ld.is_empty() || rest.is_empty() {
        return None;
    }
    let mut item = String::with_capacity(rest.len() + fc.len() + 1);
    let (ln, data) = match rest.split_once('.') {
        Some((ln, data)) => (ln, Some(data)),
        None => (rest, None),
    };
    if ln.is_empty() {
        return None;
    }
    item.push_str(ln);
    if !fc.is_empty() {
        item.push('$');
        item.push_str(fc);
    }
    if let Some(d) = data {
        for part in d.split('.') {
            item.push('$');
            item.push_str(part);
        }
    }
    Some(ObjectName::domain(ld.to_string(), item))
}

/// The inverse of [`reference_to_object_name`]: `(reference, fc)` for a domain-specific name
/// whose item has the form `LN$FC$a$b...` (or `LN` alone, with an empty FC).
pub fn object_name_to_reference(name: &ObjectName<'_>) -> Option<(String, String)> {
    let ObjectName::DomainSpecific { domain_id, item_id } = name else {
        return None;
    };
    let mut parts = item_id.split('$');
    let ln = parts.next().filter(|s| !s.is_empty())?;
    let fc = parts.next().unwrap_or("");
    let mut r = String::with_capacity(domain_id.len() + item_id.len() + 1);
    r.push_str(domain_id);
    r.push('/');
    r.push_str(ln);
    for p in parts {
        r.push('.');
        r.push_str(p);
    }
    Some((r, fc.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_bits() {
        let q = Quality::default()
            .with_validity(Validity::Questionable)
            .with_bit(7, true)
            .with_bit(12, true);
        assert_eq!(q.validity(), Validity::Questionable);
        assert!(q.old_data() && q.operator_blocked() && !q.test());
        let b = q.to_bit_string();
        assert_eq!((b.unused, &*b.bits), (3, &[0xC1u8, 0x08][..]));
        assert_eq!(Quality::from_bit_string(&b), q);
        // the data.vec quality (03 40 08): invalid + test
        let r = MmsBitString {
            unused: 3,
            bits: vec![0x40, 0x08].into(),
        };
        let q = Quality::from_bit_string(&r);
        assert_eq!(q.validity(), Validity::Invalid);
        assert!(q.operator_blocked() && !q.failure());
    }

    #[test]
    fn dbpos_and_time_quality() {
        assert_eq!(&*Dbpos::On.to_bit_string().bits, &[0x80]);
        assert_eq!(&*Dbpos::Off.to_bit_string().bits, &[0x40]);
        assert_eq!(Dbpos::On.to_bit_string().unused, 6);
        for d in [Dbpos::Intermediate, Dbpos::Off, Dbpos::On, Dbpos::Bad] {
            assert_eq!(Dbpos::from_bit_string(&d.to_bit_string()), d);
        }
        let tq = TimeQuality::new(false, true, true, 10);
        assert_eq!(tq.0, 0x6A);
        let t = UtcTime {
            seconds: 1,
            fraction: 0,
            quality: tq.0,
        };
        assert!(t.time_quality().clock_failure() && !t.time_quality().leap_seconds_known());
        assert_eq!(t.time_quality().time_accuracy(), 10);
    }

    #[test]
    fn references() {
        let n = reference_to_object_name("IED1LD0/MMXU1.TotW.mag.f", "MX").unwrap();
        assert_eq!(n, ObjectName::domain("IED1LD0", "MMXU1$MX$TotW$mag$f"));
        assert_eq!(
            object_name_to_reference(&n),
            Some(("IED1LD0/MMXU1.TotW.mag.f".to_string(), "MX".to_string()))
        );
        assert_eq!(
            reference_to_object_name("LD0/LLN0", ""),
            Some(ObjectName::domain("LD0", "LLN0"))
        );
        assert_eq!(reference_to_object_name("noslash", "ST"), None);
        assert_eq!(reference_to_object_name("LD0/", "ST"), None);
        assert_eq!(object_name_to_reference(&ObjectName::vmd("x")), None);
    }
}

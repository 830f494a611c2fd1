//! E2E UTC time stamps (IEC 62351-4 §13, docs/facts.md F-1104): ASN.1 GeneralizedTime,
//! `YYYYMMDDhhmmss[.fff]Z`, pure UTC, no `T`. We send whole seconds in DER form
//! (`YYYYMMDDhhmmssZ`); we accept an optional fraction (`.` or `,`) of up to 9 digits.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A time stamp: milliseconds since 1970-01-01T00:00:00Z (may be negative before 1970).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeStamp(pub i64);

/// GeneralizedTime contents octets held on the stack (see [`TimeStamp::generalized_octets`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneralizedOctets {
    buf: [u8; 19],
    len: usize,
}

impl GeneralizedOctets {
    /// The octets.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    fn push(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// `v` (not negative) in exactly `n` decimal digits.
    fn digits(&mut self, v: i64, n: u32) {
        for i in (0..n).rev() {
            let digit = (v / 10i64.pow(i)) % 10;
            self.push(b'0' + u8::try_from(digit).unwrap_or(0));
        }
    }
}

use copp::ber::time::{civil_from_days, days_from_civil};

impl TimeStamp {
    /// The time stamp of a system time, truncated to whole seconds (what we send).
    pub fn from_system_seconds(t: SystemTime) -> TimeStamp {
        let ms = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 1000) * 1000,
            Err(e) => -(i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX / 1000) * 1000),
        };
        TimeStamp(ms)
    }

    /// Milliseconds since the epoch of a system time.
    pub fn millis_of(t: SystemTime) -> i64 {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
        }
    }

    /// The absolute distance to `t`.
    pub fn distance(&self, t: SystemTime) -> Duration {
        let now = TimeStamp::millis_of(t);
        Duration::from_millis(self.0.abs_diff(now))
    }

    /// GeneralizedTime contents octets, DER (X.690 §11.7): `YYYYMMDDhhmmss[.fff]Z`.
    pub fn to_generalized(&self) -> String {
        let secs = self.0.div_euclid(1000);
        let ms = self.0.rem_euclid(1000);
        let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
        let sod = secs.rem_euclid(86_400);
        let mut s = format!(
            "{y:04}{mo:02}{d:02}{:02}{:02}{:02}",
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        );
        if ms != 0 {
            let f = format!("{ms:03}");
            s.push('.');
            s.push_str(f.trim_end_matches('0'));
        }
        s.push('Z');
        s
    }

    /// The same octets as [`TimeStamp::to_generalized`] without allocating (the data path
    /// writes one per PDU): `None` for years outside 0..=9999, which only that one can show.
    pub fn generalized_octets(&self) -> Option<GeneralizedOctets> {
        let secs = self.0.div_euclid(1000);
        let ms = self.0.rem_euclid(1000);
        let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
        if !(0..=9999).contains(&y) {
            return None;
        }
        let sod = secs.rem_euclid(86_400);
        let mut g = GeneralizedOctets {
            buf: [0; 19],
            len: 0,
        };
        g.digits(y, 4);
        g.digits(i64::from(mo), 2);
        g.digits(i64::from(d), 2);
        g.digits(sod / 3600, 2);
        g.digits((sod / 60) % 60, 2);
        g.digits(sod % 60, 2);
        if ms != 0 {
            let mut f = ms;
            let mut n = 3;
            while f % 10 == 0 {
                f /= 10;
                n -= 1;
            }
            g.push(b'.');
            g.digits(f, n);
        }
        g.push(b'Z');
        Some(g)
    }

    /// Parses GeneralizedTime contents octets in the E2E profile (F-1104): 14 digits, an
    /// optional fraction of 1..9 digits after `.` or `,`, and a final `Z`.
    pub fn parse(b: &[u8]) -> Option<TimeStamp> {
        let (&last, body) = b.split_last()?;
        if last != b'Z' || body.len() < 14 {
            return None;
        }
        let (main, frac) = body.split_at(14);
        if !main.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> i64 {
            main.get(r)
                .unwrap_or_default()
                .iter()
                .fold(0i64, |a, c| a * 10 + i64::from(c - b'0'))
        };
        let (y, mo, d, h, mi, s) = (
            num(0..4),
            num(4..6),
            num(6..8),
            num(8..10),
            num(10..12),
            num(12..14),
        );
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        let mut ms = 0i64;
        if !frac.is_empty() {
            let (&sep, digits) = frac.split_first()?;
            if (sep != b'.' && sep != b',')
                || digits.is_empty()
                || digits.len() > 9
                || !digits.iter().all(u8::is_ascii_digit)
            {
                return None;
            }
            for (i, c) in digits.iter().take(3).enumerate() {
                ms += i64::from(c - b'0') * [100, 10, 1][i];
            }
        }
        // Both were checked against 1..=12 and 1..=31 above.
        let days = days_from_civil(y, u32::try_from(mo).ok()?, u32::try_from(d).ok()?);
        Some(TimeStamp(
            ((days * 86_400) + h * 3600 + mi * 60 + s) * 1000 + ms,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_and_parse() {
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let ts = TimeStamp::from_system_seconds(t);
        assert_eq!(ts.to_generalized(), "20231114221320Z");
        assert_eq!(TimeStamp::parse(b"20231114221320Z"), Some(ts));
        assert_eq!(
            TimeStamp::parse(b"20231114221320.5Z"),
            Some(TimeStamp(ts.0 + 500))
        );
        assert_eq!(TimeStamp(ts.0 + 500).to_generalized(), "20231114221320.5Z");
        assert_eq!(
            TimeStamp::parse(b"20231114221320,123456Z"),
            Some(TimeStamp(ts.0 + 123))
        );
        assert_eq!(TimeStamp::parse(b"19700101000000Z"), Some(TimeStamp(0)));
        assert_eq!(
            TimeStamp::parse(b"20000229120000Z")
                .map(|t| t.to_generalized())
                .as_deref(),
            Some("20000229120000Z")
        );
        for bad in [
            &b""[..],
            b"Z",
            b"20231114221320",
            b"2023111422132Z",
            b"20231314221320Z",
            b"20231114221320.Z",
            b"2023-1114221320Z",
            b"20231114T21320Z",
        ] {
            assert_eq!(TimeStamp::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn stack_octets_are_the_string_octets() {
        for ms in [
            0i64,
            1,
            10,
            100,
            120,
            999,
            1_700_000_000_000,
            1_700_000_000_450,
            -1,
            -86_400_000,
            -62_167_219_200_000, // 0000-01-01
            253_402_300_799_000, // 9999-12-31T23:59:59
        ] {
            let t = TimeStamp(ms);
            let stack = t.generalized_octets().unwrap();
            assert_eq!(stack.as_bytes(), t.to_generalized().as_bytes(), "{ms}");
        }
        assert_eq!(TimeStamp(253_402_300_800_000).generalized_octets(), None);
        assert_eq!(TimeStamp(-62_167_219_200_001).generalized_octets(), None);
    }
}

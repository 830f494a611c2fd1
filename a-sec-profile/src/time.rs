//! The `time` field of the MMS-Authentication-value (IEC 62351-4 §11.2.2: GeneralizedTime, UTC,
//! time of creation) — formatting in the profiles of docs/facts.md U-03 and lenient parsing.
//!
//! Formats sent ([`TimeFormat`]): `strict` `YYYYMMDDHHMMSSZ` (DER, X.690 §11.7; the default),
//! `strict-millis` `YYYYMMDDHHMMSS.fffZ` (DER, trailing zeros of the fraction dropped, §11.7.3),
//! `tsp-compat` `YYYYMMDDHHMMSS.` (what Test Suite Pro sends, F-912).
//!
//! Parsing accepts `YYYYMMDDHHMMSS`, then an optional fraction introduced by `.` or `,` with
//! zero to nine digits, then an optional `Z` (absent means UTC, U-03). Local-time offsets are
//! refused: the standard asks for UTC.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How this end writes the `time` it signs (docs/facts.md U-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TimeFormat {
    /// `YYYYMMDDHHMMSSZ`: DER GeneralizedTime, second resolution (default for new peers).
    #[default]
    Strict,
    /// `YYYYMMDDHHMMSS.fffZ`: DER GeneralizedTime with milliseconds (trailing zeros dropped,
    /// the `.` too when the fraction is zero). Lets one client open several associations per
    /// second without its values looking replayed.
    StrictMillis,
    /// `YYYYMMDDHHMMSS.`: the 15-character form seen from Test Suite Pro (F-912).
    TspCompat,
}

impl TimeFormat {
    /// The resolution of the format: what two successive values must differ by.
    pub fn resolution(self) -> Duration {
        match self {
            TimeFormat::StrictMillis => Duration::from_millis(1),
            TimeFormat::Strict | TimeFormat::TspCompat => Duration::from_secs(1),
        }
    }

    /// `t` truncated to the format's resolution.
    pub fn truncate(self, t: SystemTime) -> SystemTime {
        let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        let d = match self {
            TimeFormat::StrictMillis => {
                Duration::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            }
            _ => Duration::from_secs(d.as_secs()),
        };
        UNIX_EPOCH + d
    }
}

impl std::str::FromStr for TimeFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "strict" => Ok(TimeFormat::Strict),
            "strict-millis" => Ok(TimeFormat::StrictMillis),
            "tsp-compat" => Ok(TimeFormat::TspCompat),
            _ => Err(format!(
                "unknown time format {s:?} (strict, strict-millis, tsp-compat)"
            )),
        }
    }
}

/// Why a received `time` could not be read (IEC 62351-4 §11.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// Not of the accepted GeneralizedTime forms.
    #[error("not a UTC GeneralizedTime (YYYYMMDDHHMMSS[.f][Z])")]
    Syntax,
    /// A field out of range (month 13, second 61, ...).
    #[error("GeneralizedTime field out of range")]
    Range,
    /// Before 1970 (cannot be a time of creation).
    #[error("GeneralizedTime before 1970")]
    BeforeEpoch,
}

use copp::ber::time::{civil_from_days, days_from_civil, days_in_month};

/// Formats `t` (UTC) in `format`; the result is ASCII, the GeneralizedTime contents octets.
pub fn format(t: SystemTime, format: TimeFormat) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2);
    let (y, mo, da) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let base = format!(
        "{y:04}{mo:02}{da:02}{:02}{:02}{:02}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    );
    match format {
        TimeFormat::Strict => base + "Z",
        TimeFormat::TspCompat => base + ".",
        TimeFormat::StrictMillis => {
            let ms = d.subsec_millis();
            if ms == 0 {
                base + "Z"
            } else {
                let frac = format!("{ms:03}");
                format!("{base}.{}Z", frac.trim_end_matches('0'))
            }
        }
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0')))
}

/// Parses received `time` contents octets (lenient, docs/facts.md U-03).
pub fn parse(b: &[u8]) -> Result<SystemTime, TimeError> {
    if b.len() < 14 || b.len() > 32 {
        return Err(TimeError::Syntax);
    }
    let (date, rest) = b.split_at(14);
    let f = |r: std::ops::Range<usize>| date.get(r).and_then(digits).ok_or(TimeError::Syntax);
    let (y, mo, d, h, mi, s) = (
        f(0..4)?,
        f(4..6)?,
        f(6..8)?,
        f(8..10)?,
        f(10..12)?,
        f(12..14)?,
    );
    let mut rest = rest;
    let mut nanos = 0u32;
    if let [b'.' | b',', tail @ ..] = rest {
        let n = tail.iter().take_while(|c| c.is_ascii_digit()).count();
        if n > 9 {
            return Err(TimeError::Syntax);
        }
        let (frac, after) = tail.split_at(n);
        if n > 0 {
            nanos = digits(frac).ok_or(TimeError::Syntax)? * 10u32.pow(9 - n as u32);
        }
        rest = after;
    }
    match rest {
        [] | [b'Z'] => {}
        _ => return Err(TimeError::Syntax),
    }
    let y = i64::from(y);
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60
    {
        return Err(TimeError::Range);
    }
    if y < 1970 {
        return Err(TimeError::BeforeEpoch);
    }
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
    let secs = u64::try_from(secs).map_err(|_| TimeError::BeforeEpoch)?;
    Ok(UNIX_EPOCH + Duration::new(secs, nanos))
}

/// The absolute difference between two times.
pub fn distance(a: SystemTime, b: SystemTime) -> Duration {
    match a.duration_since(b) {
        Ok(d) => d,
        Err(e) => e.duration(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64, ms: u32) -> SystemTime {
        UNIX_EPOCH + Duration::new(secs, ms * 1_000_000)
    }

    // 2026-09-29 14:14:05 UTC = 1790691245 (checked with `date -u -d @1790691245`).
    const T: u64 = 1_790_691_245;

    #[test]
    fn formats() {
        assert_eq!(format(at(T, 0), TimeFormat::Strict), "20260929141405Z");
        assert_eq!(format(at(T, 0), TimeFormat::TspCompat), "20260929141405.");
        assert_eq!(
            format(at(T, 0), TimeFormat::StrictMillis),
            "20260929141405Z"
        );
        assert_eq!(
            format(at(T, 120), TimeFormat::StrictMillis),
            "20260929141405.12Z"
        );
        assert_eq!(
            format(at(T, 7), TimeFormat::StrictMillis),
            "20260929141405.007Z"
        );
        assert_eq!(format(at(0, 0), TimeFormat::Strict), "19700101000000Z");
        // A leap day.
        assert_eq!(
            format(at(951_782_400, 0), TimeFormat::Strict),
            "20000229000000Z"
        );
    }

    #[test]
    fn parses_every_accepted_form() {
        for s in [
            "20260929141405Z",
            "20260929141405",
            "20260929141405.",
            "20260929141405.Z",
            "20260929141405.0Z",
            "20260929141405,000",
        ] {
            assert_eq!(parse(s.as_bytes()), Ok(at(T, 0)), "{s}");
        }
        assert_eq!(parse(b"20260929141405.12Z"), Ok(at(T, 120)));
        assert_eq!(
            parse(b"20260929141405.123456789Z").unwrap(),
            UNIX_EPOCH + Duration::new(T, 123_456_789)
        );
        assert_eq!(parse(b"20000229000000Z"), Ok(at(951_782_400, 0)));
    }

    #[test]
    fn refuses_others() {
        for s in [
            &b""[..],
            b"2026092914140",
            b"20260929141405+0100",
            b"20260929141405ZZ",
            b"2026092914140xZ",
            b"20260929141405.1234567890Z",
            b"20260929141405.12a",
            b"-0260929141405Z",
        ] {
            assert_eq!(
                parse(s),
                Err(TimeError::Syntax),
                "{:?}",
                String::from_utf8_lossy(s)
            );
        }
        for s in [
            &b"20261329141405Z"[..],
            b"20260230000000Z",
            b"20260929241405Z",
            b"20260929146005Z",
            b"20260900141405Z",
        ] {
            assert_eq!(parse(s), Err(TimeError::Range));
        }
        assert_eq!(parse(b"19691231235959Z"), Err(TimeError::BeforeEpoch));
    }

    #[test]
    fn round_trip_and_truncate() {
        for t in [at(T, 0), at(T, 999), at(4_102_444_800, 1)] {
            for f in [
                TimeFormat::Strict,
                TimeFormat::StrictMillis,
                TimeFormat::TspCompat,
            ] {
                let s = format(t, f);
                assert_eq!(parse(s.as_bytes()), Ok(f.truncate(t)), "{s}");
            }
        }
        assert_eq!(distance(at(5, 0), at(3, 0)), Duration::from_secs(2));
        assert_eq!(distance(at(3, 0), at(5, 0)), Duration::from_secs(2));
        assert_eq!(
            "tsp-compat".parse::<TimeFormat>(),
            Ok(TimeFormat::TspCompat)
        );
        assert!("x".parse::<TimeFormat>().is_err());
    }
}

//! Length indicators and PI / PGI units (X.225 §8.2): the octet-level building blocks shared by
//! every SPDU parser and encoder.

use nom::bytes::complete::take;
use nom::number::complete::{be_u16, be_u8};
use nom::IResult;

use crate::codes::MAX_LI;
use crate::error::SpduError;

/// Parses a length indicator (X.225 §8.2.5): one octet 0..=254, or `FF` followed by a
/// big-endian 16-bit value. The 3-octet form is also accepted for values below 255.
fn li(input: &[u8]) -> IResult<&[u8], usize> {
    let (rest, first) = be_u8(input)?;
    if first == 0xFF {
        let (rest, v) = be_u16(rest)?;
        Ok((rest, usize::from(v)))
    } else {
        Ok((rest, usize::from(first)))
    }
}

/// Reads a length indicator and then exactly that many octets, checking the length against
/// what remains before taking anything. Returns `(value, rest)`.
pub(crate) fn li_and_value<'a>(
    input: &'a [u8],
    what: &'static str,
) -> Result<(&'a [u8], &'a [u8]), SpduError> {
    let (rest, length) = li(input).map_err(|_| SpduError::TruncatedLengthIndicator { what })?;
    let remaining = rest.len();
    let res: IResult<&[u8], &[u8]> = take(length)(rest);
    match res {
        Ok((rest, value)) => Ok((value, rest)),
        Err(_) => Err(SpduError::LengthBeyondInput {
            what,
            length,
            remaining,
        }),
    }
}

/// Iterator over the PI / PGI units of a parameter field (X.225 §8.2.3, §8.2.4): each item is
/// `(code, value)`, with `value` borrowed from the input. Stops after the first error.
pub(crate) struct Params<'a> {
    rest: &'a [u8],
    failed: bool,
}

impl<'a> Params<'a> {
    /// Iterates over the units in `field`.
    pub(crate) fn new(field: &'a [u8]) -> Self {
        Params {
            rest: field,
            failed: false,
        }
    }
}

impl<'a> Iterator for Params<'a> {
    type Item = Result<(u8, &'a [u8]), SpduError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let (&code, after_code) = self.rest.split_first()?;
        match li_and_value(after_code, "parameter") {
            Ok((value, rest)) => {
                self.rest = rest;
                Some(Ok((code, value)))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// Set of PI/PGI codes already seen in one SPDU or parameter group, to reject repeats.
#[derive(Default)]
pub(crate) struct Seen([u64; 4]);

impl Seen {
    /// Records `code`; fails with [`SpduError::DuplicateParameter`] if it was already recorded.
    pub(crate) fn insert(&mut self, si: u8, code: u8) -> Result<(), SpduError> {
        let word = usize::from(code >> 6);
        let bit = 1u64 << (code & 63);
        let slot = self.0.get_mut(word).ok_or(SpduError::UnknownSpdu(si))?;
        if *slot & bit != 0 {
            return Err(SpduError::DuplicateParameter { si, code });
        }
        *slot |= bit;
        Ok(())
    }
}

/// Value of a 1-octet parameter.
pub(crate) fn u8_value(code: u8, value: &[u8]) -> Result<u8, SpduError> {
    match value {
        [v] => Ok(*v),
        _ => Err(SpduError::InvalidParameterLength {
            code,
            length: value.len(),
        }),
    }
}

/// Value of a 2-octet big-endian parameter.
pub(crate) fn u16_value(code: u8, value: &[u8]) -> Result<u16, SpduError> {
    match value {
        [a, b] => Ok(u16::from_be_bytes([*a, *b])),
        _ => Err(SpduError::InvalidParameterLength {
            code,
            length: value.len(),
        }),
    }
}

/// A value whose length must lie in `min..=max`.
pub(crate) fn bounded(code: u8, value: &[u8], min: usize, max: usize) -> Result<&[u8], SpduError> {
    if (min..=max).contains(&value.len()) {
        Ok(value)
    } else {
        Err(SpduError::InvalidParameterLength {
            code,
            length: value.len(),
        })
    }
}

/// Something octets are written to: a `Vec<u8>` when encoding, a [`Counter`] when measuring the
/// length an encoding will have (so that LIs can be written before the contents, once).
pub(crate) trait Sink {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A [`Sink`] that only counts octets.
#[derive(Default)]
pub(crate) struct Counter(pub(crate) usize);

impl Sink for Counter {
    fn put(&mut self, bytes: &[u8]) {
        self.0 = self.0.saturating_add(bytes.len());
    }
}

/// Writes a length indicator (X.225 §8.2.5), short form when it fits.
pub(crate) fn put_li(
    out: &mut dyn Sink,
    length: usize,
    what: &'static str,
) -> Result<(), SpduError> {
    if length <= 254 {
        // Fits in one octet by the check above.
        out.put(&[length as u8]);
        Ok(())
    } else if length <= MAX_LI {
        let v = length as u16;
        let [hi, lo] = v.to_be_bytes();
        out.put(&[0xFF, hi, lo]);
        Ok(())
    } else {
        Err(SpduError::LengthOverflow { what, length })
    }
}

/// Writes one PI unit `code LI value` (X.225 §8.2.4).
pub(crate) fn put_pi(out: &mut dyn Sink, code: u8, value: &[u8]) -> Result<(), SpduError> {
    out.put(&[code]);
    put_li(out, value.len(), "parameter")?;
    out.put(value);
    Ok(())
}

/// Writes a unit `code LI contents` whose contents `f` writes: `f` runs once against a
/// [`Counter`] to size the LI and once against `out`, so nothing is moved after writing
/// (X.225 §8.2.2 SPDU, §8.2.3 PGI unit).
pub(crate) fn put_group(
    out: &mut dyn Sink,
    code: u8,
    what: &'static str,
    f: &dyn Fn(&mut dyn Sink) -> Result<(), SpduError>,
) -> Result<(), SpduError> {
    let mut counter = Counter::default();
    f(&mut counter)?;
    if counter.0 > MAX_LI {
        return Err(SpduError::LengthOverflow {
            what,
            length: counter.0,
        });
    }
    out.put(&[code]);
    put_li(out, counter.0, what)?;
    f(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn li_short_and_long_forms() {
        assert_eq!(
            li_and_value(&[2, 7, 8, 9], "x"),
            Ok((&[7u8, 8][..], &[9u8][..]))
        );
        let mut long = vec![0xFF, 0x01, 0x00];
        long.extend(std::iter::repeat_n(0xAA, 256));
        let (v, rest) = li_and_value(&long, "x").unwrap();
        assert_eq!(v.len(), 256);
        assert!(rest.is_empty());
        // 3-octet form with a small value is accepted.
        assert_eq!(
            li_and_value(&[0xFF, 0, 1, 5], "x"),
            Ok((&[5u8][..], &[][..]))
        );
    }

    #[test]
    fn li_truncated_or_beyond_input() {
        assert_eq!(
            li_and_value(&[], "x"),
            Err(SpduError::TruncatedLengthIndicator { what: "x" })
        );
        assert_eq!(
            li_and_value(&[0xFF, 0x01], "x"),
            Err(SpduError::TruncatedLengthIndicator { what: "x" })
        );
        assert_eq!(
            li_and_value(&[3, 1], "x"),
            Err(SpduError::LengthBeyondInput {
                what: "x",
                length: 3,
                remaining: 1
            })
        );
    }

    #[test]
    fn put_li_picks_form() {
        let mut v = Vec::new();
        put_li(&mut v, 254, "x").unwrap();
        put_li(&mut v, 255, "x").unwrap();
        put_li(&mut v, 65535, "x").unwrap();
        assert_eq!(v, [254, 0xFF, 0x00, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(
            put_li(&mut v, 65536, "x"),
            Err(SpduError::LengthOverflow {
                what: "x",
                length: 65536
            })
        );
    }

    #[test]
    fn params_iterates_and_stops_on_error() {
        let field = [0x14, 0x02, 0x00, 0x02, 0x33, 0x05, 0x00];
        let items: Vec<_> = Params::new(&field).collect();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0], Ok((0x14, &[0u8, 2][..])));
        assert!(items[1].is_err());
    }

    #[test]
    fn seen_rejects_repeats() {
        let mut s = Seen::default();
        s.insert(13, 20).unwrap();
        s.insert(13, 255).unwrap();
        assert_eq!(
            s.insert(13, 20),
            Err(SpduError::DuplicateParameter { si: 13, code: 20 })
        );
    }
}

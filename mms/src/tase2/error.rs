//! What goes wrong when an MMS value does not have the shape of the TASE.2 type the caller
//! expects, and the small shape checks every decoder of this module is built from.
//!
//! TASE.2 values carry no type names on the wire (docs/tase2.md, "Matching by shape"): a
//! decoder is told which IEC 60870-6-802 type to expect and checks the MMS alternatives,
//! component counts, bit-string lengths and ranges of that type. Every mismatch is a
//! [`Tase2Error`]; no decoder panics.

use std::borrow::Cow;

use crate::data::{Data, FloatingPoint, MmsBitString};
use crate::types::{StructureComponent, TypeDescription};

/// Which alternative of MMS `Data` (ISO 9506-2 §14.4.2) a value is; used in [`Tase2Error`] to
/// say what was expected and what was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataKind {
    /// `array [1]`.
    Array,
    /// `structure [2]`.
    Structure,
    /// `boolean [3]`.
    Boolean,
    /// `bit-string [4]`.
    BitString,
    /// `integer [5]`.
    Integer,
    /// `unsigned [6]`.
    Unsigned,
    /// `floating-point [7]`.
    FloatingPoint,
    /// `octet-string [9]`.
    OctetString,
    /// `visible-string [10]`.
    VisibleString,
    /// Any other alternative (real, times, bcd, booleanArray, objId, mMSString, utc-time).
    Other,
}

impl DataKind {
    /// The kind of `d`.
    pub fn of(d: &Data<'_>) -> DataKind {
        match d {
            Data::Array(_) => DataKind::Array,
            Data::Structure(_) => DataKind::Structure,
            Data::Boolean(_) => DataKind::Boolean,
            Data::BitString(_) => DataKind::BitString,
            Data::Integer(_) => DataKind::Integer,
            Data::Unsigned(_) => DataKind::Unsigned,
            Data::FloatingPoint(_) => DataKind::FloatingPoint,
            Data::OctetString(_) => DataKind::OctetString,
            Data::VisibleString(_) => DataKind::VisibleString,
            _ => DataKind::Other,
        }
    }
}

impl std::fmt::Display for DataKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DataKind::Array => "array",
            DataKind::Structure => "structure",
            DataKind::Boolean => "boolean",
            DataKind::BitString => "bit-string",
            DataKind::Integer => "integer",
            DataKind::Unsigned => "unsigned",
            DataKind::FloatingPoint => "floating-point",
            DataKind::OctetString => "octet-string",
            DataKind::VisibleString => "visible-string",
            DataKind::Other => "another Data alternative",
        })
    }
}

/// An MMS value that is not a value of the IEC 60870-6-802 type it was decoded as.
///
/// `what` names the TASE.2 type or component (`"Data_RealQ.Flags"`, `"MMSObjectName.Scope"`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Tase2Error {
    /// The value is another MMS alternative than the type needs.
    #[error("{what}: expected {expected}, found {found}")]
    WrongType {
        /// The type or component.
        what: &'static str,
        /// The alternative the type needs.
        expected: DataKind,
        /// The alternative received.
        found: DataKind,
    },
    /// A structure with another number of components than the type has.
    #[error("{what}: expected {expected:?} components, found {found}")]
    WrongComponentCount {
        /// The type.
        what: &'static str,
        /// The counts the type allows (two for the DSTransferSet's editions).
        expected: &'static [usize],
        /// The count received.
        found: usize,
    },
    /// A bit string of another length than the type has.
    #[error("{what}: expected a bit string of {expected} bits, found {found}")]
    WrongBitLength {
        /// The type or component.
        what: &'static str,
        /// The type's length.
        expected: usize,
        /// The length received.
        found: usize,
    },
    /// A number outside the range of the type (e.g. an Integer16 beyond 16 bits, a Scope that
    /// is neither 0 nor 1).
    #[error("{what}: value out of range")]
    OutOfRange {
        /// The type or component.
        what: &'static str,
    },
    /// A floating-point value that is not IEEE 754 single format (Data_Real is
    /// floating-point(32, 8)).
    #[error("{what}: not an IEEE 754 single floating-point value")]
    NotSingleFloat {
        /// The type or component.
        what: &'static str,
    },
    /// A string longer than the type (or this implementation's bound on what it accepts).
    #[error("{what}: {found} characters, at most {max} allowed")]
    TooLong {
        /// The type or component.
        what: &'static str,
        /// The bound.
        max: usize,
        /// The length received or given.
        found: usize,
    },
    /// A character a VisibleString (or an MMS Identifier, for names we build) may not hold.
    #[error("{what}: character not allowed")]
    InvalidCharacter {
        /// The type or component.
        what: &'static str,
    },
}

/// Result of every decoder in this module.
pub type Result<T> = core::result::Result<T, Tase2Error>;

/// Fails with [`Tase2Error::WrongType`].
pub(crate) fn wrong(what: &'static str, expected: DataKind, found: &Data<'_>) -> Tase2Error {
    Tase2Error::WrongType {
        what,
        expected,
        found: DataKind::of(found),
    }
}

/// The components of a structure with exactly one of the counts in `counts`. The list's
/// length is what the BER decoder counted in the received octets, so the vector allocated here
/// is bounded by the input.
pub(crate) fn components<'a>(
    d: &Data<'a>,
    what: &'static str,
    counts: &'static [usize],
) -> Result<Vec<Data<'a>>> {
    let Data::Structure(list) = d else {
        return Err(wrong(what, DataKind::Structure, d));
    };
    if !counts.contains(&list.len()) {
        return Err(Tase2Error::WrongComponentCount {
            what,
            expected: counts,
            found: list.len(),
        });
    }
    Ok(list.to_vec())
}

/// An `integer` within `min..=max`.
pub(crate) fn integer(d: &Data<'_>, what: &'static str, min: i64, max: i64) -> Result<i64> {
    match d {
        Data::Integer(v) if (min..=max).contains(v) => Ok(*v),
        Data::Integer(_) => Err(Tase2Error::OutOfRange { what }),
        _ => Err(wrong(what, DataKind::Integer, d)),
    }
}

/// An `integer` of 32 bits (Integer32).
pub(crate) fn int32(d: &Data<'_>, what: &'static str) -> Result<i32> {
    let v = integer(d, what, i64::from(i32::MIN), i64::from(i32::MAX))?;
    i32::try_from(v).map_err(|_| Tase2Error::OutOfRange { what })
}

/// An `integer` of 16 bits (Integer16).
pub(crate) fn int16(d: &Data<'_>, what: &'static str) -> Result<i16> {
    let v = integer(d, what, i64::from(i16::MIN), i64::from(i16::MAX))?;
    i16::try_from(v).map_err(|_| Tase2Error::OutOfRange { what })
}

/// An unsigned number up to `max`: the `unsigned` alternative, or a non-negative `integer`
/// (some peers send unsigned types as integer; docs/tase2.md, "Decisions", Scope).
pub(crate) fn unsigned(d: &Data<'_>, what: &'static str, max: u64) -> Result<u64> {
    let v = match d {
        Data::Unsigned(v) => *v,
        Data::Integer(v) => u64::try_from(*v).map_err(|_| Tase2Error::OutOfRange { what })?,
        _ => return Err(wrong(what, DataKind::Unsigned, d)),
    };
    if v > max {
        return Err(Tase2Error::OutOfRange { what });
    }
    Ok(v)
}

/// A `boolean`.
pub(crate) fn boolean(d: &Data<'_>, what: &'static str) -> Result<bool> {
    match d {
        Data::Boolean(b) => Ok(*b),
        _ => Err(wrong(what, DataKind::Boolean, d)),
    }
}

/// A `floating-point` in IEEE 754 single format (exponent width 8, four octets).
pub(crate) fn float32(d: &Data<'_>, what: &'static str) -> Result<f32> {
    match d {
        Data::FloatingPoint(FloatingPoint(b)) => match **b {
            [8, a, b1, c, e] => Ok(f32::from_be_bytes([a, b1, c, e])),
            _ => Err(Tase2Error::NotSingleFloat { what }),
        },
        _ => Err(wrong(what, DataKind::FloatingPoint, d)),
    }
}

/// A `bit-string` of exactly `len` bits (1..=32), returned left-aligned: bit n of the string
/// (ASN.1 numbering, bit 0 first) is `0x8000_0000 >> n` of the result. Padding bits are
/// ignored.
pub(crate) fn bits_exact(d: &Data<'_>, what: &'static str, len: usize) -> Result<u32> {
    let Data::BitString(b) = d else {
        return Err(wrong(what, DataKind::BitString, d));
    };
    if b.len() != len {
        return Err(Tase2Error::WrongBitLength {
            what,
            expected: len,
            found: b.len(),
        });
    }
    Ok(left_aligned(b, len))
}

/// The first `min(len, 32)` bits of `b`, left-aligned as in [`bits_exact`]; bits beyond the
/// end of `b` read as 0.
pub(crate) fn left_aligned(b: &MmsBitString<'_>, len: usize) -> u32 {
    (0..len.min(32)).fold(
        0u32,
        |v, n| {
            if b.bit(n) {
                v | (0x8000_0000 >> n)
            } else {
                v
            }
        },
    )
}

/// A `bit-string` of `len` bits (1..=32) from a left-aligned value (see [`bits_exact`]).
pub(crate) fn bit_string(left_aligned: u32, len: u8) -> Data<'static> {
    let len = len.clamp(1, 32);
    Data::BitString(MmsBitString::from_u32(
        left_aligned >> (32 - u32::from(len)),
        len,
    ))
}

/// A `visible-string` of at most `max` characters, each a VisibleString character
/// (0x20..=0x7E).
pub(crate) fn visible_string(d: &Data<'_>, what: &'static str, max: usize) -> Result<String> {
    let Data::VisibleString(s) = d else {
        return Err(wrong(what, DataKind::VisibleString, d));
    };
    check_visible(s, what, max)?;
    Ok(s.to_string())
}

/// Fails unless `s` has at most `max` characters, all VisibleString characters.
pub(crate) fn check_visible(s: &str, what: &'static str, max: usize) -> Result<()> {
    if s.len() > max {
        return Err(Tase2Error::TooLong {
            what,
            max,
            found: s.len(),
        });
    }
    if !s.bytes().all(|c| (0x20..=0x7E).contains(&c)) {
        return Err(Tase2Error::InvalidCharacter { what });
    }
    Ok(())
}

/// A `visible-string` value.
pub(crate) fn visible(s: &str) -> Data<'static> {
    Data::VisibleString(Cow::Owned(s.to_owned()))
}

/// A `floating-point` value in IEEE 754 single format.
pub(crate) fn float(v: f32) -> Data<'static> {
    Data::FloatingPoint(FloatingPoint::from_f32(v))
}

/// A structure type description from named components, in order.
pub(crate) fn structure_type(
    components: impl IntoIterator<Item = (&'static str, TypeDescription<'static>)>,
) -> TypeDescription<'static> {
    TypeDescription::Structure {
        packed: false,
        components: components
            .into_iter()
            .map(|(name, ty)| StructureComponent::named(name, ty))
            .collect(),
    }
}

/// floating-point(32, 8): Data_Real and the real set-point (docs/tase2.md, "Base types").
pub(crate) const FLOAT32: TypeDescription<'static> = TypeDescription::FloatingPoint {
    format_width: 32,
    exponent_width: 8,
};
/// integer(32).
pub(crate) const INTEGER32: TypeDescription<'static> = TypeDescription::Integer(32);
/// integer(16).
pub(crate) const INTEGER16: TypeDescription<'static> = TypeDescription::Integer(16);
/// bit-string(8): Data_Flags, Data_State, Data_StateSupplemental and the event flags.
pub(crate) const BITS8: TypeDescription<'static> = TypeDescription::BitString(8);

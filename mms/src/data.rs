//! MMS data values (ISO 9506-2 §14.4.2 `Data`, §14.4.3 `DataAccessError`) and the octet-string
//! encodings MMS and IEC 61850-8-1 put inside them (`FloatingPoint`, `UtcTime`, bit strings).
//!
//! This is the hot path of every Read, Write and InformationReport. A structure or array
//! received from a peer is validated once, recursively, and then kept as its contents octets
//! ([`DataList`]'s encoded form): decoding a Read response allocates only its top-level list,
//! however deep the structures inside it are. Elements are decoded again, cheaply, as they are
//! iterated.

use std::borrow::Cow;

use crate::codec::{
    ctx, int, write_uint, Asn1, BerError, Choice, Class, DecodeError, Oid, Reader, Result, Tag,
    Tlv, Writer,
};
use crate::common::TimeOfDay;

/// `Data ::= CHOICE` (ISO 9506-2 §14.4.2, with IEC 61850-8-1's `utc-time`): one MMS value.
///
/// Every alternative of Wireshark's MMS module and of ISO 9506-2:2003 is here. Alternatives
/// Wireshark's module does not list (`real [8]` is commented out there, `generalized-time [11]`
/// is missing) are still decoded and encoded as ISO 9506-2 defines them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data<'a> {
    /// `array [1] IMPLICIT SEQUENCE OF Data`.
    Array(DataList<'a>),
    /// `structure [2] IMPLICIT SEQUENCE OF Data`.
    Structure(DataList<'a>),
    /// `boolean [3] IMPLICIT BOOLEAN`.
    Boolean(bool),
    /// `bit-string [4] IMPLICIT BIT STRING`.
    BitString(MmsBitString<'a>),
    /// `integer [5] IMPLICIT INTEGER` (values that fit 64 bits).
    Integer(i64),
    /// `unsigned [6] IMPLICIT INTEGER` (non-negative, up to 64 bits).
    Unsigned(u64),
    /// `floating-point [7] IMPLICIT FloatingPoint`.
    FloatingPoint(FloatingPoint<'a>),
    /// `real [8] IMPLICIT REAL` (ISO 9506-2:1990): the X.690 §8.5 contents octets as received.
    Real(Cow<'a, [u8]>),
    /// `octet-string [9] IMPLICIT OCTET STRING`.
    OctetString(Cow<'a, [u8]>),
    /// `visible-string [10] IMPLICIT VisibleString`.
    VisibleString(Cow<'a, str>),
    /// `generalized-time [11] IMPLICIT GeneralizedTime` (the text as received).
    GeneralizedTime(Cow<'a, str>),
    /// `binary-time [12] IMPLICIT TimeOfDay` (4 or 6 octets).
    BinaryTime(TimeOfDay),
    /// `bcd [13] IMPLICIT INTEGER`.
    Bcd(i64),
    /// `booleanArray [14] IMPLICIT BIT STRING`.
    BooleanArray(MmsBitString<'a>),
    /// `objId [15] IMPLICIT OBJECT IDENTIFIER`.
    ObjId(Oid<'a>),
    /// `mMSString [16] IMPLICIT MMSString` (UTF8String).
    MmsString(Cow<'a, str>),
    /// `utc-time [17] IMPLICIT UtcTime` (IEC 61850-8-1 / ISO 9506-2:2003).
    UtcTime(UtcTime),
}

/// How a value is decoded: validating everything below it, or (when iterating an already
/// validated list) decoding only what the caller looks at.
#[derive(Clone, Copy)]
enum Walk {
    /// Validate the whole subtree; clear the flag when anything is not in canonical form.
    Validate,
    /// The subtree was validated; nested lists are counted, not walked. The flag is the
    /// enclosing list's canonical flag.
    Trusted(bool),
}

/// The contents of a character string as `str` (see [`crate::codec::string`]).
#[inline(always)]
fn str_contents(c: &[u8]) -> Result<Cow<'_, str>> {
    std::str::from_utf8(c)
        .map(Cow::Borrowed)
        .map_err(|_| BerError::InvalidValue("character string").into())
}

/// Validates the elements of a received `SEQUENCE OF Data` (what `r` holds), recursively, and
/// returns how many there are; clears `canon` when anything below is not canonical.
///
/// The hot path of every Read response and InformationReport. Values with a one-octet identifier
/// and a short definite length (nearly all MMS data) are checked straight from their octets,
/// with the same primitive checks as [`Data::decode_walk`] and the same nesting budget;
/// anything else goes through the [`Reader`] and `decode_walk`, which also report the errors.
fn validate_elements(mut r: Reader<'_>, canon: &mut bool) -> Result<usize> {
    let mut n = 0usize;
    let depth_left = r.depth_left();
    while !r.is_empty() {
        n += 1;
        if let Some((id, c, after)) = crate::codec::split_short(r.remaining()) {
            // Context class, one identifier octet and a short length: a canonical header.
            match id {
                // structure [2] / array [1], constructed: one level deeper.
                0xA1 | 0xA2 if depth_left > 0 => {
                    validate_elements(Reader::with_depth(c, depth_left - 1), canon)?;
                    let used = r.remaining().len() - after.len();
                    r.skip(used);
                    continue;
                }
                0x83..=0x91 => {
                    Data::decode_primitive(u32::from(id & 0x1F), c, canon)?;
                    let used = r.remaining().len() - after.len();
                    r.skip(used);
                    continue;
                }
                _ => {}
            }
        }
        let e = r.read()?;
        Data::decode_walk(&e, Walk::Validate, canon)?;
    }
    Ok(n)
}

/// The fast path of decoding one `Data` from `r` (see [`validate_elements`]): for a value with a
/// one-octet identifier and a short definite length, the value (structures and arrays validated
/// and kept encoded, as [`Data::decode_choice`] does) and `r` moved past it; `None`, with `r`
/// untouched, for anything else.
#[inline(always)]
pub(crate) fn read_data_fast<'a>(r: &mut Reader<'a>) -> Option<Result<Data<'a>>> {
    let (id, c, after) = crate::codec::split_short(r.remaining())?;
    let depth_left = r.depth_left();
    let mut canon = true;
    let d = match id {
        0xA1 | 0xA2 if depth_left > 0 => {
            let len = match validate_elements(Reader::with_depth(c, depth_left - 1), &mut canon) {
                Ok(n) => n,
                Err(e) => return Some(Err(e)),
            };
            let list = DataList::Encoded(EncodedList {
                contents: c,
                len,
                canonical: canon,
            });
            if id == 0xA1 {
                Data::Array(list)
            } else {
                Data::Structure(list)
            }
        }
        0x83..=0x91 => match Data::decode_primitive(u32::from(id & 0x1F), c, &mut canon) {
            Ok(d) => d,
            Err(e) => return Some(Err(e)),
        },
        _ => return None,
    };
    let used = r.remaining().len() - after.len();
    r.skip(used);
    Some(Ok(d))
}

/// The number of values in validated contents octets (headers only).
#[inline]
fn count_trusted(c: &[u8]) -> usize {
    let mut rest = c;
    let mut n = 0usize;
    while !rest.is_empty() {
        rest = match crate::codec::split_short(rest) {
            Some((_, _, after)) => after,
            None => {
                let mut r = Reader::with_depth(rest, u16::MAX);
                if r.read().is_err() {
                    break;
                }
                r.remaining()
            }
        };
        n += 1;
    }
    n
}

/// True when `tlv` used a definite length in its shortest form (identifier too).
fn canonical_header(tlv: &Tlv<'_>) -> bool {
    !tlv.indefinite && tlv.raw.len() == copp::ber::tlv_len(tlv.tag, tlv.contents.len())
}

/// The number of contents octets of the minimal two's complement encoding of `v`.
fn int_len(v: i64) -> usize {
    let bits = if v < 0 {
        64 - v.leading_ones()
    } else {
        64 - v.leading_zeros()
    };
    (bits as usize + 1).div_ceil(8).max(1)
}

/// The number of contents octets of the minimal encoding of the non-negative `v`.
fn uint_len(v: u64) -> usize {
    (65 - v.leading_zeros() as usize).div_ceil(8).max(1)
}

impl<'a> Data<'a> {
    fn decode_walk(tlv: &Tlv<'a>, walk: Walk, canon: &mut bool) -> Result<Data<'a>> {
        if tlv.tag.class != Class::Context {
            return Err(BerError::InvalidValue("Data").into());
        }
        if !canonical_header(tlv) {
            *canon = false;
        }
        let n = tlv.tag.number;
        if matches!(n, 1 | 2) {
            let list = match walk {
                Walk::Validate => DataList::validate(tlv)?,
                Walk::Trusted(c) => DataList::trusted(tlv, c)?,
            };
            if let DataList::Encoded(e) = &list {
                if !e.canonical {
                    *canon = false;
                }
            }
            return Ok(if n == 1 {
                Data::Array(list)
            } else {
                Data::Structure(list)
            });
        }
        if tlv.tag.constructed {
            return Err(BerError::WrongForm(tlv.tag).into());
        }
        Data::decode_primitive(n, tlv.contents, canon)
    }

    /// The primitive alternatives, from the tag number and the contents octets (the caller has
    /// checked the class and the primitive form). Clears `canon` when the contents are not in
    /// the canonical form.
    #[inline(always)]
    fn decode_primitive(n: u32, c: &'a [u8], canon: &mut bool) -> Result<Data<'a>> {
        Ok(match n {
            3 => match *c {
                [b] => {
                    if b > 1 {
                        *canon = false;
                    }
                    Data::Boolean(b != 0)
                }
                _ => return Err(BerError::InvalidBoolean.into()),
            },
            4 | 14 => {
                let (bs, ok) = MmsBitString::from_contents(c)?;
                *canon &= ok;
                if n == 4 {
                    Data::BitString(bs)
                } else {
                    Data::BooleanArray(bs)
                }
            }
            5 | 13 => {
                let v = copp::ber::decode_integer(c)?;
                if c.len() != int_len(v) {
                    *canon = false;
                }
                if n == 5 {
                    Data::Integer(v)
                } else {
                    Data::Bcd(v)
                }
            }
            6 => {
                let v = crate::codec::uint_contents(c)?;
                if c.len() != uint_len(v) {
                    *canon = false;
                }
                Data::Unsigned(v)
            }
            7 => Data::FloatingPoint(FloatingPoint(Cow::Borrowed(c))),
            8 => Data::Real(Cow::Borrowed(c)),
            9 => Data::OctetString(Cow::Borrowed(c)),
            10 => Data::VisibleString(str_contents(c)?),
            11 => Data::GeneralizedTime(str_contents(c)?),
            12 => Data::BinaryTime(TimeOfDay::from_octets(c)?),
            15 => {
                copp::ber::validate_oid(c)?;
                Data::ObjId(Oid::new(Cow::Borrowed(c)))
            }
            16 => Data::MmsString(str_contents(c)?),
            17 => Data::UtcTime(UtcTime::from_octets(c)?),
            _ => return Err(BerError::InvalidValue("Data").into()),
        })
    }

    /// An array value from its elements.
    pub fn array(items: Vec<Data<'a>>) -> Data<'a> {
        Data::Array(DataList::Owned(items))
    }

    /// A structure value from its components.
    pub fn structure(items: Vec<Data<'a>>) -> Data<'a> {
        Data::Structure(DataList::Owned(items))
    }

    /// The value of a `boolean`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Data::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// The value of an `integer`, `bcd`, or an `unsigned` that fits `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Data::Integer(v) | Data::Bcd(v) => Some(*v),
            Data::Unsigned(v) => i64::try_from(*v).ok(),
            _ => None,
        }
    }

    /// The value of an `unsigned`, or a non-negative `integer` / `bcd`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Data::Unsigned(v) => Some(*v),
            Data::Integer(v) | Data::Bcd(v) => u64::try_from(*v).ok(),
            _ => None,
        }
    }

    /// The value of a `floating-point` as `f32` (see [`FloatingPoint::to_f32`]).
    pub fn as_f32(&self) -> Option<f32> {
        match self {
            Data::FloatingPoint(f) => f.to_f32(),
            _ => None,
        }
    }

    /// The value of a `floating-point` as `f64` (see [`FloatingPoint::to_f64`]).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Data::FloatingPoint(f) => f.to_f64(),
            _ => None,
        }
    }

    /// The text of a `visible-string`, `mMSString` or `generalized-time`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Data::VisibleString(s) | Data::MmsString(s) | Data::GeneralizedTime(s) => Some(s),
            _ => None,
        }
    }

    /// The octets of an `octet-string`.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Data::OctetString(b) => Some(b),
            _ => None,
        }
    }

    /// The bits of a `bit-string` or `booleanArray`.
    pub fn as_bit_string(&self) -> Option<&MmsBitString<'a>> {
        match self {
            Data::BitString(b) | Data::BooleanArray(b) => Some(b),
            _ => None,
        }
    }

    /// The elements of an `array` or the components of a `structure`.
    pub fn as_list(&self) -> Option<&DataList<'a>> {
        match self {
            Data::Array(l) | Data::Structure(l) => Some(l),
            _ => None,
        }
    }

    /// The value of a `utc-time`.
    pub fn as_utc_time(&self) -> Option<UtcTime> {
        match self {
            Data::UtcTime(t) => Some(*t),
            _ => None,
        }
    }

    /// Detaches the value from the input buffer (encoded lists become owned lists).
    pub fn into_owned(self) -> Data<'static> {
        fn cow_b(c: Cow<'_, [u8]>) -> Cow<'static, [u8]> {
            Cow::Owned(c.into_owned())
        }
        fn cow_s(c: Cow<'_, str>) -> Cow<'static, str> {
            Cow::Owned(c.into_owned())
        }
        match self {
            Data::Array(l) => Data::Array(l.into_owned()),
            Data::Structure(l) => Data::Structure(l.into_owned()),
            Data::Boolean(b) => Data::Boolean(b),
            Data::BitString(b) => Data::BitString(b.into_owned()),
            Data::Integer(v) => Data::Integer(v),
            Data::Unsigned(v) => Data::Unsigned(v),
            Data::FloatingPoint(f) => Data::FloatingPoint(FloatingPoint(cow_b(f.0))),
            Data::Real(r) => Data::Real(cow_b(r)),
            Data::OctetString(o) => Data::OctetString(cow_b(o)),
            Data::VisibleString(s) => Data::VisibleString(cow_s(s)),
            Data::GeneralizedTime(s) => Data::GeneralizedTime(cow_s(s)),
            Data::BinaryTime(t) => Data::BinaryTime(t),
            Data::Bcd(v) => Data::Bcd(v),
            Data::BooleanArray(b) => Data::BooleanArray(b.into_owned()),
            Data::ObjId(o) => Data::ObjId(o.to_owned()),
            Data::MmsString(s) => Data::MmsString(cow_s(s)),
            Data::UtcTime(t) => Data::UtcTime(t),
        }
    }
}

impl<'a> Choice<'a> for Data<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        let mut canon = true;
        Data::decode_walk(tlv, Walk::Validate, &mut canon)
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            Data::Array(l) => l.encode_tagged(w, Tag::context(1, true)),
            Data::Structure(l) => l.encode_tagged(w, Tag::context(2, true)),
            Data::Boolean(b) => w.boolean(ctx(3), *b),
            Data::BitString(b) => b.encode_tagged(w, ctx(4)),
            Data::Integer(v) => w.integer(ctx(5), *v),
            Data::Unsigned(v) => write_uint(w, ctx(6), *v),
            Data::FloatingPoint(f) => w.octets(ctx(7), &f.0),
            Data::Real(r) => w.octets(ctx(8), r),
            Data::OctetString(o) => w.octets(ctx(9), o),
            Data::VisibleString(s) => w.octets(ctx(10), s.as_bytes()),
            Data::GeneralizedTime(s) => w.octets(ctx(11), s.as_bytes()),
            Data::BinaryTime(t) => t.encode_tagged(w, ctx(12)),
            Data::Bcd(v) => w.integer(ctx(13), *v),
            Data::BooleanArray(b) => b.encode_tagged(w, ctx(14)),
            Data::ObjId(o) => w.oid(ctx(15), o),
            Data::MmsString(s) => w.octets(ctx(16), s.as_bytes()),
            Data::UtcTime(t) => w.octets(ctx(17), &t.to_octets()),
        }
    }
}

macro_rules! data_from {
    ($($t:ty => $v:ident as $c:ty),* $(,)?) => {
        $(impl From<$t> for Data<'_> {
            /// The natural `Data` alternative for this Rust type (ISO 9506-2 §14.4.2).
            fn from(v: $t) -> Self {
                Data::$v(<$c>::from(v))
            }
        })*
    };
}
data_from!(
    bool => Boolean as bool,
    i8 => Integer as i64, i16 => Integer as i64, i32 => Integer as i64, i64 => Integer as i64,
    u8 => Unsigned as u64, u16 => Unsigned as u64, u32 => Unsigned as u64, u64 => Unsigned as u64,
);

impl From<f32> for Data<'_> {
    /// A `floating-point` in IEEE 754 single format.
    fn from(v: f32) -> Self {
        Data::FloatingPoint(FloatingPoint::from_f32(v))
    }
}

impl From<f64> for Data<'_> {
    /// A `floating-point` in IEEE 754 double format.
    fn from(v: f64) -> Self {
        Data::FloatingPoint(FloatingPoint::from_f64(v))
    }
}

impl<'a> From<&'a str> for Data<'a> {
    /// A `visible-string` (use [`Data::MmsString`] for Unicode text).
    fn from(v: &'a str) -> Self {
        Data::VisibleString(Cow::Borrowed(v))
    }
}

impl From<String> for Data<'_> {
    /// A `visible-string` (use [`Data::MmsString`] for Unicode text).
    fn from(v: String) -> Self {
        Data::VisibleString(Cow::Owned(v))
    }
}

impl<'a> From<&'a [u8]> for Data<'a> {
    /// An `octet-string`.
    fn from(v: &'a [u8]) -> Self {
        Data::OctetString(Cow::Borrowed(v))
    }
}

impl From<Vec<u8>> for Data<'_> {
    /// An `octet-string`.
    fn from(v: Vec<u8>) -> Self {
        Data::OctetString(Cow::Owned(v))
    }
}

impl From<UtcTime> for Data<'_> {
    /// A `utc-time`.
    fn from(v: UtcTime) -> Self {
        Data::UtcTime(v)
    }
}

impl<'a> From<MmsBitString<'a>> for Data<'a> {
    /// A `bit-string`.
    fn from(v: MmsBitString<'a>) -> Self {
        Data::BitString(v)
    }
}

// ---------------------------------------------------------------------------------------------

/// The elements of an `array` or the components of a `structure` (ISO 9506-2 §14.4.2
/// `SEQUENCE OF Data`), either as received or as built by the user.
///
/// Equality compares elements, whatever the form.
#[derive(Debug, Clone)]
pub enum DataList<'a> {
    /// Validated contents octets as received; elements are decoded as they are iterated.
    Encoded(EncodedList<'a>),
    /// Elements built by the user (or detached with [`DataList::into_owned`]).
    Owned(Vec<Data<'a>>),
}

/// The contents octets of a received `SEQUENCE OF Data`, validated when decoded (ISO 9506-2
/// §14.4.2). Only the decoder creates one, so iterating it cannot fail.
#[derive(Debug, Clone, Copy)]
pub struct EncodedList<'a> {
    contents: &'a [u8],
    len: usize,
    /// True when the whole subtree is in the canonical encoding this crate writes (it is then
    /// re-encoded by copying).
    canonical: bool,
}

impl<'a> EncodedList<'a> {
    /// The contents octets (the element encodings, as received).
    pub fn contents(&self) -> &'a [u8] {
        self.contents
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<'a> DataList<'a> {
    /// Validates every element once, recursively, allocating nothing.
    fn validate(tlv: &Tlv<'a>) -> Result<DataList<'a>> {
        let r = tlv.reader()?;
        let mut canon = true;
        let len = validate_elements(r, &mut canon)?;
        Ok(DataList::Encoded(EncodedList {
            contents: tlv.contents,
            len,
            canonical: canon && canonical_header(tlv),
        }))
    }

    /// A list below an already validated one: only its elements are counted.
    fn trusted(tlv: &Tlv<'a>, canonical: bool) -> Result<DataList<'a>> {
        let len = crate::codec::count(tlv)?;
        Ok(DataList::Encoded(EncodedList {
            contents: tlv.contents,
            len,
            canonical,
        }))
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        match self {
            DataList::Encoded(e) => e.len,
            DataList::Owned(v) => v.len(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements in order (decoded on the fly for the encoded form).
    pub fn iter(&self) -> DataIter<'_, 'a> {
        match self {
            DataList::Encoded(e) => DataIter::Encoded {
                r: Reader::with_depth(e.contents, u16::MAX),
                canonical: e.canonical,
            },
            DataList::Owned(v) => DataIter::Owned(v.iter()),
        }
    }

    /// The element at `index` (walks the encoded form up to it).
    pub fn get(&self, index: usize) -> Option<Cow<'_, Data<'a>>> {
        match self {
            DataList::Owned(v) => v.get(index).map(Cow::Borrowed),
            DataList::Encoded(_) => self.iter().nth(index),
        }
    }

    /// The elements as a vector (one allocation; nested lists stay in their form).
    pub fn to_vec(&self) -> Vec<Data<'a>> {
        let mut v = Vec::with_capacity(self.len());
        v.extend(self.iter().map(Cow::into_owned));
        v
    }

    /// Detaches the list from the input buffer.
    pub fn into_owned(self) -> DataList<'static> {
        let mut v = Vec::with_capacity(self.len());
        match self {
            DataList::Owned(items) => v.extend(items.into_iter().map(Data::into_owned)),
            DataList::Encoded(_) => v.extend(self.iter().map(|d| d.into_owned().into_owned())),
        }
        DataList::Owned(v)
    }

    fn encode_tagged(&self, w: &mut Writer, tag: Tag) {
        let m = w.mark();
        match self {
            DataList::Encoded(e) if e.canonical => w.raw(e.contents),
            DataList::Encoded(_) => {
                // Non-canonical input (indefinite lengths, long integers...): decode the
                // elements once more and write them canonically.
                for d in self.to_vec().iter().rev() {
                    d.encode_choice(w);
                }
            }
            DataList::Owned(v) => {
                for d in v.iter().rev() {
                    d.encode_choice(w);
                }
            }
        }
        w.wrap(m, tag);
    }
}

impl PartialEq for DataList<'_> {
    fn eq(&self, other: &Self) -> bool {
        if let (DataList::Encoded(a), DataList::Encoded(b)) = (self, other) {
            if a.contents == b.contents {
                return true;
            }
        }
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl Eq for DataList<'_> {}

impl<'a> From<Vec<Data<'a>>> for DataList<'a> {
    /// An owned list.
    fn from(v: Vec<Data<'a>>) -> Self {
        DataList::Owned(v)
    }
}

impl Default for DataList<'_> {
    /// An empty owned list.
    fn default() -> Self {
        DataList::Owned(Vec::new())
    }
}

/// Iterator over a [`DataList`]'s elements.
#[derive(Debug, Clone)]
pub enum DataIter<'l, 'a> {
    /// Over a received list: decodes each element (already validated) as it goes.
    Encoded {
        /// What is left of the contents.
        r: Reader<'a>,
        /// The list's canonical flag, inherited by nested lists.
        canonical: bool,
    },
    /// Over an owned list.
    Owned(std::slice::Iter<'l, Data<'a>>),
}

impl<'l, 'a> Iterator for DataIter<'l, 'a> {
    type Item = Cow<'l, Data<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            DataIter::Owned(it) => it.next().map(Cow::Borrowed),
            DataIter::Encoded { r, canonical } => {
                // The list was validated when it was decoded: an error here is impossible, and
                // would end the iteration.
                if let Some((id, c, after)) = crate::codec::split_short(r.remaining()) {
                    let d = match id {
                        0xA1 | 0xA2 => {
                            let list = DataList::Encoded(EncodedList {
                                contents: c,
                                len: count_trusted(c),
                                canonical: *canonical,
                            });
                            Some(if id == 0xA1 {
                                Data::Array(list)
                            } else {
                                Data::Structure(list)
                            })
                        }
                        0x83..=0x91 => {
                            let mut c2 = *canonical;
                            Data::decode_primitive(u32::from(id & 0x1F), c, &mut c2).ok()
                        }
                        _ => None,
                    };
                    if let Some(d) = d {
                        let used = r.remaining().len() - after.len();
                        r.skip(used);
                        return Some(Cow::Owned(d));
                    }
                }
                let tlv = r.read_optional().ok()??;
                let mut c = *canonical;
                Data::decode_walk(&tlv, Walk::Trusted(*canonical), &mut c)
                    .ok()
                    .map(Cow::Owned)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// An MMS `BIT STRING` value (`bit-string [4]`, `booleanArray [14]`, ISO 9506-2 §14.4.2): the
/// bits, first bit in the most significant bit of the first octet, and the number of unused bits
/// in the last octet (so the received bit length is kept).
///
/// Equality ignores the values of padding bits.
#[derive(Debug, Clone, Eq)]
pub struct MmsBitString<'a> {
    /// Unused bits in the last octet (0..=7).
    pub unused: u8,
    /// The octets carrying the bits.
    pub bits: Cow<'a, [u8]>,
}

impl<'a> MmsBitString<'a> {
    /// Decodes the contents of a primitive BIT STRING (X.690 §8.6.2). Tolerant: an empty string
    /// with a non-zero unused count is taken as empty; padding bits may be set. Returns the
    /// value and whether the input was canonical.
    pub fn from_contents(c: &'a [u8]) -> Result<(MmsBitString<'a>, bool)> {
        let (&unused, bits) = c.split_first().ok_or(BerError::InvalidBitString)?;
        if unused > 7 {
            return Err(BerError::InvalidBitString.into());
        }
        if bits.is_empty() {
            return Ok((MmsBitString::default(), unused == 0));
        }
        let mask = (1u16 << unused) as u8 - 1;
        let padding_clear = bits.last().is_some_and(|&b| b & mask == 0);
        Ok((
            MmsBitString {
                unused,
                bits: Cow::Borrowed(bits),
            },
            padding_clear,
        ))
    }

    /// A bit string of `bools.len()` bits.
    pub fn from_bools(bools: &[bool]) -> MmsBitString<'static> {
        let mut bits = vec![0u8; bools.len().div_ceil(8)];
        for (i, _) in bools.iter().enumerate().filter(|(_, b)| **b) {
            if let Some(o) = bits.get_mut(i / 8) {
                *o |= 0x80 >> (i % 8);
            }
        }
        MmsBitString {
            unused: ((8 - bools.len() % 8) % 8) as u8,
            bits: Cow::Owned(bits),
        }
    }

    /// A bit string of `len` bits (at most 32) whose bit 0 is the most significant of the `len`
    /// low bits of `value` (the order IEC 61850 uses for quality and Dbpos).
    pub fn from_u32(value: u32, len: u8) -> MmsBitString<'static> {
        let len = len.min(32);
        let shifted = if len == 0 {
            0
        } else {
            u64::from(value) << (64 - u32::from(len))
        };
        let n = usize::from(len).div_ceil(8);
        let bytes = shifted.to_be_bytes();
        MmsBitString {
            unused: ((8 - len % 8) % 8),
            bits: Cow::Owned(bytes.get(..n).unwrap_or(&[]).to_vec()),
        }
    }

    /// The first `min(len, 32)` bits as an integer, bit 0 the most significant (inverse of
    /// [`MmsBitString::from_u32`] with `len` = [`MmsBitString::len`]).
    pub fn to_u32(&self) -> u32 {
        let n = self.len().min(32);
        (0..n).fold(0u32, |v, i| (v << 1) | u32::from(self.bit(i)))
    }

    /// The number of bits.
    pub fn len(&self) -> usize {
        (self.bits.len() * 8).saturating_sub(usize::from(self.unused))
    }

    /// True when there are no bits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bit `n` (bit 0 is the most significant bit of the first octet); false beyond the end.
    pub fn bit(&self, n: usize) -> bool {
        n < self.len()
            && self
                .bits
                .get(n / 8)
                .is_some_and(|b| b & (0x80 >> (n % 8)) != 0)
    }

    /// Sets bit `n` (no effect beyond the end).
    pub fn set_bit(&mut self, n: usize, v: bool) {
        if n >= self.len() {
            return;
        }
        if let Some(b) = self.bits.to_mut().get_mut(n / 8) {
            if v {
                *b |= 0x80 >> (n % 8);
            } else {
                *b &= !(0x80 >> (n % 8));
            }
        }
    }

    /// The bits as booleans.
    pub fn iter(&self) -> impl Iterator<Item = bool> + '_ {
        (0..self.len()).map(|i| self.bit(i))
    }

    /// Detaches the value from the input buffer.
    pub fn into_owned(self) -> MmsBitString<'static> {
        MmsBitString {
            unused: self.unused,
            bits: Cow::Owned(self.bits.into_owned()),
        }
    }

    /// Writes the value as a primitive BIT STRING tagged `tag`, padding bits cleared
    /// (X.690 §11.2.1 canonical form).
    pub fn encode_tagged(&self, w: &mut Writer, tag: Tag) {
        let unused = if self.bits.is_empty() {
            0
        } else {
            self.unused.min(7)
        };
        if let Some((&last, rest)) = self.bits.split_last() {
            let mask = !((1u16 << unused) as u8).wrapping_sub(1);
            w.raw(&[last & mask]);
            w.raw(rest);
        }
        w.raw(&[unused]);
        w.header(tag, self.bits.len() + 1);
    }
}

impl Default for MmsBitString<'_> {
    /// The empty bit string.
    fn default() -> Self {
        MmsBitString {
            unused: 0,
            bits: Cow::Borrowed(&[]),
        }
    }
}

impl PartialEq for MmsBitString<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && (0..self.len()).all(|i| self.bit(i) == other.bit(i))
    }
}

// ---------------------------------------------------------------------------------------------

/// `FloatingPoint ::= OCTET STRING` (ISO 9506-2 §14.4.2.1): the exponent width in bits (8 for
/// IEEE 754 single, 11 for double) followed by the IEEE 754 value, most significant octet first.
/// The octets are kept as received; other formats decode but convert to `None`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FloatingPoint<'a>(pub Cow<'a, [u8]>);

impl FloatingPoint<'_> {
    /// IEEE 754 single format (`08` + 4 octets).
    pub fn from_f32(v: f32) -> FloatingPoint<'static> {
        let mut b = Vec::with_capacity(5);
        b.push(8);
        b.extend_from_slice(&v.to_be_bytes());
        FloatingPoint(Cow::Owned(b))
    }

    /// IEEE 754 double format (`0B` + 8 octets).
    pub fn from_f64(v: f64) -> FloatingPoint<'static> {
        let mut b = Vec::with_capacity(9);
        b.push(11);
        b.extend_from_slice(&v.to_be_bytes());
        FloatingPoint(Cow::Owned(b))
    }

    /// The exponent width octet, if any.
    pub fn exponent_width(&self) -> Option<u8> {
        self.0.first().copied()
    }

    /// The value as `f64` for the single and double formats (a single widens exactly).
    pub fn to_f64(&self) -> Option<f64> {
        match *self.0 {
            [8, a, b, c, d] => Some(f64::from(f32::from_be_bytes([a, b, c, d]))),
            [11, a, b, c, d, e, f, g, h] => Some(f64::from_be_bytes([a, b, c, d, e, f, g, h])),
            _ => None,
        }
    }

    /// The value as `f32` (a double is rounded to the nearest single).
    pub fn to_f32(&self) -> Option<f32> {
        match *self.0 {
            [8, a, b, c, d] => Some(f32::from_be_bytes([a, b, c, d])),
            _ => self.to_f64().map(|v| v as f32),
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// `UtcTime ::= OCTET STRING (SIZE(8))` (ISO 9506-2:2003 §7.1 / IEC 61850-8-1 §8.1.3.7):
/// seconds since 1970-01-01T00:00:00Z (4 octets), a binary fraction of a second (3 octets) and
/// the TimeQuality octet (see [`crate::iec61850::TimeQuality`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UtcTime {
    /// Seconds since the Unix epoch.
    pub seconds: u32,
    /// Fraction of a second in units of 2^-24 s (the low 24 bits are used).
    pub fraction: u32,
    /// The TimeQuality octet.
    pub quality: u8,
}

impl UtcTime {
    /// Decodes the 8 contents octets; any other length is out of range.
    pub fn from_octets(c: &[u8]) -> Result<UtcTime> {
        match *c {
            [a, b, c0, d, e, f, g, q] => Ok(UtcTime {
                seconds: u32::from_be_bytes([a, b, c0, d]),
                fraction: u32::from_be_bytes([0, e, f, g]),
                quality: q,
            }),
            _ => Err(DecodeError::OutOfRange("UtcTime")),
        }
    }

    /// The 8 contents octets.
    pub fn to_octets(&self) -> [u8; 8] {
        let s = self.seconds.to_be_bytes();
        let f = self.fraction.to_be_bytes();
        [s[0], s[1], s[2], s[3], f[1], f[2], f[3], self.quality]
    }

    /// The fraction of a second in nanoseconds (truncated).
    pub fn fraction_nanos(&self) -> u32 {
        ((u64::from(self.fraction & 0xFF_FFFF) * 1_000_000_000) >> 24) as u32
    }

    /// The fraction of a second in 2^-24 s units for `nanos` (< 10^9), rounded to nearest.
    pub fn fraction_from_nanos(nanos: u32) -> u32 {
        let f = ((u64::from(nanos.min(999_999_999)) << 24) + 500_000_000) / 1_000_000_000;
        (f as u32).min(0xFF_FFFF)
    }

    /// Nanoseconds since the Unix epoch.
    pub fn to_unix_nanos(&self) -> u64 {
        u64::from(self.seconds) * 1_000_000_000 + u64::from(self.fraction_nanos())
    }

    /// The time `nanos` after the Unix epoch with quality octet `quality` (seconds beyond
    /// 2106 saturate).
    pub fn from_unix_nanos(nanos: u64, quality: u8) -> UtcTime {
        let secs = nanos / 1_000_000_000;
        UtcTime {
            seconds: u32::try_from(secs).unwrap_or(u32::MAX),
            fraction: UtcTime::fraction_from_nanos((nanos % 1_000_000_000) as u32),
            quality,
        }
    }

    /// As a `SystemTime`.
    pub fn to_system_time(&self) -> std::time::SystemTime {
        std::time::UNIX_EPOCH + std::time::Duration::from_nanos(self.to_unix_nanos())
    }

    /// From a `SystemTime` (times before 1970 become the epoch).
    pub fn from_system_time(t: std::time::SystemTime, quality: u8) -> UtcTime {
        let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        UtcTime {
            seconds: u32::try_from(d.as_secs()).unwrap_or(u32::MAX),
            fraction: UtcTime::fraction_from_nanos(d.subsec_nanos()),
            quality,
        }
    }
}

impl<'a> Asn1<'a> for UtcTime {
    const TAG: Tag = Tag::OCTET_STRING;

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        UtcTime::from_octets(tlv.octets()?)
    }

    fn encode_contents(&self, w: &mut Writer) {
        w.raw(&self.to_octets());
    }
}

// ---------------------------------------------------------------------------------------------

/// `DataAccessError ::= INTEGER` (ISO 9506-2 §14.4.3): why access to one variable failed.
/// The list is open (companion standards and vendors add values), so unknown numbers are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataAccessError {
    /// object-invalidated (0).
    ObjectInvalidated,
    /// hardware-fault (1).
    HardwareFault,
    /// temporarily-unavailable (2).
    TemporarilyUnavailable,
    /// object-access-denied (3).
    ObjectAccessDenied,
    /// object-undefined (4).
    ObjectUndefined,
    /// invalid-address (5).
    InvalidAddress,
    /// type-unsupported (6).
    TypeUnsupported,
    /// type-inconsistent (7).
    TypeInconsistent,
    /// object-attribute-inconsistent (8).
    ObjectAttributeInconsistent,
    /// object-access-unsupported (9).
    ObjectAccessUnsupported,
    /// object-non-existent (10).
    ObjectNonExistent,
    /// object-value-invalid (11).
    ObjectValueInvalid,
    /// A value the standard does not name.
    Other(i64),
}

impl DataAccessError {
    const NAMED: [DataAccessError; 12] = [
        DataAccessError::ObjectInvalidated,
        DataAccessError::HardwareFault,
        DataAccessError::TemporarilyUnavailable,
        DataAccessError::ObjectAccessDenied,
        DataAccessError::ObjectUndefined,
        DataAccessError::InvalidAddress,
        DataAccessError::TypeUnsupported,
        DataAccessError::TypeInconsistent,
        DataAccessError::ObjectAttributeInconsistent,
        DataAccessError::ObjectAccessUnsupported,
        DataAccessError::ObjectNonExistent,
        DataAccessError::ObjectValueInvalid,
    ];

    /// The value for a number (named when the standard names it).
    pub fn from_i64(v: i64) -> DataAccessError {
        usize::try_from(v)
            .ok()
            .and_then(|i| DataAccessError::NAMED.get(i).copied())
            .unwrap_or(DataAccessError::Other(v))
    }

    /// The number.
    pub fn to_i64(self) -> i64 {
        match self {
            DataAccessError::Other(v) => v,
            named => DataAccessError::NAMED
                .iter()
                .position(|n| *n == named)
                .map_or(-1, |p| p as i64),
        }
    }

    /// Decodes the INTEGER contents of `tlv`.
    pub fn decode_value(tlv: &Tlv<'_>) -> Result<DataAccessError> {
        Ok(DataAccessError::from_i64(int(tlv)?))
    }

    /// Writes the value as an INTEGER tagged `tag`.
    pub fn encode_value(self, w: &mut Writer, tag: Tag) {
        w.integer(tag, self.to_i64());
    }
}

impl std::fmt::Display for DataAccessError {
    /// The ISO 9506-2 name.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            DataAccessError::ObjectInvalidated => "object-invalidated",
            DataAccessError::HardwareFault => "hardware-fault",
            DataAccessError::TemporarilyUnavailable => "temporarily-unavailable",
            DataAccessError::ObjectAccessDenied => "object-access-denied",
            DataAccessError::ObjectUndefined => "object-undefined",
            DataAccessError::InvalidAddress => "invalid-address",
            DataAccessError::TypeUnsupported => "type-unsupported",
            DataAccessError::TypeInconsistent => "type-inconsistent",
            DataAccessError::ObjectAttributeInconsistent => "object-attribute-inconsistent",
            DataAccessError::ObjectAccessUnsupported => "object-access-unsupported",
            DataAccessError::ObjectNonExistent => "object-non-existent",
            DataAccessError::ObjectValueInvalid => "object-value-invalid",
            DataAccessError::Other(v) => return write!(f, "data-access-error({v})"),
        };
        f.write_str(s)
    }
}

/// Proptest strategies for the data types (shared with the service modules' tests).
#[cfg(test)]
pub(crate) mod arb {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    /// Any bit string (padding bits clear, as the encoder writes them).
    pub(crate) fn bit_string() -> impl Strategy<Value = MmsBitString<'static>> {
        vec(any::<bool>(), 0..20).prop_map(|b| MmsBitString::from_bools(&b))
    }

    /// Any UtcTime.
    pub(crate) fn utc_time() -> impl Strategy<Value = UtcTime> {
        (any::<u32>(), 0u32..0x100_0000, any::<u8>()).prop_map(|(seconds, fraction, quality)| {
            UtcTime {
                seconds,
                fraction,
                quality,
            }
        })
    }

    /// Any DataAccessError (named or not).
    pub(crate) fn data_access_error() -> impl Strategy<Value = DataAccessError> {
        any::<i64>().prop_map(DataAccessError::from_i64)
    }

    /// A non-list `Data` value.
    pub(crate) fn simple_data() -> impl Strategy<Value = Data<'static>> {
        prop_oneof![
            any::<bool>().prop_map(Data::Boolean),
            bit_string().prop_map(Data::BitString),
            any::<i64>().prop_map(Data::Integer),
            any::<u64>().prop_map(Data::Unsigned),
            any::<f32>().prop_map(|f| Data::FloatingPoint(FloatingPoint::from_f32(f))),
            any::<f64>().prop_map(|f| Data::FloatingPoint(FloatingPoint::from_f64(f))),
            vec(any::<u8>(), 0..6).prop_map(|v| Data::Real(v.into())),
            vec(any::<u8>(), 0..6).prop_map(|v| Data::OctetString(v.into())),
            "[ -~]{0,8}".prop_map(|s| Data::VisibleString(s.into())),
            "[0-9]{14}Z".prop_map(|s| Data::GeneralizedTime(s.into())),
            (any::<u32>(), proptest::option::of(any::<u16>()))
                .prop_map(|(millis, days)| Data::BinaryTime(TimeOfDay { millis, days })),
            any::<i64>().prop_map(Data::Bcd),
            bit_string().prop_map(Data::BooleanArray),
            vec(0u64..100_000, 0..4).prop_map(|mut arcs| {
                arcs.insert(0, 1);
                arcs.insert(1, 3);
                Data::ObjId(copp::ber::oid_from_arcs(&arcs).expect("valid arcs"))
            }),
            ".{0,6}".prop_map(|s: String| Data::MmsString(s.into())),
            utc_time().prop_map(Data::UtcTime),
        ]
    }

    /// The tag ISO 9506-2 gives each `Data` alternative (all context-specific): whether it is
    /// constructed, and its number. Written from the ASN.1, not from the encoder, for the
    /// independent checks of the round-trip tests.
    pub(crate) fn data_tag(d: &Data<'_>) -> (bool, u32) {
        match d {
            Data::Array(_) => (true, 1),
            Data::Structure(_) => (true, 2),
            Data::Boolean(_) => (false, 3),
            Data::BitString(_) => (false, 4),
            Data::Integer(_) => (false, 5),
            Data::Unsigned(_) => (false, 6),
            Data::FloatingPoint(_) => (false, 7),
            Data::Real(_) => (false, 8),
            Data::OctetString(_) => (false, 9),
            Data::VisibleString(_) => (false, 10),
            Data::GeneralizedTime(_) => (false, 11),
            Data::BinaryTime(_) => (false, 12),
            Data::Bcd(_) => (false, 13),
            Data::BooleanArray(_) => (false, 14),
            Data::ObjId(_) => (false, 15),
            Data::MmsString(_) => (false, 16),
            Data::UtcTime(_) => (false, 17),
        }
    }

    /// Has `asn1-rs` walk `b`, the encoding of `d`, and compares the outer tag and, for the
    /// alternatives it can read by itself, the value with `d`.
    pub(crate) fn check_data_independently(b: &[u8], d: &Data<'_>) {
        use crate::testvec::independent::{expect, CONTEXT};
        let (constructed, number) = data_tag(d);
        let n = expect(b, CONTEXT, Some(constructed), number);
        match d {
            Data::Integer(i) | Data::Bcd(i) => assert_eq!(n.integer(), *i),
            Data::Unsigned(u) => assert_eq!(n.unsigned(), *u),
            Data::Boolean(v) => assert_eq!(n.contents, [u8::from(*v)]),
            Data::OctetString(o) => assert_eq!(n.contents, &o[..]),
            Data::VisibleString(t) | Data::MmsString(t) => assert_eq!(n.contents, t.as_bytes()),
            Data::ObjId(o) => assert_eq!(n.oid(), o.to_id_string()),
            Data::Array(l) | Data::Structure(l) => {
                // Every element in turn, as asn1-rs found it inside.
                assert_eq!(n.children.len(), l.len());
                for (c, e) in n.children.iter().zip(l.iter()) {
                    check_data_independently(c.raw, &e);
                }
            }
            _ => {}
        }
    }

    /// Any `Data`, with arrays and structures nested at most 3 deep.
    pub(crate) fn data() -> impl Strategy<Value = Data<'static>> {
        simple_data().prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..4).prop_map(Data::array),
                vec(inner, 0..4).prop_map(Data::structure),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{AccessResult, VariableAccessSpecification};
    use crate::codec::{ctx_c, decode_one, seq_of, to_vec, write_seq_of, Fields};
    use crate::testvec;
    use crate::types::TypeSpecification;
    use proptest::prelude::*;

    fn dec(b: &[u8]) -> Result<Data<'_>> {
        decode_one(b, 64, Data::decode_choice)
    }

    fn enc(d: &Data<'_>) -> Vec<u8> {
        to_vec(|w| d.encode_choice(w))
    }

    /// Decodes the service alternative of a data.vec envelope with this module's types and
    /// re-encodes it (the service codecs proper belong to other modules).
    fn round_trip_service(kind: u32, body: &Tlv<'_>) -> Result<Vec<u8>> {
        let mut w = Writer::new();
        match (kind, body.tag.number) {
            // Read-Response: [0] VariableAccessSpecification OPTIONAL, [1] IMPLICIT SEQUENCE OF
            // AccessResult.
            (1, 4) => {
                let mut f = Fields::new(body)?;
                assert!(f.opt(ctx_c(0))?.is_none());
                let ars = seq_of(
                    &f.req(ctx_c(1), "listOfAccessResult")?,
                    AccessResult::decode_choice,
                )?;
                f.finish()?;
                let m = w.mark();
                write_seq_of(&mut w, ctx_c(1), &ars, |w, a| a.encode_choice(w));
                w.wrap(m, ctx_c(4));
            }
            // GetVariableAccessAttributes-Response: [0] mmsDeletable, [2] TypeSpecification.
            (1, 6) => {
                let mut f = Fields::new(body)?;
                let del = crate::codec::boolean(&f.req(ctx(0), "mmsDeletable")?)?;
                let ts = f.req_choice::<TypeSpecification>(2, "ts")?;
                f.finish()?;
                let m = w.mark();
                crate::codec::write_explicit(&mut w, 2, |w| ts.encode_choice(w));
                w.boolean(ctx(0), del);
                w.wrap(m, ctx_c(6));
            }
            // Read-Request: [1] VariableAccessSpecification (EXPLICIT).
            (0, 4) => {
                let mut f = Fields::new(body)?;
                let vas = f.req_choice::<VariableAccessSpecification>(1, "vas")?;
                f.finish()?;
                let m = w.mark();
                crate::codec::write_explicit(&mut w, 1, |w| vas.encode_choice(w));
                w.wrap(m, ctx_c(4));
            }
            // InformationReport: VariableAccessSpecification, [0] IMPLICIT SEQUENCE OF
            // AccessResult.
            (3, 0) => {
                let mut f = Fields::new(body)?;
                let vas = VariableAccessSpecification::decode_choice(&f.next("vas")?)?;
                let ars = seq_of(
                    &f.req(ctx_c(0), "listOfAccessResult")?,
                    AccessResult::decode_choice,
                )?;
                f.finish()?;
                let m = w.mark();
                write_seq_of(&mut w, ctx_c(0), &ars, |w, a| a.encode_choice(w));
                vas.encode_choice(&mut w);
                w.wrap(m, ctx_c(0));
            }
            other => panic!("no dispatch for {other:?}"),
        }
        Ok(w.into_vec())
    }

    #[test]
    fn vectors_round_trip() {
        let vecs = testvec::load("data.vec");
        assert!(vecs.len() >= 30);
        for v in &vecs {
            let (kind, invoke, body) = testvec::split(&v.pdu).unwrap();
            let out = round_trip_service(kind, &body).unwrap_or_else(|e| panic!("{}: {e}", v.name));
            testvec::check_envelope(kind, invoke, body.tag.number, &out);
            let again = testvec::wrap(kind, invoke, |w| w.raw(&out));
            if v.tolerant {
                assert_ne!(
                    again, v.pdu,
                    "{} is marked tolerant but is canonical",
                    v.name
                );
                // The canonical re-encoding decodes to the same service value.
                let (_, _, b2) = testvec::split(&again).unwrap();
                assert_eq!(round_trip_service(kind, &b2).unwrap(), out, "{}", v.name);
            } else {
                assert_eq!(again, v.pdu, "{}", v.name);
            }
        }
    }

    fn first_results(name: &str) -> Vec<AccessResult<'static>> {
        let v = testvec::load("data.vec")
            .into_iter()
            .find(|v| v.name == name)
            .unwrap();
        let (_, _, body) = testvec::split(&v.pdu).unwrap();
        let mut f = Fields::new(&body).unwrap();
        let l = f.req(ctx_c(1), "l").unwrap();
        seq_of(&l, AccessResult::decode_choice)
            .unwrap()
            .into_iter()
            .map(AccessResult::into_owned)
            .collect()
    }

    #[test]
    fn typed_values_from_vectors() {
        let r = first_results("data-negative-integers");
        let ints: Vec<_> = r
            .iter()
            .map(|a| a.data().unwrap().as_i64().unwrap())
            .collect();
        assert_eq!(ints, [-1, -128, -129, i64::MIN]);
        let r = first_results("data-unsigned-64bit");
        assert_eq!(r[2].data().unwrap().as_u64(), Some(u64::MAX));
        let r = first_results("data-floating-point-single-double");
        assert_eq!(r[0].data().unwrap().as_f32(), Some(1.5));
        assert_eq!(r[1].data().unwrap().as_f64(), Some(-2.25));
        let r = first_results("data-binary-time-4-and-6");
        assert_eq!(
            r[1].data().unwrap(),
            &Data::BinaryTime(TimeOfDay {
                millis: 123_456,
                days: Some(0x1a2b)
            })
        );
        let r = first_results("data-utc-time");
        let t = r[0].data().unwrap().as_utc_time().unwrap();
        assert_eq!(t.seconds, 0x5f5e_1000);
        assert_eq!(t.fraction_nanos(), 500_000_000);
        assert_eq!(t.quality, 0x0a);
        let r = first_results("data-bit-string-quality");
        let b = r[0].data().unwrap().as_bit_string().unwrap();
        assert_eq!(b.len(), 13);
        assert!(b.bit(1) && b.bit(12) && !b.bit(0));
        let r = first_results("data-access-errors");
        assert_eq!(
            r[10],
            AccessResult::Failure(DataAccessError::ObjectNonExistent)
        );
        assert_eq!(r[12], AccessResult::Failure(DataAccessError::Other(99)));
        let r = first_results("data-nested-array-of-structures");
        let arr = r[0].data().unwrap().as_list().unwrap();
        assert_eq!(arr.len(), 3);
        let first = arr.get(0).unwrap();
        let s = first.as_list().unwrap();
        assert_eq!(s.get(0).unwrap().as_i64(), Some(1));
        assert_eq!(
            *s.get(1).unwrap(),
            Data::structure(vec![Data::Boolean(false)])
        );
        assert!(arr.get(2).unwrap().as_list().unwrap().is_empty());
        let r = first_results("data-tolerant-indefinite");
        assert_eq!(
            r[0].data().unwrap(),
            &Data::structure(vec![
                Data::Boolean(true),
                Data::array(vec![Data::Integer(7)])
            ])
        );
        let r = first_results("data-tolerant-bitstring-padding");
        assert_eq!(
            r[0].data().unwrap(),
            &Data::BitString(MmsBitString::from_bools(&[true, true]))
        );
    }

    #[test]
    fn encoded_list_is_zero_copy_and_canonical_copy() {
        let b = [0xA2, 0x08, 0xA2, 0x03, 0x83, 0x01, 0x01, 0x85, 0x01, 0x05];
        let d = dec(&b).unwrap();
        let Data::Structure(DataList::Encoded(e)) = &d else {
            panic!("not encoded: {d:?}")
        };
        assert_eq!(e.len(), 2);
        assert!(std::ptr::eq(e.contents().as_ptr(), b[2..].as_ptr()));
        assert_eq!(enc(&d), b);
        assert_eq!(
            d,
            Data::structure(vec![Data::structure(vec![true.into()]), 5i32.into()])
        );
        assert_eq!(d.clone().into_owned(), d);
    }

    #[test]
    fn non_ascii_mms_string_and_not_in_wireshark_alternatives() {
        // mMSString with UTF-8 text: Wireshark shows it garbled, so it is not in data.vec.
        let b = [0x90, 0x06, b'G', b'r', 0xC3, 0xBC, b'n', b'!'];
        assert_eq!(dec(&b).unwrap().as_str(), Some("Grün!"));
        // real [8] and generalized-time [11]: Wireshark's module lacks them and stops
        // dissecting silently (checked with tshark 4.0, dissector mms), so these vectors are
        // kept here rather than in data.vec.
        let real = [0x88, 0x03, 0x80, 0x00, 0x01];
        assert_eq!(dec(&real).unwrap(), Data::Real(vec![0x80, 0, 1].into()));
        assert_eq!(enc(&dec(&real).unwrap()), real);
        let gt = b"\x8b\x0f20240101120000Z";
        assert_eq!(dec(gt).unwrap().as_str(), Some("20240101120000Z"));
        assert_eq!(enc(&dec(gt).unwrap()), gt);
    }

    #[test]
    fn malformed_data() {
        // truncated
        assert!(matches!(
            dec(&[0xA2, 0x05, 0x83, 0x01]),
            Err(DecodeError::Ber(BerError::Truncated { .. }))
        ));
        // unknown alternative [0] and [18], universal tag
        assert!(dec(&[0x80, 0x01, 0x00]).is_err());
        assert!(dec(&[0x9F, 0x12, 0x01, 0x00]).is_err());
        assert!(dec(&[0x02, 0x01, 0x00]).is_err());
        // wrong form: constructed boolean
        assert_eq!(
            dec(&[0xA3, 0x03, 0x01, 0x01, 0x01]),
            Err(DecodeError::Ber(BerError::WrongForm(Tag::context(3, true))))
        );
        // boolean of two octets, empty integer, integer of 9 octets
        assert!(dec(&[0x83, 0x02, 0x01, 0x01]).is_err());
        assert!(dec(&[0x85, 0x00]).is_err());
        assert!(dec(&[0x85, 0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        // negative unsigned
        assert_eq!(
            dec(&[0x86, 0x01, 0xFF]),
            Err(DecodeError::OutOfRange("unsigned INTEGER"))
        );
        // binary-time of 5 octets, utc-time of 7
        assert_eq!(
            dec(&[0x8C, 0x05, 0, 0, 0, 0, 0]),
            Err(DecodeError::OutOfRange("TimeOfDay"))
        );
        assert_eq!(
            dec(&[0x91, 0x07, 0, 0, 0, 0, 0, 0, 0]),
            Err(DecodeError::OutOfRange("UtcTime"))
        );
        // bit string: no unused octet, unused 8
        assert!(dec(&[0x84, 0x00]).is_err());
        assert!(dec(&[0x84, 0x02, 0x08, 0xFF]).is_err());
        // invalid UTF-8 in a visible string, bad OID
        assert!(dec(&[0x8A, 0x01, 0xFF]).is_err());
        assert!(dec(&[0x8F, 0x01, 0x80]).is_err());
        // a bad element deep inside a structure fails the whole value
        assert!(dec(&[0xA2, 0x05, 0xA1, 0x03, 0x85, 0x00, 0x00]).is_err());
        // length beyond input inside a list
        assert!(dec(&[0xA1, 0x03, 0x85, 0x05, 0x01]).is_err());
    }

    #[test]
    fn nesting_beyond_depth_is_too_deep() {
        let depth = 80;
        let mut b = vec![0x83, 0x01, 0x01];
        for _ in 0..depth {
            let mut o = vec![0xA2];
            o.extend(crate::codec::to_vec(|w| w.header(Tag::SEQUENCE, b.len()))[1..].to_vec());
            o.extend(&b);
            b = o;
        }
        let e = decode_one(&b, 64, Data::decode_choice).unwrap_err();
        assert!(e.is_too_deep(), "{e:?}");
        assert!(decode_one(&b, 100, Data::decode_choice).is_ok());
    }

    #[test]
    fn bit_string_helpers() {
        let b = MmsBitString::from_u32(0b10, 2);
        assert_eq!((b.unused, &*b.bits), (6, &[0x80u8][..]));
        assert_eq!(b.to_u32(), 2);
        let q = MmsBitString::from_u32(0x1001, 13);
        assert_eq!(&*q.bits, &[0x80, 0x08]);
        assert_eq!(q.len(), 13);
        assert!(q.bit(0) && q.bit(12) && !q.bit(13));
        let mut m = MmsBitString::from_bools(&[false, true, false]);
        m.set_bit(0, true);
        assert_eq!(m.iter().collect::<Vec<_>>(), [true, true, false]);
        // padding cleared on encode
        let d = Data::BitString(MmsBitString {
            unused: 6,
            bits: vec![0xFF].into(),
        });
        assert_eq!(enc(&d), [0x84, 0x02, 0x06, 0xC0]);
        // empty with unused 3 accepted as empty and re-encoded canonically
        let e = dec(&[0x84, 0x01, 0x03]).unwrap();
        assert!(e.as_bit_string().unwrap().is_empty());
        assert_eq!(enc(&e), [0x84, 0x01, 0x00]);
    }

    #[test]
    fn conversions_and_times() {
        assert_eq!(Data::from(true).as_bool(), Some(true));
        assert_eq!(Data::from(-5i8).as_i64(), Some(-5));
        assert_eq!(Data::from(7u16).as_u64(), Some(7));
        assert_eq!(Data::from(2.5f32).as_f32(), Some(2.5));
        assert_eq!(Data::from(2.5f64).as_f64(), Some(2.5));
        assert_eq!(Data::from("x").as_str(), Some("x"));
        assert_eq!(Data::from(String::from("y")).as_str(), Some("y"));
        assert_eq!(Data::from(&[1u8][..]).as_bytes(), Some(&[1u8][..]));
        assert_eq!(Data::from(vec![2u8]).as_bytes(), Some(&[2u8][..]));
        assert_eq!(Data::from(-1i64).as_u64(), None);
        assert_eq!(
            enc(&Data::from(1.5f32)),
            [0x87, 0x05, 0x08, 0x3F, 0xC0, 0x00, 0x00]
        );
        let t = UtcTime::from_unix_nanos(1_600_000_000_250_000_000, 0x0A);
        assert_eq!(t.seconds, 1_600_000_000);
        assert_eq!(t.fraction, 0x40_0000);
        assert_eq!(t.to_unix_nanos(), 1_600_000_000_250_000_000);
        let st = t.to_system_time();
        assert_eq!(UtcTime::from_system_time(st, 0x0A), t);
        assert_eq!(DataAccessError::from_i64(3).to_i64(), 3);
        assert_eq!(
            DataAccessError::ObjectValueInvalid.to_string(),
            "object-value-invalid"
        );
    }

    proptest! {
        #[test]
        fn data_round_trip(d in arb::data()) {
            let b = enc(&d);
            arb::check_data_independently(&b, &d);
            let back = dec(&b).unwrap();
            prop_assert_eq!(&back, &d);
            prop_assert_eq!(enc(&back), b);
        }
    }
}

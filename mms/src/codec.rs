//! The encoding machinery every MMS type is built with: two traits, the decode error, and small
//! helpers for the ASN.1 shapes ISO 9506-2 uses over and over (X.690 BER on top of
//! [`copp::ber`], the stack's one BER reader and writer).
//!
//! # The two traits
//!
//! * [`Asn1`] is for types with a tag of their own (SEQUENCE, INTEGER, strings, ...). They can be
//!   tagged IMPLICIT: the caller matches the tag and the type decodes the contents
//!   ([`Asn1::decode_contents`]); on the way out [`Asn1::encode_tagged`] writes the contents and
//!   then the given tag.
//! * [`Choice`] is for CHOICE types: the tag of the value picks the alternative, so they decode
//!   from a whole [`Tlv`] and encode their own tag. X.680 §31.2.9: a tagged CHOICE is always
//!   tagged EXPLICIT, which [`explicit`] and [`write_explicit`] handle.
//!
//! The MMS module (ISO 9506-2 §7, `MMS { iso standard 9506 part(2) mms-general-module-version(2) }`)
//! has no `IMPLICIT TAGS` default: a tag written without `IMPLICIT` is EXPLICIT. Following that
//! rule literally gives the wire forms that once broke other stacks (the `[1]` around Read's
//! variable access specification, the `[2]` type in GetVariableAccessAttributes-Response).
//!
//! # Bounds
//!
//! Every decoder walks input through a [`Reader`] that carries a nesting budget, so recursion in
//! the decoders follows the BER nesting and stops at the budget with [`BerError::TooDeep`]. Lists
//! are counted before their vector is allocated ([`seq_of`]): one allocation per list, sized by
//! elements actually present (each at least two octets), never by a length a peer claims.
//!
//! # Encoding
//!
//! [`Writer`] writes back to front: a SEQUENCE writes its last field first. Encoders produce the
//! canonical form: definite lengths, minimal integers, BOOLEAN TRUE as 0x01.

use std::borrow::Cow;

pub use copp::ber::{BerError, BitString, Class, Oid, Reader, Tag, Tlv, Writer};

/// Why an MMS value could not be decoded; the runtime turns it into the RejectPDU reason that
/// ISO 9506-2 §7.5 (RejectPDU) names for the PDU it occurred in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The BER is malformed or a value is not what the ASN.1 type allows at that position
    /// (reject reason invalid-argument / invalid-result / invalid-serviceError / invalid-pdu,
    /// or max-recursion-exceeded for [`BerError::TooDeep`]).
    #[error("{0}")]
    Ber(#[from] BerError),
    /// A ConfirmedServiceRequest/Response or UnconfirmedService alternative this codec does not
    /// know (reject reason unrecognized-service).
    #[error("unrecognized service [{0}]")]
    UnrecognizedService(u32),
    /// A Modifier alternative this codec does not know (reject reason unrecognized-modifier).
    #[error("unrecognized modifier [{0}]")]
    UnrecognizedModifier(u32),
    /// A well-formed value outside the range of its ASN.1 type, e.g. an Integer32 that needs
    /// five octets or a TimeOfDay of 5 octets (reject reason value-out-of-range).
    #[error("value out of range for {0}")]
    OutOfRange(&'static str),
}

impl DecodeError {
    /// True for [`BerError::TooDeep`]: the runtime answers it with max-recursion-exceeded.
    pub fn is_too_deep(&self) -> bool {
        matches!(self, DecodeError::Ber(BerError::TooDeep { .. }))
    }
}

/// Result of every decoder in this crate.
pub type Result<T> = core::result::Result<T, DecodeError>;

/// A type with a tag of its own, which may be tagged IMPLICIT (X.680 §31.2.7).
pub trait Asn1<'a>: Sized {
    /// The tag the type has when it is not tagged (its UNIVERSAL tag, or for MMS types defined
    /// as an IMPLICIT-tagged type, that tag).
    const TAG: Tag;

    /// Decodes the contents of `tlv`; the caller has already matched the tag number.
    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self>;

    /// Writes the contents octets (back to front) without identifier and length.
    fn encode_contents(&self, w: &mut Writer);

    /// Decodes a value that must carry [`Asn1::TAG`].
    #[inline]
    fn decode(tlv: &Tlv<'a>) -> Result<Self> {
        expect_tag(tlv, Self::TAG)?;
        Self::decode_contents(tlv)
    }

    /// Decodes a value tagged IMPLICIT with `tag` (form and number checked).
    #[inline]
    fn decode_implicit(tlv: &Tlv<'a>, tag: Tag) -> Result<Self> {
        expect_tag(
            tlv,
            Tag {
                constructed: Self::TAG.constructed,
                ..tag
            },
        )?;
        Self::decode_contents(tlv)
    }

    /// Writes the value with its own tag.
    fn encode(&self, w: &mut Writer) {
        self.encode_tagged(w, Self::TAG);
    }

    /// Writes the value tagged IMPLICIT with `tag` (the form is taken from [`Asn1::TAG`]).
    fn encode_tagged(&self, w: &mut Writer, tag: Tag) {
        let m = w.mark();
        self.encode_contents(w);
        w.wrap(
            m,
            Tag {
                constructed: Self::TAG.constructed,
                ..tag
            },
        );
    }
}

/// A CHOICE type: the tag of the value selects the alternative (X.680 §29).
pub trait Choice<'a>: Sized {
    /// Decodes the alternative that `tlv`'s tag selects.
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self>;

    /// Writes the chosen alternative with its tag.
    fn encode_choice(&self, w: &mut Writer);
}

/// Fails with [`BerError::UnexpectedTag`] unless `tlv` carries `tag` exactly.
#[inline(always)]
pub fn expect_tag(tlv: &Tlv<'_>, tag: Tag) -> Result<()> {
    if tlv.tag == tag {
        Ok(())
    } else {
        Err(BerError::UnexpectedTag {
            expected: tag,
            found: tlv.tag,
        }
        .into())
    }
}

/// A context-specific tag `[n]`, primitive.
pub const fn ctx(n: u32) -> Tag {
    Tag::context(n, false)
}

/// A context-specific tag `[n]`, constructed.
pub const fn ctx_c(n: u32) -> Tag {
    Tag::context(n, true)
}

/// Tag of VisibleString (X.680 §41, UNIVERSAL 26).
pub const VISIBLE_STRING: Tag = Tag::universal(26, false);
/// Tag of UTF8String (UNIVERSAL 12), the MMSString of ISO 9506-2.
pub const UTF8_STRING: Tag = Tag::universal(12, false);
/// Tag of GraphicString (UNIVERSAL 25), the FileName elements of ISO 9506-2.
pub const GRAPHIC_STRING: Tag = Tag::universal(25, false);
/// Tag of GeneralizedTime (UNIVERSAL 24).
pub const GENERALIZED_TIME: Tag = Tag::universal(24, false);

/// The single value inside an EXPLICIT tag (X.690 §8.14.3): the wrapper must be constructed and
/// hold exactly one value.
#[inline(always)]
pub fn explicit<'a>(tlv: &Tlv<'a>) -> Result<Tlv<'a>> {
    let mut r = tlv.reader()?;
    let inner = r.read()?;
    r.finish()?;
    Ok(inner)
}

/// An EXPLICIT-tagged CHOICE field `[n] T` (X.680 §31.2.9: a tagged CHOICE is always EXPLICIT):
/// the wrapper must be constructed and hold exactly one alternative of `T`.
#[inline(always)]
pub fn explicit_choice<'a, T: Choice<'a>>(tlv: &Tlv<'a>) -> Result<T> {
    T::decode_choice(&explicit(tlv)?)
}

/// Writes a CHOICE value under an EXPLICIT `[n]` tag (the encoder of [`explicit_choice`]).
#[inline]
pub fn write_explicit_choice<'a>(w: &mut Writer, n: u32, v: &impl Choice<'a>) {
    write_explicit(w, n, |w| v.encode_choice(w));
}

/// Splits a value with a one-octet identifier and a short definite length off the front of
/// `input`: (identifier octet, contents, what follows), or `None` for any other form or a
/// length beyond the input (X.690 §8.1.2.2, §8.1.3.4). For decoders' fast paths over a shape
/// they know; anything else goes through [`Reader`], which reports the errors.
#[inline(always)]
pub(crate) fn split_short(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&id, &l0) = match input {
        [id, l0, ..] => (id, l0),
        _ => return None,
    };
    if id & 0x1F == 0x1F || l0 >= 0x80 {
        return None;
    }
    let end = 2 + usize::from(l0);
    let contents = input.get(2..end)?;
    let rest = input.get(end..)?;
    Some((id, contents, rest))
}

/// Writes `f`'s output wrapped in an EXPLICIT `[n]` tag.
pub fn write_explicit(w: &mut Writer, n: u32, f: impl FnOnce(&mut Writer)) {
    let m = w.mark();
    f(w);
    w.wrap(m, ctx_c(n));
}

/// Writes `f`'s output wrapped in a constructed value tagged `tag` (SEQUENCE contents).
pub fn write_constructed(w: &mut Writer, tag: Tag, f: impl FnOnce(&mut Writer)) {
    let m = w.mark();
    f(w);
    w.wrap(m, tag.as_constructed());
}

/// Decodes a SEQUENCE OF / SET OF whose elements `f` decodes. The elements are counted first so
/// the vector is allocated once, for the elements actually present.
#[inline(always)]
pub fn seq_of<'a, T>(tlv: &Tlv<'a>, mut f: impl FnMut(&Tlv<'a>) -> Result<T>) -> Result<Vec<T>> {
    let n = count(tlv)?;
    let mut out = Vec::with_capacity(n);
    let mut r = tlv.reader()?;
    while let Some(e) = r.read_optional()? {
        out.push(f(&e)?);
    }
    Ok(out)
}

/// The number of values in a constructed value's contents (headers are parsed, nothing is
/// decoded or allocated).
#[inline(always)]
pub fn count(tlv: &Tlv<'_>) -> Result<usize> {
    let mut r = tlv.reader()?;
    let mut n = 0usize;
    while r.read_optional()?.is_some() {
        n += 1;
    }
    Ok(n)
}

/// Writes the elements of a SEQUENCE OF (their own encodings, in order) and wraps them in `tag`.
pub fn write_seq_of<T>(w: &mut Writer, tag: Tag, items: &[T], mut f: impl FnMut(&mut Writer, &T)) {
    let m = w.mark();
    for item in items.iter().rev() {
        f(w, item);
    }
    w.wrap(m, tag.as_constructed());
}

// ---------------------------------------------------------------------------------------------
// INTEGER (X.690 §8.3) in the widths ISO 9506-2 names.

/// An INTEGER that fits an `i64`.
#[inline(always)]
pub fn int(tlv: &Tlv<'_>) -> Result<i64> {
    Ok(tlv.integer()?)
}

/// An `Integer32` (ISO 9506-2 `INTEGER (-2147483648..2147483647)`).
#[inline]
pub fn int32(tlv: &Tlv<'_>) -> Result<i32> {
    i32::try_from(int(tlv)?).map_err(|_| DecodeError::OutOfRange("Integer32"))
}

/// An `Integer16`.
#[inline]
pub fn int16(tlv: &Tlv<'_>) -> Result<i16> {
    i16::try_from(int(tlv)?).map_err(|_| DecodeError::OutOfRange("Integer16"))
}

/// An `Integer8`.
#[inline]
pub fn int8(tlv: &Tlv<'_>) -> Result<i8> {
    i8::try_from(int(tlv)?).map_err(|_| DecodeError::OutOfRange("Integer8"))
}

/// An `Unsigned32` (ISO 9506-2 `INTEGER (0..4294967295)`), e.g. an invokeID.
#[inline]
pub fn uint32(tlv: &Tlv<'_>) -> Result<u32> {
    u32::try_from(uint(tlv)?).map_err(|_| DecodeError::OutOfRange("Unsigned32"))
}

/// An `Unsigned16`.
#[inline]
pub fn uint16(tlv: &Tlv<'_>) -> Result<u16> {
    u16::try_from(uint(tlv)?).map_err(|_| DecodeError::OutOfRange("Unsigned16"))
}

/// An `Unsigned8`.
#[inline]
pub fn uint8(tlv: &Tlv<'_>) -> Result<u8> {
    u8::try_from(uint(tlv)?).map_err(|_| DecodeError::OutOfRange("Unsigned8"))
}

/// A non-negative INTEGER that fits a `u64` (up to nine contents octets, the first zero).
#[inline(always)]
pub fn uint(tlv: &Tlv<'_>) -> Result<u64> {
    if tlv.tag.constructed {
        return Err(BerError::WrongForm(tlv.tag).into());
    }
    uint_contents(tlv.contents)
}

/// The contents octets of a non-negative INTEGER that fits a `u64` (see [`uint`]).
#[inline(always)]
pub fn uint_contents(c: &[u8]) -> Result<u64> {
    let (&first, _) = c.split_first().ok_or(BerError::InvalidInteger)?;
    if first & 0x80 != 0 {
        return Err(DecodeError::OutOfRange("unsigned INTEGER"));
    }
    // Leading zero octets are tolerated (X.690 §8.3.2 asks senders not to send them).
    let start = c.iter().position(|&b| b != 0).unwrap_or(c.len());
    let digits = c.get(start..).unwrap_or(&[]);
    if digits.len() > 8 {
        return Err(DecodeError::OutOfRange("unsigned INTEGER"));
    }
    Ok(digits.iter().fold(0u64, |v, &b| (v << 8) | u64::from(b)))
}

/// Writes a non-negative INTEGER (minimal form: a leading zero octet only when the top bit of
/// the first value octet is set).
pub fn write_uint(w: &mut Writer, tag: Tag, v: u64) {
    let bytes = v.to_be_bytes();
    let skip = (v.leading_zeros() / 8).min(7) as usize;
    let digits = &bytes[skip..];
    w.raw(digits);
    let mut len = digits.len();
    if digits.first().is_some_and(|b| b & 0x80 != 0) {
        w.raw(&[0]);
        len += 1;
    }
    w.header(tag, len);
}

/// A BOOLEAN (X.690 §8.2.2: any non-zero octet is TRUE).
#[inline]
pub fn boolean(tlv: &Tlv<'_>) -> Result<bool> {
    Ok(tlv.boolean()?)
}

/// A NULL (X.690 §8.8): primitive, no contents.
pub fn null(tlv: &Tlv<'_>) -> Result<()> {
    if tlv.tag.constructed || !tlv.contents.is_empty() {
        return Err(BerError::InvalidValue("NULL").into());
    }
    Ok(())
}

/// Writes a NULL with `tag`.
pub fn write_null(w: &mut Writer, tag: Tag) {
    w.header(tag, 0);
}

/// Writes an IMPLICIT `[n] BOOLEAN` unless it equals its DEFAULT (the canonical form leaves a
/// default value out; see [`Fields::bool_default`]).
#[inline]
pub fn write_bool_default(w: &mut Writer, n: u32, v: bool, default: bool) {
    if v != default {
        w.boolean(ctx(n), v);
    }
}

// ---------------------------------------------------------------------------------------------
// Character strings.

/// The contents of a character string as `str`. VisibleString, GraphicString and MMSString
/// (UTF8String) all decode here; a peer's non-ASCII octets in a VisibleString are accepted when
/// they are valid UTF-8 (tolerance) and refused otherwise.
#[inline(always)]
pub fn string<'a>(tlv: &Tlv<'a>) -> Result<Cow<'a, str>> {
    let bytes = tlv.octets()?;
    std::str::from_utf8(bytes)
        .map(Cow::Borrowed)
        .map_err(|_| BerError::InvalidValue("character string").into())
}

/// A string that ISO 9506-2:1990 declares VisibleString and the 2003 edition MMSString
/// (UTF8String): either tag is accepted (the encoders write VisibleString).
pub fn visible_or_mms_string<'a>(tlv: &Tlv<'a>) -> Result<Cow<'a, str>> {
    if tlv.tag == VISIBLE_STRING || tlv.tag == UTF8_STRING {
        string(tlv)
    } else {
        Err(BerError::UnexpectedTag {
            expected: VISIBLE_STRING,
            found: tlv.tag,
        }
        .into())
    }
}

/// Writes a character string with `tag`.
pub fn write_string(w: &mut Writer, tag: Tag, s: &str) {
    w.octets(tag, s.as_bytes());
}

/// An OCTET STRING's contents.
#[inline]
pub fn octets<'a>(tlv: &Tlv<'a>) -> Result<Cow<'a, [u8]>> {
    Ok(Cow::Borrowed(tlv.octets()?))
}

/// An OBJECT IDENTIFIER, borrowed.
pub fn oid<'a>(tlv: &Tlv<'a>) -> Result<Oid<'a>> {
    Ok(tlv.oid()?)
}

// ---------------------------------------------------------------------------------------------
// Sequence decoding.

/// Reads the fields of a SEQUENCE in order. Thin sugar over [`Reader`] for the common
/// "mandatory / optional / defaulted" field patterns.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    r: Reader<'a>,
}

impl<'a> Fields<'a> {
    /// Starts reading the elements of the constructed value `tlv`.
    #[inline(always)]
    pub fn new(tlv: &Tlv<'a>) -> Result<Fields<'a>> {
        Ok(Fields { r: tlv.reader()? })
    }

    /// The next element, which must be present.
    #[inline(always)]
    pub fn next(&mut self, what: &'static str) -> Result<Tlv<'a>> {
        self.r
            .read_optional()?
            .ok_or(DecodeError::Ber(BerError::Missing(what)))
    }

    /// The next element, which must carry `tag`.
    #[inline(always)]
    pub fn req(&mut self, tag: Tag, what: &'static str) -> Result<Tlv<'a>> {
        let t = self.next(what)?;
        expect_tag(&t, tag)?;
        Ok(t)
    }

    /// The next element if it carries `tag` (class and number; the form is not compared, so a
    /// decoder can report a wrong form precisely).
    #[inline(always)]
    pub fn opt(&mut self, tag: Tag) -> Result<Option<Tlv<'a>>> {
        Ok(self
            .r
            .read_if_tag(|t| t.class == tag.class && t.number == tag.number)?)
    }

    /// The next element if its tag satisfies `pred` (for untagged CHOICE fields).
    #[inline(always)]
    pub fn opt_if(&mut self, pred: impl FnOnce(Tag) -> bool) -> Result<Option<Tlv<'a>>> {
        Ok(self.r.read_if_tag(pred)?)
    }

    /// The next element, which must be the EXPLICIT-tagged CHOICE `[n] T`.
    #[inline(always)]
    pub fn req_choice<T: Choice<'a>>(&mut self, n: u32, what: &'static str) -> Result<T> {
        explicit_choice(&self.req(ctx_c(n), what)?)
    }

    /// The next element if it carries `[n]`, decoded as the EXPLICIT-tagged CHOICE `T` (a
    /// primitive `[n]` is refused as a wrong form).
    #[inline(always)]
    pub fn opt_choice<T: Choice<'a>>(&mut self, n: u32) -> Result<Option<T>> {
        self.opt(ctx_c(n))?.map(|t| explicit_choice(&t)).transpose()
    }

    /// The next element if it carries `tag`, decoded by `f`.
    #[inline(always)]
    pub fn opt_map<T>(
        &mut self,
        tag: Tag,
        f: impl FnOnce(&Tlv<'a>) -> Result<T>,
    ) -> Result<Option<T>> {
        self.opt(tag)?.map(|t| f(&t)).transpose()
    }

    /// An IMPLICIT `[n] BOOLEAN DEFAULT default` field (`moreFollows`, `echo`, `reusable`, ...):
    /// the default when absent.
    #[inline(always)]
    pub fn bool_default(&mut self, n: u32, default: bool) -> Result<bool> {
        Ok(self.opt_map(ctx(n), boolean)?.unwrap_or(default))
    }

    /// True when no element is left.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.r.is_empty()
    }

    /// Fails unless every element has been read. Decoders call this last: unknown trailing
    /// elements are an error (ISO 9506-2 types have no extension markers).
    #[inline(always)]
    pub fn finish(self) -> Result<()> {
        Ok(self.r.finish()?)
    }
}

/// A well-formed BER value kept as received, for the few places ISO 9506-2 leaves open
/// (`EXTERNAL`, `ANY`-like companion-standard detail) or where this codec defers decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawValue<'a>(pub Cow<'a, [u8]>);

impl<'a> RawValue<'a> {
    /// Keeps `tlv` exactly as received (identifier, length and contents).
    pub fn from_tlv(tlv: &Tlv<'a>) -> RawValue<'a> {
        RawValue(Cow::Borrowed(tlv.raw))
    }

    /// Writes the value back unchanged.
    pub fn encode(&self, w: &mut Writer) {
        w.raw(&self.0);
    }

    /// Reads the stored value again as a [`Tlv`].
    pub fn tlv(&self) -> Result<Tlv<'_>> {
        let mut r = Reader::new(&self.0);
        let t = r.read()?;
        r.finish()?;
        Ok(t)
    }

    /// Detaches the value from the input buffer.
    pub fn into_owned(self) -> RawValue<'static> {
        RawValue(Cow::Owned(self.0.into_owned()))
    }
}

/// Decodes one whole value from `input` (nothing may follow it) with a nesting budget, and hands
/// it to `f`. Entry point used by the PDU decoders and by tests.
pub fn decode_one<'a, T>(
    input: &'a [u8],
    max_depth: u16,
    f: impl FnOnce(&Tlv<'a>) -> Result<T>,
) -> Result<T> {
    let mut r = Reader::with_depth(input, max_depth);
    let tlv = r.read()?;
    r.finish()?;
    f(&tlv)
}

/// Encodes with `f` into a fresh buffer and returns the octets (convenience for tests and
/// callers that do not keep a [`Writer`]).
pub fn to_vec(f: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer::new();
    f(&mut w);
    w.into_vec()
}

/// One alternative of `ConfirmedServiceRequest`, `ConfirmedServiceResponse` or
/// `UnconfirmedService` (ISO 9506-2 §7.2–§7.4): a service's request or response body.
pub trait Service<'a>: Sized {
    /// The alternative's context tag number in its CHOICE (e.g. 4 for read).
    const TAG: u32;

    /// Decodes the alternative from its TLV, whose tag number the caller matched to
    /// [`Service::TAG`]. The implementation checks the form and handles IMPLICIT or EXPLICIT
    /// tagging as the ASN.1 says.
    fn decode_service(tlv: &Tlv<'a>) -> Result<Self>;

    /// Writes the alternative, tag included.
    fn encode_service(&self, w: &mut Writer);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_round_trip_and_limits() {
        for v in [
            0u64,
            1,
            127,
            128,
            255,
            256,
            0x7FFF_FFFF,
            0xFFFF_FFFF,
            u64::MAX,
        ] {
            let b = to_vec(|w| write_uint(w, Tag::INTEGER, v));
            let got = decode_one(&b, 4, uint).unwrap();
            assert_eq!(got, v, "{b:02x?}");
        }
        assert_eq!(to_vec(|w| write_uint(w, Tag::INTEGER, 128)), [2, 2, 0, 128]);
        assert_eq!(to_vec(|w| write_uint(w, Tag::INTEGER, 0)), [2, 1, 0]);
        // negative
        assert_eq!(
            decode_one(&[2, 1, 0xFF], 4, uint),
            Err(DecodeError::OutOfRange("unsigned INTEGER"))
        );
        // ten octets
        assert!(decode_one(&[2, 10, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], 4, uint).is_err());
        // redundant leading zeros tolerated
        assert_eq!(decode_one(&[2, 3, 0, 0, 5], 4, uint), Ok(5));
        assert_eq!(
            decode_one(&[2, 5, 1, 0, 0, 0, 0], 4, uint32),
            Err(DecodeError::OutOfRange("Unsigned32"))
        );
    }

    #[test]
    fn seq_of_counts_before_allocating() {
        // SEQUENCE { INTEGER 1, INTEGER 2, INTEGER 3 }
        let b = [0x30, 9, 2, 1, 1, 2, 1, 2, 2, 1, 3];
        let v = decode_one(&b, 4, |t| seq_of(t, int)).unwrap();
        assert_eq!(v, [1, 2, 3]);
        assert_eq!(v.capacity(), 3);
        let enc =
            to_vec(|w| write_seq_of(w, Tag::SEQUENCE, &v, |w, x| w.integer(Tag::INTEGER, *x)));
        assert_eq!(enc, b);
    }

    #[test]
    #[allow(clippy::bool_assert_comparison)]
    fn fields_optional_and_trailing() {
        // SEQUENCE { [0] 5, [2] 7 }
        let b = [0x30, 6, 0x80, 1, 5, 0x82, 1, 7];
        decode_one(&b, 4, |t| {
            let mut f = Fields::new(t)?;
            assert_eq!(f.opt(ctx(0))?.map(|t| int(&t)).transpose()?, Some(5));
            assert!(f.opt(ctx(1))?.is_none());
            let x = f.req(ctx(2), "x")?;
            assert_eq!(int(&x)?, 7);
            assert!(f.next("y").is_err());
            f.finish()
        })
        .unwrap();
        let r = decode_one(&b, 4, |t| {
            let mut f = Fields::new(t)?;
            f.req(ctx(0), "a")?;
            f.finish()
        });
        assert_eq!(r, Err(DecodeError::Ber(BerError::TrailingData(3))));
    }

    #[test]
    fn explicit_needs_exactly_one_value() {
        let b = [0xA1, 3, 2, 1, 9];
        assert_eq!(decode_one(&b, 4, |t| int(&explicit(t)?)), Ok(9));
        let b2 = [0xA1, 6, 2, 1, 9, 2, 1, 9];
        assert!(decode_one(&b2, 4, |t| int(&explicit(t)?)).is_err());
        let enc = to_vec(|w| write_explicit(w, 1, |w| w.integer(Tag::INTEGER, 9)));
        assert_eq!(enc, b);
    }

    #[test]
    fn strings_and_null() {
        let b = [0x1A, 3, b'a', b'b', b'c'];
        assert_eq!(decode_one(&b, 4, string).unwrap(), "abc");
        assert!(decode_one(&[0x1A, 1, 0xFF], 4, string).is_err());
        assert_eq!(decode_one(&[0x82, 0], 4, null), Ok(()));
        assert!(decode_one(&[0x82, 1, 0], 4, null).is_err());
    }
}

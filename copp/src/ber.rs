//! Basic Encoding Rules (ITU-T X.690) for the presentation transfer syntax `{joint-iso-itu-t
//! asn1(1) basic-encoding(1)}` (2.1.1), the only transfer syntax ISO 8823-1 peers use in practice.
//!
//! This is the one BER reader and writer of the stack: the presentation PPDUs, the ACSE APDUs and
//! (later) the MMS PDUs are all built on it.
//!
//! * Reading is zero-copy: a [`Tlv`] borrows its contents from the input. Identifier and length
//!   octets are decoded by `asn1-rs`; everything else (walking constructed values, the
//!   end-of-contents search for indefinite lengths, nesting limits) is here. Every length is
//!   checked against what remains before anything is sliced, and nesting is bounded by
//!   [`Reader::with_depth`], so no input can panic, recurse without bound or allocate.
//! * Writing is back to front ([`Writer`]): contents are written first and their identifier and
//!   length octets prepended afterwards, so every length is known when it is written and nothing
//!   is shifted or copied twice (X.690 §8.1.3 definite form, shortest length encoding).

pub mod time;

use std::borrow::Cow;
use std::fmt;

pub use asn1_rs::Oid;
use asn1_rs::{FromBer, Header, Length};

/// Default bound on the nesting depth of constructed values a [`Reader`] will enter.
///
/// Presentation and ACSE PDUs nest about ten levels deep; MMS data a few levels per structure
/// level. A peer sending deeper input gets [`BerError::TooDeep`].
pub const DEFAULT_MAX_DEPTH: u16 = 64;

/// Errors found while reading or writing BER (X.690 §8.1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BerError {
    /// The input ended inside identifier or length octets, or before the contents ended.
    #[error("BER value truncated: needs {needed} more octet(s)")]
    Truncated {
        /// How many more octets were needed, as far as is known.
        needed: usize,
    },
    /// Identifier or length octets that X.690 §8.1.2/§8.1.3 does not allow (e.g. length
    /// octet 0xFF, a length that does not fit, indefinite length on a primitive value).
    #[error("invalid BER identifier or length octets")]
    InvalidHeader,
    /// An indefinite-length value whose end-of-contents octets were never found.
    #[error("indefinite-length value without end-of-contents octets")]
    MissingEndOfContents,
    /// Constructed values nested deeper than the reader's limit.
    #[error("BER nesting deeper than the limit of {limit}")]
    TooDeep {
        /// The limit in force.
        limit: u16,
    },
    /// A value with a tag other than the one the ASN.1 type requires at this position.
    #[error("unexpected tag {found}, expected {expected}")]
    UnexpectedTag {
        /// What the type requires.
        expected: Tag,
        /// What the input held.
        found: Tag,
    },
    /// A value that is primitive where the type needs constructed, or the reverse.
    #[error("tag {0} has the wrong form (primitive/constructed)")]
    WrongForm(Tag),
    /// Octets left over after a value that should have consumed its container.
    #[error("{0} unexpected octet(s) after the last element")]
    TrailingData(usize),
    /// An INTEGER with no contents octets, or one that does not fit the Rust type.
    #[error("invalid or out-of-range INTEGER")]
    InvalidInteger,
    /// An OBJECT IDENTIFIER whose contents octets are not a valid X.690 §8.19 encoding.
    #[error("invalid OBJECT IDENTIFIER encoding")]
    InvalidOid,
    /// A BIT STRING whose initial octet is above 7 or set with no following octets (X.690 §8.6.2).
    #[error("invalid BIT STRING encoding")]
    InvalidBitString,
    /// A BOOLEAN whose contents are not exactly one octet (X.690 §8.2.1).
    #[error("invalid BOOLEAN encoding")]
    InvalidBoolean,
    /// A required element of a SEQUENCE or SET is missing.
    #[error("missing mandatory element {0}")]
    Missing(&'static str),
    /// A value not allowed by the ASN.1 type at this position (e.g. an unknown CHOICE tag).
    #[error("invalid value for {0}")]
    InvalidValue(&'static str),
}

/// The class of a tag (X.680 §8.1, X.690 §8.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// UNIVERSAL.
    Universal = 0,
    /// APPLICATION.
    Application = 1,
    /// Context-specific.
    Context = 2,
    /// PRIVATE.
    Private = 3,
}

/// A BER tag: class, primitive/constructed form and number (X.690 §8.1.2).
///
/// Aligned to eight octets so that a tag inside an error value (`BerError::UnexpectedTag`)
/// lines up with the slices of a [`Tlv`] or [`Reader`] sharing a `Result` with it: the optimiser
/// then moves those results as whole words instead of split, misaligned pieces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(align(8))]
pub struct Tag {
    /// The tag class.
    pub class: Class,
    /// True for the constructed form.
    pub constructed: bool,
    /// The tag number.
    pub number: u32,
}

impl Tag {
    /// A UNIVERSAL tag.
    pub const fn universal(number: u32, constructed: bool) -> Tag {
        Tag {
            class: Class::Universal,
            constructed,
            number,
        }
    }
    /// An APPLICATION tag.
    pub const fn application(number: u32, constructed: bool) -> Tag {
        Tag {
            class: Class::Application,
            constructed,
            number,
        }
    }
    /// A context-specific tag.
    pub const fn context(number: u32, constructed: bool) -> Tag {
        Tag {
            class: Class::Context,
            constructed,
            number,
        }
    }
    /// BOOLEAN (UNIVERSAL 1).
    pub const BOOLEAN: Tag = Tag::universal(1, false);
    /// INTEGER (UNIVERSAL 2).
    pub const INTEGER: Tag = Tag::universal(2, false);
    /// BIT STRING (UNIVERSAL 3), primitive form.
    pub const BIT_STRING: Tag = Tag::universal(3, false);
    /// OCTET STRING (UNIVERSAL 4), primitive form.
    pub const OCTET_STRING: Tag = Tag::universal(4, false);
    /// NULL (UNIVERSAL 5).
    pub const NULL: Tag = Tag::universal(5, false);
    /// OBJECT IDENTIFIER (UNIVERSAL 6).
    pub const OID: Tag = Tag::universal(6, false);
    /// EXTERNAL (UNIVERSAL 8), always constructed.
    pub const EXTERNAL: Tag = Tag::universal(8, true);
    /// ENUMERATED (UNIVERSAL 10).
    pub const ENUMERATED: Tag = Tag::universal(10, false);
    /// SEQUENCE / SEQUENCE OF (UNIVERSAL 16), constructed.
    pub const SEQUENCE: Tag = Tag::universal(16, true);
    /// SET / SET OF (UNIVERSAL 17), constructed.
    pub const SET: Tag = Tag::universal(17, true);
    /// GraphicString (UNIVERSAL 25), primitive form.
    pub const GRAPHIC_STRING: Tag = Tag::universal(25, false);
    /// GeneralizedTime (UNIVERSAL 24).
    pub const GENERALIZED_TIME: Tag = Tag::universal(24, false);

    /// The same class and number in the constructed form.
    pub const fn as_constructed(self) -> Tag {
        Tag {
            constructed: true,
            ..self
        }
    }

    /// Class and number equal, whatever the form: used where X.690 allows both forms (strings).
    pub fn same_type(self, other: Tag) -> bool {
        self.class == other.class && self.number == other.number
    }

    /// The number of identifier octets this tag needs (X.690 §8.1.2.4 for numbers above 30).
    pub fn encoded_len(self) -> usize {
        if self.number < 31 {
            1
        } else {
            1 + base128_len(u64::from(self.number))
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = match self.class {
            Class::Universal => "UNIVERSAL ",
            Class::Application => "APPLICATION ",
            Class::Context => "",
            Class::Private => "PRIVATE ",
        };
        let form = if self.constructed { "c" } else { "p" };
        write!(f, "[{class}{}]{form}", self.number)
    }
}

/// One BER value as received: its tag, contents octets, and the whole encoding (X.690 §8.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct Tlv<'a> {
    /// The identifier.
    pub tag: Tag,
    /// The contents octets. For an indefinite-length value these exclude the end-of-contents
    /// octets.
    pub contents: &'a [u8],
    /// Identifier, length, contents (and end-of-contents) octets exactly as received: what a
    /// signature or an integrity check covers.
    pub raw: &'a [u8],
    /// True when the value used the indefinite length form (X.690 §8.1.3.6).
    pub indefinite: bool,
    /// How many more levels of constructed values may be entered below this one.
    depth_left: u16,
}

impl<'a> Tlv<'a> {
    /// A reader over the elements of this constructed value, one nesting level deeper.
    #[inline(always)]
    pub fn reader(&self) -> Result<Reader<'a>, BerError> {
        if !self.tag.constructed {
            return Err(BerError::WrongForm(self.tag));
        }
        Ok(Reader {
            input: self.contents,
            depth_left: self.depth_left,
        })
    }

    /// Fails unless this value carries `tag` (class, number and form).
    #[inline(always)]
    pub fn expect(self, tag: Tag) -> Result<Tlv<'a>, BerError> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(BerError::UnexpectedTag {
                expected: tag,
                found: self.tag,
            })
        }
    }

    /// The contents as an INTEGER (X.690 §8.3), for values that fit an `i64`.
    #[inline(always)]
    pub fn integer(&self) -> Result<i64, BerError> {
        decode_integer(self.prim()?)
    }

    /// The contents as a non-negative INTEGER that fits a `u32`.
    #[inline(always)]
    pub fn u32(&self) -> Result<u32, BerError> {
        u32::try_from(self.integer()?).map_err(|_| BerError::InvalidInteger)
    }

    /// The contents as an OBJECT IDENTIFIER (X.690 §8.19), borrowed and validated.
    pub fn oid(&self) -> Result<Oid<'a>, BerError> {
        let c = self.prim()?;
        validate_oid(c)?;
        Ok(Oid::new(Cow::Borrowed(c)))
    }

    /// The contents as a BOOLEAN (X.690 §8.2: any non-zero octet is TRUE).
    #[inline(always)]
    pub fn boolean(&self) -> Result<bool, BerError> {
        match self.prim()? {
            [b] => Ok(*b != 0),
            _ => Err(BerError::InvalidBoolean),
        }
    }

    /// The contents of a primitive BIT STRING (X.690 §8.6.2): the number of unused bits in the
    /// last octet and the octets carrying the bits.
    ///
    /// The constructed (segmented) form is not accepted: no peer of this stack sends it for the
    /// short bit strings ACSE and presentation carry.
    #[inline]
    pub fn bit_string(&self) -> Result<BitString<'a>, BerError> {
        let c = self.prim()?;
        let (&unused, bits) = c.split_first().ok_or(BerError::InvalidBitString)?;
        if unused > 7 || (bits.is_empty() && unused != 0) {
            return Err(BerError::InvalidBitString);
        }
        Ok(BitString { unused, bits })
    }

    /// The contents of a primitive string type (OCTET STRING, GraphicString, ...).
    ///
    /// The constructed (segmented) string form is refused with [`BerError::WrongForm`]: it would
    /// need a copy to join the segments, and no peer of this stack uses it.
    #[inline(always)]
    pub fn octets(&self) -> Result<&'a [u8], BerError> {
        self.prim()
    }

    #[inline(always)]
    fn prim(&self) -> Result<&'a [u8], BerError> {
        if self.tag.constructed {
            Err(BerError::WrongForm(self.tag))
        } else {
            Ok(self.contents)
        }
    }
}

/// A BIT STRING's value as received (X.690 §8.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitString<'a> {
    /// Unused bits in the last octet (0..=7).
    pub unused: u8,
    /// The octets holding the bits, first bit in the most significant bit of the first octet.
    pub bits: &'a [u8],
}

impl BitString<'_> {
    /// The number of bits.
    pub fn len(&self) -> usize {
        self.bits.len() * 8 - usize::from(self.unused)
    }
    /// True when the string holds no bits.
    #[inline]
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
}

/// Reads consecutive BER values from a buffer (the contents of a constructed value, or a whole
/// PDU), with a bound on how deep constructed values may nest.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    input: &'a [u8],
    depth_left: u16,
}

impl<'a> Reader<'a> {
    /// A reader over `input` that enters at most [`DEFAULT_MAX_DEPTH`] levels.
    #[inline]
    pub fn new(input: &'a [u8]) -> Reader<'a> {
        Reader::with_depth(input, DEFAULT_MAX_DEPTH)
    }

    /// A reader over `input` that enters at most `max_depth` levels of constructed values.
    #[inline]
    pub fn with_depth(input: &'a [u8], max_depth: u16) -> Reader<'a> {
        Reader {
            input,
            depth_left: max_depth,
        }
    }

    /// True when every octet has been read.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.input.is_empty()
    }

    /// The octets not read yet.
    #[inline]
    pub fn remaining(&self) -> &'a [u8] {
        self.input
    }

    /// How many more levels of constructed values this reader may enter.
    #[inline(always)]
    pub fn depth_left(&self) -> u16 {
        self.depth_left
    }

    /// Moves past the first `n` octets of [`Reader::remaining`], which the caller has examined
    /// itself (a decoder's fast path for a shape it knows). Past the end, the reader is empty.
    #[inline(always)]
    pub fn skip(&mut self, n: usize) {
        self.input = self.input.get(n..).unwrap_or_default();
    }

    /// Reads the next value.
    #[inline(always)]
    pub fn read(&mut self) -> Result<Tlv<'a>, BerError> {
        if let Some(tlv) = self.read_short() {
            return Ok(tlv);
        }
        // By value, so that the reader itself never has to live in memory on the fast path.
        let (tlv, rest) = read_tlv_general(self.input, self.depth_left)?;
        self.input = rest;
        Ok(tlv)
    }

    /// The fast path of [`Reader::read`]: a one-octet identifier (tag number below 31) and a
    /// short-form definite length (below 128) that fits what remains, the form of nearly every
    /// value in an MMS PDU (X.690 §8.1.2.2, §8.1.3.4). Everything else, errors included, is left
    /// to [`Reader::read_general`], so both paths accept and reject exactly the same input.
    #[inline(always)]
    fn read_short(&mut self) -> Option<Tlv<'a>> {
        let input = self.input;
        let (&id, &l0) = match input {
            [id, l0, ..] => (id, l0),
            _ => return None,
        };
        if id & 0x1F == 0x1F || l0 >= 0x80 {
            return None;
        }
        let constructed = id & 0x20 != 0;
        let depth_left = if constructed {
            self.depth_left.checked_sub(1)?
        } else {
            self.depth_left
        };
        let end = 2 + usize::from(l0);
        if end > input.len() {
            return None;
        }
        let (raw, rest) = input.split_at(end);
        self.input = rest;
        Some(Tlv {
            tag: Tag {
                class: class_of(id),
                constructed,
                number: u32::from(id & 0x1F),
            },
            contents: raw.get(2..).unwrap_or_default(),
            raw,
            indefinite: false,
            depth_left,
        })
    }

    /// Reads the next value if there is one.
    #[inline(always)]
    pub fn read_optional(&mut self) -> Result<Option<Tlv<'a>>, BerError> {
        if self.input.is_empty() {
            Ok(None)
        } else {
            self.read().map(Some)
        }
    }

    /// The tag of the next value without consuming it; `None` at the end.
    #[inline]
    pub fn peek_tag(&self) -> Result<Option<Tag>, BerError> {
        match self.input {
            [] => Ok(None),
            // One identifier octet and a short-form length: nothing else to check.
            [id, l0, ..] if id & 0x1F != 0x1F && *l0 < 0x80 => Ok(Some(Tag {
                class: class_of(*id),
                constructed: id & 0x20 != 0,
                number: u32::from(id & 0x1F),
            })),
            _ => peek_tag_general(self.input).map(Some),
        }
    }

    /// Reads the next value if its tag satisfies `pred`; leaves the input alone otherwise (and
    /// at the end). The identifier and length octets are decoded once: this is
    /// [`Reader::peek_tag`] followed by [`Reader::read`], with the same results and errors.
    #[inline(always)]
    pub fn read_if_tag(
        &mut self,
        pred: impl FnOnce(Tag) -> bool,
    ) -> Result<Option<Tlv<'a>>, BerError> {
        let mut ahead = self.clone();
        if let Some(tlv) = ahead.read_short() {
            if pred(tlv.tag) {
                *self = ahead;
                return Ok(Some(tlv));
            }
            return Ok(None);
        }
        match self.peek_tag()? {
            Some(t) if pred(t) => self.read().map(Some),
            _ => Ok(None),
        }
    }

    /// Reads the next value and checks its tag.
    #[inline]
    pub fn read_tagged(&mut self, tag: Tag) -> Result<Tlv<'a>, BerError> {
        self.read()?.expect(tag)
    }

    /// Reads the next value if it carries `tag`; leaves the input alone otherwise.
    #[inline]
    pub fn read_if(&mut self, tag: Tag) -> Result<Option<Tlv<'a>>, BerError> {
        self.read_if_tag(|t| t == tag)
    }

    /// Fails with [`BerError::TrailingData`] unless every octet has been read.
    #[inline(always)]
    pub fn finish(&self) -> Result<(), BerError> {
        if self.input.is_empty() {
            Ok(())
        } else {
            Err(BerError::TrailingData(self.input.len()))
        }
    }
}

/// Identifier and length octets, decoded.
struct RawHeader {
    tag: Tag,
    /// `None` for the indefinite form.
    length: Option<usize>,
}

#[inline]
fn parse_header(input: &[u8]) -> Result<(usize, RawHeader), BerError> {
    match parse_header_common(input) {
        Some(h) => h,
        None => parse_header_asn1(input),
    }
}

/// The identifier and length forms that make up nearly all MMS, ACSE and presentation traffic
/// (tag numbers below 2^28 in at most five identifier octets, short or one- to four-octet long
/// definite lengths, indefinite length on a constructed value), decoded inline: a received MMS
/// PDU holds hundreds of values, and this is the hot loop of every decoder (X.690 §8.1.2,
/// §8.1.3). `None` hands anything else (e.g. a five-octet length) to `asn1-rs`.
/// The class bits of an identifier octet (X.690 §8.1.2.2).
#[inline(always)]
fn class_of(id: u8) -> Class {
    match id >> 6 {
        0 => Class::Universal,
        1 => Class::Application,
        2 => Class::Context,
        _ => Class::Private,
    }
}

#[inline]
fn parse_header_common(input: &[u8]) -> Option<Result<(usize, RawHeader), BerError>> {
    let (&id, rest) = input.split_first()?;
    let class = class_of(id);
    let constructed = id & 0x20 != 0;
    let mut pos = 1usize;
    let number = if id & 0x1F != 0x1F {
        u32::from(id & 0x1F)
    } else {
        // High tag number form: base-128 octets, the last with bit 8 clear (§8.1.2.4).
        let mut n: u32 = 0;
        let mut i = 0;
        loop {
            let Some(&b) = rest.get(i) else {
                return Some(Err(BerError::Truncated { needed: 1 }));
            };
            if i == 0 && b == 0x80 {
                return Some(Err(BerError::InvalidHeader));
            }
            n = (n << 7) | u32::from(b & 0x7F);
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            if i == 4 {
                return None;
            }
        }
        pos += i;
        n
    };
    let tag = Tag {
        class,
        constructed,
        number,
    };
    let Some(&l0) = input.get(pos) else {
        return Some(Err(BerError::Truncated { needed: 1 }));
    };
    pos += 1;
    let length = match l0 {
        0..=0x7F => Some(usize::from(l0)),
        0x80 if constructed => None,
        0x80 => return Some(Err(BerError::InvalidHeader)),
        0x81..=0x84 => {
            let n = usize::from(l0 & 0x7F);
            let Some(octets) = input.get(pos..pos + n) else {
                return Some(Err(BerError::Truncated {
                    needed: pos + n - input.len(),
                }));
            };
            pos += n;
            Some(
                octets
                    .iter()
                    .fold(0usize, |v, &b| (v << 8) | usize::from(b)),
            )
        }
        0xFF => return Some(Err(BerError::InvalidHeader)),
        _ => return None,
    };
    Some(Ok((pos, RawHeader { tag, length })))
}

fn parse_header_asn1(input: &[u8]) -> Result<(usize, RawHeader), BerError> {
    let (rest, hdr) = Header::from_ber(input).map_err(|e| match e {
        asn1_rs::nom::Err::Incomplete(asn1_rs::nom::Needed::Size(n)) => {
            BerError::Truncated { needed: n.get() }
        }
        asn1_rs::nom::Err::Incomplete(_) => BerError::Truncated { needed: 1 },
        _ => BerError::InvalidHeader,
    })?;
    let class = match hdr.class() {
        asn1_rs::Class::Universal => Class::Universal,
        asn1_rs::Class::Application => Class::Application,
        asn1_rs::Class::ContextSpecific => Class::Context,
        asn1_rs::Class::Private => Class::Private,
    };
    let tag = Tag {
        class,
        constructed: hdr.is_constructed(),
        number: hdr.tag().0,
    };
    let length = match hdr.length() {
        Length::Definite(n) => Some(n),
        Length::Indefinite => None,
    };
    Ok((input.len() - rest.len(), RawHeader { tag, length }))
}

/// The general path of [`Reader::read`] (every identifier and length form, and the errors),
/// kept out of line so the fast path stays small.
#[inline(never)]
fn read_tlv_general(input: &[u8], depth_left: u16) -> Result<(Tlv<'_>, &[u8]), BerError> {
    read_tlv(input, depth_left)
}

/// The general path of [`Reader::peek_tag`] on non-empty input.
#[inline(never)]
fn peek_tag_general(input: &[u8]) -> Result<Tag, BerError> {
    Ok(parse_header(input)?.1.tag)
}

/// Reads one value from the front of `input`; returns it and what follows it.
#[inline]
fn read_tlv(input: &[u8], depth_left: u16) -> Result<(Tlv<'_>, &[u8]), BerError> {
    let (hdr_len, hdr) = parse_header(input)?;
    let after_hdr = input
        .get(hdr_len..)
        .ok_or(BerError::Truncated { needed: 1 })?;
    let inner_depth = if hdr.tag.constructed {
        depth_left
            .checked_sub(1)
            .ok_or(BerError::TooDeep { limit: depth_left })?
    } else {
        depth_left
    };
    match hdr.length {
        Some(len) => {
            if len > after_hdr.len() {
                return Err(BerError::Truncated {
                    needed: len - after_hdr.len(),
                });
            }
            let (contents, rest) = after_hdr.split_at(len);
            let raw = &input[..hdr_len + len];
            Ok((
                Tlv {
                    tag: hdr.tag,
                    contents,
                    raw,
                    indefinite: false,
                    depth_left: inner_depth,
                },
                rest,
            ))
        }
        None => {
            // X.690 §8.1.3.6: the contents are a series of complete values ended by 00 00.
            let len = indefinite_contents_len(after_hdr, inner_depth)?;
            let contents = &after_hdr[..len];
            let raw = &input[..hdr_len + len + 2];
            let rest = &after_hdr[len + 2..];
            Ok((
                Tlv {
                    tag: hdr.tag,
                    contents,
                    raw,
                    indefinite: true,
                    depth_left: inner_depth,
                },
                rest,
            ))
        }
    }
}

/// The length of the contents of an indefinite-length value, up to (not including) its
/// end-of-contents octets. Guarantees that `len + 2 <= input.len()`.
fn indefinite_contents_len(input: &[u8], depth_left: u16) -> Result<usize, BerError> {
    let mut pos = 0usize;
    loop {
        let rest = input.get(pos..).ok_or(BerError::MissingEndOfContents)?;
        match rest {
            [0, 0, ..] => return Ok(pos),
            [] | [0] => return Err(BerError::MissingEndOfContents),
            _ => {
                let (tlv, after) = read_tlv(rest, depth_left).map_err(|e| match e {
                    BerError::Truncated { .. } => BerError::MissingEndOfContents,
                    other => other,
                })?;
                if tlv.raw.is_empty() {
                    return Err(BerError::InvalidHeader);
                }
                pos = input.len() - after.len();
            }
        }
    }
}

/// The value of INTEGER contents octets (X.690 §8.3) that fit an `i64`; redundant leading
/// octets are tolerated.
#[inline]
pub fn decode_integer(c: &[u8]) -> Result<i64, BerError> {
    let (&first, _) = c.split_first().ok_or(BerError::InvalidInteger)?;
    // Leading sign-extension octets are tolerated (X.690 §8.3.2 asks senders not to send them,
    // some peers do); the value itself must fit.
    let mut skip = 0;
    while skip + 1 < c.len()
        && ((c[skip] == 0 && c[skip + 1] & 0x80 == 0)
            || (c[skip] == 0xFF && c[skip + 1] & 0x80 != 0))
    {
        skip += 1;
    }
    let c = &c[skip..];
    if c.len() > 8 {
        return Err(BerError::InvalidInteger);
    }
    let mut v: i64 = if first & 0x80 != 0 { -1 } else { 0 };
    for &b in c {
        v = (v << 8) | i64::from(b);
    }
    Ok(v)
}

/// Checks that `c` is a valid OBJECT IDENTIFIER contents encoding (X.690 §8.19): at least one
/// subidentifier, each ending with an octet whose top bit is clear and none starting with 0x80.
pub fn validate_oid(c: &[u8]) -> Result<(), BerError> {
    let mut start = true;
    for &b in c {
        if start && b == 0x80 {
            return Err(BerError::InvalidOid);
        }
        start = b & 0x80 == 0;
    }
    if c.is_empty() || !start {
        return Err(BerError::InvalidOid);
    }
    Ok(())
}

/// Builds an owned OBJECT IDENTIFIER from its arcs, for configuration.
pub fn oid_from_arcs(arcs: &[u64]) -> Result<Oid<'static>, BerError> {
    Oid::from(arcs).map_err(|_| BerError::InvalidOid)
}

/// Parses dotted text (`1.0.9506.2.1`) into an owned OBJECT IDENTIFIER, for configuration.
pub fn oid_from_str(s: &str) -> Result<Oid<'static>, BerError> {
    let arcs: Result<Vec<u64>, _> = s.split('.').map(str::parse::<u64>).collect();
    oid_from_arcs(&arcs.map_err(|_| BerError::InvalidOid)?)
}

fn base128_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

/// The number of octets a definite length takes (X.690 §8.1.3.4/§8.1.3.5, shortest form).
pub fn length_len(len: usize) -> usize {
    if len < 0x80 {
        1
    } else {
        1 + (usize::BITS as usize / 8 - len.leading_zeros() as usize / 8)
    }
}

/// The number of octets of a whole value with this tag and contents length.
pub fn tlv_len(tag: Tag, contents_len: usize) -> usize {
    tag.encoded_len() + length_len(contents_len) + contents_len
}

/// Identifier and length octets for `tag` and `contents_len`, in the last octets of the
/// returned array from the returned index on (X.690 §8.1.2 and §8.1.3, shortest forms).
fn encode_header(tag: Tag, contents_len: usize) -> ([u8; 16], usize) {
    let mut buf = [0u8; 16];
    let mut i = buf.len();
    let mut put = |b: u8| {
        i -= 1;
        buf[i] = b;
    };
    if contents_len < 0x80 {
        put(contents_len as u8);
    } else {
        let mut n = 0u8;
        let mut l = contents_len;
        while l > 0 {
            put((l & 0xFF) as u8);
            l >>= 8;
            n += 1;
        }
        put(0x80 | n);
    }
    let lead = ((tag.class as u8) << 6) | if tag.constructed { 0x20 } else { 0 };
    if tag.number < 31 {
        put(lead | tag.number as u8);
    } else {
        let mut v = tag.number;
        put((v & 0x7F) as u8);
        v >>= 7;
        while v > 0 {
            put(0x80 | (v & 0x7F) as u8);
            v >>= 7;
        }
        put(lead | 0x1F);
    }
    (buf, i)
}

/// Writes identifier and length octets for `tag` and `contents_len` to the front of `out`
/// without allocating; returns how many octets were written, or `None` if `out` is too short.
/// Used on the data path to build the few header octets in front of user data.
pub fn write_header_into(out: &mut [u8], tag: Tag, contents_len: usize) -> Option<usize> {
    let (buf, start) = encode_header(tag, contents_len);
    let bytes = &buf[start..];
    out.get_mut(..bytes.len())?.copy_from_slice(bytes);
    Some(bytes.len())
}

/// A BER encoder that writes back to front: contents first, then the identifier and length
/// octets in front of them. The finished encoding is [`Writer::as_slice`].
///
/// ```
/// use copp::ber::{Tag, Writer};
/// let mut w = Writer::new();
/// let mark = w.mark();
/// w.integer(Tag::INTEGER, 3);
/// w.octets(Tag::OCTET_STRING, b"hi");
/// // Elements were prepended, so the OCTET STRING comes first: write in reverse order.
/// w.wrap(mark, Tag::SEQUENCE);
/// assert_eq!(w.as_slice(), &[0x30, 0x07, 0x04, 0x02, b'h', b'i', 0x02, 0x01, 0x03]);
/// ```
///
/// Because values are prepended, the elements of a SEQUENCE are written last element first.
#[derive(Debug, Clone, Default)]
pub struct Writer {
    buf: Vec<u8>,
    start: usize,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Writer {
        Writer::with_capacity(256)
    }

    /// An empty writer with room for `n` octets before it reallocates.
    pub fn with_capacity(n: usize) -> Writer {
        Writer {
            buf: vec![0; n],
            start: n,
        }
    }

    /// The number of octets written so far.
    pub fn len(&self) -> usize {
        self.buf.len() - self.start
    }

    /// True when nothing has been written.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The encoding written so far.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// The encoding as an owned vector.
    pub fn into_vec(mut self) -> Vec<u8> {
        self.buf.drain(..self.start);
        self.buf
    }

    /// The octets allocated (written or not).
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// Forgets what was written, keeping the allocation.
    pub fn clear(&mut self) {
        self.start = self.buf.len();
    }

    /// A position to pass to [`Writer::wrap`] once the contents of a constructed value have
    /// been written.
    pub fn mark(&self) -> usize {
        self.len()
    }

    #[inline]
    fn reserve_front(&mut self, n: usize) {
        if self.start < n {
            self.grow_front(n);
        }
    }

    #[cold]
    fn grow_front(&mut self, n: usize) {
        let used = self.len();
        let new_cap = (self.buf.len() * 2).max(used + n).max(64);
        let mut nb = vec![0u8; new_cap];
        let new_start = new_cap - used;
        nb[new_start..].copy_from_slice(&self.buf[self.start..]);
        self.buf = nb;
        self.start = new_start;
    }

    /// Prepends raw octets (an already encoded value, or contents).
    #[inline]
    pub fn raw(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        self.reserve_front(n);
        self.start -= n;
        let s = self.start;
        let dst = &mut self.buf[s..s + n];
        if n <= 8 {
            // Most contents are a few octets: a call to memmove costs more than the copy.
            for (d, b) in dst.iter_mut().zip(bytes) {
                *d = *b;
            }
        } else {
            dst.copy_from_slice(bytes);
        }
    }

    /// Prepends identifier and length octets for a value whose `contents_len` contents octets
    /// are already written.
    #[inline]
    pub fn header(&mut self, tag: Tag, contents_len: usize) {
        // The common form (tag number below 31, short length) is two octets written in place;
        // the rest goes through `encode_header`. Both give the same octets.
        if contents_len < 0x80 && tag.number < 31 {
            self.reserve_front(2);
            self.start -= 2;
            let s = self.start;
            let lead = ((tag.class as u8) << 6) | if tag.constructed { 0x20 } else { 0 };
            self.buf[s] = lead | tag.number as u8;
            self.buf[s + 1] = contents_len as u8;
            return;
        }
        let (buf, start) = encode_header(tag, contents_len);
        self.raw(&buf[start..]);
    }

    /// Wraps everything written since `mark` into a value tagged `tag`.
    pub fn wrap(&mut self, mark: usize, tag: Tag) {
        let len = self.len() - mark;
        self.header(tag, len);
    }

    /// Prepends a primitive value with the given contents.
    #[inline]
    pub fn octets(&mut self, tag: Tag, contents: &[u8]) {
        self.raw(contents);
        self.header(tag, contents.len());
    }

    /// Prepends an INTEGER (X.690 §8.3, minimal two's complement).
    #[inline]
    pub fn integer(&mut self, tag: Tag, v: i64) {
        let bytes = v.to_be_bytes();
        let mut skip = 0;
        while skip < 7
            && ((bytes[skip] == 0 && bytes[skip + 1] & 0x80 == 0)
                || (bytes[skip] == 0xFF && bytes[skip + 1] & 0x80 != 0))
        {
            skip += 1;
        }
        self.octets(tag, &bytes[skip..]);
    }

    /// Prepends a BOOLEAN. X.690 §8.2.2 allows any non-zero octet for TRUE; at least one field
    /// device rejects 0xFF, so TRUE is sent as 0x01.
    #[inline]
    pub fn boolean(&mut self, tag: Tag, v: bool) {
        self.octets(tag, &[u8::from(v)]);
    }

    /// Prepends an OBJECT IDENTIFIER.
    pub fn oid(&mut self, tag: Tag, oid: &Oid<'_>) {
        self.octets(tag, oid.as_bytes());
    }

    /// Prepends a primitive BIT STRING with `unused` unused bits in its last octet.
    #[inline]
    pub fn bit_string(&mut self, tag: Tag, unused: u8, bits: &[u8]) {
        self.raw(bits);
        self.raw(&[unused]);
        self.header(tag, bits.len() + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_definite_and_nested() {
        // 30 06 02 01 05 04 01 AA
        let b = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xAA];
        let mut r = Reader::new(&b);
        let seq = r.read_tagged(Tag::SEQUENCE).unwrap();
        r.finish().unwrap();
        let mut inner = seq.reader().unwrap();
        assert_eq!(
            inner.read_tagged(Tag::INTEGER).unwrap().integer().unwrap(),
            5
        );
        assert_eq!(
            inner
                .read_tagged(Tag::OCTET_STRING)
                .unwrap()
                .octets()
                .unwrap(),
            &[0xAA]
        );
        inner.finish().unwrap();
        assert_eq!(seq.raw, &b[..]);
    }

    #[test]
    fn reads_indefinite_length() {
        // 30 80 02 01 05 A0 80 04 00 00 00 00 00, then 05 00
        let b = [
            0x30, 0x80, 0x02, 0x01, 0x05, 0xA0, 0x80, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
            0x00,
        ];
        let mut r = Reader::new(&b);
        let seq = r.read().unwrap();
        assert!(seq.indefinite);
        assert_eq!(seq.contents, &b[2..11]);
        assert_eq!(seq.raw, &b[..13]);
        let mut inner = seq.reader().unwrap();
        assert_eq!(inner.read().unwrap().integer().unwrap(), 5);
        let a0 = inner.read().unwrap();
        assert!(a0.indefinite);
        assert_eq!(a0.contents, &[0x04, 0x00]);
        inner.finish().unwrap();
        assert_eq!(r.read().unwrap().tag, Tag::NULL);
    }

    #[test]
    fn indefinite_without_eoc_is_an_error() {
        let b = [0x30, 0x80, 0x02, 0x01, 0x05];
        assert_eq!(Reader::new(&b).read(), Err(BerError::MissingEndOfContents));
        let b = [0x30, 0x80, 0x02, 0x01, 0x05, 0x00];
        assert_eq!(Reader::new(&b).read(), Err(BerError::MissingEndOfContents));
    }

    #[test]
    fn indefinite_primitive_is_refused() {
        assert_eq!(
            Reader::new(&[0x04, 0x80, 0x00, 0x00]).read(),
            Err(BerError::InvalidHeader)
        );
    }

    #[test]
    fn length_beyond_input_is_truncated_not_allocated() {
        // Claims 0x7FFFFFFF octets.
        let b = [0x04, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x00];
        assert!(matches!(
            Reader::new(&b).read(),
            Err(BerError::Truncated { .. })
        ));
        assert!(matches!(
            Reader::new(&[0x30]).read(),
            Err(BerError::Truncated { .. })
        ));
        assert!(matches!(
            Reader::new(&[]).read(),
            Err(BerError::Truncated { .. })
        ));
    }

    #[test]
    fn nesting_is_bounded_for_definite_and_indefinite() {
        let mut deep = Vec::new();
        for _ in 0..100 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        for _ in 0..100 {
            deep.extend_from_slice(&[0x00, 0x00]);
        }
        assert!(matches!(
            Reader::with_depth(&deep, 10).read(),
            Err(BerError::TooDeep { .. })
        ));
        // Definite: depth is enforced as readers are entered.
        let mut w = Writer::new();
        for _ in 0..20 {
            w.wrap(0, Tag::SEQUENCE);
        }
        let enc = w.into_vec();
        let mut tlv = Reader::with_depth(&enc, 5).read().unwrap();
        let mut err = None;
        for _ in 0..20 {
            match tlv.reader().and_then(|mut r| r.read()) {
                Ok(t) => tlv = t,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        assert!(matches!(err, Some(BerError::TooDeep { .. })));
    }

    #[test]
    fn integers() {
        for (v, enc) in [
            (0i64, &[0x00][..]),
            (127, &[0x7F]),
            (128, &[0x00, 0x80]),
            (-1, &[0xFF]),
            (-129, &[0xFF, 0x7F]),
            (65000, &[0x00, 0xFD, 0xE8]),
        ] {
            let mut w = Writer::new();
            w.integer(Tag::INTEGER, v);
            assert_eq!(&w.as_slice()[2..], enc, "{v}");
            assert_eq!(
                Reader::new(w.as_slice()).read().unwrap().integer().unwrap(),
                v
            );
        }
        // Non-minimal but valid BER from a lenient peer.
        assert_eq!(decode_integer(&[0x00, 0x00, 0x05]).unwrap(), 5);
        assert!(decode_integer(&[]).is_err());
        assert!(decode_integer(&[1, 2, 3, 4, 5, 6, 7, 8, 9]).is_err());
    }

    #[test]
    fn long_lengths_and_high_tags() {
        let data = vec![0x11u8; 300];
        let mut w = Writer::with_capacity(4);
        w.octets(Tag::context(30, false), &data);
        let enc = w.as_slice();
        assert_eq!(&enc[..4], &[0x9E, 0x82, 0x01, 0x2C]);
        let mut w = Writer::new();
        w.octets(Tag::application(200, false), &[1]);
        let t = Reader::new(w.as_slice()).read().unwrap();
        assert_eq!(t.tag, Tag::application(200, false));
        assert_eq!(tlv_len(Tag::context(30, false), 300), 304);
        assert_eq!(length_len(0x7F), 1);
        assert_eq!(length_len(0x80), 2);
        assert_eq!(length_len(0x1_0000), 4);
    }

    #[test]
    fn oids() {
        let o = oid_from_str("1.0.9506.2.1").unwrap();
        assert_eq!(o.as_bytes(), &[0x28, 0xCA, 0x22, 0x02, 0x01]);
        assert!(validate_oid(&[0x28, 0xCA]).is_err());
        assert!(validate_oid(&[0x80, 0x01]).is_err());
        assert!(validate_oid(&[]).is_err());
        let mut w = Writer::new();
        w.oid(Tag::OID, &o);
        let back = Reader::new(w.as_slice()).read().unwrap().oid().unwrap();
        assert_eq!(back, o);
        assert_eq!(back.to_id_string(), "1.0.9506.2.1");
    }

    #[test]
    fn bit_strings() {
        let t = Reader::new(&[0x8A, 0x02, 0x07, 0x80]).read().unwrap();
        let bs = t.bit_string().unwrap();
        assert_eq!(bs.len(), 1);
        assert!(bs.bit(0));
        assert!(!bs.bit(1));
        assert!(Reader::new(&[0x03, 0x01, 0x03])
            .read()
            .unwrap()
            .bit_string()
            .is_err());
        assert!(Reader::new(&[0x03, 0x02, 0x08, 0x00])
            .read()
            .unwrap()
            .bit_string()
            .is_err());
    }

    proptest::proptest! {
        /// The inline header decoder agrees with asn1-rs on every header both accept.
        #[test]
        fn inline_headers_agree_with_asn1_rs(data in proptest::collection::vec(proptest::num::u8::ANY, 1..12)) {
            if let Some(Ok((n, h))) = parse_header_common(&data) {
                let (m, g) = parse_header_asn1(&data).expect("asn1-rs accepts what the inline decoder accepts");
                proptest::prop_assert_eq!(n, m);
                proptest::prop_assert_eq!(h.tag, g.tag);
                proptest::prop_assert_eq!(h.length, g.length);
            }
        }

        #[test]
        fn random_input_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let mut r = Reader::with_depth(&data, 8);
            while let Ok(t) = r.read() {
                if t.tag.constructed {
                    let _ = t.reader().map(|mut rr| rr.read());
                }
                if r.is_empty() { break; }
            }
        }

        #[test]
        fn integer_round_trip(v in proptest::num::i64::ANY) {
            let mut w = Writer::new();
            w.integer(Tag::INTEGER, v);
            proptest::prop_assert_eq!(Reader::new(w.as_slice()).read().unwrap().integer().unwrap(), v);
        }

        #[test]
        fn octets_round_trip(tag in 0u32..5000, data in proptest::collection::vec(proptest::num::u8::ANY, 0..1000)) {
            let mut w = Writer::with_capacity(1);
            w.octets(Tag::context(tag, false), &data);
            let t = Reader::new(w.as_slice()).read().unwrap();
            proptest::prop_assert_eq!(t.tag, Tag::context(tag, false));
            proptest::prop_assert_eq!(t.contents, &data[..]);
            proptest::prop_assert_eq!(w.len(), tlv_len(Tag::context(tag, false), data.len()));
        }
    }
}

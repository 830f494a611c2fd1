//! A second opinion on encoded octets, for tests only.
//!
//! Round-trip tests encode a value with this stack's writer and decode it with this stack's
//! reader; a mistake the two share (a wrong tag, a wrong length form, an indefinite length, an
//! extra octet) passes such a test unnoticed. The functions here parse the same octets with the
//! generic parser of the `asn1-rs` crate instead, never with `copp::ber`, and check what the
//! writer promises (X.690 §10.1 and §8.1.2): every length definite and in its shortest form,
//! every tag number in its shortest form, no end-of-contents octets, nothing after the value.
//!
//! The file has no dependency but `asn1-rs` so that the test modules of `copp`, `acse`, `mms`
//! and `e2e-sec` can all include this one copy with `#[path]`.
#![allow(dead_code)] // each includer uses the parts it needs

use std::borrow::Cow;
use std::fmt;

use asn1_rs::{Any, CheckDerConstraints, DerConstraint, Error, FromDer, Oid, Tag};

/// Constructed values are entered at most this deep; deeper input is refused rather than
/// followed (MMS data in the property tests nests far less than this).
pub const MAX_DEPTH: usize = 128;

/// Universal class (the two high bits of the identifier octet, X.690 §8.1.2.2).
pub const UNIVERSAL: u8 = 0;
/// Application class.
pub const APPLICATION: u8 = 1;
/// Context-specific class.
pub const CONTEXT: u8 = 2;
/// Private class.
pub const PRIVATE: u8 = 3;

/// One value as `asn1-rs` saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node<'a> {
    /// 0 universal, 1 application, 2 context-specific, 3 private.
    pub class: u8,
    /// The constructed bit of the identifier octet.
    pub constructed: bool,
    /// The tag number.
    pub number: u32,
    /// Offset of the identifier octet in the walked input.
    pub offset: usize,
    /// Identifier and length octets together.
    pub header_len: usize,
    /// The definite length, i.e. the contents octets.
    pub contents: &'a [u8],
    /// The whole value: identifier, length and contents octets.
    pub raw: &'a [u8],
    /// The values inside a constructed value, in order (empty for a primitive one).
    pub children: Vec<Node<'a>>,
}

impl<'a> Node<'a> {
    /// The number of contents octets (the value of the length octets).
    pub fn contents_len(&self) -> usize {
        self.contents.len()
    }

    /// The `i`-th value inside this constructed value; panics with the tree when absent.
    pub fn child(&self, i: usize) -> &Node<'a> {
        self.children
            .get(i)
            .unwrap_or_else(|| panic!("no element {i} in {self}"))
    }

    /// The first value inside with this class and tag number; panics when there is none.
    pub fn find(&self, class: u8, number: u32) -> &Node<'a> {
        self.children
            .iter()
            .find(|c| c.class == class && c.number == number)
            .unwrap_or_else(|| panic!("no [{class}:{number}] in {self}"))
    }

    /// Like [`Node::find`], `None` when absent.
    pub fn get(&self, class: u8, number: u32) -> Option<&Node<'a>> {
        self.children
            .iter()
            .find(|c| c.class == class && c.number == number)
    }

    /// The contents read by `asn1-rs` as an INTEGER in DER form (X.690 §8.3.2: no redundant
    /// leading octet), whatever the tag (implicitly tagged integers included); panics otherwise.
    pub fn integer(&self) -> i64 {
        self.try_integer()
            .unwrap_or_else(|e| panic!("INTEGER at {}: {e}", self.offset))
    }

    /// Like [`Node::integer`], the reason as an error.
    pub fn try_integer(&self) -> Result<i64, String> {
        let any = self.primitive_as(Tag::Integer)?;
        <i64 as CheckDerConstraints>::check_constraints(&any).map_err(|e| format!("{e:?}"))?;
        any.as_i64().map_err(|e| format!("{e:?}"))
    }

    /// The contents read by `asn1-rs` as a non-negative INTEGER of up to 64 bits, whatever
    /// the tag; panics otherwise.
    pub fn unsigned(&self) -> u64 {
        let r = self.primitive_as(Tag::Integer).and_then(|any| {
            <u64 as CheckDerConstraints>::check_constraints(&any)
                .and_then(|()| any.as_u64())
                .map_err(|e| format!("{e:?}"))
        });
        r.unwrap_or_else(|e| panic!("INTEGER at {}: {e}", self.offset))
    }

    /// The contents read by `asn1-rs` as an OBJECT IDENTIFIER, in dotted form, whatever the
    /// tag; panics otherwise.
    pub fn oid(&self) -> String {
        let r = self.primitive_as(Tag::Oid).and_then(|any| {
            <Oid<'_> as CheckDerConstraints>::check_constraints(&any).map_err(|e| format!("{e:?}"))
        });
        if let Err(e) = r {
            panic!("OBJECT IDENTIFIER at {}: {e}", self.offset);
        }
        Oid::new(Cow::Borrowed(self.contents)).to_id_string()
    }

    /// The contents as a primitive value of universal type `tag` (undoing implicit tagging).
    fn primitive_as(&self, tag: Tag) -> Result<Any<'a>, String> {
        if self.constructed {
            return Err(format!("constructed, not a primitive {tag:?}"));
        }
        Ok(Any::from_tag_and_data(tag, self.contents))
    }

    /// The number of values in this tree, this one included.
    pub fn count(&self) -> usize {
        1 + self.children.iter().map(Node::count).sum::<usize>()
    }

    fn fmt_indented(&self, f: &mut fmt::Formatter<'_>, level: usize) -> fmt::Result {
        let class = ["UNIVERSAL", "APPLICATION", "CONTEXT", "PRIVATE"][usize::from(self.class)];
        let form = if self.constructed { "C" } else { "P" };
        writeln!(
            f,
            "{:w$}[{class} {}] {form} @{} len {}",
            "",
            self.number,
            self.offset,
            self.contents.len(),
            w = level * 2
        )?;
        for c in &self.children {
            c.fmt_indented(f, level + 1)?;
        }
        Ok(())
    }
}

impl fmt::Display for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_indented(f, 0)
    }
}

/// Why octets were refused. `offset` is where the offending value starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `asn1-rs` could not parse a value there (truncated, bad identifier or length octets).
    Parse { offset: usize, error: String },
    /// An indefinite length (X.690 §8.1.3.6; DER and this stack's writer use definite ones).
    Indefinite { offset: usize },
    /// A definite length written in more octets than needed (X.690 §10.1).
    LongLength {
        offset: usize,
        length_octets: usize,
        length: usize,
    },
    /// A tag number written in more identifier octets than needed (X.690 §8.1.2.4).
    LongTag { offset: usize, number: u32 },
    /// End-of-contents octets (`00 00`) or another [UNIVERSAL 0] value.
    EndOfContents { offset: usize },
    /// Octets left over after the value.
    Trailing { offset: usize, count: usize },
    /// Constructed values nested deeper than [`MAX_DEPTH`].
    TooDeep { offset: usize },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

/// Walks exactly one value filling all of `octets`.
pub fn walk(octets: &[u8]) -> Result<Node<'_>, Refusal> {
    let (node, used) = value(octets, 0, 0)?;
    if used != octets.len() {
        return Err(Refusal::Trailing {
            offset: used,
            count: octets.len() - used,
        });
    }
    Ok(node)
}

/// Walks a run of whole values filling all of `octets` (e.g. the contents of a SEQUENCE).
pub fn walk_all(octets: &[u8]) -> Result<Vec<Node<'_>>, Refusal> {
    elements(octets, 0, 0)
}

/// Walks `octets` as one value with the given class and tag number (and form, when `Some`),
/// panicking with a readable reason otherwise. The tree is returned for field checks.
pub fn expect<'a>(octets: &'a [u8], class: u8, constructed: Option<bool>, number: u32) -> Node<'a> {
    let node = walk(octets).unwrap_or_else(|r| {
        panic!(
            "asn1-rs refuses our encoding: {r}\n  octets: {}",
            hex(octets)
        )
    });
    let form_ok = constructed.map_or(true, |c| c == node.constructed);
    assert!(
        node.class == class && node.number == number && form_ok,
        "asn1-rs sees an outer tag other than [{class}:{number}] {constructed:?}:\n{node}  octets: {}",
        hex(octets)
    );
    node
}

/// Octets as spaced hex, for messages.
pub fn hex(octets: &[u8]) -> String {
    let shown: Vec<String> = octets.iter().take(96).map(|b| format!("{b:02x}")).collect();
    let more = if octets.len() > 96 { " ..." } else { "" };
    format!("{}{more}", shown.join(" "))
}

fn elements(mut input: &[u8], base: usize, depth: usize) -> Result<Vec<Node<'_>>, Refusal> {
    let mut out = Vec::new();
    let mut offset = base;
    while !input.is_empty() {
        let (node, used) = value(input, offset, depth)?;
        out.push(node);
        input = &input[used..];
        offset += used;
    }
    Ok(out)
}

/// One value at the start of `input` (found at `offset` of the walked octets); returns it and
/// the number of octets it takes.
fn value(input: &[u8], offset: usize, depth: usize) -> Result<(Node<'_>, usize), Refusal> {
    if depth > MAX_DEPTH {
        return Err(Refusal::TooDeep { offset });
    }
    // The strict (DER) entry point of asn1-rs: it refuses indefinite lengths itself.
    let (rest, any) = Any::from_der(input).map_err(|e| match e {
        asn1_rs::Err::Error(Error::DerConstraintFailed(DerConstraint::IndefiniteLength))
        | asn1_rs::Err::Failure(Error::DerConstraintFailed(DerConstraint::IndefiniteLength)) => {
            Refusal::Indefinite { offset }
        }
        other => Refusal::Parse {
            offset,
            error: format!("{other:?}"),
        },
    })?;
    let used = input.len() - rest.len();
    let contents = any.data;
    let header_len = used - contents.len();
    let number = any.header.tag().0;
    let class = any.header.class() as u8;
    let constructed = any.header.is_constructed();

    // asn1-rs accepts a length in any number of octets; the shortest is required here.
    let tag_octets = any
        .header
        .raw_tag()
        .map_or(header_len.saturating_sub(1), <[u8]>::len);
    let length_octets = header_len - tag_octets;
    if length_octets != shortest_length_octets(contents.len()) {
        return Err(Refusal::LongLength {
            offset,
            length_octets,
            length: contents.len(),
        });
    }
    if tag_octets != shortest_tag_octets(number) {
        return Err(Refusal::LongTag { offset, number });
    }
    if class == UNIVERSAL && number == 0 {
        return Err(Refusal::EndOfContents { offset });
    }

    let children = if constructed {
        elements(contents, offset + header_len, depth + 1)?
    } else {
        Vec::new()
    };
    let node = Node {
        class,
        constructed,
        number,
        offset,
        header_len,
        contents,
        raw: &input[..used],
        children,
    };
    Ok((node, used))
}

/// Length octets of the shortest definite form for `len` (X.690 §8.1.3.4, §8.1.3.5).
fn shortest_length_octets(len: usize) -> usize {
    if len < 0x80 {
        1
    } else {
        let mut n = 0;
        let mut l = len;
        while l > 0 {
            n += 1;
            l >>= 8;
        }
        1 + n
    }
}

/// Identifier octets of the shortest form for tag `number` (X.690 §8.1.2.3, §8.1.2.4).
fn shortest_tag_octets(number: u32) -> usize {
    if number < 31 {
        1
    } else {
        let mut n = 0;
        let mut v = number;
        while v > 0 {
            n += 1;
            v >>= 7;
        }
        1 + n
    }
}

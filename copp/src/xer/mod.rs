//! XML Encoding Rules (ITU-T X.693 BASIC-XER, canonical where CXER defines a form), the
//! generic engine: encoding rules are the presentation layer's business (transfer syntaxes), so
//! the engine lives here and the protocols bring their ASN.1 type tables (`mms::xer` for the
//! MMS PDUs IEC 61850-8-2 carries).
//!
//! * [`schema`]: an ASN.1 type as the mapping sees it ([`schema::Ty`], [`schema::Field`],
//!   [`schema::Tagging`]), written as `static` tables by the protocol crate;
//! * [`writer`]: walks a BER encoding with a table and writes XER ([`writer::XerWriter`]);
//! * [`reader`]: reads XER with `quick-xml` into a bounded element tree ([`reader::parse`],
//!   [`XerLimits`]; no DOCTYPE, entity declaration or processing instruction accepted) and turns
//!   it into BER with a table ([`reader::Ber`]), so the protocol's BER decoder judges the value.
//!
//! The choices (element names, value forms, bounds) are listed in `docs/xer.md` and
//! `e2e-sec/ASSUMPTIONS.md`.

mod limits;
pub mod reader;
pub mod schema;
pub mod writer;

pub use limits::XerLimits;

/// Why an XER document could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XerError {
    /// Not well-formed XML (unclosed element, bad entity reference, mismatched end tag…).
    #[error("malformed XML: {0}")]
    Xml(String),
    /// A construct XER never uses and the decoder refuses: DOCTYPE (and with it every entity
    /// declaration), processing instructions, attributes other than namespace declarations.
    #[error("{0} not allowed in XER")]
    Forbidden(&'static str),
    /// The document is longer than [`XerLimits::max_input`].
    #[error("document longer than {0} octets")]
    TooLarge(usize),
    /// Elements nest deeper than [`XerLimits::max_depth`].
    #[error("elements nested deeper than {0}")]
    TooDeep(usize),
    /// More elements than [`XerLimits::max_elements`].
    #[error("more than {0} elements")]
    TooManyElements(usize),
    /// An element's character content is longer than [`XerLimits::max_text`].
    #[error("element text longer than {0} octets")]
    TextTooLong(usize),
    /// An element other than the one the type requires at this place.
    #[error("expected {expected}, found <{found}>")]
    UnexpectedElement {
        /// What the type requires.
        expected: String,
        /// The element found.
        found: String,
    },
    /// A required SEQUENCE component is absent.
    #[error("missing <{0}>")]
    MissingElement(&'static str),
    /// The content of an element is not a value of its type.
    #[error("<{element}>: {reason}")]
    InvalidValue {
        /// The element.
        element: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The tree is a well-formed value of the ASN.1 type but the protocol's own decoder refused
    /// its BER (for MMS: the same checks as for BER, value ranges, string alphabets, …).
    #[error("not a valid MMS value: {0}")]
    Mms(String),
    /// The value uses a part of the protocol (e.g. of MMS) its type tables do not cover.
    #[error("no XER mapping: {0}")]
    Unsupported(String),
}

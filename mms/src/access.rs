//! Variable access (ISO 9506-2 §14.1–§14.4): how a Read, Write, InformationReport or variable
//! list names the variables it is about, the alternate-access selections into them, and the
//! per-variable result.

use std::borrow::Cow;

use crate::codec::{
    ctx, ctx_c, explicit, null, octets, seq_of, split_short, string, uint32, write_explicit,
    write_null, write_seq_of, write_string, write_uint, Asn1, BerError, Choice, Class, Fields,
    Result, Tag, Tlv, Writer,
};
use crate::common::{identifier, Identifier, ObjectName};
use crate::data::{Data, DataAccessError};
use crate::types::TypeSpecification;

/// `Address ::= CHOICE` (ISO 9506-2 §14.1.2): an implementation-specific address of a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address<'a> {
    /// `numericAddress [0] IMPLICIT Unsigned32`.
    Numeric(u32),
    /// `symbolicAddress [1] IMPLICIT VisibleString` (ISO 9506-2:2003 makes it an MMSString;
    /// an EXPLICIT-tagged string is accepted too).
    Symbolic(Cow<'a, str>),
    /// `unconstrainedAddress [2] IMPLICIT OCTET STRING`.
    Unconstrained(Cow<'a, [u8]>),
}

impl<'a> Choice<'a> for Address<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        match (tlv.tag.class, tlv.tag.number, tlv.tag.constructed) {
            (Class::Context, 0, false) => Ok(Address::Numeric(uint32(tlv)?)),
            (Class::Context, 1, false) => Ok(Address::Symbolic(string(tlv)?)),
            (Class::Context, 1, true) => Ok(Address::Symbolic(string(&explicit(tlv)?)?)),
            (Class::Context, 2, false) => Ok(Address::Unconstrained(octets(tlv)?)),
            _ => Err(BerError::InvalidValue("Address").into()),
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            Address::Numeric(n) => write_uint(w, ctx(0), u64::from(*n)),
            Address::Symbolic(s) => write_string(w, ctx(1), s),
            Address::Unconstrained(o) => w.octets(ctx(2), o),
        }
    }
}

/// `VariableSpecification ::= CHOICE` (ISO 9506-2 §14.1.1): one variable, by name, address,
/// description or scattered access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariableSpecification<'a> {
    /// `name [0] ObjectName` (EXPLICIT).
    Name(ObjectName<'a>),
    /// `address [1] Address` (EXPLICIT).
    Address(Address<'a>),
    /// `variableDescription [2] IMPLICIT SEQUENCE { address Address, typeSpecification
    /// TypeSpecification }`.
    VariableDescription {
        /// `address Address`.
        address: Address<'a>,
        /// `typeSpecification TypeSpecification`.
        type_specification: TypeSpecification<'a>,
    },
    /// `scatteredAccessDescription [3] IMPLICIT ScatteredAccessDescription`.
    ScatteredAccessDescription(ScatteredAccessDescription<'a>),
    /// `invalidated [4] IMPLICIT NULL`.
    Invalidated,
}

impl<'a> VariableSpecification<'a> {
    /// Every alternative but `name [0]` (kept out of line: the name is the hot path of a Read).
    #[inline(never)]
    fn decode_other(tlv: &Tlv<'a>) -> Result<Self> {
        if tlv.tag.class != Class::Context {
            return Err(BerError::InvalidValue("VariableSpecification").into());
        }
        match (tlv.tag.number, tlv.tag.constructed) {
            (1, true) => Ok(VariableSpecification::Address(Address::decode_choice(
                &explicit(tlv)?,
            )?)),
            (2, true) => {
                let mut f = Fields::new(tlv)?;
                let address = Address::decode_choice(&f.next("address")?)?;
                let type_specification =
                    TypeSpecification::decode_choice(&f.next("typeSpecification")?)?;
                f.finish()?;
                Ok(VariableSpecification::VariableDescription {
                    address,
                    type_specification,
                })
            }
            (3, true) => Ok(VariableSpecification::ScatteredAccessDescription(
                ScatteredAccessDescription::decode_contents(tlv)?,
            )),
            (4, false) => {
                null(tlv)?;
                Ok(VariableSpecification::Invalidated)
            }
            _ => Err(BerError::InvalidValue("VariableSpecification").into()),
        }
    }
}

impl<'a> Choice<'a> for VariableSpecification<'a> {
    #[inline(always)]
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        if tlv.tag == ctx_c(0) {
            Ok(VariableSpecification::Name(ObjectName::decode_choice(
                &explicit(tlv)?,
            )?))
        } else {
            VariableSpecification::decode_other(tlv)
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            VariableSpecification::Name(n) => write_explicit(w, 0, |w| n.encode_choice(w)),
            VariableSpecification::Address(a) => write_explicit(w, 1, |w| a.encode_choice(w)),
            VariableSpecification::VariableDescription {
                address,
                type_specification,
            } => {
                let m = w.mark();
                type_specification.encode_choice(w);
                address.encode_choice(w);
                w.wrap(m, ctx_c(2));
            }
            VariableSpecification::ScatteredAccessDescription(s) => s.encode_tagged(w, ctx_c(3)),
            VariableSpecification::Invalidated => write_null(w, ctx(4)),
        }
    }
}

impl<'a> From<ObjectName<'a>> for VariableSpecification<'a> {
    /// A variable by name.
    fn from(n: ObjectName<'a>) -> Self {
        VariableSpecification::Name(n)
    }
}

/// One element of a `ScatteredAccessDescription` (ISO 9506-2 §14.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScatteredAccessComponent<'a> {
    /// `componentName [0] IMPLICIT Identifier OPTIONAL`.
    pub component_name: Option<Identifier<'a>>,
    /// `variableSpecification [1] VariableSpecification` (EXPLICIT).
    pub variable_specification: VariableSpecification<'a>,
    /// `alternateAccess [2] IMPLICIT AlternateAccess OPTIONAL`.
    pub alternate_access: Option<AlternateAccess<'a>>,
}

impl<'a> Asn1<'a> for ScatteredAccessComponent<'a> {
    const TAG: Tag = Tag::SEQUENCE;

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let component_name = f.opt_map(ctx(0), identifier)?;
        let variable_specification =
            f.req_choice::<VariableSpecification>(1, "variableSpecification")?;
        let alternate_access = f
            .opt(ctx_c(2))?
            .map(|t| AlternateAccess::decode_implicit(&t, ctx_c(2)))
            .transpose()?;
        f.finish()?;
        Ok(ScatteredAccessComponent {
            component_name,
            variable_specification,
            alternate_access,
        })
    }

    fn encode_contents(&self, w: &mut Writer) {
        if let Some(a) = &self.alternate_access {
            a.encode_tagged(w, ctx_c(2));
        }
        write_explicit(w, 1, |w| self.variable_specification.encode_choice(w));
        if let Some(n) = &self.component_name {
            write_string(w, ctx(0), n);
        }
    }
}

/// `ScatteredAccessDescription ::= SEQUENCE OF SEQUENCE {...}` (ISO 9506-2 §14.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScatteredAccessDescription<'a>(pub Vec<ScatteredAccessComponent<'a>>);

impl<'a> Asn1<'a> for ScatteredAccessDescription<'a> {
    const TAG: Tag = Tag::SEQUENCE;

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        Ok(ScatteredAccessDescription(seq_of(
            tlv,
            ScatteredAccessComponent::decode,
        )?))
    }

    fn encode_contents(&self, w: &mut Writer) {
        for c in self.0.iter().rev() {
            c.encode(w);
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// The selection of part of an array or structure (ISO 9506-2 §14.3 `accessSelection` /
/// `selectAccess`): the same four forms, with tags `[0]..[3]` inside `selectAlternateAccess`
/// and `[1]..[4]` in `selectAccess`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessSelection<'a> {
    /// `component IMPLICIT Identifier`: one named structure component.
    Component(Identifier<'a>),
    /// `index IMPLICIT Unsigned32`: one array element.
    Index(u32),
    /// `indexRange IMPLICIT SEQUENCE { lowIndex [0] IMPLICIT Unsigned32, numberOfElements [1]
    /// IMPLICIT Unsigned32 }`.
    IndexRange {
        /// `lowIndex [0] IMPLICIT Unsigned32`.
        low_index: u32,
        /// `numberOfElements [1] IMPLICIT Unsigned32`.
        number_of_elements: u32,
    },
    /// `allElements IMPLICIT NULL`.
    AllElements,
}

impl<'a> AccessSelection<'a> {
    /// Decodes the alternative whose tag is `[base + k]` (k = 0..3).
    fn decode_based(tlv: &Tlv<'a>, base: u32) -> Result<Self> {
        if tlv.tag.class != Class::Context || tlv.tag.number < base {
            return Err(BerError::InvalidValue("AlternateAccessSelection").into());
        }
        match (tlv.tag.number - base, tlv.tag.constructed) {
            (0, false) => Ok(AccessSelection::Component(identifier(tlv)?)),
            (1, false) => Ok(AccessSelection::Index(uint32(tlv)?)),
            (2, true) => {
                let mut f = Fields::new(tlv)?;
                let low_index = uint32(&f.req(ctx(0), "lowIndex")?)?;
                let number_of_elements = uint32(&f.req(ctx(1), "numberOfElements")?)?;
                f.finish()?;
                Ok(AccessSelection::IndexRange {
                    low_index,
                    number_of_elements,
                })
            }
            (3, false) => {
                null(tlv)?;
                Ok(AccessSelection::AllElements)
            }
            _ => Err(BerError::InvalidValue("AlternateAccessSelection").into()),
        }
    }

    fn encode_based(&self, w: &mut Writer, base: u32) {
        match self {
            AccessSelection::Component(s) => write_string(w, ctx(base), s),
            AccessSelection::Index(i) => write_uint(w, ctx(base + 1), u64::from(*i)),
            AccessSelection::IndexRange {
                low_index,
                number_of_elements,
            } => {
                let m = w.mark();
                write_uint(w, ctx(1), u64::from(*number_of_elements));
                write_uint(w, ctx(0), u64::from(*low_index));
                w.wrap(m, ctx_c(base + 2));
            }
            AccessSelection::AllElements => write_null(w, ctx(base + 3)),
        }
    }
}

/// `AlternateAccessSelection ::= CHOICE` (ISO 9506-2 §14.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlternateAccessSelection<'a> {
    /// `selectAlternateAccess [0] IMPLICIT SEQUENCE { accessSelection, alternateAccess }`:
    /// select a part, then apply a nested alternate access to it.
    SelectAlternateAccess {
        /// `accessSelection CHOICE { component [0], index [1], indexRange [2], allElements [3] }`.
        access_selection: AccessSelection<'a>,
        /// `alternateAccess AlternateAccess`.
        alternate_access: AlternateAccess<'a>,
    },
    /// `selectAccess CHOICE { component [1], index [2], indexRange [3], allElements [4] }`.
    SelectAccess(AccessSelection<'a>),
}

impl<'a> Choice<'a> for AlternateAccessSelection<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        if tlv.tag == ctx_c(0) {
            let mut f = Fields::new(tlv)?;
            let access_selection = AccessSelection::decode_based(&f.next("accessSelection")?, 0)?;
            let alternate_access = AlternateAccess::decode(&f.next("alternateAccess")?)?;
            f.finish()?;
            Ok(AlternateAccessSelection::SelectAlternateAccess {
                access_selection,
                alternate_access,
            })
        } else {
            Ok(AlternateAccessSelection::SelectAccess(
                AccessSelection::decode_based(tlv, 1)?,
            ))
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            AlternateAccessSelection::SelectAlternateAccess {
                access_selection,
                alternate_access,
            } => {
                let m = w.mark();
                alternate_access.encode(w);
                access_selection.encode_based(w, 0);
                w.wrap(m, ctx_c(0));
            }
            AlternateAccessSelection::SelectAccess(s) => s.encode_based(w, 1),
        }
    }
}

/// One element of an `AlternateAccess` (ISO 9506-2 §14.3): an unnamed selection or
/// `named [5] IMPLICIT SEQUENCE { componentName [0] IMPLICIT Identifier, access
/// AlternateAccessSelection }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlternateAccessElement<'a> {
    /// `unnamed AlternateAccessSelection`.
    Unnamed(AlternateAccessSelection<'a>),
    /// `named [5]`: a selection with the name it gets in the result.
    Named {
        /// `componentName [0] IMPLICIT Identifier`.
        component_name: Identifier<'a>,
        /// `access AlternateAccessSelection`.
        access: AlternateAccessSelection<'a>,
    },
}

impl<'a> Choice<'a> for AlternateAccessElement<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        if tlv.tag == ctx_c(5) {
            let mut f = Fields::new(tlv)?;
            let component_name = identifier(&f.req(ctx(0), "componentName")?)?;
            let access = AlternateAccessSelection::decode_choice(&f.next("access")?)?;
            f.finish()?;
            Ok(AlternateAccessElement::Named {
                component_name,
                access,
            })
        } else {
            Ok(AlternateAccessElement::Unnamed(
                AlternateAccessSelection::decode_choice(tlv)?,
            ))
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            AlternateAccessElement::Unnamed(s) => s.encode_choice(w),
            AlternateAccessElement::Named {
                component_name,
                access,
            } => {
                let m = w.mark();
                access.encode_choice(w);
                write_string(w, ctx(0), component_name);
                w.wrap(m, ctx_c(5));
            }
        }
    }
}

/// `AlternateAccess ::= SEQUENCE OF CHOICE { unnamed, named [5] }` (ISO 9506-2 §14.3): a
/// view of part of a variable (components, elements, ranges), possibly nested.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlternateAccess<'a>(pub Vec<AlternateAccessElement<'a>>);

impl<'a> AlternateAccess<'a> {
    /// The common IEC 61850 form: select one component by name.
    pub fn component(name: impl Into<Identifier<'a>>) -> Self {
        AlternateAccess(vec![AlternateAccessElement::Unnamed(
            AlternateAccessSelection::SelectAccess(AccessSelection::Component(name.into())),
        )])
    }
}

impl<'a> Asn1<'a> for AlternateAccess<'a> {
    const TAG: Tag = Tag::SEQUENCE;

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        Ok(AlternateAccess(seq_of(
            tlv,
            AlternateAccessElement::decode_choice,
        )?))
    }

    fn encode_contents(&self, w: &mut Writer) {
        for e in self.0.iter().rev() {
            e.encode_choice(w);
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// One element of `listOfVariable` (ISO 9506-2 §14.2): `SEQUENCE { variableSpecification
/// VariableSpecification, alternateAccess [5] IMPLICIT AlternateAccess OPTIONAL }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableDef<'a> {
    /// `variableSpecification VariableSpecification`.
    pub variable_specification: VariableSpecification<'a>,
    /// `alternateAccess [5] IMPLICIT AlternateAccess OPTIONAL`.
    pub alternate_access: Option<AlternateAccess<'a>>,
}

impl<'a> VariableDef<'a> {
    /// A whole named variable.
    pub fn name(name: ObjectName<'a>) -> Self {
        VariableDef {
            variable_specification: VariableSpecification::Name(name),
            alternate_access: None,
        }
    }
}

impl<'a> Asn1<'a> for VariableDef<'a> {
    const TAG: Tag = Tag::SEQUENCE;

    #[inline(always)]
    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let variable_specification =
            VariableSpecification::decode_choice(&f.next("variableSpecification")?)?;
        let alternate_access = f
            .opt(ctx_c(5))?
            .map(|t| AlternateAccess::decode_implicit(&t, ctx_c(5)))
            .transpose()?;
        f.finish()?;
        Ok(VariableDef {
            variable_specification,
            alternate_access,
        })
    }

    fn encode_contents(&self, w: &mut Writer) {
        if let Some(a) = &self.alternate_access {
            a.encode_tagged(w, ctx_c(5));
        }
        self.variable_specification.encode_choice(w);
    }
}

/// `VariableAccessSpecification ::= CHOICE` (ISO 9506-2 §14.2): the variables a Read, Write or
/// InformationReport is about. (Read-Request wraps it in an EXPLICIT `[1]`; Write-Request and
/// InformationReport carry it untagged: the service codecs handle that.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariableAccessSpecification<'a> {
    /// `listOfVariable [0] IMPLICIT SEQUENCE OF SEQUENCE {...}`.
    ListOfVariable(Vec<VariableDef<'a>>),
    /// `variableListName [1] ObjectName` (EXPLICIT): a named variable list.
    VariableListName(ObjectName<'a>),
}

impl<'a> VariableAccessSpecification<'a> {
    /// A list of whole named variables.
    pub fn names(names: impl IntoIterator<Item = ObjectName<'a>>) -> Self {
        VariableAccessSpecification::ListOfVariable(
            names.into_iter().map(VariableDef::name).collect(),
        )
    }

    /// The number of variables, when listed (`None` for a variable list name).
    pub fn variable_count(&self) -> Option<usize> {
        match self {
            VariableAccessSpecification::ListOfVariable(v) => Some(v.len()),
            VariableAccessSpecification::VariableListName(_) => None,
        }
    }
}

/// The common form of a `listOfVariable` element, decoded straight from its octets: a whole
/// variable by name, `SEQUENCE { name [0] ObjectName }` with a domain-specific (`a1` holding two
/// VisibleStrings) or VMD-/AA-specific (`80`/`82`) name, one-octet identifiers and short
/// lengths, nothing after the name. Returns the element and its length, or `None` for anything
/// else (alternate access, long lengths, other specifications, malformed or non-UTF-8 input,
/// too little nesting budget), which the general decoder then handles and reports: both paths
/// give the same value for the input this one accepts.
#[inline(always)]
fn fast_named_variable<'a>(input: &'a [u8], depth_left: u16) -> Option<(VariableDef<'a>, usize)> {
    // SEQUENCE, [0], and [1] for a domain-specific name: three constructed levels.
    if depth_left < 3 {
        return None;
    }
    let (0x30, seq, rest) = split_short(input)? else {
        return None;
    };
    let (0xA0, name, after) = split_short(seq)? else {
        return None;
    };
    if !after.is_empty() {
        return None;
    }
    let (id, body, after) = split_short(name)?;
    if !after.is_empty() {
        return None;
    }
    let name = match id {
        0xA1 => {
            let (0x1A, domain, rest) = split_short(body)? else {
                return None;
            };
            let (0x1A, item, after) = split_short(rest)? else {
                return None;
            };
            if !after.is_empty() {
                return None;
            }
            // One UTF-8 check for both identifiers: their identifier and length octets are
            // ASCII, so the two strings are valid exactly when the whole body is, and they start
            // and end on character boundaries of it.
            let text = std::str::from_utf8(body).ok()?;
            let d = 2 + domain.len();
            ObjectName::DomainSpecific {
                domain_id: Cow::Borrowed(text.get(2..d)?),
                item_id: Cow::Borrowed(text.get(d + 2..d + 2 + item.len())?),
            }
        }
        0x80 => ObjectName::VmdSpecific(Cow::Borrowed(std::str::from_utf8(body).ok()?)),
        0x82 => ObjectName::AaSpecific(Cow::Borrowed(std::str::from_utf8(body).ok()?)),
        _ => return None,
    };
    Some((VariableDef::name(name), input.len() - rest.len()))
}

/// `listOfVariable [0] IMPLICIT SEQUENCE OF SEQUENCE {...}`: one allocation for the elements
/// present, the common named-variable form decoded by [`fast_named_variable`], every other
/// element by [`VariableDef::decode`].
fn decode_list_of_variable<'a>(tlv: &Tlv<'a>) -> Result<Vec<VariableDef<'a>>> {
    let n = crate::codec::count(tlv)?;
    let mut out = Vec::with_capacity(n);
    let mut r = tlv.reader()?;
    while !r.is_empty() {
        if let Some((def, len)) = fast_named_variable(r.remaining(), r.depth_left()) {
            out.push(def);
            r.skip(len);
        } else {
            out.push(VariableDef::decode(&r.read()?)?);
        }
    }
    Ok(out)
}

impl<'a> Choice<'a> for VariableAccessSpecification<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        if tlv.tag == ctx_c(0) {
            Ok(VariableAccessSpecification::ListOfVariable(
                decode_list_of_variable(tlv)?,
            ))
        } else if tlv.tag == ctx_c(1) {
            Ok(VariableAccessSpecification::VariableListName(
                ObjectName::decode_choice(&explicit(tlv)?)?,
            ))
        } else {
            Err(BerError::InvalidValue("VariableAccessSpecification").into())
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            VariableAccessSpecification::ListOfVariable(v) => {
                write_seq_of(w, ctx_c(0), v, |w, d| d.encode(w))
            }
            VariableAccessSpecification::VariableListName(n) => {
                write_explicit(w, 1, |w| n.encode_choice(w))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------

/// `AccessResult ::= CHOICE { failure [0] IMPLICIT DataAccessError, success Data }`
/// (ISO 9506-2 §14.4.4): the outcome of accessing one variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessResult<'a> {
    /// `failure [0] IMPLICIT DataAccessError`.
    Failure(DataAccessError),
    /// `success Data`.
    Success(Data<'a>),
}

impl<'a> AccessResult<'a> {
    /// The data, on success.
    pub fn data(&self) -> Option<&Data<'a>> {
        match self {
            AccessResult::Success(d) => Some(d),
            AccessResult::Failure(_) => None,
        }
    }

    /// As a `Result`.
    pub fn as_result(&self) -> core::result::Result<&Data<'a>, DataAccessError> {
        match self {
            AccessResult::Success(d) => Ok(d),
            AccessResult::Failure(e) => Err(*e),
        }
    }

    /// Detaches the result from the input buffer.
    pub fn into_owned(self) -> AccessResult<'static> {
        match self {
            AccessResult::Success(d) => AccessResult::Success(d.into_owned()),
            AccessResult::Failure(e) => AccessResult::Failure(e),
        }
    }
}

impl<'a> Choice<'a> for AccessResult<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        if tlv.tag.class == Class::Context && tlv.tag.number == 0 {
            if tlv.tag.constructed {
                return Err(BerError::WrongForm(tlv.tag).into());
            }
            Ok(AccessResult::Failure(DataAccessError::decode_value(tlv)?))
        } else {
            Ok(AccessResult::Success(Data::decode_choice(tlv)?))
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            AccessResult::Failure(e) => e.encode_value(w, ctx(0)),
            AccessResult::Success(d) => d.encode_choice(w),
        }
    }
}

/// `SEQUENCE OF AccessResult` (the list of a Read response or an InformationReport, ISO 9506-2
/// §14.6.2, §14.7.1): one allocation for the results present; a result whose data has a
/// one-octet identifier and a short length is decoded straight from its octets, any other by
/// [`AccessResult::decode_choice`] (same values, same errors).
pub fn decode_access_results<'a>(tlv: &Tlv<'a>) -> Result<Vec<AccessResult<'a>>> {
    let n = crate::codec::count(tlv)?;
    let mut out = Vec::with_capacity(n);
    let mut r = tlv.reader()?;
    while !r.is_empty() {
        match crate::data::read_data_fast(&mut r) {
            Some(d) => out.push(AccessResult::Success(d?)),
            None => out.push(AccessResult::decode_choice(&r.read()?)?),
        }
    }
    Ok(out)
}

/// `SEQUENCE OF Data` (the list of a Write request, ISO 9506-2 §14.7.1): like
/// [`decode_access_results`], for data.
pub fn decode_data_values<'a>(tlv: &Tlv<'a>) -> Result<Vec<Data<'a>>> {
    let n = crate::codec::count(tlv)?;
    let mut out = Vec::with_capacity(n);
    let mut r = tlv.reader()?;
    while !r.is_empty() {
        match crate::data::read_data_fast(&mut r) {
            Some(d) => out.push(d?),
            None => out.push(Data::decode_choice(&r.read()?)?),
        }
    }
    Ok(out)
}

impl<'a> From<Data<'a>> for AccessResult<'a> {
    /// A success.
    fn from(d: Data<'a>) -> Self {
        AccessResult::Success(d)
    }
}

impl From<DataAccessError> for AccessResult<'_> {
    /// A failure.
    fn from(e: DataAccessError) -> Self {
        AccessResult::Failure(e)
    }
}

/// Proptest strategies for variable access types.
#[cfg(test)]
pub(crate) mod arb {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    /// Any ObjectName.
    pub(crate) fn object_name() -> impl Strategy<Value = ObjectName<'static>> {
        prop_oneof![
            "[A-Za-z0-9$]{1,8}".prop_map(ObjectName::vmd),
            ("[A-Za-z0-9]{1,8}", "[A-Za-z0-9$]{1,8}").prop_map(|(d, i)| ObjectName::domain(d, i)),
            "[A-Za-z0-9$]{1,8}".prop_map(ObjectName::aa),
        ]
    }

    /// Any Address.
    pub(crate) fn address() -> impl Strategy<Value = Address<'static>> {
        prop_oneof![
            any::<u32>().prop_map(Address::Numeric),
            "[ -~]{0,8}".prop_map(|s| Address::Symbolic(s.into())),
            vec(any::<u8>(), 0..6).prop_map(|v| Address::Unconstrained(v.into())),
        ]
    }

    fn access_selection() -> impl Strategy<Value = AccessSelection<'static>> {
        prop_oneof![
            "[A-Za-z]{1,6}".prop_map(|s| AccessSelection::Component(s.into())),
            any::<u32>().prop_map(AccessSelection::Index),
            (any::<u32>(), any::<u32>()).prop_map(|(l, n)| AccessSelection::IndexRange {
                low_index: l,
                number_of_elements: n
            }),
            Just(AccessSelection::AllElements),
        ]
    }

    /// Any AlternateAccess, nested at most 3 deep.
    pub(crate) fn alternate_access() -> impl Strategy<Value = AlternateAccess<'static>> {
        let leaf = vec(
            access_selection().prop_map(|s| {
                AlternateAccessElement::Unnamed(AlternateAccessSelection::SelectAccess(s))
            }),
            1..3,
        )
        .prop_map(AlternateAccess);
        leaf.prop_recursive(3, 16, 3, |inner| {
            vec(
                (
                    proptest::option::of("[A-Za-z]{1,6}"),
                    access_selection(),
                    proptest::option::of(inner),
                )
                    .prop_map(|(name, sel, nested)| {
                        let access = match nested {
                            Some(a) => AlternateAccessSelection::SelectAlternateAccess {
                                access_selection: sel,
                                alternate_access: a,
                            },
                            None => AlternateAccessSelection::SelectAccess(sel),
                        };
                        match name {
                            Some(n) => AlternateAccessElement::Named {
                                component_name: n.into(),
                                access,
                            },
                            None => AlternateAccessElement::Unnamed(access),
                        }
                    }),
                0..3,
            )
            .prop_map(AlternateAccess)
        })
    }

    /// Any VariableSpecification (scattered access one level deep).
    pub(crate) fn variable_specification() -> impl Strategy<Value = VariableSpecification<'static>>
    {
        let simple = prop_oneof![
            object_name().prop_map(VariableSpecification::Name),
            address().prop_map(VariableSpecification::Address),
            (address(), crate::types::arb::type_specification()).prop_map(|(a, t)| {
                VariableSpecification::VariableDescription {
                    address: a,
                    type_specification: t,
                }
            }),
            Just(VariableSpecification::Invalidated),
        ];
        simple.prop_recursive(2, 8, 3, |inner| {
            vec(
                (
                    proptest::option::of("[A-Za-z]{1,6}"),
                    inner,
                    proptest::option::of(alternate_access()),
                ),
                0..3,
            )
            .prop_map(|cs| {
                VariableSpecification::ScatteredAccessDescription(ScatteredAccessDescription(
                    cs.into_iter()
                        .map(|(n, v, a)| ScatteredAccessComponent {
                            component_name: n.map(Into::into),
                            variable_specification: v,
                            alternate_access: a,
                        })
                        .collect(),
                ))
            })
        })
    }

    /// Any VariableAccessSpecification.
    pub(crate) fn variable_access_specification(
    ) -> impl Strategy<Value = VariableAccessSpecification<'static>> {
        prop_oneof![
            vec(
                (
                    variable_specification(),
                    proptest::option::of(alternate_access())
                )
                    .prop_map(|(v, a)| VariableDef {
                        variable_specification: v,
                        alternate_access: a,
                    }),
                0..4
            )
            .prop_map(VariableAccessSpecification::ListOfVariable),
            object_name().prop_map(VariableAccessSpecification::VariableListName),
        ]
    }

    /// Any AccessResult.
    pub(crate) fn access_result() -> impl Strategy<Value = AccessResult<'static>> {
        prop_oneof![
            crate::data::arb::data_access_error().prop_map(AccessResult::Failure),
            crate::data::arb::data().prop_map(AccessResult::Success),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_one, to_vec, DecodeError};
    use crate::testvec::independent::{expect, CONTEXT, UNIVERSAL};
    use proptest::prelude::*;

    fn vas(b: &[u8]) -> Result<VariableAccessSpecification<'_>> {
        decode_one(b, 64, VariableAccessSpecification::decode_choice)
    }

    #[test]
    fn names_helper_and_bytes() {
        let v = VariableAccessSpecification::names([ObjectName::domain("LD0", "LLN0$ST")]);
        let b = to_vec(|w| v.encode_choice(w));
        // Same bytes as data.vec's varspec-name-domain shape (checked with tshark 4.0, mms).
        assert_eq!(
            b,
            [
                0xA0, 0x14, 0x30, 0x12, 0xA0, 0x10, 0xA1, 0x0E, 0x1A, 0x03, b'L', b'D', b'0', 0x1A,
                0x07, b'L', b'L', b'N', b'0', b'$', b'S', b'T'
            ]
        );
        assert_eq!(vas(&b).unwrap(), v);
        assert_eq!(v.variable_count(), Some(1));
    }

    #[test]
    fn alternate_access_forms() {
        // [0] selectAlternateAccess { component "ST", { selectAccess component "Mod" } }
        let b = [
            0x30, 0x0C, 0xA0, 0x0A, 0x80, 0x02, b'S', b'T', 0x30, 0x04, 0x81, 0x02, b'M', b'o',
        ];
        let a = decode_one(&b, 16, AlternateAccess::decode).unwrap();
        assert_eq!(
            a,
            AlternateAccess(vec![AlternateAccessElement::Unnamed(
                AlternateAccessSelection::SelectAlternateAccess {
                    access_selection: AccessSelection::Component("ST".into()),
                    alternate_access: AlternateAccess::component("Mo"),
                }
            )])
        );
        assert_eq!(to_vec(|w| a.encode(w)), b);
        // selectAccess [0] does not exist (component is [1] there): a primitive [0] is refused
        assert!(decode_one(&[0x30, 0x03, 0x80, 0x01, b'x'], 16, AlternateAccess::decode).is_err());
        // indexRange missing numberOfElements
        assert!(decode_one(
            &[0x30, 0x05, 0xA3, 0x03, 0x80, 0x01, 0x00],
            16,
            AlternateAccess::decode
        )
        .is_err());
        // named without access
        assert!(decode_one(
            &[0x30, 0x05, 0xA5, 0x03, 0x80, 0x01, b'x'],
            16,
            AlternateAccess::decode
        )
        .is_err());
    }

    #[test]
    fn malformed_access() {
        // unknown VariableAccessSpecification alternative [2]
        assert!(vas(&[0xA2, 0x00]).is_err());
        // variableListName wrapper holding two names
        assert!(vas(&[0xA1, 0x06, 0x80, 0x01, b'a', 0x80, 0x01, b'b']).is_err());
        // VariableDef with a trailing unknown element
        assert!(vas(&[0xA0, 0x09, 0x30, 0x07, 0x84, 0x00, 0x86, 0x00, 0x82, 0x00, 0x00]).is_err());
        // VariableSpecification invalidated with contents
        assert!(vas(&[0xA0, 0x05, 0x30, 0x03, 0x84, 0x01, 0x00]).is_err());
        // numeric address beyond Unsigned32
        assert_eq!(
            decode_one(&[0x80, 0x05, 0x01, 0, 0, 0, 0], 4, Address::decode_choice),
            Err(DecodeError::OutOfRange("Unsigned32"))
        );
        // symbolic address, EXPLICIT form tolerated
        assert_eq!(
            decode_one(&[0xA1, 0x03, 0x1A, 0x01, b'x'], 4, Address::decode_choice),
            Ok(Address::Symbolic("x".into()))
        );
        // AccessResult failure constructed; vendor error value kept
        assert!(decode_one(
            &[0xA0, 0x03, 0x02, 0x01, 0x01],
            4,
            AccessResult::decode_choice
        )
        .is_err());
        assert_eq!(
            decode_one(&[0x80, 0x02, 0x03, 0xE8], 4, AccessResult::decode_choice),
            Ok(AccessResult::Failure(DataAccessError::Other(1000)))
        );
        // truncated
        assert!(vas(&[0xA0, 0x05, 0x30, 0x03, 0x84]).is_err());
    }

    /// The general decoders, without the fast paths, for comparison.
    fn general_results<'a>(t: &Tlv<'a>) -> Result<Vec<AccessResult<'a>>> {
        seq_of(t, AccessResult::decode_choice)
    }

    fn general_variables<'a>(t: &Tlv<'a>) -> Result<Vec<VariableDef<'a>>> {
        seq_of(t, VariableDef::decode)
    }

    /// Runs both decoders over `b` at nesting budget `depth`; they must agree on the value or
    /// the error.
    fn agree(b: &[u8], depth: u16) {
        let lists = |t: &Tlv<'_>| {
            let fast = decode_access_results(t);
            let general = general_results(t);
            assert_eq!(fast, general, "{b:02x?} depth {depth}");
            let fast = decode_list_of_variable(t);
            let general = general_variables(t);
            assert_eq!(fast, general, "{b:02x?} depth {depth}");
            Ok(())
        };
        let _ = decode_one(b, depth, lists);
    }

    #[test]
    fn fast_paths_on_the_bench_fixtures() {
        for v in crate::vecfile::parse(include_str!("../vectors/bench.vec")) {
            // The lists sit a few levels down: walk to every constructed value and compare there.
            fn visit(t: &Tlv<'_>, raw: &[u8]) {
                agree(raw, 64);
                if let Ok(mut r) = t.reader() {
                    while let Ok(Some(e)) = r.read_optional() {
                        visit(&e, e.raw);
                    }
                }
            }
            let t = copp::ber::Reader::new(&v.pdu).read().unwrap();
            visit(&t, t.raw);
        }
    }

    proptest! {
        #[test]
        fn fast_paths_agree_with_the_general_decoders(
            list in proptest::collection::vec(arb::access_result(), 0..4),
            vars in arb::variable_access_specification(),
            depth in 0u16..8,
            flip in proptest::option::of((0usize..400, 0u8..=255)),
        ) {
            let mut b = to_vec(|w| write_seq_of(w, ctx_c(1), &list, |w, r| r.encode_choice(w)));
            let mut v = to_vec(|w| vars.encode_choice(w));
            if let Some((i, x)) = flip {
                let n = b.len();
                if let Some(o) = b.get_mut(i % n) { *o ^= x; }
                let n = v.len();
                if let Some(o) = v.get_mut(i % n) { *o ^= x; }
            }
            agree(&b, depth);
            agree(&b, 64);
            agree(&v, depth);
            agree(&v, 64);
        }

        #[test]
        fn variable_access_specification_round_trip(v in arb::variable_access_specification()) {
            let b = to_vec(|w| v.encode_choice(w));
            // listOfVariable [0] IMPLICIT SEQUENCE OF, variableListName [1] ObjectName.
            match &v {
                VariableAccessSpecification::ListOfVariable(l) => {
                    let n = expect(&b, CONTEXT, Some(true), 0);
                    prop_assert_eq!(n.children.len(), l.len());
                }
                VariableAccessSpecification::VariableListName(_) => {
                    expect(&b, CONTEXT, Some(true), 1);
                }
            }
            prop_assert_eq!(vas(&b).unwrap(), v);
        }

        #[test]
        fn alternate_access_round_trip(a in arb::alternate_access()) {
            let b = to_vec(|w| a.encode(w));
            // AlternateAccess ::= SEQUENCE OF CHOICE { ..., named [5] IMPLICIT SEQUENCE }.
            let n = expect(&b, UNIVERSAL, Some(true), 16);
            prop_assert_eq!(n.children.len(), a.0.len());
            prop_assert_eq!(decode_one(&b, 64, AlternateAccess::decode).unwrap(), a);
        }

        #[test]
        fn access_result_round_trip(a in arb::access_result()) {
            let b = to_vec(|w| a.encode_choice(w));
            // failure [0] IMPLICIT DataAccessError (an INTEGER), success Data.
            match &a {
                AccessResult::Failure(e) => {
                    let n = expect(&b, CONTEXT, Some(false), 0);
                    prop_assert_eq!(n.integer(), e.to_i64());
                }
                AccessResult::Success(d) => crate::data::arb::check_data_independently(&b, d),
            }
            prop_assert_eq!(decode_one(&b, 64, AccessResult::decode_choice).unwrap(), a);
        }

        #[test]
        fn variable_specification_round_trip(v in arb::variable_specification()) {
            let b = to_vec(|w| v.encode_choice(w));
            // name [0], address [1], variableDescription [2] IMPLICIT SEQUENCE,
            // scatteredAccessDescription [3] IMPLICIT, invalidated [4] IMPLICIT NULL.
            let (constructed, number) = match &v {
                VariableSpecification::Name(_) => (true, 0),
                VariableSpecification::Address(_) => (true, 1),
                VariableSpecification::VariableDescription { .. } => (true, 2),
                VariableSpecification::ScatteredAccessDescription(_) => (true, 3),
                VariableSpecification::Invalidated => (false, 4),
            };
            expect(&b, CONTEXT, Some(constructed), number);
            prop_assert_eq!(decode_one(&b, 64, VariableSpecification::decode_choice).unwrap(), v);
        }
    }
}

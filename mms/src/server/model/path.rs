//! Navigation inside a named variable: IEC 61850-8-1 §8.1.3.2 `$` component paths, ISO 9506-2
//! §14.3 alternate access, and the ISO 9506-1 §14.4 type conformance a Write checks.

use std::borrow::Cow;

use crate::access::{
    AccessSelection, AlternateAccess, AlternateAccessElement, AlternateAccessSelection,
};
use crate::data::{Data, DataAccessError, DataList};
use crate::types::{TypeDescription, TypeSpecification};

/// The described type of a type specification (named types are not served).
pub fn described<'t>(ts: &'t TypeSpecification<'static>) -> Option<&'t TypeDescription<'static>> {
    match ts {
        TypeSpecification::TypeDescription(d) => Some(d),
        TypeSpecification::TypeName(_) => None,
    }
}

/// The elements of a structure or array value as stored (always the owned form).
pub fn items<'d>(l: &'d DataList<'static>) -> Option<&'d [Data<'static>]> {
    match l {
        DataList::Owned(v) => Some(v),
        DataList::Encoded(_) => None,
    }
}

fn items_mut<'d>(l: &'d mut DataList<'static>) -> Option<&'d mut Vec<Data<'static>>> {
    if let DataList::Encoded(_) = l {
        *l = DataList::Owned(l.clone().into_owned().to_vec());
    }
    match l {
        DataList::Owned(v) => Some(v),
        DataList::Encoded(_) => None,
    }
}

fn component_index(ty: &TypeDescription<'static>, name: &str) -> Option<usize> {
    match ty {
        TypeDescription::Structure { components, .. } => components
            .iter()
            .position(|c| c.component_name.as_deref() == Some(name)),
        _ => None,
    }
}

fn component_type<'t>(
    ty: &'t TypeDescription<'static>,
    i: usize,
) -> Option<&'t TypeDescription<'static>> {
    match ty {
        TypeDescription::Structure { components, .. } => {
            described(&components.get(i)?.component_type)
        }
        _ => None,
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('$').filter(|s| !s.is_empty())
}

/// The type at component path `path` (`""`: the type itself).
pub fn type_at<'t>(
    ty: &'t TypeDescription<'static>,
    path: &str,
) -> Option<&'t TypeDescription<'static>> {
    let mut t = ty;
    for seg in segments(path) {
        let i = component_index(t, seg)?;
        t = component_type(t, i)?;
    }
    Some(t)
}

/// The type and value at component path `path`.
pub fn at<'t, 'd>(
    ty: &'t TypeDescription<'static>,
    data: &'d Data<'static>,
    path: &str,
) -> Option<(&'t TypeDescription<'static>, &'d Data<'static>)> {
    let (mut t, mut d) = (ty, data);
    for seg in segments(path) {
        let i = component_index(t, seg)?;
        t = component_type(t, i)?;
        d = match d {
            Data::Structure(l) => items(l)?.get(i)?,
            _ => return None,
        };
    }
    Some((t, d))
}

/// Mutable [`at`].
pub fn at_mut<'t, 'd>(
    ty: &'t TypeDescription<'static>,
    data: &'d mut Data<'static>,
    path: &str,
) -> Option<(&'t TypeDescription<'static>, &'d mut Data<'static>)> {
    let (mut t, mut d) = (ty, data);
    for seg in segments(path) {
        let i = component_index(t, seg)?;
        t = component_type(t, i)?;
        d = match d {
            Data::Structure(l) => items_mut(l)?.get_mut(i)?,
            _ => return None,
        };
    }
    Some((t, d))
}

/// Every component path below a type, depth first in type order (`prefix$comp`, ...), as
/// IEC 61850-8-1 servers list them in GetNameList. Arrays are not expanded.
pub fn component_paths(ty: &TypeDescription<'static>, prefix: &str, out: &mut Vec<String>) {
    if let TypeDescription::Structure { components, .. } = ty {
        for c in components {
            if let (Some(n), Some(t)) = (&c.component_name, described(&c.component_type)) {
                let p = format!("{prefix}${n}");
                out.push(p.clone());
                component_paths(t, &p, out);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Alternate access (ISO 9506-2 §14.3), read side.

fn array_parts<'t, 'd>(
    ty: &'t TypeDescription<'static>,
    data: &'d Data<'static>,
) -> Option<(&'t TypeDescription<'static>, &'d [Data<'static>])> {
    match (ty, data) {
        (TypeDescription::Array { element_type, .. }, Data::Array(l)) => {
            Some((described(element_type)?, items(l)?))
        }
        _ => None,
    }
}

/// Applies one selection; the result is the selected type and value(s).
fn select_one(
    ty: &TypeDescription<'static>,
    data: &Data<'static>,
    sel: &AccessSelection<'_>,
    then: Option<&AlternateAccess<'_>>,
) -> Result<Data<'static>, DataAccessError> {
    const BAD: DataAccessError = DataAccessError::ObjectAttributeInconsistent;
    let finish = |t: &TypeDescription<'static>, d: &Data<'static>| match then {
        Some(aa) => apply(t, d, aa),
        None => Ok(d.clone()),
    };
    match sel {
        AccessSelection::Component(name) => {
            let i = component_index(ty, name).ok_or(BAD)?;
            let t = component_type(ty, i).ok_or(BAD)?;
            let d = match data {
                Data::Structure(l) => items(l).and_then(|v| v.get(i)).ok_or(BAD)?,
                _ => return Err(BAD),
            };
            finish(t, d)
        }
        AccessSelection::Index(i) => {
            let (et, v) = array_parts(ty, data).ok_or(BAD)?;
            let d = v.get(*i as usize).ok_or(BAD)?;
            finish(et, d)
        }
        AccessSelection::IndexRange {
            low_index,
            number_of_elements,
        } => {
            let (et, v) = array_parts(ty, data).ok_or(BAD)?;
            let lo = *low_index as usize;
            let hi = lo.checked_add(*number_of_elements as usize).ok_or(BAD)?;
            let part = v.get(lo..hi).ok_or(BAD)?;
            let out: Result<Vec<_>, _> = part.iter().map(|d| finish(et, d)).collect();
            Ok(Data::array(out?))
        }
        AccessSelection::AllElements => {
            let (et, v) = array_parts(ty, data).ok_or(BAD)?;
            let out: Result<Vec<_>, _> = v.iter().map(|d| finish(et, d)).collect();
            Ok(Data::array(out?))
        }
    }
}

fn apply_selection(
    ty: &TypeDescription<'static>,
    data: &Data<'static>,
    s: &AlternateAccessSelection<'_>,
) -> Result<Data<'static>, DataAccessError> {
    match s {
        AlternateAccessSelection::SelectAccess(sel) => select_one(ty, data, sel, None),
        AlternateAccessSelection::SelectAlternateAccess {
            access_selection,
            alternate_access,
        } => select_one(ty, data, access_selection, Some(alternate_access)),
    }
}

/// Applies an alternate access to a value (ISO 9506-1 §14.3): one element selects a part; a
/// list of several elements yields a structure of the parts, in order. A selection that does
/// not fit the type is object-attribute-inconsistent.
pub fn apply(
    ty: &TypeDescription<'static>,
    data: &Data<'static>,
    aa: &AlternateAccess<'_>,
) -> Result<Data<'static>, DataAccessError> {
    let sel = |e: &AlternateAccessElement<'_>| match e {
        AlternateAccessElement::Unnamed(s) => apply_selection(ty, data, s),
        AlternateAccessElement::Named { access, .. } => apply_selection(ty, data, access),
    };
    match aa.0.as_slice() {
        [] => Ok(data.clone()),
        [AlternateAccessElement::Unnamed(s)] => apply_selection(ty, data, s),
        many => {
            let parts: Result<Vec<_>, _> = many.iter().map(sel).collect();
            Ok(Data::structure(parts?))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Alternate access, write side: a chain of single selections.

/// One step of a write's alternate access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A structure component.
    Component(String),
    /// An array element.
    Index(u32),
    /// A range of array elements (last step only).
    Range(u32, u32),
}

/// The steps of an alternate access made of single unnamed selections; `None` when it has
/// another shape (several elements, named elements), which writes do not support.
pub fn steps(aa: &AlternateAccess<'_>) -> Option<Vec<Step>> {
    let mut out = Vec::new();
    let mut cur = aa;
    loop {
        let [AlternateAccessElement::Unnamed(s)] = cur.0.as_slice() else {
            return None;
        };
        let (sel, next) = match s {
            AlternateAccessSelection::SelectAccess(sel) => (sel, None),
            AlternateAccessSelection::SelectAlternateAccess {
                access_selection,
                alternate_access,
            } => (access_selection, Some(alternate_access)),
        };
        match sel {
            AccessSelection::Component(c) => out.push(Step::Component(c.to_string())),
            AccessSelection::Index(i) => out.push(Step::Index(*i)),
            AccessSelection::IndexRange {
                low_index,
                number_of_elements,
            } if next.is_none() => out.push(Step::Range(*low_index, *number_of_elements)),
            AccessSelection::AllElements if next.is_none() => {}
            _ => return None,
        }
        match next {
            Some(n) => cur = n,
            None => return Some(out),
        }
    }
}

/// The type a chain of steps selects (for a range: an array of that many elements).
pub fn step_type(
    ty: &TypeDescription<'static>,
    steps: &[Step],
) -> Option<TypeDescription<'static>> {
    let mut t = ty;
    for (k, s) in steps.iter().enumerate() {
        match s {
            Step::Component(c) => {
                let i = component_index(t, c)?;
                t = component_type(t, i)?;
            }
            Step::Index(i) => match t {
                TypeDescription::Array {
                    number_of_elements,
                    element_type,
                    ..
                } if i < number_of_elements => t = described(element_type)?,
                _ => return None,
            },
            Step::Range(lo, n) => match t {
                TypeDescription::Array {
                    number_of_elements,
                    element_type,
                    packed,
                } if k + 1 == steps.len()
                    && u64::from(*lo) + u64::from(*n) <= u64::from(*number_of_elements) =>
                {
                    return Some(TypeDescription::Array {
                        packed: *packed,
                        number_of_elements: *n,
                        element_type: element_type.clone(),
                    })
                }
                _ => return None,
            },
        }
    }
    Some(t.clone())
}

/// Stores `value` at the place the steps select (checked by [`step_type`] first).
pub fn store(
    ty: &TypeDescription<'static>,
    data: &mut Data<'static>,
    steps: &[Step],
    value: Data<'static>,
) -> bool {
    let Some((first, rest)) = steps.split_first() else {
        *data = value;
        return true;
    };
    match (first, data) {
        (Step::Component(c), Data::Structure(l)) => {
            let Some(i) = component_index(ty, c) else {
                return false;
            };
            match (
                component_type(ty, i),
                items_mut(l).and_then(|v| v.get_mut(i)),
            ) {
                (Some(t), Some(d)) => store(t, d, rest, value),
                _ => false,
            }
        }
        (Step::Index(i), Data::Array(l)) => {
            let TypeDescription::Array { element_type, .. } = ty else {
                return false;
            };
            match (
                described(element_type),
                items_mut(l).and_then(|v| v.get_mut(*i as usize)),
            ) {
                (Some(t), Some(d)) => store(t, d, rest, value),
                _ => false,
            }
        }
        (Step::Range(lo, n), Data::Array(l)) => {
            let (Data::Array(new), Some(v)) = (value, items_mut(l)) else {
                return false;
            };
            let new = new.into_owned().to_vec();
            let lo = *lo as usize;
            match v.get_mut(lo..lo.saturating_add(*n as usize)) {
                Some(slot) if slot.len() == new.len() => {
                    slot.clone_from_slice(&new);
                    true
                }
                _ => false,
            }
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Conformance (ISO 9506-1 §14.4: a value written must match the variable's type).

fn fits_signed(v: i64, bits: u8) -> bool {
    if bits == 0 || bits >= 64 {
        return true;
    }
    let min = -(1i64 << (bits - 1));
    let max = (1i64 << (bits - 1)) - 1;
    (min..=max).contains(&v)
}

fn fits_unsigned(v: u64, bits: u8) -> bool {
    bits == 0 || bits >= 64 || v < (1u64 << bits)
}

fn fits_len(len: usize, size: i32) -> bool {
    // A negative size bounds a variable length; a positive one is the (maximum) length.
    len <= size.unsigned_abs() as usize
}

/// Why a value does not conform to a type (None: it conforms).
pub fn mismatch(ty: &TypeDescription<'static>, d: &Data<'_>) -> Option<String> {
    let ok = match (ty, d) {
        (TypeDescription::Boolean, Data::Boolean(_)) => true,
        (TypeDescription::Integer(b), Data::Integer(v)) => fits_signed(*v, *b),
        (TypeDescription::Unsigned(b), Data::Unsigned(v)) => fits_unsigned(*v, *b),
        (TypeDescription::Unsigned(b), Data::Integer(v)) => {
            u64::try_from(*v).is_ok_and(|u| fits_unsigned(u, *b))
        }
        (TypeDescription::BitString(size), Data::BitString(bs)) => {
            if *size >= 0 {
                bs.len() == *size as usize
            } else {
                bs.len() <= size.unsigned_abs() as usize
            }
        }
        (
            TypeDescription::FloatingPoint {
                format_width,
                exponent_width,
            },
            Data::FloatingPoint(f),
        ) => {
            f.exponent_width() == Some(*exponent_width)
                && f.0.len() == 1 + usize::from(*format_width) / 8
        }
        (TypeDescription::OctetString(s), Data::OctetString(o)) => fits_len(o.len(), *s),
        (TypeDescription::VisibleString(s), Data::VisibleString(v)) => fits_len(v.len(), *s),
        (TypeDescription::MmsString(s), Data::MmsString(v)) => fits_len(v.chars().count(), *s),
        (TypeDescription::GeneralizedTime, Data::GeneralizedTime(_)) => true,
        (TypeDescription::BinaryTime(date), Data::BinaryTime(t)) => t.days.is_some() == *date,
        (TypeDescription::Bcd(_), Data::Bcd(_)) => true,
        (TypeDescription::ObjId, Data::ObjId(_)) => true,
        (TypeDescription::UtcTime, Data::UtcTime(_)) => true,
        (TypeDescription::Structure { components, .. }, Data::Structure(l)) => {
            if l.len() != components.len() {
                return Some(format!(
                    "a structure of {} components, not {}",
                    components.len(),
                    l.len()
                ));
            }
            for (c, v) in components.iter().zip(l.iter()) {
                let Some(ct) = described(&c.component_type) else {
                    return Some("a named component type".into());
                };
                if let Some(why) = mismatch(ct, &v) {
                    let n = c.component_name.as_deref().unwrap_or("?");
                    return Some(format!("{n}: {why}"));
                }
            }
            true
        }
        (
            TypeDescription::Array {
                number_of_elements,
                element_type,
                ..
            },
            Data::Array(l),
        ) => {
            if l.len() != *number_of_elements as usize {
                return Some(format!(
                    "an array of {number_of_elements} elements, not {}",
                    l.len()
                ));
            }
            let Some(et) = described(element_type) else {
                return Some("a named element type".into());
            };
            for (i, v) in l.iter().enumerate() {
                if let Some(why) = mismatch(et, &v) {
                    return Some(format!("[{i}]: {why}"));
                }
            }
            true
        }
        _ => false,
    };
    if ok {
        None
    } else {
        Some(format!("{} does not fit {}", data_kind(d), type_kind(ty)))
    }
}

/// A short name of a value's alternative, for messages.
pub fn data_kind(d: &Data<'_>) -> Cow<'static, str> {
    Cow::Borrowed(match d {
        Data::Array(_) => "an array",
        Data::Structure(_) => "a structure",
        Data::Boolean(_) => "a boolean",
        Data::BitString(_) => "a bit string",
        Data::Integer(_) => "an integer",
        Data::Unsigned(_) => "an unsigned",
        Data::FloatingPoint(_) => "a floating point",
        Data::Real(_) => "a real",
        Data::OctetString(_) => "an octet string",
        Data::VisibleString(_) => "a visible string",
        Data::GeneralizedTime(_) => "a generalized time",
        Data::BinaryTime(_) => "a binary time",
        Data::Bcd(_) => "a bcd",
        Data::BooleanArray(_) => "a boolean array",
        Data::ObjId(_) => "an object identifier",
        Data::MmsString(_) => "an MMS string",
        Data::UtcTime(_) => "a UTC time",
    })
}

fn type_kind(t: &TypeDescription<'_>) -> String {
    match t {
        TypeDescription::Array {
            number_of_elements, ..
        } => format!("array[{number_of_elements}]"),
        TypeDescription::Structure { .. } => "structure".into(),
        TypeDescription::Boolean => "boolean".into(),
        TypeDescription::BitString(n) => format!("bit-string({n})"),
        TypeDescription::Integer(n) => format!("integer({n})"),
        TypeDescription::Unsigned(n) => format!("unsigned({n})"),
        TypeDescription::FloatingPoint { format_width, .. } => format!("float{format_width}"),
        TypeDescription::OctetString(n) => format!("octet-string({n})"),
        TypeDescription::VisibleString(n) => format!("visible-string({n})"),
        TypeDescription::GeneralizedTime => "generalized-time".into(),
        TypeDescription::BinaryTime(_) => "binary-time".into(),
        TypeDescription::Bcd(_) => "bcd".into(),
        TypeDescription::ObjId => "objId".into(),
        TypeDescription::MmsString(n) => format!("mms-string({n})"),
        TypeDescription::UtcTime => "utc-time".into(),
    }
}

/// The default (zero) value of a type: false, 0, empty strings, all-zero bit strings, the
/// epoch; used for variables declared without a value.
pub fn default_value(ty: &TypeDescription<'static>) -> Data<'static> {
    use crate::data::{FloatingPoint, MmsBitString, UtcTime};
    match ty {
        TypeDescription::Array {
            number_of_elements,
            element_type,
            ..
        } => {
            let e = described(element_type).map_or(Data::Boolean(false), default_value);
            Data::array(vec![e; (*number_of_elements).min(65_536) as usize])
        }
        TypeDescription::Structure { components, .. } => Data::structure(
            components
                .iter()
                .map(|c| described(&c.component_type).map_or(Data::Boolean(false), default_value))
                .collect(),
        ),
        TypeDescription::Boolean => Data::Boolean(false),
        TypeDescription::BitString(n) => {
            let len = if *n > 0 { (*n).min(4096) as usize } else { 0 };
            Data::BitString(MmsBitString::from_bools(&vec![false; len]))
        }
        TypeDescription::Integer(_) => Data::Integer(0),
        TypeDescription::Unsigned(_) => Data::Unsigned(0),
        TypeDescription::FloatingPoint { format_width, .. } => {
            Data::FloatingPoint(if *format_width > 32 {
                FloatingPoint::from_f64(0.0)
            } else {
                FloatingPoint::from_f32(0.0)
            })
        }
        TypeDescription::OctetString(_) => Data::OctetString(Cow::Owned(Vec::new())),
        TypeDescription::VisibleString(_) => Data::VisibleString(Cow::Owned(String::new())),
        TypeDescription::GeneralizedTime => Data::GeneralizedTime(Cow::Borrowed("19700101000000Z")),
        TypeDescription::BinaryTime(date) => Data::BinaryTime(crate::common::TimeOfDay {
            millis: 0,
            days: date.then_some(0),
        }),
        TypeDescription::Bcd(_) => Data::Bcd(0),
        TypeDescription::ObjId => Data::ObjId(crate::codec::Oid::new(Cow::Owned(vec![0]))),
        TypeDescription::MmsString(_) => Data::MmsString(Cow::Owned(String::new())),
        TypeDescription::UtcTime => Data::UtcTime(UtcTime {
            seconds: 0,
            fraction: 0,
            quality: 0,
        }),
    }
}

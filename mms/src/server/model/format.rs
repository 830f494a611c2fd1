//! The JSON model file (see `docs/model-format.md`): identity, domains, named variables with
//! their ISO 9506-2 §14.4.1 types and §14.4.2 initial values, variable lists, journals and the
//! file store root. [`Model::from_json_str`] reads one, [`Model::to_json_string`] writes one.
//! Errors name the place in the file (`domains.DEMOLD0.variables[3] (GGIO1).value.ST`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::common::TimeOfDay;
use crate::data::{Data, FloatingPoint, MmsBitString, UtcTime};
use crate::types::{StructureComponent, TypeDescription, TypeSpecification};

use super::path::{default_value, described};
use super::store::{Journal, Scope};
use super::{Model, ModelBuilder, ModelError, WriteAccess};

/// The top level of a model file.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// Identify's answer.
    #[serde(default)]
    pub identity: Option<IdentityFile>,
    /// List component paths in GetNameList (IEC 61850-8-1 browsing).
    #[serde(default)]
    pub expand_components: bool,
    /// The file store root directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<String>,
    /// VMD-specific objects.
    #[serde(default)]
    pub vmd: ScopeFile,
    /// Domains by name.
    #[serde(default)]
    pub domains: BTreeMap<String, ScopeFile>,
}

/// `identity` of a model file.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityFile {
    /// vendorName.
    pub vendor: String,
    /// modelName.
    pub model: String,
    /// revision.
    pub revision: String,
}

/// The objects of one scope in a model file.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeFile {
    /// Named variables.
    #[serde(default)]
    pub variables: Vec<VariableFile>,
    /// Named variable lists.
    #[serde(default)]
    pub lists: Vec<ListFile>,
    /// Journals.
    #[serde(default)]
    pub journals: Vec<JournalFile>,
}

/// One named variable in a model file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableFile {
    /// The name.
    pub name: String,
    /// The type (see `docs/model-format.md`).
    #[serde(rename = "type")]
    pub ty: Value,
    /// The initial value (absent: the type's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// `false` (default), `true`, or a list of writable component paths.
    #[serde(default, skip_serializing_if = "is_false")]
    pub writable: Value,
}

fn is_false(v: &Value) -> bool {
    matches!(v, Value::Null | Value::Bool(false))
}

/// One named variable list in a model file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListFile {
    /// The name.
    pub name: String,
    /// The members: `domain/item`, `item` (this scope) or `@item`.
    pub members: Vec<String>,
    /// mmsDeletable.
    #[serde(default)]
    pub deletable: bool,
}

/// One journal in a model file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalFile {
    /// The name.
    pub name: String,
    /// The entries.
    #[serde(default)]
    pub entries: Vec<EntryFile>,
}

/// One journal entry in a model file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryFile {
    /// Occurrence time, milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// A data entry's variables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<EntryVariableFile>,
    /// An annotation entry's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation: Option<String>,
}

/// One variable of a journal entry in a model file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryVariableFile {
    /// variableTag.
    pub tag: String,
    /// The value's type.
    #[serde(rename = "type")]
    pub ty: Value,
    /// The value.
    pub value: Value,
}

fn ferr(at: &str, reason: impl Into<String>) -> ModelError {
    ModelError::Format {
        at: at.to_string(),
        reason: reason.into(),
    }
}

const MAX_TYPE_DEPTH: usize = 32;

fn size(v: &Value, at: &str) -> Result<i32, ModelError> {
    v.as_i64()
        .and_then(|n| i32::try_from(n).ok())
        .ok_or_else(|| ferr(at, format!("expected an integer size, found {v}")))
}

fn bits(v: &Value, at: &str) -> Result<u8, ModelError> {
    v.as_u64()
        .and_then(|n| u8::try_from(n).ok())
        .ok_or_else(|| ferr(at, format!("expected a size in bits (0..255), found {v}")))
}

/// Parses a type (see `docs/model-format.md`).
pub fn type_from_json(v: &Value, at: &str) -> Result<TypeDescription<'static>, ModelError> {
    type_depth(v, at, 0)
}

fn type_depth(v: &Value, at: &str, depth: usize) -> Result<TypeDescription<'static>, ModelError> {
    if depth > MAX_TYPE_DEPTH {
        return Err(ferr(at, "types nest too deep"));
    }
    if let Some(s) = v.as_str() {
        return Ok(match s {
            "boolean" => TypeDescription::Boolean,
            "float32" => TypeDescription::FloatingPoint {
                format_width: 32,
                exponent_width: 8,
            },
            "float64" => TypeDescription::FloatingPoint {
                format_width: 64,
                exponent_width: 11,
            },
            "utc_time" => TypeDescription::UtcTime,
            "generalized_time" => TypeDescription::GeneralizedTime,
            "binary_time" => TypeDescription::BinaryTime(true),
            "time_of_day" => TypeDescription::BinaryTime(false),
            "objid" => TypeDescription::ObjId,
            other => return Err(ferr(at, format!("unknown type \"{other}\""))),
        });
    }
    let Some(obj) = v.as_object() else {
        return Err(ferr(at, format!("expected a type, found {v}")));
    };
    let (k, x) = match obj.iter().next() {
        Some(kv) if obj.len() == 1 => kv,
        _ => return Err(ferr(at, "a type object has exactly one key")),
    };
    let at2 = format!("{at}.{k}");
    Ok(match k.as_str() {
        "integer" => TypeDescription::Integer(bits(x, &at2)?),
        "unsigned" => TypeDescription::Unsigned(bits(x, &at2)?),
        "bcd" => TypeDescription::Bcd(bits(x, &at2)?),
        "bit_string" => TypeDescription::BitString(size(x, &at2)?),
        "octet_string" => TypeDescription::OctetString(size(x, &at2)?),
        "visible_string" => TypeDescription::VisibleString(size(x, &at2)?),
        "mms_string" => TypeDescription::MmsString(size(x, &at2)?),
        "array" => {
            let elements = x
                .get("elements")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| ferr(&at2, "an array needs \"elements\" (a count)"))?;
            let et = x
                .get("type")
                .ok_or_else(|| ferr(&at2, "an array needs an element \"type\""))?;
            TypeDescription::Array {
                packed: x.get("packed").and_then(Value::as_bool).unwrap_or(false),
                number_of_elements: elements,
                element_type: Box::new(TypeSpecification::TypeDescription(type_depth(
                    et,
                    &format!("{at2}.type"),
                    depth + 1,
                )?)),
            }
        }
        "structure" => {
            let comps = x
                .as_array()
                .ok_or_else(|| ferr(&at2, "a structure is a list of {\"name\", \"type\"}"))?;
            let mut components = Vec::with_capacity(comps.len());
            for (i, c) in comps.iter().enumerate() {
                let name = c
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| ferr(&format!("{at2}[{i}]"), "a component needs a \"name\""))?;
                let ct = c
                    .get("type")
                    .ok_or_else(|| ferr(&format!("{at2}[{i}]"), "a component needs a \"type\""))?;
                components.push(StructureComponent::named(
                    name.to_string(),
                    type_depth(ct, &format!("{at2}.{name}"), depth + 1)?,
                ));
            }
            TypeDescription::Structure {
                packed: false,
                components,
            }
        }
        other => return Err(ferr(at, format!("unknown type \"{other}\""))),
    })
}

/// Writes a type in the model file's form.
pub fn type_to_json(t: &TypeDescription<'_>) -> Value {
    match t {
        TypeDescription::Boolean => json!("boolean"),
        TypeDescription::FloatingPoint { format_width, .. } => {
            json!(if *format_width > 32 {
                "float64"
            } else {
                "float32"
            })
        }
        TypeDescription::UtcTime => json!("utc_time"),
        TypeDescription::GeneralizedTime => json!("generalized_time"),
        TypeDescription::BinaryTime(true) => json!("binary_time"),
        TypeDescription::BinaryTime(false) => json!("time_of_day"),
        TypeDescription::ObjId => json!("objid"),
        TypeDescription::Integer(b) => json!({ "integer": b }),
        TypeDescription::Unsigned(b) => json!({ "unsigned": b }),
        TypeDescription::Bcd(b) => json!({ "bcd": b }),
        TypeDescription::BitString(n) => json!({ "bit_string": n }),
        TypeDescription::OctetString(n) => json!({ "octet_string": n }),
        TypeDescription::VisibleString(n) => json!({ "visible_string": n }),
        TypeDescription::MmsString(n) => json!({ "mms_string": n }),
        TypeDescription::Array {
            packed,
            number_of_elements,
            element_type,
        } => {
            let et = match element_type.as_ref() {
                TypeSpecification::TypeDescription(d) => type_to_json(d),
                TypeSpecification::TypeName(n) => json!(n.to_string()),
            };
            let mut o = json!({ "elements": number_of_elements, "type": et });
            if *packed {
                o["packed"] = json!(true);
            }
            json!({ "array": o })
        }
        TypeDescription::Structure { components, .. } => json!({
            "structure": components
                .iter()
                .map(|c| {
                    let ct = match &c.component_type {
                        TypeSpecification::TypeDescription(d) => type_to_json(d),
                        TypeSpecification::TypeName(n) => json!(n.to_string()),
                    };
                    json!({ "name": c.component_name.as_deref().unwrap_or(""), "type": ct })
                })
                .collect::<Vec<_>>()
        }),
    }
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if s.len() % 2 != 0 {
        return None;
    }
    s.chunks(2)
        .map(|c| {
            let h = *c.first()?;
            let l = *c.get(1)?;
            let d = |b: u8| (b as char).to_digit(16);
            Some((d(h)? * 16 + d(l)?) as u8)
        })
        .collect()
}

fn hex_encode(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Parses a value of type `t` (see `docs/model-format.md`).
pub fn value_from_json(
    t: &TypeDescription<'static>,
    v: &Value,
    at: &str,
) -> Result<Data<'static>, ModelError> {
    let bad = || {
        ferr(
            at,
            format!("{v} is not a value of type {}", type_to_json(t)),
        )
    };
    Ok(match t {
        TypeDescription::Boolean => Data::Boolean(v.as_bool().ok_or_else(bad)?),
        TypeDescription::Integer(_) => Data::Integer(v.as_i64().ok_or_else(bad)?),
        TypeDescription::Unsigned(_) => Data::Unsigned(v.as_u64().ok_or_else(bad)?),
        TypeDescription::Bcd(_) => Data::Bcd(v.as_i64().ok_or_else(bad)?),
        TypeDescription::FloatingPoint { format_width, .. } => {
            let f = v.as_f64().ok_or_else(bad)?;
            Data::FloatingPoint(if *format_width > 32 {
                FloatingPoint::from_f64(f)
            } else {
                FloatingPoint::from_f32(f as f32)
            })
        }
        TypeDescription::BitString(_) => {
            let s = v.as_str().ok_or_else(bad)?;
            let bools: Option<Vec<bool>> = s
                .chars()
                .map(|c| match c {
                    '0' => Some(false),
                    '1' => Some(true),
                    _ => None,
                })
                .collect();
            Data::BitString(MmsBitString::from_bools(&bools.ok_or_else(|| {
                ferr(at, "a bit string is a text of 0 and 1, first bit first")
            })?))
        }
        TypeDescription::OctetString(_) => Data::OctetString(Cow::Owned(
            hex_decode(v.as_str().ok_or_else(bad)?)
                .ok_or_else(|| ferr(at, "an octet string is a text of hex digit pairs"))?,
        )),
        TypeDescription::VisibleString(_) => {
            let s = v.as_str().ok_or_else(bad)?;
            if !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                return Err(ferr(at, "a visible string has printable ASCII only"));
            }
            Data::VisibleString(Cow::Owned(s.to_string()))
        }
        TypeDescription::MmsString(_) => {
            Data::MmsString(Cow::Owned(v.as_str().ok_or_else(bad)?.to_string()))
        }
        TypeDescription::GeneralizedTime => {
            Data::GeneralizedTime(Cow::Owned(v.as_str().ok_or_else(bad)?.to_string()))
        }
        TypeDescription::UtcTime => {
            if let Some(secs) = v.as_f64() {
                let nanos = (secs.max(0.0) * 1e9) as u64;
                Data::UtcTime(UtcTime::from_unix_nanos(nanos, 0))
            } else {
                let o = v.as_object().ok_or_else(bad)?;
                let g = |k: &str| o.get(k).and_then(Value::as_u64).unwrap_or(0);
                Data::UtcTime(UtcTime {
                    seconds: u32::try_from(g("seconds")).map_err(|_| bad())?,
                    fraction: u32::try_from(g("fraction")).map_err(|_| bad())? & 0x00FF_FFFF,
                    quality: u8::try_from(g("quality")).map_err(|_| bad())?,
                })
            }
        }
        TypeDescription::BinaryTime(date) => {
            let ms = v.as_i64().ok_or_else(bad)?;
            let t = TimeOfDay::from_unix_millis(ms);
            Data::BinaryTime(if *date {
                t
            } else {
                TimeOfDay {
                    millis: t.millis,
                    days: None,
                }
            })
        }
        TypeDescription::ObjId => {
            let s = v.as_str().ok_or_else(bad)?;
            let arcs: Option<Vec<u64>> = s.split('.').map(|a| a.parse().ok()).collect();
            let oid = arcs
                .and_then(|a| crate::codec::Oid::from(&a).ok())
                .ok_or_else(|| ferr(at, "an object identifier is dotted numbers"))?;
            Data::ObjId(oid.to_owned())
        }
        TypeDescription::Structure { components, .. } => {
            let mut out = Vec::with_capacity(components.len());
            match v {
                Value::Object(o) => {
                    for k in o.keys() {
                        if !components
                            .iter()
                            .any(|c| c.component_name.as_deref() == Some(k))
                        {
                            return Err(ferr(at, format!("no component {k} in this structure")));
                        }
                    }
                    for c in components {
                        let n = c.component_name.as_deref().unwrap_or("");
                        let ct =
                            described(&c.component_type).ok_or_else(|| ferr(at, "named type"))?;
                        out.push(match o.get(n) {
                            Some(x) => value_from_json(ct, x, &format!("{at}.{n}"))?,
                            None => default_value(ct),
                        });
                    }
                }
                Value::Array(a) if a.len() == components.len() => {
                    for (i, (c, x)) in components.iter().zip(a).enumerate() {
                        let ct =
                            described(&c.component_type).ok_or_else(|| ferr(at, "named type"))?;
                        out.push(value_from_json(ct, x, &format!("{at}[{i}]"))?);
                    }
                }
                _ => return Err(bad()),
            }
            Data::structure(out)
        }
        TypeDescription::Array {
            number_of_elements,
            element_type,
            ..
        } => {
            let a = v.as_array().ok_or_else(bad)?;
            if a.len() != *number_of_elements as usize {
                return Err(ferr(
                    at,
                    format!("expected {number_of_elements} elements, found {}", a.len()),
                ));
            }
            let et = described(element_type).ok_or_else(|| ferr(at, "named type"))?;
            let out: Result<Vec<_>, _> = a
                .iter()
                .enumerate()
                .map(|(i, x)| value_from_json(et, x, &format!("{at}[{i}]")))
                .collect();
            Data::array(out?)
        }
    })
}

/// Writes a value of type `t` in the model file's form.
pub fn value_to_json(t: &TypeDescription<'_>, d: &Data<'_>) -> Value {
    match (t, d) {
        (_, Data::Boolean(b)) => json!(b),
        (_, Data::Integer(i)) | (_, Data::Bcd(i)) => json!(i),
        (_, Data::Unsigned(u)) => json!(u),
        (_, Data::FloatingPoint(f)) => json!(float_value(f)),
        (_, Data::BitString(b)) | (_, Data::BooleanArray(b)) => {
            json!(b
                .iter()
                .map(|x| if x { '1' } else { '0' })
                .collect::<String>())
        }
        (_, Data::OctetString(o)) | (_, Data::Real(o)) => json!(hex_encode(o)),
        (_, Data::VisibleString(s)) | (_, Data::MmsString(s)) | (_, Data::GeneralizedTime(s)) => {
            json!(s)
        }
        (_, Data::UtcTime(u)) => {
            json!({ "seconds": u.seconds, "fraction": u.fraction, "quality": u.quality })
        }
        (_, Data::BinaryTime(b)) => json!(b.unix_millis().unwrap_or(i64::from(b.millis))),
        (_, Data::ObjId(o)) => json!(o.to_id_string()),
        (TypeDescription::Structure { components, .. }, Data::Structure(l)) => {
            let mut o = Map::new();
            for (c, x) in components.iter().zip(l.iter()) {
                if let (Some(n), TypeSpecification::TypeDescription(ct)) =
                    (&c.component_name, &c.component_type)
                {
                    o.insert(n.to_string(), value_to_json(ct, &x));
                }
            }
            Value::Object(o)
        }
        (TypeDescription::Array { element_type, .. }, Data::Array(l)) => {
            match element_type.as_ref() {
                TypeSpecification::TypeDescription(et) => {
                    Value::Array(l.iter().map(|x| value_to_json(et, &x)).collect())
                }
                TypeSpecification::TypeName(_) => Value::Null,
            }
        }
        (_, Data::Structure(l)) | (_, Data::Array(l)) => Value::Array(
            l.iter()
                .map(|x| value_to_json(&TypeDescription::Boolean, &x))
                .collect(),
        ),
    }
}

/// A floating-point value as JSON: a single-precision value as the shortest decimal that reads
/// back to the same `f32` (0.1, not 0.10000000149011612), a double as itself.
fn float_value(f: &crate::data::FloatingPoint) -> f64 {
    if f.exponent_width() == Some(8) {
        if let Some(x) = f.to_f32() {
            // Rust prints the shortest representation that round-trips the f32.
            if let Ok(v) = x.to_string().parse::<f64>() {
                return v;
            }
        }
    }
    f.to_f64().unwrap_or(0.0)
}

/// The type a value has on its own (for journal values, which carry no declared type).
pub fn type_of_value(d: &Data<'_>) -> TypeDescription<'static> {
    match d {
        Data::Boolean(_) => TypeDescription::Boolean,
        Data::Integer(_) => TypeDescription::Integer(64),
        Data::Unsigned(_) => TypeDescription::Unsigned(64),
        Data::Bcd(_) => TypeDescription::Bcd(64),
        Data::FloatingPoint(f) if f.exponent_width() == Some(11) => {
            TypeDescription::FloatingPoint {
                format_width: 64,
                exponent_width: 11,
            }
        }
        Data::FloatingPoint(_) => TypeDescription::FloatingPoint {
            format_width: 32,
            exponent_width: 8,
        },
        Data::BitString(b) | Data::BooleanArray(b) => TypeDescription::BitString(-(b.len() as i32)),
        Data::OctetString(o) | Data::Real(o) => TypeDescription::OctetString(-(o.len() as i32)),
        Data::VisibleString(s) => TypeDescription::VisibleString(-(s.len() as i32)),
        Data::MmsString(s) => TypeDescription::MmsString(-(s.chars().count() as i32)),
        Data::GeneralizedTime(_) => TypeDescription::GeneralizedTime,
        Data::UtcTime(_) => TypeDescription::UtcTime,
        Data::BinaryTime(t) => TypeDescription::BinaryTime(t.days.is_some()),
        Data::ObjId(_) => TypeDescription::ObjId,
        Data::Structure(l) => TypeDescription::Structure {
            packed: false,
            components: l
                .iter()
                .enumerate()
                .map(|(i, x)| StructureComponent::named(format!("c{i}"), type_of_value(&x)))
                .collect(),
        },
        Data::Array(l) => TypeDescription::Array {
            packed: false,
            number_of_elements: l.len() as u32,
            element_type: Box::new(TypeSpecification::TypeDescription(
                l.iter()
                    .next()
                    .map_or(TypeDescription::Boolean, |x| type_of_value(&x)),
            )),
        },
    }
}

fn scope_from_file(
    mut b: super::ScopeBuilder,
    f: &ScopeFile,
    at: &str,
) -> Result<super::ScopeBuilder, ModelError> {
    for (i, v) in f.variables.iter().enumerate() {
        let vat = format!("{at}.variables[{i}] ({})", v.name);
        let ty = type_from_json(&v.ty, &format!("{vat}.type"))?;
        let value = match &v.value {
            Some(x) => Some(value_from_json(&ty, x, &format!("{vat}.value"))?),
            None => None,
        };
        let write = match &v.writable {
            Value::Null | Value::Bool(false) => WriteAccess::None,
            Value::Bool(true) => WriteAccess::All,
            Value::Array(a) => WriteAccess::Paths(
                a.iter()
                    .map(|p| p.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| ferr(&format!("{vat}.writable"), "a list of component paths"))?,
            ),
            _ => {
                return Err(ferr(
                    &format!("{vat}.writable"),
                    "false, true or a list of component paths",
                ))
            }
        };
        b = b.variable_with(&v.name, ty, value, write);
    }
    for l in &f.lists {
        let members: Vec<&str> = l.members.iter().map(String::as_str).collect();
        b = b.list(&l.name, &members, l.deletable);
    }
    for (ji, j) in f.journals.iter().enumerate() {
        let mut journal = Journal::default();
        for (ei, e) in j.entries.iter().enumerate() {
            let mut vars = Vec::new();
            for (vi, v) in e.variables.iter().enumerate() {
                let vat = format!("{at}.journals[{ji}].entries[{ei}].variables[{vi}]");
                let ty = type_from_json(&v.ty, &format!("{vat}.type"))?;
                vars.push((
                    v.tag.clone(),
                    value_from_json(&ty, &v.value, &format!("{vat}.value"))?,
                ));
            }
            journal.append(e.time_ms, vars, e.annotation.clone());
        }
        b = b.journal(&j.name, journal);
    }
    Ok(b)
}

fn scope_to_file(s: &Scope, domain: Option<&str>) -> ScopeFile {
    let name_text = |n: &crate::common::ObjectName<'_>| match (n, domain) {
        (crate::common::ObjectName::DomainSpecific { domain_id, item_id }, Some(d))
            if domain_id == d =>
        {
            item_id.to_string()
        }
        _ => n.to_string(),
    };
    ScopeFile {
        variables: s
            .variables
            .iter()
            .map(|(n, v)| VariableFile {
                name: n.clone(),
                ty: type_to_json(&v.ty),
                value: Some(value_to_json(&v.ty, &v.value)),
                writable: match &v.write {
                    WriteAccess::None => Value::Bool(false),
                    WriteAccess::All => Value::Bool(true),
                    WriteAccess::Paths(p) => json!(p),
                },
            })
            .collect(),
        lists: s
            .lists
            .iter()
            .map(|(n, l)| ListFile {
                name: n.clone(),
                members: l.members.iter().map(|m| name_text(&m.name)).collect(),
                deletable: l.deletable,
            })
            .collect(),
        journals: s
            .journals
            .iter()
            .map(|(n, j)| JournalFile {
                name: n.clone(),
                entries: j
                    .entries
                    .iter()
                    .map(|e| EntryFile {
                        time_ms: e.time_ms,
                        variables: e
                            .variables
                            .iter()
                            .map(|(t, d)| {
                                let ty = type_of_value(d);
                                EntryVariableFile {
                                    tag: t.clone(),
                                    ty: type_to_json(&ty),
                                    value: value_to_json(&ty, d),
                                }
                            })
                            .collect(),
                        annotation: e.annotation.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

impl ModelBuilder {
    /// Adds what a parsed model file describes.
    pub fn model_file(mut self, f: &ModelFile) -> Result<ModelBuilder, ModelError> {
        if let Some(id) = &f.identity {
            self = self.identity(&id.vendor, &id.model, &id.revision);
        }
        self = self.expand_components(f.expand_components);
        if let Some(root) = &f.files {
            self = self.files(root);
        }
        let mut err = None;
        self = self.vmd(|b| match scope_from_file(b, &f.vmd, "vmd") {
            Ok(b) => b,
            Err(e) => {
                err = Some(e);
                super::ScopeBuilder::new(None, Scope::default())
            }
        });
        if let Some(e) = err {
            return Err(e);
        }
        for (d, s) in &f.domains {
            let mut err = None;
            self = self.domain(d, |b| {
                match scope_from_file(b, s, &format!("domains.{d}")) {
                    Ok(b) => b,
                    Err(e) => {
                        err = Some(e);
                        super::ScopeBuilder::new(Some(d.clone()), Scope::default())
                    }
                }
            });
            if let Some(e) = err {
                return Err(e);
            }
        }
        Ok(self)
    }
}

impl Model {
    /// Builds a model from JSON model-file text.
    pub fn from_json_str(text: &str) -> Result<Model, ModelError> {
        let f: ModelFile = serde_json::from_str(text).map_err(|e| {
            ferr(
                &format!("line {} column {}", e.line(), e.column()),
                e.to_string(),
            )
        })?;
        Model::builder().model_file(&f)?.build()
    }

    /// Builds a model from a JSON model file.
    pub fn from_json_file(path: impl AsRef<std::path::Path>) -> Result<Model, ModelError> {
        let p = path.as_ref();
        let text = std::fs::read_to_string(p)
            .map_err(|e| ferr(&p.display().to_string(), e.to_string()))?;
        Model::from_json_str(&text)
    }

    /// The model (identity, current values, lists, journals) as a model file.
    pub fn to_model_file(&self) -> ModelFile {
        let id = self.identity();
        let (vmd, domains) = self.snapshot();
        ModelFile {
            identity: Some(IdentityFile {
                vendor: id.vendor,
                model: id.model,
                revision: id.revision,
            }),
            expand_components: self.expands_components(),
            files: self.file_store().map(|f| f.root().display().to_string()),
            vmd: scope_to_file(&vmd, None),
            domains: domains
                .iter()
                .map(|(n, s)| (n.clone(), scope_to_file(s, Some(n))))
                .collect(),
        }
    }

    /// The model as pretty-printed model-file JSON.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string_pretty(&self.to_model_file()).unwrap_or_default()
    }
}

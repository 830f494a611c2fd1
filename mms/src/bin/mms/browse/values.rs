//! Values as lines of text for `mms browse`: structures with their component names, IEC 61850
//! quality (IEC 61850-7-3 §6.2, a 13-bit bit string named `q`) and timestamps (UtcTime with
//! its TimeQuality, IEC 61850-8-1 §8.1.3.7) decoded.

use mms::data::{Data, UtcTime};
use mms::iec61850::{Quality, Validity};
use mms::types::{TypeDescription, TypeSpecification};
use mms::{AccessResult, UnconfirmedService, VariableAccessSpecification};

/// Lines deeper than this are not expanded (the decoder bounds nesting; this bounds the pane).
const MAX_DEPTH: usize = 12;

/// Text from the peer made safe for the terminal: every control character (an escape
/// sequence's ESC, a carriage return) shown as `?`, so a server cannot drive the terminal.
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// `value` as indented lines: `name: text`, structures one component a line.
pub fn value_lines(name: &str, ty: Option<&TypeDescription<'_>>, d: &Data<'_>) -> Vec<String> {
    let mut out = Vec::new();
    lines(name, ty, d, 0, &mut out);
    out
}

fn lines(
    name: &str,
    ty: Option<&TypeDescription<'_>>,
    d: &Data<'_>,
    depth: usize,
    out: &mut Vec<String>,
) {
    let pad = "  ".repeat(depth);
    match d {
        Data::Structure(l) | Data::Array(l) if depth < MAX_DEPTH => {
            let array = matches!(d, Data::Array(_));
            out.push(clean(&format!(
                "{pad}{name}: {}",
                if array {
                    format!("[{}]", l.len())
                } else {
                    String::new()
                }
            )));
            for (i, x) in l.iter().enumerate() {
                let (cname, cty) = component(ty, i);
                let cname = if array {
                    format!("[{i}]")
                } else {
                    cname.unwrap_or_else(|| format!("c{i}"))
                };
                lines(&cname, cty, &x, depth + 1, out);
            }
        }
        other => out.push(clean(&format!("{pad}{name}: {}", leaf_text(name, other)))),
    }
}

/// The name and type of component `i` of a structure (or the element type of an array).
fn component<'t>(
    ty: Option<&'t TypeDescription<'_>>,
    i: usize,
) -> (Option<String>, Option<&'t TypeDescription<'t>>) {
    match ty {
        Some(TypeDescription::Structure { components, .. }) => match components.get(i) {
            Some(c) => (
                c.component_name.as_deref().map(str::to_string),
                match &c.component_type {
                    TypeSpecification::TypeDescription(t) => Some(t),
                    TypeSpecification::TypeName(_) => None,
                },
            ),
            None => (None, None),
        },
        Some(TypeDescription::Array { element_type, .. }) => match element_type.as_ref() {
            TypeSpecification::TypeDescription(t) => (None, Some(t)),
            TypeSpecification::TypeName(_) => (None, None),
        },
        _ => (None, None),
    }
}

/// One value on one line; a 13-bit bit string named `q` reads as an IEC 61850 quality.
pub fn leaf_text(name: &str, d: &Data<'_>) -> String {
    match d {
        Data::BitString(b) if name == "q" && b.len() == usize::from(Quality::BITS) => {
            quality_text(Quality::from_bit_string(b))
        }
        Data::UtcTime(t) => utc_text(t),
        _ => compact(d),
    }
}

/// A value on one line, structures as `{a, b}`.
pub fn compact(d: &Data<'_>) -> String {
    match d {
        Data::Boolean(b) => b.to_string(),
        Data::Integer(i) | Data::Bcd(i) => i.to_string(),
        Data::Unsigned(u) => u.to_string(),
        Data::FloatingPoint(f) => match (f.exponent_width(), f.to_f32(), f.to_f64()) {
            // The shortest text that reads back to the same f32.
            (Some(8), Some(x), _) => x.to_string(),
            (_, _, Some(x)) => x.to_string(),
            _ => "(floating point)".into(),
        },
        Data::BitString(b) | Data::BooleanArray(b) => {
            b.iter().map(|x| if x { '1' } else { '0' }).collect()
        }
        Data::OctetString(o) | Data::Real(o) => o.iter().map(|x| format!("{x:02x}")).collect(),
        Data::VisibleString(s) | Data::MmsString(s) => format!("{s:?}"),
        Data::GeneralizedTime(s) => s.to_string(),
        Data::BinaryTime(t) => match t.unix_millis() {
            Some(ms) => millis_text(ms),
            None => format!("{} ms of the day", t.millis),
        },
        Data::ObjId(o) => o.to_id_string(),
        Data::UtcTime(t) => utc_text(t),
        Data::Structure(l) | Data::Array(l) => {
            let inner: Vec<String> = l.iter().map(|x| compact(&x)).collect();
            if matches!(d, Data::Array(_)) {
                format!("[{}]", inner.join(", "))
            } else {
                format!("{{{}}}", inner.join(", "))
            }
        }
    }
}

/// An IEC 61850 quality: validity and the detail bits that are set.
pub fn quality_text(q: Quality) -> String {
    let mut parts = vec![match q.validity() {
        Validity::Good => "good",
        Validity::Invalid => "invalid",
        Validity::Reserved => "reserved",
        Validity::Questionable => "questionable",
    }];
    let flags = [
        (q.overflow(), "overflow"),
        (q.out_of_range(), "outOfRange"),
        (q.bad_reference(), "badReference"),
        (q.oscillatory(), "oscillatory"),
        (q.failure(), "failure"),
        (q.old_data(), "oldData"),
        (q.inconsistent(), "inconsistent"),
        (q.inaccurate(), "inaccurate"),
        (q.substituted(), "substituted"),
        (q.test(), "test"),
        (q.operator_blocked(), "operatorBlocked"),
    ];
    parts.extend(flags.iter().filter(|(set, _)| *set).map(|(_, n)| *n));
    parts.join(" ")
}

/// A UtcTime as `YYYY-MM-DDTHH:MM:SS.mmmZ` with its TimeQuality.
pub fn utc_text(t: &UtcTime) -> String {
    let ms = i64::from(t.seconds) * 1000 + i64::from(t.fraction_nanos() / 1_000_000);
    let q = t.time_quality();
    let mut s = millis_text(ms);
    let acc = q.time_accuracy();
    if acc == 31 {
        s.push_str(" acc ?");
    } else {
        s.push_str(&format!(" acc {acc}b"));
    }
    if q.clock_not_synchronized() {
        s.push_str(" unsynced");
    }
    if q.clock_failure() {
        s.push_str(" clock-failure");
    }
    if q.leap_seconds_known() {
        s.push_str(" leap-known");
    }
    s
}

/// Milliseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn millis_text(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, mo, d) = mms::common::civil_from_days(days);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// An informationReport (ISO 9506-2 §14.7) on one line: what it names and its values.
pub fn report_text(at_ms: i64, service: &UnconfirmedService<'_>) -> String {
    let time = millis_text(at_ms);
    let time = time.get(11..19).unwrap_or(&time);
    match service {
        UnconfirmedService::InformationReport(r) => {
            let what = match &r.variable_access_specification {
                VariableAccessSpecification::VariableListName(n) => n.to_string(),
                VariableAccessSpecification::ListOfVariable(v) => format!("{} variables", v.len()),
            };
            let values: Vec<String> = r
                .list_of_access_result
                .iter()
                .map(|a| match a {
                    AccessResult::Success(d) => compact(d),
                    AccessResult::Failure(e) => format!("!{e}"),
                })
                .collect();
            clean(&format!("{time} {what}: {}", values.join(", ")))
        }
        other => clean(&format!("{time} {other:?}")),
    }
}

/// A journal entry (ISO 9506-2 §20.1) on one line: its time, identifier and contents.
pub fn entry_text(en: &mms::services::journal::JournalEntry<'_>) -> String {
    use mms::services::journal::EntryForm;
    let c = &en.entry_content;
    let time = match c.occurrence_time.unix_millis() {
        Some(ms) => millis_text(ms),
        None => format!("{} ms of the day", c.occurrence_time.millis),
    };
    let id: String = en
        .entry_identifier
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect();
    let what = match &c.entry_form {
        EntryForm::Annotation(a) => format!("{a:?}"),
        EntryForm::Data {
            event,
            list_of_variables,
        } => {
            let mut parts = Vec::new();
            if let Some(ev) = event {
                parts.push(format!(
                    "event {} {:?}",
                    ev.event_condition_name, ev.current_state
                ));
            }
            for v in list_of_variables.iter().flatten() {
                parts.push(format!(
                    "{}={}",
                    v.variable_tag,
                    compact(&v.value_specification)
                ));
            }
            parts.join(", ")
        }
    };
    clean(&format!("{time} [{id}] {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mms::data::{FloatingPoint, MmsBitString};
    use mms::types::StructureComponent;

    #[test]
    fn quality_and_time_are_decoded_in_a_structure() {
        let ty = TypeDescription::Structure {
            packed: false,
            components: vec![
                StructureComponent::named(
                    "mag",
                    TypeDescription::FloatingPoint {
                        format_width: 32,
                        exponent_width: 8,
                    },
                ),
                StructureComponent::named("q", TypeDescription::BitString(-13)),
                StructureComponent::named("t", TypeDescription::UtcTime),
            ],
        };
        // questionable (11) + oldData (bit 7): 1100000100000.
        let q = Quality::default()
            .with_validity(Validity::Questionable)
            .with_bit(7, true);
        let d = Data::structure(vec![
            Data::FloatingPoint(FloatingPoint::from_f32(0.1)),
            Data::BitString(q.to_bit_string()),
            Data::UtcTime(UtcTime {
                seconds: 1_000_000_000,
                fraction: 1 << 23,
                quality: 0x2A,
            }),
        ]);
        let l = value_lines("AnIn1", Some(&ty), &d);
        assert_eq!(
            l,
            [
                "AnIn1: ",
                "  mag: 0.1",
                "  q: questionable oldData",
                "  t: 2001-09-09T01:46:40.500Z acc 10b unsynced",
            ]
        );
        // Without the type: positional names, and no quality reading of an unnamed bit string.
        let l = value_lines("x", None, &d);
        assert_eq!(l[2], "  c1: 1100000100000");
        // A server's text cannot reach the terminal as control characters.
        let l = value_lines(
            "x",
            None,
            &Data::GeneralizedTime("\u{1b}[2J\r20240101".into()),
        );
        assert_eq!(l, ["x: ?[2J?20240101"]);
    }

    #[test]
    fn other_values_on_one_line() {
        assert_eq!(
            compact(&Data::array(vec![Data::Boolean(true), Data::Integer(-3)])),
            "[true, -3]"
        );
        assert_eq!(compact(&Data::VisibleString("a".into())), "\"a\"");
        assert_eq!(
            compact(&Data::BitString(MmsBitString::from_u32(0b10, 2))),
            "10"
        );
    }
}

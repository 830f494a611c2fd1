//! The JSON model file (docs/model-format.md): the documented example loads and serves, the
//! model round-trips through `to_json_string`, and errors name the place and the problem.
#![allow(clippy::unwrap_used)]

mod model_support;

use mms::common::ObjectName;
use mms::data::Data;
use mms::server::model::{demo, Model, ModelError};
use mms::types::TypeDescription;

/// The example of docs/model-format.md, verbatim.
fn doc_example() -> String {
    let doc = include_str!("../../docs/model-format.md");
    let start = doc.find("```json\n{\n  \"identity\"").unwrap() + 8;
    let end = start + doc[start..].find("```").unwrap();
    doc[start..end].to_string()
}

#[test]
fn documented_example_loads() {
    let m = Model::from_json_str(&doc_example()).unwrap();
    assert_eq!(m.identity().vendor, "acme");
    assert!(m.expands_components());
    assert_eq!(
        m.get("RTULD0", "GGIO1$ST$Ind1$stVal"),
        Some(Data::Boolean(true))
    );
    assert_eq!(m.get("RTULD0", "GGIO1$SP$setVal"), Some(Data::Integer(7)));
    assert_eq!(
        m.type_of(&ObjectName::domain("RTULD0", "GGIO1$ST$Ind1$q")),
        Some(TypeDescription::BitString(13))
    );
    match m.get("RTULD0", "GGIO1$ST$Ind1$t") {
        Some(Data::UtcTime(t)) => assert_eq!(t.seconds, 1_700_000_000),
        o => panic!("{o:?}"),
    }
    assert_eq!(
        m.get_name(&ObjectName::vmd("Bilateral_Table_ID")),
        Some(Data::VisibleString("BLT-1".into()))
    );
    // Writable paths: SP yes, ST no.
    let i = model_support::assoc(1, 65000);
    let w = |p: &str, d: Data<'static>| match model_support::call(
        &m,
        &i,
        mms::services::variables::WriteRequest::single(
            ObjectName::domain("RTULD0", p.to_string()),
            d,
        ),
    )
    .unwrap()
    {
        mms::pdu::ConfirmedServiceResponse::Write(r) => r.all_succeeded(),
        o => panic!("{o:?}"),
    };
    assert!(w("GGIO1$SP$setVal", Data::Integer(9)));
    assert!(!w("GGIO1$ST$Ind1$stVal", Data::Boolean(false)));
}

#[test]
fn round_trip_through_json() {
    for m in [
        Model::from_json_str(&doc_example()).unwrap(),
        demo::model(None).unwrap(),
    ] {
        let text = m.to_json_string();
        let back = Model::from_json_str(&text).unwrap();
        assert_eq!(back.to_json_string(), text);
        let (v1, d1) = m.snapshot();
        let (v2, d2) = back.snapshot();
        assert_eq!(
            v1.variables.keys().collect::<Vec<_>>(),
            v2.variables.keys().collect::<Vec<_>>()
        );
        for (name, s1) in &d1 {
            let s2 = &d2[name];
            for (vn, var) in &s1.variables {
                assert_eq!(var.value, s2.variables[vn].value, "{name}/{vn}");
                assert_eq!(var.ty, s2.variables[vn].ty);
                assert_eq!(var.write, s2.variables[vn].write);
            }
            assert_eq!(s1.lists, s2.lists);
            assert_eq!(s1.journals, s2.journals);
        }
    }
}

fn format_error(text: &str) -> (String, String) {
    match Model::from_json_str(text) {
        Err(ModelError::Format { at, reason }) => (at, reason),
        other => panic!("{other:?}"),
    }
}

#[test]
fn errors_say_where_and_what() {
    let (at, reason) = format_error(
        r#"{"domains": {"D": {"variables": [{"name": "V", "type": {"structure": [{"name": "a", "type": "flaot32"}]}}]}}}"#,
    );
    assert_eq!(at, "domains.D.variables[0] (V).type.structure.a");
    assert!(reason.contains("unknown type \"flaot32\""), "{reason}");
    let (at, reason) = format_error(
        r#"{"domains": {"D": {"variables": [{"name": "V", "type": {"structure": [{"name": "a", "type": "boolean"}]}, "value": {"a": 3}}]}}}"#,
    );
    assert_eq!(at, "domains.D.variables[0] (V).value.a");
    assert!(reason.contains("not a value of type"), "{reason}");
    let (at, _) = format_error(
        r#"{"vmd": {"variables": [{"name": "V", "type": {"array": {"elements": 2, "type": "boolean"}}, "value": [true]}]}}"#,
    );
    assert_eq!(at, "vmd.variables[0] (V).value");
    let (at, reason) = format_error(r#"{"vmd": {}, "colour": 1}"#);
    assert!(at.starts_with("line 1 column"), "{at}");
    assert!(reason.contains("colour"), "{reason}");
    let (_, reason) = format_error(
        r#"{"vmd": {"variables": [{"name": "V", "type": {"visible_string": 4}, "value": "héllo"}]}}"#,
    );
    assert!(reason.contains("printable ASCII"), "{reason}");
    match Model::from_json_str(
        r#"{"domains": {"D": {"lists": [{"name": "L", "members": ["X"]}]}}}"#,
    ) {
        Err(e @ ModelError::List { .. }) => assert_eq!(
            e.to_string(),
            "variable list D/L: member D/X does not exist"
        ),
        o => panic!("{o:?}"),
    }
    match Model::from_json_str(
        r#"{"vmd": {"variables": [{"name": "V", "type": {"integer": 8}, "value": 300}]}}"#,
    ) {
        Err(ModelError::Variable { name, reason }) => {
            assert_eq!(name, "V");
            assert!(reason.contains("initial value"), "{reason}");
        }
        o => panic!("{o:?}"),
    }
    match Model::from_json_str(r#"{"files": "/nonexistent/osi-mms-root"}"#) {
        Err(ModelError::Files { path, .. }) => assert_eq!(path, "/nonexistent/osi-mms-root"),
        o => panic!("{o:?}"),
    }
}

#[test]
fn single_floats_print_as_the_shortest_decimal_that_reads_back() {
    use mms::data::{Data, FloatingPoint};
    use mms::server::model::format::{type_of_value, value_to_json};
    for x in [0.1f32, 1.0e-7, 3.4028235e38, -2.5, 16_777_217.0] {
        let d = Data::FloatingPoint(FloatingPoint::from_f32(x));
        let text = value_to_json(&type_of_value(&d), &d).to_string();
        assert_eq!(text.parse::<f32>().expect("a number"), x, "{text}");
        assert!(text.len() <= format!("{x:e}").len() + 2, "{x}: {text}");
    }
    let d = Data::FloatingPoint(FloatingPoint::from_f32(0.1));
    assert_eq!(value_to_json(&type_of_value(&d), &d).to_string(), "0.1");
    // A double keeps its digits.
    let d = Data::FloatingPoint(FloatingPoint::from_f64(0.1));
    assert_eq!(value_to_json(&type_of_value(&d), &d).to_string(), "0.1");
}

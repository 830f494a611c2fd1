//! Unit checks of the server's parts that the loopback tests reach only indirectly: name
//! parsing, the bounded AllChangesReported buffer, component decoding, information-message
//! rights and the configuration defaults.

use std::collections::HashSet;

use super::bilateral::{Blt, MessageRight, Points};
use super::config::{Config, MessageScopeConfig};
use super::objects::Key;
use super::Tase2Server;
use crate::data::Data;
use crate::tase2::transfer_set::{DsConditions, EventCode};
use crate::tase2::Tase2Type;

#[test]
fn names_in_the_configuration_parse_to_their_scope() {
    assert_eq!(
        Key::parse("Voltage", Some("ICC1")),
        Key::icc("ICC1", "Voltage")
    );
    assert_eq!(
        Key::parse("ICC2/Flow", Some("ICC1")),
        Key::icc("ICC2", "Flow")
    );
    assert_eq!(
        Key::parse("/Frequency", Some("ICC1")),
        Key::vcc("Frequency")
    );
    assert_eq!(Key::parse("Frequency", None), Key::vcc("Frequency"));
    assert_eq!(Key::icc("A", "b").to_string(), "A/b");
    assert_eq!(Key::vcc("b").to_string(), "/b");
}

const JSON: &str = r#"{
  "iccs": [ { "name": "ICC1", "transfer_sets": 1,
    "points": [ { "name": "P", "type": "Data_Real" } ],
    "data_sets": [ { "name": "DS", "members": [ "Transfer_Set_Name", "P" ] } ] } ],
  "limits": { "buffered_changes": 3 }
}"#;

#[test]
fn the_all_changes_buffer_keeps_the_newest_and_counts_the_rest() {
    let config = Config::from_json_str(JSON).expect("config");
    let server = Tase2Server::new(&config).expect("server");
    let shared = &server.shared;
    let mut t = crate::tase2::DsTransferSet::new(
        crate::tase2::MmsObjectName::icc("ICC1", "DS").expect("name"),
    );
    t.rbe = true;
    t.all_changes_reported = true;
    t.status = true;
    t.ds_conditions_requested = DsConditions::OBJECT_CHANGE;
    t.buffer_time = 60;
    {
        let mut e = super::lock(&shared.engine);
        let set = e.sets.first_mut().expect("set");
        set.owner = Some(1);
        set.value = t;
        set.run = Some(super::transfer_sets::Running {
            ds_name: crate::ObjectName::domain("ICC1", "DS"),
            members: vec![
                crate::ObjectName::domain("ICC1", "Transfer_Set_Name"),
                crate::ObjectName::domain("ICC1", "P"),
            ]
            .into(),
            specials: vec![Some(super::objects::Special::TransferSetName), None].into(),
            index: [(
                shared.dir.get_key(&Key::icc("ICC1", "P")).expect("P"),
                vec![1],
            )]
            .into_iter()
            .collect(),
            next_interval: None,
            next_integrity: None,
            buffer_deadline: None,
            changed: Default::default(),
            changed_any: false,
            all_changes: Default::default(),
            requests: Default::default(),
            outstanding: Default::default(),
            max_pdu: 65000,
        });
    }
    let p = server.point("ICC1/P").expect("point");
    for v in 0..5 {
        p.set(&crate::tase2::Point::Real(v as f32)).expect("set");
    }
    let e = super::lock(&shared.engine);
    let run = e.sets[0].run.as_ref().expect("run");
    let kept: Vec<Data<'static>> = run.all_changes.iter().map(|(_, d)| d.clone()).collect();
    assert_eq!(
        kept,
        vec![2.0f32.to_data(), 3.0f32.to_data(), 4.0f32.to_data()]
    );
    assert!(
        run.buffer_deadline.is_some(),
        "the first change starts the buffer time"
    );
    drop(e);
    assert_eq!(server.stats().changes_dropped, 2);
    // A request for a condition the set did not ask for is not queued.
    assert_eq!(
        server.request_report(None, DsConditions::OPERATOR_REQUEST, EventCode(0)),
        0
    );
}

#[test]
fn changes_beyond_the_pdu_size_are_split_into_reports_that_fit() {
    use crate::access::{AccessResult, VariableAccessSpecification, VariableDef};
    use crate::pdu::UnconfirmedService;
    use crate::services::variables::InformationReport;
    let name = |i: &str| VariableDef::name(crate::ObjectName::domain("ICC1", i.to_string()));
    let head = [
        "Transfer_Set_Name",
        "Transfer_Set_Time_Stamp",
        "DSConditions_Detected",
    ];
    let mut vars: Vec<VariableDef<'static>> = head.iter().map(|h| name(h)).collect();
    let mut results: Vec<AccessResult<'static>> = vec![
        AccessResult::Success(Data::Integer(1)),
        AccessResult::Success(Data::Integer(2)),
        AccessResult::Success(Data::Integer(3)),
    ];
    for i in 0..1000 {
        vars.push(name(&format!("P{i:05}")));
        results.push(AccessResult::Success(Data::Integer(i)));
    }
    let whole = InformationReport {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(vars),
        list_of_access_result: results,
    };
    let total =
        super::reporting::encoded_len(&UnconfirmedService::InformationReport(whole.clone()));
    let max_pdu = 4000;
    assert!(
        total > 4 * max_pdu,
        "the report needs splitting ({total} octets)"
    );
    let parts = super::reporting::split(whole, 3, max_pdu);
    assert!(parts.len() >= 5, "{} parts", parts.len());
    let mut points = Vec::new();
    for p in &parts {
        let len = super::reporting::encoded_len(p);
        assert!(len <= max_pdu, "a part of {len} octets");
        // Not too wasteful either: every part but the last is at least 3/4 full.
        let UnconfirmedService::InformationReport(r) = p else {
            panic!("not a report: {p:?}");
        };
        let VariableAccessSpecification::ListOfVariable(v) = &r.variable_access_specification
        else {
            panic!("not the list-of-variables form");
        };
        assert_eq!(v.len(), r.list_of_access_result.len());
        let items: Vec<String> = v
            .iter()
            .map(|d| match &d.variable_specification {
                crate::VariableSpecification::Name(n) => n.item().to_string(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            items[..3],
            head,
            "each part starts with the special variables"
        );
        assert_eq!(
            r.list_of_access_result[..3],
            [1, 2, 3].map(|i| AccessResult::Success(Data::Integer(i)))
        );
        points.extend(r.list_of_access_result[3..].iter().cloned());
        if !std::ptr::eq(p, parts.last().expect("last")) {
            assert!(len * 4 >= max_pdu * 3, "a part of only {len} octets");
        }
    }
    let expected: Vec<AccessResult<'static>> = (0..1000)
        .map(|i| AccessResult::Success(Data::Integer(i)))
        .collect();
    assert_eq!(points, expected, "every change once, in order");
}

#[test]
fn message_rights_match_reference_and_scope() {
    let mut blt = Blt::open(1);
    assert!(blt.may_receive(5, 5, None), "open mode: everything");
    blt.icc = Some(0);
    blt.read = Points::Some(HashSet::new());
    blt.messages = Some(vec![MessageRight {
        info_reference: 1,
        local_reference: Some(2),
        scope: MessageScopeConfig::Icc,
    }]);
    assert!(blt.may_receive(1, 2, Some(0)));
    assert!(!blt.may_receive(1, 3, Some(0)), "other LocalReference");
    assert!(!blt.may_receive(1, 2, None), "VCC scope not listed");
    assert!(!blt.may_receive(1, 2, Some(1)), "another ICC");
}

#[test]
fn the_defaults_are_the_documented_ones() {
    let c = Config::from_json_str("{}").expect("empty");
    assert_eq!(c.supported_blocks, vec![1, 2, 4, 5]);
    assert_eq!(c.timing.select_timeout_ms, 10_000);
    assert_eq!(c.timing.critical_ack_timeout_ms, 5_000);
    assert!(!c.timing.initial_report);
    assert_eq!(c.info_buffer_sizes, vec![128, 1024]);
    assert!(c.limits.delete_client_data_sets);
    assert_eq!(c, Config::new());
    assert!(Tase2Server::new(&c).is_ok(), "an empty VCC is a server");
    let bad = Config::new().with_info_buffer_sizes(vec![0]);
    assert!(Tase2Server::new(&bad).is_err());
}

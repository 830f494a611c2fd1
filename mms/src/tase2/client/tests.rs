//! Unit tests of the report decoder and the request builders against octets written by hand
//! from the layouts in docs/tase2.md and docs/tase2-client.md (ISO 9506-2 BER: unconfirmed-PDU
//! `a3`, informationReport `a0`, variableListName `a1`, listOfVariable `a0`, ObjectName
//! vmd `80` / domain `a1`, Identifier `1a`, Data structure `a2`, bit-string `84`, integer `85`,
//! unsigned `86`, floating-point `87`, octet-string `89`, visible-string `8a`, AccessResult
//! failure `80`). The octets are assembled with the small `tlv` helper below, not with the
//! crate's encoder.

use super::association::{check, AssociationParams, Expectations, Mismatch};
use super::control::{ControlError, ControlFailure, ControlOp};
use super::report::*;
use super::requests;
use crate::access::VariableAccessSpecification;
use crate::codec::Writer;
use crate::common::ObjectName;
use crate::data::{Data, DataAccessError};
use crate::pdu::{ConfirmedServiceRequest, UnconfirmedService};
use crate::tase2::flags::Validity;
use crate::tase2::point::ValueQTimeTag;
use crate::tase2::{
    BilateralTableId, DataFlags, DataState, DsConditions, DsTransferSet, Edition, EventCode,
    MmsObjectName, Point, PointType, Scope, SupportedFeatures, Tase2Error, Tase2Version, TimeStamp,
};

/// One TLV with a short or long definite length.
fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = contents.len();
    if n < 0x80 {
        v.push(n as u8);
    } else if n < 0x100 {
        v.extend([0x81, n as u8]);
    } else {
        v.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    v.extend_from_slice(contents);
    v
}

fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

fn ident(s: &str) -> Vec<u8> {
    tlv(0x1a, s.as_bytes())
}

/// ObjectName domain-specific `a1 { 1a dom 1a item }`.
fn dom(d: &str, i: &str) -> Vec<u8> {
    tlv(0xa1, &cat(&[ident(d), ident(i)]))
}

/// ObjectName vmd-specific `80 name`.
fn vmd(i: &str) -> Vec<u8> {
    tlv(0x80, i.as_bytes())
}

/// An unconfirmed informationReport PDU with a variableListName.
fn named_list_report(list: Vec<u8>, values: &[Vec<u8>]) -> Vec<u8> {
    let body = cat(&[tlv(0xa1, &list), tlv(0xa0, &cat(values))]);
    tlv(0xa3, &tlv(0xa0, &body))
}

/// An unconfirmed informationReport PDU with a listOfVariable (names given as ObjectName
/// octets).
fn list_report(names: &[Vec<u8>], values: &[Vec<u8>]) -> Vec<u8> {
    let vars: Vec<Vec<u8>> = names.iter().map(|n| tlv(0x30, &tlv(0xa0, n))).collect();
    let body = cat(&[tlv(0xa0, &cat(&vars)), tlv(0xa0, &cat(values))]);
    tlv(0xa3, &tlv(0xa0, &body))
}

/// MMSObjectName {scope, domain, name} with Scope sent with `scope_tag` (86 unsigned or 85
/// integer).
fn mms_object_name(scope_tag: u8, scope: u8, d: &str, n: &str) -> Vec<u8> {
    tlv(
        0xa2,
        &cat(&[
            tlv(scope_tag, &[scope]),
            tlv(0x8a, d.as_bytes()),
            tlv(0x8a, n.as_bytes()),
        ]),
    )
}

// The fact sheet's literal examples (docs/tase2.md, "Wire examples").
const TS_NAME_ICC1_DSTS01: &[u8] = &[
    0xa2, 0x1a, 0x86, 0x01, 0x01, 0x8a, 0x04, b'I', b'C', b'C', b'1', 0x8a, 0x0f, b'D', b'S', b'T',
    b'r', b'a', b'n', b's', b'f', b'e', b'r', b'S', b'e', b't', b'0', b'1',
];
const TIME_1700000000: &[u8] = &[0x85, 0x04, 0x65, 0x53, 0xf1, 0x00];
const COND_INTERVAL: &[u8] = &[0x84, 0x02, 0x03, 0x80];
const COND_INTERVAL_CHANGE: &[u8] = &[0x84, 0x02, 0x03, 0xa0];
const REAL_Q_TIME_TAG_1_5: &[u8] = &[
    0xa2, 0x11, 0x87, 0x05, 0x08, 0x3f, 0xc0, 0x00, 0x00, 0x85, 0x04, 0x65, 0x53, 0xf1, 0x00, 0x84,
    0x02, 0x00, 0x00,
];
const STATE_ON_VALID: &[u8] = &[0x84, 0x02, 0x00, 0x80];

fn ts01() -> MmsObjectName {
    MmsObjectName::icc("ICC1", "DSTransferSet01").unwrap()
}

fn line1() -> ObjectName<'static> {
    ObjectName::domain("ICC1", "Line1_MW")
}

fn breaker() -> ObjectName<'static> {
    ObjectName::domain("ICC1", "Breaker1")
}

/// A decoder that knows ICC1/DS1 = [the three specials, Line1_MW RealQTimeTag, Breaker1
/// StateQ, VMD VccTotal RealQ] bound to DSTransferSet01 (critical).
fn decoder() -> ReportDecoder {
    let mut d = ReportDecoder::new();
    d.add_data_set(DataSetLayout::standard(
        "ICC1",
        "DS1",
        false,
        [
            (line1(), PointType::RealQTimeTag),
            (breaker(), PointType::StateQ),
            (ObjectName::vmd("VccTotal"), PointType::RealQ),
        ],
    ))
    .unwrap();
    d.bind(TransferSetBinding {
        transfer_set: ts01(),
        data_set: ObjectName::domain("ICC1", "DS1"),
        critical: true,
    })
    .unwrap();
    d
}

fn real_q(v: [u8; 4], flags: u8) -> Vec<u8> {
    tlv(
        0xa2,
        &cat(&[
            tlv(0x87, &[8, v[0], v[1], v[2], v[3]]),
            tlv(0x84, &[0, flags]),
        ]),
    )
}

fn line1_value() -> Point {
    Point::RealQTimeTag(ValueQTimeTag {
        value: 1.5,
        time_stamp: TimeStamp(1_700_000_000),
        flags: DataFlags::GOOD,
    })
}

fn report(i: Incoming) -> DsReport {
    match i {
        Incoming::Report(r) => r,
        other => panic!("not a report: {other:?}"),
    }
}

#[test]
fn named_list_form_decodes_in_member_order() {
    let pdu = named_list_report(
        dom("ICC1", "DS1"),
        &[
            TS_NAME_ICC1_DSTS01.to_vec(),
            TIME_1700000000.to_vec(),
            COND_INTERVAL.to_vec(),
            REAL_Q_TIME_TAG_1_5.to_vec(),
            STATE_ON_VALID.to_vec(),
            // 2.0 held (flags 0x10).
            real_q([0x40, 0, 0, 0], 0x10),
        ],
    );
    let r = report(decoder().decode_pdu(&pdu));
    assert_eq!(r.form, ReportForm::NamedList);
    assert_eq!(r.transfer_set, ts01());
    assert_eq!(r.data_set, Some(ObjectName::domain("ICC1", "DS1")));
    assert_eq!(r.time_stamp, Some(TimeStamp(1_700_000_000)));
    assert_eq!(r.conditions, Some(DsConditions::INTERVAL_TIMEOUT));
    assert_eq!(r.event_code, None);
    assert!(r.critical);
    let pts: Vec<_> = r.typed_points().collect();
    assert_eq!(pts.len(), 3);
    assert_eq!(pts[0], (&line1(), &line1_value()));
    assert_eq!(pts[1].0, &breaker());
    assert_eq!(pts[1].1, &Point::StateQ(DataState::from_octet(0x80)));
    assert_eq!(pts[2].0, &ObjectName::vmd("VccTotal"));
    assert_eq!(pts[2].1.flags().unwrap().validity(), Validity::Held);
}

#[test]
fn list_of_variables_form_in_libtase2_order_with_repeats() {
    // Transfer_Set_Name, DSConditions_Detected, Event_Code_Detected, Transfer_Set_Time_Stamp,
    // then the changed points; Line1_MW twice (AllChangesReported), Scope as INTEGER.
    let pdu = list_report(
        &[
            dom("ICC1", "Transfer_Set_Name"),
            dom("ICC1", "DSConditions_Detected"),
            dom("ICC1", "Event_Code_Detected"),
            dom("ICC1", "Transfer_Set_Time_Stamp"),
            dom("ICC1", "Line1_MW"),
            dom("ICC1", "Line1_MW"),
            vmd("VccTotal"),
        ],
        &[
            mms_object_name(0x85, 1, "ICC1", "DSTransferSet01"),
            COND_INTERVAL_CHANGE.to_vec(),
            tlv(0x85, &[0xff, 0xfd]),
            TIME_1700000000.to_vec(),
            REAL_Q_TIME_TAG_1_5.to_vec(),
            REAL_Q_TIME_TAG_1_5.to_vec(),
            real_q([0x40, 0, 0, 0], 0x00),
        ],
    );
    let r = report(decoder().decode_pdu(&pdu));
    assert_eq!(r.form, ReportForm::ListOfVariables);
    assert_eq!(r.transfer_set, ts01());
    assert_eq!(r.event_code, Some(EventCode(-3)));
    assert!(r.conditions.unwrap().object_change() && r.conditions.unwrap().interval_timeout());
    assert_eq!(r.time_stamp, Some(TimeStamp(1_700_000_000)));
    let names: Vec<String> = r.points.iter().map(|p| p.name.to_string()).collect();
    assert_eq!(names, ["ICC1/Line1_MW", "ICC1/Line1_MW", "VccTotal"]);
    assert!(r.points.iter().all(|p| p.value.is_ok()));
}

#[test]
fn list_of_variables_in_data_set_order_and_name_not_first() {
    // SISCO emits the specials in data-set order; Transfer_Set_Name is accepted even when not
    // first (docs/tase2-client.md, "Decisions").
    let pdu = list_report(
        &[
            dom("ICC1", "Transfer_Set_Time_Stamp"),
            dom("ICC1", "Transfer_Set_Name"),
            dom("ICC1", "Breaker1"),
        ],
        &[
            TIME_1700000000.to_vec(),
            TS_NAME_ICC1_DSTS01.to_vec(),
            STATE_ON_VALID.to_vec(),
        ],
    );
    let r = report(decoder().decode_pdu(&pdu));
    assert_eq!(r.conditions, None);
    assert_eq!(r.points.len(), 1);
    assert_eq!(
        r.points[0].value,
        Ok(ReportedValue::Point(Point::StateQ(DataState::from_octet(
            0x80
        ))))
    );
}

#[test]
fn point_not_in_data_set_and_wrong_shapes_stay_per_point() {
    // A point the data set does not hold, a blocked-transfer octet string where a
    // RealQTimeTag belongs (what one EMS sends), and an access error.
    let pdu = list_report(
        &[
            dom("ICC1", "Transfer_Set_Name"),
            dom("ICC1", "Other1"),
            dom("ICC1", "Line1_MW"),
            dom("ICC1", "Breaker1"),
        ],
        &[
            TS_NAME_ICC1_DSTS01.to_vec(),
            tlv(0x85, &[7]),
            tlv(0x89, &[0, 1, 2, 3]),
            tlv(0x80, &[3]),
        ],
    );
    let r = report(decoder().decode_pdu(&pdu));
    assert_eq!(
        r.points[0].value,
        Err(PointError::NotInDataSet(Data::Integer(7)))
    );
    assert!(matches!(
        r.points[1].value,
        Err(PointError::Shape(Tase2Error::WrongType { .. }))
    ));
    assert_eq!(
        r.points[2].value,
        Err(PointError::Access(DataAccessError::ObjectAccessDenied))
    );
    assert_eq!(r.typed_points().count(), 0);
}

#[test]
fn unknown_transfer_set_is_nacked() {
    let pdu = list_report(
        &[dom("ICC1", "Transfer_Set_Name"), dom("ICC1", "Line1_MW")],
        &[
            mms_object_name(0x86, 1, "ICC1", "DSTransferSet09"),
            REAL_Q_TIME_TAG_1_5.to_vec(),
        ],
    );
    let Incoming::Unknown(u) = decoder().decode_pdu(&pdu) else {
        panic!("not unknown")
    };
    let ts = MmsObjectName::icc("ICC1", "DSTransferSet09").unwrap();
    assert_eq!(u.transfer_set, Some(ts));
    // The NACK: informationReport [ICC1/Transfer_Report_NACK] = the MMSObjectName.
    let expected = list_report(
        &[dom("ICC1", "Transfer_Report_NACK")],
        &[mms_object_name(0x86, 1, "ICC1", "DSTransferSet09")],
    );
    assert_eq!(encode(&u.nack().unwrap()), expected);
    // A forgotten transfer set is unknown too.
    let mut d = decoder();
    d.unbind(&ts01());
    let pdu = list_report(
        &[dom("ICC1", "Transfer_Set_Name")],
        &[TS_NAME_ICC1_DSTS01.to_vec()],
    );
    assert!(matches!(d.decode_pdu(&pdu), Incoming::Unknown(_)));
}

#[test]
fn unknown_data_set_in_named_list_form() {
    // An unknown data set whose first value is an MMSObjectName: a TASE.2 report → NACK.
    let pdu = named_list_report(
        dom("ICC1", "DS9"),
        &[TS_NAME_ICC1_DSTS01.to_vec(), TIME_1700000000.to_vec()],
    );
    let Incoming::Unknown(u) = decoder().decode_pdu(&pdu) else {
        panic!("not unknown")
    };
    assert_eq!(u.transfer_set, Some(ts01()));
    assert_eq!(u.data_set, Some(ObjectName::domain("ICC1", "DS9")));
    // An IEC 61850 report ("RPT", first value a visible string) is not TASE.2.
    let pdu = named_list_report(vmd("RPT"), &[tlv(0x8a, b"LD0/LLN0$BR$brcb01")]);
    assert_eq!(decoder().decode_pdu(&pdu), Incoming::Other);
    // A known data set, but the report names a transfer set not bound: NACK that one.
    let mut d = decoder();
    d.unbind(&ts01());
    let pdu = named_list_report(
        dom("ICC1", "DS1"),
        &[
            TS_NAME_ICC1_DSTS01.to_vec(),
            TIME_1700000000.to_vec(),
            COND_INTERVAL.to_vec(),
            REAL_Q_TIME_TAG_1_5.to_vec(),
            STATE_ON_VALID.to_vec(),
            real_q([0x40, 0, 0, 0], 0),
        ],
    );
    let Incoming::Unknown(u) = d.decode_pdu(&pdu) else {
        panic!("not unknown")
    };
    assert_eq!(u.transfer_set, Some(ts01()));
}

#[test]
fn malformed_reports_are_typed_errors() {
    let d = decoder();
    // Named-list form with a value missing.
    let pdu = named_list_report(
        dom("ICC1", "DS1"),
        &[TS_NAME_ICC1_DSTS01.to_vec(), TIME_1700000000.to_vec()],
    );
    assert_eq!(
        d.decode_pdu(&pdu),
        Incoming::Malformed(ReportError::WrongValueCount {
            expected: 6,
            values: 2
        })
    );
    // Transfer_Set_Name as a visible string.
    let pdu = list_report(
        &[dom("ICC1", "Transfer_Set_Name")],
        &[tlv(0x8a, b"DSTransferSet01")],
    );
    assert!(matches!(
        d.decode_pdu(&pdu),
        Incoming::Malformed(ReportError::Special {
            what: "Transfer_Set_Name",
            ..
        })
    ));
    // Transfer_Set_Name as an access error.
    let pdu = list_report(&[dom("ICC1", "Transfer_Set_Name")], &[tlv(0x80, &[3])]);
    assert_eq!(
        d.decode_pdu(&pdu),
        Incoming::Malformed(ReportError::NoTransferSetName(
            DataAccessError::ObjectAccessDenied
        ))
    );
    // DSConditions_Detected of 8 bits, and as an integer (a deviating server).
    for bad in [tlv(0x84, &[0, 0x80]), tlv(0x85, &[4])] {
        let pdu = list_report(
            &[
                dom("ICC1", "Transfer_Set_Name"),
                dom("ICC1", "DSConditions_Detected"),
            ],
            &[TS_NAME_ICC1_DSTS01.to_vec(), bad],
        );
        assert!(matches!(
            d.decode_pdu(&pdu),
            Incoming::Malformed(ReportError::Special {
                what: "DSConditions_Detected",
                ..
            })
        ));
    }
    // Two variables, one value.
    let pdu = list_report(
        &[dom("ICC1", "Transfer_Set_Name"), dom("ICC1", "Line1_MW")],
        &[TS_NAME_ICC1_DSTS01.to_vec()],
    );
    assert_eq!(
        d.decode_pdu(&pdu),
        Incoming::Malformed(ReportError::WrongValueCount {
            expected: 2,
            values: 1
        })
    );
    // Scope 2.
    let pdu = list_report(
        &[dom("ICC1", "Transfer_Set_Name")],
        &[mms_object_name(0x86, 2, "ICC1", "DSTransferSet01")],
    );
    assert!(matches!(d.decode_pdu(&pdu), Incoming::Malformed(_)));
    // Garbage and other PDUs are not TASE.2.
    assert_eq!(d.decode_pdu(&[0xa3, 0x02, 0xa0]), Incoming::Other);
    assert_eq!(d.decode_pdu(&[]), Incoming::Other);
}

fn encode(u: &UnconfirmedService<'_>) -> Vec<u8> {
    let mut w = Writer::with_capacity(64);
    crate::pdu::write_unconfirmed_pdu(&mut w, u);
    w.into_vec()
}

#[test]
fn ack_carries_name_and_time_stamp() {
    let pdu = named_list_report(
        dom("ICC1", "DS1"),
        &[
            TS_NAME_ICC1_DSTS01.to_vec(),
            TIME_1700000000.to_vec(),
            COND_INTERVAL.to_vec(),
            REAL_Q_TIME_TAG_1_5.to_vec(),
            STATE_ON_VALID.to_vec(),
            real_q([0x40, 0, 0, 0], 0),
        ],
    );
    let r = report(decoder().decode_pdu(&pdu));
    let expected = list_report(
        &[
            dom("ICC1", "Transfer_Report_ACK"),
            dom("ICC1", "Transfer_Set_Time_Stamp"),
        ],
        &[TS_NAME_ICC1_DSTS01.to_vec(), TIME_1700000000.to_vec()],
    );
    assert_eq!(encode(&r.ack()), expected);
    // Without a time stamp in the report, the ACK has the name alone.
    let r = DsReport {
        time_stamp: None,
        ..r
    };
    let expected = list_report(
        &[dom("ICC1", "Transfer_Report_ACK")],
        &[TS_NAME_ICC1_DSTS01.to_vec()],
    );
    assert_eq!(encode(&r.ack()), expected);
}

#[test]
fn information_messages() {
    let header = |size: u8| {
        tlv(
            0xa2,
            &cat(&[
                tlv(0x85, &[1]),
                tlv(0x85, &[2]),
                tlv(0x85, &[3]),
                tlv(0x85, &[size]),
            ]),
        )
    };
    let mut buf = b"hello".to_vec();
    buf.resize(16, 0);
    // ICC scope.
    let pdu = list_report(
        &[dom("ICC1", "Info_Mess_Header"), dom("ICC1", "Info_Buff_16")],
        &[header(5), tlv(0x89, &buf)],
    );
    let Incoming::InfoMessage(m) = decoder().decode_pdu(&pdu) else {
        panic!("not a message")
    };
    assert_eq!(m.scope, Scope::Icc);
    assert_eq!(m.icc.as_deref(), Some("ICC1"));
    assert_eq!(
        (
            m.header.info_reference,
            m.header.local_reference,
            m.header.message_id
        ),
        (1, 2, 3)
    );
    assert_eq!(m.buffer_size, 16);
    assert_eq!(m.text(), "hello");
    // VCC scope.
    let pdu = list_report(
        &[vmd("Info_Mess_Header"), vmd("Info_Buff_16")],
        &[header(0), tlv(0x89, &buf)],
    );
    let Incoming::InfoMessage(m) = decoder().decode_pdu(&pdu) else {
        panic!("not a message")
    };
    assert_eq!((m.scope, m.icc, m.data.len()), (Scope::Vcc, None, 0));
    // Size beyond the buffer.
    let pdu = list_report(
        &[vmd("Info_Mess_Header"), vmd("Info_Buff_16")],
        &[header(17), tlv(0x89, &buf)],
    );
    assert_eq!(
        decoder().decode_pdu(&pdu),
        Incoming::Malformed(ReportError::InfoSize {
            size: 17,
            buffer: 16
        })
    );
    // A buffer that is not an octet string.
    let pdu = list_report(
        &[vmd("Info_Mess_Header"), vmd("Info_Buff_16")],
        &[header(1), tlv(0x8a, b"x")],
    );
    assert!(matches!(
        decoder().decode_pdu(&pdu),
        Incoming::Malformed(ReportError::InfoMessage(_))
    ));
}

#[test]
fn transfer_set_writes_both_forms() {
    let ts = ts01();
    let mut set = DsTransferSet::new(MmsObjectName::icc("ICC1", "DS1").unwrap());
    set.interval = 10;
    set.status = true;
    // Whole: one variable, the structure of the edition.
    for (edition, n) in [(Edition::V2000_08, 13), (Edition::V1996_08, 12)] {
        let ConfirmedServiceRequest::Write(w) = requests::transfer_set_write(&ts, &set, edition)
        else {
            panic!()
        };
        assert_eq!(w.list_of_data.len(), 1);
        assert_eq!(w.list_of_data[0].as_list().unwrap().len(), n);
    }
    // Components: one variable per component but Status, each with its component selected.
    let ConfirmedServiceRequest::Write(w) =
        requests::transfer_set_components_write(&ts, &set, Edition::V1996_08)
    else {
        panic!()
    };
    let VariableAccessSpecification::ListOfVariable(vars) = &w.variable_access_specification else {
        panic!()
    };
    assert_eq!((vars.len(), w.list_of_data.len()), (11, 11));
    assert_eq!(
        vars[2].alternate_access,
        Some(crate::AlternateAccess::component("Interval"))
    );
    assert_eq!(w.list_of_data[2], Data::Integer(10));
    assert!(vars
        .iter()
        .all(|v| v.alternate_access != Some(crate::AlternateAccess::component("Status"))));
    assert_eq!(requests::component_count(Edition::V2000_08), 12);
    let ConfirmedServiceRequest::Write(w) = requests::transfer_set_status_write(&ts, false) else {
        panic!()
    };
    assert_eq!(w.list_of_data, vec![Data::Boolean(false)]);
}

#[test]
fn device_names_and_control_errors() {
    assert_eq!(
        requests::sbo_name(&breaker()),
        ObjectName::domain("ICC1", "Breaker1_SBO")
    );
    assert_eq!(
        requests::tag_name(&ObjectName::vmd("Dev")),
        ObjectName::vmd("Dev_TAG")
    );
    use DataAccessError as E;
    let f = |op, e| ControlFailure::of(op, e);
    assert_eq!(
        f(ControlOp::Select, E::TemporarilyUnavailable),
        ControlFailure::Busy
    );
    assert_eq!(
        f(ControlOp::Select, E::ObjectAttributeInconsistent),
        ControlFailure::NotSelectBeforeOperate
    );
    assert_eq!(
        f(ControlOp::Operate, E::ObjectAttributeInconsistent),
        ControlFailure::Other(E::ObjectAttributeInconsistent)
    );
    assert_eq!(
        f(ControlOp::Operate, E::ObjectValueInvalid),
        ControlFailure::InvalidValue
    );
    assert_eq!(
        f(ControlOp::SetTag, E::ObjectNonExistent),
        ControlFailure::NonExistent
    );
    assert_eq!(
        f(ControlOp::Select, E::ObjectAccessUnsupported),
        ControlFailure::NotControlPoint
    );
    assert_eq!(
        f(ControlOp::GetTag, E::ObjectAccessDenied),
        ControlFailure::AccessDenied
    );
    assert_eq!(
        f(ControlOp::Select, E::HardwareFault),
        ControlFailure::HardwareFault
    );
    let e = ControlError::new(
        ControlOp::Operate,
        "ICC1/Breaker1".into(),
        E::TemporarilyUnavailable,
    );
    assert_eq!(e.failure, ControlFailure::Busy);
}

#[test]
fn association_check_lists_every_mismatch() {
    let params = AssociationParams {
        icc: "ICC1".into(),
        version: Tase2Version::V1996_08,
        features: Some(SupportedFeatures::from_blocks([1, 2])),
        features_error: None,
        bilateral_table_id: BilateralTableId::new("BLT_A").unwrap(),
        domains: vec!["ICC1".into()],
    };
    assert_eq!(params.edition(), Edition::V1996_08);
    assert!(check(&Expectations::new(), &params).is_empty());
    let ok = Expectations::new()
        .version(Tase2Version::V1996_08)
        .blocks([1, 2])
        .bilateral_table_id(BilateralTableId::new("BLT_A").unwrap());
    assert!(check(&ok, &params).is_empty());
    let bad = Expectations::new()
        .version(Tase2Version::V2000_08)
        .blocks([1, 2, 5])
        .bilateral_table_id(BilateralTableId::new("BLT_B").unwrap());
    let m = check(&bad, &params);
    assert_eq!(m.len(), 3);
    assert!(matches!(m[0], Mismatch::Version { found, .. } if found == Tase2Version::V1996_08));
    assert!(matches!(&m[1], Mismatch::MissingBlocks { missing, .. }
        if missing.blocks().collect::<Vec<_>>() == [5]));
    assert!(matches!(&m[2], Mismatch::BilateralTableId { found, .. } if found.as_str() == "BLT_A"));
    // Unreadable Supported_Features: every expected block is missing.
    let none = AssociationParams {
        features: None,
        ..params
    };
    assert_eq!(check(&Expectations::new().blocks([1]), &none).len(), 1);
    // An unknown version uses the 2000.08 layouts.
    let v2014 = AssociationParams {
        version: Tase2Version {
            major: 2014,
            minor: 1,
        },
        ..none
    };
    assert_eq!(v2014.edition(), Edition::V2000_08);
}

#[test]
fn registry_is_bounded() {
    let mut d = ReportDecoder::new();
    for i in 0..MAX_REGISTERED {
        d.bind(TransferSetBinding {
            transfer_set: MmsObjectName::icc("ICC1", &format!("T{i}")).unwrap(),
            data_set: ObjectName::domain("ICC1", "DS1"),
            critical: false,
        })
        .unwrap();
    }
    let extra = TransferSetBinding {
        transfer_set: MmsObjectName::icc("ICC1", "Tx").unwrap(),
        data_set: ObjectName::domain("ICC1", "DS1"),
        critical: false,
    };
    assert_eq!(d.bind(extra), Err(RegistryFull));
    // Rebinding a known one is fine.
    let again = TransferSetBinding {
        transfer_set: MmsObjectName::icc("ICC1", "T0").unwrap(),
        data_set: ObjectName::domain("ICC1", "DS2"),
        critical: true,
    };
    assert_eq!(d.bind(again), Ok(()));
}

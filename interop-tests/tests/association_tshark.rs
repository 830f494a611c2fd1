//! Whole association exchanges of our stack (acse over copp, cosp, cot) judged by Wireshark's
//! dissectors: an in-memory initiator/responder pair (`acse::loopback::shuttle`), every
//! shuttled chunk recorded into a pcap on port 102, then tshark asserts what it decoded at
//! every layer and that no frame is malformed or carries an expert error.
//!
//! Field names: `interop-tests/peers/README.md` §3 (tshark 4.0).

use std::path::PathBuf;

use acse::address::Address;
use acse::apdu::{AbortSource, AssociateResult, Diagnostic, ServiceUserDiagnostic};
use acse::association::{Association, AssociationConfig, AssociationError, Event, Refused, State};
use acse::loopback::shuttle;
use acse::password::PasswordAuthentication;
use acse::security::AssociationSecurity;
use interop_tests::driver::{apply, Control, Seen};
use interop_tests::hat_frames;
use interop_tests::mms_vectors::{
    CONCLUDE_REQUEST, CONCLUDE_RESPONSE, INITIATE_REQUEST, INITIATE_RESPONSE,
};
use interop_tests::pcap::{Direction, TcpCapture};
use interop_tests::{require_tshark, scratch_dir, Tshark};

/// Upper bound on pump rounds: every scenario here settles in far fewer.
const MAX_ROUNDS: usize = 64;

/// The MMS confirmed-RequestPDU (identify, invokeID 0) inside hat's identify P-DATA frame:
/// TPKT (4) + COTP DT (3) + GT/DT (4) + `61 0E 30 0C 02 01 03 A0 07` (9) precede it.
/// Decoded cleanly by tshark 4.0 (dissector mms) in `hat_reference_frames_decode_in_tshark`.
fn identify_request() -> &'static [u8] {
    let pdu = &hat_frames::IDENTIFY_REQUEST[20..];
    assert_eq!(&pdu[..2], &[0xa0, 0x05]);
    assert_eq!(pdu.len(), 7);
    pdu
}

/// The MMS confirmed-ResponsePDU (identify: vendor hat-drivers) inside hat's P-DATA frame.
fn identify_response() -> &'static [u8] {
    let pdu = &hat_frames::IDENTIFY_RESPONSE[20..];
    assert_eq!(&pdu[..2], &[0xa1, 0x2b]);
    assert_eq!(pdu.len(), 0x2b + 2);
    pdu
}

/// Client identity AP-title 1.1.1.999 / AE-qualifier 12 calling 1.1.1.999.1 / 12 (the
/// defaults); the server mirrors them.
fn configs() -> (AssociationConfig, AssociationConfig) {
    let client = AssociationConfig::default();
    let server = {
        let mut config = AssociationConfig::default();
        config.local = Address::default_remote();
        config.remote = Address::default_local();
        config
    };
    (client, server)
}

/// An initiator and a responder wired in memory, with every shuttled chunk recorded.
struct Pair {
    client: Association,
    server: Association,
    capture: TcpCapture,
    client_seen: Vec<Seen>,
    server_seen: Vec<Seen>,
    client_errors: Vec<AssociationError>,
    server_errors: Vec<AssociationError>,
}

fn transfer(
    from: &mut Association,
    to: &mut Association,
    capture: &mut TcpCapture,
    dir: Direction,
) -> usize {
    let pending = from.transmit().to_vec();
    let moved = shuttle(from, to).expect("shuttle");
    if moved > 0 {
        capture.data(dir, &pending[..moved]);
    }
    moved
}

/// Polls every event of `assoc`, hands it to `on_event` and applies the actions. Returns the
/// number of events.
fn drain(
    assoc: &mut Association,
    seen: &mut Vec<Seen>,
    errors: &mut Vec<AssociationError>,
    on_event: &mut dyn FnMut(&Event<'_>, &mut Control),
) -> usize {
    let mut n = 0;
    loop {
        let mut control = Control::default();
        match assoc.poll_event() {
            Ok(Some(ev)) => {
                seen.push(Seen::of(&ev));
                on_event(&ev, &mut control);
            }
            Ok(None) => return n,
            Err(e) => {
                errors.push(e);
                return n + 1;
            }
        }
        n += 1;
        let (actions, _) = control.into_parts();
        for action in actions {
            if let Err(e) = apply(assoc, action) {
                errors.push(e);
            }
        }
    }
}

impl Pair {
    fn new(client: Association, server: Association) -> Pair {
        Pair {
            client,
            server,
            capture: TcpCapture::new(40_000, 102),
            client_seen: Vec::new(),
            server_seen: Vec::new(),
            client_errors: Vec::new(),
            server_errors: Vec::new(),
        }
    }

    /// Moves bytes both ways and handles events until nothing moves any more.
    fn pump(
        &mut self,
        mut on_client: impl FnMut(&Event<'_>, &mut Control),
        mut on_server: impl FnMut(&Event<'_>, &mut Control),
    ) {
        for _ in 0..MAX_ROUNDS {
            let mut busy = transfer(
                &mut self.client,
                &mut self.server,
                &mut self.capture,
                Direction::ClientToServer,
            );
            busy += drain(
                &mut self.server,
                &mut self.server_seen,
                &mut self.server_errors,
                &mut on_server,
            );
            busy += transfer(
                &mut self.server,
                &mut self.client,
                &mut self.capture,
                Direction::ServerToClient,
            );
            busy += drain(
                &mut self.client,
                &mut self.client_seen,
                &mut self.client_errors,
                &mut on_client,
            );
            if busy == 0 {
                return;
            }
        }
        panic!("the pair did not settle in {MAX_ROUNDS} rounds");
    }

    /// Writes the pcap (with a FIN exchange) under the scratch dir.
    fn write(&mut self, test: &str) -> PathBuf {
        self.capture.finish();
        let path = scratch_dir(test).join(format!("{test}.pcap"));
        self.capture.write(&path).expect("write pcap");
        path
    }
}

fn no_bad_frames(tshark: &Tshark, path: &PathBuf) {
    let bad = tshark.bad_frames(path, &[]);
    assert!(
        bad.is_empty(),
        "tshark flags frames in {}:\n{}\n{}",
        path.display(),
        bad.join("\n"),
        tshark.verbose(path, &[])
    );
}

fn ignore(_: &Event<'_>, _: &mut Control) {}

/// Responder behaviour of the MMS scenarios: accept with INITIATE_RESPONSE, answer identify
/// and conclude, answer a release.
fn mms_server(ev: &Event<'_>, c: &mut Control) {
    match ev {
        Event::AssociateIndication(_) => c.accept(INITIATE_RESPONSE),
        Event::Data { data, .. } if *data == identify_request() => c.send_data(identify_response()),
        Event::Data { data, .. } if *data == CONCLUDE_REQUEST => c.send_data(CONCLUDE_RESPONSE),
        Event::ReleaseIndication { .. } => c.respond_release(),
        _ => {}
    }
}

#[test]
fn associate_exchange_data_release_decodes_in_tshark() {
    let Some(tshark) = require_tshark() else {
        return;
    };
    let (cc, sc) = configs();
    let mut pair = Pair::new(
        Association::connect(cc, INITIATE_REQUEST, None),
        Association::accept_incoming(sc, None),
    );
    // associate, then identify
    pair.pump(
        |ev, c| {
            if let Event::Associated(_) = ev {
                c.send_data(identify_request());
            }
        },
        mms_server,
    );
    assert_eq!(pair.client.state(), State::Associated);
    assert_eq!(pair.client.tpdu_size(), 2048);
    // conclude, then ACSE release
    pair.client.send_data(CONCLUDE_REQUEST).expect("conclude");
    pair.pump(
        |ev, c| {
            if let Event::Data { data, .. } = ev {
                if *data == CONCLUDE_RESPONSE {
                    c.release();
                }
            }
        },
        mms_server,
    );
    assert!(pair.client_errors.is_empty(), "{:?}", pair.client_errors);
    assert!(pair.server_errors.is_empty(), "{:?}", pair.server_errors);
    assert!(pair.client.is_closed() && pair.server.is_closed());
    assert_eq!(
        pair.client_seen,
        vec![
            Seen::Associated(Some(INITIATE_RESPONSE.to_vec())),
            Seen::Data(3, identify_response().to_vec()),
            Seen::Data(3, CONCLUDE_RESPONSE.to_vec()),
            Seen::Released,
        ]
    );
    assert_eq!(
        pair.server_seen,
        vec![
            Seen::AssociateIndication(Some(INITIATE_REQUEST.to_vec())),
            Seen::Data(3, identify_request().to_vec()),
            Seen::Data(3, CONCLUDE_REQUEST.to_vec()),
            Seen::ReleaseIndication,
        ]
    );

    let path = pair.write("assoc-data-release");
    no_bad_frames(&tshark, &path);

    // COTP: CR, CC, then DT for every SPDU; TPDU size 2048 proposed and confirmed
    assert_eq!(
        tshark.values(&path, &[], "cotp.type"),
        ["0x0e", "0x0d", "0x0f", "0x0f", "0x0f", "0x0f", "0x0f", "0x0f", "0x0f", "0x0f"]
    );
    assert_eq!(
        tshark.values(&path, &[], "cotp.tpdu_size"),
        ["2048", "2048"]
    );
    // session: CONNECT, ACCEPT, GIVE TOKENS + DATA TRANSFER (x4), FINISH, DISCONNECT
    assert_eq!(
        tshark.fields(&path, &[], &["ses.type"]),
        [
            ["13"],
            ["14"],
            ["1,1"],
            ["1,1"],
            ["1,1"],
            ["1,1"],
            ["9"],
            ["10"]
        ]
    );
    // presentation: CP proposes contexts 1 (ACSE) and 3 (MMS) with BER, CPA accepts both
    assert_eq!(tshark.values(&path, &[], "pres.cptype"), ["1"]);
    assert_eq!(tshark.values(&path, &[], "pres.cpapdu"), ["1"]);
    assert_eq!(
        tshark.values(&path, &[], "pres.presentation_context_identifier"),
        ["1", "3", "1", "1", "3", "3", "3", "3", "1", "1"]
    );
    assert_eq!(
        tshark.values(&path, &[], "pres.abstract_syntax_name"),
        ["2.2.1.0.1", "1.0.9506.2.1"]
    );
    assert_eq!(
        tshark.values(&path, &[], "pres.Transfer_syntax_name"),
        ["2.1.1", "2.1.1"]
    );
    assert_eq!(
        tshark.values(&path, &[], "pres.transfer_syntax_name"),
        ["2.1.1", "2.1.1"]
    );
    assert_eq!(tshark.values(&path, &[], "pres.result"), ["0", "0"]);
    // ACSE: AARQ / AARE with the MMS application context, AE-titles, accepted; RLRQ / RLRE
    assert_eq!(
        tshark.values(&path, &[], "acse.aSO_context_name"),
        ["1.0.9506.2.3", "1.0.9506.2.3"]
    );
    let titles = tshark.fields(
        &path,
        &[],
        &[
            "acse.aarq_element",
            "acse.aare_element",
            "acse.ap_title_form2",
            "acse.aso_qualifier_form2",
        ],
    );
    assert_eq!(
        titles,
        [
            // AARQ: called 1.1.1.999.1 / 12, calling 1.1.1.999 / 12
            ["1", "", "1.1.1.999.1,1.1.1.999", "12,12"],
            // AARE: responding 1.1.1.999.1 / 12
            ["", "1", "1.1.1.999.1", "12"],
        ]
    );
    assert_eq!(tshark.values(&path, &[], "acse.result"), ["0"]);
    assert_eq!(
        tshark.values(&path, &[], "acse.result_source_diagnostic"),
        ["1"]
    );
    assert_eq!(tshark.values(&path, &[], "acse.service_user"), ["0"]);
    assert_eq!(
        tshark.fields(
            &path,
            &[],
            &["acse.rlrq_element", "acse.rlre_element", "acse.reason"]
        ),
        [["1", "", "0"], ["", "1", "0"]]
    );
    // MMS: initiate, identify, conclude
    assert_eq!(
        tshark.values(&path, &[], "mms.localDetailCalling"),
        ["65000"]
    );
    assert_eq!(
        tshark.values(&path, &[], "mms.localDetailCalled"),
        ["65000"]
    );
    assert_eq!(
        tshark.values(&path, &[], "mms.proposedDataStructureNestingLevel"),
        ["10"]
    );
    assert_eq!(
        tshark.values(&path, &[], "mms.negociatedDataStructureNestingLevel"),
        ["10"]
    );
    assert_eq!(
        tshark.values(&path, &[], "mms.confirmedServiceRequest"),
        ["2"]
    );
    assert_eq!(
        tshark.values(&path, &[], "mms.confirmedServiceResponse"),
        ["2"]
    );
    assert_eq!(tshark.values(&path, &[], "mms.vendorName"), ["hat-drivers"]);
    assert_eq!(
        tshark
            .values(&path, &[], "mms.conclude_RequestPDU_element")
            .len(),
        1
    );
    assert_eq!(
        tshark
            .values(&path, &[], "mms.conclude_ResponsePDU_element")
            .len(),
        1
    );
}

#[test]
fn abort_after_association_decodes_in_tshark() {
    let Some(tshark) = require_tshark() else {
        return;
    };
    let (cc, sc) = configs();
    let mut pair = Pair::new(
        Association::connect(cc, INITIATE_REQUEST, None),
        Association::accept_incoming(sc, None),
    );
    pair.pump(
        |ev, c| {
            if let Event::Associated(_) = ev {
                c.abort();
            }
        },
        mms_server,
    );
    assert!(pair.client_errors.is_empty(), "{:?}", pair.client_errors);
    assert!(pair.server_errors.is_empty(), "{:?}", pair.server_errors);
    assert!(pair.client.is_closed() && pair.server.is_closed());
    assert_eq!(
        pair.server_seen.last(),
        Some(&Seen::Aborted(Some(AbortSource::ServiceUser), None))
    );

    let path = pair.write("assoc-abort");
    no_bad_frames(&tshark, &path);
    // CN, AC, AB
    assert_eq!(
        tshark.fields(&path, &[], &["ses.type"]),
        [["13"], ["14"], ["25"]]
    );
    let abort = tshark.fields(
        &path,
        &["-Y", "ses.type == 25"],
        &[
            "ses.type",
            "pres.aru_ppdu",
            "acse.abrt_element",
            "acse.abort_source",
        ],
    );
    assert_eq!(abort, [["25", "1", "1", "0"]]);
}

#[test]
fn refusal_decodes_in_tshark() {
    let Some(tshark) = require_tshark() else {
        return;
    };
    let (cc, sc) = configs();
    let mut pair = Pair::new(
        Association::connect(cc, INITIATE_REQUEST, None),
        Association::accept_incoming(sc, None),
    );
    pair.pump(ignore, |ev, c| {
        if let Event::AssociateIndication(_) = ev {
            c.reject(
                AssociateResult::RejectedPermanent,
                ServiceUserDiagnostic::CallingApTitleNotRecognized,
                None,
            );
        }
    });
    assert!(pair.client_errors.is_empty(), "{:?}", pair.client_errors);
    assert!(pair.server_errors.is_empty(), "{:?}", pair.server_errors);
    assert!(pair.client.is_closed() && pair.server.is_closed());
    assert_eq!(
        pair.client_seen,
        [Seen::Refused(Refused::Acse {
            result: AssociateResult::RejectedPermanent,
            diagnostic: Diagnostic::ServiceUser(ServiceUserDiagnostic::CallingApTitleNotRecognized),
            user_data: None,
        })]
    );

    let path = pair.write("assoc-refusal");
    no_bad_frames(&tshark, &path);
    // CN, RF
    assert_eq!(tshark.fields(&path, &[], &["ses.type"]), [["13"], ["12"]]);
    let refuse = tshark.fields(
        &path,
        &["-Y", "ses.type == 12"],
        &[
            "ses.type",
            "pres.cprtype",
            "acse.aare_element",
            "acse.result",
            "acse.result_source_diagnostic",
            "acse.service_user",
        ],
    );
    // rejected-permanent (1), acse-service-user (1): calling-AP-title-not-recognized (3)
    assert_eq!(refuse, [["12", "1", "1", "1", "1", "3"]]);
}

fn password_pair(client_password: &[u8]) -> Pair {
    let (cc, sc) = configs();
    let client_sec: Box<dyn AssociationSecurity> =
        Box::new(PasswordAuthentication::initiator(client_password.to_vec()));
    let server_sec: Box<dyn AssociationSecurity> =
        Box::new(PasswordAuthentication::responder(b"secret".to_vec()));
    Pair::new(
        Association::connect(cc, INITIATE_REQUEST, Some(client_sec)),
        Association::accept_incoming(sc, Some(server_sec)),
    )
}

#[test]
fn password_authentication_decodes_in_tshark() {
    let Some(tshark) = require_tshark() else {
        return;
    };
    let mut pair = password_pair(b"secret");
    pair.pump(
        |ev, c| {
            if let Event::Associated(_) = ev {
                c.release();
            }
        },
        mms_server,
    );
    assert!(pair.client_errors.is_empty(), "{:?}", pair.client_errors);
    assert!(pair.server_errors.is_empty(), "{:?}", pair.server_errors);
    assert_eq!(
        pair.client_seen,
        [
            Seen::Associated(Some(INITIATE_RESPONSE.to_vec())),
            Seen::Released
        ]
    );

    let path = pair.write("assoc-password");
    no_bad_frames(&tshark, &path);
    let auth = tshark.fields(
        &path,
        &[],
        &[
            "acse.aarq_element",
            "acse.aare_element",
            "acse.mechanism_name",
            "acse.calling_authentication_value",
            "acse.charstring",
            "acse.result",
        ],
    );
    // AARQ: mechanism password 2.2.3.1, value charstring (CHOICE 0); AARE: accepted
    assert_eq!(auth.len(), 2, "{auth:?}");
    assert_eq!(auth[0][0], "1");
    assert_eq!(auth[0][2], "2.2.3.1");
    assert_eq!(auth[0][3], "0");
    assert_eq!(auth[0][4], "secret");
    assert_eq!(auth[1][1], "1");
    assert_eq!(auth[1][5], "0");
}

#[test]
fn wrong_password_refusal_decodes_in_tshark() {
    let Some(tshark) = require_tshark() else {
        return;
    };
    let mut pair = password_pair(b"guess");
    pair.pump(ignore, mms_server);
    // the responder's security provider refused: it reports that, and sent the AARE reject
    assert_eq!(pair.server_errors.len(), 1, "{:?}", pair.server_errors);
    assert!(
        matches!(
            pair.server_errors[0],
            AssociationError::SecurityRefused { .. }
        ),
        "{:?}",
        pair.server_errors
    );
    assert!(pair.server_seen.is_empty());
    assert!(pair.client_errors.is_empty(), "{:?}", pair.client_errors);
    assert_eq!(
        pair.client_seen,
        [Seen::Refused(Refused::Acse {
            result: AssociateResult::RejectedPermanent,
            diagnostic: Diagnostic::ServiceUser(ServiceUserDiagnostic::AuthenticationFailure),
            user_data: None,
        })]
    );

    let path = pair.write("assoc-wrong-password");
    no_bad_frames(&tshark, &path);
    assert_eq!(tshark.fields(&path, &[], &["ses.type"]), [["13"], ["12"]]);
    let refuse = tshark.fields(
        &path,
        &[],
        &[
            "pres.cprtype",
            "acse.result",
            "acse.result_source_diagnostic",
            "acse.service_user",
        ],
    );
    // rejected-permanent, acse-service-user: authentication-failure (13)
    assert_eq!(refuse, [["1", "1", "1", "13"]]);
    assert_eq!(
        tshark.values(&path, &[], "acse.mechanism_name"),
        ["2.2.3.1"]
    );
}

/// An initiate-RequestPDU of exactly `total` octets: INITIATE_REQUEST's fields with the
/// servicesSupportedCalling BIT STRING lengthened by zero octets (unnamed bits, all 0), so the
/// MMS dissector still decodes every field.
fn large_initiate_request(total: usize) -> Vec<u8> {
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let n = content.len();
        if n < 0x80 {
            out.push(n as u8);
        } else if n < 0x100 {
            out.extend_from_slice(&[0x81, n as u8]);
        } else {
            out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
        }
        out.extend_from_slice(content);
        out
    }
    let build = |pad: usize| {
        let mut services = vec![0x03, 0xee, 0x1c, 0, 0, 0, 0, 0, 0, 0, 0xed, 0x10];
        services.resize(services.len() + pad, 0);
        let mut detail = vec![0x80, 0x01, 0x01, 0x81, 0x03, 0x05, 0xf1, 0x00];
        detail.extend(tlv(0x82, &services));
        let mut body = vec![
            0x80, 0x03, 0x00, 0xfd, 0xe8, 0x81, 0x01, 0x05, 0x82, 0x01, 0x05, 0x83, 0x01, 0x0a,
        ];
        body.extend(tlv(0xa4, &detail));
        tlv(0xa8, &body)
    };
    // lengths of 256..65535 use the same length-of-length, so one correction suffices
    let first = build(total - INITIATE_REQUEST.len());
    let pdu = build(total - INITIATE_REQUEST.len() - (first.len() - total));
    assert_eq!(pdu.len(), total);
    pdu
}

#[test]
fn large_connect_in_pgi_194_segmented_to_128_decodes_in_tshark() {
    let Some(tshark) = require_tshark() else {
        return;
    };
    let request = large_initiate_request(2000);
    let (mut cc, sc) = configs();
    cc.max_tpdu_size = 128;
    let mut pair = Pair::new(
        Association::connect(cc, &request, None),
        Association::accept_incoming(sc, None),
    );
    pair.pump(
        |ev, c| {
            if let Event::Associated(_) = ev {
                c.send_data(identify_request());
            }
        },
        mms_server,
    );
    assert!(pair.client_errors.is_empty(), "{:?}", pair.client_errors);
    assert!(pair.server_errors.is_empty(), "{:?}", pair.server_errors);
    assert_eq!(pair.client.tpdu_size(), 128);
    assert_eq!(pair.server.tpdu_size(), 128);
    assert_eq!(
        pair.server_seen[0],
        Seen::AssociateIndication(Some(request.clone()))
    );
    assert_eq!(
        pair.client_seen,
        [
            Seen::Associated(Some(INITIATE_RESPONSE.to_vec())),
            Seen::Data(3, identify_response().to_vec())
        ]
    );

    let path = pair.write("assoc-large-connect");
    no_bad_frames(&tshark, &path);
    assert_eq!(tshark.values(&path, &[], "cotp.tpdu_size"), ["128", "128"]);
    // every DT carries at most 128 octets of TPDU: 3 header + 125 data
    let lens = tshark.values(&path, &[], "tpkt.length");
    assert!(
        lens.iter().all(|l| l.parse::<usize>().unwrap() <= 4 + 128),
        "{lens:?}"
    );
    // the CONNECT was split into many DTs that COTP reassembled ...
    let reassembled = tshark.fields(
        &path,
        &[],
        &["cotp.segment.count", "cotp.reassembled.length", "ses.type"],
    );
    let connect = reassembled
        .iter()
        .find(|row| row[2] == "13")
        .unwrap_or_else(|| panic!("no CONNECT decoded: {reassembled:?}"));
    let segments: usize = connect[0].parse().unwrap();
    let length: usize = connect[1].parse().unwrap();
    assert!(segments >= 2000 / 125, "{connect:?}");
    assert!(length > 2000, "{connect:?}");
    // ... whose user data was in PGI 194 (Extended User Data), then decoded up to MMS
    let params = tshark.values(&path, &["-Y", "ses.type == 13"], "ses.parameter_type");
    assert!(params.iter().any(|p| p == "194"), "{params:?}");
    assert!(!params.iter().any(|p| p == "193"), "{params:?}");
    assert_eq!(
        tshark.values(&path, &[], "mms.localDetailCalling"),
        ["65000"]
    );
    assert_eq!(
        tshark.values(&path, &[], "mms.initiate_ResponsePDU_element"),
        ["1"]
    );
    assert_eq!(
        tshark.values(&path, &[], "mms.confirmedServiceResponse"),
        ["2"]
    );
}

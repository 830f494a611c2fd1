//! Tests of the interop harness itself: the pcap writer judged by tshark, the
//! hat-drivers peer scripts talking to each other, and the MMS initiate vectors
//! judged by tshark and by hat-drivers' decoder.

use std::path::PathBuf;
use std::time::Duration;

use interop_tests::hat_frames;
use interop_tests::mms_vectors::{INITIATE_REQUEST, INITIATE_RESPONSE};
use interop_tests::pcap::{self, TcpCapture, LINKTYPE_USER0};
use interop_tests::peer::{hat_decode_mms, hat_mms_client, hat_mms_server, PeerLine};
use interop_tests::tshark::{
    as_strs, bare_mms_args, decode_as_tpkt, LiveCapture, BAD_FRAME_FILTER,
};
use interop_tests::{require_python_peer, require_tshark, scratch_dir};

const LINE_TIMEOUT: Duration = Duration::from_secs(20);

// COTP CR and CC of spec Appendix A.1 (class 0, TSELs 00 01, TPDU size 2048),
// LI = 17, src-refs 0x0001 / 0x0002. Checked with tshark 4.0 (dissector cotp):
// CR / CC TPDU, tpdu size 2048, TSAPs 0x0001, no expert info.
const A1_CR: &[u8] = &[
    0x03, 0x00, 0x00, 0x16, // TPKT
    0x11, 0xe0, 0x00, 0x00, 0x00, 0x01, 0x00, // CR, dst 0, src 1, class 0
    0xc0, 0x01, 0x0b, 0xc2, 0x02, 0x00, 0x01, 0xc1, 0x02, 0x00, 0x01,
];
const A1_CC: &[u8] = &[
    0x03, 0x00, 0x00, 0x16, // TPKT
    0x11, 0xd0, 0x00, 0x01, 0x00, 0x02, 0x00, // CC, dst 1, src 2, class 0
    0xc0, 0x01, 0x0b, 0xc2, 0x02, 0x00, 0x01, 0xc1, 0x02, 0x00, 0x01,
];

fn pcap_path(test: &str, file: &str) -> PathBuf {
    scratch_dir(test).join(file)
}

fn cr_cc_capture(server_port: u16) -> TcpCapture {
    let mut cap = TcpCapture::new(40_000, server_port);
    cap.client_to_server(A1_CR);
    cap.server_to_client(A1_CC);
    cap.finish();
    cap
}

#[test]
fn pcap_with_cotp_cr_cc_decodes_on_port_102() {
    let Some(tshark) = require_tshark() else {
        return;
    };
    let path = pcap_path("cr-cc-102", "cr_cc.pcap");
    let cap = cr_cc_capture(102);
    cap.write(&path).expect("write pcap");
    assert!(cap.tshark_args().is_empty());

    assert_eq!(tshark.bad_frames(&path, &[]), Vec::<String>::new());
    let rows = tshark.fields(
        &path,
        &[],
        &[
            "tpkt.version",
            "tpkt.length",
            "cotp.type",
            "cotp.tpdu_size",
            "cotp.src-tsap",
            "cotp.dst-tsap",
            "cotp.class",
        ],
    );
    assert_eq!(
        rows,
        vec![
            vec!["3", "22", "0x0e", "2048", "0x0001", "0x0001", "0"],
            vec!["3", "22", "0x0d", "2048", "0x0001", "0x0001", "0"],
        ]
    );
    // no TCP analysis complaints (retransmission, lost segment, bad checksum...)
    let tcp_flags = tshark.fields(
        &path,
        &["-o", "tcp.check_checksum:TRUE"],
        &["tcp.analysis.flags", "tcp.checksum.status"],
    );
    // checksum status 1 = good (0 bad, 2 unverified)
    assert_eq!(tcp_flags.len(), cap.frame_count());
    assert!(
        tcp_flags
            .iter()
            .all(|row| row[0].is_empty() && row[1] == "1"),
        "{tcp_flags:?}"
    );
    let ip = tshark.values(
        &path,
        &["-o", "ip.check_checksum:TRUE"],
        "ip.checksum.status",
    );
    assert_eq!(ip.len(), cap.frame_count());
    assert!(
        ip.iter().all(|s| s == "1"),
        "IPv4 checksum status (1 = good): {ip:?}"
    );
}

#[test]
fn pcap_on_other_port_needs_decode_as() {
    let Some(tshark) = require_tshark() else {
        return;
    };
    let path = pcap_path("cr-cc-other", "cr_cc.pcap");
    let cap = cr_cc_capture(10_102);
    cap.write(&path).expect("write pcap");
    let args = cap.tshark_args();
    assert_eq!(
        tshark.values(&path, &as_strs(&args), "cotp.type"),
        vec!["0x0e", "0x0d"]
    );
    // without the decode-as argument nothing is dissected as COTP
    assert!(tshark.values(&path, &[], "cotp.type").is_empty());
    assert!(tshark.bad_frames(&path, &as_strs(&args)).is_empty());
}

#[test]
fn pcap_splits_long_writes_and_tshark_reassembles_them() {
    let Some(tshark) = require_tshark() else {
        return;
    };
    // 40 TPKT/COTP DT TPDUs of 2000 octets without EOT: 80 000 octets in one
    // write, more than one segment; tshark must find all 40 TPKT headers.
    let mut burst = Vec::new();
    for _ in 0..40 {
        burst.extend_from_slice(&[0x03, 0x00, 0x07, 0xd0, 0x02, 0xf0, 0x00]);
        burst.resize(burst.len() + 2000 - 7, 0x55);
    }
    let mut cap = TcpCapture::new(40_001, 102);
    cap.client_to_server(A1_CR);
    cap.server_to_client(A1_CC);
    cap.client_to_server(&burst);
    cap.finish();
    let path = pcap_path("split", "split.pcap");
    cap.write(&path).expect("write pcap");

    assert_eq!(tshark.values(&path, &[], "tpkt.version").len(), 42);
    assert!(tshark.bad_frames(&path, &[]).is_empty());
    let flags = tshark.values(&path, &[], "tcp.analysis.flags");
    assert!(flags.is_empty(), "TCP analysis flags: {flags:?}");
}

#[test]
fn bad_frames_reports_malformed_tpkt() {
    let Some(tshark) = require_tshark() else {
        return;
    };
    // a COTP CR whose LI (0x20) runs past the end of the TPDU
    let broken: &[u8] = &[
        0x03, 0x00, 0x00, 0x0b, 0x20, 0xe0, 0x00, 0x00, 0x00, 0x01, 0x00,
    ];
    let mut cap = TcpCapture::new(40_002, 102);
    cap.client_to_server(broken);
    cap.finish();
    let path = pcap_path("malformed", "bad.pcap");
    cap.write(&path).expect("write pcap");
    let bad = tshark.bad_frames(&path, &[]);
    assert_eq!(
        bad.len(),
        1,
        "expected the CR frame to be reported: {bad:?}; filter {BAD_FRAME_FILTER}"
    );
}

#[test]
fn mms_vectors_decode_in_tshark() {
    let Some(tshark) = require_tshark() else {
        return;
    };
    let path = pcap_path("mms-vectors", "initiate.pcap");
    pcap::write_raw(
        &path,
        LINKTYPE_USER0,
        &[INITIATE_REQUEST, INITIATE_RESPONSE],
    )
    .expect("write pcap");
    let args = bare_mms_args();
    assert!(tshark.bad_frames(&path, &args).is_empty());

    let req = tshark.fields(
        &path,
        &args,
        &[
            "mms.localDetailCalling",
            "mms.proposedMaxServOutstandingCalling",
            "mms.proposedMaxServOutstandingCalled",
            "mms.proposedDataStructureNestingLevel",
            "mms.proposedVersionNumber",
            "mms.proposedParameterCBB",
            "mms.servicesSupportedCalling",
        ],
    );
    assert_eq!(
        req,
        vec![vec![
            "65000",
            "5",
            "5",
            "10",
            "1",
            "f100",
            "ee1c00000000000000ed10"
        ]]
    );

    let res = tshark.fields(
        &path,
        &args,
        &[
            "mms.localDetailCalled",
            "mms.negociatedMaxServOutstandingCalling",
            "mms.negociatedMaxServOutstandingCalled",
            "mms.negociatedDataStructureNestingLevel",
            "mms.negociatedVersionNumber",
            "mms.negociatedParameterCBB",
            "mms.servicesSupportedCalled",
        ],
    );
    assert_eq!(
        res,
        vec![vec![
            "65000",
            "5",
            "5",
            "10",
            "1",
            "f100",
            "ee1c00000000000000ed10"
        ]]
    );

    let text = tshark.verbose(&path, &args);
    for service in [
        "status: True",
        "identify: True",
        "read: True",
        "write: True",
        "conclude: True",
        "fileOpen: True",
    ] {
        assert!(text.contains(service), "missing `{service}` in:\n{text}");
    }
    assert!(text.contains("vlis: True") && text.contains("vadr: False"));
}

#[test]
fn mms_vectors_decode_in_hat_drivers() {
    let Some(python) = require_python_peer() else {
        return;
    };
    let lines =
        hat_decode_mms(&python, &[INITIATE_REQUEST, INITIATE_RESPONSE]).expect("hat decoder ran");
    let req = &lines[0];
    assert_eq!(req.keyword, "DECODED", "{}", req.raw);
    assert_eq!(req.words, vec!["initiate-RequestPDU"]);
    assert_eq!(req.get("reencoded"), Some("same"));
    assert_eq!(req.get_int("localDetailCalling"), Some(65000));
    assert_eq!(req.get_int("proposedMaxServOutstandingCalling"), Some(5));
    assert_eq!(req.get_int("proposedMaxServOutstandingCalled"), Some(5));
    assert_eq!(req.get_int("proposedDataStructureNestingLevel"), Some(10));
    assert_eq!(req.get_int("proposedVersionNumber"), Some(1));
    assert_eq!(req.get("proposedParameterCBB"), Some("11110001000"));

    let res = &lines[1];
    assert_eq!(res.words, vec!["initiate-ResponsePDU"], "{}", res.raw);
    assert_eq!(res.get("reencoded"), Some("same"));
    assert_eq!(res.get_int("localDetailCalled"), Some(65000));
    assert_eq!(res.get_int("negotiatedDataStructureNestingLevel"), Some(10));
    assert_eq!(
        res.get("servicesSupportedCalled"),
        req.get("servicesSupportedCalling")
    );

    // and it rejects garbage, so the check above means something
    let bad = hat_decode_mms(&python, &[&[0xa9, 0x05, 0x80]]).expect("hat decoder ran");
    assert_eq!(bad[0].keyword, "ERROR");
}

#[test]
fn hat_reference_frames_decode_in_tshark() {
    let Some(tshark) = require_tshark() else {
        return;
    };
    let mut cap = TcpCapture::new(40_003, 102);
    cap.client_to_server(hat_frames::CR);
    cap.server_to_client(hat_frames::CC);
    cap.client_to_server(hat_frames::CN);
    cap.server_to_client(hat_frames::AC);
    cap.client_to_server(hat_frames::IDENTIFY_REQUEST);
    cap.server_to_client(hat_frames::IDENTIFY_RESPONSE);
    cap.client_to_server(hat_frames::CONCLUDE_REQUEST);
    cap.finish();
    let path = pcap_path("hat-frames", "hat.pcap");
    cap.write(&path).expect("write pcap");
    assert!(tshark.bad_frames(&path, &[]).is_empty());

    let ses = tshark.values(&path, &[], "ses.type");
    assert_eq!(ses, vec!["13", "14", "1", "1", "1", "1", "1", "1"]);
    let rows = tshark.fields(
        &path,
        &[],
        &[
            "pres.presentation_context_identifier",
            "pres.abstract_syntax_name",
            "acse.aSO_context_name",
            "acse.ap_title_form2",
            "acse.aso_qualifier_form2",
            "mms.localDetailCalling",
        ],
    );
    assert_eq!(
        rows[0],
        vec![
            "1,3,1",
            "2.2.1.0.1,1.0.9506.2.1",
            "1.0.9506.2.3",
            "1.1.1.998,1.1.1.999",
            "13,12",
            "65000"
        ]
    );
    assert_eq!(
        rows[1][2], "1.0.9506.2.1",
        "hat's AARE names the abstract syntax as application context"
    );
    let vendor = tshark.values(&path, &[], "mms.vendorName");
    assert_eq!(vendor, vec!["hat-drivers"]);

    // hat's FINISH with ARU/ABRT is flagged by tshark (documented quirk)
    let mut fin = TcpCapture::new(40_004, 102);
    fin.client_to_server(hat_frames::FINISH_ABORT);
    fin.finish();
    let path = pcap_path("hat-frames", "fin.pcap");
    fin.write(&path).expect("write pcap");
    assert_eq!(tshark.values(&path, &[], "ses.type"), vec!["9"]);
    assert_eq!(tshark.bad_frames(&path, &[]).len(), 1);
}

fn find<'a>(lines: &'a [PeerLine], keyword: &str) -> &'a PeerLine {
    lines
        .iter()
        .find(|l| l.keyword == keyword)
        .unwrap_or_else(|| panic!("no {keyword} line in {lines:#?}"))
}

#[test]
fn hat_client_and_server_scripts_associate_and_close() {
    let Some(python) = require_python_peer() else {
        return;
    };
    let mut server = hat_mms_server(&python, &["--timeout", "25"]).expect("server READY");
    let port = server.port().expect("port from READY");
    assert_ne!(port, 0);

    let mut client = hat_mms_client(
        &python,
        "127.0.0.1",
        port,
        &[
            "--request",
            "identify",
            "--local-ap-title",
            "1.1.1.999",
            "--local-ae-qualifier",
            "12",
        ],
    )
    .expect("client started");

    let assoc = client
        .expect("ASSOCIATED", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(assoc.get("local_ap_title"), Some("1.1.1.999"));
    let init = client
        .expect("INITIATE_RESPONSE", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(init.get_int("localDetailCalled"), Some(65000));
    assert_eq!(init.get_int("negotiatedDataStructureNestingLevel"), Some(4));
    let res = client
        .expect("RESPONSE", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(res.words, vec!["identify", "IdentifyResponse"]);
    let closed = client
        .expect("CLOSED", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    // the initiator always sends conclude-Request; its session layer sends FN,
    // or answers DN when the responder's FINISH arrives first (a race in hat)
    assert_eq!(closed.get("mms"), Some("conclude-RequestPDU"));
    assert!(
        matches!(closed.get("session"), Some("FN" | "DN")),
        "{}",
        client.transcript_text()
    );
    let status = client.wait_exit(LINE_TIMEOUT).expect("client exited");
    assert!(
        status.success(),
        "client status {status}: {}",
        client.transcript_text()
    );

    let connected = server
        .expect("CONNECTED", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(connected.get("remote_ap_title"), Some("1.1.1.999"));
    assert_eq!(connected.get("remote_ae_qualifier"), Some("12"));
    let init = server
        .expect("INITIATE_REQUEST", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(init.get_int("localDetailCalling"), Some(65000));
    let req = server
        .expect("REQUEST", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(req.words, vec!["IdentifyRequest"]);
    let closed = server
        .expect("CLOSED", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    // DN if hat's session layer saw the FINISH first, FN if its MMS layer saw
    // the conclude-Request first and closed on its own: a race inside hat
    assert!(
        matches!(closed.get("session"), Some("DN" | "FN")),
        "{}",
        server.transcript_text()
    );
    let status = server.wait_exit(LINE_TIMEOUT).expect("server exited");
    assert!(
        status.success(),
        "server status {status}: {}",
        server.transcript_text()
    );

    // the taps saw the CR with TPDU size 2048 and a version-2 CONNECT
    let tpdu = server
        .transcript()
        .iter()
        .map(|l| PeerLine::parse(l))
        .find(|l| l.keyword == "TPDU_IN");
    assert_eq!(tpdu.and_then(|l| l.get_int("max_tpdu")), Some(2048));
    let lines: Vec<PeerLine> = server
        .transcript()
        .iter()
        .map(|l| PeerLine::parse(l))
        .collect();
    assert_eq!(find(&lines, "SPDU_IN").get("version"), Some("2"));
}

#[test]
fn hat_server_initiated_close_is_seen_by_client() {
    let Some(python) = require_python_peer() else {
        return;
    };
    let mut server = hat_mms_server(&python, &["--close-after", "0.3"]).expect("server READY");
    let port = server.port().expect("port");
    let mut client =
        hat_mms_client(&python, "127.0.0.1", port, &["--hold", "10"]).expect("client started");
    client
        .expect("ASSOCIATED", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    client
        .expect("PEER_CLOSED", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    let closed = client
        .expect("CLOSED", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    // the client answers hat's conclude-Request if its MMS layer sees it before
    // the FINISH tears the association down (a race in hat)
    assert!(
        matches!(
            closed.get("mms"),
            Some("conclude-ResponsePDU" | "conclude-RequestPDU")
        ),
        "{}",
        client.transcript_text()
    );
    assert!(matches!(closed.get("session"), Some("DN" | "FN")));
    let server_closed = server
        .expect("CLOSED", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(server_closed.get("mms"), Some("conclude-RequestPDU"));
    assert!(matches!(server_closed.get("session"), Some("FN" | "DN")));
    assert!(client.wait_exit(LINE_TIMEOUT).is_some_and(|s| s.success()));
    assert!(server.wait_exit(LINE_TIMEOUT).is_some_and(|s| s.success()));
}

#[test]
fn hat_client_reports_error_when_nobody_listens() {
    let Some(python) = require_python_peer() else {
        return;
    };
    // bind then drop a listener to get a port that refuses connections
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut client =
        hat_mms_client(&python, "127.0.0.1", port, &["--timeout", "5"]).expect("client started");
    let err = client
        .expect("ASSOCIATED", LINE_TIMEOUT)
        .expect_err("must not associate");
    assert!(err.to_string().contains("ERROR"), "{err}");
    let status = client.wait_exit(LINE_TIMEOUT).expect("client exited");
    assert_eq!(status.code(), Some(1));
}

#[test]
fn live_capture_of_hat_association_shows_only_hats_finish_quirk() {
    let Some(tshark) = require_tshark() else {
        return;
    };
    let Some(python) = require_python_peer() else {
        return;
    };
    let mut server = hat_mms_server(&python, &[]).expect("server READY");
    let port = server.port().expect("port");
    let path = pcap_path("live", "hat.pcapng");
    let capture = match LiveCapture::start(&tshark, port, &path) {
        Ok(c) => c,
        Err(e) if interop_tests::in_ci() => panic!("{e}"),
        Err(e) => {
            eprintln!("\n*** SKIPPED: cannot capture on lo ({e}) ***\n");
            return;
        }
    };
    let mut client = hat_mms_client(&python, "127.0.0.1", port, &["--request", "status"])
        .expect("client started");
    client
        .expect("CLOSED", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    server
        .expect("CLOSED", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    let path = capture.stop();

    let args = decode_as_tpkt(port);
    let args = as_strs(&args);
    // CR, CC, then CN, AC, data (GIVE-TOKENS + DT pairs) and FINISH at the
    // session layer; how many data SPDUs, FINISHes and DISCONNECTs follow the
    // conclude-Request depends on a race inside hat's server
    assert_eq!(
        tshark.values(&path, &args, "cotp.type")[..2],
        ["0x0e", "0x0d"]
    );
    let ses = tshark.values(&path, &args, "ses.type");
    assert_eq!(ses[..2], ["13", "14"], "{ses:?}");
    assert!(ses.iter().any(|t| t == "9"), "{ses:?}");
    assert!(
        ses[2..]
            .iter()
            .all(|t| ["1", "9", "10"].contains(&t.as_str())),
        "{ses:?}"
    );
    // the only complaints are hat's FINISHes carrying an ARU-PPDU
    let bad = tshark.bad_frames(&path, &args);
    assert!(
        !bad.is_empty() && bad.iter().all(|f| f.contains("FINISH")),
        "{bad:?}"
    );
}

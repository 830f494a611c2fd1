//! `mms decode` (mms::dissect) against Wireshark's dissectors: the same captures go through
//! tshark (`-T fields`) and through `dissect_pcap`, and the field values of every packet must be
//! equal: TPKT length, COTP type, SPDU types, presentation context ids, ACSE context name and
//! result, MMS invokeID, service and object names. Plus hostile input (truncated frames,
//! garbage, huge lengths, broken captures) that must produce errors, never panics.
//!
//! The captures: the hat-drivers reference frames (`interop-tests/src/hat_frames.rs`, bytes from
//! an implementation nobody here wrote, checked with tshark 4.0.17), and a whole session
//! recorded from our own association stack (CR/CC, CN/AC with AARQ/AARE and the initiate PDUs,
//! read/write/getNameList/identify/informationReport, conclude, RLRQ/RLRE), once with the
//! default TPDU size and once with 128-octet TPDUs so that every TSDU is segmented.
//!
//! tshark is required when `CI=true`: the comparing tests then fail instead of skipping.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../src/vecfile.rs"]
mod vecfile;

#[path = "../../interop-tests/src/hat_frames.rs"]
#[allow(dead_code)]
mod hat_frames;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use acse::association::{Association, AssociationConfig, Event};
use mms::dissect::{
    dissect_bytes, dissect_pcap, run_decode, DecodeArgs, Field, Frame, Layer, Limits, StartLayer,
};
use mms::services::variables::{
    InformationReport, ReadRequest, ReadResponse, WriteRequest, WriteResponse, WriteResult,
};
use mms::services::vmd::{
    BasicObjectClass, GetNameListRequest, GetNameListResponse, IdentifyRequest, IdentifyResponse,
    ObjectClass, ObjectScope,
};
use mms::{AccessResult, Data, InitiateRequest, InitiateResponse, MmsPdu, ObjectName};

// ---------------------------------------------------------------------------------------------
// Peers and scratch files.

fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| v.eq_ignore_ascii_case("true") || v == "1")
        .unwrap_or(false)
}

/// True when tshark (and text2pcap) can run; panics in CI when they cannot.
fn require_tshark() -> bool {
    let ok = ["tshark", "text2pcap", "editcap"].iter().all(|t| {
        Command::new(t)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    });
    if !ok {
        assert!(
            !in_ci(),
            "tshark/text2pcap missing and CI=true: install tshark"
        );
        eprintln!("SKIPPED: tshark/text2pcap not installed (this test fails when CI=true)");
    }
    ok
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join("osi-mms-dissect")
        .join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

// ---------------------------------------------------------------------------------------------
// A classic pcap writer (Ethernet / IPv4 / TCP), enough for tshark and for our reader.

const CLIENT: ([u8; 4], u16) = ([10, 0, 0, 1], 40001);
const SERVER: ([u8; 4], u16) = ([10, 0, 0, 2], 102);

struct Pcap {
    out: Vec<u8>,
    seq: [u32; 2],
    n: u32,
    link: u32,
}

impl Pcap {
    fn new() -> Pcap {
        Pcap::with_link(1)
    }

    /// Link types: 1 Ethernet, 0 BSD loopback, 101 / 228 raw IPv4, 113 Linux cooked.
    fn with_link(link: u32) -> Pcap {
        let mut out = Vec::new();
        out.extend(0xa1b2_c3d4u32.to_le_bytes());
        out.extend(2u16.to_le_bytes());
        out.extend(4u16.to_le_bytes());
        out.extend([0u8; 8]);
        out.extend(262_144u32.to_le_bytes());
        out.extend(link.to_le_bytes());
        let mut p = Pcap {
            out,
            seq: [1000, 5000],
            n: 0,
            link,
        };
        p.raw_segment(0, 0x02, p.seq[0] - 1, &[]);
        p.raw_segment(1, 0x12, p.seq[1] - 1, &[]);
        p
    }

    fn raw_segment(&mut self, dir: usize, flags: u8, seq: u32, payload: &[u8]) {
        let (src, dst) = if dir == 0 {
            (CLIENT, SERVER)
        } else {
            (SERVER, CLIENT)
        };
        #[rustfmt::skip]
        let mut pkt = match self.link {
            1 => vec![2, 0, 0, 0, 0, 2 - dir as u8, 2, 0, 0, 0, 0, 1 + dir as u8, 0x08, 0x00],
            0 => 2u32.to_le_bytes().to_vec(),
            113 => vec![0, if dir == 0 { 4 } else { 0 }, 0x03, 0x04, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00],
            _ => Vec::new(),
        };
        let total = (40 + payload.len()) as u16;
        let mut ip = vec![0x45, 0];
        ip.extend(total.to_be_bytes());
        ip.extend([0, self.n as u8, 0x40, 0, 64, 6, 0, 0]);
        ip.extend(src.0);
        ip.extend(dst.0);
        let sum = checksum(&ip);
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
        pkt.extend(ip);
        pkt.extend(src.1.to_be_bytes());
        pkt.extend(dst.1.to_be_bytes());
        pkt.extend(seq.to_be_bytes());
        pkt.extend(0u32.to_be_bytes());
        pkt.extend([0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        pkt.extend_from_slice(payload);
        self.n += 1;
        self.out.extend((1_700_000_000 + self.n).to_le_bytes());
        self.out.extend(0u32.to_le_bytes());
        self.out.extend((pkt.len() as u32).to_le_bytes());
        self.out.extend((pkt.len() as u32).to_le_bytes());
        self.out.extend(pkt);
    }

    /// One data segment in direction `dir` (0 = client to server).
    fn data(&mut self, dir: usize, payload: &[u8]) {
        let seq = self.seq[dir];
        self.raw_segment(dir, 0x18, seq, payload);
        self.seq[dir] = seq.wrapping_add(payload.len() as u32);
    }
}

fn checksum(b: &[u8]) -> u16 {
    let mut s: u32 = b
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

// ---------------------------------------------------------------------------------------------
// A recorded session from our own stack.

fn pump(
    from: &mut Association,
    to: &mut Association,
    dir: usize,
    log: &mut Vec<(usize, Vec<u8>)>,
) -> Vec<String> {
    let bytes = from.transmit().to_vec();
    from.advance_transmit(bytes.len());
    let mut seen = Vec::new();
    if !bytes.is_empty() {
        to.feed(&bytes).unwrap();
        log.push((dir, bytes));
    }
    while let Some(ev) = to.poll_event().unwrap() {
        seen.push(match ev {
            Event::AssociateIndication(_) => "indication".to_string(),
            Event::Associated(_) => "associated".to_string(),
            Event::ReleaseIndication { .. } => "release".to_string(),
            Event::Released { .. } => "released".to_string(),
            other => format!("{other:?}").chars().take(20).collect(),
        });
    }
    seen
}

/// Every transmission of one session, in order: (direction, bytes).
fn session(max_tpdu_size: usize) -> Vec<(usize, Vec<u8>)> {
    let config = {
        let mut config = AssociationConfig::default();
        config.max_tpdu_size = max_tpdu_size;
        config
    };
    let req = InitiateRequest::default();
    let resp = InitiateResponse::negotiate(&req, &req);
    let mut c = Association::connect(config.clone(), &MmsPdu::InitiateRequest(req).to_vec(), None);
    let mut s = Association::accept_incoming(config, None);
    let mut log = Vec::new();
    let resp_bytes = MmsPdu::InitiateResponse(resp).to_vec();
    let mut associated = false;
    for _ in 0..10 {
        if pump(&mut c, &mut s, 0, &mut log)
            .iter()
            .any(|e| e == "indication")
        {
            s.accept(&resp_bytes).unwrap();
        }
        if pump(&mut s, &mut c, 1, &mut log)
            .iter()
            .any(|e| e == "associated")
        {
            associated = true;
            break;
        }
    }
    assert!(associated, "association did not complete");
    let name = ObjectName::domain("IED1LD0", "LLN0$ST$Mod$stVal");
    let exchanges: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (
            MmsPdu::request(
                1,
                ReadRequest::names([name.clone(), ObjectName::vmd("Top")]),
            )
            .to_vec(),
            MmsPdu::response(
                1,
                ReadResponse::new(vec![
                    AccessResult::Success(Data::structure(vec![
                        Data::Integer(1),
                        Data::VisibleString("on".into()),
                        Data::BitString(mms::MmsBitString::from_u32(0b1010, 4)),
                    ])),
                    AccessResult::Failure(mms::DataAccessError::ObjectNonExistent),
                ]),
            )
            .to_vec(),
        ),
        (
            MmsPdu::request(2, WriteRequest::single(name.clone(), Data::Boolean(true))).to_vec(),
            MmsPdu::response(2, WriteResponse(vec![WriteResult::Success])).to_vec(),
        ),
        (
            MmsPdu::request(
                3,
                GetNameListRequest {
                    object_class: ObjectClass::Basic(BasicObjectClass::Domain),
                    object_scope: ObjectScope::VmdSpecific,
                    continue_after: None,
                },
            )
            .to_vec(),
            MmsPdu::response(
                3,
                GetNameListResponse {
                    list_of_identifier: vec!["IED1LD0".into(), "IED1LD1".into()],
                    more_follows: false,
                },
            )
            .to_vec(),
        ),
        (
            MmsPdu::request(4, IdentifyRequest).to_vec(),
            MmsPdu::response(
                4,
                IdentifyResponse {
                    vendor_name: "osi-mms".into(),
                    model_name: "dissect test".into(),
                    revision: "1".into(),
                    list_of_abstract_syntaxes: None,
                },
            )
            .to_vec(),
        ),
    ];
    for (rq, rs) in &exchanges {
        c.send_data(rq).unwrap();
        pump(&mut c, &mut s, 0, &mut log);
        s.send_data(rs).unwrap();
        pump(&mut s, &mut c, 1, &mut log);
    }
    let report = MmsPdu::unconfirmed(InformationReport {
        variable_access_specification: mms::VariableAccessSpecification::VariableListName(
            ObjectName::vmd("RPT"),
        ),
        list_of_access_result: vec![AccessResult::Success(Data::VisibleString("rcb".into()))],
    })
    .to_vec();
    s.send_data(&report).unwrap();
    pump(&mut s, &mut c, 1, &mut log);
    c.send_data(&MmsPdu::ConcludeRequest.to_vec()).unwrap();
    pump(&mut c, &mut s, 0, &mut log);
    s.send_data(&MmsPdu::ConcludeResponse.to_vec()).unwrap();
    pump(&mut s, &mut c, 1, &mut log);
    c.release(None).unwrap();
    if pump(&mut c, &mut s, 0, &mut log)
        .iter()
        .any(|e| e == "release")
    {
        s.respond_release(None).unwrap();
    }
    pump(&mut s, &mut c, 1, &mut log);
    log
}

fn session_pcap(max_tpdu_size: usize) -> Vec<u8> {
    session_pcap_on(max_tpdu_size, 1)
}

fn session_pcap_on(max_tpdu_size: usize, link: u32) -> Vec<u8> {
    let mut p = Pcap::with_link(link);
    for (dir, bytes) in session(max_tpdu_size) {
        p.data(dir, &bytes);
    }
    p.out
}

// ---------------------------------------------------------------------------------------------
// Comparing with tshark.

const FIELDS: &[&str] = &[
    "tpkt.length",
    "cotp.type",
    "ses.type",
    "pres.presentation_context_identifier",
    "acse.aSO_context_name",
    "acse.result",
    "mms.invokeID",
    "mms.confirmedServiceRequest",
    "mms.confirmedServiceResponse",
    "mms.unconfirmedService",
    "mms.domainId",
    "mms.itemId",
    "mms.vendorName",
];

/// tshark's values per packet: packet number -> field -> values in tree order.
fn tshark_fields(pcap: &Path) -> BTreeMap<u64, BTreeMap<String, Vec<String>>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(pcap).args([
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=~",
        "-e",
        "frame.number",
    ]);
    for f in FIELDS {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(
        out.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut map = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let n: u64 = cols[0].parse().unwrap();
        let mut m = BTreeMap::new();
        for (i, f) in FIELDS.iter().enumerate() {
            let v = cols.get(i + 1).copied().unwrap_or("");
            let vals: Vec<String> = if v.is_empty() {
                Vec::new()
            } else {
                v.split('~').map(String::from).collect()
            };
            m.insert(f.to_string(), vals);
        }
        map.insert(n, m);
    }
    map
}

/// The number in the last parentheses of a value: "read (4)" -> "4", "DT Data (0x0f)" -> "0x0f".
fn paren(v: &str) -> String {
    v.rsplit_once('(')
        .map(|(_, r)| r.trim_end_matches(')').to_string())
        .unwrap_or_else(|| v.to_string())
}

fn values<'f>(frames: &[&'f Frame], layer: &'f str, field: &str) -> Vec<&'f Field> {
    frames
        .iter()
        .flat_map(|f| f.layers_named(layer))
        .flat_map(|l| l.find_all(field))
        .collect()
}

/// Our values per packet, in tshark's vocabulary.
fn our_fields(frames: &[Frame]) -> BTreeMap<u64, BTreeMap<String, Vec<String>>> {
    let mut by_packet: BTreeMap<u64, Vec<&Frame>> = BTreeMap::new();
    for f in frames {
        if let Some(o) = &f.origin {
            if !f.layers.is_empty() {
                by_packet.entry(o.packet).or_default().push(f);
            }
        }
    }
    let mut map = BTreeMap::new();
    for (n, fs) in by_packet {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut put = |k: &str, v: Vec<String>| {
            m.insert(k.to_string(), v);
        };
        put(
            "tpkt.length",
            values(&fs, "TPKT", "length")
                .iter()
                .map(|f| f.value.clone())
                .collect(),
        );
        put(
            "cotp.type",
            values(&fs, "COTP", "TPDU type")
                .iter()
                .map(|f| paren(&f.value))
                .collect(),
        );
        put(
            "ses.type",
            values(&fs, "Session", "SPDU type (SI)")
                .iter()
                .map(|f| paren(&f.value))
                .collect(),
        );
        put(
            "pres.presentation_context_identifier",
            values(&fs, "Presentation", "presentation-context-identifier")
                .iter()
                .map(|f| f.value.clone())
                .collect(),
        );
        put(
            "acse.aSO_context_name",
            values(&fs, "ACSE", "aSO-context-name")
                .iter()
                .map(|f| f.value.split(' ').next().unwrap_or("").to_string())
                .collect(),
        );
        put(
            "acse.result",
            values(&fs, "ACSE", "result")
                .iter()
                .map(|f| paren(&f.value))
                .collect(),
        );
        put(
            "mms.invokeID",
            values(&fs, "MMS", "invokeID")
                .iter()
                .map(|f| f.value.clone())
                .collect(),
        );
        for (k, ours) in [
            ("mms.confirmedServiceRequest", "confirmedServiceRequest"),
            ("mms.confirmedServiceResponse", "confirmedServiceResponse"),
            ("mms.unconfirmedService", "unconfirmedService"),
        ] {
            put(
                k,
                values(&fs, "MMS", ours)
                    .iter()
                    .map(|f| paren(&f.value))
                    .collect(),
            );
        }
        put(
            "mms.domainId",
            values(&fs, "MMS", "domainId")
                .iter()
                .map(|f| f.value.clone())
                .collect(),
        );
        put(
            "mms.itemId",
            values(&fs, "MMS", "itemId")
                .iter()
                .map(|f| f.value.clone())
                .collect(),
        );
        put(
            "mms.vendorName",
            values(&fs, "MMS", "vendorName")
                .iter()
                .map(|f| f.value.clone())
                .collect(),
        );
        map.insert(n, m);
    }
    map
}

/// Asserts that every packet tshark shows TPKT data for has the same field values in ours.
fn assert_same_as_tshark(pcap: &Path, frames: &[Frame], min_packets: usize) {
    let theirs = tshark_fields(pcap);
    let ours = our_fields(frames);
    let mut compared = 0;
    for (n, t) in &theirs {
        if t["tpkt.length"].is_empty() {
            continue; // handshake / bare ACKs
        }
        let o = ours
            .get(n)
            .unwrap_or_else(|| panic!("packet {n}: tshark decoded {t:?}, we have no frame"));
        for f in FIELDS {
            let (mut a, mut b) = (t[*f].clone(), o[*f].clone());
            if f.starts_with("mms.domainId") || f.starts_with("mms.itemId") {
                a.sort();
                b.sort();
            }
            assert_eq!(
                a, b,
                "packet {n} field {f}: tshark {:?}, ours {:?}",
                t[*f], o[*f]
            );
        }
        compared += 1;
    }
    assert!(compared >= min_packets, "only {compared} packets compared");
    for f in frames {
        assert!(
            f.issues.is_empty(),
            "frame {} has issues: {:?}",
            f.number,
            f.issues
        );
    }
}

#[test]
fn hat_reference_frames_equal_tshark_via_text2pcap_pcapng() {
    if !require_tshark() {
        return;
    }
    let dir = scratch("hat");
    let frames: [&[u8]; 8] = [
        hat_frames::CR,
        hat_frames::CC,
        hat_frames::CN,
        hat_frames::AC,
        hat_frames::IDENTIFY_REQUEST,
        hat_frames::IDENTIFY_RESPONSE,
        hat_frames::CONCLUDE_REQUEST,
        hat_frames::FINISH_ABORT,
    ];
    let mut dump = String::new();
    for f in frames {
        for (i, chunk) in f.chunks(16).enumerate() {
            dump.push_str(&format!("{:06x}", i * 16));
            for b in chunk {
                dump.push_str(&format!(" {b:02x}"));
            }
            dump.push('\n');
        }
        dump.push('\n');
    }
    let txt = dir.join("hat.txt");
    std::fs::write(&txt, dump).unwrap();
    // text2pcap writes pcapng by default (tshark 4.0): this also exercises our pcapng reader
    // on a file a foreign tool wrote.
    let pcap = dir.join("hat.pcapng");
    let st = Command::new("text2pcap")
        .args(["-q", "-T", "40000,102"])
        .arg(&txt)
        .arg(&pcap)
        .status()
        .unwrap();
    assert!(st.success());
    let ours = dissect_pcap(&std::fs::read(&pcap).unwrap(), &Limits::default()).unwrap();
    let theirs = tshark_fields(&pcap);
    let ours_map = our_fields(&ours);
    for (n, t) in &theirs {
        let o = &ours_map[n];
        for f in FIELDS {
            assert_eq!(t[*f], o[*f], "packet {n} field {f}");
        }
    }
    assert_eq!(theirs.len(), 8);
    // The same capture rewritten by editcap as classic pcap with microsecond and with
    // nanosecond timestamps decodes to the same layers.
    for (format, scale) in [("pcap", 1000u64), ("nsecpcap", 1)] {
        let out = dir.join(format!("hat-{format}.pcap"));
        let st = Command::new("editcap")
            .args(["-F", format])
            .arg(&pcap)
            .arg(&out)
            .status()
            .unwrap();
        assert!(st.success());
        let again = dissect_pcap(&std::fs::read(&out).unwrap(), &Limits::default()).unwrap();
        assert_eq!(again.len(), ours.len());
        for (a, b) in again.iter().zip(&ours) {
            assert_eq!(a.layers, b.layers);
            let (ta, tb) = (
                a.origin.as_ref().unwrap().timestamp_ns,
                b.origin.as_ref().unwrap().timestamp_ns,
            );
            assert_eq!(ta.map(|t| t / scale), tb.map(|t| t / scale), "{format}");
        }
    }
    // Our judgement of the last frame: hat's FINISH carries an ARU-PPDU where X.226 wants
    // User-data, which tshark also flags; we report it at the presentation layer.
    let last = ours
        .iter()
        .find(|f| f.origin.as_ref().map(|o| o.packet) == Some(8))
        .unwrap();
    assert!(
        last.issues.iter().any(|i| i.layer == Layer::Presentation),
        "{:?}",
        last
    );
    // The AARQ's AP-titles and AE-qualifiers.
    let cn = ours
        .iter()
        .find(|f| f.origin.as_ref().map(|o| o.packet) == Some(3))
        .unwrap();
    let acse = cn.layer("ACSE").unwrap();
    assert_eq!(acse.value, "AARQ");
    assert_eq!(acse.find("called-AP-title").unwrap().value, "1.1.1.998");
    assert_eq!(acse.find("calling-AE-qualifier").unwrap().value, "12");
    assert_eq!(cn.layer("MMS").unwrap().value, "initiate-RequestPDU");
}

fn check_session(max_tpdu_size: usize, name: &str) -> Vec<Frame> {
    let pcap_bytes = session_pcap(max_tpdu_size);
    let frames = dissect_pcap(&pcap_bytes, &Limits::default()).unwrap();
    if require_tshark() {
        let dir = scratch(name);
        let path = dir.join("session.pcap");
        std::fs::write(&path, &pcap_bytes).unwrap();
        assert_same_as_tshark(&path, &frames, 12);
    }
    frames
}

#[test]
fn recorded_session_equals_tshark() {
    let frames = check_session(2048, "session");
    // What users look for, independent of tshark.
    let mms: Vec<&Field> = frames.iter().flat_map(|f| f.layers_named("MMS")).collect();
    let read = mms
        .iter()
        .find(|m| m.value.starts_with("confirmed-RequestPDU read"))
        .unwrap();
    assert_eq!(read.find("invokeID").unwrap().value, "1");
    assert_eq!(
        read.find("name").unwrap().value,
        "IED1LD0/LLN0$ST$Mod$stVal"
    );
    let resp = mms
        .iter()
        .find(|m| m.value.starts_with("confirmed-ResponsePDU read"))
        .unwrap();
    let results = resp.find("listOfAccessResult").unwrap();
    assert_eq!(results.children[0].name, "success: structure");
    let vals: Vec<&str> = results.children[0]
        .children
        .iter()
        .map(|c| c.value.as_str())
        .collect();
    assert_eq!(vals, ["1", "\"on\"", "1010 (4 bits)"]);
    assert_eq!(results.children[1].value, "object-non-existent (10)");
    let report = mms
        .iter()
        .find(|m| m.value == "unconfirmed-PDU informationReport")
        .unwrap();
    assert_eq!(report.find("variableListName").unwrap().value, "RPT");
    let names = mms
        .iter()
        .find(|m| m.value.starts_with("confirmed-ResponsePDU getNameList"))
        .unwrap();
    assert_eq!(names.find_all("identifier").len(), 2);
    // ACSE release and the AARE result.
    let acse: Vec<&Field> = frames.iter().flat_map(|f| f.layers_named("ACSE")).collect();
    let names: Vec<&str> = acse.iter().map(|a| a.value.as_str()).collect();
    assert_eq!(names, ["AARQ", "AARE", "RLRQ", "RLRE"]);
    assert_eq!(acse[1].find("result").unwrap().value, "accepted (0)");
}

#[test]
fn every_link_type_equals_tshark() {
    // BSD loopback, raw IPv4 (both numbers), Linux cooked; Ethernet is the test above.
    for link in [0u32, 101, 113, 228] {
        let bytes = session_pcap_on(2048, link);
        let frames = dissect_pcap(&bytes, &Limits::default()).unwrap();
        assert_eq!(
            frames.iter().filter(|f| f.layer("MMS").is_some()).count(),
            13,
            "link {link}"
        );
        if require_tshark() {
            let path = scratch(&format!("link{link}")).join("s.pcap");
            std::fs::write(&path, &bytes).unwrap();
            assert_same_as_tshark(&path, &frames, 12);
        }
    }
}

#[test]
fn segmented_session_equals_tshark_and_reassembles() {
    let frames = check_session(128, "segmented");
    let notes: Vec<&String> = frames.iter().flat_map(|f| &f.notes).collect();
    assert!(
        notes.iter().any(|n| n.contains("reassembled from")),
        "{notes:?}"
    );
    // The CN (with AARQ and initiate-Request) did not fit into one 128-octet TPDU.
    let cn = frames
        .iter()
        .find(|f| f.layer("Session").is_some_and(|s| s.value == "CONNECT"))
        .unwrap();
    assert!(cn.notes.iter().any(|n| n.contains("reassembled")));
    assert!(cn.layer("MMS").is_some());
}

// ---------------------------------------------------------------------------------------------
// Hex input.

#[test]
fn hex_input_concatenated_frames_and_bare_mms() {
    let mut all = Vec::new();
    all.extend_from_slice(hat_frames::IDENTIFY_REQUEST);
    all.extend_from_slice(hat_frames::IDENTIFY_RESPONSE);
    let frames = dissect_bytes(&all, StartLayer::Auto, &Limits::default());
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[1].offset, hat_frames::IDENTIFY_REQUEST.len());
    let m = frames[1].layer("MMS").unwrap();
    assert_eq!(
        m.find("confirmedServiceResponse").unwrap().value,
        "identify (2)"
    );
    // A bare MMS PDU (auto-detected: it does not start with 03 00).
    let pdu = MmsPdu::request(7, IdentifyRequest).to_vec();
    let frames = dissect_bytes(&pdu, StartLayer::Auto, &Limits::default());
    assert_eq!(
        frames[0]
            .layer("MMS")
            .unwrap()
            .find("invokeID")
            .unwrap()
            .value,
        "7"
    );
    assert!(frames[0].layer("TPKT").is_none());
}

#[test]
fn run_decode_text_and_json() {
    let hex: String = hat_frames::IDENTIFY_RESPONSE
        .iter()
        .map(|b| format!("{b:02x} "))
        .collect();
    let mut out = Vec::new();
    run_decode(
        DecodeArgs {
            hex: Some(hex.clone()),
            ..DecodeArgs::default()
        },
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("TPKT: version 3, length 65"), "{text}");
    assert!(
        text.contains("confirmedServiceResponse: identify (2)"),
        "{text}"
    );
    let mut out = Vec::new();
    run_decode(
        DecodeArgs {
            hex: Some(hex),
            json: true,
            ..DecodeArgs::default()
        },
        &mut out,
    )
    .unwrap();
    let json = String::from_utf8(out).unwrap();
    assert!(json.starts_with("[\n{\"frame\":1"), "{json}");
    assert!(
        json.contains(r#"{"name":"invokeID","value":"0"}"#),
        "{json}"
    );
    // No input, or bad hex: errors, not panics.
    assert!(run_decode(DecodeArgs::default(), &mut Vec::new()).is_err());
    assert!(run_decode(
        DecodeArgs {
            hex: Some("0g".into()),
            ..DecodeArgs::default()
        },
        &mut Vec::new()
    )
    .is_err());
    assert!(run_decode(
        DecodeArgs {
            hex: Some("030".into()),
            ..DecodeArgs::default()
        },
        &mut Vec::new()
    )
    .is_err());
}

#[test]
fn run_decode_reads_a_pcap_file() {
    let dir = scratch("file");
    let path = dir.join("s.pcap");
    std::fs::write(&path, session_pcap(2048)).unwrap();
    let mut out = Vec::new();
    run_decode(
        DecodeArgs {
            pcap: Some(path),
            ..DecodeArgs::default()
        },
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("10.0.0.1:40001 -> 10.0.0.2:102"), "{text}");
    assert!(
        text.contains("aSO-context-name: 1.0.9506.2.3 (MMS application context)"),
        "{text}"
    );
    assert!(!text.contains("ERROR"), "{text}");
}

/// Every MMS vector of `mms/vectors/*.vec` (each checked with tshark 4.0 when it was added; the
/// `tshark:` lines are the values Wireshark's MMS dissector showed) decodes as a bare MMS PDU
/// without issues, and our tree holds tshark's invokeID, service tag, object names and the
/// RejectPDU's original invokeID.
#[test]
fn mms_vector_files_show_tsharks_values() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let mut checked = 0;
    let mut values_checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("vec") {
            continue;
        }
        for v in vecfile::parse(&std::fs::read_to_string(&path).unwrap()) {
            let frames = dissect_bytes(&v.pdu, StartLayer::Mms, &Limits::default());
            assert_eq!(frames.len(), 1, "{}", v.name);
            assert!(
                frames[0].issues.is_empty(),
                "{}: {:?}",
                v.name,
                frames[0].issues
            );
            let m = frames[0]
                .layer("MMS")
                .unwrap_or_else(|| panic!("{}", v.name));
            for (field, want) in &v.tshark {
                let ours: Vec<String> = match field.as_str() {
                    "mms.invokeID" => m
                        .find_all("invokeID")
                        .iter()
                        .map(|f| f.value.clone())
                        .collect(),
                    "mms.originalInvokeID" => m
                        .find_all("originalInvokeID")
                        .iter()
                        .map(|f| f.value.clone())
                        .collect(),
                    "mms.confirmedServiceRequest" => m
                        .find_all("confirmedServiceRequest")
                        .iter()
                        .map(|f| paren(&f.value))
                        .collect(),
                    "mms.confirmedServiceResponse" => m
                        .find_all("confirmedServiceResponse")
                        .iter()
                        .map(|f| paren(&f.value))
                        .collect(),
                    "mms.domainId" => m
                        .find_all("domainId")
                        .iter()
                        .map(|f| f.value.clone())
                        .collect(),
                    "mms.itemId" => m
                        .find_all("itemId")
                        .iter()
                        .map(|f| f.value.clone())
                        .collect(),
                    _ => continue,
                };
                assert!(
                    ours.contains(want),
                    "{} {field}: tshark {want:?}, ours {ours:?}\n{m:#?}",
                    v.name
                );
                values_checked += 1;
            }
            checked += 1;
        }
    }
    assert!(checked > 300, "only {checked} vectors");
    assert!(values_checked > 150, "only {values_checked} values");
}

// ---------------------------------------------------------------------------------------------
// Hostile input.

fn issues(frames: &[Frame]) -> Vec<(Layer, String)> {
    frames
        .iter()
        .flat_map(|f| f.issues.iter().map(|i| (i.layer, i.message.clone())))
        .collect()
}

#[test]
fn truncated_frames_are_reported_at_every_length() {
    let cn = hat_frames::CN;
    for n in 0..cn.len() {
        let frames = dissect_bytes(&cn[..n], StartLayer::Tpkt, &Limits::default());
        if n > 0 {
            let all = issues(&frames);
            assert!(!all.is_empty(), "truncated at {n}: no issue");
        }
    }
}

#[test]
fn bad_tpkt_resynchronises_on_the_next_frame() {
    let mut input = vec![0x04, 0x00, 0x00, 0x10, 0xde, 0xad];
    input.extend_from_slice(hat_frames::IDENTIFY_REQUEST);
    let frames = dissect_bytes(&input, StartLayer::Tpkt, &Limits::default());
    let all = issues(&frames);
    assert_eq!(all[0].0, Layer::Tpkt);
    assert!(all[0].1.contains("version 4"), "{all:?}");
    let good = frames.iter().find(|f| f.layer("MMS").is_some()).unwrap();
    assert_eq!(good.offset, 6);
}

#[test]
fn garbage_at_each_layer_is_an_issue_of_that_layer() {
    let tpkt = |payload: &[u8]| {
        let mut v = vec![3, 0];
        v.extend(((payload.len() + 4) as u16).to_be_bytes());
        v.extend_from_slice(payload);
        v
    };
    let cases: Vec<(Vec<u8>, Layer)> = vec![
        (tpkt(&[0x02, 0x50, 0x80]), Layer::Cotp), // unknown TPDU type
        (tpkt(&[0x02, 0xf0, 0x80, 0x63, 0x00]), Layer::Session), // unknown SI 99
        (
            tpkt(&[0x02, 0xf0, 0x80, 1, 0, 1, 0, 0x99, 0x01]),
            Layer::Presentation,
        ),
        // confirmed-RequestPDU with an invokeID and no service
        (
            tpkt(&[
                0x02, 0xf0, 0x80, 1, 0, 1, 0, 0x61, 0x0c, 0x30, 0x0a, 0x02, 0x01, 0x03, 0xa0, 0x05,
                0xa0, 0x03, 0x02, 0x01, 0x01,
            ]),
            Layer::Mms,
        ),
        (
            tpkt(&[
                0x02, 0xf0, 0x80, 1, 0, 1, 0, 0x61, 0x09, 0x30, 0x07, 0x02, 0x01, 0x01, 0xa0, 0x02,
                0x62, 0x05,
            ]),
            Layer::Presentation,
        ),
        (
            tpkt(&[
                0x02, 0xf0, 0x80, 1, 0, 1, 0, 0x61, 0x09, 0x30, 0x07, 0x02, 0x01, 0x01, 0xa0, 0x02,
                0x67, 0x00,
            ]),
            Layer::Acse,
        ),
        (vec![0x03, 0x00, 0xff, 0xff, 0x02, 0xf0, 0x80], Layer::Tpkt), // length beyond input
        (vec![0x03, 0x00, 0x00, 0x03, 0, 0, 0], Layer::Tpkt),          // length below 7
    ];
    for (input, layer) in cases {
        let frames = dissect_bytes(&input, StartLayer::Tpkt, &Limits::default());
        let all = issues(&frames);
        assert!(
            all.iter().any(|(l, _)| *l == layer),
            "{input:02x?}: expected a {layer} issue, got {all:?}"
        );
    }
    // Bare MMS garbage: an MMS issue naming the reject it would get.
    let frames = dissect_bytes(
        &[0xa0, 0x03, 0x02, 0x01],
        StartLayer::Mms,
        &Limits::default(),
    );
    assert_eq!(issues(&frames)[0].0, Layer::Mms);
}

#[test]
fn oversized_tsdu_is_dropped_with_an_issue() {
    let dt = |eot: bool, n: usize| {
        let mut v = vec![3, 0];
        v.extend(((n + 7) as u16).to_be_bytes());
        v.extend([0x02, 0xf0, if eot { 0x80 } else { 0 }]);
        v.extend(std::iter::repeat_n(0x41, n));
        v
    };
    let limits = Limits {
        max_tsdu: 1000,
        ..Limits::default()
    };
    let mut input = Vec::new();
    for _ in 0..3 {
        input.extend(dt(false, 400));
    }
    input.extend(dt(true, 10));
    input.extend_from_slice(hat_frames::IDENTIFY_REQUEST);
    let frames = dissect_bytes(&input, StartLayer::Tpkt, &limits);
    assert!(issues(&frames)
        .iter()
        .any(|(l, m)| *l == Layer::Cotp && m.contains("exceed")));
    // Decoding goes on after the dropped TSDU.
    assert!(frames.last().unwrap().layer("MMS").is_some());
}

#[test]
fn tsdu_without_eot_at_the_end_is_reported() {
    let dt = [3, 0, 0, 10, 0x02, 0xf0, 0x00, 1, 2, 3];
    let mut input = dt.to_vec();
    input.extend_from_slice(&dt);
    let frames = dissect_bytes(&input, StartLayer::Tpkt, &Limits::default());
    assert!(frames[0].notes[0].contains("DT without EOT"), "{frames:?}");
    let all = issues(&frames);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].0, Layer::Cotp);
    assert!(
        all[0].1.contains("6 octets") && all[0].1.contains("never got their EOT"),
        "{all:?}"
    );
}

#[test]
fn connections_beyond_the_limit_are_skipped_with_one_issue() {
    let mut p = Pcap::new();
    p.data(0, hat_frames::IDENTIFY_REQUEST);
    // The same bytes from two more client ports: new connections.
    let mut other = Pcap::new();
    other.data(0, hat_frames::IDENTIFY_REQUEST);
    let pkt_at = |pcap: &Pcap| {
        // last record of `pcap`: 16-octet record header, then the packet
        let len = pcap.out.len();
        let plen = 14 + 40 + hat_frames::IDENTIFY_REQUEST.len();
        pcap.out[len - plen - 16..].to_vec()
    };
    let mut rec = pkt_at(&other);
    for port in [40002u16, 40003] {
        // source port is at Ethernet 14 + IPv4 20 = 34 in the packet, after the record header
        rec[16 + 34..16 + 36].copy_from_slice(&port.to_be_bytes());
        p.out.extend_from_slice(&rec);
    }
    let frames = dissect_pcap(
        &p.out,
        &Limits {
            max_connections: 1,
            ..Limits::default()
        },
    )
    .unwrap();
    let tcp: Vec<_> = issues(&frames)
        .into_iter()
        .filter(|(l, _)| *l == Layer::Tcp)
        .collect();
    assert_eq!(tcp.len(), 1, "{tcp:?}");
    assert!(tcp[0].1.contains("more than 1 TCP connections"));
    assert_eq!(
        frames.iter().filter(|f| f.layer("MMS").is_some()).count(),
        1
    );
}

#[test]
fn tcp_gap_and_out_of_order_segments() {
    let mut p = Pcap::new();
    let a = hat_frames::IDENTIFY_REQUEST;
    let b = hat_frames::CONCLUDE_REQUEST;
    // Out of order: the second half of `a` arrives first, then the first half.
    let s0 = p.seq[0];
    p.raw_segment(0, 0x18, s0 + 10, &a[10..]);
    p.raw_segment(0, 0x18, s0, &a[..10]);
    p.seq[0] = s0 + a.len() as u32;
    // A gap of 5 octets, then `b` alone: the gap is reported and `b` still decodes.
    p.seq[0] += 5;
    p.data(0, b);
    let frames = dissect_pcap(
        &p.out,
        &Limits {
            max_out_of_order: 100,
            ..Limits::default()
        },
    )
    .unwrap();
    let mms: Vec<&Field> = frames.iter().flat_map(|f| f.layers_named("MMS")).collect();
    assert_eq!(mms.len(), 2, "{frames:#?}");
    assert!(issues(&frames)
        .iter()
        .any(|(l, m)| *l == Layer::Tcp && m.contains("5 octets")));
}

#[test]
fn broken_captures_never_panic() {
    let good = session_pcap(2048);
    // Every truncation of a valid capture, and single-octet corruptions across it.
    for n in (0..good.len()).step_by(7) {
        let _ = dissect_pcap(&good[..n], &Limits::default());
    }
    for i in (24..good.len()).step_by(3) {
        let mut bad = good.clone();
        bad[i] ^= 0xff;
        let _ = dissect_pcap(&bad, &Limits::default());
    }
    // A record length of 4 GiB is refused, not allocated.
    let mut huge = good[..24].to_vec();
    huge.extend([0u8; 8]);
    huge.extend(u32::MAX.to_le_bytes());
    huge.extend(u32::MAX.to_le_bytes());
    let frames = dissect_pcap(&huge, &Limits::default()).unwrap();
    assert!(frames
        .iter()
        .any(|f| f.issues.iter().any(|i| i.layer == Layer::Capture)));
    assert!(dissect_pcap(b"not a capture", &Limits::default()).is_err());
}

#[test]
fn pseudo_random_input_never_panics() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for round in 0..3000 {
        let len = (round % 300) + 1;
        let mut v = Vec::with_capacity(len);
        for _ in 0..len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v.push(x as u8);
        }
        if round % 2 == 0 {
            v[0] = 3;
            if len > 1 {
                v[1] = 0;
            }
        }
        for start in [StartLayer::Auto, StartLayer::Tpkt, StartLayer::Mms] {
            let _ = dissect_bytes(&v, start, &Limits::default());
        }
    }
}

//! Issue 7 attack tests: our MMS client and server with IEC 62351-4 end-to-end security,
//! and a man-in-the-middle ([`interop_tests::mitm::MitmProxy`]) on loopback between them that
//! mutates, drops, duplicates, reorders and replays RFC 1006 frames.
//!
//! Each case asserts that the attack is detected by the side that must detect it (its
//! `SecurityEvents` counts the IEC 62351-14 style event code, docs/e2e.md), that the
//! association ends, that the DtSecAbort / HandshakeSecReject carries the right diagnostic
//! (or none, for an alarm: IEC 62351-4 §13.5, docs/facts.md F-1143 / U-14), and that none of the
//! protected MMS content was accepted (the model's value is unchanged, the server counted no
//! extra request, or no association reached the MMS layer).

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use e2e_sec::config::AeadAlgorithm;
use e2e_sec::pdu::{self, AlgorithmIdentifier, Authenticator, Kind, Limits, SecPdu};
use e2e_sec::{E2eConfig, E2eFactory, E2eMode, IcvAlgorithm};
use interop_tests::mitm::{
    build_pdata, find_secpdu, frozen_clock, is_pdata, pass, pdata_secpdu, replace_all, secpdu_of,
    shifted_clock, Direction, E2eRig, E2eServer, Frames, MitmProxy, Tamper,
};
use interop_tests::scratch_dir;
use mms::client::{Client, ClientError};
use mms::data::{Data, FloatingPoint};
use mms::pdu::{ConfirmedRequestPdu, MmsPdu};
use mms::server::model::demo;
use mms::services::variables::WriteRequest;
use mms::{ConfirmedServiceRequest, ObjectName};

const SET_POINT: &str = "GGIO1$SP$AnSet1$setMag$f";

fn set_point() -> ObjectName<'static> {
    ObjectName::domain(demo::DOMAIN.to_string(), SET_POINT.to_string())
}

fn float(v: f32) -> Data<'static> {
    Data::FloatingPoint(FloatingPoint::from_f32(v))
}

fn write_req(v: f32) -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Write(WriteRequest::single(set_point(), float(v)))
}

/// One attacked association: the server, the proxy in front of it, the client (or why it
/// could not associate) and the client's factory (its events).
struct Attack {
    srv: E2eServer,
    proxy: MitmProxy,
    client: Result<Client, ClientError>,
    cf: E2eFactory,
    dir: std::path::PathBuf,
}

impl Attack {
    fn run(name: &str, rig: &E2eRig, sc: E2eConfig, cc: E2eConfig, tamper: Tamper) -> Attack {
        let _ = env_logger::builder().is_test(true).try_init();
        let dir = scratch_dir(&format!("e2e-attack-{name}"));
        let srv = rig.start_server(sc, &dir).expect("server");
        let proxy = MitmProxy::start(srv.server.local_addr(), tamper).expect("mitm");
        let (ccfg, cf) = rig.mms_client(cc).expect("client cfg");
        let client = Client::connect(proxy.local_addr(), ccfg);
        Attack {
            srv,
            proxy,
            client,
            cf,
            dir,
        }
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("associated")
    }

    fn set_point_value(&self) -> Option<Data<'static>> {
        self.srv.model.get(demo::DOMAIN, SET_POINT)
    }

    fn server_count(&self, code: &str) -> u64 {
        self.srv.factory.events().count(code)
    }

    /// The association ended: the proxy saw both directions close, the client knows.
    fn assert_ended(&self) {
        assert!(
            self.proxy.wait_closed(0, Duration::from_secs(5)),
            "the association did not end"
        );
        if let Ok(c) = &self.client {
            let t0 = std::time::Instant::now();
            while !c.is_closed() && t0.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(5));
            }
            assert!(c.is_closed(), "the client still thinks it is associated");
        }
    }

    /// The diagnostic of the DtSecAbort the server sent (outer None: no DtSecAbort at all).
    fn dt_abort_diagnostic(&self) -> Option<Option<u32>> {
        self.proxy
            .frames(0)
            .iter()
            .filter(|(d, _)| *d == Direction::ServerToClient)
            .find_map(|(_, f)| {
                let tlv = find_secpdu(f, Kind::DtSecAbort as u8)?;
                match pdu::decode(tlv, &Limits::default()) {
                    Ok(SecPdu::DtSecAbort(s)) => Some(s.diagnostic),
                    _ => None,
                }
            })
    }

    /// The client received and verified the signed DtSecAbort, and recorded the event of its
    /// diagnostic: none (the server raised an alarm) → ALARM_DTSEC_ABT (6.11),
    /// encryption-required → ENCR_REQ_DTSEC_ABT_DIA (6.14), a diagnostic IEC 62351-14 lists no
    /// DtSecAbort event for (invalid-time-value, invalid-sequence-number) → e2e.peer-refused.
    fn assert_client_got_dt_abort(&self) {
        let code = match self.dt_abort_diagnostic().expect("a DtSecAbort was sent") {
            None => "IEC62351-4:6.11",
            Some(4) => "IEC62351-4:6.14",
            Some(6 | 10) => e2e_sec::events::PEER_REFUSED,
            Some(d) => panic!("diagnostic {d} not expected here"),
        };
        assert_eq!(
            self.cf.events().count(code),
            1,
            "client events {:?}",
            self.cf.events().snapshot()
        );
    }

    fn finish(self) {
        drop(self.client);
        drop(self.proxy);
        self.srv.server.stop().expect("stop");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn modes() -> Vec<E2eMode> {
    vec![
        E2eMode::IcvOnly(IcvAlgorithm::HmacSha256),
        E2eMode::IcvOnly(IcvAlgorithm::Aes128Gmac),
        E2eMode::Aead(AeadAlgorithm::Aes128Gcm),
        E2eMode::Aead(AeadAlgorithm::Aes256Gcm),
        E2eMode::CbcIcv(
            e2e_sec::config::CbcAlgorithm::Aes128Cbc,
            IcvAlgorithm::HmacSha256,
        ),
    ]
}

/// A tamper that hands the client's P-DATA frames (after the association) to `f` with their
/// running number, and forwards everything else.
fn on_client_data(mut f: impl FnMut(usize, Vec<u8>) -> Frames + Send + 'static) -> Tamper {
    let mut n = 0usize;
    Box::new(move |conn, dir, _, frame| {
        if conn == 0 && dir == Direction::ClientToServer && is_pdata(&frame) {
            n += 1;
            f(n - 1, frame)
        } else {
            vec![frame]
        }
    })
}

/// The event group of a transfer PDU in `mode`: 10 ClearTransfer, 11 EncrTransfer.
fn group(mode: E2eMode) -> u8 {
    if mode.encrypts() {
        11
    } else {
        10
    }
}

#[test]
fn a_flipped_bit_in_a_data_pdu_is_an_icv_alarm_and_the_write_is_not_applied() {
    let rig = E2eRig::new().expect("rig");
    for mode in modes() {
        let tamper = on_client_data(|n, mut f| {
            if n == 0 {
                // the last octet of the SecPDU: inside the ICV, the tag or the covered token
                if let Some((_, _, end)) = pdata_secpdu(&f) {
                    if let Some(b) = f.get_mut(end - 1) {
                        *b ^= 0x01;
                    }
                }
            }
            vec![f]
        });
        let a = Attack::run(
            "flip",
            &rig,
            rig.server_config(mode),
            rig.client_config(mode),
            tamper,
        );
        let before = a.set_point_value();
        assert!(
            a.client().write(&set_point(), float(-1.0)).is_err(),
            "{mode:?}"
        );
        a.assert_ended();
        assert_eq!(
            a.server_count(&format!("IEC62351-4:{}.5", group(mode))), // CLEAR_/ENCR_BAD_ICV
            1,
            "{mode:?}: {:?}",
            a.srv.factory.events().snapshot()
        );
        assert_eq!(
            a.dt_abort_diagnostic(),
            Some(None),
            "{mode:?}: alarm, no diagnostic"
        );
        a.assert_client_got_dt_abort();
        assert_eq!(a.set_point_value(), before, "{mode:?}: write not applied");
        assert_eq!(a.srv.server.handle().stats().requests, 0, "{mode:?}");
        a.finish();
    }
}

#[test]
fn a_duplicated_data_pdu_is_a_replay_alarm_and_is_not_served_twice() {
    let rig = E2eRig::new().expect("rig");
    for mode in [
        E2eMode::IcvOnly(IcvAlgorithm::HmacSha256),
        E2eMode::Aead(AeadAlgorithm::Aes128Gcm),
    ] {
        let tamper = on_client_data(|n, f| if n == 0 { vec![f.clone(), f] } else { vec![f] });
        let a = Attack::run(
            "dup",
            &rig,
            rig.server_config(mode),
            rig.client_config(mode),
            tamper,
        );
        let _ = a.client().write(&set_point(), float(7.0));
        a.assert_ended();
        assert_eq!(
            a.server_count(&format!("IEC62351-4:{}.7", group(mode))), // replay detected
            1,
            "{mode:?}: {:?}",
            a.srv.factory.events().snapshot()
        );
        assert_eq!(a.dt_abort_diagnostic(), Some(None), "{mode:?}: alarm");
        a.assert_client_got_dt_abort();
        // the original is served once, its replay never
        assert_eq!(a.srv.server.handle().stats().requests, 1, "{mode:?}");
        a.finish();
    }
}

/// An old data PDU replayed after a newer one. With a frozen client clock (same time stamp)
/// it is a duplicate (time, seq): replay alarm; when the client's clock moved between the
/// two, its time is earlier than the previous PDU's: invalid-time-value (F-1143). Either way the old write is not applied.
#[test]
fn an_old_data_pdu_replayed_later_is_refused_and_not_applied() {
    let rig = E2eRig::new().expect("rig");
    let mode = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
    for frozen in [true, false] {
        let held: Arc<Mutex<Option<Vec<u8>>>> = Arc::new(Mutex::new(None));
        let h = Arc::clone(&held);
        let tamper = on_client_data(move |n, f| match n {
            0 => {
                *h.lock().expect("lock") = Some(f.clone());
                vec![f]
            }
            1 => {
                let old = h.lock().expect("lock").take();
                let mut out = vec![f];
                out.extend(old);
                out
            }
            _ => vec![f],
        });
        let mut cc = rig.client_config(mode);
        let t0 = SystemTime::now();
        let step = Arc::new(AtomicI64::new(0));
        if frozen {
            cc.clock = frozen_clock(t0);
        } else {
            // the client's clock moves 2 s between the writes: different time stamps
            cc.clock = shifted_clock(Arc::clone(&step));
        }
        let a = Attack::run("late-replay", &rig, rig.server_config(mode), cc, tamper);
        a.client()
            .write(&set_point(), float(1.0))
            .expect("first write");
        step.store(2, Ordering::SeqCst);
        // The second write is served; its answer may or may not beat the abort.
        let _ = a.client().write(&set_point(), float(2.0));
        a.assert_ended();
        let (code, diag) = if frozen {
            ("IEC62351-4:11.7", None) // ENCR_DATA_REPLAY_DETECTED
        } else {
            ("IEC62351-4:11.6", Some(10)) // ENCR_DATA_INV_TIME_TRF, invalid-time-value
        };
        assert_eq!(
            a.server_count(code),
            1,
            "frozen={frozen}: {:?}",
            a.srv.factory.events().snapshot()
        );
        assert_eq!(a.dt_abort_diagnostic(), Some(diag), "frozen={frozen}");
        a.assert_client_got_dt_abort();
        assert_eq!(
            a.set_point_value(),
            Some(float(2.0)),
            "the replayed 1.0 is not applied"
        );
        assert_eq!(a.srv.server.handle().stats().requests, 2);
        a.finish();
    }
}

/// Two pipelined writes swapped by the MITM (the client's clock frozen so only the sequence
/// numbers order them): the first to arrive skips a number → invalid-sequence-number; neither
/// write is applied.
#[test]
fn a_reordered_pair_is_an_invalid_sequence_and_neither_write_is_applied() {
    let rig = E2eRig::new().expect("rig");
    for mode in [
        E2eMode::IcvOnly(IcvAlgorithm::HmacSha256),
        E2eMode::Aead(AeadAlgorithm::Aes256Gcm),
    ] {
        let held: Arc<Mutex<Option<Vec<u8>>>> = Arc::new(Mutex::new(None));
        let h = Arc::clone(&held);
        let tamper = on_client_data(move |n, f| match n {
            0 => {
                *h.lock().expect("lock") = Some(f);
                vec![]
            }
            1 => {
                let first = h.lock().expect("lock").take();
                let mut out = vec![f];
                out.extend(first);
                out
            }
            _ => vec![f],
        });
        let mut cc = rig.client_config(mode);
        cc.clock = frozen_clock(SystemTime::now());
        let a = Attack::run("reorder", &rig, rig.server_config(mode), cc, tamper);
        let before = a.set_point_value();
        let p1 = a.client().send(&write_req(11.0)).expect("send 1");
        let p2 = a.client().send(&write_req(22.0)).expect("send 2");
        assert!(p1.wait().is_err(), "{mode:?}");
        assert!(p2.wait().is_err(), "{mode:?}");
        a.assert_ended();
        assert_eq!(
            a.server_count(&format!("IEC62351-4:{}.8", group(mode))), // invalid sequence number
            1,
            "{mode:?}: {:?}",
            a.srv.factory.events().snapshot()
        );
        assert_eq!(
            a.dt_abort_diagnostic(),
            Some(Some(6)),
            "{mode:?}: invalid-sequence-number"
        );
        a.assert_client_got_dt_abort();
        assert_eq!(a.set_point_value(), before, "{mode:?}");
        assert_eq!(a.srv.server.handle().stats().requests, 0, "{mode:?}");
        a.finish();
    }
}

/// The MITM rewrites the client's EncrTransfer as a ClearTransfer carrying its own Write in
/// clear (a made-up HMAC): the server, which agreed on encryption, refuses with
/// encryption-required before looking at the content.
#[test]
fn encryption_stripped_by_the_mitm_is_refused_with_encryption_required() {
    let rig = E2eRig::new().expect("rig");
    let mode = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
    let rewritten = Arc::new(AtomicBool::new(false));
    let r = Arc::clone(&rewritten);
    let tamper = on_client_data(move |n, f| {
        if n != 0 {
            return vec![f];
        }
        let Some((ctx, _, _)) = pdata_secpdu(&f) else {
            return vec![f];
        };
        let Some(sec) = secpdu_of(&f) else {
            return vec![f];
        };
        let Ok(SecPdu::EncrTransfer(tr)) =
            pdu::decode_in(sec, pdu::Carrier::PData, &Limits::default())
        else {
            return vec![f];
        };
        let evil = MmsPdu::ConfirmedRequest(ConfirmedRequestPdu {
            invoke_id: 1,
            list_of_modifier: Vec::new(),
            service: write_req(666.0),
            cs_request_detail: None,
        })
        .to_vec();
        let token2 = pdu::encode_token2(&tr.token2);
        let tbp = pdu::encode_tbp(&token2, &evil, false);
        let icv = [0x5Au8; 32];
        let auth = Authenticator {
            nonce: None,
            algorithm: AlgorithmIdentifier::new(IcvAlgorithm::HmacSha256.oid()),
            icv: &icv,
        };
        let mut clear = Vec::new();
        pdu::encode_transfer(Kind::ClearTransfer, &tbp, Some(&auth), &mut clear);
        // in the bare form of the PDV (IEC 62351-4 §15.4), as the client sends it
        pdu::make_bare(&mut clear);
        // it decodes as a ClearTransfer: the attack reaches the E2E checks
        if matches!(
            pdu::decode_in(&clear, pdu::Carrier::PData, &Limits::default()),
            Ok(SecPdu::ClearTransfer(_))
        ) {
            r.store(true, Ordering::SeqCst);
        }
        vec![build_pdata(ctx, &clear)]
    });
    let a = Attack::run(
        "strip",
        &rig,
        rig.server_config(mode),
        rig.client_config(mode),
        tamper,
    );
    let before = a.set_point_value();
    assert!(a.client().write(&set_point(), float(3.0)).is_err());
    a.assert_ended();
    assert!(rewritten.load(Ordering::SeqCst), "the MITM rewrote the PDU");
    assert_eq!(
        a.server_count("IEC62351-4:10.2"), // ENCR_WAS_SEL_TRF
        1,
        "{:?}",
        a.srv.factory.events().snapshot()
    );
    assert_eq!(
        a.dt_abort_diagnostic(),
        Some(Some(4)),
        "encryption-required"
    );
    a.assert_client_got_dt_abort();
    assert_eq!(
        a.set_point_value(),
        before,
        "neither 3.0 nor the MITM's 666.0"
    );
    assert_eq!(a.srv.server.handle().stats().requests, 0);
    a.finish();
}

/// The server accepts every mode; the client offers only AES-256-GCM; the MITM rewrites the
/// offer to AES-128-GCM (same length). The signature over the HandshakeReq tbs no longer
/// verifies: invalid-signature alarm, no association.
#[test]
fn a_downgraded_offer_breaks_the_handshake_signature() {
    let rig = E2eRig::new().expect("rig");
    let strong = E2eMode::Aead(AeadAlgorithm::Aes256Gcm);
    let oid_tlv = |a: AeadAlgorithm| {
        let o = a.oid();
        let b = o.as_bytes();
        let mut v = vec![0x06, b.len() as u8];
        v.extend_from_slice(b);
        v
    };
    let from = oid_tlv(AeadAlgorithm::Aes256Gcm);
    let to = oid_tlv(AeadAlgorithm::Aes128Gcm);
    let replaced = Arc::new(Mutex::new(0usize));
    let r = Arc::clone(&replaced);
    let tamper: Tamper = Box::new(move |conn, dir, n, f| {
        if conn == 0 && dir == Direction::ClientToServer && n == 1 {
            let (out, count) = replace_all(&f, &from, &to);
            *r.lock().expect("lock") = count;
            vec![out]
        } else {
            vec![f]
        }
    });
    let mut sc = rig.server_config(strong);
    sc.accept = E2eMode::all();
    let a = Attack::run("downgrade", &rig, sc, rig.client_config(strong), tamper);
    assert_eq!(
        *replaced.lock().expect("lock"),
        1,
        "the offer was rewritten once"
    );
    assert!(a.client.is_err(), "no association on a downgraded offer");
    assert_eq!(
        a.server_count("IEC62351-4:1.3"), // INV_SIGNATURE_ASS_REQ
        1,
        "{:?}",
        a.srv.factory.events().snapshot()
    );
    assert_eq!(a.srv.server.handle().stats().associated, 0);
    assert_eq!(a.server_count(e2e_sec::events::ESTABLISHED), 0);
    a.finish();
}

/// The AARQ of an association, captured by the MITM, sent again on a new TCP connection:
/// replay alarm (IEC62351-4:1.11, REPLAY_DETEC_ASS_REQ), no second association.
#[test]
fn a_replayed_handshake_req_on_a_new_connection_is_a_replay_alarm() {
    use std::io::{Read, Write};
    let rig = E2eRig::new().expect("rig");
    let mode = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
    let a = Attack::run(
        "hs-replay",
        &rig,
        rig.server_config(mode),
        rig.client_config(mode),
        pass(),
    );
    a.client()
        .identify()
        .expect("the genuine association works");
    let frames = a.proxy.frames(0);
    let ours: Vec<&Vec<u8>> = frames
        .iter()
        .filter(|(d, _)| *d == Direction::ClientToServer)
        .map(|(_, f)| f)
        .collect();
    let (cr, cn) = (ours[0].clone(), ours[1].clone());
    assert!(
        find_secpdu(&cn, Kind::HandshakeReq as u8).is_some(),
        "frame 1 carries the HandshakeReq"
    );
    let mut s = std::net::TcpStream::connect(a.srv.server.local_addr()).expect("attacker connects");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    s.write_all(&cr).expect("CR");
    let mut cc = [0u8; 4];
    s.read_exact(&mut cc).expect("CC header");
    let len = usize::from(cc[2]) << 8 | usize::from(cc[3]);
    let mut rest = vec![0u8; len.saturating_sub(4)];
    s.read_exact(&mut rest).expect("CC");
    s.write_all(&cn).expect("replayed CN/AARQ");
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    assert_eq!(
        a.server_count("IEC62351-4:1.11"),
        1,
        "{:?}",
        a.srv.factory.events().snapshot()
    );
    // session REFUSE (ISO 8327-1 SI 12) after TPKT + COTP DT: no accept
    assert_eq!(answer.get(7), Some(&0x0C), "answer {answer:02x?}");
    assert!(find_secpdu(&answer, Kind::HandshakeAcc as u8).is_none());
    assert_eq!(
        a.srv.server.handle().stats().associated,
        1,
        "only the genuine one"
    );
    // the genuine association is unaffected
    a.client().identify().expect("still up");
    a.client().conclude().expect("conclude");
    a.finish();
}

/// A client certificate whose 2.5.4.106 subject does not match the calling AP-title +
/// AE-qualifier: address-mismatch alarm, no association.
#[test]
fn a_certificate_not_matching_the_ap_title_is_an_address_mismatch_alarm() {
    let rig = E2eRig::new().expect("rig");
    let mode = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
    let wrong = rig.leaf("impostor", "1.1.1.999.99").expect("leaf");
    let cc = rig.config(&wrong, mode, &rig.client_offset);
    let a = Attack::run("subject", &rig, rig.server_config(mode), cc, pass());
    assert!(a.client.is_err());
    assert_eq!(
        a.server_count("IEC62351-4:1.8"),
        1,
        "{:?}",
        a.srv.factory.events().snapshot()
    );
    // the client verified the signed HandshakeSecReject
    // the HandshakeSecReject of an alarm carries no diagnostic: ALARM_RCV_ASS_SEC_REJ
    assert_eq!(a.cf.events().count("IEC62351-4:4.11"), 1);
    assert_eq!(a.srv.server.handle().stats().associated, 0);
    a.assert_ended();
    a.finish();
}

/// Eleven minutes between the clocks: the server refuses a client 11 min behind
/// (invalid-time-value in the HandshakeSecReject), and a client refuses the HandshakeAcc of
/// a server 11 min ahead (HandshakeSecAbort).
#[test]
fn eleven_minutes_of_clock_difference_is_refused_on_either_side() {
    let rig = E2eRig::new().expect("rig");
    let mode = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
    // client behind
    let mut cc = rig.client_config(mode);
    cc.clock = frozen_clock(SystemTime::now() - Duration::from_secs(660));
    let a = Attack::run("time-client", &rig, rig.server_config(mode), cc, pass());
    assert!(a.client.is_err());
    assert_eq!(
        a.server_count("IEC62351-4:1.10"), // INV_TIME_ASS_REQ
        1,
        "{:?}",
        a.srv.factory.events().snapshot()
    );
    let reject = a
        .proxy
        .frames(0)
        .iter()
        .filter(|(d, _)| *d == Direction::ServerToClient)
        .find_map(|(_, f)| find_secpdu(f, Kind::HandshakeSecReject as u8).map(<[u8]>::to_vec))
        .expect("a HandshakeSecReject in the AARE");
    match pdu::decode(&reject, &Limits::default()) {
        Ok(SecPdu::HandshakeSecReject(s)) => assert_eq!(
            s.diagnostic,
            Some(pdu::HandshakeDiagnostic::InvalidTimeValue.code())
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(a.srv.server.handle().stats().associated, 0);
    a.finish();
    // server ahead; its own window is widened to 20 min so that it accepts the client and
    // the client's check of the HandshakeAcc time is what fails
    let mut sc = rig.server_config(mode);
    sc.clock = frozen_clock(SystemTime::now() + Duration::from_secs(660));
    sc.time_window = Duration::from_secs(1200);
    let a = Attack::run("time-server", &rig, sc, rig.client_config(mode), pass());
    assert!(a.client.is_err());
    assert_eq!(
        a.cf.events().count("IEC62351-4:2.9"), // INV_TIME_ASS_ACC
        1,
        "{:?}",
        a.cf.events().snapshot()
    );
    a.assert_ended();
    // the server's MMS layer may have accepted the initiate, but the client refused the
    // HandshakeAcc: the server received the signed HandshakeSecAbort, diagnostic
    // invalid-time-value (IEC 62351-14 does not itemize the HandshakeSecAbort diagnostics:
    // e2e.peer-refused)
    let aborted = e2e_sec::events::PEER_REFUSED;
    let t0 = std::time::Instant::now();
    while a.server_count(aborted) == 0 && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        a.server_count(aborted),
        1,
        "{:?}",
        a.srv.factory.events().snapshot()
    );
    a.finish();
}

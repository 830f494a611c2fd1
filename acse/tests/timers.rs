#![allow(clippy::unwrap_used)] // test helpers: a failure here is a test failure
//! The association's timers (acse::timer): establishment, idle and release deadlines, driven by
//! a clock the test moves by hand, with `poll_timeout` / `handle_timeout` as a runtime calls
//! them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use acse::association::{Association, AssociationConfig, State};
use acse::loopback::{associate, deliver, drain, shuttle, Seen};
use acse::timer::{Clock, Deadline, Timeouts};

const INITIATE_REQ: &[u8] = &[0xA8, 0x03, 0x80, 0x01, 0x05];
const INITIATE_RSP: &[u8] = &[0xA9, 0x03, 0x80, 0x01, 0x05];
const MMS_PDU: &[u8] = &[0xA0, 0x03, 0x02, 0x01, 0x07];

/// A clock the test moves.
#[derive(Clone)]
struct Manual(Arc<Mutex<Instant>>);

impl Manual {
    fn new() -> Manual {
        Manual(Arc::new(Mutex::new(Instant::now())))
    }
    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }
    fn advance(&self, d: Duration) -> Instant {
        let mut t = self.0.lock().unwrap();
        *t += d;
        *t
    }
    fn clock(&self) -> Clock {
        let m = self.0.clone();
        Clock::new(move || *m.lock().unwrap())
    }
}

fn config(timeouts: Timeouts) -> AssociationConfig {
    let mut c = AssociationConfig::default();
    c.timeouts = timeouts;
    c
}

#[test]
fn no_timeouts_configured_means_no_timer() {
    let (c, s) = associate(
        AssociationConfig::default(),
        AssociationConfig::default(),
        INITIATE_REQ,
        INITIATE_RSP,
    )
    .unwrap();
    assert_eq!(c.poll_timeout(), None);
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn an_initiator_that_gets_no_answer_times_out_establishing() {
    let m = Manual::new();
    let t0 = m.now();
    let d = Duration::from_secs(5);
    let mut c = Association::connect(
        config(
            Timeouts::new()
                .with_establish(Some(d))
                .with_clock(m.clock()),
        ),
        INITIATE_REQ,
        None,
    );
    assert_eq!(c.poll_timeout(), Some(t0 + d));
    // Early and repeated calls do nothing.
    c.handle_timeout(t0 + d - Duration::from_millis(1));
    assert_eq!(c.state(), State::TransportConnecting);
    assert!(drain(&mut c).unwrap().is_empty());
    c.handle_timeout(m.advance(d));
    assert!(c.is_closed());
    assert_eq!(c.poll_timeout(), None);
    assert_eq!(
        drain(&mut c).unwrap(),
        vec![Seen::TimedOut(Deadline::Establishment)]
    );
    // Reported once.
    assert!(drain(&mut c).unwrap().is_empty());
}

#[test]
fn a_responder_waiting_for_the_aarq_times_out_and_the_initiator_learns_it() {
    let m = Manual::new();
    let t0 = m.now();
    let d = Duration::from_secs(3);
    let mut c = Association::connect(AssociationConfig::default(), INITIATE_REQ, None);
    let mut s = Association::accept_incoming(
        config(
            Timeouts::new()
                .with_establish(Some(d))
                .with_clock(m.clock()),
        ),
        None,
    );
    // The CR/CC and the CN with the AARQ reach the responder; it never answers.
    shuttle(&mut c, &mut s).unwrap();
    drain(&mut s).unwrap();
    shuttle(&mut s, &mut c).unwrap();
    drain(&mut c).unwrap();
    shuttle(&mut c, &mut s).unwrap();
    let seen = drain(&mut s).unwrap();
    assert!(matches!(seen.as_slice(), [Seen::AssociateIndication(_)]));
    assert_eq!(s.state(), State::AwaitingResponse);
    assert_eq!(s.poll_timeout(), Some(t0 + d));
    s.handle_timeout(m.advance(d));
    assert_eq!(
        drain(&mut s).unwrap(),
        vec![Seen::TimedOut(Deadline::Establishment)]
    );
    // The responder's abort reaches the initiator as an abort.
    let at_client = deliver(&mut s, &mut c).unwrap();
    assert!(
        matches!(
            at_client.as_slice(),
            [Seen::Refused(acse::association::Refused::Aborted { .. })]
        ),
        "{at_client:?}"
    );
    assert!(c.is_closed());
}

#[test]
fn establishment_clears_the_establishment_deadline() {
    let m = Manual::new();
    let t = Timeouts::new()
        .with_establish(Some(Duration::from_secs(1)))
        .with_clock(m.clock());
    let (mut c, mut s) =
        associate(config(t.clone()), config(t), INITIATE_REQ, INITIATE_RSP).unwrap();
    assert_eq!(c.poll_timeout(), None);
    assert_eq!(s.poll_timeout(), None);
    c.handle_timeout(m.advance(Duration::from_secs(60)));
    s.handle_timeout(m.now());
    assert_eq!(c.state(), State::Associated);
    assert_eq!(s.state(), State::Associated);
    assert!(drain(&mut c).unwrap().is_empty());
}

#[test]
fn input_moves_the_idle_deadline_and_silence_ends_the_association() {
    let m = Manual::new();
    let idle = Duration::from_secs(10);
    let t = Timeouts::new().with_idle(Some(idle)).with_clock(m.clock());
    let (mut c, mut s) = associate(
        AssociationConfig::default(),
        config(t),
        INITIATE_REQ,
        INITIATE_RSP,
    )
    .unwrap();
    let first = s.poll_timeout().unwrap();
    // Data at 8 s pushes the deadline to 18 s.
    let t8 = m.advance(Duration::from_secs(8));
    c.send_data(MMS_PDU).unwrap();
    let seen = deliver(&mut c, &mut s).unwrap();
    assert_eq!(seen, vec![Seen::Data(s.user_context(), MMS_PDU.to_vec())]);
    assert_eq!(s.poll_timeout(), Some(t8 + idle));
    assert!(s.poll_timeout().unwrap() > first);
    s.handle_timeout(first);
    assert_eq!(
        s.state(),
        State::Associated,
        "the old deadline no longer applies"
    );
    // Silence until 18 s: the responder aborts, and says so.
    s.handle_timeout(m.advance(idle));
    assert_eq!(drain(&mut s).unwrap(), vec![Seen::TimedOut(Deadline::Idle)]);
    assert!(s.is_closed());
    let at_client = deliver(&mut s, &mut c).unwrap();
    assert_eq!(at_client, vec![Seen::Aborted]);
}

#[test]
fn an_unanswered_release_times_out_with_an_abort() {
    let m = Manual::new();
    let d = Duration::from_secs(2);
    let t = Timeouts::new().with_release(Some(d)).with_clock(m.clock());
    let (mut c, mut s) = associate(
        config(t),
        AssociationConfig::default(),
        INITIATE_REQ,
        INITIATE_RSP,
    )
    .unwrap();
    assert_eq!(c.poll_timeout(), None, "no release under way yet");
    let t1 = m.advance(Duration::from_secs(1));
    c.release(None).unwrap();
    assert_eq!(c.poll_timeout(), Some(t1 + d));
    // The responder sees the RLRQ and never answers.
    assert_eq!(
        deliver(&mut c, &mut s).unwrap(),
        vec![Seen::ReleaseIndication]
    );
    c.handle_timeout(m.advance(d));
    assert_eq!(
        drain(&mut c).unwrap(),
        vec![Seen::TimedOut(Deadline::Release)]
    );
    assert_eq!(deliver(&mut c, &mut s).unwrap(), vec![Seen::Aborted]);
}

/// A started TPKT packet must arrive in full within the frame time-out, however its octets
/// trickle in: each octet moves the idle deadline, not the frame deadline. A packet that
/// completes stops the frame clock; the next partial one starts it anew.
#[test]
fn a_trickled_frame_times_out_however_often_an_octet_comes() {
    let m = Manual::new();
    let idle = Duration::from_secs(10);
    let frame = Duration::from_secs(3);
    let t = Timeouts::new()
        .with_idle(Some(idle))
        .with_frame(Some(frame))
        .with_clock(m.clock());
    let (mut c, mut s) = associate(
        AssociationConfig::default(),
        config(t),
        INITIATE_REQ,
        INITIATE_RSP,
    )
    .unwrap();
    // Complete packets, even in pieces, never leave the frame clock running.
    c.send_data(MMS_PDU).unwrap();
    let bytes = c.transmit().to_vec();
    c.advance_transmit(bytes.len());
    let (head, tail) = bytes.split_at(3);
    s.feed(head).unwrap();
    let t1 = m.advance(Duration::from_secs(2));
    assert_eq!(
        s.poll_timeout(),
        Some(m.now() - Duration::from_secs(2) + frame)
    );
    s.feed(tail).unwrap();
    assert_eq!(
        drain(&mut s).unwrap(),
        vec![Seen::Data(s.user_context(), MMS_PDU.to_vec())]
    );
    assert_eq!(
        s.poll_timeout(),
        Some(t1 + idle),
        "only the idle clock runs"
    );
    // A header claiming 65 535 octets, then one octet a second.
    let start = m.advance(Duration::from_secs(1));
    s.feed(&[0x03, 0x00, 0xff, 0xff]).unwrap();
    for _ in 0..2 {
        let now = m.advance(Duration::from_secs(1));
        s.feed(&[0x00]).unwrap();
        assert!(drain(&mut s).unwrap().is_empty());
        s.handle_timeout(now);
        assert_eq!(s.state(), State::Associated);
        assert_eq!(s.poll_timeout(), Some(start + frame));
    }
    s.handle_timeout(m.advance(Duration::from_secs(1)));
    assert_eq!(
        drain(&mut s).unwrap(),
        vec![Seen::TimedOut(Deadline::Frame)]
    );
    assert_eq!(s.state(), State::Closed);
}

//! Timers of the sans-IO machines, in the manner of quinn-proto: a machine says when it next
//! needs the time (`poll_timeout() -> Option<Instant>`) and is told when that time has come
//! (`handle_timeout(now)`); it never sleeps and never owns a thread. Whoever drives it (our
//! runtimes, or a vendor's own loop) sleeps until the earliest deadline of all its machines.
//!
//! A machine arms a timer when something starts it (an association is created, our request
//! goes out, bytes arrive). The instant it arms from comes from its [`Clock`], which is
//! [`Instant::now`] unless a test or a simulation injects another. The entry points that
//! start timers therefore keep their signatures, and a test can move time by hand.
//!
//! The deadlines an association keeps ([`Deadline`]) are set in
//! [`crate::association::AssociationConfig`]: establishment, idle, release, and frame
//! completion (a TPKT packet once started must arrive in full within its time, however its
//! octets trickle in). The MMS endpoint above adds one per confirmed request.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where a machine reads the time when it arms a timer.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Instant + Send + Sync>);

impl Clock {
    /// The monotonic system clock ([`Instant::now`]).
    pub fn system() -> Clock {
        Clock(Arc::new(Instant::now))
    }

    /// A clock that asks `f` (tests, simulations, a loop that caches the time per wake-up).
    pub fn new(f: impl Fn() -> Instant + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(f))
    }

    /// The current instant according to this clock.
    pub fn now(&self) -> Instant {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// Which of an association's deadlines passed. The association aborts (ISO 8650-1 A-ABORT,
/// or simply closes when there is no session connection to abort yet) and reports it with
/// [`crate::association::Event::TimedOut`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Deadline {
    /// The association was not established in time: from its creation (the initiator's
    /// COTP CR, the responder's accepted transport connection) to the A-ASSOCIATE
    /// confirmation or response.
    Establishment,
    /// Nothing was received for the configured idle period.
    Idle,
    /// Our release (RLRQ, or MMS conclude above it) got no answer in time.
    Release,
    /// A TPKT packet (RFC 1006) that had started arriving was not complete in time: a peer
    /// trickling octets into a frame holds its connection no longer than this, however often
    /// an octet comes.
    Frame,
}

impl fmt::Display for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Deadline::Establishment => "the association was not established in time",
            Deadline::Idle => "nothing was received for the idle period",
            Deadline::Release => "the release was not answered in time",
            Deadline::Frame => "a started frame was not completed in time",
        })
    }
}

/// The time-outs of one association; `None` disables one. All `None` by default: a machine
/// used on its own keeps no timers unless asked; the runtimes set them from their
/// configurations.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Timeouts {
    /// From creation to established ([`Deadline::Establishment`]).
    pub establish: Option<Duration>,
    /// Longest time without received bytes ([`Deadline::Idle`]).
    pub idle: Option<Duration>,
    /// From our release request to its answer ([`Deadline::Release`]).
    pub release: Option<Duration>,
    /// From the first octet of a TPKT packet to its last ([`Deadline::Frame`]); independent of
    /// how many octets arrive in between.
    pub frame: Option<Duration>,
    /// The clock the timers arm from.
    pub clock: Clock,
}

impl Timeouts {
    /// No time-outs, the system clock.
    pub fn new() -> Timeouts {
        Timeouts::default()
    }

    /// With an establishment time-out.
    pub fn with_establish(mut self, d: Option<Duration>) -> Timeouts {
        self.establish = d;
        self
    }

    /// With an idle time-out.
    pub fn with_idle(mut self, d: Option<Duration>) -> Timeouts {
        self.idle = d;
        self
    }

    /// With a release time-out.
    pub fn with_release(mut self, d: Option<Duration>) -> Timeouts {
        self.release = d;
        self
    }

    /// With a frame-completion time-out.
    pub fn with_frame(mut self, d: Option<Duration>) -> Timeouts {
        self.frame = d;
        self
    }

    /// With another clock.
    pub fn with_clock(mut self, clock: Clock) -> Timeouts {
        self.clock = clock;
        self
    }
}

/// The earlier of two optional instants.
pub fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// The armed deadlines of one association (crate-internal bookkeeping).
#[derive(Debug, Default)]
pub(crate) struct Armed {
    pub(crate) establish: Option<Instant>,
    pub(crate) release: Option<Instant>,
    /// The last instant bytes arrived, when an idle time-out is configured.
    pub(crate) last_input: Option<Instant>,
    /// A deadline passed and is waiting to be reported by `poll_event`.
    pub(crate) fired: Option<Deadline>,
    /// When the incomplete TPKT packet now buffered started arriving (frame time-out only).
    pub(crate) frame_started: Option<Instant>,
    /// Complete packets counted at the last input (to tell a new partial packet from the old).
    pub(crate) frames_seen: u64,
}

impl Armed {
    /// Arms the establishment and idle timers at creation.
    pub(crate) fn start(t: &Timeouts) -> Armed {
        if t.establish.is_none() && t.idle.is_none() {
            return Armed::default();
        }
        let now = t.clock.now();
        Armed {
            establish: t.establish.map(|d| now + d),
            release: None,
            last_input: t.idle.map(|_| now),
            fired: None,
            frame_started: None,
            frames_seen: 0,
        }
    }

    /// Input arrived and the transport's reception stands at `progress` (complete packets so
    /// far, whether a further one is incomplete): the frame clock starts with a new incomplete
    /// packet, runs on while the same one stays incomplete, and stops when none is.
    pub(crate) fn frame_progress(&mut self, t: &Timeouts, progress: (u64, bool)) {
        if t.frame.is_none() {
            return;
        }
        let (frames, partial) = progress;
        if !partial {
            self.frame_started = None;
        } else if frames != self.frames_seen || self.frame_started.is_none() {
            self.frame_started = Some(t.clock.now());
        }
        self.frames_seen = frames;
    }

    /// Bytes arrived.
    pub(crate) fn input(&mut self, t: &Timeouts) {
        if t.idle.is_some() {
            self.last_input = Some(t.clock.now());
        }
    }

    /// Our release request went out.
    pub(crate) fn release_started(&mut self, t: &Timeouts) {
        if let Some(d) = t.release {
            self.release = Some(t.clock.now() + d);
        }
    }

    /// The earliest armed deadline, given whether the association is still being established
    /// and whether our release is under way.
    pub(crate) fn next(
        &self,
        t: &Timeouts,
        establishing: bool,
        releasing: bool,
    ) -> Option<Instant> {
        let e = self.establish.filter(|_| establishing);
        let r = self.release.filter(|_| releasing);
        let i = match (self.last_input, t.idle) {
            (Some(at), Some(d)) => Some(at + d),
            _ => None,
        };
        let f = match (self.frame_started, t.frame) {
            (Some(at), Some(d)) => Some(at + d),
            _ => None,
        };
        earliest(earliest(e, r), earliest(i, f))
    }

    /// Which deadline has passed at `now`, if any (establishment first, then release, then
    /// frame completion, then idle).
    pub(crate) fn due(
        &self,
        t: &Timeouts,
        now: Instant,
        establishing: bool,
        releasing: bool,
    ) -> Option<Deadline> {
        if establishing && self.establish.is_some_and(|d| now >= d) {
            return Some(Deadline::Establishment);
        }
        if releasing && self.release.is_some_and(|d| now >= d) {
            return Some(Deadline::Release);
        }
        if let (Some(at), Some(d)) = (self.frame_started, t.frame) {
            if now >= at + d {
                return Some(Deadline::Frame);
            }
        }
        match (self.last_input, t.idle) {
            (Some(at), Some(d)) if now >= at + d => Some(Deadline::Idle),
            _ => None,
        }
    }
}

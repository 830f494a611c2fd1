//! The server as a requester on an association it accepted: both roles on one association
//! (ICCP / TASE.2 bilateral links, IEC 60870-6-503, where each partner reads the other's VCC on
//! the one association the calling partner opened; ISO 9506-2 lets either MMS-user send
//! confirmed requests once the association is up).
//!
//! Each connection of the server loop that has such requests keeps one [`PeerSide`]: the
//! requests sent and the channel each answer goes to, the requests waiting for an outstanding
//! slot (the negotiated `proposedMaxServOutstandingCalled` bounds what the called side may
//! have outstanding, ISO 9506-2 §8.2.1), and what an attached blocking
//! [`Client`](crate::client::Client) receives: the partner's unconfirmed PDUs and the end of
//! the association. [`crate::server::ServerHandle::client`] makes such a client.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;

use crate::client::{Answer, ClientError, Unconfirmed};
use crate::endpoint::{CloseReason, Endpoint, Phase, SendError};

/// Where the answer to one request goes.
pub(crate) type AnswerTx = SyncSender<Result<Answer, ClientError>>;

/// Requests that may wait for a free outstanding slot, per association; beyond it a request is
/// refused at once ([`SendError::TooManyOutstanding`]) rather than queued without bound.
pub(crate) const MAX_WAITING: usize = 1024;

/// The server's own requests on one association, and the client attached to it.
#[derive(Default)]
pub(crate) struct PeerSide {
    /// invokeID → where its answer goes.
    replies: HashMap<u32, AnswerTx>,
    /// Encoded services waiting for a slot, in order.
    waiting: VecDeque<(Vec<u8>, AnswerTx)>,
    /// The attached client's unconfirmed PDUs (the partner's reports to us).
    unconfirmed: Option<SyncSender<Unconfirmed>>,
    /// The attached clients' "closed" flags.
    closed: Vec<Arc<AtomicBool>>,
    /// Our conclude, waiting for its outcome.
    conclude: Option<SyncSender<Result<(), ClientError>>>,
    /// The partner answered our conclude-Request.
    concluded: bool,
    /// How the association ended, once known.
    reason: Option<CloseReason>,
}

impl PeerSide {
    /// A client attaches: it gets the unconfirmed PDUs from now on (a client attached later
    /// takes them over) and learns when the association ends.
    pub(crate) fn attach(&mut self, unconfirmed: SyncSender<Unconfirmed>, closed: Arc<AtomicBool>) {
        self.unconfirmed = Some(unconfirmed);
        self.closed.retain(|c| Arc::strong_count(c) > 1);
        self.closed.push(closed);
    }

    /// Sends `service` (an encoded `ConfirmedServiceRequest` CHOICE) now, or queues it until
    /// a slot frees; a request that cannot go (wrong phase, too large, queue full) is answered
    /// with the reason at once.
    pub(crate) fn request(&mut self, endpoint: &mut Endpoint, service: Vec<u8>, reply: AnswerTx) {
        let full = endpoint.request_capacity() == 0 || !self.waiting.is_empty();
        if full && endpoint.phase() == Phase::Associated {
            if self.waiting.len() >= MAX_WAITING {
                let limit = endpoint
                    .negotiated()
                    .map_or(0, |n| n.max_serv_outstanding_called);
                let _ = reply.send(Err(ClientError::NotSent(SendError::TooManyOutstanding(
                    limit,
                ))));
            } else {
                self.waiting.push_back((service, reply));
            }
            return;
        }
        self.send(endpoint, service, reply);
    }

    fn send(&mut self, endpoint: &mut Endpoint, service: Vec<u8>, reply: AnswerTx) {
        match endpoint.send_request_encoded(&service) {
            Ok(invoke_id) => {
                self.replies.insert(invoke_id, reply);
            }
            Err(e) => {
                let _ = reply.send(Err(ClientError::NotSent(e)));
            }
        }
    }

    /// Sends queued requests while slots are free.
    pub(crate) fn send_waiting(&mut self, endpoint: &mut Endpoint) {
        while endpoint.request_capacity() > 0 {
            let Some((service, reply)) = self.waiting.pop_front() else {
                return;
            };
            self.send(endpoint, service, reply);
        }
    }

    /// The answer (or failure) of request `invoke_id`; false when it is not one of ours.
    pub(crate) fn answer(&mut self, invoke_id: u32, result: Result<Answer, ClientError>) -> bool {
        match self.replies.remove(&invoke_id) {
            Some(tx) => {
                let _ = tx.send(result);
                true
            }
            None => false,
        }
    }

    /// True when `invoke_id` is one of our requests still open.
    pub(crate) fn is_ours(&self, invoke_id: u32) -> bool {
        self.replies.contains_key(&invoke_id)
    }

    /// An unconfirmed PDU from the partner, for the attached client (dropped with a log line
    /// when nobody reads them).
    pub(crate) fn unconfirmed(&mut self, raw: &[u8]) {
        let Some(tx) = &self.unconfirmed else {
            return;
        };
        match tx.try_send(Unconfirmed::from_pdu(raw.to_vec())) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                log::warn!("unconfirmed PDU dropped: the attached client is not reading them")
            }
            Err(TrySendError::Disconnected(_)) => self.unconfirmed = None,
        }
    }

    /// Our conclude-Request went out; `done` hears how it ends.
    pub(crate) fn concluding(&mut self, done: SyncSender<Result<(), ClientError>>) {
        self.conclude = Some(done);
    }

    /// The partner accepted our conclude (the release follows).
    pub(crate) fn concluded(&mut self) {
        self.concluded = true;
    }

    /// The partner refused our conclude: the association stays up.
    pub(crate) fn conclude_refused(&mut self, error: ClientError) {
        if let Some(done) = self.conclude.take() {
            let _ = done.send(Err(error));
        }
    }

    /// How the association is ending (reported before the connection closes).
    pub(crate) fn ending(&mut self, reason: CloseReason) {
        self.reason.get_or_insert(reason);
    }

    /// The association is over: every open request and the conclude learn it, the attached
    /// clients are marked closed and their unconfirmed channel ends.
    pub(crate) fn close(&mut self) {
        let reason = self.reason.clone().unwrap_or(CloseReason::Disconnected);
        for (_, tx) in self.replies.drain() {
            let _ = tx.send(Err(ClientError::Closed(reason.clone())));
        }
        for (_, tx) in self.waiting.drain(..) {
            let _ = tx.send(Err(ClientError::Closed(reason.clone())));
        }
        if let Some(done) = self.conclude.take() {
            let _ = done.send(match &reason {
                CloseReason::Released => Ok(()),
                _ if self.concluded => Ok(()),
                other => Err(ClientError::Closed(other.clone())),
            });
        }
        for c in self.closed.drain(..) {
            c.store(true, Ordering::SeqCst);
        }
        self.unconfirmed = None;
    }
}

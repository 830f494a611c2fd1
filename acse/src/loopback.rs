//! Two associations wired to each other in memory: what tests, benchmarks and examples use to
//! drive an initiator and a responder without sockets (the sans-IO design of docs/design.md
//! principle 1 makes this possible). Not a transport: nothing here is timed or threaded.

use crate::association::{Association, AssociationConfig, AssociationError, Event};

/// Moves every byte `from` has to send into `to`; returns how many octets moved.
pub fn shuttle(from: &mut Association, to: &mut Association) -> Result<usize, AssociationError> {
    let n = from.transmit().len();
    if n > 0 {
        // One copy: the transmit buffer of one end is the receive input of the other.
        let mut moved = 0;
        while moved < n {
            let chunk = {
                let src = &from.transmit()[moved..];
                let dst = to.recv_buffer();
                let k = src.len().min(dst.len());
                dst[..k].copy_from_slice(&src[..k]);
                k
            };
            if chunk == 0 {
                break;
            }
            to.recv_commit(chunk);
            moved += chunk;
        }
        from.advance_transmit(moved);
        return Ok(moved);
    }
    Ok(0)
}

/// An owned summary of an [`Event`], for code that collects events across calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// [`Event::AssociateIndication`] with its user data.
    AssociateIndication(Option<Vec<u8>>),
    /// [`Event::Associated`] with its user data.
    Associated(Option<Vec<u8>>),
    /// [`Event::Refused`].
    Refused(crate::association::Refused),
    /// [`Event::Data`].
    Data(u32, Vec<u8>),
    /// [`Event::ReleaseIndication`].
    ReleaseIndication,
    /// [`Event::Released`].
    Released,
    /// [`Event::Aborted`].
    Aborted,
    /// [`Event::Disconnected`].
    Disconnected,
    /// [`Event::TimedOut`].
    TimedOut(crate::timer::Deadline),
}

/// Polls `a` until it needs more bytes, returning what it reported.
pub fn drain(a: &mut Association) -> Result<Vec<Seen>, AssociationError> {
    let mut out = Vec::new();
    while let Some(ev) = a.poll_event()? {
        out.push(match ev {
            Event::AssociateIndication(i) => Seen::AssociateIndication(i.user_data),
            Event::Associated(c) => Seen::Associated(c.user_data),
            Event::Refused(r) => Seen::Refused(*r),
            Event::Data { context_id, data } => Seen::Data(context_id, data.to_vec()),
            Event::ReleaseIndication { .. } => Seen::ReleaseIndication,
            Event::Released { .. } => Seen::Released,
            Event::Aborted { .. } => Seen::Aborted,
            Event::Disconnected => Seen::Disconnected,
            Event::TimedOut(d) => Seen::TimedOut(d),
        });
    }
    Ok(out)
}

/// Establishes an association between a new initiator (`client`) and responder (`server`)
/// in memory: the initiator sends `request` as AARQ user data and the responder accepts with
/// `response`. Returns both in the data phase.
pub fn associate(
    client: AssociationConfig,
    server: AssociationConfig,
    request: &[u8],
    response: &[u8],
) -> Result<(Association, Association), AssociationError> {
    let mut c = Association::connect(client, request, None);
    let mut s = Association::accept_incoming(server, None);
    for _ in 0..8 {
        shuttle(&mut c, &mut s)?;
        for ev in drain(&mut s)? {
            if let Seen::AssociateIndication(_) = ev {
                s.accept(response)?;
            }
        }
        shuttle(&mut s, &mut c)?;
        for ev in drain(&mut c)? {
            match ev {
                Seen::Associated(_) => return Ok((c, s)),
                Seen::Refused(_) => return Err(AssociationError::Protocol("association refused")),
                _ => {}
            }
        }
    }
    Err(AssociationError::Protocol("association did not complete"))
}

/// Moves everything `from` has to send into `to`, polling `to` whenever its receive buffer is
/// full, and returns what `to` reported.
pub fn deliver(
    from: &mut Association,
    to: &mut Association,
) -> Result<Vec<Seen>, AssociationError> {
    let mut seen = Vec::new();
    loop {
        shuttle(from, to)?;
        seen.extend(drain(to)?);
        if from.transmit().is_empty() || to.is_closed() {
            return Ok(seen);
        }
    }
}

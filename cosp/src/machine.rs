//! The session connection state machine of ISO 8327-1 / X.225 §7 and Annex A, restricted to the
//! kernel and duplex functional units (what MMS uses), sans-IO: TSDUs in, SPDU bytes and
//! [`Indication`]s out.
//!
//! Readings of X.225 applied here (documented in `docs/robustness.md` too):
//! - **Version negotiation** (X.225 §7.1, §7.4): the initiator proposes the configured versions
//!   (default 1 and 2); the responder selects the highest common version; no common version →
//!   REFUSE with provider reason 132 "proposed protocol versions not supported" (carrying our
//!   Version Number). A CONNECT without PI 22 proposes version 1 only. When CONNECT user data
//!   exceeds 512 octets it travels in PGI 194, which only version 2 understands, so that CONNECT
//!   proposes version 2 only.
//! - **Functional units**: only kernel + duplex are implemented. The responder selects
//!   `proposed & configured & duplex`; without duplex → REFUSE 134 (implementation
//!   restriction). An absent PI 20 means the X.225 default (half-duplex, no duplex).
//!   An ACCEPT without PI 20 is taken as selecting what we proposed (harmless leniency);
//!   one selecting anything else than a subset with duplex is a protocol error.
//! - **SSEL check** (responder, `check_ssel`): the called SSEL (absent = empty) must equal the
//!   local SSEL, else REFUSE with provider reason 129.
//! - **Orderly release** without the negotiated release functional unit (X.225 §7.6, §7.7,
//!   Annex A variables Vcoll / Vdnr): FINISH is answered by DISCONNECT. In duplex both SS-users
//!   may send FINISH at once (release collision). Then each side delivers the peer's FINISH as
//!   [`Indication::Finish`], the user answers with [`Session::disconnect`], and each side
//!   completes when it has both sent its DISCONNECT and received the peer's
//!   ([`Indication::Disconnect`]), in either order. Data may still arrive after we sent FINISH
//!   (the peer has not seen it yet) but not after the peer sent FINISH.
//! - **Protocol errors** (X.225 §7.9.2): any invalid SPDU, or a valid one in a state where Annex
//!   A does not allow it, yields [`SessionError::ProtocolError`] carrying a provider ABORT
//!   SPDU (`19 03 11 01 05`: Transport Disconnect = release transport | protocol error), and the
//!   session is [`State::Closed`].
//! - **Zero-length DATA**: GIVE TOKENS + DATA TRANSFER with no user information is valid at the
//!   session level (X.225 puts no lower bound on SS-user data) and is delivered as
//!   `Indication::Data(&[])`; the presentation layer judges it.
//! - **Transport connection**: never reused. After REFUSE, DISCONNECT, ABORT (sent or received)
//!   the session is Closed and the caller releases the transport connection.

use crate::codes::*;
use crate::error::{ProtocolViolation, SessionError, SpduError};
use crate::spdu::{
    parse, AbortSpdu, AcceptSpdu, ConnectSpdu, DisconnectSpdu, FinishSpdu, Limits, RefuseReason,
    RefuseSpdu, Spdu,
};

/// Which end of the session connection this SPM is (X.225 §3: initiator / responder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sends CONNECT.
    Initiator,
    /// Receives CONNECT.
    Responder,
}

/// States of the session connection (X.225 Annex A, Table A.1; names after what they wait for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// STA01: no session connection yet (the transport connection is open).
    Idle,
    /// STA02A: CONNECT sent, waiting for ACCEPT or REFUSE.
    AwaitAccept,
    /// STA08: CONNECT received and indicated, waiting for the local accept or refuse.
    AwaitConnectResponse,
    /// STA713: data transfer.
    DataTransfer,
    /// STA03: FINISH sent, waiting for DISCONNECT.
    AwaitDisconnect,
    /// STA09: FINISH received and indicated, waiting for the local disconnect (release response).
    AwaitReleaseResponse,
    /// Released, refused or aborted: the caller releases the transport connection.
    Closed,
}

/// Configuration of a [`Session`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Our session selector: Calling SSEL in CONNECT, Responding SSEL in ACCEPT. Default `00 01`.
    pub local_ssel: Vec<u8>,
    /// The peer's session selector: Called SSEL in CONNECT. Default `00 01`.
    pub remote_ssel: Vec<u8>,
    /// Protocol versions offered / accepted: bit 1 = version 1, bit 2 = version 2 (X.225
    /// §8.3.1.9). Default `0x03` (both).
    pub versions: u8,
    /// Session User Requirements we propose / accept (X.225 §8.3.1.16). Default `0x0002`
    /// (duplex); only the duplex bit is ever selected.
    pub session_requirements: u16,
    /// Limits applied to received SPDUs.
    pub limits: Limits,
    /// Responder: refuse a CONNECT whose Called SSEL differs from `local_ssel` (reason 129).
    /// Default `false`.
    pub check_ssel: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            local_ssel: vec![0x00, 0x01],
            remote_ssel: vec![0x00, 0x01],
            versions: VERSION_1 | VERSION_2,
            session_requirements: FU_DUPLEX,
            limits: Limits::default(),
            check_ssel: false,
        }
    }
}

/// What a received TSDU meant for the SS-user (X.225 / X.215 indications and confirmations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indication<'a> {
    /// S-CONNECT indication (responder): answer with [`Session::accept`] or [`Session::refuse`].
    Connect {
        /// Calling SSEL (PI 51), if sent.
        calling_ssel: Option<&'a [u8]>,
        /// Called SSEL (PI 52), if sent.
        called_ssel: Option<&'a [u8]>,
        /// The CP-PPDU (from PGI 193 or PGI 194).
        user_data: &'a [u8],
        /// Selected protocol version (1 or 2).
        version: u8,
        /// Selected functional units (always duplex).
        session_requirements: u16,
    },
    /// S-CONNECT confirmation, accepted (initiator).
    Accept {
        /// Responding SSEL (PI 52), if sent.
        responding_ssel: Option<&'a [u8]>,
        /// The CPA-PPDU.
        user_data: &'a [u8],
        /// Selected protocol version (1 or 2).
        version: u8,
    },
    /// S-CONNECT confirmation, refused (initiator). The session is closed. A REFUSE without a
    /// Reason Code is reported as [`RefuseReason::ProviderNotSpecified`].
    Refuse {
        /// Why.
        reason: RefuseReason,
        /// SS-user data (the CPR-PPDU) when the reason is 2.
        user_data: &'a [u8],
    },
    /// S-DATA indication: the user information of a DATA TRANSFER SPDU (possibly empty).
    Data(&'a [u8]),
    /// S-RELEASE indication: the peer asks to release (RLRQ inside); answer with
    /// [`Session::disconnect`].
    Finish {
        /// The FINISH user data.
        user_data: &'a [u8],
    },
    /// S-RELEASE confirmation: the peer confirmed our FINISH (RLRE inside). Unless a release
    /// collision is still waiting for our own DISCONNECT, the session is closed.
    Disconnect {
        /// The DISCONNECT user data.
        user_data: &'a [u8],
    },
    /// S-U-ABORT / S-P-ABORT indication; the session is closed.
    Abort {
        /// The ABORT user data (the ARU-PPDU of a user abort).
        user_data: &'a [u8],
        /// Transport Disconnect bits (0x02 user abort, 0x04 protocol error, ...); 0 if absent.
        flags: u8,
    },
    /// ABORT ACCEPT received. Only possible after an ABORT that kept the transport connection,
    /// which this implementation never sends; kept for completeness of the API.
    AbortAccept,
}

/// The provider-initiated ABORT SPDU of X.225 §7.9.2: Transport Disconnect = release the
/// transport connection | protocol error.
pub const PROVIDER_ABORT: [u8; 5] = [
    SI_ABORT,
    3,
    PI_TRANSPORT_DISCONNECT,
    1,
    TD_RELEASE_TRANSPORT | TD_PROTOCOL_ERROR,
];

/// One session connection's SPM (X.225 Annex A) for the kernel and duplex functional units.
#[derive(Debug, Clone)]
pub struct Session {
    role: Role,
    config: Config,
    state: State,
    version: u8,
    proposed_versions: u8,
    session_requirements: u16,
    /// Vcoll: both sides sent FINISH.
    collision: bool,
    /// Vdnr: in a collision, the peer's DISCONNECT has already been received.
    disconnect_received: bool,
}

impl Session {
    /// A new SPM in [`State::Idle`] for `role`.
    pub fn new(role: Role, config: Config) -> Self {
        Session {
            role,
            config,
            state: State::Idle,
            version: 0,
            proposed_versions: 0,
            session_requirements: 0,
            collision: false,
            disconnect_received: false,
        }
    }

    /// Current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Role given at creation.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Negotiated protocol version: 1 or 2 once CONNECT / ACCEPT have been exchanged, 0 before.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Negotiated Session User Requirements (0 before negotiation; then 0x0002 duplex).
    pub fn session_requirements(&self) -> u16 {
        self.session_requirements
    }

    fn require(&self, ok: bool, action: &'static str) -> Result<(), SessionError> {
        if self.state == State::Closed {
            Err(SessionError::Closed)
        } else if ok {
            Ok(())
        } else {
            Err(SessionError::InvalidState {
                action,
                state: self.state,
            })
        }
    }

    fn opt(v: &[u8]) -> Option<&[u8]> {
        (!v.is_empty()).then_some(v)
    }

    /// S-CONNECT request (initiator, X.225 §7.1): encodes a CONNECT carrying `user_data` (the
    /// CP-PPDU) into `out`. User data up to 512 octets goes in PGI 193, up to 10 240 octets in
    /// PGI 194 (then only version 2 is proposed); more is an error (data overflow is not
    /// implemented).
    pub fn connect(&mut self, user_data: &[u8], out: &mut Vec<u8>) -> Result<(), SessionError> {
        self.require(
            self.role == Role::Initiator && self.state == State::Idle,
            "connect",
        )?;
        let extended = user_data.len() > MAX_CONNECT_USER_DATA;
        let versions = if extended {
            if self.config.versions & VERSION_2 == 0 {
                return Err(SessionError::Encode(
                    SpduError::ExtendedUserDataNeedsVersion2,
                ));
            }
            VERSION_2
        } else {
            self.config.versions & (VERSION_1 | VERSION_2)
        };
        let cn = ConnectSpdu {
            protocol_options: Some(0),
            version_number: Some(versions),
            session_user_requirements: Some(self.config.session_requirements),
            calling_ssel: Self::opt(&self.config.local_ssel),
            called_ssel: Self::opt(&self.config.remote_ssel),
            user_data: (!extended).then_some(user_data),
            extended_user_data: extended.then_some(user_data),
            ..ConnectSpdu::default()
        };
        Spdu::Connect(cn)
            .encode(out)
            .map_err(SessionError::Encode)?;
        self.proposed_versions = versions;
        self.state = State::AwaitAccept;
        Ok(())
    }

    /// S-CONNECT response, accepted (responder, X.225 §7.4): encodes an ACCEPT with the
    /// negotiated version and functional units and `user_data` (the CPA-PPDU) in PGI 193.
    pub fn accept(&mut self, user_data: &[u8], out: &mut Vec<u8>) -> Result<(), SessionError> {
        self.require(self.state == State::AwaitConnectResponse, "accept")?;
        let ac = AcceptSpdu {
            protocol_options: Some(0),
            version_number: Some(self.version),
            session_user_requirements: Some(self.session_requirements),
            responding_ssel: Self::opt(&self.config.local_ssel),
            user_data: Some(user_data),
            ..AcceptSpdu::default()
        };
        Spdu::Accept(ac).encode(out).map_err(SessionError::Encode)?;
        self.state = State::DataTransfer;
        Ok(())
    }

    /// S-CONNECT response, refused (responder, X.225 §7.5): encodes a REFUSE with `reason`
    /// (user data only with [`RefuseReason::UserRejection`]). The session is then closed.
    pub fn refuse(
        &mut self,
        reason: RefuseReason,
        user_data: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), SessionError> {
        self.require(self.state == State::AwaitConnectResponse, "refuse")?;
        self.encode_refuse(reason, user_data, out)
            .map_err(SessionError::Encode)?;
        self.state = State::Closed;
        Ok(())
    }

    fn encode_refuse(
        &self,
        reason: RefuseReason,
        user_data: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), SpduError> {
        let rf = RefuseSpdu {
            transport_disconnect: Some(TD_RELEASE_TRANSPORT),
            version_number: (reason == RefuseReason::VersionNotSupported)
                .then_some(self.config.versions & (VERSION_1 | VERSION_2)),
            reason: Some(reason),
            user_data,
            ..RefuseSpdu::default()
        };
        Spdu::Refuse(rf).encode(out)
    }

    /// S-RELEASE request (X.225 §7.6): encodes a FINISH (Transport Disconnect = release) with
    /// `user_data` (the RLRQ in a P-RELEASE PPDU) and waits for DISCONNECT.
    pub fn finish(&mut self, user_data: &[u8], out: &mut Vec<u8>) -> Result<(), SessionError> {
        self.require(self.state == State::DataTransfer, "finish")?;
        let fin = FinishSpdu {
            transport_disconnect: Some(TD_RELEASE_TRANSPORT),
            enclosure: None,
            user_data: Some(user_data),
        };
        Spdu::Finish(fin)
            .encode(out)
            .map_err(SessionError::Encode)?;
        self.state = State::AwaitDisconnect;
        Ok(())
    }

    /// S-RELEASE response (X.225 §7.7): encodes a DISCONNECT with `user_data` (the RLRE).
    /// Closes the session, unless a release collision still waits for the peer's DISCONNECT.
    pub fn disconnect(&mut self, user_data: &[u8], out: &mut Vec<u8>) -> Result<(), SessionError> {
        self.require(self.state == State::AwaitReleaseResponse, "disconnect")?;
        let dn = DisconnectSpdu {
            enclosure: None,
            user_data: Some(user_data),
        };
        Spdu::Disconnect(dn)
            .encode(out)
            .map_err(SessionError::Encode)?;
        self.state = if self.collision && !self.disconnect_received {
            State::AwaitDisconnect
        } else {
            State::Closed
        };
        Ok(())
    }

    /// S-U-ABORT request (X.225 §7.9.1): encodes an ABORT with Transport Disconnect =
    /// release | user abort (0x03) and `user_data` (the ARU-PPDU). Allowed in every state once
    /// a CONNECT has been sent or received; the session is then closed.
    pub fn abort(&mut self, user_data: &[u8], out: &mut Vec<u8>) -> Result<(), SessionError> {
        self.require(self.state != State::Idle, "abort")?;
        let ab = AbortSpdu {
            transport_disconnect: Some(TD_RELEASE_TRANSPORT | TD_USER_ABORT),
            enclosure: None,
            reflect_parameter_values: None,
            user_data: Some(user_data),
        };
        Spdu::Abort(ab).encode(out).map_err(SessionError::Encode)?;
        self.state = State::Closed;
        Ok(())
    }

    /// S-DATA request check (X.225 §7.11): Ok when data may be sent now (data transfer, or a
    /// FINISH received but not yet answered). The caller then sends [`crate::DATA_HEADER`]
    /// followed by the PPDU itself, without a copy here.
    pub fn check_can_send_data(&self) -> Result<(), SessionError> {
        self.require(
            matches!(
                self.state,
                State::DataTransfer | State::AwaitReleaseResponse
            ),
            "send data",
        )
    }

    fn protocol_error(&mut self, violation: ProtocolViolation) -> SessionError {
        log::warn!(target: "cosp", "session protocol error in state {:?}: {violation}", self.state);
        self.state = State::Closed;
        SessionError::ProtocolError {
            violation,
            abort: PROVIDER_ABORT.to_vec(),
        }
    }

    fn provider_refuse(&mut self, reason: RefuseReason) -> SessionError {
        log::info!(target: "cosp", "refusing CONNECT: {reason}");
        let mut refuse = Vec::new();
        // A provider REFUSE carries no user data and cannot fail to encode.
        if self.encode_refuse(reason, &[], &mut refuse).is_err() {
            return self.protocol_error(ProtocolViolation::UnexpectedSpdu {
                spdu: "CONNECT",
                state: State::Idle,
            });
        }
        self.state = State::Closed;
        SessionError::Refused { reason, refuse }
    }

    fn check_enclosure(&mut self, enclosure: Option<u8>) -> Result<(), SessionError> {
        match enclosure {
            None | Some(ENCLOSURE_COMPLETE) => Ok(()),
            Some(other) => {
                Err(self.protocol_error(ProtocolViolation::SegmentingNotSupported(other)))
            }
        }
    }

    /// Handles one received TSDU (X.225 Annex A). Returns the indication for the SS-user, or an
    /// error; a [`SessionError::ProtocolError`] / [`SessionError::Refused`] carries the SPDU to
    /// send ([`SessionError::spdu_to_send`]) and leaves the session closed. On a closed
    /// session, returns [`SessionError::Closed`] and sends nothing.
    pub fn handle_tsdu<'a>(&mut self, tsdu: &'a [u8]) -> Result<Indication<'a>, SessionError> {
        if self.state == State::Closed {
            return Err(SessionError::Closed);
        }
        let spdu = match parse(tsdu, &self.config.limits) {
            Ok(s) => s,
            Err(e) => return Err(self.protocol_error(ProtocolViolation::InvalidSpdu(e))),
        };
        match (self.state, spdu) {
            (_, Spdu::Abort(ab)) => {
                self.state = State::Closed;
                Ok(Indication::Abort {
                    user_data: ab.user_data.unwrap_or(&[]),
                    flags: ab.transport_disconnect.unwrap_or(0),
                })
            }
            (State::Idle, Spdu::Connect(cn)) if self.role == Role::Responder => self.on_connect(cn),
            (State::AwaitAccept, Spdu::Accept(ac)) => self.on_accept(ac),
            (State::AwaitAccept, Spdu::Refuse(rf)) => {
                self.check_enclosure(rf.enclosure)?;
                self.state = State::Closed;
                Ok(Indication::Refuse {
                    reason: rf.reason.unwrap_or(RefuseReason::ProviderNotSpecified),
                    user_data: rf.user_data,
                })
            }
            (State::DataTransfer, Spdu::Data(d)) => Ok(Indication::Data(d)),
            (State::AwaitDisconnect, Spdu::Data(d)) if !self.collision => Ok(Indication::Data(d)),
            (State::DataTransfer, Spdu::Finish(f)) => {
                self.check_enclosure(f.enclosure)?;
                self.state = State::AwaitReleaseResponse;
                Ok(Indication::Finish {
                    user_data: f.user_data.unwrap_or(&[]),
                })
            }
            (State::AwaitDisconnect, Spdu::Finish(f)) if !self.collision => {
                // Release collision (Vcoll): both SS-users asked to release.
                self.check_enclosure(f.enclosure)?;
                self.collision = true;
                self.state = State::AwaitReleaseResponse;
                Ok(Indication::Finish {
                    user_data: f.user_data.unwrap_or(&[]),
                })
            }
            (State::AwaitDisconnect, Spdu::Disconnect(dn)) => {
                self.check_enclosure(dn.enclosure)?;
                self.state = State::Closed;
                Ok(Indication::Disconnect {
                    user_data: dn.user_data.unwrap_or(&[]),
                })
            }
            (State::AwaitReleaseResponse, Spdu::Disconnect(dn))
                if self.collision && !self.disconnect_received =>
            {
                // Collision, peer's DISCONNECT arrived before our own (Vdnr).
                self.check_enclosure(dn.enclosure)?;
                self.disconnect_received = true;
                Ok(Indication::Disconnect {
                    user_data: dn.user_data.unwrap_or(&[]),
                })
            }
            (state, other) => Err(self.protocol_error(ProtocolViolation::UnexpectedSpdu {
                spdu: other.name(),
                state,
            })),
        }
    }

    fn on_connect<'a>(&mut self, cn: ConnectSpdu<'a>) -> Result<Indication<'a>, SessionError> {
        self.check_enclosure(cn.enclosure)?;
        // Version (X.225 §7.1.x): absent PI 22 proposes version 1 only.
        let proposed = cn.version_number.unwrap_or(VERSION_1);
        let common = proposed & self.config.versions & (VERSION_1 | VERSION_2);
        if common == 0 {
            return Err(self.provider_refuse(RefuseReason::VersionNotSupported));
        }
        let version = if common & VERSION_2 != 0 { 2 } else { 1 };
        if version == 1 && cn.extended_user_data.is_some() {
            return Err(self.protocol_error(ProtocolViolation::ExtendedUserDataInVersion1));
        }
        if cn.data_overflow.is_some() {
            // Would need OVERFLOW ACCEPT + CONNECT DATA OVERFLOW, not implemented.
            return Err(self.provider_refuse(RefuseReason::ImplementationRestriction));
        }
        if self.config.check_ssel && cn.called_ssel.unwrap_or(&[]) != self.config.local_ssel {
            return Err(self.provider_refuse(RefuseReason::InvalidSsel));
        }
        let requested = cn
            .session_user_requirements
            .unwrap_or(FU_DEFAULT_WHEN_ABSENT);
        let selected = requested & self.config.session_requirements & FU_DUPLEX;
        if selected == 0 {
            return Err(self.provider_refuse(RefuseReason::ImplementationRestriction));
        }
        if let Some(t) = cn.tsdu_max_size {
            log::debug!(target: "cosp", "ignoring proposed TSDU maximum size {t:?}: segmenting not used");
        }
        self.version = version;
        self.session_requirements = selected;
        self.state = State::AwaitConnectResponse;
        Ok(Indication::Connect {
            calling_ssel: cn.calling_ssel,
            called_ssel: cn.called_ssel,
            user_data: cn.data(),
            version,
            session_requirements: selected,
        })
    }

    fn on_accept<'a>(&mut self, ac: AcceptSpdu<'a>) -> Result<Indication<'a>, SessionError> {
        self.check_enclosure(ac.enclosure)?;
        let selected = ac.version_number.unwrap_or(VERSION_1);
        let version = match selected {
            VERSION_1 => 1,
            VERSION_2 => 2,
            _ => 0,
        };
        if version == 0 || selected & self.proposed_versions == 0 {
            return Err(self.protocol_error(ProtocolViolation::InvalidVersion(selected)));
        }
        let proposed_fu = self.config.session_requirements;
        let fu = ac
            .session_user_requirements
            .unwrap_or(proposed_fu & FU_DUPLEX);
        if fu & FU_DUPLEX == 0 || fu & !proposed_fu != 0 {
            return Err(self.protocol_error(ProtocolViolation::InvalidFunctionalUnits(fu)));
        }
        self.version = version;
        self.session_requirements = fu;
        self.state = State::DataTransfer;
        Ok(Indication::Accept {
            responding_ssel: ac.responding_ssel,
            user_data: ac.data(),
            version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spdu::DATA_HEADER;
    use crate::test_vectors::*;

    fn initiator() -> Session {
        Session::new(Role::Initiator, Config::default())
    }

    fn responder() -> Session {
        Session::new(Role::Responder, Config::default())
    }

    /// Both ends connected through CN/AC built by the machines themselves.
    fn connected_pair() -> (Session, Session) {
        let (mut i, mut r) = (initiator(), responder());
        let mut cn = Vec::new();
        i.connect(b"cp", &mut cn).unwrap();
        assert!(matches!(r.handle_tsdu(&cn), Ok(Indication::Connect { .. })));
        let mut ac = Vec::new();
        r.accept(b"cpa", &mut ac).unwrap();
        assert!(matches!(i.handle_tsdu(&ac), Ok(Indication::Accept { .. })));
        (i, r)
    }

    fn assert_protocol_error(res: Result<Indication<'_>, SessionError>) {
        match res {
            Err(e @ SessionError::ProtocolError { .. }) => {
                assert_eq!(e.spdu_to_send(), Some(&PROVIDER_ABORT[..]));
            }
            other => panic!("expected a protocol error, got {other:?}"),
        }
    }

    #[test]
    fn initiator_connect_data_release() {
        let mut s = initiator();
        let mut out = Vec::new();
        s.connect(&hex(CP_SMALL), &mut out).unwrap();
        assert_eq!(out, hex(CN_SMALL));
        assert_eq!(s.state(), State::AwaitAccept);
        assert_eq!(
            s.check_can_send_data(),
            Err(SessionError::InvalidState {
                action: "send data",
                state: State::AwaitAccept
            })
        );

        let ac = hex(AC);
        let cpa = hex(CPA);
        assert_eq!(
            s.handle_tsdu(&ac),
            Ok(Indication::Accept {
                responding_ssel: Some(&[0, 1]),
                user_data: &cpa,
                version: 2
            })
        );
        assert_eq!(s.state(), State::DataTransfer);
        assert_eq!(s.version(), 2);
        assert_eq!(s.session_requirements(), FU_DUPLEX);
        assert_eq!(s.check_can_send_data(), Ok(()));

        let dt = hex(GT_DT);
        assert_eq!(s.handle_tsdu(&dt), Ok(Indication::Data(&dt[4..])));

        let fin = hex(FN);
        let mut out = Vec::new();
        s.finish(&fin[7..], &mut out).unwrap();
        assert_eq!(out, fin);
        assert_eq!(s.state(), State::AwaitDisconnect);
        // Duplex: the peer may still send data before it sees our FINISH.
        assert_eq!(s.handle_tsdu(&dt), Ok(Indication::Data(&dt[4..])));

        let dn = hex(DN);
        assert_eq!(
            s.handle_tsdu(&dn),
            Ok(Indication::Disconnect {
                user_data: &dn[4..]
            })
        );
        assert_eq!(s.state(), State::Closed);
        assert_eq!(s.handle_tsdu(&dt), Err(SessionError::Closed));
    }

    #[test]
    fn initiator_connect_with_extended_user_data() {
        let mut s = initiator();
        let mut out = Vec::new();
        s.connect(&hex(CP_1406), &mut out).unwrap();
        assert_eq!(out, hex(CN_PGI194));

        let mut s = Session::new(
            Role::Initiator,
            Config {
                versions: VERSION_1,
                ..Config::default()
            },
        );
        assert_eq!(
            s.connect(&hex(CP_1406), &mut Vec::new()),
            Err(SessionError::Encode(
                SpduError::ExtendedUserDataNeedsVersion2
            ))
        );
        assert_eq!(s.state(), State::Idle);
        let too_big = vec![0u8; 10_241];
        let mut s = initiator();
        let mut out = Vec::new();
        assert!(matches!(
            s.connect(&too_big, &mut out),
            Err(SessionError::Encode(SpduError::UserDataTooLong { .. }))
        ));
        assert!(out.is_empty());
    }

    #[test]
    fn responder_connect_data_release() {
        let mut s = responder();
        let cn = hex(CN_SMALL);
        let cp = hex(CP_SMALL);
        assert_eq!(
            s.handle_tsdu(&cn),
            Ok(Indication::Connect {
                calling_ssel: Some(&[0, 1]),
                called_ssel: Some(&[0, 1]),
                user_data: &cp,
                version: 2,
                session_requirements: FU_DUPLEX,
            })
        );
        assert_eq!(s.state(), State::AwaitConnectResponse);
        let mut out = Vec::new();
        s.accept(&hex(CPA), &mut out).unwrap();
        assert_eq!(out, hex(AC));
        assert_eq!(s.state(), State::DataTransfer);

        let dt = hex(GT_DT);
        assert_eq!(s.handle_tsdu(&dt), Ok(Indication::Data(&dt[4..])));
        let fin = hex(FN);
        assert_eq!(
            s.handle_tsdu(&fin),
            Ok(Indication::Finish {
                user_data: &fin[7..]
            })
        );
        assert_eq!(s.state(), State::AwaitReleaseResponse);
        // Data may still be sent before answering the release.
        assert_eq!(s.check_can_send_data(), Ok(()));
        let dn = hex(DN);
        let mut out = Vec::new();
        s.disconnect(&dn[4..], &mut out).unwrap();
        assert_eq!(out, dn);
        assert_eq!(s.state(), State::Closed);
        assert_eq!(s.check_can_send_data(), Err(SessionError::Closed));
    }

    #[test]
    fn responder_accepts_extended_user_data() {
        let mut s = responder();
        let cn = hex(CN_PGI194);
        match s.handle_tsdu(&cn) {
            Ok(Indication::Connect {
                user_data, version, ..
            }) => {
                assert_eq!(user_data, &hex(CP_1406)[..]);
                assert_eq!(version, 2);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn release_collision_both_orders() {
        for peer_dn_first in [false, true] {
            let (mut i, mut r) = connected_pair();
            let (mut fi, mut fr) = (Vec::new(), Vec::new());
            i.finish(b"rlrq-i", &mut fi).unwrap();
            r.finish(b"rlrq-r", &mut fr).unwrap();
            assert_eq!(
                i.handle_tsdu(&fr),
                Ok(Indication::Finish {
                    user_data: b"rlrq-r"
                })
            );
            assert_eq!(
                r.handle_tsdu(&fi),
                Ok(Indication::Finish {
                    user_data: b"rlrq-i"
                })
            );
            assert_eq!(i.state(), State::AwaitReleaseResponse);
            assert_eq!(r.state(), State::AwaitReleaseResponse);

            let mut di = Vec::new();
            i.disconnect(b"rlre-i", &mut di).unwrap();
            assert_eq!(i.state(), State::AwaitDisconnect);
            if peer_dn_first {
                // r receives i's DN before answering itself (Vdnr).
                assert_eq!(
                    r.handle_tsdu(&di),
                    Ok(Indication::Disconnect {
                        user_data: b"rlre-i"
                    })
                );
                assert_eq!(r.state(), State::AwaitReleaseResponse);
                let mut dr = Vec::new();
                r.disconnect(b"rlre-r", &mut dr).unwrap();
                assert_eq!(r.state(), State::Closed);
                assert_eq!(
                    i.handle_tsdu(&dr),
                    Ok(Indication::Disconnect {
                        user_data: b"rlre-r"
                    })
                );
            } else {
                let mut dr = Vec::new();
                r.disconnect(b"rlre-r", &mut dr).unwrap();
                assert_eq!(r.state(), State::AwaitDisconnect);
                assert_eq!(
                    i.handle_tsdu(&dr),
                    Ok(Indication::Disconnect {
                        user_data: b"rlre-r"
                    })
                );
                assert_eq!(
                    r.handle_tsdu(&di),
                    Ok(Indication::Disconnect {
                        user_data: b"rlre-i"
                    })
                );
                assert_eq!(r.state(), State::Closed);
            }
            assert_eq!(i.state(), State::Closed);
        }
    }

    #[test]
    fn collision_rejects_data_and_second_finish() {
        let (mut i, mut r) = connected_pair();
        let (mut fi, mut fr) = (Vec::new(), Vec::new());
        i.finish(b"", &mut fi).unwrap();
        r.finish(b"", &mut fr).unwrap();
        i.handle_tsdu(&fr).unwrap();
        let mut di = Vec::new();
        i.disconnect(b"", &mut di).unwrap();
        // Peer sent FINISH, so DATA from it now is a protocol error.
        assert_protocol_error(i.handle_tsdu(&hex(GT_DT)));
        assert_eq!(i.state(), State::Closed);
        // A second FINISH during a collision is a protocol error too.
        r.handle_tsdu(&fi).unwrap();
        assert_protocol_error(r.handle_tsdu(&fi));
    }

    #[test]
    fn invalid_state_spdus_abort() {
        let mut ac = Vec::new();
        let mut cn = Vec::new();
        {
            let mut i = initiator();
            i.connect(b"x", &mut cn).unwrap();
            let mut r = responder();
            r.handle_tsdu(&cn).unwrap();
            r.accept(b"y", &mut ac).unwrap();
        }
        let dt = hex(GT_DT);
        let fin = hex(FN);
        let dn = hex(DN);
        let rf = hex(RF_SSEL);
        let nf = [8u8, 0];
        let aa = hex(AA);

        // Initiator waiting for ACCEPT.
        for bad in [&dt[..], &fin, &dn, &cn, &nf, &aa] {
            let mut s = initiator();
            s.connect(b"x", &mut Vec::new()).unwrap();
            assert_protocol_error(s.handle_tsdu(bad));
            assert_eq!(s.state(), State::Closed);
            assert_eq!(s.handle_tsdu(bad), Err(SessionError::Closed));
        }
        // Initiator before connecting: nothing but ABORT is valid.
        for bad in [&cn[..], &ac, &dt] {
            assert_protocol_error(initiator().handle_tsdu(bad));
        }
        // Responder idle: ACCEPT, DATA, FINISH, REFUSE are invalid.
        for bad in [&ac[..], &dt, &fin, &rf, &dn] {
            let mut s = responder();
            assert_protocol_error(s.handle_tsdu(bad));
            assert_eq!(s.state(), State::Closed);
        }
        // Responder waiting for the local response: nothing from the peer but ABORT.
        for bad in [&cn[..], &dt, &fin] {
            let mut s = responder();
            s.handle_tsdu(&cn).unwrap();
            assert_protocol_error(s.handle_tsdu(bad));
        }
        // Data transfer, both roles: a second CN, an AC, RF, DN, NF, AA.
        for bad in [&cn[..], &ac, &rf, &dn, &nf, &aa] {
            let (mut i, mut r) = connected_pair();
            assert_protocol_error(i.handle_tsdu(bad));
            assert_protocol_error(r.handle_tsdu(bad));
            assert_eq!(i.state(), State::Closed);
            assert_eq!(r.state(), State::Closed);
        }
        // After receiving FINISH: DATA, FINISH, DISCONNECT from the peer are invalid.
        for bad in [&dt[..], &fin, &dn] {
            let (_, mut r) = connected_pair();
            r.handle_tsdu(&fin).unwrap();
            assert_protocol_error(r.handle_tsdu(bad));
        }
        // Waiting for DISCONNECT: ACCEPT / CONNECT are invalid.
        for bad in [&cn[..], &ac] {
            let (mut i, _) = connected_pair();
            i.finish(b"", &mut Vec::new()).unwrap();
            assert_protocol_error(i.handle_tsdu(bad));
        }
    }

    #[test]
    fn malformed_tsdu_aborts() {
        let (mut i, _) = connected_pair();
        match i.handle_tsdu(&[1, 0, 1, 5, 0]) {
            Err(SessionError::ProtocolError { violation, abort }) => {
                assert!(matches!(violation, ProtocolViolation::InvalidSpdu(_)));
                assert_eq!(abort, PROVIDER_ABORT);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(i.state(), State::Closed);
        assert_protocol_error(responder().handle_tsdu(&[]));
        assert_protocol_error(responder().handle_tsdu(&[0x42, 0]));
    }

    #[test]
    fn provider_abort_vector_matches() {
        assert_eq!(&PROVIDER_ABORT[..], &hex(AB_PROVIDER)[..]);
    }

    #[test]
    fn version_1_only_peer() {
        // CONNECT proposing version 1 only (PI 22 = 1), small user data.
        let cn = [13, 14, 5, 6, 0x13, 1, 0, 0x16, 1, 1, 0x14, 2, 0, 2, 0xC1, 0];
        let mut r = responder();
        assert!(matches!(
            r.handle_tsdu(&cn),
            Ok(Indication::Connect { version: 1, .. })
        ));
        assert_eq!(r.version(), 1);
        let mut ac = Vec::new();
        r.accept(b"", &mut ac).unwrap();
        let Ok(Spdu::Accept(a)) = parse(&ac, &Limits::default()) else {
            panic!("not an ACCEPT")
        };
        assert_eq!(a.version_number, Some(VERSION_1));
        // A CONNECT without PI 22 also means version 1.
        let cn = [13, 6, 0x14, 2, 0, 2, 0xC1, 0];
        let mut r = responder();
        assert!(matches!(
            r.handle_tsdu(&cn),
            Ok(Indication::Connect { version: 1, .. })
        ));
        // Our initiator against a version-1 responder.
        let mut i = initiator();
        i.connect(b"cp", &mut Vec::new()).unwrap();
        assert!(matches!(
            i.handle_tsdu(&ac),
            Ok(Indication::Accept { version: 1, .. })
        ));
        assert_eq!(i.version(), 1);
        // Version-1-only CONNECT with Extended User Data is a protocol error.
        let cn = [13, 9, 5, 3, 0x16, 1, 1, 0xC2, 1, 0xAA];
        assert_protocol_error(responder().handle_tsdu(&cn));
    }

    #[test]
    fn no_common_version_refuses() {
        // PI 22 = 4: no version we know.
        let cn = [13, 11, 5, 3, 0x16, 1, 4, 0x14, 2, 0, 2, 0xC1, 0];
        let mut r = responder();
        match r.handle_tsdu(&cn) {
            Err(e @ SessionError::Refused { .. }) => {
                assert_eq!(e.spdu_to_send(), Some(&hex(RF_VERSION)[..]));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(r.state(), State::Closed);
        // A version-2-only responder refuses a version-1-only CONNECT.
        let cn = [13, 11, 5, 3, 0x16, 1, 1, 0x14, 2, 0, 2, 0xC1, 0];
        let mut r = Session::new(
            Role::Responder,
            Config {
                versions: VERSION_2,
                ..Config::default()
            },
        );
        assert!(matches!(
            r.handle_tsdu(&cn),
            Err(SessionError::Refused {
                reason: RefuseReason::VersionNotSupported,
                ..
            })
        ));
    }

    #[test]
    fn ssel_mismatch_refuses() {
        let config = Config {
            check_ssel: true,
            local_ssel: vec![0, 2],
            ..Config::default()
        };
        let mut r = Session::new(Role::Responder, config.clone());
        let cn = hex(CN_SMALL);
        match r.handle_tsdu(&cn) {
            Err(e @ SessionError::Refused { .. }) => {
                assert_eq!(e.spdu_to_send(), Some(&hex(RF_SSEL)[..]));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(r.state(), State::Closed);
        // Matching SSEL passes.
        let mut r = Session::new(
            Role::Responder,
            Config {
                local_ssel: vec![0, 1],
                ..config
            },
        );
        assert!(matches!(r.handle_tsdu(&cn), Ok(Indication::Connect { .. })));
    }

    #[test]
    fn functional_unit_and_overflow_refusals() {
        // No PI 20: X.225 default (half-duplex) has no duplex.
        let cn = [13, 5, 5, 3, 0x16, 1, 2];
        assert!(matches!(
            responder().handle_tsdu(&cn),
            Err(SessionError::Refused {
                reason: RefuseReason::ImplementationRestriction,
                ..
            })
        ));
        // Half-duplex only.
        let cn = [13, 9, 5, 3, 0x16, 1, 2, 0x14, 2, 0, 1];
        assert!(matches!(
            responder().handle_tsdu(&cn),
            Err(SessionError::Refused {
                reason: RefuseReason::ImplementationRestriction,
                ..
            })
        ));
        // Data Overflow announced.
        let cn = [13, 12, 5, 3, 0x16, 1, 2, 0x14, 2, 0, 2, 60, 1, 1];
        assert!(matches!(
            responder().handle_tsdu(&cn),
            Err(SessionError::Refused {
                reason: RefuseReason::ImplementationRestriction,
                ..
            })
        ));
        // Half-duplex + duplex proposed: duplex selected.
        let cn = [13, 9, 5, 3, 0x16, 1, 2, 0x14, 2, 0, 3];
        assert!(matches!(
            responder().handle_tsdu(&cn),
            Ok(Indication::Connect {
                session_requirements: FU_DUPLEX,
                ..
            })
        ));
    }

    #[test]
    fn initiator_rejects_bad_accept() {
        for ac in [
            // Both versions selected.
            &[14u8, 9, 5, 3, 0x16, 1, 3, 0x14, 2, 0, 2][..],
            // Version bit 3.
            &[14, 9, 5, 3, 0x16, 1, 4, 0x14, 2, 0, 2],
            // Half-duplex selected.
            &[14, 9, 5, 3, 0x16, 1, 2, 0x14, 2, 0, 1],
            // Segmented ACCEPT (Enclosure Item = beginning only).
            &[14, 12, 5, 3, 0x16, 1, 2, 0x14, 2, 0, 2, 25, 1, 1],
        ] {
            let mut i = initiator();
            i.connect(b"cp", &mut Vec::new()).unwrap();
            assert_protocol_error(i.handle_tsdu(ac));
        }
        // Version 2 selected although only version 1 was proposed.
        let mut i = Session::new(
            Role::Initiator,
            Config {
                versions: VERSION_1,
                ..Config::default()
            },
        );
        i.connect(b"cp", &mut Vec::new()).unwrap();
        assert_protocol_error(i.handle_tsdu(&[14, 9, 5, 3, 0x16, 1, 2, 0x14, 2, 0, 2]));
        // An ACCEPT without PI 20 is taken as duplex; PGI 194 in ACCEPT is accepted (E-05).
        let mut i = initiator();
        i.connect(b"cp", &mut Vec::new()).unwrap();
        assert_eq!(
            i.handle_tsdu(&[14, 8, 5, 3, 0x16, 1, 2, 0xC2, 1, 0xAA]),
            Ok(Indication::Accept {
                responding_ssel: None,
                user_data: &[0xAA],
                version: 2
            })
        );
    }

    #[test]
    fn abort_both_directions() {
        let (mut i, mut r) = connected_pair();
        let ab = hex(AB_USER);
        let mut out = Vec::new();
        i.abort(&ab[7..], &mut out).unwrap();
        assert_eq!(out, ab);
        assert_eq!(i.state(), State::Closed);
        assert_eq!(
            r.handle_tsdu(&out),
            Ok(Indication::Abort {
                user_data: &ab[7..],
                flags: TD_RELEASE_TRANSPORT | TD_USER_ABORT
            })
        );
        assert_eq!(r.state(), State::Closed);
        // libiec61850's form, received while waiting for ACCEPT.
        let lib = hex(AB_LIBIEC);
        let mut i = initiator();
        i.connect(b"cp", &mut Vec::new()).unwrap();
        assert_eq!(
            i.handle_tsdu(&lib),
            Ok(Indication::Abort {
                user_data: &lib[7..],
                flags: 0x0B
            })
        );
        // Abort before anything happened is a local error.
        assert_eq!(
            initiator().abort(b"", &mut Vec::new()),
            Err(SessionError::InvalidState {
                action: "abort",
                state: State::Idle
            })
        );
    }

    #[test]
    fn refuse_by_user_and_confirmation() {
        let mut i = initiator();
        let mut cn = Vec::new();
        i.connect(b"cp", &mut cn).unwrap();
        let mut r = responder();
        r.handle_tsdu(&cn).unwrap();
        assert_eq!(
            r.refuse(RefuseReason::InvalidSsel, b"x", &mut Vec::new()),
            Err(SessionError::Encode(SpduError::RefuseUserDataNotAllowed))
        );
        assert_eq!(r.state(), State::AwaitConnectResponse);
        let mut rf = Vec::new();
        r.refuse(RefuseReason::UserRejection, b"cpr", &mut rf)
            .unwrap();
        assert_eq!(r.state(), State::Closed);
        assert_eq!(
            i.handle_tsdu(&rf),
            Ok(Indication::Refuse {
                reason: RefuseReason::UserRejection,
                user_data: b"cpr"
            })
        );
        assert_eq!(i.state(), State::Closed);
        // A REFUSE without Reason Code.
        let mut i = initiator();
        i.connect(b"cp", &mut Vec::new()).unwrap();
        assert_eq!(
            i.handle_tsdu(&[12, 0]),
            Ok(Indication::Refuse {
                reason: RefuseReason::ProviderNotSpecified,
                user_data: &[]
            })
        );
    }

    #[test]
    fn local_requests_in_wrong_state() {
        let mut r = responder();
        let mut out = Vec::new();
        assert!(matches!(
            r.connect(b"", &mut out),
            Err(SessionError::InvalidState {
                action: "connect",
                ..
            })
        ));
        assert!(matches!(
            r.accept(b"", &mut out),
            Err(SessionError::InvalidState {
                action: "accept",
                ..
            })
        ));
        assert!(matches!(
            r.finish(b"", &mut out),
            Err(SessionError::InvalidState {
                action: "finish",
                ..
            })
        ));
        assert!(matches!(
            r.disconnect(b"", &mut out),
            Err(SessionError::InvalidState {
                action: "disconnect",
                ..
            })
        ));
        assert!(out.is_empty());
        let (mut i, _) = connected_pair();
        assert!(matches!(
            i.connect(b"", &mut out),
            Err(SessionError::InvalidState { .. })
        ));
        i.finish(b"", &mut out).unwrap();
        assert!(matches!(
            i.check_can_send_data(),
            Err(SessionError::InvalidState { .. })
        ));
        assert!(matches!(
            i.finish(b"", &mut Vec::new()),
            Err(SessionError::InvalidState { .. })
        ));
    }

    #[test]
    fn zero_length_data_is_delivered() {
        let (mut i, _) = connected_pair();
        assert_eq!(i.handle_tsdu(&DATA_HEADER), Ok(Indication::Data(&[])));
        assert_eq!(i.state(), State::DataTransfer);
    }

    #[test]
    fn oversized_user_data_aborts() {
        let mut r = Session::new(
            Role::Responder,
            Config {
                limits: Limits {
                    max_connect_user_data: 100,
                    ..Limits::default()
                },
                ..Config::default()
            },
        );
        assert_protocol_error(r.handle_tsdu(&hex(CN_SMALL)));
    }

    #[test]
    fn segmented_finish_aborts() {
        let (_, mut r) = connected_pair();
        match r.handle_tsdu(&[9, 3, 25, 1, 2]) {
            Err(SessionError::ProtocolError { violation, .. }) => {
                assert_eq!(violation, ProtocolViolation::SegmentingNotSupported(2))
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    mod proptests {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn handle_tsdu_never_panics(data in proptest::collection::vec(any::<u8>(), 0..400), which in 0usize..6) {
                let (mut i, mut r) = connected_pair();
                let mut s = match which {
                    0 => responder(),
                    1 => { let mut s = initiator(); s.connect(b"cp", &mut Vec::new()).unwrap(); s }
                    2 => i.clone(),
                    3 => { r.handle_tsdu(&hex(FN)).unwrap(); r.clone() }
                    4 => { i.finish(b"", &mut Vec::new()).unwrap(); i.clone() }
                    _ => r.clone(),
                };
                let before = s.state();
                match s.handle_tsdu(&data) {
                    Ok(_) => {}
                    Err(e) => {
                        prop_assert_eq!(s.state(), State::Closed);
                        prop_assert!(e.spdu_to_send().is_some());
                        prop_assert_ne!(before, State::Closed);
                    }
                }
            }
        }
    }
}

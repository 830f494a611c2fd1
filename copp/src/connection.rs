//! The presentation protocol machine (X.226 §6 and Annex A state tables, kernel functional
//! unit, normal mode) over session user data, sans-IO: PPDU octets in, PPDU octets out.
//!
//! The session layer carries the PPDUs: CP-type in S-CONNECT request user data, CPA/CPR in
//! the S-CONNECT response (ACCEPT / REFUSE SPDU), TD user data in S-DATA, release user data in
//! S-RELEASE (FINISH / DISCONNECT), ARU/ARP in S-U-ABORT.

use crate::ber::{Oid, Writer, DEFAULT_MAX_DEPTH};
use crate::context::{negotiate, ContextSet, Supported, BER};
use crate::error::PresentationError;
use crate::ppdu::{
    encode_data_header, encode_single_pdv, parse_abort_with_depth, parse_accept_with_depth,
    parse_connect_with_depth, parse_refuse_with_depth, parse_user_data_with_depth, version_has_v1,
    AbortPpdu, AbortReason, AcceptPpdu, ConnectPpdu, ContextDefinition, ContextResult,
    FullyEncoded, Mode, RefusePpdu, RefuseReason, ResultKind, UserData, DATA_HEADER_MAX,
    DATA_VALUE_MAX, MAX_CONTEXTS,
};

/// Configuration of a presentation entity (X.226 §6.2: addressing and negotiation).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Our presentation selector (calling selector as initiator, responding/called selector
    /// as responder). Default `00 00 00 01` (libIEC61850's default).
    pub local_selector: Vec<u8>,
    /// The peer's presentation selector (called selector as initiator). Default `00 00 00 01`.
    pub remote_selector: Vec<u8>,
    /// Check received selectors: as responder the called selector must equal
    /// `local_selector` (else CPR called-presentation-address-unknown); as initiator a
    /// responding selector, when present, must equal `remote_selector`.
    pub check_selector: bool,
    /// Abstract syntaxes accepted as responder.
    pub supported: Supported,
    /// Nesting limit for BER values in received PPDUs (see [`crate::ber::Reader::with_depth`]).
    pub max_depth: u16,
    /// Longest presentation user data accepted in one session service primitive, in octets.
    pub max_user_data: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            local_selector: vec![0, 0, 0, 1],
            remote_selector: vec![0, 0, 0, 1],
            check_selector: false,
            supported: Supported::default(),
            max_depth: DEFAULT_MAX_DEPTH,
            max_user_data: 1 << 20,
        }
    }
}

/// Which end of the presentation connection this entity is (X.226 §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sends the CP-type.
    Initiator,
    /// Receives the CP-type.
    Responder,
}

/// State of the presentation connection (after X.226 Annex A: STAI0, STAI1, STAI2, STAt0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// No connection (STAI0).
    Idle,
    /// Initiator: CP-type sent, awaiting CPA or CPR (STAI1).
    AwaitingConnectConfirm,
    /// Responder: a valid CP-type was received, awaiting the local accept or refuse (STAI2).
    AwaitingConnectResponse,
    /// Responder: an invalid CP-type was received; only [`Presentation::refuse`] is allowed.
    MustRefuse,
    /// Connection established, data transfer (STAt0).
    Connected,
    /// Refused, aborted or released.
    Closed,
}

/// What [`Presentation::handle_connect`] hands to the presentation user (P-CONNECT
/// indication, X.226 §6.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectIndication<'a> {
    /// calling-presentation-selector.
    pub calling_selector: Option<&'a [u8]>,
    /// called-presentation-selector.
    pub called_selector: Option<&'a [u8]>,
    /// The negotiation result of each proposed context, in order.
    pub results: Vec<ContextResult<'static>>,
    /// The user data (e.g. the AARQ), every PDV on an accepted context.
    pub user_data: FullyEncoded<'a>,
}

/// What [`Presentation::handle_accept`] hands to the presentation user (P-CONNECT confirm,
/// X.226 §6.2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted<'a> {
    /// responding-presentation-selector.
    pub responding_selector: Option<&'a [u8]>,
    /// The result of each proposed context, in order.
    pub results: Vec<ContextResult<'a>>,
    /// The user data (e.g. the AARE), every PDV on an accepted context.
    pub user_data: FullyEncoded<'a>,
}

/// A presentation connection endpoint (X.226 protocol machine, kernel functional unit).
#[derive(Debug, Clone)]
pub struct Presentation {
    role: Role,
    config: Config,
    state: State,
    proposed: Vec<(u32, Oid<'static>)>,
    results: Vec<ContextResult<'static>>,
    contexts: ContextSet,
}

impl Presentation {
    /// A presentation entity in state [`State::Idle`].
    pub fn new(role: Role, config: Config) -> Self {
        Presentation {
            role,
            config,
            state: State::Idle,
            proposed: Vec::new(),
            results: Vec::new(),
            contexts: ContextSet::default(),
        }
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The defined context set (empty before the connection is established).
    pub fn contexts(&self) -> &ContextSet {
        &self.contexts
    }

    /// The context results negotiated (responder) or received (initiator).
    pub fn results(&self) -> &[ContextResult<'static>] {
        &self.results
    }

    fn wrong_state(&self, operation: &'static str) -> PresentationError {
        PresentationError::WrongState {
            operation,
            state: self.state,
        }
    }

    fn check_len(&self, b: &[u8]) -> Result<(), PresentationError> {
        if b.len() > self.config.max_user_data {
            return Err(PresentationError::UserDataTooLarge {
                len: b.len(),
                max: self.config.max_user_data,
            });
        }
        Ok(())
    }

    /// Initiator (X.226 §6.2.2.1): encodes a CP-type into `w` proposing `contexts`
    /// (identifier, abstract syntax; transfer syntax BER), with user data one PDV on context
    /// `user_data.0` holding the single ASN.1 value `user_data.1` (e.g. the AARQ).
    ///
    /// Identifiers must be odd (X.226 §6.2.2.6), distinct, at most [`MAX_CONTEXTS`], and
    /// `user_data.0` must be one of them.
    pub fn connect(
        &mut self,
        contexts: &[(u32, Oid<'_>)],
        user_data: (u32, &[u8]),
        w: &mut Writer,
    ) -> Result<(), PresentationError> {
        if self.role != Role::Initiator || self.state != State::Idle {
            return Err(self.wrong_state("connect"));
        }
        if contexts.is_empty() || contexts.len() > MAX_CONTEXTS {
            return Err(PresentationError::InvalidLocalParameter(
                "number of presentation contexts",
            ));
        }
        for (i, (id, _)) in contexts.iter().enumerate() {
            if id % 2 == 0 {
                return Err(PresentationError::InvalidLocalParameter(
                    "initiator context identifiers must be odd",
                ));
            }
            if contexts
                .get(..i)
                .is_some_and(|b| b.iter().any(|(o, _)| o == id))
            {
                return Err(PresentationError::InvalidLocalParameter(
                    "duplicate presentation context identifier",
                ));
            }
        }
        if !contexts.iter().any(|(id, _)| *id == user_data.0) {
            return Err(PresentationError::InvalidLocalParameter(
                "user data context is not proposed",
            ));
        }
        let cp = ConnectPpdu {
            mode: Mode::Normal,
            calling_selector: non_empty(&self.config.local_selector),
            called_selector: non_empty(&self.config.remote_selector),
            context_definitions: contexts
                .iter()
                .map(|(id, a)| ContextDefinition {
                    id: *id,
                    abstract_syntax: a.clone(),
                    transfer_syntaxes: vec![BER],
                })
                .collect(),
            user_data: Some(UserData::Fully(FullyEncoded::single(
                user_data.0,
                user_data.1,
            ))),
            ..ConnectPpdu::default()
        };
        cp.encode(w);
        self.proposed = contexts.iter().map(|(i, o)| (*i, o.to_owned())).collect();
        self.state = State::AwaitingConnectConfirm;
        Ok(())
    }

    /// Initiator (X.226 §6.2.3): handles the CPA-PPDU received in the session ACCEPT user
    /// data. Checks one result per proposed context, BER for accepted ones, the responding
    /// selector (if configured) and that the user data PDVs use accepted contexts; then the
    /// connection is established. Errors carry the ARP to send.
    pub fn handle_accept<'a>(&mut self, b: &'a [u8]) -> Result<Accepted<'a>, PresentationError> {
        if self.role != Role::Initiator || self.state != State::AwaitingConnectConfirm {
            return Err(PresentationError::UnexpectedPpdu {
                ppdu: "CPA-PPDU",
                state: self.state,
            });
        }
        let r = self.accept_inner(b);
        self.state = if r.is_ok() {
            State::Connected
        } else {
            State::Closed
        };
        r
    }

    fn accept_inner<'a>(&mut self, b: &'a [u8]) -> Result<Accepted<'a>, PresentationError> {
        const PPDU: &str = "CPA-PPDU";
        self.check_len(b)?;
        let cpa: AcceptPpdu<'a> = parse_accept_with_depth(b, self.config.max_depth)?;
        if !version_has_v1(&cpa.protocol_version) {
            return Err(PresentationError::InvalidParameterValue {
                ppdu: PPDU,
                parameter: "protocol-version",
            });
        }
        if self.config.check_selector {
            if let Some(sel) = cpa.responding_selector {
                if sel != self.config.remote_selector.as_slice() {
                    return Err(PresentationError::RespondingSelectorMismatch);
                }
            }
        }
        if cpa.context_results.len() != self.proposed.len() {
            return Err(PresentationError::ResultCountMismatch {
                proposed: self.proposed.len(),
                received: cpa.context_results.len(),
            });
        }
        for r in &cpa.context_results {
            if r.result == ResultKind::Acceptance {
                if let Some(ts) = &r.transfer_syntax {
                    if ts.as_bytes() != BER.as_bytes() {
                        return Err(PresentationError::InvalidParameterValue {
                            ppdu: PPDU,
                            parameter: "transfer-syntax-name",
                        });
                    }
                }
            }
        }
        let contexts = ContextSet::from_results(&self.proposed, &cpa.context_results);
        let user_data = match cpa.user_data {
            None => {
                return Err(PresentationError::MissingParameter {
                    ppdu: PPDU,
                    parameter: "user-data",
                })
            }
            Some(UserData::Simple(_)) => return Err(PresentationError::SimplyEncodedData),
            Some(UserData::Fully(f)) => f,
        };
        check_pdvs(&user_data, &contexts)?;
        self.results = cpa
            .context_results
            .iter()
            .map(|r| r.clone().into_owned())
            .collect();
        self.contexts = contexts;
        Ok(Accepted {
            responding_selector: cpa.responding_selector,
            results: cpa.context_results,
            user_data,
        })
    }

    /// Initiator (X.226 §6.2.4): handles the CPR-PPDU received in the session REFUSE user
    /// data; the connection is closed.
    pub fn handle_refuse<'a>(&mut self, b: &'a [u8]) -> Result<RefusePpdu<'a>, PresentationError> {
        if self.role != Role::Initiator || self.state != State::AwaitingConnectConfirm {
            return Err(PresentationError::UnexpectedPpdu {
                ppdu: "CPR-PPDU",
                state: self.state,
            });
        }
        self.state = State::Closed;
        self.check_len(b)?;
        parse_refuse_with_depth(b, self.config.max_depth)
    }

    /// Responder (X.226 §6.2.2.2): handles a CP-type received in the session CONNECT user
    /// data and negotiates its contexts. Refuses (the error's [`PresentationError::response`]
    /// is the CPR to send, see [`Presentation::refuse`]) X.410-1984 mode, a protocol version
    /// without version-1, a wrong called selector (if checked), a default context, repeated
    /// context identifiers, a missing user data and user data on a context not accepted.
    pub fn handle_connect<'a>(
        &mut self,
        b: &'a [u8],
    ) -> Result<ConnectIndication<'a>, PresentationError> {
        if self.role != Role::Responder || self.state != State::Idle {
            return Err(PresentationError::UnexpectedPpdu {
                ppdu: "CP-type",
                state: self.state,
            });
        }
        self.state = State::MustRefuse;
        let ind = self.connect_inner(b)?;
        self.state = State::AwaitingConnectResponse;
        Ok(ind)
    }

    fn connect_inner<'a>(
        &mut self,
        b: &'a [u8],
    ) -> Result<ConnectIndication<'a>, PresentationError> {
        if let Err(e) = self.check_len(b) {
            return Err(PresentationError::InvalidConnect(Box::new(e)));
        }
        let cp = parse_connect_with_depth(b, self.config.max_depth)
            .map_err(|e| PresentationError::InvalidConnect(Box::new(e)))?;
        if cp.mode != Mode::Normal {
            return Err(PresentationError::X410ModeNotSupported);
        }
        if !version_has_v1(&cp.protocol_version) {
            return Err(PresentationError::ProtocolVersionNotSupported);
        }
        if self.config.check_selector
            && cp.called_selector.unwrap_or(&[]) != self.config.local_selector.as_slice()
        {
            return Err(PresentationError::CalledSelectorUnknown);
        }
        if cp.default_context.is_some() {
            return Err(PresentationError::DefaultContextNotSupported);
        }
        for (i, cd) in cp.context_definitions.iter().enumerate() {
            let before = cp.context_definitions.get(..i).unwrap_or(&[]);
            if before.iter().any(|p| p.id == cd.id) {
                return Err(PresentationError::DuplicateContextId(cd.id));
            }
        }
        let results = negotiate(&cp.context_definitions, &self.config.supported);
        let proposed: Vec<(u32, Oid<'static>)> = cp
            .context_definitions
            .iter()
            .map(|cd| (cd.id, cd.abstract_syntax.to_owned()))
            .collect();
        let contexts = ContextSet::from_results(&proposed, &results);
        self.proposed = proposed;
        self.results = results;
        let user_data = match cp.user_data {
            None => return Err(PresentationError::MissingUserData),
            Some(UserData::Simple(_)) => {
                return Err(PresentationError::UserDataNotReadable { context_id: None })
            }
            Some(UserData::Fully(f)) => f,
        };
        if user_data.is_empty() {
            return Err(PresentationError::UserDataNotReadable { context_id: None });
        }
        check_pdvs(&user_data, &contexts).map_err(|e| match e {
            PresentationError::UndefinedContext { context_id }
            | PresentationError::UnexpectedTransferSyntax { context_id } => {
                PresentationError::UserDataNotReadable {
                    context_id: Some(context_id),
                }
            }
            other => PresentationError::InvalidConnect(Box::new(other)),
        })?;
        self.contexts = contexts;
        Ok(ConnectIndication {
            calling_selector: cp.calling_selector,
            called_selector: cp.called_selector,
            results: self.results.clone(),
            user_data,
        })
    }

    /// Responder (X.226 §6.2.3): encodes the CPA-PPDU into `w`, with the results computed by
    /// [`Presentation::handle_connect`] in order, and user data one PDV on context
    /// `user_data.0` holding `user_data.1` (e.g. the AARE). The connection is established.
    pub fn accept(
        &mut self,
        user_data: (u32, &[u8]),
        w: &mut Writer,
    ) -> Result<(), PresentationError> {
        if self.role != Role::Responder || self.state != State::AwaitingConnectResponse {
            return Err(self.wrong_state("accept"));
        }
        if !self.contexts.is_accepted(user_data.0) {
            return Err(PresentationError::ContextNotAccepted(user_data.0));
        }
        AcceptPpdu {
            responding_selector: non_empty(&self.config.local_selector),
            context_results: self.results.clone(),
            user_data: Some(UserData::Fully(FullyEncoded::single(
                user_data.0,
                user_data.1,
            ))),
            ..AcceptPpdu::default()
        }
        .encode(w);
        self.state = State::Connected;
        Ok(())
    }

    /// Responder (X.226 §6.2.4): encodes a CPR-PPDU into `w` and closes. `reason` is the
    /// provider reason (use the one from the error's [`PresentationError::response`]); `None`
    /// for a refusal by the presentation user, whose `user_data` (context, value; e.g. an AARE
    /// rejecting the association) must then be on an accepted context. The context results
    /// are included when the CP-type got as far as negotiation.
    pub fn refuse(
        &mut self,
        reason: Option<RefuseReason>,
        user_data: Option<(u32, &[u8])>,
        w: &mut Writer,
    ) -> Result<(), PresentationError> {
        if self.role != Role::Responder
            || !matches!(
                self.state,
                State::AwaitingConnectResponse | State::MustRefuse
            )
        {
            return Err(self.wrong_state("refuse"));
        }
        if let Some((ctx, _)) = user_data {
            if !self
                .proposed
                .iter()
                .zip(&self.results)
                .any(|((id, _), r)| *id == ctx && r.result == ResultKind::Acceptance)
            {
                return Err(PresentationError::ContextNotAccepted(ctx));
            }
        }
        RefusePpdu {
            responding_selector: non_empty(&self.config.local_selector),
            context_results: (!self.results.is_empty()).then(|| self.results.clone()),
            provider_reason: reason,
            user_data: user_data.map(|(c, v)| UserData::Fully(FullyEncoded::single(c, v))),
            ..RefusePpdu::default()
        }
        .encode(w);
        self.state = State::Closed;
        self.contexts = ContextSet::default();
        Ok(())
    }

    /// Data phase (X.226 §6.6, TD PPDU): checks that `context_id` is in the defined context
    /// set and writes the header `61 L 30 L 02 01 <id> A0 L` for one single-ASN1-type value
    /// of `value_len` octets into `out` (see [`encode_data_header`]); returns its length.
    pub fn data_header(
        &self,
        context_id: u32,
        value_len: usize,
        out: &mut [u8; DATA_HEADER_MAX],
    ) -> Result<usize, PresentationError> {
        if self.state != State::Connected {
            return Err(self.wrong_state("data_header"));
        }
        if !self.contexts.is_accepted(context_id) {
            return Err(PresentationError::ContextNotAccepted(context_id));
        }
        if value_len > DATA_VALUE_MAX {
            return Err(PresentationError::InvalidLocalParameter("value too long"));
        }
        Ok(encode_data_header(context_id, value_len, out))
    }

    /// Data phase receive (X.226 §6.6, TD PPDU; also the user data of S-RELEASE): parses
    /// fully-encoded user data and checks that there is at least one PDV, that every PDV's
    /// context is in the defined context set and that a PDV naming a transfer syntax names
    /// BER (the only one agreed; naming it is tolerated). Errors carry the ARP to send.
    /// Allocates nothing.
    pub fn handle_data<'a>(&self, b: &'a [u8]) -> Result<FullyEncoded<'a>, PresentationError> {
        if self.state != State::Connected {
            return Err(PresentationError::UnexpectedPpdu {
                ppdu: "TD-PPDU",
                state: self.state,
            });
        }
        self.check_len(b)?;
        let f = match parse_user_data_with_depth(b, self.config.max_depth)? {
            UserData::Simple(_) => return Err(PresentationError::SimplyEncodedData),
            UserData::Fully(f) => f,
        };
        if f.is_empty() {
            return Err(PresentationError::EmptyUserData);
        }
        check_pdvs(&f, &self.contexts)?;
        Ok(f)
    }

    /// Release (X.226 §6.3, user data of S-RELEASE): encodes fully-encoded user data with
    /// one PDV (`context_id`, `value`, e.g. an RLRQ/RLRE) into `w`.
    pub fn encode_user_data(
        &self,
        context_id: u32,
        value: &[u8],
        w: &mut Writer,
    ) -> Result<(), PresentationError> {
        if self.state != State::Connected {
            return Err(self.wrong_state("encode_user_data"));
        }
        if !self.contexts.is_accepted(context_id) {
            return Err(PresentationError::ContextNotAccepted(context_id));
        }
        encode_single_pdv(w, context_id, value);
        Ok(())
    }

    /// User abort (X.226 §6.4.1): encodes an ARU-PPDU (normal mode) into `w`, with user data
    /// one PDV (context, value; e.g. an ACSE ABRT) if given.
    pub fn user_abort(&self, user_data: Option<(u32, &[u8])>, w: &mut Writer) {
        AbortPpdu::User {
            context_ids: None,
            user_data: user_data.map(|(c, v)| UserData::Fully(FullyEncoded::single(c, v))),
        }
        .encode(w);
    }

    /// Provider abort (X.226 §6.4.2): encodes an ARP-PPDU with `reason` into `w`.
    pub fn provider_abort(reason: AbortReason, w: &mut Writer) {
        AbortPpdu::Provider {
            reason: Some(reason),
            event: None,
        }
        .encode(w);
    }

    /// Abort received (X.226 §6.4, user data of S-U-ABORT): parses the ARU/ARP; the
    /// connection is closed whatever the outcome.
    pub fn handle_abort<'a>(&mut self, b: &'a [u8]) -> Result<AbortPpdu<'a>, PresentationError> {
        self.state = State::Closed;
        self.contexts = ContextSet::default();
        self.check_len(b)?;
        parse_abort_with_depth(b, self.config.max_depth)
    }

    /// Marks the connection released (X.226 §6.3, after S-RELEASE completed) or aborted
    /// locally.
    pub fn close(&mut self) {
        self.state = State::Closed;
        self.contexts = ContextSet::default();
    }
}

fn non_empty(v: &[u8]) -> Option<&[u8]> {
    (!v.is_empty()).then_some(v)
}

/// Every PDV is well formed, on a context of `contexts`, and names no transfer syntax but BER.
fn check_pdvs(f: &FullyEncoded<'_>, contexts: &ContextSet) -> Result<(), PresentationError> {
    for pdv in f.pdvs() {
        let pdv = pdv?;
        if !contexts.is_accepted(pdv.context_id) {
            return Err(PresentationError::UndefinedContext {
                context_id: pdv.context_id,
            });
        }
        if let Some(ts) = &pdv.transfer_syntax {
            if ts.as_bytes() != BER.as_bytes() {
                return Err(PresentationError::UnexpectedTransferSyntax {
                    context_id: pdv.context_id,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{ACSE_AS, MMS_AS};
    use crate::error::Response;
    use crate::ppdu::{parse_abort, parse_refuse, PdvValue};
    use crate::vectors;

    fn pair() -> (Presentation, Presentation) {
        let cfg = Config {
            check_selector: true,
            ..Config::default()
        };
        (
            Presentation::new(Role::Initiator, cfg.clone()),
            Presentation::new(Role::Responder, cfg),
        )
    }

    fn connected() -> (Presentation, Presentation) {
        let (mut i, mut r) = pair();
        let mut w = Writer::new();
        i.connect(&[(1, ACSE_AS), (3, MMS_AS)], (1, vectors::AARQ), &mut w)
            .unwrap();
        r.handle_connect(w.as_slice()).unwrap();
        let mut w2 = Writer::new();
        r.accept((1, vectors::AARE), &mut w2).unwrap();
        i.handle_accept(w2.as_slice()).unwrap();
        (i, r)
    }

    #[test]
    fn connect_produces_the_tshark_checked_cp_and_cpa() {
        let (mut i, mut r) = pair();
        let mut w = Writer::new();
        i.connect(&[(1, ACSE_AS), (3, MMS_AS)], (1, vectors::AARQ), &mut w)
            .unwrap();
        assert_eq!(w.as_slice(), vectors::CP);
        assert_eq!(i.state(), State::AwaitingConnectConfirm);
        let ind = r.handle_connect(vectors::CP).unwrap();
        assert_eq!(ind.called_selector, Some(&[0u8, 0, 0, 1][..]));
        assert_eq!(ind.results.len(), 2);
        assert_eq!(
            ind.user_data.single_pdv().unwrap().value,
            PdvValue::SingleAsn1Type(vectors::AARQ)
        );
        let mut w2 = Writer::new();
        r.accept((1, vectors::AARE), &mut w2).unwrap();
        assert_eq!(w2.as_slice(), vectors::CPA2);
        let acc = i.handle_accept(vectors::CPA2).unwrap();
        assert_eq!(
            acc.user_data.single_pdv().unwrap().value,
            PdvValue::SingleAsn1Type(vectors::AARE)
        );
        assert_eq!(i.state(), State::Connected);
        assert_eq!(r.state(), State::Connected);
        assert_eq!(i.contexts().id_of(&MMS_AS), Some(3));
        assert_eq!(r.contexts(), i.contexts());
    }

    #[test]
    fn three_contexts_one_unknown_gives_three_results() {
        let (mut i, mut r) = pair();
        let auth = crate::ber::oid_from_str("1.0.840.0.1.1.4.1").unwrap();
        let mut w = Writer::new();
        i.connect(
            &[(1, ACSE_AS), (3, MMS_AS), (5, auth)],
            (1, vectors::AARQ),
            &mut w,
        )
        .unwrap();
        r.handle_connect(w.as_slice()).unwrap();
        let mut w2 = Writer::new();
        r.accept((1, vectors::AARE), &mut w2).unwrap();
        assert_eq!(w2.as_slice(), vectors::CPA3);
        let acc = i.handle_accept(w2.as_slice()).unwrap();
        assert_eq!(acc.results.len(), 3);
        assert!(!i.contexts().is_accepted(5));
    }

    #[test]
    fn data_round_trip_and_header() {
        let (i, r) = connected();
        let mut out = [0u8; DATA_HEADER_MAX];
        let n = i
            .data_header(3, vectors::MMS_IDENTIFY.len(), &mut out)
            .unwrap();
        let mut frame = out[..n].to_vec();
        frame.extend_from_slice(vectors::MMS_IDENTIFY);
        assert_eq!(frame, vectors::DATA);
        let f = r.handle_data(&frame).unwrap();
        assert_eq!(
            f.single_pdv().unwrap().value,
            PdvValue::SingleAsn1Type(vectors::MMS_IDENTIFY)
        );
        assert_eq!(
            i.data_header(5, 1, &mut out),
            Err(PresentationError::ContextNotAccepted(5))
        );
    }

    #[test]
    fn data_on_an_unaccepted_context_is_aborted() {
        let (_, r) = connected();
        let mut w = Writer::new();
        encode_single_pdv(&mut w, 7, vectors::MMS_IDENTIFY);
        let e = r.handle_data(w.as_slice()).unwrap_err();
        assert_eq!(e, PresentationError::UndefinedContext { context_id: 7 });
        assert_eq!(
            e.response(),
            Some(Response::Arp(AbortReason::InvalidPpduParameterValue))
        );
        let mut arp = Writer::new();
        assert!(e.encode_response(&mut arp));
        assert_eq!(arp.as_slice(), &[0x30, 0x03, 0x80, 0x01, 0x06]);
    }

    #[test]
    fn data_errors_carry_arp() {
        let (_, r) = connected();
        // Zero PDVs.
        assert_eq!(
            r.handle_data(&[0x61, 0x00]),
            Err(PresentationError::EmptyUserData)
        );
        // Simply encoded.
        let e = r.handle_data(&[0x40, 0x00]).unwrap_err();
        assert_eq!(
            e.response(),
            Some(Response::Arp(AbortReason::UnexpectedPpduParameter))
        );
        // A transfer syntax other than BER; BER itself is tolerated.
        let mut w = Writer::new();
        crate::ppdu::Pdv {
            transfer_syntax: Some(MMS_AS),
            context_id: 3,
            value: PdvValue::SingleAsn1Type(vectors::MMS_IDENTIFY),
        }
        .encode(&mut w);
        w.wrap(0, crate::ber::Tag::application(1, true));
        assert_eq!(
            r.handle_data(w.as_slice()),
            Err(PresentationError::UnexpectedTransferSyntax { context_id: 3 })
        );
        let mut w = Writer::new();
        crate::ppdu::Pdv {
            transfer_syntax: Some(BER),
            context_id: 3,
            value: PdvValue::SingleAsn1Type(vectors::MMS_IDENTIFY),
        }
        .encode(&mut w);
        w.wrap(0, crate::ber::Tag::application(1, true));
        assert!(r.handle_data(w.as_slice()).is_ok());
        // Garbage.
        let e = r.handle_data(&[0x05, 0x00]).unwrap_err();
        assert_eq!(
            e.response(),
            Some(Response::Arp(AbortReason::UnrecognizedPpdu))
        );
    }

    #[test]
    fn user_data_above_the_limit_is_refused() {
        let cfg = Config {
            max_user_data: 16,
            ..Config::default()
        };
        let mut r = Presentation::new(Role::Responder, cfg);
        let e = r.handle_connect(vectors::CP).unwrap_err();
        assert_eq!(
            e.response(),
            Some(Response::Cpr(Some(RefuseReason::LocalLimitExceeded)))
        );
        let (_, mut r) = connected();
        r.config.max_user_data = 8;
        assert!(matches!(
            r.handle_data(vectors::DATA),
            Err(PresentationError::UserDataTooLarge { len: 16, max: 8 })
        ));
    }

    #[test]
    fn data_before_connection_is_an_unexpected_ppdu() {
        let (i, _) = pair();
        let e = i.handle_data(vectors::DATA).unwrap_err();
        assert_eq!(
            e.response(),
            Some(Response::Arp(AbortReason::UnexpectedPpdu))
        );
        let (mut i, _) = pair();
        assert!(matches!(
            i.handle_accept(vectors::CPA2),
            Err(PresentationError::UnexpectedPpdu { .. })
        ));
        let (mut i, mut r) = connected();
        assert!(matches!(
            r.handle_connect(vectors::CP),
            Err(PresentationError::UnexpectedPpdu { .. })
        ));
        assert!(i.handle_refuse(vectors::CPR).is_err());
    }

    fn refused_with(cp: &ConnectPpdu<'_>, cfg: Config) -> (PresentationError, RefusePpdu<'static>) {
        let mut w = Writer::new();
        cp.encode(&mut w);
        let mut r = Presentation::new(Role::Responder, cfg);
        let e = r.handle_connect(w.as_slice()).unwrap_err();
        assert_eq!(r.state(), State::MustRefuse);
        let mut out = Writer::new();
        let reason = match e.response() {
            Some(Response::Cpr(reason)) => reason,
            other => panic!("expected a CPR, got {other:?}"),
        };
        r.refuse(reason, None, &mut out).unwrap();
        assert_eq!(r.state(), State::Closed);
        let bytes: &'static [u8] = Box::leak(out.into_vec().into_boxed_slice());
        (e, parse_refuse(bytes).unwrap())
    }

    fn good_cp() -> ConnectPpdu<'static> {
        crate::ppdu::parse_connect(vectors::CP).unwrap()
    }

    #[test]
    fn x410_mode_is_refused() {
        let cp = ConnectPpdu {
            mode: Mode::X410_1984,
            ..ConnectPpdu::default()
        };
        let (e, cpr) = refused_with(&cp, Config::default());
        assert_eq!(e, PresentationError::X410ModeNotSupported);
        assert_eq!(cpr.provider_reason, Some(RefuseReason::ReasonNotSpecified));
    }

    #[test]
    fn default_context_is_refused() {
        let cp = ConnectPpdu {
            default_context: Some(crate::ppdu::DefaultContextName {
                abstract_syntax: MMS_AS,
                transfer_syntax: BER,
            }),
            ..good_cp()
        };
        let (e, cpr) = refused_with(&cp, Config::default());
        assert_eq!(e, PresentationError::DefaultContextNotSupported);
        assert_eq!(
            cpr.provider_reason,
            Some(RefuseReason::DefaultContextNotSupported)
        );
    }

    #[test]
    fn bad_called_selector_version_and_missing_user_data_are_refused() {
        let cfg = Config {
            check_selector: true,
            local_selector: vec![9],
            ..Config::default()
        };
        let (e, cpr) = refused_with(&good_cp(), cfg);
        assert_eq!(e, PresentationError::CalledSelectorUnknown);
        assert_eq!(
            cpr.provider_reason,
            Some(RefuseReason::CalledPresentationAddressUnknown)
        );
        let cp = ConnectPpdu {
            protocol_version: Some(crate::ber::BitString {
                unused: 6,
                bits: &[0x40],
            }),
            ..good_cp()
        };
        let (e, cpr) = refused_with(&cp, Config::default());
        assert_eq!(e, PresentationError::ProtocolVersionNotSupported);
        assert_eq!(
            cpr.provider_reason,
            Some(RefuseReason::ProtocolVersionNotSupported)
        );
        let cp = ConnectPpdu {
            user_data: None,
            ..good_cp()
        };
        let (e, cpr) = refused_with(&cp, Config::default());
        assert_eq!(e, PresentationError::MissingUserData);
        assert_eq!(cpr.context_results.map(|r| r.len()), Some(2));
    }

    #[test]
    fn duplicate_ids_and_user_data_on_rejected_context_are_refused() {
        let mut cp = good_cp();
        cp.context_definitions[1].id = 1;
        let (e, _) = refused_with(&cp, Config::default());
        assert_eq!(e, PresentationError::DuplicateContextId(1));
        let mut cp = good_cp();
        cp.context_definitions[0].abstract_syntax = crate::ber::oid_from_str("1.2.3").unwrap();
        let (e, cpr) = refused_with(&cp, Config::default());
        assert_eq!(
            e,
            PresentationError::UserDataNotReadable {
                context_id: Some(1)
            }
        );
        assert_eq!(cpr.provider_reason, Some(RefuseReason::UserDataNotReadable));
        let results = cpr.context_results.unwrap();
        assert_eq!(results[0].result, ResultKind::ProviderRejection);
        assert_eq!(results[1].result, ResultKind::Acceptance);
    }

    #[test]
    fn malformed_cp_is_refused() {
        let mut r = Presentation::new(Role::Responder, Config::default());
        let e = r.handle_connect(&vectors::CP[..40]).unwrap_err();
        assert!(matches!(e, PresentationError::InvalidConnect(_)));
        assert_eq!(
            e.response(),
            Some(Response::Cpr(Some(RefuseReason::ReasonNotSpecified)))
        );
        let mut w = Writer::new();
        assert!(r.accept((1, b"x"), &mut w).is_err());
        r.refuse(Some(RefuseReason::ReasonNotSpecified), None, &mut w)
            .unwrap();
        assert_eq!(
            w.as_slice(),
            &[0x30, 0x09, 0x83, 0x04, 0, 0, 0, 1, 0x8A, 0x01, 0x00]
        );
    }

    #[test]
    fn user_refusal_carries_user_data_and_results() {
        let (mut i, mut r) = pair();
        let mut w = Writer::new();
        i.connect(&[(1, ACSE_AS), (3, MMS_AS)], (1, vectors::AARQ), &mut w)
            .unwrap();
        r.handle_connect(w.as_slice()).unwrap();
        let mut out = Writer::new();
        r.refuse(None, Some((1, vectors::AARE)), &mut out).unwrap();
        let cpr = i.handle_refuse(out.as_slice()).unwrap();
        assert_eq!(cpr.provider_reason, None);
        assert_eq!(cpr.context_results.unwrap().len(), 2);
        assert_eq!(
            cpr.user_data
                .unwrap()
                .fully()
                .unwrap()
                .single_pdv()
                .unwrap()
                .value,
            PdvValue::SingleAsn1Type(vectors::AARE)
        );
        assert_eq!(i.state(), State::Closed);
    }

    #[test]
    fn cpa_checks() {
        // Wrong number of results.
        let (mut i, _) = pair();
        let mut w = Writer::new();
        i.connect(&[(1, ACSE_AS), (3, MMS_AS)], (1, vectors::AARQ), &mut w)
            .unwrap();
        let e = i.handle_accept(vectors::CPA3).unwrap_err();
        assert_eq!(
            e,
            PresentationError::ResultCountMismatch {
                proposed: 2,
                received: 3
            }
        );
        assert_eq!(i.state(), State::Closed);
        // Responding selector mismatch when checked.
        let cfg = Config {
            check_selector: true,
            remote_selector: vec![1, 2],
            ..Config::default()
        };
        let mut i = Presentation::new(Role::Initiator, cfg);
        i.connect(&[(1, ACSE_AS), (3, MMS_AS)], (1, vectors::AARQ), &mut w)
            .unwrap();
        assert_eq!(
            i.handle_accept(vectors::CPA2),
            Err(PresentationError::RespondingSelectorMismatch)
        );
    }

    #[test]
    fn local_misuse_is_refused_without_response() {
        let (mut i, _) = pair();
        let mut w = Writer::new();
        for ctx in [
            &[(2, ACSE_AS)][..],
            &[(1, ACSE_AS), (1, MMS_AS)][..],
            &[][..],
            &[(3, MMS_AS)][..],
        ] {
            let e = i.connect(ctx, (1, b"\x05\x00"), &mut w).unwrap_err();
            assert_eq!(e.response(), None);
        }
        assert!(w.is_empty());
        let mut r = Presentation::new(Role::Responder, Config::default());
        assert!(r
            .connect(&[(1, ACSE_AS)], (1, b"\x05\x00"), &mut w)
            .is_err());
    }

    #[test]
    fn release_and_abort() {
        let (mut i, r) = connected();
        let mut w = Writer::new();
        i.encode_user_data(1, &[0x62, 0x03, 0x80, 0x01, 0x00], &mut w)
            .unwrap();
        assert!(r.handle_data(w.as_slice()).is_ok());
        assert!(i.encode_user_data(9, &[0x05, 0x00], &mut w).is_err());
        let mut w = Writer::new();
        i.user_abort(Some((1, &[0x64, 0x03, 0x80, 0x01, 0x00])), &mut w);
        assert_eq!(w.as_slice(), vectors::ARU);
        let mut r = r;
        assert!(matches!(
            r.handle_abort(w.as_slice()).unwrap(),
            AbortPpdu::User { .. }
        ));
        assert_eq!(r.state(), State::Closed);
        let mut w = Writer::new();
        Presentation::provider_abort(AbortReason::UnrecognizedPpdu, &mut w);
        assert_eq!(w.as_slice(), vectors::ARP);
        assert!(matches!(
            parse_abort(w.as_slice()).unwrap(),
            AbortPpdu::Provider { .. }
        ));
        i.close();
        assert!(i.contexts().is_empty());
    }
}

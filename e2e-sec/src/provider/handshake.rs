//! The handshake of IEC 62351-4 §13 (F-1111, F-1112) and the signed ClearToken3 PDUs (F-1114): building
//! HandshakeReq / HandshakeAcc / ApplicationReject / HandshakeSecReject / HandshakeSecAbort /
//! DtSecAbort / ApplAbort / ReleaseReq / ReleaseRsp, and judging what the peer sent with the
//! common ClearToken1 checks of F-1142 in the U-14 order. How these PDUs ride in the ACSE
//! APDUs is in `osi`.

use acse::security::{Role, SecurityError};
use copp::ber::Oid;

use super::transfer::{self, Rekey, Transfer};
use super::{Accepting, Binding, E2eProvider, Established, Fail, Initiating, Store, Syntax};
use crate::certs::{check_certificate, subject_object_identifier, PeerCertificate};
use crate::config::E2eMode;
use crate::crypto::{self, CryptoError, DhGroup, Ephemeral};
use crate::events::{Check, Group};
use crate::pdu::{
    self, AlgorithmIdentifier, ClearToken1, ClearToken3, ConfParams, DiffieHellmanSet, EncrMode,
    HandshakeDiagnostic, Kind, SecPdu, Signature, Signed3,
};
use crate::replay::ReplayVerdict;
use crate::time::TimeStamp;

/// A local cryptographic failure while building a PDU.
pub(super) fn crypto_err(operation: &'static str) -> impl Fn(CryptoError) -> SecurityError {
    move |e| SecurityError::crypto(operation, e)
}

/// True when the assoID a received ClearToken3 names belongs to this association (`ours`,
/// empty while unknown): the same, or — while one side has only the client's part (a reject
/// or abort during the handshake) — the same client part. An absent assoID binds only while
/// the handshake has not completed on our side (the sender may not know it yet).
pub(super) fn asso_id_binds(received: Option<&str>, ours: &str) -> bool {
    if ours.is_empty() {
        return true;
    }
    let client_part = |a: &str| a.split(':').next().unwrap_or("").to_owned();
    match received {
        None => !ours.contains(':'),
        Some(r) => {
            r == ours
                || ((!r.contains(':') || !ours.contains(':'))
                    && client_part(r) == client_part(ours))
        }
    }
}

fn alg_in(list: &[AlgorithmIdentifier<'_>], o: &Oid<'_>) -> bool {
    list.iter().any(|a| a.algorithm.as_bytes() == o.as_bytes())
}

/// The one algorithm of a selection list, if it holds exactly one.
fn single<'l, 'a>(list: &'l [AlgorithmIdentifier<'a>]) -> Option<&'l AlgorithmIdentifier<'a>> {
    match list {
        [one] => Some(one),
        _ => None,
    }
}

impl E2eProvider {
    // -------------------------------------------------------------------------------------
    // Signing and the ClearToken3 PDUs (§13; F-1113, F-1114, F-1135).
    // -------------------------------------------------------------------------------------

    fn sign(&self, tbs_tlv: &[u8]) -> Result<Vec<u8>, SecurityError> {
        crypto::sign(
            &self.shared.config.credential.key,
            crypto::signed_octets(self.contents(tbs_tlv)),
        )
        .map_err(crypto_err("signing a SecPDU"))
    }

    /// A signed ClearToken3 PDU of `kind` (release, reject, abort) with the protected
    /// protocol's data and a diagnostic.
    pub(super) fn signed3(
        &self,
        kind: Kind,
        appl_data: Option<&[u8]>,
        diag: Option<u32>,
    ) -> Result<Vec<u8>, SecurityError> {
        let sh = &self.shared;
        let path: Vec<&[u8]> = sh.chain_der.iter().map(Vec::as_slice).collect();
        let asso_id = self.phase.asso_id();
        let token3 = ClearToken3 {
            sig_alg: crypto::signature_algorithm_id(&sh.sig_alg),
            version_v1: true,
            asso_id: if asso_id.is_empty() {
                None
            } else {
                Some(asso_id)
            },
            time: TimeStamp::from_system_seconds(self.now()),
            pk_cert: &sh.cert_der,
            cert_path: path,
        };
        let tbs = match self.syntax {
            Syntax::Ber => pdu::encode_tbs3(&token3, appl_data, diag),
            #[cfg(feature = "xmpp")]
            Syntax::Xml => pdu::xml::encode_tbs3(&token3, appl_data, diag),
        };
        let s = self.sign(&tbs)?;
        let sig = Signature {
            algo: crypto::signature_algorithm_id(&sh.sig_alg),
            sign: &s,
        };
        Ok(match self.syntax {
            Syntax::Ber => pdu::encode_signed3(kind, &tbs, &sig),
            #[cfg(feature = "xmpp")]
            Syntax::Xml => pdu::xml::encode_signed3(kind, &tbs, &sig),
        })
    }

    /// A signed reject/abort PDU, or an empty vector if signing fails locally (the abort goes
    /// out without it; logged).
    pub(super) fn signed3_or_empty(
        &self,
        kind: Kind,
        appl: Option<&[u8]>,
        diag: Option<u32>,
    ) -> Vec<u8> {
        match self.signed3(kind, appl, diag) {
            Ok(v) => v,
            Err(e) => {
                log::warn!(target: acse::security::SECURITY_LOG_TARGET, "event=e2e-local-failure cannot sign {}: {e}", kind.name());
                Vec::new()
            }
        }
    }

    /// Verifies a ClearToken3 PDU from the peer in the U-14 order (§14.3.2: the signature
    /// before any signed content is judged): signature algorithm supported → signature with
    /// the handshake's key (or, before the handshake completed, the key of the certificate
    /// carried) → certificate = the handshake one (or a valid path) → version → sigAlg → time.
    pub(super) fn verify_signed3(&self, s: &Signed3<'_>, group: Group) -> Result<(), Fail> {
        let now = self.now();
        if !crypto::signature_supported(&s.signature.algo.algorithm) {
            return Err(Fail::hs(
                group,
                Check::SignatureAlgorithmNotSupported,
                HandshakeDiagnostic::InvalidSignatureAlgorithm,
                "signature algorithm not supported",
            ));
        }
        let carried;
        let key = match self.phase.peer() {
            Some(known) => &known.key,
            None => {
                carried = PeerCertificate::public_key(s.token3.pk_cert).map_err(|d| {
                    Fail::hs(
                        group,
                        Check::CertificateInvalid,
                        d,
                        "certificate does not parse or has no usable public key",
                    )
                })?;
                &carried
            }
        };
        let ok = crypto::verify(
            key,
            &s.signature.algo.algorithm,
            crypto::signed_octets(s.tbs_contents),
            s.signature.sign,
        )
        .unwrap_or(false);
        if !ok {
            return Err(Fail::hs(
                group,
                Check::InvalidSignature,
                HandshakeDiagnostic::NoReasonGiven,
                "signature does not verify",
            ));
        }
        match self.phase.peer() {
            Some(known) => {
                if !crypto::ct_eq(s.token3.pk_cert, &known.der) {
                    return Err(Fail::hs(
                        group,
                        Check::CertificateInvalid,
                        HandshakeDiagnostic::InvalidPublicKeyCertificate,
                        "certificate differs from the handshake's",
                    ));
                }
            }
            None => {
                check_certificate(
                    &self.shared.store,
                    s.token3.pk_cert,
                    &s.token3.cert_path,
                    now,
                )
                .map_err(|d| Fail::hs(group, Check::CertificateInvalid, d, "certificate"))?;
                self.check_key_usage(group, s.token3.pk_cert)?;
                self.check_revocation(group, s.token3.pk_cert, &s.token3.cert_path)?;
            }
        }
        if !s.token3.version_v1 {
            return Err(Fail::hs(
                group,
                Check::UnexpectedVersion,
                HandshakeDiagnostic::UnexpectedVersion,
                "v1 not set",
            ));
        }
        if s.signature.algo.algorithm != s.token3.sig_alg.algorithm {
            return Err(Fail::hs(
                group,
                Check::SignatureAlgorithmMismatch,
                HandshakeDiagnostic::InvalidSignatureAlgorithm,
                "signature algorithm differs from ClearToken3 sigAlg",
            ));
        }
        if s.token3.time.distance(now) > self.shared.config.time_window {
            return Err(Fail::hs(
                group,
                Check::InvalidTime,
                HandshakeDiagnostic::InvalidTimeValue,
                "time outside the window",
            ));
        }
        Ok(())
    }

    /// Judges a received ClearToken3 PDU of `kind` completely: [`Self::verify_signed3`], then
    /// its binding to this association (the assoID it names must be ours; ASSUMPTIONS.md
    /// U-05) and the replay memory (kind, assoID, time, certificate) shared by the factory's
    /// associations (IEC 62351-14 REPLAY_DETEC_* x.10 of groups 3-7, 12, 13).
    pub(super) fn judge_signed3(
        &self,
        s: &Signed3<'_>,
        group: Group,
        kind: Kind,
    ) -> Result<(), Fail> {
        self.verify_signed3(s, group)?;
        let ours = self.phase.asso_id();
        if !asso_id_binds(s.token3.asso_id, ours) {
            return Err(Fail::hs(
                group,
                Check::OtherAssociation,
                HandshakeDiagnostic::ProtocolError,
                format!(
                    "{} names assoID {} but this association is {}",
                    kind.name(),
                    s.token3.asso_id.unwrap_or("(absent)"),
                    if ours.is_empty() {
                        "(not yet known)"
                    } else {
                        ours
                    }
                ),
            ));
        }
        self.replay_check(
            group,
            kind,
            s.token3.asso_id.unwrap_or(""),
            s.token3.time,
            s.token3.pk_cert,
        )
    }

    /// The replay memory of the handshake and of the signed PDUs (F-1142 "duplicate (time,
    /// assoID) → replay"; ASSUMPTIONS.md U-05): key (kind, assoID, time, SHA-256 of the
    /// certificate), kept while the time could still pass the window; fails closed when full.
    fn replay_check(
        &self,
        group: Group,
        kind: Kind,
        asso_id: &str,
        time: TimeStamp,
        cert: &[u8],
    ) -> Result<(), Fail> {
        let cfg = &self.shared.config;
        let now = TimeStamp::millis_of(self.now());
        let window = i64::try_from(cfg.time_window.as_millis()).unwrap_or(i64::MAX / 4);
        let cert_hash = crypto::sha256(cert).unwrap_or([0; 32]);
        // The HandshakeReq keeps the bare assoID as its key (the client's part never has a
        // ':'); every other kind is prefixed with its name.
        let key = if kind == Kind::HandshakeReq {
            asso_id.to_owned()
        } else {
            format!("{}/{asso_id}", kind.name())
        };
        match self.shared.replay.check_and_insert(
            &key,
            time.0,
            cert_hash,
            now,
            time.0.saturating_add(window).saturating_add(window),
        ) {
            ReplayVerdict::Fresh => Ok(()),
            ReplayVerdict::Replay => Err(Fail::hs(
                group,
                Check::Replay,
                HandshakeDiagnostic::NoReasonGiven,
                format!(
                    "{} (assoID {}, time {}) seen before",
                    kind.name(),
                    if asso_id.is_empty() {
                        "(absent)"
                    } else {
                        asso_id
                    },
                    time.to_generalized()
                ),
            )),
            ReplayVerdict::Full => Err(Fail::hs(
                group,
                Check::ReplayCacheFull,
                HandshakeDiagnostic::NoReasonGiven,
                "replay cache full",
            )),
        }
    }

    // -------------------------------------------------------------------------------------
    // Handshake: building (F-1111, F-1112).
    // -------------------------------------------------------------------------------------

    fn token1<'a>(
        &'a self,
        asso_id: &'a str,
        dh_public: &'a [u8],
        group: DhGroup,
        encr_mode: EncrMode<'a>,
        path: Vec<&'a [u8]>,
    ) -> ClearToken1<'a> {
        // applProtected only when the mode offered (client) or selected (server) encrypts.
        let encrypts = match &encr_mode {
            EncrMode::Aea(_) | EncrMode::NonAea { encr: Some(_), .. } => true,
            EncrMode::NonAea { encr: None, .. } => false,
        };
        let sh = &self.shared;
        ClearToken1 {
            sig_alg: crypto::signature_algorithm_id(&sh.sig_alg),
            pk_cert: &sh.cert_der,
            cert_path: path,
            version_v1: true,
            asso_id,
            dh_key: DiffieHellmanSet {
                group: group.number(),
                public_key: dh_public,
            },
            hmac: AlgorithmIdentifier::new(crate::oids::HMAC_WITH_SHA256),
            time: TimeStamp::from_system_seconds(self.now()),
            encr_mode,
            conf_params: ConfParams {
                tls_protected: self.transport.tls,
                appl_protected: encrypts,
                vpn: sh.config.vpn,
            },
            att_cert: None,
        }
    }

    /// A signed HandshakeReq / HandshakeAcc and its `tbs` contents octets.
    fn build_handshake(
        &self,
        kind: Kind,
        token1: &ClearToken1<'_>,
        appl: Option<&[u8]>,
    ) -> Result<(Vec<u8>, Vec<u8>), SecurityError> {
        let pp = &self.shared.config.oids.protected_protocol;
        let tbs = match self.syntax {
            Syntax::Ber => pdu::encode_tbs_handshake(token1, appl),
            #[cfg(feature = "xmpp")]
            Syntax::Xml => pdu::xml::encode_tbs_handshake(token1, appl),
        };
        let s = self.sign(&tbs)?;
        let sig = Signature {
            algo: crypto::signature_algorithm_id(&self.shared.sig_alg),
            sign: &s,
        };
        let pdu = match self.syntax {
            Syntax::Ber => pdu::encode_handshake(kind, pp, &tbs, &sig),
            #[cfg(feature = "xmpp")]
            Syntax::Xml => pdu::xml::encode_handshake(kind, pp, &tbs, &sig),
        };
        Ok((pdu, self.contents(&tbs).to_vec()))
    }

    /// Initiator: the HandshakeReq carrying `appl` (the initiate-RequestPDU), and the state
    /// that judging the HandshakeAcc needs.
    pub(super) fn start_handshake(
        &self,
        appl: Option<&[u8]>,
    ) -> Result<(Vec<u8>, Box<Initiating>), SecurityError> {
        let cfg = &self.shared.config;
        let eph = Ephemeral::generate(cfg.dh_group).map_err(crypto_err("DH key generation"))?;
        let public = eph.public_value().map_err(crypto_err("DH public value"))?;
        // U-06: the factory's counter (random start), not a fresh random pick, so that two
        // associations within one second never repeat (assoID, time).
        let n = self
            .shared
            .next_asso_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let asso_id = format!("{}", n % 1000);
        let path: Vec<&[u8]> = self.shared.chain_der.iter().map(Vec::as_slice).collect();
        let token1 = self.token1(&asso_id, &public, cfg.dh_group, cfg.offer_encr_mode(), path);
        let (pdu, tbs_req) = self.build_handshake(Kind::HandshakeReq, &token1, appl)?;
        Ok((
            pdu,
            Box::new(Initiating {
                asso_id,
                eph,
                tbs_req,
            }),
        ))
    }

    /// Responder: the HandshakeAcc carrying `appl` (the initiate-ResponsePDU) for a judged
    /// HandshakeReq, and the data-phase keys (U-08) derived from the DH agreement and both
    /// `tbs`.
    pub(super) fn accept_handshake(
        &self,
        acc: &Accepting,
        appl: Option<&[u8]>,
    ) -> Result<(Vec<u8>, transfer::Keys, [u8; 32]), SecurityError> {
        let group = acc.eph.group();
        let public = acc
            .eph
            .public_value()
            .map_err(crypto_err("DH public value"))?;
        let path: Vec<&[u8]> = self.shared.chain_der.iter().map(Vec::as_slice).collect();
        let encr_mode = self.shared.config.encr_mode_of(acc.mode);
        let token1 = self.token1(&acc.asso_id, &public, group, encr_mode, path);
        let (pdu, tbs_acc) = self.build_handshake(Kind::HandshakeAcc, &token1, appl)?;
        let z = acc
            .eph
            .agree(&acc.client_public)
            .map_err(crypto_err("DH agreement"))?;
        let salt =
            crypto::handshake_salt(&acc.tbs_req, &tbs_acc).map_err(crypto_err("HKDF salt"))?;
        let keys = transfer::Keys::derive(
            acc.mode,
            Role::Responder,
            z.as_bytes(),
            &salt,
            self.shared.config.tag_len(),
        )
        .map_err(crypto_err("key derivation"))?;
        Ok((pdu, keys, salt))
    }

    // -------------------------------------------------------------------------------------
    // Handshake: judging (the common ClearToken1 checks of F-1142, in the U-14 order).
    // -------------------------------------------------------------------------------------

    fn judge_token1(
        &self,
        h: &pdu::Handshake<'_>,
        group: Group,
        bound: &Binding,
    ) -> Result<PeerCertificate, Fail> {
        use HandshakeDiagnostic as D;
        let cfg = &self.shared.config;
        let now = self.now();
        let t = &h.token1;
        // U-14 / §14.3.2: the signature is verified before any signed content is judged; only
        // the algorithm of the signature itself (outside the signed area) comes first.
        if !crypto::signature_supported(&h.signature.algo.algorithm) {
            return Err(Fail::hs(
                group,
                Check::SignatureAlgorithmNotSupported,
                D::InvalidSignatureAlgorithm,
                "signature algorithm not supported",
            ));
        }
        let pk = PeerCertificate::public_key(t.pk_cert).map_err(|d| {
            Fail::hs(
                group,
                Check::CertificateInvalid,
                d,
                "certificate does not parse or has no usable public key",
            )
        })?;
        let ok = crypto::verify(
            &pk,
            &h.signature.algo.algorithm,
            crypto::signed_octets(h.tbs_contents),
            h.signature.sign,
        )
        .unwrap_or(false);
        if !ok {
            return Err(Fail::hs(
                group,
                Check::InvalidSignature,
                D::NoReasonGiven,
                "signature does not verify over the received tbs",
            ));
        }
        if !t.version_v1 {
            return Err(Fail::hs(
                group,
                Check::UnexpectedVersion,
                D::UnexpectedVersion,
                "version v1 not set",
            ));
        }
        if t.sig_alg.algorithm != h.signature.algo.algorithm {
            return Err(Fail::hs(
                group,
                Check::SignatureAlgorithmMismatch,
                D::InvalidSignatureAlgorithm,
                "signature algorithm differs from ClearToken1 sigAlg",
            ));
        }
        let cert =
            check_certificate(&self.shared.store, t.pk_cert, &t.cert_path, now).map_err(|d| {
                let check = if d == D::InvalidCertificationPath {
                    Check::CertificationPathInvalid
                } else {
                    Check::CertificateInvalid
                };
                Fail::hs(group, check, d, "certificate or path rejected")
            })?;
        self.check_key_usage(group, t.pk_cert)?;
        self.check_revocation(group, t.pk_cert, &t.cert_path)?;
        self.check_separate_from_tls(group, t.pk_cert);
        if cfg.require_address_binding {
            let (subject, expected, attribute, address) = match bound {
                Binding::Osi(oid) => (
                    subject_object_identifier(t.pk_cert),
                    oid.as_ref().map(|o| o.to_id_string()),
                    "objectIdentifier",
                    "AP-title+AE-qualifier",
                ),
                #[cfg(feature = "xmpp")]
                Binding::Jid(jid) => (
                    crate::certs::subject_jid(t.pk_cert),
                    Some(jid.clone()),
                    "jid",
                    "peer JID",
                ),
            };
            if subject.is_none() || subject != expected {
                let f = Fail::hs(
                    group,
                    Check::AddressMismatch,
                    D::NoReasonGiven,
                    format!(
                        "certificate {attribute} {} vs {address} {}",
                        subject.as_deref().unwrap_or("(none)"),
                        expected.as_deref().unwrap_or("(none)")
                    ),
                );
                if cfg.address_mismatch_warning_only {
                    // The check failed; the configuration tolerates it: the same event, as a
                    // warning (ASSUMPTIONS.md E-01).
                    crate::events::record_as(
                        &self.shared.events,
                        group,
                        Check::AddressMismatch,
                        acse::security::Severity::Warning,
                        &format!("tolerated (address_mismatch_warning_only): {}", f.detail),
                    );
                } else {
                    return Err(f);
                }
            }
        }
        if t.time.distance(now) > cfg.time_window {
            return Err(Fail::hs(
                group,
                Check::InvalidTime,
                D::InvalidTimeValue,
                format!(
                    "time {} outside ±{:?}",
                    t.time.to_generalized(),
                    cfg.time_window
                ),
            ));
        }
        Ok(cert)
    }

    /// The shared revocation checker's verdict on a peer certificate that passed
    /// [`check_certificate`]: revoked fails the handshake as an invalid certificate (and
    /// records [`cot::revocation::events::REVOKED`]); unavailable records its event and goes on
    /// (IEC 62351-3: revocation information that cannot be had never ends an association).
    fn check_revocation(&self, group: Group, cert: &[u8], path: &[&[u8]]) -> Result<(), Fail> {
        let Some(checker) = &self.shared.config.revocation else {
            return Ok(());
        };
        let status = crate::certs::revocation_status(checker, cert, path);
        let subject = acse::security::subject_line(cert);
        if let Some(code) = status.event_code() {
            self.shared.events.record(
                code,
                cot::revocation::events::severity(code),
                &format_args!("E2E peer [{subject}]: {status}"),
            );
        }
        if status.is_revoked() {
            return Err(Fail::hs(
                group,
                Check::CertificateInvalid,
                HandshakeDiagnostic::InvalidPublicKeyCertificate,
                format!("certificate revoked: {status}"),
            ));
        }
        Ok(())
    }

    /// IEC 62351-4 Annex G.5.2 (F-1163): keyUsage present with digitalSignature and
    /// keyAgreement. With `legacy_key_usage` an absent extension or a missing keyAgreement is
    /// recorded as the certificate event with severity warning and accepted.
    fn check_key_usage(&self, group: Group, cert: &[u8]) -> Result<(), Fail> {
        use crate::certs::{key_usage_profile, KeyUsageProfile as K};
        let why = match key_usage_profile(cert) {
            K::Conformant => return Ok(()),
            K::Absent => "no keyUsage extension (Annex G.5.2)",
            K::NoKeyAgreement => "keyUsage without keyAgreement (Annex G.5.2)",
            _ => "keyUsage without digitalSignature (Annex G.5.2)",
        };
        let legacy = matches!(key_usage_profile(cert), K::Absent | K::NoKeyAgreement);
        if legacy && self.shared.config.legacy_key_usage {
            crate::events::record_as(
                &self.shared.events,
                group,
                Check::CertificateInvalid,
                acse::security::Severity::Warning,
                &format!("tolerated (legacy_key_usage): {why}"),
            );
            return Ok(());
        }
        Err(Fail::hs(
            group,
            Check::CertificateInvalid,
            HandshakeDiagnostic::InvalidPublicKeyCertificate,
            why,
        ))
    }

    /// IEC 62351-4 Annex G.2: the peer should use separate end-entity certificates for TLS and
    /// for the application layer; the same certificate for both is a warning.
    fn check_separate_from_tls(&self, group: Group, cert: &[u8]) {
        if let Some(tls) = &self.transport.peer_certificate {
            if crypto::ct_eq(tls, cert) {
                crate::events::record(
                    &self.shared.events,
                    group,
                    Check::SameCertificateAsTls,
                    &format!(
                        "peer [{}] uses its TLS certificate for end-to-end security (Annex G.2)",
                        acse::security::subject_line(cert)
                    ),
                );
            }
        }
    }

    fn dh_group_of(&self, n: u32, group: Group) -> Result<DhGroup, Fail> {
        match DhGroup::from_number(n) {
            Some(g) if self.shared.config.dh_groups.contains(&g) => Ok(g),
            _ => Err(Fail::hs(
                group,
                Check::DhGroupNotSupported,
                HandshakeDiagnostic::DhGroupNotSupported,
                format!("group {n}"),
            )),
        }
    }

    /// Server: chooses a mode from the client's offer by this end's preference (the order of
    /// [`crate::E2eConfig::accept`]): the first accepted mode whose algorithms the client
    /// offered (F-1142 negotiation diagnostics otherwise).
    fn select(&self, offer: &EncrMode<'_>) -> Result<E2eMode, Fail> {
        use HandshakeDiagnostic as D;
        let g = Group::HandshakeReq;
        let acc = &self.shared.config.accept;
        let neg = |d: D, why: &str| Fail::hs(g, Check::Negotiation(d.code()), d, why.to_owned());
        // An ICV algorithm by either of its identifiers (ASSUMPTIONS.md U-02).
        let icv_in = |list: &[AlgorithmIdentifier<'_>], x: crypto::IcvAlgorithm| {
            list.iter()
                .any(|a| crypto::IcvAlgorithm::from_oid(&a.algorithm) == Some(x))
        };
        let offered = |m: &E2eMode| match (m, offer) {
            (E2eMode::Aead(x), EncrMode::Aea(list)) => alg_in(list, &x.oid()),
            (E2eMode::IcvOnly(x), EncrMode::NonAea { encr: None, icv }) => icv_in(icv, *x),
            (
                E2eMode::CbcIcv(c, x),
                EncrMode::NonAea {
                    encr: Some(encr),
                    icv,
                },
            ) => alg_in(encr, &c.oid()) && icv_in(icv, *x),
            _ => false,
        };
        if let Some(m) = acc.iter().find(|m| offered(m)) {
            return Ok(*m);
        }
        match offer {
            EncrMode::Aea(_) => {
                if acc.iter().any(|m| matches!(m, E2eMode::Aead(_))) {
                    Err(neg(
                        D::AeaAlgorithmsNotSupported,
                        "no acceptable AEA algorithm",
                    ))
                } else {
                    Err(neg(D::EncrModeAeaNotSupported, "AE mode not accepted"))
                }
            }
            EncrMode::NonAea { encr: None, .. } => {
                if acc.iter().any(|m| matches!(m, E2eMode::IcvOnly(_))) {
                    Err(neg(
                        D::IcvAlgorithmsNotSupported,
                        "no acceptable ICV algorithm",
                    ))
                } else {
                    Err(neg(D::EncryptionRequired, "encryption required by policy"))
                }
            }
            EncrMode::NonAea {
                encr: Some(encr), ..
            } => {
                if !acc.iter().any(|m| matches!(m, E2eMode::CbcIcv(..))) {
                    Err(neg(
                        D::EncryptAlgorithmsNotSupported,
                        "separate encryption not accepted",
                    ))
                } else if acc
                    .iter()
                    .any(|m| matches!(m, E2eMode::CbcIcv(c, _) if alg_in(encr, &c.oid())))
                {
                    Err(neg(
                        D::IcvAlgorithmsNotSupported,
                        "no acceptable ICV algorithm",
                    ))
                } else {
                    Err(neg(
                        D::EncryptAlgorithmsNotSupported,
                        "no acceptable encryption algorithm",
                    ))
                }
            }
        }
    }

    /// The received confParams (§13.3.1, §14.3.4) against the local policy, for the mode
    /// offered (server judging a HandshakeReq) or selected (client judging a HandshakeAcc):
    ///
    /// * with [`crate::E2eConfig::require_confidentiality`], a mode without encryption is
    ///   accepted only inside TLS (this end's transport is TLS and the peer says tlsProtected)
    ///   or when both ends declare a VPN; otherwise encryption-required;
    /// * a peer claiming tlsProtected while this end's transport is not TLS (TLS stripped, or
    ///   ended by a relay), or claiming applProtected for a mode without encryption (older
    ///   peers of ours always set it), is recorded as the group's protocol error with
    ///   severity warning, and its claim counts for nothing.
    fn judge_conf_params(
        &self,
        group: Group,
        received: &ConfParams,
        encrypts: bool,
    ) -> Result<(), Fail> {
        let cfg = &self.shared.config;
        let warn = |why: &str| {
            crate::events::record_as(
                &self.shared.events,
                group,
                Check::ProtocolError,
                acse::security::Severity::Warning,
                &format!("confParams: {why}"),
            )
        };
        if received.tls_protected && !self.transport.tls {
            warn("the peer says tlsProtected, this end has no TLS (stripped or ended by a relay)");
        }
        if received.appl_protected && !encrypts {
            warn("the peer says applProtected for a mode without encryption");
        }
        let link = (received.tls_protected && self.transport.tls) || (received.vpn && cfg.vpn);
        if cfg.require_confidentiality && !encrypts && !link {
            let d = HandshakeDiagnostic::EncryptionRequired;
            return Err(Fail::hs(
                group,
                Check::Negotiation(d.code()),
                d,
                "ICV only outside TLS or a VPN: encryption required by policy",
            ));
        }
        Ok(())
    }

    /// Client: the server's selection must be exactly one algorithm per list and within what
    /// we offered and accept.
    fn check_selection(&self, sel: &EncrMode<'_>) -> Result<E2eMode, Fail> {
        use HandshakeDiagnostic as D;
        let g = Group::HandshakeAcc;
        let neg = |d: D, why: &str| Fail::hs(g, Check::Negotiation(d.code()), d, why.to_owned());
        let offered = self.shared.config.offer;
        let offered_modes = self.shared.config.offered_modes();
        let mode = match sel {
            EncrMode::Aea(l) => {
                let a = single(l).ok_or_else(|| {
                    neg(
                        D::SingleAeAlgorithmRequired,
                        "more than one AE algorithm selected",
                    )
                })?;
                crypto::AeadAlgorithm::from_oid(&a.algorithm)
                    .map(E2eMode::Aead)
                    .ok_or_else(|| neg(D::InvalidAeAlgorithm, "unknown AE algorithm"))?
            }
            EncrMode::NonAea { encr, icv } => {
                let i = single(icv).ok_or_else(|| {
                    neg(
                        D::SingleIcvAlgoRequired,
                        "more than one ICV algorithm selected",
                    )
                })?;
                let i = crypto::IcvAlgorithm::from_oid(&i.algorithm)
                    .ok_or_else(|| neg(D::IcvAlgorithmsNotSupported, "unknown ICV algorithm"))?;
                match encr {
                    None => E2eMode::IcvOnly(i),
                    Some(e) => {
                        let e = single(e).ok_or_else(|| {
                            neg(
                                D::SingleEncryptAlgoRequired,
                                "more than one encryption algorithm selected",
                            )
                        })?;
                        let c = crypto::CbcAlgorithm::from_oid(&e.algorithm).ok_or_else(|| {
                            neg(
                                D::InvalidEncryptionAlgorithm,
                                "unknown encryption algorithm",
                            )
                        })?;
                        E2eMode::CbcIcv(c, i)
                    }
                }
            }
        };
        if !offered_modes.contains(&mode) || !self.shared.config.accept.contains(&mode) {
            let d = match (offered, mode) {
                (E2eMode::Aead(_), E2eMode::Aead(_)) => D::InvalidAeAlgorithm,
                (E2eMode::Aead(_), _) => D::AeNotUsed,
                (_, E2eMode::Aead(_)) => D::AeIsRequired,
                (E2eMode::CbcIcv(..), E2eMode::IcvOnly(_)) => D::EncryptionRequired,
                (E2eMode::IcvOnly(_), E2eMode::CbcIcv(..)) => D::EncryptionNotRequired,
                _ => D::InvalidEncryptionAlgorithm,
            };
            return Err(neg(d, "selection differs from our offer"));
        }
        Ok(mode)
    }

    /// Server: judges the HandshakeReq octets of an AARQ (after the OSI checks) and returns
    /// the protected protocol's PDU and the accepted state. `bound` is the calling
    /// AP-title + AE-qualifier (the address binding of Annex G.6.2).
    pub(super) fn judge_handshake_req(
        &self,
        bytes: &[u8],
        bound: &Binding,
    ) -> Result<(Vec<u8>, Box<Accepting>), Fail> {
        use HandshakeDiagnostic as D;
        let g = Group::HandshakeReq;
        let proto = |why: String| Fail::hs(g, Check::ProtocolError, D::ProtocolError, why);
        let mut store = Store::default();
        let h = match self.decode(bytes, pdu::Carrier::Aarq, &mut store) {
            Ok(SecPdu::HandshakeReq(h)) => h,
            Ok(other) => {
                return Err(proto(format!(
                    "{} where HandshakeReq was expected",
                    other.kind().name()
                )))
            }
            Err(e) => return Err(proto(e.to_string())),
        };
        let cert = self.judge_token1(&h, g, bound)?;
        let t = &h.token1;
        // Replay (U-05).
        self.replay_check(g, Kind::HandshakeReq, t.asso_id, t.time, t.pk_cert)?;
        let cfg = &self.shared.config;
        if h.pp != cfg.oids.protected_protocol {
            return Err(Fail::hs(
                g,
                Check::ProtectedProtocolNotSupported,
                D::ProtectedProtocolNotSupported,
                format!("pp {:?}", h.pp),
            ));
        }
        if t.asso_id.contains(':') {
            return Err(proto(
                "the client's assoID must be its part only".to_owned(),
            ));
        }
        let group = self.dh_group_of(t.dh_key.group, g)?;
        if t.hmac.algorithm.as_bytes() != crate::oids::HMAC_WITH_SHA256.as_bytes() {
            return Err(Fail::hs(
                g,
                Check::HmacNotSupported,
                D::HmacAlgorithmNotSupported,
                "HKDF HMAC",
            ));
        }
        let mode = self.select(&t.encr_mode)?;
        self.judge_conf_params(g, &t.conf_params, mode.encrypts())?;
        let appl = h
            .appl_data
            .ok_or_else(|| proto("HandshakeReq without applData".to_owned()))?;
        // Our own ephemeral now, so a bad client value is found before the AARE.
        let eph = Ephemeral::generate(group).map_err(|e| proto(e.to_string()))?;
        if eph.agree(t.dh_key.public_key).is_err() {
            return Err(Fail::hs(
                g,
                Check::InvalidPublicValue,
                D::ProtocolError,
                "client DH public value invalid",
            ));
        }
        let mut sid = [0u8; 2];
        let _ = openssl::rand::rand_bytes(&mut sid);
        Ok((
            appl.to_vec(),
            Box::new(Accepting {
                asso_id: format!("{}:{}", t.asso_id, u16::from_be_bytes(sid) % 1000),
                peer: cert,
                mode,
                eph,
                client_public: t.dh_key.public_key.to_vec(),
                tbs_req: h.tbs_contents.to_vec(),
            }),
        ))
    }

    /// Client: judges the HandshakeAcc octets of an accepting AARE (after the OSI checks)
    /// against our HandshakeReq, and returns the protected protocol's PDU and the data
    /// phase. `bound` is the responding AP-title + AE-qualifier.
    pub(super) fn judge_handshake_acc(
        &self,
        init: &Initiating,
        bytes: &[u8],
        bound: &Binding,
    ) -> Result<(Vec<u8>, Box<Established>), Fail> {
        use HandshakeDiagnostic as D;
        let g = Group::HandshakeAcc;
        let proto = |why: String| Fail::hs(g, Check::ProtocolError, D::ProtocolError, why);
        let mut store = Store::default();
        let h = match self.decode(bytes, pdu::Carrier::Aare, &mut store) {
            Ok(SecPdu::HandshakeAcc(h)) => h,
            Ok(other) => {
                return Err(proto(format!(
                    "{} in an accepting AARE",
                    other.kind().name()
                )))
            }
            Err(e) => return Err(proto(e.to_string())),
        };
        let cert = self.judge_token1(&h, g, bound)?;
        let t = &h.token1;
        match t.asso_id.split_once(':') {
            Some((c, _)) if c == init.asso_id => {}
            _ => {
                return Err(proto(format!(
                    "assoID {} does not continue ours ({})",
                    t.asso_id, init.asso_id
                )))
            }
        }
        // Replay (U-05; IEC 62351-14 2.10 REPLAY_DETEC_ASS_ACC): the HandshakeAcc's signature
        // does not cover our HandshakeReq, so a recorded one naming our assoID part is caught
        // here rather than at the first ICV.
        self.replay_check(g, Kind::HandshakeAcc, t.asso_id, t.time, t.pk_cert)?;
        if h.pp != self.shared.config.oids.protected_protocol {
            return Err(Fail::hs(
                g,
                Check::ProtectedProtocolNotSupported,
                D::ProtectedProtocolNotSupported,
                "pp",
            ));
        }
        let group = self.dh_group_of(t.dh_key.group, g)?;
        if group != init.eph.group() {
            return Err(Fail::hs(
                g,
                Check::DhGroupNotSupported,
                D::IllegalDhGroupSelected,
                "server changed the DH group",
            ));
        }
        if t.hmac.algorithm.as_bytes() != crate::oids::HMAC_WITH_SHA256.as_bytes() {
            return Err(Fail::hs(
                g,
                Check::HmacNotSupported,
                D::HmacAlgorithmNotSupported,
                "HKDF HMAC",
            ));
        }
        let mode = self.check_selection(&t.encr_mode)?;
        self.judge_conf_params(g, &t.conf_params, mode.encrypts())?;
        let appl = h
            .appl_data
            .ok_or_else(|| proto("HandshakeAcc without applData".to_owned()))?;
        let Ok(z) = init.eph.agree(t.dh_key.public_key) else {
            return Err(Fail::hs(
                g,
                Check::InvalidPublicValue,
                D::ProtocolError,
                "server DH public value invalid",
            ));
        };
        let salt = crypto::handshake_salt(&init.tbs_req, h.tbs_contents)
            .map_err(|e| proto(e.to_string()))?;
        let keys = transfer::Keys::derive(
            mode,
            Role::Initiator,
            z.as_bytes(),
            &salt,
            self.shared.config.tag_len(),
        )
        .map_err(|_| proto("key derivation failed".to_owned()))?;
        let rekey = Rekey::Initiator {
            group,
            server_public: t.dh_key.public_key.to_vec(),
            must_rekey: false,
            awaiting_changed: None,
        };
        Ok((
            appl.to_vec(),
            Box::new(Established {
                asso_id: t.asso_id.to_owned(),
                peer: cert,
                transfer: Transfer::new(mode, keys, salt, rekey, self.now(), self.syntax),
            }),
        ))
    }
}

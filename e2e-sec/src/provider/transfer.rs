//! Data transfer of IEC 62351-4 §13: ClearTransfer / EncrTransfer protect and unprotect
//! (F-1131..F-1134, F-1137), the time and sequence rule (U-10), and the rekey (U-11, F-1143).
//!
//! The crypto contexts of each direction are made once when keys are installed (handshake or
//! rekey) and reused for every PDU; each PDU is written into, or read into, the caller's
//! buffer in one pass ([`crate::pdu::begin_transfer_into`]), so a warmed-up association does
//! not allocate per PDU. Which contexts exist follows from the agreed mode
//! ([`SendCipher`], [`RecvCipher`]): a missing key is not a state the data path can meet.

use std::time::SystemTime;

use acse::security::{Role, SecurityError};
use copp::ber::Writer;

use super::handshake::crypto_err;
use super::{Fail, Store, Syntax};
use crate::config::E2eMode;
use crate::crypto::{
    self, CbcContext, CryptoError, DhGroup, DirectionKeys, Ephemeral, GcmOpener, GcmSealer,
    IcvContext, NonceSource, MAX_ICV_LEN,
};
use crate::events::{self, Check, Group};
use crate::factory::Shared;
use crate::pdu::{
    self, AuthenticatorShape, ClearToken2, DiffieHellmanSet, DtDiagnostic, Kind, SecPdu,
};
use crate::time::TimeStamp;

/// The sending crypto of one direction, by mode.
#[derive(Debug)]
pub(super) enum SendCipher {
    /// ICV only (ClearTransfer).
    Icv(IcvContext),
    /// AES-GCM (EncrTransfer without Authenticator).
    Aead(GcmSealer),
    /// AES-CBC then an ICV over the tbp (EncrTransfer with Authenticator).
    CbcIcv(CbcContext, IcvContext),
}

/// The receiving crypto of one direction, by mode.
#[derive(Debug)]
pub(super) enum RecvCipher {
    /// ICV only.
    Icv(IcvContext),
    /// AES-GCM.
    Aead(GcmOpener),
    /// ICV check, then AES-CBC.
    CbcIcv(CbcContext, IcvContext),
}

fn missing(what: &'static str) -> CryptoError {
    CryptoError::Parameter(what)
}

impl SendCipher {
    /// `tag_len`: the GCM / GMAC tag length sent (12, or 16 with `legacy_wire`).
    fn new(mode: E2eMode, k: &DirectionKeys, tag_len: usize) -> Result<SendCipher, CryptoError> {
        let enc = || k.enc.as_ref().ok_or(missing("encryption key"));
        let icv = || k.icv.as_ref().ok_or(missing("ICV key"));
        Ok(match mode {
            E2eMode::IcvOnly(i) => {
                SendCipher::Icv(IcvContext::with_gmac_len(i, icv()?.as_bytes(), tag_len)?)
            }
            E2eMode::Aead(a) => {
                SendCipher::Aead(GcmSealer::with_tag_len(a, enc()?.as_bytes(), tag_len)?)
            }
            E2eMode::CbcIcv(c, i) => SendCipher::CbcIcv(
                CbcContext::new(c, enc()?.as_bytes(), true)?,
                IcvContext::with_gmac_len(i, icv()?.as_bytes(), tag_len)?,
            ),
        })
    }
}

impl RecvCipher {
    fn new(mode: E2eMode, k: &DirectionKeys) -> Result<RecvCipher, CryptoError> {
        let enc = || k.enc.as_ref().ok_or(missing("encryption key"));
        let icv = || k.icv.as_ref().ok_or(missing("ICV key"));
        Ok(match mode {
            E2eMode::IcvOnly(i) => RecvCipher::Icv(IcvContext::new(i, icv()?.as_bytes())?),
            E2eMode::Aead(a) => RecvCipher::Aead(GcmOpener::new(a, enc()?.as_bytes())?),
            E2eMode::CbcIcv(c, i) => RecvCipher::CbcIcv(
                CbcContext::new(c, enc()?.as_bytes(), false)?,
                IcvContext::new(i, icv()?.as_bytes())?,
            ),
        })
    }
}

/// The sending keys and the nonces drawn under them (U-12: a fresh nonce prefix per key).
#[derive(Debug)]
pub(super) struct SendKeys {
    cipher: SendCipher,
    nonces: NonceSource,
}

/// Both directions' crypto, derived from one DH agreement (U-08) or rekey (U-11).
#[derive(Debug)]
pub(super) struct Keys {
    send: SendKeys,
    recv: RecvCipher,
}

impl Keys {
    /// Derives the keys of `mode` from `z` and `salt` (U-08) and makes the contexts of this
    /// end (`role` sends client→server keys as initiator). The derived key octets are
    /// dropped, and so zeroed, once the contexts hold them.
    /// `tag_len` is the GCM / GMAC tag length this end sends (any of 12 to 16 is received).
    pub(super) fn derive(
        mode: E2eMode,
        role: Role,
        z: &[u8],
        salt: &[u8; 32],
        tag_len: usize,
    ) -> Result<Keys, CryptoError> {
        let (e, i) = mode.key_lengths();
        let ks = crypto::derive_keys(z, salt, e, i)?;
        let (send, recv) = match role {
            Role::Initiator => (&ks.c2s, &ks.s2c),
            Role::Responder => (&ks.s2c, &ks.c2s),
        };
        Ok(Keys {
            send: SendKeys {
                cipher: SendCipher::new(mode, send, tag_len)?,
                nonces: NonceSource::new()?,
            },
            recv: RecvCipher::new(mode, recv)?,
        })
    }
}

/// The rekey state of each end (U-11).
#[derive(Debug)]
pub(super) enum Rekey {
    /// The client answers the server's reqRekey with a fresh DH value on its next PDU.
    Initiator {
        /// The handshake's DH group (a rekey stays in it).
        group: DhGroup,
        /// The server's DH public value for the next rekey: the fresh one its reqRekey PDU
        /// carried, or, from an older peer of ours that sends none, its handshake value.
        server_public: Vec<u8>,
        /// reqRekey received: the next PDU carries a new DH value.
        must_rekey: bool,
        /// The server→client keys of our rekey, used from the server's changedKey on.
        awaiting_changed: Option<RecvCipher>,
    },
    /// The server asks for a rekey once the period elapsed, with a fresh DH public value of
    /// its own, and answers with changedKey.
    Responder {
        /// The handshake's DH group (a rekey stays in it).
        group: DhGroup,
        /// The fresh ephemeral key of the pending rekey (sent with reqRekey; dropped once the
        /// new keys are derived, so no key agreement outlives its rekey).
        pending: Option<Ephemeral>,
        /// reqRekey sent, the client's DH value not yet received.
        requested: bool,
        /// New keys installed: the next PDU says changedKey.
        send_changed_key: bool,
    },
}

/// The data phase of one association.
pub(super) struct Transfer {
    mode: E2eMode,
    send: SendKeys,
    recv: RecvCipher,
    /// The (time, seq) of the last PDU sent and received (U-10).
    sent_last: Option<(i64, u32)>,
    recv_last: Option<(i64, u32)>,
    /// The HKDF salt of the current keys (the next rekey's salt builds on it, U-11).
    salt: [u8; 32],
    rekey: Rekey,
    last_key_change: SystemTime,
    /// The SecPDU encoding (OSI: BER, XMPP: XML).
    syntax: Syntax,
    /// Where each PDU's ClearToken2 is encoded (kept, so it allocates only while warming up).
    token2: Writer,
}

impl std::fmt::Debug for Transfer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transfer")
            .field("mode", &self.mode)
            .field("sent_last", &self.sent_last)
            .field("recv_last", &self.recv_last)
            .finish_non_exhaustive()
    }
}

/// The ClearToken2 fields that do not depend on the mode's IV or nonce.
struct Token2Fields<'a> {
    time: TimeStamp,
    seq: u32,
    rekey: Option<DiffieHellmanSet<'a>>,
    req_rekey: bool,
    changed_key: bool,
}

impl<'f> Token2Fields<'f> {
    /// The ClearToken2 with `iv`.
    #[cfg(feature = "xmpp")]
    fn token<'b>(&'b self, asso_id: &'b str, iv: Option<&'b [u8]>) -> ClearToken2<'b>
    where
        'f: 'b,
    {
        ClearToken2 {
            asso_id,
            time: self.time,
            seq: self.seq,
            iv,
            rekey: self.rekey.clone(),
            req_rekey: self.req_rekey,
            changed_key: self.changed_key,
        }
    }

    /// Encodes the ClearToken2 with `iv` into `w`.
    fn encode(&self, w: &mut Writer, asso_id: &str, iv: Option<&[u8]>) {
        pdu::encode_token2_into(
            w,
            &ClearToken2 {
                asso_id,
                time: self.time,
                seq: self.seq,
                iv,
                rekey: self.rekey.clone(),
                req_rekey: self.req_rekey,
                changed_key: self.changed_key,
            },
        );
    }
}

/// The ICV of `out[start..]` (the tbp contents just written, F-1131) appended as the
/// Authenticator.
fn append_icv(
    out: &mut Vec<u8>,
    start: usize,
    icv: &mut IcvContext,
    shape: &AuthenticatorShape<'_>,
) -> Result<(), SecurityError> {
    let mut v = [0u8; MAX_ICV_LEN];
    icv.compute(
        shape.nonce,
        crypto::icv_octets(out.get(start..).unwrap_or_default()),
        &mut v,
    )
    .map_err(crypto_err("ICV"))?;
    pdu::finish_transfer_into(out, shape, v.get(..shape.icv_len).unwrap_or_default());
    Ok(())
}

impl Transfer {
    /// The data phase under freshly derived `keys`.
    pub(super) fn new(
        mode: E2eMode,
        keys: Keys,
        salt: [u8; 32],
        rekey: Rekey,
        now: SystemTime,
        syntax: Syntax,
    ) -> Transfer {
        Transfer {
            mode,
            send: keys.send,
            recv: keys.recv,
            sent_last: None,
            recv_last: None,
            salt,
            rekey,
            last_key_change: now,
            syntax,
            token2: Writer::with_capacity(128),
        }
    }

    /// The agreed mode.
    pub(super) fn mode(&self) -> E2eMode {
        self.mode
    }

    /// U-10: whole seconds; seq 0 when the time changed, +1 within the same time.
    fn next_time_seq(&mut self, now: SystemTime) -> Result<(TimeStamp, u32), SecurityError> {
        let t = TimeStamp::from_system_seconds(now).0;
        let next = match self.sent_last {
            Some((last, seq)) if t <= last => {
                // Same second (or the clock went back): the sequence number carries the order.
                let seq = seq
                    .checked_add(1)
                    .filter(|s| *s <= 0x7FFF_FFFF)
                    .ok_or(SecurityError::Policy("sequence number exhausted"))?;
                (last, seq)
            }
            _ => (t, 0),
        };
        self.sent_last = Some(next);
        Ok((TimeStamp(next.0), next.1))
    }

    /// Writes the ClearTransfer / EncrTransfer of `data` (the PrPDU) into `out` (§13, F-1131, F-1132).
    pub(super) fn protect(
        &mut self,
        sh: &Shared,
        asso_id: &str,
        data: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), SecurityError> {
        let now = (sh.config.clock)();
        let (time, seq) = self.next_time_seq(now)?;
        // Where this SecPDU begins in `out`: made bare once written (§15.4, U-01).
        let pdu_start = out.len();
        // Rekey flags (U-11).
        let mut req_rekey = false;
        let mut changed_key = false;
        let mut new_eph: Option<(Ephemeral, Vec<u8>)> = None;
        let mut group_no = 0;
        let mut server_public: Option<Vec<u8>> = None;
        match &mut self.rekey {
            Rekey::Responder {
                group,
                pending,
                requested,
                send_changed_key,
            } => {
                if *send_changed_key {
                    changed_key = true;
                    *send_changed_key = false;
                } else if !*requested
                    && now
                        .duration_since(self.last_key_change)
                        .is_ok_and(|d| d >= sh.config.rekey_period)
                {
                    // A fresh server key for every rekey (forward secrecy across rekeys),
                    // its public value beside reqRekey (ASSUMPTIONS.md U-11).
                    let e = Ephemeral::generate(*group).map_err(crypto_err("DH key generation"))?;
                    server_public = Some(e.public_value().map_err(crypto_err("DH public value"))?);
                    group_no = group.number();
                    *pending = Some(e);
                    req_rekey = true;
                    *requested = true;
                }
            }
            Rekey::Initiator {
                group, must_rekey, ..
            } => {
                if *must_rekey {
                    let e = Ephemeral::generate(*group).map_err(crypto_err("DH key generation"))?;
                    let p = e.public_value().map_err(crypto_err("DH public value"))?;
                    new_eph = Some((e, p));
                    group_no = group.number();
                    *must_rekey = false;
                }
            }
        }
        let fields = Token2Fields {
            time,
            seq,
            rekey: new_eph
                .as_ref()
                .map(|(_, p)| p)
                .or(server_public.as_ref())
                .map(|p| DiffieHellmanSet {
                    group: group_no,
                    public_key: p,
                }),
            req_rekey,
            changed_key,
        };
        match self.syntax {
            Syntax::Ber => {
                let exhausted = || SecurityError::Policy("nonce space exhausted");
                let SendKeys { cipher, nonces } = &mut self.send;
                match cipher {
                    SendCipher::Icv(icv) => {
                        let nonce = match icv {
                            IcvContext::Gmac(_) => Some(nonces.next_nonce().ok_or_else(exhausted)?),
                            IcvContext::Hmac(_) => None,
                        };
                        fields.encode(&mut self.token2, asso_id, None);
                        let oid = sh.config.icv_oid(icv.algorithm());
                        let shape = AuthenticatorShape {
                            nonce: nonce.as_ref().map(|n| &n[..]),
                            algorithm: &oid,
                            icv_len: icv.icv_len(),
                        };
                        let start = pdu::begin_transfer_into(
                            out,
                            Kind::ClearTransfer,
                            self.token2.as_slice(),
                            data.len(),
                            Some(&shape),
                        );
                        out.extend_from_slice(data);
                        append_icv(out, start, icv, &shape)?;
                    }
                    SendCipher::Aead(sealer) => {
                        let nonce = nonces.next_nonce().ok_or_else(exhausted)?;
                        fields.encode(&mut self.token2, asso_id, Some(&nonce));
                        let t2 = self.token2.as_slice();
                        let len = data.len() + sealer.tag_len();
                        pdu::begin_transfer_into(out, Kind::EncrTransfer, t2, len, None);
                        let at = out.len();
                        out.resize(at + len, 0);
                        sealer
                            .seal(
                                &nonce,
                                crypto::aad_octets(crypto::contents(t2)),
                                data,
                                out.get_mut(at..).unwrap_or_default(),
                            )
                            .map_err(crypto_err("AES-GCM encryption"))?;
                    }
                    SendCipher::CbcIcv(cbc, icv) => {
                        let nonce = match icv {
                            IcvContext::Gmac(_) => Some(nonces.next_nonce().ok_or_else(exhausted)?),
                            IcvContext::Hmac(_) => None,
                        };
                        let mut iv = [0u8; 16];
                        openssl::rand::rand_bytes(&mut iv)
                            .map_err(|e| SecurityError::crypto("random CBC IV", e))?;
                        fields.encode(&mut self.token2, asso_id, Some(&iv));
                        let oid = sh.config.icv_oid(icv.algorithm());
                        let shape = AuthenticatorShape {
                            nonce: nonce.as_ref().map(|n| &n[..]),
                            algorithm: &oid,
                            icv_len: icv.icv_len(),
                        };
                        let len = crypto::cbc_padded_len(data.len());
                        let start = pdu::begin_transfer_into(
                            out,
                            Kind::EncrTransfer,
                            self.token2.as_slice(),
                            len,
                            Some(&shape),
                        );
                        let at = out.len();
                        out.resize(at + data.len() + 16, 0);
                        let n = cbc
                            .run(&iv, data, out.get_mut(at..).unwrap_or_default())
                            .map_err(crypto_err("AES-CBC encryption"))?;
                        if n != len {
                            return Err(SecurityError::crypto(
                                "AES-CBC encryption",
                                CryptoError::Parameter("ciphertext length"),
                            ));
                        }
                        out.truncate(at + n);
                        append_icv(out, start, icv, &shape)?;
                    }
                }
                if !sh.config.legacy_wire {
                    pdu::make_bare(out.get_mut(pdu_start..).unwrap_or_default());
                }
            }
            #[cfg(feature = "xmpp")]
            Syntax::Xml => protect_xml(&mut self.send, &fields, sh, asso_id, data, out)?,
        }
        // Client: new send keys from the next PDU on (this one went under the old key).
        if let (
            Some((e, p)),
            Rekey::Initiator {
                server_public,
                awaiting_changed,
                ..
            },
        ) = (new_eph, &mut self.rekey)
        {
            let z = e.agree(server_public).map_err(crypto_err("DH agreement"))?;
            drop(e);
            let salt = crypto::rekey_salt(&self.salt, &p).map_err(crypto_err("rekey salt"))?;
            let keys = Keys::derive(
                self.mode,
                Role::Initiator,
                z.as_bytes(),
                &salt,
                sh.config.tag_len(),
            )
            .map_err(crypto_err("rekey derivation"))?;
            self.salt = salt;
            self.send = keys.send;
            *awaiting_changed = Some(keys.recv);
            self.last_key_change = now;
            events::record(
                &sh.events,
                Group::ClearTransfer,
                Check::Rekeyed,
                &format!("assoID {asso_id} client sent a new DH value"),
            );
        }
        Ok(())
    }

    /// Checks one received ClearTransfer / EncrTransfer and appends its PrPDU to `out`
    /// (U-14 data order: decode → PDU type vs mode → assoID → key selection → ICV/AE → time
    /// → seq → rekey fields). On `Err` `out` may hold unauthenticated octets: the caller
    /// clears it.
    pub(super) fn unprotect(
        &mut self,
        sh: &Shared,
        asso_id: &str,
        data: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Fail> {
        let mut store = Store::default();
        let decoded = match self.syntax {
            Syntax::Ber => {
                let _ = &mut store;
                pdu::decode_in(data, pdu::Carrier::PData, &sh.config.limits)
            }
            #[cfg(feature = "xmpp")]
            Syntax::Xml => pdu::xml::decode(data, &mut store.xml, &sh.config.limits),
        };
        let (tr, encrypted) = match decoded {
            Ok(SecPdu::ClearTransfer(t)) => (t, false),
            Ok(SecPdu::EncrTransfer(t)) => (t, true),
            Ok(other) => {
                return Err(Fail::dt(
                    Group::ClearTransfer,
                    Check::ProtocolError,
                    Some(DtDiagnostic::ProtocolError),
                    format!("{} in P-DATA", other.kind().name()),
                ))
            }
            Err(e) => {
                return Err(Fail::dt(
                    Group::ClearTransfer,
                    Check::ProtocolError,
                    Some(DtDiagnostic::ProtocolError),
                    e.to_string(),
                ))
            }
        };
        let g = if encrypted {
            Group::EncrTransfer
        } else {
            Group::ClearTransfer
        };
        if encrypted != self.mode.encrypts() {
            let d = if self.mode.encrypts() {
                DtDiagnostic::EncryptionRequired
            } else {
                DtDiagnostic::EncryptionNotSelected
            };
            return Err(Fail::dt(
                g,
                Check::EncryptionMismatch,
                Some(d),
                "transfer PDU type contradicts the handshake",
            ));
        }
        if tr.token2.asso_id != asso_id {
            return Err(Fail::dt(
                g,
                Check::ProtocolError,
                Some(DtDiagnostic::ProtocolError),
                "assoID",
            ));
        }
        // Which key (U-11): changedKey switches the client to the keys of its rekey.
        if tr.token2.changed_key {
            let switched = match &mut self.rekey {
                Rekey::Initiator {
                    awaiting_changed, ..
                } => awaiting_changed.take(),
                Rekey::Responder { .. } => None,
            };
            match switched {
                Some(k) => self.recv = k,
                None => {
                    return Err(Fail::dt(
                        g,
                        Check::UnexpectedChangedKey,
                        Some(DtDiagnostic::UnexpectedChangedKeys),
                        "changedKey not expected",
                    ))
                }
            }
        }
        open(&mut self.recv, &tr, g, out)?;
        // Time and sequence (U-10), after integrity so nothing unauthenticated is trusted.
        let now = (sh.config.clock)();
        let t = tr.token2.time;
        if t.distance(now) > sh.config.time_window {
            return Err(Fail::dt(
                g,
                Check::InvalidTime,
                Some(DtDiagnostic::InvalidTimeValue),
                format!("time {}", t.to_generalized()),
            ));
        }
        let seq = tr.token2.seq;
        match self.recv_last {
            None if seq != 0 => {
                return Err(Fail::dt(
                    g,
                    Check::InvalidSequence,
                    Some(DtDiagnostic::InvalidSequenceNumber),
                    "first PDU with seq != 0",
                ))
            }
            Some((lt, _)) if t.0 < lt => {
                return Err(Fail::dt(
                    g,
                    Check::InvalidTime,
                    Some(DtDiagnostic::InvalidTimeValue),
                    "time earlier than the previous PDU",
                ))
            }
            Some((lt, ls)) if t.0 == lt => {
                if seq <= ls {
                    return Err(Fail::dt(
                        g,
                        Check::Replay,
                        None,
                        format!("(time, seq {seq}) seen before"),
                    ));
                }
                if Some(seq) != ls.checked_add(1) {
                    return Err(Fail::dt(
                        g,
                        Check::InvalidSequence,
                        Some(DtDiagnostic::InvalidSequenceNumber),
                        format!("seq {seq} after {ls}"),
                    ));
                }
            }
            Some(_) if seq != 0 => {
                return Err(Fail::dt(
                    g,
                    Check::InvalidSequence,
                    Some(DtDiagnostic::InvalidSequenceNumber),
                    "seq != 0 after a time change",
                ))
            }
            _ => {}
        }
        self.recv_last = Some((t.0, seq));
        // Rekey fields (U-11, F-1143).
        match &mut self.rekey {
            Rekey::Initiator {
                group,
                server_public,
                must_rekey,
                ..
            } => {
                if let Some(dh) = &tr.token2.rekey {
                    // The server's fresh value comes with its reqRekey only (U-11).
                    if !tr.token2.req_rekey {
                        return Err(Fail::dt(
                            g,
                            Check::UnexpectedRekey,
                            Some(DtDiagnostic::UnexpectedDhPublicKey),
                            "client received a DH public value without reqRekey",
                        ));
                    }
                    if dh.group != group.number() {
                        return Err(Fail::dt(
                            g,
                            Check::DhGroupNotSupported,
                            Some(DtDiagnostic::UnexpectedDhPublicKey),
                            "server rekey value in another group",
                        ));
                    }
                    if crypto::check_public_value(*group, dh.public_key).is_err() {
                        return Err(Fail::dt(
                            g,
                            Check::InvalidPublicValue,
                            Some(DtDiagnostic::UnexpectedDhPublicKey),
                            "server rekey DH value invalid",
                        ));
                    }
                    *server_public = dh.public_key.to_vec();
                }
                if tr.token2.req_rekey {
                    *must_rekey = true;
                }
            }
            Rekey::Responder {
                group,
                pending,
                requested,
                send_changed_key,
            } => {
                if tr.token2.req_rekey {
                    return Err(Fail::dt(
                        g,
                        Check::ProtocolError,
                        Some(DtDiagnostic::ProtocolError),
                        "server received reqRekey",
                    ));
                }
                if let Some(dh) = &tr.token2.rekey {
                    if !*requested {
                        return Err(Fail::dt(
                            g,
                            Check::UnexpectedRekey,
                            Some(DtDiagnostic::UnexpectedDhPublicKey),
                            "rekey without reqRekey",
                        ));
                    }
                    if dh.group != group.number() {
                        return Err(Fail::dt(
                            g,
                            Check::DhGroupNotSupported,
                            Some(DtDiagnostic::UnexpectedDhPublicKey),
                            "rekey in another group",
                        ));
                    }
                    let Some(eph) = pending.take() else {
                        return Err(Fail::dt(
                            g,
                            Check::UnexpectedRekey,
                            Some(DtDiagnostic::UnexpectedDhPublicKey),
                            "rekey without a pending server key",
                        ));
                    };
                    let Ok(z) = eph.agree(dh.public_key) else {
                        return Err(Fail::dt(
                            g,
                            Check::InvalidPublicValue,
                            Some(DtDiagnostic::UnexpectedDhPublicKey),
                            "rekey DH value invalid",
                        ));
                    };
                    let fail = |_| {
                        Fail::dt(
                            g,
                            Check::ProtocolError,
                            Some(DtDiagnostic::NoReasonGiven),
                            "rekey derivation",
                        )
                    };
                    let salt = crypto::rekey_salt(&self.salt, dh.public_key).map_err(fail)?;
                    let keys = Keys::derive(
                        self.mode,
                        Role::Responder,
                        z.as_bytes(),
                        &salt,
                        sh.config.tag_len(),
                    )
                    .map_err(fail)?;
                    self.salt = salt;
                    self.recv = keys.recv;
                    self.send = keys.send;
                    *requested = false;
                    *send_changed_key = true;
                    self.last_key_change = now;
                    events::record(
                        &sh.events,
                        g,
                        Check::Rekeyed,
                        &format!("assoID {asso_id} new keys"),
                    );
                }
            }
        }
        Ok(())
    }
}

/// Integrity check and decryption of one transfer PDU under the current receive keys; the
/// PrPDU is appended to `out`.
fn open(
    recv: &mut RecvCipher,
    tr: &pdu::Transfer<'_>,
    g: Group,
    out: &mut Vec<u8>,
) -> Result<(), Fail> {
    let icv_fail = || Fail::dt(g, Check::IcvFailure, None, "integrity check failed");
    let check_icv = |icv: &mut IcvContext| -> Result<(), Fail> {
        let a = tr.auth.as_ref().ok_or_else(|| {
            Fail::dt(
                g,
                Check::ProtocolError,
                Some(DtDiagnostic::ProtocolError),
                "no Authenticator",
            )
        })?;
        let alg = icv.algorithm();
        if crypto::IcvAlgorithm::from_oid(&a.algorithm.algorithm) != Some(alg) {
            return Err(Fail::dt(
                g,
                Check::IcvAlgorithmMismatch,
                None,
                "ICV algorithm differs from the agreed one",
            ));
        }
        if alg == crypto::IcvAlgorithm::Aes128Gmac && a.nonce.map(<[u8]>::len) != Some(12) {
            return Err(Fail::dt(
                g,
                Check::NonceMissing,
                Some(DtDiagnostic::GmacNonceRequired),
                "GMAC nonce",
            ));
        }
        icv.verify(a.nonce, crypto::icv_octets(tr.tbp_contents), a.icv)
            .map_err(|_| icv_fail())
    };
    match recv {
        RecvCipher::Icv(icv) => {
            check_icv(icv)?;
            out.extend_from_slice(tr.appl_data);
            Ok(())
        }
        RecvCipher::Aead(opener) => {
            if tr.auth.is_some() {
                return Err(Fail::dt(
                    g,
                    Check::ProtocolError,
                    Some(DtDiagnostic::ProtocolError),
                    "Authenticator in AE mode",
                ));
            }
            let iv = tr.token2.iv.filter(|v| v.len() == 12).ok_or_else(|| {
                Fail::dt(
                    g,
                    Check::NonceMissing,
                    Some(DtDiagnostic::AesInitVectorRequired),
                    "GCM nonce",
                )
            })?;
            opener
                .open(
                    iv,
                    crypto::aad_octets(tr.token2_contents),
                    tr.appl_data,
                    out,
                )
                .map_err(|_| icv_fail())
        }
        RecvCipher::CbcIcv(cbc, icv) => {
            let iv = tr.token2.iv.filter(|v| v.len() == 16).ok_or_else(|| {
                Fail::dt(
                    g,
                    Check::IvMissing,
                    Some(DtDiagnostic::AesInitVectorRequired),
                    "CBC IV",
                )
            })?;
            check_icv(icv)?;
            let at = out.len();
            out.resize(at + tr.appl_data.len() + 16, 0);
            let n = cbc
                .run(iv, tr.appl_data, out.get_mut(at..).unwrap_or_default())
                .map_err(|_| icv_fail())?;
            out.truncate(at + n);
            Ok(())
        }
    }
}

/// The XML form of [`Transfer::protect`]'s PDU (the XMPP environment; F-1131..F-1133 in XML):
/// the same crypto over the XML octets: the ICV over the octets between `<tbp>` and `</tbp>`,
/// the GCM AAD the octets between `<token2>` and `</token2>`, the ciphertext the PrPDU's XML.
#[cfg(feature = "xmpp")]
fn protect_xml(
    send: &mut SendKeys,
    fields: &Token2Fields<'_>,
    sh: &Shared,
    asso_id: &str,
    data: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), SecurityError> {
    use crate::pdu::xml;
    use crate::pdu::{AlgorithmIdentifier, Authenticator};
    let exhausted = || SecurityError::Policy("nonce space exhausted");
    let SendKeys { cipher, nonces } = send;
    let icv_of = |icv: &mut IcvContext,
                  nonce: Option<&[u8]>,
                  tbp: &[u8]|
     -> Result<Vec<u8>, SecurityError> {
        let mut v = [0u8; MAX_ICV_LEN];
        icv.compute(nonce, crypto::icv_octets(xml::contents(tbp)), &mut v)
            .map_err(crypto_err("ICV"))?;
        Ok(v.get(..icv.icv_len()).unwrap_or_default().to_vec())
    };
    match cipher {
        SendCipher::Icv(icv) => {
            let nonce = match icv {
                IcvContext::Gmac(_) => Some(nonces.next_nonce().ok_or_else(exhausted)?),
                IcvContext::Hmac(_) => None,
            };
            let t2 = xml::encode_token2(&fields.token(asso_id, None));
            let tbp = xml::encode_tbp(&t2, data, false);
            let n = nonce.as_ref().map(|n| &n[..]);
            let v = icv_of(icv, n, &tbp)?;
            let auth = Authenticator {
                nonce: n,
                algorithm: AlgorithmIdentifier::new(sh.config.icv_oid(icv.algorithm())),
                icv: &v,
            };
            xml::encode_transfer(Kind::ClearTransfer, &tbp, Some(&auth), out);
        }
        SendCipher::Aead(sealer) => {
            let nonce = nonces.next_nonce().ok_or_else(exhausted)?;
            let t2 = xml::encode_token2(&fields.token(asso_id, Some(&nonce)));
            let mut ct = vec![0u8; data.len() + sealer.tag_len()];
            sealer
                .seal(
                    &nonce,
                    crypto::aad_octets(xml::contents(&t2)),
                    data,
                    &mut ct,
                )
                .map_err(crypto_err("AES-GCM encryption"))?;
            let tbp = xml::encode_tbp(&t2, &ct, true);
            xml::encode_transfer(Kind::EncrTransfer, &tbp, None, out);
        }
        SendCipher::CbcIcv(cbc, icv) => {
            let nonce = match icv {
                IcvContext::Gmac(_) => Some(nonces.next_nonce().ok_or_else(exhausted)?),
                IcvContext::Hmac(_) => None,
            };
            let mut iv = [0u8; 16];
            openssl::rand::rand_bytes(&mut iv)
                .map_err(|e| SecurityError::crypto("random CBC IV", e))?;
            let t2 = xml::encode_token2(&fields.token(asso_id, Some(&iv)));
            let mut ct = vec![0u8; data.len() + 16];
            let n = cbc
                .run(&iv, data, &mut ct)
                .map_err(crypto_err("AES-CBC encryption"))?;
            ct.truncate(n);
            let tbp = xml::encode_tbp(&t2, &ct, true);
            let nn = nonce.as_ref().map(|n| &n[..]);
            let v = icv_of(icv, nn, &tbp)?;
            let auth = Authenticator {
                nonce: nn,
                algorithm: AlgorithmIdentifier::new(sh.config.icv_oid(icv.algorithm())),
                icv: &v,
            };
            xml::encode_transfer(Kind::EncrTransfer, &tbp, Some(&auth), out);
        }
    }
    Ok(())
}

//! BER decoder and DER encoder of the E2E-Working module (e2e-sec/asn1/e2e-working.asn).
//! Built on the stack's one BER reader/writer (`copp::ber`, whose identifier and length
//! octets are decoded by asn1-rs). Every tag number of the working module is in this file.

use super::*;
use copp::ber::{tlv_len, write_header_into, Reader, Tag, Tlv, Writer};

/// Bounds applied while decoding (docs/design.md principle 3; docs/facts.md U-15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest SecPDU accepted, in octets.
    pub max_pdu_len: usize,
    /// The largest certificate (end-entity, path element or attribute certificate), U-15.
    pub max_cert_len: usize,
    /// The most certificates in a certification path.
    pub max_path_len: usize,
    /// The most algorithms in one offered list.
    pub max_algorithms: usize,
    /// The deepest nesting of constructed values.
    pub max_depth: u16,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_pdu_len: 1 << 20,
            max_cert_len: 8192,
            max_path_len: 4,
            max_algorithms: 8,
            max_depth: 24,
        }
    }
}

const SEQ: Tag = Tag::SEQUENCE;
const IA5: Tag = Tag::universal(22, false);
const UTF8: Tag = Tag::universal(12, false);
const GT: Tag = Tag::GENERALIZED_TIME;
const fn ctx(n: u32) -> Tag {
    Tag::context(n, false)
}
const fn ctxc(n: u32) -> Tag {
    Tag::context(n, true)
}

// ---------------------------------------------------------------------------------------
// Encoding (DER). The writer prepends, so the elements of a SEQUENCE are written last first.
// ---------------------------------------------------------------------------------------

fn w_alg(w: &mut Writer, a: &AlgorithmIdentifier<'_>) {
    let m = w.mark();
    if let Some(p) = a.parameters {
        w.raw(p);
    }
    w.oid(Tag::OID, &a.algorithm);
    w.wrap(m, SEQ);
}

fn w_dh(w: &mut Writer, d: &DiffieHellmanSet<'_>, tag: Tag) {
    let m = w.mark();
    w.octets(Tag::OCTET_STRING, d.public_key);
    w.integer(Tag::INTEGER, i64::from(d.group));
    w.wrap(m, tag);
}

fn w_version(w: &mut Writer, v1: bool) {
    if v1 {
        w.bit_string(Tag::BIT_STRING, 7, &[0x80]);
    } else {
        w.bit_string(Tag::BIT_STRING, 0, &[]);
    }
}

/// DER named-bit list (X.690 §11.2.2): trailing zero bits removed.
fn w_named_bits(w: &mut Writer, bits: &[bool]) {
    let Some(last) = bits.iter().rposition(|b| *b) else {
        w.bit_string(Tag::BIT_STRING, 0, &[]);
        return;
    };
    let n = last + 1;
    let mut octets = vec![0u8; n.div_ceil(8)];
    for (i, b) in bits.iter().enumerate().take(n) {
        if *b {
            if let Some(o) = octets.get_mut(i / 8) {
                *o |= 0x80 >> (i % 8);
            }
        }
    }
    let unused = u8::try_from(octets.len() * 8 - n).unwrap_or(0);
    w.bit_string(Tag::BIT_STRING, unused, &octets);
}

fn w_certs(w: &mut Writer, certs: &[&[u8]], tag: Tag) {
    let m = w.mark();
    for c in certs.iter().rev() {
        w.octets(Tag::OCTET_STRING, c);
    }
    w.wrap(m, tag);
}

fn w_time(w: &mut Writer, t: TimeStamp) {
    match t.generalized_octets() {
        Some(g) => w.octets(GT, g.as_bytes()),
        None => w.octets(GT, t.to_generalized().as_bytes()),
    }
}

/// Encodes a list of algorithms as SEQUENCE OF (or SET OF, sorted by encoding for DER).
fn w_algs(w: &mut Writer, algs: &[AlgorithmIdentifier<'_>], tag: Tag, set: bool) {
    let m = w.mark();
    if set {
        let mut encs: Vec<Vec<u8>> = algs
            .iter()
            .map(|a| {
                let mut t = Writer::new();
                w_alg(&mut t, a);
                t.into_vec()
            })
            .collect();
        encs.sort();
        for e in encs.iter().rev() {
            w.raw(e);
        }
    } else {
        for a in algs.iter().rev() {
            w_alg(w, a);
        }
    }
    w.wrap(m, tag);
}

fn w_token1(w: &mut Writer, t: &ClearToken1<'_>) {
    let m = w.mark();
    if let Some(a) = t.att_cert {
        w.octets(ctx(1), a);
    }
    w_named_bits(
        w,
        &[
            t.conf_params.tls_protected,
            t.conf_params.appl_protected,
            t.conf_params.vpn,
        ],
    );
    match &t.encr_mode {
        EncrMode::Aea(list) => w_algs(w, list, SEQ, false),
        EncrMode::NonAea { encr, icv } => {
            let mm = w.mark();
            w_algs(w, icv, ctxc(1), true);
            if let Some(e) = encr {
                w_algs(w, e, ctxc(0), false);
            }
            w.wrap(mm, ctxc(0));
        }
    }
    w_time(w, t.time);
    w_alg(w, &t.hmac);
    w_dh(w, &t.dh_key, SEQ);
    w.octets(IA5, t.asso_id.as_bytes());
    w_version(w, t.version_v1);
    if !t.cert_path.is_empty() {
        w_certs(w, &t.cert_path, ctxc(0));
    }
    w.octets(Tag::OCTET_STRING, t.pk_cert);
    w_alg(w, &t.sig_alg);
    w.wrap(m, SEQ);
}

fn w_token2(w: &mut Writer, t: &ClearToken2<'_>) {
    let m = w.mark();
    if t.changed_key {
        w.boolean(ctx(3), true);
    }
    if t.req_rekey {
        w.boolean(ctx(2), true);
    }
    if let Some(d) = &t.rekey {
        w_dh(w, d, ctxc(1));
    }
    if let Some(iv) = t.iv {
        w.octets(ctx(0), iv);
    }
    w.integer(Tag::INTEGER, i64::from(t.seq));
    w_time(w, t.time);
    w.octets(IA5, t.asso_id.as_bytes());
    w.wrap(m, SEQ);
}

fn w_token3(w: &mut Writer, t: &ClearToken3<'_>) {
    let m = w.mark();
    if !t.cert_path.is_empty() {
        w_certs(w, &t.cert_path, ctxc(0));
    }
    w.octets(Tag::OCTET_STRING, t.pk_cert);
    w_time(w, t.time);
    if let Some(a) = t.asso_id {
        w.octets(IA5, a.as_bytes());
    }
    w_version(w, t.version_v1);
    w_alg(w, &t.sig_alg);
    w.wrap(m, SEQ);
}

fn w_signature(w: &mut Writer, s: &Signature<'_>) {
    let m = w.mark();
    w.octets(Tag::OCTET_STRING, s.sign);
    w_alg(w, &s.algo);
    w.wrap(m, SEQ);
}

/// The DER TLV of a handshake `tbs` (TbsHandshake): ClearToken1 and the optional applData.
/// Sign its contents octets ([`crate::crypto::contents`]).
pub fn encode_tbs_handshake(token1: &ClearToken1<'_>, appl_data: Option<&[u8]>) -> Vec<u8> {
    let mut w = Writer::with_capacity(2048);
    if let Some(a) = appl_data {
        let m = w.mark();
        w.raw(a);
        w.wrap(m, ctxc(0));
    }
    w_token1(&mut w, token1);
    w.wrap(0, SEQ);
    w.into_vec()
}

/// A complete HandshakeReq or HandshakeAcc SecPDU from its encoded `tbs` TLV and signature.
pub fn encode_handshake(kind: Kind, pp: &str, tbs_tlv: &[u8], sig: &Signature<'_>) -> Vec<u8> {
    let mut w = Writer::with_capacity(tbs_tlv.len() + 600);
    w_signature(&mut w, sig);
    w.raw(tbs_tlv);
    w.octets(UTF8, pp.as_bytes());
    w.wrap(0, ctxc(kind as u32));
    w.into_vec()
}

/// The DER TLV of a ClearToken3-based `tbs` (Tbs3).
pub fn encode_tbs3(
    token3: &ClearToken3<'_>,
    appl_data: Option<&[u8]>,
    diagnostic: Option<u32>,
) -> Vec<u8> {
    let mut w = Writer::with_capacity(2048);
    if let Some(d) = diagnostic {
        w.integer(Tag::context(1, false), i64::from(d));
    }
    if let Some(a) = appl_data {
        let m = w.mark();
        w.raw(a);
        w.wrap(m, ctxc(0));
    }
    w_token3(&mut w, token3);
    w.wrap(0, SEQ);
    w.into_vec()
}

/// A complete ClearToken3-based SecPDU (reject, abort, release) from its `tbs` TLV and
/// signature.
pub fn encode_signed3(kind: Kind, tbs_tlv: &[u8], sig: &Signature<'_>) -> Vec<u8> {
    let mut w = Writer::with_capacity(tbs_tlv.len() + 600);
    w_signature(&mut w, sig);
    w.raw(tbs_tlv);
    w.wrap(0, ctxc(kind as u32));
    w.into_vec()
}

/// The DER TLV of a ClearToken2: its contents octets are the GCM AAD (F-1132).
pub fn encode_token2(token2: &ClearToken2<'_>) -> Vec<u8> {
    let mut w = Writer::with_capacity(96);
    w_token2(&mut w, token2);
    w.into_vec()
}

/// The DER TLV of a ClearToken2 written into `w` (cleared first), so a data path that keeps
/// one writer encodes every token without allocating; [`Writer::as_slice`] is the TLV.
pub fn encode_token2_into(w: &mut Writer, token2: &ClearToken2<'_>) {
    w.clear();
    w_token2(w, token2);
}

/// The Authenticator of a transfer PDU as far as it is known before its ICV is computed.
#[derive(Debug, Clone, Copy)]
pub struct AuthenticatorShape<'a> {
    /// The GMAC nonce (12 octets); absent for HMAC.
    pub nonce: Option<&'a [u8]>,
    /// The ICV algorithm.
    pub algorithm: &'a Oid<'a>,
    /// The ICV length in octets.
    pub icv_len: usize,
}

impl AuthenticatorShape<'_> {
    /// The contents length of the Authenticator SEQUENCE.
    fn contents_len(&self) -> usize {
        let nonce = self.nonce.map_or(0, |n| tlv_len(ctx(0), n.len()));
        let alg = tlv_len(SEQ, tlv_len(Tag::OID, self.algorithm.as_bytes().len()));
        nonce + alg + tlv_len(Tag::OCTET_STRING, self.icv_len)
    }
}

fn push_header(out: &mut Vec<u8>, tag: Tag, contents_len: usize) {
    let mut h = [0u8; 16];
    if let Some(n) = write_header_into(&mut h, tag, contents_len) {
        out.extend_from_slice(h.get(..n).unwrap_or_default());
    }
}

/// Writes the front of a ClearTransfer / EncrTransfer into `out` in one pass (the same DER as
/// [`encode_tbp`] + [`encode_transfer`], without intermediate buffers): the SecPDU tag, the
/// `tbp` header, the ClearToken2 TLV, and the header of the body — the `[0]` around the PrPDU
/// (ClearTransfer) or the OCTET STRING of the ciphertext (EncrTransfer) — whose `body_len`
/// octets the caller appends next. `auth` is the Authenticator that
/// [`finish_transfer_into`] appends after the body (its length is part of the outer header).
/// Returns the offset in `out` where the `tbp` contents begin: the ICV covers
/// `out[offset..]` once the body is written (F-1131).
pub fn begin_transfer_into(
    out: &mut Vec<u8>,
    kind: Kind,
    token2_tlv: &[u8],
    body_len: usize,
    auth: Option<&AuthenticatorShape<'_>>,
) -> usize {
    let body_tag = if kind == Kind::EncrTransfer {
        Tag::OCTET_STRING
    } else {
        ctxc(0)
    };
    let tbp_contents = token2_tlv.len() + tlv_len(body_tag, body_len);
    let tbp = tlv_len(SEQ, tbp_contents);
    let auth_len = auth.map_or(0, |a| tlv_len(SEQ, a.contents_len()));
    push_header(out, ctxc(kind as u32), tbp + auth_len);
    push_header(out, SEQ, tbp_contents);
    let start = out.len();
    out.extend_from_slice(token2_tlv);
    push_header(out, body_tag, body_len);
    start
}

/// Appends the Authenticator of `shape` with `icv` (exactly `shape.icv_len` octets) after the
/// body that [`begin_transfer_into`] announced.
pub fn finish_transfer_into(out: &mut Vec<u8>, shape: &AuthenticatorShape<'_>, icv: &[u8]) {
    push_header(out, SEQ, shape.contents_len());
    if let Some(n) = shape.nonce {
        push_header(out, ctx(0), n.len());
        out.extend_from_slice(n);
    }
    let oid = shape.algorithm.as_bytes();
    push_header(out, SEQ, tlv_len(Tag::OID, oid.len()));
    push_header(out, Tag::OID, oid.len());
    out.extend_from_slice(oid);
    push_header(out, Tag::OCTET_STRING, icv.len());
    out.extend_from_slice(icv);
}

/// The DER TLV of a `tbp`: the encoded ClearToken2 and either the PrPDU (`[0]` EXPLICIT,
/// ClearTransfer) or the ciphertext (OCTET STRING, EncrTransfer).
pub fn encode_tbp(token2_tlv: &[u8], appl_data: &[u8], encrypted: bool) -> Vec<u8> {
    let mut w = Writer::with_capacity(appl_data.len() + token2_tlv.len() + 16);
    if encrypted {
        w.octets(Tag::OCTET_STRING, appl_data);
    } else {
        let m = w.mark();
        w.raw(appl_data);
        w.wrap(m, ctxc(0));
    }
    w.raw(token2_tlv);
    w.wrap(0, SEQ);
    w.into_vec()
}

/// A complete ClearTransfer / EncrTransfer from its `tbp` TLV and Authenticator, appended to
/// `out`.
pub fn encode_transfer(
    kind: Kind,
    tbp_tlv: &[u8],
    auth: Option<&Authenticator<'_>>,
    out: &mut Vec<u8>,
) {
    let mut w = Writer::with_capacity(tbp_tlv.len() + 96);
    if let Some(a) = auth {
        let m = w.mark();
        w.octets(Tag::OCTET_STRING, a.icv);
        w_alg(&mut w, &a.algorithm);
        if let Some(n) = a.nonce {
            w.octets(ctx(0), n);
        }
        w.wrap(m, SEQ);
    }
    w.raw(tbp_tlv);
    w.wrap(0, ctxc(kind as u32));
    out.extend_from_slice(w.as_slice());
}

// ---------------------------------------------------------------------------------------
// Decoding (BER, bounded, borrowed).
// ---------------------------------------------------------------------------------------

type R<T> = Result<T, DecodeError>;

fn r_alg<'a>(t: Tlv<'a>) -> R<AlgorithmIdentifier<'a>> {
    let mut r = t.expect(SEQ)?.reader()?;
    let algorithm = r.read_tagged(Tag::OID)?.oid()?;
    let parameters = r.read_optional()?.map(|p| p.raw);
    r.finish()?;
    Ok(AlgorithmIdentifier {
        algorithm,
        parameters,
    })
}

fn r_algs<'a>(t: Tlv<'a>, lim: &Limits) -> R<Vec<AlgorithmIdentifier<'a>>> {
    let mut r = t.reader()?;
    let mut v = Vec::new();
    while let Some(e) = r.read_optional()? {
        if v.len() >= lim.max_algorithms {
            return Err(DecodeError::Invalid("algorithm list (too long)"));
        }
        v.push(r_alg(e)?);
    }
    if v.is_empty() {
        return Err(DecodeError::Invalid("algorithm list (empty)"));
    }
    Ok(v)
}

fn r_dh<'a>(t: Tlv<'a>) -> R<DiffieHellmanSet<'a>> {
    let mut r = t.reader()?;
    let group = r.read_tagged(Tag::INTEGER)?.u32()?;
    let public_key = r.read_tagged(Tag::OCTET_STRING)?.octets()?;
    r.finish()?;
    if public_key.len() > 1024 {
        return Err(DecodeError::Invalid("DH public value (too long)"));
    }
    Ok(DiffieHellmanSet { group, public_key })
}

fn r_str<'a>(t: Tlv<'a>, what: &'static str) -> R<&'a str> {
    std::str::from_utf8(t.octets()?).map_err(|_| DecodeError::Invalid(what))
}

fn r_asso_id<'a>(t: Tlv<'a>) -> R<&'a str> {
    let s = r_str(t.expect(IA5)?, "assoID")?;
    if valid_asso_id(s) {
        Ok(s)
    } else {
        Err(DecodeError::Invalid("assoID"))
    }
}

fn r_time(t: Tlv<'_>) -> R<TimeStamp> {
    TimeStamp::parse(t.expect(GT)?.octets()?).ok_or(DecodeError::Invalid("GeneralizedTime"))
}

fn r_cert<'a>(t: Tlv<'a>, lim: &Limits) -> R<&'a [u8]> {
    let c = t.octets()?;
    if c.len() > lim.max_cert_len {
        return Err(DecodeError::Invalid("certificate (too large)"));
    }
    if c.is_empty() {
        return Err(DecodeError::Invalid("certificate (empty)"));
    }
    Ok(c)
}

fn r_certs<'a>(t: Tlv<'a>, lim: &Limits) -> R<Vec<&'a [u8]>> {
    let mut r = t.reader()?;
    let mut v = Vec::new();
    while let Some(e) = r.read_optional()? {
        if v.len() >= lim.max_path_len {
            return Err(DecodeError::Invalid("certPath (too long)"));
        }
        v.push(r_cert(e.expect(Tag::OCTET_STRING)?, lim)?);
    }
    Ok(v)
}

fn r_version(t: Tlv<'_>) -> R<bool> {
    Ok(t.expect(Tag::BIT_STRING)?.bit_string()?.bit(0))
}

fn r_signature<'a>(t: Tlv<'a>) -> R<Signature<'a>> {
    let mut r = t.expect(SEQ)?.reader()?;
    let algo = r_alg(r.read()?)?;
    let sign = r.read_tagged(Tag::OCTET_STRING)?.octets()?;
    r.finish()?;
    if sign.len() > 1024 {
        return Err(DecodeError::Invalid("signature (too long)"));
    }
    Ok(Signature { algo, sign })
}

/// Skips the extension additions of an extensible type (X.680 §52: unknown trailing elements).
fn skip_extensions(r: &mut Reader<'_>) -> R<()> {
    while r.read_optional()?.is_some() {}
    Ok(())
}

fn r_token1<'a>(t: Tlv<'a>, lim: &Limits) -> R<ClearToken1<'a>> {
    let mut r = t.expect(SEQ)?.reader()?;
    let sig_alg = r_alg(r.read()?)?;
    let pk_cert = r_cert(r.read_tagged(Tag::OCTET_STRING)?, lim)?;
    let cert_path = match r.read_if(ctxc(0))? {
        Some(p) => r_certs(p, lim)?,
        None => Vec::new(),
    };
    let version_v1 = r_version(r.read()?)?;
    let asso_id = r_asso_id(r.read()?)?;
    let dh_key = r_dh(r.read_tagged(SEQ)?)?;
    let hmac = r_alg(r.read()?)?;
    let time = r_time(r.read()?)?;
    let em = r.read()?;
    let encr_mode = if em.tag == SEQ {
        EncrMode::Aea(r_algs(em, lim)?)
    } else if em.tag == ctxc(0) {
        let mut er = em.reader()?;
        let encr = match er.read_if(ctxc(0))? {
            Some(e) => Some(r_algs(e, lim)?),
            None => None,
        };
        let icv = r_algs(er.read_tagged(ctxc(1))?, lim)?;
        er.finish()?;
        EncrMode::NonAea { encr, icv }
    } else {
        return Err(DecodeError::Invalid("encr-mode"));
    };
    let cp = r.read_tagged(Tag::BIT_STRING)?.bit_string()?;
    let conf_params = ConfParams {
        tls_protected: cp.bit(0),
        appl_protected: cp.bit(1),
        vpn: cp.bit(2),
    };
    let att_cert = match r.read_if(ctx(1))? {
        Some(a) => Some(r_cert(a, lim)?),
        None => None,
    };
    skip_extensions(&mut r)?;
    Ok(ClearToken1 {
        sig_alg,
        pk_cert,
        cert_path,
        version_v1,
        asso_id,
        dh_key,
        hmac,
        time,
        encr_mode,
        conf_params,
        att_cert,
    })
}

fn r_token2<'a>(t: Tlv<'a>) -> R<ClearToken2<'a>> {
    let mut r = t.expect(SEQ)?.reader()?;
    let asso_id = r_asso_id(r.read()?)?;
    let time = r_time(r.read()?)?;
    let seq = r.read_tagged(Tag::INTEGER)?.u32()?;
    if seq > 0x7FFF_FFFF {
        return Err(DecodeError::Invalid("seq"));
    }
    let iv = match r.read_if(ctx(0))? {
        Some(v) => Some(v.octets()?),
        None => None,
    };
    let rekey = match r.read_if(ctxc(1))? {
        Some(d) => Some(r_dh(d)?),
        None => None,
    };
    let req_rekey = match r.read_if(ctx(2))? {
        Some(b) => b.boolean()?,
        None => false,
    };
    let changed_key = match r.read_if(ctx(3))? {
        Some(b) => b.boolean()?,
        None => false,
    };
    skip_extensions(&mut r)?;
    Ok(ClearToken2 {
        asso_id,
        time,
        seq,
        iv,
        rekey,
        req_rekey,
        changed_key,
    })
}

fn r_token3<'a>(t: Tlv<'a>, lim: &Limits) -> R<ClearToken3<'a>> {
    let mut r = t.expect(SEQ)?.reader()?;
    let sig_alg = r_alg(r.read()?)?;
    let version_v1 = r_version(r.read()?)?;
    let asso_id = match r.read_if(IA5)? {
        Some(a) => Some(r_asso_id(a)?),
        None => None,
    };
    let time = r_time(r.read()?)?;
    let pk_cert = r_cert(r.read_tagged(Tag::OCTET_STRING)?, lim)?;
    let cert_path = match r.read_if(ctxc(0))? {
        Some(p) => r_certs(p, lim)?,
        None => Vec::new(),
    };
    skip_extensions(&mut r)?;
    Ok(ClearToken3 {
        sig_alg,
        version_v1,
        asso_id,
        time,
        pk_cert,
        cert_path,
    })
}

/// The single value inside an EXPLICIT `[0]` (the PrPDU), as a complete TLV.
fn r_explicit_one<'a>(t: Tlv<'a>) -> R<&'a [u8]> {
    let mut r = t.reader()?;
    let inner = r.read()?;
    r.finish()?;
    Ok(inner.raw)
}

fn r_handshake<'a>(mut r: Reader<'a>, lim: &Limits) -> R<Handshake<'a>> {
    let pp = r_str(r.read_tagged(UTF8)?, "pp")?;
    let tbs = r.read_tagged(SEQ)?;
    let signature = r_signature(r.read()?)?;
    r.finish()?;
    let mut tr = tbs.reader()?;
    let token1 = r_token1(tr.read()?, lim)?;
    let appl_data = match tr.read_if(ctxc(0))? {
        Some(a) => Some(r_explicit_one(a)?),
        None => None,
    };
    tr.finish()?;
    Ok(Handshake {
        pp,
        token1,
        appl_data,
        tbs_contents: tbs.contents,
        signature,
    })
}

fn r_signed3<'a>(mut r: Reader<'a>, lim: &Limits) -> R<Signed3<'a>> {
    let tbs = r.read_tagged(SEQ)?;
    let signature = r_signature(r.read()?)?;
    r.finish()?;
    let mut tr = tbs.reader()?;
    let token3 = r_token3(tr.read()?, lim)?;
    let appl_data = match tr.read_if(ctxc(0))? {
        Some(a) => Some(r_explicit_one(a)?),
        None => None,
    };
    let diagnostic = match tr.read_if(ctx(1))? {
        Some(d) => Some(d.u32()?),
        None => None,
    };
    tr.finish()?;
    Ok(Signed3 {
        token3,
        appl_data,
        diagnostic,
        tbs_contents: tbs.contents,
        signature,
    })
}

fn r_transfer<'a>(mut r: Reader<'a>, encrypted: bool) -> R<Transfer<'a>> {
    let tbp = r.read_tagged(SEQ)?;
    let auth = match r.read_optional()? {
        Some(a) => {
            let mut ar = a.expect(SEQ)?.reader()?;
            let nonce = match ar.read_if(ctx(0))? {
                Some(n) => Some(n.octets()?),
                None => None,
            };
            let algorithm = r_alg(ar.read()?)?;
            let icv = ar.read_tagged(Tag::OCTET_STRING)?.octets()?;
            ar.finish()?;
            Some(Authenticator {
                nonce,
                algorithm,
                icv,
            })
        }
        None => None,
    };
    r.finish()?;
    if !encrypted && auth.is_none() {
        return Err(DecodeError::Invalid("ClearTransfer without Authenticator"));
    }
    let mut tr = tbp.reader()?;
    let t2 = tr.read()?;
    let token2_contents = t2.contents;
    let token2 = r_token2(t2)?;
    let appl_data = if encrypted {
        tr.read_tagged(Tag::OCTET_STRING)?.octets()?
    } else {
        r_explicit_one(tr.read_tagged(ctxc(0))?)?
    };
    tr.finish()?;
    Ok(Transfer {
        token2,
        token2_contents,
        appl_data,
        tbp_contents: tbp.contents,
        auth,
    })
}

/// Decodes one SecPDU (the whole of `input`, in the CHOICE-tagged form of the working
/// module), within `lim`.
pub fn decode<'a>(input: &'a [u8], lim: &Limits) -> Result<SecPdu<'a>, DecodeError> {
    let t = top_tlv(input, lim)?;
    if t.tag.class != copp::ber::Class::Context || !t.tag.constructed {
        return Err(DecodeError::Invalid("SecPDU CHOICE tag"));
    }
    let kind = Kind::from_tag(t.tag.number).ok_or(DecodeError::Invalid("SecPDU CHOICE tag"))?;
    decode_kind(kind, t.reader()?, lim)
}

/// Decodes the SecPDU of an OSI `carrier` (§15; the whole of `input`), within `lim`: the
/// bare form of [`Kind::bare_in_osi`] (a SEQUENCE, its type given by the carrier) or the
/// CHOICE-tagged form of [`decode`] (what our earlier versions sent everywhere, and what the
/// AARE and ABRT carry). Which types the carrier allows is the caller's check.
pub fn decode_in<'a>(
    input: &'a [u8],
    carrier: Carrier,
    lim: &Limits,
) -> Result<SecPdu<'a>, DecodeError> {
    if input.first() != Some(&0x30) {
        return decode(input, lim);
    }
    let t = top_tlv(input, lim)?;
    let kind = match carrier {
        Carrier::Aarq => Kind::HandshakeReq,
        Carrier::Rlrq => Kind::ReleaseReq,
        Carrier::Rlre => Kind::ReleaseRsp,
        Carrier::PData => {
            // tbp { token2, [0] PrPDU (ClearTransfer) | OCTET STRING (EncrTransfer) }
            let mut r = t.reader()?;
            let mut tbp = r.read_tagged(SEQ)?.reader()?;
            let _token2 = tbp.read()?;
            match tbp.read()?.tag {
                x if x == ctxc(0) => Kind::ClearTransfer,
                x if x == Tag::OCTET_STRING => Kind::EncrTransfer,
                _ => return Err(DecodeError::Invalid("transfer tbp")),
            }
        }
        Carrier::Aare | Carrier::Abrt => {
            return Err(DecodeError::Invalid(
                "untagged SecPDU where the AARE / ABRT CHOICE is carried",
            ))
        }
    };
    decode_kind(kind, t.reader()?, lim)
}

/// Rewrites an encoded SecPDU (from the encoders: CHOICE-tagged) to the bare form when its
/// kind is [`Kind::bare_in_osi`]: the one identifier octet `[n]` constructed (n ≤ 10)
/// becomes SEQUENCE (0x30); the length and contents octets stay as they are, so what the
/// signature or ICV covers does not change. Anything else is left alone.
pub fn make_bare(pdu: &mut [u8]) {
    if let Some(first) = pdu.first_mut() {
        let bare = *first & 0xE0 == 0xA0
            && Kind::from_tag(u32::from(*first & 0x1F)).is_some_and(Kind::bare_in_osi);
        if bare {
            *first = 0x30;
        }
    }
}

/// The one TLV of `input` (nothing after it), within the size and depth limits.
fn top_tlv<'a>(input: &'a [u8], lim: &Limits) -> Result<Tlv<'a>, DecodeError> {
    if input.len() > lim.max_pdu_len {
        return Err(DecodeError::TooLarge {
            len: input.len(),
            max: lim.max_pdu_len,
        });
    }
    let mut top = Reader::with_depth(input, lim.max_depth);
    let t = top.read()?;
    top.finish()?;
    Ok(t)
}

fn decode_kind<'a>(kind: Kind, r: Reader<'a>, lim: &Limits) -> Result<SecPdu<'a>, DecodeError> {
    Ok(match kind {
        Kind::HandshakeReq => SecPdu::HandshakeReq(r_handshake(r, lim)?),
        Kind::HandshakeAcc => SecPdu::HandshakeAcc(r_handshake(r, lim)?),
        Kind::ApplicationReject => SecPdu::ApplicationReject(r_signed3(r, lim)?),
        Kind::HandshakeSecReject => SecPdu::HandshakeSecReject(r_signed3(r, lim)?),
        Kind::HandshakeSecAbort => SecPdu::HandshakeSecAbort(r_signed3(r, lim)?),
        Kind::DtSecAbort => SecPdu::DtSecAbort(r_signed3(r, lim)?),
        Kind::ApplAbort => SecPdu::ApplAbort(r_signed3(r, lim)?),
        Kind::ClearTransfer => SecPdu::ClearTransfer(r_transfer(r, false)?),
        Kind::EncrTransfer => SecPdu::EncrTransfer(r_transfer(r, true)?),
        Kind::ReleaseReq => SecPdu::ReleaseReq(r_signed3(r, lim)?),
        Kind::ReleaseRsp => SecPdu::ReleaseRsp(r_signed3(r, lim)?),
    })
}

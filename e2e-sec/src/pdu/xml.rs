//! The SecPDUs in XML: the XER form (X.693 BASIC-XER naming) of the E2E-Working module in the
//! namespace `http://www.iec.ch/62351/2018/E2E_4` (docs/facts.md F-1105; ASSUMPTIONS.md XS-01..XS-06),
//! the XMPP environment's encoding of IEC 62351-4 §13.
//!
//! The shape is the BER codec's ([`super::encode_tbs_handshake`] ... [`super::decode`]):
//!
//! * element names are the ASN.1 identifiers (U-13); the root is the SecPDU CHOICE
//!   alternative (`handshakeReq`, ..., `releaseRsp`) carrying `xmlns` = [`E2E_NS`]; the
//!   elements of a `SEQUENCE OF` a type reference are named after the type
//!   (`<PKCert>`, `<AlgorithmIdentifier>`);
//! * OCTET STRINGs are hexadecimal (upper case when written); BIT STRINGs are `0`/`1`
//!   characters (trailing zero bits dropped); BOOLEANs are `<true/>` / `<false/>`; INTEGERs
//!   decimal; GeneralizedTime its characters (F-1104); OBJECT IDENTIFIERs dotted;
//! * the `applData` of the handshake, release, reject and ClearTransfer PDUs holds the
//!   protected protocol's PDU as XML (the XER MMSpdu), opaque here: decoding hands out the
//!   exact received octets between `<applData>` and `</applData>`; in EncrTransfer
//!   `applData` is the ciphertext in hexadecimal (F-1133);
//! * AlgorithmIdentifier `parameters` (ANY) is the hexadecimal of the parameters' BER TLV
//!   (ASSUMPTIONS.md XS-03).
//!
//! What is signed or integrity-protected is the exact received octets between the start and
//! end tags of `tbs` / `tbp` (F-1113, F-1131), and the AES-GCM AAD those between the start
//! and end tags of `token2` (F-1132); the decoder keeps them as `tbs_contents`,
//! `tbp_contents`, `token2_contents`, so verification never runs over a re-serialisation
//! (I-12). Binary fields are decoded into an [`XmlStore`] the returned [`SecPdu`] borrows.
//!
//! Decoding is bounded: the input size ([`Limits::max_pdu_len`]), nesting depth
//! ([`Limits::max_depth`], [`MAX_APPL_DEPTH`] inside `applData`), element count ([`MAX_ELEMENTS`]) and text length
//! ([`MAX_TEXT`] outside `applData`); a DOCTYPE (and so any entity definition), CDATA,
//! attributes other than the root's `xmlns` and prefixed names are refused outside `applData`.

use std::fmt::Write as _;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::*;

/// The namespace of the SecPDUs in XML (F-1105).
pub const E2E_NS: &str = "http://www.iec.ch/62351/2018/E2E_4";

/// The most elements one SecPDU may hold, `applData` contents included.
pub const MAX_ELEMENTS: usize = 4096;

/// The deepest nesting inside `applData` (the protected protocol's XER: as deep as the MMS
/// XER decoder allows by default); the SecPDU's own elements are bounded by
/// [`Limits::max_depth`].
pub const MAX_APPL_DEPTH: usize = 64;

/// The longest text of one element outside `applData`, in characters (an 8192-octet
/// certificate in hexadecimal, with room for whitespace).
pub const MAX_TEXT: usize = 2 * 8192 + 256;

impl Kind {
    /// The element name of this alternative in XML: its identifier in the SecPDU CHOICE.
    pub fn xml_name(self) -> &'static str {
        match self {
            Kind::HandshakeReq => "handshakeReq",
            Kind::HandshakeAcc => "handshakeAcc",
            Kind::ApplicationReject => "applicationReject",
            Kind::HandshakeSecReject => "handshakeSecReject",
            Kind::HandshakeSecAbort => "handshakeSecAbort",
            Kind::DtSecAbort => "dtSecAbort",
            Kind::ApplAbort => "applAbort",
            Kind::ClearTransfer => "clearTransfer",
            Kind::EncrTransfer => "encrTransfer",
            Kind::ReleaseReq => "releaseReq",
            Kind::ReleaseRsp => "releaseRsp",
        }
    }

    /// The kind whose [`Kind::xml_name`] is `name`.
    pub fn from_xml_name(name: &[u8]) -> Option<Kind> {
        (0..=10)
            .filter_map(Kind::from_tag)
            .find(|k| k.xml_name().as_bytes() == name)
    }
}

// ---------------------------------------------------------------------------------------
// Encoding.
// ---------------------------------------------------------------------------------------

struct X(Vec<u8>);

impl X {
    fn new(cap: usize) -> X {
        X(Vec::with_capacity(cap))
    }
    fn open(&mut self, n: &str) {
        self.0.push(b'<');
        self.0.extend_from_slice(n.as_bytes());
        self.0.push(b'>');
    }
    fn close(&mut self, n: &str) {
        self.0.extend_from_slice(b"</");
        self.0.extend_from_slice(n.as_bytes());
        self.0.push(b'>');
    }
    fn root(&mut self, k: Kind) {
        self.0.push(b'<');
        self.0.extend_from_slice(k.xml_name().as_bytes());
        self.0.extend_from_slice(b" xmlns='");
        self.0.extend_from_slice(E2E_NS.as_bytes());
        self.0.extend_from_slice(b"'>");
    }
    /// An element without content, as XMPP servers write it (`<n/>`, XS-13).
    fn empty(&mut self, n: &str) {
        self.0.push(b'<');
        self.0.extend_from_slice(n.as_bytes());
        self.0.extend_from_slice(b"/>");
    }
    fn text(&mut self, n: &str, s: &str) {
        if s.is_empty() {
            return self.empty(n);
        }
        self.open(n);
        for c in s.chars() {
            match c {
                '<' => self.0.extend_from_slice(b"&lt;"),
                '>' => self.0.extend_from_slice(b"&gt;"),
                '&' => self.0.extend_from_slice(b"&amp;"),
                '\'' => self.0.extend_from_slice(b"&apos;"),
                '"' => self.0.extend_from_slice(b"&quot;"),
                c => {
                    let mut b = [0u8; 4];
                    self.0.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                }
            }
        }
        self.close(n);
    }
    fn hex(&mut self, n: &str, b: &[u8]) {
        if b.is_empty() {
            return self.empty(n);
        }
        self.open(n);
        push_hex(&mut self.0, b);
        self.close(n);
    }
    fn boolean(&mut self, n: &str, v: bool) {
        self.open(n);
        self.0
            .extend_from_slice(if v { b"<true/>" } else { b"<false/>" });
        self.close(n);
    }
    fn raw(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
}

fn push_hex(out: &mut Vec<u8>, b: &[u8]) {
    const H: &[u8; 16] = b"0123456789ABCDEF";
    for x in b {
        out.push(H[usize::from(x >> 4)]);
        out.push(H[usize::from(x & 15)]);
    }
}

fn w_alg(x: &mut X, n: &str, a: &AlgorithmIdentifier<'_>) {
    x.open(n);
    x.text("algorithm", &a.algorithm.to_id_string());
    if let Some(p) = a.parameters {
        x.hex("parameters", p);
    }
    x.close(n);
}

fn w_algs(x: &mut X, n: &str, algs: &[AlgorithmIdentifier<'_>]) {
    x.open(n);
    for a in algs {
        w_alg(x, "AlgorithmIdentifier", a);
    }
    x.close(n);
}

fn w_dh(x: &mut X, n: &str, d: &DiffieHellmanSet<'_>) {
    x.open(n);
    x.text("group", &d.group.to_string());
    x.hex("publicKey", d.public_key);
    x.close(n);
}

fn w_bits(x: &mut X, n: &str, bits: &[bool]) {
    let len = bits.iter().rposition(|b| *b).map_or(0, |i| i + 1);
    let s: String = bits
        .iter()
        .take(len)
        .map(|b| if *b { '1' } else { '0' })
        .collect();
    x.text(n, &s);
}

fn w_time(x: &mut X, n: &str, t: TimeStamp) {
    match t.generalized_octets() {
        Some(g) => x.text(n, std::str::from_utf8(g.as_bytes()).unwrap_or_default()),
        None => x.text(n, &t.to_generalized()),
    }
}

fn w_certs(x: &mut X, n: &str, certs: &[&[u8]]) {
    if certs.is_empty() {
        return;
    }
    x.open(n);
    for c in certs {
        x.hex("PKCert", c);
    }
    x.close(n);
}

fn w_token1(x: &mut X, t: &ClearToken1<'_>) {
    x.open("token1");
    w_alg(x, "sigAlg", &t.sig_alg);
    x.hex("pkCert", t.pk_cert);
    w_certs(x, "certPath", &t.cert_path);
    w_bits(x, "version", &[t.version_v1]);
    x.text("assoID", t.asso_id);
    w_dh(x, "dhKey", &t.dh_key);
    w_alg(x, "hmac", &t.hmac);
    w_time(x, "time", t.time);
    x.open("encr-mode");
    match &t.encr_mode {
        EncrMode::Aea(l) => w_algs(x, "aea", l),
        EncrMode::NonAea { encr, icv } => {
            x.open("non-aea");
            if let Some(e) = encr {
                w_algs(x, "encr", e);
            }
            w_algs(x, "icvAlgID", icv);
            x.close("non-aea");
        }
    }
    x.close("encr-mode");
    w_bits(
        x,
        "confParams",
        &[
            t.conf_params.tls_protected,
            t.conf_params.appl_protected,
            t.conf_params.vpn,
        ],
    );
    if let Some(a) = t.att_cert {
        x.hex("attCert", a);
    }
    x.close("token1");
}

fn w_token2(x: &mut X, t: &ClearToken2<'_>) {
    x.open("token2");
    x.text("assoID", t.asso_id);
    w_time(x, "time", t.time);
    x.text("seq", &t.seq.to_string());
    if let Some(iv) = t.iv {
        x.hex("iv", iv);
    }
    if let Some(d) = &t.rekey {
        w_dh(x, "rekey", d);
    }
    if t.req_rekey {
        x.boolean("reqRekey", true);
    }
    if t.changed_key {
        x.boolean("changedKey", true);
    }
    x.close("token2");
}

fn w_token3(x: &mut X, t: &ClearToken3<'_>) {
    x.open("token3");
    w_alg(x, "sigAlg", &t.sig_alg);
    w_bits(x, "version", &[t.version_v1]);
    if let Some(a) = t.asso_id {
        x.text("assoID", a);
    }
    w_time(x, "time", t.time);
    x.hex("pkCert", t.pk_cert);
    w_certs(x, "certPath", &t.cert_path);
    x.close("token3");
}

fn w_signature(x: &mut X, s: &Signature<'_>) {
    x.open("sign");
    w_alg(x, "algo", &s.algo);
    x.hex("sign", s.sign);
    x.close("sign");
}

fn w_appl(x: &mut X, appl: &[u8]) {
    x.open("applData");
    x.raw(appl);
    x.close("applData");
}

/// The octets between the first start tag and the last end tag of an element this module
/// wrote (`<tbs>…</tbs>`, `<tbp>…</tbp>`, `<token2>…</token2>`): what is signed, ICV-covered
/// or the AAD (F-1113, F-1131, F-1132). Empty when `element` is not such an element.
pub fn contents(element: &[u8]) -> &[u8] {
    let start = element.iter().position(|b| *b == b'>').map(|i| i + 1);
    let end = element.windows(2).rposition(|w| w == b"</");
    match (start, end) {
        (Some(s), Some(e)) if s <= e => element.get(s..e).unwrap_or_default(),
        _ => &[],
    }
}

/// The whole `<tbs>…</tbs>` element of a HandshakeReq / HandshakeAcc: ClearToken1 and the
/// protected protocol's PDU (`appl_data`, XML, put in as it is). Sign its [`contents`].
pub fn encode_tbs_handshake(token1: &ClearToken1<'_>, appl_data: Option<&[u8]>) -> Vec<u8> {
    let mut x = X::new(8192 + appl_data.map_or(0, <[u8]>::len));
    x.open("tbs");
    w_token1(&mut x, token1);
    if let Some(a) = appl_data {
        w_appl(&mut x, a);
    }
    x.close("tbs");
    x.0
}

/// A complete HandshakeReq / HandshakeAcc element from its `tbs` element and signature.
pub fn encode_handshake(kind: Kind, pp: &str, tbs_element: &[u8], sig: &Signature<'_>) -> Vec<u8> {
    let mut x = X::new(tbs_element.len() + 1024);
    x.root(kind);
    x.text("pp", pp);
    x.raw(tbs_element);
    w_signature(&mut x, sig);
    x.close(kind.xml_name());
    x.0
}

/// The `<tbs>…</tbs>` element of a ClearToken3-based PDU (Tbs3).
pub fn encode_tbs3(
    token3: &ClearToken3<'_>,
    appl_data: Option<&[u8]>,
    diagnostic: Option<u32>,
) -> Vec<u8> {
    let mut x = X::new(8192 + appl_data.map_or(0, <[u8]>::len));
    x.open("tbs");
    w_token3(&mut x, token3);
    if let Some(a) = appl_data {
        w_appl(&mut x, a);
    }
    if let Some(d) = diagnostic {
        x.text("diagnostic", &d.to_string());
    }
    x.close("tbs");
    x.0
}

/// A complete ClearToken3-based SecPDU element (reject, abort, release) from its `tbs` element
/// and signature.
pub fn encode_signed3(kind: Kind, tbs_element: &[u8], sig: &Signature<'_>) -> Vec<u8> {
    let mut x = X::new(tbs_element.len() + 1024);
    x.root(kind);
    x.raw(tbs_element);
    w_signature(&mut x, sig);
    x.close(kind.xml_name());
    x.0
}

/// The `<token2>…</token2>` element: its [`contents`] are the GCM AAD (F-1132).
pub fn encode_token2(token2: &ClearToken2<'_>) -> Vec<u8> {
    let mut x = X::new(256);
    w_token2(&mut x, token2);
    x.0
}

/// The `<tbp>…</tbp>` element: the `token2` element and either the PrPDU (XML, ClearTransfer)
/// or the ciphertext (hexadecimal, EncrTransfer).
pub fn encode_tbp(token2_element: &[u8], appl_data: &[u8], encrypted: bool) -> Vec<u8> {
    let mut x = X::new(token2_element.len() + 2 * appl_data.len() + 32);
    x.open("tbp");
    x.raw(token2_element);
    if encrypted {
        x.hex("applData", appl_data);
    } else {
        w_appl(&mut x, appl_data);
    }
    x.close("tbp");
    x.0
}

/// A complete ClearTransfer / EncrTransfer element from its `tbp` element and Authenticator,
/// appended to `out`.
pub fn encode_transfer(
    kind: Kind,
    tbp_element: &[u8],
    auth: Option<&Authenticator<'_>>,
    out: &mut Vec<u8>,
) {
    let mut x = X(std::mem::take(out));
    x.root(kind);
    x.raw(tbp_element);
    if let Some(a) = auth {
        x.open("auth");
        if let Some(n) = a.nonce {
            x.hex("nonce", n);
        }
        w_alg(&mut x, "algorithm", &a.algorithm);
        x.hex("icv", a.icv);
        x.close("auth");
    }
    x.close(kind.xml_name());
    *out = x.0;
}

// ---------------------------------------------------------------------------------------
// Decoding: XML → a bounded tree (in the store) → SecPdu borrowing input and store.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Node {
    /// The element's local name (ASCII, checked).
    name: String,
    /// Where its contents begin and end in the input (between start and end tag).
    content: (usize, usize),
    children: Vec<usize>,
    /// Its character data (unescaped, concatenated); empty when it has children.
    text: String,
    /// The text as hexadecimal, when it is.
    bin: Option<Vec<u8>>,
    /// The text as a dotted OBJECT IDENTIFIER, when it is one.
    oid: Option<Oid<'static>>,
}

/// The owned storage a decoded XML SecPDU borrows from: the element tree and the binary
/// fields (certificates, public values, IVs, ICVs, signatures, ciphertext) decoded from
/// hexadecimal. One store per decode; [`decode`] clears it first.
#[derive(Debug, Default)]
pub struct XmlStore {
    nodes: Vec<Node>,
}

impl XmlStore {
    /// An empty store.
    pub fn new() -> XmlStore {
        XmlStore::default()
    }
}

type R<T> = Result<T, DecodeError>;

fn bad(what: &'static str) -> DecodeError {
    DecodeError::Invalid(what)
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return None;
    }
    let v = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    digits
        .chunks(2)
        .map(|p| match p {
            [h, l] => Some(v(*h)? << 4 | v(*l)?),
            _ => None,
        })
        .collect()
}

fn pos(r: &Reader<&[u8]>) -> usize {
    usize::try_from(r.buffer_position()).unwrap_or(usize::MAX)
}

/// Names outside `applData`: no prefix, ASCII letters, digits and '-'.
fn plain_name(n: &[u8]) -> R<String> {
    if n.is_empty() || !n.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-') {
        return Err(bad("element name (prefixed or not an ASN.1 identifier)"));
    }
    Ok(String::from_utf8_lossy(n).into_owned())
}

/// Parses `input` into `store`: one root element in [`E2E_NS`], bounded.
fn parse(input: &[u8], store: &mut XmlStore, lim: &Limits) -> R<()> {
    store.nodes.clear();
    if input.len() > lim.max_pdu_len {
        return Err(DecodeError::TooLarge {
            len: input.len(),
            max: lim.max_pdu_len,
        });
    }
    let mut r = Reader::from_reader(input);
    r.config_mut().trim_text(false);
    r.config_mut().check_end_names = true;
    // The open elements of the SecPDU (indexes into the store).
    let mut stack: Vec<usize> = Vec::new();
    // Inside applData: its node and the depth of elements opened within it.
    let mut opaque: Option<(usize, usize)> = None;
    let mut elements = 0usize;
    let mut root_done = false;
    loop {
        let before = pos(&r);
        let ev = r.read_event().map_err(|_| bad("XML not well-formed"))?;
        let after = pos(&r);
        match ev {
            Event::Eof => break,
            Event::DocType(_) => return Err(bad("DOCTYPE")),
            Event::Decl(_) if stack.is_empty() && !root_done && elements == 0 => {}
            Event::Decl(_) => return Err(bad("XML declaration inside the document")),
            Event::PI(_) | Event::Comment(_) => {}
            Event::CData(_) if opaque.is_some() => {}
            Event::CData(_) => return Err(bad("CDATA")),
            Event::Start(_) | Event::Empty(_) if root_done => {
                return Err(bad("more than one root element"))
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(bad("too many elements"));
                }
                let empty = matches!(ev, Event::Empty(_));
                if let Some((_, depth)) = opaque.as_mut() {
                    if !empty {
                        *depth += 1;
                        if *depth > MAX_APPL_DEPTH {
                            return Err(bad("nesting too deep (applData)"));
                        }
                    }
                    continue;
                }
                if stack.len() >= usize::from(lim.max_depth) {
                    return Err(bad("nesting too deep"));
                }
                let name = plain_name(e.name().as_ref())?;
                let is_root = stack.is_empty();
                for a in e.attributes() {
                    let a = a.map_err(|_| bad("attribute"))?;
                    let ok = is_root
                        && a.key.as_ref() == b"xmlns"
                        && a.unescape_value().map_err(|_| bad("attribute"))? == E2E_NS;
                    if !ok {
                        return Err(bad("attribute other than the root's xmlns in E2E_4"));
                    }
                }
                if is_root && !e.attributes().any(|_| true) {
                    return Err(bad("root element without the E2E_4 namespace"));
                }
                let id = store.nodes.len();
                store.nodes.push(Node {
                    name,
                    content: (after, after),
                    ..Node::default()
                });
                if let Some(parent) = stack.last().copied() {
                    if let Some(p) = store.nodes.get_mut(parent) {
                        p.children.push(id);
                    }
                }
                if empty {
                    if is_root {
                        root_done = true;
                    }
                } else {
                    if store.nodes.get(id).is_some_and(|n| n.name == "applData") {
                        opaque = Some((id, 0));
                    }
                    stack.push(id);
                }
            }
            Event::End(_) => {
                if let Some((id, depth)) = opaque.as_mut() {
                    if *depth > 0 {
                        *depth -= 1;
                        continue;
                    }
                    let id = *id;
                    opaque = None;
                    if let Some(n) = store.nodes.get_mut(id) {
                        n.content.1 = before;
                    }
                    stack.pop();
                    continue;
                }
                let id = stack.pop().ok_or_else(|| bad("end tag without start"))?;
                if let Some(n) = store.nodes.get_mut(id) {
                    n.content.1 = before;
                }
                if stack.is_empty() {
                    root_done = true;
                }
            }
            Event::Text(t) => {
                let Some(&top) = stack.last() else {
                    if t.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    return Err(bad("text outside the root element"));
                };
                let s = t.unescape().map_err(|_| bad("text (entity)"))?;
                let in_appl = opaque.is_some_and(|(_, d)| d == 0);
                if opaque.is_some() && !in_appl {
                    continue;
                }
                if let Some(n) = store.nodes.get_mut(top) {
                    let limit = if in_appl { lim.max_pdu_len } else { MAX_TEXT };
                    if n.text.len() + s.len() > limit {
                        return Err(bad("text too long"));
                    }
                    n.text.push_str(&s);
                }
            }
        }
    }
    if !root_done || !stack.is_empty() {
        return Err(bad("XML truncated"));
    }
    // Binary and OID views of the leaves (only of what they can be).
    for n in &mut store.nodes {
        if !n.children.is_empty() {
            n.text.clear();
            continue;
        }
        let t = n.text.trim();
        if t.contains('.') {
            n.oid = copp::ber::oid_from_str(t).ok();
        } else if n.name != "applData" || !t.is_empty() {
            n.bin = from_hex(t);
        }
    }
    Ok(())
}

/// Reads the tree in the store, borrowing it and the input for `'a`.
struct T<'a> {
    st: &'a XmlStore,
    input: &'a [u8],
    lim: Limits,
}

/// A cursor over one element's children, in order.
struct C<'a> {
    kids: &'a [usize],
    i: usize,
}

impl<'a> T<'a> {
    fn node(&self, id: usize) -> R<&'a Node> {
        self.st.nodes.get(id).ok_or_else(|| bad("element"))
    }
    fn kids(&self, id: usize) -> R<C<'a>> {
        Ok(C {
            kids: &self.node(id)?.children,
            i: 0,
        })
    }
    fn opt(&self, c: &mut C<'a>, name: &str) -> R<Option<usize>> {
        match c.kids.get(c.i) {
            Some(&k) if self.node(k)?.name == name => {
                c.i += 1;
                Ok(Some(k))
            }
            _ => Ok(None),
        }
    }
    fn req(&self, c: &mut C<'a>, name: &'static str) -> R<usize> {
        self.opt(c, name)?.ok_or(DecodeError::Invalid(name))
    }
    fn finish(&self, c: &C<'a>) -> R<()> {
        if c.i == c.kids.len() {
            Ok(())
        } else {
            Err(bad("unexpected element"))
        }
    }
    /// Skips the extension additions of an extensible type (unknown trailing elements).
    fn skip_extensions(&self, c: &mut C<'a>) {
        c.i = c.kids.len();
    }
    fn text(&self, id: usize) -> R<&'a str> {
        let n = self.node(id)?;
        if !n.children.is_empty() {
            return Err(bad("element where text was expected"));
        }
        Ok(n.text.trim())
    }
    fn bin(&self, id: usize, what: &'static str) -> R<&'a [u8]> {
        let n = self.node(id)?;
        if !n.children.is_empty() {
            return Err(DecodeError::Invalid(what));
        }
        n.bin.as_deref().ok_or(DecodeError::Invalid(what))
    }
    fn uint(&self, id: usize, what: &'static str) -> R<u32> {
        let s = self.text(id)?;
        if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DecodeError::Invalid(what));
        }
        s.parse().map_err(|_| DecodeError::Invalid(what))
    }
    fn span(&self, id: usize) -> R<&'a [u8]> {
        let (s, e) = self.node(id)?.content;
        self.input.get(s..e).ok_or_else(|| bad("span"))
    }
    fn bits(&self, id: usize, what: &'static str) -> R<Vec<bool>> {
        self.text(id)?
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .map(|b| match b {
                b'0' => Ok(false),
                b'1' => Ok(true),
                _ => Err(DecodeError::Invalid(what)),
            })
            .collect()
    }
    fn boolean(&self, id: usize, what: &'static str) -> R<bool> {
        let n = self.node(id)?;
        match n.children.as_slice() {
            [k] => match self.node(*k)?.name.as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(DecodeError::Invalid(what)),
            },
            _ => Err(DecodeError::Invalid(what)),
        }
    }
    fn alg(&self, id: usize) -> R<AlgorithmIdentifier<'a>> {
        let mut c = self.kids(id)?;
        let a = self.req(&mut c, "algorithm")?;
        let algorithm = self
            .node(a)?
            .oid
            .clone()
            .ok_or_else(|| bad("algorithm OBJECT IDENTIFIER"))?;
        let parameters = match self.opt(&mut c, "parameters")? {
            Some(p) => {
                let tlv = self.bin(p, "parameters")?;
                // One complete BER value (ANY).
                let mut r = copp::ber::Reader::with_depth(tlv, self.lim.max_depth);
                r.read()?;
                r.finish()?;
                Some(tlv)
            }
            None => None,
        };
        self.finish(&c)?;
        Ok(AlgorithmIdentifier {
            algorithm,
            parameters,
        })
    }
    fn algs(&self, id: usize) -> R<Vec<AlgorithmIdentifier<'a>>> {
        let mut c = self.kids(id)?;
        let mut v = Vec::new();
        while let Some(a) = self.opt(&mut c, "AlgorithmIdentifier")? {
            if v.len() >= self.lim.max_algorithms {
                return Err(bad("algorithm list (too long)"));
            }
            v.push(self.alg(a)?);
        }
        self.finish(&c)?;
        if v.is_empty() {
            return Err(bad("algorithm list (empty)"));
        }
        Ok(v)
    }
    fn dh(&self, id: usize) -> R<DiffieHellmanSet<'a>> {
        let mut c = self.kids(id)?;
        let group = self.uint(self.req(&mut c, "group")?, "group")?;
        let public_key = self.bin(self.req(&mut c, "publicKey")?, "publicKey")?;
        self.finish(&c)?;
        if public_key.len() > 1024 {
            return Err(bad("DH public value (too long)"));
        }
        Ok(DiffieHellmanSet { group, public_key })
    }
    fn asso_id(&self, id: usize) -> R<&'a str> {
        let s = self.text(id)?;
        if valid_asso_id(s) {
            Ok(s)
        } else {
            Err(bad("assoID"))
        }
    }
    fn time(&self, id: usize) -> R<TimeStamp> {
        TimeStamp::parse(self.text(id)?.as_bytes()).ok_or_else(|| bad("GeneralizedTime"))
    }
    fn cert(&self, id: usize) -> R<&'a [u8]> {
        let c = self.bin(id, "certificate")?;
        if c.len() > self.lim.max_cert_len {
            return Err(bad("certificate (too large)"));
        }
        if c.is_empty() {
            return Err(bad("certificate (empty)"));
        }
        Ok(c)
    }
    fn certs(&self, id: usize) -> R<Vec<&'a [u8]>> {
        let mut c = self.kids(id)?;
        let mut v = Vec::new();
        while let Some(p) = self.opt(&mut c, "PKCert")? {
            if v.len() >= self.lim.max_path_len {
                return Err(bad("certPath (too long)"));
            }
            v.push(self.cert(p)?);
        }
        self.finish(&c)?;
        Ok(v)
    }
    fn version(&self, id: usize) -> R<bool> {
        Ok(self.bits(id, "version")?.first().copied().unwrap_or(false))
    }
    fn signature(&self, id: usize) -> R<Signature<'a>> {
        let mut c = self.kids(id)?;
        let algo = self.alg(self.req(&mut c, "algo")?)?;
        let sign = self.bin(self.req(&mut c, "sign")?, "signature")?;
        self.finish(&c)?;
        if sign.len() > 1024 {
            return Err(bad("signature (too long)"));
        }
        Ok(Signature { algo, sign })
    }
    fn token1(&self, id: usize) -> R<ClearToken1<'a>> {
        let mut c = self.kids(id)?;
        let sig_alg = self.alg(self.req(&mut c, "sigAlg")?)?;
        let pk_cert = self.cert(self.req(&mut c, "pkCert")?)?;
        let cert_path = match self.opt(&mut c, "certPath")? {
            Some(p) => self.certs(p)?,
            None => Vec::new(),
        };
        let version_v1 = self.version(self.req(&mut c, "version")?)?;
        let asso_id = self.asso_id(self.req(&mut c, "assoID")?)?;
        let dh_key = self.dh(self.req(&mut c, "dhKey")?)?;
        let hmac = self.alg(self.req(&mut c, "hmac")?)?;
        let time = self.time(self.req(&mut c, "time")?)?;
        let em = self.req(&mut c, "encr-mode")?;
        let mut ec = self.kids(em)?;
        let encr_mode = if let Some(a) = self.opt(&mut ec, "aea")? {
            EncrMode::Aea(self.algs(a)?)
        } else if let Some(n) = self.opt(&mut ec, "non-aea")? {
            let mut nc = self.kids(n)?;
            let encr = match self.opt(&mut nc, "encr")? {
                Some(e) => Some(self.algs(e)?),
                None => None,
            };
            let icv = self.algs(self.req(&mut nc, "icvAlgID")?)?;
            self.finish(&nc)?;
            EncrMode::NonAea { encr, icv }
        } else {
            return Err(bad("encr-mode"));
        };
        self.finish(&ec)?;
        let cp = self.bits(self.req(&mut c, "confParams")?, "confParams")?;
        let bit = |i: usize| cp.get(i).copied().unwrap_or(false);
        let conf_params = ConfParams {
            tls_protected: bit(0),
            appl_protected: bit(1),
            vpn: bit(2),
        };
        let att_cert = match self.opt(&mut c, "attCert")? {
            Some(a) => Some(self.cert(a)?),
            None => None,
        };
        self.skip_extensions(&mut c);
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
    fn token2(&self, id: usize) -> R<ClearToken2<'a>> {
        let mut c = self.kids(id)?;
        let asso_id = self.asso_id(self.req(&mut c, "assoID")?)?;
        let time = self.time(self.req(&mut c, "time")?)?;
        let seq = self.uint(self.req(&mut c, "seq")?, "seq")?;
        if seq > 0x7FFF_FFFF {
            return Err(bad("seq"));
        }
        let iv = match self.opt(&mut c, "iv")? {
            Some(v) => Some(self.bin(v, "iv")?),
            None => None,
        };
        let rekey = match self.opt(&mut c, "rekey")? {
            Some(d) => Some(self.dh(d)?),
            None => None,
        };
        let req_rekey = match self.opt(&mut c, "reqRekey")? {
            Some(b) => self.boolean(b, "reqRekey")?,
            None => false,
        };
        let changed_key = match self.opt(&mut c, "changedKey")? {
            Some(b) => self.boolean(b, "changedKey")?,
            None => false,
        };
        self.skip_extensions(&mut c);
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
    fn token3(&self, id: usize) -> R<ClearToken3<'a>> {
        let mut c = self.kids(id)?;
        let sig_alg = self.alg(self.req(&mut c, "sigAlg")?)?;
        let version_v1 = self.version(self.req(&mut c, "version")?)?;
        let asso_id = match self.opt(&mut c, "assoID")? {
            Some(a) => Some(self.asso_id(a)?),
            None => None,
        };
        let time = self.time(self.req(&mut c, "time")?)?;
        let pk_cert = self.cert(self.req(&mut c, "pkCert")?)?;
        let cert_path = match self.opt(&mut c, "certPath")? {
            Some(p) => self.certs(p)?,
            None => Vec::new(),
        };
        self.skip_extensions(&mut c);
        Ok(ClearToken3 {
            sig_alg,
            version_v1,
            asso_id,
            time,
            pk_cert,
            cert_path,
        })
    }
    /// The opaque PrPDU: the exact octets between `<applData>` and `</applData>`, which must
    /// hold one element.
    fn appl(&self, id: usize) -> R<&'a [u8]> {
        let s = self.span(id)?;
        let t = s.trim_ascii();
        if !t.starts_with(b"<") || !self.node(id)?.text.trim().is_empty() {
            return Err(bad("applData (not an XML element)"));
        }
        Ok(s)
    }
    fn handshake(&self, root: usize) -> R<Handshake<'a>> {
        let mut c = self.kids(root)?;
        let pp = self.text(self.req(&mut c, "pp")?)?;
        let tbs = self.req(&mut c, "tbs")?;
        let signature = self.signature(self.req(&mut c, "sign")?)?;
        self.finish(&c)?;
        let mut tc = self.kids(tbs)?;
        let token1 = self.token1(self.req(&mut tc, "token1")?)?;
        let appl_data = match self.opt(&mut tc, "applData")? {
            Some(a) => Some(self.appl(a)?),
            None => None,
        };
        self.finish(&tc)?;
        Ok(Handshake {
            pp,
            token1,
            appl_data,
            tbs_contents: self.span(tbs)?,
            signature,
        })
    }
    fn signed3(&self, root: usize) -> R<Signed3<'a>> {
        let mut c = self.kids(root)?;
        let tbs = self.req(&mut c, "tbs")?;
        let signature = self.signature(self.req(&mut c, "sign")?)?;
        self.finish(&c)?;
        let mut tc = self.kids(tbs)?;
        let token3 = self.token3(self.req(&mut tc, "token3")?)?;
        let appl_data = match self.opt(&mut tc, "applData")? {
            Some(a) => Some(self.appl(a)?),
            None => None,
        };
        let diagnostic = match self.opt(&mut tc, "diagnostic")? {
            Some(d) => Some(self.uint(d, "diagnostic")?),
            None => None,
        };
        self.finish(&tc)?;
        Ok(Signed3 {
            token3,
            appl_data,
            diagnostic,
            tbs_contents: self.span(tbs)?,
            signature,
        })
    }
    fn transfer(&self, root: usize, encrypted: bool) -> R<Transfer<'a>> {
        let mut c = self.kids(root)?;
        let tbp = self.req(&mut c, "tbp")?;
        let auth = match self.opt(&mut c, "auth")? {
            Some(a) => {
                let mut ac = self.kids(a)?;
                let nonce = match self.opt(&mut ac, "nonce")? {
                    Some(n) => Some(self.bin(n, "nonce")?),
                    None => None,
                };
                let algorithm = self.alg(self.req(&mut ac, "algorithm")?)?;
                let icv = self.bin(self.req(&mut ac, "icv")?, "icv")?;
                self.finish(&ac)?;
                Some(Authenticator {
                    nonce,
                    algorithm,
                    icv,
                })
            }
            None => None,
        };
        self.finish(&c)?;
        if !encrypted && auth.is_none() {
            return Err(bad("ClearTransfer without Authenticator"));
        }
        let mut tc = self.kids(tbp)?;
        let t2 = self.req(&mut tc, "token2")?;
        let token2 = self.token2(t2)?;
        let a = self.req(&mut tc, "applData")?;
        let appl_data = if encrypted {
            self.bin(a, "applData (ciphertext)")?
        } else {
            self.appl(a)?
        };
        self.skip_extensions(&mut tc);
        Ok(Transfer {
            token2,
            token2_contents: self.span(t2)?,
            appl_data,
            tbp_contents: self.span(tbp)?,
            auth,
        })
    }
}

/// The kind of the SecPDU element `input` holds, by its root element's name, without
/// decoding it; `None` when the input does not start with a known SecPDU element.
pub fn kind_of(input: &[u8]) -> Option<Kind> {
    let mut r = Reader::from_reader(input);
    loop {
        match r.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) => return Kind::from_xml_name(e.name().as_ref()),
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::Text(_) => {}
            _ => return None,
        }
    }
}

/// Decodes one SecPDU element (the whole of `input`) within `lim`, into `store`: the
/// returned value borrows the received octets (`tbs_contents`, `tbp_contents`,
/// `token2_contents`, the XML `applData`) and the store (binary fields, names).
pub fn decode<'a>(
    input: &'a [u8],
    store: &'a mut XmlStore,
    lim: &Limits,
) -> Result<SecPdu<'a>, DecodeError> {
    parse(input, store, lim)?;
    let st: &'a XmlStore = store;
    let t = T {
        st,
        input,
        lim: *lim,
    };
    let root = 0usize;
    let kind = Kind::from_xml_name(t.node(root)?.name.as_bytes())
        .ok_or_else(|| bad("SecPDU element name"))?;
    Ok(match kind {
        Kind::HandshakeReq => SecPdu::HandshakeReq(t.handshake(root)?),
        Kind::HandshakeAcc => SecPdu::HandshakeAcc(t.handshake(root)?),
        Kind::ApplicationReject => SecPdu::ApplicationReject(t.signed3(root)?),
        Kind::HandshakeSecReject => SecPdu::HandshakeSecReject(t.signed3(root)?),
        Kind::HandshakeSecAbort => SecPdu::HandshakeSecAbort(t.signed3(root)?),
        Kind::DtSecAbort => SecPdu::DtSecAbort(t.signed3(root)?),
        Kind::ApplAbort => SecPdu::ApplAbort(t.signed3(root)?),
        Kind::ClearTransfer => SecPdu::ClearTransfer(t.transfer(root, false)?),
        Kind::EncrTransfer => SecPdu::EncrTransfer(t.transfer(root, true)?),
        Kind::ReleaseReq => SecPdu::ReleaseReq(t.signed3(root)?),
        Kind::ReleaseRsp => SecPdu::ReleaseRsp(t.signed3(root)?),
    })
}

/// Re-encodes a decoded SecPDU in XML (for tests and conversions: BER value → XML). The
/// signed / protected parts are written from the value, so a signature made over BER does not
/// verify over the result.
pub fn encode(pdu: &SecPdu<'_>) -> Vec<u8> {
    let kind = pdu.kind();
    match pdu {
        SecPdu::HandshakeReq(h) | SecPdu::HandshakeAcc(h) => {
            let tbs = encode_tbs_handshake(&h.token1, h.appl_data);
            encode_handshake(kind, h.pp, &tbs, &h.signature)
        }
        SecPdu::ClearTransfer(t) | SecPdu::EncrTransfer(t) => {
            let t2 = encode_token2(&t.token2);
            let tbp = encode_tbp(&t2, t.appl_data, kind == Kind::EncrTransfer);
            let mut out = Vec::new();
            encode_transfer(kind, &tbp, t.auth.as_ref(), &mut out);
            out
        }
        SecPdu::ApplicationReject(s)
        | SecPdu::HandshakeSecReject(s)
        | SecPdu::HandshakeSecAbort(s)
        | SecPdu::DtSecAbort(s)
        | SecPdu::ApplAbort(s)
        | SecPdu::ReleaseReq(s)
        | SecPdu::ReleaseRsp(s) => {
            let tbs = encode_tbs3(&s.token3, s.appl_data, s.diagnostic);
            encode_signed3(kind, &tbs, &s.signature)
        }
    }
}

/// The hexadecimal of `b` (upper case), as XER writes OCTET STRINGs.
pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(2 * b.len());
    for x in b {
        let _ = write!(s, "{x:02X}");
    }
    s
}

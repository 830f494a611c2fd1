//! SASL client mechanisms for XMPP (RFC 6120 §6): SCRAM-SHA-1 (RFC 5802), SCRAM-SHA-256
//! (RFC 7677), PLAIN (RFC 4616) and EXTERNAL (RFC 4422 Appendix A, XEP-0178).
//!
//! Why our own SCRAM: the project's rule is that every cryptographic primitive comes from
//! OpenSSL (the `openssl` crate), one audited library for TLS and everything else. The
//! maintained Rust SASL crate (`sasl`, of xmpp-rs, 0.5) computes SCRAM with the RustCrypto
//! crates (`sha1`, `sha2`, `hmac`, `pbkdf2`); only its 2017 release 0.2 used OpenSSL.
//! `rsasl` and `scram-rs` also build on RustCrypto (and `scram-rs` is not open source). No
//! maintained SASL/SCRAM crate with an OpenSSL backend was found, so SCRAM is written here on
//! `openssl::pkcs5::pbkdf2_hmac`, HMAC (`openssl::sign`), SHA-1/SHA-256 (`openssl::hash`),
//! `openssl::rand`, `openssl::base64` and `openssl::memcmp::eq`.
//!
//! SCRAM here: no channel binding (GS2 header `n,,`, RFC 5802 §7), no authorization identity,
//! the server signature of `server-final-message` verified in constant time before success is
//! accepted (RFC 5802 §3: a server that cannot prove it knows the password is refused). The
//! password is used as given (no SASLprep, RFC 4013): non-ASCII passwords must already be in
//! the normalized form the server stored. The salted password and keys are zeroed after use.

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;

use super::config::{zero, Secret};

/// A SASL mechanism the client can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mechanism {
    /// SCRAM-SHA-256 (RFC 7677), without channel binding.
    ScramSha256,
    /// SCRAM-SHA-1 (RFC 5802), without channel binding.
    ScramSha1,
    /// PLAIN (RFC 4616); only ever inside TLS (RFC 6120 §6.4.1 / §13.8).
    Plain,
    /// EXTERNAL (RFC 4422 Appendix A): the TLS client certificate authenticates (XEP-0178).
    External,
}

impl Mechanism {
    /// The registered mechanism name (RFC 4422 §3.1).
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            Mechanism::ScramSha1 => "SCRAM-SHA-1",
            Mechanism::Plain => "PLAIN",
            Mechanism::External => "EXTERNAL",
        }
    }
}

/// A SASL exchange that cannot go on (the server's message is malformed or does not prove
/// knowledge of the password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SASL: {0}")]
pub struct SaslError(pub String);

fn e(s: impl Into<String>) -> SaslError {
    SaslError(s.into())
}

/// The PLAIN initial response `\0authcid\0password` (RFC 4616 §2, empty authzid).
pub fn plain_response(authcid: &str, password: &Secret) -> Secret {
    let mut v = Vec::with_capacity(authcid.len() + password.expose().len() + 2);
    v.push(0);
    v.extend_from_slice(authcid.as_bytes());
    v.push(0);
    v.extend_from_slice(password.expose());
    Secret::new(v)
}

/// The hash of a SCRAM variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScramHash {
    /// SHA-1 (SCRAM-SHA-1).
    Sha1,
    /// SHA-256 (SCRAM-SHA-256).
    Sha256,
}

impl ScramHash {
    fn md(self) -> MessageDigest {
        match self {
            ScramHash::Sha1 => MessageDigest::sha1(),
            ScramHash::Sha256 => MessageDigest::sha256(),
        }
    }
}

/// Largest iteration count accepted from a server (a bound on the work a server can make us do).
pub const MAX_ITERATIONS: u32 = 1_000_000;

/// A SCRAM client exchange (RFC 5802 §3, §5, §7).
#[derive(Debug)]
pub struct ScramClient {
    hash: ScramHash,
    password: Secret,
    nonce: String,
    client_first_bare: String,
    server_signature: Option<Secret>,
}

/// `saslname` escaping (RFC 5802 §5.1: `=` → `=3D`, `,` → `=2C`).
fn saslname(s: &str) -> String {
    s.replace('=', "=3D").replace(',', "=2C")
}

fn hmac(md: MessageDigest, key: &[u8], data: &[u8]) -> Result<Vec<u8>, SaslError> {
    let k = PKey::hmac(key).map_err(|x| e(x.to_string()))?;
    let mut s = Signer::new(md, &k).map_err(|x| e(x.to_string()))?;
    s.sign_oneshot_to_vec(data).map_err(|x| e(x.to_string()))
}

/// A fresh printable client nonce (24 random octets, base64).
pub fn random_nonce() -> Result<String, SaslError> {
    let mut b = [0u8; 24];
    openssl::rand::rand_bytes(&mut b).map_err(|x| e(x.to_string()))?;
    Ok(openssl::base64::encode_block(&b))
}

impl ScramClient {
    /// Starts an exchange for `user` with the client nonce `nonce` (printable, no `,`); returns
    /// the client and the `client-first-message` (RFC 5802 §5.1).
    pub fn new(
        hash: ScramHash,
        user: &str,
        password: &Secret,
        nonce: &str,
    ) -> (ScramClient, Vec<u8>) {
        let bare = format!("n={},r={nonce}", saslname(user));
        let first = format!("n,,{bare}").into_bytes();
        (
            ScramClient {
                hash,
                password: password.clone(),
                nonce: nonce.to_string(),
                client_first_bare: bare,
                server_signature: None,
            },
            first,
        )
    }

    /// Takes the `server-first-message` and returns the `client-final-message` (RFC 5802 §3).
    pub fn server_first(&mut self, msg: &[u8]) -> Result<Vec<u8>, SaslError> {
        let text = std::str::from_utf8(msg).map_err(|_| e("server-first-message not UTF-8"))?;
        let mut nonce = None;
        let mut salt = None;
        let mut iterations = None;
        for (n, part) in text.split(',').enumerate() {
            match (n, part.split_at_checked(2)) {
                (0, Some(("m=", _))) => return Err(e("mandatory extension not supported")),
                (0, Some(("r=", v))) => nonce = Some(v),
                (1, Some(("s=", v))) => salt = Some(v),
                (2, Some(("i=", v))) => iterations = Some(v),
                _ => {}
            }
        }
        let (Some(nonce), Some(salt), Some(iterations)) = (nonce, salt, iterations) else {
            return Err(e("malformed server-first-message"));
        };
        if !nonce.starts_with(&self.nonce) || nonce.len() == self.nonce.len() {
            return Err(e("server nonce does not extend the client nonce"));
        }
        if nonce
            .bytes()
            .any(|b| !(0x21..=0x7e).contains(&b) || b == b',')
        {
            return Err(e("server nonce not printable"));
        }
        let salt = openssl::base64::decode_block(salt).map_err(|_| e("salt not base64"))?;
        let i: u32 = iterations
            .parse()
            .map_err(|_| e("iteration count not a number"))?;
        if i == 0 || i > MAX_ITERATIONS {
            return Err(e(format!("iteration count {i} out of range")));
        }
        let md = self.hash.md();
        let mut salted = vec![0u8; md.size()];
        openssl::pkcs5::pbkdf2_hmac(self.password.expose(), &salt, i as usize, md, &mut salted)
            .map_err(|x| e(x.to_string()))?;
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{text},{without_proof}", self.client_first_bare);
        let mut client_key = hmac(md, &salted, b"Client Key")?;
        let mut stored_key = openssl::hash::hash(md, &client_key)
            .map_err(|x| e(x.to_string()))?
            .to_vec();
        let mut signature = hmac(md, &stored_key, auth_message.as_bytes())?;
        let mut proof: Vec<u8> = client_key
            .iter()
            .zip(signature.iter())
            .map(|(a, b)| a ^ b)
            .collect();
        let mut server_key = hmac(md, &salted, b"Server Key")?;
        let server_signature = hmac(md, &server_key, auth_message.as_bytes())?;
        self.server_signature = Some(Secret::new(server_signature));
        let out = format!(
            "{without_proof},p={}",
            openssl::base64::encode_block(&proof)
        );
        for v in [
            &mut salted,
            &mut client_key,
            &mut stored_key,
            &mut signature,
            &mut proof,
            &mut server_key,
        ] {
            zero(v);
        }
        Ok(out.into_bytes())
    }

    /// Checks the `server-final-message` (RFC 5802 §3: `v=` the server signature, or `e=`).
    pub fn server_final(&self, msg: &[u8]) -> Result<(), SaslError> {
        let text = std::str::from_utf8(msg).map_err(|_| e("server-final-message not UTF-8"))?;
        if let Some(err) = text.strip_prefix("e=") {
            return Err(e(format!("server error {err}")));
        }
        let v = text
            .split(',')
            .next()
            .and_then(|p| p.strip_prefix("v="))
            .ok_or_else(|| e("malformed server-final-message"))?;
        let got = openssl::base64::decode_block(v).map_err(|_| e("verifier not base64"))?;
        let Some(want) = &self.server_signature else {
            return Err(e("server-final-message before server-first-message"));
        };
        if got.len() != want.expose().len() || !openssl::memcmp::eq(&got, want.expose()) {
            return Err(e(
                "server signature mismatch: the server does not know the password",
            ));
        }
        Ok(())
    }
}

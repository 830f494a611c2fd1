//! Every cryptographic primitive of IEC 62351-4 §8 / §13, through openssl, and the framing
//! rules of the working module in one place each (docs/facts.md F-1113, F-1122, F-1131, F-1132,
//! F-1137; ASSUMPTIONS.md U-07, U-08, U-09, U-12):
//!
//! * what a signature covers: [`signed_octets`] (the tbs contents octets, received);
//! * what an ICV covers: [`icv_octets`] (the tbp contents octets, received);
//! * what the GCM AAD is: [`aad_octets`] (the ClearToken2 contents octets, received);
//! * the HKDF salt, input and output layout: [`handshake_salt`], [`derive_keys`];
//! * nonces: [`NonceSource`];
//! * the per-association contexts of the data phase ([`IcvContext`], [`GcmSealer`],
//!   [`GcmOpener`], [`CbcContext`]): made once when keys are installed and reused for every
//!   PDU, writing into the caller's buffer.
//!
//! Each is visibly tested against published vectors (RFC 5869, RFC 4231, NIST GCM) and against
//! the octets of a PDU, so a correction against the official module is one change here.

use openssl::bn::{BigNum, BigNumContext};
use openssl::cipher::{Cipher as EvpCipher, CipherRef};
use openssl::cipher_ctx::CipherCtx;
use openssl::derive::Deriver;
use openssl::dh::Dh;
use openssl::ec::{EcGroup, EcKey, EcPoint, PointConversionForm};
use openssl::hash::{hash, MessageDigest};
use openssl::md::Md;
use openssl::md_ctx::MdCtx;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Private, Public};
use openssl::pkey_ctx::PkeyCtx;
use openssl::sign::{Signer, Verifier};
use openssl::symm::{decrypt_aead, encrypt_aead, Cipher, Crypter, Mode};

use crate::oids;
use crate::pdu::AlgorithmIdentifier;
use crate::secret::Secret;
use copp::ber::Oid;

/// A cryptographic failure (local, or a peer value that does not verify).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// openssl reported an error.
    #[error("openssl: {0}")]
    Openssl(String),
    /// A peer's DH/ECDH public value is out of range or not on the curve (U-07).
    #[error("invalid DH public value")]
    InvalidPublicValue,
    /// Authentication (ICV, GCM tag) failed.
    #[error("integrity check failed")]
    IntegrityFailure,
    /// A key, IV or nonce of the wrong length, or an unsupported key type.
    #[error("invalid parameter: {0}")]
    Parameter(&'static str),
}

impl From<openssl::error::ErrorStack> for CryptoError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        CryptoError::Openssl(e.to_string())
    }
}

type CResult<T> = Result<T, CryptoError>;

// ------------------------------------------------------------------------------------------
// Framing: which octets each mechanism covers.
// ------------------------------------------------------------------------------------------

/// The contents octets of a DER TLV we encoded (tag and length stripped, X.690 §8.1.1).
pub fn contents(tlv: &[u8]) -> &[u8] {
    let mut r = copp::ber::Reader::new(tlv);
    match r.read() {
        Ok(t) => t.contents,
        Err(_) => &[],
    }
}

/// What a handshake/release/abort signature covers (F-1113): the `tbs` contents octets,
/// without tbs's own tag and length, exactly as received.
pub fn signed_octets(tbs_contents: &[u8]) -> &[u8] {
    tbs_contents
}

/// What an ICV covers (F-1131): the `tbp` contents octets, without tbp's tag and length.
pub fn icv_octets(tbp_contents: &[u8]) -> &[u8] {
    tbp_contents
}

/// The AES-GCM additional authenticated data of an AE EncrTransfer (F-1132): the ClearToken2
/// contents octets, without ClearToken2's tag and length.
pub fn aad_octets(token2_contents: &[u8]) -> &[u8] {
    token2_contents
}

// ------------------------------------------------------------------------------------------
// Random, hashes, comparisons.
// ------------------------------------------------------------------------------------------

/// `n` octets from openssl's CSPRNG.
pub fn random(n: usize) -> CResult<Vec<u8>> {
    let mut v = vec![0u8; n];
    openssl::rand::rand_bytes(&mut v)?;
    Ok(v)
}

/// SHA-256 (FIPS 180-4).
pub fn sha256(data: &[u8]) -> CResult<[u8; 32]> {
    let d = hash(MessageDigest::sha256(), data)?;
    let mut out = [0u8; 32];
    out.copy_from_slice(&d);
    Ok(out)
}

/// Constant-time equality of two secrets or ICVs (lengths compared first).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && openssl::memcmp::eq(a, b)
}

// ------------------------------------------------------------------------------------------
// Signatures (§8: sha256WithRSAEncryption PKCS#1 v1.5, ecdsa-with-SHA256; U-09).
// ------------------------------------------------------------------------------------------

/// The signature algorithm for a private key: sha256WithRSAEncryption for RSA,
/// ecdsa-with-SHA256 for EC (IEC 62351-4 §8).
pub fn signature_algorithm(key: &PKey<Private>) -> CResult<Oid<'static>> {
    match key.id() {
        Id::RSA => Ok(oids::SHA256_WITH_RSA),
        Id::EC => Ok(oids::ECDSA_WITH_SHA256),
        _ => Err(CryptoError::Parameter("signing key type")),
    }
}

/// The AlgorithmIdentifier we send for a signature algorithm (RFC 4055: NULL parameters for
/// sha256WithRSAEncryption; RFC 5758: absent for ECDSA).
pub fn signature_algorithm_id(alg: &Oid<'static>) -> AlgorithmIdentifier<'static> {
    AlgorithmIdentifier {
        algorithm: alg.clone(),
        parameters: if *alg == oids::SHA256_WITH_RSA {
            Some(&[0x05, 0x00])
        } else {
            None
        },
    }
}

/// Signs `data` (the tbs contents octets) with SHA-256 and the key's scheme.
pub fn sign(key: &PKey<Private>, data: &[u8]) -> CResult<Vec<u8>> {
    let mut s = Signer::new(MessageDigest::sha256(), key)?;
    s.update(data)?;
    Ok(s.sign_to_vec()?)
}

/// Verifies `sig` over `data` with the certificate key `key` and algorithm `alg`. `Ok(false)`
/// when the algorithm does not fit the key type or the signature is wrong.
pub fn verify(key: &PKey<Public>, alg: &Oid<'_>, data: &[u8], sig: &[u8]) -> CResult<bool> {
    let fits = (alg.as_bytes() == oids::SHA256_WITH_RSA.as_bytes() && key.id() == Id::RSA)
        || (alg.as_bytes() == oids::ECDSA_WITH_SHA256.as_bytes() && key.id() == Id::EC);
    if !fits {
        return Ok(false);
    }
    let mut v = Verifier::new(MessageDigest::sha256(), key)?;
    v.update(data)?;
    // A malformed signature value is an error in openssl; for us it is "does not verify".
    Ok(v.verify(sig).unwrap_or(false))
}

/// True for the signature algorithms we accept (§8).
pub fn signature_supported(alg: &Oid<'_>) -> bool {
    alg.as_bytes() == oids::SHA256_WITH_RSA.as_bytes()
        || alg.as_bytes() == oids::ECDSA_WITH_SHA256.as_bytes()
}

// ------------------------------------------------------------------------------------------
// Key establishment (F-1121, U-07).
// ------------------------------------------------------------------------------------------

/// The DH/ECDH groups (IANA IKE numbers, docs/facts.md §1.15 and E-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DhGroup {
    /// 14: 2048-bit MODP (RFC 3526 §3), mandatory.
    Modp2048,
    /// 19: ECP-256 on secp256r1, mandatory.
    P256,
    /// 28: brainpoolP256r1 (RFC 6954), optional.
    BrainpoolP256,
}

impl DhGroup {
    /// The IANA group number.
    pub fn number(self) -> u32 {
        match self {
            DhGroup::Modp2048 => 14,
            DhGroup::P256 => 19,
            DhGroup::BrainpoolP256 => 28,
        }
    }

    /// The group of an IANA number.
    pub fn from_number(n: u32) -> Option<DhGroup> {
        match n {
            14 => Some(DhGroup::Modp2048),
            19 => Some(DhGroup::P256),
            28 => Some(DhGroup::BrainpoolP256),
            _ => None,
        }
    }

    fn ec_group(self) -> CResult<EcGroup> {
        let nid = match self {
            DhGroup::P256 => Nid::X9_62_PRIME256V1,
            DhGroup::BrainpoolP256 => Nid::BRAINPOOL_P256R1,
            DhGroup::Modp2048 => return Err(CryptoError::Parameter("not an EC group")),
        };
        Ok(EcGroup::from_curve_name(nid)?)
    }
}

/// Validates a peer's public value in `group` without agreeing (U-07: MODP 1 < y < p-1 and
/// 256 octets; EC a valid uncompressed point on the curve), as [`Ephemeral::agree`] does.
pub fn check_public_value(group: DhGroup, peer: &[u8]) -> CResult<()> {
    match group {
        DhGroup::Modp2048 => {
            if peer.len() != 256 {
                return Err(CryptoError::InvalidPublicValue);
            }
            let y = BigNum::from_slice(peer)?;
            let one = BigNum::from_u32(1)?;
            let mut pm1 = BigNum::new()?;
            let p = BigNum::get_rfc3526_prime_2048()?;
            pm1.checked_sub(&p, &one)?;
            if y <= one || y >= pm1 {
                return Err(CryptoError::InvalidPublicValue);
            }
            Ok(())
        }
        g => {
            if peer.first() != Some(&0x04) || peer.len() != 65 {
                return Err(CryptoError::InvalidPublicValue);
            }
            let grp = g.ec_group()?;
            let mut ctx = BigNumContext::new()?;
            let point = EcPoint::from_bytes(&grp, peer, &mut ctx)
                .map_err(|_| CryptoError::InvalidPublicValue)?;
            EcKey::from_public_key(&grp, &point)
                .and_then(|k| k.check_key())
                .map_err(|_| CryptoError::InvalidPublicValue)
        }
    }
}

fn modp_params() -> CResult<Dh<openssl::pkey::Params>> {
    let p = BigNum::get_rfc3526_prime_2048()?;
    let g = BigNum::from_u32(2)?;
    Ok(Dh::from_pqg(p, None, g)?)
}

/// An ephemeral DH or ECDH key pair of one handshake (or rekey). openssl owns (and clears)
/// the private value.
pub enum Ephemeral {
    /// MODP group 14.
    Modp(Dh<Private>),
    /// An EC group.
    Ec(DhGroup, PKey<Private>),
}

impl std::fmt::Debug for Ephemeral {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ephemeral({:?})", self.group())
    }
}

impl Ephemeral {
    /// A fresh key pair in `group`.
    pub fn generate(group: DhGroup) -> CResult<Ephemeral> {
        match group {
            DhGroup::Modp2048 => Ok(Ephemeral::Modp(modp_params()?.generate_key()?)),
            g => {
                let grp = g.ec_group()?;
                let k = EcKey::generate(&grp)?;
                Ok(Ephemeral::Ec(g, PKey::from_ec_key(k)?))
            }
        }
    }

    /// The group.
    pub fn group(&self) -> DhGroup {
        match self {
            Ephemeral::Modp(_) => DhGroup::Modp2048,
            Ephemeral::Ec(g, _) => *g,
        }
    }

    /// The public value as sent (U-07): MODP big-endian left-padded to 256 octets; EC the
    /// uncompressed point.
    pub fn public_value(&self) -> CResult<Vec<u8>> {
        match self {
            Ephemeral::Modp(dh) => Ok(dh.public_key().to_vec_padded(256)?),
            Ephemeral::Ec(g, k) => {
                let ec = k.ec_key()?;
                let mut ctx = BigNumContext::new()?;
                let grp = g.ec_group()?;
                Ok(ec
                    .public_key()
                    .to_bytes(&grp, PointConversionForm::UNCOMPRESSED, &mut ctx)?)
            }
        }
    }

    /// The shared secret Z with a peer public value, after validating it (U-07: MODP
    /// 1 < y < p-1 and 256 octets; EC a valid uncompressed point on the curve). MODP Z is
    /// left-padded to 256 octets.
    pub fn agree(&self, peer: &[u8]) -> CResult<Secret> {
        match self {
            Ephemeral::Modp(dh) => {
                if peer.len() != 256 {
                    return Err(CryptoError::InvalidPublicValue);
                }
                let y = BigNum::from_slice(peer)?;
                let one = BigNum::from_u32(1)?;
                let mut pm1 = BigNum::new()?;
                pm1.checked_sub(dh.prime_p(), &one)?;
                if y <= one || y >= pm1 {
                    return Err(CryptoError::InvalidPublicValue);
                }
                let z = dh.compute_key(&y)?;
                let mut out = Secret::zeroed(256);
                let off = 256usize.saturating_sub(z.len());
                if let Some(dst) = out.as_bytes_mut().get_mut(off..) {
                    if dst.len() == z.len() {
                        dst.copy_from_slice(&z);
                    }
                }
                let mut z = z;
                z.iter_mut().for_each(|b| *b = 0);
                Ok(out)
            }
            Ephemeral::Ec(g, k) => {
                if peer.first() != Some(&0x04) || peer.len() != 65 {
                    return Err(CryptoError::InvalidPublicValue);
                }
                let group = g.ec_group()?;
                let mut ctx = BigNumContext::new()?;
                let point = EcPoint::from_bytes(&group, peer, &mut ctx)
                    .map_err(|_| CryptoError::InvalidPublicValue)?;
                let pk = EcKey::from_public_key(&group, &point)
                    .map_err(|_| CryptoError::InvalidPublicValue)?;
                pk.check_key()
                    .map_err(|_| CryptoError::InvalidPublicValue)?;
                let pk = PKey::from_ec_key(pk)?;
                let mut d = Deriver::new(k)?;
                d.set_peer(&pk)?;
                Ok(Secret::new(d.derive_to_vec()?))
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// Key derivation (F-1122, U-08).
// ------------------------------------------------------------------------------------------

/// HKDF-SHA256 (RFC 5869 §2.2 extract + §2.3 expand) through openssl: `len` octets.
pub fn hkdf_sha256(ikm: &[u8], salt: &[u8], info: &[u8], len: usize) -> CResult<Secret> {
    let mut ctx = PkeyCtx::new_id(Id::HKDF)?;
    ctx.derive_init()?;
    ctx.set_hkdf_md(Md::sha256())?;
    ctx.set_hkdf_key(ikm)?;
    if !salt.is_empty() {
        ctx.set_hkdf_salt(salt)?;
    }
    if !info.is_empty() {
        ctx.add_hkdf_info(info)?;
    }
    let mut out = Secret::zeroed(len);
    ctx.derive(Some(out.as_bytes_mut()))?;
    Ok(out)
}

/// The HKDF salt of a handshake (U-08, F-1122 "hash(data2 || hash(data1 || 0))"):
/// `SHA-256(tbsAcc || SHA-256(tbsReq || 0x00))` over the tbs contents octets as received.
pub fn handshake_salt(tbs_req: &[u8], tbs_acc: &[u8]) -> CResult<[u8; 32]> {
    let mut a = Vec::with_capacity(tbs_req.len() + 1);
    a.extend_from_slice(tbs_req);
    a.push(0);
    let h1 = sha256(&a)?;
    let mut b = Vec::with_capacity(tbs_acc.len() + 32);
    b.extend_from_slice(tbs_acc);
    b.extend_from_slice(&h1);
    sha256(&b)
}

/// The salt of the n-th rekey (U-11): `SHA-256(previous salt || new client DH public value)`.
pub fn rekey_salt(previous: &[u8], client_public: &[u8]) -> CResult<[u8; 32]> {
    let mut b = Vec::with_capacity(previous.len() + client_public.len());
    b.extend_from_slice(previous);
    b.extend_from_slice(client_public);
    sha256(&b)
}

/// The keys of one direction.
#[derive(Debug, Clone, Default)]
pub struct DirectionKeys {
    /// Encryption key (AES-GCM key in AE mode, AES-CBC key in non-AE mode).
    pub enc: Option<Secret>,
    /// ICV key (HMAC or GMAC key).
    pub icv: Option<Secret>,
}

/// Both directions' keys.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    /// Client → server.
    pub c2s: DirectionKeys,
    /// Server → client.
    pub s2c: DirectionKeys,
}

/// Derives the data-transfer keys (U-08): IKM = Z, info empty; for a single key per direction
/// (ICV only, or AE) L = 64: c→s = OKM\[0..32\], s→c = OKM\[32..64\]; for encryption plus ICV
/// L = 128: enc c→s, enc s→c, icv c→s, icv s→c in 32-octet slots. Each key is the first
/// `enc_len` / `icv_len` octets of its slot.
pub fn derive_keys(
    z: &[u8],
    salt: &[u8],
    enc_len: Option<usize>,
    icv_len: Option<usize>,
) -> CResult<KeySet> {
    match (enc_len, icv_len) {
        (Some(e), Some(i)) => {
            let okm = hkdf_sha256(z, salt, &[], 128)?;
            Ok(KeySet {
                c2s: DirectionKeys {
                    enc: Some(okm.slice(0, e)),
                    icv: Some(okm.slice(64, i)),
                },
                s2c: DirectionKeys {
                    enc: Some(okm.slice(32, e)),
                    icv: Some(okm.slice(96, i)),
                },
            })
        }
        (Some(n), None) | (None, Some(n)) => {
            let okm = hkdf_sha256(z, salt, &[], 64)?;
            let one = |s: Secret| {
                if enc_len.is_some() {
                    DirectionKeys {
                        enc: Some(s),
                        icv: None,
                    }
                } else {
                    DirectionKeys {
                        enc: None,
                        icv: Some(s),
                    }
                }
            };
            Ok(KeySet {
                c2s: one(okm.slice(0, n)),
                s2c: one(okm.slice(32, n)),
            })
        }
        (None, None) => Err(CryptoError::Parameter("no key to derive")),
    }
}

// ------------------------------------------------------------------------------------------
// ICV and encryption (F-1137).
// ------------------------------------------------------------------------------------------

/// ICV algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IcvAlgorithm {
    /// HMAC-SHA256 (RFC 4231), 32-octet key and ICV.
    HmacSha256,
    /// AES-128 GCM used MAC-only (GMAC, NIST SP 800-38D), 16-octet key, 12-octet nonce, a
    /// 12-octet ICV (12 to 16 accepted). Identified by aes128-GCM (RFC 5084), as the public
    /// paraphrase of IEC 62351-4 Table 11 does; the RFC 9044 aes128-GMAC identifier our
    /// earlier versions sent is still understood (ASSUMPTIONS.md U-02).
    Aes128Gmac,
}

impl IcvAlgorithm {
    /// The algorithm's OID.
    pub fn oid(self) -> Oid<'static> {
        match self {
            IcvAlgorithm::HmacSha256 => oids::HMAC_WITH_SHA256,
            IcvAlgorithm::Aes128Gmac => oids::AES128_GCM,
        }
    }
    /// The identifier our earlier versions sent (RFC 9044 aes128-GMAC for GMAC; the same as
    /// [`IcvAlgorithm::oid`] for HMAC).
    pub fn legacy_oid(self) -> Oid<'static> {
        match self {
            IcvAlgorithm::HmacSha256 => oids::HMAC_WITH_SHA256,
            IcvAlgorithm::Aes128Gmac => oids::AES128_GMAC,
        }
    }
    /// The algorithm of an OID (the current or the legacy identifier).
    pub fn from_oid(o: &Oid<'_>) -> Option<IcvAlgorithm> {
        [IcvAlgorithm::HmacSha256, IcvAlgorithm::Aes128Gmac]
            .into_iter()
            .find(|a| {
                a.oid().as_bytes() == o.as_bytes() || a.legacy_oid().as_bytes() == o.as_bytes()
            })
    }
    /// Key length in octets.
    pub fn key_len(self) -> usize {
        match self {
            IcvAlgorithm::HmacSha256 => 32,
            IcvAlgorithm::Aes128Gmac => 16,
        }
    }
}

/// Authenticated-encryption algorithms (RFC 5084).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AeadAlgorithm {
    /// AES-128-GCM.
    Aes128Gcm,
    /// AES-256-GCM.
    Aes256Gcm,
}

impl AeadAlgorithm {
    /// The algorithm's OID.
    pub fn oid(self) -> Oid<'static> {
        match self {
            AeadAlgorithm::Aes128Gcm => oids::AES128_GCM,
            AeadAlgorithm::Aes256Gcm => oids::AES256_GCM,
        }
    }
    /// The algorithm of an OID.
    pub fn from_oid(o: &Oid<'_>) -> Option<AeadAlgorithm> {
        [AeadAlgorithm::Aes128Gcm, AeadAlgorithm::Aes256Gcm]
            .into_iter()
            .find(|a| a.oid().as_bytes() == o.as_bytes())
    }
    /// Key length in octets.
    pub fn key_len(self) -> usize {
        match self {
            AeadAlgorithm::Aes128Gcm => 16,
            AeadAlgorithm::Aes256Gcm => 32,
        }
    }
    fn cipher(self) -> Cipher {
        match self {
            AeadAlgorithm::Aes128Gcm => Cipher::aes_128_gcm(),
            AeadAlgorithm::Aes256Gcm => Cipher::aes_256_gcm(),
        }
    }
    fn cipher_ref(self) -> &'static CipherRef {
        match self {
            AeadAlgorithm::Aes128Gcm => EvpCipher::aes_128_gcm(),
            AeadAlgorithm::Aes256Gcm => EvpCipher::aes_256_gcm(),
        }
    }
}

/// Block-cipher encryption with a separate ICV (RFC 3565 / RFC 3602).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CbcAlgorithm {
    /// AES-128-CBC.
    Aes128Cbc,
    /// AES-256-CBC.
    Aes256Cbc,
}

impl CbcAlgorithm {
    /// The algorithm's OID.
    pub fn oid(self) -> Oid<'static> {
        match self {
            CbcAlgorithm::Aes128Cbc => oids::AES128_CBC,
            CbcAlgorithm::Aes256Cbc => oids::AES256_CBC,
        }
    }
    /// The algorithm of an OID.
    pub fn from_oid(o: &Oid<'_>) -> Option<CbcAlgorithm> {
        [CbcAlgorithm::Aes128Cbc, CbcAlgorithm::Aes256Cbc]
            .into_iter()
            .find(|a| a.oid().as_bytes() == o.as_bytes())
    }
    /// Key length in octets.
    pub fn key_len(self) -> usize {
        match self {
            CbcAlgorithm::Aes128Cbc => 16,
            CbcAlgorithm::Aes256Cbc => 32,
        }
    }
    fn cipher(self) -> Cipher {
        match self {
            CbcAlgorithm::Aes128Cbc => Cipher::aes_128_cbc(),
            CbcAlgorithm::Aes256Cbc => Cipher::aes_256_cbc(),
        }
    }
    fn cipher_ref(self) -> &'static CipherRef {
        match self {
            CbcAlgorithm::Aes128Cbc => EvpCipher::aes_128_cbc(),
            CbcAlgorithm::Aes256Cbc => EvpCipher::aes_256_cbc(),
        }
    }
}

/// HMAC-SHA256 (RFC 2104 / RFC 4231) of `data` under `key`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> CResult<Vec<u8>> {
    let k = PKey::hmac(key)?;
    let mut s = Signer::new(MessageDigest::sha256(), &k)?;
    s.update(data)?;
    Ok(s.sign_to_vec()?)
}

/// AES-128-GMAC (NIST SP 800-38D: GCM with empty plaintext, `data` as AAD): the 16-octet tag.
pub fn gmac(key: &[u8], nonce: &[u8], data: &[u8]) -> CResult<[u8; 16]> {
    if key.len() != 16 || nonce.len() != 12 {
        return Err(CryptoError::Parameter("GMAC key or nonce length"));
    }
    let mut tag = [0u8; 16];
    encrypt_aead(Cipher::aes_128_gcm(), key, Some(nonce), data, &[], &mut tag)?;
    Ok(tag)
}

/// Computes the ICV of `data`.
pub fn icv(alg: IcvAlgorithm, key: &[u8], nonce: Option<&[u8]>, data: &[u8]) -> CResult<Vec<u8>> {
    match alg {
        IcvAlgorithm::HmacSha256 => hmac_sha256(key, data),
        IcvAlgorithm::Aes128Gmac => Ok(gmac(
            key,
            nonce.ok_or(CryptoError::Parameter("GMAC nonce"))?,
            data,
        )?
        .to_vec()),
    }
}

/// Checks an ICV in constant time.
pub fn icv_verify(
    alg: IcvAlgorithm,
    key: &[u8],
    nonce: Option<&[u8]>,
    data: &[u8],
    received: &[u8],
) -> CResult<()> {
    let expect = icv(alg, key, nonce, data)?;
    if ct_eq(&expect, received) {
        Ok(())
    } else {
        Err(CryptoError::IntegrityFailure)
    }
}

/// AES-GCM encryption (RFC 5084 / SP 800-38D): ciphertext with the 16-octet tag appended
/// (U-12).
pub fn gcm_seal(
    alg: AeadAlgorithm,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> CResult<Vec<u8>> {
    if key.len() != alg.key_len() || nonce.len() != 12 {
        return Err(CryptoError::Parameter("GCM key or nonce length"));
    }
    let mut tag = [0u8; 16];
    let mut ct = encrypt_aead(alg.cipher(), key, Some(nonce), aad, plaintext, &mut tag)?;
    ct.extend_from_slice(&tag);
    Ok(ct)
}

/// AES-GCM decryption of ciphertext‖tag; the tag may be 12 to 16 octets (F-1137), we send 16.
pub fn gcm_open(
    alg: AeadAlgorithm,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    sealed: &[u8],
    tag_len: usize,
) -> CResult<Vec<u8>> {
    if key.len() != alg.key_len() || nonce.len() != 12 || !(12..=16).contains(&tag_len) {
        return Err(CryptoError::Parameter("GCM key, nonce or tag length"));
    }
    if sealed.len() < tag_len {
        return Err(CryptoError::IntegrityFailure);
    }
    let (ct, tag) = sealed.split_at(sealed.len() - tag_len);
    decrypt_aead(alg.cipher(), key, Some(nonce), aad, ct, tag)
        .map_err(|_| CryptoError::IntegrityFailure)
}

/// AES-CBC encryption with PKCS#7 padding (RFC 3602 with RFC 5652 §6.3 padding).
pub fn cbc_encrypt(alg: CbcAlgorithm, key: &[u8], iv: &[u8], plaintext: &[u8]) -> CResult<Vec<u8>> {
    if key.len() != alg.key_len() || iv.len() != 16 {
        return Err(CryptoError::Parameter("CBC key or IV length"));
    }
    let mut c = Crypter::new(alg.cipher(), Mode::Encrypt, key, Some(iv))?;
    let mut out = vec![0u8; plaintext.len() + 32];
    let mut n = c.update(plaintext, &mut out)?;
    n += c.finalize(out.get_mut(n..).unwrap_or_default())?;
    out.truncate(n);
    Ok(out)
}

/// AES-CBC decryption with PKCS#7 padding check.
pub fn cbc_decrypt(alg: CbcAlgorithm, key: &[u8], iv: &[u8], ct: &[u8]) -> CResult<Vec<u8>> {
    if key.len() != alg.key_len() || iv.len() != 16 {
        return Err(CryptoError::Parameter("CBC key or IV length"));
    }
    if ct.is_empty() || ct.len() % 16 != 0 {
        return Err(CryptoError::IntegrityFailure);
    }
    let mut c = Crypter::new(alg.cipher(), Mode::Decrypt, key, Some(iv))?;
    let mut out = vec![0u8; ct.len() + 32];
    let mut n = c
        .update(ct, &mut out)
        .map_err(|_| CryptoError::IntegrityFailure)?;
    n += c
        .finalize(out.get_mut(n..).unwrap_or_default())
        .map_err(|_| CryptoError::IntegrityFailure)?;
    out.truncate(n);
    Ok(out)
}

// ------------------------------------------------------------------------------------------
// Per-association contexts: made once when keys are installed (handshake or rekey), reused
// for every PDU (F-1137). Each owns openssl objects that hold a copy of its key; openssl
// clears them when they are freed, and the `Secret` the key came from is dropped (zeroed)
// by the caller as soon as the context exists.
// ------------------------------------------------------------------------------------------

/// openssl takes lengths as C `int`: refuse anything larger instead of panicking.
fn fits_int(n: usize) -> CResult<()> {
    if i32::try_from(n).is_ok() {
        Ok(())
    } else {
        Err(CryptoError::Parameter("input too long"))
    }
}

/// HMAC-SHA256 (RFC 2104 / RFC 4231) under one key: the HMAC key object is made once, the
/// digest context is re-initialised for each ICV.
pub struct HmacContext {
    key: PKey<Private>,
    ctx: MdCtx,
}

impl std::fmt::Debug for HmacContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacContext")
    }
}

impl HmacContext {
    /// A context for `key` (any length; we use 32 octets).
    pub fn new(key: &[u8]) -> CResult<HmacContext> {
        Ok(HmacContext {
            key: PKey::hmac(key)?,
            ctx: MdCtx::new()?,
        })
    }

    /// The 32-octet HMAC of `data`, written into `out`.
    pub fn compute(&mut self, data: &[u8], out: &mut [u8; 32]) -> CResult<()> {
        fits_int(data.len())?;
        self.ctx.digest_sign_init(Some(Md::sha256()), &self.key)?;
        self.ctx.digest_sign_update(data)?;
        let n = self.ctx.digest_sign_final(Some(&mut out[..]))?;
        if n == out.len() {
            Ok(())
        } else {
            Err(CryptoError::Parameter("HMAC length"))
        }
    }
}

/// AES-128-GMAC (NIST SP 800-38D, GCM with `data` as AAD and no plaintext) under one key:
/// the cipher context keeps the key schedule and takes a new nonce for each tag.
pub struct GmacContext {
    ctx: CipherCtx,
    tag_len: usize,
}

impl std::fmt::Debug for GmacContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GmacContext")
    }
}

impl GmacContext {
    /// A context for a 16-octet key, sending [`GCM_TAG_LEN`]-octet ICVs.
    pub fn new(key: &[u8]) -> CResult<GmacContext> {
        if key.len() != 16 {
            return Err(CryptoError::Parameter("GMAC key length"));
        }
        let mut ctx = CipherCtx::new()?;
        ctx.encrypt_init(Some(EvpCipher::aes_128_gcm()), Some(key), None)?;
        Ok(GmacContext {
            ctx,
            tag_len: GCM_TAG_LEN,
        })
    }

    /// The length of the ICVs it sends (12 to 16; F-1137).
    pub fn tag_len(&self) -> usize {
        self.tag_len
    }

    /// The 16-octet tag of `data` under `nonce` (12 octets), written into `out`.
    pub fn compute(&mut self, nonce: &[u8], data: &[u8], out: &mut [u8; 16]) -> CResult<()> {
        if nonce.len() != 12 {
            return Err(CryptoError::Parameter("GMAC nonce length"));
        }
        fits_int(data.len())?;
        self.ctx.encrypt_init(None, None, Some(nonce))?;
        self.ctx.cipher_update(data, None)?;
        self.ctx.cipher_final(&mut [])?;
        self.ctx.tag(out)?;
        Ok(())
    }
}

/// The ICV of one direction (F-1131, F-1137): HMAC-SHA256 or AES-128-GMAC, with its key.
#[derive(Debug)]
pub enum IcvContext {
    /// HMAC-SHA256, 32-octet ICV.
    Hmac(HmacContext),
    /// AES-128-GMAC, a 12-octet ICV by default (12 to 16 accepted), needs a 12-octet nonce.
    Gmac(GmacContext),
}

/// The longest ICV we compute (HMAC-SHA256).
pub const MAX_ICV_LEN: usize = 32;

impl IcvContext {
    /// A context for `alg` under `key` (GMAC ICVs of [`GCM_TAG_LEN`] octets).
    pub fn new(alg: IcvAlgorithm, key: &[u8]) -> CResult<IcvContext> {
        IcvContext::with_gmac_len(alg, key, GCM_TAG_LEN)
    }

    /// A context for `alg` under `key` that sends GMAC ICVs of `gmac_len` octets (12 to 16;
    /// 16 for our earlier versions). HMAC ICVs are always 32 octets.
    pub fn with_gmac_len(alg: IcvAlgorithm, key: &[u8], gmac_len: usize) -> CResult<IcvContext> {
        if !(12..=16).contains(&gmac_len) {
            return Err(CryptoError::Parameter("GMAC ICV length"));
        }
        match alg {
            IcvAlgorithm::HmacSha256 => Ok(IcvContext::Hmac(HmacContext::new(key)?)),
            IcvAlgorithm::Aes128Gmac => {
                let mut g = GmacContext::new(key)?;
                g.tag_len = gmac_len;
                Ok(IcvContext::Gmac(g))
            }
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> IcvAlgorithm {
        match self {
            IcvContext::Hmac(_) => IcvAlgorithm::HmacSha256,
            IcvContext::Gmac(_) => IcvAlgorithm::Aes128Gmac,
        }
    }

    /// The length of the ICVs this context sends, in octets.
    pub fn icv_len(&self) -> usize {
        match self {
            IcvContext::Hmac(_) => 32,
            IcvContext::Gmac(g) => g.tag_len,
        }
    }

    /// Computes the ICV of `data` into the first [`IcvContext::icv_len`] octets of `out`.
    /// GMAC needs `nonce`; HMAC ignores it.
    pub fn compute(
        &mut self,
        nonce: Option<&[u8]>,
        data: &[u8],
        out: &mut [u8; MAX_ICV_LEN],
    ) -> CResult<()> {
        match self {
            IcvContext::Hmac(h) => h.compute(data, out),
            IcvContext::Gmac(g) => {
                let nonce = nonce.ok_or(CryptoError::Parameter("GMAC nonce"))?;
                let mut tag = [0u8; 16];
                g.compute(nonce, data, &mut tag)?;
                out[..16].copy_from_slice(&tag);
                Ok(())
            }
        }
    }

    /// Checks a received ICV in constant time: HMAC 32 octets; GMAC 12 to 16 octets (the
    /// leading octets of the tag, NIST SP 800-38D §5.2.1.2; F-1137).
    pub fn verify(&mut self, nonce: Option<&[u8]>, data: &[u8], received: &[u8]) -> CResult<()> {
        let mut expect = [0u8; MAX_ICV_LEN];
        self.compute(nonce, data, &mut expect)?;
        let n = match self {
            IcvContext::Hmac(_) => 32,
            IcvContext::Gmac(_) if (12..=16).contains(&received.len()) => received.len(),
            IcvContext::Gmac(_) => return Err(CryptoError::IntegrityFailure),
        };
        if ct_eq(&expect[..n], received) {
            Ok(())
        } else {
            Err(CryptoError::IntegrityFailure)
        }
    }
}

/// AES-GCM encryption under one key (RFC 5084 / SP 800-38D): a new nonce per PDU.
pub struct GcmSealer {
    ctx: CipherCtx,
    tag_len: usize,
}

impl std::fmt::Debug for GcmSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GcmSealer")
    }
}

/// The GCM / GMAC tag length we send (F-1137: 12 to 16 octets, default 12; U-12).
pub const GCM_TAG_LEN: usize = 12;

/// The GCM / GMAC tag length of our earlier versions (and of `legacy_wire`).
pub const LEGACY_GCM_TAG_LEN: usize = 16;

impl GcmSealer {
    /// A context for `alg` under `key`.
    pub fn new(alg: AeadAlgorithm, key: &[u8]) -> CResult<GcmSealer> {
        if key.len() != alg.key_len() {
            return Err(CryptoError::Parameter("GCM key length"));
        }
        let mut ctx = CipherCtx::new()?;
        ctx.encrypt_init(Some(alg.cipher_ref()), Some(key), None)?;
        Ok(GcmSealer {
            ctx,
            tag_len: GCM_TAG_LEN,
        })
    }

    /// The same, sending tags of `tag_len` octets (12 to 16; 16 for our earlier versions).
    pub fn with_tag_len(alg: AeadAlgorithm, key: &[u8], tag_len: usize) -> CResult<GcmSealer> {
        if !(12..=16).contains(&tag_len) {
            return Err(CryptoError::Parameter("GCM tag length"));
        }
        let mut s = GcmSealer::new(alg, key)?;
        s.tag_len = tag_len;
        Ok(s)
    }

    /// The length of the tags it appends.
    pub fn tag_len(&self) -> usize {
        self.tag_len
    }

    /// Encrypts `plaintext` under `nonce` (12 octets) with `aad`, writing ciphertext‖tag
    /// into `out`, which must be exactly `plaintext.len() +` [`GcmSealer::tag_len`] octets
    /// (U-12).
    pub fn seal(
        &mut self,
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        out: &mut [u8],
    ) -> CResult<()> {
        if nonce.len() != 12 || out.len() != plaintext.len().saturating_add(self.tag_len) {
            return Err(CryptoError::Parameter("GCM nonce or output length"));
        }
        fits_int(plaintext.len())?;
        fits_int(aad.len())?;
        let (ct, tag) = out.split_at_mut(plaintext.len());
        self.ctx.encrypt_init(None, None, Some(nonce))?;
        self.ctx.cipher_update(aad, None)?;
        let n = self.ctx.cipher_update(plaintext, Some(ct))?;
        let m = self.ctx.cipher_final(&mut [])?;
        if n + m != plaintext.len() {
            return Err(CryptoError::Parameter("GCM output length"));
        }
        self.ctx.tag(tag)?;
        Ok(())
    }
}

/// AES-GCM decryption under one key: a new nonce per PDU.
pub struct GcmOpener {
    ctx: CipherCtx,
}

impl std::fmt::Debug for GcmOpener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GcmOpener")
    }
}

impl GcmOpener {
    /// A context for `alg` under `key`.
    pub fn new(alg: AeadAlgorithm, key: &[u8]) -> CResult<GcmOpener> {
        if key.len() != alg.key_len() {
            return Err(CryptoError::Parameter("GCM key length"));
        }
        let mut ctx = CipherCtx::new()?;
        ctx.decrypt_init(Some(alg.cipher_ref()), Some(key), None)?;
        Ok(GcmOpener { ctx })
    }

    /// Decrypts ciphertext‖tag under `nonce` with `aad`, appending the plaintext to `out`.
    /// The tag length is not in the PDU: a tag of [`GCM_TAG_LEN`] (12) octets is tried first,
    /// then one of [`LEGACY_GCM_TAG_LEN`] (16, our earlier versions; U-12). On an integrity
    /// failure `out` is as it was.
    pub fn open(
        &mut self,
        nonce: &[u8],
        aad: &[u8],
        sealed: &[u8],
        out: &mut Vec<u8>,
    ) -> CResult<()> {
        let at = out.len();
        for tag_len in [GCM_TAG_LEN, LEGACY_GCM_TAG_LEN] {
            let Some(ct_len) = sealed.len().checked_sub(tag_len) else {
                continue;
            };
            out.resize(at + ct_len, 0);
            match self.open_with(
                nonce,
                aad,
                sealed,
                tag_len,
                out.get_mut(at..).unwrap_or_default(),
            ) {
                Ok(()) => return Ok(()),
                Err(CryptoError::IntegrityFailure) => out.truncate(at),
                Err(e) => {
                    out.truncate(at);
                    return Err(e);
                }
            }
        }
        Err(CryptoError::IntegrityFailure)
    }

    /// Decrypts ciphertext‖tag with a tag of `tag_len` octets into `out`, which must be exactly
    /// `sealed.len() - tag_len` octets. On an integrity failure `out` holds unauthenticated
    /// octets: the caller discards them.
    pub fn open_with(
        &mut self,
        nonce: &[u8],
        aad: &[u8],
        sealed: &[u8],
        tag_len: usize,
        out: &mut [u8],
    ) -> CResult<()> {
        if !(12..=16).contains(&tag_len) || sealed.len() < tag_len {
            return Err(CryptoError::IntegrityFailure);
        }
        let (ct, tag) = sealed.split_at(sealed.len() - tag_len);
        if nonce.len() != 12 || out.len() != ct.len() {
            return Err(CryptoError::Parameter("GCM nonce or output length"));
        }
        fits_int(ct.len())?;
        fits_int(aad.len())?;
        self.ctx.decrypt_init(None, None, Some(nonce))?;
        self.ctx
            .cipher_update(aad, None)
            .map_err(|_| CryptoError::IntegrityFailure)?;
        let n = self
            .ctx
            .cipher_update(ct, Some(out))
            .map_err(|_| CryptoError::IntegrityFailure)?;
        self.ctx.set_tag(tag)?;
        let m = self
            .ctx
            .cipher_final(&mut [])
            .map_err(|_| CryptoError::IntegrityFailure)?;
        if n + m == ct.len() {
            Ok(())
        } else {
            Err(CryptoError::IntegrityFailure)
        }
    }
}

/// The length of the AES-CBC ciphertext of `len` octets with PKCS#7 padding (RFC 5652 §6.3:
/// always 1..16 octets of padding).
pub fn cbc_padded_len(len: usize) -> usize {
    (len / 16 + 1) * 16
}

/// AES-CBC with PKCS#7 padding under one key, one direction: a new IV per PDU.
pub struct CbcContext {
    ctx: CipherCtx,
    encrypt: bool,
}

impl std::fmt::Debug for CbcContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CbcContext")
            .field("encrypt", &self.encrypt)
            .finish_non_exhaustive()
    }
}

impl CbcContext {
    /// An encrypting (`encrypt`) or decrypting context for `alg` under `key`.
    pub fn new(alg: CbcAlgorithm, key: &[u8], encrypt: bool) -> CResult<CbcContext> {
        if key.len() != alg.key_len() {
            return Err(CryptoError::Parameter("CBC key length"));
        }
        let mut ctx = CipherCtx::new()?;
        if encrypt {
            ctx.encrypt_init(Some(alg.cipher_ref()), Some(key), None)?;
        } else {
            ctx.decrypt_init(Some(alg.cipher_ref()), Some(key), None)?;
        }
        Ok(CbcContext { ctx, encrypt })
    }

    /// Encrypts (or decrypts) `input` under `iv` (16 octets) into `out`, which must have room
    /// for `input.len() + 16` octets; returns how many were written. Decryption checks the
    /// padding ([`CryptoError::IntegrityFailure`] when it is wrong).
    pub fn run(&mut self, iv: &[u8], input: &[u8], out: &mut [u8]) -> CResult<usize> {
        if iv.len() != 16 || out.len() < input.len().saturating_add(16) {
            return Err(CryptoError::Parameter("CBC IV or output length"));
        }
        fits_int(input.len())?;
        if self.encrypt {
            self.ctx.encrypt_init(None, None, Some(iv))?;
            let n = self.ctx.cipher_update(input, Some(&mut out[..]))?;
            let rest = out
                .get_mut(n..)
                .ok_or(CryptoError::Parameter("CBC output"))?;
            let m = self.ctx.cipher_final(rest)?;
            Ok(n + m)
        } else {
            if input.is_empty() || input.len() % 16 != 0 {
                return Err(CryptoError::IntegrityFailure);
            }
            self.ctx.decrypt_init(None, None, Some(iv))?;
            let n = self
                .ctx
                .cipher_update(input, Some(&mut out[..]))
                .map_err(|_| CryptoError::IntegrityFailure)?;
            let rest = out.get_mut(n..).ok_or(CryptoError::IntegrityFailure)?;
            let m = self
                .ctx
                .cipher_final(rest)
                .map_err(|_| CryptoError::IntegrityFailure)?;
            Ok(n + m)
        }
    }
}

/// Nonces for GCM and GMAC (U-12): a 4-octet random prefix per key and an 8-octet counter, so
/// a nonce never repeats under one key.
#[derive(Debug, Clone)]
pub struct NonceSource {
    prefix: [u8; 4],
    counter: u64,
}

impl NonceSource {
    /// A source with a fresh random prefix (call once per key).
    pub fn new() -> CResult<NonceSource> {
        let mut prefix = [0u8; 4];
        openssl::rand::rand_bytes(&mut prefix)?;
        Ok(NonceSource { prefix, counter: 0 })
    }

    /// The next 12-octet nonce; `None` once the counter is exhausted (the key must change).
    pub fn next_nonce(&mut self) -> Option<[u8; 12]> {
        let c = self.counter;
        self.counter = self.counter.checked_add(1)?;
        let mut n = [0u8; 12];
        n[..4].copy_from_slice(&self.prefix);
        n[4..].copy_from_slice(&c.to_be_bytes());
        Some(n)
    }
}

#[cfg(test)]
mod tests;

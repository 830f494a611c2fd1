//! The SecPDUs of IEC 62351-4 §13 as Rust types, and their BER codec (the "E2E-Working"
//! module of `e2e-sec/asn1/e2e-working.asn`; ASSUMPTIONS.md U-01).
//!
//! This module is the one boundary behind which the working module lives: nothing else in the
//! crate knows a tag number. Swapping in the official IEC code component (F-104) means
//! rewriting this module and its tests, nothing else.
//!
//! * Decoding is zero-copy and bounded: every value borrows from the received octets, the
//!   whole PDU is size-checked before it is read ([`Limits`]), nesting is depth-limited, lists
//!   are length-limited, and unknown trailing elements of the extensible tokens are skipped
//!   (extension marker). Each signed or integrity-protected part keeps the octets **as
//!   received** (`tbs_contents`, `tbp_contents`, `token2_contents`): verification runs over
//!   them, never over a re-encoding (docs/facts.md I-12, F-1113, F-1131, F-1132).
//! * Encoding is DER (X.690 §10): definite lengths, DEFAULT values omitted, SET OF sorted.

mod codec;
#[cfg(feature = "xmpp")]
pub mod xml;

pub use codec::{
    begin_transfer_into, encode_token2_into, finish_transfer_into, AuthenticatorShape,
};
pub use codec::{decode, decode_in, encode_signed3, encode_tbs3, make_bare, Limits};
pub use codec::{
    encode_handshake, encode_tbp, encode_tbs_handshake, encode_token2, encode_transfer,
};

use crate::time::TimeStamp;
use copp::ber::Oid;

/// Errors of the SecPDU decoder: the peer sent octets the working module does not allow.
/// Every one maps to the diagnostic protocol-error (IEC 62351-4 §14).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The BER layer refused the octets (truncated, bad header, wrong tag, too deep ...).
    #[error("BER: {0}")]
    Ber(#[from] copp::ber::BerError),
    /// The PDU is larger than the configured maximum.
    #[error("SecPDU of {len} octets exceeds the limit of {max}")]
    TooLarge {
        /// Received length.
        len: usize,
        /// Configured maximum.
        max: usize,
    },
    /// A field's value is outside what the working module allows.
    #[error("invalid {0}")]
    Invalid(&'static str),
}

/// AlgorithmIdentifier (RFC 5280 §4.1.1.2): the OID and the parameters' raw TLV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmIdentifier<'a> {
    /// The algorithm.
    pub algorithm: Oid<'a>,
    /// The parameters as a complete TLV, if present (e.g. NULL for sha256WithRSAEncryption).
    pub parameters: Option<&'a [u8]>,
}

impl<'a> AlgorithmIdentifier<'a> {
    /// An identifier without parameters.
    pub fn new(algorithm: Oid<'a>) -> AlgorithmIdentifier<'a> {
        AlgorithmIdentifier {
            algorithm,
            parameters: None,
        }
    }
}

/// DiffieHellmanSet (U-07): the IANA group number and the public value (MODP: big-endian,
/// left-padded to the modulus length; ECDH: the uncompressed point `04 || X || Y`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffieHellmanSet<'a> {
    /// IANA IKE group number (14 MODP-2048, 19 secp256r1, 28 brainpoolP256r1).
    pub group: u32,
    /// The public value.
    pub public_key: &'a [u8],
}

/// The encryption mode of ClearToken1 (§13, F-1111 field list; docs/facts.md §1.11.3): the
/// client's offer (lists) or the server's selection (one algorithm per list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncrMode<'a> {
    /// Authenticated encryption (AES-GCM): the AEA algorithms.
    Aea(Vec<AlgorithmIdentifier<'a>>),
    /// Separate encryption (optional: absent = ICV only) and ICV.
    NonAea {
        /// Encryption algorithms (AES-CBC), absent for integrity only.
        encr: Option<Vec<AlgorithmIdentifier<'a>>>,
        /// ICV algorithms (HMAC-SHA256, AES-GMAC).
        icv: Vec<AlgorithmIdentifier<'a>>,
    },
}

/// ConfidentialityParms (§1.11.3): what protection the sender declares in place.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConfParams {
    /// A TLS hop protects the link (bit 0).
    pub tls_protected: bool,
    /// The application data is protected end to end (bit 1).
    pub appl_protected: bool,
    /// A VPN protects the link (bit 2).
    pub vpn: bool,
}

/// ClearToken1, the handshake token of HandshakeReq / HandshakeAcc (docs/facts.md §1.11.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearToken1<'a> {
    /// Signature algorithm of this PDU (inside the signed area).
    pub sig_alg: AlgorithmIdentifier<'a>,
    /// The sender's end-entity certificate (DER).
    pub pk_cert: &'a [u8],
    /// CA certificates (DER), nearest first.
    pub cert_path: Vec<&'a [u8]>,
    /// Version bit string: bit 0 = v1.
    pub version_v1: bool,
    /// The association identifier (U-06).
    pub asso_id: &'a str,
    /// The ephemeral DH/ECDH public value.
    pub dh_key: DiffieHellmanSet<'a>,
    /// The HMAC algorithm of the HKDF.
    pub hmac: AlgorithmIdentifier<'a>,
    /// Creation time.
    pub time: TimeStamp,
    /// Offered (client) or selected (server) algorithms.
    pub encr_mode: EncrMode<'a>,
    /// Declared protection.
    pub conf_params: ConfParams,
    /// Attribute certificate (DER), IEC 62351-8 roles.
    pub att_cert: Option<&'a [u8]>,
}

/// ClearToken2, the data-transfer token (docs/facts.md F-1134; U-10, U-11, U-12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearToken2<'a> {
    /// The association identifier.
    pub asso_id: &'a str,
    /// ICV creation time.
    pub time: TimeStamp,
    /// Sequence number: 0 after a time change, +1 per PDU within the same time.
    pub seq: u32,
    /// AES-CBC IV (16 octets) or AES-GCM nonce (12 octets).
    pub iv: Option<&'a [u8]>,
    /// The client's new DH public value (rekey).
    pub rekey: Option<DiffieHellmanSet<'a>>,
    /// The server asks for a rekey.
    pub req_rekey: bool,
    /// The sender uses new keys from this PDU on.
    pub changed_key: bool,
}

/// ClearToken3, the token of the release, reject and abort PDUs (F-1135).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClearToken3<'a> {
    /// Signature algorithm.
    pub sig_alg: AlgorithmIdentifier<'a>,
    /// Version bit string: bit 0 = v1.
    pub version_v1: bool,
    /// The association identifier, if known.
    pub asso_id: Option<&'a str>,
    /// Creation time.
    pub time: TimeStamp,
    /// The sender's end-entity certificate (DER).
    pub pk_cert: &'a [u8],
    /// CA certificates (DER).
    pub cert_path: Vec<&'a [u8]>,
}

/// Signature (U-09): algorithm and value (RSA: PKCS#1 v1.5 octets; ECDSA: DER Ecdsa-Sig-Value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature<'a> {
    /// The algorithm.
    pub algo: AlgorithmIdentifier<'a>,
    /// The signature value.
    pub sign: &'a [u8],
}

/// Authenticator (F-1136): the ICV of ClearTransfer and of non-AE EncrTransfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticator<'a> {
    /// The GMAC nonce (12 octets); absent for HMAC.
    pub nonce: Option<&'a [u8]>,
    /// The ICV algorithm agreed in HandshakeAcc.
    pub algorithm: AlgorithmIdentifier<'a>,
    /// The ICV over the tbp contents octets.
    pub icv: &'a [u8],
}

/// HandshakeReq / HandshakeAcc (F-1111, F-1112).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake<'a> {
    /// The protected-protocol identity (U-16).
    pub pp: &'a str,
    /// The handshake token.
    pub token1: ClearToken1<'a>,
    /// The protected protocol's PDU (MMS initiate-Request / -Response), a complete TLV.
    pub appl_data: Option<&'a [u8]>,
    /// The tbs contents octets as received: what the signature covers (F-1113).
    pub tbs_contents: &'a [u8],
    /// The signature over `tbs_contents`.
    pub signature: Signature<'a>,
}

/// The signed PDUs built on ClearToken3: ApplicationReject, HandshakeSecReject,
/// HandshakeSecAbort, DtSecAbort, ApplAbort, ReleaseReq, ReleaseRsp (F-1114).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed3<'a> {
    /// The token.
    pub token3: ClearToken3<'a>,
    /// Protected-protocol data (initiate-ErrorPDU, conclude PDUs), a complete TLV.
    pub appl_data: Option<&'a [u8]>,
    /// HandshakeDiagnostics or DtDiagnostics value.
    pub diagnostic: Option<u32>,
    /// The tbs contents octets as received.
    pub tbs_contents: &'a [u8],
    /// The signature over `tbs_contents`.
    pub signature: Signature<'a>,
}

/// ClearTransfer / EncrTransfer (F-1131, F-1132).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer<'a> {
    /// The token.
    pub token2: ClearToken2<'a>,
    /// ClearToken2's contents octets as received (the GCM AAD).
    pub token2_contents: &'a [u8],
    /// ClearTransfer: the PrPDU TLV; EncrTransfer: the ciphertext (GCM: tag appended).
    pub appl_data: &'a [u8],
    /// The tbp contents octets as received (what the ICV covers).
    pub tbp_contents: &'a [u8],
    /// The ICV (absent only for AE EncrTransfer).
    pub auth: Option<Authenticator<'a>>,
}

/// One SecPDU: the outer CHOICE of the working module, alternatives in F-1103 order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecPdu<'a> {
    /// \[0\] client → server, in AARQ.
    HandshakeReq(Handshake<'a>),
    /// \[1\] server → client, in accepting AARE.
    HandshakeAcc(Handshake<'a>),
    /// \[2\] the protected protocol refused, in AARE.
    ApplicationReject(Signed3<'a>),
    /// \[3\] the server's E2E layer refused, in AARE.
    HandshakeSecReject(Signed3<'a>),
    /// \[4\] the client refused the HandshakeAcc, in ABRT.
    HandshakeSecAbort(Signed3<'a>),
    /// \[5\] a security fault in data transfer, in ABRT.
    DtSecAbort(Signed3<'a>),
    /// \[6\] the protected protocol aborted, in ABRT.
    ApplAbort(Signed3<'a>),
    /// \[7\] integrity-protected data, in P-DATA.
    ClearTransfer(Transfer<'a>),
    /// \[8\] encrypted data, in P-DATA.
    EncrTransfer(Transfer<'a>),
    /// \[9\] in RLRQ.
    ReleaseReq(Signed3<'a>),
    /// \[10\] in RLRE.
    ReleaseRsp(Signed3<'a>),
}

/// Where a SecPDU rides in the OSI environment (IEC 62351-4 §15.3, §15.4; F-1154): which
/// SecPDU types the EXTERNAL (ACSE user-information) or the PDV (P-DATA) may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Carrier {
    /// The AARQ: a HandshakeReq, carried bare.
    Aarq,
    /// The AARE: the HandshakeRsp CHOICE (HandshakeAcc, ApplicationReject,
    /// HandshakeSecReject), with its CHOICE tag.
    Aare,
    /// The ABRT: the AssoAbort CHOICE (HandshakeSecAbort, DtSecAbort, ApplAbort), with its
    /// CHOICE tag.
    Abrt,
    /// The RLRQ: a ReleaseReq, carried bare.
    Rlrq,
    /// The RLRE: a ReleaseRsp, carried bare.
    Rlre,
    /// A P-DATA PDV: ClearTransfer or EncrTransfer, carried bare, told apart by the second
    /// element of their `tbp` (`[0]` PrPDU or OCTET STRING).
    PData,
}

/// Which alternative of [`SecPdu`] (its context tag number in the working module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// HandshakeReq \[0\].
    HandshakeReq = 0,
    /// HandshakeAcc \[1\].
    HandshakeAcc = 1,
    /// ApplicationReject \[2\].
    ApplicationReject = 2,
    /// HandshakeSecReject \[3\].
    HandshakeSecReject = 3,
    /// HandshakeSecAbort \[4\].
    HandshakeSecAbort = 4,
    /// DtSecAbort \[5\].
    DtSecAbort = 5,
    /// ApplAbort \[6\].
    ApplAbort = 6,
    /// ClearTransfer \[7\].
    ClearTransfer = 7,
    /// EncrTransfer \[8\].
    EncrTransfer = 8,
    /// ReleaseReq \[9\].
    ReleaseReq = 9,
    /// ReleaseRsp \[10\].
    ReleaseRsp = 10,
}

impl Kind {
    /// True when the OSI mapping carries this SecPDU bare — its own SEQUENCE, without the
    /// SecPDU CHOICE tag — because the APDU or P-DATA it rides in allows no other type (the
    /// public paraphrase of §15.3.2 / §15.4.2; ASSUMPTIONS.md U-01). HandshakeAcc, the rejects
    /// and the aborts ride in the CHOICEs of the AARE and the ABRT and keep a tag.
    pub fn bare_in_osi(self) -> bool {
        matches!(
            self,
            Kind::HandshakeReq
                | Kind::ClearTransfer
                | Kind::EncrTransfer
                | Kind::ReleaseReq
                | Kind::ReleaseRsp
        )
    }

    /// The kind of a context tag number.
    pub fn from_tag(n: u32) -> Option<Kind> {
        Some(match n {
            0 => Kind::HandshakeReq,
            1 => Kind::HandshakeAcc,
            2 => Kind::ApplicationReject,
            3 => Kind::HandshakeSecReject,
            4 => Kind::HandshakeSecAbort,
            5 => Kind::DtSecAbort,
            6 => Kind::ApplAbort,
            7 => Kind::ClearTransfer,
            8 => Kind::EncrTransfer,
            9 => Kind::ReleaseReq,
            10 => Kind::ReleaseRsp,
            _ => return None,
        })
    }

    /// The PDU's name in the standard.
    pub fn name(self) -> &'static str {
        match self {
            Kind::HandshakeReq => "HandshakeReq",
            Kind::HandshakeAcc => "HandshakeAcc",
            Kind::ApplicationReject => "ApplicationReject",
            Kind::HandshakeSecReject => "HandshakeSecReject",
            Kind::HandshakeSecAbort => "HandshakeSecAbort",
            Kind::DtSecAbort => "DtSecAbort",
            Kind::ApplAbort => "ApplAbort",
            Kind::ClearTransfer => "ClearTransfer",
            Kind::EncrTransfer => "EncrTransfer",
            Kind::ReleaseReq => "ReleaseReq",
            Kind::ReleaseRsp => "ReleaseRsp",
        }
    }
}

impl SecPdu<'_> {
    /// Which alternative this is.
    pub fn kind(&self) -> Kind {
        match self {
            SecPdu::HandshakeReq(_) => Kind::HandshakeReq,
            SecPdu::HandshakeAcc(_) => Kind::HandshakeAcc,
            SecPdu::ApplicationReject(_) => Kind::ApplicationReject,
            SecPdu::HandshakeSecReject(_) => Kind::HandshakeSecReject,
            SecPdu::HandshakeSecAbort(_) => Kind::HandshakeSecAbort,
            SecPdu::DtSecAbort(_) => Kind::DtSecAbort,
            SecPdu::ApplAbort(_) => Kind::ApplAbort,
            SecPdu::ClearTransfer(_) => Kind::ClearTransfer,
            SecPdu::EncrTransfer(_) => Kind::EncrTransfer,
            SecPdu::ReleaseReq(_) => Kind::ReleaseReq,
            SecPdu::ReleaseRsp(_) => Kind::ReleaseRsp,
        }
    }
}

/// HandshakeDiagnostics (IEC 62351-4 §14.2; docs/facts.md §1.11.6 numbering, AMD1 values 17 and 25).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum HandshakeDiagnostic {
    NoReasonGiven = 0,
    ProtocolError = 1,
    ProtectedProtocolNotSupported = 2,
    InvalidSignatureAlgorithm = 3,
    UnexpectedVersion = 4,
    HmacAlgorithmNotSupported = 5,
    EncryptionNotRequired = 6,
    EncryptionRequired = 7,
    InvalidPublicKeyCertificate = 8,
    InvalidCertificationPath = 9,
    InvalidTimeValue = 10,
    DhGroupNotSupported = 11,
    IllegalDhGroupSelected = 12,
    IcvAlgorithmsNotSupported = 13,
    EncryptAlgorithmsNotSupported = 14,
    AeaAlgorithmsNotSupported = 15,
    InvalidAttributeCertificate = 16,
    EncrModeAeaNotSupported = 17,
    AeIsRequired = 18,
    AeaSelectButEncrypNotSupp = 19,
    InvalidAeAlgorithm = 20,
    SingleAeAlgorithmRequired = 21,
    AeNotUsed = 22,
    InvalidEncryptionAlgorithm = 23,
    SingleEncryptAlgoRequired = 24,
    SingleIcvAlgoRequired = 25,
}

impl HandshakeDiagnostic {
    const ALL: [HandshakeDiagnostic; 26] = [
        Self::NoReasonGiven,
        Self::ProtocolError,
        Self::ProtectedProtocolNotSupported,
        Self::InvalidSignatureAlgorithm,
        Self::UnexpectedVersion,
        Self::HmacAlgorithmNotSupported,
        Self::EncryptionNotRequired,
        Self::EncryptionRequired,
        Self::InvalidPublicKeyCertificate,
        Self::InvalidCertificationPath,
        Self::InvalidTimeValue,
        Self::DhGroupNotSupported,
        Self::IllegalDhGroupSelected,
        Self::IcvAlgorithmsNotSupported,
        Self::EncryptAlgorithmsNotSupported,
        Self::AeaAlgorithmsNotSupported,
        Self::InvalidAttributeCertificate,
        Self::EncrModeAeaNotSupported,
        Self::AeIsRequired,
        Self::AeaSelectButEncrypNotSupp,
        Self::InvalidAeAlgorithm,
        Self::SingleAeAlgorithmRequired,
        Self::AeNotUsed,
        Self::InvalidEncryptionAlgorithm,
        Self::SingleEncryptAlgoRequired,
        Self::SingleIcvAlgoRequired,
    ];

    /// The diagnostic of an ENUMERATED value.
    pub fn from_code(v: u32) -> Option<HandshakeDiagnostic> {
        Self::ALL.get(usize::try_from(v).ok()?).copied()
    }

    /// The ENUMERATED value.
    pub fn code(self) -> u32 {
        self as u32
    }
}

/// DtDiagnostics (IEC 62351-4 §14; docs/facts.md §1.11.6). `InvalidTimeValue` has no public number:
/// 10 is ours (ASSUMPTIONS.md D-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum DtDiagnostic {
    NoReasonGiven = 0,
    ProtocolError = 1,
    UnexpectedVersion = 2,
    EncryptionNotSelected = 3,
    EncryptionRequired = 4,
    GmacNonceRequired = 5,
    InvalidSequenceNumber = 6,
    AesInitVectorRequired = 7,
    UnexpectedDhPublicKey = 8,
    UnexpectedChangedKeys = 9,
    InvalidTimeValue = 10,
}

impl DtDiagnostic {
    const ALL: [DtDiagnostic; 11] = [
        Self::NoReasonGiven,
        Self::ProtocolError,
        Self::UnexpectedVersion,
        Self::EncryptionNotSelected,
        Self::EncryptionRequired,
        Self::GmacNonceRequired,
        Self::InvalidSequenceNumber,
        Self::AesInitVectorRequired,
        Self::UnexpectedDhPublicKey,
        Self::UnexpectedChangedKeys,
        Self::InvalidTimeValue,
    ];

    /// The diagnostic of an ENUMERATED value.
    pub fn from_code(v: u32) -> Option<DtDiagnostic> {
        Self::ALL.get(usize::try_from(v).ok()?).copied()
    }

    /// The ENUMERATED value.
    pub fn code(self) -> u32 {
        self as u32
    }
}

/// True when `s` is a valid AssoID (U-06): `\d{1,3}` or `\d{1,3}:\d{1,3}`.
pub fn valid_asso_id(s: &str) -> bool {
    let part = |p: &str| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    match s.split_once(':') {
        Some((a, b)) => part(a) && part(b),
        None => part(s),
    }
}

#[cfg(test)]
mod tests;
#[cfg(all(test, feature = "xmpp"))]
mod xml_tests;

//! The form of the SecPDUs in the OSI environment (IEC 62351-4 §15.3, §15.4 as publicly
//! paraphrased; ASSUMPTIONS.md U-01, U-02, U-12): the AARQ, RLRQ, RLRE and P-DATA carry the
//! bare SecPDU type (a SEQUENCE, no SecPDU CHOICE tag), the AARE and ABRT their CHOICE; the
//! GMAC ICV is identified by aes128-GCM; GCM and GMAC tags are 12 octets. Our earlier form
//! (`legacy_wire`: CHOICE tags everywhere, the RFC 9044 GMAC identifier, 16-octet tags) is
//! still received.
#![allow(clippy::unwrap_used)]

mod common;

use acse::apdu::{AbortSource, Abrt, Apdu, Rlrq};
use acse::security::{AssociationSecurity, Role};
use common::*;
use e2e_sec::config::{AeadAlgorithm, CbcAlgorithm};
use e2e_sec::pdu::{self, Carrier, Limits, SecPdu};
use e2e_sec::{oids, E2eMode, E2eProvider, IcvAlgorithm};

const MMS: &[u8] = &[0xA0, 0x05, 0x02, 0x01, 0x07, 0xA1, 0x00];

/// The first octet of the SecPDU in the one EXTERNAL of `ui`.
fn first_octet(ui: &[acse::apdu::External<'_>]) -> u8 {
    ui[0].single_value().unwrap()[0]
}

/// One protected MMS PDU from `from` (its SecPDU octets), checked by `to`.
fn carry(from: &mut E2eProvider, to: &mut E2eProvider) -> Vec<u8> {
    let mut sec = Vec::new();
    assert_eq!(from.protect(3, MMS, &mut sec).unwrap(), Some(5));
    let mut plain = Vec::new();
    assert_eq!(to.unprotect(5, &sec, &mut plain).unwrap(), Some(3));
    assert_eq!(plain, MMS);
    sec
}

#[test]
fn secpdus_ride_bare_where_the_apdu_allows_one_type_and_tagged_in_the_choices() {
    let e = env();
    let mut c = e.client();
    let aarq = e.aarq(&mut c);
    assert_eq!(
        first_octet(&aarq.user_information),
        0x30,
        "bare HandshakeReq in the AARQ"
    );
    let mut s = e.server();
    let aare = e.aare(&mut s, &aarq);
    assert_eq!(
        first_octet(&aare.user_information),
        0xA1,
        "[1] HandshakeAcc in the AARE"
    );
    c.on_receive_aare(&e.ctx(Role::Initiator), &aare).unwrap();
    let sec = carry(&mut c, &mut s);
    assert_eq!(sec[0], 0x30, "bare EncrTransfer in the PDV");
    assert!(matches!(
        pdu::decode_in(&sec, Carrier::PData, &Limits::default()),
        Ok(SecPdu::EncrTransfer(_))
    ));
    // The tagged decoder alone does not read it: the form really changed.
    assert!(pdu::decode(&sec, &Limits::default()).is_err());
    let mut rlrq = Apdu::Rlrq(Rlrq::default());
    c.on_send_release(&e.ctx(Role::Initiator), &mut rlrq)
        .unwrap();
    assert_eq!(
        first_octet(rlrq.user_information()),
        0x30,
        "bare ReleaseReq"
    );
    assert!(s.on_receive_release(&e.ctx(Role::Responder), &rlrq).is_ok());
    let mut abrt = Abrt::new(AbortSource::ServiceUser);
    s.on_send_abort(&e.ctx(Role::Responder), &mut abrt);
    assert_eq!(
        first_octet(&abrt.user_information),
        0xA6,
        "[6] ApplAbort in the ABRT"
    );
}

#[test]
fn gmac_is_identified_by_aes_gcm_and_tags_are_12_octets() {
    let gmac = E2eMode::IcvOnly(IcvAlgorithm::Aes128Gmac);
    let e = env_with(|c| *c = c.clone().with_mode(gmac), |_| {});
    let (mut c, mut s, _) = e.establish();
    let sec = carry(&mut c, &mut s);
    let Ok(SecPdu::ClearTransfer(tr)) = pdu::decode_in(&sec, Carrier::PData, &Limits::default())
    else {
        panic!("not a ClearTransfer")
    };
    let auth = tr.auth.unwrap();
    assert_eq!(auth.algorithm.algorithm, oids::AES128_GCM);
    assert_eq!(auth.icv.len(), 12);
    assert_eq!(auth.nonce.map(<[u8]>::len), Some(12));
    // AES-GCM: ciphertext ‖ 12-octet tag.
    let gcm = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
    let e = env_with(|c| *c = c.clone().with_mode(gcm), |_| {});
    let (mut c, mut s, _) = e.establish();
    let sec = carry(&mut s, &mut c);
    let Ok(SecPdu::EncrTransfer(tr)) = pdu::decode_in(&sec, Carrier::PData, &Limits::default())
    else {
        panic!("not an EncrTransfer")
    };
    assert_eq!(tr.appl_data.len(), MMS.len() + 12);
}

/// A peer of our earlier form (`legacy_wire`) and one of the current form understand each
/// other in every mode, either way round: handshake, data both ways, release.
#[test]
fn the_earlier_form_of_ours_is_still_received() {
    let modes = [
        E2eMode::IcvOnly(IcvAlgorithm::HmacSha256),
        E2eMode::IcvOnly(IcvAlgorithm::Aes128Gmac),
        E2eMode::Aead(AeadAlgorithm::Aes128Gcm),
        E2eMode::Aead(AeadAlgorithm::Aes256Gcm),
        E2eMode::CbcIcv(CbcAlgorithm::Aes128Cbc, IcvAlgorithm::Aes128Gmac),
    ];
    for mode in modes {
        for (client_legacy, server_legacy) in [(true, false), (false, true)] {
            let e = env_with(
                |c| {
                    *c = c.clone().with_mode(mode);
                    c.legacy_wire = client_legacy;
                },
                |s| s.legacy_wire = server_legacy,
            );
            let mut c = e.client();
            let aarq = e.aarq(&mut c);
            let want = if client_legacy { 0xA0 } else { 0x30 };
            assert_eq!(first_octet(&aarq.user_information), want);
            let mut s = e.server();
            let aare = e.aare(&mut s, &aarq);
            c.on_receive_aare(&e.ctx(Role::Initiator), &aare).unwrap();
            let up = carry(&mut c, &mut s);
            let down = carry(&mut s, &mut c);
            let legacy_octet = |legacy: bool, v: &[u8]| (v[0] != 0x30) == legacy;
            assert!(legacy_octet(client_legacy, &up), "{mode:?}");
            assert!(legacy_octet(server_legacy, &down), "{mode:?}");
            let mut rlrq = Apdu::Rlrq(Rlrq::default());
            c.on_send_release(&e.ctx(Role::Initiator), &mut rlrq)
                .unwrap();
            let r = s.on_receive_release(&e.ctx(Role::Responder), &rlrq);
            assert!(r.is_ok(), "{mode:?} {client_legacy}: {r:?}");
        }
    }
}

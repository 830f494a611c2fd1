//! Fuzz target: any APDU octets that parse as an AARQ, judged by the ACSE password responder
//! (`acse::password::PasswordAuthentication`, mechanism 2.2.3.1): must never panic, and a
//! refusal must always be an AARE reject that encodes.
#![no_main]
use acse::apdu::{oids::MMS_APPLICATION_CONTEXT, Apdu};
use acse::password::PasswordAuthentication;
use acse::security::{AssociationSecurity, Refusal, Role, SecurityContext};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(Apdu::Aarq(aarq)) = acse::apdu::parse(data) else {
        return;
    };
    let contexts = Vec::new();
    let ac = MMS_APPLICATION_CONTEXT;
    let ctx = SecurityContext::new(Role::Responder, &contexts, &ac);
    let mut p = PasswordAuthentication::responder(b"fuzz-password".to_vec());
    match p.on_receive_aarq(&ctx, &aarq) {
        Ok(_) => {
            let mut aare = acse::apdu::Aare::accepted(ac.clone());
            let _ = p.on_send_aare(&ctx, &mut aare);
            let _ = Apdu::Aare(aare).to_vec();
        }
        Err(r @ Refusal::Reject { .. }) => {
            let aare = r.to_aare(&ac).expect("a reject gives an AARE");
            let _ = Apdu::Aare(aare).to_vec();
        }
        Err(other) => panic!("the password mechanism only rejects: {other:?}"),
    }
});

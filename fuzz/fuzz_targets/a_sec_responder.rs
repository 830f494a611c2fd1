//! Fuzz target: any octets that parse as an AARQ, judged by the IEC 62351-4 A-profile
//! responder (a_sec_profile::AProfile): must never panic, and a refusal must give an AARE
//! (reject) or an ABRT that encodes.
#![no_main]
use std::sync::{Arc, OnceLock};

use a_sec_profile::{AProfileConfig, AProfileFactory};
use acse::apdu::{oids::MMS_APPLICATION_CONTEXT, Apdu};
use acse::security::{AssociationSecurity, Refusal, Role, SecurityContext, SecurityEvents};
use libfuzzer_sys::fuzz_target;

fn factory() -> &'static AProfileFactory {
    static F: OnceLock<AProfileFactory> = OnceLock::new();
    F.get_or_init(|| {
        let mut c = AProfileConfig::new(Arc::new(SecurityEvents::new()));
        c.replay_capacity = 64;
        AProfileFactory::new(c).expect("config")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(Apdu::Aarq(aarq)) = acse::apdu::parse(data) else {
        return;
    };
    let contexts = Vec::new();
    let ac = MMS_APPLICATION_CONTEXT;
    let ctx = SecurityContext::new(Role::Responder, &contexts, &ac);
    let mut p = factory().make(Role::Responder);
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
        Err(r) => {
            let _ = Apdu::Abrt(r.to_abrt()).to_vec();
        }
    }
});

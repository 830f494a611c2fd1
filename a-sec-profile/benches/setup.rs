//! Cost of an authenticated association setup (IEC 62351-4 §11: sign + verify + certificate
//! path check, both directions) against a plain kernel-only one, in the same run: both drive
//! a whole in-memory association pair (acse::association, real AARQ/AARE bytes through COTP,
//! session and presentation) from CR to the initiator's A-ASSOCIATE confirmation.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;

use a_sec_profile::{AProfileConfig, AProfileFactory, Credentials, TimeFormat};
use acse::address::Address;
use acse::association::{Association, AssociationConfig, Event};
use acse::security::{AssociationSecurity, Role, SecurityEvents};
use cot::pki::{Credential, KeyKind, LeafSpec, Pki};
use criterion::{criterion_group, criterion_main, Criterion};

fn associate(cp: Option<Box<dyn AssociationSecurity>>, sp: Option<Box<dyn AssociationSecurity>>) {
    let server_cfg = {
        let mut config = AssociationConfig::default();
        config.local = Address::default_remote();
        config.remote = Address::default_local();
        config
    };
    let mut c = Association::connect(AssociationConfig::default(), &[0xA8, 0x00], cp);
    let mut s = Association::accept_incoming(server_cfg, sp);
    for _ in 0..8 {
        let out = c.transmit().to_vec();
        c.advance_transmit(out.len());
        s.feed(&out).unwrap();
        let mut indicated = false;
        while let Some(ev) = s.poll_event().unwrap() {
            indicated |= matches!(ev, Event::AssociateIndication(_));
        }
        if indicated {
            s.accept(&[0xA9, 0x00]).unwrap();
        }
        let out = s.transmit().to_vec();
        s.advance_transmit(out.len());
        c.feed(&out).unwrap();
        while let Some(ev) = c.poll_event().unwrap() {
            if matches!(ev, Event::Associated(_)) {
                return;
            }
            assert!(!matches!(ev, Event::Refused(_)), "refused");
        }
    }
    panic!("association did not complete");
}

fn factory(pki: &Pki, cred: &Credential) -> AProfileFactory {
    let mut c = AProfileConfig::new(Arc::new(SecurityEvents::new()))
        .with_credentials(
            Credentials::new(cred.certificate.clone(), cred.key.clone(), Vec::new()).unwrap(),
        )
        .with_anchor(pki.ca().certificate.clone());
    // Millisecond times and a large replay memory: thousands of setups per window.
    c.time_format = TimeFormat::StrictMillis;
    c.replay_capacity = 1 << 22;
    AProfileFactory::new(c).unwrap()
}

fn setup(c: &mut Criterion) {
    let pki = Pki::new_root("bench root", KeyKind::Rsa(2048)).unwrap();
    let client = pki
        .issue(&LeafSpec::new("client").with_object_identifier("1.1.1.999.12"))
        .unwrap();
    let server = pki
        .issue(&LeafSpec::new("server").with_object_identifier("1.1.1.999.1.12"))
        .unwrap();
    let cf = factory(&pki, &client);
    let sf = factory(&pki, &server);
    let mut g = c.benchmark_group("association_setup");
    g.bench_function("plain", |b| b.iter(|| associate(None, None)));
    g.bench_function("a_profile_rsa2048_mutual", |b| {
        b.iter(|| {
            associate(
                Some(Box::new(cf.make(Role::Initiator))),
                Some(Box::new(sf.make(Role::Responder))),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, setup);
criterion_main!(benches);

//! Every test vector in `mms/vectors/*.vec` (each checked by Wireshark's MMS dissector in
//! `interop-tests`) decodes as an [`MmsPdu`] and, unless marked tolerant, re-encodes to exactly
//! the same octets; tolerant (non-canonical) input decodes to a value whose canonical encoding
//! decodes to the same value. The vectors together cover every MMSpdu alternative and every
//! confirmed and unconfirmed service, request and response.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use mms::pdu::MmsPdu;

#[path = "../src/vecfile.rs"]
mod vecfile;

fn all_vectors() -> Vec<(String, vecfile::Vector)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "vec"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let file = f.file_name().unwrap().to_string_lossy().to_string();
        out.extend(vecfile::parse(&text).into_iter().map(|v| (file.clone(), v)));
    }
    out
}

#[test]
fn every_vector_decodes_and_reencodes() {
    let vectors = all_vectors();
    assert!(vectors.len() >= 300, "only {} vectors", vectors.len());
    let mut failures = Vec::new();
    for (file, v) in &vectors {
        let pdu = match MmsPdu::decode(&v.pdu) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{file}:{}: does not decode: {e}", v.name));
                continue;
            }
        };
        let again = pdu.to_vec();
        if v.tolerant {
            let back = MmsPdu::decode(&again).unwrap();
            if back != pdu {
                failures.push(format!(
                    "{file}:{}: canonical form decodes differently",
                    v.name
                ));
            }
            if again == v.pdu {
                failures.push(format!(
                    "{file}:{}: marked tolerant but already canonical",
                    v.name
                ));
            }
        } else if again != v.pdu {
            failures.push(format!(
                "{file}:{}: re-encoding differs\n  in:  {:02x?}\n  out: {:02x?}",
                v.name, v.pdu, again
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn vectors_cover_every_pdu_and_service() {
    let mut pdus = BTreeSet::new();
    let mut requests = BTreeSet::new();
    let mut responses = BTreeSet::new();
    let mut unconfirmed = BTreeSet::new();
    for (_, v) in all_vectors() {
        let Ok(pdu) = MmsPdu::decode(&v.pdu) else {
            continue;
        };
        pdus.insert(pdu.pdu_type() as u32);
        match &pdu {
            MmsPdu::ConfirmedRequest(p) => {
                requests.insert(p.service.tag());
            }
            MmsPdu::ConfirmedResponse(p) => {
                responses.insert(p.service.tag());
            }
            MmsPdu::Unconfirmed(p) => {
                unconfirmed.insert(p.service.tag());
            }
            _ => {}
        }
    }
    let all_pdus: BTreeSet<u32> = (0..=13).collect();
    assert_eq!(pdus, all_pdus, "MMSpdu alternatives without a vector");
    let all_services: BTreeSet<u32> = (0..=77).collect();
    let missing_req: Vec<_> = all_services.difference(&requests).collect();
    let missing_resp: Vec<_> = all_services.difference(&responses).collect();
    assert!(
        missing_req.is_empty(),
        "requests without a vector: {missing_req:?}"
    );
    assert!(
        missing_resp.is_empty(),
        "responses without a vector: {missing_resp:?}"
    );
    assert_eq!(
        unconfirmed,
        (0..=2).collect(),
        "unconfirmed services without a vector"
    );
}

//! Property tests: every PPDU type survives encode → parse unchanged (X.226 §8), and random
//! or mutated octets never make a parser panic.
#![allow(clippy::unwrap_used)] // tests state their expectations with unwrap

use copp::ber::{BitString, Oid, Writer};
use copp::ppdu::*;
use copp::{negotiate, Supported, ACSE_AS, BER, MMS_AS};
use proptest::prelude::*;

#[path = "support/independent_ber.rs"]
mod independent_ber;
use independent_ber::{expect, APPLICATION, CONTEXT, UNIVERSAL};

fn leak(v: Vec<u8>) -> &'static [u8] {
    Box::leak(v.into_boxed_slice())
}

fn oid() -> impl Strategy<Value = Oid<'static>> {
    prop_oneof![
        Just(BER),
        Just(ACSE_AS),
        Just(MMS_AS),
        (0u64..40, proptest::collection::vec(0u64..100_000, 0..5)).prop_map(|(second, rest)| {
            let mut arcs = vec![1, second];
            arcs.extend(rest);
            copp::ber::oid_from_arcs(&arcs).unwrap()
        }),
    ]
}

fn bytes(max: usize) -> impl Strategy<Value = &'static [u8]> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(leak)
}

fn bits() -> impl Strategy<Value = BitString<'static>> {
    (0u8..8, proptest::collection::vec(any::<u8>(), 1..4)).prop_map(|(unused, mut v)| {
        let last = v.len() - 1;
        v[last] &= 0xFFu8 << unused; // unused bits zero, as senders must
        BitString {
            unused,
            bits: leak(v),
        }
    })
}

/// One complete BER value to carry as single-ASN1-type.
fn asn1_value() -> impl Strategy<Value = &'static [u8]> {
    proptest::collection::vec(any::<u8>(), 0..200).prop_map(|v| {
        let mut w = Writer::new();
        w.octets(copp::ber::Tag::OCTET_STRING, &v);
        leak(w.into_vec())
    })
}

fn pdv() -> impl Strategy<Value = Pdv<'static>> {
    let value = prop_oneof![
        asn1_value().prop_map(PdvValue::SingleAsn1Type),
        bytes(50).prop_map(PdvValue::OctetAligned),
        bits().prop_map(PdvValue::Arbitrary),
    ];
    (proptest::option::of(oid()), any::<u32>(), value).prop_map(
        |(transfer_syntax, context_id, value)| Pdv {
            transfer_syntax,
            context_id,
            value,
        },
    )
}

/// fully-encoded-data made of `pdvs`, parsed back from its encoding.
fn fully_from(pdvs: &[Pdv<'static>]) -> FullyEncoded<'static> {
    let mut w = Writer::new();
    let m = w.mark();
    for p in pdvs.iter().rev() {
        p.encode(&mut w);
    }
    w.wrap(m, copp::ber::Tag::application(1, true));
    match parse_user_data(leak(w.into_vec())).unwrap() {
        UserData::Fully(f) => f,
        UserData::Simple(_) => unreachable!(),
    }
}

fn user_data() -> impl Strategy<Value = UserData<'static>> {
    prop_oneof![
        bytes(40).prop_map(UserData::Simple),
        proptest::collection::vec(pdv(), 0..4).prop_map(|p| UserData::Fully(fully_from(&p))),
        (any::<u32>(), asn1_value()).prop_map(|(c, v)| UserData::Fully(FullyEncoded::single(c, v))),
    ]
}

fn result() -> impl Strategy<Value = ContextResult<'static>> {
    (
        prop_oneof![
            Just(ResultKind::Acceptance),
            Just(ResultKind::UserRejection),
            Just(ResultKind::ProviderRejection)
        ],
        proptest::option::of(oid()),
        proptest::option::of((0i64..4).prop_map(|v| ProviderReason::from_i64(v).unwrap())),
    )
        .prop_map(|(result, transfer_syntax, provider_reason)| ContextResult {
            result,
            transfer_syntax,
            provider_reason,
        })
}

fn context_def() -> impl Strategy<Value = ContextDefinition<'static>> {
    (any::<u32>(), oid(), proptest::collection::vec(oid(), 0..4)).prop_map(|(id, a, ts)| {
        ContextDefinition {
            id,
            abstract_syntax: a,
            transfer_syntaxes: ts,
        }
    })
}

fn connect() -> impl Strategy<Value = ConnectPpdu<'static>> {
    (
        proptest::option::of(bits()),
        proptest::option::of(bytes(16)),
        proptest::option::of(bytes(16)),
        proptest::collection::vec(context_def(), 0..5),
        proptest::option::of((oid(), oid())),
        proptest::option::of(bits()),
        proptest::option::of(bits()),
        proptest::option::of(user_data()),
    )
        .prop_map(|(v, cg, cd, defs, dc, pr, usr, ud)| ConnectPpdu {
            mode: Mode::Normal,
            protocol_version: v,
            calling_selector: cg,
            called_selector: cd,
            context_definitions: defs,
            default_context: dc.map(|(a, t)| DefaultContextName {
                abstract_syntax: a,
                transfer_syntax: t,
            }),
            presentation_requirements: pr,
            user_session_requirements: usr,
            user_data: ud,
        })
}

fn accept() -> impl Strategy<Value = AcceptPpdu<'static>> {
    (
        proptest::option::of(bits()),
        proptest::option::of(bytes(16)),
        proptest::collection::vec(result(), 0..5),
        proptest::option::of(bits()),
        proptest::option::of(bits()),
        proptest::option::of(user_data()),
    )
        .prop_map(|(v, rs, results, pr, usr, ud)| AcceptPpdu {
            protocol_version: v,
            responding_selector: rs,
            context_results: results,
            presentation_requirements: pr,
            user_session_requirements: usr,
            user_data: ud,
        })
}

fn refuse() -> impl Strategy<Value = RefusePpdu<'static>> {
    (
        proptest::option::of(bits()),
        proptest::option::of(bytes(16)),
        proptest::option::of(proptest::collection::vec(result(), 0..5)),
        proptest::option::of((0i64..3).prop_map(|v| ResultKind::from_i64(v).unwrap())),
        proptest::option::of((0i64..8).prop_map(|v| RefuseReason::from_i64(v).unwrap())),
        proptest::option::of(user_data()),
    )
        .prop_map(|(v, rs, results, dcr, reason, ud)| RefusePpdu {
            protocol_version: v,
            responding_selector: rs,
            context_results: results,
            default_context_result: dcr,
            provider_reason: reason,
            user_data: ud,
        })
}

fn abort() -> impl Strategy<Value = AbortPpdu<'static>> {
    prop_oneof![
        (
            proptest::option::of(proptest::collection::vec((any::<u32>(), oid()), 0..4)),
            proptest::option::of(user_data())
        )
            .prop_map(|(context_ids, user_data)| AbortPpdu::User {
                context_ids,
                user_data
            }),
        (
            proptest::option::of((0i64..7).prop_map(|v| AbortReason::from_i64(v).unwrap())),
            proptest::option::of(any::<u32>())
        )
            .prop_map(|(reason, event)| AbortPpdu::Provider { reason, event }),
    ]
}

proptest! {
    #[test]
    fn cp_round_trip(cp in connect()) {
        let mut w = Writer::with_capacity(8);
        cp.encode(&mut w);
        // CP-type is a SET; asn1-rs reads the mode (normal-mode 1) and, when present, each
        // context definition's identifier and abstract syntax.
        let n = expect(w.as_slice(), UNIVERSAL, Some(true), 17);
        prop_assert_eq!(n.find(CONTEXT, 0).find(CONTEXT, 0).integer(), 1);
        let defs = n.find(CONTEXT, 2).get(CONTEXT, 4);
        let seen: Vec<(i64, String)> = defs.map_or(Vec::new(), |l| {
            l.children.iter().map(|d| (d.child(0).integer(), d.child(1).oid())).collect()
        });
        let want: Vec<(i64, String)> = cp
            .context_definitions
            .iter()
            .map(|d| (i64::from(d.id), d.abstract_syntax.to_id_string()))
            .collect();
        prop_assert_eq!(seen, want);
        prop_assert_eq!(parse_connect(w.as_slice()).unwrap(), cp);
    }

    #[test]
    fn cpa_round_trip(cpa in accept()) {
        let mut w = Writer::new();
        cpa.encode(&mut w);
        // CPA-PPDU is a SET; asn1-rs reads each context result.
        let n = expect(w.as_slice(), UNIVERSAL, Some(true), 17);
        let results = n.find(CONTEXT, 2).get(CONTEXT, 5);
        let seen: Vec<i64> = results.map_or(Vec::new(), |l| {
            l.children.iter().map(|r| r.find(CONTEXT, 0).integer()).collect()
        });
        let want: Vec<i64> = cpa.context_results.iter().map(|r| r.result as i64).collect();
        prop_assert_eq!(seen, want);
        prop_assert_eq!(parse_accept(w.as_slice()).unwrap(), cpa);
    }

    #[test]
    fn cpr_round_trip(cpr in refuse()) {
        let mut w = Writer::new();
        cpr.encode(&mut w);
        // CPR-PPDU is a SEQUENCE (normal-mode parameters, X.226 §8.2).
        let n = expect(w.as_slice(), UNIVERSAL, Some(true), 16);
        if let Some(r) = cpr.provider_reason {
            prop_assert_eq!(n.find(CONTEXT, 10).integer(), r as i64);
        }
        prop_assert_eq!(parse_refuse(w.as_slice()).unwrap(), cpr);
    }

    #[test]
    fn abort_round_trip(a in abort()) {
        let mut w = Writer::new();
        a.encode(&mut w);
        // ARU in normal mode is [0] IMPLICIT SEQUENCE; ARP is a SEQUENCE.
        match &a {
            AbortPpdu::User { .. } => {
                expect(w.as_slice(), CONTEXT, Some(true), 0);
            }
            AbortPpdu::Provider { reason, .. } => {
                let n = expect(w.as_slice(), UNIVERSAL, Some(true), 16);
                if let Some(r) = reason {
                    prop_assert_eq!(n.find(CONTEXT, 0).integer(), *r as i64);
                }
            }
        }
        prop_assert_eq!(parse_abort(w.as_slice()).unwrap(), a);
    }

    #[test]
    fn user_data_round_trip(ud in user_data()) {
        let mut w = Writer::new();
        ud.encode(&mut w);
        // simply-encoded-data [APPLICATION 0] IMPLICIT OCTET STRING, fully-encoded-data
        // [APPLICATION 1] IMPLICIT SEQUENCE OF PDV-list.
        match &ud {
            UserData::Simple(b) => {
                let n = expect(w.as_slice(), APPLICATION, Some(false), 0);
                prop_assert_eq!(n.contents, *b);
            }
            UserData::Fully(f) => {
                let n = expect(w.as_slice(), APPLICATION, Some(true), 1);
                let ids: Vec<i64> = n.children.iter().map(|p| p.find(UNIVERSAL, 2).integer()).collect();
                let want: Vec<i64> = f.pdvs().map(|p| i64::from(p.unwrap().context_id)).collect();
                prop_assert_eq!(ids, want);
            }
        }
        prop_assert_eq!(parse_user_data(w.as_slice()).unwrap(), ud);
    }

    #[test]
    fn data_header_round_trip(id in any::<u32>(), value in asn1_value()) {
        let mut out = [0u8; DATA_HEADER_MAX];
        let n = encode_data_header(id, value.len(), &mut out);
        let mut frame = out[..n].to_vec();
        frame.extend_from_slice(value);
        // The hand-built header: [APPLICATION 1] { SEQUENCE { INTEGER id, [0] value } }.
        let n = expect(&frame, APPLICATION, Some(true), 1);
        let pdv = n.child(0);
        prop_assert_eq!((pdv.class, pdv.number, pdv.children.len()), (UNIVERSAL, 16, 2));
        prop_assert_eq!(pdv.child(0).integer(), i64::from(id));
        let single = pdv.child(1);
        prop_assert_eq!((single.class, single.number, single.constructed), (CONTEXT, 0, true));
        prop_assert_eq!(single.contents, value);
        let ud = parse_user_data(&frame).unwrap();
        let pdv = ud.fully().unwrap().single_pdv().unwrap();
        prop_assert_eq!(pdv.context_id, id);
        prop_assert_eq!(pdv.value, PdvValue::SingleAsn1Type(value));
    }

    #[test]
    fn negotiate_answers_every_context_in_order(defs in proptest::collection::vec(context_def(), 0..8)) {
        let r = negotiate(&defs, &Supported::default());
        prop_assert_eq!(r.len(), defs.len());
        for (d, res) in defs.iter().zip(&r) {
            if res.result == ResultKind::Acceptance {
                prop_assert!(d.transfer_syntaxes.contains(&BER));
                prop_assert_eq!(res.transfer_syntax.as_ref(), Some(&BER));
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_connect_with_depth(&data, 8);
        let _ = parse_accept_with_depth(&data, 8);
        let _ = parse_refuse_with_depth(&data, 8);
        let _ = parse_abort_with_depth(&data, 8);
        if let Ok(UserData::Fully(f)) = parse_user_data_with_depth(&data, 8) {
            for p in f.pdvs() { let _ = p; }
        }
        let mut p = copp::Presentation::new(copp::Role::Responder, copp::Config::default());
        if let Err(e) = p.handle_connect(&data) {
            let mut w = Writer::new();
            prop_assert!(e.encode_response(&mut w));
        }
    }

    #[test]
    fn mutated_valid_ppdus_never_panic(cp in connect(), pos in any::<usize>(), val in any::<u8>()) {
        let mut w = Writer::new();
        cp.encode(&mut w);
        let mut v = w.into_vec();
        // Every strict prefix of a valid encoding is truncated (its outer length is definite).
        // After a mutation that no longer holds: a changed length octet can make a prefix a
        // complete, valid CP (e.g. `31 81 05 a0 03 80 01 01`), so the mutated input is only
        // required not to panic.
        for n in 0..v.len().min(64) {
            prop_assert!(parse_connect(&v[..n]).is_err());
        }
        let i = pos % v.len();
        v[i] = val;
        let _ = parse_connect(&v);
        let _ = parse_accept(&v);
        for n in 0..v.len().min(64) {
            let _ = parse_connect(&v[..n]);
        }
    }
}

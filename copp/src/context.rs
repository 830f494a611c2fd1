//! Presentation context negotiation (X.226 §6.2.2.6 / §6.2.3, ISO 8823-1 §6.2) and the
//! defined context set (DCS) that results from it.
//!
//! Decisions (documented in `docs/robustness.md`):
//! * Every proposed context gets exactly one result, in the order proposed (X.226 §6.2.3).
//! * The only transfer syntax is BER (2.1.1); an accepted context always names it.
//! * X.226 §6.2.2.6 makes the initiator allocate odd presentation-context-identifiers. An even
//!   identifier in a CP-type is provider-rejected (reason-not-specified) rather than refusing
//!   the whole connection, so the rest of the association can still proceed.
//! * A repeated identifier makes the results ambiguous: [`negotiate`] provider-rejects the
//!   repeats, and [`crate::connection::Presentation::handle_connect`] refuses the whole CP-type
//!   (CPR) because the initiator cannot tell which of its proposals a result answers.

use std::borrow::Cow;

use crate::ber::Oid;
use crate::ppdu::{ContextDefinition, ContextResult, ProviderReason, ResultKind};

/// The BER transfer syntax `{joint-iso-itu-t asn1(1) basic-encoding(1)}` = 2.1.1 (X.690).
pub const BER: Oid<'static> = Oid::new(Cow::Borrowed(&[0x51, 0x01]));

/// The ACSE abstract syntax `{joint-iso-itu-t association-control(2) abstract-syntax(1)
/// apdus(0) version1(1)}` = 2.2.1.0.1 (X.227).
pub const ACSE_AS: Oid<'static> = Oid::new(Cow::Borrowed(&[0x52, 0x01, 0x00, 0x01]));

/// The MMS abstract syntax `{iso standard 9506 part(2) mms-abstract-syntax-version1(1)}` =
/// 1.0.9506.2.1 (ISO 9506-2).
pub const MMS_AS: Oid<'static> = Oid::new(Cow::Borrowed(&[0x28, 0xCA, 0x22, 0x02, 0x01]));

/// The abstract syntaxes a responder accepts in presentation context negotiation
/// (X.226 §6.2.3). The default holds ACSE and MMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supported {
    syntaxes: Vec<Oid<'static>>,
}

impl Default for Supported {
    fn default() -> Self {
        Supported {
            syntaxes: vec![ACSE_AS, MMS_AS],
        }
    }
}

impl Supported {
    /// A set accepting no abstract syntax.
    pub fn empty() -> Supported {
        Supported {
            syntaxes: Vec::new(),
        }
    }

    /// Adds an abstract syntax (e.g. IEC 62351-4 mmsAuthenticationAS).
    pub fn add(&mut self, oid: Oid<'static>) {
        if !self.contains(&oid) {
            self.syntaxes.push(oid);
        }
    }

    /// True when `oid` is accepted.
    pub fn contains(&self, oid: &Oid<'_>) -> bool {
        self.syntaxes.iter().any(|s| s.as_bytes() == oid.as_bytes())
    }

    /// The accepted abstract syntaxes.
    pub fn iter(&self) -> impl Iterator<Item = &Oid<'static>> {
        self.syntaxes.iter()
    }
}

fn rejected(reason: ProviderReason) -> ContextResult<'static> {
    ContextResult {
        result: ResultKind::ProviderRejection,
        transfer_syntax: None,
        provider_reason: Some(reason),
    }
}

/// Negotiates presentation contexts (X.226 §6.2.3): one result per proposed context, in
/// order. An unknown abstract syntax is provider-rejected with abstract-syntax-not-supported;
/// a proposal without BER among its transfer syntaxes with
/// proposed-transfer-syntaxes-not-supported; an even or repeated identifier with
/// reason-not-specified. Accepted contexts name BER as their transfer syntax.
pub fn negotiate(
    proposed: &[ContextDefinition<'_>],
    supported: &Supported,
) -> Vec<ContextResult<'static>> {
    let mut out = Vec::with_capacity(proposed.len());
    for (i, cd) in proposed.iter().enumerate() {
        let repeated = proposed
            .get(..i)
            .is_some_and(|before| before.iter().any(|p| p.id == cd.id));
        let r = if repeated || cd.id % 2 == 0 {
            rejected(ProviderReason::ReasonNotSpecified)
        } else if !supported.contains(&cd.abstract_syntax) {
            rejected(ProviderReason::AbstractSyntaxNotSupported)
        } else if !cd
            .transfer_syntaxes
            .iter()
            .any(|t| t.as_bytes() == BER.as_bytes())
        {
            rejected(ProviderReason::ProposedTransferSyntaxesNotSupported)
        } else {
            ContextResult {
                result: ResultKind::Acceptance,
                transfer_syntax: Some(BER),
                provider_reason: None,
            }
        };
        out.push(r);
    }
    out
}

/// The defined context set (X.226 §3.4, §6.2.3): the presentation contexts accepted when the
/// connection was established, each with its abstract syntax (transfer syntax BER).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextSet {
    entries: Vec<(u32, Oid<'static>)>,
}

impl ContextSet {
    /// The accepted contexts among `proposed`, given the results in the same order.
    pub fn from_results(
        proposed: &[(u32, Oid<'static>)],
        results: &[ContextResult<'_>],
    ) -> ContextSet {
        ContextSet {
            entries: proposed
                .iter()
                .zip(results)
                .filter(|(_, r)| r.result == ResultKind::Acceptance)
                .map(|(p, _)| p.clone())
                .collect(),
        }
    }

    /// True when context `id` is in the defined context set.
    pub fn is_accepted(&self, id: u32) -> bool {
        self.entries.iter().any(|(i, _)| *i == id)
    }

    /// The identifier of the context whose abstract syntax is `abstract_syntax`.
    pub fn id_of(&self, abstract_syntax: &Oid<'_>) -> Option<u32> {
        self.entries
            .iter()
            .find(|(_, o)| o.as_bytes() == abstract_syntax.as_bytes())
            .map(|(i, _)| *i)
    }

    /// The abstract syntax of context `id`.
    pub fn abstract_syntax(&self, id: u32) -> Option<&Oid<'static>> {
        self.entries.iter().find(|(i, _)| *i == id).map(|(_, o)| o)
    }

    /// The contexts: (identifier, abstract syntax), in the order proposed.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Oid<'static>)> {
        self.entries.iter().map(|(i, o)| (*i, o))
    }

    /// The number of contexts.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no context is defined.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ber::oid_from_str;

    fn cd(id: u32, a: Oid<'static>, ts: Vec<Oid<'static>>) -> ContextDefinition<'static> {
        ContextDefinition {
            id,
            abstract_syntax: a,
            transfer_syntaxes: ts,
        }
    }

    #[test]
    fn constants_are_the_registered_oids() {
        assert_eq!(BER.to_id_string(), "2.1.1");
        assert_eq!(ACSE_AS.to_id_string(), "2.2.1.0.1");
        assert_eq!(MMS_AS.to_id_string(), "1.0.9506.2.1");
    }

    #[test]
    fn one_result_per_context_in_order() {
        let unknown = oid_from_str("1.0.840.0.1.1.4.1").unwrap();
        let ber_alt = oid_from_str("2.1.2").unwrap();
        let proposed = [
            cd(1, ACSE_AS, vec![BER]),
            cd(3, unknown.clone(), vec![BER]),
            cd(5, MMS_AS, vec![ber_alt.clone(), BER]),
            cd(7, MMS_AS, vec![ber_alt]),
        ];
        let r = negotiate(&proposed, &Supported::default());
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].result, ResultKind::Acceptance);
        assert_eq!(r[0].transfer_syntax, Some(BER));
        assert_eq!(r[1].result, ResultKind::ProviderRejection);
        assert_eq!(
            r[1].provider_reason,
            Some(ProviderReason::AbstractSyntaxNotSupported)
        );
        assert_eq!(r[2].result, ResultKind::Acceptance);
        assert_eq!(
            r[3].provider_reason,
            Some(ProviderReason::ProposedTransferSyntaxesNotSupported)
        );
        // Adding the syntax makes it acceptable.
        let mut s = Supported::default();
        s.add(unknown);
        assert_eq!(negotiate(&proposed, &s)[1].result, ResultKind::Acceptance);
    }

    #[test]
    fn duplicate_and_even_ids_are_rejected() {
        let proposed = [
            cd(1, ACSE_AS, vec![BER]),
            cd(1, MMS_AS, vec![BER]),
            cd(2, MMS_AS, vec![BER]),
        ];
        let r = negotiate(&proposed, &Supported::default());
        assert_eq!(r[0].result, ResultKind::Acceptance);
        for x in &r[1..] {
            assert_eq!(x.result, ResultKind::ProviderRejection);
            assert_eq!(x.provider_reason, Some(ProviderReason::ReasonNotSpecified));
        }
    }

    #[test]
    fn context_set_lookups() {
        let proposed = [(1, ACSE_AS), (3, MMS_AS), (5, BER)];
        let results = negotiate(
            &[
                cd(1, ACSE_AS, vec![BER]),
                cd(3, MMS_AS, vec![BER]),
                cd(5, BER, vec![BER]),
            ],
            &Supported::default(),
        );
        let set = ContextSet::from_results(&proposed, &results);
        assert_eq!(set.len(), 2);
        assert!(set.is_accepted(1) && set.is_accepted(3) && !set.is_accepted(5));
        assert_eq!(set.id_of(&MMS_AS), Some(3));
        assert_eq!(set.id_of(&BER), None);
        assert_eq!(set.abstract_syntax(1), Some(&ACSE_AS));
        assert_eq!(set.iter().map(|(i, _)| i).collect::<Vec<_>>(), vec![1, 3]);
    }
}

//! Per-peer security policy (IEC 62351-4 §5.1): which transport security and which
//! application security each partner must use, chosen by who the partner says it is, and the
//! check of an association against it.
//!
//! A [`PeerTable`] maps partners, recognised by [`PeerMatch`] (the calling AP-title and
//! AE-qualifier of the AARQ, optionally the TCP address or the authenticated certificate's
//! subject), to an entry the application defines: a [`PeerPolicy`] for a plain MMS server
//! ([`crate::server::ServerConfig::peer_policy`]), or a whole bilateral table for TASE.2. An
//! empty table is open: everybody is admitted under the default entry, if any.
//!
//! The levels follow the ICCP per-association choices (docs/design.md, "Per-peer policy"): the
//! transport is DONT_CARE, NON_SECURE (plain RFC 1006 only) or SECURE (TLS only); the
//! application is NON_SECURE (anything), SECURE (the A-security-profile authenticated the peer,
//! or end-to-end security, which authenticates it too) or END-TO-END SECURE. The public record
//! only says "compared with configured expectations"; reading NON_SECURE on the transport as an
//! exact requirement (DONT_CARE exists for "either") and the application levels as minimums is
//! our choice, recorded there.

use std::fmt;
use std::net::IpAddr;

use acse::apdu::ServiceUserDiagnostic;
use acse::security::{ApplicationSecurity, Refusal};
use copp::ber::Oid;

use crate::server::handler::AssociationInfo;

/// The security event recorded when no entry of a non-empty table matches the caller.
pub const UNKNOWN_PEER: &str = "policy.unknown-peer";
/// The security event recorded when a partner's association is below its entry's levels.
pub const BELOW_POLICY: &str = "policy.below-required-security";

/// The transport security a partner must use (IEC 62351-4 §5.1, T-profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TransportRequirement {
    /// Plain or TLS.
    #[default]
    DontCare,
    /// Plain RFC 1006 only.
    NonSecure,
    /// TLS only (IEC 62351-3, port 3782).
    Secure,
}

/// The application security a partner must use at least (IEC 62351-4 §5.1, A-profile and
/// end-to-end security).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum ApplicationRequirement {
    /// No requirement.
    #[default]
    NonSecure,
    /// The peer authenticated by the A-security-profile (or by end-to-end security).
    Secure,
    /// End-to-end security.
    EndToEnd,
}

/// What one partner must use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct PeerPolicy {
    /// Transport security.
    pub transport: TransportRequirement,
    /// Application security, at least.
    pub application: ApplicationRequirement,
}

impl PeerPolicy {
    /// A policy with these two requirements.
    pub fn new(transport: TransportRequirement, application: ApplicationRequirement) -> PeerPolicy {
        PeerPolicy {
            transport,
            application,
        }
    }

    /// Whether `info` (what the association actually has) meets this policy; the error says
    /// what falls short.
    pub fn check(&self, info: &AssociationInfo) -> Result<(), PolicyViolation> {
        let transport_ok = match self.transport {
            TransportRequirement::DontCare => true,
            TransportRequirement::NonSecure => !info.tls,
            TransportRequirement::Secure => info.tls,
        };
        let has = info.application_security;
        let application_ok = match self.application {
            ApplicationRequirement::NonSecure => true,
            ApplicationRequirement::Secure => {
                matches!(
                    has,
                    ApplicationSecurity::AProfile | ApplicationSecurity::EndToEnd
                )
            }
            ApplicationRequirement::EndToEnd => has == ApplicationSecurity::EndToEnd,
        };
        if transport_ok && application_ok {
            Ok(())
        } else {
            Err(PolicyViolation {
                required: *self,
                tls: info.tls,
                application: has,
            })
        }
    }
}

/// An association below its partner's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyViolation {
    /// What the partner's entry requires.
    pub required: PeerPolicy,
    /// Whether the association runs over TLS.
    pub tls: bool,
    /// The application security it has.
    pub application: ApplicationSecurity,
}

impl fmt::Display for PolicyViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the partner must use transport {:?} and application security {:?} or better; it has {} and {:?}",
            self.required.transport,
            self.required.application,
            if self.tls { "TLS" } else { "no TLS" },
            self.application
        )
    }
}

impl PolicyViolation {
    /// The refusal the runtime sends: AARE rejected-permanent, diagnostic
    /// authentication-required, with the [`BELOW_POLICY`] event.
    pub fn refusal(&self) -> Refusal {
        Refusal::reject_event(
            ServiceUserDiagnostic::AuthenticationRequired,
            BELOW_POLICY,
            self,
        )
    }
}

/// How a table entry recognises a partner. Every field that is set must match; an entry with
/// none set matches everybody.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PeerMatch {
    /// The calling AP-title (form 2) of the AARQ.
    pub ap_title: Option<Oid<'static>>,
    /// The calling AE-qualifier of the AARQ.
    pub ae_qualifier: Option<i64>,
    /// The partner's IP address.
    pub address: Option<IpAddr>,
    /// The subject line of the certificate the security provider authenticated (RFC 4514
    /// style, as [`acse::security::AuthenticatedPeer::subject`]).
    pub certificate_subject: Option<String>,
}

impl PeerMatch {
    /// A partner known by its calling AP-title and AE-qualifier (how ICCP bilateral tables
    /// are keyed).
    pub fn ae_title(ap_title: Oid<'static>, ae_qualifier: Option<i64>) -> PeerMatch {
        PeerMatch {
            ap_title: Some(ap_title),
            ae_qualifier,
            ..PeerMatch::default()
        }
    }

    /// Whether `info` is this partner.
    pub fn matches(&self, info: &AssociationInfo) -> bool {
        let ap = self
            .ap_title
            .as_ref()
            .map_or(true, |t| info.calling.ap_title.as_ref() == Some(t));
        let ae = self
            .ae_qualifier
            .map_or(true, |q| info.calling.ae_qualifier == Some(q));
        let addr = self
            .address
            .map_or(true, |a| info.peer_addr.is_some_and(|p| p.ip() == a));
        let subject = self.certificate_subject.as_ref().map_or(true, |s| {
            info.authenticated_peer
                .as_ref()
                .is_some_and(|p| &p.subject == s)
        });
        ap && ae && addr && subject
    }

    /// Whether every partner `other` recognises is also recognised by this entry: each
    /// criterion this entry sets, `other` sets to the same value. An entry placed after one
    /// that covers it can never be chosen.
    pub fn covers(&self, other: &PeerMatch) -> bool {
        fn within<V: PartialEq>(general: &Option<V>, specific: &Option<V>) -> bool {
            general.is_none() || general == specific
        }
        within(&self.ap_title, &other.ap_title)
            && within(&self.ae_qualifier, &other.ae_qualifier)
            && within(&self.address, &other.address)
            && within(&self.certificate_subject, &other.certificate_subject)
    }
}

/// A table entry that can never be chosen: an earlier entry recognises every partner it does
/// (a duplicate, or a more general entry placed first). Refused when a table is loaded, since
/// the two entries would contradict each other or one would silently do nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnreachableEntry {
    /// The entry that can never match (0-based, in search order).
    pub entry: usize,
    /// The earlier entry that covers it.
    pub covered_by: usize,
}

impl fmt::Display for UnreachableEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "entry {} can never match: entry {} before it recognises every partner it names \
             (remove one, or put the more specific entry first)",
            self.entry, self.covered_by
        )
    }
}

impl std::error::Error for UnreachableEntry {}

/// Partners and what the application keeps for each (a [`PeerPolicy`], a TASE.2 bilateral
/// table …), searched in order; the first matching entry wins.
#[derive(Debug, Clone)]
pub struct PeerTable<T> {
    entries: Vec<(PeerMatch, T)>,
}

impl<T> Default for PeerTable<T> {
    fn default() -> Self {
        PeerTable {
            entries: Vec::new(),
        }
    }
}

impl<T> PeerTable<T> {
    /// An empty (open) table.
    pub fn new() -> PeerTable<T> {
        PeerTable::default()
    }

    /// Adds a partner.
    pub fn with(mut self, peer: PeerMatch, entry: T) -> PeerTable<T> {
        self.entries.push((peer, entry));
        self
    }

    /// Adds a partner.
    pub fn push(&mut self, peer: PeerMatch, entry: T) {
        self.entries.push((peer, entry));
    }

    /// True when the table has no entry (open mode).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in search order.
    pub fn entries(&self) -> &[(PeerMatch, T)] {
        &self.entries
    }

    /// Checks that every entry can be chosen for some partner (see [`UnreachableEntry`]);
    /// loaders of configured tables call it and refuse the table otherwise.
    pub fn check(&self) -> Result<(), UnreachableEntry> {
        for (i, (m, _)) in self.entries.iter().enumerate() {
            if let Some(j) = self.entries[..i]
                .iter()
                .position(|(earlier, _)| earlier.covers(m))
            {
                return Err(UnreachableEntry {
                    entry: i,
                    covered_by: j,
                });
            }
        }
        Ok(())
    }

    /// The entry for `info`'s partner: `Ok(None)` when the table is empty (open mode);
    /// otherwise the first match, or the refusal for an unknown partner (AARE
    /// rejected-permanent, calling-AP-title-not-recognized, with the [`UNKNOWN_PEER`] event).
    pub fn select(&self, info: &AssociationInfo) -> Result<Option<&T>, Refusal> {
        if self.entries.is_empty() {
            return Ok(None);
        }
        match self.entries.iter().find(|(m, _)| m.matches(info)) {
            Some((_, entry)) => Ok(Some(entry)),
            None => Err(Refusal::reject_event(
                ServiceUserDiagnostic::CallingApTitleNotRecognized,
                UNKNOWN_PEER,
                format_args!(
                    "no entry for calling AP-title {} AE-qualifier {}",
                    info.calling
                        .ap_title
                        .as_ref()
                        .map_or_else(|| "(none)".to_string(), |o| o.to_id_string()),
                    info.calling
                        .ae_qualifier
                        .map_or_else(|| "(none)".to_string(), |q| q.to_string())
                ),
            )),
        }
    }
}

impl PeerTable<PeerPolicy> {
    /// Admission under a policy table: the partner must have an entry (unless the table is
    /// empty) and meet it.
    pub fn admit(&self, info: &AssociationInfo) -> Result<(), Refusal> {
        match self.select(info)? {
            None => Ok(()),
            Some(policy) => policy.check(info).map_err(|v| v.refusal()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::initiate::{ParameterCbb, ServicesSupported};
    use crate::server::handler::Negotiated;

    fn info(tls: bool, application: ApplicationSecurity) -> AssociationInfo {
        let mut i = AssociationInfo::new(
            1,
            Negotiated {
                max_pdu_size: 1000,
                max_serv_outstanding_calling: 1,
                max_serv_outstanding_called: 1,
                nesting_level: 5,
                version: 1,
                parameter_cbb: ParameterCbb::libiec61850_like(),
                peer_services: ServicesSupported::libiec61850_like(),
            },
        );
        i.tls = tls;
        i.application_security = application;
        i
    }

    #[test]
    fn the_levels_are_compared_as_documented() {
        use ApplicationRequirement as A;
        use ApplicationSecurity as S;
        use TransportRequirement as T;
        let cases = [
            // transport: DONT_CARE either way, NON_SECURE plain only, SECURE TLS only
            (T::DontCare, A::NonSecure, false, S::None, true),
            (T::DontCare, A::NonSecure, true, S::None, true),
            (T::NonSecure, A::NonSecure, false, S::None, true),
            (T::NonSecure, A::NonSecure, true, S::None, false),
            (T::Secure, A::NonSecure, true, S::None, true),
            (T::Secure, A::NonSecure, false, S::None, false),
            // application: minimums; a password is not a 62351-4 level
            (T::DontCare, A::NonSecure, false, S::EndToEnd, true),
            (T::DontCare, A::Secure, false, S::Password, false),
            (T::DontCare, A::Secure, false, S::AProfile, true),
            (T::DontCare, A::Secure, false, S::EndToEnd, true),
            (T::DontCare, A::EndToEnd, true, S::AProfile, false),
            (T::DontCare, A::EndToEnd, false, S::EndToEnd, true),
        ];
        for (t, a, tls, has, ok) in cases {
            let r = PeerPolicy::new(t, a).check(&info(tls, has));
            assert_eq!(r.is_ok(), ok, "{t:?} {a:?} tls={tls} {has:?}");
        }
    }

    #[test]
    fn entries_match_on_every_field_they_set_and_the_first_wins() {
        let ap = copp::ber::oid_from_str("1.3.9999.7").expect("oid");
        let mut i = info(false, ApplicationSecurity::None);
        i.calling.ap_title = Some(ap.clone());
        i.calling.ae_qualifier = Some(3);
        let table = PeerTable::new()
            .with(PeerMatch::ae_title(ap.clone(), Some(4)), "other qualifier")
            .with(PeerMatch::ae_title(ap.clone(), Some(3)), "exact")
            .with(PeerMatch::ae_title(ap, None), "any qualifier");
        assert_eq!(table.select(&i), Ok(Some(&"exact")));
        i.calling.ae_qualifier = Some(9);
        assert_eq!(table.select(&i), Ok(Some(&"any qualifier")));
        i.calling.ap_title = None;
        let refusal = table.select(&i).expect_err("unknown");
        assert_eq!(refusal.event(), Some(UNKNOWN_PEER));
        assert!(matches!(
            refusal,
            Refusal::Reject {
                diagnostic: ServiceUserDiagnostic::CallingApTitleNotRecognized,
                ..
            }
        ));
        assert_eq!(PeerTable::<()>::new().select(&i), Ok(None), "empty: open");
    }

    #[test]
    fn an_entry_an_earlier_one_covers_is_refused() {
        let ap = copp::ber::oid_from_str("1.3.9999.7").expect("oid");
        let exact = PeerMatch::ae_title(ap.clone(), Some(3));
        let any_qualifier = PeerMatch::ae_title(ap.clone(), None);
        let by_address = PeerMatch {
            address: Some(IpAddr::from([10, 0, 0, 1])),
            ..exact.clone()
        };
        // specific before general: every entry can be chosen
        let good = PeerTable::new()
            .with(by_address.clone(), 1)
            .with(exact.clone(), 2)
            .with(any_qualifier.clone(), 3)
            .with(PeerMatch::default(), 4);
        assert_eq!(good.check(), Ok(()));
        // a duplicate (whatever its entry says) and a general entry first are refused
        let duplicate = PeerTable::new()
            .with(exact.clone(), 1)
            .with(exact.clone(), 2);
        assert_eq!(
            duplicate.check(),
            Err(UnreachableEntry {
                entry: 1,
                covered_by: 0
            })
        );
        let shadowed = PeerTable::new()
            .with(PeerMatch::ae_title(ap, Some(9)), 0)
            .with(any_qualifier, 1)
            .with(by_address, 2);
        let e = shadowed.check().expect_err("shadowed");
        assert_eq!((e.entry, e.covered_by), (2, 1));
        assert!(e.to_string().contains("entry 2 can never match"), "{e}");
        // entries that differ in a field both set do not cover each other
        assert!(!exact.covers(&PeerMatch {
            ae_qualifier: Some(4),
            ..exact.clone()
        }));
    }
}

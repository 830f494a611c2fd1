//! [`Jid`]: an XMPP address `localpart@domainpart/resourcepart` (RFC 7622 §3).
//!
//! Checked here: each part at most 1023 octets (RFC 7622 §3.2, §3.3, §3.4), the domain not
//! empty, a localpart or resource present only if not empty, no characters the address format
//! forbids in the localpart (`" & ' / : < > @`, RFC 7622 §3.3.1) and no whitespace or control
//! characters anywhere. Not done: the PRECIS/IDNA normalization of each part (RFC 7622 §3.2.1,
//! §3.3.2, §3.4.2); comparisons are octet-exact.

use std::fmt;

/// Longest part of a JID, octets (RFC 7622 §3.1).
pub const MAX_PART: usize = 1023;

/// An XMPP address (RFC 7622): optional localpart, domainpart, optional resourcepart.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Jid {
    local: Option<String>,
    domain: String,
    resource: Option<String>,
}

/// Why a string is not a JID (RFC 7622 §3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JID: {0}")]
pub struct JidError(pub String);

fn bad(s: &str) -> JidError {
    JidError(s.to_string())
}

impl Jid {
    /// Parses `[local@]domain[/resource]` (RFC 7622 §3.1: the resource starts at the first `/`,
    /// the localpart ends at the first `@` before it).
    pub fn parse(s: &str) -> Result<Jid, JidError> {
        let (rest, resource) = match s.split_once('/') {
            Some((r, res)) => (r, Some(res)),
            None => (s, None),
        };
        let (local, domain) = match rest.split_once('@') {
            Some((l, d)) => (Some(l), d),
            None => (None, rest),
        };
        if domain.is_empty() || domain.len() > MAX_PART {
            return Err(bad("domainpart empty or over 1023 octets"));
        }
        if domain
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "@/\"&'<>".contains(c))
        {
            return Err(bad("domainpart contains a forbidden character"));
        }
        if let Some(l) = local {
            if l.is_empty() || l.len() > MAX_PART {
                return Err(bad("localpart empty or over 1023 octets"));
            }
            if l.chars()
                .any(|c| c.is_whitespace() || c.is_control() || "\"&'/:<>@".contains(c))
            {
                return Err(bad("localpart contains a forbidden character"));
            }
        }
        if let Some(r) = resource {
            if r.is_empty() || r.len() > MAX_PART {
                return Err(bad("resourcepart empty or over 1023 octets"));
            }
            if r.chars().any(|c| c.is_control()) {
                return Err(bad("resourcepart contains a control character"));
            }
        }
        Ok(Jid {
            local: local.map(str::to_string),
            domain: domain.to_string(),
            resource: resource.map(str::to_string),
        })
    }

    /// The localpart (RFC 7622 §3.3), if any.
    pub fn local(&self) -> Option<&str> {
        self.local.as_deref()
    }

    /// The domainpart (RFC 7622 §3.2).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The resourcepart (RFC 7622 §3.4), if any.
    pub fn resource(&self) -> Option<&str> {
        self.resource.as_deref()
    }

    /// The bare JID: this address without its resourcepart (RFC 7622 §3.1, "bare JID").
    pub fn bare(&self) -> Jid {
        Jid {
            local: self.local.clone(),
            domain: self.domain.clone(),
            resource: None,
        }
    }

    /// Whether this is a bare JID (no resource).
    pub fn is_bare(&self) -> bool {
        self.resource.is_none()
    }

    /// This address with `resource` as its resourcepart (checked as by [`Jid::parse`]).
    pub fn with_resource(&self, resource: &str) -> Result<Jid, JidError> {
        Jid::parse(&format!("{}/{resource}", self.bare()))
    }
}

impl fmt::Display for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = &self.local {
            write!(f, "{l}@")?;
        }
        f.write_str(&self.domain)?;
        if let Some(r) = &self.resource {
            write!(f, "/{r}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Jid {
    type Err = JidError;
    fn from_str(s: &str) -> Result<Jid, JidError> {
        Jid::parse(s)
    }
}

//! Bilateral tables at run time (IEC 60870-6-503 §8): one per partner, chosen by the calling
//! AP-title and AE-qualifier through a [`PeerTable`], with the partner's ICC domain, its
//! rights on points, devices and information messages, and its security level
//! (docs/tase2-server.md, "Bilateral tables").

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::server::policy::{PeerMatch, PeerPolicy, PeerTable};

use super::config::{BilateralTableConfig, ConfigError, MessageScopeConfig};
use super::objects::{Directory, Key, Obj};

/// A set of points: every point, or the ones named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Points {
    All,
    Some(HashSet<Key>),
}

impl Points {
    pub fn contains(&self, k: &Key) -> bool {
        match self {
            Points::All => true,
            Points::Some(s) => s.contains(k),
        }
    }
}

/// What a partner may do with one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct DeviceRights {
    pub operate: bool,
    pub set_tag: bool,
    pub get_tag: bool,
}

/// One information-message right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MessageRight {
    pub info_reference: i32,
    pub local_reference: Option<i32>,
    pub scope: MessageScopeConfig,
}

/// A bilateral table, resolved against the directory.
#[derive(Debug, Clone)]
pub(crate) struct Blt {
    /// `Bilateral_Table_ID` (empty in open mode: the ICC's default is read instead).
    pub id: Option<String>,
    /// Who owns tags set under this table (the table's id, or the association in open mode).
    pub owner: String,
    /// The ICC the partner uses (`None`: every ICC, open mode).
    pub icc: Option<usize>,
    /// The security level.
    pub policy: PeerPolicy,
    pub read: Points,
    pub write: Points,
    pub devices: HashMap<Key, DeviceRights>,
    /// `None`: every message (open mode).
    pub messages: Option<Vec<MessageRight>>,
}

impl Blt {
    /// The table given to everybody when no table is configured: every ICC, read access to
    /// every point, no writes, no device, every information message (docs/tase2-server.md,
    /// "Open mode").
    pub fn open(association: u64) -> Blt {
        Blt {
            id: None,
            owner: format!("association {association}"),
            icc: None,
            policy: PeerPolicy::default(),
            read: Points::All,
            write: Points::Some(HashSet::new()),
            devices: HashMap::new(),
            messages: None,
        }
    }

    /// Whether the partner may use domain `icc` (an index of the directory).
    pub fn icc_allowed(&self, icc: usize) -> bool {
        self.icc.map_or(true, |i| i == icc)
    }

    /// Whether the partner may see domain `domain`.
    pub fn domain_allowed(&self, dir: &Directory, domain: &str) -> bool {
        dir.icc_of(domain).is_some_and(|i| self.icc_allowed(i))
    }

    /// Whether the partner may see the scope of `k` (VCC scope: always).
    pub fn scope_allowed(&self, dir: &Directory, k: &Key) -> bool {
        k.domain
            .as_deref()
            .map_or(true, |d| self.domain_allowed(dir, d))
    }

    pub fn device(&self, k: &Key) -> DeviceRights {
        self.devices.get(k).copied().unwrap_or_default()
    }

    /// Whether the partner may receive a message of these references and scope (`icc`:
    /// the message's ICC for ICC scope).
    pub fn may_receive(
        &self,
        info_reference: i32,
        local_reference: i32,
        icc: Option<usize>,
    ) -> bool {
        if let Some(i) = icc {
            if !self.icc_allowed(i) {
                return false;
            }
        }
        let scope = if icc.is_some() {
            MessageScopeConfig::Icc
        } else {
            MessageScopeConfig::Vcc
        };
        match &self.messages {
            None => true,
            Some(rights) => rights.iter().any(|r| {
                r.info_reference == info_reference
                    && r.local_reference.map_or(true, |l| l == local_reference)
                    && r.scope == scope
            }),
        }
    }
}

fn points(
    dir: &Directory,
    names: &[String],
    context: &str,
    at: &str,
) -> Result<Points, ConfigError> {
    if names.iter().any(|n| n == "*") {
        return Ok(Points::All);
    }
    let mut set = HashSet::new();
    for (i, n) in names.iter().enumerate() {
        let k = Key::parse(n, Some(context));
        match dir.get_key(&k) {
            Some(Obj::Point(_)) => {
                set.insert(k);
            }
            _ => {
                return Err(ConfigError::invalid(
                    format!("{at}[{i}]"),
                    format!("{k} is not a point"),
                ))
            }
        }
    }
    Ok(Points::Some(set))
}

/// Resolves the configured tables into a [`PeerTable`] in configuration order.
pub(crate) fn tables(
    dir: &Directory,
    configs: &[BilateralTableConfig],
) -> Result<PeerTable<Arc<Blt>>, ConfigError> {
    let mut table = PeerTable::new();
    for (i, c) in configs.iter().enumerate() {
        let at = format!("bilateral_tables[{i}]");
        crate::tase2::BilateralTableId::new(&c.id)
            .map_err(|e| ConfigError::invalid(format!("{at}.id"), e.to_string()))?;
        let icc = dir.icc_of(&c.icc).ok_or_else(|| {
            ConfigError::invalid(format!("{at}.icc"), format!("no ICC {}", c.icc))
        })?;
        let ap_title = match &c.ap_title {
            Some(t) => Some(copp::ber::oid_from_str(t).map_err(|_| {
                ConfigError::invalid(format!("{at}.ap_title"), "not a dotted object identifier")
            })?),
            None => None,
        };
        let peer = PeerMatch {
            ap_title,
            ae_qualifier: c.ae_qualifier,
            address: c.address,
            certificate_subject: c.certificate_subject.clone(),
        };
        let mut devices = HashMap::new();
        for (j, d) in c.devices.iter().enumerate() {
            let k = Key::parse(&d.device, Some(&c.icc));
            if !matches!(dir.get_key(&k), Some(Obj::Device(_))) {
                return Err(ConfigError::invalid(
                    format!("{at}.devices[{j}]"),
                    format!("{k} is not a device"),
                ));
            }
            devices.insert(
                k,
                DeviceRights {
                    operate: d.operate,
                    set_tag: d.set_tag,
                    get_tag: d.get_tag,
                },
            );
        }
        let blt = Blt {
            id: Some(c.id.clone()),
            owner: format!("table {}", c.id),
            icc: Some(icc),
            policy: c.security.policy(),
            read: points(dir, &c.read, &c.icc, &format!("{at}.read"))?,
            write: points(dir, &c.write, &c.icc, &format!("{at}.write"))?,
            devices,
            messages: Some(
                c.info_messages
                    .iter()
                    .map(|m| MessageRight {
                        info_reference: m.info_reference,
                        local_reference: m.local_reference,
                        scope: m.scope,
                    })
                    .collect(),
            ),
        };
        table.push(peer, Arc::new(blt));
    }
    // Two tables for one partner contradict each other; the later would never be used.
    table.check().map_err(|e| {
        ConfigError::invalid(
            format!("bilateral_tables[{}]", e.entry),
            format!(
                "bilateral_tables[{}] before it already names every partner this table names",
                e.covered_by
            ),
        )
    })?;
    Ok(table)
}

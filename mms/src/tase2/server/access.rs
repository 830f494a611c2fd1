//! The model's access control: the partner's bilateral table applied to every plain MMS
//! service the model serves (IEC 60870-6-503 §8). Names the table does not grant are hidden
//! from GetNameList and GetVariableAccessAttributes and answer object-access-denied to Read
//! and Write, unknown names included (libtase2 habit; docs/tase2-server.md, "Decisions").

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use crate::common::ObjectName;
use crate::server::handler::AssociationInfo;
use crate::server::model::{AccessControl, Object, Operation};

use super::bilateral::Blt;
use super::objects::{Directory, Key, Obj};

pub(crate) struct BltAccess {
    pub dir: Arc<OnceLock<Arc<Directory>>>,
    pub rights: Arc<RwLock<HashMap<u64, Arc<Blt>>>>,
}

impl BltAccess {
    fn blt(&self, id: u64) -> Option<Arc<Blt>> {
        match self.rights.read() {
            Ok(r) => r.get(&id).cloned(),
            Err(e) => e.into_inner().get(&id).cloned(),
        }
    }
}

/// Whether `blt` lets its partner do `op` on the variable `name`.
pub(crate) fn variable_allowed(
    dir: &Directory,
    blt: &Blt,
    op: Operation,
    name: &ObjectName<'_>,
) -> bool {
    let Some(mut key) = Key::of(name) else {
        return false;
    };
    // A `$` component path of a transfer set or a point is checked as the whole variable.
    if dir.get_key(&key).is_none() {
        if let Some((head, _)) = key.item.split_once('$') {
            key.item = head.to_string();
        }
    }
    let Some(obj) = dir.get_key(&key) else {
        return false;
    };
    if !blt.scope_allowed(dir, &key) {
        return false;
    }
    let see_or_read = matches!(op, Operation::Browse | Operation::Read);
    match obj {
        Obj::Version | Obj::Features | Obj::BltId(_) | Obj::NextDsts(_) | Obj::TransferSet(_) => {
            see_or_read
        }
        // Special variables are data-set members, not readable on their own (libtase2;
        // SAGE answers the same).
        Obj::Special(_) | Obj::AckVar => op == Operation::Browse,
        Obj::Point(_) => match op {
            Operation::Browse => blt.read.contains(&key) || blt.write.contains(&key),
            Operation::Read => blt.read.contains(&key),
            Operation::Write => blt.write.contains(&key),
            _ => false,
        },
        Obj::Device(i) | Obj::Sbo(i) => {
            op == Operation::Browse
                && dir
                    .devices
                    .get(i)
                    .is_some_and(|d| blt.devices.contains_key(&d.key))
        }
        Obj::Tag(i) => dir.devices.get(i).is_some_and(|d| {
            let r = blt.device(&d.key);
            match op {
                Operation::Browse => blt.devices.contains_key(&d.key),
                Operation::Read => r.get_tag,
                _ => false,
            }
        }),
    }
}

impl AccessControl for BltAccess {
    fn allow(&self, info: &AssociationInfo, op: Operation, object: &Object<'_>) -> bool {
        let (Some(dir), Some(blt)) = (self.dir.get(), self.blt(info.id)) else {
            return false;
        };
        match object {
            Object::Domain(d) => blt.domain_allowed(dir, d),
            Object::Variable(n) => variable_allowed(dir, &blt, op, n),
            Object::VariableList(n) => match n {
                ObjectName::AaSpecific(_) => true,
                ObjectName::VmdSpecific(_) => {
                    matches!(op, Operation::Browse | Operation::Read)
                }
                ObjectName::DomainSpecific { domain_id, .. } => blt.domain_allowed(dir, domain_id),
            },
            Object::Journal(_) | Object::File(_) => false,
        }
    }
}

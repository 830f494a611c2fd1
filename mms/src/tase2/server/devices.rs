//! Device control (IEC 60870-6-503 Block 5; docs/tase2.md, "Tags"): select (a Read of
//! `<device>_SBO` returning the CheckBackName), operate (a Write of the device), the select
//! timeout, and tags (`<device>_TAG`), each refusal a DataAccessError as the public record
//! names it (docs/tase2-server.md, "Devices").

use std::time::Instant;

use crate::data::{Data, DataAccessError};
use crate::server::handler::AssociationInfo;
use crate::tase2::flags::TagState;
use crate::tase2::{TagFlags, TagValue, Tase2Type};

use super::bilateral::Blt;
use super::config::DeviceKind;
use super::objects::Key;
use super::{lock, ControlValue, OperateRequest, ServerEvent, Shared};

/// A device's state: armed by an association until a deadline, and its tag with the table
/// (or association) that set it.
#[derive(Debug, Default)]
pub(crate) struct DeviceState {
    armed: Option<(u64, Instant)>,
    tag: TagValue,
    tag_owner: Option<String>,
}

impl DeviceState {
    fn armed_now(&self, now: Instant) -> Option<u64> {
        self.armed.filter(|(_, t)| *t > now).map(|(a, _)| a)
    }

    /// The tag as read: the stored flags with the armed bit while a select is pending.
    fn tag_value(&self, now: Instant) -> TagValue {
        TagValue {
            flags: TagFlags::new(self.tag.flags.tag(), self.armed_now(now).is_some()),
            reason: self.tag.reason.clone(),
        }
    }
}

/// Writes the tag variable of device `d` into the model and tells the transfer sets.
fn sync_tag(shared: &Shared, d: usize, tag: &TagValue) {
    let Some(dev) = shared.dir.devices.get(d) else {
        return;
    };
    if !dev.tag {
        return;
    }
    let key = dev.tag_key();
    let data = tag.to_data();
    if let Err(e) = shared.model.set_name(&key.name(), data.clone()) {
        log::warn!("tag {key}: {e}");
    }
    shared.changed(&key, &data);
}

/// Read of `<device>_SBO`: arms the device for this association and returns its
/// CheckBackName. Errors: no operate right → object-access-denied; armed already, or tagged
/// open-and-close inhibit → temporarily-unavailable.
pub(crate) fn select(
    shared: &Shared,
    info: &AssociationInfo,
    blt: &Blt,
    d: usize,
) -> Result<Data<'static>, DataAccessError> {
    let dev = shared
        .dir
        .devices
        .get(d)
        .ok_or(DataAccessError::ObjectNonExistent)?;
    if !blt.scope_allowed(&shared.dir, &dev.key) || !blt.device(&dev.key).operate {
        return Err(DataAccessError::ObjectAccessDenied);
    }
    if !dev.sbo {
        return Err(DataAccessError::ObjectAttributeInconsistent);
    }
    let now = Instant::now();
    let tag = {
        let mut states = lock(&shared.devices);
        let st = states
            .get_mut(d)
            .ok_or(DataAccessError::ObjectNonExistent)?;
        if st.armed_now(now).is_some() {
            return Err(DataAccessError::TemporarilyUnavailable);
        }
        if st.tag.flags.tag() == TagState::OpenAndCloseInhibit {
            return Err(DataAccessError::TemporarilyUnavailable);
        }
        st.armed = Some((info.id, now + dev.select_timeout));
        st.tag_value(now)
    };
    sync_tag(shared, d, &tag);
    shared.kick();
    shared.event(ServerEvent::Selected {
        association: info.id,
        device: dev.key.name(),
    });
    Ok(Data::Integer(i64::from(dev.check_back_id)))
}

fn int16(v: &Data<'_>) -> Result<i16, DataAccessError> {
    let n = match v {
        Data::Integer(n) => *n,
        Data::Unsigned(n) => i64::try_from(*n).map_err(|_| DataAccessError::ObjectValueInvalid)?,
        _ => return Err(DataAccessError::TypeInconsistent),
    };
    i16::try_from(n).map_err(|_| DataAccessError::ObjectValueInvalid)
}

fn control_value(kind: DeviceKind, v: &Data<'_>) -> Result<ControlValue, DataAccessError> {
    match kind {
        DeviceKind::Command => {
            let c = int16(v)?;
            if c == 0 || c == 1 {
                Ok(ControlValue::Command(c))
            } else {
                Err(DataAccessError::ObjectValueInvalid)
            }
        }
        DeviceKind::SetpointDiscrete => Ok(ControlValue::Discrete(int16(v)?)),
        DeviceKind::SetpointReal => match v {
            Data::FloatingPoint(f) => f
                .to_f32()
                .filter(|x| x.is_finite())
                .map(ControlValue::Real)
                .ok_or(DataAccessError::ObjectValueInvalid),
            _ => Err(DataAccessError::TypeInconsistent),
        },
    }
}

/// Write of a device (operate). Errors: no operate right → object-access-denied; a value of
/// another type → type-inconsistent; a command other than 0 or 1 → object-value-invalid; an
/// SBO device not armed by this association (never selected, timed out, selected by another)
/// → temporarily-unavailable; tagged open-and-close inhibit, or close-only inhibit and a
/// close command → temporarily-unavailable; the application's own refusal as it gives it.
pub(crate) fn operate(
    shared: &Shared,
    info: &AssociationInfo,
    blt: &Blt,
    d: usize,
    value: &Data<'_>,
) -> Result<(), DataAccessError> {
    let dev = shared
        .dir
        .devices
        .get(d)
        .ok_or(DataAccessError::ObjectNonExistent)?;
    if !blt.scope_allowed(&shared.dir, &dev.key) || !blt.device(&dev.key).operate {
        return Err(DataAccessError::ObjectAccessDenied);
    }
    let cv = control_value(dev.kind, value)?;
    let now = Instant::now();
    let tag = {
        let mut states = lock(&shared.devices);
        let st = states
            .get_mut(d)
            .ok_or(DataAccessError::ObjectNonExistent)?;
        if dev.sbo && st.armed_now(now) != Some(info.id) {
            return Err(DataAccessError::TemporarilyUnavailable);
        }
        // The operate disarms the device once the select check passed, whatever the
        // outcome: a tag refusal or the application's answer (docs/tase2-server.md,
        // "Devices").
        let was_armed = st.armed.take().is_some();
        let inhibited = match st.tag.flags.tag() {
            TagState::OpenAndCloseInhibit => true,
            TagState::CloseOnlyInhibit => cv == ControlValue::Command(1),
            _ => false,
        };
        (was_armed.then(|| st.tag_value(now)), inhibited)
    };
    let (tag, inhibited) = tag;
    if let Some(t) = tag {
        sync_tag(shared, d, &t);
    }
    if inhibited {
        return Err(DataAccessError::TemporarilyUnavailable);
    }
    let request = OperateRequest {
        association: info.id,
        table: blt.id.clone(),
        device: dev.key.name(),
        value: cv,
    };
    shared.app.operate(&request)?;
    let stored = match cv {
        ControlValue::Command(c) | ControlValue::Discrete(c) => Data::Integer(i64::from(c)),
        ControlValue::Real(f) => f.to_data(),
    };
    if let Err(e) = shared.model.set_name(&dev.key.name(), stored) {
        log::warn!("device {}: {e}", dev.key);
    }
    shared.event(ServerEvent::Operated {
        association: info.id,
        device: dev.key.name(),
        value: cv,
    });
    Ok(())
}

/// Read of `<device>_TAG`. No get-tag right → object-access-denied.
pub(crate) fn read_tag(
    shared: &Shared,
    blt: &Blt,
    d: usize,
) -> Result<Data<'static>, DataAccessError> {
    let dev = shared
        .dir
        .devices
        .get(d)
        .ok_or(DataAccessError::ObjectNonExistent)?;
    if !blt.scope_allowed(&shared.dir, &dev.key) || !blt.device(&dev.key).get_tag {
        return Err(DataAccessError::ObjectAccessDenied);
    }
    let states = lock(&shared.devices);
    let st = states.get(d).ok_or(DataAccessError::ObjectNonExistent)?;
    Ok(st.tag_value(Instant::now()).to_data())
}

/// Write of `<device>_TAG`. Errors: no set-tag right → object-access-denied; not a TagValue,
/// or the invalid tag code 11 → object-value-invalid; the device armed, or tagged by another
/// partner → temporarily-unavailable. The armed bit written is ignored (the server keeps it).
pub(crate) fn write_tag(
    shared: &Shared,
    info: &AssociationInfo,
    blt: &Blt,
    d: usize,
    value: &Data<'_>,
) -> Result<(), DataAccessError> {
    let dev = shared
        .dir
        .devices
        .get(d)
        .ok_or(DataAccessError::ObjectNonExistent)?;
    if !blt.scope_allowed(&shared.dir, &dev.key) || !blt.device(&dev.key).set_tag {
        return Err(DataAccessError::ObjectAccessDenied);
    }
    let new = TagValue::from_data(value).map_err(|_| DataAccessError::ObjectValueInvalid)?;
    let state = new.flags.tag();
    if state == TagState::Invalid {
        return Err(DataAccessError::ObjectValueInvalid);
    }
    let now = Instant::now();
    let tag = {
        let mut states = lock(&shared.devices);
        let st = states
            .get_mut(d)
            .ok_or(DataAccessError::ObjectNonExistent)?;
        if st.armed_now(now).is_some() {
            return Err(DataAccessError::TemporarilyUnavailable);
        }
        if st.tag.flags.tag() != TagState::NoTag
            && st.tag_owner.as_deref() != Some(blt.owner.as_str())
        {
            return Err(DataAccessError::TemporarilyUnavailable);
        }
        st.tag = TagValue {
            flags: TagFlags::new(state, false),
            reason: new.reason.clone(),
        };
        st.tag_owner = (state != TagState::NoTag).then(|| blt.owner.clone());
        st.tag_value(now)
    };
    sync_tag(shared, d, &tag);
    shared.event(ServerEvent::TagChanged {
        association: info.id,
        device: dev.key.name(),
        tag,
    });
    Ok(())
}

/// Ends the selects whose time is up (with an event each) and gives the next select
/// deadline.
pub(crate) fn expire(shared: &Shared, now: Instant) -> Option<Instant> {
    let mut expired = Vec::new();
    let mut next: Option<Instant> = None;
    {
        let mut states = lock(&shared.devices);
        for (i, st) in states.iter_mut().enumerate() {
            if let Some((a, t)) = st.armed {
                if t <= now {
                    st.armed = None;
                    expired.push((i, a, st.tag_value(now)));
                } else {
                    next = Some(next.map_or(t, |n| n.min(t)));
                }
            }
        }
    }
    for (i, association, tag) in expired {
        sync_tag(shared, i, &tag);
        if let Some(dev) = shared.dir.devices.get(i) {
            shared.event(ServerEvent::SelectTimedOut {
                association,
                device: dev.key.name(),
            });
        }
    }
    next
}

/// The association ended: its selects end (without an event).
pub(crate) fn release(shared: &Shared, association: u64) {
    let now = Instant::now();
    let mut changed = Vec::new();
    {
        let mut states = lock(&shared.devices);
        for (i, st) in states.iter_mut().enumerate() {
            if st.armed.is_some_and(|(a, _)| a == association) {
                st.armed = None;
                changed.push((i, st.tag_value(now)));
            }
        }
    }
    for (i, tag) in changed {
        sync_tag(shared, i, &tag);
    }
}

/// The current tag of the device `key`, if it has one.
pub(crate) fn tag_of(shared: &Shared, key: &Key) -> Option<TagValue> {
    let i = shared.dir.devices.iter().position(|d| d.key == *key)?;
    if !shared.dir.devices.get(i)?.tag {
        return None;
    }
    let states = lock(&shared.devices);
    states.get(i).map(|s| s.tag_value(Instant::now()))
}

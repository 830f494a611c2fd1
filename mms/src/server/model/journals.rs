//! ReadJournal (ISO 9506-1 §20.2): the entries of a journal in a time or entry range, after
//! `entryToStartAfter`, restricted to `listOfVariables`, cut to the PDU size (`moreFollows`).
//! Entry identifiers are the entry's number as eight big-endian octets.

use std::borrow::Cow;

use crate::codec::{Asn1, Writer};
use crate::common::{ApplicationReference, ObjectName, TimeOfDay};
use crate::pdu::ConfirmedServiceResponse;
use crate::service_error::ServiceError;
use crate::services::journal::{
    EntryContent, EntryForm, JournalEntry, JournalVariable, RangeStart, RangeStop,
    ReadJournalRequest, ReadJournalResponse,
};

use super::access::{Object, Operation};
use super::store::StoredEntry;
use super::{AssociationInfo, Model, ServiceResult};

/// Octets a ReadJournal-Response needs besides its entries.
pub const JOURNAL_OVERHEAD: usize = 40;

/// The entry identifier of entry number `id` (ISO 9506-2 §20.2.2 `entryIdentifier`).
pub fn entry_identifier(id: u64) -> Vec<u8> {
    id.to_be_bytes().to_vec()
}

fn id_of(octets: &[u8]) -> Option<u64> {
    <[u8; 8]>::try_from(octets).ok().map(u64::from_be_bytes)
}

fn millis(t: &TimeOfDay) -> i64 {
    t.unix_millis().unwrap_or(i64::from(t.millis))
}

fn to_entry(e: &StoredEntry, only: Option<&[Cow<'_, str>]>) -> Option<JournalEntry<'static>> {
    let entry_form = match &e.annotation {
        Some(a) if only.is_none() => EntryForm::Annotation(Cow::Owned(a.clone())),
        Some(_) => return None,
        None => {
            let vars: Vec<JournalVariable<'static>> = e
                .variables
                .iter()
                .filter(|(t, _)| only.map_or(true, |o| o.iter().any(|x| x == t)))
                .map(|(t, d)| JournalVariable {
                    variable_tag: Cow::Owned(t.clone()),
                    value_specification: d.clone(),
                })
                .collect();
            if only.is_some() && vars.is_empty() {
                return None;
            }
            EntryForm::Data {
                event: None,
                list_of_variables: Some(vars),
            }
        }
    };
    Some(JournalEntry {
        entry_identifier: Cow::Owned(entry_identifier(e.id)),
        originating_application: ApplicationReference::default(),
        entry_content: EntryContent {
            occurrence_time: TimeOfDay::from_unix_millis(e.time_ms),
            additional_detail: None,
            entry_form,
        },
    })
}

/// ReadJournal (ISO 9506-1 §20.2). An unknown (or hidden) journal, or a starting entry that
/// does not exist, is access / object-non-existent.
pub fn read_journal(
    m: &Model,
    info: &AssociationInfo,
    q: &ReadJournalRequest<'_>,
) -> ServiceResult {
    let name: &ObjectName<'_> = &q.journal_name;
    let missing =
        || ServiceError::object_non_existent().with_description(format!("no journal {name}"));
    if !m.allowed(info, Operation::Browse, &Object::Journal(name)) {
        return Err(missing());
    }
    if !m.allowed(info, Operation::ReadJournal, &Object::Journal(name)) {
        return Err(ServiceError::access_denied());
    }
    let objs = m.objects();
    let journal = objs
        .scope_of(name)
        .and_then(|s| s.journals.get(name.item()))
        .ok_or_else(missing)?;
    let entries = &journal.entries;
    let mut start = match &q.range_start_specification {
        None => 0,
        Some(RangeStart::StartingTime(t)) => {
            let t = millis(t);
            entries.partition_point(|e| e.time_ms < t)
        }
        Some(RangeStart::StartingEntry(id)) => id_of(id)
            .and_then(|id| entries.iter().position(|e| e.id == id))
            .ok_or_else(|| {
                ServiceError::object_non_existent().with_description("no such starting entry")
            })?,
    };
    if let Some(after) = &q.entry_to_start_after {
        let pos = match id_of(&after.entry_specification)
            .and_then(|id| entries.iter().position(|e| e.id == id))
        {
            Some(p) => p + 1,
            None => {
                let t = millis(&after.time_specification);
                entries.partition_point(|e| e.time_ms <= t)
            }
        };
        start = start.max(pos);
    }
    let (end_time, max_count) = match &q.range_stop_specification {
        None => (None, usize::MAX),
        Some(RangeStop::EndingTime(t)) => (Some(millis(t)), usize::MAX),
        Some(RangeStop::NumberOfEntries(n)) => (None, usize::try_from(*n).unwrap_or(0)),
    };
    let budget = info
        .negotiated
        .max_pdu_size
        .saturating_sub(JOURNAL_OVERHEAD);
    let only = q.list_of_variables.as_deref();
    let mut used = 0usize;
    let mut out = Vec::new();
    let mut more = false;
    for e in entries.iter().skip(start) {
        if end_time.is_some_and(|t| e.time_ms > t) || out.len() >= max_count {
            break;
        }
        let Some(je) = to_entry(e, only) else {
            continue;
        };
        let mut w = Writer::new();
        je.encode(&mut w);
        if !out.is_empty() && used + w.len() > budget {
            more = true;
            break;
        }
        used += w.len();
        out.push(je);
    }
    Ok(ConfirmedServiceResponse::ReadJournal(ReadJournalResponse {
        list_of_journal_entry: out,
        more_follows: more,
    }))
}

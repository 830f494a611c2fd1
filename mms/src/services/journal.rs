//! Journal management services (ISO 9506-2 §20; service definitions in ISO 9506-1 §20):
//! ReadJournal \[65\], WriteJournal \[66\], InitializeJournal \[67\], ReportJournalStatus \[68\],
//! CreateJournal \[69\] and DeleteJournal \[70\], with the journal entry types a server's journal
//! store keeps ([`JournalEntry`], [`EntryContent`]).
//!
//! Wire forms follow Wireshark's MMS module. Where ISO 9506-2:2003 differs, the decoder also
//! takes the 2003 form:
//! * `entryToStartAfter` of ReadJournal-Request is mandatory in Wireshark's module and OPTIONAL
//!   in ISO 9506-2:2003; it is optional here (a first ReadJournal has nothing to start after).
//! * `annotation` is `[3] IMPLICIT VisibleString` in Wireshark's module and `[3] MMSString`
//!   (EXPLICIT, a constructed `[3]` around a UTF8String) in 2003; both decode, the IMPLICIT
//!   form is sent.
//! * ReportJournalStatus-Response gains `accessControlList [2] IMPLICIT Identifier OPTIONAL`
//!   in 2003.

use crate::codec::{visible_or_mms_string, write_bool_default, write_explicit_choice};
use crate::services::service_fields;
use std::borrow::Cow;

use crate::codec::{
    ctx, ctx_c, expect_tag, explicit, octets, seq_of, string, uint32, write_explicit, write_seq_of,
    write_string, write_uint, Asn1, BerError, Choice, Class, Fields, RawValue, Result, Service,
    Tag, Tlv, Writer, VISIBLE_STRING,
};
use crate::common::{ApplicationReference, EcState, ObjectName, TimeOfDay};
use crate::data::Data;
use crate::services::semaphore::{object_name_service, opt_ident};

fn owned_bytes(b: Cow<'_, [u8]>) -> Cow<'static, [u8]> {
    Cow::Owned(b.into_owned())
}

fn owned_str(s: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(s.into_owned())
}

fn owned_app_ref(a: ApplicationReference<'_>) -> ApplicationReference<'static> {
    ApplicationReference {
        ap_title: a.ap_title.map(RawValue::into_owned),
        ap_invocation_id: a.ap_invocation_id,
        ae_qualifier: a.ae_qualifier.map(RawValue::into_owned),
        ae_invocation_id: a.ae_invocation_id,
    }
}

// ---------------------------------------------------------------------------------------------
// Entry content

/// The `event` of a data entry (ISO 9506-2 §20.1, EntryContent): the event condition whose
/// transition the entry records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEvent<'a> {
    /// `eventConditionName [0] ObjectName`.
    pub event_condition_name: ObjectName<'a>,
    /// `currentState [1] IMPLICIT EC-State`.
    pub current_state: EcState,
}

/// One element of a data entry's `listOfVariables` (ISO 9506-2 §20.1, EntryContent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalVariable<'a> {
    /// `variableTag [0] IMPLICIT VisibleString` (MMSString in 2003).
    pub variable_tag: Cow<'a, str>,
    /// `valueSpecification [1] Data` (EXPLICIT).
    pub value_specification: Data<'a>,
}

impl<'a> Asn1<'a> for JournalVariable<'a> {
    const TAG: Tag = Tag::SEQUENCE;

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let variable_tag = string(&f.req(ctx(0), "variableTag")?)?;
        let value_specification = f.req_choice::<Data>(1, "valueSpecification")?;
        f.finish()?;
        Ok(JournalVariable {
            variable_tag,
            value_specification,
        })
    }

    fn encode_contents(&self, w: &mut Writer) {
        write_explicit(w, 1, |w| self.value_specification.encode_choice(w));
        write_string(w, ctx(0), &self.variable_tag);
    }
}

/// `entryForm` of EntryContent (ISO 9506-2 §20.1): recorded data or an annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryForm<'a> {
    /// `data [2] IMPLICIT SEQUENCE { event [0] ... OPTIONAL, listOfVariables [1] ... OPTIONAL }`.
    Data {
        /// `event [0] IMPLICIT SEQUENCE { eventConditionName, currentState } OPTIONAL`.
        event: Option<JournalEvent<'a>>,
        /// `listOfVariables [1] IMPLICIT SEQUENCE OF SEQUENCE { variableTag, valueSpecification }
        /// OPTIONAL`.
        list_of_variables: Option<Vec<JournalVariable<'a>>>,
    },
    /// `annotation [3] IMPLICIT VisibleString` (`[3] MMSString` in 2003): free text.
    Annotation(Cow<'a, str>),
}

impl<'a> Choice<'a> for EntryForm<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        match (tlv.tag.class, tlv.tag.number, tlv.tag.constructed) {
            (Class::Context, 2, true) => {
                let mut f = Fields::new(tlv)?;
                let event = f
                    .opt(ctx_c(0))?
                    .map(|t| {
                        expect_tag(&t, ctx_c(0))?;
                        let mut e = Fields::new(&t)?;
                        let event_condition_name = e.req_choice(0, "eventConditionName")?;
                        let current_state = EcState::decode_value(&e.req(ctx(1), "currentState")?)?;
                        e.finish()?;
                        Ok::<_, crate::codec::DecodeError>(JournalEvent {
                            event_condition_name,
                            current_state,
                        })
                    })
                    .transpose()?;
                let list_of_variables = f
                    .opt(ctx_c(1))?
                    .map(|t| {
                        expect_tag(&t, ctx_c(1))?;
                        seq_of(&t, JournalVariable::decode)
                    })
                    .transpose()?;
                f.finish()?;
                Ok(EntryForm::Data {
                    event,
                    list_of_variables,
                })
            }
            (Class::Context, 3, false) => Ok(EntryForm::Annotation(string(tlv)?)),
            // ISO 9506-2:2003: `annotation [3] MMSString`, EXPLICIT.
            (Class::Context, 3, true) => Ok(EntryForm::Annotation(visible_or_mms_string(
                &explicit(tlv)?,
            )?)),
            _ => Err(BerError::InvalidValue("EntryContent entryForm").into()),
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            EntryForm::Data {
                event,
                list_of_variables,
            } => {
                let m = w.mark();
                if let Some(l) = list_of_variables {
                    write_seq_of(w, ctx_c(1), l, |w, v| v.encode(w));
                }
                if let Some(e) = event {
                    let m2 = w.mark();
                    e.current_state.encode_value(w, ctx(1));
                    write_explicit_choice(w, 0, &e.event_condition_name);
                    w.wrap(m2, ctx_c(0));
                }
                w.wrap(m, ctx_c(2));
            }
            EntryForm::Annotation(s) => write_string(w, ctx(3), s),
        }
    }
}

/// `EntryContent` (ISO 9506-2 §20.1): what a journal entry records and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryContent<'a> {
    /// `occurrenceTime [0] IMPLICIT TimeOfDay`.
    pub occurrence_time: TimeOfDay,
    /// `additionalDetail [1] JOU-Additional-Detail OPTIONAL` (companion-standard detail, the
    /// value inside the EXPLICIT `[1]` kept as received).
    pub additional_detail: Option<RawValue<'a>>,
    /// `entryForm CHOICE { data [2] ..., annotation [3] ... }`.
    pub entry_form: EntryForm<'a>,
}

impl EntryContent<'_> {
    /// Detaches the entry from the input buffer (for a journal store).
    pub fn into_owned(self) -> EntryContent<'static> {
        EntryContent {
            occurrence_time: self.occurrence_time,
            additional_detail: self.additional_detail.map(RawValue::into_owned),
            entry_form: match self.entry_form {
                EntryForm::Data {
                    event,
                    list_of_variables,
                } => EntryForm::Data {
                    event: event.map(|e| JournalEvent {
                        event_condition_name: e.event_condition_name.into_owned(),
                        current_state: e.current_state,
                    }),
                    list_of_variables: list_of_variables.map(|l| {
                        l.into_iter()
                            .map(|v| JournalVariable {
                                variable_tag: owned_str(v.variable_tag),
                                value_specification: v.value_specification.into_owned(),
                            })
                            .collect()
                    }),
                },
                EntryForm::Annotation(s) => EntryForm::Annotation(owned_str(s)),
            },
        }
    }
}

impl<'a> Asn1<'a> for EntryContent<'a> {
    const TAG: Tag = Tag::SEQUENCE;

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let occurrence_time =
            TimeOfDay::decode_implicit(&f.req(ctx(0), "occurrenceTime")?, ctx(0))?;
        let additional_detail = f
            .opt(ctx_c(1))?
            .map(|t| explicit(&t).map(|i| RawValue::from_tlv(&i)))
            .transpose()?;
        let entry_form = EntryForm::decode_choice(&f.next("entryForm")?)?;
        f.finish()?;
        Ok(EntryContent {
            occurrence_time,
            additional_detail,
            entry_form,
        })
    }

    fn encode_contents(&self, w: &mut Writer) {
        self.entry_form.encode_choice(w);
        if let Some(d) = &self.additional_detail {
            write_explicit(w, 1, |w| d.encode(w));
        }
        self.occurrence_time.encode_tagged(w, ctx(0));
    }
}

/// `JournalEntry` (ISO 9506-2 §20.2.2): one entry returned by ReadJournal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry<'a> {
    /// `entryIdentifier [0] IMPLICIT OCTET STRING`: the server's identifier of the entry.
    pub entry_identifier: Cow<'a, [u8]>,
    /// `originatingApplication [1] ApplicationReference` (EXPLICIT).
    pub originating_application: ApplicationReference<'a>,
    /// `entryContent [2] IMPLICIT EntryContent`.
    pub entry_content: EntryContent<'a>,
}

impl JournalEntry<'_> {
    /// Detaches the entry from the input buffer (for a journal store).
    pub fn into_owned(self) -> JournalEntry<'static> {
        JournalEntry {
            entry_identifier: owned_bytes(self.entry_identifier),
            originating_application: owned_app_ref(self.originating_application),
            entry_content: self.entry_content.into_owned(),
        }
    }
}

impl<'a> Asn1<'a> for JournalEntry<'a> {
    const TAG: Tag = Tag::SEQUENCE;

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let entry_identifier = octets(&f.req(ctx(0), "entryIdentifier")?)?;
        let originating_application =
            ApplicationReference::decode(&explicit(&f.req(ctx_c(1), "originatingApplication")?)?)?;
        let entry_content =
            EntryContent::decode_implicit(&f.req(ctx_c(2), "entryContent")?, ctx_c(2))?;
        f.finish()?;
        Ok(JournalEntry {
            entry_identifier,
            originating_application,
            entry_content,
        })
    }

    fn encode_contents(&self, w: &mut Writer) {
        self.entry_content.encode_tagged(w, ctx_c(2));
        write_explicit(w, 1, |w| self.originating_application.encode(w));
        w.octets(ctx(0), &self.entry_identifier);
    }
}

// ---------------------------------------------------------------------------------------------
// ReadJournal [65]

/// `rangeStartSpecification` of ReadJournal-Request (ISO 9506-2 §20.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeStart<'a> {
    /// `startingTime [0] IMPLICIT TimeOfDay`.
    StartingTime(TimeOfDay),
    /// `startingEntry [1] IMPLICIT OCTET STRING`.
    StartingEntry(Cow<'a, [u8]>),
}

/// `rangeStopSpecification` of ReadJournal-Request (ISO 9506-2 §20.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeStop {
    /// `endingTime [0] IMPLICIT TimeOfDay`.
    EndingTime(TimeOfDay),
    /// `numberOfEntries [1] IMPLICIT Integer32`.
    NumberOfEntries(i32),
}

/// `entryToStartAfter` of ReadJournal-Request (ISO 9506-2 §20.2.1): where a continued read
/// resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryToStartAfter<'a> {
    /// `timeSpecification [0] IMPLICIT TimeOfDay`.
    pub time_specification: TimeOfDay,
    /// `entrySpecification [1] IMPLICIT OCTET STRING`.
    pub entry_specification: Cow<'a, [u8]>,
}

/// `ReadJournal-Request` (ISO 9506-2 §20.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadJournalRequest<'a> {
    /// `journalName [0] ObjectName`.
    pub journal_name: ObjectName<'a>,
    /// `rangeStartSpecification [1] CHOICE {...} OPTIONAL` (EXPLICIT).
    pub range_start_specification: Option<RangeStart<'a>>,
    /// `rangeStopSpecification [2] CHOICE {...} OPTIONAL` (EXPLICIT).
    pub range_stop_specification: Option<RangeStop>,
    /// `listOfVariables [4] IMPLICIT SEQUENCE OF VisibleString OPTIONAL`.
    pub list_of_variables: Option<Vec<Cow<'a, str>>>,
    /// `entryToStartAfter [5] IMPLICIT SEQUENCE {...}` (OPTIONAL in ISO 9506-2:2003).
    pub entry_to_start_after: Option<EntryToStartAfter<'a>>,
}

impl<'a> ReadJournalRequest<'a> {
    /// A request for every entry of `journal_name`.
    pub fn new(journal_name: ObjectName<'a>) -> Self {
        ReadJournalRequest {
            journal_name,
            range_start_specification: None,
            range_stop_specification: None,
            list_of_variables: None,
            entry_to_start_after: None,
        }
    }
}

impl<'a> Service<'a> for ReadJournalRequest<'a> {
    const TAG: u32 = 65;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let journal_name = f.req_choice(0, "journalName")?;
        let range_start_specification = f
            .opt(ctx_c(1))?
            .map(|t| {
                let i = explicit(&t)?;
                match (i.tag.class, i.tag.number) {
                    (Class::Context, 0) => Ok(RangeStart::StartingTime(
                        TimeOfDay::decode_implicit(&i, ctx(0))?,
                    )),
                    (Class::Context, 1) if !i.tag.constructed => {
                        Ok(RangeStart::StartingEntry(octets(&i)?))
                    }
                    _ => Err(crate::codec::DecodeError::from(BerError::InvalidValue(
                        "rangeStartSpecification",
                    ))),
                }
            })
            .transpose()?;
        let range_stop_specification =
            f.opt(ctx_c(2))?
                .map(|t| {
                    let i = explicit(&t)?;
                    match (i.tag.class, i.tag.number) {
                        (Class::Context, 0) => Ok(RangeStop::EndingTime(
                            TimeOfDay::decode_implicit(&i, ctx(0))?,
                        )),
                        (Class::Context, 1) if !i.tag.constructed => {
                            Ok(RangeStop::NumberOfEntries(crate::codec::int32(&i)?))
                        }
                        _ => Err(crate::codec::DecodeError::from(BerError::InvalidValue(
                            "rangeStopSpecification",
                        ))),
                    }
                })
                .transpose()?;
        let list_of_variables = f
            .opt(ctx_c(4))?
            .map(|t| {
                expect_tag(&t, ctx_c(4))?;
                seq_of(&t, visible_or_mms_string)
            })
            .transpose()?;
        let entry_to_start_after = f
            .opt(ctx_c(5))?
            .map(|t| {
                expect_tag(&t, ctx_c(5))?;
                let mut e = Fields::new(&t)?;
                let time_specification =
                    TimeOfDay::decode_implicit(&e.req(ctx(0), "timeSpecification")?, ctx(0))?;
                let entry_specification = octets(&e.req(ctx(1), "entrySpecification")?)?;
                e.finish()?;
                Ok::<_, crate::codec::DecodeError>(EntryToStartAfter {
                    time_specification,
                    entry_specification,
                })
            })
            .transpose()?;
        f.finish()?;
        Ok(ReadJournalRequest {
            journal_name,
            range_start_specification,
            range_stop_specification,
            list_of_variables,
            entry_to_start_after,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        if let Some(e) = &self.entry_to_start_after {
            let m2 = w.mark();
            w.octets(ctx(1), &e.entry_specification);
            e.time_specification.encode_tagged(w, ctx(0));
            w.wrap(m2, ctx_c(5));
        }
        if let Some(l) = &self.list_of_variables {
            write_seq_of(w, ctx_c(4), l, |w, s| write_string(w, VISIBLE_STRING, s));
        }
        if let Some(s) = &self.range_stop_specification {
            write_explicit(w, 2, |w| match s {
                RangeStop::EndingTime(t) => t.encode_tagged(w, ctx(0)),
                RangeStop::NumberOfEntries(n) => w.integer(ctx(1), i64::from(*n)),
            });
        }
        if let Some(s) = &self.range_start_specification {
            write_explicit(w, 1, |w| match s {
                RangeStart::StartingTime(t) => t.encode_tagged(w, ctx(0)),
                RangeStart::StartingEntry(e) => w.octets(ctx(1), e),
            });
        }
        write_explicit_choice(w, 0, &self.journal_name);
        w.wrap(m, ctx_c(Self::TAG));
    }
}

/// `ReadJournal-Response` (ISO 9506-2 §20.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadJournalResponse<'a> {
    /// `listOfJournalEntry [0] IMPLICIT SEQUENCE OF JournalEntry`.
    pub list_of_journal_entry: Vec<JournalEntry<'a>>,
    /// `moreFollows [1] IMPLICIT BOOLEAN DEFAULT FALSE`.
    pub more_follows: bool,
}

impl<'a> Service<'a> for ReadJournalResponse<'a> {
    const TAG: u32 = 65;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let list = f.req(ctx_c(0), "listOfJournalEntry")?;
        let list_of_journal_entry = seq_of(&list, JournalEntry::decode)?;
        let more_follows = f.bool_default(1, false)?;
        f.finish()?;
        Ok(ReadJournalResponse {
            list_of_journal_entry,
            more_follows,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_bool_default(w, 1, self.more_follows, false);
        write_seq_of(w, ctx_c(0), &self.list_of_journal_entry, |w, e| e.encode(w));
        w.wrap(m, ctx_c(Self::TAG));
    }
}

// ---------------------------------------------------------------------------------------------
// WriteJournal [66]

/// `WriteJournal-Request` (ISO 9506-2 §20.3.1): add entries to a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteJournalRequest<'a> {
    /// `journalName [0] ObjectName`.
    pub journal_name: ObjectName<'a>,
    /// `listOfJournalEntry [1] IMPLICIT SEQUENCE OF EntryContent`.
    pub list_of_journal_entry: Vec<EntryContent<'a>>,
}

impl<'a> Service<'a> for WriteJournalRequest<'a> {
    const TAG: u32 = 66;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let journal_name = f.req_choice(0, "journalName")?;
        let list_of_journal_entry = seq_of(
            &f.req(ctx_c(1), "listOfJournalEntry")?,
            EntryContent::decode,
        )?;
        f.finish()?;
        Ok(WriteJournalRequest {
            journal_name,
            list_of_journal_entry,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_seq_of(w, ctx_c(1), &self.list_of_journal_entry, |w, e| e.encode(w));
        write_explicit_choice(w, 0, &self.journal_name);
        w.wrap(m, ctx_c(Self::TAG));
    }
}

null_service!(
    /// `WriteJournal-Response ::= NULL` (ISO 9506-2 §20.3.2).
    WriteJournalResponse = 66
);

// ---------------------------------------------------------------------------------------------
// InitializeJournal [67]

/// `limitSpecification` of InitializeJournal-Request (ISO 9506-2 §20.4.1): delete entries up
/// to this time (and entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitSpecification<'a> {
    /// `limitingTime [0] IMPLICIT TimeOfDay`.
    pub limiting_time: TimeOfDay,
    /// `limitingEntry [1] IMPLICIT OCTET STRING OPTIONAL`.
    pub limiting_entry: Option<Cow<'a, [u8]>>,
}

/// `InitializeJournal-Request` (ISO 9506-2 §20.4.1): delete entries of a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitializeJournalRequest<'a> {
    /// `journalName [0] ObjectName`.
    pub journal_name: ObjectName<'a>,
    /// `limitSpecification [1] IMPLICIT SEQUENCE {...} OPTIONAL` (absent: every entry).
    pub limit_specification: Option<LimitSpecification<'a>>,
}

impl<'a> Service<'a> for InitializeJournalRequest<'a> {
    const TAG: u32 = 67;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let journal_name = f.req_choice(0, "journalName")?;
        let limit_specification = f
            .opt(ctx_c(1))?
            .map(|t| {
                expect_tag(&t, ctx_c(1))?;
                let mut e = Fields::new(&t)?;
                let limiting_time =
                    TimeOfDay::decode_implicit(&e.req(ctx(0), "limitingTime")?, ctx(0))?;
                let limiting_entry = e.opt_map(ctx(1), octets)?;
                e.finish()?;
                Ok::<_, crate::codec::DecodeError>(LimitSpecification {
                    limiting_time,
                    limiting_entry,
                })
            })
            .transpose()?;
        f.finish()?;
        Ok(InitializeJournalRequest {
            journal_name,
            limit_specification,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        if let Some(l) = &self.limit_specification {
            let m2 = w.mark();
            if let Some(e) = &l.limiting_entry {
                w.octets(ctx(1), e);
            }
            l.limiting_time.encode_tagged(w, ctx(0));
            w.wrap(m2, ctx_c(1));
        }
        write_explicit_choice(w, 0, &self.journal_name);
        w.wrap(m, ctx_c(Self::TAG));
    }
}

/// `InitializeJournal-Response ::= Unsigned32` (ISO 9506-2 §20.4.2): the number of entries
/// deleted, IMPLICIT `[67]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitializeJournalResponse(pub u32);

impl<'a> Service<'a> for InitializeJournalResponse {
    const TAG: u32 = 67;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        expect_tag(tlv, ctx(Self::TAG))?;
        Ok(InitializeJournalResponse(uint32(tlv)?))
    }

    fn encode_service(&self, w: &mut Writer) {
        write_uint(w, ctx(Self::TAG), u64::from(self.0));
    }
}

// ---------------------------------------------------------------------------------------------
// ReportJournalStatus [68], CreateJournal [69], DeleteJournal [70]

object_name_service!(
    /// `ReportJournalStatus-Request ::= ObjectName` (ISO 9506-2 §20.5.1): the journal.
    ReportJournalStatusRequest,
    68
);

/// `ReportJournalStatus-Response` (ISO 9506-2 §20.5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportJournalStatusResponse<'a> {
    /// `currentEntries [0] IMPLICIT Unsigned32`.
    pub current_entries: u32,
    /// `mmsDeletable [1] IMPLICIT BOOLEAN`.
    pub mms_deletable: bool,
    /// `accessControlList [2] IMPLICIT Identifier OPTIONAL` (ISO 9506-2:2003 only).
    pub access_control_list: Option<crate::common::Identifier<'a>>,
}

impl<'a> Service<'a> for ReportJournalStatusResponse<'a> {
    const TAG: u32 = 68;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let current_entries = uint32(&f.req(ctx(0), "currentEntries")?)?;
        let mms_deletable = crate::codec::boolean(&f.req(ctx(1), "mmsDeletable")?)?;
        let access_control_list = opt_ident(&mut f, 2)?;
        f.finish()?;
        Ok(ReportJournalStatusResponse {
            current_entries,
            mms_deletable,
            access_control_list,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        if let Some(a) = &self.access_control_list {
            write_string(w, ctx(2), a);
        }
        w.boolean(ctx(1), self.mms_deletable);
        write_uint(w, ctx(0), u64::from(self.current_entries));
        w.wrap(m, ctx_c(Self::TAG));
    }
}

/// Declares a request `SEQUENCE { journalName [0] ObjectName }`.
macro_rules! journal_name_request {
    ($(#[$m:meta])* $name:ident, $tag:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name<'a> {
            /// `journalName [0] ObjectName`.
            pub journal_name: ObjectName<'a>,
        }

        impl<'a> Service<'a> for $name<'a> {
            const TAG: u32 = $tag;

            fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
                let mut f = service_fields(tlv, $tag)?;
                let journal_name = f.req_choice(0, "journalName")?;
                f.finish()?;
                Ok($name { journal_name })
            }

            fn encode_service(&self, w: &mut Writer) {
                let m = w.mark();
                write_explicit_choice(w, 0, &self.journal_name);
                w.wrap(m, ctx_c($tag));
            }
        }
    };
}

journal_name_request!(
    /// `CreateJournal-Request` (ISO 9506-2 §20.6.1).
    CreateJournalRequest,
    69
);

null_service!(
    /// `CreateJournal-Response ::= NULL` (ISO 9506-2 §20.6.2).
    CreateJournalResponse = 69
);

journal_name_request!(
    /// `DeleteJournal-Request` (ISO 9506-2 §20.7.1).
    DeleteJournalRequest,
    70
);

null_service!(
    /// `DeleteJournal-Response ::= NULL` (ISO 9506-2 §20.7.2).
    DeleteJournalResponse = 70
);

#[cfg(test)]
pub(crate) mod arb {
    //! proptest strategies for the journal services.
    use super::*;
    use crate::services::semaphore::arb::{
        application_reference, bytes, ident, object_name, text, time_of_day,
    };
    use proptest::prelude::*;

    /// Simple `Data` values (the data helper's module has the full strategy).
    pub(crate) fn data() -> impl Strategy<Value = Data<'static>> {
        prop_oneof![
            any::<bool>().prop_map(Data::Boolean),
            any::<i64>().prop_map(Data::Integer),
            any::<u64>().prop_map(Data::Unsigned),
            text().prop_map(Data::VisibleString),
            bytes().prop_map(Data::OctetString),
        ]
    }

    pub(crate) fn ec_state() -> impl Strategy<Value = EcState> {
        prop_oneof![
            Just(EcState::Disabled),
            Just(EcState::Idle),
            Just(EcState::Active)
        ]
    }

    pub(crate) fn entry_form() -> impl Strategy<Value = EntryForm<'static>> {
        prop_oneof![
            (
                proptest::option::of((object_name(), ec_state()).prop_map(|(n, s)| {
                    JournalEvent {
                        event_condition_name: n,
                        current_state: s,
                    }
                })),
                proptest::option::of(proptest::collection::vec(
                    (ident(), data()).prop_map(|(t, d)| JournalVariable {
                        variable_tag: t,
                        value_specification: d
                    }),
                    0..4
                )),
            )
                .prop_map(|(e, l)| EntryForm::Data {
                    event: e,
                    list_of_variables: l
                }),
            text().prop_map(EntryForm::Annotation),
        ]
    }

    pub(crate) fn entry_content() -> impl Strategy<Value = EntryContent<'static>> {
        (
            time_of_day(),
            proptest::option::of(Just(RawValue(Cow::Borrowed(&[5u8, 0][..])))),
            entry_form(),
        )
            .prop_map(|(t, a, f)| EntryContent {
                occurrence_time: t,
                additional_detail: a,
                entry_form: f,
            })
    }

    pub(crate) fn journal_entry() -> impl Strategy<Value = JournalEntry<'static>> {
        (bytes(), application_reference(), entry_content()).prop_map(|(i, a, c)| JournalEntry {
            entry_identifier: i,
            originating_application: a,
            entry_content: c,
        })
    }

    pub(crate) fn read_journal_request() -> impl Strategy<Value = ReadJournalRequest<'static>> {
        (
            object_name(),
            proptest::option::of(prop_oneof![
                time_of_day().prop_map(RangeStart::StartingTime),
                bytes().prop_map(RangeStart::StartingEntry)
            ]),
            proptest::option::of(prop_oneof![
                time_of_day().prop_map(RangeStop::EndingTime),
                any::<i32>().prop_map(RangeStop::NumberOfEntries)
            ]),
            proptest::option::of(proptest::collection::vec(text(), 0..4)),
            proptest::option::of(
                (time_of_day(), bytes()).prop_map(|(t, e)| EntryToStartAfter {
                    time_specification: t,
                    entry_specification: e,
                }),
            ),
        )
            .prop_map(|(n, s, e, l, a)| ReadJournalRequest {
                journal_name: n,
                range_start_specification: s,
                range_stop_specification: e,
                list_of_variables: l,
                entry_to_start_after: a,
            })
    }

    pub(crate) fn read_journal_response() -> impl Strategy<Value = ReadJournalResponse<'static>> {
        (
            proptest::collection::vec(journal_entry(), 0..4),
            any::<bool>(),
        )
            .prop_map(|(l, m)| ReadJournalResponse {
                list_of_journal_entry: l,
                more_follows: m,
            })
    }

    pub(crate) fn write_journal_request() -> impl Strategy<Value = WriteJournalRequest<'static>> {
        (
            object_name(),
            proptest::collection::vec(entry_content(), 0..4),
        )
            .prop_map(|(n, l)| WriteJournalRequest {
                journal_name: n,
                list_of_journal_entry: l,
            })
    }

    pub(crate) fn initialize_journal_request(
    ) -> impl Strategy<Value = InitializeJournalRequest<'static>> {
        (
            object_name(),
            proptest::option::of((time_of_day(), proptest::option::of(bytes())).prop_map(
                |(t, e)| LimitSpecification {
                    limiting_time: t,
                    limiting_entry: e,
                },
            )),
        )
            .prop_map(|(n, l)| InitializeJournalRequest {
                journal_name: n,
                limit_specification: l,
            })
    }

    pub(crate) fn report_journal_status_response(
    ) -> impl Strategy<Value = ReportJournalStatusResponse<'static>> {
        (any::<u32>(), any::<bool>(), proptest::option::of(ident())).prop_map(|(c, d, a)| {
            ReportJournalStatusResponse {
                current_entries: c,
                mms_deletable: d,
                access_control_list: a,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_one, to_vec, DecodeError};
    use crate::testvec::{self, reencode, round_trip_tests, rt, Tolerant};
    use proptest::prelude::*;

    #[test]
    fn vectors() {
        testvec::check_file("journal.vec", 14, Tolerant::Decodes, |kind, t| {
            Some(match (kind, t.tag.number) {
                (0, 65) => reencode::<ReadJournalRequest>(t),
                (1, 65) => reencode::<ReadJournalResponse>(t),
                (0, 66) => reencode::<WriteJournalRequest>(t),
                (1, 66) => reencode::<WriteJournalResponse>(t),
                (0, 67) => reencode::<InitializeJournalRequest>(t),
                (1, 67) => reencode::<InitializeJournalResponse>(t),
                (0, 68) => reencode::<ReportJournalStatusRequest>(t),
                (1, 68) => reencode::<ReportJournalStatusResponse>(t),
                (0, 69) => reencode::<CreateJournalRequest>(t),
                (1, 69) => reencode::<CreateJournalResponse>(t),
                (0, 70) => reencode::<DeleteJournalRequest>(t),
                (1, 70) => reencode::<DeleteJournalResponse>(t),
                _ => return None,
            })
        });
    }

    fn body(name: &str) -> Vec<u8> {
        testvec::body("journal.vec", name)
    }

    #[test]
    fn read_journal_values() {
        let b = body("read-journal-request-time-range");
        let (r, _) = rt::<ReadJournalRequest>(&b).unwrap();
        assert_eq!(r.journal_name, ObjectName::domain("LD0", "LOG"));
        assert_eq!(
            r.range_start_specification,
            Some(RangeStart::StartingTime(TimeOfDay {
                millis: 1000,
                days: Some(14000)
            }))
        );
        assert_eq!(
            r.range_stop_specification,
            Some(RangeStop::EndingTime(TimeOfDay {
                millis: 2000,
                days: Some(14000)
            }))
        );
        let b = body("read-journal-request-entry-count");
        let (r, _) = rt::<ReadJournalRequest>(&b).unwrap();
        assert_eq!(
            r.range_stop_specification,
            Some(RangeStop::NumberOfEntries(10))
        );
        assert_eq!(
            r.entry_to_start_after
                .map(|e| e.entry_specification.into_owned()),
            Some(vec![0, 0, 0, 7])
        );

        let b = body("read-journal-response");
        let (r, _) = rt::<ReadJournalResponse>(&b).unwrap();
        assert_eq!(r.list_of_journal_entry.len(), 2);
        assert!(r.more_follows);
        let e0 = r.list_of_journal_entry[0].clone().into_owned();
        match &e0.entry_content.entry_form {
            EntryForm::Data {
                event,
                list_of_variables,
            } => {
                let ev = event.as_ref().unwrap();
                assert_eq!(ev.current_state, EcState::Active);
                let l = list_of_variables.as_ref().unwrap();
                assert_eq!(l[0].variable_tag, "LD0/MMXU1$MX$TotW$mag");
                assert_eq!(l[0].value_specification, Data::Integer(-5));
                assert_eq!(l[1].value_specification, Data::Boolean(true));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            r.list_of_journal_entry[1].entry_content.entry_form,
            EntryForm::Annotation("restart".into())
        );
        let b = body("initialize-journal-response");
        assert_eq!(
            rt::<InitializeJournalResponse>(&b).unwrap().0,
            InitializeJournalResponse(300)
        );
    }

    #[test]
    fn tolerated_2003_forms() {
        // ReadJournal-Request without entryToStartAfter (OPTIONAL in ISO 9506-2:2003, mandatory
        // in Wireshark's module; tshark 4.0 decodes it without error, see
        // read-journal-request-first in journal.vec).
        let b = [0xBF, 0x41, 7, 0xA0, 5, 0x80, 3, b'L', b'O', b'G'];
        let (r, e) = rt::<ReadJournalRequest>(&b).unwrap();
        assert_eq!(r, ReadJournalRequest::new(ObjectName::vmd("LOG")));
        assert_eq!(e, b);
        // annotation as `[3] MMSString` EXPLICIT (2003): decoded, re-encoded IMPLICIT.
        let ec = [0x30, 0x0B, 0x80, 4, 0, 0, 0, 1, 0xA3, 3, 0x0C, 1, b'x'];
        let c = decode_one(&ec, 8, EntryContent::decode).unwrap();
        assert_eq!(c.entry_form, EntryForm::Annotation("x".into()));
        assert_eq!(
            to_vec(|w| c.encode(w)),
            [0x30, 0x09, 0x80, 4, 0, 0, 0, 1, 0x83, 1, b'x']
        );
        // accessControlList in ReportJournalStatus-Response
        let b = [0xBF, 0x44, 9, 0x80, 1, 5, 0x81, 1, 0, 0x82, 1, b'A'];
        let (r, e) = rt::<ReportJournalStatusResponse>(&b).unwrap();
        assert_eq!(r.access_control_list.as_deref(), Some("A"));
        assert_eq!(e, b);
    }

    #[test]
    fn malformed() {
        // missing journalName
        assert_eq!(
            rt::<CreateJournalRequest>(&[0xBF, 0x45, 0]).map(|x| x.0),
            Err(DecodeError::Ber(BerError::Missing("journalName")))
        );
        // journal name tagged [1] instead of [0]
        assert!(matches!(
            rt::<DeleteJournalRequest>(&[0xBF, 0x46, 5, 0xA1, 3, 0x80, 1, b'L']),
            Err(DecodeError::Ber(BerError::UnexpectedTag { .. }))
        ));
        // TimeOfDay of 5 octets
        assert_eq!(
            rt::<InitializeJournalRequest>(&[
                0xBF, 0x43, 14, 0xA0, 3, 0x80, 1, b'L', 0xA1, 7, 0x80, 5, 0, 0, 0, 0, 0
            ])
            .map(|x| x.0),
            Err(DecodeError::OutOfRange("TimeOfDay"))
        );
        // rangeStart with an unknown alternative [2]
        assert!(rt::<ReadJournalRequest>(&[
            0xBF, 0x41, 11, 0xA0, 3, 0x80, 1, b'L', 0xA1, 4, 0x82, 2, 0, 0
        ])
        .is_err());
        // entry form [4]
        assert!(decode_one(
            &[0x30, 0x08, 0x80, 4, 0, 0, 0, 1, 0x84, 0],
            8,
            EntryContent::decode
        )
        .is_err());
        // currentState out of range
        assert_eq!(
            decode_one(
                &[
                    0x30, 0x12, 0x80, 4, 0, 0, 0, 1, 0xA2, 0x0A, 0xA0, 8, 0xA0, 3, 0x80, 1, b'E',
                    0x81, 1, 3
                ],
                8,
                EntryContent::decode
            ),
            Err(DecodeError::OutOfRange("EC-State"))
        );
        // missing entryForm
        assert_eq!(
            decode_one(&[0x30, 0x06, 0x80, 4, 0, 0, 0, 1], 8, EntryContent::decode),
            Err(DecodeError::Ber(BerError::Missing("entryForm")))
        );
        // InitializeJournal-Response negative
        assert!(rt::<InitializeJournalResponse>(&[0x9F, 0x43, 1, 0xFF]).is_err());
        // trailing element in ReportJournalStatus-Response
        assert!(matches!(
            rt::<ReportJournalStatusResponse>(&[0xBF, 0x44, 9, 0x80, 1, 5, 0x81, 1, 0, 0x83, 1, 0]),
            Err(DecodeError::Ber(BerError::TrailingData(_)))
        ));
        // a data value nested deeper than the budget
        let mut deep = vec![0x83, 1, 1];
        for _ in 0..40 {
            let mut n = vec![0xA2, deep.len() as u8];
            n.extend_from_slice(&deep);
            deep = n;
            if deep.len() > 120 {
                break;
            }
        }
        let mut jv = vec![0x80, 1, b'v', 0xA1, deep.len() as u8];
        jv.extend_from_slice(&deep);
        let mut seq = vec![0x30, jv.len() as u8];
        seq.extend_from_slice(&jv);
        assert!(decode_one(&seq, 8, JournalVariable::decode)
            .unwrap_err()
            .is_too_deep());
    }

    round_trip_tests! {
        rt_read_req: arb::read_journal_request() => ReadJournalRequest;
        rt_read_resp: arb::read_journal_response() => ReadJournalResponse;
        rt_write_req: arb::write_journal_request() => WriteJournalRequest;
        rt_init_req: arb::initialize_journal_request() => InitializeJournalRequest;
        rt_init_resp: any::<u32>().prop_map(InitializeJournalResponse) => InitializeJournalResponse;
        rt_status_req: crate::services::semaphore::arb::object_name().prop_map(ReportJournalStatusRequest) => ReportJournalStatusRequest;
        rt_status_resp: arb::report_journal_status_response() => ReportJournalStatusResponse;
        rt_create_req: crate::services::semaphore::arb::object_name().prop_map(|journal_name| CreateJournalRequest { journal_name }) => CreateJournalRequest;
        rt_delete_req: crate::services::semaphore::arb::object_name().prop_map(|journal_name| DeleteJournalRequest { journal_name }) => DeleteJournalRequest;
    }

    proptest! {
        #[test]
        fn journal_entry_into_owned(e in arb::journal_entry()) {
            let b = to_vec(|w| e.encode(w));
            let d = decode_one(&b, 32, JournalEntry::decode).unwrap();
            let owned: JournalEntry<'static> = d.into_owned();
            prop_assert_eq!(owned, e);
        }
    }

    #[test]
    fn null_responses() {
        assert_eq!(
            to_vec(|w| WriteJournalResponse.encode_service(w)),
            [0x9F, 0x42, 0]
        );
        assert_eq!(
            to_vec(|w| CreateJournalResponse.encode_service(w)),
            [0x9F, 0x45, 0]
        );
        assert_eq!(
            to_vec(|w| DeleteJournalResponse.encode_service(w)),
            [0x9F, 0x46, 0]
        );
        assert!(rt::<DeleteJournalResponse>(&[0x9F, 0x46, 0]).is_ok());
    }
}

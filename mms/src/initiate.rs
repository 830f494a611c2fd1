//! The Initiate service (ISO 9506-2 §8.2): `Initiate-RequestPDU` `[8]`, `Initiate-ResponsePDU`
//! `[9]` and the two negotiated bit strings, `ParameterSupportOptions` (the parameter CBBs) and
//! `ServiceSupportOptions` (the services a side can serve). `Initiate-ErrorPDU` `[10]` is a
//! [`crate::service_error::ServiceError`].
//!
//! # Bit-string lengths
//!
//! Peers disagree about the lengths, so decoding accepts ANY length: missing trailing bits read
//! as 0, the padding bits of the last octet are ignored (the LIB61850-419 trap: a decoder that
//! reads them as services), bits beyond what this codec names are dropped, and an empty string
//! with a nonzero unused-bit count is read as empty. Encoding keeps the length received (or set)
//! and never shortens below the length needed for the highest set bit:
//!
//! * [`ParameterCbb`]: 11 bits by default (`03 05 f1 00` as libIEC61850 sends; bits 0–10 of the
//!   1990 list, which ends at `cei (10)`). ISO 9506-2:2003 names bits up to `char (17)` (18
//!   bits); hat-drivers went 10 → 18 → 11 bits because devices refuse the longer form, hence 11.
//! * [`ServicesSupported`]: 85 bits by default (bits 0–84, `status` .. `cancel`, the 1990 list
//!   Wireshark's module carries and libIEC61850's length). ISO 9506-2:2003 adds bits 85–92
//!   (`getDataExchangeAttributes` .. `reconfigureProgramInvocation`, 93 bits); setting one of
//!   them lengthens the string to 93.

use crate::codec::Writer;
use crate::codec::{ctx, ctx_c, int16, int32, int8, Asn1, BerError, Fields, Result, Tag, Tlv};

/// Reads a primitive BIT STRING's contents tolerantly into `out` (ISO 9506-2 §8.2 bit strings):
/// returns the bit length, capped at `out`'s capacity; padding bits are cleared.
fn read_bits(tlv: &Tlv<'_>, out: &mut [u8]) -> Result<usize> {
    if tlv.tag.constructed {
        return Err(BerError::WrongForm(tlv.tag).into());
    }
    let (&unused, data) = tlv
        .contents
        .split_first()
        .ok_or(BerError::InvalidBitString)?;
    if unused > 7 {
        return Err(BerError::InvalidBitString.into());
    }
    if data.is_empty() {
        // Tolerated: some devices send `03 01 0n` for an empty string.
        return Ok(0);
    }
    let len = (data.len() * 8).saturating_sub(usize::from(unused));
    let cap = out.len() * 8;
    for (o, i) in out.iter_mut().zip(data.iter()) {
        *o = *i;
    }
    let kept = len.min(cap);
    clear_from(out, kept);
    Ok(kept)
}

/// Clears every bit from `from` on.
fn clear_from(bits: &mut [u8], from: usize) {
    for (i, b) in bits.iter_mut().enumerate() {
        let start = i * 8;
        if start >= from {
            *b = 0;
        } else if from - start < 8 {
            *b &= 0xFFu8 << (8 - (from - start));
        }
    }
}

fn write_bits(w: &mut Writer, tag: Tag, bits: &[u8], len: usize) {
    let octets = len.div_ceil(8);
    let unused = (octets * 8 - len) as u8;
    w.bit_string(tag, unused, bits.get(..octets).unwrap_or(bits));
}

macro_rules! named_bits {
    ($(#[$m:meta])* $name:ident, $kind:ident, $octets:literal, $default_len:literal, $what:literal {
        $($(#[$vm:meta])* $v:ident = $n:literal),+ $(,)?
    }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $kind {
            $($(#[$vm])* $v = $n),+
        }

        impl $kind {
            /// Every named bit, in bit order.
            pub const ALL: &'static [$kind] = &[$($kind::$v),+];

            /// The bit number.
            pub const fn bit(self) -> usize {
                self as usize
            }

            /// The named bit with number `n`, if any.
            pub fn from_bit(n: usize) -> Option<$kind> {
                Self::ALL.iter().copied().find(|k| k.bit() == n)
            }
        }

        $(#[$m])*
        ///
        /// The bits and the bit length are kept as received.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name {
            bits: [u8; $octets],
            len: usize,
        }

        impl Default for $name {
            /// No bit set, the default length.
            fn default() -> Self {
                $name { bits: [0; $octets], len: $default_len }
            }
        }

        impl $name {
            /// The length this codec sends by default.
            pub const DEFAULT_LEN: usize = $default_len;
            /// The most bits kept (bits beyond are dropped on decoding).
            pub const CAPACITY: usize = $octets * 8;

            /// The set with the given bits, at the default length (longer if a bit needs it).
            pub fn from_kinds(kinds: impl IntoIterator<Item = $kind>) -> Self {
                let mut s = Self::default();
                for k in kinds {
                    s.set(k, true);
                }
                s
            }

            /// True when `kind`'s bit is set (false beyond the received length).
            pub fn supports(&self, kind: $kind) -> bool {
                self.bit(kind.bit())
            }

            /// Bit `n` (false beyond the length).
            pub fn bit(&self, n: usize) -> bool {
                n < self.len && self.bits.get(n / 8).is_some_and(|b| b & (0x80 >> (n % 8)) != 0)
            }

            /// Sets or clears `kind`'s bit; setting a bit beyond the length lengthens the string.
            pub fn set(&mut self, kind: $kind, on: bool) {
                let n = kind.bit();
                if let Some(b) = self.bits.get_mut(n / 8) {
                    if on {
                        *b |= 0x80 >> (n % 8);
                        self.len = self.len.max(n + 1);
                    } else {
                        *b &= !(0x80 >> (n % 8));
                    }
                }
            }

            /// The bit length (as received, or as set).
            pub fn len(&self) -> usize {
                self.len
            }

            /// True for a zero-length string.
            pub fn is_empty(&self) -> bool {
                self.len == 0
            }

            /// Changes the bit length (capped at [`Self::CAPACITY`]); bits beyond are cleared.
            pub fn with_len(mut self, len: usize) -> Self {
                self.len = len.min(Self::CAPACITY);
                clear_from(&mut self.bits, self.len);
                self
            }

            /// The named bits that are set.
            pub fn iter(&self) -> impl Iterator<Item = $kind> + '_ {
                $kind::ALL.iter().copied().filter(|k| self.supports(*k))
            }

            /// The bits in the intersection of both sets, at this set's length: what both
            /// sides support.
            pub fn intersect(&self, other: &Self) -> Self {
                let mut out = *self;
                for (o, b) in out.bits.iter_mut().zip(other.bits.iter()) {
                    *o &= *b;
                }
                clear_from(&mut out.bits, other.len.min(self.len));
                out
            }

            /// Decodes the contents of a BIT STRING (any tag), tolerantly.
            pub fn decode_value(tlv: &Tlv<'_>) -> Result<Self> {
                let mut bits = [0u8; $octets];
                let len = read_bits(tlv, &mut bits)?;
                Ok($name { bits, len })
            }

            /// Writes the value as a BIT STRING tagged `tag`.
            pub fn encode_value(&self, w: &mut Writer, tag: Tag) {
                write_bits(w, tag, &self.bits, self.len);
            }
        }
    };
}

named_bits!(
    /// `ParameterSupportOptions` (ISO 9506-2 §8.2.1.1.3 / ISO 9506-1 conformance building
    /// blocks): the parameter CBBs a side supports.
    ParameterCbb, ParameterCbbBit, 4, 11, "ParameterSupportOptions" {
        /// str1 (0): arrays.
        Str1 = 0,
        /// str2 (1): structures.
        Str2 = 1,
        /// vnam (2): named variables.
        Vnam = 2,
        /// valt (3): alternate access.
        Valt = 3,
        /// vadr (4): unnamed (addressed) variables.
        Vadr = 4,
        /// vsca (5): scattered access.
        Vsca = 5,
        /// tpy (6): third party.
        Tpy = 6,
        /// vlis (7): named variable lists.
        Vlis = 7,
        /// real (8): floating point (ISO 9506-2:1990 and Wireshark; reserved in 2003).
        Real = 8,
        /// cei (10): condition-event-information.
        Cei = 10,
        /// aco (11): access control (ISO 9506-2:2003).
        Aco = 11,
        /// sem (12): semaphores (2003).
        Sem = 12,
        /// csr (13): companion standard requests (2003).
        Csr = 13,
        /// csnc (14): CS name classes (2003).
        Csnc = 14,
        /// csplc (15): CS program location (2003).
        Csplc = 15,
        /// cspi (16): CS program invocation (2003).
        Cspi = 16,
        /// char (17): MMSString characters (2003).
        Char = 17,
    }
);

named_bits!(
    /// `ServiceSupportOptions` (ISO 9506-2 §8.2.1.1.4): the services a side can serve. Bits 0–77
    /// are the confirmed services, numbered as their ConfirmedServiceRequest tags.
    ServicesSupported, ServiceKind, 16, 85, "ServiceSupportOptions" {
        /// status (0).
        Status = 0,
        /// getNameList (1).
        GetNameList = 1,
        /// identify (2).
        Identify = 2,
        /// rename (3).
        Rename = 3,
        /// read (4).
        Read = 4,
        /// write (5).
        Write = 5,
        /// getVariableAccessAttributes (6).
        GetVariableAccessAttributes = 6,
        /// defineNamedVariable (7).
        DefineNamedVariable = 7,
        /// defineScatteredAccess (8).
        DefineScatteredAccess = 8,
        /// getScatteredAccessAttributes (9).
        GetScatteredAccessAttributes = 9,
        /// deleteVariableAccess (10).
        DeleteVariableAccess = 10,
        /// defineNamedVariableList (11).
        DefineNamedVariableList = 11,
        /// getNamedVariableListAttributes (12).
        GetNamedVariableListAttributes = 12,
        /// deleteNamedVariableList (13).
        DeleteNamedVariableList = 13,
        /// defineNamedType (14).
        DefineNamedType = 14,
        /// getNamedTypeAttributes (15).
        GetNamedTypeAttributes = 15,
        /// deleteNamedType (16).
        DeleteNamedType = 16,
        /// input (17).
        Input = 17,
        /// output (18).
        Output = 18,
        /// takeControl (19).
        TakeControl = 19,
        /// relinquishControl (20).
        RelinquishControl = 20,
        /// defineSemaphore (21).
        DefineSemaphore = 21,
        /// deleteSemaphore (22).
        DeleteSemaphore = 22,
        /// reportSemaphoreStatus (23).
        ReportSemaphoreStatus = 23,
        /// reportPoolSemaphoreStatus (24).
        ReportPoolSemaphoreStatus = 24,
        /// reportSemaphoreEntryStatus (25).
        ReportSemaphoreEntryStatus = 25,
        /// initiateDownloadSequence (26).
        InitiateDownloadSequence = 26,
        /// downloadSegment (27).
        DownloadSegment = 27,
        /// terminateDownloadSequence (28).
        TerminateDownloadSequence = 28,
        /// initiateUploadSequence (29).
        InitiateUploadSequence = 29,
        /// uploadSegment (30).
        UploadSegment = 30,
        /// terminateUploadSequence (31).
        TerminateUploadSequence = 31,
        /// requestDomainDownload (32).
        RequestDomainDownload = 32,
        /// requestDomainUpload (33).
        RequestDomainUpload = 33,
        /// loadDomainContent (34).
        LoadDomainContent = 34,
        /// storeDomainContent (35).
        StoreDomainContent = 35,
        /// deleteDomain (36).
        DeleteDomain = 36,
        /// getDomainAttributes (37).
        GetDomainAttributes = 37,
        /// createProgramInvocation (38).
        CreateProgramInvocation = 38,
        /// deleteProgramInvocation (39).
        DeleteProgramInvocation = 39,
        /// start (40).
        Start = 40,
        /// stop (41).
        Stop = 41,
        /// resume (42).
        Resume = 42,
        /// reset (43).
        Reset = 43,
        /// kill (44).
        Kill = 44,
        /// getProgramInvocationAttributes (45).
        GetProgramInvocationAttributes = 45,
        /// obtainFile (46).
        ObtainFile = 46,
        /// defineEventCondition (47).
        DefineEventCondition = 47,
        /// deleteEventCondition (48).
        DeleteEventCondition = 48,
        /// getEventConditionAttributes (49).
        GetEventConditionAttributes = 49,
        /// reportEventConditionStatus (50).
        ReportEventConditionStatus = 50,
        /// alterEventConditionMonitoring (51).
        AlterEventConditionMonitoring = 51,
        /// triggerEvent (52).
        TriggerEvent = 52,
        /// defineEventAction (53).
        DefineEventAction = 53,
        /// deleteEventAction (54).
        DeleteEventAction = 54,
        /// getEventActionAttributes (55).
        GetEventActionAttributes = 55,
        /// reportEventActionStatus (56).
        ReportEventActionStatus = 56,
        /// defineEventEnrollment (57).
        DefineEventEnrollment = 57,
        /// deleteEventEnrollment (58).
        DeleteEventEnrollment = 58,
        /// alterEventEnrollment (59).
        AlterEventEnrollment = 59,
        /// reportEventEnrollmentStatus (60).
        ReportEventEnrollmentStatus = 60,
        /// getEventEnrollmentAttributes (61).
        GetEventEnrollmentAttributes = 61,
        /// acknowledgeEventNotification (62).
        AcknowledgeEventNotification = 62,
        /// getAlarmSummary (63).
        GetAlarmSummary = 63,
        /// getAlarmEnrollmentSummary (64).
        GetAlarmEnrollmentSummary = 64,
        /// readJournal (65).
        ReadJournal = 65,
        /// writeJournal (66).
        WriteJournal = 66,
        /// initializeJournal (67).
        InitializeJournal = 67,
        /// reportJournalStatus (68).
        ReportJournalStatus = 68,
        /// createJournal (69).
        CreateJournal = 69,
        /// deleteJournal (70).
        DeleteJournal = 70,
        /// getCapabilityList (71).
        GetCapabilityList = 71,
        /// fileOpen (72).
        FileOpen = 72,
        /// fileRead (73).
        FileRead = 73,
        /// fileClose (74).
        FileClose = 74,
        /// fileRename (75).
        FileRename = 75,
        /// fileDelete (76).
        FileDelete = 76,
        /// fileDirectory (77).
        FileDirectory = 77,
        /// unsolicitedStatus (78), unconfirmed.
        UnsolicitedStatus = 78,
        /// informationReport (79), unconfirmed.
        InformationReport = 79,
        /// eventNotification (80), unconfirmed.
        EventNotification = 80,
        /// attachToEventCondition (81), a modifier.
        AttachToEventCondition = 81,
        /// attachToSemaphore (82), a modifier.
        AttachToSemaphore = 82,
        /// conclude (83).
        Conclude = 83,
        /// cancel (84).
        Cancel = 84,
        /// getDataExchangeAttributes (85) (ISO 9506-2:2003).
        GetDataExchangeAttributes = 85,
        /// exchangeData (86) (2003).
        ExchangeData = 86,
        /// defineAccessControlList (87) (2003).
        DefineAccessControlList = 87,
        /// getAccessControlListAttributes (88) (2003).
        GetAccessControlListAttributes = 88,
        /// reportAccessControlledObjects (89) (2003).
        ReportAccessControlledObjects = 89,
        /// deleteAccessControlList (90) (2003).
        DeleteAccessControlList = 90,
        /// alterAccessControl (91) (2003; the service is changeAccessControl).
        AlterAccessControl = 91,
        /// reconfigureProgramInvocation (92) (2003).
        ReconfigureProgramInvocation = 92,
    }
);

impl ServiceKind {
    /// The confirmed service with ConfirmedServiceRequest tag `tag` (0..=77; 2003's services
    /// have other tags and are not mapped).
    pub fn from_confirmed_tag(tag: u32) -> Option<ServiceKind> {
        if tag <= 77 {
            ServiceKind::from_bit(tag as usize)
        } else {
            None
        }
    }
}

impl ServicesSupported {
    /// The set with exactly `services` (ISO 9506-2 §8.2.1.1.4: a responder must set the bits of
    /// what it serves), at 85 bits (93 when a 2003 bit is set).
    pub fn from_services(services: impl IntoIterator<Item = ServiceKind>) -> Self {
        let mut s = Self::from_kinds(services);
        if s.len > 85 {
            s.len = 93;
        }
        s
    }

    /// The set libIEC61850-like clients and servers announce: status, getNameList, identify,
    /// read, write, getVariableAccessAttributes, the named-variable-list services,
    /// getDomainAttributes, obtainFile, the journal services, getCapabilityList, the file
    /// services but rename, unsolicitedStatus, informationReport, conclude and cancel.
    pub fn libiec61850_like() -> Self {
        use ServiceKind::*;
        Self::from_services([
            Status,
            GetNameList,
            Identify,
            Read,
            Write,
            GetVariableAccessAttributes,
            DefineNamedVariableList,
            GetNamedVariableListAttributes,
            DeleteNamedVariableList,
            GetDomainAttributes,
            ObtainFile,
            ReadJournal,
            WriteJournal,
            InitializeJournal,
            ReportJournalStatus,
            GetCapabilityList,
            FileOpen,
            FileRead,
            FileClose,
            FileDelete,
            FileDirectory,
            UnsolicitedStatus,
            InformationReport,
            Conclude,
            Cancel,
        ])
    }
}

impl ParameterCbb {
    /// str1, str2, vnam, valt, vlis at 11 bits: `03 05 f1 00`, as libIEC61850 sends.
    pub fn libiec61850_like() -> Self {
        use ParameterCbbBit::*;
        Self::from_kinds([Str1, Str2, Vnam, Valt, Vlis])
    }
}

/// `InitRequestDetail` / `InitResponseDetail` (ISO 9506-2 §8.2.1): version, parameter CBBs and
/// services supported. The same shape serves both directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InitDetail {
    /// `proposedVersionNumber` / `negotiatedVersionNumber [0] IMPLICIT Integer16`.
    pub version_number: i16,
    /// `proposedParameterCBB` / `negotiatedParameterCBB [1] IMPLICIT ParameterSupportOptions`.
    pub parameter_cbb: ParameterCbb,
    /// `servicesSupportedCalling` / `servicesSupportedCalled [2] IMPLICIT
    /// ServiceSupportOptions`.
    pub services_supported: ServicesSupported,
}

impl Default for InitDetail {
    /// Version 1, [`ParameterCbb::libiec61850_like`], [`ServicesSupported::libiec61850_like`].
    fn default() -> Self {
        InitDetail {
            version_number: 1,
            parameter_cbb: ParameterCbb::libiec61850_like(),
            services_supported: ServicesSupported::libiec61850_like(),
        }
    }
}

impl<'a> Asn1<'a> for InitDetail {
    const TAG: Tag = Tag::SEQUENCE;

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let version_number = int16(&f.req(ctx(0), "versionNumber")?)?;
        let parameter_cbb = ParameterCbb::decode_value(&f.req(ctx(1), "parameterCBB")?)?;
        let services_supported =
            ServicesSupported::decode_value(&f.req(ctx(2), "servicesSupported")?)?;
        // ISO 9506-2:2003 adds additionalSupported [3], additionalCbbSupported [4] and
        // privilegeClassIdentity [5], all for companion standards (CSPI) this implementation does
        // not support; a peer that sends them is still served, the fields are skipped.
        while f
            .opt_if(|t| t.class == crate::codec::Class::Context && (3..=5).contains(&t.number))?
            .is_some()
        {}
        f.finish()?;
        Ok(InitDetail {
            version_number,
            parameter_cbb,
            services_supported,
        })
    }

    fn encode_contents(&self, w: &mut Writer) {
        self.services_supported.encode_value(w, ctx(2));
        self.parameter_cbb.encode_value(w, ctx(1));
        w.integer(ctx(0), i64::from(self.version_number));
    }
}

/// The fields Initiate-RequestPDU and Initiate-ResponsePDU share (ISO 9506-2 §8.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct InitiateFields {
    local_detail: Option<i32>,
    max_serv_outstanding_calling: i16,
    max_serv_outstanding_called: i16,
    data_structure_nesting_level: Option<i8>,
    detail: InitDetail,
}

impl InitiateFields {
    fn decode(tlv: &Tlv<'_>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let local_detail = f.opt_map(ctx(0), int32)?;
        let max_serv_outstanding_calling = int16(&f.req(ctx(1), "maxServOutstandingCalling")?)?;
        let max_serv_outstanding_called = int16(&f.req(ctx(2), "maxServOutstandingCalled")?)?;
        let data_structure_nesting_level = f.opt_map(ctx(3), int8)?;
        let detail = InitDetail::decode_implicit(&f.next("initDetail")?, ctx_c(4))?;
        f.finish()?;
        Ok(InitiateFields {
            local_detail,
            max_serv_outstanding_calling,
            max_serv_outstanding_called,
            data_structure_nesting_level,
            detail,
        })
    }

    fn encode(&self, w: &mut Writer) {
        self.detail.encode_tagged(w, ctx_c(4));
        if let Some(n) = self.data_structure_nesting_level {
            w.integer(ctx(3), i64::from(n));
        }
        w.integer(ctx(2), i64::from(self.max_serv_outstanding_called));
        w.integer(ctx(1), i64::from(self.max_serv_outstanding_calling));
        if let Some(l) = self.local_detail {
            w.integer(ctx(0), i64::from(l));
        }
    }
}

/// `Initiate-RequestPDU` (ISO 9506-2 §8.2.1), MMSpdu alternative `[8]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InitiateRequest {
    /// `localDetailCalling [0] IMPLICIT Integer32 OPTIONAL`: the proposed maximum PDU size.
    pub local_detail_calling: Option<i32>,
    /// `proposedMaxServOutstandingCalling [1] IMPLICIT Integer16`.
    pub proposed_max_serv_outstanding_calling: i16,
    /// `proposedMaxServOutstandingCalled [2] IMPLICIT Integer16`.
    pub proposed_max_serv_outstanding_called: i16,
    /// `proposedDataStructureNestingLevel [3] IMPLICIT Integer8 OPTIONAL`.
    pub proposed_data_structure_nesting_level: Option<i8>,
    /// `initRequestDetail [4] IMPLICIT InitRequestDetail`.
    pub init_request_detail: InitDetail,
}

impl Default for InitiateRequest {
    /// libIEC61850-compatible: 65000 octets, 5/5 outstanding, nesting 10, version 1, CBB
    /// `f1 00` (11 bits), 85-bit services.
    fn default() -> Self {
        InitiateRequest {
            local_detail_calling: Some(65000),
            proposed_max_serv_outstanding_calling: 5,
            proposed_max_serv_outstanding_called: 5,
            proposed_data_structure_nesting_level: Some(10),
            init_request_detail: InitDetail::default(),
        }
    }
}

impl<'a> Asn1<'a> for InitiateRequest {
    const TAG: Tag = ctx_c(8);

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        let f = InitiateFields::decode(tlv)?;
        Ok(InitiateRequest {
            local_detail_calling: f.local_detail,
            proposed_max_serv_outstanding_calling: f.max_serv_outstanding_calling,
            proposed_max_serv_outstanding_called: f.max_serv_outstanding_called,
            proposed_data_structure_nesting_level: f.data_structure_nesting_level,
            init_request_detail: f.detail,
        })
    }

    fn encode_contents(&self, w: &mut Writer) {
        InitiateFields {
            local_detail: self.local_detail_calling,
            max_serv_outstanding_calling: self.proposed_max_serv_outstanding_calling,
            max_serv_outstanding_called: self.proposed_max_serv_outstanding_called,
            data_structure_nesting_level: self.proposed_data_structure_nesting_level,
            detail: self.init_request_detail,
        }
        .encode(w)
    }
}

/// `Initiate-ResponsePDU` (ISO 9506-2 §8.2.1), MMSpdu alternative `[9]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InitiateResponse {
    /// `localDetailCalled [0] IMPLICIT Integer32 OPTIONAL`.
    pub local_detail_called: Option<i32>,
    /// `negotiatedMaxServOutstandingCalling [1] IMPLICIT Integer16`.
    pub negotiated_max_serv_outstanding_calling: i16,
    /// `negotiatedMaxServOutstandingCalled [2] IMPLICIT Integer16`.
    pub negotiated_max_serv_outstanding_called: i16,
    /// `negotiatedDataStructureNestingLevel [3] IMPLICIT Integer8 OPTIONAL`.
    pub negotiated_data_structure_nesting_level: Option<i8>,
    /// `initResponseDetail [4] IMPLICIT InitResponseDetail`.
    pub init_response_detail: InitDetail,
}

impl InitiateResponse {
    /// The response a responder with `ours` (its limits and what it serves) gives to `req`
    /// (ISO 9506-2 §8.2.1.2): the smaller of each proposed/offered limit, the lower version,
    /// the common parameter CBBs, and the responder's own services.
    pub fn negotiate(req: &InitiateRequest, ours: &InitiateRequest) -> InitiateResponse {
        let min_opt = |a: Option<i32>, b: Option<i32>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let nest = match (
            req.proposed_data_structure_nesting_level,
            ours.proposed_data_structure_nesting_level,
        ) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let rd = &req.init_request_detail;
        let od = &ours.init_request_detail;
        InitiateResponse {
            local_detail_called: min_opt(req.local_detail_calling, ours.local_detail_calling),
            negotiated_max_serv_outstanding_calling: req
                .proposed_max_serv_outstanding_calling
                .min(ours.proposed_max_serv_outstanding_calling),
            negotiated_max_serv_outstanding_called: req
                .proposed_max_serv_outstanding_called
                .min(ours.proposed_max_serv_outstanding_called),
            negotiated_data_structure_nesting_level: nest,
            init_response_detail: InitDetail {
                version_number: rd.version_number.min(od.version_number),
                parameter_cbb: od.parameter_cbb.intersect(&rd.parameter_cbb),
                services_supported: od.services_supported,
            },
        }
    }
}

impl<'a> Asn1<'a> for InitiateResponse {
    const TAG: Tag = ctx_c(9);

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        let f = InitiateFields::decode(tlv)?;
        Ok(InitiateResponse {
            local_detail_called: f.local_detail,
            negotiated_max_serv_outstanding_calling: f.max_serv_outstanding_calling,
            negotiated_max_serv_outstanding_called: f.max_serv_outstanding_called,
            negotiated_data_structure_nesting_level: f.data_structure_nesting_level,
            init_response_detail: f.detail,
        })
    }

    fn encode_contents(&self, w: &mut Writer) {
        InitiateFields {
            local_detail: self.local_detail_called,
            max_serv_outstanding_calling: self.negotiated_max_serv_outstanding_calling,
            max_serv_outstanding_called: self.negotiated_max_serv_outstanding_called,
            data_structure_nesting_level: self.negotiated_data_structure_nesting_level,
            detail: self.init_response_detail,
        }
        .encode(w)
    }
}

#[cfg(test)]
pub(crate) mod arb {
    use super::*;
    use proptest::prelude::*;

    /// Any ParameterCbb (length 0..=32, bits within the length).
    pub(crate) fn parameter_cbb() -> impl Strategy<Value = ParameterCbb> {
        (any::<[u8; 4]>(), 0usize..=32).prop_map(|(b, len)| {
            let mut bits = [0u8; 4];
            bits.copy_from_slice(&b);
            ParameterCbb { bits, len }.with_len(len)
        })
    }

    /// Any ServicesSupported (length 0..=128).
    pub(crate) fn services_supported() -> impl Strategy<Value = ServicesSupported> {
        (any::<[u8; 16]>(), 0usize..=128)
            .prop_map(|(bits, len)| ServicesSupported { bits, len }.with_len(len))
    }

    /// Any InitDetail.
    pub(crate) fn init_detail() -> impl Strategy<Value = InitDetail> {
        (any::<i16>(), parameter_cbb(), services_supported()).prop_map(|(v, p, s)| InitDetail {
            version_number: v,
            parameter_cbb: p,
            services_supported: s,
        })
    }

    /// Any InitiateRequest.
    pub(crate) fn initiate_request() -> impl Strategy<Value = InitiateRequest> {
        (
            proptest::option::of(any::<i32>()),
            any::<i16>(),
            any::<i16>(),
            proptest::option::of(any::<i8>()),
            init_detail(),
        )
            .prop_map(|(l, a, b, n, d)| InitiateRequest {
                local_detail_calling: l,
                proposed_max_serv_outstanding_calling: a,
                proposed_max_serv_outstanding_called: b,
                proposed_data_structure_nesting_level: n,
                init_request_detail: d,
            })
    }

    /// Any InitiateResponse.
    pub(crate) fn initiate_response() -> impl Strategy<Value = InitiateResponse> {
        initiate_request().prop_map(|r| InitiateResponse {
            local_detail_called: r.local_detail_calling,
            negotiated_max_serv_outstanding_calling: r.proposed_max_serv_outstanding_calling,
            negotiated_max_serv_outstanding_called: r.proposed_max_serv_outstanding_called,
            negotiated_data_structure_nesting_level: r.proposed_data_structure_nesting_level,
            init_response_detail: r.init_request_detail,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_one, to_vec, DecodeError};
    use crate::testvec::hex;
    use proptest::prelude::*;

    fn req(b: &[u8]) -> Result<InitiateRequest> {
        decode_one(b, 16, InitiateRequest::decode)
    }

    #[test]
    fn default_request_is_libiec61850_like() {
        let r = InitiateRequest::default();
        let b = to_vec(|w| r.encode(w));
        // a8 .. 80 03 00 fd e8 81 01 05 82 01 05 83 01 0a a4 .. 80 01 01 81 03 05 f1 00 82 0c 03 ..
        assert_eq!(
            &b[2..16],
            &hex("80 03 00 fd e8 81 01 05 82 01 05 83 01 0a")[..]
        );
        assert_eq!(&b[18..26], &hex("80 01 01 81 03 05 f1 00")[..]);
        assert_eq!(&b[26..29], &hex("82 0c 03")[..]);
        assert_eq!(req(&b).unwrap(), r);
        assert_eq!(r.init_request_detail.services_supported.len(), 85);
    }

    #[test]
    fn bit_strings_are_read_tolerantly() {
        // padding bits set (LIB61850-419): 11 bits, last 5 padding bits all ones
        let p = decode_one(&hex("81 03 05 f1 1f"), 4, ParameterCbb::decode_value).unwrap();
        assert_eq!(p.len(), 11);
        assert!(p.supports(ParameterCbbBit::Str1) && p.supports(ParameterCbbBit::Vlis));
        assert!(!p.bit(11) && !p.bit(12));
        assert_eq!(to_vec(|w| p.encode_value(w, ctx(1))), hex("81 03 05 f1 00"));
        // short: 2 bits only, the rest reads as 0
        let p = decode_one(&hex("81 02 06 c0"), 4, ParameterCbb::decode_value).unwrap();
        assert_eq!(p.len(), 2);
        assert!(p.supports(ParameterCbbBit::Str2) && !p.supports(ParameterCbbBit::Vnam));
        // empty with a wrong unused count
        let p = decode_one(&hex("81 01 03"), 4, ParameterCbb::decode_value).unwrap();
        assert!(p.is_empty());
        // unused > 7 is refused
        assert!(decode_one(&hex("81 02 08 00"), 4, ParameterCbb::decode_value).is_err());
        // very long: kept up to capacity
        let mut long = hex("82 15 00");
        long.extend([0xFF; 20]);
        long[1] = 21;
        let s = decode_one(&long, 4, ServicesSupported::decode_value).unwrap();
        assert_eq!(s.len(), ServicesSupported::CAPACITY);
        assert!(s.supports(ServiceKind::ReconfigureProgramInvocation));
    }

    #[test]
    fn services_from_kinds() {
        let s = ServicesSupported::from_services([ServiceKind::Read, ServiceKind::Cancel]);
        assert_eq!(s.len(), 85);
        assert!(s.supports(ServiceKind::Read) && !s.supports(ServiceKind::Write));
        assert_eq!(s.iter().count(), 2);
        let s2 = ServicesSupported::from_services([ServiceKind::ExchangeData]);
        assert_eq!(s2.len(), 93);
        assert_eq!(
            ServiceKind::from_confirmed_tag(71),
            Some(ServiceKind::GetCapabilityList)
        );
        assert_eq!(ServiceKind::from_confirmed_tag(78), None);
        assert_eq!(ServiceKind::ALL.len(), 93);
    }

    #[test]
    fn negotiate_takes_the_minimum() {
        let ours = InitiateRequest {
            local_detail_calling: Some(8000),
            proposed_max_serv_outstanding_called: 10,
            ..Default::default()
        };
        let r = InitiateResponse::negotiate(&InitiateRequest::default(), &ours);
        assert_eq!(r.local_detail_called, Some(8000));
        assert_eq!(r.negotiated_max_serv_outstanding_called, 5);
        assert_eq!(r.negotiated_data_structure_nesting_level, Some(10));
        assert_eq!(r.init_response_detail.parameter_cbb.len(), 11);
    }

    #[test]
    fn malformed_initiate() {
        // missing detail
        assert_eq!(
            req(&hex("a8 06 81 01 05 82 01 05")),
            Err(BerError::Missing("initDetail").into())
        );
        // Integer16 out of range
        assert_eq!(
            req(&hex("a8 0a 81 03 01 00 00 82 01 05 a4 00")),
            Err(DecodeError::OutOfRange("Integer16"))
        );
        // detail missing services
        assert_eq!(
            req(&hex("a8 0f 81 01 05 82 01 05 a4 07 80 01 01 81 02 07 80")),
            Err(BerError::Missing("servicesSupported").into())
        );
        // trailing element after the detail
        assert!(matches!(
            req(&hex(
                "a8 13 81 01 05 82 01 05 a4 09 80 01 01 81 01 00 82 01 00 85 00"
            )),
            Err(DecodeError::Ber(BerError::TrailingData(2)))
        ));
        // wrong outer tag
        assert!(req(&hex("a9 00")).is_err());
    }

    /// Decodes every MMSpdu of `envelope.vec` by its outer tag and re-encodes it.
    #[test]
    fn envelope_vectors() {
        use crate::codec::{null, uint32, write_null, write_uint};
        use crate::reject::RejectPdu;
        use crate::service_error::{
            CancelErrorPdu, ConfirmedErrorPdu, ServiceError, CONCLUDE_ERROR_TAG, INITIATE_ERROR_TAG,
        };
        let vs = crate::testvec::load("envelope.vec");
        assert!(vs.len() >= 50, "{} vectors", vs.len());
        let mut seen = [0usize; 14];
        for v in &vs {
            let enc = decode_one(&v.pdu, 32, |t| {
                let n = t.tag.number;
                if let Some(c) = seen.get_mut(n as usize) {
                    *c += 1;
                }
                Ok(match n {
                    2 => {
                        let p = ConfirmedErrorPdu::decode(t)?;
                        to_vec(|w| p.encode(w))
                    }
                    4 => {
                        let p = RejectPdu::decode(t)?;
                        to_vec(|w| p.encode(w))
                    }
                    5 | 6 => {
                        let id = uint32(t)?;
                        assert_eq!(id, 7, "{}", v.name);
                        to_vec(|w| write_uint(w, ctx(n), u64::from(id)))
                    }
                    7 => {
                        let p = CancelErrorPdu::decode(t)?;
                        to_vec(|w| p.encode(w))
                    }
                    8 => {
                        let p = InitiateRequest::decode(t)?;
                        to_vec(|w| p.encode(w))
                    }
                    9 => {
                        let p = InitiateResponse::decode(t)?;
                        to_vec(|w| p.encode(w))
                    }
                    10 => {
                        let p = ServiceError::decode_implicit(t, INITIATE_ERROR_TAG)?;
                        to_vec(|w| p.encode_tagged(w, INITIATE_ERROR_TAG))
                    }
                    11 | 12 => {
                        null(t)?;
                        to_vec(|w| write_null(w, ctx(n)))
                    }
                    13 => {
                        let p = ServiceError::decode_implicit(t, CONCLUDE_ERROR_TAG)?;
                        to_vec(|w| p.encode_tagged(w, CONCLUDE_ERROR_TAG))
                    }
                    _ => panic!("{}: unexpected tag {n}", v.name),
                })
            })
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
            if !v.tolerant {
                assert_eq!(enc, v.pdu, "{}", v.name);
            }
        }
        // every PDU kind except confirmed request/response/unconfirmed is covered
        for k in [2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13] {
            assert!(seen[k] > 0, "no vector for MMSpdu [{k}]");
        }
    }

    #[test]
    fn libiec61850_request_typed() {
        let v = crate::testvec::load("envelope.vec");
        let pdu = &v
            .iter()
            .find(|v| v.name == "initiate-request-libiec61850")
            .expect("vector")
            .pdu;
        let r = req(pdu).unwrap();
        assert_eq!(r.local_detail_calling, Some(65000));
        assert_eq!(r.proposed_data_structure_nesting_level, Some(10));
        let d = r.init_request_detail;
        assert_eq!(d.parameter_cbb.len(), 11);
        assert_eq!(d.parameter_cbb, ParameterCbb::libiec61850_like());
        assert_eq!(d.services_supported.len(), 85);
        assert!(d.services_supported.supports(ServiceKind::GetNameList));
        assert!(d.services_supported.supports(ServiceKind::Cancel));
        assert!(!d.services_supported.supports(ServiceKind::Rename));
    }

    proptest! {
        #[test]
        fn request_round_trip(r in arb::initiate_request()) {
            let b = to_vec(|w| r.encode(w));
            prop_assert_eq!(req(&b).unwrap(), r);
        }

        #[test]
        fn response_round_trip(r in arb::initiate_response()) {
            let b = to_vec(|w| r.encode(w));
            prop_assert_eq!(decode_one(&b, 16, InitiateResponse::decode).unwrap(), r);
        }

        #[test]
        fn random_bytes_do_not_panic(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = req(&b);
        }
    }
}

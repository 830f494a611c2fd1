//! `ServiceError` (ISO 9506-2 §7.4, "ServiceError"): the error class and code a responder
//! returns in a Confirmed-ErrorPDU, Initiate-ErrorPDU, Conclude-ErrorPDU or Cancel-ErrorPDU, with
//! the additional code, description and service-specific information.
//!
//! Wire forms (the MMS module has no `IMPLICIT TAGS` default):
//!
//! * `errorClass [0] CHOICE` is EXPLICIT: `a0 03 87 01 02` is access / object-non-existent.
//! * `serviceSpecificInformation [3] CHOICE` is EXPLICIT, and inside it
//!   `defineEventEnrollment-Error [8] ObjectName` and `additionalService [10]` are EXPLICIT too.
//! * Confirmed-ErrorPDU carries the invokeID as `[0] IMPLICIT Unsigned32` (`80 01 07`), not as
//!   the untagged INTEGER of the request and response PDUs.
//!
//! Error codes are named INTEGERs: every class keeps codes it does not name as
//! `Other(code)` (peers send them), and the standard's `other (0)` is `Other(0)`.

use std::borrow::Cow;

use crate::codec::{
    ctx, ctx_c, expect_tag, explicit, int, null, string, uint32, write_explicit, write_null,
    write_string, write_uint, Asn1, BerError, Choice, Class, Fields, Result, Tag, Tlv, Writer,
};
use crate::common::{identifier, ObjectName, ProgramInvocationState};

/// Declares an ISO 9506-2 named-INTEGER code list that is open: numbers without a name are kept
/// as `Other(n)` (ISO 9506-2 §7.4 and §7.5 list the codes, peers and later editions add more).
macro_rules! open_code {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $n:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $v,)+
            /// A code no other variant names, kept as received (the standard's `other (0)`,
            /// where the list has it, is `Other(0)`).
            Other(i64),
        }

        impl $name {
            /// Every code the standard names (not `Other`).
            pub const NAMED: &'static [$name] = &[$($name::$v),+];

            /// The code from its number; numbers without a name become `Other(n)`.
            pub const fn from_i64(v: i64) -> Self {
                match v {
                    $($n => $name::$v,)+
                    _ => $name::Other(v),
                }
            }

            /// The number sent on the wire.
            pub const fn code(self) -> i64 {
                match self {
                    $($name::$v => $n,)+
                    $name::Other(v) => v,
                }
            }
        }
    };
}
#[allow(unused_imports)] // used by reject.rs
pub(crate) use open_code;

open_code!(
    /// `vmd-state [0]` codes (ISO 9506-2 §7.4.1.1).
    VmdStateProblem {
        /// vmd-state-conflict (1).
        VmdStateConflict = 1,
        /// vmd-operational-problem (2).
        VmdOperationalProblem = 2,
        /// domain-transfer-problem (3).
        DomainTransferProblem = 3,
        /// state-machine-id-invalid (4).
        StateMachineIdInvalid = 4,
    }
);

open_code!(
    /// `application-reference [1]` codes (ISO 9506-2 §7.4.1.2).
    ApplicationReferenceProblem {
        /// application-unreachable (1).
        ApplicationUnreachable = 1,
        /// connection-lost (2).
        ConnectionLost = 2,
        /// application-reference-invalid (3).
        ApplicationReferenceInvalid = 3,
        /// context-unsupported (4).
        ContextUnsupported = 4,
    }
);

open_code!(
    /// `definition [2]` codes (ISO 9506-2 §7.4.1.3).
    DefinitionProblem {
        /// object-undefined (1).
        ObjectUndefined = 1,
        /// invalid-address (2).
        InvalidAddress = 2,
        /// type-unsupported (3).
        TypeUnsupported = 3,
        /// type-inconsistent (4).
        TypeInconsistent = 4,
        /// object-exists (5).
        ObjectExists = 5,
        /// object-attribute-inconsistent (6).
        ObjectAttributeInconsistent = 6,
    }
);

open_code!(
    /// `resource [3]` codes (ISO 9506-2 §7.4.1.4).
    ResourceProblem {
        /// memory-unavailable (1).
        MemoryUnavailable = 1,
        /// processor-resource-unavailable (2).
        ProcessorResourceUnavailable = 2,
        /// mass-storage-unavailable (3).
        MassStorageUnavailable = 3,
        /// capability-unavailable (4).
        CapabilityUnavailable = 4,
        /// capability-unknown (5).
        CapabilityUnknown = 5,
    }
);

open_code!(
    /// `service [4]` codes (ISO 9506-2 §7.4.1.5).
    ServiceProblem {
        /// primitives-out-of-sequence (1).
        PrimitivesOutOfSequence = 1,
        /// object-state-conflict (2).
        ObjectStateConflict = 2,
        /// pdu-size (3) (ISO 9506-2:1990; reserved in later editions).
        PduSize = 3,
        /// continuation-invalid (4).
        ContinuationInvalid = 4,
        /// object-constraint-conflict (5).
        ObjectConstraintConflict = 5,
    }
);

open_code!(
    /// `service-preempt [5]` codes (ISO 9506-2 §7.4.1.6).
    ServicePreemptProblem {
        /// timeout (1).
        Timeout = 1,
        /// deadlock (2).
        Deadlock = 2,
        /// cancel (3).
        Cancel = 3,
    }
);

open_code!(
    /// `time-resolution [6]` codes (ISO 9506-2 §7.4.1.7).
    TimeResolutionProblem {
        /// unsupportable-time-resolution (1).
        UnsupportableTimeResolution = 1,
    }
);

open_code!(
    /// `access [7]` codes (ISO 9506-2 §7.4.1.8).
    AccessProblem {
        /// object-access-unsupported (1).
        ObjectAccessUnsupported = 1,
        /// object-non-existent (2).
        ObjectNonExistent = 2,
        /// object-access-denied (3).
        ObjectAccessDenied = 3,
        /// object-invalidated (4).
        ObjectInvalidated = 4,
    }
);

open_code!(
    /// `initiate [8]` codes (ISO 9506-2 §7.4.1.9), the reasons an Initiate-ErrorPDU gives.
    InitiateProblem {
        /// version-incompatible (1).
        VersionIncompatible = 1,
        /// max-segment-insufficient (2).
        MaxSegmentInsufficient = 2,
        /// max-services-outstanding-calling-insufficient (3).
        MaxServicesOutstandingCallingInsufficient = 3,
        /// max-services-outstanding-called-insufficient (4).
        MaxServicesOutstandingCalledInsufficient = 4,
        /// service-CBB-insufficient (5).
        ServiceCbbInsufficient = 5,
        /// parameter-CBB-insufficient (6).
        ParameterCbbInsufficient = 6,
        /// nesting-level-insufficient (7).
        NestingLevelInsufficient = 7,
    }
);

open_code!(
    /// `conclude [9]` codes (ISO 9506-2 §7.4.1.10).
    ConcludeProblem {
        /// further-communication-required (1).
        FurtherCommunicationRequired = 1,
    }
);

open_code!(
    /// `cancel [10]` codes (ISO 9506-2 §7.4.1.11).
    CancelProblem {
        /// invoke-id-unknown (1).
        InvokeIdUnknown = 1,
        /// cancel-not-possible (2).
        CancelNotPossible = 2,
    }
);

open_code!(
    /// `file [11]` codes (ISO 9506-2 §7.4.1.12, file services of Annex D).
    FileProblem {
        /// filename-ambiguous (1).
        FilenameAmbiguous = 1,
        /// file-busy (2).
        FileBusy = 2,
        /// filename-syntax-error (3).
        FilenameSyntaxError = 3,
        /// content-type-invalid (4).
        ContentTypeInvalid = 4,
        /// position-invalid (5).
        PositionInvalid = 5,
        /// file-access-denied (6).
        FileAccessDenied = 6,
        /// file-non-existent (7).
        FileNonExistent = 7,
        /// duplicate-filename (8).
        DuplicateFilename = 8,
        /// insufficient-space-in-filestore (9).
        InsufficientSpaceInFilestore = 9,
    }
);

/// `errorClass [0] CHOICE` of ServiceError (ISO 9506-2 §7.4.1): the class, as the alternative,
/// and the code within it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// `vmd-state [0]`.
    VmdState(VmdStateProblem),
    /// `application-reference [1]`.
    ApplicationReference(ApplicationReferenceProblem),
    /// `definition [2]`.
    Definition(DefinitionProblem),
    /// `resource [3]`.
    Resource(ResourceProblem),
    /// `service [4]`.
    Service(ServiceProblem),
    /// `service-preempt [5]`.
    ServicePreempt(ServicePreemptProblem),
    /// `time-resolution [6]`.
    TimeResolution(TimeResolutionProblem),
    /// `access [7]`.
    Access(AccessProblem),
    /// `initiate [8]`.
    Initiate(InitiateProblem),
    /// `conclude [9]`.
    Conclude(ConcludeProblem),
    /// `cancel [10]`.
    Cancel(CancelProblem),
    /// `file [11]`.
    File(FileProblem),
    /// `others [12] IMPLICIT INTEGER`: a code with no named values.
    Others(i64),
}

impl ErrorClass {
    /// The alternative's tag number (\[0\]..\[12\]).
    pub const fn tag_number(self) -> u32 {
        match self {
            ErrorClass::VmdState(_) => 0,
            ErrorClass::ApplicationReference(_) => 1,
            ErrorClass::Definition(_) => 2,
            ErrorClass::Resource(_) => 3,
            ErrorClass::Service(_) => 4,
            ErrorClass::ServicePreempt(_) => 5,
            ErrorClass::TimeResolution(_) => 6,
            ErrorClass::Access(_) => 7,
            ErrorClass::Initiate(_) => 8,
            ErrorClass::Conclude(_) => 9,
            ErrorClass::Cancel(_) => 10,
            ErrorClass::File(_) => 11,
            ErrorClass::Others(_) => 12,
        }
    }

    /// The code within the class, as sent.
    pub const fn code(self) -> i64 {
        match self {
            ErrorClass::VmdState(c) => c.code(),
            ErrorClass::ApplicationReference(c) => c.code(),
            ErrorClass::Definition(c) => c.code(),
            ErrorClass::Resource(c) => c.code(),
            ErrorClass::Service(c) => c.code(),
            ErrorClass::ServicePreempt(c) => c.code(),
            ErrorClass::TimeResolution(c) => c.code(),
            ErrorClass::Access(c) => c.code(),
            ErrorClass::Initiate(c) => c.code(),
            ErrorClass::Conclude(c) => c.code(),
            ErrorClass::Cancel(c) => c.code(),
            ErrorClass::File(c) => c.code(),
            ErrorClass::Others(c) => c,
        }
    }

    /// The class from its tag number and code; `None` for a tag number above 12.
    pub const fn from_parts(tag_number: u32, code: i64) -> Option<ErrorClass> {
        Some(match tag_number {
            0 => ErrorClass::VmdState(VmdStateProblem::from_i64(code)),
            1 => ErrorClass::ApplicationReference(ApplicationReferenceProblem::from_i64(code)),
            2 => ErrorClass::Definition(DefinitionProblem::from_i64(code)),
            3 => ErrorClass::Resource(ResourceProblem::from_i64(code)),
            4 => ErrorClass::Service(ServiceProblem::from_i64(code)),
            5 => ErrorClass::ServicePreempt(ServicePreemptProblem::from_i64(code)),
            6 => ErrorClass::TimeResolution(TimeResolutionProblem::from_i64(code)),
            7 => ErrorClass::Access(AccessProblem::from_i64(code)),
            8 => ErrorClass::Initiate(InitiateProblem::from_i64(code)),
            9 => ErrorClass::Conclude(ConcludeProblem::from_i64(code)),
            10 => ErrorClass::Cancel(CancelProblem::from_i64(code)),
            11 => ErrorClass::File(FileProblem::from_i64(code)),
            12 => ErrorClass::Others(code),
            _ => return None,
        })
    }
}

impl<'a> Choice<'a> for ErrorClass {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        if tlv.tag.class != Class::Context || tlv.tag.constructed {
            return Err(BerError::InvalidValue("errorClass").into());
        }
        ErrorClass::from_parts(tlv.tag.number, int(tlv)?)
            .ok_or(BerError::InvalidValue("errorClass").into())
    }

    fn encode_choice(&self, w: &mut Writer) {
        w.integer(ctx(self.tag_number()), self.code());
    }
}

/// `ObtainFile-Error` / `FileRename-Error` (ISO 9506-2 Annex D): which of the two files the
/// error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileSide {
    /// source-file (0).
    SourceFile = 0,
    /// destination-file (1).
    DestinationFile = 1,
}

impl FileSide {
    fn decode(tlv: &Tlv<'_>) -> Result<Self> {
        match int(tlv)? {
            0 => Ok(FileSide::SourceFile),
            1 => Ok(FileSide::DestinationFile),
            _ => Err(crate::codec::DecodeError::OutOfRange(
                "ObtainFile-Error/FileRename-Error",
            )),
        }
    }
}

/// `InitiateUnitControl-Error` / `DeleteUnitControl-Error` (ISO 9506-2 §12, unit control):
/// the domain or program invocation that stopped the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitControlObject<'a> {
    /// `domain [0] IMPLICIT Identifier`.
    Domain(Cow<'a, str>),
    /// `programInvocation [1] IMPLICIT Identifier`.
    ProgramInvocation(Cow<'a, str>),
}

impl<'a> Choice<'a> for UnitControlObject<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        match (tlv.tag.class, tlv.tag.number, tlv.tag.constructed) {
            (Class::Context, 0, false) => Ok(UnitControlObject::Domain(identifier(tlv)?)),
            (Class::Context, 1, false) => {
                Ok(UnitControlObject::ProgramInvocation(identifier(tlv)?))
            }
            _ => Err(BerError::InvalidValue("UnitControl-Error").into()),
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            UnitControlObject::Domain(s) => write_string(w, ctx(0), s),
            UnitControlObject::ProgramInvocation(s) => write_string(w, ctx(1), s),
        }
    }
}

/// `LoadUnitControlFromFile-Error` (ISO 9506-2 §12): what could not be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadUnitControlError<'a> {
    /// `none [0] IMPLICIT NULL`.
    None,
    /// `domain [1] IMPLICIT Identifier`.
    Domain(Cow<'a, str>),
    /// `programInvocation [2] IMPLICIT Identifier`.
    ProgramInvocation(Cow<'a, str>),
}

impl<'a> Choice<'a> for LoadUnitControlError<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        match (tlv.tag.class, tlv.tag.number, tlv.tag.constructed) {
            (Class::Context, 0, false) => null(tlv).map(|()| LoadUnitControlError::None),
            (Class::Context, 1, false) => Ok(LoadUnitControlError::Domain(identifier(tlv)?)),
            (Class::Context, 2, false) => {
                Ok(LoadUnitControlError::ProgramInvocation(identifier(tlv)?))
            }
            _ => Err(BerError::InvalidValue("LoadUnitControlFromFile-Error").into()),
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            LoadUnitControlError::None => write_null(w, ctx(0)),
            LoadUnitControlError::Domain(s) => write_string(w, ctx(1), s),
            LoadUnitControlError::ProgramInvocation(s) => write_string(w, ctx(2), s),
        }
    }
}

/// `AdditionalService-Error` (ISO 9506-2 §7.4, service-specific information of the
/// event-condition-list and unit-control services).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdditionalServiceError<'a> {
    /// `defineEcl [0] DefineEventConditionList-Error` (an ObjectName, EXPLICIT).
    DefineEcl(ObjectName<'a>),
    /// `addECLReference [1] AddEventConditionListReference-Error` (an ObjectName, EXPLICIT).
    AddEclReference(ObjectName<'a>),
    /// `removeECLReference [2]`: `eventCondition [0] ObjectName`.
    RemoveEclReferenceEventCondition(ObjectName<'a>),
    /// `removeECLReference [2]`: `eventConditionList [1] ObjectName`.
    RemoveEclReferenceEventConditionList(ObjectName<'a>),
    /// `initiateUC [3] InitiateUnitControl-Error`.
    InitiateUc(UnitControlObject<'a>),
    /// `startUC [4] IMPLICIT StartUnitControl-Error`.
    StartUc {
        /// `programInvocationName [0] IMPLICIT Identifier`.
        program_invocation_name: Cow<'a, str>,
        /// `programInvocationState [1] IMPLICIT ProgramInvocationState`.
        program_invocation_state: ProgramInvocationState,
    },
    /// `stopUC [5] IMPLICIT StopUnitControl-Error`.
    StopUc {
        /// `programInvocationName [0] IMPLICIT Identifier`.
        program_invocation_name: Cow<'a, str>,
        /// `programInvocationState [1] IMPLICIT ProgramInvocationState`.
        program_invocation_state: ProgramInvocationState,
    },
    /// `deleteUC [6] DeleteUnitControl-Error`.
    DeleteUc(UnitControlObject<'a>),
    /// `loadUCFromFile [7] LoadUnitControlFromFile-Error`.
    LoadUcFromFile(LoadUnitControlError<'a>),
}

fn decode_pi_name_state<'a>(tlv: &Tlv<'a>) -> Result<(Cow<'a, str>, ProgramInvocationState)> {
    let mut f = Fields::new(tlv)?;
    let name = identifier(&f.req(ctx(0), "programInvocationName")?)?;
    let state = ProgramInvocationState::decode_value(&f.req(ctx(1), "programInvocationState")?)?;
    f.finish()?;
    Ok((name, state))
}

fn write_pi_name_state(w: &mut Writer, tag: u32, name: &str, state: ProgramInvocationState) {
    let m = w.mark();
    state.encode_value(w, ctx(1));
    write_string(w, ctx(0), name);
    w.wrap(m, ctx_c(tag));
}

impl<'a> Choice<'a> for AdditionalServiceError<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        if tlv.tag.class != Class::Context || !tlv.tag.constructed {
            return Err(BerError::InvalidValue("AdditionalService-Error").into());
        }
        Ok(match tlv.tag.number {
            0 => AdditionalServiceError::DefineEcl(ObjectName::decode_choice(&explicit(tlv)?)?),
            1 => {
                AdditionalServiceError::AddEclReference(ObjectName::decode_choice(&explicit(tlv)?)?)
            }
            2 => {
                let inner = explicit(tlv)?;
                let name = ObjectName::decode_choice(&explicit(&inner)?)?;
                match (inner.tag.class, inner.tag.number, inner.tag.constructed) {
                    (Class::Context, 0, true) => {
                        AdditionalServiceError::RemoveEclReferenceEventCondition(name)
                    }
                    (Class::Context, 1, true) => {
                        AdditionalServiceError::RemoveEclReferenceEventConditionList(name)
                    }
                    _ => {
                        return Err(BerError::InvalidValue(
                            "RemoveEventConditionListReference-Error",
                        )
                        .into())
                    }
                }
            }
            3 => AdditionalServiceError::InitiateUc(UnitControlObject::decode_choice(&explicit(
                tlv,
            )?)?),
            4 => {
                let (program_invocation_name, program_invocation_state) =
                    decode_pi_name_state(tlv)?;
                AdditionalServiceError::StartUc {
                    program_invocation_name,
                    program_invocation_state,
                }
            }
            5 => {
                let (program_invocation_name, program_invocation_state) =
                    decode_pi_name_state(tlv)?;
                AdditionalServiceError::StopUc {
                    program_invocation_name,
                    program_invocation_state,
                }
            }
            6 => {
                AdditionalServiceError::DeleteUc(UnitControlObject::decode_choice(&explicit(tlv)?)?)
            }
            7 => AdditionalServiceError::LoadUcFromFile(LoadUnitControlError::decode_choice(
                &explicit(tlv)?,
            )?),
            _ => return Err(BerError::InvalidValue("AdditionalService-Error").into()),
        })
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            AdditionalServiceError::DefineEcl(n) => write_explicit(w, 0, |w| n.encode_choice(w)),
            AdditionalServiceError::AddEclReference(n) => {
                write_explicit(w, 1, |w| n.encode_choice(w))
            }
            AdditionalServiceError::RemoveEclReferenceEventCondition(n) => {
                write_explicit(w, 2, |w| write_explicit(w, 0, |w| n.encode_choice(w)))
            }
            AdditionalServiceError::RemoveEclReferenceEventConditionList(n) => {
                write_explicit(w, 2, |w| write_explicit(w, 1, |w| n.encode_choice(w)))
            }
            AdditionalServiceError::InitiateUc(o) => write_explicit(w, 3, |w| o.encode_choice(w)),
            AdditionalServiceError::StartUc {
                program_invocation_name,
                program_invocation_state,
            } => write_pi_name_state(w, 4, program_invocation_name, *program_invocation_state),
            AdditionalServiceError::StopUc {
                program_invocation_name,
                program_invocation_state,
            } => write_pi_name_state(w, 5, program_invocation_name, *program_invocation_state),
            AdditionalServiceError::DeleteUc(o) => write_explicit(w, 6, |w| o.encode_choice(w)),
            AdditionalServiceError::LoadUcFromFile(e) => {
                write_explicit(w, 7, |w| e.encode_choice(w))
            }
        }
    }
}

/// `serviceSpecificInformation [3] CHOICE` of ServiceError (ISO 9506-2 §7.4.2): detail that
/// only some services return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceSpecificInfo<'a> {
    /// `obtainFile [0] IMPLICIT ObtainFile-Error`.
    ObtainFile(FileSide),
    /// `start [1] IMPLICIT Start-Error` (the program invocation's state).
    Start(ProgramInvocationState),
    /// `stop [2] IMPLICIT Stop-Error`.
    Stop(ProgramInvocationState),
    /// `resume [3] IMPLICIT Resume-Error`.
    Resume(ProgramInvocationState),
    /// `reset [4] IMPLICIT Reset-Error`.
    Reset(ProgramInvocationState),
    /// `deleteVariableAccess [5] IMPLICIT DeleteVariableAccess-Error` (number deleted).
    DeleteVariableAccess(u32),
    /// `deleteNamedVariableList [6] IMPLICIT DeleteNamedVariableList-Error` (number deleted).
    DeleteNamedVariableList(u32),
    /// `deleteNamedType [7] IMPLICIT DeleteNamedType-Error` (number deleted).
    DeleteNamedType(u32),
    /// `defineEventEnrollment-Error [8] DefineEventEnrollment-Error` (an ObjectName, EXPLICIT).
    DefineEventEnrollment(ObjectName<'a>),
    /// `fileRename [9] IMPLICIT FileRename-Error`.
    FileRename(FileSide),
    /// `additionalService [10] AdditionalService-Error` (EXPLICIT).
    AdditionalService(AdditionalServiceError<'a>),
    /// `changeAccessControl [11] IMPLICIT ChangeAccessControl-Error` (ISO 9506-2:2003, an
    /// Unsigned32).
    ChangeAccessControl(u32),
}

impl<'a> Choice<'a> for ServiceSpecificInfo<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        let t = tlv.tag;
        let bad = || BerError::InvalidValue("serviceSpecificInformation");
        if t.class != Class::Context {
            return Err(bad().into());
        }
        let prim = |tlv: &Tlv<'a>| -> Result<()> {
            if tlv.tag.constructed {
                Err(BerError::WrongForm(tlv.tag).into())
            } else {
                Ok(())
            }
        };
        Ok(match t.number {
            0 | 9 => {
                prim(tlv)?;
                let side = FileSide::decode(tlv)?;
                if t.number == 0 {
                    ServiceSpecificInfo::ObtainFile(side)
                } else {
                    ServiceSpecificInfo::FileRename(side)
                }
            }
            1..=4 => {
                prim(tlv)?;
                let s = ProgramInvocationState::decode_value(tlv)?;
                match t.number {
                    1 => ServiceSpecificInfo::Start(s),
                    2 => ServiceSpecificInfo::Stop(s),
                    3 => ServiceSpecificInfo::Resume(s),
                    _ => ServiceSpecificInfo::Reset(s),
                }
            }
            5 => ServiceSpecificInfo::DeleteVariableAccess(uint32(tlv)?),
            6 => ServiceSpecificInfo::DeleteNamedVariableList(uint32(tlv)?),
            7 => ServiceSpecificInfo::DeleteNamedType(uint32(tlv)?),
            8 => ServiceSpecificInfo::DefineEventEnrollment(ObjectName::decode_choice(&explicit(
                tlv,
            )?)?),
            10 => ServiceSpecificInfo::AdditionalService(AdditionalServiceError::decode_choice(
                &explicit(tlv)?,
            )?),
            11 => ServiceSpecificInfo::ChangeAccessControl(uint32(tlv)?),
            _ => return Err(bad().into()),
        })
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            ServiceSpecificInfo::ObtainFile(s) => w.integer(ctx(0), *s as i64),
            ServiceSpecificInfo::Start(s) => s.encode_value(w, ctx(1)),
            ServiceSpecificInfo::Stop(s) => s.encode_value(w, ctx(2)),
            ServiceSpecificInfo::Resume(s) => s.encode_value(w, ctx(3)),
            ServiceSpecificInfo::Reset(s) => s.encode_value(w, ctx(4)),
            ServiceSpecificInfo::DeleteVariableAccess(n) => write_uint(w, ctx(5), u64::from(*n)),
            ServiceSpecificInfo::DeleteNamedVariableList(n) => write_uint(w, ctx(6), u64::from(*n)),
            ServiceSpecificInfo::DeleteNamedType(n) => write_uint(w, ctx(7), u64::from(*n)),
            ServiceSpecificInfo::DefineEventEnrollment(n) => {
                write_explicit(w, 8, |w| n.encode_choice(w))
            }
            ServiceSpecificInfo::FileRename(s) => w.integer(ctx(9), *s as i64),
            ServiceSpecificInfo::AdditionalService(e) => {
                write_explicit(w, 10, |w| e.encode_choice(w))
            }
            ServiceSpecificInfo::ChangeAccessControl(n) => write_uint(w, ctx(11), u64::from(*n)),
        }
    }
}

/// `ServiceError` (ISO 9506-2 §7.4): why a confirmed service (or initiate, conclude, cancel)
/// failed. Used IMPLICIT as `[2]` in Confirmed-ErrorPDU, `[10]` as Initiate-ErrorPDU, `[13]` as
/// Conclude-ErrorPDU and `[1]` in Cancel-ErrorPDU; its own tag is SEQUENCE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError<'a> {
    /// `errorClass [0] CHOICE` (EXPLICIT).
    pub error_class: ErrorClass,
    /// `additionalCode [1] IMPLICIT INTEGER OPTIONAL`.
    pub additional_code: Option<i64>,
    /// `additionalDescription [2] IMPLICIT VisibleString OPTIONAL`.
    pub additional_description: Option<Cow<'a, str>>,
    /// `serviceSpecificInformation [3] CHOICE OPTIONAL` (EXPLICIT).
    pub service_specific_info: Option<ServiceSpecificInfo<'a>>,
}

impl<'a> ServiceError<'a> {
    /// An error of `class` with no additional information.
    pub const fn new(error_class: ErrorClass) -> Self {
        ServiceError {
            error_class,
            additional_code: None,
            additional_description: None,
            service_specific_info: None,
        }
    }

    /// access / object-non-existent: the named object does not exist.
    pub const fn object_non_existent() -> Self {
        Self::new(ErrorClass::Access(AccessProblem::ObjectNonExistent))
    }

    /// access / object-access-denied.
    pub const fn access_denied() -> Self {
        Self::new(ErrorClass::Access(AccessProblem::ObjectAccessDenied))
    }

    /// access / object-access-unsupported.
    pub const fn access_unsupported() -> Self {
        Self::new(ErrorClass::Access(AccessProblem::ObjectAccessUnsupported))
    }

    /// definition / object-undefined.
    pub const fn object_undefined() -> Self {
        Self::new(ErrorClass::Definition(DefinitionProblem::ObjectUndefined))
    }

    /// definition / object-exists.
    pub const fn object_exists() -> Self {
        Self::new(ErrorClass::Definition(DefinitionProblem::ObjectExists))
    }

    /// definition / type-inconsistent.
    pub const fn type_inconsistent() -> Self {
        Self::new(ErrorClass::Definition(DefinitionProblem::TypeInconsistent))
    }

    /// service / object-state-conflict.
    pub const fn object_state_conflict() -> Self {
        Self::new(ErrorClass::Service(ServiceProblem::ObjectStateConflict))
    }

    /// service / continuation-invalid (a bad continueAfter).
    pub const fn continuation_invalid() -> Self {
        Self::new(ErrorClass::Service(ServiceProblem::ContinuationInvalid))
    }

    /// resource / memory-unavailable.
    pub const fn memory_unavailable() -> Self {
        Self::new(ErrorClass::Resource(ResourceProblem::MemoryUnavailable))
    }

    /// file / file-non-existent.
    pub const fn file_non_existent() -> Self {
        Self::new(ErrorClass::File(FileProblem::FileNonExistent))
    }

    /// file / file-access-denied.
    pub const fn file_access_denied() -> Self {
        Self::new(ErrorClass::File(FileProblem::FileAccessDenied))
    }

    /// An Initiate-ErrorPDU reason (initiate class).
    pub const fn initiate(p: InitiateProblem) -> Self {
        Self::new(ErrorClass::Initiate(p))
    }

    /// cancel / cancel-not-possible.
    pub const fn cancel_not_possible() -> Self {
        Self::new(ErrorClass::Cancel(CancelProblem::CancelNotPossible))
    }

    /// conclude / further-communication-required.
    pub const fn further_communication_required() -> Self {
        Self::new(ErrorClass::Conclude(
            ConcludeProblem::FurtherCommunicationRequired,
        ))
    }

    /// The same error with an additional description.
    pub fn with_description(mut self, d: impl Into<Cow<'a, str>>) -> Self {
        self.additional_description = Some(d.into());
        self
    }

    /// The same error with an additional code.
    pub fn with_code(mut self, code: i64) -> Self {
        self.additional_code = Some(code);
        self
    }

    /// The same error with service-specific information.
    pub fn with_info(mut self, info: ServiceSpecificInfo<'a>) -> Self {
        self.service_specific_info = Some(info);
        self
    }
}

impl<'a> Asn1<'a> for ServiceError<'a> {
    const TAG: Tag = Tag::SEQUENCE;

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let ec = f.req(ctx_c(0), "errorClass")?;
        let error_class = ErrorClass::decode_choice(&explicit(&ec)?)?;
        let additional_code = f.opt(ctx(1))?.map(|t| int(&t)).transpose()?;
        let additional_description = f.opt(ctx(2))?.map(|t| string(&t)).transpose()?;
        let service_specific_info = match f.opt(ctx_c(3))? {
            Some(t) => {
                expect_tag(&t, ctx_c(3))?;
                Some(ServiceSpecificInfo::decode_choice(&explicit(&t)?)?)
            }
            None => None,
        };
        f.finish()?;
        Ok(ServiceError {
            error_class,
            additional_code,
            additional_description,
            service_specific_info,
        })
    }

    fn encode_contents(&self, w: &mut Writer) {
        if let Some(i) = &self.service_specific_info {
            write_explicit(w, 3, |w| i.encode_choice(w));
        }
        if let Some(d) = &self.additional_description {
            write_string(w, ctx(2), d);
        }
        if let Some(c) = self.additional_code {
            w.integer(ctx(1), c);
        }
        write_explicit(w, 0, |w| self.error_class.encode_choice(w));
    }
}

/// `Confirmed-ErrorPDU` (ISO 9506-2 §7.3.4), MMSpdu alternative `[2]`: the failure of a
/// confirmed request. Note the invokeID is `[0] IMPLICIT` here, unlike in requests/responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmedErrorPdu<'a> {
    /// `invokeID [0] IMPLICIT Unsigned32`.
    pub invoke_id: u32,
    /// `modifierPosition [1] IMPLICIT Unsigned32 OPTIONAL`: the modifier that failed.
    pub modifier_position: Option<u32>,
    /// `serviceError [2] IMPLICIT ServiceError`.
    pub service_error: ServiceError<'a>,
}

impl<'a> Asn1<'a> for ConfirmedErrorPdu<'a> {
    const TAG: Tag = ctx_c(2);

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let invoke_id = uint32(&f.req(ctx(0), "invokeID")?)?;
        let modifier_position = f.opt(ctx(1))?.map(|t| uint32(&t)).transpose()?;
        let service_error = ServiceError::decode_implicit(&f.next("serviceError")?, ctx(2))?;
        f.finish()?;
        Ok(ConfirmedErrorPdu {
            invoke_id,
            modifier_position,
            service_error,
        })
    }

    fn encode_contents(&self, w: &mut Writer) {
        self.service_error.encode_tagged(w, ctx(2));
        if let Some(p) = self.modifier_position {
            write_uint(w, ctx(1), u64::from(p));
        }
        write_uint(w, ctx(0), u64::from(self.invoke_id));
    }
}

/// `Cancel-ErrorPDU` (ISO 9506-2 §7.6.4), MMSpdu alternative `[7]`: a cancel that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelErrorPdu<'a> {
    /// `originalInvokeID [0] IMPLICIT Unsigned32`.
    pub original_invoke_id: u32,
    /// `serviceError [1] IMPLICIT ServiceError`.
    pub service_error: ServiceError<'a>,
}

impl<'a> Asn1<'a> for CancelErrorPdu<'a> {
    const TAG: Tag = ctx_c(7);

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let original_invoke_id = uint32(&f.req(ctx(0), "originalInvokeID")?)?;
        let service_error = ServiceError::decode_implicit(&f.next("serviceError")?, ctx(1))?;
        f.finish()?;
        Ok(CancelErrorPdu {
            original_invoke_id,
            service_error,
        })
    }

    fn encode_contents(&self, w: &mut Writer) {
        self.service_error.encode_tagged(w, ctx(1));
        write_uint(w, ctx(0), u64::from(self.original_invoke_id));
    }
}

/// MMSpdu tag of Initiate-ErrorPDU (`[10] IMPLICIT ServiceError`, ISO 9506-2 §8.2).
pub const INITIATE_ERROR_TAG: Tag = ctx_c(10);
/// MMSpdu tag of Conclude-ErrorPDU (`[13] IMPLICIT ServiceError`, ISO 9506-2 §8.4).
pub const CONCLUDE_ERROR_TAG: Tag = ctx_c(13);

#[cfg(test)]
pub(crate) mod arb {
    use super::*;
    use proptest::prelude::*;

    /// A code for a class: a named one or an unnamed number.
    fn code(named: &'static [i64]) -> impl Strategy<Value = i64> {
        prop_oneof![
            proptest::sample::select(named.to_vec()),
            0i64..100,
            any::<i32>().prop_map(i64::from),
        ]
    }

    /// Any ErrorClass.
    pub(crate) fn error_class() -> impl Strategy<Value = ErrorClass> {
        (0u32..=12, code(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
            .prop_map(|(t, c)| ErrorClass::from_parts(t, c).expect("tag <= 12"))
    }

    /// An Identifier-like string.
    pub(crate) fn ident() -> impl Strategy<Value = Cow<'static, str>> {
        "[A-Za-z][A-Za-z0-9_$]{0,12}".prop_map(Cow::Owned)
    }

    /// Any ObjectName.
    pub(crate) fn object_name() -> impl Strategy<Value = ObjectName<'static>> {
        prop_oneof![
            ident().prop_map(ObjectName::VmdSpecific),
            (ident(), ident()).prop_map(|(d, i)| ObjectName::DomainSpecific {
                domain_id: d,
                item_id: i
            }),
            ident().prop_map(ObjectName::AaSpecific),
        ]
    }

    /// Any ProgramInvocationState.
    pub(crate) fn pi_state() -> impl Strategy<Value = ProgramInvocationState> {
        (0i64..=8).prop_map(|v| ProgramInvocationState::from_i64(v).expect("0..=8"))
    }

    fn uc_object() -> impl Strategy<Value = UnitControlObject<'static>> {
        prop_oneof![
            ident().prop_map(UnitControlObject::Domain),
            ident().prop_map(UnitControlObject::ProgramInvocation),
        ]
    }

    fn additional() -> impl Strategy<Value = AdditionalServiceError<'static>> {
        prop_oneof![
            object_name().prop_map(AdditionalServiceError::DefineEcl),
            object_name().prop_map(AdditionalServiceError::AddEclReference),
            object_name().prop_map(AdditionalServiceError::RemoveEclReferenceEventCondition),
            object_name().prop_map(AdditionalServiceError::RemoveEclReferenceEventConditionList),
            uc_object().prop_map(AdditionalServiceError::InitiateUc),
            (ident(), pi_state()).prop_map(|(n, s)| AdditionalServiceError::StartUc {
                program_invocation_name: n,
                program_invocation_state: s
            }),
            (ident(), pi_state()).prop_map(|(n, s)| AdditionalServiceError::StopUc {
                program_invocation_name: n,
                program_invocation_state: s
            }),
            uc_object().prop_map(AdditionalServiceError::DeleteUc),
            prop_oneof![
                Just(LoadUnitControlError::None),
                ident().prop_map(LoadUnitControlError::Domain),
                ident().prop_map(LoadUnitControlError::ProgramInvocation),
            ]
            .prop_map(AdditionalServiceError::LoadUcFromFile),
        ]
    }

    /// Any ServiceSpecificInfo.
    pub(crate) fn service_specific_info() -> impl Strategy<Value = ServiceSpecificInfo<'static>> {
        let side = prop_oneof![Just(FileSide::SourceFile), Just(FileSide::DestinationFile)];
        prop_oneof![
            side.clone().prop_map(ServiceSpecificInfo::ObtainFile),
            pi_state().prop_map(ServiceSpecificInfo::Start),
            pi_state().prop_map(ServiceSpecificInfo::Stop),
            pi_state().prop_map(ServiceSpecificInfo::Resume),
            pi_state().prop_map(ServiceSpecificInfo::Reset),
            any::<u32>().prop_map(ServiceSpecificInfo::DeleteVariableAccess),
            any::<u32>().prop_map(ServiceSpecificInfo::DeleteNamedVariableList),
            any::<u32>().prop_map(ServiceSpecificInfo::DeleteNamedType),
            object_name().prop_map(ServiceSpecificInfo::DefineEventEnrollment),
            side.prop_map(ServiceSpecificInfo::FileRename),
            additional().prop_map(ServiceSpecificInfo::AdditionalService),
            any::<u32>().prop_map(ServiceSpecificInfo::ChangeAccessControl),
        ]
    }

    /// Any ServiceError.
    pub(crate) fn service_error() -> impl Strategy<Value = ServiceError<'static>> {
        (
            error_class(),
            proptest::option::of(any::<i64>()),
            proptest::option::of("[ -~]{0,20}".prop_map(Cow::Owned)),
            proptest::option::of(service_specific_info()),
        )
            .prop_map(|(c, a, d, s)| ServiceError {
                error_class: c,
                additional_code: a,
                additional_description: d,
                service_specific_info: s,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_one, to_vec, DecodeError};
    use crate::testvec::hex;
    use proptest::prelude::*;

    fn dec(b: &[u8]) -> Result<ServiceError<'_>> {
        decode_one(b, 32, ServiceError::decode)
    }

    #[test]
    fn access_object_non_existent_bytes() {
        // SEQUENCE { [0] { [7] 2 } }
        let b = hex("30 05 a0 03 87 01 02");
        let e = dec(&b).unwrap();
        assert_eq!(e, ServiceError::object_non_existent());
        assert_eq!(to_vec(|w| e.encode(w)), b);
    }

    #[test]
    fn unknown_codes_are_kept() {
        let b = hex("30 05 a0 03 87 01 2a");
        let e = dec(&b).unwrap();
        assert_eq!(e.error_class, ErrorClass::Access(AccessProblem::Other(42)));
        assert_eq!(to_vec(|w| e.encode(w)), b);
        assert_eq!(VmdStateProblem::from_i64(0), VmdStateProblem::Other(0));
        assert_eq!(AccessProblem::NAMED.len(), 4);
    }

    #[test]
    fn malformed_service_errors() {
        // errorClass tag number 13 does not exist
        assert_eq!(
            dec(&hex("30 05 a0 03 8d 01 00")),
            Err(BerError::InvalidValue("errorClass").into())
        );
        // errorClass missing
        assert_eq!(
            dec(&hex("30 00")),
            Err(BerError::Missing("errorClass").into())
        );
        // errorClass not wrapped in [0] (implicit instead of explicit)
        assert!(dec(&hex("30 03 87 01 02")).is_err());
        // trailing element
        assert_eq!(
            dec(&hex("30 08 a0 03 87 01 02 84 01 00")),
            Err(BerError::TrailingData(3).into())
        );
        // truncated
        assert!(matches!(
            dec(&hex("30 05 a0 03 87 01")),
            Err(DecodeError::Ber(_))
        ));
        // ObtainFile-Error out of range
        assert_eq!(
            dec(&hex("30 0a a0 03 87 01 02 a3 03 80 01 05")),
            Err(DecodeError::OutOfRange("ObtainFile-Error/FileRename-Error"))
        );
        // unknown serviceSpecificInformation alternative
        assert_eq!(
            dec(&hex("30 0a a0 03 87 01 02 a3 03 8c 01 05")),
            Err(BerError::InvalidValue("serviceSpecificInformation").into())
        );
        // ProgramInvocationState out of range
        assert_eq!(
            dec(&hex("30 0a a0 03 87 01 02 a3 03 81 01 09")),
            Err(DecodeError::OutOfRange("ProgramInvocationState"))
        );
    }

    #[test]
    fn confirmed_error_invoke_id_is_implicit() {
        let b = hex("a2 0a 80 01 07 a2 05 a0 03 87 01 02");
        let p = decode_one(&b, 32, ConfirmedErrorPdu::decode).unwrap();
        assert_eq!(p.invoke_id, 7);
        assert_eq!(p.service_error, ServiceError::object_non_existent());
        assert_eq!(to_vec(|w| p.encode(w)), b);
        // the untagged INTEGER of request/response PDUs is refused
        let bad = hex("a2 0a 02 01 07 a2 05 a0 03 87 01 02");
        assert!(matches!(
            decode_one(&bad, 32, ConfirmedErrorPdu::decode),
            Err(DecodeError::Ber(BerError::UnexpectedTag { .. }))
        ));
    }

    proptest! {
        #[test]
        fn service_error_round_trip(e in arb::service_error()) {
            let b = to_vec(|w| e.encode(w));
            prop_assert_eq!(dec(&b).unwrap(), e);
        }

        #[test]
        fn confirmed_error_round_trip(id in any::<u32>(), m in proptest::option::of(any::<u32>()),
                                      e in arb::service_error()) {
            let p = ConfirmedErrorPdu { invoke_id: id, modifier_position: m, service_error: e };
            let b = to_vec(|w| p.encode(w));
            prop_assert_eq!(decode_one(&b, 32, ConfirmedErrorPdu::decode).unwrap(), p);
        }

        #[test]
        fn cancel_error_round_trip(id in any::<u32>(), e in arb::service_error()) {
            let p = CancelErrorPdu { original_invoke_id: id, service_error: e };
            let b = to_vec(|w| p.encode(w));
            prop_assert_eq!(decode_one(&b, 32, CancelErrorPdu::decode).unwrap(), p);
        }

        #[test]
        fn random_bytes_do_not_panic(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = dec(&b);
        }
    }
}

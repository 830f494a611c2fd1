//! Program invocation management services (ISO 9506-2 §12; service definitions in ISO 9506-1
//! §12): creating, deleting, starting, stopping, resuming, resetting and killing program
//! invocations, and reading their attributes.
//!
//! ConfirmedServiceRequest / ConfirmedServiceResponse alternatives `[38]`..`[45]`, all tagged
//! IMPLICIT in the CHOICE. DeleteProgramInvocation and GetProgramInvocationAttributes requests
//! are a bare `Identifier` (a primitive `[n]`); Start, Stop, Resume, Reset and Kill requests are
//! SEQUENCEs holding `programInvocationName [0]` (a constructed `[n]`). Every response except
//! GetProgramInvocationAttributes is NULL.
//!
//! ISO 9506-2:2003 changes the executionArgument's simpleString to MMSString; under the IMPLICIT
//! `[1]` tag the two differ only in the character set, and the decoder accepts UTF-8.

use crate::services::service_fields;
use std::borrow::Cow;

use super::domain::{external, identifier_list, identifier_service, write_identifier_list};
use crate::codec::{
    boolean, ctx, ctx_c, string, write_constructed, write_string, BerError, Choice, Class, Fields,
    RawValue, Result, Service, Tag, Tlv, Writer,
};
use crate::common::{identifier, Identifier, ProgramInvocationState};

/// `executionArgument` of Start-Request, Resume-Request and GetProgramInvocationAttributes-Response
/// (ISO 9506-2 §12.3, §12.5, §12.8): the argument handed to the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecutionArgument<'a> {
    /// `simpleString [1] IMPLICIT VisibleString`.
    SimpleString(Cow<'a, str>),
    /// `encodedString EXTERNAL`: kept as received (the whole EXTERNAL, tag `28` included).
    EncodedString(RawValue<'a>),
}

impl<'a> Choice<'a> for ExecutionArgument<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        match (tlv.tag.class, tlv.tag.number) {
            (Class::Context, 1) => Ok(ExecutionArgument::SimpleString(string(tlv)?)),
            (Class::Universal, 8) => Ok(ExecutionArgument::EncodedString(external(tlv)?)),
            _ => Err(BerError::InvalidValue("executionArgument").into()),
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            ExecutionArgument::SimpleString(s) => write_string(w, ctx(1), s),
            ExecutionArgument::EncodedString(r) => r.encode(w),
        }
    }
}

/// True for the tags that start an `ExecutionArgument`.
fn is_execution_argument_tag(t: Tag) -> bool {
    matches!(
        (t.class, t.number),
        (Class::Context, 1) | (Class::Universal, 8)
    )
}

/// Reads the OPTIONAL untagged executionArgument field.
fn opt_execution_argument<'a>(f: &mut Fields<'a>) -> Result<Option<ExecutionArgument<'a>>> {
    f.opt_if(is_execution_argument_tag)?
        .map(|t| ExecutionArgument::decode_choice(&t))
        .transpose()
}

// ---------------------------------------------------------------------------------------------
// [38] CreateProgramInvocation.

/// `CreateProgramInvocation-Request` (ISO 9506-2 §12.1), ConfirmedServiceRequest `[38]`: binds
/// domains into a new program invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateProgramInvocationRequest<'a> {
    /// `programInvocationName [0] IMPLICIT Identifier`.
    pub program_invocation_name: Identifier<'a>,
    /// `listOfDomainName [1] IMPLICIT SEQUENCE OF Identifier`.
    pub list_of_domain_name: Vec<Identifier<'a>>,
    /// `reusable [2] IMPLICIT BOOLEAN DEFAULT TRUE`.
    pub reusable: bool,
    /// `monitorType [3] IMPLICIT BOOLEAN OPTIONAL`: TRUE for permanent, FALSE for current
    /// monitoring; absent for none.
    pub monitor_type: Option<bool>,
}

impl<'a> Service<'a> for CreateProgramInvocationRequest<'a> {
    const TAG: u32 = 38;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let program_invocation_name = identifier(&f.req(ctx(0), "programInvocationName")?)?;
        let list_of_domain_name = identifier_list(&f.req(ctx_c(1), "listOfDomainName")?)?;
        let reusable = f.bool_default(2, true)?;
        let monitor_type = f.opt_map(ctx(3), boolean)?;
        f.finish()?;
        Ok(CreateProgramInvocationRequest {
            program_invocation_name,
            list_of_domain_name,
            reusable,
            monitor_type,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if let Some(m) = self.monitor_type {
                w.boolean(ctx(3), m);
            }
            if !self.reusable {
                w.boolean(ctx(2), false);
            }
            write_identifier_list(w, ctx_c(1), &self.list_of_domain_name);
            write_string(w, ctx(0), &self.program_invocation_name);
        });
    }
}

null_service!(
    /// `CreateProgramInvocation-Response ::= NULL` (ISO 9506-2 §12.1), ConfirmedServiceResponse
    /// `[38]`.
    CreateProgramInvocationResponse = 38
);

// ---------------------------------------------------------------------------------------------
// [39] DeleteProgramInvocation.

identifier_service!(
    /// `DeleteProgramInvocation-Request ::= Identifier` (ISO 9506-2 §12.2),
    /// ConfirmedServiceRequest `[39]`: the program invocation to delete.
    DeleteProgramInvocationRequest = 39
);

null_service!(
    /// `DeleteProgramInvocation-Response ::= NULL` (ISO 9506-2 §12.2), ConfirmedServiceResponse
    /// `[39]`.
    DeleteProgramInvocationResponse = 39
);

// ---------------------------------------------------------------------------------------------
// [40] Start and [42] Resume: name plus optional execution argument.

macro_rules! name_and_argument_request {
    ($(#[$m:meta])* $name:ident = $tag:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name<'a> {
            /// `programInvocationName [0] IMPLICIT Identifier`.
            pub program_invocation_name: Identifier<'a>,
            /// `executionArgument CHOICE { simpleString [1] IMPLICIT VisibleString,
            /// encodedString EXTERNAL } OPTIONAL`.
            pub execution_argument: Option<ExecutionArgument<'a>>,
        }

        impl<'a> Service<'a> for $name<'a> {
            const TAG: u32 = $tag;

            fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
                let mut f = service_fields(tlv, Self::TAG)?;
                let program_invocation_name =
                    identifier(&f.req(ctx(0), "programInvocationName")?)?;
                let execution_argument = opt_execution_argument(&mut f)?;
                f.finish()?;
                Ok($name {
                    program_invocation_name,
                    execution_argument,
                })
            }

            fn encode_service(&self, w: &mut Writer) {
                write_constructed(w, ctx_c(Self::TAG), |w| {
                    if let Some(a) = &self.execution_argument {
                        a.encode_choice(w);
                    }
                    write_string(w, ctx(0), &self.program_invocation_name);
                });
            }
        }
    };
}

/// Declares a request that is `SEQUENCE { programInvocationName [0] IMPLICIT Identifier }`.
macro_rules! name_only_request {
    ($(#[$m:meta])* $name:ident = $tag:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name<'a> {
            /// `programInvocationName [0] IMPLICIT Identifier`.
            pub program_invocation_name: Identifier<'a>,
        }

        impl<'a> Service<'a> for $name<'a> {
            const TAG: u32 = $tag;

            fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
                let mut f = service_fields(tlv, Self::TAG)?;
                let program_invocation_name =
                    identifier(&f.req(ctx(0), "programInvocationName")?)?;
                f.finish()?;
                Ok($name {
                    program_invocation_name,
                })
            }

            fn encode_service(&self, w: &mut Writer) {
                write_constructed(w, ctx_c(Self::TAG), |w| {
                    write_string(w, ctx(0), &self.program_invocation_name);
                });
            }
        }
    };
}

name_and_argument_request!(
    /// `Start-Request` (ISO 9506-2 §12.3), ConfirmedServiceRequest `[40]`: starts an idle
    /// program invocation.
    StartRequest = 40
);

null_service!(
    /// `Start-Response ::= NULL` (ISO 9506-2 §12.3), ConfirmedServiceResponse `[40]`.
    StartResponse = 40
);

name_only_request!(
    /// `Stop-Request` (ISO 9506-2 §12.4), ConfirmedServiceRequest `[41]`: stops a running
    /// program invocation.
    StopRequest = 41
);

null_service!(
    /// `Stop-Response ::= NULL` (ISO 9506-2 §12.4), ConfirmedServiceResponse `[41]`.
    StopResponse = 41
);

name_and_argument_request!(
    /// `Resume-Request` (ISO 9506-2 §12.5), ConfirmedServiceRequest `[42]`: resumes a stopped
    /// program invocation.
    ResumeRequest = 42
);

null_service!(
    /// `Resume-Response ::= NULL` (ISO 9506-2 §12.5), ConfirmedServiceResponse `[42]`.
    ResumeResponse = 42
);

name_only_request!(
    /// `Reset-Request` (ISO 9506-2 §12.6), ConfirmedServiceRequest `[43]`: returns a stopped
    /// program invocation to idle.
    ResetRequest = 43
);

null_service!(
    /// `Reset-Response ::= NULL` (ISO 9506-2 §12.6), ConfirmedServiceResponse `[43]`.
    ResetResponse = 43
);

name_only_request!(
    /// `Kill-Request` (ISO 9506-2 §12.7), ConfirmedServiceRequest `[44]`: makes a program
    /// invocation unrunnable.
    KillRequest = 44
);

null_service!(
    /// `Kill-Response ::= NULL` (ISO 9506-2 §12.7), ConfirmedServiceResponse `[44]`.
    KillResponse = 44
);

// ---------------------------------------------------------------------------------------------
// [45] GetProgramInvocationAttributes.

identifier_service!(
    /// `GetProgramInvocationAttributes-Request ::= Identifier` (ISO 9506-2 §12.8),
    /// ConfirmedServiceRequest `[45]`: the program invocation asked about.
    GetProgramInvocationAttributesRequest = 45
);

/// `GetProgramInvocationAttributes-Response` (ISO 9506-2 §12.8), ConfirmedServiceResponse
/// `[45]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetProgramInvocationAttributesResponse<'a> {
    /// `state [0] IMPLICIT ProgramInvocationState`.
    pub state: ProgramInvocationState,
    /// `listOfDomainNames [1] IMPLICIT SEQUENCE OF Identifier`.
    pub list_of_domain_names: Vec<Identifier<'a>>,
    /// `mmsDeletable [2] IMPLICIT BOOLEAN`.
    pub mms_deletable: bool,
    /// `reusable [3] IMPLICIT BOOLEAN`.
    pub reusable: bool,
    /// `monitor [4] IMPLICIT BOOLEAN`.
    pub monitor: bool,
    /// `startArgument [5] IMPLICIT VisibleString`: the argument of the last Start.
    pub start_argument: Cow<'a, str>,
    /// `executionArgument CHOICE { simpleString [1] IMPLICIT VisibleString, encodedString
    /// EXTERNAL } OPTIONAL`.
    pub execution_argument: Option<ExecutionArgument<'a>>,
}

impl<'a> Service<'a> for GetProgramInvocationAttributesResponse<'a> {
    const TAG: u32 = 45;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let state = ProgramInvocationState::decode_value(&f.req(ctx(0), "state")?)?;
        let list_of_domain_names = identifier_list(&f.req(ctx_c(1), "listOfDomainNames")?)?;
        let mms_deletable = boolean(&f.req(ctx(2), "mmsDeletable")?)?;
        let reusable = boolean(&f.req(ctx(3), "reusable")?)?;
        let monitor = boolean(&f.req(ctx(4), "monitor")?)?;
        let start_argument = string(&f.req(ctx(5), "startArgument")?)?;
        let execution_argument = opt_execution_argument(&mut f)?;
        f.finish()?;
        Ok(GetProgramInvocationAttributesResponse {
            state,
            list_of_domain_names,
            mms_deletable,
            reusable,
            monitor,
            start_argument,
            execution_argument,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if let Some(a) = &self.execution_argument {
                a.encode_choice(w);
            }
            write_string(w, ctx(5), &self.start_argument);
            w.boolean(ctx(4), self.monitor);
            w.boolean(ctx(3), self.reusable);
            w.boolean(ctx(2), self.mms_deletable);
            write_identifier_list(w, ctx_c(1), &self.list_of_domain_names);
            self.state.encode_value(w, ctx(0));
        });
    }
}

/// Proptest strategies for the program invocation types, reused by other service modules.
#[cfg(test)]
pub(crate) mod arb {
    use super::*;
    use crate::services::domain::arb::{external, identifier, visible};
    use proptest::collection::vec;
    use proptest::option;
    use proptest::prelude::*;

    /// A ProgramInvocationState.
    pub(crate) fn program_invocation_state() -> impl Strategy<Value = ProgramInvocationState> {
        (0i64..=8).prop_map(|v| ProgramInvocationState::from_i64(v).expect("listed value"))
    }

    /// An ExecutionArgument.
    pub(crate) fn execution_argument() -> impl Strategy<Value = ExecutionArgument<'static>> {
        prop_oneof![
            visible().prop_map(ExecutionArgument::SimpleString),
            external().prop_map(ExecutionArgument::EncodedString),
        ]
    }

    /// A CreateProgramInvocation-Request.
    pub(crate) fn create_program_invocation_request(
    ) -> impl Strategy<Value = CreateProgramInvocationRequest<'static>> {
        (
            identifier(),
            vec(identifier(), 0..4),
            any::<bool>(),
            option::of(any::<bool>()),
        )
            .prop_map(|(n, d, r, m)| CreateProgramInvocationRequest {
                program_invocation_name: n,
                list_of_domain_name: d,
                reusable: r,
                monitor_type: m,
            })
    }

    /// A GetProgramInvocationAttributes-Response.
    pub(crate) fn get_program_invocation_attributes_response(
    ) -> impl Strategy<Value = GetProgramInvocationAttributesResponse<'static>> {
        (
            program_invocation_state(),
            vec(identifier(), 0..4),
            any::<(bool, bool, bool)>(),
            visible(),
            option::of(execution_argument()),
        )
            .prop_map(|(s, d, (del, reu, mon), sa, ea)| {
                GetProgramInvocationAttributesResponse {
                    state: s,
                    list_of_domain_names: d,
                    mms_deletable: del,
                    reusable: reu,
                    monitor: mon,
                    start_argument: sa,
                    execution_argument: ea,
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::DecodeError;
    use crate::services::domain::arb::identifier as arb_identifier;
    use crate::testvec::{self, dec, prop_round_trip, reencode, Tolerant};
    use proptest::option;
    use proptest::prelude::*;

    // The vectors in mms/vectors/program.vec were checked with tshark 4.0 (dissector mms).
    #[test]
    fn vectors_decode_and_reencode() {
        testvec::check_file("program.vec", 20, Tolerant::NotCanonical, |kind, t| {
            Some(match (kind, t.tag.number) {
                (0, 38) => reencode::<CreateProgramInvocationRequest>(t),
                (1, 38) => reencode::<CreateProgramInvocationResponse>(t),
                (0, 39) => reencode::<DeleteProgramInvocationRequest>(t),
                (1, 39) => reencode::<DeleteProgramInvocationResponse>(t),
                (0, 40) => reencode::<StartRequest>(t),
                (1, 40) => reencode::<StartResponse>(t),
                (0, 41) => reencode::<StopRequest>(t),
                (1, 41) => reencode::<StopResponse>(t),
                (0, 42) => reencode::<ResumeRequest>(t),
                (1, 42) => reencode::<ResumeResponse>(t),
                (0, 43) => reencode::<ResetRequest>(t),
                (1, 43) => reencode::<ResetResponse>(t),
                (0, 44) => reencode::<KillRequest>(t),
                (1, 44) => reencode::<KillResponse>(t),
                (0, 45) => reencode::<GetProgramInvocationAttributesRequest>(t),
                (1, 45) => reencode::<GetProgramInvocationAttributesResponse>(t),
                _ => return None,
            })
        });
    }

    fn body(name: &str) -> Vec<u8> {
        testvec::body("program.vec", name)
    }

    fn err<'a, S: Service<'a> + core::fmt::Debug>(b: &'a [u8]) -> DecodeError {
        dec::<S>(b).expect_err("must fail")
    }

    #[test]
    fn typed_values_of_vectors() {
        let b = body("create-program-invocation-request");
        let r: CreateProgramInvocationRequest = dec(&b).unwrap();
        assert_eq!(r.program_invocation_name, "PI1");
        assert_eq!(r.list_of_domain_name, ["PROG1", "LIB"]);
        assert!(r.reusable, "reusable absent means TRUE");
        assert_eq!(r.monitor_type, Some(true));

        let b = body("create-program-invocation-request-not-reusable");
        let r: CreateProgramInvocationRequest = dec(&b).unwrap();
        assert!(!r.reusable);
        assert_eq!(r.monitor_type, None);

        let b = body("create-program-invocation-request-reusable-explicit-ff");
        assert!(dec::<CreateProgramInvocationRequest>(&b).unwrap().reusable);

        let b = body("start-request-simple-string");
        let r: StartRequest = dec(&b).unwrap();
        assert_eq!(
            r.execution_argument,
            Some(ExecutionArgument::SimpleString("-v fast".into()))
        );

        let b = body("start-request-encoded-string");
        match dec::<StartRequest>(&b).unwrap().execution_argument {
            Some(ExecutionArgument::EncodedString(e)) => {
                assert_eq!(e.tlv().unwrap().tag, Tag::EXTERNAL)
            }
            other => panic!("{other:?}"),
        }

        let b = body("stop-request-indefinite-length");
        assert_eq!(
            dec::<StopRequest>(&b).unwrap().program_invocation_name,
            "PI1"
        );

        let b = body("delete-program-invocation-request");
        assert_eq!(dec::<DeleteProgramInvocationRequest>(&b).unwrap().0, "PI1");

        let b = body("get-program-invocation-attributes-response");
        let r: GetProgramInvocationAttributesResponse = dec(&b).unwrap();
        assert_eq!(r.state, ProgramInvocationState::Running);
        assert_eq!(r.list_of_domain_names, ["PROG1", "LIB"]);
        assert!(r.mms_deletable && r.reusable && !r.monitor);
        assert_eq!(r.start_argument, "-v fast");

        let b = body("get-program-invocation-attributes-response-no-argument");
        let r: GetProgramInvocationAttributesResponse = dec(&b).unwrap();
        assert_eq!(r.state, ProgramInvocationState::Idle);
        assert_eq!(r.execution_argument, None);
    }

    #[test]
    fn malformed_inputs() {
        // Start with an executionArgument of an unknown alternative [2]: left over.
        assert_eq!(
            err::<StartRequest>(&[0xBF, 0x28, 6, 0x80, 1, b'P', 0x82, 1, b'x']),
            DecodeError::Ber(BerError::TrailingData(3))
        );
        // Start without programInvocationName.
        assert_eq!(
            err::<StartRequest>(&[0xBF, 0x28, 0]),
            DecodeError::Ber(BerError::Missing("programInvocationName"))
        );
        // Stop carrying an executionArgument (only Start and Resume have one).
        assert_eq!(
            err::<StopRequest>(&[0xBF, 0x29, 6, 0x80, 1, b'P', 0x81, 1, b'x']),
            DecodeError::Ber(BerError::TrailingData(3))
        );
        // Kill sent as a bare Identifier (primitive) instead of a SEQUENCE.
        assert!(matches!(
            err::<KillRequest>(&[0x9F, 0x2C, 1, b'P']),
            DecodeError::Ber(BerError::UnexpectedTag { .. })
        ));
        // DeleteProgramInvocation sent as a SEQUENCE.
        assert!(matches!(
            err::<DeleteProgramInvocationRequest>(&[0xBF, 0x27, 3, 0x80, 1, b'P']),
            DecodeError::Ber(BerError::UnexpectedTag { .. })
        ));
        // reusable of two octets.
        assert_eq!(
            err::<CreateProgramInvocationRequest>(&[
                0xBF, 0x26, 9, 0x80, 1, b'P', 0xA1, 0, 0x82, 2, 0, 0
            ]),
            DecodeError::Ber(BerError::InvalidBoolean)
        );
        // listOfDomainName element that is not a VisibleString.
        assert!(matches!(
            err::<CreateProgramInvocationRequest>(&[
                0xBF, 0x26, 8, 0x80, 1, b'P', 0xA1, 3, 0x80, 1, b'D'
            ]),
            DecodeError::Ber(BerError::UnexpectedTag { .. })
        ));
        // Simple string that is not valid UTF-8.
        assert_eq!(
            err::<ResumeRequest>(&[0xBF, 0x2A, 6, 0x80, 1, b'P', 0x81, 1, 0xFF]),
            DecodeError::Ber(BerError::InvalidValue("character string"))
        );
        // A malformed EXTERNAL as encodedString.
        assert_eq!(
            err::<ResumeRequest>(&[0xBF, 0x2A, 5, 0x80, 1, b'P', 0x28, 0]),
            DecodeError::Ber(BerError::Missing("EXTERNAL encoding"))
        );
        // NULL response with contents.
        assert_eq!(
            err::<KillResponse>(&[0x9F, 0x2C, 1, 0]),
            DecodeError::Ber(BerError::InvalidValue("NULL"))
        );
    }

    #[test]
    fn malformed_attributes() {
        let good = body("get-program-invocation-attributes-response-no-argument");
        assert!(dec::<GetProgramInvocationAttributesResponse>(&good).is_ok());
        // state 9 is not a ProgramInvocationState.
        let mut b = good.clone();
        assert_eq!(&b[3..6], [0x80, 1, 2]);
        b[5] = 9;
        assert_eq!(
            err::<GetProgramInvocationAttributesResponse>(&b),
            DecodeError::OutOfRange("ProgramInvocationState")
        );
        // startArgument missing (the last element cut, lengths adjusted).
        let mut b = good.clone();
        b.truncate(b.len() - 3);
        b[2] -= 3;
        assert_eq!(
            err::<GetProgramInvocationAttributesResponse>(&b),
            DecodeError::Ber(BerError::Missing("startArgument"))
        );
        // An element after executionArgument.
        let mut b = good.clone();
        b.extend([0x81, 0, 0x81, 0]);
        b[2] += 4;
        assert_eq!(
            err::<GetProgramInvocationAttributesResponse>(&b),
            DecodeError::Ber(BerError::TrailingData(2))
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn round_trip_all(
            cpi in arb::create_program_invocation_request(),
            gpa in arb::get_program_invocation_attributes_response(),
            name in arb_identifier(),
            arg in option::of(arb::execution_argument()),
        ) {
            prop_round_trip!(CreateProgramInvocationRequest, cpi, 64);
            prop_round_trip!(GetProgramInvocationAttributesResponse, gpa, 64);
            prop_round_trip!(DeleteProgramInvocationRequest, DeleteProgramInvocationRequest(name.clone()), 64);
            prop_round_trip!(GetProgramInvocationAttributesRequest, GetProgramInvocationAttributesRequest(name.clone()), 64);
            prop_round_trip!(StartRequest, StartRequest { program_invocation_name: name.clone(), execution_argument: arg.clone() }, 64);
            prop_round_trip!(ResumeRequest, ResumeRequest { program_invocation_name: name.clone(), execution_argument: arg }, 64);
            prop_round_trip!(StopRequest, StopRequest { program_invocation_name: name.clone() }, 64);
            prop_round_trip!(ResetRequest, ResetRequest { program_invocation_name: name.clone() }, 64);
            prop_round_trip!(KillRequest, KillRequest { program_invocation_name: name }, 64);
            prop_round_trip!(CreateProgramInvocationResponse, CreateProgramInvocationResponse, 64);
            prop_round_trip!(DeleteProgramInvocationResponse, DeleteProgramInvocationResponse, 64);
            prop_round_trip!(StartResponse, StartResponse, 64);
            prop_round_trip!(StopResponse, StopResponse, 64);
            prop_round_trip!(ResumeResponse, ResumeResponse, 64);
            prop_round_trip!(ResetResponse, ResetResponse, 64);
            prop_round_trip!(KillResponse, KillResponse, 64);
        }
    }
}

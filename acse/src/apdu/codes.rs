//! The numbered values of the ACSE-1 module (ISO 8650-1 / X.227 §9): associate result and
//! source diagnostics (AARE), abort source and diagnostic (ABRT), release reasons (RLRQ, RLRE).

use std::fmt;

/// Defines an enum for an INTEGER / ENUMERATED with named numbers whose type is extensible
/// (`...`) or unconstrained: unknown numbers are kept in `Other` so they survive a round trip.
macro_rules! named_numbers {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $value:literal => $text:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A number the ACSE-1 module does not name (the type is extensible), kept as received.
            Other(i64),
        }

        impl $name {
            /// The value from its number (unknown numbers give `Other`).
            pub fn from_code(code: i64) -> $name {
                match code {
                    $( $value => $name::$variant, )*
                    other => $name::Other(other),
                }
            }

            /// The number sent on the wire.
            pub fn code(self) -> i64 {
                match self {
                    $( $name::$variant => $value, )*
                    $name::Other(v) => v,
                }
            }

            /// The ACSE-1 identifier of the value, or `None` for `Other`.
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $( $name::$variant => Some($text), )*
                    $name::Other(_) => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => write!(f, "{n} ({})", self.code()),
                    None => write!(f, "unknown ({})", self.code()),
                }
            }
        }
    };
}

/// Associate-result of the AARE (X.227 §9 `Associate-result`, field `result` \[2\]).
///
/// The type is extensible, but a result this implementation cannot act on is refused with
/// [`super::AcseError::InvalidValue`] rather than kept: every value means something different
/// for the association.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssociateResult {
    /// accepted (0).
    Accepted = 0,
    /// rejected-permanent (1).
    RejectedPermanent = 1,
    /// rejected-transient (2).
    RejectedTransient = 2,
}

impl AssociateResult {
    /// The value from its number; `None` for numbers X.227 does not define.
    pub fn from_code(code: i64) -> Option<AssociateResult> {
        match code {
            0 => Some(AssociateResult::Accepted),
            1 => Some(AssociateResult::RejectedPermanent),
            2 => Some(AssociateResult::RejectedTransient),
            _ => None,
        }
    }

    /// The number sent on the wire.
    pub fn code(self) -> i64 {
        self as i64
    }

    /// True for `accepted`.
    pub fn is_accepted(self) -> bool {
        self == AssociateResult::Accepted
    }
}

impl fmt::Display for AssociateResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AssociateResult::Accepted => "accepted",
            AssociateResult::RejectedPermanent => "rejected-permanent",
            AssociateResult::RejectedTransient => "rejected-transient",
        })
    }
}

named_numbers! {
    /// The acse-service-user alternative of Associate-source-diagnostic (X.227 §9, AARE field
    /// `result-source-diagnostic` \[3\], alternative `service-user` \[1\]; docs/facts.md F-604).
    ServiceUserDiagnostic {
        /// null (0): used with result accepted.
        Null = 0 => "null",
        /// no-reason-given (1).
        NoReasonGiven = 1 => "no-reason-given",
        /// application-context-name-not-supported (2).
        ApplicationContextNameNotSupported = 2 => "application-context-name-not-supported",
        /// calling-AP-title-not-recognized (3).
        CallingApTitleNotRecognized = 3 => "calling-AP-title-not-recognized",
        /// calling-AP-invocation-identifier-not-recognized (4).
        CallingApInvocationIdNotRecognized = 4 => "calling-AP-invocation-identifier-not-recognized",
        /// calling-AE-qualifier-not-recognized (5).
        CallingAeQualifierNotRecognized = 5 => "calling-AE-qualifier-not-recognized",
        /// calling-AE-invocation-identifier-not-recognized (6).
        CallingAeInvocationIdNotRecognized = 6 => "calling-AE-invocation-identifier-not-recognized",
        /// called-AP-title-not-recognized (7).
        CalledApTitleNotRecognized = 7 => "called-AP-title-not-recognized",
        /// called-AP-invocation-identifier-not-recognized (8).
        CalledApInvocationIdNotRecognized = 8 => "called-AP-invocation-identifier-not-recognized",
        /// called-AE-qualifier-not-recognized (9).
        CalledAeQualifierNotRecognized = 9 => "called-AE-qualifier-not-recognized",
        /// called-AE-invocation-identifier-not-recognized (10).
        CalledAeInvocationIdNotRecognized = 10 => "called-AE-invocation-identifier-not-recognized",
        /// authentication-mechanism-name-not-recognized (11).
        AuthenticationMechanismNameNotRecognized = 11 => "authentication-mechanism-name-not-recognized",
        /// authentication-mechanism-name-required (12).
        AuthenticationMechanismNameRequired = 12 => "authentication-mechanism-name-required",
        /// authentication-failure (13).
        AuthenticationFailure = 13 => "authentication-failure",
        /// authentication-required (14).
        AuthenticationRequired = 14 => "authentication-required",
    }
}

named_numbers! {
    /// The acse-service-provider alternative of Associate-source-diagnostic (X.227 §9, AARE
    /// field `result-source-diagnostic` \[3\], alternative `service-provider` \[2\]).
    ServiceProviderDiagnostic {
        /// null (0).
        Null = 0 => "null",
        /// no-reason-given (1).
        NoReasonGiven = 1 => "no-reason-given",
        /// no-common-acse-version (2): the AARQ's protocol-version has no version this ACPM
        /// supports (X.227 §7.1.5.2).
        NoCommonAcseVersion = 2 => "no-common-acse-version",
    }
}

/// Associate-source-diagnostic (X.227 §9, AARE field `result-source-diagnostic` \[3\]):
/// who decided the result, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Diagnostic {
    /// acse-service-user \[1\]: the responding application (or its security provider).
    ServiceUser(ServiceUserDiagnostic),
    /// acse-service-provider \[2\]: the responding ACPM.
    ServiceProvider(ServiceProviderDiagnostic),
}

impl Diagnostic {
    /// `service-user null`, what an accepting AARE carries.
    pub const ACCEPTED: Diagnostic = Diagnostic::ServiceUser(ServiceUserDiagnostic::Null);
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diagnostic::ServiceUser(d) => write!(f, "acse-service-user: {d}"),
            Diagnostic::ServiceProvider(d) => write!(f, "acse-service-provider: {d}"),
        }
    }
}

/// ABRT-source (X.227 §9, ABRT field `abort-source` \[0\]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AbortSource {
    /// acse-service-user (0): A-ABORT from the application (or its security provider).
    ServiceUser = 0,
    /// acse-service-provider (1): A-P-ABORT from the ACPM (protocol error).
    ServiceProvider = 1,
}

impl AbortSource {
    /// The value from its number; `None` for numbers X.227 does not define.
    pub fn from_code(code: i64) -> Option<AbortSource> {
        match code {
            0 => Some(AbortSource::ServiceUser),
            1 => Some(AbortSource::ServiceProvider),
            _ => None,
        }
    }

    /// The number sent on the wire.
    pub fn code(self) -> i64 {
        self as i64
    }
}

impl fmt::Display for AbortSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AbortSource::ServiceUser => "acse-service-user",
            AbortSource::ServiceProvider => "acse-service-provider",
        })
    }
}

named_numbers! {
    /// ABRT-diagnostic (X.227 §9, ABRT field `abort-diagnostic` \[1\], an extensible ENUMERATED;
    /// docs/facts.md F-605).
    AbortDiagnostic {
        /// no-reason-given (1).
        NoReasonGiven = 1 => "no-reason-given",
        /// protocol-error (2).
        ProtocolError = 2 => "protocol-error",
        /// authentication-mechanism-name-not-recognized (3).
        AuthenticationMechanismNameNotRecognized = 3 => "authentication-mechanism-name-not-recognized",
        /// authentication-mechanism-name-required (4).
        AuthenticationMechanismNameRequired = 4 => "authentication-mechanism-name-required",
        /// authentication-failure (5).
        AuthenticationFailure = 5 => "authentication-failure",
        /// authentication-required (6).
        AuthenticationRequired = 6 => "authentication-required",
    }
}

impl AbortDiagnostic {
    /// The ABRT diagnostic matching an AARE service-user diagnostic, for an initiator that
    /// refuses the AARE and must abort (it cannot answer with an AARE). Authentication
    /// diagnostics map one to one; everything else becomes no-reason-given.
    pub fn from_service_user(d: ServiceUserDiagnostic) -> AbortDiagnostic {
        match d {
            ServiceUserDiagnostic::AuthenticationMechanismNameNotRecognized => {
                AbortDiagnostic::AuthenticationMechanismNameNotRecognized
            }
            ServiceUserDiagnostic::AuthenticationMechanismNameRequired => {
                AbortDiagnostic::AuthenticationMechanismNameRequired
            }
            ServiceUserDiagnostic::AuthenticationFailure => AbortDiagnostic::AuthenticationFailure,
            ServiceUserDiagnostic::AuthenticationRequired => {
                AbortDiagnostic::AuthenticationRequired
            }
            _ => AbortDiagnostic::NoReasonGiven,
        }
    }
}

named_numbers! {
    /// Release-request-reason (X.227 §9, RLRQ field `reason` \[0\]).
    ReleaseRequestReason {
        /// normal (0).
        Normal = 0 => "normal",
        /// urgent (1).
        Urgent = 1 => "urgent",
        /// user-defined (30).
        UserDefined = 30 => "user-defined",
    }
}

named_numbers! {
    /// Release-response-reason (X.227 §9, RLRE field `reason` \[0\]).
    ReleaseResponseReason {
        /// normal (0).
        Normal = 0 => "normal",
        /// not-finished (1).
        NotFinished = 1 => "not-finished",
        /// user-defined (30).
        UserDefined = 30 => "user-defined",
    }
}

/// Writes what an ABRT said (ISO 8650-1 §9.6): `ACSE ABRT[ source S][, diagnostic D]`, for the
/// refusal and close reasons that report a peer's abort.
pub fn write_abrt(
    f: &mut std::fmt::Formatter<'_>,
    source: Option<AbortSource>,
    diagnostic: Option<AbortDiagnostic>,
) -> std::fmt::Result {
    f.write_str("ACSE ABRT")?;
    if let Some(s) = source {
        write!(f, " source {s}")?;
    }
    if let Some(d) = diagnostic {
        write!(f, ", diagnostic {d}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_numbers_round_trip_and_keep_unknown_values() {
        for c in 0..=14 {
            assert_eq!(ServiceUserDiagnostic::from_code(c).code(), c);
            assert!(ServiceUserDiagnostic::from_code(c).name().is_some());
        }
        assert_eq!(
            ServiceUserDiagnostic::from_code(13),
            ServiceUserDiagnostic::AuthenticationFailure
        );
        assert_eq!(
            ServiceUserDiagnostic::from_code(99),
            ServiceUserDiagnostic::Other(99)
        );
        assert_eq!(
            AbortDiagnostic::from_code(2),
            AbortDiagnostic::ProtocolError
        );
        assert_eq!(AbortDiagnostic::from_code(0), AbortDiagnostic::Other(0));
        assert_eq!(
            ReleaseRequestReason::from_code(30),
            ReleaseRequestReason::UserDefined
        );
        assert_eq!(
            ServiceUserDiagnostic::AuthenticationRequired.to_string(),
            "authentication-required (14)"
        );
        assert_eq!(
            Diagnostic::ServiceProvider(ServiceProviderDiagnostic::NoCommonAcseVersion).to_string(),
            "acse-service-provider: no-common-acse-version (2)"
        );
    }

    #[test]
    fn closed_enums_refuse_unknown_numbers() {
        assert_eq!(
            AssociateResult::from_code(1),
            Some(AssociateResult::RejectedPermanent)
        );
        assert_eq!(AssociateResult::from_code(3), None);
        assert_eq!(
            AbortSource::from_code(1),
            Some(AbortSource::ServiceProvider)
        );
        assert_eq!(AbortSource::from_code(2), None);
        assert!(AssociateResult::Accepted.is_accepted());
    }

    #[test]
    fn service_user_to_abort_diagnostic() {
        assert_eq!(
            AbortDiagnostic::from_service_user(ServiceUserDiagnostic::AuthenticationFailure),
            AbortDiagnostic::AuthenticationFailure
        );
        assert_eq!(
            AbortDiagnostic::from_service_user(ServiceUserDiagnostic::CalledApTitleNotRecognized),
            AbortDiagnostic::NoReasonGiven
        );
        assert_eq!(AbortDiagnostic::AuthenticationRequired.code(), 6);
    }
}

//! SPDU structures of ISO 8327-1 / ITU-T X.225 §8 for the kernel and duplex functional units,
//! with a zero-copy parser ([`parse`]) and a single-pass encoder ([`Spdu::encode`]).
//!
//! Reading of X.225 §8.2 applied here (see also `docs/robustness.md`):
//! - Length indicators: 1 octet for 0..=254, `FF hi lo` for 255..=65535, for the SPDU and for
//!   every PI / PGI unit. The encoder uses the short form whenever it fits; the parser also
//!   accepts the long form for small values.
//! - Unrecognised PI / PGI codes are skipped (their LI is still checked against the input):
//!   X.225 lets version 2 SPDUs carry parameters an SPM does not know, and skipping is
//!   harmless. PGIs 1 and 5 only contain PIs; codes inside them are not parsed recursively.
//! - Order: parameters are accepted in any order (harmless), except that nothing may follow
//!   User Data (PGI 193) / Extended User Data (PGI 194), which X.225 places last.
//!   The encoder writes the order of the X.225 §8.3 tables.
//! - Repeats: any PI / PGI code appearing twice in the same SPDU (or in the same PGI) is an
//!   invalid SPDU, because which value counts would be ambiguous.
//! - Concatenation: only GIVE TOKENS + DATA TRANSFER (basic concatenation, X.225 §6.3.7) is
//!   recognised; any octet after another SPDU is an invalid SPDU (we announce Protocol
//!   Options = 0, so extended concatenation is never in use).

use core::fmt;

use crate::codes::*;
use crate::error::SpduError;
use crate::params::{
    bounded, li_and_value, put_group, put_li, put_pi, u16_value, u8_value, Params, Seen, Sink,
};

/// The four octets every peer sends before the presentation data of a P-DATA: an empty
/// GIVE TOKENS SPDU (SI 1, LI 0) followed by a DATA TRANSFER SPDU (SI 1, LI 0) whose user
/// information is the rest of the TSDU (X.225 §8.3.15, §8.3.11, §6.3.7 basic concatenation).
pub const DATA_HEADER: [u8; 4] = [0x01, 0x00, 0x01, 0x00];

/// Limits applied when parsing received SPDUs, checked before anything is used or allocated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest SS-user data accepted in a CONNECT SPDU, PGI 193 or 194 (X.225 §8.3.1:
    /// 10 240 with Extended User Data). Default 10 240.
    pub max_connect_user_data: usize,
    /// Largest SS-user data accepted in any other SPDU except DATA TRANSFER (ACCEPT, REFUSE,
    /// FINISH, DISCONNECT, NOT FINISHED, ABORT). Default 65 535.
    pub max_user_data: usize,
    /// Largest user information accepted in a DATA TRANSFER SPDU. X.225 sets no limit (the
    /// transport bounds the TSDU); default `usize::MAX`.
    pub max_data: usize,
    /// Largest session selector accepted (X.225 §8.3.1: 16). Default 16.
    pub max_ssel_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connect_user_data: MAX_CONNECT_EXTENDED_USER_DATA,
            max_user_data: MAX_LI,
            max_data: usize::MAX,
            max_ssel_len: MAX_SSEL_LEN,
        }
    }
}

/// Connection Identifier parameter group, PGI 1 (X.225 §8.3.1.3 / §8.3.4 / §8.3.5). The values
/// are borrowed from the received SPDU and not interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnectionIdentifier<'a> {
    /// Calling SS-user Reference (PI 10) in CONNECT, Called SS-user Reference (PI 9) in ACCEPT
    /// and REFUSE; at most 64 octets.
    pub ss_user_reference: Option<&'a [u8]>,
    /// Common Reference (PI 11), at most 64 octets.
    pub common_reference: Option<&'a [u8]>,
    /// Additional Reference Information (PI 12), at most 4 octets.
    pub additional_reference: Option<&'a [u8]>,
}

/// TSDU Maximum Size (PI 21, X.225 §8.3.1.8): two 16-bit sizes; 0 means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TsduMaxSize {
    /// Maximum TSDU size from initiator to responder (first two octets).
    pub initiator_to_responder: u16,
    /// Maximum TSDU size from responder to initiator (last two octets).
    pub responder_to_initiator: u16,
}

/// CONNECT SPDU, SI 13 (X.225 §8.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnectSpdu<'a> {
    /// Connection Identifier (PGI 1).
    pub connection_identifier: Option<ConnectionIdentifier<'a>>,
    /// Protocol Options (PI 19 in PGI 5); 0 = cannot receive extended concatenated SPDUs.
    pub protocol_options: Option<u8>,
    /// TSDU Maximum Size (PI 21 in PGI 5).
    pub tsdu_max_size: Option<TsduMaxSize>,
    /// Version Number (PI 22 in PGI 5): bit 1 = version 1, bit 2 = version 2. Absent means
    /// version 1 only.
    pub version_number: Option<u8>,
    /// Initial Serial Number (PI 23 in PGI 5), up to 6 octets, not interpreted.
    pub initial_serial_number: Option<&'a [u8]>,
    /// Token Setting Item (PI 26 in PGI 5).
    pub token_setting: Option<u8>,
    /// Session User Requirements (PI 20): functional-unit bits, 0x0002 = duplex.
    pub session_user_requirements: Option<u16>,
    /// Calling Session Selector (PI 51), up to 16 octets.
    pub calling_ssel: Option<&'a [u8]>,
    /// Called Session Selector (PI 52), up to 16 octets.
    pub called_ssel: Option<&'a [u8]>,
    /// Data Overflow (PI 60, version 2): more user data follows in CONNECT DATA OVERFLOW SPDUs.
    pub data_overflow: Option<u8>,
    /// Enclosure Item (PI 25).
    pub enclosure: Option<u8>,
    /// User Data (PGI 193), at most 512 octets when sent.
    pub user_data: Option<&'a [u8]>,
    /// Extended User Data (PGI 194, version 2), at most 10 240 octets.
    pub extended_user_data: Option<&'a [u8]>,
}

impl<'a> ConnectSpdu<'a> {
    /// The SS-user data, whichever of PGI 193 or PGI 194 carried it (empty if neither).
    pub fn data(&self) -> &'a [u8] {
        self.user_data.or(self.extended_user_data).unwrap_or(&[])
    }
}

/// ACCEPT SPDU, SI 14 (X.225 §8.3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AcceptSpdu<'a> {
    /// Connection Identifier (PGI 1).
    pub connection_identifier: Option<ConnectionIdentifier<'a>>,
    /// Protocol Options (PI 19 in PGI 5).
    pub protocol_options: Option<u8>,
    /// TSDU Maximum Size (PI 21 in PGI 5).
    pub tsdu_max_size: Option<TsduMaxSize>,
    /// Version Number (PI 22 in PGI 5): the single selected version bit.
    pub version_number: Option<u8>,
    /// Initial Serial Number (PI 23 in PGI 5).
    pub initial_serial_number: Option<&'a [u8]>,
    /// Token Setting Item (PI 26 in PGI 5).
    pub token_setting: Option<u8>,
    /// Token Item (PI 16).
    pub token_item: Option<u8>,
    /// Session User Requirements (PI 20): the selected functional units.
    pub session_user_requirements: Option<u16>,
    /// Enclosure Item (PI 25).
    pub enclosure: Option<u8>,
    /// Calling Session Selector (PI 51).
    pub calling_ssel: Option<&'a [u8]>,
    /// Responding Session Selector (PI 52).
    pub responding_ssel: Option<&'a [u8]>,
    /// User Data (PGI 193): what we send, of any size up to the 65 535-octet SPDU limit.
    pub user_data: Option<&'a [u8]>,
    /// Extended User Data (PGI 194): not defined for ACCEPT by X.225, but accepted on receipt
    /// because a lab peer sent it (docs/facts.md E-05).
    pub extended_user_data: Option<&'a [u8]>,
}

impl<'a> AcceptSpdu<'a> {
    /// The SS-user data, whichever of PGI 193 or PGI 194 carried it (empty if neither).
    pub fn data(&self) -> &'a [u8] {
        self.user_data.or(self.extended_user_data).unwrap_or(&[])
    }
}

/// Reason Code of a REFUSE SPDU (PI 50, X.225 §8.3.5.x; docs/facts.md F-409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefuseReason {
    /// 0: rejection by the called SS-user, reason not specified.
    UserNotSpecified,
    /// 1: rejection by the called SS-user due to temporary congestion.
    UserCongestion,
    /// 2: rejection by the called SS-user; SS-user data may follow the reason octet.
    UserRejection,
    /// 129: session selector unknown.
    InvalidSsel,
    /// 130: SS-user not attached to the SSAP.
    NotAttached,
    /// 131: SPM congestion at connect time.
    ProviderCongestion,
    /// 132: proposed protocol versions not supported.
    VersionNotSupported,
    /// 133: rejection by the SPM, reason not specified.
    ProviderNotSpecified,
    /// 134: rejection by the SPM, implementation restriction stated in the PICS.
    ImplementationRestriction,
    /// Any other reason octet, kept as received.
    Other(u8),
}

impl RefuseReason {
    /// The reason octet (X.225 §8.3.5).
    pub fn code(self) -> u8 {
        match self {
            RefuseReason::UserNotSpecified => 0,
            RefuseReason::UserCongestion => 1,
            RefuseReason::UserRejection => 2,
            RefuseReason::InvalidSsel => 129,
            RefuseReason::NotAttached => 130,
            RefuseReason::ProviderCongestion => 131,
            RefuseReason::VersionNotSupported => 132,
            RefuseReason::ProviderNotSpecified => 133,
            RefuseReason::ImplementationRestriction => 134,
            RefuseReason::Other(c) => c,
        }
    }

    /// True for the reasons the session provider (SPM) gives, as opposed to the SS-user.
    pub fn is_provider(self) -> bool {
        self.code() >= 128
    }
}

impl From<u8> for RefuseReason {
    fn from(c: u8) -> Self {
        match c {
            0 => RefuseReason::UserNotSpecified,
            1 => RefuseReason::UserCongestion,
            2 => RefuseReason::UserRejection,
            129 => RefuseReason::InvalidSsel,
            130 => RefuseReason::NotAttached,
            131 => RefuseReason::ProviderCongestion,
            132 => RefuseReason::VersionNotSupported,
            133 => RefuseReason::ProviderNotSpecified,
            134 => RefuseReason::ImplementationRestriction,
            other => RefuseReason::Other(other),
        }
    }
}

impl fmt::Display for RefuseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            RefuseReason::UserNotSpecified => "rejected by the called SS-user, no reason given",
            RefuseReason::UserCongestion => "rejected by the called SS-user: temporary congestion",
            RefuseReason::UserRejection => "rejected by the called SS-user",
            RefuseReason::InvalidSsel => "session selector unknown",
            RefuseReason::NotAttached => "SS-user not attached to the SSAP",
            RefuseReason::ProviderCongestion => "SPM congestion at connect time",
            RefuseReason::VersionNotSupported => "proposed protocol versions not supported",
            RefuseReason::ProviderNotSpecified => "rejected by the SPM, no reason given",
            RefuseReason::ImplementationRestriction => {
                "rejected by the SPM: implementation restriction"
            }
            RefuseReason::Other(_) => "unknown reason",
        };
        write!(f, "{text} (reason code {})", self.code())
    }
}

/// REFUSE SPDU, SI 12 (X.225 §8.3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RefuseSpdu<'a> {
    /// Connection Identifier (PGI 1).
    pub connection_identifier: Option<ConnectionIdentifier<'a>>,
    /// Transport Disconnect (PI 17): bit 1 = the transport connection is released.
    pub transport_disconnect: Option<u8>,
    /// Session User Requirements (PI 20).
    pub session_user_requirements: Option<u16>,
    /// Version Number (PI 22): the versions the refusing SPM supports.
    pub version_number: Option<u8>,
    /// Enclosure Item (PI 25).
    pub enclosure: Option<u8>,
    /// Reason Code (PI 50): the first octet.
    pub reason: Option<RefuseReason>,
    /// SS-user data after the reason octet in PI 50 (only with reason 2).
    pub user_data: &'a [u8],
}

/// FINISH SPDU, SI 9 (X.225 §8.3.6): carries the release request (RLRQ inside).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FinishSpdu<'a> {
    /// Transport Disconnect (PI 17): bit 1 = release the transport connection.
    pub transport_disconnect: Option<u8>,
    /// Enclosure Item (PI 25).
    pub enclosure: Option<u8>,
    /// User Data (PGI 193).
    pub user_data: Option<&'a [u8]>,
}

/// DISCONNECT SPDU, SI 10 (X.225 §8.3.7): confirms a release (RLRE inside).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DisconnectSpdu<'a> {
    /// Enclosure Item (PI 25).
    pub enclosure: Option<u8>,
    /// User Data (PGI 193).
    pub user_data: Option<&'a [u8]>,
}

/// NOT FINISHED SPDU, SI 8 (X.225 §8.3.8): refuses a release. Only meaningful with the
/// negotiated release functional unit, so the kernel + duplex machine treats it as a protocol
/// error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NotFinishedSpdu<'a> {
    /// Enclosure Item (PI 25).
    pub enclosure: Option<u8>,
    /// User Data (PGI 193).
    pub user_data: Option<&'a [u8]>,
}

/// ABORT SPDU, SI 25 (X.225 §8.3.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AbortSpdu<'a> {
    /// Transport Disconnect (PI 17): 0x01 release transport, 0x02 user abort, 0x04 protocol
    /// error, 0x08 no reason, 0x10 implementation restriction.
    pub transport_disconnect: Option<u8>,
    /// Enclosure Item (PI 25).
    pub enclosure: Option<u8>,
    /// Reflect Parameter Values (PI 49), at most 9 octets, not interpreted.
    pub reflect_parameter_values: Option<&'a [u8]>,
    /// User Data (PGI 193): the ARU-PPDU of a user abort.
    pub user_data: Option<&'a [u8]>,
}

/// One SPDU (or the GIVE TOKENS + DATA TRANSFER pair) as carried in one TSDU (X.225 §8.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spdu<'a> {
    /// CONNECT, SI 13.
    Connect(ConnectSpdu<'a>),
    /// ACCEPT, SI 14.
    Accept(AcceptSpdu<'a>),
    /// REFUSE, SI 12.
    Refuse(RefuseSpdu<'a>),
    /// FINISH, SI 9.
    Finish(FinishSpdu<'a>),
    /// DISCONNECT, SI 10.
    Disconnect(DisconnectSpdu<'a>),
    /// NOT FINISHED, SI 8.
    NotFinished(NotFinishedSpdu<'a>),
    /// ABORT, SI 25.
    Abort(AbortSpdu<'a>),
    /// ABORT ACCEPT, SI 26.
    AbortAccept,
    /// GIVE TOKENS (SI 1) concatenated with DATA TRANSFER (SI 1); the value is the user
    /// information (the presentation PPDU) after the DATA TRANSFER header.
    Data(&'a [u8]),
}

impl Spdu<'_> {
    /// The SPDU's name as X.225 spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Spdu::Connect(_) => "CONNECT",
            Spdu::Accept(_) => "ACCEPT",
            Spdu::Refuse(_) => "REFUSE",
            Spdu::Finish(_) => "FINISH",
            Spdu::Disconnect(_) => "DISCONNECT",
            Spdu::NotFinished(_) => "NOT FINISHED",
            Spdu::Abort(_) => "ABORT",
            Spdu::AbortAccept => "ABORT ACCEPT",
            Spdu::Data(_) => "DATA TRANSFER",
        }
    }

    /// Appends the encoded SPDU to `out` (X.225 §8.2, §8.3). Lengths are measured first, so the
    /// SPDU is written once, front to back; on error nothing is appended.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), SpduError> {
        match self {
            Spdu::Data(data) => {
                out.extend_from_slice(&DATA_HEADER);
                out.extend_from_slice(data);
                Ok(())
            }
            Spdu::AbortAccept => {
                out.extend_from_slice(&[SI_ABORT_ACCEPT, 0]);
                Ok(())
            }
            Spdu::Connect(s) => put_group(out, SI_CONNECT, "SPDU", &|o| s.body(o)),
            Spdu::Accept(s) => put_group(out, SI_ACCEPT, "SPDU", &|o| s.body(o)),
            Spdu::Refuse(s) => put_group(out, SI_REFUSE, "SPDU", &|o| s.body(o)),
            Spdu::Finish(s) => put_group(out, SI_FINISH, "SPDU", &|o| {
                put_opt_u8(o, PI_TRANSPORT_DISCONNECT, s.transport_disconnect)?;
                put_opt_u8(o, PI_ENCLOSURE_ITEM, s.enclosure)?;
                put_opt(o, PGI_USER_DATA, s.user_data)
            }),
            Spdu::Disconnect(s) => put_group(out, SI_DISCONNECT, "SPDU", &|o| {
                put_opt_u8(o, PI_ENCLOSURE_ITEM, s.enclosure)?;
                put_opt(o, PGI_USER_DATA, s.user_data)
            }),
            Spdu::NotFinished(s) => put_group(out, SI_NOT_FINISHED, "SPDU", &|o| {
                put_opt_u8(o, PI_ENCLOSURE_ITEM, s.enclosure)?;
                put_opt(o, PGI_USER_DATA, s.user_data)
            }),
            Spdu::Abort(s) => put_group(out, SI_ABORT, "SPDU", &|o| {
                put_opt_u8(o, PI_TRANSPORT_DISCONNECT, s.transport_disconnect)?;
                put_opt_u8(o, PI_ENCLOSURE_ITEM, s.enclosure)?;
                if let Some(r) = s.reflect_parameter_values {
                    bounded(PI_REFLECT_PARAMETER_VALUES, r, 0, 9)?;
                }
                put_opt(o, PI_REFLECT_PARAMETER_VALUES, s.reflect_parameter_values)?;
                put_opt(o, PGI_USER_DATA, s.user_data)
            }),
        }
    }
}

fn put_opt(out: &mut dyn Sink, code: u8, value: Option<&[u8]>) -> Result<(), SpduError> {
    match value {
        Some(v) => put_pi(out, code, v),
        None => Ok(()),
    }
}

fn put_opt_u8(out: &mut dyn Sink, code: u8, value: Option<u8>) -> Result<(), SpduError> {
    match value {
        Some(v) => put_pi(out, code, &[v]),
        None => Ok(()),
    }
}

fn put_opt_u16(out: &mut dyn Sink, code: u8, value: Option<u16>) -> Result<(), SpduError> {
    match value {
        Some(v) => put_pi(out, code, &v.to_be_bytes()),
        None => Ok(()),
    }
}

fn put_ssel(out: &mut dyn Sink, code: u8, value: Option<&[u8]>) -> Result<(), SpduError> {
    if let Some(v) = value {
        if v.len() > MAX_SSEL_LEN {
            return Err(SpduError::SelectorTooLong {
                length: v.len(),
                max: MAX_SSEL_LEN,
            });
        }
    }
    put_opt(out, code, value)
}

fn put_connection_identifier(
    out: &mut dyn Sink,
    ref_code: u8,
    ci: Option<&ConnectionIdentifier<'_>>,
) -> Result<(), SpduError> {
    let Some(ci) = ci else { return Ok(()) };
    let checks = [
        (ref_code, ci.ss_user_reference, 64),
        (PI_COMMON_REFERENCE, ci.common_reference, 64),
        (PI_ADDITIONAL_REFERENCE, ci.additional_reference, 4),
    ];
    for (code, v, max) in checks {
        if let Some(v) = v {
            bounded(code, v, 0, max)?;
        }
    }
    put_group(out, PGI_CONNECTION_IDENTIFIER, "parameter group", &|o| {
        for (code, v, _) in checks {
            put_opt(o, code, v)?;
        }
        Ok(())
    })
}

/// Items of the Connect/Accept Item PGI 5 shared by CONNECT and ACCEPT.
struct ConnectAcceptItem<'a> {
    protocol_options: Option<u8>,
    tsdu_max_size: Option<TsduMaxSize>,
    version_number: Option<u8>,
    initial_serial_number: Option<&'a [u8]>,
    token_setting: Option<u8>,
}

impl ConnectAcceptItem<'_> {
    fn is_empty(&self) -> bool {
        self.protocol_options.is_none()
            && self.tsdu_max_size.is_none()
            && self.version_number.is_none()
            && self.initial_serial_number.is_none()
            && self.token_setting.is_none()
    }

    fn put(&self, out: &mut dyn Sink) -> Result<(), SpduError> {
        if self.is_empty() {
            return Ok(());
        }
        if let Some(isn) = self.initial_serial_number {
            bounded(PI_INITIAL_SERIAL_NUMBER, isn, 1, 6)?;
        }
        put_group(out, PGI_CONNECT_ACCEPT_ITEM, "parameter group", &|o| {
            put_opt_u8(o, PI_PROTOCOL_OPTIONS, self.protocol_options)?;
            if let Some(t) = self.tsdu_max_size {
                let [a, b] = t.initiator_to_responder.to_be_bytes();
                let [c, d] = t.responder_to_initiator.to_be_bytes();
                put_pi(o, PI_TSDU_MAXIMUM_SIZE, &[a, b, c, d])?;
            }
            put_opt_u8(o, PI_VERSION_NUMBER, self.version_number)?;
            put_opt(o, PI_INITIAL_SERIAL_NUMBER, self.initial_serial_number)?;
            put_opt_u8(o, PI_TOKEN_SETTING_ITEM, self.token_setting)
        })
    }

    fn parse(si: u8, value: &[u8]) -> Result<ConnectAcceptItem<'_>, SpduError> {
        let mut item = ConnectAcceptItem {
            protocol_options: None,
            tsdu_max_size: None,
            version_number: None,
            initial_serial_number: None,
            token_setting: None,
        };
        let mut seen = Seen::default();
        for unit in Params::new(value) {
            let (code, v) = unit?;
            seen.insert(si, code)?;
            match code {
                PI_PROTOCOL_OPTIONS => item.protocol_options = Some(u8_value(code, v)?),
                PI_TSDU_MAXIMUM_SIZE => match v {
                    [a, b, c, d] => {
                        item.tsdu_max_size = Some(TsduMaxSize {
                            initiator_to_responder: u16::from_be_bytes([*a, *b]),
                            responder_to_initiator: u16::from_be_bytes([*c, *d]),
                        })
                    }
                    _ => {
                        return Err(SpduError::InvalidParameterLength {
                            code,
                            length: v.len(),
                        })
                    }
                },
                PI_VERSION_NUMBER => item.version_number = Some(u8_value(code, v)?),
                PI_INITIAL_SERIAL_NUMBER => {
                    item.initial_serial_number = Some(bounded(code, v, 1, 6)?)
                }
                PI_TOKEN_SETTING_ITEM => item.token_setting = Some(u8_value(code, v)?),
                other => log::debug!("SPDU {si}: ignoring unrecognised PI {other} in PGI 5"),
            }
        }
        Ok(item)
    }
}

impl ConnectSpdu<'_> {
    fn body(&self, out: &mut dyn Sink) -> Result<(), SpduError> {
        if self.user_data.is_some() && self.extended_user_data.is_some() {
            return Err(SpduError::BothUserDataAndExtendedUserData);
        }
        check_len(self.user_data, MAX_CONNECT_USER_DATA)?;
        check_len(self.extended_user_data, MAX_CONNECT_EXTENDED_USER_DATA)?;
        put_connection_identifier(
            out,
            PI_CALLING_SS_USER_REFERENCE,
            self.connection_identifier.as_ref(),
        )?;
        ConnectAcceptItem {
            protocol_options: self.protocol_options,
            tsdu_max_size: self.tsdu_max_size,
            version_number: self.version_number,
            initial_serial_number: self.initial_serial_number,
            token_setting: self.token_setting,
        }
        .put(out)?;
        put_opt_u16(
            out,
            PI_SESSION_USER_REQUIREMENTS,
            self.session_user_requirements,
        )?;
        put_ssel(out, PI_CALLING_SSEL, self.calling_ssel)?;
        put_ssel(out, PI_CALLED_SSEL, self.called_ssel)?;
        put_opt_u8(out, PI_DATA_OVERFLOW, self.data_overflow)?;
        put_opt_u8(out, PI_ENCLOSURE_ITEM, self.enclosure)?;
        put_opt(out, PGI_USER_DATA, self.user_data)?;
        put_opt(out, PGI_EXTENDED_USER_DATA, self.extended_user_data)
    }
}

impl AcceptSpdu<'_> {
    fn body(&self, out: &mut dyn Sink) -> Result<(), SpduError> {
        if self.user_data.is_some() && self.extended_user_data.is_some() {
            return Err(SpduError::BothUserDataAndExtendedUserData);
        }
        put_connection_identifier(
            out,
            PI_CALLED_SS_USER_REFERENCE,
            self.connection_identifier.as_ref(),
        )?;
        ConnectAcceptItem {
            protocol_options: self.protocol_options,
            tsdu_max_size: self.tsdu_max_size,
            version_number: self.version_number,
            initial_serial_number: self.initial_serial_number,
            token_setting: self.token_setting,
        }
        .put(out)?;
        put_opt_u8(out, PI_TOKEN_ITEM, self.token_item)?;
        put_opt_u16(
            out,
            PI_SESSION_USER_REQUIREMENTS,
            self.session_user_requirements,
        )?;
        put_opt_u8(out, PI_ENCLOSURE_ITEM, self.enclosure)?;
        put_ssel(out, PI_CALLING_SSEL, self.calling_ssel)?;
        put_ssel(out, PI_CALLED_SSEL, self.responding_ssel)?;
        put_opt(out, PGI_USER_DATA, self.user_data)?;
        put_opt(out, PGI_EXTENDED_USER_DATA, self.extended_user_data)
    }
}

impl RefuseSpdu<'_> {
    fn body(&self, out: &mut dyn Sink) -> Result<(), SpduError> {
        if !self.user_data.is_empty() && self.reason != Some(RefuseReason::UserRejection) {
            return Err(SpduError::RefuseUserDataNotAllowed);
        }
        put_connection_identifier(
            out,
            PI_CALLED_SS_USER_REFERENCE,
            self.connection_identifier.as_ref(),
        )?;
        put_opt_u8(out, PI_TRANSPORT_DISCONNECT, self.transport_disconnect)?;
        put_opt_u16(
            out,
            PI_SESSION_USER_REQUIREMENTS,
            self.session_user_requirements,
        )?;
        put_opt_u8(out, PI_VERSION_NUMBER, self.version_number)?;
        put_opt_u8(out, PI_ENCLOSURE_ITEM, self.enclosure)?;
        if let Some(reason) = self.reason {
            // PI 50 = reason octet followed by the user data, written without an extra copy.
            let length = 1 + self.user_data.len();
            out.put(&[PI_REASON_CODE]);
            put_li(out, length, "parameter")?;
            out.put(&[reason.code()]);
            out.put(self.user_data);
        }
        Ok(())
    }
}

fn check_len(value: Option<&[u8]>, max: usize) -> Result<(), SpduError> {
    match value {
        Some(v) if v.len() > max => Err(SpduError::UserDataTooLong {
            length: v.len(),
            max,
        }),
        _ => Ok(()),
    }
}

/// Walks the parameter field of one SPDU, enforcing the order and repeat rules described in
/// the module documentation, and hands every unit to `f`.
fn walk<'a>(
    si: u8,
    field: &'a [u8],
    mut f: impl FnMut(u8, &'a [u8]) -> Result<(), SpduError>,
) -> Result<(), SpduError> {
    let mut seen = Seen::default();
    let mut user_data_code: Option<u8> = None;
    for unit in Params::new(field) {
        let (code, value) = unit?;
        if let Some(prev) = user_data_code {
            let both = matches!(
                (prev, code),
                (PGI_USER_DATA, PGI_EXTENDED_USER_DATA) | (PGI_EXTENDED_USER_DATA, PGI_USER_DATA)
            );
            return Err(if both {
                SpduError::BothUserDataAndExtendedUserData
            } else {
                SpduError::ParameterAfterUserData { si, code }
            });
        }
        seen.insert(si, code)?;
        if code == PGI_USER_DATA || code == PGI_EXTENDED_USER_DATA {
            user_data_code = Some(code);
        }
        f(code, value)?;
    }
    Ok(())
}

fn user_data(value: &[u8], max: usize) -> Result<&[u8], SpduError> {
    if value.len() > max {
        Err(SpduError::UserDataTooLong {
            length: value.len(),
            max,
        })
    } else {
        Ok(value)
    }
}

fn ssel<'a>(value: &'a [u8], limits: &Limits) -> Result<&'a [u8], SpduError> {
    if value.len() > limits.max_ssel_len {
        Err(SpduError::SelectorTooLong {
            length: value.len(),
            max: limits.max_ssel_len,
        })
    } else {
        Ok(value)
    }
}

fn parse_connection_identifier(
    si: u8,
    ref_code: u8,
    value: &[u8],
) -> Result<ConnectionIdentifier<'_>, SpduError> {
    let mut ci = ConnectionIdentifier::default();
    let mut seen = Seen::default();
    for unit in Params::new(value) {
        let (code, v) = unit?;
        seen.insert(si, code)?;
        match code {
            c if c == ref_code => ci.ss_user_reference = Some(bounded(code, v, 0, 64)?),
            PI_COMMON_REFERENCE => ci.common_reference = Some(bounded(code, v, 0, 64)?),
            PI_ADDITIONAL_REFERENCE => ci.additional_reference = Some(bounded(code, v, 0, 4)?),
            other => log::debug!("SPDU {si}: ignoring unrecognised PI {other} in PGI 1"),
        }
    }
    Ok(ci)
}

fn ignore(si: u8, code: u8) {
    log::debug!("SPDU {si}: ignoring unrecognised parameter {code}");
}

fn parse_connect<'a>(field: &'a [u8], limits: &Limits) -> Result<ConnectSpdu<'a>, SpduError> {
    let si = SI_CONNECT;
    let mut s = ConnectSpdu::default();
    walk(si, field, |code, v| {
        match code {
            PGI_CONNECTION_IDENTIFIER => {
                s.connection_identifier = Some(parse_connection_identifier(
                    si,
                    PI_CALLING_SS_USER_REFERENCE,
                    v,
                )?)
            }
            PGI_CONNECT_ACCEPT_ITEM => {
                let item = ConnectAcceptItem::parse(si, v)?;
                s.protocol_options = item.protocol_options;
                s.tsdu_max_size = item.tsdu_max_size;
                s.version_number = item.version_number;
                s.initial_serial_number = item.initial_serial_number;
                s.token_setting = item.token_setting;
            }
            PI_SESSION_USER_REQUIREMENTS => s.session_user_requirements = Some(u16_value(code, v)?),
            PI_CALLING_SSEL => s.calling_ssel = Some(ssel(v, limits)?),
            PI_CALLED_SSEL => s.called_ssel = Some(ssel(v, limits)?),
            PI_DATA_OVERFLOW => s.data_overflow = Some(u8_value(code, v)?),
            PI_ENCLOSURE_ITEM => s.enclosure = Some(u8_value(code, v)?),
            // PGI 193 above 512 octets is accepted (hat-drivers sends it, docs/facts.md E-11).
            PGI_USER_DATA => s.user_data = Some(user_data(v, limits.max_connect_user_data)?),
            PGI_EXTENDED_USER_DATA => {
                s.extended_user_data = Some(user_data(v, limits.max_connect_user_data)?)
            }
            other => ignore(si, other),
        }
        Ok(())
    })?;
    Ok(s)
}

fn parse_accept<'a>(field: &'a [u8], limits: &Limits) -> Result<AcceptSpdu<'a>, SpduError> {
    let si = SI_ACCEPT;
    let mut s = AcceptSpdu::default();
    walk(si, field, |code, v| {
        match code {
            PGI_CONNECTION_IDENTIFIER => {
                s.connection_identifier = Some(parse_connection_identifier(
                    si,
                    PI_CALLED_SS_USER_REFERENCE,
                    v,
                )?)
            }
            PGI_CONNECT_ACCEPT_ITEM => {
                let item = ConnectAcceptItem::parse(si, v)?;
                s.protocol_options = item.protocol_options;
                s.tsdu_max_size = item.tsdu_max_size;
                s.version_number = item.version_number;
                s.initial_serial_number = item.initial_serial_number;
                s.token_setting = item.token_setting;
            }
            PI_TOKEN_ITEM => s.token_item = Some(u8_value(code, v)?),
            PI_SESSION_USER_REQUIREMENTS => s.session_user_requirements = Some(u16_value(code, v)?),
            PI_ENCLOSURE_ITEM => s.enclosure = Some(u8_value(code, v)?),
            PI_CALLING_SSEL => s.calling_ssel = Some(ssel(v, limits)?),
            PI_CALLED_SSEL => s.responding_ssel = Some(ssel(v, limits)?),
            PGI_USER_DATA => s.user_data = Some(user_data(v, limits.max_user_data)?),
            // Not defined for ACCEPT, accepted on receipt (docs/facts.md E-05).
            PGI_EXTENDED_USER_DATA => {
                s.extended_user_data = Some(user_data(v, limits.max_user_data)?)
            }
            other => ignore(si, other),
        }
        Ok(())
    })?;
    Ok(s)
}

fn parse_refuse<'a>(field: &'a [u8], limits: &Limits) -> Result<RefuseSpdu<'a>, SpduError> {
    let si = SI_REFUSE;
    let mut s = RefuseSpdu::default();
    walk(si, field, |code, v| {
        match code {
            PGI_CONNECTION_IDENTIFIER => {
                s.connection_identifier = Some(parse_connection_identifier(
                    si,
                    PI_CALLED_SS_USER_REFERENCE,
                    v,
                )?)
            }
            PI_TRANSPORT_DISCONNECT => s.transport_disconnect = Some(u8_value(code, v)?),
            PI_SESSION_USER_REQUIREMENTS => s.session_user_requirements = Some(u16_value(code, v)?),
            PI_VERSION_NUMBER => s.version_number = Some(u8_value(code, v)?),
            PI_ENCLOSURE_ITEM => s.enclosure = Some(u8_value(code, v)?),
            PI_REASON_CODE => {
                let (&reason, data) = v
                    .split_first()
                    .ok_or(SpduError::InvalidParameterValue { code })?;
                s.reason = Some(RefuseReason::from(reason));
                s.user_data = user_data(data, limits.max_user_data)?;
            }
            other => ignore(si, other),
        }
        Ok(())
    })?;
    Ok(s)
}

fn parse_finish<'a>(field: &'a [u8], limits: &Limits) -> Result<FinishSpdu<'a>, SpduError> {
    let si = SI_FINISH;
    let mut s = FinishSpdu::default();
    walk(si, field, |code, v| {
        match code {
            PI_TRANSPORT_DISCONNECT => s.transport_disconnect = Some(u8_value(code, v)?),
            PI_ENCLOSURE_ITEM => s.enclosure = Some(u8_value(code, v)?),
            PGI_USER_DATA => s.user_data = Some(user_data(v, limits.max_user_data)?),
            other => ignore(si, other),
        }
        Ok(())
    })?;
    Ok(s)
}

/// DISCONNECT and NOT FINISHED have the same parameters.
fn parse_enclosure_and_user_data<'a>(
    si: u8,
    field: &'a [u8],
    limits: &Limits,
) -> Result<(Option<u8>, Option<&'a [u8]>), SpduError> {
    let mut enclosure = None;
    let mut data = None;
    walk(si, field, |code, v| {
        match code {
            PI_ENCLOSURE_ITEM => enclosure = Some(u8_value(code, v)?),
            PGI_USER_DATA => data = Some(user_data(v, limits.max_user_data)?),
            other => ignore(si, other),
        }
        Ok(())
    })?;
    Ok((enclosure, data))
}

fn parse_abort<'a>(field: &'a [u8], limits: &Limits) -> Result<AbortSpdu<'a>, SpduError> {
    let si = SI_ABORT;
    let mut s = AbortSpdu::default();
    walk(si, field, |code, v| {
        match code {
            PI_TRANSPORT_DISCONNECT => s.transport_disconnect = Some(u8_value(code, v)?),
            PI_ENCLOSURE_ITEM => s.enclosure = Some(u8_value(code, v)?),
            PI_REFLECT_PARAMETER_VALUES => {
                s.reflect_parameter_values = Some(bounded(code, v, 0, 9)?)
            }
            PGI_USER_DATA => s.user_data = Some(user_data(v, limits.max_user_data)?),
            other => ignore(si, other),
        }
        Ok(())
    })?;
    Ok(s)
}

/// GIVE TOKENS + DATA TRANSFER (X.225 §8.3.15, §8.3.11). `rest` starts after the first SI.
fn parse_data<'a>(rest: &'a [u8], limits: &Limits) -> Result<Spdu<'a>, SpduError> {
    let si = SI_GIVE_TOKENS_OR_DATA;
    let (gt_field, after_gt) = li_and_value(rest, "GIVE TOKENS SPDU")?;
    // Token Item would pass tokens and Enclosure Item would segment: neither is available with
    // kernel + duplex.
    walk(si, gt_field, |code, _| match code {
        PI_TOKEN_ITEM | PI_ENCLOSURE_ITEM => Err(SpduError::UnsupportedParameter { si, code }),
        other => {
            ignore(si, other);
            Ok(())
        }
    })?;
    let (&dt_si, after_si) = after_gt
        .split_first()
        .ok_or(SpduError::MissingDataTransfer)?;
    if dt_si != SI_GIVE_TOKENS_OR_DATA {
        return Err(SpduError::MissingDataTransfer);
    }
    let (dt_field, user_information) = li_and_value(after_si, "DATA TRANSFER SPDU")?;
    walk(si, dt_field, |code, _| match code {
        PI_ENCLOSURE_ITEM => Err(SpduError::UnsupportedParameter { si, code }),
        other => {
            ignore(si, other);
            Ok(())
        }
    })?;
    Ok(Spdu::Data(user_data(user_information, limits.max_data)?))
}

/// Parses the one SPDU (or GIVE TOKENS + DATA TRANSFER pair) that a TSDU carries
/// (X.225 §8.2, §8.3). The result borrows from `tsdu`; nothing is allocated.
pub fn parse<'a>(tsdu: &'a [u8], limits: &Limits) -> Result<Spdu<'a>, SpduError> {
    let (&si, rest) = tsdu.split_first().ok_or(SpduError::Empty)?;
    match si {
        SI_GIVE_TOKENS_OR_DATA => return parse_data(rest, limits),
        SI_NOT_FINISHED | SI_FINISH | SI_DISCONNECT | SI_REFUSE | SI_CONNECT | SI_ACCEPT
        | SI_ABORT | SI_ABORT_ACCEPT => {}
        other => return Err(SpduError::UnknownSpdu(other)),
    }
    let (field, trailing) = li_and_value(rest, "SPDU")?;
    if !trailing.is_empty() {
        return Err(SpduError::TrailingData(trailing.len()));
    }
    Ok(match si {
        SI_CONNECT => Spdu::Connect(parse_connect(field, limits)?),
        SI_ACCEPT => Spdu::Accept(parse_accept(field, limits)?),
        SI_REFUSE => Spdu::Refuse(parse_refuse(field, limits)?),
        SI_FINISH => Spdu::Finish(parse_finish(field, limits)?),
        SI_DISCONNECT => {
            let (enclosure, user_data) = parse_enclosure_and_user_data(si, field, limits)?;
            Spdu::Disconnect(DisconnectSpdu {
                enclosure,
                user_data,
            })
        }
        SI_NOT_FINISHED => {
            let (enclosure, user_data) = parse_enclosure_and_user_data(si, field, limits)?;
            Spdu::NotFinished(NotFinishedSpdu {
                enclosure,
                user_data,
            })
        }
        SI_ABORT => Spdu::Abort(parse_abort(field, limits)?),
        _ => {
            // SI_ABORT_ACCEPT: X.225 §8.3.10 defines no parameter we use; unknown ones are
            // skipped like everywhere else.
            walk(si, field, |code, _| {
                ignore(si, code);
                Ok(())
            })?;
            Spdu::AbortAccept
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors::*;

    fn lim() -> Limits {
        Limits::default()
    }

    fn reencode(bytes: &[u8]) -> Vec<u8> {
        let spdu = parse(bytes, &lim()).unwrap();
        let mut out = Vec::new();
        spdu.encode(&mut out).unwrap();
        out
    }

    #[test]
    fn connect_small_vector() {
        let bytes = hex(CN_SMALL);
        let Spdu::Connect(cn) = parse(&bytes, &lim()).unwrap() else {
            panic!("not a CONNECT")
        };
        assert_eq!(cn.protocol_options, Some(0));
        assert_eq!(cn.version_number, Some(VERSION_1 | VERSION_2));
        assert_eq!(cn.session_user_requirements, Some(FU_DUPLEX));
        assert_eq!(cn.calling_ssel, Some(&[0u8, 1][..]));
        assert_eq!(cn.called_ssel, Some(&[0u8, 1][..]));
        assert_eq!(cn.user_data, Some(&hex(CP_SMALL)[..]));
        assert_eq!(cn.extended_user_data, None);
        assert_eq!(cn.data(), &hex(CP_SMALL)[..]);
        assert_eq!(reencode(&bytes), bytes);
    }

    #[test]
    fn connect_pgi194_three_octet_li_vector() {
        let bytes = hex(CN_PGI194);
        assert_eq!(&bytes[..4], &[0x0D, 0xFF, 0x05, 0x96]);
        let Spdu::Connect(cn) = parse(&bytes, &lim()).unwrap() else {
            panic!("not a CONNECT")
        };
        assert_eq!(cn.version_number, Some(VERSION_2));
        assert_eq!(cn.user_data, None);
        assert_eq!(cn.extended_user_data.map(<[u8]>::len), Some(1406));
        assert_eq!(cn.data(), &hex(CP_1406)[..]);
        assert_eq!(reencode(&bytes), bytes);
    }

    #[test]
    fn accept_vector() {
        let bytes = hex(AC);
        let Spdu::Accept(ac) = parse(&bytes, &lim()).unwrap() else {
            panic!("not an ACCEPT")
        };
        assert_eq!(ac.version_number, Some(VERSION_2));
        assert_eq!(ac.session_user_requirements, Some(FU_DUPLEX));
        assert_eq!(ac.responding_ssel, Some(&[0u8, 1][..]));
        assert_eq!(ac.calling_ssel, None);
        assert_eq!(ac.data(), &hex(CPA)[..]);
        assert_eq!(reencode(&bytes), bytes);
    }

    #[test]
    fn data_vector() {
        let bytes = hex(GT_DT);
        assert_eq!(&bytes[..4], &DATA_HEADER);
        assert_eq!(parse(&bytes, &lim()), Ok(Spdu::Data(&bytes[4..])));
        assert_eq!(reencode(&bytes), bytes);
    }

    #[test]
    fn release_vectors() {
        let f = hex(FN);
        let Spdu::Finish(fin) = parse(&f, &lim()).unwrap() else {
            panic!("not a FINISH")
        };
        assert_eq!(fin.transport_disconnect, Some(TD_RELEASE_TRANSPORT));
        assert_eq!(fin.user_data, Some(&f[7..]));
        assert_eq!(reencode(&f), f);

        let d = hex(DN);
        let Spdu::Disconnect(dn) = parse(&d, &lim()).unwrap() else {
            panic!("not a DISCONNECT")
        };
        assert_eq!(dn.user_data, Some(&d[4..]));
        assert_eq!(reencode(&d), d);
    }

    #[test]
    fn abort_vectors() {
        let a = hex(AB_LIBIEC);
        let Spdu::Abort(ab) = parse(&a, &lim()).unwrap() else {
            panic!("not an ABORT")
        };
        assert_eq!(ab.transport_disconnect, Some(0x0B));
        assert_eq!(ab.user_data, Some(&a[7..]));
        assert_eq!(ab.user_data.unwrap()[0], 0xA0, "ARU-PPDU inside");
        assert_eq!(reencode(&a), a);
        for v in [AB_USER, AB_PROVIDER, AB_REFLECT] {
            let b = hex(v);
            assert_eq!(reencode(&b), b);
        }
        let r = hex(AB_REFLECT);
        let Spdu::Abort(ab) = parse(&r, &lim()).unwrap() else {
            panic!("not an ABORT")
        };
        assert_eq!(ab.reflect_parameter_values, Some(&[1u8, 2][..]));
        assert_eq!(ab.transport_disconnect, Some(0x05));
    }

    #[test]
    fn refuse_and_abort_accept_vectors() {
        let r = hex(RF_SSEL);
        let Spdu::Refuse(rf) = parse(&r, &lim()).unwrap() else {
            panic!("not a REFUSE")
        };
        assert_eq!(rf.reason, Some(RefuseReason::InvalidSsel));
        assert_eq!(rf.transport_disconnect, Some(1));
        assert!(rf.user_data.is_empty());
        assert_eq!(reencode(&r), r);
        let r = hex(RF_VERSION);
        let Spdu::Refuse(rf) = parse(&r, &lim()).unwrap() else {
            panic!("not a REFUSE")
        };
        assert_eq!(rf.reason, Some(RefuseReason::VersionNotSupported));
        assert_eq!(rf.version_number, Some(3));
        assert_eq!(reencode(&r), r);
        assert_eq!(parse(&hex(AA), &lim()), Ok(Spdu::AbortAccept));
        assert_eq!(reencode(&hex(AA)), hex(AA));
    }

    #[test]
    fn refuse_user_rejection_carries_user_data() {
        let s = Spdu::Refuse(RefuseSpdu {
            reason: Some(RefuseReason::UserRejection),
            user_data: b"cpr",
            ..RefuseSpdu::default()
        });
        let mut out = Vec::new();
        s.encode(&mut out).unwrap();
        assert_eq!(out, [12, 6, 50, 4, 2, b'c', b'p', b'r']);
        assert_eq!(parse(&out, &lim()), Ok(s));
        let bad = Spdu::Refuse(RefuseSpdu {
            reason: Some(RefuseReason::InvalidSsel),
            user_data: b"x",
            ..RefuseSpdu::default()
        });
        let mut out = Vec::new();
        assert_eq!(
            bad.encode(&mut out),
            Err(SpduError::RefuseUserDataNotAllowed)
        );
        assert!(out.is_empty(), "nothing written on error");
    }

    #[test]
    fn not_finished_parses() {
        let bytes = [8, 4, 0xC1, 2, 0xAB, 0xCD];
        assert_eq!(
            parse(&bytes, &lim()),
            Ok(Spdu::NotFinished(NotFinishedSpdu {
                enclosure: None,
                user_data: Some(&[0xAB, 0xCD])
            }))
        );
    }

    #[test]
    fn rejects_empty_unknown_and_truncated() {
        assert_eq!(parse(&[], &lim()), Err(SpduError::Empty));
        assert_eq!(parse(&[0x02, 0x00], &lim()), Err(SpduError::UnknownSpdu(2)));
        assert_eq!(parse(&[0xFF], &lim()), Err(SpduError::UnknownSpdu(0xFF)));
        assert_eq!(
            parse(&[SI_FINISH], &lim()),
            Err(SpduError::TruncatedLengthIndicator { what: "SPDU" })
        );
        assert_eq!(
            parse(&[SI_FINISH, 0xFF, 0x01], &lim()),
            Err(SpduError::TruncatedLengthIndicator { what: "SPDU" })
        );
        assert_eq!(
            parse(&[SI_FINISH, 5, 0x11, 1], &lim()),
            Err(SpduError::LengthBeyondInput {
                what: "SPDU",
                length: 5,
                remaining: 2
            })
        );
        // 3-octet LI claiming 65535 octets with 2 present.
        assert_eq!(
            parse(&[SI_ABORT, 0xFF, 0xFF, 0xFF, 1, 2], &lim()),
            Err(SpduError::LengthBeyondInput {
                what: "SPDU",
                length: 65535,
                remaining: 2
            })
        );
    }

    #[test]
    fn rejects_parameter_beyond_spdu() {
        // FINISH LI 3 holds PI 17 with LI 5: the parameter runs past the SPDU.
        assert_eq!(
            parse(&[SI_FINISH, 3, 0x11, 5, 1], &lim()),
            Err(SpduError::LengthBeyondInput {
                what: "parameter",
                length: 5,
                remaining: 1
            })
        );
        // Truncated parameter LI inside PGI 5.
        assert_eq!(
            parse(&[SI_CONNECT, 3, 5, 1, 0x13], &lim()),
            Err(SpduError::TruncatedLengthIndicator { what: "parameter" })
        );
    }

    #[test]
    fn rejects_trailing_data() {
        let mut bytes = hex(FN);
        bytes.push(0);
        assert_eq!(parse(&bytes, &lim()), Err(SpduError::TrailingData(1)));
    }

    #[test]
    fn rejects_repeated_parameters() {
        let bytes = [SI_FINISH, 6, 0x11, 1, 1, 0x11, 1, 1];
        assert_eq!(
            parse(&bytes, &lim()),
            Err(SpduError::DuplicateParameter { si: 9, code: 17 })
        );
        // Repeated PI inside PGI 5.
        let bytes = [SI_CONNECT, 8, 5, 6, 0x16, 1, 2, 0x16, 1, 2];
        assert_eq!(
            parse(&bytes, &lim()),
            Err(SpduError::DuplicateParameter { si: 13, code: 22 })
        );
        // PGI 5 twice.
        let bytes = [SI_CONNECT, 4, 5, 0, 5, 0];
        assert!(matches!(
            parse(&bytes, &lim()),
            Err(SpduError::DuplicateParameter { .. })
        ));
    }

    #[test]
    fn accepts_out_of_order_but_not_after_user_data() {
        // PI 20 before PGI 5: accepted.
        let bytes = [SI_CONNECT, 11, 0x14, 2, 0, 2, 5, 3, 0x16, 1, 2, 0xC1, 0];
        let Spdu::Connect(cn) = parse(&bytes, &lim()).unwrap() else {
            panic!("not a CONNECT")
        };
        assert_eq!(cn.version_number, Some(2));
        assert_eq!(cn.session_user_requirements, Some(2));
        assert_eq!(cn.user_data, Some(&[][..]));
        // Anything after PGI 193 is rejected.
        let bytes = [SI_FINISH, 5, 0xC1, 0, 0x11, 1, 1];
        assert_eq!(
            parse(&bytes, &lim()),
            Err(SpduError::ParameterAfterUserData { si: 9, code: 17 })
        );
    }

    #[test]
    fn rejects_both_user_data_pgis() {
        let bytes = [SI_CONNECT, 4, 0xC1, 0, 0xC2, 0];
        assert_eq!(
            parse(&bytes, &lim()),
            Err(SpduError::BothUserDataAndExtendedUserData)
        );
        let s = Spdu::Connect(ConnectSpdu {
            user_data: Some(b"a"),
            extended_user_data: Some(b"b"),
            ..ConnectSpdu::default()
        });
        assert_eq!(
            s.encode(&mut Vec::new()),
            Err(SpduError::BothUserDataAndExtendedUserData)
        );
    }

    #[test]
    fn ignores_unknown_parameters() {
        // PI 99 (unknown) in FINISH, PI 77 (unknown) inside PGI 5 of CONNECT.
        let bytes = [SI_FINISH, 6, 99, 1, 7, 0xC1, 1, 0xEE];
        let Spdu::Finish(f) = parse(&bytes, &lim()).unwrap() else {
            panic!("not a FINISH")
        };
        assert_eq!(f.user_data, Some(&[0xEE][..]));
        let bytes = [SI_CONNECT, 8, 5, 6, 77, 1, 0, 0x16, 1, 2];
        let Spdu::Connect(cn) = parse(&bytes, &lim()).unwrap() else {
            panic!("not a CONNECT")
        };
        assert_eq!(cn.version_number, Some(2));
    }

    #[test]
    fn rejects_bad_parameter_lengths() {
        assert_eq!(
            parse(&[SI_FINISH, 4, 0x11, 2, 1, 1], &lim()),
            Err(SpduError::InvalidParameterLength {
                code: 17,
                length: 2
            })
        );
        assert_eq!(
            parse(&[SI_CONNECT, 3, 0x14, 1, 2], &lim()),
            Err(SpduError::InvalidParameterLength {
                code: 20,
                length: 1
            })
        );
        assert_eq!(
            parse(&[SI_CONNECT, 5, 5, 3, 0x15, 1, 0], &lim()),
            Err(SpduError::InvalidParameterLength {
                code: 21,
                length: 1
            })
        );
        assert_eq!(
            parse(&[SI_REFUSE, 2, 50, 0], &lim()),
            Err(SpduError::InvalidParameterValue { code: 50 })
        );
    }

    #[test]
    fn rejects_zero_length_and_oversized_values() {
        // Zero-length user data PGI is fine.
        assert_eq!(
            parse(&[SI_DISCONNECT, 2, 0xC1, 0], &lim()),
            Ok(Spdu::Disconnect(DisconnectSpdu {
                enclosure: None,
                user_data: Some(&[])
            }))
        );
        // SSEL of 17 octets.
        let mut bytes = vec![SI_CONNECT, 19, 0x33, 17];
        bytes.extend([0u8; 17]);
        assert_eq!(
            parse(&bytes, &lim()),
            Err(SpduError::SelectorTooLong {
                length: 17,
                max: 16
            })
        );
        // User data above the configured limit.
        let small = Limits {
            max_user_data: 3,
            max_connect_user_data: 2,
            max_data: 1,
            ..Limits::default()
        };
        assert_eq!(
            parse(&[SI_FINISH, 6, 0xC1, 4, 1, 2, 3, 4], &small),
            Err(SpduError::UserDataTooLong { length: 4, max: 3 })
        );
        assert_eq!(
            parse(&[SI_CONNECT, 5, 0xC2, 3, 1, 2, 3], &small),
            Err(SpduError::UserDataTooLong { length: 3, max: 2 })
        );
        assert_eq!(
            parse(&[1, 0, 1, 0, 9, 9], &small),
            Err(SpduError::UserDataTooLong { length: 2, max: 1 })
        );
    }

    #[test]
    fn connect_encode_limits() {
        let big = vec![0u8; 513];
        let s = Spdu::Connect(ConnectSpdu {
            user_data: Some(&big),
            ..ConnectSpdu::default()
        });
        assert_eq!(
            s.encode(&mut Vec::new()),
            Err(SpduError::UserDataTooLong {
                length: 513,
                max: 512
            })
        );
        let huge = vec![0u8; 10_241];
        let s = Spdu::Connect(ConnectSpdu {
            extended_user_data: Some(&huge),
            ..ConnectSpdu::default()
        });
        assert_eq!(
            s.encode(&mut Vec::new()),
            Err(SpduError::UserDataTooLong {
                length: 10_241,
                max: 10_240
            })
        );
        let sel = [0u8; 17];
        let s = Spdu::Connect(ConnectSpdu {
            called_ssel: Some(&sel),
            ..ConnectSpdu::default()
        });
        assert_eq!(
            s.encode(&mut Vec::new()),
            Err(SpduError::SelectorTooLong {
                length: 17,
                max: 16
            })
        );
    }

    #[test]
    fn spdu_over_65535_octets_cannot_be_encoded() {
        let data = vec![0u8; 65_533];
        let s = Spdu::Accept(AcceptSpdu {
            user_data: Some(&data),
            ..AcceptSpdu::default()
        });
        let mut out = Vec::new();
        assert_eq!(
            s.encode(&mut out),
            Err(SpduError::LengthOverflow {
                what: "SPDU",
                length: 65_537
            })
        );
        assert!(out.is_empty());
    }

    #[test]
    fn data_variants() {
        // Zero-length user information is valid.
        assert_eq!(parse(&DATA_HEADER, &lim()), Ok(Spdu::Data(&[])));
        // GIVE TOKENS alone, or followed by something else.
        assert_eq!(parse(&[1, 0], &lim()), Err(SpduError::MissingDataTransfer));
        assert_eq!(
            parse(&[1, 0, 0x61, 0], &lim()),
            Err(SpduError::MissingDataTransfer)
        );
        // Token Item in GIVE TOKENS, Enclosure Item in DATA TRANSFER: unsupported.
        assert_eq!(
            parse(&[1, 3, 16, 1, 1, 1, 0], &lim()),
            Err(SpduError::UnsupportedParameter { si: 1, code: 16 })
        );
        assert_eq!(
            parse(&[1, 0, 1, 3, 25, 1, 1, 0xAA], &lim()),
            Err(SpduError::UnsupportedParameter { si: 1, code: 25 })
        );
        // Unknown parameter in DATA TRANSFER is skipped.
        assert_eq!(
            parse(&[1, 0, 1, 3, 99, 1, 1, 0xAA], &lim()),
            Ok(Spdu::Data(&[0xAA]))
        );
    }

    #[test]
    fn refuse_reason_codes_round_trip() {
        for c in 0..=255u8 {
            assert_eq!(RefuseReason::from(c).code(), c);
        }
        assert!(RefuseReason::InvalidSsel.is_provider());
        assert!(!RefuseReason::UserRejection.is_provider());
        assert!(RefuseReason::VersionNotSupported
            .to_string()
            .contains("132"));
    }

    mod proptests {
        use super::*;
        use proptest::prelude::*;

        fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
            proptest::collection::vec(any::<u8>(), 0..=max)
        }

        fn opt_bytes(max: usize) -> impl Strategy<Value = Option<Vec<u8>>> {
            proptest::option::of(bytes(max))
        }

        fn round_trip(s: &Spdu<'_>) {
            let mut out = Vec::new();
            s.encode(&mut out).unwrap();
            let parsed = parse(&out, &Limits::default()).unwrap();
            assert_eq!(&parsed, s);
            // Long form only when needed.
            if out.len() - 2 <= 254 {
                assert_ne!(out[1], 0xFF);
            }
        }

        proptest! {
            #[test]
            fn connect_round_trip(
                po in proptest::option::of(any::<u8>()),
                tsdu in proptest::option::of((any::<u16>(), any::<u16>())),
                ver in proptest::option::of(any::<u8>()),
                isn in proptest::option::of(bytes(6).prop_filter("1..=6", |v| !v.is_empty())),
                tok in proptest::option::of(any::<u8>()),
                sur in proptest::option::of(any::<u16>()),
                calling in opt_bytes(16),
                called in opt_bytes(16),
                ovf in proptest::option::of(any::<u8>()),
                refs in proptest::option::of((opt_bytes(64), opt_bytes(64), opt_bytes(4))),
                ud in bytes(10_240),
                ext in any::<bool>(),
            ) {
                let ci = refs.as_ref().map(|(a, b, c)| ConnectionIdentifier {
                    ss_user_reference: a.as_deref(),
                    common_reference: b.as_deref(),
                    additional_reference: c.as_deref(),
                });
                let ext = ext || ud.len() > 512;
                let s = Spdu::Connect(ConnectSpdu {
                    connection_identifier: ci,
                    protocol_options: po,
                    tsdu_max_size: tsdu.map(|(a, b)| TsduMaxSize {
                        initiator_to_responder: a,
                        responder_to_initiator: b,
                    }),
                    version_number: ver,
                    initial_serial_number: isn.as_deref(),
                    token_setting: tok,
                    session_user_requirements: sur,
                    calling_ssel: calling.as_deref(),
                    called_ssel: called.as_deref(),
                    data_overflow: ovf,
                    enclosure: None,
                    user_data: (!ext).then_some(&ud[..]),
                    extended_user_data: ext.then_some(&ud[..]),
                });
                round_trip(&s);
            }

            #[test]
            fn accept_round_trip(
                ver in proptest::option::of(any::<u8>()),
                tok in proptest::option::of(any::<u8>()),
                sur in proptest::option::of(any::<u16>()),
                enc in proptest::option::of(any::<u8>()),
                calling in opt_bytes(16),
                responding in opt_bytes(16),
                ud in opt_bytes(3000),
            ) {
                let s = Spdu::Accept(AcceptSpdu {
                    version_number: ver,
                    token_item: tok,
                    session_user_requirements: sur,
                    enclosure: enc,
                    calling_ssel: calling.as_deref(),
                    responding_ssel: responding.as_deref(),
                    user_data: ud.as_deref(),
                    ..AcceptSpdu::default()
                });
                round_trip(&s);
            }

            #[test]
            fn refuse_round_trip(
                td in proptest::option::of(any::<u8>()),
                sur in proptest::option::of(any::<u16>()),
                ver in proptest::option::of(any::<u8>()),
                reason in proptest::option::of(any::<u8>()),
                ud in bytes(600),
            ) {
                let reason = reason.map(RefuseReason::from);
                let ud = if reason == Some(RefuseReason::UserRejection) { &ud[..] } else { &[][..] };
                let s = Spdu::Refuse(RefuseSpdu {
                    transport_disconnect: td,
                    session_user_requirements: sur,
                    version_number: ver,
                    reason,
                    user_data: ud,
                    ..RefuseSpdu::default()
                });
                round_trip(&s);
            }

            #[test]
            fn release_and_abort_round_trip(
                td in proptest::option::of(any::<u8>()),
                enc in proptest::option::of(any::<u8>()),
                reflect in opt_bytes(9),
                ud in opt_bytes(1000),
            ) {
                round_trip(&Spdu::Finish(FinishSpdu { transport_disconnect: td, enclosure: enc, user_data: ud.as_deref() }));
                round_trip(&Spdu::Disconnect(DisconnectSpdu { enclosure: enc, user_data: ud.as_deref() }));
                round_trip(&Spdu::NotFinished(NotFinishedSpdu { enclosure: enc, user_data: ud.as_deref() }));
                round_trip(&Spdu::Abort(AbortSpdu {
                    transport_disconnect: td,
                    enclosure: enc,
                    reflect_parameter_values: reflect.as_deref(),
                    user_data: ud.as_deref(),
                }));
                round_trip(&Spdu::AbortAccept);
            }

            #[test]
            fn data_round_trip(ud in bytes(2000)) {
                let s = Spdu::Data(&ud);
                let mut out = Vec::new();
                s.encode(&mut out).unwrap();
                prop_assert_eq!(&out[..4], &DATA_HEADER[..]);
                prop_assert_eq!(parse(&out, &Limits::default()), Ok(s));
            }

            #[test]
            fn parse_never_panics(data in bytes(600)) {
                let _ = parse(&data, &Limits::default());
            }

            #[test]
            fn parse_never_panics_with_valid_si(si in proptest::sample::select(vec![1u8, 8, 9, 10, 12, 13, 14, 25, 26]), body in bytes(300)) {
                let mut data = vec![si];
                data.extend(body);
                let _ = parse(&data, &Limits::default());
            }
        }
    }
}

//! Numeric codes of ISO 8327-1 / ITU-T X.225: SPDU identifiers (SI), parameter identifiers (PI),
//! parameter group identifiers (PGI) and the bit values carried in them.

/// SI 1: GIVE TOKENS (category 0) and DATA TRANSFER (category 2) share this identifier
/// (X.225 §8.3.15 / §8.3.11).
pub const SI_GIVE_TOKENS_OR_DATA: u8 = 1;
/// SI 8: NOT FINISHED SPDU (X.225 §8.3.8).
pub const SI_NOT_FINISHED: u8 = 8;
/// SI 9: FINISH SPDU (X.225 §8.3.6).
pub const SI_FINISH: u8 = 9;
/// SI 10: DISCONNECT SPDU (X.225 §8.3.7).
pub const SI_DISCONNECT: u8 = 10;
/// SI 12: REFUSE SPDU (X.225 §8.3.5).
pub const SI_REFUSE: u8 = 12;
/// SI 13: CONNECT SPDU (X.225 §8.3.1).
pub const SI_CONNECT: u8 = 13;
/// SI 14: ACCEPT SPDU (X.225 §8.3.4).
pub const SI_ACCEPT: u8 = 14;
/// SI 25: ABORT SPDU (X.225 §8.3.9).
pub const SI_ABORT: u8 = 25;
/// SI 26: ABORT ACCEPT SPDU (X.225 §8.3.10).
pub const SI_ABORT_ACCEPT: u8 = 26;

/// PGI 1: Connection Identifier (X.225 §8.3.1.3).
pub const PGI_CONNECTION_IDENTIFIER: u8 = 1;
/// PGI 5: Connect/Accept Item (X.225 §8.3.1.4).
pub const PGI_CONNECT_ACCEPT_ITEM: u8 = 5;
/// PI 9: Called SS-user Reference, inside PGI 1 of ACCEPT and REFUSE (X.225 §8.3.4).
pub const PI_CALLED_SS_USER_REFERENCE: u8 = 9;
/// PI 10: Calling SS-user Reference, inside PGI 1 of CONNECT (X.225 §8.3.1).
pub const PI_CALLING_SS_USER_REFERENCE: u8 = 10;
/// PI 11: Common Reference, inside PGI 1 (X.225 §8.3.1).
pub const PI_COMMON_REFERENCE: u8 = 11;
/// PI 12: Additional Reference Information, inside PGI 1 (X.225 §8.3.1).
pub const PI_ADDITIONAL_REFERENCE: u8 = 12;
/// PI 16: Token Item (X.225 §8.3.4, §8.3.15).
pub const PI_TOKEN_ITEM: u8 = 16;
/// PI 17: Transport Disconnect (X.225 §8.3.5, §8.3.6, §8.3.9).
pub const PI_TRANSPORT_DISCONNECT: u8 = 17;
/// PI 19: Protocol Options, inside PGI 5 (X.225 §8.3.1).
pub const PI_PROTOCOL_OPTIONS: u8 = 19;
/// PI 20: Session User Requirements (X.225 §8.3.1).
pub const PI_SESSION_USER_REQUIREMENTS: u8 = 20;
/// PI 21: TSDU Maximum Size, inside PGI 5 (X.225 §8.3.1).
pub const PI_TSDU_MAXIMUM_SIZE: u8 = 21;
/// PI 22: Version Number, inside PGI 5 (and at top level in REFUSE) (X.225 §8.3.1, §8.3.5).
pub const PI_VERSION_NUMBER: u8 = 22;
/// PI 23: Initial Serial Number, inside PGI 5 (X.225 §8.3.1).
pub const PI_INITIAL_SERIAL_NUMBER: u8 = 23;
/// PI 25: Enclosure Item (version 2 segmenting; X.225 §8.3.x).
pub const PI_ENCLOSURE_ITEM: u8 = 25;
/// PI 26: Token Setting Item, inside PGI 5 (X.225 §8.3.1).
pub const PI_TOKEN_SETTING_ITEM: u8 = 26;
/// PI 49: Reflect Parameter Values (ABORT; X.225 §8.3.9).
pub const PI_REFLECT_PARAMETER_VALUES: u8 = 49;
/// PI 50: Reason Code (REFUSE; X.225 §8.3.5).
pub const PI_REASON_CODE: u8 = 50;
/// PI 51: Calling Session Selector (X.225 §8.3.1).
pub const PI_CALLING_SSEL: u8 = 51;
/// PI 52: Called (CONNECT) / Responding (ACCEPT) Session Selector (X.225 §8.3.1, §8.3.4).
pub const PI_CALLED_SSEL: u8 = 52;
/// PI 60: Data Overflow (CONNECT, version 2; X.225 §8.3.1).
pub const PI_DATA_OVERFLOW: u8 = 60;
/// PGI 193: User Data (X.225 §8.3.1 and others).
pub const PGI_USER_DATA: u8 = 193;
/// PGI 194: Extended User Data (CONNECT, version 2; X.225 §8.3.1).
pub const PGI_EXTENDED_USER_DATA: u8 = 194;

/// Transport Disconnect PV bit: the transport connection is released (X.225 §8.3.9).
pub const TD_RELEASE_TRANSPORT: u8 = 0x01;
/// Transport Disconnect PV bit: user abort (X.225 §8.3.9).
pub const TD_USER_ABORT: u8 = 0x02;
/// Transport Disconnect PV bit: protocol error (X.225 §8.3.9).
pub const TD_PROTOCOL_ERROR: u8 = 0x04;
/// Transport Disconnect PV bit: no reason (X.225 §8.3.9).
pub const TD_NO_REASON: u8 = 0x08;
/// Transport Disconnect PV bit: implementation restriction stated in the PICS (X.225 §8.3.9).
pub const TD_IMPLEMENTATION_RESTRICTION: u8 = 0x10;

/// Version Number PV bit: protocol version 1 (X.225 §8.3.1.9).
pub const VERSION_1: u8 = 0x01;
/// Version Number PV bit: protocol version 2 (X.225 §8.3.1.9).
pub const VERSION_2: u8 = 0x02;

/// Session User Requirements bit: half-duplex functional unit (X.225 §8.3.1.16).
pub const FU_HALF_DUPLEX: u16 = 0x0001;
/// Session User Requirements bit: duplex functional unit (X.225 §8.3.1.16).
pub const FU_DUPLEX: u16 = 0x0002;
/// Default Session User Requirements when PI 20 is absent: half-duplex, minor synchronize,
/// activity management, capability data, exceptions (X.225 §8.3.1.16).
pub const FU_DEFAULT_WHEN_ABSENT: u16 = 0x0349;

/// Enclosure Item PV: beginning (bit 1) and end (bit 2) of SSDU both set, i.e. an unsegmented
/// SPDU (X.225 §8.3.x, Enclosure Item).
pub const ENCLOSURE_COMPLETE: u8 = 0x03;

/// Maximum SS-user data in PGI 193 of a CONNECT SPDU (X.225 §8.3.1: 512 octets).
pub const MAX_CONNECT_USER_DATA: usize = 512;
/// Maximum SS-user data in PGI 194 of a CONNECT SPDU (X.225 §8.3.1, version 2: 10 240 octets).
pub const MAX_CONNECT_EXTENDED_USER_DATA: usize = 10_240;
/// Maximum length of a session selector (X.225 §8.3.1.17: up to 16 octets).
pub const MAX_SSEL_LEN: usize = 16;
/// Largest value a length indicator can carry (X.225 §8.2.5, 3-octet form).
pub const MAX_LI: usize = 0xFFFF;

//! The TASE.2 server's configuration (docs/tase2-server.md, "Configuration"): the VCC and its
//! ICC domains with their points, devices and data sets, the bilateral tables, timing and
//! limits. Read from a JSON file with [`Config::from_file`] or built in Rust with the
//! constructors and `with_*` calls.
//!
//! Names in data-set member lists and in bilateral tables are written `item` (ICC scope, in
//! the domain the list belongs to), `DOMAIN/item` (ICC scope, another domain) or `/item`
//! (VCC scope).

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::server::policy::{ApplicationRequirement, PeerPolicy, TransportRequirement};
use crate::tase2::association::Edition;

/// Why a configuration could not be read or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's message.
        reason: String,
    },
    /// The JSON is malformed or has fields of the wrong kind.
    #[error("configuration: {0}")]
    Json(String),
    /// A value is not usable; `at` names the place (`iccs[0].points[2].type`).
    #[error("configuration: {at}: {reason}")]
    Invalid {
        /// Where.
        at: String,
        /// What is wrong.
        reason: String,
    },
}

impl ConfigError {
    pub(crate) fn invalid(at: impl Into<String>, reason: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            at: at.into(),
            reason: reason.into(),
        }
    }
}

/// The TASE.2 edition the server's DSTransferSet objects and `TASE2_Version` follow
/// (docs/tase2.md, "Editions").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum EditionConfig {
    /// 1996.08: DSTransferSet of 12 components.
    #[serde(rename = "1996.08")]
    V1996_08,
    /// 2000.08: DSTransferSet of 13 components (with AllChangesReported).
    #[default]
    #[serde(rename = "2000.08")]
    V2000_08,
}

impl EditionConfig {
    /// The edition.
    pub fn edition(self) -> Edition {
        match self {
            EditionConfig::V1996_08 => Edition::V1996_08,
            EditionConfig::V2000_08 => Edition::V2000_08,
        }
    }
}

/// The whole server (IEC 60870-6-503 VCC with its ICCs and bilateral tables).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// The edition of `TASE2_Version` and of the DSTransferSet objects.
    #[serde(default)]
    pub edition: EditionConfig,
    /// The conformance blocks announced in `Supported_Features` (1 to 9; default 1, 2, 4, 5:
    /// what this server implements).
    #[serde(default = "default_blocks")]
    pub supported_blocks: Vec<u8>,
    /// Identify's answer (ISO 9506-1 §10.7): vendor, model, revision.
    #[serde(default)]
    pub identity: Option<IdentityConfig>,
    /// VCC-scope (VMD-specific) objects.
    #[serde(default)]
    pub vcc: VccConfig,
    /// The ICCs (MMS domains), one per bilateral partner as a rule.
    #[serde(default)]
    pub iccs: Vec<IccConfig>,
    /// The bilateral tables; none at all is open mode (everybody admitted with read access).
    #[serde(default)]
    pub bilateral_tables: Vec<BilateralTableConfig>,
    /// Timers.
    #[serde(default)]
    pub timing: TimingConfig,
    /// Bounds on what clients may create and on the report queues.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// The information-buffer sizes offered for Block 4 messages (`Info_Buff_<n>`); a
    /// message goes in the smallest that holds it. Default `[128, 1024]`.
    #[serde(default = "default_buffers")]
    pub info_buffer_sizes: Vec<u32>,
}

fn default_blocks() -> Vec<u8> {
    vec![1, 2, 4, 5]
}

fn default_buffers() -> Vec<u32> {
    vec![128, 1024]
}

impl Default for Config {
    fn default() -> Self {
        Config {
            edition: EditionConfig::default(),
            supported_blocks: default_blocks(),
            identity: None,
            vcc: VccConfig::default(),
            iccs: Vec::new(),
            bilateral_tables: Vec::new(),
            timing: TimingConfig::default(),
            limits: LimitsConfig::default(),
            info_buffer_sizes: default_buffers(),
        }
    }
}

crate::setters!(Config {
    /// the edition.
    edition: EditionConfig => with_edition,
    /// the conformance blocks announced.
    supported_blocks: Vec<u8> => with_supported_blocks,
    /// Identify's answer.
    identity: Option<IdentityConfig> => with_identity,
    /// the VCC-scope objects.
    vcc: VccConfig => with_vcc,
    /// the ICCs.
    iccs: Vec<IccConfig> => with_iccs,
    /// the bilateral tables.
    bilateral_tables: Vec<BilateralTableConfig> => with_bilateral_tables,
    /// the timers.
    timing: TimingConfig => with_timing,
    /// the limits.
    limits: LimitsConfig => with_limits,
    /// the information-buffer sizes.
    info_buffer_sizes: Vec<u32> => with_info_buffer_sizes,
});

impl Config {
    /// An empty configuration: edition 2000.08, blocks 1, 2, 4, 5, no ICC, open mode.
    pub fn new() -> Config {
        Config::default()
    }

    /// Parses a JSON configuration (docs/tase2-server.md, "Configuration").
    pub fn from_json_str(text: &str) -> Result<Config, ConfigError> {
        serde_json::from_str(text).map_err(|e| ConfigError::Json(e.to_string()))
    }

    /// Reads a JSON configuration file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let p = path.as_ref();
        let text = std::fs::read_to_string(p).map_err(|e| ConfigError::Io {
            path: p.display().to_string(),
            reason: e.to_string(),
        })?;
        Config::from_json_str(&text)
    }

    /// The configuration as pretty JSON.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Identify's answer (ISO 9506-1 §10.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityConfig {
    /// vendorName.
    pub vendor: String,
    /// modelName.
    pub model: String,
    /// revision.
    pub revision: String,
}

impl IdentityConfig {
    /// An identity.
    pub fn new(vendor: &str, model: &str, revision: &str) -> IdentityConfig {
        IdentityConfig {
            vendor: vendor.into(),
            model: model.into(),
            revision: revision.into(),
        }
    }
}

/// VCC-scope objects: points, devices and data sets every partner may see (subject to its
/// bilateral table).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct VccConfig {
    /// Indication points (Block 1).
    #[serde(default)]
    pub points: Vec<PointConfig>,
    /// Control devices (Block 5).
    #[serde(default)]
    pub devices: Vec<DeviceConfig>,
    /// Data sets (named variable lists) defined by the server.
    #[serde(default)]
    pub data_sets: Vec<DataSetConfig>,
}

crate::setters!(VccConfig {
    /// the points.
    points: Vec<PointConfig> => with_points,
    /// the devices.
    devices: Vec<DeviceConfig> => with_devices,
    /// the data sets.
    data_sets: Vec<DataSetConfig> => with_data_sets,
});

/// One ICC: an MMS domain with its points, devices, data sets and DS transfer-set pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct IccConfig {
    /// The domain name (an identifier of at most 32 characters).
    pub name: String,
    /// The `Bilateral_Table_ID` read by partners without a table of their own (open mode).
    /// A partner with a bilateral table reads its table's `id`.
    #[serde(default)]
    pub bilateral_table_id: String,
    /// How many DS transfer sets the domain holds (`DSTransferSet01` …); default 8.
    #[serde(default = "default_transfer_sets")]
    pub transfer_sets: usize,
    /// Indication points (Block 1).
    #[serde(default)]
    pub points: Vec<PointConfig>,
    /// Control devices (Block 5).
    #[serde(default)]
    pub devices: Vec<DeviceConfig>,
    /// Data sets defined by the server.
    #[serde(default)]
    pub data_sets: Vec<DataSetConfig>,
}

fn default_transfer_sets() -> usize {
    8
}

impl IccConfig {
    /// An ICC with 8 transfer sets and no objects.
    pub fn new(name: &str) -> IccConfig {
        IccConfig {
            name: name.into(),
            bilateral_table_id: String::new(),
            transfer_sets: default_transfer_sets(),
            points: Vec::new(),
            devices: Vec::new(),
            data_sets: Vec::new(),
        }
    }
}

crate::setters!(IccConfig {
    /// the open-mode Bilateral_Table_ID.
    bilateral_table_id: String => with_bilateral_table_id,
    /// the size of the transfer-set pool.
    transfer_sets: usize => with_transfer_sets,
    /// the points.
    points: Vec<PointConfig> => with_points,
    /// the devices.
    devices: Vec<DeviceConfig> => with_devices,
    /// the data sets.
    data_sets: Vec<DataSetConfig> => with_data_sets,
});

/// One indication point (IEC 60870-6-802 Block 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PointConfig {
    /// The variable name.
    pub name: String,
    /// The point type, by its IEC 60870-6-802 name (`Data_RealQTimeTag`, …).
    #[serde(rename = "type")]
    pub point_type: String,
    /// The initial value in the model-file value syntax (docs/model-format.md); default: all
    /// zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
}

impl PointConfig {
    /// A point of type `point_type` (an IEC 60870-6-802 type name) with a zero value.
    pub fn new(name: &str, point_type: &str) -> PointConfig {
        PointConfig {
            name: name.into(),
            point_type: point_type.into(),
            value: None,
        }
    }
}

/// What a device takes (IEC 60870-6-802 Block 5 control objects).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeviceKind {
    /// Control_Command, integer(16): 0 off / trip / open / lower, 1 on / close / raise.
    Command,
    /// Control_Setpoint_Real, floating-point(32, 8).
    SetpointReal,
    /// Control_Setpoint_Discrete, integer(16).
    SetpointDiscrete,
}

/// One control device (Block 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DeviceConfig {
    /// The device variable's name (the `_SBO` and `_TAG` variables take it as prefix).
    pub name: String,
    /// Command or set-point.
    pub kind: DeviceKind,
    /// Select-before-operate: a Read of `<name>_SBO` must arm the device before the Write.
    #[serde(default)]
    pub sbo: bool,
    /// The SBO CheckBackName the select returns.
    #[serde(default)]
    pub check_back_id: i16,
    /// Whether the device has a `<name>_TAG` variable.
    #[serde(default)]
    pub tag: bool,
    /// This device's select timeout in milliseconds (default: `timing.select_timeout_ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select_timeout_ms: Option<u64>,
}

impl DeviceConfig {
    /// A direct-operate device without tag.
    pub fn new(name: &str, kind: DeviceKind) -> DeviceConfig {
        DeviceConfig {
            name: name.into(),
            kind,
            sbo: false,
            check_back_id: 0,
            tag: false,
            select_timeout_ms: None,
        }
    }
}

crate::setters!(DeviceConfig {
    /// select-before-operate.
    sbo: bool => with_sbo,
    /// the CheckBackName.
    check_back_id: i16 => with_check_back_id,
    /// whether the device has a tag.
    tag: bool => with_tag,
    /// the select timeout in milliseconds.
    select_timeout_ms: Option<u64> => with_select_timeout_ms,
});

/// A data set (named variable list) the server defines (IEC 60870-6-503 data sets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DataSetConfig {
    /// The list's name.
    pub name: String,
    /// Its members: `item`, `DOMAIN/item` or `/item` (VCC scope); the special variables
    /// `Transfer_Set_Name`, `Transfer_Set_Time_Stamp`, `DSConditions_Detected` and
    /// `Event_Code_Detected` go first as a rule.
    pub members: Vec<String>,
}

impl DataSetConfig {
    /// A data set.
    pub fn new(name: &str, members: &[&str]) -> DataSetConfig {
        DataSetConfig {
            name: name.into(),
            members: members.iter().map(|m| m.to_string()).collect(),
        }
    }
}

/// The transport security a partner must use ([`TransportRequirement`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransportConfig {
    /// Plain or TLS.
    #[default]
    DontCare,
    /// Plain RFC 1006 only.
    NonSecure,
    /// TLS only.
    Secure,
}

/// The application security a partner must use at least ([`ApplicationRequirement`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ApplicationConfig {
    /// No requirement.
    #[default]
    NonSecure,
    /// Authenticated by the IEC 62351-4 A-security-profile (or end-to-end security).
    Secure,
    /// End-to-end security.
    EndToEnd,
}

/// A partner's security level, checked against every association it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SecurityConfig {
    /// Transport security.
    #[serde(default)]
    pub transport: TransportConfig,
    /// Application security, at least.
    #[serde(default)]
    pub application: ApplicationConfig,
}

impl SecurityConfig {
    /// A security level.
    pub fn new(transport: TransportConfig, application: ApplicationConfig) -> SecurityConfig {
        SecurityConfig {
            transport,
            application,
        }
    }

    /// The [`PeerPolicy`] it stands for.
    pub fn policy(self) -> PeerPolicy {
        let t = match self.transport {
            TransportConfig::DontCare => TransportRequirement::DontCare,
            TransportConfig::NonSecure => TransportRequirement::NonSecure,
            TransportConfig::Secure => TransportRequirement::Secure,
        };
        let a = match self.application {
            ApplicationConfig::NonSecure => ApplicationRequirement::NonSecure,
            ApplicationConfig::Secure => ApplicationRequirement::Secure,
            ApplicationConfig::EndToEnd => ApplicationRequirement::EndToEnd,
        };
        PeerPolicy::new(t, a)
    }
}

/// What a partner may do with one device (IEC 60870-6-802 Block 5 rights in a bilateral
/// table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DeviceRightConfig {
    /// The device (`item`, `DOMAIN/item` or `/item`).
    pub device: String,
    /// Select (for SBO devices) and operate.
    #[serde(default)]
    pub operate: bool,
    /// Write `<device>_TAG`.
    #[serde(default)]
    pub set_tag: bool,
    /// Read `<device>_TAG` (and report it in data sets).
    #[serde(default)]
    pub get_tag: bool,
}

impl DeviceRightConfig {
    /// Every right on `device`.
    pub fn all(device: &str) -> DeviceRightConfig {
        DeviceRightConfig {
            device: device.into(),
            operate: true,
            set_tag: true,
            get_tag: true,
        }
    }

    /// No right on `device` (set the fields wanted).
    pub fn none(device: &str) -> DeviceRightConfig {
        DeviceRightConfig {
            device: device.into(),
            operate: false,
            set_tag: false,
            get_tag: false,
        }
    }
}

/// The scope of an information message (IEC 60870-6-802 Block 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessageScopeConfig {
    /// VCC-scope messages.
    #[default]
    Vcc,
    /// ICC-scope messages (of the table's ICC).
    Icc,
}

/// Information messages a partner may receive: by InfoReference, optionally LocalReference,
/// and scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct InfoMessageRightConfig {
    /// The InfoReference.
    pub info_reference: i32,
    /// The LocalReference; absent: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_reference: Option<i32>,
    /// The scope.
    #[serde(default)]
    pub scope: MessageScopeConfig,
}

impl InfoMessageRightConfig {
    /// Messages of `info_reference` (any LocalReference) in `scope`.
    pub fn new(info_reference: i32, scope: MessageScopeConfig) -> InfoMessageRightConfig {
        InfoMessageRightConfig {
            info_reference,
            local_reference: None,
            scope,
        }
    }
}

/// One bilateral table (IEC 60870-6-503 §8 Bilateral Table): who the partner is, its ICC
/// domain, what it may read, write, operate and receive, and its security level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct BilateralTableConfig {
    /// The table's `Bilateral_Table_ID` (at most 32 characters), read by the partner in its
    /// ICC domain.
    pub id: String,
    /// The partner's calling AP-title (dotted OID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ap_title: Option<String>,
    /// The partner's calling AE-qualifier; absent: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ae_qualifier: Option<i64>,
    /// The partner's IP address; absent: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<IpAddr>,
    /// The subject of the certificate the association's security provider authenticated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_subject: Option<String>,
    /// The ICC domain the partner uses.
    pub icc: String,
    /// The security level the partner's associations must have.
    #[serde(default)]
    pub security: SecurityConfig,
    /// Points the partner may read (and put in data sets); `"*"` for every point.
    #[serde(default)]
    pub read: Vec<String>,
    /// Points the partner may write; `"*"` for every point.
    #[serde(default)]
    pub write: Vec<String>,
    /// Devices and what the partner may do with each.
    #[serde(default)]
    pub devices: Vec<DeviceRightConfig>,
    /// The information messages the partner may receive.
    #[serde(default)]
    pub info_messages: Vec<InfoMessageRightConfig>,
}

impl BilateralTableConfig {
    /// A table `id` for the partner with calling AP-title `ap_title` (dotted) and
    /// AE-qualifier `ae_qualifier`, on ICC `icc`, with no rights.
    pub fn new(
        id: &str,
        ap_title: &str,
        ae_qualifier: Option<i64>,
        icc: &str,
    ) -> BilateralTableConfig {
        BilateralTableConfig {
            id: id.into(),
            ap_title: Some(ap_title.into()),
            ae_qualifier,
            address: None,
            certificate_subject: None,
            icc: icc.into(),
            security: SecurityConfig::default(),
            read: Vec::new(),
            write: Vec::new(),
            devices: Vec::new(),
            info_messages: Vec::new(),
        }
    }
}

crate::setters!(BilateralTableConfig {
    /// the partner's IP address.
    address: Option<IpAddr> => with_address,
    /// the certificate subject.
    certificate_subject: Option<String> => with_certificate_subject,
    /// the security level.
    security: SecurityConfig => with_security,
    /// the readable points.
    read: Vec<String> => with_read,
    /// the writable points.
    write: Vec<String> => with_write,
    /// the device rights.
    devices: Vec<DeviceRightConfig> => with_devices,
    /// the information messages.
    info_messages: Vec<InfoMessageRightConfig> => with_info_messages,
});

/// Timers (milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TimingConfig {
    /// How long a select (Read of `<device>_SBO`) stays armed; default 10 000 (libtase2's
    /// value; the standard's is not public).
    #[serde(default = "default_select_timeout")]
    pub select_timeout_ms: u64,
    /// How long a critical report waits for its Transfer_Report_ACK before the application
    /// hears of it; default 5 000.
    #[serde(default = "default_ack_timeout")]
    pub critical_ack_timeout_ms: u64,
    /// Send a full data-set report when a transfer set is enabled; default off (libtase2).
    #[serde(default)]
    pub initial_report: bool,
}

fn default_select_timeout() -> u64 {
    10_000
}

fn default_ack_timeout() -> u64 {
    5_000
}

impl Default for TimingConfig {
    fn default() -> Self {
        TimingConfig {
            select_timeout_ms: default_select_timeout(),
            critical_ack_timeout_ms: default_ack_timeout(),
            initial_report: false,
        }
    }
}

crate::setters!(TimingConfig {
    /// the select timeout.
    select_timeout_ms: u64 => with_select_timeout_ms,
    /// the critical-report ACK timeout.
    critical_ack_timeout_ms: u64 => with_critical_ack_timeout_ms,
    /// the initial report on enable.
    initial_report: bool => with_initial_report,
});

impl TimingConfig {
    pub(crate) fn ack_timeout(&self) -> Duration {
        Duration::from_millis(self.critical_ack_timeout_ms)
    }
}

/// Bounds (docs/tase2-server.md, "Limits").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct LimitsConfig {
    /// Data sets one association may define (DefineNamedVariableList); default 16.
    #[serde(default = "default_data_sets")]
    pub data_sets_per_association: usize,
    /// DS transfer sets one association may hold; default 8.
    #[serde(default = "default_sets_per_association")]
    pub transfer_sets_per_association: usize,
    /// Changes one transfer set buffers for AllChangesReported; the oldest go beyond it.
    /// Default 256.
    #[serde(default = "default_pending")]
    pub buffered_changes: usize,
    /// Critical reports one transfer set keeps waiting for an ACK; default 64.
    #[serde(default = "default_outstanding")]
    pub outstanding_critical: usize,
    /// Delete the data sets a client defined when its association ends; default true.
    #[serde(default = "default_true")]
    pub delete_client_data_sets: bool,
}

fn default_data_sets() -> usize {
    16
}
fn default_sets_per_association() -> usize {
    8
}
fn default_pending() -> usize {
    256
}
fn default_outstanding() -> usize {
    64
}
fn default_true() -> bool {
    true
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            data_sets_per_association: default_data_sets(),
            transfer_sets_per_association: default_sets_per_association(),
            buffered_changes: default_pending(),
            outstanding_critical: default_outstanding(),
            delete_client_data_sets: true,
        }
    }
}

crate::setters!(LimitsConfig {
    /// the data sets per association.
    data_sets_per_association: usize => with_data_sets_per_association,
    /// the transfer sets per association.
    transfer_sets_per_association: usize => with_transfer_sets_per_association,
    /// the AllChangesReported buffer.
    buffered_changes: usize => with_buffered_changes,
    /// the outstanding critical reports per transfer set.
    outstanding_critical: usize => with_outstanding_critical,
    /// whether client data sets go with their association.
    delete_client_data_sets: bool => with_delete_client_data_sets,
});

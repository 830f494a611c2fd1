//! The server's objects: the directory that tells what each MMS name is (an association
//! object, a special report variable, a transfer set, a point, a device …) and the MMS object
//! model ([`crate::server::model::Model`]) built from the configuration, which serves the
//! plain MMS side (GetNameList, GetVariableAccessAttributes, named variable lists, reads of
//! stored values) (docs/tase2-server.md, "How it is built").

use std::collections::HashMap;
use std::time::Duration;

use crate::common::ObjectName;
use crate::data::Data;
use crate::server::model::{Model, ModelBuilder, ScopeBuilder, VariableList, WriteAccess};
use crate::tase2::association::{Edition, SupportedFeatures};
use crate::tase2::names::{self, MmsObjectName};
use crate::tase2::point::PointType;
use crate::tase2::time::TimeStamp;
use crate::tase2::transfer_set::{DsConditions, DsTransferSet, EventCode};
use crate::tase2::{TagValue, Tase2Type};
use crate::types::TypeDescription;

use super::config::{Config, ConfigError, DataSetConfig, DeviceConfig, DeviceKind, PointConfig};

/// A VMD- or domain-specific name as a map key: (domain, item); `None` domain = VCC scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Key {
    pub domain: Option<String>,
    pub item: String,
}

impl Key {
    pub fn vcc(item: &str) -> Key {
        Key {
            domain: None,
            item: item.to_string(),
        }
    }

    pub fn icc(domain: &str, item: &str) -> Key {
        Key {
            domain: Some(domain.to_string()),
            item: item.to_string(),
        }
    }

    /// The key of a VMD- or domain-specific name (`None` for association-specific names).
    pub fn of(n: &ObjectName<'_>) -> Option<Key> {
        match n {
            ObjectName::VmdSpecific(i) => Some(Key::vcc(i)),
            ObjectName::DomainSpecific { domain_id, item_id } => Some(Key::icc(domain_id, item_id)),
            ObjectName::AaSpecific(_) => None,
        }
    }

    pub fn name(&self) -> ObjectName<'static> {
        match &self.domain {
            None => ObjectName::vmd(self.item.clone()),
            Some(d) => ObjectName::domain(d.clone(), self.item.clone()),
        }
    }

    /// A name written `item` (in `context`, VCC scope when `None`), `DOMAIN/item` or `/item`
    /// (VCC scope) (docs/tase2-server.md, "Configuration").
    pub fn parse(s: &str, context: Option<&str>) -> Key {
        if let Some(rest) = s.strip_prefix('/') {
            Key::vcc(rest)
        } else if let Some((d, i)) = s.split_once('/') {
            Key::icc(d, i)
        } else {
            match context {
                Some(d) => Key::icc(d, s),
                None => Key::vcc(s),
            }
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.domain {
            Some(d) => write!(f, "{d}/{}", self.item),
            None => write!(f, "/{}", self.item),
        }
    }
}

/// The special variables of data sets and reports (IEC 60870-6-802; docs/tase2.md, "Object
/// names").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Special {
    TransferSetName,
    TimeStamp,
    Conditions,
    EventCode,
}

impl Special {
    pub const ALL: [Special; 4] = [
        Special::TransferSetName,
        Special::TimeStamp,
        Special::Conditions,
        Special::EventCode,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Special::TransferSetName => names::TRANSFER_SET_NAME,
            Special::TimeStamp => names::TRANSFER_SET_TIME_STAMP,
            Special::Conditions => names::DS_CONDITIONS_DETECTED,
            Special::EventCode => names::EVENT_CODE_DETECTED,
        }
    }

    fn type_description(self) -> TypeDescription<'static> {
        match self {
            Special::TransferSetName => MmsObjectName::type_description(),
            Special::TimeStamp => TimeStamp::type_description(),
            Special::Conditions => DsConditions::type_description(),
            Special::EventCode => EventCode::type_description(),
        }
    }
}

/// What an MMS name is in the TASE.2 server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Obj {
    /// `TASE2_Version`.
    Version,
    /// `Supported_Features`.
    Features,
    /// `<ICC>/Bilateral_Table_ID`.
    BltId(usize),
    /// `<ICC>/Next_DSTransfer_Set`.
    NextDsts(usize),
    /// A special report variable of an ICC.
    Special(Special),
    /// `Transfer_Report_ACK` / `Transfer_Report_NACK` (sent by clients, never read or written).
    AckVar,
    /// A DS transfer set (index into [`Directory::transfer_sets`]).
    TransferSet(usize),
    /// An indication point (index into [`Directory::points`]).
    Point(usize),
    /// A device (index into [`Directory::devices`]).
    Device(usize),
    /// `<device>_SBO`.
    Sbo(usize),
    /// `<device>_TAG`.
    Tag(usize),
}

/// One indication point.
#[derive(Debug, Clone)]
pub(crate) struct PointEntry {
    pub key: Key,
    pub point_type: PointType,
}

/// One device.
#[derive(Debug, Clone)]
pub(crate) struct DeviceEntry {
    pub key: Key,
    pub kind: DeviceKind,
    pub sbo: bool,
    pub check_back_id: i16,
    pub tag: bool,
    pub select_timeout: Duration,
}

impl DeviceEntry {
    pub fn tag_key(&self) -> Key {
        Key {
            domain: self.key.domain.clone(),
            item: format!("{}{}", self.key.item, names::TAG_SUFFIX),
        }
    }
}

/// One ICC.
#[derive(Debug, Clone)]
pub(crate) struct IccEntry {
    pub name: String,
    pub default_blt_id: String,
}

/// One DS transfer set (static part).
#[derive(Debug, Clone)]
pub(crate) struct TsEntry {
    pub icc: usize,
    pub key: Key,
    pub mms_name: MmsObjectName,
}

/// Everything the server knows by name.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    pub map: HashMap<Key, Obj>,
    pub iccs: Vec<IccEntry>,
    pub icc_index: HashMap<String, usize>,
    pub points: Vec<PointEntry>,
    pub devices: Vec<DeviceEntry>,
    pub transfer_sets: Vec<TsEntry>,
}

impl Directory {
    pub fn get_key(&self, k: &Key) -> Option<Obj> {
        self.map.get(k).copied()
    }

    pub fn icc_of(&self, domain: &str) -> Option<usize> {
        self.icc_index.get(domain).copied()
    }

    fn insert(&mut self, key: Key, obj: Obj, at: &str) -> Result<(), ConfigError> {
        if self.map.contains_key(&key) {
            return Err(ConfigError::invalid(at, format!("{key} is defined twice")));
        }
        self.map.insert(key, obj);
        Ok(())
    }
}

fn check_name(name: &str, at: &str) -> Result<(), ConfigError> {
    names::check_identifier(name, "name").map_err(|e| ConfigError::invalid(at, e.to_string()))
}

/// The device variable's MMS type.
pub(crate) fn device_type(kind: DeviceKind) -> TypeDescription<'static> {
    match kind {
        DeviceKind::Command | DeviceKind::SetpointDiscrete => TypeDescription::Integer(16),
        DeviceKind::SetpointReal => f32::type_description(),
    }
}

/// The name `<ICC>/DSTransferSetNN` of the `n`-th (from 1) transfer set.
pub(crate) fn transfer_set_item(n: usize) -> String {
    format!("DSTransferSet{n:02}")
}

struct Builder<'c> {
    config: &'c Config,
    dir: Directory,
    edition: Edition,
    err: Option<ConfigError>,
}

/// Evaluates a `Result`; on error records it in the builder and returns the scope builder.
macro_rules! attempt {
    ($b:expr, $sb:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => {
                $b.err = Some(e);
                return $sb;
            }
        }
    };
}

impl Builder<'_> {
    fn points(
        &mut self,
        mut sb: ScopeBuilder,
        domain: Option<&str>,
        points: &[PointConfig],
        at: &str,
    ) -> ScopeBuilder {
        if self.err.is_some() {
            return sb;
        }
        for (i, p) in points.iter().enumerate() {
            let at = format!("{at}.points[{i}]");
            let (td, value) = attempt!(self, sb, self.point(domain, p, &at));
            sb = sb.variable_with(&p.name, td, value, WriteAccess::All);
        }
        sb
    }

    fn point(
        &mut self,
        domain: Option<&str>,
        p: &PointConfig,
        at: &str,
    ) -> Result<(TypeDescription<'static>, Option<Data<'static>>), ConfigError> {
        check_name(&p.name, &format!("{at}.name"))?;
        let ty = PointType::from_name(&p.point_type).ok_or_else(|| {
            ConfigError::invalid(
                format!("{at}.type"),
                format!("unknown point type {}", p.point_type),
            )
        })?;
        let td = ty.type_description();
        let value = match &p.value {
            Some(v) => Some(
                crate::server::model::format::value_from_json(&td, v, &format!("{at}.value"))
                    .map_err(|e| ConfigError::invalid(format!("{at}.value"), e.to_string()))?,
            ),
            None => None,
        };
        let key = Key {
            domain: domain.map(str::to_string),
            item: p.name.clone(),
        };
        let index = self.dir.points.len();
        self.dir.insert(key.clone(), Obj::Point(index), at)?;
        self.dir.points.push(PointEntry {
            key,
            point_type: ty,
        });
        Ok((td, value))
    }

    fn devices(
        &mut self,
        mut sb: ScopeBuilder,
        domain: Option<&str>,
        devices: &[DeviceConfig],
        at: &str,
    ) -> ScopeBuilder {
        if self.err.is_some() {
            return sb;
        }
        for (i, d) in devices.iter().enumerate() {
            let at = format!("{at}.devices[{i}]");
            attempt!(self, sb, check_name(&d.name, &format!("{at}.name")));
            let key = Key {
                domain: domain.map(str::to_string),
                item: d.name.clone(),
            };
            let index = self.dir.devices.len();
            attempt!(
                self,
                sb,
                self.dir.insert(key.clone(), Obj::Device(index), &at)
            );
            sb = sb.variable_with(&d.name, device_type(d.kind), None, WriteAccess::None);
            if d.sbo {
                let sbo = format!("{}{}", d.name, names::SBO_SUFFIX);
                attempt!(self, sb, check_name(&sbo, &format!("{at}.name")));
                attempt!(
                    self,
                    sb,
                    self.dir.insert(
                        Key {
                            domain: key.domain.clone(),
                            item: sbo.clone(),
                        },
                        Obj::Sbo(index),
                        &at,
                    )
                );
                sb = sb.variable_with(
                    &sbo,
                    TypeDescription::Integer(16),
                    Some(Data::Integer(i64::from(d.check_back_id))),
                    WriteAccess::None,
                );
            }
            if d.tag {
                let tag = format!("{}{}", d.name, names::TAG_SUFFIX);
                attempt!(self, sb, check_name(&tag, &format!("{at}.name")));
                attempt!(
                    self,
                    sb,
                    self.dir.insert(
                        Key {
                            domain: key.domain.clone(),
                            item: tag.clone(),
                        },
                        Obj::Tag(index),
                        &at,
                    )
                );
                sb = sb.variable_with(&tag, TagValue::type_description(), None, WriteAccess::None);
            }
            let timeout = d
                .select_timeout_ms
                .unwrap_or(self.config.timing.select_timeout_ms);
            self.dir.devices.push(DeviceEntry {
                key,
                kind: d.kind,
                sbo: d.sbo,
                check_back_id: d.check_back_id,
                tag: d.tag,
                select_timeout: Duration::from_millis(timeout),
            });
        }
        sb
    }

    fn icc_objects(
        &mut self,
        mut sb: ScopeBuilder,
        icc: usize,
        count: usize,
        at: &str,
    ) -> ScopeBuilder {
        if self.err.is_some() {
            return sb;
        }
        let mut vars: Vec<(String, TypeDescription<'static>, Option<Data<'static>>)> = Vec::new();
        if let Err(e) = self.icc_entries(icc, count, at, &mut vars) {
            self.err = Some(e);
            return sb;
        }
        for (n, t, v) in vars {
            sb = sb.variable_with(&n, t, v, WriteAccess::None);
        }
        sb
    }

    fn icc_entries(
        &mut self,
        icc: usize,
        count: usize,
        at: &str,
        vars: &mut Vec<(String, TypeDescription<'static>, Option<Data<'static>>)>,
    ) -> Result<(), ConfigError> {
        let (name, id) = match self.dir.iccs.get(icc) {
            Some(i) => (i.name.clone(), i.default_blt_id.clone()),
            None => return Err(ConfigError::invalid(at, "no such ICC")),
        };
        let id_value = crate::tase2::BilateralTableId::new(&id)
            .map_err(|e| ConfigError::invalid(format!("{at}.bilateral_table_id"), e.to_string()))?;
        self.dir.insert(
            Key::icc(&name, names::BILATERAL_TABLE_ID),
            Obj::BltId(icc),
            at,
        )?;
        vars.push((
            names::BILATERAL_TABLE_ID.into(),
            crate::tase2::BilateralTableId::type_description(),
            Some(id_value.to_data()),
        ));
        self.dir.insert(
            Key::icc(&name, names::NEXT_DS_TRANSFER_SET),
            Obj::NextDsts(icc),
            at,
        )?;
        vars.push((
            names::NEXT_DS_TRANSFER_SET.into(),
            MmsObjectName::type_description(),
            None,
        ));
        for s in Special::ALL {
            self.dir
                .insert(Key::icc(&name, s.name()), Obj::Special(s), at)?;
            vars.push((s.name().into(), s.type_description(), None));
        }
        for n in [names::TRANSFER_REPORT_ACK, names::TRANSFER_REPORT_NACK] {
            self.dir.insert(Key::icc(&name, n), Obj::AckVar, at)?;
            vars.push((n.into(), MmsObjectName::type_description(), None));
        }
        if count > 99 {
            return Err(ConfigError::invalid(
                format!("{at}.transfer_sets"),
                "at most 99 transfer sets per ICC",
            ));
        }
        for n in 1..=count {
            let item = transfer_set_item(n);
            let key = Key::icc(&name, &item);
            let index = self.dir.transfer_sets.len();
            self.dir.insert(key.clone(), Obj::TransferSet(index), at)?;
            let mms_name = MmsObjectName::icc(&name, &item)
                .map_err(|e| ConfigError::invalid(at, e.to_string()))?;
            // A free set names no data set yet: an ICC-scope name with an empty Name would not
            // pass the identifier check, so the initial DataSetName is the empty VCC name.
            let initial = DsTransferSet::new(MmsObjectName {
                scope: names::Scope::Vcc,
                domain_name: String::new(),
                name: String::new(),
            });
            vars.push((
                item,
                DsTransferSet::type_description(self.edition),
                Some(initial.to_data(self.edition)),
            ));
            self.dir.transfer_sets.push(TsEntry { icc, key, mms_name });
        }
        Ok(())
    }
}

fn data_set_members(
    ds: &DataSetConfig,
    context: Option<&str>,
    at: &str,
) -> Result<Vec<ObjectName<'static>>, ConfigError> {
    check_name(&ds.name, &format!("{at}.name"))?;
    if ds.members.is_empty() {
        return Err(ConfigError::invalid(
            format!("{at}.members"),
            "a data set needs members",
        ));
    }
    Ok(ds
        .members
        .iter()
        .map(|m| Key::parse(m, context).name())
        .collect())
}

/// Builds the directory and the MMS model of `config`. `access` is installed as the model's
/// access control.
pub(crate) fn build(
    config: &Config,
    access: impl crate::server::model::AccessControl,
) -> Result<(Directory, Model), ConfigError> {
    let edition = config.edition.edition();
    let mut b = Builder {
        config,
        dir: Directory::default(),
        edition,
        err: None,
    };
    for (i, icc) in config.iccs.iter().enumerate() {
        check_name(&icc.name, &format!("iccs[{i}].name"))?;
        if b.dir.icc_index.contains_key(&icc.name) {
            return Err(ConfigError::invalid(
                format!("iccs[{i}].name"),
                "ICC defined twice",
            ));
        }
        b.dir.icc_index.insert(icc.name.clone(), i);
        b.dir.iccs.push(IccEntry {
            name: icc.name.clone(),
            default_blt_id: icc.bilateral_table_id.clone(),
        });
    }
    for (i, blk) in config.supported_blocks.iter().enumerate() {
        // Bits 9-11 ("blocks 10-12") have no known meaning: never set (docs/tase2-server.md,
        // "Decisions").
        if !(1..=9).contains(blk) {
            return Err(ConfigError::invalid(
                format!("supported_blocks[{i}]"),
                "blocks are numbered 1 to 9",
            ));
        }
    }
    let mut mb: ModelBuilder = Model::builder();
    if let Some(id) = &config.identity {
        mb = mb.identity(&id.vendor, &id.model, &id.revision);
    } else {
        mb = mb.identity("osi-mms", "TASE.2 server", env!("CARGO_PKG_VERSION"));
    }
    // VCC scope.
    mb = mb.vmd(|sb| {
        let sb = sb
            .variable(
                names::TASE2_VERSION,
                crate::tase2::Tase2Version::type_description(),
                edition.version().to_data(),
            )
            .variable(
                names::SUPPORTED_FEATURES,
                SupportedFeatures::type_description(),
                SupportedFeatures::from_blocks(config.supported_blocks.iter().copied()).to_data(),
            );
        let sb = b.points(sb, None, &config.vcc.points, "vcc");
        b.devices(sb, None, &config.vcc.devices, "vcc")
    });
    if let Some(e) = b.err.take() {
        return Err(e);
    }
    b.dir
        .insert(Key::vcc(names::TASE2_VERSION), Obj::Version, "vcc")?;
    b.dir
        .insert(Key::vcc(names::SUPPORTED_FEATURES), Obj::Features, "vcc")?;
    for (i, icc) in config.iccs.iter().enumerate() {
        let at = format!("iccs[{i}]");
        mb = mb.domain(&icc.name, |sb| {
            let sb = b.icc_objects(sb, i, icc.transfer_sets, &at);
            let sb = b.points(sb, Some(&icc.name), &icc.points, &at);
            b.devices(sb, Some(&icc.name), &icc.devices, &at)
        });
        if let Some(e) = b.err.take() {
            return Err(e);
        }
    }
    let model = mb
        .access_control(access)
        .build()
        .map_err(|e| ConfigError::invalid("model", e.to_string()))?;
    // Data sets: inserted directly, since members may be of any scope.
    let mut lists: Vec<(Option<String>, String, Vec<ObjectName<'static>>, String)> = Vec::new();
    for (i, ds) in config.vcc.data_sets.iter().enumerate() {
        let at = format!("vcc.data_sets[{i}]");
        lists.push((None, ds.name.clone(), data_set_members(ds, None, &at)?, at));
    }
    for (i, icc) in config.iccs.iter().enumerate() {
        for (j, ds) in icc.data_sets.iter().enumerate() {
            let at = format!("iccs[{i}].data_sets[{j}]");
            lists.push((
                Some(icc.name.clone()),
                ds.name.clone(),
                data_set_members(ds, Some(&icc.name), &at)?,
                at,
            ));
        }
    }
    {
        let mut objs = model.objects_mut();
        for (domain, name, members, at) in lists {
            for m in &members {
                if objs.find(m).is_none() {
                    return Err(ConfigError::invalid(
                        format!("{at}.members"),
                        format!("no variable {m}"),
                    ));
                }
            }
            let scope = match &domain {
                None => &mut objs.vmd,
                Some(d) => objs
                    .domains
                    .get_mut(d)
                    .ok_or_else(|| ConfigError::invalid(&at, "no such domain"))?,
            };
            if scope.lists.contains_key(&name) {
                return Err(ConfigError::invalid(at, "data set defined twice"));
            }
            scope.lists.insert(
                name,
                VariableList {
                    members: members
                        .into_iter()
                        .map(|n| crate::server::model::ListMember {
                            name: n,
                            alternate_access: None,
                        })
                        .collect(),
                    deletable: false,
                },
            );
        }
    }
    Ok((b.dir, model))
}

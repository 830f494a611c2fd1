//! Object names of IEC 60870-6-802 and the `MMSObjectName` structure that carries a name as a
//! value (Next_DSTransfer_Set, Transfer_Set_Name, Transfer_Report_ACK/NACK, a DSTransferSet's
//! DataSetName) (docs/tase2.md, "Object names").

use std::borrow::Cow;

use super::error::{
    components, structure_type, unsigned, visible, visible_string, Result, Tase2Error,
};
use super::Tase2Type;
use crate::common::ObjectName;
use crate::data::Data;
use crate::types::TypeDescription;

/// VMD-scope variable `TASE2_Version` ([`super::Tase2Version`]).
pub const TASE2_VERSION: &str = "TASE2_Version";
/// VMD-scope variable `Supported_Features` ([`super::SupportedFeatures`]).
pub const SUPPORTED_FEATURES: &str = "Supported_Features";
/// ICC-scope variable `Bilateral_Table_ID` ([`super::BilateralTableId`]).
pub const BILATERAL_TABLE_ID: &str = "Bilateral_Table_ID";
/// ICC-scope variable `Next_DSTransfer_Set`: reading it reserves a DS transfer set and gives
/// its [`MmsObjectName`].
pub const NEXT_DS_TRANSFER_SET: &str = "Next_DSTransfer_Set";
/// ICC-scope special variable `Transfer_Set_Name` ([`MmsObjectName`] of the reporting
/// transfer set).
pub const TRANSFER_SET_NAME: &str = "Transfer_Set_Name";
/// ICC-scope special variable `Transfer_Set_Time_Stamp` ([`super::TimeStamp`] of the report).
pub const TRANSFER_SET_TIME_STAMP: &str = "Transfer_Set_Time_Stamp";
/// ICC-scope special variable `DSConditions_Detected` ([`super::DsConditions`]).
pub const DS_CONDITIONS_DETECTED: &str = "DSConditions_Detected";
/// ICC-scope special variable `Event_Code_Detected` ([`super::EventCode`]).
pub const EVENT_CODE_DETECTED: &str = "Event_Code_Detected";
/// ICC-scope variable `Transfer_Report_ACK` ([`MmsObjectName`], sent by the client).
pub const TRANSFER_REPORT_ACK: &str = "Transfer_Report_ACK";
/// ICC-scope variable `Transfer_Report_NACK` ([`MmsObjectName`], sent by the client).
pub const TRANSFER_REPORT_NACK: &str = "Transfer_Report_NACK";
/// Association-specific Boolean `IM_Transfer_Set`: enables information messages.
pub const IM_TRANSFER_SET: &str = "IM_Transfer_Set";
/// VMD- or ICC-scope variable `Info_Mess_Header` ([`super::InfoMessHeader`]).
pub const INFO_MESS_HEADER: &str = "Info_Mess_Header";
/// Prefix of the information buffers `Info_Buff_<n>` (see [`info_buff_name`]).
pub const INFO_BUFF_PREFIX: &str = "Info_Buff_";
/// Suffix of a device's select variable `<device>_SBO` (Block 5).
pub const SBO_SUFFIX: &str = "_SBO";
/// Suffix of a device's tag variable `<device>_TAG` (Block 5, [`super::TagValue`]).
pub const TAG_SUFFIX: &str = "_TAG";

/// The longest identifier this module builds: 32 characters (docs/tase2.md, "Object
/// names").
pub const MAX_IDENTIFIER_LEN: usize = 32;
/// The longest identifier this module accepts from a peer: 64 characters, for peers that
/// declare their identifiers that long (docs/tase2.md, "Decisions").
pub const MAX_RECEIVED_IDENTIFIER_LEN: usize = 64;

/// The name of the information buffer of `size` octets, `Info_Buff_<size>`.
pub fn info_buff_name(size: u32) -> String {
    format!("{INFO_BUFF_PREFIX}{size}")
}

/// The size in the name of an information buffer `Info_Buff_<n>`; `None` for other names.
pub fn parse_info_buff_name(name: &str) -> Option<u32> {
    let digits = name.strip_prefix(INFO_BUFF_PREFIX)?;
    if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Fails unless `s` is an identifier this module may build: 1 to 32 characters, letters,
/// digits, `_` and `$`, not starting with a digit (ISO 9506-2 Identifier, narrowed as ICCP
/// peers expect; docs/tase2.md, "Object names").
pub fn check_identifier(s: &str, what: &'static str) -> Result<()> {
    if s.len() > MAX_IDENTIFIER_LEN {
        return Err(Tase2Error::TooLong {
            what,
            max: MAX_IDENTIFIER_LEN,
            found: s.len(),
        });
    }
    let ok_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
    match s.as_bytes().first() {
        Some(c) if !c.is_ascii_digit() && s.bytes().all(ok_char) => Ok(()),
        _ => Err(Tase2Error::InvalidCharacter { what }),
    }
}

/// The `Scope` of an [`MmsObjectName`]: Unsigned8, 0 = VCC (VMD-specific), 1 = ICC
/// (domain-specific) (IEC 60870-6-802 MMSObjectName).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// 0: a VCC-scope (VMD-specific) object; the DomainName is empty.
    Vcc,
    /// 1: an ICC-scope (domain-specific) object.
    Icc,
}

impl Scope {
    /// The value sent.
    pub const fn code(self) -> u8 {
        match self {
            Scope::Vcc => 0,
            Scope::Icc => 1,
        }
    }
}

/// `MMSObjectName` (IEC 60870-6-802): structure {`Scope` unsigned(8), `DomainName`
/// identifier, `Name` identifier}, the name of an MMS object carried as a value.
///
/// Decoding accepts Scope sent as `unsigned` or as `integer`; encoding sends `unsigned`
/// (docs/tase2.md, "Decisions"). Identifiers from a peer are accepted up to
/// [`MAX_RECEIVED_IDENTIFIER_LEN`] VisibleString characters; [`MmsObjectName::vcc`] and
/// [`MmsObjectName::icc`] build only names [`check_identifier`] accepts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MmsObjectName {
    /// VCC or ICC scope.
    pub scope: Scope,
    /// The ICC (domain); empty for VCC scope.
    pub domain_name: String,
    /// The object's name.
    pub name: String,
}

impl MmsObjectName {
    /// A VCC-scope name.
    pub fn vcc(name: &str) -> Result<MmsObjectName> {
        check_identifier(name, "MMSObjectName.Name")?;
        Ok(MmsObjectName {
            scope: Scope::Vcc,
            domain_name: String::new(),
            name: name.to_owned(),
        })
    }

    /// An ICC-scope name in domain `domain_name`.
    pub fn icc(domain_name: &str, name: &str) -> Result<MmsObjectName> {
        check_identifier(domain_name, "MMSObjectName.DomainName")?;
        check_identifier(name, "MMSObjectName.Name")?;
        Ok(MmsObjectName {
            scope: Scope::Icc,
            domain_name: domain_name.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The MMS ObjectName it stands for (VMD- or domain-specific).
    pub fn to_object_name(&self) -> ObjectName<'_> {
        match self.scope {
            Scope::Vcc => ObjectName::vmd(Cow::Borrowed(self.name.as_str())),
            Scope::Icc => ObjectName::domain(
                Cow::Borrowed(self.domain_name.as_str()),
                Cow::Borrowed(self.name.as_str()),
            ),
        }
    }

    /// The MMSObjectName of a VMD- or domain-specific ObjectName; `None` for an
    /// association-specific one (TASE.2 names have no such scope).
    pub fn from_object_name(n: &ObjectName<'_>) -> Option<MmsObjectName> {
        match n {
            ObjectName::VmdSpecific(name) => Some(MmsObjectName {
                scope: Scope::Vcc,
                domain_name: String::new(),
                name: name.to_string(),
            }),
            ObjectName::DomainSpecific { domain_id, item_id } => Some(MmsObjectName {
                scope: Scope::Icc,
                domain_name: domain_id.to_string(),
                name: item_id.to_string(),
            }),
            _ => None,
        }
    }
}

/// The MMS type of an identifier inside TASE.2 structures: visible-string of variable length
/// up to 32 (ISO 9506-2 writes the size negative; docs/tase2.md, "Object names").
pub(crate) const IDENTIFIER_TYPE: TypeDescription<'static> = TypeDescription::VisibleString(-32);

impl Tase2Type for MmsObjectName {
    const TYPE_NAME: &'static str = "MMSObjectName";

    fn type_description() -> TypeDescription<'static> {
        structure_type([
            ("Scope", TypeDescription::Unsigned(8)),
            ("DomainName", IDENTIFIER_TYPE),
            ("Name", IDENTIFIER_TYPE),
        ])
    }

    fn to_data(&self) -> Data<'static> {
        Data::structure(vec![
            Data::Unsigned(u64::from(self.scope.code())),
            visible(&self.domain_name),
            visible(&self.name),
        ])
    }

    fn from_data(d: &Data<'_>) -> Result<MmsObjectName> {
        let c = components(d, "MMSObjectName", &[3])?;
        let scope = match unsigned(&c[0], "MMSObjectName.Scope", 1)? {
            0 => Scope::Vcc,
            _ => Scope::Icc,
        };
        Ok(MmsObjectName {
            scope,
            domain_name: visible_string(
                &c[1],
                "MMSObjectName.DomainName",
                MAX_RECEIVED_IDENTIFIER_LEN,
            )?,
            name: visible_string(&c[2], "MMSObjectName.Name", MAX_RECEIVED_IDENTIFIER_LEN)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tase2::error::DataKind;

    #[test]
    fn scope_as_integer_or_unsigned() {
        let n = MmsObjectName::icc("ICC1", "DSTransferSet01").unwrap();
        let d = n.to_data();
        assert_eq!(MmsObjectName::from_data(&d).unwrap(), n);
        // The same name with Scope as INTEGER (what some peers send) decodes the same.
        let as_integer = Data::structure(vec![
            Data::Integer(1),
            Data::from("ICC1"),
            Data::from("DSTransferSet01"),
        ]);
        assert_eq!(MmsObjectName::from_data(&as_integer).unwrap(), n);
        // Scope 2 and -1 are refused.
        for bad in [Data::Unsigned(2), Data::Integer(-1)] {
            let d = Data::structure(vec![bad, Data::from(""), Data::from("x")]);
            assert_eq!(
                MmsObjectName::from_data(&d),
                Err(Tase2Error::OutOfRange {
                    what: "MMSObjectName.Scope"
                })
            );
        }
    }

    #[test]
    fn wrong_shapes_and_bounds() {
        let long = "a".repeat(MAX_RECEIVED_IDENTIFIER_LEN + 1);
        let d = Data::structure(vec![
            Data::Unsigned(0),
            Data::from(""),
            Data::from(long.as_str()),
        ]);
        assert_eq!(
            MmsObjectName::from_data(&d),
            Err(Tase2Error::TooLong {
                what: "MMSObjectName.Name",
                max: MAX_RECEIVED_IDENTIFIER_LEN,
                found: MAX_RECEIVED_IDENTIFIER_LEN + 1
            })
        );
        let d = Data::structure(vec![
            Data::Unsigned(0),
            Data::from(""),
            Data::from("a\u{7f}"),
        ]);
        assert_eq!(
            MmsObjectName::from_data(&d),
            Err(Tase2Error::InvalidCharacter {
                what: "MMSObjectName.Name"
            })
        );
        let d = Data::structure(vec![Data::Unsigned(0), Data::from(""), Data::Integer(3)]);
        assert_eq!(
            MmsObjectName::from_data(&d),
            Err(Tase2Error::WrongType {
                what: "MMSObjectName.Name",
                expected: DataKind::VisibleString,
                found: DataKind::Integer
            })
        );
        assert!(matches!(
            MmsObjectName::from_data(&Data::from("ICC1")),
            Err(Tase2Error::WrongType { .. })
        ));
        assert!(MmsObjectName::icc("ICC1", &"a".repeat(33)).is_err());
        assert!(MmsObjectName::icc("1CC", "x").is_err());
        assert!(MmsObjectName::vcc("").is_err());
        assert!(MmsObjectName::vcc("Data-1").is_err());
        assert!(MmsObjectName::vcc("Data_1$x").is_ok());
    }

    #[test]
    fn object_names_and_buffers() {
        let n = MmsObjectName::icc("ICC1", "DS1").unwrap();
        assert_eq!(n.to_object_name(), ObjectName::domain("ICC1", "DS1"));
        assert_eq!(
            MmsObjectName::from_object_name(&n.to_object_name()),
            Some(n)
        );
        let v = MmsObjectName::vcc("Point1").unwrap();
        assert_eq!(v.to_object_name(), ObjectName::vmd("Point1"));
        assert_eq!(MmsObjectName::from_object_name(&ObjectName::aa("x")), None);
        assert_eq!(info_buff_name(128), "Info_Buff_128");
        assert_eq!(parse_info_buff_name("Info_Buff_128"), Some(128));
        assert_eq!(parse_info_buff_name("Info_Buff_"), None);
        assert_eq!(parse_info_buff_name("Info_Buff_12a"), None);
        assert_eq!(parse_info_buff_name("Info_Buff_99999999999"), None);
        assert_eq!(parse_info_buff_name("Info_Mess_Header"), None);
    }
}

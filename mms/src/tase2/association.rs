//! The objects a client reads when an association starts (IEC 60870-6-802 Block 1):
//! `TASE2_Version`, `Supported_Features` and `Bilateral_Table_ID`, and the two editions they
//! tell apart (docs/tase2.md, "Association objects").

use super::error::{
    check_visible, components, int16, structure_type, visible, visible_string, wrong, DataKind,
    Result, INTEGER16,
};
use super::names::MAX_RECEIVED_IDENTIFIER_LEN;
use super::Tase2Type;
use crate::data::Data;
use crate::types::TypeDescription;

/// An edition of IEC 60870-6-503/-802 as TASE2_Version names it. The editions differ in the
/// DSTransferSet (12 or 13 components, docs/tase2.md, "DSTransferSet").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Edition {
    /// 1996.08: DSTransferSet without AllChangesReported (12 components).
    V1996_08,
    /// 2000.08: DSTransferSet with AllChangesReported after RBE (13 components).
    V2000_08,
}

impl Edition {
    /// The TASE2_Version value of the edition.
    pub const fn version(self) -> Tase2Version {
        match self {
            Edition::V1996_08 => Tase2Version::V1996_08,
            Edition::V2000_08 => Tase2Version::V2000_08,
        }
    }
}

/// `TASE2_Version` (IEC 60870-6-802, VCC scope): structure {`MajorVersionNumber`
/// integer(16), `MinorVersionNumber` integer(16)}; {1996, 8} or {2000, 8} (docs/tase2.md,
/// "Association objects"). Any pair decodes; [`Tase2Version::edition`] names the known ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tase2Version {
    /// `MajorVersionNumber` (the year).
    pub major: i16,
    /// `MinorVersionNumber` (the month).
    pub minor: i16,
}

impl Tase2Version {
    /// 1996.08.
    pub const V1996_08: Tase2Version = Tase2Version {
        major: 1996,
        minor: 8,
    };
    /// 2000.08.
    pub const V2000_08: Tase2Version = Tase2Version {
        major: 2000,
        minor: 8,
    };

    /// The edition this version names, if it is a known one.
    pub const fn edition(self) -> Option<Edition> {
        match (self.major, self.minor) {
            (1996, 8) => Some(Edition::V1996_08),
            (2000, 8) => Some(Edition::V2000_08),
            _ => None,
        }
    }
}

impl Tase2Type for Tase2Version {
    const TYPE_NAME: &'static str = "TASE2_Version";

    fn type_description() -> TypeDescription<'static> {
        structure_type([
            ("MajorVersionNumber", INTEGER16),
            ("MinorVersionNumber", INTEGER16),
        ])
    }

    fn to_data(&self) -> Data<'static> {
        Data::structure(vec![
            Data::Integer(i64::from(self.major)),
            Data::Integer(i64::from(self.minor)),
        ])
    }

    fn from_data(d: &Data<'_>) -> Result<Tase2Version> {
        let c = components(d, "TASE2_Version", &[2])?;
        Ok(Tase2Version {
            major: int16(&c[0], "TASE2_Version.MajorVersionNumber")?,
            minor: int16(&c[1], "TASE2_Version.MinorVersionNumber")?,
        })
    }
}

/// `Supported_Features` (IEC 60870-6-802, VCC scope): bit-string(12), bit n − 1 set when
/// conformance block n is supported (bit 0 = Block 1 … bit 8 = Block 9; bits 9-11 are sent as
/// 0 and kept when received) (docs/tase2.md, "Association objects").
///
/// Decoding reads the first 12 bits of a bit string of any length (missing bits are 0):
/// a peer that sends another length is tolerated, as the libraries in the field do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SupportedFeatures(u16);

impl SupportedFeatures {
    /// The features with the given conformance blocks (1..=12; other numbers are ignored).
    pub fn from_blocks(blocks: impl IntoIterator<Item = u8>) -> SupportedFeatures {
        blocks
            .into_iter()
            .fold(SupportedFeatures(0), |f, b| f.with_block(b, true))
    }

    /// The features from the two octets as sent (bit 0 = `0x8000`; the last 4 bits are
    /// cleared).
    pub const fn from_bits(bits: u16) -> SupportedFeatures {
        SupportedFeatures(bits & 0xFFF0)
    }

    /// The two octets as sent (bit 0 = `0x8000`).
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// True when conformance block `n` (1..=12) is supported; false for other numbers.
    pub const fn block(self, n: u8) -> bool {
        matches!(n, 1..=12) && self.0 & (0x8000 >> (n - 1)) != 0
    }

    /// The same features with block `n` (1..=12) set or cleared; other numbers change nothing.
    #[must_use]
    pub const fn with_block(self, n: u8, supported: bool) -> SupportedFeatures {
        if !matches!(n, 1..=12) {
            return self;
        }
        let mask = 0x8000 >> (n - 1);
        SupportedFeatures(if supported {
            self.0 | mask
        } else {
            self.0 & !mask
        })
    }

    /// The supported blocks, in order.
    pub fn blocks(self) -> impl Iterator<Item = u8> {
        (1..=12).filter(move |&n| self.block(n))
    }

    /// Block 1, basic services (association objects, reads, periodic data-set transfer).
    pub const fn basic_services(self) -> bool {
        self.block(1)
    }

    /// Block 2, extended data-set condition monitoring (report by exception, object change,
    /// integrity, critical reports).
    pub const fn extended_conditions(self) -> bool {
        self.block(2)
    }

    /// Block 3, blocked transfers.
    pub const fn blocked_transfers(self) -> bool {
        self.block(3)
    }

    /// Block 4, information messages.
    pub const fn information_messages(self) -> bool {
        self.block(4)
    }

    /// Block 5, device control.
    pub const fn device_control(self) -> bool {
        self.block(5)
    }

    /// Block 6, program control.
    pub const fn program_control(self) -> bool {
        self.block(6)
    }

    /// Block 7, event reporting.
    pub const fn event_reporting(self) -> bool {
        self.block(7)
    }

    /// Block 8, additional user objects.
    pub const fn additional_user_objects(self) -> bool {
        self.block(8)
    }

    /// Block 9, time series data.
    pub const fn time_series(self) -> bool {
        self.block(9)
    }
}

impl Tase2Type for SupportedFeatures {
    const TYPE_NAME: &'static str = "Supported_Features";

    fn type_description() -> TypeDescription<'static> {
        TypeDescription::BitString(12)
    }

    fn to_data(&self) -> Data<'static> {
        super::error::bit_string(u32::from(self.0) << 16, 12)
    }

    fn from_data(d: &Data<'_>) -> Result<SupportedFeatures> {
        let Data::BitString(b) = d else {
            return Err(wrong("Supported_Features", DataKind::BitString, d));
        };
        let v = super::error::left_aligned(b, 12);
        Ok(SupportedFeatures::from_bits(
            u16::try_from(v >> 16).unwrap_or(0),
        ))
    }
}

/// `Bilateral_Table_ID` (IEC 60870-6-802, ICC scope): the identifier (and version) of the
/// bilateral table agreed with this partner, a visible-string of up to 32 characters
/// (docs/tase2.md, "Association objects").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct BilateralTableId(String);

impl BilateralTableId {
    /// The most characters [`BilateralTableId::new`] accepts.
    pub const MAX_LEN: usize = 32;

    /// An identifier of at most 32 VisibleString characters.
    pub fn new(id: &str) -> Result<BilateralTableId> {
        check_visible(id, "Bilateral_Table_ID", Self::MAX_LEN)?;
        Ok(BilateralTableId(id.to_owned()))
    }

    /// The identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Tase2Type for BilateralTableId {
    const TYPE_NAME: &'static str = "Bilateral_Table_ID";

    fn type_description() -> TypeDescription<'static> {
        // Variable length up to 32 (docs/tase2.md, "Decisions").
        TypeDescription::VisibleString(-32)
    }

    fn to_data(&self) -> Data<'static> {
        visible(&self.0)
    }

    fn from_data(d: &Data<'_>) -> Result<BilateralTableId> {
        visible_string(d, "Bilateral_Table_ID", MAX_RECEIVED_IDENTIFIER_LEN).map(BilateralTableId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::MmsBitString;
    use crate::tase2::error::Tase2Error;

    #[test]
    fn versions_and_editions() {
        assert_eq!(Tase2Version::V2000_08.edition(), Some(Edition::V2000_08));
        assert_eq!(Edition::V1996_08.version(), Tase2Version::V1996_08);
        assert_eq!(
            Tase2Version {
                major: 2014,
                minor: 1
            }
            .edition(),
            None
        );
        assert_eq!(
            Tase2Version::from_data(&Data::structure(vec![Data::Integer(2000)])),
            Err(Tase2Error::WrongComponentCount {
                what: "TASE2_Version",
                expected: &[2],
                found: 1
            })
        );
        assert_eq!(
            Tase2Version::from_data(&Data::structure(vec![
                Data::Unsigned(2000),
                Data::Integer(8)
            ])),
            Err(Tase2Error::WrongType {
                what: "TASE2_Version.MajorVersionNumber",
                expected: DataKind::Integer,
                found: DataKind::Unsigned
            })
        );
    }

    #[test]
    fn supported_features_blocks() {
        let f = SupportedFeatures::from_blocks([1, 2, 4, 5, 13, 0]);
        assert_eq!(f.blocks().collect::<Vec<_>>(), [1, 2, 4, 5]);
        assert_eq!(f.bits(), 0xD800);
        assert!(f.basic_services() && f.extended_conditions() && !f.blocked_transfers());
        assert!(f.information_messages() && f.device_control() && !f.program_control());
        assert!(!f.event_reporting() && !f.additional_user_objects() && !f.time_series());
        assert_eq!(
            f.with_block(2, false).blocks().collect::<Vec<_>>(),
            [1, 4, 5]
        );
        // Other lengths are tolerated: 16 bits (extra bits dropped), 4 bits (missing = 0).
        let sixteen = Data::BitString(MmsBitString::from_u32(0xD80F, 16));
        assert_eq!(SupportedFeatures::from_data(&sixteen), Ok(f));
        let four = Data::BitString(MmsBitString::from_u32(0b1101, 4));
        assert_eq!(
            SupportedFeatures::from_data(&four),
            Ok(SupportedFeatures::from_blocks([1, 2, 4]))
        );
        assert!(matches!(
            SupportedFeatures::from_data(&Data::Unsigned(0xD8)),
            Err(Tase2Error::WrongType { .. })
        ));
    }

    #[test]
    fn bilateral_table_id() {
        assert!(BilateralTableId::new(&"x".repeat(33)).is_err());
        let id = BilateralTableId::new("BLT_ICC1_v3").unwrap();
        assert_eq!(BilateralTableId::from_data(&id.to_data()), Ok(id.clone()));
        assert_eq!(id.as_str(), "BLT_ICC1_v3");
        assert!(matches!(
            BilateralTableId::from_data(&Data::MmsString("x".into())),
            Err(Tase2Error::WrongType { .. })
        ));
    }
}

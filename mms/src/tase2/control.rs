//! Device tags (IEC 60870-6-802 Block 5): `TagFlags` and `TagValue`, the value of a device's
//! `<device>_TAG` variable (docs/tase2.md, "Tags").

use super::error::{
    bit_string, bits_exact, check_visible, components, structure_type, visible, visible_string,
    Result,
};
use super::flags::TagState;
use super::Tase2Type;
use crate::data::Data;
use crate::types::TypeDescription;

/// `TagFlags` (IEC 60870-6-802 Block 5): bit-string(3). Bits 0-1 the tag
/// ([`TagState`]: bit 0 close-only inhibit, bit 1 open-and-close inhibit), bit 2 armed (set by
/// the server while a select is pending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TagFlags(u8);

impl TagFlags {
    /// Flags from the tag and the armed bit.
    pub const fn new(tag: TagState, armed: bool) -> TagFlags {
        TagFlags(((tag.code() << 6) | if armed { 0x20 } else { 0 }) & 0xE0)
    }

    /// The flags from the octet as sent (bit 0 = `0x80`; the 5 low bits are cleared).
    pub const fn from_octet(octet: u8) -> TagFlags {
        TagFlags(octet & 0xE0)
    }

    /// The octet as sent.
    pub const fn octet(self) -> u8 {
        self.0
    }

    /// Bits 0-1: the tag.
    pub const fn tag(self) -> TagState {
        TagState::from_code(self.0 >> 6)
    }

    /// Bit 2: the device is armed (selected).
    pub const fn armed(self) -> bool {
        self.0 & 0x20 != 0
    }
}

impl Tase2Type for TagFlags {
    const TYPE_NAME: &'static str = "TagFlags";

    fn type_description() -> TypeDescription<'static> {
        TypeDescription::BitString(3)
    }

    fn to_data(&self) -> Data<'static> {
        bit_string(u32::from(self.0) << 24, 3)
    }

    fn from_data(d: &Data<'_>) -> Result<TagFlags> {
        let v = bits_exact(d, "TagFlags", 3)?;
        Ok(TagFlags::from_octet(v.to_be_bytes()[0]))
    }
}

/// `TagValue` (IEC 60870-6-802 Block 5): structure {`Flags` TagFlags, `Reason` visible-string
/// of up to 255 characters (TextString)}, the value of `<device>_TAG`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TagValue {
    /// `Flags`.
    pub flags: TagFlags,
    /// `Reason`: why the tag was set (at most [`TagValue::MAX_REASON_LEN`] characters).
    pub reason: String,
}

impl TagValue {
    /// The longest reason: 255 characters.
    pub const MAX_REASON_LEN: usize = 255;

    /// A tag value; fails when the reason is longer than 255 characters or holds characters a
    /// VisibleString may not.
    pub fn new(flags: TagFlags, reason: &str) -> Result<TagValue> {
        check_visible(reason, "TagValue.Reason", Self::MAX_REASON_LEN)?;
        Ok(TagValue {
            flags,
            reason: reason.to_owned(),
        })
    }
}

impl Tase2Type for TagValue {
    const TYPE_NAME: &'static str = "TagValue";

    fn type_description() -> TypeDescription<'static> {
        structure_type([
            ("Flags", TagFlags::type_description()),
            // TextString: variable length up to 255.
            ("Reason", TypeDescription::VisibleString(-255)),
        ])
    }

    fn to_data(&self) -> Data<'static> {
        Data::structure(vec![self.flags.to_data(), visible(&self.reason)])
    }

    fn from_data(d: &Data<'_>) -> Result<TagValue> {
        let c = components(d, "TagValue", &[2])?;
        Ok(TagValue {
            flags: TagFlags::from_data(&c[0])?,
            reason: visible_string(&c[1], "TagValue.Reason", Self::MAX_REASON_LEN)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tase2::error::Tase2Error;

    #[test]
    fn tag_flags_bits() {
        // Close-only inhibit is bit 0 (0x80), open-and-close bit 1 (0x40), armed bit 2 (0x20).
        assert_eq!(
            TagFlags::new(TagState::CloseOnlyInhibit, false).octet(),
            0x80
        );
        assert_eq!(
            TagFlags::new(TagState::OpenAndCloseInhibit, false).octet(),
            0x40
        );
        assert_eq!(TagFlags::new(TagState::NoTag, true).octet(), 0x20);
        let f = TagFlags::from_octet(0xFF);
        assert_eq!(f.tag(), TagState::Invalid);
        assert!(f.armed());
        assert_eq!(TagFlags::from_data(&f.to_data()), Ok(f));
        assert_eq!(
            TagFlags::from_data(&bit_string(0, 8)),
            Err(Tase2Error::WrongBitLength {
                what: "TagFlags",
                expected: 3,
                found: 8
            })
        );
    }

    #[test]
    fn tag_value() {
        let v = TagValue::new(
            TagFlags::new(TagState::OpenAndCloseInhibit, false),
            "line work",
        )
        .unwrap();
        assert_eq!(TagValue::from_data(&v.to_data()), Ok(v));
        assert!(TagValue::new(TagFlags::default(), &"r".repeat(256)).is_err());
        let long = Data::structure(vec![
            TagFlags::default().to_data(),
            Data::from("r".repeat(256)),
        ]);
        assert!(matches!(
            TagValue::from_data(&long),
            Err(Tase2Error::TooLong { max: 255, .. })
        ));
    }
}

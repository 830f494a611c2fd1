//! Information messages (IEC 60870-6-802 Block 4): `Info_Mess_Header` and the type of the
//! `Info_Buff_<n>` buffers (docs/tase2.md, "Information messages").

use super::error::{components, int32, structure_type, Result, INTEGER32};
use super::Tase2Type;
use crate::data::Data;
use crate::types::TypeDescription;

/// `Info_Mess_Header` (IEC 60870-6-802 Block 4): structure {`InfoReference` integer(32),
/// `LocalReference` integer(32), `MessageId` integer(32), `Size` integer(32)}, sent with an
/// `Info_Buff_<n>` in one InformationReport. `Size` is the number of octets of the buffer in
/// use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct InfoMessHeader {
    /// `InfoReference`: which kind of message (agreed in the bilateral table).
    pub info_reference: i32,
    /// `LocalReference`: the sender's reference within that kind.
    pub local_reference: i32,
    /// `MessageId`: this message.
    pub message_id: i32,
    /// `Size`: octets of the buffer in use.
    pub size: i32,
}

impl Tase2Type for InfoMessHeader {
    const TYPE_NAME: &'static str = "Info_Mess_Header";

    fn type_description() -> TypeDescription<'static> {
        structure_type([
            ("InfoReference", INTEGER32),
            ("LocalReference", INTEGER32),
            ("MessageId", INTEGER32),
            ("Size", INTEGER32),
        ])
    }

    fn to_data(&self) -> Data<'static> {
        Data::structure(
            [
                self.info_reference,
                self.local_reference,
                self.message_id,
                self.size,
            ]
            .into_iter()
            .map(|v| Data::Integer(i64::from(v)))
            .collect(),
        )
    }

    fn from_data(d: &Data<'_>) -> Result<InfoMessHeader> {
        let c = components(d, "Info_Mess_Header", &[4])?;
        Ok(InfoMessHeader {
            info_reference: int32(&c[0], "Info_Mess_Header.InfoReference")?,
            local_reference: int32(&c[1], "Info_Mess_Header.LocalReference")?,
            message_id: int32(&c[2], "Info_Mess_Header.MessageId")?,
            size: int32(&c[3], "Info_Mess_Header.Size")?,
        })
    }
}

/// The MMS type of `Info_Buff_<size>` (IEC 60870-6-802 Block 4): octet-string of fixed length
/// `size` (the buffer is sent whole, zero-padded; the header's `Size` gives the octets in
/// use). Sizes beyond `i32::MAX` are described as `i32::MAX`.
pub fn info_buffer_type(size: u32) -> TypeDescription<'static> {
    TypeDescription::OctetString(i32::try_from(size).unwrap_or(i32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tase2::error::{DataKind, Tase2Error};

    #[test]
    fn header() {
        let h = InfoMessHeader {
            info_reference: 7,
            local_reference: -1,
            message_id: 123_456,
            size: 11,
        };
        assert_eq!(InfoMessHeader::from_data(&h.to_data()), Ok(h));
        assert_eq!(info_buffer_type(128), TypeDescription::OctetString(128));
        let three = Data::structure(vec![Data::Integer(1); 3]);
        assert!(matches!(
            InfoMessHeader::from_data(&three),
            Err(Tase2Error::WrongComponentCount { found: 3, .. })
        ));
        let bad = Data::structure(vec![
            Data::Integer(1),
            Data::Integer(1),
            Data::Integer(1),
            Data::Integer(1 << 40),
        ]);
        assert_eq!(
            InfoMessHeader::from_data(&bad),
            Err(Tase2Error::OutOfRange {
                what: "Info_Mess_Header.Size"
            })
        );
        assert_eq!(
            InfoMessHeader::from_data(&Data::array(vec![Data::Integer(1); 4])),
            Err(Tase2Error::WrongType {
                what: "Info_Mess_Header",
                expected: DataKind::Structure,
                found: DataKind::Array
            })
        );
    }
}

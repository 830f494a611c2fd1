//! Rust values over MMS `Data` (ISO 9506-2 §14.4.2) and IEC 61850 object references
//! (IEC 61850-8-1 §8.1.3.3) on a blocking [`Client`]: `read_value::<f32>(&name)`,
//! `write_value(&name, true)`, `read_61850("LD0/GGIO1.AnIn1.mag.f", Fc::MX)`.

use std::time::SystemTime;

use crate::client::blocking::Client;
use crate::client::ops::OpError;
use crate::common::ObjectName;
use crate::data::{Data, UtcTime};
use crate::iec61850::reference_to_object_name;

/// A Rust type with a natural MMS `Data` alternative (ISO 9506-2 §14.4.2).
pub trait MmsValue: Sized {
    /// The name used in [`OpError::WrongType`].
    const TYPE: &'static str;
    /// The value of `data`, when `data` is of a matching alternative.
    fn from_data(data: &Data<'_>) -> Option<Self>;
    /// The value as `Data`.
    fn into_data(self) -> Data<'static>;
}

macro_rules! mms_value {
    ($t:ty, $name:literal, |$d:ident| $from:expr) => {
        impl MmsValue for $t {
            const TYPE: &'static str = $name;
            fn from_data($d: &Data<'_>) -> Option<Self> {
                $from
            }
            fn into_data(self) -> Data<'static> {
                Data::from(self)
            }
        }
    };
}

mms_value!(bool, "boolean", |d| d.as_bool());
mms_value!(i64, "integer", |d| d.as_i64());
mms_value!(i32, "integer (32 bits)", |d| d
    .as_i64()
    .and_then(|v| i32::try_from(v).ok()));
mms_value!(u64, "unsigned", |d| d.as_u64());
mms_value!(u32, "unsigned (32 bits)", |d| d
    .as_u64()
    .and_then(|v| u32::try_from(v).ok()));
mms_value!(f32, "floating-point", |d| d.as_f32());
mms_value!(f64, "floating-point", |d| d.as_f64());
mms_value!(String, "visible-string", |d| d.as_str().map(str::to_string));
mms_value!(Vec<u8>, "octet-string", |d| d
    .as_bytes()
    .map(<[u8]>::to_vec));
mms_value!(UtcTime, "utc-time", |d| d.as_utc_time());

impl MmsValue for SystemTime {
    const TYPE: &'static str = "utc-time";
    fn from_data(data: &Data<'_>) -> Option<Self> {
        data.as_utc_time().map(|t| t.to_system_time())
    }
    /// A `utc-time` with TimeQuality 0 (IEC 61850-8-1 §8.1.3.7).
    fn into_data(self) -> Data<'static> {
        Data::UtcTime(UtcTime::from_system_time(self, 0))
    }
}

/// The name of a `Data` alternative, for errors.
pub fn data_kind(d: &Data<'_>) -> &'static str {
    match d {
        Data::Array(_) => "array",
        Data::Structure(_) => "structure",
        Data::Boolean(_) => "boolean",
        Data::BitString(_) => "bit-string",
        Data::Integer(_) => "integer",
        Data::Unsigned(_) => "unsigned",
        Data::FloatingPoint(_) => "floating-point",
        Data::Real(_) => "real",
        Data::OctetString(_) => "octet-string",
        Data::VisibleString(_) => "visible-string",
        Data::GeneralizedTime(_) => "generalized-time",
        Data::BinaryTime(_) => "binary-time",
        Data::Bcd(_) => "bcd",
        Data::BooleanArray(_) => "booleanArray",
        Data::ObjId(_) => "objId",
        Data::MmsString(_) => "mMSString",
        Data::UtcTime(_) => "utc-time",
    }
}

/// `data` as a `T`, or [`OpError::WrongType`].
pub fn convert<T: MmsValue>(data: &Data<'_>) -> Result<T, OpError> {
    T::from_data(data).ok_or_else(|| OpError::WrongType {
        expected: T::TYPE,
        found: data_kind(data).to_string(),
    })
}

/// An IEC 61850 functional constraint (IEC 61850-7-2 §6.5 table 18, the two-letter code that
/// IEC 61850-8-1 §8.1.3.3 puts after the logical node in an MMS variable name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
pub enum Fc {
    /// Status information.
    ST,
    /// Measurands (analogue values).
    MX,
    /// Setpoint.
    SP,
    /// Substitution.
    SV,
    /// Configuration.
    CF,
    /// Description.
    DC,
    /// Setting group.
    SG,
    /// Setting group editable.
    SE,
    /// Service response.
    SR,
    /// Operate received.
    OR,
    /// Blocking.
    BL,
    /// Extended definition.
    EX,
    /// Control.
    CO,
    /// Buffered report control block.
    BR,
    /// Unbuffered report control block.
    RP,
    /// Log control block.
    LG,
    /// GOOSE control block.
    GO,
    /// Sampled value control block (multicast).
    MS,
    /// Sampled value control block (unicast).
    US,
}

impl Fc {
    /// The two letters.
    pub fn as_str(self) -> &'static str {
        match self {
            Fc::ST => "ST",
            Fc::MX => "MX",
            Fc::SP => "SP",
            Fc::SV => "SV",
            Fc::CF => "CF",
            Fc::DC => "DC",
            Fc::SG => "SG",
            Fc::SE => "SE",
            Fc::SR => "SR",
            Fc::OR => "OR",
            Fc::BL => "BL",
            Fc::EX => "EX",
            Fc::CO => "CO",
            Fc::BR => "BR",
            Fc::RP => "RP",
            Fc::LG => "LG",
            Fc::GO => "GO",
            Fc::MS => "MS",
            Fc::US => "US",
        }
    }
}

impl std::fmt::Display for Fc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The MMS variable name of an IEC 61850 reference and FC (IEC 61850-8-1 §8.1.3.3):
/// `"LD0/GGIO1.AnIn1.mag.f"`, [`Fc::MX`] → `LD0` / `GGIO1$MX$AnIn1$mag$f`.
pub fn name_61850(reference: &str, fc: Fc) -> Result<ObjectName<'static>, OpError> {
    reference_to_object_name(reference, fc.as_str())
        .ok_or_else(|| OpError::BadReference(reference.to_string()))
}

impl Client {
    /// Read (ISO 9506-1 §14.6) of one variable as a Rust value; [`OpError::WrongType`] when
    /// the server's value is of another MMS type.
    pub fn read_value<T: MmsValue>(&self, name: &ObjectName<'_>) -> Result<T, OpError> {
        convert(&self.read_one(name)?)
    }

    /// Write (ISO 9506-1 §14.7) of a Rust value to one variable, as its natural MMS type
    /// ([`MmsValue::into_data`]).
    pub fn write_value<T: MmsValue>(&self, name: &ObjectName<'_>, value: T) -> Result<(), OpError> {
        self.write(name, value.into_data())
    }

    /// Read of an IEC 61850 data attribute (IEC 61850-8-1 §8.1.3.3 name mapping,
    /// ISO 9506-1 §14.6): `read_61850("LD0/GGIO1.AnIn1.mag.f", Fc::MX)`.
    pub fn read_61850(&self, reference: &str, fc: Fc) -> Result<Data<'static>, OpError> {
        self.read_one(&name_61850(reference, fc)?)
    }

    /// [`Client::read_61850`] as a Rust value.
    pub fn read_61850_value<T: MmsValue>(&self, reference: &str, fc: Fc) -> Result<T, OpError> {
        convert(&self.read_61850(reference, fc)?)
    }

    /// Write of an IEC 61850 data attribute (IEC 61850-8-1 §8.1.3.3 name mapping,
    /// ISO 9506-1 §14.7).
    pub fn write_61850(&self, reference: &str, fc: Fc, value: Data<'_>) -> Result<(), OpError> {
        self.write(&name_61850(reference, fc)?, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn values_round_trip_through_data() {
        fn rt<T: MmsValue + PartialEq + std::fmt::Debug + Clone>(v: T) {
            assert_eq!(convert::<T>(&v.clone().into_data()), Ok(v));
        }
        rt(true);
        rt(-42i64);
        rt(-7i32);
        rt(u64::MAX);
        rt(7u32);
        rt(1.5f32);
        rt(-2.25f64);
        rt(String::from("hello"));
        rt(vec![1u8, 2, 3]);
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(convert::<SystemTime>(&t.into_data()), Ok(t));
    }

    #[test]
    fn wrong_types_are_named() {
        assert_eq!(
            convert::<bool>(&Data::Integer(1)),
            Err(OpError::WrongType {
                expected: "boolean",
                found: "integer".into()
            })
        );
        assert!(convert::<i32>(&Data::Integer(i64::MAX)).is_err());
        assert!(convert::<u64>(&Data::Integer(-1)).is_err());
    }

    #[test]
    fn references_map_with_fc() {
        assert_eq!(
            name_61850("LD0/GGIO1.AnIn1.mag.f", Fc::MX),
            Ok(ObjectName::domain("LD0", "GGIO1$MX$AnIn1$mag$f"))
        );
        assert_eq!(
            name_61850("nolsash", Fc::ST),
            Err(OpError::BadReference("nolsash".into()))
        );
        assert_eq!(Fc::SP.to_string(), "SP");
    }
}

//! Types every part of ISO 9506-2 uses: names of objects, file names, application references and
//! the TimeOfDay octet string (ISO 9506-2 §7, "common MMS types").

use std::borrow::Cow;

use crate::codec::{
    ctx, ctx_c, explicit, int, seq_of, string, write_explicit, write_string, Asn1, BerError,
    Choice, DecodeError, Fields, RawValue, Result, Tag, Tlv, Writer, GRAPHIC_STRING,
    VISIBLE_STRING,
};

/// `Identifier ::= VisibleString` (ISO 9506-2 §7.1.1): the name of an MMS object or a part of
/// one. Borrowed from the input when decoded; owned strings work too (`"LLN0".into()`).
pub type Identifier<'a> = Cow<'a, str>;

/// Decodes an `Identifier` (VisibleString, or the contents of an IMPLICIT-tagged one).
#[inline(always)]
pub fn identifier<'a>(tlv: &Tlv<'a>) -> Result<Identifier<'a>> {
    string(tlv)
}

/// Decodes an untagged `Identifier`, checking the VisibleString tag.
#[inline(always)]
pub fn visible_identifier<'a>(tlv: &Tlv<'a>) -> Result<Identifier<'a>> {
    crate::codec::expect_tag(tlv, VISIBLE_STRING)?;
    string(tlv)
}

/// Writes an untagged `Identifier`.
pub fn write_identifier(w: &mut Writer, s: &str) {
    write_string(w, VISIBLE_STRING, s);
}

/// `ObjectName` (ISO 9506-2 §7.1.3): the scope and name of a VMD-, domain- or
/// association-specific object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectName<'a> {
    /// `vmd-specific [0] IMPLICIT Identifier`.
    VmdSpecific(Identifier<'a>),
    /// `domain-specific [1] IMPLICIT SEQUENCE { domainId Identifier, itemId Identifier }`.
    DomainSpecific {
        /// The domain.
        domain_id: Identifier<'a>,
        /// The item within the domain.
        item_id: Identifier<'a>,
    },
    /// `aa-specific [2] IMPLICIT Identifier`: scoped to the application association.
    AaSpecific(Identifier<'a>),
}

impl<'a> ObjectName<'a> {
    /// A domain-specific name.
    pub fn domain(
        domain_id: impl Into<Identifier<'a>>,
        item_id: impl Into<Identifier<'a>>,
    ) -> Self {
        ObjectName::DomainSpecific {
            domain_id: domain_id.into(),
            item_id: item_id.into(),
        }
    }

    /// A VMD-specific name.
    pub fn vmd(name: impl Into<Identifier<'a>>) -> Self {
        ObjectName::VmdSpecific(name.into())
    }

    /// An association-specific name.
    pub fn aa(name: impl Into<Identifier<'a>>) -> Self {
        ObjectName::AaSpecific(name.into())
    }

    /// The item part of the name (the whole name for VMD- and AA-specific names).
    pub fn item(&self) -> &str {
        match self {
            ObjectName::VmdSpecific(s) | ObjectName::AaSpecific(s) => s,
            ObjectName::DomainSpecific { item_id, .. } => item_id,
        }
    }

    /// Detaches the name from the input buffer.
    pub fn into_owned(self) -> ObjectName<'static> {
        match self {
            ObjectName::VmdSpecific(s) => ObjectName::VmdSpecific(Cow::Owned(s.into_owned())),
            ObjectName::DomainSpecific { domain_id, item_id } => ObjectName::DomainSpecific {
                domain_id: Cow::Owned(domain_id.into_owned()),
                item_id: Cow::Owned(item_id.into_owned()),
            },
            ObjectName::AaSpecific(s) => ObjectName::AaSpecific(Cow::Owned(s.into_owned())),
        }
    }
}

impl std::fmt::Display for ObjectName<'_> {
    /// `name`, `domain/item` or `@name` (association-specific).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjectName::VmdSpecific(s) => write!(f, "{s}"),
            ObjectName::DomainSpecific { domain_id, item_id } => write!(f, "{domain_id}/{item_id}"),
            ObjectName::AaSpecific(s) => write!(f, "@{s}"),
        }
    }
}

impl<'a> Choice<'a> for ObjectName<'a> {
    #[inline(always)]
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        match (tlv.tag.class, tlv.tag.number, tlv.tag.constructed) {
            (crate::codec::Class::Context, 0, false) => {
                Ok(ObjectName::VmdSpecific(identifier(tlv)?))
            }
            (crate::codec::Class::Context, 1, true) => {
                let mut f = Fields::new(tlv)?;
                let domain_id = visible_identifier(&f.next("domainId")?)?;
                let item_id = visible_identifier(&f.next("itemId")?)?;
                f.finish()?;
                Ok(ObjectName::DomainSpecific { domain_id, item_id })
            }
            (crate::codec::Class::Context, 2, false) => {
                Ok(ObjectName::AaSpecific(identifier(tlv)?))
            }
            _ => Err(BerError::InvalidValue("ObjectName").into()),
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            ObjectName::VmdSpecific(s) => write_string(w, ctx(0), s),
            ObjectName::DomainSpecific { domain_id, item_id } => {
                let m = w.mark();
                write_identifier(w, item_id);
                write_identifier(w, domain_id);
                w.wrap(m, ctx_c(1));
            }
            ObjectName::AaSpecific(s) => write_string(w, ctx(2), s),
        }
    }
}

/// True when `tag` is one of the three `ObjectName` alternatives (for untagged CHOICE fields).
pub fn is_object_name_tag(tag: Tag) -> bool {
    tag.class == crate::codec::Class::Context && tag.number <= 2
}

/// `FileName ::= SEQUENCE OF GraphicString` (ISO 9506-2 §7.1.4 / Annex D file services): the
/// components of a file path, outermost first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileName<'a>(pub Vec<Cow<'a, str>>);

impl<'a> FileName<'a> {
    /// A one-component file name.
    pub fn new(name: impl Into<Cow<'a, str>>) -> Self {
        FileName(vec![name.into()])
    }

    /// Detaches the name from the input buffer.
    pub fn into_owned(self) -> FileName<'static> {
        FileName(
            self.0
                .into_iter()
                .map(|s| Cow::Owned(s.into_owned()))
                .collect(),
        )
    }
}

impl<'a> Asn1<'a> for FileName<'a> {
    const TAG: Tag = Tag::SEQUENCE;

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        Ok(FileName(seq_of(tlv, |e| {
            crate::codec::expect_tag(e, GRAPHIC_STRING)?;
            string(e)
        })?))
    }

    fn encode_contents(&self, w: &mut Writer) {
        for s in self.0.iter().rev() {
            write_string(w, GRAPHIC_STRING, s);
        }
    }
}

/// `ApplicationReference` (ISO 9506-2 §7.1.5): the ACSE addressing of another application, used
/// by the file and domain services that name a third party. The AP-title and AE-qualifier are
/// ACSE types (ISO 8650-1) and are kept as received; [`ApplicationReference::ap_title_oid`] reads
/// the common form-2 AP-title.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApplicationReference<'a> {
    /// `ap-title [0] AP-title OPTIONAL` (the inner value, without the `[0]`).
    pub ap_title: Option<RawValue<'a>>,
    /// `ap-invocation-id [1] AP-invocation-identifier OPTIONAL` (an INTEGER).
    pub ap_invocation_id: Option<i64>,
    /// `ae-qualifier [2] AE-qualifier OPTIONAL` (the inner value, without the `[2]`).
    pub ae_qualifier: Option<RawValue<'a>>,
    /// `ae-invocation-id [3] AE-invocation-identifier OPTIONAL` (an INTEGER).
    pub ae_invocation_id: Option<i64>,
}

impl<'a> ApplicationReference<'a> {
    /// The AP-title when it is an OBJECT IDENTIFIER (form 2), as dotted text.
    pub fn ap_title_oid(&self) -> Option<String> {
        let raw = self.ap_title.as_ref()?;
        let t = raw.tlv().ok()?;
        if t.tag == Tag::OID {
            t.oid().ok().map(|o| o.to_id_string())
        } else {
            None
        }
    }
}

impl<'a> Asn1<'a> for ApplicationReference<'a> {
    const TAG: Tag = Tag::SEQUENCE;

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let ap_title = f
            .opt(ctx_c(0))?
            .map(|t| explicit(&t).map(|i| RawValue::from_tlv(&i)))
            .transpose()?;
        let ap_invocation_id = f
            .opt(ctx_c(1))?
            .map(|t| explicit(&t).and_then(|i| int(&i)))
            .transpose()?;
        let ae_qualifier = f
            .opt(ctx_c(2))?
            .map(|t| explicit(&t).map(|i| RawValue::from_tlv(&i)))
            .transpose()?;
        let ae_invocation_id = f
            .opt(ctx_c(3))?
            .map(|t| explicit(&t).and_then(|i| int(&i)))
            .transpose()?;
        f.finish()?;
        Ok(ApplicationReference {
            ap_title,
            ap_invocation_id,
            ae_qualifier,
            ae_invocation_id,
        })
    }

    fn encode_contents(&self, w: &mut Writer) {
        if let Some(v) = self.ae_invocation_id {
            write_explicit(w, 3, |w| w.integer(Tag::INTEGER, v));
        }
        if let Some(v) = &self.ae_qualifier {
            write_explicit(w, 2, |w| v.encode(w));
        }
        if let Some(v) = self.ap_invocation_id {
            write_explicit(w, 1, |w| w.integer(Tag::INTEGER, v));
        }
        if let Some(v) = &self.ap_title {
            write_explicit(w, 0, |w| v.encode(w));
        }
    }
}

/// `TimeOfDay ::= OCTET STRING (SIZE(4|6))` (ISO 9506-2 §7.1.6): milliseconds since midnight
/// and, in the six-octet form, days since 1 January 1984.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeOfDay {
    /// Milliseconds since midnight (0..86 400 000 for a valid time; kept as received).
    pub millis: u32,
    /// Days since 1984-01-01; `None` for the four-octet form.
    pub days: Option<u16>,
}

impl TimeOfDay {
    /// Decodes the 4- or 6-octet contents; any other length is out of range.
    pub fn from_octets(c: &[u8]) -> Result<TimeOfDay> {
        match *c {
            [a, b, c0, d] => Ok(TimeOfDay {
                millis: u32::from_be_bytes([a, b, c0, d]),
                days: None,
            }),
            [a, b, c0, d, e, f] => Ok(TimeOfDay {
                millis: u32::from_be_bytes([a, b, c0, d]),
                days: Some(u16::from_be_bytes([e, f])),
            }),
            _ => Err(DecodeError::OutOfRange("TimeOfDay")),
        }
    }

    /// The 4- or 6-octet contents.
    pub fn to_octets(&self) -> ([u8; 6], usize) {
        let mut b = [0u8; 6];
        b[..4].copy_from_slice(&self.millis.to_be_bytes());
        match self.days {
            Some(d) => {
                b[4..].copy_from_slice(&d.to_be_bytes());
                (b, 6)
            }
            None => (b, 4),
        }
    }

    /// Seconds since the Unix epoch of a six-octet value (`None` for the four-octet form).
    pub fn unix_millis(&self) -> Option<i64> {
        // 1984-01-01T00:00:00Z is 441 763 200 s after the Unix epoch.
        const EPOCH_1984_MS: i64 = 441_763_200_000;
        self.days
            .map(|d| EPOCH_1984_MS + i64::from(d) * 86_400_000 + i64::from(self.millis))
    }

    /// The six-octet value for a time in milliseconds since the Unix epoch (times before 1984
    /// or after 2163 are clamped to the representable range).
    pub fn from_unix_millis(ms: i64) -> TimeOfDay {
        const EPOCH_1984_MS: i64 = 441_763_200_000;
        let since = (ms - EPOCH_1984_MS).clamp(0, i64::from(u16::MAX) * 86_400_000 + 86_399_999);
        TimeOfDay {
            millis: (since % 86_400_000) as u32,
            days: Some((since / 86_400_000) as u16),
        }
    }
}

impl<'a> Asn1<'a> for TimeOfDay {
    const TAG: Tag = Tag::OCTET_STRING;

    fn decode_contents(tlv: &Tlv<'a>) -> Result<Self> {
        TimeOfDay::from_octets(tlv.octets()?)
    }

    fn encode_contents(&self, w: &mut Writer) {
        let (b, n) = self.to_octets();
        w.raw(&b[..n]);
    }
}

/// Declares a named-INTEGER enumeration of ISO 9506-2 with its decoder and encoder. Unknown
/// values are out of range (these types are closed lists in the standard).
macro_rules! named_integer {
    ($(#[$m:meta])* $name:ident, $what:literal { $($(#[$vm:meta])* $v:ident = $n:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $v = $n),+
        }

        impl $name {
            /// The value from its number; `OutOfRange` for numbers the standard does not list.
            pub fn from_i64(v: i64) -> $crate::codec::Result<Self> {
                match v {
                    $($n => Ok($name::$v),)+
                    _ => Err($crate::codec::DecodeError::OutOfRange($what)),
                }
            }

            /// Decodes the INTEGER contents of `tlv`.
            pub fn decode_value(tlv: &$crate::codec::Tlv<'_>) -> $crate::codec::Result<Self> {
                Self::from_i64($crate::codec::int(tlv)?)
            }

            /// Writes the value as an INTEGER tagged `tag`.
            pub fn encode_value(self, w: &mut $crate::codec::Writer, tag: $crate::codec::Tag) {
                w.integer(tag, self as i64);
            }
        }
    };
}
#[allow(unused_imports)] // used by the service modules
pub(crate) use named_integer;

named_integer!(
    /// `EC-State` (ISO 9506-2 §15.2, event conditions): the state of an event condition, also
    /// recorded in journal entries.
    EcState, "EC-State" {
        /// disabled (0).
        Disabled = 0,
        /// idle (1).
        Idle = 1,
        /// active (2).
        Active = 2,
    }
);

named_integer!(
    /// `ProgramInvocationState` (ISO 9506-2 §11.1): used by the program-invocation services and
    /// by the Start/Stop/Resume/Reset error information of ServiceError.
    ProgramInvocationState, "ProgramInvocationState" {
        /// non-existent (0).
        NonExistent = 0,
        /// unrunnable (1).
        Unrunnable = 1,
        /// idle (2).
        Idle = 2,
        /// running (3).
        Running = 3,
        /// stopped (4).
        Stopped = 4,
        /// starting (5).
        Starting = 5,
        /// stopping (6).
        Stopping = 6,
        /// resuming (7).
        Resuming = 7,
        /// resetting (8).
        Resetting = 8,
    }
);

/// `EventTime` (ISO 9506-2 §15.1.1): when an event happened, as a time of day or as a time
/// sequence identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventTime {
    /// `timeOfDayT [0] IMPLICIT TimeOfDay`.
    TimeOfDay(TimeOfDay),
    /// `timeSequenceIdentifier [1] IMPLICIT Unsigned32`.
    TimeSequenceIdentifier(u32),
    /// `undefined [2] IMPLICIT NULL` (ISO 9506-2:2003).
    Undefined,
}

impl<'a> Choice<'a> for EventTime {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        match (tlv.tag.class, tlv.tag.number) {
            (crate::codec::Class::Context, 0) => Ok(EventTime::TimeOfDay(
                TimeOfDay::decode_implicit(tlv, ctx(0))?,
            )),
            (crate::codec::Class::Context, 1) if !tlv.tag.constructed => Ok(
                EventTime::TimeSequenceIdentifier(crate::codec::uint32(tlv)?),
            ),
            (crate::codec::Class::Context, 2) => {
                crate::codec::null(tlv)?;
                Ok(EventTime::Undefined)
            }
            _ => Err(BerError::InvalidValue("EventTime").into()),
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            EventTime::TimeOfDay(t) => t.encode_tagged(w, ctx(0)),
            EventTime::TimeSequenceIdentifier(n) => {
                crate::codec::write_uint(w, ctx(1), u64::from(*n))
            }
            EventTime::Undefined => crate::codec::write_null(w, ctx(2)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_one, to_vec};

    #[test]
    fn object_name_forms() {
        let names = [
            ObjectName::vmd("abc"),
            ObjectName::domain("LD0", "LLN0$ST$Mod"),
            ObjectName::aa("x"),
        ];
        for n in names {
            let b = to_vec(|w| n.encode_choice(w));
            let back = decode_one(&b, 8, ObjectName::decode_choice).unwrap();
            assert_eq!(back, n);
        }
        assert_eq!(
            to_vec(|w| ObjectName::domain("D", "I").encode_choice(w)),
            [0xA1, 6, 0x1A, 1, b'D', 0x1A, 1, b'I']
        );
        // domain-specific with a missing itemId
        assert!(decode_one(&[0xA1, 3, 0x1A, 1, b'D'], 8, ObjectName::decode_choice).is_err());
        // an unknown alternative
        assert!(decode_one(&[0x83, 1, b'D'], 8, ObjectName::decode_choice).is_err());
    }

    #[test]
    fn event_time_and_named_integers() {
        for t in [
            EventTime::TimeOfDay(TimeOfDay {
                millis: 5,
                days: Some(1),
            }),
            EventTime::TimeSequenceIdentifier(7),
            EventTime::Undefined,
        ] {
            let b = to_vec(|w| t.encode_choice(w));
            assert_eq!(decode_one(&b, 4, EventTime::decode_choice).unwrap(), t);
        }
        assert_eq!(to_vec(|w| EventTime::Undefined.encode_choice(w)), [0x82, 0]);
        assert_eq!(EcState::from_i64(2), Ok(EcState::Active));
        assert_eq!(
            EcState::from_i64(3),
            Err(DecodeError::OutOfRange("EC-State"))
        );
        assert_eq!(
            decode_one(&[2, 1, 8], 4, ProgramInvocationState::decode_value),
            Ok(ProgramInvocationState::Resetting)
        );
    }

    #[test]
    fn time_of_day_lengths() {
        assert_eq!(
            TimeOfDay::from_octets(&[0, 0, 0, 1]).unwrap(),
            TimeOfDay {
                millis: 1,
                days: None
            }
        );
        let t = TimeOfDay::from_octets(&[0, 0, 0, 1, 0, 2]).unwrap();
        assert_eq!(t.days, Some(2));
        assert_eq!(t.unix_millis(), Some(441_763_200_000 + 2 * 86_400_000 + 1));
        assert_eq!(TimeOfDay::from_unix_millis(t.unix_millis().unwrap()), t);
        assert_eq!(
            TimeOfDay::from_octets(&[0; 5]),
            Err(DecodeError::OutOfRange("TimeOfDay"))
        );
    }

    #[test]
    fn file_name_and_application_reference() {
        let f = FileName(vec!["a".into(), "b.txt".into()]);
        let b = to_vec(|w| f.encode(w));
        assert_eq!(
            b,
            [0x30, 10, 0x19, 1, b'a', 0x19, 5, b'b', b'.', b't', b'x', b't']
        );
        assert_eq!(decode_one(&b, 4, FileName::decode).unwrap(), f);

        let oid = to_vec(|w| w.oid(Tag::OID, &copp::ber::oid_from_str("1.1.1.999").unwrap()));
        let r = ApplicationReference {
            ap_title: Some(RawValue(oid.into())),
            ap_invocation_id: None,
            ae_qualifier: Some(RawValue(vec![2, 1, 12].into())),
            ae_invocation_id: Some(3),
        };
        let b = to_vec(|w| r.encode(w));
        let back = decode_one(&b, 8, ApplicationReference::decode).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.ap_title_oid().as_deref(), Some("1.1.1.999"));
    }
}

pub use copp::ber::time::{civil_from_days, days_from_civil};

/// `YYYYMMDDHHMMSSZ` (GeneralizedTime, X.680 §46, whole seconds, UTC) for a time; times
/// before 1970 are given as 1970-01-01.
pub fn generalized_time(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let secs = i64::try_from(secs).unwrap_or(i64::MAX / 2);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod calendar_tests {
    use super::*;

    #[test]
    fn generalized_time_of_a_known_instant() {
        // The calendar itself is tested in copp::ber::time.
        assert_eq!(
            generalized_time(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000)),
            "20231114221320Z"
        );
    }
}

//! Event management (ISO 9506-2 §17 event conditions, §18 event actions, §19 event enrollments,
//! alarm summaries and the EventNotification unconfirmed service): the request and response of
//! every confirmed service from
//! defineEventCondition \[47\] to getAlarmEnrollmentSummary \[64\], and EventNotification \[2\].
//!
//! The ASN.1 followed is the MMS module Wireshark's dissector is generated from (ISO 9506-2:1990
//! with fixes); the fields that ISO 9506-2:2003 added are decoded and encoded where they are
//! OPTIONAL (each is marked "ISO 9506-2:2003" in its doc comment). Where the two texts disagree
//! on the wire form, the decoder accepts both and the encoder writes the form Wireshark decodes
//! (see [`ObjectRef`] and [`ActionOutcome`]).
//!
//! This module holds the types the services share; the services are in
//! [`condition`], [`action`], [`enrollment`], [`alarm`] and [`notification`].

pub mod action;
pub mod alarm;
pub mod condition;
pub mod enrollment;
pub mod notification;

pub use action::*;
pub use alarm::*;
pub use condition::*;
pub use enrollment::*;
pub use notification::*;

use crate::codec::explicit_choice;
use crate::codec::{
    ctx, ctx_c, expect_tag, explicit, null, seq_of, write_explicit, write_null, write_seq_of,
    write_uint, BerError, Choice, Class, DecodeError, RawValue, Result, Tag, Tlv, Writer,
};
use crate::common::{identifier, named_integer, Identifier, ObjectName};

/// `Priority ::= Unsigned8` (ISO 9506-2 §7.1.8): 0 is the highest priority, 127 the lowest.
pub type Priority = u8;

/// `normalPriority Priority ::= 64` (ISO 9506-2 §7.1.8): the DEFAULT of every priority field.
pub const NORMAL_PRIORITY: Priority = 64;

/// `Severity ::= Unsigned8` (ISO 9506-2 §15.1, event condition severity): 0 is the most severe,
/// 127 the least.
pub type Severity = u8;

/// `normalSeverity Severity ::= 64` (ISO 9506-2 §15.1): the DEFAULT of every severity field.
pub const NORMAL_SEVERITY: Severity = 64;

named_integer!(
    /// `EC-Class` (ISO 9506-2 §15.1.1): how an event condition is triggered.
    EcClass, "EC-Class" {
        /// network-triggered (0): only by the TriggerEvent service.
        NetworkTriggered = 0,
        /// monitored (1): by the VMD watching a boolean variable.
        Monitored = 1,
    }
);

named_integer!(
    /// `EE-State` (ISO 9506-2 §17.1.1): the state of an event enrollment.
    EeState, "EE-State" {
        /// disabled (0).
        Disabled = 0,
        /// idle (1).
        Idle = 1,
        /// active (2).
        Active = 2,
        /// activeNoAckA (3).
        ActiveNoAckA = 3,
        /// idleNoAckI (4).
        IdleNoAckI = 4,
        /// idleNoAckA (5).
        IdleNoAckA = 5,
        /// idleAcked (6).
        IdleAcked = 6,
        /// activeAcked (7).
        ActiveAcked = 7,
    }
);

named_integer!(
    /// `AlarmAckRule` (ISO 9506-2 §17.1.1): which transitions of an alarm need acknowledgement.
    AlarmAckRule, "AlarmAckRule" {
        /// none (0).
        None = 0,
        /// simple (1).
        Simple = 1,
        /// ack-active (2).
        AckActive = 2,
        /// ack-all (3).
        AckAll = 3,
    }
);

named_integer!(
    /// `EE-Class` (ISO 9506-2 §17.1.1): what an event enrollment was created for.
    EeClass, "EE-Class" {
        /// modifier (0): created by an attach-To-Event-Condition modifier.
        Modifier = 0,
        /// notification (1): created to send EventNotifications.
        Notification = 1,
    }
);

named_integer!(
    /// `EE-Duration` (ISO 9506-2 §17.1.1): how long an event enrollment lives.
    EeDuration, "EE-Duration" {
        /// current (0): until the association ends.
        Current = 0,
        /// permanent (1).
        Permanent = 1,
    }
);

/// `Transitions ::= BIT STRING` (ISO 9506-2 §17.1.1): the event condition transitions an
/// enrollment is interested in. Bit `n` is named by the constants below. The received bit length
/// is kept (up to 32 bits); the value bits beyond it are always clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transitions {
    /// The bits, bit 0 in the most significant position.
    bits: u32,
    /// The number of bits in the string (0..=32).
    len: u8,
}

impl Default for Transitions {
    fn default() -> Self {
        Transitions { bits: 0, len: 7 }
    }
}

impl Transitions {
    /// `idle-to-disabled (0)`.
    pub const IDLE_TO_DISABLED: u8 = 0;
    /// `active-to-disabled (1)`.
    pub const ACTIVE_TO_DISABLED: u8 = 1;
    /// `disabled-to-idle (2)`.
    pub const DISABLED_TO_IDLE: u8 = 2;
    /// `active-to-idle (3)`.
    pub const ACTIVE_TO_IDLE: u8 = 3;
    /// `disabled-to-active (4)`.
    pub const DISABLED_TO_ACTIVE: u8 = 4;
    /// `idle-to-active (5)`.
    pub const IDLE_TO_ACTIVE: u8 = 5;
    /// `any-to-deleted (6)`.
    pub const ANY_TO_DELETED: u8 = 6;

    /// A seven-bit string with the named bits in `set` set.
    pub fn new(set: &[u8]) -> Transitions {
        let mut t = Transitions::default();
        for &b in set {
            t.set(b, true);
        }
        t
    }

    /// A string of `len` bits (at most 32) taken from the top of `bits`; bits beyond `len`
    /// are cleared.
    pub fn from_raw(bits: u32, len: u8) -> Transitions {
        let len = len.min(32);
        Transitions {
            bits: bits & mask(len),
            len,
        }
    }

    /// The bits, bit 0 in the most significant position of the `u32`.
    pub fn raw(&self) -> u32 {
        self.bits
    }

    /// The number of bits received (or to send).
    pub fn bit_len(&self) -> u8 {
        self.len
    }

    /// Bit `n`; false beyond the string's length.
    pub fn get(&self, n: u8) -> bool {
        n < self.len && self.bits & (0x8000_0000 >> n) != 0
    }

    /// Sets or clears bit `n`, growing the string to hold it (up to 32 bits; larger `n` is
    /// ignored).
    pub fn set(&mut self, n: u8, v: bool) {
        if n >= 32 {
            return;
        }
        if n >= self.len {
            self.len = n + 1;
        }
        if v {
            self.bits |= 0x8000_0000 >> n;
        } else {
            self.bits &= !(0x8000_0000 >> n);
        }
    }

    /// `idle-to-disabled`.
    pub fn idle_to_disabled(&self) -> bool {
        self.get(Self::IDLE_TO_DISABLED)
    }
    /// `active-to-disabled`.
    pub fn active_to_disabled(&self) -> bool {
        self.get(Self::ACTIVE_TO_DISABLED)
    }
    /// `disabled-to-idle`.
    pub fn disabled_to_idle(&self) -> bool {
        self.get(Self::DISABLED_TO_IDLE)
    }
    /// `active-to-idle`.
    pub fn active_to_idle(&self) -> bool {
        self.get(Self::ACTIVE_TO_IDLE)
    }
    /// `disabled-to-active`.
    pub fn disabled_to_active(&self) -> bool {
        self.get(Self::DISABLED_TO_ACTIVE)
    }
    /// `idle-to-active`.
    pub fn idle_to_active(&self) -> bool {
        self.get(Self::IDLE_TO_ACTIVE)
    }
    /// `any-to-deleted`.
    pub fn any_to_deleted(&self) -> bool {
        self.get(Self::ANY_TO_DELETED)
    }

    /// Decodes the contents of a (possibly IMPLICIT-tagged) primitive BIT STRING. Tolerant: an
    /// empty string with a non-zero unused-bit count is read as empty, and unused bits that are
    /// set are ignored. More than 32 bits is out of range.
    pub fn decode_value(tlv: &Tlv<'_>) -> Result<Transitions> {
        let c = tlv.octets()?;
        let (&unused, bits) = c.split_first().ok_or(BerError::InvalidBitString)?;
        if bits.is_empty() {
            return Ok(Transitions { bits: 0, len: 0 });
        }
        if unused > 7 {
            return Err(BerError::InvalidBitString.into());
        }
        if bits.len() > 4 {
            return Err(DecodeError::OutOfRange("Transitions"));
        }
        let mut v = [0u8; 4];
        if let Some(dst) = v.get_mut(..bits.len()) {
            dst.copy_from_slice(bits);
        }
        // bits.len() <= 4, so this is at most 32 and fits a u8.
        let len = (bits.len() * 8 - usize::from(unused)) as u8;
        Ok(Transitions::from_raw(u32::from_be_bytes(v), len))
    }

    /// Writes the value as a primitive BIT STRING tagged `tag`.
    pub fn encode_value(&self, w: &mut Writer, tag: Tag) {
        let n = usize::from(self.len).div_ceil(8);
        let unused = (n * 8 - usize::from(self.len)) as u8;
        let b = self.bits.to_be_bytes();
        w.bit_string(tag, unused, b.get(..n).unwrap_or(&[]));
    }
}

fn mask(len: u8) -> u32 {
    if len >= 32 {
        u32::MAX
    } else {
        !(u32::MAX >> len)
    }
}

/// The scope of DeleteEventCondition-Request (ISO 9506-2 §15.3) and DeleteEventAction-Request
/// (§16.3): `CHOICE { specific [0] IMPLICIT SEQUENCE OF ObjectName, aa-specific [1] IMPLICIT
/// NULL, domain [n] IMPLICIT Identifier, vmd [m] IMPLICIT NULL }`. The two services number the
/// domain and vmd alternatives differently (\[2\]/\[3\] for conditions, \[3\]/\[4\] for actions);
/// the service types pass their numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteScope<'a> {
    /// `specific`: the objects named.
    Specific(Vec<ObjectName<'a>>),
    /// `aa-specific`: every association-specific object of this association.
    AaSpecific,
    /// `domain`: every object of the domain.
    Domain(Identifier<'a>),
    /// `vmd`: every VMD-specific object.
    Vmd,
}

impl<'a> DeleteScope<'a> {
    /// Decodes the CHOICE with the given tag numbers for `domain` and `vmd`.
    pub fn decode_with(tlv: &Tlv<'a>, domain_tag: u32, vmd_tag: u32) -> Result<Self> {
        if tlv.tag.class != Class::Context {
            return Err(BerError::InvalidValue("delete scope").into());
        }
        match tlv.tag.number {
            0 => {
                expect_tag(tlv, ctx_c(0))?;
                Ok(DeleteScope::Specific(object_names(tlv)?))
            }
            1 => {
                null(tlv)?;
                Ok(DeleteScope::AaSpecific)
            }
            n if n == domain_tag => {
                expect_tag(tlv, ctx(n))?;
                Ok(DeleteScope::Domain(identifier(tlv)?))
            }
            n if n == vmd_tag => {
                null(tlv)?;
                Ok(DeleteScope::Vmd)
            }
            _ => Err(BerError::InvalidValue("delete scope").into()),
        }
    }

    /// Writes the CHOICE with the given tag numbers for `domain` and `vmd`.
    pub fn encode_with(&self, w: &mut Writer, domain_tag: u32, vmd_tag: u32) {
        match self {
            DeleteScope::Specific(names) => write_object_names(w, ctx_c(0), names),
            DeleteScope::AaSpecific => write_null(w, ctx(1)),
            DeleteScope::Domain(d) => crate::codec::write_string(w, ctx(domain_tag), d),
            DeleteScope::Vmd => write_null(w, ctx(vmd_tag)),
        }
    }
}

/// `CHOICE { eventCondition / eventAction [0] ObjectName, undefined [1] IMPLICIT NULL }`
/// (ISO 9506-2 §17.1.1 EventEnrollment and §18 EventNotification): a reference to an object
/// that may no longer be defined.
///
/// ISO 9506-2:2003 makes EventNotification's `eventConditionName` a plain `[1] ObjectName`;
/// the decoder accepts that form too (it cannot be confused with the CHOICE: a VMD-specific
/// name is a primitive `[0]`, a domain-specific one a constructed `[1]`, an AA-specific one a
/// `[2]`) and the encoder writes the CHOICE, which is what Wireshark decodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectRef<'a> {
    /// The object's name.
    Named(ObjectName<'a>),
    /// `undefined`: the object was deleted.
    Undefined,
}

impl<'a> ObjectRef<'a> {
    /// Decodes the value inside the field's EXPLICIT tag (both the CHOICE and a bare
    /// ObjectName).
    pub fn decode_inner(t: &Tlv<'a>) -> Result<Self> {
        match (t.tag.class, t.tag.number, t.tag.constructed) {
            (Class::Context, 0, true) => Ok(ObjectRef::Named(explicit_choice(t)?)),
            (Class::Context, 1, false) => {
                null(t)?;
                Ok(ObjectRef::Undefined)
            }
            _ => Ok(ObjectRef::Named(ObjectName::decode_choice(t)?)),
        }
    }

    /// Writes the CHOICE (without the field's EXPLICIT tag).
    pub fn encode_inner(&self, w: &mut Writer) {
        match self {
            ObjectRef::Named(n) => write_explicit(w, 0, |w| n.encode_choice(w)),
            ObjectRef::Undefined => write_null(w, ctx(1)),
        }
    }
}

named_integer!(
    /// `acknowledgmentFilter` of GetAlarmSummary / GetAlarmEnrollmentSummary (ISO 9506-2
    /// §17.9–§17.10): which alarms to report by acknowledgement state.
    AcknowledgmentFilter, "acknowledgmentFilter" {
        /// not-acked (0), the DEFAULT.
        NotAcked = 0,
        /// acked (1).
        Acked = 1,
        /// all (2).
        All = 2,
    }
);

// ---------------------------------------------------------------------------------------------
// Field helpers shared by the service modules.

/// Decodes `SEQUENCE OF ObjectName` (the tag already matched).
pub(crate) fn object_names<'a>(t: &Tlv<'a>) -> Result<Vec<ObjectName<'a>>> {
    seq_of(t, ObjectName::decode_choice)
}

/// Writes `SEQUENCE OF ObjectName` tagged `tag`.
pub(crate) fn write_object_names(w: &mut Writer, tag: Tag, names: &[ObjectName<'_>]) {
    write_seq_of(w, tag, names, |w, n| n.encode_choice(w));
}

/// Writes an IMPLICIT unsigned field.
pub(crate) fn write_u(w: &mut Writer, n: u32, v: u64) {
    write_uint(w, ctx(n), v);
}

/// Decodes an `[n] ApplicationReference` field (EXPLICIT in ISO 9506-2's module).
pub(crate) fn app_ref_explicit<'a>(t: &Tlv<'a>) -> Result<crate::common::ApplicationReference<'a>> {
    use crate::codec::Asn1;
    crate::common::ApplicationReference::decode(&explicit(t)?)
}

/// Writes an `[n] ApplicationReference` field.
pub(crate) fn write_app_ref(w: &mut Writer, n: u32, a: &crate::common::ApplicationReference<'_>) {
    use crate::codec::Asn1;
    write_explicit(w, n, |w| a.encode(w));
}

/// Decodes an `[n] X` field whose X is kept as received (the inner value, validated as one
/// well-formed BER value).
pub(crate) fn raw_explicit<'a>(t: &Tlv<'a>) -> Result<RawValue<'a>> {
    Ok(RawValue::from_tlv(&explicit(t)?))
}

/// Declares a service body that is `[n] IMPLICIT Unsigned32`.
macro_rules! unsigned_service {
    ($(#[$m:meta])* $name:ident = $tag:literal, $(#[$fm:meta])* $field:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name {
            $(#[$fm])*
            pub $field: u32,
        }

        impl<'a> $crate::codec::Service<'a> for $name {
            const TAG: u32 = $tag;

            fn decode_service(tlv: &$crate::codec::Tlv<'a>) -> $crate::codec::Result<Self> {
                $crate::codec::expect_tag(tlv, $crate::codec::ctx($tag))?;
                Ok($name {
                    $field: $crate::codec::uint32(tlv)?,
                })
            }

            fn encode_service(&self, w: &mut $crate::codec::Writer) {
                $crate::codec::write_uint(w, $crate::codec::ctx($tag), u64::from(self.$field));
            }
        }
    };
}
pub(crate) use unsigned_service;

/// Declares a service body that is `[n] ObjectName` (EXPLICIT: ObjectName is a CHOICE).
macro_rules! object_name_service {
    ($(#[$m:meta])* $name:ident = $tag:literal, $(#[$fm:meta])* $field:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name<'a> {
            $(#[$fm])*
            pub $field: $crate::common::ObjectName<'a>,
        }

        impl<'a> $crate::codec::Service<'a> for $name<'a> {
            const TAG: u32 = $tag;

            fn decode_service(tlv: &$crate::codec::Tlv<'a>) -> $crate::codec::Result<Self> {
                $crate::codec::expect_tag(tlv, $crate::codec::ctx_c($tag))?;
                Ok($name {
                    $field: $crate::codec::explicit_choice(tlv)?,
                })
            }

            fn encode_service(&self, w: &mut $crate::codec::Writer) {
                $crate::codec::write_explicit_choice(w, $tag, &self.$field);
            }
        }
    };
}
pub(crate) use object_name_service;

#[cfg(test)]
pub(crate) mod arb;

#[cfg(test)]
mod tests;

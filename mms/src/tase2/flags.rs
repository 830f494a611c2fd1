//! The one-octet bit strings of the indication points and protection events
//! (IEC 60870-6-802 Block 1): Data_Flags, Data_State, Data_StateSupplemental, and the
//! protection-event flags, with typed accessors and constructors.
//!
//! Bits are numbered as ASN.1 numbers BIT STRING bits (X.680 §22, X.690 §8.6): **bit 0 is the
//! most significant bit of the first octet**, so bit n is the octet mask `0x80 >> n`. A
//! two-bit field "hi/lo" at bits (n, n+1) reads as the code `2 * bit(n) + bit(n + 1)`.
//! Each type keeps the octet as it is sent (`from_octet` / `octet`), so bits this module does
//! not name survive a round trip. Libraries that read bit strings as LSB-first integers give the
//! same bits the values 1, 2, 4, ... (docs/tase2.md, "Bit order").

use super::error::{bit_string, bits_exact, Result, BITS8};
use super::Tase2Type;
use crate::data::Data;
use crate::types::TypeDescription;

/// Bit `n` (0 = most significant) of an octet.
const fn bit(octet: u8, n: u8) -> bool {
    octet & (0x80 >> n) != 0
}

/// The octet with bit `n` set or cleared.
const fn with_bit(octet: u8, n: u8, v: bool) -> u8 {
    if v {
        octet | (0x80 >> n)
    } else {
        octet & !(0x80 >> n)
    }
}

/// The two-bit code at bits (`hi`, `hi + 1`): `2 * bit(hi) + bit(hi + 1)`.
const fn field(octet: u8, hi: u8) -> u8 {
    (octet >> (6 - hi)) & 0b11
}

/// The octet with the two-bit code at bits (`hi`, `hi + 1`) replaced by `code & 3`.
const fn with_field(octet: u8, hi: u8, code: u8) -> u8 {
    let shift = 6 - hi;
    (octet & !(0b11 << shift)) | ((code & 0b11) << shift)
}

/// Defines a two-bit code enum with `from_code` / `code`.
macro_rules! two_bit_code {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $code:literal ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant = $code ),*
        }

        impl $name {
            /// The value of a two-bit code (only the two low bits of `code` are used).
            pub const fn from_code(code: u8) -> $name {
                match code & 0b11 {
                    $( $code => $name::$variant, )*
                    // Unreachable: the four codes are listed above.
                    _ => $name::from_code(0),
                }
            }

            /// The two-bit code (hi bit first: 0b10 means the hi bit is set).
            pub const fn code(self) -> u8 {
                self as u8
            }
        }
    };
}

two_bit_code! {
    /// Validity of a value: Data_Flags / Data_State bits 2 (hi) and 3 (lo)
    /// (IEC 60870-6-802 Block 1; docs/tase2.md, "Data_Flags").
    Validity {
        /// 00: valid.
        Valid = 0,
        /// 01: held (not updated, last value kept).
        Held = 1,
        /// 10: suspect.
        Suspect = 2,
        /// 11: not valid.
        NotValid = 3,
    }
}

two_bit_code! {
    /// Where a value comes from: Data_Flags / Data_State bits 4 (hi) and 5 (lo)
    /// (IEC 60870-6-802 Block 1; docs/tase2.md, "Data_Flags").
    CurrentSource {
        /// 00: telemetered.
        Telemetered = 0,
        /// 01: calculated.
        Calculated = 1,
        /// 10: entered manually.
        Entered = 2,
        /// 11: estimated.
        Estimated = 3,
    }
}

two_bit_code! {
    /// The state of a two-state device: Data_State bits 0 (hi) and 1 (lo), also the state and
    /// expected-state fields of Data_StateSupplemental and the event state of the protection
    /// events (IEC 60870-6-802 Block 1; docs/tase2.md, "Data_State").
    ///
    /// The codes name a breaker's positions; other devices use the same codes for other pairs
    /// (01 auto / local / lower ..., 10 manual / remote / raise ...).
    State {
        /// 00: between (intermediate).
        Between = 0,
        /// 01: off, tripped, open.
        Off = 1,
        /// 10: on, closed.
        On = 2,
        /// 11: invalid.
        Invalid = 3,
    }
}

two_bit_code! {
    /// A device tag: TagFlags bits 0-1 of a `<device>_TAG` and the tag field of
    /// Data_StateSupplemental (IEC 60870-6-802 Block 5; docs/tase2.md, "Tags").
    TagState {
        /// 00: no tag.
        NoTag = 0,
        /// 01 (bit 1 set): open and close inhibited.
        OpenAndCloseInhibit = 1,
        /// 10 (bit 0 set): close inhibited, open allowed.
        CloseOnlyInhibit = 2,
        /// 11: invalid.
        Invalid = 3,
    }
}

/// Normal-value flag: Data_Flags / Data_State bit 6 (IEC 60870-6-802 Block 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NormalValue {
    /// 0: the value is normal.
    Normal,
    /// 1: the value is off-normal (abnormal).
    Abnormal,
}

/// Time-stamp quality: Data_Flags / Data_State bit 7 (IEC 60870-6-802 Block 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeStampQuality {
    /// 0: the time stamp is valid.
    Valid,
    /// 1: the time stamp is invalid.
    Invalid,
}

/// Implements [`Tase2Type`] for a newtype over the octet of a bit-string(8).
macro_rules! octet_type {
    ($ty:ident, $name:literal) => {
        impl Tase2Type for $ty {
            const TYPE_NAME: &'static str = $name;

            fn type_description() -> TypeDescription<'static> {
                BITS8
            }

            fn to_data(&self) -> Data<'static> {
                bit_string(u32::from(self.0) << 24, 8)
            }

            fn from_data(d: &Data<'_>) -> Result<Self> {
                let v = bits_exact(d, $name, 8)?;
                Ok($ty(v.to_be_bytes()[0]))
            }
        }
    };
}

/// The quality accessors shared by Data_Flags and Data_State (bits 2-7).
macro_rules! quality_accessors {
    () => {
        /// Bits 2-3: validity.
        pub const fn validity(self) -> Validity {
            Validity::from_code(field(self.0, 2))
        }

        /// Bits 4-5: current source.
        pub const fn current_source(self) -> CurrentSource {
            CurrentSource::from_code(field(self.0, 4))
        }

        /// Bit 6: normal value.
        pub const fn normal_value(self) -> NormalValue {
            if bit(self.0, 6) {
                NormalValue::Abnormal
            } else {
                NormalValue::Normal
            }
        }

        /// Bit 7: time-stamp quality.
        pub const fn time_stamp_quality(self) -> TimeStampQuality {
            if bit(self.0, 7) {
                TimeStampQuality::Invalid
            } else {
                TimeStampQuality::Valid
            }
        }

        /// The same value with another validity (bits 2-3).
        #[must_use]
        pub const fn with_validity(self, v: Validity) -> Self {
            Self(with_field(self.0, 2, v.code()))
        }

        /// The same value with another current source (bits 4-5).
        #[must_use]
        pub const fn with_current_source(self, v: CurrentSource) -> Self {
            Self(with_field(self.0, 4, v.code()))
        }

        /// The same value with another normal-value flag (bit 6).
        #[must_use]
        pub const fn with_normal_value(self, v: NormalValue) -> Self {
            Self(with_bit(self.0, 6, matches!(v, NormalValue::Abnormal)))
        }

        /// The same value with another time-stamp quality (bit 7).
        #[must_use]
        pub const fn with_time_stamp_quality(self, v: TimeStampQuality) -> Self {
            Self(with_bit(self.0, 7, matches!(v, TimeStampQuality::Invalid)))
        }

        /// The octet as sent (bit 0 = `0x80`).
        pub const fn octet(self) -> u8 {
            self.0
        }
    };
}

/// `Data_Flags` (IEC 60870-6-802 Block 1): the quality of an indication point, a
/// bit-string(8). Bits 0-1 are unused (kept as received); 2-3 validity, 4-5 current source,
/// 6 normal value, 7 time-stamp quality (docs/tase2.md, "Data_Flags").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DataFlags(u8);

impl DataFlags {
    /// Valid, telemetered, normal, time stamp valid: the octet 0x00.
    pub const GOOD: DataFlags = DataFlags(0);

    /// Flags from their fields (bits 0-1 zero).
    pub const fn new(
        validity: Validity,
        current_source: CurrentSource,
        normal_value: NormalValue,
        time_stamp_quality: TimeStampQuality,
    ) -> DataFlags {
        DataFlags(0)
            .with_validity(validity)
            .with_current_source(current_source)
            .with_normal_value(normal_value)
            .with_time_stamp_quality(time_stamp_quality)
    }

    /// Flags from the octet as sent (bit 0 = `0x80`).
    pub const fn from_octet(octet: u8) -> DataFlags {
        DataFlags(octet)
    }

    quality_accessors!();
}

octet_type!(DataFlags, "Data_Flags");

/// `Data_State` (IEC 60870-6-802 Block 1): the state of a two-state device and its quality in
/// one bit-string(8). Bits 0-1 state (hi/lo), bits 2-7 as in [`DataFlags`]. Data_StateQ is the
/// same type (docs/tase2.md, "Data_State").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DataState(u8);

impl DataState {
    /// A state with its quality (bits 0-1 of `flags` are ignored).
    pub const fn new(state: State, flags: DataFlags) -> DataState {
        DataState(with_field(flags.0, 0, state.code()))
    }

    /// The value from the octet as sent (bit 0 = `0x80`).
    pub const fn from_octet(octet: u8) -> DataState {
        DataState(octet)
    }

    /// Bits 0-1: the state.
    pub const fn state(self) -> State {
        State::from_code(field(self.0, 0))
    }

    /// The same value with another state (bits 0-1).
    #[must_use]
    pub const fn with_state(self, state: State) -> DataState {
        DataState(with_field(self.0, 0, state.code()))
    }

    /// Bits 2-7 as Data_Flags (bits 0-1 cleared).
    pub const fn flags(self) -> DataFlags {
        DataFlags(self.0 & 0x3F)
    }

    quality_accessors!();
}

octet_type!(DataState, "Data_State");

/// `Data_StateSupplemental` (IEC 60870-6-802 Block 1): a bit-string(8) with the state
/// (bits 0-1), the device's tag (bits 2-3) and the expected state (bits 4-5), each hi/lo;
/// bits 6-7 are not named and are kept as received. Its quality travels in a separate
/// Data_Flags (docs/tase2.md, "Data_StateSupplemental").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StateSupplemental(u8);

impl StateSupplemental {
    /// A value from its fields (bits 6-7 zero).
    pub const fn new(state: State, tag: TagState, expected_state: State) -> StateSupplemental {
        StateSupplemental(0)
            .with_state(state)
            .with_tag(tag)
            .with_expected_state(expected_state)
    }

    /// The value from the octet as sent (bit 0 = `0x80`).
    pub const fn from_octet(octet: u8) -> StateSupplemental {
        StateSupplemental(octet)
    }

    /// The octet as sent.
    pub const fn octet(self) -> u8 {
        self.0
    }

    /// Bits 0-1: the state.
    pub const fn state(self) -> State {
        State::from_code(field(self.0, 0))
    }

    /// Bits 2-3: the tag. The codes are read as TagFlags' (docs/tase2.md, "Decisions").
    pub const fn tag(self) -> TagState {
        TagState::from_code(field(self.0, 2))
    }

    /// Bits 4-5: the expected state, with the codes of [`State`] (docs/tase2.md, "Decisions").
    pub const fn expected_state(self) -> State {
        State::from_code(field(self.0, 4))
    }

    /// The same value with another state.
    #[must_use]
    pub const fn with_state(self, v: State) -> StateSupplemental {
        StateSupplemental(with_field(self.0, 0, v.code()))
    }

    /// The same value with another tag.
    #[must_use]
    pub const fn with_tag(self, v: TagState) -> StateSupplemental {
        StateSupplemental(with_field(self.0, 2, v.code()))
    }

    /// The same value with another expected state.
    #[must_use]
    pub const fn with_expected_state(self, v: State) -> StateSupplemental {
        StateSupplemental(with_field(self.0, 4, v.code()))
    }
}

octet_type!(StateSupplemental, "Data_StateSupplemental");

/// The five event-quality bits shared by SingleEventFlags and PackedEventFlags (bits 0-4).
macro_rules! event_quality_accessors {
    () => {
        /// Bit 0: elapsed-time validity (set = the operating time is not valid; see
        /// docs/tase2.md, "Decisions").
        pub const fn elapsed_time_invalid(self) -> bool {
            bit(self.0, 0)
        }

        /// Bit 1: blocked.
        pub const fn blocked(self) -> bool {
            bit(self.0, 1)
        }

        /// Bit 2: substituted.
        pub const fn substituted(self) -> bool {
            bit(self.0, 2)
        }

        /// Bit 3: topicality (set = not topical; see docs/tase2.md, "Decisions").
        pub const fn not_topical(self) -> bool {
            bit(self.0, 3)
        }

        /// Bit 4: event validity (set = the event is not valid; see docs/tase2.md,
        /// "Decisions").
        pub const fn event_invalid(self) -> bool {
            bit(self.0, 4)
        }

        /// The same flags with bit 0 (elapsed-time validity) set or cleared.
        #[must_use]
        pub const fn with_elapsed_time_invalid(self, v: bool) -> Self {
            Self(with_bit(self.0, 0, v))
        }

        /// The same flags with bit 1 (blocked) set or cleared.
        #[must_use]
        pub const fn with_blocked(self, v: bool) -> Self {
            Self(with_bit(self.0, 1, v))
        }

        /// The same flags with bit 2 (substituted) set or cleared.
        #[must_use]
        pub const fn with_substituted(self, v: bool) -> Self {
            Self(with_bit(self.0, 2, v))
        }

        /// The same flags with bit 3 (topicality) set or cleared.
        #[must_use]
        pub const fn with_not_topical(self, v: bool) -> Self {
            Self(with_bit(self.0, 3, v))
        }

        /// The same flags with bit 4 (event validity) set or cleared.
        #[must_use]
        pub const fn with_event_invalid(self, v: bool) -> Self {
            Self(with_bit(self.0, 4, v))
        }

        /// The octet as sent (bit 0 = `0x80`).
        pub const fn octet(self) -> u8 {
            self.0
        }
    };
}

/// `SingleEventFlags` of a single protection event (IEC 60870-6-802 Block 1 protection
/// events): bit-string(8), bits 0-4 event quality, bit 5 unused, bits 6-7 event state (hi/lo)
/// (docs/tase2.md, "Protection events").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SingleEventFlags(u8);

impl SingleEventFlags {
    /// The flags from the octet as sent.
    pub const fn from_octet(octet: u8) -> SingleEventFlags {
        SingleEventFlags(octet)
    }

    /// Flags with the given event state and all quality bits clear.
    pub const fn new(event_state: State) -> SingleEventFlags {
        SingleEventFlags(0).with_event_state(event_state)
    }

    event_quality_accessors!();

    /// Bits 6-7: the event state, read with the codes of [`State`] (docs/tase2.md,
    /// "Decisions").
    pub const fn event_state(self) -> State {
        State::from_code(field(self.0, 6))
    }

    /// The same flags with another event state.
    #[must_use]
    pub const fn with_event_state(self, v: State) -> SingleEventFlags {
        SingleEventFlags(with_field(self.0, 6, v.code()))
    }
}

octet_type!(SingleEventFlags, "SingleEventFlags");

/// `PackedEventFlags` of a packed protection event (IEC 60870-6-802 Block 1 protection
/// events): bit-string(8), bits 0-4 as in [`SingleEventFlags`], bits 5-7 unused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PackedEventFlags(u8);

impl PackedEventFlags {
    /// The flags from the octet as sent.
    pub const fn from_octet(octet: u8) -> PackedEventFlags {
        PackedEventFlags(octet)
    }

    event_quality_accessors!();
}

octet_type!(PackedEventFlags, "PackedEventFlags");

/// `PackedEvent` of a packed protection event (IEC 60870-6-802 Block 1 protection events):
/// bit-string(8) of the protection functions that started or tripped: bit 0 general, 1-3
/// phases 1-3, 4 earth, 5 reverse direction; 6-7 unused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PackedEvent(u8);

impl PackedEvent {
    /// Bit 0: general.
    pub const GENERAL: u8 = 0x80;
    /// Bit 1: phase 1.
    pub const PHASE_1: u8 = 0x40;
    /// Bit 2: phase 2.
    pub const PHASE_2: u8 = 0x20;
    /// Bit 3: phase 3.
    pub const PHASE_3: u8 = 0x10;
    /// Bit 4: earth.
    pub const EARTH: u8 = 0x08;
    /// Bit 5: reverse direction.
    pub const REVERSE: u8 = 0x04;

    /// The value from the octet as sent (masks above, bit 0 = `0x80`).
    pub const fn from_octet(octet: u8) -> PackedEvent {
        PackedEvent(octet)
    }

    /// The octet as sent.
    pub const fn octet(self) -> u8 {
        self.0
    }

    /// Bit 0: general.
    pub const fn general(self) -> bool {
        bit(self.0, 0)
    }

    /// Bit `phase` (1..=3): that phase; false for other numbers.
    pub const fn phase(self, phase: u8) -> bool {
        matches!(phase, 1..=3) && bit(self.0, phase)
    }

    /// Bit 4: earth.
    pub const fn earth(self) -> bool {
        bit(self.0, 4)
    }

    /// Bit 5: reverse direction.
    pub const fn reverse(self) -> bool {
        bit(self.0, 5)
    }
}

octet_type!(PackedEvent, "PackedEvent");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::MmsBitString;
    use proptest::prelude::*;

    /// Bit `n` of the value as the crate's generic bit-string code reads it from the encoded
    /// Data: an independent path to the same bit.
    fn wire_bit(d: &Data<'_>, n: usize) -> bool {
        match d {
            Data::BitString(b) => b.bit(n),
            _ => panic!("not a bit string: {d:?}"),
        }
    }

    fn wire_code(d: &Data<'_>, hi: usize) -> u8 {
        u8::from(wire_bit(d, hi)) * 2 + u8::from(wire_bit(d, hi + 1))
    }

    #[test]
    fn octet_masks_of_the_named_values() {
        // docs/tase2.md, "Data_Flags": validity mask 0x30 (held 0x10, suspect 0x20), source
        // 0x0C (calculated 0x04, entered 0x08), abnormal 0x02, time invalid 0x01; state 0xC0
        // (off 0x40, on 0x80).
        let f = |v, s| DataFlags::new(v, s, NormalValue::Normal, TimeStampQuality::Valid);
        assert_eq!(f(Validity::Held, CurrentSource::Telemetered).octet(), 0x10);
        assert_eq!(
            f(Validity::Suspect, CurrentSource::Telemetered).octet(),
            0x20
        );
        assert_eq!(
            f(Validity::NotValid, CurrentSource::Telemetered).octet(),
            0x30
        );
        assert_eq!(f(Validity::Valid, CurrentSource::Calculated).octet(), 0x04);
        assert_eq!(f(Validity::Valid, CurrentSource::Entered).octet(), 0x08);
        assert_eq!(f(Validity::Valid, CurrentSource::Estimated).octet(), 0x0C);
        assert_eq!(
            DataFlags::GOOD
                .with_normal_value(NormalValue::Abnormal)
                .octet(),
            0x02
        );
        assert_eq!(
            DataFlags::GOOD
                .with_time_stamp_quality(TimeStampQuality::Invalid)
                .octet(),
            0x01
        );
        assert_eq!(DataState::new(State::Off, DataFlags::GOOD).octet(), 0x40);
        assert_eq!(DataState::new(State::On, DataFlags::GOOD).octet(), 0x80);
        assert_eq!(
            DataState::new(State::Invalid, DataFlags::GOOD).octet(),
            0xC0
        );
        // The LSB-first integer constants other libraries use name the same bits: held = 8
        // there is bit 3, i.e. 0x10 here.
        let lsb_first = |octet: u8| octet.reverse_bits();
        assert_eq!(lsb_first(0x10), 8);
        assert_eq!(lsb_first(0x04), 32);
        assert_eq!(
            lsb_first(DataState::new(State::On, DataFlags::GOOD).octet()),
            1
        );
        // Supplemental: state bits 0-1, tag 2-3, expected 4-5.
        let s = StateSupplemental::new(State::On, TagState::CloseOnlyInhibit, State::Off);
        assert_eq!(s.octet(), 0b10_10_01_00);
        // Protection events: event state in bits 6-7, packed-event phase 2 = bit 2.
        assert_eq!(SingleEventFlags::new(State::On).octet(), 0x02);
        assert!(PackedEvent::from_octet(0x20).phase(2));
        assert!(!PackedEvent::from_octet(0x20).phase(4));
    }

    #[test]
    fn wrong_shapes() {
        use super::super::error::{DataKind, Tase2Error};
        assert_eq!(
            DataFlags::from_data(&Data::Integer(0)),
            Err(Tase2Error::WrongType {
                what: "Data_Flags",
                expected: DataKind::BitString,
                found: DataKind::Integer
            })
        );
        assert_eq!(
            DataState::from_data(&Data::BitString(MmsBitString::from_u32(0, 5))),
            Err(Tase2Error::WrongBitLength {
                what: "Data_State",
                expected: 8,
                found: 5
            })
        );
        // booleanArray is another alternative, not a bit-string.
        assert!(matches!(
            DataFlags::from_data(&Data::BooleanArray(MmsBitString::from_u32(0, 8))),
            Err(Tase2Error::WrongType { .. })
        ));
    }

    proptest! {
        #[test]
        fn data_flags_accessors_read_the_asn1_bits(o in any::<u8>()) {
            let f = DataFlags::from_octet(o);
            let d = f.to_data();
            prop_assert_eq!(f.validity().code(), wire_code(&d, 2));
            prop_assert_eq!(f.current_source().code(), wire_code(&d, 4));
            prop_assert_eq!(f.normal_value() == NormalValue::Abnormal, wire_bit(&d, 6));
            prop_assert_eq!(f.time_stamp_quality() == TimeStampQuality::Invalid, wire_bit(&d, 7));
            prop_assert_eq!(DataFlags::from_data(&d), Ok(f));
            // Rebuilt from its fields, only the unused bits 0-1 are lost.
            let rebuilt = DataFlags::new(
                f.validity(), f.current_source(), f.normal_value(), f.time_stamp_quality());
            prop_assert_eq!(rebuilt.octet(), o & 0x3F);
        }

        #[test]
        fn data_state_accessors_read_the_asn1_bits(o in any::<u8>()) {
            let s = DataState::from_octet(o);
            let d = s.to_data();
            prop_assert_eq!(s.state().code(), wire_code(&d, 0));
            prop_assert_eq!(s.validity().code(), wire_code(&d, 2));
            prop_assert_eq!(s.current_source().code(), wire_code(&d, 4));
            prop_assert_eq!(s.normal_value() == NormalValue::Abnormal, wire_bit(&d, 6));
            prop_assert_eq!(s.time_stamp_quality() == TimeStampQuality::Invalid, wire_bit(&d, 7));
            prop_assert_eq!(DataState::new(s.state(), s.flags()), s);
            prop_assert_eq!(DataState::from_data(&d), Ok(s));
        }

        #[test]
        fn setters_touch_only_their_bits(o in any::<u8>(), c in 0u8..4, b in any::<bool>()) {
            let f = DataFlags::from_octet(o);
            prop_assert_eq!(f.with_validity(Validity::from_code(c)).octet() & !0x30, o & !0x30);
            prop_assert_eq!(f.with_current_source(CurrentSource::from_code(c)).octet() & !0x0C, o & !0x0C);
            let nv = if b { NormalValue::Abnormal } else { NormalValue::Normal };
            prop_assert_eq!(f.with_normal_value(nv).octet() & !0x02, o & !0x02);
            let s = DataState::from_octet(o).with_state(State::from_code(c));
            prop_assert_eq!(s.octet() & 0x3F, o & 0x3F);
            prop_assert_eq!(s.state().code(), c);
            let sup = StateSupplemental::from_octet(o);
            prop_assert_eq!(sup.with_tag(TagState::from_code(c)).octet() & !0x30, o & !0x30);
            prop_assert_eq!(sup.with_tag(TagState::from_code(c)).tag().code(), c);
            prop_assert_eq!(sup.with_expected_state(State::from_code(c)).octet() & !0x0C, o & !0x0C);
            let ev = SingleEventFlags::from_octet(o);
            prop_assert_eq!(ev.with_blocked(b).octet() & !0x40, o & !0x40);
            prop_assert_eq!(ev.with_blocked(b).blocked(), b);
            prop_assert_eq!(ev.with_event_state(State::from_code(c)).octet() & !0x03, o & !0x03);
        }

        #[test]
        fn supplemental_and_event_accessors_read_the_asn1_bits(o in any::<u8>()) {
            let s = StateSupplemental::from_octet(o);
            let d = s.to_data();
            prop_assert_eq!(s.state().code(), wire_code(&d, 0));
            prop_assert_eq!(s.tag().code(), wire_code(&d, 2));
            prop_assert_eq!(s.expected_state().code(), wire_code(&d, 4));
            prop_assert_eq!(StateSupplemental::from_data(&d), Ok(s));

            let e = SingleEventFlags::from_octet(o);
            let d = e.to_data();
            let named = [e.elapsed_time_invalid(), e.blocked(), e.substituted(),
                e.not_topical(), e.event_invalid()];
            for (n, v) in named.iter().enumerate() {
                prop_assert_eq!(*v, wire_bit(&d, n));
            }
            prop_assert_eq!(e.event_state().code(), wire_code(&d, 6));
            prop_assert_eq!(SingleEventFlags::from_data(&d), Ok(e));

            let p = PackedEvent::from_octet(o);
            let d = p.to_data();
            let named = [p.general(), p.phase(1), p.phase(2), p.phase(3), p.earth(), p.reverse()];
            for (n, v) in named.iter().enumerate() {
                prop_assert_eq!(*v, wire_bit(&d, n));
            }
            prop_assert_eq!(PackedEvent::from_data(&d), Ok(p));
            let pf = PackedEventFlags::from_octet(o);
            prop_assert_eq!(pf.blocked(), wire_bit(&pf.to_data(), 1));
            prop_assert_eq!(PackedEventFlags::from_data(&pf.to_data()), Ok(pf));
        }
    }
}

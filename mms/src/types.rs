//! MMS type descriptions (ISO 9506-2 §14.1 `TypeSpecification`, §14.4.1 `TypeDescription`):
//! what GetVariableAccessAttributes and GetNamedTypeAttributes return and DefineNamedType sends.
//!
//! Wireshark's module (ISO 9506-2:1990 based) folds the description alternatives into
//! `TypeSpecification` and lacks `floating-point [7]`, `mMSString [16]` and `utc-time [17]`; they
//! are decoded and encoded here as ISO 9506-2:2003 defines them (`floating-point` is an IMPLICIT
//! SEQUENCE of two Unsigned8, not an INTEGER).

use crate::codec::{
    boolean, ctx, ctx_c, explicit, int32, null, seq_of, uint32, uint8, write_explicit, write_null,
    write_uint, BerError, Choice, Class, DecodeError, Fields, Result, Tag, Tlv, Writer,
};
use crate::common::{identifier, Identifier, ObjectName};

/// `TypeSpecification ::= CHOICE { typeName [0] ObjectName, typeDescription TypeDescription }`
/// (ISO 9506-2 §14.1): a named type or a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeSpecification<'a> {
    /// `typeName [0] ObjectName` (EXPLICIT: ObjectName is a CHOICE).
    TypeName(ObjectName<'a>),
    /// `typeDescription TypeDescription` (untagged: the description's own tag).
    TypeDescription(TypeDescription<'a>),
}

impl<'a> Choice<'a> for TypeSpecification<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        if tlv.tag == ctx_c(0) {
            Ok(TypeSpecification::TypeName(ObjectName::decode_choice(
                &explicit(tlv)?,
            )?))
        } else {
            Ok(TypeSpecification::TypeDescription(
                TypeDescription::decode_choice(tlv)?,
            ))
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            TypeSpecification::TypeName(n) => write_explicit(w, 0, |w| n.encode_choice(w)),
            TypeSpecification::TypeDescription(d) => d.encode_choice(w),
        }
    }
}

impl<'a> From<TypeDescription<'a>> for TypeSpecification<'a> {
    /// A described type.
    fn from(d: TypeDescription<'a>) -> Self {
        TypeSpecification::TypeDescription(d)
    }
}

/// One component of a structure type (ISO 9506-2 §14.4.1:
/// `SEQUENCE { componentName [0] IMPLICIT Identifier OPTIONAL, componentType [1] TypeSpecification }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructureComponent<'a> {
    /// `componentName [0] IMPLICIT Identifier OPTIONAL`.
    pub component_name: Option<Identifier<'a>>,
    /// `componentType [1] TypeSpecification` (EXPLICIT).
    pub component_type: TypeSpecification<'a>,
}

impl<'a> StructureComponent<'a> {
    /// A named component.
    pub fn named(name: impl Into<Identifier<'a>>, ty: impl Into<TypeSpecification<'a>>) -> Self {
        StructureComponent {
            component_name: Some(name.into()),
            component_type: ty.into(),
        }
    }

    fn decode(tlv: &Tlv<'a>) -> Result<Self> {
        if tlv.tag != Tag::SEQUENCE {
            return Err(BerError::UnexpectedTag {
                expected: Tag::SEQUENCE,
                found: tlv.tag,
            }
            .into());
        }
        let mut f = Fields::new(tlv)?;
        let component_name = f.opt_map(ctx(0), identifier)?;
        let component_type = f.req_choice::<TypeSpecification>(1, "componentType")?;
        f.finish()?;
        Ok(StructureComponent {
            component_name,
            component_type,
        })
    }

    fn encode(&self, w: &mut Writer) {
        let m = w.mark();
        write_explicit(w, 1, |w| self.component_type.encode_choice(w));
        if let Some(n) = &self.component_name {
            w.octets(ctx(0), n.as_bytes());
        }
        w.wrap(m, Tag::SEQUENCE);
    }
}

/// `TypeDescription ::= CHOICE` (ISO 9506-2 §14.4.1): the structure of an MMS type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeDescription<'a> {
    /// `array [1] IMPLICIT SEQUENCE { packed [0] DEFAULT FALSE, numberOfElements [1],
    /// elementType [2] TypeSpecification }`.
    Array {
        /// `packed [0] IMPLICIT BOOLEAN DEFAULT FALSE`.
        packed: bool,
        /// `numberOfElements [1] IMPLICIT Unsigned32`.
        number_of_elements: u32,
        /// `elementType [2] TypeSpecification` (EXPLICIT).
        element_type: Box<TypeSpecification<'a>>,
    },
    /// `structure [2] IMPLICIT SEQUENCE { packed [0] DEFAULT FALSE, components [1] IMPLICIT
    /// SEQUENCE OF ... }`.
    Structure {
        /// `packed [0] IMPLICIT BOOLEAN DEFAULT FALSE`.
        packed: bool,
        /// `components [1] IMPLICIT SEQUENCE OF SEQUENCE {...}`.
        components: Vec<StructureComponent<'a>>,
    },
    /// `boolean [3] IMPLICIT NULL`.
    Boolean,
    /// `bit-string [4] IMPLICIT Integer32` (size; negative = variable length up to -size).
    BitString(i32),
    /// `integer [5] IMPLICIT Unsigned8` (size in bits).
    Integer(u8),
    /// `unsigned [6] IMPLICIT Unsigned8` (size in bits).
    Unsigned(u8),
    /// `floating-point [7] IMPLICIT SEQUENCE { format-width Unsigned8, exponent-width
    /// Unsigned8 }` (ISO 9506-2:2003; not in Wireshark's module).
    FloatingPoint {
        /// `format-width Unsigned8` (32 for IEEE single, 64 for double).
        format_width: u8,
        /// `exponent-width Unsigned8` (8 for single, 11 for double).
        exponent_width: u8,
    },
    /// `octet-string [9] IMPLICIT Integer32`.
    OctetString(i32),
    /// `visible-string [10] IMPLICIT Integer32`.
    VisibleString(i32),
    /// `generalized-time [11] IMPLICIT NULL`.
    GeneralizedTime,
    /// `binary-time [12] IMPLICIT BOOLEAN` (TRUE: 6-octet form with date).
    BinaryTime(bool),
    /// `bcd [13] IMPLICIT Unsigned8`.
    Bcd(u8),
    /// `objId [15] IMPLICIT NULL`.
    ObjId,
    /// `mMSString [16] IMPLICIT Integer32` (ISO 9506-2:2003; not in Wireshark's module).
    MmsString(i32),
    /// `utc-time [17] IMPLICIT NULL` (ISO 9506-2:2003; not in Wireshark's module).
    UtcTime,
}

impl<'a> Choice<'a> for TypeDescription<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        if tlv.tag.class != Class::Context {
            return Err(BerError::InvalidValue("TypeDescription").into());
        }
        let n = tlv.tag.number;
        let constructed_expected = matches!(n, 1 | 2 | 7);
        if tlv.tag.constructed != constructed_expected {
            return Err(BerError::WrongForm(tlv.tag).into());
        }
        Ok(match n {
            1 => {
                let mut f = Fields::new(tlv)?;
                let packed = f.opt_map(ctx(0), boolean)?;
                let number_of_elements = uint32(&f.req(ctx(1), "numberOfElements")?)?;
                let element_type = f.req_choice::<TypeSpecification>(2, "elementType")?;
                f.finish()?;
                TypeDescription::Array {
                    packed: packed.unwrap_or(false),
                    number_of_elements,
                    element_type: Box::new(element_type),
                }
            }
            2 => {
                let mut f = Fields::new(tlv)?;
                let packed = f.opt_map(ctx(0), boolean)?;
                let components = seq_of(&f.req(ctx_c(1), "components")?, |e| {
                    StructureComponent::decode(e)
                })?;
                f.finish()?;
                TypeDescription::Structure {
                    packed: packed.unwrap_or(false),
                    components,
                }
            }
            3 => {
                null(tlv)?;
                TypeDescription::Boolean
            }
            4 => TypeDescription::BitString(int32(tlv)?),
            5 => TypeDescription::Integer(uint8(tlv)?),
            6 => TypeDescription::Unsigned(uint8(tlv)?),
            7 => {
                let mut f = Fields::new(tlv)?;
                let format_width = uint8(&f.req(Tag::INTEGER, "format-width")?)?;
                let exponent_width = uint8(&f.req(Tag::INTEGER, "exponent-width")?)?;
                f.finish()?;
                TypeDescription::FloatingPoint {
                    format_width,
                    exponent_width,
                }
            }
            9 => TypeDescription::OctetString(int32(tlv)?),
            10 => TypeDescription::VisibleString(int32(tlv)?),
            11 => {
                null(tlv)?;
                TypeDescription::GeneralizedTime
            }
            12 => TypeDescription::BinaryTime(boolean(tlv)?),
            13 => TypeDescription::Bcd(uint8(tlv)?),
            15 => {
                null(tlv)?;
                TypeDescription::ObjId
            }
            16 => TypeDescription::MmsString(int32(tlv)?),
            17 => {
                null(tlv)?;
                TypeDescription::UtcTime
            }
            _ => return Err(DecodeError::Ber(BerError::InvalidValue("TypeDescription"))),
        })
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            TypeDescription::Array {
                packed,
                number_of_elements,
                element_type,
            } => {
                let m = w.mark();
                write_explicit(w, 2, |w| element_type.encode_choice(w));
                write_uint(w, ctx(1), u64::from(*number_of_elements));
                if *packed {
                    w.boolean(ctx(0), true);
                }
                w.wrap(m, ctx_c(1));
            }
            TypeDescription::Structure { packed, components } => {
                let m = w.mark();
                let mc = w.mark();
                for c in components.iter().rev() {
                    c.encode(w);
                }
                w.wrap(mc, ctx_c(1));
                if *packed {
                    w.boolean(ctx(0), true);
                }
                w.wrap(m, ctx_c(2));
            }
            TypeDescription::Boolean => write_null(w, ctx(3)),
            TypeDescription::BitString(n) => w.integer(ctx(4), i64::from(*n)),
            TypeDescription::Integer(n) => write_uint(w, ctx(5), u64::from(*n)),
            TypeDescription::Unsigned(n) => write_uint(w, ctx(6), u64::from(*n)),
            TypeDescription::FloatingPoint {
                format_width,
                exponent_width,
            } => {
                let m = w.mark();
                write_uint(w, Tag::INTEGER, u64::from(*exponent_width));
                write_uint(w, Tag::INTEGER, u64::from(*format_width));
                w.wrap(m, ctx_c(7));
            }
            TypeDescription::OctetString(n) => w.integer(ctx(9), i64::from(*n)),
            TypeDescription::VisibleString(n) => w.integer(ctx(10), i64::from(*n)),
            TypeDescription::GeneralizedTime => write_null(w, ctx(11)),
            TypeDescription::BinaryTime(b) => w.boolean(ctx(12), *b),
            TypeDescription::Bcd(n) => write_uint(w, ctx(13), u64::from(*n)),
            TypeDescription::ObjId => write_null(w, ctx(15)),
            TypeDescription::MmsString(n) => w.integer(ctx(16), i64::from(*n)),
            TypeDescription::UtcTime => write_null(w, ctx(17)),
        }
    }
}

/// Proptest strategies for type descriptions.
#[cfg(test)]
pub(crate) mod arb {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    fn object_name() -> impl Strategy<Value = ObjectName<'static>> {
        prop_oneof![
            "[A-Za-z0-9$]{1,8}".prop_map(ObjectName::vmd),
            ("[A-Za-z0-9]{1,8}", "[A-Za-z0-9$]{1,8}").prop_map(|(d, i)| ObjectName::domain(d, i)),
            "[A-Za-z0-9$]{1,8}".prop_map(ObjectName::aa),
        ]
    }

    /// A TypeDescription without nesting.
    pub(crate) fn simple_type_description() -> impl Strategy<Value = TypeDescription<'static>> {
        prop_oneof![
            Just(TypeDescription::Boolean),
            any::<i32>().prop_map(TypeDescription::BitString),
            any::<u8>().prop_map(TypeDescription::Integer),
            any::<u8>().prop_map(TypeDescription::Unsigned),
            (any::<u8>(), any::<u8>()).prop_map(|(f, e)| TypeDescription::FloatingPoint {
                format_width: f,
                exponent_width: e
            }),
            any::<i32>().prop_map(TypeDescription::OctetString),
            any::<i32>().prop_map(TypeDescription::VisibleString),
            Just(TypeDescription::GeneralizedTime),
            any::<bool>().prop_map(TypeDescription::BinaryTime),
            any::<u8>().prop_map(TypeDescription::Bcd),
            Just(TypeDescription::ObjId),
            any::<i32>().prop_map(TypeDescription::MmsString),
            Just(TypeDescription::UtcTime),
        ]
    }

    /// Any TypeSpecification, nested at most 3 deep.
    pub(crate) fn type_specification() -> impl Strategy<Value = TypeSpecification<'static>> {
        let leaf = prop_oneof![
            4 => simple_type_description().prop_map(TypeSpecification::TypeDescription),
            1 => object_name().prop_map(TypeSpecification::TypeName),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                (any::<bool>(), any::<u32>(), inner.clone()).prop_map(|(packed, n, t)| {
                    TypeSpecification::TypeDescription(TypeDescription::Array {
                        packed,
                        number_of_elements: n,
                        element_type: Box::new(t),
                    })
                }),
                (
                    any::<bool>(),
                    vec((proptest::option::of("[a-zA-Z]{1,6}"), inner), 0..4)
                )
                    .prop_map(|(packed, cs)| {
                        TypeSpecification::TypeDescription(TypeDescription::Structure {
                            packed,
                            components: cs
                                .into_iter()
                                .map(|(n, t)| StructureComponent {
                                    component_name: n.map(Into::into),
                                    component_type: t,
                                })
                                .collect(),
                        })
                    }),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_one, to_vec};
    use crate::testvec::independent;
    use proptest::prelude::*;

    fn dec(b: &[u8]) -> Result<TypeSpecification<'_>> {
        decode_one(b, 64, TypeSpecification::decode_choice)
    }

    fn enc(t: &TypeSpecification<'_>) -> Vec<u8> {
        to_vec(|w| t.encode_choice(w))
    }

    #[test]
    fn typed_structure() {
        // structure { stVal boolean, q bit-string(13) } (same shapes as data.vec's
        // type-structure-components, checked with tshark 4.0, dissector mms).
        let b = [
            0xA2, 0x19, 0xA1, 0x17, 0x30, 0x0B, 0x80, 0x05, b's', b't', b'V', b'a', b'l', 0xA1,
            0x02, 0x83, 0x00, 0x30, 0x08, 0x80, 0x01, b'q', 0xA1, 0x03, 0x84, 0x01, 0x0D,
        ];
        let t = dec(&b).unwrap();
        let TypeSpecification::TypeDescription(TypeDescription::Structure { packed, components }) =
            &t
        else {
            panic!("{t:?}")
        };
        assert!(!packed);
        assert_eq!(components.len(), 2);
        assert_eq!(components[0].component_name.as_deref(), Some("stVal"));
        assert_eq!(
            components[1].component_type,
            TypeDescription::BitString(13).into()
        );
        assert_eq!(enc(&t), b);
    }

    #[test]
    fn alternatives_missing_in_wireshark() {
        // floating-point [7] IMPLICIT SEQUENCE { 32, 8 }, mMSString [16] -255, utc-time [17]:
        // ISO 9506-2:2003 forms that Wireshark's module lacks (tshark 4.0 stops dissecting
        // without an error), so they live here, not in data.vec.
        let fp = [0xA7, 0x06, 0x02, 0x01, 0x20, 0x02, 0x01, 0x08];
        assert_eq!(
            dec(&fp).unwrap(),
            TypeDescription::FloatingPoint {
                format_width: 32,
                exponent_width: 8
            }
            .into()
        );
        assert_eq!(enc(&dec(&fp).unwrap()), fp);
        let ms = [0x90, 0x02, 0xFF, 0x01];
        assert_eq!(dec(&ms).unwrap(), TypeDescription::MmsString(-255).into());
        assert_eq!(enc(&dec(&ms).unwrap()), ms);
        assert_eq!(dec(&[0x91, 0x00]).unwrap(), TypeDescription::UtcTime.into());
    }

    #[test]
    fn malformed_types() {
        // floating-point as a single INTEGER (the known trap) is refused
        assert_eq!(
            dec(&[0x87, 0x01, 0x20]),
            Err(DecodeError::Ber(BerError::WrongForm(ctx(7))))
        );
        // unknown alternative [14], [8]
        assert!(dec(&[0x8E, 0x00]).is_err());
        assert!(dec(&[0x88, 0x00]).is_err());
        // integer size out of Unsigned8
        assert_eq!(
            dec(&[0x85, 0x02, 0x01, 0x00]),
            Err(DecodeError::OutOfRange("Unsigned8"))
        );
        // bit-string size beyond Integer32
        assert_eq!(
            dec(&[0x84, 0x05, 0x01, 0, 0, 0, 0]),
            Err(DecodeError::OutOfRange("Integer32"))
        );
        // array without elementType; trailing element
        assert!(dec(&[0xA1, 0x03, 0x81, 0x01, 0x01]).is_err());
        assert!(dec(&[0xA1, 0x09, 0x81, 0x01, 0x01, 0xA2, 0x02, 0x83, 0x00, 0x83, 0x00]).is_err());
        // boolean with contents
        assert!(dec(&[0x83, 0x01, 0x00]).is_err());
        // typeName that is not an ObjectName
        assert!(dec(&[0xA0, 0x03, 0x85, 0x01, 0x00]).is_err());
        // structure nested beyond the depth budget
        let mut b = vec![0x83, 0x00];
        for _ in 0..40 {
            let inner = b.clone();
            let comp = to_vec(|w| {
                let m = w.mark();
                w.raw(&inner);
                w.wrap(m, ctx_c(1));
                w.wrap(m, Tag::SEQUENCE);
                w.wrap(m, ctx_c(1));
                w.wrap(m, ctx_c(2));
            });
            b = comp;
        }
        assert!(decode_one(&b, 64, TypeSpecification::decode_choice)
            .unwrap_err()
            .is_too_deep());
    }

    /// The context tag ISO 9506-2 gives each TypeSpecification alternative (typeName [0] and
    /// the TypeDescription alternatives): constructed or not, and its number.
    fn spec_tag(t: &TypeSpecification<'_>) -> (bool, u32) {
        match t {
            TypeSpecification::TypeName(_) => (true, 0),
            TypeSpecification::TypeDescription(d) => description_tag(d),
        }
    }

    fn description_tag(d: &TypeDescription<'_>) -> (bool, u32) {
        match d {
            TypeDescription::Array { .. } => (true, 1),
            TypeDescription::Structure { .. } => (true, 2),
            TypeDescription::Boolean => (false, 3),
            TypeDescription::BitString(_) => (false, 4),
            TypeDescription::Integer(_) => (false, 5),
            TypeDescription::Unsigned(_) => (false, 6),
            TypeDescription::FloatingPoint { .. } => (true, 7),
            TypeDescription::OctetString(_) => (false, 9),
            TypeDescription::VisibleString(_) => (false, 10),
            TypeDescription::GeneralizedTime => (false, 11),
            TypeDescription::BinaryTime(_) => (false, 12),
            TypeDescription::Bcd(_) => (false, 13),
            TypeDescription::ObjId => (false, 15),
            TypeDescription::MmsString(_) => (false, 16),
            TypeDescription::UtcTime => (false, 17),
        }
    }

    /// Has `asn1-rs` walk `b`, the encoding of `d`: the outer tag, and the size constraints
    /// it reads itself.
    fn check_description(b: &[u8], d: &TypeDescription<'_>) {
        let (constructed, number) = description_tag(d);
        let n = independent::expect(b, independent::CONTEXT, Some(constructed), number);
        match d {
            TypeDescription::BitString(s)
            | TypeDescription::OctetString(s)
            | TypeDescription::VisibleString(s)
            | TypeDescription::MmsString(s) => assert_eq!(n.integer(), i64::from(*s)),
            TypeDescription::Integer(s)
            | TypeDescription::Unsigned(s)
            | TypeDescription::Bcd(s) => {
                assert_eq!(n.integer(), i64::from(*s))
            }
            TypeDescription::Boolean
            | TypeDescription::GeneralizedTime
            | TypeDescription::ObjId
            | TypeDescription::UtcTime => assert!(n.contents.is_empty()),
            TypeDescription::FloatingPoint {
                format_width,
                exponent_width,
            } => {
                let widths: Vec<i64> = n.children.iter().map(|c| c.integer()).collect();
                assert_eq!(
                    widths,
                    [i64::from(*format_width), i64::from(*exponent_width)]
                );
            }
            _ => {}
        }
    }

    proptest! {
        #[test]
        fn type_specification_round_trip(t in arb::type_specification()) {
            let b = enc(&t);
            let (constructed, number) = spec_tag(&t);
            independent::expect(&b, independent::CONTEXT, Some(constructed), number);
            prop_assert_eq!(dec(&b).unwrap(), t);
        }

        #[test]
        fn type_description_round_trip(t in arb::simple_type_description()) {
            let b = to_vec(|w| t.encode_choice(w));
            check_description(&b, &t);
            prop_assert_eq!(decode_one(&b, 8, TypeDescription::decode_choice).unwrap(), t);
        }
    }
}

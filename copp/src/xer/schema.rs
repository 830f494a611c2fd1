//! The shape of the ASN.1 types the XER mapping walks (X.680 types reduced to what X.693
//! BASIC-XER needs): each SEQUENCE component and CHOICE alternative with its identifier, its tag
//! and tagging mode, and whether it is OPTIONAL. The MMS module itself is in `data.rs` and
//! `services.rs`.

/// A string type, by its UNIVERSAL tag number (X.680 §41).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrKind {
    /// `UTF8String` (12).
    Utf8 = 12,
    /// `GeneralizedTime` (24), carried as its characters.
    GeneralizedTime = 24,
    /// `GraphicString` (25).
    Graphic = 25,
    /// `VisibleString` (26).
    Visible = 26,
}

/// An ASN.1 type as the XER mapping sees it.
#[derive(Debug)]
pub enum Ty {
    /// `BOOLEAN`.
    Bool,
    /// `INTEGER` (values within 128 bits).
    Int,
    /// `NULL`.
    Null,
    /// `OCTET STRING`.
    Octets,
    /// `BIT STRING`.
    Bits,
    /// A character string type.
    Str(StrKind),
    /// `OBJECT IDENTIFIER`.
    Oid,
    /// `SEQUENCE { ... }` with its components in order.
    Seq(&'static [Field]),
    /// `CHOICE { ... }` (untagged; the alternatives carry distinct tags).
    Choice(&'static [Field]),
    /// `SEQUENCE OF T`.
    SeqOf(&'static Ty),
    /// A type reference: its name (X.680 typereference) and what it stands for.
    Ref(&'static str, &'static Ty),
}

/// How a component or alternative is tagged (X.680 §31).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tagging {
    /// No tag of its own: the type's tag (or, for a CHOICE, the chosen alternative's).
    None,
    /// `[n] IMPLICIT` (context class).
    Implicit(u32),
    /// `[n] EXPLICIT` (context class; always so for a CHOICE).
    Explicit(u32),
}

/// A SEQUENCE component or CHOICE alternative.
#[derive(Debug)]
pub struct Field {
    /// The identifier: the XER element name (X.693 §8.3).
    pub name: &'static str,
    /// Its tag.
    pub tagging: Tagging,
    /// `OPTIONAL` (or `DEFAULT`, which canonical BER and CXER both leave out).
    pub optional: bool,
    /// Its type.
    pub ty: &'static Ty,
}

/// `name [n] IMPLICIT ty`.
pub const fn imp(n: u32, name: &'static str, ty: &'static Ty) -> Field {
    Field {
        name,
        tagging: Tagging::Implicit(n),
        optional: false,
        ty,
    }
}

/// `name [n] EXPLICIT ty`.
pub const fn exp(n: u32, name: &'static str, ty: &'static Ty) -> Field {
    Field {
        name,
        tagging: Tagging::Explicit(n),
        optional: false,
        ty,
    }
}

/// `name ty` (untagged).
pub const fn un(name: &'static str, ty: &'static Ty) -> Field {
    Field {
        name,
        tagging: Tagging::None,
        optional: false,
        ty,
    }
}

impl Field {
    /// The same component, `OPTIONAL`.
    pub const fn opt(self) -> Field {
        Field {
            optional: true,
            ..self
        }
    }
}

impl Ty {
    /// The type a reference stands for (references followed to the end).
    pub fn resolve(&self) -> &Ty {
        let mut t = self;
        while let Ty::Ref(_, inner) = t {
            t = inner;
        }
        t
    }

    /// The UNIVERSAL tag number and form of the type's own tag; `None` for a CHOICE.
    pub fn universal(&self) -> Option<(u32, bool)> {
        Some(match self.resolve() {
            Ty::Bool => (1, false),
            Ty::Int => (2, false),
            Ty::Bits => (3, false),
            Ty::Octets => (4, false),
            Ty::Null => (5, false),
            Ty::Oid => (6, false),
            Ty::Str(k) => (*k as u32, false),
            Ty::Seq(_) | Ty::SeqOf(_) => (16, true),
            Ty::Choice(_) | Ty::Ref(..) => return None,
        })
    }

    /// True when the type's encoding is constructed (SEQUENCE, SEQUENCE OF).
    pub fn constructed(&self) -> bool {
        matches!(self.resolve(), Ty::Seq(_) | Ty::SeqOf(_))
    }

    /// The element name of a SEQUENCE OF item of this type (X.680 XMLDelimitedItemList): the
    /// type reference's name, else the built-in type's XML name (X.680 Table 4).
    pub fn item_name(&self) -> &'static str {
        match self {
            Ty::Ref(name, _) => name,
            Ty::Bool => "BOOLEAN",
            Ty::Int => "INTEGER",
            Ty::Null => "NULL",
            Ty::Octets => "OCTET_STRING",
            Ty::Bits => "BIT_STRING",
            Ty::Oid => "OBJECT_IDENTIFIER",
            Ty::Str(StrKind::Utf8) => "UTF8String",
            Ty::Str(StrKind::GeneralizedTime) => "GeneralizedTime",
            Ty::Str(StrKind::Graphic) => "GraphicString",
            Ty::Str(StrKind::Visible) => "VisibleString",
            Ty::Seq(_) => "SEQUENCE",
            Ty::SeqOf(_) => "SEQUENCE_OF",
            Ty::Choice(_) => "CHOICE",
        }
    }
}

impl Field {
    /// True when a BER value with tag (`class_context`, `number`) can start this field.
    pub fn matches(&self, tag: crate::ber::Tag) -> bool {
        use crate::ber::Class;
        match self.tagging {
            Tagging::Implicit(n) | Tagging::Explicit(n) => {
                tag.class == Class::Context && tag.number == n
            }
            Tagging::None => ty_matches(self.ty, tag),
        }
    }
}

/// True when a BER value with `tag` is a value of `ty` (untagged use).
pub fn ty_matches(ty: &Ty, tag: crate::ber::Tag) -> bool {
    use crate::ber::Class;
    match ty.resolve() {
        Ty::Choice(alts) => alts.iter().any(|a| a.matches(tag)),
        t => match t.universal() {
            Some((n, _)) => tag.class == Class::Universal && tag.number == n,
            None => false,
        },
    }
}

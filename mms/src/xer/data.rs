//! The MMS data types of ISO 9506-2 §14 and the names and addresses they use, as XER sees them:
//! `Data` (every alternative), `TypeSpecification` / `TypeDescription`, `AccessResult`,
//! `VariableAccessSpecification`, `AlternateAccess`, `ObjectName`, `Address`, and the
//! primitive type references (`Identifier`, `Unsigned32`, …) whose names XER uses for items of
//! a SEQUENCE OF.

use copp::xer::schema::{exp, imp, un, StrKind, Ty};

/// `Identifier ::= VisibleString` (ISO 9506-2 §7.5 restricted to the MMS alphabet).
pub(crate) static IDENTIFIER: Ty = Ty::Ref("Identifier", &VISIBLE);
/// `VisibleString`.
pub(crate) static VISIBLE: Ty = Ty::Str(StrKind::Visible);
/// `MMSString ::= UTF8String`.
pub(crate) static MMS_STRING: Ty = Ty::Ref("MMSString", &UTF8);
/// `UTF8String`.
pub(crate) static UTF8: Ty = Ty::Str(StrKind::Utf8);
/// `GraphicString`.
pub(crate) static GRAPHIC: Ty = Ty::Str(StrKind::Graphic);
/// `GeneralizedTime`.
pub(crate) static GENERALIZED_TIME: Ty = Ty::Str(StrKind::GeneralizedTime);
/// `INTEGER`.
pub(crate) static INT: Ty = Ty::Int;
/// `Integer8`, `Integer16`, `Integer32`, `Unsigned8`, `Unsigned16`, `Unsigned32`.
pub(crate) static INTEGER8: Ty = Ty::Ref("Integer8", &INT);
/// `Integer16`.
pub(crate) static INTEGER16: Ty = Ty::Ref("Integer16", &INT);
/// `Integer32`.
pub(crate) static INTEGER32: Ty = Ty::Ref("Integer32", &INT);
/// `Unsigned8`.
pub(crate) static UNSIGNED8: Ty = Ty::Ref("Unsigned8", &INT);
/// `Unsigned32`.
pub(crate) static UNSIGNED32: Ty = Ty::Ref("Unsigned32", &INT);
/// `BOOLEAN`.
pub(crate) static BOOL: Ty = Ty::Bool;
/// `NULL`.
pub(crate) static NULL: Ty = Ty::Null;
/// `OCTET STRING`.
pub(crate) static OCTETS: Ty = Ty::Octets;
/// `BIT STRING`.
pub(crate) static BITS: Ty = Ty::Bits;
/// `OBJECT IDENTIFIER`.
pub(crate) static OID: Ty = Ty::Oid;
/// `TimeOfDay ::= OCTET STRING (SIZE (4 | 6))`.
pub(crate) static TIME_OF_DAY: Ty = Ty::Ref("TimeOfDay", &OCTETS);
/// `UtcTime ::= OCTET STRING (SIZE (8))`.
pub(crate) static UTC_TIME: Ty = Ty::Ref("UtcTime", &OCTETS);
/// `FloatingPoint ::= OCTET STRING`.
pub(crate) static FLOATING_POINT: Ty = Ty::Ref("FloatingPoint", &OCTETS);
/// `DataAccessError ::= INTEGER { ... }` (written as its number, see docs/xer.md).
pub(crate) static DATA_ACCESS_ERROR: Ty = Ty::Ref("DataAccessError", &INT);

/// `Data` (ISO 9506-2 §14.4.1), every alternative of the 2003 edition (`real [8]`, 1990 only,
/// is not mapped).
pub(crate) static DATA: Ty = Ty::Choice(&[
    imp(1, "array", &DATA_LIST),
    imp(2, "structure", &DATA_LIST),
    imp(3, "boolean", &BOOL),
    imp(4, "bit-string", &BITS),
    imp(5, "integer", &INT),
    imp(6, "unsigned", &INT),
    imp(7, "floating-point", &FLOATING_POINT),
    imp(9, "octet-string", &OCTETS),
    imp(10, "visible-string", &VISIBLE),
    imp(11, "generalized-time", &GENERALIZED_TIME),
    imp(12, "binary-time", &TIME_OF_DAY),
    imp(13, "bcd", &INT),
    imp(14, "booleanArray", &BITS),
    imp(15, "objId", &OID),
    imp(16, "mMSString", &MMS_STRING),
    imp(17, "utc-time", &UTC_TIME),
]);
/// The `Data` type reference.
pub(crate) static DATA_REF: Ty = Ty::Ref("Data", &DATA);
/// `SEQUENCE OF Data`.
pub(crate) static DATA_LIST: Ty = Ty::SeqOf(&DATA_REF);

/// `ObjectName` (ISO 9506-2 §7.5.2).
pub(crate) static OBJECT_NAME: Ty = Ty::Choice(&[
    imp(0, "vmd-specific", &IDENTIFIER),
    imp(1, "domain-specific", &DOMAIN_SPECIFIC),
    imp(2, "aa-specific", &IDENTIFIER),
]);
static DOMAIN_SPECIFIC: Ty = Ty::Seq(&[un("domainID", &IDENTIFIER), un("itemID", &IDENTIFIER)]);
/// The `ObjectName` type reference.
pub(crate) static OBJECT_NAME_REF: Ty = Ty::Ref("ObjectName", &OBJECT_NAME);

/// `Address` (ISO 9506-2 §14.1.1).
pub(crate) static ADDRESS: Ty = Ty::Choice(&[
    imp(0, "numericAddress", &UNSIGNED32),
    imp(1, "symbolicAddress", &VISIBLE),
    imp(2, "unconstrainedAddress", &OCTETS),
]);

/// `TypeSpecification` (ISO 9506-2 §14.1.2).
pub(crate) static TYPE_SPECIFICATION: Ty = Ty::Choice(&[
    exp(0, "typeName", &OBJECT_NAME),
    un("typeDescription", &TYPE_DESCRIPTION),
]);

/// `TypeDescription` (ISO 9506-2 §14.1.2).
pub(crate) static TYPE_DESCRIPTION: Ty = Ty::Choice(&[
    imp(1, "array", &TD_ARRAY),
    imp(2, "structure", &TD_STRUCTURE),
    imp(3, "boolean", &NULL),
    imp(4, "bit-string", &INTEGER32),
    imp(5, "integer", &UNSIGNED8),
    imp(6, "unsigned", &UNSIGNED8),
    imp(7, "floating-point", &TD_FLOAT),
    imp(9, "octet-string", &INTEGER32),
    imp(10, "visible-string", &INTEGER32),
    imp(11, "generalized-time", &NULL),
    imp(12, "binary-time", &BOOL),
    imp(13, "bcd", &UNSIGNED8),
    imp(15, "objId", &NULL),
    imp(16, "mMSString", &INTEGER32),
    imp(17, "utc-time", &NULL),
]);
static TD_ARRAY: Ty = Ty::Seq(&[
    imp(0, "packed", &BOOL).opt(),
    imp(1, "numberOfElements", &UNSIGNED32),
    exp(2, "elementType", &TYPE_SPECIFICATION),
]);
static TD_STRUCTURE: Ty = Ty::Seq(&[
    imp(0, "packed", &BOOL).opt(),
    imp(1, "components", &TD_COMPONENTS),
]);
static TD_COMPONENTS: Ty = Ty::SeqOf(&TD_COMPONENT);
static TD_COMPONENT: Ty = Ty::Seq(&[
    imp(0, "componentName", &IDENTIFIER).opt(),
    exp(1, "componentType", &TYPE_SPECIFICATION),
]);
static TD_FLOAT: Ty = Ty::Seq(&[
    un("format-width", &UNSIGNED8),
    un("exponent-width", &UNSIGNED8),
]);

/// `AccessResult` (ISO 9506-2 §14.4.2).
pub(crate) static ACCESS_RESULT: Ty = Ty::Choice(&[
    imp(0, "failure", &DATA_ACCESS_ERROR),
    un("success", &DATA_REF),
]);
/// `SEQUENCE OF AccessResult`.
pub(crate) static ACCESS_RESULT_LIST: Ty = Ty::SeqOf(&Ty::Ref("AccessResult", &ACCESS_RESULT));

/// `VariableAccessSpecification` (ISO 9506-2 §14.5.1).
pub(crate) static VARIABLE_ACCESS_SPECIFICATION: Ty = Ty::Choice(&[
    imp(0, "listOfVariable", &LIST_OF_VARIABLE),
    exp(1, "variableListName", &OBJECT_NAME),
]);
/// `SEQUENCE OF SEQUENCE { variableSpecification, alternateAccess [5] OPTIONAL }`.
pub(crate) static LIST_OF_VARIABLE: Ty = Ty::SeqOf(&VARIABLE_ITEM);
static VARIABLE_ITEM: Ty = Ty::Seq(&[
    un("variableSpecification", &VARIABLE_SPECIFICATION),
    imp(5, "alternateAccess", &ALTERNATE_ACCESS).opt(),
]);

/// `VariableSpecification` (ISO 9506-2 §14.5.2).
pub(crate) static VARIABLE_SPECIFICATION: Ty = Ty::Choice(&[
    exp(0, "name", &OBJECT_NAME),
    exp(1, "address", &ADDRESS),
    imp(2, "variableDescription", &VARIABLE_DESCRIPTION),
    imp(3, "scatteredAccessDescription", &SCATTERED_ACCESS),
    imp(4, "invalidated", &NULL),
]);
static SCATTERED_ACCESS: Ty = Ty::SeqOf(&SCATTERED_ITEM);
static SCATTERED_ITEM: Ty = Ty::Seq(&[
    imp(0, "componentName", &IDENTIFIER).opt(),
    exp(1, "variableSpecification", &VARIABLE_SPECIFICATION_REF),
    imp(2, "alternateAccess", &ALTERNATE_ACCESS).opt(),
]);
static VARIABLE_SPECIFICATION_REF: Ty = Ty::Ref("VariableSpecification", &VARIABLE_SPECIFICATION);
static VARIABLE_DESCRIPTION: Ty = Ty::Seq(&[
    un("address", &ADDRESS),
    un("typeSpecification", &TYPE_SPECIFICATION),
]);

/// `AlternateAccess` (ISO 9506-2 §14.3.1).
pub(crate) static ALTERNATE_ACCESS: Ty = Ty::SeqOf(&ALTERNATE_ACCESS_ITEM);
static ALTERNATE_ACCESS_ITEM: Ty = Ty::Choice(&[
    un("unnamed", &ALTERNATE_ACCESS_SELECTION),
    imp(5, "named", &NAMED_ACCESS),
]);
static NAMED_ACCESS: Ty = Ty::Seq(&[
    imp(0, "componentName", &IDENTIFIER),
    un("access", &ALTERNATE_ACCESS_SELECTION),
]);
static ALTERNATE_ACCESS_SELECTION: Ty = Ty::Choice(&[
    imp(0, "selectAlternateAccess", &SELECT_ALTERNATE_ACCESS),
    un("selectAccess", &SELECT_ACCESS),
]);
static SELECT_ALTERNATE_ACCESS: Ty = Ty::Seq(&[
    un("accessSelection", &ACCESS_SELECTION),
    un("alternateAccess", &ALTERNATE_ACCESS_REF),
]);
static ALTERNATE_ACCESS_REF: Ty = Ty::Ref("AlternateAccess", &ALTERNATE_ACCESS);
static ACCESS_SELECTION: Ty = Ty::Choice(&[
    imp(0, "component", &IDENTIFIER),
    imp(1, "index", &UNSIGNED32),
    imp(2, "indexRange", &INDEX_RANGE),
    imp(3, "allElements", &NULL),
]);
static SELECT_ACCESS: Ty = Ty::Choice(&[
    imp(1, "component", &IDENTIFIER),
    imp(2, "index", &UNSIGNED32),
    imp(3, "indexRange", &INDEX_RANGE),
    imp(4, "allElements", &NULL),
]);
static INDEX_RANGE: Ty = Ty::Seq(&[
    imp(0, "lowIndex", &UNSIGNED32),
    imp(1, "numberOfElements", &UNSIGNED32),
]);

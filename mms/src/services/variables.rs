//! The variable access services of ISO 9506-2 §14: Read, Write, InformationReport and the
//! services that define, describe and delete named variables, scattered accesses, named
//! variable lists and named types.
//!
//! Tags and tagging follow Wireshark's MMS module (ISO 9506-2:1990 with fixes), which is what
//! verifies this crate's test vectors. The module has no `IMPLICIT TAGS` default, so the
//! following are EXPLICIT, as the wire forms of every real peer confirm:
//!
//! * the `[1]` around Read's `variableAccessSpecificatn` (untagged in Write and
//!   InformationReport);
//! * the `[6]` around the GetVariableAccessAttributes-Request CHOICE;
//! * `[1] Address` and `[2] TypeSpecification` in GetVariableAccessAttributes-Response;
//! * the service tag around a request that *is* an `ObjectName` (`[9]`, `[12]`, `[15]`):
//!   the ASN.1 writes `IMPLICIT`, but a CHOICE cannot be tagged implicitly (X.680 §31.2.9),
//!   so the tag wraps the ObjectName.
//!
//! Decoding allocates one vector per top-level list (list of variables, of access results, of
//! data, of names) and nothing else: nested Data stays a borrowed [`DataList`](crate::data::DataList).

use crate::access::{
    AccessResult, Address, ScatteredAccessDescription, VariableAccessSpecification, VariableDef,
};
use crate::codec::{
    boolean, ctx, ctx_c, explicit, null, seq_of, uint32, write_explicit, write_null, write_seq_of,
    write_string, write_uint, Asn1, BerError, Choice, Class, DecodeError, Fields, Result, Service,
    Tlv, Writer,
};
use crate::codec::{explicit_choice, write_explicit_choice};
use crate::common::{identifier, Identifier, ObjectName};
use crate::data::{Data, DataAccessError};
use crate::types::TypeSpecification;
use std::borrow::Cow;

// ---------------------------------------------------------------------------------------------
// Small shared helpers.

/// Checks that a service alternative arrived constructed (every SEQUENCE and explicitly tagged
/// body of this module is).
fn constructed(tlv: &Tlv<'_>) -> Result<()> {
    if tlv.tag.constructed {
        Ok(())
    } else {
        Err(BerError::WrongForm(tlv.tag).into())
    }
}

/// A `Write-Response` failure: `[0] IMPLICIT DataAccessError` (primitive).
fn decode_dae(tlv: &Tlv<'_>) -> Result<DataAccessError> {
    if tlv.tag.constructed {
        return Err(BerError::WrongForm(tlv.tag).into());
    }
    DataAccessError::decode_value(tlv)
}

/// Reads an optional `[n] IMPLICIT Identifier` / `VisibleString` field (primitive).
fn opt_string<'a>(f: &mut Fields<'a>, n: u32) -> Result<Option<Cow<'a, str>>> {
    match f.opt(ctx(n))? {
        Some(t) => Ok(Some(identifier(&t)?)),
        None => Ok(None),
    }
}

/// Writes an optional `[n] IMPLICIT` string field.
fn write_opt_string(w: &mut Writer, n: u32, s: Option<&str>) {
    if let Some(s) = s {
        write_string(w, ctx(n), s);
    }
}

/// Reads a `[n] IMPLICIT BOOLEAN` field.
fn req_bool(f: &mut Fields<'_>, n: u32, what: &'static str) -> Result<bool> {
    boolean(&f.req(ctx(n), what)?)
}

// ---------------------------------------------------------------------------------------------
// Read (§14.6).

/// `Read-Request` (ISO 9506-2 §14.6.2, ConfirmedServiceRequest `read [4] IMPLICIT`): reads the
/// variables named by a variable access specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRequest<'a> {
    /// `specificationWithResult [0] IMPLICIT BOOLEAN DEFAULT FALSE`: ask the server to return
    /// the access specification with the result.
    pub specification_with_result: bool,
    /// `variableAccessSpecificatn [1] VariableAccessSpecification` (EXPLICIT).
    pub variable_access_specification: VariableAccessSpecification<'a>,
}

impl<'a> ReadRequest<'a> {
    /// A read of the named variables (a `listOfVariable` with one name per variable, no
    /// alternate access).
    pub fn names(names: impl IntoIterator<Item = ObjectName<'a>>) -> ReadRequest<'a> {
        ReadRequest {
            specification_with_result: false,
            variable_access_specification: VariableAccessSpecification::names(names),
        }
    }

    /// A read of every variable of the named variable list (an IEC 61850 data set).
    pub fn list(name: ObjectName<'a>) -> ReadRequest<'a> {
        ReadRequest {
            specification_with_result: false,
            variable_access_specification: VariableAccessSpecification::VariableListName(name),
        }
    }
}

impl<'a> Service<'a> for ReadRequest<'a> {
    const TAG: u32 = 4;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let specification_with_result = f.bool_default(0, false)?;
        let vas = f.req(ctx_c(1), "variableAccessSpecificatn")?;
        let variable_access_specification =
            VariableAccessSpecification::decode_choice(&explicit(&vas)?)?;
        f.finish()?;
        Ok(ReadRequest {
            specification_with_result,
            variable_access_specification,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_explicit(w, 1, |w| {
            self.variable_access_specification.encode_choice(w)
        });
        if self.specification_with_result {
            w.boolean(ctx(0), true);
        }
        w.wrap(m, ctx_c(Self::TAG));
    }
}

/// `Read-Response` (ISO 9506-2 §14.6.2, ConfirmedServiceResponse `read [4] IMPLICIT`): one
/// access result per variable read, in request order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadResponse<'a> {
    /// `variableAccessSpecificatn [0] VariableAccessSpecification OPTIONAL` (EXPLICIT):
    /// present when the request asked for specificationWithResult.
    pub variable_access_specification: Option<VariableAccessSpecification<'a>>,
    /// `listOfAccessResult [1] IMPLICIT SEQUENCE OF AccessResult`.
    pub list_of_access_result: Vec<AccessResult<'a>>,
}

impl<'a> ReadResponse<'a> {
    /// A response carrying `results` and no access specification.
    pub fn new(results: Vec<AccessResult<'a>>) -> ReadResponse<'a> {
        ReadResponse {
            variable_access_specification: None,
            list_of_access_result: results,
        }
    }

    /// The results in order: the value read, or the DataAccessError the server gave.
    pub fn values(
        &self,
    ) -> impl Iterator<Item = core::result::Result<&Data<'a>, DataAccessError>> + '_ {
        self.list_of_access_result
            .iter()
            .map(AccessResult::as_result)
    }
}

impl<'a> Service<'a> for ReadResponse<'a> {
    const TAG: u32 = 4;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let variable_access_specification = f.opt_choice::<VariableAccessSpecification>(0)?;
        let list = f.req(ctx_c(1), "listOfAccessResult")?;
        let list_of_access_result = crate::access::decode_access_results(&list)?;
        f.finish()?;
        Ok(ReadResponse {
            variable_access_specification,
            list_of_access_result,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_seq_of(w, ctx_c(1), &self.list_of_access_result, |w, r| {
            r.encode_choice(w)
        });
        if let Some(v) = &self.variable_access_specification {
            write_explicit(w, 0, |w| v.encode_choice(w));
        }
        w.wrap(m, ctx_c(Self::TAG));
    }
}

// ---------------------------------------------------------------------------------------------
// Write (§14.7).

/// `Write-Request` (ISO 9506-2 §14.7.2, ConfirmedServiceRequest `write [5] IMPLICIT`): one data
/// value per variable, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteRequest<'a> {
    /// `variableAccessSpecificatn VariableAccessSpecification` (untagged, unlike Read).
    pub variable_access_specification: VariableAccessSpecification<'a>,
    /// `listOfData [0] IMPLICIT SEQUENCE OF Data`.
    pub list_of_data: Vec<Data<'a>>,
}

impl<'a> WriteRequest<'a> {
    /// A write of one value to one named variable.
    pub fn single(name: ObjectName<'a>, data: Data<'a>) -> WriteRequest<'a> {
        WriteRequest {
            variable_access_specification: VariableAccessSpecification::names([name]),
            list_of_data: vec![data],
        }
    }
}

impl<'a> Service<'a> for WriteRequest<'a> {
    const TAG: u32 = 5;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let vas = f.next("variableAccessSpecificatn")?;
        let variable_access_specification = VariableAccessSpecification::decode_choice(&vas)?;
        let list = f.req(ctx_c(0), "listOfData")?;
        let list_of_data = crate::access::decode_data_values(&list)?;
        f.finish()?;
        Ok(WriteRequest {
            variable_access_specification,
            list_of_data,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_seq_of(w, ctx_c(0), &self.list_of_data, |w, d| d.encode_choice(w));
        self.variable_access_specification.encode_choice(w);
        w.wrap(m, ctx_c(Self::TAG));
    }
}

/// One element of `Write-Response` (ISO 9506-2 §14.7.2): the outcome of writing one variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteResult {
    /// `failure [0] IMPLICIT DataAccessError`.
    Failure(DataAccessError),
    /// `success [1] IMPLICIT NULL`.
    Success,
}

impl<'a> Choice<'a> for WriteResult {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        match (tlv.tag.class, tlv.tag.number) {
            (Class::Context, 0) => Ok(WriteResult::Failure(decode_dae(tlv)?)),
            (Class::Context, 1) => {
                null(tlv)?;
                Ok(WriteResult::Success)
            }
            _ => Err(BerError::InvalidValue("Write-Response element").into()),
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        match self {
            WriteResult::Failure(e) => e.encode_value(w, ctx(0)),
            WriteResult::Success => write_null(w, ctx(1)),
        }
    }
}

/// `Write-Response ::= SEQUENCE OF CHOICE { failure, success }` (ISO 9506-2 §14.7.2,
/// ConfirmedServiceResponse `write [5] IMPLICIT`): one result per variable written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WriteResponse(pub Vec<WriteResult>);

impl WriteResponse {
    /// True when every write succeeded.
    pub fn all_succeeded(&self) -> bool {
        self.0.iter().all(|r| matches!(r, WriteResult::Success))
    }
}

impl<'a> Service<'a> for WriteResponse {
    const TAG: u32 = 5;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        Ok(WriteResponse(seq_of(tlv, WriteResult::decode_choice)?))
    }

    fn encode_service(&self, w: &mut Writer) {
        write_seq_of(w, ctx_c(Self::TAG), &self.0, |w, r| r.encode_choice(w));
    }
}

// ---------------------------------------------------------------------------------------------
// InformationReport (§14.8).

/// `InformationReport` (ISO 9506-2 §14.8.2, UnconfirmedService `informationReport [0]
/// IMPLICIT`): unsolicited values, e.g. IEC 61850 reports (variableListName "RPT").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InformationReport<'a> {
    /// `variableAccessSpecification VariableAccessSpecification` (untagged).
    pub variable_access_specification: VariableAccessSpecification<'a>,
    /// `listOfAccessResult [0] IMPLICIT SEQUENCE OF AccessResult`.
    pub list_of_access_result: Vec<AccessResult<'a>>,
}

impl<'a> InformationReport<'a> {
    /// The reported values in order (value, or the DataAccessError given for it).
    pub fn values(
        &self,
    ) -> impl Iterator<Item = core::result::Result<&Data<'a>, DataAccessError>> + '_ {
        self.list_of_access_result
            .iter()
            .map(AccessResult::as_result)
    }

    /// The variable list name when the report names one (IEC 61850: "RPT", VMD-specific).
    pub fn list_name(&self) -> Option<&ObjectName<'a>> {
        match &self.variable_access_specification {
            VariableAccessSpecification::VariableListName(n) => Some(n),
            _ => None,
        }
    }
}

impl<'a> Service<'a> for InformationReport<'a> {
    const TAG: u32 = 0;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let vas = f.next("variableAccessSpecification")?;
        let variable_access_specification = VariableAccessSpecification::decode_choice(&vas)?;
        let list = f.req(ctx_c(0), "listOfAccessResult")?;
        let list_of_access_result = crate::access::decode_access_results(&list)?;
        f.finish()?;
        Ok(InformationReport {
            variable_access_specification,
            list_of_access_result,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_seq_of(w, ctx_c(0), &self.list_of_access_result, |w, r| {
            r.encode_choice(w)
        });
        self.variable_access_specification.encode_choice(w);
        w.wrap(m, ctx_c(Self::TAG));
    }
}

// ---------------------------------------------------------------------------------------------
// GetVariableAccessAttributes (§14.9).

/// `GetVariableAccessAttributes-Request` (ISO 9506-2 §14.9.2, ConfirmedServiceRequest
/// `getVariableAccessAttributes [6]`, EXPLICIT: the `[6]` wraps this CHOICE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetVariableAccessAttributesRequest<'a> {
    /// `name [0] ObjectName` (EXPLICIT).
    Name(ObjectName<'a>),
    /// `address [1] Address` (EXPLICIT).
    Address(Address<'a>),
}

impl<'a> Service<'a> for GetVariableAccessAttributesRequest<'a> {
    const TAG: u32 = 6;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        constructed(tlv)?;
        let inner = explicit(tlv)?;
        match (inner.tag.class, inner.tag.number, inner.tag.constructed) {
            (Class::Context, 0, true) => Ok(GetVariableAccessAttributesRequest::Name(
                ObjectName::decode_choice(&explicit(&inner)?)?,
            )),
            (Class::Context, 1, true) => Ok(GetVariableAccessAttributesRequest::Address(
                Address::decode_choice(&explicit(&inner)?)?,
            )),
            _ => Err(BerError::InvalidValue("GetVariableAccessAttributes-Request").into()),
        }
    }

    fn encode_service(&self, w: &mut Writer) {
        write_explicit(w, Self::TAG, |w| match self {
            GetVariableAccessAttributesRequest::Name(n) => {
                write_explicit(w, 0, |w| n.encode_choice(w))
            }
            GetVariableAccessAttributesRequest::Address(a) => {
                write_explicit(w, 1, |w| a.encode_choice(w))
            }
        });
    }
}

/// `GetVariableAccessAttributes-Response` (ISO 9506-2 §14.9.2, ConfirmedServiceResponse
/// `getVariableAccessAttributes [6] IMPLICIT`).
///
/// ISO 9506-2:2003 names the `[2]` field `typeDescription [2] TypeDescription`; Wireshark's
/// module (followed here) has `typeSpecification [2] TypeSpecification`, which is the same on
/// the wire for every type description and also admits a type name. The 2003 additions
/// `accessControlList [3]` and `meaning [4]` are decoded and encoded too (Wireshark's 1990
/// module does not know them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetVariableAccessAttributesResponse<'a> {
    /// `mmsDeletable [0] IMPLICIT BOOLEAN`.
    pub mms_deletable: bool,
    /// `address [1] Address OPTIONAL` (EXPLICIT).
    pub address: Option<Address<'a>>,
    /// `typeSpecification [2] TypeSpecification` (EXPLICIT: the known interop trap).
    pub type_specification: TypeSpecification<'a>,
    /// `accessControlList [3] IMPLICIT Identifier OPTIONAL` (ISO 9506-2:2003, not in minor
    /// versions one and two).
    pub access_control_list: Option<Identifier<'a>>,
    /// `meaning [4] IMPLICIT VisibleString OPTIONAL` (ISO 9506-2:2003).
    pub meaning: Option<Cow<'a, str>>,
}

impl<'a> Service<'a> for GetVariableAccessAttributesResponse<'a> {
    const TAG: u32 = 6;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let mms_deletable = req_bool(&mut f, 0, "mmsDeletable")?;
        let address = f.opt_choice::<Address>(1)?;
        let type_specification = f.req_choice::<TypeSpecification>(2, "typeSpecification")?;
        let access_control_list = opt_string(&mut f, 3)?;
        let meaning = opt_string(&mut f, 4)?;
        f.finish()?;
        Ok(GetVariableAccessAttributesResponse {
            mms_deletable,
            address,
            type_specification,
            access_control_list,
            meaning,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_opt_string(w, 4, self.meaning.as_deref());
        write_opt_string(w, 3, self.access_control_list.as_deref());
        write_explicit(w, 2, |w| self.type_specification.encode_choice(w));
        if let Some(a) = &self.address {
            write_explicit(w, 1, |w| a.encode_choice(w));
        }
        w.boolean(ctx(0), self.mms_deletable);
        w.wrap(m, ctx_c(Self::TAG));
    }
}

// ---------------------------------------------------------------------------------------------
// DefineNamedVariable (§14.10).

/// `DefineNamedVariable-Request` (ISO 9506-2 §14.10.2, ConfirmedServiceRequest
/// `defineNamedVariable [7] IMPLICIT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefineNamedVariableRequest<'a> {
    /// `variableName [0] ObjectName` (EXPLICIT).
    pub variable_name: ObjectName<'a>,
    /// `address [1] Address` (EXPLICIT).
    pub address: Address<'a>,
    /// `typeSpecification [2] TypeSpecification OPTIONAL` (EXPLICIT).
    pub type_specification: Option<TypeSpecification<'a>>,
}

impl<'a> Service<'a> for DefineNamedVariableRequest<'a> {
    const TAG: u32 = 7;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let variable_name = f.req_choice::<ObjectName>(0, "variableName")?;
        let address = f.req_choice::<Address>(1, "address")?;
        let type_specification = f.opt_choice::<TypeSpecification>(2)?;
        f.finish()?;
        Ok(DefineNamedVariableRequest {
            variable_name,
            address,
            type_specification,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        if let Some(t) = &self.type_specification {
            write_explicit(w, 2, |w| t.encode_choice(w));
        }
        write_explicit(w, 1, |w| self.address.encode_choice(w));
        write_explicit(w, 0, |w| self.variable_name.encode_choice(w));
        w.wrap(m, ctx_c(Self::TAG));
    }
}

null_service!(
    /// `DefineNamedVariable-Response ::= NULL` (ISO 9506-2 §14.10.2,
    /// ConfirmedServiceResponse `defineNamedVariable [7] IMPLICIT`).
    DefineNamedVariableResponse = 7
);

// ---------------------------------------------------------------------------------------------
// DefineScatteredAccess / GetScatteredAccessAttributes (§14.11, §14.12).

/// `DefineScatteredAccess-Request` (ISO 9506-2 §14.11.2, ConfirmedServiceRequest
/// `defineScatteredAccess [8] IMPLICIT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefineScatteredAccessRequest<'a> {
    /// `scatteredAccessName [0] ObjectName` (EXPLICIT).
    pub scattered_access_name: ObjectName<'a>,
    /// `scatteredAccessDescription [1] IMPLICIT ScatteredAccessDescription`.
    pub scattered_access_description: ScatteredAccessDescription<'a>,
}

impl<'a> Service<'a> for DefineScatteredAccessRequest<'a> {
    const TAG: u32 = 8;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let scattered_access_name = f.req_choice::<ObjectName>(0, "scatteredAccessName")?;
        let sad = f.next("scatteredAccessDescription")?;
        let scattered_access_description =
            ScatteredAccessDescription::decode_implicit(&sad, ctx_c(1))?;
        f.finish()?;
        Ok(DefineScatteredAccessRequest {
            scattered_access_name,
            scattered_access_description,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        self.scattered_access_description.encode_tagged(w, ctx_c(1));
        write_explicit(w, 0, |w| self.scattered_access_name.encode_choice(w));
        w.wrap(m, ctx_c(Self::TAG));
    }
}

null_service!(
    /// `DefineScatteredAccess-Response ::= NULL` (ISO 9506-2 §14.11.2,
    /// ConfirmedServiceResponse `defineScatteredAccess [8] IMPLICIT`).
    DefineScatteredAccessResponse = 8
);

/// Declares a request that is one `ObjectName` under an explicit service tag.
macro_rules! name_request {
    ($(#[$m:meta])* $name:ident, $tag:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name<'a>(pub ObjectName<'a>);

        impl<'a> Service<'a> for $name<'a> {
            const TAG: u32 = $tag;

            fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
                Ok($name(explicit_choice(tlv)?))
            }

            fn encode_service(&self, w: &mut Writer) {
                write_explicit_choice(w, Self::TAG, &self.0);
            }
        }
    };
}

name_request!(
    /// `GetScatteredAccessAttributes-Request ::= ObjectName` (ISO 9506-2 §14.12.2,
    /// ConfirmedServiceRequest `getScatteredAccessAttributes [9]`): the scattered access name.
    /// The tag wraps the ObjectName (a CHOICE cannot be tagged implicitly).
    GetScatteredAccessAttributesRequest,
    9
);

/// `GetScatteredAccessAttributes-Response` (ISO 9506-2 §14.12.2, ConfirmedServiceResponse
/// `getScatteredAccessAttributes [9] IMPLICIT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetScatteredAccessAttributesResponse<'a> {
    /// `mmsDeletable [0] IMPLICIT BOOLEAN`.
    pub mms_deletable: bool,
    /// `scatteredAccessDescription [1] IMPLICIT ScatteredAccessDescription`.
    pub scattered_access_description: ScatteredAccessDescription<'a>,
    /// `accessControlList [2] IMPLICIT Identifier OPTIONAL` (ISO 9506-2:2003, not in minor
    /// versions one and two).
    pub access_control_list: Option<Identifier<'a>>,
}

impl<'a> Service<'a> for GetScatteredAccessAttributesResponse<'a> {
    const TAG: u32 = 9;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let mms_deletable = req_bool(&mut f, 0, "mmsDeletable")?;
        let sad = f.next("scatteredAccessDescription")?;
        let scattered_access_description =
            ScatteredAccessDescription::decode_implicit(&sad, ctx_c(1))?;
        let access_control_list = opt_string(&mut f, 2)?;
        f.finish()?;
        Ok(GetScatteredAccessAttributesResponse {
            mms_deletable,
            scattered_access_description,
            access_control_list,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_opt_string(w, 2, self.access_control_list.as_deref());
        self.scattered_access_description.encode_tagged(w, ctx_c(1));
        w.boolean(ctx(0), self.mms_deletable);
        w.wrap(m, ctx_c(Self::TAG));
    }
}

// ---------------------------------------------------------------------------------------------
// The three delete services (§14.13, §14.16, §14.19) share one shape.

/// `scopeOfDelete [0] IMPLICIT INTEGER { specific(0), aa-specific(1), domain(2), vmd(3) }
/// DEFAULT specific` of DeleteVariableAccess, DeleteNamedVariableList and DeleteNamedType
/// (ISO 9506-2 §14.13.2, §14.16.2, §14.19.2). A closed list: other values are out of range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ScopeOfDelete {
    /// specific (0): the objects listed by name (the default).
    #[default]
    Specific,
    /// aa-specific (1): every association-specific object.
    AaSpecific,
    /// domain (2): every object of the named domain.
    Domain,
    /// vmd (3): every VMD-specific object.
    Vmd,
}

impl ScopeOfDelete {
    /// The value from its number; `OutOfRange` for numbers the standard does not list.
    pub fn from_i64(v: i64) -> Result<ScopeOfDelete> {
        match v {
            0 => Ok(ScopeOfDelete::Specific),
            1 => Ok(ScopeOfDelete::AaSpecific),
            2 => Ok(ScopeOfDelete::Domain),
            3 => Ok(ScopeOfDelete::Vmd),
            _ => Err(DecodeError::OutOfRange("scopeOfDelete")),
        }
    }

    /// The number on the wire.
    pub fn to_i64(self) -> i64 {
        match self {
            ScopeOfDelete::Specific => 0,
            ScopeOfDelete::AaSpecific => 1,
            ScopeOfDelete::Domain => 2,
            ScopeOfDelete::Vmd => 3,
        }
    }
}

/// The decoded fields of a delete request: scope, list of names, domain name.
type DeleteFields<'a> = (
    ScopeOfDelete,
    Option<Vec<ObjectName<'a>>>,
    Option<Identifier<'a>>,
);

fn decode_delete<'a>(tlv: &Tlv<'a>) -> Result<DeleteFields<'a>> {
    let mut f = Fields::new(tlv)?;
    let scope = match f.opt(ctx(0))? {
        Some(t) => ScopeOfDelete::from_i64(crate::codec::int(&t)?)?,
        None => ScopeOfDelete::Specific,
    };
    let names = match f.opt(ctx_c(1))? {
        Some(t) => Some(seq_of(&t, ObjectName::decode_choice)?),
        None => None,
    };
    let domain = match f.opt(ctx(2))? {
        Some(t) => Some(identifier(&t)?),
        None => None,
    };
    f.finish()?;
    Ok((scope, names, domain))
}

fn encode_delete(
    w: &mut Writer,
    tag: u32,
    scope: ScopeOfDelete,
    names: Option<&[ObjectName<'_>]>,
    domain: Option<&str>,
) {
    let m = w.mark();
    if let Some(d) = domain {
        write_string(w, ctx(2), d);
    }
    if let Some(n) = names {
        write_seq_of(w, ctx_c(1), n, |w, x| x.encode_choice(w));
    }
    if scope != ScopeOfDelete::Specific {
        w.integer(ctx(0), scope.to_i64());
    }
    w.wrap(m, ctx_c(tag));
}

/// `numberMatched [0] IMPLICIT Unsigned32, numberDeleted [1] IMPLICIT Unsigned32`.
fn decode_counts(tlv: &Tlv<'_>) -> Result<(u32, u32)> {
    let mut f = Fields::new(tlv)?;
    let matched = uint32(&f.req(ctx(0), "numberMatched")?)?;
    let deleted = uint32(&f.req(ctx(1), "numberDeleted")?)?;
    f.finish()?;
    Ok((matched, deleted))
}

fn encode_counts(w: &mut Writer, tag: u32, matched: u32, deleted: u32) {
    let m = w.mark();
    write_uint(w, ctx(1), u64::from(deleted));
    write_uint(w, ctx(0), u64::from(matched));
    w.wrap(m, ctx_c(tag));
}

/// Declares a delete request and its counts response.
macro_rules! delete_service {
    (
        $(#[$rm:meta])* $req:ident,
        $(#[$lm:meta])* $list:ident,
        $(#[$sm:meta])* $resp:ident,
        $tag:literal
    ) => {
        $(#[$rm])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $req<'a> {
            /// `scopeOfDelete [0] IMPLICIT INTEGER DEFAULT specific`.
            pub scope_of_delete: ScopeOfDelete,
            $(#[$lm])*
            pub $list: Option<Vec<ObjectName<'a>>>,
            /// `domainName [2] IMPLICIT Identifier OPTIONAL`: the domain for scope `domain`.
            pub domain_name: Option<Identifier<'a>>,
        }

        impl<'a> $req<'a> {
            /// A request deleting the named objects (scope `specific`).
            pub fn specific(names: Vec<ObjectName<'a>>) -> Self {
                $req {
                    scope_of_delete: ScopeOfDelete::Specific,
                    $list: Some(names),
                    domain_name: None,
                }
            }
        }

        impl<'a> Service<'a> for $req<'a> {
            const TAG: u32 = $tag;

            fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
                let (scope_of_delete, $list, domain_name) = decode_delete(tlv)?;
                Ok($req {
                    scope_of_delete,
                    $list,
                    domain_name,
                })
            }

            fn encode_service(&self, w: &mut Writer) {
                encode_delete(
                    w,
                    Self::TAG,
                    self.scope_of_delete,
                    self.$list.as_deref(),
                    self.domain_name.as_deref(),
                );
            }
        }

        $(#[$sm])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $resp {
            /// `numberMatched [0] IMPLICIT Unsigned32`.
            pub number_matched: u32,
            /// `numberDeleted [1] IMPLICIT Unsigned32`.
            pub number_deleted: u32,
        }

        impl<'a> Service<'a> for $resp {
            const TAG: u32 = $tag;

            fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
                let (number_matched, number_deleted) = decode_counts(tlv)?;
                Ok($resp {
                    number_matched,
                    number_deleted,
                })
            }

            fn encode_service(&self, w: &mut Writer) {
                encode_counts(w, Self::TAG, self.number_matched, self.number_deleted);
            }
        }
    };
}

delete_service!(
    /// `DeleteVariableAccess-Request` (ISO 9506-2 §14.13.2, ConfirmedServiceRequest
    /// `deleteVariableAccess [10] IMPLICIT`): deletes named variables and scattered accesses.
    DeleteVariableAccessRequest,
    /// `listOfName [1] IMPLICIT SEQUENCE OF ObjectName OPTIONAL`.
    list_of_name,
    /// `DeleteVariableAccess-Response` (ISO 9506-2 §14.13.2, ConfirmedServiceResponse
    /// `deleteVariableAccess [10] IMPLICIT`).
    DeleteVariableAccessResponse,
    10
);

delete_service!(
    /// `DeleteNamedVariableList-Request` (ISO 9506-2 §14.16.2, ConfirmedServiceRequest
    /// `deleteNamedVariableList [13] IMPLICIT`): deletes named variable lists (data sets).
    DeleteNamedVariableListRequest,
    /// `listOfVariableListName [1] IMPLICIT SEQUENCE OF ObjectName OPTIONAL`.
    list_of_variable_list_name,
    /// `DeleteNamedVariableList-Response` (ISO 9506-2 §14.16.2, ConfirmedServiceResponse
    /// `deleteNamedVariableList [13] IMPLICIT`).
    DeleteNamedVariableListResponse,
    13
);

delete_service!(
    /// `DeleteNamedType-Request` (ISO 9506-2 §14.19.2, ConfirmedServiceRequest
    /// `deleteNamedType [16] IMPLICIT`).
    DeleteNamedTypeRequest,
    /// `listOfTypeName [1] IMPLICIT SEQUENCE OF ObjectName OPTIONAL`.
    list_of_type_name,
    /// `DeleteNamedType-Response` (ISO 9506-2 §14.19.2, ConfirmedServiceResponse
    /// `deleteNamedType [16] IMPLICIT`).
    DeleteNamedTypeResponse,
    16
);

// ---------------------------------------------------------------------------------------------
// Named variable lists (§14.14, §14.15).

/// `DefineNamedVariableList-Request` (ISO 9506-2 §14.14.2, ConfirmedServiceRequest
/// `defineNamedVariableList [11] IMPLICIT`): defines a named variable list (an IEC 61850 data
/// set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefineNamedVariableListRequest<'a> {
    /// `variableListName ObjectName` (untagged).
    pub variable_list_name: ObjectName<'a>,
    /// `listOfVariable [0] IMPLICIT SEQUENCE OF SEQUENCE { variableSpecification,
    /// alternateAccess [5] IMPLICIT AlternateAccess OPTIONAL }`.
    pub list_of_variable: Vec<VariableDef<'a>>,
}

impl<'a> Service<'a> for DefineNamedVariableListRequest<'a> {
    const TAG: u32 = 11;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let variable_list_name = ObjectName::decode_choice(&f.next("variableListName")?)?;
        let list = f.req(ctx_c(0), "listOfVariable")?;
        let list_of_variable = seq_of(&list, VariableDef::decode)?;
        f.finish()?;
        Ok(DefineNamedVariableListRequest {
            variable_list_name,
            list_of_variable,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_seq_of(w, ctx_c(0), &self.list_of_variable, |w, v| v.encode(w));
        self.variable_list_name.encode_choice(w);
        w.wrap(m, ctx_c(Self::TAG));
    }
}

null_service!(
    /// `DefineNamedVariableList-Response ::= NULL` (ISO 9506-2 §14.14.2,
    /// ConfirmedServiceResponse `defineNamedVariableList [11] IMPLICIT`).
    DefineNamedVariableListResponse = 11
);

name_request!(
    /// `GetNamedVariableListAttributes-Request ::= ObjectName` (ISO 9506-2 §14.15.2,
    /// ConfirmedServiceRequest `getNamedVariableListAttributes [12]`): the variable list name.
    /// The tag wraps the ObjectName (a CHOICE cannot be tagged implicitly).
    GetNamedVariableListAttributesRequest,
    12
);

/// `GetNamedVariableListAttributes-Response` (ISO 9506-2 §14.15.2, ConfirmedServiceResponse
/// `getNamedVariableListAttributes [12] IMPLICIT`): the members of a named variable list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetNamedVariableListAttributesResponse<'a> {
    /// `mmsDeletable [0] IMPLICIT BOOLEAN`.
    pub mms_deletable: bool,
    /// `listOfVariable [1] IMPLICIT SEQUENCE OF SEQUENCE { variableSpecification,
    /// alternateAccess [5] IMPLICIT AlternateAccess OPTIONAL }`.
    pub list_of_variable: Vec<VariableDef<'a>>,
    /// `accessControlList [2] IMPLICIT Identifier OPTIONAL` (ISO 9506-2:2003, not in minor
    /// versions one and two).
    pub access_control_list: Option<Identifier<'a>>,
}

impl<'a> Service<'a> for GetNamedVariableListAttributesResponse<'a> {
    const TAG: u32 = 12;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let mms_deletable = req_bool(&mut f, 0, "mmsDeletable")?;
        let list = f.req(ctx_c(1), "listOfVariable")?;
        let list_of_variable = seq_of(&list, VariableDef::decode)?;
        let access_control_list = opt_string(&mut f, 2)?;
        f.finish()?;
        Ok(GetNamedVariableListAttributesResponse {
            mms_deletable,
            list_of_variable,
            access_control_list,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_opt_string(w, 2, self.access_control_list.as_deref());
        write_seq_of(w, ctx_c(1), &self.list_of_variable, |w, v| v.encode(w));
        w.boolean(ctx(0), self.mms_deletable);
        w.wrap(m, ctx_c(Self::TAG));
    }
}

// ---------------------------------------------------------------------------------------------
// Named types (§14.17, §14.18).

/// `DefineNamedType-Request` (ISO 9506-2 §14.17.2, ConfirmedServiceRequest
/// `defineNamedType [14] IMPLICIT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefineNamedTypeRequest<'a> {
    /// `typeName ObjectName` (untagged).
    pub type_name: ObjectName<'a>,
    /// `typeSpecification TypeSpecification` (untagged).
    pub type_specification: TypeSpecification<'a>,
}

impl<'a> Service<'a> for DefineNamedTypeRequest<'a> {
    const TAG: u32 = 14;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let type_name = ObjectName::decode_choice(&f.next("typeName")?)?;
        let type_specification = TypeSpecification::decode_choice(&f.next("typeSpecification")?)?;
        f.finish()?;
        Ok(DefineNamedTypeRequest {
            type_name,
            type_specification,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        self.type_specification.encode_choice(w);
        self.type_name.encode_choice(w);
        w.wrap(m, ctx_c(Self::TAG));
    }
}

null_service!(
    /// `DefineNamedType-Response ::= NULL` (ISO 9506-2 §14.17.2, ConfirmedServiceResponse
    /// `defineNamedType [14] IMPLICIT`).
    DefineNamedTypeResponse = 14
);

name_request!(
    /// `GetNamedTypeAttributes-Request ::= ObjectName` (ISO 9506-2 §14.18.2,
    /// ConfirmedServiceRequest `getNamedTypeAttributes [15]`): the type name. The tag wraps
    /// the ObjectName (a CHOICE cannot be tagged implicitly).
    GetNamedTypeAttributesRequest,
    15
);

/// `GetNamedTypeAttributes-Response` (ISO 9506-2 §14.18.2, ConfirmedServiceResponse
/// `getNamedTypeAttributes [15] IMPLICIT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetNamedTypeAttributesResponse<'a> {
    /// `mmsDeletable [0] IMPLICIT BOOLEAN`.
    pub mms_deletable: bool,
    /// `typeSpecification TypeSpecification` (untagged).
    pub type_specification: TypeSpecification<'a>,
    /// `accessControlList [1] IMPLICIT Identifier OPTIONAL` (ISO 9506-2:2003, not in minor
    /// versions one and two).
    pub access_control_list: Option<Identifier<'a>>,
    /// `meaning [4] IMPLICIT VisibleString OPTIONAL` (ISO 9506-2:2003).
    pub meaning: Option<Cow<'a, str>>,
}

impl<'a> Service<'a> for GetNamedTypeAttributesResponse<'a> {
    const TAG: u32 = 15;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let mms_deletable = req_bool(&mut f, 0, "mmsDeletable")?;
        let type_specification = TypeSpecification::decode_choice(&f.next("typeSpecification")?)?;
        let access_control_list = opt_string(&mut f, 1)?;
        let meaning = opt_string(&mut f, 4)?;
        f.finish()?;
        Ok(GetNamedTypeAttributesResponse {
            mms_deletable,
            type_specification,
            access_control_list,
            meaning,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        let m = w.mark();
        write_opt_string(w, 4, self.meaning.as_deref());
        write_opt_string(w, 1, self.access_control_list.as_deref());
        self.type_specification.encode_choice(w);
        w.boolean(ctx(0), self.mms_deletable);
        w.wrap(m, ctx_c(Self::TAG));
    }
}

#[cfg(test)]
pub(crate) mod arb {
    //! Proptest strategies for the variable access services (reusable by other modules). The
    //! data, type and access strategies of `crate::data`, `crate::types` and `crate::access`
    //! are re-exported here under the names the tests use.
    use super::*;
    use crate::access::{ScatteredAccessComponent, VariableSpecification};
    use proptest::collection::vec;
    use proptest::prelude::*;
    use std::borrow::Cow;

    pub(crate) use crate::access::arb::{
        access_result, address, alternate_access, object_name,
        variable_access_specification as vas, variable_specification,
    };
    pub(crate) use crate::data::arb::{data, data_access_error};
    pub(crate) use crate::types::arb::type_specification;

    /// A short identifier.
    pub fn ident() -> impl Strategy<Value = Identifier<'static>> {
        "[A-Za-z][A-Za-z0-9$_]{0,12}".prop_map(Cow::Owned)
    }

    /// A VariableDef, with or without alternate access.
    pub fn variable_def() -> impl Strategy<Value = VariableDef<'static>> {
        (
            variable_specification(),
            proptest::option::of(alternate_access()),
        )
            .prop_map(|(v, a)| VariableDef {
                variable_specification: v,
                alternate_access: a,
            })
    }

    /// A scattered access description of up to three components.
    pub fn scattered_access_description(
    ) -> impl Strategy<Value = ScatteredAccessDescription<'static>> {
        vec(
            (
                proptest::option::of(ident()),
                object_name(),
                proptest::option::of(alternate_access()),
            )
                .prop_map(|(n, o, a)| ScatteredAccessComponent {
                    component_name: n,
                    variable_specification: VariableSpecification::Name(o),
                    alternate_access: a,
                }),
            0..4,
        )
        .prop_map(ScatteredAccessDescription)
    }

    /// Any scope of delete.
    pub fn scope() -> impl Strategy<Value = ScopeOfDelete> {
        prop_oneof![
            Just(ScopeOfDelete::Specific),
            Just(ScopeOfDelete::AaSpecific),
            Just(ScopeOfDelete::Domain),
            Just(ScopeOfDelete::Vmd),
        ]
    }

    /// Optional list of names.
    pub fn names() -> impl Strategy<Value = Option<Vec<ObjectName<'static>>>> {
        proptest::option::of(vec(object_name(), 0..4))
    }
}

#[cfg(test)]
mod tests {
    use super::arb;
    use super::*;
    use crate::codec::{decode_one, to_vec};
    use crate::testvec::{self, dec, prop_round_trip, Tolerant};
    use proptest::prelude::*;

    /// Decodes a service TLV as `$ty` and re-encodes it; where the re-encoding differs from
    /// the input (tolerant vectors), it must still decode to the same value.
    macro_rules! same_value {
        ($ty:ty, $tlv:expr) => {
            <$ty>::decode_service($tlv).map(|v| {
                let enc = testvec::enc(&v);
                if enc != $tlv.raw {
                    let back = decode_one(&enc, 64, |t| <$ty>::decode_service(t)).unwrap();
                    assert_eq!(back, v);
                }
                enc
            })
        };
    }

    // Every vector in variables.vec was checked with tshark 4.0 (dissector mms) through
    // interop-tests/tests/mms_vectors_tshark.rs: no malformed packet, no expert error.
    #[test]
    fn vectors_decode_and_reencode() {
        let mut seen = std::collections::BTreeSet::new();
        testvec::check_file("variables.vec", 50, Tolerant::NotCanonical, |kind, t| {
            seen.insert((kind, t.tag.number));
            Some(match (kind, t.tag.number) {
                (0, 4) => same_value!(ReadRequest, t),
                (0, 5) => same_value!(WriteRequest, t),
                (0, 6) => same_value!(GetVariableAccessAttributesRequest, t),
                (0, 7) => same_value!(DefineNamedVariableRequest, t),
                (0, 8) => same_value!(DefineScatteredAccessRequest, t),
                (0, 9) => same_value!(GetScatteredAccessAttributesRequest, t),
                (0, 10) => same_value!(DeleteVariableAccessRequest, t),
                (0, 11) => same_value!(DefineNamedVariableListRequest, t),
                (0, 12) => same_value!(GetNamedVariableListAttributesRequest, t),
                (0, 13) => same_value!(DeleteNamedVariableListRequest, t),
                (0, 14) => same_value!(DefineNamedTypeRequest, t),
                (0, 15) => same_value!(GetNamedTypeAttributesRequest, t),
                (0, 16) => same_value!(DeleteNamedTypeRequest, t),
                (1, 4) => same_value!(ReadResponse, t),
                (1, 5) => same_value!(WriteResponse, t),
                (1, 6) => same_value!(GetVariableAccessAttributesResponse, t),
                (1, 7) => same_value!(DefineNamedVariableResponse, t),
                (1, 8) => same_value!(DefineScatteredAccessResponse, t),
                (1, 9) => same_value!(GetScatteredAccessAttributesResponse, t),
                (1, 10) => same_value!(DeleteVariableAccessResponse, t),
                (1, 11) => same_value!(DefineNamedVariableListResponse, t),
                (1, 12) => same_value!(GetNamedVariableListAttributesResponse, t),
                (1, 13) => same_value!(DeleteNamedVariableListResponse, t),
                (1, 14) => same_value!(DefineNamedTypeResponse, t),
                (1, 15) => same_value!(GetNamedTypeAttributesResponse, t),
                (1, 16) => same_value!(DeleteNamedTypeResponse, t),
                (3, 0) => same_value!(InformationReport, t),
                _ => return None,
            })
        });
        // every request and response of §14 plus informationReport has a vector
        assert_eq!(seen.len(), 13 * 2 + 1, "{seen:?}");
    }

    fn body<'a>(vs: &'a [testvec::Vector], name: &str) -> Tlv<'a> {
        testvec::body_of(vs, name)
    }

    #[test]
    fn typed_read_and_write() {
        let vs = testvec::load("variables.vec");
        let r = ReadRequest::decode_service(&body(&vs, "read-request-domain-names")).unwrap();
        assert!(!r.specification_with_result);
        assert_eq!(
            r,
            ReadRequest::names([
                ObjectName::domain("IED1LD0", "LLN0$ST$Mod$stVal"),
                ObjectName::domain("IED1LD0", "MMXU1$MX$TotW$mag$f"),
            ])
        );
        let r =
            ReadRequest::decode_service(&body(&vs, "read-request-list-name-with-result")).unwrap();
        assert!(r.specification_with_result);
        assert_eq!(
            r.variable_access_specification,
            VariableAccessSpecification::VariableListName(ObjectName::domain(
                "IED1LD0", "LLN0$DS1"
            ))
        );

        let r = ReadResponse::decode_service(&body(&vs, "read-response-mixed")).unwrap();
        assert_eq!(r.list_of_access_result.capacity(), 5);
        let vals: Vec<_> = r.values().collect();
        assert_eq!(vals[0].unwrap().as_bool(), Some(true));
        assert_eq!(vals[1].unwrap().as_i64(), Some(-500));
        let s = vals[2].unwrap().as_list().unwrap();
        assert_eq!(s.len(), 3);
        // nested data stays borrowed from the input: no allocation below the top-level list
        assert!(matches!(s, crate::data::DataList::Encoded(_)));
        assert_eq!(vals[3], Err(DataAccessError::ObjectNonExistent));
        assert_eq!(vals[4].unwrap().as_str(), Some("hello"));

        let w = WriteRequest::decode_service(&body(&vs, "write-request-single")).unwrap();
        assert_eq!(
            w,
            WriteRequest::single(
                ObjectName::domain("IED1LD0", "GGIO1$CO$SPCSO1$Oper$ctlVal"),
                Data::Boolean(true)
            )
        );
        let wr = WriteResponse::decode_service(&body(&vs, "write-response-mixed")).unwrap();
        assert_eq!(
            wr.0,
            [
                WriteResult::Success,
                WriteResult::Failure(DataAccessError::ObjectAccessDenied),
                WriteResult::Failure(DataAccessError::TypeInconsistent),
            ]
        );
        assert!(!wr.all_succeeded());
        let ok = WriteResponse::decode_service(&body(&vs, "write-response-success")).unwrap();
        assert!(ok.all_succeeded());
    }

    #[test]
    fn typed_report_and_attributes() {
        let vs = testvec::load("variables.vec");
        let rep = InformationReport::decode_service(&body(&vs, "info-report-rpt")).unwrap();
        assert_eq!(rep.list_name(), Some(&ObjectName::vmd("RPT")));
        assert_eq!(rep.list_of_access_result.len(), 9);
        let first = rep.values().next().unwrap().unwrap();
        assert_eq!(first.as_str(), Some("IED1LD0/LLN0$BR$brcb01"));
        assert_eq!(rep.values().nth(2).unwrap().unwrap().as_u64(), Some(17));

        let g = GetVariableAccessAttributesRequest::decode_service(&body(
            &vs,
            "gvaa-request-address-numeric",
        ))
        .unwrap();
        assert_eq!(
            g,
            GetVariableAccessAttributesRequest::Address(Address::Numeric(1000))
        );
        let g = GetVariableAccessAttributesResponse::decode_service(&body(
            &vs,
            "gvaa-response-address-array",
        ))
        .unwrap();
        assert!(g.mms_deletable);
        assert_eq!(
            g.address,
            Some(Address::Unconstrained(vec![0, 0x10].into()))
        );
        assert!(matches!(
            g.type_specification,
            TypeSpecification::TypeDescription(crate::types::TypeDescription::Array {
                packed: true,
                number_of_elements: 10,
                ..
            })
        ));

        let d =
            DeleteVariableAccessRequest::decode_service(&body(&vs, "dva-request-domain")).unwrap();
        assert_eq!(d.scope_of_delete, ScopeOfDelete::Domain);
        assert_eq!(d.domain_name.as_deref(), Some("LD0"));
        assert_eq!(d.list_of_name, None);
        let d = DeleteNamedVariableListRequest::decode_service(&body(
            &vs,
            "dnvl-delete-request-specific",
        ))
        .unwrap();
        assert_eq!(d.scope_of_delete, ScopeOfDelete::Specific);
        assert_eq!(
            d,
            DeleteNamedVariableListRequest::specific(vec![
                ObjectName::domain("IED1LD0", "LLN0$DS1"),
                ObjectName::aa("@tmpDS")
            ])
        );
        let c = DeleteNamedVariableListResponse::decode_service(&body(&vs, "dnvl-delete-response"))
            .unwrap();
        assert_eq!((c.number_matched, c.number_deleted), (2, 2));

        let a =
            GetNamedVariableListAttributesResponse::decode_service(&body(&vs, "gnvla-response"))
                .unwrap();
        assert!(!a.mms_deletable);
        assert_eq!(a.list_of_variable.len(), 3);
        assert!(a.list_of_variable[2].alternate_access.is_some());
        let n = GetNamedVariableListAttributesRequest::decode_service(&body(&vs, "gnvla-request"))
            .unwrap();
        assert_eq!(n.0, ObjectName::domain("IED1LD0", "LLN0$DS1"));
    }

    #[test]
    fn malformed_inputs_are_refused() {
        // truncated: Read-Request whose [1] claims more than is there
        assert!(matches!(
            dec::<ReadRequest>(&[0xa4, 0x05, 0xa1, 0x07, 0xa1, 0x00, 0x00]),
            Err(DecodeError::Ber(BerError::Truncated { .. }))
        ));
        // Read-Request with the access specification untagged (the Write form)
        let untagged = [0xa4, 0x05, 0xa1, 0x03, 0x80, 0x01, b'x'];
        assert!(dec::<ReadRequest>(&untagged).is_err());
        let untagged2 = [0xa4, 0x04, 0xa0, 0x02, 0x30, 0x00];
        assert!(dec::<ReadRequest>(&untagged2).is_err());
        // Read-Response without listOfAccessResult
        assert_eq!(
            dec::<ReadResponse>(&[0xa4, 0x00]),
            Err(DecodeError::Ber(BerError::Missing("listOfAccessResult")))
        );
        // trailing element after the list
        assert_eq!(
            dec::<ReadResponse>(&[0xa4, 0x05, 0xa1, 0x00, 0x83, 0x01, 0x01]),
            Err(DecodeError::Ber(BerError::TrailingData(3)))
        );
        // Write-Response element with an unknown alternative [2]
        assert!(dec::<WriteResponse>(&[0xa5, 0x02, 0x82, 0x00]).is_err());
        // success that is not NULL
        assert!(dec::<WriteResponse>(&[0xa5, 0x03, 0x81, 0x01, 0x00]).is_err());
        // constructed failure
        assert!(matches!(
            dec::<WriteResponse>(&[0xa5, 0x02, 0xa0, 0x00]),
            Err(DecodeError::Ber(BerError::WrongForm(_)))
        ));
        // scopeOfDelete out of range
        assert_eq!(
            dec::<DeleteVariableAccessRequest>(&[0xaa, 0x03, 0x80, 0x01, 0x04]),
            Err(DecodeError::OutOfRange("scopeOfDelete"))
        );
        // repeated field: two scopeOfDelete
        assert_eq!(
            dec::<DeleteNamedTypeRequest>(&[0xb0, 0x06, 0x80, 0x01, 0x02, 0x80, 0x01, 0x03]),
            Err(DecodeError::Ber(BerError::TrailingData(3)))
        );
        // out-of-order fields: domainName before scopeOfDelete
        assert_eq!(
            dec::<DeleteNamedVariableListRequest>(&[
                0xad, 0x06, 0x82, 0x01, b'D', 0x80, 0x01, 0x02
            ]),
            Err(DecodeError::Ber(BerError::TrailingData(3)))
        );
        // numberMatched beyond Unsigned32
        assert_eq!(
            dec::<DeleteVariableAccessResponse>(&[
                0xaa, 0x0a, 0x80, 0x05, 0x01, 0, 0, 0, 0, 0x81, 0x01, 0x00
            ]),
            Err(DecodeError::OutOfRange("Unsigned32"))
        );
        // missing numberDeleted
        assert_eq!(
            dec::<DeleteNamedTypeResponse>(&[0xb0, 0x03, 0x80, 0x01, 0x00]),
            Err(DecodeError::Ber(BerError::Missing("numberDeleted")))
        );
        // GetVariableAccessAttributes-Request with the name not wrapped in [0] ... [6] holding
        // two values, an unknown alternative, and a primitive [6]
        assert!(
            dec::<GetVariableAccessAttributesRequest>(&[0xa6, 0x03, 0x80, 0x01, b'x']).is_err()
        );
        assert!(dec::<GetVariableAccessAttributesRequest>(&[
            0xa6, 0x0a, 0xa0, 0x03, 0x80, 0x01, b'x', 0xa0, 0x03, 0x80, 0x01, b'y'
        ])
        .is_err());
        assert!(dec::<GetVariableAccessAttributesRequest>(&[
            0xa6, 0x05, 0xa2, 0x03, 0x80, 0x01, b'x'
        ])
        .is_err());
        assert!(matches!(
            dec::<GetVariableAccessAttributesRequest>(&[0x86, 0x00]),
            Err(DecodeError::Ber(BerError::WrongForm(_)))
        ));
        // GetVariableAccessAttributes-Response with the type at [1] (the known trap)
        assert!(dec::<GetVariableAccessAttributesResponse>(&[
            0xa6, 0x08, 0x80, 0x01, 0x00, 0xa1, 0x03, 0x85, 0x01, 0x08
        ])
        .is_err());
        // ... and without mmsDeletable
        assert_eq!(
            dec::<GetVariableAccessAttributesResponse>(&[0xa6, 0x05, 0xa2, 0x03, 0x85, 0x01, 0x08]),
            Err(DecodeError::Ber(BerError::UnexpectedTag {
                expected: ctx(0),
                found: ctx_c(2)
            }))
        );
        // NULL body with contents, and constructed
        assert!(dec::<DefineNamedVariableResponse>(&[0x87, 0x01, 0x00]).is_err());
        assert!(dec::<DefineNamedTypeResponse>(&[0xae, 0x00]).is_err());
        // ObjectName request that is primitive / empty
        assert!(dec::<GetNamedTypeAttributesRequest>(&[0x8f, 0x01, b'x']).is_err());
        assert!(dec::<GetScatteredAccessAttributesRequest>(&[0xa9, 0x00]).is_err());
        // InformationReport with an empty body
        assert_eq!(
            dec::<InformationReport>(&[0xa0, 0x00]),
            Err(DecodeError::Ber(BerError::Missing(
                "variableAccessSpecification"
            )))
        );
        // DefineNamedVariableList without its list
        assert_eq!(
            dec::<DefineNamedVariableListRequest>(&[0xab, 0x03, 0x80, 0x01, b'x']),
            Err(DecodeError::Ber(BerError::Missing("listOfVariable")))
        );
    }

    // ISO 9506-2:2003 accessControlList / meaning fields: Wireshark's 1990 module does not know
    // them (it reports the unknown field), so these vectors are unit tests, not .vec entries.
    #[test]
    fn iso_2003_access_control_fields() {
        // GetVariableAccessAttributes-Response { FALSE, [2] boolean, [3] "acl", [4] "m" }
        let b = [
            0xa6, 0x0f, 0x80, 0x01, 0x00, 0xa2, 0x02, 0x83, 0x00, 0x83, 0x03, b'a', b'c', b'l',
            0x84, 0x01, b'm',
        ];
        let g = dec::<GetVariableAccessAttributesResponse>(&b).unwrap();
        assert_eq!(g.access_control_list.as_deref(), Some("acl"));
        assert_eq!(g.meaning.as_deref(), Some("m"));
        assert_eq!(to_vec(|w| g.encode_service(w)), b);
        // GetNamedTypeAttributes-Response { TRUE, boolean, [1] "acl" }
        let b = [
            0xaf, 0x0a, 0x80, 0x01, 0x01, 0x83, 0x00, 0x81, 0x03, b'a', b'c', b'l',
        ];
        let g = dec::<GetNamedTypeAttributesResponse>(&b).unwrap();
        assert_eq!(g.access_control_list.as_deref(), Some("acl"));
        assert_eq!(g.meaning, None);
        assert_eq!(to_vec(|w| g.encode_service(w)), b);
        // GetNamedVariableListAttributes-Response { FALSE, [1] {}, [2] "x" }
        let b = [0xac, 0x08, 0x80, 0x01, 0x00, 0xa1, 0x00, 0x82, 0x01, b'x'];
        let g = dec::<GetNamedVariableListAttributesResponse>(&b).unwrap();
        assert_eq!(g.access_control_list.as_deref(), Some("x"));
        assert_eq!(to_vec(|w| g.encode_service(w)), b);
        // GetScatteredAccessAttributes-Response { TRUE, [1] {}, [2] "x" }
        let b = [0xa9, 0x08, 0x80, 0x01, 0x01, 0xa1, 0x00, 0x82, 0x01, b'x'];
        let g = dec::<GetScatteredAccessAttributesResponse>(&b).unwrap();
        assert_eq!(g.access_control_list.as_deref(), Some("x"));
        assert_eq!(to_vec(|w| g.encode_service(w)), b);
        // an accessControlList that is constructed is refused
        let b = [
            0xa9, 0x09, 0x80, 0x01, 0x01, 0xa1, 0x00, 0xa2, 0x02, 0x1a, 0x00,
        ];
        assert!(dec::<GetScatteredAccessAttributesResponse>(&b).is_err());
    }

    #[test]
    fn zero_length_lists_and_nesting_limit() {
        // an empty Write-Response and empty lists decode and re-encode
        assert_eq!(
            dec::<WriteResponse>(&[0xa5, 0x00]),
            Ok(WriteResponse(vec![]))
        );
        let w = dec::<WriteRequest>(&[0xa5, 0x04, 0xa0, 0x00, 0xa0, 0x00]).unwrap();
        assert!(w.list_of_data.is_empty());
        // nested structures deeper than the reader's budget: max-recursion-exceeded
        let mut data = vec![0x83, 0x01, 0x01];
        for _ in 0..20 {
            let mut outer = vec![0xa2, data.len() as u8];
            outer.extend_from_slice(&data);
            data = outer;
        }
        let mut list = vec![0xa1, data.len() as u8];
        list.extend_from_slice(&data);
        let mut pdu = vec![0xa4, list.len() as u8];
        pdu.extend_from_slice(&list);
        let e = decode_one(&pdu, 10, ReadResponse::decode_service).unwrap_err();
        assert!(e.is_too_deep(), "{e:?}");
        assert!(decode_one(&pdu, 64, ReadResponse::decode_service).is_ok());
    }

    #[test]
    fn defaults_are_omitted_and_convenience_builders() {
        let r = ReadRequest::list(ObjectName::vmd("DS"));
        let b = to_vec(|w| r.encode_service(w));
        assert_eq!(
            b,
            [0xa4, 0x08, 0xa1, 0x06, 0xa1, 0x04, 0x80, 0x02, b'D', b'S']
        );
        let d = DeleteNamedTypeRequest::default();
        assert_eq!(to_vec(|w| d.encode_service(w)), [0xb0, 0x00]);
        assert_eq!(dec::<DeleteNamedTypeRequest>(&[0xb0, 0x00]), Ok(d));
        assert_eq!(ScopeOfDelete::from_i64(3), Ok(ScopeOfDelete::Vmd));
        assert_eq!(ScopeOfDelete::Vmd.to_i64(), 3);
    }

    /// Decodes `b` as every service type; whatever decodes must re-encode to bytes that decode
    /// to the same value (the fuzz target `mms_variables` checks the same property).
    fn all_decoders(b: &[u8]) -> usize {
        let mut ok = 0;
        macro_rules! check {
            ($($ty:ty),*) => {$(
                if let Ok(v) = decode_one(b, 32, |t| <$ty>::decode_service(t)) {
                    let enc = to_vec(|w| v.encode_service(w));
                    let back = decode_one(&enc, 64, |t| <$ty>::decode_service(t));
                    assert_eq!(back.as_ref(), Ok(&v), "{b:02x?}");
                    ok += 1;
                }
            )*};
        }
        check!(
            ReadRequest,
            ReadResponse,
            WriteRequest,
            WriteResponse,
            InformationReport,
            GetVariableAccessAttributesRequest,
            GetVariableAccessAttributesResponse,
            DefineNamedVariableRequest,
            DefineNamedVariableResponse,
            DefineScatteredAccessRequest,
            DefineScatteredAccessResponse,
            GetScatteredAccessAttributesRequest,
            GetScatteredAccessAttributesResponse,
            DeleteVariableAccessRequest,
            DeleteVariableAccessResponse,
            DefineNamedVariableListRequest,
            DefineNamedVariableListResponse,
            GetNamedVariableListAttributesRequest,
            GetNamedVariableListAttributesResponse,
            DeleteNamedVariableListRequest,
            DeleteNamedVariableListResponse,
            DefineNamedTypeRequest,
            DefineNamedTypeResponse,
            GetNamedTypeAttributesRequest,
            GetNamedTypeAttributesResponse,
            DeleteNamedTypeRequest,
            DeleteNamedTypeResponse
        );
        ok
    }

    #[test]
    fn mutated_vectors_never_panic_and_reencode_stably() {
        let vs = testvec::load("variables.vec");
        let mut decoded = 0;
        for v in &vs {
            let body = testvec::split(&v.pdu).unwrap().2.raw.to_vec();
            assert!(all_decoders(&body) >= 1, "{}", v.name);
            for i in 0..body.len() {
                for x in [0x01u8, 0x20, 0x80, 0xff] {
                    let mut m = body.clone();
                    m[i] ^= x;
                    decoded += all_decoders(&m);
                    all_decoders(&m[..i]);
                }
            }
        }
        // some mutations still decode (e.g. a changed character); most are refused
        assert!(decoded > 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn read_round_trip(swr in any::<bool>(), vas in arb::vas(), spec in proptest::option::of(arb::vas()),
                           res in proptest::collection::vec(arb::access_result(), 0..4)) {
            prop_round_trip!(ReadRequest, ReadRequest { specification_with_result: swr, variable_access_specification: vas }, 64);
            prop_round_trip!(ReadResponse, ReadResponse { variable_access_specification: spec, list_of_access_result: res }, 64);
        }

        #[test]
        fn write_and_report_round_trip(vas in arb::vas(), data in proptest::collection::vec(arb::data(), 0..4),
                                       res in proptest::collection::vec(arb::access_result(), 0..4),
                                       wr in proptest::collection::vec(proptest::option::of(arb::data_access_error()), 0..4)) {
            prop_round_trip!(WriteRequest, WriteRequest { variable_access_specification: vas.clone(), list_of_data: data }, 64);
            prop_round_trip!(InformationReport, InformationReport { variable_access_specification: vas, list_of_access_result: res }, 64);
            prop_round_trip!(WriteResponse, WriteResponse(wr.into_iter().map(|e| e.map_or(WriteResult::Success, WriteResult::Failure)).collect()), 64);
        }

        #[test]
        fn attributes_round_trip(name in arb::object_name(), addr in arb::address(), oaddr in proptest::option::of(arb::address()),
                                 ts in arb::type_specification(), ots in proptest::option::of(arb::type_specification()),
                                 del in any::<bool>(), by_name in any::<bool>(),
                                 acl in proptest::option::of(arb::ident()), meaning in proptest::option::of(arb::ident())) {
            let req = if by_name { GetVariableAccessAttributesRequest::Name(name.clone()) } else { GetVariableAccessAttributesRequest::Address(addr.clone()) };
            prop_round_trip!(GetVariableAccessAttributesRequest, req, 64);
            prop_round_trip!(GetVariableAccessAttributesResponse, GetVariableAccessAttributesResponse { mms_deletable: del, address: oaddr, type_specification: ts.clone(), access_control_list: acl.clone(), meaning: meaning.clone() }, 64);
            prop_round_trip!(DefineNamedVariableRequest, DefineNamedVariableRequest { variable_name: name.clone(), address: addr, type_specification: ots }, 64);
            prop_round_trip!(DefineNamedTypeRequest, DefineNamedTypeRequest { type_name: name.clone(), type_specification: ts.clone() }, 64);
            prop_round_trip!(GetNamedTypeAttributesRequest, GetNamedTypeAttributesRequest(name.clone()), 64);
            prop_round_trip!(GetNamedTypeAttributesResponse, GetNamedTypeAttributesResponse { mms_deletable: del, type_specification: ts, access_control_list: acl, meaning }, 64);
            prop_round_trip!(GetScatteredAccessAttributesRequest, GetScatteredAccessAttributesRequest(name.clone()), 64);
            prop_round_trip!(GetNamedVariableListAttributesRequest, GetNamedVariableListAttributesRequest(name), 64);
        }

        #[test]
        fn lists_and_scattered_round_trip(name in arb::object_name(), defs in proptest::collection::vec(arb::variable_def(), 0..4),
                                          sad in arb::scattered_access_description(), del in any::<bool>(),
                                          acl in proptest::option::of(arb::ident())) {
            prop_round_trip!(DefineNamedVariableListRequest, DefineNamedVariableListRequest { variable_list_name: name.clone(), list_of_variable: defs.clone() }, 64);
            prop_round_trip!(GetNamedVariableListAttributesResponse, GetNamedVariableListAttributesResponse { mms_deletable: del, list_of_variable: defs, access_control_list: acl.clone() }, 64);
            prop_round_trip!(DefineScatteredAccessRequest, DefineScatteredAccessRequest { scattered_access_name: name, scattered_access_description: sad.clone() }, 64);
            prop_round_trip!(GetScatteredAccessAttributesResponse, GetScatteredAccessAttributesResponse { mms_deletable: del, scattered_access_description: sad, access_control_list: acl }, 64);
        }

        #[test]
        fn deletes_and_nulls_round_trip(scope in arb::scope(), names in arb::names(), dom in proptest::option::of(arb::ident()),
                                        m in any::<u32>(), d in any::<u32>()) {
            prop_round_trip!(DeleteVariableAccessRequest, DeleteVariableAccessRequest { scope_of_delete: scope, list_of_name: names.clone(), domain_name: dom.clone() }, 64);
            prop_round_trip!(DeleteNamedVariableListRequest, DeleteNamedVariableListRequest { scope_of_delete: scope, list_of_variable_list_name: names.clone(), domain_name: dom.clone() }, 64);
            prop_round_trip!(DeleteNamedTypeRequest, DeleteNamedTypeRequest { scope_of_delete: scope, list_of_type_name: names, domain_name: dom }, 64);
            prop_round_trip!(DeleteVariableAccessResponse, DeleteVariableAccessResponse { number_matched: m, number_deleted: d }, 64);
            prop_round_trip!(DeleteNamedVariableListResponse, DeleteNamedVariableListResponse { number_matched: m, number_deleted: d }, 64);
            prop_round_trip!(DeleteNamedTypeResponse, DeleteNamedTypeResponse { number_matched: m, number_deleted: d }, 64);
            prop_round_trip!(DefineNamedVariableResponse, DefineNamedVariableResponse, 64);
            prop_round_trip!(DefineScatteredAccessResponse, DefineScatteredAccessResponse, 64);
            prop_round_trip!(DefineNamedVariableListResponse, DefineNamedVariableListResponse, 64);
            prop_round_trip!(DefineNamedTypeResponse, DefineNamedTypeResponse, 64);
        }
    }
}

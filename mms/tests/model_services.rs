//! The object model's services (ISO 9506-1 §10, §14, §20) with the ISO 9506-2 §7.4 error
//! class/code of every failure; every request and answer goes through the MMSpdu codec.
#![allow(clippy::unwrap_used)]

mod model_support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use mms::access::{
    AccessSelection, Address, AlternateAccess, AlternateAccessElement, AlternateAccessSelection,
    VariableAccessSpecification, VariableDef, VariableSpecification,
};
use mms::common::{ObjectName, TimeOfDay};
use mms::data::{Data, DataAccessError, FloatingPoint};
use mms::initiate::ServiceKind;
use mms::pdu::ConfirmedServiceResponse as Resp;
use mms::server::model::{demo, DynamicValue, Model, Object, Operation, ValueRequest};
use mms::server::{AssociationInfo, Handler, Reply, RequestContext};
use mms::service_error::{AccessProblem, DefinitionProblem, ErrorClass, ServiceError};
use mms::services::journal::{
    EntryForm, EntryToStartAfter, RangeStart, RangeStop, ReadJournalRequest,
};
use mms::services::variables::*;
use mms::services::vmd::*;
use mms::types::{StructureComponent, TypeDescription, TypeSpecification};
use model_support::{assoc, call, try_call, Answer};

fn s_type() -> TypeDescription<'static> {
    TypeDescription::Structure {
        packed: false,
        components: vec![
            StructureComponent::named("a", TypeDescription::Integer(32)),
            StructureComponent::named(
                "b",
                TypeDescription::Array {
                    packed: false,
                    number_of_elements: 3,
                    element_type: Box::new(TypeSpecification::TypeDescription(
                        TypeDescription::Boolean,
                    )),
                },
            ),
            StructureComponent::named("c", TypeDescription::VisibleString(-10)),
        ],
    }
}

fn s_value() -> Data<'static> {
    Data::structure(vec![
        Data::Integer(42),
        Data::array(vec![
            Data::Boolean(true),
            Data::Boolean(false),
            Data::Boolean(true),
        ]),
        Data::VisibleString("hi".into()),
    ])
}

fn plain() -> Model {
    Model::builder()
        .identity("vendor", "model", "1.2")
        .vmd(|v| {
            v.writable("Counter", TypeDescription::Unsigned(32), Data::Unsigned(1))
                .variable("RO", TypeDescription::Integer(16), Data::Integer(5))
                .list("VL", &["Counter", "RO"], false)
        })
        .domain("D1", |d| {
            d.writable("S", s_type(), s_value())
                .list("L1", &["S$a", "S"], false)
        })
        .domain("D2", |d| d)
        .build()
        .unwrap()
}

fn err_class(a: &Answer) -> ErrorClass {
    a.as_ref().expect_err("an error").error_class
}

const NON_EXISTENT: ErrorClass = ErrorClass::Access(AccessProblem::ObjectNonExistent);

fn names(
    m: &Model,
    info: &AssociationInfo,
    class: BasicObjectClass,
    scope: ObjectScope<'static>,
    after: Option<&str>,
) -> (Vec<String>, bool) {
    let a = call(
        m,
        info,
        GetNameListRequest {
            object_class: ObjectClass::Basic(class),
            object_scope: scope,
            continue_after: after.map(|s| s.to_string().into()),
        },
    );
    match a.unwrap() {
        Resp::GetNameList(r) => (
            r.list_of_identifier
                .into_iter()
                .map(|s| s.into_owned())
                .collect(),
            r.more_follows,
        ),
        other => panic!("{other:?}"),
    }
}

fn read_one(
    m: &Model,
    info: &AssociationInfo,
    def: VariableDef<'static>,
) -> Result<Data<'static>, DataAccessError> {
    let a = call(
        m,
        info,
        ReadRequest {
            specification_with_result: false,
            variable_access_specification: VariableAccessSpecification::ListOfVariable(vec![def]),
        },
    );
    match a.unwrap() {
        Resp::Read(r) => r.list_of_access_result[0]
            .clone()
            .into_owned()
            .as_result()
            .cloned()
            .map(|d| d.into_owned()),
        other => panic!("{other:?}"),
    }
}

fn read_name(
    m: &Model,
    info: &AssociationInfo,
    n: ObjectName<'static>,
) -> Result<Data<'static>, DataAccessError> {
    read_one(m, info, VariableDef::name(n))
}

fn write_one(
    m: &Model,
    info: &AssociationInfo,
    def: VariableDef<'static>,
    d: Data<'static>,
) -> WriteResult {
    let a = call(
        m,
        info,
        WriteRequest {
            variable_access_specification: VariableAccessSpecification::ListOfVariable(vec![def]),
            list_of_data: vec![d],
        },
    );
    match a.unwrap() {
        Resp::Write(r) => r.0[0].clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn identify_and_status() {
    let m = plain();
    let i = assoc(1, 65000);
    match call(&m, &i, IdentifyRequest).unwrap() {
        Resp::Identify(r) => {
            assert_eq!(
                (
                    r.vendor_name.as_ref(),
                    r.model_name.as_ref(),
                    r.revision.as_ref()
                ),
                ("vendor", "model", "1.2")
            )
        }
        o => panic!("{o:?}"),
    }
    m.set_status(
        LogicalStatus::NoStateChangesAllowed,
        PhysicalStatus::PartiallyOperational,
    );
    match call(&m, &i, StatusRequest::default()).unwrap() {
        Resp::Status(r) => {
            assert_eq!(r.vmd_logical_status, LogicalStatus::NoStateChangesAllowed);
            assert_eq!(r.vmd_physical_status, PhysicalStatus::PartiallyOperational);
        }
        o => panic!("{o:?}"),
    }
}

#[test]
fn get_name_list_every_class_and_scope() {
    let m = plain();
    let i = assoc(1, 65000);
    use BasicObjectClass as C;
    assert_eq!(
        names(&m, &i, C::NamedVariable, ObjectScope::VmdSpecific, None).0,
        ["Counter", "RO"]
    );
    assert_eq!(
        names(&m, &i, C::Domain, ObjectScope::VmdSpecific, None).0,
        ["D1", "D2"]
    );
    assert_eq!(
        names(&m, &i, C::NamedVariableList, ObjectScope::VmdSpecific, None).0,
        ["VL"]
    );
    // Plain MMS model: no component expansion.
    assert_eq!(
        names(
            &m,
            &i,
            C::NamedVariable,
            ObjectScope::DomainSpecific("D1".into()),
            None
        )
        .0,
        ["S"]
    );
    assert_eq!(
        names(
            &m,
            &i,
            C::NamedVariableList,
            ObjectScope::DomainSpecific("D1".into()),
            None
        )
        .0,
        ["L1"]
    );
    // Classes the model has none of: an empty list, not an error.
    for c in [
        C::Semaphore,
        C::NamedType,
        C::Journal,
        C::ProgramInvocation,
        C::EventCondition,
    ] {
        assert_eq!(
            names(&m, &i, c, ObjectScope::VmdSpecific, None),
            (vec![], false)
        );
    }
    assert_eq!(
        names(
            &m,
            &i,
            C::NamedVariable,
            ObjectScope::DomainSpecific("D2".into()),
            None
        ),
        (vec![], false)
    );
    assert_eq!(
        names(&m, &i, C::NamedVariable, ObjectScope::AaSpecific, None),
        (vec![], false)
    );
    // continueAfter: names strictly after.
    assert_eq!(
        names(
            &m,
            &i,
            C::NamedVariable,
            ObjectScope::VmdSpecific,
            Some("Counter")
        )
        .0,
        ["RO"]
    );
    assert_eq!(
        names(
            &m,
            &i,
            C::NamedVariable,
            ObjectScope::VmdSpecific,
            Some("Aaa")
        )
        .0,
        ["Counter", "RO"]
    );
    // Unknown domain: access / object-non-existent.
    let a = call(
        &m,
        &i,
        GetNameListRequest {
            object_class: ObjectClass::Basic(C::NamedVariable),
            object_scope: ObjectScope::DomainSpecific("NOPE".into()),
            continue_after: None,
        },
    );
    assert_eq!(err_class(&a), NON_EXISTENT);
}

#[test]
fn get_name_list_pages_to_the_pdu_size() {
    let m = demo::model(None).unwrap();
    let big = assoc(1, 65000);
    let scope = || ObjectScope::DomainSpecific(demo::DOMAIN.into());
    let (all, more) = names(&m, &big, BasicObjectClass::NamedVariable, scope(), None);
    assert!(!more);
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "sorted");
    assert!(all.contains(&"GGIO1$ST$Ind1$stVal".to_string()));
    assert!(all.contains(&"LLN0$DC$NamPlt$vendor".to_string()));
    assert!(all.contains(&"GGIO1".to_string()));
    // A small PDU: several pages, each fitting, together the same list.
    let small = assoc(2, 300);
    let mut got = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let (page, more) = names(
            &m,
            &small,
            BasicObjectClass::NamedVariable,
            scope(),
            after.as_deref(),
        );
        let bytes: usize = page.iter().map(|n| n.len() + 2).sum();
        assert!(bytes + 40 <= 300, "page fits the PDU");
        pages += 1;
        after = page.last().cloned();
        got.extend(page);
        if !more {
            break;
        }
    }
    assert!(pages > 3);
    assert_eq!(got, all);
}

#[test]
fn read_whole_component_and_alternate_access() {
    let m = plain();
    let i = assoc(1, 65000);
    assert_eq!(
        read_name(&m, &i, ObjectName::domain("D1", "S")),
        Ok(s_value())
    );
    assert_eq!(
        read_name(&m, &i, ObjectName::domain("D1", "S$a")),
        Ok(Data::Integer(42))
    );
    assert_eq!(
        read_name(&m, &i, ObjectName::vmd("RO")),
        Ok(Data::Integer(5))
    );
    let aa = |e: Vec<AlternateAccessElement<'static>>| VariableDef {
        variable_specification: VariableSpecification::Name(ObjectName::domain("D1", "S")),
        alternate_access: Some(AlternateAccess(e)),
    };
    let sel = |s: AccessSelection<'static>| {
        AlternateAccessElement::Unnamed(AlternateAccessSelection::SelectAccess(s))
    };
    assert_eq!(
        read_one(
            &m,
            &i,
            aa(vec![sel(AccessSelection::Component("c".into()))])
        ),
        Ok(Data::VisibleString("hi".into()))
    );
    // b[2] via selectAlternateAccess(component b, index 2).
    let nested = AlternateAccessElement::Unnamed(AlternateAccessSelection::SelectAlternateAccess {
        access_selection: AccessSelection::Component("b".into()),
        alternate_access: AlternateAccess(vec![sel(AccessSelection::IndexRange {
            low_index: 1,
            number_of_elements: 2,
        })]),
    });
    assert_eq!(
        read_one(&m, &i, aa(vec![nested])),
        Ok(Data::array(vec![Data::Boolean(false), Data::Boolean(true)]))
    );
    // Two elements: a structure of both parts.
    assert_eq!(
        read_one(
            &m,
            &i,
            aa(vec![
                sel(AccessSelection::Component("a".into())),
                sel(AccessSelection::Component("c".into()))
            ])
        ),
        Ok(Data::structure(vec![
            Data::Integer(42),
            Data::VisibleString("hi".into())
        ]))
    );
    // Failures per variable.
    assert_eq!(
        read_one(
            &m,
            &i,
            aa(vec![sel(AccessSelection::Component("zz".into()))])
        ),
        Err(DataAccessError::ObjectAttributeInconsistent)
    );
    assert_eq!(
        read_one(&m, &i, aa(vec![sel(AccessSelection::Index(0))])),
        Err(DataAccessError::ObjectAttributeInconsistent)
    );
    assert_eq!(
        read_name(&m, &i, ObjectName::domain("D1", "S$zz")),
        Err(DataAccessError::ObjectNonExistent)
    );
    assert_eq!(
        read_name(&m, &i, ObjectName::domain("D9", "S")),
        Err(DataAccessError::ObjectNonExistent)
    );
    assert_eq!(
        read_name(&m, &i, ObjectName::vmd("Nope")),
        Err(DataAccessError::ObjectNonExistent)
    );
    assert_eq!(
        read_name(&m, &i, ObjectName::aa("Nope")),
        Err(DataAccessError::ObjectNonExistent)
    );
    let by_address = VariableDef {
        variable_specification: VariableSpecification::Address(Address::Numeric(3)),
        alternate_access: None,
    };
    assert_eq!(
        read_one(&m, &i, by_address),
        Err(DataAccessError::ObjectAccessUnsupported)
    );
}

#[test]
fn read_variable_list_and_specification_with_result() {
    let m = plain();
    let i = assoc(1, 65000);
    let req = ReadRequest {
        specification_with_result: true,
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::domain("D1", "L1"),
        ),
    };
    match call(&m, &i, req.clone()).unwrap() {
        Resp::Read(r) => {
            assert_eq!(
                r.variable_access_specification,
                Some(req.variable_access_specification.clone())
            );
            let v: Vec<_> = r.values().map(|x| x.cloned()).collect();
            assert_eq!(v, vec![Ok(Data::Integer(42)), Ok(s_value())]);
        }
        o => panic!("{o:?}"),
    }
    let a = call(
        &m,
        &i,
        ReadRequest::list(ObjectName::domain("D1", "NOLIST")),
    );
    assert_eq!(err_class(&a), NON_EXISTENT);
}

#[test]
fn write_success_and_every_failure() {
    let m = plain();
    let i = assoc(1, 65000);
    let n = |s: &str| VariableDef::name(ObjectName::domain("D1", s.to_string()));
    assert_eq!(
        write_one(&m, &i, n("S$a"), Data::Integer(-7)),
        WriteResult::Success
    );
    assert_eq!(m.get("D1", "S$a"), Some(Data::Integer(-7)));
    assert_eq!(
        read_name(&m, &i, ObjectName::domain("D1", "S$a")),
        Ok(Data::Integer(-7))
    );
    // Alternate access into an array element.
    let b1 = VariableDef {
        variable_specification: VariableSpecification::Name(ObjectName::domain("D1", "S$b")),
        alternate_access: Some(AlternateAccess(vec![AlternateAccessElement::Unnamed(
            AlternateAccessSelection::SelectAccess(AccessSelection::Index(1)),
        )])),
    };
    assert_eq!(
        write_one(&m, &i, b1, Data::Boolean(true)),
        WriteResult::Success
    );
    assert_eq!(
        m.get("D1", "S$b"),
        Some(Data::array(vec![Data::Boolean(true); 3]))
    );
    assert_eq!(
        write_one(&m, &i, n("S$a"), Data::Boolean(true)),
        WriteResult::Failure(DataAccessError::TypeInconsistent)
    );
    assert_eq!(
        write_one(
            &m,
            &i,
            n("S$c"),
            Data::VisibleString("far too long!".into())
        ),
        WriteResult::Failure(DataAccessError::TypeInconsistent)
    );
    assert_eq!(
        write_one(&m, &i, n("S$zz"), Data::Integer(1)),
        WriteResult::Failure(DataAccessError::ObjectNonExistent)
    );
    let bad_aa = VariableDef {
        variable_specification: VariableSpecification::Name(ObjectName::domain("D1", "S$b")),
        alternate_access: Some(AlternateAccess(vec![AlternateAccessElement::Unnamed(
            AlternateAccessSelection::SelectAccess(AccessSelection::Index(9)),
        )])),
    };
    assert_eq!(
        write_one(&m, &i, bad_aa, Data::Boolean(true)),
        WriteResult::Failure(DataAccessError::ObjectAttributeInconsistent)
    );
    assert_eq!(
        write_one(
            &m,
            &i,
            VariableDef::name(ObjectName::vmd("RO")),
            Data::Integer(1)
        ),
        WriteResult::Failure(DataAccessError::ObjectAccessDenied)
    );
    assert_eq!(m.get_name(&ObjectName::vmd("RO")), Some(Data::Integer(5)));
    // Data count differing from variable count: the service error.
    let a = call(
        &m,
        &i,
        WriteRequest {
            variable_access_specification: VariableAccessSpecification::names([ObjectName::vmd(
                "Counter",
            )]),
            list_of_data: vec![Data::Unsigned(1), Data::Unsigned(2)],
        },
    );
    assert_eq!(
        err_class(&a),
        ErrorClass::Definition(DefinitionProblem::TypeInconsistent)
    );
}

#[test]
fn demo_writes_only_set_points_and_controls() {
    let m = demo::model(None).unwrap();
    let i = assoc(1, 65000);
    let n = |s: &str| VariableDef::name(ObjectName::domain(demo::DOMAIN, s.to_string()));
    let f = Data::FloatingPoint(FloatingPoint::from_f32(3.5));
    assert_eq!(
        write_one(&m, &i, n("GGIO1$SP$AnSet1$setMag$f"), f.clone()),
        WriteResult::Success
    );
    assert_eq!(m.get(demo::DOMAIN, "GGIO1$SP$AnSet1$setMag$f"), Some(f));
    assert_eq!(
        write_one(&m, &i, n("GGIO1$ST$Ind1$stVal"), Data::Boolean(true)),
        WriteResult::Failure(DataAccessError::ObjectAccessDenied)
    );
    assert_eq!(
        write_one(
            &m,
            &i,
            n("GGIO1$CO$SPCSO1$Oper$ctlVal"),
            Data::Boolean(true)
        ),
        WriteResult::Success
    );
    demo::tick(
        &m,
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_005),
    );
    assert_eq!(
        m.get(demo::DOMAIN, "GGIO1$ST$SPCSO1$stVal"),
        Some(Data::Boolean(true))
    );
}

#[test]
fn get_variable_access_attributes() {
    let m = plain();
    let i = assoc(1, 65000);
    match call(
        &m,
        &i,
        GetVariableAccessAttributesRequest::Name(ObjectName::domain("D1", "S")),
    )
    .unwrap()
    {
        Resp::GetVariableAccessAttributes(r) => {
            assert!(!r.mms_deletable);
            assert_eq!(
                r.type_specification,
                TypeSpecification::TypeDescription(s_type())
            );
        }
        o => panic!("{o:?}"),
    }
    match call(
        &m,
        &i,
        GetVariableAccessAttributesRequest::Name(ObjectName::domain("D1", "S$c")),
    )
    .unwrap()
    {
        Resp::GetVariableAccessAttributes(r) => {
            assert_eq!(
                r.type_specification,
                TypeSpecification::TypeDescription(TypeDescription::VisibleString(-10))
            )
        }
        o => panic!("{o:?}"),
    }
    let a = call(
        &m,
        &i,
        GetVariableAccessAttributesRequest::Name(ObjectName::domain("D1", "X")),
    );
    assert_eq!(err_class(&a), NON_EXISTENT);
    let a = call(
        &m,
        &i,
        GetVariableAccessAttributesRequest::Address(Address::Numeric(1)),
    );
    assert_eq!(
        err_class(&a),
        ErrorClass::Access(AccessProblem::ObjectAccessUnsupported)
    );
}

fn define(
    m: &Model,
    i: &AssociationInfo,
    name: ObjectName<'static>,
    members: &[ObjectName<'static>],
) -> Answer {
    call(
        m,
        i,
        DefineNamedVariableListRequest {
            variable_list_name: name,
            list_of_variable: members.iter().cloned().map(VariableDef::name).collect(),
        },
    )
}

fn delete(
    m: &Model,
    i: &AssociationInfo,
    req: DeleteNamedVariableListRequest<'static>,
) -> (u32, u32) {
    match call(m, i, req).unwrap() {
        Resp::DeleteNamedVariableList(r) => (r.number_matched, r.number_deleted),
        o => panic!("{o:?}"),
    }
}

#[test]
fn named_variable_lists_define_get_delete() {
    let m = plain();
    let i = assoc(1, 65000);
    let members = [ObjectName::domain("D1", "S$a"), ObjectName::vmd("Counter")];
    assert!(define(&m, &i, ObjectName::domain("D1", "New"), &members).is_ok());
    assert_eq!(
        err_class(&define(&m, &i, ObjectName::domain("D1", "New"), &members)),
        ErrorClass::Definition(DefinitionProblem::ObjectExists)
    );
    assert_eq!(
        err_class(&define(
            &m,
            &i,
            ObjectName::domain("D1", "Bad"),
            &[ObjectName::vmd("Nope")]
        )),
        NON_EXISTENT
    );
    assert_eq!(
        err_class(&define(&m, &i, ObjectName::domain("D9", "X"), &members)),
        NON_EXISTENT
    );
    match call(
        &m,
        &i,
        GetNamedVariableListAttributesRequest(ObjectName::domain("D1", "New")),
    )
    .unwrap()
    {
        Resp::GetNamedVariableListAttributes(r) => {
            assert!(r.mms_deletable);
            assert_eq!(
                r.list_of_variable,
                members
                    .iter()
                    .cloned()
                    .map(VariableDef::name)
                    .collect::<Vec<_>>()
            );
        }
        o => panic!("{o:?}"),
    }
    match call(
        &m,
        &i,
        GetNamedVariableListAttributesRequest(ObjectName::domain("D1", "L1")),
    )
    .unwrap()
    {
        Resp::GetNamedVariableListAttributes(r) => assert!(!r.mms_deletable),
        o => panic!("{o:?}"),
    }
    assert_eq!(
        err_class(&call(
            &m,
            &i,
            GetNamedVariableListAttributesRequest(ObjectName::vmd("zz"))
        )),
        NON_EXISTENT
    );
    // Reading the new list.
    match call(&m, &i, ReadRequest::list(ObjectName::domain("D1", "New"))).unwrap() {
        Resp::Read(r) => assert_eq!(r.list_of_access_result.len(), 2),
        o => panic!("{o:?}"),
    }
    // Specific delete: L1 matched but not deletable, New deleted, a missing name not matched.
    let req = DeleteNamedVariableListRequest::specific(vec![
        ObjectName::domain("D1", "L1"),
        ObjectName::domain("D1", "New"),
        ObjectName::domain("D1", "Missing"),
    ]);
    assert_eq!(delete(&m, &i, req), (2, 1));
    assert_eq!(
        names(
            &m,
            &i,
            BasicObjectClass::NamedVariableList,
            ObjectScope::DomainSpecific("D1".into()),
            None
        )
        .0,
        ["L1"]
    );
    // Domain scope.
    assert!(define(&m, &i, ObjectName::domain("D1", "A"), &members).is_ok());
    assert!(define(&m, &i, ObjectName::domain("D1", "B"), &members).is_ok());
    let req = DeleteNamedVariableListRequest {
        scope_of_delete: ScopeOfDelete::Domain,
        list_of_variable_list_name: None,
        domain_name: Some("D1".into()),
    };
    assert_eq!(delete(&m, &i, req), (3, 2));
    let req = DeleteNamedVariableListRequest {
        scope_of_delete: ScopeOfDelete::Domain,
        list_of_variable_list_name: None,
        domain_name: Some("D9".into()),
    };
    assert_eq!(err_class(&call(&m, &i, req)), NON_EXISTENT);
    // VMD scope.
    assert!(define(&m, &i, ObjectName::vmd("V2"), &members).is_ok());
    let req = DeleteNamedVariableListRequest {
        scope_of_delete: ScopeOfDelete::Vmd,
        list_of_variable_list_name: None,
        domain_name: None,
    };
    assert_eq!(delete(&m, &i, req), (2, 1));
}

#[test]
fn aa_specific_lists_live_per_association() {
    let m = plain();
    let one = assoc(1, 65000);
    let two = assoc(2, 65000);
    let members = [ObjectName::vmd("Counter")];
    assert!(define(&m, &one, ObjectName::aa("Mine"), &members).is_ok());
    assert!(define(&m, &one, ObjectName::aa("Mine2"), &members).is_ok());
    assert_eq!(
        names(
            &m,
            &one,
            BasicObjectClass::NamedVariableList,
            ObjectScope::AaSpecific,
            None
        )
        .0,
        ["Mine", "Mine2"]
    );
    assert!(names(
        &m,
        &two,
        BasicObjectClass::NamedVariableList,
        ObjectScope::AaSpecific,
        None
    )
    .0
    .is_empty());
    assert_eq!(
        err_class(&call(&m, &two, ReadRequest::list(ObjectName::aa("Mine")))),
        NON_EXISTENT
    );
    assert!(call(&m, &one, ReadRequest::list(ObjectName::aa("Mine"))).is_ok());
    // The other association may use the same name.
    assert!(define(&m, &two, ObjectName::aa("Mine"), &members).is_ok());
    assert_eq!(m.association_state(1).0, 2);
    m.closed(&one);
    assert_eq!(m.association_state(1), (0, 0));
    assert!(names(
        &m,
        &one,
        BasicObjectClass::NamedVariableList,
        ObjectScope::AaSpecific,
        None
    )
    .0
    .is_empty());
    assert_eq!(m.association_state(2).0, 1);
    let req = DeleteNamedVariableListRequest {
        scope_of_delete: ScopeOfDelete::AaSpecific,
        list_of_variable_list_name: None,
        domain_name: None,
    };
    assert_eq!(delete(&m, &two, req), (1, 1));
}

#[test]
fn access_control_denies_and_hides() {
    let m = Model::builder()
        .vmd(|v| {
            v.writable("Open", TypeDescription::Integer(8), Data::Integer(1))
                .writable("Secret", TypeDescription::Integer(8), Data::Integer(2))
        })
        .access_control(|info: &AssociationInfo, op: Operation, obj: &Object<'_>| {
            let secret = matches!(obj, Object::Variable(n) if n.item() == "Secret");
            !(secret
                && info.id == 2
                && matches!(op, Operation::Read | Operation::Write | Operation::Browse))
        })
        .build()
        .unwrap();
    let one = assoc(1, 65000);
    let two = assoc(2, 65000);
    assert_eq!(
        read_name(&m, &one, ObjectName::vmd("Secret")),
        Ok(Data::Integer(2))
    );
    assert_eq!(
        read_name(&m, &two, ObjectName::vmd("Secret")),
        Err(DataAccessError::ObjectAccessDenied)
    );
    assert_eq!(
        write_one(
            &m,
            &two,
            VariableDef::name(ObjectName::vmd("Secret")),
            Data::Integer(3)
        ),
        WriteResult::Failure(DataAccessError::ObjectAccessDenied)
    );
    assert_eq!(
        names(
            &m,
            &one,
            BasicObjectClass::NamedVariable,
            ObjectScope::VmdSpecific,
            None
        )
        .0,
        ["Open", "Secret"]
    );
    assert_eq!(
        names(
            &m,
            &two,
            BasicObjectClass::NamedVariable,
            ObjectScope::VmdSpecific,
            None
        )
        .0,
        ["Open"]
    );
    assert_eq!(
        err_class(&call(
            &m,
            &two,
            GetVariableAccessAttributesRequest::Name(ObjectName::vmd("Secret"))
        )),
        NON_EXISTENT
    );
}

struct Limited(AtomicU32);

impl DynamicValue for Limited {
    fn read(
        &self,
        req: &ValueRequest<'_>,
        _stored: &Data<'static>,
    ) -> Result<Data<'static>, DataAccessError> {
        assert_eq!(req.variable.item(), "Dyn");
        Ok(Data::Integer(
            i64::from(self.0.fetch_add(1, Ordering::SeqCst)) + 100,
        ))
    }

    fn write(&self, _req: &ValueRequest<'_>, value: &Data<'_>) -> Result<(), DataAccessError> {
        match value.as_i64() {
            Some(v) if v <= 100 => Ok(()),
            _ => Err(DataAccessError::ObjectValueInvalid),
        }
    }
}

#[test]
fn dynamic_values_are_produced_and_checked() {
    let m = Model::builder()
        .vmd(|v| {
            v.writable("Dyn", TypeDescription::Integer(32), Data::Integer(0))
                .dynamic("Dyn", Arc::new(Limited(AtomicU32::new(0))))
        })
        .build()
        .unwrap();
    let i = assoc(1, 65000);
    assert_eq!(
        read_name(&m, &i, ObjectName::vmd("Dyn")),
        Ok(Data::Integer(100))
    );
    assert_eq!(
        read_name(&m, &i, ObjectName::vmd("Dyn")),
        Ok(Data::Integer(101))
    );
    let d = VariableDef::name(ObjectName::vmd("Dyn"));
    assert_eq!(
        write_one(&m, &i, d.clone(), Data::Integer(500)),
        WriteResult::Failure(DataAccessError::ObjectValueInvalid)
    );
    assert_eq!(m.get_name(&ObjectName::vmd("Dyn")), Some(Data::Integer(0)));
    assert_eq!(
        write_one(&m, &i, d, Data::Integer(50)),
        WriteResult::Success
    );
    assert_eq!(m.get_name(&ObjectName::vmd("Dyn")), Some(Data::Integer(50)));
}

struct Capabilities;

impl Handler for Capabilities {
    fn services_supported(&self) -> mms::initiate::ServicesSupported {
        mms::initiate::ServicesSupported::from_services([ServiceKind::GetCapabilityList])
    }

    fn confirmed(
        &self,
        _ctx: &mut RequestContext<'_>,
        request: &mms::pdu::ConfirmedServiceRequest<'_>,
    ) -> Reply {
        match request {
            mms::pdu::ConfirmedServiceRequest::GetCapabilityList(_) => {
                Reply::Now(Ok(Resp::GetCapabilityList(GetCapabilityListResponse {
                    list_of_capabilities: vec!["cap".into()],
                    more_follows: false,
                })))
            }
            _ => Reply::Unsupported,
        }
    }
}

#[test]
fn unsupported_services_and_the_fallback() {
    let m = plain();
    let i = assoc(1, 65000);
    let s = m.services_supported();
    for k in [
        ServiceKind::Read,
        ServiceKind::Write,
        ServiceKind::GetNameList,
        ServiceKind::ReadJournal,
        ServiceKind::DeleteNamedVariableList,
    ] {
        assert!(s.supports(k), "{k:?}");
    }
    for k in [
        ServiceKind::FileOpen,
        ServiceKind::GetCapabilityList,
        ServiceKind::DefineNamedType,
        ServiceKind::Rename,
    ] {
        assert!(!s.supports(k), "{k:?}");
    }
    assert!(try_call(
        &m,
        &i,
        GetCapabilityListRequest {
            continue_after: None
        }
    )
    .is_none());
    assert!(try_call(&m, &i, mms::services::file::FileReadRequest { frsm_id: 1 }).is_none());
    let m = Model::builder().fallback(Capabilities).build().unwrap();
    assert!(m
        .services_supported()
        .supports(ServiceKind::GetCapabilityList));
    assert!(m.services_supported().supports(ServiceKind::Read));
    match try_call(
        &m,
        &i,
        GetCapabilityListRequest {
            continue_after: None,
        },
    ) {
        Some(Ok(Resp::GetCapabilityList(r))) => assert_eq!(r.list_of_capabilities, vec!["cap"]),
        o => panic!("{o:?}"),
    }
    assert!(try_call(&m, &i, DeleteNamedTypeRequest::default()).is_none());
}

fn journal(
    m: &Model,
    i: &AssociationInfo,
    f: impl FnOnce(&mut ReadJournalRequest<'static>),
) -> (Vec<(u64, i64)>, bool) {
    let mut q = ReadJournalRequest::new(ObjectName::domain("D", "Log"));
    f(&mut q);
    match call(m, i, q).unwrap() {
        Resp::ReadJournal(r) => (
            r.list_of_journal_entry
                .iter()
                .map(|e| {
                    let id = u64::from_be_bytes(e.entry_identifier.as_ref().try_into().unwrap());
                    (id, e.entry_content.occurrence_time.unix_millis().unwrap())
                })
                .collect(),
            r.more_follows,
        ),
        o => panic!("{o:?}"),
    }
}

fn journal_model() -> Model {
    let mut j = mms::server::model::Journal::default();
    for k in 0..10i64 {
        let vars = if k % 2 == 0 {
            vec![("even".to_string(), Data::Integer(k))]
        } else {
            vec![("odd".to_string(), Data::Integer(k))]
        };
        j.append(1_600_000_000_000 + k * 1000, vars, None);
    }
    Model::builder()
        .domain("D", |d| d.journal("Log", j))
        .build()
        .unwrap()
}

#[test]
fn read_journal_ranges() {
    let m = journal_model();
    let i = assoc(1, 65000);
    let t0 = 1_600_000_000_000i64;
    let (all, more) = journal(&m, &i, |_| {});
    assert_eq!(all.len(), 10);
    assert!(!more);
    assert_eq!(all[0], (1, t0));
    let tod = |ms: i64| TimeOfDay::from_unix_millis(ms);
    let (r, _) = journal(&m, &i, |q| {
        q.range_start_specification = Some(RangeStart::StartingTime(tod(t0 + 3000)));
        q.range_stop_specification = Some(RangeStop::EndingTime(tod(t0 + 5000)));
    });
    assert_eq!(r.iter().map(|e| e.0).collect::<Vec<_>>(), [4, 5, 6]);
    let (r, _) = journal(&m, &i, |q| {
        q.range_start_specification = Some(RangeStart::StartingEntry(
            7u64.to_be_bytes().to_vec().into(),
        ));
        q.range_stop_specification = Some(RangeStop::NumberOfEntries(2));
    });
    assert_eq!(r.iter().map(|e| e.0).collect::<Vec<_>>(), [7, 8]);
    let (r, _) = journal(&m, &i, |q| {
        q.entry_to_start_after = Some(EntryToStartAfter {
            time_specification: tod(t0 + 7000),
            entry_specification: 8u64.to_be_bytes().to_vec().into(),
        });
    });
    assert_eq!(r.iter().map(|e| e.0).collect::<Vec<_>>(), [9, 10]);
    let (r, _) = journal(&m, &i, |q| q.list_of_variables = Some(vec!["odd".into()]));
    assert_eq!(r.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 4, 6, 8, 10]);
    // Paging: a small PDU cuts the list with moreFollows.
    let small = assoc(2, 150);
    let (p1, more) = journal(&m, &small, |_| {});
    assert!(more);
    assert!(!p1.is_empty() && p1.len() < 10);
    let last = *p1.last().unwrap();
    let (p2, _) = journal(&m, &small, |q| {
        q.entry_to_start_after = Some(EntryToStartAfter {
            time_specification: tod(last.1),
            entry_specification: last.0.to_be_bytes().to_vec().into(),
        })
    });
    assert_eq!(p2[0].0, last.0 + 1);
    // Failures.
    let a = call(
        &m,
        &i,
        ReadJournalRequest::new(ObjectName::domain("D", "Nope")),
    );
    assert_eq!(err_class(&a), NON_EXISTENT);
    let mut q = ReadJournalRequest::new(ObjectName::domain("D", "Log"));
    q.range_start_specification = Some(RangeStart::StartingEntry(vec![0xFF; 8].into()));
    assert_eq!(err_class(&call(&m, &i, q)), NON_EXISTENT);
}

#[test]
fn demo_model_is_browsable_and_ticks() {
    let m = demo::model(None).unwrap();
    let i = assoc(1, 65000);
    assert_eq!(
        names(
            &m,
            &i,
            BasicObjectClass::Domain,
            ObjectScope::VmdSpecific,
            None
        )
        .0,
        [demo::DOMAIN]
    );
    assert_eq!(
        names(
            &m,
            &i,
            BasicObjectClass::NamedVariable,
            ObjectScope::VmdSpecific,
            None
        )
        .0,
        [
            "Bilateral_Table_ID",
            "Supported_Features",
            "TASE2_Version",
            "TASE2_Version$MajorVersionNumber",
            "TASE2_Version$MinorVersionNumber"
        ]
    );
    assert_eq!(
        names(
            &m,
            &i,
            BasicObjectClass::NamedVariableList,
            ObjectScope::DomainSpecific(demo::DOMAIN.into()),
            None
        )
        .0,
        [demo::DATA_SET]
    );
    assert_eq!(
        names(
            &m,
            &i,
            BasicObjectClass::Journal,
            ObjectScope::DomainSpecific(demo::DOMAIN.into()),
            None
        )
        .0,
        [demo::JOURNAL]
    );
    // The FC order of GGIO1 (libIEC61850 layout) and the IEC 61850-8-1 encodings.
    match call(
        &m,
        &i,
        GetVariableAccessAttributesRequest::Name(ObjectName::domain(demo::DOMAIN, "GGIO1")),
    )
    .unwrap()
    {
        Resp::GetVariableAccessAttributes(r) => match r.type_specification {
            TypeSpecification::TypeDescription(TypeDescription::Structure {
                components, ..
            }) => {
                let fcs: Vec<_> = components
                    .iter()
                    .map(|c| c.component_name.clone().unwrap().into_owned())
                    .collect();
                assert_eq!(fcs, ["MX", "ST", "CO", "CF", "SP"]);
            }
            o => panic!("{o:?}"),
        },
        o => panic!("{o:?}"),
    }
    assert_eq!(
        m.type_of(&ObjectName::domain(demo::DOMAIN, "GGIO1$ST$Ind1$q")),
        Some(TypeDescription::BitString(13))
    );
    assert_eq!(
        m.type_of(&ObjectName::domain(demo::DOMAIN, "GGIO1$ST$Ind1$t")),
        Some(TypeDescription::UtcTime)
    );
    // The data set reads four structures.
    match call(
        &m,
        &i,
        ReadRequest::list(ObjectName::domain(demo::DOMAIN, demo::DATA_SET)),
    )
    .unwrap()
    {
        Resp::Read(r) => {
            assert_eq!(r.list_of_access_result.len(), 4);
            assert!(r.values().all(|v| matches!(v, Ok(Data::Structure(_)))));
        }
        o => panic!("{o:?}"),
    }
    let at = |s: u64| std::time::UNIX_EPOCH + std::time::Duration::from_secs(s);
    let mag = |m: &Model| m.get(demo::DOMAIN, "GGIO1$MX$AnIn1$mag$f");
    demo::tick(&m, at(1_700_000_003));
    let a = mag(&m);
    demo::tick(&m, at(1_700_000_013));
    assert_ne!(mag(&m), a, "values move with time");
    assert_eq!(
        m.get(demo::DOMAIN, "GGIO1$ST$Ind1$stVal"),
        Some(Data::Boolean(true))
    );
    let j = m.snapshot().1[demo::DOMAIN].journals[demo::JOURNAL]
        .entries
        .len();
    demo::tick(&m, at(1_700_000_023));
    assert_eq!(
        m.snapshot().1[demo::DOMAIN].journals[demo::JOURNAL]
            .entries
            .len(),
        j + 1,
        "Ind1 changes are logged"
    );
    match call(
        &m,
        &i,
        ReadJournalRequest::new(ObjectName::domain(demo::DOMAIN, demo::JOURNAL)),
    )
    .unwrap()
    {
        Resp::ReadJournal(r) => {
            assert!(r
                .list_of_journal_entry
                .iter()
                .any(|e| matches!(e.entry_content.entry_form, EntryForm::Annotation(_))));
        }
        o => panic!("{o:?}"),
    }
    // Application updates are type-checked.
    assert!(m
        .set(demo::DOMAIN, "GGIO1$ST$Ind1$stVal", Data::Integer(1))
        .is_err());
    assert!(m.set("NOPE", "X", Data::Integer(1)).is_err());
    let _: Option<ServiceError<'static>> = None;
}

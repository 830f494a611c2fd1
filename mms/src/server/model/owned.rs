//! Detaching request parts (ISO 9506-2 §14.2, §14.3) from the request buffer, for what the
//! model keeps (variable lists) and echoes (specificationWithResult).

use std::borrow::Cow;

use crate::access::{
    AccessSelection, Address, AlternateAccess, AlternateAccessElement, AlternateAccessSelection,
    VariableAccessSpecification, VariableDef, VariableSpecification,
};

fn s(c: &str) -> Cow<'static, str> {
    Cow::Owned(c.to_string())
}

fn selection(a: &AccessSelection<'_>) -> AccessSelection<'static> {
    match a {
        AccessSelection::Component(c) => AccessSelection::Component(s(c)),
        AccessSelection::Index(i) => AccessSelection::Index(*i),
        AccessSelection::IndexRange {
            low_index,
            number_of_elements,
        } => AccessSelection::IndexRange {
            low_index: *low_index,
            number_of_elements: *number_of_elements,
        },
        AccessSelection::AllElements => AccessSelection::AllElements,
    }
}

fn alt_selection(a: &AlternateAccessSelection<'_>) -> AlternateAccessSelection<'static> {
    match a {
        AlternateAccessSelection::SelectAccess(x) => {
            AlternateAccessSelection::SelectAccess(selection(x))
        }
        AlternateAccessSelection::SelectAlternateAccess {
            access_selection,
            alternate_access,
        } => AlternateAccessSelection::SelectAlternateAccess {
            access_selection: selection(access_selection),
            alternate_access: alternate(alternate_access),
        },
    }
}

/// An owned copy of an alternate access (its depth is bounded by the decoder's).
pub fn alternate(a: &AlternateAccess<'_>) -> AlternateAccess<'static> {
    AlternateAccess(
        a.0.iter()
            .map(|e| match e {
                AlternateAccessElement::Unnamed(x) => {
                    AlternateAccessElement::Unnamed(alt_selection(x))
                }
                AlternateAccessElement::Named {
                    component_name,
                    access,
                } => AlternateAccessElement::Named {
                    component_name: s(component_name),
                    access: alt_selection(access),
                },
            })
            .collect(),
    )
}

/// An owned copy of a variable definition; descriptions and scattered accesses (which the
/// model does not serve) become `invalidated`.
pub fn variable_def(d: &VariableDef<'_>) -> VariableDef<'static> {
    let variable_specification = match &d.variable_specification {
        VariableSpecification::Name(n) => VariableSpecification::Name(n.clone().into_owned()),
        VariableSpecification::Address(a) => VariableSpecification::Address(match a {
            Address::Numeric(n) => Address::Numeric(*n),
            Address::Symbolic(x) => Address::Symbolic(s(x)),
            Address::Unconstrained(o) => Address::Unconstrained(Cow::Owned(o.to_vec())),
        }),
        _ => VariableSpecification::Invalidated,
    };
    VariableDef {
        variable_specification,
        alternate_access: d.alternate_access.as_ref().map(alternate),
    }
}

/// An owned copy of a variable access specification.
pub fn access_spec(v: &VariableAccessSpecification<'_>) -> VariableAccessSpecification<'static> {
    match v {
        VariableAccessSpecification::ListOfVariable(l) => {
            VariableAccessSpecification::ListOfVariable(l.iter().map(variable_def).collect())
        }
        VariableAccessSpecification::VariableListName(n) => {
            VariableAccessSpecification::VariableListName(n.clone().into_owned())
        }
    }
}

//! Walking a server's object model (ISO 9506-1 §10.5 GetNameList, §14.9
//! GetVariableAccessAttributes): domains, their top-level named variables with types, and
//! their named variable lists. Also [`owned_type`], detaching a [`TypeDescription`] from the
//! PDU it was decoded from.

use std::borrow::Cow;

use crate::client::blocking::Client;
use crate::client::ops::OpError;
use crate::common::ObjectName;
use crate::types::{StructureComponent, TypeDescription, TypeSpecification};

/// One domain of a server (ISO 9506-1 §11; an IEC 61850 logical device), as
/// [`Client::browse`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainInfo {
    /// The domain name.
    pub name: String,
    /// Its top-level named variables (names without `$`) and their types.
    pub variables: Vec<(String, TypeDescription<'static>)>,
    /// Its named variable lists (IEC 61850 data sets).
    pub lists: Vec<String>,
}

fn owned_name(n: ObjectName<'_>) -> ObjectName<'static> {
    n.into_owned()
}

/// Detaches a `TypeSpecification` (ISO 9506-2 §14.1) from the input buffer.
pub fn owned_spec(s: TypeSpecification<'_>) -> TypeSpecification<'static> {
    match s {
        TypeSpecification::TypeName(n) => TypeSpecification::TypeName(owned_name(n)),
        TypeSpecification::TypeDescription(d) => TypeSpecification::TypeDescription(owned_type(d)),
    }
}

/// Detaches a `TypeDescription` (ISO 9506-2 §14.4.1) from the input buffer. The recursion
/// follows the value's own nesting, which the decoder bounded.
pub fn owned_type(t: TypeDescription<'_>) -> TypeDescription<'static> {
    match t {
        TypeDescription::Array {
            packed,
            number_of_elements,
            element_type,
        } => TypeDescription::Array {
            packed,
            number_of_elements,
            element_type: Box::new(owned_spec(*element_type)),
        },
        TypeDescription::Structure { packed, components } => TypeDescription::Structure {
            packed,
            components: components
                .into_iter()
                .map(|c| StructureComponent {
                    component_name: c.component_name.map(|n| Cow::Owned(n.into_owned())),
                    component_type: owned_spec(c.component_type),
                })
                .collect(),
        },
        TypeDescription::Boolean => TypeDescription::Boolean,
        TypeDescription::BitString(n) => TypeDescription::BitString(n),
        TypeDescription::Integer(n) => TypeDescription::Integer(n),
        TypeDescription::Unsigned(n) => TypeDescription::Unsigned(n),
        TypeDescription::FloatingPoint {
            format_width,
            exponent_width,
        } => TypeDescription::FloatingPoint {
            format_width,
            exponent_width,
        },
        TypeDescription::OctetString(n) => TypeDescription::OctetString(n),
        TypeDescription::VisibleString(n) => TypeDescription::VisibleString(n),
        TypeDescription::GeneralizedTime => TypeDescription::GeneralizedTime,
        TypeDescription::BinaryTime(b) => TypeDescription::BinaryTime(b),
        TypeDescription::Bcd(n) => TypeDescription::Bcd(n),
        TypeDescription::ObjId => TypeDescription::ObjId,
        TypeDescription::MmsString(n) => TypeDescription::MmsString(n),
        TypeDescription::UtcTime => TypeDescription::UtcTime,
    }
}

impl Client {
    /// Walks the server (ISO 9506-1 §10.5, §14.9): every domain, the types of its top-level
    /// named variables (GetVariableAccessAttributes, pipelined) and the names of its variable
    /// lists. Names with `$` are component paths (IEC 61850 servers list every one) and are
    /// skipped: their types are inside their top-level variable's.
    pub fn browse(&self) -> Result<Vec<DomainInfo>, OpError> {
        let domains = self.domains()?;
        let mut out = Vec::with_capacity(domains.len());
        for domain in domains {
            out.push(self.browse_domain(&domain)?);
        }
        Ok(out)
    }

    /// [`Client::browse`] of one domain.
    pub fn browse_domain(&self, domain: &str) -> Result<DomainInfo, OpError> {
        let top: Vec<String> = self
            .variables(domain)?
            .into_iter()
            .filter(|v| !v.contains('$'))
            .collect();
        let names: Vec<ObjectName<'_>> = top
            .iter()
            .map(|v| ObjectName::domain(domain, v.as_str()))
            .collect();
        let types = self.types_of(&names)?;
        let mut variables = Vec::with_capacity(top.len());
        for (name, ty) in top.into_iter().zip(types) {
            variables.push((name, ty?));
        }
        let lists = self.variable_lists(domain)?;
        Ok(DomainInfo {
            name: domain.to_string(),
            variables,
            lists,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_type_keeps_everything() {
        let owned: TypeDescription<'static> = {
            let name = String::from("stVal");
            let t = TypeDescription::Structure {
                packed: false,
                components: vec![
                    StructureComponent::named(name.as_str(), TypeDescription::Integer(32)),
                    StructureComponent {
                        component_name: None,
                        component_type: TypeSpecification::TypeName(ObjectName::domain("D", "T")),
                    },
                    StructureComponent::named(
                        "arr",
                        TypeDescription::Array {
                            packed: true,
                            number_of_elements: 3,
                            element_type: Box::new(
                                TypeDescription::FloatingPoint {
                                    format_width: 32,
                                    exponent_width: 8,
                                }
                                .into(),
                            ),
                        },
                    ),
                ],
            };
            let owned = owned_type(t.clone());
            assert_eq!(owned, t);
            owned
        };
        assert!(
            matches!(owned, TypeDescription::Structure { ref components, .. } if components.len() == 3)
        );
    }
}

//! Point types from type descriptions (IEC 60870-6-802 Block 1): which [`PointType`] a
//! variable is, from what GetVariableAccessAttributes answers, for a client without a point
//! table (docs/tase2-client.md, "Point types").
//!
//! Types are compared by shape (MMS alternatives, component counts, bit-string lengths,
//! floating-point format), not by component names, which vary between implementations;
//! integer widths are not compared either (peers declare 16 or 32 bits). Where several types
//! share a shape, component names break the tie when the server sent them: a first component
//! called `Value` is a value, one whose name holds `TimeStamp` or `GMTBasedS` is a time stamp
//! (so Data_DiscreteQ and Data_StateQTimeTag are told apart). Data_State, Data_StateQ and
//! Data_StateSupplemental remain ambiguous (one bit-string(8) each): the answer lists them
//! all and the caller picks.

use crate::tase2::PointType;
use crate::types::{StructureComponent, TypeDescription, TypeSpecification};

/// True when `a` and `b` have the same shape (see the module documentation).
fn same_shape(a: &TypeDescription<'_>, b: &TypeDescription<'_>) -> bool {
    use TypeDescription as T;
    match (a, b) {
        (T::Structure { components: x, .. }, T::Structure { components: y, .. }) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(p, q)| match (described(p), described(q)) {
                        (Some(p), Some(q)) => same_shape(p, q),
                        _ => false,
                    })
        }
        (T::BitString(x), T::BitString(y)) => x.unsigned_abs() == y.unsigned_abs(),
        (T::Integer(_), T::Integer(_)) | (T::Unsigned(_), T::Unsigned(_)) => true,
        (
            T::FloatingPoint {
                format_width: f1,
                exponent_width: e1,
            },
            T::FloatingPoint {
                format_width: f2,
                exponent_width: e2,
            },
        ) => f1 == f2 && e1 == e2,
        (T::Boolean, T::Boolean) => true,
        _ => false,
    }
}

fn described<'t>(c: &'t StructureComponent<'_>) -> Option<&'t TypeDescription<'t>> {
    match &c.component_type {
        TypeSpecification::TypeDescription(d) => Some(d),
        TypeSpecification::TypeName(_) => None,
    }
}

/// What the name of a first component says it is.
#[derive(PartialEq)]
enum Role {
    Value,
    Time,
    Unknown,
}

fn first_role(d: &TypeDescription<'_>) -> Role {
    let TypeDescription::Structure { components, .. } = d else {
        return Role::Unknown;
    };
    match components.first().and_then(|c| c.component_name.as_deref()) {
        Some("Value") => Role::Value,
        Some(n) if n.contains("TimeStamp") || n.contains("GMTBasedS") => Role::Time,
        _ => Role::Unknown,
    }
}

/// The point types `desc` may be, most likely first: every type of the same shape, narrowed
/// by component names when they tell (see the module documentation). Empty: not a TASE.2
/// point type.
pub fn point_types_for(desc: &TypeDescription<'_>) -> Vec<PointType> {
    let shaped: Vec<PointType> = PointType::ALL
        .iter()
        .copied()
        .filter(|t| same_shape(&t.type_description(), desc))
        .collect();
    let role = first_role(desc);
    if shaped.len() < 2 || role == Role::Unknown {
        return shaped;
    }
    let named: Vec<PointType> = shaped
        .iter()
        .copied()
        .filter(|t| first_role(&t.type_description()) == role)
        .collect();
    if named.is_empty() {
        shaped
    } else {
        named
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rename_first(d: TypeDescription<'static>, name: &'static str) -> TypeDescription<'static> {
        match d {
            TypeDescription::Structure {
                packed,
                mut components,
            } => {
                components[0].component_name = Some(name.into());
                TypeDescription::Structure { packed, components }
            }
            other => other,
        }
    }

    fn strip_names(d: TypeDescription<'static>) -> TypeDescription<'static> {
        match d {
            TypeDescription::Structure { packed, components } => TypeDescription::Structure {
                packed,
                components: components
                    .into_iter()
                    .map(|c| StructureComponent {
                        component_name: None,
                        component_type: c.component_type,
                    })
                    .collect(),
            },
            other => other,
        }
    }

    #[test]
    fn every_type_finds_itself() {
        for t in PointType::ALL {
            let found = point_types_for(&t.type_description());
            assert!(found.contains(t), "{t}: {found:?}");
        }
    }

    #[test]
    fn shared_shapes_and_names() {
        // {integer, bit-string(8)}: DiscreteQ or StateQTimeTag; the names decide.
        let dq = PointType::DiscreteQ.type_description();
        assert_eq!(point_types_for(&dq), [PointType::DiscreteQ]);
        let sq = PointType::StateQTimeTag.type_description();
        assert_eq!(point_types_for(&sq), [PointType::StateQTimeTag]);
        // Other time-stamp names seen in the field.
        assert_eq!(
            point_types_for(&rename_first(sq.clone(), "XSTimeStamp")),
            [PointType::StateQTimeTag]
        );
        // Without names: both.
        let both = point_types_for(&strip_names(dq));
        assert!(both.contains(&PointType::DiscreteQ) && both.contains(&PointType::StateQTimeTag));
        // One bit-string(8): every type of that shape.
        assert!(point_types_for(&TypeDescription::BitString(8)).len() >= 3);
        // Integer widths are not compared; a 16-bit value is still a Data_Discrete.
        assert!(point_types_for(&TypeDescription::Integer(16)).contains(&PointType::Discrete));
        // Not a point.
        assert!(point_types_for(&TypeDescription::VisibleString(10)).is_empty());
    }
}

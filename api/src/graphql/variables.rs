//! Whether a request's variables are certainly valid for an operation whose document passed
//! async-graphql's full validation before, so that it can run on the schema that skips the rules
//! ([`super::operation::Engine`] keeps both).
//!
//! What of validation depends on the request and not on the document alone is one check of
//! async-graphql's `ArgumentsOfCorrectType` rule: an argument's value, its variables replaced by the
//! request's, must be valid for the argument's type (its `is_valid_input_value`). A document that was
//! validated also passed `VariableInAllowedPosition` (GraphQL spec §5.8.5), so every variable's declared
//! type is at least as strict as every place it is used, with one exception the spec allows: a nullable
//! variable with a default value in a non-null place, for which an explicit `null` is valid as declared
//! and invalid where used. Hence: a value valid for its variable's declared type is valid wherever it
//! is used, and a `null` for a variable with a default is left in doubt.
//!
//! The check is one-sided: [`InputTypes::certainly_valid`] says `true` only when async-graphql's rule
//! would find nothing, and leaves every doubt (a negative `Int`, an unknown scalar, a `@oneOf` input,
//! anything not an object given for an input object) to the full validation, which then gives the
//! error clients have always received, with its message and position.

use async_graphql::{
    Name, Value, Variables,
    parser::types::{BaseType, OperationDefinition, Type, TypeKind, TypeSystemDefinition, VariableDefinition},
};
use foldhash::{HashMap, HashMapExt, HashSet};

/// Custom scalars whose async-graphql types accept any value at validation (they have no `is_valid`,
/// or its default, which accepts everything): `chrono::DateTime<Utc>` and `async_graphql::Json`. A
/// custom scalar not named here is a doubt.
const SCALARS_ACCEPTING_ANY_VALUE: [&str; 2] = ["DateTime", "JSON"];

/// A field of an input object, as the check needs it.
#[derive(Debug)]
struct InputField {
    ty: Type,
    /// Whether it may be left out: it is nullable or has a default.
    optional: bool,
}

/// A named input type of the schema.
#[derive(Debug)]
enum InputType {
    /// A scalar accepted whatever its value ([`SCALARS_ACCEPTING_ANY_VALUE`]).
    AnyValue,
    /// A scalar the check does not know: always a doubt.
    UnknownScalar,
    /// An enum and its values.
    Enum(HashSet<String>),
    /// An input object and its fields, unless it is `@oneOf` (then `None`: always a doubt).
    Object(Option<HashMap<String, InputField>>),
}

/// The input types of a schema (its custom scalars, enums and input objects), from its SDL. The
/// built-in scalars are known without it.
#[derive(Debug, Default)]
pub struct InputTypes {
    types: HashMap<String, InputType>,
}

impl InputTypes {
    /// The input types among `definitions`, the schema's parsed SDL.
    pub fn of(definitions: &[TypeSystemDefinition]) -> InputTypes {
        let mut types = HashMap::new();
        for definition in definitions {
            let TypeSystemDefinition::Type(ty) = definition else { continue };
            let ty = &ty.node;
            let input = match &ty.kind {
                TypeKind::Scalar if SCALARS_ACCEPTING_ANY_VALUE.contains(&ty.name.node.as_str()) => InputType::AnyValue,
                TypeKind::Scalar => InputType::UnknownScalar,
                TypeKind::Enum(values) => {
                    InputType::Enum(values.values.iter().map(|v| v.node.value.node.to_string()).collect())
                }
                TypeKind::InputObject(_) if ty.directives.iter().any(|d| d.node.name.node == "oneOf") => {
                    InputType::Object(None)
                }
                TypeKind::InputObject(object) => InputType::Object(Some(
                    object
                        .fields
                        .iter()
                        .map(|field| {
                            let field = &field.node;
                            let optional = field.ty.node.nullable || field.default_value.is_some();
                            (field.name.node.to_string(), InputField { ty: field.ty.node.clone(), optional })
                        })
                        .collect(),
                )),
                _ => continue,
            };
            types.insert(ty.name.node.to_string(), input);
        }
        InputTypes { types }
    }

    /// Whether `variables` are certainly valid for `operation`, a validated document's operation:
    /// every variable it declares and the request gives holds a value valid for the declared type
    /// (module docs). Variables the request gives and the operation does not declare are not read,
    /// as async-graphql does not read them; a declared variable the request leaves out is the
    /// execution's to refuse, as it is after full validation.
    pub fn certainly_valid(&self, operation: &OperationDefinition, variables: &Variables) -> bool {
        operation
            .variable_definitions
            .iter()
            .all(|definition| self.variable_certainly_valid(&definition.node, variables))
    }

    fn variable_certainly_valid(&self, definition: &VariableDefinition, variables: &Variables) -> bool {
        let Some(value) = variables.get(&definition.name.node) else { return true };
        if matches!(value, Value::Null) && definition.default_value.is_some() {
            return false;
        }
        self.valid(&definition.var_type.node, value)
    }

    /// Whether `value` is certainly valid for `ty`, by async-graphql's `is_valid_input_value`.
    fn valid(&self, ty: &Type, value: &Value) -> bool {
        if matches!(value, Value::Null) {
            return ty.nullable;
        }
        match &ty.base {
            BaseType::List(inner) => match value {
                Value::List(items) => items.iter().all(|item| self.valid(inner, item)),
                // A single value where a list is expected is a list of one (GraphQL spec §3.11).
                single => self.valid(inner, single),
            },
            BaseType::Named(name) => self.named_valid(name, value),
        }
    }

    fn named_valid(&self, name: &Name, value: &Value) -> bool {
        match (name.as_str(), value) {
            // async-graphql registers `Int` with the first integer type a schema uses: signed ones accept
            // any i64, unsigned ones any u64; a value both accept is certain.
            ("Int", Value::Number(n)) => n.is_i64() && n.is_u64(),
            ("Float", Value::Number(_)) | ("String", Value::String(_)) | ("Boolean", Value::Boolean(_)) => true,
            ("ID", Value::String(_)) => true,
            ("ID", Value::Number(n)) => n.is_i64(),
            ("Int" | "Float" | "String" | "Boolean" | "ID", _) => false,
            (other, value) => match self.types.get(other) {
                Some(InputType::AnyValue) => true,
                Some(InputType::Enum(values)) => matches!(value, Value::String(v) if values.contains(v.as_str())),
                Some(InputType::Object(Some(fields))) => {
                    let Value::Object(given) = value else { return false };
                    given.keys().all(|key| fields.contains_key(key.as_str()))
                        && fields.iter().all(|(field, shape)| match given.get(field.as_str()) {
                            Some(value) => self.valid(&shape.ty, value),
                            None => shape.optional,
                        })
                }
                Some(InputType::Object(None) | InputType::UnknownScalar) | None => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = r#"
        scalar DateTime
        scalar JSON
        scalar Upload
        enum Status { OPEN DONE }
        input Filter { status: Status, tags: [String!], after: DateTime, data: JSON }
        input Create { name: String!, size: Int = 3, filter: Filter }
        input Either @oneOf { a: Int, b: String }
    "#;

    fn certain(declared: &str, variables: serde_json::Value) -> bool {
        let query = format!("query Q({declared}) {{ a }}");
        let document = async_graphql::parser::parse_query(&query).expect("parses");
        let (_, operation) = document.operations.iter().next().expect("one operation");
        assert!(!operation.node.variable_definitions.is_empty());
        InputTypes::of(&crate::graphql::parse_sdl(SDL))
            .certainly_valid(&operation.node, &Variables::from_json(variables))
    }

    #[test]
    fn built_in_scalars_are_checked_as_async_graphql_checks_them() {
        assert!(certain("$v: Int", serde_json::json!({"v": 3})));
        assert!(!certain("$v: Int", serde_json::json!({"v": "3"})));
        assert!(!certain("$v: Int", serde_json::json!({"v": 1.5})));
        assert!(!certain("$v: Int", serde_json::json!({"v": -1})), "a negative Int is left in doubt");
        assert!(certain("$v: Float", serde_json::json!({"v": 1.5})));
        assert!(certain("$v: String!", serde_json::json!({"v": "x"})));
        assert!(!certain("$v: String!", serde_json::json!({"v": null})));
        assert!(!certain("$v: Boolean", serde_json::json!({"v": "true"})));
        assert!(certain("$v: ID", serde_json::json!({"v": 7})));
        assert!(certain("$v: ID!", serde_json::json!({"v": "a"})));
        assert!(!certain("$v: ID!", serde_json::json!({"v": true})));
    }

    #[test]
    fn lists_coerce_a_single_value_and_check_every_item() {
        assert!(certain("$v: [Int!]", serde_json::json!({"v": [1, 2]})));
        assert!(certain("$v: [Int!]", serde_json::json!({"v": 1})));
        assert!(!certain("$v: [Int!]", serde_json::json!({"v": [1, null]})));
        assert!(certain("$v: [Int]", serde_json::json!({"v": [1, null]})));
        assert!(!certain("$v: [Int!]!", serde_json::json!({"v": null})));
    }

    #[test]
    fn enums_and_input_objects_are_checked_field_by_field() {
        assert!(certain("$v: Status", serde_json::json!({"v": "OPEN"})));
        assert!(!certain("$v: Status", serde_json::json!({"v": "open"})));
        assert!(certain("$v: Create!", serde_json::json!({"v": {"name": "n"}})));
        assert!(certain(
            "$v: Create!",
            serde_json::json!({"v": {"name": "n", "size": null, "filter": {"status": "DONE", "tags": "t", "after": 5, "data": {"x": [1]}}}})
        ));
        assert!(!certain("$v: Create!", serde_json::json!({"v": {}})), "a required field left out");
        assert!(!certain("$v: Create!", serde_json::json!({"v": {"name": "n", "colour": 1}})), "an unknown field");
        assert!(!certain("$v: Create!", serde_json::json!({"v": {"name": "n", "filter": {"status": 1}}})));
        assert!(!certain("$v: Create!", serde_json::json!({"v": "n"})), "not an object is left in doubt");
    }

    #[test]
    fn doubts_go_to_full_validation() {
        assert!(!certain("$v: Upload", serde_json::json!({"v": "x"})), "a scalar the check does not know");
        assert!(!certain("$v: Either", serde_json::json!({"v": {"a": 1}})), "a @oneOf input");
        assert!(!certain("$v: Int = 3", serde_json::json!({"v": null})), "null for a variable with a default");
        assert!(certain("$v: Int = 3", serde_json::json!({})), "left out");
        assert!(certain("$v: Int!", serde_json::json!({})), "left out: the execution refuses it");
        assert!(certain("$v: Int", serde_json::json!({"w": "not read"})));
    }
}

//! What a query costs before it runs: its depth and complexity, measured on the parsed document with
//! the schema's field types, so that both roads (HTTP and websockets) refuse it with the figures before
//! any resolver runs, on a schema without extensions.
//!
//! The rules are async-graphql's (`ComplexityCalculate`, `DepthCalculate`), with Docket's page rule:
//! a field counts one plus what it selects; a page (a field that takes `first`, Relay's cursor
//! connections §2.2) counts [`super::page_complexity`] of its `first` (or `last`) and what it selects
//! per node. Fragments count where they are spread; `__typename` counts like any field. The same walk
//! counts the aliases (fields selected under an alias, through fragments) and the root fields.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use async_graphql::{
    Name, Positioned, Value, Variables,
    parser::types::{
        BaseType, ExecutableDocument, FieldDefinition, OperationDefinition, OperationType, Selection, SelectionSet,
        Type, TypeKind, TypeSystemDefinition,
    },
};

use super::page_complexity;

/// Selection sets nested deeper than this (fields, fragments and spreads together) are not walked
/// further; the parser stops at 64 levels per definition, but spreads can chain fragments.
const MAX_NESTING: usize = 512;

/// A field of an object or interface type, as the cost rules need it.
#[derive(Debug)]
struct FieldShape {
    /// The named type it returns, lists and non-null removed.
    ty: String,
    /// Whether it takes `first`: a page.
    paged: bool,
}

/// The fields of every object and interface type of a schema, and its root types. Built once from
/// the schema's SDL.
#[derive(Debug, Default)]
pub struct Shape {
    types: HashMap<String, HashMap<String, FieldShape>>,
    query: String,
    mutation: String,
    subscription: String,
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

fn fields_of(fields: &[Positioned<FieldDefinition>]) -> HashMap<String, FieldShape> {
    fields
        .iter()
        .map(|field| {
            let field = &field.node;
            let paged = field.arguments.iter().any(|arg| arg.node.name.node == "first");
            (field.name.node.to_string(), FieldShape { ty: named(&field.ty.node).to_owned(), paged })
        })
        .collect()
}

impl Shape {
    /// The shape of the schema whose SDL parsed into `definitions` (none: every field counts one).
    pub fn of(definitions: &[TypeSystemDefinition]) -> Shape {
        let mut shape = Shape {
            types: HashMap::new(),
            query: "Query".into(),
            mutation: "Mutation".into(),
            subscription: "Subscription".into(),
        };
        for definition in definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = &schema.node;
                    let root = |name: &Option<Positioned<Name>>, default: &str| {
                        name.as_ref().map_or_else(|| default.to_owned(), |n| n.node.to_string())
                    };
                    shape.query = root(&schema.query, "Query");
                    shape.mutation = root(&schema.mutation, "Mutation");
                    shape.subscription = root(&schema.subscription, "Subscription");
                }
                TypeSystemDefinition::Type(ty) => {
                    let ty = &ty.node;
                    let fields = match &ty.kind {
                        TypeKind::Object(object) => fields_of(&object.fields),
                        TypeKind::Interface(interface) => fields_of(&interface.fields),
                        _ => continue,
                    };
                    shape.types.insert(ty.name.node.to_string(), fields);
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        shape
    }
}

/// The depth and complexity of an operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    /// Deepest nesting of fields (a root field is depth 1).
    pub depth: usize,
    /// Fields counted with the page rule.
    pub complexity: usize,
    /// Fields selected under an alias, counted where their fragments are spread.
    pub aliases: usize,
    /// Fields of the operation's root selection (through fragments).
    pub root_fields: usize,
}

/// The operation `operation_name` selects in `document` (or its only one).
pub fn operation<'d>(
    document: &'d ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'d Positioned<OperationDefinition>> {
    let mut operations = document.operations.iter();
    match operation_name {
        Some(wanted) => operations.find(|(name, _)| name.map(Name::as_str) == Some(wanted)).map(|(_, op)| op),
        None => {
            let first = operations.next()?;
            operations.next().is_none().then_some(first.1)
        }
    }
}

struct Walk<'a> {
    shape: &'a Shape,
    document: &'a ExecutableDocument,
    operation: &'a OperationDefinition,
    variables: &'a Variables,
    /// Fragments being walked (a cycle counts nothing; validation refuses it).
    open: HashSet<&'a str>,
    /// Fragments walked, with their cost: a fragment's cost does not depend on where it is spread.
    done: HashMap<&'a str, Cost>,
}

impl<'a> Walk<'a> {
    /// A variable's value: given, its default, or null.
    fn variable(&self, name: &Name) -> Result<Value, std::convert::Infallible> {
        let given = self.variables.get(name).cloned();
        let default = || {
            let definition = self.operation.variable_definitions.iter().find(|v| v.node.name.node == *name)?;
            definition.node.default_value.as_ref().map(|d| d.node.clone())
        };
        Ok(given.or_else(default).unwrap_or(Value::Null))
    }

    fn selection_set(&mut self, set: &'a SelectionSet, on: &str, nesting: usize) -> Cost {
        let mut total = Cost::default();
        if nesting > MAX_NESTING {
            return total;
        }
        for item in &set.items {
            let cost = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let shape = self.shape.types.get(on).and_then(|fields| fields.get(field.name.node.as_str()));
                    let child_type = shape.map_or("", |s| s.ty.as_str());
                    let inner = self.selection_set(&field.selection_set.node, child_type, nesting + 1);
                    let complexity = if shape.is_some_and(|s| s.paged) {
                        let page = field
                            .get_argument("first")
                            .or_else(|| field.get_argument("last"))
                            .and_then(|v| v.node.clone().into_const_with(|name| self.variable(&name)).ok())
                            .and_then(|v| match v {
                                Value::Number(n) => n.as_i64(),
                                _ => None,
                            })
                            .map(|n| n.clamp(i32::MIN.into(), i32::MAX.into()) as i32);
                        page_complexity(page, inner.complexity)
                    } else {
                        inner.complexity.saturating_add(1)
                    };
                    let aliases = inner.aliases.saturating_add(usize::from(field.alias.is_some()));
                    Cost { depth: inner.depth + 1, complexity, aliases, root_fields: 1 }
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let on = fragment.type_condition.as_ref().map_or(on, |c| c.node.on.node.as_str());
                    let on = on.to_owned();
                    self.selection_set(&fragment.selection_set.node, &on, nesting + 1)
                }
                Selection::FragmentSpread(spread) => self.spread(spread.node.fragment_name.node.as_str(), nesting),
            };
            total.depth = total.depth.max(cost.depth);
            total.complexity = total.complexity.saturating_add(cost.complexity);
            total.aliases = total.aliases.saturating_add(cost.aliases);
            // A field counts one at its own level; a fragment passes on the fields of its level.
            total.root_fields = total.root_fields.saturating_add(cost.root_fields);
        }
        total
    }

    fn spread(&mut self, name: &'a str, nesting: usize) -> Cost {
        if let Some(cost) = self.done.get(name) {
            return *cost;
        }
        let Some(fragment) = self.document.fragments.get(name) else { return Cost::default() };
        if !self.open.insert(name) {
            return Cost::default();
        }
        let on = fragment.node.type_condition.node.on.node.as_str();
        let cost = self.selection_set(&fragment.node.selection_set.node, on, nesting + 1);
        self.open.remove(name);
        if nesting <= MAX_NESTING {
            self.done.insert(name, cost);
        }
        cost
    }
}

/// The cost of `operation` of `document` with `variables`.
pub fn measure(
    shape: &Shape,
    document: &ExecutableDocument,
    operation: &OperationDefinition,
    variables: &Variables,
) -> Cost {
    let root = match operation.ty {
        OperationType::Query => &shape.query,
        OperationType::Mutation => &shape.mutation,
        OperationType::Subscription => &shape.subscription,
    };
    let mut walk = Walk { shape, document, operation, variables, open: HashSet::new(), done: HashMap::new() };
    walk.selection_set(&operation.selection_set.node, root, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = "
        type Query { items(first: Int, last: Int): ItemConnection! item: Item thing: Thing }
        type ItemConnection { nodes: [Item!]! totalCount: Int! }
        type Item { name: String! children(first: Int): ItemConnection! }
        interface Thing { name: String! }
    ";

    fn cost(query: &str, variables: serde_json::Value) -> Cost {
        let shape = Shape::of(&crate::graphql::parse_sdl(SDL));
        let document = async_graphql::parser::parse_query(query).unwrap();
        let operation = operation(&document, None).unwrap();
        measure(&shape, &document, &operation.node, &Variables::from_json(variables))
    }

    #[test]
    fn a_field_counts_one_and_a_page_its_size_times_what_each_node_selects() {
        assert_eq!(
            cost("{ item { name } }", serde_json::json!({})),
            Cost { depth: 2, complexity: 2, aliases: 0, root_fields: 1 }
        );
        // items(first: 10) { nodes { name children(first: 5) { totalCount } } }: per node 1 + 1 + (5*1+1)
        let query = "{ items(first: 10) { nodes { name children(first: 5) { totalCount } } } }";
        assert_eq!(
            cost(query, serde_json::json!({})),
            Cost { depth: 4, complexity: 10 * (1 + 1 + 6) + 1, aliases: 0, root_fields: 1 }
        );
        assert_eq!(cost("{ items { totalCount } }", serde_json::json!({})).complexity, 50 + 1, "default page");
        assert_eq!(cost("{ items(last: 3) { totalCount } }", serde_json::json!({})).complexity, 4);
    }

    #[test]
    fn page_sizes_come_from_variables_and_their_defaults() {
        let query = "query($n: Int = 7) { items(first: $n) { totalCount } }";
        assert_eq!(cost(query, serde_json::json!({})).complexity, 8);
        assert_eq!(cost(query, serde_json::json!({ "n": 2 })).complexity, 3);
    }

    #[test]
    fn fragments_count_where_they_are_spread_and_cycles_count_nothing() {
        let query = "{ a: item { ...F } b: item { ...F } thing { ... on Item { name } } }
                     fragment F on Item { name __typename }";
        assert_eq!(
            cost(query, serde_json::json!({})),
            Cost { depth: 2, complexity: 3 + 3 + 2, aliases: 2, root_fields: 3 }
        );
        let cycle = "{ item { ...A } } fragment A on Item { name ...B } fragment B on Item { ...A }";
        assert_eq!(cost(cycle, serde_json::json!({})), Cost { depth: 2, complexity: 2, aliases: 0, root_fields: 1 });
    }

    #[test]
    fn aliases_count_where_their_fragments_are_spread_and_root_fields_through_fragments() {
        let query = "{ a: item { ...G } b: item { ...G } } fragment G on Item { x: name y: name }";
        let counted = cost(query, serde_json::json!({}));
        assert_eq!((counted.aliases, counted.root_fields), (2 + 2 * 2, 2));
        let query = "{ ...R __typename } fragment R on Query { item { name } thing { name } }";
        assert_eq!(cost(query, serde_json::json!({})).root_fields, 3);
    }

    #[test]
    fn the_operation_is_the_named_one_or_the_only_one() {
        let document =
            async_graphql::parser::parse_query("query A { item { name } } query B { thing { name } }").unwrap();
        assert!(operation(&document, None).is_none());
        assert!(operation(&document, Some("B")).is_some());
        assert!(operation(&document, Some("C")).is_none());
    }
}

//! Answering a page of leaves in one pass.
//!
//! async-graphql resolves every field of every node on its own: a future, a context, a path node, a
//! merge into the object's value, for each of a dashboard's 17,000 fields. When what a connection's
//! nodes select is only plain columns (fields without arguments that read the row and nothing else:
//! ids, names, statuses, times), the answer can be built directly from the rows instead, with the
//! same values the resolvers give: [`PlainFields`] maps a field to its value by calling the same scalar
//! conversions (`ScalarType::to_value`, `enum_value`). Anything else under the connection (an argument,
//! a directive, a fragment, a relation, a field the type does not map) sends the whole connection
//! down async-graphql's ordinary path, so the fast path only ever answers what it fully understands.
//! A test asks every plain field of each mapped type both ways and compares the answers.

use async_graphql::{
    ContextSelectionSet, Name, OutputType, Positioned, ScalarType, Value,
    connection::Edge,
    indexmap::IndexMap,
    parser::types::{Field, Selection, SelectionSet},
};

use super::{ConnectionTotal, Inner};

/// A node type whose plain fields can be answered without resolvers.
pub trait PlainFields {
    /// The value of field `name` (a field without arguments, whose resolver only reads the row) as
    /// its resolver would give it; `None` for any other field. The default maps none.
    fn plain(&self, _name: &str) -> Option<Value> {
        None
    }
}

/// The value of a scalar as its resolver's return type gives it.
pub fn scalar<T: ScalarType>(value: T) -> Value {
    value.to_value()
}

/// The value of an optional scalar: `null` when absent.
pub fn optional<T: ScalarType>(value: Option<T>) -> Value {
    value.map_or(Value::Null, |v| v.to_value())
}

/// The value of a `JSON` field, as async-graphql's `Json` gives it.
pub fn json(value: &serde_json::Value) -> Value {
    async_graphql::to_value(value).ok().unwrap_or_default()
}

/// The value of a text field.
pub fn text(value: &str) -> Value {
    Value::String(value.to_owned())
}

/// The value of an optional text field.
pub fn optional_text(value: Option<&str>) -> Value {
    value.map_or(Value::Null, text)
}

/// One selected field: its response key and name.
struct Key {
    key: Name,
    name: Name,
}

/// The fields of `set` when all are plain leaves (no arguments, directives, sub-selections or
/// fragments, no repeated response key); `None` otherwise.
fn leaves(set: &SelectionSet) -> Option<Vec<Key>> {
    let mut out: Vec<Key> = Vec::with_capacity(set.items.len());
    for item in &set.items {
        let Selection::Field(field) = &item.node else { return None };
        let field: &Field = &field.node;
        if !field.arguments.is_empty() || !field.directives.is_empty() || !field.selection_set.node.items.is_empty() {
            return None;
        }
        let key = field.response_key().node.clone();
        if out.iter().any(|k| k.key == key) {
            return None;
        }
        out.push(Key { key, name: field.name.node.clone() });
    }
    Some(out)
}

/// A selected field with a sub-selection: response key, name, and the fields under it.
struct Branch<'a> {
    key: Name,
    name: &'a str,
    fields: &'a SelectionSet,
}

fn branches(set: &SelectionSet) -> Option<Vec<Branch<'_>>> {
    let mut out: Vec<Branch<'_>> = Vec::with_capacity(set.items.len());
    for item in &set.items {
        let Selection::Field(field) = &item.node else { return None };
        let field: &Field = &field.node;
        if !field.arguments.is_empty() || !field.directives.is_empty() {
            return None;
        }
        let key = field.response_key().node.clone();
        if out.iter().any(|b| b.key == key) {
            return None;
        }
        out.push(Branch { key, name: field.name.node.as_str(), fields: &field.selection_set.node });
    }
    Some(out)
}

/// The object of `node` for `keys`, `typename` answering `__typename`; `None` if a field is not plain.
fn object(keys: &[Key], typename: &str, node: &impl PlainFields) -> Option<Value> {
    let mut map = IndexMap::with_capacity(keys.len());
    for Key { key, name } in keys {
        let value = match name.as_str() {
            "__typename" => Value::String(typename.to_owned()),
            name => node.plain(name)?,
        };
        map.insert(key.clone(), value);
    }
    Some(Value::Object(map))
}

/// The answer of connection `conn` for the selection `ctx` holds, when every part of it is understood.
pub fn answer<T: OutputType + PlainFields>(conn: &Inner<T>, ctx: &ContextSelectionSet<'_>) -> Option<Value> {
    let set: &Positioned<SelectionSet> = ctx.item;
    let mut map = IndexMap::with_capacity(set.node.items.len());
    for branch in branches(&set.node)? {
        let value = match branch.name {
            "__typename" => Value::String(Inner::<T>::type_name().into_owned()),
            "totalCount" if branch.fields.items.is_empty() => {
                let ConnectionTotal { total_count } = &conn.additional_fields;
                Value::from(*total_count)
            }
            "nodes" => {
                let keys = leaves(branch.fields)?;
                let typename = T::type_name();
                let nodes: Option<Vec<Value>> = conn.edges.iter().map(|e| object(&keys, &typename, &e.node)).collect();
                Value::List(nodes?)
            }
            "edges" => {
                let parts = branches(branch.fields)?;
                let edge_typename = Edge::<String, T, async_graphql::connection::EmptyFields>::type_name();
                let typename = T::type_name();
                let mut edges = Vec::with_capacity(conn.edges.len());
                let node_keys: Option<Vec<Key>> = match parts.iter().find(|p| p.name == "node") {
                    Some(node) => Some(leaves(node.fields)?),
                    None => None,
                };
                for edge in &conn.edges {
                    let mut object_map = IndexMap::with_capacity(parts.len());
                    for part in &parts {
                        let value = match part.name {
                            "__typename" if part.fields.items.is_empty() => Value::String(edge_typename.to_string()),
                            "cursor" if part.fields.items.is_empty() => Value::String(edge.cursor.clone()),
                            "node" => object(node_keys.as_deref().unwrap_or_default(), &typename, &edge.node)?,
                            _ => return None,
                        };
                        object_map.insert(part.key.clone(), value);
                    }
                    edges.push(Value::Object(object_map));
                }
                Value::List(edges)
            }
            "pageInfo" => {
                let mut info = IndexMap::new();
                for Key { key, name } in leaves(branch.fields)? {
                    let value = match name.as_str() {
                        "__typename" => Value::String("PageInfo".to_owned()),
                        "hasPreviousPage" => Value::Boolean(conn.has_previous_page),
                        "hasNextPage" => Value::Boolean(conn.has_next_page),
                        "startCursor" => conn.edges.first().map_or(Value::Null, |e| Value::String(e.cursor.clone())),
                        "endCursor" => conn.edges.last().map_or(Value::Null, |e| Value::String(e.cursor.clone())),
                        _ => return None,
                    };
                    info.insert(key, value);
                }
                Value::Object(info)
            }
            _ => return None,
        };
        map.insert(branch.key, value);
    }
    Some(Value::Object(map))
}

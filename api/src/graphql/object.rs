//! One declaration per object type: [`object!`] declares a GraphQL object over a database row once,
//! its plain fields (those that only read the row) as a list of `name: Type = expression`, and its
//! other resolvers as ordinary methods. From the list come both the field resolvers and the map that
//! answers pages of plain leaves in one pass ([`super::connection::PlainFields`]), so the two cannot
//! disagree: the names are the same identifiers, camelCased as async-graphql names fields.
//!
//! ```ignore
//! object! {
//!     /// A source tree that documentation sessions work on.
//!     #[Object]
//!     impl Workspace(workspace::Model) |m| {
//!         /// Display name.
//!         name: &str = &m.name,
//!         /// When it was created.
//!         created_at: DateTime<Utc> = m.created_at,
//!     }
//!     resolvers {
//!         /// The project it belongs to.
//!         async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> { ... }
//!     }
//! }
//! ```
//! A connection over one list goes under `connections` as `name(arguments) -> Node = List(parent,
//! filter)`: its resolver (page arguments) and its look-ahead entry (`connections_ahead`) both come
//! from that line. A connection whose list depends on its arguments goes under `pages` (or
//! `forward_pages`, for one that pages forward only) as `name(arguments) -> Node = |this, ctx, args|
//! body`: the page arguments are added, `args` is the page asked for. A page's complexity follows
//! from its `first` argument ([`super::limits::cost`]).
//!
//! The caller writes `#[Object]` (async-graphql's attribute). A plain field's type implements
//! [`Plain`] (every scalar, text, `Json`, lists and `Option`s of those, and the enums that
//! [`plain_enums!`] lists), so a field whose value cannot be given in one pass fails the build.

use std::sync::OnceLock;

use foldhash::HashMap;

use async_graphql::{Json, Name, Value, resolver_utils::EnumType};
use chrono::{DateTime, Utc};

/// A value a plain field gives, as the field's resolver would give it.
pub trait Plain {
    /// The GraphQL value.
    fn plain(self) -> Value;
}

macro_rules! plain_scalars {
    ($($ty:ty),* $(,)?) => {$(
        impl Plain for $ty {
            fn plain(self) -> Value {
                async_graphql::ScalarType::to_value(&self)
            }
        }
    )*};
}

plain_scalars!(i32, i64, f64, bool, DateTime<Utc>);

// Texts move into the value: `ScalarType::to_value` would copy them (it takes `&self`).
impl Plain for async_graphql::ID {
    fn plain(self) -> Value {
        Value::String(self.0)
    }
}

impl Plain for String {
    fn plain(self) -> Value {
        Value::String(self)
    }
}

impl Plain for &str {
    fn plain(self) -> Value {
        Value::String(self.to_owned())
    }
}

impl Plain for Json<&serde_json::Value> {
    fn plain(self) -> Value {
        async_graphql::to_value(self.0).ok().unwrap_or_default()
    }
}

impl<T: Plain> Plain for Vec<T> {
    fn plain(self) -> Value {
        Value::List(self.into_iter().map(Plain::plain).collect())
    }
}

impl<T: Plain> Plain for Option<T> {
    fn plain(self) -> Value {
        self.map_or(Value::Null, Plain::plain)
    }
}

/// The value of a GraphQL enum, as its resolver gives it (async-graphql's `enum_value`), its name
/// shared from `names`: one per item of the enum, made on first use. async-graphql allocates the name
/// of each value it gives, two allocations per todo of a dashboard.
pub fn enum_value<T: EnumType>(value: T, names: &OnceLock<Vec<Name>>) -> Value {
    let items = T::items();
    let names = names.get_or_init(|| items.iter().map(|item| Name::new(item.name)).collect());
    match items.iter().position(|item| item.value == value) {
        Some(index) => Value::Enum(names[index].clone()),
        None => async_graphql::resolver_utils::enum_value(value),
    }
}

/// Makes GraphQL enums [`Plain`].
macro_rules! plain_enums {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::graphql::object::Plain for $ty {
            fn plain(self) -> async_graphql::Value {
                // One per type: a static in the generic `enum_value` would be shared by every enum.
                static NAMES: std::sync::OnceLock<Vec<async_graphql::Name>> = std::sync::OnceLock::new();
                $crate::graphql::object::enum_value(self, &NAMES)
            }
        }
    )*};
}
pub(crate) use plain_enums;

/// `items` by their fields' GraphQL names (`filePath` for `file_path`, as async-graphql names
/// them): a type's lookups by field name, built once per type ([`object!`]) and made for every field
/// of every page.
pub fn by_graphql_name<T>(items: impl IntoIterator<Item = (&'static str, T)>) -> HashMap<String, T> {
    items.into_iter().map(|(field, item)| (super::prefetch::camel_case(field), item)).collect()
}

/// The fields of the row that a plain field's expression reads, from the expression's text
/// (`stringify!`): every `row.field` where `row` is the row's binding, e.g. `["error"]` of
/// `m.error.as_deref()`. `None` when the expression uses the row otherwise (passes it whole, reads a
/// tuple field, names `self`), which then counts as reading every field: a page whose nodes select
/// such a field reads whole rows ([`crate::service::page::Fields`]).
pub fn row_fields(binding: &str, expr: &'static str) -> Option<Vec<&'static str>> {
    // A character literal (`'"'`) or a raw string could hide the end of a string from the scan below,
    // and with it a read of the row: such an expression counts as reading every field.
    if expr.contains('\'') || expr.contains("r#") || expr.contains("r\"") {
        return None;
    }
    let text = expr.as_bytes();
    let ident = |at: usize| {
        let end =
            text[at..].iter().position(|c| !(c.is_ascii_alphanumeric() || *c == b'_')).map_or(text.len(), |n| at + n);
        (&expr[at..end], end)
    };
    let skip_space = |mut at: usize| {
        while text.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        at
    };
    let mut fields = Vec::new();
    let (mut at, mut after_dot) = (0, false);
    while let Some(&c) = text.get(at) {
        match c {
            b'"' => {
                // A string literal: nothing in it is code.
                at += 1;
                while let Some(&c) = text.get(at) {
                    at += if c == b'\\' { 2 } else { 1 };
                    if c == b'"' {
                        break;
                    }
                }
                after_dot = false;
            }
            b'.' if text.get(at + 1) == Some(&b'.') => {
                at += 2;
                after_dot = false;
            }
            b'.' => {
                at += 1;
                after_dot = true;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let (name, end) = ident(at);
                at = end;
                if !after_dot && name == "self" {
                    return None;
                }
                if !after_dot && name == binding {
                    let dot = skip_space(at);
                    if text.get(dot) != Some(&b'.') || text.get(dot + 1) == Some(&b'.') {
                        return None;
                    }
                    let start = skip_space(dot + 1);
                    if !text.get(start).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') {
                        return None;
                    }
                    let (field, end) = ident(start);
                    fields.push(field);
                    at = end;
                }
                after_dot = false;
            }
            c if c.is_ascii_whitespace() => at += 1,
            _ => {
                at += 1;
                after_dot = false;
            }
        }
    }
    Some(fields)
}

/// Declares an object type over a row: see the module's documentation.
macro_rules! object {
    (
        $(#[$doc:meta])*
        $impl:ident $name:ident($row:ty) |$m:ident| {
            $( $(#[$field_doc:meta])* $field:ident: $ty:ty = $value:expr ),* $(,)?
        }
        $(connections {
            $(
                $(#[$conn_doc:meta])*
                $conn:ident($($arg:ident: $arg_ty:ty),* $(,)?) -> $node:ident = $list:ident($parent:expr, $filter:expr)
            ),* $(,)?
        })?
        $(pages {
            $(
                $(#[$page_doc:meta])*
                $page:ident($($page_arg:ident: $page_arg_ty:ty),* $(,)?) -> $page_node:ty
                    = |$this:ident, $ctx:ident, $args:ident| $page_body:expr
            ),* $(,)?
        })?
        $(forward_pages {
            $(
                $(#[$fwd_doc:meta])*
                $fwd:ident($($fwd_arg:ident: $fwd_arg_ty:ty),* $(,)?) -> $fwd_node:ty
                    = |$fwd_this:ident, $fwd_ctx:ident, $fwd_args:ident| $fwd_body:expr
            ),* $(,)?
        })?
        $(resolvers { $($resolvers:tt)* })?
    ) => {
        /// The GraphQL object of a row (described on its `impl`).
        pub struct $name(pub $row);

        $(#[$doc])*
        $impl $name {
            $(
                $(#[$field_doc])*
                pub async fn $field(&self) -> $ty {
                    let $m = &self.0;
                    $value
                }
            )*
            $($(
                $(#[$conn_doc])*
                /// Pages hold 50 items by default and 100 at most.
                #[allow(clippy::too_many_arguments)]
                async fn $conn(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    $($arg: $arg_ty,)*
                    first: Option<i32>,
                    after: Option<String>,
                    last: Option<i32>,
                    before: Option<String>,
                ) -> async_graphql::Result<$crate::graphql::connection::Conn<$node>> {
                    let $m = &self.0;
                    let args = $crate::graphql::connection::page_args(first, after, last, before)?;
                    $crate::graphql::relations::child_connection::<$list, _>(ctx, $parent, $filter, args, $node).await
                }
            )*)?
            $($(
                $(#[$page_doc])*
                #[allow(clippy::too_many_arguments)]
                async fn $page(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    $($page_arg: $page_arg_ty,)*
                    first: Option<i32>,
                    after: Option<String>,
                    last: Option<i32>,
                    before: Option<String>,
                ) -> async_graphql::Result<$crate::graphql::connection::Conn<$page_node>> {
                    let ($this, $ctx) = (self, ctx);
                    let $args = $crate::graphql::connection::page_args(first, after, last, before)?;
                    $page_body
                }
            )*)?
            $($(
                $(#[$fwd_doc])*
                async fn $fwd(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    $($fwd_arg: $fwd_arg_ty,)*
                    first: Option<i32>,
                    after: Option<String>,
                ) -> async_graphql::Result<$crate::graphql::connection::Conn<$fwd_node>> {
                    let ($fwd_this, $fwd_ctx) = (self, ctx);
                    let $fwd_args = $crate::graphql::connection::page_args(first, after, None, None)?;
                    $fwd_body
                }
            )*)?
            $($($resolvers)*)?
        }

        impl $name {
            /// Declares the connections of the type on `level`, from the same declaration as their
            /// resolvers (field name, arguments, parent and filter).
            #[allow(unused_variables, dead_code)] // a type outside nested lists loads nothing ahead
            fn connections_ahead(level: &mut $crate::graphql::prefetch::Level<'_, '_, $row>) {
                $($(
                    level.connection::<$list, $node>(
                        &$crate::graphql::prefetch::camel_case(stringify!($conn)),
                        |$m| $parent,
                        |page| {
                            $(let $arg: $arg_ty = page.get(&$crate::graphql::prefetch::camel_case(stringify!($arg)))?;)*
                            Ok(Some($filter))
                        },
                    );
                )*)?
            }
        }

        impl $crate::graphql::connection::PlainFields for $name {
            fn plain_index(name: &str) -> Option<usize> {
                // Asked for every field of every page: the names camelCased once.
                static INDEX: std::sync::LazyLock<foldhash::HashMap<String, usize>> =
                    std::sync::LazyLock::new(|| {
                        $crate::graphql::object::by_graphql_name([$(stringify!($field)),*].into_iter().zip(0..))
                    });
                INDEX.get(name).copied()
            }

            #[allow(unused_assignments)] // the last field's increment
            fn plain_at(&self, index: usize) -> Option<async_graphql::Value> {
                let $m = &self.0;
                let mut at = 0;
                $(
                    if at == index {
                        let value: $ty = $value;
                        return Some($crate::graphql::object::Plain::plain(value));
                    }
                    at += 1;
                )*
                None
            }

            fn reads(name: &str) -> Option<&'static [&'static str]> {
                // Each field's reads, from the text of its own expression: nothing to keep in step.
                static READS: std::sync::LazyLock<foldhash::HashMap<String, Option<Vec<&'static str>>>> =
                    std::sync::LazyLock::new(|| $crate::graphql::object::by_graphql_name([$(
                        (stringify!($field), $crate::graphql::object::row_fields(stringify!($m), stringify!($value))),
                    )* $($(
                        // A connection reads its parent and filter expressions from the row.
                        (stringify!($conn), $crate::graphql::object::row_fields(
                            stringify!($m),
                            concat!(stringify!($parent), " ", stringify!($filter)),
                        )),
                    )*)?]));
                READS.get(name).and_then(|reads| reads.as_deref())
            }
        }
    };
}
pub(crate) use object;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_by_their_graphql_names() {
        let names = by_graphql_name([("file_path", 0), ("id", 1), ("lease_expires_at", 2)]);
        assert_eq!(names.get("filePath"), Some(&0));
        assert_eq!(names.get("id"), Some(&1));
        assert_eq!(names.get("leaseExpiresAt"), Some(&2));
        assert_eq!(names.get("file_path"), None);
        assert_eq!(names.get("filePat"), None);
    }

    #[test]
    fn the_fields_an_expression_reads_are_those_it_names_on_the_row() {
        assert_eq!(row_fields("m", "to_id(m.id)"), Some(vec!["id"]));
        assert_eq!(row_fields("m", "m.error.as_deref()"), Some(vec!["error"]));
        assert_eq!(row_fields("m", "Json(&m.metadata)"), Some(vec!["metadata"]));
        assert_eq!(row_fields("m", "m . retention_days.unwrap_or(m.x)"), Some(vec!["retention_days", "x"]));
        assert_eq!(row_fields("m", "names(&m.sources, \"m.ignored\", other.m)"), Some(vec!["sources"]));
        assert_eq!(row_fields("m", "DEFAULT"), Some(vec![]));
        assert_eq!(row_fields("m", "status_of(m)"), None, "the row passed whole");
        assert_eq!(row_fields("m", "m.0"), None);
        assert_eq!(row_fields("m", "self.0.id"), None);
        assert_eq!(row_fields("m", "(0..m).len()"), None, "a range is not a field access");
        assert_eq!(row_fields("m", "m.a.replace('\"', \"x\") + &m.b"), None, "a quote as a character");
        assert_eq!(row_fields("m", "format!(r#\"{}\"#, m.a)"), None, "a raw string");
    }

    #[test]
    fn the_dashboards_nodes_name_the_columns_they_read() {
        use crate::{
            graphql::connection::PlainFields,
            sessions::schema::{event::SessionEvent, session::DocumentationSession, todo::SessionTodo},
        };
        assert_eq!(SessionTodo::reads("status"), Some(&["status"][..]));
        assert_eq!(SessionTodo::reads("leaseExpiresAt"), Some(&["lease_expires_at"][..]));
        assert_eq!(SessionEvent::reads("eventType"), Some(&["event_type"][..]));
        assert_eq!(DocumentationSession::reads("todos"), Some(&["id"][..]), "a connection reads its parent");
        assert_eq!(DocumentationSession::reads("workspace"), None, "a resolver may read anything");
        assert_eq!(SessionTodo::plain_index("filePath").map(|_| ()), Some(()));
        assert_eq!(SessionTodo::plain_index("session"), None);
    }

    #[test]
    fn plain_values_are_what_resolvers_give() {
        assert_eq!(Some("a").plain(), Value::String("a".into()));
        assert_eq!(Option::<i32>::None.plain(), Value::Null);
        assert_eq!(7_i64.plain(), Value::from(7));
        let uuid = uuid::Uuid::now_v7();
        let id = crate::graphql::to_id(uuid);
        assert_eq!(id.0, uuid.to_string());
        assert_eq!(id.clone().plain(), async_graphql::ScalarType::to_value(&id));
        assert_eq!(String::from("b").plain(), async_graphql::ScalarType::to_value(&String::from("b")));
        let json = serde_json::json!({ "k": [1, 2] });
        assert_eq!(Json(&json).plain(), async_graphql::to_value(&json).unwrap());
    }
}

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

use async_graphql::{Json, Value, resolver_utils::EnumType};
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

plain_scalars!(async_graphql::ID, String, i32, i64, f64, bool, DateTime<Utc>);

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

/// The value of a GraphQL enum, as its resolver gives it.
pub fn enum_value<T: EnumType>(value: T) -> Value {
    async_graphql::resolver_utils::enum_value(value)
}

/// Makes GraphQL enums [`Plain`].
macro_rules! plain_enums {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::graphql::object::Plain for $ty {
            fn plain(self) -> async_graphql::Value {
                $crate::graphql::object::enum_value(self)
            }
        }
    )*};
}
pub(crate) use plain_enums;

/// Whether `graphql` is the camelCase of `snake` (`filePath` of `file_path`), without allocating.
pub fn is_camel_of(graphql: &str, snake: &str) -> bool {
    let mut expected = snake.chars();
    let mut upper = false;
    let mut started = false;
    for c in graphql.chars() {
        let next = loop {
            match expected.next() {
                Some('_') if started => upper = true,
                Some('_') => {}
                other => break other,
            }
        };
        let Some(next) = next else { return false };
        started = true;
        let want = if upper { next.to_ascii_uppercase() } else { next };
        upper = false;
        if c != want {
            return false;
        }
    }
    expected.all(|c| c == '_')
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
            fn plain(&self, name: &str) -> Option<async_graphql::Value> {
                let $m = &self.0;
                $(
                    if $crate::graphql::object::is_camel_of(name, stringify!($field)) {
                        let value: $ty = $value;
                        return Some($crate::graphql::object::Plain::plain(value));
                    }
                )*
                None
            }
        }
    };
}
pub(crate) use object;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_names_are_recognised_without_allocating() {
        assert!(is_camel_of("filePath", "file_path"));
        assert!(is_camel_of("id", "id"));
        assert!(is_camel_of("leaseExpiresAt", "lease_expires_at"));
        assert!(!is_camel_of("file_path", "file_path"));
        assert!(!is_camel_of("filePat", "file_path"));
        assert!(!is_camel_of("filePaths", "file_path"));
        assert!(!is_camel_of("", "id"));
    }

    #[test]
    fn plain_values_are_what_resolvers_give() {
        assert_eq!(Some("a").plain(), Value::String("a".into()));
        assert_eq!(Option::<i32>::None.plain(), Value::Null);
        assert_eq!(7_i64.plain(), Value::from(7));
        let json = serde_json::json!({ "k": [1, 2] });
        assert_eq!(Json(&json).plain(), async_graphql::to_value(&json).unwrap());
    }
}

//! Relay connections (<https://relay.dev/graphql/connections.htm>): opaque cursors, page arguments,
//! and the `totalCount` field, computed only when selected.

use std::borrow::Cow;

use async_graphql::{
    Context, ContextSelectionSet, OutputType, Positioned, ServerResult, SimpleObject, Value,
    connection::{Connection, CursorType, Edge, EmptyFields},
    parser::types::Field,
    registry::Registry,
};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::page::{CursorKey, Listed, Page, PageArgs},
};

/// Extra fields of every connection.
#[derive(SimpleObject)]
pub struct ConnectionTotal {
    /// How many items the whole list holds, ignoring pagination (filters apply). Counted only when
    /// selected.
    pub total_count: i64,
}

mod leaf;

pub use leaf::{PlainFields, fields_read, only_plain};

/// async-graphql's connection of `T`, named `{T}Connection` with `{T}Edge` edges.
pub type Inner<T> = Connection<Cursor, T, ConnectionTotal, EmptyFields>;

/// An edge's cursor, encoded only when a client selects it (`cursor`, `startCursor`, `endCursor`):
/// most clients read `nodes` and never ask, and encoding every row's cursor cost 4% of a 20-row page.
pub enum Cursor {
    /// A row's key, encoded by [`encode_cursor`].
    Key(CursorKey),
    /// A cursor already encoded (the event log's).
    Encoded(String),
}

impl CursorType for Cursor {
    type Error = std::convert::Infallible;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        Ok(Self::Encoded(s.to_owned()))
    }

    fn encode_cursor(&self) -> String {
        match self {
            Self::Key(key) => encode_cursor(key),
            Self::Encoded(text) => text.clone(),
        }
    }
}

/// A Relay connection of `T`: async-graphql's (the same type in the schema), answered in one pass when
/// its nodes select only plain fields ([`leaf`]), else field by field as async-graphql does.
pub struct Conn<T: OutputType>(pub Inner<T>);

impl<T: OutputType> Conn<T> {
    /// An empty connection with these page flags and total.
    pub fn new(has_previous_page: bool, has_next_page: bool, total: ConnectionTotal) -> Self {
        Self(Connection::with_additional_fields(has_previous_page, has_next_page, total))
    }
}

impl<T: OutputType> std::ops::Deref for Conn<T> {
    type Target = Inner<T>;
    fn deref(&self) -> &Inner<T> {
        &self.0
    }
}

impl<T: OutputType> std::ops::DerefMut for Conn<T> {
    fn deref_mut(&mut self) -> &mut Inner<T> {
        &mut self.0
    }
}

impl<T: OutputType + PlainFields> OutputType for Conn<T> {
    fn type_name() -> Cow<'static, str> {
        Inner::<T>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        Inner::<T>::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        match leaf::answer(&self.0, ctx) {
            Some(value) => {
                if let Some(state) = ctx.data_opt::<crate::state::AppState>() {
                    state.leaf_pages.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Ok(value)
            }
            None => OutputType::resolve(&self.0, ctx, field).await,
        }
    }
}

/// Encodes a cursor: opaque to clients, stable across requests.
pub fn encode_cursor(key: &CursorKey) -> String {
    let raw = match key {
        CursorKey::Id(id) => format!("id:{id}"),
        CursorKey::Seq(seq) => format!("seq:{seq}"),
    };
    URL_SAFE_NO_PAD.encode(raw)
}

/// Decodes a cursor made by [`encode_cursor`]. Errors: `BAD_USER_INPUT` naming `field`.
pub fn decode_cursor(field: &str, cursor: &str) -> ApiResult<CursorKey> {
    let bad = || ApiError::bad_input(format!("`{field}` is not a valid cursor"));
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    match raw.split_once(':') {
        Some(("id", id)) => Uuid::parse_str(id).map(CursorKey::Id).map_err(|_| bad()),
        Some(("seq", seq)) => seq.parse().map(CursorKey::Seq).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// Validates Relay's `first`, `after`, `last`, `before`. Errors: `BAD_USER_INPUT`.
pub fn page_args(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> ApiResult<PageArgs> {
    let after = after.map(|c| decode_cursor("after", &c)).transpose()?;
    let before = before.map(|c| decode_cursor("before", &c)).transpose()?;
    PageArgs::new(first, last, after, before)
}

/// Whether the selection of the connection field being resolved asks for `totalCount`.
pub fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// Turns a page of rows into a connection of `T`.
pub fn connection<M: Listed, T: OutputType>(page: Page<M>, total: Option<i64>, node: impl Fn(M) -> T) -> Conn<T> {
    let mut conn =
        Conn::new(page.has_previous_page, page.has_next_page, ConnectionTotal { total_count: total.unwrap_or(0) });
    conn.edges.extend(page.items.into_iter().map(|row| Edge::new(Cursor::Key(row.cursor_key()), node(row))));
    conn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        for key in [CursorKey::Id(Uuid::now_v7()), CursorKey::Seq(42)] {
            assert_eq!(decode_cursor("after", &encode_cursor(&key)).unwrap(), key);
        }
        for garbage in ["", "!!!", "aWQ6bm9wZQ", "c2VxOng"] {
            assert!(decode_cursor("after", garbage).is_err(), "{garbage}");
        }
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert_eq!(page_args(None, None, None, None).unwrap().limit, 50);
        assert_eq!(page_args(Some(100), None, None, None).unwrap().limit, 100);
        assert!(page_args(Some(101), None, None, None).is_err());
        assert!(page_args(None, None, Some(-1), None).is_err());
        assert!(page_args(Some(1), None, Some(1), None).is_err());
        assert!(page_args(None, None, Some(3), None).unwrap().backward);
    }
}

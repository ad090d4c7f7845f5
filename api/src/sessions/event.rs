//! The append-only event stream of a session.
//!
//! Appending increments the session's `last_event_sequence` and inserts the event with that number in
//! the caller's transaction: the session's row lock makes sequences gapless and commit order equal to
//! sequence order on PostgreSQL (SQLite has one writer). After commit the writer wakes the session's
//! subscribers, and on PostgreSQL the process's notifier tells the other processes with
//! `pg_notify('docket_events', '<session>:<sequence>')`, coalesced, outside the transaction
//! (`crate::bus`).

use chrono::Utc;
use entity::session_event;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

mod appends;

pub use appends::Appends;

use crate::{
    error::{ApiError, ApiResult},
    service::{
        Ctx, Resource, Role, Scope, new_id,
        page::{Col, CursorKey, Filter, List, ListSpec, Listed},
        require_object, require_text,
        sql::Sql,
        tenant::Owned,
    },
};

crate::service::tenant::tenanted!(
    session_event,
    entity::workspace::Column::OrganizationId,
    via entity::session_event::Relation::DocumentationSession,
    entity::documentation_session::Relation::Workspace
);

/// PostgreSQL channel on which committed events are announced.
pub const NOTIFY_CHANNEL: &str = "docket_events";

/// A session's events, in sequence order.
pub static EVENTS_OF_SESSION: List = List::new(|| {
    ListSpec::child(
        session_event::Column::SessionId,
        session_event::Column::Sequence,
        Owned::of::<entity::documentation_session::Entity>(),
    )
});

/// Which of a session's events to list.
#[derive(Clone, Debug, Default)]
pub struct EventQuery {
    /// Only events with a greater sequence.
    pub after_sequence: Option<i64>,
    /// Only events of these types.
    pub event_types: Option<Vec<String>>,
}

impl EventQuery {
    /// The list filter.
    pub fn filter(&self) -> Filter {
        Filter::default()
            .gt(Col::of(session_event::Column::Sequence), self.after_sequence)
            .is_in(Col::of(session_event::Column::EventType), self.event_types.as_deref())
    }
}

impl Listed for session_event::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Seq(self.sequence)
    }
}

/// Event types Docket appends itself.
pub mod types {
    /// A session was started with its todos.
    pub const SESSION_STARTED: &str = "session.started";
    /// A session's status changed (`from`, `to`).
    pub const SESSION_STATUS_CHANGED: &str = "session.status_changed";
    /// The expiry sweep expired a session.
    pub const SESSION_EXPIRED: &str = "session.expired";
    /// Todos were added to a session.
    pub const TODOS_CREATED: &str = "todo.created";
    /// A todo's priority, attempts limit, path or metadata changed.
    pub const TODO_UPDATED: &str = "todo.updated";
    /// A dependency edge was added.
    pub const TODO_DEPENDENCY_ADDED: &str = "todo.dependency_added";
    /// A worker claimed a todo.
    pub const TODO_CLAIMED: &str = "todo.claimed";
    /// A worker completed a todo.
    pub const TODO_COMPLETED: &str = "todo.completed";
    /// A worker failed a todo (it retries while attempts remain).
    pub const TODO_FAILED: &str = "todo.failed";
    /// A todo was skipped.
    pub const TODO_SKIPPED: &str = "todo.skipped";
    /// A worker's lease lapsed; the todo went back to `pending` or, out of attempts, to `failed`.
    pub const TODO_LEASE_EXPIRED: &str = "todo.lease_expired";
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewSessionEvent {
    /// Kind of event, 1 to 100 characters.
    pub event_type: String,
    /// Payload; `{}` when absent.
    pub event_data: Value,
    /// Error text, for failure events.
    pub error: Option<String>,
    /// Metadata object; `{}` when absent.
    pub metadata: Value,
}

impl NewSessionEvent {
    /// An event Docket appends itself.
    pub fn system(event_type: &str, event_data: Value) -> Self {
        Self { event_type: event_type.to_owned(), event_data, error: None, metadata: json!({}) }
    }

    /// Adds error text.
    pub fn with_error(mut self, error: Option<String>) -> Self {
        self.error = error;
        self
    }
}

/// Appends `event` to session `session_id` inside `txn`, for a write that has looked the session up
/// in its organization already. Errors: `NOT_FOUND` (no such session).
pub async fn append(
    txn: &impl ConnectionTrait,
    session_id: Uuid,
    event: NewSessionEvent,
) -> ApiResult<session_event::Model> {
    append_in(txn, None, session_id, event).await
}

/// [`append`], and with `scope` only to a session of that organization: the tenant condition rides on
/// the statement that takes the sequence number, so a client's append costs no separate lookup.
async fn append_in(
    txn: &impl ConnectionTrait,
    scope: Option<Scope>,
    session_id: Uuid,
    event: NewSessionEvent,
) -> ApiResult<session_event::Model> {
    let backend = txn.get_database_backend();
    let now = Utc::now();
    let mut sql =
        Sql::new("UPDATE documentation_sessions SET last_event_sequence = last_event_sequence + 1, updated_at = ");
    sql.bind(now).push(" WHERE id = ").bind(session_id);
    if let Some(scope) = scope {
        sql.push(" AND id IN ");
        Owned::of::<entity::documentation_session::Entity>().push_ids_in(&mut sql, scope, &[session_id], backend);
    }
    sql.push(" RETURNING last_event_sequence");
    let row =
        txn.query_one_raw(sql.build(backend)).await?.ok_or(ApiError::NotFound { entity: "documentation session" })?;
    let sequence: i64 = row.try_get("", "last_event_sequence")?;
    let model = session_event::ActiveModel {
        id: Set(new_id()),
        session_id: Set(session_id),
        sequence: Set(sequence),
        event_type: Set(event.event_type),
        event_data: Set(event.event_data),
        error: Set(event.error),
        metadata: Set(event.metadata),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(model)
}

/// Appends a client's event with its audit entry, atomically, and wakes the session's subscribers.
/// In a server on PostgreSQL it goes in one statement with the appends that arrive beside it
/// ([`Appends`]); elsewhere in a transaction of its own.
/// Errors: `FORBIDDEN`, `BAD_USER_INPUT` (empty or long type, metadata not an object), `NOT_FOUND`.
#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn append_one(cx: Ctx<'_>, session_id: Uuid, event: NewSessionEvent) -> ApiResult<session_event::Model> {
    require_text("eventType", &event.event_type, 100)?;
    require_object("metadata", &event.metadata)?;
    if let Some(appends) = cx.appends {
        return appends.append(cx, session_id, event).await;
    }
    let mut tx = cx.begin(Role::Member).await?;
    let model = append_in(&tx, Some(cx.scope()), session_id, event).await?;
    // Docket's own events accompany writes that are recorded already; a client's append is its own write
    // (announced by the session's stream, not the organization's log).
    tx.record(Resource::SessionEvent, model.id, None, Some(&model)).await?;
    tx.wake(session_id);
    tx.commit().await?;
    Ok(model)
}

/// Up to `limit` events of a session with `sequence > after`, in order.
pub async fn list_after(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    after: i64,
    limit: u64,
) -> ApiResult<Vec<session_event::Model>> {
    Ok(session_event::Entity::find()
        .filter(session_event::Column::SessionId.eq(session_id))
        .filter(session_event::Column::Sequence.gt(after))
        .order_by_asc(session_event::Column::Sequence)
        .limit(limit)
        .all(db)
        .await?)
}

//! `DocumentationSession`, `SessionStatus`, and the session inputs and payloads.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{documentation_session, session_todo::TodoStatus as StoredTodoStatus, workspace};
use serde_json::Value;

use crate::{
    error::ApiError,
    graphql::{
        loaders::{EventCounts, TodoCounts as TodoCountsLoader},
        object::{object, plain_enums},
        prefetch::{Level, Prefetch, field},
        relations::{by_id, per_parent},
        to_id,
    },
    service::page::Filter,
    sessions::{
        event::EventQuery,
        schema::{
            event::SessionEvent,
            todo::{SessionTodo, TodoStatus},
            workspace::Workspace,
        },
        todo::TodoQuery,
    },
};

crate::graphql::loaders::child_list!(
    /// `DocumentationSession.todos`.
    TodosOfSession: entity::session_todo::Model = crate::sessions::todo::TODOS_OF_SESSION
);

crate::graphql::loaders::child_list!(
    /// `DocumentationSession.events`.
    EventsOfSession: entity::session_event::Model = crate::sessions::event::EVENTS_OF_SESSION
);

/// Lifecycle of a documentation session. `COMPLETED`, `FAILED` and `EXPIRED` are final.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entity::documentation_session::SessionStatus")]
pub enum SessionStatus {
    /// Created; no todo claimed yet.
    Pending,
    /// Work under way (set by the first claim, or by `updateDocumentationSession`).
    InProgress,
    /// Finished successfully.
    Completed,
    /// Finished unsuccessfully.
    Failed,
    /// Passed `expiresAt` before finishing.
    Expired,
}

impl SessionStatus {
    /// The value as stored, e.g. `in_progress`.
    pub fn stored(self) -> String {
        crate::sessions::session::status_name(self.into())
    }
}

plain_enums!(SessionStatus);

object! {
    /// One run of documenting a module: a set of files (each a todo) and an append-only event stream.
    #[Object]
    impl DocumentationSession(documentation_session::Model) |m| {
        /// Server-generated id (a UUIDv7).
        id: ID = to_id(m.id),
        /// Id of the owning workspace.
        workspace_id: ID = to_id(m.workspace_id),
        /// Name of the module being documented.
        module_name: &str = &m.module_name,
        /// Current lifecycle state.
        status: SessionStatus = m.status.into(),
        /// The files the session was started with.
        file_paths: Vec<String> = serde_json::from_value(m.file_paths.clone()).unwrap_or_default(),
        /// Free-form metadata object.
        metadata: Json<&Value> = Json(&m.metadata),
        /// When the expiry sweep will expire the session unless it has finished.
        expires_at: DateTime<Utc> = m.expires_at,
        /// Sequence of the newest event (0 when none): resume a subscription from here.
        last_event_sequence: i64 = m.last_event_sequence,
        /// When the session was started.
        created_at: DateTime<Utc> = m.created_at,
        /// When the session last changed.
        updated_at: DateTime<Utc> = m.updated_at,
    }
    connections {
        /// The session's todos, oldest first, optionally only those in `status`.
        todos(status: Option<Vec<TodoStatus>>) -> SessionTodo = TodosOfSession(m.id, todos_filter(status)),
        /// The session's events in sequence order. `afterSequence` starts the list after that event's
        /// `sequence`; `eventTypes` keeps only those types.
        events(after_sequence: Option<i64>, event_types: Option<Vec<String>>) -> SessionEvent
            = EventsOfSession(m.id, events_filter(after_sequence, event_types)),
    }
    resolvers {
        /// The owning workspace.
        async fn workspace(&self, ctx: &Context<'_>) -> async_graphql::Result<Workspace> {
            let row = by_id::<workspace::Entity, Workspace>(ctx, self.0.workspace_id).await?;
            Ok(Workspace(row.ok_or(ApiError::NotFound { entity: "workspace" })?))
        }
        /// How many events the session holds of each type, by type name.
        async fn event_counts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<EventTypeCount>> {
            let counts = per_parent::<EventCounts>(ctx, self.0.id).await?.unwrap_or_default();
            Ok(counts.into_iter().map(|(event_type, count)| EventTypeCount { event_type, count }).collect())
        }
        /// How many todos the session holds in each status.
        async fn todo_counts(&self, ctx: &Context<'_>) -> async_graphql::Result<TodoCounts> {
            let counts = per_parent::<TodoCountsLoader>(ctx, self.0.id).await?.unwrap_or_default();
            Ok(TodoCounts::from_counts(&counts))
        }
    }
}

/// The filter of `DocumentationSession.todos`.
fn todos_filter(status: Option<Vec<TodoStatus>>) -> Filter {
    TodoQuery { status: status.map(|s| s.into_iter().map(Into::into).collect()) }.filter()
}

/// The filter of `DocumentationSession.events`.
fn events_filter(after_sequence: Option<i64>, event_types: Option<Vec<String>>) -> Filter {
    EventQuery { after_sequence, event_types }.filter()
}

impl Prefetch for DocumentationSession {
    type Row = documentation_session::Model;
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        level.by_id::<workspace::Entity, Workspace>(&field!(Self, workspace), |s| Some(s.workspace_id));
        Self::connections_ahead(level);
        level.per_parent::<EventCounts>(&field!(Self, event_counts), |s| s.id);
        level.per_parent::<TodoCountsLoader>(&field!(Self, todo_counts), |s| s.id);
    }
}

/// Number of events of one type (the seed's CountByType).
#[derive(SimpleObject)]
pub struct EventTypeCount {
    /// The event type.
    pub event_type: String,
    /// Events of that type.
    pub count: i64,
}

/// Number of a session's todos in each status.
#[derive(SimpleObject)]
pub struct TodoCounts {
    /// Waiting to be claimed.
    pub pending: i64,
    /// Claimed and leased.
    pub in_progress: i64,
    /// Done.
    pub completed: i64,
    /// Out of attempts.
    pub failed: i64,
    /// Skipped.
    pub skipped: i64,
    /// All todos.
    pub total: i64,
}

impl TodoCounts {
    fn from_counts(counts: &[(StoredTodoStatus, i64)]) -> Self {
        let get = |status| counts.iter().find(|(s, _)| *s == status).map_or(0, |(_, n)| *n);
        Self {
            pending: get(StoredTodoStatus::Pending),
            in_progress: get(StoredTodoStatus::InProgress),
            completed: get(StoredTodoStatus::Completed),
            failed: get(StoredTodoStatus::Failed),
            skipped: get(StoredTodoStatus::Skipped),
            total: counts.iter().map(|(_, n)| n).sum(),
        }
    }
}

/// Input of `startDocumentationSession`.
#[derive(InputObject)]
pub struct StartDocumentationSessionInput {
    /// The workspace to document.
    pub workspace_id: ID,
    /// Name of the module, 1 to 255 characters.
    pub module_name: String,
    /// Files to document (distinct, at most 10,000); each becomes a pending todo.
    pub file_paths: Vec<String>,
    /// When the session expires; 24 hours from now when omitted. Must be in the future.
    pub expires_at: Option<DateTime<Utc>>,
    /// Metadata object; `{}` when omitted.
    pub metadata: Option<Json<Value>>,
}

/// Input of `updateDocumentationSession`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateDocumentationSessionInput {
    /// The session to change.
    pub id: ID,
    /// New status. `PENDING` may go anywhere, `IN_PROGRESS` to a final state; final states never change.
    pub status: Option<SessionStatus>,
    /// New module name.
    pub module_name: Option<String>,
    /// New metadata object (replaces the old one).
    pub metadata: Option<Json<Value>>,
    /// New expiry time.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Input of `deleteDocumentationSession`.
#[derive(InputObject)]
pub struct DeleteDocumentationSessionInput {
    /// The session to delete, with its todos and events.
    pub id: ID,
}

/// Result of `startDocumentationSession`.
#[derive(SimpleObject)]
pub struct StartDocumentationSessionPayload {
    /// The new session; its todos are in `session.todos`.
    pub session: DocumentationSession,
}

/// Result of `updateDocumentationSession`.
#[derive(SimpleObject)]
pub struct UpdateDocumentationSessionPayload {
    /// The session as it is now.
    pub session: DocumentationSession,
}

/// Result of `deleteDocumentationSession`.
#[derive(SimpleObject)]
pub struct DeleteDocumentationSessionPayload {
    /// Id of the deleted session.
    pub deleted_id: ID,
}

//! `SessionTodo`, `TodoStatus`, and the todo inputs and payloads.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{documentation_session, session_todo};
use serde_json::Value;

use crate::{
    error::ApiError,
    graphql::{
        object::{object, plain_enums},
        prefetch::{Level, Prefetch, field},
        relations::by_id,
        service_ctx, to_id,
    },
    service::page::Filter,
    sessions::schema::session::DocumentationSession,
};

crate::graphql::loaders::child_list!(
    /// `SessionTodo.dependencies`.
    DependenciesOfTodo: entity::session_todo::Model = crate::sessions::todo::DEPENDENCIES_OF_TODO
);

/// Lifecycle of a todo. `COMPLETED`, `FAILED` and `SKIPPED` are final.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entity::session_todo::TodoStatus")]
pub enum TodoStatus {
    /// Waiting to be claimed.
    Pending,
    /// Claimed by a worker that holds a lease.
    InProgress,
    /// Done.
    Completed,
    /// Out of attempts.
    Failed,
    /// Deliberately not done.
    Skipped,
}

impl TodoStatus {
    /// The value as stored, e.g. `in_progress`.
    pub fn stored(self) -> String {
        crate::sessions::todo::status_name(self.into())
    }
}

plain_enums!(TodoStatus);

object! {
    /// One file to document within a session, claimed and worked by one worker at a time.
    #[Object]
    impl SessionTodo(session_todo::Model) |m| {
        /// Server-generated id (a UUIDv7).
        id: ID = to_id(m.id),
        /// Id of the owning session.
        session_id: ID = to_id(m.session_id),
        /// Path of the file to document.
        file_path: &str = &m.file_path,
        /// Urgency from 0 to 3; higher is claimed first.
        priority: i32 = m.priority,
        /// Current lifecycle state.
        status: TodoStatus = m.status.into(),
        /// How many times the todo has been claimed.
        attempts: i32 = m.attempts,
        /// Claims allowed before a failure (or a lapsed lease) ends in `FAILED`.
        max_attempts: i32 = m.max_attempts,
        /// The last error a worker reported.
        error: Option<&str> = m.error.as_deref(),
        /// Free-form metadata object.
        metadata: Json<&Value> = Json(&m.metadata),
        /// While `IN_PROGRESS`: when the worker's lease lapses and the todo may be claimed again.
        lease_expires_at: Option<DateTime<Utc>> = m.lease_expires_at,
        /// Who claimed the todo last (`api key worker-3 (dkt_ab12cd34)`, `anonymous`).
        claimed_by: Option<&str> = m.claimed_by.as_deref(),
        /// When the todo was last claimed.
        started_at: Option<DateTime<Utc>> = m.started_at,
        /// When the todo reached a final state.
        completed_at: Option<DateTime<Utc>> = m.completed_at,
        /// When the todo was created.
        created_at: DateTime<Utc> = m.created_at,
        /// When the todo last changed.
        updated_at: DateTime<Utc> = m.updated_at,
    }
    connections {
        /// The todos this one waits for: it is not claimed before all of them are `COMPLETED`.
        dependencies() -> SessionTodo = DependenciesOfTodo(m.id, Filter::default()),
    }
    resolvers {
        /// The owning session.
        async fn session(&self, ctx: &Context<'_>) -> async_graphql::Result<DocumentationSession> {
            let row = by_id::<documentation_session::Entity, DocumentationSession>(ctx, self.0.session_id).await?;
            Ok(DocumentationSession(row.ok_or(ApiError::NotFound { entity: "documentation session" })?))
        }
        /// While `IN_PROGRESS`: the secret of the current lease, which `renewTodoLease`, `completeTodo` and
        /// `failTodo` need. Shown only to the principal that claimed the todo (`claimedBy`); `null` to
        /// everyone else.
        async fn lease_token(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
            let viewer = service_ctx(ctx)?.viewer();
            let claimer = self.0.claimed_by.as_deref() == Some(viewer.actor().as_str());
            let held = claimer && self.0.status == session_todo::TodoStatus::InProgress;
            Ok(self.0.lease_token.as_deref().filter(|_| held))
        }
    }
}

impl Prefetch for SessionTodo {
    type Row = session_todo::Model;
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        level.by_id::<documentation_session::Entity, DocumentationSession>(&field!(Self, session), |t| {
            Some(t.session_id)
        });
        Self::connections_ahead(level);
    }
}

/// One todo to add with `createSessionTodos`.
#[derive(InputObject)]
pub struct SessionTodoInput {
    /// Path of the file to document.
    pub file_path: String,
    /// Urgency from 0 to 3 (higher first); 1 when omitted.
    pub priority: Option<i32>,
    /// Claims allowed, 1 to 100; 3 when omitted.
    pub max_attempts: Option<i32>,
    /// Metadata object; `{}` when omitted.
    pub metadata: Option<Json<Value>>,
}

/// Input of `createSessionTodos`.
#[derive(InputObject)]
pub struct CreateSessionTodosInput {
    /// The session to add todos to (not finished).
    pub session_id: ID,
    /// The todos, 1 to 10,000.
    pub todos: Vec<SessionTodoInput>,
}

/// Input of `updateSessionTodo`; omitted fields stay as they are. Status changes go through
/// `claimNextTodo`, `completeTodo`, `failTodo` and `skipTodo`.
#[derive(InputObject)]
pub struct UpdateSessionTodoInput {
    /// The todo to change.
    pub id: ID,
    /// New path.
    pub file_path: Option<String>,
    /// New priority, 0 to 3.
    pub priority: Option<i32>,
    /// New attempts limit, 1 to 100.
    pub max_attempts: Option<i32>,
    /// New metadata object (replaces the old one).
    pub metadata: Option<Json<Value>>,
}

/// Input of `addTodoDependency`.
#[derive(InputObject)]
pub struct AddTodoDependencyInput {
    /// The todo that waits.
    pub todo_id: ID,
    /// The todo it waits for; same session, no cycles.
    pub depends_on_id: ID,
}

/// Result of `createSessionTodos`.
#[derive(SimpleObject)]
pub struct CreateSessionTodosPayload {
    /// The new todos, in input order.
    pub todos: Vec<SessionTodo>,
}

/// Result of `updateSessionTodo`.
#[derive(SimpleObject)]
pub struct UpdateSessionTodoPayload {
    /// The todo as it is now.
    pub todo: SessionTodo,
}

/// Result of `addTodoDependency`.
#[derive(SimpleObject)]
pub struct AddTodoDependencyPayload {
    /// The waiting todo; its `dependencies` include the new one.
    pub todo: SessionTodo,
}

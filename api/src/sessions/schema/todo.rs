//! `SessionTodo`, `TodoStatus`, and the todo inputs and payloads.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{documentation_session, session_todo};
use serde_json::Value;

use crate::{
    error::ApiError,
    graphql::{
        connection::{Conn, PlainFields, json, optional, optional_text, page_args, scalar, text},
        loaders::DependenciesOfTodo,
        prefetch::{Level, Prefetch, field},
        relations::{by_id, child_connection},
        service_ctx, to_id,
    },
    service::page::Filter,
    sessions::schema::session::DocumentationSession,
};

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

/// The GraphQL object of a todo row (described on its `impl`).
pub struct SessionTodo(pub session_todo::Model);

impl PlainFields for SessionTodo {
    fn plain(&self, name: &str) -> Option<async_graphql::Value> {
        let m = &self.0;
        Some(match name {
            "id" => scalar(to_id(m.id)),
            "sessionId" => scalar(to_id(m.session_id)),
            "filePath" => text(&m.file_path),
            "priority" => scalar(m.priority),
            "status" => async_graphql::resolver_utils::enum_value(TodoStatus::from(m.status)),
            "attempts" => scalar(m.attempts),
            "maxAttempts" => scalar(m.max_attempts),
            "error" => optional_text(m.error.as_deref()),
            "metadata" => json(&m.metadata),
            "leaseExpiresAt" => optional(m.lease_expires_at),
            "claimedBy" => optional_text(m.claimed_by.as_deref()),
            "startedAt" => optional(m.started_at),
            "completedAt" => optional(m.completed_at),
            "createdAt" => scalar(m.created_at),
            "updatedAt" => scalar(m.updated_at),
            _ => return None,
        })
    }
}

/// One file to document within a session, claimed and worked by one worker at a time.
#[Object]
impl SessionTodo {
    /// Server-generated id (a UUIDv7).
    pub async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Id of the owning session.
    async fn session_id(&self) -> ID {
        to_id(self.0.session_id)
    }
    /// The owning session.
    async fn session(&self, ctx: &Context<'_>) -> async_graphql::Result<DocumentationSession> {
        let row = by_id::<documentation_session::Entity, DocumentationSession>(ctx, self.0.session_id).await?;
        Ok(DocumentationSession(row.ok_or(ApiError::NotFound { entity: "documentation session" })?))
    }
    /// Path of the file to document.
    async fn file_path(&self) -> &str {
        &self.0.file_path
    }
    /// Urgency from 0 to 3; higher is claimed first.
    async fn priority(&self) -> i32 {
        self.0.priority
    }
    /// Current lifecycle state.
    async fn status(&self) -> TodoStatus {
        self.0.status.into()
    }
    /// How many times the todo has been claimed.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// Claims allowed before a failure (or a lapsed lease) ends in `FAILED`.
    async fn max_attempts(&self) -> i32 {
        self.0.max_attempts
    }
    /// The last error a worker reported.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// Free-form metadata object.
    async fn metadata(&self) -> Json<&Value> {
        Json(&self.0.metadata)
    }
    /// While `IN_PROGRESS`: when the worker's lease lapses and the todo may be claimed again.
    async fn lease_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.lease_expires_at
    }
    /// Who claimed the todo last (`api key worker-3 (dkt_ab12cd34)`, `anonymous`).
    async fn claimed_by(&self) -> Option<&str> {
        self.0.claimed_by.as_deref()
    }
    /// While `IN_PROGRESS`: the secret of the current lease, which `renewTodoLease`, `completeTodo` and
    /// `failTodo` need. Shown only to the principal that claimed the todo (`claimedBy`); `null` to
    /// everyone else.
    async fn lease_token(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        let viewer = service_ctx(ctx)?.viewer();
        let claimer = self.0.claimed_by.as_deref() == Some(viewer.actor().as_str());
        Ok(self.0.lease_token.as_deref().filter(|_| claimer && self.0.status == session_todo::TodoStatus::InProgress))
    }
    /// When the todo was last claimed.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    /// When the todo reached a final state.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// When the todo was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the todo last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The todos this one waits for: it is not claimed before all of them are `COMPLETED`.
    /// Pages hold 50 items by default and 100 at most.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn dependencies(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<SessionTodo>> {
        let args = page_args(first, after, last, before)?;
        child_connection::<DependenciesOfTodo, _>(ctx, self.0.id, Filter::default(), args, SessionTodo).await
    }
}

impl Prefetch for SessionTodo {
    type Row = session_todo::Model;
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        level.by_id::<documentation_session::Entity, DocumentationSession>(&field!(Self, session), |t| {
            Some(t.session_id)
        });
        level.connection::<DependenciesOfTodo, SessionTodo>(
            &field!(Self, dependencies),
            |t| t.id,
            |_| Ok(Some(Filter::default())),
        );
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

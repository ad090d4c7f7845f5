//! `session_todos`: one file to document within a session.

use sea_orm::entity::prelude::*;

/// Lifecycle of a todo. `completed`, `failed` and `skipped` are terminal.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
pub enum TodoStatus {
    /// Waiting to be claimed.
    #[default]
    #[sea_orm(string_value = "pending")]
    Pending,
    /// Claimed by a worker holding a lease.
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    /// Done (terminal).
    #[sea_orm(string_value = "completed")]
    Completed,
    /// Out of attempts (terminal).
    #[sea_orm(string_value = "failed")]
    Failed,
    /// Deliberately not done (terminal).
    #[sea_orm(string_value = "skipped")]
    Skipped,
}

impl TodoStatus {
    /// Whether no further status change is allowed.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Skipped)
    }
}

/// One row of `session_todos`.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "session_todos")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning session (cascade delete).
    pub session_id: Uuid,
    /// Path of the file to document.
    pub file_path: String,
    /// Urgency from 0 to 3; 3 is claimed first.
    pub priority: i32,
    /// Current lifecycle state.
    pub status: TodoStatus,
    /// How many times the todo has been claimed.
    pub attempts: i32,
    /// Claims allowed before a failure or lapsed lease ends in `failed`.
    pub max_attempts: i32,
    /// Last error reported by a worker.
    pub error: Option<String>,
    /// Free-form metadata object.
    pub metadata: Json,
    /// While `in_progress`: when the worker's lease lapses and the todo may be reclaimed.
    pub lease_expires_at: Option<DateTimeUtc>,
    /// While `in_progress`: the secret handed to the claimer, which renewing, completing and failing
    /// require. Never serialized (audit entries included).
    #[serde(skip)]
    pub lease_token: Option<String>,
    /// The principal that last claimed the todo (`api key worker (dkt_ab12cd34)`).
    pub claimed_by: Option<String>,
    /// When the todo was last claimed.
    pub started_at: Option<DateTimeUtc>,
    /// When the todo reached a terminal state.
    pub completed_at: Option<DateTimeUtc>,
    /// When the row was inserted.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a todo.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owning session.
    #[sea_orm(
        belongs_to = "super::documentation_session::Entity",
        from = "Column::SessionId",
        to = "super::documentation_session::Column::Id",
        on_delete = "Cascade"
    )]
    DocumentationSession,
}

impl Related<super::documentation_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DocumentationSession.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

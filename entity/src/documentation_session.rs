//! `documentation_sessions`: one run of documenting a module's files.

use sea_orm::entity::prelude::*;

/// Lifecycle of a session. `completed`, `failed` and `expired` are terminal.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
pub enum SessionStatus {
    /// Created, no work started.
    #[default]
    #[sea_orm(string_value = "pending")]
    Pending,
    /// Work is under way.
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    /// Finished successfully (terminal).
    #[sea_orm(string_value = "completed")]
    Completed,
    /// Finished unsuccessfully (terminal).
    #[sea_orm(string_value = "failed")]
    Failed,
    /// Passed `expires_at` before finishing (terminal).
    #[sea_orm(string_value = "expired")]
    Expired,
}

impl SessionStatus {
    /// Whether no further status change is allowed.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Expired)
    }
}

/// One row of `documentation_sessions`.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "documentation_sessions")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning workspace (cascade delete).
    pub workspace_id: Uuid,
    /// Name of the module being documented, at most 255 characters.
    pub module_name: String,
    /// Current lifecycle state.
    pub status: SessionStatus,
    /// JSON array of the file paths the session covers.
    pub file_paths: Json,
    /// Free-form metadata object.
    pub metadata: Json,
    /// When the background sweep expires the session unless it has finished.
    pub expires_at: DateTimeUtc,
    /// Sequence number of the newest event (0 when none); events are numbered gaplessly from 1.
    pub last_event_sequence: i64,
    /// When the row was inserted.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a session.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owning workspace.
    #[sea_orm(
        belongs_to = "super::workspace::Entity",
        from = "Column::WorkspaceId",
        to = "super::workspace::Column::Id",
        on_delete = "Cascade"
    )]
    Workspace,
    /// The session's todos.
    #[sea_orm(has_many = "super::session_todo::Entity")]
    SessionTodos,
    /// The session's events.
    #[sea_orm(has_many = "super::session_event::Entity")]
    SessionEvents,
}

impl Related<super::workspace::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Workspace.def()
    }
}

impl Related<super::session_todo::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SessionTodos.def()
    }
}

impl Related<super::session_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SessionEvents.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

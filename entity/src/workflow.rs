//! `workflows`: a project's orchestrated set of tasks, with phases, status and derived progress.

use sea_orm::entity::prelude::*;

/// How a workflow orders its tasks.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
pub enum WorkflowKind {
    /// One task at a time, in phase order then position.
    #[default]
    #[sea_orm(string_value = "sequential")]
    Sequential,
    /// Every pending task of the earliest unfinished phase at once.
    #[sea_orm(string_value = "parallel")]
    Parallel,
    /// Every pending task whose `blocks` dependencies are done.
    #[sea_orm(string_value = "dag")]
    Dag,
}

/// Where a workflow stands.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
pub enum WorkflowStatus {
    /// Being put together; nothing started yet.
    #[default]
    #[sea_orm(string_value = "draft")]
    Draft,
    /// A task has started.
    #[sea_orm(string_value = "running")]
    Running,
    /// Held by hand: it offers no task.
    #[sea_orm(string_value = "paused")]
    Paused,
    /// Every task finished.
    #[sea_orm(string_value = "completed")]
    Completed,
    /// Given up as failed.
    #[sea_orm(string_value = "failed")]
    Failed,
    /// Dropped.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

/// One row of `workflows`.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "workflows")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning project (cascade delete).
    pub project_id: Uuid,
    /// Name, unique per project.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// What the workflow must achieve (free text).
    pub requirements: Option<String>,
    /// How it orders its tasks.
    pub kind: WorkflowKind,
    /// Where it stands.
    pub status: WorkflowStatus,
    /// Share of its tasks finished, 0 to 100.
    pub progress: f64,
    /// The phase under way (the earliest unfinished one).
    pub current_phase_id: Option<Uuid>,
    /// Figures kept by the server (task counts at the last change).
    pub metrics: Json,
    /// When it started running.
    pub started_at: Option<DateTimeUtc>,
    /// When it completed.
    pub completed_at: Option<DateTimeUtc>,
    /// When the row was inserted.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a workflow.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owning project.
    #[sea_orm(
        belongs_to = "super::project::Entity",
        from = "Column::ProjectId",
        to = "super::project::Column::Id",
        on_delete = "Cascade"
    )]
    Project,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

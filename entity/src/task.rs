//! `tasks`: a project's work items; subtasks point at their parent.

use sea_orm::entity::prelude::*;

/// Where a task stands. `done` and `cancelled` are finished.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
pub enum TaskStatus {
    /// Not started.
    #[default]
    #[sea_orm(string_value = "pending")]
    Pending,
    /// Being worked on.
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    /// Waiting for review.
    #[sea_orm(string_value = "review")]
    Review,
    /// Finished.
    #[sea_orm(string_value = "done")]
    Done,
    /// Put off.
    #[sea_orm(string_value = "deferred")]
    Deferred,
    /// Dropped.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    /// Cannot proceed.
    #[sea_orm(string_value = "blocked")]
    Blocked,
}

/// How urgent a task is.
#[derive(
    Default,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
pub enum TaskPriority {
    /// Whenever.
    #[sea_orm(string_value = "low")]
    Low,
    /// The default.
    #[default]
    #[sea_orm(string_value = "medium")]
    Medium,
    /// Soon.
    #[sea_orm(string_value = "high")]
    High,
    /// Now.
    #[sea_orm(string_value = "critical")]
    Critical,
}

/// One row of `tasks`.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning project (cascade delete).
    pub project_id: Uuid,
    /// Parent task, for subtasks (cascade delete).
    pub parent_id: Option<Uuid>,
    /// Task Master id (`12`, or `12.3` for a subtask), unique per project and tag.
    pub external_id: Option<String>,
    /// Task Master tag (`master` by default).
    pub tag: String,
    /// Title, at most 500 characters.
    pub title: String,
    /// Short description.
    pub description: Option<String>,
    /// Implementation details (often long markdown).
    pub details: Option<String>,
    /// How to test it.
    pub test_strategy: Option<String>,
    /// Where the task stands.
    pub status: TaskStatus,
    /// How urgent it is.
    pub priority: TaskPriority,
    /// 1 to 10.
    pub complexity: Option<i32>,
    /// JSON array of labels.
    pub tags: Json,
    /// Requirements object.
    pub requirements: Json,
    /// Everything else; the importer keeps Task Master fields without a column here.
    pub metadata: Json,
    /// How the imported document wrote the task where the columns cannot say it (the id as written,
    /// fields it left out, dependencies as written); `None` for tasks not imported. Export reads it.
    pub external_form: Option<Json>,
    /// Estimated effort in hours.
    pub estimated_hours: Option<f64>,
    /// Actual effort in hours.
    pub actual_hours: Option<f64>,
    /// When the task was last marked done.
    pub completed_at: Option<DateTimeUtc>,
    /// The workflow it belongs to, if any.
    pub workflow_id: Option<Uuid>,
    /// Its phase in the workflow, if any.
    pub phase_id: Option<Uuid>,
    /// Its place in its phase (or workflow), from 0.
    pub position: Option<i32>,
    /// The user (a member of the organization) it is assigned to.
    pub assignee_id: Option<Uuid>,
    /// The agent it is assigned to, e.g. `claude-code`.
    pub assigned_agent: Option<String>,
    /// Not to start before this instant.
    pub scheduled_at: Option<DateTimeUtc>,
    /// JSON array of strings: what must hold for it to be done.
    pub acceptance_criteria: Json,
    /// Context object for whoever works on it.
    pub context: Json,
    /// The task definition (one version of it) that made it.
    pub definition_id: Option<Uuid>,
    /// Incremented by every update; `updateTask` checks it (optimistic concurrency).
    pub version: i32,
    /// When the row was inserted.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a task.
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

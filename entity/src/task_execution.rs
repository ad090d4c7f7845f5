//! `task_executions`: one attempt by an agent at a task.

use sea_orm::entity::prelude::*;

/// How an execution stands. `succeeded`, `failed`, `cancelled` and `timed_out` are final.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
pub enum ExecutionStatus {
    /// Waiting to start.
    #[default]
    #[sea_orm(string_value = "queued")]
    Queued,
    /// Under way.
    #[sea_orm(string_value = "running")]
    Running,
    /// Finished successfully.
    #[sea_orm(string_value = "succeeded")]
    Succeeded,
    /// Finished unsuccessfully.
    #[sea_orm(string_value = "failed")]
    Failed,
    /// Stopped before finishing.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    /// Ran out of time.
    #[sea_orm(string_value = "timed_out")]
    TimedOut,
}

impl ExecutionStatus {
    /// Whether the execution has ended.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Queued | Self::Running)
    }
}

/// One row of `task_executions`.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "task_executions")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The task (cascade delete).
    pub task_id: Uuid,
    /// Which agent, e.g. `claude-code`.
    pub agent: String,
    /// How it stands.
    pub status: ExecutionStatus,
    /// What the agent was given.
    pub input_context: Json,
    /// What it produced.
    pub output_results: Json,
    /// What went wrong.
    pub error_details: Json,
    /// When it started.
    pub started_at: Option<DateTimeUtc>,
    /// When it ended.
    pub completed_at: Option<DateTimeUtc>,
    /// Milliseconds from start to end.
    pub duration_ms: Option<i64>,
    /// Peak memory in MiB.
    pub memory_usage_mb: Option<i32>,
    /// CPU time in milliseconds.
    pub cpu_time_ms: Option<i64>,
    /// Tokens sent to the model.
    pub input_tokens: Option<i64>,
    /// Tokens received from the model.
    pub output_tokens: Option<i64>,
    /// Cost in US dollars.
    pub cost_usd: Option<f64>,
    /// When the row was inserted.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of an execution.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The task it runs.
    #[sea_orm(
        belongs_to = "super::task::Entity",
        from = "Column::TaskId",
        to = "super::task::Column::Id",
        on_delete = "Cascade"
    )]
    Task,
}

impl Related<super::task::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Task.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

//! `task_state_transitions`: the status history of a task.

use sea_orm::entity::prelude::*;

use super::task::TaskStatus;

/// One status change.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "task_state_transitions")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The task.
    pub task_id: Uuid,
    /// Status before (`None` when the task was created).
    pub from_status: Option<TaskStatus>,
    /// Status after.
    pub to_status: TaskStatus,
    /// Milliseconds the task spent in `from_status`.
    pub duration_ms: Option<i64>,
    /// Who changed it.
    pub actor: Option<String>,
    /// Why.
    pub note: Option<String>,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations of a transition.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The task that changed.
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

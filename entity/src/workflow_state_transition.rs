//! `workflow_state_transitions`: the status history of a workflow.

use sea_orm::entity::prelude::*;

use super::workflow::WorkflowStatus;

/// One status change.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "workflow_state_transitions")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The workflow.
    pub workflow_id: Uuid,
    /// Status before (`None` when the workflow was created).
    pub from_status: Option<WorkflowStatus>,
    /// Status after.
    pub to_status: WorkflowStatus,
    /// Milliseconds the workflow spent in `from_status`.
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
    /// The workflow that changed.
    #[sea_orm(
        belongs_to = "super::workflow::Entity",
        from = "Column::WorkflowId",
        to = "super::workflow::Column::Id",
        on_delete = "Cascade"
    )]
    Workflow,
}

impl Related<super::workflow::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Workflow.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

//! `workflow_phases`: the ordered stages of a workflow (planning, development, testing ...).

use sea_orm::entity::prelude::*;

/// Where a phase stands.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
pub enum PhaseStatus {
    /// None of its tasks started.
    #[default]
    #[sea_orm(string_value = "pending")]
    Pending,
    /// A task of it started; not all finished.
    #[sea_orm(string_value = "active")]
    Active,
    /// Every task of it finished.
    #[sea_orm(string_value = "done")]
    Done,
    /// Passed over by hand.
    #[sea_orm(string_value = "skipped")]
    Skipped,
}

/// One row of `workflow_phases`.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "workflow_phases")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning workflow (cascade delete).
    pub workflow_id: Uuid,
    /// Name, e.g. `testing`.
    pub name: String,
    /// Place in the workflow, from 0.
    pub position: i32,
    /// Where it stands.
    pub status: PhaseStatus,
    /// What must hold before it starts (free text).
    pub entry_criteria: Option<String>,
    /// What must hold before it ends (free text).
    pub exit_criteria: Option<String>,
    /// When the row was inserted.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a phase.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owning workflow.
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

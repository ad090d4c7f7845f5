//! `task_dependencies`: `task_id` depends on `depends_on_id`.

use sea_orm::entity::prelude::*;

/// What a dependency means. Only `blocks` holds a task back, and `blocks` edges form no cycle.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
pub enum DependencyKind {
    /// The task cannot start before the other is done.
    #[default]
    #[sea_orm(string_value = "blocks")]
    Blocks,
    /// The other should preferably come first.
    #[sea_orm(string_value = "suggests")]
    Suggests,
    /// The two are related.
    #[sea_orm(string_value = "related")]
    Related,
}

/// One edge of a project's task graph.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "task_dependencies")]
pub struct Model {
    /// The dependent task.
    #[sea_orm(primary_key, auto_increment = false)]
    pub task_id: Uuid,
    /// The task it depends on.
    #[sea_orm(primary_key, auto_increment = false)]
    pub depends_on_id: Uuid,
    /// What the edge means.
    pub kind: DependencyKind,
    /// When the edge was added.
    pub created_at: DateTimeUtc,
}

/// Relations of an edge.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

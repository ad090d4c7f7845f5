//! `session_todo_dependencies`: todo `todo_id` may not be claimed before `depends_on_id` completes.

use sea_orm::entity::prelude::*;

/// One edge of a session's todo dependency graph.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "session_todo_dependencies")]
pub struct Model {
    /// The waiting todo.
    #[sea_orm(primary_key, auto_increment = false)]
    pub todo_id: Uuid,
    /// The todo it waits for (same session).
    #[sea_orm(primary_key, auto_increment = false)]
    pub depends_on_id: Uuid,
    /// When the edge was added.
    pub created_at: DateTimeUtc,
}

/// Relations of a dependency edge.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The waiting todo.
    #[sea_orm(
        belongs_to = "super::session_todo::Entity",
        from = "Column::TodoId",
        to = "super::session_todo::Column::Id",
        on_delete = "Cascade"
    )]
    Todo,
    /// The todo waited for.
    #[sea_orm(
        belongs_to = "super::session_todo::Entity",
        from = "Column::DependsOnId",
        to = "super::session_todo::Column::Id",
        on_delete = "Cascade"
    )]
    DependsOn,
}

impl ActiveModelBehavior for ActiveModel {}

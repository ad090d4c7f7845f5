//! `task_pull_requests`: which pull requests carry which tasks.

use sea_orm::entity::prelude::*;

/// One link between a task and a pull request.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "task_pull_requests")]
pub struct Model {
    /// The task.
    #[sea_orm(primary_key, auto_increment = false)]
    pub task_id: Uuid,
    /// The pull request.
    #[sea_orm(primary_key, auto_increment = false)]
    pub pull_request_id: Uuid,
    /// When they were linked.
    pub created_at: DateTimeUtc,
}

/// Relations of a link.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `task_dependencies`: `task_id` depends on `depends_on_id`; `blocks` edges form no cycle.

use crate::columns::{cascade_fk, index, status, timestamp_now, uuid_ref};
use crate::m20261121_000007_create_tasks::Tasks;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TaskDependencies::Table)
                    .col(uuid_ref(TaskDependencies::TaskId))
                    .col(uuid_ref(TaskDependencies::DependsOnId))
                    .col(status(TaskDependencies::Kind, &["blocks", "suggests", "related"], "blocks"))
                    .col(timestamp_now(TaskDependencies::CreatedAt))
                    .primary_key(Index::create().col(TaskDependencies::TaskId).col(TaskDependencies::DependsOnId))
                    .check((
                        "no_self_dependency",
                        Expr::col(TaskDependencies::TaskId).ne(Expr::col(TaskDependencies::DependsOnId)),
                    ))
                    .foreign_key(&mut cascade_fk(
                        TaskDependencies::Table,
                        TaskDependencies::TaskId,
                        Tasks::Table,
                        Tasks::Id,
                    ))
                    .foreign_key(&mut cascade_fk(
                        TaskDependencies::Table,
                        TaskDependencies::DependsOnId,
                        Tasks::Table,
                        Tasks::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let reverse = [TaskDependencies::DependsOnId];
        manager.create_index(index("idx_task_dependencies_depends_on", TaskDependencies::Table, reverse)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TaskDependencies::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone)]
enum TaskDependencies {
    Table,
    TaskId,
    DependsOnId,
    Kind,
    CreatedAt,
}

//! `task_state_transitions`: every status change of a task, with how long it spent in the old one.

use crate::columns::{cascade_fk, id, index, timestamp_now, uuid_ref};
use crate::m20261121_000007_create_tasks::{TASK_STATUSES, Tasks};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TaskStateTransitions::Table)
                    .col(id(TaskStateTransitions::Id))
                    .col(uuid_ref(TaskStateTransitions::TaskId))
                    .col(
                        ColumnDef::new(TaskStateTransitions::FromStatus)
                            .string_len(50)
                            .null()
                            .check(Expr::col(TaskStateTransitions::FromStatus).is_in(TASK_STATUSES)),
                    )
                    .col(
                        ColumnDef::new(TaskStateTransitions::ToStatus)
                            .string_len(50)
                            .not_null()
                            .check(Expr::col(TaskStateTransitions::ToStatus).is_in(TASK_STATUSES)),
                    )
                    .col(ColumnDef::new(TaskStateTransitions::DurationMs).big_integer().null())
                    .col(ColumnDef::new(TaskStateTransitions::Actor).string_len(255).null())
                    .col(ColumnDef::new(TaskStateTransitions::Note).text().null())
                    .col(timestamp_now(TaskStateTransitions::CreatedAt))
                    .foreign_key(&mut cascade_fk(
                        TaskStateTransitions::Table,
                        TaskStateTransitions::TaskId,
                        Tasks::Table,
                        Tasks::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let by_task = [TaskStateTransitions::TaskId, TaskStateTransitions::Id];
        manager.create_index(index("idx_task_transitions_task", TaskStateTransitions::Table, by_task)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TaskStateTransitions::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone)]
enum TaskStateTransitions {
    Table,
    Id,
    TaskId,
    FromStatus,
    ToStatus,
    DurationMs,
    Actor,
    Note,
    CreatedAt,
}

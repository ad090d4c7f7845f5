//! `task_executions`: one attempt by an agent at a task, with its outcome and resource figures.

use crate::columns::{cascade_fk, id, index, json, status, timestamp_now, timestamp_null, uuid_ref};
use crate::m20261121_000007_create_tasks::Tasks;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statuses = ["queued", "running", "succeeded", "failed", "cancelled", "timed_out"];
        manager
            .create_table(
                Table::create()
                    .table(TaskExecutions::Table)
                    .col(id(TaskExecutions::Id))
                    .col(uuid_ref(TaskExecutions::TaskId))
                    .col(ColumnDef::new(TaskExecutions::Agent).string_len(100).not_null())
                    .col(status(TaskExecutions::Status, &statuses, "queued"))
                    .col(json(TaskExecutions::InputContext, "{}"))
                    .col(json(TaskExecutions::OutputResults, "{}"))
                    .col(json(TaskExecutions::ErrorDetails, "{}"))
                    .col(timestamp_null(TaskExecutions::StartedAt))
                    .col(timestamp_null(TaskExecutions::CompletedAt))
                    .col(ColumnDef::new(TaskExecutions::DurationMs).big_integer().null())
                    .col(ColumnDef::new(TaskExecutions::MemoryUsageMb).integer().null())
                    .col(ColumnDef::new(TaskExecutions::CpuTimeMs).big_integer().null())
                    .col(ColumnDef::new(TaskExecutions::InputTokens).big_integer().null())
                    .col(ColumnDef::new(TaskExecutions::OutputTokens).big_integer().null())
                    .col(ColumnDef::new(TaskExecutions::CostUsd).double().null())
                    .col(timestamp_now(TaskExecutions::CreatedAt))
                    .col(timestamp_now(TaskExecutions::UpdatedAt))
                    .foreign_key(&mut cascade_fk(
                        TaskExecutions::Table,
                        TaskExecutions::TaskId,
                        Tasks::Table,
                        Tasks::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let by_task = [TaskExecutions::TaskId, TaskExecutions::Id];
        manager.create_index(index("idx_task_executions_task", TaskExecutions::Table, by_task)).await?;
        manager.create_index(index("idx_task_executions_agent", TaskExecutions::Table, [TaskExecutions::Agent])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TaskExecutions::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone)]
enum TaskExecutions {
    Table,
    Id,
    TaskId,
    Agent,
    Status,
    InputContext,
    OutputResults,
    ErrorDetails,
    StartedAt,
    CompletedAt,
    DurationMs,
    MemoryUsageMb,
    CpuTimeMs,
    InputTokens,
    OutputTokens,
    CostUsd,
    CreatedAt,
    UpdatedAt,
}

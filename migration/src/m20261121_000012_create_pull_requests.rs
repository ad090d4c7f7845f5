//! `pull_requests` of a project, and `task_pull_requests`, which links them to tasks.

use crate::columns::{cascade_fk, id, index, json, status, timestamp_now, timestamp_null, uuid_ref};
use crate::m20261121_000006_create_projects::Projects;
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
                    .table(PullRequests::Table)
                    .col(id(PullRequests::Id))
                    .col(uuid_ref(PullRequests::ProjectId))
                    .col(ColumnDef::new(PullRequests::Number).integer().null())
                    .col(ColumnDef::new(PullRequests::RepositoryUrl).string_len(500).not_null())
                    .col(ColumnDef::new(PullRequests::Branch).string_len(255).not_null())
                    .col(ColumnDef::new(PullRequests::Title).string_len(500).not_null())
                    .col(status(PullRequests::Status, &["draft", "open", "merged", "closed", "conflict"], "draft"))
                    .col(json(PullRequests::ValidationResults, "{}"))
                    .col(timestamp_null(PullRequests::MergedAt))
                    .col(timestamp_now(PullRequests::CreatedAt))
                    .col(timestamp_now(PullRequests::UpdatedAt))
                    .foreign_key(&mut cascade_fk(
                        PullRequests::Table,
                        PullRequests::ProjectId,
                        Projects::Table,
                        Projects::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let by_project = [PullRequests::ProjectId, PullRequests::Id];
        manager.create_index(index("idx_pull_requests_project", PullRequests::Table, by_project)).await?;
        manager
            .create_table(
                Table::create()
                    .table(TaskPullRequests::Table)
                    .col(uuid_ref(TaskPullRequests::TaskId))
                    .col(uuid_ref(TaskPullRequests::PullRequestId))
                    .col(timestamp_now(TaskPullRequests::CreatedAt))
                    .primary_key(Index::create().col(TaskPullRequests::TaskId).col(TaskPullRequests::PullRequestId))
                    .foreign_key(&mut cascade_fk(
                        TaskPullRequests::Table,
                        TaskPullRequests::TaskId,
                        Tasks::Table,
                        Tasks::Id,
                    ))
                    .foreign_key(&mut cascade_fk(
                        TaskPullRequests::Table,
                        TaskPullRequests::PullRequestId,
                        PullRequests::Table,
                        PullRequests::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let reverse = [TaskPullRequests::PullRequestId];
        manager.create_index(index("idx_task_pull_requests_pr", TaskPullRequests::Table, reverse)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TaskPullRequests::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(PullRequests::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone)]
enum PullRequests {
    Table,
    Id,
    ProjectId,
    Number,
    RepositoryUrl,
    Branch,
    Title,
    Status,
    ValidationResults,
    MergedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum TaskPullRequests {
    Table,
    TaskId,
    PullRequestId,
    CreatedAt,
}

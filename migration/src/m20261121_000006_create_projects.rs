//! `projects`, and the nullable link `workspaces.project_id`.
//!
//! The link carries a foreign key on PostgreSQL. SQLite cannot drop a column that has one, and the
//! migration must come down again, so there it is a plain indexed column; either way the project
//! service clears the link in the transaction that deletes a project.

use crate::columns::{id, index, json, timestamp_now};
use crate::m20261121_000001_create_workspaces::Workspaces;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .col(id(Projects::Id))
                    .col(ColumnDef::new(Projects::Name).string_len(255).not_null().unique_key())
                    .col(ColumnDef::new(Projects::Description).text().null())
                    .col(ColumnDef::new(Projects::RepositoryUrl).string_len(500).null())
                    .col(ColumnDef::new(Projects::RepositoryName).string_len(255).null())
                    .col(ColumnDef::new(Projects::DefaultBranch).string_len(100).not_null().default("main"))
                    .col(json(Projects::Settings, "{}"))
                    .col(timestamp_now(Projects::CreatedAt))
                    .col(timestamp_now(Projects::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        let reference = match manager.get_database_backend() {
            DbBackend::Postgres => "uuid NULL REFERENCES projects (id) ON DELETE SET NULL",
            _ => "uuid_text NULL",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!("ALTER TABLE workspaces ADD COLUMN project_id {reference}"))
            .await?;
        manager.create_index(index("idx_workspaces_project_id", Workspaces::Table, [Workspaces::ProjectId])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_workspaces_project_id").table(Workspaces::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(Workspaces::Table).drop_column(Workspaces::ProjectId).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Projects::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Projects {
    Table,
    Id,
    Name,
    Description,
    RepositoryUrl,
    RepositoryName,
    DefaultBranch,
    Settings,
    CreatedAt,
    UpdatedAt,
}

//! `workspaces`.

use crate::columns::{id, index, json, timestamp_now};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Workspaces::Table)
                    .col(id(Workspaces::Id))
                    .col(ColumnDef::new(Workspaces::Name).string_len(255).not_null())
                    .col(ColumnDef::new(Workspaces::Path).text().not_null().unique_key())
                    .col(json(Workspaces::Config, "{}"))
                    .col(timestamp_now(Workspaces::CreatedAt))
                    .col(timestamp_now(Workspaces::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_workspaces_name", Workspaces::Table, [Workspaces::Name])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Workspaces::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Workspaces {
    Table,
    Id,
    Name,
    Path,
    Config,
    CreatedAt,
    UpdatedAt,
    /// Added by the projects migration.
    ProjectId,
}

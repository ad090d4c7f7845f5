//! `documentation_sessions`.

use crate::columns::{cascade_fk, id, index, json, status, timestamp_now, uuid_ref};
use crate::m20261121_000001_create_workspaces::Workspaces;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DocumentationSessions::Table)
                    .col(id(DocumentationSessions::Id))
                    .col(uuid_ref(DocumentationSessions::WorkspaceId))
                    .col(ColumnDef::new(DocumentationSessions::ModuleName).string_len(255).not_null())
                    .col(status(
                        DocumentationSessions::Status,
                        &["pending", "in_progress", "completed", "failed", "expired"],
                        "pending",
                    ))
                    .col(json(DocumentationSessions::FilePaths, "[]"))
                    .col(json(DocumentationSessions::Metadata, "{}"))
                    .col(timestamp_now(DocumentationSessions::CreatedAt))
                    .col(timestamp_now(DocumentationSessions::UpdatedAt))
                    .col(ColumnDef::new(DocumentationSessions::ExpiresAt).timestamp_with_time_zone().not_null())
                    .col(
                        ColumnDef::new(DocumentationSessions::LastEventSequence)
                            .big_integer()
                            .not_null()
                            .default(0)
                            .check(Expr::col(DocumentationSessions::LastEventSequence).gte(0)),
                    )
                    .foreign_key(&mut cascade_fk(
                        DocumentationSessions::Table,
                        DocumentationSessions::WorkspaceId,
                        Workspaces::Table,
                        Workspaces::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_sessions_workspace_id", DocumentationSessions::WorkspaceId),
            ("idx_sessions_status", DocumentationSessions::Status),
            ("idx_sessions_expires_at", DocumentationSessions::ExpiresAt),
            ("idx_sessions_created_at", DocumentationSessions::CreatedAt),
        ] {
            manager.create_index(index(name, DocumentationSessions::Table, [col])).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DocumentationSessions::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone)]
pub(crate) enum DocumentationSessions {
    Table,
    Id,
    WorkspaceId,
    ModuleName,
    Status,
    FilePaths,
    Metadata,
    CreatedAt,
    UpdatedAt,
    ExpiresAt,
    LastEventSequence,
}

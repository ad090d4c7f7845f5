//! `session_todos`.

use crate::columns::{cascade_fk, id, index, json, status, timestamp_now, timestamp_null, uuid_ref};
use crate::m20261121_000002_create_documentation_sessions::DocumentationSessions;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SessionTodos::Table)
                    .col(id(SessionTodos::Id))
                    .col(uuid_ref(SessionTodos::SessionId))
                    .col(ColumnDef::new(SessionTodos::FilePath).text().not_null())
                    .col(
                        ColumnDef::new(SessionTodos::Priority)
                            .integer()
                            .not_null()
                            .default(1)
                            .check(Expr::col(SessionTodos::Priority).between(0, 3)),
                    )
                    .col(status(
                        SessionTodos::Status,
                        &["pending", "in_progress", "completed", "failed", "skipped"],
                        "pending",
                    ))
                    .col(
                        ColumnDef::new(SessionTodos::Attempts)
                            .integer()
                            .not_null()
                            .default(0)
                            .check(Expr::col(SessionTodos::Attempts).gte(0)),
                    )
                    .col(
                        ColumnDef::new(SessionTodos::MaxAttempts)
                            .integer()
                            .not_null()
                            .default(3)
                            .check(Expr::col(SessionTodos::MaxAttempts).gte(1)),
                    )
                    .col(ColumnDef::new(SessionTodos::Error).text().null())
                    .col(json(SessionTodos::Metadata, "{}"))
                    .col(timestamp_null(SessionTodos::LeaseExpiresAt))
                    .col(timestamp_now(SessionTodos::CreatedAt))
                    .col(timestamp_now(SessionTodos::UpdatedAt))
                    .col(timestamp_null(SessionTodos::StartedAt))
                    .col(timestamp_null(SessionTodos::CompletedAt))
                    .foreign_key(&mut cascade_fk(
                        SessionTodos::Table,
                        SessionTodos::SessionId,
                        DocumentationSessions::Table,
                        DocumentationSessions::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let table = SessionTodos::Table;
        manager
            .create_index(index("idx_todos_session_id", table.clone(), [SessionTodos::SessionId, SessionTodos::Id]))
            .await?;
        manager.create_index(index("idx_todos_status", table, [SessionTodos::Status])).await?;
        // The claim query walks this index: a session's pending todos, most urgent first, then oldest (UUIDv7 ids are creation order).
        manager
            .create_index(
                Index::create()
                    .name("idx_todos_claim")
                    .table(SessionTodos::Table)
                    .col(SessionTodos::SessionId)
                    .col(SessionTodos::Status)
                    .col((SessionTodos::Priority, IndexOrder::Desc))
                    .col(SessionTodos::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SessionTodos::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone)]
pub(crate) enum SessionTodos {
    Table,
    Id,
    SessionId,
    FilePath,
    Priority,
    Status,
    Attempts,
    MaxAttempts,
    Error,
    Metadata,
    LeaseExpiresAt,
    CreatedAt,
    UpdatedAt,
    StartedAt,
    CompletedAt,
}

//! `session_events`: the append-only stream, numbered per session.

use crate::columns::{cascade_fk, id, index, json, timestamp_now, uuid_ref};
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
                    .table(SessionEvents::Table)
                    .col(id(SessionEvents::Id))
                    .col(uuid_ref(SessionEvents::SessionId))
                    .col(
                        ColumnDef::new(SessionEvents::Sequence)
                            .big_integer()
                            .not_null()
                            .check(Expr::col(SessionEvents::Sequence).gte(1)),
                    )
                    .col(ColumnDef::new(SessionEvents::EventType).string_len(100).not_null())
                    .col(json(SessionEvents::EventData, "{}"))
                    .col(ColumnDef::new(SessionEvents::Error).text().null())
                    .col(json(SessionEvents::Metadata, "{}"))
                    .col(timestamp_now(SessionEvents::CreatedAt))
                    .foreign_key(&mut cascade_fk(
                        SessionEvents::Table,
                        SessionEvents::SessionId,
                        DocumentationSessions::Table,
                        DocumentationSessions::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // The event cursor: (session, sequence) is unique and is what replay and resume walk.
        let cursor = [SessionEvents::SessionId, SessionEvents::Sequence];
        manager
            .create_index(index("idx_events_session_sequence", SessionEvents::Table, cursor).unique().to_owned())
            .await?;
        let by_type = [SessionEvents::SessionId, SessionEvents::EventType];
        manager.create_index(index("idx_events_session_type", SessionEvents::Table, by_type)).await?;
        manager.create_index(index("idx_events_created_at", SessionEvents::Table, [SessionEvents::CreatedAt])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SessionEvents::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SessionEvents {
    Table,
    Id,
    SessionId,
    Sequence,
    EventType,
    EventData,
    Error,
    Metadata,
    CreatedAt,
}

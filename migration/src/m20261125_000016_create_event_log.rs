//! The organization's event log: `events` (everything that happens, in commit order) and
//! `event_types` (registered types: an optional JSON Schema for the payload and a retention period).
//!
//! `events.position` is the insertion counter (`bigserial` on PostgreSQL, `INTEGER PRIMARY KEY
//! AUTOINCREMENT` on SQLite) and `events.txid` the writing transaction's id on PostgreSQL
//! (`pg_current_xact_id()`; 0 on SQLite). Readers order by `(txid, position)` and, on PostgreSQL, read
//! only rows below the oldest transaction still in flight, so that an event committed late by a slow
//! transaction can never appear behind a reader's cursor. No row is shared by the writers: a position
//! is taken from a sequence, which does not lock.
//!
//! The references to projects, tasks, workspaces and sessions carry no foreign key: the log says what
//! happened, and outlives what it mentions until retention removes it.

use crate::columns::{cascade_fk, id, index, json, status, timestamp_now, uuid_ref};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Severities, lowest first.
const SEVERITIES: [&str; 5] = ["debug", "info", "warning", "error", "critical"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(ColumnDef::new(Events::Position).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Events::Id).uuid().not_null().unique_key())
                    .col(uuid_ref(Events::OrganizationId))
                    .col(ColumnDef::new(Events::Txid).big_integer().not_null().default(0))
                    .col(ColumnDef::new(Events::ProjectId).uuid().null())
                    .col(ColumnDef::new(Events::TaskId).uuid().null())
                    .col(ColumnDef::new(Events::WorkspaceId).uuid().null())
                    .col(ColumnDef::new(Events::SessionId).uuid().null())
                    .col(ColumnDef::new(Events::Source).string_len(100).not_null())
                    .col(ColumnDef::new(Events::EventType).string_len(100).not_null())
                    .col(status(Events::Severity, &SEVERITIES, "info"))
                    .col(ColumnDef::new(Events::CorrelationId).string_len(200).null())
                    .col(ColumnDef::new(Events::TraceId).string_len(32).null())
                    .col(ColumnDef::new(Events::Actor).string_len(255).null())
                    .col(json(Events::Payload, "{}"))
                    .col(ColumnDef::new(Events::IdempotencyKey).string_len(200).null())
                    .col(ColumnDef::new(Events::OccurredAt).timestamp_with_time_zone().not_null())
                    .col(timestamp_now(Events::RecordedAt))
                    .foreign_key(&mut cascade_fk(
                        Events::Table,
                        Events::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // The cursor: what lists, replays and live feeds walk.
        let cursor = [Events::OrganizationId, Events::Txid, Events::Position];
        manager.create_index(index("idx_org_events_cursor", Events::Table, cursor)).await?;
        // A repeated idempotency key returns the stored event (NULL keys never collide).
        let idempotency = [Events::OrganizationId, Events::Source, Events::IdempotencyKey];
        manager
            .create_index(index("idx_org_events_idempotency", Events::Table, idempotency).unique().to_owned())
            .await?;
        manager.create_index(index("idx_org_events_task", Events::Table, [Events::TaskId, Events::Position])).await?;
        manager
            .create_index(index("idx_org_events_project", Events::Table, [Events::ProjectId, Events::Position]))
            .await?;
        // Retention walks an organization's events of one type, oldest first.
        let retention = [Events::OrganizationId, Events::EventType, Events::RecordedAt];
        manager.create_index(index("idx_org_events_retention", Events::Table, retention)).await?;

        manager
            .create_table(
                Table::create()
                    .table(EventTypes::Table)
                    .col(id(EventTypes::Id))
                    .col(uuid_ref(EventTypes::OrganizationId))
                    .col(ColumnDef::new(EventTypes::Name).string_len(100).not_null())
                    .col(ColumnDef::new(EventTypes::Description).text().null())
                    .col(ColumnDef::new(EventTypes::PayloadSchema).json_binary().null())
                    .col(
                        ColumnDef::new(EventTypes::RetentionDays)
                            .integer()
                            .null()
                            .check(Expr::col(EventTypes::RetentionDays).gte(1)),
                    )
                    .col(timestamp_now(EventTypes::CreatedAt))
                    .col(timestamp_now(EventTypes::UpdatedAt))
                    .foreign_key(&mut cascade_fk(
                        EventTypes::Table,
                        EventTypes::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let name = [EventTypes::OrganizationId, EventTypes::Name];
        manager.create_index(index("idx_event_types_name", EventTypes::Table, name).unique().to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(EventTypes::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Events::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone)]
enum Events {
    Table,
    Position,
    Id,
    OrganizationId,
    Txid,
    ProjectId,
    TaskId,
    WorkspaceId,
    SessionId,
    Source,
    EventType,
    Severity,
    CorrelationId,
    TraceId,
    Actor,
    Payload,
    IdempotencyKey,
    OccurredAt,
    RecordedAt,
}

#[derive(DeriveIden)]
enum EventTypes {
    Table,
    Id,
    OrganizationId,
    Name,
    Description,
    PayloadSchema,
    RetentionDays,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

//! `audit_log`: every write through the API, written in the same transaction as the change.

use crate::columns::{id, index, json, status, timestamp_now};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(id(AuditLog::Id))
                    .col(ColumnDef::new(AuditLog::EntityType).string_len(50).not_null())
                    .col(ColumnDef::new(AuditLog::EntityId).uuid().not_null())
                    .col(status(AuditLog::Action, &["create", "update", "delete"], "update"))
                    .col(json(AuditLog::Changes, "{}"))
                    .col(ColumnDef::new(AuditLog::Actor).string_len(255).null())
                    .col(ColumnDef::new(AuditLog::RequestId).string_len(100).null())
                    .col(timestamp_now(AuditLog::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_audit_entity", AuditLog::Table, [AuditLog::EntityId, AuditLog::Id])).await?;
        manager.create_index(index("idx_audit_type", AuditLog::Table, [AuditLog::EntityType, AuditLog::Id])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditLog::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone)]
enum AuditLog {
    Table,
    Id,
    EntityType,
    EntityId,
    Action,
    Changes,
    Actor,
    RequestId,
    CreatedAt,
}

//! `event_log_horizons`: per organization, the place in the event log up to which retention has
//! deleted events, so that a reader resuming from before it is told that events were pruned.

use crate::columns::{cascade_fk, timestamp_now};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventLogHorizons::Table)
                    .col(ColumnDef::new(EventLogHorizons::OrganizationId).uuid().not_null().primary_key())
                    .col(ColumnDef::new(EventLogHorizons::Txid).big_integer().not_null())
                    .col(ColumnDef::new(EventLogHorizons::Position).big_integer().not_null())
                    .col(timestamp_now(EventLogHorizons::PrunedAt))
                    .foreign_key(&mut cascade_fk(
                        EventLogHorizons::Table,
                        EventLogHorizons::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(EventLogHorizons::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum EventLogHorizons {
    Table,
    OrganizationId,
    Txid,
    Position,
    PrunedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

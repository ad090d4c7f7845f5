//! Outbound webhooks: `webhooks` (an organization's subscriptions to its event log, each with its own
//! cursor in the log), `webhook_outbox` (one row per event to deliver to a webhook: attempts so far, when
//! to try next, delivered or parked as failed) and `webhook_deliveries` (the log of every attempt and what came of it).

use crate::columns::{cascade_fk, id, index, json, status, timestamp_now, timestamp_null, uuid_ref};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(id(Webhooks::Id))
                    .col(uuid_ref(Webhooks::OrganizationId))
                    .col(ColumnDef::new(Webhooks::Url).text().not_null())
                    .col(ColumnDef::new(Webhooks::SealedSecret).text().not_null())
                    .col(json(Webhooks::EventTypes, "[]"))
                    .col(json(Webhooks::Sources, "[]"))
                    .col(ColumnDef::new(Webhooks::ProjectId).uuid().null())
                    .col(ColumnDef::new(Webhooks::Active).boolean().not_null().default(true))
                    .col(ColumnDef::new(Webhooks::CursorTxid).big_integer().not_null())
                    .col(ColumnDef::new(Webhooks::CursorPosition).big_integer().not_null())
                    .col(timestamp_now(Webhooks::CreatedAt))
                    .col(timestamp_now(Webhooks::UpdatedAt))
                    .foreign_key(&mut cascade_fk(
                        Webhooks::Table,
                        Webhooks::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_webhooks_organization", Webhooks::Table, [Webhooks::OrganizationId])).await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookOutbox::Table)
                    .col(id(WebhookOutbox::Id))
                    .col(uuid_ref(WebhookOutbox::WebhookId))
                    .col(uuid_ref(WebhookOutbox::EventId))
                    .col(status(WebhookOutbox::Status, &["pending", "delivered", "failed"], "pending"))
                    .col(ColumnDef::new(WebhookOutbox::Attempts).integer().not_null().default(0))
                    .col(timestamp_now(WebhookOutbox::NextAttemptAt))
                    .col(timestamp_now(WebhookOutbox::CreatedAt))
                    .foreign_key(&mut cascade_fk(
                        WebhookOutbox::Table,
                        WebhookOutbox::WebhookId,
                        Webhooks::Table,
                        Webhooks::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let one = [WebhookOutbox::WebhookId, WebhookOutbox::EventId];
        manager.create_index(index("idx_webhook_outbox_event", WebhookOutbox::Table, one).unique().to_owned()).await?;
        let due = [WebhookOutbox::Status, WebhookOutbox::NextAttemptAt];
        manager.create_index(index("idx_webhook_outbox_due", WebhookOutbox::Table, due)).await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(id(WebhookDeliveries::Id))
                    .col(uuid_ref(WebhookDeliveries::WebhookId))
                    .col(uuid_ref(WebhookDeliveries::EventId))
                    .col(ColumnDef::new(WebhookDeliveries::Attempt).integer().not_null())
                    .col(ColumnDef::new(WebhookDeliveries::StatusCode).integer().null())
                    .col(ColumnDef::new(WebhookDeliveries::Error).text().null())
                    .col(ColumnDef::new(WebhookDeliveries::DurationMs).big_integer().not_null())
                    .col(status(WebhookDeliveries::Outcome, &["delivered", "retrying", "failed"], "retrying"))
                    .col(timestamp_null(WebhookDeliveries::NextAttemptAt))
                    .col(timestamp_null(WebhookDeliveries::DeliveredAt))
                    .col(timestamp_now(WebhookDeliveries::CreatedAt))
                    .foreign_key(&mut cascade_fk(
                        WebhookDeliveries::Table,
                        WebhookDeliveries::WebhookId,
                        Webhooks::Table,
                        Webhooks::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let log = [WebhookDeliveries::WebhookId, WebhookDeliveries::Id];
        manager.create_index(index("idx_webhook_deliveries_webhook", WebhookDeliveries::Table, log)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in
            [WebhookDeliveries::Table.into_iden(), WebhookOutbox::Table.into_iden(), Webhooks::Table.into_iden()]
        {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    OrganizationId,
    Url,
    SealedSecret,
    EventTypes,
    Sources,
    ProjectId,
    Active,
    CursorTxid,
    CursorPosition,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum WebhookOutbox {
    Table,
    Id,
    WebhookId,
    EventId,
    Status,
    Attempts,
    NextAttemptAt,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    EventId,
    Attempt,
    StatusCode,
    Error,
    DurationMs,
    Outcome,
    NextAttemptAt,
    DeliveredAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

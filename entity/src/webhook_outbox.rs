//! `webhook_outbox`: an event waiting to reach a webhook, or one that did (or was given up on).

use sea_orm::entity::prelude::*;

/// Where a queued delivery stands.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
pub enum OutboxStatus {
    /// Waiting for its next attempt.
    #[default]
    #[sea_orm(string_value = "pending")]
    Pending,
    /// Answered with a 2xx status.
    #[sea_orm(string_value = "delivered")]
    Delivered,
    /// Out of attempts: parked until redelivered by hand.
    #[sea_orm(string_value = "failed")]
    Failed,
}

/// One queued delivery.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_outbox")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The webhook.
    pub webhook_id: Uuid,
    /// The event to deliver.
    pub event_id: Uuid,
    /// Where it stands.
    pub status: OutboxStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due (also: until when an attempt in flight holds it).
    pub next_attempt_at: DateTimeUtc,
    /// When queued.
    pub created_at: DateTimeUtc,
}

/// Relations of a queued delivery.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `webhook_deliveries`: the log of every attempt to deliver an event to a webhook.

use sea_orm::entity::prelude::*;

/// What came of an attempt.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
pub enum Outcome {
    /// The endpoint answered 2xx.
    #[default]
    #[sea_orm(string_value = "delivered")]
    Delivered,
    /// It failed; another attempt is scheduled (`next_attempt_at`).
    #[sea_orm(string_value = "retrying")]
    Retrying,
    /// It failed and was the last attempt: the delivery is parked until redelivered.
    #[sea_orm(string_value = "failed")]
    Failed,
}

/// One attempt.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    /// Server-generated UUIDv7 (attempts sort by it).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The webhook.
    pub webhook_id: Uuid,
    /// The event delivered.
    pub event_id: Uuid,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: i32,
    /// The HTTP status the endpoint answered, if it answered.
    pub status_code: Option<i32>,
    /// What went wrong (a connection error, a timeout, a non-2xx status).
    pub error: Option<String>,
    /// How long the attempt took, in milliseconds.
    pub duration_ms: i64,
    /// What came of it.
    pub outcome: Outcome,
    /// When the next attempt is due, after a failed attempt that is not the last.
    pub next_attempt_at: Option<DateTimeUtc>,
    /// When it succeeded (2xx); none for a failed attempt.
    pub delivered_at: Option<DateTimeUtc>,
    /// When the attempt was made.
    pub created_at: DateTimeUtc,
}

/// Relations of an attempt.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

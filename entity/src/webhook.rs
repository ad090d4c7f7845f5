//! `webhooks`: an organization's subscription of an HTTP endpoint to its event log.

use sea_orm::entity::prelude::*;

/// One webhook.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization.
    pub organization_id: Uuid,
    /// Where deliveries are POSTed (`http` or `https`).
    pub url: String,
    /// The signing secret sealed with the server's secrets key.
    pub sealed_secret: String,
    /// Event types delivered (JSON array of strings); empty: all.
    pub event_types: Json,
    /// Sources delivered (JSON array of strings); empty: all.
    pub sources: Json,
    /// Only events of this project, when set.
    pub project_id: Option<Uuid>,
    /// Whether new events are queued for it.
    pub active: bool,
    /// The log cursor up to which events were queued: transaction id.
    pub cursor_txid: i64,
    /// The log cursor up to which events were queued: position.
    pub cursor_position: i64,
    /// When created.
    pub created_at: DateTimeUtc,
    /// When last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a webhook.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

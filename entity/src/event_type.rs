//! `event_types`: an organization's registered event types.

use sea_orm::entity::prelude::*;

/// A registered event type.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "event_types")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization.
    pub organization_id: Uuid,
    /// The type's name, e.g. `deployment.finished`; unique per organization.
    pub name: String,
    /// What the type means.
    pub description: Option<String>,
    /// JSON Schema that payloads of this type must match; none: any object.
    pub payload_schema: Option<Json>,
    /// Days events of this type are kept; none: the default (90).
    pub retention_days: Option<i32>,
    /// When registered.
    pub created_at: DateTimeUtc,
    /// When last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of an event type.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `api_keys`: bearer tokens of an organization, a person's (with `user_id`) or a service's (without).
//! Only the SHA-256 of the secret is kept; `prefix` finds the key and names it in listings.

use sea_orm::entity::prelude::*;

use crate::membership::Role;

/// One row of `api_keys`.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization the key acts in (cascade delete).
    pub organization_id: Uuid,
    /// The person the key belongs to; `None` for a service key (an agent, CI).
    pub user_id: Option<Uuid>,
    /// Label given at creation.
    pub name: String,
    /// The role the key acts with (a person's key never above the person's membership).
    pub role: Role,
    /// Public start of the token (`dkt_` and 8 characters), unique; shown in listings.
    pub prefix: String,
    /// Hex SHA-256 of the whole token. Never serialized.
    #[serde(skip)]
    pub secret_hash: String,
    /// When the key was created.
    pub created_at: DateTimeUtc,
    /// When the key last authenticated a request (updated at most once a minute).
    pub last_used_at: Option<DateTimeUtc>,
    /// When the key stops working, if ever.
    pub expires_at: Option<DateTimeUtc>,
    /// When the key was revoked, if it was.
    pub revoked_at: Option<DateTimeUtc>,
}

/// Relations of an API key.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

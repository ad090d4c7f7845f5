//! `inbound_hook_secrets`: the sealed secret that signs an organization's inbound hooks of a source.

use sea_orm::entity::prelude::*;

/// One source's inbound secret.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "inbound_hook_secrets")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization.
    pub organization_id: Uuid,
    /// The source, e.g. `github`.
    pub source: String,
    /// The secret sealed with the server's secrets key (`v1.<base64 nonce and ciphertext>`).
    pub sealed_secret: String,
    /// When first set.
    pub created_at: DateTimeUtc,
    /// When last set.
    pub updated_at: DateTimeUtc,
}

/// Relations of a secret.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `organizations`: the top-level tenant. Every workspace and project belongs to one.

use sea_orm::entity::prelude::*;

/// One row of `organizations`.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique display name.
    pub name: String,
    /// Unique URL-safe form of the name; the built-in organization's is `default`.
    pub slug: String,
    /// Free-form settings object.
    pub settings: Json,
    /// When the organization was created.
    pub created_at: DateTimeUtc,
    /// When it last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of an organization.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

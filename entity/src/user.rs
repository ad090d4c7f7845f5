//! `users`: people, who belong to organizations through memberships.

use sea_orm::entity::prelude::*;

/// One row of `users`.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Email address, stored lower-cased: unique regardless of case.
    pub email: String,
    /// Display name.
    pub name: String,
    /// When the user was created.
    pub created_at: DateTimeUtc,
    /// When the user last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a user.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

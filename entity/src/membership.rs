//! `memberships`: a user's role in an organization, one per pair; and the roles themselves.

use sea_orm::entity::prelude::*;

/// What a principal may do in its organization; each role may do what the ones below it may.
#[derive(
    Default, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, serde::Serialize,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
pub enum Role {
    /// Reads and subscribes.
    #[default]
    #[sea_orm(string_value = "viewer")]
    Viewer,
    /// Also writes work items (workspaces, sessions, todos, projects, tasks, executions, pull requests).
    #[sea_orm(string_value = "member")]
    Member,
    /// Also manages API keys, users and memberships.
    #[sea_orm(string_value = "admin")]
    Admin,
    /// Also renames the organization and changes its settings.
    #[sea_orm(string_value = "owner")]
    Owner,
}

/// One row of `memberships`.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "memberships")]
pub struct Model {
    /// The organization (cascade delete).
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: Uuid,
    /// The user (cascade delete).
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// The user's role in the organization.
    pub role: Role,
    /// When the user joined.
    pub created_at: DateTimeUtc,
    /// When the role last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a membership.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `workspaces`: a source tree that documentation sessions work on.

use sea_orm::entity::prelude::*;

/// One row of `workspaces`.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "workspaces")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization the row belongs to (cascade delete).
    pub organization_id: Uuid,
    /// Display name, at most 255 characters.
    pub name: String,
    /// Filesystem path or URL of the tree; unique within the organization.
    pub path: String,
    /// Free-form configuration object.
    pub config: Json,
    /// When the row was inserted.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
    /// The project the workspace belongs to, if any.
    pub project_id: Option<Uuid>,
}

/// Relations of a workspace.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The workspace's documentation sessions.
    #[sea_orm(has_many = "super::documentation_session::Entity")]
    DocumentationSessions,
}

impl Related<super::documentation_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DocumentationSessions.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

//! `projects`: a code base whose work Docket tracks.

use sea_orm::entity::prelude::*;

/// One row of `projects`.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization the row belongs to (cascade delete).
    pub organization_id: Uuid,
    /// Name, unique within the organization, at most 255 characters.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Repository URL, at most 500 characters.
    pub repository_url: Option<String>,
    /// Repository name, e.g. `owner/repo`.
    pub repository_name: Option<String>,
    /// Default branch (`main` unless set).
    pub default_branch: String,
    /// Free-form settings object.
    pub settings: Json,
    /// When the row was inserted.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a project.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The project's tasks.
    #[sea_orm(has_many = "super::task::Entity")]
    Tasks,
}

impl Related<super::task::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tasks.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

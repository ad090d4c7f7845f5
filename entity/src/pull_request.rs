//! `pull_requests`: a project's pull requests and their validation results.

use sea_orm::entity::prelude::*;

/// Where a pull request stands.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
pub enum PullRequestStatus {
    /// Not ready for review.
    #[default]
    #[sea_orm(string_value = "draft")]
    Draft,
    /// Open for review.
    #[sea_orm(string_value = "open")]
    Open,
    /// Merged.
    #[sea_orm(string_value = "merged")]
    Merged,
    /// Closed without merging.
    #[sea_orm(string_value = "closed")]
    Closed,
    /// Has merge conflicts.
    #[sea_orm(string_value = "conflict")]
    Conflict,
}

/// One row of `pull_requests`.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "pull_requests")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The project (cascade delete).
    pub project_id: Uuid,
    /// Number in the repository, once it has one.
    pub number: Option<i32>,
    /// Repository URL.
    pub repository_url: String,
    /// Source branch.
    pub branch: String,
    /// Title.
    pub title: String,
    /// Where it stands.
    pub status: PullRequestStatus,
    /// Validation results: `{"checks": [{"name": ..., "status": "passed|failed|pending"}]}` or `{"status": ...}`.
    pub validation_results: Json,
    /// When it was merged.
    pub merged_at: Option<DateTimeUtc>,
    /// When the row was inserted.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
}

/// Relations of a pull request.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The project it belongs to.
    #[sea_orm(
        belongs_to = "super::project::Entity",
        from = "Column::ProjectId",
        to = "super::project::Column::Id",
        on_delete = "Cascade"
    )]
    Project,
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

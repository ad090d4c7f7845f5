//! `task_definitions`: an organization's reusable, versioned task templates.

use sea_orm::entity::prelude::*;

/// One version of a definition: `(organization, name, version)` is unique.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "task_definitions")]
pub struct Model {
    /// Server-generated UUIDv7 (one per version).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization it belongs to.
    pub organization_id: Uuid,
    /// Name, shared by its versions.
    pub name: String,
    /// 1 for the first version, then the next number on each update.
    pub version: i32,
    /// Free text.
    pub description: Option<String>,
    /// JSON Schema that a task's input must match.
    pub input_schema: Json,
    /// What a task made from it gets: `title` and `description` (Handlebars templates over the input),
    /// `priority`, `tags`, `estimatedHours`, `acceptanceCriteria`.
    pub defaults: Json,
    /// `cpu` and `memory` (Kubernetes quantities), `timeoutSeconds`.
    pub resources: Json,
    /// Temporal's RetryPolicy: `maxAttempts`, `initialIntervalMs`, `backoffCoefficient`,
    /// `maxIntervalMs`, `nonRetryableErrorTypes`.
    pub retry_policy: Json,
    /// When this version was made.
    pub created_at: DateTimeUtc,
}

/// Relations of a definition.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owning organization.
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Cascade"
    )]
    Organization,
}

impl ActiveModelBehavior for ActiveModel {}

//! `audit_log`: who changed what, when, through which request.

use sea_orm::entity::prelude::*;

/// Kind of write.
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
pub enum AuditAction {
    /// A record was created.
    #[default]
    #[sea_orm(string_value = "create")]
    Create,
    /// A record was changed.
    #[sea_orm(string_value = "update")]
    Update,
    /// A record was deleted.
    #[sea_orm(string_value = "delete")]
    Delete,
}

/// One audit entry.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Server-generated UUIDv7 (entries sort by it).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Kind of record, e.g. `task`.
    pub entity_type: String,
    /// The record's id.
    pub entity_id: Uuid,
    /// Kind of write.
    pub action: AuditAction,
    /// Changed fields: `{"field": {"old": ..., "new": ...}}`.
    pub changes: Json,
    /// The organization the write happened in.
    pub organization_id: Uuid,
    /// Who, as a person reads it: the authenticated principal (`user alice@acme.dev`, `api key ci
    /// (dkt_ab12cd34)`, `anonymous`, `system docket-cli`).
    pub actor: Option<String>,
    /// The authenticated principal as `kind:id` (`user:<uuid>`, `api_key:<uuid>`, `anonymous`,
    /// `system:<name>`); `None` on entries written before authentication existed.
    pub principal: Option<String>,
    /// Whom the client said it acted for (`X-Docket-Actor`): an annotation, never trusted.
    pub on_behalf_of: Option<String>,
    /// The request's id.
    pub request_id: Option<String>,
    /// When.
    pub created_at: DateTimeUtc,
}

/// Relations of an audit entry.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! `AuditEntry` and `ImportReport`.

use async_graphql::{Enum, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::audit_log;
use serde_json::Value;

use crate::{
    graphql::to_id,
    work::{import, schema::project::Project},
};

/// Kind of write recorded in the audit log.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entity::audit_log::AuditAction")]
pub enum AuditAction {
    /// A record was created.
    Create,
    /// A record was changed.
    Update,
    /// A record was deleted.
    Delete,
}

/// The GraphQL object of an audit row (described on its `impl`).
pub struct AuditEntry(pub audit_log::Model);

/// Answered field by field: no plain fields are mapped (see `graphql::connection::PlainFields`).
impl crate::graphql::connection::PlainFields for AuditEntry {}

/// One write through the API: what changed, who changed it, through which request.
#[Object]
impl AuditEntry {
    /// Server-generated id; entries sort by it.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Kind of record: `project`, `task`, `task_dependency`, ...
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// Id of the record (for `task_dependency`, the dependent task).
    async fn entity_id(&self) -> ID {
        to_id(self.0.entity_id)
    }
    /// Kind of write.
    async fn action(&self) -> AuditAction {
        self.0.action.into()
    }
    /// The changed fields: `{"field": {"old": ..., "new": ...}}`.
    async fn changes(&self) -> Json<&Value> {
        Json(&self.0.changes)
    }
    /// Who, authenticated, as a person reads it: `user alice@acme.dev (key dkt_ab12cd34)`,
    /// `api key ci (dkt_ab12cd34)`, `anonymous`, `system docket-cli`.
    async fn actor(&self) -> Option<&str> {
        self.0.actor.as_deref()
    }
    /// The authenticated principal as `kind:id`: `user:<id>`, `api_key:<id>`, `anonymous`,
    /// `system:<name>`; `null` on entries older than authentication.
    async fn principal(&self) -> Option<&str> {
        self.0.principal.as_deref()
    }
    /// Whom the client said it acted for (the `X-Docket-Actor` header): an annotation beside the
    /// principal, never trusted as one.
    async fn on_behalf_of(&self) -> Option<&str> {
        self.0.on_behalf_of.as_deref()
    }
    /// The request's id (`X-Request-Id`).
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// What an import did to one tag (or would do, in a dry run).
#[derive(SimpleObject)]
pub struct TagImportReport {
    /// The tag.
    pub tag: String,
    /// Task Master ids of the tasks created.
    pub created: Vec<String>,
    /// Task Master ids of the tasks updated.
    pub updated: Vec<String>,
    /// How many tasks were already as the document says.
    pub unchanged: u64,
    /// `BLOCKS` dependencies added.
    pub dependencies_added: u64,
    /// `BLOCKS` dependencies removed (between imported tasks, no longer in the document).
    pub dependencies_removed: u64,
}

/// Something an import left out or renumbered, and where.
#[derive(SimpleObject)]
pub struct ImportWarning {
    /// Where: tag, task, subtask.
    pub location: String,
    /// What was left out, and why.
    pub message: String,
}

/// What an import did (or would do, in a dry run).
#[derive(SimpleObject)]
pub struct ImportReport {
    /// The project imported into.
    pub project: Project,
    /// `true` when nothing was written.
    pub dry_run: bool,
    /// Per tag, in document order.
    pub tags: Vec<TagImportReport>,
    /// What was left out (dangling or cyclic dependencies) or renumbered.
    pub warnings: Vec<ImportWarning>,
}

impl From<import::ImportReport> for ImportReport {
    fn from(report: import::ImportReport) -> Self {
        Self {
            project: Project(report.project),
            dry_run: report.dry_run,
            tags: report
                .tags
                .into_iter()
                .map(|t| TagImportReport {
                    tag: t.tag,
                    created: t.created,
                    updated: t.updated,
                    unchanged: t.unchanged,
                    dependencies_added: t.dependencies_added,
                    dependencies_removed: t.dependencies_removed,
                })
                .collect(),
            warnings: report
                .warnings
                .into_iter()
                .map(|w| ImportWarning { location: w.location, message: w.message })
                .collect(),
        }
    }
}

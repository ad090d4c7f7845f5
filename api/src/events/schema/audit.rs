//! `AuditEntry` and `ImportReport`.

use async_graphql::{Enum, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::audit_log;
use serde_json::Value;

use crate::{
    graphql::{
        object::{object, plain_enums},
        to_id,
    },
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

plain_enums!(AuditAction);

object! {
    /// One write through the API: what changed, who changed it, through which request.
    #[Object]
    impl AuditEntry(audit_log::Model) |m| {
        /// Server-generated id; entries sort by it.
        id: ID = to_id(m.id),
        /// Kind of record: `project`, `task`, `task_dependency`, ...
        entity_type: &str = &m.entity_type,
        /// Id of the record (for `task_dependency`, the dependent task).
        entity_id: ID = to_id(m.entity_id),
        /// Kind of write.
        action: AuditAction = m.action.into(),
        /// The changed fields: `{"field": {"old": ..., "new": ...}}`.
        changes: Json<&Value> = Json(&m.changes),
        /// Who, authenticated, as a person reads it: `user alice@acme.dev (key dkt_ab12cd34)`,
        /// `api key ci (dkt_ab12cd34)`, `anonymous`, `system docket-cli`.
        actor: Option<&str> = m.actor.as_deref(),
        /// The authenticated principal as `kind:id`: `user:<id>`, `api_key:<id>`, `anonymous`,
        /// `system:<name>`; `null` on entries older than authentication.
        principal: Option<&str> = m.principal.as_deref(),
        /// Whom the client said it acted for (the `X-Docket-Actor` header): an annotation beside the
        /// principal, never trusted as one.
        on_behalf_of: Option<&str> = m.on_behalf_of.as_deref(),
        /// The request's id (`X-Request-Id`).
        request_id: Option<&str> = m.request_id.as_deref(),
        /// When.
        created_at: DateTime<Utc> = m.created_at,
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

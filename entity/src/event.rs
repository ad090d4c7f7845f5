//! `events`: the organization's event log, everything that happens, in commit order.

use sea_orm::entity::prelude::*;

/// How much an event matters, lowest first (ordered, so `severity >= warning` is meaningful).
#[derive(
    Default,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(50))")]
pub enum Severity {
    /// Detail for debugging.
    #[default]
    #[sea_orm(string_value = "debug")]
    Debug,
    /// Something happened as expected.
    #[sea_orm(string_value = "info")]
    Info,
    /// Something may need attention.
    #[sea_orm(string_value = "warning")]
    Warning,
    /// Something failed.
    #[sea_orm(string_value = "error")]
    Error,
    /// Something failed and needs attention now.
    #[sea_orm(string_value = "critical")]
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Self; 5] = [Self::Debug, Self::Info, Self::Warning, Self::Error, Self::Critical];
}

/// One event of the log.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "events")]
pub struct Model {
    /// Insertion counter (a sequence on PostgreSQL); with `txid`, the event's place in the log.
    #[sea_orm(primary_key)]
    pub position: i64,
    /// Server-generated UUIDv7.
    pub id: Uuid,
    /// The organization the event belongs to.
    pub organization_id: Uuid,
    /// The writing transaction's id on PostgreSQL (`pg_current_xact_id()`), 0 on SQLite.
    pub txid: i64,
    /// The project it concerns.
    pub project_id: Option<Uuid>,
    /// The task it concerns.
    pub task_id: Option<Uuid>,
    /// The workflow it concerns.
    pub workflow_id: Option<Uuid>,
    /// The workspace it concerns.
    pub workspace_id: Option<Uuid>,
    /// The documentation session it concerns.
    pub session_id: Option<Uuid>,
    /// The kind of record it is about (`workspace`, `todo`, `webhook`, ...), for Docket's own events.
    pub subject_type: Option<String>,
    /// The id of the record it is about.
    pub subject_id: Option<Uuid>,
    /// Where it comes from: `docket`, `agent`, `github`, or a client-chosen name.
    pub source: String,
    /// What happened, e.g. `task.transitioned`.
    pub event_type: String,
    /// How much it matters.
    pub severity: Severity,
    /// Groups events of one piece of work across systems.
    pub correlation_id: Option<String>,
    /// W3C trace-context trace id, 32 lowercase hex digits.
    pub trace_id: Option<String>,
    /// Who caused it, as the audit log names principals.
    pub actor: Option<String>,
    /// What the source said.
    pub payload: Json,
    /// A client's key: a repeated key (per organization and source) returns this event.
    pub idempotency_key: Option<String>,
    /// When it happened, as the source says.
    pub occurred_at: DateTimeUtc,
    /// When Docket stored it.
    pub recorded_at: DateTimeUtc,
}

/// Relations of an event (none enforced: the log outlives what it mentions).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

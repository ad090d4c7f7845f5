//! `Event`, the organization's event log entry, with its filter and `recordEvent`'s input and payload.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{event, project, task};
use serde_json::Value;

use crate::{
    error::ApiResult,
    events::log::{EventCursor, EventFilter as LogFilter, record::RecordEvent},
    graphql::{
        object::{object, plain_enums},
        parse_id,
        prefetch::{Level, Prefetch, field},
        relations::by_id,
        to_id,
    },
    work::schema::{project::Project, task::Task, task_filter::DateTimeComparator},
};

/// How much an event matters, lowest first.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entity::event::Severity")]
pub enum EventSeverity {
    /// Detail for debugging.
    Debug,
    /// Something happened as expected.
    Info,
    /// Something may need attention.
    Warning,
    /// Something failed.
    Error,
    /// Something failed and needs attention now.
    Critical,
}

impl Prefetch for Event {
    type Row = event::Model;
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        level.by_id::<project::Entity, Project>(&field!(Self, project), |e| e.project_id);
        level.by_id::<task::Entity, Task>(&field!(Self, task), |e| e.task_id);
    }
}

plain_enums!(EventSeverity);

object! {
    /// Something that happened in the organization: a change Docket made (source `docket`: `task.created`,
    /// `task.transitioned`, `task.dependency_added`, `execution.finished`, `pull_request.merged`, ...), an
    /// event a client recorded (`recordEvent`), or one a hook received (`github`, ...). Events are kept in
    /// commit order; `cursor` is their place in it.
    #[Object]
    impl Event(event::Model) |m| {
        /// Server-generated id (a UUIDv7).
        id: ID = to_id(m.id),
        /// The event's place in the log, opaque: pass it as `after` to `events` (query or subscription)
        /// to continue after this event.
        cursor: String = EventCursor::of(m).encode(),
        /// Where it comes from: `docket`, `agent`, `github`, or a client's name.
        source: &str = &m.source,
        /// How much it matters.
        severity: EventSeverity = m.severity.into(),
        /// Groups events of one piece of work across systems.
        correlation_id: Option<&str> = m.correlation_id.as_deref(),
        /// W3C trace-context trace id (32 lowercase hex digits).
        trace_id: Option<&str> = m.trace_id.as_deref(),
        /// The client's deduplication key, if it gave one.
        idempotency_key: Option<&str> = m.idempotency_key.as_deref(),
        /// What the source said; for Docket's own events, ids and the change (`{"from", "to"}` for
        /// `task.transitioned`).
        payload: Json<&Value> = Json(&m.payload),
        /// When it happened, as the source says.
        occurred_at: DateTime<Utc> = m.occurred_at,
        /// When Docket stored it.
        recorded_at: DateTime<Utc> = m.recorded_at,
        /// Id of the project it concerns (kept after the project is deleted).
        project_id: Option<ID> = m.project_id.map(to_id),
        /// Id of the task it concerns (kept after the task is deleted).
        task_id: Option<ID> = m.task_id.map(to_id),
        /// Id of the workflow it concerns: the workflow's own events and its tasks' (kept after the
        /// workflow is deleted).
        workflow_id: Option<ID> = m.workflow_id.map(to_id),
        /// Id of the workspace it concerns (kept after the workspace is deleted).
        workspace_id: Option<ID> = m.workspace_id.map(to_id),
        /// Id of the documentation session it concerns (kept after the session is deleted).
        session_id: Option<ID> = m.session_id.map(to_id),
        /// The kind of record a Docket event is about: the first half of its type (`workspace` for
        /// `workspace.created`, `todo`, `member`, `webhook`, ...); `null` for other sources' events.
        subject_type: Option<&str> = m.subject_type.as_deref(),
        /// The id of the record a Docket event is about (for a dependency or a link, the dependent task or
        /// todo's; for a member, the user's); `null` for other sources' events.
        subject_id: Option<ID> = m.subject_id.map(to_id),
        /// Who caused it, as `kind:id` (`user:<id>`, `api_key:<id>`, `anonymous`, `system:<name>`).
        actor: Option<&str> = m.actor.as_deref(),
    }
    resolvers {
        /// What happened, e.g. `task.transitioned`.
        #[graphql(name = "type")]
        async fn event_type(&self) -> &str {
            &self.0.event_type
        }
        /// The project it concerns, as it is now; `null` when none or deleted.
        async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
            let Some(id) = self.0.project_id else { return Ok(None) };
            Ok(by_id::<project::Entity, Project>(ctx, id).await?.map(Project))
        }
        /// The task it concerns, as it is now; `null` when none or deleted.
        async fn task(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Task>> {
            let Some(id) = self.0.task_id else { return Ok(None) };
            Ok(by_id::<task::Entity, Task>(ctx, id).await?.map(Task))
        }
    }
}

/// Compares a name with a list.
#[derive(InputObject, Default)]
pub struct NameInComparator {
    /// One of.
    #[graphql(name = "in")]
    pub in_: Option<Vec<String>>,
}

/// Compares a severity.
#[derive(InputObject, Default)]
pub struct SeverityComparator {
    /// At least as severe as.
    pub gte: Option<EventSeverity>,
}

/// Which events to list or deliver; every given condition must hold.
#[derive(InputObject, Default)]
pub struct EventFilter {
    /// Only events of this project.
    pub project_id: Option<ID>,
    /// Only events of this task.
    pub task_id: Option<ID>,
    /// Only events of this workflow: its own (`workflow.*`, `workflow_phase.*`) and its tasks'.
    pub workflow_id: Option<ID>,
    /// Only events from these sources.
    pub source: Option<NameInComparator>,
    /// Only events of these types.
    #[graphql(name = "type")]
    pub event_type: Option<NameInComparator>,
    /// Only events at least this severe.
    pub severity: Option<SeverityComparator>,
    /// Only events of this correlation id.
    pub correlation_id: Option<String>,
    /// Only events that occurred in this range.
    pub occurred_at: Option<DateTimeComparator>,
}

impl EventFilter {
    /// The service's filter. Errors: `BAD_USER_INPUT` (a malformed id).
    pub fn into_service(self) -> ApiResult<LogFilter> {
        let (occurred_from, occurred_before) = self.occurred_at.map(|c| (c.gte, c.lt)).unwrap_or_default();
        Ok(LogFilter {
            project_id: self.project_id.map(|id| parse_id("filter.projectId", &id)).transpose()?,
            task_id: self.task_id.map(|id| parse_id("filter.taskId", &id)).transpose()?,
            workflow_id: self.workflow_id.map(|id| parse_id("filter.workflowId", &id)).transpose()?,
            sources: self.source.and_then(|c| c.in_),
            types: self.event_type.and_then(|c| c.in_),
            min_severity: self.severity.and_then(|c| c.gte).map(Into::into),
            correlation_id: self.correlation_id,
            occurred_from,
            occurred_before,
        })
    }
}

/// Input of `recordEvent`.
#[derive(InputObject)]
pub struct RecordEventInput {
    /// The project it concerns.
    pub project_id: Option<ID>,
    /// The task it concerns (its project is implied; if `projectId` is given too, they must agree).
    pub task_id: Option<ID>,
    /// Where it comes from: 1 to 100 of `a-z 0-9 . _ -`, e.g. `agent`, `ci`, `deployment`. `docket` is
    /// reserved for Docket's own events.
    pub source: String,
    /// What happened, 1 to 100 characters without spaces, e.g. `deployment.finished`. If the type is
    /// registered with a payload schema (`createEventType`), the payload must match it.
    #[graphql(name = "type")]
    pub event_type: String,
    /// How much it matters; `INFO` when omitted.
    pub severity: Option<EventSeverity>,
    /// Groups events of one piece of work, up to 200 characters.
    pub correlation_id: Option<String>,
    /// A W3C trace id (32 hex digits) or a whole `traceparent` value
    /// (<https://www.w3.org/TR/trace-context/#traceparent-header>); the trace id is kept.
    pub trace_id: Option<String>,
    /// Up to 200 characters, unique per organization and source: recording again with a key already
    /// used returns the stored event (`replayed: true`) and stores nothing.
    pub idempotency_key: Option<String>,
    /// When it happened; now when omitted.
    pub occurred_at: Option<DateTime<Utc>>,
    /// What happened, a JSON object; `{}` when omitted.
    pub payload: Option<Json<Value>>,
}

impl RecordEventInput {
    /// The service's input. Errors: `BAD_USER_INPUT` (a malformed id).
    pub fn into_service(self) -> ApiResult<RecordEvent> {
        Ok(RecordEvent {
            project_id: self.project_id.map(|id| parse_id("projectId", &id)).transpose()?,
            task_id: self.task_id.map(|id| parse_id("taskId", &id)).transpose()?,
            source: self.source,
            event_type: self.event_type,
            severity: self.severity.map(Into::into),
            correlation_id: self.correlation_id,
            trace_id: self.trace_id,
            idempotency_key: self.idempotency_key,
            occurred_at: self.occurred_at,
            payload: self.payload.map(|j| j.0),
        })
    }
}

/// Result of `recordEvent`.
#[derive(SimpleObject)]
pub struct RecordEventPayload {
    /// The stored event.
    pub event: Event,
    /// `true` when the idempotency key was used before: `event` is the one stored then.
    pub replayed: bool,
}

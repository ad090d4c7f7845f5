//! `recordEvent`: a client's event, checked, deduplicated by its idempotency key and appended.

use chrono::{DateTime, Utc};
use entity::event::{self, Severity};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    events::{
        event_type,
        log::{DOCKET_SOURCE, NewEvent, append},
    },
    service::{Ctx, Resource, Role, Scope, require_object, require_text, tenant},
    work::{project, task},
};

/// A client's event as given.
#[derive(Clone, Debug, Default)]
pub struct RecordEvent {
    /// The project it concerns.
    pub project_id: Option<Uuid>,
    /// The task it concerns (its project is implied).
    pub task_id: Option<Uuid>,
    /// Where it comes from: 1 to 100 of `a-z 0-9 . _ -`, not `docket`.
    pub source: String,
    /// What happened: 1 to 100 characters without spaces.
    pub event_type: String,
    /// How much it matters (`info` when absent).
    pub severity: Option<Severity>,
    /// Groups events of one piece of work, up to 200 characters.
    pub correlation_id: Option<String>,
    /// A W3C trace id (32 hex digits) or a whole `traceparent` header value.
    pub trace_id: Option<String>,
    /// Deduplication key, up to 200 characters, unique per organization and source.
    pub idempotency_key: Option<String>,
    /// When it happened (now when absent).
    pub occurred_at: Option<DateTime<Utc>>,
    /// What happened, as an object (`{}` when absent).
    pub payload: Option<Value>,
}

/// What `record` did.
#[derive(Debug)]
pub struct Recorded {
    /// The stored event.
    pub event: event::Model,
    /// `true` when the idempotency key was known and the stored event came back unchanged.
    pub replayed: bool,
}

/// Records a client's event in its own transaction, with its audit entry; a known idempotency key
/// returns the event stored under it and writes nothing.
///
/// Errors: `FORBIDDEN` (below member), `BAD_USER_INPUT` (a malformed source, type, trace id or payload;
/// a payload that does not match its registered type's JSON Schema, naming the path; a task outside the
/// given project), `NOT_FOUND` (project or task).
#[tracing::instrument(skip_all, fields(source = %input.source, event_type = %input.event_type))]
pub async fn record(cx: Ctx<'_>, input: RecordEvent) -> ApiResult<Recorded> {
    cx.viewer().require(Role::Member)?;
    let scope = cx.scope();
    let new = check(cx.reads, scope, input).await?;
    let mut tx = cx.begin(Role::Member).await?;
    let actor = tx.viewer().principal_ref();
    let written = append(&tx, scope.organization_id, &actor, std::slice::from_ref(&new), true).await?;
    let Some(event) = written.into_iter().next() else {
        // The key is taken: by an earlier request, or by one that committed while this one waited.
        tx.rollback().await?;
        let key = new.idempotency_key.as_deref().unwrap_or_default();
        let event = by_key(cx.reads, scope, &new.source, key)
            .await?
            .ok_or_else(|| ApiError::Conflict("an event with this idempotency key is being recorded; retry".into()))?;
        return Ok(Recorded { event, replayed: true });
    };
    tx.record(Resource::LogEvent, event.id, None, Some(&event)).await?;
    tx.wake_log();
    tx.commit().await?;
    Ok(Recorded { event, replayed: false })
}

/// Validates `input` into the event to append.
async fn check(db: &impl ConnectionTrait, scope: Scope, input: RecordEvent) -> ApiResult<NewEvent> {
    check_source(&input.source)?;
    require_text("type", &input.event_type, 100)?;
    if input.event_type.chars().any(char::is_whitespace) {
        return Err(ApiError::bad_input("`type` must not contain spaces"));
    }
    for (field, value) in [("correlationId", &input.correlation_id), ("idempotencyKey", &input.idempotency_key)] {
        if let Some(value) = value {
            require_text(field, value, 200)?;
        }
    }
    let trace_id = input.trace_id.as_deref().map(trace_id).transpose()?;
    let payload = input.payload.unwrap_or_else(|| json!({}));
    require_object("payload", &payload)?;
    event_type::validate_payload(db, scope, &input.event_type, &payload).await?;
    let mut project_id = input.project_id;
    if let Some(id) = project_id {
        project::get(db, scope, id).await?;
    }
    if let Some(id) = input.task_id {
        let task = task::get(db, scope, id).await?;
        if project_id.is_some_and(|p| p != task.project_id) {
            return Err(ApiError::bad_input("`taskId` belongs to another project than `projectId`"));
        }
        project_id = Some(task.project_id);
    }
    Ok(NewEvent {
        source: input.source,
        event_type: input.event_type,
        severity: input.severity.unwrap_or(Severity::Info),
        project_id,
        task_id: input.task_id,
        workflow_id: None,
        workspace_id: None,
        session_id: None,
        subject: None,
        correlation_id: input.correlation_id,
        trace_id,
        idempotency_key: input.idempotency_key,
        occurred_at: input.occurred_at.unwrap_or_else(Utc::now),
        payload,
    })
}

/// A source is a short lowercase name; `docket` is Docket's own.
pub fn check_source(source: &str) -> ApiResult<()> {
    let valid = !source.is_empty()
        && source.len() <= 100
        && source.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if !valid {
        return Err(ApiError::bad_input("`source` must be 1 to 100 of a-z, 0-9, `.`, `_` and `-`"));
    }
    if source == DOCKET_SOURCE {
        return Err(ApiError::bad_input("the source `docket` is reserved for Docket's own events"));
    }
    Ok(())
}

/// The trace id of a W3C trace-context value: 32 hex digits, or a `traceparent`
/// (`00-<trace id>-<parent id>-<flags>`, <https://www.w3.org/TR/trace-context/#traceparent-header>).
/// An all-zero trace id is invalid per the spec. Errors: `BAD_USER_INPUT`.
pub fn trace_id(value: &str) -> ApiResult<String> {
    let hex = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_hexdigit());
    let parts: Vec<&str> = value.trim().split('-').collect();
    let id = match parts.as_slice() {
        [id] => *id,
        [version, id, parent, flags] if hex(version, 2) && *version != "ff" && hex(parent, 16) && hex(flags, 2) => *id,
        _ => "",
    };
    if !hex(id, 32) || id.chars().all(|c| c == '0') {
        return Err(ApiError::bad_input("`traceId` must be a W3C trace id (32 hex digits) or a traceparent value"));
    }
    Ok(id.to_ascii_lowercase())
}

/// The organization's event of `source` stored under idempotency `key`, if any.
pub async fn by_key(
    db: &impl ConnectionTrait,
    scope: Scope,
    source: &str,
    key: &str,
) -> ApiResult<Option<event::Model>> {
    Ok(tenant::scoped::<event::Entity>(scope)
        .filter(event::Column::Source.eq(source))
        .filter(event::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_are_read_from_both_w3c_forms_and_nonsense_is_refused() {
        let id = "4BF92F3577B34DA6A3CE929D0E0E4736";
        assert_eq!(trace_id(id).unwrap(), id.to_ascii_lowercase());
        let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(trace_id(parent).unwrap(), "4bf92f3577b34da6a3ce929d0e0e4736");
        for bad in
            ["", "xyz", "00000000000000000000000000000000", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"]
        {
            assert!(trace_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sources_are_short_lowercase_names_and_docket_is_reserved() {
        assert!(check_source("github").is_ok());
        assert!(check_source("ci.deploy-2").is_ok());
        for bad in ["", "GitHub", "has space", "docket"] {
            assert!(check_source(bad).is_err(), "{bad}");
        }
    }
}

//! The worker actions on todos: claim under a lease, renew, complete, fail, skip, and the release of
//! lapsed leases, with their events.
//!
//! A lease belongs to its claimer: a claim records who claimed (`claimed_by`) and hands the worker a
//! fresh random `lease_token`; renewing, completing and failing require it. A worker whose lease
//! lapsed, and whose todo has since been released or claimed again, holds a stale token: its calls are
//! `CONFLICT` and change nothing.

use chrono::{Duration, Utc};
use entity::session_todo::{self, TodoStatus};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbBackend, EntityName, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    QueryTrait,
    sea_query::{LockBehavior, LockType},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{Ctx, Resource, Role, Tx, require_text, sql::Sql, tenant},
    sessions::{
        event::{self, NewSessionEvent, types},
        session,
        todo::{get, status_name},
    },
};

/// A new lease token: 128 random bits, hex.
fn lease_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// `CONFLICT` for a worker whose lease is gone.
fn lease_lost() -> ApiError {
    ApiError::Conflict("this lease has ended: the todo was released or claimed again since; claim another todo".into())
}

/// Lease given by `claim_next` when the caller names none, in seconds.
pub const DEFAULT_LEASE_SECONDS: i64 = 300;
/// Longest lease accepted, in seconds (one day).
pub const MAX_LEASE_SECONDS: i64 = 86_400;
/// Claims the most urgent pending todo of a session whose dependencies are all completed: marks it
/// `in_progress`, counts the attempt, leases it for `lease_seconds` (default 300) to the viewer and
/// hands out a fresh `lease_token` (in the returned row), which renewing, completing and failing need.
/// Returns `None` when nothing is ready. Lapsed leases of the session are released first. On
/// PostgreSQL the pick uses `FOR UPDATE SKIP LOCKED`, so concurrent workers never take the same todo
/// nor wait on each other. Errors: `FORBIDDEN`, `NOT_FOUND` (session), `BAD_USER_INPUT` (finished
/// session, bad lease).
#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn claim_next(
    cx: Ctx<'_>,
    session_id: Uuid,
    lease_seconds: Option<i64>,
) -> ApiResult<Option<session_todo::Model>> {
    let lease_seconds = check_lease(lease_seconds)?;
    let mut tx = cx.begin(Role::Member).await?;
    session::require_open(&session::get(&tx, cx.scope(), session_id).await?)?;
    release_lapsed_in(&mut tx, Some(session_id)).await?;
    let backend = tx.get_database_backend();
    let now = Utc::now();
    let mut sql = Sql::new(
        "UPDATE session_todos SET status = 'in_progress', attempts = attempts + 1, error = NULL, started_at = ",
    );
    sql.bind(now).push(", lease_expires_at = ").bind(now + Duration::seconds(lease_seconds));
    sql.push(", lease_token = ").bind(lease_token()).push(", claimed_by = ").bind(cx.viewer().actor());
    sql.push(", updated_at = ").bind(now);
    sql.push(
        " WHERE id = (SELECT t.id FROM session_todos t WHERE t.status = 'pending' AND NOT EXISTS \
         (SELECT 1 FROM session_todo_dependencies d JOIN session_todos dt ON dt.id = d.depends_on_id \
         WHERE d.todo_id = t.id AND dt.status <> 'completed') AND t.session_id = ",
    );
    sql.bind(session_id).push(" ORDER BY t.priority DESC, t.id ASC LIMIT 1");
    if backend == DbBackend::Postgres {
        sql.push(" FOR UPDATE SKIP LOCKED");
    }
    sql.push(") RETURNING *");
    let Some(todo) = session_todo::Model::find_by_statement(sql.build(backend)).one(&tx).await? else {
        // Leases released above are worth keeping even when nothing is ready.
        tx.commit().await?;
        return Ok(None);
    };
    let changes = json!({
        "status": { "old": "pending", "new": "in_progress" },
        "attempts": { "old": todo.attempts - 1, "new": todo.attempts },
        "lease_expires_at": { "old": null, "new": todo.lease_expires_at },
        "claimed_by": { "new": todo.claimed_by },
    });
    let payload =
        json!({ "attempt": todo.attempts, "leaseExpiresAt": todo.lease_expires_at, "claimedBy": todo.claimed_by });
    tx.record_change(Resource::Todo, todo.id, "claimed", changes).await?.session(session_id).payload(payload);
    session::mark_in_progress(&mut tx, session_id).await?;
    event::append(
        &tx,
        session_id,
        NewSessionEvent::system(
            types::TODO_CLAIMED,
            json!({ "todoId": todo.id, "filePath": todo.file_path, "attempt": todo.attempts, "leaseExpiresAt": todo.lease_expires_at, "claimedBy": todo.claimed_by }),
        ),
    )
    .await?;
    tx.wake(session_id);
    tx.commit().await?;
    tracing::info!(todo_id = %todo.id, attempt = todo.attempts, "todo claimed");
    Ok(Some(todo))
}

fn check_lease(lease_seconds: Option<i64>) -> ApiResult<i64> {
    let lease_seconds = lease_seconds.unwrap_or(DEFAULT_LEASE_SECONDS);
    if !(1..=MAX_LEASE_SECONDS).contains(&lease_seconds) {
        return Err(ApiError::bad_input(format!("`leaseSeconds` must be between 1 and {MAX_LEASE_SECONDS}")));
    }
    Ok(lease_seconds)
}

/// Extends the lease of todo `id` to `lease_seconds` (default 300) from now, for the holder of
/// `token`; also works on a lapsed lease as long as nobody has claimed the todo since. Audited; appends
/// no event (a heartbeat is not a state change). Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`
/// (bad lease), `CONFLICT` (the token is stale: the lease ended and nothing changed).
#[tracing::instrument(skip_all, fields(todo_id = %id))]
pub async fn renew_lease(
    cx: Ctx<'_>,
    id: Uuid,
    token: &str,
    lease_seconds: Option<i64>,
) -> ApiResult<session_todo::Model> {
    let lease_seconds = check_lease(lease_seconds)?;
    let mut tx = cx.begin(Role::Member).await?;
    let todo = get(&tx, cx.scope(), id).await?;
    let backend = tx.get_database_backend();
    let now = Utc::now();
    let mut sql = Sql::new("UPDATE session_todos SET lease_expires_at = ");
    sql.bind(now + Duration::seconds(lease_seconds)).push(", updated_at = ").bind(now);
    sql.push(" WHERE status = 'in_progress' AND id = ").bind(id).push(" AND lease_token = ").bind(token.to_owned());
    sql.push(" RETURNING *");
    let Some(renewed) = session_todo::Model::find_by_statement(sql.build(backend)).one(&tx).await? else {
        return Err(lease_lost());
    };
    let changes = json!({ "lease_expires_at": { "new": renewed.lease_expires_at } });
    let payload = json!({ "leaseExpiresAt": renewed.lease_expires_at });
    tx.record_change(Resource::Todo, id, "lease_renewed", changes).await?.session(todo.session_id).payload(payload);
    tx.commit().await?;
    Ok(renewed)
}

/// Returns every `in_progress` todo of the viewer's organization whose lease has lapsed (of one
/// session, or all) to `pending`, or to `failed` when out of attempts, with a `todo.lease_expired`
/// event each. Returns how many.
#[tracing::instrument(skip_all)]
pub async fn release_lapsed(cx: Ctx<'_>, session_id: Option<Uuid>) -> ApiResult<u64> {
    let mut tx = cx.begin(Role::Member).await?;
    let released = release_lapsed_in(&mut tx, session_id).await?;
    tx.commit().await?;
    Ok(released)
}

/// [`release_lapsed`] in `tx` (which wakes the sessions at commit); returns how many were released.
async fn release_lapsed_in(tx: &mut Tx<'_>, session_id: Option<Uuid>) -> ApiResult<u64> {
    let backend = tx.get_database_backend();
    let now = Utc::now();
    let mut sql = Sql::new(
        "UPDATE session_todos SET status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'pending' END, \
         completed_at = CASE WHEN attempts >= max_attempts THEN ",
    );
    sql.bind(now)
        .push(" ELSE NULL END, error = 'lease expired', lease_expires_at = NULL, lease_token = NULL, updated_at = ");
    sql.bind(now);
    let mut lapsed = tenant::scoped::<session_todo::Entity>(tx.viewer().scope())
        .filter(session_todo::Column::Status.eq(TodoStatus::InProgress))
        .filter(session_todo::Column::LeaseExpiresAt.lt(now))
        .select_only()
        .column(session_todo::Column::Id);
    if let Some(session_id) = session_id {
        lapsed = lapsed.filter(session_todo::Column::SessionId.eq(session_id));
    }
    let mut lapsed = lapsed.into_query();
    if backend == DbBackend::Postgres {
        // Another process releasing the same leases skips these rows instead of waiting for them.
        lapsed.lock_with_tables_behavior(
            LockType::Update,
            [session_todo::Entity.table_ref()],
            LockBehavior::SkipLocked,
        );
    }
    sql.push(" WHERE id IN (").push_query(&lapsed, backend).push(") RETURNING *");
    let released = session_todo::Model::find_by_statement(sql.build(backend)).all(&*tx).await?;
    for todo in &released {
        let changes = json!({ "status": { "old": "in_progress", "new": status_name(todo.status) } });
        let payload = json!({ "attempts": todo.attempts, "status": status_name(todo.status) });
        tx.record_change(Resource::Todo, todo.id, "lease_expired", changes)
            .await?
            .session(todo.session_id)
            .payload(payload);
        event::append(
            &*tx,
            todo.session_id,
            NewSessionEvent::system(
                types::TODO_LEASE_EXPIRED,
                json!({ "todoId": todo.id, "attempts": todo.attempts, "status": status_name(todo.status) }),
            ),
        )
        .await?;
        tx.wake(todo.session_id);
    }
    Ok(released.len() as u64)
}

/// What a worker reports about a todo it holds.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The work is done: `completed`.
    Complete,
    /// The work failed with this error: back to `pending` while attempts remain, else `failed`.
    Fail(String),
    /// The todo will not be done: `skipped` (also allowed from `pending`).
    Skip,
}

/// Records a worker's outcome for todo `id` and appends the matching event. Completing and failing
/// need the claim's `token`; skipping takes it when given (and refuses a stale one).
/// Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT` (the todo is not in a state the outcome applies
/// to), `CONFLICT` (a stale lease token, or the status changed meanwhile).
#[tracing::instrument(skip_all, fields(todo_id = %id))]
pub async fn finish(cx: Ctx<'_>, id: Uuid, outcome: Outcome, token: Option<&str>) -> ApiResult<session_todo::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    match token {
        Some(token) if current.status != TodoStatus::InProgress || current.lease_token.as_deref() != Some(token) => {
            return Err(lease_lost());
        }
        None if !matches!(outcome, Outcome::Skip) => {
            return Err(ApiError::bad_input("`leaseToken` is required: pass the one `claimNextTodo` returned"));
        }
        _ => {}
    }
    let allowed: &[TodoStatus] = match outcome {
        Outcome::Complete | Outcome::Fail(_) => &[TodoStatus::InProgress],
        Outcome::Skip => &[TodoStatus::Pending, TodoStatus::InProgress],
    };
    if !allowed.contains(&current.status) {
        return Err(ApiError::bad_input(format!(
            "the todo is `{}`; this action needs it {}",
            status_name(current.status),
            allowed.iter().map(|s| format!("`{}`", status_name(*s))).collect::<Vec<_>>().join(" or ")
        )));
    }
    let now = Utc::now();
    let (status, error, event_type, data) = match &outcome {
        Outcome::Complete => (TodoStatus::Completed, current.error.clone(), types::TODO_COMPLETED, json!({})),
        Outcome::Fail(error) => {
            require_text("error", error, 10_000)?;
            let retry = current.attempts < current.max_attempts;
            let status = if retry { TodoStatus::Pending } else { TodoStatus::Failed };
            let data = json!({ "attempts": current.attempts, "maxAttempts": current.max_attempts, "willRetry": retry });
            (status, Some(error.clone()), types::TODO_FAILED, data)
        }
        Outcome::Skip => (TodoStatus::Skipped, current.error.clone(), types::TODO_SKIPPED, json!({})),
    };
    let mut update = session_todo::Entity::update_many()
        .set(session_todo::ActiveModel {
            status: Set(status),
            error: Set(error.clone()),
            lease_expires_at: Set(None),
            lease_token: Set(None),
            completed_at: Set(status.is_terminal().then_some(now)),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(session_todo::Column::Id.eq(id))
        .filter(session_todo::Column::Status.eq(status_name(current.status)));
    if current.status == TodoStatus::InProgress {
        // Only the lease read above: a claim in between changes the token.
        update = update.filter(session_todo::Column::LeaseToken.eq(current.lease_token.clone()));
    }
    if update.exec(&tx).await?.rows_affected == 0 {
        return Err(ApiError::Conflict("the todo's status changed meanwhile; read it again".into()));
    }
    let mut data = data;
    data["todoId"] = json!(id);
    data["filePath"] = json!(current.file_path);
    data["status"] = json!(status_name(status));
    let error_text = if let Outcome::Fail(_) = outcome { error } else { None };
    let todo = get(&tx, cx.scope(), id).await?;
    // The log's event has the session event's type: `todo.completed`, `todo.failed`, `todo.skipped`.
    let verb = event_type.strip_prefix("todo.").unwrap_or(event_type);
    tx.record(Resource::Todo, id, Some(&current), Some(&todo))
        .await?
        .verb(verb)
        .session(current.session_id)
        .payload(data.clone());
    event::append(&tx, current.session_id, NewSessionEvent::system(event_type, data).with_error(error_text)).await?;
    tx.wake(current.session_id);
    tx.commit().await?;
    tracing::info!(status = %status_name(todo.status), "todo finished");
    Ok(todo)
}

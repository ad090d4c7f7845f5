//! The organization's event log: everything that happens, stored in the writer's transaction and
//! read in commit order, without gaps, by lists, subscriptions and outbound webhooks.
//!
//! **Order.** Each event has a position (a sequence: taking one never waits for another writer) and,
//! on PostgreSQL, the id of the transaction that wrote it (`pg_current_xact_id()`). Readers walk
//! `(txid, position)` and only below `pg_snapshot_xmin(pg_current_snapshot())`, the oldest
//! transaction still in flight: every transaction below it has ended, so nothing can ever appear
//! before a cursor a reader already holds, and an event committed late by a slow transaction is read
//! when that transaction ends, never skipped. This is the transactional-outbox technique; it orders
//! events by transaction, and all events of one transaction together. On SQLite, which has one writer,
//! the position alone is commit order (`txid` is 0).
//!
//! **Wake-up.** After commit the unit of work wakes the local feed and, on PostgreSQL, has the process's
//! notifier send `pg_notify('docket_log', <organization>)` to the others (coalesced, outside the
//! writer's transaction: `crate::bus`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::event::{self, Severity};
use sea_orm::{
    ConnectionTrait, DbBackend, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Select,
    sea_query::{Expr, ExprTrait},
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    error::ApiResult,
    service::{Scope, new_id, sql::Sql, tenant},
};

mod cursor;
mod filter;
pub mod record;

pub use crate::events::log::cursor::EventCursor;
pub use crate::events::log::filter::EventFilter;

tenant::tenanted!(event, entity::event::Column::OrganizationId);

/// PostgreSQL channel on which a commit that wrote events names their organization.
pub const NOTIFY_CHANNEL: &str = "docket_log";

/// The source of Docket's own events; clients may not use it.
pub const DOCKET_SOURCE: &str = "docket";

/// How long a list (or a subscription starting "from now on") waits, at most, for transactions in
/// flight that hold back events it would show. The oldest transaction in flight is the cluster's, so a
/// long transaction anywhere on the PostgreSQL server holds events back; after this wait the list shows
/// what is readable and says `hasNextPage`.
const HELD_BACK_WAIT: Duration = Duration::from_secs(3);

/// The first pause while waiting for held-back events; each pause doubles, up to 200 ms.
const FIRST_PAUSE: Duration = Duration::from_millis(5);

/// An event to append.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    /// Where it comes from.
    pub source: String,
    /// What happened, e.g. `task.created`.
    pub event_type: String,
    /// How much it matters.
    pub severity: Severity,
    /// The project it concerns.
    pub project_id: Option<Uuid>,
    /// The task it concerns.
    pub task_id: Option<Uuid>,
    /// The workflow it concerns.
    pub workflow_id: Option<Uuid>,
    /// The workspace it concerns.
    pub workspace_id: Option<Uuid>,
    /// The session it concerns.
    pub session_id: Option<Uuid>,
    /// The record it is about: its kind (`workspace`, `todo`, ...: [`crate::service::Resource::event_name`]) and id.
    pub subject: Option<(&'static str, Uuid)>,
    /// Groups events of one piece of work.
    pub correlation_id: Option<String>,
    /// W3C trace id, 32 lowercase hex digits.
    pub trace_id: Option<String>,
    /// A client's deduplication key.
    pub idempotency_key: Option<String>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// What the source said (an object).
    pub payload: Value,
}

impl NewEvent {
    /// An event of Docket's own, of `event_type`, happening now, with an empty payload.
    pub fn docket(event_type: &str) -> Self {
        Self {
            source: DOCKET_SOURCE.to_owned(),
            event_type: event_type.to_owned(),
            severity: Severity::Info,
            project_id: None,
            task_id: None,
            workflow_id: None,
            workspace_id: None,
            session_id: None,
            subject: None,
            correlation_id: None,
            trace_id: None,
            idempotency_key: None,
            occurred_at: Utc::now(),
            payload: json!({}),
        }
    }

    /// About project `id`.
    pub fn project(mut self, id: Uuid) -> Self {
        self.project_id = Some(id);
        self
    }

    /// About task `id` of project `project_id`.
    pub fn task(mut self, project_id: Uuid, id: Uuid) -> Self {
        self.project_id = Some(project_id);
        self.task_id = Some(id);
        self
    }

    /// About workflow `id` too, when there is one.
    pub fn workflow(mut self, id: Option<Uuid>) -> Self {
        self.workflow_id = id;
        self
    }

    /// With `payload`.
    pub fn payload(mut self, payload: Value) -> Self {
        self.payload = payload;
        self
    }

    /// With `severity`.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// Docket's own event types that writes name themselves; the others are `resource.verb` of
/// [`crate::service::Resource`] (README lists them all).
pub mod types {
    /// A task was created.
    pub const TASK_CREATED: &str = "task.created";
    /// A task was deleted.
    pub const TASK_DELETED: &str = "task.deleted";
    /// A dependency was added to a task (`dependsOnTaskId`, `kind`).
    pub const TASK_DEPENDENCY_ADDED: &str = "task.dependency_added";
    /// A dependency was removed from a task (`dependsOnTaskId`, `kind`).
    pub const TASK_DEPENDENCY_REMOVED: &str = "task.dependency_removed";
    /// An agent started an execution of a task (`executionId`, `agent`).
    pub const EXECUTION_STARTED: &str = "execution.started";
    /// An execution ended (`executionId`, `status`).
    pub const EXECUTION_FINISHED: &str = "execution.finished";
    /// A task's fields changed, not its status.
    pub const TASK_UPDATED: &str = "task.updated";
    /// A task's status changed (`from`, `to`).
    pub const TASK_TRANSITIONED: &str = "task.transitioned";
    /// A pull request was recorded.
    pub const PULL_REQUEST_CREATED: &str = "pull_request.created";
    /// A pull request's fields changed.
    pub const PULL_REQUEST_UPDATED: &str = "pull_request.updated";
    /// A pull request was merged.
    pub const PULL_REQUEST_MERGED: &str = "pull_request.merged";
    /// A pull request was closed without merging.
    pub const PULL_REQUEST_CLOSED: &str = "pull_request.closed";
    /// Not stored: tells a subscriber resuming from an old cursor that retention deleted events
    /// after it (`prunedThrough`: the last deleted place).
    pub const LOG_PRUNED: &str = "log.pruned";
    /// A pull request was deleted.
    pub const PULL_REQUEST_DELETED: &str = "pull_request.deleted";
    /// A pull request was linked to a task.
    pub const PULL_REQUEST_LINKED: &str = "pull_request.linked";
    /// A pull request was unlinked from a task.
    pub const PULL_REQUEST_UNLINKED: &str = "pull_request.unlinked";
}

/// Appends `events` for `organization_id` in `txn`, as `actor`, in as few statements as possible.
/// With `idempotent`, an event whose (source, idempotency key) is stored already is not written again;
/// the rows written come back (all of them, without `idempotent`).
pub async fn append(
    txn: &impl ConnectionTrait,
    organization_id: Uuid,
    actor: &str,
    events: &[NewEvent],
    idempotent: bool,
) -> ApiResult<Vec<event::Model>> {
    let backend = txn.get_database_backend();
    let postgres = backend == DbBackend::Postgres;
    let now = Utc::now();
    let mut written = Vec::with_capacity(events.len());
    // 20 values per row; PostgreSQL takes at most 65,535 per statement.
    for chunk in events.chunks(500) {
        let mut sql = Sql::new(
            "INSERT INTO events (id, organization_id, txid, project_id, task_id, workflow_id, workspace_id, session_id, \
             subject_type, subject_id, source, event_type, severity, correlation_id, trace_id, actor, payload, \
             idempotency_key, occurred_at, recorded_at) VALUES ",
        );
        for (i, e) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(new_id()).push(", ").bind(organization_id).push(", ");
            sql.push(if postgres { "pg_current_xact_id()::text::bigint" } else { "0" });
            for id in [e.project_id, e.task_id, e.workflow_id, e.workspace_id, e.session_id] {
                sql.push(", ").bind(id);
            }
            sql.push(", ")
                .bind(e.subject.map(|(kind, _)| kind.to_owned()))
                .push(", ")
                .bind(e.subject.map(|(_, id)| id));
            sql.push(", ").bind(e.source.clone()).push(", ").bind(e.event_type.clone());
            sql.push(", ").bind(sea_orm::ActiveEnum::to_value(&e.severity));
            sql.push(", ").bind(e.correlation_id.clone()).push(", ").bind(e.trace_id.clone());
            sql.push(", ").bind(actor.to_owned()).push(", ").bind(e.payload.clone());
            sql.push(", ").bind(e.idempotency_key.clone()).push(", ").bind(e.occurred_at).push(", ").bind(now);
            sql.push(")");
        }
        if idempotent {
            sql.push(" ON CONFLICT (organization_id, source, idempotency_key) DO NOTHING");
        }
        sql.push(" RETURNING *");
        for row in txn.query_all_raw(sql.build(backend)).await? {
            written.push(event::Model::from_query_result(&row, "")?);
        }
    }
    Ok(written)
}

/// What the log holds past a cursor right now.
#[derive(Debug, Default)]
pub struct Batch {
    /// Events readable now, in order.
    pub events: Vec<event::Model>,
    /// Whether committed events past them wait for an older transaction still in flight
    /// (PostgreSQL): read again soon.
    pub held_back: bool,
}

/// Up to `limit` events of the organization after `after` under `filter`, in log order, and whether
/// more wait behind a transaction in flight.
pub async fn read_after(
    db: &impl ConnectionTrait,
    scope: Scope,
    after: EventCursor,
    filter: &EventFilter,
    limit: u64,
) -> ApiResult<Batch> {
    let backend = db.get_database_backend();
    let select = tenant::scoped::<event::Entity>(scope)
        .expr_as(readable(backend), "readable")
        .filter(
            Expr::tuple([col(event::Column::Txid), col(event::Column::Position)])
                .gt(Expr::tuple([Expr::val(after.txid), Expr::val(after.position)])),
        )
        .filter(filter.condition())
        .order_by_asc(event::Column::Txid)
        .order_by_asc(event::Column::Position)
        .limit(limit);
    let mut batch = Batch::default();
    for row in db.query_all_raw(backend.build(&select.into_query())).await? {
        if !row.try_get::<bool>("", "readable")? {
            // Rows are in (txid, position) order: everything from here on waits for an older transaction.
            batch.held_back = true;
            break;
        }
        batch.events.push(event::Model::from_query_result(&row, "")?);
    }
    Ok(batch)
}

/// One page of the organization's events after `after` under `filter` (`first` of them, and whether
/// more follow). Waits up to a second for transactions in flight that hold back events the page
/// would show, so that a client reads what it has just written.
pub async fn page(
    db: &impl ConnectionTrait,
    scope: Scope,
    filter: &EventFilter,
    after: Option<EventCursor>,
    first: u64,
) -> ApiResult<(Vec<event::Model>, bool)> {
    let after = after.unwrap_or(EventCursor::START);
    let mut wait = FIRST_PAUSE;
    let mut waited = Duration::ZERO;
    loop {
        let mut batch = read_after(db, scope, after, filter, first + 1).await?;
        if !batch.held_back || batch.events.len() as u64 > first || waited >= HELD_BACK_WAIT {
            let more = batch.events.len() as u64 > first || batch.held_back;
            batch.events.truncate(first as usize);
            return Ok((batch.events, more));
        }
        tokio::time::sleep(wait).await;
        waited += wait;
        wait = (wait * 2).min(Duration::from_millis(200));
    }
}

/// How many of the organization's stored events match `filter`, whether or not a transaction in flight
/// still holds them back from pages (a count needs no order).
pub async fn count(db: &impl ConnectionTrait, scope: Scope, filter: &EventFilter) -> ApiResult<i64> {
    Ok(tenant::scoped::<event::Entity>(scope).filter(filter.condition()).count(db).await? as i64)
}

/// The cursor of the organization's last readable event ([`EventCursor::START`] when none): a
/// subscriber "from now on" starts after it.
pub async fn head(db: &impl ConnectionTrait, scope: Scope) -> ApiResult<EventCursor> {
    let backend = db.get_database_backend();
    let mut last = last_event(scope);
    if backend == DbBackend::Postgres {
        last = last.filter(readable(backend));
    }
    Ok(match last.into_tuple::<(i64, i64)>().one(db).await? {
        Some((txid, position)) => EventCursor { txid, position },
        None => EventCursor::START,
    })
}

/// `events.txid < <the oldest transaction in flight>` on PostgreSQL: the event's transaction and every
/// older one have ended, so nothing can still appear before it. Always true on SQLite, whose writers
/// take turns.
fn readable(backend: DbBackend) -> Expr {
    if backend == DbBackend::Postgres {
        col(event::Column::Txid).lt(Expr::cust("pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
    } else {
        Expr::val(true)
    }
}

/// The organization's last event's cursor (`txid`, `position`), as a select of at most one row.
fn last_event(scope: Scope) -> Select<event::Entity> {
    tenant::scoped::<event::Entity>(scope)
        .select_only()
        .column(event::Column::Txid)
        .column(event::Column::Position)
        .order_by_desc(event::Column::Txid)
        .order_by_desc(event::Column::Position)
        .limit(1)
}

fn col(column: event::Column) -> Expr {
    Expr::col((event::Entity, column))
}

/// Where "from now on" starts: after every event stored now. While the last stored events are still
/// held back by a transaction in flight (PostgreSQL), waits for them up to a few seconds, then settles
/// for [`head`] (the held-back events then reach the reader as new ones).
pub async fn settled_head(db: &impl ConnectionTrait, scope: Scope) -> ApiResult<EventCursor> {
    let last = last_event(scope).expr_as(readable(db.get_database_backend()), "readable");
    let statement = db.get_database_backend().build(&last.into_query());
    let mut wait = FIRST_PAUSE;
    let mut waited = Duration::ZERO;
    loop {
        let Some(row) = db.query_one_raw(statement.clone()).await? else { return Ok(EventCursor::START) };
        if row.try_get::<bool>("", "readable")? {
            return Ok(EventCursor { txid: row.try_get("", "txid")?, position: row.try_get("", "position")? });
        }
        if waited >= HELD_BACK_WAIT {
            return head(db, scope).await;
        }
        tokio::time::sleep(wait).await;
        waited += wait;
        wait = (wait * 2).min(Duration::from_millis(200));
    }
}

/// Refuses a filter naming a project, task or workflow the organization does not have (a
/// subscription to them could never deliver anything). Errors: `NOT_FOUND`.
pub async fn check_filter(db: &impl ConnectionTrait, scope: Scope, filter: &EventFilter) -> ApiResult<()> {
    if let Some(id) = filter.project_id {
        crate::work::project::get(db, scope, id).await?;
    }
    if let Some(id) = filter.task_id {
        crate::work::task::get(db, scope, id).await?;
    }
    if let Some(id) = filter.workflow_id {
        crate::workflows::workflow::get(db, scope, id).await?;
    }
    Ok(())
}

/// The organization's event `id`, if any.
pub async fn get(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> ApiResult<Option<event::Model>> {
    crate::service::tenant::row::<event::Entity>(db, scope, id).await
}

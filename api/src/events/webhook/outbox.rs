//! The webhooks' outbox: events move from the log into it (with the webhook's cursor, in one
//! transaction), attempts claim due rows under a lease (so that a process that dies mid-attempt only
//! delays the delivery until the lease ends), and every attempt is logged.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{
    event, webhook,
    webhook_delivery::{self, Outcome},
    webhook_outbox::{self, OutboxStatus},
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, TransactionTrait,
};
use uuid::Uuid;

use crate::{
    error::ApiResult,
    events::log::{self as event_log, EventCursor, EventFilter},
    service::{Resource, Scope, new_id, resource::Action, sql::Sql},
};

/// Events read from the log per webhook and round.
const ENQUEUE_BATCH: u64 = 200;

/// The filter a webhook's settings make.
pub fn filter_of(hook: &webhook::Model) -> EventFilter {
    let list = |value: &serde_json::Value| -> Option<Vec<String>> {
        let items: Vec<String> = value.as_array()?.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
        (!items.is_empty()).then_some(items)
    };
    EventFilter {
        project_id: hook.project_id,
        types: list(&hook.event_types),
        sources: list(&hook.sources),
        ..EventFilter::default()
    }
}

/// What one round of [`enqueue`] did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Enqueued {
    /// Deliveries queued.
    pub queued: usize,
    /// Whether some webhook has more to read now (a full batch, or events held back by a transaction
    /// still in flight): run again soon.
    pub more: bool,
}

/// Moves every active webhook's new events (past its cursor, readable, matching its filter) into its
/// outbox and advances the cursor, one transaction per webhook; a webhook another process is
/// enqueueing right now is skipped (`SKIP LOCKED`).
pub async fn enqueue(db: &DatabaseConnection) -> ApiResult<Enqueued> {
    let hooks = webhook::Entity::find().all(db).await?;
    let webhook_created = Resource::Webhook.event_type(Resource::Webhook.verb(Action::Created));
    let mut round = Enqueued::default();
    for hook in hooks.into_iter().filter(|h| h.active) {
        let txn = db.begin().await?;
        let backend = txn.get_database_backend();
        let mut lock = Sql::new("SELECT * FROM webhooks WHERE id = ");
        lock.bind(hook.id);
        if backend == DbBackend::Postgres {
            lock.push(" FOR UPDATE SKIP LOCKED");
        }
        let Some(hook) = webhook::Model::find_by_statement(lock.build(backend)).one(&txn).await? else { continue };
        let scope = Scope { organization_id: hook.organization_id };
        let after = EventCursor { txid: hook.cursor_txid, position: hook.cursor_position };
        let batch = event_log::read_after(&txn, scope, after, &EventFilter::default(), ENQUEUE_BATCH).await?;
        round.more |= batch.held_back || batch.events.len() as u64 == ENQUEUE_BATCH;
        let Some(last) = batch.events.last().map(EventCursor::of) else { continue };
        let filter = filter_of(&hook);
        let now = Utc::now();
        // A webhook's life starts after its creation: the event of that is not its to deliver.
        let own_creation =
            |e: &event::Model| e.subject_id == Some(hook.id) && Some(&e.event_type) == webhook_created.as_ref();
        let wanted: Vec<Uuid> =
            batch.events.iter().filter(|e| filter.matches(e) && !own_creation(e)).map(|e| e.id).collect();
        if !wanted.is_empty() {
            let mut insert = Sql::new(
                "INSERT INTO webhook_outbox (id, webhook_id, event_id, status, attempts, next_attempt_at, created_at) VALUES ",
            );
            for (i, event_id) in wanted.iter().enumerate() {
                insert.push(if i == 0 { "(" } else { ", (" });
                insert.bind(new_id()).push(", ").bind(hook.id).push(", ").bind(*event_id);
                insert.push(", 'pending', 0, ").bind(now).push(", ").bind(now).push(")");
            }
            insert.push(" ON CONFLICT (webhook_id, event_id) DO NOTHING");
            round.queued += txn.execute_raw(insert.build(backend)).await?.rows_affected() as usize;
        }
        let mut advance = Sql::new("UPDATE webhooks SET cursor_txid = ");
        advance.bind(last.txid).push(", cursor_position = ").bind(last.position).push(" WHERE id = ").bind(hook.id);
        txn.execute_raw(advance.build(backend)).await?;
        txn.commit().await?;
    }
    Ok(round)
}

/// The active webhooks with deliveries waiting, except those in `busy` (this process is delivering to
/// them already), each with when its earliest delivery is due.
pub async fn pending_webhooks(db: &impl ConnectionTrait, busy: &[Uuid]) -> ApiResult<Vec<(Uuid, DateTime<Utc>)>> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new(
        "SELECT o.webhook_id, MIN(o.next_attempt_at) AS due_at FROM webhook_outbox o \
         JOIN webhooks w ON w.id = o.webhook_id WHERE o.status = 'pending' AND w.active",
    );
    if !busy.is_empty() {
        sql.push(" AND o.webhook_id NOT IN ").bind_list(busy.iter().copied());
    }
    sql.push(" GROUP BY o.webhook_id");
    let rows = db.query_all_raw(sql.build(backend)).await?;
    rows.into_iter()
        .map(|row| Ok((row.try_get::<Uuid>("", "webhook_id")?, row.try_get::<DateTime<Utc>>("", "due_at")?)))
        .collect()
}

/// Claims webhook `webhook_id`'s delivery that has waited longest, if one is due, by pushing its next
/// attempt `lease` into the future: another process (`SKIP LOCKED` on PostgreSQL) sees it again only
/// once the lease has run out, so a process that dies mid-attempt delays the delivery, never loses it.
pub async fn claim_next(
    db: &impl ConnectionTrait,
    webhook_id: Uuid,
    lease: Duration,
) -> ApiResult<Option<webhook_outbox::Model>> {
    let backend = db.get_database_backend();
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    let mut sql = Sql::new("UPDATE webhook_outbox SET next_attempt_at = ");
    sql.bind(until).push(" WHERE id = (SELECT o.id FROM webhook_outbox o WHERE o.webhook_id = ").bind(webhook_id);
    sql.push(" AND o.status = 'pending' AND o.next_attempt_at <= ").bind(now);
    sql.push(" ORDER BY o.next_attempt_at, o.id LIMIT 1");
    if backend == DbBackend::Postgres {
        sql.push(" FOR UPDATE SKIP LOCKED");
    }
    sql.push(") RETURNING *");
    Ok(webhook_outbox::Model::find_by_statement(sql.build(backend)).one(db).await?)
}

/// How one attempt went.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The status the endpoint answered, if it did.
    pub status_code: Option<i32>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i64,
}

impl Attempt {
    /// Whether the endpoint took the delivery (a 2xx status).
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.status_code.is_some_and(|c| (200..300).contains(&c))
    }
}

/// Logs `attempt` of queued delivery `row` and moves it on: delivered; or retried at `retry_at`; or,
/// with `max_attempts` spent, parked as failed.
pub async fn finish(
    db: &DatabaseConnection,
    row: &webhook_outbox::Model,
    attempt: &Attempt,
    max_attempts: i32,
    retry_at: DateTime<Utc>,
) -> ApiResult<()> {
    let txn = db.begin().await?;
    let now = Utc::now();
    let number = row.attempts + 1;
    let (status, outcome) = match (attempt.succeeded(), number >= max_attempts) {
        (true, _) => (OutboxStatus::Delivered, Outcome::Delivered),
        (false, true) => (OutboxStatus::Failed, Outcome::Failed),
        (false, false) => (OutboxStatus::Pending, Outcome::Retrying),
    };
    webhook_delivery::ActiveModel {
        id: Set(new_id()),
        webhook_id: Set(row.webhook_id),
        event_id: Set(row.event_id),
        attempt: Set(number),
        status_code: Set(attempt.status_code),
        error: Set(attempt.error.clone()),
        duration_ms: Set(attempt.duration_ms),
        outcome: Set(outcome),
        next_attempt_at: Set((outcome == Outcome::Retrying).then_some(retry_at)),
        delivered_at: Set(attempt.succeeded().then_some(now)),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let backend = txn.get_database_backend();
    let mut sql = Sql::new("UPDATE webhook_outbox SET attempts = ");
    sql.bind(number).push(", status = ").bind(status.to_value()).push(", next_attempt_at = ").bind(retry_at);
    sql.push(" WHERE id = ").bind(row.id);
    txn.execute_raw(sql.build(backend)).await?;
    txn.commit().await?;
    Ok(())
}

/// Queues event `event_id` for webhook `webhook_id` again, due now, attempts counted afresh.
pub async fn requeue(db: &impl ConnectionTrait, webhook_id: Uuid, event_id: Uuid) -> ApiResult<()> {
    let backend = db.get_database_backend();
    let now = Utc::now();
    let mut sql = Sql::new(
        "INSERT INTO webhook_outbox (id, webhook_id, event_id, status, attempts, next_attempt_at, created_at) VALUES (",
    );
    sql.bind(new_id()).push(", ").bind(webhook_id).push(", ").bind(event_id).push(", 'pending', 0, ").bind(now);
    sql.push(", ")
        .bind(now)
        .push(") ON CONFLICT (webhook_id, event_id) DO UPDATE SET status = 'pending', attempts = 0, ");
    sql.push("next_attempt_at = excluded.next_attempt_at");
    db.execute_raw(sql.build(backend)).await?;
    Ok(())
}

/// Webhook `id` (of any organization) if it exists and is active: the dispatcher delivers to it.
pub async fn active_webhook(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<webhook::Model>> {
    Ok(webhook::Entity::find_by_id(id).one(db).await?.filter(|hook| hook.active))
}

//! The organization's event log, live: replay from a cursor, then new events as they become readable,
//! in log order, each once, across processes.

use std::{sync::Arc, time::Duration};

use entity::event;
use futures_util::{Stream, StreamExt};
use sea_orm::DatabaseConnection;

use crate::{
    bus::{
        EventBus, READ_BATCH, SubscriberCount,
        feed::FeedParts,
        replay::{Source, replay_then_live},
    },
    error::{ApiError, ApiResult},
    events::{
        log::{self as event_log, EventCursor, EventFilter},
        retention,
    },
    service::Scope,
};

/// How soon a feed reads again while committed events wait behind an older transaction in flight.
const HELD_BACK_RETRY: Duration = Duration::from_millis(10);

impl EventBus {
    /// The organization's events under `filter` after `after` (from now on when `None`): first those
    /// stored, then new ones as they become readable; in log order, each once. A reader resuming from
    /// before what retention deleted first gets a `log.pruned` notice. Ends with
    /// `SUBSCRIBER_LAGGED` (carrying the last cursor passed) when the subscriber falls more than the
    /// buffer behind.
    pub fn subscribe_log(
        &self,
        scope: Scope,
        after: Option<EventCursor>,
        filter: EventFilter,
    ) -> impl Stream<Item = ApiResult<Arc<event::Model>>> + Send + use<> {
        let bus = self.clone();
        async_stream::stream! {
            let (db, poll) = (bus.inner.db.clone(), bus.inner.poll);
            let (feed, rx) = bus.inner.logs.attach(scope.organization_id, bus.inner.buffer, |parts| {
                tokio::spawn(run_feed(db, scope, parts, poll)).abort_handle()
            });
            feed.wait_ready().await;
            let db = &bus.inner.db;
            if let Some(after) = after {
                match retention::horizon(db, scope.organization_id).await {
                    Ok(Some(horizon)) if horizon > after => yield Ok(Arc::new(pruned_notice(scope, after, horizon))),
                    Ok(_) => {}
                    Err(err) => { yield Err(err); return; }
                }
            }
            let last = match after {
                Some(cursor) => cursor,
                None => match event_log::settled_head(db, scope).await {
                    Ok(cursor) => cursor,
                    Err(err) => { yield Err(err); return; }
                },
            };
            // Counted once its starting point is fixed: whatever commits from here on reaches it. The
            // replay reads what is readable now; anything later comes through the feed, which started before.
            let _count = SubscriberCount::new(&bus.inner.subscribers);
            let rows = replay_then_live(db.clone(), OrganizationEvents { scope, filter }, last, rx);
            let mut rows = std::pin::pin!(rows);
            while let Some(row) = rows.next().await {
                yield row;
            }
        }
    }
}

/// The organization's events under a filter, as a subscriber reads them.
struct OrganizationEvents {
    scope: Scope,
    filter: EventFilter,
}

impl Source for OrganizationEvents {
    type Row = event::Model;
    type Cursor = EventCursor;

    fn cursor(row: &Self::Row) -> EventCursor {
        EventCursor::of(row)
    }

    async fn read_after(&self, db: &DatabaseConnection, after: EventCursor, limit: u64) -> ApiResult<Vec<Self::Row>> {
        Ok(event_log::read_after(db, self.scope, after, &self.filter, limit).await?.events)
    }

    fn wanted(&self, row: &Self::Row) -> bool {
        self.filter.matches(row)
    }

    fn lagged(last: EventCursor) -> ApiError {
        ApiError::LaggedAt { last_cursor: last.encode() }
    }
}

/// The item that tells a reader resuming from `after` that retention deleted events up to `horizon`:
/// type `log.pruned`, source `docket`, severity `warning`, payload `{"prunedThrough": <cursor>}`,
/// not stored (nil id) and at the reader's own cursor, so that resuming from it loses nothing that
/// survives.
fn pruned_notice(scope: Scope, after: EventCursor, horizon: EventCursor) -> event::Model {
    let now = chrono::Utc::now();
    event::Model {
        position: after.position,
        id: uuid::Uuid::nil(),
        organization_id: scope.organization_id,
        txid: after.txid,
        project_id: None,
        task_id: None,
        workflow_id: None,
        workspace_id: None,
        session_id: None,
        subject_type: None,
        subject_id: None,
        source: event_log::DOCKET_SOURCE.to_owned(),
        event_type: event_log::types::LOG_PRUNED.to_owned(),
        severity: event::Severity::Warning,
        correlation_id: None,
        trace_id: None,
        actor: None,
        payload: serde_json::json!({ "prunedThrough": horizon.encode() }),
        idempotency_key: None,
        occurred_at: now,
        recorded_at: now,
    }
}

/// The fan-out task of one organization's log: learns where the log ends, then on every wake-up (or
/// poll) reads what became readable past it once and broadcasts it. While committed events wait
/// behind an older transaction in flight, it reads again every few milliseconds: that transaction's
/// end may wake nobody (it may belong to another organization, or write no events).
async fn run_feed(db: DatabaseConnection, scope: Scope, parts: FeedParts<event::Model>, poll: Duration) {
    let organization_id = scope.organization_id;
    let mut last = loop {
        match event_log::head(&db, scope).await {
            Ok(cursor) => break cursor,
            Err(err) => {
                tracing::warn!(%organization_id, error = %err, "event log feed cannot read the log; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    parts.ready.send_replace(true);
    let mut held_back = false;
    loop {
        let wait = if held_back { HELD_BACK_RETRY } else { poll };
        tokio::select! {
            _ = parts.notify.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
        loop {
            match event_log::read_after(&db, scope, last, &EventFilter::default(), READ_BATCH).await {
                Ok(batch) => {
                    let done = (batch.events.len() as u64) < READ_BATCH;
                    held_back = batch.held_back;
                    for row in batch.events {
                        last = EventCursor::of(&row);
                        let _ = parts.tx.send(Arc::new(row));
                    }
                    if done {
                        break;
                    }
                }
                Err(err) => {
                    tracing::warn!(%organization_id, error = %err, "event log feed read failed; will retry");
                    break;
                }
            }
        }
    }
}

//! The events of one documentation session: replay from a sequence, then live, in order, each once.

use std::{sync::Arc, time::Duration};

use entity::session_event;
use futures_util::{Stream, StreamExt};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    bus::{
        EventBus, READ_BATCH, SubscriberCount,
        feed::FeedParts,
        replay::{Source, replay_then_live},
    },
    error::{ApiError, ApiResult},
    sessions::{event, session},
};

/// A session's events, as a subscriber reads them.
struct SessionEvents(Uuid);

impl Source for SessionEvents {
    type Row = session_event::Model;
    type Cursor = i64;

    fn cursor(row: &Self::Row) -> i64 {
        row.sequence
    }

    async fn read_after(&self, db: &DatabaseConnection, after: i64, limit: u64) -> ApiResult<Vec<Self::Row>> {
        event::list_after(db, self.0, after, limit).await
    }

    fn missing(last: i64, row: &Self::Row) -> u64 {
        (row.sequence - last - 1).max(0) as u64
    }

    fn lagged(last: i64) -> ApiError {
        ApiError::Lagged { last_sequence: last }
    }
}

impl EventBus {
    /// The events of session `session_id` with `sequence > after`: first those stored, then live ones
    /// as they commit; in order, each once. Ends with `SUBSCRIBER_LAGGED` (carrying the last delivered
    /// sequence) when the subscriber falls more than the buffer behind.
    pub fn subscribe(
        &self,
        session_id: Uuid,
        after: i64,
    ) -> impl Stream<Item = ApiResult<session_event::Model>> + Send + use<> {
        let bus = self.clone();
        async_stream::stream! {
            let (db, poll) = (bus.inner.db.clone(), bus.inner.poll);
            let (feed, rx) = bus.inner.sessions.attach(session_id, bus.inner.buffer, |parts| {
                tokio::spawn(run_feed(db, session_id, parts, poll)).abort_handle()
            });
            let _count = SubscriberCount::new(&bus.inner.subscribers);
            feed.wait_ready().await;
            let rows = replay_then_live(bus.inner.db.clone(), SessionEvents(session_id), after, rx);
            let mut rows = std::pin::pin!(rows);
            while let Some(row) = rows.next().await {
                yield row.map(Arc::unwrap_or_clone);
            }
        }
    }
}

/// The fan-out task of one session: learns the current sequence, then on every wake-up (or poll)
/// reads the rows past it once and broadcasts them.
async fn run_feed(db: DatabaseConnection, session_id: Uuid, parts: FeedParts<session_event::Model>, poll: Duration) {
    let mut last = loop {
        match session::last_sequence(&db, session_id).await {
            Ok(sequence) => break sequence.unwrap_or(0),
            Err(err) => {
                tracing::warn!(%session_id, error = %err, "event feed cannot read its session; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    parts.ready.send_replace(true);
    loop {
        tokio::select! {
            _ = parts.notify.notified() => {}
            _ = tokio::time::sleep(poll) => {}
        }
        loop {
            match event::list_after(&db, session_id, last, READ_BATCH).await {
                Ok(rows) => {
                    let done = (rows.len() as u64) < READ_BATCH;
                    for row in rows {
                        last = row.sequence;
                        let _ = parts.tx.send(Arc::new(row));
                    }
                    if done {
                        break;
                    }
                }
                Err(err) => {
                    tracing::warn!(%session_id, error = %err, "event feed read failed; will retry");
                    break;
                }
            }
        }
    }
}

//! The events of one documentation session: replay from a sequence, then live, in order, each once.

use std::{sync::Arc, time::Duration};

use entity::session_event;
use futures_util::Stream;
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::{
    bus::{EventBus, READ_BATCH, SubscriberCount, feed::FeedParts},
    error::{ApiError, ApiResult},
    sessions::{event, session},
};

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
            let (feed, mut rx) = bus.inner.sessions.attach(session_id, bus.inner.buffer, |parts| {
                tokio::spawn(run_feed(db, session_id, parts, poll)).abort_handle()
            });
            let _count = SubscriberCount::new(&bus.inner.subscribers);
            feed.wait_ready().await;
            let db = &bus.inner.db;
            let mut last = after;
            loop {
                let rows = match event::list_after(db, session_id, last, READ_BATCH).await {
                    Ok(rows) => rows,
                    Err(err) => { yield Err(err); return; }
                };
                let done = (rows.len() as u64) < READ_BATCH;
                for row in rows {
                    last = row.sequence;
                    yield Ok(row);
                }
                if done {
                    break;
                }
            }
            loop {
                match rx.recv().await {
                    Ok(row) => {
                        if row.sequence <= last {
                            continue;
                        }
                        if row.sequence > last + 1 {
                            // Not expected (the feed sends every row in order), but never skip a row.
                            let gap = (row.sequence - last - 1) as u64;
                            match event::list_after(db, session_id, last, gap).await {
                                Ok(rows) => for missing in rows {
                                    yield Ok(missing);
                                },
                                Err(err) => { yield Err(err); return; }
                            }
                        }
                        last = row.sequence;
                        yield Ok((*row).clone());
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        yield Err(ApiError::Lagged { last_sequence: last });
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
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

//! Replay, then live: the one loop behind every stream a client subscribes to. It reads what is stored
//! after the client's cursor in batches, then takes rows from the stream's feed as they commit,
//! skipping what it has passed already, never skipping a row, and ends with the stream's lag error
//! (carrying the last cursor passed) when the subscriber falls more than the feed's buffer behind.

use std::{future::Future, sync::Arc};

use futures_util::Stream;
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast;

use super::READ_BATCH;
use crate::error::{ApiError, ApiResult};

/// A stream's rows as a subscriber reads them.
pub trait Source: Send + Sync + 'static {
    /// A row of the stream.
    type Row: Send + Sync + 'static;
    /// A row's place in the stream; rows come in increasing order.
    type Cursor: Copy + PartialOrd + Send + Sync + 'static;

    /// The place of `row`.
    fn cursor(row: &Self::Row) -> Self::Cursor;

    /// Up to `limit` rows past `after` that the subscriber wants and that are readable now, in order.
    fn read_after(
        &self,
        db: &DatabaseConnection,
        after: Self::Cursor,
        limit: u64,
    ) -> impl Future<Output = ApiResult<Vec<Self::Row>>> + Send;

    /// Whether the subscriber wants `row` (its filter); every row by default.
    fn wanted(&self, _row: &Self::Row) -> bool {
        true
    }

    /// How many rows are missing between `last` and `row` when the stream knows (a session's gapless
    /// sequence); 0 by default.
    fn missing(_last: Self::Cursor, _row: &Self::Row) -> u64 {
        0
    }

    /// The error that ends the stream of a subscriber that fell behind after `last`.
    fn lagged(last: Self::Cursor) -> ApiError;
}

/// The rows of `source` after `last`: those stored, then those `live` brings, in order, each once.
pub fn replay_then_live<S: Source>(
    db: DatabaseConnection,
    source: S,
    mut last: S::Cursor,
    mut live: broadcast::Receiver<Arc<S::Row>>,
) -> impl Stream<Item = ApiResult<Arc<S::Row>>> + Send {
    async_stream::stream! {
        loop {
            let rows = match source.read_after(&db, last, READ_BATCH).await {
                Ok(rows) => rows,
                Err(err) => { yield Err(err); return; }
            };
            let done = (rows.len() as u64) < READ_BATCH;
            for row in rows {
                last = S::cursor(&row);
                yield Ok(Arc::new(row));
            }
            if done {
                break;
            }
        }
        loop {
            match live.recv().await {
                Ok(row) => {
                    let cursor = S::cursor(&row);
                    if cursor <= last {
                        continue;
                    }
                    let missing = S::missing(last, &row);
                    if missing > 0 {
                        // Not expected (a feed sends every row in order), but never skip a row.
                        match source.read_after(&db, last, missing).await {
                            Ok(rows) => for row in rows {
                                yield Ok(Arc::new(row));
                            },
                            Err(err) => { yield Err(err); return; }
                        }
                    }
                    last = cursor;
                    if source.wanted(&row) {
                        yield Ok(row);
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    yield Err(S::lagged(last));
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }
}

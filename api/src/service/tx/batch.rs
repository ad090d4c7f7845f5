//! Group commit: the writes of many requests that arrive while others are in the database, sent as
//! one statement, which the database runs as its own transaction.
//!
//! A request hands its write to a [`Batcher`] and waits for its own answer. `in_flight` writers
//! send statements, so up to that many are in the database at once; the writes that arrive
//! meanwhile wait (no timer: a write that finds a writer idle goes at once) and go together, up to
//! `max` in one statement, one statement per group (an organization: a statement never mixes two
//! organizations' rows). Each write is its own request's, with that request's audit entry; the
//! statement only shares the round trip, the parsing and the commit. When a statement of several
//! writes fails, each is sent again alone, so an error reaches only the request that caused it.
//!
//! Rules are [`super::Tx`]'s: the caller checks the role before submitting, the audit entry is in
//! the statement, the wake-ups go after it succeeded (the `write` function's job).

use std::{
    collections::HashMap,
    panic::AssertUnwindSafe,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use futures_util::{FutureExt, future::BoxFuture};
use tokio::sync::{Mutex, mpsc, oneshot};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// Writes one statement for `items` of group `group`: for each item, in order, its answer (`None`
/// when the statement wrote nothing for it, e.g. a row of another organization).
pub type WriteFn<I, O> = dyn for<'a> Fn(Uuid, &'a [I]) -> BoxFuture<'a, ApiResult<Vec<Option<O>>>> + Send + Sync;

/// Sends writes of type `I` in batches; each answers an `O`. Cheap to clone; the writers stop when
/// the last clone is dropped and the writes in flight are answered.
pub struct Batcher<I, O> {
    queue: mpsc::UnboundedSender<Pending<I, O>>,
    stats: Arc<BatchStats>,
}

impl<I, O> Clone for Batcher<I, O> {
    fn clone(&self) -> Self {
        Self { queue: self.queue.clone(), stats: self.stats.clone() }
    }
}

/// How many statements a [`Batcher`] sent and how many writes they held, for `/metrics`.
#[derive(Debug, Default)]
pub struct BatchStats {
    statements: AtomicU64,
    writes: AtomicU64,
    failures: AtomicU64,
}

impl BatchStats {
    /// Statements sent so far.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Writes they held.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    /// Statements the database refused (a deadlock among them would show here).
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }
}

struct Pending<I, O> {
    group: Uuid,
    item: I,
    reply: oneshot::Sender<ApiResult<Option<O>>>,
}

impl<I: Send + Sync + 'static, O: Send + 'static> Batcher<I, O> {
    /// Starts `in_flight` writers (on the current Tokio runtime), each sending at most `max` writes in
    /// one statement.
    pub fn start(in_flight: usize, max: usize, write: Arc<WriteFn<I, O>>) -> Self {
        let (queue, pending) = mpsc::unbounded_channel();
        let stats = Arc::new(BatchStats::default());
        let pending = Arc::new(Mutex::new(pending));
        for _ in 0..in_flight.max(1) {
            tokio::spawn(writer(pending.clone(), max.max(1), write.clone(), stats.clone()));
        }
        Self { queue, stats }
    }

    /// Writes `item` with the others of `group` that wait beside it and returns its answer: what
    /// `write` gave for it (`None`: nothing written), or the error of the statement it was sent
    /// in alone.
    pub async fn submit(&self, group: Uuid, item: I) -> ApiResult<Option<O>> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Pending { group, item, reply })
            .map_err(|_| ApiError::Unavailable("the server is shutting down; retry".into()))?;
        answer.await.map_err(|_| ApiError::from(anyhow::anyhow!("a batched write was dropped unanswered")))?
    }

    /// Its statements and writes so far.
    pub fn stats(&self) -> &BatchStats {
        &self.stats
    }
}

/// One of the writers: takes the next write, and every write that arrived while it was busy (up to
/// `max`), and sends them itself, until the queue closes. The writer that holds the queue is the
/// one that takes next; the statement goes from the same task, with no hand-over between the
/// moment a statement ends and the next one starts. A write that panics loses only its batch (its
/// requests get an internal error) and the writer goes on.
async fn writer<I, O>(
    queue: Arc<Mutex<mpsc::UnboundedReceiver<Pending<I, O>>>>,
    max: usize,
    write: Arc<WriteFn<I, O>>,
    stats: Arc<BatchStats>,
) {
    loop {
        let batch = {
            let mut queue = queue.lock().await;
            let Some(first) = queue.recv().await else { return };
            let mut batch = vec![first];
            while batch.len() < max {
                match queue.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            batch
        };
        let mut groups: HashMap<Uuid, Vec<Pending<I, O>>> = HashMap::new();
        for pending in batch {
            groups.entry(pending.group).or_default().push(pending);
        }
        let sent = AssertUnwindSafe(async {
            for (group, pendings) in groups {
                send(&*write, &stats, group, pendings).await;
            }
        });
        if sent.catch_unwind().await.is_err() {
            tracing::error!("a batched write panicked; its requests were answered with an internal error");
        }
    }
}

/// Sends one group's writes as one statement and answers each; when it fails and held several,
/// sends each alone.
async fn send<I, O>(write: &WriteFn<I, O>, stats: &BatchStats, group: Uuid, pendings: Vec<Pending<I, O>>) {
    let (items, replies): (Vec<I>, Vec<_>) = pendings.into_iter().map(|p| (p.item, p.reply)).unzip();
    match counted(write, stats, group, &items).await {
        Ok(answers) => {
            for (reply, answer) in replies.into_iter().zip(answers) {
                let _ = reply.send(Ok(answer));
            }
        }
        Err(err) if items.len() == 1 => {
            let _ = replies.into_iter().next().map(|reply| reply.send(Err(err)));
        }
        Err(err) => {
            tracing::debug!(error = %err, writes = items.len(), "a batched statement failed; sending its writes alone");
            for (item, reply) in items.iter().zip(replies) {
                let answer = counted(write, stats, group, std::slice::from_ref(item)).await;
                let _ = reply.send(answer.map(|mut a| a.pop().flatten()));
            }
        }
    }
}

/// Runs one statement of `items` and counts it in `stats` (refused or not).
async fn counted<I, O>(
    write: &WriteFn<I, O>,
    stats: &BatchStats,
    group: Uuid,
    items: &[I],
) -> ApiResult<Vec<Option<O>>> {
    stats.statements.fetch_add(1, Ordering::Relaxed);
    stats.writes.fetch_add(items.len() as u64, Ordering::Relaxed);
    let answers = write(group, items).await;
    if answers.is_err() {
        stats.failures.fetch_add(1, Ordering::Relaxed);
    }
    answers
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose statement panics: the requests of that batch get an error, and the writer
    /// goes on to send the next.
    #[tokio::test]
    async fn a_panicking_write_fails_its_batch_and_the_writer_goes_on() {
        let write: Arc<WriteFn<u32, u32>> = Arc::new(|_group, items: &[u32]| {
            let items = items.to_vec();
            Box::pin(async move {
                assert!(!items.contains(&0), "a write of 0 panics");
                Ok(items.iter().map(|item| Some(item * 10)).collect())
            })
        });
        let batcher = Batcher::start(1, 10, write);
        let group = Uuid::now_v7();
        assert!(batcher.submit(group, 0).await.is_err());
        assert_eq!(batcher.submit(group, 4).await.unwrap(), Some(40));
        assert_eq!(batcher.stats().statements(), 2);
    }
}

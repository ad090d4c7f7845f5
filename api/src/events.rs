//! The event bus: a wake-up signal, never the data. The database is the truth.
//!
//! After a commit the writer calls [`EventBus::wake`] for the session; on PostgreSQL the transaction
//! also sent `NOTIFY`, which [`listen_postgres`] turns into the same wake-up in every process that
//! shares the database. One fan-out task per watched session reads new rows once and hands them to all
//! local subscribers through a bounded broadcast buffer. A missed or coalesced signal costs latency
//! (a slow poll re-reads watched sessions), never data. A subscriber that falls a whole buffer behind
//! is dropped with an error carrying its last sequence, and never stalls the others.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use entity::session_event;
use futures_util::Stream;
use sea_orm::DatabaseConnection;
use tokio::sync::{Notify, broadcast, watch};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{event, session},
};

/// Rows read per statement when replaying or fanning out.
const READ_BATCH: u64 = 500;

/// Shared handle to the bus; cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    feeds: Mutex<HashMap<Uuid, Weak<Feed>>>,
    buffer: usize,
    poll: Duration,
    subscribers: AtomicI64,
    tasks: broadcast::Sender<TaskEvent>,
    listening: std::sync::atomic::AtomicBool,
}

/// What happened to a task. Task events are live only: nothing replays them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskEventKind {
    /// A task was created.
    Created,
    /// A task's fields changed (not its status).
    Updated,
    /// A task's status changed.
    Transitioned,
    /// A task was deleted.
    Deleted,
    /// An agent started an execution of a task.
    ExecutionStarted,
    /// An execution of a task ended.
    ExecutionFinished,
}

/// A task event as it travels: ids only (a `NOTIFY` payload stays small); readers load the rest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TaskEvent {
    /// What happened.
    pub kind: TaskEventKind,
    /// The task's project.
    pub project_id: Uuid,
    /// The task.
    pub task_id: Uuid,
    /// The execution, for execution events.
    pub execution_id: Option<Uuid>,
    /// When it was published.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// PostgreSQL channel on which task events travel between processes.
pub const TASK_CHANNEL: &str = "docket_task_events";

/// The fan-out of one watched session.
struct Feed {
    session_id: Uuid,
    notify: Arc<Notify>,
    tx: broadcast::Sender<Arc<session_event::Model>>,
    ready: watch::Receiver<bool>,
    task: tokio::task::AbortHandle,
    bus: Weak<Inner>,
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(bus) = self.bus.upgrade() {
            let mut feeds = bus.feeds.lock().unwrap_or_else(|e| e.into_inner());
            if feeds.get(&self.session_id).is_some_and(|w| w.strong_count() == 0) {
                feeds.remove(&self.session_id);
            }
        }
    }
}

/// Live figures of the bus, for `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct BusStats {
    /// Sessions with a running fan-out task.
    pub feeds: usize,
    /// Open subscriptions.
    pub subscribers: i64,
}

impl EventBus {
    /// A bus reading from `db`, buffering `buffer` events per session and re-reading watched sessions
    /// every `poll` in case a wake-up was lost.
    pub fn new(db: DatabaseConnection, buffer: usize, poll: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                feeds: Mutex::new(HashMap::new()),
                buffer: buffer.max(1),
                poll,
                subscribers: AtomicI64::new(0),
                tasks: broadcast::channel(buffer.max(1)).0,
                listening: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }

    /// Announces task events after their transaction committed: on PostgreSQL through `NOTIFY`,
    /// which reaches every process (this one too, through [`listen_postgres`]); on SQLite directly.
    /// A failure to announce is logged, never returned: the write has happened.
    pub async fn publish_tasks(&self, events: Vec<TaskEvent>) {
        use sea_orm::{ConnectionTrait, DbBackend};
        if self.inner.db.get_database_backend() != DbBackend::Postgres {
            for event in events {
                let _ = self.inner.tasks.send(event);
            }
            return;
        }
        // Many events (an import) go out in a few statements rather than one each.
        for chunk in events.chunks(100) {
            let payloads: Vec<String> = chunk.iter().filter_map(|e| serde_json::to_string(e).ok()).collect();
            if payloads.is_empty() {
                continue;
            }
            let mut sql = crate::service::sql::Sql::new("SELECT ");
            for (i, payload) in payloads.into_iter().enumerate() {
                sql.push(if i == 0 { "pg_notify(" } else { ", pg_notify(" });
                sql.bind(TASK_CHANNEL).push(", ").bind(payload).push(")");
            }
            if let Err(err) = self.inner.db.execute_raw(sql.build(DbBackend::Postgres)).await {
                tracing::warn!(error = %err, "task events not announced");
            }
        }
    }

    /// Live task events of project `project_id`. A subscriber that falls a whole buffer behind ends
    /// with `SUBSCRIBER_LAGGED`.
    pub fn subscribe_tasks(&self, project_id: Uuid) -> impl Stream<Item = ApiResult<TaskEvent>> + Send + use<> {
        let mut rx = self.inner.tasks.subscribe();
        let counter = self.inner.clone();
        async_stream::stream! {
            let _count = SubscriberCount::new(&counter.subscribers);
            loop {
                match rx.recv().await {
                    Ok(event) if event.project_id == project_id => yield Ok(event),
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        yield Err(ApiError::Lagged { last_sequence: 0 });
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    }

    /// Signals that session `session_id` has new committed events (or changed). Cheap; coalesces.
    pub fn wake(&self, session_id: Uuid) {
        let feed = self.feeds().get(&session_id).and_then(Weak::upgrade);
        if let Some(feed) = feed {
            feed.notify.notify_one();
        }
    }

    /// Wakes every watched session, e.g. after the PostgreSQL listener reconnected.
    pub fn wake_all(&self) {
        let feeds: Vec<Arc<Feed>> = self.feeds().values().filter_map(Weak::upgrade).collect();
        for feed in feeds {
            feed.notify.notify_one();
        }
    }

    /// Whether the PostgreSQL listener is connected (always `false` on SQLite, which needs none).
    pub fn listening(&self) -> bool {
        self.inner.listening.load(Ordering::Relaxed)
    }

    /// Current figures.
    pub fn stats(&self) -> BusStats {
        let feeds = self.feeds().values().filter(|w| w.strong_count() > 0).count();
        BusStats { feeds, subscribers: self.inner.subscribers.load(Ordering::Relaxed) }
    }

    fn feeds(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Weak<Feed>>> {
        self.inner.feeds.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Joins (or starts) the fan-out of a session and returns it with a receiver subscribed before
    /// the caller reads anything, so that nothing committed later can be missed.
    fn attach(&self, session_id: Uuid) -> (Arc<Feed>, broadcast::Receiver<Arc<session_event::Model>>) {
        let mut feeds = self.feeds();
        if let Some(feed) = feeds.get(&session_id).and_then(Weak::upgrade) {
            let rx = feed.tx.subscribe();
            return (feed, rx);
        }
        let (tx, rx) = broadcast::channel(self.inner.buffer);
        let notify = Arc::new(Notify::new());
        let (ready_tx, ready) = watch::channel(false);
        let task = tokio::spawn(run_feed(
            self.inner.db.clone(),
            session_id,
            notify.clone(),
            tx.clone(),
            ready_tx,
            self.inner.poll,
        ))
        .abort_handle();
        let feed = Arc::new(Feed { session_id, notify, tx, ready, task, bus: Arc::downgrade(&self.inner) });
        feeds.insert(session_id, Arc::downgrade(&feed));
        (feed, rx)
    }

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
            let (feed, mut rx) = bus.attach(session_id);
            let _count = SubscriberCount::new(&bus.inner.subscribers);
            let mut ready = feed.ready.clone();
            // The fan-out task must know where it starts before we replay, or an event committed in
            // between could be neither replayed nor broadcast.
            while !*ready.borrow_and_update() {
                if ready.changed().await.is_err() {
                    break;
                }
            }
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

/// Counts an open subscription for as long as it lives.
struct SubscriberCount<'a>(&'a AtomicI64);

impl<'a> SubscriberCount<'a> {
    fn new(counter: &'a AtomicI64) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for SubscriberCount<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The fan-out task of one session: learns the current sequence, then on every wake-up (or poll)
/// reads the rows past it once and broadcasts them.
async fn run_feed(
    db: DatabaseConnection,
    session_id: Uuid,
    notify: Arc<Notify>,
    tx: broadcast::Sender<Arc<session_event::Model>>,
    ready: watch::Sender<bool>,
    poll: Duration,
) {
    let mut last = loop {
        match session::last_sequence(&db, session_id).await {
            Ok(sequence) => break sequence.unwrap_or(0),
            Err(err) => {
                tracing::warn!(%session_id, error = %err, "event feed cannot read its session; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    ready.send_replace(true);
    loop {
        tokio::select! {
            _ = notify.notified() => {}
            _ = tokio::time::sleep(poll) => {}
        }
        loop {
            match event::list_after(&db, session_id, last, READ_BATCH).await {
                Ok(rows) => {
                    let done = (rows.len() as u64) < READ_BATCH;
                    for row in rows {
                        last = row.sequence;
                        let _ = tx.send(Arc::new(row));
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

/// On PostgreSQL: listens on [`TASK_CHANNEL`], handing task events to local subscribers, and on
/// [`event::NOTIFY_CHANNEL`], and wakes the local feeds of every session
/// another process (or this one) committed events to. Reconnects forever, a second after a failure or
/// a lost connection; after each (re)connect it wakes every feed, since notifications sent while
/// disconnected are lost. [`EventBus::listening`] is `false` while disconnected (`/health/ready` says 503).
pub async fn listen_postgres(bus: EventBus) {
    let pool = bus.inner.db.get_postgres_connection_pool().clone();
    loop {
        match sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(err) = listener.listen_all([event::NOTIFY_CHANNEL, TASK_CHANNEL]).await {
                    tracing::warn!(error = %err, "LISTEN failed");
                } else {
                    tracing::debug!("listening for event notifications");
                    bus.inner.listening.store(true, Ordering::Relaxed);
                    bus.wake_all();
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(notification)) if notification.channel() == TASK_CHANNEL => {
                                match serde_json::from_str::<TaskEvent>(notification.payload()) {
                                    Ok(event) => {
                                        let _ = bus.inner.tasks.send(event);
                                    }
                                    Err(err) => tracing::warn!(error = %err, "malformed task event"),
                                }
                            }
                            Ok(Some(notification)) => {
                                let payload = notification.payload();
                                let id = payload.split(':').next().and_then(|s| Uuid::parse_str(s).ok());
                                if let Some(id) = id {
                                    bus.wake(id);
                                }
                            }
                            // The connection dropped: not ready until a new one listens (which wakes
                            // every feed, as notifications sent meanwhile are lost).
                            Ok(None) => {
                                tracing::warn!("event listener lost its connection; reconnecting");
                                bus.inner.listening.store(false, Ordering::Relaxed);
                                break;
                            }
                            Err(err) => {
                                tracing::warn!(error = %err, "event listener failed; reconnecting");
                                bus.inner.listening.store(false, Ordering::Relaxed);
                                break;
                            }
                        }
                    }
                }
            }
            Err(err) => tracing::warn!(error = %err, "event listener cannot connect; retrying"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

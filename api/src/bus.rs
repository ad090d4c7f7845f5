//! The event bus: a wake-up signal, never the data. The database is the truth.
//!
//! Two kinds of stream go through it: a documentation session's events ([`EventBus::subscribe`]) and
//! an organization's event log ([`EventBus::subscribe_log`]). After a commit the writer wakes the
//! session or the organization ([`EventBus::committed`]); on PostgreSQL the process's notifier then
//! sends a coalesced `NOTIFY`, which [`listen_postgres`] turns into the same wake-up in every process
//! that shares the database. One
//! fan-out task per watched session or organization reads new rows once and hands them to all local
//! subscribers through a bounded broadcast buffer (`feed`). A missed or coalesced signal costs latency
//! (a slow poll re-reads watched streams), never data. A subscriber that falls a whole buffer behind is
//! dropped with an error carrying its resume point, and never stalls the others.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::Duration,
};

use entity::{event, session_event};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

mod feed;
mod log;
mod notifier;
mod replay;
mod session;

use crate::{bus::feed::Registry, events::log as event_log, sessions::event as session_events};

/// Rows read per statement when replaying or fanning out.
const READ_BATCH: u64 = 500;

/// Shared handle to the bus; cheap to clone.
#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    sessions: Arc<Registry<Uuid, session_event::Model>>,
    logs: Arc<Registry<Uuid, event::Model>>,
    buffer: usize,
    poll: Duration,
    subscribers: AtomicI64,
    listening: AtomicBool,
    /// Poked by every log wake-up, for the webhook dispatcher.
    log_activity: tokio::sync::Notify,
    /// Sends committed writes' notices to the other processes (PostgreSQL only).
    notifier: Option<Arc<crate::bus::notifier::Notifier>>,
}

/// Live figures of the bus, for `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct BusStats {
    /// Sessions and organizations with a running fan-out task.
    pub feeds: usize,
    /// Open subscriptions.
    pub subscribers: i64,
}

impl EventBus {
    /// A bus reading from `db` (the read pool: feeds never wait for a writer), buffering `buffer`
    /// events per stream and re-reading watched streams every `poll` in case a wake-up was lost.
    /// On PostgreSQL it starts the process's notifier, so it must be created inside a Tokio runtime.
    pub fn new(db: DatabaseConnection, buffer: usize, poll: Duration) -> Self {
        let notifier = (db.get_database_backend() == sea_orm::DbBackend::Postgres)
            .then(|| crate::bus::notifier::Notifier::start(db.clone()));
        Self {
            inner: Arc::new(Inner {
                notifier,
                db,
                sessions: Registry::new(),
                logs: Registry::new(),
                buffer: buffer.max(1),
                poll,
                subscribers: AtomicI64::new(0),
                listening: AtomicBool::new(false),
                log_activity: tokio::sync::Notify::new(),
            }),
        }
    }

    /// Signals that session `session_id` has new committed events (or changed). Cheap; coalesces.
    pub fn wake(&self, session_id: Uuid) {
        self.inner.sessions.wake(session_id);
    }

    /// A write committed events of session `session_id` (up to `sequence`, 0 when not known): wakes
    /// this process's subscribers now and, on PostgreSQL, the other processes' a moment later (one
    /// coalesced `NOTIFY` for all recent commits: see `notifier`).
    pub fn committed(&self, session_id: Uuid, sequence: i64) {
        self.wake(session_id);
        if let Some(notifier) = &self.inner.notifier {
            notifier.session(session_id, sequence);
        }
    }

    /// A write committed events to organization `organization_id`'s log: as [`EventBus::committed`].
    pub fn committed_log(&self, organization_id: Uuid) {
        self.wake_log(organization_id);
        if let Some(notifier) = &self.inner.notifier {
            notifier.organization(organization_id);
        }
    }

    /// Signals that organization `organization_id`'s log has new committed events. Cheap; coalesces.
    pub fn wake_log(&self, organization_id: Uuid) {
        self.inner.logs.wake(organization_id);
        self.inner.log_activity.notify_one();
    }

    /// Wakes every watched stream, e.g. after the PostgreSQL listener reconnected.
    pub fn wake_all(&self) {
        self.inner.sessions.wake_all();
        self.inner.logs.wake_all();
        self.inner.log_activity.notify_one();
    }

    /// Resolves at the next wake-up of any organization's log (at once if one came since the last
    /// call). Meant for one consumer per process, the webhook dispatcher; wake-ups coalesce.
    pub async fn log_activity(&self) {
        self.inner.log_activity.notified().await;
    }

    /// Whether the PostgreSQL listener is connected (always `false` on SQLite, which needs none).
    pub fn listening(&self) -> bool {
        self.inner.listening.load(Ordering::Relaxed)
    }

    /// Current figures.
    pub fn stats(&self) -> BusStats {
        BusStats {
            feeds: self.inner.sessions.len() + self.inner.logs.len(),
            subscribers: self.inner.subscribers.load(Ordering::Relaxed),
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

/// On PostgreSQL: listens on the session channel (`<session>:<sequence>` payloads) and the log
/// channel (`<organization>` payloads) and wakes the local feeds of what another process (or this
/// one) committed to. Reconnects forever, a second after a failure or a lost connection; after each
/// (re)connect it wakes every feed, since notifications sent while disconnected are lost.
/// [`EventBus::listening`] is `false` while disconnected (`/health/ready` says 503).
pub async fn listen_postgres(bus: EventBus) {
    let pool = bus.inner.db.get_postgres_connection_pool().clone();
    loop {
        match sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                let channels = [session_events::NOTIFY_CHANNEL, event_log::NOTIFY_CHANNEL];
                if let Err(err) = listener.listen_all(channels).await {
                    tracing::warn!(error = %err, "LISTEN failed");
                } else {
                    tracing::debug!("listening for event notifications");
                    bus.inner.listening.store(true, Ordering::Relaxed);
                    bus.wake_all();
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(notification)) => {
                                let payload = notification.payload();
                                let id = payload.split(':').next().and_then(|s| Uuid::parse_str(s).ok());
                                match (notification.channel(), id) {
                                    (event_log::NOTIFY_CHANNEL, Some(id)) => bus.wake_log(id),
                                    (_, Some(id)) => bus.wake(id),
                                    (_, None) => tracing::warn!("malformed event notification"),
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

//! Cross-process wake-ups on PostgreSQL, sent after commit and coalesced.
//!
//! A transaction that calls `pg_notify` is serialised at commit with every other notifying
//! transaction (PostgreSQL takes a global lock on its notification queue): measured on this project's
//! bench machine, appends that notified in their own transaction reached about a third of the commits
//! per second of appends that did not. So writers do not notify. After commit they hand "session S
//! (or organization O's log) has new events" to this process's notifier, which waits a couple of
//! milliseconds for more and then sends one statement that notifies every session and organization
//! gathered meanwhile. The database stays the truth: a notice that is lost (the process dies between
//! the commit and the notice) costs the other processes one poll interval, not an event.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, Weak},
    time::Duration,
};

use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::{events::log as event_log, service::sql::Sql, sessions::event as session_events};

/// How long the notifier waits for more notices before it sends what it has.
const GATHER: Duration = Duration::from_millis(2);

/// Most notices per statement (a payload is at most 57 bytes; PostgreSQL queues up to 8 GB).
const MAX_PER_STATEMENT: usize = 1_000;

#[derive(Default)]
struct Pending {
    sessions: HashMap<Uuid, i64>,
    organizations: HashSet<Uuid>,
}

/// The notices committed writes left for other processes.
#[derive(Default)]
pub struct Notifier {
    pending: Mutex<Pending>,
    arrived: Notify,
}

impl Notifier {
    /// Starts the notifier of `db` (a PostgreSQL pool) on the current runtime; it stops once the
    /// returned handle is dropped.
    pub fn start(db: DatabaseConnection) -> Arc<Self> {
        let notifier = Arc::new(Self::default());
        tokio::spawn(run(Arc::downgrade(&notifier), db));
        notifier
    }

    /// Session `session_id` committed events up to `sequence` (0 when not known).
    pub fn session(&self, session_id: Uuid, sequence: i64) {
        {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            let last = pending.sessions.entry(session_id).or_default();
            *last = (*last).max(sequence);
        }
        self.arrived.notify_one();
    }

    /// Organization `organization_id` committed events to its log.
    pub fn organization(&self, organization_id: Uuid) {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).organizations.insert(organization_id);
        self.arrived.notify_one();
    }

    fn take(&self) -> Pending {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Sends the notices as they come, until the notifier is dropped.
async fn run(notifier: Weak<Notifier>, db: DatabaseConnection) {
    loop {
        let Some(strong) = notifier.upgrade() else { return };
        // Wake now and then to see whether the notifier is still wanted.
        let arrived = tokio::time::timeout(Duration::from_secs(1), strong.arrived.notified()).await.is_ok();
        if !arrived {
            continue;
        }
        tokio::time::sleep(GATHER).await;
        let pending = strong.take();
        drop(strong);
        let mut notices: Vec<(&str, String)> = pending
            .sessions
            .iter()
            .map(|(id, sequence)| (session_events::NOTIFY_CHANNEL, format!("{id}:{sequence}")))
            .collect();
        notices.extend(pending.organizations.iter().map(|id| (event_log::NOTIFY_CHANNEL, id.to_string())));
        for chunk in notices.chunks(MAX_PER_STATEMENT) {
            if let Err(err) = send(&db, chunk).await {
                // Other processes learn of these events at their next poll.
                tracing::warn!(error = %err, notices = chunk.len(), "cross-process event notices not sent");
            }
        }
    }
}

/// One statement for all `notices` (channel, payload), of one text whatever their number (the
/// channels and payloads as two `text[]` parameters, unnested in order): the connection prepares
/// it once, where a `pg_notify` per notice made a statement of its own for each number of notices.
async fn send(db: &DatabaseConnection, notices: &[(&str, String)]) -> Result<(), sea_orm::DbErr> {
    let (channels, payloads): (Vec<String>, Vec<String>) =
        notices.iter().map(|(channel, payload)| (channel.to_string(), payload.clone())).unzip();
    let mut sql = Sql::new("SELECT pg_notify(n.channel, n.payload) FROM unnest(");
    sql.bind(channels).push(", ").bind(payloads).push(") AS n(channel, payload)");
    db.execute_raw(sql.build(db.get_database_backend())).await.map(|_| ())
}

//! What readiness asks of the database: does it answer, and how many migrations are pending. A
//! background probe asks every second ([`probe_forever`]) so that `/health/ready` answers at once
//! from what it found, whatever the pools are doing.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;
use tokio::{sync::watch, time::Instant};

use crate::db::Reads;

/// How often the probe asks.
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// How long one probe waits for its answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// A database that has not answered a probe for this long is busy (not ready).
pub const STALE_AFTER: Duration = Duration::from_secs(3);

/// The database as `/health/ready` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatabaseHealth {
    /// It answered `SELECT 1`.
    pub reachable: bool,
    /// Migrations not yet applied; `None` when that could not be read.
    pub pending_migrations: Option<usize>,
}

/// What the probes found: the last answer and when it came.
#[derive(Clone, Copy, Debug)]
pub struct Probe {
    /// The last answer.
    pub health: DatabaseHealth,
    /// When it came.
    pub answered_at: Instant,
}

impl Probe {
    /// How long ago the database last answered.
    pub fn age(&self) -> Duration {
        self.answered_at.elapsed()
    }
}

/// Asks the database whether it answers and what is pending.
pub async fn database(db: &Reads) -> DatabaseHealth {
    let reachable = db.execute_unprepared("SELECT 1").await.is_ok();
    let pending_migrations =
        if reachable { Migrator::get_pending_migrations(db).await.map(|p| p.len()).ok() } else { None };
    DatabaseHealth { reachable, pending_migrations }
}

/// Probes `db` now, for the first answer (at startup).
pub async fn first_probe(db: &Reads) -> watch::Sender<Probe> {
    watch::Sender::new(Probe { health: database(db).await, answered_at: Instant::now() })
}

/// Probes `db` every second and publishes each answer; a probe that gets no answer within 2 s
/// publishes nothing, so the last answer ages.
pub async fn probe_forever(db: Reads, probes: std::sync::Arc<watch::Sender<Probe>>) {
    let mut tick = tokio::time::interval(PROBE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Ok(health) = tokio::time::timeout(PROBE_TIMEOUT, database(&db)).await {
            probes.send_replace(Probe { health, answered_at: Instant::now() });
        }
    }
}

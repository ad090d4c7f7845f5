//! How a connection pool stands right now, read without touching the database: for `/health/ready`
//! and `/metrics`.

use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{DatabaseConnection, DbBackend};

/// Requests refused because no connection came free within the acquire timeout, since start.
static TIMEOUTS: AtomicU64 = AtomicU64::new(0);

/// Counts a request refused for want of a connection (`UNAVAILABLE`).
pub fn count_timeout() {
    TIMEOUTS.fetch_add(1, Ordering::Relaxed);
}

/// Requests refused for want of a connection since start.
pub fn timeouts() -> u64 {
    TIMEOUTS.load(Ordering::Relaxed)
}

/// Units of work begun since start, and the time they waited to begin (for a connection of the
/// write pool, then on SQLite for the write lock), in microseconds.
static WRITE_BEGINS: AtomicU64 = AtomicU64::new(0);
static WRITE_WAIT_MICROS: AtomicU64 = AtomicU64::new(0);

/// Counts a unit of work that waited `waited` to begin.
pub fn count_write_wait(waited: std::time::Duration) {
    WRITE_BEGINS.fetch_add(1, Ordering::Relaxed);
    WRITE_WAIT_MICROS.fetch_add(u64::try_from(waited.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
}

/// How long units of work waited to begin, since start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteWaits {
    /// Units of work begun (or refused while waiting).
    pub begins: u64,
    /// Their waits added up, in microseconds.
    pub micros: u64,
}

impl WriteWaits {
    /// The figures now.
    pub fn now() -> Self {
        Self { begins: WRITE_BEGINS.load(Ordering::Relaxed), micros: WRITE_WAIT_MICROS.load(Ordering::Relaxed) }
    }
}

/// One pool's connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolState {
    /// Connections open.
    pub size: u32,
    /// Open connections waiting for work.
    pub idle: u32,
    /// Connections running a statement or holding a transaction.
    pub in_use: u32,
    /// The most it may open.
    pub max: u32,
}

impl PoolState {
    /// `db`'s pool as it stands.
    pub fn of(db: &DatabaseConnection) -> Option<Self> {
        let (size, idle, max) = match db.get_database_backend() {
            DbBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle(), pool.options().get_max_connections())
            }
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle(), pool.options().get_max_connections())
            }
            _ => return None,
        };
        let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
        Some(Self { size, idle, in_use: size - idle, max })
    }

    /// Every connection it may open is open and busy: the next caller waits.
    pub fn exhausted(&self) -> bool {
        self.idle == 0 && self.size >= self.max
    }
}

//! Opening the database: pool settings per backend, SQLite pragmas, the connections reads and the
//! appends' writers go through, and the SQL statement counter.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use anyhow::Context as _;
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

mod connections;
mod open_error;
mod pool_state;
mod reads;

pub use connections::{Held, PgConnections};
pub use open_error::ConfigurationError;
pub use pool_state::{PoolState, WriteWaits, count_timeout, timeouts};
pub use reads::Reads;

/// Counts the SQL statements a connection has run; read by `/metrics` and the batching tests.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements run so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Counts a statement here and in the running operation's count.
    fn add_one(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
        let _ = OPERATION_STATEMENTS.try_with(|operation| operation.fetch_add(1, Ordering::Relaxed));
    }
}

tokio::task_local! {
    /// The statement count of the operation running in this task (see [`count_statements`]).
    static OPERATION_STATEMENTS: Arc<AtomicU64>;
}

/// Runs `work` and returns its output with the number of SQL statements it ran in its task (every
/// read and write of an operation runs in the operation's task).
pub async fn count_statements<F: Future>(work: F) -> (F::Output, u64) {
    let count = Arc::new(AtomicU64::new(0));
    let output = OPERATION_STATEMENTS.scope(count.clone(), work).await;
    (output, count.load(Ordering::Relaxed))
}

/// How long a pooled connection may have been idle and still be handed out without a ping first.
/// sqlx pings on every acquire by default and again when a connection is released: on PostgreSQL
/// three round trips for a one-statement request. In sea-orm's pools (the write pool, SQLite's read
/// pool) the ping on release stays (it finds a connection left mid-statement by a cancelled request);
/// reads and the appends' writers on PostgreSQL go through [`PgConnections`], which close such a
/// connection instead. On acquire, in both, only a connection idle this long is pinged, the window
/// HikariCP uses (`aliveBypassWindowMs`, 500 ms). A connection that died within the window fails its
/// statement once and is dropped by the pool.
const ALIVE_BYPASS_WINDOW: Duration = Duration::from_millis(500);

/// Pool and timeout settings for [`connect`] and [`read_pool`].
#[derive(Clone, Debug)]
pub struct PoolSettings {
    /// Most pooled connections: on PostgreSQL the write pool's and as many for reads, on a SQLite
    /// file the read pool's (SQLite writes through one connection).
    pub max_connections: u32,
    /// How long a SQLite statement waits for a lock another process holds before it fails
    /// (`UNAVAILABLE`).
    pub busy_timeout: Duration,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time a caller waits for a free connection.
    pub acquire_timeout: Duration,
    /// PostgreSQL schema to use instead of `public` (tests isolate themselves this way).
    pub schema: Option<String>,
}

/// The options every pool of `url` shares: `settings`' timeouts and schema, between `min` and `max`
/// connections, no ping on acquire within [`ALIVE_BYPASS_WINDOW`], no statement logging.
fn pool_options(url: &str, settings: &PoolSettings, (min, max): (u32, u32)) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max)
        .min_connections(min)
        .connect_timeout(settings.connect_timeout)
        .acquire_timeout(settings.acquire_timeout)
        .test_before_acquire_if_idle_for(ALIVE_BYPASS_WINDOW)
        .sqlx_logging(false);
    if let Some(schema) = &settings.schema {
        options.set_schema_search_path(schema.clone());
    }
    options
}

/// Opens the pool writes go through on `url` and counts its statements.
///
/// SQLite gets a single connection (it has one writer: the pool is the queue of this process's
/// writes, which therefore never meet `SQLITE_BUSY` from each other, and an in-memory database stays
/// one database), WAL journaling and enforced foreign keys. Reads go through [`read_pool`].
pub async fn connect(url: &str, settings: &PoolSettings) -> anyhow::Result<(DatabaseConnection, StatementCounter)> {
    let sqlite = url.starts_with("sqlite:");
    // On PostgreSQL the event listener keeps one connection of the pool for itself.
    let mut options = pool_options(url, settings, if sqlite { (1, 1) } else { (0, settings.max_connections.max(2)) });
    if sqlite {
        // An in-memory database must never be closed by the pool, or its data is gone.
        options.idle_timeout(None::<Duration>).max_lifetime(None::<Duration>);
        let busy_timeout = settings.busy_timeout;
        options.map_sqlx_sqlite_opts(move |opts| {
            opts.foreign_keys(true)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(busy_timeout)
        });
    }
    // Two processes opening one SQLite file at once can find it locked while the other switches it to
    // WAL (SQLite does not always wait for that lock): retry within the connect timeout.
    let give_up = std::time::Instant::now() + settings.connect_timeout;
    let mut db = loop {
        match Database::connect(options.clone()).await {
            Ok(db) => break db,
            Err(err)
                if sqlite && err.to_string().contains("database is locked") && std::time::Instant::now() < give_up =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(err) => return Err(open_error::explain(url, &err).await.into()),
        }
    };
    let counter = StatementCounter::default();
    counter.count(&mut db);
    Ok((db, counter))
}

impl StatementCounter {
    /// Counts the statements `db` runs here (and in the running operation's count).
    fn count(&self, db: &mut DatabaseConnection) {
        let counter = self.clone();
        db.set_metric_callback(move |_info| counter.add_one());
    }
}

/// Whether a database at `url` on `backend` gets a read pool of its own: PostgreSQL and a SQLite
/// file do; an in-memory SQLite database (one per connection) reads through the write pool.
pub fn has_read_pool(backend: sea_orm::DbBackend, url: &str) -> bool {
    backend == sea_orm::DbBackend::Postgres || (!url.contains(":memory:") && !url.contains("mode=memory"))
}

/// The connections reads go through, counted by `counter`. On PostgreSQL: up to `max_connections` of
/// their own, which go back to their pool without a round trip ([`PgConnections`]). On a SQLite file:
/// up to `max_connections` connections of its own that cannot write (`PRAGMA query_only`): in WAL
/// mode they read beside the writer and never wait for its lock, nor for a lock another process
/// holds. On an in-memory SQLite database: `write` itself.
pub async fn read_pool(
    write: &DatabaseConnection,
    url: &str,
    settings: &PoolSettings,
    counter: &StatementCounter,
) -> anyhow::Result<Reads> {
    let backend = write.get_database_backend();
    if !has_read_pool(backend, url) {
        return Ok(Reads::Pool(write.clone()));
    }
    if backend == sea_orm::DbBackend::Postgres {
        let connections = PgConnections::open(url, settings, settings.max_connections, counter, |o| o)?;
        return Ok(Reads::Postgres(connections));
    }
    let mut options = pool_options(url, settings, (1, settings.max_connections.max(1)));
    let busy_timeout = settings.busy_timeout;
    // The writer has switched the file to WAL; a reader only needs to wait out a checkpoint's lock.
    options.map_sqlx_sqlite_opts(move |opts| {
        opts.foreign_keys(true).busy_timeout(busy_timeout).pragma("query_only", "ON").create_if_missing(false)
    });
    let mut db = Database::connect(options).await.map_err(|err| anyhow::anyhow!("opening the read pool: {err}"))?;
    counter.count(&mut db);
    Ok(Reads::Pool(db))
}

/// On PostgreSQL, the connections of the appends' writers ([`crate::sessions::event::Appends`]),
/// `connections` at most, counted by `counter`, going back to their pool without a round trip
/// ([`PgConnections`]): each runs one statement over and over, whose plan is
/// the same for any batch, and PostgreSQL is told to keep that plan (`plan_cache_mode =
/// force_generic_plan`). Left to choose, it compares after five runs on a connection the generic
/// plan's cost with the average of the custom plans' so far, and prices a custom plan for a batch of
/// a few sessions below the generic plan (priced for ten): from then on it plans every batch anew,
/// which cost 1 to 2 ms of the database's CPU per statement on our bench (its execution for six
/// appends: about 0.55 ms), and whether a connection fell into that depended on the first batches it
/// ran. The other statements keep PostgreSQL's choice: their parameters (an organization's id) may
/// well deserve a plan of their own.
pub fn writers_pool(
    url: &str,
    settings: &PoolSettings,
    counter: &StatementCounter,
    connections: u32,
) -> anyhow::Result<PgConnections> {
    PgConnections::open(url, settings, connections, counter, |opts| {
        opts.options([("plan_cache_mode", "force_generic_plan")])
    })
    .map_err(|err| err.context("opening the writers' pool"))
}

/// Opens `write`'s transaction for a unit of work. On SQLite it takes the write lock when it begins
/// (`BEGIN IMMEDIATE`), waiting for another process's lock within the busy timeout: a transaction
/// that read first and then found the file changed by another process could not wait, only fail.
/// The time it took (a free connection, then the lock) is counted for `/metrics`.
pub async fn begin_write(write: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    let mode = (write.get_database_backend() == sea_orm::DbBackend::Sqlite).then_some(SqliteTransactionMode::Immediate);
    let started = std::time::Instant::now();
    let begun =
        write.begin_with_options(TransactionOptions { sqlite_transaction_mode: mode, ..Default::default() }).await;
    pool_state::count_write_wait(started.elapsed());
    begun
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{}@{}", &url[..scheme + 3], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// Key of the PostgreSQL advisory lock that serializes migrations across processes.
const MIGRATION_LOCK_KEY: i64 = 0x646f_636b_6574; // "docket"

/// Applies pending migrations, in one transaction that first takes a lock shared by every process on
/// the database, so processes starting together on a fresh database migrate one after the other (the
/// second finds nothing pending) and a failed migration leaves nothing half-applied. PostgreSQL takes
/// an advisory lock; SQLite takes its write lock by writing to `docket_migration_lock` first. On
/// SQLite foreign keys are off during the transaction (SQLite's procedure for rebuilding a table,
/// which some migrations do, needs it, and it can only be changed outside a transaction); before
/// committing, `foreign_key_check` must find nothing.
pub async fn migrate_up(db: &DatabaseConnection) -> anyhow::Result<()> {
    use sea_orm::{ConnectionTrait, DbBackend};
    if db.get_database_backend() == DbBackend::Postgres {
        return migrate_in_transaction(db, true).await;
    }
    db.execute_unprepared("CREATE TABLE IF NOT EXISTS docket_migration_lock (id INTEGER PRIMARY KEY)").await?;
    db.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
    let migrated = migrate_in_transaction(db, false).await;
    db.execute_unprepared("PRAGMA foreign_keys = ON").await?;
    migrated
}

async fn migrate_in_transaction(db: &DatabaseConnection, postgres: bool) -> anyhow::Result<()> {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    let txn = db.begin().await?;
    if postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")).await?;
    } else {
        txn.execute_unprepared("INSERT OR REPLACE INTO docket_migration_lock (id) VALUES (1)").await?;
    }
    Migrator::up(&txn, None).await.context("applying migrations")?;
    if !postgres {
        let broken =
            txn.query_all_raw(Statement::from_string(sea_orm::DbBackend::Sqlite, "PRAGMA foreign_key_check")).await?;
        anyhow::ensure!(broken.is_empty(), "{} rows point at missing rows after migrating", broken.len());
    }
    txn.commit().await?;
    Ok(())
}

//! Connections to PostgreSQL that go back to their pool without a round trip: the connections reads
//! run on, and those the appends' writers send through.
//!
//! sqlx's pool tests every connection it gets back with a ping (`Sync`, then a wait for
//! `ReadyForQuery`), in a task it spawns for that, because a caller that went away mid-statement may
//! have left the connection half-read. A one-statement read paid a second round trip and a task for
//! it, and the dashboard's five statements five of them: about a tenth of the server's CPU per simple
//! list. Here ([`deadpool`]'s pool, whose objects go back synchronously and untested) a connection goes
//! back only after its statement completed; one whose statement failed, or whose caller went away
//! mid-statement, is closed instead. A connection idle for longer than
//! [`super::ALIVE_BYPASS_WINDOW`] is pinged before it is handed out, as the sea-orm pools are
//! configured ([`super::pool_options`]); connections idle for [`IDLE_TIMEOUT`] or open for
//! [`MAX_LIFETIME`] are closed, sqlx's defaults.

use std::{str::FromStr as _, sync::Arc, time::Duration};

use deadpool::{
    Runtime,
    managed::{self, Metrics, Object, PoolError, RecycleError, RecycleResult, Timeouts},
};
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr, Statement,
    sqlx::{
        self, ConnectOptions as _, Connection as _, Executor as _, PgConnection,
        postgres::{PgConnectOptions, PgQueryResult},
    },
};
use sea_query_sqlx::SqlxValues;

use super::{ALIVE_BYPASS_WINDOW, PoolSettings, PoolState, StatementCounter};

/// Connections idle this long are closed (sqlx's default `idle_timeout`).
const IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// Connections open this long are closed when next idle (sqlx's default `max_lifetime`).
const MAX_LIFETIME: Duration = Duration::from_secs(1800);
/// How often idle connections are looked over for [`IDLE_TIMEOUT`] and [`MAX_LIFETIME`].
const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// Opens connections with the pool's options and tells whether a pooled one may be handed out.
struct Connector {
    options: PgConnectOptions,
    /// `SET search_path` for a PostgreSQL schema other than `public`, run on each new connection.
    search_path: Option<String>,
}

impl managed::Manager for Connector {
    type Type = PgConnection;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<PgConnection, sqlx::Error> {
        let mut connection = self.options.connect().await?;
        if let Some(set) = &self.search_path {
            connection.execute(sqlx::AssertSqlSafe(set.as_str())).await?;
        }
        Ok(connection)
    }

    /// A connection used within [`ALIVE_BYPASS_WINDOW`] is handed out as it is; one idle longer is
    /// pinged first, and one open longer than [`MAX_LIFETIME`] is closed.
    async fn recycle(&self, connection: &mut PgConnection, metrics: &Metrics) -> RecycleResult<sqlx::Error> {
        if metrics.age() >= MAX_LIFETIME {
            return Err(RecycleError::message("open for longer than the connections' lifetime"));
        }
        if metrics.last_used() >= ALIVE_BYPASS_WINDOW {
            connection.ping().await?;
        }
        Ok(())
    }
}

/// A pool of PostgreSQL connections that statements run on one at a time (see the module's notes),
/// counted by a [`StatementCounter`]. Cheap to clone; it is a [`ConnectionTrait`], so services take it
/// as they take a sea-orm pool. No transactions: units of work go through the write pool.
#[derive(Clone)]
pub struct PgConnections {
    pool: managed::Pool<Connector>,
    counter: StatementCounter,
    _sweeper: Arc<Sweeper>,
}

/// Stops the task that closes idle connections when the last clone of the pool goes.
struct Sweeper(tokio::task::JoinHandle<()>);

impl Drop for Sweeper {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl PgConnections {
    /// A pool of up to `max` connections (at least one) to `url` with `settings`' timeouts and schema, whose
    /// connections are opened when first needed; `options` adds connection settings (the appends'
    /// writers set `plan_cache_mode`). Errors: `url` is not a PostgreSQL URL sqlx understands.
    pub fn open(
        url: &str,
        settings: &PoolSettings,
        max: u32,
        counter: &StatementCounter,
        options: impl FnOnce(PgConnectOptions) -> PgConnectOptions,
    ) -> anyhow::Result<Self> {
        let parsed = PgConnectOptions::from_str(url)?.disable_statement_logging();
        // The schema named as sea-orm's pools name it (`super::pool_options`): quoted.
        let search_path = settings.schema.as_ref().map(|schema| format!("SET search_path = \"{schema}\""));
        let connector = Connector { options: options(parsed), search_path };
        let timeouts = Timeouts {
            wait: Some(settings.acquire_timeout),
            create: Some(settings.connect_timeout),
            recycle: Some(settings.connect_timeout),
        };
        let pool = managed::Pool::builder(connector)
            .max_size(max.max(1) as usize)
            .timeouts(timeouts)
            // The connection used last goes out first: it is the likeliest to be alive, and the
            // others stay idle long enough to be closed when the load drops.
            .queue_mode(managed::QueueMode::Lifo)
            .runtime(Runtime::Tokio1)
            .build()?;
        let weak = pool.weak();
        let sweeper = tokio::spawn(async move {
            loop {
                tokio::time::sleep(SWEEP_EVERY).await;
                let Some(pool) = weak.upgrade() else { return };
                pool.retain(|_, metrics| metrics.last_used() < IDLE_TIMEOUT && metrics.age() < MAX_LIFETIME);
            }
        });
        Ok(Self { pool, counter: counter.clone(), _sweeper: Arc::new(Sweeper(sweeper)) })
    }

    /// How the pool stands.
    pub fn state(&self) -> PoolState {
        let status = self.pool.status();
        let size = u32::try_from(status.size).unwrap_or(u32::MAX);
        let idle = u32::try_from(status.available).unwrap_or(u32::MAX).min(size);
        PoolState { size, idle, in_use: size - idle, max: u32::try_from(status.max_size).unwrap_or(u32::MAX) }
    }

    /// Closes the idle connections and those in use as they come back; from then on no connection is
    /// handed out (`ConnectionAcquire(ConnectionClosed)`).
    pub fn close(&self) {
        self.pool.close();
    }

    /// A connection of the pool, held until the returned [`Held`] is dropped or [`Held::release`]d.
    /// Errors: `ConnectionAcquire(Timeout)` when none comes free within the acquire timeout, or a new
    /// one takes longer than the connect timeout; `Conn` when a new one cannot be opened (both
    /// `UNAVAILABLE`, as sea-orm's pools give them).
    pub async fn hold(&self) -> Result<Held, DbErr> {
        match self.pool.get().await {
            Ok(object) => Ok(Held(Some(object))),
            Err(PoolError::Timeout(_)) => Err(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
            Err(PoolError::Closed) => Err(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)),
            Err(PoolError::Backend(err)) => Err(DbErr::Conn(RuntimeErr::SqlxError(Arc::new(err)))),
            Err(err) => Err(DbErr::Custom(format!("no connection: {err}"))),
        }
    }
}

/// A connection taken from [`PgConnections`]. Dropped, it is closed: it goes back to the pool only
/// through [`Held::release`], which a caller calls once its statement completed.
pub struct Held(Option<Object<Connector>>);

impl Held {
    /// The connection.
    fn connection(&mut self) -> &mut PgConnection {
        self.0.as_mut().expect("present until released or dropped")
    }

    /// Gives the connection back to the pool, ready for the next statement.
    pub fn release(mut self) {
        drop(self.0.take());
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(object) = self.0.take() {
            // Taken out of the pool and dropped: its socket closes, and the pool may open another.
            drop(Object::take(object));
        }
    }
}

/// The statement of `sql` and `values` as sqlx runs it, its values bound as sea-orm binds them (moved:
/// an append's batch is one large text value).
fn query(sql: &str, values: Option<sea_orm::Values>) -> sqlx::query::Query<'_, sqlx::Postgres, SqlxValues> {
    let values = values.unwrap_or_else(|| sea_orm::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(sql), SqlxValues(values))
}

/// Runs `$work` on a held connection of `$self`, counting it as a statement, and releases the
/// connection when it succeeded.
macro_rules! on_held {
    ($self:ident, $error:path, |$connection:ident| $work:expr) => {{
        let mut held = $self.hold().await?;
        $self.counter.add_one();
        let $connection = held.connection();
        match $work.await {
            Ok(out) => {
                held.release();
                Ok(out)
            }
            Err(err) => Err($error(RuntimeErr::SqlxError(Arc::new(err)))),
        }
    }};
}

#[async_trait::async_trait]
impl ConnectionTrait for PgConnections {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let Statement { sql, values, .. } = stmt;
        let done: PgQueryResult = on_held!(self, DbErr::Exec, |connection| query(&sql, values).execute(connection))?;
        Ok(done.into())
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let done: PgQueryResult =
            on_held!(self, DbErr::Exec, |connection| sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(connection))?;
        Ok(done.into())
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let Statement { sql, values, .. } = stmt;
        let row = on_held!(self, DbErr::Query, |connection| query(&sql, values).fetch_optional(connection))?;
        Ok(row.map(QueryResult::from))
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let Statement { sql, values, .. } = stmt;
        let rows = on_held!(self, DbErr::Query, |connection| query(&sql, values).fetch_all(connection))?;
        Ok(rows.into_iter().map(QueryResult::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::ConnectionTrait;

    use super::*;
    use crate::error::ApiError;

    #[tokio::test]
    async fn a_database_that_cannot_be_reached_is_unavailable_not_an_internal_error() {
        let settings = PoolSettings {
            max_connections: 1,
            busy_timeout: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
            schema: None,
        };
        // Nothing listens on the discard port of this machine.
        let connections = PgConnections::open(
            "postgres://docket@127.0.0.1:9/none",
            &settings,
            1,
            &StatementCounter::default(),
            |o| o,
        )
        .expect("a PostgreSQL URL");
        let stmt = Statement::from_string(DbBackend::Postgres, "SELECT 1");
        let err = connections.query_all_raw(stmt).await.expect_err("nothing to connect to");
        assert!(matches!(err, DbErr::Conn(_)), "{err:?}");
        assert_eq!(ApiError::from(err).code(), "UNAVAILABLE");
        assert_eq!(connections.state().size, 0, "no connection counted that was never opened");
    }
}

//! Where a test's data lives: an in-memory or file SQLite database, or a schema of its own on
//! PostgreSQL; and the URL a `docket` process uses to reach it.

use std::{path::PathBuf, time::Duration};

use api::db::PoolSettings;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::sync::OnceCell;

/// Where a test's data lives; dropped with the test.
pub struct TestDb {
    /// URL the app connects to.
    pub url: String,
    /// PostgreSQL schema (isolates the test), if any.
    pub schema: Option<String>,
    file: Option<PathBuf>,
}

static SWEEP: OnceCell<()> = OnceCell::const_new();

impl TestDb {
    /// A fresh database: a SQLite file, as a server runs by default (its writer and its read pool
    /// apart), or a new schema on `TEST_DATABASE_URL`. With `shareable` a second app can open it;
    /// without, SQLite may be in memory when `TEST_SQLITE_MEMORY` is set.
    pub async fn new(shareable: bool) -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if url.starts_with("postgres") => {
                SWEEP.get_or_init(|| sweep_leftover_schemas(url.clone())).await;
                let schema = format!("test_{}_{}", std::process::id(), uuid::Uuid::new_v4().simple());
                let admin = sea_orm::Database::connect(&url).await.expect("TEST_DATABASE_URL must be reachable");
                admin.execute_unprepared(&format!("CREATE SCHEMA \"{schema}\"")).await.expect("create test schema");
                admin.close().await.ok();
                Self { url, schema: Some(schema), file: None }
            }
            _ if !shareable && std::env::var_os("TEST_SQLITE_MEMORY").is_some() => {
                Self { url: "sqlite::memory:".into(), schema: None, file: None }
            }
            _ => {
                // A memory-backed folder where there is one: the files live as long as the test.
                let shm = std::path::Path::new("/dev/shm");
                let folder = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
                let file = folder.join(format!("docket-test-{}.db", uuid::Uuid::new_v4().simple()));
                Self { url: format!("sqlite://{}?mode=rwc", file.display()), schema: None, file: Some(file) }
            }
        }
    }

    /// A migrated pool on this database and its statement counter.
    pub async fn connect(&self) -> (DatabaseConnection, api::db::StatementCounter) {
        self.connect_with(Duration::from_secs(10), 5).await
    }

    /// [`TestDb::connect`] with SQLite's busy timeout set to `busy_timeout` and at most
    /// `max_connections` (PostgreSQL; SQLite writes through one).
    pub async fn connect_with(
        &self,
        busy_timeout: Duration,
        max_connections: u32,
    ) -> (DatabaseConnection, api::db::StatementCounter) {
        let settings = PoolSettings {
            max_connections,
            busy_timeout,
            connect_timeout: Duration::from_secs(10),
            acquire_timeout: Duration::from_secs(10),
            schema: self.schema.clone(),
        };
        let (db, counter) = api::db::connect(&self.url, &settings).await.expect("connect to test database");
        api::db::migrate_up(&db).await.expect("migrate test database");
        (db, counter)
    }
}

/// Another process's write lock on a test database, held until [`WriteLock::release`]: on SQLite
/// the database's write lock (`BEGIN IMMEDIATE`, as `docket import` in another process takes it), on
/// PostgreSQL a lock on `workspaces` that stops writers but not readers (`EXCLUSIVE`).
pub enum WriteLock {
    /// A SQLite connection inside its write transaction.
    Sqlite(sea_orm::sqlx::SqliteConnection),
    /// A PostgreSQL connection inside its locking transaction.
    Postgres(sea_orm::sqlx::PgConnection),
}

impl WriteLock {
    /// Takes the lock on `db` (a shareable SQLite file or a PostgreSQL schema).
    pub async fn take(db: &TestDb) -> Self {
        use sea_orm::sqlx::{Connection, Executor};
        match &db.schema {
            Some(schema) => {
                let mut conn = sea_orm::sqlx::PgConnection::connect(&db.url).await.expect("connect to PostgreSQL");
                conn.execute("BEGIN").await.expect("begin");
                let lock = format!("LOCK TABLE \"{schema}\".workspaces IN EXCLUSIVE MODE");
                conn.execute(sea_orm::sqlx::AssertSqlSafe(lock)).await.expect("lock workspaces");
                Self::Postgres(conn)
            }
            None => {
                assert!(db.file.is_some(), "a write lock needs a shareable SQLite database");
                let mut conn = sea_orm::sqlx::SqliteConnection::connect(&db.url).await.expect("open the SQLite file");
                conn.execute("BEGIN IMMEDIATE").await.expect("take the write lock");
                Self::Sqlite(conn)
            }
        }
    }

    /// Ends the other process's transaction, releasing the lock.
    pub async fn release(self) {
        use sea_orm::sqlx::Executor;
        match self {
            Self::Sqlite(mut conn) => conn.execute("ROLLBACK").await.map(drop).expect("release"),
            Self::Postgres(mut conn) => conn.execute("ROLLBACK").await.map(drop).expect("release"),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(schema) = self.schema.take() {
            let url = self.url.clone();
            // Drop runs inside the test's runtime, which may be single-threaded and still own a pool
            // connection in the middle of a transaction on this schema: DROP SCHEMA would wait for
            // that connection's locks while this thread waited for DROP SCHEMA. So the drop runs on
            // a thread of its own that nobody waits for; it proceeds once the runtime has ended and
            // its connections closed. A schema left behind by an exiting process is swept at the
            // next run.
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    if let Ok(admin) = sea_orm::Database::connect(&url).await {
                        let _ = admin.execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")).await;
                        let _ = admin.close().await;
                    }
                });
            });
        }
        if let Some(file) = self.file.take() {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}

/// Drops `test_<pid>_*` schemas left by test processes that no longer run.
async fn sweep_leftover_schemas(url: String) {
    let Ok(admin) = sea_orm::Database::connect(&url).await else { return };
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'test\\_%'",
        ))
        .await
        .unwrap_or_default();
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "nspname") else { continue };
        let pid = name.split('_').nth(1).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = admin.execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE")).await;
        }
    }
    let _ = admin.close().await;
}

/// The URL a separate process uses to reach `db` (PostgreSQL: the test's schema as search path).
pub fn process_database_url(db: &TestDb) -> String {
    match &db.schema {
        Some(schema) => format!("{}?options=-c%20search_path%3D{schema}", db.url),
        None => db.url.clone(),
    }
}

//! What readiness asks of the database: does it answer, and how many migrations are pending.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection};

/// The database as `/health/ready` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatabaseHealth {
    /// It answered `SELECT 1`.
    pub reachable: bool,
    /// Migrations not yet applied; `None` when that could not be read.
    pub pending_migrations: Option<usize>,
}

/// Asks the database whether it answers and what is pending.
pub async fn database(db: &DatabaseConnection) -> DatabaseHealth {
    let reachable = db.execute_unprepared("SELECT 1").await.is_ok();
    let pending_migrations =
        if reachable { Migrator::get_pending_migrations(db).await.map(|p| p.len()).ok() } else { None };
    DatabaseHealth { reachable, pending_migrations }
}

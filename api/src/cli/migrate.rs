//! `docket migrate`: the schema by hand.

use migration::{Migrator, MigratorTrait};

use super::MigrateAction;
use crate::{
    config::Config,
    db::{self, PoolSettings},
    startup::open_database,
};

/// `docket migrate`: applies, rolls back, lists or redoes the migrations.
pub async fn migrate(config: &Config, action: MigrateAction) -> anyhow::Result<()> {
    if let MigrateAction::Up = action {
        open_database(config, None).await?;
        println!("all migrations applied");
        return Ok(());
    }
    let settings = PoolSettings {
        max_connections: 1,
        busy_timeout: std::time::Duration::from_millis(config.db_busy_timeout_ms),
        connect_timeout: std::time::Duration::from_secs(config.db_connect_timeout_secs),
        acquire_timeout: std::time::Duration::from_secs(config.db_acquire_timeout_secs),
        schema: None,
    };
    let (db, _) = db::connect(&config.database_url, &settings).await?;
    match action {
        MigrateAction::Up => unreachable!("handled above"),
        MigrateAction::Down => {
            Migrator::down(&db, Some(1)).await?;
            println!("rolled back the most recent migration");
        }
        MigrateAction::Fresh => {
            Migrator::fresh(&db).await?;
            println!("dropped all tables and applied all migrations");
        }
        MigrateAction::Status => {
            for migration in Migrator::get_migration_with_status(&db).await? {
                println!("{:<10} {}", format!("{}", migration.status()), migration.name());
            }
        }
    }
    Ok(())
}

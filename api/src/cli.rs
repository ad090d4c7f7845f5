//! The `docket` command line: `serve` (the default), `migrate`, `schema`.

use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};

use crate::{
    config::Config,
    db::{self, PoolSettings},
    graphql,
    startup::{Application, open_database},
    telemetry,
};

/// Docket: the GraphQL system of record for AI-driven software-development work.
#[derive(Parser, Debug)]
#[command(name = "docket", version)]
pub struct Cli {
    /// What to do; `serve` when absent.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Server and database settings.
    #[command(flatten)]
    pub config: Config,
}

/// `docket` subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the GraphQL API (the default): applies pending migrations, then listens.
    Serve,
    /// Manage the database schema by hand.
    Migrate {
        /// What to do with the migrations.
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the GraphQL schema (SDL) to standard output.
    Schema,
}

/// `docket migrate` actions.
#[derive(Subcommand, Debug, Clone, Copy)]
pub enum MigrateAction {
    /// Apply all pending migrations.
    Up,
    /// Roll back the most recent migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
    /// Drop every table and apply all migrations again (destroys data).
    Fresh,
}

/// Runs the command line; the `docket` binary calls this and nothing else.
pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(std::env::var("LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")));
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(cli.config).await?;
            tracing::info!(port = app.port(), "docket is listening; GraphiQL at /graphql");
            app.run_until_stopped().await
        }
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::Migrate { action } => migrate(&cli.config, action).await,
    }
}

async fn migrate(config: &Config, action: MigrateAction) -> anyhow::Result<()> {
    if let MigrateAction::Up = action {
        open_database(config, None).await?;
        println!("all migrations applied");
        return Ok(());
    }
    let settings = PoolSettings {
        max_connections: 1,
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

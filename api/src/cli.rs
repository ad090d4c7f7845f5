//! The `docket` command line: `serve` (the default), `migrate`, `schema`, `import`, `export`,
//! `cleanup`, `backup`, `org`, `key`. Commands other than `serve` act on the database directly, as Docket itself
//! (`system docket-cli`) in the organization they name: whoever can run them can reach the database.

mod access;
mod maintenance;
mod migrate;
mod taskmaster;

use clap::{Parser, Subcommand, ValueEnum};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::{
    access::organization,
    config::Config,
    graphql,
    service::{Ctx, RequestContext, Role, Viewer},
    startup::{Application, open_database},
    telemetry,
    work::import::ImportOptions,
};

pub use taskmaster::describe_report;

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
    /// Import a Task Master `tasks.json` into a project (created when missing). Re-importing the
    /// same file changes nothing; an edited file updates what changed. One transaction: a file with
    /// an error imports nothing.
    Import {
        /// The `tasks.json` file (legacy or tagged format).
        path: std::path::PathBuf,
        /// Project name.
        #[arg(long)]
        project: String,
        /// The organization (name or slug).
        #[arg(long, default_value = organization::DEFAULT_SLUG)]
        org: String,
        /// Only this tag (repeatable); all tags when omitted.
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Print what would be created, updated and left alone, without writing.
        #[arg(long)]
        dry_run: bool,
        /// Refuse the file when a dependency is dangling or cyclic instead of leaving it out.
        #[arg(long)]
        strict: bool,
    },
    /// Write a project's tasks as a tagged Task Master `tasks.json`.
    Export {
        /// Project name.
        #[arg(long)]
        project: String,
        /// The organization (name or slug).
        #[arg(long, default_value = organization::DEFAULT_SLUG)]
        org: String,
        /// Only this tag (repeatable); all tags when omitted.
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Output file; standard output when omitted.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
    /// Delete what is past its retention period (events, audit entries, ended sessions' events) and
    /// print how many rows per organization; with `--dry-run`, only count.
    Cleanup {
        /// Count, delete nothing.
        #[arg(long)]
        dry_run: bool,
        /// Only this organization (name or slug).
        #[arg(long)]
        org: Option<String>,
    },
    /// Copy the SQLite database to PATH, consistent while the server runs (`VACUUM INTO`). For
    /// PostgreSQL, use `pg_dump` (see README, Operations).
    Backup {
        /// Where to write the copy; must not exist.
        path: std::path::PathBuf,
    },
    /// Create and list organizations.
    Org {
        /// What to do.
        #[command(subcommand)]
        action: access::OrgCommand,
    },
    /// Create, list and revoke API keys.
    Key {
        /// What to do.
        #[command(subcommand)]
        action: access::KeyCommand,
    },
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

/// A role on the command line.
#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum RoleArg {
    /// Reads and subscribes.
    Viewer,
    /// Also writes work items.
    Member,
    /// Also manages keys and members.
    Admin,
    /// Also renames the organization.
    Owner,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Member => Role::Member,
            RoleArg::Admin => Role::Admin,
            RoleArg::Owner => Role::Owner,
        }
    }
}

/// Runs the command line; the `docket` binary calls this and nothing else.
pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    let output = if matches!(command, Command::Serve) { telemetry::Output::Stdout } else { telemetry::Output::Stderr };
    telemetry::init(std::env::var("LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")), output);
    match command {
        Command::Serve => {
            // A server on every interface is reached from this machine on the loopback address.
            let ip = match cli.config.listen.ip() {
                ip if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
                ip => ip,
            };
            let app = Application::build(cli.config).await?;
            let url = format!("http://{}/graphql", std::net::SocketAddr::new(ip, app.port()));
            tracing::info!(port = app.port(), "docket is listening on {url} (open it in a browser for GraphiQL)");
            app.run_until_stopped().await
        }
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::Migrate { action } => migrate::migrate(&cli.config, action).await,
        Command::Import { path, project, org, tags, dry_run, strict } => {
            let options = ImportOptions { tags: (!tags.is_empty()).then_some(tags), dry_run, strict };
            taskmaster::import(&cli.config, &org, &path, &project, options).await
        }
        Command::Export { project, org, tags, output } => {
            taskmaster::export(&cli.config, &org, &project, &tags, output).await
        }
        Command::Cleanup { dry_run, org } => maintenance::cleanup(&cli.config, dry_run, org.as_deref()).await,
        Command::Backup { path } => maintenance::backup(&cli.config, &path).await,
        Command::Org { action } => access::org(&cli.config, action).await,
        Command::Key { action } => access::key(&cli.config, action).await,
    }
}

/// The migrated database of `config`.
async fn open(config: &Config) -> anyhow::Result<DatabaseConnection> {
    Ok(open_database(config, None).await?.0)
}

/// Runs service calls as Docket itself (`system docket-cli`, an owner) in the organization named (or
/// slugged) `org`.
async fn with_services<T>(
    config: &Config,
    org: &str,
    run: impl AsyncFnOnce(Ctx<'_>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let db = open(config).await?;
    let organization = organization::by_name(&db, org).await.map_err(|_| anyhow::anyhow!("no organization `{org}`"))?;
    in_organization(&db, organization.id, run).await
}

/// Runs service calls as Docket itself in organization `organization_id`.
async fn in_organization<T>(
    db: &DatabaseConnection,
    organization_id: Uuid,
    run: impl AsyncFnOnce(Ctx<'_>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let bus = crate::bus::EventBus::new(db.clone(), 1, std::time::Duration::from_secs(5));
    let request = RequestContext::of(Viewer::system("docket-cli", organization_id));
    let reads = crate::db::Reads::Pool(db.clone());
    run(Ctx::over(db, &reads, &bus, &request)).await
}

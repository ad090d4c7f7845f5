//! The `docket` command line: `serve` (the default), `migrate`, `schema`.

use std::io::IsTerminal;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use migration::{Migrator, MigratorTrait};

use crate::{
    config::Config,
    db::{self, PoolSettings},
    graphql,
    service::{
        RequestContext,
        import::{self, ImportOptions, ImportReport},
    },
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
    /// Import a Task Master `tasks.json` into a project (created when missing). Re-importing the
    /// same file changes nothing; an edited file updates what changed. One transaction: a file with
    /// an error imports nothing.
    Import {
        /// The `tasks.json` file (legacy or tagged format).
        path: std::path::PathBuf,
        /// Project name.
        #[arg(long)]
        project: String,
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
        /// Only this tag (repeatable); all tags when omitted.
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Output file; standard output when omitted.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
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
        Command::Import { path, project, tags, dry_run, strict } => {
            let options = ImportOptions { tags: (!tags.is_empty()).then_some(tags), dry_run, strict };
            taskmaster_import(&cli.config, &path, &project, options).await
        }
        Command::Export { project, tags, output } => taskmaster_export(&cli.config, &project, &tags, output).await,
    }
}

/// Runs a service call outside any request, as the `docket` command line.
async fn with_services<T>(
    config: &Config,
    run: impl AsyncFnOnce(crate::service::Ctx<'_>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let (db, statements) = open_database(config, None).await?;
    let state = crate::state::AppState {
        bus: crate::events::EventBus::new(db.clone(), 1, config.event_poll_interval()),
        db,
        config: std::sync::Arc::new(config.clone()),
        statements,
        shutdown: tokio::sync::watch::channel(false).1,
        websockets: std::sync::Arc::new(tokio::sync::watch::channel(0usize).0),
    };
    let request = RequestContext { actor: Some(format!("docket-cli:{}", whoami())), request_id: None };
    run(state.ctx(&request)).await
}

fn whoami() -> String {
    std::env::var("USER").unwrap_or_else(|_| "unknown".into())
}

async fn taskmaster_import(
    config: &Config,
    path: &std::path::Path,
    project: &str,
    options: ImportOptions,
) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let document: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} importing [{bar:40}] {pos}/{len} tasks")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar
    });
    let progress = |done: u64, total: u64| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let report = with_services(config, async |cx| {
        import::import_by_name(cx, project, &document, &options, &progress)
            .await
            .map_err(|err| anyhow::anyhow!("{err}"))
    })
    .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = report?;
    print!("{}", describe_report(&report));
    Ok(())
}

/// The report as a terminal shows it: per tag what was (or would be) created and updated, the
/// warnings, and a one-line summary.
pub fn describe_report(report: &ImportReport) -> String {
    let mut out = String::new();
    let verb = if report.dry_run { "would be " } else { "" };
    for tag in &report.tags {
        let ids = |list: &[String]| if list.is_empty() { "none".to_owned() } else { list.join(", ") };
        out += &format!(
            "tag {}:
",
            tag.tag
        );
        out += &format!(
            "  {verb}created ({}): {}
",
            tag.created.len(),
            ids(&tag.created)
        );
        out += &format!(
            "  {verb}updated ({}): {}
",
            tag.updated.len(),
            ids(&tag.updated)
        );
        out += &format!(
            "  unchanged: {}
",
            tag.unchanged
        );
        out += &format!(
            "  dependencies {verb}added: {}, removed: {}
",
            tag.dependencies_added, tag.dependencies_removed
        );
    }
    for warning in &report.warnings {
        out += &format!(
            "warning: {warning}
"
        );
    }
    let sum = |f: fn(&import::TagReport) -> u64| report.tags.iter().map(f).sum::<u64>();
    out += &format!(
        "{}project {}: {} created, {} updated, {} unchanged, {} dependencies added, {} removed, {} warnings\n",
        if report.dry_run { "dry run, nothing written: " } else { "" },
        report.project.name,
        sum(|t| t.created.len() as u64),
        sum(|t| t.updated.len() as u64),
        sum(|t| t.unchanged),
        sum(|t| t.dependencies_added),
        sum(|t| t.dependencies_removed),
        report.warnings.len()
    );
    out
}

async fn taskmaster_export(
    config: &Config,
    project: &str,
    tags: &[String],
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let document = with_services(config, async |cx| {
        let found = crate::service::project::find_by_name(cx.db, project)
            .await
            .map_err(|err| anyhow::anyhow!("{err}"))?
            .ok_or_else(|| anyhow::anyhow!("no project named `{project}`"))?;
        let only = (!tags.is_empty()).then_some(tags);
        import::export(cx.db, found.id, only).await.map_err(|err| anyhow::anyhow!("{err}"))
    })
    .await?;
    let text = serde_json::to_string_pretty(&document)? + "\n";
    match output {
        Some(path) => std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
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

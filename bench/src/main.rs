//! `docket-bench`: seeds a realistic data set, drives a `docket` server with fixed workloads for a
//! fixed time at a fixed concurrency, and prints one table plus a JSON file: throughput, p50/p95/p99
//! latency, the server's peak resident memory and SQL statements per request.
//!
//! Workloads, each GraphQL one against its raw-SQL floor through the same driver and pool: `simple`
//! (one flat page) and `simple-raw`; `simple-locked` (`simple` while another process holds the write
//! lock and a write waits for it); `dashboard-3level` (workspaces → sessions → todos and events,
//! 5,220 nodes) and `dashboard-3level-raw` (four statements); `dashboard` (workspaces, sessions,
//! counts and the project dashboard) and `raw`; `ingest` (`appendSessionEvent` at full speed) and
//! `ingest-raw` (one statement); and `fan-out` (websocket subscribers while events are appended at a
//! fixed rate), `claim` (todos claimed and completed by concurrent workers) and `refusal` (hostile
//! documents turned away); `pg5-simple`, `pg5-dashboard-3level` and `pg5-ingest` run the same
//! three on PostGraphile 5, started by the bench on the same rows. After each workload the
//! server's memory is sampled for a quiet period; ratios to the floors are printed, and `--check`
//! fails the run when a target is missed. See `BENCHMARKS.md`.

mod client;
mod machine;
mod peer;
mod report;
mod seed;
mod server;
mod stats;
mod targets;
mod workload;

use std::{path::PathBuf, time::Duration};

use anyhow::Context as _;
use clap::Parser;

use crate::{report::Report, server::Server, workload::Run};

/// Command-line options.
#[derive(Parser, Debug, Clone)]
#[command(name = "docket-bench", version, about)]
pub struct Args {
    /// Database for the server and the raw floors. Without `--target` it is emptied first
    /// (`docket migrate fresh`): give it a database of its own (deliberately not `DATABASE_URL`).
    #[arg(long, env = "DOCKET_BENCH_DATABASE_URL", default_value = "sqlite://docket-bench.db?mode=rwc")]
    pub database_url: String,
    /// A running server (`http://HOST:PORT`) on `--database-url` to drive instead of starting one.
    #[arg(long)]
    pub target: Option<String>,
    /// The `docket` binary to start; by default the one built next to this binary.
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
    /// Seconds each workload runs.
    #[arg(long, default_value_t = 10)]
    pub duration_secs: u64,
    /// Concurrent clients of the closed-loop workloads (all but fan-out), unless a workload says
    /// `NAME@CLIENTS`.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Workloads to run, in order: simple, simple-raw, simple-locked, dashboard-3level, dashboard-3level-raw,
    /// dashboard, raw, ingest, ingest-raw, fan-out, claim, refusal, and on the PostGraphile 5 peer
    /// (PostgreSQL only) pg5-simple, pg5-dashboard-3level, pg5-ingest; `NAME@CLIENTS` runs one with that
    /// many clients (its floor is the floor run with as many).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "simple,simple-raw,dashboard-3level,dashboard-3level-raw,dashboard-3level@64,dashboard-3level-raw@64,ingest,ingest-raw,fan-out"
    )]
    pub workloads: Vec<Run>,
    /// Times the whole list of workloads runs; the table shows each workload's median round.
    #[arg(long, default_value_t = 1)]
    pub rounds: usize,
    /// Seconds of quiet after each workload, RSS sampled each second (the table's `RSS +10s` is the
    /// last sample).
    #[arg(long, default_value_t = 10)]
    pub settle_secs: u64,
    /// Exit with status 1 when a target is missed (ratios to the floors, p99, memory; see
    /// BENCHMARKS.md).
    #[arg(long)]
    pub check: bool,
    /// Websocket subscribers of the fan-out workload.
    #[arg(long, default_value_t = 1000)]
    pub subscribers: usize,
    /// Sessions the fan-out subscribers are spread over (round-robin).
    #[arg(long, default_value_t = 100)]
    pub fanout_sessions: usize,
    /// Events appended per second during the fan-out workload.
    #[arg(long, default_value_t = 1000)]
    pub event_rate: u32,
    /// Todos in the session the claim workload's workers empty (a session holds at most 10,000).
    #[arg(long, default_value_t = 10_000)]
    pub claim_todos: usize,
    /// The PostGraphile 5 peer's directory (packages, configuration, documents); by default
    /// `bench/peers/postgraphile5` of the source tree the bench was built from.
    #[arg(long)]
    pub peer_dir: Option<PathBuf>,
    /// Where the JSON report is written.
    #[arg(long, default_value = "docket-bench.json")]
    pub output: PathBuf,
}

impl Args {
    fn duration(&self) -> Duration {
        Duration::from_secs(self.duration_secs.max(1))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let _ = machine::POSTGRES.set(args.database_url.starts_with("postgres"));
    let server = match &args.target {
        Some(address) => Server::target(address.clone()),
        None => {
            let bin = match &args.server_bin {
                Some(bin) => bin.clone(),
                None => std::env::current_exe()?.with_file_name("docket"),
            };
            anyhow::ensure!(
                bin.exists(),
                "no docket binary at {}: build it (`cargo build --release`) or pass --server-bin",
                bin.display()
            );
            Server::start(&bin, &args.database_url).await?
        }
    };
    eprintln!("docket-bench: server at {}; seeding", server.address);
    let client = client::Gql::new(&server.address);
    let (pool, _) = workload::raw_pool(&args).await?;
    let data = seed::seed(&client, &pool, || workload::analyze(&pool)).await.context("seeding failed")?;
    eprintln!("docket-bench: seeded {}", data.summary());
    workload::analyze(&pool).await.context("ANALYZE after seeding")?;
    pool.close().await?;

    let mut report = Report::new(&args, &server, &data).await;
    let mut peer = peer::Peer::default();
    if args.workloads.iter().any(|r| r.workload.on_peer()) && !args.database_url.contains("sslmode=") {
        // libpq's default (`prefer`), which sqlx follows, is TLS when the server offers it; node-postgres
        // connects in plain text unless told otherwise.
        eprintln!(
            "docket-bench: warning: without `sslmode` in the URL Docket talks TLS to a PostgreSQL that offers \
             it and PostGraphile plain text; add `?sslmode=disable` (or `require`) to compare like with like"
        );
    }
    for round in 1..=args.rounds.max(1) {
        for run in &args.workloads {
            if run.workload.on_peer() {
                peer.get(&args).await.context("cannot start the PostGraphile peer")?;
            }
            eprintln!("docket-bench: running {run} (round {round})");
            let mut row = workload::run(*run, &args, &server, peer.running(), &client, &data).await?;
            row.round = round;
            let measured = if run.workload.on_peer() { peer.running().unwrap_or(&server) } else { &server };
            settle(&args, measured, &mut row).await;
            eprintln!("{}", row.line());
            report.results.push(row);
        }
    }
    report.conclude();
    println!("{}", report.table());
    std::fs::write(&args.output, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    eprintln!("docket-bench: JSON written to {}", args.output.display());
    server.stop().await;
    peer.stop().await;
    let missed = report.missed();
    if args.check && !missed.is_empty() {
        anyhow::bail!(
            "{} target(s) missed: {}",
            missed.len(),
            missed.iter().map(|c| c.target.as_str()).collect::<Vec<_>>().join("; ")
        );
    }
    Ok(())
}

/// The quiet period after a workload: the server's RSS each second for `--settle-secs`.
async fn settle(args: &Args, server: &Server, row: &mut report::Row) {
    let mut series = Vec::new();
    for _ in 0..args.settle_secs {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Ok(metrics) = server.metrics().await {
            series.push(workload::mib(metrics.resident_bytes));
        }
    }
    row.rss_after_settle_mib = series.last().copied();
    row.details.insert("rss_settle_mib_per_second".into(), serde_json::json!(series));
}

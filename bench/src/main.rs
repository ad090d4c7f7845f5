//! `docket-bench`: seeds a realistic data set, drives a `docket` server with fixed workloads for a
//! fixed time at a fixed concurrency, and prints one table plus a JSON file: throughput, p50/p95/p99
//! latency, the server's peak resident memory and SQL statements per request.
//!
//! Workloads: `dashboard` (one nested query over workspaces, sessions, todo counts, last events and
//! the project dashboard) against `raw` (the same rows fetched with SQL through the same driver and
//! pool), `ingest` (`appendSessionEvent` at full speed) against `ingest-raw` (the same rows inserted
//! with SQL), `fan-out` (websocket subscribers while events are appended at a fixed rate) and
//! `claim` (todos claimed and completed by concurrent workers). See `BENCHMARKS.md`.

mod client;
mod machine;
mod report;
mod seed;
mod server;
mod stats;
mod workload;

use std::{path::PathBuf, time::Duration};

use anyhow::Context as _;
use clap::Parser;

use crate::{report::Report, server::Server, workload::Workload};

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
    /// Concurrent clients of the closed-loop workloads (dashboard, raw, ingest, ingest-raw, claim).
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Workloads to run, in order.
    #[arg(long, value_delimiter = ',', default_value = "dashboard,raw,ingest,ingest-raw,fan-out,claim")]
    pub workloads: Vec<Workload>,
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
    let data = seed::seed(&client).await.context("seeding failed")?;
    eprintln!("docket-bench: seeded {}", data.summary());

    let mut report = Report::new(&args, &server, &data).await;
    for workload in &args.workloads {
        eprintln!("docket-bench: running {workload}");
        let row = workload::run(*workload, &args, &server, &client, &data).await?;
        eprintln!("{}", row.line());
        report.results.push(row);
    }
    println!("{}", report.table());
    std::fs::write(&args.output, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    eprintln!("docket-bench: JSON written to {}", args.output.display());
    server.stop().await;
    Ok(())
}

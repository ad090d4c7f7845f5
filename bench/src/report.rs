//! The report: one table on stdout and the same figures as JSON.

use serde_json::{Map, Value};

use crate::{Args, machine::Machine, seed::Seeded, server::Server};

/// Everything one run measured, with what it ran on.
#[derive(Debug, serde::Serialize)]
pub struct Report {
    /// The command line.
    pub command: String,
    /// When the run started (UTC).
    pub run_at: chrono::DateTime<chrono::Utc>,
    /// The machine.
    pub machine: Machine,
    /// `postgres` or `sqlite`.
    pub backend: String,
    /// The server's address.
    pub server: String,
    /// Whether the bench started the server (on an emptied database).
    pub server_started_by_bench: bool,
    /// Seconds each workload ran.
    pub duration_secs: u64,
    /// Closed-loop clients.
    pub concurrency: usize,
    /// The data set.
    pub seeded: Seeded,
    /// One row per workload.
    pub results: Vec<Row>,
}

/// The figures of one workload.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Row {
    /// Workload name.
    pub workload: String,
    /// Operations completed (for fan-out: deliveries).
    pub operations: u64,
    /// Operations that failed.
    pub errors: u64,
    /// Seconds measured.
    pub seconds: f64,
    /// Operations per second.
    pub throughput_per_sec: f64,
    /// Median latency, milliseconds.
    pub p50_ms: f64,
    /// 95th percentile latency, milliseconds.
    pub p95_ms: f64,
    /// 99th percentile latency, milliseconds.
    pub p99_ms: f64,
    /// The server's peak resident memory during the workload, MiB (none for the raw floors).
    pub peak_rss_mib: Option<f64>,
    /// SQL statements per operation.
    pub statements_per_op: Option<f64>,
    /// Workload-specific figures.
    pub details: Map<String, Value>,
}

impl Row {
    /// The row as a table line.
    pub fn line(&self) -> String {
        let opt = |v: Option<f64>, precision: usize| v.map_or("-".to_owned(), |v| format!("{v:.precision$}"));
        format!(
            "{:<11} {:>10.1} {:>8.2} {:>8.2} {:>8.2} {:>10} {:>7} {:>9} {:>7}",
            self.workload,
            self.throughput_per_sec,
            self.p50_ms,
            self.p95_ms,
            self.p99_ms,
            self.operations,
            self.errors,
            opt(self.peak_rss_mib, 1),
            opt(self.statements_per_op, 2),
        )
    }
}

impl Report {
    /// An empty report of this run.
    pub async fn new(args: &Args, server: &Server, seeded: &Seeded) -> Self {
        Self {
            command: std::env::args().collect::<Vec<_>>().join(" "),
            run_at: chrono::Utc::now(),
            machine: Machine::current(),
            backend: if args.database_url.starts_with("postgres") { "postgres" } else { "sqlite" }.to_owned(),
            server: server.address.clone(),
            server_started_by_bench: server.started,
            duration_secs: args.duration_secs,
            concurrency: args.concurrency,
            seeded: seeded.clone(),
            results: Vec::new(),
        }
    }

    /// The table: one line per workload, then each workload's details.
    pub fn table(&self) -> String {
        let mut out = format!(
            "docket-bench on {} ({}), {} s per workload, {} clients\n\n{:<11} {:>10} {:>8} {:>8} {:>8} {:>10} {:>7} {:>9} {:>7}\n",
            self.machine.describe(),
            self.backend,
            self.duration_secs,
            self.concurrency,
            "workload",
            "ops/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "ops",
            "errors",
            "RSS MiB",
            "SQL/op"
        );
        for row in &self.results {
            out.push_str(&row.line());
            out.push('\n');
        }
        out.push('\n');
        for row in &self.results {
            let details: Vec<String> = row.details.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!("{}: {}\n", row.workload, details.join(", ")));
        }
        out
    }
}

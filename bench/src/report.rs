//! The report: one table on stdout and the same figures as JSON.

use serde_json::{Map, Value};

use crate::{
    Args,
    machine::Machine,
    seed::Seeded,
    server::Server,
    targets::{self, Check, Ratio},
};

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
    /// Rounds: each workload ran this many times, in the order given, round after round.
    pub rounds: usize,
    /// The data set.
    pub seeded: Seeded,
    /// One row per workload and round.
    pub results: Vec<Row>,
    /// Per workload, its median round (by throughput).
    pub summary: Vec<Row>,
    /// Each GraphQL workload against its floor (from the summary).
    pub ratios: Vec<Ratio>,
    /// Docket's workloads against the same on PostGraphile 5 (from the summary; `floor` names the
    /// peer's workload).
    pub versus_peer: Vec<Ratio>,
    /// The targets checked (from the summary).
    pub checks: Vec<Check>,
}

/// The figures of one workload.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Row {
    /// Workload name (`NAME@CLIENTS` when run with another number of clients than `--concurrency`).
    pub workload: String,
    /// Round of the run (1 for the first).
    pub round: usize,
    /// Closed-loop clients.
    pub clients: usize,
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
    /// CPU time (user + system) the server process spent per operation, microseconds: its
    /// CPU-seconds over the workload divided by the operations (none for the raw floors).
    pub server_cpu_us_per_op: Option<f64>,
    /// CPU time the PostgreSQL processes on this machine spent per operation, microseconds (all of
    /// them: other work on the same server counts too). None where there are none to read.
    pub database_cpu_us_per_op: Option<f64>,
    /// The server's resident memory, MiB, at the end of the quiet period after the workload.
    pub rss_after_settle_mib: Option<f64>,
    /// Workload-specific figures.
    pub details: Map<String, Value>,
}

impl Row {
    /// The row as a table line.
    pub fn line(&self) -> String {
        let opt = |v: Option<f64>, precision: usize| v.map_or("-".to_owned(), |v| format!("{v:.precision$}"));
        format!(
            "{:<24} {:>10.1} {:>8.2} {:>8.2} {:>8.2} {:>10} {:>7} {:>9} {:>9} {:>7} {:>8} {:>8}",
            self.workload,
            self.throughput_per_sec,
            self.p50_ms,
            self.p95_ms,
            self.p99_ms,
            self.operations,
            self.errors,
            opt(self.peak_rss_mib, 1),
            opt(self.rss_after_settle_mib, 1),
            opt(self.statements_per_op, 2),
            opt(self.server_cpu_us_per_op, 0),
            opt(self.database_cpu_us_per_op, 0),
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
            rounds: args.rounds.max(1),
            seeded: seeded.clone(),
            results: Vec::new(),
            summary: Vec::new(),
            ratios: Vec::new(),
            versus_peer: Vec::new(),
            checks: Vec::new(),
        }
    }

    /// Computes the summary (each workload's median round), the ratios and the checks.
    pub fn conclude(&mut self) {
        let mut names: Vec<String> = Vec::new();
        for row in &self.results {
            if !names.contains(&row.workload) {
                names.push(row.workload.clone());
            }
        }
        self.summary = names
            .iter()
            .map(|name| {
                let mut rounds: Vec<&Row> = self.results.iter().filter(|r| &r.workload == name).collect();
                rounds.sort_by(|a, b| a.throughput_per_sec.total_cmp(&b.throughput_per_sec));
                rounds[rounds.len() / 2].clone()
            })
            .collect();
        self.ratios = targets::ratios(&self.summary);
        self.versus_peer = targets::versus_peer(&self.summary);
        self.checks = targets::check(&self.summary, self.concurrency, self.backend == "postgres");
    }

    /// The checks that failed.
    pub fn missed(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.met).collect()
    }

    /// The table: one line per workload (its median round), each workload's details, the ratios to
    /// the floors and the checks.
    pub fn table(&self) -> String {
        let rounds = if self.rounds > 1 { format!(", median of {} rounds", self.rounds) } else { String::new() };
        let mut out = format!(
            "docket-bench on {} ({}), {} s per workload, {} clients{rounds}\n\n{:<24} {:>10} {:>8} {:>8} {:>8} {:>10} {:>7} {:>9} {:>9} {:>7} {:>8} {:>8}\n",
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
            "RSS +10s",
            "SQL/op",
            "CPU µs",
            "DB µs"
        );
        for row in &self.summary {
            out.push_str(&row.line());
            out.push('\n');
        }
        out.push('\n');
        for row in &self.summary {
            let details: Vec<String> = row.details.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!("{}: {}\n", row.workload, details.join(", ")));
        }
        if !self.ratios.is_empty() {
            out.push_str("\nratios to the floor (same run, same clients):\n");
            for r in &self.ratios {
                out.push_str(&format!("  {:<24} / {:<28} {:.2}\n", r.workload, r.floor, r.ratio));
            }
        }
        if !self.versus_peer.is_empty() {
            out.push_str("\nDocket over PostGraphile 5 (same run, same clients):\n");
            for r in &self.versus_peer {
                out.push_str(&format!("  {:<24} / {:<28} {:.2}\n", r.workload, r.floor, r.ratio));
            }
        }
        if !self.checks.is_empty() {
            out.push_str("\ntargets:\n");
            for c in &self.checks {
                out.push_str(&format!(
                    "  {:<6} {:<56} measured {:.2}\n",
                    if c.met { "met" } else { "MISSED" },
                    c.target,
                    c.measured
                ));
            }
        }
        out
    }
}

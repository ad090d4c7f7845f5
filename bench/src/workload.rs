//! The workloads and the closed loop most of them run in.

mod claim;
mod dashboard;
mod fanout;
mod ingest;

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Map, Value};

use crate::{Args, client::Gql, report::Row, seed::Seeded, server::Server, stats::Latencies};

/// A workload's name on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// The nested dashboard query through GraphQL.
    Dashboard,
    /// The dashboard's rows fetched with SQL directly: the floor for `dashboard`.
    Raw,
    /// `appendSessionEvent` at full speed.
    Ingest,
    /// The same event rows inserted with SQL directly: the floor for `ingest`.
    IngestRaw,
    /// Websocket subscribers while events are appended at a fixed rate.
    FanOut,
    /// Todos claimed and completed by concurrent workers.
    Claim,
}

impl std::fmt::Display for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use clap::ValueEnum as _;
        f.write_str(self.to_possible_value().expect("every workload has a name").get_name())
    }
}

/// Runs `workload` and returns its row.
pub async fn run(workload: Workload, args: &Args, server: &Server, client: &Gql, data: &Seeded) -> anyhow::Result<Row> {
    let mut row = match workload {
        Workload::Dashboard => dashboard::through_graphql(args, server, client, data).await?,
        Workload::Raw => dashboard::raw(args, data).await?,
        Workload::Ingest => ingest::through_graphql(args, server, client, data).await?,
        Workload::IngestRaw => ingest::raw(args, data).await?,
        Workload::FanOut => fanout::run(args, server, client, data).await?,
        Workload::Claim => claim::run(args, server, client, data).await?,
    };
    row.workload = workload.to_string();
    Ok(row)
}

/// A pool of the bench's own on `--database-url`, opened by the server's `connect` (same driver, same
/// settings), for the raw floors; its counter counts statements as the server's does.
async fn raw_pool(args: &Args) -> anyhow::Result<(sea_orm::DatabaseConnection, api::db::StatementCounter)> {
    let settings = api::db::PoolSettings {
        max_connections: 10,
        connect_timeout: Duration::from_secs(10),
        acquire_timeout: Duration::from_secs(30),
        schema: None,
    };
    api::db::connect(&args.database_url, &settings).await
}

/// Where a closed loop's statement count comes from.
pub enum Statements<'a> {
    /// The server's `/metrics`.
    Server(&'a Server),
    /// A pool of the bench's own (the raw floors).
    Pool(&'a api::db::StatementCounter),
}

impl Statements<'_> {
    async fn count(&self) -> anyhow::Result<u64> {
        Ok(match self {
            Self::Server(server) => server.metrics().await?.statements,
            Self::Pool(counter) => counter.get(),
        })
    }
}

/// Runs `op(worker, iteration)` in `concurrency` loops, each starting its next operation when the
/// last one ended, for `duration` or until every worker's `op` answered `false` (nothing left to
/// do). Measures latency, statements per operation and, with a server, its peak memory.
pub async fn closed_loop<F, Fut>(
    duration: Duration,
    concurrency: usize,
    statements: Statements<'_>,
    op: F,
) -> anyhow::Result<Row>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<bool>> + Send + 'static,
{
    let op = Arc::new(op);
    let sampler = match &statements {
        Statements::Server(server) => Some(RssSampler::start(server)),
        Statements::Pool(_) => None,
    };
    let statements_before = statements.count().await?;
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = (0..concurrency.max(1))
        .map(|worker| {
            let op = op.clone();
            tokio::spawn(async move {
                let (mut latencies, mut errors, mut first_error) = (Latencies::default(), 0u64, None::<String>);
                let mut iteration = 0;
                while Instant::now() < deadline {
                    let t = Instant::now();
                    match op(worker, iteration).await {
                        Ok(true) => latencies.push(t.elapsed().as_micros() as u64),
                        Ok(false) => break,
                        Err(err) => {
                            errors += 1;
                            first_error.get_or_insert_with(|| format!("{err:#}"));
                        }
                    }
                    iteration += 1;
                }
                (latencies, errors, first_error)
            })
        })
        .collect();
    let mut latencies = Latencies::default();
    let mut errors = 0;
    let mut first_error = None;
    for worker in workers {
        let (l, e, f) = worker.await?;
        latencies.extend(l);
        errors += e;
        first_error = first_error.or(f);
    }
    let seconds = started.elapsed().as_secs_f64();
    let statements_after = statements.count().await?;
    let operations = latencies.len() as u64;
    let mut details = Map::new();
    if let Some(error) = first_error {
        details.insert("first_error".into(), Value::String(error));
    }
    Ok(Row {
        workload: String::new(),
        operations,
        errors,
        seconds,
        throughput_per_sec: operations as f64 / seconds,
        p50_ms: latencies.percentile_ms(50.0),
        p95_ms: latencies.percentile_ms(95.0),
        p99_ms: latencies.percentile_ms(99.0),
        peak_rss_mib: match sampler {
            Some(sampler) => Some(sampler.stop().await as f64 / (1024.0 * 1024.0)),
            None => None,
        },
        statements_per_op: (operations > 0)
            .then(|| statements_after.saturating_sub(statements_before) as f64 / (operations + errors) as f64),
        details,
    })
}

/// Samples the server's resident memory every 100 ms and keeps the peak.
pub struct RssSampler {
    peak: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl RssSampler {
    /// Starts sampling `server`.
    pub fn start(server: &Server) -> Self {
        let peak = Arc::new(AtomicU64::new(0));
        let metrics = Server::target(server.address.clone());
        let task = tokio::spawn({
            let peak = peak.clone();
            async move {
                loop {
                    if let Ok(m) = metrics.metrics().await {
                        peak.fetch_max(m.resident_bytes, Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        });
        Self { peak, task }
    }

    /// Stops sampling; the peak in bytes.
    pub async fn stop(self) -> u64 {
        self.task.abort();
        let _ = self.task.await;
        self.peak.load(Ordering::Relaxed)
    }
}

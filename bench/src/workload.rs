//! The workloads and the closed loop most of them run in.

mod claim;
mod dashboard;
mod dashboard3;
mod fanout;
mod ingest;
mod peer;
mod refusal;
mod simple;
mod workflows;

use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

use serde_json::{Map, Value};

use crate::{Args, client::Gql, report::Row, seed::Seeded, server::Server, stats::Latencies};

/// A workload's name on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// One flat page: `workspaces(first: 20) { nodes { id name path } }`.
    Simple,
    /// The same page with SQL directly: the floor for `simple`.
    SimpleRaw,
    /// `simple` while another process holds the write lock and a write waits for it.
    SimpleLocked,
    /// 20 workspaces → 10 sessions → 20 todos with `totalCount`, and the last 5 events.
    #[value(name = "dashboard-3level")]
    Dashboard3Level,
    /// The same rows with SQL directly, in four statements: the floor for `dashboard-3level`.
    #[value(name = "dashboard-3level-raw")]
    Dashboard3LevelRaw,
    /// The nested dashboard query through GraphQL.
    Dashboard,
    /// The dashboard's rows fetched with SQL directly: the floor for `dashboard`.
    Raw,
    /// `appendSessionEvent` at full speed.
    Ingest,
    /// The same event rows written with SQL directly: the floor for `ingest`.
    IngestRaw,
    /// Websocket subscribers while events are appended at a fixed rate.
    FanOut,
    /// Todos claimed and completed by concurrent workers.
    Claim,
    /// Hostile documents (300,000 aliases; 3 MB that does not parse) refused, one client.
    Refusal,
    /// `simple` as PostGraphile 5 serves it (`allWorkspaces`), on the same rows.
    #[value(name = "pg5-simple")]
    Pg5Simple,
    /// `dashboard-3level` as PostGraphile 5 serves it.
    #[value(name = "pg5-dashboard-3level")]
    Pg5Dashboard3Level,
    /// `ingest` as PostGraphile 5 serves it: `createSessionEvent`, one `INSERT`.
    #[value(name = "pg5-ingest")]
    Pg5Ingest,
    /// A random one of 100,000 workflows (1,000,000 tasks): `readyTasks` and `analytics` (PostgreSQL).
    WorkflowReady,
    /// The rows `workflow-ready` reads, with SQL directly: its floor.
    WorkflowReadyRaw,
    /// The organization's tasks of a random agent among those 1,000,000: `tasks(filter: { assignedAgent })`.
    TasksByAgent,
    /// The same page with SQL directly: the floor for `tasks-by-agent`.
    TasksByAgentRaw,
}

impl Workload {
    /// The floor this workload is measured against, if it has one.
    pub fn floor(self) -> Option<Workload> {
        match self {
            Self::Simple | Self::Pg5Simple => Some(Self::SimpleRaw),
            Self::Dashboard3Level | Self::Pg5Dashboard3Level => Some(Self::Dashboard3LevelRaw),
            Self::Dashboard => Some(Self::Raw),
            Self::Ingest | Self::Pg5Ingest => Some(Self::IngestRaw),
            Self::WorkflowReady => Some(Self::WorkflowReadyRaw),
            Self::TasksByAgent => Some(Self::TasksByAgentRaw),
            _ => None,
        }
    }

    /// Whether it runs through Docket (rather than SQL directly or the peer).
    pub fn through_server(self) -> bool {
        !matches!(
            self,
            Self::SimpleRaw
                | Self::Dashboard3LevelRaw
                | Self::Raw
                | Self::IngestRaw
                | Self::WorkflowReadyRaw
                | Self::TasksByAgentRaw
        ) && !self.on_peer()
    }

    /// Whether it runs through the PostGraphile 5 peer.
    pub fn on_peer(self) -> bool {
        matches!(self, Self::Pg5Simple | Self::Pg5Dashboard3Level | Self::Pg5Ingest)
    }

    /// The workload the peer runs in its names for this one of Docket's, if any.
    pub fn on_the_peer(self) -> Option<Workload> {
        match self {
            Self::Simple => Some(Self::Pg5Simple),
            Self::Dashboard3Level => Some(Self::Pg5Dashboard3Level),
            Self::Ingest => Some(Self::Pg5Ingest),
            _ => None,
        }
    }
}

impl std::fmt::Display for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use clap::ValueEnum as _;
        f.write_str(self.to_possible_value().expect("every workload has a name").get_name())
    }
}

/// A workload as the command line names it: `NAME`, or `NAME@CLIENTS` for another number of
/// closed-loop clients than `--concurrency` (e.g. `dashboard-3level@64`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    /// The workload.
    pub workload: Workload,
    /// Clients, when not `--concurrency`.
    pub clients: Option<usize>,
}

impl std::str::FromStr for Run {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        use clap::ValueEnum as _;
        let (name, clients) = match text.split_once('@') {
            Some((name, n)) => {
                (name, Some(n.parse::<usize>().map_err(|_| format!("`{n}` is not a number of clients"))?))
            }
            None => (text, None),
        };
        let workload = Workload::from_str(name, false).map_err(|_| {
            let names: Vec<String> = Workload::value_variants().iter().map(ToString::to_string).collect();
            format!("unknown workload `{name}` (one of {})", names.join(", "))
        })?;
        Ok(Self { workload, clients })
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.clients {
            Some(n) => write!(f, "{}@{n}", self.workload),
            None => write!(f, "{}", self.workload),
        }
    }
}

/// Runs `run` and returns its row; `peer` is the running peer for the `pg5-*` workloads.
pub async fn run(
    run: Run,
    args: &Args,
    server: &Server,
    peer: Option<&Server>,
    client: &Gql,
    data: &Seeded,
) -> anyhow::Result<Row> {
    let args = &Args { concurrency: run.clients.unwrap_or(args.concurrency), ..args.clone() };
    let mut row = match run.workload {
        Workload::Simple => simple::through_graphql(args, server, client).await?,
        Workload::SimpleRaw => simple::raw(args).await?,
        Workload::SimpleLocked => simple::under_write_lock(args, server, client).await?,
        Workload::Dashboard3Level => dashboard3::through_graphql(args, server, client).await?,
        Workload::Dashboard3LevelRaw => dashboard3::raw(args).await?,
        Workload::Dashboard => dashboard::through_graphql(args, server, client, data).await?,
        Workload::Raw => dashboard::raw(args, data).await?,
        Workload::Ingest => ingest::through_graphql(args, server, client, data).await?,
        Workload::IngestRaw => ingest::raw(args, data).await?,
        Workload::FanOut => fanout::run(args, server, client, data).await?,
        Workload::Claim => claim::run(args, server, client, data).await?,
        Workload::Refusal => refusal::run(args, server, client).await?,
        Workload::WorkflowReady => workflows::ready(args, server, client).await?,
        Workload::WorkflowReadyRaw => workflows::ready_raw(args, client).await?,
        Workload::TasksByAgent => workflows::by_agent(args, server, client).await?,
        Workload::TasksByAgentRaw => workflows::by_agent_raw(args, client).await?,
        Workload::Pg5Simple | Workload::Pg5Dashboard3Level | Workload::Pg5Ingest => {
            let peer = peer.ok_or_else(|| anyhow::anyhow!("{run} needs the PostGraphile peer started"))?;
            match run.workload {
                Workload::Pg5Simple => peer::simple(args, peer, client).await?,
                Workload::Pg5Dashboard3Level => peer::dashboard(args, peer, client).await?,
                _ => peer::ingest(args, peer, client, data).await?,
            }
        }
    };
    row.workload = run.to_string();
    row.clients = args.concurrency;
    Ok(row)
}

/// A pool of the bench's own on `--database-url`, opened by the server's `connect` (same driver, same
/// settings), for the raw floors; its counter counts statements as the server's does.
pub async fn raw_pool(args: &Args) -> anyhow::Result<(sea_orm::DatabaseConnection, api::db::StatementCounter)> {
    api::db::connect(&args.database_url, &raw_settings()).await
}

/// The raw floors' pool settings.
fn raw_settings() -> api::db::PoolSettings {
    api::db::PoolSettings {
        max_connections: 10,
        busy_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(10),
        acquire_timeout: Duration::from_secs(30),
        schema: None,
    }
}

/// The connections the raw floors read through, as the server reads ([`api::db::read_pool`]): on
/// PostgreSQL a pool of their own, on a SQLite file a read pool beside the writer. The write pool is
/// returned too, to be closed with it.
pub async fn raw_read_pool(
    args: &Args,
) -> anyhow::Result<(sea_orm::DatabaseConnection, api::db::Reads, api::db::StatementCounter)> {
    let (write, counter) = raw_pool(args).await?;
    let reads = api::db::read_pool(&write, &args.database_url, &raw_settings(), &counter).await?;
    Ok((write, reads, counter))
}

/// Updates the planner's statistics after seeding (PostgreSQL), as autovacuum would within a minute
/// or so: on tables it has never analyzed, PostgreSQL guesses row counts and picks plans (a nested loop
/// over every workspace of the organization, say) that no running installation would use.
pub async fn analyze(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    use sea_orm::ConnectionTrait as _;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

/// Where a closed loop's statement count comes from.
pub enum Statements<'a> {
    /// The server's `/metrics`.
    Server(&'a Server),
    /// A pool of the bench's own (the raw floors).
    Pool(&'a api::db::StatementCounter),
}

impl Statements<'_> {
    /// Statements run so far (none for a peer server), and the server's CPU seconds so far.
    async fn count(&self) -> anyhow::Result<(Option<u64>, Option<f64>)> {
        Ok(match self {
            Self::Server(server) => {
                let metrics = server.metrics().await?;
                (metrics.statements, metrics.cpu_seconds)
            }
            Self::Pool(counter) => (Some(counter.get()), None),
        })
    }
}

/// Runs `op(worker, iteration)` in `concurrency` loops, each starting its next operation when the
/// last one ended, for `duration` or until every worker's `op` answered `false` (nothing left to
/// do). Measures latency, statements per operation, the database's CPU time per operation (a
/// PostgreSQL on this machine) and, with a server, its peak memory and its CPU time per operation.
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
    let (statements_before, cpu_before) = statements.count().await?;
    let database_before = crate::machine::database_cpu_seconds();
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
    let (statements_after, cpu_after) = statements.count().await?;
    let database_after = crate::machine::database_cpu_seconds();
    let operations = latencies.len() as u64;
    let mut details = Map::new();
    let rss = match sampler {
        Some(sampler) => Some(sampler.stop().await),
        None => None,
    };
    if let Some((_, series)) = &rss {
        details.insert("rss_mib_per_second".into(), Value::from(series.iter().map(|b| mib(*b)).collect::<Vec<_>>()));
    }
    if let Some(error) = first_error {
        details.insert("first_error".into(), Value::String(error));
    }
    Ok(Row {
        workload: String::new(),
        round: 0,
        clients: concurrency,
        rss_after_settle_mib: None,
        peak_rss_mib: rss.map(|(peak, _)| mib(peak)),
        operations,
        errors,
        seconds,
        throughput_per_sec: operations as f64 / seconds,
        p50_ms: latencies.percentile_ms(50.0),
        p95_ms: latencies.percentile_ms(95.0),
        p99_ms: latencies.percentile_ms(99.0),
        statements_per_op: statements_before
            .zip(statements_after)
            .filter(|_| operations > 0)
            .map(|(before, after)| after.saturating_sub(before) as f64 / (operations + errors) as f64),
        server_cpu_us_per_op: cpu_before
            .zip(cpu_after)
            .filter(|_| operations > 0)
            .map(|(before, after)| (after - before) * 1e6 / (operations + errors) as f64),
        database_cpu_us_per_op: database_before
            .zip(database_after)
            .filter(|_| operations > 0)
            .map(|(before, after)| (after - before) * 1e6 / (operations + errors) as f64),
        details,
    })
}

/// Sends `query` (no variables) through `client` in [`closed_loop`], measured on `server`.
pub async fn repeat_query(args: &Args, server: &Server, client: &Gql, query: &'static str) -> anyhow::Result<Row> {
    let client = client.clone();
    closed_loop(args.duration(), args.concurrency, Statements::Server(server), move |_, _| {
        let client = client.clone();
        async move {
            client.run(query, &serde_json::json!({})).await?;
            Ok(true)
        }
    })
    .await
}

/// Samples the server's resident memory every 100 ms: the peak, and one sample a second.
pub struct RssSampler {
    state: Arc<std::sync::Mutex<(u64, Vec<u64>)>>,
    task: tokio::task::JoinHandle<()>,
}

impl RssSampler {
    /// Starts sampling `server`.
    pub fn start(server: &Server) -> Self {
        let state: Arc<std::sync::Mutex<(u64, Vec<u64>)>> = Arc::default();
        let metrics = server.observer();
        let task = tokio::spawn({
            let state = state.clone();
            async move {
                for tick in 0u64.. {
                    if let Ok(m) = metrics.metrics().await {
                        let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
                        state.0 = state.0.max(m.resident_bytes);
                        if tick % 10 == 0 {
                            state.1.push(m.resident_bytes);
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        });
        Self { state, task }
    }

    /// Stops sampling; the peak and the per-second samples, in bytes.
    pub async fn stop(self) -> (u64, Vec<u64>) {
        self.task.abort();
        let _ = self.task.await;
        std::mem::take(&mut *self.state.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// MiB of `bytes`, rounded to a tenth.
pub fn mib(bytes: u64) -> f64 {
    (bytes as f64 / (1024.0 * 1024.0) * 10.0).round() / 10.0
}

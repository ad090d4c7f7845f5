//! The server under test: started from the `docket` binary on a freshly emptied database, a running
//! one, or a peer server (PostGraphile 5) started on the same database. Docket's `/metrics` give the
//! statements run; a process the bench started is measured from `/proc` (CPU time, resident memory),
//! a running Docket from its `/metrics`.

use std::{path::Path, process::Stdio, time::Duration};

use anyhow::{Context as _, bail};

/// A server the bench drives.
pub struct Server {
    /// `http://HOST:PORT`.
    pub address: String,
    /// Whether the bench started it (and so emptied its database).
    pub started: bool,
    /// Whether it is Docket (with `/metrics`) rather than a peer.
    pub docket: bool,
    child: Option<tokio::process::Child>,
    pid: Option<i32>,
    http: reqwest::Client,
}

/// Figures read from `/metrics`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Metrics {
    /// SQL statements run since the server started (Docket only).
    pub statements: Option<u64>,
    /// Resident memory in bytes (0 where it cannot be told).
    pub resident_bytes: u64,
    /// CPU time (user + system) the server process has spent since it started, seconds.
    pub cpu_seconds: Option<f64>,
    /// Open event subscriptions (Docket only).
    pub subscribers: u64,
}

impl Server {
    /// A server already running at `address`.
    pub fn target(address: String) -> Self {
        Self {
            address: address.trim_end_matches('/').to_owned(),
            started: false,
            docket: true,
            child: None,
            pid: None,
            http: http(),
        }
    }

    /// A process the bench spawned, serving at `address`: measured from `/proc`.
    pub fn spawned(address: String, child: tokio::process::Child, docket: bool) -> Self {
        let pid = child.id().and_then(|pid| i32::try_from(pid).ok());
        Self { address, started: true, docket, child: Some(child), pid, http: http() }
    }

    /// A handle on the same server for a sampler: reads its figures, never stops it.
    pub fn observer(&self) -> Self {
        Self { child: None, http: http(), address: self.address.clone(), ..*self }
    }

    /// Empties `database_url` (`docket migrate fresh`), starts `bin` on it on a free port and waits
    /// until it is ready.
    pub async fn start(bin: &Path, database_url: &str) -> anyhow::Result<Self> {
        let status = tokio::process::Command::new(bin)
            .args(["migrate", "fresh"])
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .status()
            .await
            .with_context(|| format!("cannot run {}", bin.display()))?;
        if !status.success() {
            bail!("`docket migrate fresh` failed: {status}");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = tokio::process::Command::new(bin)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let server = Self::spawned(format!("http://127.0.0.1:{port}"), child, true);
        server.wait_until_ready("/health/ready", Duration::from_secs(10)).await?;
        Ok(server)
    }

    /// Waits until `GET path` answers with a success status, for at most `limit`; fails early when
    /// the process the bench started has exited.
    pub async fn wait_until_ready(&self, path: &str, limit: Duration) -> anyhow::Result<()> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            let ready = self.http.get(format!("{}{path}", self.address)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            if !self.alive() {
                bail!("the server at {} exited before it was ready", self.address);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("the server at {} did not become ready within {limit:?}", self.address)
    }

    /// Whether the process the bench started is still running (true for one it did not start).
    pub fn alive(&self) -> bool {
        self.pid.is_none_or(|pid| {
            procfs::process::Process::new(pid).and_then(|p| p.stat()).is_ok_and(|stat| stat.state != 'Z')
        })
    }

    /// Current figures: CPU time and memory from `/proc` for a process the bench started, else from
    /// Docket's `/metrics`; statements and subscribers from Docket's `/metrics`.
    pub async fn metrics(&self) -> anyhow::Result<Metrics> {
        let mut metrics = Metrics::default();
        if self.docket {
            let body = self.http.get(format!("{}/metrics", self.address)).send().await?.text().await?;
            let figure = |name: &str| {
                body.lines().find_map(|line| line.strip_prefix(name).and_then(|rest| rest.trim().parse::<f64>().ok()))
            };
            metrics.statements = figure("docket_sql_statements_total ").map(|n| n as u64);
            metrics.resident_bytes = figure("process_resident_memory_bytes ").unwrap_or_default() as u64;
            metrics.cpu_seconds = figure("process_cpu_seconds_total ");
            metrics.subscribers = figure("docket_event_subscribers ").unwrap_or_default() as u64;
        }
        if let Some(pid) = self.pid {
            use procfs::WithCurrentSystemInfo as _;
            let stat = procfs::process::Process::new(pid)?.stat()?;
            metrics.resident_bytes = stat.rss_bytes().get();
            metrics.cpu_seconds = Some((stat.utime + stat.stime) as f64 / procfs::ticks_per_second() as f64);
        }
        Ok(metrics)
    }

    /// Stops a server the bench started (SIGTERM, as an operator would).
    pub async fn stop(mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                let _ = tokio::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
            }
            if tokio::time::timeout(Duration::from_secs(10), child.wait()).await.is_err() {
                let _ = child.kill().await;
            }
        }
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("an HTTP client")
}

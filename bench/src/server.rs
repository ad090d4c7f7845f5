//! The server under test: started from the `docket` binary on a freshly emptied database, or a
//! running one; its `/metrics` give statements run and resident memory.

use std::{path::Path, process::Stdio, time::Duration};

use anyhow::{Context as _, bail};

/// A server the bench drives.
pub struct Server {
    /// `http://HOST:PORT`.
    pub address: String,
    /// Whether the bench started it (and so emptied its database).
    pub started: bool,
    child: Option<tokio::process::Child>,
    http: reqwest::Client,
}

/// Figures read from `/metrics`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Metrics {
    /// SQL statements run since the server started.
    pub statements: u64,
    /// Resident memory in bytes (0 where the server cannot tell).
    pub resident_bytes: u64,
    /// Open event subscriptions.
    pub subscribers: u64,
}

impl Server {
    /// A server already running at `address`.
    pub fn target(address: String) -> Self {
        Self { address: address.trim_end_matches('/').to_owned(), started: false, child: None, http: http() }
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
        let server =
            Self { address: format!("http://127.0.0.1:{port}"), started: true, child: Some(child), http: http() };
        for _ in 0..200 {
            let ready = server.http.get(format!("{}/health/ready", server.address)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("the server did not become ready")
    }

    /// Current figures from `/metrics`.
    pub async fn metrics(&self) -> anyhow::Result<Metrics> {
        let body = self.http.get(format!("{}/metrics", self.address)).send().await?.text().await?;
        let figure = |name: &str| {
            body.lines()
                .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.trim().parse::<f64>().ok()))
                .unwrap_or_default() as u64
        };
        Ok(Metrics {
            statements: figure("docket_sql_statements_total "),
            resident_bytes: figure("process_resident_memory_bytes "),
            subscribers: figure("docket_event_subscribers "),
        })
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

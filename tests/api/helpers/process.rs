//! The real `docket` binary: servers in their own process (killed when the app is dropped), with
//! their logs captured when a test reads them, and one-shot commands.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

use super::{TestApp, TestDb, process_database_url};

/// Starts the real `docket` binary on `db` (which must be shareable: a SQLite file or PostgreSQL)
/// and waits until it is ready. It is killed when the returned app is dropped.
pub async fn spawn_process(db: &TestDb) -> TestApp {
    spawn_process_with(db, &[]).await
}

/// Like [`spawn_process`], with extra command-line flags.
pub async fn spawn_process_with(db: &TestDb, flags: &[&str]) -> TestApp {
    let (port, mut command) = command(db, "127.0.0.1", flags);
    command.env("RUST_LOG", "warn");
    start(db, port, command).await
}

/// Everything a process wrote to its standard output and error so far.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<String>>);

impl Log {
    /// The text so far.
    pub fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }

    fn collect(&self, from: impl AsyncRead + Unpin + Send + 'static) {
        let log = self.0.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(from).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let mut log = log.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
    }
}

/// Starts `docket` on `db` listening on `host` (on a free port; reached at 127.0.0.1), with `flags`
/// and the environment `env`, its output captured in the returned [`Log`]; waits until ready.
pub async fn spawn_logged_process(db: &TestDb, host: &str, flags: &[&str], env: &[(&str, &str)]) -> (TestApp, Log) {
    let (port, mut command) = command(db, host, flags);
    command.envs(env.iter().copied()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let mut app = start(db, port, command).await;
    let log = Log::default();
    let child = app.process.as_mut().unwrap();
    log.collect(child.stdout.take().unwrap());
    log.collect(child.stderr.take().unwrap());
    (app, log)
}

/// Runs `docket args` on `db` to its end, with the default log settings as a user runs it; returns
/// its standard output, failing the test when it fails.
pub fn docket(db: &TestDb, args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(args)
        .env("DATABASE_URL", process_database_url(db))
        .env_remove("RUST_LOG")
        .env_remove("LOG_FORMAT")
        .output()
        .expect("run docket");
    assert!(output.status.success(), "docket {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Runs `docket args` on `db` expecting it to fail; returns its standard error.
pub fn docket_fails(db: &TestDb, args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(args)
        .env("DATABASE_URL", process_database_url(db))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run docket");
    assert!(!output.status.success(), "docket {args:?} succeeded: {}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8(output.stderr).expect("UTF-8 output")
}

fn command(db: &TestDb, host: &str, flags: &[&str]) -> (u16, tokio::process::Command) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_docket"));
    command
        .args(["--listen", &format!("{host}:{port}")])
        .args(flags)
        .env("DATABASE_URL", process_database_url(db))
        .env_remove("DOCKET_ALLOW_ANONYMOUS")
        .kill_on_drop(true);
    (port, command)
}

async fn start(db: &TestDb, port: u16, mut command: tokio::process::Command) -> TestApp {
    let child = command.spawn().expect("start docket");
    let (pool, _) = db.connect().await;
    let app = TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        db: pool.clone(),
        reads: api::db::Reads::Pool(pool),
        client: reqwest::Client::new(),
        _shutdown: None,
        process: Some(child),
        token: None,
    };
    app.wait_until_ready().await;
    app
}

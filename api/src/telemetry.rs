//! Logging through `tracing`: `RUST_LOG` filters (default `info,sqlx=warn,sea_orm=warn`),
//! `LOG_FORMAT=json` for JSON lines.
//!
//! Whatever `RUST_LOG` says, the websocket library logs at most at `debug`: at `trace` it writes every
//! frame it receives, and a `connection_init` frame carries the client's bearer token (secrets are
//! never logged).

use std::io::IsTerminal;

use tracing_subscriber::{
    EnvFilter,
    filter::{LevelFilter, Targets},
    fmt::{self, writer::BoxMakeWriter},
    prelude::*,
};

/// `RUST_LOG`'s filter, or the default.
fn env_filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"))
}

/// A cap on the targets that would log secrets: the websocket library at `trace` writes every frame,
/// `connection_init` and its token included. The cap lowers them, never raises them.
fn capped() -> Targets {
    Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_target("tungstenite", LevelFilter::DEBUG)
        .with_target("tokio_tungstenite", LevelFilter::DEBUG)
}

/// Installs the global subscriber for a test run: output goes through the test harness's capture.
pub fn init_for_tests() {
    let layer = fmt::layer().compact().with_test_writer().with_filter(capped());
    let _ = tracing_subscriber::registry().with(env_filter()).with(layer).try_init();
}

/// Where the log goes: the server's to standard output; a command's to standard error, so that its
/// standard output is only what it prints (a token, an export).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// Installs the global subscriber once (later calls, as in tests, do nothing): JSON lines with
/// `json`, else compact text, coloured only on a terminal and without `NO_COLOR`.
pub fn init(json: bool, output: Output) {
    let (writer, terminal) = match output {
        Output::Stdout => (BoxMakeWriter::new(std::io::stdout), std::io::stdout().is_terminal()),
        Output::Stderr => (BoxMakeWriter::new(std::io::stderr), std::io::stderr().is_terminal()),
    };
    let registry = tracing_subscriber::registry().with(env_filter());
    let _ = if json {
        registry.with(fmt::layer().json().with_writer(writer).with_filter(capped())).try_init()
    } else {
        let ansi = terminal && std::env::var_os("NO_COLOR").is_none();
        registry.with(fmt::layer().compact().with_ansi(ansi).with_writer(writer).with_filter(capped())).try_init()
    };
}

//! Logging through `tracing`: `RUST_LOG` filters (default `info,sqlx=warn`), `LOG_FORMAT=json` for JSON lines.

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Installs the global subscriber for a test run: output goes through the test harness's capture.
pub fn init_for_tests() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let _ = tracing_subscriber::registry().with(filter).with(fmt::layer().compact().with_test_writer()).try_init();
}

/// Installs the global subscriber once; later calls (as in tests) do nothing.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = if json {
        registry.with(fmt::layer().json()).try_init()
    } else {
        // Colour only on a terminal (and not with `NO_COLOR`): log files and collectors get plain text.
        let ansi = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        registry.with(fmt::layer().compact().with_ansi(ansi)).try_init()
    };
}

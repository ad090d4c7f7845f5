//! `/health/live`, `/health/ready` and `/metrics`.

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use sea_orm::DbBackend;

use super::Server;

/// Live as long as the process answers.
pub async fn live() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "live" }))
}

/// Ready (200) when the database answers, no migration is pending and, on PostgreSQL, the listener
/// that carries events between processes is connected; 503 otherwise, with what is missing:
/// `{"status", "database": "reachable"|"unreachable", "pendingMigrations", "eventListener":
/// "connected"|"disconnected"|"not needed"}`. A process whose listener is down would serve
/// subscribers that miss other processes' events until the slow poll, so it is not ready.
pub async fn ready(State(server): State<Server>) -> Response {
    let state = &server.state;
    let health = crate::service::health::database(&state.db).await;
    let (reachable, pending) = (health.reachable, health.pending_migrations);
    let listener = match state.db.get_database_backend() {
        DbBackend::Postgres if state.bus.listening() => Some(true),
        DbBackend::Postgres => Some(false),
        _ => None,
    };
    let is_ready = reachable && pending == Some(0) && listener != Some(false);
    let body = serde_json::json!({
        "status": if is_ready { "ready" } else { "unavailable" },
        "database": if reachable { "reachable" } else { "unreachable" },
        "pendingMigrations": pending,
        "eventListener": match listener {
            Some(true) => "connected",
            Some(false) => "disconnected",
            None => "not needed",
        },
    });
    let status = if is_ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

/// Prometheus text: SQL statements run, watched sessions, open subscriptions and websockets, and (on
/// Linux) the process's resident memory.
pub async fn metrics(State(server): State<Server>) -> impl IntoResponse {
    let state = &server.state;
    let bus = state.bus.stats();
    let mut body = format!(
        "# HELP docket_sql_statements_total SQL statements run since start.\n\
         # TYPE docket_sql_statements_total counter\n\
         docket_sql_statements_total {}\n\
         # HELP docket_event_feeds Sessions with a running event fan-out task.\n\
         # TYPE docket_event_feeds gauge\n\
         docket_event_feeds {}\n\
         # HELP docket_event_subscribers Open event subscriptions.\n\
         # TYPE docket_event_subscribers gauge\n\
         docket_event_subscribers {}\n\
         # HELP docket_websockets Open websocket connections.\n\
         # TYPE docket_websockets gauge\n\
         docket_websockets {}\n\
         # HELP docket_graphql_leaf_pages_total Connections answered in one pass (their nodes select only plain fields).\n\
         # TYPE docket_graphql_leaf_pages_total counter\n\
         docket_graphql_leaf_pages_total {}\n",
        state.statements.get(),
        bus.feeds,
        bus.subscribers,
        *state.websockets.borrow(),
        state.leaf_pages.load(std::sync::atomic::Ordering::Relaxed),
    );
    if let Some(bytes) = resident_memory_bytes() {
        body.push_str(&format!(
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n\
             # TYPE process_resident_memory_bytes gauge\n\
             process_resident_memory_bytes {bytes}\n"
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

/// This process's resident set size, from `VmRSS` in `/proc/self/status` (Linux only).
fn resident_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

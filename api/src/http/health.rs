//! `/health/live`, `/health/ready` and `/metrics`.

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use sea_orm::DbBackend;

use super::Server;
use crate::{db::PoolState, service::health::STALE_AFTER};

/// Live as long as the process answers.
pub async fn live() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "live" }))
}

/// The pools as they stand, by name: `write`, `read` where reads have a pool of their own
/// (PostgreSQL, a SQLite file), `appends` where clients' session events have writers of their own
/// (PostgreSQL).
fn pools(state: &crate::state::AppState) -> Vec<(&'static str, Option<PoolState>)> {
    let mut pools = vec![("write", PoolState::of(&state.db))];
    if separate_reads(state) {
        pools.push(("read", state.reads.state()));
    }
    if let Some(appends) = &state.appends {
        pools.push(("appends", Some(appends.pool().state())));
    }
    pools
}

/// Whether reads have a pool of their own.
fn separate_reads(state: &crate::state::AppState) -> bool {
    crate::db::has_read_pool(state.db.get_database_backend(), &state.config.database_url)
}

/// Ready (200) when the database answered the health probe (every second, through the read pool)
/// within the last 3 s, no migration is pending and, on PostgreSQL, the listener that carries
/// events between processes is connected; 503 otherwise. It answers at once, from what the probe
/// last found and the pools as they stand. The body says what is missing: `{"status",
/// "database": "reachable"|"unreachable"|"busy", "pendingMigrations", "eventListener":
/// "connected"|"disconnected"|"not needed", "pools": {"read"?, "write", "appends"?}: {"size", "idle",
/// "inUse", "max"}, "reasons": [...]}` (`read` only where reads have a pool of their own:
/// PostgreSQL and a SQLite file; `appends` only on PostgreSQL; a database that stopped answering
/// because every connection of the pool reads use is busy is named as such).
/// A process whose listener is down would serve subscribers that miss other processes' events until
/// the slow poll, so it is not ready. The write pool is not judged: on SQLite its one connection is
/// busy whenever anything is written.
pub async fn ready(State(server): State<Server>) -> Response {
    let state = &server.state;
    let pools = pools(state);
    let separate = separate_reads(state);
    let reads = state.reads.state();
    let probe = *state.probes.borrow();
    let mut reasons = Vec::new();
    let (database, pending) = if probe.age() > STALE_AFTER {
        reasons.push(match reads.filter(PoolState::exhausted) {
            Some(pool) => format!(
                "the {} pool is exhausted: {} of {} connections in use",
                if separate { "read" } else { "connection" },
                pool.in_use,
                pool.max
            ),
            None => format!("the database has not answered for {} s", probe.age().as_secs()),
        });
        ("busy", None)
    } else if probe.health.reachable {
        ("reachable", probe.health.pending_migrations)
    } else {
        reasons.push("the database does not answer".to_owned());
        ("unreachable", None)
    };
    if let Some(n) = pending.filter(|n| *n > 0) {
        reasons.push(format!("{n} migrations are pending: run `docket migrate`"));
    }
    let listener = match state.db.get_database_backend() {
        DbBackend::Postgres if state.bus.listening() => Some(true),
        DbBackend::Postgres => Some(false),
        _ => None,
    };
    if listener == Some(false) {
        reasons.push("the event listener is disconnected".to_owned());
    }
    let pools: serde_json::Map<String, serde_json::Value> =
        pools.into_iter().map(|(name, pool)| (name.to_owned(), serde_json::json!(pool))).collect();
    let is_ready = reasons.is_empty();
    let body = serde_json::json!({
        "status": if is_ready { "ready" } else { "unavailable" },
        "database": database,
        "pendingMigrations": pending,
        "eventListener": match listener {
            Some(true) => "connected",
            Some(false) => "disconnected",
            None => "not needed",
        },
        "pools": pools,
        "reasons": reasons,
    });
    let status = if is_ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

/// Prometheus text: SQL statements run, watched sessions, open subscriptions and websockets, the
/// database pools (connections in use and idle per pool, their maximum, acquire timeouts, the time
/// writes waited to begin), the cache of parsed documents and (on
/// Linux) the process's resident memory.
pub async fn metrics(State(server): State<Server>) -> impl IntoResponse {
    let state = &server.state;
    let bus = state.bus.stats();
    let appends = state.appends.as_ref().map(|a| a.stats());
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
         docket_graphql_leaf_pages_total {}\n\
         # HELP docket_session_event_batches_total Statements that appended clients' session events (PostgreSQL: several appends may share one).\n\
         # TYPE docket_session_event_batches_total counter\n\
         docket_session_event_batches_total {}\n\
         # HELP docket_session_event_batched_total Clients' session events those statements appended or tried to.\n\
         # TYPE docket_session_event_batched_total counter\n\
         docket_session_event_batched_total {}\n\
         # HELP docket_session_event_batch_failures_total Those statements the database refused (each append of a refused batch is then sent alone).\n\
         # TYPE docket_session_event_batch_failures_total counter\n\
         docket_session_event_batch_failures_total {}\n",
        state.statements.get(),
        bus.feeds,
        bus.subscribers,
        *state.websockets.borrow(),
        state.leaf_pages.load(std::sync::atomic::Ordering::Relaxed),
        appends.map_or(0, |a| a.statements()),
        appends.map_or(0, |a| a.writes()),
        appends.map_or(0, |a| a.failures()),
    );
    body.push_str(
        "# HELP docket_db_pool_connections Database connections open, by pool (`read` on a SQLite file; \
         `appends`, the writers of clients' session events, on PostgreSQL; `write` serves everything \
         else) and state.\n\
         # TYPE docket_db_pool_connections gauge\n",
    );
    let pools = pools(state);
    for (name, pool) in &pools {
        if let Some(pool) = pool {
            body.push_str(&format!(
                "docket_db_pool_connections{{pool=\"{name}\",state=\"in_use\"}} {}\n\
                 docket_db_pool_connections{{pool=\"{name}\",state=\"idle\"}} {}\n",
                pool.in_use, pool.idle
            ));
        }
    }
    body.push_str("# HELP docket_db_pool_max_connections The most connections a pool may open.\n# TYPE docket_db_pool_max_connections gauge\n");
    for (name, pool) in &pools {
        if let Some(pool) = pool {
            body.push_str(&format!("docket_db_pool_max_connections{{pool=\"{name}\"}} {}\n", pool.max));
        }
    }
    body.push_str(&format!(
        "# HELP docket_db_pool_timeouts_total Operations refused (UNAVAILABLE) because no connection came free within the acquire timeout.\n\
         # TYPE docket_db_pool_timeouts_total counter\n\
         docket_db_pool_timeouts_total {}\n",
        crate::db::timeouts()
    ));
    let documents = server.engine.document_cache();
    body.push_str(&format!(
        "# HELP docket_graphql_document_cache_hits_total Documents found already parsed.\n\
         # TYPE docket_graphql_document_cache_hits_total counter\n\
         docket_graphql_document_cache_hits_total {}\n\
         # HELP docket_graphql_document_cache_misses_total Documents that had to be parsed (or were refused).\n\
         # TYPE docket_graphql_document_cache_misses_total counter\n\
         docket_graphql_document_cache_misses_total {}\n\
         # HELP docket_graphql_documents_cached Parsed documents kept.\n\
         # TYPE docket_graphql_documents_cached gauge\n\
         docket_graphql_documents_cached {}\n\
         # HELP docket_graphql_validations_skipped_total Operations run without validating their document, which had passed validation before (their variables checked against their declared types).\n\
         # TYPE docket_graphql_validations_skipped_total counter\n\
         docket_graphql_validations_skipped_total {}\n",
        documents.hits, documents.misses, documents.kept, documents.validations_skipped
    ));
    let waits = crate::db::WriteWaits::now();
    body.push_str(&format!(
        "# HELP docket_db_write_wait_seconds Time units of work waited to begin: for the write pool's connection, then (SQLite) the write lock.\n\
         # TYPE docket_db_write_wait_seconds summary\n\
         docket_db_write_wait_seconds_sum {}\n\
         docket_db_write_wait_seconds_count {}\n",
        waits.micros as f64 / 1e6,
        waits.begins
    ));
    if let Ok(stat) = procfs::process::Process::myself().and_then(|me| me.stat()) {
        use procfs::WithCurrentSystemInfo as _;
        // The Prometheus client libraries' standard process metrics.
        body.push_str(&format!(
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n\
             # TYPE process_resident_memory_bytes gauge\n\
             process_resident_memory_bytes {}\n\
             # HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n\
             # TYPE process_cpu_seconds_total counter\n\
             process_cpu_seconds_total {}\n",
            stat.rss_bytes().get(),
            (stat.utime + stat.stime) as f64 / procfs::ticks_per_second() as f64
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

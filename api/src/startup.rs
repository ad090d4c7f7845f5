//! Building and running the server: connect, migrate, route, serve, shut down gracefully.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use async_graphql::http::{GraphQLPlaygroundConfig, GraphiQLSource, playground_source};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLRequest, GraphQLResponse};
use axum::{
    Json, Router,
    extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State, WebSocketUpgrade},
    http::{HeaderMap, HeaderName, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use tokio::net::TcpListener;
use tower_http::{
    cors::CorsLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

use crate::{
    config::Config,
    db::{self, PoolSettings},
    events::{self, EventBus},
    graphql::{AppSchema, build_schema},
    service::{self, RequestContext},
    state::AppState,
    websocket,
};

/// Header a client may use to name itself in the audit trail until authentication exists.
pub const ACTOR_HEADER: &str = "x-docket-actor";
const REQUEST_ID_HEADER: &str = "x-request-id";

/// Opens the database described by `config` and applies pending migrations.
pub async fn open_database(
    config: &Config,
    schema: Option<String>,
) -> anyhow::Result<(DatabaseConnection, db::StatementCounter)> {
    let settings = PoolSettings {
        max_connections: config.db_max_connections,
        connect_timeout: Duration::from_secs(config.db_connect_timeout_secs),
        acquire_timeout: Duration::from_secs(config.db_acquire_timeout_secs),
        schema,
    };
    let (db, counter) = db::connect(&config.database_url, &settings).await?;
    db::migrate_up(&db).await?;
    Ok((db, counter))
}

/// A bound, migrated server that has not started serving yet.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    port: u16,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl Application {
    /// Connects to the database, applies pending migrations and binds `config.listen`.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let (db, statements) = open_database(&config, None).await?;
        Self::build_with(config, db, statements).await
    }

    /// Like [`Application::build`] on an already opened and migrated database (tests use their own).
    pub async fn build_with(
        config: Config,
        db: DatabaseConnection,
        statements: db::StatementCounter,
    ) -> anyhow::Result<Self> {
        let bus = EventBus::new(db.clone(), config.subscriber_buffer, config.event_poll_interval());
        let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
        let websockets = Arc::new(tokio::sync::watch::channel(0usize).0);
        let state = AppState { db, bus, config: Arc::new(config), statements, shutdown: shutdown_rx, websockets };
        let listener = TcpListener::bind(state.config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", state.config.listen))?;
        let port = listener.local_addr()?.port();
        let router = app(state.clone());
        Ok(Self { listener, router, state, port, shutdown })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets in-flight requests finish and
    /// closes open websockets with a close message (1001, going away), all within the configured
    /// timeout, and returns. Background tasks (expiry sweep, PostgreSQL listener) stop too.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let mut background = tokio::task::JoinSet::new();
        background.spawn(expiry_sweep(self.state.clone()));
        if self.state.db.get_database_backend() == DbBackend::Postgres {
            background.spawn(events::listen_postgres(self.state.bus.clone()));
        }
        let stop_tx = self.shutdown;
        let mut stopped = self.state.shutdown.clone();
        let mut websockets = self.state.websockets.subscribe();
        let grace = Duration::from_secs(self.state.config.shutdown_timeout_secs);
        let server = axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                shutdown.await;
                let _ = stop_tx.send(true);
            });
        let drained = async move {
            server.await.context("server failed")?;
            // Upgraded connections are not the server's any more: wait for the websockets to close.
            let _ = websockets.wait_for(|open| *open == 0).await;
            anyhow::Ok(())
        };
        tokio::select! {
            result = drained => result?,
            _ = async move {
                let _ = stopped.wait_for(|s| *s).await;
                tokio::time::sleep(grace).await;
            } => tracing::warn!("shutdown timeout reached; closing remaining connections"),
        }
        background.shutdown().await;
        tracing::info!("server stopped");
        Ok(())
    }

    /// Serves until SIGINT or SIGTERM.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutdown signal received");
}

/// Expires due sessions and releases lapsed leases at the configured interval.
async fn expiry_sweep(state: AppState) {
    let request = RequestContext { actor: Some("docket:expiry-sweep".into()), request_id: None };
    let every = state.config.expiry_interval();
    // The first sweep runs one interval after start, not at once: startup stays quick and quiet.
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tick.tick().await;
        match service::session::expire_due(state.ctx(&request)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "sessions expired"),
            Err(err) => tracing::warn!(error = %err, "expiry sweep failed"),
        }
    }
}

/// The router: `/graphql` (POST, GET, websocket, GraphiQL), `/playground`, health and metrics.
pub fn app(state: AppState) -> Router {
    let schema = build_schema(&state);
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/playground", get(playground))
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .route("/metrics", get(metrics))
        .with_state((state.clone(), schema))
        .layer(RequestBodyLimitLayer::new(state.config.body_limit_bytes))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(CorsLayer::permissive())
}

type AppStateWithSchema = (AppState, AppSchema);

/// The span of one HTTP request: method, route and request id (set by `SetRequestIdLayer`).
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let matched_path = request.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str().to_owned());
    let request_id = request.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        matched_path = matched_path.as_deref().unwrap_or(request.uri().path()),
        request_id = %request_id,
    )
}

/// The request context from the headers and peer address.
fn request_context(headers: &HeaderMap, peer: Option<SocketAddr>) -> RequestContext {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    RequestContext {
        actor: header(ACTOR_HEADER).or_else(|| peer.map(|p| p.ip().to_string())),
        request_id: header(REQUEST_ID_HEADER),
    }
}

/// POST `/graphql`: one operation, or a batch (a JSON array) of at most `max_batch`.
async fn graphql_post(
    State((state, schema)): State<AppStateWithSchema>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    request: GraphQLBatchRequest,
) -> Response {
    let batch = request.into_inner();
    let size = batch.iter().count();
    if size > state.config.max_batch {
        let message = format!("a batch may hold at most {} operations, not {size}", state.config.max_batch);
        let body =
            serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": "BAD_USER_INPUT" } }] });
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let batch = batch.data(request_context(&headers, Some(peer)));
    GraphQLResponse::from(schema.execute_batch(batch).await).into_response()
}

/// GET `/graphql`: a websocket upgrade (both protocols), GraphiQL for a browser, or a query in the
/// URL per GraphQL over HTTP (queries only: a mutation over GET is refused with 405).
async fn graphql_get(State((state, schema)): State<AppStateWithSchema>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    let context = request_context(&parts.headers, peer);
    if parts.headers.contains_key(header::UPGRADE) {
        let Some(protocol) = websocket::requested_protocol(&parts.headers) else {
            let message = "Sec-WebSocket-Protocol must name graphql-transport-ws or graphql-ws";
            return (StatusCode::BAD_REQUEST, message).into_response();
        };
        let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
            Ok(upgrade) => upgrade,
            Err(rejection) => return rejection.into_response(),
        };
        return websocket::configure(upgrade)
            .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
            .on_upgrade(move |socket| websocket::serve(socket, schema, protocol, context, state));
    }
    let wants_html = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && parts.uri.query().is_none_or(|q| !q.contains("query=")) {
        return Html(GraphiQLSource::build().endpoint("/graphql").subscription_endpoint("/graphql").finish())
            .into_response();
    }
    let request = match GraphQLRequest::<async_graphql_axum::rejection::GraphQLRejection>::from_request(
        Request::from_parts(parts, body),
        &(),
    )
    .await
    {
        Ok(request) => request.into_inner(),
        Err(rejection) => return rejection.into_response(),
    };
    if is_mutation(&request) {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "POST")], "mutations must be sent with POST")
            .into_response();
    }
    GraphQLResponse::from(schema.execute(request.data(context)).await).into_response()
}

/// Whether the operation a request would run is a mutation (GraphQL over HTTP forbids them over GET).
fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let operation = match (&request.operation_name, document.operations) {
        (_, async_graphql::parser::types::DocumentOperations::Single(op)) => Some(op.node.ty),
        (Some(name), async_graphql::parser::types::DocumentOperations::Multiple(ops)) => {
            ops.get(name.as_str()).map(|op| op.node.ty)
        }
        (None, async_graphql::parser::types::DocumentOperations::Multiple(ops)) => {
            ops.values().next().map(|op| op.node.ty)
        }
    };
    operation == Some(async_graphql::parser::types::OperationType::Mutation)
}

async fn playground() -> Html<String> {
    Html(playground_source(GraphQLPlaygroundConfig::new("/graphql").subscription_endpoint("/graphql")))
}

async fn live() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "live" }))
}

/// Ready when the database answers and no migration is pending; 503 otherwise.
async fn ready(State((state, _)): State<AppStateWithSchema>) -> Response {
    let reachable = state.db.execute_unprepared("SELECT 1").await.is_ok();
    let pending =
        if reachable { Migrator::get_pending_migrations(&state.db).await.map(|p| p.len()).ok() } else { None };
    let body = serde_json::json!({
        "status": if reachable && pending == Some(0) { "ready" } else { "unavailable" },
        "database": if reachable { "reachable" } else { "unreachable" },
        "pendingMigrations": pending,
    });
    let status = if reachable && pending == Some(0) { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

/// Prometheus text: SQL statements run, watched sessions, open subscriptions and websockets, and (on
/// Linux) the process's resident memory.
async fn metrics(State((state, _)): State<AppStateWithSchema>) -> impl IntoResponse {
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
         docket_websockets {}\n",
        state.statements.get(),
        bus.feeds,
        bus.subscribers,
        *state.websockets.borrow(),
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

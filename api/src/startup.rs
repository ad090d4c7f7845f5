//! Building and running the server: connect, migrate, route, serve, shut down gracefully.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, StatusCode},
    routing::get,
};
use sea_orm::{DatabaseConnection, DbBackend};
use tokio::net::TcpListener;
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

use crate::{
    access::api_key::Authenticator,
    bus::{self as events, EventBus},
    config::Config,
    db::{self, PoolSettings},
    graphql::build_engine,
    http::{self, REQUEST_ID_HEADER, Server, Shared, origin::Origins},
    service::sealed::Sealer,
    state::AppState,
};

/// The pool settings `config` asks for.
fn pool_settings(config: &Config, schema: Option<String>) -> PoolSettings {
    PoolSettings {
        max_connections: config.db_max_connections,
        busy_timeout: Duration::from_millis(config.db_busy_timeout_ms),
        connect_timeout: Duration::from_secs(config.db_connect_timeout_secs),
        acquire_timeout: Duration::from_secs(config.db_acquire_timeout_secs),
        schema,
    }
}

/// Opens the database described by `config` (its write pool) and applies pending migrations.
pub async fn open_database(
    config: &Config,
    schema: Option<String>,
) -> anyhow::Result<(DatabaseConnection, db::StatementCounter)> {
    let (db, counter) = db::connect(&config.database_url, &pool_settings(config, schema)).await?;
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
        Self::build_with(config, db, statements, None).await
    }

    /// Like [`Application::build`] on an already opened and migrated database (tests use their own),
    /// `db` being its write pool and `schema` the PostgreSQL schema it uses instead of `public`; the
    /// read pool and the appends' writers' pool are opened here.
    pub async fn build_with(
        config: Config,
        db: DatabaseConnection,
        statements: db::StatementCounter,
        schema: Option<String>,
    ) -> anyhow::Result<Self> {
        let settings = pool_settings(&config, schema);
        let reads = db::read_pool(&db, &config.database_url, &settings, &statements).await?;
        // The bus's feeds read through a sea-orm pool (on PostgreSQL its listener keeps a connection
        // of it): a SQLite file's read pool, elsewhere the write pool.
        let bus_pool = match &reads {
            db::Reads::Pool(pool) => pool.clone(),
            db::Reads::Postgres(_) => db.clone(),
        };
        let bus = EventBus::new(bus_pool, config.subscriber_buffer, config.event_poll_interval());
        let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
        let websockets = Arc::new(tokio::sync::watch::channel(0usize).0);
        let allow_anonymous = config.anonymous_allowed();
        let auth = Arc::new(Authenticator::new(&db, allow_anonymous).await.map_err(|err| anyhow::anyhow!("{err}"))?);
        if allow_anonymous {
            tracing::info!(
                allow_anonymous,
                "requests without a token act as the owner of the `default` organization (--allow-anonymous)"
            );
        } else {
            tracing::info!(allow_anonymous, "every request needs a bearer token (anonymous access is off)");
        }
        let sealer = Arc::new(Sealer::new(config.secrets_key.as_ref().map(|k| k.0.as_str()))?);
        let probes = Arc::new(crate::service::health::first_probe(&reads).await);
        let appends = if db.get_database_backend() == DbBackend::Postgres {
            let writers = db::writers_pool(&config.database_url, &settings, &statements, config.append_statements)?;
            Some(crate::sessions::event::Appends::start(writers, bus.clone(), &config))
        } else {
            None
        };
        let state = AppState {
            appends,
            db,
            reads,
            probes,
            bus,
            config: Arc::new(config),
            statements,
            shutdown: shutdown_rx,
            websockets,
            auth,
            sealer,
            leaf_pages: Arc::default(),
        };
        let listener = TcpListener::bind(state.config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", state.config.listen))?;
        let port = listener.local_addr()?.port();
        let router = app(state.clone())?;
        Ok(Self { listener, router, state, port, shutdown })
    }

    /// What its handlers share (tests read its pools).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets in-flight requests finish and
    /// closes open websockets with a close message (1001, going away), all within the configured
    /// timeout, and returns. Background tasks (expiry and retention sweeps, the webhook
    /// dispatcher, the PostgreSQL listener) stop too.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let mut background = tokio::task::JoinSet::new();
        background.spawn(expiry_sweep(self.state.clone()));
        background.spawn(retention_sweep(self.state.clone()));
        background.spawn(crate::events::delivery::run(self.state.clone()));
        background.spawn(crate::service::health::probe_forever(self.state.reads.clone(), self.state.probes.clone()));
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

/// Expires due sessions and releases lapsed leases at the configured interval, in every
/// organization.
async fn expiry_sweep(state: AppState) {
    let every = state.config.expiry_interval();
    // The first sweep runs one interval after start, not at once: startup stays quick and quiet.
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tick.tick().await;
        match crate::sessions::session::expire_due_everywhere(&state.db, &state.reads, &state.bus).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "sessions expired"),
            Err(err) => tracing::warn!(error = %err, "expiry sweep failed"),
        }
    }
}

/// Applies retention in every organization at `--retention-interval-secs` (the first sweep one
/// interval after start). With several processes on one database each sweeps; deletions in small
/// batches make that harmless.
async fn retention_sweep(state: AppState) {
    let every = std::time::Duration::from_secs(state.config.retention_interval_secs.max(1));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tick.tick().await;
        match crate::events::retention::sweep(&state.db, None, false).await {
            Ok(pruned) => {
                for p in pruned.iter().filter(|p| p.total() > 0) {
                    tracing::info!(organization = %p.organization, events = p.events, audit_entries = p.audit_entries,
                        session_events = p.session_events, webhook_deliveries = p.webhook_deliveries,
                        "retention deleted old rows");
                }
            }
            Err(err) => tracing::warn!(error = %err, "retention sweep failed"),
        }
    }
}

/// The router: `/graphql` (POST, GET, websocket, GraphiQL), `/playground`, `/assets/`, health and metrics,
/// inbound hooks (`/hooks/{source}/{organization}`), with
/// the body limit, the request timeout, the access log, request ids and the origin policy around them.
///
/// Errors: a `--cors-origin` that is not an origin.
pub fn app(state: AppState) -> anyhow::Result<Router> {
    let origins = Origins::parse(&state.config.cors_origins)?;
    let cors = origins.cors_layer();
    let server = Server::new(Shared { engine: build_engine(&state), state: state.clone(), origins });
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    let timeout = state.config.request_timeout();
    let refusals = http::Refusals { timeout, body_limit: state.config.body_limit_bytes };
    let router = Router::new()
        .route("/", get(|| async { axum::response::Redirect::temporary("/graphql") }))
        .route("/graphql", get(http::graphql::get).post(http::graphql::post))
        .route("/playground", get(http::explorer::playground))
        .route("/assets/{name}", get(http::explorer::asset))
        .route("/health/live", get(http::health::live))
        .route("/health/ready", get(http::health::ready))
        .route("/metrics", get(http::health::metrics))
        .route("/hooks/{source}/{organization}", axum::routing::post(http::hooks::receive))
        .with_state(server)
        .layer(TimeoutLayer::with_status_code(StatusCode::GATEWAY_TIMEOUT, timeout))
        // The body limit is `--body-limit-bytes`, enforced by the layer below, not axum's default 2 MiB.
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(state.config.body_limit_bytes))
        .layer(axum::middleware::map_response(move |response| http::explain_refusal(refusals, response)))
        .layer(TraceLayer::new_for_http().make_span_with(request_span).on_response(http::log_response))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid));
    Ok(match cors {
        Some(cors) => router.layer(cors),
        None => router,
    })
}

/// The span of one HTTP request: method, route and request id (set by `SetRequestIdLayer`).
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let matched_path = request.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str().to_owned());
    let request_id = request.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        matched_path = %matched_path.as_deref().unwrap_or(request.uri().path()),
        request_id = %request_id,
    )
}

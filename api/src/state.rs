//! What every handler and resolver shares.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    access::api_key::Authenticator,
    bus::EventBus,
    config::Config,
    db::StatementCounter,
    service::{Ctx, RequestContext, sealed::Sealer},
};

/// Shared application state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The pool writes go through (units of work, background jobs).
    pub db: DatabaseConnection,
    /// The connections reads go through ([`crate::db::read_pool`]): on PostgreSQL a pool of their
    /// own, on a SQLite file connections that read beside the writer, on an in-memory database `db`.
    pub reads: crate::db::Reads,
    /// What the database health probe last found (`/health/ready` answers from it).
    pub probes: Arc<tokio::sync::watch::Sender<crate::service::health::Probe>>,
    /// The event bus.
    pub bus: EventBus,
    /// The configuration the process started with.
    pub config: Arc<Config>,
    /// SQL statements run so far.
    pub statements: StatementCounter,
    /// Turns `true` when the server starts shutting down; open websockets then close.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// Websocket connections still open (the server waits for them when shutting down).
    pub websockets: std::sync::Arc<tokio::sync::watch::Sender<usize>>,
    /// How requests are authenticated.
    pub auth: Arc<Authenticator>,
    /// Seals and opens stored secrets.
    pub sealer: Arc<Sealer>,
    /// Clients' session events sent in batches (PostgreSQL only).
    pub appends: Option<crate::sessions::event::Appends>,
    /// Connections answered in one pass (`graphql::connection::PlainFields`), for `/metrics`.
    pub leaf_pages: Arc<std::sync::atomic::AtomicU64>,
}

impl AppState {
    /// A service context for `request`.
    pub fn ctx<'a>(&'a self, request: &'a RequestContext) -> Ctx<'a> {
        Ctx { db: &self.db, reads: &self.reads, bus: &self.bus, request, appends: self.appends.as_ref() }
    }
}

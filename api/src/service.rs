//! Business rules and database access. Services never see GraphQL types: resolvers convert.
//!
//! Every service function takes a [`Ctx`]: the pool, the event bus and who is asking (the request's
//! [`Viewer`]). Reads are confined to the viewer's organization by [`tenant`]; every write runs in one
//! unit of work ([`Tx`], opened by [`Ctx::begin`] with the role it needs), which audits as the viewer
//! and announces after commit.

pub mod audit;
pub mod graph;
pub mod health;
pub mod page;
pub mod resource;
pub mod sealed;
pub mod sql;
pub mod tenant;
pub mod tx;
pub mod viewer;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use uuid::Uuid;

pub use resource::Resource;
pub use tx::{BatchStats, Batcher, Recorded, Tx, WriteFn};
pub use viewer::{Role, Scope, Viewer};

use crate::{bus::EventBus, error::ApiResult};

/// Who is asking and which request this is; flows from the router into every service call, so that
/// tenancy, authorization and the audit log can use it.
#[derive(Clone, Debug)]
pub struct RequestContext {
    /// The authenticated viewer.
    pub viewer: Viewer,
    /// Whom the client says it acts for (`X-Docket-Actor`): recorded beside the principal, never
    /// trusted as one.
    pub on_behalf_of: Option<String>,
    /// The request's id (`X-Request-Id`, generated when absent).
    pub request_id: Option<String>,
}

impl RequestContext {
    /// A context for `viewer` outside any HTTP request (the command line, background work).
    pub fn of(viewer: Viewer) -> Self {
        Self { viewer, on_behalf_of: None, request_id: None }
    }
}

/// What every service call gets.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    /// The pool writes go through: only [`Tx`] uses it (the batched appends of PostgreSQL have
    /// connections of their own, `appends`).
    pub db: &'a DatabaseConnection,
    /// The connections reads go through.
    pub reads: &'a crate::db::Reads,
    /// Where committed events are announced.
    pub bus: &'a EventBus,
    /// Who is asking.
    pub request: &'a RequestContext,
    /// Where a client's session events are appended in batches (on PostgreSQL, in a server;
    /// `None` elsewhere, where each goes through its own [`Tx`]).
    pub appends: Option<&'a crate::sessions::event::Appends>,
}

impl<'a> Ctx<'a> {
    /// A context outside a request (background jobs, the command line), writing through `db` and
    /// reading through `reads`, without batched appends.
    pub fn over(
        db: &'a DatabaseConnection,
        reads: &'a crate::db::Reads,
        bus: &'a EventBus,
        request: &'a RequestContext,
    ) -> Self {
        Self { db, reads, bus, request, appends: None }
    }

    /// Who is asking.
    pub fn viewer(&self) -> &'a Viewer {
        &self.request.viewer
    }

    /// The organization every read is confined to.
    pub fn scope(&self) -> Scope {
        self.request.viewer.scope()
    }

    /// Opens the unit of work of a write that needs `role`. Errors: `FORBIDDEN` (nothing written).
    pub async fn begin(self, role: Role) -> ApiResult<Tx<'a>> {
        self.viewer().require(role)?;
        Tx::begin(self).await
    }
}

/// A new UUIDv7: time-ordered, so ids sort in creation order.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// Takes the row lock of a session for the rest of the transaction (PostgreSQL), so that changes
/// to one session's todo graph are serialized. SQLite has a single writer and needs none.
pub async fn lock_session(txn: &impl ConnectionTrait, session_id: Uuid) -> ApiResult<bool> {
    let mut sql = sql::Sql::new("SELECT id FROM documentation_sessions WHERE id = ");
    sql.bind(session_id);
    if txn.get_database_backend() == DbBackend::Postgres {
        sql.push(" FOR UPDATE");
    }
    Ok(txn.query_one_raw(sql.build(txn.get_database_backend())).await?.is_some())
}

/// Rejects text that is empty (after trimming) or longer than `max` characters.
pub fn require_text(field: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.trim().is_empty() {
        return Err(crate::error::ApiError::bad_input(format!("`{field}` must not be empty")));
    }
    if value.chars().count() > max {
        return Err(crate::error::ApiError::bad_input(format!("`{field}` must be at most {max} characters")));
    }
    Ok(())
}

/// Rejects JSON that is not an object (configs and metadata are objects).
pub fn require_object(field: &str, value: &serde_json::Value) -> ApiResult<()> {
    if value.is_object() {
        Ok(())
    } else {
        Err(crate::error::ApiError::bad_input(format!("`{field}` must be a JSON object")))
    }
}

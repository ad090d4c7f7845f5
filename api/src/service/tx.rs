//! The unit of work of every write: the transaction, the viewer it runs for, the audit entries it
//! writes, and what it announces once committed.
//!
//! A service opens one with [`super::Ctx::begin`], writes through it (it is a connection), audits
//! through it, names the sessions to wake and the events it announces to the organization's log, and
//! commits. The log's events are written in the same transaction, just before the commit (one
//! statement for all of them), so a change and its event commit together or not at all; the wake-ups
//! go after the commit, so nothing is announced that did not commit. A `Tx` dropped without commit
//! rolls back.

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement, TransactionTrait,
};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::event_log::{self, NewEvent};
use super::{Ctx, RequestContext, audit, viewer::Viewer};
use crate::error::ApiResult;

/// One write's transaction and what goes with it.
pub struct Tx<'a> {
    txn: DatabaseTransaction,
    cx: Ctx<'a>,
    wake: Vec<Uuid>,
    events: Vec<NewEvent>,
    wake_log: bool,
}

impl<'a> Tx<'a> {
    /// Opens the transaction of `cx`'s request.
    pub async fn begin(cx: Ctx<'a>) -> ApiResult<Self> {
        Ok(Self { txn: cx.db.begin().await?, cx, wake: Vec::new(), events: Vec::new(), wake_log: false })
    }

    /// Who the write is for.
    pub fn viewer(&self) -> &Viewer {
        &self.cx.request.viewer
    }

    /// The request the write belongs to.
    pub fn request(&self) -> &RequestContext {
        self.cx.request
    }

    /// Audits the creation (`old` absent), change or deletion (`new` absent) of a record; a change
    /// that changed nothing writes nothing.
    pub async fn audit<T: Serialize>(
        &self,
        entity_type: &str,
        entity_id: Uuid,
        old: Option<&T>,
        new: Option<&T>,
    ) -> ApiResult<()> {
        audit::record_change(self, entity_type, entity_id, old, new).await
    }

    /// Audits a change described by hand: `{"field": {"old": ..., "new": ...}}`.
    pub async fn audit_update(&self, entity_type: &str, entity_id: Uuid, changes: Value) -> ApiResult<()> {
        audit::record(self, entity_type, entity_id, entity::audit_log::AuditAction::Update, changes).await
    }

    /// Wakes the subscribers of session `session_id` after commit.
    pub fn wake(&mut self, session_id: Uuid) {
        if !self.wake.contains(&session_id) {
            self.wake.push(session_id);
        }
    }

    /// Appends `event` to the organization's log with this write (written at commit, as the viewer).
    pub fn announce(&mut self, event: NewEvent) {
        self.events.push(event);
    }

    /// Wakes the organization's log readers after commit, for events this write appended itself.
    pub fn wake_log(&mut self) {
        self.wake_log = true;
    }

    /// Writes the announced events, commits, then wakes what the write named.
    pub async fn commit(mut self) -> ApiResult<()> {
        if !self.events.is_empty() {
            let events = std::mem::take(&mut self.events);
            let viewer = self.viewer();
            event_log::append(&self.txn, viewer.organization_id, &viewer.principal_ref(), &events, false).await?;
            self.wake_log = true;
        }
        self.txn.commit().await?;
        for session in &self.wake {
            self.cx.bus.committed(*session, 0);
        }
        if self.wake_log {
            self.cx.bus.committed_log(self.cx.request.viewer.organization_id);
        }
        Ok(())
    }

    /// Rolls back (a dry run): nothing is written, nothing announced.
    pub async fn rollback(self) -> ApiResult<()> {
        Ok(self.txn.rollback().await?)
    }
}

#[async_graphql::async_trait::async_trait]
impl ConnectionTrait for Tx<'_> {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

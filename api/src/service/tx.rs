//! The unit of work of every write: the transaction, the viewer it runs for, what it records and what
//! it announces once committed.
//!
//! A service opens one with [`super::Ctx::begin`], writes through it (it is a connection), records each
//! write with [`Tx::record`] (the audit entry, now, and the `resource.verb` event of the organization's
//! log, written in the same transaction just before the commit, one statement for all of them), names
//! the sessions to wake, and commits. A change and its audit entry and event commit together or not at
//! all; the wake-ups go after the commit, so nothing is announced that did not commit. A `Tx` dropped
//! without commit rolls back.

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

mod batch;

pub use batch::{BatchStats, Batcher, WriteFn};

use super::{
    Ctx, RequestContext, audit,
    resource::{Action, Resource},
    viewer::Viewer,
};
use crate::{
    error::ApiResult,
    events::log::{self as event_log, NewEvent},
};

/// `snake_case` as `camelCase`: events name a record's fields as the API does (`createdAt`).
fn camel(snake: &str) -> String {
    let mut parts = snake.split('_');
    let mut out = parts.next().unwrap_or_default().to_owned();
    for part in parts {
        let mut chars = part.chars();
        out.extend(chars.next().map(|c| c.to_ascii_uppercase()));
        out.push_str(chars.as_str());
    }
    out
}

/// A record's fields with their names as the API gives them.
fn camel_keys(fields: serde_json::Map<String, Value>) -> Value {
    Value::Object(fields.into_iter().map(|(k, v)| (camel(&k), v)).collect())
}

/// What [`Tx::record`] queued for the log: say more about the event before the next write.
pub struct Recorded<'t> {
    resource: Resource,
    event: Option<&'t mut NewEvent>,
}

impl Recorded<'_> {
    fn with(mut self, change: impl FnOnce(&mut NewEvent)) -> Self {
        if let Some(event) = self.event.as_deref_mut() {
            change(event);
        }
        self
    }

    /// Names the event `resource.verb` with this verb (`claimed`, `role_changed`).
    pub fn verb(self, verb: &str) -> Self {
        let resource = self.resource;
        self.with(|e| e.event_type = resource.event_type(verb).unwrap_or_default())
    }

    /// Gives the event this whole type (one of [`crate::events::log::types`], which other parts of the
    /// server read).
    pub fn named(self, event_type: &str) -> Self {
        self.with(|e| e.event_type = event_type.to_owned())
    }

    /// Gives the event this payload (an object).
    pub fn payload(self, payload: Value) -> Self {
        self.with(|e| e.payload = payload)
    }

    /// Says the event concerns project `id`.
    pub fn project(self, id: Uuid) -> Self {
        self.with(|e| e.project_id = Some(id))
    }

    /// Says the event concerns task `id` of project `project_id`.
    pub fn task(self, project_id: Uuid, id: Uuid) -> Self {
        self.with(|e| (e.project_id, e.task_id) = (Some(project_id), Some(id)))
    }

    /// Says the event concerns `task`: its project, itself and its workflow (when it is in one).
    pub fn about_task(self, task: &entity::task::Model) -> Self {
        self.task(task.project_id, task.id).workflow(task.workflow_id)
    }

    /// Says the event concerns workflow `id`, when there is one.
    pub fn workflow(self, id: Option<Uuid>) -> Self {
        self.with(|e| e.workflow_id = id)
    }

    /// Says the event concerns workspace `id`.
    pub fn workspace(self, id: Uuid) -> Self {
        self.with(|e| e.workspace_id = Some(id))
    }

    /// Says the event concerns documentation session `id`.
    pub fn session(self, id: Uuid) -> Self {
        self.with(|e| e.session_id = Some(id))
    }

    /// Makes record `id` the event's subject (for a link recorded under one end, about the other).
    pub fn subject_id(self, id: Uuid) -> Self {
        self.with(|e| e.subject = e.subject.map(|(kind, _)| (kind, id)))
    }

    /// Gives the event this severity (`info` unless said).
    pub fn severity(self, severity: entity::event::Severity) -> Self {
        self.with(|e| e.severity = severity)
    }

    /// Replaces the event by `event`, keeping its subject (for a write whose event says more than
    /// `resource.verb` and a payload).
    pub fn event(self, event: NewEvent) -> Self {
        self.with(|e| *e = NewEvent { subject: e.subject, ..event })
    }
}

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
        Ok(Self {
            txn: crate::db::begin_write(cx.db).await?,
            cx,
            wake: Vec::new(),
            events: Vec::new(),
            wake_log: false,
        })
    }

    /// Who the write is for.
    pub fn viewer(&self) -> &Viewer {
        &self.cx.request.viewer
    }

    /// The request the write belongs to.
    pub fn request(&self) -> &RequestContext {
        self.cx.request
    }

    /// Records a write to one record: its audit entry, written now (a change that changed nothing writes
    /// nothing), and its event in the organization's log, written at commit: `resource.verb`, the verb
    /// from what the write did (`created` with the record as its payload, `updated` with the names of
    /// the changed fields, `deleted`; names in camelCase, as the API gives them), about the record as its subject. The answer says more about the
    /// event: another verb, what it concerns, another payload.
    pub async fn record<T: Serialize>(
        &mut self,
        resource: Resource,
        id: Uuid,
        old: Option<&T>,
        new: Option<&T>,
    ) -> ApiResult<Recorded<'_>> {
        let (old, new) = (old.map(audit::fields).transpose()?, new.map(audit::fields).transpose()?);
        let action = match (&old, &new) {
            (None, _) => Action::Created,
            (Some(_), None) => Action::Deleted,
            (Some(_), Some(_)) => Action::Updated,
        };
        let changes = audit::changes_between(old.as_ref(), new.as_ref());
        if action == Action::Updated && changes.is_empty() {
            return Ok(Recorded { resource, event: None });
        }
        let payload = match action {
            Action::Created => camel_keys(new.unwrap_or_default()),
            Action::Updated => json!({ "fields": changes.keys().map(|k| camel(k)).collect::<Vec<_>>() }),
            Action::Deleted => json!({}),
        };
        audit::record(self, resource, id, action, Value::Object(changes)).await?;
        Ok(self.log(resource, id, resource.verb(action), payload))
    }

    /// [`Tx::record`] for a change described by hand: `changes` is `{"field": {"old": ..., "new": ...}}`
    /// and the event's verb is `verb` (its payload `{}` until the answer gives one).
    pub async fn record_change(
        &mut self,
        resource: Resource,
        id: Uuid,
        verb: &str,
        changes: Value,
    ) -> ApiResult<Recorded<'_>> {
        audit::record(self, resource, id, Action::Updated, changes).await?;
        Ok(self.log(resource, id, verb, json!({})))
    }

    /// [`Tx::record`] for the creation of many records at once (audit entries inserted in batches);
    /// `about` says what each one's event concerns.
    pub async fn record_creations<T: Serialize>(
        &mut self,
        resource: Resource,
        rows: &[(Uuid, T)],
        about: impl Fn(&T, NewEvent) -> NewEvent,
    ) -> ApiResult<()> {
        let mut records = Vec::with_capacity(rows.len());
        for (id, row) in rows {
            records.push((*id, audit::fields(row)?));
        }
        audit::record_creations(self, resource, &records).await?;
        for ((id, fields), (_, row)) in records.into_iter().zip(rows) {
            let verb = resource.verb(Action::Created);
            if let Some(event) = self.log(resource, id, verb, camel_keys(fields)).event {
                *event = about(row, std::mem::replace(event, NewEvent::docket("")));
            }
        }
        Ok(())
    }

    /// Queues the log event `resource.verb` about record `id` (none for a resource without events).
    fn log(&mut self, resource: Resource, id: Uuid, verb: &str, payload: Value) -> Recorded<'_> {
        let Some(event_type) = resource.event_type(verb) else { return Recorded { resource, event: None } };
        let subject = resource.event_name().map(|name| (name, id));
        self.events.push(NewEvent { subject, ..NewEvent::docket(&event_type).payload(payload) });
        Recorded { resource, event: self.events.last_mut() }
    }

    /// Wakes the subscribers of session `session_id` after commit.
    pub fn wake(&mut self, session_id: Uuid) {
        if !self.wake.contains(&session_id) {
            self.wake.push(session_id);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_payloads_name_fields_as_the_api_does() {
        assert_eq!(camel("created_at"), "createdAt");
        assert_eq!(camel("organization_id"), "organizationId");
        assert_eq!(camel("name"), "name");
        let fields = serde_json::json!({ "project_id": null, "path": "/x" });
        let Value::Object(map) = fields else { unreachable!() };
        assert_eq!(camel_keys(map), serde_json::json!({ "projectId": null, "path": "/x" }));
    }
}

//! The unit of work of a write that is one SQL statement: a data-modifying `WITH` that the database
//! runs as its own transaction, in one round trip. For the writes whose round trips matter most (a
//! client's session event on PostgreSQL). The rules are [`super::Tx`]'s: the role is checked when it
//! opens, the audit entry is part of the same statement ([`Single::record_creation`]), and the
//! wake-ups go after the statement succeeded. Nothing is written when the statement's first part
//! finds nothing (no row, another organization's).

use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{Ctx, Resource, Role, audit, sql::Sql},
};

/// A write built as one statement: its parts, `name AS (...)`, then the query that answers it.
pub struct Single<'a> {
    cx: Ctx<'a>,
    sql: Sql,
    parts: usize,
}

impl<'a> Single<'a> {
    /// Opens the write of `cx`'s request, which needs `role`. Errors: `FORBIDDEN` (nothing is sent).
    pub fn begin(cx: Ctx<'a>, role: Role) -> ApiResult<Self> {
        cx.viewer().require(role)?;
        Ok(Self { cx, sql: Sql::new("WITH "), parts: 0 })
    }

    /// Adds the part `name AS (...)`, whose text `part` pushes.
    pub fn part(&mut self, name: &str, part: impl FnOnce(&mut Sql)) -> &mut Self {
        if self.parts > 0 {
            self.sql.push(", ");
        }
        self.parts += 1;
        self.sql.push(name).push(" AS (");
        part(&mut self.sql);
        self.sql.push(")");
        self
    }

    /// Records the creation of the row of part `from`, whose id is the SQL expression `id` (over
    /// `from`), with the changes that `changes` pushes (an expression over `from` giving the audit
    /// entry's `{"field": {"new": ...}}`): its audit entry, as one more part. For a resource whose
    /// writes are not in the organization's log (a session's own events, announced by its stream);
    /// `INTERNAL_SERVER_ERROR` for one whose writes are, which needs a [`super::Tx`].
    pub fn record_creation(
        &mut self,
        resource: Resource,
        id: &str,
        changes: impl FnOnce(&mut Sql),
        from: &str,
    ) -> ApiResult<&mut Self> {
        if resource.event_name().is_some() {
            let name = resource.audit_name();
            return Err(ApiError::from(anyhow::anyhow!(
                "{name} writes are in the organization's log: record them through Tx"
            )));
        }
        let request = self.cx.request;
        let name = format!("audit_{}", self.parts);
        Ok(self.part(&name, |sql| audit::push_insert_select(sql, request, resource, id, changes, from)))
    }

    /// Sends the statement with `SELECT * FROM answer` as its query: the first row as `T`, `None` when
    /// nothing was written. After it succeeded, wakes the subscribers of the session and sequence that
    /// `wake` gives for the row.
    pub async fn commit<T: FromQueryResult>(
        mut self,
        answer: &str,
        wake: impl FnOnce(&T) -> (Uuid, i64),
    ) -> ApiResult<Option<T>> {
        self.sql.push(" SELECT * FROM ").push(answer);
        let backend = self.cx.db.get_database_backend();
        let Some(row) = self.cx.db.query_one_raw(self.sql.build(backend)).await? else { return Ok(None) };
        let row = T::from_query_result(&row, "")?;
        let (session, sequence) = wake(&row);
        self.cx.bus.committed(session, sequence);
        Ok(Some(row))
    }
}

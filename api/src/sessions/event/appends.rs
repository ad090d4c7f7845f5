//! Clients' appends on PostgreSQL, sent in batches ([`Batcher`]): the appends that arrive while
//! others are in the database go together as one statement of the same text whatever their number,
//! which takes each session's next sequences (only sessions of the writers' organization, their rows
//! locked in id order, so two batches never wait on each other in a cycle), inserts the events
//! numbered in id order within a session and records each one's creation with its own request's
//! audit values. One round trip, one parse and one commit are shared by the whole batch; sequences
//! stay gapless, since every sequence a statement takes is used by an event it inserts.

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, SubsecRound, Utc};
use entity::session_event;
use sea_orm::{ConnectionTrait, DbBackend, EntityName, FromQueryResult, IdenStatic, Iterable};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::NewSessionEvent;
use crate::{
    bus::EventBus,
    config::Config,
    db::PgConnections,
    error::{ApiError, ApiResult},
    service::{
        BatchStats, Batcher, Ctx, Resource, Role, Scope, WriteFn,
        audit::{self, AuthorColumns},
        new_id,
        sql::Sql,
        tenant::Owned,
    },
};

/// Most appends in one statement.
const MOST_PER_STATEMENT: usize = 100;

/// The appends of a server's clients, sent in batches. Cheap to clone.
#[derive(Clone)]
pub struct Appends {
    batcher: Batcher<Row, session_event::Model>,
    pool: PgConnections,
}

/// An append waiting for its statement, as the statement reads it (`jsonb_to_recordset`, columns
/// [`Row::DEFINITION`]).
#[derive(Serialize)]
struct Row {
    id: Uuid,
    session_id: Uuid,
    event_type: String,
    event_data: Value,
    error: Option<String>,
    metadata: Value,
    created_at: DateTime<Utc>,
    /// The audit entry's `changes`, but for the sequence, which the statement sets.
    changes: Value,
    #[serde(flatten)]
    author: AuthorColumns,
}

impl Row {
    /// The columns of [`Row`] but its author's, as the statement declares them.
    const DEFINITION: &str = "id uuid, session_id uuid, event_type text, event_data jsonb, error text, \
                              metadata jsonb, created_at timestamptz, changes jsonb";
}

impl Appends {
    /// Starts sending the appends of a server on PostgreSQL through `db`, its writers' pool
    /// ([`crate::db::writers_pool`]: PostgreSQL keeps the statement's generic plan there), waking
    /// `bus`'s subscribers after each statement. `config.append_statements` statements at most are in
    /// the database at once: the appends that arrive meanwhile gather into the next.
    pub fn start(db: PgConnections, bus: EventBus, config: &Config) -> Self {
        let in_flight = config.append_statements as usize;
        let pool = db.clone();
        let write: Arc<WriteFn<Row, session_event::Model>> = Arc::new(move |organization_id, appends| {
            let (db, bus) = (db.clone(), bus.clone());
            Box::pin(async move { write(&db, &bus, Scope { organization_id }, appends).await })
        });
        Self { batcher: Batcher::start(in_flight, MOST_PER_STATEMENT, write), pool }
    }

    /// Appends a client's `event` to session `session_id` of `cx`'s organization with its audit
    /// entry, in the next statement. Errors: `FORBIDDEN` (nothing sent), `NOT_FOUND` (no such
    /// session in the organization).
    pub(super) async fn append(
        &self,
        cx: Ctx<'_>,
        session_id: Uuid,
        event: NewSessionEvent,
    ) -> ApiResult<session_event::Model> {
        cx.viewer().require(Role::Member)?;
        // Stored with microseconds: the audit entry shows the time as it is read back.
        let created_at = Utc::now().trunc_subsecs(6);
        let model = session_event::Model {
            id: new_id(),
            session_id,
            sequence: 0, // taken by the statement, which sets it in the audit entry too
            event_type: event.event_type,
            event_data: event.event_data,
            error: event.error,
            metadata: event.metadata,
            created_at,
        };
        let changes = audit::changes(None, Some(&model));
        let session_event::Model { id, event_type, event_data, error, metadata, .. } = model;
        let row = Row {
            id,
            session_id,
            event_type,
            event_data,
            error,
            metadata,
            created_at,
            changes,
            author: AuthorColumns::of(cx.request),
        };
        let written = self.batcher.submit(cx.scope().organization_id, row).await?;
        written.ok_or(ApiError::NotFound { entity: "documentation session" })
    }

    /// The pool its writers send through (for `/health/ready` and `/metrics`).
    pub fn pool(&self) -> &PgConnections {
        &self.pool
    }

    /// Statements sent and appends they held.
    pub fn stats(&self) -> &BatchStats {
        self.batcher.stats()
    }
}

/// Sends `appends` of organization `scope` as one statement and wakes their sessions' subscribers:
/// for each append its event, `None` when its session is not one of the organization's.
async fn write(
    db: &PgConnections,
    bus: &EventBus,
    scope: Scope,
    appends: &[Row],
) -> ApiResult<Vec<Option<session_event::Model>>> {
    let mut sessions: Vec<Uuid> = appends.iter().map(|row| row.session_id).collect();
    sessions.sort_unstable();
    sessions.dedup();
    // One serialization of the rows, straight into the parameter's text.
    let source =
        serde_json::to_string(appends).map_err(|err| anyhow::Error::from(err).context("serializing appends"))?;

    let mut sql = Sql::new("WITH i AS (SELECT * FROM jsonb_to_recordset(CAST(");
    sql.bind(source).push(" AS jsonb)) AS i(").push(Row::DEFINITION).push(", ");
    sql.push(AuthorColumns::DEFINITION).push(")), ");
    // Names from the entities: the sessions' table and columns, the event's parent column (also the
    // row's field of that name).
    use entity::documentation_session::{Column as Session, Entity as Sessions};
    let (sessions_table, id) = (Sessions.table_name(), Session::Id.as_str());
    let (last, updated) = (Session::LastEventSequence.as_str(), Session::UpdatedAt.as_str());
    let parent = session_event::Column::SessionId.as_str();
    sql.push(&format!("l AS (SELECT {id} FROM {sessions_table} WHERE {id} IN "));
    Owned::of::<Sessions>().push_ids_in_unnested(&mut sql, scope, &sessions);
    sql.push(&format!(" ORDER BY {id} FOR UPDATE), "));
    sql.push(&format!("c AS (SELECT {parent}, count(*) AS n FROM i GROUP BY {parent}), "));
    sql.push(&format!("s AS (UPDATE {sessions_table} d SET {last} = d.{last} + c.n, {updated} = ")).bind(Utc::now());
    sql.push(&format!(" FROM l JOIN c ON c.{parent} = l.{id} WHERE d.{id} = l.{id} "));
    sql.push(&format!("RETURNING d.{id}, d.{last} AS last, c.n), "));
    // Every column of the event from the row of the same name, but the sequence, numbered here.
    let columns: Vec<&str> = session_event::Column::iter().map(|column| column.as_str()).collect();
    sql.push("e AS (INSERT INTO ").push(session_event::Entity.table_name());
    sql.push(" (").push(&columns.join(", ")).push(") SELECT ");
    for (n, column) in session_event::Column::iter().enumerate() {
        sql.push(if n == 0 { "" } else { ", " });
        match column {
            session_event::Column::Sequence => {
                sql.push(&format!("s.last - s.n + row_number() OVER (PARTITION BY i.{parent} ORDER BY i.id)"))
            }
            _ => sql.push("i.").push(column.as_str()),
        };
    }
    sql.push(&format!(" FROM i JOIN s ON s.{id} = i.{parent} "));
    sql.push("RETURNING *), a AS (");
    let changes = |sql: &mut Sql| {
        sql.push("jsonb_set(i.changes, '{sequence,new}', to_jsonb(e.sequence))");
    };
    let creations = ("e.id", changes);
    audit::push_insert_select(
        &mut sql,
        scope.organization_id,
        "i",
        Resource::SessionEvent,
        creations,
        "e JOIN i ON i.id = e.id",
    );
    sql.push(") SELECT * FROM e");

    let rows = db.query_all_raw(sql.build(DbBackend::Postgres)).await?;
    let mut written = HashMap::with_capacity(rows.len());
    for row in rows {
        let event = session_event::Model::from_query_result(&row, "")?;
        bus.committed(event.session_id, event.sequence);
        written.insert(event.id, event);
    }
    Ok(appends.iter().map(|append| written.remove(&append.id)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_declares_every_field_a_row_serializes_and_nothing_else() {
        let row = Row {
            id: Uuid::nil(),
            session_id: Uuid::nil(),
            event_type: String::new(),
            event_data: Value::Null,
            error: None,
            metadata: Value::Null,
            created_at: Utc::now(),
            changes: Value::Null,
            author: AuthorColumns::of(&crate::service::RequestContext::of(crate::service::Viewer::system(
                "test",
                Uuid::nil(),
            ))),
        };
        let Value::Object(fields) = serde_json::to_value(&row).unwrap() else { panic!("a row is an object") };
        let mut serialized: Vec<&str> = fields.keys().map(String::as_str).collect();
        let definition = format!("{}, {}", Row::DEFINITION, AuthorColumns::DEFINITION);
        let mut declared: Vec<&str> = definition.split(", ").map(|column| column.split(' ').next().unwrap()).collect();
        serialized.sort_unstable();
        declared.sort_unstable();
        assert_eq!(serialized, declared);
        // The statement inserts every column of the event from the row's field of the same name.
        for column in session_event::Column::iter().filter(|c| !matches!(c, session_event::Column::Sequence)) {
            assert!(declared.contains(&column.as_str()), "the row lacks the event's column {}", column.as_str());
        }
    }
}

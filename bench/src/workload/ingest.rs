//! `ingest`: `appendSessionEvent` at full speed over the seeded sessions, and `ingest-raw`, its
//! floor: the same rows (the session's sequence bumped, the event inserted; one statement on
//! PostgreSQL) written with SQL through the server's own `connect`.

use std::sync::Arc;

use api::service::sql::Sql;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::{Statements, closed_loop};
use crate::{Args, client::Gql, report::Row, seed, seed::Seeded, server::Server};

/// The session worker `worker` writes to at `iteration`: spread so that workers rarely share one.
pub(super) fn session_of<T>(sessions: &[T], worker: usize, iteration: u64) -> &T {
    &sessions[(worker * 31 + iteration as usize * 8) % sessions.len()]
}

/// The event payload both variants write.
pub(super) fn payload(worker: usize, iteration: u64) -> serde_json::Value {
    json!({ "worker": worker, "n": iteration, "file": "src/lib.rs", "message": "read 120 lines" })
}

/// Appends through GraphQL.
pub async fn through_graphql(args: &Args, server: &Server, client: &Gql, data: &Seeded) -> anyhow::Result<Row> {
    let sessions = Arc::new(data.sessions.clone());
    let client = client.clone();
    closed_loop(args.duration(), args.concurrency, Statements::Server(server), move |worker, iteration| {
        let (client, sessions) = (client.clone(), sessions.clone());
        async move {
            seed::append(
                &client,
                session_of::<String>(&sessions, worker, iteration),
                "progress",
                payload(worker, iteration),
            )
            .await?;
            Ok(true)
        }
    })
    .await
}

/// The floor: the same rows with SQL.
pub async fn raw(args: &Args, data: &Seeded) -> anyhow::Result<Row> {
    let (db, counter) = super::raw_pool(args).await?;
    let sessions: Arc<Vec<Uuid>> = Arc::new(data.sessions.iter().map(|s| s.parse()).collect::<Result<_, _>>()?);
    let pool = db.clone();
    let row = closed_loop(args.duration(), args.concurrency, Statements::Pool(&counter), move |worker, iteration| {
        let (db, sessions) = (pool.clone(), sessions.clone());
        async move {
            let session = *session_of(sessions.as_slice(), worker, iteration);
            insert(&db, session, payload(worker, iteration)).await?;
            Ok(true)
        }
    })
    .await?;
    db.close().await?;
    Ok(row)
}

/// Bumps the session's sequence and inserts the event: on PostgreSQL in one statement (a data-modifying
/// `WITH`), on SQLite (which has none) in two, in one transaction.
async fn insert(db: &DatabaseConnection, session: Uuid, data: serde_json::Value) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    let now = chrono::Utc::now();
    if backend == DbBackend::Postgres {
        let mut sql = Sql::new(
            "WITH s AS (UPDATE documentation_sessions SET last_event_sequence = last_event_sequence + 1, updated_at = ",
        );
        sql.bind(now).push(" WHERE id = ").bind(session).push(" RETURNING id, last_event_sequence) ");
        sql.push("INSERT INTO session_events (id, session_id, sequence, event_type, event_data, error, metadata, created_at) ");
        sql.push("SELECT ").bind(Uuid::now_v7()).push(", s.id, s.last_event_sequence, ").bind("progress");
        sql.push(", ").bind(data).push(", NULL, ").bind(json!({})).push(", ").bind(now).push(" FROM s");
        let inserted = db.execute_raw(sql.build(backend)).await?.rows_affected();
        anyhow::ensure!(inserted == 1, "no session {session}");
        return Ok(());
    }
    let txn = db.begin().await?;
    let mut sql =
        Sql::new("UPDATE documentation_sessions SET last_event_sequence = last_event_sequence + 1, updated_at = ");
    sql.bind(now).push(" WHERE id = ").bind(session).push(" RETURNING last_event_sequence");
    let row = txn.query_one_raw(sql.build(backend)).await?.ok_or_else(|| anyhow::anyhow!("no session {session}"))?;
    let sequence: i64 = row.try_get("", "last_event_sequence")?;
    let mut sql = Sql::new(
        "INSERT INTO session_events (id, session_id, sequence, event_type, event_data, error, metadata, created_at) \
         VALUES (",
    );
    sql.bind(Uuid::now_v7()).push(", ").bind(session).push(", ").bind(sequence).push(", ").bind("progress");
    sql.push(", ").bind(data).push(", NULL, ").bind(json!({})).push(", ").bind(now).push(")");
    txn.execute_raw(sql.build(backend)).await?;
    txn.commit().await?;
    Ok(())
}

//! The `pg5-*` workloads: `simple`, `dashboard-3level` and `ingest` as PostGraphile 5 serves them
//! (its generated names, the documents in `bench/peers/postgraphile5/`), on the same seeded rows. Before
//! timing, each checks the peer's answer against Docket's, row by row: the same workspaces, sessions,
//! todos and events in the same order, and an event the peer wrote read back through Docket.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use anyhow::{Context as _, ensure};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Statements, closed_loop, dashboard3, ingest, simple};
use crate::{Args, client::Gql, peer::documents, report::Row, seed::Seeded, server::Server};

/// `allWorkspaces(first: 20)` on the peer.
pub async fn simple(args: &Args, peer: &Server, docket: &Gql) -> anyhow::Result<Row> {
    same_then_repeat(args, peer, docket, "simple", simple::QUERY, documents::SIMPLE).await
}

/// The three-level dashboard on the peer.
pub async fn dashboard(args: &Args, peer: &Server, docket: &Gql) -> anyhow::Result<Row> {
    same_then_repeat(args, peer, docket, "dashboard-3level", dashboard3::QUERY, documents::DASHBOARD).await
}

/// Checks that the peer answers `theirs` with the rows Docket answers `ours` with, then sends `theirs`
/// in the closed loop.
async fn same_then_repeat(
    args: &Args,
    peer: &Server,
    docket: &Gql,
    workload: &str,
    ours: &str,
    theirs: &'static str,
) -> anyhow::Result<Row> {
    let client = Gql::new(&peer.address);
    let docket_rows = normalize(&docket.data(ours, json!({})).await?);
    let peer_rows = normalize(&client.data(theirs, json!({})).await?);
    ensure!(
        docket_rows == peer_rows,
        "the peer's {workload} rows differ from Docket's:\n docket: {docket_rows}\n peer:   {peer_rows}"
    );
    super::repeat_query(args, peer, &client, theirs).await
}

/// Sequences the peer writes: far above those Docket assigns, one per append across the run.
static NEXT_SEQUENCE: AtomicI64 = AtomicI64::new(1_000_000_000);

/// `createSessionEvent` on the peer, over the sessions `ingest` writes to, with the same payloads.
pub async fn ingest(args: &Args, peer: &Server, docket: &Gql, data: &Seeded) -> anyhow::Result<Row> {
    let client = Gql::new(&peer.address);
    let session = data.sessions.first().context("no seeded session")?;
    let (input, id, sequence) = ingest_input(session, 0, 0);
    let written = client.data(documents::INGEST, input).await?;
    let event = &written["createSessionEvent"]["sessionEvent"];
    ensure!(event["rowId"] == id.to_string(), "the peer answered {written} for the event {id}");
    let read = docket
        .data(
            "query($s: ID!) { documentationSession(id: $s) { events(last: 1) { nodes { id sequence eventType eventData } } } }",
            json!({ "s": session }),
        )
        .await?;
    let ours = &read["documentationSession"]["events"]["nodes"][0];
    let expected =
        json!({ "id": id, "sequence": sequence, "eventType": "progress", "eventData": ingest::payload(0, 0) });
    ensure!(ours == &expected, "Docket reads the peer's event as {ours}, not {expected}");
    let sessions = Arc::new(data.sessions.clone());
    closed_loop(args.duration(), args.concurrency, Statements::Server(peer), move |worker, iteration| {
        let (client, sessions) = (client.clone(), sessions.clone());
        async move {
            let (input, _, _) =
                ingest_input(ingest::session_of::<String>(&sessions, worker, iteration), worker, iteration);
            client.run(documents::INGEST, &input).await?;
            Ok(true)
        }
    })
    .await
}

/// The peer's input for one append: the client makes the id (Docket's tables have no default for it)
/// and the sequence.
fn ingest_input(session: &str, worker: usize, iteration: u64) -> (Value, Uuid, i64) {
    let (id, sequence) = (Uuid::now_v7(), NEXT_SEQUENCE.fetch_add(1, Ordering::Relaxed));
    let input = json!({ "input": { "sessionEvent": {
        "rowId": id, "sessionId": session, "sequence": sequence.to_string(),
        "eventType": "progress", "eventData": ingest::payload(worker, iteration),
    } } });
    (input, id, sequence)
}

/// An answer of either server in one shape: the peer's generated names turned into Docket's
/// (`allWorkspaces` → `workspaces`, `rowId` → `id`, ...), fields only one of them selects dropped
/// (`moduleName`), enum values compared without case (`ACTIVE`, `active`), `BigInt` strings as
/// numbers and timestamps as microseconds since the epoch (the two servers format them differently).
fn normalize(value: &Value) -> Value {
    match value {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(key, _)| key.as_str() != "moduleName")
                .map(|(key, value)| {
                    let key = match key.as_str() {
                        "allWorkspaces" => "workspaces",
                        "rowId" => "id",
                        "documentationSessionsByWorkspaceId" => "sessions",
                        "sessionTodosBySessionId" => "todos",
                        "sessionEventsBySessionId" => "events",
                        other => other,
                    };
                    (key.to_owned(), normalize(value))
                })
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        Value::String(text) => {
            if let Ok(n) = text.parse::<i64>() {
                json!(n)
            } else if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
                json!(at.timestamp_micros())
            } else {
                json!(text.to_lowercase())
            }
        }
        other => other.clone(),
    }
}

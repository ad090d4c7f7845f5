//! `claim`: workers claim and complete todos from one large session until it is empty or the time
//! is up. One operation is one todo: `claimNextTodo` then `completeTodo`.

use anyhow::Context as _;
use serde_json::json;

use super::{Statements, closed_loop};
use crate::{Args, client::Gql, report::Row, seed::Seeded, server::Server};

/// Runs the claim workload with `--concurrency` workers.
pub async fn run(args: &Args, server: &Server, client: &Gql, data: &Seeded) -> anyhow::Result<Row> {
    let files: Vec<String> = (0..args.claim_todos).map(|i| format!("claim/file_{i}.rs")).collect();
    let started = client
        .data(
            "mutation($input: StartDocumentationSessionInput!) { startDocumentationSession(input: $input) { session { id } } }",
            json!({ "input": { "workspaceId": data.workspaces[0], "moduleName": "claim", "filePaths": files } }),
        )
        .await?;
    let session = started["startDocumentationSession"]["session"]["id"].as_str().context("no session")?.to_owned();
    let worker_client = client.clone();
    let claim_session = session.clone();
    let mut row = closed_loop(args.duration(), args.concurrency, Statements::Server(server), move |_, _| {
        let (client, session) = (worker_client.clone(), claim_session.clone());
        async move { client.claim_and_complete(&session, Some(300)).await }
    })
    .await?;
    let counts = client
        .data(
            "query($s: ID!) { documentationSession(id: $s) { todoCounts { completed inProgress pending } } }",
            json!({ "s": session }),
        )
        .await?;
    let counts = &counts["documentationSession"]["todoCounts"];
    row.details.insert("requests_per_op".into(), json!(2));
    row.details.insert("todos".into(), json!(args.claim_todos));
    row.details.insert("completed".into(), counts["completed"].clone());
    // Every completed todo was claimed once: the count the server holds equals what the workers did.
    row.details.insert("completed_matches_operations".into(), json!(counts["completed"] == json!(row.operations)));
    Ok(row)
}

//! A write that cannot get the database's lock in time (another process, `docket import` on the same
//! SQLite file, holds it) is refused as `UNAVAILABLE` (HTTP 503 with `Retry-After`), never as an
//! internal error, and leaves nothing written.

use serde_json::{Value, json};

use crate::helpers::{TestDb, WriteLock, error_code, spawn_app_on};

const CREATE_WORKSPACE: &str =
    "mutation($p: String!) { createWorkspace(input: { name: $p, path: $p }) { workspace { id } } }";

/// Posts `query` to the app's `/graphql` from a task of its own: its HTTP status and body.
fn post(address: &str, query: &'static str, variables: Value) -> tokio::task::JoinHandle<(u16, Option<String>, Value)> {
    let url = format!("{address}/graphql");
    tokio::spawn(async move {
        let response = reqwest::Client::new()
            .post(url)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        (status, retry_after, response.json().await.expect("JSON body"))
    })
}

#[tokio::test]
async fn a_sqlite_write_that_cannot_get_the_lock_in_time_is_unavailable_and_leaves_nothing() {
    let db = TestDb::new(true).await;
    if db.schema.is_some() {
        // PostgreSQL writers wait for row and table locks without a deadline of Docket's; the
        // busy timeout is SQLite's.
        return;
    }
    let app = spawn_app_on(&db, |config| config.db_busy_timeout_ms = 300).await;
    let lock = WriteLock::take(&db).await;

    let (status, retry_after, body) = post(&app.address, CREATE_WORKSPACE, json!({ "p": "/refused" })).await.unwrap();
    assert_eq!(error_code(&body), "UNAVAILABLE", "{body}");
    assert_eq!(status, 503, "{body}");
    assert_eq!(retry_after.as_deref(), Some("1"));
    lock.release().await;
    app.create_workspace("/after").await;
    let data = app.data("{ workspaces { totalCount } }", json!({})).await;
    assert_eq!(data["workspaces"]["totalCount"], 1, "nothing of the refused write was kept");
}

#[tokio::test]
async fn reads_are_served_while_a_write_waits_for_another_processs_lock() {
    let db = TestDb::new(true).await;
    // Long enough that the write is still waiting when the reads are done, whatever the machine.
    let app = spawn_app_on(&db, |config| config.db_busy_timeout_ms = 60_000).await;
    app.create_workspace("/before").await;
    let lock = WriteLock::take(&db).await;

    let write = post(&app.address, CREATE_WORKSPACE, json!({ "p": "/waiting" }));
    // The write has reached the database and waits for the lock before the reads start.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let reads: Vec<_> =
        (0..20).map(|_| post(&app.address, "{ workspaces { totalCount nodes { path } } }", json!({}))).collect();
    for read in reads {
        let (status, _, body) = read.await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["workspaces"]["totalCount"], 1, "{body}");
    }
    assert!(!write.is_finished(), "the write still waits for the lock: the reads did not queue behind it");

    lock.release().await;
    let (status, _, body) = write.await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body["errors"].is_null(), "the write went through once the lock was released: {body}");
    let data = app.data("{ workspaces { totalCount } }", json!({})).await;
    assert_eq!(data["workspaces"]["totalCount"], 2);
}

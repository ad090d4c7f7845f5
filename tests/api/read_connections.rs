//! The connections reads go through (`api::db::Reads`; on PostgreSQL a pool of Docket's own whose
//! connections go back without a ping): a read abandoned mid-statement, or one that failed, leaves
//! no connection behind that would answer the next read with what was left of it, and no slot of
//! the pool taken.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::helpers::{TestDb, spawn_app_on};

/// A statement that answers `rows` rows, slowly enough to be abandoned half-way.
fn many_rows(backend: DbBackend, rows: u64) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => format!("SELECT n, repeat('x', 200) AS pad FROM generate_series(1, {rows}) AS n"),
        _ => format!(
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {rows}) \
             SELECT n, printf('%200s', 'x') AS pad FROM c"
        ),
    };
    Statement::from_string(backend, sql)
}

/// The one number `SELECT 42` reads through `reads`.
async fn answer(reads: &api::db::Reads) -> i32 {
    let backend = reads.get_database_backend();
    let row = reads
        .query_one_raw(Statement::from_string(backend, "SELECT CAST(42 AS INTEGER) AS n"))
        .await
        .expect("the read after runs")
        .expect("one row");
    row.try_get_by_index::<i32>(0).expect("an integer")
}

#[tokio::test]
async fn a_read_abandoned_mid_statement_does_not_answer_the_next_one() {
    let db = TestDb::new(false).await;
    // One connection: the next read gets the same slot.
    let app = spawn_app_on(&db, |config| config.db_max_connections = 1).await;
    let backend = app.reads.get_database_backend();
    let mut abandoned = 0;
    for wait_ms in [1, 5, 20, 50] {
        let read = app.reads.query_all_raw(many_rows(backend, 400_000));
        if tokio::time::timeout(Duration::from_millis(wait_ms), read).await.is_err() {
            abandoned += 1;
        }
        assert_eq!(answer(&app.reads).await, 42, "the read after one abandoned after {wait_ms} ms");
    }
    assert!(abandoned > 0, "no read was abandoned: the statement is too fast to test this");
    let state = app.reads.state().expect("a pool");
    assert!(state.size <= state.max, "{state:?}");
    // And the server's own reads go on.
    let id = app.create_workspace("/after/abandoned/reads").await;
    let data = app.data("{ workspaces(first: 50) { nodes { id } } }", serde_json::json!({})).await;
    assert!(data["workspaces"]["nodes"].as_array().unwrap().iter().any(|node| node["id"] == id.as_str()), "{data}");
}

#[tokio::test]
async fn a_failed_read_gives_its_error_and_frees_its_connection() {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, |config| {
        config.db_max_connections = 1;
        config.db_acquire_timeout_secs = 2;
    })
    .await;
    let backend = app.reads.get_database_backend();
    for _ in 0..3 {
        let failed = app.reads.query_all_raw(Statement::from_string(backend, "SELECT * FROM no_such_table")).await;
        let err = failed.expect_err("no such table").to_string();
        assert!(err.contains("no_such_table"), "{err}");
    }
    assert_eq!(answer(&app.reads).await, 42, "the pool's one slot is free again");
    // sqlx's pools (SQLite) take their connection back in a task of their own: wait for it.
    let mut state = app.reads.state().expect("a pool");
    for _ in 0..100 {
        if state.in_use == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        state = app.reads.state().expect("a pool");
    }
    assert!(state.in_use == 0 && state.size <= 1, "{state:?}");
}

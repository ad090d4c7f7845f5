//! Health checks, metrics, GraphiQL, Playground, GraphQL over HTTP GET, body limit.

use serde_json::json;

use crate::helpers::{TestDb, spawn_app, spawn_app_on};

#[tokio::test]
async fn health_endpoints_report_live_and_ready() {
    let (app, db) = spawn_app().await;
    let (status, _) = app.get("/health/live", "application/json").await;
    assert_eq!(status, 200);
    let (status, body) = app.get("/health/ready", "application/json").await;
    assert_eq!(status, 200);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["pendingMigrations"], 0);
    assert_eq!(body["reasons"], json!([]));
    assert!(body["pools"]["write"]["max"].as_u64().unwrap() >= 1, "{body}");
    // On PostgreSQL clients' session events have writers of their own: one connection per statement
    // in flight (`--append-statements`, 1 by default).
    if db.schema.is_some() {
        assert_eq!(body["pools"]["appends"]["max"], 1, "{body}");
        assert_eq!(app.metric("docket_db_pool_max_connections{pool=\"appends\"} ").await, 1);
        // Reads have a pool of their own, as large as the write pool.
        assert_eq!(body["pools"]["read"]["max"], body["pools"]["write"]["max"], "{body}");
        assert_eq!(app.metric("docket_db_pool_max_connections{pool=\"read\"} ").await, 10);
    } else {
        assert!(body["pools"].get("appends").is_none(), "{body}");
    }

    app.create_workspace("/measured").await;
    let writes = app.metric("docket_db_write_wait_seconds_count ").await;
    assert!(writes >= 1, "the write's wait to begin is counted: {writes}");
}

#[tokio::test]
async fn readiness_reports_an_exhausted_pool_as_not_ready_and_recovers() {
    use sea_orm::TransactionTrait;
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, |config| config.db_max_connections = 2).await;
    app.wait_until_ready().await;
    // Every connection reads can use, held: as if slow operations had them.
    // Taken until none comes free within half a second (the probe only borrows one for a moment).
    let (mut held, mut begun) = (Vec::new(), Vec::new());
    let wait = std::time::Duration::from_millis(500);
    match &app.reads {
        api::db::Reads::Postgres(connections) => {
            while let Ok(connection) = tokio::time::timeout(wait, connections.hold()).await {
                held.push(connection.unwrap());
            }
        }
        api::db::Reads::Pool(pool) => {
            while let Ok(transaction) = tokio::time::timeout(wait, pool.begin()).await {
                begun.push(transaction.unwrap());
            }
        }
    }
    assert!(app.reads.state().unwrap().exhausted());
    // The probe finds no connection; once its last answer is 3 s old, the server is not ready.
    let mut answer = (0, serde_json::Value::Null);
    for _ in 0..100 {
        let (status, body) = app.get("/health/ready", "application/json").await;
        answer = (status, serde_json::from_str(&body).unwrap_or_else(|_| panic!("HTTP {status}: {body}")));
        if status != 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (status, body) = answer;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["database"], "busy");
    let reason = body["reasons"][0].as_str().unwrap();
    assert!(reason.contains("pool is exhausted: 2 of 2 connections in use"), "{body}");
    let (status, _) = app.get("/health/live", "application/json").await;
    assert_eq!(status, 200, "liveness does not touch the database");
    let (_, metrics) = app.get("/metrics", "text/plain").await;
    assert!(metrics.contains("state=\"in_use\"} 2"), "{metrics}");
    for transaction in begun {
        transaction.rollback().await.unwrap();
    }
    for connection in held {
        connection.release();
    }
    app.wait_until_ready().await;
}

#[tokio::test]
async fn browsers_get_graphiql_and_playground() {
    let (app, _db) = spawn_app().await;
    let (status, body) = app.get("/graphql", "text/html").await;
    assert_eq!(status, 200);
    assert!(body.to_lowercase().contains("graphiql"));
    let (status, body) = app.get("/playground", "text/html").await;
    assert_eq!(status, 200);
    assert!(body.contains("GraphQL Playground"));
}

#[tokio::test]
async fn queries_work_over_get_but_mutations_must_use_post() {
    let (app, _db) = spawn_app().await;
    app.create_workspace("/w").await;
    let (status, body) = app.get("/graphql?query=%7Bworkspaces%7BtotalCount%7D%7D", "application/json").await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["data"]["workspaces"]["totalCount"], 1);
    let (status, _) = app.get("/graphql?query=mutation%7BexpireSessions%7D", "application/json").await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413_and_a_graphql_error() {
    let db = crate::helpers::TestDb::new(false).await;
    let app = crate::helpers::spawn_app_on(&db, |c| c.body_limit_bytes = 64 * 1024).await;
    let huge = "x".repeat(100 * 1024);
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": format!("{{ workspaceByPath(path: \"{huge}\") {{ id }} }}") }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(crate::helpers::error_code(&body), "BAD_REQUEST", "{body}");
    assert_eq!(body["errors"][0]["message"], "the request body is over the limit of 65536 bytes (--body-limit-bytes)");
}

#[tokio::test]
async fn a_wrong_method_or_path_gets_a_graphql_error_and_the_root_leads_to_the_api() {
    let (app, _db) = spawn_app().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let put = client.put(format!("{}/graphql", app.address)).body("{}").send().await.unwrap();
    assert_eq!(put.status().as_u16(), 405);
    let allow = put.headers().get("allow").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let body: serde_json::Value = put.json().await.unwrap();
    assert_eq!(crate::helpers::error_code(&body), "BAD_REQUEST", "{body}");

    let missing = client.get(format!("{}/no/such/path", app.address)).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    let body: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(crate::helpers::error_code(&body), "NOT_FOUND", "{body}");

    let root = client.get(format!("{}/", app.address)).send().await.unwrap();
    assert_eq!(root.status().as_u16(), 307);
    assert_eq!(root.headers().get("location").unwrap(), "/graphql");
}

#[tokio::test]
async fn over_deep_and_malformed_queries_get_codes() {
    let (app, _db) = spawn_app().await;
    let deep = "{ workspaces { nodes { sessions { nodes { workspace { sessions { nodes { workspace { sessions { nodes { workspace { sessions { nodes { workspace { id } } } } } } } } } } } } } } }";
    assert_eq!(crate::helpers::error_code(&app.gql(deep, json!({})).await), "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(crate::helpers::error_code(&app.gql("{ workspaces(", json!({})).await), "GRAPHQL_PARSE_FAILED");
    assert_eq!(crate::helpers::error_code(&app.gql("{ nope }", json!({})).await), "GRAPHQL_VALIDATION_FAILED");
}

#[tokio::test]
async fn the_expiry_sweep_runs_in_the_background() {
    let db = crate::helpers::TestDb::new(false).await;
    let app = crate::helpers::spawn_app_on(&db, |c| c.expiry_interval_secs = 1).await;
    let (session, _) = app.start_session(&["a.rs"]).await;
    app.data(
        "mutation($id: ID!) { updateDocumentationSession(input: { id: $id, expiresAt: \"2020-01-01T00:00:00Z\" }) { session { id } } }",
        json!({ "id": session }),
    )
    .await;
    let status = "query($id: ID!) { documentationSession(id: $id) { status } }";
    let mut expired = false;
    for _ in 0..50 {
        if app.data(status, json!({ "id": session })).await["documentationSession"]["status"] == "EXPIRED" {
            expired = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(expired, "the sweep expired the session without anyone asking");
}

#[tokio::test]
async fn sigterm_shuts_the_server_down_gracefully() {
    // A real `docket` process: it serves, then on SIGTERM closes open subscriptions with a close
    // message (1001, going away) and exits 0.
    let db = crate::helpers::TestDb::new(true).await;
    let mut app = crate::helpers::spawn_process(&db).await;
    let (session, _) = app.start_session(&["a.rs"]).await;
    let mut sub = app.subscribe_events(crate::helpers::Protocol::TransportWs, &session, None).await;
    assert_eq!(sub.next_event().await.0, 1);
    let mut child = app.process.take().expect("a process");
    let pid = child.id().expect("pid").to_string();
    let killed = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    assert!(killed.success());
    assert_eq!(sub.close_code().await, Some(1001), "subscribers are told the server is going away");
    let status =
        tokio::time::timeout(std::time::Duration::from_secs(20), child.wait()).await.expect("exits in time").unwrap();
    assert!(status.success(), "exit status {status}");
}

/// `/health/ready`'s status and its `eventListener` entry.
async fn readiness(app: &crate::helpers::TestApp) -> (u16, String) {
    let (status, body) = app.get("/health/ready", "application/json").await;
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    (status, body["eventListener"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn readiness_follows_the_postgres_event_listener() {
    use sea_orm::{ConnectionTrait, DbBackend};
    let mut db = crate::helpers::TestDb::new(false).await;
    if db.schema.is_none() {
        // SQLite has one process per file and needs no listener.
        let app = crate::helpers::spawn_app_on(&db, |_| {}).await;
        assert_eq!(readiness(&app).await, (200, "not needed".to_owned()));
        return;
    }
    // Name this server's connections, so that only its listener is cut.
    let name = format!("docket-ready-{}", uuid::Uuid::new_v4().simple());
    db.url = format!("{}{}application_name={name}", db.url, if db.url.contains('?') { '&' } else { '?' });
    let app = crate::helpers::spawn_app_on(&db, |_| {}).await;
    assert_eq!(readiness(&app).await, (200, "connected".to_owned()));

    let killed = app
        .db
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{name}' AND query ILIKE 'LISTEN%'"
        ))
        .await
        .unwrap();
    assert_eq!(killed.rows_affected(), 1, "one listener connection");
    assert_eq!(app.db.get_database_backend(), DbBackend::Postgres);

    // Poll until the server has been seen not ready and then ready again (or 10 s have passed).
    let mut seen: Vec<(u16, String)> = Vec::new();
    for _ in 0..1000 {
        let state = readiness(&app).await;
        if seen.last() != Some(&state) {
            seen.push(state);
        }
        if seen.len() >= 2 && seen.last().is_some_and(|(status, _)| *status == 200) && seen[seen.len() - 2].0 == 503 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // The listener may notice the lost connection before the first poll.
    if seen.first() == Some(&(200, "connected".to_owned())) {
        seen.remove(0);
    }
    assert_eq!(
        seen,
        [(503, "disconnected".to_owned()), (200, "connected".to_owned())],
        "not ready while the listener is down, then ready again once it reconnected"
    );
}

#[tokio::test]
async fn metrics_give_the_process_cpu_seconds_and_resident_memory() {
    let (app, _db) = spawn_app().await;
    let figure = |body: &str, name: &str| -> f64 {
        body.lines()
            .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.trim().parse().ok()))
            .unwrap_or_else(|| panic!("{name} missing: {body}"))
    };
    let (_, before) = app.get("/metrics", "text/plain").await;
    for _ in 0..50 {
        app.gql("{ workspaces(first: 5) { nodes { id } } }", json!({})).await;
    }
    let (_, after) = app.get("/metrics", "text/plain").await;
    assert!(after.contains("# TYPE process_cpu_seconds_total counter"), "{after}");
    let (cpu_before, cpu_after) =
        (figure(&before, "process_cpu_seconds_total "), figure(&after, "process_cpu_seconds_total "));
    assert!(cpu_before > 0.0 && cpu_after >= cpu_before, "{cpu_before} then {cpu_after}");
    assert!(figure(&after, "process_resident_memory_bytes ") > 1_000_000.0, "{after}");
}

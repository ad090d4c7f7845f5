//! Health checks, metrics, GraphiQL, Playground, GraphQL over HTTP GET, body limit.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_endpoints_report_live_and_ready() {
    let (app, _db) = spawn_app().await;
    let (status, _) = app.get("/health/live", "application/json").await;
    assert_eq!(status, 200);
    let (status, body) = app.get("/health/ready", "application/json").await;
    assert_eq!(status, 200);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["pendingMigrations"], 0);
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
async fn an_oversized_body_is_refused_with_413() {
    let db = crate::helpers::TestDb::new(false).await;
    let app = crate::helpers::spawn_app_on(&db, |c| c.body_limit_bytes = 64 * 1024).await;
    let huge = "x".repeat(100 * 1024);
    let status = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": format!("{{ workspaceByPath(path: \"{huge}\") {{ id }} }}") }))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 413);
}

#[tokio::test]
async fn over_deep_and_malformed_queries_get_codes() {
    let (app, _db) = spawn_app().await;
    let deep = "{ workspaces { nodes { sessions { nodes { workspace { sessions { nodes { workspace { sessions { nodes { workspace { sessions { nodes { workspace { id } } } } } } } } } } } } } } }";
    assert_eq!(crate::helpers::error_code(&app.gql(deep, json!({})).await), "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(crate::helpers::error_code(&app.gql("{ workspaces(", json!({})).await), "GRAPHQL_PARSE_FAILED");
    assert_eq!(crate::helpers::error_code(&app.gql("{ nope }", json!({})).await), "GRAPHQL_VALIDATION_FAILED");
}

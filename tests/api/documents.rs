//! Documents kept by their text: parsed once, validated once, and still held to the limits and
//! checked for their variables on every request, with the same answers as the first time.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app};

const SKIPPED: &str = "docket_graphql_validations_skipped_total ";

#[tokio::test]
async fn a_document_run_again_is_held_to_the_limits_with_its_new_variables() {
    let (app, _db) = spawn_app().await;
    let query = "query($n: Int) { workspaces(first: $n) { nodes { sessions(first: $n) { nodes { todos(first: $n) { nodes { id } } } } } } }";
    for _ in 0..2 {
        let small = app.gql(query, json!({ "n": 2 })).await;
        assert!(small["errors"].is_null(), "{small}");
        let large = app.gql(query, json!({ "n": 100 })).await;
        assert_eq!(error_code(&large), "GRAPHQL_VALIDATION_FAILED", "{large}");
        assert!(large["errors"][0]["extensions"]["complexity"].as_u64().unwrap() > 1_000_000, "{large}");
    }
    let hits = app.metric("docket_graphql_document_cache_hits_total ").await;
    assert!(hits >= 3, "the document was parsed once and found three times: {hits}");
    // A document over a limit of its text is refused every time, never kept.
    let long = format!("{{ {}}}", "__typename ".repeat(20_000));
    for _ in 0..2 {
        assert_eq!(app.gql(&long, json!({})).await["errors"][0]["extensions"]["maxTokens"], 15_000);
    }
}

/// The answers to `query` with each of `variables`, in order.
async fn answers(app: &TestApp, query: &str, variables: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for variables in variables {
        out.push(app.gql(query, variables.clone()).await);
    }
    out
}

#[tokio::test]
async fn a_document_validated_before_refuses_bad_variables_as_it_did_the_first_time() {
    let (app, _db) = spawn_app().await;
    let query = "query($status: [WorkflowStatus!], $n: Int) { workflows(filter: { status: $status }, first: $n) { totalCount } }";
    let bad = [
        json!({ "status": ["NOPE"] }),
        json!({ "status": [null] }),
        json!({ "status": 3 }),
        json!({ "n": "two" }),
        json!({ "n": 1.5 }),
    ];
    let first = answers(&app, query, &bad).await;
    for answer in &first {
        assert_eq!(error_code(answer), "GRAPHQL_VALIDATION_FAILED", "{answer}");
        assert!(answer.get("data").is_none_or(Value::is_null), "a request error has no data: {answer}");
    }
    let good = [json!({ "status": ["RUNNING"], "n": 2 }), json!({ "status": "RUNNING" }), json!({})];
    let skipped = app.metric(SKIPPED).await;
    for answer in answers(&app, query, &good).await {
        assert_eq!(answer["data"]["workflows"]["totalCount"], 0, "{answer}");
    }
    // The first good request validated the document; the next two skipped it.
    assert_eq!(app.metric(SKIPPED).await - skipped, 2);
    // A negative `Int` is left to full validation (async-graphql's `Int` may be unsigned), which
    // passes it to the resolver.
    let negative = app.gql(query, json!({ "n": -1 })).await;
    assert_ne!(error_code(&negative), "GRAPHQL_VALIDATION_FAILED", "{negative}");
    assert_eq!(app.metric(SKIPPED).await - skipped, 2);
    assert_eq!(answers(&app, query, &bad).await, first, "the same errors, message and position, as before");
    assert_eq!(app.metric(SKIPPED).await - skipped, 2, "a bad variable is never run unvalidated");

    let create = "mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { workspace { path } } }";
    let bad = [
        json!({ "input": { "name": "w" } }),
        json!({ "input": { "name": "w", "path": "/w", "colour": "red" } }),
        json!({ "input": { "name": 5, "path": "/w" } }),
        json!({ "input": null }),
        // Not an object: async-graphql's validation lets it through and its execution refuses it, so
        // this one executes (with `data: null`) and validates the document.
        json!({ "input": "w" }),
    ];
    let first = answers(&app, create, &bad).await;
    for answer in &first {
        assert!(answer["errors"][0]["message"].is_string(), "{answer}");
        assert!(answer.get("data").is_none_or(Value::is_null), "{answer}");
    }
    for (n, config) in [json!(null), json!({ "any": ["JSON", 1] }), json!({})].into_iter().enumerate() {
        let input = json!({ "input": { "name": "w", "path": format!("/w{n}"), "config": config } });
        let answer = app.gql(create, input).await;
        assert_eq!(answer["data"]["createWorkspace"]["workspace"]["path"], format!("/w{n}"), "{answer}");
    }
    assert_eq!(app.metric(SKIPPED).await - skipped, 5);
    assert_eq!(answers(&app, create, &bad).await, first);
    assert_eq!(app.metric(SKIPPED).await - skipped, 5);
    let workspaces = app.gql("{ workspaces { totalCount } }", json!({})).await;
    assert_eq!(
        workspaces["data"]["workspaces"]["totalCount"], 3,
        "nothing was written by a refused request: {workspaces}"
    );
}

#[tokio::test]
async fn a_document_that_fails_validation_is_validated_every_time() {
    let (app, _db) = spawn_app().await;
    let skipped = app.metric(SKIPPED).await;
    let query = "query($n: Int) { workspaces(first: 2) { totalCount } }";
    let first = app.gql(query, json!({ "n": 1 })).await;
    assert_eq!(error_code(&first), "GRAPHQL_VALIDATION_FAILED", "an unused variable: {first}");
    for _ in 0..3 {
        assert_eq!(app.gql(query, json!({ "n": 1 })).await, first);
    }
    let unknown = "query A { workspaces { totalCount } }";
    let answer = app.gql(unknown, json!({})).await;
    assert!(answer["errors"].is_null(), "{answer}");
    let body = json!({ "query": unknown, "operationName": "B" });
    let refused: Value =
        app.client.post(format!("{}/graphql", app.address)).json(&body).send().await.unwrap().json().await.unwrap();
    assert_eq!(error_code(&refused), "GRAPHQL_VALIDATION_FAILED", "an unknown operation: {refused}");
    assert_eq!(app.metric(SKIPPED).await - skipped, 0);
}

//! Hostile input: batches, alias bombs, malformed bodies, unknown operations, and a property test
//! throwing generated documents and variables at a real server. Each gets a clear GraphQL or HTTP
//! error with a code: never a 5xx, a hang or a panic.

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{Delivery, Protocol, TestApp, error_code, spawn_app};

async fn post_raw(app: &TestApp, body: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("request");
    (response.status().as_u16(), response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn batches_are_answered_up_to_the_limit_and_refused_beyond() {
    let (app, _db) = spawn_app().await;
    let batch = |n: usize| {
        json!((0..n).map(|_| json!({ "query": "{ workspaces { totalCount } }" })).collect::<Vec<_>>()).to_string()
    };
    let (status, body) = post_raw(&app, &batch(3)).await;
    assert_eq!(status, 200);
    let answers: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answers.as_array().map(Vec::len), Some(3), "{body}");
    let (status, body) = post_raw(&app, &batch(11)).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&serde_json::from_str(&body).unwrap()), "BAD_REQUEST");
}

#[tokio::test]
async fn alias_bombs_malformed_bodies_and_unknown_operations_get_clear_errors() {
    let (app, _db) = spawn_app().await;
    let bomb: String = (0..300)
        .map(|i| format!("a{i}: workspaces(first: 100) {{ nodes {{ sessions(first: 100) {{ nodes {{ id }} }} }} }} "))
        .collect();
    let response = app.gql(&format!("{{ {bomb} }}"), json!({})).await;
    assert_eq!(error_code(&response), "GRAPHQL_VALIDATION_FAILED");

    for body in [
        "{",
        "[]",
        "\"query\"",
        "{\"query\": 42}",
        "{\"query\": \"{ workspaces { totalCount } }\", \"variables\": [1]}",
    ] {
        let (status, text) = post_raw(&app, body).await;
        assert!((400..500).contains(&status) || status == 200, "{body}: {status} {text}");
        if status == 200 {
            assert!(serde_json::from_str::<Value>(&text).unwrap()["errors"].is_array(), "{body}: {text}");
        }
    }
    let unknown = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": "query A { workspaces { totalCount } } query B { projects { totalCount } }", "operationName": "C" }))
        .send()
        .await
        .unwrap();
    assert!(unknown.status().as_u16() < 500);
    let body: Value = unknown.json().await.unwrap();
    assert!(body["errors"][0]["extensions"]["code"].is_string(), "{body}");
}

/// Fragments of GraphQL, valid and not, that generated documents are made of.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("query".to_owned()),
        Just("mutation".to_owned()),
        Just("subscription".to_owned()),
        Just("workspaces".to_owned()),
        Just("projects".to_owned()),
        Just("nodes".to_owned()),
        Just("edges".to_owned()),
        Just("id".to_owned()),
        Just("totalCount".to_owned()),
        Just("first:".to_owned()),
        Just("after:".to_owned()),
        Just("$v".to_owned()),
        Just("($v: Int)".to_owned()),
        Just("($v: ID!)".to_owned()),
        Just("...".to_owned()),
        Just("@skip(if: true)".to_owned()),
        Just("workspace(id: $v) { id }".to_owned()),
        Just("task(id: \"not-a-uuid\") { id }".to_owned()),
        Just("claimNextTodo(sessionId: $v) { id }".to_owned()),
        Just("createWorkspace(input: { name: \"w\", path: $v }) { workspace { id } }".to_owned()),
        Just("projects(first: 1000000) { totalCount }".to_owned()),
        Just("importTaskMasterTasks(projectId: $v, document: $v) { dryRun }".to_owned()),
        Just("__schema { types { name } }".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        "[a-zA-Z_\"\\\\:,!$@=\\[\\]]{1,6}",
    ]
}

fn variable() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::from),
        Just(json!(uuid::Uuid::now_v7().to_string())),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,5}", inner, 0..4).prop_map(|m| json!(m)),
        ]
    })
}

#[test]
fn generated_documents_and_variables_never_break_the_server() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (app, db) = runtime.block_on(spawn_app());
    let client = reqwest::Client::new();
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2000);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(cases));
    let strategy = (prop::collection::vec(token(), 0..30), variable(), prop::option::of("[A-C]"));
    let outcome = runner.run(&strategy, |(tokens, v, operation)| {
        let body = json!({ "query": tokens.join(" "), "variables": { "v": v }, "operationName": operation });
        let (status, text) = runtime.block_on(async {
            let response = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                client.post(format!("{}/graphql", app.address)).json(&body).send(),
            )
            .await
            .expect("the server answers")
            .expect("a response");
            (response.status().as_u16(), response.text().await.unwrap_or_default())
        });
        prop_assert!(status < 500, "status {} for {}: {}", status, body, text);
        if status == 200 {
            let response: Value =
                serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
            for error in response["errors"].as_array().into_iter().flatten() {
                let code = error["extensions"]["code"].as_str();
                prop_assert!(code.is_some(), "error without a code for {}: {}", body, error);
                prop_assert!(code != Some("INTERNAL_SERVER_ERROR"), "internal error for {}: {}", body, error);
            }
        }
        Ok(())
    });
    drop(app);
    runtime.block_on(async move { drop(db) });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

#[tokio::test]
async fn limits_name_the_figure_and_the_limit() {
    let (app, _db) = spawn_app().await;
    let wide = "{ workspaces(first: 100) { nodes { sessions(first: 100) { nodes { todos(first: 100) { nodes { id filePath } } } } } } }";
    let response = app.gql(wide, json!({})).await;
    assert_eq!(error_code(&response), "GRAPHQL_VALIDATION_FAILED");
    let error = &response["errors"][0];
    assert_eq!(
        error["message"], "query complexity 3,020,201 exceeds the limit of 100,000; lower first/last",
        "{response}"
    );
    assert_eq!(error["extensions"]["complexity"], 3_020_201);
    assert_eq!(error["extensions"]["maxComplexity"], 100_000);

    // workspaces, nodes, five times sessions/nodes/workspace, then id: depth 2 + 15 + 1 = 18.
    let deep = format!(
        "{{ workspaces(first: 1) {{ nodes {{ {} id {} }} }} }}",
        "sessions(first: 1) { nodes { workspace { ".repeat(5),
        "} } } ".repeat(5)
    );
    let response = app.gql(&deep, json!({})).await;
    assert_eq!(error_code(&response), "GRAPHQL_VALIDATION_FAILED");
    let error = &response["errors"][0];
    assert_eq!(error["message"], "query depth 18 exceeds the limit of 16; nest fewer levels", "{response}");
    assert_eq!(error["extensions"]["depth"], 18);
    assert_eq!(error["extensions"]["maxDepth"], 16);
}

/// Websocket operations go through the same checks as HTTP ones: the same refusal, with the figures
/// and the code, on both sub-protocols, before anything runs.
#[tokio::test]
async fn websocket_operations_meet_the_same_limits_and_the_same_error_codes() {
    let (app, _db) = spawn_app().await;
    let wide = "{ workspaces(first: 100) { nodes { sessions(first: 100) { nodes { todos(first: 100) { nodes { id filePath } } } } } } }";
    // Per event: a task, 100 subtasks, 100 dependencies each, 100 dependents each: over a million.
    let over = "subscription { taskEvents(projectId: \"00000000-0000-0000-0000-000000000000\") { task { \
        subtasks(first: 100) { nodes { dependencies(first: 100) { nodes { dependents(first: 100) { nodes { id } } } } } } \
        } } }";
    for protocol in [Protocol::TransportWs, Protocol::LegacyWs] {
        let mut query = app.subscribe(protocol, wide, json!({})).await;
        let Delivery::Errors(errors) = query.next().await else { panic!("the wide query was answered") };
        assert_eq!(errors[0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{errors}");
        assert_eq!(errors[0]["extensions"]["complexity"], 3_020_201, "{errors}");

        let mut subscription = app.subscribe(protocol, over, json!({})).await;
        let Delivery::Errors(errors) = subscription.next().await else { panic!("the subscription ran") };
        assert_eq!(errors[0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{errors}");
        assert_eq!(errors[0]["extensions"]["maxComplexity"], 100_000, "{errors}");

        let mut broken = app.subscribe(protocol, "{ workspaces(", json!({})).await;
        let Delivery::Errors(errors) = broken.next().await else { panic!("a broken document ran") };
        assert_eq!(errors[0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED", "{errors}");
    }
}

#[tokio::test]
async fn a_complexity_beyond_what_a_machine_word_holds_is_refused_not_overflowed() {
    let (app, _db) = spawn_app().await;
    // Eleven nested pages of 100: 100^11 does not fit in 64 bits.
    let mut query =
        String::from("{ workspaces(first: 100) { nodes { sessions(first: 100) { nodes { todos(first: 100) { nodes { ");
    for _ in 0..8 {
        query.push_str("session { todos(first: 100) { nodes { ");
    }
    query.push_str("id ");
    query.push_str(&"} } } ".repeat(8));
    query.push_str("} } } } } } }");
    let response = app.gql(&query, json!({})).await;
    assert_eq!(error_code(&response), "GRAPHQL_VALIDATION_FAILED", "{response}");
    assert!(
        response["errors"].as_array().unwrap().iter().any(|e| e["extensions"]["maxComplexity"] == 100_000),
        "{response}"
    );
}

/// Every limit refuses a document before the work it guards, with its figure and its limit, and the
/// refusal stays small however large the document: tokens before parsing, then aliases and root
/// fields (`__typename` included), and a parse error quotes at most 80 characters of the source.
#[tokio::test]
async fn every_limit_refuses_before_the_work_with_its_figure_and_its_limit() {
    let (app, _db) = spawn_app().await;
    let post = |query: String| {
        let app = &app;
        async move { post_raw(app, &json!({ "query": query }).to_string()).await }
    };
    let aliases = |n: usize| (0..n).map(|i| format!("a{i}: __typename ")).collect::<String>();

    // 300,000 aliases (5.9 MB): refused by its size before it is parsed.
    let (status, body) = post(format!("{{ {}}}", aliases(300_000))).await;
    assert!(body.len() < 4096, "{} bytes", body.len());
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(error_code(&answer), "GRAPHQL_PARSE_FAILED", "{body}");
    assert_eq!(answer["errors"][0]["extensions"]["documentBytes"], 5_888_893, "{body}");
    assert_eq!(answer["errors"][0]["extensions"]["maxDocumentBytes"], 1_048_576, "{body}");

    // 50,000 aliases (0.9 MB): 150,002 tokens, refused before it is parsed.
    let (status, body) = post(format!("{{ {}}}", aliases(50_000))).await;
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(error_code(&answer), "GRAPHQL_PARSE_FAILED", "{body}");
    assert_eq!(answer["errors"][0]["extensions"]["tokens"], 150_002, "{body}");
    assert_eq!(answer["errors"][0]["extensions"]["maxTokens"], 15_000, "{body}");
    assert_eq!(
        answer["errors"][0]["message"],
        "the document holds 150,002 tokens, over the limit of 15,000; send a smaller document"
    );

    // 300 aliases of `__typename` are few tokens, but over the alias limit.
    let answer = app.gql(&format!("{{ {}}}", aliases(300)), json!({})).await;
    assert_eq!(error_code(&answer), "GRAPHQL_VALIDATION_FAILED", "{answer}");
    assert_eq!(answer["errors"][0]["extensions"]["aliases"], 300, "{answer}");
    assert_eq!(answer["errors"][0]["extensions"]["maxAliases"], 256, "{answer}");

    // 100 root fields, no alias.
    let answer = app.gql(&format!("{{ {}}}", "__typename ".repeat(100)), json!({})).await;
    assert_eq!(error_code(&answer), "GRAPHQL_VALIDATION_FAILED", "{answer}");
    assert_eq!(answer["errors"][0]["extensions"]["rootFields"], 100, "{answer}");
    assert_eq!(answer["errors"][0]["extensions"]["maxRootFields"], 64, "{answer}");
    let fine = app.gql(&format!("{{ {}}}", aliases(60)), json!({})).await;
    assert_eq!(fine["data"]["a59"], "Query", "{fine}");

    // A 3 MB document is refused by its size; one of 1 MB that does not parse gets an error quoting a
    // little of it.
    let (_, body) = post(format!("{{ a(s: \"{}\") b( }}", "x".repeat(3_000_000))).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["errors"][0]["extensions"]["maxDocumentBytes"], 1_048_576);
    let (status, body) = post(format!("{{ a(s: \"{}\") b( }}", "x".repeat(1_000_000))).await;
    assert!(body.len() < 4096, "{} bytes", body.len());
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(error_code(&answer), "GRAPHQL_PARSE_FAILED", "{body}");
    let message = answer["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("syntax error at line 1, column "), "{message}");
    assert!(message.contains("b( }"), "{message}");
}

//! Automatic persisted queries (Apollo's `persistedQuery` extension): a client sends a query's
//! SHA-256 alone, and its text only when the server does not know it yet.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, error_code, spawn_app, urlencode};

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn extension(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// POSTs `body` to `/graphql` as `application/json`; the status and the parsed answer.
async fn post(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app.client.post(format!("{}/graphql", app.address)).json(&body).send().await.expect("request");
    (response.status().as_u16(), response.json().await.expect("a JSON answer"))
}

#[tokio::test]
async fn a_query_is_sent_by_its_hash_once_the_server_has_seen_its_text() {
    let (app, _db) = spawn_app().await;
    app.create_workspace("/apq/one").await;
    let query = "query Paths { workspaces(first: 5) { nodes { path } } }";
    let hash = sha256(query);

    let (status, unknown) = post(&app, json!({ "extensions": extension(&hash) })).await;
    assert_eq!(status, 200, "{unknown}");
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound", "Apollo clients match this message");
    assert_eq!(error_code(&unknown), "PERSISTED_QUERY_NOT_FOUND");
    assert!(unknown.get("data").is_none(), "nothing ran: {unknown}");

    let expected = json!({ "workspaces": { "nodes": [{ "path": "/apq/one" }] } });
    let (_, registered) = post(&app, json!({ "query": query, "extensions": extension(&hash) })).await;
    assert_eq!(registered["data"], expected, "{registered}");
    let (_, by_hash) = post(&app, json!({ "extensions": extension(&hash) })).await;
    assert_eq!(by_hash["data"], expected, "{by_hash}");

    // Over GET as well (what lets a CDN cache it), with the hash in upper case.
    let url = format!("/graphql?extensions={}", urlencode(&extension(&hash.to_uppercase()).to_string()));
    let (status, body) = app.get(&url, "application/json").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["data"], expected);
}

#[tokio::test]
async fn a_hash_that_is_not_the_texts_is_refused_and_nothing_runs() {
    let (app, _db) = spawn_app().await;
    let mutation = r#"mutation { createWorkspace(input: { name: "x", path: "/apq/wrong" }) { workspace { id } } }"#;
    let (_, wrong) = post(&app, json!({ "query": mutation, "extensions": extension(&sha256("{ __typename }")) })).await;
    assert_eq!(error_code(&wrong), "BAD_REQUEST", "{wrong}");
    let (_, malformed) = post(&app, json!({ "query": mutation, "extensions": extension("abc") })).await;
    assert_eq!(error_code(&malformed), "BAD_REQUEST", "{malformed}");
    let other_version = json!({ "persistedQuery": { "version": 2, "sha256Hash": sha256(mutation) } });
    let (_, version) = post(&app, json!({ "query": mutation, "extensions": other_version })).await;
    assert_eq!(error_code(&version), "BAD_REQUEST", "{version}");
    let count = app.data("{ workspaces { totalCount } }", json!({})).await;
    assert_eq!(count["workspaces"]["totalCount"], 0, "no workspace was created");
    // A text that does not parse is not kept under its hash.
    let broken = "{ workspaces { ";
    let (_, parse) = post(&app, json!({ "query": broken, "extensions": extension(&sha256(broken)) })).await;
    assert_eq!(error_code(&parse), "GRAPHQL_PARSE_FAILED", "{parse}");
    let (_, again) = post(&app, json!({ "extensions": extension(&sha256(broken)) })).await;
    assert_eq!(error_code(&again), "PERSISTED_QUERY_NOT_FOUND", "{again}");
}

#[tokio::test]
async fn a_mutation_kept_by_its_hash_is_still_refused_over_get() {
    let (app, _db) = spawn_app().await;
    let mutation = r#"mutation { createWorkspace(input: { name: "x", path: "/apq/get" }) { workspace { id } } }"#;
    let hash = sha256(mutation);
    let (_, created) = post(&app, json!({ "query": mutation, "extensions": extension(&hash) })).await;
    assert!(created["data"]["createWorkspace"]["workspace"]["id"].is_string(), "{created}");
    let url = format!("/graphql?extensions={}", urlencode(&extension(&hash).to_string()));
    let (status, body) = app.get(&url, "application/json").await;
    assert_eq!(status, 405, "{body}");
    let count = app.data("{ workspaces { totalCount } }", json!({})).await;
    assert_eq!(count["workspaces"]["totalCount"], 1, "the GET created nothing");
}

#[tokio::test]
async fn a_query_kept_by_one_organization_runs_with_the_data_of_whoever_sends_its_hash() {
    let (app, _db) = spawn_app().await;
    let (acme, globex) = (app.create_tenant("acme").await, app.create_tenant("globex").await);
    acme.owner.create_workspace("/acme").await;
    globex.owner.create_workspace("/globex").await;
    let query = "{ workspaces { nodes { path } } }";
    let hash = sha256(query);
    let (_, first) = post(&acme.owner, json!({ "query": query, "extensions": extension(&hash) })).await;
    assert_eq!(first["data"]["workspaces"]["nodes"], json!([{ "path": "/acme" }]));
    let (_, second) = post(&globex.owner, json!({ "extensions": extension(&hash) })).await;
    assert_eq!(second["data"]["workspaces"]["nodes"], json!([{ "path": "/globex" }]), "{second}");
}

//! Relay's Global Object Identification: `node` and `nodes` find any object by the `id` it already has.

use serde_json::json;

use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn node_finds_each_kind_of_object_by_its_id_and_nodes_keeps_the_order_with_nulls() {
    let (app, _db) = spawn_app().await;
    let workspace = app.create_workspace("/src/nodes").await;
    let (session, todos) = app.start_session_in(&workspace, &["a.rs"]).await;
    let project = app.create_project("nodes").await;
    let task = app.create_task(&project, json!({ "title": "found by node" })).await;

    let found = app
        .data(
            "query($id: ID!) { node(id: $id) { __typename id ... on Workspace { path sessions(first: 5) { nodes { id } } } } }",
            json!({ "id": workspace }),
        )
        .await;
    assert_eq!(found["node"]["__typename"], "Workspace");
    assert_eq!(found["node"]["id"], workspace.as_str());
    assert_eq!(found["node"]["path"], "/src/nodes");
    assert_eq!(found["node"]["sessions"]["nodes"][0]["id"], session.as_str());

    let fresh = "01900000-0000-7000-8000-000000000000";
    let many = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Task { title } } }",
            json!({ "ids": [task, fresh, todos[0], session, project] }),
        )
        .await;
    let kinds: Vec<_> = many["nodes"].as_array().unwrap().iter().map(|n| n["__typename"].clone()).collect();
    assert_eq!(
        kinds,
        [json!("Task"), json!(null), json!("SessionTodo"), json!("DocumentationSession"), json!("Project")]
    );
    assert_eq!(many["nodes"][0]["title"], "found by node");
    assert_eq!(many["nodes"][3]["id"], session.as_str());

    let nothing = app.data("query($id: ID!) { node(id: $id) { id } }", json!({ "id": fresh })).await;
    assert!(nothing["node"].is_null());
    let malformed = app.gql("{ node(id: \"not-an-id\") { id } }", json!({})).await;
    assert_eq!(error_code(&malformed), "BAD_USER_INPUT");
    let ids: Vec<String> = (0..101).map(|_| fresh.to_owned()).collect();
    let too_many = app.gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": ids })).await;
    assert_eq!(error_code(&too_many), "BAD_USER_INPUT");
}

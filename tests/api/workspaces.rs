//! Workspaces: CRUD, uniqueness, cascade, pagination, bad input.

use serde_json::json;

use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn a_created_workspace_can_be_read_by_id_and_by_path() {
    let (app, _db) = spawn_app().await;
    let data = app
        .data(
            "mutation { createWorkspace(input: { name: \"docket\", path: \"/src/docket\", config: { lang: \"rust\" } }) { workspace { id name path config } } }",
            json!({}),
        )
        .await;
    let created = &data["createWorkspace"]["workspace"];
    assert_eq!(created["config"], json!({ "lang": "rust" }));

    let by_id = app.data("query($id: ID!) { workspace(id: $id) { name path } }", json!({ "id": created["id"] })).await;
    assert_eq!(by_id["workspace"]["path"], "/src/docket");
    let by_path = app.data("{ workspaceByPath(path: \"/src/docket\") { id } }", json!({})).await;
    assert_eq!(by_path["workspaceByPath"]["id"], created["id"]);
    let missing = app.data("{ workspaceByPath(path: \"/nowhere\") { id } }", json!({})).await;
    assert!(missing["workspaceByPath"].is_null());
}

#[tokio::test]
async fn a_second_workspace_with_the_same_path_is_a_conflict() {
    let (app, _db) = spawn_app().await;
    app.create_workspace("/same").await;
    let response = app
        .gql(
            "mutation { createWorkspace(input: { name: \"again\", path: \"/same\" }) { workspace { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&response), "CONFLICT");
    let count = app.data("{ workspaces { totalCount } }", json!({})).await;
    assert_eq!(count["workspaces"]["totalCount"], 1);
}

#[tokio::test]
async fn updating_a_workspace_changes_only_the_given_fields() {
    let (app, _db) = spawn_app().await;
    let id = app.create_workspace("/before").await;
    let data = app
        .data(
            "mutation($id: ID!) { updateWorkspace(input: { id: $id, path: \"/after\" }) { workspace { name path createdAt updatedAt } } }",
            json!({ "id": id }),
        )
        .await;
    let workspace = &data["updateWorkspace"]["workspace"];
    assert_eq!(workspace["path"], "/after");
    assert_eq!(workspace["name"], "ws /before");
    assert_ne!(workspace["createdAt"], workspace["updatedAt"]);

    let unknown = app
        .gql(
            "mutation($id: ID!) { updateWorkspace(input: { id: $id, name: \"x\" }) { workspace { id } } }",
            json!({ "id": uuid::Uuid::now_v7() }),
        )
        .await;
    assert_eq!(error_code(&unknown), "NOT_FOUND");
    let empty = app
        .gql(
            "mutation($id: ID!) { updateWorkspace(input: { id: $id, name: \"  \" }) { workspace { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&empty), "BAD_USER_INPUT");
}

#[tokio::test]
async fn deleting_a_workspace_deletes_its_sessions_todos_and_events() {
    let (app, _db) = spawn_app().await;
    let workspace = app.create_workspace("/doomed").await;
    let (session, todos) = app.start_session_in(&workspace, &["a.rs", "b.rs"]).await;
    let data = app
        .data("mutation($id: ID!) { deleteWorkspace(input: { id: $id }) { deletedId } }", json!({ "id": workspace }))
        .await;
    assert_eq!(data["deleteWorkspace"]["deletedId"], workspace.as_str());

    let gone = app
        .data(
            "query($s: ID!, $t: ID!) { documentationSession(id: $s) { id } sessionTodo(id: $t) { id } }",
            json!({ "s": session, "t": todos[0] }),
        )
        .await;
    assert!(gone["documentationSession"].is_null() && gone["sessionTodo"].is_null());
    let again = app
        .gql("mutation($id: ID!) { deleteWorkspace(input: { id: $id }) { deletedId } }", json!({ "id": workspace }))
        .await;
    assert_eq!(error_code(&again), "NOT_FOUND");
}

#[tokio::test]
async fn workspaces_page_forwards_and_backwards_with_opaque_cursors() {
    let (app, _db) = spawn_app().await;
    for i in 0..5 {
        app.create_workspace(&format!("/w{i}")).await;
    }
    let query = "query($first: Int, $after: String, $last: Int, $before: String) {
        workspaces(first: $first, after: $after, last: $last, before: $before) {
            totalCount edges { cursor node { path } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        }
    }";
    let paths = |data: &serde_json::Value| -> Vec<String> {
        data["workspaces"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["path"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = app.data(query, json!({ "first": 2 })).await;
    assert_eq!(paths(&first), ["/w0", "/w1"]);
    assert_eq!(first["workspaces"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(first["workspaces"]["totalCount"], 5);

    let second = app.data(query, json!({ "first": 2, "after": first["workspaces"]["pageInfo"]["endCursor"] })).await;
    assert_eq!(paths(&second), ["/w2", "/w3"]);
    let third = app.data(query, json!({ "first": 2, "after": second["workspaces"]["pageInfo"]["endCursor"] })).await;
    assert_eq!(paths(&third), ["/w4"]);
    assert_eq!(third["workspaces"]["pageInfo"]["hasNextPage"], false);

    let last = app.data(query, json!({ "last": 2 })).await;
    assert_eq!(paths(&last), ["/w3", "/w4"]);
    assert_eq!(last["workspaces"]["pageInfo"]["hasPreviousPage"], true);
    let before = app.data(query, json!({ "last": 2, "before": last["workspaces"]["pageInfo"]["startCursor"] })).await;
    assert_eq!(paths(&before), ["/w1", "/w2"]);
}

#[tokio::test]
async fn bad_page_arguments_and_malformed_ids_are_bad_user_input() {
    let (app, _db) = spawn_app().await;
    for (query, variables) in [
        ("{ workspaces(first: 101) { totalCount } }", json!({})),
        ("{ workspaces(last: 1000) { totalCount } }", json!({})),
        ("{ workspaces(first: -1) { totalCount } }", json!({})),
        ("{ workspaces(first: 1, last: 1) { totalCount } }", json!({})),
        ("{ workspaces(after: \"not a cursor\") { totalCount } }", json!({})),
        ("query($id: ID!) { workspace(id: $id) { id } }", json!({ "id": "not-a-uuid" })),
        ("query($id: ID!) { documentationSession(id: $id) { id } }", json!({ "id": "42" })),
        ("mutation { claimNextTodo(sessionId: \"zzz\") { id } }", json!({})),
        (
            "mutation { createWorkspace(input: { name: \"x\", path: \"/p\", config: [1, 2] }) { workspace { id } } }",
            json!({}),
        ),
    ] {
        let response = app.gql(query, variables).await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{query}: {response}");
    }
}

#[tokio::test]
async fn unknown_ids_are_null_in_queries_and_not_found_in_mutations() {
    let (app, _db) = spawn_app().await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let data = app
        .data(
            "query($id: ID!) { workspace(id: $id) { id } documentationSession(id: $id) { id } sessionTodo(id: $id) { id } }",
            json!({ "id": unknown }),
        )
        .await;
    assert!(data["workspace"].is_null() && data["documentationSession"].is_null() && data["sessionTodo"].is_null());
    for query in [
        "mutation($id: ID!) { completeTodo(id: $id, leaseToken: \"x\") { id } }",
        "mutation($id: ID!) { claimNextTodo(sessionId: $id) { id } }",
        "mutation($id: ID!) { deleteDocumentationSession(input: { id: $id }) { deletedId } }",
        "mutation($id: ID!) { appendSessionEvent(input: { sessionId: $id, eventType: \"x\" }) { event { id } } }",
    ] {
        let response = app.gql(query, json!({ "id": unknown })).await;
        assert_eq!(error_code(&response), "NOT_FOUND", "{query}: {response}");
    }
}

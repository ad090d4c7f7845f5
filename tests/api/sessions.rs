//! Documentation sessions: start, state machine, expiry, filters, counts, cascade.

use serde_json::json;

use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn starting_a_session_creates_one_pending_todo_per_file_and_a_started_event() {
    let (app, _db) = spawn_app().await;
    let workspace = app.create_workspace("/src").await;
    let data = app
        .data(
            "mutation($ws: ID!) { startDocumentationSession(input: {
                workspaceId: $ws, moduleName: \"api\", filePaths: [\"src/lib.rs\", \"src/main.rs\"], metadata: { by: \"test\" }
            }) { session { status filePaths metadata lastEventSequence workspace { path }
                 todos { totalCount nodes { filePath status priority attempts maxAttempts } } } } }",
            json!({ "ws": workspace }),
        )
        .await;
    let session = &data["startDocumentationSession"]["session"];
    assert_eq!(session["status"], "PENDING");
    assert_eq!(session["filePaths"], json!(["src/lib.rs", "src/main.rs"]));
    assert_eq!(session["workspace"]["path"], "/src");
    assert_eq!(session["lastEventSequence"], 1);
    assert_eq!(session["todos"]["totalCount"], 2);
    for todo in session["todos"]["nodes"].as_array().unwrap() {
        assert_eq!(todo["status"], "PENDING");
        assert_eq!(todo["attempts"], 0);
        assert_eq!(todo["maxAttempts"], 3);
    }
}

#[tokio::test]
async fn a_session_with_bad_input_writes_nothing() {
    let (app, _db) = spawn_app().await;
    let workspace = app.create_workspace("/src").await;
    let start = "mutation($input: StartDocumentationSessionInput!) { startDocumentationSession(input: $input) { session { id } } }";
    let cases = [
        (json!({ "workspaceId": uuid::Uuid::now_v7(), "moduleName": "m", "filePaths": ["a"] }), "NOT_FOUND"),
        (json!({ "workspaceId": workspace, "moduleName": "m", "filePaths": ["a", "a"] }), "BAD_USER_INPUT"),
        (json!({ "workspaceId": workspace, "moduleName": "", "filePaths": ["a"] }), "BAD_USER_INPUT"),
        (
            json!({ "workspaceId": workspace, "moduleName": "m", "filePaths": ["a"], "expiresAt": "2001-01-01T00:00:00Z" }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "workspaceId": workspace, "moduleName": "m", "filePaths": ["a"], "expiresAt": "yesterday" }),
            "BAD_USER_INPUT",
        ),
    ];
    for (input, code) in cases {
        let response = app.gql(start, json!({ "input": input })).await;
        assert_eq!(error_code(&response), code, "{input}: {response}");
    }
    let data = app
        .data("query($id: ID!) { workspace(id: $id) { sessions { totalCount } } }", json!({ "id": workspace }))
        .await;
    assert_eq!(data["workspace"]["sessions"]["totalCount"], 0);
}

const UPDATE_STATUS: &str = "mutation($id: ID!, $status: SessionStatus!) { updateDocumentationSession(input: { id: $id, status: $status }) { session { status } } }";

#[tokio::test]
async fn session_status_follows_the_state_machine() {
    let (app, _db) = spawn_app().await;
    let (session, _) = app.start_session(&["a.rs"]).await;
    let moved = app.data(UPDATE_STATUS, json!({ "id": session, "status": "IN_PROGRESS" })).await;
    assert_eq!(moved["updateDocumentationSession"]["session"]["status"], "IN_PROGRESS");
    let back = app.gql(UPDATE_STATUS, json!({ "id": session, "status": "PENDING" })).await;
    assert_eq!(error_code(&back), "BAD_USER_INPUT");
    app.data(UPDATE_STATUS, json!({ "id": session, "status": "COMPLETED" })).await;
    for status in ["PENDING", "IN_PROGRESS", "FAILED", "EXPIRED"] {
        let response = app.gql(UPDATE_STATUS, json!({ "id": session, "status": status })).await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "completed -> {status}");
    }
    let types = app.event_types(&session).await;
    assert_eq!(types, ["session.started", "session.status_changed", "session.status_changed"]);
}

#[tokio::test]
async fn expire_sessions_expires_only_due_unfinished_sessions() {
    let (app, _db) = spawn_app().await;
    let (due, _) = app.start_session(&["a.rs"]).await;
    let (finished_due, _) = app.start_session(&["b.rs"]).await;
    let (not_due, _) = app.start_session(&["c.rs"]).await;
    let past = "2020-01-01T00:00:00Z";
    for id in [&due, &finished_due] {
        app.data(
            "mutation($id: ID!, $at: DateTime!) { updateDocumentationSession(input: { id: $id, expiresAt: $at }) { session { id } } }",
            json!({ "id": id, "at": past }),
        )
        .await;
    }
    app.data(UPDATE_STATUS, json!({ "id": finished_due, "status": "COMPLETED" })).await;

    let expired = app.data("mutation { expireSessions }", json!({})).await;
    assert_eq!(expired["expireSessions"], 1);
    let statuses = app
        .data(
            "query($a: ID!, $b: ID!, $c: ID!) { a: documentationSession(id: $a) { status } b: documentationSession(id: $b) { status } c: documentationSession(id: $c) { status } }",
            json!({ "a": due, "b": finished_due, "c": not_due }),
        )
        .await;
    assert_eq!(statuses["a"]["status"], "EXPIRED");
    assert_eq!(statuses["b"]["status"], "COMPLETED");
    assert_eq!(statuses["c"]["status"], "PENDING");
    assert_eq!(app.event_types(&due).await.last().unwrap(), "session.expired");
    let again = app.data("mutation { expireSessions }", json!({})).await;
    assert_eq!(again["expireSessions"], 0);
}

#[tokio::test]
async fn sessions_filter_by_status_and_count_todos_and_events() {
    let (app, _db) = spawn_app().await;
    let workspace = app.create_workspace("/w").await;
    let (first, _) = app.start_session_in(&workspace, &["a.rs", "b.rs", "c.rs"]).await;
    let (second, _) = app.start_session_in(&workspace, &["d.rs"]).await;
    app.data(UPDATE_STATUS, json!({ "id": second, "status": "FAILED" })).await;
    let claimed = app.claim(&first).await;
    app.complete(&claimed).await;
    app.append_event(&first, "note").await;

    let data = app
        .data(
            "query($id: ID!) { workspace(id: $id) {
                failed: sessions(status: [FAILED]) { nodes { id } }
                open: sessions(status: [PENDING, IN_PROGRESS]) { nodes { id todoCounts { pending inProgress completed failed skipped total } eventCounts { eventType count } } }
            } }",
            json!({ "id": workspace }),
        )
        .await;
    assert_eq!(data["workspace"]["failed"]["nodes"], json!([{ "id": second }]));
    let open = &data["workspace"]["open"]["nodes"][0];
    assert_eq!(open["id"], first.as_str());
    assert_eq!(
        open["todoCounts"],
        json!({ "pending": 2, "inProgress": 0, "completed": 1, "failed": 0, "skipped": 0, "total": 3 })
    );
    assert_eq!(
        open["eventCounts"],
        json!([
            { "eventType": "note", "count": 1 },
            { "eventType": "session.started", "count": 1 },
            { "eventType": "session.status_changed", "count": 1 },
            { "eventType": "todo.claimed", "count": 1 },
            { "eventType": "todo.completed", "count": 1 },
        ])
    );
}

#[tokio::test]
async fn deleting_a_session_deletes_its_todos_and_events() {
    let (app, _db) = spawn_app().await;
    let (session, todos) = app.start_session(&["a.rs"]).await;
    app.data(
        "mutation($id: ID!) { deleteDocumentationSession(input: { id: $id }) { deletedId } }",
        json!({ "id": session }),
    )
    .await;
    let data = app.data("query($t: ID!) { sessionTodo(id: $t) { id } }", json!({ "t": todos[0] })).await;
    assert!(data["sessionTodo"].is_null());
    let response = app.gql("query($s: ID!) { documentationSession(id: $s) { id } }", json!({ "s": session })).await;
    assert!(response["data"]["documentationSession"].is_null());
}

#[tokio::test]
async fn session_writes_leave_audit_entries_in_the_same_transaction() {
    let (app, _db) = spawn_app().await;
    let workspace = app.create_workspace("/audited").await;
    let (session, todos) = app.start_session_in(&workspace, &["a.rs", "b.rs"]).await;
    let claimed = app.claim(&session).await;
    assert_eq!(claimed["id"], todos[0]);
    app.complete(&claimed).await;
    app.data("mutation($id: ID!) { deleteWorkspace(input: { id: $id }) { deletedId } }", json!({ "id": workspace }))
        .await;

    let log = "query($type: String) { auditLog(entityType: $type, first: 100) { nodes { entityId action changes } } }";
    let actions = |data: &serde_json::Value| -> Vec<(String, String)> {
        data["auditLog"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| (n["entityId"].as_str().unwrap().to_owned(), n["action"].as_str().unwrap().to_owned()))
            .collect()
    };
    let workspaces = app.data(log, json!({ "type": "workspace" })).await;
    assert_eq!(actions(&workspaces), [(workspace.clone(), "CREATE".into()), (workspace.clone(), "DELETE".into())]);
    let sessions = app.data(log, json!({ "type": "documentation_session" })).await;
    assert_eq!(actions(&sessions), [(session.clone(), "CREATE".into()), (session.clone(), "UPDATE".into())]);
    let todo_log = app.data(log, json!({ "type": "session_todo" })).await;
    let todo_actions = actions(&todo_log);
    assert_eq!(
        todo_actions,
        [
            (todos[0].clone(), "CREATE".into()),
            (todos[1].clone(), "CREATE".into()),
            (todos[0].clone(), "UPDATE".into()),
            (todos[0].clone(), "UPDATE".into()),
        ]
    );
    assert_eq!(
        todo_log["auditLog"]["nodes"][3]["changes"]["status"],
        json!({ "old": "in_progress", "new": "completed" })
    );
}

//! Todos: claiming order, dependencies, leases, attempts, the worker actions, concurrency.

use std::collections::HashSet;

use serde_json::json;

use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn claims_take_the_most_urgent_then_oldest_todo_and_null_when_none_is_ready() {
    let (app, _db) = spawn_app().await;
    let (session, todos) = app.start_session(&["low.rs", "urgent.rs", "other.rs"]).await;
    app.data(
        "mutation($id: ID!) { updateSessionTodo(input: { id: $id, priority: 3 }) { todo { priority } } }",
        json!({ "id": todos[1] }),
    )
    .await;
    let order: Vec<String> = [app.claim(&session).await, app.claim(&session).await, app.claim(&session).await]
        .iter()
        .map(|t| t["filePath"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(order, ["urgent.rs", "low.rs", "other.rs"]);
    assert!(app.claim(&session).await.is_null());
    let session_status =
        app.data("query($id: ID!) { documentationSession(id: $id) { status } }", json!({ "id": session })).await;
    assert_eq!(session_status["documentationSession"]["status"], "IN_PROGRESS");
}

#[tokio::test]
async fn a_todo_is_not_claimed_before_its_dependencies_complete() {
    let (app, _db) = spawn_app().await;
    let (session, todos) = app.start_session(&["src/a.rs", "src/b.rs"]).await;
    let added = app.add_dependency(&todos[0], &todos[1]).await;
    assert!(added.get("errors").is_none(), "{added}");

    let first = app.claim(&session).await;
    assert_eq!(first["filePath"], "src/b.rs");
    assert!(app.claim(&session).await.is_null(), "a.rs waits for b.rs");
    app.complete(&first).await;
    assert_eq!(app.claim(&session).await["filePath"], "src/a.rs");

    let deps = app
        .data(
            "query($id: ID!) { sessionTodo(id: $id) { dependencies { totalCount nodes { filePath } } } }",
            json!({ "id": todos[0] }),
        )
        .await;
    assert_eq!(deps["sessionTodo"]["dependencies"]["nodes"], json!([{ "filePath": "src/b.rs" }]));
}

#[tokio::test]
async fn self_cross_session_and_cyclic_dependencies_are_rejected() {
    let (app, _db) = spawn_app().await;
    let (_, todos) = app.start_session(&["a", "b", "c"]).await;
    let (_, others) = app.start_session(&["x"]).await;
    assert_eq!(error_code(&app.add_dependency(&todos[0], &todos[0]).await), "BAD_USER_INPUT");
    assert_eq!(error_code(&app.add_dependency(&todos[0], &others[0]).await), "BAD_USER_INPUT");
    assert_eq!(error_code(&app.add_dependency(&todos[0], &uuid::Uuid::now_v7().to_string()).await), "NOT_FOUND");

    assert!(app.add_dependency(&todos[0], &todos[1]).await.get("errors").is_none());
    assert!(app.add_dependency(&todos[1], &todos[2]).await.get("errors").is_none());
    let cycle = app.add_dependency(&todos[2], &todos[0]).await;
    assert_eq!(error_code(&cycle), "BAD_USER_INPUT");
    let message = cycle["errors"][0]["message"].as_str().unwrap();
    assert!(todos.iter().all(|t| message.contains(t.as_str())), "the cycle is named: {message}");
    // Adding an existing edge again is harmless.
    assert!(app.add_dependency(&todos[0], &todos[1]).await.get("errors").is_none());
    let deps = app
        .data("query($id: ID!) { sessionTodo(id: $id) { dependencies { totalCount } } }", json!({ "id": todos[0] }))
        .await;
    assert_eq!(deps["sessionTodo"]["dependencies"]["totalCount"], 1);
}

#[tokio::test]
async fn a_failed_todo_returns_to_pending_until_its_attempts_run_out() {
    let (app, _db) = spawn_app().await;
    let (session, todos) = app.start_session(&["flaky.rs"]).await;
    app.data(
        "mutation($id: ID!) { updateSessionTodo(input: { id: $id, maxAttempts: 2 }) { todo { maxAttempts } } }",
        json!({ "id": todos[0] }),
    )
    .await;
    let fail = "mutation($id: ID!, $lease: String!) { failTodo(id: $id, leaseToken: $lease, error: \"boom\") { status attempts error } }";
    let lease = app.claim(&session).await["leaseToken"].clone();
    let first = app.data(fail, json!({ "id": todos[0], "lease": lease })).await;
    assert_eq!(first["failTodo"], json!({ "status": "PENDING", "attempts": 1, "error": "boom" }));
    let again = app.claim(&session).await;
    assert_eq!(again["attempts"], 2);
    let second = app.data(fail, json!({ "id": todos[0], "lease": again["leaseToken"] })).await;
    assert_eq!(second["failTodo"]["status"], "FAILED");
    assert!(app.claim(&session).await.is_null());
    let failed_again = app.gql(fail, json!({ "id": todos[0], "lease": again["leaseToken"] })).await;
    assert_eq!(error_code(&failed_again), "CONFLICT", "that lease ended with the failure");
}

#[tokio::test]
async fn complete_and_skip_apply_only_to_the_right_states() {
    let (app, _db) = spawn_app().await;
    let (session, todos) = app.start_session(&["a.rs", "b.rs"]).await;
    // Completing needs a lease: a pending todo has none, so any token is stale.
    assert_eq!(error_code(&app.todo_action("completeTodo", &todos[0], Some("not-a-lease")).await), "CONFLICT");
    let skipped = app.todo_action("skipTodo", &todos[1], None).await;
    assert_eq!(skipped["data"]["skipTodo"]["status"], "SKIPPED");
    assert_eq!(error_code(&app.todo_action("skipTodo", &todos[1], None).await), "BAD_USER_INPUT");
    let claimed = app.claim(&session).await;
    let completed = app.complete(&claimed).await;
    assert_eq!(completed["data"]["completeTodo"]["status"], "COMPLETED");
    assert_eq!(error_code(&app.todo_action("skipTodo", &todos[0], None).await), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_lapsed_lease_lets_the_next_claimer_take_the_todo() {
    let (app, _db) = spawn_app().await;
    let (session, todos) = app.start_session(&["slow.rs"]).await;
    let claim = "mutation($s: ID!) { claimNextTodo(sessionId: $s, leaseSeconds: 1) { id attempts leaseExpiresAt } }";
    let first = app.data(claim, json!({ "s": session })).await;
    assert_eq!(first["claimNextTodo"]["attempts"], 1);
    assert!(app.data(claim, json!({ "s": session })).await["claimNextTodo"].is_null(), "the lease still holds");
    // Waits out the one-second lease: behaviour, not a timing target.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let second = app.data(claim, json!({ "s": session })).await;
    assert_eq!(second["claimNextTodo"]["id"], todos[0].as_str());
    assert_eq!(second["claimNextTodo"]["attempts"], 2);
    assert!(app.event_types(&session).await.contains(&"todo.lease_expired".to_owned()));
}

#[tokio::test]
async fn concurrent_claimers_never_get_the_same_todo() {
    let (app, _db) = spawn_app().await;
    let files: Vec<String> = (0..40).map(|i| format!("f{i}.rs")).collect();
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    let (session, _) = app.start_session(&refs).await;
    let app = std::sync::Arc::new(app);
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let app = app.clone();
            let session = session.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let todo = app.claim(&session).await;
                    if todo.is_null() {
                        return mine;
                    }
                    mine.push(todo["id"].as_str().unwrap().to_owned());
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.unwrap());
    }
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len(), 40, "every todo claimed once");
    assert_eq!(distinct.len(), 40, "no todo claimed twice");
}

#[tokio::test]
async fn todos_can_be_added_in_a_batch_but_not_to_a_finished_session() {
    let (app, _db) = spawn_app().await;
    let (session, _) = app.start_session(&["a.rs"]).await;
    let create = "mutation($input: CreateSessionTodosInput!) { createSessionTodos(input: $input) { todos { filePath priority maxAttempts } } }";
    let data = app
        .data(
            create,
            json!({ "input": { "sessionId": session, "todos": [{ "filePath": "b.rs", "priority": 2 }, { "filePath": "c.rs", "maxAttempts": 5 }] } }),
        )
        .await;
    assert_eq!(
        data["createSessionTodos"]["todos"],
        json!([{ "filePath": "b.rs", "priority": 2, "maxAttempts": 3 }, { "filePath": "c.rs", "priority": 1, "maxAttempts": 5 }])
    );
    let bad = app
        .gql(create, json!({ "input": { "sessionId": session, "todos": [{ "filePath": "d.rs", "priority": 9 }] } }))
        .await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT");
    app.data(
        "mutation($id: ID!) { updateDocumentationSession(input: { id: $id, status: COMPLETED }) { session { id } } }",
        json!({ "id": session }),
    )
    .await;
    let closed = app.gql(create, json!({ "input": { "sessionId": session, "todos": [{ "filePath": "e.rs" }] } })).await;
    assert_eq!(error_code(&closed), "BAD_USER_INPUT");
    assert_eq!(
        error_code(
            &app.gql("mutation($s: ID!) { claimNextTodo(sessionId: $s) { id } }", json!({ "s": session })).await
        ),
        "BAD_USER_INPUT"
    );
    let count = app
        .data("query($id: ID!) { documentationSession(id: $id) { todoCounts { total } } }", json!({ "id": session }))
        .await;
    assert_eq!(count["documentationSession"]["todoCounts"]["total"], 3);
}

//! Work claiming under contention and leases, against real `docket` processes.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::Duration,
};

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, error_code, spawn_app, spawn_process};

const CLAIM: &str =
    "mutation($s: ID!, $l: Int) { claimNextTodo(sessionId: $s, leaseSeconds: $l) { id attempts leaseToken } }";

async fn counts(app: &TestApp, session: &str) -> Value {
    app.data("query($id: ID!) { documentationSession(id: $id) { todoCounts { pending inProgress completed failed total } } }", json!({ "id": session }))
        .await["documentationSession"]["todoCounts"]
        .clone()
}

#[tokio::test]
async fn eight_workers_claim_two_thousand_todos_exactly_once_respecting_dependencies() {
    let db = TestDb::new(true).await;
    let app = Arc::new(spawn_process(&db).await);
    let files: Vec<String> = (0..2000).map(|i| format!("src/file_{i:04}.rs")).collect();
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    let (session, todos) = app.start_session(&refs).await;
    // Every odd todo waits for the even one before it.
    let mut waits_for = HashMap::new();
    for pair in todos.chunks(2).take(100) {
        let added = app.add_dependency(&pair[1], &pair[0]).await;
        assert!(added.get("errors").is_none(), "{added}");
        waits_for.insert(pair[1].clone(), pair[0].clone());
    }

    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (app, session) = (app.clone(), session.clone());
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let todo = app.data(CLAIM, json!({ "s": session, "l": 60 })).await["claimNextTodo"].clone();
                    if todo.is_null() {
                        let left = counts(&app, &session).await;
                        if left["pending"] == 0 && left["inProgress"] == 0 {
                            return mine;
                        }
                        // Others hold the todos that the rest wait for.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                    let id = todo["id"].as_str().unwrap().to_owned();
                    let done = app.complete(&todo).await;
                    assert_eq!(done["data"]["completeTodo"]["status"], "COMPLETED", "{done}");
                    mine.push(id);
                }
            })
        })
        .collect();
    let mut claimed = Vec::new();
    for worker in workers {
        claimed.extend(worker.await.unwrap());
    }
    assert_eq!(claimed.len(), 2000, "every todo claimed");
    assert_eq!(claimed.iter().collect::<HashSet<_>>().len(), 2000, "none claimed twice");
    assert_eq!(counts(&app, &session).await["completed"], 2000);

    // The event stream is in commit order: no todo was claimed before what it waits for completed.
    let mut position: HashMap<(String, String), i64> = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let page = app
            .data(
                "query($id: ID!, $after: String) { documentationSession(id: $id) { events(first: 100, after: $after, eventTypes: [\"todo.claimed\", \"todo.completed\"]) {
                    nodes { sequence eventType eventData } pageInfo { hasNextPage endCursor } } } }",
                json!({ "id": session, "after": after }),
            )
            .await;
        let events = &page["documentationSession"]["events"];
        for event in events["nodes"].as_array().unwrap() {
            let key = (
                event["eventData"]["todoId"].as_str().unwrap().to_owned(),
                event["eventType"].as_str().unwrap().to_owned(),
            );
            position.insert(key, event["sequence"].as_i64().unwrap());
        }
        if events["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = events["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    for (waiting, first) in &waits_for {
        let claimed_at = position[&(waiting.clone(), "todo.claimed".to_owned())];
        let done_at = position[&(first.clone(), "todo.completed".to_owned())];
        assert!(claimed_at > done_at, "{waiting} was claimed before {first} completed");
    }
}

#[tokio::test]
async fn a_renewed_lease_holds_and_a_lapsed_one_passes_the_todo_on_until_attempts_run_out() {
    let (app, _db) = spawn_app().await;
    let (session, todos) = app.start_session(&["held.rs"]).await;
    let first = app.data(CLAIM, json!({ "s": session, "l": 1 })).await;
    assert_eq!(first["claimNextTodo"]["attempts"], 1);
    let lease = first["claimNextTodo"]["leaseToken"].clone();
    let renew = "mutation($id: ID!, $lease: String!, $l: Int) { renewTodoLease(id: $id, leaseToken: $lease, leaseSeconds: $l) { leaseExpiresAt } }";
    let renewed = app.data(renew, json!({ "id": todos[0], "lease": lease, "l": 30 })).await;
    assert!(renewed["renewTodoLease"]["leaseExpiresAt"].is_string());
    // Waits out the original one-second lease: behaviour, not a timing target.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        app.data(CLAIM, json!({ "s": session, "l": 1 })).await["claimNextTodo"].is_null(),
        "the renewed lease still holds"
    );

    let (other, others) = app.start_session(&["abandoned.rs"]).await;
    app.data(
        "mutation($id: ID!) { updateSessionTodo(input: { id: $id, maxAttempts: 2 }) { todo { id } } }",
        json!({ "id": others[0] }),
    )
    .await;
    app.data(CLAIM, json!({ "s": other, "l": 1 })).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let second = app.data(CLAIM, json!({ "s": other, "l": 1 })).await;
    assert_eq!(second["claimNextTodo"]["id"], others[0], "the next claimer gets it");
    assert_eq!(second["claimNextTodo"]["attempts"], 2);
    let stale = second["claimNextTodo"]["leaseToken"].clone();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(app.data(CLAIM, json!({ "s": other, "l": 1 })).await["claimNextTodo"].is_null());
    let status =
        app.data("query($id: ID!) { sessionTodo(id: $id) { status error } }", json!({ "id": others[0] })).await;
    assert_eq!(status["sessionTodo"], json!({ "status": "FAILED", "error": "lease expired" }), "out of attempts");
    assert_eq!(error_code(&app.gql(renew, json!({ "id": others[0], "lease": stale, "l": 30 })).await), "CONFLICT");
    assert_eq!(error_code(&app.gql(renew, json!({ "id": todos[0], "lease": lease, "l": 0 })).await), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_worker_whose_lease_lapsed_cannot_touch_the_todo_another_worker_now_holds() {
    let (app, _db) = spawn_app().await;
    let (session, todos) = app.start_session(&["contested.rs"]).await;
    // Worker A claims for one second, then stalls past its lease.
    let a = app.data(CLAIM, json!({ "s": session, "l": 1 })).await["claimNextTodo"].clone();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Worker B's claim releases A's lapsed lease and takes the todo (attempt 2).
    let b = app.data(CLAIM, json!({ "s": session, "l": 60 })).await["claimNextTodo"].clone();
    assert_eq!((b["id"].clone(), b["attempts"].clone()), (json!(todos[0]), json!(2)));
    assert_ne!(a["leaseToken"], b["leaseToken"]);

    // A wakes up and tries everything with its stale token: CONFLICT, and nothing changes.
    let renew =
        "mutation($id: ID!, $lease: String!) { renewTodoLease(id: $id, leaseToken: $lease, leaseSeconds: 600) { id } }";
    let a_lease = a["leaseToken"].as_str();
    assert_eq!(error_code(&app.gql(renew, json!({ "id": todos[0], "lease": a_lease })).await), "CONFLICT");
    assert_eq!(error_code(&app.todo_action("completeTodo", &todos[0], a_lease).await), "CONFLICT");
    assert_eq!(error_code(&app.todo_action("failTodo", &todos[0], a_lease).await), "CONFLICT");
    assert_eq!(error_code(&app.todo_action("skipTodo", &todos[0], a_lease).await), "CONFLICT");
    let now = app
        .data(
            "query($id: ID!) { sessionTodo(id: $id) { status attempts leaseExpiresAt claimedBy leaseToken } }",
            json!({ "id": todos[0] }),
        )
        .await["sessionTodo"]
        .clone();
    assert_eq!((now["status"].clone(), now["attempts"].clone()), (json!("IN_PROGRESS"), json!(2)), "B still holds it");
    assert_eq!(now["claimedBy"], "anonymous");
    assert_eq!(now["leaseToken"], b["leaseToken"], "the claimer (same principal here) sees its current token");

    // B's token works.
    let done = app.complete(&b).await;
    assert_eq!(done["data"]["completeTodo"]["status"], "COMPLETED", "{done}");
    let after =
        app.data("query($id: ID!) { sessionTodo(id: $id) { status leaseToken } }", json!({ "id": todos[0] })).await;
    assert_eq!(after["sessionTodo"], json!({ "status": "COMPLETED", "leaseToken": null }));
}

//! The event stream: gapless sequences, listing, filters, and the events state changes append.

use serde_json::json;

use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn appended_events_get_gapless_sequences_and_list_after_a_sequence() {
    let (app, _db) = spawn_app().await;
    let (session, _) = app.start_session(&["a.rs"]).await;
    let mut sequences = Vec::new();
    for i in 0..5 {
        sequences.push(app.append_event(&session, if i % 2 == 0 { "progress" } else { "note" }).await);
    }
    assert_eq!(sequences, [2, 3, 4, 5, 6], "session.started is 1");

    let events = "query($id: ID!, $after: Int, $types: [String!], $last: Int) { documentationSession(id: $id) {
        lastEventSequence events(afterSequence: $after, eventTypes: $types, last: $last) { totalCount nodes { sequence eventType eventData } } } }";
    let after = app.data(events, json!({ "id": session, "after": 4 })).await;
    let listed: Vec<i64> = after["documentationSession"]["events"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["sequence"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [5, 6]);
    assert_eq!(after["documentationSession"]["lastEventSequence"], 6);

    let notes = app.data(events, json!({ "id": session, "types": ["note"] })).await;
    assert_eq!(notes["documentationSession"]["events"]["totalCount"], 2);
    assert_eq!(notes["documentationSession"]["events"]["nodes"][0]["eventData"], json!({ "n": 1 }));
    let last = app.data(events, json!({ "id": session, "last": 2 })).await;
    assert_eq!(last["documentationSession"]["events"]["nodes"][1]["sequence"], 6);
}

#[tokio::test]
async fn appending_checks_its_input() {
    let (app, _db) = spawn_app().await;
    let (session, _) = app.start_session(&["a.rs"]).await;
    let append =
        "mutation($input: AppendSessionEventInput!) { appendSessionEvent(input: $input) { event { sequence } } }";
    let long = "x".repeat(101);
    for input in [
        json!({ "sessionId": session, "eventType": "" }),
        json!({ "sessionId": session, "eventType": long }),
        json!({ "sessionId": session, "eventType": "ok", "metadata": "nope" }),
        json!({ "sessionId": "bad", "eventType": "ok" }),
    ] {
        assert_eq!(error_code(&app.gql(append, json!({ "input": input })).await), "BAD_USER_INPUT");
    }
    let data = app
        .data("query($id: ID!) { documentationSession(id: $id) { lastEventSequence } }", json!({ "id": session }))
        .await;
    assert_eq!(data["documentationSession"]["lastEventSequence"], 1, "nothing was appended");
}

#[tokio::test]
async fn todo_and_session_state_changes_append_their_own_events() {
    let (app, _db) = spawn_app().await;
    let (session, todos) = app.start_session(&["a.rs", "b.rs", "c.rs"]).await;
    app.add_dependency(&todos[2], &todos[1]).await;
    let a = app.claim(&session).await;
    app.complete(&a).await;
    let b = app.claim(&session).await;
    app.todo_action("failTodo", b["id"].as_str().unwrap(), b["leaseToken"].as_str()).await;
    app.todo_action("skipTodo", &todos[2], None).await;
    assert_eq!(
        app.event_types(&session).await,
        [
            "session.started",
            "todo.dependency_added",
            "session.status_changed",
            "todo.claimed",
            "todo.completed",
            "todo.claimed",
            "todo.failed",
            "todo.skipped",
        ]
    );
    let failed = app
        .data(
            "query($id: ID!) { documentationSession(id: $id) { events(eventTypes: [\"todo.failed\"]) { nodes { error eventData } } } }",
            json!({ "id": session }),
        )
        .await;
    let event = &failed["documentationSession"]["events"]["nodes"][0];
    assert_eq!(event["error"], "oops");
    assert_eq!(event["eventData"]["willRetry"], true);
}

#[tokio::test]
async fn a_clients_event_is_audited_with_its_principal_and_whom_it_acted_for() {
    let (app, _db) = spawn_app().await;
    let (session, _) = app.start_session(&["a.rs"]).await;
    let appended = app
        .data_as(
            "worker-3",
            "mutation($s: ID!) { appendSessionEvent(input: { sessionId: $s, eventType: \"note\" }) { event { id } } }",
            json!({ "s": session }),
        )
        .await;
    let id = appended["appendSessionEvent"]["event"]["id"].clone();
    let log = app
        .data(
            "query($id: ID!) { auditLog(entityId: $id) { nodes { entityType action actor principal onBehalfOf } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        log["auditLog"]["nodes"],
        json!([{ "entityType": "session_event", "action": "CREATE", "actor": "anonymous", "principal": "anonymous",
                 "onBehalfOf": "worker-3" }]),
        "X-Docket-Actor is recorded beside the principal, never as it"
    );
}

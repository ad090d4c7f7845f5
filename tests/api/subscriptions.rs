//! `sessionEvents` over websockets: both protocols, replay then live, resume, errors, other processes.

use crate::helpers::{Delivery, Protocol, TestDb, spawn_app, spawn_app_on};

async fn replays_then_streams_live_events(protocol: Protocol) {
    let (app, _db) = spawn_app().await;
    let (session, _) = app.start_session(&["a.rs"]).await;
    app.append_event(&session, "before").await;

    let mut sub = app.subscribe_events(protocol, &session, None).await;
    assert_eq!(sub.next_event().await, (1, "session.started".to_owned()));
    assert_eq!(sub.next_event().await, (2, "before".to_owned()));

    app.append_event(&session, "live").await;
    let todo = app.claim(&session).await;
    app.complete(&todo).await;
    let mut live = Vec::new();
    for _ in 0..4 {
        live.push(sub.next_event().await);
    }
    let expected = [(3, "live"), (4, "session.status_changed"), (5, "todo.claimed"), (6, "todo.completed")];
    assert_eq!(live, expected.map(|(n, t)| (n, t.to_owned())));
    sub.close().await;
}

#[tokio::test]
async fn graphql_transport_ws_replays_stored_events_then_streams_new_ones() {
    replays_then_streams_live_events(Protocol::TransportWs).await;
}

#[tokio::test]
async fn legacy_graphql_ws_replays_stored_events_then_streams_new_ones() {
    replays_then_streams_live_events(Protocol::LegacyWs).await;
}

#[tokio::test]
async fn a_client_resuming_after_a_sequence_sees_the_rest_once_and_in_order() {
    let (app, _db) = spawn_app().await;
    let (session, _) = app.start_session(&["a.rs"]).await;
    for _ in 0..4 {
        app.append_event(&session, "tick").await;
    }
    let mut first = app.subscribe_events(Protocol::TransportWs, &session, None).await;
    assert_eq!(first.next_sequences(3).await, [1, 2, 3]);
    first.close().await;

    // Events appended while disconnected are replayed after the cursor, then live ones follow.
    app.append_event(&session, "while away").await;
    let mut resumed = app.subscribe_events(Protocol::LegacyWs, &session, Some(3)).await;
    assert_eq!(resumed.next_sequences(3).await, [4, 5, 6]);
    let burst: Vec<i64> = {
        let mut appended = Vec::new();
        for _ in 0..20 {
            appended.push(app.append_event(&session, "burst").await);
        }
        appended
    };
    assert_eq!(resumed.next_sequences(20).await, burst);
}

#[tokio::test]
async fn subscribing_to_a_missing_session_is_an_error_not_a_silent_stream() {
    let (app, _db) = spawn_app().await;
    for protocol in [Protocol::TransportWs, Protocol::LegacyWs] {
        let mut sub = app.subscribe_events(protocol, &uuid::Uuid::now_v7().to_string(), None).await;
        match sub.next().await {
            Delivery::Errors(errors) => assert_eq!(errors[0]["extensions"]["code"], "NOT_FOUND", "{errors}"),
            other => panic!("expected NOT_FOUND, got {other:?}"),
        }
        let mut malformed = app.subscribe_events(protocol, "not-an-id", None).await;
        match malformed.next().await {
            Delivery::Errors(errors) => assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT", "{errors}"),
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn events_appended_through_another_process_reach_subscribers() {
    // Two servers on one database: on PostgreSQL the NOTIFY wake-up carries events across; on SQLite
    // (a shared file) the fan-out's periodic re-read does.
    let db = TestDb::new(true).await;
    let reader = spawn_app_on(&db, |c| c.event_poll_interval_secs = 1).await;
    let writer = spawn_app_on(&db, |c| c.event_poll_interval_secs = 1).await;
    let (session, _) = writer.start_session(&["a.rs"]).await;

    let mut sub = reader.subscribe_events(Protocol::TransportWs, &session, Some(1)).await;
    let mut appended = Vec::new();
    for _ in 0..5 {
        appended.push(writer.append_event(&session, "remote").await);
    }
    assert_eq!(sub.next_sequences(5).await, appended);
}

#[tokio::test]
async fn closing_subscriptions_releases_the_fan_out() {
    let (app, _db) = spawn_app().await;
    let (session, _) = app.start_session(&["a.rs"]).await;
    let mut subs = Vec::new();
    for protocol in [Protocol::TransportWs, Protocol::LegacyWs, Protocol::TransportWs] {
        let mut sub = app.subscribe_events(protocol, &session, None).await;
        sub.next_event().await;
        subs.push(sub);
    }
    assert_eq!(app.metric("docket_event_subscribers").await, 3);
    assert_eq!(app.metric("docket_event_feeds").await, 1, "one fan-out serves all subscribers of a session");
    for sub in subs {
        sub.close().await;
    }
    let mut released = false;
    for _ in 0..50 {
        if app.metric("docket_event_subscribers").await == 0 && app.metric("docket_event_feeds").await == 0 {
            released = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(released, "subscribers and feeds return to zero after unsubscribe");
}

const TASK_EVENTS: &str = "subscription($p: ID!) { taskEvents(projectId: $p) { kind taskId task { title status } execution { agent status } } }";

async fn next_task_event(sub: &mut crate::helpers::Subscription) -> serde_json::Value {
    match sub.next().await {
        Delivery::Data(data) => data["taskEvents"].clone(),
        other => panic!("expected a task event, got {other:?}"),
    }
}

/// Creates, edits, moves and executes a task through `writer`; returns the task id.
async fn work_on_a_task(writer: &crate::helpers::TestApp, project: &str) -> String {
    use serde_json::json;
    let created = writer
        .data(
            "mutation($p: ID!) { createTask(input: { projectId: $p, title: \"t\" }) { task { id } } }",
            json!({ "p": project }),
        )
        .await;
    let task = created["createTask"]["task"]["id"].as_str().unwrap().to_owned();
    writer
        .data(
            "mutation($id: ID!) { updateTask(input: { id: $id, title: \"t2\" }) { task { id } } }",
            json!({ "id": task }),
        )
        .await;
    writer
        .data("mutation($id: ID!) { transitionTask(id: $id, status: IN_PROGRESS) { id } }", json!({ "id": task }))
        .await;
    let run = writer
        .data(
            "mutation($t: ID!) { startTaskExecution(input: { taskId: $t, agent: \"bot\" }) { execution { id } } }",
            json!({ "t": task }),
        )
        .await;
    let id = &run["startTaskExecution"]["execution"]["id"];
    writer
        .data(
            "mutation($id: ID!) { finishTaskExecution(input: { id: $id }) { execution { id } } }",
            json!({ "id": id }),
        )
        .await;
    task
}

#[tokio::test]
async fn task_events_stream_changes_to_a_projects_tasks_in_both_protocols() {
    use serde_json::json;
    let (app, _db) = spawn_app().await;
    let project = app.create_project("live").await;
    let other = app.create_project("elsewhere").await;
    let mut transport = app.subscribe(Protocol::TransportWs, TASK_EVENTS, json!({ "p": project })).await;
    let mut legacy = app.subscribe(Protocol::LegacyWs, TASK_EVENTS, json!({ "p": project })).await;
    app.wait_for_subscribers(2).await;
    work_on_a_task(&app, &other).await;
    let task = work_on_a_task(&app, &project).await;
    for sub in [&mut transport, &mut legacy] {
        let mut kinds = Vec::new();
        for _ in 0..5 {
            let event = next_task_event(sub).await;
            assert_eq!(event["taskId"], task.as_str(), "only this project's tasks");
            kinds.push(event["kind"].as_str().unwrap().to_owned());
            if event["kind"] == "EXECUTION_FINISHED" {
                assert_eq!(event["execution"], json!({ "agent": "bot", "status": "SUCCEEDED" }));
                assert_eq!(event["task"], json!({ "title": "t2", "status": "IN_PROGRESS" }));
            }
        }
        assert_eq!(kinds, ["CREATED", "UPDATED", "TRANSITIONED", "EXECUTION_STARTED", "EXECUTION_FINISHED"]);
    }
    let mut missing = app.subscribe(Protocol::TransportWs, TASK_EVENTS, json!({ "p": uuid::Uuid::now_v7() })).await;
    match missing.next().await {
        Delivery::Errors(errors) => assert_eq!(errors[0]["extensions"]["code"], "NOT_FOUND"),
        other => panic!("expected NOT_FOUND, got {other:?}"),
    }
}

#[tokio::test]
async fn task_events_cross_processes_on_postgres() {
    use serde_json::json;
    // Task events travel between processes through PostgreSQL's NOTIFY; SQLite serves one process.
    let db = TestDb::new(true).await;
    let reader = spawn_app_on(&db, |_| {}).await;
    let writer = if db.schema.is_some() { Some(spawn_app_on(&db, |_| {}).await) } else { None };
    let writer = writer.as_ref().unwrap_or(&reader);
    let project = writer.create_project("shared").await;
    let mut sub = reader.subscribe(Protocol::TransportWs, TASK_EVENTS, json!({ "p": project })).await;
    reader.wait_for_subscribers(1).await;
    let task = work_on_a_task(writer, &project).await;
    let first = next_task_event(&mut sub).await;
    assert_eq!((first["kind"].as_str(), first["taskId"].as_str()), (Some("CREATED"), Some(task.as_str())));
}

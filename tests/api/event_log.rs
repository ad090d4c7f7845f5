//! The organization's event log: Docket's own events written with every change, `recordEvent` with
//! idempotency and registered schemas, `events` as a query and as a subscription (replay then live,
//! both protocols, across processes), `taskEvents` resuming over it, and commit order on PostgreSQL.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Delivery, Protocol, Subscription, TestApp, TestDb, error_code, spawn_app, spawn_app_on};

const EVENTS: &str = "query($f: EventFilter, $first: Int, $after: String) { events(filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { id cursor type source severity payload taskId task { title } } } }";

const RECORD: &str = "mutation($i: RecordEventInput!) { recordEvent(input: $i) { replayed event { id cursor type source
    severity traceId correlationId idempotencyKey payload projectId taskId actor } } }";

/// The events under `filter`, first 100.
async fn events(app: &TestApp, filter: Value) -> Vec<Value> {
    let data = app.data(EVENTS, json!({ "f": filter, "first": 100 })).await;
    data["events"]["nodes"].as_array().unwrap().clone()
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

/// The next `field` item a subscription delivers; fails on anything else.
async fn next_item(sub: &mut Subscription, field: &str) -> Value {
    match sub.next().await {
        Delivery::Data(data) => data[field].clone(),
        other => panic!("expected an item of {field}, got {other:?}"),
    }
}

#[tokio::test]
async fn every_change_to_a_task_appends_its_event_and_a_refused_change_appends_none() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("events").await;
    let task = app.create_task(&project, json!({ "title": "first" })).await;
    let other = app.create_task(&project, json!({ "title": "second" })).await;
    app.data(
        "mutation($id: ID!) { updateTask(input: { id: $id, title: \"renamed\" }) { task { id } } }",
        json!({ "id": task }),
    )
    .await;
    app.data("mutation($id: ID!) { transitionTask(id: $id, status: IN_PROGRESS) { id } }", json!({ "id": task })).await;
    app.data(
        "mutation($t: ID!, $d: ID!) { addTaskDependency(input: { taskId: $t, dependsOnId: $d }) { task { id } } }",
        json!({ "t": task, "d": other }),
    )
    .await;
    app.data(
        "mutation($t: ID!, $d: ID!) { removeTaskDependency(input: { taskId: $t, dependsOnId: $d }) { task { id } } }",
        json!({ "t": task, "d": other }),
    )
    .await;
    let execution = app
        .data(
            "mutation($t: ID!) { startTaskExecution(input: { taskId: $t, agent: \"claude\" }) { execution { id } } }",
            json!({ "t": task }),
        )
        .await["startTaskExecution"]["execution"]["id"]
        .clone();
    app.data(
        "mutation($id: ID!) { finishTaskExecution(input: { id: $id, status: FAILED }) { execution { id } } }",
        json!({ "id": execution }),
    )
    .await;
    // A stale version is refused: no change, no event.
    let refused = app
        .gql(
            "mutation($id: ID!) { updateTask(input: { id: $id, title: \"late\", version: 1 }) { task { id } } }",
            json!({ "id": task }),
        )
        .await;
    assert_eq!(error_code(&refused), "CONFLICT");
    app.data("mutation($id: ID!) { deleteTask(input: { id: $id }) { deletedId } }", json!({ "id": other })).await;

    let log = events(&app, json!({ "projectId": project })).await;
    assert_eq!(
        types(&log),
        [
            "project.created",
            "task.created",
            "task.created",
            "task.updated",
            "task.transitioned",
            "task.dependency_added",
            "task.dependency_removed",
            "execution.started",
            "execution.finished",
            "task.deleted"
        ]
    );
    assert!(log.iter().all(|e| e["source"] == "docket"));
    assert_eq!(log[3]["payload"]["fields"], json!(["title"]));
    assert_eq!(log[4]["payload"], json!({ "from": "pending", "to": "in_progress" }));
    assert_eq!(log[4]["task"]["title"], "renamed");
    assert_eq!(log[5]["payload"]["dependsOnTaskId"], json!(other));
    assert_eq!(
        (log[8]["severity"].as_str(), log[8]["payload"]["executionId"].as_str()),
        (Some("ERROR"), execution.as_str())
    );
    assert_eq!(
        (log[9]["taskId"].as_str(), &log[9]["task"]),
        (Some(other.as_str()), &Value::Null),
        "kept after deletion"
    );
    let by_task =
        events(&app, json!({ "taskId": task, "type": { "in": ["task.transitioned", "execution.finished"] } })).await;
    assert_eq!(types(&by_task), ["task.transitioned", "execution.finished"]);
    let severe = events(&app, json!({ "projectId": project, "severity": { "gte": "WARNING" } })).await;
    assert_eq!(types(&severe), ["execution.finished"]);
}

#[tokio::test]
async fn a_repeated_idempotency_key_returns_the_stored_event_and_stores_nothing() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("idempotent").await;
    let input = json!({ "projectId": project, "source": "ci", "type": "build.finished", "idempotencyKey": "build-41",
        "correlationId": "pipeline-7", "severity": "WARNING",
        "traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "payload": { "ok": false } });
    let first = app.data(RECORD, json!({ "i": input })).await["recordEvent"].clone();
    assert_eq!(first["replayed"], false);
    assert_eq!(first["event"]["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(first["event"]["actor"], "anonymous");
    let mut again = input.clone();
    again["payload"] = json!({ "ok": true });
    let second = app.data(RECORD, json!({ "i": again })).await["recordEvent"].clone();
    assert_eq!((second["replayed"].as_bool(), &second["event"]), (Some(true), &first["event"]));
    // The key is per source: another source's key of the same text is another event.
    let mut elsewhere = input.clone();
    elsewhere["source"] = json!("deploy");
    let third = app.data(RECORD, json!({ "i": elsewhere })).await["recordEvent"].clone();
    assert_ne!(third["event"]["id"], first["event"]["id"]);
    let stored = events(&app, json!({ "correlationId": "pipeline-7" })).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0]["payload"], json!({ "ok": false }));
}

#[tokio::test]
async fn bad_events_are_refused_with_the_reason_and_store_nothing() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("strict").await;
    let schema = json!({ "type": "object", "required": ["status"],
        "properties": { "status": { "type": "string", "enum": ["ok", "failed"] } } });
    app.data(
        "mutation($s: JSON!) { createEventType(input: { name: \"deploy.finished\", payloadSchema: $s, retentionDays: 30 }) { eventType { name retentionDays } } }",
        json!({ "s": schema }),
    )
    .await;
    let record = |input: Value| {
        let app = &app;
        async move { app.gql(RECORD, json!({ "i": input })).await }
    };
    let wrong = record(json!({ "source": "deploy", "type": "deploy.finished", "payload": { "status": 5 } })).await;
    assert_eq!(error_code(&wrong), "BAD_USER_INPUT");
    assert!(wrong["errors"][0]["message"].as_str().unwrap().contains("/status"), "{wrong}");
    let missing = record(json!({ "source": "deploy", "type": "deploy.finished", "payload": {} })).await;
    assert_eq!(error_code(&missing), "BAD_USER_INPUT");
    let fine = record(json!({ "source": "deploy", "type": "deploy.finished", "payload": { "status": "ok" } })).await;
    assert!(fine.get("errors").is_none(), "{fine}");
    for bad in [
        json!({ "source": "docket", "type": "task.created" }),
        json!({ "source": "Deploy", "type": "x" }),
        json!({ "source": "deploy", "type": "has space" }),
        json!({ "source": "deploy", "type": "x", "traceId": "not-a-trace" }),
        json!({ "source": "deploy", "type": "x", "payload": [1, 2] }),
    ] {
        assert_eq!(error_code(&record(bad.clone()).await), "BAD_USER_INPUT", "{bad}");
    }
    let missing_task = record(json!({ "source": "deploy", "type": "x", "taskId": uuid::Uuid::now_v7() })).await;
    assert_eq!(error_code(&missing_task), "NOT_FOUND");
    let bad_schema = app
        .gql(
            "mutation { createEventType(input: { name: \"odd\", payloadSchema: { type: 12 } }) { eventType { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&bad_schema), "BAD_USER_INPUT");
    let stored = events(&app, json!({ "source": { "in": ["deploy"] } })).await;
    assert_eq!(stored.len(), 1, "only the valid event is stored");
    let _ = project;
}

#[tokio::test]
async fn paging_forward_from_end_cursor_walks_the_log_once_in_order() {
    let (app, _db) = spawn_app().await;
    for i in 0..7 {
        app.data(RECORD, json!({ "i": { "source": "agent", "type": "agent.step", "payload": { "i": i } } })).await;
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data =
            app.data(EVENTS, json!({ "f": { "source": { "in": ["agent"] } }, "first": 3, "after": after })).await;
        let page = &data["events"];
        assert_eq!(page["totalCount"], 7);
        seen.extend(page["nodes"].as_array().unwrap().iter().map(|e| e["payload"]["i"].as_i64().unwrap()));
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, (0..7).collect::<Vec<_>>());
    let garbage = app.gql(EVENTS, json!({ "after": "nope" })).await;
    assert_eq!(error_code(&garbage), "BAD_USER_INPUT");
    let too_many = app.gql(EVENTS, json!({ "first": 101 })).await;
    assert_eq!(error_code(&too_many), "BAD_USER_INPUT");
}

const SUBSCRIBE: &str =
    "subscription($f: EventFilter, $after: String) { events(filter: $f, after: $after) { type cursor payload } }";

#[tokio::test]
async fn the_events_subscription_replays_after_a_cursor_then_streams_live_in_both_protocols() {
    let (app, _db) = spawn_app().await;
    for protocol in [Protocol::TransportWs, Protocol::LegacyWs] {
        let source = format!("agent-{}", protocol.name());
        let record = |event_type: &'static str, i: i64| {
            let (app, source) = (&app, source.clone());
            async move {
                let input = json!({ "source": source, "type": event_type, "payload": { "i": i } });
                app.data(RECORD, json!({ "i": input })).await["recordEvent"]["event"]["cursor"].clone()
            }
        };
        let first = record("agent.step", 0).await;
        record("agent.step", 1).await;
        record("agent.step", 2).await;
        let filter = json!({ "source": { "in": [source] } });
        let mut replaying = app.subscribe(protocol, SUBSCRIBE, json!({ "f": filter, "after": first })).await;
        let mut live = app.subscribe(protocol, SUBSCRIBE, json!({ "f": filter })).await;
        for i in [1, 2] {
            assert_eq!(next_item(&mut replaying, "events").await["payload"]["i"], i, "{protocol:?}");
        }
        app.wait_for_subscribers(2).await;
        record("agent.step", 3).await;
        // Another source's event is not for these subscribers.
        app.data(RECORD, json!({ "i": { "source": "ci", "type": "x" } })).await;
        record("agent.done", 4).await;
        for sub in [&mut replaying, &mut live] {
            assert_eq!(next_item(sub, "events").await["payload"]["i"], 3, "{protocol:?}");
            assert_eq!(next_item(sub, "events").await["type"], "agent.done");
        }
        replaying.close().await;
        live.close().await;
        app.wait_for_subscribers(0).await;
    }
}

#[tokio::test]
async fn task_events_replay_after_a_cursor_and_cross_processes() {
    let db = TestDb::new(true).await;
    let reader = spawn_app_on(&db, |_| {}).await;
    // On PostgreSQL a second process writes; SQLite serves one process.
    let writer = if db.schema.is_some() { Some(spawn_app_on(&db, |_| {}).await) } else { None };
    let writer = writer.as_ref().unwrap_or(&reader);
    let project = writer.create_project("resume").await;
    let task = writer.create_task(&project, json!({ "title": "a" })).await;
    writer.data("mutation($id: ID!) { transitionTask(id: $id, status: DONE) { id } }", json!({ "id": task })).await;
    let query = "subscription($p: ID!, $after: String) { taskEvents(projectId: $p, after: $after) { kind cursor taskId task { status } } }";
    let created = events(writer, json!({ "projectId": project, "type": { "in": ["task.created"] } })).await;
    let mut sub =
        reader.subscribe(Protocol::TransportWs, query, json!({ "p": project, "after": created[0]["cursor"] })).await;
    let replayed = next_item(&mut sub, "taskEvents").await;
    assert_eq!((replayed["kind"].as_str(), replayed["task"]["status"].as_str()), (Some("TRANSITIONED"), Some("DONE")));
    reader.wait_for_subscribers(1).await;
    writer.data("mutation($id: ID!) { deleteTask(input: { id: $id }) { deletedId } }", json!({ "id": task })).await;
    let live = next_item(&mut sub, "taskEvents").await;
    assert_eq!((live["kind"].as_str(), live["taskId"].as_str()), (Some("DELETED"), Some(task.as_str())));
}

#[tokio::test]
async fn a_reader_never_skips_an_event_committed_late_by_a_slower_transaction() {
    use api::events::log as event_log;
    use sea_orm::TransactionTrait;

    let db = TestDb::new(true).await;
    let app = spawn_app_on(&db, |_| {}).await;
    let organization = migration::DEFAULT_ORGANIZATION_ID;
    app.data(RECORD, json!({ "i": { "source": "agent", "type": "before" } })).await;
    let mut sub = app
        .subscribe(Protocol::TransportWs, SUBSCRIBE, json!({ "f": { "source": { "in": ["agent", "slow"] } } }))
        .await;
    app.wait_for_subscribers(1).await;
    let (conn, _) = db.connect().await;
    if db.schema.is_none() {
        // SQLite has one writer: a second writer waits for the first, so commit order is insertion
        // order and the position alone orders the log. What remains to show is that order.
        let txn = conn.begin().await.unwrap();
        event_log::append(&txn, organization, "test", &[slow_event()], false).await.unwrap();
        txn.commit().await.unwrap();
        app.data(RECORD, json!({ "i": { "source": "agent", "type": "fast" } })).await;
    } else {
        // A slow writer takes its position first and commits last.
        let slow = conn.begin().await.unwrap();
        event_log::append(&slow, organization, "test", &[slow_event()], false).await.unwrap();
        // Another writer in the same organization is not held up by it (no shared row)...
        let fast = tokio::time::timeout(
            Duration::from_secs(10),
            app.gql(RECORD, json!({ "i": { "source": "agent", "type": "fast" } })),
        )
        .await
        .expect("a concurrent writer in the same organization was blocked");
        assert!(fast.get("errors").is_none(), "{fast}");
        // ...but readers see neither its event nor anything after the slow one's place yet. (Read
        // without the list's wait: the slow transaction holds back every test's events meanwhile.)
        let scope = api::service::Scope { organization_id: organization };
        let filter =
            event_log::EventFilter { sources: Some(vec!["agent".into(), "slow".into()]), ..Default::default() };
        let batch = event_log::read_after(&conn, scope, event_log::EventCursor::START, &filter, 100).await.unwrap();
        let readable: Vec<&str> = batch.events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(readable, ["before"], "an event behind a transaction in flight was readable");
        assert!(batch.held_back, "the reader knows events wait behind the slow transaction");
        tokio::time::sleep(Duration::from_millis(100)).await;
        slow.commit().await.unwrap();
    }
    let listed = events(&app, json!({ "source": { "in": ["agent", "slow"] } })).await;
    assert_eq!(types(&listed), ["before", "slow", "fast"]);
    let delivered = [next_item(&mut sub, "events").await, next_item(&mut sub, "events").await];
    assert_eq!(delivered.iter().map(|e| e["type"].as_str().unwrap()).collect::<Vec<_>>(), ["slow", "fast"]);
    assert_eq!(
        delivered.iter().map(|e| e["cursor"].clone()).collect::<Vec<_>>(),
        listed[1..].iter().map(|e| e["cursor"].clone()).collect::<Vec<_>>(),
        "the list and the subscription agree on the order"
    );
}

fn slow_event() -> api::events::log::NewEvent {
    let mut event = api::events::log::NewEvent::docket("slow");
    event.source = "slow".into();
    event
}

const SUBJECTS: &str = "query($f: EventFilter) { events(filter: $f, first: 100) {
    nodes { type source subjectType subjectId workspaceId sessionId payload } } }";

#[tokio::test]
async fn every_write_appears_in_the_log_as_resource_dot_verb_about_its_subject() {
    let (app, _db) = spawn_app().await;
    let workspace = app.create_workspace("/src/logged").await;
    let (session, todos) = app.start_session_in(&workspace, &["a.rs", "b.rs"]).await;
    app.add_dependency(&todos[1], &todos[0]).await;
    let claimed = app.claim(&session).await;
    app.complete(&claimed).await;
    let user = app
        .data(
            "mutation { createUser(input: { email: \"logged@example.com\", name: \"L\", role: VIEWER }) { member { user { id } } } }",
            json!({}),
        )
        .await["createUser"]["member"]["user"]["id"]
        .clone();
    app.data(
        "mutation($u: ID!) { updateMemberRole(input: { userId: $u, role: MEMBER }) { member { role } } }",
        json!({ "u": user }),
    )
    .await;
    let key = app
        .data("mutation { createApiKey(input: { name: \"bot\", role: VIEWER }) { apiKey { id } } }", json!({}))
        .await["createApiKey"]["apiKey"]["id"]
        .clone();
    app.data("mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }", json!({ "id": key })).await;
    app.data("mutation($id: ID!) { deleteWorkspace(input: { id: $id }) { deletedId } }", json!({ "id": workspace }))
        .await;

    let log = app.data(SUBJECTS, json!({ "f": { "source": { "in": ["docket"] } } })).await["events"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    let seen: Vec<(&str, &str)> =
        log.iter().map(|e| (e["type"].as_str().unwrap(), e["subjectId"].as_str().unwrap_or("-"))).collect();
    let (first, second) = (claimed["id"].as_str().unwrap(), todos[1].as_str());
    assert_eq!(
        seen,
        [
            ("workspace.created", workspace.as_str()),
            ("session.created", session.as_str()),
            ("todo.created", todos[0].as_str()),
            ("todo.created", second),
            ("todo.dependency_added", second),
            ("todo.claimed", first),
            ("session.status_changed", session.as_str()),
            ("todo.completed", first),
            ("user.created", user.as_str().unwrap()),
            ("member.added", user.as_str().unwrap()),
            ("member.role_changed", user.as_str().unwrap()),
            ("api_key.created", key.as_str().unwrap()),
            ("api_key.revoked", key.as_str().unwrap()),
            ("workspace.deleted", workspace.as_str()),
        ]
    );
    for event in &log {
        let prefix = event["type"].as_str().unwrap().split('.').next().unwrap();
        assert_eq!(event["subjectType"], prefix, "{event}");
    }
    assert_eq!(log[0]["payload"]["name"], "ws /src/logged", "a creation carries the record");
    assert!(log[0]["payload"]["createdAt"].is_string(), "named as the API names fields: {}", log[0]["payload"]);
    assert_eq!((log[1]["workspaceId"].as_str(), log[1]["sessionId"].as_str()), (Some(&*workspace), Some(&*session)));
    assert_eq!(log[5]["sessionId"], session.as_str());
    assert_eq!(log[10]["payload"]["fields"], json!(["role"]), "an update names the changed fields");
    assert!(log[11]["payload"].get("secretHash").is_none() && log[11]["payload"].get("secret_hash").is_none());
}

//! The event stream: gapless sequences, listing, filters, and the events state changes append.

use serde_json::json;

use crate::helpers::{TestApp, TestDb, error_code, spawn_app, spawn_app_on};

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

/// Appends `n` as `actor` to `session` through `client`; the whole response.
async fn append_as(client: &TestApp, actor: String, session: String, data: serde_json::Value) -> serde_json::Value {
    let append =
        "mutation($input: AppendSessionEventInput!) { appendSessionEvent(input: $input) { event { id sequence } } }";
    let input = json!({ "sessionId": session, "eventType": "note", "eventData": data });
    let request = client.client.post(format!("{}/graphql", client.address)).header("x-docket-actor", actor);
    let response = request.json(&json!({ "query": append, "variables": { "input": input } })).send().await;
    response.expect("request").json().await.expect("JSON response")
}

/// How many audit entries of session events `client`'s organization has.
async fn session_event_entries(client: &TestApp) -> i64 {
    let data = client.data("{ auditLog(entityType: \"session_event\", first: 100) { totalCount } }", json!({})).await;
    data["auditLog"]["totalCount"].as_i64().unwrap()
}

#[tokio::test]
async fn appends_sent_at_once_by_two_organizations_are_gapless_audited_and_stay_in_their_organization() {
    let (app, _db) = spawn_app().await;
    let on_postgres = app.db.get_database_backend() == sea_orm::DbBackend::Postgres;
    let (alpha, beta) = (app.create_tenant("alpha").await, app.create_tenant("beta").await);
    let (a1, _) = alpha.owner.start_session(&["a.rs"]).await;
    let (a2, _) = alpha.owner.start_session(&["b.rs"]).await;
    let (b1, _) = beta.owner.start_session(&["c.rs"]).await;

    // (which session the append is meant for, its actor, its response): all sent at once.
    let mut sent = Vec::new();
    for n in 0..20 {
        for (client, session, name) in [(&alpha.owner, &a1, "a1"), (&alpha.owner, &a2, "a2"), (&beta.owner, &b1, "b1")]
        {
            let actor = format!("worker-{name}-{n}");
            sent.push((name, actor.clone(), append_as(client, actor, session.clone(), json!({ "n": n }))));
        }
        if n % 2 == 0 {
            let actor = format!("intruder-{n}");
            sent.push(("intruder", actor.clone(), append_as(&beta.owner, actor, a1.clone(), json!({ "n": n }))));
        }
    }
    // PostgreSQL refuses a NUL character in jsonb: that append fails alone, its batch is written.
    let nul = append_as(&alpha.owner, "nul".into(), a2.clone(), json!({ "text": "a\u{0}b" }));
    sent.push(("nul", "nul".into(), nul));
    let (names, actors, requests): (Vec<_>, Vec<_>, Vec<_>) = sent.into_iter().fold(
        (Vec::new(), Vec::new(), Vec::new()),
        |(mut names, mut actors, mut requests), (name, actor, request)| {
            names.push(name);
            actors.push(actor);
            requests.push(request);
            (names, actors, requests)
        },
    );
    let responses = futures_util::future::join_all(requests).await;

    let mut written: std::collections::HashMap<&str, Vec<(i64, String, String)>> = Default::default();
    for ((name, actor), response) in names.iter().zip(&actors).zip(&responses) {
        match *name {
            "intruder" => assert_eq!(error_code(response), "NOT_FOUND", "{response}"),
            "nul" if on_postgres => assert_eq!(error_code(response), "BAD_USER_INPUT", "{response}"),
            _ => {
                assert!(response.get("errors").is_none(), "{name}: {response}");
                let event = &response["data"]["appendSessionEvent"]["event"];
                let session = if *name == "nul" { "a2" } else { name };
                let id = event["id"].as_str().unwrap().to_owned();
                written.entry(session).or_default().push((event["sequence"].as_i64().unwrap(), id, actor.clone()));
            }
        }
    }

    let events = "query($id: ID!) { documentationSession(id: $id) { lastEventSequence events(first: 100) { nodes { id sequence } } } }";
    for (client, session, name) in [(&alpha.owner, &a1, "a1"), (&alpha.owner, &a2, "a2"), (&beta.owner, &b1, "b1")] {
        let mut mine = written.remove(name).unwrap_or_default();
        mine.sort();
        let count = mine.len() as i64;
        assert_eq!(count, if name == "a2" && !on_postgres { 21 } else { 20 }, "{name}");
        let sequences: Vec<i64> = mine.iter().map(|(sequence, ..)| *sequence).collect();
        assert_eq!(sequences, (2..=count + 1).collect::<Vec<_>>(), "{name}: gapless after session.started");
        let listed = client.data(events, json!({ "id": session })).await;
        assert_eq!(listed["documentationSession"]["lastEventSequence"], count + 1, "{name}: no intruder's event");
        let nodes = listed["documentationSession"]["events"]["nodes"].as_array().unwrap();
        let stored: Vec<(i64, &str)> =
            nodes[1..].iter().map(|e| (e["sequence"].as_i64().unwrap(), e["id"].as_str().unwrap())).collect();
        let answered: Vec<(i64, &str)> = mine.iter().map(|(sequence, id, _)| (*sequence, id.as_str())).collect();
        assert_eq!(stored, answered, "{name}: each client was answered with the event stored");

        let audit =
            "query { auditLog(entityType: \"session_event\", first: 100) { nodes { entityId onBehalfOf changes } } }";
        let entries = client.data(audit, json!({})).await;
        for (sequence, id, actor) in &mine {
            let entry = entries["auditLog"]["nodes"].as_array().unwrap().iter().find(|e| e["entityId"] == *id);
            let entry = entry.unwrap_or_else(|| panic!("{name}: no audit entry for {id}"));
            assert_eq!(entry["onBehalfOf"], *actor.as_str(), "{name}: audited as its own request");
            assert_eq!(entry["changes"]["sequence"]["new"], *sequence, "{name}: the audit entry has the sequence");
        }
    }
    assert_eq!(session_event_entries(&beta.owner).await, 20, "an intruder's refused appends are not audited");
    assert_eq!(session_event_entries(&alpha.owner).await, if on_postgres { 40 } else { 41 });
    if on_postgres {
        let statements = app.metric("docket_session_event_batches_total ").await;
        let appends = app.metric("docket_session_event_batched_total ").await;
        assert!(appends >= 71 && statements < appends, "{statements} statements for {appends} appends");
        let refused = app.metric("docket_session_event_batch_failures_total ").await;
        assert!(refused >= 1, "the NUL append's statement was refused, then its appends were sent alone");
    }
}

/// Two servers on one database append to the same sessions at once, each with several statements in
/// flight: no statement is refused (PostgreSQL breaks a deadlock by refusing one, which the failure
/// count would show; the statements lock their sessions in id order) and the sequences stay gapless
/// across both.
#[tokio::test]
async fn two_servers_appending_to_the_same_sessions_never_deadlock_and_stay_gapless() {
    let db = TestDb::new(true).await;
    let first = spawn_app_on(&db, |config| config.append_statements = 4).await;
    let second = spawn_app_on(&db, |config| config.append_statements = 4).await;
    let mut sessions = Vec::new();
    for n in 0..5 {
        sessions.push(first.start_session(&[&format!("{n}.rs")]).await.0);
    }
    let (mut targets, mut requests) = (Vec::new(), Vec::new());
    for n in 0..200usize {
        let server = if n % 2 == 0 { &first } else { &second };
        // Each server's statements hold appends to several of the sessions.
        let session = sessions[n % sessions.len()].clone();
        targets.push(session.clone());
        requests.push(append_as(server, format!("worker-{n}"), session, json!({ "n": n })));
    }
    let responses = futures_util::future::join_all(requests).await;
    let mut sequences: std::collections::HashMap<String, Vec<i64>> = Default::default();
    for (session, response) in targets.into_iter().zip(&responses) {
        assert!(response.get("errors").is_none(), "{response}");
        let sequence = response["data"]["appendSessionEvent"]["event"]["sequence"].as_i64().unwrap();
        sequences.entry(session).or_default().push(sequence);
    }
    for session in &sessions {
        let mut mine = sequences.remove(session).unwrap_or_default();
        mine.sort_unstable();
        assert_eq!(mine, (2..=mine.len() as i64 + 1).collect::<Vec<_>>(), "gapless after session.started");
        assert_eq!(mine.len(), 40);
    }
    for server in [&first, &second] {
        assert_eq!(server.metric("docket_session_event_batch_failures_total ").await, 0);
    }
}

#[tokio::test]
async fn the_appends_writers_keep_one_plan_for_their_statement_on_postgresql() {
    let db = TestDb::new(false).await;
    if db.schema.is_none() {
        return; // SQLite appends one at a time through its writer; nothing is planned per batch
    }
    let settings = api::db::PoolSettings {
        max_connections: 2,
        busy_timeout: std::time::Duration::from_secs(1),
        connect_timeout: std::time::Duration::from_secs(10),
        acquire_timeout: std::time::Duration::from_secs(10),
        schema: db.schema.clone(),
    };
    let counter = api::db::StatementCounter::default();
    let writers = api::db::writers_pool(&db.url, &settings, &counter, 1).expect("the writers' pool opens");
    let show = |setting: &'static str| {
        let writers = writers.clone();
        async move {
            use sea_orm::ConnectionTrait;
            let row = writers
                .query_one_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, format!("SHOW {setting}")))
                .await
                .expect("SHOW runs")
                .expect("SHOW answers");
            row.try_get_by_index::<String>(0).expect("a text setting")
        }
    };
    assert_eq!(show("plan_cache_mode").await, "force_generic_plan");
    // The appends land in the server's schema, not in `public`.
    assert!(show("search_path").await.contains(db.schema.as_deref().unwrap()));
    assert_eq!(counter.get(), 2, "the writers' statements are counted");
}

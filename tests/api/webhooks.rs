//! Outbound webhooks against local receivers: signed so that the Standard Webhooks reference library
//! and a GitHub-style check both verify them, retried until accepted and then delivered once, parked
//! after the last attempt and redelivered on request, filtered, never held up by a hanging endpoint,
//! and not lost when the sending process is killed.

use std::{
    collections::{BTreeMap, BTreeSet},
    time::Duration,
};

use api::Config;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{
    TEST_SECRETS_KEY, TestApp, TestDb, error_code,
    receiver::{Answer, Received, Receiver},
    spawn_app_on, spawn_process_with,
};

/// A Standard Webhooks secret: `whsec_` and base64.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const CREATE: &str = "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id url eventTypes sources projectId active } secret } }";

const DELIVERIES: &str = "query($id: ID!) { webhook(id: $id) { deliveries(first: 100) { totalCount nodes {
    attempt statusCode error durationMs outcome nextAttemptAt deliveredAt attemptedAt event { id type } } } } }";

const RECORD: &str = "mutation($t: String!) { recordEvent(input: { source: \"agent\", type: $t }) { event { id } } }";

/// Local receivers allowed, retries after 50 ms, 100 ms, ...
fn local_and_quick(config: &mut Config) {
    config.allow_private_webhooks = true;
    config.webhook_retry_base_ms = 50;
}

async fn create(app: &TestApp, input: Value) -> Value {
    app.data(CREATE, json!({ "i": input })).await["createWebhook"].clone()
}

async fn record(app: &TestApp, event_type: &str) -> String {
    app.data(RECORD, json!({ "t": event_type })).await["recordEvent"]["event"]["id"].as_str().unwrap().to_owned()
}

/// The webhook's delivery attempts once at least `n` are recorded (up to 30 s).
async fn deliveries(app: &TestApp, webhook: &str, n: usize) -> Vec<Value> {
    for _ in 0..1200 {
        let data = app.data(DELIVERIES, json!({ "id": webhook })).await;
        let nodes = data["webhook"]["deliveries"]["nodes"].as_array().unwrap().clone();
        if nodes.len() >= n {
            return nodes;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("fewer than {n} deliveries recorded for {webhook}");
}

/// Fails unless `received` is signed with `secret` as Standard Webhooks and GitHub-style receivers
/// check it: by the Standard Webhooks reference library, and `X-Docket-Signature` by hand.
fn assert_signed(received: &Received, secret: &str) {
    standardwebhooks::Webhook::new(secret)
        .expect("a Standard Webhooks secret")
        .verify(&received.body, &received.headers)
        .expect("the Standard Webhooks library verifies the delivery");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(&received.body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(received.header("x-docket-signature"), expected, "the GitHub-style signature");
}

/// The event ids of `received`, in arrival order.
fn event_ids(received: &[Received]) -> Vec<String> {
    received.iter().map(|r| r.header("webhook-id").to_owned()).collect()
}

#[tokio::test]
async fn a_failing_endpoint_gets_the_event_once_after_retries_each_attempt_verifiably_signed() {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, local_and_quick).await;
    let receiver = Receiver::start(|n| if n < 2 { Answer::Fail(503) } else { Answer::Accept }).await;
    let created = create(&app, json!({ "url": receiver.url, "secret": SECRET })).await;
    assert!(created["secret"].is_null(), "a given secret is not echoed");
    let webhook = created["webhook"]["id"].as_str().unwrap().to_owned();
    let project = app.create_project("hooked").await;

    let received = receiver.wait_for(3).await;
    for (i, attempt) in received.iter().enumerate() {
        assert_signed(attempt, SECRET);
        assert_eq!(attempt.header("x-docket-delivery-attempt"), (i + 1).to_string());
        assert_eq!(attempt.header("x-docket-event-type"), "project.created");
        assert_eq!(attempt.header("x-docket-event-id"), attempt.header("webhook-id"));
        assert_eq!(attempt.header("content-type"), "application/json");
    }
    let ids = event_ids(&received);
    assert!(ids.iter().all(|id| *id == ids[0]), "every retry carries the same webhook-id: {ids:?}");
    let body = received[2].json();
    assert_eq!(body["type"], "project.created");
    assert_eq!(body["data"]["id"], ids[0].as_str());
    assert_eq!(body["data"]["projectId"], project.as_str());
    assert_eq!((body["data"]["source"].as_str(), body["data"]["severity"].as_str()), (Some("docket"), Some("INFO")));

    let log = deliveries(&app, &webhook, 3).await;
    let summary: Vec<_> = log
        .iter()
        .map(|d| (d["attempt"].as_i64(), d["statusCode"].as_i64(), d["outcome"].as_str(), d["deliveredAt"].is_string()))
        .collect();
    assert_eq!(
        summary,
        [
            (Some(1), Some(503), Some("RETRYING"), false),
            (Some(2), Some(503), Some("RETRYING"), false),
            (Some(3), Some(200), Some("DELIVERED"), true)
        ]
    );
    assert!(log[0]["error"].as_str().unwrap().contains("503"), "{}", log[0]);
    assert!(log[0]["nextAttemptAt"].is_string() && log[2]["nextAttemptAt"].is_null());
    assert!(log[2]["error"].is_null());
    assert_eq!(log[2]["event"], json!({ "id": ids[0], "type": "project.created" }));

    // Delivered means delivered once: the next request is the next event's, not a repeat.
    let next = record(&app, "agent.next").await;
    let received = receiver.wait_for(4).await;
    assert_eq!(event_ids(&received)[3], next);
    assert_eq!(received.len(), 4);
}

#[tokio::test]
async fn a_delivery_out_of_attempts_is_parked_until_redelivered_and_then_counts_afresh() {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, |config| {
        local_and_quick(config);
        config.webhook_max_attempts = 2;
    })
    .await;
    let accepting = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let open = accepting.clone();
    let receiver = Receiver::start(move |_| {
        if open.load(std::sync::atomic::Ordering::SeqCst) { Answer::Accept } else { Answer::Fail(500) }
    })
    .await;
    let webhook = create(&app, json!({ "url": receiver.url, "secret": SECRET })).await["webhook"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = record(&app, "agent.first").await;
    let log = deliveries(&app, &webhook, 2).await;
    assert_eq!(log[1]["outcome"], "FAILED", "the last attempt parks the delivery: {log:?}");
    assert!(log[1]["nextAttemptAt"].is_null());
    // Another event fails its two attempts meanwhile; the parked one is not tried again.
    let second = record(&app, "agent.second").await;
    deliveries(&app, &webhook, 4).await;
    let tried: Vec<String> = event_ids(&receiver.received());
    assert_eq!(tried, [first.clone(), first.clone(), second.clone(), second.clone()]);

    accepting.store(true, std::sync::atomic::Ordering::SeqCst);
    let redelivered = app
        .data(
            "mutation($w: ID!, $e: ID!) { redeliverWebhookEvent(input: { webhookId: $w, eventId: $e }) { eventId webhook { id } } }",
            json!({ "w": webhook, "e": first }),
        )
        .await;
    assert_eq!(redelivered["redeliverWebhookEvent"]["eventId"], first.as_str());
    let received = receiver.wait_for(5).await;
    assert_eq!(received[4].header("webhook-id"), first);
    assert_eq!(received[4].header("x-docket-delivery-attempt"), "1", "attempts count afresh");
    let log = deliveries(&app, &webhook, 5).await;
    assert_eq!((log[4]["attempt"].as_i64(), log[4]["outcome"].as_str()), (Some(1), Some("DELIVERED")));
}

#[tokio::test]
async fn a_webhook_receives_only_the_events_its_filter_names() {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, local_and_quick).await;
    let chosen = app.create_project("chosen").await;
    let other = app.create_project("other").await;
    let filtered = Receiver::start(|_| Answer::Accept).await;
    let everything = Receiver::start(|_| Answer::Accept).await;
    let hook = create(
        &app,
        json!({ "url": filtered.url, "secret": SECRET, "eventTypes": ["task.created"], "sources": ["docket"], "projectId": chosen }),
    )
    .await;
    assert_eq!(hook["webhook"]["eventTypes"], json!(["task.created"]));
    assert_eq!(hook["webhook"]["projectId"], chosen.as_str());
    create(&app, json!({ "url": everything.url, "secret": SECRET })).await;

    let wanted = app.create_task(&chosen, json!({ "title": "wanted" })).await;
    app.create_task(&other, json!({ "title": "elsewhere" })).await;
    app.data("mutation($id: ID!) { transitionTask(id: $id, status: DONE) { id } }", json!({ "id": wanted })).await;
    record(&app, "task.created").await; // the right type, but from an agent and in no project
    let last = app.create_task(&chosen, json!({ "title": "wanted too" })).await;

    // The unfiltered webhook sees all five events; by then the filtered one has had its chance at each.
    let all = everything.wait_for(5).await;
    let got = filtered.wait_for(2).await;
    let tasks: Vec<Value> = got.iter().map(|r| r.json()["data"]["taskId"].clone()).collect();
    assert_eq!(tasks, [json!(wanted), json!(last)]);
    assert_eq!(filtered.received().len(), 2);
    assert_eq!(all.len(), 5);
}

#[tokio::test]
async fn a_hanging_endpoint_holds_up_neither_other_webhooks_nor_writers() {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, |config| {
        local_and_quick(config);
        config.webhook_timeout_secs = 60;
    })
    .await;
    let hanging = Receiver::start(|_| Answer::Hang).await;
    let healthy = Receiver::start(|_| Answer::Accept).await;
    create(&app, json!({ "url": hanging.url, "secret": SECRET })).await;
    create(&app, json!({ "url": healthy.url, "secret": SECRET })).await;

    let mut written = Vec::new();
    for i in 0..20 {
        written.push(record(&app, &format!("agent.step{i}")).await);
    }
    let delivered = healthy.wait_for(20).await;
    assert_eq!(event_ids(&delivered), written, "every event, in order, to the healthy endpoint");
    assert_eq!(hanging.received().len(), 1, "the hanging endpoint still holds its first delivery");
}

#[tokio::test]
async fn deliveries_survive_a_sigkill_of_the_sending_process_and_resume_on_restart() {
    let db = TestDb::new(true).await;
    let flags = [
        "--allow-private-webhooks",
        "--secrets-key",
        TEST_SECRETS_KEY,
        "--webhook-timeout-secs",
        "1",
        "--webhook-retry-base-ms",
        "50",
    ];
    let mut first = spawn_process_with(&db, &flags).await;
    // Slow enough that the process dies with deliveries queued and one in flight.
    let receiver = Receiver::start(|_| Answer::AcceptAfter(Duration::from_millis(100))).await;
    create(&first, json!({ "url": receiver.url, "secret": SECRET })).await;
    let mut written = Vec::new();
    for i in 0..30 {
        written.push(record(&first, &format!("agent.step{i}")).await);
    }
    receiver.wait_for(5).await;
    let mut child = first.process.take().expect("a process");
    let pid = child.id().expect("pid").to_string();
    assert!(std::process::Command::new("kill").args(["-KILL", &pid]).status().unwrap().success());
    child.wait().await.unwrap();
    let before_restart = receiver.received().len();
    assert!(before_restart < 30, "the kill came mid-way ({before_restart} delivered)");

    let _second = spawn_process_with(&db, &flags).await;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..600 {
        counts = event_ids(&receiver.received()).into_iter().fold(BTreeMap::new(), |mut m, id| {
            *m.entry(id).or_default() += 1;
            m
        });
        if counts.len() == written.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ids: BTreeSet<&String> = counts.keys().collect();
    assert_eq!(ids, written.iter().collect::<BTreeSet<_>>(), "every event was delivered after the restart");
    // At least once: only the delivery in flight at the kill may come twice.
    let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.len() <= 1 && repeated.iter().all(|(_, n)| **n == 2), "{repeated:?}");
}

#[tokio::test]
async fn webhook_urls_secrets_and_servers_without_a_secrets_key_are_checked() {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, |_| {}).await; // private addresses refused (the default)
    let create_answer = |input: Value| {
        let app = &app;
        async move { app.gql(CREATE, json!({ "i": input })).await }
    };
    for url in ["http://127.0.0.1:8080/hook", "http://10.0.0.7/hook", "http://[::1]/x", "http://169.254.169.254/"] {
        assert_eq!(error_code(&create_answer(json!({ "url": url })).await), "BAD_USER_INPUT", "{url}");
    }
    for url in ["ftp://example.com/", "not a url", "http://"] {
        assert_eq!(error_code(&create_answer(json!({ "url": url })).await), "BAD_USER_INPUT", "{url}");
    }
    let public = "https://93.184.216.34/hook";
    assert_eq!(error_code(&create_answer(json!({ "url": public, "secret": "short" })).await), "BAD_USER_INPUT");
    assert_eq!(
        error_code(&create_answer(json!({ "url": public, "secret": "whsec_!!notbase64!!" })).await),
        "BAD_USER_INPUT"
    );
    assert_eq!(error_code(&create_answer(json!({ "url": public, "eventTypes": ["a b"] })).await), "BAD_USER_INPUT");

    // Without a secret Docket makes one and shows it once; it is nowhere else.
    let created = create(&app, json!({ "url": public })).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && secret.len() > 40, "{secret}");
    standardwebhooks::Webhook::new(&secret).expect("a secret Standard Webhooks libraries take");
    let everywhere = app
        .data(
            "{ webhooks(first: 10) { totalCount nodes { id url active } } auditLog(first: 50) { nodes { entityType changes } } }",
            json!({}),
        )
        .await;
    assert_eq!(everywhere["webhooks"]["totalCount"], 1);
    let secret_body = secret.trim_start_matches("whsec_");
    assert!(!everywhere.to_string().contains(secret_body), "the secret shows: {everywhere}");
    let stored: Vec<String> = {
        use sea_orm::{ConnectionTrait, Statement};
        let rows = app
            .db
            .query_all_raw(Statement::from_string(app.db.get_database_backend(), "SELECT sealed_secret FROM webhooks"))
            .await
            .unwrap();
        rows.iter().map(|r| r.try_get::<String>("", "sealed_secret").unwrap()).collect()
    };
    assert!(stored.iter().all(|s| s.starts_with("v1.") && !s.contains(secret_body)), "sealed, not in clear");

    // A server without a secrets key cannot keep webhook secrets: it says so.
    let keyless = spawn_app_on(&db, |config| config.secrets_key = None).await;
    assert_eq!(error_code(&keyless.gql(CREATE, json!({ "i": { "url": public } })).await), "NOT_CONFIGURED");
}

#[tokio::test]
async fn a_webhook_receives_the_creation_of_a_workspace_but_not_its_own() {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, local_and_quick).await;
    let receiver = Receiver::start(|_| Answer::Accept).await;
    create(&app, json!({ "url": receiver.url, "secret": SECRET })).await;
    let workspace = app.create_workspace("/src/hooked").await;

    let received = receiver.wait_for(1).await;
    assert_signed(&received[0], SECRET);
    let body = received[0].json();
    assert_eq!(body["type"], "workspace.created", "its own webhook.created is not delivered to it");
    assert_eq!(
        (body["data"]["subjectType"].as_str(), body["data"]["subjectId"].as_str()),
        (Some("workspace"), Some(workspace.as_str()))
    );
    assert_eq!(body["data"]["workspaceId"], workspace.as_str());
    assert_eq!(body["data"]["payload"]["path"], "/src/hooked");
}

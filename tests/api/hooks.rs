//! Inbound hooks: GitHub deliveries verified by their signature, deduplicated by delivery id, stored
//! in the event log and applied to pull requests; bad ones store nothing; secrets are sealed.

use hmac::{Hmac, Mac};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{TestApp, TestDb, error_code, spawn_app_on};

const SECRET: &str = "it's-a-secret-to-everybody";

/// `sha256=<hex HMAC-SHA256 of body>`, as GitHub signs.
fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Posts a GitHub delivery; returns the status and the JSON answer.
async fn deliver(app: &TestApp, org: &str, event: &str, delivery: &str, body: &Value, signature: &str) -> (u16, Value) {
    let body = body.to_string();
    let response = reqwest::Client::new()
        .post(format!("{}/hooks/github/{org}", app.address))
        .header("content-type", "application/json")
        .header("x-github-event", event)
        .header("x-github-delivery", delivery)
        .header("x-hub-signature-256", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn pull_request(app: &TestApp, id: &str) -> Value {
    app.data(
        "query($id: ID!) { project(id: $id) { pullRequests(first: 5) { nodes { number status mergedAt validationResults validationStatus } } } }",
        json!({ "id": id }),
    )
    .await["project"]["pullRequests"]["nodes"][0]
        .clone()
}

async fn github_events(app: &TestApp) -> Vec<Value> {
    app.data("{ events(filter: { source: { in: [\"github\"] } }) { nodes { type payload } } }", json!({}))
        .await["events"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn signed_github_deliveries_update_the_pull_request_once_and_bad_ones_store_nothing() {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, |_| {}).await;
    let project = app.create_project("hooked").await;
    app.data(
        "mutation($p: ID!) { createPullRequest(input: { projectId: $p, repositoryUrl: \"https://github.com/Acme/docket\", number: 7, branch: \"b\", title: \"t\", status: OPEN }) { pullRequest { id } } }",
        json!({ "p": project }),
    )
    .await;
    app.data(
        "mutation($s: String!) { setInboundWebhookSecret(input: { source: \"github\", secret: $s }) { source } }",
        json!({ "s": SECRET }),
    )
    .await;
    let merged = json!({ "action": "closed", "repository": { "full_name": "acme/docket" },
        "pull_request": { "number": 7, "merged": true, "merged_at": "2026-11-25T10:00:00Z" } });
    let body = merged.to_string();

    let (status, _) =
        deliver(&app, "default", "pull_request", "d-1", &merged, &sign("wrong secret", body.as_bytes())).await;
    assert_eq!(status, 401);
    let (status, _) = deliver(&app, "default", "pull_request", "d-1", &merged, "sha256=zz").await;
    assert_eq!(status, 401);
    assert!(github_events(&app).await.is_empty(), "a refused delivery stored nothing");
    assert_eq!(pull_request(&app, &project).await["status"], "OPEN");

    let signature = sign(SECRET, body.as_bytes());
    let (status, first) = deliver(&app, "default", "pull_request", "d-1", &merged, &signature).await;
    assert_eq!((status, &first["duplicate"]), (202, &json!(false)), "{first}");
    let pr = pull_request(&app, &project).await;
    assert_eq!((pr["status"].as_str(), pr["mergedAt"].as_str()), (Some("MERGED"), Some("2026-11-25T10:00:00+00:00")));
    let (status, again) = deliver(&app, "default", "pull_request", "d-1", &merged, &signature).await;
    assert_eq!((status, &again["duplicate"], &again["eventId"]), (202, &json!(true), &first["eventId"]));
    let stored = github_events(&app).await;
    assert_eq!(stored.len(), 1, "a repeated delivery is stored once");
    assert_eq!(stored[0]["type"], "pull_request.closed");
    let docket = app
        .data("{ events(filter: { type: { in: [\"pull_request.merged\"] } }) { nodes { source actor } } }", json!({}))
        .await;
    assert_eq!(docket["events"]["nodes"], json!([{ "source": "docket", "actor": "system:hook:github" }]));

    let check = json!({ "action": "completed", "repository": { "full_name": "acme/docket" },
        "check_run": { "name": "ci/test", "status": "completed", "conclusion": "failure",
            "html_url": "https://github.com/acme/docket/runs/1", "pull_requests": [{ "number": 7 }] } });
    let check_body = check.to_string();
    let (status, _) = deliver(&app, "default", "check_run", "d-2", &check, &sign(SECRET, check_body.as_bytes())).await;
    assert_eq!(status, 202);
    let pr = pull_request(&app, &project).await;
    assert_eq!(pr["validationResults"]["ci/test"]["conclusion"], "failure");

    let (status, _) = deliver(&app, "nowhere", "pull_request", "d-3", &merged, &signature).await;
    assert_eq!(status, 404);
    let not_json = reqwest::Client::new()
        .post(format!("{}/hooks/github/default", app.address))
        .header("x-hub-signature-256", sign(SECRET, b"[1]"))
        .body("[1]")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status().as_u16(), 400);
}

#[tokio::test]
async fn hook_secrets_are_sealed_and_need_the_servers_secrets_key() {
    let db = TestDb::new(true).await;
    let app = spawn_app_on(&db, |_| {}).await;
    app.data(
        "mutation($s: String!) { setInboundWebhookSecret(input: { source: \"github\", secret: $s }) { source } }",
        json!({ "s": SECRET }),
    )
    .await;
    let (conn, _) = db.connect().await;
    let backend = conn.get_database_backend();
    let stored = conn
        .query_one_raw(sea_orm::Statement::from_string(backend, "SELECT sealed_secret FROM inbound_hook_secrets"))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "sealed_secret")
        .unwrap();
    assert!(stored.starts_with("v1.") && !stored.contains(SECRET), "{stored}");
    let audit = app.data("{ auditLog(entityType: \"inbound_hook_secret\") { nodes { changes } } }", json!({})).await;
    assert!(!audit.to_string().contains(SECRET), "{audit}");
    let short = app
        .gql(
            "mutation { setInboundWebhookSecret(input: { source: \"github\", secret: \"short\" }) { source } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&short), "BAD_USER_INPUT");

    let keyless = spawn_app_on(&db, |c| c.secrets_key = None).await;
    let refused = keyless
        .gql(
            "mutation($s: String!) { setInboundWebhookSecret(input: { source: \"linear\", secret: $s }) { source } }",
            json!({ "s": SECRET }),
        )
        .await;
    assert_eq!(error_code(&refused), "NOT_CONFIGURED");
}

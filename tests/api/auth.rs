//! Authentication: `Authorization: Bearer <token>` over HTTP, the `connection_init` payload over
//! both websocket protocols; anonymous access only where the server allows it; a token never
//! reaches the logs.

use std::time::Duration;

use api::service::Role;
use futures_util::{SinkExt, StreamExt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

use crate::helpers::{
    Protocol, READ_TIMEOUT, TestApp, TestDb, docket, error_code, spawn_app, spawn_app_on, spawn_logged_process,
};

/// What a server answered to a websocket's `connection_init`.
#[derive(Debug, PartialEq)]
enum Init {
    /// `connection_ack`.
    Ack,
    /// The legacy protocol's `connection_error`, with its payload.
    ConnectionError(Value),
    /// The socket was closed with this code.
    Closed(Option<u16>),
}

/// Opens a websocket in `protocol` (with `upgrade_authorization` on the upgrade request, if any) and
/// sends `connection_init` with `payload`.
async fn init(app: &TestApp, protocol: Protocol, payload: Value, upgrade_authorization: Option<&str>) -> Init {
    let mut request = format!("ws://127.0.0.1:{}/graphql", app.port).into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static(protocol.name()));
    if let Some(value) = upgrade_authorization {
        request.headers_mut().insert("authorization", HeaderValue::from_str(value).unwrap());
    }
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("websocket connect");
    socket.send(Message::text(json!({ "type": "connection_init", "payload": payload }).to_string())).await.unwrap();
    loop {
        match tokio::time::timeout(READ_TIMEOUT, socket.next()).await.expect("an answer to connection_init") {
            Some(Ok(Message::Text(text))) => {
                let message: Value = serde_json::from_str(&text).unwrap();
                match message["type"].as_str() {
                    Some("connection_ack") => return Init::Ack,
                    Some("connection_error") => return Init::ConnectionError(message["payload"].clone()),
                    _ => {}
                }
            }
            Some(Ok(Message::Close(frame))) => return Init::Closed(frame.map(|f| u16::from(f.code))),
            Some(Ok(_)) => {}
            None | Some(Err(_)) => return Init::Closed(None),
        }
    }
}

/// Fails unless both websocket protocols refuse `connection_init` with `payload` as unauthorized.
async fn assert_websockets_refuse(app: &TestApp, payload: Value, case: &str) {
    assert_eq!(init(app, Protocol::TransportWs, payload.clone(), None).await, Init::Closed(Some(4401)), "{case}");
    match init(app, Protocol::LegacyWs, payload, None).await {
        Init::ConnectionError(error) => assert!(error["message"].is_string(), "{case}: {error}"),
        other => panic!("{case}: the legacy protocol answered {other:?}"),
    }
}

/// POSTs `{ viewer { role } }` with `authorization`; returns status, `WWW-Authenticate` and body.
async fn post_viewer(app: &TestApp, authorization: Option<&str>) -> (u16, Option<String>, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": "{ viewer { role } }" }));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
    (status, challenge, response.json().await.expect("a JSON body"))
}

/// Fails unless an HTTP request with `authorization` is refused: 401, a Bearer challenge and an
/// `UNAUTHENTICATED` GraphQL error that does not repeat the credentials.
async fn assert_http_refuses(app: &TestApp, authorization: Option<&str>) {
    let (status, challenge, body) = post_viewer(app, authorization).await;
    assert_eq!(status, 401, "{authorization:?}: {body}");
    assert_eq!(challenge.as_deref(), Some("Bearer"), "RFC 6750 §3");
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
    if let Some(token) = authorization.and_then(|a| a.split_whitespace().nth(1)) {
        assert!(!body.to_string().contains(token), "the error repeats the credentials: {body}");
    }
}

#[tokio::test]
async fn without_anonymous_access_every_request_needs_a_valid_token() {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, |config| config.allow_anonymous = Some(false)).await;
    assert_http_refuses(&app, None).await;
    let (status, _) = app.get("/graphql?query=%7Bviewer%7Brole%7D%7D", "application/graphql-response+json").await;
    assert_eq!(status, 401, "GET too");
    assert_websockets_refuse(&app, json!({}), "no token").await;
    // What needs no data still answers: health, and the explorer page where a token is entered.
    assert_eq!(app.get("/health/ready", "application/json").await.0, 200);
    assert_eq!(app.get("/graphql", "text/html").await.0, 200);

    let token = app.create_key(migration::DEFAULT_ORGANIZATION_ID, Role::Member, "ci").await;
    let (status, _, body) = post_viewer(&app, Some(&format!("Bearer {token}"))).await;
    assert_eq!((status, &body), (200, &json!({ "data": { "viewer": { "role": "MEMBER" } } })));
    let (status, _, _) = post_viewer(&app, Some(&format!("bearer {token}"))).await;
    assert_eq!(status, 200, "the scheme in any case (RFC 7235 §2.1)");
    for protocol in [Protocol::TransportWs, Protocol::LegacyWs] {
        for key in ["Authorization", "authorization"] {
            let payload = json!({ key: format!("Bearer {token}") });
            assert_eq!(init(&app, protocol, payload, None).await, Init::Ack, "{protocol:?} with {key}");
        }
        let upgrade = format!("Bearer {token}");
        assert_eq!(
            init(&app, protocol, json!({}), Some(&upgrade)).await,
            Init::Ack,
            "{protocol:?}: the upgrade's header"
        );
    }
    // A client with the token sees and subscribes as its key.
    let client = app.with_token(&token);
    let (session, _) = client.start_session(&["a.rs"]).await;
    let mut events = client.subscribe_events(Protocol::TransportWs, &session, Some(0)).await;
    assert_eq!(events.next_event().await.1, "session.started");
}

#[tokio::test]
async fn malformed_unknown_revoked_and_expired_tokens_are_refused_even_where_anonymous_access_is_allowed() {
    let (app, _db) = spawn_app().await;
    assert_eq!(post_viewer(&app, None).await.0, 200, "loopback: anonymous access is on by default");
    let default = migration::DEFAULT_ORGANIZATION_ID;
    let revoked = app.create_key(default, Role::Admin, "revoked").await;
    let admin = app.with_token(&app.create_key(default, Role::Admin, "admin").await);
    let id = admin.data("{ organization { apiKeys { nodes { id name } } } }", json!({})).await["organization"]["apiKeys"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "revoked")
        .unwrap()["id"]
        .clone();
    admin
        .data("mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } } }", json!({ "id": id }))
        .await;

    let expired = app.create_key(default, Role::Admin, "expired").await;
    entity::api_key::Entity::update_many()
        .col_expr(entity::api_key::Column::ExpiresAt, Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)))
        .filter(entity::api_key::Column::Name.eq("expired"))
        .exec(&app.db)
        .await
        .unwrap();
    let past = admin
        .gql("mutation { createApiKey(input: { name: \"x\", role: VIEWER, expiresAt: \"2020-01-01T00:00:00Z\" }) { token } }", json!({}))
        .await;
    assert_eq!(error_code(&past), "BAD_USER_INPUT", "a key cannot be born expired");

    let unknown = format!("dkt_{}", "A".repeat(43));
    let wrong_secret = format!("{}{}", &revoked[..12], "B".repeat(revoked.len() - 12));
    let cases = [
        ("another scheme", "Basic dXNlcjpwYXNz".to_owned()),
        ("no token", "Bearer".to_owned()),
        ("not a Docket token", "Bearer abc.def.ghi".to_owned()),
        ("unknown", format!("Bearer {unknown}")),
        ("a known prefix with another secret", format!("Bearer {wrong_secret}")),
        ("revoked", format!("Bearer {revoked}")),
        ("expired", format!("Bearer {expired}")),
    ];
    for (case, authorization) in &cases {
        assert_http_refuses(&app, Some(authorization)).await;
        assert_websockets_refuse(&app, json!({ "Authorization": authorization }), case).await;
    }
    // Nothing was written by the refused requests (the audit log has the two keys and one revocation).
    let audit = admin.data("{ auditLog { totalCount } }", json!({})).await;
    assert_eq!(audit["auditLog"]["totalCount"], 4, "{audit}");
}

/// Starts `docket` on `host` with `env`, waits until it says which mode it runs in, and returns the
/// status of an anonymous request and the log line.
async fn anonymous_mode(db: &TestDb, host: &str, flags: &[&str], env: &[(&str, &str)]) -> (u16, String) {
    let (app, log) = spawn_logged_process(db, host, flags, env).await;
    let status = post_viewer(&app, None).await.0;
    let line = log.text().lines().find(|l| l.contains("allow_anonymous")).map(str::to_owned);
    (status, line.unwrap_or_else(|| panic!("no line about anonymous access in {}", log.text())))
}

#[tokio::test]
async fn anonymous_access_is_on_for_loopback_off_for_a_network_and_the_flag_decides() {
    let db = TestDb::new(true).await;
    let info = [("RUST_LOG", "info")];
    let (status, line) = anonymous_mode(&db, "127.0.0.1", &[], &info).await;
    assert_eq!(status, 200);
    assert!(line.contains("allow_anonymous=true"), "{line}");
    let (status, line) = anonymous_mode(&db, "0.0.0.0", &[], &info).await;
    assert_eq!(status, 401, "a server on a network serves no anonymous requests by default");
    assert!(line.contains("allow_anonymous=false") && line.contains("needs a bearer token"), "{line}");
    let (status, _) = anonymous_mode(&db, "0.0.0.0", &["--allow-anonymous"], &info).await;
    assert_eq!(status, 200);
    let (status, _) = anonymous_mode(&db, "127.0.0.1", &["--allow-anonymous=false"], &info).await;
    assert_eq!(status, 401);
    let (status, _) =
        anonymous_mode(&db, "127.0.0.1", &[], &[("RUST_LOG", "info"), ("DOCKET_ALLOW_ANONYMOUS", "false")]).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_token_never_reaches_the_logs() {
    let db = TestDb::new(true).await;
    let created: Value =
        serde_json::from_str(&docket(&db, &["key", "create", "--org", "default", "--role", "owner", "--json"]))
            .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    let (app, log) = spawn_logged_process(
        &db,
        "127.0.0.1",
        &["--allow-anonymous=false"],
        &[("RUST_LOG", "trace,tungstenite=trace"), ("LOG_FORMAT", "json")],
    )
    .await;
    let client = app.with_token(&token);

    // Every way a token arrives: a header on POST and GET, a websocket's payload and upgrade header,
    // a key created and revoked, and tokens that are refused.
    let fresh = client
        .data("mutation { createApiKey(input: { name: \"agent\", role: MEMBER }) { token apiKey { id } } }", json!({}))
        .await;
    let second = fresh["createApiKey"]["token"].as_str().unwrap().to_owned();
    client.create_project("apollo").await;
    assert_eq!(client.get("/graphql?query=%7Bviewer%7Brole%7D%7D", "application/json").await.0, 200);
    assert_eq!(
        init(&app, Protocol::TransportWs, json!({ "Authorization": format!("Bearer {token}") }), None).await,
        Init::Ack
    );
    assert_eq!(init(&app, Protocol::LegacyWs, json!({}), Some(&format!("Bearer {second}"))).await, Init::Ack);
    client
        .data(
            "mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }",
            json!({ "id": fresh["createApiKey"]["apiKey"]["id"] }),
        )
        .await;
    assert_http_refuses(&app, Some(&format!("Bearer {second}"))).await;
    let unknown = format!("dkt_{}", "Z".repeat(43));
    assert_http_refuses(&app, Some(&format!("Bearer {unknown}"))).await;
    assert_websockets_refuse(&app, json!({ "authorization": format!("Bearer {unknown}") }), "unknown").await;

    // The log is written as the server goes: wait until it stops growing.
    let mut text = log.text();
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = log.text();
        if now.len() == text.len() {
            break;
        }
        text = now;
    }
    assert!(text.lines().count() > 20, "the trace log is there: {text}");
    for secret in [&token, &second, &unknown] {
        // The part after the public prefix is the secret; no line carries it.
        let hidden = &secret[12..];
        let line = text.lines().find(|line| line.contains(hidden));
        assert!(line.is_none(), "a token reached the log: {line:?}");
    }
}

//! GraphQL over HTTP as clients other than our own send it: response types by `Accept`, status codes
//! by the spec's rules, no cross-site writes (media types, origins, websockets), CORS on request,
//! the request timeout. The full graphql-http audit runs in `tests/api/explorer.rs`.

use reqwest::header::{CONTENT_TYPE, ORIGIN};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue};

use crate::helpers::{TestApp, TestDb, error_code, spawn_app, spawn_app_on, urlencode};

const CREATE: &str =
    r#"{"query":"mutation { createWorkspace(input: { name: \"x\", path: \"/cross-site\" }) { workspace { id } } }"}"#;

/// POSTs `body` with `headers`; returns status, content type and body.
async fn post(app: &TestApp, headers: &[(&str, &str)], body: &str) -> (u16, String, String) {
    let mut request = reqwest::Client::new().post(format!("{}/graphql", app.address)).body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request");
    let content_type = response.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (response.status().as_u16(), content_type, response.text().await.unwrap())
}

async fn workspace_count(app: &TestApp) -> i64 {
    app.data("{ workspaces { totalCount } }", json!({})).await["workspaces"]["totalCount"].as_i64().unwrap()
}

#[tokio::test]
async fn the_response_type_follows_accept() {
    let (app, _db) = spawn_app().await;
    let query = r#"{"query":"{ __typename }"}"#;
    for (accept, expected) in [
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (Some("application/json"), "application/json"),
        (Some("application/graphql-response+json"), "application/graphql-response+json"),
        (Some("application/graphql-response+json, application/json;q=0.9"), "application/graphql-response+json"),
    ] {
        let mut headers = vec![("content-type", "application/json")];
        headers.extend(accept.map(|a| ("accept", a)));
        let (status, content_type, body) = post(&app, &headers, query).await;
        assert_eq!(status, 200, "{accept:?}: {body}");
        assert!(content_type.starts_with(expected), "{accept:?} got {content_type}");
        assert!(content_type.contains("charset=utf-8"), "{content_type}");
    }
    let (status, _, body) = post(&app, &[("content-type", "application/json"), ("accept", "text/csv")], query).await;
    assert_eq!(status, 406, "{body}");
}

#[tokio::test]
async fn request_errors_are_400_without_data_for_graphql_response_json_and_200_for_json() {
    let (app, _db) = spawn_app().await;
    let cases = [
        (r#"{"query":"{"}"#, "GRAPHQL_PARSE_FAILED"),
        (r#"{"query":"{ noSuchField }"}"#, "GRAPHQL_VALIDATION_FAILED"),
        (r#"{"query":"query($id: ID!) { workspace(id: $id) { id } }","variables":{"id":null}}"#, ""),
        (r#"{"query":"query A { __typename } query B { __typename }","operationName":"C"}"#, ""),
    ];
    for (body, code) in cases {
        let modern = [("content-type", "application/json"), ("accept", "application/graphql-response+json")];
        let (status, _, text) = post(&app, &modern, body).await;
        let answer: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(status, 400, "{body}: {text}");
        assert!(answer.get("data").is_none(), "a request error has no data entry: {text}");
        if !code.is_empty() {
            assert_eq!(error_code(&answer), code);
        }
        let legacy = [("content-type", "application/json"), ("accept", "application/json")];
        let (status, _, text) = post(&app, &legacy, body).await;
        assert_eq!(status, 200, "{body}: {text}");
        assert!(serde_json::from_str::<Value>(&text).unwrap()["errors"].is_array());
    }
    // A field error during execution keeps the data entry, so it is a 200 in both types.
    let modern = [("content-type", "application/json"), ("accept", "application/graphql-response+json")];
    let (status, _, text) = post(&app, &modern, r#"{"query":"{ workspace(id: \"nope\") { id } }"}"#).await;
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert!(answer.get("data").is_some(), "{text}");
    assert_eq!(error_code(&answer), "BAD_USER_INPUT");
}

#[tokio::test]
async fn malformed_bodies_are_400_with_a_code() {
    let (app, _db) = spawn_app().await;
    for body in [
        "",
        "{ \"not a JSON",
        r#"{"qeury":"{ __typename }"}"#,
        r#"{"query":42}"#,
        r#"{"query":"{ a }","variables":"x"}"#,
        "[]",
    ] {
        let (status, _, text) = post(&app, &[("content-type", "application/json")], body).await;
        assert_eq!(status, 400, "{body:?}: {text}");
        assert_eq!(error_code(&serde_json::from_str(&text).unwrap()), "BAD_REQUEST", "{body:?}");
    }
}

#[tokio::test]
async fn bodies_a_browser_sends_cross_site_without_preflight_are_refused_and_write_nothing() {
    let (app, _db) = spawn_app().await;
    let form =
        format!("query={}", urlencode(serde_json::from_str::<Value>(CREATE).unwrap()["query"].as_str().unwrap()));
    let refused = [
        (Some("text/plain"), CREATE.to_owned()),
        (Some("text/plain;charset=UTF-8"), CREATE.to_owned()),
        (Some("application/x-www-form-urlencoded"), form.clone()),
        (
            Some("multipart/form-data; boundary=X"),
            format!("--X\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{CREATE}\r\n--X--\r\n"),
        ),
        (None, CREATE.to_owned()),
    ];
    for (content_type, body) in refused {
        let headers: Vec<(&str, &str)> = content_type.iter().map(|c| ("content-type", *c)).collect();
        let (status, _, text) = post(&app, &headers, &body).await;
        assert_eq!(status, 415, "{content_type:?}: {text}");
        assert_eq!(error_code(&serde_json::from_str(&text).unwrap()), "BAD_REQUEST");
    }
    assert_eq!(workspace_count(&app).await, 0, "nothing was written");
    // GET never runs a mutation.
    let (status, _) =
        app.get(&format!("/graphql?query={}", urlencode("mutation { expireSessions }")), "application/json").await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn pages_of_other_origins_cannot_write_or_open_websockets_unless_listed() {
    let (app, _db) = spawn_app().await;
    let json_body = [("content-type", "application/json"), ("origin", "http://evil.example")];
    let (status, _, text) = post(&app, &json_body, CREATE).await;
    assert_eq!(status, 403, "{text}");
    assert_eq!(error_code(&serde_json::from_str(&text).unwrap()), "FORBIDDEN");
    assert_eq!(workspace_count(&app).await, 0);
    assert_eq!(websocket_status(&app, Some("http://evil.example")).await, 403);

    let own = format!("http://127.0.0.1:{}", app.port);
    let (status, _, text) = post(&app, &[("content-type", "application/json"), ("origin", &own)], CREATE).await;
    assert_eq!(status, 200, "the server's own pages (GraphiQL) may write: {text}");
    assert_eq!(websocket_status(&app, Some(&own)).await, 101);
    assert_eq!(websocket_status(&app, None).await, 101, "clients that are not browsers send no Origin");

    // No CORS headers by default: a browser keeps other pages from reading answers.
    let preflight = preflight(&app, "http://evil.example").await;
    assert!(preflight.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn listed_origins_get_cors_and_may_call_the_api() {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, |c| c.cors_origins = vec!["https://dash.example".into()]).await;
    let response = preflight(&app, "https://dash.example").await;
    assert_eq!(response.headers()["access-control-allow-origin"], "https://dash.example");
    let allowed = response.headers()["access-control-allow-headers"].to_str().unwrap().to_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"), "{allowed}");
    let (status, _, _) =
        post(&app, &[("content-type", "application/json"), ("origin", "https://dash.example")], CREATE).await;
    assert_eq!(status, 200);
    assert_eq!(websocket_status(&app, Some("https://dash.example")).await, 101);
    assert!(preflight(&app, "https://other.example").await.headers().get("access-control-allow-origin").is_none());
    assert_eq!(websocket_status(&app, Some("https://other.example")).await, 403);
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
        .header(ORIGIN, origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type, authorization")
        .send()
        .await
        .unwrap()
}

/// The status of a websocket upgrade to `/graphql` from a page at `origin` (101 when accepted).
async fn websocket_status(app: &TestApp, origin: Option<&str>) -> u16 {
    let mut request = format!("ws://127.0.0.1:{}/graphql", app.port).into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
    if let Some(origin) = origin {
        request.headers_mut().insert("origin", HeaderValue::from_str(origin).unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((mut socket, response)) => {
            let _ = socket.close(None).await;
            response.status().as_u16()
        }
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("websocket: {other}"),
    }
}

#[tokio::test]
async fn a_request_over_the_timeout_is_answered_504_and_the_server_carries_on() {
    use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, |c| c.request_timeout_secs = 1).await;
    // Hold what the write needs: SQLite's one write connection, or on PostgreSQL a lock on the table.
    let blocker = app.db.begin().await.unwrap();
    if app.db.get_database_backend() == DbBackend::Postgres {
        blocker.execute_unprepared("LOCK TABLE workspaces IN ACCESS EXCLUSIVE MODE").await.unwrap();
    }
    let started = std::time::Instant::now();
    let write =
        r#"{"query":"mutation { createWorkspace(input: { name: \"w\", path: \"/w\" }) { workspace { id } } }"}"#;
    let (status, _, text) = post(&app, &[("content-type", "application/json")], write).await;
    assert_eq!(status, 504, "{text}");
    assert_eq!(error_code(&serde_json::from_str(&text).unwrap()), "TIMEOUT");
    assert!(started.elapsed() < std::time::Duration::from_secs(8), "answered at the timeout, not the pool's");
    blocker.rollback().await.unwrap();
    assert_eq!(workspace_count(&app).await, 0);
}

#[tokio::test]
async fn the_access_log_has_a_line_per_request_with_the_operation_name() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let db = TestDb::new(true).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", crate::helpers::process_database_url(&db))
        .env_remove("RUST_LOG")
        .env_remove("LOG_FORMAT")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start docket");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/graphql");
    for _ in 0..400 {
        let query = json!({ "query": "query CountThem { workspaces { totalCount } }" });
        if client.post(&url).json(&query).send().await.is_ok_and(|r| r.status() == 200) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let line = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("operation=CountThem") {
                return line;
            }
        }
        panic!("the log ended")
    })
    .await
    .expect("an access log line for the operation");
    for part in ["INFO", "method=POST", "matched_path=/graphql", "status=200", "duration_ms=", "sql_statements="] {
        assert!(line.contains(part), "{part} missing from {line}");
    }
}

#[tokio::test]
async fn a_browser_opening_a_shared_query_link_gets_graphiql_and_a_client_gets_the_answer() {
    let (app, _db) = spawn_app().await;
    let link = "/graphql?query=%7B%20__typename%20%7D";
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let (status, page) = app.get(link, browser).await;
    assert_eq!(status, 200);
    assert!(page.contains("<div id=\"graphiql\">") && page.contains("URLSearchParams"), "{page}");
    for accept in ["application/json", "*/*", "application/graphql-response+json"] {
        let (status, body) = app.get(link, accept).await;
        assert_eq!(status, 200, "{accept}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["data"]["__typename"], "Query", "{accept}");
    }
}

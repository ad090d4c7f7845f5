//! The explorers in a real browser, and the GraphQL over HTTP audit, against real servers.
//!
//! Both run Node scripts from `tests/browser/` (pinned npm packages: `npm ci --prefix tests/browser`)
//! and Debian's Chromium (`/usr/bin/chromium`, or `CHROMIUM`); `.ci/run` installs both. They fail,
//! never skip, when those are missing.

use std::{path::PathBuf, process::Stdio};

use serde_json::json;

use crate::helpers::{TestDb, docket, spawn_app, spawn_process, spawn_process_with};

fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Runs `node tests/browser/{script} {args}`; returns its output, failing the test when it fails.
async fn node(script: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let dir = browser_dir();
    assert!(
        dir.join("node_modules").is_dir(),
        "tests/browser/node_modules is missing: run `npm ci --prefix tests/browser` (and install chromium)"
    );
    let output = tokio::process::Command::new("node")
        .arg(dir.join(script))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(180), output)
        .await
        .expect("the script finishes within 3 minutes")
        .expect("node runs (install Node.js)");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{script} failed:\n{text}");
    text
}

#[tokio::test]
#[ignore = "needs Node.js, Chromium and `npm ci --prefix tests/browser`: run with `cargo test -- --include-ignored` (CI does)"]
async fn graphiql_and_playground_work_offline_in_chromium() {
    let db = TestDb::new(true).await;
    let app = spawn_process(&db).await;
    let shots = std::env::temp_dir().join(format!("docket-explorer-{}", uuid::Uuid::new_v4().simple()));
    let shots_dir = shots.to_string_lossy().into_owned();
    let output = node("explorer.mjs", &[&app.address], &[("SCREENSHOT_DIR", &shots_dir)]).await;
    println!("{output}");
    for step in [
        "mutation ran; audited on behalf of: \"graphiql-browser-test\"",
        "query answered in the page",
        "subscription delivered the event appended meanwhile",
        "connection_init carried the headers",
        "query answered in Playground",
    ] {
        assert!(output.contains(step), "missing step `{step}` in:\n{output}");
    }
    for shot in ["graphiql.png", "playground.png"] {
        let bytes = std::fs::metadata(shots.join(shot)).map(|m| m.len()).unwrap_or(0);
        assert!(bytes > 10_000, "{shot} was not taken");
    }
    let _ = std::fs::remove_dir_all(shots);
}

#[tokio::test]
#[ignore = "needs Node.js, Chromium and `npm ci --prefix tests/browser`: run with `cargo test -- --include-ignored` (CI does)"]
async fn graphiql_with_a_token_in_its_headers_tab_works_in_that_organization_only() {
    let db = TestDb::new(true).await;
    docket(&db, &["org", "create", "acme"]);
    let key: serde_json::Value =
        serde_json::from_str(&docket(&db, &["key", "create", "--org", "acme", "--role", "member", "--json"])).unwrap();
    let token = key["token"].as_str().unwrap();
    let other = docket(&db, &["key", "create", "--org", "default", "--role", "owner"]).trim().to_owned();
    let app = spawn_process_with(&db, &["--allow-anonymous=false"]).await;
    let outsider = app.with_token(&other);
    outsider.create_workspace("/elsewhere/other-organization-secret").await;

    let shots = std::env::temp_dir().join(format!("docket-explorer-{}", uuid::Uuid::new_v4().simple()));
    let env = [
        ("DOCKET_TOKEN", token),
        ("HIDDEN", "other-organization-secret"),
        ("ONLY", "graphiql"),
        ("SCREENSHOT_DIR", &shots.to_string_lossy()),
    ];
    let output = node("explorer.mjs", &[&app.address], &env).await;
    println!("{output}");
    for step in [
        "schema re-fetched with the token",
        "query answered in the page",
        "subscription delivered the event appended meanwhile",
        "connection_init carried the headers",
        "GraphiQL works with nothing from another host",
    ] {
        assert!(output.contains(step), "missing step `{step}` in:\n{output}");
    }
    assert!(!output.contains(token), "the script prints no token");
    let _ = std::fs::remove_dir_all(shots);

    // What GraphiQL wrote is acme's, audited as its key; the other organization sees none of it.
    let acme = app.with_token(token);
    let written = acme
        .data(
            "{ workspaces { nodes { name } } auditLog(entityType: \"workspace\") { nodes { principal onBehalfOf } } }",
            json!({}),
        )
        .await;
    assert!(
        written["workspaces"]["nodes"].as_array().unwrap().iter().any(|w| w["name"] == "from GraphiQL"),
        "{written}"
    );
    let audited = &written["auditLog"]["nodes"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        audited,
        &json!({ "principal": format!("api_key:{}", key["id"].as_str().unwrap()), "onBehalfOf": "graphiql-browser-test" })
    );
    let seen = outsider.data("{ workspaces { nodes { path } } }", json!({})).await;
    assert_eq!(seen, json!({ "workspaces": { "nodes": [{ "path": "/elsewhere/other-organization-secret" }] } }));
}

#[tokio::test]
#[ignore = "needs Node.js, Chromium and `npm ci --prefix tests/browser`: run with `cargo test -- --include-ignored` (CI does)"]
async fn the_graphql_over_http_audit_passes_every_must_and_should() {
    let (app, _db) = spawn_app().await;
    let output = node("http-audit.mjs", &[&format!("{}/graphql", app.address)], &[]).await;
    println!("{output}");
    for level in ["MUST", "SHOULD"] {
        let line = output.lines().find(|l| l.contains(&format!("audit: {level} "))).expect("a tally line");
        let (ok, of) = line.rsplit(' ').next().unwrap().split_once('/').unwrap();
        assert_eq!(ok, of, "{line}");
        assert!(of.parse::<u32>().unwrap() >= 13, "{line}");
    }
}

#[tokio::test]
async fn explorer_assets_are_served_from_the_binary_with_long_lived_caching() {
    let (app, _db) = spawn_app().await;
    let client = reqwest::Client::new();
    let page = client.get(format!("{}/graphql", app.address)).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let html = page.text().await.unwrap();
    let assets: Vec<&str> = html.split('"').filter(|part| part.starts_with("/assets/")).collect();
    assert!(assets.len() >= 5, "{html}");
    for asset in assets {
        let response = client.get(format!("{}{asset}", app.address)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable", "{asset}");
        assert!(!response.bytes().await.unwrap().is_empty(), "{asset}");
    }
    let missing = client.get(format!("{}/assets/nope.js", app.address)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    // A query in the URL opens GraphiQL for whoever prefers HTML (a shared link), and runs for a client
    // that prefers JSON.
    let (status, body) = app.get("/graphql?query=%7B__typename%7D", "text/html,application/json;q=0.9").await;
    assert_eq!(status, 200);
    assert!(body.contains("<div id=\"graphiql\">"), "{body}");
    let (status, body) = app.get("/graphql?query=%7B__typename%7D", "application/json,text/html;q=0.9").await;
    assert_eq!(
        (status, serde_json::from_str::<serde_json::Value>(&body).unwrap()),
        (200, json!({ "data": { "__typename": "Query" } }))
    );
}

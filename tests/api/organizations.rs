//! Organizations and keys from the command line, as a new team sets Docket up: `docket org create`,
//! `docket key create`, a server without anonymous access, each key seeing its own organization
//! only, `import`/`export --org`, and a revoked key refused at once.

use serde_json::{Value, json};

use crate::helpers::{Protocol, TestDb, docket, docket_fails, spawn_logged_process};

fn json_of(output: &str) -> Value {
    serde_json::from_str(output).unwrap_or_else(|err| panic!("{err}: {output}"))
}

#[tokio::test]
async fn a_team_sets_up_its_organization_and_keys_from_the_command_line() {
    let db = TestDb::new(true).await;
    let acme = json_of(&docket(&db, &["org", "create", "Acme Corp", "--json"]));
    assert_eq!((acme["name"].as_str(), acme["slug"].as_str()), (Some("Acme Corp"), Some("acme-corp")));
    assert!(docket_fails(&db, &["org", "create", "Acme Corp"]).contains("already exists"), "names are unique");
    let listed = json_of(&docket(&db, &["org", "list", "--json"]));
    let names: Vec<&str> = listed.as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["default", "Acme Corp"]);

    let key = json_of(&docket(
        &db,
        &["key", "create", "--org", "acme-corp", "--role", "member", "--name", "agent", "--json"],
    ));
    assert_eq!((key["role"].as_str(), key["organization"].as_str()), (Some("member"), Some("Acme Corp")));
    let token = key["token"].as_str().unwrap().to_owned();
    let plain = docket(&db, &["key", "create", "--org", "default", "--role", "owner"]);
    let other = plain.trim().to_owned();
    assert!(other.starts_with("dkt_") && !other.contains(' '), "without --json, the token alone on stdout: {plain}");
    let listing = docket(&db, &["key", "list", "--org", "Acme Corp"]);
    assert!(
        listing.contains(&token[..12]) && listing.contains("agent") && !listing.contains(&token[12..]),
        "{listing}"
    );
    assert!(docket_fails(&db, &["key", "create", "--org", "nobody", "--role", "member"]).contains("no organization"));

    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/scrumpoker.legacy.tasks.json");
    let imported = docket(&db, &["import", file.to_str().unwrap(), "--project", "poker", "--org", "acme-corp"]);
    assert!(imported.contains("46 created"), "{imported}");
    let exported = json_of(&docket(&db, &["export", "--project", "poker", "--org", "acme-corp"]));
    assert_eq!(exported["master"]["tasks"].as_array().unwrap().len(), 10);
    assert!(docket_fails(&db, &["export", "--project", "poker"]).contains("poker"), "not in `default`");

    let (app, _log) = spawn_logged_process(&db, "127.0.0.1", &["--allow-anonymous=false"], &[]).await;
    assert_eq!(
        app.gql("{ projects { totalCount } }", json!({})).await["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    let member = app.with_token(&token);
    let outsider = app.with_token(&other);
    let projects =
        member.data("{ viewer { role organization { name } } projects { nodes { name } } }", json!({})).await;
    assert_eq!(
        projects,
        json!({ "viewer": { "role": "MEMBER", "organization": { "name": "Acme Corp" } }, "projects": { "nodes": [{ "name": "poker" }] } })
    );
    assert_eq!(outsider.data("{ projects { totalCount } }", json!({})).await["projects"]["totalCount"], 0);

    // A subscription started with acme's token receives acme's events.
    let (session, _) = member.start_session(&["src/lib.rs"]).await;
    let mut events = member.subscribe_events(Protocol::LegacyWs, &session, None).await;
    member.append_event(&session, "doc_written").await;
    assert_eq!(events.next_event().await.1, "session.started", "replayed from the start");
    assert_eq!(events.next_event().await.1, "doc_written");

    docket(&db, &["key", "revoke", key["id"].as_str().unwrap()]);
    let refused = member.gql("{ projects { totalCount } }", json!({})).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "revoked on the running server at once");
    let listing = docket(&db, &["key", "list", "--org", "acme-corp", "--json"]);
    assert!(json_of(&listing)[0]["revokedAt"].is_string(), "{listing}");
}

//! Pages of leaves answered in one pass give exactly what field-by-field resolution gives. For every
//! node type with plain fields, every scalar or enum field without arguments (read from the schema, so
//! a new field is covered) is asked alone, with the page's `edges`, `pageInfo`, `totalCount` and
//! `__typename` around it, once as is (one pass, when the type maps the field) and once with
//! `@include(if: true)` on it, which sends the page down async-graphql's ordinary path; the answers
//! must be equal. The server's counter of one-pass pages shows which path each took.
//!
//! A page (of a root list or under a parent) reads from the database only the columns its nodes' fields read (the others
//! hold their type's default): each field asked alone must answer what it answers when every field is
//! asked, and a page reached by two paths with different selections answers both in full.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// (node type, the connection field that lists it, with its arguments, and a field of the node that
/// is not plain, which makes its page read whole rows: none where the type has no such field).
const PAGES: &[(&str, &str, &str)] = &[
    ("Workspace", "workspaces(first: 10)", "project { id }"),
    ("SessionTodo", "documentationSession(id: $session) { todos(first: 10)", "session { id }"),
    ("SessionEvent", "documentationSession(id: $session) { events(first: 20)", ""),
    ("PullRequest", "project(id: $project) { pullRequests(first: 10)", "tasks(first: 1) { totalCount }"),
    ("DocumentationSession", "workspaceByPath(path: \"/leaf/repo\") { sessions(first: 10)", "workspace { id }"),
    ("Event", "events(first: 50)", ""),
    ("AuditEntry", "auditLog(first: 50)", ""),
];

/// The scalar and enum fields of `type_name` that take no arguments.
async fn plain_candidates(app: &TestApp, type_name: &str) -> Vec<String> {
    let schema = app
        .data(
            "query($t: String!) { __type(name: $t) { fields { name args { name } type { kind ofType { kind ofType { kind } } } } } }",
            json!({ "t": type_name }),
        )
        .await;
    let mut names = Vec::new();
    for field in schema["__type"]["fields"].as_array().unwrap() {
        let mut kind = &field["type"];
        while kind["kind"] == "NON_NULL" || kind["kind"] == "LIST" {
            kind = &kind["ofType"];
        }
        if field["args"].as_array().unwrap().is_empty() && matches!(kind["kind"].as_str(), Some("SCALAR" | "ENUM")) {
            names.push(field["name"].as_str().unwrap().to_owned());
        }
    }
    names
}

/// The operation asking `selection` of `page`'s nodes, with everything a page has around them.
fn operation(page: &str, selection: &str) -> String {
    let close = if page.contains('{') { "}" } else { "" };
    let variables = if page.contains("$session") && page.contains("$project") {
        "($session: ID!, $project: ID!)"
    } else if page.contains("$session") {
        "($session: ID!)"
    } else if page.contains("$project") {
        "($project: ID!)"
    } else {
        ""
    };
    format!(
        "query{variables} {{ {page} {{ __typename totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
           nodes {{ __typename {selection} }} edges {{ cursor node {{ {selection} }} }} }} {close} }}"
    )
}

/// A session whose todos and events have every optional field set somewhere.
async fn varied_session(app: &TestApp) -> String {
    let workspace = app.create_workspace("/leaf/repo").await;
    app.data(
        "mutation($id: ID!) { updateWorkspace(input: { id: $id, config: { depth: 2, tags: [\"a\"] } }) { workspace { id } } }",
        json!({ "id": workspace }),
    )
    .await;
    let (session, todos) = app.start_session_in(&workspace, &["a.rs", "b.rs", "c.rs", "d.rs"]).await;
    app.data(
        "mutation($id: ID!) { updateSessionTodo(input: { id: $id, priority: 3, metadata: { owner: \"x\", n: 1.5 } }) { todo { id } } }",
        json!({ "id": todos[1] }),
    )
    .await;
    let done = app.claim(&session).await;
    app.complete(&done).await;
    let failed = app.claim(&session).await;
    app.todo_action("failTodo", failed["id"].as_str().unwrap(), failed["leaseToken"].as_str()).await;
    app.claim(&session).await; // left in progress, with a lease
    app.data(
        "mutation($s: ID!) { appendSessionEvent(input: { sessionId: $s, eventType: \"note\", eventData: { text: \"é \\\"quoted\\\"\", list: [1, null] }, error: \"boom\", metadata: { k: true } }) { event { sequence } } }",
        json!({ "s": session }),
    )
    .await;
    session
}

/// A project whose pull requests have every optional field set somewhere, and each validation status.
async fn varied_pull_requests(app: &TestApp) -> String {
    let project = app.create_project("leaf prs").await;
    for (i, fields) in [
        json!({ "number": 7, "status": "MERGED", "validationResults": { "checks": [{ "name": "ci", "status": "passed" }] } }),
        json!({ "status": "OPEN", "validationResults": { "checks": [{ "name": "ci", "status": "failed" }] } }),
        json!({ "validationResults": { "status": "pending" } }),
        json!({}),
    ]
    .into_iter()
    .enumerate()
    {
        let mut input = json!({ "projectId": project, "repositoryUrl": "https://x/r", "branch": format!("b{i}"), "title": "t \"q\"" });
        input.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
        app.data("mutation($i: CreatePullRequestInput!) { createPullRequest(input: $i) { pullRequest { id } } }", json!({ "i": input }))
            .await;
    }
    project
}

#[tokio::test]
async fn pages_of_plain_fields_answer_exactly_as_field_by_field_resolution() {
    let (app, _db) = spawn_app().await;
    let session = varied_session(&app).await;
    let project = varied_pull_requests(&app).await;
    let variables = json!({ "session": session, "project": project });
    for (type_name, page, whole_rows) in PAGES {
        let fields = plain_candidates(&app, type_name).await;
        assert!(fields.len() >= 3, "{type_name}: {fields:?}");
        let mut one_pass = 0;
        let whole = app.gql(&operation(page, &format!("{} {whole_rows}", fields.join(" "))), variables.clone()).await;
        if *type_name == "SessionEvent" {
            // No field makes the events' page read whole rows: hold it against what was written.
            let note = nodes(&whole).into_iter().find(|e| e["eventType"] == "note").expect("the note event");
            assert_eq!(note["eventData"], json!({ "text": "é \"quoted\"", "list": [1, null] }), "{note}");
            assert_eq!((&note["error"], &note["metadata"]), (&json!("boom"), &json!({ "k": true })), "{note}");
        }
        for field in fields.iter().map(String::as_str).chain(std::iter::once("all")) {
            let selection = if field == "all" { fields.join(" ") } else { field.to_owned() };
            let before = app.metric("docket_graphql_leaf_pages_total").await;
            let variables = if page.contains('$') { variables.clone() } else { json!({}) };
            let fast = app.gql(&operation(page, &selection), variables.clone()).await;
            let used_one_pass = app.metric("docket_graphql_leaf_pages_total").await > before;
            let forced = format!("{selection} __typename @include(if: true)");
            let before = app.metric("docket_graphql_leaf_pages_total").await;
            let slow = app.gql(&operation(page, &forced), variables.clone()).await;
            assert_eq!(
                app.metric("docket_graphql_leaf_pages_total").await,
                before,
                "a directive sends it the ordinary way"
            );
            assert!(fast.get("errors").is_none(), "{type_name}.{field}: {fast}");
            assert_eq!(strip_typename(&fast), strip_typename(&slow), "{type_name}.{field}: the two paths differ");
            if field != "all" {
                let (alone, with_all) = (nodes(&fast), nodes(&whole));
                assert!(!alone.is_empty(), "{type_name}: no nodes to compare");
                let with_all: Vec<&Value> = with_all.iter().map(|node| &node[field]).collect();
                let alone: Vec<&Value> = alone.iter().map(|node| &node[field]).collect();
                assert_eq!(alone, with_all, "{type_name}.{field} asked alone differs from the same field among all");
            }
            one_pass += usize::from(used_one_pass);
        }
        assert!(one_pass >= 3, "{type_name}: the one-pass path answered only {one_pass} of the questions");
    }
}

/// The nodes of the one page an answer of [`operation`] holds.
fn nodes(answer: &Value) -> Vec<Value> {
    fn find(value: &Value) -> Option<&Vec<Value>> {
        match value {
            Value::Object(map) => map.get("nodes").and_then(Value::as_array).or_else(|| map.values().find_map(find)),
            _ => None,
        }
    }
    find(&answer["data"]).cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_page_reached_by_two_paths_with_different_selections_answers_both_in_full() {
    let (app, _db) = spawn_app().await;
    let session = varied_session(&app).await;
    let full = "id filePath metadata error claimedBy leaseExpiresAt status";
    let expected = app
        .data(
            &format!(
                "query($s: ID!) {{ documentationSession(id: $s) {{ todos(first: 10) {{ nodes {{ {full} }} }} }} }}"
            ),
            json!({ "s": session }),
        )
        .await["documentationSession"]["todos"]["nodes"]
        .clone();
    assert_eq!(expected.as_array().unwrap().len(), 4);
    let todos = expected.as_array().unwrap();
    assert!(todos.iter().any(|t| t["metadata"]["owner"] == "x"), "{expected}");
    assert!(todos.iter().any(|t| t["claimedBy"].is_string() && t["leaseExpiresAt"].is_string()), "{expected}");
    // The session's page is loaded ahead at the root and again under its workspace, once reading
    // every field and once only ids, in both orders.
    for (root, nested) in [(full, "id"), ("id", full)] {
        let query = format!(
            "query($s: ID!) {{ documentationSession(id: $s) {{
                todos(first: 10) {{ nodes {{ {root} }} }}
                workspace {{ sessions(first: 10) {{ nodes {{ id filePaths todos(first: 10) {{ nodes {{ {nested} }} }} }} }} }}
            }} }}"
        );
        let data = app.data(&query, json!({ "s": session })).await;
        let at_root = &data["documentationSession"]["todos"]["nodes"];
        let sessions = data["documentationSession"]["workspace"]["sessions"]["nodes"].as_array().unwrap();
        let parent = sessions.iter().find(|s| s["id"] == session).expect("the session under its workspace");
        // Its page read the columns of `id`, `filePaths` and what `todos` reads (its id).
        assert_eq!(parent["filePaths"], json!(["a.rs", "b.rs", "c.rs", "d.rs"]));
        let under = &parent["todos"]["nodes"];
        let (rich, ids) = if root == full { (at_root, under) } else { (under, at_root) };
        assert_eq!(rich, &expected, "the page selecting every field, loaded with {root:?} at the root");
        let expected_ids: Vec<&Value> = expected.as_array().unwrap().iter().map(|t| &t["id"]).collect();
        let got_ids: Vec<&Value> = ids.as_array().unwrap().iter().map(|t| &t["id"]).collect();
        assert_eq!(got_ids, expected_ids);
    }
}

/// `slow` asks `__typename` once more in each node (the field that carries the directive): drop it
/// where it was added, i.e. the node objects' `__typename`, from both answers.
fn strip_typename(answer: &Value) -> Value {
    match answer {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, v)| {
                    !(k.as_str() == "__typename"
                        && v.as_str()
                            .is_some_and(|t| !t.ends_with("Connection") && !t.ends_with("Edge") && t != "PageInfo"))
                })
                .map(|(k, v)| (k.clone(), strip_typename(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_typename).collect()),
        other => other.clone(),
    }
}

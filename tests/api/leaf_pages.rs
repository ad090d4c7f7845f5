//! Pages of leaves answered in one pass give exactly what field-by-field resolution gives. For every
//! node type with plain fields, every scalar or enum field without arguments (read from the schema, so
//! a new field is covered) is asked alone, with the page's `edges`, `pageInfo`, `totalCount` and
//! `__typename` around it, once as is (one pass, when the type maps the field) and once with
//! `@include(if: true)` on it, which sends the page down async-graphql's ordinary path; the answers
//! must be equal. The server's counter of one-pass pages shows which path each took.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// (node type, the connection field that lists it, with its arguments).
const PAGES: &[(&str, &str)] = &[
    ("Workspace", "workspaces(first: 10)"),
    ("SessionTodo", "documentationSession(id: $session) { todos(first: 10)"),
    ("SessionEvent", "documentationSession(id: $session) { events(first: 20)"),
    ("PullRequest", "project(id: $project) { pullRequests(first: 10)"),
    ("DocumentationSession", "workspaceByPath(path: \"/leaf/repo\") { sessions(first: 10)"),
    ("Event", "events(first: 50)"),
    ("AuditEntry", "auditLog(first: 50)"),
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
    for (type_name, page) in PAGES {
        let fields = plain_candidates(&app, type_name).await;
        assert!(fields.len() >= 3, "{type_name}: {fields:?}");
        let mut one_pass = 0;
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
            one_pass += usize::from(used_one_pass);
        }
        assert!(one_pass >= 3, "{type_name}: the one-pass path answered only {one_pass} of the questions");
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

//! Projects and tasks through the API: versions, transitions, dependency rules, filters and search,
//! ready tasks, audit entries, batching.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, error_code, spawn_app, spawn_app_on};

async fn add_dependency(app: &TestApp, task: &str, depends_on: &str, kind: &str) -> Value {
    app.gql(
        "mutation($t: ID!, $d: ID!, $k: DependencyKind) { addTaskDependency(input: { taskId: $t, dependsOnId: $d, kind: $k }) { task { id } } }",
        json!({ "t": task, "d": depends_on, "k": kind }),
    )
    .await
}

#[tokio::test]
async fn projects_are_created_renamed_and_deleted_with_their_tasks() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("alpha").await;
    assert_eq!(
        error_code(
            &app.gql("mutation { createProject(input: { name: \"alpha\" }) { project { id } } }", json!({})).await
        ),
        "CONFLICT"
    );
    let renamed = app
        .data(
            "mutation($id: ID!) { updateProject(input: { id: $id, name: \"beta\", repositoryUrl: \"https://example.com/beta.git\" }) { project { name defaultBranch repositoryUrl } } }",
            json!({ "id": project }),
        )
        .await;
    assert_eq!(
        renamed["updateProject"]["project"],
        json!({ "name": "beta", "defaultBranch": "main", "repositoryUrl": "https://example.com/beta.git" })
    );
    let task = app.create_task(&project, json!({ "title": "t" })).await;
    app.data("mutation($id: ID!) { deleteProject(input: { id: $id }) { deletedId } }", json!({ "id": project })).await;
    let gone = app
        .data(
            "query($p: ID!, $t: ID!) { project(id: $p) { id } task(id: $t) { id } }",
            json!({ "p": project, "t": task }),
        )
        .await;
    assert!(gone["project"].is_null() && gone["task"].is_null());
    let list = app.data("{ projects { totalCount } }", json!({})).await;
    assert_eq!(list["projects"]["totalCount"], 0);
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_transitions_are_recorded_with_durations() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("p").await;
    let task = app.create_task(&project, json!({ "title": "Write docs", "priority": "HIGH" })).await;
    let update = "mutation($input: UpdateTaskInput!) { updateTask(input: $input) { task { version status title completedAt } } }";
    let first = app.data(update, json!({ "input": { "id": task, "version": 1, "title": "Write the docs" } })).await;
    assert_eq!(first["updateTask"]["task"]["version"], 2);
    let stale = app.gql(update, json!({ "input": { "id": task, "version": 1, "title": "Lost update" } })).await;
    assert_eq!(error_code(&stale), "CONFLICT");

    let moved = app
        .data(
            "mutation($id: ID!) { transitionTask(id: $id, status: IN_PROGRESS, note: \"picked up\") { status version } }",
            json!({ "id": task }),
        )
        .await;
    assert_eq!(moved["transitionTask"], json!({ "status": "IN_PROGRESS", "version": 3 }));
    let done = app.data(update, json!({ "input": { "id": task, "status": "DONE", "note": "shipped" } })).await;
    assert!(done["updateTask"]["task"]["completedAt"].is_string());
    let described =
        "mutation($id: ID!, $d: String) { updateTask(input: { id: $id, description: $d }) { task { description } } }";
    let set = app.data(described, json!({ "id": task, "d": "text" })).await;
    assert_eq!(set["updateTask"]["task"]["description"], "text");
    let unset = app.data(described, json!({ "id": task })).await;
    assert_eq!(unset["updateTask"]["task"]["description"], "text", "an unset variable leaves the field as it is");

    let history = app
        .data(
            "query($id: ID!) { task(id: $id) { history { nodes { fromStatus toStatus note durationMs actor } } } }",
            json!({ "id": task }),
        )
        .await;
    let nodes = history["task"]["history"]["nodes"].as_array().unwrap();
    let steps: Vec<(Value, Value, Value)> =
        nodes.iter().map(|n| (n["fromStatus"].clone(), n["toStatus"].clone(), n["note"].clone())).collect();
    assert_eq!(
        steps,
        [
            (Value::Null, json!("PENDING"), Value::Null),
            (json!("PENDING"), json!("IN_PROGRESS"), json!("picked up")),
            (json!("IN_PROGRESS"), json!("DONE"), json!("shipped")),
        ]
    );
    assert!(nodes[1]["durationMs"].as_i64().unwrap() >= 0);
    assert_eq!(nodes[2]["actor"], "anonymous", "the authenticated principal (anonymous on a loopback server)");
}

#[tokio::test]
async fn blocks_dependencies_refuse_cycles_and_name_the_tasks() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("p").await;
    let [a, b, c] = [
        app.create_task(&project, json!({ "title": "a", "externalId": "1" })).await,
        app.create_task(&project, json!({ "title": "b", "externalId": "2" })).await,
        app.create_task(&project, json!({ "title": "c", "externalId": "3" })).await,
    ];
    assert!(add_dependency(&app, &b, &a, "BLOCKS").await.get("errors").is_none());
    assert!(add_dependency(&app, &c, &b, "BLOCKS").await.get("errors").is_none());
    let cycle = add_dependency(&app, &a, &c, "BLOCKS").await;
    assert_eq!(error_code(&cycle), "BAD_USER_INPUT");
    let message = cycle["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("#1") && message.contains("#2") && message.contains("#3"), "{message}");
    // Only `blocks` edges are kept acyclic.
    assert!(add_dependency(&app, &a, &c, "RELATED").await.get("errors").is_none());
    assert_eq!(error_code(&add_dependency(&app, &a, &a, "BLOCKS").await), "BAD_USER_INPUT");
    let other = app.create_project("other").await;
    let foreign = app.create_task(&other, json!({ "title": "x" })).await;
    assert_eq!(error_code(&add_dependency(&app, &a, &foreign, "BLOCKS").await), "BAD_USER_INPUT");

    let blockers = "query($id: ID!) { task(id: $id) { blockedBy { nodes { title } } dependents { nodes { title } } } }";
    let data = app.data(blockers, json!({ "id": c })).await;
    assert_eq!(data["task"]["blockedBy"]["nodes"], json!([{ "title": "b" }]));
    app.data("mutation($id: ID!) { transitionTask(id: $id, status: DONE) { status } }", json!({ "id": b })).await;
    assert_eq!(app.data(blockers, json!({ "id": c })).await["task"]["blockedBy"]["nodes"], json!([]));

    let removed = app
        .gql(
            "mutation($t: ID!, $d: ID!) { removeTaskDependency(input: { taskId: $t, dependsOnId: $d }) { task { id } } }",
            json!({ "t": c, "d": b }),
        )
        .await;
    assert!(removed.get("errors").is_none(), "{removed}");
    let again = app
        .gql(
            "mutation($t: ID!, $d: ID!) { removeTaskDependency(input: { taskId: $t, dependsOnId: $d }) { task { id } } }",
            json!({ "t": c, "d": b }),
        )
        .await;
    assert_eq!(error_code(&again), "NOT_FOUND");
}

#[tokio::test]
async fn ready_tasks_are_unblocked_pending_tasks_most_urgent_first_page_by_page() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("p").await;
    let low = app.create_task(&project, json!({ "title": "low", "priority": "LOW" })).await;
    let critical = app.create_task(&project, json!({ "title": "critical", "priority": "CRITICAL" })).await;
    let medium = app.create_task(&project, json!({ "title": "medium" })).await;
    let blocked = app.create_task(&project, json!({ "title": "blocked", "priority": "CRITICAL" })).await;
    app.create_task(&project, json!({ "title": "started", "priority": "HIGH", "status": "IN_PROGRESS" })).await;
    app.create_task(&project, json!({ "title": "other tag", "tag": "feature" })).await;
    add_dependency(&app, &blocked, &low, "BLOCKS").await;
    add_dependency(&app, &medium, &low, "SUGGESTS").await;

    let ready =
        "query($p: ID!, $after: String) { project(id: $p) { readyTasks(tag: \"master\", first: 2, after: $after) {
        nodes { title } pageInfo { hasNextPage endCursor } } } }";
    let first = app.data(ready, json!({ "p": project })).await;
    let page = &first["project"]["readyTasks"];
    assert_eq!(page["nodes"], json!([{ "title": "critical" }, { "title": "medium" }]));
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let second = app.data(ready, json!({ "p": project, "after": page["pageInfo"]["endCursor"] })).await;
    assert_eq!(second["project"]["readyTasks"]["nodes"], json!([{ "title": "low" }]));
    let backwards = app
        .gql(
            "query($p: ID!) { project(id: $p) { readyTasks(first: -1) { nodes { title } } } }",
            json!({ "p": project }),
        )
        .await;
    assert_eq!(error_code(&backwards), "BAD_USER_INPUT");

    app.data("mutation($id: ID!) { transitionTask(id: $id, status: DONE) { status } }", json!({ "id": low })).await;
    let after = app.data(ready, json!({ "p": project })).await;
    assert_eq!(after["project"]["readyTasks"]["nodes"][1]["title"], "blocked", "its blocker is done");
    let _ = critical;
}

#[tokio::test]
async fn tasks_filter_by_status_priority_tag_labels_parent_time_and_text() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("p").await;
    let parent = app
        .create_task(
        &project,
        json!({ "title": "Websocket server", "description": "Serve subscriptions", "tags": ["backend", "ws"], "priority": "HIGH" }),
    )
    .await;
    app.create_task(&project, json!({ "title": "Reconnect logic", "parentId": parent, "details": "exponential backoff for sockets", "tags": ["ws"] })).await;
    app.create_task(&project, json!({ "title": "Dashboard", "tag": "ui", "status": "DONE", "tags": ["frontend"] }))
        .await;

    let titles = |data: &Value| -> Vec<String> {
        data["project"]["tasks"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let query =
        "query($p: ID!, $f: TaskFilter) { project(id: $p) { tasks(filter: $f) { totalCount nodes { title } } } }";
    for (filter, expected) in [
        (json!({ "status": { "in": ["DONE"] } }), vec!["Dashboard"]),
        (json!({ "priority": { "eq": "HIGH" } }), vec!["Websocket server"]),
        (json!({ "tag": { "eq": "ui" } }), vec!["Dashboard"]),
        (json!({ "tags": { "contains": ["ws"] } }), vec!["Websocket server", "Reconnect logic"]),
        (json!({ "tags": { "contains": ["ws", "backend"] } }), vec!["Websocket server"]),
        (json!({ "parent": { "isNull": false } }), vec!["Reconnect logic"]),
        (json!({ "parent": { "isNull": true }, "tag": { "in": ["master"] } }), vec!["Websocket server"]),
        (
            json!({ "createdAt": { "gte": "2000-01-01T00:00:00Z", "lt": "2100-01-01T00:00:00Z" }, "status": { "eq": "PENDING" } }),
            vec!["Websocket server", "Reconnect logic"],
        ),
        (json!({ "createdAt": { "lt": "2000-01-01T00:00:00Z" } }), vec![]),
        (json!({ "search": "backoff" }), vec!["Reconnect logic"]),
        (json!({ "search": "subscriptions websocket" }), vec!["Websocket server"]),
        (json!({ "search": "\"unbalanced OR" }), vec![]),
    ] {
        let data = app.data(query, json!({ "p": project, "f": filter })).await;
        assert_eq!(titles(&data), expected, "{filter}");
        assert_eq!(data["project"]["tasks"]["totalCount"], expected.len(), "{filter}");
    }
    let empty = app.gql(query, json!({ "p": project, "f": { "search": "  " } })).await;
    assert_eq!(error_code(&empty), "BAD_USER_INPUT");
}

#[tokio::test]
async fn every_task_write_leaves_an_audit_entry_with_its_principal_and_whom_it_acted_for() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("p").await;
    let created = app
        .data_as(
            "agent-7",
            "mutation($input: CreateTaskInput!) { createTask(input: $input) { task { id } } }",
            json!({ "input": { "projectId": project, "title": "audited" } }),
        )
        .await;
    let task = created["createTask"]["task"]["id"].as_str().unwrap().to_owned();
    app.data_as(
        "agent-7",
        "mutation($id: ID!) { updateTask(input: { id: $id, priority: CRITICAL }) { task { id } } }",
        json!({ "id": task }),
    )
    .await;
    app.data_as(
        "agent-8",
        "mutation($id: ID!) { deleteTask(input: { id: $id }) { deletedId } }",
        json!({ "id": task }),
    )
    .await;
    let log = app
        .data(
            "query($id: ID!) { auditLog(entityId: $id) { totalCount nodes { entityType action actor onBehalfOf changes } } }",
            json!({ "id": task }),
        )
        .await;
    let entries = log["auditLog"]["nodes"].as_array().unwrap();
    let summary: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap(), e["onBehalfOf"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [("CREATE", "anonymous", "agent-7"), ("UPDATE", "anonymous", "agent-7"), ("DELETE", "anonymous", "agent-8")]
    );
    assert_eq!(entries[1]["changes"], json!({ "priority": { "old": "medium", "new": "critical" } }));
    assert_eq!(entries[0]["changes"]["title"], json!({ "old": null, "new": "audited" }));
}

#[tokio::test]
async fn a_project_dashboard_costs_the_same_statements_for_one_project_or_many() {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, |config| config.report_sql_statements = true).await;
    let dashboard = "{ projects(first: 20) { nodes { name taskCounts { total done }
        executionSummary { agent runs p95DurationMs } pullRequests(first: 5) { nodes { validationStatus tasks { totalCount } } }
        readyTasks(first: 5) { nodes { title dependents { totalCount } } }
        tasks(first: 10, filter: { parent: { isNull: true } }) { totalCount nodes { title project { name } parent { title }
            subtasks(first: 5) { nodes { title } } blockedBy { nodes { title } } history(last: 1) { nodes { toStatus } } } } } } }";
    seed_project(&app, "one").await;
    // The operation's own count: background work (sweeps, the webhook dispatcher) does not blur it.
    let small = app.operation_statements(dashboard).await;
    for i in 0..5 {
        seed_project(&app, &format!("more {i}")).await;
    }
    let large = app.operation_statements(dashboard).await;
    assert_eq!(small, large, "statements must not grow with the number of projects");
}

/// A project with two tasks, a subtask and a `blocks` edge.
async fn seed_project(app: &TestApp, name: &str) {
    let project = app.create_project(name).await;
    let a = app.create_task(&project, json!({ "title": "a" })).await;
    let b = app.create_task(&project, json!({ "title": "b" })).await;
    app.create_task(&project, json!({ "title": "a.1", "parentId": a })).await;
    add_dependency(app, &b, &a, "BLOCKS").await;
    let execution = app
        .data(
            "mutation($t: ID!) { startTaskExecution(input: { taskId: $t, agent: \"bot\" }) { execution { id } } }",
            json!({ "t": a }),
        )
        .await;
    let id = &execution["startTaskExecution"]["execution"]["id"];
    app.data(
        "mutation($id: ID!) { finishTaskExecution(input: { id: $id }) { execution { id } } }",
        json!({ "id": id }),
    )
    .await;
    let pr = app
        .data(
            "mutation($p: ID!) { createPullRequest(input: { projectId: $p, repositoryUrl: \"r\", branch: \"b\", title: \"t\" }) { pullRequest { id } } }",
            json!({ "p": project }),
        )
        .await;
    let pr = &pr["createPullRequest"]["pullRequest"]["id"];
    app.data("mutation($t: ID!, $pr: ID!) { linkPullRequest(input: { taskId: $t, pullRequestId: $pr }) { pullRequest { id } } }", json!({ "t": b, "pr": pr }))
        .await;
}

#[tokio::test]
async fn tasks_list_in_creation_or_priority_order() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("p").await;
    for (title, priority) in [("a", "LOW"), ("b", "CRITICAL"), ("c", "MEDIUM"), ("d", "CRITICAL")] {
        app.create_task(&project, json!({ "title": title, "priority": priority })).await;
    }
    let query = "query($p: ID!, $o: TaskOrder, $after: String) { project(id: $p) { tasks(orderBy: $o, first: 3, after: $after) {
        nodes { title } pageInfo { endCursor } } } }";
    let titles = |d: &Value| -> Vec<String> {
        d["project"]["tasks"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(titles(&app.data(query, json!({ "p": project })).await), ["a", "b", "c"]);
    let by_priority = app.data(query, json!({ "p": project, "o": "PRIORITY" })).await;
    assert_eq!(titles(&by_priority), ["b", "d", "c"]);
    let rest = app
        .data(
            query,
            json!({ "p": project, "o": "PRIORITY", "after": by_priority["project"]["tasks"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(titles(&rest), ["a"]);
    let backwards = app
        .gql(
            "query($p: ID!) { project(id: $p) { tasks(orderBy: PRIORITY, last: 2) { nodes { title } } } }",
            json!({ "p": project }),
        )
        .await;
    assert_eq!(error_code(&backwards), "BAD_USER_INPUT");
}

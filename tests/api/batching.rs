//! One SQL statement per level, whatever the timing: for every relation of every node type in the
//! schema, a nested query costs exactly its number of levels with 2 parents and with 42, on this
//! debug build, while other clients keep the same server busy. The count is the operation's own
//! (`extensions.sqlStatements`), so the load's statements do not blur it.

use std::{
    collections::BTreeSet,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use serde_json::{Value, json};

use crate::helpers::{
    TestApp, TestDb,
    receiver::{Answer, Receiver},
    spawn_app_on,
};

/// Parents at the level under test in the large run.
const MANY: usize = 42;

/// Runs `operations` (query, variables) as batched requests of up to 10; returns each one's `data`.
async fn batch(app: &TestApp, operations: Vec<(&str, Value)>) -> Vec<Value> {
    let client = reqwest::Client::new();
    let mut out = Vec::with_capacity(operations.len());
    for chunk in operations.chunks(10) {
        let body: Vec<Value> = chunk.iter().map(|(q, v)| json!({ "query": q, "variables": v })).collect();
        let answers: Vec<Value> =
            client.post(format!("{}/graphql", app.address)).json(&body).send().await.unwrap().json().await.unwrap();
        for answer in answers {
            assert!(answer.get("errors").is_none(), "seeding failed: {answer}");
            out.push(answer["data"].clone());
        }
    }
    out
}

fn ids(data: &[Value], path: &[&str]) -> Vec<String> {
    data.iter().map(|d| path.iter().fold(d, |v, key| &v[key]).as_str().expect("an id").to_owned()).collect()
}

/// 42 projects, each with a workflow of one phase holding tasks A (made from a definition, assigned
/// to a member) and B (blocked by A), A.1 (a subtask of A), an execution of A and a pull request
/// carrying A; 42 workspaces, each in a project, with a session of two todos (b waits for a)
/// and an event; 42 members and 42 API keys; 42 webhooks, one per project, each with deliveries (to
/// the returned receiver).
async fn seed(app: &TestApp) -> Receiver {
    let projects = batch(
        app,
        (0..MANY)
            .map(|i| {
                (
                    "mutation($n: String!) { createProject(input: { name: $n }) { project { id } } }",
                    json!({ "n": format!("p{i}") }),
                )
            })
            .collect(),
    )
    .await;
    let projects = ids(&projects, &["createProject", "project", "id"]);
    let receiver = Receiver::start(|_| Answer::Accept).await;
    let hook = "mutation($u: String!, $p: ID!) { createWebhook(input: { url: $u, projectId: $p }) { webhook { id } } }";
    batch(app, projects.iter().map(|p| (hook, json!({ "u": receiver.url, "p": p }))).collect()).await;
    // One definition makes every A; each project has a workflow with one phase holding A and B.
    let definition = app
        .data("mutation { createTaskDefinition(input: { name: \"seed\", defaults: { title: \"{{t}}\" } }) { taskDefinition { id } } }", json!({}))
        .await["createTaskDefinition"]["taskDefinition"]["id"]
        .clone();
    let workflows = batch(
        app,
        projects
            .iter()
            .map(|p| {
                (
                    "mutation($p: ID!) { createWorkflow(input: { projectId: $p, name: \"w\", kind: DAG, phases: [{ name: \"build\" }] }) { workflow { id phases { id } } } }",
                    json!({ "p": p }),
                )
            })
            .collect(),
    )
    .await;
    let placed = |i: usize| {
        let w = &workflows[i]["createWorkflow"]["workflow"];
        (w["id"].clone(), w["phases"][0]["id"].clone())
    };
    let from_definition = "mutation($d: ID!, $p: ID!, $w: ID, $ph: ID) { createTaskFromDefinition(input: { definitionId: $d, projectId: $p, workflowId: $w, phaseId: $ph, input: { t: \"A\" } }) { task { id } } }";
    let a = ids(
        &batch(
            app,
            (0..MANY)
                .map(|i| {
                    (from_definition, json!({ "d": definition, "p": projects[i], "w": placed(i).0, "ph": placed(i).1 }))
                })
                .collect(),
        )
        .await,
        &["createTaskFromDefinition", "task", "id"],
    );
    let create_task = "mutation($p: ID!, $t: String!, $parent: ID, $w: ID, $ph: ID) { createTask(input: { projectId: $p, title: $t, parentId: $parent, workflowId: $w, phaseId: $ph }) { task { id } } }";
    let b = ids(
        &batch(
            app,
            (0..MANY)
                .map(|i| (create_task, json!({ "p": projects[i], "t": "B", "w": placed(i).0, "ph": placed(i).1 })))
                .collect(),
        )
        .await,
        &["createTask", "task", "id"],
    );
    let mut writes: Vec<(&str, Value)> = Vec::new();
    for (i, project) in projects.iter().enumerate() {
        writes.push((create_task, json!({ "p": project, "t": "A.1", "parent": a[i] })));
        writes.push((
            "mutation($t: ID!, $d: ID!) { addTaskDependency(input: { taskId: $t, dependsOnId: $d, kind: BLOCKS }) { task { id } } }",
            json!({ "t": b[i], "d": a[i] }),
        ));
        writes.push((
            "mutation($t: ID!) { startTaskExecution(input: { taskId: $t, agent: \"claude-code\" }) { execution { id } } }",
            json!({ "t": a[i] }),
        ));
    }
    batch(app, writes).await;
    let prs = batch(
        app,
        projects
            .iter()
            .map(|p| {
                (
                    "mutation($p: ID!) { createPullRequest(input: { projectId: $p, repositoryUrl: \"https://x/y\", branch: \"b\", title: \"PR\" }) { pullRequest { id } } }",
                    json!({ "p": p }),
                )
            })
            .collect(),
    )
    .await;
    let prs = ids(&prs, &["createPullRequest", "pullRequest", "id"]);
    let link = "mutation($t: ID!, $pr: ID!) { linkPullRequest(input: { taskId: $t, pullRequestId: $pr }) { pullRequest { id } } }";
    batch(app, (0..MANY).map(|i| (link, json!({ "t": a[i], "pr": prs[i] }))).collect()).await;

    let workspaces = batch(
        app,
        (0..MANY)
            .map(|i| {
                (
                    "mutation($path: String!, $p: ID!) { createWorkspace(input: { name: \"w\", path: $path, projectId: $p }) { workspace { id } } }",
                    json!({ "path": format!("/w/{i}"), "p": projects[i] }),
                )
            })
            .collect(),
    )
    .await;
    let workspaces = ids(&workspaces, &["createWorkspace", "workspace", "id"]);
    let start = "mutation($w: ID!) { startDocumentationSession(input: { workspaceId: $w, moduleName: \"m\", filePaths: [\"a.rs\", \"b.rs\"] }) {
        session { id todos(first: 2) { nodes { id } } } } }";
    let sessions = batch(app, workspaces.iter().map(|w| (start, json!({ "w": w }))).collect()).await;
    let mut writes: Vec<(&str, Value)> = Vec::new();
    for session in &sessions {
        let session = &session["startDocumentationSession"]["session"];
        let todos = session["todos"]["nodes"].as_array().unwrap();
        writes.push((
            "mutation($t: ID!, $d: ID!) { addTodoDependency(input: { todoId: $t, dependsOnId: $d }) { todo { id } } }",
            json!({ "t": todos[1]["id"], "d": todos[0]["id"] }),
        ));
        writes.push((
            "mutation($s: ID!) { appendSessionEvent(input: { sessionId: $s, eventType: \"note\" }) { event { sequence } } }",
            json!({ "s": session["id"] }),
        ));
    }
    batch(app, writes).await;

    let users = (0..MANY)
        .map(|i| {
            (
                "mutation($e: String!) { createUser(input: { email: $e, name: \"U\", role: VIEWER }) { member { user { id } } } }",
                json!({ "e": format!("user{i}@example.com") }),
            )
        })
        .collect();
    let users = ids(&batch(app, users).await, &["createUser", "member", "user", "id"]);
    let assign = "mutation($t: ID!, $u: ID!) { assignTask(input: { taskId: $t, assigneeId: $u, assignedAgent: \"claude-code\" }) { task { id } } }";
    batch(app, (0..MANY).map(|i| (assign, json!({ "t": a[i], "u": users[i] }))).collect()).await;
    let keys = (0..MANY)
        .map(|i| {
            (
                "mutation($n: String!) { createApiKey(input: { name: $n, role: VIEWER }) { apiKey { id } } }",
                json!({ "n": format!("key{i}") }),
            )
        })
        .collect();
    batch(app, keys).await;
    // Every webhook has had a delivery (of its project's events) before anything is measured.
    for _ in 0..1200 {
        let hooks =
            app.data("{ webhooks(first: 100) { nodes { deliveries(first: 1) { totalCount } } } }", json!({})).await;
        let hooks = hooks["webhooks"]["nodes"].as_array().unwrap().clone();
        if hooks.len() == MANY && hooks.iter().all(|h| h["deliveries"]["totalCount"].as_i64() > Some(0)) {
            return receiver;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the webhooks' deliveries did not happen");
}

/// How to reach `$n` parents of a node type at one level for `field`, and the levels that costs.
/// `REL` marks where the relation under test goes.
fn path_to(node_type: &str, field: &str) -> (&'static str, u64) {
    match node_type {
        "Task" if field == "parent" => (
            "projects(first: $n) { nodes { tasks(first: 1, filter: { parent: { isNull: false } }) { nodes { id REL } } } }",
            2,
        ),
        "Workspace" => ("workspaces(first: $n) { nodes { id REL } }", 1),
        "DocumentationSession" => ("workspaces(first: $n) { nodes { sessions(first: 1) { nodes { id REL } } } }", 2),
        "SessionTodo" => (
            "workspaces(first: $n) { nodes { sessions(first: 1) { nodes { todos(first: 1) { nodes { id REL } } } } } }",
            3,
        ),
        "Project" => ("projects(first: $n) { nodes { id REL } }", 1),
        "Task" => ("projects(first: $n) { nodes { tasks(first: 1) { nodes { id REL } } } }", 2),
        "PullRequest" => ("projects(first: $n) { nodes { pullRequests(first: 1) { nodes { id REL } } } }", 2),
        "Member" => ("organization { members(first: $n) { nodes { role REL } } }", 2),
        "ApiKey" => ("organization { apiKeys(first: $n) { nodes { id REL } } }", 2),
        "Event" => ("events(first: $n, filter: { type: { in: [\"task.created\"] } }) { nodes { id REL } }", 1),
        "Webhook" => ("webhooks(first: $n) { nodes { id REL } }", 1),
        "Workflow" => ("workflows(first: $n) { nodes { id REL } }", 1),
        "WorkflowPhase" => ("workflows(first: $n) { nodes { phases { id REL } } }", 2),
        "TaskDefinition" => ("taskDefinitions(first: $n) { nodes { id REL } }", 1),
        "WebhookDelivery" => ("webhooks(first: $n) { nodes { deliveries(first: 1) { nodes { id REL } } } }", 2),
        other => panic!("no path to {other}"),
    }
}

/// Every relation of every node type: (type, field, selection, statements it costs). A connection
/// costs its page and its `totalCount`; a row by id, a count or a summary costs one; an object the
/// listed row already holds costs nothing.
const RELATIONS: &[(&str, &str, &str, u64)] = &[
    ("Workspace", "sessions", "sessions(first: 5) { totalCount nodes { id } }", 2),
    ("Workspace", "project", "project { id }", 1),
    ("DocumentationSession", "workspace", "workspace { id }", 1),
    ("DocumentationSession", "todos", "todos(first: 5) { totalCount nodes { id } }", 2),
    ("DocumentationSession", "events", "events(last: 5) { totalCount edges { node { sequence } } }", 2),
    ("DocumentationSession", "eventCounts", "eventCounts { eventType count }", 1),
    ("DocumentationSession", "todoCounts", "todoCounts { total }", 1),
    ("SessionTodo", "session", "session { id }", 1),
    ("SessionTodo", "dependencies", "dependencies(first: 5) { totalCount nodes { id } }", 2),
    ("Project", "tasks", "tasks(first: 5, filter: { parent: { isNull: true } }) { totalCount nodes { id } }", 2),
    ("Project", "tasks", "tasks(first: 5, orderBy: PRIORITY) { totalCount nodes { id } }", 2),
    ("Project", "workspaces", "workspaces(first: 5) { totalCount nodes { id } }", 2),
    ("Project", "readyTasks", "readyTasks(first: 5) { totalCount nodes { id } }", 2),
    ("Project", "pullRequests", "pullRequests(first: 5, status: [OPEN]) { totalCount nodes { id } }", 2),
    ("Project", "executionSummary", "executionSummary { agent runs }", 1),
    ("Project", "taskCounts", "taskCounts { total }", 1),
    ("Task", "project", "project { id }", 1),
    ("Task", "parent", "parent { id }", 1),
    ("Task", "subtasks", "subtasks(first: 5) { totalCount nodes { id } }", 2),
    ("Task", "dependencies", "dependencies(first: 5, kind: [BLOCKS]) { totalCount nodes { id } }", 2),
    ("Task", "dependents", "dependents(first: 5) { totalCount nodes { id } }", 2),
    ("Task", "blockedBy", "blockedBy(first: 5) { totalCount nodes { id } }", 2),
    ("Task", "executions", "executions(first: 5) { totalCount nodes { id } }", 2),
    ("Task", "pullRequests", "pullRequests(first: 5) { totalCount nodes { id } }", 2),
    ("Task", "history", "history(first: 5) { totalCount nodes { toStatus } }", 2),
    ("Task", "workflow", "workflow { id }", 1),
    ("Task", "phase", "phase { id }", 1),
    ("Task", "assignee", "assignee { email }", 1),
    ("Task", "definition", "definition { version }", 1),
    ("Project", "workflows", "workflows(first: 5, status: [RUNNING, DRAFT]) { totalCount nodes { id } }", 2),
    ("Workflow", "project", "project { id }", 1),
    ("Workflow", "currentPhase", "currentPhase { id }", 1),
    ("Workflow", "phases", "phases { name }", 1),
    ("Workflow", "tasks", "tasks(first: 5, filter: { status: { eq: PENDING } }) { totalCount nodes { id } }", 2),
    ("Workflow", "readyTasks", "readyTasks(first: 5) { totalCount nodes { id } }", 2),
    ("Workflow", "history", "history(first: 5) { totalCount nodes { toStatus } }", 2),
    // Tasks, their dependencies, their transitions, their executions' sums.
    ("Workflow", "analytics", "analytics { progress criticalPath { length } bottlenecks { waitingTasks } costUsd }", 4),
    ("WorkflowPhase", "workflow", "workflow { id }", 1),
    ("WorkflowPhase", "tasks", "tasks(first: 5) { totalCount nodes { id } }", 2),
    ("PullRequest", "tasks", "tasks(first: 5) { totalCount nodes { id } }", 2),
    ("Event", "project", "project { id }", 1),
    ("Event", "task", "task { id }", 1),
    ("Webhook", "deliveries", "deliveries(first: 5) { totalCount nodes { attempt } }", 2),
    ("Webhook", "project", "project { id }", 1),
    ("WebhookDelivery", "event", "event { id }", 1),
    // Embedded in the row that lists them: no statement of their own.
    ("Member", "user", "user { email }", 0),
    ("ApiKey", "user", "user { email }", 0),
    ("TaskDefinition", "defaults", "defaults { title }", 0),
    ("TaskDefinition", "resources", "resources { cpu }", 0),
    ("TaskDefinition", "retryPolicy", "retryPolicy { maxAttempts }", 0),
];

/// Deeper shapes: several relations per level, relations below relations, aliases, fragments.
const DEEP: &[(&str, u64)] = &[
    // workspaces, sessions, their count, todo counts, event counts, events, todos, todos' count,
    // todos' sessions, dependencies, sessions' workspaces, those workspaces' projects.
    (
        "{ workspaces(first: $n) { nodes { path
            sessions(first: 10) { totalCount nodes { moduleName workspace { path project { name } }
                todoCounts { total pending } eventCounts { eventType count }
                events(last: 5) { nodes { sequence eventType } }
                todos(first: 10) { totalCount nodes { filePath session { id } dependencies(first: 5) { nodes { filePath } } } }
        } } } } }",
        12,
    ),
    // projects, task counts, summaries, ready tasks, their blockers and dependencies (the bench's
    // dashboard), and through an alias with the same arguments, once more: loaded once.
    (
        "{ projects(first: $n) { nodes { name taskCounts { done total } executionSummary { agent runs }
            readyTasks(first: 20) { nodes { title blockedBy(first: 5) { nodes { title } } dependencies(first: 5) { nodes { title } } } }
            again: readyTasks(first: 20) { nodes { id } } } } }",
        6,
    ),
    // Rows inside an object computed per parent: workflows, their analytics (four statements), the
    // critical paths' tasks' projects, the bottlenecks' tasks' phases.
    (
        "{ workflows(first: $n) { nodes { analytics { criticalPath { tasks { project { name } } }
            bottlenecks { waitingTasks task { phase { name } } } } } } }",
        7,
    ),
    // One page read from two places (`nodes` and `edges`), each reading other fields of its rows,
    // and by an alias: workspaces, sessions, todos, the dependencies of those whose edges ask.
    (
        "{ workspaces(first: $n) { nodes { sessions(first: 10) {
            nodes { todos(first: 5) { nodes { id } } again: todos(first: 5) { totalCount nodes { status } } }
            edges { node { todos(first: 5) { nodes { filePath dependencies(first: 2) { nodes { id } } } } } } } } } }",
        5,
    ),
    // A fragment, and a field under a field loaded by id: projects, tasks, their project, its
    // pull requests, their tasks, those tasks' subtasks.
    (
        "query($n: Int!) { projects(first: $n) { nodes { ...P } } }
         fragment P on Project { tasks(first: 3) { nodes { project { pullRequests(first: 2) { nodes { tasks(first: 2) { nodes { subtasks(first: 2) { nodes { id } } } } } } } } } }",
        6,
    ),
];

/// The operation's own statement count.
async fn statements(app: &TestApp, query: &str, n: usize) -> u64 {
    let query = if query.starts_with("query") { query.to_owned() } else { format!("query($n: Int!) {query}") };
    let response = app.gql(&query, json!({ "n": n })).await;
    assert!(response.get("errors").is_none(), "{query}: {response}");
    response["extensions"]["sqlStatements"].as_u64().unwrap_or_else(|| panic!("no statement count: {response}"))
}

/// Keeps the server busy with nested reads and writes from two other clients until `stop`.
fn load(app: &TestApp, stop: Arc<AtomicBool>, done: Arc<AtomicU64>) -> Vec<tokio::task::JoinHandle<()>> {
    (0..2)
        .map(|client| {
            let (address, stop, done) = (app.address.clone(), stop.clone(), done.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                // Bounded: at most 5,000 requests per client, and the test ends it sooner.
                for i in 0..5_000 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let body = if (i + client) % 3 == 0 {
                        json!({ "query": "mutation($p: String!) { createWorkspace(input: { name: \"load\", path: $p }) { workspace { id } } }",
                                "variables": { "p": format!("/load/{client}/{i}") } })
                    } else {
                        json!({ "query": DEEP[0].0.replace("$n", "20") })
                    };
                    if http.post(format!("{address}/graphql")).json(&body).send().await.is_ok() {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect()
}

#[tokio::test]
async fn every_relation_costs_one_statement_per_level_with_2_or_42_parents_under_load() {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, |c| {
        c.report_sql_statements = true;
        c.allow_private_webhooks = true;
    })
    .await;
    let _receiver = seed(&app).await;
    let (stop, done) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
    let load = load(&app, stop.clone(), done.clone());

    let mut failures = Vec::new();
    for (node_type, field, selection, cost) in RELATIONS {
        let (path, depth) = path_to(node_type, field);
        let query = format!("{{ {} }}", path.replace("REL", selection));
        for n in [2, MANY] {
            let ran = statements(&app, &query, n).await;
            if ran != depth + cost {
                failures.push(format!("{node_type}.{field} with {n} parents: {ran} statements, not {}", depth + cost));
            }
        }
    }
    for (query, levels) in DEEP {
        for n in [2, MANY] {
            let ran = statements(&app, query, n).await;
            if ran != *levels {
                failures.push(format!("{ran} statements, not {levels}, with {n} parents for {query}"));
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    assert!(done.load(Ordering::Relaxed) > 0, "the load ran");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_relation_table_covers_every_relation_of_every_node_type() {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, |_| {}).await;
    let schema = app
        .data("{ __schema { types { name kind fields { name type { ...T } } } } } fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }", json!({}))
        .await;
    let types = schema["__schema"]["types"].as_array().unwrap();
    let named = |mut t: &Value| {
        while t["name"].is_null() {
            t = &t["ofType"];
        }
        (t["kind"].as_str().unwrap().to_owned(), t["name"].as_str().unwrap().to_owned())
    };
    // Node types: what connections list.
    let nodes: BTreeSet<String> =
        types.iter().filter_map(|t| t["name"].as_str()?.strip_suffix("Connection").map(str::to_owned)).collect();
    let mut relations = BTreeSet::new();
    for t in types.iter().filter(|t| nodes.contains(t["name"].as_str().unwrap())) {
        for field in t["fields"].as_array().unwrap() {
            if named(&field["type"]).0 == "OBJECT" {
                relations.insert((t["name"].as_str().unwrap().to_owned(), field["name"].as_str().unwrap().to_owned()));
            }
        }
    }
    let tested: BTreeSet<(String, String)> =
        RELATIONS.iter().map(|(t, f, _, _)| (t.to_string(), f.to_string())).collect();
    let untested: Vec<_> = relations.difference(&tested).collect();
    assert!(untested.is_empty(), "relations without a batching case: {untested:?}");
    assert!(relations.len() >= 25, "found {} relations", relations.len());
}

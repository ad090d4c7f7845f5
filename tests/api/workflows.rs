//! Workflows through the API, as a new user would try them: a DAG workflow over a real Task Master
//! file walked to its end (ready tasks, progress, critical path and bottlenecks checked against a
//! computation of this test over the file), sequential and parallel workflows, schedules, hand-made
//! transitions, task definitions, assignment and the organization-wide task list.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app, task_master_file};

const WORKFLOW: &str = "id status progress kind currentPhase { name } phases { name status position }";

async fn create_workflow(app: &TestApp, project: &str, name: &str, kind: &str, phases: &[&str]) -> Value {
    let phases: Vec<Value> =
        phases.iter().map(|p| json!({ "name": p, "exitCriteria": format!("{p} reviewed") })).collect();
    let created = app
        .data(
            &format!(
                "mutation($input: CreateWorkflowInput!) {{ createWorkflow(input: $input) {{ workflow {{ {WORKFLOW} phases {{ id name }} }} }} }}"
            ),
            json!({ "input": { "projectId": project, "name": name, "kind": kind, "phases": phases, "requirements": "ship it" } }),
        )
        .await;
    created["createWorkflow"]["workflow"].clone()
}

async fn add_tasks(app: &TestApp, workflow: &str, phase: Option<&str>, tasks: &[String]) -> Value {
    app.data(
        &format!(
            "mutation($w: ID!, $p: ID, $t: [ID!]!) {{ addTasksToWorkflow(input: {{ workflowId: $w, phaseId: $p, taskIds: $t }}) {{ workflow {{ {WORKFLOW} }} }} }}"
        ),
        json!({ "w": workflow, "p": phase, "t": tasks }),
    )
    .await["addTasksToWorkflow"]["workflow"]
        .clone()
}

async fn ready(app: &TestApp, workflow: &str) -> Vec<String> {
    let data = app
        .data(
            "query($w: ID!) { workflow(id: $w) { readyTasks(first: 100) { nodes { id } } } }",
            json!({ "w": workflow }),
        )
        .await;
    ids(&data["workflow"]["readyTasks"]["nodes"])
}

async fn set_status(app: &TestApp, task: &str, status: &str) {
    app.data(
        "mutation($id: ID!, $s: TaskStatus!) { transitionTask(id: $id, status: $s) { id } }",
        json!({ "id": task, "s": status }),
    )
    .await;
}

async fn workflow(app: &TestApp, id: &str) -> Value {
    app.data(&format!("query($w: ID!) {{ workflow(id: $w) {{ {WORKFLOW} }} }}"), json!({ "w": id })).await["workflow"]
        .clone()
}

fn ids(nodes: &Value) -> Vec<String> {
    nodes.as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_owned()).collect()
}

/// The file's `master` tasks as this test reads them: status and dependencies on other master tasks
/// (a dependency on a task the file does not hold is left out, as the import leaves it out).
fn master_tasks() -> BTreeMap<String, (String, Vec<String>)> {
    let file = task_master_file("claude-task-master.tagged.tasks.json");
    let tasks = file["master"]["tasks"].as_array().unwrap();
    let known: BTreeSet<String> = tasks.iter().map(|t| t["id"].to_string()).collect();
    tasks
        .iter()
        .map(|t| {
            let deps = t["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|d| d.as_str().map_or_else(|| d.to_string(), str::to_owned))
                .filter(|d| known.contains(d))
                .collect();
            (t["id"].to_string(), (t["status"].as_str().unwrap().to_owned(), deps))
        })
        .collect()
}

/// Pending tasks whose dependencies are all done.
fn expected_ready(tasks: &BTreeMap<String, (String, Vec<String>)>) -> BTreeSet<String> {
    tasks
        .iter()
        .filter(|(_, (status, deps))| status == "pending" && deps.iter().all(|d| tasks[d].0 == "done"))
        .map(|(id, _)| id.clone())
        .collect()
}

/// The number of tasks on the longest dependency chain.
fn longest_chain(tasks: &BTreeMap<String, (String, Vec<String>)>) -> usize {
    fn depth(id: &str, tasks: &BTreeMap<String, (String, Vec<String>)>, memo: &mut HashMap<String, usize>) -> usize {
        if let Some(d) = memo.get(id) {
            return *d;
        }
        let d = 1 + tasks[id].1.iter().map(|b| depth(b, tasks, memo)).max().unwrap_or(0);
        memo.insert(id.to_owned(), d);
        d
    }
    let mut memo = HashMap::new();
    tasks.keys().map(|id| depth(id, tasks, &mut memo)).max().unwrap_or(0)
}

/// For each unfinished task that others wait on: how many unfinished tasks wait on it, directly or
/// through others.
fn expected_bottlenecks(tasks: &BTreeMap<String, (String, Vec<String>)>) -> BTreeMap<String, i64> {
    let unfinished = |id: &str| !matches!(tasks[id].0.as_str(), "done" | "cancelled");
    let mut out = BTreeMap::new();
    for id in tasks.keys().filter(|id| unfinished(id)) {
        let mut waiting = BTreeSet::new();
        let mut stack = vec![id.clone()];
        while let Some(blocker) = stack.pop() {
            for (dependent, (_, deps)) in tasks {
                if deps.contains(&blocker) && waiting.insert(dependent.clone()) {
                    stack.push(dependent.clone());
                }
            }
        }
        let n = waiting.iter().filter(|w| unfinished(w)).count() as i64;
        if n > 0 {
            out.insert(id.clone(), n);
        }
    }
    out
}

fn progress_of(tasks: &BTreeMap<String, (String, Vec<String>)>) -> f64 {
    let finished = tasks.values().filter(|(s, _)| s == "done" || s == "cancelled").count() as f64;
    (finished / tasks.len() as f64 * 10_000.0).round() / 100.0
}

#[tokio::test]
async fn a_dag_workflow_over_a_real_task_master_file_offers_exactly_the_unblocked_tasks_to_its_end() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("task-master").await;
    let file = task_master_file("claude-task-master.tagged.tasks.json");
    let imported = app.import(&project, &file, json!({ "tags": ["master"] })).await;
    assert!(imported.get("errors").is_none(), "{imported}");
    let mut expected = master_tasks();
    let listed = app
        .data(
            "query($p: ID!) { project(id: $p) { tasks(first: 100, filter: { tag: { eq: \"master\" }, parent: { isNull: true } }) { nodes { id externalId } } } }",
            json!({ "p": project }),
        )
        .await;
    let nodes = listed["project"]["tasks"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), expected.len(), "every master task was imported");
    let by_external: HashMap<String, String> = nodes
        .iter()
        .map(|n| (n["externalId"].as_str().unwrap().to_owned(), n["id"].as_str().unwrap().to_owned()))
        .collect();
    let external_of: HashMap<String, String> = by_external.iter().map(|(e, id)| (id.clone(), e.clone())).collect();

    let created = create_workflow(&app, &project, "master", "DAG", &[]).await;
    assert_eq!(created["status"], "DRAFT");
    let workflow_id = created["id"].as_str().unwrap().to_owned();
    let all: Vec<String> = expected.keys().map(|e| by_external[e].clone()).collect();
    let added = add_tasks(&app, &workflow_id, None, &all).await;
    assert_eq!(added["status"], "RUNNING", "finished tasks count as started");
    assert_eq!(added["progress"].as_f64().unwrap(), progress_of(&expected));

    // Analytics against this test's own reading of the file.
    let analytics = app
        .data(
            "query($w: ID!) { workflow(id: $w) { analytics { progress taskCounts { status count }
                criticalPath { length estimatedHours tasks { id } } bottlenecks { task { id } waitingTasks waitingMs } } } }",
            json!({ "w": workflow_id }),
        )
        .await;
    let analytics = &analytics["workflow"]["analytics"];
    let chain: Vec<String> =
        ids(&analytics["criticalPath"]["tasks"]).iter().map(|id| external_of[id].clone()).collect();
    assert_eq!(chain.len(), longest_chain(&expected), "the critical path is a longest chain: {chain:?}");
    assert_eq!(analytics["criticalPath"]["length"].as_f64().unwrap(), chain.len() as f64);
    for pair in chain.windows(2) {
        assert!(expected[&pair[1]].1.contains(&pair[0]), "{} waits on {} on the critical path", pair[1], pair[0]);
    }
    let bottlenecks: BTreeMap<String, i64> = analytics["bottlenecks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (external_of[b["task"]["id"].as_str().unwrap()].clone(), b["waitingTasks"].as_i64().unwrap()))
        .collect();
    assert_eq!(bottlenecks, expected_bottlenecks(&expected));
    let waiting: Vec<i64> =
        analytics["bottlenecks"].as_array().unwrap().iter().map(|b| b["waitingTasks"].as_i64().unwrap()).collect();
    assert!(waiting.windows(2).all(|w| w[0] >= w[1]), "most waited on first: {waiting:?}");
    let done = analytics["taskCounts"].as_array().unwrap().iter().find(|c| c["status"] == "DONE").unwrap();
    assert_eq!(done["count"].as_i64().unwrap() as usize, expected.values().filter(|(s, _)| s == "done").count());

    // Walk it: complete whatever is ready until nothing is.
    let mut rounds = 0;
    loop {
        let offered: BTreeSet<String> =
            ready(&app, &workflow_id).await.iter().map(|id| external_of[id].clone()).collect();
        assert_eq!(offered, expected_ready(&expected), "round {rounds}");
        if offered.is_empty() {
            break;
        }
        for external in &offered {
            set_status(&app, &by_external[external], "DONE").await;
            expected.get_mut(external).unwrap().0 = "done".into();
        }
        let now = workflow(&app, &workflow_id).await;
        assert_eq!(now["progress"].as_f64().unwrap(), progress_of(&expected), "round {rounds}");
        rounds += 1;
    }
    assert!(rounds >= 2, "the walk took {rounds} rounds");
    let left = expected.values().filter(|(s, _)| s != "done" && s != "cancelled").count();
    let end = workflow(&app, &workflow_id).await;
    assert_eq!(end["status"], if left == 0 { "COMPLETED" } else { "RUNNING" }, "{left} tasks left");

    // The workflow's stream replays its progress and its tasks' changes.
    let events = app
        .data(
            "query($w: ID!) { events(first: 100, filter: { workflowId: $w, type: { in: [\"workflow.progressed\", \"task.transitioned\"] } }) { totalCount nodes { type workflowId } } }",
            json!({ "w": workflow_id }),
        )
        .await;
    let nodes = events["events"]["nodes"].as_array().unwrap();
    assert!(nodes.iter().any(|e| e["type"] == "workflow.progressed"));
    assert!(nodes.iter().any(|e| e["type"] == "task.transitioned"));
    assert!(nodes.iter().all(|e| e["workflowId"] == workflow_id.as_str()));
}

/// A project with a two-phase workflow of `kind`: `a`, `b` in `build`, `c` in `ship`.
async fn two_phases(app: &TestApp, kind: &str) -> (String, String, [String; 3]) {
    let project = app.create_project(&format!("{kind}-project")).await;
    let created = create_workflow(app, &project, kind, kind, &["build", "ship"]).await;
    let workflow = created["id"].as_str().unwrap().to_owned();
    let phase = |i: usize| created["phases"][i]["id"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for (title, phase) in [("a", phase(0)), ("b", phase(0)), ("c", phase(1))] {
        tasks
            .push(app.create_task(&project, json!({ "title": title, "workflowId": workflow, "phaseId": phase })).await);
    }
    (project, workflow, tasks.try_into().unwrap())
}

#[tokio::test]
async fn a_sequential_workflow_offers_one_task_at_a_time_in_phase_order_and_completes() {
    let (app, _db) = spawn_app().await;
    let (_, workflow_id, [a, b, c]) = two_phases(&app, "SEQUENTIAL").await;
    assert_eq!(ready(&app, &workflow_id).await, vec![a.clone()]);
    set_status(&app, &a, "IN_PROGRESS").await;
    assert!(ready(&app, &workflow_id).await.is_empty(), "one at a time");
    let running = workflow(&app, &workflow_id).await;
    assert_eq!(running["status"], "RUNNING");
    assert_eq!(running["phases"][0]["status"], "ACTIVE");
    set_status(&app, &a, "DONE").await;
    assert_eq!(ready(&app, &workflow_id).await, vec![b.clone()]);
    set_status(&app, &b, "DONE").await;
    let now = workflow(&app, &workflow_id).await;
    assert_eq!(now["phases"][0]["status"], "DONE");
    assert_eq!(now["currentPhase"]["name"], "ship");
    assert_eq!(now["progress"].as_f64().unwrap(), 66.67);
    assert_eq!(ready(&app, &workflow_id).await, vec![c.clone()]);
    set_status(&app, &c, "DONE").await;
    let end = workflow(&app, &workflow_id).await;
    assert_eq!((end["status"].as_str(), end["progress"].as_f64()), (Some("COMPLETED"), Some(100.0)));
    assert!(end["currentPhase"].is_null());

    let stream = app
        .data(
            "query($w: ID!) { events(first: 100, filter: { workflowId: $w }) { nodes { type } } }",
            json!({ "w": workflow_id }),
        )
        .await;
    let types: Vec<&str> =
        stream["events"]["nodes"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    for wanted in [
        "workflow.created",
        "workflow.transitioned",
        "workflow.progressed",
        "workflow_phase.completed",
        "workflow.completed",
    ] {
        assert!(types.contains(&wanted), "{wanted} in {types:?}");
    }
    let history = app
        .data(
            "query($w: ID!) { workflow(id: $w) { history { nodes { fromStatus toStatus durationMs } } } }",
            json!({ "w": workflow_id }),
        )
        .await;
    let steps: Vec<(Value, Value)> = history["workflow"]["history"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["fromStatus"].clone(), n["toStatus"].clone()))
        .collect();
    assert_eq!(
        steps,
        vec![(Value::Null, json!("DRAFT")), (json!("DRAFT"), json!("RUNNING")), (json!("RUNNING"), json!("COMPLETED"))]
    );
    let reopened = app
        .gql(
            "mutation($w: ID!) { transitionWorkflow(input: { id: $w, status: RUNNING }) { workflow { status } } }",
            json!({ "w": workflow_id }),
        )
        .await;
    assert_eq!(error_code(&reopened), "CONFLICT");
}

#[tokio::test]
async fn a_parallel_workflow_offers_its_earliest_unfinished_phase_and_a_paused_one_offers_nothing() {
    let (app, _db) = spawn_app().await;
    let (project, workflow_id, [a, b, c]) = two_phases(&app, "PARALLEL").await;
    let offered: BTreeSet<String> = ready(&app, &workflow_id).await.into_iter().collect();
    assert_eq!(offered, BTreeSet::from([a.clone(), b.clone()]));
    set_status(&app, &a, "DONE").await;
    assert_eq!(ready(&app, &workflow_id).await, vec![b.clone()]);

    let pause = "mutation($w: ID!, $s: WorkflowStatus!) { transitionWorkflow(input: { id: $w, status: $s, note: \"hold\" }) { workflow { status } } }";
    app.data(pause, json!({ "w": workflow_id, "s": "PAUSED" })).await;
    assert!(ready(&app, &workflow_id).await.is_empty(), "a paused workflow offers nothing");
    app.data(pause, json!({ "w": workflow_id, "s": "RUNNING" })).await;

    // A task scheduled later waits, here and in the project's ready tasks.
    app.data(
        "mutation($id: ID!) { updateTask(input: { id: $id, scheduledAt: \"2999-01-01T00:00:00Z\" }) { task { id } } }",
        json!({ "id": b }),
    )
    .await;
    assert!(ready(&app, &workflow_id).await.is_empty());
    let project_ready = app
        .data("query($p: ID!) { project(id: $p) { readyTasks(first: 10) { nodes { id } } } }", json!({ "p": project }))
        .await;
    assert!(!ids(&project_ready["project"]["readyTasks"]["nodes"]).contains(&b));
    app.data(
        "mutation($id: ID!) { updateTask(input: { id: $id, scheduledAt: \"2001-01-01T00:00:00Z\" }) { task { id } } }",
        json!({ "id": b }),
    )
    .await;
    set_status(&app, &b, "DONE").await;
    assert_eq!(ready(&app, &workflow_id).await, vec![c]);
}

#[tokio::test]
async fn ready_tasks_come_most_urgent_first_then_earliest_scheduled_and_page_forward() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("order").await;
    let workflow_id = create_workflow(&app, &project, "dag", "DAG", &[]).await["id"].as_str().unwrap().to_owned();
    let mut made = Vec::new();
    for (title, priority, at) in [
        ("low", "LOW", None),
        ("late", "HIGH", Some("2020-03-01T00:00:00Z")),
        ("early", "HIGH", Some("2020-01-01T00:00:00Z")),
        ("urgent", "CRITICAL", None),
    ] {
        let mut fields = json!({ "title": title, "priority": priority, "workflowId": workflow_id });
        if let Some(at) = at {
            fields["scheduledAt"] = json!(at);
        }
        made.push((title, app.create_task(&project, fields).await));
    }
    let order: Vec<&str> = ["urgent", "early", "late", "low"].to_vec();
    let title_of = |id: &str| made.iter().find(|(_, i)| i == id).unwrap().0;
    let all: Vec<String> = ready(&app, &workflow_id).await;
    assert_eq!(all.iter().map(|id| title_of(id)).collect::<Vec<_>>(), order);
    let page = "query($w: ID!, $after: String) { workflow(id: $w) { readyTasks(first: 2, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } } } }";
    let first = app.data(page, json!({ "w": workflow_id })).await;
    let cursor = first["workflow"]["readyTasks"]["pageInfo"]["endCursor"].clone();
    let second = app.data(page, json!({ "w": workflow_id, "after": cursor })).await;
    let paged: Vec<String> = [first, second].iter().flat_map(|p| ids(&p["workflow"]["readyTasks"]["nodes"])).collect();
    assert_eq!(paged, all, "two pages give the same order");
}

#[tokio::test]
async fn a_definition_makes_valid_tasks_refuses_bad_input_by_path_and_versions_on_update() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("defs").await;
    let created = app
        .data(
            "mutation($input: CreateTaskDefinitionInput!) { createTaskDefinition(input: $input) { taskDefinition { id name version inputSchema defaults { title priority acceptanceCriteria } resources { cpu memory timeoutSeconds } retryPolicy { maxAttempts initialIntervalMs backoffCoefficient maxIntervalMs } } } }",
            json!({ "input": {
                "name": "document-component",
                "inputSchema": { "type": "object", "required": ["component"], "properties": {
                    "component": { "type": "string" }, "depth": { "type": "integer", "minimum": 1 } } },
                "defaults": { "title": "Document {{component}}", "priority": "HIGH", "estimatedHours": 2.5,
                              "acceptanceCriteria": ["every public item has a doc comment"] },
                "resources": { "cpu": "500m", "memory": "512Mi", "timeoutSeconds": 600 },
                "retryPolicy": { "maxAttempts": 3 }
            } }),
        )
        .await;
    let definition = &created["createTaskDefinition"]["taskDefinition"];
    assert_eq!(definition["version"], 1);
    assert_eq!(
        definition["retryPolicy"],
        json!({ "maxAttempts": 3, "initialIntervalMs": 1000, "backoffCoefficient": 2.0, "maxIntervalMs": 100000 })
    );
    let id = definition["id"].as_str().unwrap().to_owned();
    let make = "mutation($d: ID!, $p: ID!, $i: JSON!) { createTaskFromDefinition(input: { definitionId: $d, projectId: $p, input: $i }) {
        task { title priority estimatedHours acceptanceCriteria context definition { name version } } } }";
    let task = app.data(make, json!({ "d": id, "p": project, "i": { "component": "auth", "depth": 2 } })).await;
    assert_eq!(
        task["createTaskFromDefinition"]["task"],
        json!({ "title": "Document auth", "priority": "HIGH", "estimatedHours": 2.5,
                "acceptanceCriteria": ["every public item has a doc comment"],
                "context": { "component": "auth", "depth": 2 },
                "definition": { "name": "document-component", "version": 1 } })
    );
    for (input, path) in [(json!({ "component": "auth", "depth": 0 }), "/depth"), (json!({ "depth": 2 }), "at /:")] {
        let refused = app.gql(make, json!({ "d": id, "p": project, "i": input })).await;
        assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
        assert!(refused["errors"][0]["message"].as_str().unwrap().contains(path), "{refused}");
    }
    for bad in [
        json!({ "resources": { "memory": "lots" } }),
        json!({ "defaults": { "title": "{{#if}}" } }),
        json!({ "inputSchema": { "type": 5 } }),
    ] {
        let mut input = json!({ "name": "bad" });
        input.as_object_mut().unwrap().extend(bad.as_object().unwrap().clone());
        let refused = app
            .gql("mutation($input: CreateTaskDefinitionInput!) { createTaskDefinition(input: $input) { taskDefinition { id } } }", json!({ "input": input }))
            .await;
        assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{refused}");
    }
    let updated = app
        .data(
            "mutation($id: ID!) { updateTaskDefinition(input: { id: $id, defaults: { title: \"Describe {{component}}\" } }) { taskDefinition { id version resources { cpu } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(updated["updateTaskDefinition"]["taskDefinition"]["version"], 2);
    assert_eq!(updated["updateTaskDefinition"]["taskDefinition"]["resources"]["cpu"], "500m", "kept from version 1");
    let versions = app
        .data(
            "{ taskDefinitions(filter: { name: \"document-component\" }) { totalCount nodes { version } } }",
            json!({}),
        )
        .await;
    assert_eq!(versions["taskDefinitions"]["totalCount"], 2);
    let taken = app
        .gql(
            "mutation { createTaskDefinition(input: { name: \"document-component\" }) { taskDefinition { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&taken), "CONFLICT");
}

#[tokio::test]
async fn tasks_are_assigned_to_members_only_and_listed_across_the_organization() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("assign").await;
    let task = app.create_task(&project, json!({ "title": "t" })).await;
    let other = app.create_task(&project, json!({ "title": "u" })).await;
    let member = app
        .data(
            "mutation { createUser(input: { email: \"dev@example.com\", name: \"Dev\" }) { member { user { id } } } }",
            json!({}),
        )
        .await["createUser"]["member"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let elsewhere = app.create_tenant("elsewhere").await;
    let outsider = elsewhere
        .owner
        .data(
            "mutation { createUser(input: { email: \"out@example.com\", name: \"Out\" }) { member { user { id } } } }",
            json!({}),
        )
        .await["createUser"]["member"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let assign = "mutation($t: ID!, $u: ID, $a: String) { assignTask(input: { taskId: $t, assigneeId: $u, assignedAgent: $a }) { task { assignee { email } assignedAgent } } }";
    let assigned = app.data(assign, json!({ "t": task, "u": member, "a": "claude-code" })).await;
    assert_eq!(
        assigned["assignTask"]["task"],
        json!({ "assignee": { "email": "dev@example.com" }, "assignedAgent": "claude-code" })
    );
    assert_eq!(error_code(&app.gql(assign, json!({ "t": other, "u": outsider })).await), "NOT_FOUND");

    let listed = app
        .data(
            "query($u: ID!) { byAgent: tasks(filter: { assignedAgent: \"claude-code\" }) { totalCount nodes { id } }
               byMember: tasks(filter: { assigneeId: $u }) { nodes { id } } all: tasks { totalCount } }",
            json!({ "u": member }),
        )
        .await;
    assert_eq!(ids(&listed["byAgent"]["nodes"]), vec![task.clone()]);
    assert_eq!(ids(&listed["byMember"]["nodes"]), vec![task.clone()]);
    assert_eq!(listed["all"]["totalCount"], 2);
    let unassigned = app
        .data(
            "mutation($t: ID!) { unassignTask(input: { taskId: $t }) { task { assignee { email } assignedAgent } } }",
            json!({ "t": task }),
        )
        .await;
    assert_eq!(unassigned["unassignTask"]["task"], json!({ "assignee": null, "assignedAgent": null }));
    let events = app
        .data("{ events(first: 50, filter: { type: { in: [\"task.assigned\", \"task.unassigned\"] } }) { nodes { type payload } } }", json!({}))
        .await;
    let types: Vec<&str> =
        events["events"]["nodes"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(types, vec!["task.assigned", "task.unassigned"]);
    let audit = app.data("query($t: ID!) { auditLog(entityId: $t) { totalCount } }", json!({ "t": task })).await;
    assert_eq!(audit["auditLog"]["totalCount"], 3, "created, assigned, unassigned");
}

#[tokio::test]
async fn export_keeps_assignment_and_acceptance_criteria_under_a_key_task_master_ignores() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("export").await;
    let document = json!({ "tasks": [{ "id": 1, "title": "a", "status": "pending", "dependencies": [] }] });
    assert!(app.import(&project, &document, json!({})).await.get("errors").is_none());
    let task = app
        .data("query($p: ID!) { taskByExternalId(projectId: $p, externalId: \"1\") { id } }", json!({ "p": project }))
        .await["taskByExternalId"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let member = app
        .data(
            "mutation { createUser(input: { email: \"dev@example.com\", name: \"Dev\" }) { member { user { id } } } }",
            json!({}),
        )
        .await["createUser"]["member"]["user"]["id"]
        .clone();
    app.data(
        "mutation($t: ID!, $u: ID!) { assignTask(input: { taskId: $t, assigneeId: $u, assignedAgent: \"claude-code\" }) { task { id } } }",
        json!({ "t": task, "u": member }),
    )
    .await;
    app.data(
        "mutation($t: ID!) { updateTask(input: { id: $t, acceptanceCriteria: [\"tests pass\"] }) { task { id } } }",
        json!({ "t": task }),
    )
    .await;
    let exported = app.data("query($p: ID!) { project(id: $p) { taskMasterDocument } }", json!({ "p": project })).await
        ["project"]["taskMasterDocument"]
        .clone();
    let written = &exported["master"]["tasks"][0];
    assert_eq!(
        written["docket"],
        json!({ "assigneeId": member, "assignedAgent": "claude-code", "acceptanceCriteria": ["tests pass"] })
    );
    assert_eq!(
        (written["id"].clone(), written["title"].clone(), written["status"].clone()),
        (json!(1), json!("a"), json!("pending"))
    );
}

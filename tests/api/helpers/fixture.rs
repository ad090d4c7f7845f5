//! A full set of one organization's data, made through the API by its owner, with the ids and names
//! the isolation cases refer to as `{name}`.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::TestApp;

/// Everything an organization can read of itself, to see that nothing of it changed.
pub const DIGEST: &str = "{ organization { name slug settings members(first: 50) { totalCount nodes { role user { email } } }
      apiKeys(first: 50) { totalCount nodes { name revokedAt } } }
    workspaces(first: 10) { totalCount nodes { name path projectId sessions(first: 10) { totalCount nodes { status moduleName
      todos(first: 10) { totalCount nodes { status attempts filePath dependencies(first: 5) { totalCount } } }
      events(last: 10) { totalCount } } } } }
    projects(first: 10) { totalCount nodes { name taskCounts { total } tasks(first: 10) { totalCount nodes { title status version
      dependencies(first: 5) { totalCount } executions(first: 5) { nodes { status } } pullRequests(first: 5) { totalCount } } }
      pullRequests(first: 10) { totalCount nodes { title status } }
      workflows(first: 10) { totalCount nodes { name status progress phases { name status } tasks(first: 10) { totalCount } history(first: 10) { totalCount } } } } }
    tasks(first: 20) { totalCount nodes { title assignedAgent assignee { email } workflow { name } phase { name } } }
    taskDefinitions(first: 10) { totalCount nodes { name version } }
    auditLog(first: 1) { totalCount }
    events(first: 100) { totalCount nodes { type source payload } } eventTypes(first: 10) { totalCount nodes { name } }
    webhooks(first: 10) { totalCount nodes { url active eventTypes sources projectId } } }";

/// The named ids and names of one organization's data.
pub struct Fixture(HashMap<&'static str, String>);

impl Fixture {
    /// The value called `name`.
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).unwrap_or_else(|| panic!("no fixture value `{name}`"))
    }

    /// This fixture with `value` as `{name}` too.
    pub fn with(mut self, name: &'static str, value: &str) -> Fixture {
        self.0.insert(name, value.to_owned());
        self
    }

    /// A fixture of the same shape whose ids exist nowhere (fresh UUIDs) and whose names nobody uses.
    pub fn ghost(&self) -> Fixture {
        let value = |name: &str, value: &str| match uuid::Uuid::parse_str(value) {
            Ok(_) => uuid::Uuid::new_v4().to_string(),
            Err(_) => format!("ghost-{name}-{}", uuid::Uuid::new_v4().simple()),
        };
        Fixture(self.0.iter().map(|(name, v)| (*name, value(name, v))).collect())
    }

    /// `template` with every `{name}` replaced by this fixture's value and every `{own.name}` by
    /// `own`'s.
    pub fn fill(&self, template: &str, own: &Fixture) -> String {
        let mut out = template.to_owned();
        for (name, value) in &own.0 {
            out = out.replace(&format!("{{own.{name}}}"), value);
        }
        for (name, value) in &self.0 {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        assert!(!out.contains("\"{"), "unfilled placeholder in {out}");
        out
    }

    /// `response` with this fixture's values put back as `{name}` (to compare two fixtures' answers).
    pub fn unfill(&self, response: &Value) -> String {
        let mut values: Vec<(&&str, &String)> = self.0.iter().collect();
        values.sort_by_key(|(_, value)| std::cmp::Reverse(value.len()));
        values
            .iter()
            .fold(response.to_string(), |text, (name, value)| text.replace(value.as_str(), &format!("{{{name}}}")))
    }

    /// The values that must never reach another organization in an answer to `request` (which
    /// may carry some of them: an error may repeat what was asked).
    pub fn secrets_beyond(&self, request: &str) -> Vec<&str> {
        self.0.values().map(String::as_str).filter(|value| !request.contains(value)).collect()
    }
}

fn id(data: &Value, path: &[&str]) -> String {
    path.iter().fold(data, |v, key| &v[key]).as_str().unwrap_or_else(|| panic!("no {path:?} in {data}")).to_owned()
}

/// A full set of data made by `client`, its names marked with `tag`.
pub async fn fixture(client: &TestApp, tag: &str) -> Fixture {
    let mut f = HashMap::new();
    let project = client
        .data(
            "mutation($n: String!) { createProject(input: { name: $n }) { project { id name } } }",
            json!({ "n": format!("{tag}-project") }),
        )
        .await;
    f.insert("project", id(&project, &["createProject", "project", "id"]));
    f.insert("projectName", format!("{tag}-project"));
    let workspace = client
        .data(
            "mutation($n: String!, $p: String!, $project: ID!) { createWorkspace(input: { name: $n, path: $p, projectId: $project }) { workspace { id } } }",
            json!({ "n": format!("{tag}-workspace"), "p": format!("/{tag}/repo"), "project": f["project"] }),
        )
        .await;
    f.insert("workspace", id(&workspace, &["createWorkspace", "workspace", "id"]));
    f.insert("path", format!("/{tag}/repo"));
    let files = [format!("{tag}/a.rs"), format!("{tag}/b.rs"), format!("{tag}/c.rs")];
    let (session, todos) = client.start_session_in(&f["workspace"], &files.each_ref().map(String::as_str)).await;
    client.add_dependency(&todos[1], &todos[0]).await;
    f.insert("session", session.clone());
    // `todo` is claimed (its lease is `lease`), `todo2` waits for it, `todo3` is free.
    f.insert("todo", todos[0].clone());
    f.insert("todo2", todos[1].clone());
    f.insert("todo3", todos[2].clone());
    let claimed = client.claim(&session).await;
    assert_eq!(claimed["id"].as_str(), Some(todos[0].as_str()), "the first todo by priority and path");
    f.insert("lease", claimed["leaseToken"].as_str().unwrap().to_owned());
    let event = client
        .data(
            "mutation($s: ID!, $t: String!) { appendSessionEvent(input: { sessionId: $s, eventType: $t }) { event { id } } }",
            json!({ "s": session, "t": format!("{tag}-event") }),
        )
        .await;
    f.insert("event", id(&event, &["appendSessionEvent", "event", "id"]));
    // A session past its expiry, that only its own organization's sweep may expire.
    let (due, _) = client.start_session_in(&f["workspace"], &[&format!("{tag}/due.rs")]).await;
    client
        .data(
            "mutation($id: ID!) { updateDocumentationSession(input: { id: $id, expiresAt: \"2020-01-01T00:00:00Z\" }) { session { id } } }",
            json!({ "id": due }),
        )
        .await;
    f.insert("dueSession", due);
    let document = json!({ "tasks": [
        { "id": 1, "title": format!("{tag}-task-a"), "status": "pending", "dependencies": [],
          "subtasks": [{ "id": 1, "title": format!("{tag}-subtask"), "status": "pending" }] },
        { "id": 2, "title": format!("{tag}-task-b"), "status": "pending", "dependencies": [1] }
    ] });
    client
        .data(
            "mutation($p: ID!, $d: JSON!) { importTaskMasterTasks(projectId: $p, document: $d) { dryRun } }",
            json!({ "p": f["project"], "d": document }),
        )
        .await;
    let tasks = client
        .data(
            "query($p: ID!) { project(id: $p) { tasks(first: 10) { nodes { id externalId } } } }",
            json!({ "p": f["project"] }),
        )
        .await;
    for task in tasks["project"]["tasks"]["nodes"].as_array().unwrap() {
        let name = match task["externalId"].as_str().unwrap() {
            "1" => "task",
            "1.1" => "subtask",
            _ => "task2",
        };
        f.insert(name, task["id"].as_str().unwrap().to_owned());
    }
    // A DAG workflow with one phase holding both top-level tasks.
    let workflow = client
        .data(
            "mutation($p: ID!, $n: String!, $ph: String!) { createWorkflow(input: { projectId: $p, name: $n, kind: DAG, phases: [{ name: $ph }] }) { workflow { id phases { id } } } }",
            json!({ "p": f["project"], "n": format!("{tag}-workflow"), "ph": format!("{tag}-phase") }),
        )
        .await;
    f.insert("workflow", id(&workflow, &["createWorkflow", "workflow", "id"]));
    f.insert("workflowName", format!("{tag}-workflow"));
    f.insert("phase", workflow["createWorkflow"]["workflow"]["phases"][0]["id"].as_str().unwrap().to_owned());
    client
        .data(
            "mutation($w: ID!, $ph: ID!, $t: [ID!]!) { addTasksToWorkflow(input: { workflowId: $w, phaseId: $ph, taskIds: $t }) { workflow { id } } }",
            json!({ "w": f["workflow"], "ph": f["phase"], "t": [f["task"], f["task2"]] }),
        )
        .await;
    let definition = client
        .data(
            "mutation($n: String!) { createTaskDefinition(input: { name: $n, defaults: { title: \"Do {{what}}\" } }) { taskDefinition { id } } }",
            json!({ "n": format!("{tag}-definition") }),
        )
        .await;
    f.insert("definition", id(&definition, &["createTaskDefinition", "taskDefinition", "id"]));
    f.insert("definitionName", format!("{tag}-definition"));
    let execution = client
        .data(
            "mutation($t: ID!) { startTaskExecution(input: { taskId: $t, agent: \"agent\" }) { execution { id } } }",
            json!({ "t": f["task"] }),
        )
        .await;
    f.insert("execution", id(&execution, &["startTaskExecution", "execution", "id"]));
    let pr = client
        .data(
            "mutation($p: ID!, $t: String!) { createPullRequest(input: { projectId: $p, repositoryUrl: \"https://x/y\", branch: \"b\", title: $t }) { pullRequest { id } } }",
            json!({ "p": f["project"], "t": format!("{tag}-pr") }),
        )
        .await;
    f.insert("pr", id(&pr, &["createPullRequest", "pullRequest", "id"]));
    client
        .data(
            "mutation($t: ID!, $pr: ID!) { linkPullRequest(input: { taskId: $t, pullRequestId: $pr }) { pullRequest { id } } }",
            json!({ "t": f["task"], "pr": f["pr"] }),
        )
        .await;
    let user = client
        .data(
            "mutation($e: String!) { createUser(input: { email: $e, name: \"U\", role: VIEWER }) { member { user { id } } } }",
            json!({ "e": format!("{tag}-user@example.com") }),
        )
        .await;
    f.insert("user", id(&user, &["createUser", "member", "user", "id"]));
    client
        .data(
            "mutation($t: ID!, $u: ID!, $a: String!) { assignTask(input: { taskId: $t, assigneeId: $u, assignedAgent: $a }) { task { id } } }",
            json!({ "t": f["task"], "u": f["user"], "a": format!("{tag}-agent") }),
        )
        .await;
    f.insert("agent", format!("{tag}-agent"));
    f.insert("userEmail", format!("{tag}-user@example.com"));
    let key = client
        .data(
            "mutation($n: String!) { createApiKey(input: { name: $n, role: VIEWER }) { apiKey { id prefix } } }",
            json!({ "n": format!("{tag}-key") }),
        )
        .await;
    f.insert("key", id(&key, &["createApiKey", "apiKey", "id"]));
    f.insert("keyPrefix", id(&key, &["createApiKey", "apiKey", "prefix"]));
    let recorded = client
        .data(
            "mutation($t: ID!, $k: String!, $c: String!) { recordEvent(input: { taskId: $t, source: \"agent\", \
             type: \"agent.note\", idempotencyKey: $k, correlationId: $c, payload: { n: 1 } }) { event { id cursor } } }",
            json!({ "t": f["task"], "k": format!("{tag}-key"), "c": format!("{tag}-corr") }),
        )
        .await;
    f.insert("logEvent", id(&recorded, &["recordEvent", "event", "id"]));
    f.insert("eventCursor", id(&recorded, &["recordEvent", "event", "cursor"]));
    f.insert("idempotencyKey", format!("{tag}-key"));
    f.insert("correlationId", format!("{tag}-corr"));
    let event_type = client
        .data(
            "mutation($n: String!) { createEventType(input: { name: $n, retentionDays: 7 }) { eventType { id } } }",
            json!({ "n": format!("{tag}.type") }),
        )
        .await;
    f.insert("eventType", id(&event_type, &["createEventType", "eventType", "id"]));
    f.insert("eventTypeName", format!("{tag}.type"));
    // A paused webhook (nothing is delivered to its dead address); servers that use the fixture allow
    // private webhook addresses.
    let url = format!("http://127.0.0.1:9/{tag}-hook");
    let webhook = client
        .data(
            "mutation($u: String!, $p: ID!) { createWebhook(input: { url: $u, projectId: $p, eventTypes: [\"task.created\"] }) { webhook { id } } }",
            json!({ "u": url, "p": f["project"] }),
        )
        .await;
    f.insert("webhook", id(&webhook, &["createWebhook", "webhook", "id"]));
    client
        .data(
            "mutation($id: ID!) { updateWebhook(input: { id: $id, active: false }) { webhook { active } } }",
            json!({ "id": f["webhook"] }),
        )
        .await;
    f.insert("webhookUrl", url);
    f.insert("tag", tag.to_owned());
    Fixture(f)
}

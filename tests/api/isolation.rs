//! Isolation between organizations, on every path, generated from the schema. Two organizations
//! each hold a full set of data; every root query, mutation and subscription field is tried by one
//! organization's owner against the other's ids, selecting everything reachable from the field's
//! type. An id of another organization must behave exactly like an id that does not exist: `null`
//! from queries (which give the data to its own owner, so the ids are real), `NOT_FOUND` from
//! mutations and subscriptions, the same answer as for a fresh id, and absent from every list,
//! nested connection, count, summary and export. No answer may carry any of the other
//! organization's ids or names, and its data must read the same afterwards. The test fails when a
//! root field, or an `ID` argument of one, has no case.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{
    Delivery, Protocol, TestApp, TestDb, error_code,
    fixture::{DIGEST, fixture},
    introspection::Schema,
    spawn_app_on,
};

/// What a case expects of the other organization's owner.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// `null` (and, for its own owner, not).
    Null,
    /// A list of `null`s (and, for its own owner, of none).
    Nulls,
    /// The first error's code.
    Code(&'static str),
    /// No error: the caller's own data only.
    Own,
}

use Expect::{Code, Null, Nulls, Own};

/// (root field, its arguments, expectation). `{name}` is the target organization's value,
/// `{own.name}` the caller's. The selection is generated from the schema.
const QUERIES: &[(&str, &str, Expect)] = &[
    ("viewer", "", Own),
    ("organization", "", Own),
    ("workspace", "id: \"{workspace}\"", Null),
    ("workspaceByPath", "path: \"{path}\"", Null),
    ("workspaces", "first: 100", Own),
    ("documentationSession", "id: \"{session}\"", Null),
    ("sessionTodo", "id: \"{todo}\"", Null),
    ("projects", "first: 100", Own),
    ("project", "id: \"{project}\"", Null),
    ("projectByName", "name: \"{projectName}\"", Null),
    ("task", "id: \"{task}\"", Null),
    ("task", "id: \"{subtask}\"", Null),
    ("taskByExternalId", "projectId: \"{project}\", externalId: \"1\"", Null),
    ("auditLog", "first: 100", Own),
    ("auditLog", "entityId: \"{task}\"", Own),
    ("events", "first: 100", Own),
    ("events", "filter: { projectId: \"{project}\" }", Own),
    ("events", "filter: { taskId: \"{task}\", correlationId: \"{correlationId}\" }", Own),
    ("eventTypes", "first: 100", Own),
    ("webhooks", "first: 100", Own),
    ("webhook", "id: \"{webhook}\"", Null),
    ("workflow", "id: \"{workflow}\"", Null),
    ("workflows", "first: 100", Own),
    ("workflows", "filter: { projectId: \"{project}\" }", Own),
    ("taskDefinition", "id: \"{definition}\"", Null),
    ("taskDefinitions", "filter: { name: \"{definitionName}\" }", Own),
    ("tasks", "first: 100", Own),
    ("tasks", "filter: { projectId: \"{project}\", workflowId: \"{workflow}\", assigneeId: \"{user}\" }", Own),
    ("tasks", "filter: { assignedAgent: \"{agent}\" }", Own),
    ("events", "filter: { workflowId: \"{workflow}\" }", Own),
    ("node", "id: \"{workflow}\"", Null),
    ("node", "id: \"{phase}\"", Null),
    ("node", "id: \"{definition}\"", Null),
    ("node", "id: \"{workspace}\"", Null),
    ("node", "id: \"{session}\"", Null),
    ("node", "id: \"{todo}\"", Null),
    ("node", "id: \"{project}\"", Null),
    ("node", "id: \"{task}\"", Null),
    ("node", "id: \"{execution}\"", Null),
    ("node", "id: \"{pr}\"", Null),
    // A single value is a list of one (GraphQL's input coercion), which the coverage check reads.
    ("nodes", "ids: \"{workspace}\"", Nulls),
    ("nodes", "ids: [\"{session}\", \"{todo}\", \"{project}\", \"{task}\", \"{execution}\", \"{pr}\"]", Nulls),
    ("nodes", "ids: [\"{workflow}\", \"{phase}\", \"{definition}\"]", Nulls),
];

const MUTATIONS: &[(&str, &str, Expect)] = &[
    ("createWorkspace", "input: { name: \"w\", path: \"/w\", projectId: \"{project}\" }", Code("NOT_FOUND")),
    ("updateWorkspace", "input: { id: \"{workspace}\", name: \"taken\" }", Code("NOT_FOUND")),
    ("updateWorkspace", "input: { id: \"{own.workspace}\", projectId: \"{project}\" }", Code("NOT_FOUND")),
    ("deleteWorkspace", "input: { id: \"{workspace}\" }", Code("NOT_FOUND")),
    (
        "startDocumentationSession",
        "input: { workspaceId: \"{workspace}\", moduleName: \"m\", filePaths: [\"x\"] }",
        Code("NOT_FOUND"),
    ),
    ("updateDocumentationSession", "input: { id: \"{session}\", status: FAILED }", Code("NOT_FOUND")),
    ("deleteDocumentationSession", "input: { id: \"{session}\" }", Code("NOT_FOUND")),
    ("createSessionTodos", "input: { sessionId: \"{session}\", todos: [{ filePath: \"x\" }] }", Code("NOT_FOUND")),
    ("updateSessionTodo", "input: { id: \"{todo}\", priority: 3 }", Code("NOT_FOUND")),
    ("addTodoDependency", "input: { todoId: \"{own.todo}\", dependsOnId: \"{todo}\" }", Code("NOT_FOUND")),
    ("addTodoDependency", "input: { todoId: \"{todo2}\", dependsOnId: \"{own.todo}\" }", Code("NOT_FOUND")),
    ("claimNextTodo", "sessionId: \"{session}\"", Code("NOT_FOUND")),
    ("renewTodoLease", "id: \"{todo}\", leaseToken: \"x\"", Code("NOT_FOUND")),
    ("completeTodo", "id: \"{todo}\", leaseToken: \"x\"", Code("NOT_FOUND")),
    ("failTodo", "id: \"{todo}\", leaseToken: \"x\", error: \"e\"", Code("NOT_FOUND")),
    ("skipTodo", "id: \"{todo}\"", Code("NOT_FOUND")),
    ("appendSessionEvent", "input: { sessionId: \"{session}\", eventType: \"x\" }", Code("NOT_FOUND")),
    ("expireSessions", "", Own),
    ("createProject", "input: { name: \"{projectName}\" }", Own),
    ("updateProject", "input: { id: \"{project}\", name: \"taken\" }", Code("NOT_FOUND")),
    ("deleteProject", "input: { id: \"{project}\" }", Code("NOT_FOUND")),
    ("createTask", "input: { projectId: \"{project}\", title: \"t\" }", Code("NOT_FOUND")),
    ("createTask", "input: { projectId: \"{own.project}\", parentId: \"{task}\", title: \"t\" }", Code("NOT_FOUND")),
    (
        "createTask",
        "input: { projectId: \"{own.project}\", title: \"t\", workflowId: \"{workflow}\" }",
        Code("NOT_FOUND"),
    ),
    (
        "createTask",
        "input: { projectId: \"{own.project}\", title: \"t\", workflowId: \"{own.workflow}\", phaseId: \"{phase}\" }",
        Code("NOT_FOUND"),
    ),
    ("createTask", "input: { projectId: \"{own.project}\", title: \"t\", assigneeId: \"{user}\" }", Code("NOT_FOUND")),
    ("updateTask", "input: { id: \"{task}\", title: \"taken\" }", Code("NOT_FOUND")),
    ("updateTask", "input: { id: \"{own.task}\", assigneeId: \"{user}\" }", Code("NOT_FOUND")),
    ("transitionTask", "id: \"{task}\", status: DONE", Code("NOT_FOUND")),
    ("deleteTask", "input: { id: \"{subtask}\" }", Code("NOT_FOUND")),
    ("addTaskDependency", "input: { taskId: \"{own.task}\", dependsOnId: \"{task}\" }", Code("NOT_FOUND")),
    (
        "addTaskDependency",
        "input: { taskId: \"{task}\", dependsOnId: \"{own.task2}\", kind: RELATED }",
        Code("NOT_FOUND"),
    ),
    ("removeTaskDependency", "input: { taskId: \"{task2}\", dependsOnId: \"{task}\" }", Code("NOT_FOUND")),
    ("importTaskMasterTasks", "projectId: \"{project}\", document: { tasks: [] }", Code("NOT_FOUND")),
    ("startTaskExecution", "input: { taskId: \"{task}\", agent: \"a\" }", Code("NOT_FOUND")),
    ("finishTaskExecution", "input: { id: \"{execution}\", status: FAILED }", Code("NOT_FOUND")),
    (
        "createPullRequest",
        "input: { projectId: \"{project}\", repositoryUrl: \"u\", branch: \"b\", title: \"t\" }",
        Code("NOT_FOUND"),
    ),
    ("updatePullRequest", "input: { id: \"{pr}\", status: MERGED }", Code("NOT_FOUND")),
    ("deletePullRequest", "input: { id: \"{pr}\" }", Code("NOT_FOUND")),
    ("linkPullRequest", "input: { taskId: \"{own.task}\", pullRequestId: \"{pr}\" }", Code("NOT_FOUND")),
    ("linkPullRequest", "input: { taskId: \"{task}\", pullRequestId: \"{own.pr}\" }", Code("NOT_FOUND")),
    ("unlinkPullRequest", "input: { taskId: \"{task}\", pullRequestId: \"{pr}\" }", Code("NOT_FOUND")),
    ("createWorkflow", "input: { projectId: \"{project}\", name: \"w\" }", Code("NOT_FOUND")),
    ("updateWorkflow", "input: { id: \"{workflow}\", name: \"taken\" }", Code("NOT_FOUND")),
    ("transitionWorkflow", "input: { id: \"{workflow}\", status: PAUSED }", Code("NOT_FOUND")),
    ("deleteWorkflow", "input: { id: \"{workflow}\" }", Code("NOT_FOUND")),
    ("createWorkflowPhase", "input: { workflowId: \"{workflow}\", name: \"p\" }", Code("NOT_FOUND")),
    ("updateWorkflowPhase", "input: { id: \"{phase}\", status: SKIPPED }", Code("NOT_FOUND")),
    ("deleteWorkflowPhase", "input: { id: \"{phase}\" }", Code("NOT_FOUND")),
    ("addTasksToWorkflow", "input: { workflowId: \"{workflow}\", taskIds: \"{own.task}\" }", Code("NOT_FOUND")),
    (
        "addTasksToWorkflow",
        "input: { workflowId: \"{own.workflow}\", phaseId: \"{phase}\", taskIds: \"{own.task}\" }",
        Code("NOT_FOUND"),
    ),
    ("addTasksToWorkflow", "input: { workflowId: \"{own.workflow}\", taskIds: \"{task}\" }", Code("NOT_FOUND")),
    ("removeTasksFromWorkflow", "input: { workflowId: \"{workflow}\", taskIds: \"{own.task}\" }", Code("NOT_FOUND")),
    ("removeTasksFromWorkflow", "input: { workflowId: \"{own.workflow}\", taskIds: \"{task}\" }", Code("NOT_FOUND")),
    ("assignTask", "input: { taskId: \"{task}\", assignedAgent: \"a\" }", Code("NOT_FOUND")),
    ("assignTask", "input: { taskId: \"{own.task}\", assigneeId: \"{user}\" }", Code("NOT_FOUND")),
    ("unassignTask", "input: { taskId: \"{task}\" }", Code("NOT_FOUND")),
    // Definition names are per organization: another's name makes the caller's own definition.
    ("createTaskDefinition", "input: { name: \"{definitionName}\" }", Own),
    ("updateTaskDefinition", "input: { id: \"{definition}\", description: \"d\" }", Code("NOT_FOUND")),
    ("deleteTaskDefinition", "input: { id: \"{definition}\" }", Code("NOT_FOUND")),
    (
        "createTaskFromDefinition",
        "input: { definitionId: \"{definition}\", projectId: \"{own.project}\", input: { what: \"x\" } }",
        Code("NOT_FOUND"),
    ),
    (
        "createTaskFromDefinition",
        "input: { definitionId: \"{own.definition}\", projectId: \"{project}\", input: { what: \"x\" } }",
        Code("NOT_FOUND"),
    ),
    (
        "createTaskFromDefinition",
        "input: { definitionId: \"{own.definition}\", projectId: \"{own.project}\", workflowId: \"{workflow}\", input: { what: \"x\" } }",
        Code("NOT_FOUND"),
    ),
    (
        "createTaskFromDefinition",
        "input: { definitionId: \"{own.definition}\", projectId: \"{own.project}\", workflowId: \"{own.workflow}\", phaseId: \"{phase}\", input: { what: \"x\" } }",
        Code("NOT_FOUND"),
    ),
    ("createApiKey", "input: { name: \"k\", role: VIEWER, userId: \"{user}\" }", Code("NOT_FOUND")),
    ("revokeApiKey", "input: { id: \"{key}\" }", Code("NOT_FOUND")),
    ("createUser", "input: { email: \"fresh-{own.tag}@example.com\", name: \"F\" }", Own),
    // Users are people, shared between organizations: an admin who knows a person's email may add
    // them (nothing of another organization comes with them), so the case is an unknown email.
    ("addMember", "input: { email: \"nobody-{own.tag}@example.com\" }", Code("NOT_FOUND")),
    ("updateMemberRole", "input: { userId: \"{user}\", role: ADMIN }", Code("NOT_FOUND")),
    ("removeMember", "input: { userId: \"{user}\" }", Code("NOT_FOUND")),
    ("recordEvent", "input: { projectId: \"{project}\", source: \"agent\", type: \"x\" }", Code("NOT_FOUND")),
    ("recordEvent", "input: { taskId: \"{task}\", source: \"agent\", type: \"x\" }", Code("NOT_FOUND")),
    // Idempotency keys are per organization: another's key records a new event of the caller's own.
    ("recordEvent", "input: { source: \"agent\", type: \"x\", idempotencyKey: \"{idempotencyKey}\" }", Own),
    ("createEventType", "input: { name: \"{eventTypeName}\" }", Own),
    ("updateEventType", "input: { id: \"{eventType}\", retentionDays: 5 }", Code("NOT_FOUND")),
    ("deleteEventType", "input: { id: \"{eventType}\" }", Code("NOT_FOUND")),
    ("setInboundWebhookSecret", "input: { source: \"github\", secret: \"0123456789abcdef\" }", Own),
    ("updateOrganization", "input: { name: \"{own.tag}-renamed\", settings: { a: 1 } }", Own),
    (
        "createWebhook",
        "input: { url: \"http://127.0.0.1:9/{own.tag}-new\", projectId: \"{project}\" }",
        Code("NOT_FOUND"),
    ),
    ("updateWebhook", "input: { id: \"{webhook}\", url: \"http://127.0.0.1:9/taken\" }", Code("NOT_FOUND")),
    ("updateWebhook", "input: { id: \"{own.webhook}\", projectId: \"{project}\" }", Code("NOT_FOUND")),
    ("deleteWebhook", "input: { id: \"{webhook}\" }", Code("NOT_FOUND")),
    ("redeliverWebhookEvent", "input: { webhookId: \"{webhook}\", eventId: \"{own.logEvent}\" }", Code("NOT_FOUND")),
    ("redeliverWebhookEvent", "input: { webhookId: \"{own.webhook}\", eventId: \"{logEvent}\" }", Code("NOT_FOUND")),
];

const SUBSCRIPTIONS: &[(&str, &str)] = &[
    ("sessionEvents", "sessionId: \"{session}\", afterSequence: 0"),
    ("taskEvents", "projectId: \"{project}\""),
    ("events", "filter: { projectId: \"{project}\" }"),
    ("events", "filter: { taskId: \"{task}\" }"),
    ("events", "filter: { workflowId: \"{workflow}\" }"),
];

/// The cases of each operation kind, as (kind, field, arguments, expectation).
fn cases() -> impl Iterator<Item = (&'static str, &'static str, &'static str, Expect)> {
    let tag = |kind: &'static str| {
        move |(field, args, expect): &(&'static str, &'static str, Expect)| (kind, *field, *args, *expect)
    };
    QUERIES
        .iter()
        .map(tag("query"))
        .chain(MUTATIONS.iter().map(tag("mutation")))
        .chain(SUBSCRIPTIONS.iter().map(|(field, args)| ("subscription", *field, *args, Code("NOT_FOUND"))))
}

/// Fails unless every root field has a case, and every `ID` argument of a root field is given
/// another organization's id by one of its cases.
fn assert_covered(schema: &Schema) {
    let covered: BTreeSet<(&str, String)> = cases().map(|(kind, field, _, _)| (kind, field.to_owned())).collect();
    let missing: Vec<_> = schema.root_fields().difference(&covered).cloned().collect();
    assert!(missing.is_empty(), "root fields without an isolation case: {missing:?}");
    for (kind, field) in schema.root_fields() {
        for argument in schema.id_arguments(kind, &field) {
            let foreign = cases().any(|(k, f, args, _)| {
                k == kind
                    && f == field
                    && args.contains(&format!("{argument}: \"{{"))
                    && !args.contains(&format!("{argument}: \"{{own."))
            });
            assert!(foreign, "no isolation case gives `{kind} {field}` another organization's `{argument}`");
        }
    }
}

/// Fails with what leaked when `response` carries any of `secrets`.
fn assert_no_leak(response: &Value, secrets: &[&str], case: &str) {
    let text = response.to_string();
    let leaked: Vec<&&str> = secrets.iter().filter(|s| text.contains(**s)).collect();
    assert!(leaked.is_empty(), "{case}\nleaked {leaked:?} in {text}");
}

/// The first delivery of a subscription.
async fn first_delivery(client: &TestApp, protocol: Protocol, operation: &str) -> Delivery {
    let mut subscription = client.subscribe(protocol, operation, json!({})).await;
    let delivery = subscription.next().await;
    subscription.close().await;
    delivery
}

#[tokio::test]
async fn no_root_field_lets_one_organization_see_or_touch_anothers_data() {
    let db = TestDb::new(false).await;
    // Generated selections read everything reachable: far above the default complexity and token
    // limits (`node` selects every field of every node type: about 45,000 tokens).
    let app = spawn_app_on(&db, |config| {
        config.max_complexity = 100_000_000;
        config.max_tokens = 1_000_000;
        config.allow_private_webhooks = true; // the fixtures' webhooks point at 127.0.0.1
        // No background sweep during the run: it would expire the other organization's due session,
        // which only that organization's own `expireSessions` may (the background sweep is everyone's).
        config.expiry_interval_secs = 24 * 60 * 60;
    })
    .await;
    let schema = Schema::load(&app).await;
    assert_covered(&schema);

    // Each organization's data is tagged with its name, which is therefore a secret too.
    let alpha = app.create_tenant("alpha").await;
    let beta = app.create_tenant("beta").await;
    let a = fixture(&alpha.owner, "alpha").await;
    let b = fixture(&beta.owner, "beta").await;
    let ghost = b.ghost();
    let before = beta.owner.data(DIGEST, json!({})).await;

    for (kind, field, arguments, expect) in cases().filter(|(kind, ..)| *kind != "subscription") {
        let operation = schema.operation(kind, field, arguments);
        let request = b.fill(&operation, &a);
        if kind == "query" {
            // The ids are real: their own owner reads them.
            let own = beta.owner.gql(&request, json!({})).await;
            assert!(own.get("errors").is_none(), "{field} as its owner: {own}");
            if let Null = expect {
                assert!(!own["data"][field].is_null(), "{field} finds nothing even for its owner: {own}");
            }
            if let Nulls = expect {
                let items = own["data"][field].as_array().unwrap();
                assert!(items.iter().all(|i| !i.is_null()), "{field} misses rows even for its owner: {own}");
            }
        }
        let foreign = alpha.owner.gql(&request, json!({})).await;
        match expect {
            Null => {
                assert!(foreign.get("errors").is_none(), "{field}: {foreign}");
                assert!(foreign["data"][field].is_null(), "{field} reached another organization's row: {foreign}");
            }
            Nulls => {
                assert!(foreign.get("errors").is_none(), "{field}: {foreign}");
                let items = foreign["data"][field].as_array().unwrap();
                assert!(items.iter().all(Value::is_null), "{field} reached another organization's rows: {foreign}");
            }
            Code(code) => assert_eq!(error_code(&foreign), code, "{request}\n{foreign}"),
            Own => assert!(foreign.get("errors").is_none(), "{request}\n{foreign}"),
        }
        assert_no_leak(&foreign, &b.secrets_beyond(&request), &request);
        if !matches!(expect, Own) {
            // Exactly like an id that does not exist.
            let fresh = alpha.owner.gql(&ghost.fill(&operation, &a), json!({})).await;
            assert_eq!(
                b.unfill(&foreign),
                ghost.unfill(&fresh),
                "{field}: another organization's id answers differently"
            );
        }
    }

    for (_, field, arguments, _) in cases().filter(|(kind, ..)| *kind == "subscription") {
        let operation = schema.operation("subscription", field, arguments);
        let request = b.fill(&operation, &a);
        for protocol in [Protocol::TransportWs, Protocol::LegacyWs] {
            if field == "sessionEvents" {
                let own = first_delivery(&beta.owner, protocol, &request).await;
                assert!(matches!(own, Delivery::Data(_)), "{field}: its owner gets its events, got {own:?}");
            }
            let foreign = match first_delivery(&alpha.owner, protocol, &request).await {
                Delivery::Errors(errors) => errors,
                other => panic!("{field} over {protocol:?} reached another organization: {other:?}"),
            };
            assert_eq!(foreign[0]["extensions"]["code"], "NOT_FOUND", "{field}: {foreign}");
            assert_no_leak(&foreign, &b.secrets_beyond(&request), &request);
            let fresh = match first_delivery(&alpha.owner, protocol, &ghost.fill(&operation, &a)).await {
                Delivery::Errors(errors) => errors,
                other => panic!("{field} with a fresh id: {other:?}"),
            };
            assert_eq!(
                b.unfill(&foreign),
                ghost.unfill(&fresh),
                "{field}: another organization's id answers differently"
            );
        }
    }

    // Nothing of the other organization changed, its due session included (expireSessions ran).
    let after = beta.owner.data(DIGEST, json!({})).await;
    assert_eq!(before, after, "another organization's data changed");
    let status = "query($id: ID!) { documentationSession(id: $id) { status } }";
    let due = beta.owner.data(status, json!({ "id": b.get("dueSession") })).await;
    assert_eq!(due["documentationSession"]["status"], "PENDING");
    // ... while the caller's own sweep expired its own.
    let own_due = alpha.owner.data(status, json!({ "id": a.get("dueSession") })).await;
    assert_eq!(own_due["documentationSession"]["status"], "EXPIRED");
    // A project name is unique per organization only: alpha now has one named like beta's.
    let same_name = alpha
        .owner
        .data("query($n: String!) { projectByName(name: $n) { id } }", json!({ "n": b.get("projectName") }))
        .await;
    assert!(same_name["projectByName"]["id"].is_string());
}

//! Roles: `viewer` reads and subscribes, `member` also writes work items, `admin` also manages keys,
//! users and memberships, `owner` also changes the organization. Every mutation of the schema is
//! tried by every role below the one it needs (`FORBIDDEN`, nothing written) and by the role it
//! needs (it works), generated from the schema's root fields; a role is never handed out above the
//! grantor's own, and a person's key acts with the lesser of its role and the person's.

use api::service::Role;
use serde_json::{Value, json};

use crate::helpers::{
    Delivery, Protocol, TestApp, TestDb, error_code,
    fixture::{DIGEST, Fixture, fixture},
    introspection::Schema,
    spawn_app, spawn_app_on,
};

use Role::{Admin, Member, Owner, Viewer};

/// (mutation, its arguments over the fixture's `{name}`s, the least role that may run it).
const WRITES: &[(&str, &str, Role)] = &[
    ("createWorkspace", "input: { name: \"w\", path: \"/w\", projectId: \"{project}\" }", Member),
    ("updateWorkspace", "input: { id: \"{workspace}\", name: \"renamed\" }", Member),
    ("deleteWorkspace", "input: { id: \"{workspace}\" }", Member),
    (
        "startDocumentationSession",
        "input: { workspaceId: \"{workspace}\", moduleName: \"m\", filePaths: [\"x\"] }",
        Member,
    ),
    ("updateDocumentationSession", "input: { id: \"{session}\", status: FAILED }", Member),
    ("deleteDocumentationSession", "input: { id: \"{session}\" }", Member),
    ("expireSessions", "", Member),
    ("createSessionTodos", "input: { sessionId: \"{session}\", todos: [{ filePath: \"x\" }] }", Member),
    ("updateSessionTodo", "input: { id: \"{todo2}\", priority: 3 }", Member),
    ("addTodoDependency", "input: { todoId: \"{todo3}\", dependsOnId: \"{todo}\" }", Member),
    ("claimNextTodo", "sessionId: \"{session}\"", Member),
    ("renewTodoLease", "id: \"{todo}\", leaseToken: \"{lease}\"", Member),
    ("completeTodo", "id: \"{todo}\", leaseToken: \"{lease}\"", Member),
    ("failTodo", "id: \"{todo}\", leaseToken: \"{lease}\", error: \"e\"", Member),
    ("skipTodo", "id: \"{todo2}\"", Member),
    ("appendSessionEvent", "input: { sessionId: \"{session}\", eventType: \"x\" }", Member),
    ("createProject", "input: { name: \"{tag}-another\" }", Member),
    ("updateProject", "input: { id: \"{project}\", description: \"d\" }", Member),
    ("deleteProject", "input: { id: \"{project}\" }", Member),
    ("createTask", "input: { projectId: \"{project}\", parentId: \"{task}\", title: \"t\" }", Member),
    ("updateTask", "input: { id: \"{task}\", title: \"renamed\" }", Member),
    ("transitionTask", "id: \"{task}\", status: IN_PROGRESS", Member),
    ("deleteTask", "input: { id: \"{subtask}\" }", Member),
    ("addTaskDependency", "input: { taskId: \"{task}\", dependsOnId: \"{task2}\", kind: RELATED }", Member),
    ("removeTaskDependency", "input: { taskId: \"{task2}\", dependsOnId: \"{task}\" }", Member),
    ("importTaskMasterTasks", "projectId: \"{project}\", document: { tasks: [] }", Member),
    ("startTaskExecution", "input: { taskId: \"{task2}\", agent: \"a\" }", Member),
    ("finishTaskExecution", "input: { id: \"{execution}\", status: FAILED }", Member),
    (
        "createPullRequest",
        "input: { projectId: \"{project}\", repositoryUrl: \"u\", branch: \"b\", title: \"t\" }",
        Member,
    ),
    ("updatePullRequest", "input: { id: \"{pr}\", status: MERGED }", Member),
    ("deletePullRequest", "input: { id: \"{pr}\" }", Member),
    ("linkPullRequest", "input: { taskId: \"{task2}\", pullRequestId: \"{pr}\" }", Member),
    ("unlinkPullRequest", "input: { taskId: \"{task}\", pullRequestId: \"{pr}\" }", Member),
    ("createWorkflow", "input: { projectId: \"{project}\", name: \"{tag}-another\", kind: PARALLEL }", Member),
    ("updateWorkflow", "input: { id: \"{workflow}\", description: \"d\" }", Member),
    ("transitionWorkflow", "input: { id: \"{workflow}\", status: RUNNING, note: \"go\" }", Member),
    ("deleteWorkflow", "input: { id: \"{workflow}\" }", Member),
    ("createWorkflowPhase", "input: { workflowId: \"{workflow}\", name: \"review\" }", Member),
    ("updateWorkflowPhase", "input: { id: \"{phase}\", exitCriteria: \"signed off\" }", Member),
    ("deleteWorkflowPhase", "input: { id: \"{phase}\" }", Member),
    ("addTasksToWorkflow", "input: { workflowId: \"{workflow}\", taskIds: \"{subtask}\" }", Member),
    ("removeTasksFromWorkflow", "input: { workflowId: \"{workflow}\", taskIds: \"{task2}\" }", Member),
    ("assignTask", "input: { taskId: \"{task2}\", assignedAgent: \"claude-code\" }", Member),
    ("unassignTask", "input: { taskId: \"{task}\" }", Member),
    ("createTaskDefinition", "input: { name: \"{tag}-another-definition\" }", Member),
    ("updateTaskDefinition", "input: { id: \"{definition}\", description: \"d\" }", Member),
    ("deleteTaskDefinition", "input: { id: \"{definition}\" }", Member),
    (
        "createTaskFromDefinition",
        "input: { definitionId: \"{definition}\", projectId: \"{project}\", input: { what: \"x\" } }",
        Member,
    ),
    ("createApiKey", "input: { name: \"k\", role: VIEWER }", Admin),
    ("revokeApiKey", "input: { id: \"{key}\" }", Admin),
    ("createUser", "input: { email: \"new-{tag}@example.com\", name: \"N\" }", Admin),
    ("addMember", "input: { email: \"{outsider}\", role: VIEWER }", Admin),
    ("updateMemberRole", "input: { userId: \"{user}\", role: MEMBER }", Admin),
    ("removeMember", "input: { userId: \"{user}\" }", Admin),
    ("recordEvent", "input: { taskId: \"{task}\", source: \"agent\", type: \"agent.note\" }", Member),
    ("createEventType", "input: { name: \"deploy.finished\" }", Admin),
    ("updateEventType", "input: { id: \"{eventType}\", retentionDays: 3 }", Admin),
    ("deleteEventType", "input: { id: \"{eventType}\" }", Admin),
    ("setInboundWebhookSecret", "input: { source: \"github\", secret: \"0123456789abcdef\" }", Admin),
    ("updateOrganization", "input: { settings: { retentionDays: 30 } }", Owner),
    ("createWebhook", "input: { url: \"http://127.0.0.1:9/{tag}-new\", eventTypes: [\"none.such\"] }", Admin),
    ("updateWebhook", "input: { id: \"{webhook}\", sources: [\"agent\"] }", Admin),
    ("deleteWebhook", "input: { id: \"{webhook}\" }", Admin),
    ("redeliverWebhookEvent", "input: { webhookId: \"{webhook}\", eventId: \"{logEvent}\" }", Admin),
];

const ROLES: [Role; 4] = [Viewer, Member, Admin, Owner];

/// A client of `app` for each role, with service keys of `organization`.
async fn clients(app: &TestApp, organization: uuid::Uuid) -> Vec<(Role, TestApp)> {
    let mut clients = Vec::new();
    for role in ROLES {
        let token = app.create_key(organization, role, &format!("{role:?}").to_lowercase()).await;
        clients.push((role, app.with_token(&token)));
    }
    clients
}

fn client(clients: &[(Role, TestApp)], role: Role) -> &TestApp {
    &clients.iter().find(|(r, _)| *r == role).unwrap().1
}

/// A person with `email` in another organization, whom the `addMember` case adds.
async fn outsider(app: &TestApp, email: &str) {
    let other = app.create_tenant("elsewhere").await;
    other
        .owner
        .data(
            "mutation($e: String!) { createUser(input: { email: $e, name: \"O\" }) { member { role } } }",
            json!({ "e": email }),
        )
        .await;
}

#[tokio::test]
async fn every_mutation_is_forbidden_below_its_role_writes_nothing_then_and_works_at_it() {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, |config| {
        config.allow_private_webhooks = true; // the fixtures' webhooks point at 127.0.0.1
        // No background sweep during the run: on a loaded machine the run passes a minute, and the sweep
        // expiring the fixtures' due session between two snapshots would read as a refused write.
        config.expiry_interval_secs = 24 * 60 * 60;
    })
    .await;
    let schema = Schema::load(&app).await;
    let mutations: Vec<String> =
        schema.root_fields().into_iter().filter(|(kind, _)| *kind == "mutation").map(|(_, field)| field).collect();
    let missing: Vec<&String> = mutations.iter().filter(|m| !WRITES.iter().any(|(field, ..)| field == m)).collect();
    assert!(missing.is_empty(), "mutations without a role case: {missing:?}");

    let acme = app.create_tenant("acme").await;
    let clients = clients(&app, acme.id).await;
    outsider(&app, "outsider@example.com").await;
    let with_outsider = |f: Fixture| f.with("outsider", "outsider@example.com");
    let shared = with_outsider(fixture(&acme.owner, "shared").await);

    for (i, (field, arguments, needed)) in WRITES.iter().enumerate() {
        let refused = schema.brief_operation("mutation", field, &shared.fill(arguments, &shared));
        let before = acme.owner.data(DIGEST, json!({})).await;
        for (role, client) in clients.iter().filter(|(role, _)| role < needed) {
            let answer = client.gql(&refused, json!({})).await;
            assert_eq!(error_code(&answer), "FORBIDDEN", "{field} as {role:?}: {answer}");
        }
        assert_eq!(acme.owner.data(DIGEST, json!({})).await, before, "a refused {field} wrote");

        let fresh = with_outsider(fixture(&acme.owner, &format!("f{i}")).await);
        let allowed = schema.brief_operation("mutation", field, &fresh.fill(arguments, &fresh));
        let answer = client(&clients, *needed).gql(&allowed, json!({})).await;
        assert!(answer.get("errors").is_none(), "{field} as {needed:?}: {answer}");
    }
}

#[tokio::test]
async fn no_role_is_handed_out_above_the_grantors_own() {
    let (app, _db) = spawn_app().await;
    let acme = app.create_tenant("acme").await;
    let clients = clients(&app, acme.id).await;
    let (admin, owner) = (client(&clients, Admin), client(&clients, Owner));
    let chief = owner
        .data("mutation { createUser(input: { email: \"chief@acme.dev\", name: \"C\", role: OWNER }) { member { user { id } } } }", json!({}))
        .await["createUser"]["member"]["user"]["id"]
        .clone();
    let before = owner.data(DIGEST, json!({})).await;

    let refusals = [
        ("mutation { createApiKey(input: { name: \"k\", role: OWNER }) { token } }", json!({})),
        (
            "mutation { createUser(input: { email: \"x@acme.dev\", name: \"X\", role: OWNER }) { member { role } } }",
            json!({}),
        ),
        (
            "mutation($u: ID!) { updateMemberRole(input: { userId: $u, role: VIEWER }) { member { role } } }",
            json!({ "u": chief }),
        ),
        ("mutation($u: ID!) { removeMember(input: { userId: $u }) { removedUserId } }", json!({ "u": chief })),
    ];
    for (mutation, variables) in refusals {
        let answer = admin.gql(mutation, variables).await;
        assert_eq!(error_code(&answer), "FORBIDDEN", "{mutation}: {answer}");
    }
    assert_eq!(owner.data(DIGEST, json!({})).await, before, "a refused grant wrote");

    // Up to its own role, an admin grants.
    let key = admin
        .data("mutation { createApiKey(input: { name: \"peer\", role: ADMIN }) { token apiKey { role } } }", json!({}))
        .await;
    assert_eq!(key["createApiKey"]["apiKey"]["role"], "ADMIN");
    let peer = app.with_token(key["createApiKey"]["token"].as_str().unwrap());
    assert_eq!(peer.data("{ viewer { role } }", json!({})).await["viewer"]["role"], "ADMIN");
}

#[tokio::test]
async fn a_persons_key_acts_with_the_lesser_of_its_role_and_the_persons_and_dies_with_the_membership() {
    let (app, _db) = spawn_app().await;
    let acme = app.create_tenant("acme").await;
    let person = acme
        .owner
        .data("mutation { createUser(input: { email: \"Dev@Acme.dev\", name: \"Dev\", role: MEMBER }) { member { user { id email } } } }", json!({}))
        .await["createUser"]["member"]["user"]
        .clone();
    assert_eq!(person["email"], "dev@acme.dev", "emails are kept lower-case");
    let key = acme
        .owner
        .data(
            "mutation($u: ID!) { createApiKey(input: { name: \"laptop\", role: ADMIN, userId: $u }) { token apiKey { id prefix } } }",
            json!({ "u": person["id"] }),
        )
        .await["createApiKey"]
        .clone();
    let dev = app.with_token(key["token"].as_str().unwrap());
    let viewer =
        dev.data("{ viewer { role user { email } apiKey { id prefix } organization { name } } }", json!({})).await;
    assert_eq!(
        viewer["viewer"],
        json!({ "role": "MEMBER", "user": { "email": "dev@acme.dev" }, "apiKey": key["apiKey"], "organization": { "name": "acme" } })
    );
    assert_eq!(
        error_code(
            &dev.gql("mutation { createApiKey(input: { name: \"k\", role: VIEWER }) { token } }", json!({})).await
        ),
        "FORBIDDEN"
    );

    // Writes are audited as the person, through their key.
    let project = dev.create_project("apollo").await;
    let audit = dev
        .data("query($id: ID!) { auditLog(entityId: $id) { nodes { principal actor } } }", json!({ "id": project }))
        .await;
    assert_eq!(audit["auditLog"]["nodes"][0]["principal"], format!("user:{}", person["id"].as_str().unwrap()));

    let promote =
        "mutation($u: ID!, $r: Role!) { updateMemberRole(input: { userId: $u, role: $r }) { member { role } } }";
    acme.owner.data(promote, json!({ "u": person["id"], "r": "OWNER" })).await;
    assert_eq!(dev.data("{ viewer { role } }", json!({})).await["viewer"]["role"], "ADMIN", "capped by the key's role");

    acme.owner
        .data(
            "mutation($u: ID!) { removeMember(input: { userId: $u }) { removedUserId } }",
            json!({ "u": person["id"] }),
        )
        .await;
    let answer = dev.gql("{ viewer { role } }", json!({})).await;
    assert_eq!(error_code(&answer), "UNAUTHENTICATED", "{answer}");
}

#[tokio::test]
async fn viewers_read_and_subscribe_but_only_admins_see_members_and_keys() {
    let (app, _db) = spawn_app().await;
    let acme = app.create_tenant("acme").await;
    let clients = clients(&app, acme.id).await;
    let (session, _) = acme.owner.start_session(&["a.rs"]).await;
    let viewer = client(&clients, Viewer);

    let read = viewer.data("{ organization { name } workspaces { totalCount } }", json!({})).await;
    assert_eq!(read, json!({ "organization": { "name": "acme" }, "workspaces": { "totalCount": 1 } }));
    for role in [Viewer, Member] {
        for field in ["members", "apiKeys"] {
            let answer = client(&clients, role)
                .gql(&format!("{{ organization {{ {field} {{ totalCount }} }} }}"), json!({}))
                .await;
            assert_eq!(error_code(&answer), "FORBIDDEN", "{field} as {role:?}: {answer}");
        }
    }
    let listing = client(&clients, Admin)
        .data("{ organization { members { totalCount } apiKeys { totalCount nodes { role } } } }", json!({}))
        .await;
    assert_eq!(listing["organization"]["apiKeys"]["totalCount"], 5, "the owner's key and one per role");

    let mut events = viewer.subscribe_events(Protocol::TransportWs, &session, None).await;
    acme.owner.append_event(&session, "note").await;
    loop {
        match events.next().await {
            Delivery::Data(data) if data["sessionEvents"]["eventType"] == "note" => break,
            Delivery::Data(_) => continue,
            other => panic!("a viewer subscribes: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_token_is_shown_once_and_stored_only_as_a_hash() {
    let (app, _db) = spawn_app().await;
    let acme = app.create_tenant("acme").await;
    let created = acme
        .owner
        .data(
            "mutation { createApiKey(input: { name: \"ci\", role: MEMBER }) { token apiKey { id prefix } } }",
            json!({}),
        )
        .await;
    let token = created["createApiKey"]["token"].as_str().unwrap().to_owned();
    assert!(
        token.starts_with("dkt_") && token.starts_with(created["createApiKey"]["apiKey"]["prefix"].as_str().unwrap())
    );
    // 256 bits of randomness in base64url after the prefix.
    assert!(token.len() >= 4 + 43, "{token}");

    let api_key_fields: Value = acme.owner.data("{ __type(name: \"ApiKey\") { fields { name } } }", json!({})).await;
    let names: Vec<&str> =
        api_key_fields["__type"]["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert!(!names.iter().any(|n| n.contains("token") || n.contains("secret") || n.contains("hash")), "{names:?}");

    use sea_orm::{ConnectionTrait, Statement};
    let rows = app
        .db
        .query_all_raw(Statement::from_string(app.db.get_database_backend(), "SELECT * FROM api_keys"))
        .await
        .unwrap();
    for row in rows {
        for column in row.column_names() {
            let text: Option<String> = row.try_get("", &column).ok().flatten();
            assert!(!text.is_some_and(|t| t.contains(&token[4..])), "the secret is stored in clear in {column}");
        }
    }
}

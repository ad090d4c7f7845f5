//! The data set every workload reads and writes, created through the API as clients would:
//! a project with an imported Task Master file (300 tasks with 3 subtasks each, dependency chains,
//! mixed statuses and priorities) and 200 agent executions; 200 workspaces × 10 sessions × 20 todos,
//! each session with claimed and completed todos and 50 appended events (written with SQL: see
//! [`append_directly`]).

use anyhow::Context as _;
use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};

use api::service::sql::Sql;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use crate::client::Gql;

/// Workspaces created.
pub const WORKSPACES: usize = 200;
/// Sessions per workspace.
pub const SESSIONS_PER_WORKSPACE: usize = 10;
/// Todos per session.
pub const TODOS_PER_SESSION: usize = 20;
/// Events each session gets appended (besides those its todo actions write).
pub const EVENTS_PER_SESSION: usize = 50;
/// Top-level tasks in the imported file (each with 3 subtasks).
pub const TASKS: usize = 300;
/// Agent executions recorded.
pub const EXECUTIONS: usize = 200;
/// Requests in flight while seeding.
const PARALLEL: usize = 8;

/// What was seeded, for the workloads.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Seeded {
    /// The project's id.
    pub project: String,
    /// Workspace ids.
    pub workspaces: Vec<String>,
    /// Session ids (all workspaces).
    pub sessions: Vec<String>,
    /// Tasks imported (subtasks included).
    pub tasks: usize,
    /// Executions recorded.
    pub executions: usize,
    /// Events in the sessions.
    pub events: usize,
}

impl Seeded {
    /// One line for the log.
    pub fn summary(&self) -> String {
        format!(
            "{} workspaces, {} sessions, {} todos, {} events, {} tasks, {} executions",
            self.workspaces.len(),
            self.sessions.len(),
            self.sessions.len() * TODOS_PER_SESSION,
            self.events,
            self.tasks,
            self.executions
        )
    }
}

/// Seeds the data set through `client`, and the sessions' appended events through `db` (the bench's
/// own pool on the server's database); `analyze` refreshes the planner's statistics (PostgreSQL) once
/// part of the data is in.
pub async fn seed<F, Fut>(client: &Gql, db: &DatabaseConnection, analyze: F) -> anyhow::Result<Seeded>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let project = client
        .data(
            "mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id } } }",
            json!({ "input": { "name": format!("bench {}", uuid::Uuid::now_v7()) } }),
        )
        .await?["createProject"]["project"]["id"]
        .as_str()
        .context("no project id")?
        .to_owned();
    let report = client
        .data(
            "mutation($p: ID!, $doc: JSON!) { importTaskMasterTasks(projectId: $p, document: $doc) { dryRun } }",
            json!({ "p": project, "doc": task_master_document() }),
        )
        .await
        .context("import")?;
    anyhow::ensure!(report["importTaskMasterTasks"]["dryRun"] == false, "the import was a dry run: {report}");
    let executions = seed_executions(client, &project).await.context("executions")?;

    let workspaces: Vec<String> = stream::iter(0..WORKSPACES)
        .map(|w| {
            let project = project.clone();
            async move {
                let data = client
                    .data(
                        "mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { workspace { id } } }",
                        json!({ "input": { "name": format!("workspace {w}"), "path": format!("/src/repo-{w}"), "projectId": project } }),
                    )
                    .await?;
                anyhow::Ok(data["createWorkspace"]["workspace"]["id"].as_str().context("no workspace id")?.to_owned())
            }
        })
        .buffered(PARALLEL)
        .try_collect()
        .await
        .context("workspaces")?;

    let plan: Vec<(usize, String)> =
        workspaces.iter().flat_map(|w| (0..SESSIONS_PER_WORKSPACE).map(move |s| (s, w.clone()))).collect();
    // A twentieth of the sessions first, then fresh planner statistics (a database without autovacuum
    // would otherwise plan the rest of the seeding for empty tables), then the others.
    let (early, late) = plan.split_at(plan.len() / 20);
    let mut sessions: Vec<(String, usize)> = Vec::with_capacity(plan.len());
    for (i, part) in [early, late].into_iter().enumerate() {
        if i == 1 {
            analyze().await.context("ANALYZE while seeding")?;
        }
        let seeded: Vec<(String, usize)> = stream::iter(part.iter().cloned())
            .map(|(s, workspace)| async move { seed_session(client, db, &workspace, s).await })
            .buffered(PARALLEL)
            .try_collect()
            .await
            .context("sessions")?;
        sessions.extend(seeded);
    }
    let events = sessions.iter().map(|(_, events)| events).sum();
    Ok(Seeded {
        project,
        workspaces,
        sessions: sessions.into_iter().map(|(id, _)| id).collect(),
        tasks: TASKS * 4,
        executions,
        events,
    })
}

/// Starts one session, works a few of its todos and appends events; returns its id and event count.
async fn seed_session(
    client: &Gql,
    db: &DatabaseConnection,
    workspace: &str,
    index: usize,
) -> anyhow::Result<(String, usize)> {
    let files: Vec<String> = (0..TODOS_PER_SESSION).map(|f| format!("src/module_{index}/file_{f}.rs")).collect();
    let data = client
        .data(
            "mutation($input: StartDocumentationSessionInput!) { startDocumentationSession(input: $input) { session { id } } }",
            json!({ "input": { "workspaceId": workspace, "moduleName": format!("module {index}"), "filePaths": files } }),
        )
        .await?;
    let session = data["startDocumentationSession"]["session"]["id"].as_str().context("no session id")?.to_owned();
    for _ in 0..(index % 6) {
        if !client.claim_and_complete(&session, None).await? {
            break;
        }
    }
    append_directly(db, &session).await?;
    let data = client
        .data("query($s: ID!) { documentationSession(id: $s) { lastEventSequence } }", json!({ "s": session }))
        .await?;
    let events = data["documentationSession"]["lastEventSequence"].as_i64().unwrap_or_default() as usize;
    Ok((session, events))
}

/// Appends the session's [`EVENTS_PER_SESSION`] events with SQL, as `appendSessionEvent` writes them
/// (the session's sequence taken, the events numbered after it), in one transaction: 100,000 appends
/// through the API, one commit each, would take most of the run on a machine whose commits wait for
/// the disk. The `ingest` workload measures appends through the API.
async fn append_directly(db: &DatabaseConnection, session: &str) -> anyhow::Result<()> {
    let session: uuid::Uuid = session.parse()?;
    let backend = db.get_database_backend();
    let now = chrono::Utc::now();
    let txn = db.begin().await?;
    let mut sql = Sql::new("UPDATE documentation_sessions SET last_event_sequence = last_event_sequence + ");
    sql.bind(EVENTS_PER_SESSION as i64).push(", updated_at = ").bind(now).push(" WHERE id = ").bind(session);
    sql.push(" RETURNING last_event_sequence");
    let row = txn.query_one_raw(sql.build(backend)).await?.context("no such session")?;
    let last: i64 = row.try_get("", "last_event_sequence")?;
    let first = last - EVENTS_PER_SESSION as i64 + 1;
    let mut sql = Sql::new(
        "INSERT INTO session_events (id, session_id, sequence, event_type, event_data, error, metadata, created_at) VALUES ",
    );
    for n in 0..EVENTS_PER_SESSION {
        let kind = ["progress", "file_read", "note", "tool_call"][n % 4];
        sql.push(if n == 0 { "(" } else { ", (" }).bind(uuid::Uuid::now_v7()).push(", ").bind(session).push(", ");
        sql.bind(first + n as i64).push(", ").bind(kind).push(", ");
        sql.bind(json!({ "n": n, "detail": "seeded by docket-bench" })).push(", NULL, ").bind(json!({})).push(", ");
        sql.bind(now).push(")");
    }
    txn.execute_raw(sql.build(backend)).await?;
    txn.commit().await?;
    Ok(())
}

/// The append mutation.
const APPEND: &str =
    "mutation($input: AppendSessionEventInput!) { appendSessionEvent(input: $input) { event { sequence } } }";

/// `appendSessionEvent` of `event_type` with `data`; returns the event's sequence.
pub async fn append(client: &Gql, session: &str, event_type: &str, data: Value) -> anyhow::Result<i64> {
    let response = client
        .data(APPEND, json!({ "input": { "sessionId": session, "eventType": event_type, "eventData": data } }))
        .await?;
    response["appendSessionEvent"]["event"]["sequence"].as_i64().context("no sequence")
}

/// Executions by four agents over the first tasks, four in five succeeding.
async fn seed_executions(client: &Gql, project: &str) -> anyhow::Result<usize> {
    let data = client
        .data(
            "query($p: ID!) { project(id: $p) { tasks(first: 100, filter: { parent: { isNull: true } }) { nodes { id } } } }",
            json!({ "p": project }),
        )
        .await?;
    let tasks: Vec<String> = data["project"]["tasks"]["nodes"]
        .as_array()
        .context("no tasks")?
        .iter()
        .filter_map(|t| t["id"].as_str().map(str::to_owned))
        .collect();
    stream::iter(0..EXECUTIONS)
        .map(|n| {
            let task = tasks[n % tasks.len()].clone();
            async move {
                let started = client
                    .data(
                        "mutation($input: StartTaskExecutionInput!) { startTaskExecution(input: $input) { execution { id } } }",
                        json!({ "input": { "taskId": task, "agent": format!("agent-{}", n % 4) } }),
                    )
                    .await?;
                let id = started["startTaskExecution"]["execution"]["id"].as_str().context("no execution id")?;
                let status = if n % 5 == 4 { "FAILED" } else { "SUCCEEDED" };
                client
                    .data(
                        "mutation($input: FinishTaskExecutionInput!) { finishTaskExecution(input: $input) { execution { id } } }",
                        json!({ "input": { "id": id, "status": status } }),
                    )
                    .await?;
                anyhow::Ok(())
            }
        })
        .buffer_unordered(PARALLEL)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(EXECUTIONS)
}

/// A tagged Task Master file: chains of dependencies (task i waits for i-1 and i-7), statuses and
/// priorities in fixed proportions, three subtasks per task.
pub fn task_master_document() -> Value {
    let status = |i: usize| match i % 10 {
        0..=3 => "done",
        4..=7 => "pending",
        8 => "in-progress",
        _ => "deferred",
    };
    let priority = |i: usize| ["high", "medium", "low", "medium"][i % 4];
    let tasks: Vec<Value> = (1..=TASKS)
        .map(|i| {
            let dependencies: Vec<usize> =
                [i.checked_sub(1), i.checked_sub(7)].into_iter().flatten().filter(|d| *d >= 1).collect();
            let subtasks: Vec<Value> = (1..=3)
                .map(|j| {
                    json!({
                        "id": j, "title": format!("Step {j} of task {i}"), "description": "A step.",
                        "status": status(i + j), "dependencies": if j > 1 { json!([j - 1]) } else { json!([]) },
                    })
                })
                .collect();
            json!({
                "id": i,
                "title": format!("Task {i}: implement part {i} of the system"),
                "description": format!("Implements part {i}, as the plan describes."),
                "details": "Details of the implementation.",
                "testStrategy": "Unit and integration tests.",
                "status": status(i),
                "priority": priority(i),
                "dependencies": dependencies,
                "subtasks": subtasks,
            })
        })
        .collect();
    json!({ "master": { "tasks": tasks, "metadata": { "description": "docket-bench data set" } } })
}

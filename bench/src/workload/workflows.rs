//! `workflow-ready` and `tasks-by-agent` (issue 19's scale): 100,000 DAG workflows of 10 tasks each
//! (1,000,000 tasks, each blocked by the one before it, assigned to one of 50 agents) in a project of
//! their own, and two reads a work queue makes at 16 clients: a random workflow's
//! `readyTasks` and `analytics`, and the organization's tasks of a random agent. Each has its raw-SQL
//! floor (`-raw`): the same rows with SQL directly.
//!
//! The rows are written with SQL in a few `INSERT ... SELECT` statements over `generate_series`
//! (PostgreSQL only: a million tasks through the API would take hours), once per bench run, the first
//! time one of these workloads runs; then `ANALYZE`.

use std::sync::Arc;

use anyhow::Context as _;
use api::service::sql::Sql;
use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::json;
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::{Statements, closed_loop, raw_read_pool};
use crate::{Args, client::Gql, report::Row, server::Server};

/// Workflows seeded.
pub const WORKFLOWS: usize = 100_000;
/// Tasks per workflow.
pub const TASKS_PER_WORKFLOW: usize = 10;
/// Agents the tasks are spread over.
pub const AGENTS: usize = 50;

/// What the seeding made.
struct Seeded {
    /// Every workflow's id.
    workflows: Vec<Uuid>,
}

static SEEDED: OnceCell<Arc<Seeded>> = OnceCell::const_new();

/// `workflow(id) { readyTasks analytics }`.
pub const WORKFLOW_QUERY: &str = "query Workflow($id: ID!) { workflow(id: $id) {
    readyTasks(first: 10) { nodes { id title priority position } }
    analytics { progress taskCounts { status count } criticalPath { length tasks { id } } bottlenecks { task { id } waitingTasks } } } }";

/// `tasks(filter: { assignedAgent })`.
pub const AGENT_QUERY: &str = "query Agent($agent: String!) { tasks(first: 20, filter: { assignedAgent: $agent }) { nodes { id title status } } }";

fn agent(i: u64) -> String {
    format!("agent-{}", i % AGENTS as u64)
}

/// A pseudo-random index below `n` from the worker and iteration (no shared state between workers).
fn pick(worker: usize, iteration: u64, n: usize) -> usize {
    let mut x = (worker as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ iteration.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    (x % n as u64) as usize
}

async fn seeded(args: &Args, client: &Gql) -> anyhow::Result<Arc<Seeded>> {
    SEEDED.get_or_try_init(|| seed(args, client)).await.cloned()
}

/// Seeds the workflows (see the module). Errors on SQLite.
async fn seed(args: &Args, client: &Gql) -> anyhow::Result<Arc<Seeded>> {
    let (db, _) = super::raw_pool(args).await?;
    anyhow::ensure!(
        db.get_database_backend() == DbBackend::Postgres,
        "the workflows workloads seed 1,000,000 tasks with PostgreSQL's generate_series: give a PostgreSQL --database-url"
    );
    let project = client
        .data(
            "mutation($n: String!) { createProject(input: { name: $n }) { project { id } } }",
            json!({ "n": format!("workflows {}", Uuid::now_v7()) }),
        )
        .await?["createProject"]["project"]["id"]
        .as_str()
        .context("no project id")?
        .parse::<Uuid>()?;
    let started = std::time::Instant::now();
    let run = |sql: Sql| {
        let db = db.clone();
        async move { db.execute_raw(sql.build(DbBackend::Postgres)).await.map(|_| ()) }
    };
    let mut sql = Sql::new(
        "INSERT INTO workflows (id, project_id, name, kind, status, progress, metrics, created_at, updated_at) \
         SELECT gen_random_uuid(), ",
    );
    sql.bind(project).push(", 'workflow ' || i, 'dag', 'running', 30, '{}', now(), now() FROM generate_series(1, ");
    sql.bind(WORKFLOWS as i64).push(") AS i");
    run(sql).await.context("workflows")?;
    // Tasks 0-2 of each workflow are done, the rest pending; each is blocked by the one before it, so
    // task 3 is the one ready.
    let mut sql = Sql::new(
        "INSERT INTO tasks (id, project_id, tag, title, status, priority, tags, requirements, metadata, \
         version, created_at, updated_at, workflow_id, position, assigned_agent, acceptance_criteria, context) \
         SELECT gen_random_uuid(), w.project_id, 'master', w.name || ' task ' || p, \
         CASE WHEN p < 3 THEN 'done' ELSE 'pending' END, \
         (ARRAY['low', 'medium', 'high', 'critical'])[1 + p % 4], '[]', '{}', '{}', 1, now(), now(), w.id, p, \
         'agent-' || ((hashtext(w.id::text) & 2147483647) % ",
    );
    sql.bind(AGENTS as i32).push("), '[]', '{}' FROM workflows w CROSS JOIN generate_series(0, ");
    sql.bind(TASKS_PER_WORKFLOW as i32 - 1).push(") AS p WHERE w.project_id = ").bind(project);
    run(sql).await.context("tasks")?;
    let mut sql = Sql::new(
        "INSERT INTO task_dependencies (task_id, depends_on_id, kind, created_at) \
         SELECT t.id, b.id, 'blocks', now() FROM tasks t JOIN tasks b ON b.workflow_id = t.workflow_id \
         AND b.position = t.position - 1 WHERE t.project_id = ",
    );
    sql.bind(project);
    run(sql).await.context("dependencies")?;
    db.execute_unprepared("ANALYZE").await?;
    let mut sql = Sql::new("SELECT id FROM workflows WHERE project_id = ");
    sql.bind(project);
    let workflows = db
        .query_all_raw(sql.build(DbBackend::Postgres))
        .await?
        .iter()
        .map(|row| row.try_get::<Uuid>("", "id"))
        .collect::<Result<Vec<_>, _>>()?;
    eprintln!(
        "docket-bench: seeded {} workflows, {} tasks in {:.0} s",
        workflows.len(),
        workflows.len() * TASKS_PER_WORKFLOW,
        started.elapsed().as_secs_f64()
    );
    db.close().await?;
    Ok(Arc::new(Seeded { workflows }))
}

/// `workflow-ready`: a random workflow's ready tasks and analytics through GraphQL.
pub async fn ready(args: &Args, server: &Server, client: &Gql) -> anyhow::Result<Row> {
    let seeded = seeded(args, client).await?;
    let first = client.data(WORKFLOW_QUERY, json!({ "id": seeded.workflows[0] })).await?;
    let ready = first["workflow"]["readyTasks"]["nodes"].as_array().map_or(0, Vec::len);
    anyhow::ensure!(ready == 1, "a chain with its first 3 tasks done offers the 4th, got {ready}: {first}");
    let length = first["workflow"]["analytics"]["criticalPath"]["length"].as_f64();
    anyhow::ensure!(length == Some(TASKS_PER_WORKFLOW as f64), "the critical path is the chain: {first}");
    let client = client.clone();
    closed_loop(args.duration(), args.concurrency, Statements::Server(server), move |worker, iteration| {
        let (client, seeded) = (client.clone(), seeded.clone());
        async move {
            let id = seeded.workflows[pick(worker, iteration, seeded.workflows.len())];
            client.data(WORKFLOW_QUERY, json!({ "id": id })).await?;
            Ok(true)
        }
    })
    .await
}

/// `tasks-by-agent`: the first page of a random agent's tasks through GraphQL.
pub async fn by_agent(args: &Args, server: &Server, client: &Gql) -> anyhow::Result<Row> {
    seeded(args, client).await?;
    let first = client.data(AGENT_QUERY, json!({ "agent": agent(0) })).await?;
    let nodes = first["tasks"]["nodes"].as_array().map_or(0, Vec::len);
    anyhow::ensure!(nodes == 20, "an agent's first page has {nodes} tasks, not 20");
    let client = client.clone();
    closed_loop(args.duration(), args.concurrency, Statements::Server(server), move |worker, iteration| {
        let client = client.clone();
        async move {
            let agent = agent(pick(worker, iteration, AGENTS) as u64);
            client.data(AGENT_QUERY, json!({ "agent": agent })).await?;
            Ok(true)
        }
    })
    .await
}

/// `workflow-ready-raw`: the rows `workflow-ready` reads, with SQL directly: the workflow, its ready
/// tasks (pending, scheduled time come, no unfinished blocker), its tasks and their dependencies.
pub async fn ready_raw(args: &Args, client: &Gql) -> anyhow::Result<Row> {
    let seeded = seeded(args, client).await?;
    let (write, db, counter) = raw_read_pool(args).await?;
    anyhow::ensure!(read_workflow(&db, seeded.workflows[0]).await? == (1, TASKS_PER_WORKFLOW), "the raw reads");
    let pool = db.clone();
    let row = closed_loop(args.duration(), args.concurrency, Statements::Pool(&counter), move |worker, iteration| {
        let (db, seeded) = (pool.clone(), seeded.clone());
        async move {
            read_workflow(&db, seeded.workflows[pick(worker, iteration, seeded.workflows.len())]).await?;
            Ok(true)
        }
    })
    .await?;
    db.close().await?;
    write.close().await?;
    Ok(row)
}

/// Ready tasks and (tasks, dependencies) of workflow `id`: how many of each.
async fn read_workflow(db: &impl ConnectionTrait, id: Uuid) -> anyhow::Result<(usize, usize)> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new("SELECT id, status, kind FROM workflows WHERE id = ");
    sql.bind(id);
    db.query_one_raw(sql.build(backend)).await?.context("no workflow")?;
    let mut sql = Sql::new("SELECT t.id, t.title, t.priority, t.position FROM tasks t WHERE t.workflow_id = ");
    sql.bind(id).push(
        " AND t.status = 'pending' AND (t.scheduled_at IS NULL OR t.scheduled_at <= now()) AND NOT EXISTS \
         (SELECT 1 FROM task_dependencies d JOIN tasks b ON b.id = d.depends_on_id \
          WHERE d.task_id = t.id AND d.kind = 'blocks' AND b.status <> 'done') \
         ORDER BY CASE t.priority WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END DESC, \
         COALESCE(t.scheduled_at, t.created_at), t.position, t.id LIMIT 11",
    );
    let ready = db.query_all_raw(sql.build(backend)).await?.len();
    let mut sql = Sql::new("SELECT * FROM tasks WHERE workflow_id = ");
    sql.bind(id);
    let tasks = db.query_all_raw(sql.build(backend)).await?.len();
    let mut sql = Sql::new(
        "SELECT d.task_id, d.depends_on_id FROM task_dependencies d WHERE d.kind = 'blocks' AND d.task_id IN \
         (SELECT id FROM tasks WHERE workflow_id = ",
    );
    sql.bind(id).push(")");
    db.query_all_raw(sql.build(backend)).await?;
    Ok((ready, tasks))
}

/// `tasks-by-agent-raw`: the same page with one SQL statement.
pub async fn by_agent_raw(args: &Args, client: &Gql) -> anyhow::Result<Row> {
    seeded(args, client).await?;
    let (write, db, counter) = raw_read_pool(args).await?;
    anyhow::ensure!(agent_page(&db, &agent(0)).await? == 21, "the raw page is short");
    let pool = db.clone();
    let row = closed_loop(args.duration(), args.concurrency, Statements::Pool(&counter), move |worker, iteration| {
        let db = pool.clone();
        async move {
            agent_page(&db, &agent(pick(worker, iteration, AGENTS) as u64)).await?;
            Ok(true)
        }
    })
    .await?;
    db.close().await?;
    write.close().await?;
    Ok(row)
}

async fn agent_page(db: &impl ConnectionTrait, agent: &str) -> anyhow::Result<usize> {
    let mut sql = Sql::new(
        "SELECT id, title, status FROM tasks WHERE project_id IN \
         (SELECT id FROM projects WHERE organization_id = ",
    );
    sql.bind(migration::DEFAULT_ORGANIZATION_ID).push(") AND assigned_agent = ").bind(agent.to_owned());
    sql.push(" ORDER BY id LIMIT 21");
    let rows = db.query_all_raw(sql.build(db.get_database_backend())).await?;
    for row in &rows {
        let _: (Uuid, String, String) = (row.try_get("", "id")?, row.try_get("", "title")?, row.try_get("", "status")?);
    }
    Ok(rows.len())
}

//! `dashboard`: one nested query for a team's overview, and `raw`, its floor: the same rows fetched
//! with hand-written SQL through the same driver and pool settings the server uses.

use anyhow::Context as _;
use api::service::sql::Sql;
use sea_orm::{DatabaseConnection, FromQueryResult, JsonValue};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Statements, closed_loop};
use crate::{Args, client::Gql, report::Row, seed::Seeded, server::Server};

/// Workspaces → sessions → todo counts, last 5 events, event counts; and the project dashboard:
/// tasks by status, ready tasks with their blockers and dependencies, the execution summary.
pub const QUERY: &str = r#"
query Dashboard($project: ID!, $workspaces: Int!, $sessions: Int!) {
  workspaces(first: $workspaces) {
    nodes {
      id name path
      sessions(first: $sessions) {
        nodes {
          id moduleName status lastEventSequence
          todoCounts { pending inProgress completed failed skipped total }
          events(last: 5) { nodes { sequence eventType createdAt } }
          eventCounts { eventType count }
        }
      }
    }
  }
  project(id: $project) {
    id name
    taskCounts { pending inProgress review done deferred cancelled blocked }
    readyTasks(first: 20) {
      nodes {
        id title priority
        blockedBy(first: 5) { nodes { id title status } }
        dependencies(first: 5) { nodes { id title status } }
      }
    }
    executionSummary { agent runs successes failures meanDurationMs p95DurationMs }
  }
}"#;

/// The levels of [`QUERY`], each one statement as the raw floor runs it: workspaces, sessions, todo
/// counts, events, event counts; the project, task counts, ready tasks, their blockers, their
/// dependencies, the execution summary.
pub const LEVELS: u64 = 11;

/// The dashboard through GraphQL. Its details give the statements one request runs at the full
/// shape (20 × 10) and at a small one (2 × 2); both must be [`LEVELS`], or the run fails.
pub async fn through_graphql(args: &Args, server: &Server, client: &Gql, data: &Seeded) -> anyhow::Result<Row> {
    let full = json!({ "project": data.project, "workspaces": 20, "sessions": 10 });
    let small = json!({ "project": data.project, "workspaces": 2, "sessions": 2 });
    let statements_full = statements_of_one(server, client, &full).await?;
    let statements_small = statements_of_one(server, client, &small).await?;
    anyhow::ensure!(
        statements_full == LEVELS && statements_small == LEVELS,
        "the dashboard ran {statements_full} statements at 20x10 and {statements_small} at 2x2, not one per level ({LEVELS})"
    );
    let client = client.clone();
    let mut row = closed_loop(args.duration(), args.concurrency, Statements::Server(server), move |_, _| {
        let (client, variables) = (client.clone(), full.clone());
        async move {
            client.run(QUERY, &variables).await?;
            Ok(true)
        }
    })
    .await?;
    row.details.insert("levels".into(), json!(LEVELS));
    row.details.insert("statements_20x10".into(), json!(statements_full));
    row.details.insert("statements_2x2".into(), json!(statements_small));
    Ok(row)
}

async fn statements_of_one(server: &Server, client: &Gql, variables: &Value) -> anyhow::Result<u64> {
    let statements = async || server.metrics().await?.statements.context("the server does not count statements");
    let before = statements().await?;
    let data = client.data(QUERY, variables.clone()).await?;
    anyhow::ensure!(data["workspaces"]["nodes"].as_array().is_some_and(|n| !n.is_empty()), "no workspaces: {data}");
    Ok(statements().await? - before)
}

/// The floor: the same rows with SQL, one statement per level as the server does, on a pool opened
/// by the server's own `connect` (same driver, same settings).
pub async fn raw(args: &Args, data: &Seeded) -> anyhow::Result<Row> {
    let (db, counter) = super::raw_pool(args).await?;
    let project: Uuid = data.project.parse()?;
    let rows = fetch(&db, project).await?;
    anyhow::ensure!(rows > 200, "the raw dashboard found only {rows} rows");
    let pool = db.clone();
    let mut row = closed_loop(args.duration(), args.concurrency, Statements::Pool(&counter), move |_, _| {
        let db = pool.clone();
        async move {
            fetch(&db, project).await?;
            Ok(true)
        }
    })
    .await?;
    row.details.insert("rows_per_op".into(), json!(rows));
    db.close().await?;
    Ok(row)
}

/// Runs `sql` and decodes every column of every row, as the server decodes what it reads.
async fn rows(db: &DatabaseConnection, sql: Sql) -> anyhow::Result<Vec<JsonValue>> {
    Ok(JsonValue::find_by_statement(sql.build(db.get_database_backend())).all(db).await?)
}

fn ids(rows: &[JsonValue], column: &str) -> anyhow::Result<Vec<Uuid>> {
    rows.iter().map(|row| row[column].as_str().context("an id column")?.parse::<Uuid>().context("an id")).collect()
}

/// A per-parent page: the first `limit` rows of `columns FROM from` for each parent, by `order`.
struct PerParent {
    parent_table: &'static str,
    columns: &'static str,
    from: &'static str,
    parent_column: &'static str,
    order: &'static str,
    limit: u64,
}

impl PerParent {
    /// The statement for `parents`: a LATERAL join on PostgreSQL, ROW_NUMBER() on SQLite (which has
    /// no LATERAL), as the server reads per-parent pages.
    fn sql(&self, db: &DatabaseConnection, parents: Vec<Uuid>) -> Sql {
        let Self { parent_table, columns, from, parent_column, order, limit } = self;
        if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            let mut sql = Sql::new(&format!(
                "SELECT x.* FROM {parent_table} p CROSS JOIN LATERAL (SELECT {columns} FROM {from} \
                 WHERE {parent_column} = p.id ORDER BY {order} LIMIT {limit}) x WHERE p.id IN "
            ));
            sql.bind_list(parents);
            sql
        } else {
            let mut sql = Sql::new(&format!(
                "SELECT * FROM (SELECT {columns}, ROW_NUMBER() OVER (PARTITION BY {parent_column} ORDER BY {order}) \
                 AS rn FROM {from} WHERE {parent_column} IN "
            ));
            sql.bind_list(parents).push(&format!(") x WHERE rn <= {limit}"));
            sql
        }
    }
}

/// The dashboard's rows; returns how many rows were read.
async fn fetch(db: &DatabaseConnection, project: Uuid) -> anyhow::Result<usize> {
    let workspaces = rows(db, Sql::new("SELECT id, name, path FROM workspaces ORDER BY id LIMIT 21")).await?;
    let workspace_ids = ids(&workspaces, "id")?;
    let sql = PerParent {
        parent_table: "workspaces",
        columns: "s.id, s.workspace_id, s.module_name, s.status, s.last_event_sequence",
        from: "documentation_sessions s",
        parent_column: "s.workspace_id",
        order: "s.id",
        limit: 11,
    }
    .sql(db, workspace_ids);
    let sessions = rows(db, sql).await?;
    let session_ids = ids(&sessions, "id")?;

    let mut sql = Sql::new("SELECT session_id, status, COUNT(*) AS n FROM session_todos WHERE session_id IN ");
    sql.bind_list(session_ids.clone()).push(" GROUP BY session_id, status");
    let todo_counts = rows(db, sql).await?;
    let sql = PerParent {
        parent_table: "documentation_sessions",
        columns: "e.session_id, e.sequence, e.event_type, e.created_at",
        from: "session_events e",
        parent_column: "e.session_id",
        order: "e.sequence DESC",
        limit: 6,
    }
    .sql(db, session_ids.clone());
    let events = rows(db, sql).await?;
    let mut sql = Sql::new("SELECT session_id, event_type, COUNT(*) AS n FROM session_events WHERE session_id IN ");
    sql.bind_list(session_ids).push(" GROUP BY session_id, event_type");
    let event_counts = rows(db, sql).await?;

    let mut sql = Sql::new("SELECT id, name FROM projects WHERE id = ");
    sql.bind(project);
    let projects = rows(db, sql).await?;
    let mut sql = Sql::new("SELECT status, COUNT(*) AS n FROM tasks WHERE project_id = ");
    sql.bind(project).push(" GROUP BY status");
    let task_counts = rows(db, sql).await?;
    let mut sql = Sql::new("SELECT t.id, t.title, t.priority FROM tasks t WHERE t.project_id = ");
    sql.bind(project).push(
        " AND t.status = 'pending' AND NOT EXISTS (SELECT 1 FROM task_dependencies dd JOIN tasks dt ON \
         dt.id = dd.depends_on_id WHERE dd.task_id = t.id AND dd.kind = 'blocks' AND dt.status <> 'done') \
         ORDER BY CASE t.priority WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END DESC, \
         t.id LIMIT 21",
    );
    let ready = rows(db, sql).await?;
    let ready_ids = ids(&ready, "id")?;
    let mut sql = Sql::new(
        "SELECT d.task_id, b.id, b.title, b.status FROM task_dependencies d JOIN tasks b ON b.id = d.depends_on_id \
         WHERE d.kind = 'blocks' AND b.status <> 'done' AND d.task_id IN ",
    );
    sql.bind_list(ready_ids.clone());
    let blockers = rows(db, sql).await?;
    let sql = PerParent {
        parent_table: "tasks",
        columns: "d.task_id, b.id, b.title, b.status",
        from: "task_dependencies d JOIN tasks b ON b.id = d.depends_on_id",
        parent_column: "d.task_id",
        order: "b.id",
        limit: 6,
    }
    .sql(db, ready_ids);
    let dependencies = rows(db, sql).await?;
    let mut sql = Sql::new(
        "SELECT e.agent, e.status, e.duration_ms FROM task_executions e JOIN tasks t ON t.id = e.task_id \
         WHERE t.project_id = ",
    );
    sql.bind(project);
    let executions = rows(db, sql).await?;
    Ok([
        workspaces,
        sessions,
        todo_counts,
        events,
        event_counts,
        projects,
        task_counts,
        ready,
        blockers,
        dependencies,
        executions,
    ]
    .iter()
    .map(Vec::len)
    .sum())
}

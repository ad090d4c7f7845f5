//! `dashboard-3level`: 20 workspaces → 10 sessions each → the first 20 todos of each with their
//! `totalCount`, and the last 5 events (20 + 200 + 4,000 + 1,000 = 5,220 nodes), and
//! `dashboard-3level-raw`, its floor in four statements through the server's own `connect`: the
//! workspace page; the sessions, ROW_NUMBER per workspace, with a correlated todo count; then the todos
//! and the events, each one page per session (`unnest` of the ids + LATERAL ... LIMIT on PostgreSQL,
//! ROW_NUMBER on SQLite, which has neither).

use anyhow::Context as _;
use api::service::sql::Sql;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Statements, closed_loop};
use crate::{Args, client::Gql, report::Row, server::Server};

/// The query.
pub const QUERY: &str = r#"
query Dashboard3Level {
  workspaces(first: 20) {
    nodes {
      id name path
      sessions(first: 10) {
        nodes {
          id moduleName status
          todos(first: 20) { totalCount nodes { id status priority } }
          events(last: 5) { nodes { sequence eventType createdAt } }
        }
      }
    }
  }
}"#;

/// Nodes one answer holds.
pub const NODES: usize = 20 + 200 + 4_000 + 1_000;

fn count_nodes(data: &Value) -> usize {
    let mut nodes = 0;
    for workspace in data["workspaces"]["nodes"].as_array().into_iter().flatten() {
        nodes += 1;
        for session in workspace["sessions"]["nodes"].as_array().into_iter().flatten() {
            nodes += 1;
            nodes += session["todos"]["nodes"].as_array().map_or(0, Vec::len);
            nodes += session["events"]["nodes"].as_array().map_or(0, Vec::len);
        }
    }
    nodes
}

/// Through GraphQL; the details give the answer's size.
pub async fn through_graphql(args: &Args, server: &Server, client: &Gql) -> anyhow::Result<Row> {
    let first = client.data(QUERY, json!({})).await?;
    let nodes = count_nodes(&first);
    anyhow::ensure!(nodes == NODES, "the dashboard holds {nodes} nodes, not {NODES}: is the data set seeded?");
    let bytes = serde_json::to_vec(&json!({ "data": first }))?.len();
    let mut row = super::repeat_query(args, server, client, QUERY).await?;
    row.details.insert("nodes".into(), json!(nodes));
    row.details.insert("response_bytes".into(), json!(bytes));
    Ok(row)
}

/// The floor.
pub async fn raw(args: &Args) -> anyhow::Result<Row> {
    let (db, counter) = super::raw_pool(args).await?;
    let rows = fetch(&db).await?;
    anyhow::ensure!(rows >= NODES, "the raw dashboard read only {rows} rows");
    let pool = db.clone();
    let mut row = closed_loop(args.duration(), args.concurrency, Statements::Pool(&counter), move |_, _| {
        let db = pool.clone();
        async move {
            fetch(&db).await?;
            Ok(true)
        }
    })
    .await?;
    row.details.insert("rows_per_op".into(), json!(rows));
    db.close().await?;
    Ok(row)
}

/// A column's type, for decoding it as the server would (typed, not through JSON).
#[derive(Clone, Copy)]
enum Col {
    Id,
    Text,
    Int,
    BigInt,
    Time,
}

/// Runs `sql` and decodes `columns` of every row; returns the rows' first column when it is an id
/// (the next level's parents) and how many rows there were.
async fn rows(db: &DatabaseConnection, sql: Sql, columns: &[(&str, Col)]) -> anyhow::Result<(Vec<Uuid>, usize)> {
    let rows = db.query_all_raw(sql.build(db.get_database_backend())).await?;
    let mut ids = Vec::with_capacity(rows.len());
    for row in &rows {
        for (i, (name, col)) in columns.iter().enumerate() {
            match col {
                Col::Id => {
                    let id: Uuid = row.try_get("", name).with_context(|| format!("column {name}"))?;
                    if i == 0 {
                        ids.push(id);
                    }
                }
                Col::Text => drop(row.try_get::<String>("", name).with_context(|| format!("column {name}"))?),
                Col::Int => drop(row.try_get::<i32>("", name).with_context(|| format!("column {name}"))?),
                Col::BigInt => drop(row.try_get::<i64>("", name).with_context(|| format!("column {name}"))?),
                Col::Time => drop(
                    row.try_get::<chrono::DateTime<chrono::Utc>>("", name).with_context(|| format!("column {name}"))?,
                ),
            }
        }
    }
    Ok((ids, rows.len()))
}

/// One page of `columns FROM table t` per parent in `parents`, by `order`, `limit` rows each.
fn per_parent(
    db: &DatabaseConnection,
    columns: &str,
    table: &str,
    parent: &str,
    order: &str,
    limit: u64,
    parents: Vec<Uuid>,
) -> Sql {
    if db.get_database_backend() == DbBackend::Postgres {
        // The ids as one array parameter (an array literal cast to uuid[]).
        let ids: Vec<String> = parents.iter().map(Uuid::to_string).collect();
        let mut sql = Sql::new("SELECT x.* FROM unnest(CAST(");
        sql.bind(format!("{{{}}}", ids.join(",")));
        sql.push(&format!(
            " AS uuid[])) AS p(id) CROSS JOIN LATERAL (SELECT {columns} FROM {table} t WHERE t.{parent} = p.id \
             ORDER BY {order} LIMIT {limit}) AS x"
        ));
        sql
    } else {
        let mut sql = Sql::new(&format!(
            "SELECT * FROM (SELECT {columns}, ROW_NUMBER() OVER (PARTITION BY t.{parent} ORDER BY {order}) AS rn \
             FROM {table} t WHERE t.{parent} IN "
        ));
        sql.bind_list(parents).push(&format!(") WHERE rn <= {limit}"));
        sql
    }
}

/// The dashboard's rows in four statements; returns how many rows were read.
async fn fetch(db: &DatabaseConnection) -> anyhow::Result<usize> {
    use Col::{BigInt, Id, Int, Text, Time};
    let mut sql = Sql::new("SELECT id, name, path FROM workspaces WHERE organization_id = ");
    sql.bind(migration::DEFAULT_ORGANIZATION_ID).push(" ORDER BY id LIMIT 21");
    let (mut workspaces, _) = rows(db, sql, &[("id", Id), ("name", Text), ("path", Text)]).await?;
    workspaces.truncate(20);
    let mut sql = Sql::new(
        "SELECT * FROM (SELECT s.id, s.workspace_id, s.module_name, s.status, \
         (SELECT COUNT(*) FROM session_todos c WHERE c.session_id = s.id) AS todo_count, \
         ROW_NUMBER() OVER (PARTITION BY s.workspace_id ORDER BY s.id) AS rn \
         FROM documentation_sessions s WHERE s.workspace_id IN ",
    );
    sql.bind_list(workspaces.clone()).push(") AS ranked WHERE rn <= 11");
    let session_columns =
        [("id", Id), ("workspace_id", Id), ("module_name", Text), ("status", Text), ("todo_count", BigInt)];
    let (sessions, _) = rows(db, sql, &session_columns).await?;
    let todos = per_parent(
        db,
        "t.id, t.session_id, t.status, t.priority",
        "session_todos",
        "session_id",
        "t.id",
        21,
        sessions.clone(),
    );
    let (_, todos) = rows(db, todos, &[("id", Id), ("session_id", Id), ("status", Text), ("priority", Int)]).await?;
    let events = per_parent(
        db,
        "t.session_id, t.sequence, t.event_type, t.created_at",
        "session_events",
        "session_id",
        "t.sequence DESC",
        6,
        sessions.clone(),
    );
    let event_columns = [("session_id", Id), ("sequence", BigInt), ("event_type", Text), ("created_at", Time)];
    let (_, events) = rows(db, events, &event_columns).await?;
    Ok(workspaces.len() + sessions.len() + todos + events)
}

//! `simple`: one flat page, `workspaces(first: 20) { nodes { id name path } }`, and `simple-raw`, its
//! floor: the same page with one SQL statement through the server's own `connect`.

use api::service::sql::Sql;
use sea_orm::ConnectionTrait;
use serde_json::json;

use super::{Statements, closed_loop};
use crate::{Args, client::Gql, report::Row, server::Server};

/// The query.
pub const QUERY: &str = "query Simple { workspaces(first: 20) { nodes { id name path } } }";

/// Through GraphQL.
pub async fn through_graphql(args: &Args, server: &Server, client: &Gql) -> anyhow::Result<Row> {
    let nodes = client.data(QUERY, json!({})).await?["workspaces"]["nodes"].as_array().map_or(0, Vec::len);
    anyhow::ensure!(nodes == 20, "the simple page has {nodes} workspaces, not 20");
    super::repeat_query(args, server, client, QUERY).await
}

/// The floor: `SELECT id, name, path ... LIMIT 21` (a page and one more row, as a keyset page asks),
/// every column decoded to its type, through a read pool as the server's.
pub async fn raw(args: &Args) -> anyhow::Result<Row> {
    let (write, db, counter) = super::raw_read_pool(args).await?;
    anyhow::ensure!(fetch(&db).await? == 21, "the raw page is short");
    let pool = db.clone();
    let row = closed_loop(args.duration(), args.concurrency, Statements::Pool(&counter), move |_, _| {
        let db = pool.clone();
        async move {
            fetch(&db).await?;
            Ok(true)
        }
    })
    .await?;
    db.close().await?;
    write.close().await?;
    Ok(row)
}

async fn fetch(db: &impl ConnectionTrait) -> anyhow::Result<usize> {
    let mut sql = Sql::new("SELECT id, name, path FROM workspaces WHERE organization_id = ");
    sql.bind(migration::DEFAULT_ORGANIZATION_ID).push(" ORDER BY id LIMIT 21");
    let rows = db.query_all_raw(sql.build(db.get_database_backend())).await?;
    for row in &rows {
        let _: (uuid::Uuid, String, String) =
            (row.try_get("", "id")?, row.try_get("", "name")?, row.try_get("", "path")?);
    }
    Ok(rows.len())
}

/// `simple-locked`: `simple` while another process holds the database's write lock for the whole
/// run (SQLite: `BEGIN IMMEDIATE` on a connection of the bench's own, as `docket import` in another
/// process takes it; PostgreSQL: `LOCK TABLE workspaces IN EXCLUSIVE MODE`, which stops writers and
/// not readers) and a client keeps a `createWorkspace` waiting for it through the server. Reads must
/// not queue behind that write: their p99 is checked against `simple`'s.
pub async fn under_write_lock(args: &Args, server: &Server, client: &Gql) -> anyhow::Result<Row> {
    use sea_orm::{DbBackend, SqliteTransactionMode, TransactionOptions, TransactionTrait};
    let (db, _) = super::raw_pool(args).await?;
    let options =
        TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() };
    let lock = db.begin_with_options(options).await?;
    if db.get_database_backend() == DbBackend::Postgres {
        lock.execute_unprepared("LOCK TABLE workspaces IN EXCLUSIVE MODE").await?;
    }
    let deadline = std::time::Instant::now() + args.duration();
    let writer = {
        let client = client.clone();
        tokio::spawn(async move {
            let (mut attempts, mut refused) = (0u64, 0u64);
            let write = "mutation($p: String!) { createWorkspace(input: { name: $p, path: $p }) { workspace { id } } }";
            while std::time::Instant::now() < deadline {
                let path = format!("/bench/locked/{}", uuid::Uuid::now_v7());
                attempts += 1;
                if client.data(write, json!({ "p": path })).await.is_err() {
                    refused += 1;
                }
            }
            (attempts, refused)
        })
    };
    let mut row = through_graphql(args, server, client).await?;
    lock.rollback().await?;
    let (attempts, refused) = writer.await?;
    row.details.insert("waiting_writes".into(), attempts.into());
    row.details.insert("waiting_writes_refused".into(), refused.into());
    db.close().await?;
    Ok(row)
}

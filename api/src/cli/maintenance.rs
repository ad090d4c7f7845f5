//! `docket cleanup` (retention on demand) and `docket backup` (a consistent copy of a SQLite database).

use sea_orm::{ConnectionTrait, DbBackend};

use super::open;
use crate::{access::organization, config::Config, events::retention};

/// Applies retention (or, with `dry_run`, counts what it would delete) and prints one line per
/// organization: `<organization>  events=N  audit_entries=N  session_events=N  webhook_deliveries=N`.
pub async fn cleanup(config: &Config, dry_run: bool, org: Option<&str>) -> anyhow::Result<()> {
    let db = open(config).await?;
    let only = match org {
        Some(name) => {
            Some(organization::by_name(&db, name).await.map_err(|_| anyhow::anyhow!("no organization `{name}`"))?.id)
        }
        None => None,
    };
    let verb = if dry_run { "would delete" } else { "deleted" };
    for pruned in retention::sweep(&db, only, dry_run).await? {
        println!(
            "{}  {verb}  events={}  audit_entries={}  session_events={}  webhook_deliveries={}",
            pruned.organization, pruned.events, pruned.audit_entries, pruned.session_events, pruned.webhook_deliveries
        );
    }
    Ok(())
}

/// Writes a consistent copy of the SQLite database to `path` (`VACUUM INTO`; the server may keep
/// running). Errors: `path` exists; the database is PostgreSQL (use `pg_dump`).
pub async fn backup(config: &Config, path: &std::path::Path) -> anyhow::Result<()> {
    if path.exists() {
        anyhow::bail!("{} exists; choose a new file", path.display());
    }
    let db = open(config).await?;
    if db.get_database_backend() != DbBackend::Sqlite {
        anyhow::bail!(
            "backup copies SQLite databases; for PostgreSQL run `pg_dump --format=custom --file=docket.dump \"$DATABASE_URL\"` \
             (restore with `pg_restore --dbname=\"$DATABASE_URL\" docket.dump`)"
        );
    }
    let target = path.to_str().ok_or_else(|| anyhow::anyhow!("the path is not UTF-8"))?;
    let stmt = sea_orm::Statement::from_sql_and_values(DbBackend::Sqlite, "VACUUM INTO $1", [target.into()]);
    db.execute_raw(stmt).await?;
    println!("backed up to {}", path.display());
    Ok(())
}

//! Every row gets a tenant: `organization_id` (NOT NULL, cascading with its organization) on
//! `workspaces`, `projects` and `audit_log`; everything else reaches its organization through those.
//! Existing rows move into the `default` organization. A workspace's `path` and a project's `name`
//! become unique per organization. The audit log also records its authenticated principal and, apart
//! from it, the `X-Docket-Actor` the client named (`on_behalf_of`).
//!
//! PostgreSQL alters the tables in place. SQLite can neither add a NOT NULL foreign key column nor drop
//! a column's UNIQUE, so there each table is rebuilt as SQLite's documented procedure says: with
//! `foreign_keys` off (it can only be turned off outside a transaction: `docket`'s migration runner does
//! it before its transaction, and this migration does it itself when run on a bare connection) and
//! `legacy_alter_table` on, a new table is filled, the old one renamed away (the foreign keys of other
//! tables, which name the table, are not rewritten and so follow the name to the new table) and dropped;
//! then `foreign_key_check` must find nothing. `down` does the reverse; it fails when two organizations
//! hold the same workspace path or project name.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The `default` organization's id, as SQL.
const DEFAULT_ORGANIZATION: &str = "(SELECT \"id\" FROM \"organizations\" WHERE \"slug\" = 'default')";

/// One table's columns before this migration, and its indexes, in SQLite's DDL.
struct Shape {
    table: &'static str,
    /// Column definitions before this migration, as SQLite stores them.
    columns: &'static str,
    /// The columns both shapes share (copied across).
    shared: &'static str,
    /// The old table-level uniqueness (in `columns` for SQLite; a constraint on PostgreSQL).
    old_unique: Option<(&'static str, &'static str)>,
    /// The new uniqueness: constraint name and columns.
    new_unique: Option<(&'static str, &'static str)>,
    /// Columns added besides `organization_id`.
    extra: &'static str,
    /// Indexes to recreate on SQLite after a rebuild, and to create for the new columns.
    indexes: &'static [&'static str],
    new_indexes: &'static [&'static str],
}

const TIMESTAMPS: &str = "\"created_at\" timestamp_with_timezone_text NOT NULL DEFAULT CURRENT_TIMESTAMP, \
     \"updated_at\" timestamp_with_timezone_text NOT NULL DEFAULT CURRENT_TIMESTAMP";

const ORGANIZATION_COLUMN: &str =
    "\"organization_id\" uuid_text NOT NULL REFERENCES \"organizations\" (\"id\") ON DELETE CASCADE";

fn shapes() -> [Shape; 3] {
    [
        Shape {
            table: "workspaces",
            columns: "\"id\" uuid_text NOT NULL PRIMARY KEY, \"name\" varchar(255) NOT NULL, \"path\" text NOT NULL, \
                      \"config\" jsonb_text NOT NULL DEFAULT ('{}'), TIMESTAMPS, \"project_id\" uuid_text NULL",
            shared: "\"id\", \"name\", \"path\", \"config\", \"created_at\", \"updated_at\", \"project_id\"",
            old_unique: Some(("workspaces_path_key", "\"path\"")),
            new_unique: Some(("workspaces_organization_id_path_key", "\"organization_id\", \"path\"")),
            extra: "",
            indexes: &[
                "CREATE INDEX \"idx_workspaces_name\" ON \"workspaces\" (\"name\")",
                "CREATE INDEX \"idx_workspaces_project_id\" ON \"workspaces\" (\"project_id\")",
            ],
            new_indexes: &[],
        },
        Shape {
            table: "projects",
            columns: "\"id\" uuid_text NOT NULL PRIMARY KEY, \"name\" varchar(255) NOT NULL, \"description\" text NULL, \
                      \"repository_url\" varchar(500) NULL, \"repository_name\" varchar(255) NULL, \
                      \"default_branch\" varchar(100) NOT NULL DEFAULT 'main', \
                      \"settings\" jsonb_text NOT NULL DEFAULT ('{}'), TIMESTAMPS",
            shared: "\"id\", \"name\", \"description\", \"repository_url\", \"repository_name\", \"default_branch\", \
                     \"settings\", \"created_at\", \"updated_at\"",
            old_unique: Some(("projects_name_key", "\"name\"")),
            new_unique: Some(("projects_organization_id_name_key", "\"organization_id\", \"name\"")),
            extra: "",
            indexes: &[],
            new_indexes: &[],
        },
        Shape {
            table: "audit_log",
            columns: "\"id\" uuid_text NOT NULL PRIMARY KEY, \"entity_type\" varchar(50) NOT NULL, \
                      \"entity_id\" uuid_text NOT NULL, \"action\" varchar(50) NOT NULL DEFAULT 'update' \
                      CHECK (\"action\" IN ('create', 'update', 'delete')), \"changes\" jsonb_text NOT NULL DEFAULT ('{}'), \
                      \"actor\" varchar(255) NULL, \"request_id\" varchar(100) NULL, \
                      \"created_at\" timestamp_with_timezone_text NOT NULL DEFAULT CURRENT_TIMESTAMP",
            shared: "\"id\", \"entity_type\", \"entity_id\", \"action\", \"changes\", \"actor\", \"request_id\", \
                     \"created_at\"",
            old_unique: None,
            new_unique: None,
            extra: "\"principal\" varchar(255) NULL, \"on_behalf_of\" varchar(255) NULL",
            indexes: &[
                "CREATE INDEX \"idx_audit_entity\" ON \"audit_log\" (\"entity_id\", \"id\")",
                "CREATE INDEX \"idx_audit_type\" ON \"audit_log\" (\"entity_type\", \"id\")",
            ],
            new_indexes: &["CREATE INDEX \"idx_audit_organization\" ON \"audit_log\" (\"organization_id\", \"id\")"],
        },
    ]
}

impl Shape {
    fn columns(&self) -> String {
        self.columns.replace("TIMESTAMPS", TIMESTAMPS)
    }

    /// SQLite: the table with `organization_id`, the extra columns and the new uniqueness.
    fn sqlite_next(&self) -> String {
        let mut columns = format!("{}, {ORGANIZATION_COLUMN}", self.columns());
        if !self.extra.is_empty() {
            columns += &format!(", {}", self.extra);
        }
        if let Some((_, unique)) = self.new_unique {
            columns += &format!(", UNIQUE ({unique})");
        }
        format!("CREATE TABLE \"{}_next\" ({columns})", self.table)
    }

    /// SQLite: the table as it was.
    fn sqlite_previous(&self) -> String {
        let mut columns = self.columns();
        if let Some((_, unique)) = self.old_unique {
            columns += &format!(", UNIQUE ({unique})");
        }
        format!("CREATE TABLE \"{}_next\" ({columns})", self.table)
    }
}

/// Turns SQLite's foreign key enforcement on or off (a no-op inside a transaction).
async fn foreign_keys(db: &SchemaManagerConnection<'_>, on: bool) -> Result<(), DbErr> {
    db.execute_unprepared(if on { "PRAGMA foreign_keys = ON" } else { "PRAGMA foreign_keys = OFF" }).await?;
    Ok(())
}

/// Fails when a foreign key of any table points nowhere.
async fn foreign_key_check(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    let broken = db
        .query_all_raw(sea_orm_migration::sea_orm::Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA foreign_key_check",
        ))
        .await?;
    if broken.is_empty() {
        Ok(())
    } else {
        Err(DbErr::Migration(format!("{} rows point at missing rows after the rebuild", broken.len())))
    }
}

/// Rebuilds `table` on SQLite from `create_next` (a `CREATE TABLE <table>_next`) and `copy` (an
/// `INSERT INTO <table>_next ... SELECT ... FROM <table>`), then recreates `indexes`. Foreign keys
/// must be off.
async fn rebuild_sqlite(
    db: &SchemaManagerConnection<'_>,
    table: &str,
    create_next: &str,
    copy: &str,
    indexes: &[&str],
) -> Result<(), DbErr> {
    db.execute_unprepared("PRAGMA legacy_alter_table = ON").await?;
    db.execute_unprepared(create_next).await?;
    db.execute_unprepared(copy).await?;
    db.execute_unprepared(&format!("ALTER TABLE \"{table}\" RENAME TO \"{table}_previous\"")).await?;
    db.execute_unprepared(&format!("ALTER TABLE \"{table}_next\" RENAME TO \"{table}\"")).await?;
    db.execute_unprepared(&format!("DROP TABLE \"{table}_previous\"")).await?;
    for index in indexes {
        db.execute_unprepared(index).await?;
    }
    db.execute_unprepared("PRAGMA legacy_alter_table = OFF").await?;
    Ok(())
}

/// Runs `rebuild` with SQLite's foreign keys off, as SQLite prescribes for rebuilding a table
/// (<https://www.sqlite.org/lang_altertable.html#otheralter>), then checks that every reference
/// still holds.
async fn with_foreign_keys_off(
    db: &SchemaManagerConnection<'_>,
    rebuild: impl std::future::Future<Output = Result<(), DbErr>>,
) -> Result<(), DbErr> {
    foreign_keys(db, false).await?;
    let checked = match rebuild.await {
        Ok(()) => foreign_key_check(db).await,
        Err(err) => Err(err),
    };
    foreign_keys(db, true).await?;
    checked
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Sqlite {
            return with_foreign_keys_off(db, self.up_sqlite(db)).await;
        }
        for shape in shapes() {
            let table = shape.table;
            if manager.get_database_backend() == DbBackend::Postgres {
                db.execute_unprepared(&format!(
                    "ALTER TABLE \"{table}\" ADD COLUMN \"organization_id\" uuid NULL \
                     REFERENCES \"organizations\" (\"id\") ON DELETE CASCADE"
                ))
                .await?;
                db.execute_unprepared(&format!("UPDATE \"{table}\" SET \"organization_id\" = {DEFAULT_ORGANIZATION}"))
                    .await?;
                db.execute_unprepared(&format!(
                    "ALTER TABLE \"{table}\" ALTER COLUMN \"organization_id\" SET NOT NULL"
                ))
                .await?;
                for column in shape.extra.split(", ").filter(|c| !c.is_empty()) {
                    db.execute_unprepared(&format!("ALTER TABLE \"{table}\" ADD COLUMN {column}")).await?;
                }
                if let (Some((old, _)), Some((new, columns))) = (shape.old_unique, shape.new_unique) {
                    db.execute_unprepared(&format!("ALTER TABLE \"{table}\" DROP CONSTRAINT \"{old}\"")).await?;
                    db.execute_unprepared(&format!(
                        "ALTER TABLE \"{table}\" ADD CONSTRAINT \"{new}\" UNIQUE ({columns})"
                    ))
                    .await?;
                }
                for index in shape.new_indexes {
                    db.execute_unprepared(index).await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Sqlite {
            return with_foreign_keys_off(db, self.down_sqlite(db)).await;
        }
        for shape in shapes() {
            let table = shape.table;
            if manager.get_database_backend() == DbBackend::Postgres {
                if let (Some((old, columns)), Some((new, _))) = (shape.old_unique, shape.new_unique) {
                    db.execute_unprepared(&format!("ALTER TABLE \"{table}\" DROP CONSTRAINT \"{new}\"")).await?;
                    db.execute_unprepared(&format!(
                        "ALTER TABLE \"{table}\" ADD CONSTRAINT \"{old}\" UNIQUE ({columns})"
                    ))
                    .await?;
                }
                for column in shape.extra.split(", ").filter(|c| !c.is_empty()) {
                    let name = column.split('"').nth(1).unwrap_or_default();
                    db.execute_unprepared(&format!("ALTER TABLE \"{table}\" DROP COLUMN \"{name}\"")).await?;
                }
                // Dropping the column drops its index and foreign key too.
                db.execute_unprepared(&format!("ALTER TABLE \"{table}\" DROP COLUMN \"organization_id\"")).await?;
            }
        }
        Ok(())
    }
}

impl Migration {
    async fn up_sqlite(&self, db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
        for shape in shapes() {
            let (table, shared) = (shape.table, shape.shared);
            let copy = format!(
                "INSERT INTO \"{table}_next\" ({shared}, \"organization_id\") \
                 SELECT {shared}, {DEFAULT_ORGANIZATION} FROM \"{table}\""
            );
            let indexes: Vec<&str> = shape.indexes.iter().chain(shape.new_indexes).copied().collect();
            rebuild_sqlite(db, table, &shape.sqlite_next(), &copy, &indexes).await?;
        }
        Ok(())
    }

    async fn down_sqlite(&self, db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
        for shape in shapes() {
            let (table, shared) = (shape.table, shape.shared);
            let copy = format!("INSERT INTO \"{table}_next\" ({shared}) SELECT {shared} FROM \"{table}\"");
            rebuild_sqlite(db, table, &shape.sqlite_previous(), &copy, shape.indexes).await?;
        }
        Ok(())
    }
}

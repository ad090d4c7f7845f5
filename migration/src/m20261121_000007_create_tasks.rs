//! `tasks`: a project's work items, with subtasks, Task Master ids and an optimistic-lock `version`.
//!
//! Text search: on PostgreSQL a generated `tsvector` column with a GIN index; on SQLite an FTS5 table
//! kept in step by triggers. Both cover title, description and details.

use crate::columns::{cascade_fk, id, index, json, status, timestamp_now, timestamp_null, uuid_ref};
use crate::m20261121_000006_create_projects::Projects;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Statuses a task may have.
pub const TASK_STATUSES: [&str; 7] = ["pending", "in_progress", "review", "done", "deferred", "cancelled", "blocked"];

const SQLITE_SEARCH: [&str; 4] = [
    "CREATE VIRTUAL TABLE tasks_fts USING fts5(title, description, details, content='tasks', content_rowid='rowid')",
    "CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN \
       INSERT INTO tasks_fts (rowid, title, description, details) VALUES (new.rowid, new.title, new.description, new.details); END",
    "CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN \
       INSERT INTO tasks_fts (tasks_fts, rowid, title, description, details) VALUES ('delete', old.rowid, old.title, old.description, old.details); END",
    "CREATE TRIGGER tasks_fts_update AFTER UPDATE ON tasks BEGIN \
       INSERT INTO tasks_fts (tasks_fts, rowid, title, description, details) VALUES ('delete', old.rowid, old.title, old.description, old.details); \
       INSERT INTO tasks_fts (rowid, title, description, details) VALUES (new.rowid, new.title, new.description, new.details); END",
];

const POSTGRES_SEARCH: [&str; 2] = [
    "ALTER TABLE tasks ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('english', \
       coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || coalesce(details, ''))) STORED",
    "CREATE INDEX idx_tasks_search ON tasks USING GIN (search)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tasks::Table)
                    .col(id(Tasks::Id))
                    .col(uuid_ref(Tasks::ProjectId))
                    .col(ColumnDef::new(Tasks::ParentId).uuid().null())
                    .col(ColumnDef::new(Tasks::ExternalId).string_len(50).null())
                    .col(ColumnDef::new(Tasks::Tag).string_len(100).not_null().default("master"))
                    .col(ColumnDef::new(Tasks::Title).string_len(500).not_null())
                    .col(ColumnDef::new(Tasks::Description).text().null())
                    .col(ColumnDef::new(Tasks::Details).text().null())
                    .col(ColumnDef::new(Tasks::TestStrategy).text().null())
                    .col(status(Tasks::Status, &TASK_STATUSES, "pending"))
                    .col(status(Tasks::Priority, &["low", "medium", "high", "critical"], "medium"))
                    .col(
                        ColumnDef::new(Tasks::Complexity)
                            .integer()
                            .null()
                            .check(Expr::col(Tasks::Complexity).between(1, 10)),
                    )
                    .col(json(Tasks::Tags, "[]"))
                    .col(json(Tasks::Requirements, "{}"))
                    .col(json(Tasks::Metadata, "{}"))
                    .col(ColumnDef::new(Tasks::EstimatedHours).double().null())
                    .col(ColumnDef::new(Tasks::ActualHours).double().null())
                    .col(timestamp_null(Tasks::CompletedAt))
                    .col(
                        ColumnDef::new(Tasks::Version)
                            .integer()
                            .not_null()
                            .default(1)
                            .check(Expr::col(Tasks::Version).gte(1)),
                    )
                    .col(timestamp_now(Tasks::CreatedAt))
                    .col(timestamp_now(Tasks::UpdatedAt))
                    .foreign_key(&mut cascade_fk(Tasks::Table, Tasks::ProjectId, Projects::Table, Projects::Id))
                    .foreign_key(&mut cascade_fk(Tasks::Table, Tasks::ParentId, Tasks::Table, Tasks::Id))
                    .to_owned(),
            )
            .await?;
        // One Task Master id per project and tag.
        let external = [Tasks::ProjectId, Tasks::Tag, Tasks::ExternalId];
        manager.create_index(index("idx_tasks_external_id", Tasks::Table, external).unique().to_owned()).await?;
        manager
            .create_index(index("idx_tasks_project_status", Tasks::Table, [Tasks::ProjectId, Tasks::Status]))
            .await?;
        manager.create_index(index("idx_tasks_parent_id", Tasks::Table, [Tasks::ParentId])).await?;
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Postgres => &POSTGRES_SEARCH,
            _ => &SQLITE_SEARCH,
        };
        for statement in statements {
            manager.get_connection().execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            // Triggers first: with foreign keys on, SQLite's DROP TABLE deletes every row, firing them.
            for statement in [
                "DROP TRIGGER IF EXISTS tasks_fts_insert",
                "DROP TRIGGER IF EXISTS tasks_fts_delete",
                "DROP TRIGGER IF EXISTS tasks_fts_update",
                "DROP TABLE IF EXISTS tasks_fts",
            ] {
                manager.get_connection().execute_unprepared(statement).await?;
            }
        }
        manager.drop_table(Table::drop().table(Tasks::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone)]
pub(crate) enum Tasks {
    Table,
    Id,
    ProjectId,
    ParentId,
    ExternalId,
    Tag,
    Title,
    Description,
    Details,
    TestStrategy,
    Status,
    Priority,
    Complexity,
    Tags,
    Requirements,
    Metadata,
    EstimatedHours,
    ActualHours,
    CompletedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

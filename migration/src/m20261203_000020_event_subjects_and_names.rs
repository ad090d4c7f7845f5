//! One write path: every write appends an event to the organization's log about its subject, named
//! `resource.verb`. `events.subject_type` and `events.subject_id` name the record an event is about
//! (`workspace`, `todo`, `webhook`, ... and its id), so that a new kind of record needs no new column;
//! session events take the same naming style (`todo_claimed` becomes `todo.claimed`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Docket's own session event types, before and after.
const RENAMED: [(&str, &str); 11] = [
    ("session_started", "session.started"),
    ("session_status_changed", "session.status_changed"),
    ("session_expired", "session.expired"),
    ("todos_created", "todo.created"),
    ("todo_updated", "todo.updated"),
    ("todo_dependency_added", "todo.dependency_added"),
    ("todo_claimed", "todo.claimed"),
    ("todo_completed", "todo.completed"),
    ("todo_failed", "todo.failed"),
    ("todo_skipped", "todo.skipped"),
    ("todo_lease_expired", "todo.lease_expired"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ColumnDef::new(Events::SubjectType).string_len(50).null().to_owned(),
            ColumnDef::new(Events::SubjectId).uuid().null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(Events::Table).add_column(column).to_owned()).await?;
        }
        rename(manager, RENAMED.iter().map(|&(old, new)| (old, new))).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rename(manager, RENAMED.iter().map(|&(old, new)| (new, old))).await?;
        for column in [Events::SubjectType, Events::SubjectId] {
            manager.alter_table(Table::alter().table(Events::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

/// Renames the session events of each type `from` to its `to` (Docket's own types: clients were not
/// meant to append those names).
async fn rename(manager: &SchemaManager<'_>, names: impl Iterator<Item = (&str, &str)>) -> Result<(), DbErr> {
    for (from, to) in names {
        let update = Query::update()
            .table(SessionEvents::Table)
            .value(SessionEvents::EventType, to)
            .and_where(Expr::col(SessionEvents::EventType).eq(from))
            .to_owned();
        manager.exec_stmt(update).await?;
    }
    Ok(())
}

#[derive(DeriveIden)]
enum Events {
    Table,
    SubjectType,
    SubjectId,
}

#[derive(DeriveIden)]
enum SessionEvents {
    Table,
    EventType,
}

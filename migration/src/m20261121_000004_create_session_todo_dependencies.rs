//! `session_todo_dependencies`: the dependency graph of a session's todos, one row per edge.

use crate::columns::{cascade_fk, index, timestamp_now, uuid_ref};
use crate::m20261121_000003_create_session_todos::SessionTodos;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SessionTodoDependencies::Table)
                    .col(uuid_ref(SessionTodoDependencies::TodoId))
                    .col(uuid_ref(SessionTodoDependencies::DependsOnId))
                    .col(timestamp_now(SessionTodoDependencies::CreatedAt))
                    .primary_key(
                        Index::create().col(SessionTodoDependencies::TodoId).col(SessionTodoDependencies::DependsOnId),
                    )
                    .check((
                        "no_self_dependency",
                        Expr::col(SessionTodoDependencies::TodoId).ne(Expr::col(SessionTodoDependencies::DependsOnId)),
                    ))
                    .foreign_key(&mut cascade_fk(
                        SessionTodoDependencies::Table,
                        SessionTodoDependencies::TodoId,
                        SessionTodos::Table,
                        SessionTodos::Id,
                    ))
                    .foreign_key(&mut cascade_fk(
                        SessionTodoDependencies::Table,
                        SessionTodoDependencies::DependsOnId,
                        SessionTodos::Table,
                        SessionTodos::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_todo_dependencies_depends_on",
                SessionTodoDependencies::Table,
                [SessionTodoDependencies::DependsOnId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SessionTodoDependencies::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SessionTodoDependencies {
    Table,
    TodoId,
    DependsOnId,
    CreatedAt,
}

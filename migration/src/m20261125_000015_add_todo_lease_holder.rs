//! A todo's lease belongs to its claimer: `session_todos.lease_token` (the secret the claim hands the
//! worker, which renewing, completing and failing require) and `claimed_by` (the principal that
//! claimed it).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ColumnDef::new(SessionTodos::LeaseToken).string_len(64).null().to_owned(),
            ColumnDef::new(SessionTodos::ClaimedBy).string_len(255).null().to_owned(),
        ] {
            manager.alter_table(Table::alter().table(SessionTodos::Table).add_column(column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [SessionTodos::LeaseToken, SessionTodos::ClaimedBy] {
            manager.alter_table(Table::alter().table(SessionTodos::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum SessionTodos {
    Table,
    LeaseToken,
    ClaimedBy,
}

//! `tasks.external_form`: how the document a task was imported from wrote it, where Docket's columns
//! cannot say it (an id written as text, a field left out, a dependency written as `"12.3"`), so that
//! exporting gives the document back as it came.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = ColumnDef::new(Tasks::ExternalForm).json_binary().null().to_owned();
        manager.alter_table(Table::alter().table(Tasks::Table).add_column(column).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Tasks::Table).drop_column(Tasks::ExternalForm).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    ExternalForm,
}

//! `inbound_hook_secrets`: per organization and source, the secret that signs inbound hooks
//! (`X-Hub-Signature-256`), sealed with the server's secrets key: HMAC verification needs the secret
//! itself, so it cannot be hashed, and it is never stored in clear.

use crate::columns::{cascade_fk, id, index, timestamp_now, uuid_ref};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InboundHookSecrets::Table)
                    .col(id(InboundHookSecrets::Id))
                    .col(uuid_ref(InboundHookSecrets::OrganizationId))
                    .col(ColumnDef::new(InboundHookSecrets::Source).string_len(100).not_null())
                    .col(ColumnDef::new(InboundHookSecrets::SealedSecret).text().not_null())
                    .col(timestamp_now(InboundHookSecrets::CreatedAt))
                    .col(timestamp_now(InboundHookSecrets::UpdatedAt))
                    .foreign_key(&mut cascade_fk(
                        InboundHookSecrets::Table,
                        InboundHookSecrets::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let key = [InboundHookSecrets::OrganizationId, InboundHookSecrets::Source];
        manager
            .create_index(index("idx_inbound_hook_secrets_source", InboundHookSecrets::Table, key).unique().to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(InboundHookSecrets::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum InboundHookSecrets {
    Table,
    Id,
    OrganizationId,
    Source,
    SealedSecret,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

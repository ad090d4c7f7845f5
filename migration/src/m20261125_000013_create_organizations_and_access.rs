//! `organizations` (with the built-in `default`), `users`, `memberships` and `api_keys`: who may do
//! what in which tenant.
//!
//! User emails are stored lower-cased, so their unique index is case-insensitive on both databases.
//! An API key keeps only the SHA-256 of its secret and a public prefix to find it by.

use crate::columns::{cascade_fk, id, index, json, status, timestamp_now, timestamp_null, uuid_ref};
use sea_orm_migration::prelude::*;
use uuid::Uuid;

/// The id of the built-in `default` organization: fixed, so that it is the same on every database and
/// after every re-run of the migrations.
pub const DEFAULT_ORGANIZATION_ID: Uuid = Uuid::from_u128(1);

/// Roles, lowest first.
pub(crate) const ROLES: [&str; 4] = ["viewer", "member", "admin", "owner"];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(id(Organizations::Id))
                    .col(ColumnDef::new(Organizations::Name).string_len(255).not_null().unique_key())
                    .col(ColumnDef::new(Organizations::Slug).string_len(255).not_null().unique_key())
                    .col(json(Organizations::Settings, "{}"))
                    .col(timestamp_now(Organizations::CreatedAt))
                    .col(timestamp_now(Organizations::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // The tenant of every row that existed before organizations did, and of anonymous requests.
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(Organizations::Table)
                    .columns([Organizations::Id, Organizations::Name, Organizations::Slug])
                    .values_panic([DEFAULT_ORGANIZATION_ID.into(), "default".into(), "default".into()])
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id(Users::Id))
                    .col(ColumnDef::new(Users::Email).string_len(320).not_null().unique_key())
                    .col(ColumnDef::new(Users::Name).string_len(255).not_null())
                    .col(timestamp_now(Users::CreatedAt))
                    .col(timestamp_now(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(uuid_ref(Memberships::OrganizationId))
                    .col(uuid_ref(Memberships::UserId))
                    .col(status(Memberships::Role, &ROLES, "member"))
                    .col(timestamp_now(Memberships::CreatedAt))
                    .col(timestamp_now(Memberships::UpdatedAt))
                    .primary_key(Index::create().col(Memberships::OrganizationId).col(Memberships::UserId))
                    .foreign_key(&mut cascade_fk(
                        Memberships::Table,
                        Memberships::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                    ))
                    .foreign_key(&mut cascade_fk(Memberships::Table, Memberships::UserId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_memberships_user_id", Memberships::Table, [Memberships::UserId])).await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(id(ApiKeys::Id))
                    .col(uuid_ref(ApiKeys::OrganizationId))
                    .col(ColumnDef::new(ApiKeys::UserId).uuid().null())
                    .col(ColumnDef::new(ApiKeys::Name).string_len(255).not_null())
                    .col(status(ApiKeys::Role, &ROLES, "member"))
                    .col(ColumnDef::new(ApiKeys::Prefix).string_len(32).not_null().unique_key())
                    .col(ColumnDef::new(ApiKeys::SecretHash).string_len(64).not_null())
                    .col(timestamp_now(ApiKeys::CreatedAt))
                    .col(timestamp_null(ApiKeys::LastUsedAt))
                    .col(timestamp_null(ApiKeys::ExpiresAt))
                    .col(timestamp_null(ApiKeys::RevokedAt))
                    .foreign_key(&mut cascade_fk(
                        ApiKeys::Table,
                        ApiKeys::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                    ))
                    .foreign_key(&mut cascade_fk(ApiKeys::Table, ApiKeys::UserId, Users::Table, Users::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_api_keys_organization_id", ApiKeys::Table, [ApiKeys::OrganizationId, ApiKeys::Id]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [ApiKeys::Table.into_iden(), Memberships::Table.into_iden(), Users::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager.drop_table(Table::drop().table(Organizations::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Organizations {
    Table,
    Id,
    Name,
    Slug,
    Settings,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Name,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum Memberships {
    Table,
    OrganizationId,
    UserId,
    Role,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum ApiKeys {
    Table,
    Id,
    OrganizationId,
    UserId,
    Name,
    Role,
    Prefix,
    SecretHash,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
}

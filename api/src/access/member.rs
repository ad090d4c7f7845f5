//! Users and their memberships: who belongs to the viewer's organization, with which role. Managing
//! them needs the admin role, and nobody grants a role above their own or changes a member above
//! them. A user is global (one email, one user) and visible only through the memberships of the
//! viewer's organization.

use chrono::{DateTime, Utc};
use entity::{
    membership::{self, Role},
    user,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter,
};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{
        Ctx, Resource, Tx, new_id,
        page::{self, CursorKey, Filter, List, ListSpec, Listed, Page, PageArgs},
        require_text,
        viewer::role_name,
    },
};

/// The organization's members, oldest user first.
pub static MEMBERS: List = List::new(|| {
    // Every membership has its user (a foreign key), so the left join keeps exactly the members.
    ListSpec::root(membership::Column::UserId, membership::Column::OrganizationId)
        .left_joining(user::Column::Id, membership::Column::UserId)
        .selecting(user::Column::Email, "email")
        .selecting(user::Column::Name, "name")
});

/// A member of the organization: the user and their role.
#[derive(Clone, Debug, PartialEq, FromQueryResult, Serialize)]
pub struct Member {
    /// The user.
    pub user_id: Uuid,
    /// Their email, lower-case.
    pub email: String,
    /// Their display name.
    pub name: String,
    /// Their role in the organization.
    pub role: Role,
    /// When they joined.
    pub created_at: DateTime<Utc>,
}

impl Listed for Member {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.user_id)
    }
}

/// Normalizes an email: trimmed, lower-case, with one `@` between non-empty parts.
/// Errors: `BAD_USER_INPUT`.
pub fn normalize_email(email: &str) -> ApiResult<String> {
    let email = email.trim().to_lowercase();
    require_text("email", &email, 320)?;
    match email.split_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !domain.contains('@') => Ok(email),
        _ => Err(ApiError::bad_input(format!("`{email}` is not an email address"))),
    }
}

/// The member `user_id` of the scope's organization. Errors: `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, organization_id: Uuid, user_id: Uuid) -> ApiResult<Member> {
    let mut select = MEMBERS.select();
    select
        .and_where(membership::Column::OrganizationId.eq(organization_id))
        .and_where(membership::Column::UserId.eq(user_id));
    Member::find_by_statement(db.get_database_backend().build(&select))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound { entity: "member" })
}

async fn join(tx: &mut Tx<'_>, user: &user::Model, role: Role) -> ApiResult<Member> {
    let now = Utc::now();
    let membership = membership::ActiveModel {
        organization_id: Set(tx.viewer().organization_id),
        user_id: Set(user.id),
        role: Set(role),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx)
    .await
    .map_err(|err| ApiError::unique(err, "this user is already a member of the organization"))?;
    tx.record(Resource::Member, user.id, None, Some(&membership)).await?;
    get(tx, tx.viewer().organization_id, user.id).await
}

/// Creates a user and makes them a member of the viewer's organization with `role`. Errors:
/// `FORBIDDEN` (below admin, or `role` above the viewer's), `BAD_USER_INPUT` (email, name),
/// `CONFLICT` (a user with this email exists: add them with [`add`]).
#[tracing::instrument(skip_all)]
pub async fn create_user(cx: Ctx<'_>, email: &str, name: &str, role: Role) -> ApiResult<Member> {
    let mut tx = cx.begin(Role::Admin).await?;
    cx.viewer().require_grantable(role)?;
    let email = normalize_email(email)?;
    require_text("name", name, 255)?;
    let now = Utc::now();
    let user = user::ActiveModel {
        id: Set(new_id()),
        email: Set(email),
        name: Set(name.trim().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await
    .map_err(|err: DbErr| ApiError::unique(err, "a user with this email exists: add them with addMember"))?;
    tx.record(Resource::User, user.id, None, Some(&user)).await?;
    let member = join(&mut tx, &user, role).await?;
    tx.commit().await?;
    Ok(member)
}

/// Adds the existing user with `email` to the viewer's organization with `role`. Errors:
/// `FORBIDDEN`, `NOT_FOUND` (no such user), `CONFLICT` (already a member).
#[tracing::instrument(skip_all)]
pub async fn add(cx: Ctx<'_>, email: &str, role: Role) -> ApiResult<Member> {
    let mut tx = cx.begin(Role::Admin).await?;
    cx.viewer().require_grantable(role)?;
    let email = normalize_email(email)?;
    let user = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&tx)
        .await?
        .ok_or(ApiError::NotFound { entity: "user" })?;
    let member = join(&mut tx, &user, role).await?;
    tx.commit().await?;
    Ok(member)
}

/// Refuses a change to `member` by a viewer whose role is below the member's.
fn require_above(cx: Ctx<'_>, member: &Member) -> ApiResult<()> {
    if member.role > cx.viewer().role {
        return Err(ApiError::Forbidden(format!(
            "a {} cannot change a member who is {}",
            role_name(cx.viewer().role),
            role_name(member.role)
        )));
    }
    Ok(())
}

/// Gives member `user_id` the role `role`. Errors: `FORBIDDEN` (below admin, `role` above the
/// viewer's, or the member is above the viewer), `NOT_FOUND` (not a member).
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn update_role(cx: Ctx<'_>, user_id: Uuid, role: Role) -> ApiResult<Member> {
    let mut tx = cx.begin(Role::Admin).await?;
    cx.viewer().require_grantable(role)?;
    let current = get(&tx, cx.viewer().organization_id, user_id).await?;
    require_above(cx, &current)?;
    membership::Entity::update_many()
        .col_expr(membership::Column::Role, sea_orm::sea_query::Expr::value(role_name(role)))
        .col_expr(membership::Column::UpdatedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(membership::Column::OrganizationId.eq(cx.viewer().organization_id))
        .filter(membership::Column::UserId.eq(user_id))
        .exec(&tx)
        .await?;
    let updated = get(&tx, cx.viewer().organization_id, user_id).await?;
    tx.record(Resource::Member, user_id, Some(&current), Some(&updated)).await?.verb("role_changed");
    tx.commit().await?;
    Ok(updated)
}

/// Removes member `user_id` from the viewer's organization; their personal API keys stop working
/// there. Errors: `FORBIDDEN`, `NOT_FOUND` (not a member).
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn remove(cx: Ctx<'_>, user_id: Uuid) -> ApiResult<()> {
    let mut tx = cx.begin(Role::Admin).await?;
    let current = get(&tx, cx.viewer().organization_id, user_id).await?;
    require_above(cx, &current)?;
    membership::Entity::delete_many()
        .filter(membership::Column::OrganizationId.eq(cx.viewer().organization_id))
        .filter(membership::Column::UserId.eq(user_id))
        .exec(&tx)
        .await?;
    tx.record(Resource::Member, user_id, Some(&current), None).await?;
    tx.commit().await
}

/// One page of the organization's members. Errors: `FORBIDDEN` (below admin).
pub async fn list(cx: Ctx<'_>, args: &PageArgs, fields: &page::Fields) -> ApiResult<Page<Member>> {
    cx.viewer().require(Role::Admin)?;
    page::page(cx.reads, cx.scope(), &MEMBERS, &Filter::default(), args, fields).await
}

/// How many members the organization has. Errors: `FORBIDDEN` (below admin).
pub async fn count(cx: Ctx<'_>) -> ApiResult<i64> {
    cx.viewer().require(Role::Admin)?;
    page::count(cx.reads, cx.scope(), &MEMBERS, &Filter::default()).await
}

/// Those of users `user_ids` who are members of the scope's organization, by user id: one statement.
pub async fn members_among(
    db: &impl ConnectionTrait,
    scope: crate::service::Scope,
    user_ids: &[Uuid],
) -> ApiResult<std::collections::HashMap<Uuid, Member>> {
    let mut select = MEMBERS.select();
    select
        .and_where(membership::Column::OrganizationId.eq(scope.organization_id))
        .and_where(membership::Column::UserId.is_in(user_ids.iter().copied()));
    let members = Member::find_by_statement(db.get_database_backend().build(&select)).all(db).await?;
    Ok(members.into_iter().map(|m| (m.user_id, m)).collect())
}

/// The user `user_id` if they are a member of the scope's organization.
pub async fn user_in(db: &impl ConnectionTrait, organization_id: Uuid, user_id: Uuid) -> ApiResult<Option<Member>> {
    match get(db, organization_id, user_id).await {
        Ok(member) => Ok(Some(member)),
        Err(ApiError::NotFound { .. }) => Ok(None),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_email;

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(normalize_email("  Alice@Acme.Dev ").unwrap(), "alice@acme.dev");
        for bad in ["", "alice", "@acme.dev", "alice@", "a@b@c"] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}

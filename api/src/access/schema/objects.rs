//! Who is asking and who may: `Viewer`, `Organization`, `Member`, `User`, `ApiKey`, `Role`, and the
//! inputs and payloads of the access mutations.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::organization;
use serde_json::Value;

use crate::{
    access::{api_key::KeyListing, member::Member as MemberRow},
    graphql::{
        connection::{Conn, connection, page_args, wants_total},
        service_ctx, to_id,
        types::payload,
    },
    service::viewer::{Principal, Viewer as ViewerModel},
};

/// What a principal may do in its organization; each role may do what the ones below it may.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entity::membership::Role")]
pub enum Role {
    /// Reads and subscribes.
    Viewer,
    /// Also writes work items: everything about workspaces, sessions, todos, projects, tasks,
    /// executions and pull requests.
    Member,
    /// Also manages API keys, users and memberships.
    Admin,
    /// Also renames the organization and changes its settings.
    Owner,
}

/// A person, as the members of the viewer's organization see them.
#[derive(SimpleObject)]
pub struct User {
    /// Server-generated id.
    pub id: ID,
    /// Email address, lower-case.
    pub email: String,
    /// Display name.
    pub name: String,
}

/// The GraphQL object of the request's viewer (described on its `impl`).
pub struct Viewer(pub ViewerModel);

/// Who is asking: the organization every read and write is confined to, the role there, and the
/// principal (a person's key, a service key, or anonymous on a server that allows it).
#[Object]
impl Viewer {
    /// The viewer's organization.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        Ok(Organization(crate::access::organization::current(service_ctx(ctx)?).await?))
    }
    /// What the viewer may do there.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// Who it is, as the audit log records it: `user alice@acme.dev (key dkt_ab12cd34)`,
    /// `api key ci (dkt_ab12cd34)`, `anonymous`.
    async fn actor(&self) -> String {
        self.0.actor()
    }
    /// `true` for a request without a token on a server that allows anonymous access.
    async fn anonymous(&self) -> bool {
        self.0.principal == Principal::Anonymous
    }
    /// The person behind a person's key; `null` for a service key or anonymous access.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Principal::User { user_id, .. } = &self.0.principal else { return Ok(None) };
        let cx = service_ctx(ctx)?;
        let member = crate::access::member::user_in(cx.db, self.0.organization_id, *user_id).await?;
        Ok(member.map(|m| User { id: to_id(m.user_id), email: m.email, name: m.name }))
    }
    /// The key the request authenticated with; `null` for anonymous access.
    async fn api_key(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ApiKey>> {
        let (Principal::User { key, .. } | Principal::Service { key }) = &self.0.principal else { return Ok(None) };
        let cx = service_ctx(ctx)?;
        Ok(Some(ApiKey(crate::access::api_key::listing(cx.db, self.0.organization_id, key.id).await?)))
    }
}

/// The GraphQL object of an organization row (described on its `impl`).
pub struct Organization(pub organization::Model);

/// An organization: the tenant. Nothing of another organization is ever visible to its viewers.
#[Object]
impl Organization {
    /// Server-generated id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Unique display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Unique URL-safe form of the name (`default` for the built-in organization).
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Free-form settings object.
    async fn settings(&self) -> Json<&Value> {
        Json(&self.0.settings)
    }
    /// When the organization was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The organization's members, oldest user first. Admin and up; `FORBIDDEN` below.
    /// Pages hold 50 items by default and 100 at most.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Member>> {
        let args = page_args(first, after, last, before)?;
        let cx = service_ctx(ctx)?;
        let page = crate::access::member::list(cx, &args).await?;
        let total = if wants_total(ctx) { Some(crate::access::member::count(cx).await?) } else { None };
        Ok(connection(page, total, Member))
    }
    /// The organization's API keys, oldest first; never their tokens. Admin and up; `FORBIDDEN`
    /// below. Pages hold 50 items by default and 100 at most.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<ApiKey>> {
        let args = page_args(first, after, last, before)?;
        let cx = service_ctx(ctx)?;
        let page = crate::access::api_key::list(cx, &args).await?;
        let total = if wants_total(ctx) { Some(crate::access::api_key::count(cx).await?) } else { None };
        Ok(connection(page, total, ApiKey))
    }
}

/// The GraphQL object of a membership (described on its `impl`).
pub struct Member(pub MemberRow);

/// Answered field by field: no plain fields are mapped (see `graphql::connection::PlainFields`).
impl crate::graphql::connection::PlainFields for Member {}

/// A member of the organization: a user and their role.
#[Object]
impl Member {
    /// The user.
    async fn user(&self) -> User {
        User { id: to_id(self.0.user_id), email: self.0.email.clone(), name: self.0.name.clone() }
    }
    /// Their role in the organization.
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// When they joined.
    async fn joined_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The GraphQL object of an API key (described on its `impl`).
pub struct ApiKey(pub KeyListing);

/// Answered field by field: no plain fields are mapped (see `graphql::connection::PlainFields`).
impl crate::graphql::connection::PlainFields for ApiKey {}

/// An API key: a bearer token of the organization, a person's or a service's. Its token is shown
/// once, by `createApiKey`, and never stored.
#[Object]
impl ApiKey {
    /// Server-generated id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Label given at creation.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Public start of the token (`dkt_` and 8 characters), to recognise it by.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }
    /// The role it acts with (a person's key never above the person's membership).
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// The person it belongs to; `null` for a service key.
    async fn user(&self) -> Option<User> {
        let (id, email, name) = (self.0.user_id?, self.0.user_email.clone()?, self.0.user_name.clone()?);
        Some(User { id: to_id(id), email, name })
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last authenticated a request (kept to the minute).
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
    /// When it stops working, if ever.
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// When it was revoked, if it was.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

/// Input of `createApiKey`.
#[derive(InputObject)]
pub struct CreateApiKeyInput {
    /// Label, 1 to 255 characters.
    pub name: String,
    /// The role it acts with; at most the caller's own.
    pub role: Role,
    /// When it stops working; never when omitted. Must be in the future.
    pub expires_at: Option<DateTime<Utc>>,
    /// A member the key belongs to (a person's key); a service key when omitted.
    pub user_id: Option<ID>,
}

/// Result of `createApiKey`.
#[derive(SimpleObject)]
pub struct CreateApiKeyPayload {
    /// The new key.
    pub api_key: ApiKey,
    /// The bearer token (`dkt_...`), shown only now: it is not stored and cannot be read again.
    pub token: String,
}

/// Input of `revokeApiKey`.
#[derive(InputObject)]
pub struct RevokeApiKeyInput {
    /// The key to revoke.
    pub id: ID,
}

/// Result of `revokeApiKey`.
#[derive(SimpleObject)]
pub struct RevokeApiKeyPayload {
    /// The key, with `revokedAt` set.
    pub api_key: ApiKey,
}

/// Input of `createUser`.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// Email address, unique across Docket regardless of case.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Their role in the caller's organization; `MEMBER` when omitted. At most the caller's own.
    pub role: Option<Role>,
}

/// Input of `addMember`.
#[derive(InputObject)]
pub struct AddMemberInput {
    /// Email of an existing user.
    pub email: String,
    /// Their role; `MEMBER` when omitted. At most the caller's own.
    pub role: Option<Role>,
}

/// Input of `updateMemberRole`.
#[derive(InputObject)]
pub struct UpdateMemberRoleInput {
    /// The member.
    pub user_id: ID,
    /// Their new role; at most the caller's own.
    pub role: Role,
}

/// Input of `removeMember`.
#[derive(InputObject)]
pub struct RemoveMemberInput {
    /// The member to remove; their personal keys stop working in this organization.
    pub user_id: ID,
}

payload!(
    /// Result of `createUser`.
    CreateUserPayload {
        /// The member as they are now.
        member: Member
    }
);

payload!(
    /// Result of `addMember`.
    AddMemberPayload {
        /// The member as they are now.
        member: Member
    }
);

payload!(
    /// Result of `updateMemberRole`.
    UpdateMemberRolePayload {
        /// The member as they are now.
        member: Member
    }
);

/// Result of `removeMember`.
#[derive(SimpleObject)]
pub struct RemoveMemberPayload {
    /// Id of the user who left.
    pub removed_user_id: ID,
}

/// Input of `updateOrganization`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    /// New unique name (its slug follows, except for `default`'s).
    pub name: Option<String>,
    /// New settings object (replaces the old one).
    pub settings: Option<Json<Value>>,
}

/// Result of `updateOrganization`.
#[derive(SimpleObject)]
pub struct UpdateOrganizationPayload {
    /// The organization as it is now.
    pub organization: Organization,
}

//! Who is asking and who may: `Viewer`, `Organization`, `Member`, `User`, `ApiKey`, `Role`, and the
//! inputs and payloads of the access mutations.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::organization;
use serde_json::Value;

use crate::{
    access::{api_key::KeyListing, member::Member as MemberRow},
    graphql::{
        connection::{connection, wants_total},
        object::{object, plain_enums},
        relations::nodes_read,
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

impl From<&crate::access::member::Member> for User {
    fn from(m: &crate::access::member::Member) -> Self {
        Self { id: to_id(m.user_id), email: m.email.clone(), name: m.name.clone() }
    }
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
        let member = crate::access::member::user_in(cx.reads, self.0.organization_id, *user_id).await?;
        Ok(member.as_ref().map(User::from))
    }
    /// The key the request authenticated with; `null` for anonymous access.
    async fn api_key(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ApiKey>> {
        let (Principal::User { key, .. } | Principal::Service { key }) = &self.0.principal else { return Ok(None) };
        let cx = service_ctx(ctx)?;
        Ok(Some(ApiKey(crate::access::api_key::listing(cx.reads, self.0.organization_id, key.id).await?)))
    }
}

plain_enums!(Role);

object! {
    /// An organization: the tenant. Nothing of another organization is ever visible to its viewers.
    #[Object]
    impl Organization(organization::Model) |m| {
        /// Server-generated id.
        id: ID = to_id(m.id),
        /// Unique display name.
        name: &str = &m.name,
        /// Unique URL-safe form of the name (`default` for the built-in organization).
        slug: &str = &m.slug,
        /// Free-form settings object.
        settings: Json<&Value> = Json(&m.settings),
        /// When the organization was created.
        created_at: DateTime<Utc> = m.created_at,
        /// When it last changed.
        updated_at: DateTime<Utc> = m.updated_at,
    }
    pages {
        /// The organization's members, oldest user first. Admin and up; `FORBIDDEN` below.
        /// Pages hold 50 items by default and 100 at most.
        members() -> Member = |_this, ctx, args| {
            let cx = service_ctx(ctx)?;
            let page = crate::access::member::list(cx, &args, &nodes_read::<Member>(ctx)).await?;
            let total = if wants_total(ctx) { Some(crate::access::member::count(cx).await?) } else { None };
            Ok(connection(page, total, Member))
        },
        /// The organization's API keys, oldest first; never their tokens. Admin and up; `FORBIDDEN`
        /// below. Pages hold 50 items by default and 100 at most.
        api_keys() -> ApiKey = |_this, ctx, args| {
            let cx = service_ctx(ctx)?;
            let page = crate::access::api_key::list(cx, &args, &nodes_read::<ApiKey>(ctx)).await?;
            let total = if wants_total(ctx) { Some(crate::access::api_key::count(cx).await?) } else { None };
            Ok(connection(page, total, ApiKey))
        },
    }
}

object! {
    /// A member of the organization: a user and their role.
    #[Object]
    impl Member(MemberRow) |m| {
        /// Their role in the organization.
        role: Role = m.role.into(),
        /// When they joined.
        joined_at: DateTime<Utc> = m.created_at,
    }
    resolvers {
        /// The user.
        async fn user(&self) -> User {
            User::from(&self.0)
        }
    }
}

object! {
    /// An API key: a bearer token of the organization, a person's or a service's. Its token is shown
    /// once, by `createApiKey`, and never stored.
    #[Object]
    impl ApiKey(KeyListing) |m| {
        /// Server-generated id.
        id: ID = to_id(m.id),
        /// Label given at creation.
        name: &str = &m.name,
        /// Public start of the token (`dkt_` and 8 characters), to recognise it by.
        prefix: &str = &m.prefix,
        /// The role it acts with (a person's key never above the person's membership).
        role: Role = m.role.into(),
        /// When it was created.
        created_at: DateTime<Utc> = m.created_at,
        /// When it last authenticated a request (kept to the minute).
        last_used_at: Option<DateTime<Utc>> = m.last_used_at,
        /// When it stops working, if ever.
        expires_at: Option<DateTime<Utc>> = m.expires_at,
        /// When it was revoked, if it was.
        revoked_at: Option<DateTime<Utc>> = m.revoked_at,
    }
    resolvers {
        /// The person it belongs to; `null` for a service key.
        async fn user(&self) -> Option<User> {
            let (id, email, name) = (self.0.user_id?, self.0.user_email.clone()?, self.0.user_name.clone()?);
            Some(User { id: to_id(id), email, name })
        }
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

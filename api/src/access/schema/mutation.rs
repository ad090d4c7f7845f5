//! `createApiKey`, `revokeApiKey`, `createUser`, `addMember`, `updateMemberRole`, `removeMember`,
//! `updateOrganization`: who may do what in the viewer's organization.

use async_graphql::{Context, Object};

use crate::{
    access::{
        api_key::{self, NewKey},
        member, organization,
        schema::objects::{
            AddMemberInput, AddMemberPayload, ApiKey, CreateApiKeyInput, CreateApiKeyPayload, CreateUserInput,
            CreateUserPayload, Member, Organization, RemoveMemberInput, RemoveMemberPayload, RevokeApiKeyInput,
            RevokeApiKeyPayload, UpdateMemberRoleInput, UpdateMemberRolePayload, UpdateOrganizationInput,
            UpdateOrganizationPayload,
        },
    },
    graphql::{parse_id, service_ctx},
    service::Role,
};

/// Access mutations.
#[derive(Default)]
pub struct AccessMutation;

#[Object]
impl AccessMutation {
    /// Creates an API key in the caller's organization; the payload carries its token, shown only
    /// this once. Admin and up. Errors: `FORBIDDEN` (below admin, or a role above the caller's),
    /// `NOT_FOUND` (`userId` is not a member), `BAD_USER_INPUT` (empty name, `expiresAt` past).
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: CreateApiKeyInput,
    ) -> async_graphql::Result<CreateApiKeyPayload> {
        let user_id = input.user_id.map(|id| parse_id("userId", &id)).transpose()?;
        let new = NewKey { name: input.name, role: input.role.into(), expires_at: input.expires_at, user_id };
        let (key, token) = api_key::create(service_ctx(ctx)?, new).await?;
        Ok(CreateApiKeyPayload { api_key: ApiKey(key), token })
    }

    /// Revokes an API key: it stops working at once, on every server sharing the database. Admin
    /// and up. Errors: `FORBIDDEN`, `NOT_FOUND`.
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiKeyInput,
    ) -> async_graphql::Result<RevokeApiKeyPayload> {
        let id = parse_id("id", &input.id)?;
        Ok(RevokeApiKeyPayload { api_key: ApiKey(api_key::revoke(service_ctx(ctx)?, id).await?) })
    }

    /// Creates a user and makes them a member of the caller's organization. Admin and up.
    /// Errors: `FORBIDDEN` (below admin, or a role above the caller's), `BAD_USER_INPUT` (email,
    /// name), `CONFLICT` (a user with this email exists: use `addMember`).
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> async_graphql::Result<CreateUserPayload> {
        let role = input.role.map_or(Role::Member, Into::into);
        let created = member::create_user(service_ctx(ctx)?, &input.email, &input.name, role).await?;
        Ok(CreateUserPayload { member: Member(created) })
    }

    /// Adds an existing user (by email) to the caller's organization. Admin and up.
    /// Errors: `FORBIDDEN`, `NOT_FOUND` (no such user), `CONFLICT` (already a member).
    async fn add_member(&self, ctx: &Context<'_>, input: AddMemberInput) -> async_graphql::Result<AddMemberPayload> {
        let role = input.role.map_or(Role::Member, Into::into);
        Ok(AddMemberPayload { member: Member(member::add(service_ctx(ctx)?, &input.email, role).await?) })
    }

    /// Changes a member's role. Admin and up; nobody grants a role above their own or changes a
    /// member above them. Errors: `FORBIDDEN`, `NOT_FOUND` (not a member).
    async fn update_member_role(
        &self,
        ctx: &Context<'_>,
        input: UpdateMemberRoleInput,
    ) -> async_graphql::Result<UpdateMemberRolePayload> {
        let user_id = parse_id("userId", &input.user_id)?;
        let updated = member::update_role(service_ctx(ctx)?, user_id, input.role.into()).await?;
        Ok(UpdateMemberRolePayload { member: Member(updated) })
    }

    /// Removes a member from the caller's organization; their personal keys stop working there.
    /// Admin and up. Errors: `FORBIDDEN` (below admin, or the member is above the caller),
    /// `NOT_FOUND` (not a member).
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        input: RemoveMemberInput,
    ) -> async_graphql::Result<RemoveMemberPayload> {
        let user_id = parse_id("userId", &input.user_id)?;
        member::remove(service_ctx(ctx)?, user_id).await?;
        Ok(RemoveMemberPayload { removed_user_id: input.user_id })
    }

    /// Renames the caller's organization and/or replaces its settings. Owner only.
    /// Errors: `FORBIDDEN`, `BAD_USER_INPUT`, `CONFLICT` (name taken).
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganizationInput,
    ) -> async_graphql::Result<UpdateOrganizationPayload> {
        let updated = organization::update(service_ctx(ctx)?, input.name, input.settings.map(|j| j.0)).await?;
        Ok(UpdateOrganizationPayload { organization: Organization(updated) })
    }
}

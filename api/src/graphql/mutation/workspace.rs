//! `createWorkspace`, `updateWorkspace`, `deleteWorkspace`.

use async_graphql::{Context, Object};

use crate::{
    graphql::{
        parse_id, service_ctx,
        types::{
            Workspace,
            workspace::{
                CreateWorkspaceInput, CreateWorkspacePayload, DeleteWorkspaceInput, DeleteWorkspacePayload,
                UpdateWorkspaceInput, UpdateWorkspacePayload,
            },
        },
    },
    service::workspace::{self, NewWorkspace, WorkspaceChanges},
};

/// Workspace mutations.
#[derive(Default)]
pub struct WorkspaceMutation;

#[Object]
impl WorkspaceMutation {
    /// Creates a workspace. Errors: `BAD_USER_INPUT` (empty name or path, config not an object),
    /// `CONFLICT` (a workspace with this path exists).
    async fn create_workspace(
        &self,
        ctx: &Context<'_>,
        input: CreateWorkspaceInput,
    ) -> async_graphql::Result<CreateWorkspacePayload> {
        let new = NewWorkspace { name: input.name, path: input.path, config: input.config.map(|j| j.0) };
        let created = workspace::create(service_ctx(ctx), new).await?;
        Ok(CreateWorkspacePayload { workspace: Workspace(created) })
    }

    /// Changes a workspace. Errors: `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT` (path taken).
    async fn update_workspace(
        &self,
        ctx: &Context<'_>,
        input: UpdateWorkspaceInput,
    ) -> async_graphql::Result<UpdateWorkspacePayload> {
        let id = parse_id("id", &input.id)?;
        let changes = WorkspaceChanges { name: input.name, path: input.path, config: input.config.map(|j| j.0) };
        let updated = workspace::update(service_ctx(ctx), id, changes).await?;
        Ok(UpdateWorkspacePayload { workspace: Workspace(updated) })
    }

    /// Deletes a workspace with its sessions, todos and events. Errors: `NOT_FOUND`.
    async fn delete_workspace(
        &self,
        ctx: &Context<'_>,
        input: DeleteWorkspaceInput,
    ) -> async_graphql::Result<DeleteWorkspacePayload> {
        let id = parse_id("id", &input.id)?;
        workspace::delete(service_ctx(ctx), id).await?;
        Ok(DeleteWorkspacePayload { deleted_id: input.id })
    }
}

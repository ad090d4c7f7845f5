//! `createWorkspace`, `updateWorkspace`, `deleteWorkspace`.

use async_graphql::{Context, Object};

use crate::{
    error::ApiError,
    graphql::{parse_id, service_ctx},
    sessions::{
        schema::workspace::{
            CreateWorkspaceInput, CreateWorkspacePayload, DeleteWorkspaceInput, DeleteWorkspacePayload,
            UpdateWorkspaceInput, UpdateWorkspacePayload, Workspace,
        },
        workspace::{self, NewWorkspace, WorkspaceChanges},
    },
};

/// Workspace mutations.
#[derive(Default)]
pub struct WorkspaceMutation;

#[Object]
impl WorkspaceMutation {
    /// Creates a workspace, optionally in a project. Errors: `BAD_USER_INPUT` (empty name or path,
    /// config not an object), `NOT_FOUND` (project), `CONFLICT` (a workspace with this path exists).
    async fn create_workspace(
        &self,
        ctx: &Context<'_>,
        input: CreateWorkspaceInput,
    ) -> async_graphql::Result<CreateWorkspacePayload> {
        let project_id = input.project_id.map(|id| parse_id("projectId", &id)).transpose()?;
        let new = NewWorkspace { name: input.name, path: input.path, config: input.config.map(|j| j.0), project_id };
        let created = workspace::create(service_ctx(ctx)?, new).await?;
        Ok(CreateWorkspacePayload { workspace: Workspace(created) })
    }

    /// Changes a workspace (`removeFromProject: true` unlinks it from its project). Errors: `NOT_FOUND`
    /// (workspace or project), `BAD_USER_INPUT`, `CONFLICT` (path taken).
    async fn update_workspace(
        &self,
        ctx: &Context<'_>,
        input: UpdateWorkspaceInput,
    ) -> async_graphql::Result<UpdateWorkspacePayload> {
        let id = parse_id("id", &input.id)?;
        let project_id = match (input.project_id, input.remove_from_project.unwrap_or(false)) {
            (Some(_), true) => {
                return Err(ApiError::bad_input("give `projectId` or `removeFromProject`, not both").into());
            }
            (Some(id), false) => Some(Some(parse_id("projectId", &id)?)),
            (None, true) => Some(None),
            (None, false) => None,
        };
        let changes =
            WorkspaceChanges { name: input.name, path: input.path, config: input.config.map(|j| j.0), project_id };
        let updated = workspace::update(service_ctx(ctx)?, id, changes).await?;
        Ok(UpdateWorkspacePayload { workspace: Workspace(updated) })
    }

    /// Deletes a workspace with its sessions, todos and events. Errors: `NOT_FOUND`.
    async fn delete_workspace(
        &self,
        ctx: &Context<'_>,
        input: DeleteWorkspaceInput,
    ) -> async_graphql::Result<DeleteWorkspacePayload> {
        let id = parse_id("id", &input.id)?;
        workspace::delete(service_ctx(ctx)?, id).await?;
        Ok(DeleteWorkspacePayload { deleted_id: input.id })
    }
}

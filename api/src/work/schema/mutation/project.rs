//! `createProject`, `updateProject`, `deleteProject`.

use async_graphql::{Context, Object};

use crate::{
    graphql::{parse_id, service_ctx},
    work::{
        project::{self, ProjectFields},
        schema::project::{
            CreateProjectInput, CreateProjectPayload, DeleteProjectInput, DeleteProjectPayload, Project,
            UpdateProjectInput, UpdateProjectPayload,
        },
    },
};

/// Project mutations.
#[derive(Default)]
pub struct ProjectMutation;

#[Object]
impl ProjectMutation {
    /// Creates a project. Errors: `BAD_USER_INPUT`, `CONFLICT` (name taken).
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        input: CreateProjectInput,
    ) -> async_graphql::Result<CreateProjectPayload> {
        let fields = ProjectFields {
            name: Some(input.name),
            description: input.description,
            repository_url: input.repository_url,
            repository_name: input.repository_name,
            default_branch: input.default_branch,
            settings: input.settings.map(|j| j.0),
        };
        Ok(CreateProjectPayload { project: Project(project::create(service_ctx(ctx)?, fields).await?) })
    }

    /// Changes a project. Errors: `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT` (name taken).
    async fn update_project(
        &self,
        ctx: &Context<'_>,
        input: UpdateProjectInput,
    ) -> async_graphql::Result<UpdateProjectPayload> {
        let id = parse_id("id", &input.id)?;
        let fields = ProjectFields {
            name: input.name,
            description: input.description,
            repository_url: input.repository_url,
            repository_name: input.repository_name,
            default_branch: input.default_branch,
            settings: input.settings.map(|j| j.0),
        };
        Ok(UpdateProjectPayload { project: Project(project::update(service_ctx(ctx)?, id, fields).await?) })
    }

    /// Deletes a project with all its tasks; its workspaces stay, unlinked. Errors: `NOT_FOUND`.
    async fn delete_project(
        &self,
        ctx: &Context<'_>,
        input: DeleteProjectInput,
    ) -> async_graphql::Result<DeleteProjectPayload> {
        let id = parse_id("id", &input.id)?;
        project::delete(service_ctx(ctx)?, id).await?;
        Ok(DeleteProjectPayload { deleted_id: input.id })
    }
}

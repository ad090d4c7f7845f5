//! Root query fields. Lookups by id answer `null` for an unknown id and `BAD_USER_INPUT` for a
//! malformed one.

use async_graphql::{Context, ID, Object};
use entity::{documentation_session, project, task, workspace};

use super::{
    connection::{Conn, connection, page_args, wants_total},
    parse_id,
    relations::{ahead_of_nodes, ahead_of_one, by_id},
    service_ctx,
    types::{
        AuditEntry, DocumentationSession, Project, SessionTodo, Task, Workspace,
        access::{Organization, Viewer},
    },
};
use crate::service;

mod event;
mod node;
mod webhook;

pub use event::EventQuery;
pub use node::{Node, NodeQuery};
pub use webhook::WebhookQuery;

/// Who is asking, and their organization.
#[derive(Default)]
pub struct AccessQuery;

#[Object]
impl AccessQuery {
    /// Who is asking: organization, role, person and key.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Viewer> {
        Ok(Viewer(service_ctx(ctx)?.viewer().clone()))
    }

    /// The viewer's organization (its `members` and `apiKeys` need the admin role).
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        Ok(Organization(service::organization::current(service_ctx(ctx)?).await?))
    }
}

/// Workspace lookups and the list of workspaces.
#[derive(Default)]
pub struct WorkspaceQuery;

#[Object]
impl WorkspaceQuery {
    /// The workspace with this id, or `null`.
    async fn workspace(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Workspace>> {
        let id = parse_id("id", &id)?;
        Ok(by_id::<workspace::Entity, Workspace>(ctx, id).await?.map(Workspace))
    }

    /// The workspace whose `path` is exactly this, or `null`.
    async fn workspace_by_path(&self, ctx: &Context<'_>, path: String) -> async_graphql::Result<Option<Workspace>> {
        let found = service::workspace::find_by_path(service_ctx(ctx)?, &path).await?;
        if let Some(row) = &found {
            ahead_of_one::<Workspace>(ctx, row).await?;
        }
        Ok(found.map(Workspace))
    }

    /// The organization's workspaces, oldest first. Pages hold 50 items by default and 100 at most.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn workspaces(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Workspace>> {
        let args = page_args(first, after, last, before)?;
        let cx = service_ctx(ctx)?;
        let page = service::workspace::list(cx, &args).await?;
        let total = if wants_total(ctx) { Some(service::workspace::count(cx).await?) } else { None };
        ahead_of_nodes::<Workspace>(ctx, &page.items).await?;
        Ok(connection(page, total, Workspace))
    }
}

/// Session and todo lookups.
#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// The documentation session with this id, or `null`.
    async fn documentation_session(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<DocumentationSession>> {
        let id = parse_id("id", &id)?;
        Ok(by_id::<documentation_session::Entity, DocumentationSession>(ctx, id).await?.map(DocumentationSession))
    }

    /// The session todo with this id, or `null`.
    async fn session_todo(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<SessionTodo>> {
        let id = parse_id("id", &id)?;
        let cx = service_ctx(ctx)?;
        match service::todo::get(cx.db, cx.scope(), id).await {
            Ok(todo) => {
                ahead_of_one::<SessionTodo>(ctx, &todo).await?;
                Ok(Some(SessionTodo(todo)))
            }
            Err(crate::error::ApiError::NotFound { .. }) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }
}

/// Project, task and audit-log lookups.
#[derive(Default)]
pub struct WorkQuery;

#[Object]
impl WorkQuery {
    /// The organization's projects, oldest first. Pages hold 50 items by default and 100 at most.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Project>> {
        let args = page_args(first, after, last, before)?;
        let cx = service_ctx(ctx)?;
        let page = service::project::list(cx, &args).await?;
        let total = if wants_total(ctx) { Some(service::project::count(cx).await?) } else { None };
        ahead_of_nodes::<Project>(ctx, &page.items).await?;
        Ok(connection(page, total, Project))
    }

    /// The project with this id, or `null`.
    async fn project(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Project>> {
        let id = parse_id("id", &id)?;
        Ok(by_id::<project::Entity, Project>(ctx, id).await?.map(Project))
    }

    /// The project with this name, or `null`.
    async fn project_by_name(&self, ctx: &Context<'_>, name: String) -> async_graphql::Result<Option<Project>> {
        let cx = service_ctx(ctx)?;
        let found = service::project::find_by_name(cx.db, cx.scope(), &name).await?;
        if let Some(row) = &found {
            ahead_of_one::<Project>(ctx, row).await?;
        }
        Ok(found.map(Project))
    }

    /// The task with this id, or `null`.
    async fn task(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Task>> {
        let id = parse_id("id", &id)?;
        Ok(by_id::<task::Entity, Task>(ctx, id).await?.map(Task))
    }

    /// The task with Task Master id `externalId` (`12`, `12.3`) in `tag` (default `master`) of a
    /// project, or `null`.
    async fn task_by_external_id(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        #[graphql(default = "master")] tag: String,
        external_id: String,
    ) -> async_graphql::Result<Option<Task>> {
        let project_id = parse_id("projectId", &project_id)?;
        let cx = service_ctx(ctx)?;
        let found = service::task::find_by_external_id(cx.db, cx.scope(), project_id, &tag, &external_id).await?;
        if let Some(row) = &found {
            ahead_of_one::<Task>(ctx, row).await?;
        }
        Ok(found.map(Task))
    }

    /// The organization's audit log, oldest first: every write through the API, optionally of one record
    /// (`entityId`) or one kind of record (`entityType`: `project`, `task`, `task_dependency`).
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        entity_id: Option<ID>,
        entity_type: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<AuditEntry>> {
        let args = page_args(first, after, last, before)?;
        let entity_id = entity_id.map(|id| parse_id("entityId", &id)).transpose()?;
        let cx = service_ctx(ctx)?;
        let filter = service::audit::filter(entity_id, entity_type);
        let page = service::audit::list(cx, &filter, &args).await?;
        let total = if wants_total(ctx) { Some(service::audit::count(cx, &filter).await?) } else { None };
        Ok(connection(page, total, AuditEntry))
    }
}

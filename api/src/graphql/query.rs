//! Root query fields. Lookups by id answer `null` for an unknown id and `BAD_USER_INPUT` for a
//! malformed one.

use async_graphql::{Context, ID, Object, dataloader::DataLoader};
use entity::{documentation_session, workspace};

use super::{
    connection::{Conn, connection, page_args, wants_total},
    loaders::ById,
    parse_id, service_ctx,
    types::{DocumentationSession, SessionTodo, Workspace},
};
use crate::service;

/// Workspace lookups and the list of workspaces.
#[derive(Default)]
pub struct WorkspaceQuery;

#[Object]
impl WorkspaceQuery {
    /// The workspace with this id, or `null`.
    async fn workspace(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Workspace>> {
        let id = parse_id("id", &id)?;
        let loader = ctx.data_unchecked::<DataLoader<ById<workspace::Entity>>>();
        Ok(loader.load_one(id).await?.map(Workspace))
    }

    /// The workspace whose `path` is exactly this, or `null`.
    async fn workspace_by_path(&self, ctx: &Context<'_>, path: String) -> async_graphql::Result<Option<Workspace>> {
        Ok(service::workspace::find_by_path(service_ctx(ctx), &path).await?.map(Workspace))
    }

    /// All workspaces, oldest first. Pages hold 50 items by default and 100 at most.
    #[graphql(complexity = "first.or(last).unwrap_or(50).clamp(0, 100) as usize * child_complexity + 1")]
    async fn workspaces(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Workspace>> {
        let args = page_args(first, after, last, before)?;
        let cx = service_ctx(ctx);
        let page = service::workspace::list(cx, &args).await?;
        let total = if wants_total(ctx) { Some(service::workspace::count(cx).await?) } else { None };
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
        let loader = ctx.data_unchecked::<DataLoader<ById<documentation_session::Entity>>>();
        Ok(loader.load_one(id).await?.map(DocumentationSession))
    }

    /// The session todo with this id, or `null`.
    async fn session_todo(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<SessionTodo>> {
        let id = parse_id("id", &id)?;
        match service::todo::get(service_ctx(ctx).db, id).await {
            Ok(todo) => Ok(Some(SessionTodo(todo))),
            Err(crate::error::ApiError::NotFound { .. }) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }
}

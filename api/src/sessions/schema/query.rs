//! Root query fields of documentation sessions. Lookups by id answer `null` for an unknown id and
//! `BAD_USER_INPUT` for a malformed one.

use crate::{
    graphql::{
        connection::{Conn, connection, page_args, wants_total},
        parse_id,
        relations::{ahead_of_nodes, ahead_of_one, by_id, nodes_read},
        service_ctx,
    },
    sessions::schema::{session::DocumentationSession, todo::SessionTodo, workspace::Workspace},
};
use async_graphql::{Context, ID, Object};
use entity::{documentation_session, workspace};

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
        let found = crate::sessions::workspace::find_by_path(service_ctx(ctx)?, &path).await?;
        if let Some(row) = &found {
            ahead_of_one::<Workspace>(ctx, row).await?;
        }
        Ok(found.map(Workspace))
    }

    /// The organization's workspaces, oldest first. Pages hold 50 items by default and 100 at most.
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
        let page = crate::sessions::workspace::list(cx, &args, &nodes_read::<Workspace>(ctx)).await?;
        let total = if wants_total(ctx) { Some(crate::sessions::workspace::count(cx).await?) } else { None };
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
        match crate::sessions::todo::get(cx.reads, cx.scope(), id).await {
            Ok(todo) => {
                ahead_of_one::<SessionTodo>(ctx, &todo).await?;
                Ok(Some(SessionTodo(todo)))
            }
            Err(crate::error::ApiError::NotFound { .. }) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }
}

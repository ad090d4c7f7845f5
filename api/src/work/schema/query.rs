//! Root query fields of work tracking. Lookups by id answer `null` for an unknown id and
//! `BAD_USER_INPUT` for a malformed one.

use crate::{
    graphql::{
        connection::{Conn, connection, page_args, wants_total},
        parse_id,
        relations::{ahead_of_nodes, ahead_of_one, by_id, nodes_read},
        service_ctx,
    },
    work::{
        schema::{project::Project, task::Task, task_filter::TaskFilter},
        task::TaskQuery,
    },
};
use async_graphql::{Context, ID, Object};
use entity::{project, task};

/// Project and task lookups.
#[derive(Default)]
pub struct WorkQuery;

#[Object]
impl WorkQuery {
    /// The organization's projects, oldest first. Pages hold 50 items by default and 100 at most.
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
        let page = crate::work::project::list(cx, &args, &nodes_read::<Project>(ctx)).await?;
        let total = if wants_total(ctx) { Some(crate::work::project::count(cx).await?) } else { None };
        ahead_of_nodes::<Project>(ctx, &page.items).await?;
        Ok(connection(page, total, Project))
    }

    /// The organization's tasks across its projects, narrowed by `filter` (by project, workflow,
    /// status, assignee, agent, schedule ...), oldest first. Pages hold 50 items by default and 100 at
    /// most.
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        filter: Option<TaskFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Task>> {
        let args = page_args(first, after, last, before)?;
        let query = TaskQuery::try_from(filter.unwrap_or_default())?;
        let cx = service_ctx(ctx)?;
        let page = crate::work::task::list(cx, &query, &args, &nodes_read::<Task>(ctx)).await?;
        let total = if wants_total(ctx) { Some(crate::work::task::count(cx, &query).await?) } else { None };
        ahead_of_nodes::<Task>(ctx, &page.items).await?;
        Ok(connection(page, total, Task))
    }

    /// The project with this id, or `null`.
    async fn project(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Project>> {
        let id = parse_id("id", &id)?;
        Ok(by_id::<project::Entity, Project>(ctx, id).await?.map(Project))
    }

    /// The project with this name, or `null`.
    async fn project_by_name(&self, ctx: &Context<'_>, name: String) -> async_graphql::Result<Option<Project>> {
        let cx = service_ctx(ctx)?;
        let found = crate::work::project::find_by_name(cx.reads, cx.scope(), &name).await?;
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
        let found =
            crate::work::task::find_by_external_id(cx.reads, cx.scope(), project_id, &tag, &external_id).await?;
        if let Some(row) = &found {
            ahead_of_one::<Task>(ctx, row).await?;
        }
        Ok(found.map(Task))
    }
}

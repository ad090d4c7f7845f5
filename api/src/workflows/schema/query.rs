//! Root query fields of workflows. Lookups by id answer `null` for an unknown id (or another
//! organization's) and `BAD_USER_INPUT` for a malformed one.

use async_graphql::{Context, ID, InputObject, Object};
use entity::{task_definition, workflow};

use crate::{
    graphql::{
        connection::{Conn, connection, page_args, wants_total},
        parse_id,
        relations::{ahead_of_nodes, by_id, nodes_read},
        service_ctx,
    },
    workflows::{
        definition::{self as definitions, DefinitionQuery},
        schema::{
            definition::TaskDefinition,
            workflow::{Workflow, WorkflowStatus},
        },
        workflow::{self as workflows, WorkflowQuery},
    },
};

/// Narrows the list of workflows; every given condition must hold.
#[derive(InputObject, Default)]
pub struct WorkflowFilter {
    /// Of this project.
    pub project_id: Option<ID>,
    /// In one of these statuses.
    pub status: Option<Vec<WorkflowStatus>>,
}

/// Narrows the list of task definitions.
#[derive(InputObject, Default)]
pub struct TaskDefinitionFilter {
    /// Versions of the definition of this name.
    pub name: Option<String>,
}

/// Workflow and task definition lookups.
#[derive(Default)]
pub struct WorkflowsQuery;

#[Object]
impl WorkflowsQuery {
    /// The workflow with this id, or `null`.
    async fn workflow(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Workflow>> {
        let id = parse_id("id", &id)?;
        Ok(by_id::<workflow::Entity, Workflow>(ctx, id).await?.map(Workflow))
    }

    /// The organization's workflows narrowed by `filter`, oldest first. Pages hold 50 items by
    /// default and 100 at most.
    async fn workflows(
        &self,
        ctx: &Context<'_>,
        filter: Option<WorkflowFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Workflow>> {
        let args = page_args(first, after, last, before)?;
        let filter = filter.unwrap_or_default();
        let query = WorkflowQuery {
            project_id: filter.project_id.map(|id| parse_id("filter.projectId", &id)).transpose()?,
            status: filter.status.map(|s| s.into_iter().map(Into::into).collect()),
        };
        let cx = service_ctx(ctx)?;
        let page = workflows::list(cx, &query, &args, &nodes_read::<Workflow>(ctx)).await?;
        let total = if wants_total(ctx) { Some(workflows::count(cx, &query).await?) } else { None };
        ahead_of_nodes::<Workflow>(ctx, &page.items).await?;
        Ok(connection(page, total, Workflow))
    }

    /// The task definition version with this id, or `null`.
    async fn task_definition(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<TaskDefinition>> {
        let id = parse_id("id", &id)?;
        Ok(by_id::<task_definition::Entity, TaskDefinition>(ctx, id).await?.map(TaskDefinition))
    }

    /// The organization's task definitions (every version) narrowed by `filter`, oldest first. Pages
    /// hold 50 items by default and 100 at most.
    async fn task_definitions(
        &self,
        ctx: &Context<'_>,
        filter: Option<TaskDefinitionFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<TaskDefinition>> {
        let args = page_args(first, after, last, before)?;
        let query = DefinitionQuery { name: filter.and_then(|f| f.name) };
        let cx = service_ctx(ctx)?;
        let page = definitions::list(cx, &query, &args, &nodes_read::<TaskDefinition>(ctx)).await?;
        let total = if wants_total(ctx) { Some(definitions::count(cx, &query).await?) } else { None };
        ahead_of_nodes::<TaskDefinition>(ctx, &page.items).await?;
        Ok(connection(page, total, TaskDefinition))
    }
}

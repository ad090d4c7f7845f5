//! `Project`, its inputs and payloads, and `TaskCounts`.

use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{project, task::TaskStatus as Stored};
use serde_json::Value;

use crate::{
    graphql::{
        connection::{Conn, page_args},
        loaders::{
            ExecutionSummaries, PullRequestsOfProject, ReadyTasksOfProject, TaskCounts as TaskCountsLoader,
            TasksOfProject, TasksOfProjectByPriority, WorkspacesOfProject,
        },
        prefetch::{Args, Level, Prefetch, field},
        relations::{child_connection, per_parent},
        to_id,
        types::payload,
    },
    service::page::Filter,
    work::{
        pull_request::PullRequestQuery,
        schema::{
            execution::AgentExecutionSummary,
            pull_request::{PullRequest, PullRequestStatus},
            task::Task,
            task_filter::TaskFilter,
        },
        task::{self as tasks, TaskQuery},
    },
};

/// The GraphQL object of a project row (described on its `impl`).
pub struct Project(pub project::Model);

/// Answered field by field: no plain fields are mapped (see `graphql::connection::PlainFields`).
impl crate::graphql::connection::PlainFields for Project {}

/// A code base whose work Docket tracks: its tasks, their dependencies and history.
#[Object]
impl Project {
    /// Server-generated id (a UUIDv7).
    pub async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Unique name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Free text.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Repository URL.
    async fn repository_url(&self) -> Option<&str> {
        self.0.repository_url.as_deref()
    }
    /// Repository name, e.g. `owner/repo`.
    async fn repository_name(&self) -> Option<&str> {
        self.0.repository_name.as_deref()
    }
    /// Default branch.
    async fn default_branch(&self) -> &str {
        &self.0.default_branch
    }
    /// Settings object (imports keep each tag's Task Master metadata under `taskmaster`).
    async fn settings(&self) -> Json<&Value> {
        Json(&self.0.settings)
    }
    /// When the project was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the project last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The project's tasks and subtasks, narrowed by `filter`, in `orderBy` order (oldest first by
    /// default). Pages hold 50 items by default and 100 at most; `PRIORITY` order pages forward only.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        filter: Option<TaskFilter>,
        order_by: Option<TaskOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Task>> {
        let args = page_args(first, after, last, before)?;
        let filter = TaskQuery::from(filter.unwrap_or_default()).filter()?;
        match order_by.unwrap_or(TaskOrder::CreatedAt) {
            TaskOrder::CreatedAt => child_connection::<TasksOfProject, _>(ctx, self.0.id, filter, args, Task).await,
            TaskOrder::Priority => {
                child_connection::<TasksOfProjectByPriority, _>(ctx, self.0.id, filter, args, Task).await
            }
        }
    }
    /// The workspaces that belong to the project, oldest first.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn workspaces(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<crate::sessions::schema::workspace::Workspace>> {
        let args = page_args(first, after, last, before)?;
        child_connection::<WorkspacesOfProject, _>(
            ctx,
            self.0.id,
            Filter::default(),
            args,
            crate::sessions::schema::workspace::Workspace,
        )
        .await
    }
    /// Pending tasks whose `BLOCKS` dependencies are all done: what is ready to work on, most urgent
    /// first, then oldest; optionally of one `tag`. Pages forward only (`first`, `after`).
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first, child_complexity)")]
    async fn ready_tasks(
        &self,
        ctx: &Context<'_>,
        tag: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<Task>> {
        let args = page_args(first, after, None, None)?;
        child_connection::<ReadyTasksOfProject, _>(ctx, self.0.id, tasks::ready_filter(tag), args, Task).await
    }
    /// The project's tasks as a tagged Task Master `tasks.json` document (only `tags` when given),
    /// as `docket export` writes it; importing it into an empty project reproduces this one.
    async fn task_master_document(
        &self,
        ctx: &Context<'_>,
        tags: Option<Vec<String>>,
    ) -> async_graphql::Result<Json<Value>> {
        let cx = crate::graphql::service_ctx(ctx)?;
        Ok(Json(crate::work::import::export(cx.db, cx.scope(), self.0.id, tags.as_deref()).await?))
    }
    /// The project's pull requests, oldest first, optionally only those in `status`.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn pull_requests(
        &self,
        ctx: &Context<'_>,
        status: Option<Vec<PullRequestStatus>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<PullRequest>> {
        let args = page_args(first, after, last, before)?;
        child_connection::<PullRequestsOfProject, _>(ctx, self.0.id, pull_requests_filter(status), args, PullRequest)
            .await
    }
    /// Per agent: executions of the project's tasks, successes, failures, mean and 95th-percentile
    /// duration (the seed's `task_execution_summary`).
    async fn execution_summary(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AgentExecutionSummary>> {
        let summaries = per_parent::<ExecutionSummaries>(ctx, self.0.id).await?.unwrap_or_default();
        Ok(summaries.into_iter().map(Into::into).collect())
    }
    /// How many tasks (subtasks included) the project holds in each status.
    async fn task_counts(&self, ctx: &Context<'_>) -> async_graphql::Result<TaskCounts> {
        let counts = per_parent::<TaskCountsLoader>(ctx, self.0.id).await?.unwrap_or_default();
        let get = |status| counts.iter().find(|(s, _)| *s == status).map_or(0, |(_, n)| *n);
        Ok(TaskCounts {
            pending: get(Stored::Pending),
            in_progress: get(Stored::InProgress),
            review: get(Stored::Review),
            done: get(Stored::Done),
            deferred: get(Stored::Deferred),
            cancelled: get(Stored::Cancelled),
            blocked: get(Stored::Blocked),
            total: counts.iter().map(|(_, n)| n).sum(),
        })
    }
}

/// The filter of `Project.pullRequests`.
fn pull_requests_filter(status: Option<Vec<PullRequestStatus>>) -> Filter {
    PullRequestQuery { status: status.map(|s| s.into_iter().map(Into::into).collect()) }.filter()
}

/// The filter of `Project.tasks` when its `orderBy` is `order`; `None` for the other order.
fn tasks_filter(args: &Args, order: TaskOrder) -> crate::error::ApiResult<Option<Filter>> {
    if args.get::<Option<TaskOrder>>("orderBy")?.unwrap_or(TaskOrder::CreatedAt) != order {
        return Ok(None);
    }
    Ok(Some(TaskQuery::from(args.get::<Option<TaskFilter>>("filter")?.unwrap_or_default()).filter()?))
}

impl Prefetch for Project {
    type Row = project::Model;
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        level.connection::<TasksOfProject, Task>(
            &field!(Self, tasks),
            |p| p.id,
            |args| tasks_filter(args, TaskOrder::CreatedAt),
        );
        level.connection::<TasksOfProjectByPriority, Task>(
            &field!(Self, tasks),
            |p| p.id,
            |args| tasks_filter(args, TaskOrder::Priority),
        );
        level.connection::<WorkspacesOfProject, crate::sessions::schema::workspace::Workspace>(
            &field!(Self, workspaces),
            |p| p.id,
            |_| Ok(Some(Filter::default())),
        );
        level.connection::<ReadyTasksOfProject, Task>(
            &field!(Self, ready_tasks),
            |p| p.id,
            |args| Ok(Some(tasks::ready_filter(args.get("tag")?))),
        );
        level.connection::<PullRequestsOfProject, PullRequest>(
            &field!(Self, pull_requests),
            |p| p.id,
            |args| Ok(Some(pull_requests_filter(args.get("status")?))),
        );
        level.per_parent::<ExecutionSummaries>(&field!(Self, execution_summary), |p| p.id);
        level.per_parent::<TaskCountsLoader>(&field!(Self, task_counts), |p| p.id);
    }
}

/// The order of a list of tasks.
#[derive(async_graphql::Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum TaskOrder {
    /// Oldest first (creation order).
    CreatedAt,
    /// Most urgent first (`CRITICAL`, `HIGH`, `MEDIUM`, `LOW`), then oldest.
    Priority,
}

/// Number of a project's tasks in each status.
#[derive(SimpleObject)]
pub struct TaskCounts {
    /// Not started.
    pub pending: i64,
    /// Being worked on.
    pub in_progress: i64,
    /// Waiting for review.
    pub review: i64,
    /// Finished.
    pub done: i64,
    /// Put off.
    pub deferred: i64,
    /// Dropped.
    pub cancelled: i64,
    /// Cannot proceed.
    pub blocked: i64,
    /// All tasks.
    pub total: i64,
}

/// Input of `createProject`.
#[derive(InputObject)]
pub struct CreateProjectInput {
    /// Unique name, 1 to 255 characters.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Repository URL.
    pub repository_url: Option<String>,
    /// Repository name.
    pub repository_name: Option<String>,
    /// Default branch; `main` when omitted.
    pub default_branch: Option<String>,
    /// Settings object; `{}` when omitted.
    pub settings: Option<Json<Value>>,
}

/// Input of `updateProject`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateProjectInput {
    /// The project to change.
    pub id: ID,
    /// New unique name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New repository URL.
    pub repository_url: Option<String>,
    /// New repository name.
    pub repository_name: Option<String>,
    /// New default branch.
    pub default_branch: Option<String>,
    /// New settings object (replaces the old one).
    pub settings: Option<Json<Value>>,
}

/// Input of `deleteProject`.
#[derive(InputObject)]
pub struct DeleteProjectInput {
    /// The project to delete, with all its tasks.
    pub id: ID,
}

payload!(
    /// Result of `createProject`.
    CreateProjectPayload {
        /// The project as it is now.
        project: Project
    }
);

payload!(
    /// Result of `updateProject`.
    UpdateProjectPayload {
        /// The project as it is now.
        project: Project
    }
);

/// Result of `deleteProject`.
#[derive(SimpleObject)]
pub struct DeleteProjectPayload {
    /// Id of the deleted project.
    pub deleted_id: ID,
}

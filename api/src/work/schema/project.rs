//! `Project`, its inputs and payloads, and `TaskCounts`.

use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{project, task::TaskStatus as Stored};
use serde_json::Value;

use crate::{
    graphql::{
        loaders::{ExecutionSummaries, TaskCounts as TaskCountsLoader},
        object::object,
        prefetch::{Args, Level, Prefetch, field},
        relations::{child_connection, per_parent},
        to_id,
        types::payload,
    },
    service::page::Filter,
    sessions::schema::workspace::Workspace,
    work::{
        pull_request::PullRequestQuery,
        schema::{
            execution::AgentExecutionSummary,
            pull_request::{PullRequest, PullRequestStatus},
            task::Task,
            task_filter::TaskFilter,
        },
        task as tasks,
    },
    workflows::schema::workflow::{Workflow, WorkflowStatus, WorkflowsOfProject},
};

crate::graphql::loaders::child_list!(
    /// `Project.tasks`.
    TasksOfProject: entity::task::Model = crate::work::task::TASKS_OF_PROJECT
);

crate::graphql::loaders::child_list!(
    /// `Project.tasks(orderBy: PRIORITY)`.
    TasksOfProjectByPriority: entity::task::Model = crate::work::task::TASKS_BY_PRIORITY
);

crate::graphql::loaders::child_list!(
    /// `Project.workspaces`.
    WorkspacesOfProject: entity::workspace::Model = crate::sessions::workspace::WORKSPACES_OF_PROJECT
);

crate::graphql::loaders::child_list!(
    /// `Project.readyTasks`.
    ReadyTasksOfProject: entity::task::Model = crate::work::task::READY_TASKS
);

crate::graphql::loaders::child_list!(
    /// `Project.pullRequests`.
    PullRequestsOfProject: entity::pull_request::Model = crate::work::pull_request::PULL_REQUESTS_OF_PROJECT
);

object! {
    /// A code base whose work Docket tracks: its tasks, their dependencies and history.
    #[Object]
    impl Project(project::Model) |m| {
        /// Server-generated id (a UUIDv7).
        id: ID = to_id(m.id),
        /// Unique name.
        name: &str = &m.name,
        /// Free text.
        description: Option<&str> = m.description.as_deref(),
        /// Repository URL.
        repository_url: Option<&str> = m.repository_url.as_deref(),
        /// Repository name, e.g. `owner/repo`.
        repository_name: Option<&str> = m.repository_name.as_deref(),
        /// Default branch.
        default_branch: &str = &m.default_branch,
        /// Settings object (imports keep each tag's Task Master metadata under `taskmaster`).
        settings: Json<&Value> = Json(&m.settings),
        /// When the project was created.
        created_at: DateTime<Utc> = m.created_at,
        /// When the project last changed.
        updated_at: DateTime<Utc> = m.updated_at,
    }
    connections {
        /// The workspaces that belong to the project, oldest first.
        workspaces() -> Workspace = WorkspacesOfProject(m.id, Filter::default()),
        /// The project's workflows, oldest first, optionally only those in `status`.
        workflows(status: Option<Vec<WorkflowStatus>>) -> Workflow = WorkflowsOfProject(m.id, workflows_filter(status)),
        /// The project's pull requests, oldest first, optionally only those in `status`.
        pull_requests(status: Option<Vec<PullRequestStatus>>) -> PullRequest
            = PullRequestsOfProject(m.id, pull_requests_filter(status)),
    }
    pages {
        /// The project's tasks and subtasks, narrowed by `filter`, in `orderBy` order (oldest first by
        /// default). Pages hold 50 items by default and 100 at most; `PRIORITY` order pages forward only.
        tasks(filter: Option<TaskFilter>, order_by: Option<TaskOrder>) -> Task = |this, ctx, args| {
            let filter = filter.unwrap_or_default().into_filter()?;
            match order_by.unwrap_or(TaskOrder::CreatedAt) {
                TaskOrder::CreatedAt => child_connection::<TasksOfProject, _>(ctx, this.0.id, filter, args, Task).await,
                TaskOrder::Priority => {
                    child_connection::<TasksOfProjectByPriority, _>(ctx, this.0.id, filter, args, Task).await
                }
            }
        },
    }
    forward_pages {
        /// Pending tasks whose `BLOCKS` dependencies are all done: what is ready to work on, most urgent
        /// first, then oldest; optionally of one `tag`. Pages forward only (`first`, `after`).
        ready_tasks(tag: Option<String>) -> Task = |this, ctx, args| {
            child_connection::<ReadyTasksOfProject, _>(ctx, this.0.id, tasks::ready_filter(tag), args, Task).await
        },
    }
    resolvers {
        /// The project's tasks as a tagged Task Master `tasks.json` document (only `tags` when given),
        /// as `docket export` writes it; importing it into an empty project reproduces this one.
        async fn task_master_document(
            &self,
            ctx: &Context<'_>,
            tags: Option<Vec<String>>,
        ) -> async_graphql::Result<Json<Value>> {
            let cx = crate::graphql::service_ctx(ctx)?;
            Ok(Json(crate::work::import::export(cx.reads, cx.scope(), self.0.id, tags.as_deref()).await?))
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
}

/// The filter of `Project.workflows`.
fn workflows_filter(status: Option<Vec<WorkflowStatus>>) -> Filter {
    let status = status.map(|s| s.into_iter().map(Into::into).collect());
    crate::workflows::workflow::WorkflowQuery { status, project_id: None }.filter()
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
    Ok(Some(args.get::<Option<TaskFilter>>("filter")?.unwrap_or_default().into_filter()?))
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
        Self::connections_ahead(level);
        level.connection::<ReadyTasksOfProject, Task>(
            &field!(Self, ready_tasks),
            |p| p.id,
            |args| Ok(Some(tasks::ready_filter(args.get("tag")?))),
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

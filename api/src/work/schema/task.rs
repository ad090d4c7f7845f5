//! `Task`, its enums and relations. Its filter, history and inputs are in `task_filter`,
//! `task_history` and `task_input`.

use async_graphql::{Context, Enum, ID, Json, Object};
use chrono::{DateTime, Utc};
use entity::{project, task};
use serde_json::Value;

use crate::{
    error::ApiError,
    graphql::{
        connection::{Conn, page_args},
        loaders::{
            DependenciesOfTask, DependentsOfTask, ExecutionsOfTask, HistoryOfTask, PullRequestsOfTask, SubtasksOfTask,
        },
        prefetch::{Level, Prefetch, field},
        relations::{by_id, child_connection},
        to_id,
    },
    service::page::Filter,
    work::{
        schema::{
            execution::TaskExecution, project::Project, pull_request::PullRequest, task_history::TaskStateTransition,
        },
        task::{self as tasks, DependencyQuery, TaskQuery},
    },
};

/// Where a task stands. `DONE` and `CANCELLED` are finished.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entity::task::TaskStatus")]
pub enum TaskStatus {
    /// Not started (Task Master `pending`).
    Pending,
    /// Being worked on (Task Master `in-progress`).
    InProgress,
    /// Waiting for review.
    Review,
    /// Finished.
    Done,
    /// Put off.
    Deferred,
    /// Dropped.
    Cancelled,
    /// Cannot proceed.
    Blocked,
}

crate::graphql::object::plain_enums!(TaskStatus);

/// How urgent a task is.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entity::task::TaskPriority")]
pub enum TaskPriority {
    /// Whenever.
    Low,
    /// The default.
    Medium,
    /// Soon.
    High,
    /// Now.
    Critical,
}

/// What a dependency means. Only `BLOCKS` holds a task back; `BLOCKS` edges never form a cycle.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entity::task_dependency::DependencyKind")]
pub enum DependencyKind {
    /// The task cannot start before the other is done.
    Blocks,
    /// The other should preferably come first.
    Suggests,
    /// The two are related.
    Related,
}

/// The GraphQL object of a task row (described on its `impl`).
pub struct Task(pub task::Model);

/// Answered field by field: no plain fields are mapped (see `graphql::connection::PlainFields`).
impl crate::graphql::connection::PlainFields for Task {}

/// A unit of work in a project; a task with a parent is a subtask. Imported Task Master tasks keep
/// their id (`externalId`) and tag.
#[Object]
impl Task {
    /// Server-generated id (a UUIDv7).
    pub async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Id of the owning project.
    async fn project_id(&self) -> ID {
        to_id(self.0.project_id)
    }
    /// The owning project.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Project> {
        let row = by_id::<project::Entity, Project>(ctx, self.0.project_id).await?;
        Ok(Project(row.ok_or(ApiError::NotFound { entity: "project" })?))
    }
    /// The parent task, for a subtask.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Task>> {
        let Some(parent) = self.0.parent_id else { return Ok(None) };
        Ok(by_id::<task::Entity, Task>(ctx, parent).await?.map(Task))
    }
    /// Task Master id: `12`, or `12.3` for subtask 3 of task 12; unique per project and tag.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }
    /// Task Master tag (`master` by default).
    async fn tag(&self) -> &str {
        &self.0.tag
    }
    /// Title, at most 500 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Short description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Implementation details (often markdown).
    async fn details(&self) -> Option<&str> {
        self.0.details.as_deref()
    }
    /// How to test it.
    async fn test_strategy(&self) -> Option<&str> {
        self.0.test_strategy.as_deref()
    }
    /// Where the task stands.
    async fn status(&self) -> TaskStatus {
        self.0.status.into()
    }
    /// How urgent it is.
    async fn priority(&self) -> TaskPriority {
        self.0.priority.into()
    }
    /// Complexity from 1 to 10.
    async fn complexity(&self) -> Option<i32> {
        self.0.complexity
    }
    /// Labels.
    async fn tags(&self) -> Vec<String> {
        serde_json::from_value(self.0.tags.clone()).unwrap_or_default()
    }
    /// Requirements object.
    async fn requirements(&self) -> Json<&Value> {
        Json(&self.0.requirements)
    }
    /// Everything else; imports keep Task Master fields without a column here.
    async fn metadata(&self) -> Json<&Value> {
        Json(&self.0.metadata)
    }
    /// Estimated effort in hours.
    async fn estimated_hours(&self) -> Option<f64> {
        self.0.estimated_hours
    }
    /// Actual effort in hours.
    async fn actual_hours(&self) -> Option<f64> {
        self.0.actual_hours
    }
    /// When the task was last marked done.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// Incremented by every change; pass it to `updateTask` to detect concurrent edits.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the task was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the task last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The task's subtasks, oldest first. Pages hold 50 items by default and 100 at most.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn subtasks(
        &self,
        ctx: &Context<'_>,
        status: Option<Vec<TaskStatus>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Task>> {
        let args = page_args(first, after, last, before)?;
        child_connection::<SubtasksOfTask, _>(ctx, self.0.id, subtasks_filter(status), args, Task).await
    }
    /// The tasks this one depends on, optionally only of `kind`.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn dependencies(
        &self,
        ctx: &Context<'_>,
        kind: Option<Vec<DependencyKind>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Task>> {
        let args = page_args(first, after, last, before)?;
        child_connection::<DependenciesOfTask, _>(ctx, self.0.id, kind_filter(kind), args, Task).await
    }
    /// The tasks that depend on this one, optionally only of `kind`.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn dependents(
        &self,
        ctx: &Context<'_>,
        kind: Option<Vec<DependencyKind>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Task>> {
        let args = page_args(first, after, last, before)?;
        child_connection::<DependentsOfTask, _>(ctx, self.0.id, kind_filter(kind), args, Task).await
    }
    /// What holds this task back: its `BLOCKS` dependencies that are not finished yet.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn blocked_by(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Task>> {
        let args = page_args(first, after, last, before)?;
        child_connection::<DependenciesOfTask, _>(ctx, self.0.id, tasks::blocked_by_filter(), args, Task).await
    }
    /// The agents' attempts at this task, oldest first.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn executions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<TaskExecution>> {
        let args = page_args(first, after, last, before)?;
        child_connection::<ExecutionsOfTask, _>(ctx, self.0.id, Filter::default(), args, TaskExecution).await
    }
    /// The pull requests that carry this task.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn pull_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<PullRequest>> {
        let args = page_args(first, after, last, before)?;
        child_connection::<PullRequestsOfTask, _>(ctx, self.0.id, Filter::default(), args, PullRequest).await
    }
    /// Every status change of the task, oldest first, starting with its creation.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<TaskStateTransition>> {
        let args = page_args(first, after, last, before)?;
        child_connection::<HistoryOfTask, _>(ctx, self.0.id, Filter::default(), args, TaskStateTransition).await
    }
}

/// The filter of `Task.subtasks`.
fn subtasks_filter(status: Option<Vec<TaskStatus>>) -> Filter {
    let status = status.map(|s| s.into_iter().map(Into::into).collect());
    TaskQuery { status, ..TaskQuery::default() }.filter().unwrap_or_default()
}

/// The filter of `Task.dependencies` and `Task.dependents`.
fn kind_filter(kind: Option<Vec<DependencyKind>>) -> Filter {
    DependencyQuery { kind: kind.map(|k| k.into_iter().map(Into::into).collect()) }.filter()
}

impl Prefetch for Task {
    type Row = task::Model;
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        level.by_id::<project::Entity, Project>(&field!(Self, project), |t| Some(t.project_id));
        level.by_id::<task::Entity, Task>(&field!(Self, parent), |t| t.parent_id);
        level.connection::<SubtasksOfTask, Task>(
            &field!(Self, subtasks),
            |t| t.id,
            |args| Ok(Some(subtasks_filter(args.get("status")?))),
        );
        level.connection::<DependenciesOfTask, Task>(
            &field!(Self, dependencies),
            |t| t.id,
            |args| Ok(Some(kind_filter(args.get("kind")?))),
        );
        level.connection::<DependentsOfTask, Task>(
            &field!(Self, dependents),
            |t| t.id,
            |args| Ok(Some(kind_filter(args.get("kind")?))),
        );
        level.connection::<DependenciesOfTask, Task>(
            &field!(Self, blocked_by),
            |t| t.id,
            |_| Ok(Some(tasks::blocked_by_filter())),
        );
        level.connection::<ExecutionsOfTask, TaskExecution>(
            &field!(Self, executions),
            |t| t.id,
            |_| Ok(Some(Filter::default())),
        );
        level.connection::<PullRequestsOfTask, PullRequest>(
            &field!(Self, pull_requests),
            |t| t.id,
            |_| Ok(Some(Filter::default())),
        );
        level.connection::<HistoryOfTask, TaskStateTransition>(
            &field!(Self, history),
            |t| t.id,
            |_| Ok(Some(Filter::default())),
        );
    }
}

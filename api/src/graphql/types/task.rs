//! `Task`, its enums, the typed `TaskFilter`, `TaskStateTransition`, and the task inputs and payloads.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{project, task, task_state_transition};
use serde_json::Value;

use super::{Project, execution::TaskExecution, pull_request::PullRequest};
use crate::{
    error::{ApiError, ApiResult},
    graphql::{
        connection::{Conn, page_args},
        loaders::{
            DependenciesOfTask, DependentsOfTask, ExecutionsOfTask, HistoryOfTask, PullRequestsOfTask, SubtasksOfTask,
        },
        prefetch::{Level, Prefetch},
        relations::{by_id, child_connection},
        to_id,
    },
    service::{
        page::{Cond, Filter},
        task as tasks,
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

fn stored<T: sea_orm::ActiveEnum<Value = String>>(values: impl IntoIterator<Item = T>) -> Vec<String> {
    values.into_iter().map(|v| v.to_value()).collect()
}

/// The GraphQL object of a task row (described on its `impl`).
pub struct Task(pub task::Model);

/// A unit of work in a project; a task with a parent is a subtask. Imported Task Master tasks keep
/// their id (`externalId`) and tag.
#[Object]
impl Task {
    /// Server-generated id (a UUIDv7).
    async fn id(&self) -> ID {
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
    let statuses = status.map(|s| stored(s.into_iter().map(task::TaskStatus::from)));
    Filter::default().is_in("t.status", statuses.as_deref())
}

/// The filter of `Task.dependencies` and `Task.dependents`.
fn kind_filter(kind: Option<Vec<DependencyKind>>) -> Filter {
    let kinds = kind.map(|k| stored(k.into_iter().map(entity::task_dependency::DependencyKind::from)));
    Filter::default().is_in("d.kind", kinds.as_deref())
}

impl Prefetch for Task {
    type Row = task::Model;
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        level.by_id::<project::Entity, Project>("project", |t| Some(t.project_id));
        level.by_id::<task::Entity, Task>("parent", |t| t.parent_id);
        level.connection::<SubtasksOfTask, Task>(
            "subtasks",
            |t| t.id,
            |args| Ok(Some(subtasks_filter(args.get("status")?))),
        );
        level.connection::<DependenciesOfTask, Task>(
            "dependencies",
            |t| t.id,
            |args| Ok(Some(kind_filter(args.get("kind")?))),
        );
        level.connection::<DependentsOfTask, Task>(
            "dependents",
            |t| t.id,
            |args| Ok(Some(kind_filter(args.get("kind")?))),
        );
        level.connection::<DependenciesOfTask, Task>("blockedBy", |t| t.id, |_| Ok(Some(tasks::blocked_by_filter())));
        level.connection::<ExecutionsOfTask, TaskExecution>("executions", |t| t.id, |_| Ok(Some(Filter::default())));
        level.connection::<PullRequestsOfTask, PullRequest>("pullRequests", |t| t.id, |_| Ok(Some(Filter::default())));
        level.connection::<HistoryOfTask, TaskStateTransition>("history", |t| t.id, |_| Ok(Some(Filter::default())));
    }
}

impl Prefetch for TaskStateTransition {
    type Row = task_state_transition::Model;
    /// Transitions relate to nothing further.
    fn relations(_: &mut Level<'_, '_, Self::Row>) {}
}

/// The GraphQL object of a transition row (described on its `impl`).
pub struct TaskStateTransition(pub task_state_transition::Model);

/// One status change of a task.
#[Object]
impl TaskStateTransition {
    /// Server-generated id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Status before; `null` for the task's creation.
    async fn from_status(&self) -> Option<TaskStatus> {
        self.0.from_status.map(Into::into)
    }
    /// Status after.
    async fn to_status(&self) -> TaskStatus {
        self.0.to_status.into()
    }
    /// Milliseconds the task spent in `fromStatus`.
    async fn duration_ms(&self) -> Option<i64> {
        self.0.duration_ms
    }
    /// Who made the change.
    async fn actor(&self) -> Option<&str> {
        self.0.actor.as_deref()
    }
    /// Why.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// When.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Compares a task's status.
#[derive(InputObject, Default)]
pub struct TaskStatusComparator {
    /// Equal to.
    pub eq: Option<TaskStatus>,
    /// One of.
    #[graphql(name = "in")]
    pub in_: Option<Vec<TaskStatus>>,
}

/// Compares a task's priority.
#[derive(InputObject, Default)]
pub struct TaskPriorityComparator {
    /// Equal to.
    pub eq: Option<TaskPriority>,
    /// One of.
    #[graphql(name = "in")]
    pub in_: Option<Vec<TaskPriority>>,
}

/// Compares text.
#[derive(InputObject, Default)]
pub struct StringComparator {
    /// Equal to.
    pub eq: Option<String>,
    /// One of.
    #[graphql(name = "in")]
    pub in_: Option<Vec<String>>,
}

/// Compares a list of labels.
#[derive(InputObject, Default)]
pub struct TagsComparator {
    /// Holds every one of these labels.
    pub contains: Option<Vec<String>>,
}

/// Compares a reference with nothing.
#[derive(InputObject, Default)]
pub struct NullComparator {
    /// `true`: absent; `false`: present.
    pub is_null: Option<bool>,
}

/// Compares a time.
#[derive(InputObject, Default)]
pub struct DateTimeComparator {
    /// At or after.
    pub gte: Option<DateTime<Utc>>,
    /// Before.
    pub lt: Option<DateTime<Utc>>,
}

/// Narrows a list of tasks; every given condition must hold.
#[derive(InputObject, Default)]
pub struct TaskFilter {
    /// By status.
    pub status: Option<TaskStatusComparator>,
    /// By priority.
    pub priority: Option<TaskPriorityComparator>,
    /// By Task Master tag.
    pub tag: Option<StringComparator>,
    /// By labels.
    pub tags: Option<TagsComparator>,
    /// By parent: `{ isNull: true }` for top-level tasks, `false` for subtasks.
    pub parent: Option<NullComparator>,
    /// By creation time.
    pub created_at: Option<DateTimeComparator>,
    /// Words that must all appear in the title, description or details (full-text search).
    pub search: Option<String>,
}

fn one_of<T>(eq: Option<T>, in_: Option<Vec<T>>) -> Option<Vec<T>> {
    match (eq, in_) {
        (None, None) => None,
        (eq, in_) => Some(eq.into_iter().chain(in_.into_iter().flatten()).collect()),
    }
}

impl TaskFilter {
    /// The filter as conditions. Errors: `BAD_USER_INPUT` (an empty search).
    pub fn into_filter(self) -> ApiResult<Filter> {
        let mut filter = Filter::default();
        if let Some(c) = self.status.and_then(|c| one_of(c.eq, c.in_)) {
            filter = filter.with(Cond::In("t.status", stored(c.into_iter().map(task::TaskStatus::from))));
        }
        if let Some(c) = self.priority.and_then(|c| one_of(c.eq, c.in_)) {
            filter = filter.with(Cond::In("t.priority", stored(c.into_iter().map(task::TaskPriority::from))));
        }
        if let Some(c) = self.tag.and_then(|c| one_of(c.eq, c.in_)) {
            filter = filter.with(Cond::In("t.tag", c));
        }
        if let Some(labels) = self.tags.and_then(|c| c.contains) {
            filter = filter.with(Cond::JsonContainsAll("t.tags", labels));
        }
        if let Some(null) = self.parent.and_then(|c| c.is_null) {
            filter = filter.with(Cond::IsNull("t.parent_id", null));
        }
        if let Some(range) = self.created_at {
            if let Some(at) = range.gte {
                filter = filter.with(Cond::Since("t.created_at", at, true));
            }
            if let Some(at) = range.lt {
                filter = filter.with(Cond::Since("t.created_at", at, false));
            }
        }
        if let Some(search) = self.search {
            if search.split_whitespace().next().is_none() {
                return Err(ApiError::bad_input("`search` needs at least one word"));
            }
            filter = filter.with(Cond::TaskSearch(search));
        }
        Ok(filter)
    }
}

/// The editable fields shared by `createTask` and `updateTask`. An omitted or `null` field keeps its
/// value (or, on creation, its default): async-graphql reads an unset variable as `null`, so `null`
/// never clears a field through the API.
#[derive(InputObject)]
pub struct TaskFieldsInput {
    /// Short description.
    pub description: Option<String>,
    /// Implementation details.
    pub details: Option<String>,
    /// How to test it.
    pub test_strategy: Option<String>,
    /// Status (`PENDING` for a new task when omitted). A change is recorded in `history`.
    pub status: Option<TaskStatus>,
    /// Priority (`MEDIUM` for a new task when omitted).
    pub priority: Option<TaskPriority>,
    /// Complexity from 1 to 10.
    pub complexity: Option<i32>,
    /// Labels.
    pub tags: Option<Vec<String>>,
    /// Requirements object.
    pub requirements: Option<Json<Value>>,
    /// Metadata object.
    pub metadata: Option<Json<Value>>,
    /// Estimated effort in hours.
    pub estimated_hours: Option<f64>,
    /// Actual effort in hours.
    pub actual_hours: Option<f64>,
}

impl TaskFieldsInput {
    /// The service's fields, with `title`.
    pub fn into_fields(self, title: Option<String>) -> tasks::TaskFields {
        tasks::TaskFields {
            title,
            description: self.description.map(Some),
            details: self.details.map(Some),
            test_strategy: self.test_strategy.map(Some),
            status: self.status.map(Into::into),
            priority: self.priority.map(Into::into),
            complexity: self.complexity.map(Some),
            tags: self.tags,
            requirements: self.requirements.map(|j| j.0),
            metadata: self.metadata.map(|j| j.0),
            estimated_hours: self.estimated_hours,
            actual_hours: self.actual_hours,
        }
    }
}

/// Input of `createTask`.
#[derive(InputObject)]
pub struct CreateTaskInput {
    /// The project.
    pub project_id: ID,
    /// The parent task (same project), to create a subtask.
    pub parent_id: Option<ID>,
    /// Task Master id, unique per project and tag.
    pub external_id: Option<String>,
    /// Task Master tag; `master` when omitted.
    pub tag: Option<String>,
    /// Title, 1 to 500 characters.
    pub title: String,
    /// The other fields.
    #[graphql(flatten)]
    pub fields: TaskFieldsInput,
}

/// Input of `updateTask`; omitted fields stay as they are. A new `status` is recorded in the
/// task's history with how long it spent in the old one.
#[derive(InputObject)]
pub struct UpdateTaskInput {
    /// The task to change.
    pub id: ID,
    /// The `version` you read; when the task has moved on since, the answer is `CONFLICT`.
    pub version: Option<i32>,
    /// Why the status changes (kept in the history).
    pub note: Option<String>,
    /// New title.
    pub title: Option<String>,
    /// The other fields.
    #[graphql(flatten)]
    pub fields: TaskFieldsInput,
}

/// Input of `deleteTask`.
#[derive(InputObject)]
pub struct DeleteTaskInput {
    /// The task to delete, with its subtasks.
    pub id: ID,
}

/// Input of `addTaskDependency`.
#[derive(InputObject)]
pub struct AddTaskDependencyInput {
    /// The dependent task.
    pub task_id: ID,
    /// The task it depends on (same project).
    pub depends_on_id: ID,
    /// What the dependency means; `BLOCKS` when omitted.
    pub kind: Option<DependencyKind>,
}

/// Input of `removeTaskDependency`.
#[derive(InputObject)]
pub struct RemoveTaskDependencyInput {
    /// The dependent task.
    pub task_id: ID,
    /// The task it depended on.
    pub depends_on_id: ID,
}

/// Result of the task mutations that return the task.
#[derive(SimpleObject)]
pub struct TaskPayload {
    /// The task as it is now.
    pub task: Task,
}

/// Result of `deleteTask`.
#[derive(SimpleObject)]
pub struct DeleteTaskPayload {
    /// Id of the deleted task.
    pub deleted_id: ID,
}

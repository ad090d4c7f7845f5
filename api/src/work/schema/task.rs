//! `Task`, its enums and relations. Its filter, history and inputs are in `task_filter`,
//! `task_history` and `task_input`.

use async_graphql::{Context, Enum, ID, Json, Object};
use chrono::{DateTime, Utc};
use entity::{project, task, task_definition, workflow, workflow_phase};
use serde_json::Value;

use crate::{
    access::schema::objects::User,
    error::ApiError,
    graphql::{
        object::{object, plain_enums},
        prefetch::{Level, Prefetch, field},
        relations::{by_id, per_parent},
        to_id,
    },
    service::page::Filter,
    work::{
        schema::{
            execution::TaskExecution, project::Project, pull_request::PullRequest, task_history::TaskStateTransition,
        },
        task::{self as tasks, DependencyQuery, TaskQuery},
    },
    workflows::schema::{definition::TaskDefinition, phase::WorkflowPhase, workflow::Workflow},
};

crate::graphql::loaders::per_parent!(
    /// `Task.assignee`: members of the organization by user id.
    Assignees,
    crate::access::member::Member,
    crate::access::member::members_among
);

crate::graphql::loaders::child_list!(
    /// `Task.subtasks`.
    SubtasksOfTask: entity::task::Model = crate::work::task::SUBTASKS
);

crate::graphql::loaders::child_list!(
    /// `Task.dependencies` and `Task.blockedBy`.
    DependenciesOfTask: entity::task::Model = crate::work::task::DEPENDENCIES
);

crate::graphql::loaders::child_list!(
    /// `Task.dependents`.
    DependentsOfTask: entity::task::Model = crate::work::task::DEPENDENTS
);

crate::graphql::loaders::child_list!(
    /// `Task.history`.
    HistoryOfTask: entity::task_state_transition::Model = crate::work::task::HISTORY
);

crate::graphql::loaders::child_list!(
    /// `Task.executions`.
    ExecutionsOfTask: entity::task_execution::Model = crate::work::execution::EXECUTIONS_OF_TASK
);

crate::graphql::loaders::child_list!(
    /// `Task.pullRequests`.
    PullRequestsOfTask: entity::pull_request::Model = crate::work::pull_request::PULL_REQUESTS_OF_TASK
);

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

plain_enums!(TaskStatus, TaskPriority);

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

object! {
    /// A unit of work in a project; a task with a parent is a subtask. Imported Task Master tasks keep
    /// their id (`externalId`) and tag.
    #[Object]
    impl Task(task::Model) |m| {
        /// Server-generated id (a UUIDv7).
        id: ID = to_id(m.id),
        /// Id of the owning project.
        project_id: ID = to_id(m.project_id),
        /// Task Master id: `12`, or `12.3` for subtask 3 of task 12; unique per project and tag.
        external_id: Option<&str> = m.external_id.as_deref(),
        /// Task Master tag (`master` by default).
        tag: &str = &m.tag,
        /// Title, at most 500 characters.
        title: &str = &m.title,
        /// Short description.
        description: Option<&str> = m.description.as_deref(),
        /// Implementation details (often markdown).
        details: Option<&str> = m.details.as_deref(),
        /// How to test it.
        test_strategy: Option<&str> = m.test_strategy.as_deref(),
        /// Where the task stands.
        status: TaskStatus = m.status.into(),
        /// How urgent it is.
        priority: TaskPriority = m.priority.into(),
        /// Complexity from 1 to 10.
        complexity: Option<i32> = m.complexity,
        /// Labels.
        tags: Vec<String> = serde_json::from_value(m.tags.clone()).unwrap_or_default(),
        /// Requirements object.
        requirements: Json<&Value> = Json(&m.requirements),
        /// Everything else; imports keep Task Master fields without a column here.
        metadata: Json<&Value> = Json(&m.metadata),
        /// Estimated effort in hours.
        estimated_hours: Option<f64> = m.estimated_hours,
        /// Actual effort in hours.
        actual_hours: Option<f64> = m.actual_hours,
        /// When the task was last marked done.
        completed_at: Option<DateTime<Utc>> = m.completed_at,
        /// Its place in its workflow phase (or among the workflow's tasks without one), from 0.
        position: Option<i32> = m.position,
        /// The agent it is assigned to, e.g. `claude-code`.
        assigned_agent: Option<&str> = m.assigned_agent.as_deref(),
        /// Not to start before this instant (`readyTasks` waits for it).
        scheduled_at: Option<DateTime<Utc>> = m.scheduled_at,
        /// What must hold for it to be done.
        acceptance_criteria: Vec<String> = serde_json::from_value(m.acceptance_criteria.clone()).unwrap_or_default(),
        /// Context object for whoever works on it (a definition's input, for a task made from one).
        context: Json<&Value> = Json(&m.context),
        /// Incremented by every change; pass it to `updateTask` to detect concurrent edits.
        version: i32 = m.version,
        /// When the task was created.
        created_at: DateTime<Utc> = m.created_at,
        /// When the task last changed.
        updated_at: DateTime<Utc> = m.updated_at,
    }
    connections {
        /// The task's subtasks, oldest first.
        subtasks(status: Option<Vec<TaskStatus>>) -> Task = SubtasksOfTask(m.id, subtasks_filter(status)),
        /// The tasks this one depends on, optionally only of `kind`.
        dependencies(kind: Option<Vec<DependencyKind>>) -> Task = DependenciesOfTask(m.id, kind_filter(kind)),
        /// The tasks that depend on this one, optionally only of `kind`.
        dependents(kind: Option<Vec<DependencyKind>>) -> Task = DependentsOfTask(m.id, kind_filter(kind)),
        /// What holds this task back: its `BLOCKS` dependencies that are not finished yet.
        blocked_by() -> Task = DependenciesOfTask(m.id, tasks::blocked_by_filter()),
        /// The agents' attempts at this task, oldest first.
        executions() -> TaskExecution = ExecutionsOfTask(m.id, Filter::default()),
        /// The pull requests that carry this task.
        pull_requests() -> PullRequest = PullRequestsOfTask(m.id, Filter::default()),
        /// Every status change of the task, oldest first, starting with its creation.
        history() -> TaskStateTransition = HistoryOfTask(m.id, Filter::default()),
    }
    resolvers {
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
        /// The workflow it belongs to, if any.
        async fn workflow(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Workflow>> {
            let Some(id) = self.0.workflow_id else { return Ok(None) };
            Ok(by_id::<workflow::Entity, Workflow>(ctx, id).await?.map(Workflow))
        }
        /// Its phase in the workflow, if any.
        async fn phase(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<WorkflowPhase>> {
            let Some(id) = self.0.phase_id else { return Ok(None) };
            Ok(by_id::<workflow_phase::Entity, WorkflowPhase>(ctx, id).await?.map(WorkflowPhase))
        }
        /// The member it is assigned to; `null` when none, or when they left the organization.
        async fn assignee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
            let Some(id) = self.0.assignee_id else { return Ok(None) };
            let member = per_parent::<Assignees>(ctx, id).await?;
            Ok(member.as_ref().map(User::from))
        }
        /// The task definition version that made it, if any.
        async fn definition(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<TaskDefinition>> {
            let Some(id) = self.0.definition_id else { return Ok(None) };
            Ok(by_id::<task_definition::Entity, TaskDefinition>(ctx, id).await?.map(TaskDefinition))
        }
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
        level.by_id::<workflow::Entity, Workflow>(&field!(Self, workflow), |t| t.workflow_id);
        level.by_id::<workflow_phase::Entity, WorkflowPhase>(&field!(Self, phase), |t| t.phase_id);
        level.by_id::<task_definition::Entity, TaskDefinition>(&field!(Self, definition), |t| t.definition_id);
        level.keyed::<Assignees>(&field!(Self, assignee), |t| t.assignee_id);
        Self::connections_ahead(level);
    }
}

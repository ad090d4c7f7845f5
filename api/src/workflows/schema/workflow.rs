//! `Workflow`, its enums, its history entries and its loaders.

use async_graphql::{Context, Enum, ID, Json, Object};
use chrono::{DateTime, Utc};
use entity::{project, workflow, workflow_phase, workflow_state_transition};
use serde_json::Value;

use crate::{
    error::ApiError,
    graphql::{
        object::{object, plain_enums},
        prefetch::{Level, Prefetch, field},
        relations::{by_id, child_connection, child_rows, per_parent},
        to_id,
    },
    service::page::Filter,
    work::schema::{project::Project, task::Task, task_filter::TaskFilter},
    workflows::{
        analytics::Analytics,
        phase::phases_of,
        ready::ready_filter,
        schema::{analytics::WorkflowAnalytics, phase::WorkflowPhase},
    },
};

crate::graphql::loaders::child_list!(
    /// `Workflow.tasks`.
    TasksOfWorkflow: entity::task::Model = crate::workflows::workflow::TASKS_OF_WORKFLOW
);

crate::graphql::loaders::child_list!(
    /// `Workflow.readyTasks`.
    ReadyTasksOfWorkflow: entity::task::Model = crate::workflows::ready::READY_TASKS
);

crate::graphql::loaders::child_list!(
    /// `Workflow.history`.
    HistoryOfWorkflow: entity::workflow_state_transition::Model = crate::workflows::workflow::HISTORY
);

crate::graphql::loaders::child_list!(
    /// `Project.workflows`.
    WorkflowsOfProject: entity::workflow::Model = crate::workflows::workflow::WORKFLOWS_OF_PROJECT
);

crate::graphql::loaders::per_parent!(
    /// `Workflow.phases`: each workflow's phases in order.
    PhasesOfWorkflow,
    Vec<workflow_phase::Model>,
    phases_of
);

crate::graphql::loaders::per_parent!(
    /// `Workflow.analytics`: each workflow's figures.
    AnalyticsOfWorkflow,
    Analytics,
    crate::workflows::analytics::analytics_of
);

/// How a workflow orders its tasks (`readyTasks`).
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entity::workflow::WorkflowKind")]
pub enum WorkflowKind {
    /// One task at a time: the first unfinished task in phase order, then position.
    Sequential,
    /// Every pending task of the earliest phase with unfinished tasks.
    Parallel,
    /// Every pending task whose `BLOCKS` dependencies are done.
    Dag,
}

/// Where a workflow stands. `COMPLETED` and `CANCELLED` are final.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entity::workflow::WorkflowStatus")]
pub enum WorkflowStatus {
    /// Being put together; becomes `RUNNING` when its first task starts.
    Draft,
    /// Under way; becomes `COMPLETED` when every task finished.
    Running,
    /// Held by hand: it offers no ready task.
    Paused,
    /// Every task finished.
    Completed,
    /// Given up as failed (it may run again).
    Failed,
    /// Dropped.
    Cancelled,
}

plain_enums!(WorkflowKind, WorkflowStatus);

object! {
    /// A project's tasks orchestrated in phases: in sequence, in parallel by phase, or as a graph of
    /// `BLOCKS` dependencies. Its progress, status and phases follow its tasks.
    #[Object]
    impl Workflow(workflow::Model) |m| {
        /// Server-generated id (a UUIDv7).
        id: ID = to_id(m.id),
        /// Id of the owning project.
        project_id: ID = to_id(m.project_id),
        /// Name, unique in the project.
        name: &str = &m.name,
        /// Free text.
        description: Option<&str> = m.description.as_deref(),
        /// What it must achieve.
        requirements: Option<&str> = m.requirements.as_deref(),
        /// How it orders its tasks.
        kind: WorkflowKind = m.kind.into(),
        /// Where it stands.
        status: WorkflowStatus = m.status.into(),
        /// Share of its tasks finished (`DONE` or `CANCELLED`), 0 to 100: weighted by estimated hours
        /// when every task has them, else one per task.
        progress: f64 = m.progress,
        /// Task counts at its last change: `{"tasks": n, "byStatus": {"done": n, ...}}`.
        metrics: Json<&Value> = Json(&m.metrics),
        /// When it started running.
        started_at: Option<DateTime<Utc>> = m.started_at,
        /// When it completed (or failed, or was cancelled).
        completed_at: Option<DateTime<Utc>> = m.completed_at,
        /// When it was created.
        created_at: DateTime<Utc> = m.created_at,
        /// When it last changed.
        updated_at: DateTime<Utc> = m.updated_at,
    }
    connections {
        /// Every status change, oldest first, starting with its creation.
        history() -> WorkflowStateTransition = HistoryOfWorkflow(m.id, Filter::default()),
    }
    pages {
        /// Its tasks, narrowed by `filter`, oldest first.
        tasks(filter: Option<TaskFilter>) -> Task = |this, ctx, args| {
            let filter = filter.unwrap_or_default().into_filter()?;
            child_connection::<TasksOfWorkflow, _>(ctx, this.0.id, filter, args, Task).await
        },
    }
    forward_pages {
        /// The tasks that may start now, by the workflow's kind (none while it is paused or finished):
        /// pending, scheduled time come, most urgent first, then earliest scheduled, then position.
        /// Pages forward only (`first`, `after`).
        ready_tasks() -> Task = |this, ctx, args| {
            child_connection::<ReadyTasksOfWorkflow, _>(ctx, this.0.id, ready_filter(), args, Task).await
        },
    }
    resolvers {
        /// The owning project.
        async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Project> {
            let row = by_id::<project::Entity, Project>(ctx, self.0.project_id).await?;
            Ok(Project(row.ok_or(ApiError::NotFound { entity: "project" })?))
        }
        /// The phase under way: the first (by position) that is neither done nor skipped.
        async fn current_phase(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<WorkflowPhase>> {
            let Some(id) = self.0.current_phase_id else { return Ok(None) };
            Ok(by_id::<workflow_phase::Entity, WorkflowPhase>(ctx, id).await?.map(WorkflowPhase))
        }
        /// Its phases, in order (a workflow has few: a plain list).
        async fn phases(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WorkflowPhase>> {
            let phases = child_rows::<PhasesOfWorkflow, WorkflowPhase>(ctx, self.0.id).await?;
            Ok(phases.into_iter().map(WorkflowPhase).collect())
        }
        /// Its figures now: progress, counts, time, the critical path, bottlenecks, executions (the
        /// seed's `calculateWorkflowAnalytics`).
        async fn analytics(&self, ctx: &Context<'_>) -> async_graphql::Result<WorkflowAnalytics> {
            let analytics = per_parent::<AnalyticsOfWorkflow>(ctx, self.0.id).await?.unwrap_or_default();
            Ok(WorkflowAnalytics::new(&self.0, analytics))
        }
    }
}

impl Prefetch for Workflow {
    type Row = workflow::Model;
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        level.by_id::<project::Entity, Project>(&field!(Self, project), |w| Some(w.project_id));
        level.by_id::<workflow_phase::Entity, WorkflowPhase>(&field!(Self, current_phase), |w| w.current_phase_id);
        level.list::<PhasesOfWorkflow, WorkflowPhase>(&field!(Self, phases), |w| w.id);
        level.per_parent_holding::<AnalyticsOfWorkflow, Task>(
            &field!(Self, analytics),
            |w| w.id,
            Analytics::tasks,
            &[&["criticalPath", "tasks"], &["bottlenecks", "task"]],
        );
        level.connection::<TasksOfWorkflow, Task>(
            &field!(Self, tasks),
            |w| w.id,
            |args| Ok(Some(args.get::<Option<TaskFilter>>("filter")?.unwrap_or_default().into_filter()?)),
        );
        level.connection::<ReadyTasksOfWorkflow, Task>(
            &field!(Self, ready_tasks),
            |w| w.id,
            |_| Ok(Some(ready_filter())),
        );
        Self::connections_ahead(level);
    }
}

impl Prefetch for WorkflowStateTransition {
    type Row = workflow_state_transition::Model;
    /// Transitions relate to nothing further.
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        Self::connections_ahead(level);
    }
}

object! {
    /// One status change of a workflow.
    #[Object]
    impl WorkflowStateTransition(workflow_state_transition::Model) |m| {
        /// Server-generated id.
        id: ID = to_id(m.id),
        /// Status before; `null` for the workflow's creation.
        from_status: Option<WorkflowStatus> = m.from_status.map(Into::into),
        /// Status after.
        to_status: WorkflowStatus = m.to_status.into(),
        /// Milliseconds the workflow spent in `fromStatus`.
        duration_ms: Option<i64> = m.duration_ms,
        /// Who made the change (when its tasks made it, who changed the task).
        actor: Option<&str> = m.actor.as_deref(),
        /// Why.
        note: Option<&str> = m.note.as_deref(),
        /// When.
        created_at: DateTime<Utc> = m.created_at,
    }
}

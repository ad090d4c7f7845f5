//! `TaskEvent`: what `taskEvents` delivers, a view of the event log's task and execution events.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::{event, task, task_execution};

use crate::{
    events::log::{EventCursor, types},
    graphql::{relations::by_id, to_id},
    work::schema::{execution::TaskExecution, task::Task},
};

/// What happened to a task.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum TaskEventKind {
    /// The task was created.
    Created,
    /// The task's fields changed (not its status).
    Updated,
    /// The task's status changed.
    Transitioned,
    /// The task was deleted.
    Deleted,
    /// A dependency was added to the task.
    DependencyAdded,
    /// A dependency was removed from the task.
    DependencyRemoved,
    /// An agent started an execution of the task.
    ExecutionStarted,
    /// An execution of the task ended.
    ExecutionFinished,
    /// Not a change: retention deleted events after the cursor the subscription resumed from, some of
    /// which may have been changes to this project's tasks.
    Pruned,
}

impl TaskEventKind {
    /// The log's event types `taskEvents` delivers, with their kinds.
    pub const TYPES: [(&'static str, Self); 9] = [
        (types::TASK_CREATED, Self::Created),
        (types::TASK_UPDATED, Self::Updated),
        (types::TASK_TRANSITIONED, Self::Transitioned),
        (types::TASK_DELETED, Self::Deleted),
        (types::TASK_DEPENDENCY_ADDED, Self::DependencyAdded),
        (types::TASK_DEPENDENCY_REMOVED, Self::DependencyRemoved),
        (types::EXECUTION_STARTED, Self::ExecutionStarted),
        (types::EXECUTION_FINISHED, Self::ExecutionFinished),
        (types::LOG_PRUNED, Self::Pruned),
    ];

    fn of(event_type: &str) -> Self {
        Self::TYPES.iter().find(|(t, _)| *t == event_type).map_or(Self::Updated, |(_, kind)| *kind)
    }
}

/// The GraphQL object of a task event (described on its `impl`).
pub struct TaskEvent(pub event::Model);

/// A change to a project's tasks, from the organization's event log (Docket's own `task.*` and
/// `execution.*` events). `task` and `execution` are read when the event is delivered, so they show
/// the current state.
#[Object]
impl TaskEvent {
    /// What happened.
    async fn kind(&self) -> TaskEventKind {
        TaskEventKind::of(&self.0.event_type)
    }
    /// The event's place in the log: pass it as `after` to resume.
    async fn cursor(&self) -> String {
        EventCursor::of(&self.0).encode()
    }
    /// The project (task events always name one).
    async fn project_id(&self) -> ID {
        to_id(self.0.project_id.unwrap_or_default())
    }
    /// The task (task events always name one).
    async fn task_id(&self) -> ID {
        to_id(self.0.task_id.unwrap_or_default())
    }
    /// The task as it is now; `null` once deleted.
    async fn task(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Task>> {
        let Some(id) = self.0.task_id else { return Ok(None) };
        Ok(by_id::<task::Entity, Task>(ctx, id).await?.map(Task))
    }
    /// The execution, for execution events.
    async fn execution(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<TaskExecution>> {
        let id = self.0.payload.get("executionId").and_then(|v| v.as_str()).and_then(|s| s.parse().ok());
        let Some(id) = id else { return Ok(None) };
        Ok(by_id::<task_execution::Entity, TaskExecution>(ctx, id).await?.map(TaskExecution))
    }
    /// When the change was made.
    async fn at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
}

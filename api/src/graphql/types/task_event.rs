//! `TaskEvent`: what `taskEvents` delivers.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::{task, task_execution};

use super::{Task, execution::TaskExecution};
use crate::{
    events,
    graphql::{relations::by_id, to_id},
};

/// What happened to a task.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "crate::events::TaskEventKind")]
pub enum TaskEventKind {
    /// The task was created.
    Created,
    /// The task's fields changed (not its status).
    Updated,
    /// The task's status changed.
    Transitioned,
    /// The task was deleted.
    Deleted,
    /// An agent started an execution of the task.
    ExecutionStarted,
    /// An execution of the task ended.
    ExecutionFinished,
}

/// The GraphQL object of a task event (described on its `impl`).
pub struct TaskEvent(pub events::TaskEvent);

/// A change to a project's tasks, delivered live by `taskEvents`. `task` and `execution` are read
/// when the event is delivered, so they show the current state.
#[Object]
impl TaskEvent {
    /// What happened.
    async fn kind(&self) -> TaskEventKind {
        self.0.kind.into()
    }
    /// The project.
    async fn project_id(&self) -> ID {
        to_id(self.0.project_id)
    }
    /// The task.
    async fn task_id(&self) -> ID {
        to_id(self.0.task_id)
    }
    /// The task as it is now; `null` once deleted.
    async fn task(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Task>> {
        Ok(by_id::<task::Entity, Task>(ctx, self.0.task_id).await?.map(Task))
    }
    /// The execution, for execution events.
    async fn execution(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<TaskExecution>> {
        let Some(id) = self.0.execution_id else { return Ok(None) };
        Ok(by_id::<task_execution::Entity, TaskExecution>(ctx, id).await?.map(TaskExecution))
    }
    /// When the change was announced.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

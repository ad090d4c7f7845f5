//! `TaskStateTransition`: one entry of a task's history.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entity::task_state_transition;

use crate::{
    graphql::{
        prefetch::{Level, Prefetch},
        to_id,
    },
    work::schema::task::TaskStatus,
};

impl Prefetch for TaskStateTransition {
    type Row = task_state_transition::Model;
    /// Transitions relate to nothing further.
    fn relations(_: &mut Level<'_, '_, Self::Row>) {}
}

/// The GraphQL object of a transition row (described on its `impl`).
pub struct TaskStateTransition(pub task_state_transition::Model);

/// Answered field by field: no plain fields are mapped (see `graphql::connection::PlainFields`).
impl crate::graphql::connection::PlainFields for TaskStateTransition {}

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

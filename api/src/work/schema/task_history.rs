//! `TaskStateTransition`: one entry of a task's history.

use async_graphql::{ID, Object};
use chrono::{DateTime, Utc};
use entity::task_state_transition;

use crate::{
    graphql::{
        object::object,
        prefetch::{Level, Prefetch},
        to_id,
    },
    work::schema::task::TaskStatus,
};

impl Prefetch for TaskStateTransition {
    type Row = task_state_transition::Model;
    /// Transitions relate to nothing further.
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        Self::connections_ahead(level);
    }
}

object! {
    /// One status change of a task.
    #[Object]
    impl TaskStateTransition(task_state_transition::Model) |m| {
        /// Server-generated id.
        id: ID = to_id(m.id),
        /// Status before; `null` for the task's creation.
        from_status: Option<TaskStatus> = m.from_status.map(Into::into),
        /// Status after.
        to_status: TaskStatus = m.to_status.into(),
        /// Milliseconds the task spent in `fromStatus`.
        duration_ms: Option<i64> = m.duration_ms,
        /// Who made the change.
        actor: Option<&str> = m.actor.as_deref(),
        /// Why.
        note: Option<&str> = m.note.as_deref(),
        /// When.
        created_at: DateTime<Utc> = m.created_at,
    }
}

//! Which events a list or a subscriber wants: the same rules as SQL (lists, replays) and in memory
//! (live delivery), so that a replay and the live stream after it agree.

use chrono::{DateTime, Utc};
use entity::event::{self, Severity};
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

/// A filter over the log; every given condition must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only events of this project.
    pub project_id: Option<Uuid>,
    /// Only events of this task.
    pub task_id: Option<Uuid>,
    /// Only events of this workflow (its own and its tasks').
    pub workflow_id: Option<Uuid>,
    /// Only events from one of these sources.
    pub sources: Option<Vec<String>>,
    /// Only events of one of these types.
    pub types: Option<Vec<String>>,
    /// Only events at least this severe.
    pub min_severity: Option<Severity>,
    /// Only events of this correlation id.
    pub correlation_id: Option<String>,
    /// Only events that occurred at or after this instant.
    pub occurred_from: Option<DateTime<Utc>>,
    /// Only events that occurred before this instant.
    pub occurred_before: Option<DateTime<Utc>>,
}

impl EventFilter {
    /// Whether `event` passes.
    pub fn matches(&self, event: &event::Model) -> bool {
        let in_list =
            |list: &Option<Vec<String>>, value: &str| list.as_ref().is_none_or(|l| l.iter().any(|v| v == value));
        (self.project_id.is_none() || event.project_id == self.project_id)
            && (self.task_id.is_none() || event.task_id == self.task_id)
            && (self.workflow_id.is_none() || event.workflow_id == self.workflow_id)
            && in_list(&self.sources, &event.source)
            && in_list(&self.types, &event.event_type)
            && self.min_severity.is_none_or(|min| event.severity >= min)
            && (self.correlation_id.is_none() || event.correlation_id == self.correlation_id)
            && self.occurred_from.is_none_or(|from| event.occurred_at >= from)
            && self.occurred_before.is_none_or(|before| event.occurred_at < before)
    }

    /// The same rules as a condition over the `events` table's columns.
    pub fn condition(&self) -> Condition {
        let mut all = Condition::all();
        if let Some(id) = self.project_id {
            all = all.add(event::Column::ProjectId.eq(id));
        }
        if let Some(id) = self.task_id {
            all = all.add(event::Column::TaskId.eq(id));
        }
        if let Some(id) = self.workflow_id {
            all = all.add(event::Column::WorkflowId.eq(id));
        }
        if let Some(sources) = &self.sources {
            all = all.add(event::Column::Source.is_in(sources.iter().cloned()));
        }
        if let Some(types) = &self.types {
            all = all.add(event::Column::EventType.is_in(types.iter().cloned()));
        }
        if let Some(min) = self.min_severity {
            all = all.add(event::Column::Severity.is_in(Severity::ALL.into_iter().filter(|s| *s >= min)));
        }
        if let Some(id) = &self.correlation_id {
            all = all.add(event::Column::CorrelationId.eq(id.clone()));
        }
        if let Some(from) = self.occurred_from {
            all = all.add(event::Column::OccurredAt.gte(from));
        }
        if let Some(before) = self.occurred_before {
            all = all.add(event::Column::OccurredAt.lt(before));
        }
        all
    }
}

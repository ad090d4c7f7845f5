//! `TaskFilter`, the typed filter of `Project.tasks`, and its comparators.

use async_graphql::InputObject;
use chrono::{DateTime, Utc};
use entity::task;

use super::task::{TaskPriority, TaskStatus, stored};
use crate::{
    error::{ApiError, ApiResult},
    service::page::{Cond, Filter},
};

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

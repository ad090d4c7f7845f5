//! `TaskFilter`, the typed filter of the lists of tasks (`tasks`, `Project.tasks`, `Workflow.tasks`),
//! and its comparators.

use async_graphql::{ID, InputObject};
use chrono::{DateTime, Utc};

use crate::{
    error::{ApiError, ApiResult},
    graphql::parse_id,
    service::page::Filter,
    work::{
        schema::task::{TaskPriority, TaskStatus},
        task::TaskQuery,
    },
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
    /// Of this project.
    pub project_id: Option<ID>,
    /// In this workflow.
    pub workflow_id: Option<ID>,
    /// Assigned to this member.
    pub assignee_id: Option<ID>,
    /// Assigned to this agent, e.g. `claude-code`.
    pub assigned_agent: Option<String>,
    /// Scheduled before this instant (unscheduled tasks are left out).
    pub scheduled_before: Option<DateTime<Utc>>,
}

impl TaskFilter {
    /// The list filter. Errors: `BAD_USER_INPUT` (a malformed id, a search without words).
    pub fn into_filter(self) -> ApiResult<Filter> {
        TaskQuery::try_from(self)?.filter()
    }
}

fn one_of<T>(eq: Option<T>, in_: Option<Vec<T>>) -> Option<Vec<T>> {
    match (eq, in_) {
        (None, None) => None,
        (eq, in_) => Some(eq.into_iter().chain(in_.into_iter().flatten()).collect()),
    }
}

impl TryFrom<TaskFilter> for TaskQuery {
    type Error = ApiError;

    fn try_from(filter: TaskFilter) -> ApiResult<Self> {
        let range = filter.created_at.unwrap_or_default();
        let id = |name: &str, id: Option<ID>| id.map(|id| parse_id(name, &id)).transpose();
        Ok(TaskQuery {
            status: filter.status.and_then(|c| one_of(c.eq, c.in_)).map(|v| v.into_iter().map(Into::into).collect()),
            priority: filter
                .priority
                .and_then(|c| one_of(c.eq, c.in_))
                .map(|v| v.into_iter().map(Into::into).collect()),
            tag: filter.tag.and_then(|c| one_of(c.eq, c.in_)),
            labels: filter.tags.and_then(|c| c.contains),
            parent_is_null: filter.parent.and_then(|c| c.is_null),
            created_since: range.gte,
            created_before: range.lt,
            search: filter.search,
            project_id: id("filter.projectId", filter.project_id)?,
            workflow_id: id("filter.workflowId", filter.workflow_id)?,
            assignee_id: id("filter.assigneeId", filter.assignee_id)?,
            assigned_agent: filter.assigned_agent,
            scheduled_before: filter.scheduled_before,
        })
    }
}

//! The inputs and payloads of the task mutations.

use async_graphql::{ID, InputObject, Json, SimpleObject};
use serde_json::Value;

use crate::{
    graphql::types::payload,
    work::{
        schema::task::{DependencyKind, Task, TaskPriority, TaskStatus},
        task as tasks,
    },
};

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
    /// A member of the organization to assign it to (`NOT_FOUND` for anyone else).
    pub assignee_id: Option<ID>,
    /// An agent to assign it to, e.g. `claude-code`.
    pub assigned_agent: Option<String>,
    /// Not to start before this instant.
    pub scheduled_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What must hold for it to be done (replaces the list).
    pub acceptance_criteria: Option<Vec<String>>,
    /// Context object for whoever works on it (replaces the old one).
    pub context: Option<Json<Value>>,
}

impl TaskFieldsInput {
    /// The service's fields, with `title`. Errors: `BAD_USER_INPUT` (a malformed assignee id).
    pub fn into_fields(self, title: Option<String>) -> Result<tasks::TaskFields, crate::error::ApiError> {
        let assignee = self.assignee_id.map(|id| crate::graphql::parse_id("assigneeId", &id)).transpose()?;
        Ok(tasks::TaskFields {
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
            external_form: None,
            assignee_id: assignee.map(Some),
            assigned_agent: self.assigned_agent.map(Some),
            scheduled_at: self.scheduled_at.map(Some),
            acceptance_criteria: self.acceptance_criteria,
            context: self.context.map(|j| j.0),
        })
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
    /// A workflow of the project to put it in (at the end of its phase).
    pub workflow_id: Option<ID>,
    /// A phase of that workflow to put it in.
    pub phase_id: Option<ID>,
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

payload!(
    /// Result of `createTask`.
    CreateTaskPayload {
        /// The task as it is now.
        task: Task
    }
);

payload!(
    /// Result of `updateTask`.
    UpdateTaskPayload {
        /// The task as it is now.
        task: Task
    }
);

payload!(
    /// Result of `addTaskDependency`.
    AddTaskDependencyPayload {
        /// The task as it is now.
        task: Task
    }
);

payload!(
    /// Result of `removeTaskDependency`.
    RemoveTaskDependencyPayload {
        /// The task as it is now.
        task: Task
    }
);

/// Result of `deleteTask`.
#[derive(SimpleObject)]
pub struct DeleteTaskPayload {
    /// Id of the deleted task.
    pub deleted_id: ID,
}

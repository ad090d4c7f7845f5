//! Who works on a task: a member of the organization (`assignee`) and/or an agent (`assignedAgent`).
//! Assignments are audited and logged as `task.assigned` (`task.unassigned` when cleared).

use entity::task;
use serde_json::json;
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    events::log::NewEvent,
    service::{Ctx, Role},
    work::task::{self as tasks, TaskFields},
};

/// The log event of an assignment change, with who and what it is assigned to now.
fn assigned(_: &task::Model, after: &task::Model) -> NewEvent {
    let verb = if after.assignee_id.is_none() && after.assigned_agent.is_none() { "unassigned" } else { "assigned" };
    tasks::event(&format!("task.{verb}"), after)
        .payload(json!({ "assigneeId": after.assignee_id, "assignedAgent": after.assigned_agent }))
}

/// Assigns task `task_id` to the member `assignee` and/or the agent `agent` (what is not given stays).
/// Errors: `FORBIDDEN`, `NOT_FOUND` (the task; a user who is not a member of the organization),
/// `BAD_USER_INPUT` (neither given, an agent name over 100 characters).
#[tracing::instrument(skip_all, fields(task_id = %task_id))]
pub async fn assign(
    cx: Ctx<'_>,
    task_id: Uuid,
    assignee: Option<Uuid>,
    agent: Option<String>,
) -> ApiResult<task::Model> {
    if assignee.is_none() && agent.is_none() {
        return Err(ApiError::bad_input("give `assigneeId`, `assignedAgent` or both"));
    }
    let fields =
        TaskFields { assignee_id: assignee.map(Some), assigned_agent: agent.map(Some), ..TaskFields::default() };
    change(cx, task_id, fields).await
}

/// Clears task `task_id`'s assignee and agent. Errors: `FORBIDDEN`, `NOT_FOUND`.
#[tracing::instrument(skip_all, fields(task_id = %task_id))]
pub async fn unassign(cx: Ctx<'_>, task_id: Uuid) -> ApiResult<task::Model> {
    change(cx, task_id, TaskFields { assignee_id: Some(None), assigned_agent: Some(None), ..TaskFields::default() })
        .await
}

async fn change(cx: Ctx<'_>, task_id: Uuid, fields: TaskFields) -> ApiResult<task::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = tasks::get(&tx, cx.scope(), task_id).await?;
    let updated = tasks::update_current_as(&mut tx, current, fields, None, assigned).await?;
    tx.commit().await?;
    Ok(updated)
}

//! Which tasks a workflow holds: a new task placed in one, tasks added (moved from another workflow of
//! the project, if they were in one) or removed. A task is in at most one workflow, of its own
//! project, and in at most one of its phases; it goes at the end of its phase.

use std::collections::HashSet;

use chrono::Utc;
use entity::{task, workflow};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    events::log::types::TASK_UPDATED,
    service::{Ctx, Resource, Role, Tx, tenant},
    work::task::{self as tasks, Placement},
    workflows::{phase, progress, workflow as workflows},
};

/// A task's checked place in a workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The workflow.
    pub workflow_id: Uuid,
    /// Its phase, if any.
    pub phase_id: Option<Uuid>,
    /// The next free position there.
    pub position: i32,
}

/// Checks that `placement` names a workflow of project `project_id` (and a phase of it) and gives
/// the end of its phase. Errors: `NOT_FOUND` (workflow, phase), `BAD_USER_INPUT` (another project's
/// workflow, another workflow's phase).
pub async fn place(tx: &Tx<'_>, project_id: Uuid, placement: Placement) -> ApiResult<Place> {
    let workflow = workflows::get(tx, tx.viewer().scope(), placement.workflow_id).await?;
    if workflow.project_id != project_id {
        return Err(ApiError::bad_input("the workflow belongs to another project than the task"));
    }
    place_in(tx, &workflow, placement.phase_id).await
}

/// [`place`] in `workflow`, read already. Errors: `NOT_FOUND` (phase), `BAD_USER_INPUT` (another
/// workflow's phase).
async fn place_in(tx: &Tx<'_>, workflow: &workflow::Model, phase_id: Option<Uuid>) -> ApiResult<Place> {
    let placement = Placement { workflow_id: workflow.id, phase_id };
    if let Some(phase) = phase_id
        && phase::get(tx, tx.viewer().scope(), phase).await?.workflow_id != workflow.id
    {
        return Err(ApiError::bad_input("the phase belongs to another workflow"));
    }
    Ok(Place { workflow_id: workflow.id, phase_id: placement.phase_id, position: next_position(tx, &placement).await? })
}

/// One past the last position of the placement's phase (or of the workflow's tasks without one).
async fn next_position(tx: &Tx<'_>, placement: &Placement) -> ApiResult<i32> {
    let mut query = task::Entity::find()
        .select_only()
        .column_as(task::Column::Position.max(), "last")
        .filter(task::Column::WorkflowId.eq(placement.workflow_id));
    query = match placement.phase_id {
        Some(phase) => query.filter(task::Column::PhaseId.eq(phase)),
        None => query.filter(task::Column::PhaseId.is_null()),
    };
    let last: Option<i32> = query.into_tuple::<Option<i32>>().one(tx).await?.flatten();
    Ok(last.map_or(0, |p| p + 1))
}

/// Puts tasks `task_ids` (of the workflow's project), in their order, at the end of phase `phase_id`
/// of workflow `workflow_id` (or among its tasks without a phase); the workflows they leave and the one
/// they join have their progress derived again. Errors: `FORBIDDEN`, `NOT_FOUND` (workflow, phase, a
/// task), `BAD_USER_INPUT` (no task, a task of another project, another workflow's phase).
#[tracing::instrument(skip_all, fields(workflow_id = %workflow_id))]
pub async fn add(
    cx: Ctx<'_>,
    workflow_id: Uuid,
    phase_id: Option<Uuid>,
    task_ids: &[Uuid],
) -> ApiResult<workflow::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let rows = checked_tasks(&tx, task_ids).await?;
    let workflow = workflows::get(&tx, cx.scope(), workflow_id).await?;
    let mut place = place_in(&tx, &workflow, phase_id).await?;
    let mut left = HashSet::new();
    for current in rows {
        if current.project_id != workflow.project_id {
            return Err(ApiError::bad_input("a task belongs to another project than the workflow"));
        }
        if current.workflow_id == Some(workflow_id) && current.phase_id == phase_id {
            continue;
        }
        left.extend(current.workflow_id.filter(|w| *w != workflow_id));
        let changed = move_task(&mut tx, current, Some(place)).await?;
        place.position = changed.position.map_or(place.position, |p| p + 1);
    }
    for other in left {
        progress::refresh(&mut tx, other).await?;
    }
    progress::refresh(&mut tx, workflow_id).await?;
    let workflow = workflows::get(&tx, cx.scope(), workflow_id).await?;
    tx.commit().await?;
    Ok(workflow)
}

/// Takes tasks `task_ids` out of workflow `workflow_id` (they stay in the project). Errors:
/// `FORBIDDEN`, `NOT_FOUND` (workflow, a task), `BAD_USER_INPUT` (a task not in the workflow).
#[tracing::instrument(skip_all, fields(workflow_id = %workflow_id))]
pub async fn remove(cx: Ctx<'_>, workflow_id: Uuid, task_ids: &[Uuid]) -> ApiResult<workflow::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    workflows::get(&tx, cx.scope(), workflow_id).await?;
    for current in checked_tasks(&tx, task_ids).await? {
        if current.workflow_id != Some(workflow_id) {
            return Err(ApiError::bad_input(format!("task {} is not in this workflow", current.id)));
        }
        move_task(&mut tx, current, None).await?;
    }
    progress::refresh(&mut tx, workflow_id).await?;
    let workflow = workflows::get(&tx, cx.scope(), workflow_id).await?;
    tx.commit().await?;
    Ok(workflow)
}

/// The tasks `ids` of the organization, in that order. Errors: `BAD_USER_INPUT` (none, more than 500,
/// repeated), `NOT_FOUND` (one is missing or another organization's).
async fn checked_tasks(tx: &Tx<'_>, ids: &[Uuid]) -> ApiResult<Vec<task::Model>> {
    if ids.is_empty() || ids.len() > 500 {
        return Err(ApiError::bad_input("`taskIds` must hold 1 to 500 ids"));
    }
    if ids.iter().collect::<HashSet<_>>().len() != ids.len() {
        return Err(ApiError::bad_input("`taskIds` must not repeat an id"));
    }
    let found = tenant::rows::<task::Entity>(tx, tx.viewer().scope(), ids).await?;
    ids.iter()
        .map(|id| found.iter().find(|t| t.id == *id).cloned().ok_or(ApiError::NotFound { entity: "task" }))
        .collect()
}

/// Moves `current` to `place` (or out of any workflow), bumping its version, and audits it.
async fn move_task(tx: &mut Tx<'_>, current: task::Model, place: Option<Place>) -> ApiResult<task::Model> {
    let mut model: task::ActiveModel = current.clone().into();
    model.workflow_id = Set(place.map(|p| p.workflow_id));
    model.phase_id = Set(place.and_then(|p| p.phase_id));
    model.position = Set(place.map(|p| p.position));
    model.version = Set(current.version + 1);
    model.updated_at = Set(Utc::now());
    let updated = model.update(&*tx).await?;
    let event = tasks::event(TASK_UPDATED, &updated)
        .workflow(updated.workflow_id.or(current.workflow_id))
        .payload(serde_json::json!({ "fields": ["workflowId", "phaseId", "position"] }));
    tx.record(Resource::Task, current.id, Some(&current), Some(&updated)).await?.event(event);
    Ok(updated)
}

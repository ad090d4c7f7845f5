//! Progress is derived: whenever a workflow's tasks change (a status, a task added, removed or
//! deleted), its progress, status, phases and current phase follow, in the same transaction, each with
//! its event (`workflow.progressed`, `workflow.transitioned` when it starts running,
//! `workflow.completed`, `workflow_phase.completed`).

use chrono::Utc;
use entity::{
    task::{self, TaskStatus},
    workflow::{self, WorkflowStatus},
    workflow_phase::{self, PhaseStatus},
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, Query},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{Resource, Tx},
    work::task::FINISHED,
    workflows::workflow::set_status,
};

/// A workflow's tasks of one phase and status, as the database counts them.
#[derive(Clone, Copy, Debug, PartialEq, FromQueryResult)]
pub struct TaskGroup {
    /// Their phase.
    pub phase_id: Option<Uuid>,
    /// Their status.
    pub status: TaskStatus,
    /// How many tasks.
    pub tasks: i64,
    /// How many of them have an estimate.
    pub estimated: i64,
    /// The sum of their estimated hours.
    pub hours: Option<f64>,
}

impl TaskGroup {
    fn finished(&self) -> bool {
        FINISHED.contains(&self.status)
    }

    fn started(&self) -> bool {
        self.status != TaskStatus::Pending
    }
}

/// The share of the tasks of `groups` finished, 0 to 100 (rounded to hundredths): weighted by
/// estimated hours when every task has one and they add up to more than nothing, else one per task;
/// 0 for no task.
pub fn progress_of(groups: &[TaskGroup]) -> f64 {
    let hours: f64 = groups.iter().filter_map(|g| g.hours).sum();
    let weighted = groups.iter().all(|g| g.estimated == g.tasks) && hours > 0.0;
    let weight = |g: &TaskGroup| if weighted { g.hours.unwrap_or(0.0) } else { g.tasks as f64 };
    let total: f64 = groups.iter().map(weight).sum();
    if total == 0.0 {
        return 0.0;
    }
    let done: f64 = groups.iter().filter(|g| g.finished()).map(weight).sum();
    (done / total * 10_000.0).round() / 100.0
}

/// The status a phase's task groups give it: `DONE` when it has tasks and all finished, `ACTIVE` when
/// one started, else `PENDING`; a skipped phase stays skipped.
pub fn phase_status(current: PhaseStatus, groups: &[&TaskGroup]) -> PhaseStatus {
    let groups: Vec<&&TaskGroup> = groups.iter().filter(|g| g.tasks > 0).collect();
    if current == PhaseStatus::Skipped {
        PhaseStatus::Skipped
    } else if !groups.is_empty() && groups.iter().all(|g| g.finished()) {
        PhaseStatus::Done
    } else if groups.iter().any(|g| g.started()) {
        PhaseStatus::Active
    } else {
        PhaseStatus::Pending
    }
}

/// The workflow's tasks counted by phase and status (and their estimates summed) by the database.
async fn groups(tx: &Tx<'_>, workflow_id: Uuid) -> ApiResult<Vec<TaskGroup>> {
    let t = |column: task::Column| Expr::col((task::Entity, column));
    let select = Query::select()
        .expr_as(t(task::Column::PhaseId), "phase_id")
        .expr_as(t(task::Column::Status), "status")
        .expr_as(Func::count(t(task::Column::Id)), "tasks")
        .expr_as(Func::count(t(task::Column::EstimatedHours)), "estimated")
        .expr_as(Func::sum(t(task::Column::EstimatedHours)), "hours")
        .from(task::Entity)
        .and_where(t(task::Column::WorkflowId).eq(workflow_id))
        .group_by_col((task::Entity, task::Column::PhaseId))
        .group_by_col((task::Entity, task::Column::Status))
        .to_owned();
    Ok(TaskGroup::find_by_statement(tx.get_database_backend().build(&select)).all(tx).await?)
}

/// Derives workflow `workflow_id`'s progress, phases, current phase and status from its tasks, in `tx`
/// (the workflow's row locked on PostgreSQL, so that concurrent task changes derive one after the
/// other). A draft starts running at its first started task; a running workflow completes when every
/// task finished. Statuses set by hand (paused, failed, cancelled) stay.
pub async fn refresh(tx: &mut Tx<'_>, workflow_id: Uuid) -> ApiResult<()> {
    let Some(current) = workflow::Entity::find_by_id(workflow_id).lock_exclusive().one(&*tx).await? else {
        return Err(ApiError::NotFound { entity: "workflow" });
    };
    let states = groups(tx, workflow_id).await?;
    let phases = workflow_phase::Entity::find()
        .filter(workflow_phase::Column::WorkflowId.eq(workflow_id))
        .order_by_asc(workflow_phase::Column::Position)
        .order_by_asc(workflow_phase::Column::Id)
        .all(&*tx)
        .await?;
    let mut current_phase = None;
    for phase in phases {
        let mine: Vec<&TaskGroup> = states.iter().filter(|g| g.phase_id == Some(phase.id)).collect();
        let status = phase_status(phase.status, &mine);
        if current_phase.is_none() && !matches!(status, PhaseStatus::Done | PhaseStatus::Skipped) {
            current_phase = Some(phase.id);
        }
        if status != phase.status {
            let mut model: workflow_phase::ActiveModel = phase.clone().into();
            model.status = Set(status);
            model.updated_at = Set(Utc::now());
            let updated = model.update(&*tx).await?;
            let recorded = tx.record(Resource::WorkflowPhase, phase.id, Some(&phase), Some(&updated)).await?;
            let recorded = recorded.project(current.project_id).workflow(Some(workflow_id));
            if status == PhaseStatus::Done {
                recorded.verb("completed").payload(json!({ "name": phase.name }));
            }
        }
    }

    let progress = progress_of(&states);
    let mut by_status = serde_json::Map::new();
    for group in &states {
        let key = group.status.to_value();
        let n = by_status.get(&key).and_then(serde_json::Value::as_i64).unwrap_or(0);
        by_status.insert(key, json!(n + group.tasks));
    }
    let total: i64 = states.iter().map(|g| g.tasks).sum();
    let metrics = json!({ "tasks": total, "byStatus": by_status });
    let mut model: workflow::ActiveModel = current.clone().into();
    model.progress = Set(progress);
    model.current_phase_id = Set(current_phase);
    model.metrics = Set(metrics);
    let next = match current.status {
        WorkflowStatus::Draft if states.iter().any(TaskGroup::started) => Some(WorkflowStatus::Running),
        _ => None,
    };
    let all_finished = total > 0 && states.iter().all(TaskGroup::finished);
    let complete = all_finished && matches!(next.unwrap_or(current.status), WorkflowStatus::Running);
    if !model.is_changed() && next.is_none() && !complete {
        return Ok(());
    }
    model.updated_at = Set(Utc::now());
    let updated = model.update(&*tx).await?;
    let recorded = tx.record(Resource::Workflow, workflow_id, Some(&current), Some(&updated)).await?;
    let recorded = recorded.project(current.project_id).workflow(Some(workflow_id));
    if progress != current.progress {
        recorded.verb("progressed").payload(json!({ "progress": progress, "previous": current.progress }));
    }
    let mut latest = updated;
    if let Some(status) = next {
        latest = set_status(tx, &latest.clone(), latest.clone().into(), status, None).await?;
    }
    if complete {
        set_status(tx, &latest.clone(), latest.clone().into(), WorkflowStatus::Completed, None).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(status: TaskStatus, tasks: i64, hours: Option<f64>) -> TaskGroup {
        TaskGroup { phase_id: None, status, tasks, estimated: if hours.is_some() { tasks } else { 0 }, hours }
    }

    #[test]
    fn progress_is_weighted_by_hours_only_when_every_task_has_them() {
        use TaskStatus::*;
        let counted =
            [group(Done, 1, Some(3.0)), group(Pending, 1, None), group(Cancelled, 1, None), group(InProgress, 1, None)];
        assert_eq!(progress_of(&counted), 50.0);
        let weighted = [group(Done, 1, Some(3.0)), group(Pending, 2, Some(1.0))];
        assert_eq!(progress_of(&weighted), 75.0);
        assert_eq!(progress_of(&[]), 0.0);
        assert_eq!(progress_of(&[group(Done, 1, None), group(Pending, 2, None)]), 33.33);
    }

    #[test]
    fn a_phase_is_done_when_all_its_tasks_finished_and_active_once_one_started() {
        use TaskStatus::*;
        let (done, pending, running) = (group(Done, 2, None), group(Pending, 1, None), group(InProgress, 1, None));
        assert_eq!(phase_status(PhaseStatus::Pending, &[&done]), PhaseStatus::Done);
        assert_eq!(phase_status(PhaseStatus::Pending, &[&done, &pending]), PhaseStatus::Active);
        assert_eq!(phase_status(PhaseStatus::Active, &[&pending]), PhaseStatus::Pending);
        assert_eq!(phase_status(PhaseStatus::Done, &[&running]), PhaseStatus::Active);
        assert_eq!(phase_status(PhaseStatus::Skipped, &[&done]), PhaseStatus::Skipped);
        assert_eq!(phase_status(PhaseStatus::Pending, &[]), PhaseStatus::Pending);
    }
}

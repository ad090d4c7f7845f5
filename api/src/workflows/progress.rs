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
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{Resource, Tx},
    work::task::FINISHED,
    workflows::workflow::set_status,
};

/// What progress needs of a task: status, estimate, phase.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TaskState {
    /// Where it stands.
    pub status: TaskStatus,
    /// Estimated hours.
    pub estimated_hours: Option<f64>,
    /// Its phase.
    pub phase_id: Option<Uuid>,
}

impl TaskState {
    fn finished(&self) -> bool {
        FINISHED.contains(&self.status)
    }

    fn started(&self) -> bool {
        self.status != TaskStatus::Pending
    }
}

/// The share of `tasks` finished, 0 to 100 (rounded to hundredths): weighted by estimated hours when
/// every task has a positive total of them, else one per task; 0 for no task.
pub fn progress_of(tasks: &[TaskState]) -> f64 {
    let weighted = tasks.iter().all(|t| t.estimated_hours.is_some())
        && tasks.iter().filter_map(|t| t.estimated_hours).sum::<f64>() > 0.0;
    let weight = |t: &TaskState| if weighted { t.estimated_hours.unwrap_or(0.0) } else { 1.0 };
    let total: f64 = tasks.iter().map(weight).sum();
    if total == 0.0 {
        return 0.0;
    }
    let done: f64 = tasks.iter().filter(|t| t.finished()).map(weight).sum();
    (done / total * 10_000.0).round() / 100.0
}

/// The status a phase's tasks give it: `DONE` when it has tasks and all finished, `ACTIVE` when one
/// started, else `PENDING`; a skipped phase stays skipped.
pub fn phase_status(current: PhaseStatus, tasks: &[&TaskState]) -> PhaseStatus {
    if current == PhaseStatus::Skipped {
        PhaseStatus::Skipped
    } else if !tasks.is_empty() && tasks.iter().all(|t| t.finished()) {
        PhaseStatus::Done
    } else if tasks.iter().any(|t| t.started()) {
        PhaseStatus::Active
    } else {
        PhaseStatus::Pending
    }
}

/// Derives workflow `workflow_id`'s progress, phases, current phase and status from its tasks, in `tx`
/// (the workflow's row locked on PostgreSQL, so that concurrent task changes derive one after the
/// other). A draft starts running at its first started task; a running workflow completes when every
/// task finished. Statuses set by hand (paused, failed, cancelled) stay.
pub async fn refresh(tx: &mut Tx<'_>, workflow_id: Uuid) -> ApiResult<()> {
    let Some(current) = workflow::Entity::find_by_id(workflow_id).lock_exclusive().one(&*tx).await? else {
        return Err(ApiError::NotFound { entity: "workflow" });
    };
    let states: Vec<TaskState> = task::Entity::find()
        .select_only()
        .columns([task::Column::Status, task::Column::EstimatedHours, task::Column::PhaseId])
        .filter(task::Column::WorkflowId.eq(workflow_id))
        .into_tuple::<(TaskStatus, Option<f64>, Option<Uuid>)>()
        .all(&*tx)
        .await?
        .into_iter()
        .map(|(status, estimated_hours, phase_id)| TaskState { status, estimated_hours, phase_id })
        .collect();
    let phases = workflow_phase::Entity::find()
        .filter(workflow_phase::Column::WorkflowId.eq(workflow_id))
        .order_by_asc(workflow_phase::Column::Position)
        .order_by_asc(workflow_phase::Column::Id)
        .all(&*tx)
        .await?;
    let mut current_phase = None;
    for phase in phases {
        let mine: Vec<&TaskState> = states.iter().filter(|t| t.phase_id == Some(phase.id)).collect();
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
    for state in &states {
        let key = state.status.to_value();
        let n = by_status.get(&key).and_then(serde_json::Value::as_i64).unwrap_or(0);
        by_status.insert(key, json!(n + 1));
    }
    let metrics = json!({ "tasks": states.len(), "byStatus": by_status });
    let mut model: workflow::ActiveModel = current.clone().into();
    model.progress = Set(progress);
    model.current_phase_id = Set(current_phase);
    model.metrics = Set(metrics);
    let next = match current.status {
        WorkflowStatus::Draft if states.iter().any(TaskState::started) => Some(WorkflowStatus::Running),
        _ => None,
    };
    let all_finished = !states.is_empty() && states.iter().all(TaskState::finished);
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

    fn state(status: TaskStatus, hours: Option<f64>) -> TaskState {
        TaskState { status, estimated_hours: hours, phase_id: None }
    }

    #[test]
    fn progress_is_weighted_by_hours_only_when_every_task_has_them() {
        use TaskStatus::*;
        let counted = [state(Done, Some(3.0)), state(Pending, None), state(Cancelled, None), state(InProgress, None)];
        assert_eq!(progress_of(&counted), 50.0);
        let weighted = [state(Done, Some(3.0)), state(Pending, Some(1.0))];
        assert_eq!(progress_of(&weighted), 75.0);
        assert_eq!(progress_of(&[]), 0.0);
        assert_eq!(progress_of(&[state(Done, None), state(Pending, None), state(Pending, None)]), 33.33);
    }

    #[test]
    fn a_phase_is_done_when_all_its_tasks_finished_and_active_once_one_started() {
        use TaskStatus::*;
        let (done, pending, running) = (state(Done, None), state(Pending, None), state(InProgress, None));
        assert_eq!(phase_status(PhaseStatus::Pending, &[&done, &done]), PhaseStatus::Done);
        assert_eq!(phase_status(PhaseStatus::Pending, &[&done, &pending]), PhaseStatus::Active);
        assert_eq!(phase_status(PhaseStatus::Active, &[&pending]), PhaseStatus::Pending);
        assert_eq!(phase_status(PhaseStatus::Done, &[&running]), PhaseStatus::Active);
        assert_eq!(phase_status(PhaseStatus::Skipped, &[&done]), PhaseStatus::Skipped);
        assert_eq!(phase_status(PhaseStatus::Pending, &[]), PhaseStatus::Pending);
    }
}

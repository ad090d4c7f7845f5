//! Workflows: create (with their phases), read, update, transition by hand, delete, list; each in a
//! project of the organization, `name` unique there. Status changes are recorded with the time spent
//! in the status left.

use chrono::{DateTime, Utc};
use entity::{
    task,
    workflow::{self, WorkflowKind, WorkflowStatus},
    workflow_phase, workflow_state_transition,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{
        Ctx, Resource, Role, Scope, Tx, new_id,
        page::{self, Col, Cond, CursorKey, Filter, List, ListSpec, Listed, Page, PageArgs},
        require_text,
        tenant::{self, Owned},
    },
    work::project,
    workflows::phase::{self, NewPhase},
};

tenant::tenanted!(workflow, entity::project::Column::OrganizationId, via entity::workflow::Relation::Project);
tenant::tenanted!(
    workflow_state_transition,
    entity::project::Column::OrganizationId,
    via entity::workflow_state_transition::Relation::Workflow,
    entity::workflow::Relation::Project
);

/// A project's workflows, oldest first; over every project of the organization, its workflows.
pub static WORKFLOWS_OF_PROJECT: List = List::new(|| {
    ListSpec::child(workflow::Column::ProjectId, workflow::Column::Id, Owned::of::<entity::project::Entity>())
});
/// A workflow's tasks, oldest first.
pub static TASKS_OF_WORKFLOW: List =
    List::new(|| ListSpec::child(task::Column::WorkflowId, task::Column::Id, Owned::of::<workflow::Entity>()));
/// A workflow's status history, oldest first.
pub static HISTORY: List = List::new(|| {
    ListSpec::child(
        workflow_state_transition::Column::WorkflowId,
        workflow_state_transition::Column::Id,
        Owned::of::<workflow::Entity>(),
    )
});

impl Listed for workflow::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

impl Listed for workflow_state_transition::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

/// Fields of a workflow; on update `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct WorkflowFields {
    /// Name, 1 to 255 characters, unique in the project (required on create).
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// What it must achieve.
    pub requirements: Option<String>,
    /// How it orders its tasks; `SEQUENTIAL` on create when absent.
    pub kind: Option<WorkflowKind>,
}

/// Which workflows to list; every given condition must hold.
#[derive(Debug, Default, Clone)]
pub struct WorkflowQuery {
    /// Of this project.
    pub project_id: Option<Uuid>,
    /// In one of these statuses.
    pub status: Option<Vec<WorkflowStatus>>,
}

impl WorkflowQuery {
    /// The list filter.
    pub fn filter(&self) -> Filter {
        let mut filter = Filter::default();
        if let Some(id) = self.project_id {
            filter = filter.with(Cond::EqId(Col::of(workflow::Column::ProjectId), id));
        }
        if let Some(statuses) = &self.status {
            filter = filter
                .with(Cond::In(Col::of(workflow::Column::Status), statuses.iter().map(|s| s.to_value()).collect()));
        }
        filter
    }
}

fn name_taken(err: DbErr) -> ApiError {
    ApiError::unique(err, "a workflow with this `name` already exists in this project")
}

fn apply(model: &mut workflow::ActiveModel, fields: WorkflowFields) -> ApiResult<()> {
    if let Some(name) = fields.name {
        require_text("name", &name, 255)?;
        model.name = Set(name);
    }
    if let Some(description) = fields.description {
        model.description = Set(Some(description));
    }
    if let Some(requirements) = fields.requirements {
        model.requirements = Set(Some(requirements));
    }
    if let Some(kind) = fields.kind {
        model.kind = Set(kind);
    }
    Ok(())
}

/// The workflow `id` of the scope's organization. Errors: `NOT_FOUND` (also for another
/// organization's).
pub async fn get(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> ApiResult<workflow::Model> {
    tenant::row::<workflow::Entity>(db, scope, id).await?.ok_or(ApiError::NotFound { entity: "workflow" })
}

/// Creates a workflow in project `project_id` with `phases` in their order, as `DRAFT`.
/// Errors: `FORBIDDEN`, `NOT_FOUND` (project), `BAD_USER_INPUT`, `CONFLICT` (name taken).
#[tracing::instrument(skip_all, fields(project_id = %project_id))]
pub async fn create(
    cx: Ctx<'_>,
    project_id: Uuid,
    fields: WorkflowFields,
    phases: Vec<NewPhase>,
) -> ApiResult<workflow::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    project::get(&tx, cx.scope(), project_id).await?;
    if fields.name.is_none() {
        return Err(ApiError::bad_input("`name` is required"));
    }
    let now = Utc::now();
    // Phase ids are made first, so that the workflow is written once, with its current phase.
    let phases: Vec<(Uuid, NewPhase)> = phases.into_iter().map(|p| (new_id(), p)).collect();
    let mut model = workflow::ActiveModel {
        id: Set(new_id()),
        project_id: Set(project_id),
        name: Set(String::new()),
        description: Set(None),
        requirements: Set(None),
        kind: Set(WorkflowKind::Sequential),
        status: Set(WorkflowStatus::Draft),
        progress: Set(0.0),
        current_phase_id: Set(phases.first().map(|(id, _)| *id)),
        metrics: Set(json!({})),
        started_at: Set(None),
        completed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    apply(&mut model, fields)?;
    let created = model.insert(&tx).await.map_err(name_taken)?;
    record_transition(&tx, &created, None, None, now).await?;
    tx.record(Resource::Workflow, created.id, None, Some(&created))
        .await?
        .project(project_id)
        .workflow(Some(created.id));
    for (position, (id, new)) in phases.into_iter().enumerate() {
        phase::insert(&mut tx, &created, id, position as i32, new).await?;
    }
    tx.commit().await?;
    Ok(created)
}

/// Applies `fields` to workflow `id`. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`.
#[tracing::instrument(skip_all, fields(workflow_id = %id))]
pub async fn update(cx: Ctx<'_>, id: Uuid, fields: WorkflowFields) -> ApiResult<workflow::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    let mut model: workflow::ActiveModel = current.clone().into();
    apply(&mut model, fields)?;
    if !model.is_changed() {
        return Ok(current);
    }
    model.updated_at = Set(Utc::now());
    let updated = model.update(&tx).await.map_err(name_taken)?;
    tx.record(Resource::Workflow, id, Some(&current), Some(&updated))
        .await?
        .project(current.project_id)
        .workflow(Some(id));
    tx.commit().await?;
    Ok(updated)
}

/// Whether a workflow may be moved from `from` to `to` by hand: a draft starts or is dropped; a
/// running one pauses, completes, fails or is dropped; a paused one resumes, fails or is dropped; a
/// failed one may run again. `COMPLETED` and `CANCELLED` are final.
pub fn may_move(from: WorkflowStatus, to: WorkflowStatus) -> bool {
    use WorkflowStatus::{Cancelled, Completed, Draft, Failed, Paused, Running};
    matches!(
        (from, to),
        (Draft, Running | Cancelled)
            | (Running, Paused | Completed | Failed | Cancelled)
            | (Paused, Running | Failed | Cancelled)
            | (Failed, Running)
    )
}

/// Moves workflow `id` to `status` by hand (the seed's `updateWorkflowStatus`), with `progress` (0 to
/// 100) when given and `note` kept in its history. The same status only changes the progress.
/// Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT` (progress out of range), `CONFLICT` (a
/// transition [`may_move`] refuses, e.g. `COMPLETED` to `RUNNING`).
#[tracing::instrument(skip_all, fields(workflow_id = %id))]
pub async fn transition(
    cx: Ctx<'_>,
    id: Uuid,
    status: WorkflowStatus,
    progress: Option<f64>,
    note: Option<String>,
) -> ApiResult<workflow::Model> {
    if let Some(p) = progress
        && !(p.is_finite() && (0.0..=100.0).contains(&p))
    {
        return Err(ApiError::bad_input(format!("`progress` must be between 0 and 100, got {p}")));
    }
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    if current.status != status && !may_move(current.status, status) {
        return Err(ApiError::Conflict(format!(
            "a workflow cannot go from {} to {}",
            current.status.to_value().to_uppercase(),
            status.to_value().to_uppercase()
        )));
    }
    let mut model: workflow::ActiveModel = current.clone().into();
    if let Some(p) = progress {
        model.progress = Set(p);
    }
    let updated = if current.status == status {
        if !model.is_changed() {
            return Ok(current);
        }
        model.updated_at = Set(Utc::now());
        let updated = model.update(&tx).await?;
        tx.record(Resource::Workflow, id, Some(&current), Some(&updated))
            .await?
            .project(current.project_id)
            .workflow(Some(id));
        updated
    } else {
        set_status(&mut tx, &current, model, status, note).await?
    };
    tx.commit().await?;
    Ok(updated)
}

/// Writes `model` (changes of `current` so far) with `status`, its start or end time, the transition
/// and its `workflow.transitioned` event (or `workflow.completed`).
pub(crate) async fn set_status(
    tx: &mut Tx<'_>,
    current: &workflow::Model,
    mut model: workflow::ActiveModel,
    status: WorkflowStatus,
    note: Option<String>,
) -> ApiResult<workflow::Model> {
    let now = Utc::now();
    model.status = Set(status);
    if status == WorkflowStatus::Running && current.started_at.is_none() {
        model.started_at = Set(Some(now));
    }
    if matches!(status, WorkflowStatus::Completed | WorkflowStatus::Failed | WorkflowStatus::Cancelled) {
        model.completed_at = Set(Some(now));
    } else {
        model.completed_at = Set(None);
    }
    model.updated_at = Set(now);
    let updated = model.update(&*tx).await?;
    let since = status_since(&*tx, current).await?;
    record_transition(tx, &updated, Some((current.status, since)), note, now).await?;
    let verb = if status == WorkflowStatus::Completed { "completed" } else { "transitioned" };
    let payload = json!({ "from": current.status.to_value(), "to": status.to_value(), "progress": updated.progress });
    tx.record(Resource::Workflow, current.id, Some(current), Some(&updated))
        .await?
        .verb(verb)
        .payload(payload)
        .project(current.project_id)
        .workflow(Some(current.id));
    Ok(updated)
}

async fn record_transition(
    tx: &Tx<'_>,
    workflow: &workflow::Model,
    from: Option<(WorkflowStatus, DateTime<Utc>)>,
    note: Option<String>,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    workflow_state_transition::ActiveModel {
        id: Set(new_id()),
        workflow_id: Set(workflow.id),
        from_status: Set(from.map(|(status, _)| status)),
        to_status: Set(workflow.status),
        duration_ms: Set(from.map(|(_, since)| (at - since).num_milliseconds().max(0))),
        actor: Set(Some(tx.viewer().actor())),
        note: Set(note),
        created_at: Set(at),
    }
    .insert(tx)
    .await?;
    Ok(())
}

/// When the workflow entered its current status: its latest transition, else its creation.
async fn status_since(db: &impl ConnectionTrait, workflow: &workflow::Model) -> ApiResult<DateTime<Utc>> {
    let latest = workflow_state_transition::Entity::find()
        .filter(workflow_state_transition::Column::WorkflowId.eq(workflow.id))
        .order_by_desc(workflow_state_transition::Column::Id)
        .one(db)
        .await?;
    Ok(latest.map_or(workflow.created_at, |t| t.created_at))
}

/// Deletes workflow `id` with its phases and history; its tasks stay in the project, out of any
/// workflow. Errors: `FORBIDDEN`, `NOT_FOUND`.
#[tracing::instrument(skip_all, fields(workflow_id = %id))]
pub async fn delete(cx: Ctx<'_>, id: Uuid) -> ApiResult<()> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    task::Entity::update_many()
        .col_expr(task::Column::WorkflowId, Expr::value(Option::<Uuid>::None))
        .col_expr(task::Column::PhaseId, Expr::value(Option::<Uuid>::None))
        .col_expr(task::Column::Position, Expr::value(Option::<i32>::None))
        .filter(task::Column::WorkflowId.eq(id))
        .exec(&tx)
        .await?;
    workflow_phase::Entity::delete_many().filter(workflow_phase::Column::WorkflowId.eq(id)).exec(&tx).await?;
    workflow::Entity::delete_by_id(id).exec(&tx).await?;
    tx.record(Resource::Workflow, id, Some(&current), None)
        .await?
        .project(current.project_id)
        .workflow(Some(id))
        .payload(json!({ "name": current.name }));
    tx.commit().await?;
    Ok(())
}

/// One page of the organization's workflows narrowed by `query`, oldest first.
pub async fn list(
    cx: Ctx<'_>,
    query: &WorkflowQuery,
    args: &PageArgs,
    fields: &page::Fields,
) -> ApiResult<Page<workflow::Model>> {
    page::page(cx.reads, cx.scope(), &WORKFLOWS_OF_PROJECT, &query.filter(), args, fields).await
}

/// How many of the organization's workflows `query` keeps.
pub async fn count(cx: Ctx<'_>, query: &WorkflowQuery) -> ApiResult<i64> {
    page::count(cx.reads, cx.scope(), &WORKFLOWS_OF_PROJECT, &query.filter()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_workflows_stay_finished_and_drafts_cannot_complete() {
        use WorkflowStatus::*;
        assert!(may_move(Draft, Running));
        assert!(may_move(Running, Completed));
        assert!(may_move(Paused, Running));
        assert!(!may_move(Completed, Running));
        assert!(!may_move(Cancelled, Running));
        assert!(!may_move(Draft, Completed));
    }
}

//! The phases of a workflow: created with it or one by one, renamed, reordered, skipped by hand,
//! deleted (their tasks stay in the workflow, out of any phase). Their status is otherwise derived from
//! their tasks' (`progress`).

use std::collections::HashMap;

use chrono::Utc;
use entity::{
    task,
    workflow::{self},
    workflow_phase::{self, PhaseStatus},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{
        Ctx, Resource, Role, Scope, Tx, new_id,
        page::{CursorKey, List, ListSpec, Listed},
        require_text,
        tenant::{self, Owned},
    },
    workflows::{progress, workflow as workflows},
};

tenant::tenanted!(
    workflow_phase,
    entity::project::Column::OrganizationId,
    via entity::workflow_phase::Relation::Workflow,
    entity::workflow::Relation::Project
);

/// A phase's tasks, oldest first.
pub static TASKS_OF_PHASE: List =
    List::new(|| ListSpec::child(task::Column::PhaseId, task::Column::Id, Owned::of::<workflow_phase::Entity>()));

impl Listed for workflow_phase::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

/// A phase to create.
#[derive(Debug, Default, Clone)]
pub struct NewPhase {
    /// Name, 1 to 255 characters.
    pub name: String,
    /// What must hold before it starts.
    pub entry_criteria: Option<String>,
    /// What must hold before it ends.
    pub exit_criteria: Option<String>,
}

/// Changes to a phase; `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct PhaseFields {
    /// New name.
    pub name: Option<String>,
    /// New place (phases are ordered by it, then by creation).
    pub position: Option<i32>,
    /// `SKIPPED` passes it over; `PENDING` takes a skipped phase back (its status then follows its
    /// tasks again). `ACTIVE` and `DONE` follow from its tasks and cannot be set.
    pub status: Option<PhaseStatus>,
    /// New entry criteria.
    pub entry_criteria: Option<String>,
    /// New exit criteria.
    pub exit_criteria: Option<String>,
}

/// Inserts phase `id` of `workflow` at `position` in `tx` and audits it.
pub(crate) async fn insert(
    tx: &mut Tx<'_>,
    workflow: &workflow::Model,
    id: Uuid,
    position: i32,
    new: NewPhase,
) -> ApiResult<workflow_phase::Model> {
    require_text("name", &new.name, 255)?;
    let now = Utc::now();
    let created = workflow_phase::ActiveModel {
        id: Set(id),
        workflow_id: Set(workflow.id),
        name: Set(new.name),
        position: Set(position),
        status: Set(PhaseStatus::Pending),
        entry_criteria: Set(new.entry_criteria),
        exit_criteria: Set(new.exit_criteria),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*tx)
    .await?;
    tx.record(Resource::WorkflowPhase, created.id, None, Some(&created))
        .await?
        .project(workflow.project_id)
        .workflow(Some(workflow.id));
    Ok(created)
}

/// The phase `id` of the scope's organization. Errors: `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> ApiResult<workflow_phase::Model> {
    tenant::row::<workflow_phase::Entity>(db, scope, id).await?.ok_or(ApiError::NotFound { entity: "workflow phase" })
}

/// Adds a phase at the end of workflow `workflow_id`. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`.
#[tracing::instrument(skip_all, fields(workflow_id = %workflow_id))]
pub async fn create(cx: Ctx<'_>, workflow_id: Uuid, new: NewPhase) -> ApiResult<workflow_phase::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let workflow = workflows::get(&tx, cx.scope(), workflow_id).await?;
    let last: Option<i32> = workflow_phase::Entity::find()
        .select_only()
        .column_as(workflow_phase::Column::Position.max(), "last")
        .filter(workflow_phase::Column::WorkflowId.eq(workflow_id))
        .into_tuple::<Option<i32>>()
        .one(&tx)
        .await?
        .flatten();
    let created = insert(&mut tx, &workflow, new_id(), last.map_or(0, |p| p + 1), new).await?;
    progress::refresh(&mut tx, workflow_id).await?;
    tx.commit().await?;
    Ok(created)
}

/// Applies `fields` to phase `id`. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT` (a status that
/// follows from the tasks).
#[tracing::instrument(skip_all, fields(phase_id = %id))]
pub async fn update(cx: Ctx<'_>, id: Uuid, fields: PhaseFields) -> ApiResult<workflow_phase::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    let workflow = workflows::get(&tx, cx.scope(), current.workflow_id).await?;
    let mut model: workflow_phase::ActiveModel = current.clone().into();
    if let Some(name) = fields.name {
        require_text("name", &name, 255)?;
        model.name = Set(name);
    }
    if let Some(position) = fields.position {
        if position < 0 {
            return Err(ApiError::bad_input("`position` must not be negative"));
        }
        model.position = Set(position);
    }
    match fields.status {
        None => {}
        Some(status @ (PhaseStatus::Skipped | PhaseStatus::Pending)) => model.status = Set(status),
        Some(_) => return Err(ApiError::bad_input("`ACTIVE` and `DONE` follow from the phase's tasks")),
    }
    if let Some(text) = fields.entry_criteria {
        model.entry_criteria = Set(Some(text));
    }
    if let Some(text) = fields.exit_criteria {
        model.exit_criteria = Set(Some(text));
    }
    if !model.is_changed() {
        return Ok(current);
    }
    model.updated_at = Set(Utc::now());
    let updated = model.update(&tx).await?;
    tx.record(Resource::WorkflowPhase, id, Some(&current), Some(&updated))
        .await?
        .project(workflow.project_id)
        .workflow(Some(workflow.id));
    progress::refresh(&mut tx, workflow.id).await?;
    let updated = get(&tx, cx.scope(), id).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Deletes phase `id`; its tasks stay in the workflow without a phase. Errors: `FORBIDDEN`, `NOT_FOUND`.
#[tracing::instrument(skip_all, fields(phase_id = %id))]
pub async fn delete(cx: Ctx<'_>, id: Uuid) -> ApiResult<()> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    let workflow = workflows::get(&tx, cx.scope(), current.workflow_id).await?;
    task::Entity::update_many()
        .col_expr(task::Column::PhaseId, Expr::value(Option::<Uuid>::None))
        .filter(task::Column::PhaseId.eq(id))
        .exec(&tx)
        .await?;
    workflow_phase::Entity::delete_by_id(id).exec(&tx).await?;
    tx.record(Resource::WorkflowPhase, id, Some(&current), None)
        .await?
        .project(workflow.project_id)
        .workflow(Some(workflow.id));
    progress::refresh(&mut tx, workflow.id).await?;
    tx.commit().await?;
    Ok(())
}

/// The phases of each of `workflows` (of the scope's organization), in order: one statement.
pub async fn phases_of(
    db: &impl ConnectionTrait,
    scope: Scope,
    workflows: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<workflow_phase::Model>>> {
    let mut out: HashMap<Uuid, Vec<workflow_phase::Model>> = workflows.iter().map(|w| (*w, Vec::new())).collect();
    let rows = tenant::scoped::<workflow_phase::Entity>(scope)
        .filter(workflow_phase::Column::WorkflowId.is_in(workflows.iter().copied()))
        .order_by_asc(workflow_phase::Column::WorkflowId)
        .order_by_asc(workflow_phase::Column::Position)
        .order_by_asc(workflow_phase::Column::Id)
        .all(db)
        .await?;
    for row in rows {
        out.entry(row.workflow_id).or_default().push(row);
    }
    Ok(out)
}

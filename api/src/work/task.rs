//! Tasks: create, update (versioned), transitions with durations, delete. The dependency graph is
//! in `task/dependency.rs`; which tasks to list (filters, the ready-to-run query, per-status counts)
//! in `task/query.rs`. Every write is audited in its own transaction.

use chrono::{DateTime, Utc};
use entity::{
    task::{self, TaskPriority, TaskStatus},
    task_state_transition,
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    events::log::{NewEvent, types as log_types},
    service::{
        Ctx, Resource, Role, Scope, Tx, new_id,
        page::{CursorKey, List, ListSpec, Listed},
        require_object, require_text,
        tenant::{self, Owned},
    },
    work::project,
};

mod dependency;
mod query;

pub use crate::work::task::dependency::{
    DEPENDENCIES, DEPENDENTS, DependencyQuery, add_dependency, blocked_by_filter, blocking_edges, remove_dependency,
};
pub use crate::work::task::query::{
    DUE, READY_TASKS, TASKS_BY_PRIORITY, TaskQuery, count, counts_by_status, list, priority_rank, ready_filter,
    unblocked, unfinished,
};

tenant::tenanted!(task, entity::project::Column::OrganizationId, via entity::task::Relation::Project);
tenant::tenanted!(
    task_state_transition,
    entity::project::Column::OrganizationId,
    via entity::task_state_transition::Relation::Task,
    entity::task::Relation::Project
);

/// A project's tasks, oldest first.
pub static TASKS_OF_PROJECT: List =
    List::new(|| ListSpec::child(task::Column::ProjectId, task::Column::Id, Owned::of::<entity::project::Entity>()));
/// A task's subtasks.
pub static SUBTASKS: List =
    List::new(|| ListSpec::child(task::Column::ParentId, task::Column::Id, Owned::of::<entity::task::Entity>()));
/// A task's status history, oldest first.
pub static HISTORY: List = List::new(|| {
    ListSpec::child(
        task_state_transition::Column::TaskId,
        task_state_transition::Column::Id,
        Owned::of::<entity::task::Entity>(),
    )
});

/// Statuses in which a task is finished: it no longer blocks anything.
pub const FINISHED: [TaskStatus; 2] = [TaskStatus::Done, TaskStatus::Cancelled];

impl Listed for task::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

impl Listed for task_state_transition::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

/// Editable fields of a task; `None` leaves a field as it is (or takes its default on create).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TaskFields {
    /// Title, 1 to 500 characters (required on create).
    pub title: Option<String>,
    /// Short description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// Implementation details (`Some(None)` clears them).
    pub details: Option<Option<String>>,
    /// How to test it (`Some(None)` clears it).
    pub test_strategy: Option<Option<String>>,
    /// Status; `pending` on create.
    pub status: Option<TaskStatus>,
    /// Priority; `medium` on create.
    pub priority: Option<TaskPriority>,
    /// Complexity from 1 to 10 (`Some(None)` clears it).
    pub complexity: Option<Option<i32>>,
    /// Labels.
    pub tags: Option<Vec<String>>,
    /// Requirements object.
    pub requirements: Option<Value>,
    /// Metadata object.
    pub metadata: Option<Value>,
    /// Estimated effort in hours (not negative).
    pub estimated_hours: Option<f64>,
    /// Actual effort in hours (not negative).
    pub actual_hours: Option<f64>,
    /// How an imported document wrote the task (set by the Task Master import only).
    pub external_form: Option<Option<Value>>,
    /// The member it is assigned to (`Some(None)` unassigns); checked to be a member of the organization.
    pub assignee_id: Option<Option<Uuid>>,
    /// The agent it is assigned to, up to 100 characters (`Some(None)` clears it).
    pub assigned_agent: Option<Option<String>>,
    /// Not to start before this instant (`Some(None)` clears it).
    pub scheduled_at: Option<Option<DateTime<Utc>>>,
    /// What must hold for it to be done.
    pub acceptance_criteria: Option<Vec<String>>,
    /// Context object for whoever works on it.
    pub context: Option<Value>,
}

/// Where a new task goes in a workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The workflow (of the task's project).
    pub workflow_id: Uuid,
    /// Its phase (of that workflow), if any.
    pub phase_id: Option<Uuid>,
}

/// A task to create.
#[derive(Debug, Clone)]
pub struct NewTask {
    /// Owning project.
    pub project_id: Uuid,
    /// Parent task (same project), for a subtask.
    pub parent_id: Option<Uuid>,
    /// Task Master id, unique per project and tag.
    pub external_id: Option<String>,
    /// Task Master tag; `master` when absent.
    pub tag: Option<String>,
    /// The fields.
    pub fields: TaskFields,
    /// Its place in a workflow, if any (at the end of its phase).
    pub placement: Option<Placement>,
    /// The task definition (version) that made it.
    pub definition_id: Option<Uuid>,
}

/// The log event of type `event_type` about `task` (and its workflow, when it has one).
pub fn event(event_type: &str, task: &task::Model) -> NewEvent {
    NewEvent::docket(event_type).task(task.project_id, task.id).workflow(task.workflow_id)
}

/// The log event of an update of `before` into `after`: `task.transitioned` with `from` and `to`
/// when the status changed, else `task.updated` with the changed `fields`.
pub fn update_event(before: &task::Model, after: &task::Model) -> NewEvent {
    if before.status != after.status {
        let (from, to) = (status_name(before.status), status_name(after.status));
        return event(log_types::TASK_TRANSITIONED, after).payload(serde_json::json!({ "from": from, "to": to }));
    }
    let changes = crate::service::audit::changes(Some(before), Some(after));
    let fields: Vec<&String> = changes.as_object().map(|m| m.keys().collect()).unwrap_or_default();
    event(log_types::TASK_UPDATED, after).payload(serde_json::json!({ "fields": fields }))
}

/// Status as stored, e.g. `in_progress`.
pub fn status_name(status: TaskStatus) -> String {
    status.to_value()
}

fn apply(model: &mut task::ActiveModel, fields: TaskFields) -> ApiResult<()> {
    if let Some(title) = fields.title {
        require_text("title", &title, 500)?;
        model.title = Set(title);
    }
    if let Some(text) = fields.description {
        model.description = Set(text);
    }
    if let Some(text) = fields.details {
        model.details = Set(text);
    }
    if let Some(text) = fields.test_strategy {
        model.test_strategy = Set(text);
    }
    if let Some(status) = fields.status {
        model.status = Set(status);
    }
    if let Some(priority) = fields.priority {
        model.priority = Set(priority);
    }
    if let Some(complexity) = fields.complexity {
        if let Some(value) = complexity
            && !(1..=10).contains(&value)
        {
            return Err(ApiError::bad_input(format!("`complexity` must be between 1 and 10, got {value}")));
        }
        model.complexity = Set(complexity);
    }
    if let Some(tags) = fields.tags {
        model.tags = Set(json!(tags));
    }
    if let Some(requirements) = fields.requirements {
        require_object("requirements", &requirements)?;
        model.requirements = Set(requirements);
    }
    if let Some(metadata) = fields.metadata {
        require_object("metadata", &metadata)?;
        model.metadata = Set(metadata);
    }
    if let Some(form) = fields.external_form {
        model.external_form = Set(form);
    }
    if let Some(assignee) = fields.assignee_id {
        model.assignee_id = Set(assignee);
    }
    if let Some(agent) = fields.assigned_agent {
        if let Some(agent) = &agent {
            require_text("assignedAgent", agent, 100)?;
        }
        model.assigned_agent = Set(agent);
    }
    if let Some(at) = fields.scheduled_at {
        model.scheduled_at = Set(at);
    }
    if let Some(criteria) = fields.acceptance_criteria {
        if let Some(empty) = criteria.iter().position(|c| c.trim().is_empty()) {
            return Err(ApiError::bad_input(format!("`acceptanceCriteria[{empty}]` must not be empty")));
        }
        model.acceptance_criteria = Set(json!(criteria));
    }
    if let Some(context) = fields.context {
        require_object("context", &context)?;
        model.context = Set(context);
    }
    for (name, hours, slot) in [
        ("estimatedHours", fields.estimated_hours, &mut model.estimated_hours),
        ("actualHours", fields.actual_hours, &mut model.actual_hours),
    ] {
        if let Some(hours) = hours {
            if !(hours.is_finite() && hours >= 0.0) {
                return Err(ApiError::bad_input(format!("`{name}` must be a number of hours, not negative")));
            }
            *slot = Set(Some(hours));
        }
    }
    Ok(())
}

/// `NOT_FOUND` unless the assignee `fields` name is a member of the organization.
async fn check_assignee(tx: &Tx<'_>, fields: &TaskFields) -> ApiResult<()> {
    if let Some(Some(user)) = fields.assignee_id
        && crate::access::member::user_in(tx, tx.viewer().organization_id, user).await?.is_none()
    {
        return Err(ApiError::NotFound { entity: "user" });
    }
    Ok(())
}

/// Inserts a task in `tx` (no parent or project checks: callers made them; a workflow placement and
/// an assignee are checked), records its first state and audits it; its workflow's progress follows.
pub async fn insert(tx: &mut Tx<'_>, id: Uuid, new: NewTask) -> ApiResult<task::Model> {
    if new.fields.title.is_none() {
        return Err(ApiError::bad_input("`title` is required"));
    }
    check_assignee(tx, &new.fields).await?;
    let place = match new.placement {
        Some(placement) => Some(crate::workflows::membership::place(tx, new.project_id, placement).await?),
        None => None,
    };
    let tag = new.tag.unwrap_or_else(|| "master".into());
    require_text("tag", &tag, 100)?;
    if let Some(external) = &new.external_id {
        require_text("externalId", external, 50)?;
    }
    let now = Utc::now();
    let mut model = task::ActiveModel {
        id: Set(id),
        project_id: Set(new.project_id),
        parent_id: Set(new.parent_id),
        external_id: Set(new.external_id),
        tag: Set(tag),
        title: Set(String::new()),
        description: Set(None),
        details: Set(None),
        test_strategy: Set(None),
        status: Set(TaskStatus::Pending),
        priority: Set(TaskPriority::Medium),
        complexity: Set(None),
        tags: Set(json!([])),
        requirements: Set(json!({})),
        metadata: Set(json!({})),
        external_form: Set(None),
        estimated_hours: Set(None),
        actual_hours: Set(None),
        completed_at: Set(None),
        workflow_id: Set(place.map(|p| p.workflow_id)),
        phase_id: Set(place.and_then(|p| p.phase_id)),
        position: Set(place.map(|p| p.position)),
        assignee_id: Set(None),
        assigned_agent: Set(None),
        scheduled_at: Set(None),
        acceptance_criteria: Set(json!([])),
        context: Set(json!({})),
        definition_id: Set(new.definition_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    apply(&mut model, new.fields)?;
    if model.status.as_ref() == &TaskStatus::Done {
        model.completed_at = Set(Some(now));
    }
    let created = model
        .insert(tx)
        .await
        .map_err(|err| ApiError::unique(err, "a task with this `externalId` already exists in this project and tag"))?;
    record_transition(tx, &created, None, None, now).await?;
    tx.record(Resource::Task, created.id, None, Some(&created)).await?.about_task(&created);
    if let Some(workflow) = created.workflow_id {
        crate::workflows::progress::refresh(tx, workflow).await?;
    }
    Ok(created)
}

async fn record_transition(
    tx: &Tx<'_>,
    task: &task::Model,
    from: Option<(TaskStatus, DateTime<Utc>)>,
    note: Option<String>,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    task_state_transition::ActiveModel {
        id: Set(new_id()),
        task_id: Set(task.id),
        from_status: Set(from.map(|(status, _)| status)),
        to_status: Set(task.status),
        duration_ms: Set(from.map(|(_, since)| (at - since).num_milliseconds().max(0))),
        actor: Set(Some(tx.viewer().actor())),
        note: Set(note),
        created_at: Set(at),
    }
    .insert(tx)
    .await?;
    Ok(())
}

/// When the task entered its current status: its latest transition, else its creation.
async fn status_since(txn: &impl ConnectionTrait, task: &task::Model) -> ApiResult<DateTime<Utc>> {
    let latest = task_state_transition::Entity::find()
        .filter(task_state_transition::Column::TaskId.eq(task.id))
        .order_by_desc(task_state_transition::Column::Id)
        .one(txn)
        .await?;
    Ok(latest.map_or(task.created_at, |t| t.created_at))
}

/// Creates a task (a subtask when `parent_id` is given). Errors: `FORBIDDEN`, `NOT_FOUND` (project or
/// parent), `BAD_USER_INPUT` (bad fields, parent in another project), `CONFLICT` (external id taken).
#[tracing::instrument(skip_all, fields(project_id = %new.project_id))]
pub async fn create(cx: Ctx<'_>, new: NewTask) -> ApiResult<task::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    project::get(&tx, cx.scope(), new.project_id).await?;
    if let Some(parent) = new.parent_id
        && get(&tx, cx.scope(), parent).await?.project_id != new.project_id
    {
        return Err(ApiError::bad_input("the parent task belongs to another project"));
    }
    let created = insert(&mut tx, new_id(), new).await?;
    tx.commit().await?;
    Ok(created)
}

/// The task `id` of the scope's organization. Errors: `NOT_FOUND` (also for another organization's).
pub async fn get(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> ApiResult<task::Model> {
    tenant::row::<task::Entity>(db, scope, id).await?.ok_or(ApiError::NotFound { entity: "task" })
}

/// The task with Task Master id `external_id` in `tag` of the organization's project `project_id`,
/// if any.
pub async fn find_by_external_id(
    db: &impl ConnectionTrait,
    scope: Scope,
    project_id: Uuid,
    tag: &str,
    external_id: &str,
) -> ApiResult<Option<task::Model>> {
    Ok(tenant::scoped::<task::Entity>(scope)
        .filter(task::Column::ProjectId.eq(project_id))
        .filter(task::Column::Tag.eq(tag))
        .filter(task::Column::ExternalId.eq(external_id))
        .one(db)
        .await?)
}

/// Applies `fields` to `current` in `tx`: increments `version` (only if the row still has
/// `current.version`), records a transition when the status changes, audits the change. Returns
/// `current` untouched when nothing differs. Errors: `BAD_USER_INPUT`, `CONFLICT` (moved on).
pub async fn update_current(
    tx: &mut Tx<'_>,
    current: task::Model,
    fields: TaskFields,
    note: Option<String>,
) -> ApiResult<task::Model> {
    update_current_as(tx, current, fields, note, update_event).await
}

/// [`update_current`] whose log event is `event(before, after)` (an assignment's `task.assigned`).
pub async fn update_current_as(
    tx: &mut Tx<'_>,
    current: task::Model,
    fields: TaskFields,
    note: Option<String>,
    event: fn(&task::Model, &task::Model) -> NewEvent,
) -> ApiResult<task::Model> {
    check_assignee(tx, &fields).await?;
    let mut model: task::ActiveModel = current.clone().into();
    apply(&mut model, fields)?;
    let now = Utc::now();
    let status = *model.status.as_ref();
    if status != current.status {
        model.completed_at = Set((status == TaskStatus::Done).then_some(now));
    }
    if !model.is_changed() {
        return Ok(current);
    }
    model.version = Set(current.version + 1);
    model.updated_at = Set(now);
    let changed = task::Entity::update_many()
        .set(model)
        .filter(task::Column::Id.eq(current.id))
        .filter(task::Column::Version.eq(current.version))
        .exec(tx)
        .await?
        .rows_affected;
    if changed == 0 {
        return Err(ApiError::Conflict(format!(
            "the task moved on from version {}; read it again and retry",
            current.version
        )));
    }
    let updated = get(tx, tx.viewer().scope(), current.id).await?;
    if status != current.status {
        let since = status_since(tx, &current).await?;
        record_transition(tx, &updated, Some((current.status, since)), note, now).await?;
    }
    tx.record(Resource::Task, current.id, Some(&current), Some(&updated)).await?.event(event(&current, &updated));
    if status != current.status
        && let Some(workflow) = updated.workflow_id
    {
        crate::workflows::progress::refresh(tx, workflow).await?;
    }
    Ok(updated)
}

/// Updates task `id`. With `expected_version`, answers `CONFLICT` when the task is no longer at that
/// version (optimistic concurrency). Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`.
#[tracing::instrument(skip_all, fields(task_id = %id))]
pub async fn update(
    cx: Ctx<'_>,
    id: Uuid,
    expected_version: Option<i32>,
    fields: TaskFields,
    note: Option<String>,
) -> ApiResult<task::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    if let Some(expected) = expected_version
        && expected != current.version
    {
        return Err(ApiError::Conflict(format!(
            "the task is at version {}, not {expected}; read it again and retry",
            current.version
        )));
    }
    let updated = update_current(&mut tx, current.clone(), fields, note).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Deletes task `id` with its subtasks, edges and history (cascade). Errors: `FORBIDDEN`, `NOT_FOUND`.
#[tracing::instrument(skip_all, fields(task_id = %id))]
pub async fn delete(cx: Ctx<'_>, id: Uuid) -> ApiResult<()> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    task::Entity::delete_by_id(id).exec(&tx).await?;
    tx.record(Resource::Task, id, Some(&current), None).await?.about_task(&current);
    if let Some(workflow) = current.workflow_id {
        crate::workflows::progress::refresh(&mut tx, workflow).await?;
    }
    tx.commit().await?;
    Ok(())
}

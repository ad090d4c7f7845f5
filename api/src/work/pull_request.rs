//! Pull requests of a project, their links to tasks, and their validation status.

use chrono::Utc;
use entity::{
    pull_request::{self, PullRequestStatus},
    task, task_pull_request,
};
use sea_orm::{ActiveEnum, ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    events::log::{NewEvent, types as log_types},
    service::{
        Ctx, Resource, Role, Scope, new_id,
        page::{Col, CursorKey, Filter, List, ListSpec, Listed},
        require_object, require_text,
        tenant::{self, Owned},
    },
    work::{project, task as tasks},
};

tenant::tenanted!(pull_request, entity::project::Column::OrganizationId, via entity::pull_request::Relation::Project);

/// A project's pull requests, oldest first.
pub static PULL_REQUESTS_OF_PROJECT: List = List::new(|| {
    ListSpec::child(pull_request::Column::ProjectId, pull_request::Column::Id, Owned::of::<entity::project::Entity>())
});
/// The pull requests linked to a task.
pub static PULL_REQUESTS_OF_TASK: List = List::new(|| {
    ListSpec::linked(
        task_pull_request::Column::TaskId,
        task_pull_request::Column::PullRequestId,
        pull_request::Column::Id,
        Owned::of::<entity::task::Entity>(),
    )
});
/// The tasks a pull request carries.
pub static TASKS_OF_PULL_REQUEST: List = List::new(|| {
    ListSpec::linked(
        task_pull_request::Column::PullRequestId,
        task_pull_request::Column::TaskId,
        task::Column::Id,
        Owned::of::<entity::pull_request::Entity>(),
    )
});

/// Which of a project's pull requests to list.
#[derive(Clone, Debug, Default)]
pub struct PullRequestQuery {
    /// Only pull requests in one of these statuses.
    pub status: Option<Vec<PullRequestStatus>>,
}

impl PullRequestQuery {
    /// The list filter.
    pub fn filter(&self) -> Filter {
        let statuses = self.status.as_ref().map(|s| s.iter().map(|s| s.to_value()).collect::<Vec<_>>());
        Filter::default().is_in(Col::of(pull_request::Column::Status), statuses.as_deref())
    }
}

impl Listed for pull_request::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

/// Fields of a pull request; on update `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PullRequestFields {
    /// Number in the repository.
    pub number: Option<i32>,
    /// Repository URL (required on create).
    pub repository_url: Option<String>,
    /// Source branch (required on create).
    pub branch: Option<String>,
    /// Title (required on create).
    pub title: Option<String>,
    /// Status; `draft` on create. Becoming `merged` sets `merged_at`.
    pub status: Option<PullRequestStatus>,
    /// Validation results object.
    pub validation_results: Option<Value>,
}

fn apply(model: &mut pull_request::ActiveModel, fields: PullRequestFields) -> ApiResult<()> {
    if let Some(number) = fields.number {
        if number < 1 {
            return Err(ApiError::bad_input("`number` must be positive"));
        }
        model.number = Set(Some(number));
    }
    if let Some(url) = fields.repository_url {
        require_text("repositoryUrl", &url, 500)?;
        model.repository_url = Set(url);
    }
    if let Some(branch) = fields.branch {
        require_text("branch", &branch, 255)?;
        model.branch = Set(branch);
    }
    if let Some(title) = fields.title {
        require_text("title", &title, 500)?;
        model.title = Set(title);
    }
    if let Some(status) = fields.status {
        if status == PullRequestStatus::Merged && model.merged_at.as_ref().is_none() {
            model.merged_at = Set(Some(Utc::now()));
        }
        model.status = Set(status);
    }
    if let Some(results) = fields.validation_results {
        require_object("validationResults", &results)?;
        model.validation_results = Set(results);
    }
    Ok(())
}

/// Creates a pull request in project `project_id`. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`.
#[tracing::instrument(skip_all, fields(project_id = %project_id))]
pub async fn create(cx: Ctx<'_>, project_id: Uuid, fields: PullRequestFields) -> ApiResult<pull_request::Model> {
    for (name, value) in
        [("repositoryUrl", &fields.repository_url), ("branch", &fields.branch), ("title", &fields.title)]
    {
        if value.is_none() {
            return Err(ApiError::bad_input(format!("`{name}` is required")));
        }
    }
    let mut tx = cx.begin(Role::Member).await?;
    project::get(&tx, cx.scope(), project_id).await?;
    let now = Utc::now();
    let mut model = pull_request::ActiveModel {
        id: Set(new_id()),
        project_id: Set(project_id),
        number: Set(None),
        repository_url: Set(String::new()),
        branch: Set(String::new()),
        title: Set(String::new()),
        status: Set(PullRequestStatus::Draft),
        validation_results: Set(json!({})),
        merged_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    apply(&mut model, fields)?;
    let created = model.insert(&tx).await?;
    tx.record(Resource::PullRequest, created.id, None, Some(&created))
        .await?
        .event(event(log_types::PULL_REQUEST_CREATED, &created));
    tx.commit().await?;
    Ok(created)
}

/// The log event of type `event_type` about `pr`: its id, repository, number and status.
pub fn event(event_type: &str, pr: &pull_request::Model) -> NewEvent {
    let payload = json!({ "pullRequestId": pr.id, "repositoryUrl": pr.repository_url, "number": pr.number,
        "status": pr.status.to_value() });
    NewEvent::docket(event_type).project(pr.project_id).payload(payload)
}

/// The log event of an update of `before` into `after`: `pull_request.merged` or `.closed` when it
/// reached that status, else `pull_request.updated` with the changed `fields`; none when nothing changed.
pub fn update_event(before: &pull_request::Model, after: &pull_request::Model) -> Option<NewEvent> {
    let changes = crate::service::audit::changes(Some(before), Some(after));
    let fields: Vec<&String> = changes.as_object().map(|m| m.keys().collect()).unwrap_or_default();
    if fields.is_empty() {
        return None;
    }
    let event_type = match after.status {
        PullRequestStatus::Merged if before.status != after.status => log_types::PULL_REQUEST_MERGED,
        PullRequestStatus::Closed if before.status != after.status => log_types::PULL_REQUEST_CLOSED,
        _ => log_types::PULL_REQUEST_UPDATED,
    };
    let mut event = event(event_type, after);
    event.payload["fields"] = json!(fields);
    Some(event)
}

/// The pull request `id` of the scope's organization. Errors: `NOT_FOUND` (also for another
/// organization's).
pub async fn get(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> ApiResult<pull_request::Model> {
    tenant::row::<pull_request::Entity>(db, scope, id).await?.ok_or(ApiError::NotFound { entity: "pull request" })
}

/// Applies `fields` to pull request `id`. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`.
#[tracing::instrument(skip_all, fields(pull_request_id = %id))]
pub async fn update(cx: Ctx<'_>, id: Uuid, fields: PullRequestFields) -> ApiResult<pull_request::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    let mut model: pull_request::ActiveModel = current.clone().into();
    apply(&mut model, fields)?;
    model.updated_at = Set(Utc::now());
    let updated = model.update(&tx).await?;
    let recorded = tx.record(Resource::PullRequest, id, Some(&current), Some(&updated)).await?;
    if let Some(event) = update_event(&current, &updated) {
        recorded.event(event);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Deletes pull request `id` and its links. Errors: `FORBIDDEN`, `NOT_FOUND`.
#[tracing::instrument(skip_all, fields(pull_request_id = %id))]
pub async fn delete(cx: Ctx<'_>, id: Uuid) -> ApiResult<()> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    pull_request::Entity::delete_by_id(id).exec(&tx).await?;
    tx.record(Resource::PullRequest, id, Some(&current), None)
        .await?
        .event(event(log_types::PULL_REQUEST_DELETED, &current));
    tx.commit().await?;
    Ok(())
}

/// Links task `task_id` to pull request `pull_request_id` (same project; linking twice changes
/// nothing). Errors: `FORBIDDEN`, `NOT_FOUND` (either, also of another organization), `BAD_USER_INPUT`
/// (different projects).
#[tracing::instrument(skip_all, fields(task_id = %task_id, pull_request_id = %pull_request_id))]
pub async fn link(cx: Ctx<'_>, task_id: Uuid, pull_request_id: Uuid) -> ApiResult<pull_request::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let task = tasks::get(&tx, cx.scope(), task_id).await?;
    let pr = get(&tx, cx.scope(), pull_request_id).await?;
    if task.project_id != pr.project_id {
        return Err(ApiError::bad_input("the task and the pull request belong to different projects"));
    }
    if task_pull_request::Entity::find_by_id((task_id, pull_request_id)).one(&tx).await?.is_none() {
        let link = task_pull_request::ActiveModel {
            task_id: Set(task_id),
            pull_request_id: Set(pull_request_id),
            created_at: Set(Utc::now()),
        }
        .insert(&tx)
        .await?;
        let linked = event(log_types::PULL_REQUEST_LINKED, &pr);
        tx.record(Resource::PullRequestLink, task_id, None, Some(&link))
            .await?
            .event(NewEvent { task_id: Some(task_id), ..linked })
            .subject_id(pull_request_id);
    }
    tx.commit().await?;
    Ok(pr)
}

/// Removes the link between a task and a pull request. Errors: `FORBIDDEN`, `NOT_FOUND` (no such task,
/// pull request or link).
#[tracing::instrument(skip_all, fields(task_id = %task_id, pull_request_id = %pull_request_id))]
pub async fn unlink(cx: Ctx<'_>, task_id: Uuid, pull_request_id: Uuid) -> ApiResult<pull_request::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    tasks::get(&tx, cx.scope(), task_id).await?;
    let pr = get(&tx, cx.scope(), pull_request_id).await?;
    let link = task_pull_request::Entity::find_by_id((task_id, pull_request_id))
        .one(&tx)
        .await?
        .ok_or(ApiError::NotFound { entity: "task link" })?;
    task_pull_request::Entity::delete_by_id((task_id, pull_request_id)).exec(&tx).await?;
    let unlinked = event(log_types::PULL_REQUEST_UNLINKED, &pr);
    tx.record(Resource::PullRequestLink, task_id, Some(&link), None)
        .await?
        .event(NewEvent { task_id: Some(task_id), ..unlinked })
        .subject_id(pull_request_id);
    tx.commit().await?;
    Ok(pr)
}

/// Overall validation of a pull request (the seed's `pr_validation_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validation {
    /// No results recorded.
    None,
    /// Some check has not finished.
    Pending,
    /// Every check passed.
    Passed,
    /// Some check failed.
    Failed,
}

/// Reads the overall status from validation results: `{"status": "passed"}`, or `{"checks": [{"status":
/// ...}, ...]}` where any failure fails, else anything unfinished is pending, else all passed.
pub fn validation(results: &Value) -> Validation {
    let of = |status: &str| match status.to_ascii_lowercase().as_str() {
        "passed" | "success" | "succeeded" | "ok" => Validation::Passed,
        "failed" | "failure" | "error" => Validation::Failed,
        _ => Validation::Pending,
    };
    if let Some(status) = results.get("status").and_then(Value::as_str) {
        return of(status);
    }
    let checks: Vec<Validation> = results
        .get("checks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| c.get("status").and_then(Value::as_str).map_or(Validation::Pending, of))
        .collect();
    if checks.is_empty() {
        Validation::None
    } else if checks.contains(&Validation::Failed) {
        Validation::Failed
    } else if checks.contains(&Validation::Pending) {
        Validation::Pending
    } else {
        Validation::Passed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_status_follows_the_checks() {
        assert_eq!(validation(&json!({})), Validation::None);
        assert_eq!(validation(&json!({ "status": "passed" })), Validation::Passed);
        let checks =
            |s: &[&str]| json!({ "checks": s.iter().map(|s| json!({ "name": "c", "status": s })).collect::<Vec<_>>() });
        assert_eq!(validation(&checks(&["passed", "passed"])), Validation::Passed);
        assert_eq!(validation(&checks(&["passed", "running"])), Validation::Pending);
        assert_eq!(validation(&checks(&["running", "failed"])), Validation::Failed);
    }
}

//! The dependency graph of tasks: `blocks` edges without cycles, `suggests` and `related` edges,
//! within one project (and so one organization).

use std::collections::HashMap;

use chrono::Utc;
use entity::{
    task,
    task_dependency::{self, DependencyKind},
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter,
};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    events::log::types as log_types,
    service::{
        Ctx, Resource, Role, graph,
        page::{Col, Cond, Filter, List, ListSpec},
        sql::Sql,
        tenant::Owned,
    },
    work::task::{get, unfinished},
};

/// The tasks a task depends on.
pub static DEPENDENCIES: List = List::new(|| {
    ListSpec::linked(
        task_dependency::Column::TaskId,
        task_dependency::Column::DependsOnId,
        task::Column::Id,
        Owned::of::<entity::task::Entity>(),
    )
});
/// The tasks that depend on a task.
pub static DEPENDENTS: List = List::new(|| {
    ListSpec::linked(
        task_dependency::Column::DependsOnId,
        task_dependency::Column::TaskId,
        task::Column::Id,
        Owned::of::<entity::task::Entity>(),
    )
});
/// Which dependencies (or dependents) of a task to list.
#[derive(Clone, Debug, Default)]
pub struct DependencyQuery {
    /// Only edges of these kinds.
    pub kind: Option<Vec<DependencyKind>>,
}

impl DependencyQuery {
    /// The list filter.
    pub fn filter(&self) -> Filter {
        let kinds = self.kind.as_ref().map(|k| k.iter().map(|k| k.to_value()).collect::<Vec<_>>());
        Filter::default().is_in(Col::of(task_dependency::Column::Kind), kinds.as_deref())
    }
}

/// Every `blocks` edge of a project: task -> the tasks it depends on.
pub async fn blocking_edges(db: &impl ConnectionTrait, project_id: Uuid) -> ApiResult<HashMap<Uuid, Vec<Uuid>>> {
    let mut sql = Sql::new(
        "SELECT d.* FROM task_dependencies d JOIN tasks t ON t.id = d.task_id WHERE d.kind = 'blocks' AND t.project_id = ",
    );
    sql.bind(project_id);
    let rows = task_dependency::Model::find_by_statement(sql.build(db.get_database_backend())).all(db).await?;
    let mut edges: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in rows {
        edges.entry(row.task_id).or_default().push(row.depends_on_id);
    }
    Ok(edges)
}

/// Names tasks for messages: `#12 (uuid)` when they have a Task Master id, else the uuid.
async fn describe(db: &impl ConnectionTrait, ids: &[Uuid]) -> ApiResult<String> {
    let rows = task::Entity::find().filter(task::Column::Id.is_in(ids.iter().copied())).all(db).await?;
    let names: HashMap<Uuid, String> = rows
        .into_iter()
        .map(|t| (t.id, t.external_id.map_or_else(|| t.id.to_string(), |e| format!("#{e} ({})", t.id))))
        .collect();
    Ok(ids.iter().map(|id| names.get(id).cloned().unwrap_or_else(|| id.to_string())).collect::<Vec<_>>().join(" -> "))
}

/// Makes `task_id` depend on `depends_on_id` (or changes the kind of an existing edge).
/// Errors: `FORBIDDEN`, `NOT_FOUND` (either task, also of another organization), `BAD_USER_INPUT`
/// (self, other project, or a `blocks` cycle, named).
#[tracing::instrument(skip_all, fields(task_id = %task_id, depends_on_id = %depends_on_id))]
pub async fn add_dependency(
    cx: Ctx<'_>,
    task_id: Uuid,
    depends_on_id: Uuid,
    kind: DependencyKind,
) -> ApiResult<task::Model> {
    if task_id == depends_on_id {
        return Err(ApiError::bad_input("a task cannot depend on itself"));
    }
    let mut tx = cx.begin(Role::Member).await?;
    let task = get(&tx, cx.scope(), task_id).await?;
    let depends_on = get(&tx, cx.scope(), depends_on_id).await?;
    if task.project_id != depends_on.project_id {
        return Err(ApiError::bad_input("a task can only depend on a task of the same project"));
    }
    let existing = task_dependency::Entity::find_by_id((task_id, depends_on_id)).one(&tx).await?;
    if existing.as_ref().is_some_and(|e| e.kind == kind) {
        return Ok(task);
    }
    if kind == DependencyKind::Blocks {
        let edges = blocking_edges(&tx, task.project_id).await?;
        if let Some(path) = graph::find_path(&edges, depends_on_id, task_id) {
            let cycle: Vec<Uuid> = std::iter::once(task_id).chain(path).collect();
            return Err(ApiError::bad_input(format!(
                "this dependency would close a cycle: {}",
                describe(&tx, &cycle).await?
            )));
        }
    }
    let edge = task_dependency::ActiveModel {
        task_id: Set(task_id),
        depends_on_id: Set(depends_on_id),
        kind: Set(kind),
        created_at: Set(Utc::now()),
    };
    let saved = if existing.is_some() { edge.update(&tx).await? } else { edge.insert(&tx).await? };
    let payload = serde_json::json!({ "dependsOnTaskId": depends_on_id, "kind": kind.to_value() });
    tx.record(Resource::TaskDependency, task_id, existing.as_ref(), Some(&saved))
        .await?
        .named(log_types::TASK_DEPENDENCY_ADDED)
        .about_task(&task)
        .payload(payload);
    tx.commit().await?;
    Ok(task)
}

/// Removes the edge `task_id -> depends_on_id`. Errors: `FORBIDDEN`, `NOT_FOUND` (no such task or
/// edge).
#[tracing::instrument(skip_all, fields(task_id = %task_id, depends_on_id = %depends_on_id))]
pub async fn remove_dependency(cx: Ctx<'_>, task_id: Uuid, depends_on_id: Uuid) -> ApiResult<task::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let task = get(&tx, cx.scope(), task_id).await?;
    let existing = task_dependency::Entity::find_by_id((task_id, depends_on_id))
        .one(&tx)
        .await?
        .ok_or(ApiError::NotFound { entity: "task dependency" })?;
    task_dependency::Entity::delete_by_id((task_id, depends_on_id)).exec(&tx).await?;
    let payload = serde_json::json!({ "dependsOnTaskId": depends_on_id, "kind": existing.kind.to_value() });
    tx.record(Resource::TaskDependency, task_id, Some(&existing), None).await?.about_task(&task).payload(payload);
    tx.commit().await?;
    Ok(task)
}

/// Filter of a task's unfinished `blocks` dependencies (its `blockedBy`).
pub fn blocked_by_filter() -> Filter {
    Filter::default()
        .with(Cond::In(Col::of(task_dependency::Column::Kind), vec![DependencyKind::Blocks.to_value()]))
        .with(Cond::In(Col::of(task::Column::Status), unfinished()))
}

//! Importing a Task Master document into a project, and exporting a project back out.
//!
//! The whole import is one transaction: an error imports nothing. Tasks are matched by project, tag
//! and Task Master id: new ones are created, changed ones updated through [`task::update_in`] (new
//! version, a transition when the status moved, an audit entry), the rest left alone, so importing the
//! same file twice changes nothing the second time. A dry run does all of it and rolls back, so its
//! report is exactly what a real run would do.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::Utc;
use entity::{
    project, task,
    task_dependency::{self, DependencyKind},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder,
};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{Ctx, Resource, Role, Scope, Tx, new_id, sql::Sql},
    work::{
        project as projects,
        task::{self as tasks, NewTask, TaskFields},
        taskmaster::{self, ExportTag, ExportTask, PlannedTask, Problem},
    },
};

/// Where in `projects.settings` the document's shape is kept for export: `tags` (each tag's
/// `metadata`), `order` (tag names as the documents listed them), `tagKeys` (each tag's other keys)
/// and `documentKeys` (a tagged document's keys that are not tags).
const SETTINGS_KEY: &str = "taskmaster";
/// Note recorded on transitions made by an import.
const IMPORT_NOTE: &str = "Task Master import";

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Only these tags (all when `None`).
    pub tags: Option<Vec<String>>,
    /// Report without writing.
    pub dry_run: bool,
    /// Treat warnings (dangling references, cycles, repeated subtask ids) as errors.
    pub strict: bool,
}

/// What an import did (or would do) to one tag.
#[derive(Debug, Clone, Default)]
pub struct TagReport {
    /// The tag.
    pub tag: String,
    /// Task Master ids of the tasks created.
    pub created: Vec<String>,
    /// Task Master ids of the tasks updated.
    pub updated: Vec<String>,
    /// How many tasks were already as the document says.
    pub unchanged: u64,
    /// `blocks` edges added.
    pub dependencies_added: u64,
    /// `blocks` edges removed (between imported tasks, no longer in the document).
    pub dependencies_removed: u64,
}

/// What an import did (or would do).
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// The project imported into.
    pub project: project::Model,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Per tag, in document order.
    pub tags: Vec<TagReport>,
    /// What was left out, with where.
    pub warnings: Vec<Problem>,
}

/// Reports a progress of `done` out of `total` tasks.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// Turns document problems into one `BAD_USER_INPUT` error listing them (at most 50).
pub fn problems_error(problems: &[Problem]) -> ApiError {
    let mut lines: Vec<String> = problems.iter().take(50).map(ToString::to_string).collect();
    if problems.len() > 50 {
        lines.push(format!("... and {} more", problems.len() - 50));
    }
    ApiError::bad_input(format!("the document was not imported ({} problems):\n{}", problems.len(), lines.join("\n")))
}

/// Imports `document` into the organization's project `project_id`. Errors: `FORBIDDEN`, `NOT_FOUND`
/// (project), `BAD_USER_INPUT` (the document's problems, each with its place), `CONFLICT`.
#[tracing::instrument(skip_all, fields(project_id = %project_id))]
pub async fn import(
    cx: Ctx<'_>,
    project_id: Uuid,
    document: &Value,
    options: &ImportOptions,
    progress: Progress<'_>,
) -> ApiResult<ImportReport> {
    let mut tx = cx.begin(Role::Member).await?;
    let project = projects::get(&tx, cx.scope(), project_id).await?;
    let report = import_in(&mut tx, project, document, options, progress).await?;
    finish(tx, options.dry_run).await?;
    Ok(report)
}

/// Imports into the organization's project named `name`, creating it when it does not exist (in the
/// same transaction, so a dry run or a failed import leaves no project behind).
#[tracing::instrument(skip_all, fields(project = %name))]
pub async fn import_by_name(
    cx: Ctx<'_>,
    name: &str,
    document: &Value,
    options: &ImportOptions,
    progress: Progress<'_>,
) -> ApiResult<ImportReport> {
    let mut tx = cx.begin(Role::Member).await?;
    let project = match projects::find_by_name(&tx, cx.scope(), name).await? {
        Some(project) => project,
        None => {
            let fields = projects::ProjectFields { name: Some(name.to_owned()), ..Default::default() };
            projects::insert(&mut tx, fields).await?
        }
    };
    let report = import_in(&mut tx, project, document, options, progress).await?;
    finish(tx, options.dry_run).await?;
    Ok(report)
}

/// Commits (and announces what changed) or, for a dry run, rolls back.
async fn finish(tx: Tx<'_>, dry_run: bool) -> ApiResult<()> {
    if dry_run { tx.rollback().await } else { tx.commit().await }
}

async fn import_in(
    tx: &mut Tx<'_>,
    project: project::Model,
    document: &Value,
    options: &ImportOptions,
    progress: Progress<'_>,
) -> ApiResult<ImportReport> {
    let parsed = taskmaster::parse_document(document, options.tags.as_deref(), options.strict)
        .map_err(|problems| problems_error(&problems))?;
    let total: u64 = parsed.tags.iter().map(|t| t.tasks.len() as u64).sum();
    tracing::info!(project_id = %project.id, tasks = total, dry_run = options.dry_run, "importing Task Master document");
    let mut done = 0;
    let mut reports = Vec::new();
    for plan in &parsed.tags {
        let mut report = TagReport { tag: plan.name.clone(), ..Default::default() };
        let existing: HashMap<String, task::Model> = task::Entity::find()
            .filter(task::Column::ProjectId.eq(project.id))
            .filter(task::Column::Tag.eq(plan.name.as_str()))
            .filter(task::Column::ExternalId.is_not_null())
            .all(&*tx)
            .await?
            .into_iter()
            .filter_map(|t| t.external_id.clone().map(|e| (e, t)))
            .collect();
        let mut ids: HashMap<String, Uuid> = HashMap::new();
        for planned in &plan.tasks {
            let parent_id = planned.parent.as_ref().and_then(|p| ids.get(p).copied());
            match existing.get(&planned.external_id) {
                Some(current) => {
                    ids.insert(planned.external_id.clone(), current.id);
                    let changes = changed_fields(current, &planned.fields);
                    if changes == TaskFields::default() {
                        report.unchanged += 1;
                    } else {
                        tasks::update_current(tx, current.clone(), changes, Some(IMPORT_NOTE.into())).await?;
                        report.updated.push(planned.external_id.clone());
                    }
                }
                None => {
                    let id = new_id();
                    ids.insert(planned.external_id.clone(), id);
                    let new = NewTask {
                        project_id: project.id,
                        parent_id,
                        external_id: Some(planned.external_id.clone()),
                        tag: Some(plan.name.clone()),
                        fields: planned.fields.clone(),
                        placement: None,
                        definition_id: None,
                    };
                    tasks::insert(tx, id, new).await?;
                    report.created.push(planned.external_id.clone());
                }
            }
            done += 1;
            progress(done, total);
        }
        sync_edges(tx, project.id, &plan.name, &plan.tasks, &ids, &mut report).await?;
        reports.push(report);
    }
    let project = store_document_shape(tx, project, &parsed).await?;
    // The document's graph has no cycle; with edges added by hand it still must not have one.
    let edges = tasks::blocking_edges(&*tx, project.id).await?;
    if let Some(cycle) = crate::service::graph::find_cycle(&edges) {
        let names: Vec<String> = cycle.iter().map(Uuid::to_string).collect();
        return Err(ApiError::bad_input(format!(
            "the import would close a dependency cycle with existing dependencies: {}",
            names.join(" -> ")
        )));
    }
    Ok(ImportReport { project, dry_run: options.dry_run, tags: reports, warnings: parsed.warnings })
}

/// The fields of `planned` that differ from `current` (all `None` when nothing does).
fn changed_fields(current: &task::Model, planned: &TaskFields) -> TaskFields {
    fn differs<T: PartialEq + Clone>(planned: &Option<T>, current: Option<&T>) -> Option<T> {
        planned.as_ref().filter(|p| Some(*p) != current).cloned()
    }
    TaskFields {
        title: differs(&planned.title, Some(&current.title)),
        description: differs(&planned.description, Some(&current.description)),
        details: differs(&planned.details, Some(&current.details)),
        test_strategy: differs(&planned.test_strategy, Some(&current.test_strategy)),
        status: differs(&planned.status, Some(&current.status)),
        priority: differs(&planned.priority, Some(&current.priority)),
        complexity: differs(&planned.complexity, Some(&current.complexity)),
        metadata: differs(&planned.metadata, Some(&current.metadata)),
        external_form: differs(&planned.external_form, Some(&current.external_form)),
        ..TaskFields::default()
    }
}

/// Makes the `blocks` edges among the tag's imported tasks those of the document.
async fn sync_edges(
    tx: &mut Tx<'_>,
    project_id: Uuid,
    tag: &str,
    planned: &[PlannedTask],
    ids: &HashMap<String, Uuid>,
    report: &mut TagReport,
) -> ApiResult<()> {
    let desired: HashSet<(Uuid, Uuid)> = planned
        .iter()
        .flat_map(|t| t.depends_on.iter().map(move |d| (&t.external_id, d)))
        .filter_map(|(from, to)| Some((*ids.get(from)?, *ids.get(to)?)))
        .collect();
    let mut sql = Sql::new(
        "SELECT d.* FROM task_dependencies d JOIN tasks t ON t.id = d.task_id WHERE d.kind = 'blocks' AND t.project_id = ",
    );
    sql.bind(project_id).push(" AND t.tag = ").bind(tag.to_owned());
    let current = task_dependency::Model::find_by_statement(sql.build(tx.get_database_backend())).all(tx).await?;
    let imported: HashSet<Uuid> = ids.values().copied().collect();
    let present: HashSet<(Uuid, Uuid)> = current.iter().map(|e| (e.task_id, e.depends_on_id)).collect();
    for edge in current.iter().filter(|e| imported.contains(&e.task_id) && imported.contains(&e.depends_on_id)) {
        if !desired.contains(&(edge.task_id, edge.depends_on_id)) {
            task_dependency::Entity::delete_by_id((edge.task_id, edge.depends_on_id)).exec(tx).await?;
            let payload = serde_json::json!({ "dependsOnTaskId": edge.depends_on_id, "kind": "blocks" });
            tx.record(Resource::TaskDependency, edge.task_id, Some(edge), None)
                .await?
                .task(project_id, edge.task_id)
                .payload(payload);
            report.dependencies_removed += 1;
        }
    }
    let mut missing: Vec<&(Uuid, Uuid)> = desired.iter().filter(|e| !present.contains(e)).collect();
    missing.sort();
    for (from, to) in missing {
        let edge = task_dependency::ActiveModel {
            task_id: Set(*from),
            depends_on_id: Set(*to),
            kind: Set(DependencyKind::Blocks),
            created_at: Set(Utc::now()),
        }
        .insert(tx)
        .await?;
        let payload = serde_json::json!({ "dependsOnTaskId": to, "kind": "blocks" });
        tx.record(Resource::TaskDependency, *from, None, Some(&edge)).await?.task(project_id, *from).payload(payload);
        report.dependencies_added += 1;
    }
    Ok(())
}

/// Keeps what export needs besides the tasks in the project's settings: each tag's `metadata` and
/// other keys, the tags' order (this document's first, then those imported before and not in it) and
/// the document's keys that are not tags.
async fn store_document_shape(
    tx: &mut Tx<'_>,
    project: project::Model,
    parsed: &taskmaster::Parsed,
) -> ApiResult<project::Model> {
    let mut settings = project.settings.clone();
    let known = settings[SETTINGS_KEY]["order"].as_array().cloned().unwrap_or_default();
    let mut order: Vec<Value> = parsed.tags.iter().map(|tag| Value::from(tag.name.as_str())).collect();
    let earlier: Vec<Value> = known.into_iter().filter(|name| !order.contains(name)).collect();
    order.extend(earlier);
    settings[SETTINGS_KEY]["order"] = Value::Array(order);
    for tag in &parsed.tags {
        if let Some(metadata) = &tag.metadata {
            settings[SETTINGS_KEY]["tags"][&tag.name] = metadata.clone();
        }
        if !tag.other.is_empty() {
            settings[SETTINGS_KEY]["tagKeys"][&tag.name] = Value::Object(tag.other.clone());
        }
    }
    if !parsed.other.is_empty() {
        settings[SETTINGS_KEY]["documentKeys"] = Value::Object(parsed.other.clone());
    }
    if settings == project.settings {
        return Ok(project);
    }
    let mut model: project::ActiveModel = project.clone().into();
    model.settings = Set(settings);
    model.updated_at = Set(Utc::now());
    let updated = model.update(tx).await?;
    tx.record(Resource::Project, project.id, Some(&project), Some(&updated)).await?.project(project.id);
    Ok(updated)
}

/// The organization's project `project_id` as a tagged Task Master document (only `only_tags` when
/// given): tags in the order the imported documents listed them (tags made in Docket after them, by
/// name), each task as its document wrote it. Tasks created through the API without a Task Master id
/// get the next free number of their tag (or parent). Errors: `NOT_FOUND`.
pub async fn export(
    db: &impl ConnectionTrait,
    scope: Scope,
    project_id: Uuid,
    only_tags: Option<&[String]>,
) -> ApiResult<Value> {
    let project = projects::get(db, scope, project_id).await?;
    let all = task::Entity::find()
        .filter(task::Column::ProjectId.eq(project_id))
        .order_by_asc(task::Column::Id)
        .all(db)
        .await?;
    let edges = tasks::blocking_edges(db, project_id).await?;
    let mut external: HashMap<Uuid, String> = all.iter().filter_map(|t| Some((t.id, t.external_id.clone()?))).collect();
    assign_missing_ids(&all, &mut external);
    let shape = &project.settings[SETTINGS_KEY];
    let mut tags: Vec<ExportTag> = Vec::new();
    let listed = shape["order"].as_array().into_iter().flatten().filter_map(Value::as_str);
    let made_here: BTreeSet<&str> = all.iter().map(|t| t.tag.as_str()).collect();
    for name in listed.chain(made_here) {
        if tags.iter().any(|t| t.name == name) || only_tags.is_some_and(|only| !only.iter().any(|o| o == name)) {
            continue;
        }
        let other = shape["tagKeys"][name].as_object().cloned().unwrap_or_default();
        tags.push(ExportTag {
            name: name.to_owned(),
            metadata: shape["tags"].get(name).cloned(),
            other,
            tasks: Vec::new(),
        });
    }
    let tag_of: HashMap<Uuid, &str> = all.iter().map(|t| (t.id, t.tag.as_str())).collect();
    for task in &all {
        let Some(tag) = tags.iter_mut().find(|t| t.name == task.tag) else { continue };
        let depends_on = edges
            .get(&task.id)
            .into_iter()
            .flatten()
            .filter(|d| tag_of.get(d) == Some(&task.tag.as_str()))
            .filter_map(|d| external.get(d).cloned())
            .collect();
        tag.tasks.push(ExportTask {
            external_id: external[&task.id].clone(),
            parent: task.parent_id.and_then(|p| external.get(&p).cloned()),
            fields: TaskFields {
                title: Some(task.title.clone()),
                description: Some(task.description.clone()),
                details: Some(task.details.clone()),
                test_strategy: Some(task.test_strategy.clone()),
                status: Some(task.status),
                priority: Some(task.priority),
                complexity: Some(task.complexity),
                metadata: Some(task.metadata.clone()),
                external_form: Some(task.external_form.clone()),
                assignee_id: Some(task.assignee_id),
                assigned_agent: Some(task.assigned_agent.clone()),
                acceptance_criteria: serde_json::from_value(task.acceptance_criteria.clone()).ok(),
                ..TaskFields::default()
            },
            depends_on,
        });
    }
    let other = match (only_tags, shape["documentKeys"].as_object()) {
        (None, Some(keys)) => keys.clone(),
        _ => Default::default(),
    };
    Ok(taskmaster::export(tags, other))
}

fn assign_missing_ids(all: &[task::Model], external: &mut HashMap<Uuid, String>) {
    let mut next: HashMap<(String, Option<Uuid>), u64> = HashMap::new();
    for task in all {
        if let Some(id) = external.get(&task.id) {
            let number = id.rsplit('.').next().and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
            let slot = next.entry((task.tag.clone(), task.parent_id)).or_insert(0);
            *slot = (*slot).max(number);
        }
    }
    // Parents come before their subtasks in id order, so a parent's id is known when needed.
    for task in all {
        if external.contains_key(&task.id) {
            continue;
        }
        let slot = next.entry((task.tag.clone(), task.parent_id)).or_insert(0);
        *slot += 1;
        let id = match task.parent_id.and_then(|p| external.get(&p)) {
            Some(parent) => format!("{parent}.{slot}"),
            None => slot.to_string(),
        };
        external.insert(task.id, id);
    }
}

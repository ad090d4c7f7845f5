//! Task definitions: an organization's reusable task templates, versioned. A definition is a name and
//! its versions: `createTaskDefinition` makes version 1, `updateTaskDefinition` the next version (the
//! earlier ones stay, so that a task keeps pointing at the version that made it). A task made from one
//! has its input checked against the definition's JSON Schema and its fields filled from the defaults
//! (`title` and `description` are Handlebars templates over the input).

use chrono::Utc;
use entity::{task, task_definition};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::Expr,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{
        Ctx, Resource, Role, Scope, new_id,
        page::{self, Col, Cond, CursorKey, Filter, List, ListSpec, Listed, Page, PageArgs},
        require_text, tenant,
    },
    work::{
        project,
        task::{self as tasks, NewTask, Placement, TaskFields},
    },
};

mod spec;

pub use spec::{Defaults, Resources, RetryPolicy};

tenant::tenanted!(task_definition, entity::task_definition::Column::OrganizationId);

/// The organization's task definitions (every version), oldest first.
pub static DEFINITIONS: List =
    List::new(|| ListSpec::root(task_definition::Column::Id, task_definition::Column::OrganizationId));

impl Listed for task_definition::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

/// What a definition holds; on update `None` keeps the value of the version updated.
#[derive(Debug, Default, Clone)]
pub struct DefinitionFields {
    /// Name, 1 to 255 characters, shared by the versions (required on create; not changed by updates).
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// JSON Schema of a task's input (`{}` accepts anything).
    pub input_schema: Option<Value>,
    /// What a task made from it gets.
    pub defaults: Option<Defaults>,
    /// What running it needs.
    pub resources: Option<Resources>,
    /// How a failed run is retried.
    pub retry_policy: Option<RetryPolicy>,
}

/// Which definitions to list.
#[derive(Debug, Default, Clone)]
pub struct DefinitionQuery {
    /// Of this name (every version).
    pub name: Option<String>,
}

impl DefinitionQuery {
    /// The list filter.
    pub fn filter(&self) -> Filter {
        match &self.name {
            Some(name) => Filter::default().with(Cond::Eq(Col::of(task_definition::Column::Name), name.clone())),
            None => Filter::default(),
        }
    }
}

/// Compiles `schema`, without fetching anything it refers to. Errors: `BAD_USER_INPUT`.
fn compile(schema: &Value) -> ApiResult<jsonschema::Validator> {
    jsonschema::validator_for(schema)
        .map_err(|err| ApiError::bad_input(format!("`inputSchema` is not a valid JSON Schema: {err}")))
}

/// The stored columns of `fields` (input schema, defaults, resources, retry policy), checked; what
/// `fields` leaves out comes from `base` (the version updated), else from the defaults.
fn columns(fields: &DefinitionFields, base: Option<&task_definition::Model>) -> ApiResult<[Value; 4]> {
    fn pick<T>(
        given: Option<&T>,
        old: Option<&Value>,
        new: impl Fn(&T) -> ApiResult<Value>,
        empty: Value,
    ) -> ApiResult<Value> {
        match (given, old) {
            (Some(given), _) => new(given),
            (None, Some(old)) => Ok(old.clone()),
            (None, None) => Ok(empty),
        }
    }
    let schema = pick(fields.input_schema.as_ref(), base.map(|b| &b.input_schema), |s| Ok(s.clone()), json!({}))?;
    compile(&schema)?;
    Ok([
        schema,
        pick(fields.defaults.as_ref(), base.map(|b| &b.defaults), Defaults::checked, json!({}))?,
        pick(fields.resources.as_ref(), base.map(|b| &b.resources), Resources::checked, json!({}))?,
        pick(
            fields.retry_policy.as_ref(),
            base.map(|b| &b.retry_policy),
            RetryPolicy::checked,
            RetryPolicy::default().checked()?,
        )?,
    ])
}

/// The row of a definition's version: `columns` are the input schema, defaults, resources and retry
/// policy as [`columns`] gives them.
fn new_version(
    organization_id: Uuid,
    name: String,
    version: i32,
    description: Option<String>,
    [input_schema, defaults, resources, retry_policy]: [Value; 4],
) -> task_definition::ActiveModel {
    task_definition::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(organization_id),
        name: Set(name),
        version: Set(version),
        description: Set(description),
        input_schema: Set(input_schema),
        defaults: Set(defaults),
        resources: Set(resources),
        retry_policy: Set(retry_policy),
        created_at: Set(Utc::now()),
    }
}

async fn latest_version(db: &impl ConnectionTrait, scope: Scope, name: &str) -> ApiResult<Option<i32>> {
    Ok(task_definition::Entity::find()
        .select_only()
        .column_as(task_definition::Column::Version.max(), "latest")
        .filter(task_definition::Column::OrganizationId.eq(scope.organization_id))
        .filter(task_definition::Column::Name.eq(name))
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten())
}

/// Creates version 1 of a definition. Errors: `FORBIDDEN`, `BAD_USER_INPUT`, `CONFLICT` (the name
/// exists: update it for a new version).
#[tracing::instrument(skip_all)]
pub async fn create(cx: Ctx<'_>, fields: DefinitionFields) -> ApiResult<task_definition::Model> {
    let Some(name) = fields.name.clone() else { return Err(ApiError::bad_input("`name` is required")) };
    require_text("name", &name, 255)?;
    let columns = columns(&fields, None)?;
    let mut tx = cx.begin(Role::Member).await?;
    if latest_version(&tx, cx.scope(), &name).await?.is_some() {
        return Err(ApiError::Conflict(
            "a task definition with this `name` exists: update it for a new version".into(),
        ));
    }
    let created = new_version(cx.scope().organization_id, name, 1, fields.description, columns)
        .insert(&tx)
        .await
        .map_err(|err| ApiError::unique(err, "a task definition with this `name` and version exists"))?;
    tx.record(Resource::TaskDefinition, created.id, None, Some(&created)).await?;
    tx.commit().await?;
    Ok(created)
}

/// Makes the next version of the definition whose version `id` is given: its fields, changed by
/// `fields` (the name stays). Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT` (another
/// update made the same version first).
#[tracing::instrument(skip_all, fields(definition_id = %id))]
pub async fn update(cx: Ctx<'_>, id: Uuid, fields: DefinitionFields) -> ApiResult<task_definition::Model> {
    if fields.name.is_some() {
        return Err(ApiError::bad_input("a definition's `name` cannot change: create another definition"));
    }
    let mut tx = cx.begin(Role::Member).await?;
    let base = get(&tx, cx.scope(), id).await?;
    let columns = columns(&fields, Some(&base))?;
    let version = latest_version(&tx, cx.scope(), &base.name).await?.unwrap_or(base.version) + 1;
    let description = fields.description.or(base.description.clone());
    let created = new_version(base.organization_id, base.name.clone(), version, description, columns)
        .insert(&tx)
        .await
        .map_err(|err| ApiError::unique(err, "another update made this version first; retry"))?;
    tx.record(Resource::TaskDefinition, created.id, None, Some(&created))
        .await?
        .verb("updated")
        .payload(json!({ "name": created.name, "version": version, "basedOnId": id }));
    tx.commit().await?;
    Ok(created)
}

/// Deletes version `id` of a definition; the tasks it made keep their fields and lose the link.
/// Errors: `FORBIDDEN`, `NOT_FOUND`.
#[tracing::instrument(skip_all, fields(definition_id = %id))]
pub async fn delete(cx: Ctx<'_>, id: Uuid) -> ApiResult<()> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    task::Entity::update_many()
        .col_expr(task::Column::DefinitionId, Expr::value(Option::<Uuid>::None))
        .filter(task::Column::DefinitionId.eq(id))
        .exec(&tx)
        .await?;
    task_definition::Entity::delete_by_id(id).exec(&tx).await?;
    tx.record(Resource::TaskDefinition, id, Some(&current), None)
        .await?
        .payload(json!({ "name": current.name, "version": current.version }));
    tx.commit().await?;
    Ok(())
}

/// The definition version `id` of the scope's organization. Errors: `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> ApiResult<task_definition::Model> {
    tenant::row::<task_definition::Entity>(db, scope, id).await?.ok_or(ApiError::NotFound { entity: "task definition" })
}

/// One page of the organization's definitions narrowed by `query`, oldest first.
pub async fn list(
    cx: Ctx<'_>,
    query: &DefinitionQuery,
    args: &PageArgs,
    fields: &page::Fields,
) -> ApiResult<Page<task_definition::Model>> {
    page::page(cx.reads, cx.scope(), &DEFINITIONS, &query.filter(), args, fields).await
}

/// How many definitions (versions) `query` keeps.
pub async fn count(cx: Ctx<'_>, query: &DefinitionQuery) -> ApiResult<i64> {
    page::count(cx.reads, cx.scope(), &DEFINITIONS, &query.filter()).await
}

/// A task to make from a definition.
#[derive(Debug, Clone)]
pub struct FromDefinition {
    /// The definition version.
    pub definition_id: Uuid,
    /// The project of the task.
    pub project_id: Uuid,
    /// Its place in a workflow of the project, if any.
    pub placement: Option<Placement>,
    /// The input, checked against the definition's schema; it becomes the task's `context`.
    pub input: Value,
}

/// Makes a task from a definition: the input checked against its JSON Schema, the fields from its
/// defaults (templates rendered over the input), `context` the input, and the definition recorded.
/// Errors: `FORBIDDEN`, `NOT_FOUND` (definition, project, workflow, phase), `BAD_USER_INPUT` (the input
/// does not match the schema, naming the path as a JSON Pointer; a template names a field the input
/// lacks).
#[tracing::instrument(skip_all, fields(definition_id = %new.definition_id))]
pub async fn create_task(cx: Ctx<'_>, new: FromDefinition) -> ApiResult<task::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let definition = get(&tx, cx.scope(), new.definition_id).await?;
    project::get(&tx, cx.scope(), new.project_id).await?;
    let validator = compile(&definition.input_schema)?;
    if let Some(err) = validator.iter_errors(&new.input).next() {
        let path = err.instance_path().to_string();
        let path = if path.is_empty() { "/".to_owned() } else { path };
        return Err(ApiError::bad_input(format!("`input` does not match the definition's schema at {path}: {err}")));
    }
    let defaults: Defaults = serde_json::from_value(definition.defaults.clone()).unwrap_or_default();
    let fields = TaskFields {
        title: Some(defaults.render_title(&definition.name, &new.input)?),
        description: defaults.render_description(&new.input)?.map(Some),
        priority: defaults.priority,
        tags: defaults.tags.clone(),
        estimated_hours: defaults.estimated_hours,
        acceptance_criteria: defaults.acceptance_criteria.clone(),
        context: Some(if new.input.is_object() { new.input.clone() } else { json!({ "input": new.input }) }),
        ..TaskFields::default()
    };
    let task = NewTask {
        project_id: new.project_id,
        parent_id: None,
        external_id: None,
        tag: None,
        fields,
        placement: new.placement,
        definition_id: Some(definition.id),
    };
    let created = tasks::insert(&mut tx, new_id(), task).await?;
    tx.commit().await?;
    Ok(created)
}

//! Projects: create, read, update, delete, list, with audit entries; each in its organization,
//! `name` unique there.

use chrono::Utc;
use entity::{project, workspace};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, sea_query::Expr,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{
        Ctx, Resource, Role, Scope, Tx, new_id,
        page::{self, CursorKey, Filter, List, ListSpec, Listed, Page, PageArgs},
        require_object, require_text, tenant,
    },
};

tenant::tenanted!(project, entity::project::Column::OrganizationId);

/// The organization's projects, oldest first.
pub static PROJECTS: List = List::new(|| ListSpec::root(project::Column::Id, project::Column::OrganizationId));

impl Listed for project::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

/// Fields of a project; on update `None` leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct ProjectFields {
    /// Unique name, 1 to 255 characters (required on create).
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Repository URL.
    pub repository_url: Option<String>,
    /// Repository name.
    pub repository_name: Option<String>,
    /// Default branch; `main` when absent on create.
    pub default_branch: Option<String>,
    /// Settings object.
    pub settings: Option<Value>,
}

fn name_taken(err: DbErr) -> ApiError {
    ApiError::unique(err, "a project with this `name` already exists")
}

fn apply(model: &mut project::ActiveModel, fields: ProjectFields) -> ApiResult<()> {
    if let Some(name) = fields.name {
        require_text("name", &name, 255)?;
        model.name = Set(name);
    }
    if let Some(description) = fields.description {
        model.description = Set(Some(description));
    }
    if let Some(url) = fields.repository_url {
        require_text("repositoryUrl", &url, 500)?;
        model.repository_url = Set(Some(url));
    }
    if let Some(name) = fields.repository_name {
        require_text("repositoryName", &name, 255)?;
        model.repository_name = Set(Some(name));
    }
    if let Some(branch) = fields.default_branch {
        require_text("defaultBranch", &branch, 100)?;
        model.default_branch = Set(branch);
    }
    if let Some(settings) = fields.settings {
        require_object("settings", &settings)?;
        model.settings = Set(settings);
    }
    Ok(())
}

/// Creates a project in `tx`'s organization and audits it. Errors: `BAD_USER_INPUT`, `CONFLICT`
/// (name taken in the organization).
pub async fn insert(tx: &mut Tx<'_>, fields: ProjectFields) -> ApiResult<project::Model> {
    let Some(name) = fields.name.clone() else {
        return Err(ApiError::bad_input("`name` is required"));
    };
    let now = Utc::now();
    let mut model = project::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(tx.viewer().organization_id),
        name: Set(name),
        description: Set(None),
        repository_url: Set(None),
        repository_name: Set(None),
        default_branch: Set("main".into()),
        settings: Set(json!({})),
        created_at: Set(now),
        updated_at: Set(now),
    };
    apply(&mut model, fields)?;
    let created = model.insert(&*tx).await.map_err(name_taken)?;
    tx.record(Resource::Project, created.id, None, Some(&created)).await?.project(created.id);
    Ok(created)
}

/// Creates a project. Errors: `FORBIDDEN`, `BAD_USER_INPUT`, `CONFLICT` (name taken).
#[tracing::instrument(skip_all)]
pub async fn create(cx: Ctx<'_>, fields: ProjectFields) -> ApiResult<project::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let created = insert(&mut tx, fields).await?;
    tx.commit().await?;
    Ok(created)
}

/// The project `id` of the scope's organization. Errors: `NOT_FOUND` (also for another
/// organization's).
pub async fn get(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> ApiResult<project::Model> {
    tenant::row::<project::Entity>(db, scope, id).await?.ok_or(ApiError::NotFound { entity: "project" })
}

/// The organization's project named `name`, if any.
pub async fn find_by_name(db: &impl ConnectionTrait, scope: Scope, name: &str) -> ApiResult<Option<project::Model>> {
    Ok(project::Entity::find()
        .filter(project::Column::OrganizationId.eq(scope.organization_id))
        .filter(project::Column::Name.eq(name))
        .one(db)
        .await?)
}

/// Applies `fields` to project `id`. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`.
#[tracing::instrument(skip_all, fields(project_id = %id))]
pub async fn update(cx: Ctx<'_>, id: Uuid, fields: ProjectFields) -> ApiResult<project::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    let mut model: project::ActiveModel = current.clone().into();
    apply(&mut model, fields)?;
    model.updated_at = Set(Utc::now());
    let updated = model.update(&tx).await.map_err(name_taken)?;
    tx.record(Resource::Project, id, Some(&current), Some(&updated)).await?.project(id);
    tx.commit().await?;
    Ok(updated)
}

/// Deletes project `id` with its tasks (cascade); its workspaces stay, unlinked.
/// Errors: `FORBIDDEN`, `NOT_FOUND`.
#[tracing::instrument(skip_all, fields(project_id = %id))]
pub async fn delete(cx: Ctx<'_>, id: Uuid) -> ApiResult<()> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    workspace::Entity::update_many()
        .col_expr(workspace::Column::ProjectId, Expr::value(Option::<Uuid>::None))
        .filter(workspace::Column::ProjectId.eq(id))
        .exec(&tx)
        .await?;
    project::Entity::delete_by_id(id).exec(&tx).await?;
    let payload = json!({ "name": current.name });
    tx.record(Resource::Project, id, Some(&current), None).await?.project(id).payload(payload);
    tx.commit().await?;
    Ok(())
}

/// One page of the organization's projects.
pub async fn list(cx: Ctx<'_>, args: &PageArgs, fields: &page::Fields) -> ApiResult<Page<project::Model>> {
    page::page(cx.reads, cx.scope(), &PROJECTS, &Filter::default(), args, fields).await
}

/// How many projects the organization has.
pub async fn count(cx: Ctx<'_>) -> ApiResult<i64> {
    page::count(cx.reads, cx.scope(), &PROJECTS, &Filter::default()).await
}

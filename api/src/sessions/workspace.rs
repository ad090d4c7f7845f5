//! Workspaces: create, read, update, delete, list; each in its organization, `path` unique there.

use chrono::Utc;
use entity::workspace;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{
        Ctx, Resource, Role, Scope, new_id,
        page::{self, CursorKey, Filter, List, ListSpec, Listed, Page, PageArgs},
        require_object, require_text,
        tenant::{self, Owned},
    },
};

tenant::tenanted!(workspace, entity::workspace::Column::OrganizationId);

/// A project's workspaces, oldest first.
pub static WORKSPACES_OF_PROJECT: List = List::new(|| {
    ListSpec::child(workspace::Column::ProjectId, workspace::Column::Id, Owned::of::<entity::project::Entity>())
});

/// The organization's workspaces, oldest first.
pub static WORKSPACES: List = List::new(|| ListSpec::root(workspace::Column::Id, workspace::Column::OrganizationId));

impl Listed for workspace::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

/// Fields of a new workspace.
#[derive(Debug)]
pub struct NewWorkspace {
    /// Display name, 1 to 255 characters.
    pub name: String,
    /// Unique path of the source tree.
    pub path: String,
    /// Configuration object; `{}` when absent.
    pub config: Option<serde_json::Value>,
    /// The project the workspace belongs to.
    pub project_id: Option<Uuid>,
}

/// Changes to a workspace; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct WorkspaceChanges {
    /// New display name.
    pub name: Option<String>,
    /// New unique path.
    pub path: Option<String>,
    /// New configuration object (replaces the old one).
    pub config: Option<serde_json::Value>,
    /// New project: `Some(Some(id))` links, `Some(None)` unlinks.
    pub project_id: Option<Option<Uuid>>,
}

fn path_taken(err: DbErr) -> ApiError {
    ApiError::unique(err, "a workspace with this `path` already exists")
}

/// Creates a workspace in the viewer's organization. Errors: `FORBIDDEN` (below member),
/// `BAD_USER_INPUT` (empty name or path, config not an object), `NOT_FOUND` (project), `CONFLICT`
/// (path taken in the organization).
#[tracing::instrument(skip_all)]
pub async fn create(cx: Ctx<'_>, input: NewWorkspace) -> ApiResult<workspace::Model> {
    require_text("name", &input.name, 255)?;
    require_text("path", &input.path, 4096)?;
    let config = input.config.unwrap_or_else(|| serde_json::json!({}));
    require_object("config", &config)?;
    let now = Utc::now();
    let mut tx = cx.begin(Role::Member).await?;
    if let Some(project) = input.project_id {
        crate::work::project::get(&tx, cx.scope(), project).await?;
    }
    let created = workspace::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(cx.scope().organization_id),
        name: Set(input.name),
        path: Set(input.path),
        config: Set(config),
        created_at: Set(now),
        updated_at: Set(now),
        project_id: Set(input.project_id),
    }
    .insert(&tx)
    .await
    .map_err(path_taken)?;
    tx.record(Resource::Workspace, created.id, None, Some(&created)).await?.workspace(created.id);
    tx.commit().await?;
    Ok(created)
}

/// The workspace `id` of the scope's organization. Errors: `NOT_FOUND` (also for another
/// organization's).
pub async fn get(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> ApiResult<workspace::Model> {
    tenant::row::<workspace::Entity>(db, scope, id).await?.ok_or(ApiError::NotFound { entity: "workspace" })
}

/// The organization's workspace at `path`, if any.
pub async fn find_by_path(cx: Ctx<'_>, path: &str) -> ApiResult<Option<workspace::Model>> {
    Ok(workspace::Entity::find()
        .filter(workspace::Column::OrganizationId.eq(cx.scope().organization_id))
        .filter(workspace::Column::Path.eq(path))
        .one(cx.reads)
        .await?)
}

/// Applies `changes` to workspace `id`. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`
/// (path taken).
#[tracing::instrument(skip_all, fields(workspace_id = %id))]
pub async fn update(cx: Ctx<'_>, id: Uuid, changes: WorkspaceChanges) -> ApiResult<workspace::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    let mut model: workspace::ActiveModel = current.clone().into();
    if let Some(name) = changes.name {
        require_text("name", &name, 255)?;
        model.name = Set(name);
    }
    if let Some(path) = changes.path {
        require_text("path", &path, 4096)?;
        model.path = Set(path);
    }
    if let Some(config) = changes.config {
        require_object("config", &config)?;
        model.config = Set(config);
    }
    if let Some(project) = changes.project_id {
        if let Some(id) = project {
            crate::work::project::get(&tx, cx.scope(), id).await?;
        }
        model.project_id = Set(project);
    }
    model.updated_at = Set(Utc::now());
    let updated = model.update(&tx).await.map_err(path_taken)?;
    tx.record(Resource::Workspace, id, Some(&current), Some(&updated)).await?.workspace(id);
    tx.commit().await?;
    Ok(updated)
}

/// Deletes workspace `id` with its sessions, todos and events (cascade). Errors: `FORBIDDEN`,
/// `NOT_FOUND`.
#[tracing::instrument(skip_all, fields(workspace_id = %id))]
pub async fn delete(cx: Ctx<'_>, id: Uuid) -> ApiResult<()> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    workspace::Entity::delete_by_id(id).exec(&tx).await?;
    tx.record(Resource::Workspace, id, Some(&current), None).await?.workspace(id);
    tx.commit().await?;
    Ok(())
}

/// One page of the organization's workspaces.
pub async fn list(cx: Ctx<'_>, args: &PageArgs, fields: &page::Fields) -> ApiResult<Page<workspace::Model>> {
    page::page(cx.reads, cx.scope(), &WORKSPACES, &Filter::default(), args, fields).await
}

/// How many workspaces the organization has.
pub async fn count(cx: Ctx<'_>) -> ApiResult<i64> {
    page::count(cx.reads, cx.scope(), &WORKSPACES, &Filter::default()).await
}

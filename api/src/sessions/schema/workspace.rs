//! `Workspace` and its inputs and payloads.

use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{project, workspace};
use serde_json::Value;

use crate::{
    graphql::{
        connection::{Conn, PlainFields, json, optional, page_args, scalar, text},
        loaders::SessionsOfWorkspace,
        prefetch::{Level, Prefetch, field},
        relations::{by_id, child_connection},
        to_id,
    },
    service::page::Filter,
    sessions::{
        schema::session::{DocumentationSession, SessionStatus},
        session::SessionQuery,
    },
    work::schema::project::Project,
};

/// The GraphQL object of a workspace row (described on its `impl`).
pub struct Workspace(pub workspace::Model);

impl PlainFields for Workspace {
    fn plain(&self, name: &str) -> Option<async_graphql::Value> {
        let m = &self.0;
        Some(match name {
            "id" => scalar(to_id(m.id)),
            "name" => text(&m.name),
            "path" => text(&m.path),
            "config" => json(&m.config),
            "projectId" => optional(m.project_id.map(to_id)),
            "createdAt" => scalar(m.created_at),
            "updatedAt" => scalar(m.updated_at),
            _ => return None,
        })
    }
}

/// A source tree that documentation sessions work on, identified by its unique `path`.
#[Object]
impl Workspace {
    /// Server-generated id (a UUIDv7).
    pub async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Display name, 1 to 255 characters.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Filesystem path or URL of the tree; unique among workspaces.
    async fn path(&self) -> &str {
        &self.0.path
    }
    /// Free-form configuration object.
    async fn config(&self) -> Json<&Value> {
        Json(&self.0.config)
    }
    /// Id of the project the workspace belongs to, if any.
    async fn project_id(&self) -> Option<ID> {
        self.0.project_id.map(to_id)
    }
    /// The project the workspace belongs to, if any.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        let Some(project) = self.0.project_id else { return Ok(None) };
        Ok(by_id::<project::Entity, Project>(ctx, project).await?.map(Project))
    }
    /// When the workspace was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the workspace last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The workspace's documentation sessions, oldest first, optionally only those in `status`.
    /// Pages hold 50 items by default and 100 at most.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        status: Option<Vec<SessionStatus>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<DocumentationSession>> {
        let args = page_args(first, after, last, before)?;
        child_connection::<SessionsOfWorkspace, _>(ctx, self.0.id, sessions_filter(status), args, DocumentationSession)
            .await
    }
}

/// The filter of `Workspace.sessions`.
fn sessions_filter(status: Option<Vec<SessionStatus>>) -> Filter {
    SessionQuery { status: status.map(|s| s.into_iter().map(Into::into).collect()) }.filter()
}

impl Prefetch for Workspace {
    type Row = workspace::Model;
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        level.connection::<SessionsOfWorkspace, DocumentationSession>(
            &field!(Self, sessions),
            |w| w.id,
            |args| Ok(Some(sessions_filter(args.get("status")?))),
        );
        level.by_id::<project::Entity, Project>(&field!(Self, project), |w| w.project_id);
    }
}

/// Input of `createWorkspace`.
#[derive(InputObject)]
pub struct CreateWorkspaceInput {
    /// Display name, 1 to 255 characters.
    pub name: String,
    /// Unique path of the tree.
    pub path: String,
    /// Configuration object; `{}` when omitted.
    pub config: Option<Json<Value>>,
    /// The project it belongs to.
    pub project_id: Option<ID>,
}

/// Input of `updateWorkspace`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateWorkspaceInput {
    /// The workspace to change.
    pub id: ID,
    /// New display name.
    pub name: Option<String>,
    /// New unique path.
    pub path: Option<String>,
    /// New configuration object (replaces the old one).
    pub config: Option<Json<Value>>,
    /// New project to link the workspace to.
    pub project_id: Option<ID>,
    /// `true` unlinks the workspace from its project. (Not `projectId: null`: an unset variable reads
    /// as `null`, and unlinking must never happen by accident.)
    pub remove_from_project: Option<bool>,
}

/// Input of `deleteWorkspace`.
#[derive(InputObject)]
pub struct DeleteWorkspaceInput {
    /// The workspace to delete, with all its sessions.
    pub id: ID,
}

/// Result of `createWorkspace`.
#[derive(SimpleObject)]
pub struct CreateWorkspacePayload {
    /// The new workspace.
    pub workspace: Workspace,
}

/// Result of `updateWorkspace`.
#[derive(SimpleObject)]
pub struct UpdateWorkspacePayload {
    /// The workspace as it is now.
    pub workspace: Workspace,
}

/// Result of `deleteWorkspace`.
#[derive(SimpleObject)]
pub struct DeleteWorkspacePayload {
    /// Id of the deleted workspace.
    pub deleted_id: ID,
}

//! `Workspace` and its inputs and payloads.

use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{project, workspace};
use serde_json::Value;

use crate::{
    graphql::{
        object::object,
        prefetch::{Level, Prefetch, field},
        relations::by_id,
        to_id,
    },
    service::page::Filter,
    sessions::{
        schema::session::{DocumentationSession, SessionStatus},
        session::SessionQuery,
    },
    work::schema::project::Project,
};

crate::graphql::loaders::child_list!(
    /// `Workspace.sessions`.
    SessionsOfWorkspace: entity::documentation_session::Model = crate::sessions::session::SESSIONS_OF_WORKSPACE
);

object! {
    /// A source tree that documentation sessions work on, identified by its unique `path`.
    #[Object]
    impl Workspace(workspace::Model) |m| {
        /// Server-generated id (a UUIDv7).
        id: ID = to_id(m.id),
        /// Display name, 1 to 255 characters.
        name: &str = &m.name,
        /// Filesystem path or URL of the tree; unique among workspaces.
        path: &str = &m.path,
        /// Free-form configuration object.
        config: Json<&Value> = Json(&m.config),
        /// Id of the project the workspace belongs to, if any.
        project_id: Option<ID> = m.project_id.map(to_id),
        /// When the workspace was created.
        created_at: DateTime<Utc> = m.created_at,
        /// When the workspace last changed.
        updated_at: DateTime<Utc> = m.updated_at,
    }
    connections {
        /// The workspace's documentation sessions, oldest first, optionally only those in `status`.
        sessions(status: Option<Vec<SessionStatus>>) -> DocumentationSession
            = SessionsOfWorkspace(m.id, sessions_filter(status)),
    }
    resolvers {
        /// The project the workspace belongs to, if any.
        async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
            let Some(project) = self.0.project_id else { return Ok(None) };
            Ok(by_id::<project::Entity, Project>(ctx, project).await?.map(Project))
        }
    }
}

/// The filter of `Workspace.sessions`.
fn sessions_filter(status: Option<Vec<SessionStatus>>) -> Filter {
    SessionQuery { status: status.map(|s| s.into_iter().map(Into::into).collect()) }.filter()
}

impl Prefetch for Workspace {
    type Row = workspace::Model;
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        Self::connections_ahead(level);
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

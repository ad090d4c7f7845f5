//! Tenancy, in one place: how the rows of each table reach their organization, and the lookups that
//! use it. Every read of the service layer goes through these conditions, so that a row of another
//! organization behaves exactly like a row that does not exist:
//!
//! - a lookup by id ([`row`], [`rows`]) finds only rows of the scope's organization;
//! - a root list (all workspaces, all projects, the audit log) adds `t.organization_id = $org`;
//! - a child list (a workspace's sessions, a task's dependencies) keeps only the parents of the
//!   organization, and reaches no other rows: every link between rows (a dependency, a pull-request
//!   link, a workspace's project) is checked to stay within one organization when it is written.
//!
//! Workspaces, projects, audit entries, log events and webhooks carry `organization_id`; every other
//! table reaches it through its parents (a todo through its session and workspace, an execution
//! through its task and project, a webhook's delivery through its webhook).

use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use super::{sql::Sql, viewer::Scope};
use crate::error::ApiResult;

/// A table whose rows belong to an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Owned {
    /// `workspaces` (`organization_id`).
    Workspaces,
    /// `projects` (`organization_id`).
    Projects,
    /// `documentation_sessions`, through their workspace.
    Sessions,
    /// `session_todos`, through their session.
    Todos,
    /// `session_events`, through their session.
    Events,
    /// `tasks`, through their project.
    Tasks,
    /// `task_executions`, through their task.
    Executions,
    /// `task_state_transitions`, through their task.
    Transitions,
    /// `pull_requests`, through their project.
    PullRequests,
    /// `audit_log` (`organization_id`).
    AuditLog,
    /// `events`, the organization's event log (`organization_id`).
    LogEvents,
    /// `webhooks` (`organization_id`).
    Webhooks,
}

impl Owned {
    /// `FROM` clause naming the table `x`, joined up to the row that holds `organization_id`.
    pub fn from(self) -> &'static str {
        match self {
            Self::Workspaces => "workspaces x",
            Self::Projects => "projects x",
            Self::AuditLog => "audit_log x",
            Self::LogEvents => "events x",
            Self::Webhooks => "webhooks x",
            Self::Sessions => "documentation_sessions x JOIN workspaces w ON w.id = x.workspace_id",
            Self::Todos => {
                "session_todos x JOIN documentation_sessions s ON s.id = x.session_id \
                 JOIN workspaces w ON w.id = s.workspace_id"
            }
            Self::Events => {
                "session_events x JOIN documentation_sessions s ON s.id = x.session_id \
                 JOIN workspaces w ON w.id = s.workspace_id"
            }
            Self::Tasks => "tasks x JOIN projects p ON p.id = x.project_id",
            Self::PullRequests => "pull_requests x JOIN projects p ON p.id = x.project_id",
            Self::Executions => {
                "task_executions x JOIN tasks k ON k.id = x.task_id JOIN projects p ON p.id = k.project_id"
            }
            Self::Transitions => {
                "task_state_transitions x JOIN tasks k ON k.id = x.task_id JOIN projects p ON p.id = k.project_id"
            }
        }
    }

    /// The column of [`Owned::from`] that holds the organization.
    pub fn organization(self) -> &'static str {
        match self {
            Self::Workspaces | Self::Projects | Self::AuditLog | Self::LogEvents | Self::Webhooks => {
                "x.organization_id"
            }
            Self::Sessions | Self::Todos | Self::Events => "w.organization_id",
            Self::Tasks | Self::PullRequests | Self::Executions | Self::Transitions => "p.organization_id",
        }
    }

    /// Appends `(SELECT x.id FROM ... WHERE x.id IN (ids) AND <organization> = $org)`: those of `ids`
    /// that are rows of the scope's organization.
    pub fn push_ids_in(self, sql: &mut Sql, scope: Scope, ids: &[Uuid]) {
        sql.push("(SELECT x.id FROM ").push(self.from()).push(" WHERE x.id IN ");
        sql.bind_list(ids.iter().copied()).push(" AND ").push(self.organization()).push(" = ");
        sql.bind(scope.organization_id).push(")");
    }
}

/// The rows of `table` among `ids` that belong to the scope's organization, in no particular order.
pub async fn rows<M: FromQueryResult>(
    db: &impl ConnectionTrait,
    scope: Scope,
    table: Owned,
    ids: &[Uuid],
) -> ApiResult<Vec<M>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT x.* FROM ");
    sql.push(table.from()).push(" WHERE x.id IN ").bind_list(ids.iter().copied());
    sql.push(" AND ").push(table.organization()).push(" = ").bind(scope.organization_id);
    Ok(M::find_by_statement(sql.build(db.get_database_backend())).all(db).await?)
}

/// The row `id` of `table` if it belongs to the scope's organization.
pub async fn row<M: FromQueryResult>(
    db: &impl ConnectionTrait,
    scope: Scope,
    table: Owned,
    id: Uuid,
) -> ApiResult<Option<M>> {
    Ok(rows(db, scope, table, &[id]).await?.into_iter().next())
}

/// Which of `ids` are rows of the scope's organization in one of `tables`, and of which table, in
/// one statement (`UNION ALL` of the tables' tenant conditions). Ids are UUIDv7, unique across
/// tables, so an id names at most one row; ids of another organization, or of none, are absent.
pub async fn tables_of(
    db: &impl ConnectionTrait,
    scope: Scope,
    tables: &[Owned],
    ids: &[Uuid],
) -> ApiResult<Vec<(Uuid, Owned)>> {
    if ids.is_empty() || tables.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("");
    for (i, table) in tables.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT x.id AS id, ").push(&i.to_string()).push(" AS tbl FROM ").push(table.from());
        sql.push(" WHERE x.id IN ").bind_list(ids.iter().copied()).push(" AND ").push(table.organization());
        sql.push(" = ").bind(scope.organization_id);
    }
    let mut found = Vec::new();
    for row in db.query_all_raw(sql.build(db.get_database_backend())).await? {
        let index: i32 = row.try_get("", "tbl")?;
        found.push((row.try_get::<Uuid>("", "id")?, tables[index as usize]));
    }
    Ok(found)
}

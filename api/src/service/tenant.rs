//! Tenancy, in one place: how the rows of each table reach their organization, and the lookups that
//! use it. Every read of the service layer goes through these conditions, so that a row of another
//! organization behaves exactly like a row that does not exist:
//!
//! - a lookup by id ([`row`], [`rows`]) finds only rows of the scope's organization;
//! - a root list (all workspaces, all projects, the audit log) adds `<table>.organization_id = $org`;
//! - a child list (a workspace's sessions, a task's dependencies) keeps only the parents of the
//!   organization, and reaches no other rows: every link between rows (a dependency, a pull-request
//!   link, a workspace's project) is checked to stay within one organization when it is written.
//!
//! Workspaces, projects, audit entries, log events, event types and webhooks carry `organization_id`; every other
//! table reaches it through its parents (a todo through its session and workspace, an execution
//! through its task and project), along the relations its entity declares ([`Owned::path`]).
//! [`scoped`] gives the organization-scoped select of an entity; [`Owned::ids`] the same as a
//! subquery of ids, for the statements written by hand (pages of many parents, counts).

use entity::{
    audit_log, documentation_session, event, event_type, project, pull_request, session_event, session_todo, task,
    task_execution, task_state_transition, webhook, workspace,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QuerySelect, QueryTrait,
    RelationDef, RelationTrait, Select,
    sea_query::{Expr, ExprTrait, SelectStatement},
};
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
    /// `event_types`, the organization's registered event types (`organization_id`).
    EventTypes,
}

/// An entity whose rows belong to an organization: its table is [`Owned`] `TABLE`, and
/// [`scoped`] is the way to read it.
pub trait Tenanted: EntityTrait<Model: FromQueryResult + Clone + Send + Sync> {
    /// Its table.
    const TABLE: Owned;
    /// Its `id` column.
    const ID: Self::Column;
    /// The id of a row.
    fn id_of(model: &Self::Model) -> Uuid;
}

/// Each owned table's entity; the selects that need the entity's own type are generated from it.
macro_rules! owned_entities {
    ($($variant:ident => $entity:ident),* $(,)?) => {
        $(impl Tenanted for $entity::Entity {
            const TABLE: Owned = Owned::$variant;
            const ID: Self::Column = $entity::Column::Id;
            fn id_of(model: &Self::Model) -> Uuid {
                model.id
            }
        })*

        impl Owned {
            /// The ids of the scope's rows of this table among `ids` (every one when `ids` is `None`).
            fn select(self, scope: Scope, ids: Option<&[Uuid]>) -> SelectStatement {
                match self {
                    $(Self::$variant => {
                        let mut select = scoped::<$entity::Entity>(scope);
                        if let Some(ids) = ids {
                            select = select.filter($entity::Column::Id.is_in(ids.iter().copied()));
                        }
                        select.select_only().column($entity::Column::Id).into_query()
                    })*
                }
            }
        }
    };
}

owned_entities!(
    Workspaces => workspace,
    Projects => project,
    Sessions => documentation_session,
    Todos => session_todo,
    Events => session_event,
    Tasks => task,
    Executions => task_execution,
    Transitions => task_state_transition,
    PullRequests => pull_request,
    AuditLog => audit_log,
    LogEvents => event,
    Webhooks => webhook,
    EventTypes => event_type,
);

impl Owned {
    /// The entities' relations from this table up to the one that holds `organization_id`, in order.
    pub fn path(self) -> Vec<RelationDef> {
        match self {
            Self::Workspaces
            | Self::Projects
            | Self::AuditLog
            | Self::LogEvents
            | Self::Webhooks
            | Self::EventTypes => Vec::new(),
            Self::Sessions => vec![documentation_session::Relation::Workspace.def()],
            Self::Todos => {
                vec![
                    session_todo::Relation::DocumentationSession.def(),
                    documentation_session::Relation::Workspace.def(),
                ]
            }
            Self::Events => vec![
                session_event::Relation::DocumentationSession.def(),
                documentation_session::Relation::Workspace.def(),
            ],
            Self::Tasks => vec![task::Relation::Project.def()],
            Self::PullRequests => vec![pull_request::Relation::Project.def()],
            Self::Executions => vec![task_execution::Relation::Task.def(), task::Relation::Project.def()],
            Self::Transitions => vec![task_state_transition::Relation::Task.def(), task::Relation::Project.def()],
        }
    }

    /// The column, at the end of [`Owned::path`], that holds the organization.
    pub fn organization(self) -> Expr {
        match self {
            Self::Workspaces | Self::Sessions | Self::Todos | Self::Events => {
                Expr::col((workspace::Entity, workspace::Column::OrganizationId))
            }
            Self::Projects | Self::Tasks | Self::PullRequests | Self::Executions | Self::Transitions => {
                Expr::col((project::Entity, project::Column::OrganizationId))
            }
            Self::AuditLog => Expr::col((audit_log::Entity, audit_log::Column::OrganizationId)),
            Self::LogEvents => Expr::col((event::Entity, event::Column::OrganizationId)),
            Self::Webhooks => Expr::col((webhook::Entity, webhook::Column::OrganizationId)),
            Self::EventTypes => Expr::col((event_type::Entity, event_type::Column::OrganizationId)),
        }
    }

    /// The ids of the scope's rows of this table, as a subquery.
    pub fn ids(self, scope: Scope) -> SelectStatement {
        self.select(scope, None)
    }

    /// Those of `ids` that are rows of this table in the scope's organization, as a subquery.
    pub fn ids_among(self, scope: Scope, ids: &[Uuid]) -> SelectStatement {
        self.select(scope, Some(ids))
    }

    /// Appends `(SELECT id FROM <table> JOIN ... WHERE id IN (ids) AND <organization> = $org)`:
    /// those of `ids` that are rows of the scope's organization.
    pub fn push_ids_in(self, sql: &mut Sql, scope: Scope, ids: &[Uuid], backend: sea_orm::DbBackend) {
        sql.push("(").push_query(&self.select(scope, Some(ids)), backend).push(")");
    }

    /// Appends `(SELECT id FROM <table> JOIN ... WHERE <organization> = $org)`: every row of the
    /// scope's organization.
    pub fn push_all_ids(self, sql: &mut Sql, scope: Scope, backend: sea_orm::DbBackend) {
        sql.push("(").push_query(&self.ids(scope), backend).push(")");
    }
}

/// The rows of `E` joined along its path to the table that holds their organization, of every
/// organization: for system work that runs across organizations (the expiry sweep finding which
/// organizations have work). Services reading for a viewer use [`scoped`].
pub fn joined<E: Tenanted>() -> Select<E> {
    E::TABLE.path().into_iter().fold(E::find(), |select, relation| select.join(JoinType::InnerJoin, relation))
}

/// The organization-scoped select of `E`: its rows of the scope's organization only, reached along
/// the entities' relations. The one way services reach an owned table (a row of another organization
/// then behaves exactly like a row that does not exist).
pub fn scoped<E: Tenanted>(scope: Scope) -> Select<E> {
    joined::<E>().filter(E::TABLE.organization().eq(scope.organization_id))
}

/// The rows of `E` among `ids` that belong to the scope's organization, in no particular order.
pub async fn rows<E: Tenanted>(db: &impl ConnectionTrait, scope: Scope, ids: &[Uuid]) -> ApiResult<Vec<E::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(scoped::<E>(scope).filter(E::ID.is_in(ids.iter().copied())).all(db).await?)
}

/// The row `id` of `E` if it belongs to the scope's organization.
pub async fn row<E: Tenanted>(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> ApiResult<Option<E::Model>> {
    Ok(scoped::<E>(scope).filter(E::ID.eq(id)).one(db).await?)
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
    let backend = db.get_database_backend();
    let mut sql = Sql::new("");
    for (i, table) in tables.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT id, ").push(&i.to_string()).push(" AS tbl FROM ");
        table.push_ids_in(&mut sql, scope, ids, backend);
        sql.push(" AS x");
    }
    let mut found = Vec::new();
    for row in db.query_all_raw(sql.build(backend)).await? {
        let index: i32 = row.try_get("", "tbl")?;
        found.push((row.try_get::<Uuid>("", "id")?, tables[index as usize]));
    }
    Ok(found)
}

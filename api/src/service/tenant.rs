//! Tenancy, in one place: how the rows of each table reach their organization, and the lookups that
//! use it. Every read of the service layer goes through these conditions, so that a row of another
//! organization behaves exactly like a row that does not exist:
//!
//! - a lookup by id ([`row`], [`rows`]) finds only rows of the scope's organization;
//! - a root list (all workspaces, all projects, the audit log) adds `<table>.organization_id = $org`;
//! - a child list (a workspace's sessions, a task's dependencies) keeps only the parents of the
//!   organization, and reaches no other rows: every link between rows (a dependency, a pull-request
//!   link, a workspace's project) is checked to stay within one organization when it is written.
//!   Parents that services have just read for the same scope (the rows of a level loaded ahead) are
//!   of the organization already and are not looked up again (`super::page::Known::Read`).
//!
//! Workspaces, projects, audit entries, log events, event types and webhooks carry `organization_id`; every other
//! table reaches it through its parents (a todo through its session and workspace, an execution
//! through its task and project), along the relations its entity declares ([`Tenanted::path`]). Each
//! module declares its tables' paths beside them ([`tenanted!`]).
//! [`scoped`] gives the organization-scoped select of an entity; [`Owned::ids`] the same as a
//! subquery of ids, for the statements written by hand (pages of many parents, counts).

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QuerySelect, RelationDef,
    Select,
    sea_query::{Expr, ExprTrait, Func, Query, SelectStatement},
};
use uuid::Uuid;

use super::{sql::Sql, viewer::Scope};
use crate::error::ApiResult;

/// An entity whose rows belong to an organization, declared by its module with [`tenanted!`]:
/// [`scoped`] is the way to read it.
pub trait Tenanted: EntityTrait<Model: FromQueryResult + Clone + Send + Sync> {
    /// Its `id` column.
    const ID: Self::Column;
    /// The id of a row.
    fn id_of(model: &Self::Model) -> Uuid;
    /// The entities' relations from this table up to the one that holds `organization_id`, in
    /// order (none for a table that holds it itself).
    fn path() -> Vec<RelationDef>;
    /// The column, at the end of [`Tenanted::path`], that holds the organization.
    fn organization() -> Expr;
}

/// Declares an entity's tenancy in its module: `tenanted!(workspace, workspace::Column::OrganizationId)`
/// for a table that holds its organization; `tenanted!(session_todo, workspace::Column::OrganizationId,
/// via session_todo::Relation::DocumentationSession, documentation_session::Relation::Workspace)` for
/// one that reaches it along its entities' relations. The entity must have a UUID `id`.
macro_rules! tenanted {
    ($entity:ident, $organization:expr $(, via $($relation:expr),+)?) => {
        impl $crate::service::tenant::Tenanted for entity::$entity::Entity {
            const ID: Self::Column = entity::$entity::Column::Id;

            fn id_of(model: &Self::Model) -> uuid::Uuid {
                model.id
            }

            fn path() -> Vec<sea_orm::RelationDef> {
                vec![$($(sea_orm::RelationTrait::def(&$relation)),+)?]
            }

            fn organization() -> sea_orm::sea_query::Expr {
                $crate::service::tenant::column($organization)
            }
        }
    };
}
pub(crate) use tenanted;

/// `table.column` of an entity's column, as an expression.
pub fn column<C: ColumnTrait>(column: C) -> Expr {
    Expr::col((C::EntityName::default(), column))
}

/// An owned table as a value (a list's parents, the tables a global id may name): what
/// [`Tenanted`] knows of it, without its entity type.
#[derive(Clone, Copy)]
pub struct Owned {
    table: fn() -> &'static str,
    select: fn(Scope, Ids<'_>) -> SelectStatement,
}

/// Which of a table's rows a subquery of ids keeps, beside the organization's condition.
#[derive(Clone, Copy)]
enum Ids<'a> {
    /// All of them.
    All,
    /// Those among these: `id IN ($1, $2, ...)`.
    Among(&'a [Uuid]),
    /// Those among these, as one `uuid[]` parameter (PostgreSQL): `id = ANY($1)`.
    AmongArray(&'a [Uuid]),
    /// Those among these, as one `uuid[]` parameter unnested (PostgreSQL): `id IN (SELECT unnest($1))`.
    AmongUnnested(&'a [Uuid]),
}

impl Owned {
    /// The table of `E`.
    pub const fn of<E: Tenanted>() -> Self {
        Self { table: table_name::<E>, select: ids_of::<E> }
    }

    /// The table's name.
    pub fn table(self) -> &'static str {
        (self.table)()
    }

    /// The ids of the scope's rows of this table, as a subquery.
    pub fn ids(self, scope: Scope) -> SelectStatement {
        (self.select)(scope, Ids::All)
    }

    /// Those of `ids` that are rows of this table in the scope's organization, as a subquery.
    pub fn ids_among(self, scope: Scope, ids: &[Uuid]) -> SelectStatement {
        (self.select)(scope, Ids::Among(ids))
    }

    /// [`Owned::ids_among`] for PostgreSQL, the ids passed as one array parameter: the statement's
    /// text is the same whatever their number, so the connection prepares it once and PostgreSQL
    /// can keep its plan, where `IN ($1 ... $200)` is a new statement for each number of parents
    /// and is planned again on every run (over a millisecond for 200 sessions on our bench).
    pub fn ids_among_array(self, scope: Scope, ids: &[Uuid]) -> SelectStatement {
        (self.select)(scope, Ids::AmongArray(ids))
    }

    /// Appends `(SELECT id FROM <table> JOIN ... WHERE id IN (ids) AND <organization> = $org)`:
    /// those of `ids` that are rows of the scope's organization.
    pub fn push_ids_in(self, sql: &mut Sql, scope: Scope, ids: &[Uuid], backend: sea_orm::DbBackend) {
        sql.push("(").push_query(&self.ids_among(scope, ids), backend).push(")");
    }

    /// [`Owned::push_ids_in`] on PostgreSQL for a statement run over and over with a few ids (a
    /// batch of appends names one to a few dozen sessions): the ids go as one `uuid[]` parameter,
    /// unnested (`id IN (SELECT unnest($1))`), so that the statement has one text whatever their
    /// number, whose generic plan (priced for ten ids: index lookups) fits any batch.
    /// `IN ($1, ..., $n)` is a statement of its own for each number of ids, each planned anew for
    /// its first five runs on each connection of the pool. PostgreSQL itself would still plan every
    /// run of this one anew when the custom plans of its first runs were priced below the generic
    /// one, as they are for a few ids: the appends' connections tell it not to
    /// ([`crate::db::writers_pool`]). Deriving the ids from the statement's own rows instead
    /// (`IN (SELECT session_id FROM <rows>)`) was tried: PostgreSQL estimates a row set of
    /// `jsonb_to_recordset` at a hundred rows and scanned the whole table of sessions.
    pub fn push_ids_in_unnested(self, sql: &mut Sql, scope: Scope, ids: &[Uuid]) {
        let ids = (self.select)(scope, Ids::AmongUnnested(ids));
        sql.push("(").push_query(&ids, sea_orm::DbBackend::Postgres).push(")");
    }

    /// Appends `(SELECT id FROM <table> JOIN ... WHERE <organization> = $org)`: every row of the
    /// scope's organization.
    pub fn push_all_ids(self, sql: &mut Sql, scope: Scope, backend: sea_orm::DbBackend) {
        sql.push("(").push_query(&self.ids(scope), backend).push(")");
    }
}

impl PartialEq for Owned {
    fn eq(&self, other: &Self) -> bool {
        self.table() == other.table()
    }
}

impl Eq for Owned {}

impl std::fmt::Debug for Owned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Owned({})", self.table())
    }
}

fn table_name<E: Tenanted>() -> &'static str {
    E::default().table_name()
}

/// The statement [`scoped`] would give with only the id selected, built as one: `scoped`'s `Select`
/// lists every column of the entity first, which a subquery of ids (run by every write that checks a
/// row's organization) then throws away. The same text: the same joins along [`Tenanted::path`], the
/// same conditions in the same order.
fn ids_of<E: Tenanted>(scope: Scope, ids: Ids<'_>) -> SelectStatement {
    let mut select = Query::select();
    select.expr(column(E::ID)).from(E::default());
    for relation in E::path() {
        select.join(JoinType::InnerJoin, relation.to_tbl.clone(), relation);
    }
    select.and_where(E::organization().eq(scope.organization_id));
    match ids {
        Ids::All => {}
        Ids::Among(ids) => {
            select.and_where(column(E::ID).is_in(ids.iter().copied()));
        }
        Ids::AmongArray(ids) => {
            // One `uuid[]` parameter, sent in binary: PostgreSQL neither parses 200 ids from text
            // (`array_in`, `uuid_in`: a tenth of its CPU on the dashboard) nor plans a text per number.
            let array = Expr::val(ids.to_vec());
            select.and_where(column(E::ID).eq(sea_orm::sea_query::extension::postgres::PgFunc::any(array)));
        }
        Ids::AmongUnnested(ids) => {
            let unnested = Query::select().expr(Func::cust("unnest").arg(Expr::val(ids.to_vec()))).to_owned();
            select.and_where(column(E::ID).in_subquery(unnested));
        }
    }
    select
}

/// The rows of `E` joined along its path to the table that holds their organization, of every
/// organization: for system work that runs across organizations (the expiry sweep finding which
/// organizations have work). Services reading for a viewer use [`scoped`].
pub fn joined<E: Tenanted>() -> Select<E> {
    E::path().into_iter().fold(E::find(), |select, relation| select.join(JoinType::InnerJoin, relation))
}

/// The organization-scoped select of `E`: its rows of the scope's organization only, reached along
/// the entities' relations. The one way services reach an owned table (a row of another organization
/// then behaves exactly like a row that does not exist).
pub fn scoped<E: Tenanted>(scope: Scope) -> Select<E> {
    joined::<E>().filter(E::organization().eq(scope.organization_id))
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

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, QueryTrait as _};

    use super::*;

    /// The subquery as [`scoped`] builds it, for comparison.
    fn through_scoped<E: Tenanted>(scope: Scope, ids: Option<&[Uuid]>) -> SelectStatement {
        let mut select = scoped::<E>(scope);
        if let Some(ids) = ids {
            select = select.filter(E::ID.is_in(ids.iter().copied()));
        }
        select.select_only().column(E::ID).into_query()
    }

    fn same_statement<E: Tenanted>() {
        let scope = Scope { organization_id: Uuid::now_v7() };
        let ids = [Uuid::now_v7(), Uuid::now_v7()];
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            for (among, ids) in [(Ids::All, None), (Ids::Among(&ids), Some(&ids[..]))] {
                let built = backend.build(&ids_of::<E>(scope, among));
                let scoped = backend.build(&through_scoped::<E>(scope, ids));
                assert_eq!(built.sql, scoped.sql, "{backend:?}");
                assert_eq!(built.values, scoped.values);
            }
        }
    }

    #[test]
    fn on_postgresql_the_ids_can_be_one_array_parameter() {
        let scope = Scope { organization_id: Uuid::now_v7() };
        let ids = [Uuid::now_v7(), Uuid::now_v7()];
        let built = DbBackend::Postgres.build(&ids_of::<entity::workspace::Entity>(scope, Ids::AmongArray(&ids)));
        assert!(built.sql.ends_with(r#""workspaces"."id" = ANY($2)"#), "{}", built.sql);
        assert_eq!(built.values.unwrap().0.last(), Some(&sea_orm::Value::from(ids.to_vec())));
    }

    #[test]
    fn unnested_ids_give_one_text_whatever_their_number() {
        let scope = Scope { organization_id: Uuid::now_v7() };
        let text = |n: usize| {
            let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
            let mut sql = Sql::new("");
            Owned::of::<entity::documentation_session::Entity>().push_ids_in_unnested(&mut sql, scope, &ids);
            let built = sql.build(DbBackend::Postgres);
            assert_eq!(built.values.unwrap().0.last(), Some(&sea_orm::Value::from(ids)));
            built.sql
        };
        assert!(text(1).ends_with(r#""documentation_sessions"."id" IN (SELECT unnest($2)))"#), "{}", text(1));
        assert_eq!(text(1), text(17));
    }

    #[test]
    fn the_subquery_of_ids_is_the_scoped_select_of_its_ids() {
        same_statement::<entity::workspace::Entity>();
        same_statement::<entity::session_todo::Entity>();
        same_statement::<entity::session_event::Entity>();
        same_statement::<entity::task_execution::Entity>();
    }
}

//! Keyset pagination shared by every list, for one parent or for many parents in one statement.
//!
//! Every list is confined to the viewer's organization ([`Tenancy`]): a root list by its rows'
//! `organization_id`, a child list by keeping only the parents of the organization (`super::tenant`).
//!
//! Lists are ordered by a unique key (a UUIDv7 id, which is creation order, or an event's sequence).
//! A page asks for `limit + 1` rows past the cursor so that `has_next_page` (or `has_previous_page`
//! when paging backwards) costs nothing extra. Per DESIGN, many parents' pages come from one
//! statement: `(the organization's parents) CROSS JOIN LATERAL (... LIMIT n)` on PostgreSQL, which walks
//! the index once per parent, and `ROW_NUMBER() OVER (PARTITION BY parent ...)` on SQLite, which has no LATERAL.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, QueryResult, Value};
use uuid::Uuid;

use super::{sql::Sql, tenant::Owned, viewer::Scope};
use crate::error::{ApiError, ApiResult};

mod counts;
mod filter;

pub use counts::{count, counts_by_parent, counts_by_parent_and, counts_by_parent_and_enum};
pub use filter::{Col, Cond, Filter, Predicate};

/// Rows per page when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: u64 = 50;
/// Largest `first` or `last` accepted.
pub const MAX_PAGE_SIZE: u64 = 100;

/// The position of a row in its list: what a cursor encodes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CursorKey {
    /// Lists ordered by id.
    Id(Uuid),
    /// Lists ordered by sequence (events).
    Seq(i64),
}

impl CursorKey {
    fn value(&self) -> Value {
        match self {
            Self::Id(id) => (*id).into(),
            Self::Seq(seq) => (*seq).into(),
        }
    }
}

/// A validated page request: which slice of the ordered list to return.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageArgs {
    /// Rows wanted (0 to [`MAX_PAGE_SIZE`]).
    pub limit: u64,
    /// Only rows after this key.
    pub after: Option<CursorKey>,
    /// Only rows before this key.
    pub before: Option<CursorKey>,
    /// `true` for `last`: the rows nearest `before` (or the end).
    pub backward: bool,
}

impl PageArgs {
    /// Validates Relay's `first`/`last` (at most [`MAX_PAGE_SIZE`], not negative, not both).
    ///
    /// Errors: `BAD_USER_INPUT` naming the offending argument.
    pub fn new(
        first: Option<i32>,
        last: Option<i32>,
        after: Option<CursorKey>,
        before: Option<CursorKey>,
    ) -> ApiResult<Self> {
        let check = |name: &str, n: i32| -> ApiResult<u64> {
            if n < 0 {
                return Err(ApiError::bad_input(format!("`{name}` must not be negative")));
            }
            let n = n as u64;
            if n > MAX_PAGE_SIZE {
                return Err(ApiError::bad_input(format!("`{name}` must be at most {MAX_PAGE_SIZE}, got {n}")));
            }
            Ok(n)
        };
        let (limit, backward) = match (first, last) {
            (Some(_), Some(_)) => return Err(ApiError::bad_input("give `first` or `last`, not both")),
            (Some(n), None) => (check("first", n)?, false),
            (None, Some(n)) => (check("last", n)?, true),
            (None, None) => (DEFAULT_PAGE_SIZE, false),
        };
        Ok(Self { limit, after, before, backward })
    }
}

/// One page of rows plus Relay's page flags.
#[derive(Clone, Debug)]
pub struct Page<T> {
    /// Rows in list order.
    pub items: Vec<T>,
    /// Whether rows exist before the first item (known when paging backwards).
    pub has_previous_page: bool,
    /// Whether rows exist after the last item (known when paging forwards).
    pub has_next_page: bool,
}

impl<T> Page<T> {
    fn empty() -> Self {
        Self { items: Vec::new(), has_previous_page: false, has_next_page: false }
    }

    /// Cuts `rows` (in list order, up to `limit + 1` of them) to the page.
    fn from_rows(mut rows: Vec<T>, args: &PageArgs) -> Self {
        let limit = args.limit as usize;
        let more = rows.len() > limit;
        if args.backward {
            if more {
                rows.drain(..rows.len() - limit);
            }
            Self { items: rows, has_previous_page: more, has_next_page: false }
        } else {
            rows.truncate(limit);
            Self { items: rows, has_previous_page: false, has_next_page: more }
        }
    }
}

/// How a list is confined to an organization.
#[derive(Clone, Copy, Debug)]
pub enum Tenancy {
    /// A root list of a table with `organization_id`: `t.organization_id = $org`.
    Rows,
    /// A child list whose parent ids are rows of this table: only parents of the organization.
    Parents(Owned),
}

/// Where a list's rows come from. `from` names the row table as `t`; `parent` is the SQL
/// expression of the parent id; `key` is the unique ordering column. A ranked list orders by
/// `rank DESC, key ASC` instead (e.g. most urgent first) and pages forward only.
#[derive(Clone, Copy, Debug)]
pub struct ListSpec {
    /// `FROM` clause, with the listed table aliased `t`.
    pub from: &'static str,
    /// Parent id expression, e.g. `t.session_id`.
    pub parent: &'static str,
    /// Unique ordering column, e.g. `t.id` or `t.sequence`.
    pub key: &'static str,
    /// Integer expression ordered descending before `key`, if any.
    pub rank: Option<&'static str>,
    /// How the list is confined to the viewer's organization.
    pub tenancy: Tenancy,
    /// The selected columns: `t.*`, or more from the tables `from` joins.
    pub select: &'static str,
}

impl ListSpec {
    /// A root list (no parent) of a table with `organization_id`, ordered by `key`.
    pub const fn root(from: &'static str, key: &'static str) -> Self {
        Self { from, parent: "NULL", key, rank: None, tenancy: Tenancy::Rows, select: "t.*" }
    }

    /// A list under parents that are rows of `parents`, ordered by `key`.
    pub const fn child(from: &'static str, parent: &'static str, key: &'static str, parents: Owned) -> Self {
        Self { from, parent, key, rank: None, tenancy: Tenancy::Parents(parents), select: "t.*" }
    }

    /// The same list selecting `select` (`t.*` and columns of the joined tables).
    pub const fn selecting(self, select: &'static str) -> Self {
        Self { select, ..self }
    }

    /// The same list ordered by `rank` (descending), then `key`.
    pub const fn ranked(self, rank: &'static str) -> Self {
        Self { rank: Some(rank), ..self }
    }

    fn order(&self, args: &PageArgs) -> String {
        match self.rank {
            Some(rank) => format!("{rank} DESC, {} ASC", self.key),
            None => format!("{}{}", self.key, direction(args)),
        }
    }

    fn check(&self, args: &PageArgs) -> ApiResult<()> {
        if self.rank.is_some() && (args.backward || args.before.is_some()) {
            return Err(ApiError::bad_input("this list pages forward only: use `first` and `after`"));
        }
        Ok(())
    }
}

/// A row that can sit in a list: it knows its cursor.
pub trait Listed: FromQueryResult + Clone + Send + Sync + 'static {
    /// The row's position in its list.
    fn cursor_key(&self) -> CursorKey;
}

fn push_range(sql: &mut Sql, spec: &ListSpec, args: &PageArgs) {
    if let (Some(rank), Some(after)) = (spec.rank, &args.after) {
        // After the cursor's row in (rank DESC, key ASC) order; the subquery reads its rank.
        let of_cursor = format!("(SELECT {rank} FROM {} WHERE {} = ", spec.from, spec.key);
        sql.push(&format!(" AND ({rank} < {of_cursor}")).bind(after.value());
        sql.push(&format!(") OR ({rank} = {of_cursor}")).bind(after.value());
        sql.push(") AND ").push(spec.key).push(" > ").bind(after.value()).push("))");
        return;
    }
    if let Some(after) = &args.after {
        sql.push(" AND ").push(spec.key).push(" > ").bind(after.value());
    }
    if let Some(before) = &args.before {
        sql.push(" AND ").push(spec.key).push(" < ").bind(before.value());
    }
}

/// Appends ` AND <the list's rows are the scope's>`: by `organization_id` for a root list, by
/// parent for a child list.
fn push_tenancy(sql: &mut Sql, spec: &ListSpec, scope: Scope, backend: DbBackend) {
    match spec.tenancy {
        Tenancy::Rows => {
            sql.push(" AND t.organization_id = ").bind(scope.organization_id);
        }
        Tenancy::Parents(parents) => {
            sql.push(" AND ").push(spec.parent).push(" IN ");
            parents.push_all_ids(sql, scope, backend);
        }
    }
}

/// The parent table of a child list. A root list has none.
fn parent_table(spec: &ListSpec) -> ApiResult<Owned> {
    match spec.tenancy {
        Tenancy::Parents(table) => Ok(table),
        Tenancy::Rows => Err(anyhow::anyhow!("`{}` is a root list: it has no parents", spec.from).into()),
    }
}

fn direction(args: &PageArgs) -> &'static str {
    if args.backward { " DESC" } else { " ASC" }
}

/// One page of a list that has no parent (e.g. the organization's workspaces): one statement.
pub async fn page<M: Listed>(
    db: &impl ConnectionTrait,
    scope: Scope,
    spec: &ListSpec,
    filter: &Filter,
    args: &PageArgs,
) -> ApiResult<Page<M>> {
    spec.check(args)?;
    if args.limit == 0 {
        return Ok(Page::empty());
    }
    let backend = db.get_database_backend();
    let mut sql = Sql::new("SELECT ");
    sql.push(spec.select).push(" FROM ").push(spec.from).push(" WHERE 1 = 1");
    push_tenancy(&mut sql, spec, scope, backend);
    filter.push_to(&mut sql, backend);
    push_range(&mut sql, spec, args);
    sql.push(" ORDER BY ").push(&spec.order(args));
    sql.push(" LIMIT ").bind((args.limit + 1) as i64);
    let mut rows = M::find_by_statement(sql.build(backend)).all(db).await?;
    if args.backward {
        rows.reverse();
    }
    Ok(Page::from_rows(rows, args))
}

/// The same page of a list for each of `parents`, in one statement whatever their number; parents of
/// another organization get nothing.
pub async fn pages_by_parent<M: Listed>(
    db: &impl ConnectionTrait,
    scope: Scope,
    spec: &ListSpec,
    parents: &[Uuid],
    filter: &Filter,
    args: &PageArgs,
) -> ApiResult<HashMap<Uuid, Page<M>>> {
    spec.check(args)?;
    let parent_table = parent_table(spec)?;
    let mut pages: HashMap<Uuid, Page<M>> = parents.iter().map(|p| (*p, Page::empty())).collect();
    if args.limit == 0 || parents.is_empty() {
        return Ok(pages);
    }
    let backend = db.get_database_backend();
    let take = (args.limit + 1) as i64;
    let mut sql;
    if backend == DbBackend::Postgres {
        // The organization's parents only, then each one's page by index.
        sql = Sql::new("SELECT p.id AS page_parent, c.* FROM ");
        let rank = spec.rank.map(|r| format!(", {r} AS page_rank")).unwrap_or_default();
        parent_table.push_ids_in(&mut sql, scope, parents, backend);
        sql.push(" AS p CROSS JOIN LATERAL (SELECT ").push(spec.select).push(&rank).push(" FROM ").push(spec.from);
        sql.push(" WHERE ").push(spec.parent).push(" = p.id");
        filter.push_to(&mut sql, backend);
        push_range(&mut sql, spec, args);
        sql.push(" ORDER BY ").push(&spec.order(args));
        sql.push(" LIMIT ").bind(take).push(") AS c");
    } else {
        sql = Sql::new("SELECT * FROM (SELECT ");
        sql.push(spec.select).push(", ");
        if let Some(rank) = spec.rank {
            sql.push(rank).push(" AS page_rank, ");
        }
        sql.push(spec.parent).push(" AS page_parent, ROW_NUMBER() OVER (PARTITION BY ").push(spec.parent);
        sql.push(" ORDER BY ").push(&spec.order(args)).push(") AS page_row FROM ").push(spec.from);
        sql.push(" WHERE ").push(spec.parent).push(" IN ");
        parent_table.push_ids_in(&mut sql, scope, parents, backend);
        filter.push_to(&mut sql, backend);
        push_range(&mut sql, spec, args);
        sql.push(") AS ranked WHERE page_row <= ").bind(take);
    }
    let rows = db.query_all_raw(sql.build(backend)).await?;
    let mut grouped: HashMap<Uuid, Vec<(i64, M)>> = HashMap::new();
    for row in rows {
        let (parent, item) = decode_with_parent::<M>(&row)?;
        let rank: i64 = if spec.rank.is_some() { row.try_get("", "page_rank")? } else { 0 };
        grouped.entry(parent).or_default().push((rank, item));
    }
    for (parent, mut items) in grouped {
        // Rows come back grouped but not necessarily ordered; put each page in list order.
        items.sort_by(|(ra, a), (rb, b)| rb.cmp(ra).then_with(|| a.cursor_key().cmp(&b.cursor_key())));
        pages.insert(parent, Page::from_rows(items.into_iter().map(|(_, item)| item).collect(), args));
    }
    Ok(pages)
}

fn decode_with_parent<M: FromQueryResult>(row: &QueryResult) -> ApiResult<(Uuid, M)> {
    let parent: Uuid = row.try_get("", "page_parent")?;
    Ok((parent, M::from_query_result(row, "")?))
}

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
//! Parents that services read for the same scope ([`Known::Read`]) are taken as they are; others
//! ([`Known::Given`]) are looked up in the organization first.

use std::collections::HashMap;

use sea_orm::{
    ConnectionTrait, DbBackend, FromQueryResult, JoinType,
    sea_query::{Asterisk, Expr, ExprTrait, Func, Query, SelectStatement, WindowStatement},
};
use uuid::Uuid;

use super::{tenant::Owned, viewer::Scope};
use crate::error::{ApiError, ApiResult};

mod counts;
mod fields;
mod filter;
mod spec;

pub use counts::{count, counts_by_parent, counts_by_parent_and, counts_by_parent_and_enum};
pub use fields::Fields;
use fields::{ColumnNames, Rows, value_at};
pub use filter::{Col, Cond, Filter, Predicate};
pub use spec::{List, ListSpec, Tenancy};

/// The column a statement of many parents' rows adds for the parent each row belongs to.
const PARENT_COLUMN: &str = "page_parent";
/// The column a ranked list adds for its rank (highest first).
const RANK_COLUMN: &str = "page_rank";
/// The column a numbered page adds for its rows' place in list order, from 1.
const ROW_COLUMN: &str = "page_row";

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

/// How the parents of a statement of child lists are known to be of the scope's organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Known {
    /// Ids from outside the service layer (a resolver's parent object, a client's argument): the
    /// statement keeps only those that are rows of the scope's organization, a lookup joined along
    /// the parents' path to their organization.
    Given,
    /// Ids of rows that services read for this scope (the rows of a level loaded ahead): rows of the
    /// organization already, so the statement reads their children directly. Their children are of
    /// the organization too: every link between rows is checked to stay within one organization when
    /// it is written (`super::tenant`).
    Read,
}

/// The parents of a statement of child lists ([`pages_by_parent`], [`counts_by_parent`]).
#[derive(Clone, Copy, Debug)]
pub struct Parents<'a> {
    /// Their ids.
    pub ids: &'a [Uuid],
    /// How they are known to be of the scope's organization.
    pub known: Known,
}

impl Parents<'_> {
    /// PostgreSQL: a subquery of the parents' ids as `id` (the ids as one `uuid[]` parameter).
    fn subquery(self, scope: Scope, table: Owned) -> SelectStatement {
        match self.known {
            Known::Given => table.ids_among_array(scope, self.ids),
            Known::Read => {
                Query::select().expr_as(Func::cust("unnest").arg(Expr::val(self.ids.to_vec())), "id").to_owned()
            }
        }
    }

    /// SQLite: the condition that `column` names one of the parents.
    fn condition(self, scope: Scope, table: Owned, column: Col) -> Expr {
        match self.known {
            Known::Given => column.expr().in_subquery(table.ids_among(scope, self.ids)),
            Known::Read => column.expr().is_in(self.ids.iter().copied()),
        }
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
    /// A page without rows.
    pub fn empty() -> Self {
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

/// A row that can sit in a list: it knows its cursor.
pub trait Listed: FromQueryResult + Clone + Send + Sync + 'static {
    /// The row's position in its list.
    fn cursor_key(&self) -> CursorKey;
}

/// One page of a list that has no parent (e.g. the organization's workspaces): one statement. Of each
/// row, the fields outside `fields` may hold their type's default ([`Fields`]).
pub async fn page<M: Listed>(
    db: &impl ConnectionTrait,
    scope: Scope,
    spec: &ListSpec,
    filter: &Filter,
    args: &PageArgs,
    fields: &Fields,
) -> ApiResult<Page<M>> {
    spec.check(args)?;
    if args.limit == 0 {
        return Ok(Page::empty());
    }
    let partial = spec.partial::<M>(fields);
    let mut select = spec.rows(false, partial.as_ref());
    select.and_where(spec.tenancy(scope)).cond_where(filter.condition(db.get_database_backend()));
    narrow(&mut select, spec, args);
    select.limit(args.limit + 1);
    let rows = db.query_all_raw(db.get_database_backend().build(&select)).await?;
    let names = rows.first().map(ColumnNames::of);
    let decoding = Rows::of(partial, names.as_ref())?;
    let mut rows = rows.iter().map(|row| decoding.decode::<M>(row)).collect::<Result<Vec<M>, _>>()?;
    if args.backward {
        rows.reverse();
    }
    Ok(Page::from_rows(rows, args))
}

/// The same page of a list for each of `parents`, in one statement whatever their number; given
/// parents of another organization get nothing. Of each row, the fields outside `fields` may hold their type's
/// default ([`Fields`]).
pub async fn pages_by_parent<M: Listed>(
    db: &impl ConnectionTrait,
    scope: Scope,
    spec: &ListSpec,
    parents: Parents<'_>,
    filter: &Filter,
    args: &PageArgs,
    fields: &Fields,
) -> ApiResult<HashMap<Uuid, Page<M>>> {
    spec.check(args)?;
    let (parent, parent_table) = spec.parents()?;
    let mut pages: HashMap<Uuid, Page<M>> = parents.ids.iter().map(|p| (*p, Page::empty())).collect();
    if args.limit == 0 || parents.ids.is_empty() {
        return Ok(pages);
    }
    let backend = db.get_database_backend();
    let take = args.limit + 1;
    let partial = spec.partial::<M>(fields);
    let mut rows = spec.rows(true, partial.as_ref());
    rows.cond_where(filter.condition(backend));
    let select = if backend == DbBackend::Postgres {
        // The organization's parents only, then each one's page by index.
        rows.and_where(parent.expr().eq(Expr::col(("p", "id"))));
        narrow(&mut rows, spec, args);
        if spec.numbered() {
            let mut window = WindowStatement::new();
            for (expr, order) in spec.order(args) {
                window.order_by_expr(expr, order);
            }
            rows.expr_window_as(Func::cust("ROW_NUMBER"), window, ROW_COLUMN);
        }
        rows.limit(take);
        per_parent(parents.subquery(scope, parent_table), rows)
    } else {
        // SQLite has no LATERAL: number each parent's rows in list order and keep the first ones.
        rows.and_where(parents.condition(scope, parent_table, parent));
        for range in spec.range(args) {
            rows.and_where(range);
        }
        let mut window = WindowStatement::partition_by(parent.column_ref());
        for (expr, order) in spec.order(args) {
            window.order_by_expr(expr, order);
        }
        rows.expr_as(parent.expr(), PARENT_COLUMN).expr_window_as(Func::cust("ROW_NUMBER"), window, ROW_COLUMN);
        Query::select()
            .column(Asterisk)
            .from_subquery(rows, "ranked")
            .and_where(Expr::col(ROW_COLUMN).lte(take))
            .to_owned()
    };
    let rows = db.query_all_raw(backend.build(&select)).await?;
    let Some(first) = rows.first() else { return Ok(pages) };
    let names = ColumnNames::of(first);
    let decoding = Rows::of(partial, Some(&names))?;
    // The parent and rank columns by position, found once: looking them up by name on every row cost
    // as much as decoding the row's other columns.
    let parent_at = names.position(PARENT_COLUMN)?;
    // Both read as a rank, highest first: `page_row` counts up in list order.
    let rank_at = match (spec.is_ranked(), spec.numbered()) {
        (true, _) => Some((names.position(RANK_COLUMN)?, 1)),
        (false, true) => Some((names.position(ROW_COLUMN)?, -1)),
        (false, false) => None,
    };
    let mut groups: Vec<Group<M>> = Vec::with_capacity(parents.ids.len());
    // Each parent's group, looked up only where the parent changes: the rows come grouped by parent
    // (one page after another on PostgreSQL; on SQLite, as its window numbers them), though nothing
    // here depends on it.
    let mut group_of: foldhash::HashMap<Uuid, usize> = foldhash::HashMap::default();
    let mut current = 0;
    for row in rows {
        let parent: Uuid =
            value_at(&row, parent_at)?.ok_or_else(|| anyhow::anyhow!("a page row without its parent"))?;
        if groups.get(current).is_none_or(|g| g.parent != parent) {
            current = *group_of.entry(parent).or_insert_with(|| {
                groups.push(Group::new(parent, take as usize));
                groups.len() - 1
            });
        }
        let item = decoding.decode::<M>(&row)?;
        let rank = match rank_at {
            Some((at, sign)) => sign * value_at::<i64>(&row, at)?.unwrap_or_default(),
            None => 0,
        };
        let group = &mut groups[current];
        group.ranks.push(rank);
        group.items.push(item);
    }
    for group in groups {
        pages.insert(group.parent, Page::from_rows(group.in_list_order(), args));
    }
    Ok(pages)
}

/// The rows of one parent's page as they come, with their ranks.
struct Group<M> {
    parent: Uuid,
    ranks: Vec<i64>,
    items: Vec<M>,
}

impl<M: Listed> Group<M> {
    fn new(parent: Uuid, capacity: usize) -> Self {
        Self { parent, ranks: Vec::with_capacity(capacity), items: Vec::with_capacity(capacity) }
    }

    /// The rows in list order: highest rank first, then by cursor. They usually come so (each page
    /// is read in list order), and are only moved when they do not.
    fn in_list_order(self) -> Vec<M> {
        let order =
            |(ra, a): (&i64, &M), (rb, b): (&i64, &M)| rb.cmp(ra).then_with(|| a.cursor_key().cmp(&b.cursor_key()));
        let Self { ranks, items, .. } = self;
        let ordered = (1..items.len()).all(|i| order((&ranks[i - 1], &items[i - 1]), (&ranks[i], &items[i])).is_le());
        if ordered {
            return items;
        }
        let mut paired: Vec<(i64, M)> = ranks.into_iter().zip(items).collect();
        paired.sort_by(|(ra, a), (rb, b)| order((ra, a), (rb, b)));
        paired.into_iter().map(|(_, item)| item).collect()
    }
}

/// The rows past the cursors, in list order.
fn narrow(select: &mut SelectStatement, spec: &ListSpec, args: &PageArgs) {
    for range in spec.range(args) {
        select.and_where(range);
    }
    for (expr, order) in spec.order(args) {
        select.order_by_expr(expr, order);
    }
}

/// `SELECT p.id AS page_parent, c.* FROM (parents) AS p JOIN LATERAL (rows) AS c ON TRUE`, where
/// `rows` reads `p.id`: PostgreSQL walks the child table's index once per parent.
fn per_parent(parents: SelectStatement, rows: SelectStatement) -> SelectStatement {
    Query::select()
        .expr_as(Expr::col(("p", "id")), PARENT_COLUMN)
        .column(("c", Asterisk))
        .from_subquery(parents, "p")
        .join_lateral(JoinType::InnerJoin, rows, "c", Expr::val(true))
        .to_owned()
}

#[cfg(test)]
mod tests {
    use entity::session_todo;

    use super::*;

    fn group(rows: &[(i64, u128)]) -> Group<session_todo::Model> {
        let mut group = Group::new(Uuid::nil(), rows.len());
        for &(rank, id) in rows {
            group.ranks.push(rank);
            group.items.push(session_todo::Model { id: Uuid::from_u128(id), ..Default::default() });
        }
        group
    }

    fn ids(rows: Vec<session_todo::Model>) -> Vec<u128> {
        rows.iter().map(|row| row.id.as_u128()).collect()
    }

    #[test]
    fn a_page_is_put_in_list_order_whatever_order_its_rows_came_in() {
        // `page_row` 1, 2, 3 read as ranks -1, -2, -3: highest first.
        assert_eq!(ids(group(&[(-2, 2), (-3, 3), (-1, 1)]).in_list_order()), [1, 2, 3]);
        assert_eq!(ids(group(&[(-1, 1), (-2, 2), (-3, 3)]).in_list_order()), [1, 2, 3]);
        // Equal ranks (a list without numbering) fall back on the cursor.
        assert_eq!(ids(group(&[(0, 9), (0, 4), (0, 7)]).in_list_order()), [4, 7, 9]);
    }
}

//! What a list is, declared from the entities: the listed table, the parent column, the key that
//! orders it, the tables it joins, and how it is confined to the organization. The statements of
//! `super` and `super::counts` are built from it with sea-query.

use std::sync::LazyLock;

use sea_orm::{
    ColumnTrait, EntityTrait, JoinType, Order,
    sea_query::{Expr, ExprTrait, Query, SelectStatement},
};

use super::{
    Col, CursorKey, PageArgs,
    fields::{Columns, Fields, ModelOf, Partial},
};
use crate::{
    error::{ApiError, ApiResult},
    service::{tenant::Owned, viewer::Scope},
};

/// A list declared once, built on first use: `pub static X: List = List::new(|| ListSpec::...)`.
pub type List = LazyLock<ListSpec>;

/// How a list is confined to an organization.
#[derive(Clone, Copy, Debug)]
pub enum Tenancy {
    /// A root list of a table that holds its organization in this column.
    Rows(Col),
    /// A child list whose parent ids, in the column, are rows of the table: only parents of the
    /// organization.
    Parents(Col, Owned),
}

/// A table joined into a list's statement: `JOIN <column's table> ON column = other`.
#[derive(Clone, Copy, Debug)]
struct Join {
    kind: JoinType,
    column: Col,
    other: Col,
}

/// An order other than the key's: a list in it pages forward only.
#[derive(Clone, Copy, Debug)]
enum Rank {
    /// `rank DESC, key ASC`, `rank` an integer (read back as `page_rank` to order each parent's page).
    Desc(fn() -> Expr),
    /// These expressions in their directions, then `key ASC` (each parent's page numbered in SQL as
    /// `page_row`).
    By(fn() -> Vec<(Expr, Order)>),
}

/// Where a list's rows come from. The listed table is the key's; `parent` is the column holding the
/// parent id (of the listed table, or of a joined link table); `key` is the unique ordering column. A
/// ranked list orders by `rank DESC, key ASC` instead (e.g. most urgent first), an ordered list by its
/// expressions then the key; both page forward only.
#[derive(Clone, Debug)]
pub struct ListSpec {
    key: Col,
    joins: Vec<Join>,
    rank: Option<Rank>,
    tenancy: Tenancy,
    also: Vec<(Col, &'static str)>,
    columns: Columns,
}

impl ListSpec {
    /// A root list (no parent) ordered by `key`, of a table whose `organization` column holds its
    /// organization.
    pub fn root<K>(key: K, organization: impl ColumnTrait) -> Self
    where
        K: ColumnTrait,
        K::EntityName: EntityTrait<Column = K>,
        ModelOf<K>: Default,
    {
        Self::listing(key, Tenancy::Rows(Col::of(organization)))
    }

    /// A list ordered by `key` under the parents named by its table's `parent` column, which are rows
    /// of `parents`.
    pub fn child<K>(parent: impl ColumnTrait, key: K, parents: Owned) -> Self
    where
        K: ColumnTrait,
        K::EntityName: EntityTrait<Column = K>,
        ModelOf<K>: Default,
    {
        Self::listing(key, Tenancy::Parents(Col::of(parent), parents))
    }

    /// A list of `key`'s table, ordered by `key`.
    fn listing<K>(key: K, tenancy: Tenancy) -> Self
    where
        K: ColumnTrait,
        K::EntityName: EntityTrait<Column = K>,
        ModelOf<K>: Default,
    {
        Self {
            key: Col::of(key),
            joins: Vec::new(),
            rank: None,
            tenancy,
            also: Vec::new(),
            columns: Columns::of::<K>(),
        }
    }

    /// A list through a link table (many to many): the link's `parent` column names the parent, its
    /// `row` column the listed row, whose `key` orders the list.
    pub fn linked<K>(parent: impl ColumnTrait, row: impl ColumnTrait, key: K, parents: Owned) -> Self
    where
        K: ColumnTrait,
        K::EntityName: EntityTrait<Column = K>,
        ModelOf<K>: Default,
    {
        let spec = Self::child(parent, key, parents);
        let join = Join { kind: JoinType::InnerJoin, column: Col::of(row), other: spec.key };
        Self { joins: vec![join], ..spec }
    }

    /// The same list joining `column`'s table on `column = other` (a left join: rows without a match
    /// stay, with nulls).
    pub fn left_joining(mut self, column: impl ColumnTrait, other: impl ColumnTrait) -> Self {
        self.joins.push(Join { kind: JoinType::LeftJoin, column: Col::of(column), other: Col::of(other) });
        self
    }

    /// The same list selecting, beside the listed table's columns, `column` (of a joined table) as `alias`.
    pub fn selecting(mut self, column: impl ColumnTrait, alias: &'static str) -> Self {
        self.also.push((Col::of(column), alias));
        self
    }

    /// The same list ordered by `rank` (an integer over the listed table, descending), then `key`.
    pub fn ranked(self, rank: fn() -> Expr) -> Self {
        Self { rank: Some(Rank::Desc(rank)), ..self }
    }

    /// The same list ordered by `order` (expressions over the listed table, each in its direction),
    /// then `key`.
    pub fn ordered_by(self, order: fn() -> Vec<(Expr, Order)>) -> Self {
        Self { rank: Some(Rank::By(order)), ..self }
    }

    /// Whether each parent's page is ordered by its `page_rank` (else by `page_row` when
    /// [`ListSpec::numbered`], else by key).
    pub(super) fn is_ranked(&self) -> bool {
        matches!(self.rank, Some(Rank::Desc(_)))
    }

    /// Whether each parent's rows are numbered in list order (`page_row`) by the statement.
    pub(super) fn numbered(&self) -> bool {
        matches!(self.rank, Some(Rank::By(_)))
    }

    /// The order before the key, if any.
    fn rank_order(&self) -> Option<Vec<(Expr, Order)>> {
        match self.rank? {
            Rank::Desc(rank) => Some(vec![(rank(), Order::Desc)]),
            Rank::By(order) => Some(order()),
        }
    }

    /// The column that holds the parent id, and the parents' table; `INTERNAL_SERVER_ERROR` for a
    /// root list.
    pub(super) fn parents(&self) -> ApiResult<(Col, Owned)> {
        match self.tenancy {
            Tenancy::Parents(column, table) => Ok((column, table)),
            Tenancy::Rows(_) => Err(anyhow::anyhow!("`{}` is a root list: it has no parents", self.key.table()).into()),
        }
    }

    /// `FROM <table> [JOIN ...]`, without columns.
    pub(super) fn from(&self) -> SelectStatement {
        let mut select = Query::select();
        select.from(self.key.table());
        for join in &self.joins {
            select.join(join.kind, join.column.table(), join.column.expr().eq(join.other.expr()));
        }
        select
    }

    /// `SELECT <table>.*, <also> FROM ...`: every row of every organization, for a service to
    /// narrow (by id, by organization).
    pub fn select(&self) -> SelectStatement {
        self.rows(false, None)
    }

    /// How rows of type `M` are read for a reader of `fields`: only some columns
    /// ([`Columns::partial`]), or `None` for whole rows.
    pub(super) fn partial<M: 'static>(&self, fields: &Fields) -> Option<Partial> {
        self.columns.partial::<M>(fields, self.key.name())
    }

    /// `SELECT <table's columns: the partial's, else all>, <also> FROM ...`, and the rank as
    /// `page_rank` when `with_rank`.
    pub(super) fn rows(&self, with_rank: bool, partial: Option<&Partial>) -> SelectStatement {
        let mut select = self.from();
        match partial {
            Some(partial) => partial.select(&mut select),
            None => self.columns.select_all(&mut select),
        }
        for (column, alias) in &self.also {
            select.expr_as(column.expr(), *alias);
        }
        if let (true, Some(Rank::Desc(rank))) = (with_rank, self.rank) {
            select.expr_as(rank(), super::RANK_COLUMN);
        }
        select
    }

    /// The condition that keeps a root list to the scope's organization. Child lists are confined
    /// by their parents instead.
    pub(super) fn tenancy(&self, scope: Scope) -> Expr {
        match self.tenancy {
            Tenancy::Rows(organization) => organization.expr().eq(scope.organization_id),
            Tenancy::Parents(parent, parents) => parent.expr().in_subquery(parents.ids(scope)),
        }
    }

    /// Refuses paging backwards through a ranked list.
    pub(super) fn check(&self, args: &PageArgs) -> ApiResult<()> {
        if self.rank.is_some() && (args.backward || args.before.is_some()) {
            return Err(ApiError::bad_input("this list pages forward only: use `first` and `after`"));
        }
        Ok(())
    }

    /// The order: the rank's then `key ASC`, or the key in the page's direction.
    pub(super) fn order(&self, args: &PageArgs) -> Vec<(Expr, Order)> {
        match self.rank_order() {
            Some(mut order) => {
                order.push((self.key.expr(), Order::Asc));
                order
            }
            None => vec![(self.key.expr(), if args.backward { Order::Desc } else { Order::Asc })],
        }
    }

    /// The rows past the cursors.
    pub(super) fn range(&self, args: &PageArgs) -> Vec<Expr> {
        let key = self.key;
        if let (Some(order), Some(after)) = (self.rank_order(), &args.after) {
            // After the cursor's row in (order..., key ASC): for some i, equal on the first i terms and
            // past the cursor's value on term i; subqueries read the cursor row's values.
            let of_cursor = |expr: Expr| {
                let mut select = Query::select();
                select.expr(expr).from(key.table()).and_where(key.expr().eq(after.value()));
                Expr::SubQuery(None, Box::new(select.into()))
            };
            let mut any = key.expr().gt(after.value());
            for (expr, direction) in order.into_iter().rev() {
                let past = match direction {
                    Order::Desc => expr.clone().lt(of_cursor(expr.clone())),
                    _ => expr.clone().gt(of_cursor(expr.clone())),
                };
                any = past.or(expr.clone().eq(of_cursor(expr)).and(any));
            }
            return vec![any];
        }
        let mut range = Vec::new();
        if let Some(after) = &args.after {
            range.push(key.expr().gt(after.value()));
        }
        if let Some(before) = &args.before {
            range.push(key.expr().lt(before.value()));
        }
        range
    }
}

impl CursorKey {
    fn value(&self) -> sea_orm::Value {
        match self {
            Self::Id(id) => (*id).into(),
            Self::Seq(seq) => (*seq).into(),
        }
    }
}

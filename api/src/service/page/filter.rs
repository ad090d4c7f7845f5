//! The conditions of a list (`WHERE ... AND ...`), from typed queries as sea-query conditions:
//! columns are the entities' column identifiers (a misspelt column fails the build), values always bound. A condition that
//! belongs to one domain (a task search, "unblocked") is a [`Predicate`] declared in its module.

use sea_orm::{
    ColumnTrait, DbBackend, EntityName,
    sea_query::{Condition, Expr, ExprTrait},
};
use uuid::Uuid;

/// A column of a list's statement, `table.column`, from the entity's column identifier (a misspelt
/// column fails the build). Tables are named, never aliased: a list's statement holds each table once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Col {
    table: &'static str,
    name: &'static str,
}

impl Col {
    /// The entity's column `column`.
    pub fn of<C: ColumnTrait>(column: C) -> Self {
        Self { table: C::EntityName::default().table_name(), name: column.as_str() }
    }

    /// The column's name.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The table the column belongs to.
    pub fn table(self) -> &'static str {
        self.table
    }

    /// `(table, column)`, where sea-query wants a column reference.
    pub fn column_ref(self) -> (&'static str, &'static str) {
        (self.table, self.name)
    }

    /// `table.column` as an expression.
    pub fn expr(self) -> Expr {
        Expr::col((self.table, self.name))
    }
}

/// A condition of one domain, written by its module: `render` gives the condition over the listed
/// table, given the backend and the condition's argument. Compared by `name`, unique per predicate
/// (the module's `static` names it).
#[derive(Debug)]
pub struct Predicate {
    /// Unique name, e.g. `task.unblocked`.
    pub name: &'static str,
    /// The condition.
    pub render: fn(DbBackend, &str) -> Expr,
}

impl PartialEq for Predicate {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Predicate {}

impl std::hash::Hash for Predicate {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

/// One condition of a list filter. Columns are fixed by the code, never by clients.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    /// `column IN (values)`; an empty list matches nothing.
    In(Col, Vec<String>),
    /// `column > value`.
    Gt(Col, i64),
    /// `column = value`.
    Eq(Col, String),
    /// `column = id`, for UUID columns.
    EqId(Col, Uuid),
    /// `column IS NULL` (`true`) or `IS NOT NULL` (`false`).
    IsNull(Col, bool),
    /// `column >= time` (`true`) or `column < time` (`false`).
    Since(Col, chrono::DateTime<chrono::Utc>, bool),
    /// The JSON array in `column` holds every one of these strings.
    JsonContainsAll(Col, Vec<String>),
    /// A domain's condition, with its argument.
    Holds(&'static Predicate, String),
}

/// The conditions of a list, ANDed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Filter(pub Vec<Cond>);

impl Filter {
    /// Adds `column IN (values)` when `values` is given.
    pub fn is_in<S: ToString>(mut self, column: Col, values: Option<&[S]>) -> Self {
        if let Some(values) = values {
            self.0.push(Cond::In(column, values.iter().map(ToString::to_string).collect()));
        }
        self
    }

    /// Adds `column > value` when `value` is given.
    pub fn gt(mut self, column: Col, value: Option<i64>) -> Self {
        if let Some(value) = value {
            self.0.push(Cond::Gt(column, value));
        }
        self
    }

    /// Adds a condition.
    pub fn with(mut self, cond: Cond) -> Self {
        self.0.push(cond);
        self
    }

    /// The conditions, ANDed (no condition: every row).
    pub(super) fn condition(&self, backend: DbBackend) -> Condition {
        self.0.iter().fold(Condition::all(), |all, cond| all.add(cond.expr(backend)))
    }
}

impl Cond {
    fn expr(&self, backend: DbBackend) -> Expr {
        match self {
            Self::In(column, values) => column.expr().is_in(values.iter().cloned()),
            Self::Gt(column, value) => column.expr().gt(*value),
            Self::Eq(column, value) => column.expr().eq(value.clone()),
            Self::EqId(column, id) => column.expr().eq(*id),
            Self::IsNull(column, true) => column.expr().is_null(),
            Self::IsNull(column, false) => column.expr().is_not_null(),
            Self::Since(column, at, true) => column.expr().gte(*at),
            Self::Since(column, at, false) => column.expr().lt(*at),
            Self::JsonContainsAll(column, values) if backend == DbBackend::Postgres => Expr::cust_with_exprs(
                "$1 @> CAST($2 AS jsonb)",
                [column.expr(), Expr::val(serde_json::json!(values).to_string())],
            ),
            // SQLite has no containment operator: as many distinct array elements among `values` as
            // `values` has distinct strings. (sea-query's SQLite placeholders are `?`, in order.)
            Self::JsonContainsAll(column, values) => {
                let distinct = values.iter().collect::<std::collections::HashSet<_>>().len() as i64;
                Expr::cust_with_exprs(
                    "(SELECT COUNT(DISTINCT value) FROM json_each(?) WHERE value IN ?) = ?",
                    [column.expr(), Expr::tuple(values.iter().map(|v| Expr::val(v.clone()))), Expr::val(distinct)],
                )
            }
            Self::Holds(predicate, argument) => (predicate.render)(backend, argument),
        }
    }
}

//! The conditions of a list (`WHERE ... AND ...`), from typed queries: columns are the entities'
//! column identifiers (a misspelt column fails the build), values always bound. A condition that
//! belongs to one domain (a task search, "unblocked") is a [`Predicate`] declared in its module.

use sea_orm::{DbBackend, IdenStatic};
use uuid::Uuid;

use crate::service::sql::Sql;

/// A column of a list's statement: the entity's column, in the table aliased `alias` (`t`, the
/// listed table, unless the list's `from` joins another).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Col {
    alias: &'static str,
    name: &'static str,
}

impl Col {
    /// Column `column` of the listed table (`t`).
    pub fn of(column: impl IdenStatic) -> Self {
        Self { alias: "t", name: column.as_str() }
    }

    /// Column `column` of the joined table aliased `alias`.
    pub fn of_joined(alias: &'static str, column: impl IdenStatic) -> Self {
        Self { alias, name: column.as_str() }
    }

    /// Appends `alias.name`.
    pub fn push_to(self, sql: &mut Sql) {
        sql.push(self.alias).push(".").push(self.name);
    }

    /// `alias.name` as text, for the statements written by hand.
    pub fn sql(self) -> String {
        format!("{}.{}", self.alias, self.name)
    }
}

/// A condition of one domain, written by its module: `render` appends the condition over the listed
/// table `t`, given the backend and the condition's argument. Compared by `name`, unique per
/// predicate (the module's `static` names it).
#[derive(Debug)]
pub struct Predicate {
    /// Unique name, e.g. `task.unblocked`.
    pub name: &'static str,
    /// Appends the condition.
    pub render: fn(&mut Sql, DbBackend, &str),
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

    /// Appends ` AND <condition>` for each condition.
    pub(super) fn push_to(&self, sql: &mut Sql, backend: DbBackend) {
        let postgres = backend == DbBackend::Postgres;
        for cond in &self.0 {
            sql.push(" AND ");
            match cond {
                Cond::In(column, values) => {
                    column.push_to(sql);
                    sql.push(" IN ").bind_list(values.iter().cloned());
                }
                Cond::Gt(column, value) => {
                    column.push_to(sql);
                    sql.push(" > ").bind(*value);
                }
                Cond::Eq(column, value) => {
                    column.push_to(sql);
                    sql.push(" = ").bind(value.clone());
                }
                Cond::EqId(column, id) => {
                    column.push_to(sql);
                    sql.push(" = ").bind(*id);
                }
                Cond::IsNull(column, null) => {
                    column.push_to(sql);
                    sql.push(if *null { " IS NULL" } else { " IS NOT NULL" });
                }
                Cond::Since(column, at, since) => {
                    column.push_to(sql);
                    sql.push(if *since { " >= " } else { " < " }).bind(*at);
                }
                Cond::JsonContainsAll(column, values) if postgres => {
                    column.push_to(sql);
                    sql.push(" @> ").bind(serde_json::json!(values).to_string()).push("::jsonb");
                }
                Cond::JsonContainsAll(column, values) => {
                    sql.push("(SELECT COUNT(DISTINCT value) FROM json_each(");
                    column.push_to(sql);
                    sql.push(") WHERE value IN ");
                    sql.bind_list(values.iter().cloned())
                        .push(") = ")
                        .bind(values.iter().collect::<std::collections::HashSet<_>>().len() as i64);
                }
                Cond::Holds(predicate, argument) => (predicate.render)(sql, backend, argument),
            }
        }
    }
}

//! The conditions of a list (`WHERE ... AND ...`), from typed queries; column names are fixed by the
//! code, values always bound.

use sea_orm::DbBackend;
use uuid::Uuid;

use crate::service::sql::Sql;

/// One condition of a list filter. Column names are fixed by the code, never by clients.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    /// `column IN (values)`; an empty list matches nothing.
    In(&'static str, Vec<String>),
    /// `column > value`.
    Gt(&'static str, i64),
    /// `column = value`.
    Eq(&'static str, String),
    /// `column = id`, for UUID columns.
    EqId(&'static str, Uuid),
    /// `column IS NULL` (`true`) or `IS NOT NULL` (`false`).
    IsNull(&'static str, bool),
    /// `column >= time` (`true`) or `column < time` (`false`).
    Since(&'static str, chrono::DateTime<chrono::Utc>, bool),
    /// The JSON array in `column` holds every one of these strings.
    JsonContainsAll(&'static str, Vec<String>),
    /// Full-text match of the task search index (PostgreSQL `tsvector`, SQLite FTS5).
    TaskSearch(String),
    /// The task has no unfinished `blocks` dependency (every one is `done`).
    TaskUnblocked,
}

/// The conditions of a list, ANDed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Filter(pub Vec<Cond>);

impl Filter {
    /// Adds `column IN (values)` when `values` is given.
    pub fn is_in<S: ToString>(mut self, column: &'static str, values: Option<&[S]>) -> Self {
        if let Some(values) = values {
            self.0.push(Cond::In(column, values.iter().map(ToString::to_string).collect()));
        }
        self
    }

    /// Adds `column > value` when `value` is given.
    pub fn gt(mut self, column: &'static str, value: Option<i64>) -> Self {
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
                    sql.push(column).push(" IN ").bind_list(values.iter().cloned());
                }
                Cond::Gt(column, value) => {
                    sql.push(column).push(" > ").bind(*value);
                }
                Cond::Eq(column, value) => {
                    sql.push(column).push(" = ").bind(value.clone());
                }
                Cond::EqId(column, id) => {
                    sql.push(column).push(" = ").bind(*id);
                }
                Cond::IsNull(column, null) => {
                    sql.push(column).push(if *null { " IS NULL" } else { " IS NOT NULL" });
                }
                Cond::Since(column, at, since) => {
                    sql.push(column).push(if *since { " >= " } else { " < " }).bind(*at);
                }
                Cond::JsonContainsAll(column, values) if postgres => {
                    sql.push(column).push(" @> ").bind(serde_json::json!(values).to_string()).push("::jsonb");
                }
                Cond::JsonContainsAll(column, values) => {
                    sql.push("(SELECT COUNT(DISTINCT value) FROM json_each(").push(column).push(") WHERE value IN ");
                    sql.bind_list(values.iter().cloned())
                        .push(") = ")
                        .bind(values.iter().collect::<std::collections::HashSet<_>>().len() as i64);
                }
                Cond::TaskSearch(text) if postgres => {
                    sql.push("t.search @@ plainto_tsquery('english', ").bind(text.clone()).push(")");
                }
                Cond::TaskUnblocked => {
                    sql.push(
                        "NOT EXISTS (SELECT 1 FROM task_dependencies dd JOIN tasks dt ON dt.id = dd.depends_on_id \
                         WHERE dd.task_id = t.id AND dd.kind = 'blocks' AND dt.status <> 'done')",
                    );
                }
                Cond::TaskSearch(text) => {
                    sql.push("t.rowid IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH ")
                        .bind(fts5_query(text))
                        .push(")");
                }
            }
        }
    }
}

/// Turns free text into an FTS5 query that matches every word: each word is quoted, so that FTS5
/// operators in user input are taken literally.
fn fts5_query(text: &str) -> String {
    let words: Vec<String> = text.split_whitespace().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect();
    if words.is_empty() { "\"\"".to_owned() } else { words.join(" ") }
}

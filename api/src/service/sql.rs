//! A small builder for the hand-written SQL that SeaORM's query builder cannot express
//! (LATERAL joins, window functions, `RETURNING` after conditional updates), into which typed
//! sea-query statements are spliced ([`Sql::push_query`]: a tenant's scoped select, for one).
//!
//! Placeholders are `$1, $2, ...`: PostgreSQL's own syntax, which SQLite accepts as numbered parameters.

use std::fmt::Write as _;

use sea_orm::{
    DbBackend, Statement, Value,
    sea_query::{PostgresQueryBuilder, QueryBuilder, QueryStatementWriter, SqlWriter, SqliteQueryBuilder},
};

/// SQL text plus its bound values.
#[derive(Debug, Default)]
pub struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    /// Starts a statement with `text`.
    pub fn new(text: &str) -> Self {
        Self { text: text.to_owned(), values: Vec::new() }
    }

    /// Appends literal SQL.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        let _ = write!(self.text, "${}", self.values.len());
        self
    }

    /// Appends `(p1, p2, ...)` bound to `values`; `(NULL)` when empty, which matches nothing.
    pub fn bind_list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Self {
        self.text.push('(');
        let mut first = true;
        for value in values {
            if !first {
                self.text.push_str(", ");
            }
            first = false;
            self.bind(value);
        }
        if first {
            self.text.push_str("NULL");
        }
        self.text.push(')');
        self
    }

    /// Appends `query`, written for `backend`, its values bound in this statement's numbering.
    pub fn push_query(&mut self, query: &impl QueryStatementWriter, backend: DbBackend) -> &mut Self {
        // Docket runs on SQLite and PostgreSQL only.
        if backend == DbBackend::Sqlite {
            query.build_collect_into(SqliteQueryBuilder, self);
        } else {
            query.build_collect_into(PostgresQueryBuilder, self);
        }
        self
    }

    /// The finished statement for `backend`.
    pub fn build(self, backend: DbBackend) -> Statement {
        Statement::from_sql_and_values(backend, self.text, self.values)
    }
}

impl std::fmt::Write for Sql {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.text.push_str(s);
        Ok(())
    }
}

impl std::fmt::Display for Sql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// sea-query writes into an [`Sql`] as into its own buffer; each value it binds takes this statement's
/// next placeholder.
impl SqlWriter for Sql {
    fn push_param<T: QueryBuilder>(&mut self, value: Value, _: &T) {
        self.bind(value);
    }

    fn as_writer(&mut self) -> &mut dyn std::fmt::Write {
        self
    }
}

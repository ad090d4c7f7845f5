//! Which fields of a page's rows are read, so that a page reads from the database only those.
//!
//! A dashboard's page of 4,000 todos whose nodes select `id status priority` has no use for each
//! todo's metadata (a JSON document the database renders and the server parses again) or its
//! nullable texts. A page loaded for such a selection names the fields its nodes read ([`Fields`]):
//! the columns behind them are read as they are; of the others, a nullable column is left out (the
//! entities' decoder reads a missing column of an `Option` field as `None`, which costs less than a
//! `NULL`: sea-orm formats an error message for every `NULL` it meets) and a JSON column is read as
//! the JSON document `null`, a placeholder that still decodes into the row's type. Every other
//! column (ids, numbers, times, texts that may not be null, which are cheap or could not be faked) is
//! read as it is. A page read this way carries its [`Fields`], and a reader that needs more loads the
//! page again in full.

use std::collections::BTreeSet;

use sea_orm::{
    ColumnTrait, ColumnType, DbBackend, EntityName,
    sea_query::{Expr, SelectStatement},
};

/// The fields of a row (the entity's model field names, `file_path`) that a page's reader reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Fields {
    /// Every field: the page holds whole rows.
    #[default]
    All,
    /// These fields; the others may hold placeholders.
    Only(BTreeSet<&'static str>),
}

impl Fields {
    /// Whether a page read for `self` holds what a reader of `wanted` reads.
    pub fn covers(&self, wanted: &Fields) -> bool {
        match (self, wanted) {
            (Self::All, _) => true,
            (Self::Only(_), Self::All) => false,
            (Self::Only(held), Self::Only(wanted)) => wanted.is_subset(held),
        }
    }

    /// What a reader of both `self` and `other` reads.
    pub fn union(self, other: Fields) -> Fields {
        match (self, other) {
            (Self::Only(mut a), Self::Only(b)) => {
                a.extend(b);
                Self::Only(a)
            }
            _ => Self::All,
        }
    }
}

/// A column of a listed table, as [`Fields`] selects it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Column {
    name: &'static str,
    nullable: bool,
    json: bool,
}

/// The columns of a listed table and the column behind a model field, from the entity's column type.
#[derive(Clone, Debug)]
pub(super) struct Columns {
    table: &'static str,
    all: Vec<Column>,
    of_field: fn(&str) -> Option<&'static str>,
}

impl Columns {
    /// The columns of `C`'s table.
    pub(super) fn of<C: ColumnTrait>() -> Self {
        let table = C::EntityName::default().table_name();
        let all = C::iter()
            .map(|column| {
                let def = column.def();
                let json = matches!(def.get_column_type(), ColumnType::Json | ColumnType::JsonBinary);
                Column { name: column.as_str(), nullable: def.is_null(), json }
            })
            .collect();
        Self { table, all, of_field: |field| C::from_str(field).ok().map(|c| c.as_str()) }
    }

    /// Adds to `select` the listed table's columns for a reader of `fields`: `table.*` for
    /// [`Fields::All`] or when a field is not a column of the table.
    pub(super) fn select(&self, select: &mut SelectStatement, fields: &Fields, backend: DbBackend) {
        let read: Option<Vec<&'static str>> = match fields {
            Fields::All => None,
            Fields::Only(fields) => fields.iter().map(|field| (self.of_field)(field)).collect(),
        };
        let Some(read) = read else {
            select.column((self.table, sea_orm::sea_query::Asterisk));
            return;
        };
        for column in &self.all {
            if read.contains(&column.name) || !(column.nullable || column.json) {
                select.column((self.table, column.name));
            } else if column.nullable {
                continue;
            } else if backend == DbBackend::Postgres {
                // Decodes as the JSON document `null`, from `json` and `jsonb` columns alike.
                select.expr_as(Expr::cust("CAST('null' AS jsonb)"), column.name);
            } else {
                select.expr_as(Expr::cust("'null'"), column.name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use entity::session_todo;
    use sea_orm::sea_query::{PostgresQueryBuilder, Query};

    use super::*;

    fn only(fields: &[&'static str]) -> Fields {
        Fields::Only(fields.iter().copied().collect())
    }

    #[test]
    fn a_page_covers_the_fields_it_was_read_for_and_fewer() {
        assert!(Fields::All.covers(&only(&["status"])));
        assert!(only(&["id", "status"]).covers(&only(&["status"])));
        assert!(!only(&["id"]).covers(&only(&["status"])));
        assert!(!only(&["id"]).covers(&Fields::All));
        assert_eq!(only(&["id"]).union(only(&["status"])), only(&["id", "status"]));
        assert_eq!(only(&["id"]).union(Fields::All), Fields::All);
    }

    #[test]
    fn unread_nullable_and_json_columns_are_placeholders_and_the_rest_is_read() {
        let columns = Columns::of::<session_todo::Column>();
        let mut select = Query::select();
        columns.select(&mut select, &only(&["id", "status", "error"]), DbBackend::Postgres);
        let sql = select.from("session_todos").to_string(PostgresQueryBuilder);
        assert!(sql.contains(r#""session_todos"."error""#), "{sql}");
        assert!(sql.contains(r#""session_todos"."file_path""#), "a text that may not be null is read: {sql}");
        assert!(!sql.contains("claimed_by"), "an unread nullable column is left out: {sql}");
        assert!(sql.contains(r#"CAST('null' AS jsonb) AS "metadata""#), "{sql}");

        let mut select = Query::select();
        columns.select(&mut select, &only(&["id", "not_a_field"]), DbBackend::Postgres);
        let sql = select.from("session_todos").to_string(PostgresQueryBuilder);
        assert!(sql.starts_with(r#"SELECT "session_todos".* FROM"#), "an unknown field reads every column: {sql}");
    }
}

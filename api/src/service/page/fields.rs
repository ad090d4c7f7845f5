//! Which fields of a page's rows are read, so that a page reads from the database only those and
//! decodes only those.
//!
//! A dashboard's page of 4,000 todos whose nodes select `id status priority` has no use for each
//! todo's metadata (a JSON document the database renders and the server parses again), its times or
//! its nullable texts, and decoding a row of sixteen columns by name cost a third of the server's
//! time on such a query. A page loaded for such a selection names the fields its nodes read
//! ([`Fields`]): the statement selects those columns and the list's key (cursors and the order of
//! each page read it), and each row is decoded by position into the entity's default row (every
//! model derives `Default`) with those columns set ([`Partial`]). A page read this way carries its
//! [`Fields`], and a reader that needs more loads the page again in full. A list whose rows are not
//! its table's model (a listing that joins another table), or a column of a type [`reader`] does
//! not decode, reads whole rows.

use std::{any::Any, collections::BTreeSet, sync::Arc};

use sea_orm::{
    ColumnTrait, DbErr, EntityName, EntityTrait, FromQueryResult, ModelTrait, QueryResult,
    sea_query::{ArrayType, SelectStatement, Value},
    sqlx,
};

/// The fields of a row (the entity's model field names, `file_path`) that a page's reader reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Fields {
    /// Every field: the page holds whole rows.
    #[default]
    All,
    /// These fields; the others hold their type's default. Shared: every page of a statement, and
    /// each copy its loader hands out, holds the same set.
    Only(Arc<BTreeSet<&'static str>>),
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
                Arc::make_mut(&mut a).extend(b.iter().copied());
                Self::Only(a)
            }
            _ => Self::All,
        }
    }
}

/// Decodes the value at a position of a row, as the column's type ([`reader`]).
type Reader = fn(&QueryResult, usize) -> Result<Value, DbErr>;

/// Sets the columns `reads` names from `row` on the default row of a model, written into `out` (an
/// `Option` of that model).
pub(super) type Decode = fn(row: &QueryResult, reads: &[Read], out: &mut dyn Any) -> Result<(), DbErr>;

/// The decoder of values of type `ty`, as sea-orm's dynamic models decode them (`sea_orm::dynamic`),
/// by position; `None` for a type no entity of Docket has.
fn reader(ty: &ArrayType) -> Option<Reader> {
    let read: Reader = match ty {
        ArrayType::Bool => |row, at| Ok(Value::Bool(value_at(row, at)?)),
        ArrayType::SmallInt => |row, at| Ok(Value::SmallInt(value_at(row, at)?)),
        ArrayType::Int => |row, at| Ok(Value::Int(value_at(row, at)?)),
        ArrayType::BigInt => |row, at| Ok(Value::BigInt(value_at(row, at)?)),
        ArrayType::Float => |row, at| Ok(Value::Float(value_at(row, at)?)),
        ArrayType::Double => |row, at| Ok(Value::Double(value_at(row, at)?)),
        ArrayType::String => |row, at| Ok(Value::String(value_at(row, at)?)),
        ArrayType::Uuid => |row, at| Ok(Value::Uuid(value_at(row, at)?)),
        ArrayType::Json => |row, at| Ok(Value::Json(value_at(row, at)?.map(Box::new))),
        ArrayType::ChronoDateTimeUtc => |row, at| Ok(Value::ChronoDateTimeUtc(value_at(row, at)?)),
        _ => return None,
    };
    Some(read)
}

/// The value at position `at` of `row` as a `T`, `None` for NULL. On PostgreSQL without sqlx's check
/// of the column's type against `T` (`try_get_unchecked`): the columns read are the entity's own
/// and the page statement's parent (`uuid`) and rank (`bigint`), so their types are known, and the
/// check (a comparison of type descriptions per value) was 6% of a dashboard's instructions, more
/// than decoding the values. Elsewhere through sea-orm, which checks.
pub(super) fn value_at<T>(row: &QueryResult, at: usize) -> Result<Option<T>, DbErr>
where
    T: sea_orm::TryGetable + sqlx::Type<sqlx::Postgres> + for<'r> sqlx::Decode<'r, sqlx::Postgres>,
{
    match row.try_as_pg_row() {
        Some(pg) => sqlx::Row::try_get_unchecked::<Option<T>, _>(pg, at).map_err(|err| DbErr::Type(err.to_string())),
        None => row.try_get_by_index(at),
    }
}

/// One column a partial page reads: its position in the statement's rows, its place among the
/// entity's columns, and its decoder.
#[derive(Clone, Copy, Debug)]
pub(super) struct Read {
    at: usize,
    column: usize,
    value: Reader,
}

/// A column of a listed table.
#[derive(Clone, Copy, Debug)]
struct Column {
    name: &'static str,
    value: Option<Reader>,
}

/// The columns of a listed table, the column behind a model field, and how its model is decoded
/// from some of them, from the entity's column type.
#[derive(Clone, Debug)]
pub(super) struct Columns {
    table: &'static str,
    all: Vec<Column>,
    of_field: fn(&str) -> Option<&'static str>,
    model: std::any::TypeId,
    decode: Decode,
}

/// The model of the entity of column type `C`.
pub(crate) type ModelOf<C> = <<C as ColumnTrait>::EntityName as EntityTrait>::Model;

/// [`Decode`] for the model of `C`.
fn decode<C>(row: &QueryResult, reads: &[Read], out: &mut dyn Any) -> Result<(), DbErr>
where
    C: ColumnTrait,
    C::EntityName: EntityTrait<Column = C>,
    ModelOf<C>: Default,
{
    let out = out
        .downcast_mut::<Option<ModelOf<C>>>()
        .ok_or_else(|| DbErr::Type("a partial row decoded into another type".into()))?;
    let mut model = ModelOf::<C>::default();
    for read in reads {
        let column = C::iter().nth(read.column).ok_or_else(|| DbErr::Type("a column out of range".into()))?;
        model.try_set(column, (read.value)(row, read.at)?)?;
    }
    *out = Some(model);
    Ok(())
}

impl Columns {
    /// The columns of `C`'s table.
    pub(super) fn of<C>() -> Self
    where
        C: ColumnTrait,
        C::EntityName: EntityTrait<Column = C>,
        ModelOf<C>: Default,
    {
        let table = C::EntityName::default().table_name();
        let all = C::iter()
            .map(|column| Column { name: column.as_str(), value: reader(&ModelOf::<C>::get_value_type(column)) })
            .collect();
        Self {
            table,
            all,
            of_field: |field| C::from_str(field).ok().map(|c| c.as_str()),
            model: std::any::TypeId::of::<ModelOf<C>>(),
            decode: decode::<C>,
        }
    }

    /// How rows of type `M` are read for a reader of `fields` beside the list's `key` column: the
    /// columns to select when they can be decoded apart from the others, `None` for whole rows
    /// ([`Fields::All`], a field that is not a column, a row type other than the table's model, a
    /// column without a [`reader`]).
    pub(super) fn partial<M: 'static>(&self, fields: &Fields, key: &'static str) -> Option<Partial> {
        let Fields::Only(fields) = fields else { return None };
        if std::any::TypeId::of::<M>() != self.model {
            return None;
        }
        let mut read: Vec<&'static str> = fields.iter().map(|field| (self.of_field)(field)).collect::<Option<_>>()?;
        read.push(key);
        let mut columns = Vec::new();
        for (index, column) in self.all.iter().enumerate() {
            if read.contains(&column.name) {
                columns.push((index, column.name, column.value?));
            }
        }
        Some(Partial { table: self.table, columns, decode: self.decode })
    }

    /// Adds `table.*` to `select`.
    pub(super) fn select_all(&self, select: &mut SelectStatement) {
        select.column((self.table, sea_orm::sea_query::Asterisk));
    }
}

/// The columns a page reads of its rows and how they decode ([`Columns::partial`]).
#[derive(Clone, Debug)]
pub(super) struct Partial {
    table: &'static str,
    /// Each column's place among the entity's columns, name and decoder.
    columns: Vec<(usize, &'static str, Reader)>,
    decode: Decode,
}

impl Partial {
    /// Adds the columns to `select`.
    pub(super) fn select(&self, select: &mut SelectStatement) {
        for (_, name, _) in &self.columns {
            select.column((self.table, *name));
        }
    }

    /// The decoding of rows of a statement with columns `names`.
    fn rows_like(&self, names: &ColumnNames) -> Result<Rows, DbErr> {
        let reads = self
            .columns
            .iter()
            .map(|&(column, name, value)| Ok(Read { at: names.position(name)?, column, value }))
            .collect::<Result<_, DbErr>>()?;
        Ok(Rows::Partial { reads, decode: self.decode })
    }
}

/// The names of a statement's columns, read once from one of its rows, to find columns by position.
pub(super) struct ColumnNames(Vec<String>);

impl ColumnNames {
    /// The columns of `row`'s statement.
    pub(super) fn of(row: &QueryResult) -> Self {
        Self(row.column_names())
    }

    /// The position of column `name`. Errors: the statement has no such column.
    pub(super) fn position(&self, name: &str) -> Result<usize, DbErr> {
        self.0
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| DbErr::Type(format!("the statement has no column `{name}`")))
    }
}

/// How the rows of one statement decode: by position, the columns of a [`Partial`] only, or whole
/// by the row type's own decoder.
pub(super) enum Rows {
    /// Each row is the model's default with these columns set.
    Partial { reads: Vec<Read>, decode: Decode },
    /// Each row is read whole.
    Whole,
}

impl Rows {
    /// The decoding of a statement's rows, of columns `names` (`None`: there are no rows), read for
    /// `partial` (`None`: whole rows).
    pub(super) fn of(partial: Option<Partial>, names: Option<&ColumnNames>) -> Result<Self, DbErr> {
        match (partial, names) {
            (Some(partial), Some(names)) => partial.rows_like(names),
            _ => Ok(Self::Whole),
        }
    }

    /// `row` as `M`.
    pub(super) fn decode<M: FromQueryResult + 'static>(&self, row: &QueryResult) -> Result<M, DbErr> {
        match self {
            Self::Partial { reads, decode } => {
                let mut out: Option<M> = None;
                decode(row, reads, &mut out)?;
                out.ok_or_else(|| DbErr::Type("a partial row decoded nothing".into()))
            }
            Self::Whole => M::from_query_result(row, ""),
        }
    }
}

#[cfg(test)]
mod tests {
    use entity::session_todo;
    use sea_orm::sea_query::{PostgresQueryBuilder, Query};

    use super::*;

    fn only(fields: &[&'static str]) -> Fields {
        Fields::Only(Arc::new(fields.iter().copied().collect()))
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
    fn a_partial_page_selects_the_columns_read_and_the_key_and_anything_else_reads_whole_rows() {
        let columns = Columns::of::<session_todo::Column>();
        let partial = columns.partial::<session_todo::Model>(&only(&["status", "error"]), "id").unwrap();
        let mut select = Query::select();
        partial.select(&mut select);
        let sql = select.from("session_todos").to_string(PostgresQueryBuilder);
        assert_eq!(
            sql,
            r#"SELECT "session_todos"."id", "session_todos"."status", "session_todos"."error" FROM "session_todos""#,
            "the columns in the table's order, the key among them"
        );

        assert!(columns.partial::<session_todo::Model>(&Fields::All, "id").is_none());
        assert!(columns.partial::<session_todo::Model>(&only(&["id", "not_a_field"]), "id").is_none());
        assert!(
            columns.partial::<entity::task::Model>(&only(&["id"]), "id").is_none(),
            "rows of another type than the table's model are read whole"
        );
    }
}

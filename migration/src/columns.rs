//! Column definitions shared by every table, so that ids, timestamps and JSON look the same everywhere.

use sea_orm_migration::prelude::*;

/// A UUID primary key; the server generates UUIDv7 values.
pub fn id<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().primary_key().to_owned()
}

/// A non-null UUID referencing another table.
pub fn uuid_ref<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().to_owned()
}

/// A non-null timestamp with time zone defaulting to now.
pub fn timestamp_now<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().not_null().default(Expr::current_timestamp()).to_owned()
}

/// A nullable timestamp with time zone.
pub fn timestamp_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().null().to_owned()
}

/// A non-null JSON column (`jsonb` on PostgreSQL) defaulting to `default`, e.g. `{}` or `[]`.
pub fn json<T: IntoIden>(name: T, default: &str) -> ColumnDef {
    ColumnDef::new(name).json_binary().not_null().default(Expr::cust(format!("'{default}'"))).to_owned()
}

/// A non-null status column of at most 50 characters, limited by a CHECK to `allowed`.
pub fn status<T: IntoIden + Clone + 'static>(name: T, allowed: &[&str], default: &str) -> ColumnDef {
    ColumnDef::new(name.clone())
        .string_len(50)
        .not_null()
        .default(default)
        .check(Expr::col(name).is_in(allowed.iter().copied()))
        .to_owned()
}

/// A foreign key from `from_table.from_col` to `to_table.id` that cascades deletes.
pub fn cascade_fk<A, B, C, D>(from_table: A, from_col: B, to_table: C, to_col: D) -> ForeignKeyCreateStatement
where
    A: IntoIden,
    B: IntoIden,
    C: IntoIden,
    D: IntoIden,
{
    ForeignKey::create().from(from_table, from_col).to(to_table, to_col).on_delete(ForeignKeyAction::Cascade).to_owned()
}

/// `CREATE INDEX name ON table (columns...)`.
pub fn index<T, C, I>(name: &str, table: T, columns: I) -> IndexCreateStatement
where
    T: IntoIden,
    C: IntoIndexColumn,
    I: IntoIterator<Item = C>,
{
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    index.to_owned()
}

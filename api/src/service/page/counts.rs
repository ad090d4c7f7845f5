//! Counts of lists: per parent (many parents in one statement), per parent and value of a column,
//! and of a root list; confined to the scope's organization like the lists themselves.

use std::collections::HashMap;

use sea_orm::{
    ConnectionTrait, DbBackend,
    sea_query::{Asterisk, Expr, ExprTrait, Func},
};
use uuid::Uuid;

use super::{Col, Filter, Known, ListSpec, Parents, per_parent};
use crate::{error::ApiResult, service::viewer::Scope};

/// How many rows the list holds for each of `parents` (0 when none, or given and of another
/// organization), in one statement.
pub async fn counts_by_parent(
    db: &impl ConnectionTrait,
    scope: Scope,
    spec: &ListSpec,
    parents: Parents<'_>,
    filter: &Filter,
) -> ApiResult<HashMap<Uuid, i64>> {
    let mut counts: HashMap<Uuid, i64> = parents.ids.iter().map(|p| (*p, 0)).collect();
    for (parent, _, n) in grouped_counts(db, scope, spec, parents, filter, None).await? {
        counts.insert(parent, n);
    }
    Ok(counts)
}

/// For each of `parents`, how many rows have each value of `column` (e.g. events per type).
pub async fn counts_by_parent_and(
    db: &impl ConnectionTrait,
    scope: Scope,
    spec: &ListSpec,
    parents: &[Uuid],
    column: Col,
) -> ApiResult<HashMap<Uuid, Vec<(String, i64)>>> {
    let mut counts: HashMap<Uuid, Vec<(String, i64)>> = parents.iter().map(|p| (*p, Vec::new())).collect();
    for (parent, key, n) in
        grouped_counts(db, scope, spec, Parents { ids: parents, known: Known::Given }, &Filter::default(), Some(column))
            .await?
    {
        counts.entry(parent).or_default().push((key.unwrap_or_default(), n));
    }
    for list in counts.values_mut() {
        list.sort();
    }
    Ok(counts)
}

/// For each of `parents`, how many rows are in each value of the enum column `column`: every
/// value present, zero when none (e.g. todos per status).
pub async fn counts_by_parent_and_enum<E>(
    db: &impl ConnectionTrait,
    scope: Scope,
    spec: &ListSpec,
    parents: &[Uuid],
    column: Col,
) -> ApiResult<HashMap<Uuid, Vec<(E, i64)>>>
where
    E: sea_orm::ActiveEnum<Value = String> + sea_orm::Iterable,
{
    let raw = counts_by_parent_and(db, scope, spec, parents, column).await?;
    Ok(raw
        .into_iter()
        .map(|(parent, counts)| {
            let by_value: HashMap<String, i64> = counts.into_iter().collect();
            let all = E::iter().map(|v| {
                let n = by_value.get(&v.to_value()).copied().unwrap_or(0);
                (v, n)
            });
            (parent, all.collect())
        })
        .collect())
}

async fn grouped_counts(
    db: &impl ConnectionTrait,
    scope: Scope,
    spec: &ListSpec,
    parents: Parents<'_>,
    filter: &Filter,
    column: Option<Col>,
) -> ApiResult<Vec<(Uuid, Option<String>, i64)>> {
    if parents.ids.is_empty() {
        return Ok(Vec::new());
    }
    let (parent, parent_table) = spec.parents()?;
    let backend = db.get_database_backend();
    let mut rows = spec.from();
    rows.cond_where(filter.condition(backend));
    if let Some(column) = column {
        rows.expr_as(column.expr(), "group_key").group_by_col(column.column_ref());
    }
    rows.expr_as(Func::count(Expr::col(Asterisk)), "n");
    let select = if backend == DbBackend::Postgres {
        // As the pages do: the organization's parents, then each one's rows by index. A plain
        // `IN (parents)` leaves PostgreSQL to guess how many parents the organization's join keeps,
        // and on fresh tables it guesses badly (a hash of every row of the child table).
        rows.and_where(parent.expr().eq(Expr::col(("p", "id"))));
        per_parent(parents.subquery(scope, parent_table), rows)
    } else {
        rows.expr_as(parent.expr(), super::PARENT_COLUMN).group_by_col(parent.column_ref());
        rows.and_where(parents.condition(scope, parent_table, parent));
        rows
    };
    let rows = db.query_all_raw(backend.build(&select)).await?;
    rows.iter()
        .map(|row| {
            let parent: Uuid = row.try_get("", super::PARENT_COLUMN)?;
            let key: Option<String> = if column.is_some() { Some(row.try_get("", "group_key")?) } else { None };
            let n: i64 = row.try_get("", "n")?;
            Ok((parent, key, n))
        })
        .collect()
}

/// How many rows a list without parent holds in the scope's organization.
pub async fn count(db: &impl ConnectionTrait, scope: Scope, spec: &ListSpec, filter: &Filter) -> ApiResult<i64> {
    let backend = db.get_database_backend();
    let mut select = spec.from();
    select.expr_as(Func::count(Expr::col(Asterisk)), "n");
    select.and_where(spec.tenancy(scope)).cond_where(filter.condition(backend));
    let row = db.query_one_raw(backend.build(&select)).await?;
    Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0))
}

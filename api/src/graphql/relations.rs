//! How a resolver reads a relation: through its operation's DataLoader, which answers from the rows
//! loaded ahead ([`super::prefetch`]) when they are there; otherwise it loads the key now (a lookup by
//! id, a mutation's payload, a subscription item: batched with the keys asked for at the same
//! moment), after which the resolver loads ahead, for the rows it got, whatever its selection asks
//! below them. Rows in hand from a service (a root list, a lookup, a payload's list) go through
//! [`ahead_of_nodes`], [`ahead_of_one`] or [`ahead_of_rows`] for the same reason. No read waits for a
//! batching window, and every read is confined to the viewer's organization. A page loaded ahead
//! holds the columns its nodes read ([`crate::service::page::Fields`]); a connection whose selection
//! reads more than the page it finds holds reads the page again whole. This is the only way resolvers
//! reach related rows.

use std::hash::Hash;

use async_graphql::{Context, OutputType, SelectionField};
use uuid::Uuid;

use super::{
    connection::{Conn, PlainFields, connection, fields_read, wants_total},
    loaders::{Batch, ById, ChildCounts, ChildList, ChildPages, CountKey, PageKey},
    prefetch::{Plan, Prefetch, nodes_of, prefetch},
};
use crate::{
    error::ApiResult,
    service::{
        page::{Fields, Filter, Known, Page, PageArgs},
        tenant::Tenanted,
    },
};

/// The value of `key` by loader `L`: loaded ahead, or loaded by its DataLoader. The second member says
/// whether it was not loaded ahead (so that what lies below it still has to be).
async fn load<L, K>(plan: Plan<'_>, key: K) -> ApiResult<(Option<L::Value>, bool)>
where
    L: Batch<K>,
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    let slot = plan.store.load::<L, K>(plan, key).await?;
    Ok((slot.value, !slot.fed))
}

/// A connection field over child list `L` of `parent`, narrowed by `filter`, paged by `args`; nodes
/// are made by `node`. `totalCount` is counted only when selected.
pub async fn child_connection<L, T>(
    ctx: &Context<'_>,
    parent: Uuid,
    filter: Filter,
    args: PageArgs,
    node: impl Fn(L::Model) -> T,
) -> async_graphql::Result<Conn<T>>
where
    L: ChildList,
    T: OutputType + Prefetch<Row = L::Model> + PlainFields,
{
    let plan = Plan::of(ctx)?;
    let page_key = PageKey { parent, filter: filter.clone(), args };
    let count = async {
        if !wants_total(ctx) {
            return Ok(None);
        }
        Ok(Some(load::<ChildCounts<L>, _>(plan, CountKey { parent, filter }).await?.0.unwrap_or(0)))
    };
    // Page and count load together.
    let ((loaded, mut loaded_now), total) =
        futures_util::try_join!(load::<ChildPages<L>, _>(plan, page_key.clone()), count)?;
    let page = match loaded {
        None => Page::empty(),
        Some(loaded) if loaded.fields.covers(&fields_read::<T>(&nodes_of(ctx.field()))) => loaded.page,
        Some(_) => {
            // Loaded ahead for another selection of the same page (the same parent reached by another
            // path) whose nodes read fewer fields: this one reads its page whole.
            loaded_now = true;
            let mut pages = ChildPages::<L>::new(plan.db, plan.scope)
                .load_reading(std::slice::from_ref(&page_key), &Fields::All, Known::Given)
                .await?;
            pages.remove(&page_key).map_or_else(Page::empty, |loaded| loaded.page)
        }
    };
    if loaded_now {
        prefetch::<T>(plan, page.items.clone(), nodes_of(ctx.field())).await?;
    }
    Ok(connection(page, total, node))
}

/// The row of `E` with this id (a parent, an owner, a lookup by id), as an object of type `T`;
/// `None` when it does not exist in the viewer's organization.
pub async fn by_id<E, T>(ctx: &Context<'_>, id: Uuid) -> ApiResult<Option<E::Model>>
where
    E: Tenanted,
    T: Prefetch<Row = E::Model>,
{
    let plan = Plan::of(ctx)?;
    let (row, loaded_now) = load::<ById<E>, _>(plan, id).await?;
    if let (Some(row), true) = (&row, loaded_now) {
        prefetch::<T>(plan, vec![row.clone()], vec![ctx.field()]).await?;
    }
    Ok(row)
}

/// A value computed per parent by loader `L` (counts, summaries); `None` when the loader has none.
pub async fn per_parent<L: Batch<Uuid>>(ctx: &Context<'_>, parent: Uuid) -> ApiResult<Option<L::Value>> {
    Ok(load::<L, Uuid>(Plan::of(ctx)?, parent).await?.0)
}

/// The plain list of child rows of `parent` by loader `L` (a workflow's phases), as loaded ahead
/// ([`super::prefetch::Level::list`]); when it was not, loaded now, and then what the field asks
/// below them.
pub async fn child_rows<L, T>(ctx: &Context<'_>, parent: Uuid) -> ApiResult<Vec<T::Row>>
where
    L: Batch<Uuid, Value = Vec<T::Row>>,
    T: Prefetch,
{
    let plan = Plan::of(ctx)?;
    let (rows, loaded_now) = load::<L, Uuid>(plan, parent).await?;
    let rows = rows.unwrap_or_default();
    if loaded_now {
        prefetch::<T>(plan, rows.clone(), vec![ctx.field()]).await?;
    }
    Ok(rows)
}

/// The fields of the rows that the nodes of the connection field being resolved read: a root list's
/// page reads only those ([`Fields`]).
pub fn nodes_read<T: PlainFields>(ctx: &Context<'_>) -> Fields {
    fields_read::<T>(&nodes_of(ctx.field()))
}

/// Loads ahead what the connection field being resolved asks of its nodes, `rows` (a root list).
pub async fn ahead_of_nodes<T: Prefetch>(ctx: &Context<'_>, rows: &[T::Row]) -> ApiResult<()> {
    prefetch::<T>(Plan::of(ctx)?, rows.to_vec(), nodes_of(ctx.field())).await
}

/// Loads ahead what the field being resolved asks of `row`, which it returns (a lookup).
pub async fn ahead_of_one<T: Prefetch>(ctx: &Context<'_>, row: &T::Row) -> ApiResult<()> {
    ahead_of_rows::<T>(ctx, std::slice::from_ref(row), vec![ctx.field()]).await
}

/// Loads ahead what `selection` (fields over `T`, e.g. a payload's list field) asks of `rows`.
pub async fn ahead_of_rows<'a, T: Prefetch>(
    ctx: &Context<'a>,
    rows: &[T::Row],
    selection: Vec<SelectionField<'a>>,
) -> ApiResult<()> {
    prefetch::<T>(Plan::of(ctx)?, rows.to_vec(), selection).await
}

//! Batch loaders: each relation of the schema read for many keys at once, one statement per call,
//! always within the viewer's organization. Each operation runs them through async-graphql's
//! `DataLoader` ([`OperationLoader`]), one per loader and root field, made by the operation's store
//! (`graphql::prefetch::Prefetched`): the look-ahead loads a whole level of a query with
//! [`Batch::load`] and feeds the rows into the loaders before the children resolve; a resolver reads
//! through its loader, which answers from what was fed, and batches what was not (a subscription
//! item, a mutation's payload) like any DataLoader. Nothing outlives the operation, so no stale row
//! is served.

mod summaries;

use std::{collections::HashMap, future::Future, hash::Hash, marker::PhantomData};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};

pub(crate) use summaries::per_parent;
pub use summaries::*;
use uuid::Uuid;

use crate::{
    db::Reads,
    error::{ApiError, ApiResult},
    service::{
        Scope,
        page::{self, Fields, Filter, Known, ListSpec, Listed, Page, PageArgs, Parents},
        tenant::{self, Tenanted},
    },
};

/// A relation read for many keys at once, confined to one organization.
pub trait Batch<K>: Send + Sync + 'static {
    /// What a key maps to.
    type Value: Clone + Send + Sync + 'static;
    /// The loader over `db` for `scope`.
    fn new(db: &Reads, scope: Scope) -> Self;
    /// The values of `keys`, in one statement; a key without a value is absent.
    fn load(&self, keys: &[K]) -> impl Future<Output = ApiResult<HashMap<K, Self::Value>>> + Send;
}

/// What an operation's loader holds for a key: its value (`None`: the key has no row), and whether
/// the look-ahead fed it, in which case what lies below it was loaded ahead too.
#[derive(Clone, Debug)]
pub struct Slot<V> {
    /// The key's value, if it has one.
    pub value: Option<V>,
    /// Fed by the look-ahead (`false`: the loader loaded it for a resolver).
    pub fed: bool,
}

/// A [`Batch`] as async-graphql's [`Loader`]: every key asked gets a [`Slot`], so that a key without
/// a value is cached too and never read twice.
pub struct Loaded<L>(pub L);

impl<K, L> Loader<K> for Loaded<L>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    L: Batch<K>,
{
    type Value = Slot<L::Value>;
    type Error = ApiError;

    async fn load(&self, keys: &[K]) -> Result<HashMap<K, Self::Value>, ApiError> {
        let mut found = self.0.load(keys).await?;
        Ok(keys.iter().map(|key| (key.clone(), Slot { value: found.remove(key), fed: false })).collect())
    }
}

/// The DataLoader of batch loader `L` for one root field of one operation, caching every key it is
/// fed or loads. Its cache hashes with foldhash, not the standard library's SipHash: a dashboard
/// hashes its keys thousands of times.
pub type OperationLoader<L> = DataLoader<Loaded<L>, HashMapCache<foldhash::fast::RandomState>>;

/// Rows by id, of the organization only.
pub struct ById<E> {
    db: Reads,
    scope: Scope,
    entity: PhantomData<E>,
}

impl<E: Tenanted> Batch<Uuid> for ById<E> {
    type Value = E::Model;

    fn new(db: &Reads, scope: Scope) -> Self {
        Self { db: db.clone(), scope, entity: PhantomData }
    }

    async fn load(&self, keys: &[Uuid]) -> ApiResult<HashMap<Uuid, E::Model>> {
        let rows = tenant::rows::<E>(&self.db, self.scope, keys).await?;
        Ok(rows.into_iter().map(|row| (E::id_of(&row), row)).collect())
    }
}

/// Declares the child list of a connection field, in the module that holds the field:
/// `child_list!(/// Its doc. Name: entity::x::Model = crate::module::X_OF_Y)`, where `X_OF_Y` is the
/// module's [`page::List`].
macro_rules! child_list {
    ($(#[$doc:meta])* $name:ident: $model:ty = $spec:path) => {
        $(#[$doc])*
        pub struct $name;

        impl $crate::graphql::loaders::ChildList for $name {
            type Model = $model;

            fn spec() -> &'static $crate::service::page::ListSpec {
                &$spec
            }
        }
    };
}
pub(crate) use child_list;

/// A list that hangs off a parent row.
pub trait ChildList: Send + Sync + 'static {
    /// Row type.
    type Model: Listed;
    /// Where its rows come from (and how it is confined to the organization).
    fn spec() -> &'static ListSpec;
}

/// One parent's page of a child list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageKey {
    /// Parent id.
    pub parent: Uuid,
    /// The list's filter.
    pub filter: Filter,
    /// Which page.
    pub args: PageArgs,
}

/// One parent's count of a child list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CountKey {
    /// Parent id.
    pub parent: Uuid,
    /// The list's filter.
    pub filter: Filter,
}

/// Groups keys that share everything but the parent; each group is one statement.
fn group_by<K, G: Hash + Eq>(keys: &[K], split: impl Fn(&K) -> (Uuid, G)) -> HashMap<G, Vec<Uuid>> {
    let mut groups: HashMap<G, Vec<Uuid>> = HashMap::new();
    for key in keys {
        let (parent, group) = split(key);
        groups.entry(group).or_default().push(parent);
    }
    groups
}

/// One parent's page of a child list, and the fields its rows hold (the others may hold their type's
/// default: [`Fields`]).
#[derive(Clone, Debug)]
pub struct ChildPage<M> {
    /// The page.
    pub page: Page<M>,
    /// What the rows hold.
    pub fields: Fields,
}

/// Pages of a child list for many parents.
pub struct ChildPages<L> {
    db: Reads,
    scope: Scope,
    list: PhantomData<L>,
}

impl<L: ChildList> ChildPages<L> {
    /// The pages of `keys`, their rows holding `fields`, their parents known as `known` says: one
    /// statement per filter and page.
    pub async fn load_reading(
        &self,
        keys: &[PageKey],
        fields: &Fields,
        known: Known,
    ) -> ApiResult<HashMap<PageKey, ChildPage<L::Model>>> {
        let mut out = HashMap::new();
        for ((filter, args), ids) in group_by(keys, |k| (k.parent, (k.filter.clone(), k.args.clone()))) {
            let pages = page::pages_by_parent::<L::Model>(
                &self.db,
                self.scope,
                L::spec(),
                Parents { ids: &ids, known },
                &filter,
                &args,
                fields,
            )
            .await?;
            for (parent, page) in pages {
                let key = PageKey { parent, filter: filter.clone(), args: args.clone() };
                out.insert(key, ChildPage { page, fields: fields.clone() });
            }
        }
        Ok(out)
    }
}

impl<L: ChildList> Batch<PageKey> for ChildPages<L> {
    type Value = ChildPage<L::Model>;

    fn new(db: &Reads, scope: Scope) -> Self {
        Self { db: db.clone(), scope, list: PhantomData }
    }

    /// Whole rows: a page loaded on a resolver's demand serves whatever its nodes select. Its parents
    /// are looked up in the organization.
    async fn load(&self, keys: &[PageKey]) -> ApiResult<HashMap<PageKey, Self::Value>> {
        self.load_reading(keys, &Fields::All, Known::Given).await
    }
}

/// Counts of a child list for many parents.
pub struct ChildCounts<L> {
    db: Reads,
    scope: Scope,
    list: PhantomData<L>,
}

impl<L: ChildList> ChildCounts<L> {
    /// The counts of `keys`, their parents known as `known` says: one statement per filter.
    pub async fn load_counting(&self, keys: &[CountKey], known: Known) -> ApiResult<HashMap<CountKey, i64>> {
        let mut out = HashMap::new();
        for (filter, ids) in group_by(keys, |k| (k.parent, k.filter.clone())) {
            for (parent, n) in
                page::counts_by_parent(&self.db, self.scope, L::spec(), Parents { ids: &ids, known }, &filter).await?
            {
                out.insert(CountKey { parent, filter: filter.clone() }, n);
            }
        }
        Ok(out)
    }
}

impl<L: ChildList> Batch<CountKey> for ChildCounts<L> {
    type Value = i64;

    fn new(db: &Reads, scope: Scope) -> Self {
        Self { db: db.clone(), scope, list: PhantomData }
    }

    /// Parents looked up in the organization.
    async fn load(&self, keys: &[CountKey]) -> ApiResult<HashMap<CountKey, i64>> {
        self.load_counting(keys, Known::Given).await
    }
}

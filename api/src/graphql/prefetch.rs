//! Loading ahead: one SQL statement per level of a nested query, whatever the timing.
//!
//! A DataLoader batches the keys that reach it within a short window after the first. When resolving
//! a level's parents takes longer than the window (a debug build, a busy or an idle machine), the
//! keys of one level arrive in two windows and the level costs two statements. So batching does not
//! rest on timing here: a resolver that holds a whole level of parents (a page of workspaces, a row
//! loaded by id) reads the selection set below it, and before any child resolves it loads every
//! relation selected, for all parents at once, level by level down the tree. The rows are fed into
//! the operation's DataLoaders, and pages handed over for as many reads as will ask for them
//! ([`Prefetched`]), from which the child resolvers take them (`graphql::relations`). Each relation
//! of a level is one statement (two for a connection whose `totalCount` is selected), and so is each
//! level below. A key nobody fed is loaded by its DataLoader, batched with the others asked for at
//! the same moment.
//!
//! What each object type can load ahead is declared next to the type, by implementing [`Prefetch`]
//! with a [`Level`]: the same filter functions serve the resolver and the declaration, so both compute
//! the same key. A row that a resolver reads outside the store (a lookup by id, a mutation's payload)
//! is loaded on its own, and the subtree below it is loaded ahead in turn.
//!
//! The store is keyed by the operation's root field, so that the serial root fields of a mutation
//! never see rows read before an earlier one wrote; a subscription clears it before each item. Every
//! load is confined to the viewer's organization (the loaders take the viewer's scope).

use std::{
    any::{Any, TypeId},
    hash::Hash,
    sync::{Arc, Mutex},
    time::Duration,
};

use async_graphql::{
    Context, InputType, Name, QueryPathSegment, SelectionField, Value,
    dataloader::{DataLoader, HashMapCache},
};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use futures_util::future::{BoxFuture, try_join, try_join_all};
use uuid::Uuid;

use super::{
    connection::{PlainFields, fields_read, only_plain, page_args},
    loaders::{Batch, ById, ChildCounts, ChildList, ChildPages, CountKey, Loaded, OperationLoader, PageKey, Slot},
};
use crate::{
    error::{ApiError, ApiResult},
    service::{
        RequestContext, Scope,
        page::{Filter, Known, PageArgs},
        tenant::Tenanted,
    },
    state::AppState,
};

/// The loaders of one operation: per root field and batch loader, an [`OperationLoader`] whose cache
/// holds what the look-ahead fed and what it loaded itself, and the pages the look-ahead handed over
/// ([`Handed`]). Put into each operation's data by [`super::operation::Engine`]; clones share them.
#[derive(Clone, Default)]
pub struct Prefetched {
    loaders: Arc<Mutex<HashMap<String, ByLoader>>>,
    handed: Arc<Mutex<HashMap<String, ByHanded>>>,
}

/// One root field's loaders, by batch loader type.
type ByLoader = HashMap<TypeId, Arc<dyn Any + Send + Sync>>;

/// One root field's handed-over values, by batch loader type: a [`Handed`] of its key and value.
type ByHanded = HashMap<TypeId, Box<dyn Any + Send>>;

/// Values the look-ahead loaded for a known number of reads (a page for each occurrence of its
/// connection field under each appearance of its parent): each read but the last takes a copy, the
/// last the value itself. A DataLoader's cache hands out a copy on every read, and copying every
/// page of a dashboard (5,000 rows) cost 3% of its CPU. A key read more often than counted is then
/// loaded by its DataLoader like a key nobody fed.
struct Handed<K, V>(HashMap<K, (usize, Option<V>)>);

impl Prefetched {
    /// The loader of `L` under `plan`'s root field, made on first use.
    fn loader<L, K>(&self, plan: Plan<'_>) -> ApiResult<Arc<OperationLoader<L>>>
    where
        L: Batch<K>,
        K: Hash + Eq + Clone + Send + Sync + 'static,
    {
        let mut roots = self.loaders.lock().unwrap_or_else(|e| e.into_inner());
        let loaders = match roots.contains_key(plan.root) {
            true => roots.get_mut(plan.root),
            false => Some(roots.entry(plan.root.to_owned()).or_default()),
        }
        .ok_or_else(|| anyhow::anyhow!("the root's loaders vanished"))?;
        let loader = loaders.entry(TypeId::of::<L>()).or_insert_with(|| {
            // No batching window: the keys one resolver level asks for arrive in one poll, before the
            // load task runs; a window would only delay the lone lookups.
            let loader = DataLoader::with_cache(
                Loaded(L::new(plan.db, plan.scope)),
                tokio::spawn,
                HashMapCache::<foldhash::fast::RandomState>::new(),
            )
            .delay(Duration::ZERO);
            Arc::new(loader)
        });
        Arc::clone(loader)
            .downcast::<OperationLoader<L>>()
            .map_err(|_| anyhow::anyhow!("a loader of another type under the same id").into())
    }

    /// Feeds `entries` (each key's value, `None` when it has none) into the loader of `L`.
    async fn feed<L, K>(
        &self,
        plan: Plan<'_>,
        entries: impl IntoIterator<Item = (K, Option<L::Value>)>,
    ) -> ApiResult<()>
    where
        L: Batch<K>,
        K: Hash + Eq + Clone + Send + Sync + 'static,
    {
        let loader = self.loader::<L, K>(plan)?;
        loader.feed_many(entries.into_iter().map(|(key, value)| (key, Slot { value, fed: true }))).await;
        Ok(())
    }

    /// Hands `entries` (each key's value, `None` when it has none, and how many reads will ask for
    /// it) over to the reads of loader `L` ([`Handed`]).
    fn hand<L, K>(&self, plan: Plan<'_>, entries: impl IntoIterator<Item = (K, Option<L::Value>, usize)>)
    where
        L: Batch<K>,
        K: Hash + Eq + Send + 'static,
    {
        let mut roots = self.handed.lock().unwrap_or_else(|e| e.into_inner());
        let by_type = roots.entry(plan.root.to_owned()).or_default();
        let handed =
            by_type.entry(TypeId::of::<L>()).or_insert_with(|| Box::new(Handed::<K, L::Value>(HashMap::new())));
        let Some(Handed(handed)) = handed.downcast_mut::<Handed<K, L::Value>>() else { return };
        for (key, value, reads) in entries {
            // Fed again (another path to the same key): the reads of both, the newer value.
            let entry = handed.entry(key).or_insert((0, None));
            *entry = (entry.0 + reads, value);
        }
    }

    /// The value handed over for `key` by loader `L`, if any read of it is left: a copy, or the
    /// value itself for the last read.
    fn take<L, K>(&self, plan: Plan<'_>, key: &K) -> Option<Option<L::Value>>
    where
        L: Batch<K>,
        K: Hash + Eq + Send + 'static,
    {
        let mut roots = self.handed.lock().unwrap_or_else(|e| e.into_inner());
        let handed = roots.get_mut(plan.root)?.get_mut(&TypeId::of::<L>())?;
        let Handed(handed) = handed.downcast_mut::<Handed<K, L::Value>>()?;
        let (reads, value) = handed.get_mut(key)?;
        *reads = reads.saturating_sub(1);
        match reads {
            0 => handed.remove(key).map(|(_, value)| value),
            _ => Some(value.clone()),
        }
    }

    /// Forgets everything (a subscription does before each item, which must show current rows).
    pub fn clear(&self) {
        self.loaders.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.handed.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// The value of `key` by loader `L` under `plan`'s root: handed over, fed, or loaded now (batched
    /// with the other keys asked for at the same moment).
    pub async fn load<L, K>(&self, plan: Plan<'_>, key: K) -> ApiResult<Slot<L::Value>>
    where
        L: Batch<K>,
        K: Hash + Eq + Clone + Send + Sync + 'static,
    {
        if let Some(value) = self.take::<L, K>(plan, &key) {
            return Ok(Slot { value, fed: true });
        }
        let loader = self.loader::<L, K>(plan)?;
        Ok(loader.load_one(key).await?.unwrap_or(Slot { value: None, fed: false }))
    }
}

/// Where loaded-ahead rows come from and go to: the pool, the viewer's organization, the store and the
/// operation's root field.
#[derive(Clone, Copy)]
pub struct Plan<'a> {
    /// The pool.
    pub db: &'a crate::db::Reads,
    /// The viewer's organization: every load is confined to it.
    pub scope: Scope,
    /// The operation's store.
    pub store: &'a Prefetched,
    /// The response key of the root field being resolved.
    pub root: &'a str,
}

impl<'a> Plan<'a> {
    /// The plan of the field `ctx` resolves. Errors: `UNAUTHENTICATED` when the operation has no viewer
    /// (it always has one when it came through the HTTP or websocket layer).
    pub fn of(ctx: &Context<'a>) -> ApiResult<Self> {
        let request = ctx
            .data_opt::<RequestContext>()
            .ok_or_else(|| ApiError::Unauthenticated("the operation has no viewer".into()))?;
        let store = ctx.data_opt::<Prefetched>().ok_or_else(|| anyhow::anyhow!("the operation has no store"))?;
        let mut node = ctx.path_node.as_ref().ok_or_else(|| anyhow::anyhow!("a field without a path"))?;
        while let Some(parent) = node.parent {
            node = parent;
        }
        let QueryPathSegment::Name(root) = node.segment else {
            return Err(anyhow::anyhow!("a root path that is not a field").into());
        };
        Ok(Self { db: &ctx.data_unchecked::<AppState>().reads, scope: request.viewer.scope(), store, root })
    }
}

/// An object type whose relations can be loaded ahead for many rows at once.
pub trait Prefetch {
    /// The row an object of this type wraps.
    type Row: Clone + Send + Sync + 'static;
    /// Declares, on `level`, each relation field of the type and how to load it.
    fn relations(level: &mut Level<'_, '_, Self::Row>);
}

/// Loads ahead what `selection` (fields whose sub-selections are over `T`) asks of `rows`, and below.
pub fn prefetch<'a, T: Prefetch>(
    plan: Plan<'a>,
    rows: Vec<T::Row>,
    selection: Vec<SelectionField<'a>>,
) -> BoxFuture<'a, ApiResult<()>> {
    Box::pin(async move {
        if rows.is_empty() || selection.is_empty() {
            return Ok(());
        }
        let mut level = Level { plan, rows: &rows, selection: &selection, steps: Vec::new(), declared: None };
        T::relations(&mut level);
        let steps = std::mem::take(&mut level.steps);
        try_join_all(steps).await?;
        Ok(())
    })
}

/// The nodes of a connection field: what `nodes` and `edges { node }` select.
pub fn nodes_of(connection: SelectionField<'_>) -> Vec<SelectionField<'_>> {
    let mut nodes: Vec<_> = connection.selection_set().filter(|f| f.name() == "nodes").collect();
    for edge in connection.selection_set().filter(|f| f.name() == "edges") {
        nodes.extend(edge.selection_set().filter(|f| f.name() == "node"));
    }
    nodes
}

/// The GraphQL name of the resolver method `Type::method` of an object, as async-graphql names it
/// (camelCase): a relation declared on a [`Level`] names its field this way, so that a field that does
/// not exist fails the build instead of silently turning batching off.
macro_rules! field {
    ($ty:ty, $method:ident) => {{
        let _resolver_exists = <$ty>::$method;
        $crate::graphql::prefetch::camel_case(stringify!($method))
    }};
}
pub(crate) use field;

/// `snake_case` as `camelCase`, async-graphql's default for field and argument names.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The arguments of one occurrence of a field, variables resolved.
pub struct Args(Vec<(Name, Value)>, Option<std::cell::RefCell<Vec<String>>>);

impl Args {
    /// Argument `name` as `T` (an `Option` for an optional argument). Errors: `BAD_USER_INPUT`.
    pub fn get<T: InputType>(&self, name: &str) -> ApiResult<T> {
        if let Some(asked) = &self.1 {
            asked.borrow_mut().push(name.to_owned());
        }
        let value = self.0.iter().find(|(n, _)| n.as_str() == name).map(|(_, v)| v.clone());
        T::parse(value).map_err(|err| {
            ApiError::bad_input(format!("`{name}`: {}", err.into_server_error(Default::default()).message))
        })
    }

    fn page(&self) -> ApiResult<PageArgs> {
        page_args(self.get("first")?, self.get("after")?, self.get("last")?, self.get("before")?)
    }
}

/// The occurrences of the field at `path` below `field` (every occurrence, aliases included).
fn descend<'a>(field: SelectionField<'a>, path: &[&str]) -> Vec<SelectionField<'a>> {
    let Some((first, rest)) = path.split_first() else { return vec![field] };
    field.selection_set().filter(|f| f.name() == *first).flat_map(|f| descend(f, rest)).collect()
}

fn distinct(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let mut seen = HashSet::new();
    ids.filter(|id| seen.insert(*id)).collect()
}

/// `ids` once per row that holds one, in order (the rows below a level come once per appearance of
/// their parent, as they will be answered), and once each (the keys of the level's statement).
fn appearing(ids: impl Iterator<Item = Uuid>) -> (Vec<Uuid>, Vec<Uuid>) {
    let appearing: Vec<Uuid> = ids.collect();
    let keys = distinct(appearing.iter().copied());
    (appearing, keys)
}

/// One level of loading ahead: the rows of one object type and the selection over them. Each
/// declared relation that the selection asks for adds one step; the steps run concurrently.
pub struct Level<'a, 'r, R> {
    plan: Plan<'a>,
    rows: &'r [R],
    selection: &'r [SelectionField<'a>],
    steps: Vec<BoxFuture<'a, ApiResult<()>>>,
    /// When set, relations are only recorded, not loaded ([`declarations`]).
    declared: Option<Vec<Declared>>,
}

/// The occurrences of a connection field that read the same list and page: whether one selects
/// `totalCount`, their nodes, and how many there are.
#[derive(Default)]
struct Group<'a> {
    total: bool,
    nodes: Vec<SelectionField<'a>>,
    occurrences: usize,
}

/// How a connection's filter is read from one occurrence's arguments (`None`: another list).
type FilterOf<'f> = dyn Fn(&Args) -> ApiResult<Option<Filter>> + 'f;

/// A relation as a type declares it for loading ahead: the field, and the arguments its filter reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    /// The field's GraphQL name.
    pub field: String,
    /// The arguments the filter reads (a connection's page arguments come on top).
    pub arguments: Vec<String>,
    /// The paths below the field to rows loaded ahead with it (`criticalPath.tasks`).
    pub below: Vec<String>,
}

/// What `T` declares it loads ahead: each relation field and the arguments its filter reads, for tests
/// that hold them against the schema.
pub fn declarations<T: Prefetch>() -> Vec<Declared> {
    let db = crate::db::Reads::Pool(sea_orm::DatabaseConnection::default());
    let store = Prefetched::default();
    let plan = Plan { db: &db, scope: crate::service::Scope { organization_id: Uuid::nil() }, store: &store, root: "" };
    let mut level = Level { plan, rows: &[], selection: &[], steps: Vec::new(), declared: Some(Vec::new()) };
    T::relations(&mut level);
    level.declared.unwrap_or_default()
}

impl<'a, R> Level<'a, '_, R> {
    /// Records a relation instead of loading it (when recording); `true` when it did.
    fn declare(&mut self, field: &str, filter: Option<&FilterOf<'_>>) -> bool {
        let Some(declared) = &mut self.declared else { return false };
        let args = Args(Vec::new(), Some(Default::default()));
        if let Some(filter) = filter {
            let _ = filter(&args);
        }
        let arguments = args.1.map(|a| a.into_inner()).unwrap_or_default();
        declared.push(Declared { field: field.to_owned(), arguments, below: Vec::new() });
        true
    }

    fn occurrences(&self, name: &str) -> Vec<SelectionField<'a>> {
        self.selection.iter().flat_map(|s| s.selection_set()).filter(|f| f.name() == name).collect()
    }

    /// A connection field `name` over child list `L` with nodes of type `C`. `filter` gives the list's
    /// filter from the field's arguments, or `None` when these arguments read another list (another
    /// order); an occurrence whose arguments do not parse is left to its resolver, which reports the
    /// error where it belongs.
    pub fn connection<L, C>(
        &mut self,
        name: &str,
        parent: impl Fn(&R) -> Uuid,
        filter: impl Fn(&Args) -> ApiResult<Option<Filter>>,
    ) where
        L: ChildList,
        C: Prefetch<Row = L::Model> + PlainFields,
    {
        if self.declare(name, Some(&filter)) {
            return;
        }
        // Occurrences with the same arguments (aliases) are loaded once, for all their selections.
        let mut groups: HashMap<(Filter, PageArgs), Group<'a>> = HashMap::new();
        for field in self.occurrences(name) {
            let Ok(args) = field.arguments().map(|a| Args(a, None)) else { continue };
            let (Ok(Some(filter)), Ok(page)) = (filter(&args), args.page()) else { continue };
            let group = groups.entry((filter, page)).or_default();
            group.total |= field.selection_set().any(|f| f.name() == "totalCount");
            group.nodes.extend(nodes_of(field));
            group.occurrences += 1;
        }
        if groups.is_empty() {
            return;
        }
        // Each occurrence resolves once under each appearance of a parent among the rows.
        let mut appearances: HashMap<Uuid, usize> = HashMap::new();
        for row in self.rows {
            *appearances.entry(parent(row)).or_default() += 1;
        }
        let parents = distinct(self.rows.iter().map(parent));
        for ((filter, page), Group { total, nodes, occurrences }) in groups {
            let (plan, parents, appearances) = (self.plan, parents.clone(), appearances.clone());
            self.steps.push(Box::pin(async move {
                let keys: Vec<PageKey> = parents
                    .iter()
                    .map(|&parent| PageKey { parent, filter: filter.clone(), args: page.clone() })
                    .collect();
                let counts = async {
                    if !total {
                        return Ok(None);
                    }
                    let keys: Vec<CountKey> =
                        parents.iter().map(|&parent| CountKey { parent, filter: filter.clone() }).collect();
                    let mut counts =
                        ChildCounts::<L>::new(plan.db, plan.scope).load_counting(&keys, Known::Read).await?;
                    Ok::<_, ApiError>(Some(
                        keys.into_iter().map(|k| (k.clone(), counts.remove(&k))).collect::<Vec<_>>(),
                    ))
                };
                // The rows hold what the nodes of every occurrence read: a resolver that would read more
                // loads its page again (`relations::child_connection`). The parents are this level's rows,
                // which services read for the viewer's organization.
                let fields = fields_read::<C>(&nodes);
                let loader = ChildPages::<L>::new(plan.db, plan.scope);
                let pages = loader.load_reading(&keys, &fields, Known::Read);
                let (mut pages, counts) = try_join(pages, counts).await?;
                // How many rows of the level are the key's parent.
                let times = |key: &PageKey| appearances.get(&key.parent).copied().unwrap_or(1);
                // Nodes that select only plain fields have nothing below them to load. The rows below
                // come once per appearance of their parent, as they will be answered.
                let children: Vec<L::Model> = match only_plain::<C>(&nodes) {
                    true => Vec::new(),
                    false => keys
                        .iter()
                        .filter_map(|key| Some((pages.get(key)?, times(key))))
                        .flat_map(|(loaded, times)| std::iter::repeat_n(&loaded.page.items, times).flatten().cloned())
                        .collect(),
                };
                let reads = |key: &PageKey| occurrences * times(key);
                plan.store
                    .hand::<ChildPages<L>, _>(plan, keys.into_iter().map(|k| (k.clone(), pages.remove(&k), reads(&k))));
                if let Some(counts) = counts {
                    plan.store.feed::<ChildCounts<L>, _>(plan, counts).await?;
                }
                prefetch::<C>(plan, children, nodes).await
            }));
        }
    }

    /// A field `name` holding the row of `E` whose id `id` gives (when the parent has one), an object
    /// of type `C`.
    pub fn by_id<E, C>(&mut self, name: &str, id: impl Fn(&R) -> Option<Uuid>)
    where
        E: Tenanted,
        C: Prefetch<Row = E::Model>,
    {
        if self.declare(name, None) {
            return;
        }
        let fields = self.occurrences(name);
        if fields.is_empty() {
            return;
        }
        let (plan, (appearing, keys)) = (self.plan, appearing(self.rows.iter().filter_map(id)));
        if keys.is_empty() {
            return; // No parent has one: the resolvers answer `null` without a read.
        }
        self.steps.push(Box::pin(async move {
            let mut rows = ById::<E>::new(plan.db, plan.scope).load(&keys).await?;
            // Once per parent that holds it, as it will be answered.
            let children: Vec<E::Model> = appearing.iter().filter_map(|id| rows.get(id).cloned()).collect();
            plan.store.feed::<ById<E>, _>(plan, keys.into_iter().map(|k| (k, rows.remove(&k)))).await?;
            prefetch::<C>(plan, children, fields).await
        }));
    }

    /// A field `name` read by loader `L` under the key `key` gives (when the parent has one): a row
    /// that is not a [`Tenanted`] entity's by id (a member by user id).
    pub fn keyed<L>(&mut self, name: &str, key: impl Fn(&R) -> Option<Uuid>)
    where
        L: Batch<Uuid>,
    {
        if self.declare(name, None) || self.occurrences(name).is_empty() {
            return;
        }
        let (plan, keys) = (self.plan, distinct(self.rows.iter().filter_map(key)));
        if keys.is_empty() {
            return;
        }
        self.steps.push(Box::pin(async move {
            let mut values = L::new(plan.db, plan.scope).load(&keys).await?;
            plan.store.feed::<L, _>(plan, keys.into_iter().map(|k| (k, values.remove(&k)))).await
        }));
    }

    /// A field `name` holding a plain list of rows per parent (a workflow's phases), read by loader
    /// `L` keyed by `parent`, each row an object of type `C`: loaded for every parent at once, then
    /// what the selection asks below them.
    pub fn list<L, C>(&mut self, name: &str, parent: impl Fn(&R) -> Uuid)
    where
        L: Batch<Uuid, Value = Vec<C::Row>>,
        C: Prefetch,
    {
        if self.declare(name, None) {
            return;
        }
        let fields = self.occurrences(name);
        if fields.is_empty() {
            return;
        }
        let (plan, (appearing, keys)) = (self.plan, appearing(self.rows.iter().map(parent)));
        self.steps.push(Box::pin(async move {
            let mut values = L::new(plan.db, plan.scope).load(&keys).await?;
            // Once per appearance of their parent, as they will be answered.
            let children: Vec<C::Row> =
                appearing.iter().filter_map(|parent| values.get(parent)).flatten().cloned().collect();
            plan.store.feed::<L, _>(plan, keys.into_iter().map(|k| (k, values.remove(&k)))).await?;
            prefetch::<C>(plan, children, fields).await
        }));
    }

    /// A field `name` computed per parent by loader `L` whose value holds rows of type `C` (a
    /// workflow's analytics holds tasks): the values for every parent at once, then what the selection
    /// asks below those rows, which `rows` takes from a value and `paths` names (the fields down from
    /// `name` to a field over `C`, e.g. `["criticalPath", "tasks"]`).
    pub fn per_parent_holding<L, C>(
        &mut self,
        name: &str,
        parent: impl Fn(&R) -> Uuid,
        rows: fn(&L::Value) -> Vec<C::Row>,
        paths: &'static [&'static [&'static str]],
    ) where
        L: Batch<Uuid>,
        C: Prefetch,
    {
        if self.declare(name, None) {
            if let Some(declared) = self.declared.as_mut().and_then(|d| d.last_mut()) {
                declared.below = paths.iter().map(|path| path.join(".")).collect();
            }
            return;
        }
        let fields = self.occurrences(name);
        if fields.is_empty() {
            return;
        }
        let below: Vec<SelectionField<'a>> =
            fields.iter().flat_map(|field| paths.iter().flat_map(move |path| descend(*field, path))).collect();
        let (plan, (appearing, keys)) = (self.plan, appearing(self.rows.iter().map(parent)));
        self.steps.push(Box::pin(async move {
            let mut values = L::new(plan.db, plan.scope).load(&keys).await?;
            // Once per appearance of their parent, as they will be answered.
            let children: Vec<C::Row> =
                appearing.iter().filter_map(|parent| values.get(parent)).flat_map(rows).collect();
            plan.store.feed::<L, _>(plan, keys.into_iter().map(|k| (k, values.remove(&k)))).await?;
            prefetch::<C>(plan, children, below).await
        }));
    }

    /// A field `name` computed per parent by loader `L` (counts, summaries), keyed by `parent`.
    pub fn per_parent<L>(&mut self, name: &str, parent: impl Fn(&R) -> Uuid)
    where
        L: Batch<Uuid>,
    {
        if self.declare(name, None) || self.occurrences(name).is_empty() {
            return;
        }
        let (plan, keys) = (self.plan, distinct(self.rows.iter().map(parent)));
        self.steps.push(Box::pin(async move {
            let mut values = L::new(plan.db, plan.scope).load(&keys).await?;
            plan.store.feed::<L, _>(plan, keys.into_iter().map(|k| (k, values.remove(&k)))).await
        }));
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::OutputType;
    use serde_json::Value as Json;

    use super::*;
    use crate::{
        events::schema::{
            log_event::Event,
            webhook::{Webhook, WebhookDelivery},
        },
        sessions::schema::{session::DocumentationSession, todo::SessionTodo, workspace::Workspace},
        work::schema::{project::Project, pull_request::PullRequest, task::Task},
        workflows::schema::{phase::WorkflowPhase, workflow::Workflow},
    };

    /// Each field of `type_name` with the names of its arguments, from the schema's introspection.
    async fn fields(type_name: &str) -> HashMap<String, Vec<String>> {
        typed_fields(type_name).await.into_iter().map(|(name, (args, _))| (name, args)).collect()
    }

    /// Each field of `type_name` with the names of its arguments and the name of its type (lists and
    /// non-nulls unwrapped).
    async fn typed_fields(type_name: &str) -> HashMap<String, (Vec<String>, String)> {
        let schema = async_graphql::Schema::build(
            super::super::Query::default(),
            super::super::Mutation::default(),
            super::super::subscription::Subscription,
        )
        .finish();
        let query = format!(
            "{{ __type(name: \"{type_name}\") {{ fields {{ name args {{ name }} type {{ name ofType {{ name ofType {{ name ofType {{ name }} }} }} }} }} }} }}"
        );
        let data: Json = schema.execute(query).await.data.into_json().unwrap();
        let mut out = HashMap::new();
        for field in data["__type"]["fields"].as_array().expect("the type is in the schema") {
            let args = field["args"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_owned());
            let mut ty = &field["type"];
            while ty["name"].is_null() {
                ty = &ty["ofType"];
            }
            let ty = ty["name"].as_str().unwrap().to_owned();
            out.insert(field["name"].as_str().unwrap().to_owned(), (args.collect(), ty));
        }
        out
    }

    async fn check<T: Prefetch + OutputType>() {
        let name = T::type_name();
        let fields = fields(&name).await;
        let declared = declarations::<T>();
        assert!(!declared.is_empty(), "{name} declares no relation");
        for relation in declared {
            let arguments = fields
                .get(&relation.field)
                .unwrap_or_else(|| panic!("{name} declares `{}`, which it does not have", relation.field));
            for argument in &relation.arguments {
                assert!(
                    arguments.contains(argument),
                    "{name}.{} reads the argument `{argument}`, which it does not take: {arguments:?}",
                    relation.field
                );
            }
            for path in &relation.below {
                let mut ty = typed_fields(&name).await[&relation.field].1.clone();
                for step in path.split('.') {
                    let next = typed_fields(&ty).await.get(step).map(|(_, t)| t.clone());
                    ty = next.unwrap_or_else(|| {
                        panic!("{name}.{} loads `{path}` ahead: `{ty}` has no `{step}`", relation.field)
                    });
                }
            }
        }
    }

    #[test]
    fn graphql_names_are_camel_case() {
        assert_eq!(camel_case("ready_tasks"), "readyTasks");
        assert_eq!(camel_case("execution_summary"), "executionSummary");
        assert_eq!(camel_case("tasks"), "tasks");
    }

    #[tokio::test]
    async fn every_relation_loaded_ahead_is_a_field_of_its_type_and_reads_only_its_arguments() {
        check::<Workspace>().await;
        check::<DocumentationSession>().await;
        check::<SessionTodo>().await;
        check::<Project>().await;
        check::<Task>().await;
        check::<PullRequest>().await;
        check::<Event>().await;
        check::<Webhook>().await;
        check::<WebhookDelivery>().await;
        check::<Workflow>().await;
        check::<WorkflowPhase>().await;
    }

    #[tokio::test]
    async fn the_declarations_record_the_arguments_filters_read() {
        let session = declarations::<DocumentationSession>();
        let events = session.iter().find(|d| d.field == "events").unwrap();
        assert_eq!(events.arguments, ["afterSequence", "eventTypes"]);
        let task = declarations::<Task>();
        let project = task.iter().find(|d| d.field == "project").unwrap();
        assert!(project.arguments.is_empty(), "a by-id relation reads no argument");
        let workflow = declarations::<Workflow>();
        let analytics = workflow.iter().find(|d| d.field == "analytics").unwrap();
        assert_eq!(analytics.below, ["criticalPath.tasks", "bottlenecks.task"]);
    }
}

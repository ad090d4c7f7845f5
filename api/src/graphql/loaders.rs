//! DataLoaders: the batch functions of every relation resolved per parent, one statement per call.
//!
//! Loaders do not cache (each load reads the database), so a long-lived loader never serves stale rows;
//! they only gather the keys requested while a level of the query resolves. A nested query does not
//! depend on that window: its levels are loaded ahead with these same batch functions
//! (`graphql::prefetch`); the window serves what is resolved outside a loaded-ahead tree.

mod lists;
mod summaries;

use std::{collections::HashMap, hash::Hash, marker::PhantomData};

use async_graphql::{SchemaBuilder, dataloader::DataLoader, dataloader::Loader};
use entity::{documentation_session, project, task, task_execution, workspace};
pub use lists::*;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
pub use summaries::*;
use uuid::Uuid;

use crate::{
    error::ApiError,
    service::page::{self, Filter, ListSpec, Listed, Page, PageArgs},
};

/// How long a loader gathers keys after the first before it reads them all in one statement. The
/// keys of one level arrive in one pass over its parents, but on a busy machine that pass can take
/// longer than async-graphql's default of 1 ms, and a late key costs a second statement.
const BATCH_WINDOW: std::time::Duration = std::time::Duration::from_millis(3);

/// A loader made over the pool; the prefetcher makes its own to load a whole level at once.
pub trait FromDb {
    /// The loader reading through `db`.
    fn from_db(db: &DatabaseConnection) -> Self;
}

/// Registers every loader as schema data.
pub fn register<Q, M, S>(builder: SchemaBuilder<Q, M, S>, db: &DatabaseConnection) -> SchemaBuilder<Q, M, S> {
    fn loader<L: FromDb>(db: &DatabaseConnection) -> DataLoader<L> {
        DataLoader::new(L::from_db(db), crate::db::spawn_counted).delay(BATCH_WINDOW)
    }
    builder
        .data(loader::<ById<workspace::Entity>>(db))
        .data(loader::<ById<documentation_session::Entity>>(db))
        .data(loader::<ChildPages<SessionsOfWorkspace>>(db))
        .data(loader::<ChildPages<TodosOfSession>>(db))
        .data(loader::<ChildPages<EventsOfSession>>(db))
        .data(loader::<ChildPages<DependenciesOfTodo>>(db))
        .data(loader::<ChildCounts<SessionsOfWorkspace>>(db))
        .data(loader::<ChildCounts<TodosOfSession>>(db))
        .data(loader::<ChildCounts<EventsOfSession>>(db))
        .data(loader::<ChildCounts<DependenciesOfTodo>>(db))
        .data(loader::<ById<project::Entity>>(db))
        .data(loader::<ById<task_execution::Entity>>(db))
        .data(loader::<ById<task::Entity>>(db))
        .data(loader::<ChildPages<TasksOfProject>>(db))
        .data(loader::<ChildPages<ReadyTasksOfProject>>(db))
        .data(loader::<ChildPages<SubtasksOfTask>>(db))
        .data(loader::<ChildPages<DependenciesOfTask>>(db))
        .data(loader::<ChildPages<DependentsOfTask>>(db))
        .data(loader::<ChildPages<HistoryOfTask>>(db))
        .data(loader::<ChildCounts<TasksOfProject>>(db))
        .data(loader::<ChildCounts<ReadyTasksOfProject>>(db))
        .data(loader::<ChildCounts<SubtasksOfTask>>(db))
        .data(loader::<ChildCounts<DependenciesOfTask>>(db))
        .data(loader::<ChildCounts<DependentsOfTask>>(db))
        .data(loader::<ChildCounts<HistoryOfTask>>(db))
        .data(loader::<ChildPages<WorkspacesOfProject>>(db))
        .data(loader::<ChildCounts<WorkspacesOfProject>>(db))
        .data(loader::<ChildPages<TasksOfProjectByPriority>>(db))
        .data(loader::<ChildCounts<TasksOfProjectByPriority>>(db))
        .data(loader::<ChildPages<ExecutionsOfTask>>(db))
        .data(loader::<ChildPages<PullRequestsOfProject>>(db))
        .data(loader::<ChildPages<PullRequestsOfTask>>(db))
        .data(loader::<ChildPages<TasksOfPullRequest>>(db))
        .data(loader::<ChildCounts<ExecutionsOfTask>>(db))
        .data(loader::<ChildCounts<PullRequestsOfProject>>(db))
        .data(loader::<ChildCounts<PullRequestsOfTask>>(db))
        .data(loader::<ChildCounts<TasksOfPullRequest>>(db))
        .data(loader::<ExecutionSummaries>(db))
        .data(loader::<TaskCounts>(db))
        .data(loader::<TodoCounts>(db))
        .data(loader::<EventCounts>(db))
}

/// An entity whose primary key is a single UUID column.
pub trait KeyedById: EntityTrait<Model: Clone + Send + Sync> {
    /// The id column.
    fn id_column() -> Self::Column;
    /// The id of a row.
    fn id_of(model: &Self::Model) -> Uuid;
}

impl KeyedById for workspace::Entity {
    fn id_column() -> Self::Column {
        workspace::Column::Id
    }
    fn id_of(model: &Self::Model) -> Uuid {
        model.id
    }
}

impl KeyedById for project::Entity {
    fn id_column() -> Self::Column {
        project::Column::Id
    }
    fn id_of(model: &Self::Model) -> Uuid {
        model.id
    }
}

impl KeyedById for task::Entity {
    fn id_column() -> Self::Column {
        task::Column::Id
    }
    fn id_of(model: &Self::Model) -> Uuid {
        model.id
    }
}

impl KeyedById for task_execution::Entity {
    fn id_column() -> Self::Column {
        task_execution::Column::Id
    }
    fn id_of(model: &Self::Model) -> Uuid {
        model.id
    }
}

impl KeyedById for documentation_session::Entity {
    fn id_column() -> Self::Column {
        documentation_session::Column::Id
    }
    fn id_of(model: &Self::Model) -> Uuid {
        model.id
    }
}

/// Rows by id: `WHERE id IN (...)`.
pub struct ById<E>(DatabaseConnection, PhantomData<E>);

impl<E> FromDb for ById<E> {
    fn from_db(db: &DatabaseConnection) -> Self {
        Self(db.clone(), PhantomData)
    }
}

impl<E: KeyedById> Loader<Uuid> for ById<E> {
    type Value = E::Model;
    type Error = ApiError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, E::Model>, ApiError> {
        let rows = E::find().filter(E::id_column().is_in(keys.iter().copied())).all(&self.0).await?;
        Ok(rows.into_iter().map(|row| (E::id_of(&row), row)).collect())
    }
}

/// A list that hangs off a parent row.
pub trait ChildList: Send + Sync + 'static {
    /// Row type.
    type Model: Listed;
    /// Where its rows come from.
    const SPEC: ListSpec;
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

/// Pages of a child list for many parents.
pub struct ChildPages<L>(DatabaseConnection, PhantomData<L>);

impl<L> FromDb for ChildPages<L> {
    fn from_db(db: &DatabaseConnection) -> Self {
        Self(db.clone(), PhantomData)
    }
}

impl<L: ChildList> Loader<PageKey> for ChildPages<L> {
    type Value = Page<L::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[PageKey]) -> Result<HashMap<PageKey, Self::Value>, ApiError> {
        let mut out = HashMap::new();
        for ((filter, args), parents) in group_by(keys, |k| (k.parent, (k.filter.clone(), k.args.clone()))) {
            let pages = page::pages_by_parent::<L::Model>(&self.0, &L::SPEC, &parents, &filter, &args).await?;
            for (parent, page) in pages {
                out.insert(PageKey { parent, filter: filter.clone(), args: args.clone() }, page);
            }
        }
        Ok(out)
    }
}

/// Counts of a child list for many parents.
pub struct ChildCounts<L>(DatabaseConnection, PhantomData<L>);

impl<L> FromDb for ChildCounts<L> {
    fn from_db(db: &DatabaseConnection) -> Self {
        Self(db.clone(), PhantomData)
    }
}

impl<L: ChildList> Loader<CountKey> for ChildCounts<L> {
    type Value = i64;
    type Error = ApiError;

    async fn load(&self, keys: &[CountKey]) -> Result<HashMap<CountKey, i64>, ApiError> {
        let mut out = HashMap::new();
        for (filter, parents) in group_by(keys, |k| (k.parent, k.filter.clone())) {
            for (parent, n) in page::counts_by_parent(&self.0, &L::SPEC, &parents, &filter).await? {
                out.insert(CountKey { parent, filter: filter.clone() }, n);
            }
        }
        Ok(out)
    }
}

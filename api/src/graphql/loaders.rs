//! DataLoaders: every relation resolved per parent is batched here, one statement per level.
//!
//! Loaders do not cache (each load reads the database), so a long-lived loader never serves stale rows;
//! they only gather the keys requested while a level of the query resolves.

use std::{collections::HashMap, hash::Hash, marker::PhantomData};

use async_graphql::{SchemaBuilder, dataloader::DataLoader, dataloader::Loader};
use entity::{
    documentation_session, project, pull_request, session_event, session_todo, task, task_execution,
    task_state_transition, workspace,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    error::ApiError,
    service::{
        event::EVENTS_OF_SESSION,
        execution,
        page::{self, Filter, ListSpec, Listed, Page, PageArgs},
        pull_request as prs,
        session::{self, SESSIONS_OF_WORKSPACE},
        task as tasks,
        todo::{DEPENDENCIES_OF_TODO, TODOS_OF_SESSION},
    },
};

/// How long a loader gathers keys after the first before it reads them all in one statement. The
/// keys of one level arrive in one pass over its parents, but on a busy machine that pass can take
/// longer than async-graphql's default of 1 ms, and a late key costs a second statement.
const BATCH_WINDOW: std::time::Duration = std::time::Duration::from_millis(3);

/// Registers every loader as schema data.
pub fn register<Q, M, S>(builder: SchemaBuilder<Q, M, S>, db: &DatabaseConnection) -> SchemaBuilder<Q, M, S> {
    fn loader<L>(l: L) -> DataLoader<L> {
        DataLoader::new(l, crate::db::spawn_counted).delay(BATCH_WINDOW)
    }
    builder
        .data(loader(ById::<workspace::Entity>::new(db)))
        .data(loader(ById::<documentation_session::Entity>::new(db)))
        .data(loader(ChildPages::<SessionsOfWorkspace>::new(db)))
        .data(loader(ChildPages::<TodosOfSession>::new(db)))
        .data(loader(ChildPages::<EventsOfSession>::new(db)))
        .data(loader(ChildPages::<DependenciesOfTodo>::new(db)))
        .data(loader(ChildCounts::<SessionsOfWorkspace>::new(db)))
        .data(loader(ChildCounts::<TodosOfSession>::new(db)))
        .data(loader(ChildCounts::<EventsOfSession>::new(db)))
        .data(loader(ChildCounts::<DependenciesOfTodo>::new(db)))
        .data(loader(ById::<project::Entity>::new(db)))
        .data(loader(ById::<task::Entity>::new(db)))
        .data(loader(ChildPages::<TasksOfProject>::new(db)))
        .data(loader(ChildPages::<ReadyTasksOfProject>::new(db)))
        .data(loader(ChildPages::<SubtasksOfTask>::new(db)))
        .data(loader(ChildPages::<DependenciesOfTask>::new(db)))
        .data(loader(ChildPages::<DependentsOfTask>::new(db)))
        .data(loader(ChildPages::<HistoryOfTask>::new(db)))
        .data(loader(ChildCounts::<TasksOfProject>::new(db)))
        .data(loader(ChildCounts::<ReadyTasksOfProject>::new(db)))
        .data(loader(ChildCounts::<SubtasksOfTask>::new(db)))
        .data(loader(ChildCounts::<DependenciesOfTask>::new(db)))
        .data(loader(ChildCounts::<DependentsOfTask>::new(db)))
        .data(loader(ChildCounts::<HistoryOfTask>::new(db)))
        .data(loader(ChildPages::<WorkspacesOfProject>::new(db)))
        .data(loader(ChildCounts::<WorkspacesOfProject>::new(db)))
        .data(loader(ChildPages::<TasksOfProjectByPriority>::new(db)))
        .data(loader(ChildCounts::<TasksOfProjectByPriority>::new(db)))
        .data(loader(ChildPages::<ExecutionsOfTask>::new(db)))
        .data(loader(ChildPages::<PullRequestsOfProject>::new(db)))
        .data(loader(ChildPages::<PullRequestsOfTask>::new(db)))
        .data(loader(ChildPages::<TasksOfPullRequest>::new(db)))
        .data(loader(ChildCounts::<ExecutionsOfTask>::new(db)))
        .data(loader(ChildCounts::<PullRequestsOfProject>::new(db)))
        .data(loader(ChildCounts::<PullRequestsOfTask>::new(db)))
        .data(loader(ChildCounts::<TasksOfPullRequest>::new(db)))
        .data(loader(ExecutionSummaries(db.clone())))
        .data(loader(TaskCounts(db.clone())))
        .data(loader(TodoCounts(db.clone())))
        .data(loader(EventCounts(db.clone())))
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

impl<E> ById<E> {
    fn new(db: &DatabaseConnection) -> Self {
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

/// `Workspace.sessions`.
pub struct SessionsOfWorkspace;
impl ChildList for SessionsOfWorkspace {
    type Model = documentation_session::Model;
    const SPEC: ListSpec = SESSIONS_OF_WORKSPACE;
}

/// `DocumentationSession.todos`.
pub struct TodosOfSession;
impl ChildList for TodosOfSession {
    type Model = session_todo::Model;
    const SPEC: ListSpec = TODOS_OF_SESSION;
}

/// `DocumentationSession.events`.
pub struct EventsOfSession;
impl ChildList for EventsOfSession {
    type Model = session_event::Model;
    const SPEC: ListSpec = EVENTS_OF_SESSION;
}

/// `SessionTodo.dependencies`.
pub struct DependenciesOfTodo;
impl ChildList for DependenciesOfTodo {
    type Model = session_todo::Model;
    const SPEC: ListSpec = DEPENDENCIES_OF_TODO;
}

/// `Project.tasks`.
pub struct TasksOfProject;
impl ChildList for TasksOfProject {
    type Model = task::Model;
    const SPEC: ListSpec = tasks::TASKS_OF_PROJECT;
}

/// `Project.tasks(orderBy: PRIORITY)`.
pub struct TasksOfProjectByPriority;
impl ChildList for TasksOfProjectByPriority {
    type Model = task::Model;
    const SPEC: ListSpec = tasks::TASKS_BY_PRIORITY;
}

/// `Project.workspaces`.
pub struct WorkspacesOfProject;
impl ChildList for WorkspacesOfProject {
    type Model = workspace::Model;
    const SPEC: ListSpec = crate::service::workspace::WORKSPACES_OF_PROJECT;
}

/// `Project.readyTasks`.
pub struct ReadyTasksOfProject;
impl ChildList for ReadyTasksOfProject {
    type Model = task::Model;
    const SPEC: ListSpec = tasks::READY_TASKS;
}

/// `Task.subtasks`.
pub struct SubtasksOfTask;
impl ChildList for SubtasksOfTask {
    type Model = task::Model;
    const SPEC: ListSpec = tasks::SUBTASKS;
}

/// `Task.dependencies` and `Task.blockedBy`.
pub struct DependenciesOfTask;
impl ChildList for DependenciesOfTask {
    type Model = task::Model;
    const SPEC: ListSpec = tasks::DEPENDENCIES;
}

/// `Task.dependents`.
pub struct DependentsOfTask;
impl ChildList for DependentsOfTask {
    type Model = task::Model;
    const SPEC: ListSpec = tasks::DEPENDENTS;
}

/// `Task.history`.
pub struct HistoryOfTask;
impl ChildList for HistoryOfTask {
    type Model = task_state_transition::Model;
    const SPEC: ListSpec = tasks::HISTORY;
}

/// `Task.executions`.
pub struct ExecutionsOfTask;
impl ChildList for ExecutionsOfTask {
    type Model = task_execution::Model;
    const SPEC: ListSpec = execution::EXECUTIONS_OF_TASK;
}

/// `Project.pullRequests`.
pub struct PullRequestsOfProject;
impl ChildList for PullRequestsOfProject {
    type Model = pull_request::Model;
    const SPEC: ListSpec = prs::PULL_REQUESTS_OF_PROJECT;
}

/// `Task.pullRequests`.
pub struct PullRequestsOfTask;
impl ChildList for PullRequestsOfTask {
    type Model = pull_request::Model;
    const SPEC: ListSpec = prs::PULL_REQUESTS_OF_TASK;
}

/// `PullRequest.tasks`.
pub struct TasksOfPullRequest;
impl ChildList for TasksOfPullRequest {
    type Model = task::Model;
    const SPEC: ListSpec =
        ListSpec::new("tasks t JOIN task_pull_requests l ON l.task_id = t.id", "l.pull_request_id", "t.id");
}

/// `Project.executionSummary`: per-agent execution figures.
pub struct ExecutionSummaries(DatabaseConnection);

impl Loader<Uuid> for ExecutionSummaries {
    type Value = Vec<execution::AgentSummary>;
    type Error = ApiError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, ApiError> {
        execution::summaries(&self.0, keys).await
    }
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

impl<L> ChildPages<L> {
    fn new(db: &DatabaseConnection) -> Self {
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

impl<L> ChildCounts<L> {
    fn new(db: &DatabaseConnection) -> Self {
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

/// `DocumentationSession.todoCounts`: todos per status.
pub struct TodoCounts(DatabaseConnection);

impl Loader<Uuid> for TodoCounts {
    type Value = Vec<(entity::session_todo::TodoStatus, i64)>;
    type Error = ApiError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, ApiError> {
        session::todo_counts(&self.0, keys).await
    }
}

/// `Project.taskCounts`: tasks per status.
pub struct TaskCounts(DatabaseConnection);

impl Loader<Uuid> for TaskCounts {
    type Value = Vec<(entity::task::TaskStatus, i64)>;
    type Error = ApiError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, ApiError> {
        tasks::counts_by_status(&self.0, keys).await
    }
}

/// `DocumentationSession.eventCounts`: events per type.
pub struct EventCounts(DatabaseConnection);

impl Loader<Uuid> for EventCounts {
    type Value = Vec<(String, i64)>;
    type Error = ApiError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, ApiError> {
        session::event_counts(&self.0, keys).await
    }
}

/// Resolves a child connection field through the loaders: the page, and the count when selected.
pub async fn child_connection<L: ChildList, T: async_graphql::OutputType>(
    ctx: &async_graphql::Context<'_>,
    parent: Uuid,
    filter: Filter,
    args: PageArgs,
    node: impl Fn(L::Model) -> T,
) -> async_graphql::Result<super::connection::Conn<T>> {
    let pages = ctx.data_unchecked::<DataLoader<ChildPages<L>>>();
    let page_key = PageKey { parent, filter: filter.clone(), args };
    let (page, total) = if super::connection::wants_total(ctx) {
        let counts = ctx.data_unchecked::<DataLoader<ChildCounts<L>>>();
        // Load page and count together so that both batch with their siblings.
        let (page, total) =
            futures_util::try_join!(pages.load_one(page_key), counts.load_one(CountKey { parent, filter }))?;
        (page, Some(total.unwrap_or(0)))
    } else {
        (pages.load_one(page_key).await?, None)
    };
    Ok(super::connection::connection(page.unwrap_or_else(empty_page), total, node))
}

fn empty_page<T>() -> Page<T> {
    Page { items: Vec::new(), has_previous_page: false, has_next_page: false }
}

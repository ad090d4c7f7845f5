//! Relay's Global Object Identification (<https://relay.dev/graphql/objectidentification.htm>): the
//! `Node` interface and the `node` and `nodes` root fields. A node's global id is its `id`, unchanged:
//! ids are UUIDv7, unique across every table, so an id alone tells which object it is (clients and
//! Task Master exports keep the ids they hold).

use std::collections::HashMap;

use async_graphql::{Context, ID, Interface, Object};
use entity::{
    documentation_session, event, project, pull_request, session_event, session_todo, task, task_definition,
    task_execution, workflow, workflow_phase, workspace,
};
use uuid::Uuid;

use crate::{
    error::ApiResult,
    events::schema::log_event::Event,
    graphql::{parse_id, relations::by_id, service_ctx},
    service::tenant::{self, Owned},
    sessions::schema::{event::SessionEvent, session::DocumentationSession, todo::SessionTodo, workspace::Workspace},
    work::schema::{execution::TaskExecution, project::Project, pull_request::PullRequest, task::Task},
    workflows::schema::{definition::TaskDefinition, phase::WorkflowPhase, workflow::Workflow},
};

/// An object with a global id: `node(id:)` finds it again by that id alone (Relay's Global Object
/// Identification).
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's global id (its `id`, a UUIDv7)."))]
// A node is made once per lookup and handed straight to the executor: boxing the larger rows would
// add an allocation per node to save stack space nobody keeps.
#[allow(clippy::large_enum_variant)]
pub enum Node {
    /// A workspace.
    Workspace(Workspace),
    /// A documentation session.
    DocumentationSession(DocumentationSession),
    /// A session's todo.
    SessionTodo(SessionTodo),
    /// An event of a session's stream.
    SessionEvent(SessionEvent),
    /// A project.
    Project(Project),
    /// A task.
    Task(Task),
    /// An agent's execution of a task.
    TaskExecution(TaskExecution),
    /// A pull request.
    PullRequest(PullRequest),
    /// An event of the organization's log.
    Event(Event),
    /// A workflow.
    Workflow(Workflow),
    /// A phase of a workflow.
    WorkflowPhase(WorkflowPhase),
    /// A version of a task definition.
    TaskDefinition(TaskDefinition),
}

/// The node types: each variant of [`Node`] with its object and its entity. Gives the tables whose
/// rows are nodes, and [`load`], which reads a row of one as its object type.
macro_rules! nodes {
    ($($variant:ident($object:ident) <= $entity:ident),* $(,)?) => {
        /// The tables whose rows are nodes.
        const NODE_TABLES: &[Owned] = &[$(Owned::of::<$entity::Entity>()),*];

        /// The node `id` of table `table`, read (and loaded ahead below it) like any lookup by id.
        async fn load(ctx: &Context<'_>, table: Owned, id: Uuid) -> ApiResult<Option<Node>> {
            $(if table == Owned::of::<$entity::Entity>() {
                return Ok(by_id::<$entity::Entity, $object>(ctx, id).await?.map(|row| Node::$variant($object(row))));
            })*
            Ok(None)
        }
    };
}

nodes!(
    Workspace(Workspace) <= workspace,
    DocumentationSession(DocumentationSession) <= documentation_session,
    SessionTodo(SessionTodo) <= session_todo,
    SessionEvent(SessionEvent) <= session_event,
    Project(Project) <= project,
    Task(Task) <= task,
    TaskExecution(TaskExecution) <= task_execution,
    PullRequest(PullRequest) <= pull_request,
    Event(Event) <= event,
    Workflow(Workflow) <= workflow,
    WorkflowPhase(WorkflowPhase) <= workflow_phase,
    TaskDefinition(TaskDefinition) <= task_definition,
);

/// `node` and `nodes`.
#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this global id, or `null` when there is none in the viewer's organization.
    /// Errors: `BAD_USER_INPUT` for a malformed id.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let id = parse_id("id", &id)?;
        let cx = service_ctx(ctx)?;
        let Some((_, table)) = tenant::tables_of(cx.reads, cx.scope(), NODE_TABLES, &[id]).await?.pop() else {
            return Ok(None);
        };
        Ok(load(ctx, table, id).await?)
    }

    /// The objects with these global ids, in their order, `null` for each that is not in the viewer's
    /// organization. At most 100 ids. Errors: `BAD_USER_INPUT` (a malformed id, too many).
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > 100 {
            return Err(crate::error::ApiError::bad_input("`ids` holds at most 100 ids").into());
        }
        let ids = ids.iter().map(|id| parse_id("ids", id)).collect::<Result<Vec<_>, _>>()?;
        let cx = service_ctx(ctx)?;
        let tables: HashMap<Uuid, Owned> =
            tenant::tables_of(cx.reads, cx.scope(), NODE_TABLES, &ids).await?.into_iter().collect();
        let found = ids.iter().map(|id| async {
            match tables.get(id) {
                Some(table) => load(ctx, *table, *id).await,
                None => Ok(None),
            }
        });
        Ok(futures_util::future::try_join_all(found).await?)
    }
}

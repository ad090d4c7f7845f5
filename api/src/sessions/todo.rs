//! Session todos: batch creation, updates and the dependency graph; the worker actions (claim with a
//! lease, renew, complete, fail, skip) are in `todo/lease.rs`.

use std::collections::HashMap;

use chrono::Utc;
use entity::{
    session_todo::{self, TodoStatus},
    session_todo_dependency,
};
use sea_orm::{ActiveEnum, ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, FromQueryResult};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{
        Ctx, Resource, Role, Scope, Tx, lock_session, new_id,
        page::{Col, CursorKey, Filter, List, ListSpec, Listed},
        require_object, require_text,
        sql::Sql,
        tenant::{self, Owned},
    },
    sessions::{
        event::{self, NewSessionEvent, types},
        session,
    },
};

mod lease;

pub use crate::sessions::todo::lease::{
    DEFAULT_LEASE_SECONDS, MAX_LEASE_SECONDS, Outcome, claim_next, finish, release_lapsed, renew_lease,
};

tenant::tenanted!(
    session_todo,
    entity::workspace::Column::OrganizationId,
    via entity::session_todo::Relation::DocumentationSession,
    entity::documentation_session::Relation::Workspace
);

/// A session's todos, oldest first.
pub static TODOS_OF_SESSION: List = List::new(|| {
    ListSpec::child(
        session_todo::Column::SessionId,
        session_todo::Column::Id,
        Owned::of::<entity::documentation_session::Entity>(),
    )
});

/// The todos a todo depends on.
pub static DEPENDENCIES_OF_TODO: List = List::new(|| {
    ListSpec::linked(
        session_todo_dependency::Column::TodoId,
        session_todo_dependency::Column::DependsOnId,
        session_todo::Column::Id,
        Owned::of::<entity::session_todo::Entity>(),
    )
});

/// Which of a session's todos to list.
#[derive(Clone, Debug, Default)]
pub struct TodoQuery {
    /// Only todos in one of these statuses.
    pub status: Option<Vec<TodoStatus>>,
}

impl TodoQuery {
    /// The list filter.
    pub fn filter(&self) -> Filter {
        let statuses = self.status.as_ref().map(|s| s.iter().map(|s| status_name(*s)).collect::<Vec<_>>());
        Filter::default().is_in(Col::of(session_todo::Column::Status), statuses.as_deref())
    }
}

/// Most todos one `create_batch` call may add.
pub const MAX_BATCH: usize = 10_000;

impl Listed for session_todo::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

/// Fields of a new todo.
#[derive(Debug, Clone)]
pub struct NewTodo {
    /// File to document.
    pub file_path: String,
    /// 0 to 3, 3 most urgent; default 1.
    pub priority: i32,
    /// Claims allowed, at least 1; default 3.
    pub max_attempts: i32,
    /// Metadata object.
    pub metadata: Value,
}

impl Default for NewTodo {
    fn default() -> Self {
        Self { file_path: String::new(), priority: 1, max_attempts: 3, metadata: json!({}) }
    }
}

/// Changes to a todo; `None` leaves a field as it is. Status changes go through the worker actions.
#[derive(Debug, Default)]
pub struct TodoChanges {
    /// New path.
    pub file_path: Option<String>,
    /// New priority, 0 to 3.
    pub priority: Option<i32>,
    /// New attempts limit, at least 1.
    pub max_attempts: Option<i32>,
    /// New metadata object (replaces the old one).
    pub metadata: Option<Value>,
}

fn check_priority(priority: i32) -> ApiResult<()> {
    if (0..=3).contains(&priority) {
        Ok(())
    } else {
        Err(ApiError::bad_input(format!("`priority` must be between 0 and 3, got {priority}")))
    }
}

fn check_max_attempts(max_attempts: i32) -> ApiResult<()> {
    if (1..=100).contains(&max_attempts) {
        Ok(())
    } else {
        Err(ApiError::bad_input(format!("`maxAttempts` must be between 1 and 100, got {max_attempts}")))
    }
}

fn check_new(todo: &NewTodo) -> ApiResult<()> {
    require_text("filePath", &todo.file_path, 4096)?;
    check_priority(todo.priority)?;
    check_max_attempts(todo.max_attempts)?;
    require_object("metadata", &todo.metadata)
}

/// The status as stored, e.g. `in_progress`.
pub fn status_name(status: TodoStatus) -> String {
    status.to_value()
}

/// Inserts `todos` into session `session_id` in `tx`, in chunks that stay under both databases'
/// parameter limits, and audits them. Returns the new todos in input order.
pub async fn insert_all(tx: &mut Tx<'_>, session_id: Uuid, todos: Vec<NewTodo>) -> ApiResult<Vec<session_todo::Model>> {
    let now = Utc::now();
    let mut ids = Vec::with_capacity(todos.len());
    let rows: Vec<session_todo::ActiveModel> = todos
        .into_iter()
        .map(|todo| {
            let id = new_id();
            ids.push(id);
            session_todo::ActiveModel {
                id: Set(id),
                session_id: Set(session_id),
                file_path: Set(todo.file_path),
                priority: Set(todo.priority),
                status: Set(TodoStatus::Pending),
                attempts: Set(0),
                max_attempts: Set(todo.max_attempts),
                error: Set(None),
                metadata: Set(todo.metadata),
                lease_expires_at: Set(None),
                lease_token: Set(None),
                claimed_by: Set(None),
                started_at: Set(None),
                completed_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
        })
        .collect();
    for chunk in rows.chunks(500) {
        session_todo::Entity::insert_many(chunk.to_vec()).exec(tx).await?;
    }
    let mut by_id: HashMap<Uuid, session_todo::Model> = HashMap::new();
    for chunk in ids.chunks(500) {
        by_id.extend(
            tenant::rows::<session_todo::Entity>(tx, tx.viewer().scope(), chunk).await?.into_iter().map(|t| (t.id, t)),
        );
    }
    let created: Vec<(Uuid, session_todo::Model)> =
        ids.iter().filter_map(|id| Some((*id, by_id.remove(id)?))).collect();
    tx.record_creations(Resource::Todo, &created, |todo, event| crate::events::log::NewEvent {
        session_id: Some(todo.session_id),
        ..event
    })
    .await?;
    Ok(created.into_iter().map(|(_, todo)| todo).collect())
}

/// Adds `todos` to session `session_id` in one transaction and appends `todo.created`.
/// Errors: `FORBIDDEN`, `NOT_FOUND` (session), `BAD_USER_INPUT` (bad fields, finished session, too many).
#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn create_batch(cx: Ctx<'_>, session_id: Uuid, todos: Vec<NewTodo>) -> ApiResult<Vec<session_todo::Model>> {
    if todos.is_empty() || todos.len() > MAX_BATCH {
        return Err(ApiError::bad_input(format!("give between 1 and {MAX_BATCH} todos")));
    }
    for todo in &todos {
        check_new(todo)?;
    }
    let mut tx = cx.begin(Role::Member).await?;
    let session = session::get(&tx, cx.scope(), session_id).await?;
    lock_session(&tx, session_id).await?;
    session::require_open(&session::get(&tx, cx.scope(), session.id).await?)?;
    let count = todos.len();
    let created = insert_all(&mut tx, session_id, todos).await?;
    event::append(&tx, session_id, NewSessionEvent::system(types::TODOS_CREATED, json!({ "count": count }))).await?;
    tx.wake(session_id);
    tx.commit().await?;
    Ok(created)
}

/// The todo `id` of the scope's organization. Errors: `NOT_FOUND` (also for another organization's).
pub async fn get(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> ApiResult<session_todo::Model> {
    tenant::row::<session_todo::Entity>(db, scope, id).await?.ok_or(ApiError::NotFound { entity: "session todo" })
}

/// Applies `changes` to todo `id` and appends `todo.updated`. Errors: `FORBIDDEN`, `NOT_FOUND`,
/// `BAD_USER_INPUT`.
#[tracing::instrument(skip_all, fields(todo_id = %id))]
pub async fn update(cx: Ctx<'_>, id: Uuid, changes: TodoChanges) -> ApiResult<session_todo::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    let session_id = current.session_id;
    let mut model: session_todo::ActiveModel = current.clone().into();
    let mut changed = Vec::new();
    if let Some(path) = changes.file_path {
        require_text("filePath", &path, 4096)?;
        model.file_path = Set(path);
        changed.push("filePath");
    }
    if let Some(priority) = changes.priority {
        check_priority(priority)?;
        model.priority = Set(priority);
        changed.push("priority");
    }
    if let Some(max_attempts) = changes.max_attempts {
        check_max_attempts(max_attempts)?;
        model.max_attempts = Set(max_attempts);
        changed.push("maxAttempts");
    }
    if let Some(metadata) = changes.metadata {
        require_object("metadata", &metadata)?;
        model.metadata = Set(metadata);
        changed.push("metadata");
    }
    model.updated_at = Set(Utc::now());
    let updated = model.update(&tx).await?;
    tx.record(Resource::Todo, id, Some(&current), Some(&updated)).await?.session(session_id);
    event::append(
        &tx,
        session_id,
        NewSessionEvent::system(types::TODO_UPDATED, json!({ "todoId": id, "fields": changed })),
    )
    .await?;
    tx.wake(session_id);
    tx.commit().await?;
    Ok(updated)
}

/// Makes todo `todo_id` wait for `depends_on_id`. Adding an edge that exists changes nothing.
/// Errors: `FORBIDDEN`, `NOT_FOUND` (either todo, also of another organization), `BAD_USER_INPUT`
/// (self-dependency, different sessions, or a cycle, which the message spells out).
#[tracing::instrument(skip_all, fields(todo_id = %todo_id, depends_on_id = %depends_on_id))]
pub async fn add_dependency(cx: Ctx<'_>, todo_id: Uuid, depends_on_id: Uuid) -> ApiResult<session_todo::Model> {
    if todo_id == depends_on_id {
        return Err(ApiError::bad_input("a todo cannot depend on itself"));
    }
    let mut tx = cx.begin(Role::Member).await?;
    let todo = get(&tx, cx.scope(), todo_id).await?;
    let depends_on = get(&tx, cx.scope(), depends_on_id).await?;
    if todo.session_id != depends_on.session_id {
        return Err(ApiError::bad_input("a todo can only depend on a todo of the same session"));
    }
    // Serialize graph changes per session, so two concurrent edges cannot close a cycle together.
    lock_session(&tx, todo.session_id).await?;
    let edges = session_edges(&tx, todo.session_id).await?;
    if edges.get(&todo_id).is_some_and(|deps| deps.contains(&depends_on_id)) {
        return Ok(todo);
    }
    if let Some(path) = crate::service::graph::find_path(&edges, depends_on_id, todo_id) {
        let cycle: Vec<String> = std::iter::once(todo_id).chain(path).map(|id| id.to_string()).collect();
        return Err(ApiError::bad_input(format!("this dependency would close a cycle: {}", cycle.join(" -> "))));
    }
    let edge = session_todo_dependency::ActiveModel {
        todo_id: Set(todo_id),
        depends_on_id: Set(depends_on_id),
        created_at: Set(Utc::now()),
    }
    .insert(&tx)
    .await?;
    tx.record(Resource::TodoDependency, todo_id, None, Some(&edge))
        .await?
        .session(todo.session_id)
        .payload(json!({ "dependsOnId": depends_on_id }));
    event::append(
        &tx,
        todo.session_id,
        NewSessionEvent::system(
            types::TODO_DEPENDENCY_ADDED,
            json!({ "todoId": todo_id, "dependsOnId": depends_on_id }),
        ),
    )
    .await?;
    tx.wake(todo.session_id);
    tx.commit().await?;
    Ok(todo)
}

/// Every dependency edge of a session: todo -> the todos it depends on.
async fn session_edges(db: &impl ConnectionTrait, session_id: Uuid) -> ApiResult<HashMap<Uuid, Vec<Uuid>>> {
    let mut sql = Sql::new(
        "SELECT d.todo_id, d.depends_on_id, d.created_at FROM session_todo_dependencies d \
         JOIN session_todos t ON t.id = d.todo_id WHERE t.session_id = ",
    );
    sql.bind(session_id);
    let rows = session_todo_dependency::Model::find_by_statement(sql.build(db.get_database_backend())).all(db).await?;
    let mut edges: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in rows {
        edges.entry(row.todo_id).or_default().push(row.depends_on_id);
    }
    Ok(edges)
}

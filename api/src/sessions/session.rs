//! Documentation sessions: start (with one todo per file), status state machine, expiry, counts.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use entity::{
    documentation_session::{self, SessionStatus},
    session_event,
    session_todo::{self, TodoStatus},
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait},
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{
        Ctx, RequestContext, Resource, Role, Scope, Tx, Viewer, new_id,
        page::{Col, CursorKey, Filter, List, ListSpec, Listed},
        require_object, require_text,
        tenant::{self, Owned},
    },
    sessions::{
        event::{self, NewSessionEvent, types},
        todo,
    },
};

tenant::tenanted!(
    documentation_session,
    entity::workspace::Column::OrganizationId,
    via entity::documentation_session::Relation::Workspace
);

/// A workspace's sessions, oldest first.
pub static SESSIONS_OF_WORKSPACE: List = List::new(|| {
    ListSpec::child(
        documentation_session::Column::WorkspaceId,
        documentation_session::Column::Id,
        Owned::of::<entity::workspace::Entity>(),
    )
});

/// Which of a workspace's sessions to list.
#[derive(Clone, Debug, Default)]
pub struct SessionQuery {
    /// Only sessions in one of these statuses.
    pub status: Option<Vec<SessionStatus>>,
}

impl SessionQuery {
    /// The list filter.
    pub fn filter(&self) -> Filter {
        let statuses = self.status.as_ref().map(|s| s.iter().map(|s| status_name(*s)).collect::<Vec<_>>());
        Filter::default().is_in(Col::of(documentation_session::Column::Status), statuses.as_deref())
    }
}

/// Most files one session may start with.
pub const MAX_FILES: usize = 10_000;

/// How long a session lives when `expiresAt` is not given.
pub const DEFAULT_LIFETIME_HOURS: i64 = 24;

impl Listed for documentation_session::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

/// What `start` needs.
#[derive(Debug)]
pub struct StartSession {
    /// Workspace the session belongs to.
    pub workspace_id: Uuid,
    /// Module being documented, 1 to 255 characters.
    pub module_name: String,
    /// Files to document; one pending todo is created per path. Distinct, non-empty.
    pub file_paths: Vec<String>,
    /// When the session expires; now + 24 hours when absent; must be in the future.
    pub expires_at: Option<DateTime<Utc>>,
    /// Metadata object; `{}` when absent.
    pub metadata: Option<Value>,
}

/// Changes to a session; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct SessionChanges {
    /// New status, subject to [`check_transition`].
    pub status: Option<SessionStatus>,
    /// New module name.
    pub module_name: Option<String>,
    /// New metadata object (replaces the old one).
    pub metadata: Option<Value>,
    /// New expiry time.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Checks that text paths are non-empty and distinct.
pub fn check_paths(paths: &[String]) -> ApiResult<()> {
    let mut seen = HashSet::new();
    for path in paths {
        require_text("filePaths", path, 4096)?;
        if !seen.insert(path.as_str()) {
            return Err(ApiError::bad_input(format!("`filePaths` lists `{path}` twice")));
        }
    }
    Ok(())
}

/// Starts a session and one pending todo per file, in one transaction, and appends `session.started`.
/// Errors: `NOT_FOUND` (workspace), `BAD_USER_INPUT` (bad name, paths, expiry or metadata).
#[tracing::instrument(skip_all, fields(workspace_id = %input.workspace_id))]
pub async fn start(cx: Ctx<'_>, input: StartSession) -> ApiResult<documentation_session::Model> {
    require_text("moduleName", &input.module_name, 255)?;
    if input.file_paths.len() > MAX_FILES {
        return Err(ApiError::bad_input(format!("a session takes at most {MAX_FILES} files")));
    }
    check_paths(&input.file_paths)?;
    let now = Utc::now();
    let expires_at = input.expires_at.unwrap_or(now + Duration::hours(DEFAULT_LIFETIME_HOURS));
    if expires_at <= now {
        return Err(ApiError::bad_input("`expiresAt` must be in the future"));
    }
    let metadata = input.metadata.unwrap_or_else(|| json!({}));
    require_object("metadata", &metadata)?;

    let mut tx = cx.begin(Role::Member).await?;
    crate::sessions::workspace::get(&tx, cx.scope(), input.workspace_id).await?;
    let session_id = new_id();
    documentation_session::ActiveModel {
        id: Set(session_id),
        workspace_id: Set(input.workspace_id),
        module_name: Set(input.module_name),
        status: Set(SessionStatus::Pending),
        file_paths: Set(json!(input.file_paths)),
        metadata: Set(metadata),
        expires_at: Set(expires_at),
        last_event_sequence: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await?;
    let todos = input
        .file_paths
        .iter()
        .map(|path| todo::NewTodo { file_path: path.clone(), ..todo::NewTodo::default() })
        .collect();
    let session = get(&tx, cx.scope(), session_id).await?;
    tx.record(Resource::Session, session_id, None, Some(&session))
        .await?
        .workspace(session.workspace_id)
        .session(session_id);
    todo::insert_all(&mut tx, session_id, todos).await?;
    event::append(
        &tx,
        session_id,
        NewSessionEvent::system(types::SESSION_STARTED, json!({ "fileCount": input.file_paths.len() })),
    )
    .await?;
    let session = get(&tx, cx.scope(), session_id).await?;
    tx.wake(session_id);
    tx.commit().await?;
    tracing::info!(%session_id, files = input.file_paths.len(), "session started");
    Ok(session)
}

/// Records a status change of session `id` made by a bulk update (`session.<verb>`).
async fn record_status(tx: &mut Tx<'_>, id: Uuid, verb: &str, from: SessionStatus, to: SessionStatus) -> ApiResult<()> {
    let (from, to) = (status_name(from), status_name(to));
    let changes = json!({ "status": { "old": from, "new": to } });
    tx.record_change(Resource::Session, id, verb, changes)
        .await?
        .session(id)
        .payload(json!({ "from": from, "to": to }));
    Ok(())
}

/// The session `id` of the scope's organization. Errors: `NOT_FOUND` (also for another
/// organization's).
pub async fn get(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> ApiResult<documentation_session::Model> {
    tenant::row::<documentation_session::Entity>(db, scope, id)
        .await?
        .ok_or(ApiError::NotFound { entity: "documentation session" })
}

/// The newest event sequence of session `id`, in whatever organization: for the event bus, whose
/// feeds only serve sessions a subscription has already found in its viewer's organization.
pub async fn last_sequence(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<i64>> {
    Ok(documentation_session::Entity::find_by_id(id).one(db).await?.map(|s| s.last_event_sequence))
}

/// The state machine of session status. Staying put is allowed; `completed`, `failed` and `expired`
/// have no way out; `in_progress` does not go back to `pending`.
/// Errors: `BAD_USER_INPUT` naming both states.
pub fn check_transition(from: SessionStatus, to: SessionStatus) -> ApiResult<()> {
    use SessionStatus::*;
    let allowed = from == to
        || matches!(
            (from, to),
            (Pending, InProgress | Completed | Failed | Expired) | (InProgress, Completed | Failed | Expired)
        );
    if allowed {
        Ok(())
    } else {
        Err(ApiError::bad_input(format!("a session cannot go from `{}` to `{}`", status_name(from), status_name(to))))
    }
}

/// The status as stored, e.g. `in_progress`.
pub fn status_name(status: SessionStatus) -> String {
    use sea_orm::ActiveEnum;
    status.to_value()
}

/// Applies `changes` to session `id`; a status change appends `session.status_changed`.
/// Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT` (forbidden transition, bad fields), `CONFLICT`
/// (the status changed concurrently).
#[tracing::instrument(skip_all, fields(session_id = %id))]
pub async fn update(cx: Ctx<'_>, id: Uuid, changes: SessionChanges) -> ApiResult<documentation_session::Model> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    let from = current.status;
    let to = changes.status.unwrap_or(from);
    check_transition(from, to)?;
    let mut update = documentation_session::Entity::update_many()
        .col_expr(documentation_session::Column::Status, Expr::value(status_name(to)))
        .col_expr(documentation_session::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(documentation_session::Column::Id.eq(id))
        .filter(documentation_session::Column::Status.eq(status_name(from)));
    if let Some(name) = changes.module_name {
        require_text("moduleName", &name, 255)?;
        update = update.col_expr(documentation_session::Column::ModuleName, Expr::value(name));
    }
    if let Some(metadata) = changes.metadata {
        require_object("metadata", &metadata)?;
        update = update.col_expr(documentation_session::Column::Metadata, Expr::value(metadata));
    }
    if let Some(expires_at) = changes.expires_at {
        update = update.col_expr(documentation_session::Column::ExpiresAt, Expr::value(expires_at));
    }
    if update.exec(&tx).await?.rows_affected == 0 {
        return Err(ApiError::Conflict("the session's status changed meanwhile; read it again".into()));
    }
    if from != to {
        event::append(
            &tx,
            id,
            NewSessionEvent::system(
                types::SESSION_STATUS_CHANGED,
                json!({ "from": status_name(from), "to": status_name(to) }),
            ),
        )
        .await?;
        tx.wake(id);
    }
    let session = get(&tx, cx.scope(), id).await?;
    tx.record(Resource::Session, id, Some(&current), Some(&session)).await?.workspace(session.workspace_id).session(id);
    tx.commit().await?;
    Ok(session)
}

/// Moves a pending session to `in_progress` in `tx` (when its first todo is claimed). Returns whether
/// it moved.
pub async fn mark_in_progress(tx: &mut Tx<'_>, id: Uuid) -> ApiResult<bool> {
    let moved = documentation_session::Entity::update_many()
        .col_expr(documentation_session::Column::Status, Expr::value(status_name(SessionStatus::InProgress)))
        .col_expr(documentation_session::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(documentation_session::Column::Id.eq(id))
        .filter(documentation_session::Column::Status.eq(status_name(SessionStatus::Pending)))
        .exec(tx)
        .await?
        .rows_affected
        == 1;
    if moved {
        record_status(tx, id, "status_changed", SessionStatus::Pending, SessionStatus::InProgress).await?;
        event::append(
            &*tx,
            id,
            NewSessionEvent::system(types::SESSION_STATUS_CHANGED, json!({ "from": "pending", "to": "in_progress" })),
        )
        .await?;
    }
    Ok(moved)
}

/// Deletes session `id` with its todos and events (cascade). Errors: `FORBIDDEN`, `NOT_FOUND`.
#[tracing::instrument(skip_all, fields(session_id = %id))]
pub async fn delete(cx: Ctx<'_>, id: Uuid) -> ApiResult<()> {
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    documentation_session::Entity::delete_by_id(id).exec(&tx).await?;
    tx.record(Resource::Session, id, Some(&current), None).await?.workspace(current.workspace_id).session(id);
    tx.wake(id);
    tx.commit().await?;
    Ok(())
}

/// The organization's sweep (`expireSessions`): every session of the viewer's organization past
/// `expires_at` that is still pending or in progress becomes `expired`, each in its own unit of work
/// with a `session.expired` event; lapsed todo leases of the organization are released too. Returns
/// how many sessions expired. Errors: `FORBIDDEN` (below member).
#[tracing::instrument(skip_all)]
pub async fn expire_due(cx: Ctx<'_>) -> ApiResult<u64> {
    cx.viewer().require(Role::Member)?;
    let now = Utc::now();
    let due: Vec<Uuid> = tenant::scoped::<documentation_session::Entity>(cx.scope())
        .filter(due_at(now))
        .select_only()
        .column(documentation_session::Column::Id)
        .into_tuple()
        .all(cx.reads)
        .await?;
    let mut expired = 0;
    for id in due {
        expired += expire_one(cx, id, now).await? as u64;
    }
    todo::release_lapsed(cx, None).await?;
    Ok(expired)
}

/// Sessions past `expires_at` at `now` that are still pending or in progress.
fn due_at(now: DateTime<Utc>) -> Condition {
    Condition::all().add(documentation_session::Column::ExpiresAt.lt(now)).add(
        documentation_session::Column::Status
            .is_in([status_name(SessionStatus::Pending), status_name(SessionStatus::InProgress)]),
    )
}

/// Expires session `id` if it is still pending or in progress; returns whether it did.
async fn expire_one(cx: Ctx<'_>, id: Uuid, now: DateTime<Utc>) -> ApiResult<bool> {
    let mut tx = cx.begin(Role::Member).await?;
    let Some(current) = tenant::row::<documentation_session::Entity>(&tx, cx.scope(), id).await? else {
        return Ok(false);
    };
    let changed = documentation_session::Entity::update_many()
        .col_expr(documentation_session::Column::Status, Expr::value(status_name(SessionStatus::Expired)))
        .col_expr(documentation_session::Column::UpdatedAt, Expr::value(now))
        .filter(documentation_session::Column::Id.eq(id))
        .filter(
            documentation_session::Column::Status
                .is_in([status_name(SessionStatus::Pending), status_name(SessionStatus::InProgress)]),
        )
        .exec(&tx)
        .await?
        .rows_affected
        == 1;
    if changed {
        record_status(&mut tx, id, "expired", current.status, SessionStatus::Expired).await?;
        event::append(&tx, id, NewSessionEvent::system(types::SESSION_EXPIRED, json!({ "expiredAt": now }))).await?;
        tx.wake(id);
    }
    tx.commit().await?;
    Ok(changed)
}

/// The background sweep: runs [`expire_due`] for every organization that has an expired session or a
/// lapsed lease, as Docket itself (`system expiry-sweep`). Returns how many sessions expired.
pub async fn expire_due_everywhere(
    db: &sea_orm::DatabaseConnection,
    reads: &crate::db::Reads,
    bus: &crate::bus::EventBus,
) -> ApiResult<u64> {
    let now = Utc::now();
    let lapsed_lease = session_todo::Entity::find()
        .select_only()
        .expr(Expr::val(1))
        .filter(
            Expr::col((session_todo::Entity, session_todo::Column::SessionId))
                .equals((documentation_session::Entity, documentation_session::Column::Id)),
        )
        .filter(session_todo::Column::Status.eq(TodoStatus::InProgress))
        .filter(session_todo::Column::LeaseExpiresAt.lt(now))
        .into_query();
    let organizations: Vec<Uuid> = tenant::joined::<documentation_session::Entity>()
        .filter(Condition::any().add(due_at(now)).add(Expr::exists(lapsed_lease)))
        .select_only()
        .expr(<entity::documentation_session::Entity as tenant::Tenanted>::organization())
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let mut expired = 0;
    for organization in organizations {
        let request = RequestContext::of(Viewer::system("expiry-sweep", organization));
        expired += expire_due(Ctx::over(db, reads, bus, &request)).await?;
    }
    Ok(expired)
}

/// Todos per status for each of `sessions`, every status present (zero when none).
pub async fn todo_counts(
    db: &impl ConnectionTrait,
    scope: Scope,
    sessions: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<(TodoStatus, i64)>>> {
    crate::service::page::counts_by_parent_and_enum(
        db,
        scope,
        &todo::TODOS_OF_SESSION,
        sessions,
        Col::of(session_todo::Column::Status),
    )
    .await
}

/// Events per type for each of `sessions`, by type name.
pub async fn event_counts(
    db: &impl ConnectionTrait,
    scope: Scope,
    sessions: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<(String, i64)>>> {
    crate::service::page::counts_by_parent_and(
        db,
        scope,
        &event::EVENTS_OF_SESSION,
        sessions,
        Col::of(session_event::Column::EventType),
    )
    .await
}

/// Rejects work on a session that has finished. Errors: `BAD_USER_INPUT`.
pub fn require_open(session: &documentation_session::Model) -> ApiResult<()> {
    if session.status.is_terminal() {
        return Err(ApiError::bad_input(format!(
            "the session is `{}`; a finished session takes no more work",
            status_name(session.status)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use SessionStatus::*;

    #[test]
    fn finished_sessions_never_change_status() {
        for from in [Completed, Failed, Expired] {
            for to in [Pending, InProgress, Completed, Failed, Expired] {
                assert_eq!(check_transition(from, to).is_ok(), from == to, "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn open_sessions_move_forward_only() {
        assert!(check_transition(Pending, InProgress).is_ok());
        assert!(check_transition(Pending, Expired).is_ok());
        assert!(check_transition(InProgress, Completed).is_ok());
        assert!(check_transition(InProgress, Pending).is_err());
    }

    #[test]
    fn file_paths_must_be_distinct_and_non_empty() {
        assert!(check_paths(&["a".into(), "b".into()]).is_ok());
        assert!(check_paths(&["a".into(), "a".into()]).is_err());
        assert!(check_paths(&[" ".into()]).is_err());
    }
}

//! `createSessionTodos`, `updateSessionTodo`, `addTodoDependency`, and the worker actions
//! `claimNextTodo`, `completeTodo`, `failTodo`, `skipTodo`.

use async_graphql::{Context, ID, Object};

use crate::{
    graphql::{parse_id, relations::ahead_of_rows, service_ctx},
    sessions::{
        schema::todo::{
            AddTodoDependencyInput, AddTodoDependencyPayload, CreateSessionTodosInput, CreateSessionTodosPayload,
            SessionTodo, UpdateSessionTodoInput, UpdateSessionTodoPayload,
        },
        todo::{self, NewTodo, Outcome, TodoChanges},
    },
};

/// Todo mutations.
#[derive(Default)]
pub struct TodoMutation;

#[Object]
impl TodoMutation {
    /// Adds todos to a session in one transaction and appends `todo.created`.
    /// Errors: `NOT_FOUND` (session), `BAD_USER_INPUT` (bad fields, finished session).
    async fn create_session_todos(
        &self,
        ctx: &Context<'_>,
        input: CreateSessionTodosInput,
    ) -> async_graphql::Result<CreateSessionTodosPayload> {
        let session_id = parse_id("sessionId", &input.session_id)?;
        let defaults = NewTodo::default();
        let todos = input
            .todos
            .into_iter()
            .map(|t| NewTodo {
                file_path: t.file_path,
                priority: t.priority.unwrap_or(defaults.priority),
                max_attempts: t.max_attempts.unwrap_or(defaults.max_attempts),
                metadata: t.metadata.map_or_else(|| defaults.metadata.clone(), |j| j.0),
            })
            .collect();
        let created = todo::create_batch(service_ctx(ctx)?, session_id, todos).await?;
        let selection = ctx.field().selection_set().filter(|f| f.name() == "todos").collect();
        ahead_of_rows::<SessionTodo>(ctx, &created, selection).await?;
        Ok(CreateSessionTodosPayload { todos: created.into_iter().map(SessionTodo).collect() })
    }

    /// Changes a todo's path, priority, attempts limit or metadata and appends `todo.updated`.
    /// Errors: `NOT_FOUND`, `BAD_USER_INPUT`.
    async fn update_session_todo(
        &self,
        ctx: &Context<'_>,
        input: UpdateSessionTodoInput,
    ) -> async_graphql::Result<UpdateSessionTodoPayload> {
        let id = parse_id("id", &input.id)?;
        let changes = TodoChanges {
            file_path: input.file_path,
            priority: input.priority,
            max_attempts: input.max_attempts,
            metadata: input.metadata.map(|j| j.0),
        };
        let updated = todo::update(service_ctx(ctx)?, id, changes).await?;
        Ok(UpdateSessionTodoPayload { todo: SessionTodo(updated) })
    }

    /// Makes `todoId` wait for `dependsOnId` (adding an existing edge changes nothing).
    /// Errors: `NOT_FOUND`, `BAD_USER_INPUT` (self-dependency, different sessions, or a cycle, which
    /// the message spells out).
    async fn add_todo_dependency(
        &self,
        ctx: &Context<'_>,
        input: AddTodoDependencyInput,
    ) -> async_graphql::Result<AddTodoDependencyPayload> {
        let todo_id = parse_id("todoId", &input.todo_id)?;
        let depends_on_id = parse_id("dependsOnId", &input.depends_on_id)?;
        let updated = todo::add_dependency(service_ctx(ctx)?, todo_id, depends_on_id).await?;
        Ok(AddTodoDependencyPayload { todo: SessionTodo(updated) })
    }

    /// Claims the next pending todo of a session: highest priority first, then oldest; only todos
    /// whose dependencies are all completed. Marks it `IN_PROGRESS`, counts the attempt, leases it
    /// for `leaseSeconds` (default 300, at most 86,400) to the caller, and appends `todo.claimed`. The
    /// returned todo's `leaseToken` is what `renewTodoLease`, `completeTodo` and `failTodo` need.
    /// `null` when none is ready. Concurrent callers never get the same todo.
    /// Errors: `FORBIDDEN`, `NOT_FOUND` (session), `BAD_USER_INPUT` (finished session, bad lease).
    async fn claim_next_todo(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        lease_seconds: Option<i32>,
    ) -> async_graphql::Result<Option<SessionTodo>> {
        let session_id = parse_id("sessionId", &session_id)?;
        let claimed = todo::claim_next(service_ctx(ctx)?, session_id, lease_seconds.map(i64::from)).await?;
        Ok(claimed.map(SessionTodo))
    }

    /// Extends the lease of an `IN_PROGRESS` todo to `leaseSeconds` (default 300, at most 86,400)
    /// from now, for the holder of `leaseToken`. A worker that stops renewing loses the todo to the
    /// next claimer once the lease lapses. Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT` (bad
    /// lease), `CONFLICT` (a stale `leaseToken`: the lease ended; nothing changed).
    async fn renew_todo_lease(
        &self,
        ctx: &Context<'_>,
        id: ID,
        lease_token: String,
        lease_seconds: Option<i32>,
    ) -> async_graphql::Result<SessionTodo> {
        let id = parse_id("id", &id)?;
        let renewed = todo::renew_lease(service_ctx(ctx)?, id, &lease_token, lease_seconds.map(i64::from)).await?;
        Ok(SessionTodo(renewed))
    }

    /// Marks an `IN_PROGRESS` todo `COMPLETED` and appends `todo.completed`, for the holder of
    /// `leaseToken`. Errors: `FORBIDDEN`, `NOT_FOUND`, `CONFLICT` (a stale `leaseToken`, or the status
    /// changed meanwhile).
    async fn complete_todo(
        &self,
        ctx: &Context<'_>,
        id: ID,
        lease_token: String,
    ) -> async_graphql::Result<SessionTodo> {
        finish(ctx, &id, Outcome::Complete, Some(&lease_token)).await
    }

    /// Reports an `IN_PROGRESS` todo failed, for the holder of `leaseToken`: back to `PENDING` while
    /// attempts remain, else `FAILED`; appends `todo.failed` with the error. Errors: `FORBIDDEN`,
    /// `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT` (a stale `leaseToken`).
    async fn fail_todo(
        &self,
        ctx: &Context<'_>,
        id: ID,
        lease_token: String,
        error: String,
    ) -> async_graphql::Result<SessionTodo> {
        finish(ctx, &id, Outcome::Fail(error), Some(&lease_token)).await
    }

    /// Marks a `PENDING` or `IN_PROGRESS` todo `SKIPPED` and appends `todo.skipped`. A worker skipping
    /// the todo it holds passes its `leaseToken` (a stale one is refused); a coordinator passes none.
    /// Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`.
    async fn skip_todo(
        &self,
        ctx: &Context<'_>,
        id: ID,
        lease_token: Option<String>,
    ) -> async_graphql::Result<SessionTodo> {
        finish(ctx, &id, Outcome::Skip, lease_token.as_deref()).await
    }
}

async fn finish(
    ctx: &Context<'_>,
    id: &ID,
    outcome: Outcome,
    lease_token: Option<&str>,
) -> async_graphql::Result<SessionTodo> {
    let id = parse_id("id", id)?;
    Ok(SessionTodo(todo::finish(service_ctx(ctx)?, id, outcome, lease_token).await?))
}

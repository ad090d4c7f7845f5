//! Root subscription fields, served over websockets in both `graphql-transport-ws` (GraphiQL, the
//! `graphql-ws` client) and the legacy `graphql-ws` protocol (GraphQL Playground).

use async_graphql::{Context, ID, Subscription as SubscriptionDerive};
use futures_util::{Stream, StreamExt};

use super::{
    parse_id,
    prefetch::Prefetched,
    service_ctx,
    types::{SessionEvent, task_event::TaskEvent},
};
use crate::service;

/// The root subscription type.
pub struct Subscription;

#[SubscriptionDerive]
impl Subscription {
    /// The events of a session: first the stored ones with `sequence > afterSequence` (all when
    /// omitted), then new ones as they commit, in order and each once, including events appended
    /// through other `docket` processes sharing the database. To resume after a disconnect, pass the
    /// last `sequence` you received. A subscriber that falls too far behind receives an error with
    /// code `SUBSCRIBER_LAGGED` and `extensions.lastSequence`, its resume point.
    /// Errors: `NOT_FOUND` (no such session in the viewer's organization), `BAD_USER_INPUT` (malformed
    /// id), `UNAUTHENTICATED`.
    async fn session_events(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        after_sequence: Option<i64>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<SessionEvent>> + use<>> {
        let session_id = parse_id("sessionId", &session_id)?;
        let cx = service_ctx(ctx)?;
        service::session::get(cx.db, cx.scope(), session_id).await?;
        let stream = cx.bus.subscribe(session_id, after_sequence.unwrap_or(0).max(0));
        Ok(stream.map(|item| item.map(SessionEvent).map_err(Into::into)))
    }

    /// Live changes to a project's tasks: created, updated, transitioned, deleted, execution started
    /// or finished, including changes made through other `docket` processes sharing the database.
    /// Nothing is replayed: the stream starts now. Errors: `NOT_FOUND` (no such project in the
    /// viewer's organization), `UNAUTHENTICATED`,
    /// `BAD_USER_INPUT` (malformed id), `SUBSCRIBER_LAGGED` (fell too far behind).
    async fn task_events(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<TaskEvent>> + use<>> {
        let project_id = parse_id("projectId", &project_id)?;
        let cx = service_ctx(ctx)?;
        service::project::get(cx.db, cx.scope(), project_id).await?;
        let stream = cx.bus.subscribe_tasks(project_id);
        // Each item shows the task as it is now: nothing loaded for an earlier item may serve it.
        let store = ctx.data_opt::<Prefetched>().cloned();
        Ok(stream.map(move |item| {
            if let Some(store) = &store {
                store.clear();
            }
            item.map(TaskEvent).map_err(Into::into)
        }))
    }
}

//! Root subscription fields, served over websockets in both `graphql-transport-ws` (GraphiQL, the
//! `graphql-ws` client) and the legacy `graphql-ws` protocol (GraphQL Playground).

use async_graphql::{Context, ID, Subscription as SubscriptionDerive};
use futures_util::{Stream, StreamExt};

use crate::{
    events::{
        log::{self as event_log, EventCursor, EventFilter as LogFilter},
        schema::log_event::{Event, EventFilter},
    },
    graphql::{parse_id, prefetch::Prefetched, service_ctx},
    sessions::schema::event::SessionEvent,
    work::schema::task_event::{TaskEvent, TaskEventKind},
};

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
        crate::sessions::session::get(cx.reads, cx.scope(), session_id).await?;
        let stream = cx.bus.subscribe(session_id, after_sequence.unwrap_or(0).max(0));
        Ok(stream.map(|item| item.map(SessionEvent).map_err(Into::into)))
    }

    /// The organization's events under `filter`, in commit order, each once, including events
    /// written through other `docket` processes sharing the database. Without `after`: from now on.
    /// With `after` (an `Event.cursor`): first the stored events after it, then new ones as they commit.
    /// A subscriber that falls too far behind receives an error with code `SUBSCRIBER_LAGGED` and
    /// `extensions.lastCursor`, its resume point. Errors: `BAD_USER_INPUT` (a malformed cursor or id),
    /// `NOT_FOUND` (a project or task of the filter that the organization does not have), `UNAUTHENTICATED`.
    async fn events(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventFilter>,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<Event>> + use<>> {
        let after = after.map(|c| EventCursor::decode("after", &c)).transpose()?;
        let filter = filter.unwrap_or_default().into_service()?;
        let cx = service_ctx(ctx)?;
        event_log::check_filter(cx.reads, cx.scope(), &filter).await?;
        let stream = cx.bus.subscribe_log(cx.scope(), after, filter);
        Ok(fresh_per_item(ctx, stream.map(|item| item.map(|e| Event((*e).clone())).map_err(Into::into))))
    }

    /// Changes to a project's tasks: created, updated, transitioned, deleted, dependency added or
    /// removed, execution started or finished, including changes made through other `docket` processes.
    /// A thin filter over `events` (Docket's `task.*` and `execution.*` events of the project), so it
    /// resumes like it: without `after`, from now on; with `after` (a `TaskEvent.cursor`), the stored
    /// changes after it first. Errors: `NOT_FOUND` (no such project in the viewer's organization),
    /// `BAD_USER_INPUT` (malformed id or cursor), `UNAUTHENTICATED`, `SUBSCRIBER_LAGGED`.
    async fn task_events(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<TaskEvent>> + use<>> {
        let project_id = parse_id("projectId", &project_id)?;
        let after = after.map(|c| EventCursor::decode("after", &c)).transpose()?;
        let cx = service_ctx(ctx)?;
        crate::work::project::get(cx.reads, cx.scope(), project_id).await?;
        let filter = LogFilter {
            project_id: Some(project_id),
            sources: Some(vec![event_log::DOCKET_SOURCE.to_owned()]),
            types: Some(TaskEventKind::TYPES.iter().map(|(t, _)| (*t).to_owned()).collect()),
            ..LogFilter::default()
        };
        let stream = cx.bus.subscribe_log(cx.scope(), after, filter);
        Ok(fresh_per_item(ctx, stream.map(|item| item.map(|e| TaskEvent((*e).clone())).map_err(Into::into))))
    }
}

/// Each item shows related records as they are now: nothing loaded for an earlier item may serve it.
fn fresh_per_item<S: Stream + Send>(ctx: &Context<'_>, stream: S) -> impl Stream<Item = S::Item> + Send + use<S> {
    let store = ctx.data_opt::<Prefetched>().cloned();
    stream.map(move |item| {
        if let Some(store) = &store {
            store.clear();
        }
        item
    })
}

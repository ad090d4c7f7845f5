//! Root query fields of the event log: `events` and `eventTypes`.

use async_graphql::ID;
use async_graphql::{Context, Object, connection::Edge};

use crate::{
    error::ApiError,
    events::{
        log::EventCursor,
        schema::{
            audit::AuditEntry,
            event_type::EventType,
            log_event::{Event, EventFilter},
        },
    },
    graphql::{
        connection::{Conn, ConnectionTotal, Cursor, connection, page_args, wants_total},
        parse_id,
        relations::{ahead_of_nodes, nodes_read},
        service_ctx,
    },
    service::{
        self,
        page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE},
    },
};

/// The organization's event log.
#[derive(Default)]
pub struct EventQuery;

#[Object]
impl EventQuery {
    /// The organization's events in commit order (oldest first), forward from `after` (an `Event.cursor`
    /// or `endCursor`). Pages hold 50 events by default and 100 at most. An event committed late by a
    /// slow transaction is listed after the events before it only once that transaction has ended (the
    /// list waits up to a second for it), so paging forward from `endCursor` never misses an event.
    /// Errors: `BAD_USER_INPUT` (a malformed cursor or id, `first` out of range).
    async fn events(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<Event>> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n < 0 => return Err(ApiError::bad_input("`first` must not be negative").into()),
            Some(n) if n as u64 > MAX_PAGE_SIZE => {
                return Err(ApiError::bad_input(format!("`first` must be at most {MAX_PAGE_SIZE}, got {n}")).into());
            }
            Some(n) => n as u64,
        };
        let after = after.map(|c| EventCursor::decode("after", &c)).transpose()?;
        let filter = filter.unwrap_or_default().into_service()?;
        let cx = service_ctx(ctx)?;
        let (events, has_next) = crate::events::log::page(cx.reads, cx.scope(), &filter, after, first).await?;
        let total =
            if wants_total(ctx) { Some(crate::events::log::count(cx.reads, cx.scope(), &filter).await?) } else { None };
        ahead_of_nodes::<Event>(ctx, &events).await?;
        let mut conn = Conn::new(after.is_some(), has_next, ConnectionTotal { total_count: total.unwrap_or(0) });
        conn.edges
            .extend(events.into_iter().map(|e| Edge::new(Cursor::Encoded(EventCursor::of(&e).encode()), Event(e))));
        Ok(conn)
    }

    /// The organization's registered event types, oldest first. Pages hold 50 items by default and 100
    /// at most.
    async fn event_types(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<EventType>> {
        let args = page_args(first, after, last, before)?;
        let cx = service_ctx(ctx)?;
        let page = crate::events::event_type::list(cx, &args, &nodes_read::<EventType>(ctx)).await?;
        let total = if wants_total(ctx) { Some(crate::events::event_type::count(cx).await?) } else { None };
        Ok(connection(page, total, EventType))
    }

    /// The organization's audit log, oldest first: every write through the API, optionally of one record
    /// (`entityId`) or one kind of record (`entityType`: `project`, `task`, `task_dependency`).
    #[allow(clippy::too_many_arguments)]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        entity_id: Option<ID>,
        entity_type: Option<String>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<AuditEntry>> {
        let args = page_args(first, after, last, before)?;
        let entity_id = entity_id.map(|id| parse_id("entityId", &id)).transpose()?;
        let cx = service_ctx(ctx)?;
        let filter = service::audit::filter(entity_id, entity_type);
        let page = service::audit::list(cx, &filter, &args, &nodes_read::<AuditEntry>(ctx)).await?;
        let total = if wants_total(ctx) { Some(service::audit::count(cx, &filter).await?) } else { None };
        Ok(connection(page, total, AuditEntry))
    }
}

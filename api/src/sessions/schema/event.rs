//! `SessionEvent` and the append input and payload.

use async_graphql::{ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::session_event;
use serde_json::Value;

use crate::graphql::{
    object::object,
    prefetch::{Level, Prefetch},
    to_id,
};

object! {
    /// One entry of a session's append-only event stream. `(sessionId, sequence)` is its cursor.
    #[Object]
    impl SessionEvent(session_event::Model) |m| {
        /// Server-generated id (a UUIDv7).
        id: ID = to_id(m.id),
        /// Id of the owning session.
        session_id: ID = to_id(m.session_id),
        /// Position in the session's stream: 1, 2, 3, ... without gaps. Pass the last one you saw as
        /// `afterSequence` to resume.
        sequence: i64 = m.sequence,
        /// Kind of event: Docket's own (`session.started`, `todo.claimed`, `todo.completed`,
        /// `todo.failed`, `todo.skipped`, `todo.lease_expired`, `session.status_changed`,
        /// `session.expired`, ...) or a client's.
        event_type: &str = &m.event_type,
        /// Payload.
        event_data: Json<&Value> = Json(&m.event_data),
        /// Error text, for failure events.
        error: Option<&str> = m.error.as_deref(),
        /// Free-form metadata object.
        metadata: Json<&Value> = Json(&m.metadata),
        /// When the event was appended.
        created_at: DateTime<Utc> = m.created_at,
    }
}

impl Prefetch for SessionEvent {
    type Row = session_event::Model;
    /// Events relate to nothing further.
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        Self::connections_ahead(level);
    }
}

/// Input of `appendSessionEvent`.
#[derive(InputObject)]
pub struct AppendSessionEventInput {
    /// The session to append to.
    pub session_id: ID,
    /// Kind of event, 1 to 100 characters.
    pub event_type: String,
    /// Payload; `{}` when omitted.
    pub event_data: Option<Json<Value>>,
    /// Error text, for failure events.
    pub error: Option<String>,
    /// Metadata object; `{}` when omitted.
    pub metadata: Option<Json<Value>>,
}

/// Result of `appendSessionEvent`.
#[derive(SimpleObject)]
pub struct AppendSessionEventPayload {
    /// The stored event, with its `sequence`.
    pub event: SessionEvent,
}

//! `SessionEvent` and the append input and payload.

use async_graphql::{ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::session_event;
use serde_json::Value;

use crate::graphql::{
    connection::{PlainFields, json, optional_text, scalar, text},
    prefetch::{Level, Prefetch},
    to_id,
};

/// The GraphQL object of a event row (described on its `impl`).
pub struct SessionEvent(pub session_event::Model);

impl PlainFields for SessionEvent {
    fn plain(&self, name: &str) -> Option<async_graphql::Value> {
        let m = &self.0;
        Some(match name {
            "id" => scalar(to_id(m.id)),
            "sessionId" => scalar(to_id(m.session_id)),
            "sequence" => scalar(m.sequence),
            "eventType" => text(&m.event_type),
            "eventData" => json(&m.event_data),
            "error" => optional_text(m.error.as_deref()),
            "metadata" => json(&m.metadata),
            "createdAt" => scalar(m.created_at),
            _ => return None,
        })
    }
}

impl Prefetch for SessionEvent {
    type Row = session_event::Model;
    /// Events relate to nothing further.
    fn relations(_: &mut Level<'_, '_, Self::Row>) {}
}

/// One entry of a session's append-only event stream. `(sessionId, sequence)` is its cursor.
#[Object]
impl SessionEvent {
    /// Server-generated id (a UUIDv7).
    pub async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Id of the owning session.
    async fn session_id(&self) -> ID {
        to_id(self.0.session_id)
    }
    /// Position in the session's stream: 1, 2, 3, ... without gaps. Pass the last one you saw as
    /// `afterSequence` to resume.
    async fn sequence(&self) -> i64 {
        self.0.sequence
    }
    /// Kind of event: Docket's own (`session.started`, `todo.claimed`, `todo.completed`,
    /// `todo.failed`, `todo.skipped`, `todo.lease_expired`, `session.status_changed`,
    /// `session.expired`, ...) or a client's.
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// Payload.
    async fn event_data(&self) -> Json<&Value> {
        Json(&self.0.event_data)
    }
    /// Error text, for failure events.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// Free-form metadata object.
    async fn metadata(&self) -> Json<&Value> {
        Json(&self.0.metadata)
    }
    /// When the event was appended.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
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

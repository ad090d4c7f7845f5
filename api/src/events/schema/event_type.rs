//! `EventType`, a registered type of the event log, and its inputs and payload.

use async_graphql::{ID, InputObject, Json, MaybeUndefined, Object};
use chrono::{DateTime, Utc};
use entity::event_type;
use serde_json::Value;

use crate::{
    events::event_type::{DEFAULT_RETENTION_DAYS, EventTypeFields},
    graphql::{object::object, to_id, types::payload},
};

object! {
    /// A registered event type: the JSON Schema its payloads must match (checked by `recordEvent`) and
    /// how long its events are kept.
    #[Object]
    impl EventType(event_type::Model) |m| {
        /// Server-generated id.
        id: ID = to_id(m.id),
        /// The type's name, e.g. `deployment.finished`; unique in the organization.
        name: &str = &m.name,
        /// What the type means.
        description: Option<&str> = m.description.as_deref(),
        /// JSON Schema (draft 2020-12 unless `$schema` names another) that payloads must match; `null`:
        /// any object.
        payload_schema: Option<Json<&Value>> = m.payload_schema.as_ref().map(Json),
        /// Days events of this type are kept (the organization's default, 90, when not set).
        retention_days: i32 = m.retention_days.unwrap_or(DEFAULT_RETENTION_DAYS),
        /// When registered.
        created_at: DateTime<Utc> = m.created_at,
        /// When last changed.
        updated_at: DateTime<Utc> = m.updated_at,
    }
}

/// Input of `createEventType`.
#[derive(InputObject)]
pub struct CreateEventTypeInput {
    /// The name, 1 to 100 characters without spaces.
    pub name: String,
    /// What it means.
    pub description: Option<String>,
    /// JSON Schema for payloads. References to other documents are not fetched.
    pub payload_schema: Option<Json<Value>>,
    /// Days its events are kept, at least 1; 90 when omitted.
    pub retention_days: Option<i32>,
}

impl From<CreateEventTypeInput> for EventTypeFields {
    fn from(input: CreateEventTypeInput) -> Self {
        Self {
            name: Some(input.name),
            description: Some(input.description),
            payload_schema: Some(input.payload_schema.map(|j| j.0)),
            retention_days: Some(input.retention_days),
        }
    }
}

/// Input of `updateEventType`: omitted fields stay; `null` clears a description, a schema or a
/// retention period.
#[derive(InputObject)]
pub struct UpdateEventTypeInput {
    /// The type.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: MaybeUndefined<String>,
    /// New schema.
    pub payload_schema: MaybeUndefined<Json<Value>>,
    /// New retention period in days.
    pub retention_days: MaybeUndefined<i32>,
}

impl UpdateEventTypeInput {
    /// The service's changes.
    pub fn fields(self) -> EventTypeFields {
        EventTypeFields {
            name: self.name,
            description: match self.description {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(text) => Some(Some(text)),
            },
            payload_schema: match self.payload_schema {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(j) => Some(Some(j.0)),
            },
            retention_days: match self.retention_days {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(d) => Some(Some(d)),
            },
        }
    }
}

/// Input of `deleteEventType`.
#[derive(InputObject)]
pub struct DeleteEventTypeInput {
    /// The type. Its events stay, kept for the default period.
    pub id: ID,
}

payload!(
    /// Result of `createEventType`.
    CreateEventTypePayload {
        /// The type as it is now (as it was, for a deletion).
        event_type: EventType
    }
);

payload!(
    /// Result of `updateEventType`.
    UpdateEventTypePayload {
        /// The type as it is now (as it was, for a deletion).
        event_type: EventType
    }
);

payload!(
    /// Result of `deleteEventType`.
    DeleteEventTypePayload {
        /// The type as it is now (as it was, for a deletion).
        event_type: EventType
    }
);

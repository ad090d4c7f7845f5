//! `appendSessionEvent`.

use async_graphql::{Context, Object};
use serde_json::json;

use crate::{
    graphql::{parse_id, service_ctx},
    sessions::{
        event::{self, NewSessionEvent},
        schema::event::{AppendSessionEventInput, AppendSessionEventPayload, SessionEvent},
    },
};

/// Event mutations.
#[derive(Default)]
pub struct EventMutation;

#[Object]
impl EventMutation {
    /// Appends an event to a session's stream; the answer carries its gapless `sequence`, and every
    /// subscriber of the session receives it. Errors: `NOT_FOUND` (session), `BAD_USER_INPUT` (empty or
    /// over-long type, metadata not an object).
    async fn append_session_event(
        &self,
        ctx: &Context<'_>,
        input: AppendSessionEventInput,
    ) -> async_graphql::Result<AppendSessionEventPayload> {
        let session_id = parse_id("sessionId", &input.session_id)?;
        let new = NewSessionEvent {
            event_type: input.event_type,
            event_data: input.event_data.map_or_else(|| json!({}), |j| j.0),
            error: input.error,
            metadata: input.metadata.map_or_else(|| json!({}), |j| j.0),
        };
        let appended = event::append_one(service_ctx(ctx)?, session_id, new).await?;
        Ok(AppendSessionEventPayload { event: SessionEvent(appended) })
    }
}

//! `recordEvent` and the event types: `createEventType`, `updateEventType`, `deleteEventType`.

use async_graphql::{Context, InputObject, Object, SimpleObject};

use crate::{
    events::{
        event_type, inbound,
        log::record,
        schema::{
            event_type::{
                CreateEventTypeInput, CreateEventTypePayload, DeleteEventTypeInput, DeleteEventTypePayload, EventType,
                UpdateEventTypeInput, UpdateEventTypePayload,
            },
            log_event::{Event, RecordEventInput, RecordEventPayload},
        },
    },
    graphql::{parse_id, relations::ahead_of_one, service_ctx},
    state::AppState,
};

/// Input of `setInboundWebhookSecret`.
#[derive(InputObject)]
pub struct SetInboundWebhookSecretInput {
    /// The source whose hooks it signs, e.g. `github` (1 to 100 of `a-z 0-9 . _ -`).
    pub source: String,
    /// The secret, 16 to 1,024 characters; the same as the sending side's (GitHub's webhook secret).
    pub secret: String,
}

/// Result of `setInboundWebhookSecret`.
#[derive(SimpleObject)]
pub struct SetInboundWebhookSecretPayload {
    /// The source whose secret was set.
    pub source: String,
}

/// Mutations of the organization's event log.
#[derive(Default)]
pub struct LogMutation;

#[Object]
impl LogMutation {
    /// Records an event in the organization's log (member role). With an `idempotencyKey` already used
    /// by the same source, returns the stored event with `replayed: true` and records nothing.
    /// Errors: `BAD_USER_INPUT` (source, type, trace id, a payload that is not an object or does not
    /// match its type's registered schema: the message names the path), `NOT_FOUND` (project, task),
    /// `FORBIDDEN`.
    async fn record_event(
        &self,
        ctx: &Context<'_>,
        input: RecordEventInput,
    ) -> async_graphql::Result<RecordEventPayload> {
        let recorded = record::record(service_ctx(ctx)?, input.into_service()?).await?;
        ahead_of_one::<Event>(ctx, &recorded.event).await?;
        Ok(RecordEventPayload { event: Event(recorded.event), replayed: recorded.replayed })
    }

    /// Sets the secret that signs the organization's inbound hooks from `source` (admin role):
    /// `POST /hooks/{source}/{organization slug}` then needs `X-Hub-Signature-256: sha256=<hex
    /// HMAC-SHA256 of the body with this secret>`, as GitHub sends it. The secret is sealed with the
    /// server's secrets key and never shown again; setting it again replaces it.
    /// Errors: `BAD_USER_INPUT` (source, a secret under 16 characters), `NOT_CONFIGURED` (the server
    /// has no secrets key), `FORBIDDEN`.
    async fn set_inbound_webhook_secret(
        &self,
        ctx: &Context<'_>,
        input: SetInboundWebhookSecretInput,
    ) -> async_graphql::Result<SetInboundWebhookSecretPayload> {
        let state = ctx.data_unchecked::<AppState>();
        inbound::set_secret(service_ctx(ctx)?, &state.sealer, &input.source, &input.secret).await?;
        Ok(SetInboundWebhookSecretPayload { source: input.source })
    }

    /// Registers an event type (admin role). Errors: `BAD_USER_INPUT` (name, an invalid JSON Schema,
    /// retention below 1 day), `CONFLICT` (name taken), `FORBIDDEN`.
    async fn create_event_type(
        &self,
        ctx: &Context<'_>,
        input: CreateEventTypeInput,
    ) -> async_graphql::Result<CreateEventTypePayload> {
        let created = event_type::create(service_ctx(ctx)?, input.into()).await?;
        Ok(CreateEventTypePayload { event_type: EventType(created) })
    }

    /// Changes an event type (admin role). Errors: as `createEventType`, and `NOT_FOUND`.
    async fn update_event_type(
        &self,
        ctx: &Context<'_>,
        input: UpdateEventTypeInput,
    ) -> async_graphql::Result<UpdateEventTypePayload> {
        let id = parse_id("id", &input.id)?;
        let updated = event_type::update(service_ctx(ctx)?, id, input.fields()).await?;
        Ok(UpdateEventTypePayload { event_type: EventType(updated) })
    }

    /// Removes an event type (admin role); its events stay. Errors: `NOT_FOUND`, `FORBIDDEN`.
    async fn delete_event_type(
        &self,
        ctx: &Context<'_>,
        input: DeleteEventTypeInput,
    ) -> async_graphql::Result<DeleteEventTypePayload> {
        let id = parse_id("id", &input.id)?;
        let deleted = event_type::delete(service_ctx(ctx)?, id).await?;
        Ok(DeleteEventTypePayload { event_type: EventType(deleted) })
    }
}

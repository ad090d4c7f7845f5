//! `createWebhook`, `updateWebhook`, `deleteWebhook` and `redeliverWebhookEvent` (admin role).

use async_graphql::{Context, Object};

use crate::{
    events::{
        schema::webhook::{
            CreateWebhookInput, CreateWebhookPayload, DeleteWebhookInput, DeleteWebhookPayload,
            RedeliverWebhookEventInput, RedeliverWebhookEventPayload, UpdateWebhookInput, UpdateWebhookPayload,
            Webhook,
        },
        webhook,
    },
    graphql::{parse_id, relations::ahead_of_one, service_ctx, to_id},
    state::AppState,
};

/// Webhook mutations.
#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Subscribes an HTTP endpoint to the organization's events from now on (admin role). Each event
    /// that matches `eventTypes`, `sources` and `projectId` is POSTed once it is stored, signed with the
    /// secret, and retried with exponential backoff until the endpoint answers 2xx or the attempts run
    /// out. Errors: `BAD_USER_INPUT` (a URL that is not http(s) or points at a private address, a short
    /// secret, a malformed `whsec_` secret or list), `NOT_FOUND` (project), `NOT_CONFIGURED` (the
    /// server has no secrets key to seal the secret with), `FORBIDDEN`.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookInput,
    ) -> async_graphql::Result<CreateWebhookPayload> {
        let state = ctx.data_unchecked::<AppState>();
        let created = webhook::create(
            service_ctx(ctx)?,
            &state.sealer,
            state.config.allow_private_webhooks,
            input.into_service()?,
        )
        .await?;
        ahead_of_one::<Webhook>(ctx, &created.webhook).await?;
        Ok(CreateWebhookPayload { webhook: Webhook(created.webhook), secret: created.generated_secret })
    }

    /// Changes a webhook (admin role). Errors: as `createWebhook`, and `NOT_FOUND`.
    async fn update_webhook(
        &self,
        ctx: &Context<'_>,
        input: UpdateWebhookInput,
    ) -> async_graphql::Result<UpdateWebhookPayload> {
        let state = ctx.data_unchecked::<AppState>();
        let (id, fields) = input.into_service()?;
        let updated =
            webhook::update(service_ctx(ctx)?, &state.sealer, state.config.allow_private_webhooks, id, fields).await?;
        ahead_of_one::<Webhook>(ctx, &updated).await?;
        Ok(UpdateWebhookPayload { webhook: Webhook(updated) })
    }

    /// Deletes a webhook with its queue and delivery log (admin role). Errors: `NOT_FOUND`, `FORBIDDEN`.
    async fn delete_webhook(
        &self,
        ctx: &Context<'_>,
        input: DeleteWebhookInput,
    ) -> async_graphql::Result<DeleteWebhookPayload> {
        let id = parse_id("id", &input.id)?;
        let deleted = webhook::delete(service_ctx(ctx)?, id).await?;
        Ok(DeleteWebhookPayload { webhook: Webhook(deleted) })
    }

    /// Queues an event for a webhook again, due now, with a fresh count of attempts (admin role):
    /// after the endpoint was fixed, or to replay one on purpose. Errors: `NOT_FOUND` (webhook, or an
    /// event the organization does not have), `FORBIDDEN`.
    async fn redeliver_webhook_event(
        &self,
        ctx: &Context<'_>,
        input: RedeliverWebhookEventInput,
    ) -> async_graphql::Result<RedeliverWebhookEventPayload> {
        let webhook_id = parse_id("webhookId", &input.webhook_id)?;
        let event_id = parse_id("eventId", &input.event_id)?;
        let hook = webhook::redeliver(service_ctx(ctx)?, webhook_id, event_id).await?;
        ahead_of_one::<Webhook>(ctx, &hook).await?;
        Ok(RedeliverWebhookEventPayload { webhook: Webhook(hook), event_id: to_id(event_id) })
    }
}

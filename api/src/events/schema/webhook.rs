//! `Webhook` and `WebhookDelivery`, with the inputs and payloads of the webhook mutations.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{event, project, webhook, webhook_delivery};

use crate::{
    error::ApiResult,
    events::{schema::log_event::Event, webhook::WebhookFields},
    graphql::{
        object::{object, plain_enums},
        parse_id,
        prefetch::{Level, Prefetch, field},
        relations::by_id,
        to_id,
        types::payload,
    },
    service::page::Filter,
    work::schema::project::Project,
};

crate::graphql::loaders::child_list!(
    /// `Webhook.deliveries`.
    DeliveriesOfWebhook: entity::webhook_delivery::Model = crate::events::webhook::DELIVERIES_OF_WEBHOOK
);

impl Prefetch for Webhook {
    type Row = webhook::Model;
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        Self::connections_ahead(level);
        level.by_id::<project::Entity, Project>(&field!(Self, project), |w| w.project_id);
    }
}

fn names(value: &serde_json::Value) -> Vec<String> {
    value.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

object! {
    /// An HTTP endpoint that receives the organization's events as they are stored: one signed `POST` per
    /// event (Standard Webhooks headers `webhook-id`, `webhook-timestamp`, `webhook-signature`, and
    /// `X-Docket-Signature: sha256=<hex HMAC-SHA256 of the body>`), retried with exponential backoff when
    /// it fails. Admins only.
    #[Object]
    impl Webhook(webhook::Model) |m| {
        /// Server-generated id (a UUIDv7).
        id: ID = to_id(m.id),
        /// Where deliveries are POSTed.
        url: &str = &m.url,
        /// Only events of these types (`task.created`, ...); empty: every type.
        event_types: Vec<String> = names(&m.event_types),
        /// Only events from these sources (`docket`, `github`, ...); empty: every source.
        sources: Vec<String> = names(&m.sources),
        /// Id of the only project whose events it receives, if it is limited to one.
        project_id: Option<ID> = m.project_id.map(to_id),
        /// Whether it receives events; a paused webhook resumes with events from then on.
        active: bool = m.active,
        /// When it was created.
        created_at: DateTime<Utc> = m.created_at,
        /// When it last changed.
        updated_at: DateTime<Utc> = m.updated_at,
    }
    connections {
        /// Every attempt to deliver an event to it, oldest first: status code, error, duration.
        deliveries() -> WebhookDelivery = DeliveriesOfWebhook(m.id, Filter::default()),
    }
    resolvers {
        /// The only project whose events it receives; `null` when not limited (or the project is gone).
        async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
            let Some(id) = self.0.project_id else { return Ok(None) };
            Ok(by_id::<project::Entity, Project>(ctx, id).await?.map(Project))
        }
    }
}

/// What came of a delivery attempt.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entity::webhook_delivery::Outcome")]
pub enum WebhookDeliveryOutcome {
    /// The endpoint answered 2xx.
    Delivered,
    /// It failed; another attempt is scheduled (`nextAttemptAt`).
    Retrying,
    /// It failed and was the last attempt: the event is parked until `redeliverWebhookEvent`.
    Failed,
}

plain_enums!(WebhookDeliveryOutcome);

impl Prefetch for WebhookDelivery {
    type Row = webhook_delivery::Model;
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        level.by_id::<event::Entity, Event>(&field!(Self, event), |d| Some(d.event_id));
    }
}

object! {
    /// One attempt to deliver an event to a webhook.
    #[Object]
    impl WebhookDelivery(webhook_delivery::Model) |m| {
        /// Server-generated id (a UUIDv7).
        id: ID = to_id(m.id),
        /// Id of the event delivered (the `webhook-id` header the endpoint received).
        event_id: ID = to_id(m.event_id),
        /// 1 for the first attempt at this event, 2 for the first retry, ...
        attempt: i32 = m.attempt,
        /// The HTTP status the endpoint answered; `null` when it did not answer (timeout, connection error).
        status_code: Option<i32> = m.status_code,
        /// What went wrong: a timeout, a connection error, a status outside 2xx; `null` when delivered.
        error: Option<&str> = m.error.as_deref(),
        /// How long the attempt took, in milliseconds.
        duration_ms: i64 = m.duration_ms,
        /// What came of it.
        outcome: WebhookDeliveryOutcome = m.outcome.into(),
        /// When the next attempt is due, after a failed attempt that was not the last.
        next_attempt_at: Option<DateTime<Utc>> = m.next_attempt_at,
        /// When the endpoint accepted it (a 2xx answer); `null` for a failed attempt.
        delivered_at: Option<DateTime<Utc>> = m.delivered_at,
        /// When the attempt was made.
        attempted_at: DateTime<Utc> = m.created_at,
    }
    resolvers {
        /// The event delivered; `null` once retention has deleted it.
        async fn event(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Event>> {
            Ok(by_id::<event::Entity, Event>(ctx, self.0.event_id).await?.map(Event))
        }
    }
}

/// Input of `createWebhook`.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// Where to POST: an absolute `http` or `https` URL. Hosts that are (or resolve to) private,
    /// loopback or link-local addresses are refused unless the server allows them
    /// (`--allow-private-webhooks`).
    pub url: String,
    /// The signing secret, 16 to 1,024 characters. A `whsec_` secret is base64, as Standard Webhooks
    /// libraries expect; when omitted Docket generates one and returns it once in the payload.
    pub secret: Option<String>,
    /// Only events of these types; omitted or empty: every type.
    pub event_types: Option<Vec<String>>,
    /// Only events from these sources (`docket` for Docket's own changes); omitted or empty: every source.
    pub sources: Option<Vec<String>>,
    /// Only events of this project.
    pub project_id: Option<ID>,
}

impl CreateWebhookInput {
    /// The service's fields. Errors: `BAD_USER_INPUT` (a malformed project id).
    pub fn into_service(self) -> ApiResult<WebhookFields> {
        let project_id = self.project_id.as_ref().map(|id| parse_id("projectId", id)).transpose()?;
        Ok(WebhookFields {
            url: Some(self.url),
            secret: self.secret,
            event_types: self.event_types,
            sources: self.sources,
            project_id: Some(project_id),
            active: Some(true),
        })
    }
}

/// Input of `updateWebhook`: omitted fields stay; `projectId: null` lifts the project condition.
#[derive(InputObject)]
pub struct UpdateWebhookInput {
    /// The webhook.
    pub id: ID,
    /// New URL (the same rules as on create).
    pub url: Option<String>,
    /// New secret; deliveries from now on are signed with it.
    pub secret: Option<String>,
    /// New event types (empty: every type).
    pub event_types: Option<Vec<String>>,
    /// New sources (empty: every source).
    pub sources: Option<Vec<String>>,
    /// New project condition.
    pub project_id: MaybeUndefined<ID>,
    /// Pause (`false`) or resume (`true`); a resumed webhook receives events from then on.
    pub active: Option<bool>,
}

impl UpdateWebhookInput {
    /// The webhook's id and the service's changes. Errors: `BAD_USER_INPUT` (malformed ids).
    pub fn into_service(self) -> ApiResult<(uuid::Uuid, WebhookFields)> {
        let id = parse_id("id", &self.id)?;
        let project_id = match &self.project_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(project) => Some(Some(parse_id("projectId", project)?)),
        };
        let fields = WebhookFields {
            url: self.url,
            secret: self.secret,
            event_types: self.event_types,
            sources: self.sources,
            project_id,
            active: self.active,
        };
        Ok((id, fields))
    }
}

/// Input of `deleteWebhook`.
#[derive(InputObject)]
pub struct DeleteWebhookInput {
    /// The webhook; its queue and delivery log go with it.
    pub id: ID,
}

/// Input of `redeliverWebhookEvent`.
#[derive(InputObject)]
pub struct RedeliverWebhookEventInput {
    /// The webhook.
    pub webhook_id: ID,
    /// The event to send again (delivered, failed or still pending), with a fresh count of attempts.
    pub event_id: ID,
}

/// Result of `createWebhook`.
#[derive(SimpleObject)]
pub struct CreateWebhookPayload {
    /// The webhook.
    pub webhook: Webhook,
    /// The secret Docket generated (`whsec_...`), when the input gave none; shown only here, once.
    pub secret: Option<String>,
}

payload!(
    /// Result of `updateWebhook`.
    UpdateWebhookPayload {
        /// The webhook as it is now (as it was, for a deletion).
        webhook: Webhook
    }
);

payload!(
    /// Result of `deleteWebhook`.
    DeleteWebhookPayload {
        /// The webhook as it is now (as it was, for a deletion).
        webhook: Webhook
    }
);

/// Result of `redeliverWebhookEvent`.
#[derive(SimpleObject)]
pub struct RedeliverWebhookEventPayload {
    /// The webhook.
    pub webhook: Webhook,
    /// Id of the event queued again.
    pub event_id: ID,
}

//! Outbound webhooks: an organization's HTTP endpoints subscribed to its event log (admin role).
//!
//! Deliveries are driven from the stored log: each webhook has its own cursor in it; the dispatcher
//! (`crate::events::delivery`) moves events past the cursor into the webhook's outbox in one transaction with
//! the cursor, then attempts them, so a crash or a restart loses nothing and resumes where it stopped.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use chrono::Utc;
use entity::{webhook, webhook_delivery};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, IntoActiveModel};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    events::log as event_log,
    service::{
        Ctx, Resource, Role, Scope, new_id,
        page::{self, CursorKey, Filter, List, ListSpec, Listed, Page, PageArgs},
        sealed::Sealer,
        tenant::{self, Owned},
    },
    work::project,
};

pub mod outbox;
mod target;

pub use crate::events::webhook::target::{check_url, is_internal};

tenant::tenanted!(webhook, entity::webhook::Column::OrganizationId);

/// The organization's webhooks, oldest first.
pub static WEBHOOKS: List = List::new(|| ListSpec::root(webhook::Column::Id, webhook::Column::OrganizationId));

/// A webhook's delivery attempts, oldest first.
pub static DELIVERIES_OF_WEBHOOK: List = List::new(|| {
    ListSpec::child(
        webhook_delivery::Column::WebhookId,
        webhook_delivery::Column::Id,
        Owned::of::<entity::webhook::Entity>(),
    )
});

impl Listed for webhook::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

impl Listed for webhook_delivery::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

/// A webhook to create, or changes to one (absent fields stay).
#[derive(Clone, Debug, Default)]
pub struct WebhookFields {
    /// Where to POST.
    pub url: Option<String>,
    /// Signing secret; a `whsec_` secret is base64 (Standard Webhooks). Generated when absent on create.
    pub secret: Option<String>,
    /// Only these event types; empty or absent: all.
    pub event_types: Option<Vec<String>>,
    /// Only these sources; empty or absent: all.
    pub sources: Option<Vec<String>>,
    /// Only this project's events; `Some(None)` removes the condition.
    pub project_id: Option<Option<Uuid>>,
    /// Whether it receives new events.
    pub active: Option<bool>,
}

/// A created webhook and, when Docket generated it, its secret (shown once).
#[derive(Debug)]
pub struct Created {
    /// The webhook.
    pub webhook: webhook::Model,
    /// The generated secret (`whsec_...`), if the input gave none.
    pub generated_secret: Option<String>,
}

/// The signing key of a secret: a `whsec_` secret's base64 body, as the Standard Webhooks libraries
/// read it (<https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md>),
/// else the secret's bytes. Errors: `BAD_USER_INPUT` (a `whsec_` secret that is not base64).
pub fn signing_key(secret: &str) -> ApiResult<Vec<u8>> {
    match secret.strip_prefix("whsec_") {
        Some(body) => STANDARD.decode(body).map_err(|_| ApiError::bad_input("a `whsec_` secret must be base64")),
        None => Ok(secret.as_bytes().to_vec()),
    }
}

/// Most event types or sources one webhook may name.
const MAX_LIST: usize = 50;

/// Checks a webhook's list of event types or sources (`what` names it in errors): at most 50 names
/// of 1 to 100 characters of `a-z 0-9 . _ -` (a type may also hold upper-case letters), no repeats.
fn list_of(what: &str, values: Vec<String>, upper_allowed: bool) -> ApiResult<Value> {
    if values.len() > MAX_LIST {
        return Err(ApiError::bad_input(format!("`{what}` may name at most {MAX_LIST}")));
    }
    let mut seen = std::collections::HashSet::new();
    for value in &values {
        let valid = !value.is_empty()
            && value.len() <= 100
            && value.chars().all(|c| {
                c.is_ascii_lowercase()
                    || c.is_ascii_digit()
                    || matches!(c, '.' | '_' | '-')
                    || (upper_allowed && c.is_ascii_uppercase())
            });
        if !valid {
            return Err(ApiError::bad_input(format!(
                "`{what}`: `{value}` is not 1 to 100 of a-z, 0-9, `.`, `_` and `-`"
            )));
        }
        if !seen.insert(value) {
            return Err(ApiError::bad_input(format!("`{what}` names `{value}` twice")));
        }
    }
    Ok(json!(values))
}

async fn apply(
    cx: Ctx<'_>,
    sealer: &Sealer,
    allow_private: bool,
    model: &mut webhook::ActiveModel,
    fields: WebhookFields,
) -> ApiResult<()> {
    if let Some(url) = fields.url {
        check_url(&url, allow_private).await?;
        model.url = Set(url);
    }
    if let Some(secret) = fields.secret {
        if secret.chars().count() < 16 || secret.len() > 1024 {
            return Err(ApiError::bad_input("`secret` must be 16 to 1024 characters"));
        }
        signing_key(&secret)?;
        model.sealed_secret = Set(sealer.seal(secret.as_bytes())?);
    }
    if let Some(types) = fields.event_types {
        model.event_types = Set(list_of("eventTypes", types, true)?);
    }
    if let Some(sources) = fields.sources {
        model.sources = Set(list_of("sources", sources, false)?);
    }
    if let Some(project_id) = fields.project_id {
        if let Some(id) = project_id {
            project::get(cx.reads, cx.scope(), id).await?;
        }
        model.project_id = Set(project_id);
    }
    if let Some(active) = fields.active {
        model.active = Set(active);
    }
    Ok(())
}

/// What an audit entry shows of a webhook (never its secret).
fn audited(hook: &webhook::Model) -> Value {
    json!({ "url": hook.url, "eventTypes": hook.event_types, "sources": hook.sources,
        "projectId": hook.project_id, "active": hook.active })
}

/// Creates a webhook that receives the organization's events from now on.
/// Errors: `FORBIDDEN` (below admin), `BAD_USER_INPUT` (url, secret), `NOT_FOUND` (project),
/// `NOT_CONFIGURED` (no secrets key).
pub async fn create(
    cx: Ctx<'_>,
    sealer: &Sealer,
    allow_private: bool,
    mut fields: WebhookFields,
) -> ApiResult<Created> {
    cx.viewer().require(Role::Admin)?;
    if fields.url.is_none() {
        return Err(ApiError::bad_input("`url` is required"));
    }
    let generated_secret = if fields.secret.is_none() {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|err| anyhow::anyhow!("no randomness for a secret: {err}"))?;
        let secret = format!("whsec_{}", STANDARD.encode(bytes));
        fields.secret = Some(secret.clone());
        Some(secret)
    } else {
        None
    };
    let head = event_log::settled_head(cx.reads, cx.scope()).await?;
    let now = Utc::now();
    let mut model = webhook::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(cx.scope().organization_id),
        url: Set(String::new()),
        sealed_secret: Set(String::new()),
        event_types: Set(json!([])),
        sources: Set(json!([])),
        project_id: Set(None),
        active: Set(true),
        cursor_txid: Set(head.txid),
        cursor_position: Set(head.position),
        created_at: Set(now),
        updated_at: Set(now),
    };
    apply(cx, sealer, allow_private, &mut model, fields).await?;
    let mut tx = cx.begin(Role::Admin).await?;
    let created = model.insert(&tx).await?;
    tx.record(Resource::Webhook, created.id, None, Some(&audited(&created))).await?;
    tx.commit().await?;
    Ok(Created { webhook: created, generated_secret })
}

/// Changes a webhook. Errors: as [`create`], and `NOT_FOUND`.
pub async fn update(
    cx: Ctx<'_>,
    sealer: &Sealer,
    allow_private: bool,
    id: Uuid,
    fields: WebhookFields,
) -> ApiResult<webhook::Model> {
    cx.viewer().require(Role::Admin)?;
    let current = get(cx.reads, cx.scope(), id).await?;
    let mut model = current.clone().into_active_model();
    let resumes = fields.active == Some(true) && !current.active;
    apply(cx, sealer, allow_private, &mut model, fields).await?;
    if resumes {
        // A paused webhook resumes with events from now on, not the backlog of its pause.
        let head = event_log::settled_head(cx.reads, cx.scope()).await?;
        model.cursor_txid = Set(head.txid);
        model.cursor_position = Set(head.position);
    }
    model.updated_at = Set(Utc::now());
    let mut tx = cx.begin(Role::Admin).await?;
    let updated = model.update(&tx).await?;
    tx.record(Resource::Webhook, id, Some(&audited(&current)), Some(&audited(&updated))).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Deletes a webhook with its queue and delivery log. Errors: `FORBIDDEN`, `NOT_FOUND`.
pub async fn delete(cx: Ctx<'_>, id: Uuid) -> ApiResult<webhook::Model> {
    let mut tx = cx.begin(Role::Admin).await?;
    let current = get(&tx, cx.scope(), id).await?;
    webhook::Entity::delete_by_id(id).exec(&tx).await?;
    tx.record(Resource::Webhook, id, Some(&audited(&current)), None).await?;
    tx.commit().await?;
    Ok(current)
}

/// The organization's webhook `id`. Errors: `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> ApiResult<webhook::Model> {
    tenant::row::<webhook::Entity>(db, scope, id).await?.ok_or(ApiError::NotFound { entity: "webhook" })
}

/// One page of the organization's webhooks (admin role). Errors: `FORBIDDEN`.
pub async fn list(cx: Ctx<'_>, args: &PageArgs, fields: &page::Fields) -> ApiResult<Page<webhook::Model>> {
    cx.viewer().require(Role::Admin)?;
    page::page(cx.reads, cx.scope(), &WEBHOOKS, &Filter::default(), args, fields).await
}

/// How many webhooks the organization has (admin role).
pub async fn count(cx: Ctx<'_>) -> ApiResult<i64> {
    cx.viewer().require(Role::Admin)?;
    page::count(cx.reads, cx.scope(), &WEBHOOKS, &Filter::default()).await
}

/// Webhook `id` of the organization, if any (admin role). Errors: `FORBIDDEN`.
pub async fn find(cx: Ctx<'_>, id: Uuid) -> ApiResult<Option<webhook::Model>> {
    cx.viewer().require(Role::Admin)?;
    match get(cx.reads, cx.scope(), id).await {
        Ok(found) => Ok(Some(found)),
        Err(ApiError::NotFound { .. }) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Queues event `event_id` for webhook `webhook_id` again, now, with a fresh count of attempts
/// (admin role); returns the webhook. Errors: `FORBIDDEN`, `NOT_FOUND` (webhook or event of another
/// organization).
pub async fn redeliver(cx: Ctx<'_>, webhook_id: Uuid, event_id: Uuid) -> ApiResult<webhook::Model> {
    let mut tx = cx.begin(Role::Admin).await?;
    let hook = get(&tx, cx.scope(), webhook_id).await?;
    event_log::get(&tx, cx.scope(), event_id).await?.ok_or(ApiError::NotFound { entity: "event" })?;
    crate::events::webhook::outbox::requeue(&tx, webhook_id, event_id).await?;
    let changes = json!({ "redelivered": { "old": null, "new": event_id } });
    tx.record_change(Resource::Webhook, webhook_id, "redelivered", changes)
        .await?
        .payload(json!({ "eventId": event_id }));
    // Wakes this process's dispatcher (the others find the row at their next poll).
    tx.wake_log();
    tx.commit().await?;
    Ok(hook)
}

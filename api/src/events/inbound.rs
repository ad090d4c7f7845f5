//! Inbound hooks: `POST /hooks/{source}/{organization}`. A delivery is verified (HMAC-SHA256 of the
//! body with the organization's secret for the source, GitHub's `X-Hub-Signature-256` scheme, compared
//! in constant time), deduplicated by its delivery id, stored in the event log and, for GitHub, mapped
//! onto Docket's pull requests; all in one transaction. A bad signature stores nothing.

use chrono::Utc;
use entity::{event, inbound_hook_secret};
use hmac::{Hmac, Mac};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use crate::{
    access::organization,
    bus::EventBus,
    error::{ApiError, ApiResult},
    events::log::{self as event_log, NewEvent, record::check_source},
    service::{Ctx, RequestContext, Resource, Role, Scope, Viewer, new_id, sealed::Sealer},
};

mod github;

/// Shortest secret accepted, in characters.
const MIN_SECRET_CHARS: usize = 16;

/// Sets (or replaces) the secret that signs the organization's hooks from `source` (admin role).
/// The secret is sealed before it is stored and never shown again.
/// Errors: `FORBIDDEN`, `BAD_USER_INPUT` (source, a secret under 16 characters), `NOT_CONFIGURED`
/// (the server has no secrets key).
pub async fn set_secret(cx: Ctx<'_>, sealer: &Sealer, source: &str, secret: &str) -> ApiResult<()> {
    cx.viewer().require(Role::Admin)?;
    check_source(source)?;
    if secret.chars().count() < MIN_SECRET_CHARS || secret.len() > 1024 {
        return Err(ApiError::bad_input(format!("`secret` must be {MIN_SECRET_CHARS} to 1024 characters")));
    }
    let sealed = sealer.seal(secret.as_bytes())?;
    let mut tx = cx.begin(Role::Admin).await?;
    let organization_id = cx.scope().organization_id;
    let existing = inbound_hook_secret::Entity::find()
        .filter(inbound_hook_secret::Column::OrganizationId.eq(organization_id))
        .filter(inbound_hook_secret::Column::Source.eq(source))
        .one(&tx)
        .await?;
    let now = Utc::now();
    let id = match existing {
        Some(row) => {
            let mut model: inbound_hook_secret::ActiveModel = row.into();
            model.sealed_secret = Set(sealed);
            model.updated_at = Set(now);
            model.update(&tx).await?.id
        }
        None => {
            inbound_hook_secret::ActiveModel {
                id: Set(new_id()),
                organization_id: Set(organization_id),
                source: Set(source.to_owned()),
                sealed_secret: Set(sealed),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&tx)
            .await?
            .id
        }
    };
    // The audit says that the secret changed, never what it is.
    let changes = json!({ "source": source, "secret": { "old": null, "new": "[set]" } });
    tx.record_change(Resource::InboundHookSecret, id, "set", changes).await?.payload(json!({ "source": source }));
    tx.commit().await
}

/// One delivery as it arrived.
#[derive(Debug)]
pub struct Delivery<'a> {
    /// The path's source, e.g. `github`.
    pub source: &'a str,
    /// The path's organization (its slug or name).
    pub organization: &'a str,
    /// `X-Hub-Signature-256`: `sha256=<hex HMAC-SHA256 of the body>`.
    pub signature: Option<&'a str>,
    /// The delivery's id (`X-GitHub-Delivery`, or `webhook-id`), the deduplication key.
    pub delivery_id: Option<&'a str>,
    /// What happened (`X-GitHub-Event`, or `X-Event-Type`).
    pub event_name: Option<&'a str>,
    /// The raw body, as signed.
    pub body: &'a [u8],
}

/// What became of a delivery.
#[derive(Debug)]
pub struct Received {
    /// The stored event.
    pub event: event::Model,
    /// `true` when the delivery id was seen before: nothing was stored or changed again.
    pub duplicate: bool,
}

/// Verifies, stores and applies `delivery`.
/// Errors: `NOT_FOUND` (no such organization), `UNAUTHENTICATED` (no secret set for the source, a
/// missing or wrong signature: nothing stored), `BAD_USER_INPUT` (a body that is not a JSON object, a
/// bad source), `NOT_CONFIGURED`.
#[tracing::instrument(skip_all, fields(source = %delivery.source, organization = %delivery.organization))]
pub async fn receive(
    db: &sea_orm::DatabaseConnection,
    reads: &crate::db::Reads,
    bus: &EventBus,
    sealer: &Sealer,
    delivery: Delivery<'_>,
) -> ApiResult<Received> {
    check_source(delivery.source)?;
    let org = organization::by_name(db, delivery.organization).await?;
    verify(db, sealer, org.id, &delivery).await?;
    let payload: Value = serde_json::from_slice(delivery.body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| ApiError::bad_input("the body must be a JSON object"))?;
    let action = payload.get("action").and_then(Value::as_str);
    let event_type = match (delivery.event_name, action) {
        (Some(name), Some(action)) => format!("{name}.{action}"),
        (Some(name), None) => name.to_owned(),
        (None, _) => "hook.received".to_owned(),
    };
    let mut new = NewEvent::docket(&event_type).payload(payload);
    new.source = delivery.source.to_owned();
    new.idempotency_key = delivery.delivery_id.map(|id| id.chars().take(200).collect());

    let request = RequestContext::of(Viewer::system(&format!("hook:{}", delivery.source), org.id));
    let cx = Ctx::over(db, reads, bus, &request);
    let mut tx = cx.begin(Role::Member).await?;
    let written =
        event_log::append(&tx, org.id, &request.viewer.principal_ref(), std::slice::from_ref(&new), true).await?;
    let Some(event) = written.into_iter().next() else {
        tx.rollback().await?;
        let key = new.idempotency_key.unwrap_or_default();
        let event = event_log::record::by_key(db, Scope { organization_id: org.id }, delivery.source, &key)
            .await?
            .ok_or_else(|| ApiError::Conflict("this delivery is being stored; retry".into()))?;
        return Ok(Received { event, duplicate: true });
    };
    if delivery.source == "github" {
        crate::events::inbound::github::apply(&mut tx, &event).await?;
    }
    tx.wake_log();
    tx.commit().await?;
    Ok(Received { event, duplicate: false })
}

/// Checks the delivery's signature against the organization's secret for its source.
async fn verify(
    db: &impl ConnectionTrait,
    sealer: &Sealer,
    organization_id: Uuid,
    delivery: &Delivery<'_>,
) -> ApiResult<()> {
    let unauthenticated = |why: &str| ApiError::Unauthenticated(why.to_owned());
    let row = inbound_hook_secret::Entity::find()
        .filter(inbound_hook_secret::Column::OrganizationId.eq(organization_id))
        .filter(inbound_hook_secret::Column::Source.eq(delivery.source))
        .one(db)
        .await?
        .ok_or_else(|| unauthenticated("no secret is set for this source (setInboundWebhookSecret)"))?;
    let signature = delivery
        .signature
        .and_then(|s| s.strip_prefix("sha256="))
        .and_then(|hex_text| hex::decode(hex_text.trim()).ok())
        .ok_or_else(|| unauthenticated("missing or malformed X-Hub-Signature-256"))?;
    let secret = sealer.open(&row.sealed_secret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret).map_err(|_| anyhow::anyhow!("HMAC key"))?;
    mac.update(delivery.body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&signature).map_err(|_| unauthenticated("the signature does not match"))
}

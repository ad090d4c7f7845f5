//! Registered event types: a name, an optional JSON Schema its payloads must match, and how long its
//! events are kept.

use chrono::Utc;
use entity::event_type;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{
        Ctx, Resource, Role, Scope, new_id,
        page::{self, CursorKey, Filter, List, ListSpec, Listed, Page, PageArgs},
        require_text, tenant,
    },
};

tenant::tenanted!(event_type, entity::event_type::Column::OrganizationId);

/// The organization's event types, in registration order.
pub static EVENT_TYPES: List = List::new(|| ListSpec::root(event_type::Column::Id, event_type::Column::OrganizationId));

/// Days an event is kept when its type names no retention period.
pub const DEFAULT_RETENTION_DAYS: i32 = 90;

impl Listed for event_type::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

/// A type to register, or the changes to one (absent fields stay as they are).
#[derive(Clone, Debug, Default)]
pub struct EventTypeFields {
    /// The name, 1 to 100 characters without spaces, e.g. `deployment.finished`.
    pub name: Option<String>,
    /// What it means.
    pub description: Option<Option<String>>,
    /// JSON Schema for payloads; `Some(None)` removes it.
    pub payload_schema: Option<Option<Value>>,
    /// Days its events are kept (at least 1); `Some(None)`: the default.
    pub retention_days: Option<Option<i32>>,
}

/// Compiles `schema`, without fetching anything it refers to. Errors: `BAD_USER_INPUT`.
fn compile(schema: &Value) -> ApiResult<jsonschema::Validator> {
    jsonschema::validator_for(schema)
        .map_err(|err| ApiError::bad_input(format!("`payloadSchema` is not a valid JSON Schema: {err}")))
}

fn apply(model: &mut event_type::ActiveModel, fields: EventTypeFields) -> ApiResult<()> {
    if let Some(name) = fields.name {
        require_text("name", &name, 100)?;
        if name.chars().any(char::is_whitespace) {
            return Err(ApiError::bad_input("`name` must not contain spaces"));
        }
        model.name = Set(name);
    }
    if let Some(description) = fields.description {
        model.description = Set(description);
    }
    if let Some(schema) = fields.payload_schema {
        if let Some(schema) = &schema {
            compile(schema)?;
        }
        model.payload_schema = Set(schema);
    }
    if let Some(days) = fields.retention_days {
        if days.is_some_and(|d| d < 1) {
            return Err(ApiError::bad_input("`retentionDays` must be at least 1"));
        }
        model.retention_days = Set(days);
    }
    Ok(())
}

/// Registers a type. Errors: `FORBIDDEN` (below admin), `BAD_USER_INPUT`, `CONFLICT` (name taken).
pub async fn create(cx: Ctx<'_>, fields: EventTypeFields) -> ApiResult<event_type::Model> {
    if fields.name.is_none() {
        return Err(ApiError::bad_input("`name` is required"));
    }
    let mut tx = cx.begin(Role::Admin).await?;
    let now = Utc::now();
    let mut model = event_type::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(cx.scope().organization_id),
        created_at: Set(now),
        updated_at: Set(now),
        description: Set(None),
        payload_schema: Set(None),
        retention_days: Set(None),
        ..Default::default()
    };
    apply(&mut model, fields)?;
    let created = model.insert(&tx).await.map_err(|e| ApiError::unique(e, "an event type with this name exists"))?;
    tx.record(Resource::EventType, created.id, None, Some(&created)).await?;
    tx.commit().await?;
    Ok(created)
}

/// Changes a type. Errors: `FORBIDDEN`, `BAD_USER_INPUT`, `NOT_FOUND`, `CONFLICT`.
pub async fn update(cx: Ctx<'_>, id: Uuid, fields: EventTypeFields) -> ApiResult<event_type::Model> {
    let mut tx = cx.begin(Role::Admin).await?;
    let current = get(&tx, cx.scope(), id).await?;
    let mut model = current.clone().into_active_model();
    apply(&mut model, fields)?;
    model.updated_at = Set(Utc::now());
    let updated = model.update(&tx).await.map_err(|e| ApiError::unique(e, "an event type with this name exists"))?;
    tx.record(Resource::EventType, id, Some(&current), Some(&updated)).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Removes a type (its events stay, kept for the default period). Errors: `FORBIDDEN`, `NOT_FOUND`.
pub async fn delete(cx: Ctx<'_>, id: Uuid) -> ApiResult<event_type::Model> {
    let mut tx = cx.begin(Role::Admin).await?;
    let current = get(&tx, cx.scope(), id).await?;
    event_type::Entity::delete_by_id(id).exec(&tx).await?;
    tx.record(Resource::EventType, id, Some(&current), None).await?;
    tx.commit().await?;
    Ok(current)
}

/// The organization's type `id`. Errors: `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> ApiResult<event_type::Model> {
    tenant::scoped::<event_type::Entity>(scope)
        .filter(event_type::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound { entity: "event type" })
}

/// The organization's type named `name`, if registered.
pub async fn by_name(db: &impl ConnectionTrait, scope: Scope, name: &str) -> ApiResult<Option<event_type::Model>> {
    Ok(tenant::scoped::<event_type::Entity>(scope).filter(event_type::Column::Name.eq(name)).one(db).await?)
}

/// One page of the organization's types.
pub async fn list(cx: Ctx<'_>, args: &PageArgs, fields: &page::Fields) -> ApiResult<Page<event_type::Model>> {
    page::page(cx.reads, cx.scope(), &EVENT_TYPES, &Filter::default(), args, fields).await
}

/// How many types the organization has registered.
pub async fn count(cx: Ctx<'_>) -> ApiResult<i64> {
    page::count(cx.reads, cx.scope(), &EVENT_TYPES, &Filter::default()).await
}

/// Checks `payload` against the JSON Schema of the organization's type `name`, if it has one.
/// Errors: `BAD_USER_INPUT` naming the first failing path (a JSON Pointer, e.g. `/status`).
pub async fn validate_payload(db: &impl ConnectionTrait, scope: Scope, name: &str, payload: &Value) -> ApiResult<()> {
    let Some(schema) = by_name(db, scope, name).await?.and_then(|t| t.payload_schema) else {
        return Ok(());
    };
    let validator = compile(&schema)?;
    if let Some(err) = validator.iter_errors(payload).next() {
        let path = err.instance_path().to_string();
        let path = if path.is_empty() { "/".to_owned() } else { path };
        return Err(ApiError::bad_input(format!("`payload` does not match the schema of `{name}` at {path}: {err}")));
    }
    Ok(())
}

//! The audit log: every write through the API, recorded in the writer's transaction.

use chrono::Utc;
use entity::audit_log::{self, AuditAction};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{
    Ctx, RequestContext, Tx, new_id,
    page::{self, CursorKey, Filter, ListSpec, Listed, Page, PageArgs},
    sql::Sql,
};
use crate::error::ApiResult;

/// The organization's audit entries, oldest first.
pub const AUDIT_LOG: ListSpec = ListSpec::root("audit_log t", "t.id");

impl Listed for audit_log::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

/// Fields never worth an audit line: they change on every write.
const NOISE: [&str; 2] = ["updated_at", "version"];

/// The fields that differ between `old` and `new`: `{"field": {"old": ..., "new": ...}}`.
/// With only `new` (a creation) every field is listed with `old: null`; with only `old` (a
/// deletion), every field with `new: null`.
pub fn changes<T: Serialize>(old: Option<&T>, new: Option<&T>) -> Value {
    let as_map = |v: Option<&T>| match v.map(serde_json::to_value) {
        Some(Ok(Value::Object(map))) => map,
        _ => Map::new(),
    };
    let (old, new) = (as_map(old), as_map(new));
    let mut out = Map::new();
    for key in old.keys().chain(new.keys()) {
        if NOISE.contains(&key.as_str()) || out.contains_key(key) {
            continue;
        }
        let (before, after) = (old.get(key).unwrap_or(&Value::Null), new.get(key).unwrap_or(&Value::Null));
        if before != after {
            out.insert(key.clone(), json!({ "old": before, "new": after }));
        }
    }
    Value::Object(out)
}

/// One audit entry of `tx`'s viewer and request.
fn entry(
    tx: &Tx<'_>,
    entity_type: &str,
    entity_id: Uuid,
    action: AuditAction,
    changes: Value,
) -> audit_log::ActiveModel {
    let request = tx.request();
    audit_log::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(request.viewer.organization_id),
        entity_type: Set(entity_type.to_owned()),
        entity_id: Set(entity_id),
        action: Set(action),
        changes: Set(changes),
        actor: Set(Some(request.viewer.actor())),
        principal: Set(Some(request.viewer.principal_ref())),
        on_behalf_of: Set(request.on_behalf_of.clone()),
        request_id: Set(request.request_id.clone()),
        created_at: Set(Utc::now()),
    }
}

/// Appends `INSERT INTO audit_log (...) SELECT ... FROM from` for the creation of a record by
/// `request`'s principal, the record's id being the SQL expression `entity_id` and its changes what
/// `changes` pushes (expressions over `from`). For a write that is one statement
/// ([`super::event::append_one`] on PostgreSQL).
pub fn push_insert_select(
    sql: &mut Sql,
    request: &RequestContext,
    entity_type: &str,
    entity_id: &str,
    changes: impl FnOnce(&mut Sql),
    from: &str,
) {
    sql.push("INSERT INTO audit_log (id, organization_id, entity_type, entity_id, action, changes, actor, principal, ");
    sql.push("on_behalf_of, request_id, created_at) SELECT ").bind(new_id()).push(", ");
    sql.bind(request.viewer.organization_id).push(", ").bind(entity_type.to_owned()).push(", ").push(entity_id);
    sql.push(", ").bind(sea_orm::ActiveEnum::to_value(&AuditAction::Create)).push(", ");
    changes(sql);
    sql.push(", ").bind(request.viewer.actor()).push(", ").bind(request.viewer.principal_ref()).push(", ");
    sql.bind(request.on_behalf_of.clone()).push(", ").bind(request.request_id.clone()).push(", ").bind(Utc::now());
    sql.push(" FROM ").push(from);
}

/// Writes one audit entry in `tx`.
pub async fn record(
    tx: &Tx<'_>,
    entity_type: &str,
    entity_id: Uuid,
    action: AuditAction,
    changes: Value,
) -> ApiResult<()> {
    entry(tx, entity_type, entity_id, action, changes).insert(tx).await?;
    Ok(())
}

/// Records the creation, change or deletion of a record, from its before and after states.
/// A change with no changed field writes nothing.
pub async fn record_change<T: Serialize>(
    tx: &Tx<'_>,
    entity_type: &str,
    entity_id: Uuid,
    old: Option<&T>,
    new: Option<&T>,
) -> ApiResult<()> {
    let action = match (old, new) {
        (None, _) => AuditAction::Create,
        (Some(_), None) => AuditAction::Delete,
        (Some(_), Some(_)) => AuditAction::Update,
    };
    let changes = changes(old, new);
    if action == AuditAction::Update && changes.as_object().is_some_and(Map::is_empty) {
        return Ok(());
    }
    record(tx, entity_type, entity_id, action, changes).await
}

/// The filter of the audit log of one record and/or one kind of record.
pub fn filter(entity_id: Option<Uuid>, entity_type: Option<String>) -> Filter {
    let mut filter = Filter::default();
    if let Some(id) = entity_id {
        filter = filter.with(page::Cond::EqId("t.entity_id", id));
    }
    if let Some(kind) = entity_type {
        filter = filter.with(page::Cond::Eq("t.entity_type", kind));
    }
    filter
}

/// Records the creation of many records at once (one entry each, inserted in batches).
pub async fn record_creations<T: Serialize>(tx: &Tx<'_>, entity_type: &str, rows: &[(Uuid, T)]) -> ApiResult<()> {
    let entries: Vec<audit_log::ActiveModel> = rows
        .iter()
        .map(|(id, row)| entry(tx, entity_type, *id, AuditAction::Create, changes(None, Some(row))))
        .collect();
    for chunk in entries.chunks(500) {
        audit_log::Entity::insert_many(chunk.to_vec()).exec(tx).await?;
    }
    Ok(())
}

/// One page of the organization's audit log under `filter`, oldest first.
pub async fn list(cx: Ctx<'_>, filter: &Filter, args: &PageArgs) -> ApiResult<Page<audit_log::Model>> {
    page::page(cx.db, cx.scope(), &AUDIT_LOG, filter, args).await
}

/// How many of the organization's audit entries match `filter`.
pub async fn count(cx: Ctx<'_>, filter: &Filter) -> ApiResult<i64> {
    page::count(cx.db, cx.scope(), &AUDIT_LOG, filter).await
}

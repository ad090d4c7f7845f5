//! The audit log: every write through the API, recorded in the writer's transaction.

use chrono::Utc;
use entity::audit_log::{self, AuditAction};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{
    Ctx, RequestContext, Resource, Tx, new_id,
    page::{self, CursorKey, Filter, List, ListSpec, Listed, Page, PageArgs},
    resource::Action,
    sql::Sql,
};
use crate::error::ApiResult;

crate::service::tenant::tenanted!(audit_log, entity::audit_log::Column::OrganizationId);

/// The organization's audit entries, oldest first.
pub static AUDIT_LOG: List = List::new(|| ListSpec::root(audit_log::Column::Id, audit_log::Column::OrganizationId));

impl Listed for audit_log::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

/// Fields never worth an audit line: they change on every write.
const NOISE: [&str; 2] = ["updated_at", "version"];

/// A record's fields as the audit log and the event log show them (its serialization, an object).
/// Errors: `INTERNAL_SERVER_ERROR` for a record that does not serialize to an object.
pub fn fields<T: Serialize>(record: &T) -> ApiResult<Map<String, Value>> {
    match serde_json::to_value(record) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(anyhow::anyhow!("an audited record must serialize to an object").into()),
        Err(err) => Err(anyhow::Error::from(err).context("serializing an audited record").into()),
    }
}

/// The fields that differ between `old` and `new`: `{"field": {"old": ..., "new": ...}}`.
/// With only `new` (a creation) every field is listed with `old: null`; with only `old` (a
/// deletion), every field with `new: null`.
pub fn changes<T: Serialize>(old: Option<&T>, new: Option<&T>) -> Value {
    let as_map = |v: Option<&T>| v.and_then(|v| fields(v).ok());
    match (old, new) {
        // One side only: its fields are moved into the entry rather than compared and cloned.
        (None, Some(_)) => Value::Object(one_side(as_map(new), |value| (Value::Null, value))),
        (Some(_), None) => Value::Object(one_side(as_map(old), |value| (value, Value::Null))),
        _ => Value::Object(changes_between(as_map(old).as_ref(), as_map(new).as_ref())),
    }
}

/// [`changes_between`] a record's fields and nothing: every field but the noise and the nulls, each
/// `{"old", "new"}` as `pair` places its value.
fn one_side(fields: Option<Map<String, Value>>, pair: impl Fn(Value) -> (Value, Value)) -> Map<String, Value> {
    fields
        .unwrap_or_default()
        .into_iter()
        .filter(|(key, value)| !NOISE.contains(&key.as_str()) && !value.is_null())
        .map(|(key, value)| {
            let (old, new) = pair(value);
            let mut change = Map::with_capacity(2);
            change.insert("old".to_owned(), old);
            change.insert("new".to_owned(), new);
            (key, Value::Object(change))
        })
        .collect()
}

/// [`changes`] between two records' [`fields`].
pub fn changes_between(old: Option<&Map<String, Value>>, new: Option<&Map<String, Value>>) -> Map<String, Value> {
    let empty = Map::new();
    let (old, new) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
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
    out
}

/// One audit entry of `tx`'s viewer and request.
fn entry(tx: &Tx<'_>, resource: Resource, entity_id: Uuid, action: Action, changes: Value) -> audit_log::ActiveModel {
    let action = match action {
        Action::Created => AuditAction::Create,
        Action::Updated => AuditAction::Update,
        Action::Deleted => AuditAction::Delete,
    };
    let request = tx.request();
    audit_log::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(request.viewer.organization_id),
        entity_type: Set(resource.audit_name().to_owned()),
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

/// A request's values for the audit entry of a write sent in a batch of several requests'
/// ([`push_insert_select`]): serialized beside the write's own fields, read back by the statement
/// under these names ([`AuthorColumns::DEFINITION`]).
#[derive(Debug, Serialize)]
pub struct AuthorColumns {
    /// The entry's id.
    pub audit_id: Uuid,
    /// [`crate::service::Viewer::actor`].
    pub actor: String,
    /// [`crate::service::Viewer::principal_ref`].
    pub principal: String,
    /// Whom the client said it acts for.
    pub on_behalf_of: Option<String>,
    /// The request's id.
    pub request_id: Option<String>,
}

impl AuthorColumns {
    /// The columns' definitions, for a row source built from serialized [`AuthorColumns`]
    /// (`jsonb_to_recordset(...) AS i(..., <DEFINITION>)`).
    pub const DEFINITION: &str = "audit_id uuid, actor text, principal text, on_behalf_of text, request_id text";

    /// `request`'s values, with a new entry id.
    pub fn of(request: &RequestContext) -> Self {
        Self {
            audit_id: new_id(),
            actor: request.viewer.actor(),
            principal: request.viewer.principal_ref(),
            on_behalf_of: request.on_behalf_of.clone(),
            request_id: request.request_id.clone(),
        }
    }
}

/// Appends `INSERT INTO audit_log (...) SELECT ... FROM from` for the creation of records of
/// organization `organization_id`, each by the request whose [`AuthorColumns`] the row source
/// `author` holds, each record's id being the SQL expression `entity_id` and its changes what
/// `changes` pushes (expressions over `from`). For writes that are one statement (a batch of
/// session events).
pub(crate) fn push_insert_select(
    sql: &mut Sql,
    organization_id: Uuid,
    author: &str,
    resource: Resource,
    (entity_id, changes): (&str, impl FnOnce(&mut Sql)),
    from: &str,
) {
    sql.push("INSERT INTO audit_log (id, organization_id, entity_type, entity_id, action, changes, actor, principal, ");
    sql.push("on_behalf_of, request_id, created_at) SELECT ").push(author).push(".audit_id, ");
    sql.bind(organization_id).push(", ").bind(resource.audit_name().to_owned()).push(", ");
    sql.push(entity_id).push(", ").bind(sea_orm::ActiveEnum::to_value(&AuditAction::Create)).push(", ");
    changes(sql);
    for column in ["actor", "principal", "on_behalf_of", "request_id"] {
        sql.push(", ").push(author).push(".").push(column);
    }
    sql.push(", ").bind(Utc::now()).push(" FROM ").push(from);
}

/// Writes one audit entry in `tx` (through [`Tx::record`], which logs the write's event with it).
pub(super) async fn record(
    tx: &Tx<'_>,
    resource: Resource,
    entity_id: Uuid,
    action: Action,
    changes: Value,
) -> ApiResult<()> {
    entry(tx, resource, entity_id, action, changes).insert(tx).await?;
    Ok(())
}

/// The filter of the audit log of one record and/or one kind of record.
pub fn filter(entity_id: Option<Uuid>, entity_type: Option<String>) -> Filter {
    let mut filter = Filter::default();
    if let Some(id) = entity_id {
        filter = filter.with(page::Cond::EqId(page::Col::of(audit_log::Column::EntityId), id));
    }
    if let Some(kind) = entity_type {
        filter = filter.with(page::Cond::Eq(page::Col::of(audit_log::Column::EntityType), kind));
    }
    filter
}

/// Writes the creation entries of many records at once (one entry each, inserted in batches), given
/// their [`fields`].
pub(super) async fn record_creations(
    tx: &Tx<'_>,
    resource: Resource,
    rows: &[(Uuid, Map<String, Value>)],
) -> ApiResult<()> {
    let entries: Vec<audit_log::ActiveModel> = rows
        .iter()
        .map(|(id, row)| entry(tx, resource, *id, Action::Created, Value::Object(changes_between(None, Some(row)))))
        .collect();
    for chunk in entries.chunks(500) {
        audit_log::Entity::insert_many(chunk.to_vec()).exec(tx).await?;
    }
    Ok(())
}

/// One page of the organization's audit log under `filter`, oldest first.
pub async fn list(
    cx: Ctx<'_>,
    filter: &Filter,
    args: &PageArgs,
    fields: &page::Fields,
) -> ApiResult<Page<audit_log::Model>> {
    page::page(cx.reads, cx.scope(), &AUDIT_LOG, filter, args, fields).await
}

/// How many of the organization's audit entries match `filter`.
pub async fn count(cx: Ctx<'_>, filter: &Filter) -> ApiResult<i64> {
    page::count(cx.reads, cx.scope(), &AUDIT_LOG, filter).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        id: u32,
        name: &'static str,
        note: Option<&'static str>,
        data: Value,
        updated_at: &'static str,
    }

    #[test]
    fn a_creation_or_a_deletion_lists_the_same_fields_as_a_comparison_with_nothing() {
        let row = Row { id: 7, name: "a", note: None, data: json!({ "n": [1, 2] }), updated_at: "now" };
        let compared = Value::Object(changes_between(None, Some(&fields(&row).unwrap())));
        assert_eq!(changes(None, Some(&row)), compared);
        assert_eq!(
            compared,
            json!({ "id": { "old": null, "new": 7 }, "name": { "old": null, "new": "a" },
                    "data": { "old": null, "new": { "n": [1, 2] } } })
        );
        let deleted = Value::Object(changes_between(Some(&fields(&row).unwrap()), None));
        assert_eq!(changes(Some(&row), None), deleted);
        assert_eq!(deleted["id"], json!({ "old": 7, "new": null }));
    }
}

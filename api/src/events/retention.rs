//! Retention: what is old enough to delete, per organization and event type, deleted in small
//! batches by the background sweep and by `docket cleanup`.
//!
//! Periods (days, counted from when Docket stored the row): an event type's `retentionDays`, else the
//! organization's `settings.retention.eventsDays`, else 90; audit entries
//! `settings.retention.auditLogDays`, else 365; events of sessions that ended (completed, failed,
//! expired) `settings.retention.sessionEventsDays`, else 30; webhook delivery attempts, and finished
//! (delivered or parked) queue entries, `settings.retention.webhookDeliveriesDays`, else 30. Deleting
//! events moves the organization's horizon, so that a reader resuming from before it is told that
//! events were pruned.

use chrono::{Duration, Utc};
use entity::{
    documentation_session::{self, SessionStatus},
    event_type, organization,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    TransactionTrait,
};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    error::ApiResult,
    events::{event_type::DEFAULT_RETENTION_DAYS, log::EventCursor},
    service::{
        Scope,
        sql::Sql,
        tenant::{self, Owned},
    },
};

/// Days audit entries are kept by default.
pub const AUDIT_LOG_DAYS: i64 = 365;
/// Days the events of an ended session are kept by default.
pub const SESSION_EVENTS_DAYS: i64 = 30;
/// Days webhook delivery attempts are kept by default.
pub const WEBHOOK_DELIVERIES_DAYS: i64 = 30;
/// Rows deleted per statement: small, so that a sweep never holds locks for long.
pub const BATCH: u64 = 1_000;

/// What retention deleted (or, in a dry run, would delete) in one organization.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// The organization's name.
    pub organization: String,
    /// Events of the log.
    pub events: u64,
    /// Audit entries.
    pub audit_entries: u64,
    /// Events of ended sessions.
    pub session_events: u64,
    /// Webhook delivery attempts.
    pub webhook_deliveries: u64,
}

impl Pruned {
    /// Rows of every kind.
    pub fn total(&self) -> u64 {
        self.events + self.audit_entries + self.session_events + self.webhook_deliveries
    }
}

/// Applies retention to every organization, or only to `only`; with `dry_run`, counts instead.
pub async fn sweep(db: &DatabaseConnection, only: Option<Uuid>, dry_run: bool) -> ApiResult<Vec<Pruned>> {
    let mut query = organization::Entity::find();
    if let Some(id) = only {
        query = query.filter(organization::Column::Id.eq(id));
    }
    let mut out = Vec::new();
    for org in query.all(db).await? {
        out.push(sweep_one(db, &org, dry_run).await?);
    }
    Ok(out)
}

fn days(settings: &Value, key: &str, default: i64) -> i64 {
    settings["retention"][key].as_i64().filter(|d| *d >= 1).unwrap_or(default)
}

async fn sweep_one(db: &DatabaseConnection, org: &organization::Model, dry_run: bool) -> ApiResult<Pruned> {
    let now = Utc::now();
    let types = event_type::Entity::find().filter(event_type::Column::OrganizationId.eq(org.id)).all(db).await?;
    let default_days = days(&org.settings, "eventsDays", i64::from(DEFAULT_RETENTION_DAYS));
    let mut pruned = Pruned { organization: org.name.clone(), ..Pruned::default() };

    // Events of registered types with their own period, then all the others with the default.
    let mut kinds: Vec<(Option<&str>, i64)> =
        types.iter().filter_map(|t| t.retention_days.map(|d| (Some(t.name.as_str()), i64::from(d)))).collect();
    let own: Vec<String> = kinds.iter().filter_map(|(name, _)| name.map(str::to_owned)).collect();
    kinds.push((None, default_days));
    for (name, period) in kinds {
        let condition = |sql: &mut Sql| {
            sql.push(" FROM events t WHERE t.organization_id = ").bind(org.id);
            sql.push(" AND t.recorded_at < ").bind(now - Duration::days(period));
            match name {
                Some(name) => sql.push(" AND t.event_type = ").bind(name.to_owned()),
                None if own.is_empty() => sql,
                None => sql.push(" AND t.event_type NOT IN ").bind_list(own.iter().cloned()),
            };
        };
        pruned.events += delete(db, "events", "position", &condition, dry_run, Some(org.id)).await?;
    }

    let audit_days = days(&org.settings, "auditLogDays", AUDIT_LOG_DAYS);
    let audit = |sql: &mut Sql| {
        sql.push(" FROM audit_log t WHERE t.organization_id = ").bind(org.id);
        sql.push(" AND t.created_at < ").bind(now - Duration::days(audit_days));
    };
    pruned.audit_entries = delete(db, "audit_log", "id", &audit, dry_run, None).await?;

    let backend = db.get_database_backend();
    let scope = Scope { organization_id: org.id };
    let session_days = days(&org.settings, "sessionEventsDays", SESSION_EVENTS_DAYS);
    let finished_sessions = tenant::scoped::<documentation_session::Entity>(scope)
        .filter(documentation_session::Column::Status.is_in([
            SessionStatus::Completed,
            SessionStatus::Failed,
            SessionStatus::Expired,
        ]))
        .select_only()
        .column(documentation_session::Column::Id)
        .into_query();
    let sessions = |sql: &mut Sql| {
        sql.push(" FROM session_events t WHERE t.session_id IN (").push_query(&finished_sessions, backend);
        sql.push(") AND t.created_at < ").bind(now - Duration::days(session_days));
    };
    pruned.session_events = delete(db, "session_events", "id", &sessions, dry_run, None).await?;

    let webhook_days = days(&org.settings, "webhookDeliveriesDays", WEBHOOK_DELIVERIES_DAYS);
    let webhook_cutoff = now - Duration::days(webhook_days);
    let attempts = |sql: &mut Sql| {
        sql.push(" FROM webhook_deliveries t WHERE t.webhook_id IN ");
        Owned::of::<entity::webhook::Entity>().push_all_ids(sql, scope, backend);
        sql.push(" AND t.created_at < ").bind(webhook_cutoff);
    };
    pruned.webhook_deliveries = delete(db, "webhook_deliveries", "id", &attempts, dry_run, None).await?;
    let finished = |sql: &mut Sql| {
        sql.push(" FROM webhook_outbox t WHERE t.webhook_id IN ");
        Owned::of::<entity::webhook::Entity>().push_all_ids(sql, scope, backend);
        sql.push(" AND t.status IN ('delivered', 'failed') AND t.created_at < ").bind(webhook_cutoff);
    };
    if !dry_run {
        delete(db, "webhook_outbox", "id", &finished, false, None).await?;
    }
    Ok(pruned)
}

/// Deletes the rows of `table` that `condition` (which appends ` FROM <table> t WHERE ...`) selects, `BATCH` at a
/// time by `key`, or counts them in a dry run. For the event log (`horizon_of`), each batch also moves
/// the organization's horizon to the last cursor it deleted, in the same transaction as the deletion.
async fn delete(
    db: &DatabaseConnection,
    table: &str,
    key: &str,
    condition: &(dyn Fn(&mut Sql) + Sync),
    dry_run: bool,
    horizon_of: Option<Uuid>,
) -> ApiResult<u64> {
    let backend = db.get_database_backend();
    if dry_run {
        let mut sql = Sql::new("SELECT COUNT(*) AS n");
        condition(&mut sql);
        let row = db.query_one_raw(sql.build(backend)).await?;
        return Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0) as u64);
    }
    let mut total = 0;
    loop {
        let mut sql = Sql::new("DELETE FROM ");
        sql.push(table).push(" WHERE ").push(key).push(" IN (SELECT t.").push(key);
        condition(&mut sql);
        sql.push(" LIMIT ").push(&BATCH.to_string()).push(")");
        if horizon_of.is_some() {
            sql.push(" RETURNING txid, position");
        }
        let deleted = match horizon_of {
            Some(organization_id) => {
                let txn = db.begin().await?;
                let rows = txn.query_all_raw(sql.build(backend)).await?;
                let mut horizon: Option<EventCursor> = None;
                for row in &rows {
                    let cursor = EventCursor { txid: row.try_get("", "txid")?, position: row.try_get("", "position")? };
                    horizon = horizon.max(Some(cursor));
                }
                if let Some(horizon) = horizon {
                    move_horizon(&txn, organization_id, horizon).await?;
                }
                txn.commit().await?;
                rows.len() as u64
            }
            None => db.execute_raw(sql.build(backend)).await?.rows_affected(),
        };
        total += deleted;
        if deleted < BATCH {
            return Ok(total);
        }
    }
}

/// Moves the organization's pruned horizon forward to `cursor` (never back).
async fn move_horizon(db: &impl ConnectionTrait, organization_id: Uuid, cursor: EventCursor) -> ApiResult<()> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new("INSERT INTO event_log_horizons (organization_id, txid, position, pruned_at) VALUES (");
    sql.bind(organization_id).push(", ").bind(cursor.txid).push(", ").bind(cursor.position).push(", ");
    sql.bind(Utc::now()).push(") ON CONFLICT (organization_id) DO UPDATE SET txid = excluded.txid, ");
    sql.push("position = excluded.position, pruned_at = excluded.pruned_at ");
    sql.push("WHERE (event_log_horizons.txid, event_log_horizons.position) < (excluded.txid, excluded.position)");
    db.execute_raw(sql.build(backend)).await?;
    Ok(())
}

/// The organization's pruned horizon: events at or before it may have been deleted.
pub async fn horizon(db: &impl ConnectionTrait, organization_id: Uuid) -> ApiResult<Option<EventCursor>> {
    let mut sql = Sql::new("SELECT txid, position FROM event_log_horizons WHERE organization_id = ");
    sql.bind(organization_id);
    Ok(match db.query_one_raw(sql.build(db.get_database_backend())).await? {
        Some(row) => Some(EventCursor { txid: row.try_get("", "txid")?, position: row.try_get("", "position")? }),
        None => None,
    })
}

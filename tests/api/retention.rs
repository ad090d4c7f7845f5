//! Retention: `docket cleanup --dry-run` counts, `docket cleanup` deletes only what is past its period
//! (per event type, audit log, ended sessions' events), and a reader resuming from before the deleted
//! events is told so; `docket backup` copies a SQLite database.

use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

use crate::helpers::{
    Delivery, Protocol, TestDb, docket, docket_fails,
    receiver::{Answer, Receiver},
    spawn_app_on,
};

const RECORD: &str = "mutation($i: RecordEventInput!) { recordEvent(input: $i) { event { id cursor } } }";

/// Sets `column` of the rows of `table` matching `condition` (over `ids` as `$2, $3, ...`) to `days` ago.
async fn age(db: &DatabaseConnection, table: &str, column: &str, condition: &str, ids: &[&str], days: i64) {
    let backend = db.get_database_backend();
    let sql = format!("UPDATE {table} SET {column} = $1 WHERE {condition}");
    let mut values: Vec<sea_orm::Value> = vec![(Utc::now() - Duration::days(days)).into()];
    values.extend(ids.iter().map(|id| uuid::Uuid::parse_str(id).unwrap().into()));
    db.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await.unwrap();
}

#[tokio::test]
async fn cleanup_counts_then_deletes_only_what_is_past_its_period_and_resuming_readers_are_told() {
    let db = TestDb::new(true).await;
    let app = spawn_app_on(&db, |config| config.allow_private_webhooks = true).await;
    app.create_project("kept").await;
    app.data(
        "mutation { createEventType(input: { name: \"short.lived\", retentionDays: 7 }) { eventType { id } } }",
        json!({}),
    )
    .await;
    let receiver = Receiver::start(|_| Answer::Accept).await;
    app.data(
        "mutation($u: String!) { createWebhook(input: { url: $u, eventTypes: [\"short.lived\"] }) { webhook { id } } }",
        json!({ "u": receiver.url }),
    )
    .await;
    let mut ids = Vec::new();
    let mut first_cursor = Value::Null;
    for (event_type, note) in
        [("agent.note", "old"), ("short.lived", "week-old"), ("agent.note", "week-old"), ("agent.note", "new")]
    {
        let input = json!({ "source": "agent", "type": event_type, "payload": { "note": note } });
        let event = app.data(RECORD, json!({ "i": input })).await["recordEvent"]["event"].clone();
        if first_cursor.is_null() {
            first_cursor = event["cursor"].clone();
        }
        ids.push(event["id"].as_str().unwrap().to_owned());
    }
    let (session, _) = app.start_session(&["a.rs"]).await;
    app.data(
        "mutation($id: ID!) { updateDocumentationSession(input: { id: $id, status: COMPLETED }) { session { id } } }",
        json!({ "id": session }),
    )
    .await;
    let (conn, _) = db.connect().await;
    age(&conn, "events", "recorded_at", "id = $2", &[&ids[0]], 100).await;
    age(&conn, "events", "recorded_at", "id IN ($2, $3)", &[&ids[1], &ids[2]], 8).await;
    age(&conn, "audit_log", "created_at", "entity_type = 'project'", &[], 400).await;
    age(&conn, "session_events", "created_at", "1 = 1", &[], 31).await;
    // The webhook's one delivery (of the `short.lived` event), recorded a month ago.
    receiver.wait_for(1).await;
    let delivered = "{ webhooks { nodes { deliveries { totalCount } } } }";
    for _ in 0..400 {
        if app.data(delivered, json!({})).await["webhooks"]["nodes"][0]["deliveries"]["totalCount"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    age(&conn, "webhook_deliveries", "created_at", "1 = 1", &[], 31).await;
    age(&conn, "webhook_outbox", "created_at", "1 = 1", &[], 31).await;
    let session_events = app
        .data("query($id: ID!) { documentationSession(id: $id) { events { totalCount } } }", json!({ "id": session }))
        .await["documentationSession"]["events"]["totalCount"]
        .as_i64()
        .unwrap();
    assert!(session_events > 0);

    let planned = docket(&db, &["cleanup", "--dry-run"]);
    let expected = format!("events=2  audit_entries=1  session_events={session_events}  webhook_deliveries=1");
    assert!(planned.contains(&format!("default  would delete  {expected}")), "{planned}");
    let notes = "{ events(filter: { source: { in: [\"agent\"] } }) { nodes { payload } } }";
    assert_eq!(
        app.data(notes, json!({})).await["events"]["nodes"].as_array().unwrap().len(),
        4,
        "a dry run deletes nothing"
    );

    let done = docket(&db, &["cleanup", "--org", "default"]);
    assert!(done.contains(&format!("default  deleted  {expected}")), "{done}");
    let left = app.data(notes, json!({})).await["events"]["nodes"].clone();
    assert_eq!(left, json!([{ "payload": { "note": "week-old" } }, { "payload": { "note": "new" } }]));
    let again = docket(&db, &["cleanup"]);
    assert!(
        again.contains("default  deleted  events=0  audit_entries=0  session_events=0  webhook_deliveries=0"),
        "{again}"
    );
    assert_eq!(app.data(delivered, json!({})).await["webhooks"]["nodes"][0]["deliveries"]["totalCount"], 0);

    // A reader resuming from the first (deleted) event is told, then gets the survivors.
    let query = "subscription($after: String) { events(filter: { source: { in: [\"agent\"] } }, after: $after) { type payload } }";
    let mut sub = app.subscribe(Protocol::LegacyWs, query, json!({ "after": first_cursor })).await;
    let mut items = Vec::new();
    for _ in 0..3 {
        match sub.next().await {
            Delivery::Data(data) => items.push(data["events"].clone()),
            other => panic!("expected an event, got {other:?}"),
        }
    }
    assert_eq!(items[0]["type"], "log.pruned");
    assert!(items[0]["payload"]["prunedThrough"].is_string());
    assert_eq!((&items[1]["payload"]["note"], &items[2]["payload"]["note"]), (&json!("week-old"), &json!("new")));
}

#[tokio::test]
async fn backup_copies_a_sqlite_database_and_points_postgresql_at_pg_dump() {
    let db = TestDb::new(true).await;
    let app = spawn_app_on(&db, |_| {}).await;
    app.create_project("saved").await;
    let dir = std::env::temp_dir().join(format!("docket-backup-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("copy.db");
    let target_text = target.to_str().unwrap();
    if db.schema.is_some() {
        assert!(docket_fails(&db, &["backup", target_text]).contains("pg_dump"));
        return;
    }
    assert!(docket(&db, &["backup", target_text]).contains("backed up"));
    let copy = sea_orm::Database::connect(format!("sqlite://{target_text}?mode=ro")).await.unwrap();
    let row = copy
        .query_one_raw(Statement::from_string(sea_orm::DbBackend::Sqlite, "SELECT name FROM projects"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<String>("", "name").unwrap(), "saved");
    assert!(docket_fails(&db, &["backup", target_text]).contains("exists"), "an existing file is never overwritten");
    std::fs::remove_dir_all(&dir).ok();
}

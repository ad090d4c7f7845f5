//! Migrations go down and up again cleanly.

use migration::{Migrator, MigratorTrait};

use crate::helpers::spawn_app;

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let (app, _db) = spawn_app().await;
    app.start_session(&["a.rs"]).await;
    Migrator::down(&app.db, None).await.expect("all downs run");
    assert_eq!(Migrator::get_applied_migrations(&app.db).await.unwrap().len(), 0);
    // Readiness answers from a probe that asks every second.
    let mut status = 200;
    for _ in 0..100 {
        status = app.get("/health/ready", "application/json").await.0;
        if status != 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, 503, "not ready with migrations pending");
    Migrator::up(&app.db, None).await.expect("all ups run again");
    app.wait_until_ready().await;
    app.start_session(&["b.rs"]).await;
}

#[tokio::test]
async fn servers_starting_together_on_a_fresh_database_both_come_up() {
    let db = crate::helpers::TestDb::new(true).await;
    // Unserialized, the two migrations deadlock on PostgreSQL: fail instead of hanging.
    let both =
        tokio::time::timeout(std::time::Duration::from_secs(60), async { tokio::join!(db.connect(), db.connect()) });
    let (first, second) = both.await.expect("both servers finish migrating");
    for (pool, _) in [first, second] {
        assert_eq!(Migrator::get_pending_migrations(&pool).await.unwrap().len(), 0);
    }
}

#[tokio::test]
async fn data_from_before_organizations_moves_into_default_and_keeps_its_links() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("legacy").await;
    let task = app.create_task(&project, serde_json::json!({ "title": "old task" })).await;
    let (session, _) = app.start_session(&["old.rs"]).await;
    // Back to the schema before organizations (and lease holders), with the data in it.
    let organization_migrations = 3;
    Migrator::down(&app.db, Some(organization_migrations)).await.expect("the organization migrations go down");
    Migrator::up(&app.db, None).await.expect("and up again, over existing rows");

    // Anonymous access on loopback is the owner of `default`: the old rows are there.
    let data = app
        .data(
            "query($t: ID!, $s: ID!) { viewer { organization { slug } } task(id: $t) { title project { name } }
               documentationSession(id: $s) { todos { totalCount } } auditLog { totalCount } }",
            serde_json::json!({ "t": task, "s": session }),
        )
        .await;
    assert_eq!(data["viewer"]["organization"]["slug"], "default");
    assert_eq!(data["task"], serde_json::json!({ "title": "old task", "project": { "name": "legacy" } }));
    assert_eq!(data["documentationSession"]["todos"]["totalCount"], 1);
    assert!(data["auditLog"]["totalCount"].as_i64().unwrap() >= 3, "the audit log moved too: {data}");

    // Another organization sees none of it; the rebuilt tables kept their cascades.
    let other = app.create_tenant("other").await;
    assert!(
        other.owner.data("query($t: ID!) { task(id: $t) { id } }", serde_json::json!({ "t": task })).await["task"]
            .is_null()
    );
    app.data(
        "mutation($p: ID!) { deleteProject(input: { id: $p }) { deletedId } }",
        serde_json::json!({ "p": project }),
    )
    .await;
    assert!(
        app.data("query($t: ID!) { task(id: $t) { id } }", serde_json::json!({ "t": task })).await["task"].is_null()
    );
}

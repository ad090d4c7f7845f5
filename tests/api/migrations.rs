//! Migrations go down and up again cleanly.

use migration::{Migrator, MigratorTrait};

use crate::helpers::spawn_app;

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let (app, _db) = spawn_app().await;
    app.start_session(&["a.rs"]).await;
    Migrator::down(&app.db, None).await.expect("all downs run");
    assert_eq!(Migrator::get_applied_migrations(&app.db).await.unwrap().len(), 0);
    let (status, _) = app.get("/health/ready", "application/json").await;
    assert_eq!(status, 503, "not ready with migrations pending");
    Migrator::up(&app.db, None).await.expect("all ups run again");
    let (status, _) = app.get("/health/ready", "application/json").await;
    assert_eq!(status, 200);
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

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

//! DataLoader batching: a nested query costs one statement per level, whatever the number of parents.

use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

const DASHBOARD: &str = "{ workspaces(first: 20) { totalCount nodes { name
    sessions(first: 10) { totalCount nodes { moduleName status workspace { path }
        todoCounts { total pending } eventCounts { eventType count }
        events(last: 5) { nodes { sequence eventType } }
        todos(first: 10) { totalCount nodes { filePath session { id } dependencies(first: 5) { nodes { filePath } } } }
    } }
} } }";

async fn statements_for_dashboard(app: &TestApp) -> u64 {
    let before = app.statements().await;
    let data = app.data(DASHBOARD, json!({})).await;
    assert!(data["workspaces"]["nodes"].as_array().is_some());
    // `/metrics` itself runs no SQL, so the difference is the query's cost.
    app.statements().await - before
}

#[tokio::test]
async fn a_nested_query_costs_the_same_statements_for_one_parent_or_many() {
    let (app, _db) = spawn_app().await;
    let workspace = app.create_workspace("/one").await;
    let (_, todos) = app.start_session_in(&workspace, &["a.rs", "b.rs"]).await;
    app.add_dependency(&todos[1], &todos[0]).await;
    let small = statements_for_dashboard(&app).await;

    for w in 0..6 {
        let workspace = app.create_workspace(&format!("/many/{w}")).await;
        for _ in 0..3 {
            let (session, todos) = app.start_session_in(&workspace, &["x.rs", "y.rs", "z.rs"]).await;
            app.add_dependency(&todos[2], &todos[0]).await;
            app.append_event(&session, "note").await;
        }
    }
    let large = statements_for_dashboard(&app).await;
    assert_eq!(small, large, "statements must not grow with the number of parents");
    // workspaces, count, sessions, session counts, workspace loader, todo counts, event counts,
    // events, todos, todo counts, session loader, dependencies: one per relation.
    assert!(large <= 12, "one statement per relation, got {large}");
}

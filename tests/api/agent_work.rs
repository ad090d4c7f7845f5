//! What agents record beside tasks: executions with their per-agent summary, pull requests linked to
//! tasks with their validation, and workspaces attached to projects.

use serde_json::json;

use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn executions_are_started_finished_and_summarized_per_agent() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("p").await;
    let task = app.create_task(&project, json!({ "title": "t" })).await;
    let start = "mutation($t: ID!, $a: String!) { startTaskExecution(input: { taskId: $t, agent: $a, inputContext: { prompt: \"go\" } }) { execution { id status startedAt } } }";
    let finish = "mutation($input: FinishTaskExecutionInput!) { finishTaskExecution(input: $input) { execution { status durationMs costUsd completedAt } } }";
    let mut ids = Vec::new();
    for agent in ["claude-code", "claude-code", "codex"] {
        let started = app.data(start, json!({ "t": task, "a": agent })).await;
        assert_eq!(started["startTaskExecution"]["execution"]["status"], "RUNNING");
        ids.push(started["startTaskExecution"]["execution"]["id"].as_str().unwrap().to_owned());
    }
    let ended = app.data(finish, json!({ "input": { "id": ids[0], "costUsd": 0.25, "inputTokens": 1000 } })).await;
    let execution = &ended["finishTaskExecution"]["execution"];
    assert_eq!(execution["status"], "SUCCEEDED");
    assert!(execution["durationMs"].as_i64().unwrap() >= 0 && execution["completedAt"].is_string());
    app.data(finish, json!({ "input": { "id": ids[1], "status": "FAILED", "errorDetails": { "why": "tests" } } }))
        .await;
    assert_eq!(
        error_code(&app.gql(finish, json!({ "input": { "id": ids[1] } })).await),
        "BAD_USER_INPUT",
        "already ended"
    );
    assert_eq!(
        error_code(&app.gql(finish, json!({ "input": { "id": ids[2], "status": "RUNNING" } })).await),
        "BAD_USER_INPUT"
    );
    assert_eq!(
        error_code(&app.gql(finish, json!({ "input": { "id": ids[2], "cpuTimeMs": -1 } })).await),
        "BAD_USER_INPUT"
    );
    assert_eq!(error_code(&app.gql(start, json!({ "t": uuid::Uuid::now_v7(), "a": "x" })).await), "NOT_FOUND");

    let data = app
        .data(
            "query($p: ID!, $t: ID!) { project(id: $p) { executionSummary { agent runs successes failures meanDurationMs p95DurationMs } }
              task(id: $t) { executions { totalCount nodes { agent status } } } }",
            json!({ "p": project, "t": task }),
        )
        .await;
    let summary = data["project"]["executionSummary"].as_array().unwrap();
    assert_eq!(summary.len(), 2);
    assert_eq!(
        (
            summary[0]["agent"].as_str(),
            summary[0]["runs"].as_i64(),
            summary[0]["successes"].as_i64(),
            summary[0]["failures"].as_i64()
        ),
        (Some("claude-code"), Some(2), Some(1), Some(1))
    );
    assert!(summary[0]["p95DurationMs"].is_i64());
    assert_eq!(
        (summary[1]["runs"].as_i64(), summary[1]["meanDurationMs"].is_null()),
        (Some(1), true),
        "a running execution has no duration yet"
    );
    assert_eq!(data["task"]["executions"]["totalCount"], 3);
}

#[tokio::test]
async fn pull_requests_carry_tasks_and_report_their_validation() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("p").await;
    let task = app.create_task(&project, json!({ "title": "t" })).await;
    let created = app
        .data(
            "mutation($p: ID!) { createPullRequest(input: { projectId: $p, number: 7, repositoryUrl: \"https://example.com/r.git\", branch: \"feat\", title: \"Feature\",
                validationResults: { checks: [{ name: \"ci\", status: \"passed\" }, { name: \"lint\", status: \"running\" }] } }) {
                pullRequest { id status validationStatus } } }",
            json!({ "p": project }),
        )
        .await;
    let pr = created["createPullRequest"]["pullRequest"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["createPullRequest"]["pullRequest"]["validationStatus"], "PENDING");
    let link = "mutation($t: ID!, $pr: ID!) { linkPullRequest(input: { taskId: $t, pullRequestId: $pr }) { pullRequest { tasks { totalCount } } } }";
    assert_eq!(
        app.data(link, json!({ "t": task, "pr": pr })).await["linkPullRequest"]["pullRequest"]["tasks"]["totalCount"],
        1
    );
    assert_eq!(
        app.data(link, json!({ "t": task, "pr": pr })).await["linkPullRequest"]["pullRequest"]["tasks"]["totalCount"],
        1
    );
    let other = app.create_project("other").await;
    let foreign = app.create_task(&other, json!({ "title": "x" })).await;
    assert_eq!(error_code(&app.gql(link, json!({ "t": foreign, "pr": pr })).await), "BAD_USER_INPUT");

    let merged = app
        .data(
            "mutation($id: ID!) { updatePullRequest(input: { id: $id, status: MERGED, validationResults: { status: \"failed\" } }) { pullRequest { status mergedAt validationStatus } } }",
            json!({ "id": pr }),
        )
        .await;
    let merged = &merged["updatePullRequest"]["pullRequest"];
    assert_eq!((merged["status"].as_str(), merged["validationStatus"].as_str()), (Some("MERGED"), Some("FAILED")));
    assert!(merged["mergedAt"].is_string());
    let listed = app
        .data(
            "query($p: ID!, $t: ID!) { project(id: $p) { merged: pullRequests(status: [MERGED]) { totalCount } open: pullRequests(status: [OPEN]) { totalCount } }
              task(id: $t) { pullRequests { nodes { number } } } }",
            json!({ "p": project, "t": task }),
        )
        .await;
    assert_eq!(
        (listed["project"]["merged"]["totalCount"].as_i64(), listed["project"]["open"]["totalCount"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(listed["task"]["pullRequests"]["nodes"], json!([{ "number": 7 }]));
    let unlink = "mutation($t: ID!, $pr: ID!) { unlinkPullRequest(input: { taskId: $t, pullRequestId: $pr }) { pullRequest { tasks { totalCount } } } }";
    assert_eq!(
        app.data(unlink, json!({ "t": task, "pr": pr })).await["unlinkPullRequest"]["pullRequest"]["tasks"]["totalCount"],
        0
    );
    assert_eq!(error_code(&app.gql(unlink, json!({ "t": task, "pr": pr })).await), "NOT_FOUND");
    let audit = app.data("query($id: ID!) { auditLog(entityId: $id) { totalCount } }", json!({ "id": pr })).await;
    assert_eq!(audit["auditLog"]["totalCount"], 2, "created and updated");
}

#[tokio::test]
async fn workspaces_belong_to_projects_and_are_unlinked_when_the_project_goes() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("p").await;
    let created = app
        .data(
            "mutation($p: ID!) { createWorkspace(input: { name: \"w\", path: \"/w\", projectId: $p }) { workspace { id project { name } } } }",
            json!({ "p": project }),
        )
        .await;
    let workspace = created["createWorkspace"]["workspace"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["createWorkspace"]["workspace"]["project"]["name"], "p");
    let listed = app
        .data("query($p: ID!) { project(id: $p) { workspaces { totalCount nodes { id } } } }", json!({ "p": project }))
        .await;
    assert_eq!(listed["project"]["workspaces"]["nodes"], json!([{ "id": workspace }]));
    let unknown = app
        .gql(
            "mutation($id: ID!, $p: ID!) { updateWorkspace(input: { id: $id, projectId: $p }) { workspace { id } } }",
            json!({ "id": workspace, "p": uuid::Uuid::now_v7() }),
        )
        .await;
    assert_eq!(error_code(&unknown), "NOT_FOUND");
    let unlinked = app
        .data(
            "mutation($id: ID!) { updateWorkspace(input: { id: $id, removeFromProject: true }) { workspace { projectId } } }",
            json!({ "id": workspace }),
        )
        .await;
    assert!(unlinked["updateWorkspace"]["workspace"]["projectId"].is_null());
    app.data(
        "mutation($id: ID!, $p: ID!) { updateWorkspace(input: { id: $id, projectId: $p }) { workspace { id } } }",
        json!({ "id": workspace, "p": project }),
    )
    .await;
    app.data("mutation($p: ID!) { deleteProject(input: { id: $p }) { deletedId } }", json!({ "p": project })).await;
    let kept = app.data("query($id: ID!) { workspace(id: $id) { projectId } }", json!({ "id": workspace })).await;
    assert!(kept["workspace"]["projectId"].is_null(), "the workspace stays, unlinked: {kept}");
}

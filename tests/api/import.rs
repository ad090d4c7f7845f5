//! Task Master import and export: the real files, edits, bad files, dry runs, the command line.

use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDb, error_code, spawn_app, task_master_file};

const TAGGED: &str = "claude-task-master.tagged.tasks.json";
const LEGACY: &str = "scrumpoker.legacy.tasks.json";

fn totals(response: &Value) -> (u64, u64, u64, u64) {
    let tags = response["data"]["importTaskMasterTasks"]["tags"].as_array().unwrap_or_else(|| panic!("{response}"));
    let sum = |key: &str| {
        tags.iter().map(|t| t[key].as_array().map_or_else(|| t[key].as_u64().unwrap(), |a| a.len() as u64)).sum()
    };
    (sum("created"), sum("updated"), sum("unchanged"), sum("dependenciesAdded"))
}

async fn task_count(app: &TestApp, project: &str) -> i64 {
    let data = app.data("query($p: ID!) { project(id: $p) { taskCounts { total } } }", json!({ "p": project })).await;
    data["project"]["taskCounts"]["total"].as_i64().unwrap()
}

#[tokio::test]
async fn the_large_tagged_file_imports_completely_and_a_second_import_changes_nothing() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("taskmaster").await;
    let document = task_master_file(TAGGED);
    let first = app.import(&project, &document, json!({})).await;
    let (created, updated, unchanged, deps) = totals(&first);
    assert_eq!((created, updated, unchanged), (182 + 914, 0, 0), "{first}");
    assert_eq!(deps, 972);
    let warnings: Vec<String> = first["data"]["importTaskMasterTasks"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| format!("{}: {}", w["location"].as_str().unwrap(), w["message"].as_str().unwrap()))
        .collect();
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    assert!(warnings.iter().any(|w| w.contains("12.1 -> 12.4 -> 12.1")), "cycle named: {warnings:#?}");
    assert!(warnings.iter().any(|w| w.starts_with("tag test-tag, task 1: depends on 16")), "{warnings:#?}");
    assert_eq!(task_count(&app, &project).await, 1096);

    let audit_before = app.data("{ auditLog(entityType: \"task\") { totalCount } }", json!({})).await;
    let second = app.import(&project, &document, json!({})).await;
    assert_eq!(totals(&second), (0, 0, 1096, 0), "{second}");
    let audit_after = app.data("{ auditLog(entityType: \"task\") { totalCount } }", json!({})).await;
    assert_eq!(audit_before, audit_after, "a no-op import writes no audit entries");

    // The three questions a user asks of the import.
    let answers = app
        .data(
            "query($p: ID!) {
                project(id: $p) { readyTasks(tag: \"master\", first: 3) { nodes { externalId priority status } } }
                t21: taskByExternalId(projectId: $p, externalId: \"21\") { dependencies { nodes { externalId } } blockedBy { totalCount } }
                t10: taskByExternalId(projectId: $p, externalId: \"10\") { subtasks(status: [DONE]) { totalCount } all: subtasks { totalCount } }
            }",
            json!({ "p": project }),
        )
        .await;
    for task in answers["project"]["readyTasks"]["nodes"].as_array().unwrap() {
        assert_eq!(task["status"], "PENDING");
        assert_eq!(task["priority"], "HIGH", "most urgent first");
    }
    let deps: Vec<&str> = answers["t21"]["dependencies"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["externalId"].as_str().unwrap())
        .collect();
    assert_eq!(deps, ["3", "16", "17"]);
    assert_eq!(answers["t10"]["all"]["totalCount"], 6);
}

#[tokio::test]
async fn the_legacy_file_imports_into_tag_master_and_exports_back_the_same() {
    let (app, _db) = spawn_app().await;
    let original = app.create_project("scrumpoker").await;
    let first = app.import(&original, &task_master_file(LEGACY), json!({})).await;
    assert_eq!(totals(&first), (46, 0, 0, 53), "{first}");
    assert_eq!(first["data"]["importTaskMasterTasks"]["tags"][0]["tag"], "master");

    let export = "query($p: ID!) { project(id: $p) { taskMasterDocument } }";
    let exported = app.data(export, json!({ "p": original })).await["project"]["taskMasterDocument"].clone();
    let copy = app.create_project("copy").await;
    let again = app.import(&copy, &exported, json!({})).await;
    assert_eq!(totals(&again), (46, 0, 0, 53), "{again}");
    let reexported = app.data(export, json!({ "p": copy })).await["project"]["taskMasterDocument"].clone();
    assert_eq!(exported, reexported, "export -> import -> export reproduces the project");
    assert_eq!(exported["master"]["tasks"][0]["title"], task_master_file(LEGACY)["tasks"][0]["title"]);
}

fn small_document() -> Value {
    json!({ "master": { "tasks": [
        { "id": 1, "title": "Schema", "status": "done", "priority": "high", "dependencies": [] },
        { "id": 2, "title": "API", "status": "pending", "dependencies": [1], "subtasks": [
            { "id": 1, "title": "Queries", "status": "pending", "dependencies": [] },
            { "id": 2, "title": "Mutations", "status": "pending", "dependencies": [1] } ] },
        { "id": 3, "title": "Docs", "description": "How to use it", "complexity": 4, "status": "pending", "dependencies": [2] } ] } })
}

#[tokio::test]
async fn an_edited_file_updates_what_changed_with_transitions_and_audit_entries() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("edits").await;
    app.import(&project, &small_document(), json!({})).await;

    let mut edited = small_document();
    edited["master"]["tasks"][1]["status"] = json!("in-progress");
    edited["master"]["tasks"][2]["title"] = json!("User docs");
    edited["master"]["tasks"][2]["dependencies"] = json!([]);
    let t3 = edited["master"]["tasks"][2].as_object_mut().unwrap();
    t3.remove("description");
    t3.remove("complexity");
    let report = app.import(&project, &edited, json!({})).await;
    let tag = &report["data"]["importTaskMasterTasks"]["tags"][0];
    assert_eq!(tag["updated"], json!(["2", "3"]), "{report}");
    assert_eq!(tag["unchanged"], 3);
    assert_eq!(tag["dependenciesRemoved"], 1);

    let data = app
        .data(
            "query($p: ID!) { t2: taskByExternalId(projectId: $p, externalId: \"2\") { id status version
                history { nodes { fromStatus toStatus note durationMs } } }
              t3: taskByExternalId(projectId: $p, externalId: \"3\") { title description complexity dependencies { totalCount } } }",
            json!({ "p": project }),
        )
        .await;
    assert_eq!(data["t2"]["status"], "IN_PROGRESS");
    assert_eq!(data["t2"]["version"], 2);
    let history = data["t2"]["history"]["nodes"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["fromStatus"], "PENDING");
    assert_eq!(history[1]["toStatus"], "IN_PROGRESS");
    assert_eq!(history[1]["note"], "Task Master import");
    assert!(history[1]["durationMs"].as_i64().unwrap() >= 0);
    assert_eq!(data["t3"]["title"], "User docs");
    assert!(data["t3"]["description"].is_null() && data["t3"]["complexity"].is_null(), "removed fields are cleared");
    assert_eq!(data["t3"]["dependencies"]["totalCount"], 0);

    let audit = app
        .data(
            "query($id: ID!) { auditLog(entityId: $id, entityType: \"task\") { nodes { action changes } } }",
            json!({ "id": data["t2"]["id"] }),
        )
        .await;
    let entries = audit["auditLog"]["nodes"].as_array().unwrap();
    assert_eq!(entries.iter().map(|e| e["action"].as_str().unwrap()).collect::<Vec<_>>(), ["CREATE", "UPDATE"]);
    assert_eq!(entries[1]["changes"]["status"], json!({ "old": "pending", "new": "in_progress" }));
}

#[tokio::test]
async fn a_bad_file_imports_nothing_and_says_where() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("bad").await;
    let mut document = small_document();
    document["master"]["tasks"][1]["status"] = json!("almost-done");
    document["master"]["tasks"][2]["title"] = json!("");
    let response = app.import(&project, &document, json!({})).await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT");
    let message = response["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("tag master, task 2: unknown status `almost-done`"), "{message}");
    assert!(message.contains("tag master, task 3: `title` is missing or empty"), "{message}");
    assert_eq!(task_count(&app, &project).await, 0, "nothing was imported");

    for garbage in [
        json!([1, 2, 3]),
        json!({ "nothing": "here" }),
        json!({ "tasks": [{ "id": 1, "title": "a" }, { "id": 1, "title": "b" }] }),
    ] {
        assert_eq!(error_code(&app.import(&project, &garbage, json!({})).await), "BAD_USER_INPUT", "{garbage}");
    }
    assert_eq!(task_count(&app, &project).await, 0);
    let missing_project = app.import(&uuid::Uuid::now_v7().to_string(), &small_document(), json!({})).await;
    assert_eq!(error_code(&missing_project), "NOT_FOUND");
}

#[tokio::test]
async fn dangling_and_cyclic_dependencies_are_left_out_with_warnings_or_refused_when_strict() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("graph").await;
    let mut document = small_document();
    document["master"]["tasks"][0]["dependencies"] = json!([3, 99]);
    let strict = app.import(&project, &document, json!({ "strict": true })).await;
    assert_eq!(error_code(&strict), "BAD_USER_INPUT");
    let message = strict["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("depends on 99, which does not exist"), "{message}");
    assert!(message.contains("dependency cycle"), "{message}");
    assert_eq!(task_count(&app, &project).await, 0);

    let lenient = app.import(&project, &document, json!({})).await;
    let warnings = lenient["data"]["importTaskMasterTasks"]["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 2, "{lenient}");
    assert_eq!(task_count(&app, &project).await, 5);
}

#[tokio::test]
async fn a_dry_run_reports_what_would_happen_without_writing() {
    let (app, _db) = spawn_app().await;
    let project = app.create_project("dry").await;
    let dry = app.import(&project, &small_document(), json!({ "dryRun": true })).await;
    assert_eq!(dry["data"]["importTaskMasterTasks"]["dryRun"], true);
    assert_eq!(totals(&dry).0, 5);
    assert_eq!(task_count(&app, &project).await, 0);
    let audit = app.data("{ auditLog(entityType: \"task\") { totalCount } }", json!({})).await;
    assert_eq!(audit["auditLog"]["totalCount"], 0);
    let only = app.import(&project, &small_document(), json!({ "tags": ["nope"] })).await;
    assert_eq!(error_code(&only), "BAD_USER_INPUT", "an unknown tag is named");
}

#[tokio::test]
async fn the_command_line_imports_dry_runs_and_exports() {
    // The CLI opens the database itself: a shared SQLite file, or the test's PostgreSQL schema.
    let db = TestDb::new(true).await;
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(LEGACY);
    let docket = |args: &[&str]| crate::helpers::docket(&db, args);
    let file = file.to_str().unwrap();
    let dry = docket(&["import", file, "--project", "cli", "--dry-run"]);
    assert!(
        dry.contains("would be created (46)") || dry.contains("dry run, nothing written: project cli: 46 created"),
        "{dry}"
    );
    let real = docket(&["import", file, "--project", "cli"]);
    assert!(
        real.ends_with(
            "project cli: 46 created, 0 updated, 0 unchanged, 53 dependencies added, 0 removed, 0 warnings\n"
        ),
        "{real}"
    );
    let again = docket(&["import", file, "--project", "cli"]);
    assert!(again.contains("0 created, 0 updated, 46 unchanged"), "{again}");
    let exported: Value = serde_json::from_str(&docket(&["export", "--project", "cli"])).unwrap();
    let expected = json!({ "master": task_master_file(LEGACY) });
    assert_eq!(differences(&expected, &exported), Vec::<String>::new(), "the legacy file comes back under `master`");
}

/// Where `actual` differs from `expected`, as JSON paths with both values (at most 20).
fn differences(expected: &Value, actual: &Value) -> Vec<String> {
    fn walk(path: String, expected: &Value, actual: &Value, found: &mut Vec<String>) {
        match (expected, actual) {
            (Value::Object(e), Value::Object(a)) => {
                for key in e.keys().chain(a.keys().filter(|k| !e.contains_key(*k))) {
                    let (e, a) = (e.get(key).unwrap_or(&Value::Null), a.get(key).unwrap_or(&Value::Null));
                    if !expected.as_object().unwrap().contains_key(key)
                        || !actual.as_object().unwrap().contains_key(key)
                    {
                        found.push(format!("{path}.{key}: {e} (present: {}) vs {a}", expected.get(key).is_some()));
                    } else {
                        walk(format!("{path}.{key}"), e, a, found);
                    }
                }
            }
            (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
                for (index, (e, a)) in e.iter().zip(a).enumerate() {
                    walk(format!("{path}[{index}]"), e, a, found);
                }
            }
            _ if expected != actual => found.push(format!("{path}: {expected} vs {actual}")),
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk("$".into(), expected, actual, &mut found);
    found.truncate(20);
    found
}

/// Imports `document` into a new project and exports it back.
async fn round_trip(app: &TestApp, name: &str, document: &Value) -> Value {
    let project = app.create_project(name).await;
    let report = app.import(&project, document, json!({})).await;
    assert!(report["errors"].is_null(), "{report}");
    let export = "query($p: ID!) { project(id: $p) { taskMasterDocument } }";
    app.data(export, json!({ "p": project })).await["project"]["taskMasterDocument"].clone()
}

#[tokio::test]
async fn the_large_tagged_file_comes_back_from_export_exactly_as_it_was_imported() {
    let (app, _db) = spawn_app().await;
    let document = task_master_file(TAGGED);
    let exported = round_trip(&app, "tagged", &document).await;
    assert_eq!(differences(&document, &exported), Vec::<String>::new());
    let tags = |document: &Value| document.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(tags(&exported), tags(&document), "tags in their order");
}

#[tokio::test]
async fn a_round_trip_keeps_id_forms_left_out_fields_words_and_unknown_keys() {
    let (app, _db) = spawn_app().await;
    let document = json!({
        "zeta": { "tasks": [
            { "id": "1", "title": "a", "status": "completed", "priority": "urgent", "complexity": null,
              "dependencies": ["2", 2, 7], "custom": { "k": [1, 2] }, "subtasks": [
                { "id": "1.1", "title": "a1", "dependencies": ["2.1", 1], "parentTaskId": 1, "subtasks": "verbatim" },
                { "id": 2, "title": "a2", "dependencies": [1, "1"] } ] },
            { "id": 3, "title": "c", "status": null, "priority": null, "dependencies": null, "subtasks": null,
              "description": null, "details": "" },
            { "id": 2, "title": "b", "complexity": 7.5, "subtasks": [
                { "id": 5, "title": "b1" }, { "id": 5, "title": "b1 again", "dependencies": [5] } ] } ],
          "metadata": { "created": "2025-01-01" }, "note": "tag key" },
        "alpha": { "tasks": [] },
        "comment": "a key that is not a tag"
    });
    let exported = round_trip(&app, "forms", &document).await;
    assert_eq!(differences(&document, &exported), Vec::<String>::new());
    let tags: Vec<&String> = exported.as_object().unwrap().keys().filter(|k| exported[*k].is_object()).collect();
    assert_eq!(tags, ["zeta", "alpha"], "tags in their order, not by name");

    // Edits made in Docket win over the document's forms.
    let project =
        app.data("{ projects(first: 1) { nodes { id } } }", json!({})).await["projects"]["nodes"][0]["id"].clone();
    let find = "query($p: ID!, $e: String!) { taskByExternalId(projectId: $p, externalId: $e, tag: \"zeta\") { id } }";
    let id = |e: &'static str| {
        let app = &app;
        let project = project.clone();
        async move { app.data(find, json!({ "p": project, "e": e })).await["taskByExternalId"]["id"].clone() }
    };
    let (one, two) = (id("1").await, id("2").await);
    let update = "mutation($i: UpdateTaskInput!) { updateTask(input: $i) { task { id } } }";
    app.data(update, json!({ "i": { "id": one, "status": "PENDING" } })).await;
    app.data(update, json!({ "i": { "id": two, "priority": "HIGH" } })).await;
    let export = "query($p: ID!) { project(id: $p) { taskMasterDocument } }";
    let edited = app.data(export, json!({ "p": project })).await["project"]["taskMasterDocument"].clone();
    let tasks = &edited["zeta"]["tasks"];
    assert_eq!((&tasks[0]["status"], &tasks[0]["priority"]), (&json!("pending"), &json!("urgent")));
    assert_eq!(tasks[2]["priority"], "high", "a field left out is written once it holds something");
    assert!(tasks[2].get("status").is_none(), "still pending, still left out");
}

//! Parsing and export of small documents, problem by problem.

use serde_json::json;

use crate::work::taskmaster::*;

fn problems(document: Value) -> Vec<String> {
    parse(&document, None).err().unwrap_or_default().iter().map(ToString::to_string).collect()
}

#[test]
fn legacy_and_tagged_documents_with_mixed_ids_parse() {
    let legacy = json!({ "tasks": [
        { "id": 1, "title": "a", "status": "in-progress", "dependencies": [], "subtasks": [
            { "id": 1, "title": "a1", "status": "done", "dependencies": [] },
            { "id": 2, "title": "a2", "dependencies": [1], "parentTaskId": 1 } ] },
        { "id": "2", "title": "b", "dependencies": ["1", "1.2"], "previousStatus": "done" } ] });
    let plans = parse(&legacy, None).unwrap();
    assert_eq!(plans[0].name, "master");
    let ids: Vec<&str> = plans[0].tasks.iter().map(|t| t.external_id.as_str()).collect();
    assert_eq!(ids, ["1", "1.1", "1.2", "2"]);
    assert_eq!(plans[0].tasks[2].depends_on, ["1.1"]);
    assert_eq!(plans[0].tasks[3].depends_on, ["1", "1.2"]);
    assert_eq!(plans[0].tasks[0].fields.status, Some(TaskStatus::InProgress));
    assert_eq!(plans[0].tasks[3].fields.metadata, Some(json!({ "previousStatus": "done" })));
    assert_eq!(plans[0].tasks[2].fields.metadata, Some(json!({ "parentTaskId": 1 })), "kept verbatim");

    let tagged =
        json!({ "one": { "tasks": [{ "id": 1, "title": "x" }] }, "two": { "tasks": [], "metadata": { "k": 1 } } });
    let plans = parse(&tagged, Some(&["two".to_owned()])).unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].metadata, Some(json!({ "k": 1 })));
}

#[test]
fn bad_documents_report_every_problem_with_its_place() {
    let found = problems(json!({ "tasks": [
        { "id": 1, "title": "", "status": "bogus", "dependencies": [9] },
        { "id": 1, "title": "dup" },
        { "title": "no id" } ] }));
    assert!(found.contains(&"tag master, task 1: `title` is missing or empty".to_owned()), "{found:?}");
    assert!(found.contains(&"tag master, task 1: unknown status `bogus`".to_owned()), "{found:?}");
    assert!(found.contains(&"tag master, task 1: this id is used twice".to_owned()), "{found:?}");
    assert!(found.contains(&"tag master, task #3: `id` is missing or not an id".to_owned()), "{found:?}");
    assert_eq!(problems(json!([1, 2])), ["document: expected a JSON object"]);
    assert_eq!(problems(json!({ "x": 1 })).len(), 1);
}

#[test]
fn dangling_references_and_cycles_are_left_out_with_a_warning_or_refused_when_strict() {
    let document = json!({ "tasks": [
        { "id": 1, "title": "a", "dependencies": [3, 9] },
        { "id": 2, "title": "b", "dependencies": [1] },
        { "id": 3, "title": "c", "dependencies": [2] } ] });
    let parsed = parse_document(&document, None, false).unwrap();
    let warnings: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(warnings[0], "tag master, task 1: depends on 9, which does not exist; not imported");
    assert!(warnings[1].starts_with("tag master: dependency cycle "), "{warnings:?}");
    let edges: usize = parsed.tags[0].tasks.iter().map(|t| t.depends_on.len()).sum();
    assert_eq!(edges, 2, "one edge of the cycle is left out");
    assert_eq!(parse_document(&document, None, true).unwrap_err().len(), 2);
}

#[test]
fn repeated_subtask_ids_are_numbered_by_position() {
    let document = json!({ "tasks": [{ "id": 4, "title": "t", "subtasks": [
        { "id": 4, "title": "x" }, { "id": 4, "title": "y" } ] }] });
    let parsed = parse_document(&document, None, false).unwrap();
    let ids: Vec<&str> = parsed.tags[0].tasks.iter().map(|t| t.external_id.as_str()).collect();
    assert_eq!(ids, ["4", "4.1", "4.2"]);
    let form = parsed.tags[0].tasks[2].fields.external_form.clone().flatten().unwrap();
    assert_eq!(form["id"], 4, "the id as written is kept for export");
    assert_eq!(parsed.warnings.len(), 1);
}

#[test]
fn export_writes_what_parse_reads() {
    let document = json!({ "master": { "tasks": [
        { "id": 1, "title": "a", "status": "done", "dependencies": [], "priority": "high", "subtasks": [
            { "id": 1, "title": "a1", "status": "pending", "dependencies": [], "priority": "medium" },
            { "id": 2, "title": "a2", "status": "pending", "dependencies": [1], "priority": "medium" } ] },
        { "id": 2, "title": "b", "status": "pending", "dependencies": [1, "1.2"], "priority": "low", "subtasks": [], "updatedAt": "x" } ],
        "metadata": { "created": "today" } } });
    let plans = parse(&document, None).unwrap();
    let tags = plans
        .into_iter()
        .map(|plan| {
            let tasks = plan
                .tasks
                .into_iter()
                .map(|t| ExportTask {
                    external_id: t.external_id,
                    parent: t.parent,
                    fields: t.fields,
                    depends_on: t.depends_on,
                })
                .collect();
            ExportTag { name: plan.name, metadata: plan.metadata, other: plan.other, tasks }
        })
        .collect();
    let exported = export(tags, Map::new());
    assert_eq!(exported, document);
    assert_eq!(parse(&exported, None).unwrap(), parse(&document, None).unwrap());
}

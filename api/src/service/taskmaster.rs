//! Task Master `tasks.json`: parsing into a plan of Docket tasks, and writing back out.
//!
//! Both formats are read: legacy `{"tasks": [...]}` (imported as tag `master`) and tagged
//! `{"<tag>": {"tasks": [...], "metadata": {...}}}`. Ids and dependencies may be integers or strings;
//! a subtask's integer dependency names a sibling subtask (falling back to the top-level task of that
//! number when no sibling has it) and `"12.3"` names subtask 3 of task 12. Subtasks become child
//! tasks with Task Master id `"<parent>.<n>"`; dependencies become `blocks` edges; fields without a
//! column are kept in `metadata` and written back on export.
//!
//! Real files are not always consistent, so problems come in two kinds. Errors (not an object, a
//! missing title, an unknown status, a task id used twice) stop the import. Warnings leave something
//! out and say so: a dependency on a task that does not exist, or one that would close a cycle, is
//! not imported; subtasks of one task that repeat an id are numbered by position (their original id
//! kept in `metadata.taskmasterId`). With `strict`, warnings stop the import too.

use std::collections::{BTreeMap, HashMap, HashSet};

use entity::task::{TaskPriority, TaskStatus};
use serde_json::{Map, Value, json};

use super::{graph, task::TaskFields};

/// A problem found in a document, with where it is (`tag master, task 12, subtask 3: ...`).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Where: tag, task and subtask.
    pub location: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// A task as the document describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedTask {
    /// Task Master id: `"12"`, or `"12.3"` for a subtask.
    pub external_id: String,
    /// The parent's Task Master id, for a subtask.
    pub parent: Option<String>,
    /// Field values (every field set, so that a re-import can compare).
    pub fields: TaskFields,
    /// Task Master ids this task depends on (`blocks`), in the same tag.
    pub depends_on: Vec<String>,
}

/// One tag of a document: its metadata and its tasks, parents before their subtasks.
#[derive(Debug, Clone, PartialEq)]
pub struct TagPlan {
    /// Tag name.
    pub name: String,
    /// The tag's `metadata` object, if any.
    pub metadata: Option<Value>,
    /// Tasks, parents first.
    pub tasks: Vec<PlannedTask>,
}

/// Task fields with columns; everything else goes to `metadata`.
const TASK_FIELDS: [&str; 10] = [
    "id",
    "title",
    "description",
    "details",
    "testStrategy",
    "status",
    "priority",
    "dependencies",
    "subtasks",
    "complexity",
];
/// Subtask fields that only restate the parent; dropped.
const PARENT_FIELDS: [&str; 2] = ["parentTaskId", "parentId"];

/// Maps a Task Master status (`in-progress`, `done`, ...) onto Docket's.
pub fn parse_status(text: &str) -> Option<TaskStatus> {
    Some(match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
        "pending" | "todo" => TaskStatus::Pending,
        "in-progress" => TaskStatus::InProgress,
        "review" => TaskStatus::Review,
        "done" | "completed" => TaskStatus::Done,
        "deferred" => TaskStatus::Deferred,
        "cancelled" | "canceled" => TaskStatus::Cancelled,
        "blocked" => TaskStatus::Blocked,
        _ => return None,
    })
}

/// Docket's status as Task Master writes it.
pub fn status_text(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Pending => "pending",
        TaskStatus::InProgress => "in-progress",
        TaskStatus::Review => "review",
        TaskStatus::Done => "done",
        TaskStatus::Deferred => "deferred",
        TaskStatus::Cancelled => "cancelled",
        TaskStatus::Blocked => "blocked",
    }
}

/// Maps a Task Master priority onto Docket's.
pub fn parse_priority(text: &str) -> Option<TaskPriority> {
    Some(match text.trim().to_ascii_lowercase().as_str() {
        "low" => TaskPriority::Low,
        "medium" => TaskPriority::Medium,
        "high" => TaskPriority::High,
        "critical" | "urgent" => TaskPriority::Critical,
        _ => return None,
    })
}

/// Docket's priority as Task Master writes it.
pub fn priority_text(priority: TaskPriority) -> &'static str {
    match priority {
        TaskPriority::Low => "low",
        TaskPriority::Medium => "medium",
        TaskPriority::High => "high",
        TaskPriority::Critical => "critical",
    }
}

/// An id or dependency as text: integers and strings alike.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) if n.is_u64() => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// The tags of a document, in document order, each with its `tasks` array and `metadata`.
fn tags_of(document: &Value) -> Result<Vec<(String, &Value)>, Problem> {
    let root = |message: &str| Problem { location: "document".into(), message: message.into() };
    let object = document.as_object().ok_or_else(|| root("expected a JSON object"))?;
    if object.get("tasks").is_some_and(Value::is_array) {
        return Ok(vec![("master".into(), document)]);
    }
    let tags: Vec<(String, &Value)> = object
        .iter()
        .filter(|(_, v)| v.get("tasks").is_some_and(Value::is_array))
        .map(|(k, v)| (k.clone(), v))
        .collect();
    if tags.is_empty() {
        return Err(root("no tasks: expected {\"tasks\": [...]} or {\"<tag>\": {\"tasks\": [...]}}"));
    }
    Ok(tags)
}

struct Reader<'a> {
    problems: &'a mut Vec<Problem>,
    location: String,
}

impl Reader<'_> {
    fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(Problem { location: self.location.clone(), message: message.into() });
    }

    fn text(&mut self, item: &Map<String, Value>, key: &str) -> Option<String> {
        match item.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                self.problem(format!("`{key}` must be text, got {other}"));
                None
            }
        }
    }

    /// Reads the fields of a task or subtask; unknown keys go to metadata.
    fn fields(&mut self, item: &Map<String, Value>, subtask: bool) -> TaskFields {
        let title = self.text(item, "title");
        if title.as_deref().is_none_or(|t| t.trim().is_empty()) {
            self.problem("`title` is missing or empty");
        } else if title.as_deref().is_some_and(|t| t.chars().count() > 500) {
            self.problem("`title` is longer than 500 characters");
        }
        let status = match self.text(item, "status") {
            None => TaskStatus::Pending,
            Some(text) => parse_status(&text).unwrap_or_else(|| {
                self.problem(format!("unknown status `{text}`"));
                TaskStatus::Pending
            }),
        };
        let priority = match self.text(item, "priority") {
            None => TaskPriority::Medium,
            Some(text) => parse_priority(&text).unwrap_or_else(|| {
                self.problem(format!("unknown priority `{text}`"));
                TaskPriority::Medium
            }),
        };
        let mut metadata = Map::new();
        let complexity = match item.get("complexity") {
            Some(Value::Number(n)) if n.as_i64().is_some_and(|c| (1..=10).contains(&c)) => n.as_i64().map(|c| c as i32),
            Some(other) if !other.is_null() => {
                metadata.insert("complexity".into(), other.clone());
                None
            }
            _ => None,
        };
        for (key, value) in item {
            let known = TASK_FIELDS.contains(&key.as_str()) || (subtask && PARENT_FIELDS.contains(&key.as_str()));
            if !known {
                metadata.insert(key.clone(), value.clone());
            }
        }
        TaskFields {
            title,
            description: Some(self.text(item, "description")),
            details: Some(self.text(item, "details")),
            test_strategy: Some(self.text(item, "testStrategy")),
            status: Some(status),
            priority: Some(priority),
            complexity: Some(complexity),
            tags: None,
            requirements: None,
            metadata: Some(Value::Object(metadata)),
            estimated_hours: None,
            actual_hours: None,
        }
    }

    fn dependencies(&mut self, item: &Map<String, Value>) -> Vec<String> {
        match item.get("dependencies") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(deps)) => deps
                .iter()
                .filter_map(|dep| {
                    let text = id_text(dep);
                    if text.is_none() {
                        self.problem(format!("dependency {dep} is neither an id number nor an id string"));
                    }
                    text
                })
                .collect(),
            Some(other) => {
                self.problem(format!("`dependencies` must be a list, got {other}"));
                Vec::new()
            }
        }
    }
}

/// A parsed document: its tags and what was left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// One plan per tag, in document order.
    pub tags: Vec<TagPlan>,
    /// What was left out or renumbered, each with its location.
    pub warnings: Vec<Problem>,
}

/// Parses `document` into one plan per tag (only `only_tags` when given), checking ids, references
/// and cycles. Errors come back all together, each with its location; with `strict`, warnings are
/// errors too.
pub fn parse_document(document: &Value, only_tags: Option<&[String]>, strict: bool) -> Result<Parsed, Vec<Problem>> {
    let mut warnings = Vec::new();
    let tags = parse_with(document, only_tags, &mut warnings)?;
    if strict && !warnings.is_empty() {
        return Err(warnings);
    }
    Ok(Parsed { tags, warnings })
}

/// Like [`parse_document`], not strict, without the warnings.
pub fn parse(document: &Value, only_tags: Option<&[String]>) -> Result<Vec<TagPlan>, Vec<Problem>> {
    parse_document(document, only_tags, false).map(|parsed| parsed.tags)
}

fn parse_with(
    document: &Value,
    only_tags: Option<&[String]>,
    warnings: &mut Vec<Problem>,
) -> Result<Vec<TagPlan>, Vec<Problem>> {
    let mut problems = Vec::new();
    let tags = match tags_of(document) {
        Ok(tags) => tags,
        Err(problem) => return Err(vec![problem]),
    };
    if let Some(only) = only_tags {
        for wanted in only {
            if !tags.iter().any(|(name, _)| name == wanted) {
                problems.push(Problem { location: format!("tag {wanted}"), message: "not in the document".into() });
            }
        }
    }
    let mut plans = Vec::new();
    for (name, tag) in tags {
        if only_tags.is_some_and(|only| !only.contains(&name)) {
            continue;
        }
        plans.push(parse_tag(&name, tag, &mut problems, warnings));
    }
    if problems.is_empty() { Ok(plans) } else { Err(problems) }
}

fn parse_tag(name: &str, tag: &Value, problems: &mut Vec<Problem>, warnings: &mut Vec<Problem>) -> TagPlan {
    let items = tag["tasks"].as_array().map(Vec::as_slice).unwrap_or_default();
    let mut tasks = Vec::new();
    // Raw dependencies, resolved once every id of the tag is known.
    let mut raw: Vec<(String, Vec<String>, Option<String>)> = Vec::new();
    let mut seen = HashSet::new();
    for (index, item) in items.iter().enumerate() {
        let mut reader = Reader { problems, location: format!("tag {name}, task #{}", index + 1) };
        let Some(object) = item.as_object() else {
            reader.problem("a task must be an object");
            continue;
        };
        let Some(id) = object.get("id").and_then(id_text) else {
            reader.problem("`id` is missing or not an id");
            continue;
        };
        reader.location = format!("tag {name}, task {id}");
        if id.contains('.') {
            reader.problem("a task id cannot contain `.`");
        }
        if !seen.insert(id.clone()) {
            reader.problem("this id is used twice");
        }
        let fields = reader.fields(object, false);
        let deps = reader.dependencies(object);
        raw.push((id.clone(), deps, None));
        tasks.push(PlannedTask { external_id: id.clone(), parent: None, fields, depends_on: Vec::new() });
        let subtasks = match object.get("subtasks") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(list)) => list.as_slice(),
            Some(_) => {
                reader.problem("`subtasks` must be a list");
                &[][..]
            }
        };
        let numbers: Vec<Option<String>> = subtasks
            .iter()
            .map(|sub| sub.get("id").and_then(id_text).map(|s| s.rsplit('.').next().unwrap_or(&s).to_owned()))
            .collect();
        let distinct: HashSet<&Option<String>> = numbers.iter().collect();
        let by_position = distinct.len() < numbers.len();
        if by_position {
            warnings.push(Problem {
                location: format!("tag {name}, task {id}"),
                message:
                    "subtask ids repeat; subtasks are numbered by position and keep their id in `metadata.taskmasterId`"
                        .into(),
            });
        }
        for (sub_index, sub) in subtasks.iter().enumerate() {
            let mut reader =
                Reader { problems, location: format!("tag {name}, task {id}, subtask #{}", sub_index + 1) };
            let Some(sub) = sub.as_object() else {
                reader.problem("a subtask must be an object");
                continue;
            };
            let Some(sub_id) = sub.get("id").and_then(id_text) else {
                reader.problem("`id` is missing or not an id");
                continue;
            };
            // Some files write a subtask's id as "<parent>.<n>".
            let number = if by_position {
                (sub_index + 1).to_string()
            } else {
                sub_id.rsplit('.').next().unwrap_or(&sub_id).to_owned()
            };
            let external = format!("{id}.{number}");
            reader.location = format!("tag {name}, task {id}, subtask {number}");
            if !seen.insert(external.clone()) {
                reader.problem("this subtask id is used twice");
            }
            let mut fields = reader.fields(sub, true);
            if by_position && let Some(Value::Object(metadata)) = fields.metadata.as_mut() {
                metadata.insert("taskmasterId".into(), sub["id"].clone());
            }
            let deps = reader.dependencies(sub);
            raw.push((external.clone(), deps, Some(id.clone())));
            tasks.push(PlannedTask { external_id: external, parent: Some(id.clone()), fields, depends_on: Vec::new() });
        }
    }
    // Resolve references now that every id is known.
    let mut resolved: HashMap<String, Vec<String>> = HashMap::new();
    for (external, deps, parent) in raw {
        let location = match &parent {
            Some(parent) => {
                format!("tag {name}, task {parent}, subtask {}", external.rsplit('.').next().unwrap_or_default())
            }
            None => format!("tag {name}, task {external}"),
        };
        let mut targets = Vec::new();
        for dep in deps {
            let target = if dep.contains('.') {
                dep.clone()
            } else if let Some(parent) = &parent {
                let sibling = format!("{parent}.{dep}");
                if seen.contains(&sibling) && sibling != external { sibling } else { dep.clone() }
            } else {
                dep.clone()
            };
            if target == external {
                let message = format!("depends on itself ({dep}); not imported");
                warnings.push(Problem { location: location.clone(), message });
            } else if !seen.contains(&target) {
                let message = format!("depends on {dep}, which does not exist; not imported");
                warnings.push(Problem { location: location.clone(), message });
            } else if !targets.contains(&target) {
                targets.push(target);
            }
        }
        resolved.insert(external, targets);
    }
    // Break every cycle at the edge that closes it, and say which.
    loop {
        let edges: HashMap<&str, Vec<&str>> =
            resolved.iter().map(|(k, v)| (k.as_str(), v.iter().map(String::as_str).collect())).collect();
        let Some(cycle) = graph::find_cycle(&edges) else { break };
        let cycle: Vec<String> = cycle.into_iter().map(str::to_owned).collect();
        let (from, to) = (&cycle[cycle.len() - 2], &cycle[cycle.len() - 1]);
        warnings.push(Problem {
            location: format!("tag {name}"),
            message: format!(
                "dependency cycle {}; the dependency of {from} on {to} was not imported",
                cycle.join(" -> ")
            ),
        });
        if let Some(deps) = resolved.get_mut(from) {
            deps.retain(|d| d != to);
        }
    }
    for task in &mut tasks {
        task.depends_on = resolved.remove(&task.external_id).unwrap_or_default();
    }
    TagPlan { name: name.to_owned(), metadata: tag.get("metadata").cloned(), tasks }
}

/// A task to write out, with what export needs.
#[derive(Debug, Clone)]
pub struct ExportTask {
    /// Task Master id (`"12"` or `"12.3"`).
    pub external_id: String,
    /// Parent's Task Master id.
    pub parent: Option<String>,
    /// Field values.
    pub fields: TaskFields,
    /// Task Master ids it depends on (`blocks`).
    pub depends_on: Vec<String>,
}

/// An id as Task Master writes it: a number when it is one.
fn id_value(id: &str) -> Value {
    id.parse::<u64>().map_or_else(|_| json!(id), |n| json!(n))
}

fn task_json(task: &ExportTask, subtask_of: Option<&str>) -> Value {
    let fields = &task.fields;
    let mut out = Map::new();
    let own_id = match subtask_of {
        Some(parent) => task.external_id.strip_prefix(&format!("{parent}.")).unwrap_or(&task.external_id).to_owned(),
        None => task.external_id.clone(),
    };
    out.insert("id".into(), id_value(&own_id));
    out.insert("title".into(), json!(fields.title));
    for (key, value) in
        [("description", &fields.description), ("details", &fields.details), ("testStrategy", &fields.test_strategy)]
    {
        if let Some(value) = value {
            out.insert(key.into(), json!(value));
        }
    }
    out.insert("status".into(), json!(fields.status.map(status_text)));
    let deps: Vec<Value> = task
        .depends_on
        .iter()
        .map(|dep| match subtask_of {
            Some(parent) => dep.strip_prefix(&format!("{parent}.")).map_or_else(|| json!(dep), id_value),
            None => id_value(dep),
        })
        .collect();
    out.insert("dependencies".into(), Value::Array(deps));
    out.insert("priority".into(), json!(fields.priority.map(priority_text)));
    if let Some(Some(complexity)) = fields.complexity {
        out.insert("complexity".into(), json!(complexity));
    }
    if let Some(Value::Object(extra)) = &fields.metadata {
        for (key, value) in extra {
            out.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    Value::Object(out)
}

/// Writes tasks back as a tagged Task Master document: `{"<tag>": {"tasks": [...], "metadata": {...}}}`.
pub fn export(tags: BTreeMap<String, (Vec<ExportTask>, Option<Value>)>) -> Value {
    let mut document = Map::new();
    for (tag, (tasks, metadata)) in tags {
        let mut top: Vec<Value> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for task in tasks.iter().filter(|t| t.parent.is_none()) {
            index.insert(task.external_id.clone(), top.len());
            let mut value = task_json(task, None);
            value["subtasks"] = json!([]);
            top.push(value);
        }
        for task in tasks.iter().filter(|t| t.parent.is_some()) {
            let parent = task.parent.as_deref().unwrap_or_default();
            if let Some(&at) = index.get(parent) {
                let sub = task_json(task, Some(parent));
                if let Some(list) = top[at]["subtasks"].as_array_mut() {
                    list.push(sub);
                }
            }
        }
        let mut entry = json!({ "tasks": top });
        if let Some(metadata) = metadata {
            entry["metadata"] = metadata;
        }
        document.insert(tag, entry);
    }
    Value::Object(document)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(plans[0].tasks[2].fields.metadata, Some(json!({})), "parent fields are implied");

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
        assert_eq!(parsed.tags[0].tasks[2].fields.metadata, Some(json!({ "taskmasterId": 4 })));
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
                (plan.name, (tasks, plan.metadata))
            })
            .collect();
        let exported = export(tags);
        assert_eq!(parse(&exported, None).unwrap(), parse(&document, None).unwrap());
    }
}

#[cfg(test)]
mod real_files {
    use super::*;

    fn load(name: &str) -> Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data").join(name);
        serde_json::from_str(&std::fs::read_to_string(path).expect("test data file")).expect("valid JSON")
    }

    fn counts(plans: &[TagPlan]) -> (usize, usize, usize) {
        let tasks = plans.iter().flat_map(|p| &p.tasks);
        let (top, sub): (Vec<_>, Vec<_>) = tasks.partition(|t| t.parent.is_none());
        let deps = plans.iter().flat_map(|p| &p.tasks).map(|t| t.depends_on.len()).sum();
        (top.len(), sub.len(), deps)
    }

    #[test]
    fn both_real_files_parse_completely() {
        let parsed = parse_document(&load("claude-task-master.tagged.tasks.json"), None, false)
            .unwrap_or_else(|p| panic!("{p:#?}"));
        assert_eq!(parsed.warnings.len(), 3, "{:#?}", parsed.warnings);
        let tagged = parsed.tags;
        assert_eq!(tagged.len(), 9);
        let (top, sub, deps) = counts(&tagged);
        assert_eq!((top, sub), (182, 914));
        assert!(deps > 900, "dependencies kept: {deps}");
        let legacy = parse(&load("scrumpoker.legacy.tasks.json"), None).unwrap_or_else(|p| panic!("{p:#?}"));
        assert_eq!(counts(&legacy).0, 10);
        assert_eq!(counts(&legacy).1, 36);
    }
}

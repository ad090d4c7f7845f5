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

use std::collections::{HashMap, HashSet};

use entity::task::{TaskPriority, TaskStatus};
use serde_json::{Map, Value};

use crate::{service::graph, work::task::TaskFields};

mod export;
#[cfg(test)]
mod real_files;
#[cfg(test)]
mod tests;
mod vocabulary;

pub use crate::work::taskmaster::export::{ExportTask, export};
pub use crate::work::taskmaster::vocabulary::{parse_priority, parse_status, priority_text, status_text};

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

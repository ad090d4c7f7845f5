//! Task Master `tasks.json`: parsing into a plan of Docket tasks, and writing back out.
//!
//! Both formats are read: legacy `{"tasks": [...]}` (imported as tag `master`) and tagged
//! `{"<tag>": {"tasks": [...], "metadata": {...}}}`. Ids and dependencies may be integers or strings;
//! a subtask's integer dependency names a sibling subtask (falling back to the top-level task of that
//! number when no sibling has it) and `"12.3"` names subtask 3 of task 12. Subtasks become child
//! tasks with Task Master id `"<parent>.<n>"`; dependencies become `blocks` edges; fields without a
//! column are kept verbatim in `metadata`, and how the task was written (see [`form`]) in
//! `external_form`, so that export gives back the document that was imported.
//!
//! Real files are not always consistent, so problems come in two kinds. Errors (not an object, a
//! missing title, an unknown status, a task id used twice) stop the import. Warnings leave something
//! out and say so: a dependency on a task that does not exist, or one that would close a cycle, is
//! not imported (and written back as it was); subtasks of one task that repeat an id are numbered by
//! position (their id as written kept for export). With `strict`, warnings stop the import too.

use entity::task::{TaskPriority, TaskStatus};
use serde_json::{Map, Value};

use crate::work::task::TaskFields;

mod export;
mod form;
#[cfg(test)]
mod real_files;
mod tag;
#[cfg(test)]
mod tests;
mod vocabulary;

pub use crate::work::taskmaster::export::{ExportTag, ExportTask, export};
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
    /// The tag's other keys (besides `tasks` and `metadata`), kept verbatim.
    pub other: Map<String, Value>,
    /// Tasks, parents first.
    pub tasks: Vec<PlannedTask>,
}

/// Task fields with columns (or, for `dependencies` and `subtasks`, rows); everything else, and
/// `subtasks` in a subtask, goes to `metadata` verbatim.
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

/// An id or dependency as text: integers and strings alike.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) if n.is_u64() => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// Whether `value` is a tag (or a legacy document): an object with a `tasks` array.
fn is_tag(value: &Value) -> bool {
    value.get("tasks").is_some_and(Value::is_array)
}

/// The tags of a document, in document order, each with its `tasks` array and `metadata`.
fn tags_of(document: &Value) -> Result<Vec<(String, &Value)>, Problem> {
    let root = |message: &str| Problem { location: "document".into(), message: message.into() };
    let object = document.as_object().ok_or_else(|| root("expected a JSON object"))?;
    if is_tag(document) {
        return Ok(vec![("master".into(), document)]);
    }
    let tags: Vec<(String, &Value)> = object.iter().filter(|(_, v)| is_tag(v)).map(|(k, v)| (k.clone(), v)).collect();
    if tags.is_empty() {
        return Err(root("no tasks: expected {\"tasks\": [...]} or {\"<tag>\": {\"tasks\": [...]}}"));
    }
    Ok(tags)
}

/// The keys of a tagged document that are not tags, kept verbatim (none in a legacy document, whose
/// other keys belong to its one tag).
fn other_keys(document: &Value) -> Map<String, Value> {
    match document.as_object() {
        Some(object) if !is_tag(document) => {
            object.iter().filter(|(_, v)| !is_tag(v)).map(|(k, v)| (k.clone(), v.clone())).collect()
        }
        _ => Map::new(),
    }
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

    /// Reads the fields of a task or subtask, `id` being the id export would write: unknown keys go
    /// to metadata, how it was written to `external_form` (its dependencies added once resolved).
    fn fields(&mut self, item: &Map<String, Value>, subtask: bool, id: Value) -> (TaskFields, form::Form) {
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
            let known = TASK_FIELDS.contains(&key.as_str()) && !(subtask && key == "subtasks");
            if !known {
                metadata.insert(key.clone(), value.clone());
            }
        }
        let form = form::Form::of(item, id, subtask, !metadata.contains_key("complexity"));
        let fields = TaskFields {
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
            external_form: None,
            ..TaskFields::default()
        };
        (fields, form)
    }

    /// The dependencies, each as written and as an id.
    fn dependencies(&mut self, item: &Map<String, Value>) -> Vec<(Value, String)> {
        match item.get("dependencies") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(deps)) => deps
                .iter()
                .filter_map(|dep| {
                    let text = id_text(dep);
                    if text.is_none() {
                        self.problem(format!("dependency {dep} is neither an id number nor an id string"));
                    }
                    Some((dep.clone(), text?))
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
    /// The keys of a tagged document that are not tags, kept verbatim.
    pub other: Map<String, Value>,
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
    Ok(Parsed { tags, other: other_keys(document), warnings })
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
        plans.push(tag::parse_tag(&name, tag, &mut problems, warnings));
    }
    if problems.is_empty() { Ok(plans) } else { Err(problems) }
}

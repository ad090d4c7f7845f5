//! How a document wrote a task where Docket's columns cannot say it, kept at import (in
//! `tasks.external_form`) so that export writes the task back as it came: the id as written (`"5"`,
//! a repeated subtask id), the fields it left out (no `priority`, no `subtasks`), a status or priority
//! in another word (`completed`), and its dependencies as written (`13`, `"13"` or `"23.13"`), each
//! with the task it was imported as.
//!
//! Export starts from the columns, so an edit made in Docket wins: a changed status is written in
//! Task Master's word, an added dependency in the plain form, a removed one disappears. A field left
//! out stays out only while its column still holds what leaving it out means (`pending`, `medium`,
//! nothing). A dependency that was not imported (a missing task, the task itself, a repeat, the edge
//! that closed a cycle) is written back as it was.

use entity::task::{TaskPriority, TaskStatus};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::work::taskmaster::{parse_priority, parse_status, priority_text, status_text};

/// The fields Task Master defines besides `id` and `title`; which of them a task leaves out is kept.
pub(super) const OPTIONAL_FIELDS: [&str; 8] =
    ["description", "details", "testStrategy", "status", "priority", "dependencies", "subtasks", "complexity"];

/// One dependency as the document wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WrittenDependency {
    /// The value as written: `13`, `"13"` or `"23.13"`.
    pub written: Value,
    /// The Task Master id of the task it was imported as a `blocks` edge to; `None` when it was not
    /// imported (written back as it was).
    pub imported: Option<String>,
}

/// How one task was written; [`Form::default`] is a task written in Docket's own forms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Form {
    /// The id as written, when it is not the number (or text) export would write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    /// Fields of [`OPTIONAL_FIELDS`] the task did not have.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub absent: Vec<String>,
    /// `status`, `priority`, `dependencies` or `subtasks` written as `null` (read as their default).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub null: Vec<String>,
    /// The status as written, when not in Task Master's own word.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The priority as written, when not in Task Master's own word.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// The dependencies as written, in their order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<WrittenDependency>,
}

impl Form {
    /// How `item` (a task or subtask object) is written, but for its dependencies. `id` is the id export
    /// would write; `complexity_kept` says whether its `complexity` fitted the column (when it did not,
    /// the value is kept verbatim with the unknown fields instead).
    pub(super) fn of(item: &Map<String, Value>, id: Value, subtask: bool, complexity_kept: bool) -> Self {
        let written_as = |key: &str, canonical: Option<&'static str>| match (item.get(key), canonical) {
            (Some(Value::String(text)), Some(canonical)) if text != canonical => Some(text.clone()),
            _ => None,
        };
        let absent = OPTIONAL_FIELDS
            .iter()
            .filter(|key| !(subtask && **key == "subtasks"))
            .filter(|key| !item.contains_key(**key) || (**key == "complexity" && !complexity_kept))
            .map(|key| (*key).to_owned())
            .collect();
        let status = item.get("status").and_then(Value::as_str).and_then(parse_status).map(status_text);
        let priority = item.get("priority").and_then(Value::as_str).and_then(parse_priority).map(priority_text);
        let null = ["status", "priority", "dependencies", "subtasks"]
            .into_iter()
            .filter(|key| item.get(*key).is_some_and(Value::is_null))
            .map(str::to_owned)
            .collect();
        Self {
            id: item.get("id").filter(|written| **written != id).cloned(),
            absent,
            null,
            status: written_as("status", status),
            priority: written_as("priority", priority),
            dependencies: Vec::new(),
        }
    }

    /// The form kept for a task imported without one: what export writes for a task created in Docket.
    fn native() -> Self {
        Self { absent: vec!["complexity".into()], ..Self::default() }
    }

    /// The JSON kept in `tasks.external_form`.
    pub(super) fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The form kept in `tasks.external_form`; a task with none (created in Docket) is written in full.
    pub(super) fn read(kept: Option<&Value>) -> Self {
        kept.and_then(|value| serde_json::from_value(value.clone()).ok()).unwrap_or_else(Self::native)
    }

    fn absent(&self, key: &str) -> bool {
        self.absent.iter().any(|k| k == key)
    }

    /// What to write for `key` while it holds its default, `default` written as Docket would:
    /// nothing where the document left it out, `null` where it wrote `null`.
    fn unset(&self, out: &mut Map<String, Value>, key: &str, default: Value) {
        if self.null.iter().any(|k| k == key) {
            out.insert(key.into(), Value::Null);
        } else if !self.absent(key) {
            out.insert(key.into(), default);
        }
    }

    /// Writes a text field: left out while it was left out and is still empty.
    pub(super) fn text(&self, out: &mut Map<String, Value>, key: &str, value: Option<&str>) {
        if value.is_some() || !self.absent(key) {
            out.insert(key.into(), json!(value));
        }
    }

    /// Writes `status`, in the word it was written in while it means the same.
    pub(super) fn status(&self, out: &mut Map<String, Value>, status: TaskStatus) {
        if status == TaskStatus::Pending && self.status.is_none() {
            return self.unset(out, "status", json!(status_text(status)));
        }
        let word = self.status.clone().filter(|text| parse_status(text) == Some(status));
        out.insert("status".into(), json!(word.unwrap_or_else(|| status_text(status).to_owned())));
    }

    /// Writes `priority`, in the word it was written in while it means the same.
    pub(super) fn priority(&self, out: &mut Map<String, Value>, priority: TaskPriority) {
        if priority == TaskPriority::Medium && self.priority.is_none() {
            return self.unset(out, "priority", json!(priority_text(priority)));
        }
        let word = self.priority.clone().filter(|text| parse_priority(text) == Some(priority));
        out.insert("priority".into(), json!(word.unwrap_or_else(|| priority_text(priority).to_owned())));
    }

    /// Writes `complexity`: `null` only where the document wrote `null`.
    pub(super) fn complexity(&self, out: &mut Map<String, Value>, complexity: Option<i32>) {
        if complexity.is_some() || !self.absent("complexity") {
            out.insert("complexity".into(), json!(complexity));
        }
    }

    /// Writes `dependencies`: those written in the document that are still there (or were never
    /// imported), as written and in their order, then those added since, as `canonical` writes them.
    pub(super) fn dependencies(
        &self,
        out: &mut Map<String, Value>,
        current: &[String],
        canonical: impl Fn(&str) -> Value,
    ) {
        let mut remaining: Vec<&String> = current.iter().collect();
        let mut written = Vec::new();
        for dependency in &self.dependencies {
            match &dependency.imported {
                None => written.push(dependency.written.clone()),
                Some(target) => {
                    if let Some(at) = remaining.iter().position(|r| *r == target) {
                        remaining.remove(at);
                        written.push(dependency.written.clone());
                    }
                }
            }
        }
        written.extend(remaining.into_iter().map(|target| canonical(target)));
        if written.is_empty() {
            self.unset(out, "dependencies", json!([]));
        } else {
            out.insert("dependencies".into(), Value::Array(written));
        }
    }

    /// Writes a top-level task's `subtasks` as it was while it has none (its subtasks are added after).
    pub(super) fn empty_subtasks(&self, out: &mut Map<String, Value>) {
        self.unset(out, "subtasks", json!([]));
    }

    /// The id to write: as written, else `canonical`.
    pub(super) fn id(&self, canonical: Value) -> Value {
        self.id.clone().unwrap_or(canonical)
    }
}

/// An id as Task Master writes it: a number when it is one.
pub(super) fn id_value(id: &str) -> Value {
    id.parse::<u64>().map_or_else(|_| json!(id), |n| json!(n))
}

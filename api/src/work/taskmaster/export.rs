//! Writing tasks back out as a tagged Task Master document, each task as its document wrote it (see
//! [`super::form`]).

use std::collections::HashMap;

use entity::task::{TaskPriority, TaskStatus};
use serde_json::{Map, Value, json};

use crate::work::{
    task::TaskFields,
    taskmaster::form::{Form, id_value},
};

/// A task to write out, with what export needs.
#[derive(Debug, Clone)]
pub struct ExportTask {
    /// Task Master id (`"12"` or `"12.3"`).
    pub external_id: String,
    /// Parent's Task Master id.
    pub parent: Option<String>,
    /// Field values, `external_form` included.
    pub fields: TaskFields,
    /// Task Master ids it depends on (`blocks`).
    pub depends_on: Vec<String>,
}

/// A tag to write out.
#[derive(Debug, Clone, Default)]
pub struct ExportTag {
    /// The tag's name.
    pub name: String,
    /// Its `metadata`, when it has one.
    pub metadata: Option<Value>,
    /// Its other keys, as imported.
    pub other: Map<String, Value>,
    /// Its tasks, parents before their subtasks.
    pub tasks: Vec<ExportTask>,
}

/// The key of a task under which export keeps what Docket knows and Task Master has no field for
/// (Task Master leaves keys it does not know alone; an import keeps them in `metadata`).
pub const DOCKET_KEY: &str = "docket";

/// `{"assigneeId", "assignedAgent", "acceptanceCriteria"}`, those set, or `None` when none is.
fn docket_fields(fields: &TaskFields) -> Option<Value> {
    let mut out = Map::new();
    if let Some(Some(id)) = fields.assignee_id {
        out.insert("assigneeId".into(), json!(id));
    }
    if let Some(Some(agent)) = &fields.assigned_agent {
        out.insert("assignedAgent".into(), json!(agent));
    }
    if let Some(criteria) = fields.acceptance_criteria.as_ref().filter(|c| !c.is_empty()) {
        out.insert("acceptanceCriteria".into(), json!(criteria));
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

fn task_json(task: &ExportTask, subtask_of: Option<&str>) -> Map<String, Value> {
    let fields = &task.fields;
    let form = Form::read(fields.external_form.as_ref().and_then(Option::as_ref));
    let mut out = Map::new();
    let prefix = subtask_of.map(|parent| format!("{parent}."));
    let relative = |id: &str| prefix.as_deref().and_then(|p| id.strip_prefix(p)).map(id_value);
    let own_id = relative(&task.external_id).unwrap_or_else(|| id_value(&task.external_id));
    out.insert("id".into(), form.id(own_id));
    out.insert("title".into(), json!(fields.title));
    for (key, value) in
        [("description", &fields.description), ("details", &fields.details), ("testStrategy", &fields.test_strategy)]
    {
        form.text(&mut out, key, value.as_ref().and_then(Option::as_deref));
    }
    form.status(&mut out, fields.status.unwrap_or(TaskStatus::Pending));
    form.priority(&mut out, fields.priority.unwrap_or(TaskPriority::Medium));
    form.complexity(&mut out, fields.complexity.flatten());
    // A subtask writes a sibling by its number, anything else by its full id.
    form.dependencies(&mut out, &task.depends_on, |dep| relative(dep).unwrap_or_else(|| id_value(dep)));
    if subtask_of.is_none() {
        form.empty_subtasks(&mut out);
    }
    if let Some(docket) = docket_fields(fields) {
        out.insert(DOCKET_KEY.into(), docket);
    }
    if let Some(Value::Object(extra)) = &fields.metadata {
        for (key, value) in extra {
            if out.get(key).is_none_or(Value::is_null) {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    out
}

/// Writes tags, in the order given, as a tagged Task Master document: `{"<tag>": {"tasks": [...],
/// "metadata": {...}}}`, with the document's `other` keys beside them.
pub fn export(tags: Vec<ExportTag>, other: Map<String, Value>) -> Value {
    let mut document = other;
    for tag in tags {
        let mut top: Vec<Map<String, Value>> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for task in tag.tasks.iter().filter(|t| t.parent.is_none()) {
            index.insert(&task.external_id, top.len());
            top.push(task_json(task, None));
        }
        for task in &tag.tasks {
            let Some(parent) = task.parent.as_deref() else { continue };
            if let Some(&at) = index.get(parent) {
                let sub = Value::Object(task_json(task, Some(parent)));
                if let Some(Value::Array(list)) = top[at].get_mut("subtasks") {
                    list.push(sub);
                } else {
                    top[at].insert("subtasks".into(), json!([sub]));
                }
            }
        }
        let mut entry = tag.other;
        entry.insert("tasks".into(), Value::Array(top.into_iter().map(Value::Object).collect()));
        if let Some(metadata) = tag.metadata {
            entry.insert("metadata".into(), metadata);
        }
        document.insert(tag.name, Value::Object(entry));
    }
    Value::Object(document)
}

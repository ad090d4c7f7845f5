//! Writing tasks back out as a tagged Task Master document.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};

use crate::work::{
    task::TaskFields,
    taskmaster::{priority_text, status_text},
};

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

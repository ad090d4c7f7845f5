//! One tag of a document: its tasks and subtasks in order, their ids, and their dependencies resolved
//! to `blocks` edges once every id of the tag is known.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::{
    service::graph,
    work::taskmaster::{
        PlannedTask, Problem, Reader, TagPlan,
        form::{Form, WrittenDependency, id_value},
        id_text,
    },
};

/// A task read from the tag, before its dependencies are resolved.
struct Read {
    task: PlannedTask,
    form: Form,
    /// Dependencies as written and as ids.
    dependencies: Vec<(Value, String)>,
}

/// Reads the tag `name`; errors go to `problems`, what is left out to `warnings`.
pub(super) fn parse_tag(name: &str, tag: &Value, problems: &mut Vec<Problem>, warnings: &mut Vec<Problem>) -> TagPlan {
    let items = tag["tasks"].as_array().map(Vec::as_slice).unwrap_or_default();
    let mut read: Vec<Read> = Vec::new();
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
        let (fields, form) = reader.fields(object, false, id_value(&id));
        let dependencies = reader.dependencies(object);
        let task = PlannedTask { external_id: id.clone(), parent: None, fields, depends_on: Vec::new() };
        read.push(Read { task, form, dependencies });
        let subtasks = match object.get("subtasks") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(list)) => list.as_slice(),
            Some(_) => {
                reader.problem("`subtasks` must be a list");
                &[][..]
            }
        };
        read_subtasks(name, &id, subtasks, problems, warnings, &mut seen, &mut read);
    }
    let resolved = resolve(name, &mut read, &seen, warnings);
    let tasks = read
        .into_iter()
        .zip(resolved)
        .map(|(mut one, depends_on)| {
            for dependency in &mut one.form.dependencies {
                // An edge dropped to break a cycle was not imported either.
                if dependency.imported.as_ref().is_some_and(|target| !depends_on.contains(target)) {
                    dependency.imported = None;
                }
            }
            one.task.depends_on = depends_on;
            one.task.fields.external_form = Some(Some(one.form.to_value()));
            one.task
        })
        .collect();
    let other = match tag.as_object() {
        Some(object) => object
            .iter()
            .filter(|(key, _)| !matches!(key.as_str(), "tasks" | "metadata"))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect(),
        None => Map::new(),
    };
    TagPlan { name: name.to_owned(), metadata: tag.get("metadata").cloned(), other, tasks }
}

/// Reads the subtasks of task `id`. Some files write a subtask's id as `"<parent>.<n>"`; where the
/// ids of one task's subtasks repeat, they are numbered by position instead (their ids as written are
/// kept for export).
fn read_subtasks(
    name: &str,
    id: &str,
    subtasks: &[Value],
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
    seen: &mut HashSet<String>,
    read: &mut Vec<Read>,
) {
    let number_of = |sub_id: &str| sub_id.rsplit('.').next().unwrap_or(sub_id).to_owned();
    let numbers: Vec<Option<String>> = subtasks.iter().map(|sub| sub.get("id").and_then(id_text)).collect();
    let distinct: HashSet<Option<String>> = numbers.iter().map(|n| n.as_deref().map(number_of)).collect();
    let by_position = distinct.len() < numbers.len();
    if by_position {
        warnings.push(Problem {
            location: format!("tag {name}, task {id}"),
            message: "subtask ids repeat; subtasks are numbered by position (export writes their ids as they were)"
                .into(),
        });
    }
    for (sub_index, sub) in subtasks.iter().enumerate() {
        let mut reader = Reader { problems, location: format!("tag {name}, task {id}, subtask #{}", sub_index + 1) };
        let Some(sub) = sub.as_object() else {
            reader.problem("a subtask must be an object");
            continue;
        };
        let Some(sub_id) = sub.get("id").and_then(id_text) else {
            reader.problem("`id` is missing or not an id");
            continue;
        };
        let number = if by_position { (sub_index + 1).to_string() } else { number_of(&sub_id) };
        let external = format!("{id}.{number}");
        reader.location = format!("tag {name}, task {id}, subtask {number}");
        if !seen.insert(external.clone()) {
            reader.problem("this subtask id is used twice");
        }
        let (fields, form) = reader.fields(sub, true, id_value(&number));
        let dependencies = reader.dependencies(sub);
        let task = PlannedTask { external_id: external, parent: Some(id.to_owned()), fields, depends_on: Vec::new() };
        read.push(Read { task, form, dependencies });
    }
}

/// Resolves every task's dependencies to Task Master ids of the tag (a subtask's plain number names
/// a sibling when one has it), records each in the task's form, and returns the edges to import per
/// task, with every cycle broken at the edge that closes it.
fn resolve(name: &str, read: &mut [Read], seen: &HashSet<String>, warnings: &mut Vec<Problem>) -> Vec<Vec<String>> {
    let mut resolved: HashMap<String, Vec<String>> = HashMap::new();
    for one in read.iter_mut() {
        let external = &one.task.external_id;
        let location = match &one.task.parent {
            Some(parent) => {
                format!("tag {name}, task {parent}, subtask {}", external.rsplit('.').next().unwrap_or_default())
            }
            None => format!("tag {name}, task {external}"),
        };
        let mut targets = Vec::new();
        for (written, dep) in std::mem::take(&mut one.dependencies) {
            let target = match &one.task.parent {
                Some(parent) if !dep.contains('.') => {
                    let sibling = format!("{parent}.{dep}");
                    if seen.contains(&sibling) && &sibling != external { sibling } else { dep.clone() }
                }
                _ => dep.clone(),
            };
            let imported = if &target == external {
                let message = format!("depends on itself ({dep}); not imported");
                warnings.push(Problem { location: location.clone(), message });
                None
            } else if !seen.contains(&target) {
                let message = format!("depends on {dep}, which does not exist; not imported");
                warnings.push(Problem { location: location.clone(), message });
                None
            } else if targets.contains(&target) {
                None
            } else {
                targets.push(target.clone());
                Some(target)
            };
            one.form.dependencies.push(WrittenDependency { written, imported });
        }
        resolved.insert(external.clone(), targets);
    }
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
    read.iter().map(|one| resolved.remove(&one.task.external_id).unwrap_or_default()).collect()
}

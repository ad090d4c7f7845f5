//! Task executions: an agent starts work on a task and later reports how it ended; per-agent
//! summaries for dashboards.

use std::collections::HashMap;

use chrono::Utc;
use entity::{
    event::Severity,
    task_execution::{self, ExecutionStatus},
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, FromQueryResult};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    events::log::types as log_types,
    service::{
        Ctx, Resource, Role, Scope, new_id,
        page::{CursorKey, List, ListSpec, Listed},
        require_object, require_text,
        sql::Sql,
        tenant::{self, Owned},
    },
    work::task as tasks,
};

tenant::tenanted!(
    task_execution,
    entity::project::Column::OrganizationId,
    via entity::task_execution::Relation::Task,
    entity::task::Relation::Project
);

/// A task's executions, oldest first.
pub static EXECUTIONS_OF_TASK: List = List::new(|| {
    ListSpec::child(task_execution::Column::TaskId, task_execution::Column::Id, Owned::of::<entity::task::Entity>())
});

impl Listed for task_execution::Model {
    fn cursor_key(&self) -> CursorKey {
        CursorKey::Id(self.id)
    }
}

/// How an execution ended, as its agent reports it.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Final status: succeeded, failed, cancelled or timed out.
    pub status: Option<ExecutionStatus>,
    /// What it produced.
    pub output_results: Option<Value>,
    /// What went wrong.
    pub error_details: Option<Value>,
    /// Peak memory in MiB.
    pub memory_usage_mb: Option<i32>,
    /// CPU time in milliseconds.
    pub cpu_time_ms: Option<i64>,
    /// Tokens sent.
    pub input_tokens: Option<i64>,
    /// Tokens received.
    pub output_tokens: Option<i64>,
    /// Cost in US dollars.
    pub cost_usd: Option<f64>,
}

/// Records that `agent` started working on task `task_id` (status `running`, started now).
/// Errors: `FORBIDDEN`, `NOT_FOUND` (task), `BAD_USER_INPUT` (empty agent, context not an object).
#[tracing::instrument(skip_all, fields(task_id = %task_id))]
pub async fn start(
    cx: Ctx<'_>,
    task_id: Uuid,
    agent: String,
    input_context: Option<Value>,
) -> ApiResult<task_execution::Model> {
    require_text("agent", &agent, 100)?;
    let input_context = input_context.unwrap_or_else(|| json!({}));
    require_object("inputContext", &input_context)?;
    let mut tx = cx.begin(Role::Member).await?;
    let task = tasks::get(&tx, cx.scope(), task_id).await?;
    let now = Utc::now();
    let created = task_execution::ActiveModel {
        id: Set(new_id()),
        task_id: Set(task_id),
        agent: Set(agent),
        status: Set(ExecutionStatus::Running),
        input_context: Set(input_context),
        output_results: Set(json!({})),
        error_details: Set(json!({})),
        started_at: Set(Some(now)),
        completed_at: Set(None),
        duration_ms: Set(None),
        memory_usage_mb: Set(None),
        cpu_time_ms: Set(None),
        input_tokens: Set(None),
        output_tokens: Set(None),
        cost_usd: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await?;
    tx.record(Resource::Execution, created.id, None, Some(&created))
        .await?
        .named(log_types::EXECUTION_STARTED)
        .about_task(&task)
        .payload(serde_json::json!({ "executionId": created.id, "agent": created.agent }));
    tx.commit().await?;
    Ok(created)
}

/// The execution `id` of the scope's organization. Errors: `NOT_FOUND` (also for another
/// organization's).
pub async fn get(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> ApiResult<task_execution::Model> {
    tenant::row::<task_execution::Entity>(db, scope, id).await?.ok_or(ApiError::NotFound { entity: "task execution" })
}

/// Records how execution `id` ended; its duration is the time since it started.
/// Errors: `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT` (already ended, a status that is not final, bad
/// figures).
#[tracing::instrument(skip_all, fields(execution_id = %id))]
pub async fn finish(cx: Ctx<'_>, id: Uuid, outcome: Outcome) -> ApiResult<task_execution::Model> {
    let status = outcome.status.unwrap_or(ExecutionStatus::Succeeded);
    if !status.is_final() {
        return Err(ApiError::bad_input("`status` must be SUCCEEDED, FAILED, CANCELLED or TIMED_OUT"));
    }
    for (field, value) in [("outputResults", &outcome.output_results), ("errorDetails", &outcome.error_details)] {
        if let Some(value) = value {
            require_object(field, value)?;
        }
    }
    let negative =
        [outcome.memory_usage_mb.map(i64::from), outcome.cpu_time_ms, outcome.input_tokens, outcome.output_tokens]
            .into_iter()
            .flatten()
            .any(|n| n < 0);
    if negative || outcome.cost_usd.is_some_and(|c| !(c.is_finite() && c >= 0.0)) {
        return Err(ApiError::bad_input("resource figures must not be negative"));
    }
    let mut tx = cx.begin(Role::Member).await?;
    let current = get(&tx, cx.scope(), id).await?;
    if current.status.is_final() {
        return Err(ApiError::bad_input("this execution has already ended"));
    }
    let now = Utc::now();
    let mut model: task_execution::ActiveModel = current.clone().into();
    model.status = Set(status);
    model.completed_at = Set(Some(now));
    model.duration_ms = Set(current.started_at.map(|s| (now - s).num_milliseconds().max(0)));
    if let Some(v) = outcome.output_results {
        model.output_results = Set(v);
    }
    if let Some(v) = outcome.error_details {
        model.error_details = Set(v);
    }
    model.memory_usage_mb = Set(outcome.memory_usage_mb.or(current.memory_usage_mb));
    model.cpu_time_ms = Set(outcome.cpu_time_ms.or(current.cpu_time_ms));
    model.input_tokens = Set(outcome.input_tokens.or(current.input_tokens));
    model.output_tokens = Set(outcome.output_tokens.or(current.output_tokens));
    model.cost_usd = Set(outcome.cost_usd.or(current.cost_usd));
    model.updated_at = Set(now);
    let updated = model.update(&tx).await?;
    let task = tasks::get(&tx, cx.scope(), current.task_id).await?;
    let severity = if matches!(updated.status, ExecutionStatus::Failed | ExecutionStatus::TimedOut) {
        Severity::Error
    } else {
        Severity::Info
    };
    tx.record(Resource::Execution, id, Some(&current), Some(&updated))
        .await?
        .named(log_types::EXECUTION_FINISHED)
        .about_task(&task)
        .severity(severity)
        .payload(serde_json::json!({ "executionId": id, "status": updated.status }));
    tx.commit().await?;
    Ok(updated)
}

/// Per-agent figures of a project's executions (the seed's `task_execution_summary`).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentSummary {
    /// The agent.
    pub agent: String,
    /// Executions started.
    pub runs: i64,
    /// Executions that succeeded.
    pub successes: i64,
    /// Executions that failed or timed out.
    pub failures: i64,
    /// Mean duration of ended executions, in milliseconds.
    pub mean_duration_ms: Option<f64>,
    /// 95th percentile duration of ended executions (nearest rank), in milliseconds.
    pub p95_duration_ms: Option<i64>,
}

#[derive(FromQueryResult)]
struct Row {
    project_id: Uuid,
    agent: String,
    status: ExecutionStatus,
    duration_ms: Option<i64>,
}

/// Per-agent summaries for each of `projects` of the scope's organization, agents by name, in one
/// statement.
pub async fn summaries(
    db: &impl ConnectionTrait,
    scope: Scope,
    projects: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<AgentSummary>>> {
    let mut sql = Sql::new(
        "SELECT t.project_id, e.agent, e.status, e.duration_ms FROM task_executions e JOIN tasks t ON t.id = e.task_id \
         WHERE t.project_id IN ",
    );
    let backend = db.get_database_backend();
    Owned::of::<entity::project::Entity>().push_ids_in(&mut sql, scope, projects, backend);
    let rows = Row::find_by_statement(sql.build(backend)).all(db).await?;
    let mut grouped: HashMap<Uuid, HashMap<String, Vec<Row>>> = HashMap::new();
    for row in rows {
        grouped.entry(row.project_id).or_default().entry(row.agent.clone()).or_default().push(row);
    }
    let mut out: HashMap<Uuid, Vec<AgentSummary>> = projects.iter().map(|p| (*p, Vec::new())).collect();
    for (project, agents) in grouped {
        let mut list: Vec<AgentSummary> = agents.into_iter().map(|(agent, rows)| summarize(agent, &rows)).collect();
        list.sort_by(|a, b| a.agent.cmp(&b.agent));
        out.insert(project, list);
    }
    Ok(out)
}

fn summarize(agent: String, rows: &[Row]) -> AgentSummary {
    let mut durations: Vec<i64> = rows.iter().filter_map(|r| r.duration_ms).collect();
    durations.sort_unstable();
    let mean = (!durations.is_empty()).then(|| durations.iter().sum::<i64>() as f64 / durations.len() as f64);
    // Nearest-rank percentile: the smallest duration at or above 95% of the sorted list.
    let p95 = (!durations.is_empty()).then(|| durations[((durations.len() as f64 * 0.95).ceil() as usize).max(1) - 1]);
    AgentSummary {
        agent,
        runs: rows.len() as i64,
        successes: rows.iter().filter(|r| r.status == ExecutionStatus::Succeeded).count() as i64,
        failures: rows
            .iter()
            .filter(|r| matches!(r.status, ExecutionStatus::Failed | ExecutionStatus::TimedOut))
            .count() as i64,
        mean_duration_ms: mean,
        p95_duration_ms: p95,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_count_outcomes_and_take_the_nearest_rank_p95() {
        let rows: Vec<Row> = (1..=20)
            .map(|i| Row {
                project_id: Uuid::nil(),
                agent: "a".into(),
                status: if i % 5 == 0 { ExecutionStatus::Failed } else { ExecutionStatus::Succeeded },
                duration_ms: Some(i * 100),
            })
            .collect();
        let summary = summarize("a".into(), &rows);
        assert_eq!((summary.runs, summary.successes, summary.failures), (20, 16, 4));
        assert_eq!(summary.mean_duration_ms, Some(1050.0));
        assert_eq!(summary.p95_duration_ms, Some(1900));
    }
}

//! `TaskExecution`, `ExecutionStatus`, `AgentExecutionSummary`, and the execution inputs.

use async_graphql::{Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::task_execution;
use serde_json::Value;

use crate::{
    graphql::{
        object::{object, plain_enums},
        prefetch::{Level, Prefetch},
        to_id,
        types::payload,
    },
    work::execution::AgentSummary,
};

/// How an execution stands. All but `QUEUED` and `RUNNING` are final.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entity::task_execution::ExecutionStatus")]
pub enum ExecutionStatus {
    /// Waiting to start.
    Queued,
    /// Under way.
    Running,
    /// Finished successfully.
    Succeeded,
    /// Finished unsuccessfully.
    Failed,
    /// Stopped before finishing.
    Cancelled,
    /// Ran out of time.
    TimedOut,
}

impl Prefetch for TaskExecution {
    type Row = task_execution::Model;
    /// Executions relate to nothing further (their task is `taskId`).
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        Self::connections_ahead(level);
    }
}

plain_enums!(ExecutionStatus);

object! {
    /// One attempt by an agent at a task, with its outcome and resource figures.
    #[Object]
    impl TaskExecution(task_execution::Model) |m| {
        /// Server-generated id.
        id: ID = to_id(m.id),
        /// Id of the task.
        task_id: ID = to_id(m.task_id),
        /// Which agent, e.g. `claude-code`.
        agent: &str = &m.agent,
        /// How it stands.
        status: ExecutionStatus = m.status.into(),
        /// What the agent was given.
        input_context: Json<&Value> = Json(&m.input_context),
        /// What it produced.
        output_results: Json<&Value> = Json(&m.output_results),
        /// What went wrong.
        error_details: Json<&Value> = Json(&m.error_details),
        /// When it started.
        started_at: Option<DateTime<Utc>> = m.started_at,
        /// When it ended.
        completed_at: Option<DateTime<Utc>> = m.completed_at,
        /// Milliseconds from start to end.
        duration_ms: Option<i64> = m.duration_ms,
        /// Peak memory in MiB.
        memory_usage_mb: Option<i32> = m.memory_usage_mb,
        /// CPU time in milliseconds.
        cpu_time_ms: Option<i64> = m.cpu_time_ms,
        /// Tokens sent to the model.
        input_tokens: Option<i64> = m.input_tokens,
        /// Tokens received from the model.
        output_tokens: Option<i64> = m.output_tokens,
        /// Cost in US dollars.
        cost_usd: Option<f64> = m.cost_usd,
        /// When the execution was recorded.
        created_at: DateTime<Utc> = m.created_at,
    }
}

/// One agent's executions in a project (the seed's `task_execution_summary`).
#[derive(SimpleObject)]
pub struct AgentExecutionSummary {
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
    /// 95th-percentile duration of ended executions (nearest rank), in milliseconds.
    pub p95_duration_ms: Option<i64>,
}

impl From<AgentSummary> for AgentExecutionSummary {
    fn from(s: AgentSummary) -> Self {
        Self {
            agent: s.agent,
            runs: s.runs,
            successes: s.successes,
            failures: s.failures,
            mean_duration_ms: s.mean_duration_ms,
            p95_duration_ms: s.p95_duration_ms,
        }
    }
}

/// Input of `startTaskExecution`.
#[derive(InputObject)]
pub struct StartTaskExecutionInput {
    /// The task.
    pub task_id: ID,
    /// Which agent, e.g. `claude-code`.
    pub agent: String,
    /// What the agent is given (an object).
    pub input_context: Option<Json<Value>>,
}

/// Input of `finishTaskExecution`.
#[derive(InputObject)]
pub struct FinishTaskExecutionInput {
    /// The running execution.
    pub id: ID,
    /// How it ended; `SUCCEEDED` when omitted.
    pub status: Option<ExecutionStatus>,
    /// What it produced (an object).
    pub output_results: Option<Json<Value>>,
    /// What went wrong (an object).
    pub error_details: Option<Json<Value>>,
    /// Peak memory in MiB.
    pub memory_usage_mb: Option<i32>,
    /// CPU time in milliseconds.
    pub cpu_time_ms: Option<i64>,
    /// Tokens sent to the model.
    pub input_tokens: Option<i64>,
    /// Tokens received from the model.
    pub output_tokens: Option<i64>,
    /// Cost in US dollars.
    pub cost_usd: Option<f64>,
}

payload!(
    /// Result of `startTaskExecution`.
    StartTaskExecutionPayload {
        /// The execution as it is now.
        execution: TaskExecution
    }
);

payload!(
    /// Result of `finishTaskExecution`.
    FinishTaskExecutionPayload {
        /// The execution as it is now.
        execution: TaskExecution
    }
);

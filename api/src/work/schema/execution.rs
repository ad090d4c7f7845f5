//! `TaskExecution`, `ExecutionStatus`, `AgentExecutionSummary`, and the execution inputs.

use async_graphql::{Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::task_execution;
use serde_json::Value;

use crate::{
    graphql::{
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

/// The GraphQL object of an execution row (described on its `impl`).
pub struct TaskExecution(pub task_execution::Model);

/// Answered field by field: no plain fields are mapped (see `graphql::connection::PlainFields`).
impl crate::graphql::connection::PlainFields for TaskExecution {}

impl Prefetch for TaskExecution {
    type Row = task_execution::Model;
    /// Executions relate to nothing further (their task is `taskId`).
    fn relations(_: &mut Level<'_, '_, Self::Row>) {}
}

/// One attempt by an agent at a task, with its outcome and resource figures.
#[Object]
impl TaskExecution {
    /// Server-generated id.
    pub async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Id of the task.
    async fn task_id(&self) -> ID {
        to_id(self.0.task_id)
    }
    /// Which agent, e.g. `claude-code`.
    async fn agent(&self) -> &str {
        &self.0.agent
    }
    /// How it stands.
    async fn status(&self) -> ExecutionStatus {
        self.0.status.into()
    }
    /// What the agent was given.
    async fn input_context(&self) -> Json<&Value> {
        Json(&self.0.input_context)
    }
    /// What it produced.
    async fn output_results(&self) -> Json<&Value> {
        Json(&self.0.output_results)
    }
    /// What went wrong.
    async fn error_details(&self) -> Json<&Value> {
        Json(&self.0.error_details)
    }
    /// When it started.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    /// When it ended.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// Milliseconds from start to end.
    async fn duration_ms(&self) -> Option<i64> {
        self.0.duration_ms
    }
    /// Peak memory in MiB.
    async fn memory_usage_mb(&self) -> Option<i32> {
        self.0.memory_usage_mb
    }
    /// CPU time in milliseconds.
    async fn cpu_time_ms(&self) -> Option<i64> {
        self.0.cpu_time_ms
    }
    /// Tokens sent to the model.
    async fn input_tokens(&self) -> Option<i64> {
        self.0.input_tokens
    }
    /// Tokens received from the model.
    async fn output_tokens(&self) -> Option<i64> {
        self.0.output_tokens
    }
    /// Cost in US dollars.
    async fn cost_usd(&self) -> Option<f64> {
        self.0.cost_usd
    }
    /// When the execution was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
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

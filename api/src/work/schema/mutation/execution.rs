//! `startTaskExecution`, `finishTaskExecution`.

use async_graphql::{Context, Object};

use crate::{
    graphql::{parse_id, service_ctx},
    work::{
        execution::{self, Outcome},
        schema::execution::{
            FinishTaskExecutionInput, FinishTaskExecutionPayload, StartTaskExecutionInput, StartTaskExecutionPayload,
            TaskExecution,
        },
    },
};

/// Execution mutations.
#[derive(Default)]
pub struct ExecutionMutation;

#[Object]
impl ExecutionMutation {
    /// Records that an agent started working on a task (status `RUNNING`, started now).
    /// Errors: `NOT_FOUND` (task), `BAD_USER_INPUT`.
    async fn start_task_execution(
        &self,
        ctx: &Context<'_>,
        input: StartTaskExecutionInput,
    ) -> async_graphql::Result<StartTaskExecutionPayload> {
        let task_id = parse_id("taskId", &input.task_id)?;
        let started =
            execution::start(service_ctx(ctx)?, task_id, input.agent, input.input_context.map(|j| j.0)).await?;
        Ok(StartTaskExecutionPayload { execution: TaskExecution(started) })
    }

    /// Records how a running execution ended; its duration is the time since it started.
    /// Errors: `NOT_FOUND`, `BAD_USER_INPUT` (already ended, a status that is not final, negative figures).
    async fn finish_task_execution(
        &self,
        ctx: &Context<'_>,
        input: FinishTaskExecutionInput,
    ) -> async_graphql::Result<FinishTaskExecutionPayload> {
        let id = parse_id("id", &input.id)?;
        let outcome = Outcome {
            status: input.status.map(Into::into),
            output_results: input.output_results.map(|j| j.0),
            error_details: input.error_details.map(|j| j.0),
            memory_usage_mb: input.memory_usage_mb,
            cpu_time_ms: input.cpu_time_ms,
            input_tokens: input.input_tokens,
            output_tokens: input.output_tokens,
            cost_usd: input.cost_usd,
        };
        Ok(FinishTaskExecutionPayload {
            execution: TaskExecution(execution::finish(service_ctx(ctx)?, id, outcome).await?),
        })
    }
}

//! `WorkflowAnalytics` and its parts.

use async_graphql::SimpleObject;
use chrono::Utc;
use entity::workflow;

use crate::{
    work::schema::task::{Task, TaskStatus},
    workflows::analytics::{Analytics, Bottleneck as Found, CriticalPath as Path},
};

/// A workflow's figures at the moment they are asked for (the seed's `calculateWorkflowAnalytics`).
#[derive(SimpleObject)]
pub struct WorkflowAnalytics {
    /// Share of its tasks finished, 0 to 100 (as `Workflow.progress`).
    pub progress: f64,
    /// How many of its tasks are in each status (every status listed).
    pub task_counts: Vec<StatusCount>,
    /// Milliseconds since it started running, until it ended (or now); `null` before it started.
    pub elapsed_ms: Option<i64>,
    /// Mean milliseconds its tasks spent in each status they left, from their history (statuses
    /// never left are not listed).
    pub mean_ms_in_status: Vec<StatusDuration>,
    /// The longest chain of `BLOCKS` dependencies among its tasks.
    pub critical_path: CriticalPath,
    /// Its unfinished tasks that others wait on, most waited on first, then longest waiting (at most
    /// 100).
    pub bottlenecks: Vec<Bottleneck>,
    /// Succeeded executions of its tasks over finished ones, 0 to 1; `null` before any finished.
    pub execution_success_rate: Option<f64>,
    /// Input tokens of its tasks' executions.
    pub input_tokens: i64,
    /// Output tokens of its tasks' executions.
    pub output_tokens: i64,
    /// Cost of its tasks' executions, in US dollars.
    pub cost_usd: f64,
}

/// A number of tasks in one status.
#[derive(SimpleObject)]
pub struct StatusCount {
    /// The status.
    pub status: TaskStatus,
    /// How many tasks.
    pub count: i64,
}

/// A mean time spent in one status.
#[derive(SimpleObject)]
pub struct StatusDuration {
    /// The status.
    pub status: TaskStatus,
    /// Mean milliseconds.
    pub ms: f64,
}

/// The heaviest chain of tasks, each blocking the next.
#[derive(SimpleObject)]
pub struct CriticalPath {
    /// Its tasks, the first blocker first.
    pub tasks: Vec<Task>,
    /// The sum of their estimated hours (those that have one).
    pub estimated_hours: f64,
    /// Its weight: its estimated hours when every task of the workflow has them, else its number of
    /// tasks.
    pub length: f64,
}

/// An unfinished task that others wait on.
#[derive(SimpleObject)]
pub struct Bottleneck {
    /// The task.
    pub task: Task,
    /// How many unfinished tasks of the workflow wait on it, directly or through others.
    pub waiting_tasks: i64,
    /// Milliseconds since it entered its current status: how long it has held them.
    pub waiting_ms: i64,
}

impl WorkflowAnalytics {
    /// The figures of `workflow` from what the database gave.
    pub fn new(workflow: &workflow::Model, analytics: Analytics) -> Self {
        let elapsed_ms = workflow
            .started_at
            .map(|start| (workflow.completed_at.unwrap_or_else(Utc::now) - start).num_milliseconds().max(0));
        let Path { tasks, estimated_hours, length } = analytics.critical_path;
        Self {
            progress: workflow.progress,
            task_counts: analytics
                .task_counts
                .into_iter()
                .map(|(status, count)| StatusCount { status: status.into(), count })
                .collect(),
            elapsed_ms,
            mean_ms_in_status: analytics
                .mean_ms_in_status
                .into_iter()
                .map(|(status, ms)| StatusDuration { status: status.into(), ms })
                .collect(),
            critical_path: CriticalPath { tasks: tasks.into_iter().map(Task).collect(), estimated_hours, length },
            bottlenecks: analytics
                .bottlenecks
                .into_iter()
                .map(|Found { task, waiting_tasks, waiting_ms }| Bottleneck {
                    task: Task(task),
                    waiting_tasks,
                    waiting_ms,
                })
                .collect(),
            execution_success_rate: analytics.execution_success_rate,
            input_tokens: analytics.input_tokens,
            output_tokens: analytics.output_tokens,
            cost_usd: analytics.cost_usd,
        }
    }
}

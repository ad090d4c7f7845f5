//! `calculateWorkflowAnalytics`: progress, counts by status, elapsed time, mean time in each task
//! status, the critical path, bottlenecks, and the figures of the workflow's executions. For any number
//! of workflows, four statements: their tasks, the `BLOCKS` dependencies among them, their tasks'
//! transitions, and their executions summed by the database; the graph work is one pass in Rust.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    task::{self, TaskStatus},
    task_dependency::{self, DependencyKind},
    task_execution::{self, ExecutionStatus},
    task_state_transition, workflow,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, Iterable, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, Func, Query},
};
use uuid::Uuid;

use crate::{
    error::ApiResult,
    service::{Scope, tenant},
    work::task::FINISHED,
};

/// The longest chain of `BLOCKS` dependencies inside a workflow.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CriticalPath {
    /// Its tasks, the first blocker first.
    pub tasks: Vec<task::Model>,
    /// The sum of their estimated hours (those that have one).
    pub estimated_hours: f64,
    /// Its weight: the estimated hours when every task of the workflow has them, else its number of
    /// tasks.
    pub length: f64,
}

/// An unfinished task that others wait on.
#[derive(Clone, Debug, PartialEq)]
pub struct Bottleneck {
    /// The task.
    pub task: task::Model,
    /// How many unfinished tasks of the workflow wait on it, directly or transitively.
    pub waiting_tasks: i64,
    /// How long it has held them: milliseconds since it entered its current status.
    pub waiting_ms: i64,
}

/// What the database gives of one workflow's tasks, before the workflow's own row is added.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analytics {
    /// Tasks in each status, every status present.
    pub task_counts: Vec<(TaskStatus, i64)>,
    /// Mean milliseconds tasks spent in each status they left, for the statuses left at least once.
    pub mean_ms_in_status: Vec<(TaskStatus, f64)>,
    /// The critical path (empty without tasks).
    pub critical_path: CriticalPath,
    /// At most [`MAX_BOTTLENECKS`] bottlenecks, most waited on first, then longest waiting.
    pub bottlenecks: Vec<Bottleneck>,
    /// Succeeded executions over finished ones (succeeded, failed, timed out, cancelled); `None`
    /// before any finished.
    pub execution_success_rate: Option<f64>,
    /// Input tokens of all executions.
    pub input_tokens: i64,
    /// Output tokens of all executions.
    pub output_tokens: i64,
    /// Cost of all executions, in US dollars.
    pub cost_usd: f64,
}

impl Analytics {
    /// The tasks it holds: the critical path's, then the bottlenecks'.
    pub fn tasks(&self) -> Vec<task::Model> {
        let path = self.critical_path.tasks.iter();
        path.chain(self.bottlenecks.iter().map(|b| &b.task)).cloned().collect()
    }
}

/// The most bottlenecks an analysis lists.
pub const MAX_BOTTLENECKS: usize = 100;

/// One transition of a task, as analytics reads it.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Transition {
    /// The task.
    pub task_id: Uuid,
    /// The status left (`None` at creation).
    pub from_status: Option<TaskStatus>,
    /// Milliseconds spent in it.
    pub duration_ms: Option<i64>,
    /// When.
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, FromQueryResult)]
struct ExecutionSums {
    workflow_id: Uuid,
    status: ExecutionStatus,
    runs: i64,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cost_usd: Option<f64>,
}

/// The analytics of each of `workflows` (of the scope's organization): four statements whatever
/// their number.
pub async fn analytics_of(
    db: &impl ConnectionTrait,
    scope: Scope,
    workflows: &[Uuid],
) -> ApiResult<HashMap<Uuid, Analytics>> {
    let owned = || tenant::Owned::of::<workflow::Entity>().ids_among(scope, workflows);
    let tasks = task::Entity::find()
        .filter(task::Column::WorkflowId.in_subquery(owned()))
        .order_by_asc(task::Column::Id)
        .all(db)
        .await?;
    let of_workflows = || {
        Query::select()
            .column(task::Column::Id)
            .from(task::Entity)
            .and_where(task::Column::WorkflowId.in_subquery(owned()))
            .to_owned()
    };
    let edges = task_dependency::Entity::find()
        .filter(task_dependency::Column::TaskId.in_subquery(of_workflows()))
        .filter(task_dependency::Column::Kind.eq(DependencyKind::Blocks))
        .all(db)
        .await?;
    let transitions = task_state_transition::Entity::find()
        .select_only()
        .columns([
            task_state_transition::Column::TaskId,
            task_state_transition::Column::FromStatus,
            task_state_transition::Column::DurationMs,
            task_state_transition::Column::CreatedAt,
        ])
        .filter(task_state_transition::Column::TaskId.in_subquery(of_workflows()))
        .into_model::<Transition>()
        .all(db)
        .await?;
    let sums = execution_sums(db, owned()).await?;

    let now = Utc::now();
    let mut tasks_of: HashMap<Uuid, Vec<task::Model>> = workflows.iter().map(|w| (*w, Vec::new())).collect();
    let workflow_of: HashMap<Uuid, Uuid> = tasks.iter().filter_map(|t| Some((t.id, t.workflow_id?))).collect();
    for task in tasks {
        if let Some(workflow) = task.workflow_id {
            tasks_of.entry(workflow).or_default().push(task);
        }
    }
    let mut edges_of: HashMap<Uuid, Vec<(Uuid, Uuid)>> = HashMap::new();
    for edge in edges {
        // Only edges inside one workflow make its paths.
        if let (Some(a), Some(b)) = (workflow_of.get(&edge.task_id), workflow_of.get(&edge.depends_on_id))
            && a == b
        {
            edges_of.entry(*a).or_default().push((edge.task_id, edge.depends_on_id));
        }
    }
    let mut transitions_of: HashMap<Uuid, Vec<Transition>> = HashMap::new();
    for transition in transitions {
        if let Some(workflow) = workflow_of.get(&transition.task_id) {
            transitions_of.entry(*workflow).or_default().push(transition);
        }
    }
    let mut out = HashMap::new();
    for (workflow, tasks) in tasks_of {
        let edges = edges_of.remove(&workflow).unwrap_or_default();
        let transitions = transitions_of.remove(&workflow).unwrap_or_default();
        let mut analytics = analyze(tasks, &edges, &transitions, now);
        add_executions(&mut analytics, sums.iter().filter(|s| s.workflow_id == workflow));
        out.insert(workflow, analytics);
    }
    Ok(out)
}

/// Executions of the workflows' tasks, counted and summed per workflow and status by the database.
async fn execution_sums(
    db: &impl ConnectionTrait,
    workflows: sea_orm::sea_query::SelectStatement,
) -> ApiResult<Vec<ExecutionSums>> {
    use sea_orm::sea_query::ExprTrait;
    let e = |column: task_execution::Column| Expr::col((task_execution::Entity, column));
    let t = |column: task::Column| Expr::col((task::Entity, column));
    // Cast, so that both databases return a 64-bit integer (PostgreSQL sums bigints as numeric).
    let sum = |column| Func::cast_as(Func::sum(e(column)), "BIGINT");
    let select = Query::select()
        .expr_as(t(task::Column::WorkflowId), "workflow_id")
        .expr_as(e(task_execution::Column::Status), "status")
        .expr_as(Func::count(e(task_execution::Column::Id)), "runs")
        .expr_as(sum(task_execution::Column::InputTokens), "input_tokens")
        .expr_as(sum(task_execution::Column::OutputTokens), "output_tokens")
        .expr_as(Func::sum(e(task_execution::Column::CostUsd)), "cost_usd")
        .from(task_execution::Entity)
        .inner_join(task::Entity, t(task::Column::Id).equals((task_execution::Entity, task_execution::Column::TaskId)))
        .and_where(t(task::Column::WorkflowId).in_subquery(workflows))
        .group_by_col((task::Entity, task::Column::WorkflowId))
        .group_by_col((task_execution::Entity, task_execution::Column::Status))
        .to_owned();
    let statement = db.get_database_backend().build(&select);
    Ok(ExecutionSums::find_by_statement(statement).all(db).await?)
}

fn add_executions<'a>(analytics: &mut Analytics, sums: impl Iterator<Item = &'a ExecutionSums>) {
    let (mut succeeded, mut finished) = (0, 0);
    for sum in sums {
        analytics.input_tokens += sum.input_tokens.unwrap_or(0);
        analytics.output_tokens += sum.output_tokens.unwrap_or(0);
        analytics.cost_usd += sum.cost_usd.unwrap_or(0.0);
        match sum.status {
            ExecutionStatus::Succeeded => {
                succeeded += sum.runs;
                finished += sum.runs;
            }
            ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Cancelled => finished += sum.runs,
            ExecutionStatus::Queued | ExecutionStatus::Running => {}
        }
    }
    analytics.execution_success_rate = (finished > 0).then(|| succeeded as f64 / finished as f64);
}

/// The analytics of one workflow's `tasks`, given the `BLOCKS` edges among them (task, blocker) and
/// their transitions, at `now` (executions are added apart).
pub fn analyze(
    tasks: Vec<task::Model>,
    edges: &[(Uuid, Uuid)],
    transitions: &[Transition],
    now: DateTime<Utc>,
) -> Analytics {
    let task_counts = TaskStatus::iter().map(|s| (s, tasks.iter().filter(|t| t.status == s).count() as i64)).collect();
    let mut spent: HashMap<TaskStatus, (f64, u32)> = HashMap::new();
    let mut since: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
    for transition in transitions {
        if let (Some(from), Some(ms)) = (transition.from_status, transition.duration_ms) {
            let entry = spent.entry(from).or_default();
            entry.0 += ms as f64;
            entry.1 += 1;
        }
        let latest = since.entry(transition.task_id).or_insert(transition.created_at);
        *latest = (*latest).max(transition.created_at);
    }
    let mean_ms_in_status =
        TaskStatus::iter().filter_map(|s| spent.get(&s).map(|(total, n)| (s, total / f64::from(*n)))).collect();

    let index: HashMap<Uuid, usize> = tasks.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    let mut blockers: Vec<Vec<usize>> = vec![Vec::new(); tasks.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); tasks.len()];
    for (task, blocker) in edges {
        if let (Some(&t), Some(&b)) = (index.get(task), index.get(blocker)) {
            blockers[t].push(b);
            dependents[b].push(t);
        }
    }
    let critical_path = critical_path(&tasks, &blockers, &dependents);

    let unfinished = |i: usize| !FINISHED.contains(&tasks[i].status);
    let mut bottlenecks: Vec<(usize, i64, i64)> = (0..tasks.len())
        .filter(|&i| unfinished(i))
        .filter_map(|i| {
            let waiting = reachable(i, &dependents).into_iter().filter(|&j| unfinished(j)).count() as i64;
            let entered = since.get(&tasks[i].id).copied().unwrap_or(tasks[i].created_at);
            (waiting > 0).then(|| (i, waiting, (now - entered).num_milliseconds().max(0)))
        })
        .collect();
    bottlenecks.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(tasks[a.0].id.cmp(&tasks[b.0].id)));
    bottlenecks.truncate(MAX_BOTTLENECKS);
    let bottlenecks = bottlenecks
        .into_iter()
        .map(|(i, waiting_tasks, waiting_ms)| Bottleneck { task: tasks[i].clone(), waiting_tasks, waiting_ms })
        .collect();
    Analytics { task_counts, mean_ms_in_status, critical_path, bottlenecks, ..Analytics::default() }
}

/// The tasks reachable from `start` along `next` (not `start` itself).
fn reachable(start: usize, next: &[Vec<usize>]) -> HashSet<usize> {
    let mut seen = HashSet::new();
    let mut stack = next[start].clone();
    while let Some(node) = stack.pop() {
        if seen.insert(node) {
            stack.extend(next[node].iter().copied());
        }
    }
    seen
}

/// The heaviest chain blocker → dependent (tasks weighted by estimated hours when all have them, else
/// 1 each), by dynamic programming in topological order (the graph has no cycle: they are refused).
/// Ties go to the chain ending at the earliest task, then to the earliest blocker.
fn critical_path(tasks: &[task::Model], blockers: &[Vec<usize>], dependents: &[Vec<usize>]) -> CriticalPath {
    if tasks.is_empty() {
        return CriticalPath::default();
    }
    let weighted = tasks.iter().all(|t| t.estimated_hours.is_some());
    let weight = |i: usize| if weighted { tasks[i].estimated_hours.unwrap_or(0.0) } else { 1.0 };
    let mut pending: Vec<usize> = blockers.iter().map(Vec::len).collect();
    let mut ready: Vec<usize> = (0..tasks.len()).filter(|&i| pending[i] == 0).collect();
    let mut best: Vec<f64> = vec![0.0; tasks.len()];
    let mut from: Vec<Option<usize>> = vec![None; tasks.len()];
    while let Some(i) = ready.pop() {
        let previous = blockers[i].iter().copied().max_by(|a, b| best[*a].total_cmp(&best[*b]).then(b.cmp(a)));
        best[i] = weight(i) + previous.map_or(0.0, |p| best[p]);
        from[i] = previous;
        for &d in &dependents[i] {
            pending[d] -= 1;
            if pending[d] == 0 {
                ready.push(d);
            }
        }
    }
    let end = (0..tasks.len()).max_by(|a, b| best[*a].total_cmp(&best[*b]).then(b.cmp(a))).unwrap_or(0);
    let mut chain = vec![end];
    while let Some(previous) = from[*chain.last().unwrap_or(&end)] {
        chain.push(previous);
    }
    chain.reverse();
    CriticalPath {
        estimated_hours: chain.iter().filter_map(|&i| tasks[i].estimated_hours).sum(),
        length: best[end],
        tasks: chain.into_iter().map(|i| tasks[i].clone()).collect(),
    }
}

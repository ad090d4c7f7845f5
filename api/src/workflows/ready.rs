//! What runs next in a workflow (`Workflow.readyTasks`): pending tasks whose scheduled time has come,
//! of a workflow that is a draft or running, chosen by its kind:
//!
//! - `SEQUENTIAL`: the first unfinished task in phase order, then position (then creation), and only
//!   when it is pending: one at a time;
//! - `PARALLEL`: every pending task of the earliest phase that has unfinished tasks (tasks without a
//!   phase come after every phase);
//! - `DAG`: every pending task whose `BLOCKS` dependencies are done.
//!
//! Most urgent first, then earliest scheduled (an unscheduled task counts from its creation), then
//! position. One statement for all the workflows of a level, like every child list.

use entity::{
    task::{self, TaskStatus},
    workflow::{self, WorkflowKind, WorkflowStatus},
    workflow_phase,
};
use sea_orm::{
    ActiveEnum, DbBackend, Order,
    sea_query::{CaseStatement, Expr, ExprTrait, Func, Query, SelectStatement},
};

use crate::{
    service::page::{Col, Cond, Filter, List, Predicate},
    work::task::{DUE, FINISHED, priority_rank, status_name, unblocked},
    workflows::workflow::TASKS_OF_WORKFLOW,
};

/// A workflow's tasks that may start now, in the order to start them. Pages forward only.
pub static READY_TASKS: List = List::new(|| TASKS_OF_WORKFLOW.clone().ordered_by(ready_order));

fn ready_order() -> Vec<(Expr, Order)> {
    let t = |column| Expr::col((task::Entity, column));
    vec![
        (priority_rank(), Order::Desc),
        (Func::coalesce([t(task::Column::ScheduledAt), t(task::Column::CreatedAt)]).into(), Order::Asc),
        (Func::coalesce([t(task::Column::Position), Expr::val(i32::MAX)]).into(), Order::Asc),
    ]
}

/// The filter of [`READY_TASKS`].
pub fn ready_filter() -> Filter {
    Filter::default()
        .with(Cond::In(Col::of(task::Column::Status), vec![status_name(TaskStatus::Pending)]))
        .with(Cond::Holds(&DUE, String::new()))
        .with(Cond::Holds(&BY_KIND, String::new()))
}

/// The task may start by its workflow's kind and status (see the module); no argument.
pub static BY_KIND: Predicate = Predicate { name: "workflow.ready_by_kind", render: by_kind };

/// Aliases of the statement's inner tables (the listed `tasks` is named by its table).
const WORKFLOW: &str = "ready_workflow";
const OTHER: &str = "ready_other";

fn by_kind(backend: DbBackend, _: &str) -> Expr {
    let wf = |column: workflow::Column| Expr::col((WORKFLOW, column));
    let kind = |k: WorkflowKind| wf(workflow::Column::Kind).eq(k.to_value());
    // A CASE, not ORs: the database then runs only the kind's own subqueries (with ORs, PostgreSQL
    // pushed all three kinds' tests down to every task, measured at 2.6 ms of database CPU per read).
    let by_kind: Expr = CaseStatement::new()
        .case(kind(WorkflowKind::Dag), unblocked(backend, ""))
        .case(kind(WorkflowKind::Parallel), phase_rank(task_table()).eq(earliest_unfinished_phase()))
        .finally(Expr::not_exists(unfinished_before()))
        .into();
    let open = [WorkflowStatus::Draft, WorkflowStatus::Running].map(|s| s.to_value());
    let mut workflow = Query::select();
    workflow
        .expr(Expr::val(1))
        .from_as(workflow::Entity, WORKFLOW)
        .and_where(wf(workflow::Column::Id).equals((task::Entity, task::Column::WorkflowId)))
        .and_where(wf(workflow::Column::Status).is_in(open))
        .and_where(by_kind);
    Expr::exists(workflow)
}

/// The listed table's name, for [`phase_rank`].
fn task_table() -> &'static str {
    Col::of(task::Column::Id).table()
}

/// The position of the phase of the task row named `table` (past every phase when it has none).
fn phase_rank(table: &'static str) -> Expr {
    let mut position = Query::select();
    position.column(workflow_phase::Column::Position).from(workflow_phase::Entity).and_where(
        Expr::col((workflow_phase::Entity, workflow_phase::Column::Id)).equals((table, task::Column::PhaseId)),
    );
    Func::coalesce([Expr::SubQuery(None, Box::new(position.into())), Expr::val(i32::MAX)]).into()
}

/// The workflow's other tasks that are not finished.
fn unfinished_others() -> SelectStatement {
    let finished: Vec<String> = FINISHED.iter().map(|s| status_name(*s)).collect();
    Query::select()
        .expr(Expr::val(1))
        .from_as(task::Entity, OTHER)
        .and_where(Expr::col((OTHER, task::Column::WorkflowId)).equals((task::Entity, task::Column::WorkflowId)))
        .and_where(Expr::col((OTHER, task::Column::Status)).is_not_in(finished))
        .to_owned()
}

/// The lowest phase rank among the workflow's unfinished tasks.
fn earliest_unfinished_phase() -> Expr {
    let mut earliest = unfinished_others();
    earliest.clear_selects();
    earliest.expr(Func::min(phase_rank(OTHER)));
    Expr::SubQuery(None, Box::new(earliest.into()))
}

/// The workflow's unfinished tasks that come before the listed one (phase, position, creation).
fn unfinished_before() -> SelectStatement {
    let position = |table: &'static str| -> Expr {
        Func::coalesce([Expr::col((table, task::Column::Position)), Expr::val(i32::MAX)]).into()
    };
    let id = |table: &'static str| Expr::col((table, task::Column::Id));
    let (mine, other) = (task_table(), OTHER);
    let before = phase_rank(other).lt(phase_rank(mine)).or(phase_rank(other)
        .eq(phase_rank(mine))
        .and(position(other).lt(position(mine)).or(position(other).eq(position(mine)).and(id(other).lt(id(mine))))));
    let mut select = unfinished_others();
    select.and_where(before);
    select
}

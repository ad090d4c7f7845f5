//! Which tasks to list: a project's tasks by filter, by priority, the ready-to-run ones, and
//! per-status counts.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::task::{self, TaskPriority, TaskStatus};
use entity::task_dependency::{self, DependencyKind};
use sea_orm::{
    ActiveEnum, ConnectionTrait, DbBackend, JoinType,
    sea_query::{CaseStatement, Expr, ExprTrait, Func, Query},
};
use uuid::Uuid;

use crate::{
    error::{ApiError, ApiResult},
    service::{
        Ctx, Scope,
        page::{self, Col, Cond, Filter, List, Page, PageArgs, Predicate},
    },
    work::task::{FINISHED, TASKS_OF_PROJECT, status_name},
};

/// Which of a project's tasks to list; every given condition must hold.
#[derive(Clone, Debug, Default)]
pub struct TaskQuery {
    /// One of these statuses.
    pub status: Option<Vec<TaskStatus>>,
    /// One of these priorities.
    pub priority: Option<Vec<TaskPriority>>,
    /// One of these Task Master tags.
    pub tag: Option<Vec<String>>,
    /// Holds every one of these labels.
    pub labels: Option<Vec<String>>,
    /// `Some(true)`: top-level tasks only; `Some(false)`: subtasks only.
    pub parent_is_null: Option<bool>,
    /// Created at or after.
    pub created_since: Option<DateTime<Utc>>,
    /// Created before.
    pub created_before: Option<DateTime<Utc>>,
    /// Words that must all appear in the title, description or details.
    pub search: Option<String>,
    /// Of this project.
    pub project_id: Option<Uuid>,
    /// In this workflow.
    pub workflow_id: Option<Uuid>,
    /// Assigned to this member.
    pub assignee_id: Option<Uuid>,
    /// Assigned to this agent.
    pub assigned_agent: Option<String>,
    /// Scheduled before this instant.
    pub scheduled_before: Option<DateTime<Utc>>,
}

impl TaskQuery {
    /// The list filter. Errors: `BAD_USER_INPUT` (a search without words).
    pub fn filter(&self) -> ApiResult<Filter> {
        let mut filter = Filter::default();
        if let Some(statuses) = &self.status {
            filter = filter
                .with(Cond::In(Col::of(task::Column::Status), statuses.iter().map(|s| status_name(*s)).collect()));
        }
        if let Some(priorities) = &self.priority {
            filter = filter
                .with(Cond::In(Col::of(task::Column::Priority), priorities.iter().map(|p| p.to_value()).collect()));
        }
        if let Some(tags) = &self.tag {
            filter = filter.with(Cond::In(Col::of(task::Column::Tag), tags.clone()));
        }
        if let Some(labels) = &self.labels {
            filter = filter.with(Cond::JsonContainsAll(Col::of(task::Column::Tags), labels.clone()));
        }
        if let Some(null) = self.parent_is_null {
            filter = filter.with(Cond::IsNull(Col::of(task::Column::ParentId), null));
        }
        if let Some(at) = self.created_since {
            filter = filter.with(Cond::Since(Col::of(task::Column::CreatedAt), at, true));
        }
        if let Some(at) = self.created_before {
            filter = filter.with(Cond::Since(Col::of(task::Column::CreatedAt), at, false));
        }
        if let Some(search) = &self.search {
            if search.split_whitespace().next().is_none() {
                return Err(ApiError::bad_input("`search` needs at least one word"));
            }
            filter = filter.with(Cond::Holds(&SEARCH, search.clone()));
        }
        for (column, id) in [
            (task::Column::ProjectId, self.project_id),
            (task::Column::WorkflowId, self.workflow_id),
            (task::Column::AssigneeId, self.assignee_id),
        ] {
            if let Some(id) = id {
                filter = filter.with(Cond::EqId(Col::of(column), id));
            }
        }
        if let Some(agent) = &self.assigned_agent {
            filter = filter.with(Cond::Eq(Col::of(task::Column::AssignedAgent), agent.clone()));
        }
        if let Some(at) = self.scheduled_before {
            filter = filter.with(Cond::Since(Col::of(task::Column::ScheduledAt), at, false));
        }
        Ok(filter)
    }
}

/// Full-text match of the task search index (PostgreSQL `tsvector`, SQLite FTS5): every word of the
/// argument.
pub static SEARCH: Predicate = Predicate { name: "task.search", render: search };

fn search(backend: DbBackend, text: &str) -> Expr {
    if backend == DbBackend::Postgres {
        // `search` is a generated `tsvector` column of the migration, not a field of the entity.
        Expr::cust_with_exprs(
            "$1 @@ plainto_tsquery('english', $2)",
            [Expr::col((task::Entity, "search")), Expr::val(text.to_owned())],
        )
    } else {
        let matching = Query::select()
            .column("rowid")
            .from("tasks_fts")
            // sea-query's SQLite placeholder is `?`.
            .and_where(Expr::cust_with_values("tasks_fts MATCH ?", [fts5_query(text)]))
            .to_owned();
        Expr::col((task::Entity, "rowid")).in_subquery(matching)
    }
}

/// Turns free text into an FTS5 query that matches every word: each word is quoted, so that FTS5
/// operators in user input are taken literally.
fn fts5_query(text: &str) -> String {
    let words: Vec<String> = text.split_whitespace().map(|w| format!("\"{}\"", w.replace('"', "\"\""))).collect();
    if words.is_empty() { "\"\"".to_owned() } else { words.join(" ") }
}

/// The task has no unfinished `blocks` dependency (every one is `done`); no argument.
pub static UNBLOCKED: Predicate = Predicate { name: "task.unblocked", render: unblocked };

/// The condition of [`UNBLOCKED`].
pub fn unblocked(_: DbBackend, _: &str) -> Expr {
    let open_blocker = Query::select()
        .expr(Expr::val(1))
        .from_as(task_dependency::Entity, "blocker_link")
        .join_as(
            JoinType::InnerJoin,
            task::Entity,
            "blocker",
            Expr::col(("blocker", task::Column::Id)).equals(("blocker_link", task_dependency::Column::DependsOnId)),
        )
        .and_where(
            Expr::col(("blocker_link", task_dependency::Column::TaskId)).equals((task::Entity, task::Column::Id)),
        )
        .and_where(Expr::col(("blocker_link", task_dependency::Column::Kind)).eq(DependencyKind::Blocks.to_value()))
        .and_where(Expr::col(("blocker", task::Column::Status)).ne(status_name(TaskStatus::Done)))
        .to_owned();
    Expr::not_exists(open_blocker)
}

/// The task is not scheduled, or its time has come (`scheduled_at` null or not after now); no argument.
pub static DUE: Predicate = Predicate { name: "task.due", render: due };

fn due(_: DbBackend, _: &str) -> Expr {
    let at = || Expr::col((task::Entity, task::Column::ScheduledAt));
    at().is_null().or(at().lte(Utc::now()))
}

/// Unfinished statuses, as stored.
pub fn unfinished() -> Vec<String> {
    use sea_orm::Iterable;
    TaskStatus::iter().filter(|s| !FINISHED.contains(s)).map(status_name).collect()
}

/// A task's priority as a number, most urgent highest.
pub fn priority_rank() -> Expr {
    let priority = || Expr::col((task::Entity, task::Column::Priority));
    let rank = CaseStatement::new()
        .case(priority().eq(TaskPriority::Critical.to_value()), 4i64)
        .case(priority().eq(TaskPriority::High.to_value()), 3i64)
        .case(priority().eq(TaskPriority::Medium.to_value()), 2i64)
        .finally(1i64);
    // Cast, so that both databases return a 64-bit integer.
    Func::cast_as(rank, "BIGINT").into()
}

/// A project's tasks, most urgent first, then oldest. Pages forward only.
pub static TASKS_BY_PRIORITY: List = List::new(|| TASKS_OF_PROJECT.clone().ranked(priority_rank));

/// Pending tasks of a project whose `blocks` dependencies are all done and whose scheduled time (if
/// any) has come, most urgent first, then oldest: the next work to hand out (the seed's ready-to-run
/// query). Pages forward only.
pub static READY_TASKS: List = List::new(|| TASKS_BY_PRIORITY.clone());

/// The filter of [`READY_TASKS`], optionally of one tag.
pub fn ready_filter(tag: Option<String>) -> Filter {
    let filter = Filter::default()
        .with(Cond::In(Col::of(task::Column::Status), vec![status_name(TaskStatus::Pending)]))
        .with(Cond::Holds(&UNBLOCKED, String::new()))
        .with(Cond::Holds(&DUE, String::new()));
    match tag {
        Some(tag) => filter.with(Cond::Eq(Col::of(task::Column::Tag), tag)),
        None => filter,
    }
}

/// One page of the organization's tasks (of every project) narrowed by `query`, oldest first.
pub async fn list(
    cx: Ctx<'_>,
    query: &TaskQuery,
    args: &PageArgs,
    fields: &page::Fields,
) -> ApiResult<Page<task::Model>> {
    page::page(cx.reads, cx.scope(), &TASKS_OF_PROJECT, &query.filter()?, args, fields).await
}

/// How many of the organization's tasks `query` keeps.
pub async fn count(cx: Ctx<'_>, query: &TaskQuery) -> ApiResult<i64> {
    page::count(cx.reads, cx.scope(), &TASKS_OF_PROJECT, &query.filter()?).await
}

/// Tasks per status for each of `projects`, every status present.
pub async fn counts_by_status(
    db: &impl ConnectionTrait,
    scope: Scope,
    projects: &[Uuid],
) -> ApiResult<HashMap<Uuid, Vec<(TaskStatus, i64)>>> {
    page::counts_by_parent_and_enum(db, scope, &TASKS_OF_PROJECT, projects, Col::of(task::Column::Status)).await
}

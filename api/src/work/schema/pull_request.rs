//! `PullRequest`, its enums, and the pull-request inputs and payloads.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::pull_request;
use serde_json::Value;

use crate::{
    graphql::{
        connection::{Conn, page_args},
        loaders::TasksOfPullRequest,
        prefetch::{Level, Prefetch, field},
        relations::child_connection,
        to_id,
        types::payload,
    },
    service::page::Filter,
    work::{pull_request as prs, schema::task::Task},
};

/// Where a pull request stands.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entity::pull_request::PullRequestStatus")]
pub enum PullRequestStatus {
    /// Not ready for review.
    Draft,
    /// Open for review.
    Open,
    /// Merged.
    Merged,
    /// Closed without merging.
    Closed,
    /// Has merge conflicts.
    Conflict,
}

/// Overall result of a pull request's validation checks.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum ValidationStatus {
    /// No results recorded.
    None,
    /// Some check has not finished.
    Pending,
    /// Every check passed.
    Passed,
    /// Some check failed.
    Failed,
}

/// The GraphQL object of a pull request row (described on its `impl`).
pub struct PullRequest(pub pull_request::Model);

/// Answered field by field: no plain fields are mapped (see `graphql::connection::PlainFields`).
impl crate::graphql::connection::PlainFields for PullRequest {}

/// A pull request of a project, the tasks it carries, and its validation.
#[Object]
impl PullRequest {
    /// Server-generated id.
    pub async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// Id of the project.
    async fn project_id(&self) -> ID {
        to_id(self.0.project_id)
    }
    /// Number in the repository.
    async fn number(&self) -> Option<i32> {
        self.0.number
    }
    /// Repository URL.
    async fn repository_url(&self) -> &str {
        &self.0.repository_url
    }
    /// Source branch.
    async fn branch(&self) -> &str {
        &self.0.branch
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Where it stands.
    async fn status(&self) -> PullRequestStatus {
        self.0.status.into()
    }
    /// Validation results as recorded: `{"checks": [{"name", "status"}]}` or `{"status"}`.
    async fn validation_results(&self) -> Json<&Value> {
        Json(&self.0.validation_results)
    }
    /// Overall validation: any failed check fails, else any unfinished one is pending (the seed's
    /// `pr_validation_status`).
    async fn validation_status(&self) -> ValidationStatus {
        match prs::validation(&self.0.validation_results) {
            prs::Validation::None => ValidationStatus::None,
            prs::Validation::Pending => ValidationStatus::Pending,
            prs::Validation::Passed => ValidationStatus::Passed,
            prs::Validation::Failed => ValidationStatus::Failed,
        }
    }
    /// When it was merged.
    async fn merged_at(&self) -> Option<DateTime<Utc>> {
        self.0.merged_at
    }
    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The tasks it carries.
    #[graphql(complexity = "crate::graphql::limits::page_complexity(first.or(last), child_complexity)")]
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Task>> {
        let args = page_args(first, after, last, before)?;
        child_connection::<TasksOfPullRequest, _>(ctx, self.0.id, Filter::default(), args, Task).await
    }
}

impl Prefetch for PullRequest {
    type Row = pull_request::Model;
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        level.connection::<TasksOfPullRequest, Task>(&field!(Self, tasks), |pr| pr.id, |_| Ok(Some(Filter::default())));
    }
}

/// Input of `createPullRequest`.
#[derive(InputObject)]
pub struct CreatePullRequestInput {
    /// The project.
    pub project_id: ID,
    /// Number in the repository.
    pub number: Option<i32>,
    /// Repository URL.
    pub repository_url: String,
    /// Source branch.
    pub branch: String,
    /// Title.
    pub title: String,
    /// Status; `DRAFT` when omitted.
    pub status: Option<PullRequestStatus>,
    /// Validation results (an object).
    pub validation_results: Option<Json<Value>>,
}

/// Input of `updatePullRequest`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdatePullRequestInput {
    /// The pull request.
    pub id: ID,
    /// New number.
    pub number: Option<i32>,
    /// New repository URL.
    pub repository_url: Option<String>,
    /// New branch.
    pub branch: Option<String>,
    /// New title.
    pub title: Option<String>,
    /// New status; `MERGED` records `mergedAt`.
    pub status: Option<PullRequestStatus>,
    /// New validation results (replace the old ones).
    pub validation_results: Option<Json<Value>>,
}

/// Input of `deletePullRequest`.
#[derive(InputObject)]
pub struct DeletePullRequestInput {
    /// The pull request.
    pub id: ID,
}

/// Input of `linkPullRequest` and `unlinkPullRequest`.
#[derive(InputObject)]
pub struct PullRequestLinkInput {
    /// The task.
    pub task_id: ID,
    /// The pull request (same project).
    pub pull_request_id: ID,
}

payload!(
    /// Result of `createPullRequest`.
    CreatePullRequestPayload {
        /// The pull request as it is now.
        pull_request: PullRequest
    }
);

payload!(
    /// Result of `updatePullRequest`.
    UpdatePullRequestPayload {
        /// The pull request as it is now.
        pull_request: PullRequest
    }
);

payload!(
    /// Result of `linkPullRequest`.
    LinkPullRequestPayload {
        /// The pull request as it is now.
        pull_request: PullRequest
    }
);

payload!(
    /// Result of `unlinkPullRequest`.
    UnlinkPullRequestPayload {
        /// The pull request as it is now.
        pull_request: PullRequest
    }
);

/// Result of `deletePullRequest`.
#[derive(SimpleObject)]
pub struct DeletePullRequestPayload {
    /// Id of the deleted pull request.
    pub deleted_id: ID,
}

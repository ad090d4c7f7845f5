//! `PullRequest`, its enums, and the pull-request inputs and payloads.

use async_graphql::{Enum, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::pull_request;
use serde_json::Value;

use crate::{
    graphql::{
        object::{object, plain_enums},
        prefetch::{Level, Prefetch},
        to_id,
        types::payload,
    },
    service::page::Filter,
    work::{pull_request as prs, schema::task::Task},
};

crate::graphql::loaders::child_list!(
    /// `PullRequest.tasks`.
    TasksOfPullRequest: entity::task::Model = crate::work::pull_request::TASKS_OF_PULL_REQUEST
);

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

plain_enums!(PullRequestStatus, ValidationStatus);

/// Overall validation of `results`: any failed check fails, else any unfinished one is pending.
fn validation_status(results: &Value) -> ValidationStatus {
    match prs::validation(results) {
        prs::Validation::None => ValidationStatus::None,
        prs::Validation::Pending => ValidationStatus::Pending,
        prs::Validation::Passed => ValidationStatus::Passed,
        prs::Validation::Failed => ValidationStatus::Failed,
    }
}

object! {
    /// A pull request of a project, the tasks it carries, and its validation.
    #[Object]
    impl PullRequest(pull_request::Model) |m| {
        /// Server-generated id.
        id: ID = to_id(m.id),
        /// Id of the project.
        project_id: ID = to_id(m.project_id),
        /// Number in the repository.
        number: Option<i32> = m.number,
        /// Repository URL.
        repository_url: &str = &m.repository_url,
        /// Source branch.
        branch: &str = &m.branch,
        /// Title.
        title: &str = &m.title,
        /// Where it stands.
        status: PullRequestStatus = m.status.into(),
        /// Validation results as recorded: `{"checks": [{"name", "status"}]}` or `{"status"}`.
        validation_results: Json<&Value> = Json(&m.validation_results),
        /// Overall validation: any failed check fails, else any unfinished one is pending (the seed's
        /// `pr_validation_status`).
        validation_status: ValidationStatus = validation_status(&m.validation_results),
        /// When it was merged.
        merged_at: Option<DateTime<Utc>> = m.merged_at,
        /// When it was recorded.
        created_at: DateTime<Utc> = m.created_at,
        /// When it last changed.
        updated_at: DateTime<Utc> = m.updated_at,
    }
    connections {
        /// The tasks it carries.
        tasks() -> Task = TasksOfPullRequest(m.id, Filter::default()),
    }
}

impl Prefetch for PullRequest {
    type Row = pull_request::Model;
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        Self::connections_ahead(level);
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

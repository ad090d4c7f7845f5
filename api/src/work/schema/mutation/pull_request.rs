//! `createPullRequest`, `updatePullRequest`, `deletePullRequest`, `linkPullRequest`, `unlinkPullRequest`.

use async_graphql::{Context, Object};

use crate::{
    graphql::{parse_id, service_ctx},
    work::{
        pull_request::{self, PullRequestFields},
        schema::pull_request::{
            CreatePullRequestInput, CreatePullRequestPayload, DeletePullRequestInput, DeletePullRequestPayload,
            LinkPullRequestPayload, PullRequest, PullRequestLinkInput, UnlinkPullRequestPayload,
            UpdatePullRequestInput, UpdatePullRequestPayload,
        },
    },
};

/// Pull-request mutations.
#[derive(Default)]
pub struct PullRequestMutation;

#[Object]
impl PullRequestMutation {
    /// Records a pull request of a project. Errors: `NOT_FOUND` (project), `BAD_USER_INPUT`.
    async fn create_pull_request(
        &self,
        ctx: &Context<'_>,
        input: CreatePullRequestInput,
    ) -> async_graphql::Result<CreatePullRequestPayload> {
        let project_id = parse_id("projectId", &input.project_id)?;
        let fields = PullRequestFields {
            number: input.number,
            repository_url: Some(input.repository_url),
            branch: Some(input.branch),
            title: Some(input.title),
            status: input.status.map(Into::into),
            validation_results: input.validation_results.map(|j| j.0),
        };
        Ok(CreatePullRequestPayload {
            pull_request: PullRequest(pull_request::create(service_ctx(ctx)?, project_id, fields).await?),
        })
    }

    /// Changes a pull request; `MERGED` records `mergedAt`. Errors: `NOT_FOUND`, `BAD_USER_INPUT`.
    async fn update_pull_request(
        &self,
        ctx: &Context<'_>,
        input: UpdatePullRequestInput,
    ) -> async_graphql::Result<UpdatePullRequestPayload> {
        let id = parse_id("id", &input.id)?;
        let fields = PullRequestFields {
            number: input.number,
            repository_url: input.repository_url,
            branch: input.branch,
            title: input.title,
            status: input.status.map(Into::into),
            validation_results: input.validation_results.map(|j| j.0),
        };
        Ok(UpdatePullRequestPayload {
            pull_request: PullRequest(pull_request::update(service_ctx(ctx)?, id, fields).await?),
        })
    }

    /// Deletes a pull request and its task links. Errors: `NOT_FOUND`.
    async fn delete_pull_request(
        &self,
        ctx: &Context<'_>,
        input: DeletePullRequestInput,
    ) -> async_graphql::Result<DeletePullRequestPayload> {
        let id = parse_id("id", &input.id)?;
        pull_request::delete(service_ctx(ctx)?, id).await?;
        Ok(DeletePullRequestPayload { deleted_id: input.id })
    }

    /// Links a task to a pull request of the same project (linking twice changes nothing).
    /// Errors: `NOT_FOUND`, `BAD_USER_INPUT` (different projects).
    async fn link_pull_request(
        &self,
        ctx: &Context<'_>,
        input: PullRequestLinkInput,
    ) -> async_graphql::Result<LinkPullRequestPayload> {
        let task_id = parse_id("taskId", &input.task_id)?;
        let pr = parse_id("pullRequestId", &input.pull_request_id)?;
        Ok(LinkPullRequestPayload {
            pull_request: PullRequest(pull_request::link(service_ctx(ctx)?, task_id, pr).await?),
        })
    }

    /// Removes the link between a task and a pull request. Errors: `NOT_FOUND` (no such link).
    async fn unlink_pull_request(
        &self,
        ctx: &Context<'_>,
        input: PullRequestLinkInput,
    ) -> async_graphql::Result<UnlinkPullRequestPayload> {
        let task_id = parse_id("taskId", &input.task_id)?;
        let pr = parse_id("pullRequestId", &input.pull_request_id)?;
        Ok(UnlinkPullRequestPayload {
            pull_request: PullRequest(pull_request::unlink(service_ctx(ctx)?, task_id, pr).await?),
        })
    }
}

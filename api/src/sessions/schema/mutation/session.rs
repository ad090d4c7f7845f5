//! `startDocumentationSession`, `updateDocumentationSession`, `deleteDocumentationSession`,
//! `expireSessions`.

use async_graphql::{Context, Object};

use crate::{
    graphql::{parse_id, service_ctx},
    sessions::{
        schema::session::{
            DeleteDocumentationSessionInput, DeleteDocumentationSessionPayload, DocumentationSession,
            StartDocumentationSessionInput, StartDocumentationSessionPayload, UpdateDocumentationSessionInput,
            UpdateDocumentationSessionPayload,
        },
        session::{self, SessionChanges, StartSession},
    },
};

/// Session mutations.
#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Starts a session with one pending todo per file, in one transaction, and appends
    /// `session.started`. Errors: `NOT_FOUND` (workspace), `BAD_USER_INPUT` (empty module name,
    /// empty or repeated paths, expiry in the past, metadata not an object).
    async fn start_documentation_session(
        &self,
        ctx: &Context<'_>,
        input: StartDocumentationSessionInput,
    ) -> async_graphql::Result<StartDocumentationSessionPayload> {
        let start = StartSession {
            workspace_id: parse_id("workspaceId", &input.workspace_id)?,
            module_name: input.module_name,
            file_paths: input.file_paths,
            expires_at: input.expires_at,
            metadata: input.metadata.map(|j| j.0),
        };
        let started = session::start(service_ctx(ctx)?, start).await?;
        Ok(StartDocumentationSessionPayload { session: DocumentationSession(started) })
    }

    /// Changes a session; a status change follows the state machine (`PENDING` → anything,
    /// `IN_PROGRESS` → a final state, final states never change) and appends
    /// `session.status_changed`. Errors: `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT` (changed meanwhile).
    async fn update_documentation_session(
        &self,
        ctx: &Context<'_>,
        input: UpdateDocumentationSessionInput,
    ) -> async_graphql::Result<UpdateDocumentationSessionPayload> {
        let id = parse_id("id", &input.id)?;
        let changes = SessionChanges {
            status: input.status.map(Into::into),
            module_name: input.module_name,
            metadata: input.metadata.map(|j| j.0),
            expires_at: input.expires_at,
        };
        let updated = session::update(service_ctx(ctx)?, id, changes).await?;
        Ok(UpdateDocumentationSessionPayload { session: DocumentationSession(updated) })
    }

    /// Deletes a session with its todos and events. Errors: `NOT_FOUND`.
    async fn delete_documentation_session(
        &self,
        ctx: &Context<'_>,
        input: DeleteDocumentationSessionInput,
    ) -> async_graphql::Result<DeleteDocumentationSessionPayload> {
        let id = parse_id("id", &input.id)?;
        session::delete(service_ctx(ctx)?, id).await?;
        Ok(DeleteDocumentationSessionPayload { deleted_id: input.id })
    }

    /// Runs the expiry sweep now: sessions past `expiresAt` that are still pending or in progress
    /// become `EXPIRED` (each with a `session.expired` event); lapsed todo leases are released.
    /// Returns how many sessions expired.
    async fn expire_sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        Ok(session::expire_due(service_ctx(ctx)?).await?)
    }
}

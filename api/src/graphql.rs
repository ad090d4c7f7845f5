//! The GraphQL schema: root objects, types, loaders, error shaping.
//!
//! Resolvers parse input, call one service function and convert the result; relations go through
//! [`relations`], which takes rows loaded ahead for a whole level ([`prefetch`]) or, outside a
//! loaded-ahead tree, the batch loaders of [`loaders`]: a nested query costs one statement per level.

pub mod connection;
pub mod documents;
pub mod errors;
pub mod limits;
pub mod loaders;
pub mod object;
pub mod operation;
pub mod persisted;
pub mod prefetch;
pub mod query;
pub mod relations;
pub mod subscription;
pub mod types;
pub mod variables;

use async_graphql::{Context, ID, MergedObject, Schema, ValidationMode};
use uuid::Uuid;

use crate::{
    error::ApiError,
    service::{Ctx, RequestContext},
    state::AppState,
};

/// The root query type.
#[derive(MergedObject, Default)]
pub struct Query(
    crate::access::schema::query::AccessQuery,
    crate::sessions::schema::query::WorkspaceQuery,
    crate::sessions::schema::query::SessionQuery,
    crate::work::schema::query::WorkQuery,
    crate::events::schema::query::event::EventQuery,
    crate::events::schema::query::webhook::WebhookQuery,
    crate::workflows::schema::query::WorkflowsQuery,
    query::NodeQuery,
);

/// The root mutation type.
#[derive(MergedObject, Default)]
pub struct Mutation(
    crate::sessions::schema::mutation::workspace::WorkspaceMutation,
    crate::sessions::schema::mutation::session::SessionMutation,
    crate::sessions::schema::mutation::todo::TodoMutation,
    crate::sessions::schema::mutation::event::EventMutation,
    crate::work::schema::mutation::project::ProjectMutation,
    crate::work::schema::mutation::task::TaskMutation,
    crate::work::schema::mutation::execution::ExecutionMutation,
    crate::work::schema::mutation::pull_request::PullRequestMutation,
    crate::access::schema::mutation::AccessMutation,
    crate::events::schema::mutation::log::LogMutation,
    crate::events::schema::mutation::webhook::WebhookMutation,
    crate::workflows::schema::mutation::WorkflowsMutation,
);

/// Docket's executable schema.
pub type AppSchema = Schema<Query, Mutation, subscription::Subscription>;

/// Builds the engine every operation runs on, HTTP and websockets alike: the schema over `state`,
/// without extensions, held to the configured limits (tokens, aliases, root fields, depth, complexity)
/// ([`operation::Engine`] says what it does around each operation).
pub fn build_engine(state: &AppState) -> operation::Engine {
    let schema = |validation| {
        Schema::build(Query::default(), Mutation::default(), subscription::Subscription)
            .data(state.clone())
            .validation_mode(validation)
            .finish()
    };
    operation::Engine::new(
        schema(ValidationMode::Strict),
        schema(ValidationMode::Fast),
        limits::Limits {
            max_document_bytes: state.config.max_document_bytes,
            max_tokens: state.config.max_tokens,
            max_aliases: state.config.max_aliases,
            max_root_fields: state.config.max_root_fields,
            max_depth: state.config.max_depth,
            max_complexity: state.config.max_complexity,
        },
    )
}

/// The definitions of the schema `sdl` describes, for what the engine derives from the schema (its
/// limits' shape, its input types). An SDL that does not parse gives none; the schema's own always parses.
pub fn parse_sdl(sdl: &str) -> Vec<async_graphql::parser::types::TypeSystemDefinition> {
    async_graphql::parser::parse_schema(sdl).map(|document| document.definitions).unwrap_or_default()
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), subscription::Subscription).finish().sdl()
}

/// The service context of a resolver: pool, bus and who is asking. Errors: `UNAUTHENTICATED` when the
/// operation has no viewer (every operation that came through the HTTP or websocket layer has one).
pub fn service_ctx<'a>(ctx: &Context<'a>) -> Result<Ctx<'a>, ApiError> {
    let state = ctx.data_unchecked::<AppState>(); // always set by build_engine
    let request = ctx
        .data_opt::<RequestContext>()
        .ok_or_else(|| ApiError::Unauthenticated("the operation has no viewer".into()))?;
    Ok(state.ctx(request))
}

/// Parses a GraphQL `ID` into a UUID. Errors: `BAD_USER_INPUT` naming `field`.
pub fn parse_id(field: &str, id: &ID) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id.as_str())
        .map_err(|_| ApiError::bad_input(format!("`{field}` is not a valid id: `{}`", id.as_str())))
}

/// A UUID as a GraphQL `ID`.
pub fn to_id(id: Uuid) -> ID {
    // Encoded straight into its 36 bytes (`to_string` goes through the formatting machinery): a
    // dashboard answers 5,000 ids.
    let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
    ID(id.hyphenated().encode_lower(&mut text).to_owned())
}

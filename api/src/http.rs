//! The HTTP surface: GraphQL over HTTP and websockets on `/graphql`, the explorers (GraphiQL,
//! Playground) and their assets, health and metrics; and what wraps them: the origin policy, the
//! request timeout and the access log.

pub mod auth;
pub mod explorer;
pub mod graphql;
pub mod health;
pub mod hooks;
pub mod media;
pub mod origin;
pub mod websocket;

use std::{sync::Arc, time::Duration};

use axum::{
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{graphql::operation::Engine, state::AppState};

/// Header a client may use to say whom it acts for: recorded in the audit trail as `onBehalfOf` beside
/// the authenticated principal, never trusted as one.
pub const ACTOR_HEADER: &str = "x-docket-actor";
/// Header carrying the request id: the client's, or one generated for the request.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// `extensions.code` of a request refused at the HTTP level: not JSON, no `query`, a batch over the
/// limit, an unsupported media type, a mutation over GET (Apollo's name for these).
pub const BAD_REQUEST: &str = "BAD_REQUEST";

/// What the handlers share, behind one `Arc`: axum clones a handler's state for every request (and
/// the route's service with it), which for the parts themselves meant a score of reference counts
/// taken and dropped per request, contended between the worker threads.
#[derive(Clone)]
pub struct Server(Arc<Shared>);

/// The parts of a [`Server`].
pub struct Shared {
    /// Pool, bus, configuration.
    pub state: AppState,
    /// What runs every operation, over HTTP and websockets.
    pub engine: Engine,
    /// Which browser origins may call the API.
    pub origins: origin::Origins,
}

impl Server {
    /// A server of these parts.
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for Server {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// A response shaped like a GraphQL error, `{"errors":[{"message", "extensions":{"code"}}]}`, for a
/// request refused before any operation ran.
pub fn error_response(status: StatusCode, code: &str, message: &str, kind: media::ResponseType) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (status, [(header::CONTENT_TYPE, kind.content_type())], body.to_string()).into_response()
}

/// What the access log prints for a GraphQL request; the handlers attach it to the response.
#[derive(Clone, Debug, Default)]
pub struct AccessLog {
    /// Names of the operations run, comma-separated (empty for anonymous ones).
    pub operations: String,
    /// SQL statements they ran.
    pub sql_statements: u64,
}

/// Logs one line per HTTP request at `info`: status, duration and, for GraphQL, the operation name
/// and its statement count; method, route and request id come from the request's span.
pub fn log_response(response: &Response, latency: Duration, _span: &tracing::Span) {
    let graphql = response.extensions().get::<AccessLog>();
    tracing::info!(
        status = response.status().as_u16(),
        duration_ms = latency.as_secs_f64() * 1000.0,
        operation = %graphql.map(|g| g.operations.as_str()).unwrap_or_default(),
        sql_statements = graphql.map(|g| g.sql_statements).unwrap_or_default(),
        "request completed"
    );
}

/// What the layers and the router answer without a body of their own, and what it says instead.
#[derive(Clone, Copy, Debug)]
pub struct Refusals {
    /// The request timeout (`--request-timeout-secs`).
    pub timeout: Duration,
    /// The body limit (`--body-limit-bytes`).
    pub body_limit: usize,
}

/// Gives the bare refusals of the layers and the router a GraphQL error body with a code, keeping
/// their status: 504 from the timeout layer (`TIMEOUT`), 413 from the
/// body limit (`BAD_REQUEST`), 405 for a method a path does not take (`BAD_REQUEST`), 404 for a path
/// that does not exist (`NOT_FOUND`). Answers that already have a JSON body are left as they are.
pub async fn explain_refusal(refusals: Refusals, response: Response) -> Response {
    let is_json =
        response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("json"));
    if is_json {
        return response;
    }
    let status = response.status();
    let (code, message) = match status {
        StatusCode::GATEWAY_TIMEOUT if !response.headers().contains_key(header::CONTENT_TYPE) => {
            ("TIMEOUT", format!("the request took longer than {} s and was abandoned", refusals.timeout.as_secs()))
        }
        StatusCode::PAYLOAD_TOO_LARGE => (
            "BAD_REQUEST",
            format!("the request body is over the limit of {} bytes (--body-limit-bytes)", refusals.body_limit),
        ),
        // The router adds `Allow` to the answer after this layer.
        StatusCode::METHOD_NOT_ALLOWED => {
            ("BAD_REQUEST", "this path does not take this method; the Allow header lists those it takes".to_owned())
        }
        StatusCode::NOT_FOUND if !response.headers().contains_key(header::CONTENT_TYPE) => {
            ("NOT_FOUND", "no such path; the API is at /graphql".to_owned())
        }
        _ => return response,
    };
    error_response(status, code, &message, media::ResponseType::Json)
}

//! `/graphql` over HTTP, per GraphQL over HTTP (<https://graphql.github.io/graphql-over-http/draft/>):
//!
//! - **POST** takes `{"query", "operationName", "variables", "extensions"}`, or a JSON array of up to
//!   `--max-batch` of them (answered with an array, run in order). The body must be JSON
//!   ([`super::media::check_body_type`]); a body that is not JSON, or whose `query` is missing or not a
//!   string, is a 400 with nothing run.
//! - **GET** takes the same parameters in the URL (`variables` and `extensions` as JSON text) and runs
//!   queries only: a mutation is refused with 405 (`Allow: POST`), since GET must be safe. GET also
//!   upgrades to a websocket (both GraphQL sub-protocols), and shows GraphiQL to a browser.
//! - **Status codes** follow the response type. With `application/json` every GraphQL response is a
//!   200. With `application/graphql-response+json` a request that fails before execution (parse,
//!   validation, variable coercion, limits, unknown operation) is a 400 and has no `data` entry; one that
//!   executed is a 200 even when fields failed, since its `data` entry is there.
//!
//! Every request is authenticated first (`super::auth`): a refused one is a 401 and runs nothing. Each
//! operation runs with its own [`RequestContext`] (the viewer), prefetch store and statement count;
//! the access log gets the operation names and the statements they ran.

use std::collections::HashMap;

use async_graphql::{ServerError, Value as GqlValue, Variables};
use async_graphql_axum::GraphQLProtocol;
use axum::{
    body::Bytes,
    extract::{FromRequestParts, Request, State, WebSocketUpgrade},
    http::{HeaderMap, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};

use super::{
    ACTOR_HEADER, AccessLog, BAD_REQUEST, REQUEST_ID_HEADER, Server, auth, error_response,
    media::{self, ResponseType},
};
use crate::{
    db,
    error::ApiError,
    graphql::operation,
    http::websocket::{self, Handshake},
    service::{RequestContext, Viewer},
};

/// The parameters of one GraphQL request, as a POST body or the query string of a GET.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Variables>,
    extensions: Option<async_graphql::Extensions>,
}

impl Params {
    /// The async-graphql request. Errors: a message for a 400 when `query` is missing (it may be,
    /// for a persisted query sent by its hash: `crate::graphql::persisted`).
    fn into_request(self) -> Result<async_graphql::Request, String> {
        let persisted = self.extensions.as_ref().is_some_and(|e| e.0.contains_key("persistedQuery"));
        let query = match self.query {
            Some(query) => query,
            None if persisted => String::new(),
            None => return Err("the `query` parameter is required, as a string".into()),
        };
        let mut request = async_graphql::Request::new(query);
        request.operation_name = self.operation_name;
        request.variables = self.variables.unwrap_or_default();
        request.extensions = self.extensions.unwrap_or_default();
        Ok(request)
    }
}

/// The viewer of a request, from its `Authorization` header (or anonymous where allowed).
async fn authenticate(server: &Server, headers: &HeaderMap) -> Result<Viewer, ApiError> {
    let token = auth::header_token(headers)?;
    server.state.auth.viewer(&server.state.reads, &server.state.db, token).await
}

/// One response body: `data` only when execution started (GraphQL spec §7.1.1).
#[derive(Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a GqlValue>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, GqlValue>,
}

/// One operation's outcome.
struct Answer {
    response: async_graphql::Response,
    executed: bool,
    name: Option<String>,
}

impl Answer {
    fn body(&self) -> Body<'_> {
        Body {
            data: self.executed.then_some(&self.response.data),
            errors: &self.response.errors,
            extensions: &self.response.extensions,
        }
    }
}

async fn run(server: &Server, request: async_graphql::Request, context: RequestContext) -> (Answer, u64) {
    let request = request.data(context);
    let (answer, statements) = db::count_statements(server.engine.run(request)).await;
    let operation::Answer { mut response, executed, name } = answer;
    if server.state.config.report_sql_statements {
        response.extensions.insert("sqlStatements".into(), GqlValue::from(statements));
    }
    (Answer { response, executed, name }, statements)
}

/// Seconds a client is told to wait when the database could not serve it (`Retry-After`).
const RETRY_AFTER_SECS: &str = "1";

/// Whether nothing of the request succeeded and only because the database was busy (every error
/// `UNAVAILABLE`, no data): the whole request failed for now, HTTP 503 with `Retry-After` (RFC 9110
/// §15.6.4).
fn all_unavailable(answers: &[Answer]) -> bool {
    let unavailable = |err: &async_graphql::ServerError| {
        err.extensions.as_ref().and_then(|ext| ext.get("code")) == Some(&GqlValue::from("UNAVAILABLE"))
    };
    answers.iter().all(|answer| {
        let response = &answer.response;
        response.data == GqlValue::Null && !response.errors.is_empty() && response.errors.iter().all(unavailable)
    })
}

fn respond(kind: ResponseType, answers: Vec<Answer>, batch: bool, statements: u64) -> Response {
    let status = if all_unavailable(&answers) {
        StatusCode::SERVICE_UNAVAILABLE
    } else if !batch && kind == ResponseType::GraphQLResponseJson && !answers[0].executed {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let encoded = if batch {
        serde_json::to_vec(&answers.iter().map(Answer::body).collect::<Vec<_>>())
    } else {
        serde_json::to_vec(&answers[0].body())
    };
    let mut response = match encoded {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, kind.content_type())], bytes).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "cannot encode a GraphQL response");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    for answer in &answers {
        for (name, value) in &answer.response.http_headers {
            response.headers_mut().append(name, value.clone());
        }
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static(RETRY_AFTER_SECS));
    }
    let names: Vec<String> = answers.iter().map(|a| a.name.clone().unwrap_or_default()).collect();
    response.extensions_mut().insert(AccessLog { operations: names.join(","), sql_statements: statements });
    response
}

/// POST `/graphql`: one operation, or a batch (a JSON array) of at most `--max-batch`.
pub async fn post(State(server): State<Server>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(kind) = media::response_type(header(header::ACCEPT)) else {
        return not_acceptable();
    };
    if !server.origins.permits(&headers) {
        return forbidden_origin(kind);
    }
    if let Err(media::UnsupportedBody(message)) = media::check_body_type(header(header::CONTENT_TYPE)) {
        return error_response(StatusCode::UNSUPPORTED_MEDIA_TYPE, BAD_REQUEST, &message, kind);
    }
    let viewer = match authenticate(&server, &headers).await {
        Ok(viewer) => viewer,
        Err(err) => return auth::refused(err, kind),
    };
    let (params, batch) = match parse_body(&body) {
        Ok(parsed) => parsed,
        Err(message) => return error_response(StatusCode::BAD_REQUEST, BAD_REQUEST, &message, kind),
    };
    let max = server.state.config.max_batch;
    if params.len() > max {
        let message = format!("a batch may hold at most {max} operations, not {}", params.len());
        return error_response(StatusCode::BAD_REQUEST, BAD_REQUEST, &message, kind);
    }
    let mut requests = Vec::with_capacity(params.len());
    for (i, params) in params.into_iter().enumerate() {
        match params.into_request() {
            Ok(request) => requests.push(request),
            Err(message) if batch => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    BAD_REQUEST,
                    &format!("operation {i}: {message}"),
                    kind,
                );
            }
            Err(message) => return error_response(StatusCode::BAD_REQUEST, BAD_REQUEST, &message, kind),
        }
    }
    let context = auth::request_context(viewer, &headers);
    let mut answers = Vec::with_capacity(requests.len());
    let mut statements = 0;
    for request in requests {
        let (answer, ran) = run(&server, request, context.clone()).await;
        statements += ran;
        answers.push(answer);
    }
    respond(kind, answers, batch, statements)
}

/// A POST body: one parameter object, or an array of them (a batch). Errors: a message for a 400.
fn parse_body(body: &[u8]) -> Result<(Vec<Params>, bool), String> {
    let describe = |err: serde_json::Error| format!("the body is not a GraphQL request: {err}");
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok((vec![serde_json::from_slice(body).map_err(describe)?], false)),
        Some(b'[') => {
            let batch: Vec<Params> = serde_json::from_slice(body).map_err(describe)?;
            if batch.is_empty() {
                return Err("a batch must hold at least one operation".into());
            }
            Ok((batch, true))
        }
        Some(_) => Err("the body must be a JSON object (or an array of them, for a batch)".into()),
        None => Err("the body is empty: send a JSON object with a `query`".into()),
    }
}

/// GET `/graphql`: a websocket upgrade (both protocols), GraphiQL for a browser (with the query of a
/// shared link filled in), or a query in the URL (queries only: a mutation is refused with 405).
pub async fn get(State(server): State<Server>, request: Request) -> Response {
    let (mut parts, _body) = request.into_parts();
    if parts.headers.contains_key(header::UPGRADE) {
        return upgrade(server, &mut parts).await;
    }
    let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let params: HashMap<String, String> = match axum::extract::Query::try_from_uri(&parts.uri) {
        Ok(axum::extract::Query(params)) => params,
        Err(err) => {
            let message = format!("the query string is malformed: {}", err.body_text());
            return error_response(StatusCode::BAD_REQUEST, BAD_REQUEST, &message, ResponseType::Json);
        }
    };
    // A browser opening `/graphql`, or a shared link `/graphql?query=...`, gets GraphiQL, which reads
    // `query`, `variables` and `operationName` from the URL; a client's GET executes.
    if media::prefers_html(header(header::ACCEPT)) {
        return super::explorer::graphiql().into_response();
    }
    let Some(kind) = media::response_type(header(header::ACCEPT)) else {
        return not_acceptable();
    };
    let mut request = match params_from_query(params).and_then(Params::into_request) {
        Ok(request) => request,
        Err(message) => return error_response(StatusCode::BAD_REQUEST, BAD_REQUEST, &message, kind),
    };
    // A persisted query's text is looked up first, so that a mutation kept by its hash is refused too.
    if let Err(err) = server.engine.resolve_persisted(&mut request) {
        let response = async_graphql::Response::from_errors(vec![err]);
        return respond(kind, vec![Answer { response, executed: false, name: None }], false, 0);
    }
    if is_mutation(&request) {
        let mut response = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            BAD_REQUEST,
            "mutations must be sent with POST (GET must be safe: GraphQL over HTTP)",
            kind,
        );
        response.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static("POST"));
        return response;
    }
    let viewer = match authenticate(&server, &parts.headers).await {
        Ok(viewer) => viewer,
        Err(err) => return auth::refused(err, kind),
    };
    let (answer, statements) = run(&server, request, auth::request_context(viewer, &parts.headers)).await;
    respond(kind, vec![answer], false, statements)
}

/// The parameters of a GET: `variables` and `extensions` are JSON text. Errors: a message for a 400.
fn params_from_query(mut params: HashMap<String, String>) -> Result<Params, String> {
    fn json<T: serde::de::DeserializeOwned>(name: &str, text: Option<String>) -> Result<Option<T>, String> {
        text.filter(|t| !t.is_empty())
            .map(|t| serde_json::from_str(&t).map_err(|err| format!("`{name}` is not a JSON object: {err}")))
            .transpose()
    }
    Ok(Params {
        query: params.remove("query"),
        operation_name: params.remove("operationName").filter(|n| !n.is_empty()),
        variables: json("variables", params.remove("variables"))?,
        extensions: json("extensions", params.remove("extensions"))?,
    })
}

/// The websocket upgrade, for pages of permitted origins only (CORS does not cover websockets).
async fn upgrade(server: Server, parts: &mut Parts) -> Response {
    if !server.origins.permits(&parts.headers) {
        return forbidden_origin(ResponseType::Json);
    }
    let Ok(protocol) = GraphQLProtocol::from_request_parts(parts, &()).await else {
        let message = "Sec-WebSocket-Protocol must name graphql-transport-ws or graphql-ws";
        return error_response(StatusCode::BAD_REQUEST, BAD_REQUEST, message, ResponseType::Json);
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let handshake = Handshake {
        authorization: header(header::AUTHORIZATION.as_str()),
        on_behalf_of: header(ACTOR_HEADER),
        request_id: header(REQUEST_ID_HEADER),
        // The sub-protocol async-graphql-axum chose: the first of the client's list that it speaks.
        transport_ws: header(header::SEC_WEBSOCKET_PROTOCOL.as_str()).is_some_and(|list| {
            list.split(',').find_map(|p| p.trim().parse::<async_graphql::http::WebSocketProtocols>().ok())
                == Some(async_graphql::http::WebSocketProtocols::GraphQLWS)
        }),
    };
    websocket::configure(upgrade).protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |socket| {
        websocket::serve(socket, server.engine.clone(), protocol, handshake, server.state.clone())
    })
}

fn not_acceptable() -> Response {
    let message = format!("`Accept` must allow {} or {}", media::GRAPHQL_RESPONSE_JSON, media::JSON);
    error_response(StatusCode::NOT_ACCEPTABLE, BAD_REQUEST, &message, ResponseType::Json)
}

fn forbidden_origin(kind: ResponseType) -> Response {
    let message = "pages of this origin may not call this server (see --cors-origin)";
    error_response(StatusCode::FORBIDDEN, "FORBIDDEN", message, kind)
}

/// Whether the operation a request would run is a mutation (GraphQL over HTTP forbids them over GET).
fn is_mutation(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let operation = match (&request.operation_name, document.operations) {
        (_, DocumentOperations::Single(op)) => Some(op.node.ty),
        (Some(name), DocumentOperations::Multiple(ops)) => ops.get(name.as_str()).map(|op| op.node.ty),
        (None, DocumentOperations::Multiple(ops)) => ops.values().next().map(|op| op.node.ty),
    };
    operation == Some(OperationType::Mutation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_must_be_request_objects_or_batches_of_them() {
        assert_eq!(parse_body(br#"{"query":"{ a }"}"#).map(|(p, b)| (p.len(), b)), Ok((1, false)));
        assert_eq!(parse_body(br#" [{"query":"{ a }"},{"query":"{ b }"}]"#).map(|(p, b)| (p.len(), b)), Ok((2, true)));
        for bad in
            [&b""[..], b"   ", b"[]", b"\"q\"", b"42", b"{ \"not a JSON", br#"{"query": 42}"#, br#"{"variables": [1]}"#]
        {
            assert!(parse_body(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let (params, _) = parse_body(br#"{"qeury":"{ a }"}"#).unwrap();
        assert!(params.into_iter().next().unwrap().into_request().is_err(), "a typo leaves `query` missing");
    }

    #[test]
    fn get_parameters_carry_json_variables() {
        let query = |pairs: &[(&str, &str)]| {
            params_from_query(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
        };
        let params = query(&[("query", "{ a }"), ("variables", r#"{"n":1}"#)]).unwrap();
        assert!(params.variables.is_some());
        assert!(query(&[("query", "{ a }"), ("variables", "[1]")]).is_err());
        assert!(query(&[("query", "{ a }"), ("extensions", "nope")]).is_err());
    }

    #[test]
    fn only_mutations_are_refused_over_get() {
        let request = |q: &str, name: Option<&str>| {
            let mut r = async_graphql::Request::new(q);
            r.operation_name = name.map(str::to_owned);
            r
        };
        assert!(is_mutation(&request("mutation { a }", None)));
        assert!(!is_mutation(&request("{ a }", None)));
        assert!(is_mutation(&request("query Q { a } mutation M { b }", Some("M"))));
        assert!(!is_mutation(&request("query Q { a } mutation M { b }", Some("Q"))));
    }
}

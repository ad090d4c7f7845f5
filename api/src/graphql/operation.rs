//! Running one operation, and what the HTTP layer learns about it: whether execution started (a
//! request that failed parsing, validation, variable coercion or a limit never does, and then its
//! response has no `data` entry: GraphQL over HTTP, and GraphQL spec §7.1.1), and the name of the
//! operation that ran.
//!
//! HTTP operations run on the schema without extensions ([`super::build_http_schema`]); this module
//! does around the call what the extensions do for a websocket operation: a store of rows loaded
//! ahead for the operation, every error shaped (`extensions.code`, internal errors masked and logged:
//! [`super::errors`]), parse errors told from validation errors, and a query over a depth or
//! complexity limit answered with its figures (it is validated again by the schema with extensions,
//! [`super::build_schema`], which refuses it before anything runs).

use std::sync::Arc;

use async_graphql::{
    Request, Response, ServerResult, Value,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest},
    parser::types::DocumentOperations,
};

use super::{AppSchema, errors, prefetch::Prefetched};

/// async-graphql's own messages for its limits (`limit_depth`, `limit_complexity`).
const BUILT_IN_LIMITS: [&str; 2] = ["Query is too complex.", "Query is nested too deep."];

/// The schema extension that gives every websocket operation its own store of rows loaded ahead.
pub struct OperationRecorder;

impl ExtensionFactory for OperationRecorder {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OperationRecorder)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for OperationRecorder {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, request.data(Prefetched::default())).await
    }
}

/// An HTTP operation's answer.
pub struct HttpAnswer {
    /// The response, its errors shaped.
    pub response: Response,
    /// Whether execution started; `false` for a request error.
    pub executed: bool,
    /// The name of the operation that ran (or would have), if it has one.
    pub name: Option<String>,
}

/// The operation `request` selects: its `operationName`, or the name of the document's only operation.
fn operation_name(request: &mut Request) -> Option<String> {
    if let Some(name) = &request.operation_name {
        return Some(name.clone());
    }
    match &request.parsed_query().ok()?.operations {
        DocumentOperations::Single(_) => None,
        DocumentOperations::Multiple(operations) if operations.len() == 1 => {
            operations.keys().next().map(|name| name.to_string())
        }
        DocumentOperations::Multiple(_) => None,
    }
}

/// Runs `request` (its data set: viewer and such) on `http`, the schema without extensions; a request
/// over a limit runs again on `checked` for the figures. Errors are shaped.
pub async fn run_http(http: &AppSchema, checked: &AppSchema, mut request: Request) -> HttpAnswer {
    if let Err(mut err) = request.parsed_query() {
        errors::set_code(&mut err, "GRAPHQL_PARSE_FAILED");
        return HttpAnswer { response: Response::from_errors(vec![err]), executed: false, name: None };
    }
    let name = operation_name(&mut request);
    let again = (request.query.clone(), request.operation_name.clone(), request.variables.clone());
    let mut response = http.execute(request.data(Prefetched::default())).await;
    // Errors before execution carry no path; execution errors always do (async-graphql sets it).
    let executed = !(response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty()));
    if !executed && response.errors.iter().any(|e| BUILT_IN_LIMITS.contains(&e.message.as_str())) {
        let (query, operation_name, variables) = again;
        let mut rerun = Request::new(query).variables(variables);
        rerun.operation_name = operation_name;
        // Refused in validation, with the figures, before anything runs; its errors come shaped.
        let detailed = checked.execute(rerun).await;
        return HttpAnswer { response: detailed, executed: false, name };
    }
    for err in &mut response.errors {
        if executed {
            errors::shape(err);
        } else {
            errors::shape_request_error(err);
        }
    }
    HttpAnswer { response, executed, name }
}

//! Running one operation, on either road: the [`Engine`] that HTTP requests and websocket operations
//! both go through.
//!
//! The schema has no extensions (with any extension, async-graphql wraps every field of every object
//! of an answer in each extension's `resolve` hook: boxed futures and type names formatted per item; a
//! 5,000-node answer spent more on that than on its rows). What would be extensions is done here,
//! once per operation, the same for both roads:
//!
//! - its bytes and tokens are counted before it is parsed ([`limits::tokens`]), then it is parsed;
//!   either refusal gets `GRAPHQL_PARSE_FAILED`, and a parse error quotes at most 80 characters of the
//!   source; a document parsed before is taken from [`Documents`] instead, and a persisted query's
//!   text is found by its hash ([`persisted`]);
//! - its aliases, root fields, depth and complexity are measured on the parsed document
//!   ([`limits::cost`]) and an operation over a limit is refused with the figures before validation
//!   and before anything runs;
//! - it is validated by async-graphql's rules (on the schema that runs them all), unless its document
//!   passed them before and the request's variables are certainly valid for their declared types
//!   ([`variables`]): then it runs on a copy of the schema in `ValidationMode::Fast`, which skips
//!   them (`Fast` alone would leave a bad variable to execution, a field error instead of the request
//!   error GraphQL over HTTP asks for);
//! - each operation gets its own store of rows loaded ahead ([`Prefetched`]);
//! - every error is shaped ([`errors`]): a request error (validation, variables, an unknown
//!   operation) is told from an execution error by its path, which async-graphql sets on every
//!   execution error and never on a request error; no error is recognised by its message.
//!
//! For HTTP, the answer also says whether execution started (a request that failed parsing,
//! validation, variable coercion or a limit never does, and then its response has no `data` entry:
//! GraphQL over HTTP, and GraphQL spec §7.1.1) and the name of the operation.

use std::{sync::Arc, time::Instant};

use async_graphql::{
    Data, Executor, Request, Response, ServerError, Value, Variables, futures_util::stream::BoxStream,
    parser::types::ExecutableDocument,
};
use futures_util::{StreamExt, stream};

use super::{
    AppSchema,
    documents::{Documents, Kept},
    errors,
    limits::{
        Limits,
        cost::{self, Shape},
    },
    persisted,
    prefetch::Prefetched,
    variables::InputTypes,
};

/// The schema (twice: validating and not), the shape its limits are measured with, its input types,
/// and the limits: what runs every operation. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    schema: AppSchema,
    skipping_validation: AppSchema,
    shape: Arc<Shape>,
    inputs: Arc<InputTypes>,
    limits: Limits,
    documents: Arc<Documents>,
}

/// How a request admitted to run is validated.
enum Validation {
    /// Its document passed async-graphql's rules before and its variables are certainly valid: it runs
    /// on the schema that skips them.
    Done,
    /// It runs on the schema that validates; its document is recorded as validated once it executes.
    Full(Arc<Kept>),
}

impl Validation {
    /// Records that the request executed, when its document was validated for it.
    fn executed(&self) {
        if let Validation::Full(kept) = self {
            kept.set_validated();
        }
    }
}

/// An operation's answer.
pub struct Answer {
    /// The response, its errors shaped.
    pub response: Response,
    /// Whether execution started; `false` for a request error.
    pub executed: bool,
    /// The name of the operation that ran (or would have), if it has one.
    pub name: Option<String>,
}

/// Whether `response` comes from an execution: it has data, or an error with a path.
fn executed(response: &Response) -> bool {
    !(response.data == Value::Null && !response.errors.is_empty() && response.errors.iter().all(|e| e.path.is_empty()))
}

/// Shapes the errors of `response`, which did or did not execute.
fn shaped(mut response: Response, executed: bool) -> Response {
    for err in &mut response.errors {
        if executed {
            errors::shape(err);
        } else {
            errors::shape_request_error(err);
        }
    }
    response
}

impl Engine {
    /// The engine of `schema` (built without extensions or limits) under `limits`;
    /// `skipping_validation` is the same schema built with `ValidationMode::Fast`, for documents that
    /// passed validation before.
    pub fn new(schema: AppSchema, skipping_validation: AppSchema, limits: Limits) -> Engine {
        let definitions = super::parse_sdl(&schema.sdl());
        let shape = Arc::new(Shape::of(&definitions));
        let inputs = Arc::new(InputTypes::of(&definitions));
        Engine { schema, skipping_validation, shape, inputs, limits, documents: Arc::default() }
    }

    /// The schema that runs a request validated as `validation` says.
    fn schema_for(&self, validation: &Validation) -> &AppSchema {
        match validation {
            Validation::Done => &self.skipping_validation,
            Validation::Full(_) => &self.schema,
        }
    }

    /// How the cache of parsed documents has served.
    pub fn document_cache(&self) -> super::documents::DocumentCacheStats {
        self.documents.stats()
    }

    /// Fills in the text of a persisted query sent by its hash alone ([`persisted::resolve`]), for a
    /// caller that must see the operation before it runs (GET refuses mutations); a request that
    /// carries its text is left for [`Engine::run`] to check and keep. Errors: as `resolve`'s.
    pub fn resolve_persisted(&self, request: &mut Request) -> Result<(), ServerError> {
        if request.query.is_empty() {
            persisted::resolve(&self.documents, request)?;
        }
        Ok(())
    }

    /// What must hold before `request` runs: it parses and is within the limits. Gives the name of
    /// its operation and how it is to be validated, or the errors that refuse it.
    fn admit(&self, request: &mut Request) -> Result<(Option<String>, Validation), Vec<ServerError>> {
        // Taken out while the document is borrowed, and put back: variables can be large (an event's data).
        let variables = std::mem::take(&mut request.variables);
        let measured = self.measure(request, &variables);
        request.variables = variables;
        measured
    }

    /// Parses `request` and measures its operation with `variables` ([`Engine::admit`]).
    fn measure(
        &self,
        request: &mut Request,
        variables: &Variables,
    ) -> Result<(Option<String>, Validation), Vec<ServerError>> {
        let named = request.operation_name.clone();
        let to_persist = persisted::resolve(&self.documents, request).map_err(|err| vec![err])?;
        let kept = match self.documents.get(&request.query) {
            Some(kept) => kept,
            None => {
                if let Some(over) = self.limits.check_source(&request.query) {
                    return Err(vec![over]);
                }
                match async_graphql::parser::parse_query(&request.query) {
                    Ok(document) => self.documents.keep(&request.query, document),
                    Err(err) => return Err(vec![errors::parse_error(&request.query, &err)]),
                }
            }
        };
        if let Some(hash) = to_persist {
            self.documents.persist(hash, &request.query);
        }
        request.set_parsed_query(ExecutableDocument::clone(&kept.document));
        let document = &kept.document;
        // An unknown or missing operation is left to the schema, which refuses it with its message.
        let Some(operation) = cost::operation(document, named.as_deref()) else {
            return Ok((named, Validation::Full(kept)));
        };
        let name = named.or_else(|| {
            document
                .operations
                .iter()
                .find(|(_, op)| std::ptr::eq(*op, operation))
                .and_then(|(n, _)| n.map(|n| n.to_string()))
        });
        let over = self.limits.check(cost::measure(&self.shape, document, &operation.node, variables));
        if !over.is_empty() {
            return Err(over);
        }
        let validation = if kept.validated() && self.inputs.certainly_valid(&operation.node, variables) {
            self.documents.count_skipped_validation();
            Validation::Done
        } else {
            Validation::Full(kept)
        };
        Ok((name, validation))
    }

    /// Runs a query or mutation (its data set: viewer and such) and shapes its answer.
    pub async fn run(&self, mut request: Request) -> Answer {
        let (name, validation) = match self.admit(&mut request) {
            Ok(admitted) => admitted,
            Err(errors) => {
                let response = Response::from_errors(errors);
                return Answer { response, executed: false, name: request.operation_name };
            }
        };
        let started = Instant::now();
        let response = self.schema_for(&validation).execute(request.data(Prefetched::default())).await;
        let executed = executed(&response);
        if executed {
            validation.executed();
        }
        let response = shaped(response, executed);
        tracing::debug!(
            graphql.operation_name = name.as_deref().unwrap_or(""),
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            errors = response.errors.len(),
            "graphql operation"
        );
        Answer { response, executed, name }
    }
}

/// The websocket road: async-graphql's protocol implementations call this for every operation of a
/// connection, with the connection's data (its viewer).
impl Executor for Engine {
    async fn execute(&self, request: Request) -> Response {
        self.run(request).await.response
    }

    fn execute_stream(&self, mut request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        let validation = match self.admit(&mut request) {
            Ok((_, validation)) => validation,
            Err(refused) => return stream::once(async move { Response::from_errors(refused) }).boxed(),
        };
        let request = request.data(Prefetched::default());
        self.schema_for(&validation)
            .execute_stream_with_session_data(request, session_data.unwrap_or_default())
            .map(move |item| {
                let executed = executed(&item);
                if executed {
                    validation.executed();
                }
                shaped(item, executed)
            })
            .boxed()
    }
}

//! What the HTTP layer learns about an operation while the schema runs it: whether execution started
//! (a request that failed parsing, validation or variable coercion never does, and then its response
//! has no `data` entry: GraphQL spec §7.1.1), and the name of the operation that ran. The recorder
//! also gives every operation, over HTTP or a websocket, its own store of rows loaded ahead.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, Ordering},
};

use async_graphql::{
    Request, Response, ServerResult,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextPrepareRequest},
};

use super::prefetch::Prefetched;

/// Per-request record, put into the request's data by the HTTP layer and filled by [`OperationRecorder`].
#[derive(Debug, Default)]
pub struct OperationRecord {
    executed: AtomicBool,
    name: Mutex<Option<String>>,
}

impl OperationRecord {
    /// Whether execution started: `false` for a request error (parse, validation, variables, limits).
    pub fn executed(&self) -> bool {
        self.executed.load(Ordering::Relaxed)
    }

    /// The name of the operation that ran, if it had one.
    pub fn name(&self) -> Option<String> {
        self.name.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The schema extension that fills the request's [`OperationRecord`], when it has one.
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

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(record) = ctx.data_opt::<Arc<OperationRecord>>() {
            record.executed.store(true, Ordering::Relaxed);
            *record.name.lock().unwrap_or_else(|e| e.into_inner()) = operation_name.map(str::to_owned);
        }
        next.run(ctx, operation_name).await
    }
}

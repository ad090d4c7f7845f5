//! Work tracking in the GraphQL schema.

pub mod execution;
pub mod mutation;
pub mod project;
pub mod pull_request;
pub mod query;
pub mod task;
pub mod task_event;
pub mod task_filter;
pub mod task_history;
pub mod task_input;

//! Root mutation fields of work tracking, one file per resource.

pub mod execution;
pub mod project;
pub mod pull_request;
pub mod task;

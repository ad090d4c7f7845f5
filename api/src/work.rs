//! Work tracking: projects, tasks (hierarchy, dependencies, history), agent executions, pull requests,
//! and Task Master import and export.

pub mod execution;
pub mod import;
pub mod project;
pub mod pull_request;
pub mod schema;
pub mod task;
pub mod taskmaster;

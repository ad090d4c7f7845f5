//! Root mutation fields, one file per domain.

pub mod access;
pub mod event;
pub mod execution;
pub mod log;
pub mod project;
pub mod pull_request;
pub mod session;
pub mod task;
pub mod todo;
pub mod webhook;
pub mod workspace;

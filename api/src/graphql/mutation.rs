//! Root mutation fields, one file per domain.

pub mod event;
pub mod session;
pub mod todo;
pub mod workspace;

//! Root mutation fields of documentation sessions, one file per resource.

pub mod event;
pub mod session;
pub mod todo;
pub mod workspace;

//! Root mutation fields of events, one file per resource.

pub mod log;
pub mod webhook;

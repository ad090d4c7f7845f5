//! Root query fields of events.

pub mod event;
pub mod webhook;

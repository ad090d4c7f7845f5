//! Events in the GraphQL schema: the log, event types, webhooks and the audit trail.

pub mod audit;
pub mod event_type;
pub mod log_event;
pub mod mutation;
pub mod query;
pub mod webhook;

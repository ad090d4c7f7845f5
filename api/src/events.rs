//! The organization's events: the log (written with every write, recorded by clients, received from
//! inbound hooks), registered event types, outbound webhooks and their delivery, and retention.

pub mod delivery;
pub mod event_type;
pub mod inbound;
pub mod log;
pub mod retention;
pub mod schema;
pub mod webhook;

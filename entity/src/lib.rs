//! SeaORM entities of Docket's tables: one module per table.
//!
//! Ids are server-generated UUIDv7s, timestamps are UTC with time zone and JSON columns are `jsonb`
//! on PostgreSQL and JSON text on SQLite (see the `migration` crate for the DDL).
//!
//! Every model and enum derives `Default`: a page that reads only some columns starts from the
//! default row and sets the columns it read (the API's `service::page`), so a default is a
//! placeholder for a column nobody reads, never a value written to the database.

pub mod api_key;
pub mod audit_log;
pub mod documentation_session;
pub mod event;
pub mod event_type;
pub mod inbound_hook_secret;
pub mod membership;
pub mod organization;
pub mod prelude;
pub mod project;
pub mod pull_request;
pub mod session_event;
pub mod session_todo;
pub mod session_todo_dependency;
pub mod task;
pub mod task_definition;
pub mod task_dependency;
pub mod task_execution;
pub mod task_pull_request;
pub mod task_state_transition;
pub mod user;
pub mod webhook;
pub mod webhook_delivery;
pub mod webhook_outbox;
pub mod workflow;
pub mod workflow_phase;
pub mod workflow_state_transition;
pub mod workspace;

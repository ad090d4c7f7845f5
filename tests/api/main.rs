//! Black-box tests: each drives a real server over HTTP and websockets.
//!
//! `cargo test` runs them on SQLite (an in-memory database per test); with
//! `TEST_DATABASE_URL=postgres://...` the same tests run on PostgreSQL, each in its own schema.

mod agent_work;
mod auth;
mod batching;
mod claiming;
mod contention;
mod database_url;
mod documents;
mod durability;
mod event_log;
mod events;
mod explorer;
mod health;
mod helpers;
mod hooks;
mod hostile;
mod http;
mod import;
mod isolation;
mod leaf_pages;
mod migrations;
mod nodes;
mod organizations;
mod persisted_queries;
mod read_connections;
mod retention;
mod roles;
mod schema;
mod sessions;
mod slow_clients;
mod subscriptions;
mod todos;
mod webhooks;
mod websocket_protocol;
mod work;
mod workflows;
mod workspaces;

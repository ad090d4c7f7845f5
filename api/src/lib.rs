//! Docket's API: the GraphQL schema and its resolvers, the services that own every rule and query,
//! the event bus, and the HTTP/websocket server.
//!
//! A request travels router → async-graphql schema → resolver → service → SeaORM → SQLite or
//! PostgreSQL; a nested query loads each level of rows at once ahead of its resolvers
//! (`graphql::prefetch`). A write runs in one unit of work (`service::Tx`) and wakes the event bus
//! after commit. `docs/architecture.md` draws the whole.

pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod service;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod webhooks;
pub mod websocket;

pub use cli::run;
pub use config::Config;
pub use startup::Application;

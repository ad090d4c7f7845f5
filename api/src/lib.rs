//! Docket's API: one folder per domain module ([`access`], [`sessions`], [`work`], [`events`],
//! [`workflows`]), each
//! holding its services (rules and SQL) and its GraphQL schema (`schema/`: objects, inputs, queries,
//! mutations); the shared engines ([`service`]: tenancy, paging, the unit of work; [`graphql`]: the
//! schema's engines and the root types that merge the modules; [`bus`]: wake-ups; [`http`]: the
//! edge, HTTP and websockets).
//!
//! A request travels router → async-graphql schema → resolver → service → SeaORM → SQLite or
//! PostgreSQL; a nested query loads each level of rows at once ahead of its resolvers
//! (`graphql::prefetch`). A write runs in one unit of work (`service::Tx`) and wakes the event bus
//! after commit. `docs/architecture.md` draws the whole.

pub mod access;
pub mod bus;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod service;
pub mod sessions;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod work;
pub mod workflows;

pub use cli::run;
pub use config::Config;
pub use startup::Application;

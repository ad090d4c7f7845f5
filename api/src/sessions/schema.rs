//! Documentation sessions in the GraphQL schema.

pub mod event;
pub mod mutation;
pub mod query;
pub mod session;
pub mod todo;
pub mod workspace;

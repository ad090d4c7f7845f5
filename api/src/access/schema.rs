//! Access in the GraphQL schema: the viewer, the organization, members and keys.

pub mod mutation;
pub mod objects;
pub mod query;

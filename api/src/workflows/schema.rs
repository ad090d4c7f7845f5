//! Workflows in the GraphQL schema: `Workflow`, `WorkflowPhase`, `WorkflowAnalytics`,
//! `TaskDefinition`, their inputs, the root queries and the mutations.

pub mod analytics;
pub mod definition;
pub mod inputs;
pub mod mutation;
pub mod phase;
pub mod query;
pub mod workflow;

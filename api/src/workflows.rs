//! Workflows (seeds 002 and 004): a project's tasks orchestrated in phases, run in sequence, in
//! parallel by phase or as a dependency graph; what runs next, derived progress, analytics (critical
//! path, bottlenecks); reusable, versioned task definitions; assignment and scheduling of tasks.

pub mod analytics;
pub mod assignment;
pub mod definition;
pub mod membership;
pub mod phase;
pub mod progress;
pub mod ready;
pub mod schema;
pub mod workflow;

//! Figures computed per parent: todo and task counts by status, event counts by type, execution
//! summaries by agent.

use crate::{
    sessions::session,
    work::{execution, task as tasks},
};

/// Declares a loader of one value per key (a parent's counts, a summary, a member by user id):
/// `per_parent!(/// Its doc. Name, Value, path::to::load)`, where `load(db, scope, keys)` answers every
/// key in one go.
macro_rules! per_parent {
    ($(#[$doc:meta])* $name:ident, $value:ty, $load:path) => {
        $(#[$doc])*
        pub struct $name {
            db: $crate::db::Reads,
            scope: $crate::service::Scope,
        }

        impl $crate::graphql::loaders::Batch<uuid::Uuid> for $name {
            type Value = $value;

            fn new(db: &$crate::db::Reads, scope: $crate::service::Scope) -> Self {
                Self { db: db.clone(), scope }
            }

            async fn load(
                &self,
                keys: &[uuid::Uuid],
            ) -> $crate::error::ApiResult<std::collections::HashMap<uuid::Uuid, Self::Value>> {
                $load(&self.db, self.scope, keys).await
            }
        }
    };
}
pub(crate) use per_parent;

per_parent!(
    /// `Project.executionSummary`: per-agent execution figures.
    ExecutionSummaries,
    Vec<execution::AgentSummary>,
    execution::summaries
);
per_parent!(
    /// `DocumentationSession.todoCounts`: todos per status.
    TodoCounts,
    Vec<(entity::session_todo::TodoStatus, i64)>,
    session::todo_counts
);
per_parent!(
    /// `Project.taskCounts`: tasks per status.
    TaskCounts,
    Vec<(entity::task::TaskStatus, i64)>,
    tasks::counts_by_status
);
per_parent!(
    /// `DocumentationSession.eventCounts`: events per type.
    EventCounts,
    Vec<(String, i64)>,
    session::event_counts
);

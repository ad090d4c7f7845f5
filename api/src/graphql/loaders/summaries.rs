//! Figures computed per parent: todo and task counts by status, event counts by type, execution
//! summaries by agent.

use std::collections::HashMap;

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::Batch;
use crate::{
    error::ApiResult,
    service::Scope,
    sessions::session,
    work::{execution, task as tasks},
};

macro_rules! per_parent {
    ($(#[$doc:meta])* $name:ident, $value:ty, $load:path) => {
        $(#[$doc])*
        pub struct $name {
            db: DatabaseConnection,
            scope: Scope,
        }

        impl Batch<Uuid> for $name {
            type Value = $value;

            fn new(db: &DatabaseConnection, scope: Scope) -> Self {
                Self { db: db.clone(), scope }
            }

            async fn load(&self, keys: &[Uuid]) -> ApiResult<HashMap<Uuid, Self::Value>> {
                $load(&self.db, self.scope, keys).await
            }
        }
    };
}

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

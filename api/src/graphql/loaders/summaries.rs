//! Figures computed per parent: todo and task counts by status, event counts by type, execution
//! summaries by agent.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::FromDb;
use crate::{
    error::ApiError,
    service::{execution, session, task as tasks},
};

/// `Project.executionSummary`: per-agent execution figures.
pub struct ExecutionSummaries(DatabaseConnection);

impl FromDb for ExecutionSummaries {
    fn from_db(db: &DatabaseConnection) -> Self {
        Self(db.clone())
    }
}

impl Loader<Uuid> for ExecutionSummaries {
    type Value = Vec<execution::AgentSummary>;
    type Error = ApiError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, ApiError> {
        execution::summaries(&self.0, keys).await
    }
}

/// `DocumentationSession.todoCounts`: todos per status.
pub struct TodoCounts(DatabaseConnection);

impl FromDb for TodoCounts {
    fn from_db(db: &DatabaseConnection) -> Self {
        Self(db.clone())
    }
}

impl Loader<Uuid> for TodoCounts {
    type Value = Vec<(entity::session_todo::TodoStatus, i64)>;
    type Error = ApiError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, ApiError> {
        session::todo_counts(&self.0, keys).await
    }
}

/// `Project.taskCounts`: tasks per status.
pub struct TaskCounts(DatabaseConnection);

impl FromDb for TaskCounts {
    fn from_db(db: &DatabaseConnection) -> Self {
        Self(db.clone())
    }
}

impl Loader<Uuid> for TaskCounts {
    type Value = Vec<(entity::task::TaskStatus, i64)>;
    type Error = ApiError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, ApiError> {
        tasks::counts_by_status(&self.0, keys).await
    }
}

/// `DocumentationSession.eventCounts`: events per type.
pub struct EventCounts(DatabaseConnection);

impl FromDb for EventCounts {
    fn from_db(db: &DatabaseConnection) -> Self {
        Self(db.clone())
    }
}

impl Loader<Uuid> for EventCounts {
    type Value = Vec<(String, i64)>;
    type Error = ApiError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, ApiError> {
        session::event_counts(&self.0, keys).await
    }
}

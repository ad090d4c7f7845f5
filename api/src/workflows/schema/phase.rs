//! `WorkflowPhase` and its status.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use entity::{workflow, workflow_phase};

use crate::{
    error::ApiError,
    graphql::{
        object::{object, plain_enums},
        prefetch::{Level, Prefetch, field},
        relations::by_id,
        to_id,
    },
    service::page::Filter,
    work::schema::task::Task,
    workflows::schema::workflow::Workflow,
};

crate::graphql::loaders::child_list!(
    /// `WorkflowPhase.tasks`.
    TasksOfPhase: entity::task::Model = crate::workflows::phase::TASKS_OF_PHASE
);

/// Where a phase stands: derived from its tasks, but for `SKIPPED`, which is set by hand.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "entity::workflow_phase::PhaseStatus")]
pub enum PhaseStatus {
    /// None of its tasks started.
    Pending,
    /// A task of it started; not all finished.
    Active,
    /// Every task of it finished.
    Done,
    /// Passed over by hand.
    Skipped,
}

plain_enums!(PhaseStatus);

object! {
    /// A stage of a workflow (planning, development, testing, review, deployment ...), with the tasks
    /// it holds.
    #[Object]
    impl WorkflowPhase(workflow_phase::Model) |m| {
        /// Server-generated id (a UUIDv7).
        id: ID = to_id(m.id),
        /// Id of the workflow.
        workflow_id: ID = to_id(m.workflow_id),
        /// Name.
        name: &str = &m.name,
        /// Place in the workflow, from 0.
        position: i32 = m.position,
        /// Where it stands.
        status: PhaseStatus = m.status.into(),
        /// What must hold before it starts.
        entry_criteria: Option<&str> = m.entry_criteria.as_deref(),
        /// What must hold before it ends.
        exit_criteria: Option<&str> = m.exit_criteria.as_deref(),
        /// When it was created.
        created_at: DateTime<Utc> = m.created_at,
        /// When it last changed.
        updated_at: DateTime<Utc> = m.updated_at,
    }
    connections {
        /// Its tasks, oldest first.
        tasks() -> Task = TasksOfPhase(m.id, Filter::default()),
    }
    resolvers {
        /// The workflow it belongs to.
        async fn workflow(&self, ctx: &Context<'_>) -> async_graphql::Result<Workflow> {
            let row = by_id::<workflow::Entity, Workflow>(ctx, self.0.workflow_id).await?;
            Ok(Workflow(row.ok_or(ApiError::NotFound { entity: "workflow" })?))
        }
    }
}

impl Prefetch for WorkflowPhase {
    type Row = workflow_phase::Model;
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        level.by_id::<workflow::Entity, Workflow>(&field!(Self, workflow), |p| Some(p.workflow_id));
        Self::connections_ahead(level);
    }
}

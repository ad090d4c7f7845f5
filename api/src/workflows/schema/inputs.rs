//! The inputs and payloads of the workflow, phase, membership and assignment mutations.

use async_graphql::{ID, InputObject, SimpleObject};

use crate::{
    graphql::types::payload,
    work::schema::task::Task,
    workflows::{
        phase::{NewPhase, PhaseFields},
        schema::{
            phase::{PhaseStatus, WorkflowPhase},
            workflow::{Workflow, WorkflowKind, WorkflowStatus},
        },
        workflow::WorkflowFields,
    },
};

/// A phase to create.
#[derive(InputObject)]
pub struct WorkflowPhaseInput {
    /// Name, 1 to 255 characters.
    pub name: String,
    /// What must hold before it starts.
    pub entry_criteria: Option<String>,
    /// What must hold before it ends.
    pub exit_criteria: Option<String>,
}

impl From<WorkflowPhaseInput> for NewPhase {
    fn from(input: WorkflowPhaseInput) -> Self {
        Self { name: input.name, entry_criteria: input.entry_criteria, exit_criteria: input.exit_criteria }
    }
}

/// Input of `createWorkflow`.
#[derive(InputObject)]
pub struct CreateWorkflowInput {
    /// The project.
    pub project_id: ID,
    /// Name, 1 to 255 characters, unique in the project.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// What it must achieve.
    pub requirements: Option<String>,
    /// How it orders its tasks; `SEQUENTIAL` when omitted.
    pub kind: Option<WorkflowKind>,
    /// Its phases, in order (e.g. planning, development, testing, review, deployment).
    pub phases: Option<Vec<WorkflowPhaseInput>>,
}

impl CreateWorkflowInput {
    /// The service's fields.
    pub fn fields(&self) -> WorkflowFields {
        WorkflowFields {
            name: Some(self.name.clone()),
            description: self.description.clone(),
            requirements: self.requirements.clone(),
            kind: self.kind.map(Into::into),
        }
    }
}

/// Input of `updateWorkflow`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateWorkflowInput {
    /// The workflow to change.
    pub id: ID,
    /// New name, unique in the project.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New requirements.
    pub requirements: Option<String>,
    /// New kind.
    pub kind: Option<WorkflowKind>,
}

impl UpdateWorkflowInput {
    /// The service's fields.
    pub fn fields(&self) -> WorkflowFields {
        WorkflowFields {
            name: self.name.clone(),
            description: self.description.clone(),
            requirements: self.requirements.clone(),
            kind: self.kind.map(Into::into),
        }
    }
}

/// Input of `transitionWorkflow` (the seed's `updateWorkflowStatus`).
#[derive(InputObject)]
pub struct TransitionWorkflowInput {
    /// The workflow.
    pub id: ID,
    /// Its new status; `CONFLICT` for a move its current status does not allow (e.g. `COMPLETED` to
    /// `RUNNING`).
    pub status: WorkflowStatus,
    /// Its progress, 0 to 100 (until its tasks next change it).
    pub progress: Option<f64>,
    /// Why (kept in its history).
    pub note: Option<String>,
}

/// Input of `deleteWorkflow`.
#[derive(InputObject)]
pub struct DeleteWorkflowInput {
    /// The workflow to delete; its tasks stay in the project.
    pub id: ID,
}

/// Input of `createWorkflowPhase`.
#[derive(InputObject)]
pub struct CreateWorkflowPhaseInput {
    /// The workflow; the phase goes last.
    pub workflow_id: ID,
    /// The phase.
    #[graphql(flatten)]
    pub phase: WorkflowPhaseInput,
}

/// Input of `updateWorkflowPhase`; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateWorkflowPhaseInput {
    /// The phase.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New place (phases run in position order).
    pub position: Option<i32>,
    /// `SKIPPED` passes it over, `PENDING` takes it back; the others follow from its tasks
    /// (`BAD_USER_INPUT`).
    pub status: Option<PhaseStatus>,
    /// New entry criteria.
    pub entry_criteria: Option<String>,
    /// New exit criteria.
    pub exit_criteria: Option<String>,
}

impl From<UpdateWorkflowPhaseInput> for PhaseFields {
    fn from(input: UpdateWorkflowPhaseInput) -> Self {
        Self {
            name: input.name,
            position: input.position,
            status: input.status.map(Into::into),
            entry_criteria: input.entry_criteria,
            exit_criteria: input.exit_criteria,
        }
    }
}

/// Input of `deleteWorkflowPhase`.
#[derive(InputObject)]
pub struct DeleteWorkflowPhaseInput {
    /// The phase to delete; its tasks stay in the workflow without a phase.
    pub id: ID,
}

/// Input of `addTasksToWorkflow`.
#[derive(InputObject)]
pub struct AddTasksToWorkflowInput {
    /// The workflow.
    pub workflow_id: ID,
    /// A phase of it; the tasks go at its end (without: among the workflow's tasks without a phase).
    pub phase_id: Option<ID>,
    /// Tasks of the workflow's project, 1 to 500, in the order they go.
    pub task_ids: Vec<ID>,
}

/// Input of `removeTasksFromWorkflow`.
#[derive(InputObject)]
pub struct RemoveTasksFromWorkflowInput {
    /// The workflow.
    pub workflow_id: ID,
    /// Tasks of it, 1 to 500; they stay in the project.
    pub task_ids: Vec<ID>,
}

/// Input of `assignTask`.
#[derive(InputObject)]
pub struct AssignTaskInput {
    /// The task.
    pub task_id: ID,
    /// A member of the organization (`NOT_FOUND` for anyone else).
    pub assignee_id: Option<ID>,
    /// An agent, e.g. `claude-code`.
    pub assigned_agent: Option<String>,
}

/// Input of `unassignTask`.
#[derive(InputObject)]
pub struct UnassignTaskInput {
    /// The task; its assignee and agent are cleared.
    pub task_id: ID,
}

payload!(
    /// Result of `createWorkflow`.
    CreateWorkflowPayload {
        /// The workflow as it is now.
        workflow: Workflow
    }
);

payload!(
    /// Result of `updateWorkflow`.
    UpdateWorkflowPayload {
        /// The workflow as it is now.
        workflow: Workflow
    }
);

payload!(
    /// Result of `transitionWorkflow`.
    TransitionWorkflowPayload {
        /// The workflow as it is now.
        workflow: Workflow
    }
);

payload!(
    /// Result of `addTasksToWorkflow`.
    AddTasksToWorkflowPayload {
        /// The workflow as it is now.
        workflow: Workflow
    }
);

payload!(
    /// Result of `removeTasksFromWorkflow`.
    RemoveTasksFromWorkflowPayload {
        /// The workflow as it is now.
        workflow: Workflow
    }
);

payload!(
    /// Result of `createWorkflowPhase`.
    CreateWorkflowPhasePayload {
        /// The phase as it is now.
        workflow_phase: WorkflowPhase
    }
);

payload!(
    /// Result of `updateWorkflowPhase`.
    UpdateWorkflowPhasePayload {
        /// The phase as it is now.
        workflow_phase: WorkflowPhase
    }
);

payload!(
    /// Result of `assignTask`.
    AssignTaskPayload {
        /// The task as it is now.
        task: Task
    }
);

payload!(
    /// Result of `unassignTask`.
    UnassignTaskPayload {
        /// The task as it is now.
        task: Task
    }
);

/// Result of `deleteWorkflow`.
#[derive(SimpleObject)]
pub struct DeleteWorkflowPayload {
    /// Id of the deleted workflow.
    pub deleted_id: ID,
}

/// Result of `deleteWorkflowPhase`.
#[derive(SimpleObject)]
pub struct DeleteWorkflowPhasePayload {
    /// Id of the deleted phase.
    pub deleted_id: ID,
}

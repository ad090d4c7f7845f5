//! Workflow mutations: workflows, phases, which tasks they hold, assignment, task definitions.

use async_graphql::{Context, ID, Object};
use uuid::Uuid;

use crate::{
    graphql::{parse_id, service_ctx},
    work::{schema::task::Task, task::Placement},
    workflows::{
        assignment, definition as definitions, membership, phase as phases,
        schema::{
            definition::{
                CreateTaskDefinitionInput, CreateTaskDefinitionPayload, CreateTaskFromDefinitionInput,
                CreateTaskFromDefinitionPayload, DeleteTaskDefinitionInput, DeleteTaskDefinitionPayload,
                TaskDefinition, UpdateTaskDefinitionInput, UpdateTaskDefinitionPayload,
            },
            inputs::{
                AddTasksToWorkflowInput, AddTasksToWorkflowPayload, AssignTaskInput, AssignTaskPayload,
                CreateWorkflowInput, CreateWorkflowPayload, CreateWorkflowPhaseInput, CreateWorkflowPhasePayload,
                DeleteWorkflowInput, DeleteWorkflowPayload, DeleteWorkflowPhaseInput, DeleteWorkflowPhasePayload,
                RemoveTasksFromWorkflowInput, RemoveTasksFromWorkflowPayload, TransitionWorkflowInput,
                TransitionWorkflowPayload, UnassignTaskInput, UnassignTaskPayload, UpdateWorkflowInput,
                UpdateWorkflowPayload, UpdateWorkflowPhaseInput, UpdateWorkflowPhasePayload,
            },
            phase::WorkflowPhase,
            workflow::Workflow,
        },
        workflow as workflows,
    },
};

/// `ids` parsed, each error naming `field`.
fn parse_ids(field: &str, ids: &[ID]) -> Result<Vec<Uuid>, crate::error::ApiError> {
    ids.iter().map(|id| parse_id(field, id)).collect()
}

/// A workflow placement from optional ids: none without a workflow; a phase alone is refused.
pub fn placement(workflow: Option<&ID>, phase: Option<&ID>) -> Result<Option<Placement>, crate::error::ApiError> {
    match (workflow, phase) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(crate::error::ApiError::bad_input("`phaseId` needs `workflowId`")),
        (Some(workflow), phase) => Ok(Some(Placement {
            workflow_id: parse_id("workflowId", workflow)?,
            phase_id: phase.map(|p| parse_id("phaseId", p)).transpose()?,
        })),
    }
}

/// Workflow mutations.
#[derive(Default)]
pub struct WorkflowsMutation;

#[Object]
impl WorkflowsMutation {
    /// Creates a workflow in a project, as `DRAFT`, with its phases in order. Errors: `NOT_FOUND`
    /// (project), `BAD_USER_INPUT`, `CONFLICT` (name taken in the project).
    async fn create_workflow(
        &self,
        ctx: &Context<'_>,
        input: CreateWorkflowInput,
    ) -> async_graphql::Result<CreateWorkflowPayload> {
        let project_id = parse_id("projectId", &input.project_id)?;
        let fields = input.fields();
        let phases = input.phases.unwrap_or_default().into_iter().map(Into::into).collect();
        let workflow = workflows::create(service_ctx(ctx)?, project_id, fields, phases).await?;
        Ok(CreateWorkflowPayload { workflow: Workflow(workflow) })
    }

    /// Changes a workflow's name, description, requirements or kind. Errors: `NOT_FOUND`,
    /// `BAD_USER_INPUT`, `CONFLICT` (name taken).
    async fn update_workflow(
        &self,
        ctx: &Context<'_>,
        input: UpdateWorkflowInput,
    ) -> async_graphql::Result<UpdateWorkflowPayload> {
        let id = parse_id("id", &input.id)?;
        let workflow = workflows::update(service_ctx(ctx)?, id, input.fields()).await?;
        Ok(UpdateWorkflowPayload { workflow: Workflow(workflow) })
    }

    /// Moves a workflow to a status by hand (the seed's `updateWorkflowStatus`), recording how long it
    /// spent in the old one. Errors: `NOT_FOUND`, `BAD_USER_INPUT` (progress out of 0 to 100),
    /// `CONFLICT` (a move its status does not allow, e.g. `COMPLETED` to `RUNNING`).
    async fn transition_workflow(
        &self,
        ctx: &Context<'_>,
        input: TransitionWorkflowInput,
    ) -> async_graphql::Result<TransitionWorkflowPayload> {
        let id = parse_id("id", &input.id)?;
        let workflow =
            workflows::transition(service_ctx(ctx)?, id, input.status.into(), input.progress, input.note).await?;
        Ok(TransitionWorkflowPayload { workflow: Workflow(workflow) })
    }

    /// Deletes a workflow with its phases and history; its tasks stay in the project. Errors:
    /// `NOT_FOUND`.
    async fn delete_workflow(
        &self,
        ctx: &Context<'_>,
        input: DeleteWorkflowInput,
    ) -> async_graphql::Result<DeleteWorkflowPayload> {
        workflows::delete(service_ctx(ctx)?, parse_id("id", &input.id)?).await?;
        Ok(DeleteWorkflowPayload { deleted_id: input.id })
    }

    /// Adds a phase at the end of a workflow. Errors: `NOT_FOUND`, `BAD_USER_INPUT`.
    async fn create_workflow_phase(
        &self,
        ctx: &Context<'_>,
        input: CreateWorkflowPhaseInput,
    ) -> async_graphql::Result<CreateWorkflowPhasePayload> {
        let workflow_id = parse_id("workflowId", &input.workflow_id)?;
        let phase = phases::create(service_ctx(ctx)?, workflow_id, input.phase.into()).await?;
        Ok(CreateWorkflowPhasePayload { workflow_phase: WorkflowPhase(phase) })
    }

    /// Renames, moves or skips a phase. Errors: `NOT_FOUND`, `BAD_USER_INPUT`.
    async fn update_workflow_phase(
        &self,
        ctx: &Context<'_>,
        input: UpdateWorkflowPhaseInput,
    ) -> async_graphql::Result<UpdateWorkflowPhasePayload> {
        let id = parse_id("id", &input.id)?;
        let phase = phases::update(service_ctx(ctx)?, id, input.into()).await?;
        Ok(UpdateWorkflowPhasePayload { workflow_phase: WorkflowPhase(phase) })
    }

    /// Deletes a phase; its tasks stay in the workflow without a phase. Errors: `NOT_FOUND`.
    async fn delete_workflow_phase(
        &self,
        ctx: &Context<'_>,
        input: DeleteWorkflowPhaseInput,
    ) -> async_graphql::Result<DeleteWorkflowPhasePayload> {
        phases::delete(service_ctx(ctx)?, parse_id("id", &input.id)?).await?;
        Ok(DeleteWorkflowPhasePayload { deleted_id: input.id })
    }

    /// Puts tasks of the workflow's project, in order, at the end of a phase (or among the workflow's
    /// tasks without a phase), taking them out of any other workflow. Errors: `NOT_FOUND` (workflow,
    /// phase, task), `BAD_USER_INPUT` (another project's task, another workflow's phase).
    async fn add_tasks_to_workflow(
        &self,
        ctx: &Context<'_>,
        input: AddTasksToWorkflowInput,
    ) -> async_graphql::Result<AddTasksToWorkflowPayload> {
        let workflow_id = parse_id("workflowId", &input.workflow_id)?;
        let phase_id = input.phase_id.as_ref().map(|p| parse_id("phaseId", p)).transpose()?;
        let task_ids = parse_ids("taskIds", &input.task_ids)?;
        let workflow = membership::add(service_ctx(ctx)?, workflow_id, phase_id, &task_ids).await?;
        Ok(AddTasksToWorkflowPayload { workflow: Workflow(workflow) })
    }

    /// Takes tasks out of a workflow; they stay in the project. Errors: `NOT_FOUND`, `BAD_USER_INPUT`
    /// (a task not in the workflow).
    async fn remove_tasks_from_workflow(
        &self,
        ctx: &Context<'_>,
        input: RemoveTasksFromWorkflowInput,
    ) -> async_graphql::Result<RemoveTasksFromWorkflowPayload> {
        let workflow_id = parse_id("workflowId", &input.workflow_id)?;
        let task_ids = parse_ids("taskIds", &input.task_ids)?;
        let workflow = membership::remove(service_ctx(ctx)?, workflow_id, &task_ids).await?;
        Ok(RemoveTasksFromWorkflowPayload { workflow: Workflow(workflow) })
    }

    /// Assigns a task to a member of the organization and/or an agent (`task.assigned`). Errors:
    /// `NOT_FOUND` (task; a user outside the organization), `BAD_USER_INPUT`.
    async fn assign_task(&self, ctx: &Context<'_>, input: AssignTaskInput) -> async_graphql::Result<AssignTaskPayload> {
        let task_id = parse_id("taskId", &input.task_id)?;
        let assignee = input.assignee_id.as_ref().map(|id| parse_id("assigneeId", id)).transpose()?;
        let task = assignment::assign(service_ctx(ctx)?, task_id, assignee, input.assigned_agent).await?;
        Ok(AssignTaskPayload { task: Task(task) })
    }

    /// Clears a task's assignee and agent (`task.unassigned`). Errors: `NOT_FOUND`.
    async fn unassign_task(
        &self,
        ctx: &Context<'_>,
        input: UnassignTaskInput,
    ) -> async_graphql::Result<UnassignTaskPayload> {
        let task = assignment::unassign(service_ctx(ctx)?, parse_id("taskId", &input.task_id)?).await?;
        Ok(UnassignTaskPayload { task: Task(task) })
    }

    /// Creates version 1 of a task definition. Errors: `BAD_USER_INPUT` (an invalid JSON Schema,
    /// template, quantity or policy, named), `CONFLICT` (the name exists: update it instead).
    async fn create_task_definition(
        &self,
        ctx: &Context<'_>,
        input: CreateTaskDefinitionInput,
    ) -> async_graphql::Result<CreateTaskDefinitionPayload> {
        let definition = definitions::create(service_ctx(ctx)?, input.into()).await?;
        Ok(CreateTaskDefinitionPayload { task_definition: TaskDefinition(definition) })
    }

    /// Makes the next version of a task definition from the given one and the changes. Errors:
    /// `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT` (another update made that version first).
    async fn update_task_definition(
        &self,
        ctx: &Context<'_>,
        input: UpdateTaskDefinitionInput,
    ) -> async_graphql::Result<UpdateTaskDefinitionPayload> {
        let id = parse_id("id", &input.id)?;
        let definition = definitions::update(service_ctx(ctx)?, id, input.into()).await?;
        Ok(UpdateTaskDefinitionPayload { task_definition: TaskDefinition(definition) })
    }

    /// Deletes a version of a task definition; the tasks it made lose the link. Errors: `NOT_FOUND`.
    async fn delete_task_definition(
        &self,
        ctx: &Context<'_>,
        input: DeleteTaskDefinitionInput,
    ) -> async_graphql::Result<DeleteTaskDefinitionPayload> {
        definitions::delete(service_ctx(ctx)?, parse_id("id", &input.id)?).await?;
        Ok(DeleteTaskDefinitionPayload { deleted_id: input.id })
    }

    /// Makes a task from a definition: the input checked against its JSON Schema, the fields filled
    /// from its defaults, the definition's version recorded. Errors: `NOT_FOUND` (definition, project,
    /// workflow, phase), `BAD_USER_INPUT` (the input does not match, naming the path).
    async fn create_task_from_definition(
        &self,
        ctx: &Context<'_>,
        input: CreateTaskFromDefinitionInput,
    ) -> async_graphql::Result<CreateTaskFromDefinitionPayload> {
        let new = definitions::FromDefinition {
            definition_id: parse_id("definitionId", &input.definition_id)?,
            project_id: parse_id("projectId", &input.project_id)?,
            placement: placement(input.workflow_id.as_ref(), input.phase_id.as_ref())?,
            input: input.input.0,
        };
        Ok(CreateTaskFromDefinitionPayload { task: Task(definitions::create_task(service_ctx(ctx)?, new).await?) })
    }
}

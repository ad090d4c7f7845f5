//! Task mutations: create, update (versioned), transition, delete, dependencies, Task Master import.

use async_graphql::{Context, ID, Json, Object};
use serde_json::Value;

use crate::{
    events::schema::audit::ImportReport,
    graphql::{parse_id, service_ctx},
    work::{
        import::{self, ImportOptions},
        schema::{
            task::{Task, TaskStatus},
            task_input::{
                AddTaskDependencyInput, AddTaskDependencyPayload, CreateTaskInput, CreateTaskPayload, DeleteTaskInput,
                DeleteTaskPayload, RemoveTaskDependencyInput, RemoveTaskDependencyPayload, UpdateTaskInput,
                UpdateTaskPayload,
            },
        },
        task::{self, NewTask, TaskFields},
    },
};

/// Task mutations.
#[derive(Default)]
pub struct TaskMutation;

#[Object]
impl TaskMutation {
    /// Creates a task, or a subtask with `parentId`; records its first state and an audit entry.
    /// Errors: `NOT_FOUND` (project, parent), `BAD_USER_INPUT`, `CONFLICT` (external id taken).
    async fn create_task(&self, ctx: &Context<'_>, input: CreateTaskInput) -> async_graphql::Result<CreateTaskPayload> {
        let new = NewTask {
            project_id: parse_id("projectId", &input.project_id)?,
            parent_id: input.parent_id.map(|id| parse_id("parentId", &id)).transpose()?,
            external_id: input.external_id,
            tag: input.tag,
            placement: crate::workflows::schema::mutation::placement(
                input.workflow_id.as_ref(),
                input.phase_id.as_ref(),
            )?,
            definition_id: None,
            fields: input.fields.into_fields(Some(input.title))?,
        };
        Ok(CreateTaskPayload { task: Task(task::create(service_ctx(ctx)?, new).await?) })
    }

    /// Changes a task and increments its `version`. Pass the `version` you read to be told
    /// `CONFLICT` when someone changed it since. A new status is recorded in `history` with the time
    /// spent in the old one. Errors: `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`.
    async fn update_task(&self, ctx: &Context<'_>, input: UpdateTaskInput) -> async_graphql::Result<UpdateTaskPayload> {
        let id = parse_id("id", &input.id)?;
        let fields = input.fields.into_fields(input.title)?;
        let updated = task::update(service_ctx(ctx)?, id, input.version, fields, input.note).await?;
        Ok(UpdateTaskPayload { task: Task(updated) })
    }

    /// Moves a task to `status`, recording the transition, how long the task spent in the old status,
    /// who moved it and `note`. Errors: `NOT_FOUND`, `BAD_USER_INPUT`.
    async fn transition_task(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: TaskStatus,
        note: Option<String>,
    ) -> async_graphql::Result<Task> {
        let id = parse_id("id", &id)?;
        let fields = TaskFields { status: Some(status.into()), ..TaskFields::default() };
        Ok(Task(task::update(service_ctx(ctx)?, id, None, fields, note).await?))
    }

    /// Deletes a task with its subtasks. Errors: `NOT_FOUND`.
    async fn delete_task(&self, ctx: &Context<'_>, input: DeleteTaskInput) -> async_graphql::Result<DeleteTaskPayload> {
        let id = parse_id("id", &input.id)?;
        task::delete(service_ctx(ctx)?, id).await?;
        Ok(DeleteTaskPayload { deleted_id: input.id })
    }

    /// Makes `taskId` depend on `dependsOnId` (or changes the kind of an existing dependency).
    /// Errors: `NOT_FOUND`, `BAD_USER_INPUT` (self, another project, or a `BLOCKS` cycle, which the
    /// message names task by task).
    async fn add_task_dependency(
        &self,
        ctx: &Context<'_>,
        input: AddTaskDependencyInput,
    ) -> async_graphql::Result<AddTaskDependencyPayload> {
        let task_id = parse_id("taskId", &input.task_id)?;
        let depends_on = parse_id("dependsOnId", &input.depends_on_id)?;
        let kind = input.kind.map_or(entity::task_dependency::DependencyKind::Blocks, Into::into);
        Ok(AddTaskDependencyPayload {
            task: Task(task::add_dependency(service_ctx(ctx)?, task_id, depends_on, kind).await?),
        })
    }

    /// Removes a dependency. Errors: `NOT_FOUND` (no such dependency).
    async fn remove_task_dependency(
        &self,
        ctx: &Context<'_>,
        input: RemoveTaskDependencyInput,
    ) -> async_graphql::Result<RemoveTaskDependencyPayload> {
        let task_id = parse_id("taskId", &input.task_id)?;
        let depends_on = parse_id("dependsOnId", &input.depends_on_id)?;
        Ok(RemoveTaskDependencyPayload {
            task: Task(task::remove_dependency(service_ctx(ctx)?, task_id, depends_on).await?),
        })
    }

    /// Imports a Task Master `tasks.json` document (legacy or tagged) into a project, in one
    /// transaction: tasks are matched by tag and Task Master id, so importing the same document twice
    /// changes nothing and an edited one updates what changed. `tags` limits the import to those tags;
    /// `dryRun` (default false) reports without writing; `strict` (default false) refuses dangling or
    /// cyclic dependencies instead of
    /// leaving them out with a warning. Errors: `NOT_FOUND` (project), `BAD_USER_INPUT` (the
    /// document's problems, each with its place: nothing is imported).
    async fn import_task_master_tasks(
        &self,
        ctx: &Context<'_>,
        project_id: ID,
        document: Json<Value>,
        tags: Option<Vec<String>>,
        dry_run: Option<bool>,
        strict: Option<bool>,
    ) -> async_graphql::Result<ImportReport> {
        let project_id = parse_id("projectId", &project_id)?;
        let options = ImportOptions { tags, dry_run: dry_run.unwrap_or(false), strict: strict.unwrap_or(false) };
        let report = import::import(service_ctx(ctx)?, project_id, &document.0, &options, &|_, _| {}).await?;
        Ok(report.into())
    }
}

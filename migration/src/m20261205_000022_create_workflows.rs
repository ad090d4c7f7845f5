//! Workflows (seeds 002 and 004): `workflows` (a project's orchestrated set of tasks, run in
//! sequence, in parallel by phase or as a dependency graph), `workflow_phases` (its ordered stages),
//! `workflow_state_transitions` (its status history with durations), `task_definitions` (versioned,
//! reusable task templates of an organization); tasks gain their place in a workflow, their assignment,
//! schedule, acceptance criteria, context and the definition that made them; log events gain the
//! workflow they concern.
//!
//! The new task columns reference workflows, phases, users and definitions. On PostgreSQL they are
//! foreign keys that set themselves null when what they name is deleted; SQLite cannot drop a column
//! that a foreign key uses (so `down` could not undo them) nor add a constraint to an existing table
//! without rebuilding it, so there they are plain columns and the services clear them on those deletes
//! on both databases.

use crate::columns::{cascade_fk, id, index, json, status, timestamp_now, timestamp_null, uuid_ref};
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Task columns added here: (column, definition, the table it names when it is a reference).
fn task_columns() -> Vec<(Tasks, ColumnDef, Option<Tables>)> {
    let uuid = |c: Tasks| ColumnDef::new(c).uuid().null().to_owned();
    vec![
        (Tasks::WorkflowId, uuid(Tasks::WorkflowId), Some(Tables::Workflows)),
        (Tasks::PhaseId, uuid(Tasks::PhaseId), Some(Tables::WorkflowPhases)),
        (Tasks::Position, ColumnDef::new(Tasks::Position).integer().null().to_owned(), None),
        (Tasks::AssigneeId, uuid(Tasks::AssigneeId), Some(Tables::Users)),
        (Tasks::AssignedAgent, ColumnDef::new(Tasks::AssignedAgent).string_len(100).null().to_owned(), None),
        (Tasks::ScheduledAt, timestamp_null(Tasks::ScheduledAt), None),
        (Tasks::AcceptanceCriteria, json(Tasks::AcceptanceCriteria, "[]"), None),
        (Tasks::Context, json(Tasks::Context, "{}"), None),
        (Tasks::DefinitionId, uuid(Tasks::DefinitionId), Some(Tables::TaskDefinitions)),
    ]
}

/// Indexes on `tasks` added here: the workflow's tasks, and the organization-wide task list's filters.
fn task_indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("idx_tasks_workflow", Tasks::Table, [Tasks::WorkflowId, Tasks::Id]),
        index("idx_tasks_phase", Tasks::Table, [Tasks::PhaseId, Tasks::Id]),
        index("idx_tasks_assigned_agent", Tasks::Table, [Tasks::AssignedAgent, Tasks::Id]),
        index("idx_tasks_assignee", Tasks::Table, [Tasks::AssigneeId, Tasks::Id]),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let kinds = ["sequential", "parallel", "dag"];
        let statuses = ["draft", "running", "paused", "completed", "failed", "cancelled"];
        manager
            .create_table(
                Table::create()
                    .table(Workflows::Table)
                    .col(id(Workflows::Id))
                    .col(uuid_ref(Workflows::ProjectId))
                    .col(ColumnDef::new(Workflows::Name).string_len(255).not_null())
                    .col(ColumnDef::new(Workflows::Description).text().null())
                    .col(ColumnDef::new(Workflows::Requirements).text().null())
                    .col(status(Workflows::Kind, &kinds, "sequential"))
                    .col(status(Workflows::Status, &statuses, "draft"))
                    .col(ColumnDef::new(Workflows::Progress).double().not_null().default(0.0))
                    // No foreign key: phases belong to the workflow (a cycle); the service keeps it.
                    .col(ColumnDef::new(Workflows::CurrentPhaseId).uuid().null())
                    .col(json(Workflows::Metrics, "{}"))
                    .col(timestamp_null(Workflows::StartedAt))
                    .col(timestamp_null(Workflows::CompletedAt))
                    .col(timestamp_now(Workflows::CreatedAt))
                    .col(timestamp_now(Workflows::UpdatedAt))
                    .foreign_key(&mut cascade_fk(Workflows::Table, Workflows::ProjectId, Projects::Table, Projects::Id))
                    .to_owned(),
            )
            .await?;
        let mut unique = index("idx_workflows_project_name", Workflows::Table, [Workflows::ProjectId, Workflows::Name]);
        manager.create_index(unique.unique().to_owned()).await?;
        manager
            .create_index(index("idx_workflows_project", Workflows::Table, [Workflows::ProjectId, Workflows::Id]))
            .await?;
        manager
            .create_index(index("idx_workflows_status", Workflows::Table, [Workflows::Status, Workflows::Id]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WorkflowPhases::Table)
                    .col(id(WorkflowPhases::Id))
                    .col(uuid_ref(WorkflowPhases::WorkflowId))
                    .col(ColumnDef::new(WorkflowPhases::Name).string_len(255).not_null())
                    .col(ColumnDef::new(WorkflowPhases::Position).integer().not_null())
                    .col(status(WorkflowPhases::Status, &["pending", "active", "done", "skipped"], "pending"))
                    .col(ColumnDef::new(WorkflowPhases::EntryCriteria).text().null())
                    .col(ColumnDef::new(WorkflowPhases::ExitCriteria).text().null())
                    .col(timestamp_now(WorkflowPhases::CreatedAt))
                    .col(timestamp_now(WorkflowPhases::UpdatedAt))
                    .foreign_key(&mut cascade_fk(
                        WorkflowPhases::Table,
                        WorkflowPhases::WorkflowId,
                        Workflows::Table,
                        Workflows::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let by_workflow = [WorkflowPhases::WorkflowId, WorkflowPhases::Position];
        manager.create_index(index("idx_workflow_phases_workflow", WorkflowPhases::Table, by_workflow)).await?;

        manager
            .create_table(
                Table::create()
                    .table(WorkflowStateTransitions::Table)
                    .col(id(WorkflowStateTransitions::Id))
                    .col(uuid_ref(WorkflowStateTransitions::WorkflowId))
                    .col(ColumnDef::new(WorkflowStateTransitions::FromStatus).string_len(50).null())
                    .col(ColumnDef::new(WorkflowStateTransitions::ToStatus).string_len(50).not_null())
                    .col(ColumnDef::new(WorkflowStateTransitions::DurationMs).big_integer().null())
                    .col(ColumnDef::new(WorkflowStateTransitions::Actor).string_len(255).null())
                    .col(ColumnDef::new(WorkflowStateTransitions::Note).text().null())
                    .col(timestamp_now(WorkflowStateTransitions::CreatedAt))
                    .foreign_key(&mut cascade_fk(
                        WorkflowStateTransitions::Table,
                        WorkflowStateTransitions::WorkflowId,
                        Workflows::Table,
                        Workflows::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let by_workflow = [WorkflowStateTransitions::WorkflowId, WorkflowStateTransitions::Id];
        manager
            .create_index(index("idx_workflow_transitions_workflow", WorkflowStateTransitions::Table, by_workflow))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TaskDefinitions::Table)
                    .col(id(TaskDefinitions::Id))
                    .col(uuid_ref(TaskDefinitions::OrganizationId))
                    .col(ColumnDef::new(TaskDefinitions::Name).string_len(255).not_null())
                    .col(ColumnDef::new(TaskDefinitions::Version).integer().not_null())
                    .col(ColumnDef::new(TaskDefinitions::Description).text().null())
                    .col(json(TaskDefinitions::InputSchema, "{}"))
                    .col(json(TaskDefinitions::Defaults, "{}"))
                    .col(json(TaskDefinitions::Resources, "{}"))
                    .col(json(TaskDefinitions::RetryPolicy, "{}"))
                    .col(timestamp_now(TaskDefinitions::CreatedAt))
                    .foreign_key(&mut cascade_fk(
                        TaskDefinitions::Table,
                        TaskDefinitions::OrganizationId,
                        Organizations::Table,
                        Organizations::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        let key = [TaskDefinitions::OrganizationId, TaskDefinitions::Name, TaskDefinitions::Version];
        let mut unique = index("idx_task_definitions_name_version", TaskDefinitions::Table, key);
        manager.create_index(unique.unique().to_owned()).await?;
        let by_org = [TaskDefinitions::OrganizationId, TaskDefinitions::Id];
        manager.create_index(index("idx_task_definitions_organization", TaskDefinitions::Table, by_org)).await?;

        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for (column, def, references) in task_columns() {
            manager.alter_table(Table::alter().table(Tasks::Table).add_column(def).to_owned()).await?;
            if let (true, Some(table)) = (postgres, references) {
                let name = format!("fk_tasks_{}", column.to_string());
                let fk = ForeignKey::create()
                    .name(name)
                    .from(Tasks::Table, column)
                    .to(table, Alias::new("id"))
                    .on_delete(ForeignKeyAction::SetNull)
                    .to_owned();
                manager.create_foreign_key(fk).await?;
            }
        }
        for statement in task_indexes() {
            manager.create_index(statement).await?;
        }
        let column = ColumnDef::new(Events::WorkflowId).uuid().null().to_owned();
        manager.alter_table(Table::alter().table(Events::Table).add_column(column).to_owned()).await?;
        let by_workflow = [Events::OrganizationId, Events::WorkflowId, Events::Position];
        manager.create_index(index("idx_events_workflow", Events::Table, by_workflow)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_events_workflow").table(Events::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Events::Table).drop_column(Events::WorkflowId).to_owned()).await?;
        for statement in task_indexes() {
            let name = statement.get_index_spec().get_name().unwrap_or_default().to_owned();
            manager.drop_index(Index::drop().name(name).table(Tasks::Table).to_owned()).await?;
        }
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for (column, _, references) in task_columns().into_iter().rev() {
            if postgres && references.is_some() {
                let name = format!("fk_tasks_{}", column.to_string());
                manager.drop_foreign_key(ForeignKey::drop().name(name).table(Tasks::Table).to_owned()).await?;
            }
            manager.alter_table(Table::alter().table(Tasks::Table).drop_column(column).to_owned()).await?;
        }
        for table in
            [Tables::TaskDefinitions, Tables::WorkflowStateTransitions, Tables::WorkflowPhases, Tables::Workflows]
        {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

/// The tables this migration creates or references, by name.
#[derive(DeriveIden, Clone, Copy)]
enum Tables {
    Workflows,
    WorkflowPhases,
    WorkflowStateTransitions,
    TaskDefinitions,
    Users,
}

#[derive(DeriveIden, Clone, Copy)]
enum Workflows {
    Table,
    Id,
    ProjectId,
    Name,
    Description,
    Requirements,
    Kind,
    Status,
    Progress,
    CurrentPhaseId,
    Metrics,
    StartedAt,
    CompletedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WorkflowPhases {
    Table,
    Id,
    WorkflowId,
    Name,
    Position,
    Status,
    EntryCriteria,
    ExitCriteria,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WorkflowStateTransitions {
    Table,
    Id,
    WorkflowId,
    FromStatus,
    ToStatus,
    DurationMs,
    Actor,
    Note,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TaskDefinitions {
    Table,
    Id,
    OrganizationId,
    Name,
    Version,
    Description,
    InputSchema,
    Defaults,
    Resources,
    RetryPolicy,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tasks {
    Table,
    Id,
    WorkflowId,
    PhaseId,
    Position,
    AssigneeId,
    AssignedAgent,
    ScheduledAt,
    AcceptanceCriteria,
    Context,
    DefinitionId,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    OrganizationId,
    WorkflowId,
    Position,
}

//! Docket's schema migrations: one per table, each with a working `down`.
//!
//! The same code runs on SQLite and PostgreSQL through SeaORM's schema manager. JSON columns are
//! `jsonb` on PostgreSQL and JSON text on SQLite; timestamps carry a time zone; enum columns carry
//! CHECK constraints; child rows cascade with their parent.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261121_000001_create_workspaces;
mod m20261121_000002_create_documentation_sessions;
mod m20261121_000003_create_session_todos;
mod m20261121_000004_create_session_todo_dependencies;
mod m20261121_000005_create_session_events;
mod m20261121_000006_create_projects;
mod m20261121_000007_create_tasks;
mod m20261121_000008_create_task_dependencies;
mod m20261121_000009_create_task_state_transitions;
mod m20261121_000010_create_audit_log;
mod m20261121_000011_create_task_executions;
mod m20261121_000012_create_pull_requests;
mod m20261125_000013_create_organizations_and_access;

pub use m20261125_000013_create_organizations_and_access::DEFAULT_ORGANIZATION_ID;
mod m20261125_000014_scope_by_organization;
mod m20261125_000015_add_todo_lease_holder;
mod m20261125_000016_create_event_log;
mod m20261125_000017_create_inbound_hook_secrets;
mod m20261125_000018_create_event_log_horizons;
mod m20261125_000019_create_webhooks;
mod m20261203_000020_event_subjects_and_names;
mod m20261204_000021_add_task_external_form;
mod m20261205_000022_create_workflows;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_workspaces::Migration),
            Box::new(m20261121_000002_create_documentation_sessions::Migration),
            Box::new(m20261121_000003_create_session_todos::Migration),
            Box::new(m20261121_000004_create_session_todo_dependencies::Migration),
            Box::new(m20261121_000005_create_session_events::Migration),
            Box::new(m20261121_000006_create_projects::Migration),
            Box::new(m20261121_000007_create_tasks::Migration),
            Box::new(m20261121_000008_create_task_dependencies::Migration),
            Box::new(m20261121_000009_create_task_state_transitions::Migration),
            Box::new(m20261121_000010_create_audit_log::Migration),
            Box::new(m20261121_000011_create_task_executions::Migration),
            Box::new(m20261121_000012_create_pull_requests::Migration),
            Box::new(m20261125_000013_create_organizations_and_access::Migration),
            Box::new(m20261125_000014_scope_by_organization::Migration),
            Box::new(m20261125_000015_add_todo_lease_holder::Migration),
            Box::new(m20261125_000016_create_event_log::Migration),
            Box::new(m20261125_000017_create_inbound_hook_secrets::Migration),
            Box::new(m20261125_000018_create_event_log_horizons::Migration),
            Box::new(m20261125_000019_create_webhooks::Migration),
            Box::new(m20261203_000020_event_subjects_and_names::Migration),
            Box::new(m20261204_000021_add_task_external_form::Migration),
            Box::new(m20261205_000022_create_workflows::Migration),
        ]
    }
}

//! GraphQL object, enum and input types, one file per domain.

/// Declares the payload of one mutation: an object named after it (`CreateProjectPayload` for
/// `createProject`, as Relay's mutation convention has it) holding what the mutation returns.
macro_rules! payload {
    ($(#[$doc:meta])* $name:ident { $(#[$field_doc:meta])* $field:ident: $ty:ty }) => {
        $(#[$doc])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            $(#[$field_doc])*
            pub $field: $ty,
        }
    };
}

pub mod access;
pub mod audit;
pub mod event;
pub mod event_type;
pub mod execution;
pub mod log_event;
pub mod project;
pub mod pull_request;
pub mod session;
pub mod task;
pub mod task_event;
pub mod task_filter;
pub mod task_history;
pub mod task_input;
pub mod todo;
pub mod webhook;
pub mod workspace;

pub use audit::AuditEntry;
pub use event::SessionEvent;
pub use project::Project;
pub use session::{DocumentationSession, SessionStatus};
pub use task::Task;
pub use todo::{SessionTodo, TodoStatus};
pub use workspace::Workspace;

//! Short names for every entity.

pub use super::audit_log::Entity as AuditLog;
pub use super::documentation_session::Entity as DocumentationSession;
pub use super::project::Entity as Project;
pub use super::session_event::Entity as SessionEvent;
pub use super::session_todo::Entity as SessionTodo;
pub use super::session_todo_dependency::Entity as SessionTodoDependency;
pub use super::task::Entity as Task;
pub use super::task_dependency::Entity as TaskDependency;
pub use super::task_state_transition::Entity as TaskStateTransition;
pub use super::workspace::Entity as Workspace;

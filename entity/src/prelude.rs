//! Short names for every entity.

pub use super::documentation_session::Entity as DocumentationSession;
pub use super::session_event::Entity as SessionEvent;
pub use super::session_todo::Entity as SessionTodo;
pub use super::session_todo_dependency::Entity as SessionTodoDependency;
pub use super::workspace::Entity as Workspace;

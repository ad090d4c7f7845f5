//! GraphQL object, enum and input types, one file per domain.

pub mod event;
pub mod session;
pub mod todo;
pub mod workspace;

pub use event::SessionEvent;
pub use session::{DocumentationSession, SessionStatus};
pub use todo::{SessionTodo, TodoStatus};
pub use workspace::Workspace;

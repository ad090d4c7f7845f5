//! Documentation sessions: workspaces, sessions that document a module file by file, their todos
//! (claimed under a lease) and each session's gapless event stream.

pub mod event;
pub mod schema;
pub mod session;
pub mod todo;
pub mod workspace;

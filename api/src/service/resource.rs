//! The kinds of record a write can touch, and how each is named in the audit log and the event log.
//!
//! Every write records what it did through [`super::Tx::record`]: one audit entry (its `entityType` is
//! [`Resource::audit_name`]) and one event in the organization's log, named `resource.verb`
//! ([`Resource::event_name`], then the verb: `workspace.created`, `todo.claimed`, `member.role_changed`)
//! and about its subject (`subjectType`, `subjectId`). A new kind of record is one variant here; its
//! names are written nowhere else.

/// A kind of record that writes touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    /// An organization.
    Organization,
    /// A user (a person).
    User,
    /// A user's membership of an organization (the subject id is the user's).
    Member,
    /// An API key.
    ApiKey,
    /// A workspace (a source tree).
    Workspace,
    /// A documentation session.
    Session,
    /// A session's todo.
    Todo,
    /// A dependency between two todos (the subject id is the dependent todo's).
    TodoDependency,
    /// An event of a session's stream (its own stream is its announcement).
    SessionEvent,
    /// A project.
    Project,
    /// A task.
    Task,
    /// A dependency between two tasks (the subject id is the dependent task's).
    TaskDependency,
    /// An agent's execution of a task.
    Execution,
    /// A pull request.
    PullRequest,
    /// A link between a pull request and a task (audited under the task; its event is about the pull
    /// request).
    PullRequestLink,
    /// An event a client recorded in the log (the log entry is its announcement).
    LogEvent,
    /// A registered event type.
    EventType,
    /// An outbound webhook.
    Webhook,
    /// The secret of an inbound hook source.
    InboundHookSecret,
    /// A workflow.
    Workflow,
    /// A phase of a workflow (its events concern the workflow too).
    WorkflowPhase,
    /// A version of a task definition.
    TaskDefinition,
}

/// What a write did to its record; the verb of its event unless the write names another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// The record was created.
    Created,
    /// Fields of the record changed.
    Updated,
    /// The record was deleted.
    Deleted,
}

impl Resource {
    /// The audit log's `entityType` (kept from before the event log named resources, so that audit
    /// queries by type keep finding older entries).
    pub const fn audit_name(self) -> &'static str {
        match self {
            Self::Organization => "organization",
            Self::User => "user",
            Self::Member => "membership",
            Self::ApiKey => "api_key",
            Self::Workspace => "workspace",
            Self::Session => "documentation_session",
            Self::Todo => "session_todo",
            Self::TodoDependency => "session_todo_dependency",
            Self::SessionEvent => "session_event",
            Self::Project => "project",
            Self::Task => "task",
            Self::TaskDependency => "task_dependency",
            Self::Execution => "task_execution",
            Self::PullRequest => "pull_request",
            Self::PullRequestLink => "task_pull_request",
            Self::LogEvent => "event",
            Self::EventType => "event_type",
            Self::Webhook => "webhook",
            Self::InboundHookSecret => "inbound_hook_secret",
            Self::Workflow => "workflow",
            Self::WorkflowPhase => "workflow_phase",
            Self::TaskDefinition => "task_definition",
        }
    }

    /// The first half of its events' types (`todo` in `todo.claimed`), and their `subjectType`.
    /// `None` for records whose write is an event already (a session's event, a client's log event).
    pub const fn event_name(self) -> Option<&'static str> {
        Some(match self {
            Self::Organization => "organization",
            Self::User => "user",
            Self::Member => "member",
            Self::ApiKey => "api_key",
            Self::Workspace => "workspace",
            Self::Session => "session",
            Self::Todo | Self::TodoDependency => "todo",
            Self::Project => "project",
            Self::Task | Self::TaskDependency => "task",
            Self::Execution => "execution",
            Self::PullRequest | Self::PullRequestLink => "pull_request",
            Self::EventType => "event_type",
            Self::Webhook => "webhook",
            Self::InboundHookSecret => "inbound_hook_secret",
            Self::Workflow => "workflow",
            Self::WorkflowPhase => "workflow_phase",
            Self::TaskDefinition => "task_definition",
            Self::SessionEvent | Self::LogEvent => return None,
        })
    }

    /// The verb of an event for `action` when the write names none (`dependency_added` for a task
    /// dependency that was created: the event is the task's).
    pub const fn verb(self, action: Action) -> &'static str {
        match (self, action) {
            (Self::TodoDependency | Self::TaskDependency, Action::Created) => "dependency_added",
            (Self::TodoDependency | Self::TaskDependency, Action::Updated) => "dependency_changed",
            (Self::TodoDependency | Self::TaskDependency, Action::Deleted) => "dependency_removed",
            (Self::PullRequestLink, Action::Created) => "linked",
            (Self::PullRequestLink, Action::Deleted) => "unlinked",
            (Self::Member, Action::Created) => "added",
            (Self::Member, Action::Deleted) => "removed",
            (_, Action::Created) => "created",
            (_, Action::Updated) => "updated",
            (_, Action::Deleted) => "deleted",
        }
    }

    /// The type of its event with `verb`: `todo.claimed`.
    pub fn event_type(self, verb: &str) -> Option<String> {
        self.event_name().map(|name| format!("{name}.{verb}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_are_resource_dot_verb() {
        assert_eq!(
            Resource::Workspace.event_type(Resource::Workspace.verb(Action::Created)).unwrap(),
            "workspace.created"
        );
        let added = Resource::TaskDependency.verb(Action::Created);
        assert_eq!(Resource::TaskDependency.event_type(added).unwrap(), "task.dependency_added");
        assert_eq!(Resource::Member.event_type("role_changed").unwrap(), "member.role_changed");
        assert_eq!(Resource::SessionEvent.event_type("created"), None);
    }

    #[test]
    fn the_task_events_read_by_task_events_are_the_ones_recorded() {
        use crate::events::log::types;
        let task = |action| Resource::Task.event_type(Resource::Task.verb(action)).unwrap();
        assert_eq!(task(Action::Created), types::TASK_CREATED);
        assert_eq!(task(Action::Updated), types::TASK_UPDATED);
        assert_eq!(task(Action::Deleted), types::TASK_DELETED);
        let removed = Resource::TaskDependency.verb(Action::Deleted);
        assert_eq!(Resource::TaskDependency.event_type(removed).unwrap(), types::TASK_DEPENDENCY_REMOVED);
    }
}

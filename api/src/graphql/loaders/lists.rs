//! The child lists of the schema's connection fields: which rows each lists, by which parent.

use entity::{
    documentation_session, pull_request, session_event, session_todo, task, task_execution, task_state_transition,
    webhook_delivery, workspace,
};

use super::ChildList;
use crate::{
    events::webhook::DELIVERIES_OF_WEBHOOK,
    service::page::ListSpec,
    sessions::{
        event::EVENTS_OF_SESSION,
        session::SESSIONS_OF_WORKSPACE,
        todo::{DEPENDENCIES_OF_TODO, TODOS_OF_SESSION},
        workspace::WORKSPACES_OF_PROJECT,
    },
    work::{execution, pull_request as prs, task as tasks},
};

/// `Workspace.sessions`.
pub struct SessionsOfWorkspace;
impl ChildList for SessionsOfWorkspace {
    type Model = documentation_session::Model;
    fn spec() -> &'static ListSpec {
        &SESSIONS_OF_WORKSPACE
    }
}

/// `DocumentationSession.todos`.
pub struct TodosOfSession;
impl ChildList for TodosOfSession {
    type Model = session_todo::Model;
    fn spec() -> &'static ListSpec {
        &TODOS_OF_SESSION
    }
}

/// `DocumentationSession.events`.
pub struct EventsOfSession;
impl ChildList for EventsOfSession {
    type Model = session_event::Model;
    fn spec() -> &'static ListSpec {
        &EVENTS_OF_SESSION
    }
}

/// `SessionTodo.dependencies`.
pub struct DependenciesOfTodo;
impl ChildList for DependenciesOfTodo {
    type Model = session_todo::Model;
    fn spec() -> &'static ListSpec {
        &DEPENDENCIES_OF_TODO
    }
}

/// `Project.tasks`.
pub struct TasksOfProject;
impl ChildList for TasksOfProject {
    type Model = task::Model;
    fn spec() -> &'static ListSpec {
        &tasks::TASKS_OF_PROJECT
    }
}

/// `Project.tasks(orderBy: PRIORITY)`.
pub struct TasksOfProjectByPriority;
impl ChildList for TasksOfProjectByPriority {
    type Model = task::Model;
    fn spec() -> &'static ListSpec {
        &tasks::TASKS_BY_PRIORITY
    }
}

/// `Project.workspaces`.
pub struct WorkspacesOfProject;
impl ChildList for WorkspacesOfProject {
    type Model = workspace::Model;
    fn spec() -> &'static ListSpec {
        &WORKSPACES_OF_PROJECT
    }
}

/// `Project.readyTasks`.
pub struct ReadyTasksOfProject;
impl ChildList for ReadyTasksOfProject {
    type Model = task::Model;
    fn spec() -> &'static ListSpec {
        tasks::READY_TASKS
    }
}

/// `Task.subtasks`.
pub struct SubtasksOfTask;
impl ChildList for SubtasksOfTask {
    type Model = task::Model;
    fn spec() -> &'static ListSpec {
        &tasks::SUBTASKS
    }
}

/// `Task.dependencies` and `Task.blockedBy`.
pub struct DependenciesOfTask;
impl ChildList for DependenciesOfTask {
    type Model = task::Model;
    fn spec() -> &'static ListSpec {
        &tasks::DEPENDENCIES
    }
}

/// `Task.dependents`.
pub struct DependentsOfTask;
impl ChildList for DependentsOfTask {
    type Model = task::Model;
    fn spec() -> &'static ListSpec {
        &tasks::DEPENDENTS
    }
}

/// `Task.history`.
pub struct HistoryOfTask;
impl ChildList for HistoryOfTask {
    type Model = task_state_transition::Model;
    fn spec() -> &'static ListSpec {
        &tasks::HISTORY
    }
}

/// `Task.executions`.
pub struct ExecutionsOfTask;
impl ChildList for ExecutionsOfTask {
    type Model = task_execution::Model;
    fn spec() -> &'static ListSpec {
        &execution::EXECUTIONS_OF_TASK
    }
}

/// `Project.pullRequests`.
pub struct PullRequestsOfProject;
impl ChildList for PullRequestsOfProject {
    type Model = pull_request::Model;
    fn spec() -> &'static ListSpec {
        &prs::PULL_REQUESTS_OF_PROJECT
    }
}

/// `Task.pullRequests`.
pub struct PullRequestsOfTask;
impl ChildList for PullRequestsOfTask {
    type Model = pull_request::Model;
    fn spec() -> &'static ListSpec {
        &prs::PULL_REQUESTS_OF_TASK
    }
}

/// `PullRequest.tasks`.
pub struct TasksOfPullRequest;
impl ChildList for TasksOfPullRequest {
    type Model = task::Model;
    fn spec() -> &'static ListSpec {
        &prs::TASKS_OF_PULL_REQUEST
    }
}

/// `Webhook.deliveries`.
pub struct DeliveriesOfWebhook;
impl ChildList for DeliveriesOfWebhook {
    type Model = webhook_delivery::Model;
    fn spec() -> &'static ListSpec {
        &DELIVERIES_OF_WEBHOOK
    }
}

//! Task Master's words for statuses and priorities, both ways.

use entity::task::{TaskPriority, TaskStatus};

/// Maps a Task Master status (`in-progress`, `done`, ...) onto Docket's.
pub fn parse_status(text: &str) -> Option<TaskStatus> {
    Some(match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
        "pending" | "todo" => TaskStatus::Pending,
        "in-progress" => TaskStatus::InProgress,
        "review" => TaskStatus::Review,
        "done" | "completed" => TaskStatus::Done,
        "deferred" => TaskStatus::Deferred,
        "cancelled" | "canceled" => TaskStatus::Cancelled,
        "blocked" => TaskStatus::Blocked,
        _ => return None,
    })
}

/// Docket's status as Task Master writes it.
pub fn status_text(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Pending => "pending",
        TaskStatus::InProgress => "in-progress",
        TaskStatus::Review => "review",
        TaskStatus::Done => "done",
        TaskStatus::Deferred => "deferred",
        TaskStatus::Cancelled => "cancelled",
        TaskStatus::Blocked => "blocked",
    }
}

/// Maps a Task Master priority onto Docket's.
pub fn parse_priority(text: &str) -> Option<TaskPriority> {
    Some(match text.trim().to_ascii_lowercase().as_str() {
        "low" => TaskPriority::Low,
        "medium" => TaskPriority::Medium,
        "high" => TaskPriority::High,
        "critical" | "urgent" => TaskPriority::Critical,
        _ => return None,
    })
}

/// Docket's priority as Task Master writes it.
pub fn priority_text(priority: TaskPriority) -> &'static str {
    match priority {
        TaskPriority::Low => "low",
        TaskPriority::Medium => "medium",
        TaskPriority::High => "high",
        TaskPriority::Critical => "critical",
    }
}

//! `TaskDefinition`, what it specifies (as objects and as inputs) and its mutations' inputs.

use async_graphql::{ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::task_definition;
use serde_json::Value;

use crate::{
    graphql::{
        object::object,
        prefetch::{Level, Prefetch},
        to_id,
        types::payload,
    },
    work::schema::task::{Task, TaskPriority},
    workflows::definition::{self as definitions, DefinitionFields},
};

impl Prefetch for TaskDefinition {
    type Row = task_definition::Model;
    /// Definitions relate to nothing further.
    fn relations(level: &mut Level<'_, '_, Self::Row>) {
        Self::connections_ahead(level);
    }
}

object! {
    /// One version of a reusable task template of the organization: the input a task made from it
    /// takes (a JSON Schema), the fields it fills, what running it needs and how a failed run is
    /// retried. Updating a definition makes its next version; tasks keep the version that made them.
    #[Object]
    impl TaskDefinition(task_definition::Model) |m| {
        /// Server-generated id of this version (a UUIDv7).
        id: ID = to_id(m.id),
        /// Name, shared by its versions, unique in the organization with `version`.
        name: &str = &m.name,
        /// 1 for the first version, then one more with each update.
        version: i32 = m.version,
        /// Free text.
        description: Option<&str> = m.description.as_deref(),
        /// JSON Schema that a task's input must match (`{}` accepts anything).
        input_schema: Json<&Value> = Json(&m.input_schema),
        /// When this version was made.
        created_at: DateTime<Utc> = m.created_at,
    }
    resolvers {
        /// What a task made from it gets.
        async fn defaults(&self) -> TaskDefaults {
            serde_json::from_value::<definitions::Defaults>(self.0.defaults.clone()).unwrap_or_default().into()
        }
        /// What running it needs.
        async fn resources(&self) -> ResourceRequirements {
            serde_json::from_value::<definitions::Resources>(self.0.resources.clone()).unwrap_or_default().into()
        }
        /// How a failed run is retried (Temporal's RetryPolicy).
        async fn retry_policy(&self) -> RetryPolicy {
            serde_json::from_value::<definitions::RetryPolicy>(self.0.retry_policy.clone()).unwrap_or_default().into()
        }
    }
}

/// The fields a task made from a definition gets.
#[derive(SimpleObject, InputObject, Default)]
#[graphql(input_name = "TaskDefaultsInput")]
pub struct TaskDefaults {
    /// Title, a Handlebars template over the input (`Document {{component}}`); the definition's name
    /// when absent.
    pub title: Option<String>,
    /// Description, a Handlebars template over the input.
    pub description: Option<String>,
    /// Priority.
    pub priority: Option<TaskPriority>,
    /// Labels.
    pub tags: Option<Vec<String>>,
    /// Estimated effort in hours.
    pub estimated_hours: Option<f64>,
    /// What must hold for the task to be done.
    pub acceptance_criteria: Option<Vec<String>>,
}

impl From<definitions::Defaults> for TaskDefaults {
    fn from(d: definitions::Defaults) -> Self {
        Self {
            title: d.title,
            description: d.description,
            priority: d.priority.map(Into::into),
            tags: d.tags,
            estimated_hours: d.estimated_hours,
            acceptance_criteria: d.acceptance_criteria,
        }
    }
}

impl From<TaskDefaults> for definitions::Defaults {
    fn from(d: TaskDefaults) -> Self {
        Self {
            title: d.title,
            description: d.description,
            priority: d.priority.map(Into::into),
            tags: d.tags,
            estimated_hours: d.estimated_hours,
            acceptance_criteria: d.acceptance_criteria,
        }
    }
}

/// What running a task needs; quantities are Kubernetes' (`500m` CPU, `512Mi` of memory).
#[derive(SimpleObject, InputObject, Default)]
#[graphql(input_name = "ResourceRequirementsInput")]
pub struct ResourceRequirements {
    /// CPU, e.g. `500m` (half a core) or `2`.
    pub cpu: Option<String>,
    /// Memory, e.g. `512Mi` or `1G`.
    pub memory: Option<String>,
    /// Longest a run may take, in seconds (at least 1).
    pub timeout_seconds: Option<i64>,
}

impl From<definitions::Resources> for ResourceRequirements {
    fn from(r: definitions::Resources) -> Self {
        Self { cpu: r.cpu, memory: r.memory, timeout_seconds: r.timeout_seconds }
    }
}

impl From<ResourceRequirements> for definitions::Resources {
    fn from(r: ResourceRequirements) -> Self {
        Self { cpu: r.cpu, memory: r.memory, timeout_seconds: r.timeout_seconds }
    }
}

/// How a failed run is retried: Temporal's RetryPolicy
/// (<https://docs.temporal.io/encyclopedia/retry-policies>). The delay before attempt n+1 is
/// `initialIntervalMs × backoffCoefficient^(n-1)`, at most `maxIntervalMs`.
#[derive(SimpleObject)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 0 for no limit.
    pub max_attempts: i32,
    /// Delay before the first retry, in milliseconds.
    pub initial_interval_ms: i64,
    /// How much each delay grows (at least 1).
    pub backoff_coefficient: f64,
    /// Longest delay, in milliseconds.
    pub max_interval_ms: i64,
    /// Error types that are never retried.
    pub non_retryable_error_types: Vec<String>,
}

impl From<definitions::RetryPolicy> for RetryPolicy {
    fn from(r: definitions::RetryPolicy) -> Self {
        Self {
            max_attempts: r.max_attempts,
            initial_interval_ms: r.initial_interval_ms,
            backoff_coefficient: r.backoff_coefficient,
            max_interval_ms: r.max_interval_ms,
            non_retryable_error_types: r.non_retryable_error_types,
        }
    }
}

/// A retry policy to set; omitted fields take Temporal's defaults (no attempt limit, 1,000 ms, ×2.0,
/// 100 × the initial interval, none non-retryable).
#[derive(InputObject)]
pub struct RetryPolicyInput {
    /// Attempts in all, the first included; 0 for no limit.
    pub max_attempts: Option<i32>,
    /// Delay before the first retry, in milliseconds.
    pub initial_interval_ms: Option<i64>,
    /// How much each delay grows (at least 1).
    pub backoff_coefficient: Option<f64>,
    /// Longest delay, in milliseconds.
    pub max_interval_ms: Option<i64>,
    /// Error types that are never retried.
    pub non_retryable_error_types: Option<Vec<String>>,
}

impl From<RetryPolicyInput> for definitions::RetryPolicy {
    fn from(r: RetryPolicyInput) -> Self {
        let default = Self::default();
        let initial = r.initial_interval_ms.unwrap_or(default.initial_interval_ms);
        Self {
            max_attempts: r.max_attempts.unwrap_or(default.max_attempts),
            initial_interval_ms: initial,
            backoff_coefficient: r.backoff_coefficient.unwrap_or(default.backoff_coefficient),
            max_interval_ms: r.max_interval_ms.unwrap_or(initial.saturating_mul(100)),
            non_retryable_error_types: r.non_retryable_error_types.unwrap_or_default(),
        }
    }
}

/// Input of `createTaskDefinition`.
#[derive(InputObject)]
pub struct CreateTaskDefinitionInput {
    /// Name, 1 to 255 characters, new in the organization.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// JSON Schema of a task's input; `{}` (anything) when omitted.
    pub input_schema: Option<Json<Value>>,
    /// What a task made from it gets.
    pub defaults: Option<TaskDefaults>,
    /// What running it needs.
    pub resources: Option<ResourceRequirements>,
    /// How a failed run is retried; Temporal's defaults when omitted.
    pub retry_policy: Option<RetryPolicyInput>,
}

impl From<CreateTaskDefinitionInput> for DefinitionFields {
    fn from(input: CreateTaskDefinitionInput) -> Self {
        Self {
            name: Some(input.name),
            description: input.description,
            input_schema: input.input_schema.map(|j| j.0),
            defaults: input.defaults.map(Into::into),
            resources: input.resources.map(Into::into),
            retry_policy: input.retry_policy.map(Into::into),
        }
    }
}

/// Input of `updateTaskDefinition`: the next version is the given one with these changes (omitted
/// fields are kept; a given object replaces the whole of the old one).
#[derive(InputObject)]
pub struct UpdateTaskDefinitionInput {
    /// The version to start from.
    pub id: ID,
    /// New description.
    pub description: Option<String>,
    /// New JSON Schema of a task's input.
    pub input_schema: Option<Json<Value>>,
    /// New defaults.
    pub defaults: Option<TaskDefaults>,
    /// New resource requirements.
    pub resources: Option<ResourceRequirements>,
    /// New retry policy.
    pub retry_policy: Option<RetryPolicyInput>,
}

impl From<UpdateTaskDefinitionInput> for DefinitionFields {
    fn from(input: UpdateTaskDefinitionInput) -> Self {
        Self {
            name: None,
            description: input.description,
            input_schema: input.input_schema.map(|j| j.0),
            defaults: input.defaults.map(Into::into),
            resources: input.resources.map(Into::into),
            retry_policy: input.retry_policy.map(Into::into),
        }
    }
}

/// Input of `deleteTaskDefinition`.
#[derive(InputObject)]
pub struct DeleteTaskDefinitionInput {
    /// The version to delete; the tasks it made lose the link.
    pub id: ID,
}

/// Input of `createTaskFromDefinition`.
#[derive(InputObject)]
pub struct CreateTaskFromDefinitionInput {
    /// The definition version to use.
    pub definition_id: ID,
    /// The project of the task.
    pub project_id: ID,
    /// A workflow of the project to put it in.
    pub workflow_id: Option<ID>,
    /// A phase of that workflow to put it in.
    pub phase_id: Option<ID>,
    /// The input, checked against the definition's JSON Schema; it becomes the task's `context`.
    pub input: Json<Value>,
}

payload!(
    /// Result of `createTaskDefinition`.
    CreateTaskDefinitionPayload {
        /// The definition's first version.
        task_definition: TaskDefinition
    }
);

payload!(
    /// Result of `updateTaskDefinition`.
    UpdateTaskDefinitionPayload {
        /// The new version.
        task_definition: TaskDefinition
    }
);

payload!(
    /// Result of `createTaskFromDefinition`.
    CreateTaskFromDefinitionPayload {
        /// The task made.
        task: Task
    }
);

/// Result of `deleteTaskDefinition`.
#[derive(SimpleObject)]
pub struct DeleteTaskDefinitionPayload {
    /// Id of the deleted version.
    pub deleted_id: ID,
}

//! What a task definition specifies, as stored in its JSON columns: defaults (with Handlebars
//! templates), resource requirements (Kubernetes quantities) and a retry policy (Temporal's).

use entity::task::TaskPriority;
use handlebars::Handlebars;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ApiError, ApiResult};

/// What a task made from a definition gets. `title` and `description` are Handlebars templates over
/// the task's input (`Document {{component}}`); a template that names a field the input lacks fails.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Defaults {
    /// Title template; the definition's name when absent.
    pub title: Option<String>,
    /// Description template.
    pub description: Option<String>,
    /// Priority.
    pub priority: Option<TaskPriority>,
    /// Labels.
    pub tags: Option<Vec<String>>,
    /// Estimated effort in hours (not negative).
    pub estimated_hours: Option<f64>,
    /// What must hold for the task to be done.
    pub acceptance_criteria: Option<Vec<String>>,
}

/// Renders `template` over `input`, strictly (a missing field is an error), without HTML escaping.
fn render(field: &str, template: &str, input: &Value) -> ApiResult<String> {
    let mut engine = Handlebars::new();
    engine.set_strict_mode(true);
    engine.register_escape_fn(handlebars::no_escape);
    engine
        .render_template(template, input)
        .map_err(|err| ApiError::bad_input(format!("`{field}` could not be rendered from the input: {}", err.reason())))
}

/// Fails unless `template` parses as Handlebars.
fn parses(field: &str, template: &str) -> ApiResult<()> {
    handlebars::Template::compile(template)
        .map(|_| ())
        .map_err(|err| ApiError::bad_input(format!("`{field}` is not a valid Handlebars template: {err}")))
}

impl Defaults {
    /// The stored form, checked. Errors: `BAD_USER_INPUT` naming the field.
    pub fn checked(&self) -> ApiResult<Value> {
        if let Some(title) = &self.title {
            parses("defaults.title", title)?;
        }
        if let Some(description) = &self.description {
            parses("defaults.description", description)?;
        }
        if let Some(hours) = self.estimated_hours
            && !(hours.is_finite() && hours >= 0.0)
        {
            return Err(ApiError::bad_input("`defaults.estimatedHours` must be a number of hours, not negative"));
        }
        for (field, list) in [("defaults.tags", &self.tags), ("defaults.acceptanceCriteria", &self.acceptance_criteria)]
        {
            if let Some(empty) = list.iter().flatten().position(|s| s.trim().is_empty()) {
                return Err(ApiError::bad_input(format!("`{field}[{empty}]` must not be empty")));
            }
        }
        Ok(serde_json::to_value(self).map_err(anyhow::Error::from)?)
    }

    /// The title for `input`: the template rendered, else `name`. Errors: `BAD_USER_INPUT`.
    pub fn render_title(&self, name: &str, input: &Value) -> ApiResult<String> {
        match &self.title {
            Some(template) => render("defaults.title", template, input),
            None => Ok(name.to_owned()),
        }
    }

    /// The description for `input`, if the definition has one. Errors: `BAD_USER_INPUT`.
    pub fn render_description(&self, input: &Value) -> ApiResult<Option<String>> {
        self.description.as_deref().map(|t| render("defaults.description", t, input)).transpose()
    }
}

/// What running a task needs. Quantities are Kubernetes': `500m` or `2` CPUs, `512Mi` or `1G` of memory.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    /// CPU, e.g. `500m` (half a core).
    pub cpu: Option<String>,
    /// Memory, e.g. `512Mi`.
    pub memory: Option<String>,
    /// Longest a run may take, in seconds (at least 1).
    pub timeout_seconds: Option<i64>,
}

/// Whether `text` is a positive Kubernetes quantity: a decimal number, then a binary suffix (`Ki` `Mi`
/// `Gi` `Ti` `Pi` `Ei`), a decimal one (`m` `k` `M` `G` `T` `P` `E`) or an exponent (`e3`)
/// (<https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/>).
pub fn is_quantity(text: &str) -> bool {
    const SUFFIXES: [&str; 13] = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "m", "k", "M", "G", "T", "P", "E"];
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let exponent = suffix
        .strip_prefix(['e', 'E'])
        .map(|e| e.strip_prefix(['+', '-']).unwrap_or(e))
        .is_some_and(|digits| !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()));
    (suffix.is_empty() || SUFFIXES.contains(&suffix) || exponent)
        && number.chars().any(|c| c.is_ascii_digit())
        && number.parse::<f64>().is_ok_and(|n| n > 0.0)
}

impl Resources {
    /// The stored form, checked. Errors: `BAD_USER_INPUT` naming the field.
    pub fn checked(&self) -> ApiResult<Value> {
        for (field, value) in [("resources.cpu", &self.cpu), ("resources.memory", &self.memory)] {
            if let Some(value) = value
                && !is_quantity(value)
            {
                return Err(ApiError::bad_input(format!(
                    "`{field}` must be a positive Kubernetes quantity such as `500m` or `512Mi`, got `{value}`"
                )));
            }
        }
        if self.timeout_seconds.is_some_and(|s| s < 1) {
            return Err(ApiError::bad_input("`resources.timeoutSeconds` must be at least 1"));
        }
        Ok(serde_json::to_value(self).map_err(anyhow::Error::from)?)
    }
}

/// How a failed run is retried: Temporal's RetryPolicy
/// (<https://docs.temporal.io/encyclopedia/retry-policies>). The delay before attempt n+1 is
/// `initialIntervalMs × backoffCoefficient^(n-1)`, at most `maxIntervalMs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 0 for no limit (Temporal's default).
    pub max_attempts: i32,
    /// Delay before the first retry, in milliseconds (default 1,000).
    pub initial_interval_ms: i64,
    /// How much each delay grows (at least 1; default 2.0).
    pub backoff_coefficient: f64,
    /// Longest delay, in milliseconds (default 100 × the initial interval).
    pub max_interval_ms: i64,
    /// Error types that are never retried.
    pub non_retryable_error_types: Vec<String>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 0,
            initial_interval_ms: 1_000,
            backoff_coefficient: 2.0,
            max_interval_ms: 100_000,
            non_retryable_error_types: Vec::new(),
        }
    }
}

impl RetryPolicy {
    /// The stored form, checked. Errors: `BAD_USER_INPUT` naming the field.
    pub fn checked(&self) -> ApiResult<Value> {
        if self.max_attempts < 0 {
            return Err(ApiError::bad_input("`retryPolicy.maxAttempts` must not be negative (0: no limit)"));
        }
        if self.initial_interval_ms < 1 {
            return Err(ApiError::bad_input("`retryPolicy.initialIntervalMs` must be at least 1"));
        }
        if !(self.backoff_coefficient.is_finite() && self.backoff_coefficient >= 1.0) {
            return Err(ApiError::bad_input("`retryPolicy.backoffCoefficient` must be at least 1"));
        }
        if self.max_interval_ms < self.initial_interval_ms {
            return Err(ApiError::bad_input("`retryPolicy.maxIntervalMs` must not be below `initialIntervalMs`"));
        }
        Ok(serde_json::to_value(self).map_err(anyhow::Error::from)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_quantities_are_recognised() {
        for good in ["500m", "2", "0.5", "512Mi", "1Gi", "1G", "100M", "1e3", "1.5"] {
            assert!(is_quantity(good), "{good}");
        }
        for bad in ["", "m", "-1", "0", "12 Mi", "1.2.3", "5x", "Mi512", "1e"] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }

    #[test]
    fn templates_render_over_the_input_and_a_missing_field_is_named() {
        let defaults = Defaults { title: Some("Document {{component}}".into()), ..Defaults::default() };
        let input = serde_json::json!({ "component": "<auth>" });
        assert_eq!(defaults.render_title("doc", &input).unwrap(), "Document <auth>");
        let err = defaults.render_title("doc", &serde_json::json!({})).unwrap_err();
        assert_eq!(err.code(), "BAD_USER_INPUT");
        assert_eq!(Defaults::default().render_title("doc", &input).unwrap(), "doc");
        assert!(Defaults { title: Some("{{#if}}".into()), ..Defaults::default() }.checked().is_err());
    }
}

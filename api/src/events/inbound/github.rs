//! GitHub's deliveries mapped onto Docket's pull requests (matched by repository and number in the
//! organization's projects):
//! - `pull_request` `opened`, `reopened`, `ready_for_review` → `open`; `closed` → `merged` (with
//!   `merged_at`) when GitHub says it merged, else `closed`; `synchronize` (new commits) → `updated_at`;
//! - `check_run` and `check_suite` → `validationResults[<check name>] = { status, conclusion, url }`
//!   on the pull requests they name.
//!
//! Payload shapes: <https://docs.github.com/en/webhooks/webhook-events-and-payloads>.

use chrono::{DateTime, Utc};
use entity::{
    event,
    pull_request::{self, PullRequestStatus},
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;

use crate::{
    error::ApiResult,
    service::{Resource, Tx},
    work::pull_request::update_event,
};

/// Applies a stored GitHub event to the pull requests it concerns, in the delivery's transaction.
pub async fn apply(tx: &mut Tx<'_>, event: &event::Model) -> ApiResult<()> {
    let payload = &event.payload;
    let Some(repository) = payload["repository"]["full_name"].as_str() else { return Ok(()) };
    let action = payload["action"].as_str().unwrap_or_default();
    if let Some(pr) = payload.get("pull_request") {
        let Some(number) = pr["number"].as_i64() else { return Ok(()) };
        let status = match action {
            "opened" | "reopened" | "ready_for_review" => Some(PullRequestStatus::Open),
            "converted_to_draft" => Some(PullRequestStatus::Draft),
            "closed" if pr["merged"].as_bool() == Some(true) => Some(PullRequestStatus::Merged),
            "closed" => Some(PullRequestStatus::Closed),
            "synchronize" => None,
            _ => return Ok(()),
        };
        let merged_at = pr["merged_at"].as_str().and_then(|t| t.parse::<DateTime<Utc>>().ok());
        for current in matching(tx, repository, number).await? {
            let mut model: pull_request::ActiveModel = current.clone().into();
            if let Some(status) = status {
                model.status = Set(status);
            }
            if status == Some(PullRequestStatus::Merged) {
                model.merged_at = Set(merged_at.or(Some(Utc::now())));
            }
            model.updated_at = Set(Utc::now());
            save(tx, &current, model).await?;
        }
        return Ok(());
    }
    let (check, name) = match (payload.get("check_run"), payload.get("check_suite")) {
        (Some(run), _) => (run, run["name"].as_str().map(str::to_owned)),
        (None, Some(suite)) => (suite, suite["app"]["slug"].as_str().map(|app| format!("check_suite:{app}"))),
        (None, None) => return Ok(()),
    };
    let Some(name) = name else { return Ok(()) };
    let result = json!({ "status": check["status"], "conclusion": check["conclusion"], "url": check["html_url"] });
    let numbers: Vec<i64> =
        check["pull_requests"].as_array().into_iter().flatten().filter_map(|p| p["number"].as_i64()).collect();
    for number in numbers {
        for current in matching(tx, repository, number).await? {
            let mut results = current.validation_results.clone();
            if !results.is_object() {
                results = json!({});
            }
            results[&name] = result.clone();
            let mut model: pull_request::ActiveModel = current.clone().into();
            model.validation_results = Set(results);
            model.updated_at = Set(Utc::now());
            save(tx, &current, model).await?;
        }
    }
    Ok(())
}

/// The organization's pull requests numbered `number` whose repository URL names `full_name`
/// (`owner/repo`; `https://github.com/owner/repo`, with or without `.git`, also matches).
async fn matching(tx: &Tx<'_>, full_name: &str, number: i64) -> ApiResult<Vec<pull_request::Model>> {
    let Ok(number) = i32::try_from(number) else { return Ok(Vec::new()) };
    let scope = tx.viewer().scope();
    let candidates = pull_request::Entity::find()
        .filter(pull_request::Column::Number.eq(number))
        .filter(
            pull_request::Column::ProjectId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(entity::project::Column::Id)
                    .from(entity::project::Entity)
                    .and_where(entity::project::Column::OrganizationId.eq(scope.organization_id))
                    .to_owned(),
            ),
        )
        .lock_exclusive()
        .all(tx)
        .await?;
    let wanted = full_name.to_ascii_lowercase();
    Ok(candidates.into_iter().filter(|pr| names_repository(&pr.repository_url, &wanted)).collect())
}

/// Whether `url` (any of GitHub's URL forms, or `owner/repo`) names repository `full_name` (lowercase).
fn names_repository(url: &str, full_name: &str) -> bool {
    let url = url.trim().trim_end_matches('/').to_ascii_lowercase();
    let url = url.strip_suffix(".git").unwrap_or(&url);
    url == full_name || url.ends_with(&format!("/{full_name}")) || url.ends_with(&format!(":{full_name}"))
}

/// Writes `model` over `current`, audited and announced like any change.
async fn save(tx: &mut Tx<'_>, current: &pull_request::Model, model: pull_request::ActiveModel) -> ApiResult<()> {
    let updated = model.update(&*tx).await?;
    let recorded = tx.record(Resource::PullRequest, updated.id, Some(current), Some(&updated)).await?;
    if let Some(event) = update_event(current, &updated) {
        recorded.event(event);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::names_repository;

    #[test]
    fn a_repository_is_recognised_in_every_url_form() {
        for url in [
            "https://github.com/Acme/Docket",
            "https://github.com/acme/docket.git",
            "git@github.com:acme/docket.git",
            "acme/docket",
            "https://github.com/acme/docket/",
        ] {
            assert!(names_repository(url, "acme/docket"), "{url}");
        }
        assert!(!names_repository("https://github.com/acme/docket-fork", "acme/docket"));
        assert!(!names_repository("https://github.com/other/docket", "acme/docket"));
    }
}

//! The webhook dispatcher: one background task per process that delivers the organizations' events to
//! their webhooks, driven from the stored log.
//!
//! Each round it moves new events into the webhooks' outboxes (`service::webhook::outbox::enqueue`,
//! which advances each webhook's cursor in the same transaction), then starts a worker for every
//! webhook with deliveries due that has none running in this process. A worker delivers its webhook's
//! due rows one at a time, each claimed under a lease, until none is due; so a slow or dead endpoint
//! holds up only its own worker, never another webhook and never a writer (writers only append to the
//! log). Rounds run when the event bus reports a log wake-up, when the next retry comes due, and every
//! `--event-poll-interval-secs` in case a wake-up was lost.
//!
//! A failed attempt (no answer within `--webhook-timeout-secs`, a connection error, a status outside
//! 2xx) is retried after `--webhook-retry-base-ms` × 2^(attempt − 1), at most an hour, ±20% jitter;
//! after `--webhook-max-attempts` the delivery is parked as failed until `redeliverWebhookEvent`.
//! Delivery is at least once: a process that dies after the endpoint answered but before the answer was
//! recorded sends the event again once the lease has run out, with the same `webhook-id`.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::Utc;
use entity::{event, webhook};
use sea_orm::DatabaseConnection;
use tokio::{task::JoinSet, time::Instant};
use uuid::Uuid;

use crate::{
    error::ApiResult,
    events::{
        log as event_log,
        webhook::{
            outbox::{self, Attempt},
            signing_key,
        },
    },
    service::{Scope, sealed::Sealer},
    state::AppState,
};

mod client;
pub mod signature;

/// The shortest pause between two rounds.
const MIN_PAUSE: Duration = Duration::from_millis(10);

/// Most webhooks one process delivers to at the same time.
const MAX_WORKERS: usize = 64;

/// The longest wait between two attempts of one delivery.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// What every worker shares.
struct Dispatcher {
    db: DatabaseConnection,
    sealer: Arc<Sealer>,
    client: reqwest::Client,
    max_attempts: i32,
    retry_base: Duration,
    /// How long a claimed delivery stays claimed: an attempt's timeout and a margin.
    lease: Duration,
}

/// Runs the dispatcher until the task is dropped (in-flight attempts are abandoned with it; their
/// leases run out and they are attempted again).
pub async fn run(state: AppState) {
    let config = &state.config;
    let timeout = Duration::from_secs(config.webhook_timeout_secs.max(1));
    let client = match crate::events::delivery::client::build(timeout, config.allow_private_webhooks) {
        Ok(client) => client,
        Err(err) => {
            tracing::error!(error = %err, "cannot build the webhook client; webhooks are not delivered");
            return;
        }
    };
    let dispatcher = Arc::new(Dispatcher {
        db: state.db.clone(),
        sealer: state.sealer.clone(),
        client,
        max_attempts: config.webhook_max_attempts.clamp(1, 100) as i32,
        retry_base: Duration::from_millis(config.webhook_retry_base_ms.max(1)),
        lease: timeout + Duration::from_secs(5),
    });
    let poll = config.event_poll_interval();
    let busy: Arc<Mutex<HashSet<Uuid>>> = Arc::default();
    let mut workers: JoinSet<Uuid> = JoinSet::new();
    let mut enqueue_now = true;
    let mut last_enqueue = Instant::now();
    loop {
        let mut more = false;
        if enqueue_now {
            last_enqueue = Instant::now();
            match outbox::enqueue(&dispatcher.db).await {
                Ok(round) => more = round.more,
                Err(err) => tracing::warn!(error = %err, "queueing webhook deliveries failed"),
            }
        }
        let running: Vec<Uuid> = busy.lock().unwrap_or_else(|e| e.into_inner()).iter().copied().collect();
        // The next look: soon while the log has more to read, else when the next delivery is due.
        let mut next_look = if more { Duration::from_millis(20) } else { poll };
        match outbox::pending_webhooks(&dispatcher.db, &running).await {
            Ok(pending) => {
                let now = Utc::now();
                let mut free = MAX_WORKERS.saturating_sub(running.len());
                for (id, due_at) in pending {
                    if due_at <= now && free > 0 {
                        free -= 1;
                        busy.lock().unwrap_or_else(|e| e.into_inner()).insert(id);
                        workers.spawn(work(dispatcher.clone(), id));
                    } else {
                        let until = (due_at - now).to_std().unwrap_or_default().max(MIN_PAUSE);
                        next_look = next_look.min(until);
                    }
                }
            }
            Err(err) => tracing::warn!(error = %err, "looking for due webhook deliveries failed"),
        }
        tokio::select! {
            _ = state.bus.log_activity() => enqueue_now = true,
            Some(done) = workers.join_next(), if !workers.is_empty() => {
                if let Ok(id) = done {
                    busy.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                }
                enqueue_now = more;
            }
            _ = tokio::time::sleep(next_look) => enqueue_now = more || last_enqueue.elapsed() >= poll,
        }
        // A worker that panicked leaves its id behind: forget ids no worker holds any more.
        if workers.is_empty() {
            busy.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }
}

/// Delivers webhook `id`'s due rows until none is left; returns `id`.
async fn work(dispatcher: Arc<Dispatcher>, id: Uuid) -> Uuid {
    loop {
        match deliver_next(&dispatcher, id).await {
            Ok(true) => continue,
            Ok(false) => break,
            Err(err) => {
                tracing::warn!(webhook_id = %id, error = %err, "webhook delivery failed to record");
                break;
            }
        }
    }
    id
}

/// Claims, attempts and records webhook `id`'s next due delivery; `false` when none is due (or the
/// webhook is paused or gone).
async fn deliver_next(dispatcher: &Dispatcher, id: Uuid) -> ApiResult<bool> {
    let db = &dispatcher.db;
    let Some(hook) = outbox::active_webhook(db, id).await? else { return Ok(false) };
    let Some(row) = outbox::claim_next(db, id, dispatcher.lease).await? else { return Ok(false) };
    let number = row.attempts + 1;
    let scope = Scope { organization_id: hook.organization_id };
    let (attempt, max_attempts) = match event_log::get(db, scope, row.event_id).await? {
        Some(event) => (attempt(dispatcher, &hook, &event, number).await, dispatcher.max_attempts),
        // Retention deleted it before it could be delivered: nothing to send, nothing to retry.
        None => (Attempt { status_code: None, error: Some("the event is no longer stored".into()), duration_ms: 0 }, 1),
    };
    let retry_at = Utc::now() + chrono::Duration::from_std(backoff(dispatcher.retry_base, number)).unwrap_or_default();
    outbox::finish(db, &row, &attempt, max_attempts, retry_at).await?;
    if attempt.succeeded() {
        tracing::info!(webhook_id = %id, event_id = %row.event_id, attempt = number, status = attempt.status_code,
            duration_ms = attempt.duration_ms, "webhook delivered");
    } else {
        tracing::info!(webhook_id = %id, event_id = %row.event_id, attempt = number, status = attempt.status_code,
            error = attempt.error.as_deref().unwrap_or_default(), "webhook attempt failed");
    }
    Ok(true)
}

/// One signed POST of `event` to `hook`.
async fn attempt(dispatcher: &Dispatcher, hook: &webhook::Model, event: &event::Model, number: i32) -> Attempt {
    let started = std::time::Instant::now();
    let failed = |error: String| Attempt {
        status_code: None,
        error: Some(error),
        duration_ms: started.elapsed().as_millis() as i64,
    };
    let secret = match dispatcher.sealer.open(&hook.sealed_secret) {
        Ok(secret) => secret,
        Err(err) => return failed(format!("the webhook's secret cannot be opened: {err}")),
    };
    let key = match std::str::from_utf8(&secret).map_err(|_| ()).and_then(|s| signing_key(s).map_err(|_| ())) {
        Ok(key) => key,
        Err(()) => return failed("the webhook's secret is malformed".into()),
    };
    let body = crate::events::delivery::signature::body(event).to_string();
    let id = event.id.to_string();
    let timestamp = Utc::now().timestamp();
    let request = dispatcher
        .client
        .post(&hook.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(crate::events::delivery::signature::WEBHOOK_ID, &id)
        .header(crate::events::delivery::signature::WEBHOOK_TIMESTAMP, timestamp.to_string())
        .header(
            crate::events::delivery::signature::WEBHOOK_SIGNATURE,
            crate::events::delivery::signature::standard_signature(&key, &id, timestamp, body.as_bytes()),
        )
        .header(
            crate::events::delivery::signature::DOCKET_SIGNATURE,
            crate::events::delivery::signature::github_signature(&secret, body.as_bytes()),
        )
        .header(crate::events::delivery::signature::DOCKET_EVENT_ID, &id)
        .header(crate::events::delivery::signature::DOCKET_EVENT_TYPE, &event.event_type)
        .header("x-docket-delivery-attempt", number.to_string())
        .body(body);
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            // The answer's body is not read: only its status counts.
            drop(response);
            Attempt {
                status_code: Some(i32::from(status.as_u16())),
                error: (!status.is_success()).then(|| format!("the endpoint answered {status}")),
                duration_ms: started.elapsed().as_millis() as i64,
            }
        }
        Err(err) if err.is_timeout() => failed("no answer within the timeout".into()),
        Err(err) => failed(describe(&err.without_url())),
    }
}

/// The cause chain of a request error, without the URL (it may carry credentials).
fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The wait after failed attempt `number` (1 for the first): `base` × 2^(number − 1), at most an
/// hour, then ±20% at random so that many failed deliveries do not retry in step.
fn backoff(base: Duration, number: i32) -> Duration {
    let exponent = (number.max(1) - 1).min(30) as u32;
    let wait = base.saturating_mul(1u32 << exponent).min(MAX_BACKOFF);
    let jitter = 0.8 + 0.4 * (getrandom::u32().unwrap_or(u32::MAX / 2) as f64 / u32::MAX as f64);
    wait.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_its_jitter_and_stops_at_an_hour() {
        let base = Duration::from_millis(1000);
        for (number, nominal) in [(1, 1.0), (2, 2.0), (3, 4.0), (8, 128.0)] {
            let wait = backoff(base, number).as_secs_f64();
            assert!((nominal * 0.8..=nominal * 1.2).contains(&wait), "attempt {number}: {wait}s");
        }
        let capped = backoff(base, 40).as_secs_f64();
        assert!((3600.0 * 0.8..=3600.0 * 1.2).contains(&capped), "{capped}s");
    }
}

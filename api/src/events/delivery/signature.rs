//! What a delivery carries: the body (an event as JSON) and its signatures.
//!
//! - Standard Webhooks 1.0 (<https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md>):
//!   `webhook-id` (the event id, the same on every retry, so receivers can deduplicate),
//!   `webhook-timestamp` (Unix seconds of the attempt) and `webhook-signature: v1,<base64 of
//!   HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, where the key of a `whsec_` secret is its base64
//!   body, as the Standard Webhooks libraries read it, and the key of any other secret its bytes.
//! - GitHub's style: `X-Docket-Signature: sha256=<hex of HMAC-SHA256(secret, body)>`, the key being the
//!   secret exactly as given (a `whsec_` secret included), as GitHub-style receivers use it.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use entity::event;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::events::log::EventCursor;

/// The Standard Webhooks id header.
pub const WEBHOOK_ID: &str = "webhook-id";
/// The Standard Webhooks timestamp header.
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// The Standard Webhooks signature header.
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";
/// The GitHub-style signature header.
pub const DOCKET_SIGNATURE: &str = "x-docket-signature";
/// The event's id.
pub const DOCKET_EVENT_ID: &str = "x-docket-event-id";
/// The event's type.
pub const DOCKET_EVENT_TYPE: &str = "x-docket-event-type";

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC takes keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// `v1,<base64 signature>` of `body` for message `id` at `timestamp` (Unix seconds) under `key` (the
/// Standard Webhooks key: see [`crate::events::webhook::signing_key`]).
pub fn standard_signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let timestamp = timestamp.to_string();
    let mac = hmac(key, &[id.as_bytes(), b".", timestamp.as_bytes(), b".", body]);
    format!("v1,{}", STANDARD.encode(mac))
}

/// `sha256=<hex signature>` of `body` under `secret`'s bytes.
pub fn github_signature(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hex::encode(hmac(secret, &[body])))
}

/// The body of a delivery: `{"type", "timestamp", "data"}` as Standard Webhooks suggests, `data` being
/// the event with the fields and spellings of the GraphQL `Event` type.
pub fn body(event: &event::Model) -> Value {
    let severity = match event.severity {
        event::Severity::Debug => "DEBUG",
        event::Severity::Info => "INFO",
        event::Severity::Warning => "WARNING",
        event::Severity::Error => "ERROR",
        event::Severity::Critical => "CRITICAL",
    };
    json!({
        "type": event.event_type,
        "timestamp": event.recorded_at,
        "data": {
            "id": event.id,
            "cursor": EventCursor::of(event).encode(),
            "type": event.event_type,
            "source": event.source,
            "severity": severity,
            "correlationId": event.correlation_id,
            "traceId": event.trace_id,
            "idempotencyKey": event.idempotency_key,
            "payload": event.payload,
            "occurredAt": event.occurred_at,
            "recordedAt": event.recorded_at,
            "projectId": event.project_id,
            "taskId": event.task_id,
            "workspaceId": event.workspace_id,
            "sessionId": event.session_id,
            "subjectType": event.subject_type,
            "subjectId": event.subject_id,
            "actor": event.actor,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification's reference libraries.
        let key = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            standard_signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_eq!(
            github_signature(b"It's a Secret to Everybody", b"Hello, World!"),
            // GitHub's documented example.
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }
}

//! `POST /hooks/{source}/{organization}`: inbound hooks (GitHub and others), signed with the
//! organization's secret for the source in GitHub's scheme (`X-Hub-Signature-256: sha256=<hex
//! HMAC-SHA256 of the body>`, <https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries>).
//!
//! Answers: `202 {"eventId", "duplicate"}` once stored (a repeated delivery id answers 202 with
//! `duplicate: true` and changes nothing); `401` for a missing or wrong signature (nothing stored);
//! `404` for an unknown organization; `400` for a body that is not a JSON object; `503` when the
//! server has no secrets key. Errors carry `{"error": {"code", "message"}}`.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::Server;
use crate::{error::ApiError, events::inbound};

/// Receives one delivery.
pub async fn receive(
    State(server): State<Server>,
    Path((source, organization)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let delivery = inbound::Delivery {
        source: &source,
        organization: &organization,
        signature: header("x-hub-signature-256"),
        delivery_id: header("x-github-delivery").or_else(|| header("webhook-id")),
        event_name: header("x-github-event").or_else(|| header("x-event-type")),
        body: &body,
    };
    let state = &server.state;
    match inbound::receive(&state.db, &state.reads, &state.bus, &state.sealer, delivery).await {
        Ok(received) => {
            (StatusCode::ACCEPTED, Json(json!({ "eventId": received.event.id, "duplicate": received.duplicate })))
                .into_response()
        }
        Err(err) => {
            let status = match &err {
                ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
                ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
                ApiError::BadUserInput(_) => StatusCode::BAD_REQUEST,
                ApiError::Conflict(_) => StatusCode::CONFLICT,
                ApiError::NotConfigured(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
                tracing::error!(error = %err, "inbound hook failed");
                "internal server error".to_owned()
            } else {
                tracing::info!(error = %err, "inbound hook refused");
                err.to_string()
            };
            (status, Json(json!({ "error": { "code": err.code(), "message": message } }))).into_response()
        }
    }
}

//! GraphQL over websockets: both sub-protocols, keepalive, stalled peers and shutdown.
//!
//! Docket speaks `graphql-transport-ws` (the `graphql-ws` library, GraphiQL) and the legacy
//! `graphql-ws` of `subscriptions-transport-ws` (GraphQL Playground). async-graphql-axum negotiates
//! the sub-protocol ([`GraphQLProtocol`]) and runs both message sets ([`GraphQLWebSocket`]) over
//! every operation through [`Engine`]; this module owns the socket around them, for what
//! async-graphql-axum does not do and the tests require (`tests/api/slow_clients.rs`,
//! `subscriptions.rs`): its `keepalive_timeout` sends protocol pings, which the legacy protocol's
//! clients do not answer and which say nothing about a peer that stopped reading, and it writes
//! without a deadline and never closes on shutdown. So its messages pass through this loop:
//!
//! - **Keepalive.** Every `--ws-keepalive-secs` the server sends a websocket Ping frame
//!   (RFC 6455 §5.5.2; browsers and websocket libraries answer with a Pong on their own). A peer from
//!   which nothing (Pong, message) has arrived for two periods is dead: the connection is closed and
//!   its subscriptions are released.
//! - **Stalled peers.** A frame that cannot be written within two periods (the peer stopped reading
//!   and every buffer between is full) closes the connection too. Until then at most the event bus's
//!   per-session buffer and one socket write buffer are held for it, and a subscriber that fell a whole
//!   buffer behind gets `SUBSCRIBER_LAGGED` with its resume cursor when it reads again.
//! - **Shutdown.** When the server stops, each connection is closed with code 1001 (going away), so
//!   that clients reconnect elsewhere with their last cursor.
//! - **Authentication.** The client's `connection_init` payload carries `{"Authorization": "Bearer
//!   <token>"}` (or `authorization`): graphql-ws's `connectionParams`, which GraphiQL and Playground
//!   fill from their headers. Without one, the upgrade request's own `Authorization` header counts,
//!   then anonymous access where the server allows it. A refused connection is closed with 4401
//!   (unauthorized) in `graphql-transport-ws`, and answered with `connection_error` in the legacy
//!   protocol, before any operation runs.
//! - **Protocol rules.** In `graphql-transport-ws`, a message the protocol does not allow closes the
//!   connection with the protocol's code ([`rules`]: 4400, 4401, 4408, 4409; async-graphql's 4429).

mod rules;

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{
    WebSocketUpgrade,
    ws::{CloseFrame, Message, WebSocket},
};
use futures_util::{SinkExt, StreamExt};
use tokio::time::Instant;

use crate::{error::ApiError, graphql::operation::Engine, http::auth, service::RequestContext, state::AppState};

/// Close code of a refused `connection_init` in `graphql-transport-ws` (4401: unauthorized).
const UNAUTHORIZED: u16 = 4401;

/// What the upgrade request said that authentication may need.
#[derive(Debug, Clone, Default)]
pub struct Handshake {
    /// Its `Authorization` header, used when `connection_init` carries none.
    pub authorization: Option<String>,
    /// Its `X-Docket-Actor` header.
    pub on_behalf_of: Option<String>,
    /// Its request id.
    pub request_id: Option<String>,
    /// Whether the negotiated sub-protocol is `graphql-transport-ws` (else the legacy `graphql-ws`).
    pub transport_ws: bool,
}

/// The `Authorization` value of a `connection_init` payload (`Authorization` or `authorization`).
fn payload_authorization(payload: &serde_json::Value) -> Option<&str> {
    payload.get("Authorization").or_else(|| payload.get("authorization")).and_then(|v| v.as_str())
}

/// The request context of a connection: its viewer, from the `connection_init` payload or the
/// handshake. Errors: `UNAUTHENTICATED`.
async fn authenticate(
    state: &AppState,
    handshake: &Handshake,
    payload: &serde_json::Value,
) -> Result<RequestContext, ApiError> {
    let authorization = payload_authorization(payload).or(handshake.authorization.as_deref());
    let token = auth::bearer(authorization)?;
    let viewer = state.auth.viewer(&state.reads, &state.db, token).await?;
    let on_behalf_of = payload
        .get("X-Docket-Actor")
        .or_else(|| payload.get("x-docket-actor"))
        .and_then(|v| v.as_str())
        .map(str::to_owned)
        .or_else(|| handshake.on_behalf_of.clone());
    Ok(RequestContext { viewer, on_behalf_of, request_id: handshake.request_id.clone() })
}

/// Close code sent when the server goes away (RFC 6455 §7.4.1: 1001, going away).
const GOING_AWAY: u16 = 1001;

/// Bytes a connection reads into at once. Client messages are small (subscribe, complete, pong); a
/// larger one grows the buffer while it is read. Kept small because an idle subscriber holds it.
const READ_BUFFER: usize = 4 * 1024;

/// Buffer sizes of a subscription connection: a small read buffer and eager writes (no write
/// buffer is kept between messages), so that an idle subscriber costs little memory.
pub fn configure(upgrade: WebSocketUpgrade) -> WebSocketUpgrade {
    upgrade.read_buffer_size(READ_BUFFER).write_buffer_size(0)
}

/// Serves one upgraded connection until the client leaves, goes silent or stalls, or the server shuts
/// down. Counted in [`AppState::websockets`] while open.
pub async fn serve(
    socket: WebSocket,
    engine: Engine,
    protocol: GraphQLProtocol,
    handshake: Handshake,
    state: AppState,
) {
    // The protocol's rules, for `graphql-transport-ws` only (the legacy protocol has no close codes).
    let rules = handshake.transport_ws.then(|| Arc::new(Mutex::new(rules::Rules::default())));
    let violation: Arc<Mutex<Option<rules::Violation>>> = Arc::default();
    state.websockets.send_modify(|open| *open += 1);
    let keepalive = state.config.ws_keepalive();
    let started = Instant::now();
    // Milliseconds after `started` at which the peer last sent anything.
    let heard = Arc::new(AtomicU64::new(0));
    let (mut sink, stream) = socket.split();

    let heard_in = heard.clone();
    let (rules_in, violation_in) = (rules.clone(), violation.clone());
    // A message that breaks the protocol's rules ends the input there: async-graphql never reads it,
    // and the connection closes with the rule's code.
    let input = stream
        .inspect(move |_| heard_in.store(started.elapsed().as_millis() as u64, Ordering::Relaxed))
        .take_while(move |message| {
            let broken = match (&rules_in, message) {
                (Some(rules), Ok(Message::Text(text))) => lock(rules).client(text.as_str()),
                _ => None,
            };
            let keep = broken.is_none();
            if broken.is_some() {
                *lock(&violation_in) = broken;
            }
            std::future::ready(keep)
        });
    // Set when `connection_init` is refused, so that the close says "unauthorized".
    let refused = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let init_state = state.clone();
    let refused_in = refused.clone();
    let on_init = move |payload: serde_json::Value| async move {
        match authenticate(&init_state, &handshake, &payload).await {
            Ok(context) => {
                let mut data = async_graphql::Data::default();
                data.insert(context);
                Ok(data)
            }
            Err(err) => {
                if matches!(err, ApiError::Unauthenticated(_)) {
                    refused_in.store(true, Ordering::Relaxed);
                } else {
                    tracing::error!(error = %err, "websocket authentication failed");
                }
                Err(async_graphql::Error::new(err.to_string()))
            }
        }
    };
    // The protocol writes into a channel of one message, which this loop drains into the socket: a
    // peer that stops reading stops the protocol too (nothing more is produced for it).
    let (to_socket, mut outgoing) = tokio::sync::mpsc::channel::<Message>(1);
    let protocol_sink = futures_util::sink::unfold(to_socket, |to_socket, message: Message| async move {
        to_socket.send(message).await.map(|()| to_socket)
    });
    let protocol = GraphQLWebSocket::new_with_pair(Box::pin(protocol_sink), input, engine, protocol)
        .on_connection_init(on_init)
        .serve();
    let mut protocol = Box::pin(protocol);
    let mut protocol_done = false;

    let mut ping = tokio::time::interval_at(started + keepalive, keepalive);
    let init_deadline = tokio::time::sleep_until(started + state.config.ws_init_timeout());
    tokio::pin!(init_deadline);
    let mut init_checked = rules.is_none();
    let mut shutdown = state.shutdown.clone();
    let close = loop {
        let message = tokio::select! {
            message = outgoing.recv() => match message {
                // async-graphql closes a refused init with 1002; graphql-ws says 4401 for an unauthorized one.
                Some(Message::Close(Some(frame))) if frame.code == 1002 && refused.load(Ordering::Relaxed) => {
                    Message::Close(Some(CloseFrame { code: UNAUTHORIZED, reason: frame.reason }))
                }
                Some(message) => {
                    if let (Some(rules), Message::Text(text)) = (&rules, &message) {
                        lock(rules).server(text.as_str());
                    }
                    message
                }
                None => break None,
            },
            // Ends when the peer's input ends; its last messages are still in the channel.
            _ = &mut protocol, if !protocol_done => {
                protocol_done = true;
                continue;
            }
            _ = &mut init_deadline, if !init_checked => {
                init_checked = true;
                if rules.as_ref().is_some_and(|rules| !lock(rules).initialised()) {
                    break Some((rules::INIT_TIMEOUT, "Connection initialisation timeout".to_owned()));
                }
                continue;
            }
            _ = ping.tick() => {
                let silent = started.elapsed().saturating_sub(Duration::from_millis(heard.load(Ordering::Relaxed)));
                if silent > keepalive * 2 {
                    tracing::debug!(silent_ms = silent.as_millis() as u64, "websocket peer silent; closing");
                    break Some((GOING_AWAY, "no answer to keepalive pings".to_owned()));
                }
                Message::Ping(Default::default())
            }
            _ = shutdown.wait_for(|stopping| *stopping) => break Some((GOING_AWAY, "server shutting down".to_owned())),
        };
        match tokio::time::timeout(keepalive * 2, sink.send(message)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => break None,
            Err(_) => {
                tracing::debug!("websocket peer stopped reading; closing");
                break None;
            }
        }
    };
    // Ends the connection's subscriptions before it stops counting as open.
    drop(outgoing);
    drop(protocol);
    let broken = lock(&violation).take();
    if let Some((code, reason)) = broken.or(close) {
        let frame = CloseFrame { code, reason: reason.into() };
        let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(Message::Close(Some(frame)))).await;
    }
    state.websockets.send_modify(|open| *open -= 1);
}

/// The value behind `mutex`, even if a holder panicked (the state stays usable).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

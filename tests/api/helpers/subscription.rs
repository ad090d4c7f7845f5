//! Subscriptions over a real websocket, in both sub-protocols, with a timeout on every read.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

use super::{READ_TIMEOUT, TestApp};

impl TestApp {
    /// Opens a websocket subscription in `protocol` (`graphql-transport-ws` or `graphql-ws`).
    pub async fn subscribe(&self, protocol: Protocol, query: &str, variables: Value) -> Subscription {
        let mut request = format!("ws://127.0.0.1:{}/graphql", self.port).into_client_request().unwrap();
        request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static(protocol.name()));
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("websocket connect");
        let payload = match &self.token {
            Some(token) => json!({ "Authorization": format!("Bearer {token}") }),
            None => json!({}),
        };
        socket.send(Message::text(json!({ "type": "connection_init", "payload": payload }).to_string())).await.unwrap();
        let mut sub = Subscription { socket, protocol };
        let ack = sub.next_message().await;
        assert_eq!(ack["type"], "connection_ack", "expected an ack, got {ack}");
        let start = match protocol {
            Protocol::TransportWs => "subscribe",
            Protocol::LegacyWs => "start",
        };
        sub.socket
            .send(Message::text(
                json!({ "id": "1", "type": start, "payload": { "query": query, "variables": variables } }).to_string(),
            ))
            .await
            .unwrap();
        sub
    }

    /// Subscribes to `sessionEvents` of `session` after `after`.
    pub async fn subscribe_events(&self, protocol: Protocol, session: &str, after: Option<i64>) -> Subscription {
        self.subscribe(
            protocol,
            "subscription($s: ID!, $after: Int) { sessionEvents(sessionId: $s, afterSequence: $after) { sequence eventType } }",
            json!({ "s": session, "after": after }),
        )
        .await
    }
}

/// The two websocket sub-protocols Docket speaks.
#[derive(Clone, Copy, Debug)]
pub enum Protocol {
    /// `graphql-transport-ws` (GraphiQL, the `graphql-ws` client).
    TransportWs,
    /// The legacy `graphql-ws` (GraphQL Playground, subscriptions-transport-ws).
    LegacyWs,
}

impl Protocol {
    /// The sub-protocol's name in `Sec-WebSocket-Protocol`.
    pub fn name(self) -> &'static str {
        match self {
            Self::TransportWs => "graphql-transport-ws",
            Self::LegacyWs => "graphql-ws",
        }
    }
}

/// One open subscription.
pub struct Subscription {
    /// The socket.
    pub socket: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    /// Its sub-protocol.
    pub protocol: Protocol,
}

/// What a subscription delivered next.
#[derive(Debug)]
pub enum Delivery {
    /// A result with data.
    Data(Value),
    /// GraphQL errors.
    Errors(Value),
    /// The server completed the subscription.
    Complete,
}

impl Subscription {
    /// The next message that is not a keepalive.
    pub async fn next_message(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(READ_TIMEOUT, self.socket.next())
                .await
                .expect("timed out waiting for the server")
                .expect("socket closed")
                .expect("socket error");
            match message {
                Message::Text(text) => {
                    let value: Value = serde_json::from_str(&text).unwrap();
                    // Keepalives carry nothing for the test.
                    if value["type"] != "ka" && value["type"] != "ping" && value["type"] != "pong" {
                        return value;
                    }
                }
                Message::Close(frame) => panic!("socket closed by server: {frame:?}"),
                _ => {}
            }
        }
    }

    /// The next delivery of the subscription.
    pub async fn next(&mut self) -> Delivery {
        let message = self.next_message().await;
        let payload = &message["payload"];
        match (self.protocol, message["type"].as_str().unwrap_or_default()) {
            (_, "complete") => Delivery::Complete,
            (Protocol::TransportWs, "next") | (Protocol::LegacyWs, "data") => match payload.get("errors") {
                Some(errors) if !errors.is_null() => Delivery::Errors(errors.clone()),
                _ => Delivery::Data(payload["data"].clone()),
            },
            (_, "error") => Delivery::Errors(if payload.is_array() { payload.clone() } else { json!([payload]) }),
            (_, other) => panic!("unexpected message {other}: {message}"),
        }
    }

    /// The next `sessionEvents` item as (sequence, type); fails on anything else.
    pub async fn next_event(&mut self) -> (i64, String) {
        match self.next().await {
            Delivery::Data(data) => {
                let event = &data["sessionEvents"];
                (event["sequence"].as_i64().unwrap(), event["eventType"].as_str().unwrap().to_owned())
            }
            other => panic!("expected an event, got {other:?}"),
        }
    }

    /// The next `n` event sequences.
    pub async fn next_sequences(&mut self, n: usize) -> Vec<i64> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.next_event().await.0);
        }
        out
    }

    /// Reads until the server closes the socket; returns the close code (`None` without a frame).
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            let message =
                tokio::time::timeout(READ_TIMEOUT, self.socket.next()).await.expect("timed out waiting for close");
            match message {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => {}
                None | Some(Err(_)) => return None,
            }
        }
    }

    /// Reads everything the server sends in the background (answering its pings, as a live client
    /// does), handing each text message's JSON to the returned receiver until the socket closes.
    /// Aborting the task drops the connection.
    pub fn read_in_background(mut self) -> (tokio::sync::mpsc::UnboundedReceiver<Value>, tokio::task::JoinHandle<()>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Some(Ok(message)) = self.socket.next().await {
                if let Message::Text(text) = message {
                    let _ = tx.send(serde_json::from_str(&text).unwrap());
                }
            }
        });
        (rx, task)
    }

    /// Closes the socket.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

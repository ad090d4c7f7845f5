//! `graphql-transport-ws`'s close codes for a client that breaks the protocol (graphql-ws's
//! PROTOCOL.md): 4400 for a message it does not allow, 4401 for a `subscribe` before the connection is
//! acknowledged, 4408 for no `connection_init` in time, 4409 for a `subscribe` whose id is running,
//! 4429 for a second `connection_init`.

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

use crate::helpers::{READ_TIMEOUT, TestApp, TestDb, spawn_app, spawn_app_on};

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const SUBSCRIBE: &str = r#"{"type":"subscribe","id":"1","payload":{"query":"subscription { events { type } }"}}"#;

/// A `graphql-transport-ws` connection, acknowledged when `init` is set.
async fn open(app: &TestApp, init: bool) -> Socket {
    let mut request = format!("ws://127.0.0.1:{}/graphql", app.port).into_client_request().unwrap();
    request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("websocket connect");
    if init {
        socket.send(Message::text(r#"{"type":"connection_init","payload":{}}"#)).await.unwrap();
        let ack = tokio::time::timeout(READ_TIMEOUT, socket.next()).await.expect("an ack").unwrap().unwrap();
        assert_eq!(ack.into_text().unwrap().as_str(), r#"{"type":"connection_ack"}"#);
    }
    socket
}

/// Sends `messages` in order and gives the code the server closes with (`None`: no close frame).
async fn close_code_after(socket: &mut Socket, messages: &[&str]) -> Option<u16> {
    for message in messages {
        socket.send(Message::text(*message)).await.unwrap();
    }
    loop {
        match tokio::time::timeout(READ_TIMEOUT, socket.next()).await.expect("the server answers or closes") {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            _ => return None,
        }
    }
}

#[tokio::test]
async fn a_client_that_breaks_the_protocol_is_closed_with_its_code() {
    let (app, _db) = spawn_app().await;
    let cases: [(&str, bool, Vec<&str>, u16); 7] = [
        ("not JSON", true, vec!["{nope"], 4400),
        ("no type", true, vec![r#"{"id":"1"}"#], 4400),
        ("unknown type", true, vec![r#"{"type":"hello"}"#], 4400),
        ("subscribe without an id", true, vec![r#"{"type":"subscribe","payload":{"query":"{ __typename }"}}"#], 4400),
        ("subscribe before connection_init", false, vec![SUBSCRIBE], 4401),
        ("the id of a running subscription", true, vec![SUBSCRIBE, SUBSCRIBE], 4409),
        ("a second connection_init", true, vec![r#"{"type":"connection_init"}"#], 4429),
    ];
    for (case, init, messages, code) in cases {
        let mut socket = open(&app, init).await;
        assert_eq!(close_code_after(&mut socket, &messages).await, Some(code), "{case}");
    }
}

#[tokio::test]
async fn an_id_may_be_used_again_once_its_operation_has_completed() {
    let (app, _db) = spawn_app().await;
    let mut socket = open(&app, true).await;
    let query = r#"{"type":"subscribe","id":"q","payload":{"query":"{ __typename }"}}"#;
    for _ in 0..3 {
        socket.send(Message::text(query)).await.unwrap();
        let mut kinds = Vec::new();
        while kinds.last().map(String::as_str) != Some("complete") {
            let message = tokio::time::timeout(READ_TIMEOUT, socket.next()).await.expect("an answer").unwrap().unwrap();
            let message: serde_json::Value = serde_json::from_str(message.to_text().unwrap()).unwrap();
            kinds.push(message["type"].as_str().unwrap().to_owned());
        }
        assert_eq!(kinds, ["next", "complete"]);
    }
    socket.send(Message::text(json!({ "type": "complete", "id": "q" }).to_string())).await.unwrap();
}

#[tokio::test]
async fn a_connection_without_connection_init_in_time_is_closed_with_4408() {
    let db = TestDb::new(false).await;
    let app = spawn_app_on(&db, |config| config.ws_init_timeout_secs = 1).await;
    let mut silent = open(&app, false).await;
    assert_eq!(close_code_after(&mut silent, &[]).await, Some(4408));
    // One that initialised in time stays open past the deadline.
    let mut socket = open(&app, true).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let query = r#"{"type":"subscribe","id":"q","payload":{"query":"{ __typename }"}}"#;
    socket.send(Message::text(query)).await.unwrap();
    let next = tokio::time::timeout(READ_TIMEOUT, socket.next()).await.expect("an answer").unwrap().unwrap();
    assert!(next.to_text().unwrap().contains(r#""type":"next""#), "{next:?}");
}

//! Slow and dead subscribers: bounded buffers, keepalive, and release of everything on unsubscribe.

use serde_json::json;

use crate::helpers::{Delivery, Protocol, READ_TIMEOUT, TestApp, TestDb, spawn_process_with};

const EVENTS_WITH_DATA: &str = "subscription($s: ID!, $after: Int) { \
    sessionEvents(sessionId: $s, afterSequence: $after) { sequence eventType eventData } }";

const APPEND_WITH_DATA: &str = "mutation($s: ID!, $data: JSON!) { \
    appendSessionEvent(input: { sessionId: $s, eventType: \"blob\", eventData: $data }) { event { sequence } } }";

async fn last_sequence(app: &TestApp, session: &str) -> i64 {
    let data = app
        .data("query($id: ID!) { documentationSession(id: $id) { lastEventSequence } }", json!({ "id": session }))
        .await;
    data["documentationSession"]["lastEventSequence"].as_i64().unwrap()
}

async fn resident_bytes(app: &TestApp) -> i64 {
    app.metric("process_resident_memory_bytes").await
}

/// A subscriber that stops reading neither delays another nor makes the server hold what it did not
/// read: past the bus's buffer it is dropped, and when it reads again it finds the events it was sent,
/// then `SUBSCRIBER_LAGGED` carrying the last of them as its cursor.
#[tokio::test]
async fn a_subscriber_that_stops_reading_is_dropped_with_its_cursor_and_delays_nobody() {
    let db = TestDb::new(true).await;
    // `slow` answers no keepalive ping while it does not read; a long period keeps the keepalive out
    // of what this test measures, however slowly a loaded machine writes the 50 MiB.
    let app = spawn_process_with(&db, &["--subscriber-buffer", "16", "--ws-keepalive-secs", "120"]).await;
    let (session, _) = app.start_session(&["a.rs"]).await;
    let start = last_sequence(&app, &session).await;

    let mut slow = app.subscribe(Protocol::TransportWs, EVENTS_WITH_DATA, json!({ "s": session, "after": 0 })).await;
    let mut fast = app.subscribe(Protocol::TransportWs, EVENTS_WITH_DATA, json!({ "s": session, "after": 0 })).await;
    assert_eq!(slow.next_sequences(start as usize).await, (1..=start).collect::<Vec<_>>());
    assert_eq!(fast.next_sequences(start as usize).await, (1..=start).collect::<Vec<_>>());
    app.wait_for_subscribers(2).await;
    let before = resident_bytes(&app).await;

    // 200 events of 256 KiB: 50 MiB, far more than the socket buffers between server and `slow`
    // hold, so the server must stop writing to `slow` long before the end.
    let blob = "x".repeat(256 * 1024);
    let count = 200;
    let reader = tokio::spawn(async move {
        let sequences = fast.next_sequences(count).await;
        (fast, sequences)
    });
    for _ in 0..count {
        let data = app.data(APPEND_WITH_DATA, json!({ "s": session, "data": { "blob": blob } })).await;
        assert!(data["appendSessionEvent"]["event"]["sequence"].is_i64());
    }
    // The reading subscriber got everything, in order, while the other read nothing.
    let (fast, sequences) = reader.await.unwrap();
    assert_eq!(sequences, ((start + 1)..=(start + count as i64)).collect::<Vec<_>>());
    // What the server holds, not what it freed a moment ago: freed pages go back to the system
    // within mimalloc's purge delay (a second), so the bound may be reached a little later (the wait
    // allows 20 s); holding the 50 MiB unread would never reach it.
    let bound = 30 * 1024 * 1024;
    // Fails, naming what it stayed at, when the server keeps more than `bound` over `before`.
    app.wait_for_metric("process_resident_memory_bytes", |rss| rss - before < bound).await;

    // Now `slow` reads: an unbroken run from where it stopped, then the error with its cursor.
    let mut delivered = start;
    let error = loop {
        match slow.next().await {
            Delivery::Data(data) => {
                let sequence = data["sessionEvents"]["sequence"].as_i64().unwrap();
                assert_eq!(sequence, delivered + 1, "a gap in what the slow subscriber received");
                delivered = sequence;
            }
            Delivery::Errors(errors) => break errors,
            Delivery::Complete => panic!("completed without an error"),
        }
    };
    assert!(delivered < start + count as i64, "the slow subscriber was never dropped");
    assert_eq!(error[0]["extensions"]["code"], "SUBSCRIBER_LAGGED", "{error}");
    assert_eq!(error[0]["extensions"]["lastSequence"], delivered, "{error}");
    assert!(matches!(slow.next().await, Delivery::Complete));
    assert_eq!(app.wait_for_metric("docket_event_subscribers", |n| n == 1).await, 1);

    // Resuming from the cursor gives exactly the rest.
    let mut resumed = app.subscribe_events(Protocol::LegacyWs, &session, Some(delivered)).await;
    let rest = resumed.next_sequences((start + count as i64 - delivered) as usize).await;
    assert_eq!(rest, ((delivered + 1)..=(start + count as i64)).collect::<Vec<_>>());
    for subscription in [slow, fast, resumed] {
        subscription.close().await;
    }
    app.wait_for_metric("docket_event_subscribers", |n| n == 0).await;
    app.wait_for_metric("docket_event_feeds", |n| n == 0).await;
}

/// A peer that answers no keepalive ping is disconnected and everything it held is released, while a
/// peer that answers stays connected and keeps receiving.
#[tokio::test]
async fn keepalive_pings_disconnect_a_dead_peer_and_release_its_subscriptions() {
    let db = TestDb::new(true).await;
    let app = spawn_process_with(&db, &["--ws-keepalive-secs", "1"]).await;
    let (quiet_session, _) = app.start_session(&["a.rs"]).await;
    let (shared_session, _) = app.start_session(&["b.rs"]).await;

    // The dead peer holds two subscriptions' worth of state: its own session and a shared one.
    let dead_a = app.subscribe_events(Protocol::TransportWs, &quiet_session, None).await;
    let dead_b = app.subscribe_events(Protocol::LegacyWs, &shared_session, None).await;
    let live = app.subscribe_events(Protocol::TransportWs, &shared_session, None).await;
    app.wait_for_subscribers(3).await;
    assert_eq!(app.metric("docket_event_feeds").await, 2);
    let (mut live_messages, live_task) = live.read_in_background();

    // The dead peers never read again, so never answer a ping: a few periods later they are gone,
    // while the live peer, which answers, is still connected.
    app.wait_for_metric("docket_websockets", |n| n == 1).await;
    assert_eq!(app.metric("docket_event_subscribers").await, 1);
    assert_eq!(app.metric("docket_event_feeds").await, 1);

    // And it still receives.
    let sequence = app.append_event(&shared_session, "still here").await;
    loop {
        let message = tokio::time::timeout(READ_TIMEOUT, live_messages.recv())
            .await
            .expect("the live peer received nothing")
            .expect("the live peer was disconnected");
        if message["payload"]["data"]["sessionEvents"]["sequence"] == sequence {
            break;
        }
    }
    live_task.abort();
    drop((dead_a, dead_b));
    app.wait_for_metric("docket_websockets", |n| n == 0).await;
    app.wait_for_metric("docket_event_subscribers", |n| n == 0).await;
    app.wait_for_metric("docket_event_feeds", |n| n == 0).await;
}

/// Many subscriptions over many sessions, in both protocols, some closed politely and some dropped:
/// afterwards no fan-out task, subscription or websocket is left.
#[tokio::test]
async fn unsubscribing_releases_every_feed_and_subscriber() {
    let db = TestDb::new(true).await;
    let app = spawn_process_with(&db, &[]).await;
    let mut subscriptions = Vec::new();
    for i in 0..20 {
        let (session, _) = app.start_session(&[&format!("f{i}.rs")]).await;
        for protocol in [Protocol::TransportWs, Protocol::LegacyWs, Protocol::TransportWs] {
            subscriptions.push(app.subscribe_events(protocol, &session, None).await);
        }
    }
    app.wait_for_subscribers(60).await;
    assert_eq!(app.metric("docket_event_feeds").await, 20);
    assert_eq!(app.metric("docket_websockets").await, 60);

    for (i, subscription) in subscriptions.into_iter().enumerate() {
        if i % 2 == 0 {
            subscription.close().await;
        } else {
            drop(subscription);
        }
    }
    app.wait_for_metric("docket_websockets", |n| n == 0).await;
    app.wait_for_metric("docket_event_subscribers", |n| n == 0).await;
    app.wait_for_metric("docket_event_feeds", |n| n == 0).await;
}

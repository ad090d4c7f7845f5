//! Nothing acknowledged is lost: a real `docket` process killed with SIGKILL under load.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::json;

use crate::helpers::{Protocol, TestDb, spawn_process};

const APPEND: &str =
    "mutation($s: ID!) { appendSessionEvent(input: { sessionId: $s, eventType: \"load\" }) { event { sequence } } }";

#[tokio::test]
async fn events_acknowledged_before_a_sigkill_survive_it_and_resume_in_order() {
    let db = TestDb::new(true).await;
    let mut first = spawn_process(&db).await;
    let (session, _) = first.start_session(&["a.rs"]).await;
    let address = first.address.clone();
    let acknowledged: Arc<Mutex<Vec<i64>>> = Arc::default();

    // Four clients append as fast as they can until the server is gone.
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let load: Vec<_> = (0..4)
        .map(|_| {
            let (client, address, session, acknowledged) =
                (client.clone(), address.clone(), session.clone(), acknowledged.clone());
            tokio::spawn(async move {
                for _ in 0..100_000 {
                    let sent = client
                        .post(format!("{address}/graphql"))
                        .json(&json!({ "query": APPEND, "variables": { "s": session } }))
                        .send()
                        .await;
                    let Ok(response) = sent else { return };
                    let Ok(body) = response.json::<serde_json::Value>().await else { return };
                    if let Some(sequence) = body["data"]["appendSessionEvent"]["event"]["sequence"].as_i64() {
                        acknowledged.lock().unwrap().push(sequence);
                    }
                }
            })
        })
        .collect();
    // Kill once the load is well under way (a point in the run, not a timing target).
    while acknowledged.lock().unwrap().len() < 200 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut child = first.process.take().expect("a process");
    let pid = child.id().expect("pid").to_string();
    assert!(std::process::Command::new("kill").args(["-KILL", &pid]).status().unwrap().success());
    child.wait().await.unwrap();
    for client in load {
        client.await.unwrap();
    }
    let acknowledged: Vec<i64> = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 200);

    let second = spawn_process(&db).await;
    let data = second
        .data("query($id: ID!) { documentationSession(id: $id) { lastEventSequence } }", json!({ "id": session }))
        .await;
    let last = data["documentationSession"]["lastEventSequence"].as_i64().unwrap();
    // Replay everything from the start: gapless, and every acknowledged event is there.
    let mut sub = second.subscribe_events(Protocol::TransportWs, &session, Some(0)).await;
    let stored = sub.next_sequences(last as usize).await;
    assert_eq!(stored, (1..=last).collect::<Vec<_>>(), "sequences are gapless");
    let stored: HashSet<i64> = stored.into_iter().collect();
    let lost: Vec<&i64> = acknowledged.iter().filter(|s| !stored.contains(s)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");

    // A client that saw up to the middle resumes there and gets the rest, in order, once, then live.
    let cursor = acknowledged[acknowledged.len() / 2];
    let mut resumed = second.subscribe_events(Protocol::LegacyWs, &session, Some(cursor)).await;
    let rest = resumed.next_sequences((last - cursor) as usize).await;
    assert_eq!(rest, ((cursor + 1)..=last).collect::<Vec<_>>());
    let live = second.append_event(&session, "after restart").await;
    assert_eq!(live, last + 1);
    assert_eq!(resumed.next_event().await.0, live);
}

#[tokio::test]
async fn a_subscriber_of_a_dead_process_resumes_on_another_without_gaps_or_repeats() {
    let db = TestDb::new(true).await;
    let mut doomed = spawn_process(&db).await;
    let survivor = spawn_process(&db).await;
    let (session, _) = doomed.start_session(&["a.rs"]).await;
    for _ in 0..10 {
        doomed.append_event(&session, "before").await;
    }
    let mut sub = doomed.subscribe_events(Protocol::TransportWs, &session, None).await;
    let seen = sub.next_sequences(6).await;
    let cursor = *seen.last().unwrap();
    let mut child = doomed.process.take().expect("a process");
    let pid = child.id().expect("pid").to_string();
    assert!(std::process::Command::new("kill").args(["-KILL", &pid]).status().unwrap().success());
    child.wait().await.unwrap();

    let mut appended = Vec::new();
    for _ in 0..5 {
        appended.push(survivor.append_event(&session, "after").await);
    }
    let mut resumed = survivor.subscribe_events(Protocol::LegacyWs, &session, Some(cursor)).await;
    let expected: Vec<i64> = ((cursor + 1)..=*appended.last().unwrap()).collect();
    assert_eq!(resumed.next_sequences(expected.len()).await, expected, "the rest, in order, once");
    let live = survivor.append_event(&session, "live").await;
    assert_eq!(resumed.next_event().await.0, live, "then live events");
}

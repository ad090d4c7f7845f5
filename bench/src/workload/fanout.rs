//! `fan-out`: `--subscribers` websocket subscribers (`graphql-transport-ws`) spread over
//! `--fanout-sessions` sessions while events are appended at `--event-rate` per second for the
//! workload's duration. Measures commit-to-delivery latency (each event carries the wall-clock time
//! its append was sent; the bench and server share the clock), lost and duplicated deliveries (each
//! subscriber must receive every acknowledged event of its session exactly once) and the server's
//! memory per idle subscriber.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use anyhow::{Context as _, bail};
use futures_util::{SinkExt, StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, watch};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

use super::RssSampler;
use crate::{Args, client::Gql, report::Row, seed, seed::Seeded, server::Server, stats::Latencies};

const SUBSCRIPTION: &str = "subscription($s: ID!, $after: Int) { \
    sessionEvents(sessionId: $s, afterSequence: $after) { sequence eventData } }";

/// How long subscribers may take, after the last append, to receive everything.
const DRAIN: Duration = Duration::from_secs(30);

/// Appends in flight at once.
const APPENDS_IN_FLIGHT: usize = 64;

fn now_micros() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or_default()
}

/// What one subscriber saw.
struct Seen {
    session: usize,
    latencies: Latencies,
    sequences: Vec<i64>,
}

/// Runs the fan-out workload.
pub async fn run(args: &Args, server: &Server, client: &Gql, data: &Seeded) -> anyhow::Result<Row> {
    let sessions = create_sessions(client, &data.workspaces[0], args.fanout_sessions.max(1)).await?;
    let before = server.metrics().await?;
    let (rss_before, subscribers_before) = (before.resident_bytes, before.subscribers);

    // Subscribe everyone, each after its session's current last sequence (so only new events arrive).
    let ws_url = format!("{}/graphql", server.address.replacen("http", "ws", 1));
    let (finals_tx, finals_rx) = watch::channel(None::<Arc<Vec<i64>>>);
    let readers: Vec<tokio::task::JoinHandle<Seen>> = stream::iter(0..args.subscribers)
        .map(|i| {
            let (ws_url, session_index) = (ws_url.clone(), i % sessions.len());
            let (session, after) = sessions[session_index].clone();
            let finals = finals_rx.clone();
            async move {
                let socket = subscribe(&ws_url, &session, after).await?;
                anyhow::Ok(tokio::spawn(read(socket, session_index, finals)))
            }
        })
        .buffer_unordered(64)
        .try_collect()
        .await
        .context("subscribing")?;
    let mut open = 0;
    for _ in 0..600 {
        open = server.metrics().await?.subscribers - subscribers_before;
        if open >= args.subscribers as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if open < args.subscribers as u64 {
        bail!("only {open} of {} subscriptions were registered", args.subscribers);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle = server.metrics().await?.resident_bytes;
    let per_subscriber = rss_idle.saturating_sub(rss_before) as f64 / args.subscribers as f64;

    // Append at a fixed rate: every 10 ms, the events due by then.
    let sampler = RssSampler::start(server);
    let acknowledged: Arc<Vec<Mutex<Vec<i64>>>> = Arc::new(sessions.iter().map(|_| Mutex::default()).collect());
    let errors = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let in_flight = Arc::new(Semaphore::new(APPENDS_IN_FLIGHT));
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut sent: u64 = 0;
    let mut appends = tokio::task::JoinSet::new();
    while started.elapsed() < args.duration() {
        tick.tick().await;
        let due = (started.elapsed().as_secs_f64() * args.event_rate as f64) as u64;
        while sent < due {
            let permit = in_flight.clone().acquire_owned().await?;
            let index = sent as usize % sessions.len();
            let (client, session, acknowledged, errors) =
                (client.clone(), sessions[index].0.clone(), acknowledged.clone(), errors.clone());
            appends.spawn(async move {
                let _permit = permit;
                match seed::append(&client, &session, "fanout", json!({ "sent": now_micros() })).await {
                    Ok(sequence) => acknowledged[index].lock().expect("not poisoned").push(sequence),
                    Err(_) => {
                        errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
            sent += 1;
        }
    }
    while appends.join_next().await.is_some() {}
    let append_seconds = started.elapsed().as_secs_f64();
    let finals: Vec<i64> = acknowledged
        .iter()
        .zip(&sessions)
        .map(|(acks, (_, after))| acks.lock().expect("not poisoned").iter().copied().max().unwrap_or(*after))
        .collect();
    let _ = finals_tx.send(Some(Arc::new(finals)));

    let mut latencies = Latencies::default();
    let (mut deliveries, mut lost, mut duplicated) = (0u64, 0u64, 0u64);
    for reader in readers {
        let seen = reader.await?;
        let acks = acknowledged[seen.session].lock().expect("not poisoned").clone();
        let distinct: HashSet<i64> = seen.sequences.iter().copied().collect();
        deliveries += seen.sequences.len() as u64;
        duplicated += (seen.sequences.len() - distinct.len()) as u64;
        lost += acks.iter().filter(|s| !distinct.contains(s)).count() as u64;
        latencies.extend(seen.latencies);
    }
    let seconds = started.elapsed().as_secs_f64();
    let (peak, _) = sampler.stop().await;
    let appended: u64 = acknowledged.iter().map(|a| a.lock().expect("not poisoned").len() as u64).sum();
    let mut row = Row {
        operations: deliveries,
        errors: errors.load(std::sync::atomic::Ordering::Relaxed),
        seconds,
        throughput_per_sec: deliveries as f64 / seconds,
        p50_ms: latencies.percentile_ms(50.0),
        p95_ms: latencies.percentile_ms(95.0),
        p99_ms: latencies.percentile_ms(99.0),
        peak_rss_mib: Some(peak.max(rss_idle) as f64 / (1024.0 * 1024.0)),
        ..Row::default()
    };
    let details = &mut row.details;
    details.insert("subscribers".into(), json!(args.subscribers));
    details.insert("sessions".into(), json!(sessions.len()));
    details.insert("events_appended".into(), json!(appended));
    details.insert("event_rate_achieved_per_sec".into(), json!((appended as f64 / append_seconds).round()));
    details.insert("lost".into(), json!(lost));
    details.insert("duplicated".into(), json!(duplicated));
    details.insert("idle_bytes_per_subscriber".into(), json!(per_subscriber.round()));
    details.insert("latency".into(), json!("append sent → delivered, ms"));
    Ok(row)
}

/// Creates `n` one-file sessions in `workspace`; returns each with its last event sequence.
async fn create_sessions(client: &Gql, workspace: &str, n: usize) -> anyhow::Result<Vec<(String, i64)>> {
    stream::iter(0..n)
        .map(|i| async move {
            let data = client
                .data(
                    "mutation($input: StartDocumentationSessionInput!) { startDocumentationSession(input: $input) { \
                     session { id lastEventSequence } } }",
                    json!({ "input": { "workspaceId": workspace, "moduleName": format!("fan-out {i}"), "filePaths": ["README.md"] } }),
                )
                .await?;
            let session = &data["startDocumentationSession"]["session"];
            anyhow::Ok((
                session["id"].as_str().context("no session id")?.to_owned(),
                session["lastEventSequence"].as_i64().context("no sequence")?,
            ))
        })
        .buffered(8)
        .try_collect()
        .await
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a `graphql-transport-ws` connection and subscribes to `session` after `after`.
async fn subscribe(url: &str, session: &str, after: i64) -> anyhow::Result<Socket> {
    let mut request = url.into_client_request()?;
    request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    socket.send(Message::text(json!({ "type": "connection_init", "payload": {} }).to_string())).await?;
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) if text.contains("connection_ack") => break,
            Some(Ok(_)) => {}
            other => bail!("no connection_ack: {other:?}"),
        }
    }
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": SUBSCRIPTION, "variables": { "s": session, "after": after } } });
    socket.send(Message::text(subscribe.to_string())).await?;
    Ok(socket)
}

/// Reads deliveries until the session's final sequence arrived (once known) or the drain time ran
/// out, then closes the connection.
async fn read(mut socket: Socket, session: usize, mut finals: watch::Receiver<Option<Arc<Vec<i64>>>>) -> Seen {
    let mut seen = Seen { session, latencies: Latencies::default(), sequences: Vec::new() };
    let mut deadline: Option<tokio::time::Instant> = None;
    // The highest sequence received so far: the subscriber is done once it reaches its session's final.
    let mut highest = i64::MIN;
    let done = |highest: i64, finals: &Option<Arc<Vec<i64>>>| finals.as_ref().is_some_and(|f| highest >= f[session]);
    loop {
        let drain = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            message = socket.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let received = now_micros();
                    let Ok(message) = serde_json::from_str::<Value>(&text) else { continue };
                    let event = &message["payload"]["data"]["sessionEvents"];
                    if let (Some(sequence), Some(sent)) = (event["sequence"].as_i64(), event["eventData"]["sent"].as_u64()) {
                        seen.sequences.push(sequence);
                        highest = highest.max(sequence);
                        seen.latencies.push(received.saturating_sub(sent));
                    }
                    if done(highest, &finals.borrow()) {
                        break;
                    }
                }
                Some(Ok(_)) => {}
                _ => break,
            },
            changed = finals.changed(), if deadline.is_none() => {
                if changed.is_err() || done(highest, &finals.borrow()) {
                    break;
                }
                deadline = Some(tokio::time::Instant::now() + DRAIN);
            }
            _ = drain => break,
        }
    }
    let _ = socket.close(None).await;
    seen
}

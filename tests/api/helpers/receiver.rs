//! A webhook endpoint for tests: a local HTTP server that records every request it gets and answers
//! as the test's plan says (accept, fail with a status, or never answer).

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};

/// How the receiver answers a request.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    /// 200.
    Accept,
    /// 200, after this long.
    AcceptAfter(Duration),
    /// This status.
    Fail(u16),
    /// Never answers (the sender's timeout ends the attempt).
    Hang,
}

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Received {
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body.
    pub body: Bytes,
}

impl Received {
    /// Header `name` as text.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("no header {name}"))
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

type Plan = dyn Fn(usize) -> Answer + Send + Sync;

struct Inner {
    received: Mutex<Vec<Received>>,
    plan: Box<Plan>,
    arrived: tokio::sync::Notify,
}

/// A running receiver; it stops with the test's runtime.
pub struct Receiver {
    /// Where it listens: `http://127.0.0.1:<port>/hook`.
    pub url: String,
    inner: Arc<Inner>,
}

impl Receiver {
    /// Starts a receiver that answers its `n`-th request (0 for the first) as `plan(n)` says.
    pub async fn start(plan: impl Fn(usize) -> Answer + Send + Sync + 'static) -> Receiver {
        let inner = Arc::new(Inner { received: Mutex::default(), plan: Box::new(plan), arrived: Default::default() });
        let router = Router::new().route("/hook", post(receive)).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://127.0.0.1:{}/hook", listener.local_addr().unwrap().port());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Receiver { url, inner }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.inner.received.lock().unwrap().clone()
    }

    /// Waits (up to 60 s, then fails) until `n` requests have arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let arrived = self.inner.arrived.notified();
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!("the receiver got {} requests, not {n}", self.received().len());
            }
        }
    }
}

async fn receive(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let answer = {
        let mut received = inner.received.lock().unwrap();
        received.push(Received { headers, body });
        (inner.plan)(received.len() - 1)
    };
    inner.arrived.notify_waiters();
    match answer {
        Answer::Accept => StatusCode::OK,
        Answer::AcceptAfter(pause) => {
            tokio::time::sleep(pause).await;
            StatusCode::OK
        }
        Answer::Fail(status) => StatusCode::from_u16(status).unwrap(),
        Answer::Hang => std::future::pending().await,
    }
}

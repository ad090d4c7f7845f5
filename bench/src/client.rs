//! A minimal GraphQL-over-HTTP client.

use std::time::Duration;

use anyhow::{anyhow, bail};
use serde_json::{Value, json};

/// Posts GraphQL operations to one server; cheap to clone (one connection pool).
#[derive(Clone)]
pub struct Gql {
    http: reqwest::Client,
    url: String,
}

impl Gql {
    /// A client of `address`'s `/graphql`.
    pub fn new(address: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(256)
            .build()
            .expect("an HTTP client");
        Self { http, url: format!("{address}/graphql") }
    }

    /// Runs `query` with `variables` and returns `data`; GraphQL errors become an error.
    pub async fn data(&self, query: &str, variables: Value) -> anyhow::Result<Value> {
        let response =
            self.http.post(&self.url).json(&json!({ "query": query, "variables": variables })).send().await?;
        let status = response.status();
        let mut body: Value = response.json().await.map_err(|e| anyhow!("HTTP {status}: {e}"))?;
        if let Some(errors) = body.get("errors").filter(|e| !e.is_null()) {
            bail!("GraphQL errors: {errors}");
        }
        Ok(body["data"].take())
    }

    /// Runs `query` with `variables` as a load generator does: the answer is read whole but not parsed
    /// (parsing a 400 KiB answer costs the client as much CPU as the server spends on it, on the same
    /// cores); a status other than 200, or an answer with errors, is an error. Returns its size.
    pub async fn run(&self, query: &str, variables: &Value) -> anyhow::Result<usize> {
        let response =
            self.http.post(&self.url).json(&json!({ "query": query, "variables": variables })).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        // The server writes `errors` after `data`, as its first error's first key: `"errors":[{"message"`.
        let errors = memchr_find(&body, br#""errors":[{"message""#);
        if !status.is_success() || errors.is_some() || !body.starts_with(b"{\"data\":") {
            bail!("HTTP {status}: {}", String::from_utf8_lossy(&body[..body.len().min(500)]));
        }
        Ok(body.len())
    }

    /// Posts a prepared request body and returns the answer's status and bytes, whatever they are.
    pub async fn post_raw(&self, body: &'static str) -> anyhow::Result<(u16, String)> {
        let response = self.http.post(&self.url).header("content-type", "application/json").body(body).send().await?;
        let status = response.status().as_u16();
        Ok((status, response.text().await?))
    }

    /// A worker's turn: claims the next todo of `session` (with a lease of `lease_seconds`, or the
    /// server's default) and completes it with the claim's lease token. `false` when none was ready.
    pub async fn claim_and_complete(&self, session: &str, lease_seconds: Option<i32>) -> anyhow::Result<bool> {
        let claimed = self
            .data(
                "mutation($s: ID!, $l: Int) { claimNextTodo(sessionId: $s, leaseSeconds: $l) { id leaseToken } }",
                json!({ "s": session, "l": lease_seconds }),
            )
            .await?;
        let Some(todo) = claimed["claimNextTodo"]["id"].as_str() else { return Ok(false) };
        let lease = &claimed["claimNextTodo"]["leaseToken"];
        self.data(
            "mutation($t: ID!, $l: String!) { completeTodo(id: $t, leaseToken: $l) { id } }",
            json!({ "t": todo, "l": lease }),
        )
        .await?;
        Ok(true)
    }
}

/// Where `needle` first occurs in `haystack`.
fn memchr_find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

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

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
}

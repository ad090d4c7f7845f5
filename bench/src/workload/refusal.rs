//! `refusal`: how fast hostile documents are turned away, one client sending them in turn: 300,000
//! aliases of `__typename` (3.3 MB, refused by the token limit before it is parsed) and a 3 MB
//! document that does not parse. Each answer must be a GraphQL error of a few KiB; the row's
//! latencies are the refusals', and its details the largest answer.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use serde_json::json;

use super::{Statements, closed_loop};
use crate::{Args, client::Gql, report::Row, server::Server};

/// The two documents, as request bodies (made once, kept for the run).
fn documents() -> [&'static str; 2] {
    let aliases: String = (0..300_000).map(|i| format!("a{i}: __typename ")).collect();
    let aliases = format!("{{ {aliases}}}");
    let unparsable = format!("{{ a(s: \"{}\") b( }}", "x".repeat(3_000_000));
    [aliases, unparsable].map(|query| &*Box::leak(json!({ "query": query }).to_string().into_boxed_str()))
}

/// Sends the documents in turn for the run's duration, on one client.
pub async fn run(args: &Args, server: &Server, client: &Gql) -> anyhow::Result<Row> {
    let documents = documents();
    let largest = Arc::new(AtomicUsize::new(0));
    let (client, seen) = (client.clone(), largest.clone());
    let mut row = closed_loop(args.duration(), 1, Statements::Server(server), move |_, iteration| {
        let (client, seen) = (client.clone(), seen.clone());
        let body = documents[(iteration % 2) as usize];
        async move {
            let (status, answer) = client.post_raw(body).await?;
            anyhow::ensure!(
                status == 200 && answer.contains("GRAPHQL_PARSE_FAILED"),
                "not refused as a parse failure: HTTP {status}: {}",
                &answer[..answer.len().min(300)]
            );
            seen.fetch_max(answer.len(), Ordering::Relaxed);
            Ok(true)
        }
    })
    .await?;
    row.details.insert("largest_answer_bytes".into(), largest.load(Ordering::Relaxed).into());
    Ok(row)
}

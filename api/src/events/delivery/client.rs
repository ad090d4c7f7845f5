//! The HTTP client deliveries go out with: a timeout per attempt, no redirects (a redirect could lead
//! anywhere, the server's own network included), and, unless private targets are allowed, a resolver
//! that refuses names resolving to internal addresses at connection time, so that a name which
//! resolved outward when the webhook was saved cannot be turned inward later (DNS rebinding).

use std::{sync::Arc, time::Duration};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::events::webhook::is_internal;

/// Resolves with the system resolver and keeps only public addresses; none left is an error.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<_> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<_> = found.into_iter().filter(|a| !is_internal(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("`{host}` resolves only to private or loopback addresses").into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// The delivery client: `timeout` per attempt; internal addresses refused unless `allow_private`.
pub fn build(timeout: Duration, allow_private: bool) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Docket-Webhooks/", env!("CARGO_PKG_VERSION")));
    let builder = if allow_private { builder } else { builder.dns_resolver(Arc::new(PublicOnly)) };
    builder.build()
}

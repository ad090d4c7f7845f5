//! Which web pages may call Docket from a browser: pages of the server's own origin always; pages of
//! other origins only when listed with `--cors-origin` (the Fetch standard's CORS protocol).
//!
//! CORS decides what a browser lets a page *read*; it does not stop a page from *sending*. So the
//! server also refuses, with 403, a POST or websocket upgrade whose `Origin` header names a foreign,
//! unlisted origin: websockets are not covered by CORS at all, and without this check any page a user
//! visits could open a websocket to a Docket on their machine and run mutations over it. Requests
//! without `Origin` (curl, agents, server-side clients) are not browsers' cross-site requests and pass.

use std::time::Duration;

use anyhow::Context as _;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// How long a browser may cache a CORS preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(3600);

/// The origins allowed besides the server's own.
#[derive(Clone, Debug, Default)]
pub struct Origins {
    any: bool,
    listed: Vec<HeaderValue>,
}

impl Origins {
    /// Parses `--cors-origin` values: `scheme://host[:port]` each, or `*` for any origin.
    ///
    /// Errors: a value that is not an origin (a path, a missing scheme, a trailing slash).
    pub fn parse(values: &[String]) -> anyhow::Result<Self> {
        let mut origins = Self::default();
        for value in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
            if value == "*" {
                origins.any = true;
                continue;
            }
            let authority = value
                .strip_prefix("http://")
                .or_else(|| value.strip_prefix("https://"))
                .with_context(|| format!("--cors-origin `{value}` must start with http:// or https://"))?;
            anyhow::ensure!(
                !authority.is_empty() && !authority.contains('/'),
                "--cors-origin `{value}` must be an origin (scheme://host[:port]) with no path"
            );
            origins.listed.push(HeaderValue::from_str(value).with_context(|| format!("--cors-origin `{value}`"))?);
        }
        Ok(origins)
    }

    /// The CORS layer for the listed origins: GET and POST with the headers a GraphQL client sends;
    /// `None` when no origin is listed, so browsers keep pages of other origins out.
    pub fn cors_layer(&self) -> Option<CorsLayer> {
        let allow = if self.any {
            AllowOrigin::any()
        } else if self.listed.is_empty() {
            return None;
        } else {
            AllowOrigin::list(self.listed.clone())
        };
        Some(
            CorsLayer::new()
                .allow_origin(allow)
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([
                    header::CONTENT_TYPE,
                    header::AUTHORIZATION,
                    header::ACCEPT,
                    HeaderName::from_static(super::ACTOR_HEADER),
                    HeaderName::from_static(super::REQUEST_ID_HEADER),
                ])
                .expose_headers([HeaderName::from_static(super::REQUEST_ID_HEADER)])
                .max_age(PREFLIGHT_MAX_AGE),
        )
    }

    /// Whether a request may run operations: it has no `Origin` header, or its origin is the
    /// server's own (the `Origin` authority equals `Host`), listed, or any origin is allowed.
    pub fn permits(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN) else { return true };
        if self.any || self.listed.iter().any(|listed| listed.as_bytes().eq_ignore_ascii_case(origin.as_bytes())) {
            return true;
        }
        let (Ok(origin), Some(host)) = (origin.to_str(), headers.get(header::HOST).and_then(|h| h.to_str().ok()))
        else {
            return false;
        };
        let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
        authority.is_some_and(|authority| authority.eq_ignore_ascii_case(host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(origin) = origin {
            map.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        }
        map
    }

    #[test]
    fn same_origin_and_listed_origins_pass_and_others_do_not() {
        let none = Origins::parse(&[]).unwrap();
        assert!(none.permits(&headers(None, "127.0.0.1:8000")), "not a browser");
        assert!(none.permits(&headers(Some("http://127.0.0.1:8000"), "127.0.0.1:8000")), "same origin");
        assert!(!none.permits(&headers(Some("http://evil.example"), "127.0.0.1:8000")));
        assert!(!none.permits(&headers(Some("null"), "127.0.0.1:8000")), "sandboxed pages and files");
        assert!(none.cors_layer().is_none());

        let listed = Origins::parse(&["https://dash.example".into()]).unwrap();
        assert!(listed.permits(&headers(Some("https://dash.example"), "127.0.0.1:8000")));
        assert!(!listed.permits(&headers(Some("https://other.example"), "127.0.0.1:8000")));
        assert!(listed.cors_layer().is_some());

        assert!(Origins::parse(&["*".into()]).unwrap().permits(&headers(Some("http://evil.example"), "x")));
    }

    #[test]
    fn values_that_are_not_origins_are_refused() {
        for bad in ["dash.example", "https://dash.example/", "https://dash.example/app", "ftp://x"] {
            assert!(Origins::parse(&[bad.into()]).is_err(), "{bad}");
        }
    }
}

//! The in-browser explorers, served by the binary itself so that they work offline: GraphiQL on
//! `/graphql` (for a browser's GET) and GraphQL Playground on `/playground`.
//!
//! The pages are ours (`explorer/*.html`); the libraries they load are production builds from the
//! npm registry, pinned and checksummed in `api/assets/assets.tsv` (fetched and verified by
//! `scripts/fetch-explorer-assets.sh`), embedded at compile time and served under `/assets/` with
//! versioned names, so they may be cached for a year. Nothing is loaded from another host.

use axum::{
    extract::Path,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// One embedded asset: its name under `/assets/`, media type and bytes.
struct Asset {
    name: &'static str,
    media_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! vendored {
    ($name:literal, $media_type:literal) => {
        Asset { name: $name, media_type: $media_type, bytes: include_bytes!(concat!("../../assets/", $name)) }
    };
}

/// The vendored assets, as listed in `api/assets/assets.tsv`.
const ASSETS: &[Asset] = &[
    vendored!("graphiql-4.1.2.min.js", "text/javascript; charset=utf-8"),
    vendored!("graphiql-4.1.2.min.css", "text/css; charset=utf-8"),
    vendored!("react-18.3.1.production.min.js", "text/javascript; charset=utf-8"),
    vendored!("react-dom-18.3.1.production.min.js", "text/javascript; charset=utf-8"),
    vendored!("graphql-ws-6.0.6.min.js", "text/javascript; charset=utf-8"),
    vendored!("graphql-playground-react-1.7.28.min.js", "text/javascript; charset=utf-8"),
    vendored!("graphql-playground-react-1.7.28.min.css", "text/css; charset=utf-8"),
    vendored!("graphql-playground-react-1.7.28.favicon.png", "image/png"),
];

/// A year: asset names carry their version, so a name never changes content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// GET `/assets/{name}`: an embedded asset, cacheable for a year; 404 for any other name.
pub async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|asset| asset.name == name) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, asset.media_type),
                (header::CACHE_CONTROL, IMMUTABLE),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            asset.bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

/// An explorer page: never cached (it names the assets), never framed by another site.
fn page(html: &'static str) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        html,
    )
        .into_response();
    response.headers_mut().insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// GraphiQL, shown to a browser that GETs `/graphql`.
pub fn graphiql() -> Response {
    page(include_str!("explorer/graphiql.html"))
}

/// GraphQL Playground on `/playground`.
pub async fn playground() -> Response {
    page(include_str!("explorer/playground.html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_a_page_names_is_embedded_and_nothing_comes_from_elsewhere() {
        for html in [include_str!("explorer/graphiql.html"), include_str!("explorer/playground.html")] {
            for reference in html.split(['"', '\'']).filter(|part| part.starts_with("/assets/")) {
                let name = &reference["/assets/".len()..];
                assert!(ASSETS.iter().any(|a| a.name == name), "{name} is not embedded");
            }
            let tags = html.split('<').filter(|tag| tag.starts_with("script") || tag.starts_with("link"));
            for attributes in tags.map(|tag| tag.split('>').next().unwrap_or_default()) {
                assert!(!attributes.contains("http") && !attributes.contains("//"), "remote: <{attributes}>");
            }
        }
    }

    #[test]
    fn the_manifest_lists_every_embedded_asset() {
        let manifest = include_str!("../../assets/assets.tsv");
        let listed: Vec<&str> =
            manifest.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split('\t').next()).collect();
        for asset in ASSETS {
            assert!(listed.contains(&asset.name), "{} is not in assets.tsv", asset.name);
        }
        assert_eq!(listed.len(), ASSETS.len(), "assets.tsv lists files that are not embedded");
    }
}

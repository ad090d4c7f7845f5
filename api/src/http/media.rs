//! Media types of GraphQL over HTTP: which request bodies are accepted and which response type a
//! client gets (<https://graphql.github.io/graphql-over-http/draft/#sec-Media-Types>).
//!
//! - A POST body must be `application/json` (or `application/graphql-response+json`), in UTF-8.
//!   Everything else, `text/plain`, `application/x-www-form-urlencoded` and `multipart/form-data`
//!   included, is refused with 415 before anything runs: those are the types a browser sends across
//!   sites without a CORS preflight, so accepting them would let any web page write to Docket.
//! - The response type follows `Accept` (RFC 9110 §12.5.1): `application/graphql-response+json` when
//!   the client prefers it, `application/json` for `application/json`, `*/*` or no `Accept` at all.

/// `application/json`: the legacy GraphQL response type, always 200 for a GraphQL response.
pub const JSON: &str = "application/json";
/// `application/graphql-response+json`: the GraphQL over HTTP response type, whose status code says
/// whether the request was valid.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// The media type of a response to a GraphQL request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseType {
    /// `application/json`.
    Json,
    /// `application/graphql-response+json`.
    GraphQLResponseJson,
}

impl ResponseType {
    /// The `Content-Type` header value, with its charset.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json; charset=utf-8",
            Self::GraphQLResponseJson => "application/graphql-response+json; charset=utf-8",
        }
    }
}

/// One media range of an `Accept` header: `type/subtype;q=0.5`.
struct MediaRange<'a> {
    essence: &'a str,
    quality: f32,
}

fn media_ranges(accept: &str) -> impl Iterator<Item = MediaRange<'_>> {
    accept.split(',').filter_map(|range| {
        let mut parts = range.split(';');
        let essence = parts.next()?.trim();
        if essence.is_empty() {
            return None;
        }
        let mut quality = 1.0;
        for param in parts {
            if let Some((name, value)) = param.split_once('=')
                && name.trim().eq_ignore_ascii_case("q")
            {
                // A weight that does not parse makes the whole range invalid (RFC 9110 §12.4.2).
                quality = value.trim().parse::<f32>().ok().filter(|q| (0.0..=1.0).contains(q))?;
            }
        }
        Some(MediaRange { essence, quality })
    })
}

/// How specifically `range` names `media_type`: 3 exact, 2 `type/*`, 1 `*/*`, `None` not at all.
fn specificity(range: &str, media_type: &str) -> Option<u8> {
    if range.eq_ignore_ascii_case(media_type) {
        return Some(3);
    }
    let (kind, _) = media_type.split_once('/')?;
    match range.split_once('/') {
        Some(("*", "*")) => Some(1),
        Some((range_kind, "*")) if range_kind.eq_ignore_ascii_case(kind) => Some(2),
        _ => None,
    }
}

/// The response type for an `Accept` header, or `None` when it accepts neither JSON type (406).
///
/// Each type takes the weight of the most specific range that names it; the heavier wins, then the
/// one named more specifically, then the one named first. A missing or empty header, and `*/*`
/// alone, mean `application/json`, as the spec asks for clients that predate
/// `application/graphql-response+json`.
pub fn response_type(accept: Option<&str>) -> Option<ResponseType> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(ResponseType::Json);
    };
    let weigh = |media_type: &str| weight(accept, media_type);
    let candidates =
        [(ResponseType::GraphQLResponseJson, weigh(GRAPHQL_RESPONSE_JSON)), (ResponseType::Json, weigh(JSON))];
    let mut best: Option<(ResponseType, (f32, u8, usize))> = None;
    for (kind, weight) in candidates {
        let Some(weight) = weight.filter(|(q, _, _)| *q > 0.0) else { continue };
        let better = match best {
            None => true,
            Some((_, (q, s, p))) => {
                weight.0 > q || (weight.0 == q && (weight.1 > s || (weight.1 == s && weight.2 < p)))
            }
        };
        if better {
            best = Some((kind, weight));
        }
    }
    match best {
        // `*/*` (or `application/*`) alone names both equally: the legacy type is the safe answer.
        Some((ResponseType::GraphQLResponseJson, (_, s, _))) if s < 3 => Some(ResponseType::Json),
        other => other.map(|(kind, _)| kind),
    }
}

/// (quality, specificity, position) of the range of `accept` that decides for `media_type`: the most
/// specific one that names it; `None` when none does.
fn weight(accept: &str, media_type: &str) -> Option<(f32, u8, usize)> {
    media_ranges(accept)
        .enumerate()
        .filter_map(|(position, range)| specificity(range.essence, media_type).map(|s| (range.quality, s, position)))
        .max_by_key(|(_, s, _)| *s)
}

/// Whether `accept` asks for a page rather than a GraphQL response: `text/html` named outright, and
/// weighing more than both JSON types (a browser's navigation, `text/html,...,*/*;q=0.8`). `*/*` alone,
/// or a client that names a JSON type as high, gets JSON.
pub fn prefers_html(accept: Option<&str>) -> bool {
    let Some(accept) = accept else { return false };
    let Some((quality, specificity, _)) = weight(accept, "text/html") else { return false };
    let json_quality = [GRAPHQL_RESPONSE_JSON, JSON]
        .iter()
        .filter_map(|t| weight(accept, t))
        .map(|(q, _, _)| q)
        .fold(0.0_f32, f32::max);
    specificity == 3 && quality > 0.0 && quality > json_quality
}

/// Why a POST body's `Content-Type` is refused (HTTP 415).
#[derive(Debug, PartialEq, Eq)]
pub struct UnsupportedBody(pub String);

/// Checks a POST body's `Content-Type`: `application/json` or `application/graphql-response+json`,
/// with no charset or `charset=utf-8`. Errors: [`UnsupportedBody`] with a message for the client.
pub fn check_body_type(content_type: Option<&str>) -> Result<(), UnsupportedBody> {
    let Some(content_type) = content_type else {
        return Err(UnsupportedBody(format!("a POST body needs `Content-Type: {JSON}`")));
    };
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case(JSON) && !essence.eq_ignore_ascii_case(GRAPHQL_RESPONSE_JSON) {
        return Err(UnsupportedBody(format!(
            "`{essence}` bodies are not accepted: send `Content-Type: {JSON}` (GraphQL over HTTP; other types \
             would let any web page post to this server without a CORS preflight)"
        )));
    }
    for param in parts {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
            && !value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        {
            return Err(UnsupportedBody(format!("charset `{}` is not accepted: send UTF-8", value.trim())));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{ResponseType::*, *};

    #[test]
    fn a_browser_navigation_prefers_html_and_clients_do_not() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8";
        assert!(prefers_html(Some(browser)));
        assert!(!prefers_html(None));
        assert!(!prefers_html(Some("*/*")));
        assert!(!prefers_html(Some("application/json")));
        assert!(!prefers_html(Some("text/html;q=0.5, application/json")));
        assert!(!prefers_html(Some("application/graphql-response+json, text/html")));
    }

    #[test]
    fn accept_picks_the_response_type_as_the_spec_asks() {
        assert_eq!(response_type(None), Some(Json), "no Accept");
        assert_eq!(response_type(Some("")), Some(Json));
        assert_eq!(response_type(Some("*/*")), Some(Json));
        assert_eq!(response_type(Some("application/*")), Some(Json));
        assert_eq!(response_type(Some("application/json")), Some(Json));
        assert_eq!(response_type(Some("application/graphql-response+json")), Some(GraphQLResponseJson));
        assert_eq!(
            response_type(Some("application/graphql-response+json, application/json;q=0.9")),
            Some(GraphQLResponseJson)
        );
        assert_eq!(response_type(Some("application/graphql-response+json;q=0.5, application/json")), Some(Json));
        assert_eq!(response_type(Some("application/json, application/graphql-response+json")), Some(Json));
        assert_eq!(response_type(Some("application/graphql-response+json, */*;q=0.1")), Some(GraphQLResponseJson));
        assert_eq!(response_type(Some("application/json, text/plain, */*")), Some(Json), "axios");
        assert_eq!(response_type(Some("text/html")), None);
        assert_eq!(response_type(Some("application/json;q=0")), None);
        assert_eq!(response_type(Some("application/json;q=2")), None, "an invalid weight voids the range");
    }

    #[test]
    fn only_json_bodies_in_utf8_are_accepted() {
        assert!(check_body_type(Some("application/json")).is_ok());
        assert!(check_body_type(Some("application/json; charset=utf-8")).is_ok());
        assert!(check_body_type(Some("Application/JSON;charset=\"UTF-8\"")).is_ok());
        assert!(check_body_type(Some("application/graphql-response+json")).is_ok());
        for refused in [
            None,
            Some("text/plain"),
            Some("text/plain;charset=UTF-8"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("application/graphql"),
            Some("application/json; charset=latin1"),
        ] {
            assert!(check_body_type(refused).is_err(), "{refused:?}");
        }
    }
}

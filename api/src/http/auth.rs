//! Authentication at the edge: `Authorization: Bearer <token>` over HTTP, and in the websocket's
//! `connection_init` payload (`{"Authorization": "Bearer <token>"}`, graphql-ws's `connectionParams`,
//! which GraphiQL and Playground fill from their headers). A refused request is `UNAUTHENTICATED`:
//! HTTP 401 with a GraphQL error body and `WWW-Authenticate: Bearer` (RFC 6750 §3); on a websocket
//! the connection is refused (see `crate::http::websocket`).

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
};

use super::{ACTOR_HEADER, REQUEST_ID_HEADER, error_response, media::ResponseType};
use crate::{
    error::ApiError,
    service::{RequestContext, Viewer},
};

/// The token of an `Authorization` value: `Bearer <token>` (the scheme in any case, RFC 7235 §2.1).
/// `Ok(None)` when there is no value. Errors: `UNAUTHENTICATED` for another scheme or no token.
pub fn bearer(authorization: Option<&str>) -> Result<Option<&str>, ApiError> {
    let Some(value) = authorization.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError::Unauthenticated("the `Authorization` header must be `Bearer <token>`".into())),
    }
}

/// The token of a request's `Authorization` header. Errors: as [`bearer`].
pub fn header_token(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    match headers.get(header::AUTHORIZATION).map(|v| v.to_str()) {
        Some(Err(_)) => Err(ApiError::Unauthenticated("the `Authorization` header is not text".into())),
        Some(Ok(value)) => bearer(Some(value)),
        None => Ok(None),
    }
}

/// The request context of `viewer`, with what the headers add: `X-Docket-Actor` (recorded as "on
/// behalf of", never trusted) and `X-Request-Id`.
pub fn request_context(viewer: Viewer, headers: &HeaderMap) -> RequestContext {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    RequestContext { viewer, on_behalf_of: header(ACTOR_HEADER), request_id: header(REQUEST_ID_HEADER) }
}

/// The answer to a request that authentication refused: 401 with the error, or 500 when
/// authentication itself failed (the database did not answer).
pub fn refused(err: ApiError, kind: ResponseType) -> Response {
    match err {
        ApiError::Unauthenticated(message) => {
            let mut response = error_response(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", &message, kind);
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
        other => {
            tracing::error!(error = %other, "authentication failed");
            error_response(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_SERVER_ERROR", "internal server error", kind)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn only_bearer_tokens_are_accepted() {
        assert_eq!(bearer(None).unwrap(), None);
        assert_eq!(bearer(Some("")).unwrap(), None);
        assert_eq!(bearer(Some("Bearer dkt_abc")).unwrap(), Some("dkt_abc"));
        assert_eq!(bearer(Some("bearer  dkt_abc ")).unwrap(), Some("dkt_abc"));
        for bad in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "dkt_abc"] {
            assert!(bearer(Some(bad)).is_err(), "{bad}");
        }
    }
}

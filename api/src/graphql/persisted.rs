//! Automatic persisted queries: Apollo's `persistedQuery` request extension
//! (<https://www.apollographql.com/docs/apollo-server/performance/apq>), which Apollo Client, urql and
//! Relay-style clients send as `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "…"}}}`.
//!
//! - The hash alone, known: the request runs the kept text.
//! - The hash alone, unknown: refused with the message `PersistedQueryNotFound` and the code
//!   `PERSISTED_QUERY_NOT_FOUND`, which tells the client to send the text with it.
//! - The hash with the text: the hash must be the text's SHA-256 in hexadecimal (`BAD_REQUEST`
//!   otherwise); the text is kept once it has parsed within the limits, and the request runs it.
//!
//! The texts are kept beside the parsed documents ([`Documents`]); a kept text is no privilege: it runs
//! with the request's viewer, limits and validation like any other.

use async_graphql::{Request, ServerError, Value};
use sha2::{Digest, Sha256};

use super::{documents::Documents, errors};

/// The only version of the extension.
const VERSION: i64 = 1;

/// Fills `request.query` from the kept text when the request sent its hash alone, and takes the
/// extension off the request (a second call has nothing left to do). Returns the hash of a text to
/// keep once it has parsed, when the request sent both. Errors: `PERSISTED_QUERY_NOT_FOUND`,
/// `BAD_REQUEST` (a malformed extension, another version, a hash that is not the text's).
pub fn resolve(documents: &Documents, request: &mut Request) -> Result<Option<[u8; 32]>, ServerError> {
    let Some(extension) = request.extensions.0.get("persistedQuery") else { return Ok(None) };
    let Value::Object(fields) = extension else {
        return Err(bad_request("`extensions.persistedQuery` must be an object"));
    };
    match fields.get("version") {
        Some(Value::Number(n)) if n.as_i64() == Some(VERSION) => {}
        _ => return Err(bad_request("`extensions.persistedQuery.version` must be 1")),
    }
    let hash = match fields.get("sha256Hash") {
        Some(Value::String(text)) => decode(text),
        _ => None,
    }
    .ok_or_else(|| bad_request("`extensions.persistedQuery.sha256Hash` must be 64 hexadecimal digits"))?;
    if request.query.is_empty() {
        let text = documents
            .persisted(&hash)
            .ok_or_else(|| errors::coded("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND"))?;
        request.query = text.to_string();
        request.extensions.0.remove("persistedQuery");
        return Ok(None);
    }
    if <[u8; 32]>::from(Sha256::digest(request.query.as_bytes())) != hash {
        return Err(bad_request("provided sha does not match query"));
    }
    Ok(Some(hash))
}

fn decode(text: &str) -> Option<[u8; 32]> {
    let mut hash = [0u8; 32];
    hex::decode_to_slice(text, &mut hash).ok()?;
    Some(hash)
}

fn bad_request(message: &str) -> ServerError {
    errors::coded(message, "BAD_REQUEST")
}

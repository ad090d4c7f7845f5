//! Error shaping, in one place: every error leaves with `extensions.code`.
//!
//! - an [`ApiError`] gets its own code (`NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`, ...);
//! - a parse failure gets `GRAPHQL_PARSE_FAILED`, a validation failure (including depth and
//!   complexity limits) `GRAPHQL_VALIDATION_FAILED`;
//! - an error raised by async-graphql itself while coercing arguments gets `BAD_USER_INPUT`;
//! - anything else (a database error that escaped a service, an `Internal` error) is logged once
//!   with its cause and sent as "internal server error" with `INTERNAL_SERVER_ERROR`.
//!
//! It has to be central: the blanket `From<T: Display>` lets any `?` compile into a GraphQL error.
//! Every operation, over HTTP or a websocket, is shaped by [`super::operation::Engine`] with these
//! functions.

use async_graphql::ServerError;

use crate::error::ApiError;

fn has_code(err: &ServerError) -> bool {
    err.extensions.as_ref().is_some_and(|e| e.get("code").is_some())
}

/// Sets `extensions.code` of `err`.
pub fn set_code(err: &mut ServerError, code: &str) {
    err.extensions.get_or_insert_with(Default::default).set("code", code);
}

/// Gives an error of a request that did not execute (validation, variables, an unknown operation) its
/// code, `GRAPHQL_VALIDATION_FAILED`, unless it has one.
pub fn shape_request_error(err: &mut ServerError) {
    if !has_code(err) {
        set_code(err, "GRAPHQL_VALIDATION_FAILED");
    }
}

/// Gives an execution error its code; masks and logs internal errors.
pub fn shape(err: &mut ServerError) {
    if has_code(err) {
        return;
    }
    let api = err.source::<ApiError>().cloned();
    match api {
        Some(ApiError::Internal(cause)) => {
            tracing::error!(error = ?cause, path = ?err.path, "internal error");
            err.message = "internal server error".into();
            set_code(err, "INTERNAL_SERVER_ERROR");
        }
        Some(api) => {
            set_code(err, api.code());
            if let ApiError::Lagged { last_sequence } = api {
                err.extensions.get_or_insert_with(Default::default).set("lastSequence", last_sequence);
            }
            if let ApiError::LaggedAt { last_cursor } = api {
                err.extensions.get_or_insert_with(Default::default).set("lastCursor", last_cursor.as_str());
            }
        }
        None if err.source.is_some() => {
            tracing::error!(error = %err.message, path = ?err.path, "unexpected error");
            err.message = "internal server error".into();
            set_code(err, "INTERNAL_SERVER_ERROR");
        }
        None => set_code(err, "BAD_USER_INPUT"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_from(source: impl std::fmt::Display + Send + Sync + 'static) -> ServerError {
        let err: async_graphql::Error = source.into();
        err.into_server_error(async_graphql::Pos::default())
    }

    fn code(err: &ServerError) -> String {
        err.extensions.as_ref().and_then(|e| e.get("code")).map(|c| c.to_string()).unwrap_or_default()
    }

    #[test]
    fn internal_errors_are_masked_and_user_errors_keep_their_message() {
        let mut internal = error_from(ApiError::from(anyhow::anyhow!("password=hunter2 connection refused")));
        shape(&mut internal);
        assert_eq!(internal.message, "internal server error");
        assert_eq!(code(&internal), "\"INTERNAL_SERVER_ERROR\"");

        let mut foreign = error_from(std::io::Error::other("disk on fire"));
        shape(&mut foreign);
        assert_eq!(foreign.message, "internal server error", "any non-ApiError source is masked");

        let mut user = error_from(ApiError::bad_input("`first` must be at most 100"));
        shape(&mut user);
        assert_eq!(user.message, "`first` must be at most 100");
        assert_eq!(code(&user), "\"BAD_USER_INPUT\"");

        let mut lagged = error_from(ApiError::Lagged { last_sequence: 41 });
        shape(&mut lagged);
        assert_eq!(
            lagged.extensions.as_ref().and_then(|e| e.get("lastSequence")).map(|v| v.to_string()),
            Some("41".into())
        );
    }
}

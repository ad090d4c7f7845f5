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

/// A request error with `message` and `extensions.code` set to `code`.
pub fn coded(message: impl Into<String>, code: &str) -> ServerError {
    let mut err = ServerError::new(message, None);
    set_code(&mut err, code);
    err
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

/// Selection sets async-graphql's parser nests at most (its `MAX_RECURSION_DEPTH`, which its error
/// does not carry).
const PARSER_NESTING: usize = 64;

/// Characters of the source a parse error quotes around its position.
const EXCERPT_CHARS: usize = 80;

/// A parse error as clients get it: `GRAPHQL_PARSE_FAILED`, its position, what was expected, and at
/// most [`EXCERPT_CHARS`] characters of the source around it (the parser's own message repeats the
/// whole line, which can be the whole document).
pub fn parse_error(source: &str, err: &async_graphql::parser::Error) -> ServerError {
    use async_graphql::parser::Error;
    let position = err.positions().next();
    let message = match err {
        Error::RecursionLimitExceeded => {
            format!("the document nests selections deeper than the parser's limit of {PARSER_NESTING} levels")
        }
        Error::Syntax { message, start, .. } => {
            let expected =
                message.lines().rev().find_map(|line| line.trim().strip_prefix("= ")).unwrap_or("syntax error");
            format!(
                "syntax error at line {}, column {}: {expected}; near `{}`",
                start.line,
                start.column,
                excerpt(source, *start)
            )
        }
        other => other.to_string(),
    };
    let mut server = ServerError::new(message, position);
    set_code(&mut server, "GRAPHQL_PARSE_FAILED");
    server
}

/// Up to [`EXCERPT_CHARS`] characters of the line of `at`, centred on it.
fn excerpt(source: &str, at: async_graphql::Pos) -> String {
    let line = source.lines().nth(at.line.saturating_sub(1)).unwrap_or_default();
    let column = at.column.saturating_sub(1);
    let start = column.saturating_sub(EXCERPT_CHARS / 2);
    line.chars().skip(start).take(EXCERPT_CHARS).collect()
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

    #[test]
    fn a_parse_error_quotes_at_most_80_characters_around_its_position() {
        let source = format!("{{ a {} b( }}", "x ".repeat(100_000));
        let err = async_graphql::parser::parse_query(&source).unwrap_err();
        let shaped = parse_error(&source, &err);
        assert!(shaped.message.len() < 200, "{}", shaped.message);
        assert!(shaped.message.starts_with("syntax error at line 1, column "), "{}", shaped.message);
        assert!(shaped.message.contains("b( }"), "{}", shaped.message);
        let code = shaped.extensions.as_ref().and_then(|e| e.get("code")).cloned();
        assert_eq!(code, Some(async_graphql::Value::from("GRAPHQL_PARSE_FAILED")));
    }

    #[test]
    fn nesting_past_the_parsers_limit_says_the_limit() {
        let source = format!("{}{}", "{ a ".repeat(100), "}".repeat(100));
        let err = async_graphql::parser::parse_query(&source).unwrap_err();
        assert!(parse_error(&source, &err).message.contains("limit of 64 levels"));
    }
}

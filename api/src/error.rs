//! The one error type of Docket's services and resolvers.
//!
//! Each variant maps to a stable `extensions.code` (Apollo's names where they exist), set in one place:
//! `graphql::errors`. Internal errors are logged there with their cause chain and masked for clients.

use std::sync::Arc;

use sea_orm::{DbErr, SqlErr};

/// What can go wrong in a request, with the GraphQL error code it carries.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The named record does not exist (`NOT_FOUND`).
    #[error("{entity} not found")]
    NotFound {
        /// Which kind of record, e.g. `workspace`.
        entity: &'static str,
    },
    /// The input breaks a rule; the message says which (`BAD_USER_INPUT`).
    #[error("{0}")]
    BadUserInput(String),
    /// No credentials, or credentials that are malformed, unknown, revoked or expired
    /// (`UNAUTHENTICATED`); the message says which.
    #[error("{0}")]
    Unauthenticated(String),
    /// The viewer's role does not allow this (`FORBIDDEN`); the message names the role needed.
    #[error("{0}")]
    Forbidden(String),
    /// A uniqueness rule or a concurrent change stands in the way (`CONFLICT`).
    #[error("{0}")]
    Conflict(String),
    /// A subscriber fell more than its buffer behind and was dropped (`SUBSCRIBER_LAGGED`);
    /// it may resubscribe with `afterSequence` set to `last_sequence`.
    #[error("subscriber fell behind; resubscribe with afterSequence = {last_sequence}")]
    Lagged {
        /// Sequence of the last event delivered to the subscriber (its resume cursor).
        last_sequence: i64,
    },
    /// A subscriber to the event log fell more than its buffer behind and was dropped
    /// (`SUBSCRIBER_LAGGED`); it may resubscribe with `after` set to `last_cursor`.
    #[error("subscriber fell behind; resubscribe with after = {last_cursor}")]
    LaggedAt {
        /// Cursor of the last event delivered to the subscriber (its resume point; empty when none was).
        last_cursor: String,
    },
    /// The server lacks a setting this needs (`NOT_CONFIGURED`); the message names it.
    #[error("{0}")]
    NotConfigured(String),
    /// The database could not serve the request in time: no pooled connection, none that could be
    /// opened, no turn to write, or a lock another process holds past the busy timeout (`UNAVAILABLE`). Worth retrying; HTTP answers
    /// 503 with `Retry-After` when nothing of the request succeeded.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else; logged, never shown to clients (`INTERNAL_SERVER_ERROR`).
    #[error("internal server error: {0:#}")]
    Internal(Arc<anyhow::Error>),
}

impl ApiError {
    /// The stable code clients see in `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "NOT_FOUND",
            Self::BadUserInput(_) => "BAD_USER_INPUT",
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::Conflict(_) => "CONFLICT",
            Self::Lagged { .. } | Self::LaggedAt { .. } => "SUBSCRIBER_LAGGED",
            Self::NotConfigured(_) => "NOT_CONFIGURED",
            Self::Unavailable(_) => "UNAVAILABLE",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// `CONFLICT` with `message` when `err` is a unique violation (a service that knows which value
    /// was taken says so), else what `From<DbErr>` makes of it.
    pub fn unique(err: DbErr, message: &str) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::Conflict(message.to_owned()),
            _ => err.into(),
        }
    }

    /// Shorthand for [`ApiError::BadUserInput`].
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::BadUserInput(message.into())
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        Self::Internal(Arc::new(err))
    }
}

impl From<DbErr> for ApiError {
    /// `RecordNotFound` becomes `NOT_FOUND`, no free connection in time or none that could be opened
    /// `UNAVAILABLE`, a unique violation `CONFLICT`, text PostgreSQL cannot
    /// store (a NUL character) `BAD_USER_INPUT`, the rest `Internal`.
    /// Services that know which constraint they hit map the error themselves with a better message.
    fn from(err: DbErr) -> Self {
        if let DbErr::RecordNotFound(_) = err {
            return Self::NotFound { entity: "record" };
        }
        if let DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout) = err {
            crate::db::count_timeout();
            return Self::Unavailable("the database is busy: no free connection in time; retry".into());
        }
        if let DbErr::Conn(source) = &err {
            // No connection could be opened (the database is down or restarting): worth retrying.
            tracing::warn!(error = %source, "cannot connect to the database");
            return Self::Unavailable("the database cannot be reached; retry".into());
        }
        if is_busy(&err) {
            return Self::Unavailable("the database is locked by another writer; retry".into());
        }
        if is_unstorable_text(&err) {
            return Self::bad_input("a text value holds a character the database cannot store (NUL, U+0000)");
        }
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::Conflict("a unique value is already taken".into()),
            _ => Self::from(anyhow::Error::new(err).context("database error")),
        }
    }
}

/// Whether `err` is SQLite's "database is locked" (`SQLITE_BUSY`, code 5, with its extended codes):
/// another connection held the write lock past the busy timeout.
fn is_busy(err: &DbErr) -> bool {
    database_code(err).and_then(|c| c.parse::<i32>().ok()).is_some_and(|code| code & 0xff == 5)
}

/// Whether `err` is PostgreSQL refusing a text it cannot store: a NUL character in `text`
/// (SQLSTATE 22021, `character_not_in_repertoire`) or `\u0000` in `jsonb` (22P05,
/// `untranslatable_character`). SQLite stores both.
fn is_unstorable_text(err: &DbErr) -> bool {
    matches!(database_code(err).as_deref(), Some("22021" | "22P05"))
}

/// The code the database gave an error it raised (SQLite's result code, PostgreSQL's SQLSTATE).
fn database_code(err: &DbErr) -> Option<std::borrow::Cow<'_, str>> {
    use sea_orm::{RuntimeErr, sqlx::Error};
    let (DbErr::Exec(RuntimeErr::SqlxError(source)) | DbErr::Query(RuntimeErr::SqlxError(source))) = err else {
        return None;
    };
    match source.as_ref() {
        Error::Database(db) => db.code(),
        _ => None,
    }
}

/// Result of every service function.
pub type ApiResult<T> = Result<T, ApiError>;

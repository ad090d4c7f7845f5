//! Configuration: command-line flags, each with an environment twin. Only `main` reads the environment.

use std::{net::SocketAddr, time::Duration};

/// `HOST:PORT` as a socket address; a host name is resolved, its first IPv4 address preferred (as
/// browsers try `localhost`). Errors: a message that says what was expected.
pub fn listen_address(value: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    if let Ok(address) = value.parse() {
        return Ok(address);
    }
    let expected = || format!("`{value}` is not HOST:PORT (e.g. 127.0.0.1:8000 or localhost:8000)");
    let addresses: Vec<SocketAddr> = value.to_socket_addrs().map_err(|_| expected())?.collect();
    addresses.iter().find(|a| a.is_ipv4()).or(addresses.first()).copied().ok_or_else(expected)
}

/// Everything a `docket` process needs to serve. Doc comments double as `--help`.
#[derive(clap::Args, Debug, Clone)]
pub struct Config {
    /// Address to listen on, `HOST:PORT` with an IP address or a host name (`localhost:8000`); port 0
    /// picks a free port.
    #[arg(long, env = "DOCKET_LISTEN", default_value = "127.0.0.1:8000", value_parser = listen_address, global = true)]
    pub listen: SocketAddr,
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded default) or `postgres://USER@HOST:PORT/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://docket.db?mode=rwc",
        global = true,
        hide_env_values = true
    )]
    pub database_url: String,
    /// Most pooled connections: on PostgreSQL the write pool's (at least 2: the event listener keeps
    /// one) and as many for reads; on a SQLite file the read pool's, beside the one connection SQLite
    /// writes through.
    #[arg(long, env = "DOCKET_DB_MAX_CONNECTIONS", default_value_t = 10, global = true)]
    pub db_max_connections: u32,
    /// On PostgreSQL, most statements of clients' session events in the database at once: the appends
    /// that arrive meanwhile wait and go together in the next (group commit). One gives the largest
    /// batches, so the least database CPU per append under load (docket-bench, 16 clients: 1, 2, 4 in
    /// flight gave 5,570, 4,815, 4,401 appends/s); more let appends pass a statement that waits for a
    /// session's row lock (a long transaction elsewhere that wrote to that session). Each statement
    /// in flight has a connection of its own, beside the pool's (`--db-max-connections`).
    #[arg(long, env = "DOCKET_APPEND_STATEMENTS", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64), global = true)]
    pub append_statements: u32,
    /// Milliseconds a SQLite statement waits for a lock another process holds (e.g. `docket import`)
    /// before it fails with `UNAVAILABLE`.
    #[arg(long, env = "DOCKET_DB_BUSY_TIMEOUT_MS", default_value_t = 10_000, global = true)]
    pub db_busy_timeout_ms: u64,
    /// Seconds to wait when opening a database connection.
    #[arg(long, env = "DOCKET_DB_CONNECT_TIMEOUT", default_value_t = 10, global = true)]
    pub db_connect_timeout_secs: u64,
    /// Seconds a request waits for a free pooled connection before it fails.
    #[arg(long, env = "DOCKET_DB_ACQUIRE_TIMEOUT", default_value_t = 10, global = true)]
    pub db_acquire_timeout_secs: u64,
    /// Seconds between background sweeps that expire sessions past `expiresAt` and reclaim lapsed leases.
    #[arg(long, env = "DOCKET_EXPIRY_INTERVAL", default_value_t = 60, global = true)]
    pub expiry_interval_secs: u64,
    /// Seconds between background retention sweeps, which delete events, audit entries and ended
    /// sessions' events past their retention period, a thousand rows per statement.
    #[arg(long, env = "DOCKET_RETENTION_INTERVAL", default_value_t = 3600, global = true)]
    pub retention_interval_secs: u64,
    /// Largest GraphQL document, in bytes, refused before it is parsed (graphql-java's
    /// `maxCharacters`); variables do not count.
    #[arg(long, env = "DOCKET_MAX_DOCUMENT_BYTES", default_value_t = 1_048_576, global = true)]
    pub max_document_bytes: usize,
    /// Most lexical tokens in a document, counted before it is parsed (graphql-js's `maxTokens`, Apollo
    /// Router's `parser_max_tokens`); GraphiQL's introspection query holds about 300.
    #[arg(long, env = "DOCKET_MAX_TOKENS", default_value_t = 15_000, global = true)]
    pub max_tokens: usize,
    /// Most fields selected under an alias in one operation (through fragments).
    #[arg(long, env = "DOCKET_MAX_ALIASES", default_value_t = 256, global = true)]
    pub max_aliases: usize,
    /// Most fields in an operation's root selection (through fragments).
    #[arg(long, env = "DOCKET_MAX_ROOT_FIELDS", default_value_t = 64, global = true)]
    pub max_root_fields: usize,
    /// Deepest query nesting accepted (GraphiQL's introspection query needs about 13).
    #[arg(long, env = "DOCKET_MAX_DEPTH", default_value_t = 16, global = true)]
    pub max_depth: usize,
    /// Largest query complexity accepted: one per field, times the page size for lists.
    #[arg(long, env = "DOCKET_MAX_COMPLEXITY", default_value_t = 100_000, global = true)]
    pub max_complexity: usize,
    /// Most operations in one batched request (a JSON array of requests); more get HTTP 400.
    #[arg(long, env = "DOCKET_MAX_BATCH", default_value_t = 10, global = true)]
    pub max_batch: usize,
    /// Largest request body in bytes (a whole `tasks.json` fits); larger requests get HTTP 413.
    #[arg(long, env = "DOCKET_BODY_LIMIT", default_value_t = 8 * 1024 * 1024, global = true)]
    pub body_limit_bytes: usize,
    /// Events buffered per watched session; a subscriber further behind is dropped with its cursor.
    #[arg(long, env = "DOCKET_SUBSCRIBER_BUFFER", default_value_t = 1024, global = true)]
    pub subscriber_buffer: usize,
    /// Seconds between re-reads of watched sessions, in case a wake-up signal was lost.
    #[arg(long, env = "DOCKET_EVENT_POLL_INTERVAL", default_value_t = 5, global = true)]
    pub event_poll_interval_secs: u64,
    /// Seconds between websocket keepalive pings. A peer silent for two periods, or one that accepts
    /// no frame for two periods, is disconnected and its subscriptions released.
    #[arg(long, env = "DOCKET_WS_KEEPALIVE", default_value_t = 15, global = true)]
    pub ws_keepalive_secs: u64,
    /// Seconds a `graphql-transport-ws` client has to send `connection_init` before the connection is
    /// closed with 4408 (graphql-ws's `connectionInitWaitTimeout`).
    #[arg(long, env = "DOCKET_WS_INIT_TIMEOUT", default_value_t = 10, global = true)]
    pub ws_init_timeout_secs: u64,
    /// Seconds that graceful shutdown waits for in-flight requests before exiting.
    #[arg(long, env = "DOCKET_SHUTDOWN_TIMEOUT", default_value_t = 30, global = true)]
    pub shutdown_timeout_secs: u64,
    /// Seconds an HTTP request may take before it is answered 504 and abandoned (its transaction rolls
    /// back). Websocket connections are not limited.
    #[arg(long, env = "DOCKET_REQUEST_TIMEOUT", default_value_t = 30, global = true)]
    pub request_timeout_secs: u64,
    /// An origin (`https://dash.example:8443`) whose web pages may call the API from a browser, besides
    /// the server's own; repeatable (the environment variable takes a comma-separated list); `*` allows
    /// any. Default: none, so a page elsewhere can neither read answers nor post writes.
    #[arg(long = "cors-origin", env = "DOCKET_CORS_ORIGINS", value_delimiter = ',', global = true)]
    pub cors_origins: Vec<String>,
    /// Whether a request without a token acts as the owner of the `default` organization:
    /// `--allow-anonymous` (or `=true`), `--allow-anonymous=false`. Default: `true` when `--listen` is
    /// a loopback address, so that a local `cargo run` and GraphiQL work with no setup, and `false`
    /// otherwise, so that a server on a network never serves anonymous writes by accident.
    #[arg(
        long,
        env = "DOCKET_ALLOW_ANONYMOUS",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        global = true
    )]
    pub allow_anonymous: Option<bool>,
    /// Key that seals the secrets Docket must read back (inbound hook secrets): 32 bytes in base64
    /// (`openssl rand -base64 32`). Without it, setting such a secret is refused with `NOT_CONFIGURED`.
    /// Every process sharing a database needs the same key.
    #[arg(long, env = "DOCKET_SECRETS_KEY", hide_env_values = true, global = true)]
    pub secrets_key: Option<Redacted>,
    /// Lets webhooks point at private, loopback and link-local addresses (`true`/`false`); off by
    /// default, so that a webhook cannot be aimed at the server's own network.
    #[arg(long, env = "DOCKET_ALLOW_PRIVATE_WEBHOOKS", num_args = 0..=1, require_equals = true,
        default_missing_value = "true", default_value = "false", global = true)]
    pub allow_private_webhooks: bool,
    /// Attempts per webhook delivery before it is parked as failed (`redeliverWebhookEvent` retries it).
    #[arg(long, env = "DOCKET_WEBHOOK_MAX_ATTEMPTS", default_value_t = 8, global = true)]
    pub webhook_max_attempts: u32,
    /// Milliseconds before the first retry; each retry waits twice as long (at most an hour), ±20%.
    #[arg(long, env = "DOCKET_WEBHOOK_RETRY_BASE_MS", default_value_t = 1000, global = true)]
    pub webhook_retry_base_ms: u64,
    /// Seconds an endpoint has to answer a delivery before the attempt counts as failed.
    #[arg(long, env = "DOCKET_WEBHOOK_TIMEOUT", default_value_t = 10, global = true)]
    pub webhook_timeout_secs: u64,
    /// Adds `extensions.sqlStatements` to every GraphQL response: the SQL statements that operation
    /// ran, to find N+1 patterns while developing a client. The access log shows the figure always.
    #[arg(long, env = "DOCKET_REPORT_SQL_STATEMENTS", global = true)]
    pub report_sql_statements: bool,
}

impl Config {
    /// A configuration with every default and the given database, as tests and tools use it.
    pub fn with_database(database_url: impl Into<String>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.into(),
            db_max_connections: 10,
            db_busy_timeout_ms: 10_000,
            append_statements: 1,
            db_connect_timeout_secs: 10,
            db_acquire_timeout_secs: 10,
            expiry_interval_secs: 60,
            retention_interval_secs: 3600,
            max_document_bytes: 1_048_576,
            max_tokens: 15_000,
            max_aliases: 256,
            max_root_fields: 64,
            max_depth: 16,
            max_complexity: 100_000,
            max_batch: 10,
            body_limit_bytes: 8 * 1024 * 1024,
            subscriber_buffer: 1024,
            event_poll_interval_secs: 5,
            ws_keepalive_secs: 15,
            ws_init_timeout_secs: 10,
            shutdown_timeout_secs: 30,
            request_timeout_secs: 30,
            cors_origins: Vec::new(),
            report_sql_statements: false,
            allow_anonymous: None,
            secrets_key: None,
            allow_private_webhooks: false,
            webhook_max_attempts: 8,
            webhook_retry_base_ms: 1000,
            webhook_timeout_secs: 10,
        }
    }

    /// [`Config::expiry_interval_secs`] as a duration.
    pub fn expiry_interval(&self) -> Duration {
        Duration::from_secs(self.expiry_interval_secs.max(1))
    }

    /// [`Config::ws_keepalive_secs`] as a duration.
    pub fn ws_keepalive(&self) -> Duration {
        Duration::from_secs(self.ws_keepalive_secs.max(1))
    }

    /// [`Config::ws_init_timeout_secs`] as a duration.
    pub fn ws_init_timeout(&self) -> Duration {
        Duration::from_secs(self.ws_init_timeout_secs.max(1))
    }

    /// Whether requests without a token are served: [`Config::allow_anonymous`], else whether the
    /// listen address is loopback.
    pub fn anonymous_allowed(&self) -> bool {
        self.allow_anonymous.unwrap_or_else(|| self.listen.ip().is_loopback())
    }

    /// [`Config::request_timeout_secs`] as a duration.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs.max(1))
    }

    /// [`Config::event_poll_interval_secs`] as a duration.
    pub fn event_poll_interval(&self) -> Duration {
        Duration::from_secs(self.event_poll_interval_secs.max(1))
    }
}

/// A setting that must never be printed: `Debug` shows `[redacted]`.
#[derive(Clone)]
pub struct Redacted(pub String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::str::FromStr for Redacted {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::listen_address;

    #[test]
    fn listen_takes_addresses_and_host_names() {
        assert_eq!(listen_address("127.0.0.1:8000").unwrap().to_string(), "127.0.0.1:8000");
        assert_eq!(listen_address("[::1]:0").unwrap().to_string(), "[::1]:0");
        let localhost = listen_address("localhost:8000").unwrap();
        assert!(localhost.ip().is_loopback() && localhost.port() == 8000, "{localhost}");
        assert!(listen_address("8000").unwrap_err().contains("HOST:PORT"));
    }
}

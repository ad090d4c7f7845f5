//! Why a database could not be opened, in one message that names the cause and the fix, instead of
//! the driver's chain (which repeats itself and says "pool timed out" for a server that is not
//! running). A [`ConfigurationError`]: the `docket` command exits with code 2 for it.

use std::path::Path;

use sea_orm::{DbErr, RuntimeErr};

/// A setting that stops Docket from starting (exit code 2); the message says what to change.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigurationError(pub String);

/// The message for `err`, met opening the database at `url`.
pub async fn explain(url: &str, err: &DbErr) -> ConfigurationError {
    let code = database_code(err);
    let message = if let Some(target) = url.strip_prefix("sqlite:") {
        sqlite(target, code.as_deref())
    } else {
        postgres(url, code.as_deref()).await
    };
    ConfigurationError(
        message.unwrap_or_else(|| format!("cannot open the database {}: {}", super::redact(url), innermost(err))),
    )
}

fn sqlite(target: &str, code: Option<&str>) -> Option<String> {
    // SQLITE_CANTOPEN (14): the file or its folder is missing, or not readable.
    if code != Some("14") {
        return None;
    }
    let path = target.trim_start_matches("//").split('?').next().unwrap_or_default();
    let path = Path::new(path);
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Some(if !folder.exists() {
        format!(
            "the folder {} of the SQLite database does not exist: create it (mkdir -p {})",
            folder.display(),
            folder.display()
        )
    } else if !path.exists() {
        format!(
            "the SQLite file {} does not exist: create it, or add ?mode=rwc to DATABASE_URL so that Docket creates it",
            path.display()
        )
    } else {
        format!("the SQLite file {} cannot be opened: check that it is readable and writable", path.display())
    })
}

async fn postgres(url: &str, code: Option<&str>) -> Option<String> {
    let (user, host, port, database) = parts(url)?;
    match code {
        // invalid_password, invalid_authorization_specification
        Some("28P01" | "28000") => Some(format!(
            "PostgreSQL at {host}:{port} refused user {user}: check the user and password in DATABASE_URL"
        )),
        // invalid_catalog_name
        Some("3D000") => Some(format!(
            "the database {database} does not exist on {host}:{port}: create it (createdb {database}), or name another in DATABASE_URL"
        )),
        _ => {
            let reachable = tokio::time::timeout(
                std::time::Duration::from_secs(2),
                tokio::net::TcpStream::connect((host.as_str(), port)),
            )
            .await
            .is_ok_and(|connected| connected.is_ok());
            (!reachable).then(|| {
                format!("no PostgreSQL server answers at {host}:{port}: is it running, and are the host and port in DATABASE_URL right?")
            })
        }
    }
}

/// User, host, port and database of a `postgres://user:password@host:port/database?...` URL.
fn parts(url: &str) -> Option<(String, String, u16, String)> {
    let rest = url.split_once("://")?.1;
    let (userinfo, rest) = rest.rsplit_once('@').unwrap_or(("postgres", rest));
    let user = userinfo.split(':').next().unwrap_or("postgres").to_owned();
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()?),
        None => (authority, 5432),
    };
    let database = path.split('?').next().filter(|d| !d.is_empty()).unwrap_or(&user).to_owned();
    Some((user, host.to_owned(), port, database))
}

/// The SQLSTATE (PostgreSQL) or result code (SQLite) of the database error behind `err`, if any.
fn database_code(err: &DbErr) -> Option<String> {
    let (DbErr::Conn(RuntimeErr::SqlxError(source))
    | DbErr::Exec(RuntimeErr::SqlxError(source))
    | DbErr::Query(RuntimeErr::SqlxError(source))) = err
    else {
        return None;
    };
    source.as_database_error().and_then(|db| db.code()).map(|code| code.into_owned())
}

/// The driver's own words for the deepest cause, once.
fn innermost(err: &DbErr) -> String {
    let mut cause: &dyn std::error::Error = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_give_user_host_port_and_database() {
        assert_eq!(
            parts("postgres://app:secret@db.example:6543/docket?sslmode=require"),
            Some(("app".into(), "db.example".into(), 6543, "docket".into()))
        );
        assert_eq!(
            parts("postgres://postgres@127.0.0.1/"),
            Some(("postgres".into(), "127.0.0.1".into(), 5432, "postgres".into()))
        );
    }
}

//! Where reads run: on PostgreSQL connections of their own that go back to their pool without a
//! round trip ([`PgConnections`]); on SQLite a sea-orm pool ([`super::read_pool`]).

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, Statement};

use super::{PgConnections, PoolState};

/// The connections services read through (`Ctx::reads`, the operation's DataLoaders). Cheap to
/// clone; a [`ConnectionTrait`], so a service reads from it as from any sea-orm connection.
#[derive(Clone)]
pub enum Reads {
    /// PostgreSQL: a pool of its own, beside the write pool.
    Postgres(PgConnections),
    /// SQLite: the read pool of a file, the write pool of an in-memory database.
    Pool(DatabaseConnection),
}

impl Reads {
    /// The pool as it stands (`None` for a backend Docket does not run on).
    pub fn state(&self) -> Option<PoolState> {
        match self {
            Self::Postgres(connections) => Some(connections.state()),
            Self::Pool(db) => PoolState::of(db),
        }
    }

    /// Closes its connections (those in use as they come back). Errors: sea-orm's, closing a pool.
    pub async fn close(self) -> Result<(), DbErr> {
        match self {
            Self::Postgres(connections) => {
                connections.close();
                Ok(())
            }
            Self::Pool(db) => db.close().await,
        }
    }
}

/// Runs `$call` on whichever connections `$reads` holds, bound to `$connections`.
macro_rules! on_either {
    ($reads:expr, $connections:ident => $call:expr) => {
        match $reads {
            Reads::Postgres($connections) => $call,
            Reads::Pool($connections) => $call,
        }
    };
}

#[async_trait::async_trait]
impl ConnectionTrait for Reads {
    fn get_database_backend(&self) -> DbBackend {
        on_either!(self, connections => connections.get_database_backend())
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        on_either!(self, connections => connections.execute_raw(stmt).await)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        on_either!(self, connections => connections.execute_unprepared(sql).await)
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        on_either!(self, connections => connections.query_one_raw(stmt).await)
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        on_either!(self, connections => connections.query_all_raw(stmt).await)
    }
}

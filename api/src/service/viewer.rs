//! Who is asking: every request has a [`Viewer`], an organization, a role in it and a principal,
//! authenticated by the HTTP layer (or the command line) before any service runs.

pub use entity::membership::Role;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// The authenticated party behind a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// No token, on a server that allows anonymous access: acts as the owner of `default`.
    Anonymous,
    /// A person's API key.
    User {
        /// The person.
        user_id: Uuid,
        /// Their email.
        email: String,
        /// The key they used.
        key: KeyRef,
    },
    /// A service's API key (an agent, CI).
    Service {
        /// The key.
        key: KeyRef,
    },
    /// Docket itself: the command line, the expiry sweep.
    System(String),
}

/// The API key a request authenticated with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRef {
    /// Its id.
    pub id: Uuid,
    /// Its label.
    pub name: String,
    /// Its public prefix (`dkt_ab12cd34`).
    pub prefix: String,
}

/// An organization: the boundary no read or write crosses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    /// The organization's id.
    pub organization_id: Uuid,
}

/// Who is asking: the organization they act in, their role there, and who they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewer {
    /// The organization every read and write is confined to.
    pub organization_id: Uuid,
    /// What the viewer may do there.
    pub role: Role,
    /// Who it is.
    pub principal: Principal,
}

impl Viewer {
    /// The organization as a scope for queries.
    pub fn scope(&self) -> Scope {
        Scope { organization_id: self.organization_id }
    }

    /// Refuses a viewer below `role`. Errors: `FORBIDDEN`, naming the role needed.
    pub fn require(&self, role: Role) -> ApiResult<()> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("this needs the {} role or higher", role_name(role))))
        }
    }

    /// Refuses to hand out `role` (to a key or a member) when it is above the viewer's own.
    /// Errors: `FORBIDDEN`.
    pub fn require_grantable(&self, role: Role) -> ApiResult<()> {
        if role <= self.role {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("a {} cannot grant the {} role", role_name(self.role), role_name(role))))
        }
    }

    /// The principal as a person reads it in the audit log: `user alice@acme.dev`,
    /// `api key ci (dkt_ab12cd34)`, `anonymous`, `system docket-cli`.
    pub fn actor(&self) -> String {
        match &self.principal {
            Principal::Anonymous => "anonymous".into(),
            Principal::User { email, key, .. } => format!("user {email} (key {})", key.prefix),
            Principal::Service { key } => format!("api key {} ({})", key.name, key.prefix),
            Principal::System(name) => format!("system {name}"),
        }
    }

    /// The principal as `kind:id`: `user:<uuid>`, `api_key:<uuid>`, `anonymous`, `system:<name>`.
    pub fn principal_ref(&self) -> String {
        match &self.principal {
            Principal::Anonymous => "anonymous".into(),
            Principal::User { user_id, .. } => format!("user:{user_id}"),
            Principal::Service { key } => format!("api_key:{}", key.id),
            Principal::System(name) => format!("system:{name}"),
        }
    }

    /// Docket itself acting as the owner of `organization_id` (the command line, background work).
    pub fn system(name: &str, organization_id: Uuid) -> Self {
        Self { organization_id, role: Role::Owner, principal: Principal::System(name.to_owned()) }
    }
}

/// A role as stored and written in messages: `viewer`, `member`, `admin`, `owner`.
pub fn role_name(role: Role) -> String {
    use sea_orm::ActiveEnum;
    role.to_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(role: Role) -> Viewer {
        Viewer { organization_id: Uuid::nil(), role, principal: Principal::Anonymous }
    }

    #[test]
    fn each_role_may_do_what_the_ones_below_may_and_grant_no_more_than_itself() {
        let member = viewer(Role::Member);
        assert!(member.require(Role::Viewer).is_ok());
        assert!(member.require(Role::Member).is_ok());
        assert!(member.require(Role::Admin).is_err());
        assert!(member.require_grantable(Role::Member).is_ok());
        assert!(member.require_grantable(Role::Admin).is_err());
        assert!(viewer(Role::Owner).require_grantable(Role::Owner).is_ok());
        assert!(viewer(Role::Admin).require_grantable(Role::Owner).is_err());
    }
}

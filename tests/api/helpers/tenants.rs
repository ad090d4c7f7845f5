//! Organizations and API keys for tests: made through the service layer, as `docket org create` and
//! `docket key create` make them, then used through the API like any client's.

use std::time::Duration;

use api::{
    access::{
        api_key::{self, NewKey},
        organization,
    },
    service::{Ctx, RequestContext, Role, Viewer},
};
use uuid::Uuid;

use super::TestApp;

/// An organization and a client of it with the owner's token.
pub struct Tenant {
    /// The organization's id.
    pub id: Uuid,
    /// A client authenticating as a service key with the owner role.
    pub owner: TestApp,
}

impl TestApp {
    /// A new organization named `name`, with an owner's key.
    pub async fn create_tenant(&self, name: &str) -> Tenant {
        let created = organization::create(&self.db, name).await.expect("create the organization");
        let token = self.create_key(created.id, Role::Owner, "owner").await;
        Tenant { id: created.id, owner: self.with_token(&token) }
    }

    /// A new service key of `organization_id` acting with `role`; returns its token.
    pub async fn create_key(&self, organization_id: Uuid, role: Role, name: &str) -> String {
        let bus = api::bus::EventBus::new(self.db.clone(), 1, Duration::from_secs(5));
        let request = RequestContext::of(Viewer::system("tests", organization_id));
        let reads = api::db::Reads::Pool(self.db.clone());
        let cx = Ctx::over(&self.db, &reads, &bus, &request);
        let new = NewKey { name: name.to_owned(), role, expires_at: None, user_id: None };
        api_key::create(cx, new).await.expect("create the key").1
    }
}

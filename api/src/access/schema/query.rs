//! Root query fields of access: who is asking, and their organization.

use crate::{
    access::schema::objects::{Organization, Viewer},
    graphql::service_ctx,
};
use async_graphql::{Context, Object};

/// Who is asking, and their organization.
#[derive(Default)]
pub struct AccessQuery;

#[Object]
impl AccessQuery {
    /// Who is asking: organization, role, person and key.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Viewer> {
        Ok(Viewer(service_ctx(ctx)?.viewer().clone()))
    }

    /// The viewer's organization (its `members` and `apiKeys` need the admin role).
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        Ok(Organization(crate::access::organization::current(service_ctx(ctx)?).await?))
    }
}

//! Root query fields of outbound webhooks: `webhooks` and `webhook` (admin role).

use async_graphql::{Context, ID, Object};

use crate::{
    events::schema::webhook::Webhook,
    graphql::{
        connection::{Conn, connection, page_args, wants_total},
        parse_id,
        relations::{ahead_of_nodes, ahead_of_one, nodes_read},
        service_ctx,
    },
};

/// The organization's webhooks.
#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// The organization's webhooks, oldest first. Admin and up; `FORBIDDEN` below. Pages hold 50
    /// items by default and 100 at most.
    async fn webhooks(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Webhook>> {
        let args = page_args(first, after, last, before)?;
        let cx = service_ctx(ctx)?;
        let page = crate::events::webhook::list(cx, &args, &nodes_read::<Webhook>(ctx)).await?;
        let total = if wants_total(ctx) { Some(crate::events::webhook::count(cx).await?) } else { None };
        ahead_of_nodes::<Webhook>(ctx, &page.items).await?;
        Ok(connection(page, total, Webhook))
    }

    /// The webhook with this id, or `null`. Admin and up; `FORBIDDEN` below.
    async fn webhook(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Webhook>> {
        let id = parse_id("id", &id)?;
        let Some(found) = crate::events::webhook::find(service_ctx(ctx)?, id).await? else { return Ok(None) };
        ahead_of_one::<Webhook>(ctx, &found).await?;
        Ok(Some(Webhook(found)))
    }
}

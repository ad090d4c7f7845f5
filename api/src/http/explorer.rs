//! The in-browser explorers: GraphiQL on `/graphql`, GraphQL Playground on `/playground`.

use async_graphql::http::{GraphQLPlaygroundConfig, GraphiQLSource, playground_source};
use axum::response::Html;

/// GraphiQL, shown to a browser that GETs `/graphql`.
pub fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").subscription_endpoint("/graphql").finish())
}

/// GraphQL Playground on `/playground`.
pub async fn playground() -> Html<String> {
    Html(playground_source(GraphQLPlaygroundConfig::new("/graphql").subscription_endpoint("/graphql")))
}

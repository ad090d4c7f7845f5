//! Access: organizations, users and their memberships, API keys and roles.

pub mod api_key;
pub mod member;
pub mod organization;
pub mod schema;

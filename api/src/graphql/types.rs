//! GraphQL object, enum and input types, one file per domain.

/// Declares the payload of one mutation: an object named after it (`CreateProjectPayload` for
/// `createProject`, as Relay's mutation convention has it) holding what the mutation returns.
macro_rules! payload {
    ($(#[$doc:meta])* $name:ident { $(#[$field_doc:meta])* $field:ident: $ty:ty }) => {
        $(#[$doc])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            $(#[$field_doc])*
            pub $field: $ty,
        }
    };
}

pub(crate) use payload;

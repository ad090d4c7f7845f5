//! `session_events`: the append-only event stream of a session.

use sea_orm::entity::prelude::*;

/// One row of `session_events`; never updated or deleted through the API.
#[derive(Default, Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "session_events")]
pub struct Model {
    /// Server-generated UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owning session (cascade delete).
    pub session_id: Uuid,
    /// Position in the session's stream: 1, 2, 3, ... without gaps.
    pub sequence: i64,
    /// Kind of event, at most 100 characters (`todo.claimed`, `session.expired`, or a client's own).
    pub event_type: String,
    /// Payload object.
    pub event_data: Json,
    /// Error text, for failure events.
    pub error: Option<String>,
    /// Free-form metadata object.
    pub metadata: Json,
    /// When the event was appended.
    pub created_at: DateTimeUtc,
}

/// Relations of an event.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owning session.
    #[sea_orm(
        belongs_to = "super::documentation_session::Entity",
        from = "Column::SessionId",
        to = "super::documentation_session::Column::Id",
        on_delete = "Cascade"
    )]
    DocumentationSession,
}

impl Related<super::documentation_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DocumentationSession.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

//! The place of an event in its organization's log, and its opaque text form.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::event;

use crate::error::{ApiError, ApiResult};

/// Where an event stands in the log: the writing transaction's id (PostgreSQL; 0 on SQLite), then
/// its insertion position. Readers walk the log in this order and, on PostgreSQL, only below the
/// oldest transaction still in flight, so nothing can later appear before a cursor already handed out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventCursor {
    /// The writing transaction's id.
    pub txid: i64,
    /// The insertion position.
    pub position: i64,
}

impl EventCursor {
    /// The start of the log: before every event.
    pub const START: Self = Self { txid: -1, position: -1 };

    /// The cursor of `event`.
    pub fn of(event: &event::Model) -> Self {
        Self { txid: event.txid, position: event.position }
    }

    /// The opaque text clients hold (`Event.cursor`, `after`).
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("ev:{}:{}", self.txid, self.position))
    }

    /// Reads a cursor made by [`EventCursor::encode`]. Errors: `BAD_USER_INPUT` naming `field`.
    pub fn decode(field: &str, text: &str) -> ApiResult<Self> {
        let bad = || ApiError::bad_input(format!("`{field}` is not a valid event cursor"));
        let raw = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
        let raw = String::from_utf8(raw).map_err(|_| bad())?;
        let mut parts = raw.split(':');
        let (Some("ev"), Some(txid), Some(position), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        Ok(Self { txid: txid.parse().map_err(|_| bad())?, position: position.parse().map_err(|_| bad())? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_order_by_transaction_then_position_and_garbage_is_rejected() {
        let cursor = EventCursor { txid: 7_000_000_001, position: 42 };
        assert_eq!(EventCursor::decode("after", &cursor.encode()).unwrap(), cursor);
        assert!(EventCursor { txid: 1, position: 99 } < EventCursor { txid: 2, position: 1 });
        assert!(EventCursor::START < EventCursor::default());
        for garbage in ["", "!!!", "ZXY6MQ", "ZXY6eDox", "c2VxOjE"] {
            assert!(EventCursor::decode("after", garbage).is_err(), "{garbage}");
        }
    }
}

//! The rules of `graphql-transport-ws` that async-graphql's implementation does not enforce, checked
//! on the client's messages before async-graphql reads them, with the protocol's close codes
//! (`graphql-ws`, PROTOCOL.md): 4400 for a message that is not JSON, has no known `type`, or is a
//! `subscribe` without a string `id` or an object `payload`; 4401 for a `subscribe` before the server
//! has acknowledged the connection; 4409 for a `subscribe` whose `id` belongs to an operation still
//! running; 4408 for a connection without `connection_init` within `--ws-init-timeout-secs` (the
//! connection's loop enforces it). (async-graphql itself closes a second `connection_init` with 4429; without these checks
//! it closes the other cases with 1002 or 1011, and runs a duplicate id.)

use std::collections::HashSet;

use serde_json::Value;

/// A close code and its reason.
pub type Violation = (u16, String);

/// Close code of a message the protocol does not allow (4400: bad request).
const BAD_MESSAGE: u16 = 4400;
/// Close code of a `subscribe` before `connection_ack` (4401: unauthorized).
const UNAUTHORIZED: u16 = 4401;
/// Close code of a `subscribe` whose id is running (4409: subscriber already exists).
const DUPLICATE_ID: u16 = 4409;
/// Close code of a connection without `connection_init` in time (4408: connection initialisation
/// timeout).
pub const INIT_TIMEOUT: u16 = 4408;

/// What one connection has said so far.
#[derive(Debug, Default)]
pub struct Rules {
    initialised: bool,
    acknowledged: bool,
    running: HashSet<String>,
}

impl Rules {
    /// Checks a text message from the client; the violation that must close the connection, if any.
    pub fn client(&mut self, text: &str) -> Option<Violation> {
        let bad = |why: &str| Some((BAD_MESSAGE, format!("Invalid message received: {why}")));
        let Ok(message) = serde_json::from_str::<Value>(text) else { return bad("not JSON") };
        let id = message.get("id").and_then(Value::as_str);
        match message.get("type").and_then(Value::as_str) {
            Some("connection_init") => {
                self.initialised = true;
                None
            }
            Some("ping" | "pong") => None,
            Some("subscribe") => {
                let Some(id) = id else { return bad("a subscribe needs a string id") };
                if !message.get("payload").is_some_and(Value::is_object) {
                    return bad("a subscribe needs an object payload");
                }
                if !self.acknowledged {
                    return Some((UNAUTHORIZED, "Unauthorized".to_owned()));
                }
                if !self.running.insert(id.to_owned()) {
                    return Some((DUPLICATE_ID, format!("Subscriber for {id} already exists")));
                }
                None
            }
            Some("complete") => {
                if let Some(id) = id {
                    self.running.remove(id);
                }
                None
            }
            Some(other) => bad(&format!("unknown type `{other}`")),
            None => bad("no type"),
        }
    }

    /// Whether the client has sent `connection_init`.
    pub fn initialised(&self) -> bool {
        self.initialised
    }

    /// Notes a text message the server sends: the acknowledgement, and the end of an operation
    /// (`complete` or `error`), whose id may then be used again. async-graphql writes the `type` first.
    pub fn server(&mut self, text: &str) {
        if text.starts_with(r#"{"type":"connection_ack""#) {
            self.acknowledged = true;
        } else if text.starts_with(r#"{"type":"complete""#) || text.starts_with(r#"{"type":"error""#) {
            let id = serde_json::from_str::<Value>(text).ok().and_then(|m| m.get("id")?.as_str().map(str::to_owned));
            if let Some(id) = id {
                self.running.remove(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_broken_rule_gets_its_close_code() {
        let mut rules = Rules::default();
        let subscribe = r#"{"type":"subscribe","id":"1","payload":{"query":"subscription { events { type } }"}}"#;
        assert_eq!(rules.client(r#"{"type":"connection_init"}"#), None);
        assert_eq!(rules.client(subscribe).map(|v| v.0), Some(4401), "before the ack");
        rules.server(r#"{"type":"connection_ack"}"#);
        assert_eq!(rules.client(subscribe), None);
        assert_eq!(rules.client(subscribe).map(|v| v.0), Some(4409), "id 1 is running");
        rules.server(r#"{"type":"complete","id":"1"}"#);
        assert_eq!(rules.client(subscribe), None, "a finished id may be used again");
        assert_eq!(rules.client("{not json").map(|v| v.0), Some(4400));
        assert_eq!(rules.client(r#"{"type":"nonsense"}"#).map(|v| v.0), Some(4400));
        assert_eq!(rules.client(r#"{"type":"subscribe","payload":{}}"#).map(|v| v.0), Some(4400));
        assert_eq!(rules.client(r#"{"type":"subscribe","id":"2"}"#).map(|v| v.0), Some(4400));
    }
}

//! Root query fields that span the modules: Relay's `node` and `nodes`.

mod node;

pub use node::{Node, NodeQuery};

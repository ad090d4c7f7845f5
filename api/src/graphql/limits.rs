//! The limits a document is held to before any of it runs, in the order the work happens: its bytes
//! and its tokens (counted before parsing: [`tokens`]), then, on the parsed document, its aliases, its root fields,
//! its depth and its complexity ([`cost`]). Each refusal says by how much a document is over, as
//! GitHub's API does (`query complexity 1,030,000 exceeds the limit of 100,000; lower first/last`),
//! with the figure and the limit in `extensions` (`documentBytes`/`maxDocumentBytes`,
//! `tokens`/`maxTokens`, `aliases`/`maxAliases`,
//! `rootFields`/`maxRootFields`, `depth`/`maxDepth`, `complexity`/`maxComplexity`). A document over
//! the size or token limit is a parse failure (`GRAPHQL_PARSE_FAILED`: it is never parsed); the others are
//! `GRAPHQL_VALIDATION_FAILED`.
//!
//! Complexity counts one per field, and for a connection the page size (`first` or `last`, 50 when
//! neither is given) times the complexity of what is selected per node. Each connection's figure is
//! capped by [`page_complexity`], so that an absurd query saturates instead of overflowing. The
//! figures are measured on the parsed document before anything runs ([`cost`]).

pub mod cost;
pub mod tokens;

use async_graphql::ServerError;

use cost::Cost;

use crate::service::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// The highest complexity one field reports. Far above any sensible limit, and low enough that the
/// sum over every field a request body can hold stays within `usize`.
const COMPLEXITY_CAP: usize = 1_000_000_000_000;

/// The complexity of a connection field: page size times the complexity per node, plus one.
/// `page` is the `first` or `last` argument, when given.
pub fn page_complexity(page: Option<i32>, per_node: usize) -> usize {
    let page = page.map_or(DEFAULT_PAGE_SIZE, |n| (n.max(0) as u64).min(MAX_PAGE_SIZE)) as usize;
    page.saturating_mul(per_node).saturating_add(1).min(COMPLEXITY_CAP)
}

/// The limits an operation is held to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest document, in bytes (graphql-java's `maxCharacters`): parsing costs time per byte, a
    /// long string or comment included, whatever its tokens.
    pub max_document_bytes: usize,
    /// Most lexical tokens in a document (graphql-js's `maxTokens`).
    pub max_tokens: usize,
    /// Most fields selected under an alias.
    pub max_aliases: usize,
    /// Most fields in the operation's root selection.
    pub max_root_fields: usize,
    /// Deepest nesting accepted.
    pub max_depth: usize,
    /// Largest complexity accepted.
    pub max_complexity: usize,
}

/// `1030000` as `1,030,000`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn over_limit(message: String, figure: (&str, usize), limit: (&str, usize)) -> ServerError {
    over_limit_as("GRAPHQL_VALIDATION_FAILED", message, figure, limit)
}

fn over_limit_as(code: &str, message: String, figure: (&str, usize), limit: (&str, usize)) -> ServerError {
    let mut err = super::errors::coded(message, code);
    let extensions = err.extensions.get_or_insert_with(Default::default);
    extensions.set(figure.0, figure.1 as u64);
    extensions.set(limit.0, limit.1 as u64);
    err
}

impl Limits {
    /// The refusal of a document of `source` longer than [`Limits::max_document_bytes`] or holding
    /// more tokens than [`Limits::max_tokens`], counted before it is parsed.
    pub fn check_source(&self, source: &str) -> Option<ServerError> {
        if source.len() > self.max_document_bytes {
            return Some(over_limit_as(
                "GRAPHQL_PARSE_FAILED",
                format!(
                    "the document is {} bytes long, over the limit of {}; pass large values as variables",
                    grouped(source.len()),
                    grouped(self.max_document_bytes)
                ),
                ("documentBytes", source.len()),
                ("maxDocumentBytes", self.max_document_bytes),
            ));
        }
        let count = tokens::count(source);
        (count > self.max_tokens).then(|| {
            over_limit_as(
                "GRAPHQL_PARSE_FAILED",
                format!(
                    "the document holds {} tokens, over the limit of {}; send a smaller document",
                    grouped(count),
                    grouped(self.max_tokens)
                ),
                ("tokens", count),
                ("maxTokens", self.max_tokens),
            )
        })
    }

    /// The errors of an operation of cost `result` that is over a limit; empty when it is within all.
    pub fn check(&self, result: Cost) -> Vec<ServerError> {
        let mut errors = Vec::new();
        let mut check = |figure: usize, limit: usize, names: (&str, &str), message: &dyn Fn() -> String| {
            if figure > limit {
                errors.push(over_limit(message(), (names.0, figure), (names.1, limit)));
            }
        };
        let (aliases, max_aliases) = (result.aliases, self.max_aliases);
        check(aliases, max_aliases, ("aliases", "maxAliases"), &|| {
            format!(
                "the operation selects {} fields under aliases, over the limit of {}; use fewer aliases",
                grouped(aliases),
                grouped(max_aliases)
            )
        });
        let (roots, max_roots) = (result.root_fields, self.max_root_fields);
        check(roots, max_roots, ("rootFields", "maxRootFields"), &|| {
            format!(
                "the operation selects {} root fields, over the limit of {}; split it into several operations",
                grouped(roots),
                grouped(max_roots)
            )
        });
        let (depth, max_depth) = (result.depth, self.max_depth);
        check(depth, max_depth, ("depth", "maxDepth"), &|| {
            format!("query depth {depth} exceeds the limit of {max_depth}; nest fewer levels")
        });
        let (complexity, max_complexity) = (result.complexity, self.max_complexity);
        check(complexity, max_complexity, ("complexity", "maxComplexity"), &|| {
            format!(
                "query complexity {} exceeds the limit of {}; lower first/last",
                grouped(complexity),
                grouped(max_complexity)
            )
        });
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_030_000), "1,030,000");
    }

    #[test]
    fn page_complexity_saturates_instead_of_overflowing() {
        assert_eq!(page_complexity(None, 2), 101);
        assert_eq!(page_complexity(Some(10), 3), 31);
        assert_eq!(page_complexity(Some(-5), 3), 1);
        assert_eq!(page_complexity(Some(1000), 1), 101, "pages are capped at 100");
        assert_eq!(page_complexity(Some(100), usize::MAX), COMPLEXITY_CAP);
    }
}

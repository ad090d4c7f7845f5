//! Depth and complexity limits whose errors say by how much a query is over, as GitHub's API does:
//! `query complexity 1,030,000 exceeds the limit of 100,000; lower first/last`, with code
//! `GRAPHQL_VALIDATION_FAILED` and the figures in `extensions` (`complexity`/`maxComplexity`,
//! `depth`/`maxDepth`).
//!
//! Complexity counts one per field, and for a connection the page size (`first` or `last`, 50 when
//! neither is given) times the complexity of what is selected per node. Each connection's figure is
//! capped by [`page_complexity`], so that an absurd query saturates instead of overflowing. The
//! figures are measured on the parsed document before anything runs ([`cost`]).

pub mod cost;

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
    let mut err = ServerError::new(message, None);
    let extensions = err.extensions.get_or_insert_with(Default::default);
    extensions.set("code", "GRAPHQL_VALIDATION_FAILED");
    extensions.set(figure.0, figure.1 as u64);
    extensions.set(limit.0, limit.1 as u64);
    err
}

impl Limits {
    /// The errors of an operation of cost `result` that is over a limit; empty when it is within both.
    pub fn check(&self, result: Cost) -> Vec<ServerError> {
        let mut errors = Vec::new();
        if result.depth > self.max_depth {
            errors.push(over_limit(
                format!("query depth {} exceeds the limit of {}; nest fewer levels", result.depth, self.max_depth),
                ("depth", result.depth),
                ("maxDepth", self.max_depth),
            ));
        }
        if result.complexity > self.max_complexity {
            errors.push(over_limit(
                format!(
                    "query complexity {} exceeds the limit of {}; lower first/last",
                    grouped(result.complexity),
                    grouped(self.max_complexity)
                ),
                ("complexity", result.complexity),
                ("maxComplexity", self.max_complexity),
            ));
        }
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

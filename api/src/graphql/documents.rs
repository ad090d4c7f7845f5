//! Parsed documents kept by their text, so that a dashboard sending the same query again is not
//! parsed and validated again (grafast caches operation plans and Apollo Router query plans for the
//! same reason). Only what depends on the text alone is kept: a document in the cache passed the size
//! and token limits and parsed, and once an operation of it has executed, it is known to pass
//! async-graphql's validation rules ([`Kept::validated`]); its aliases, root fields, depth and
//! complexity are measured again on every request, with that request's variables, and the variables
//! are checked against their declared types ([`super::variables`]).
//!
//! Beside them, the texts of automatic persisted queries by their SHA-256 (Apollo's `persistedQuery`
//! extension, <https://www.apollographql.com/docs/apollo-server/performance/apq>): a client sends the
//! hash alone; when the server does not know it, the client sends it again with the text, which is
//! kept once it has parsed within the limits.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicU64, Ordering},
};

use async_graphql::parser::types::ExecutableDocument;
use quick_cache::{Weighter, sync::Cache};

/// What the cache may hold, in bytes of source weighed by [`SourceBytes`]: 16 MiB.
const CAPACITY: u64 = 16 * 1024 * 1024;
/// Documents the cache expects to hold (a sizing hint, not a limit).
const EXPECTED: usize = 1_000;

/// A document's weight: its source's bytes, times four for the parsed tree it stands for.
#[derive(Clone)]
struct SourceBytes;

impl Weighter<String, Arc<Kept>> for SourceBytes {
    fn weight(&self, source: &String, _document: &Arc<Kept>) -> u64 {
        (source.len() as u64).saturating_mul(4).max(1)
    }
}

/// A persisted query's weight: the bytes of its text.
#[derive(Clone)]
struct TextBytes;

impl Weighter<[u8; 32], Arc<str>> for TextBytes {
    fn weight(&self, _hash: &[u8; 32], text: &Arc<str>) -> u64 {
        (text.len() as u64).max(1)
    }
}

/// A parsed document and whether it passed validation.
pub struct Kept {
    /// The document, as parsed from its source.
    pub document: ExecutableDocument,
    validated: AtomicBool,
}

impl Kept {
    /// Whether an operation of the document has executed after async-graphql's full validation, which
    /// then found nothing in the document itself to refuse (its rules read the request only for the
    /// values of variables, [`super::variables`]).
    pub fn validated(&self) -> bool {
        self.validated.load(Ordering::Relaxed)
    }

    /// Records that an operation of the document executed after full validation.
    pub fn set_validated(&self) {
        self.validated.store(true, Ordering::Relaxed);
    }
}

/// Parsed documents by source text, and persisted queries' texts by hash, the least used dropped
/// first when full, with how often a document was found.
pub struct Documents {
    cache: Cache<String, Arc<Kept>, SourceBytes>,
    persisted: Cache<[u8; 32], Arc<str>, TextBytes>,
    hits: AtomicU64,
    misses: AtomicU64,
    skipped: AtomicU64,
}

/// How the cache has served, for `/metrics`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocumentCacheStats {
    /// Documents found parsed.
    pub hits: u64,
    /// Documents parsed (or refused) because they were not kept.
    pub misses: u64,
    /// Documents kept now.
    pub kept: u64,
    /// Operations that ran without async-graphql's validation, their document having passed it before.
    pub validations_skipped: u64,
}

impl Default for Documents {
    fn default() -> Self {
        let cache = Cache::with_weighter(EXPECTED, CAPACITY, SourceBytes);
        let persisted = Cache::with_weighter(EXPECTED, CAPACITY / 4, TextBytes);
        Self { cache, persisted, hits: AtomicU64::new(0), misses: AtomicU64::new(0), skipped: AtomicU64::new(0) }
    }
}

impl Documents {
    /// The parsed document of `source`, if it was kept.
    pub fn get(&self, source: &str) -> Option<Arc<Kept>> {
        let found = self.cache.get(source);
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// How it has served so far.
    pub fn stats(&self) -> DocumentCacheStats {
        DocumentCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            kept: self.cache.len() as u64,
            validations_skipped: self.skipped.load(Ordering::Relaxed),
        }
    }

    /// Counts an operation that runs without validation ([`Kept::validated`]).
    pub fn count_skipped_validation(&self) {
        self.skipped.fetch_add(1, Ordering::Relaxed);
    }

    /// Keeps `document`, parsed from `source` (within the limits), not yet validated.
    pub fn keep(&self, source: &str, document: ExecutableDocument) -> Arc<Kept> {
        let kept = Arc::new(Kept { document, validated: AtomicBool::new(false) });
        self.cache.insert(source.to_owned(), kept.clone());
        kept
    }

    /// The text of the persisted query whose SHA-256 is `hash`, if it was kept.
    pub fn persisted(&self, hash: &[u8; 32]) -> Option<Arc<str>> {
        self.persisted.get(hash)
    }

    /// Keeps `source` as the persisted query of `hash` (its SHA-256, checked by the caller).
    pub fn persist(&self, hash: [u8; 32], source: &str) {
        self.persisted.insert(hash, Arc::from(source));
    }
}

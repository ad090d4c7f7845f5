//! A fan-out feed: one task per watched key (a session, an organization's log) reads new rows once
//! and hands them to every local subscriber through a bounded broadcast buffer. Feeds start on the
//! first subscriber and stop with the last.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex, Weak},
};

use tokio::sync::{Notify, broadcast, watch};

/// The feeds of one kind, by key.
pub(super) struct Registry<K: Hash + Eq + Copy, R> {
    feeds: Mutex<HashMap<K, Weak<Feed<K, R>>>>,
}

/// The fan-out of one key.
pub(super) struct Feed<K: Hash + Eq + Copy, R> {
    key: K,
    /// Woken by the bus when the key has news.
    pub notify: Arc<Notify>,
    /// Where the feed's task sends rows.
    pub tx: broadcast::Sender<Arc<R>>,
    /// `true` once the feed's task knows where it starts.
    pub ready: watch::Receiver<bool>,
    task: tokio::task::AbortHandle,
    registry: Weak<Registry<K, R>>,
}

/// What a feed's task is given.
pub(super) struct FeedParts<R> {
    /// Wakes the task.
    pub notify: Arc<Notify>,
    /// Broadcasts rows.
    pub tx: broadcast::Sender<Arc<R>>,
    /// Set to `true` once the starting point is known.
    pub ready: watch::Sender<bool>,
}

impl<K: Hash + Eq + Copy, R> Drop for Feed<K, R> {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(registry) = self.registry.upgrade() {
            let mut feeds = registry.lock();
            if feeds.get(&self.key).is_some_and(|w| w.strong_count() == 0) {
                feeds.remove(&self.key);
            }
        }
    }
}

impl<K: Hash + Eq + Copy, R> Registry<K, R> {
    /// An empty registry.
    pub fn new() -> Arc<Self> {
        Arc::new(Self { feeds: Mutex::new(HashMap::new()) })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Weak<Feed<K, R>>>> {
        self.feeds.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes the feed of `key`, if one runs. Cheap; coalesces.
    pub fn wake(&self, key: K) {
        if let Some(feed) = self.lock().get(&key).and_then(Weak::upgrade) {
            feed.notify.notify_one();
        }
    }

    /// Wakes every feed.
    pub fn wake_all(&self) {
        let feeds: Vec<_> = self.lock().values().filter_map(Weak::upgrade).collect();
        for feed in feeds {
            feed.notify.notify_one();
        }
    }

    /// How many feeds run.
    pub fn len(&self) -> usize {
        self.lock().values().filter(|w| w.strong_count() > 0).count()
    }

    /// Joins (or starts, with `spawn`) the feed of `key` and returns it with a receiver subscribed
    /// before the caller reads anything, so that nothing committed later can be missed.
    pub fn attach(
        self: &Arc<Self>,
        key: K,
        buffer: usize,
        spawn: impl FnOnce(FeedParts<R>) -> tokio::task::AbortHandle,
    ) -> (Arc<Feed<K, R>>, broadcast::Receiver<Arc<R>>) {
        let mut feeds = self.lock();
        if let Some(feed) = feeds.get(&key).and_then(Weak::upgrade) {
            let rx = feed.tx.subscribe();
            return (feed, rx);
        }
        let (tx, rx) = broadcast::channel(buffer);
        let notify = Arc::new(Notify::new());
        let (ready_tx, ready) = watch::channel(false);
        let task = spawn(FeedParts { notify: notify.clone(), tx: tx.clone(), ready: ready_tx });
        let feed = Arc::new(Feed { key, notify, tx, ready, task, registry: Arc::downgrade(self) });
        feeds.insert(key, Arc::downgrade(&feed));
        (feed, rx)
    }
}

impl<K: Hash + Eq + Copy, R> Feed<K, R> {
    /// Waits until the feed's task knows where it starts: a replay must not begin before, or a row
    /// committed in between could be neither replayed nor broadcast.
    pub async fn wait_ready(&self) {
        let mut ready = self.ready.clone();
        while !*ready.borrow_and_update() {
            if ready.changed().await.is_err() {
                break;
            }
        }
    }
}

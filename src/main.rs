//! The `docket` binary: see `docket --help`.

use std::{cell::Cell, time::Duration, time::Instant};

/// mimalloc: per-thread free lists instead of glibc's arenas (which spent about 30% of the dashboard's
/// CPU), and freed pages returned to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().enable_all().on_thread_park(release_idle_memory).build() {
            Ok(runtime) => runtime,
            Err(err) => {
                eprintln!("docket: cannot start the runtime: {err}");
                return std::process::ExitCode::FAILURE;
            }
        };
    runtime.block_on(async {
        tokio::spawn(release_memory_every_second());
        match api::run().await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("docket: {err:#}");
                // A setting to change (the database URL, say) exits with 2, as a usage error does.
                if err.chain().any(|cause| cause.is::<api::db::ConfigurationError>()) {
                    std::process::ExitCode::from(2)
                } else {
                    std::process::ExitCode::FAILURE
                }
            }
        }
    })
}

/// Has mimalloc return to the system what the calling thread's heap freed more than its purge delay
/// ago. mimalloc purges a thread's heap only while that thread allocates, and memory freed by another
/// thread (an answer built on one worker and dropped on another) waits for its owner: without this, a
/// server that falls idle after a burst keeps the burst's memory resident (measured: 87 MiB an idle
/// minute after 64 dashboard clients, against 40 MiB once collected).
fn collect() {
    #[allow(unsafe_code)]
    // SAFETY: `mi_collect` takes no pointer and may be called from any thread at any time; it only
    // frees memory mimalloc holds for itself.
    unsafe {
        libmimalloc_sys::mi_collect(false);
    }
}

/// Run by each worker thread as it goes idle: collects its heap ([`collect`]) at most every 10 ms,
/// so that a worker that parks for good after a burst has given back what it freed, while a busy one
/// (which parks between requests thousands of times a second) collects rarely.
fn release_idle_memory() {
    thread_local! {
        static LAST: Cell<Option<Instant>> = const { Cell::new(None) };
    }
    let now = Instant::now();
    if LAST.get().is_none_or(|last| now.duration_since(last) >= Duration::from_millis(10)) {
        LAST.set(Some(now));
        collect();
    }
}

/// Once a second, collects the heap of the worker this runs on: the last of a burst's memory that a
/// worker freed within 10 ms of its previous collection before it parked.
async fn release_memory_every_second() {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        collect();
    }
}

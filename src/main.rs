//! The `docket` binary: see `docket --help`.

/// mimalloc: per-thread free lists instead of glibc's arenas, and freed pages returned to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match api::run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("docket: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

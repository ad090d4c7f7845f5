//! The `docket` binary: see `docket --help`.

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

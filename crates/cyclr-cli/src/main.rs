//! `cyclr` — cyclical learning rates from the command line.
//!
//! A thin binary: it parses flags, calls the `cyclr`, `cyclr-data` and `cyclr-burn` libraries,
//! prints, and writes files. No algorithm lives here.
use std::process::ExitCode;

use clap::Parser;

mod args;
mod cmd;
mod error;
mod output;
mod plot;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Set by Ctrl-C: training stops after the current iteration, saves a checkpoint and its
/// outputs, and the command says how to continue.
pub static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn main() -> ExitCode {
    // A second Ctrl-C while the first is being handled ends the process at once.
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, std::sync::atomic::Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints its own message (help/version go to stdout with exit 0).
            let code = e.exit_code();
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            cmd::write_stderr(&format!(
                "error: {}\n",
                output::escape_control(&e.to_string())
            ));
            ExitCode::from(e.exit_code())
        }
    }
}

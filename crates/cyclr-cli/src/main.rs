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

fn main() -> ExitCode {
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
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

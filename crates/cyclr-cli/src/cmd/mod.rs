//! One module per subcommand.
pub mod policy;
pub mod report;
pub mod schedule;
pub mod suggest;

use crate::args::{Cli, Command};
use crate::error::Result;

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Schedule(a)) => schedule::run(a),
        Some(Command::Suggest(a)) => suggest::run(a),
        _ => Err(crate::error::CliError::usage("not built yet")),
    }
}

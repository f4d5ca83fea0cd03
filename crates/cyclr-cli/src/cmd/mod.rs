//! One module per subcommand.
pub mod compare;
pub mod demo;
pub mod find;
pub mod policy;
pub mod report;
pub mod schedule;
pub mod setup;
pub mod suggest;
pub mod train;

use crate::args::{Cli, Command, DemoArgs};
use crate::error::Result;

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Schedule(a)) => schedule::run(a),
        Some(Command::Suggest(a)) => suggest::run(a),
        Some(Command::Find(a)) => find::run(a),
        Some(Command::Train(a)) => train::run(a),
        Some(Command::Compare(a)) => compare::run(a),
        Some(Command::Demo(a)) => demo::run(a),
        None => demo::run(DemoArgs {
            out: "out/demo".into(),
            iters: 1200,
            seed: 0,
            quiet: false,
        }),
    }
}

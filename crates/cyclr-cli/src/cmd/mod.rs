//! One module per subcommand.

/// `println!` for results on stdout that treats a closed pipe (`cyclr ... | head`) as the reader
/// having seen enough, instead of panicking like `println!` does.
macro_rules! outln {
    () => {
        $crate::cmd::write_stdout("\n")
    };
    ($($t:tt)*) => {
        $crate::cmd::write_stdout(&format!("{}\n", format!($($t)*)))
    };
}

/// `print!` counterpart of [`outln!`].
macro_rules! out {
    ($($t:tt)*) => {
        $crate::cmd::write_stdout(&format!($($t)*))
    };
}

/// `eprintln!` for messages on stderr that never panics: a closed or full stderr (`cyclr ...
/// 2>&1 | true`) loses the message, and the command ends with the exit code it had.
macro_rules! errln {
    ($($t:tt)*) => {
        $crate::cmd::write_stderr(&format!("{}\n", format!($($t)*)))
    };
}

/// Write to stderr, ignoring failure (there is nowhere left to report it).
pub fn write_stderr(s: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(s.as_bytes()).and_then(|_| err.flush());
}

/// Write to stdout; a closed pipe is not an error, any other failure is reported on stderr.
pub fn write_stdout(s: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(s.as_bytes()).and_then(|_| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        write_stderr(&format!("warning: cannot write to stdout: {e}\n"));
    }
}
pub mod compare;
pub mod demo;
pub mod find;
pub mod policy;
pub mod report;
pub mod sample;
pub mod schedule;
pub mod setup;
pub mod suggest;
pub mod tables;
pub mod train;

use crate::args::{Cli, Command, DemoArgs};
use crate::error::Result;

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Schedule(a)) => schedule::run(*a),
        Some(Command::Suggest(a)) => suggest::run(a),
        Some(Command::Find(a)) => find::run(*a),
        Some(Command::Train(a)) => train::run(*a),
        Some(Command::Compare(a)) => compare::run(a),
        Some(Command::Demo(a)) => demo::run(a),
        Some(Command::Sample(a)) => sample::run(a),
        None => demo::run(DemoArgs {
            out: "out/demo".into(),
            iters: 1200,
            seed: 0,
            device: None,
            quiet: false,
        }),
    }
}

//! Replays golden trajectories of the learning-rate-free optimizers (the format of
//! `shared/golden/lrfree/`, README there) through cyclr's implementation.
//!
//! ```text
//! cargo run --release -p cyclr-burn --example replay_optimizer -- FILE.json [FILE.json ...]
//! ```
//!
//! Prints one line per file, `FILE: params X, eval_params Y, d Z`: for each field the worst
//! ratio, over all steps, of its error to that step's tolerance (`-` where the file has no such
//! field). Exits 1 when a ratio exceeds 1, 2 when a file cannot be read or replayed.

use std::path::Path;
use std::process::ExitCode;

use cyclr_burn::replay::Golden;

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() || files.iter().any(|f| f == "-h" || f == "--help") {
        eprintln!(
            "usage: replay_optimizer FILE.json [FILE.json ...]  (golden trajectories, see shared/golden/lrfree/README.md)"
        );
        return ExitCode::from(2);
    }
    let mut code = 0u8;
    for f in &files {
        match Golden::read(Path::new(f)).and_then(|g| g.replay()) {
            Ok(r) => {
                println!("{f}: {r}");
                if !r.passed() {
                    code = code.max(1);
                }
            }
            Err(e) => {
                eprintln!("{f}: {e}");
                code = 2;
            }
        }
    }
    ExitCode::from(code)
}

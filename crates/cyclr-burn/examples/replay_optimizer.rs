//! Replays golden trajectories of the learning-rate-free optimizers (the format of
//! `shared/golden/lrfree/`, README there) through cyclr's implementation.
//!
//! ```text
//! cargo run --release -p cyclr-burn --example replay_optimizer -- FILE.json [FILE.json ...]
//! ```
//!
//! Prints one line per file, `FILE: params X, eval_params Y, d Z`: for each field the worst
//! ratio, over all steps, of its error to that step's tolerance (`-` where the file has no such
//! field). Exits 1 when a ratio exceeds 1, 2 when a file cannot be read or replayed; the set's
//! `manifest.json` is recognised and skipped, so `lrfree/*.json` replays the whole set.

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
        if let Some(n) = manifest_cases(Path::new(f)) {
            // The folder's index (so `lrfree/*.json` works): not a trajectory, not an error.
            eprintln!("{f}: the golden set's manifest ({n} cases), not a trajectory: skipped");
            continue;
        }
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

/// The number of cases if `path` is a golden folder's `manifest.json` (an object listing its
/// `cases`, each naming a `file`).
fn manifest_cases(path: &Path) -> Option<usize> {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let cases = v.get("cases")?.as_array()?;
    cases
        .iter()
        .all(|c| c.get("file").is_some_and(|f| f.is_string()))
        .then_some(cases.len())
}

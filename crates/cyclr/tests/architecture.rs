//! ARCHITECTURE.md stays true: every path its code map names (`crates/...`, `bench/...`, ...) and
//! every file it names inside a folder it describes exists in the checkout.
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The backticked words of `text`.
fn code_spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

#[test]
fn every_path_the_code_map_names_exists() {
    let root = root();
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut checked = 0;
    let mut missing = Vec::new();
    // Files named in a bullet are relative to the bullet's folder (its first `crates/...` path).
    for bullet in text.split("\n- ") {
        let bullet = bullet.split("\n\n").next().unwrap_or_default();
        let spans = code_spans(bullet);
        let folder = spans
            .iter()
            .find(|s| s.starts_with("crates/") && s.ends_with('/'))
            .map(|s| s.to_string());
        for s in spans {
            let is_path = [
                "crates/",
                "bench/",
                "experiments/",
                "docs/",
                "deploy/",
                "fuzz/",
                ".ci/",
            ]
            .iter()
            .any(|p| s.starts_with(p));
            if s.contains('*') {
                continue;
            }
            let path = if is_path {
                root.join(s)
            } else if s.ends_with(".rs") && !s.contains(' ') {
                match &folder {
                    Some(f) => root.join(f).join(s),
                    None => continue,
                }
            } else {
                continue;
            };
            checked += 1;
            if !path.exists() {
                missing.push(s.to_string());
            }
        }
    }
    assert!(
        checked >= 40,
        "only {checked} paths found: is the code map still there?"
    );
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );
}

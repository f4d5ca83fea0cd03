//! Helpers shared by the `cyclr` command-line integration tests: running the real binary,
//! locating the golden fixtures, parsing its CSV output and checking files it writes.
//!
//! Each test binary uses only some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `cyclr` binary built by Cargo for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_cyclr");

/// `crates/cyclr/tests/fixtures/golden` (PyTorch / fastai reference vectors).
pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../cyclr/tests/fixtures/golden")
}

/// A `cyclr` command with a deterministic environment: no backtrace variables (so that a panic
/// shows up as the default "panicked ... RUST_BACKTRACE" note the tests look for), run in `cwd`.
pub fn cyclr_in(cwd: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null());
    c
}

/// Run `cyclr ARGS` in `cwd` and wait for it.
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    cyclr_in(cwd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"))
}

/// Run `cyclr ARGS` in the crate directory.
pub fn run(args: &[&str]) -> Output {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// Run `cyclr ARGS`, assert it succeeded with an empty stderr, and return stdout.
pub fn run_ok_in(cwd: &Path, args: &[&str]) -> String {
    let out = run_in(cwd, args);
    assert!(
        out.status.success(),
        "cyclr {args:?} failed ({}):\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "cyclr {args:?} wrote to stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

/// [`run_ok_in`] in the crate directory.
pub fn run_ok(args: &[&str]) -> String {
    run_ok_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// A CSV table: its header and each row parsed as numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<f64>>,
}

/// Parse CSV text whose every cell (after the header) is a number.
pub fn parse_csv(text: &str, what: &str) -> Table {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .unwrap_or_else(|e| panic!("{what}: bad CSV header: {e}"))
        .iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    let rows = rdr
        .records()
        .enumerate()
        .map(|(i, rec)| {
            let rec = rec.unwrap_or_else(|e| panic!("{what}: bad CSV row {i}: {e}"));
            assert_eq!(
                rec.len(),
                header.len(),
                "{what}: row {i} has {} fields, header {}",
                rec.len(),
                header.len()
            );
            rec.iter()
                .map(|c| {
                    c.parse::<f64>()
                        .unwrap_or_else(|_| panic!("{what}: row {i}: {c:?} is not a number"))
                })
                .collect()
        })
        .collect();
    Table { header, rows }
}

/// Read and parse a CSV file of numbers.
pub fn read_csv(path: &Path) -> Table {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    parse_csv(&text, &path.display().to_string())
}

/// `|a − b| ≤ rel · max(|a|, |b|)`, with an absolute floor of 1e-300 so exact zeros compare.
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

/// The file is a PNG (its 8-byte signature).
pub fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
}

/// The file is an SVG document (starts with `<svg` or an XML declaration, and has `</svg>`).
pub fn is_svg(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    (t.starts_with("<svg") || t.starts_with("<?xml")) && t.contains("</svg>")
}

/// Names of the entries of a directory, sorted.
pub fn dir_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    v.sort();
    v
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("cyclr-cli-test-")
        .tempdir()
        .expect("temporary directory")
}

/// A 150-row, 3-class CSV shaped like iris (4 features, label column `species`): separable
/// classes with a sine's jitter.
pub fn iris_like_csv() -> String {
    let mut csv = String::from("f1,f2,f3,f4,species\n");
    for i in 0..150 {
        let c = i % 3;
        let x = c as f64 * 3.0 + (i as f64 * 0.37).sin();
        csv += &format!(
            "{x},{},{},{},{}\n",
            x * 0.5,
            1.0 - x,
            (i % 7) as f64,
            ["setosa", "versicolor", "virginica"][c]
        );
    }
    csv
}

//! The README's command blocks cannot fall behind (#27 item 4): every plain ```` ```sh ```` block
//! runs, in the README's order, in one fresh folder, with the `cyclr` built here first on the
//! PATH, and every command must succeed. Blocks tagged otherwise (```` ```sh slow ````: long
//! trainings or placeholders; ```` ```sh your-data ````: your own files) are shown only, and
//! `cargo` lines are skipped (they build and test this checkout, which is what runs this test).
mod common;

use std::path::Path;
use std::process::Command;

/// The runnable lines of the README's plain `sh` blocks, in order.
fn runnable_lines(readme: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut inside = false;
    for line in readme.lines() {
        let t = line.trim_end();
        if !inside && t == "```sh" {
            inside = true;
        } else if inside && t == "```" {
            inside = false;
        } else if inside {
            let cmd = t.trim();
            if !cmd.is_empty() && !cmd.starts_with('#') && !cmd.starts_with("cargo ") {
                lines.push(cmd.to_string());
            }
        }
    }
    lines
}

#[test]
fn the_readme_blocks_run_in_order_in_a_fresh_folder() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("README.md");
    let lines = runnable_lines(&readme);
    assert!(
        lines.len() >= 3 && lines.iter().all(|l| l.starts_with("cyclr ")),
        "the README's runnable blocks: {lines:?}"
    );
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cyclr"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let tmp = common::tempdir();
    for line in &lines {
        let out = Command::new("bash")
            .arg("-c")
            .arg(line)
            .current_dir(tmp.path())
            .env("PATH", &path)
            .env("RAYON_NUM_THREADS", "2")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "README command failed ({}): {line}\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn only_plain_sh_blocks_are_run() {
    let md = "```sh\ncyclr a   # note\n# comment\ncargo test\n```\n```sh slow\ncyclr b\n```\n```\ncyclr c\n```\n";
    assert_eq!(runnable_lines(md), ["cyclr a   # note"]);
}

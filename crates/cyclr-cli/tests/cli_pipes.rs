//! No panic when stdout and stderr are closed pipes (`cyclr ... 2>&1 | true`): every
//! subcommand ends with the exit code it would have had, and a closed pipe loses only output.
mod common;

use std::process::Stdio;

use common::*;

/// Runs `cyclr ARGS` with stdout and stderr pipes whose read ends are closed at once; returns
/// the exit code (`None`: killed by a signal).
fn closed_pipes(cwd: &std::path::Path, args: &[&str]) -> Option<i32> {
    let mut child = cyclr_in(cwd)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cyclr");
    drop(child.stdout.take());
    drop(child.stderr.take());
    child.wait().expect("wait").code()
}

#[test]
fn every_subcommand_survives_closed_stdout_and_stderr() {
    let tmp = tempdir();
    let golden = golden_dir().join("suggest/curve_00.csv");
    let golden = golden.to_str().unwrap();
    std::fs::write(
        tmp.path().join("x.toml"),
        "name = \"x\"\ndataset = \"digits\"\nmodel = \"mlp\"\niters = 20\neval_every = 10\nbaseline = \"f\"\n[[run]]\nname = \"f\"\nschedule = { policy = \"fixed\", lr = 0.05 }\n",
    )
    .unwrap();
    for (args, want) in [
        (vec!["suggest", "--input", "missing.csv"], 2),
        (vec!["suggest", "--input", golden], 0),
        (
            vec![
                "schedule",
                "triangular",
                "--base-lr",
                "0.001",
                "--max-lr",
                "0.006",
                "--step-size",
                "20",
                "--iters",
                "20000",
            ],
            0,
        ),
        (vec!["schedule", "fixed", "--lr", "-1", "--iters", "5"], 2),
        (
            vec![
                "train", "--policy", "fixed", "--lr", "0.05", "--iters", "5", "--out", "t",
                "--quiet",
            ],
            0,
        ),
        (
            vec!["train", "--lr", "auto", "--iters", "5", "--out", "ta"],
            0,
        ),
        (vec!["train", "--iters", "0", "--out", "t2"], 2),
        (vec!["find", "--iters", "20", "--out", "f"], 0),
        (
            vec!["compare", "--config", "x.toml", "--out", "c", "--quiet"],
            0,
        ),
        (vec!["compare", "--config", "missing.toml"], 2),
        (vec!["demo", "--iters", "20", "--out", "d", "--quiet"], 0),
        (vec!["--no-such-flag"], 2),
    ] {
        let code = closed_pipes(tmp.path(), &args);
        assert_eq!(code, Some(want), "cyclr {args:?}");
    }
}

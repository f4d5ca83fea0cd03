//! `--device wgpu:cpu` from the command line (built only with the `wgpu` feature; CI runs it on
//! Mesa's lavapipe): train, resume and a compare on the device, the run's record naming it, and
//! a resume on another device refused.
#![cfg(feature = "wgpu")]
mod common;

use common::*;

/// One column of a metrics.csv (whose test columns are empty between evaluations).
fn column(path: &std::path::Path, name: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    lines
        .map(|l| l.split(',').nth(i).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn train_on_wgpu_matches_cpu_and_resumes_there() {
    let tmp = tempdir();
    let args = |dev: &'static str, out: &'static str, iters: &'static str| {
        vec![
            "train",
            "--model",
            "lenet",
            "--policy",
            "one-cycle",
            "--max-lr",
            "0.2",
            "--iters",
            iters,
            "--eval-every",
            "20",
            "--batch-size",
            "64",
            "--device",
            dev,
            "--out",
            out,
            "--quiet",
        ]
    };
    let out = run_in(tmp.path(), &args("wgpu:cpu", "gpu", "40"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("device: wgpu:cpu (checked"), "{err}");
    let rec = std::fs::read_to_string(tmp.path().join("gpu/run.json")).unwrap();
    assert!(rec.contains("\"device\": \"wgpu:cpu\""), "{rec}");
    let out = run_in(tmp.path(), &args("cpu", "cpu", "40"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let g = column(&tmp.path().join("gpu/metrics.csv"), "train_loss");
    let c = column(&tmp.path().join("cpu/metrics.csv"), "train_loss");
    assert_eq!(g.len(), 40);
    // The first 20 steps: later a ReLU LeNet's path may depart by more than rounding (see
    // crates/cyclr-burn/tests/device_parity.rs).
    for (i, (a, b)) in g.iter().zip(&c).enumerate().take(20) {
        assert!(close(*a, *b, 1e-4), "iteration {i}: wgpu {a} vs cpu {b}");
    }

    // Resume on the device it started on; another device is refused (exit 2, naming both).
    let out = run_in(
        tmp.path(),
        &[
            "train", "--resume", "--out", "gpu", "--device", "cpu", "--iters", "60",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--device") && err.contains("wgpu:cpu"),
        "{err}"
    );
}

#[test]
fn compare_runs_an_experiment_on_wgpu() {
    let tmp = tempdir();
    std::fs::write(
        tmp.path().join("x.toml"),
        "name = \"x\"\ndataset = \"digits\"\nmodel = \"mlp\"\niters = 30\neval_every = 30\n\
         baseline = \"fixed\"\ndevice = \"wgpu:cpu\"\n[[run]]\nname = \"fixed\"\n\
         schedule = { policy = \"fixed\", lr = 0.05 }\n[[run]]\nname = \"auto\"\nauto_lr = true\n\
         schedule = { policy = \"one-cycle\" }\n",
    )
    .unwrap();
    let out = run_in(
        tmp.path(),
        &["compare", "--config", "x.toml", "--out", "o", "--quiet"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let results = std::fs::read_to_string(tmp.path().join("o/results.json")).unwrap();
    assert!(results.contains("wgpu:cpu"), "the results name the device");
}

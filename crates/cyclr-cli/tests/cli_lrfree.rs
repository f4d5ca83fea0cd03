//! The learning-rate-free optimizers from the command line: `train` with nothing but the
//! optimizer, Prodigy's `d` in metrics.csv, and an experiment file mixing them with a
//! range-tested one-cycle.
mod common;

use common::*;

fn read(p: &std::path::Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `cyclr train --optimizer adamw-schedulefree --iters N` just works: policy fixed at the
/// package's default lr 0.0025, said on stderr, recorded in run.json.
#[test]
fn schedule_free_trains_with_nothing_but_its_name() {
    let tmp = tempdir();
    let out = run_in(
        tmp.path(),
        &[
            "train",
            "--optimizer",
            "adamw-schedulefree",
            "--iters",
            "120",
            "--eval-every",
            "60",
            "--out",
            "o",
            "--quiet",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("--lr = 2.5000e-3 (the optimizer's default)"),
        "{stderr}"
    );
    let run: serde_json::Value =
        serde_json::from_str(&read(&tmp.path().join("o/run.json"))).unwrap();
    assert_eq!(run["config"]["schedule"]["policy"], "fixed");
    assert_eq!(run["config"]["schedule"]["lr"], 0.0025);
    assert_eq!(run["config"]["optimizer"]["kind"], "adamw-schedulefree");
    let summary: serde_json::Value =
        serde_json::from_str(&read(&tmp.path().join("o/summary.json"))).unwrap();
    assert!(
        summary["final_test_accuracy"].as_f64().unwrap() > 0.9,
        "{summary}"
    );
    // --lr overrides the default.
    let out = run_in(
        tmp.path(),
        &[
            "train",
            "--optimizer",
            "sgd-schedulefree",
            "--lr",
            "0.5",
            "--iters",
            "20",
            "--out",
            "p",
            "--quiet",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run: serde_json::Value =
        serde_json::from_str(&read(&tmp.path().join("p/run.json"))).unwrap();
    assert_eq!(run["config"]["schedule"]["lr"], 0.5);
}

/// Prodigy with cosine annealing (sgdr over the run): metrics.csv carries d and lr·d, the
/// product of its lr and d columns.
#[test]
fn prodigy_logs_d_and_the_effective_step() {
    let tmp = tempdir();
    let out = run_in(
        tmp.path(),
        &[
            "train",
            "--optimizer",
            "prodigy",
            "--policy",
            "sgdr",
            "--t0",
            "100",
            "--iters",
            "100",
            "--out",
            "o",
            "--quiet",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = read(&tmp.path().join("o/metrics.csv"));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "iteration,lr,momentum,train_loss,test_loss,test_accuracy,d,lr_d"
    );
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 100);
    let num = |s: &str| s.parse::<f64>().unwrap();
    let mut last_d = 0.0;
    for r in &rows {
        let (lr, d, lr_d) = (num(&r[1]), num(&r[6]), num(&r[7]));
        assert_eq!(lr_d, lr * d, "{r:?}");
        assert!(d >= last_d, "d decreased: {r:?}");
        last_d = d;
    }
    assert!(last_d > 1e-4, "d grew from 1e-6: {last_d}");
    assert_eq!(num(&rows[0][1]), 1.0, "sgdr starts at the default lr 1.0");
    assert!(tmp.path().join("o/curves.png").exists());
}

/// `experiments/digits-lrfree.toml` (shortened): every optimizer trains, each LR-free one at
/// its default lr (said in the table), schedule-free also with a range-tested lr.
#[test]
fn an_experiment_mixes_lr_free_optimizers_and_range_tests() {
    let tmp = tempdir();
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../experiments/digits-lrfree.toml");
    let cfg = config.to_str().unwrap();
    let out = run_in(
        tmp.path(),
        &[
            "compare", "--config", cfg, "--seeds", "0", "--iters", "90", "--out", "c", "--quiet",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (run, how) in [
        ("one-cycle", "(range test)"),
        ("sgd-schedulefree", "fixed: 1.00e0 (optimizer's default)"),
        ("adamw-schedulefree", "fixed: 2.50e-3 (optimizer's default)"),
        ("adamw-schedulefree-auto", "(range test)"),
        (
            "prodigy-cosine",
            "sgdr: 0.00e0 .. 1.00e0 (optimizer's default)",
        ),
        ("dadapt-adam", "fixed: 1.00e0 (optimizer's default)"),
    ] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("| {run} |")))
            .unwrap_or_else(|| panic!("no row {run}:\n{stdout}"));
        assert!(line.contains(how), "{run}: {line}");
    }
    // One range test, for the SGD runs and one for schedule-free AdamW; none for the others.
    let mut tests: Vec<String> = std::fs::read_dir(tmp.path().join("c"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("range_test-"))
        .collect();
    tests.sort();
    assert_eq!(tests, ["range_test-adamw-schedulefree", "range_test-sgd"]);
}

/// An experiment asking a range test for Prodigy, or a schedule for schedule-free, is refused
/// naming the run (exit 2, nothing trained).
#[test]
fn experiment_rules_for_lr_free_optimizers() {
    let tmp = tempdir();
    for (body, want) in [
        (
            "[[run]]\nname = \"p\"\nauto_lr = true\noptimizer = { kind = \"prodigy\" }\nschedule = { policy = \"fixed\" }\n",
            "run \"p\": auto_lr = true: prodigy estimates its own step size",
        ),
        (
            "[[run]]\nname = \"p\"\noptimizer = { kind = \"sgd-schedulefree\" }\nschedule = { policy = \"triangular\", base_lr = 0.1, max_lr = 1.0 }\n",
            "run \"p\": schedule: invalid `policy` = triangular: sgd-schedulefree replaces the learning-rate schedule",
        ),
        (
            "[[run]]\nname = \"p\"\noptimizer = { kind = \"prodigy\", d_coeff = 0.5 }\nschedule = { policy = \"fixed\" }\n",
            "d_coeff",
        ),
    ] {
        let text = format!(
            "name = \"x\"\ndataset = \"digits\"\nmodel = \"mlp\"\niters = 10\nbaseline = \"p\"\n{body}"
        );
        std::fs::write(tmp.path().join("x.toml"), text).unwrap();
        let out = run_in(
            tmp.path(),
            &["compare", "--config", "x.toml", "--out", "c", "--quiet"],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(want), "want {want:?} in {stderr}");
        assert!(!tmp.path().join("c/runs").exists(), "{stderr}");
    }
}

//! `cyclr train` end to end through the real binary: a short real run on the embedded digits
//! (outputs, metrics layout, the LR column against `cyclr schedule`, accuracy), `--lr auto`,
//! Fashion-MNIST with LeNet, run-to-run determinism, crash safety under SIGKILL with
//! `--resume` (bit-identical metrics), fallback past a corrupt checkpoint, and divergence.
//!
//! Every training run sets `RAYON_NUM_THREADS=2` (the Flex backend parallelises with rayon), so
//! runs that are compared byte for byte use the same thread count.
mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// The thread count every training run of these tests uses.
const THREADS: &str = "2";

const METRICS_HEADER: &str = "iteration,lr,momentum,train_loss,test_loss,test_accuracy";

/// A `cyclr` command in `cwd` with a fixed rayon thread count.
fn cyclr_cmd(cwd: &Path, args: &[String]) -> Command {
    let mut c = cyclr_in(cwd);
    c.env("RAYON_NUM_THREADS", THREADS).args(args);
    c
}

fn run_args(cwd: &Path, args: &[String]) -> Output {
    cyclr_cmd(cwd, args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {BIN}: {e}"))
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Assert a successful exit without panic; return (stdout, stderr).
fn expect_ok(out: &Output, what: &str) -> (String, String) {
    let (so, se) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "{what}: exit {}\nstdout: {so}\nstderr: {se}",
        out.status
    );
    assert!(!se.contains("panicked"), "{what}: panic: {se}");
    (so, se)
}

fn read_json(p: &Path) -> serde_json::Value {
    let t = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
    serde_json::from_str(&t).unwrap_or_else(|e| panic!("parse {}: {e}", p.display()))
}

fn read_bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

/// `ckpt-*.cyclr` files of `dir`, (iteration, path), newest first.
fn checkpoints(dir: &Path) -> Vec<(u64, PathBuf)> {
    let mut v: Vec<(u64, PathBuf)> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| {
                let e = e.ok()?;
                let name = e.file_name().to_string_lossy().into_owned();
                let it = name
                    .strip_prefix("ckpt-")?
                    .strip_suffix(".cyclr")?
                    .parse::<u64>()
                    .ok()?;
                Some((it, e.path()))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort_by_key(|c| std::cmp::Reverse(c.0));
    v
}

/// Names in `dir` that look like temporary files.
fn tmp_files(dir: &Path) -> Vec<String> {
    dir_names(dir)
        .into_iter()
        .filter(|n| n.contains(".tmp"))
        .collect()
}

/// The `lr` column of a CSV (as text, exactly as printed).
fn column_text(csv_text: &str, col: &str) -> Vec<String> {
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let h = rdr.headers().expect("header").clone();
    let i = h
        .iter()
        .position(|c| c == col)
        .unwrap_or_else(|| panic!("no column {col} in {h:?}"));
    rdr.records()
        .map(|r| r.expect("row")[i].to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A short real run.
// ---------------------------------------------------------------------------------------------

#[test]
fn digits_triangular2_run_writes_everything() {
    let tmp = tempdir();
    let out = tmp.path().join("run");
    let sched = [
        "--base-lr",
        "0.01",
        "--max-lr",
        "0.05",
        "--step-size",
        "40",
        "--iters",
        "300",
    ];
    let mut args = strs(&[
        "train",
        "--dataset",
        "digits",
        "--model",
        "mlp",
        "--policy",
        "triangular2",
    ]);
    args.extend(strs(&sched));
    args.extend(strs(&[
        "--eval-every",
        "50",
        "--batch-size",
        "64",
        "--quiet",
    ]));
    args.extend(["--out".into(), out.display().to_string()]);
    let o = run_args(tmp.path(), &args);
    let (stdout, _) = expect_ok(&o, "train digits");
    assert!(
        stdout.contains("final test accuracy"),
        "no final accuracy line: {stdout}"
    );

    // metrics.csv: header, 300 rows, iterations 0..300, evaluations at 50, 100, ..., 300.
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).expect("metrics.csv");
    assert_eq!(metrics.lines().next(), Some(METRICS_HEADER));
    let t = parse_csv(
        &metrics.replace(",,", ",nan,").replace(",\n", ",nan\n"),
        "metrics",
    );
    assert_eq!(t.rows.len(), 300, "metrics rows");
    for (i, r) in t.rows.iter().enumerate() {
        assert_eq!(r[0], i as f64, "iteration column");
        assert_eq!(r[2], 0.9, "momentum column (sgd default) at row {i}");
        assert!(r[3].is_finite() && r[3] > 0.0, "train_loss at row {i}");
        let evaluated = (i + 1) % 50 == 0;
        assert_eq!(
            r[5].is_finite(),
            evaluated,
            "test_accuracy present exactly at evaluations (row {i})"
        );
    }

    // The LR column is exactly what `cyclr schedule` prints for the same flags.
    let mut sargs = strs(&["schedule", "triangular2"]);
    sargs.extend(strs(&sched));
    let so = run_args(tmp.path(), &sargs);
    let (sched_csv, _) = expect_ok(&so, "schedule");
    let want = column_text(&sched_csv, "lr");
    let got = column_text(&metrics, "lr");
    assert_eq!(want.len(), 300);
    assert_eq!(got, want, "metrics.csv lr column != cyclr schedule output");

    // summary.json and the accuracy line agree; the run learned.
    let s = read_json(&out.join("summary.json"));
    let acc = s["final_test_accuracy"]
        .as_f64()
        .expect("final_test_accuracy");
    assert_eq!(s["iterations"].as_u64(), Some(300));
    assert!(s["diverged"].is_null());
    assert!(acc > 0.85, "final accuracy {acc} <= 0.85");
    assert_eq!(t.rows[299][5], acc, "last row's accuracy = summary");
    assert!(
        stdout.contains(&format!("final test accuracy {:.2}%", acc * 100.0)),
        "stdout accuracy line does not match summary ({acc}): {stdout}"
    );

    assert!(is_png(&read_bytes(&out.join("curves.png"))), "curves.png");
    assert!(is_svg(&read_bytes(&out.join("curves.svg"))), "curves.svg");
    assert!(
        tmp_files(&out).is_empty(),
        "temporary files left: {:?}",
        dir_names(&out)
    );
}

#[test]
fn lr_auto_runs_range_test_and_says_why() {
    let tmp = tempdir();
    let out = tmp.path().join("auto");
    let args = strs(&[
        "train",
        "--dataset",
        "digits",
        "--model",
        "mlp",
        "--policy",
        "triangular2",
        "--lr",
        "auto",
        "--iters",
        "100",
        "--eval-every",
        "50",
        "--batch-size",
        "64",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let o = run_args(tmp.path(), &args);
    let (stdout, stderr) = expect_ok(&o, "train --lr auto");
    assert!(stdout.contains("final test accuracy"), "{stdout}");
    // What it chose and why.
    let chosen = stderr
        .lines()
        .find(|l| l.starts_with("--lr auto:") && l.contains("--base-lr ="))
        .unwrap_or_else(|| panic!("no '--lr auto: --base-lr = ...' line in stderr: {stderr}"));
    assert!(chosen.contains("--max-lr ="), "{chosen}");
    assert!(chosen.contains("(range test"), "{chosen}");
    assert!(chosen.contains('('), "no reason given: {chosen}");
    assert!(out.join("range_test.csv").is_file(), "range_test.csv");
    assert!(out.join("suggestions.json").is_file(), "suggestions.json");
    let sug = read_json(&out.join("suggestions.json"));
    assert!(sug.get("base_lr").is_some(), "suggestions.json: {sug}");
    assert!(out.join("metrics.csv").is_file());
    let t = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert_eq!(t.lines().count(), 101);
}

const FASHION_FILE: &str = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";

#[test]
fn fashion_mnist_lenet_one_cycle() {
    if !Path::new(FASHION_FILE).is_file() {
        if std::env::var("CYCLR_REQUIRE_FASHION_MNIST").as_deref() == Ok("1") {
            panic!("{FASHION_FILE} is missing and CYCLR_REQUIRE_FASHION_MNIST=1");
        }
        eprintln!("note: {FASHION_FILE} missing; skipping the Fashion-MNIST run");
        return;
    }
    let tmp = tempdir();
    let out = tmp.path().join("fm");
    let args = strs(&[
        "train",
        "--dataset",
        "fashion-mnist",
        "--model",
        "lenet",
        "--iters",
        "60",
        "--eval-every",
        "60",
        "--policy",
        "one-cycle",
        "--max-lr",
        "0.05",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let o = run_args(tmp.path(), &args);
    let (stdout, _) = expect_ok(&o, "train fashion-mnist lenet");
    assert!(stdout.contains("final test accuracy"), "{stdout}");
    let s = read_json(&out.join("summary.json"));
    let acc = s["final_test_accuracy"].as_f64().unwrap();
    assert_eq!(s["iterations"].as_u64(), Some(60));
    assert!(acc > 0.5, "Fashion-MNIST LeNet accuracy {acc} <= 0.5");
}

#[test]
fn same_command_twice_gives_identical_metrics() {
    let tmp = tempdir();
    let run = |name: &str| {
        let out = tmp.path().join(name);
        let args = strs(&[
            "train",
            "--dataset",
            "digits",
            "--model",
            "mlp",
            "--policy",
            "one-cycle",
            "--max-lr",
            "0.05",
            "--iters",
            "200",
            "--eval-every",
            "40",
            "--batch-size",
            "64",
            "--seed",
            "7",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        expect_ok(&run_args(tmp.path(), &args), name);
        read_bytes(&out.join("metrics.csv"))
    };
    let a = run("a");
    let b = run("b");
    assert!(
        a == b,
        "metrics.csv differs between two identical runs (RAYON_NUM_THREADS={THREADS})"
    );
}

// ---------------------------------------------------------------------------------------------
// Crash safety.
// ---------------------------------------------------------------------------------------------

/// The crash-test run: digits, MLP with batch norm, 400 iterations, seed 3: SGD with
/// triangular2.
fn crash_args(out: &Path, checkpoint_every: u64, resume: bool) -> Vec<String> {
    crash_args_with(
        out,
        checkpoint_every,
        resume,
        &[
            "--policy",
            "triangular2",
            "--base-lr",
            "0.01",
            "--max-lr",
            "0.05",
            "--step-size",
            "40",
        ],
    )
}

/// The crash-test run with another optimizer and schedule (`how`).
fn crash_args_with(out: &Path, checkpoint_every: u64, resume: bool, how: &[&str]) -> Vec<String> {
    let mut v = strs(&[
        "train",
        "--dataset",
        "digits",
        "--model",
        "mlp",
        "--batch-norm",
    ]);
    v.extend(strs(how));
    v.extend(strs(&[
        "--iters",
        "400",
        "--eval-every",
        "50",
        "--batch-size",
        "64",
        "--seed",
        "3",
        "--quiet",
    ]));
    v.extend([
        "--checkpoint-every".into(),
        checkpoint_every.to_string(),
        "--out".into(),
        out.display().to_string(),
    ]);
    if resume {
        v.push("--resume".into());
    }
    v
}

/// Uninterrupted reference run; returns (metrics.csv bytes, summary.json).
fn reference_run(cwd: &Path) -> (Vec<u8>, serde_json::Value) {
    reference_run_with(cwd, &crash_args(&cwd.join("reference"), 20, false))
}

fn reference_run_with(cwd: &Path, args: &[String]) -> (Vec<u8>, serde_json::Value) {
    let out = cwd.join("reference");
    let o = run_args(cwd, args);
    expect_ok(&o, "reference run");
    (
        read_bytes(&out.join("metrics.csv")),
        read_json(&out.join("summary.json")),
    )
}

fn spawn(cwd: &Path, args: &[String]) -> Child {
    cyclr_cmd(cwd, args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {BIN}: {e}"))
}

/// SIGKILL (`Child::kill` on Unix) and reap; returns a description of how it ended.
fn kill(mut child: Child) -> String {
    let _ = child.kill();
    let out = child.wait_with_output().expect("wait");
    let err = text(&out.stderr);
    assert!(
        !err.contains("panicked"),
        "a killed segment panicked: {err}"
    );
    match out.status.code() {
        Some(c) => format!("exited {c} before the kill"),
        None => "killed".into(),
    }
}

/// xorshift64*: deterministic pseudo-random delays.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

fn assert_same_result(dir: &Path, ref_metrics: &[u8], ref_summary: &serde_json::Value, log: &str) {
    let metrics = read_bytes(&dir.join("metrics.csv"));
    if metrics != ref_metrics {
        let a = text(ref_metrics);
        let b = text(&metrics);
        let first = a.lines().zip(b.lines()).position(|(x, y)| x != y).map_or(
            "(length differs)".to_string(),
            |i| {
                format!(
                    "first difference at line {i}:\n  reference: {}\n  resumed:   {}",
                    a.lines().nth(i).unwrap_or(""),
                    b.lines().nth(i).unwrap_or("")
                )
            },
        );
        panic!(
            "resumed metrics.csv differs from the reference ({} vs {} lines); {first}\nsegments:\n{log}",
            a.lines().count(),
            b.lines().count()
        );
    }
    let s = read_json(&dir.join("summary.json"));
    for k in [
        "final_test_accuracy",
        "final_test_loss",
        "best_test_accuracy",
        "iterations",
    ] {
        assert_eq!(
            s[k], ref_summary[k],
            "summary.json {k} differs\nsegments:\n{log}"
        );
    }
}

#[test]
fn sigkill_and_resume_is_bit_identical() {
    let tmp = tempdir();
    let (ref_metrics, ref_summary) = reference_run(tmp.path());
    assert_eq!(
        text(&ref_metrics).lines().count(),
        401,
        "reference metrics rows"
    );

    let dir = tmp.path().join("interrupted");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let kills = rng.range(4, 6) as usize;
    // Segment 1 (the first resume) writes a checkpoint after every iteration and is killed very
    // early, so the kill most likely lands inside a checkpoint write.
    let mut log = String::new();
    for seg in 0..kills {
        let every = if seg == 1 { 1 } else { 20 };
        let delay = match seg {
            1 => rng.range(50, 90),
            _ => rng.range(50, 400),
        };
        let child = spawn(tmp.path(), &crash_args(&dir, every, seg > 0));
        std::thread::sleep(Duration::from_millis(delay));
        let how = kill(child);
        let ck: Vec<u64> = checkpoints(&dir).iter().map(|c| c.0).collect();
        log += &format!(
            "  segment {seg}: --checkpoint-every {every}, killed after {delay} ms: {how}; checkpoints now {ck:?}; files {:?}\n",
            if dir.exists() {
                dir_names(&dir)
            } else {
                Vec::new()
            }
        );
    }
    // Temporary files the killed segments left behind (the final resume must remove them).
    let stale = if dir.exists() {
        tmp_files(&dir)
    } else {
        Vec::new()
    };
    let o = run_args(tmp.path(), &crash_args(&dir, 20, true));
    let (_, stderr) = expect_ok(&o, "final resume");
    log += &format!("  final resume: {}\n", stderr.trim());
    eprintln!("crash test segments:\n{log}");

    assert_same_result(&dir, &ref_metrics, &ref_summary, &log);
    let left = tmp_files(&dir);
    assert!(
        left.is_empty(),
        "temporary files {left:?} survive in {:?} (killed segments left {stale:?})\nsegments:\n{log}",
        dir_names(&dir)
    );
}

/// The learning-rate-free optimizers resume exactly too: schedule-free (whose checkpoints hold
/// x for the reader and y for the resume, with batch norm recomputed at x before each
/// evaluation) and Prodigy (its `d` and sums in the state, `d` in metrics.csv), killed during
/// runs that checkpoint every iteration or every 20, against one that checkpoints every 20.
#[test]
fn sigkill_and_resume_is_bit_identical_for_lr_free_optimizers() {
    for how in [
        &["--optimizer", "adamw-schedulefree", "--warmup-steps", "20"][..],
        &["--optimizer", "prodigy", "--policy", "sgdr", "--t0", "400"][..],
    ] {
        let tmp = tempdir();
        let reference = crash_args_with(&tmp.path().join("reference"), 20, false, how);
        let (ref_metrics, ref_summary) = reference_run_with(tmp.path(), &reference);
        let header = text(&ref_metrics).lines().next().unwrap_or("").to_string();
        assert_eq!(
            header.ends_with(",d,lr_d"),
            how[1] == "prodigy",
            "{how:?}: {header}"
        );
        let dir = tmp.path().join("interrupted");
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let mut log = String::new();
        for seg in 0..4 {
            let every = if seg == 1 { 1 } else { 20 };
            let delay = rng.range(60, 400);
            let child = spawn(tmp.path(), &crash_args_with(&dir, every, seg > 0, how));
            std::thread::sleep(Duration::from_millis(delay));
            let ended = kill(child);
            log += &format!("  segment {seg}: --checkpoint-every {every}, {delay} ms: {ended}\n");
        }
        let o = run_args(tmp.path(), &crash_args_with(&dir, 20, true, how));
        expect_ok(&o, "final resume");
        assert_same_result(&dir, &ref_metrics, &ref_summary, &format!("{how:?}\n{log}"));
    }
}

/// A checkpoint write interrupted by a crash leaves its hidden `.ckpt-*.cyclr.tmp` behind; a
/// later `--resume` that completes must not leave it there (deterministic version of the stale
/// file a SIGKILL during a `--checkpoint-every 1` segment leaves).
#[test]
fn resume_cleans_stale_checkpoint_temp_files() {
    let tmp = tempdir();
    let dir = tmp.path().join("run");
    std::fs::create_dir_all(&dir).unwrap();
    // What a SIGKILL between File::create and rename leaves: a partial hidden temp file.
    std::fs::write(
        dir.join(".ckpt-000000000137.cyclr.tmp"),
        b"CYCLRCKP\x01\0\0\0",
    )
    .unwrap();
    let o = run_args(tmp.path(), &crash_args(&dir, 20, true));
    expect_ok(&o, "resume");
    assert!(
        tmp_files(&dir).is_empty(),
        "temporary files left after a completed run: {:?}",
        dir_names(&dir)
    );
}

/// A kill can land after the run finished: `--resume` then finds the checkpoint of the last
/// iteration, trains nothing and must rewrite the same outputs.
#[test]
fn resume_of_a_finished_run_changes_nothing() {
    let tmp = tempdir();
    let (ref_metrics, ref_summary) = reference_run(tmp.path());
    let dir = tmp.path().join("reference");
    assert_eq!(checkpoints(&dir).first().map(|c| c.0), Some(400));
    // Finished with its outputs: said, nothing trained or rewritten.
    let summary = read_bytes(&dir.join("summary.json"));
    let o = run_args(tmp.path(), &crash_args(&dir, 20, true));
    let (_, stderr) = expect_ok(&o, "resume of a finished run");
    assert!(stderr.contains("is finished (400 iterations)"), "{stderr}");
    assert_eq!(read_bytes(&dir.join("summary.json")), summary);
    assert_same_result(&dir, &ref_metrics, &ref_summary, "resume after completion");
    // Killed after the last checkpoint but before its outputs: they are written, the same.
    std::fs::remove_file(dir.join("summary.json")).unwrap();
    let o = run_args(tmp.path(), &crash_args(&dir, 20, true));
    let (stdout, _) = expect_ok(&o, "resume of a run killed at its end");
    assert!(stdout.contains("final test accuracy"), "{stdout}");
    assert_same_result(&dir, &ref_metrics, &ref_summary, "resume after completion");
    let s = read_json(&dir.join("summary.json"));
    assert_eq!(s["resumed_from"].as_u64(), Some(400));
    assert!(tmp_files(&dir).is_empty(), "{:?}", dir_names(&dir));
}

#[test]
fn corrupt_newest_checkpoint_falls_back_to_previous() {
    let tmp = tempdir();
    let (ref_metrics, ref_summary) = reference_run(tmp.path());
    let dir = tmp.path().join("corrupt");
    let child = spawn(tmp.path(), &crash_args(&dir, 20, false));
    let start = Instant::now();
    // Kill once two checkpoints exist (if the run finishes first, its last two are used).
    let mut child = Some(child);
    while checkpoints(&dir).len() < 2 {
        if let Some(c) = child.as_mut()
            && c.try_wait().expect("try_wait").is_some()
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no two checkpoints after 60 s"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let how = kill(child.take().unwrap());
    let ck = checkpoints(&dir);
    assert!(ck.len() >= 2, "checkpoints: {ck:?} ({how})");
    let (newest, path) = ck[0].clone();
    let previous = ck[1].0;
    let mut bytes = read_bytes(&path);
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 16] {
        *b ^= 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();

    let o = run_args(tmp.path(), &crash_args(&dir, 20, true));
    expect_ok(&o, "resume past a corrupt checkpoint");
    let log = format!("killed: {how}; corrupted ckpt {newest}, previous {previous}");
    assert_same_result(&dir, &ref_metrics, &ref_summary, &log);
    let s = read_json(&dir.join("summary.json"));
    assert_eq!(
        s["resumed_from"].as_u64(),
        Some(previous),
        "must resume from the previous checkpoint ({log})"
    );
}

// ---------------------------------------------------------------------------------------------
// Divergence.
// ---------------------------------------------------------------------------------------------

#[test]
fn divergence_exits_1_with_advice_and_keeps_outputs() {
    let tmp = tempdir();
    let out = tmp.path().join("div");
    let args = strs(&[
        "train",
        "--dataset",
        "digits",
        "--model",
        "mlp",
        "--policy",
        "fixed",
        "--lr",
        "1e6",
        "--iters",
        "200",
        "--batch-size",
        "64",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let o = run_args(tmp.path(), &args);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "exit code; stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("diverged at iteration"), "{err}");
    assert!(err.contains("lr 1.0000e6"), "the lr is not named: {err}");
    assert!(
        err.to_lowercase().contains("lower the learning rate"),
        "no advice: {err}"
    );
    assert!(out.join("metrics.csv").is_file(), "metrics.csv missing");
    let s = read_json(&out.join("summary.json"));
    let d = &s["diverged"];
    assert!(d.is_object(), "summary.json diverged: {s}");
    let it = d["iteration"].as_u64().unwrap();
    let rows = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert_eq!(
        rows.lines().count() as u64,
        s["iterations"].as_u64().unwrap() + 1,
        "metrics.csv holds the iterations completed before the divergence"
    );
    assert!(s["iterations"].as_u64().unwrap() <= it + 1);
    assert!(
        err.contains(&format!("diverged at iteration {it}")),
        "{err}"
    );
}

/// A run that ends near chance is flagged: `did_not_learn` in summary.json, exit 1 with advice.
#[test]
fn a_run_that_did_not_learn_is_flagged() {
    let tmp = tempdir();
    let out = run_args(
        tmp.path(),
        &strs(&[
            "train",
            "--policy",
            "fixed",
            "--lr",
            "1e-30",
            "--iters",
            "2",
            "--eval-every",
            "2",
            "--seed",
            "0",
            "--out",
            "o",
            "--quiet",
        ]),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("did not learn: final test accuracy")
            && stderr.contains("chance is 10.00%"),
        "{stderr}"
    );
    let s = read_json(&tmp.path().join("o/summary.json"));
    assert!(
        s["did_not_learn"].as_str().unwrap().contains("13.33%"),
        "{s}"
    );
    // A run that learned has no such field.
    let out = run_args(
        tmp.path(),
        &strs(&[
            "train", "--policy", "fixed", "--lr", "0.05", "--iters", "60", "--out", "p", "--quiet",
        ]),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        read_json(&tmp.path().join("p/summary.json"))
            .get("did_not_learn")
            .is_none()
    );
}

/// metrics.csv grows while the run goes (one flushed row per iteration, `tail -f` works), and a
/// resumed run continues it without duplicating rows.
#[test]
fn metrics_csv_is_written_as_the_run_goes() {
    let tmp = tempdir();
    let args = strs(&[
        "train",
        "--policy",
        "fixed",
        "--lr",
        "0.05",
        "--iters",
        "20000",
        "--eval-every",
        "5000",
        "--checkpoint-every",
        "50",
        "--out",
        "o",
        "--quiet",
    ]);
    let mut child = spawn(tmp.path(), &args);
    let path = tmp.path().join("o/metrics.csv");
    let start = std::time::Instant::now();
    let mut rows = 0;
    while start.elapsed() < Duration::from_secs(60) {
        if let Ok(t) = std::fs::read_to_string(&path) {
            rows = t.lines().count().saturating_sub(1);
            if rows >= 200 {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before it could be watched"
    );
    assert!(rows >= 200, "metrics.csv did not grow: {rows} rows");
    kill(child);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("iteration,lr,momentum,train_loss,test_loss,test_accuracy\n"));
    for (i, line) in text
        .lines()
        .skip(1)
        .filter(|l| l.ends_with(',') || l.contains(','))
        .enumerate()
    {
        let it: u64 = line.split(',').next().unwrap().parse().unwrap_or(u64::MAX);
        // The last line may be torn by the kill; every other is the next iteration.
        if it != i as u64 {
            assert_eq!(i + 1, text.lines().count() - 1, "row {i}: {line}");
        }
    }
    // Resume (and stop it again soon): the file restarts from the checkpoint's rows, then grows.
    let mut resume = strs(&["train", "--resume", "--out", "o", "--quiet"]);
    resume.truncate(5);
    let child = spawn(tmp.path(), &resume);
    std::thread::sleep(Duration::from_millis(400));
    kill(child);
    let text = std::fs::read_to_string(&path).unwrap();
    let its: Vec<u64> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next()?.parse().ok())
        .collect();
    let n = its.len().saturating_sub(1); // the last line may be torn
    assert!(
        its[..n].iter().enumerate().all(|(i, &it)| it == i as u64),
        "duplicated or missing rows"
    );
}

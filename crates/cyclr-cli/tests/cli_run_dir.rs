//! What a user meets in the first hour with `cyclr train`, through the real binary: the printed
//! learning rate is the one trained, divergence is reported, a run directory remembers its
//! configuration (`--resume --out DIR` alone), an occupied `--out` is refused unless
//! `--overwrite`, flags given with `--resume` must agree, and Ctrl-C (SIGINT) saves and says how
//! to continue.
mod common;

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn run(cwd: &Path, args: &[&str]) -> Output {
    cyclr_in(cwd)
        .env("RAYON_NUM_THREADS", "2")
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(o: &Output, what: &str) -> (String, String) {
    let (so, se) = (text(&o.stdout), text(&o.stderr));
    assert!(o.status.success(), "{what}: {}\n{so}\n{se}", o.status);
    assert!(!se.contains("panicked"), "{what}: {se}");
    (so, se)
}

fn usage_error(o: &Output, what: &str, want: &[&str]) {
    let se = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{what}: {se}");
    assert!(se.starts_with("error: "), "{what}: {se}");
    for w in want {
        assert!(se.contains(w), "{what}: stderr lacks {w:?}: {se}");
    }
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn lrs(p: &Path) -> Vec<f64> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn lr_auto_keeps_given_bounds_and_prints_what_is_trained() {
    let tmp = tempdir();
    let o = run(
        tmp.path(),
        &[
            "train",
            "--policy",
            "one-cycle",
            "--lr",
            "auto",
            "--max-lr",
            "0.1",
            "--iters",
            "50",
            "--quiet",
            "--out",
            "a",
        ],
    );
    let (_, se) = ok(&o, "one-cycle --lr auto --max-lr 0.1");
    let line = se
        .lines()
        .find(|l| l.starts_with("--lr auto: --"))
        .unwrap_or_else(|| panic!("{se}"));
    assert!(line.contains("--max-lr = 1.0000e-1 (given)"), "{line}");
    let peak = lrs(&tmp.path().join("a/metrics.csv"))
        .into_iter()
        .fold(0.0, f64::max);
    assert!((peak - 0.1).abs() < 1e-12, "trained peak {peak}");
    // The record says what ran and where the rates came from.
    let s = json(&tmp.path().join("a/summary.json"));
    assert_eq!(s["schedule"]["policy"], "one-cycle");
    assert_eq!(s["schedule"]["max_lr"], 0.1);
    assert!(
        s["lr_origin"]["rates"]["rule"]
            .as_str()
            .unwrap()
            .contains("calibrated")
    );

    // triangular with a given base: max from the range test's ratio, both printed.
    let o = run(
        tmp.path(),
        &[
            "train",
            "--policy",
            "triangular",
            "--lr",
            "auto",
            "--base-lr",
            "0.0001",
            "--iters",
            "40",
            "--quiet",
            "--out",
            "b",
        ],
    );
    let (_, se) = ok(&o, "triangular --lr auto --base-lr");
    assert!(se.contains("--base-lr = 1.0000e-4 (given)"), "{se}");
    assert!(
        se.contains("--max-lr = 4.0000e-4 (given --base-lr x 4.0000"),
        "{se}"
    );
    let lr = lrs(&tmp.path().join("b/metrics.csv"));
    assert_eq!(lr[0], 1e-4);
    assert!(lr.iter().all(|&x| x <= 4e-4 * (1.0 + 1e-12)));
}

#[test]
fn a_diverging_run_exits_1_and_says_so() {
    let tmp = tempdir();
    let o = run(
        tmp.path(),
        &[
            "train", "--policy", "fixed", "--lr", "50", "--iters", "100", "--quiet", "--out", "d",
        ],
    );
    let se = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{se}");
    assert!(se.contains("diverged at iteration"), "{se}");
    assert!(se.contains("Lower the learning rate"), "{se}");
    let s = json(&tmp.path().join("d/summary.json"));
    assert!(s["diverged"].is_object(), "{s}");
}

#[test]
fn a_run_directory_remembers_its_configuration() {
    let tmp = tempdir();
    let args = [
        "train",
        "--policy",
        "triangular2",
        "--lr",
        "auto",
        "--iters",
        "60",
        "--eval-every",
        "20",
        "--quiet",
        "--out",
        "r",
    ];
    ok(&run(tmp.path(), &args), "first run");
    let dir = tmp.path().join("r");
    let metrics = std::fs::read(dir.join("metrics.csv")).unwrap();
    let record = json(&dir.join("run.json"));
    assert_eq!(record["config"]["iters"], 60);
    assert_eq!(record["dataset"], "digits");

    // The same command again: refused, nothing changed.
    usage_error(
        &run(tmp.path(), &args),
        "occupied --out",
        &["--resume --out r", "--overwrite"],
    );
    assert_eq!(std::fs::read(dir.join("metrics.csv")).unwrap(), metrics);

    // --resume --out alone: no flags retyped, no new range test; the run is finished, which is
    // said, and its outputs are left as they were.
    let summary = std::fs::read(dir.join("summary.json")).unwrap();
    let (_, se) = ok(
        &run(tmp.path(), &["train", "--resume", "--out", "r", "--quiet"]),
        "resume",
    );
    assert!(
        se.contains("the run in r is finished (60 iterations)"),
        "{se}"
    );
    assert!(!se.contains("range test"), "the range test ran again: {se}");
    assert_eq!(std::fs::read(dir.join("metrics.csv")).unwrap(), metrics);
    assert_eq!(std::fs::read(dir.join("summary.json")).unwrap(), summary);

    // Flags given with --resume must agree.
    usage_error(
        &run(
            tmp.path(),
            &["train", "--resume", "--out", "r", "--iters", "99"],
        ),
        "--iters disagrees",
        &["--iters 99", "60"],
    );
    usage_error(
        &run(
            tmp.path(),
            &["train", "--resume", "--out", "r", "--policy", "fixed"],
        ),
        "--policy disagrees",
        &["--policy fixed", "triangular2"],
    );
    usage_error(
        &run(
            tmp.path(),
            &["train", "--resume", "--out", "r", "--max-lr", "5"],
        ),
        "--max-lr disagrees",
        &["--max-lr 5"],
    );
    // Nothing to resume.
    usage_error(
        &run(tmp.path(), &["train", "--resume", "--out", "empty"]),
        "resume nothing",
        &["no run to resume", "--iters"],
    );

    // --overwrite replaces the run (its files only).
    std::fs::write(dir.join("notes.txt"), b"mine").unwrap();
    let o = run(
        tmp.path(),
        &[
            "train",
            "--policy",
            "fixed",
            "--lr",
            "0.05",
            "--iters",
            "30",
            "--quiet",
            "--out",
            "r",
            "--overwrite",
        ],
    );
    ok(&o, "--overwrite");
    assert_eq!(json(&dir.join("run.json"))["config"]["iters"], 30);
    assert!(
        !dir.join("range_test.csv").exists(),
        "the old run's range test survived"
    );
    assert_eq!(std::fs::read(dir.join("notes.txt")).unwrap(), b"mine");
    assert_eq!(
        std::fs::read_to_string(dir.join("metrics.csv"))
            .unwrap()
            .lines()
            .count(),
        31
    );
}

#[test]
fn ctrl_c_saves_and_says_how_to_continue() {
    let tmp = tempdir();
    let args = [
        "train",
        "--dataset",
        "digits",
        "--model",
        "mlp",
        "--policy",
        "fixed",
        "--lr",
        "0.02",
        "--iters",
        "3000",
        "--eval-every",
        "500",
        "--checkpoint-every",
        "1000",
        "--quiet",
        "--out",
        "c",
    ];
    let child = cyclr_in(tmp.path())
        .env("RAYON_NUM_THREADS", "2")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until training has started (run.json is written just before), then a bit more.
    let start = Instant::now();
    while !tmp.path().join("c/run.json").exists() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let o = child.wait_with_output().unwrap();
    let se = text(&o.stderr);
    if o.status.success() {
        // The run finished before the signal (a very fast machine): nothing to check.
        return;
    }
    assert_eq!(o.status.code(), Some(130), "{se}");
    assert!(se.contains("cyclr train --resume --out c"), "{se}");
    let dir = tmp.path().join("c");
    let s = json(&dir.join("summary.json"));
    assert_eq!(s["interrupted"], true, "{s}");
    let done = s["iterations"].as_u64().unwrap();
    assert!(done > 0 && done < 3000, "{done}");
    assert_eq!(
        std::fs::read_to_string(dir.join("metrics.csv"))
            .unwrap()
            .lines()
            .count() as u64,
        done + 1
    );
    // A checkpoint of the interrupted iteration, so nothing is lost.
    assert!(
        dir.join(format!("ckpt-{done:012}.cyclr")).exists(),
        "no checkpoint at {done}: {:?}",
        dir_names(&dir)
    );
    // And it continues exactly: same metrics as an uninterrupted run.
    let o = run(tmp.path(), &["train", "--resume", "--out", "c", "--quiet"]);
    let (_, se) = ok(&o, "resume after Ctrl-C");
    assert!(
        se.contains(&format!("resuming at iteration {done}")),
        "{se}"
    );
    let mut args2: Vec<&str> = args.to_vec();
    let n = args2.len();
    args2[n - 1] = "ref";
    ok(&run(tmp.path(), &args2), "reference");
    assert!(
        std::fs::read(dir.join("metrics.csv")).unwrap()
            == std::fs::read(tmp.path().join("ref/metrics.csv")).unwrap(),
        "the interrupted and resumed run differs from an uninterrupted one"
    );
}

/// Records that travel (#18 item 11): the README's iris-style command works as written (the
/// default batch size fitted to 120 rows, and said), the label mapping and the data are printed
/// and recorded in run.json with an absolute path, so `--resume` works from another directory;
/// a class with one sample warns.
#[test]
fn own_csv_data_is_recorded_so_a_run_resumes_from_anywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let mut csv = iris_like_csv();
    csv += "0.5,0.5,0.5,0.5,rare\n";
    std::fs::create_dir(d.join("data")).unwrap();
    std::fs::write(d.join("data/iris.csv"), csv).unwrap();
    let out = cyclr_in(d)
        .args([
            "train",
            "--dataset",
            "csv:data/iris.csv#species",
            "--model",
            "mlp",
            "--policy",
            "one-cycle",
            "--max-lr",
            "0.1",
            "--iters",
            "40",
            "--out",
            "runs/iris",
            "--quiet",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "--batch-size 32 (the default 128 is more than the 120 training samples of iris.csv)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "classes (label = name): 0 = rare, 1 = setosa, 2 = versicolor, 3 = virginica"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: class 0 (rare) has 1 sample in iris.csv"),
        "{stderr}"
    );
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("runs/iris/run.json")).unwrap())
            .unwrap();
    let path = run["dataset"].as_str().unwrap();
    assert!(
        path.starts_with("csv:/") && path.ends_with("data/iris.csv#species"),
        "{run}"
    );
    assert_eq!(run["data"]["classes"][1], "setosa");
    assert_eq!(run["data"]["shape"], serde_json::json!([1, 1, 4]));
    // Resume from elsewhere: a finished run is found and left as it is.
    std::fs::create_dir(d.join("elsewhere")).unwrap();
    let out = cyclr_in(&d.join("elsewhere"))
        .args(["train", "--resume", "--out", "../runs/iris", "--quiet"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A newest checkpoint that cannot be used is not skipped in silence: the warning names the file
/// and why, and the run resumes from the older one (#27 item 7).
#[test]
fn a_corrupt_newest_checkpoint_is_named_when_skipped() {
    let tmp = tempdir();
    let args = [
        "train",
        "--dataset",
        "digits",
        "--policy",
        "fixed",
        "--lr",
        "0.05",
        "--iters",
        "40",
        "--eval-every",
        "20",
        "--quiet",
        "--out",
        "r",
    ];
    ok(&run(tmp.path(), &args), "first run");
    let dir = tmp.path().join("r");
    let newest = dir.join("ckpt-000000000040.cyclr");
    let mut bytes = std::fs::read(&newest).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&newest, bytes).unwrap();
    // As after a crash before the end: the run is not finished.
    std::fs::remove_file(dir.join("summary.json")).unwrap();
    let (_, se) = ok(
        &run(tmp.path(), &["train", "--resume", "--out", "r", "--quiet"]),
        "resume past a corrupt checkpoint",
    );
    assert!(
        se.contains("warning: skipped") && se.contains("ckpt-000000000040.cyclr"),
        "{se}"
    );
    assert!(se.contains("resuming at iteration 20"), "{se}");
}

/// A length far beyond the data is said before anything runs (#27 item 7): here 4e9 iterations
/// of digits (11 per epoch). The 2-point range test then gives no rates, so nothing trains.
#[test]
fn a_run_far_longer_than_the_data_is_warned_about() {
    let tmp = tempdir();
    let o = run(
        tmp.path(),
        &[
            "train",
            "--dataset",
            "digits",
            "--iters",
            "4000000000",
            "--lr",
            "auto",
            "--range-iters",
            "2",
            "--quiet",
            "--out",
            "r",
        ],
    );
    let se = text(&o.stderr);
    assert!(
        se.contains("warning: --iters 4000000000")
            && se.contains("epochs of the 1437 training samples"),
        "{se}"
    );
    assert!(!se.contains("panicked"), "{se}");
}

/// `find --out` does not silently replace another run's files (#27 item 1): a train run or the
/// range test of another setup is refused (exit 2, naming what it holds) unless --overwrite; the
/// same range test again replaces its own files. The demo replaces only an earlier demo's folder.
#[test]
fn find_and_demo_refuse_another_runs_folder() {
    let tmp = tempdir();
    let train = [
        "train",
        "--dataset",
        "digits",
        "--policy",
        "fixed",
        "--lr",
        "0.05",
        "--iters",
        "20",
        "--eval-every",
        "10",
        "--quiet",
        "--out",
        "r1",
    ];
    ok(&run(tmp.path(), &train), "train");
    let summary = std::fs::read(tmp.path().join("r1/summary.json")).unwrap();
    let find = |out: &str, model: &str, extra: &[&str]| {
        let mut args = vec![
            "find",
            "--dataset",
            "digits",
            "--model",
            model,
            "--iters",
            "30",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        run(tmp.path(), &args)
    };
    usage_error(
        &find("r1", "lenet", &[]),
        "find into a train run",
        &["--out r1 holds a fixed run of 20 iterations", "--overwrite"],
    );
    assert_eq!(
        std::fs::read(tmp.path().join("r1/summary.json")).unwrap(),
        summary
    );
    assert!(!tmp.path().join("r1/range_test.json").exists());
    ok(&find("f", "mlp", &[]), "first find");
    let record = json(&tmp.path().join("f/range_test.json"));
    assert_eq!(record["net"]["kind"], "mlp");
    ok(&find("f", "mlp", &[]), "the same find again");
    // Known once the data is loaded: exit 2, after the data's lines.
    let o = find("f", "lenet", &[]);
    let se = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{se}");
    for w in [
        "error: --out f holds the range test of digits / mlp / sgd",
        "lenet",
        "--overwrite",
    ] {
        assert!(
            se.contains(w),
            "a find of another model: {w:?} missing: {se}"
        );
    }
    ok(&find("f", "lenet", &["--overwrite"]), "find --overwrite");
    assert_eq!(
        json(&tmp.path().join("f/range_test.json"))["net"]["kind"],
        "lenet"
    );

    std::fs::create_dir_all(tmp.path().join("d")).unwrap();
    std::fs::write(tmp.path().join("d/notes.txt"), b"mine").unwrap();
    let demo = |out: &str| {
        run(
            tmp.path(),
            &["demo", "--iters", "20", "--quiet", "--out", out],
        )
    };
    usage_error(
        &demo("d"),
        "demo into a folder of one's own",
        &["--out d holds", "notes.txt"],
    );
    assert_eq!(
        std::fs::read(tmp.path().join("d/notes.txt")).unwrap(),
        b"mine"
    );
    ok(&demo("e"), "demo");
    ok(&demo("e"), "the demo again into its own folder");
}

/// `train --lr-from DIR` trains with the rates of a range test saved in DIR by `find` or by
/// `train --lr auto`, recorded as such in run.json, without running it again; a test of another
/// setup is refused naming the first difference (#27 item 5).
#[test]
fn lr_from_reuses_a_saved_range_test_of_the_same_setup() {
    let tmp = tempdir();
    ok(
        &run(tmp.path(), &["find", "--dataset", "digits", "--out", "f"]),
        "find",
    );
    let train = |from: &str, out: &str, extra: &[&str]| {
        let mut args = vec![
            "train",
            "--dataset",
            "digits",
            "--policy",
            "one-cycle",
            "--iters",
            "20",
            "--eval-every",
            "10",
            "--quiet",
            "--lr-from",
            from,
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        run(tmp.path(), &args)
    };
    let (_, se) = ok(&train("f", "t", &[]), "train --lr-from a find");
    assert!(
        se.contains("--lr-from f: the range test of digits / mlp / sgd"),
        "{se}"
    );
    assert!(
        !se.contains("running the LR range test"),
        "the test ran again: {se}"
    );
    let record = json(&tmp.path().join("t/run.json"));
    let origin = &record["config"]["lr_origin"];
    assert!(origin["from"].as_str().unwrap().ends_with("/f"), "{origin}");
    let picks = json(&tmp.path().join("f/suggestions.json"));
    assert_eq!(
        record["config"]["schedule"]["max_lr"],
        picks["one_cycle_max_lr"]
    );
    // A train --lr auto run's directory serves too.
    ok(&train("t", "t2", &[]), "train --lr-from a train run");
    let again = json(&tmp.path().join("t2/run.json"));
    assert_eq!(
        again["config"]["schedule"]["max_lr"],
        picks["one_cycle_max_lr"]
    );
    // Another network: refused, naming what differs.
    let o = train("f", "t3", &["--model", "lenet"]);
    let se = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{se}");
    assert!(
        se.contains("--lr-from f") && se.contains("net.kind"),
        "{se}"
    );
    assert!(!tmp.path().join("t3/run.json").exists());
    // Another sweep (a warm-up before it): refused, naming it.
    let o = train("f", "t5", &["--range-sweep-warmup", "10"]);
    let se = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{se}");
    assert!(
        se.contains("--lr-from f") && se.contains("warmup_it"),
        "{se}"
    );
    // No saved test there.
    usage_error(
        &train("nowhere", "t4", &[]),
        "--lr-from a folder without one",
        &["--lr-from nowhere", "range_test.json"],
    );
}

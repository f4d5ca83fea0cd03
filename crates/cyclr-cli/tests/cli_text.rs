//! A GPT on text from the command line (#28): `train --dataset text:FILE --model gpt` with
//! nanoGPT's recipe writes the text figures; `--resume` continues it; `sample` generates from it
//! (nanoGPT's sample.py flags); bad bytes and prompts exit 2 naming them.
mod common;

use common::*;

/// The first 20,000 characters of the embedded tinyshakespeare, as a user's file.
fn write_text(dir: &std::path::Path) {
    let text = cyclr_data::shakespeare_text().unwrap();
    let piece: String = text.chars().take(20_000).collect();
    std::fs::write(dir.join("plays.txt"), piece).unwrap();
}

/// The tiny GPT every test here trains: its shape, batch and optimizer.
const TINY_GPT: &[&str] = &[
    "--model",
    "gpt",
    "--layers",
    "2",
    "--heads",
    "2",
    "--width",
    "32",
    "--context",
    "16",
    "--batch-size",
    "16",
    "--optimizer",
    "adamw",
];

/// `find` on the tiny GPT, a short sweep.
fn find_tiny() -> Vec<&'static str> {
    [&["find"], TINY_GPT, &["--iters", "40"]].concat()
}

/// `find` on the tiny GPT over plays.txt in `d` with `extra` flags into `out`, which must
/// succeed: its stderr and its `range_test.csv`.
fn find_plays(d: &std::path::Path, extra: &[&str], out: &str) -> (String, String) {
    let mut args = find_tiny();
    args.extend(["--dataset", "text:plays.txt", "--out", out]);
    args.extend(extra);
    let o = run_in(d, &args);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{err}");
    let csv = std::fs::read_to_string(d.join(out).join("range_test.csv")).unwrap();
    (err, csv)
}

/// `train` of the tiny GPT on plays.txt with nanoGPT's recipe, 0.01, into `run`.
fn train_args() -> Vec<&'static str> {
    [
        &["train", "--dataset", "text:plays.txt"],
        TINY_GPT,
        &[
            "--betas",
            "0.9,0.99",
            "--weight-decay",
            "0.1",
            "--grad-clip",
            "1",
            "--policy",
            "nanogpt-cosine",
            "--lr",
            "0.01",
            "--warmup-iters",
            "5",
            "--eval-every",
            "20",
            "--out",
            "run",
            "--quiet",
        ],
    ]
    .concat()
}

#[test]
fn train_a_gpt_on_a_text_file_resume_it_and_sample_from_it() {
    let tmp = tempdir();
    let d = tmp.path();
    write_text(d);
    // A whole run, then a resume of the finished run (it trains nothing).
    let mut args: Vec<&str> = train_args();
    args.extend(["--iters", "200", "--format", "json"]);
    let o = run_in(d, &args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("0.03M parameters by nanoGPT's count"), "{err}");
    assert!(
        err.contains("weight decay 0.1 on the matrices and embeddings only"),
        "{err}"
    );
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let loss = s["final_test_loss"].as_f64().unwrap();
    let bpc = s["final_test_bits_per_char"].as_f64().unwrap();
    assert!((bpc - loss / std::f64::consts::LN_2).abs() < 1e-9, "{s}");
    assert!(s["best_test_loss"].as_f64().unwrap() <= loss, "{s}");
    assert!(s["chars_per_s"].as_f64().unwrap() > 0.0, "{s}");
    assert!(loss < 3.3, "it learned something: {loss}");
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("run/run.json")).unwrap()).unwrap();
    assert_eq!(rec["config"]["model"], "gpt");
    assert_eq!(rec["config"]["gpt"]["width"], 32);
    assert_eq!(rec["config"]["grad_clip"], 1.0);
    assert_eq!(rec["config"]["optimizer"]["decay_vectors"], false);
    let o = run_in(d, &["train", "--resume", "--out", "run"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is finished"));
    // Samples: the prompt, then --tokens characters of the corpus's alphabet; the same seed
    // gives the same text.
    let sample = |seed: &str| {
        run_ok_in(
            d,
            &[
                "sample", "--run", "run", "--prompt", "ROMEO:", "--tokens", "40", "--seed", seed,
            ],
        )
    };
    let a = sample("1");
    assert!(a.starts_with("ROMEO:"), "{a}");
    assert_eq!(a.trim_end_matches('\n').chars().count(), 6 + 40, "{a:?}");
    assert_eq!(a, sample("1"));
    assert_ne!(a, sample("2"));
    let two = run_ok_in(
        d,
        &["sample", "--run", "run", "--tokens", "10", "--samples", "2"],
    );
    assert_eq!(two.matches("---------------").count(), 1, "{two}");
    // A prompt character the corpus lacks.
    let o = run_in(d, &["sample", "--run", "run", "--prompt", "né"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("'é'") && err.contains("vocabulary"), "{err}");
    // An image run is not a gpt run.
    let o = run_in(
        d,
        &[
            "train", "--policy", "fixed", "--lr", "0.1", "--iters", "5", "--out", "img", "--quiet",
        ],
    );
    assert!(o.status.success());
    let o = run_in(d, &["sample", "--run", "img"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("a mlp run"));
}

/// Bytes that are not UTF-8 (Latin-1): exit 2 naming the file, the offset and the fix; nothing
/// written.
#[test]
fn a_text_file_that_is_not_utf8_is_refused() {
    let tmp = tempdir();
    let d = tmp.path();
    let mut bytes = b"To be, or not to be: that is the question. ".repeat(10);
    bytes[13] = 0xE9;
    std::fs::write(d.join("latin1.txt"), &bytes).unwrap();
    let o = run_in(
        d,
        &[
            "train",
            "--dataset",
            "text:latin1.txt",
            "--policy",
            "fixed",
            "--lr",
            "0.001",
            "--iters",
            "5",
            "--out",
            "out",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("latin1.txt") && err.contains("byte offset 13") && err.contains("UTF-8"),
        "{err}"
    );
    assert!(!d.join("out").exists());
}

/// `--lr auto` on text (#28 item 6, the mechanics): the range test runs first on the training
/// text with the run's clipping, its files are written, the rate it fills is recorded in
/// run.json, and the command says where the rule is measured on transformers.
#[test]
fn lr_auto_runs_a_range_test_on_text() {
    let tmp = tempdir();
    let d = tmp.path();
    write_text(d);
    let mut args: Vec<&str> = train_args().into_iter().filter(|a| *a != "0.01").collect();
    let at = args.iter().position(|a| *a == "--lr").unwrap();
    args.insert(at + 1, "auto");
    args.extend(["--iters", "40"]);
    let o = run_in(d, &args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("--lr auto: running the LR range test first"),
        "{err}"
    );
    // From scratch: the transformer's reading, chosen from the model and said so, with the
    // window's centre for contrast and what BENCHMARKS.md §13 found.
    assert!(
        err.contains("a transformer trained from scratch (the model is a GPT)")
            && err.contains(
                "read at the window's minimum, not its centre (which gives a one-cycle peak of "
            )
            && err.contains("BENCHMARKS.md §13"),
        "{err}"
    );
    for f in [
        "range_test.csv",
        "suggestions.json",
        "range_test.png",
        "run.json",
    ] {
        assert!(d.join("run").join(f).exists(), "{f}");
    }
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("run/run.json")).unwrap()).unwrap();
    let lr = rec["config"]["schedule"]["lr"].as_f64().unwrap();
    let origin = &rec["config"]["lr_origin"];
    assert!(lr > 0.0 && origin["rates"]["rule"].is_string(), "{rec}");
    let rule = origin["rates"]["rule"].as_str().unwrap();
    assert!(
        rule.contains("for a transformer trained from scratch"),
        "{rule}"
    );
    let sug: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("run/suggestions.json")).unwrap())
            .unwrap();
    assert_eq!(sug["rule"].as_str(), Some(rule), "{sug}");
}

/// `find` on text: the GPT's range test with fastai's suggestions and cyclr's rates, its files,
/// its record naming the GPT's shape (a find of another shape in the same folder is refused), and
/// the note that says where the rule is measured on transformers.
#[test]
fn find_runs_the_range_test_of_a_gpt_on_a_text_file() {
    let tmp = tempdir();
    let d = tmp.path();
    write_text(d);
    let args = [
        "find",
        "--dataset",
        "text:plays.txt",
        "--layers",
        "2",
        "--heads",
        "2",
        "--width",
        "32",
        "--context",
        "16",
        "--batch-size",
        "8",
        "--optimizer",
        "adamw",
        "--grad-clip",
        "1",
        "--out",
        "rt",
    ];
    let o = run_in(d, &args);
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("gpt on plays.txt") && err.contains("BENCHMARKS.md §13"),
        "{err}"
    );
    assert!(
        out.contains("valley:") && out.contains("one-cycle:"),
        "{out}"
    );
    for f in [
        "range_test.csv",
        "suggestions.json",
        "range_test.png",
        "range_test.json",
    ] {
        assert!(d.join("rt").join(f).exists(), "{f}");
    }
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("rt/range_test.json")).unwrap())
            .unwrap();
    assert_eq!(rec["gpt"]["width"], 32);
    assert_eq!(rec["net"]["kind"], "gpt");
    let mut other: Vec<&str> = args.to_vec();
    let w = other.iter().position(|a| *a == "32").unwrap();
    other[w] = "16";
    let o = run_in(d, &other);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--overwrite"));
    // Its rates train a run of the same setup (--lr-from), and not one of another width.
    let train = |width: &str, out: &str| {
        run_in(
            d,
            &[
                "train",
                "--dataset",
                "text:plays.txt",
                "--layers",
                "2",
                "--heads",
                "2",
                "--width",
                width,
                "--context",
                "16",
                "--batch-size",
                "8",
                "--optimizer",
                "adamw",
                "--grad-clip",
                "1",
                "--policy",
                "nanogpt-cosine",
                "--lr-from",
                "rt",
                "--iters",
                "20",
                "--out",
                out,
                "--quiet",
            ],
        )
    };
    // (A 20-step run may end without learning, exit 1: what matters is where its rates came from.)
    let o = train("32", "same");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not run again"), "{err}");
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("same/run.json")).unwrap()).unwrap();
    let from = rec["config"]["lr_origin"]["from"]
        .as_str()
        .unwrap_or_default();
    assert!(from.ends_with("rt"), "{rec}");
    let o = train("16", "other");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("gpt.width: 16 here, 32 there"), "{err}");
    // The loss is the only metric on text.
    let o = run_in(
        d,
        &[
            "find",
            "--dataset",
            "text:plays.txt",
            "--metric",
            "accuracy",
            "--out",
            "acc",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--metric accuracy"));
}

/// A small experiment on text: a grid over nanogpt-cosine's rate (the baseline), one-cycle from
/// the range test, two budgets.
const TEXT_EXPERIMENT: &str = r#"
name = "plays"
dataset = "text:plays.txt"
model = "gpt"
batch_size = 8
iters = 30
eval_every = 15
seeds = [0]
grad_clip = 1.0
budgets = [0.5, 1.0]
baseline = "cosine-grid"
[gpt]
layers = 1
heads = 2
width = 16
context = 16
[optimizer]
kind = "adamw"
beta2 = 0.99
weight_decay = 0.1
[range_test]
iters = 40
[[run]]
name = "cosine-grid"
schedule = { policy = "nanogpt-cosine", warmup_iters = 3 }
grid = { lr = [0.003, 0.03] }
[[run]]
name = "one-cycle-auto"
auto_lr = true
schedule = { policy = "one-cycle" }
"#;

/// `compare` on text (#28 items 4 and 6): every figure is the test loss in nats per character,
/// lower is better — the grid picks its point by the lowest validation loss (on the contiguous
/// tail of the training text), the head-to-head and budgets read the loss, the tables and CSVs
/// say so.
#[test]
fn compare_on_text_scores_by_the_loss_lower_is_better() {
    let tmp = tempdir();
    let d = tmp.path();
    write_text(d);
    std::fs::write(d.join("plays.toml"), TEXT_EXPERIMENT).unwrap();
    let o = run_in(
        d,
        &[
            "compare",
            "--config",
            "plays.toml",
            "--out",
            "c",
            "--quiet",
            "--jobs",
            "2",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c = d.join("c");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(c.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["metric"], "loss");
    let runs = results["runs"].as_array().unwrap();
    let full: Vec<&serde_json::Value> = runs.iter().filter(|r| r["budget"] == 1.0).collect();
    for r in &full {
        assert_eq!(r["final_test"], r["final_test_loss"], "{r}");
        assert_eq!(r["val"], r["val_loss"], "{r}");
        assert!(r["chars_per_s"].as_f64().unwrap() > 0.0, "{r}");
    }
    // The grid's pick at the full budget: the point with the lowest validation loss.
    let points: Vec<&&serde_json::Value> = full
        .iter()
        .filter(|r| r["name"].as_str().unwrap().starts_with("cosine-grid_at_"))
        .collect();
    assert_eq!(points.len(), 2);
    let best = points
        .iter()
        .min_by(|a, b| {
            a["val"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["val"].as_f64().unwrap())
        })
        .unwrap();
    let h = results["head_to_head"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["budget"] == 1.0)
        .unwrap();
    assert_eq!(h["metric"], "loss");
    let grid = h["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "cosine-grid")
        .unwrap();
    assert_eq!(grid["choice"]["run"], best["name"]);
    assert_eq!(grid["test_mean"], best["final_test_loss"]);
    // The baseline's target is its pick's final loss; a budget reaches it at or below it.
    assert_eq!(results["baseline"], best["name"]);
    assert_eq!(results["baseline_final"], best["final_test_loss"]);
    let b = &results["budgets"];
    assert_eq!(b["metric"], "loss");
    for row in b["rows"].as_array().unwrap() {
        let reach = b["reach"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["policy"] == row["policy"])
            .unwrap();
        let reached = row["final_mean"].as_f64().unwrap() <= b["target"].as_f64().unwrap();
        let smallest = reach["smallest_budget"].as_f64();
        if reached {
            assert!(
                smallest.unwrap() <= row["budget"].as_f64().unwrap(),
                "{row} {reach}"
            );
        } else if let Some(s) = smallest {
            assert_ne!(s, row["budget"].as_f64().unwrap(), "{row} {reach}");
        }
    }
    // The validation split is the tail of the training text: 10% of 18,000 characters.
    let outcome: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(c.join("runs/one-cycle-auto-b1-seed0/outcome.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(outcome["val_images"], 1799);
    assert_eq!(outcome["config"]["gpt"]["width"], 16);
    assert_eq!(outcome["config"]["grad_clip"], 1.0);
    assert!(c.join("range_test-adamw/result.json").exists());
    let table = std::fs::read_to_string(c.join("table.md")).unwrap();
    for want in [
        "final test loss, nats",
        "val. loss, nats",
        "vs cosine-grid: loss, compute",
        "nats (cosine-grid",
        "Validation split: 10% of the training set held out (the contiguous tail",
        "grids pick their point by mean validation loss",
        "at most the baseline",
    ] {
        assert!(table.contains(want), "{want:?} not in\n{table}");
    }
    assert!(!table.contains("acc. %"), "{table}");
    let header = |f: &str| {
        std::fs::read_to_string(c.join(f))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    assert!(header("table.csv").contains("final_loss_mean"));
    assert!(header("budgets.csv").contains("final_loss_mean"));
    assert!(header("contest.csv").contains("test_loss_mean"));
    assert!(header("contest.csv").contains("gap_to_reference_nats"));
    for f in [
        "comparison.png",
        "contest.png",
        "budgets.png",
        "report.html",
    ] {
        assert!(c.join(f).exists(), "{f}");
    }
}

/// An experiment whose model and data do not go together exits 2 naming the key.
#[test]
fn compare_refuses_a_gpt_without_text_and_text_without_a_gpt() {
    let tmp = tempdir();
    let d = tmp.path();
    write_text(d);
    for (from, to, want) in [
        (
            "dataset = \"text:plays.txt\"",
            "dataset = \"digits\"",
            "model = \"gpt\" trains on text",
        ),
        (
            "model = \"gpt\"",
            "model = \"mlp\"",
            "is text: model = \"gpt\" trains on it",
        ),
        ("grad_clip = 1.0", "grad_clip = -1.0", "grad_clip = -1"),
        (
            "width = 16",
            "width = 15",
            "[gpt]: width 15 is not a multiple of heads 2",
        ),
    ] {
        let toml = TEXT_EXPERIMENT.replace(from, to);
        assert_ne!(toml, TEXT_EXPERIMENT, "{from}");
        std::fs::write(d.join("bad.toml"), toml).unwrap();
        let o = run_in(
            d,
            &["compare", "--config", "bad.toml", "--out", "c", "--quiet"],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{from}: {err}");
        assert!(err.contains(want), "{from}: want {want:?} in {err}");
    }
}

/// `--init DIR` (fine-tuning, issue #29): a run on another text starts from a pretrained run,
/// says how the vocabularies map, and records the folder; `find` runs its range test from the
/// pretrained model too; another shape or a model other than gpt exits 2 naming why.
#[test]
fn init_starts_a_run_from_a_pretrained_gpt() {
    let tmp = tempdir();
    let d = tmp.path();
    write_text(d);
    let text = cyclr_data::shakespeare_text().unwrap();
    let other: String = text.chars().skip(300_000).take(20_000).collect::<String>() + "\n€";
    std::fs::write(d.join("other.txt"), other).unwrap();
    let mut args: Vec<&str> = train_args();
    let at = args.iter().position(|a| *a == "run").unwrap();
    args[at] = "pre";
    args.extend(["--iters", "30"]);
    let o = run_in(d, &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Fine-tune on the other text.
    let tune = |extra: &[&str]| {
        let mut args: Vec<&str> = train_args();
        let data = args.iter().position(|a| *a == "text:plays.txt").unwrap();
        args[data] = "text:other.txt";
        let out = args.iter().position(|a| *a == "run").unwrap();
        args[out] = "ft";
        args.extend(["--iters", "20", "--init", "pre"]);
        args.extend(extra);
        run_in(d, &args)
    };
    let o = tune(&[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("init: ") && err.contains("new with fresh rows: ") && err.contains("'€'"),
        "{err}"
    );
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("ft/run.json")).unwrap()).unwrap();
    let init = run["config"]["init"].as_str().unwrap();
    assert!(
        std::path::Path::new(init).is_absolute() && init.ends_with("pre"),
        "{init}"
    );
    // Its samples come from its own checkpoint, even with the pretrained run gone.
    std::fs::rename(d.join("pre"), d.join("pre-moved")).unwrap();
    let o = run_in(d, &["sample", "--run", "ft", "--tokens", "20"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::rename(d.join("pre-moved"), d.join("pre")).unwrap();
    // Another shape, another model: exit 2, naming why.
    let o = tune(&["--bias", "true", "--overwrite"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--bias false there, true here"), "{err}");
    let o = run_in(
        d,
        &[
            "train",
            "--dataset",
            "digits",
            "--iters",
            "5",
            "--init",
            "pre",
            "--out",
            "m",
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--init pre: fine-tuning starts --model gpt"),
        "{err}"
    );
    // The range test of the fine-tuning run starts from the pretrained model.
    let o = run_in(
        d,
        &[
            find_tiny().as_slice(),
            &[
                "--dataset",
                "text:other.txt",
                "--grad-clip",
                "1",
                "--init",
                "pre",
                "--out",
                "f",
            ],
        ]
        .concat(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("init: "), "{err}");
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("f/range_test.json")).unwrap())
            .unwrap();
    assert!(rec["init"].as_str().unwrap().ends_with("pre"), "{rec}");
}

/// `--layer-lr-decay F` (issue #29 item 4) trains the GPT with discriminative rates and records
/// them; bad uses exit 2 naming the flag.
#[test]
fn layer_lr_decay_from_the_command_line() {
    let tmp = tempdir();
    let d = tmp.path();
    write_text(d);
    let mut args: Vec<&str> = train_args();
    args.extend([
        "--iters",
        "150",
        "--layer-lr-decay",
        "0.385",
        "--layer-lr-tied",
        "bottom",
    ]);
    let o = run_in(d, &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("run/run.json")).unwrap()).unwrap();
    assert_eq!(run["config"]["layer_lr_decay"]["factor"], 0.385);
    assert_eq!(run["config"]["layer_lr_decay"]["tied"], "bottom");
    let refused = |args: &[&str], want: &str| {
        let o = run_in(d, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: want {want:?} in {err}");
    };
    let mut zero: Vec<&str> = train_args();
    zero.extend(["--iters", "5", "--layer-lr-decay", "0", "--overwrite"]);
    refused(&zero, "must be in (0, 1]");
    let mut tied: Vec<&str> = train_args();
    tied.extend(["--iters", "5", "--layer-lr-tied", "top", "--overwrite"]);
    refused(&tied, "--layer-lr-tied applies with --layer-lr-decay");
    let mut middle: Vec<&str> = train_args();
    middle.extend([
        "--iters",
        "5",
        "--layer-lr-decay",
        "0.5",
        "--layer-lr-tied",
        "middle",
    ]);
    refused(&middle, "[possible values: top, bottom]");
    refused(
        &[
            "train",
            "--dataset",
            "digits",
            "--iters",
            "5",
            "--layer-lr-decay",
            "0.5",
            "--out",
            "m",
        ],
        "not mlp",
    );
    refused(
        &[
            "train",
            "--dataset",
            "text:plays.txt",
            "--model",
            "gpt",
            "--iters",
            "5",
            "--optimizer",
            "adamw-schedulefree",
            "--layer-lr-decay",
            "0.5",
            "--out",
            "s",
        ],
        "takes one learning rate",
    );
    // The range test applies the decay as the run does: its record says so, and its curve
    // differs from the same test without it.
    let plain = find_plays(d, &[], "f0").1;
    let decayed = find_plays(d, &["--layer-lr-decay", "0.25"], "f1").1;
    assert_ne!(plain, decayed);
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("f1/range_test.json")).unwrap())
            .unwrap();
    assert_eq!(rec["layer_lr_decay"]["factor"], 0.25);
    refused(
        &[
            "find",
            "--dataset",
            "text:plays.txt",
            "--optimizer",
            "adamw-schedulefree",
            "--layer-lr-decay",
            "0.5",
            "--out",
            "f2",
        ],
        "takes one learning rate",
    );
}

/// `find --metric val-loss` on text (#29): the GPT's sweep records the loss on the training
/// text's held-out tail; its files say so, its curve differs from the training-loss sweep's.
#[test]
fn find_on_text_by_validation_loss() {
    let tmp = tempdir();
    let d = tmp.path();
    write_text(d);
    let (_, by_train) = find_plays(d, &[], "t");
    let (err, by_val) = find_plays(d, &["--metric", "val-loss"], "v");
    assert!(
        err.contains("val_loss") && err.contains("recorded the held-out loss"),
        "{err}"
    );
    assert_ne!(by_train, by_val);
    let sug: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("v/suggestions.json")).unwrap())
            .unwrap();
    assert_eq!(sug["metric"], "val_loss", "{sug}");
    let rec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("v/range_test.json")).unwrap())
            .unwrap();
    assert_eq!(rec["sweep"]["metric"], "val_loss", "{rec}");
}

//! `cyclr suggest` through the real binary: the fastai golden range-test curves, JSON and text
//! output, `--method`, `--plot`, and `--accuracy` (Smith's accuracy method).
mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

const METHODS: [&str; 4] = ["valley", "steep", "minimum", "slide"];

struct Golden {
    name: String,
    csv: PathBuf,
    recorded_points: u64,
    suggestions: serde_json::Map<String, Value>,
}

fn goldens() -> Vec<Golden> {
    let dir = golden_dir().join("suggest");
    let path = dir.join("expected.json");
    let m: Value = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())),
    )
    .expect("expected.json");
    let cases: Vec<Golden> = m["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            let name = c["name"].as_str().expect("name").to_string();
            Golden {
                csv: dir.join(format!("{name}.csv")),
                name,
                recorded_points: c["recorded_points"].as_u64().expect("recorded_points"),
                suggestions: c["suggestions"].as_object().expect("suggestions").clone(),
            }
        })
        .collect();
    assert!(cases.len() >= 4, "only {} golden curves", cases.len());
    cases
}

/// ln of the largest ratio between consecutive learning rates of the curve (one sweep step).
fn ln_step(csv: &Path) -> f64 {
    let t = read_csv(csv);
    let col = t.header.iter().position(|h| h == "lr").expect("lr column");
    t.rows
        .windows(2)
        .map(|w| (w[1][col] / w[0][col]).ln())
        .fold(0.0, f64::max)
}

fn suggest_json(args: &[&str]) -> serde_json::Map<String, Value> {
    let out = run_ok(args);
    let v: Value = serde_json::from_str(out.trim())
        .unwrap_or_else(|e| panic!("{args:?}: stdout is not one JSON value: {e}\n{out}"));
    v.as_object()
        .unwrap_or_else(|| panic!("{args:?}: not a JSON object: {out}"))
        .clone()
}

#[test]
fn golden_curves_give_fastais_suggestions_within_one_sweep_step() {
    let mut errs = Vec::new();
    for g in goldens() {
        let input = g.csv.to_str().expect("utf-8 path");
        let obj = suggest_json(&["suggest", "--input", input, "--format", "json"]);
        for key in [
            "valley",
            "steep",
            "minimum",
            "slide",
            "recorded_points",
            "stop_reason",
            "base_lr",
            "max_lr",
        ] {
            assert!(obj.contains_key(key), "{}: no key {key:?}", g.name);
        }
        if obj["recorded_points"].as_u64() != Some(g.recorded_points) {
            errs.push(format!(
                "{}: recorded_points {}, fastai {}",
                g.name, obj["recorded_points"], g.recorded_points
            ));
        }
        assert!(
            obj["stop_reason"].as_str().is_some_and(|s| !s.is_empty()),
            "{}: stop_reason {}",
            g.name,
            obj["stop_reason"]
        );
        let tol = ln_step(&g.csv) + 1e-9;
        for m in METHODS {
            let want = g.suggestions[m].as_f64().expect("expected suggestion");
            match obj[m].as_f64() {
                Some(ours) if ours > 0.0 && (ours / want).ln().abs() <= tol => {}
                _ => errs.push(format!(
                    "{}: {m} = {}, fastai {want} (tolerance: one sweep step, ln {tol:.4})",
                    g.name, obj[m]
                )),
            }
        }
        let base = obj["base_lr"].as_f64().expect("base_lr");
        let max = obj["max_lr"].as_f64().expect("max_lr");
        assert!(
            base > 0.0 && base < max,
            "{}: CLR bounds {base} .. {max}",
            g.name
        );
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

/// `{:.4e}` as `cyclr suggest` prints suggestions in text form.
fn sci4(x: f64) -> String {
    format!("{x:.4e}")
}

#[test]
fn text_output_lists_every_suggestion_and_the_bounds() {
    for g in goldens() {
        let input = g.csv.to_str().unwrap();
        let obj = suggest_json(&["suggest", "--input", input, "--format", "json"]);
        let text = run_ok(&["suggest", "--input", input]);
        // The default format is text.
        assert_eq!(
            text,
            run_ok(&["suggest", "--input", input, "--format", "text"])
        );
        assert!(
            serde_json::from_str::<Value>(&text).is_err(),
            "text output is JSON"
        );
        for m in METHODS {
            let v = sci4(obj[m].as_f64().unwrap());
            let line = text
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{m}:")))
                .unwrap_or_else(|| panic!("{}: no {m} line in\n{text}", g.name));
            assert!(line.contains(&v), "{}: {m} line {line:?} lacks {v}", g.name);
        }
        assert!(
            text.contains(&obj["recorded_points"].to_string()),
            "{}: {text}",
            g.name
        );
        assert!(
            text.contains(obj["stop_reason"].as_str().unwrap()),
            "{}: {text}",
            g.name
        );
        for b in ["base_lr", "max_lr"] {
            let v = sci4(obj[b].as_f64().unwrap());
            assert!(text.contains(&v), "{}: text lacks {b} {v}:\n{text}", g.name);
        }
    }
}

#[test]
fn method_keeps_one_suggestion() {
    let g = &goldens()[0];
    let input = g.csv.to_str().unwrap();
    let all = suggest_json(&["suggest", "--input", input, "--format", "json"]);
    for m in METHODS {
        let one = suggest_json(&[
            "suggest", "--input", input, "--method", m, "--format", "json",
        ]);
        for k in METHODS {
            assert!(one.contains_key(k), "--method {m}: key {k} dropped");
            if k == m {
                assert_eq!(one[k], all[k], "--method {m}: value changed");
                assert!(one[k].is_number());
            } else {
                assert!(one[k].is_null(), "--method {m}: {k} = {}", one[k]);
            }
        }
        for k in ["recorded_points", "stop_reason", "base_lr", "max_lr"] {
            assert_eq!(one[k], all[k], "--method {m}: {k} changed");
        }
        // Text: only that suggestion's line.
        let text = run_ok(&["suggest", "--input", input, "--method", m]);
        for k in METHODS {
            let has = text
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{k}:")));
            assert_eq!(has, k == m, "--method {m}: {k} line shown={has}\n{text}");
        }
    }
    let explicit = suggest_json(&[
        "suggest", "--input", input, "--method", "all", "--format", "json",
    ]);
    assert_eq!(explicit, all);
}

#[test]
fn plot_writes_a_png_and_an_svg() {
    let tmp = tempdir();
    let g = &goldens()[1];
    let input = g.csv.to_str().unwrap();
    let plain = run_ok(&["suggest", "--input", input, "--format", "json"]);
    let out = run_ok_in(
        tmp.path(),
        &[
            "suggest", "--input", input, "--format", "json", "--plot", "rt.png",
        ],
    );
    assert_eq!(out, plain, "--plot changed the suggestions");
    let png = std::fs::read(tmp.path().join("rt.png")).expect("rt.png written");
    assert!(is_png(&png) && png.len() > 100);
    run_ok_in(
        tmp.path(),
        &["suggest", "--input", input, "--plot", "sub/rt.svg"],
    );
    assert!(is_svg(
        &std::fs::read(tmp.path().join("sub/rt.svg")).unwrap()
    ));
    assert_eq!(dir_names(tmp.path()), ["rt.png", "sub"]);
    assert_eq!(dir_names(&tmp.path().join("sub")), ["rt.svg"]);
}

/// A synthetic accuracy range test: exponential sweep 1e-5 .. 10, accuracy a bell in log lr
/// peaking at lr = 1e-2 (0.9), 0.1 at both ends.
fn accuracy_curve(dir: &Path, with_loss: bool) -> PathBuf {
    let n = 100;
    let mut s = String::from(if with_loss {
        "iteration,lr,loss,accuracy\n"
    } else {
        "iteration,lr,accuracy\n"
    });
    for i in 0..n {
        let lr = 1e-5 * 10f64.powf(6.0 * i as f64 / (n - 1) as f64);
        let acc = 0.1 + 0.8 * (-(lr.log10() + 2.0).powi(2)).exp();
        if with_loss {
            // A loss that only falls: on its own it would suggest much larger lrs.
            let loss = 2.3 - 0.01 * i as f64;
            s.push_str(&format!("{i},{lr:?},{loss:?},{acc:?}\n"));
        } else {
            s.push_str(&format!("{i},{lr:?},{acc:?}\n"));
        }
    }
    let path = dir.join(if with_loss { "both.csv" } else { "acc.csv" });
    std::fs::write(&path, s).unwrap();
    path
}

#[test]
fn accuracy_mode_reads_the_bounds_off_the_accuracy_peak() {
    let tmp = tempdir();
    for with_loss in [false, true] {
        let path = accuracy_curve(tmp.path(), with_loss);
        let input = path.to_str().unwrap();
        // beta 0.5: little EMA lag, so the smoothed peak stays at the true one.
        let obj = suggest_json(&[
            "suggest",
            "--input",
            input,
            "--accuracy",
            "--beta",
            "0.5",
            "--format",
            "json",
        ]);
        assert_eq!(obj["metric"], "accuracy", "{obj:?}");
        let max = obj["max_lr"].as_f64().expect("max_lr");
        let base = obj["base_lr"].as_f64().expect("base_lr");
        assert!(
            (max / 1e-2).ln().abs() <= 1.5f64.ln(),
            "max_lr {max}: the accuracy peaks at 1e-2"
        );
        assert!(
            base > 1e-5 && base < max / 2.0,
            "base_lr {base} (max_lr {max})"
        );
        let stop = obj["stop_reason"].as_str().unwrap();
        assert!(stop.contains("accuracy"), "stop_reason {stop:?}");
        for m in METHODS {
            assert!(obj.contains_key(m), "no {m}");
        }
        // Text and plot in accuracy mode.
        let text = run_ok(&["suggest", "--input", input, "--accuracy", "--beta", "0.5"]);
        assert!(text.contains(&sci4(max)), "{text}");
        run_ok_in(
            tmp.path(),
            &[
                "suggest",
                "--input",
                input,
                "--accuracy",
                "--plot",
                "acc.png",
            ],
        );
        assert!(is_png(&std::fs::read(tmp.path().join("acc.png")).unwrap()));
    }
    // The same file read as a loss curve is a different analysis (and the loss column is used).
    let both = tmp.path().join("both.csv");
    let loss = suggest_json(&[
        "suggest",
        "--input",
        both.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_ne!(loss["metric"], "accuracy");
}

/// A reader that has gone away before the results are printed (`cyclr suggest ... | head -0`)
/// is not an error and never a panic (`println!` would panic on the broken pipe).
#[test]
fn closed_stdout_is_not_a_panic() {
    let curve = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../cyclr/tests/fixtures/golden/suggest/curve_00.csv"
    );
    for format in ["text", "json"] {
        let mut child = cyclr_in(Path::new(env!("CARGO_MANIFEST_DIR")))
            .args(["suggest", "--input", curve, "--format", format])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn cyclr");
        drop(child.stdout.take()); // close the read end before cyclr writes
        let out = child.wait_with_output().expect("wait for cyclr");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{format}: {stderr}");
        assert!(out.status.success(), "{format}: {:?} {stderr}", out.status);
    }
}

/// The learning rates of a calibrated sweep (1e-6 -> 10 in 280 points).
fn sweep_lrs() -> Vec<f64> {
    (0..280)
        .map(|i| 1e-6 * 10f64.powf(i as f64 * 7.0 / 279.0))
        .collect()
}

fn write_curve(dir: &Path, name: &str, sep: char, header: &str, rows: &[String]) -> PathBuf {
    let p = dir.join(name);
    let mut t = header.replace(',', &sep.to_string());
    t.push('\n');
    for r in rows {
        t.push_str(&r.replace(',', &sep.to_string()));
        t.push('\n');
    }
    std::fs::write(&p, t).unwrap();
    p
}

/// Input people have: stdin (`--input -`), TSV, a named column (W&B's `train/loss`), and the
/// printed `column:` line saying which column was used.
#[test]
fn stdin_tsv_and_a_named_column() {
    let tmp = tempdir();
    let golden = golden_dir().join("suggest/curve_00.csv");
    let from_file = run_ok(&["suggest", "--input", golden.to_str().unwrap()]);
    let mut child = cyclr_in(tmp.path())
        .args(["suggest", "--input", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(&std::fs::read(&golden).unwrap()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        from_file,
        "stdin differs from the file"
    );

    // A W&B-style TSV: the loss column is named by --column; the same numbers as a CSV of lr,loss.
    let lrs = sweep_lrs();
    let loss = |i: usize| 2.3 - (i as f64 / 90.0).sin();
    let tsv_rows: Vec<String> = lrs
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{i},{l},{},9", loss(i)))
        .collect();
    let tsv = write_curve(
        tmp.path(),
        "run.tsv",
        '\t',
        "step,lr,train/loss,other",
        &tsv_rows,
    );
    let csv_rows: Vec<String> = lrs
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{l},{}", loss(i)))
        .collect();
    let csv = write_curve(tmp.path(), "plain.csv", ',', "lr,loss", &csv_rows);
    let a = suggest_json(&[
        "suggest",
        "--input",
        tsv.to_str().unwrap(),
        "--column",
        "train/loss",
        "--format",
        "json",
    ]);
    let b = suggest_json(&[
        "suggest",
        "--input",
        csv.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(a["column"], "train/loss");
    for k in ["valley", "max_lr", "one_cycle_max_lr", "fixed_lr"] {
        assert_eq!(a[k], b[k], "{k}");
    }
    let text = run_ok(&[
        "suggest",
        "--input",
        tsv.to_str().unwrap(),
        "--column",
        "train/loss",
    ]);
    assert!(text.starts_with("column: train/loss\n"), "{text}");
    // A column that is not there: exit 2, the columns that are.
    let o = run_in(
        tmp.path(),
        &["suggest", "--input", "run.tsv", "--column", "val/loss"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("val/loss") && err.contains("train/loss"),
        "{err}"
    );
}

/// Degenerate curves get no confident numbers: a flat loss gives no learning rates and says to
/// raise the end LR; a loss still falling at the end warns that the rates may be too low; a
/// sweep whose LR decreases is refused (exit 2) without naming flags `suggest` lacks.
#[test]
fn degenerate_curves_give_warnings_not_bounds() {
    let tmp = tempdir();
    let lrs = sweep_lrs();
    let rows = |f: &dyn Fn(usize) -> f64, lrs: &[f64]| -> Vec<String> {
        lrs.iter()
            .enumerate()
            .map(|(i, l)| format!("{l},{}", f(i)))
            .collect()
    };
    let flat = write_curve(
        tmp.path(),
        "flat.csv",
        ',',
        "lr,loss",
        &rows(&|_| 2.3, &lrs),
    );
    let j = suggest_json(&[
        "suggest",
        "--input",
        flat.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        j["max_lr"].is_null() && j["base_lr"].is_null() && j["fixed_lr"].is_null(),
        "{j:?}"
    );
    let note = j["bounds_note"].as_str().unwrap();
    assert!(
        note.contains("never fell") && note.contains("raise the end learning rate"),
        "{note}"
    );
    let text = run_ok(&["suggest", "--input", flat.to_str().unwrap()]);
    assert!(text.contains("learning rates: none"), "{text}");
    assert!(!text.contains("stops falling"), "{text}");

    let falling = write_curve(
        tmp.path(),
        "falling.csv",
        ',',
        "lr,loss",
        &rows(&|i| 2.3 - 0.005 * i as f64, &lrs),
    );
    let j = suggest_json(&[
        "suggest",
        "--input",
        falling.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let warnings = j["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("raise the end learning rate")),
        "{warnings:?}"
    );

    let mut rev = lrs.clone();
    rev.reverse();
    let _ = write_curve(
        tmp.path(),
        "down.csv",
        ',',
        "lr,loss",
        &rows(&|_| 2.3, &rev),
    );
    let o = run_in(tmp.path(), &["suggest", "--input", "down.csv"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("down.csv") && err.contains("increase"),
        "{err}"
    );
    assert!(!err.contains("--end-lr"), "{err}");
}

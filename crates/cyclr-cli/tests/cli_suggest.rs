//! `cyclr suggest` through the real binary: the fastai golden range-test curves, JSON and text
//! output, `--method`, `--plot`, and `--accuracy` (Smith's accuracy method); Lightning's and
//! torch-lr-finder's golden recordings; the files other tools write (JSON, whitespace text,
//! `lr-*` and named lr columns, rows in any order, NaN gaps, negative losses).
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

/// The plot draws the libraries' picks the text shows and each `--mark`; a bad mark, or a mark
/// with no plot to draw it on, exits 2 naming it and writes nothing.
#[test]
fn plot_marks_the_libraries_picks_and_given_rates() {
    let tmp = tempdir();
    let g = &goldens()[1];
    let input = g.csv.to_str().unwrap();
    let svg = |name: &str, extra: &[&str]| {
        let mut args = vec!["suggest", "--input", input, "--plot", name];
        args.extend_from_slice(extra);
        run_ok_in(tmp.path(), &args);
        String::from_utf8(std::fs::read(tmp.path().join(name)).unwrap()).unwrap()
    };
    let all = svg(
        "all.svg",
        &["--mark", "grid best=1e-3", "--mark", "a=b=2e-2"],
    );
    for label in [
        "lightning pick",
        "torch-lr-finder pick",
        "grid best: ",
        "a=b: ",
    ] {
        assert!(all.contains(label), "{label:?} not drawn");
    }
    let valley = svg("valley.svg", &["--method", "valley"]);
    assert!(
        !valley.contains(" pick: "),
        "--method valley drew a library's pick"
    );
    let lightning = svg("lightning.svg", &["--method", "lightning"]);
    assert!(lightning.contains("lightning pick") && !lightning.contains("torch-lr-finder pick"));
    for (mark, why) in [
        ("1e-3", "no `=`"),
        ("=1e-3", "the label is empty"),
        ("x=fast", "the rate is not a number"),
        ("x=-1", "finite and > 0"),
        ("x=inf", "finite and > 0"),
    ] {
        let out = run_in(
            tmp.path(),
            &[
                "suggest", "--input", input, "--plot", "bad.svg", "--mark", mark,
            ],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--mark {mark}: {err}");
        assert!(
            err.contains(&format!("--mark {mark:?}")) && err.contains(why),
            "{err}"
        );
    }
    let out = run_in(
        tmp.path(),
        &["suggest", "--input", input, "--mark", "x=1e-3"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --plot FILE too"));
    assert_eq!(
        dir_names(tmp.path()),
        ["all.svg", "lightning.svg", "valley.svg"]
    );
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
fn accuracy_mode_reads_the_rates_off_the_error_rate_window() {
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
        // The error rate 1 - acc has done 80% of its fall 0.47 decades below the peak (1e-2) and
        // is half back 0.83 decades above it: the window's centre is 10^-1.82 (cyclr's rule, no
        // EMA, so --beta changes nothing here).
        let centre = 10f64.powf(-1.82);
        assert!(
            (max / centre).ln().abs() <= 1.3f64.ln(),
            "max_lr {max}: the window's centre is {centre}"
        );
        assert!(
            (base * 4.0 / max - 1.0).abs() < 1e-9,
            "base_lr {base} (max_lr {max})"
        );
        assert!(
            obj["rule"]
                .as_str()
                .unwrap()
                .contains("error rate 1 − accuracy"),
            "{obj:?}"
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

/// `--architecture transformer` (issue #29): the same window, the rates read at its minimum
/// (the reading `find` and `--lr auto` give a `--model gpt` sweep), said in the rule; a model
/// name that is not one exits 2 naming the valid ones.
#[test]
fn a_transformers_curve_is_read_at_the_windows_minimum() {
    let tmp = tempdir();
    // Flat at 4.2, a fall to 2.2 at 1e-3, a slow climb past it.
    let rows: Vec<String> = sweep_lrs()
        .iter()
        .map(|&lr| {
            let x = lr.log10();
            let l = if x < -5.0 {
                4.2
            } else if x < -3.0 {
                4.2 - (x + 5.0)
            } else {
                2.2 + 0.5 * (x + 3.0).powi(2)
            };
            format!("{lr},{l}")
        })
        .collect();
    let csv = write_curve(tmp.path(), "u.csv", ',', "lr,loss", &rows);
    let input = csv.to_str().unwrap();
    let any = suggest_json(&["suggest", "--input", input, "--format", "json"]);
    let tr = suggest_json(&[
        "suggest",
        "--input",
        input,
        "--architecture",
        "transformer",
        "--format",
        "json",
    ]);
    let peak = |m: &serde_json::Map<String, Value>| m["one_cycle_max_lr"].as_f64().unwrap();
    // The minimum's rate ~1e-3 (peak √2 × it); the window's centre ~3e-3.
    assert!(
        (peak(&tr) / (std::f64::consts::SQRT_2 * 1e-3))
            .log10()
            .abs()
            < 0.15,
        "{tr:?}"
    );
    assert!(
        (peak(&any) / (std::f64::consts::SQRT_2 * 3.2e-3))
            .log10()
            .abs()
            < 0.15,
        "{any:?}"
    );
    let rule = tr["rule"].as_str().unwrap();
    assert!(
        rule.contains("for a transformer trained from scratch"),
        "{rule}"
    );
    assert!(!any["rule"].as_str().unwrap().contains("transformer"));
    // fastai's suggestions do not depend on it.
    for m in METHODS {
        assert_eq!(tr[m], any[m], "{m}");
    }
    let o = run(&["suggest", "--input", input, "--architecture", "cnn"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cnn") && err.contains("any") && err.contains("transformer"),
        "{err}"
    );
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
/// raise the end LR; a loss still falling at the end gets provisional rates, said so; a
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
    // A flat curve carries no information: everything is printed, every pick marked as
    // meaningless, and the command fails (exit 1) since no finder has anything to say (#27).
    let o = run(&[
        "suggest",
        "--input",
        flat.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let j: Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert!(
        j["max_lr"].is_null() && j["base_lr"].is_null() && j["fixed_lr"].is_null(),
        "{j:?}"
    );
    assert!(
        j["no_information"].as_str().unwrap().contains("flat"),
        "{j:?}"
    );
    let note = j["bounds_note"].as_str().unwrap();
    assert!(
        note.contains("never fell") && note.contains("raise the end learning rate"),
        "{note}"
    );
    let o = run(&["suggest", "--input", flat.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let (text, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(text.contains("learning rates: none"), "{text}");
    assert!(!text.contains("stops falling"), "{text}");
    for line in text.lines().filter(|l| {
        l.trim_start().starts_with("lightning:") || l.trim_start().starts_with("torch-lr-finder:")
    }) {
        assert!(line.contains("[meaningless here]"), "{line}");
    }
    assert!(text.contains("no information: the curve is flat"), "{text}");
    assert!(
        err.contains("no finder has a learning rate to suggest"),
        "{err}"
    );
    // Every loss NaN: the same.
    let nan = write_curve(
        tmp.path(),
        "nan.csv",
        ',',
        "lr,loss",
        &rows(&|_| f64::NAN, &lrs),
    );
    let o = run(&["suggest", "--input", nan.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("has no finite value"), "{text}");

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
    // Never rising (#27 item 2): no climb is claimed, the rates are provisional, from the knee.
    let warnings = j["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|w| {
            let w = w.as_str().unwrap();
            w.starts_with("the loss never rose: no upper end was seen")
                && w.contains("extend the sweep")
        }),
        "{warnings:?}"
    );
    let rule = j["rule"].as_str().unwrap();
    assert!(
        rule.contains("provisional") && !rule.contains("climbed back 50% of it at"),
        "{rule}"
    );
    assert!(
        j["one_cycle_max_lr"].as_f64().unwrap() <= *lrs.last().unwrap(),
        "{j:?}"
    );

    // A sweep written from its last row to its first is read in lr order, and says so.
    let mut rev = lrs.clone();
    rev.reverse();
    let _ = write_curve(
        tmp.path(),
        "down.csv",
        ',',
        "lr,loss",
        &rows(&|i| 2.3 - 0.005 * (279 - i) as f64, &rev),
    );
    let j = suggest_json(&[
        "suggest",
        "--input",
        tmp.path().join("down.csv").to_str().unwrap(),
        "--format",
        "json",
    ]);
    let f = suggest_json(&[
        "suggest",
        "--input",
        falling.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(j["valley"], f["valley"]);
    assert!(
        j["notes"][0].as_str().unwrap().contains("sorted by lr"),
        "{:?}",
        j["notes"]
    );
}

// --- PyTorch Lightning 2.6.6 and torch-lr-finder 0.2.2 (golden/finders/expected.json) ---

/// One library's recording of one golden curve.
struct FinderGolden {
    curve: String,
    key: &'static str,
    method: &'static str,
    lrs: Vec<f64>,
    smoothed: Vec<f64>,
    recorded: u64,
    suggestion: f64,
    index: u64,
}

fn finder_goldens() -> Vec<FinderGolden> {
    let path = golden_dir().join("finders/expected.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let floats = |v: &Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let mut out = Vec::new();
    for (curve, libs) in v["curves"].as_object().unwrap() {
        for (key, method) in [
            ("lightning", "lightning"),
            ("torch_lr_finder", "torch-lr-finder"),
        ] {
            let e = &libs[key];
            out.push(FinderGolden {
                curve: curve.clone(),
                key,
                method,
                lrs: floats(&e["lrs"]),
                smoothed: floats(&e["smoothed"]),
                recorded: e["recorded"].as_u64().unwrap(),
                suggestion: e["suggestion"].as_f64().unwrap(),
                index: e["suggestion_index"].as_u64().unwrap(),
            });
        }
    }
    assert_eq!(out.len(), 8);
    out
}

/// The raw `loss` column of a golden curve.
fn golden_losses(curve: &str) -> Vec<f64> {
    let t = read_csv(&golden_dir().join("suggest").join(curve));
    let col = t.header.iter().position(|h| h == "loss").unwrap();
    t.rows.iter().map(|r| r[col]).collect()
}

/// `suggest --method lightning|torch-lr-finder` on a file of the library's own lrs with the raw
/// losses of the points it recorded: the library's recorded count, suggestion and its index,
/// exactly (the golden README's second use).
#[test]
fn lightning_and_torch_lr_finder_suggest_what_the_libraries_suggest() {
    let tmp = tempdir();
    for g in finder_goldens() {
        let raw = golden_losses(&g.curve);
        let rows: Vec<String> = g
            .lrs
            .iter()
            .zip(&raw)
            .map(|(l, x)| format!("{l:?},{x:?}"))
            .collect();
        let f = write_curve(
            tmp.path(),
            &format!("{}_{}.csv", g.key, g.curve),
            ',',
            "lr,loss",
            &rows,
        );
        let input = f.to_str().unwrap();
        let at = format!("{} {}", g.curve, g.method);
        let obj = suggest_json(&[
            "suggest", "--input", input, "--method", g.method, "--format", "json",
        ]);
        assert_eq!(
            obj[g.key].as_f64(),
            Some(g.suggestion),
            "{at}: {}",
            obj[g.key]
        );
        let run = &obj["finders"][g.key];
        assert_eq!(
            run["recorded_points"].as_u64(),
            Some(g.recorded),
            "{at}: {run}"
        );
        assert_eq!(
            run["suggestion_index"].as_u64(),
            Some(g.index),
            "{at}: {run}"
        );
        assert_eq!(run["suggestion"], obj[g.key], "{at}");
        for k in METHODS.into_iter().chain(["lightning", "torch_lr_finder"]) {
            if k != g.key {
                assert!(
                    obj[k].is_null(),
                    "{at}: --method {}: {k} = {}",
                    g.method,
                    obj[k]
                );
            }
        }
        // --method all: fastai's four and both libraries'.
        let all = suggest_json(&["suggest", "--input", input, "--format", "json"]);
        assert_eq!(all[g.key], obj[g.key], "{at}");
        for k in METHODS.into_iter().chain(["lightning", "torch_lr_finder"]) {
            assert!(all[k].is_number(), "{at}: --method all: {k} = {}", all[k]);
        }
        // Text: the library's line alone, with the suggestion as printed.
        let text = run_ok(&["suggest", "--input", input, "--method", g.method]);
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{}:", g.method)))
            .unwrap_or_else(|| panic!("{at}: no {} line in\n{text}", g.method));
        assert!(line.contains(&sci4(g.suggestion)), "{at}: {line}");
        assert!(
            line.contains(&format!("{} points recorded", g.recorded)),
            "{at}: {line}"
        );
        for m in METHODS {
            assert!(
                !text
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{m}:"))),
                "{at}: {m} shown\n{text}"
            );
        }
    }
}

/// Lightning's `lr_finder.results` and torch-lr-finder's `history` written with `json.dump`:
/// `{"lr": [...], "loss": [...]}` holding the library's *smoothed* loss. `--smoothed` reads it
/// as it is and gives the library's own suggestion; without it, a note says it is read as raw and
/// when to give --smoothed.
#[test]
fn json_results_of_the_libraries() {
    let tmp = tempdir();
    for g in finder_goldens() {
        let json = serde_json::json!({"lr": g.lrs, "loss": g.smoothed});
        let p = tmp.path().join(format!("{}_{}.json", g.key, g.curve));
        std::fs::write(&p, serde_json::to_string(&json).unwrap()).unwrap();
        let input = p.to_str().unwrap();
        let obj = suggest_json(&[
            "suggest",
            "--input",
            input,
            "--smoothed",
            "--method",
            g.method,
            "--format",
            "json",
        ]);
        assert_eq!(
            obj[g.key].as_f64(),
            Some(g.suggestion),
            "{} {}",
            g.curve,
            g.method
        );
        assert_eq!(
            obj["finders"][g.key]["suggestion_index"].as_u64(),
            Some(g.index)
        );
        assert_eq!(obj["format"], "JSON");
        assert!(obj["notes"][0].as_str().unwrap().contains("--smoothed"));
        let again = suggest_json(&["suggest", "--input", input, "--format", "json"]);
        assert!(
            again["notes"].as_array().unwrap().iter().any(|n| {
                let n = n.as_str().unwrap();
                // A hand-written JSON of raw losses is not said to be "smoothed again"
                // (#27 item 6): the note says what is done, and when to give --smoothed.
                n.contains("read as raw and smoothed here")
                    && n.contains("give --smoothed")
                    && !n.contains("smoothed again")
            }),
            "{:?}",
            again["notes"]
        );
    }
}

/// A JSON file of raw losses (Python's `NaN` allowed) gives what the same CSV gives.
#[test]
fn json_columns_read_like_csv() {
    let tmp = tempdir();
    let csv = golden_dir().join("suggest/curve_01.csv");
    let t = read_csv(&csv);
    let col = |n: &str| t.header.iter().position(|h| h == n).unwrap();
    let (lr, loss) = (col("lr"), col("loss"));
    let lrs: Vec<String> = t.rows.iter().map(|r| format!("{:?}", r[lr])).collect();
    let mut losses: Vec<String> = t.rows.iter().map(|r| format!("{:?}", r[loss])).collect();
    let text = format!(
        "{{\"lr\": [{}], \"loss\": [{}]}}",
        lrs.join(", "),
        losses.join(", ")
    );
    std::fs::write(tmp.path().join("h.json"), &text).unwrap();
    let a = suggest_json(&[
        "suggest",
        "--input",
        tmp.path().join("h.json").to_str().unwrap(),
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
    for k in [
        "valley",
        "steep",
        "minimum",
        "slide",
        "lightning",
        "torch_lr_finder",
        "max_lr",
        "recorded_points",
    ] {
        assert_eq!(a[k], b[k], "{k}");
    }
    assert_eq!(
        (a["format"].as_str(), b["format"].as_str()),
        (Some("JSON"), Some("CSV"))
    );
    // json.dump writes a NaN loss as NaN.
    losses[150] = "NaN".into();
    let text = format!(
        "{{\"lr\": [{}], \"loss\": [{}]}}",
        lrs.join(", "),
        losses.join(", ")
    );
    std::fs::write(tmp.path().join("nan.json"), &text).unwrap();
    let n = suggest_json(&[
        "suggest",
        "--input",
        tmp.path().join("nan.json").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(
        n["recorded_points"].as_u64().unwrap() <= 150,
        "{}",
        n["recorded_points"]
    );
}

/// `--lr-column NAME`, and Lightning's `LearningRateMonitor` columns (`lr-SGD`) when there is no
/// `lr` column.
#[test]
fn lr_column_and_lightning_lr_columns() {
    let tmp = tempdir();
    let lrs = sweep_lrs();
    let loss = |i: usize| 2.3 - (i as f64 / 90.0).sin();
    let mk = |name: &str, header: &str| {
        let rows: Vec<String> = lrs
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{i},0.9,{l:?},{:?}", loss(i)))
            .collect();
        write_curve(tmp.path(), name, ',', header, &rows)
    };
    let plain = mk("plain.csv", "step,momentum,lr,loss");
    let rate = mk("rate.csv", "step,momentum,rate,loss");
    let pl = mk("pl.csv", "step,lr-SGD-momentum,lr-SGD,train_loss");
    let want = suggest_json(&[
        "suggest",
        "--input",
        plain.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let a = suggest_json(&[
        "suggest",
        "--input",
        rate.to_str().unwrap(),
        "--lr-column",
        "rate",
        "--format",
        "json",
    ]);
    let b = suggest_json(&[
        "suggest",
        "--input",
        pl.to_str().unwrap(),
        "--format",
        "json",
    ]);
    for k in ["valley", "max_lr", "lightning", "torch_lr_finder"] {
        assert_eq!(a[k], want[k], "--lr-column: {k}");
        assert_eq!(b[k], want[k], "lr-SGD: {k}");
    }
    assert_eq!(
        (a["lr_column"].as_str(), b["lr_column"].as_str()),
        (Some("rate"), Some("lr-SGD"))
    );
    let text = run_ok(&["suggest", "--input", pl.to_str().unwrap()]);
    assert!(
        text.starts_with("column: train_loss\nlr column: lr-SGD\n"),
        "{text}"
    );
    // Without --lr-column, `rate` is not taken; a --lr-column that is not there names the columns.
    for args in [
        vec!["suggest", "--input", "rate.csv"],
        vec!["suggest", "--input", "plain.csv", "--lr-column", "eta"],
    ] {
        let o = run_in(tmp.path(), &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("momentum") && (err.contains("`lr`") || err.contains("`eta`")),
            "{err}"
        );
    }
}

/// Whitespace-separated text (aligned columns, numpy.savetxt's `# ` header) reads like CSV.
#[test]
fn whitespace_separated_text() {
    let tmp = tempdir();
    let lrs = sweep_lrs();
    let loss = |i: usize| 2.3 - (i as f64 / 90.0).sin();
    let csv: Vec<String> = lrs
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{l:?},{:?}", loss(i)))
        .collect();
    let want = suggest_json(&[
        "suggest",
        "--input",
        write_curve(tmp.path(), "c.csv", ',', "lr,loss", &csv)
            .to_str()
            .unwrap(),
        "--format",
        "json",
    ]);
    let mut text = String::from("# lr                      loss\n");
    for (i, l) in lrs.iter().enumerate() {
        text.push_str(&format!("{:<25}  \t {:?}\n", format!("{l:?}"), loss(i)));
    }
    std::fs::write(tmp.path().join("c.txt"), &text).unwrap();
    let got = suggest_json(&[
        "suggest",
        "--input",
        tmp.path().join("c.txt").to_str().unwrap(),
        "--format",
        "json",
    ]);
    for k in ["valley", "steep", "slide", "max_lr", "lightning"] {
        assert_eq!(got[k], want[k], "{k}");
    }
    assert_eq!(got["format"], "whitespace-separated text");
}

/// Rows in any order and repeated learning rates: sorted by lr, the losses of one lr averaged,
/// and the output says so.
#[test]
fn unsorted_and_repeated_lrs() {
    let tmp = tempdir();
    let golden = golden_dir().join("suggest/curve_00.csv");
    let t = read_csv(&golden);
    let want = suggest_json(&[
        "suggest",
        "--input",
        golden.to_str().unwrap(),
        "--format",
        "json",
    ]);
    // Shuffled (a fixed permutation: every 7th row, wrapping).
    let n = t.rows.len();
    let rows: Vec<String> = (0..n)
        .map(|k| {
            let r = &t.rows[(k * 7) % n];
            format!("{},{:?},{:?}", r[0], r[1], r[2])
        })
        .collect();
    let shuffled = write_curve(tmp.path(), "shuffled.csv", ',', "iteration,lr,loss", &rows);
    let got = suggest_json(&[
        "suggest",
        "--input",
        shuffled.to_str().unwrap(),
        "--format",
        "json",
    ]);
    for k in [
        "valley",
        "steep",
        "minimum",
        "slide",
        "lightning",
        "torch_lr_finder",
        "max_lr",
        "recorded_points",
    ] {
        assert_eq!(got[k], want[k], "shuffled: {k}");
    }
    assert!(
        got["notes"][0].as_str().unwrap().contains("sorted by lr"),
        "{:?}",
        got["notes"]
    );
    let text = run_ok(&["suggest", "--input", shuffled.to_str().unwrap()]);
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("note: the rows were not in increasing order"),
        "{text}"
    );
    // Row 40 logged twice, 0.25 either side of its loss: the point is their mean.
    let (lo, hi) = (t.rows[40][2] - 0.25, t.rows[40][2] + 0.25);
    let mut twice = Vec::new();
    let mut meaned = Vec::new();
    for (i, r) in t.rows.iter().enumerate() {
        if i == 40 {
            twice.push(format!("{:?},{lo:?}", r[1]));
            twice.push(format!("{:?},{hi:?}", r[1]));
            meaned.push(format!("{:?},{:?}", r[1], (lo + hi) / 2.0));
        } else {
            twice.push(format!("{:?},{:?}", r[1], r[2]));
            meaned.push(format!("{:?},{:?}", r[1], r[2]));
        }
    }
    let a = suggest_json(&[
        "suggest",
        "--input",
        write_curve(tmp.path(), "twice.csv", ',', "lr,loss", &twice)
            .to_str()
            .unwrap(),
        "--format",
        "json",
    ]);
    let b = suggest_json(&[
        "suggest",
        "--input",
        write_curve(tmp.path(), "mean.csv", ',', "lr,loss", &meaned)
            .to_str()
            .unwrap(),
        "--format",
        "json",
    ]);
    for k in [
        "valley",
        "steep",
        "minimum",
        "slide",
        "lightning",
        "torch_lr_finder",
        "max_lr",
        "recorded_points",
        "stop_reason",
    ] {
        assert_eq!(a[k], b[k], "repeated: {k}");
    }
    let note = a["notes"][0].as_str().unwrap();
    assert!(
        note.contains("1 learning rate(s)") && note.contains("101 rows -> 100 points"),
        "{note}"
    );
}

/// A NaN in the middle of a curve: cyclr's rule reads past it (and says how many it skipped);
/// fastai's four stop at the first NaN, as fastai's do.
#[test]
fn a_nan_in_the_middle_of_a_curve() {
    let tmp = tempdir();
    let lrs = sweep_lrs();
    let loss = |lr: f64| {
        let l = lr.log10();
        if l < -3.0 {
            2.3
        } else if l < -1.0 {
            2.3 - (l + 3.0)
        } else {
            0.3 + 4.0 * (l + 1.0)
        }
    };
    let rows = |nan_at: Option<usize>| -> Vec<String> {
        lrs.iter()
            .enumerate()
            .map(|(i, &l)| {
                if Some(i) == nan_at {
                    format!("{l:?},nan")
                } else {
                    format!("{l:?},{:?}", loss(l))
                }
            })
            .collect()
    };
    let clean = write_curve(tmp.path(), "clean.csv", ',', "lr,loss", &rows(None));
    let gap = write_curve(tmp.path(), "gap.csv", ',', "lr,loss", &rows(Some(120)));
    let c = suggest_json(&[
        "suggest",
        "--input",
        clean.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let g = suggest_json(&[
        "suggest",
        "--input",
        gap.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(g["rule_skipped_nan"], serde_json::json!([120]));
    assert_eq!(g["recorded_points"], 120, "fastai's record ends at the NaN");
    assert_eq!(g["window"][1], 120, "fastai's window is cut at the NaN");
    let (cm, gm) = (c["max_lr"].as_f64().unwrap(), g["max_lr"].as_f64().unwrap());
    assert!(
        (gm / cm).ln().abs() < 0.05,
        "max_lr {gm} vs {cm} without the NaN"
    );
    assert!(
        g["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("1 NaN")),
        "{:?}",
        g["notes"]
    );
    let text = run_ok(&["suggest", "--input", gap.to_str().unwrap()]);
    assert!(
        text.contains("note: 1 NaN loss(es) in the curve (point 120"),
        "{text}"
    );
}

/// A loss that is negative (a log-likelihood): the 4x-best stop rule no longer fires at
/// iteration 0; the curve shifted down by 10 gets the same analysis as the curve itself.
#[test]
fn negative_losses_are_not_a_divergence_at_iteration_0() {
    let tmp = tempdir();
    let golden = golden_dir().join("suggest/curve_00.csv");
    let t = read_csv(&golden);
    let rows: Vec<String> = t
        .rows
        .iter()
        .map(|r| format!("{:?},{:?}", r[1], r[2] - 10.0))
        .collect();
    let neg = write_curve(tmp.path(), "nll.csv", ',', "lr,loss", &rows);
    let a = suggest_json(&[
        "suggest",
        "--input",
        neg.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let b = suggest_json(&[
        "suggest",
        "--input",
        golden.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let stop = a["stop_reason"].as_str().unwrap();
    assert!(!stop.contains("iteration 0"), "{stop}");
    assert_eq!(a["recorded_points"], b["recorded_points"], "{stop}");
    for k in ["valley", "steep", "minimum", "slide"] {
        assert_eq!(
            a["suggestion_points"][k]["index"], b["suggestion_points"][k]["index"],
            "{k}"
        );
    }
    let (am, bm) = (a["max_lr"].as_f64().unwrap(), b["max_lr"].as_f64().unwrap());
    assert!((am / bm).ln().abs() < 0.05, "max_lr {am} vs {bm}");
    for k in ["lightning", "torch_lr_finder"] {
        assert!(
            a["finders"][k]["recorded_points"].as_u64().unwrap() > 50,
            "{k}: {}",
            a["finders"][k]
        );
        assert!(a[k].is_number(), "{k}");
    }
}

/// A file whose first line is data (no header) is not dumped back as "columns found".
#[test]
fn errors_name_a_few_columns_not_the_whole_file() {
    let tmp = tempdir();
    let line: Vec<String> = (0..500).map(|i| format!("{}.{i:03}", i % 7)).collect();
    let text = format!("{}\n{}\n", line.join(","), line.join(","));
    std::fs::write(tmp.path().join("wide.csv"), text).unwrap();
    let o = run_in(tmp.path(), &["suggest", "--input", "wide.csv"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("wide.csv") && err.contains("`lr`") && err.contains("(494 more)"),
        "{err}"
    );
    assert!(err.len() < 500, "{} bytes: {err}", err.len());
    // One line of 20 kB (no delimiter at all): cut.
    std::fs::write(tmp.path().join("blob.txt"), "z".repeat(20_000)).unwrap();
    let o = run_in(tmp.path(), &["suggest", "--input", "blob.txt"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains('…') && err.len() < 500,
        "{} bytes: {err}",
        err.len()
    );
}

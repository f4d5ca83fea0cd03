//! `cyclr schedule` through the real binary: every PyTorch / fastai golden vector reproduced from
//! the command line (CSV and JSON), plots, `--warmup`, `--help`, and an early-closed stdout.
mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::*;
use serde_json::Value;

/// The optimizer lr the PyTorch goldens of the non-cyclical schedulers were generated with.
const TORCH_BASE_LR: &str = "0.1";
/// Relative tolerance against the reference vectors.
const REL: f64 = 1e-9;

/// A golden case: its name, the `cyclr schedule` arguments that reproduce it, and its manifest
/// entry.
struct Case {
    name: String,
    args: Vec<String>,
    iterations: usize,
    momentum_column: bool,
}

fn num(v: &Value, what: &str) -> String {
    assert!(v.is_number(), "{what}: {v} is not a number");
    v.to_string()
}

fn int(v: &Value, what: &str) -> String {
    v.as_u64()
        .unwrap_or_else(|| panic!("{what}: {v} is not a non-negative integer"))
        .to_string()
}

/// Translate a PyTorch manifest case to `cyclr schedule` flags. Panics on a parameter it does not
/// know, so a new golden case cannot be silently skipped.
fn torch_args(class: &str, p: &serde_json::Map<String, Value>, iterations: u64) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    let mut push = |flag: &str, v: String| {
        a.push(flag.to_string());
        a.push(v);
    };
    let known: &[&str];
    match class {
        "CyclicLR" => {
            known = &[
                "base_lr",
                "max_lr",
                "step_size_up",
                "step_size_down",
                "mode",
                "gamma",
                "cycle_momentum",
                "base_momentum",
                "max_momentum",
            ];
            let mode = p
                .get("mode")
                .and_then(Value::as_str)
                .unwrap_or("triangular");
            let policy = match mode {
                "triangular" => "triangular",
                "triangular2" => "triangular2",
                "exp_range" => "exp-range",
                other => panic!("CyclicLR mode {other:?} has no cyclr policy"),
            };
            // `push` appends pairs; the subcommand and the policy are one pair too.
            push("schedule", policy.to_string());
            push("--base-lr", num(&p["base_lr"], "base_lr"));
            push("--max-lr", num(&p["max_lr"], "max_lr"));
            // PyTorch's default step_size_up is 2000.
            let up = p
                .get("step_size_up")
                .map_or("2000".to_string(), |v| int(v, "step_size_up"));
            push("--step-size", up);
            if let Some(v) = p.get("step_size_down").filter(|v| !v.is_null()) {
                push("--step-size-down", int(v, "step_size_down"));
            }
            // PyTorch ignores gamma outside exp_range; cyclr rejects it there.
            if mode == "exp_range"
                && let Some(v) = p.get("gamma")
            {
                push("--gamma", num(v, "gamma"));
            }
            // PyTorch cycles momentum (0.8 .. 0.9) unless cycle_momentum is false.
            if p.get("cycle_momentum").and_then(Value::as_bool) != Some(false) {
                let base = p
                    .get("base_momentum")
                    .map_or("0.8".to_string(), |v| num(v, "base_momentum"));
                let max = p
                    .get("max_momentum")
                    .map_or("0.9".to_string(), |v| num(v, "max_momentum"));
                push("--base-momentum", base);
                push("--max-momentum", max);
            }
        }
        "OneCycleLR" => {
            known = &[
                "max_lr",
                "total_steps",
                "pct_start",
                "anneal_strategy",
                "three_phase",
                "div_factor",
                "final_div_factor",
                "base_momentum",
                "max_momentum",
            ];
            push("schedule", "one-cycle".to_string());
            push("--max-lr", num(&p["max_lr"], "max_lr"));
            assert_eq!(
                p["total_steps"].as_u64(),
                Some(iterations),
                "OneCycleLR total_steps must be the printed length (cyclr: --iters)"
            );
            if let Some(v) = p.get("pct_start") {
                push("--pct-start", num(v, "pct_start"));
            }
            if let Some(v) = p.get("anneal_strategy") {
                push("--anneal", v.as_str().expect("anneal_strategy").to_string());
            }
            if let Some(v) = p.get("div_factor") {
                push("--div", num(v, "div_factor"));
            }
            if let Some(v) = p.get("final_div_factor") {
                push("--final-div", num(v, "final_div_factor"));
            }
            if let Some(v) = p.get("base_momentum") {
                push("--base-momentum", num(v, "base_momentum"));
            }
            if let Some(v) = p.get("max_momentum") {
                push("--max-momentum", num(v, "max_momentum"));
            }
            if p.get("three_phase").and_then(Value::as_bool) == Some(true) {
                a.push("--three-phase".into());
            }
        }
        "CosineAnnealingWarmRestarts" => {
            known = &["T_0", "T_mult", "eta_min"];
            push("schedule", "sgdr".to_string());
            push("--max-lr", TORCH_BASE_LR.to_string());
            push("--t0", int(&p["T_0"], "T_0"));
            if let Some(v) = p.get("T_mult") {
                push("--t-mult", int(v, "T_mult"));
            }
            if let Some(v) = p.get("eta_min") {
                push("--min-lr", num(v, "eta_min"));
            }
        }
        "StepLR" => {
            known = &["step_size", "gamma"];
            push("schedule", "step".to_string());
            push("--lr", TORCH_BASE_LR.to_string());
            push("--step-size", int(&p["step_size"], "step_size"));
            push(
                "--gamma",
                p.get("gamma").map_or("0.1".into(), |v| num(v, "gamma")),
            );
        }
        "MultiStepLR" => {
            known = &["milestones", "gamma"];
            push("schedule", "multistep".to_string());
            push("--lr", TORCH_BASE_LR.to_string());
            let ms: Vec<String> = p["milestones"]
                .as_array()
                .expect("milestones")
                .iter()
                .map(|m| int(m, "milestones"))
                .collect();
            push("--milestones", ms.join(","));
            push(
                "--gamma",
                p.get("gamma").map_or("0.1".into(), |v| num(v, "gamma")),
            );
        }
        "ExponentialLR" => {
            known = &["gamma"];
            push("schedule", "exp".to_string());
            push("--lr", TORCH_BASE_LR.to_string());
            push("--gamma", num(&p["gamma"], "gamma"));
        }
        "PolynomialLR" => {
            known = &["total_iters", "power"];
            push("schedule", "poly".to_string());
            push("--lr", TORCH_BASE_LR.to_string());
            // PyTorch's defaults: total_iters 5, power 1.
            push(
                "--max-iter",
                p.get("total_iters")
                    .map_or("5".into(), |v| int(v, "total_iters")),
            );
            push(
                "--power",
                p.get("power").map_or("1.0".into(), |v| num(v, "power")),
            );
        }
        other => panic!("golden torch_class {other:?} has no cyclr translation"),
    }
    for k in p.keys() {
        assert!(
            known.contains(&k.as_str()),
            "{class}: parameter {k:?} is not translated to a cyclr flag"
        );
    }
    a
}

/// Translate a fastai manifest case.
fn fastai_args(kind: &str, p: &serde_json::Map<String, Value>) -> Vec<String> {
    assert_eq!(
        kind, "fit_one_cycle",
        "fastai case {kind:?} has no translation"
    );
    let mut a: Vec<String> = ["schedule", "one-cycle", "--style", "fastai"]
        .map(String::from)
        .to_vec();
    for (k, v) in p {
        let flag = match k.as_str() {
            "lr_max" => "--max-lr",
            "div" => "--div",
            "div_final" => "--final-div",
            "pct_start" => "--pct-start",
            other => panic!("fit_one_cycle parameter {other:?} is not translated to a cyclr flag"),
        };
        a.push(flag.into());
        a.push(num(v, k));
    }
    a
}

fn load_cases() -> Vec<Case> {
    let dir = golden_dir().join("schedules");
    let mut cases = Vec::new();
    for manifest in ["manifest.json", "fastai_manifest.json"] {
        let path = dir.join(manifest);
        let m: Value = serde_json::from_str(
            &std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for c in m["cases"].as_array().expect("cases") {
            let name = c["name"].as_str().expect("name").to_string();
            let iterations = c["iterations"].as_u64().expect("iterations");
            let params = c["params"].as_object().expect("params");
            let mut args = if let Some(class) = c.get("torch_class").and_then(Value::as_str) {
                torch_args(class, params, iterations)
            } else {
                let kind = c["fastai"].as_str().expect("torch_class or fastai");
                fastai_args(kind, params)
            };
            args.push("--iters".into());
            args.push(iterations.to_string());
            cases.push(Case {
                name,
                args,
                iterations: iterations as usize,
                momentum_column: c["momentum_column"].as_bool().expect("momentum_column"),
            });
        }
    }
    cases
}

/// Every value of `"key":` in compact or pretty JSON text, parsed with Rust's exact parser.
fn json_numbers(text: &str, key: &str) -> Vec<f64> {
    let pat = format!("\"{key}\":");
    text.match_indices(&pat)
        .map(|(i, _)| {
            let rest = &text[i + pat.len()..];
            let end = rest.find([',', '}', ']']).unwrap_or(rest.len());
            let num = rest[..end].trim();
            num.parse::<f64>()
                .unwrap_or_else(|_| panic!("json {key}: {num:?} is not a number"))
        })
        .collect()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Compare a table printed by `cyclr` with the golden one; returns the problems found.
fn compare(name: &str, ours: &Table, golden: &Table) -> Vec<String> {
    let mut errs = Vec::new();
    if ours.header != golden.header {
        errs.push(format!(
            "{name}: header {:?}, golden {:?}",
            ours.header, golden.header
        ));
        return errs;
    }
    if ours.rows.len() != golden.rows.len() {
        errs.push(format!(
            "{name}: {} rows, golden {}",
            ours.rows.len(),
            golden.rows.len()
        ));
    }
    let mut bad = 0;
    for (i, (o, g)) in ours.rows.iter().zip(&golden.rows).enumerate() {
        let ok = o[0] == g[0] && o.iter().zip(g).skip(1).all(|(&a, &b)| close(a, b, REL));
        if !ok {
            bad += 1;
            if bad <= 5 {
                errs.push(format!("{name}: row {i}: cyclr {o:?}, golden {g:?}"));
            }
        }
    }
    if bad > 5 {
        errs.push(format!("{name}: … {bad} rows differ in all"));
    }
    errs
}

#[test]
fn every_golden_case_reproduces_through_the_command_line() {
    let cases = load_cases();
    // 11 PyTorch + 1 fastai vectors at the time of writing; more may be added, none removed.
    assert!(cases.len() >= 12, "only {} golden cases found", cases.len());
    let dir = golden_dir().join("schedules");
    let mut errs = Vec::new();
    for case in &cases {
        let golden = read_csv(&dir.join(format!("{}.csv", case.name)));
        assert_eq!(golden.rows.len(), case.iterations, "{}", case.name);
        let want_header = if case.momentum_column {
            vec!["iteration", "lr", "momentum"]
        } else {
            vec!["iteration", "lr"]
        };
        assert_eq!(golden.header, want_header, "{}: golden header", case.name);

        let csv_text = run_ok(&strs(&case.args));
        let ours = parse_csv(&csv_text, &case.name);
        errs.extend(compare(&case.name, &ours, &golden));

        // --format json: the same numbers (bit for bit: both are shortest round-trip decimals).
        let mut json_args = strs(&case.args);
        json_args.extend(["--format", "json"]);
        let json_text = run_ok(&json_args);
        let rows: Vec<Value> = serde_json::from_str(&json_text)
            .unwrap_or_else(|e| panic!("{}: --format json is not a JSON array: {e}", case.name));
        if rows.len() != ours.rows.len() {
            errs.push(format!(
                "{}: json has {} rows, csv {}",
                case.name,
                rows.len(),
                ours.rows.len()
            ));
            continue;
        }
        for (i, j) in rows.iter().enumerate() {
            let obj = j.as_object().expect("json row is an object");
            let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
            let mut want_keys = ours.header.iter().map(String::as_str).collect::<Vec<_>>();
            want_keys.sort_unstable();
            let mut got_keys = keys.clone();
            got_keys.sort_unstable();
            if got_keys != want_keys {
                errs.push(format!(
                    "{}: json row {i} keys {keys:?}, csv header {:?}",
                    case.name, ours.header
                ));
                break;
            }
            if let Some(k) = ours.header.iter().find(|k| !obj[k.as_str()].is_number()) {
                errs.push(format!("{}: json row {i}: {k} is not a number", case.name));
                break;
            }
        }
        // Exact values, read from the text: serde_json's default float parser may be 1 ulp off.
        for (col, key) in ours.header.iter().enumerate() {
            let vals = json_numbers(&json_text, key);
            let csv_col: Vec<f64> = ours.rows.iter().map(|r| r[col]).collect();
            if vals != csv_col {
                let i = (0..csv_col.len())
                    .find(|&i| vals.get(i) != Some(&csv_col[i]))
                    .unwrap_or(0);
                errs.push(format!(
                    "{}: json {key} differs from csv at row {i}: {:?} vs {}",
                    case.name,
                    vals.get(i),
                    csv_col[i]
                ));
            }
        }
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

fn triangular_args() -> Vec<&'static str> {
    vec![
        "schedule",
        "triangular",
        "--base-lr",
        "0.01",
        "--max-lr",
        "0.1",
        "--step-size",
        "5",
        "--base-momentum",
        "0.8",
        "--max-momentum",
        "0.9",
        "--iters",
        "40",
    ]
}

#[test]
fn plot_png_and_svg_are_written_atomically_next_to_the_output() {
    let tmp = tempdir();
    let plain = run_ok_in(tmp.path(), &triangular_args());
    assert!(
        dir_names(tmp.path()).is_empty(),
        "no --plot, yet files were written"
    );
    for (file, check) in [
        ("x.png", is_png as fn(&[u8]) -> bool),
        ("x.svg", is_svg),
        ("nested/dir/y.svg", is_svg),
        ("UPPER.PNG", is_png),
    ] {
        let mut args = triangular_args();
        args.extend(["--plot", file]);
        let out = run_ok_in(tmp.path(), &args);
        assert_eq!(out, plain, "--plot {file} changed what is printed");
        let bytes = std::fs::read(tmp.path().join(file))
            .unwrap_or_else(|e| panic!("--plot {file} was not written: {e}"));
        assert!(bytes.len() > 100, "--plot {file}: {} bytes", bytes.len());
        assert!(check(&bytes), "--plot {file}: wrong file format");
    }
    // Only the plots: no temporary files left behind, anywhere.
    assert_eq!(
        dir_names(tmp.path()),
        ["UPPER.PNG", "nested", "x.png", "x.svg"]
    );
    assert_eq!(dir_names(&tmp.path().join("nested")), ["dir"]);
    assert_eq!(dir_names(&tmp.path().join("nested/dir")), ["y.svg"]);

    // One-cycle with momentum in SVG, and a policy without momentum in PNG.
    for (args, file, check) in [
        (
            vec![
                "schedule",
                "one-cycle",
                "--max-lr",
                "0.1",
                "--iters",
                "300",
                "--plot",
                "oc.svg",
            ],
            "oc.svg",
            is_svg as fn(&[u8]) -> bool,
        ),
        (
            vec![
                "schedule", "exp", "--lr", "0.1", "--gamma", "0.99", "--iters", "300", "--plot",
                "exp.png",
            ],
            "exp.png",
            is_png,
        ),
    ] {
        run_ok_in(tmp.path(), &args);
        assert!(
            check(&std::fs::read(tmp.path().join(file)).unwrap()),
            "{file}"
        );
    }
    assert_eq!(
        dir_names(tmp.path()),
        ["UPPER.PNG", "exp.png", "nested", "oc.svg", "x.png", "x.svg"]
    );
}

#[test]
fn plot_overwrites_an_existing_file() {
    let tmp = tempdir();
    std::fs::write(tmp.path().join("x.png"), b"old").unwrap();
    let mut args = triangular_args();
    args.extend(["--plot", "x.png"]);
    run_ok_in(tmp.path(), &args);
    assert!(is_png(&std::fs::read(tmp.path().join("x.png")).unwrap()));
    assert_eq!(dir_names(tmp.path()), ["x.png"]);
}

/// `--warmup N` (compose.rs): `lr(t) = inner.lr(t) · min(1, (t + 1)/N)`; the inner clock keeps
/// running; momentum is untouched; `N = 0` is no warm-up.
#[test]
fn warmup_scales_the_first_rows_linearly() {
    let cases: [Vec<&str>; 3] = [
        triangular_args(),
        vec!["schedule", "fixed", "--lr", "0.1", "--iters", "12"],
        vec!["schedule", "one-cycle", "--max-lr", "0.1", "--iters", "50"],
    ];
    for base in cases {
        let plain = parse_csv(&run_ok(&base), "plain");
        for n in [1usize, 4, 7] {
            let mut args = base.clone();
            let ns = n.to_string();
            args.extend(["--warmup", ns.as_str()]);
            let warm = parse_csv(&run_ok(&args), "warmup");
            assert_eq!(warm.header, plain.header, "{args:?}");
            assert_eq!(warm.rows.len(), plain.rows.len(), "{args:?}");
            for (t, (w, p)) in warm.rows.iter().zip(&plain.rows).enumerate() {
                assert_eq!(w[0], p[0]);
                let factor = if t < n {
                    (t + 1) as f64 / n as f64
                } else {
                    1.0
                };
                assert!(
                    close(w[1], p[1] * factor, 1e-12),
                    "{args:?} row {t}: lr {} but plain {} x {factor}",
                    w[1],
                    p[1]
                );
                if t >= n {
                    assert_eq!(w[1], p[1], "{args:?} row {t}: after the warm-up");
                }
                // Momentum (if any) is not warmed up.
                assert_eq!(w[2..], p[2..], "{args:?} row {t}: momentum changed");
            }
            if n > 1 {
                assert!(
                    warm.rows[0][1] < plain.rows[0][1],
                    "{args:?}: row 0 not scaled"
                );
            }
        }
        let mut args = base.clone();
        args.extend(["--warmup", "0"]);
        assert_eq!(parse_csv(&run_ok(&args), "warmup 0"), plain, "{args:?}");
    }
    // The documented example: fixed 0.1 with 4 warm-up steps.
    let t = parse_csv(
        &run_ok(&[
            "schedule", "fixed", "--lr", "0.1", "--warmup", "4", "--iters", "6",
        ]),
        "fixed",
    );
    let lrs: Vec<f64> = t.rows.iter().map(|r| r[1]).collect();
    assert_eq!(lrs, [0.025, 0.05, 0.1 * 0.75, 0.1, 0.1, 0.1]);
}

#[test]
fn iters_sets_the_number_of_rows() {
    for n in [1usize, 2, 17] {
        let ns = n.to_string();
        let t = parse_csv(
            &run_ok(&["schedule", "fixed", "--lr", "0.5", "--iters", &ns]),
            "fixed",
        );
        assert_eq!(t.header, ["iteration", "lr"]);
        assert_eq!(t.rows.len(), n);
        for (i, r) in t.rows.iter().enumerate() {
            assert_eq!(r, &[i as f64, 0.5]);
        }
    }
}

#[test]
fn help_documents_every_policy_and_its_formula() {
    let out = run_ok(&["schedule", "--help"]);
    for needle in [
        "cycle = floor(1 + t/(2s))",
        "x = |t/s - 2*cycle + 1|",
        "halved every cycle",
        "scaled by gamma^t",
        "lr * gamma^floor(t/s)",
        "lr * gamma^(number of milestones <= t)",
        "lr * (1 + gamma*t)^(-power)",
        "lr * (1 - min(t, max_iter)/max_iter)^power",
        "cosine annealing with warm restarts",
        "--warmup N",
        "--iters",
        "--plot",
        "--format",
    ] {
        assert!(out.contains(needle), "--help lacks {needle:?}:\n{out}");
    }
    for policy in [
        "triangular",
        "triangular2",
        "exp-range",
        "welch",
        "hann",
        "one-cycle",
        "sgdr",
        "fixed",
        "step",
        "multistep",
        "exp",
        "inv",
        "poly",
        "sigmoid",
    ] {
        assert!(out.contains(policy), "--help lacks policy {policy}");
    }
}

/// `cyclr schedule … | head -1`: stdout closed after one line must not be reported as an error.
fn early_close(extra: &[&str]) {
    let mut args = vec![
        "schedule",
        "triangular",
        "--base-lr",
        "0.001",
        "--max-lr",
        "0.006",
        "--step-size",
        "2000",
        // ~40 MB of output: far more than a pipe buffer.
        "--iters",
        "1500000",
    ];
    args.extend(extra);
    let mut child = cyclr_in(std::path::Path::new(env!("CARGO_MANIFEST_DIR")))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cyclr");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("read the first line");
    assert!(!first.is_empty(), "{args:?}: no output");
    // The reader (and with it the pipe) is dropped here, like `head -1` exiting.
    let out = child.wait_with_output().expect("wait for cyclr");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{args:?}: panicked on a closed stdout:\n{stderr}"
    );
    assert!(
        stderr.is_empty(),
        "{args:?}: error message on a closed stdout:\n{stderr}"
    );
    assert!(
        out.status.success(),
        "{args:?}: exit status {} on a closed stdout",
        out.status
    );
}

#[test]
fn closed_stdout_is_not_an_error_csv() {
    early_close(&[]);
}

#[test]
fn closed_stdout_is_not_an_error_json() {
    early_close(&["--format", "json"]);
}

/// `--cycle-momentum false` turns one-cycle's momentum cycling off (PyTorch `cycle_momentum`):
/// no momentum column; the learning rates are those of the default.
#[test]
fn cycle_momentum_flag_turns_the_momentum_column_off() {
    let base = ["schedule", "one-cycle", "--max-lr", "0.1", "--iters", "20"];
    let on = run_ok(&base);
    let off = run_ok(&[&base[..], &["--cycle-momentum", "false"]].concat());
    assert!(on.starts_with("iteration,lr,momentum\n"), "{on}");
    assert!(off.starts_with("iteration,lr\n"), "{off}");
    let lrs = |t: &str| -> Vec<String> {
        t.lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap().to_string())
            .collect()
    };
    assert_eq!(lrs(&on), lrs(&off));
}

/// `schedule --help` names the `sequence` policy that only a config file can give (#18 item 12).
#[test]
fn schedule_help_lists_sequence() {
    let text = run_ok(&["schedule", "--help"]);
    assert!(text.contains("sequence (only in --config)"), "{text}");
    assert!(
        text.contains("milestones = [50], then one [[schedules]] table per part"),
        "{text}"
    );
}

/// ULMFiT's slanted triangular, the first policy declared through the registry alone: its flags
/// (`--cut-frac`, `--ratio`) exist, its values are the paper's (T = `--iters` = 100, cut = 10;
/// see `one_cycle/tests.rs` for the exact fractions), and a bad `--cut-frac` is a usage error
/// naming the flag.
#[test]
fn slanted_triangular_from_flags() {
    let slanted = |extra: &[&str]| {
        let mut args = vec![
            "schedule",
            "slanted-triangular",
            "--max-lr",
            "0.01",
            "--iters",
            "100",
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let csv = |extra: &[&str]| {
        let args = slanted(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        parse_csv(&run_ok(&args), "slanted-triangular")
    };
    let t = csv(&[]);
    assert_eq!(t.header, ["iteration", "lr"]);
    assert_eq!(t.rows.len(), 100);
    for (i, want) in [
        (0usize, 1.0 / 3200.0),
        (9, 289.0 / 32000.0),
        (10, 0.01),
        (99, 121.0 / 288000.0),
    ] {
        assert!(close(t.rows[i][1], want, 1e-12), "t={i}: {:?}", t.rows[i]);
    }
    let t = csv(&["--cut-frac", "0.5", "--ratio", "4"]);
    assert!(close(t.rows[0][1], 0.0025, 1e-12), "{:?}", t.rows[0]);
    assert!(close(t.rows[50][1], 0.01, 1e-12), "{:?}", t.rows[50]);

    let args = slanted(&["--cut-frac", "2"]);
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("invalid --cut-frac = 2: must be in (0, 1)"),
        "{stderr}"
    );
    let help = run_ok(&["schedule", "--help"]);
    assert!(help.contains("slanted-triangular"), "{help}");
    assert!(help.contains("--cut-frac <F>"), "{help}");
}

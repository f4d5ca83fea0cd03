//! Golden tests: four real range-test curves (raw per-batch losses) against fastai 2.8.12's own
//! smoothed curve, recorded point count and suggestions (`tests/fixtures/golden/suggest/`,
//! `expected.json`).
//!
//! Each curve goes through the `RangeTest` engine step by step (checking the sweep's learning
//! rates against the CSV's) and through `read_curve_csv` + `analyze`.
use std::fs::File;
use std::path::PathBuf;

use cyclr::finder::{
    RangeTest, RangeTestConfig, RangeTestResult, StopReason, Suggestion, analyze, read_curve_csv,
};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden/suggest")
}

struct Case {
    name: String,
    num_it: usize,
    recorded_points: usize,
    smoothed: Vec<f64>,
    /// (name, lr) for valley, slide, minimum, steep.
    suggestions: Vec<(String, f64)>,
}

fn cases() -> Vec<Case> {
    let v: Value =
        serde_json::from_reader(File::open(dir().join("expected.json")).unwrap()).unwrap();
    let cases: Vec<Case> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_string(),
            num_it: c["num_it"].as_u64().unwrap() as usize,
            recorded_points: c["recorded_points"].as_u64().unwrap() as usize,
            smoothed: c["smoothed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect(),
            suggestions: c["suggestions"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, x)| (k.clone(), x.as_f64().unwrap()))
                .collect(),
        })
        .collect();
    assert_eq!(cases.len(), 4, "expected.json should hold 4 cases");
    for c in &cases {
        assert_eq!(c.suggestions.len(), 4, "{}: four suggestions", c.name);
        assert_eq!(c.smoothed.len(), c.recorded_points, "{}", c.name);
    }
    cases
}

fn config(case: &Case) -> RangeTestConfig {
    RangeTestConfig {
        num_it: case.num_it,
        ..RangeTestConfig::default()
    }
}

fn curve(case: &Case) -> (Vec<f64>, Vec<f64>) {
    let f = File::open(dir().join(format!("{}.csv", case.name))).unwrap();
    let c = read_curve_csv(f).unwrap();
    let losses = c.losses.expect("a loss column");
    assert_eq!(c.lrs.len(), losses.len());
    (c.lrs, losses)
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
}

fn pick(r: &RangeTestResult, name: &str) -> Option<Suggestion> {
    let s = &r.suggestions;
    match name {
        "valley" => s.valley,
        "slide" => s.slide,
        "minimum" => s.minimum,
        "steep" => s.steep,
        other => panic!("unknown suggestion {other}"),
    }
}

/// The whole comparison against fastai. `how` names the path (engine / analyze).
fn check(case: &Case, r: &RangeTestResult, how: &str) {
    let name = &case.name;
    assert_eq!(
        r.recorded_points(),
        case.recorded_points,
        "{name} ({how}): recorded points"
    );
    assert_eq!(r.smoothed.len(), case.smoothed.len());
    for (i, (&ours, &want)) in r.smoothed.iter().zip(&case.smoothed).enumerate() {
        assert!(
            rel(ours, want) <= 1e-6,
            "{name} ({how}): smoothed[{i}] = {ours}, fastai {want}"
        );
    }
    // A test stops early exactly when fastai's 4x rule fired; otherwise it ran num_it steps.
    if case.recorded_points < case.num_it {
        assert!(
            matches!(r.stop_reason, StopReason::Diverged { iteration, .. } if iteration + 1 == case.recorded_points),
            "{name} ({how}): {:?}",
            r.stop_reason
        );
    } else {
        assert_eq!(r.stop_reason, StopReason::Completed, "{name} ({how})");
    }
    // Within one sweep step: |log(ours/fastai)| <= log(step ratio).
    let step = (r.config.end_lr / r.config.start_lr).ln() / case.num_it as f64;
    for (sname, want) in &case.suggestions {
        let got = pick(r, sname).unwrap_or_else(|| panic!("{name} ({how}): no {sname}"));
        let dist = (got.lr / want).ln().abs();
        assert!(
            dist <= step + 1e-9,
            "{name} ({how}): {sname} = {}, fastai {want} ({:.2} steps away)",
            got.lr,
            dist / step
        );
        // The suggestion's reported point is consistent with the curve.
        assert_eq!(got.value, r.smoothed[got.index], "{name} ({how}): {sname}");
        let lr_at = if sname == "minimum" {
            got.lr * 10.0
        } else {
            got.lr
        };
        assert!(rel(lr_at, r.lrs[got.index]) < 1e-12, "{name}: {sname}");
    }
}

#[test]
fn golden_curves_through_the_engine() {
    for case in cases() {
        let (lrs, losses) = curve(&case);
        assert_eq!(
            lrs.len(),
            case.num_it,
            "{}: the CSV holds the whole sweep",
            case.name
        );
        let mut test = RangeTest::new(config(&case)).unwrap();
        let mut fed = 0;
        for (i, (&lr, &loss)) in lrs.iter().zip(&losses).enumerate() {
            let Some(next) = test.next_lr() else { break };
            assert!(
                rel(next, lr) <= 1e-12,
                "{}: step {i}: next_lr {next} but the CSV's lr is {lr}",
                case.name
            );
            assert_eq!(test.next_lrs(), Some(vec![next]));
            test.record(loss);
            fed += 1;
        }
        assert!(test.is_finished(), "{}", case.name);
        assert_eq!(test.next_lr(), None);
        assert_eq!(fed, case.recorded_points, "{}: steps driven", case.name);
        check(&case, &test.finish(), "engine");
    }
}

#[test]
fn golden_curves_through_analyze() {
    for case in cases() {
        let (lrs, losses) = curve(&case);
        let r = analyze(&lrs, &losses, &config(&case)).unwrap();
        check(&case, &r, "analyze");
    }
}

/// Stronger than the one-step bar: the same arithmetic as fastai picks the very same points.
#[test]
fn golden_suggestions_are_the_same_points() {
    for case in cases() {
        let (lrs, losses) = curve(&case);
        let r = analyze(&lrs, &losses, &config(&case)).unwrap();
        for (sname, want) in &case.suggestions {
            let got = pick(&r, sname).unwrap();
            assert!(
                rel(got.lr, *want) <= 1e-12,
                "{}: {sname} = {}, fastai {want}",
                case.name,
                got.lr
            );
        }
    }
}

/// The window fastai hands to the suggestion functions: `[num_it//10 : -5]` of the recorded curve.
#[test]
fn golden_windows() {
    for case in cases() {
        let (lrs, losses) = curve(&case);
        let r = analyze(&lrs, &losses, &config(&case)).unwrap();
        assert_eq!(r.window_start, case.num_it / 10);
        assert_eq!(r.window_end, case.recorded_points - 5);
        let b = r.bounds.as_ref().expect("bounds");
        assert!(
            b.base_lr < b.max_lr && b.base_lr > 0.0,
            "{}: {b:?}",
            case.name
        );
        assert!(!b.rule.is_empty());
        eprintln!(
            "{}: base {:.3e} max {:.3e} 1cycle {:.3e} | {}",
            case.name, b.base_lr, b.max_lr, b.one_cycle_max_lr, b.rule
        );
    }
}

/// The CSV written by a result reads back into the same analysis.
#[test]
fn golden_csv_round_trip() {
    for case in cases() {
        let (lrs, losses) = curve(&case);
        let r = analyze(&lrs, &losses, &config(&case)).unwrap();
        let mut buf = Vec::new();
        r.write_csv(&mut buf).unwrap();
        let text = String::from_utf8(buf.clone()).unwrap();
        assert!(text.starts_with("iteration,lr,raw_train_loss,smoothed_train_loss\n"));
        let back = read_curve_csv(&buf[..]).unwrap();
        assert_eq!(back.lrs, r.lrs);
        assert_eq!(back.losses.as_deref(), Some(&r.raw[..]));
        let cfg = RangeTestConfig {
            num_it: case.num_it,
            ..RangeTestConfig::default()
        };
        let again = analyze(&back.lrs, back.losses.as_ref().unwrap(), &cfg).unwrap();
        assert_eq!(again.smoothed, r.smoothed);
        assert_eq!(again.suggestions, r.suggestions);

        let j = r.to_json();
        for k in [
            "valley",
            "steep",
            "minimum",
            "slide",
            "recorded_points",
            "stop_reason",
            "base_lr",
            "max_lr",
            "one_cycle_max_lr",
            "rule",
            "metric",
        ] {
            assert!(j.get(k).is_some(), "to_json lacks {k}");
        }
        assert_eq!(j["recorded_points"], case.recorded_points);
        assert_eq!(j["metric"], "train_loss");
        assert_eq!(j["valley"].as_f64(), r.suggestions.valley.map(|s| s.lr));
    }
}

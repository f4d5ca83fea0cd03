//! Golden tests: PyTorch Lightning 2.6.6's `Tuner.lr_find` and torch-lr-finder 0.2.2's
//! `LRFinder.range_test` on the four real curves of `fixtures/golden/suggest/`, against what the
//! libraries themselves recorded and suggested (`fixtures/golden/finders/expected.json`).
//!
//! Every field is reproduced for every curve, three ways:
//! 1. **the sweep**: the library's own learning rates for num_iter = the curve's length, the raw
//!    losses replayed in order ([`replay`]);
//! 2. **the engine**: [`RangeTest`] with the library's config ([`Finder::config`]: sweep, stop
//!    rule, threshold), fed the raw losses one by one, read back with [`finder_run_of`];
//! 3. **a file** (what `cyclr suggest` reads): the library's lrs with the raw losses of the
//!    recorded points, as CSV, through [`read_curve_csv`] and [`replay`].
//!
//! Tolerances: lrs 1e-12 relative, smoothed 1e-9 relative; recorded count, suggestion index and
//! lr exact (the lr is one of the recorded ones).
use std::fs::File;
use std::path::PathBuf;

use cyclr::finder::{
    Finder, FinderRun, RangeTest, RangeTestConfig, StopReason, finder_run_of, read_curve_csv,
    replay,
};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden")
}

/// One library's expected recording of one curve.
struct Expected {
    lrs: Vec<f64>,
    smoothed: Vec<f64>,
    recorded: usize,
    suggestion: f64,
    suggestion_index: usize,
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

fn expected() -> Vec<(String, Finder, Expected)> {
    let path = fixtures().join("finders/expected.json");
    let v: Value = serde_json::from_reader(File::open(&path).unwrap()).unwrap();
    assert_eq!(v["versions"]["lightning"], "2.6.6");
    assert_eq!(v["versions"]["torch-lr-finder"], "0.2.2");
    let mut out = Vec::new();
    for (curve, libs) in v["curves"].as_object().expect("curves") {
        for f in Finder::ALL {
            let e = &libs[f.key()];
            let x = Expected {
                lrs: floats(&e["lrs"]),
                smoothed: floats(&e["smoothed"]),
                recorded: e["recorded"].as_u64().unwrap() as usize,
                suggestion: e["suggestion"].as_f64().unwrap(),
                suggestion_index: e["suggestion_index"].as_u64().unwrap() as usize,
            };
            assert_eq!(x.lrs.len(), x.recorded, "{curve} {f:?}");
            assert_eq!(x.smoothed.len(), x.recorded, "{curve} {f:?}");
            out.push((curve.clone(), f, x));
        }
    }
    assert_eq!(out.len(), 8, "4 curves x 2 libraries");
    out
}

/// The curve's raw `loss` column.
fn raw(curve: &str) -> Vec<f64> {
    let f = File::open(fixtures().join("suggest").join(curve)).unwrap();
    read_curve_csv(f).unwrap().losses.expect("a loss column")
}

fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
    }
}

/// Every field of `run` against `want`; `how` names the path.
fn check(curve: &str, f: Finder, how: &str, run: &FinderRun, want: &Expected) {
    let at = format!("{curve} {} ({how})", f.name());
    assert_eq!(run.finder, f, "{at}");
    assert_eq!(
        run.recorded_points(),
        want.recorded,
        "{at}: recorded points"
    );
    for (i, (&ours, &theirs)) in run.lrs.iter().zip(&want.lrs).enumerate() {
        assert!(
            rel(ours, theirs) <= 1e-12,
            "{at}: lr[{i}] = {ours:e}, {theirs:e}"
        );
    }
    for (i, (&ours, &theirs)) in run.smoothed.iter().zip(&want.smoothed).enumerate() {
        assert!(
            rel(ours, theirs) <= 1e-9,
            "{at}: smoothed[{i}] = {ours}, {theirs}"
        );
    }
    let s = run
        .suggestion
        .unwrap_or_else(|| panic!("{at}: no suggestion"));
    assert_eq!(s.index, want.suggestion_index, "{at}: suggestion index");
    assert!(
        rel(s.lr, want.suggestion) <= 1e-12,
        "{at}: suggestion {:e}, {:e}",
        s.lr,
        want.suggestion
    );
    assert_eq!(
        s.lr, run.lrs[s.index],
        "{at}: the suggestion is a recorded lr"
    );
    assert_eq!(s.value, run.smoothed[s.index], "{at}");
    // Ended by the library's stop rule exactly when it recorded fewer points than the curve has.
    let n = raw(curve).len();
    match run.stop_reason {
        StopReason::Diverged { iteration, .. } => {
            assert!(want.recorded < n, "{at}");
            assert_eq!(iteration + 1, want.recorded, "{at}");
        }
        StopReason::Completed => assert_eq!(want.recorded, n, "{at}"),
        other => panic!("{at}: {other:?}"),
    }
}

fn library_lrs(f: Finder, n: usize) -> Vec<f64> {
    let c = f.config();
    c.sweep.lrs(c.start_lr, c.end_lr, n)
}

#[test]
fn the_libraries_sweeps_replayed() {
    for (curve, f, want) in expected() {
        let raw = raw(&curve);
        let lrs = library_lrs(f, raw.len());
        let run = replay(f, &lrs, &raw, Some(f.threshold()));
        check(&curve, f, "sweep", &run, &want);
    }
}

#[test]
fn the_engine_stops_where_the_libraries_stop() {
    for (curve, f, want) in expected() {
        let raw = raw(&curve);
        let cfg = RangeTestConfig {
            num_it: raw.len(),
            ..f.config()
        };
        let lrs = library_lrs(f, raw.len());
        let mut t = RangeTest::new(cfg).unwrap();
        let mut k = 0;
        while let Some(lr) = t.next_lr() {
            assert_eq!(lr, lrs[k], "{curve} {f:?}: engine lr {k}");
            t.record(raw[k]);
            k += 1;
        }
        assert_eq!(k, want.recorded, "{curve} {f:?}: engine steps");
        let r = t.finish();
        let run = finder_run_of(&r).expect("a library's stop rule");
        check(&curve, f, "engine", &run, &want);
        // The engine's own record is the same curve (fastai's EMA beside it).
        assert_eq!(r.lrs, run.lrs);
        assert_eq!(r.raw, run.raw);
    }
}

#[test]
fn a_file_of_the_libraries_lrs_and_raw_losses() {
    for (curve, f, want) in expected() {
        let raw = raw(&curve);
        let mut csv = String::from("lr,loss\n");
        for (lr, x) in want.lrs.iter().zip(&raw) {
            csv.push_str(&format!("{lr:?},{x:?}\n"));
        }
        let c = read_curve_csv(csv.as_bytes()).unwrap();
        let losses = c.losses.unwrap();
        assert_eq!(losses.len(), want.recorded);
        let run = replay(f, &c.lrs, &losses, Some(f.threshold()));
        check(&curve, f, "file", &run, &want);
    }
}

/// The libraries' suggestions alone, on the curves they recorded (`lrs`, `smoothed` from the
/// golden file): what `lr_finder.suggestion()` / `plot(suggest_lr=True)` return on their results.
#[test]
fn suggestions_on_the_recorded_curves() {
    for (curve, f, want) in expected() {
        let s = f.suggestion(&want.lrs, &want.smoothed).unwrap();
        assert_eq!(s.index, want.suggestion_index, "{curve} {f:?}");
        assert_eq!(s.lr, want.suggestion, "{curve} {f:?}");
    }
}

/// The golden curves tell the libraries apart: each library's rules on the other's sweep give
/// another recording (so a mix-up of sweeps, smoothing or windows would fail above).
#[test]
fn the_two_libraries_differ_on_these_curves() {
    let e = expected();
    let mut differ = 0;
    for pair in e.chunks(2) {
        let (l, t) = (&pair[0].2, &pair[1].2);
        assert_ne!(l.lrs[1], t.lrs[1]);
        assert!(
            rel(l.smoothed[0], t.smoothed[0]) > 0.4,
            "debiasing from step 1"
        );
        if l.suggestion_index != t.suggestion_index || l.recorded != t.recorded {
            differ += 1;
        }
    }
    assert!(differ >= 3, "{differ}");
}

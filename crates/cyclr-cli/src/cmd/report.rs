//! Shared rendering of range-test results (text, plot) for `suggest`, `find`, `train --lr auto`
//! and the demo.
use std::fmt::Write as _;
use std::path::Path;

use cyclr::finder::{FinderRun, RangeTestResult, finder_run_of};

use crate::error::Result;
use crate::{output, plot};

const FASTAI_NAMES: [&str; 4] = ["valley", "steep", "minimum", "slide"];

/// Human summary: the suggestions (or one of them), the stop reason and the learning rates for
/// each use; other libraries' runs on the same curve are listed after fastai's. `only` is one of
/// fastai's four or a library's name (`lightning`, `torch-lr-finder`): the other suggestions are
/// left out (fastai's heading too, for a library).
///
/// `meaningless`: why the curve carries no information ([`cyclr::finder::uninformative`]):
/// every pick printed is then marked as meaningless.
pub fn suggestions_text_with(
    r: &RangeTestResult,
    only: Option<&str>,
    others: &[FinderRun],
    meaningless: Option<&str>,
) -> String {
    let mark = if meaningless.is_some() {
        "  [meaningless here]"
    } else {
        ""
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "recorded points: {} ({})",
        r.recorded_points(),
        r.stop_reason
    );
    if only.is_none_or(|o| FASTAI_NAMES.contains(&o)) {
        s.push_str(&fastai_text(r, only, mark));
    }
    let shown: Vec<&FinderRun> = others
        .iter()
        .filter(|f| only.is_none_or(|o| o == f.finder.name()))
        .collect();
    if !shown.is_empty() {
        let _ = writeln!(
            s,
            "other libraries' suggestions (each one's own smoothing, stop rule and suggestion on this curve):"
        );
        for f in shown {
            let n = f.recorded_points();
            let stop = match f.stop_reason {
                cyclr::finder::StopReason::Diverged { iteration, .. } => {
                    format!("stopped at iteration {iteration}")
                }
                _ => "to the end".to_string(),
            };
            match f.suggestion {
                Some(x) => {
                    let _ = writeln!(
                        s,
                        "{:>15}: {:<12.4e} {} ({}; {n} points recorded, {stop}){mark}",
                        f.finder.name(),
                        x.lr,
                        f.finder.rule(),
                        f.finder.library(),
                    );
                }
                None => {
                    let _ = writeln!(
                        s,
                        "{:>15}: {:<12} (not enough points: {n} recorded)",
                        f.finder.name(),
                        "-"
                    );
                }
            }
        }
    }
    if let Some(note) = r.rule_note() {
        let _ = writeln!(s, "note: {note}");
    }
    s.push_str(&rates_text(r.bounds.as_ref(), r.bounds_note.as_deref()));
    if let Some(why) = meaningless {
        let _ = writeln!(
            s,
            "no information: the curve {why}; every pick above is meaningless (each finder picks \
             some point of any curve): there is no learning rate to suggest"
        );
    }
    s
}

fn fastai_text(r: &RangeTestResult, only: Option<&str>, mark: &str) -> String {
    let mut s = String::new();
    let sug = &r.suggestions;
    let _ = writeln!(s, "fastai's suggestions (fastai 2.8.12's functions):");
    for (name, v, what) in [
        (
            "valley",
            &sug.valley,
            "middle of the longest descent (fastai default)",
        ),
        ("steep", &sug.steep, "steepest slope of loss vs log lr"),
        ("minimum", &sug.minimum, "lr at the minimum loss / 10"),
        ("slide", &sug.slide, "interval slide rule"),
    ] {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        match v {
            Some(x) => {
                let _ = writeln!(s, "{name:>8}: {:<12.4e} {what}{mark}", x.lr);
            }
            None => {
                let _ = writeln!(s, "{name:>8}: {:<12} (not enough points)", "-");
            }
        }
    }
    s
}

/// The learning rates for each use (what `--lr auto` trains with), the rule and any warnings.
pub fn rates_text(b: Option<&cyclr::finder::ClrBounds>, note: Option<&str>) -> String {
    let mut s = String::new();
    match b {
        Some(b) => {
            let _ = writeln!(s, "learning rates (what --lr auto trains with):");
            let _ = writeln!(s, "  fixed lr:   {:.4e}", b.fixed_lr);
            let _ = writeln!(
                s,
                "  CLR bounds: base_lr = {:.4e}, max_lr = {:.4e}",
                b.base_lr, b.max_lr
            );
            let _ = writeln!(s, "  one-cycle:  max_lr = {:.4e}", b.one_cycle_max_lr);
            let _ = writeln!(s, "rule: {}", b.rule);
            for w in &b.warnings {
                let _ = writeln!(s, "warning: {w}");
            }
        }
        None => {
            let _ = writeln!(
                s,
                "learning rates: none ({})",
                note.unwrap_or("not enough points")
            );
        }
    }
    s
}

/// Raw and smoothed curve, each fastai suggestion marked, the CLR band shaded, the fixed-LR and
/// one-cycle picks drawn, and (a library's own sweep: `find --finder lightning`) that library's
/// pick. `logged`: the whole curve `r` was analysed from (`suggest`), drawn in full when `r` ends
/// at a NaN that cyclr's rule read past (fastai's smoothed line still ends there). `libraries`:
/// more picks drawn as lines (`suggest`: the libraries' picks on the curve); `given`: rates to
/// mark, dashed (`suggest --mark`).
pub fn plot_range_test(
    path: &Path,
    title: &str,
    r: &RangeTestResult,
    logged: Option<(&[f64], &[f64])>,
    libraries: &[(String, f64)],
    given: &[(String, f64)],
) -> Result<()> {
    let n = r.recorded_points();
    let full = logged.filter(|(l, v)| {
        !r.rule_skipped_nan.is_empty() && l.len() == v.len() && l.len() > n && l[..n] == r.lrs[..]
    });
    let (lrs, raw): (&[f64], &[f64]) = full.unwrap_or((&r.lrs[..n], &r.raw[..n]));
    let mut smoothed = r.smoothed[..n].to_vec();
    smoothed.resize(lrs.len(), f64::NAN);
    // The no-lag line over the finite points (what the rule reads), NaN at the gaps.
    let finite: Vec<usize> = (0..lrs.len()).filter(|&i| raw[i].is_finite()).collect();
    let fl: Vec<f64> = finite.iter().map(|&i| lrs[i]).collect();
    let fv: Vec<f64> = finite.iter().map(|&i| raw[i]).collect();
    let mut centred = vec![f64::NAN; lrs.len()];
    for (k, c) in cyclr::finder::calibrated::centred_smooth(
        &fl,
        &fv,
        cyclr::finder::calibrated::HALF_WIDTH_DECADES,
    )
    .into_iter()
    .enumerate()
    {
        centred[finite[k]] = c;
    }
    let marks = r
        .suggestions
        .iter()
        .into_iter()
        .filter_map(|(name, s)| {
            s.map(|s| plot::Mark {
                name: name.into(),
                lr: s.lr,
                value: value_at(r, n, s.lr),
            })
        })
        .collect();
    let (band, picks) = match &r.bounds {
        Some(b) => (
            Some((b.base_lr, b.max_lr, "CLR band".to_string())),
            vec![
                ("fixed lr".to_string(), b.fixed_lr),
                ("one-cycle peak".to_string(), b.one_cycle_max_lr),
            ],
        ),
        None => (None, Vec::new()),
    };
    let picks = picks
        .into_iter()
        .chain(library_picks(finder_run_of(r).as_ref()))
        .chain(libraries.iter().cloned())
        .collect();
    let p = plot::RangePlot {
        title,
        metric: r.config.metric,
        log_x: r.config.sweep.is_exponential(),
        curves: vec![plot::RangeCurve {
            label: "test".into(),
            lrs,
            raw,
            smoothed: &smoothed,
            // The curve cyclr's rule reads (for accuracy: 1 − the smoothed error rate, the
            // same numbers).
            centred: Some(centred),
        }],
        marks,
        band,
        picks,
        given: given.to_vec(),
        spreads: Vec::new(),
        notes: range_notes(r),
    };
    output::plot_atomic(path, |tmp| plot::range_test(tmp, &p))
}

/// The libraries' suggestions as plot lines, `("<finder> pick", lr)`; a library with no
/// suggestion draws nothing.
pub fn library_picks<'a>(runs: impl IntoIterator<Item = &'a FinderRun>) -> Vec<(String, f64)> {
    runs.into_iter()
        .filter_map(|f| {
            f.suggestion
                .map(|s| (format!("{} pick", f.finder.name()), s.lr))
        })
        .collect()
}

/// Several seeds' tests on one plot: each seed's curves, each pick's spread over the seeds
/// shaded, the median picks drawn.
pub fn plot_repeated(
    path: &Path,
    title: &str,
    rep: &cyclr::finder::Repeated,
    summary: &cyclr::finder::RepeatedSummary,
) -> Result<()> {
    let Some(first) = rep.results.first() else {
        return Ok(());
    };
    let curves = rep
        .results
        .iter()
        .zip(&rep.seeds)
        .map(|(r, seed)| {
            let n = r.recorded_points();
            plot::RangeCurve {
                label: format!("seed {seed}"),
                lrs: &r.lrs[..n],
                raw: &r.raw[..n],
                smoothed: &r.smoothed[..n],
                centred: None,
            }
        })
        .collect();
    let spreads = summary
        .rates
        .iter()
        .filter(|(n, _)| n == "fixed_lr" || n == "one_cycle_max_lr")
        .map(|(n, s)| (format!("{n} over seeds"), s.min, s.max))
        .collect();
    let picks = summary
        .bounds
        .as_ref()
        .map(|b| {
            vec![
                ("fixed lr (median)".to_string(), b.fixed_lr),
                ("one-cycle peak (median)".to_string(), b.one_cycle_max_lr),
            ]
        })
        .unwrap_or_default();
    let p = plot::RangePlot {
        title,
        metric: first.config.metric,
        log_x: first.config.sweep.is_exponential(),
        curves,
        marks: Vec::new(),
        band: summary
            .bounds
            .as_ref()
            .map(|b| (b.base_lr, b.max_lr, "CLR band (median)".to_string())),
        picks,
        given: Vec::new(),
        spreads,
        notes: rep
            .results
            .iter()
            .zip(&rep.seeds)
            .flat_map(|(r, seed)| {
                range_notes(r)
                    .into_iter()
                    .map(move |n| format!("seed {seed}: {n}"))
            })
            .collect(),
    };
    output::plot_atomic(path, |tmp| plot::range_test(tmp, &p))
}

/// Smoothed value at the recorded lr nearest (in log space) to `lr`.
fn value_at(r: &RangeTestResult, n: usize, lr: f64) -> f64 {
    (0..n)
        .min_by(|&a, &b| {
            let da = (r.lrs[a].ln() - lr.ln()).abs();
            let db = (r.lrs[b].ln() - lr.ln()).abs();
            da.total_cmp(&db)
        })
        .map_or(f64::NAN, |i| r.smoothed[i])
}

/// The marks of a run on the run plot: where it diverged, or that it ended without learning
/// (at its last iteration). `seed` names the seed in the label (compare's overlay).
pub fn run_events(summary: &cyclr_burn::TrainSummary, seed: Option<u64>) -> Vec<plot::RunEvent> {
    let of_seed = seed.map_or(String::new(), |s| format!(", seed {s}"));
    let mut out = Vec::new();
    if let Some(d) = &summary.diverged {
        out.push(plot::RunEvent {
            // The plot's x is 1-based (iteration + 1 = iterations done).
            iteration: (d.iteration + 1) as f64,
            kind: plot::RunEventKind::Diverged,
            label: format!(
                "diverged at iteration {} (lr {}{of_seed})",
                d.iteration,
                plot::number_format([d.lr])(&d.lr)
            ),
        });
    }
    if summary.did_not_learn.is_some() {
        out.push(plot::RunEvent {
            iteration: summary.iterations as f64,
            kind: plot::RunEventKind::DidNotLearn,
            label: format!(
                "did not learn ({:.1}% at the end{of_seed})",
                summary.final_test_accuracy * 100.0
            ),
        });
    }
    out
}

/// What a range-test plot says in words beside its legend: why the curve ends where it does (a
/// NaN or ±inf loss, fastai's stop rule) and why it gives no rates (a flat curve).
pub fn range_notes(r: &RangeTestResult) -> Vec<String> {
    use cyclr::finder::StopReason;
    let mut notes = Vec::new();
    if !r.rule_skipped_nan.is_empty() {
        // A logged curve with NaN gaps: fastai's record (the thick smoothed line, the dots)
        // ends at the first; the rule's no-lag line reads past them.
        notes.push(format!(
            "{} NaN point(s) in the curve (gaps in the raw line): fastai's record and \
             suggestions end at the first (point {}), cyclr's rule reads past them",
            r.rule_skipped_nan.len(),
            r.rule_skipped_nan[0]
        ));
    } else if let StopReason::NonFinite { iteration, value } = r.stop_reason {
        notes.push(format!(
            "the test stopped at step {iteration}: the loss was {value}; the curve ends there"
        ));
    }
    if let Some(why) = &r.bounds_note {
        notes.push(format!("no rates: {why}"));
    }
    notes
}

/// Curves of one run for the overlay plot: test accuracy at evaluations, the LR and the
/// smoothed (β = 0.98, debiased) training loss, thinned to at most ~2000 points per line; no
/// marks (see [`run_events`]).
/// [`run_curves`] of a text run: the top panel shows the test loss (nats per character).
pub fn text_run_curves(name: &str, rows: &[cyclr_burn::MetricRow]) -> plot::RunCurves {
    let mut c = run_curves(name, rows);
    c.metric = plot::Metric::Loss;
    c.test = rows
        .iter()
        .filter_map(|r| r.test_loss.map(|l| ((r.iteration + 1) as f64, l)))
        .collect();
    c
}

/// With weight averaging: the live model's test figures (accuracy, or loss for text) as a curve
/// of their own beside the average's (no rate or training-loss panel: the run's); `None` when no
/// row has them. Before the average's first update the run's curve is the live model's: the
/// live curve starts at the first evaluation of an average.
pub fn live_curves(
    name: &str,
    rows: &[cyclr_burn::MetricRow],
    metric: plot::Metric,
) -> Option<plot::RunCurves> {
    let test: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| {
            let v = match metric {
                plot::Metric::Accuracy => r.live_test_accuracy,
                plot::Metric::Loss => r.live_test_loss,
            };
            v.map(|v| ((r.iteration + 1) as f64, v))
        })
        .collect();
    (!test.is_empty()).then(|| plot::RunCurves {
        name: format!("{name}, live model"),
        metric,
        test,
        band: Vec::new(),
        lr: Vec::new(),
        effective: false,
        loss: Vec::new(),
        events: Vec::new(),
    })
}

pub fn run_curves(name: &str, rows: &[cyclr_burn::MetricRow]) -> plot::RunCurves {
    let step = (rows.len() / 2000).max(1);
    let losses: Vec<f64> = rows.iter().map(|r| r.train_loss).collect();
    let smoothed = cyclr::finder::smooth(&losses, cyclr_burn::train::LOSS_BETA);
    let x = |r: &cyclr_burn::MetricRow| (r.iteration + 1) as f64;
    plot::RunCurves {
        name: name.to_string(),
        metric: plot::Metric::Accuracy,
        test: rows
            .iter()
            .filter_map(|r| r.test_accuracy.map(|a| (x(r), a)))
            .collect(),
        band: Vec::new(),
        lr: rows
            .iter()
            .step_by(step)
            .map(|r| (x(r), r.d.map_or(r.lr, |d| r.lr * d)))
            .collect(),
        effective: rows.iter().any(|r| r.d.is_some()),
        loss: rows
            .iter()
            .zip(&smoothed)
            .step_by(step)
            .map(|(r, s)| (x(r), *s))
            .collect(),
        events: Vec::new(),
    }
}

/// Map a training error to the CLI's exit codes.
pub fn train_error(e: cyclr_burn::TrainError, out: &Path) -> crate::error::CliError {
    use crate::error::CliError;
    use cyclr_burn::TrainError as E;
    match e {
        E::Config(m) => CliError::usage(m),
        E::Param(p) => CliError::usage(format!(
            "invalid {} = {}: {}",
            crate::args::key_flag(&p.param),
            p.value,
            p.valid
        )),
        E::Model(m) => CliError::usage(format!("--model: {m}")),
        e @ E::ForeignCheckpoint { .. } => {
            CliError::usage(format!("{e} (--out {} holds another run)", out.display()))
        }
        other => CliError::runtime(other.to_string()),
    }
}

/// The error a diverged run exits with (1): where, and what to do about it.
pub fn diverged(
    d: &cyclr_burn::Divergence,
    out: &Path,
    auto: bool,
    optimizer: &cyclr_burn::OptimizerConfig,
) -> crate::error::CliError {
    let advice = if optimizer.estimates_d() {
        "its lr multiplies the step size d that the optimizer estimates: give a lower --lr (e.g. \
         0.5), a --growth-rate (e.g. 1.02, a warm-up of d), or a decaying --policy (sgdr, \
         cosine-with-warmup)"
    } else if auto {
        "the range test's learning rates were too high for this run: give a lower --max-lr / --lr \
         (e.g. half of it), or run `cyclr find --seeds 0,1,2` to see how much they vary"
    } else {
        "`cyclr find` with the same --dataset/--model/--optimizer measures where the loss stops \
         falling, or use --lr auto"
    };
    crate::error::CliError::runtime(format!(
        "training {d}. {} holds the run up to there (metrics.csv, summary.json with \"diverged\"; \
         the last checkpoint before it is kept). Lower the learning rate: {advice}",
        out.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cyclr::finder::{RangeTest, RangeTestConfig};

    /// Run the engine over `loss(lr)` until it stops.
    fn sweep(loss: impl Fn(f64) -> f64) -> RangeTestResult {
        let mut t = RangeTest::new(RangeTestConfig::default()).unwrap();
        while let Some(lr) = t.next_lr() {
            t.record(loss(lr));
        }
        t.finish()
    }

    #[test]
    fn range_notes_say_why_a_curve_is_cut_or_gives_no_rates() {
        // A loss that falls, then turns NaN at lr 1: the plot says the curve ends there.
        let cut = sweep(|lr| {
            if lr > 1.0 {
                f64::NAN
            } else {
                2.3 - 0.1 * lr.log10()
            }
        });
        let notes = range_notes(&cut);
        assert!(
            notes
                .iter()
                .any(|n| n.contains("stopped at step") && n.contains("NaN")),
            "{notes:?}"
        );
        // A flat loss: no rates, and the plot says why.
        let notes = range_notes(&sweep(|_| 2.3));
        assert!(
            notes.iter().any(|n| n.starts_with("no rates:")),
            "{notes:?}"
        );
        // A healthy curve carries no note.
        let healthy = sweep(|lr| {
            let x = lr.log10();
            if x < 0.0 {
                2.3 - 0.3 * (x + 7.0).max(0.0)
            } else {
                2.3 * 10f64.powf(x)
            }
        });
        assert_eq!(
            range_notes(&healthy),
            Vec::<String>::new(),
            "{:?}",
            healthy.stop_reason
        );
    }

    #[test]
    fn run_events_mark_divergence_and_did_not_learn() {
        let mut s: cyclr_burn::TrainSummary = serde_json::from_value(serde_json::json!({
            "final_test_accuracy": 0.1, "final_test_loss": 2.3, "best_test_accuracy": 0.1,
            "iterations": 400, "resumed_from": null, "wall_time_s": 1.0, "images_per_s": 1.0,
            "metrics": [], "diverged": null,
            "did_not_learn": "did not learn: final test accuracy 10.00%, chance is 10.00% (10 classes)"
        }))
        .unwrap();
        let e = run_events(&s, Some(2));
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].kind, plot::RunEventKind::DidNotLearn);
        assert_eq!(e[0].iteration, 400.0);
        assert!(e[0].label.contains("seed 2"), "{}", e[0].label);
        s.did_not_learn = None;
        s.diverged = Some(cyclr_burn::Divergence {
            iteration: 171,
            lr: 0.84,
            loss: f64::NAN,
            kind: cyclr_burn::DivergenceKind::NonFiniteLoss,
        });
        let e = run_events(&s, None);
        assert_eq!(e[0].kind, plot::RunEventKind::Diverged);
        assert_eq!(e[0].iteration, 172.0);
        assert_eq!(e[0].label, "diverged at iteration 171 (lr 0.84)");
    }
}

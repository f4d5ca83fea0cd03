//! Shared rendering of range-test results (text, plot) for `suggest`, `find`, `train --lr auto`
//! and the demo.
use std::fmt::Write as _;
use std::path::Path;

use cyclr::finder::{FinderRun, RangeTestResult};

use crate::error::Result;
use crate::{output, plot};

const FASTAI_NAMES: [&str; 4] = ["valley", "steep", "minimum", "slide"];

/// Human summary: the suggestions (or one of them), the stop reason and the learning rates for
/// each use; other libraries' runs on the same curve are listed after fastai's. `only` is one of
/// fastai's four or a library's name (`lightning`, `torch-lr-finder`): the other suggestions are
/// left out (fastai's heading too, for a library).
pub fn suggestions_text_with(
    r: &RangeTestResult,
    only: Option<&str>,
    others: &[FinderRun],
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "recorded points: {} ({})",
        r.recorded_points(),
        r.stop_reason
    );
    if only.is_none_or(|o| FASTAI_NAMES.contains(&o)) {
        s.push_str(&fastai_text(r, only));
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
                        "{:>15}: {:<12.4e} {} ({}; {n} points recorded, {stop})",
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
    s
}

fn fastai_text(r: &RangeTestResult, only: Option<&str>) -> String {
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
                let _ = writeln!(s, "{name:>8}: {:<12.4e} {what}", x.lr);
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
/// one-cycle picks drawn.
pub fn plot_range_test(path: &Path, title: &str, r: &RangeTestResult) -> Result<()> {
    let n = r.recorded_points();
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
            Some((
                b.base_lr,
                b.max_lr,
                format!("CLR band {:.1e} .. {:.1e}", b.base_lr, b.max_lr),
            )),
            vec![
                ("fixed lr".to_string(), b.fixed_lr),
                ("one-cycle peak".to_string(), b.one_cycle_max_lr),
            ],
        ),
        None => (None, Vec::new()),
    };
    let p = plot::RangePlot {
        title,
        metric: metric_word(r),
        log_x: r.config.sweep.is_exponential(),
        curves: vec![plot::RangeCurve {
            label: "test".into(),
            lrs: &r.lrs[..n],
            raw: &r.raw[..n],
            smoothed: &r.smoothed[..n],
            // The curve cyclr's rule reads (for accuracy: 1 − the smoothed error rate, the
            // same numbers).
            centred: Some(cyclr::finder::calibrated::centred_smooth(
                &r.lrs[..n],
                &r.raw[..n],
                cyclr::finder::calibrated::HALF_WIDTH_DECADES,
            )),
        }],
        marks,
        band,
        picks,
        spreads: Vec::new(),
    };
    output::plot_atomic(path, |tmp| plot::range_test(tmp, &p))
}

fn metric_word(r: &RangeTestResult) -> &'static str {
    if r.config.metric == cyclr::finder::Metric::Accuracy {
        "accuracy"
    } else {
        "loss"
    }
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
        metric: metric_word(first),
        log_x: first.config.sweep.is_exponential(),
        curves,
        marks: Vec::new(),
        band: summary.bounds.as_ref().map(|b| {
            (
                b.base_lr,
                b.max_lr,
                format!("CLR band (median) {:.1e} .. {:.1e}", b.base_lr, b.max_lr),
            )
        }),
        picks,
        spreads,
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

/// Curves of one run for the overlay plot: test accuracy at evaluations, the LR and the
/// smoothed (β = 0.98, debiased) training loss, thinned to at most ~2000 points per line.
pub fn run_curves(name: &str, rows: &[cyclr_burn::MetricRow]) -> plot::RunCurves {
    let step = (rows.len() / 2000).max(1);
    let losses: Vec<f64> = rows.iter().map(|r| r.train_loss).collect();
    let smoothed = cyclr::finder::smooth(&losses, cyclr_burn::train::LOSS_BETA);
    let x = |r: &cyclr_burn::MetricRow| (r.iteration + 1) as f64;
    plot::RunCurves {
        name: name.to_string(),
        accuracy: rows
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

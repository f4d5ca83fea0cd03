//! Shared rendering of range-test results (text, plot) for `suggest`, `find`, `train --lr auto`
//! and the demo.
use std::fmt::Write as _;
use std::path::Path;

use cyclr::finder::RangeTestResult;

use crate::error::Result;
use crate::{output, plot};

/// Human summary: the suggestions (or one of them), the stop reason and the CLR bounds.
pub fn suggestions_text(r: &RangeTestResult, only: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "recorded points: {} ({})",
        r.recorded_points(),
        r.stop_reason
    );
    let sug = &r.suggestions;
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
    match &r.bounds {
        Some(b) => {
            let _ = writeln!(
                s,
                "CLR bounds: base_lr = {:.4e}, max_lr = {:.4e}",
                b.base_lr, b.max_lr
            );
            let _ = writeln!(s, "one-cycle:  max_lr = {:.4e}", b.one_cycle_max_lr);
            let _ = writeln!(s, "rule: {}", b.rule);
        }
        None => {
            let _ = writeln!(s, "CLR bounds: not enough points to recommend bounds");
        }
    }
    s
}

/// Raw and smoothed curve, each suggestion marked, the CLR band shaded.
pub fn plot_range_test(path: &Path, title: &str, r: &RangeTestResult) -> Result<()> {
    let n = r.recorded_points();
    let marks = [
        ("valley", &r.suggestions.valley),
        ("steep", &r.suggestions.steep),
        ("minimum", &r.suggestions.minimum),
        ("slide", &r.suggestions.slide),
    ]
    .into_iter()
    .filter_map(|(name, s)| {
        s.as_ref().map(|s| plot::Mark {
            name: name.into(),
            lr: s.lr,
            value: s.value,
        })
    })
    .collect();
    let band = r.bounds.as_ref().map(|b| {
        (
            b.base_lr,
            b.max_lr,
            format!("CLR band {:.1e} .. {:.1e}", b.base_lr, b.max_lr),
        )
    });
    let y_desc = if r.config.metric == cyclr::finder::Metric::Accuracy {
        "accuracy"
    } else {
        "loss"
    };
    let p = plot::RangePlot {
        title,
        y_desc,
        lrs: &r.lrs[..n],
        raw: &r.raw[..n],
        smoothed: &r.smoothed[..n],
        marks,
        band,
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

//! The outcome of a range test: the curve, why it stopped, fastai's suggestions and CLR bounds.
use std::fmt;
use std::io::Write;

use serde::{Deserialize, Serialize};

use super::bounds::ClrBounds;
use super::calibrated::calibrated_bounds_for;
use super::config::RangeTestConfig;
use super::suggest::{SKIP_END, Suggestion, Suggestions, skip_start};

/// Why a range test ended. `iteration` is the 0-based step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum StopReason {
    /// All `num_it` steps were recorded (or, for [`analyze`](super::analyze) and an early
    /// [`RangeTest::finish`](super::RangeTest::finish), the data ended first).
    Completed,
    /// The stop rule fired at `iteration`, after that point was recorded: the smoothed loss
    /// exceeded `factor × best` (fastai's `stop_div`), or in `Accuracy` mode the smoothed
    /// accuracy fell below `best / factor`.
    Diverged {
        /// The step whose point triggered the stop (it is the last recorded point).
        iteration: usize,
        /// Its smoothed value.
        smoothed: f64,
        /// The best smoothed value before it (lowest loss / highest accuracy).
        best: f64,
        /// The configured `stop_factor`.
        factor: f64,
    },
    /// The value reported at `iteration` was NaN or ±∞. That point is *not* recorded:
    /// `iteration` points were kept.
    NonFinite {
        /// The step that reported the value (= the number of points kept).
        iteration: usize,
        /// The value (NaN or ±∞; JSON shows NaN as `null`, ±∞ as `"inf"`/`"-inf"`).
        #[serde(with = "crate::serde_float")]
        value: f64,
    },
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            StopReason::Completed => write!(f, "completed"),
            StopReason::Diverged {
                iteration,
                smoothed,
                best,
                factor,
            } if best < 0.0 && smoothed >= best => write!(
                f,
                "diverged at iteration {iteration}: smoothed loss {smoothed:.6} rose above the best \
                 {best:.6} by more than ({factor} - 1) x |best| (the {factor} x best rule for a \
                 negative loss)"
            ),
            StopReason::Diverged {
                iteration,
                smoothed,
                best,
                factor,
            } if smoothed >= best => write!(
                f,
                "diverged at iteration {iteration}: smoothed loss {smoothed:.6} > {factor} x best {best:.6}"
            ),
            StopReason::Diverged {
                iteration,
                smoothed,
                best,
                factor,
            } => write!(
                f,
                "accuracy collapsed at iteration {iteration}: smoothed accuracy {smoothed:.6} < best \
                 {best:.6} / {factor}"
            ),
            StopReason::NonFinite { iteration, value } => {
                write!(
                    f,
                    "stopped at iteration {iteration}: non-finite value {value}"
                )
            }
        }
    }
}

/// A finished range test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeTestResult {
    /// The configuration it ran with.
    pub config: RangeTestConfig,
    /// Learning rate of each recorded point, for parameter group 0 (fastai records its *last*
    /// group's; with `group_scales`, group `g`'s lr is this × `group_scales[g] / group_scales[0]`,
    /// and so are the suggestions and bounds).
    pub lrs: Vec<f64>,
    /// The value reported at each recorded point (loss, or accuracy in `Accuracy` mode).
    pub raw: Vec<f64>,
    /// fastai's debiased EMA of `raw`.
    pub smoothed: Vec<f64>,
    /// Why the test ended.
    pub stop_reason: StopReason,
    /// fastai's suggestions, computed on `smoothed[window_start..window_end]`; their `index` is
    /// into `lrs`/`smoothed`.
    pub suggestions: Suggestions,
    /// The learning rate for each use (fixed, CLR bounds, one-cycle peak): cyclr's
    /// [calibrated rule](super::calibrated) on the loss metrics, the paper's rule on accuracy;
    /// `None` when the curve gives none (see `bounds_note`).
    pub bounds: Option<ClrBounds>,
    /// Why `bounds` is `None`, with advice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounds_note: Option<String>,
    /// First recorded point the suggestions saw: `num_it / 10` (capped at the points recorded).
    pub window_start: usize,
    /// One past the last recorded point the suggestions saw (`window_start` when they saw none).
    pub window_end: usize,
    /// Indices (into the analysed curve) of the NaN values cyclr's calibrated rule read past:
    /// on a logged curve ([`analyze`](super::analyze)) a NaN in the middle ends fastai's record
    /// (and its suggestions, as in fastai) but not the rule, which reads the finite points around
    /// it up to the stop rule. Empty for the engine, which stops at a NaN.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rule_skipped_nan: Vec<usize>,
}

impl RangeTestResult {
    /// Assemble a result from a recorded curve: computes the suggestion window, the suggestions
    /// and the bounds.
    pub(crate) fn build(
        config: RangeTestConfig,
        lrs: Vec<f64>,
        raw: Vec<f64>,
        smoothed: Vec<f64>,
        stop_reason: StopReason,
    ) -> Self {
        Self::build_with_rule_curve(config, lrs, raw, smoothed, stop_reason, None)
    }

    /// [`build`](Self::build) with the calibrated rule reading `rule = (lrs, raw, skipped NaN
    /// indices)` instead of the recorded curve (loss metrics only).
    pub(crate) fn build_with_rule_curve(
        config: RangeTestConfig,
        lrs: Vec<f64>,
        raw: Vec<f64>,
        smoothed: Vec<f64>,
        stop_reason: StopReason,
        rule: Option<(Vec<f64>, Vec<f64>, Vec<usize>)>,
    ) -> Self {
        let (ws, we) = suggestion_window(&config, &smoothed, stop_reason);
        let (wl, wv) = (&lrs[ws..we], &smoothed[ws..we]);
        let mut rule_skipped_nan = Vec::new();
        let (suggestions, bounds) = if config.metric.is_loss() {
            let s = Suggestions::compute(wl, wv);
            let b = match rule {
                Some((rl, rr, skipped)) => {
                    rule_skipped_nan = skipped;
                    calibrated_bounds_for(&rl, &rr, config.architecture)
                }
                None => calibrated_bounds_for(&lrs, &raw, config.architecture),
            };
            (s, b.map_err(|e| e.to_string()))
        } else {
            // The paper's metric: run fastai's functions on the negated accuracy (loss-like), then
            // report the accuracy itself as each suggestion's value.
            // The rates: cyclr's calibrated rule on the error rate, without lag (the paper's
            // EMA-peak reading stays available as `bounds::accuracy_bounds`).
            let neg: Vec<f64> = wv.iter().map(|a| -a).collect();
            let s = Suggestions::compute(wl, &neg);
            let b = super::calibrated::calibrated_accuracy_bounds(&lrs, &raw).map_err(|e| {
                format!(
                    "{} (the accuracy read as the error rate 1 - accuracy)",
                    e.to_string().replace("the loss", "the error rate")
                )
            });
            (s, b)
        };
        let (bounds, bounds_note) = match bounds {
            Ok(b) => (Some(b), None),
            Err(note) => (None, Some(note)),
        };
        let suggestions = suggestions.map(|s| Suggestion {
            index: s.index + ws,
            value: smoothed[s.index + ws],
            ..s
        });
        Self {
            config,
            lrs,
            raw,
            smoothed,
            stop_reason,
            suggestions,
            bounds,
            bounds_note,
            window_start: ws,
            window_end: we,
            rule_skipped_nan,
        }
    }

    /// The same test with its suggestions, window and bounds computed again from the curve by
    /// this version's rules (for a result read back from a file written by another version; an
    /// engine's result: the points a logged curve had past a NaN, [`rule_skipped_nan`], are not
    /// kept, so the bounds come from the recorded points).
    ///
    /// [`rule_skipped_nan`]: Self::rule_skipped_nan
    pub fn recomputed(self) -> Self {
        Self::build(
            self.config,
            self.lrs,
            self.raw,
            self.smoothed,
            self.stop_reason,
        )
    }

    /// Number of points recorded (`lrs.len()`).
    pub fn recorded_points(&self) -> usize {
        self.lrs.len()
    }

    /// How cyclr's rule treated NaN losses in the middle of a logged curve, as a sentence (`None`
    /// when it skipped none).
    pub fn rule_note(&self) -> Option<String> {
        let k = self.rule_skipped_nan.len();
        (k > 0).then(|| {
            let rows: Vec<String> = self
                .rule_skipped_nan
                .iter()
                .take(5)
                .map(|i| i.to_string())
                .collect();
            format!(
                "{k} NaN loss(es) in the curve (point{} {}{}, 0-based): cyclr's rule skipped them \
                 and read the points on both sides; fastai's suggestions stop at the first NaN, as \
                 fastai's lr_find does",
                if k == 1 { "" } else { "s" },
                rows.join(", "),
                if k > 5 { ", ..." } else { "" }
            )
        })
    }

    /// The curve as CSV: `iteration,lr,raw_<metric>,smoothed_<metric>` with `<metric>` one of
    /// `train_loss`, `val_loss`, `accuracy`. Numbers are written in Rust's shortest round-trip
    /// form, so [`read_curve_csv`](super::read_curve_csv) reads the file back exactly (it takes
    /// `raw_*` columns as the values).
    pub fn write_csv<W: Write>(&self, mut w: W) -> std::io::Result<()> {
        let m = self.config.metric.name();
        writeln!(w, "iteration,lr,raw_{m},smoothed_{m}")?;
        for (i, ((lr, raw), sm)) in self
            .lrs
            .iter()
            .zip(&self.raw)
            .zip(&self.smoothed)
            .enumerate()
        {
            writeln!(w, "{i},{lr:?},{raw:?},{sm:?}")?;
        }
        w.flush()
    }
}

/// The `[start, end)` range of recorded points that fastai's `lr_find` hands to the suggestion
/// functions: `[num_it//10 : -5]` of the recorded curve, cut at its first NaN.
///
/// fastai records every step until its stop rule fires. A divergence (or `num_it`) ends the test
/// with that point recorded, and the window drops the last 5 points. A NaN loss does not stop
/// fastai: the smoothed loss stays NaN, the test runs to `num_it`, and the NaN cut ends the
/// window at the NaN (the last 5 of `num_it` are still dropped). Here a non-finite value stops
/// the test without being recorded, so the window ends at `min(kept, num_it − 5)`: fastai's
/// window exactly. A `+∞` loss is different in fastai when `torch.lerp` keeps the EMA at `+∞`
/// (β ≥ 0.5): it is recorded and trips the divergence stop (∞ > 4·best), so with the stop on the
/// window ends at `kept + 1 − 5`, again as in fastai. The remaining cases (`−∞`; `+∞` without the
/// stop) would leave one infinite point in fastai's window; here the window ends before it.
pub fn suggestion_window(
    cfg: &RangeTestConfig,
    smoothed: &[f64],
    stop: StopReason,
) -> (usize, usize) {
    let n = smoothed.len();
    let start = skip_start(cfg.num_it);
    let end = match stop {
        StopReason::NonFinite { value, .. }
            if value == f64::INFINITY
                && cfg.metric.is_loss()
                && cfg.stop_factor.is_some()
                && cfg.beta >= 0.5
                && n > 0 =>
        {
            (n + 1).saturating_sub(SKIP_END)
        }
        StopReason::NonFinite { .. } => n.min(cfg.num_it.saturating_sub(SKIP_END)),
        _ => n.saturating_sub(SKIP_END),
    };
    let end = end.min(n);
    if start >= end {
        return (start.min(n), start.min(n));
    }
    let end = smoothed[start..end]
        .iter()
        .position(|x| x.is_nan())
        .map_or(end, |k| start + k);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finder::{Metric, RangeTest};

    fn run(cfg: RangeTestConfig, values: &[f64]) -> RangeTestResult {
        let mut t = RangeTest::new(cfg).unwrap();
        for &v in values {
            t.record(v);
        }
        t.finish()
    }

    fn cfg40() -> RangeTestConfig {
        RangeTestConfig {
            num_it: 40,
            ..RangeTestConfig::default()
        }
    }

    #[test]
    fn windows_follow_fastai() {
        let mut v = vec![1.0; 40];
        assert_eq!(run(cfg40(), &v).window_end, 35);
        v[30] = f64::NAN; // fastai: runs on in NaN, cut at 30
        let r = run(cfg40(), &v);
        assert_eq!(
            (r.recorded_points(), r.window_start, r.window_end),
            (30, 4, 30)
        );
        v[30] = f64::INFINITY; // fastai: records inf, stops, drops 5
        let r = run(cfg40(), &v);
        assert_eq!((r.recorded_points(), r.window_end), (30, 26));
        v[38] = f64::NAN; // num_it - 5 bounds the NaN window
        v[30] = 1.0;
        assert_eq!(run(cfg40(), &v).window_end, 35);
        let r = run(cfg40(), &v[..3]); // too short: an empty window
        assert_eq!((r.window_start, r.window_end), (3, 3));
    }

    #[test]
    fn json_and_display() {
        let mut v = vec![1.0; 40];
        v[35] = f64::NAN;
        let r = run(cfg40(), &v);
        let j = r.to_json();
        assert_eq!(j["recorded_points"], 35);
        assert_eq!(j["stop"]["reason"], "non_finite");
        assert!(j["stop"]["value"].is_null());
        assert_eq!(
            j["stop_reason"],
            "stopped at iteration 35: non-finite value NaN"
        );
        assert_eq!(j["metric"], "train_loss");
        // A flat loss: fastai's functions still answer; the calibrated rule says why it cannot.
        assert!(j["valley"].is_f64() && j["base_lr"].is_null() && j["rule"].is_null());
        assert!(
            j["bounds_note"].as_str().unwrap().contains("never fell"),
            "{}",
            j["bounds_note"]
        );
        let falling: Vec<f64> = (0..40).map(|i| 2.3 - 0.05 * i as f64).collect();
        let j = run(cfg40(), &falling).to_json();
        assert!(j["fixed_lr"].is_f64() && j["base_lr"].is_f64() && j["rule"].is_string());
        assert!(j["bounds_note"].is_null());

        let mut v: Vec<f64> = (0..40).map(|i| 2.0 - 0.01 * i as f64).collect();
        v[39] = 1e3;
        let r = run(cfg40(), &v);
        assert!(
            r.stop_reason
                .to_string()
                .starts_with("diverged at iteration 39")
        );
        let short = run(cfg40(), &[1.0; 3]).to_json();
        assert!(short["valley"].is_null() && short["base_lr"].is_null());
        let acc = RangeTestConfig {
            metric: Metric::Accuracy,
            ..cfg40()
        };
        assert_eq!(run(acc, &[0.5; 40]).to_json()["metric"], "accuracy");
    }
}

//! Cyclical-learning-rate bounds read off a range test.
//!
//! Smith (arXiv 1506.01186 §3.3) runs the test on *accuracy* and reads two learning rates off
//! it: where the accuracy starts to increase (`base_lr`) and where it slows, becomes ragged or
//! starts to fall (`max_lr`); as a rule of thumb `base_lr` = `max_lr`/3 … `max_lr`/4. fastai has
//! no bounds, only single-lr suggestions. The rule `--lr auto` and `find` use is cyclr's
//! calibrated one ([`super::calibrated`]), for an accuracy curve on its error rate
//! ([`calibrated_accuracy_bounds`](super::calibrated::calibrated_accuracy_bounds)); the paper's
//! own reading of the accuracy curve is kept here as [`accuracy_bounds`] for comparison (its EMA
//! lags, BENCHMARKS.md §5). Every [`ClrBounds`] carries the sentence of the rule that produced it.
use serde::{Deserialize, Serialize};

use super::suggest::{Suggestion, argmin_first};

/// The rates under the keys a range test's JSON gives them (`fixed_lr`, `base_lr`, `max_lr`,
/// `one_cycle_max_lr`, `rule`, `warnings`; `null`s and no warnings without rates): one test's
/// `suggestions.json` and the median of repeated tests' alike.
pub(crate) fn rates_json(b: Option<&ClrBounds>) -> serde_json::Map<String, serde_json::Value> {
    let serde_json::Value::Object(m) = serde_json::json!({
        "fixed_lr": b.map(|b| b.fixed_lr),
        "base_lr": b.map(|b| b.base_lr),
        "max_lr": b.map(|b| b.max_lr),
        "one_cycle_max_lr": b.map(|b| b.one_cycle_max_lr),
        "rule": b.map(|b| b.rule.clone()),
        "warnings": b.map(|b| b.warnings.clone()).unwrap_or_default(),
    }) else {
        unreachable!("an object literal")
    };
    m
}

/// The features the rates are read from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LrWindow {
    /// Where the smoothed loss has done `1 − KNEE_FRACTION` ([`calibrated`](super::calibrated)) of its fall.
    pub knee: f64,
    /// Where the smoothed loss is lowest.
    pub minimum: f64,
    /// Where it has climbed back by `CLIMB_FRACTION` of the fall (the last recorded learning
    /// rate when it never did).
    pub climb: f64,
    /// `false` when the loss never climbed back before the sweep ended.
    pub climbed: bool,
    /// The smoothed loss at the first point.
    pub start_loss: f64,
    /// Its minimum.
    pub min_loss: f64,
}

impl LrWindow {
    /// `√(knee · climb)`, the window's centre in log lr.
    pub fn centre(&self) -> f64 {
        (self.knee * self.climb).sqrt()
    }
}

/// What the calibrated rule reads off a pretrained model's curve (one that starts near its floor):
/// the loss's starting level, its minimum, and the *damage point* where it rises back above the
/// starting level ([`calibrated`](super::calibrated)).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PretrainedReading {
    /// The mean raw loss over the sweep's first decade: the pretrained model's loss.
    pub start_level: f64,
    /// Where the smoothed loss is lowest.
    pub minimum: f64,
    /// Its minimum.
    pub min_loss: f64,
    /// The first learning rate past the minimum where the smoothed loss is above `start_level`.
    pub damage: f64,
}

/// Fraction of the total fall (loss) or rise (accuracy) that marks its onset.
pub const ONSET_FRACTION: f64 = 0.1;
/// The paper's rule of thumb, used when the onset is not clearly found: `base_lr = max_lr / 4`.
pub const BASE_DIVISOR: f64 = 4.0;

/// Learning-rate bounds for a cyclical (triangular) policy and a peak for 1cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClrBounds {
    /// Learning rate for a fixed-LR run (`--lr auto` with `fixed`).
    pub fixed_lr: f64,
    /// Lower bound of the cycle.
    pub base_lr: f64,
    /// Upper bound of the cycle.
    pub max_lr: f64,
    /// Peak learning rate for a 1cycle schedule.
    pub one_cycle_max_lr: f64,
    /// The rule that produced these numbers, as a sentence.
    pub rule: String,
    /// The calibrated rule's window (`None` for the other rules and for a pretrained model's
    /// curve).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<LrWindow>,
    /// The calibrated rule's reading of a pretrained model's curve (fine-tuning), in place of
    /// the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretrained: Option<PretrainedReading>,
    /// `true` where the rates are multiples of the window's minimum rather than of its centre:
    /// the calibrated rule's reading of a transformer trained from scratch
    /// ([`Architecture::Transformer`](super::Architecture::Transformer)).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_minimum: bool,
    /// Why the numbers may be unreliable (empty when they are not).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Bounds from a smoothed **accuracy** window (the paper's own method, arXiv 1506.01186 §3.3:
/// "note the learning rate value when the accuracy starts to increase and when the accuracy
/// slows, becomes ragged, or starts to fall").
///
/// * `max_lr` = the learning rate at the peak of the smoothed accuracy (first maximum): past it
///   the accuracy can only stall or fall.
/// * `base_lr` = where the accuracy starts to rise: the first point (after the last point before
///   the peak still at or below the window's starting accuracy) where the smoothed accuracy
///   exceeds the starting value by `ONSET_FRACTION` (10 %) of the total rise `peak − start`;
///   `max_lr / 4` if that first point is the peak itself.
/// * `one_cycle_max_lr` = `max_lr` (Smith's 1cycle, arXiv 1803.09820: the range test's maximum
///   bound is the cycle's peak).
/// * `fixed_lr` = `valley` (fastai's valley on the negated accuracy), or `base_lr` without one.
///
/// `None` with fewer than 2 points, or when the accuracy never rises above its starting value.
pub fn accuracy_bounds(
    lrs: &[f64],
    accuracies: &[f64],
    valley: Option<Suggestion>,
) -> Option<ClrBounds> {
    let n = accuracies.len();
    if n < 2 || lrs.len() != n {
        return None;
    }
    let neg: Vec<f64> = accuracies.iter().map(|a| -a).collect();
    let p = argmin_first(&neg)?;
    let start = accuracies[0];
    let rise = accuracies[p] - start;
    if rise.is_nan() || rise <= 0.0 {
        return None;
    }
    let onset = find_onset(
        accuracies,
        p,
        |x| x <= start,
        |x| x >= start + ONSET_FRACTION * rise,
    )
    .1;
    let max_lr = lrs[p];
    let (base_lr, base_rule) = match onset {
        Some(k) if k < p => (
            lrs[k],
            format!(
                "base_lr = lr where the smoothed accuracy starts to rise ({:.0}% of the way from \
                 its starting value {start:.4} up to its peak {:.4})",
                ONSET_FRACTION * 100.0,
                accuracies[p]
            ),
        ),
        _ => (
            max_lr / BASE_DIVISOR,
            format!(
                "base_lr = max_lr/{BASE_DIVISOR} (Smith's rule of thumb; the accuracy jumps to its \
                 peak in one step, no onset before it)"
            ),
        ),
    };
    let rule = format!(
        "accuracy rule (Smith 2015): {base_rule}; max_lr = lr at the peak of the smoothed \
         accuracy; one_cycle_max_lr = max_lr"
    );
    Some(ClrBounds {
        fixed_lr: valley.map_or(base_lr, |v| v.lr),
        base_lr,
        max_lr,
        one_cycle_max_lr: max_lr,
        rule,
        window: None,
        pretrained: None,
        from_minimum: false,
        warnings: Vec::new(),
    })
}

/// The onset before `extreme` (the index of the minimum loss / peak accuracy). Returns
/// `(last_flat, onset)`: `last_flat` is the last index in `[0, extreme)` still at the starting
/// level (`at_start`; index 0 always is), `onset` the first index in `(last_flat, extreme]` that
/// satisfies `moved`.
fn find_onset(
    xs: &[f64],
    extreme: usize,
    at_start: impl Fn(f64) -> bool,
    moved: impl Fn(f64) -> bool,
) -> (usize, Option<usize>) {
    let last_flat = (0..extreme).rev().find(|&i| at_start(xs[i])).unwrap_or(0);
    (last_flat, (last_flat + 1..=extreme).find(|&i| moved(xs[i])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lrs(n: usize) -> Vec<f64> {
        (0..n).map(|i| 1e-5 * 10f64.powf(i as f64 / 10.0)).collect()
    }

    #[test]
    fn accuracy_rise_and_peak() {
        let acc: Vec<f64> = (0..30)
            .map(|i| match i {
                0..10 => 0.1,
                10..=18 => 0.1 + 0.1 * (i - 10) as f64,
                _ => 0.9 - 0.05 * (i - 18) as f64,
            })
            .collect();
        let x = lrs(30);
        let b = accuracy_bounds(&x, &acc, None).unwrap();
        assert_eq!(b.max_lr, x[18]);
        assert_eq!(b.base_lr, x[11]);
        assert_eq!(b.one_cycle_max_lr, x[18]);
        assert!(accuracy_bounds(&x, &[0.5; 30], None).is_none());
    }
}

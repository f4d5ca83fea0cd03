//! Cyclical-learning-rate bounds read off a range test.
//!
//! Smith (arXiv 1506.01186 §3.3) runs the test on *accuracy* and reads two learning rates off
//! it: where the accuracy starts to increase (`base_lr`) and where it slows, becomes ragged or
//! starts to fall (`max_lr`); as a rule of thumb `base_lr` = `max_lr`/3 … `max_lr`/4. fastai has
//! no bounds, only single-lr suggestions. The rules here are documented on [`loss_bounds`] and
//! [`accuracy_bounds`]; every [`ClrBounds`] carries the sentence of the rule that produced it.
use serde::{Deserialize, Serialize};

use super::suggest::{Suggestion, argmin_first};

/// Fraction of the total fall (loss) or rise (accuracy) that marks its onset.
pub const ONSET_FRACTION: f64 = 0.1;
/// The paper's rule of thumb, used when the onset is not clearly found: `base_lr = max_lr / 4`.
pub const BASE_DIVISOR: f64 = 4.0;
/// `max_lr` (loss modes) = lr at the minimum of the smoothed loss / `MAX_DIVISOR`.
pub const MAX_DIVISOR: f64 = 10.0;
/// The loss must fall by at least this fraction of its starting value for the onset to count.
pub const MIN_RELATIVE_FALL: f64 = 0.01;

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
    /// The calibrated rule's window (`None` for the other rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<super::calibrated::LrWindow>,
    /// Why the numbers may be unreliable (empty when they are not).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Bounds from a smoothed **loss** window (the suggestion window: `lrs`, `losses` of equal
/// length ≥ 2, NaN-free); `valley` is fastai's valley suggestion on the window.
///
/// * `fixed_lr` = `valley` (fastai's default suggestion), or `base_lr` without one.
/// * `max_lr` = one tenth of the learning rate at the minimum of the smoothed loss, i.e. fastai's
///   `minimum` suggestion ("one-tenth the minimum before divergence"). The minimum is where the
///   smoothed loss stops falling — the paper's "accuracy stops rising" read on a loss curve —
///   but on a fast exponential sweep it sits at the edge of divergence (the golden curves blow up
///   one to a few steps later) and the EMA lags the raw loss by many steps, so the bound is taken
///   one decade earlier (`MAX_DIVISOR`).
/// * `base_lr` = the onset of the fall when it is clearly found, otherwise `max_lr / 4` (the
///   paper's rule of thumb, `base = max/3 … max/4`). The onset is the first point, after the
///   last point before the minimum still at or above the window's starting loss, where the
///   smoothed loss has fallen by `ONSET_FRACTION` (10 %) of the total fall `losses[0] − min`.
///   It is clearly found when the total fall is at least `MIN_RELATIVE_FALL` (1 %) of the
///   starting loss, the loss comes back to its starting level at least once after the window's
///   first point (so the fall starts inside the window, not before it), and the onset's lr is
///   at most `max_lr / 4` (so the cycle is never narrower than the rule of thumb; on fast
///   exponential sweeps the onset is usually later, and the rule of thumb applies).
/// * `one_cycle_max_lr` = `max_lr` (Smith's 1cycle, arXiv 1803.09820: the range test's upper
///   bound is the cycle's peak; the cycle starts at peak/25). fastai's more conservative
///   `valley` is kept among the suggestions; measured on digits with SGD, a one-cycle peaked at
///   valley ended ~1 point below the fixed-LR baseline.
///
/// `None` with fewer than 2 points.
pub fn loss_bounds(lrs: &[f64], losses: &[f64], valley: Option<Suggestion>) -> Option<ClrBounds> {
    let n = losses.len();
    if n < 2 || lrs.len() != n {
        return None;
    }
    let m = argmin_first(losses)?;
    let max_lr = lrs[m] / MAX_DIVISOR;
    let (one_cycle_max_lr, oc_rule) = (
        max_lr,
        "one_cycle_max_lr = max_lr (Smith's 1cycle: the test's upper bound is the peak)",
    );
    let start = losses[0];
    let fall = start - losses[m];
    let (last_flat, onset) = find_onset(
        losses,
        m,
        |x| x >= start,
        |x| x <= start - ONSET_FRACTION * fall,
    );
    let clear = fall > 0.0 && fall >= MIN_RELATIVE_FALL * start.abs() && last_flat > 0;
    let (base_lr, base_rule) = match onset {
        Some(k) if clear && lrs[k] <= max_lr / BASE_DIVISOR => (
            lrs[k],
            format!(
                "base_lr = onset of the fall, the first lr where the smoothed loss is {:.0}% of \
                 the way from its starting value {start:.4} down to its minimum {:.4}",
                ONSET_FRACTION * 100.0,
                losses[m]
            ),
        ),
        _ => (
            max_lr / BASE_DIVISOR,
            format!(
                "base_lr = max_lr/{BASE_DIVISOR} (Smith's rule of thumb; no clear onset of the fall below it)"
            ),
        ),
    };
    let rule = format!(
        "loss rule: max_lr = lr at the minimum of the smoothed loss ({:.4e}, where it stops \
         falling) / {MAX_DIVISOR}, i.e. fastai's minimum suggestion; {base_rule}; {oc_rule}",
        lrs[m]
    );
    Some(ClrBounds {
        fixed_lr: valley.map_or(base_lr, |v| v.lr),
        base_lr,
        max_lr,
        one_cycle_max_lr,
        rule,
        window: None,
        warnings: Vec::new(),
    })
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
    fn loss_onset_and_minimum() {
        // Flat at 2.0 for 10 points, falls by 0.04 a step to 1.0 at index 35, then rises.
        let losses: Vec<f64> = (0..45)
            .map(|i| match i {
                0..10 => 2.0,
                10..=35 => 2.0 - 0.04 * (i - 10) as f64,
                _ => 1.0 + 0.3 * (i - 35) as f64,
            })
            .collect();
        let x = lrs(45);
        let b = loss_bounds(&x, &losses, None).unwrap();
        assert!((b.max_lr / (x[35] / 10.0) - 1.0).abs() < 1e-12);
        // 10% of the fall (2.0 -> 1.9) is first passed at index 13 (1.88).
        assert_eq!(b.base_lr, x[13], "{b:?}");
        assert_eq!(b.one_cycle_max_lr, b.max_lr);
        assert!(b.rule.contains("onset"), "{}", b.rule);
        let v = Suggestion {
            lr: x[20],
            index: 20,
            value: losses[20],
        };
        assert_eq!(
            loss_bounds(&x, &losses, Some(v)).unwrap().one_cycle_max_lr,
            b.max_lr
        );
    }

    #[test]
    fn loss_falling_from_the_start_uses_rule_of_thumb() {
        let losses: Vec<f64> = (0..20)
            .map(|i| if i < 15 { 3.0 - 0.1 * i as f64 } else { 5.0 })
            .collect();
        let x = lrs(20);
        let b = loss_bounds(&x, &losses, None).unwrap();
        assert_eq!(b.max_lr, x[14] / 10.0);
        assert_eq!(b.base_lr, b.max_lr / 4.0);
        assert!(b.rule.contains("rule of thumb"));
    }

    #[test]
    fn late_onset_uses_rule_of_thumb() {
        // The fall starts within a decade of the minimum: onset above max_lr.
        let losses: Vec<f64> = (0..30)
            .map(|i| match i {
                0..20 => 2.0,
                20..=25 => 2.0 - 0.2 * (i - 20) as f64,
                _ => 5.0,
            })
            .collect();
        let x = lrs(30);
        let b = loss_bounds(&x, &losses, None).unwrap();
        assert_eq!(b.base_lr, b.max_lr / 4.0);
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

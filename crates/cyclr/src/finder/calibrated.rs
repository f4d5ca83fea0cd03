//! cyclr's calibrated learning rates: what `--lr auto` trains with (not fastai's rule; fastai's
//! four suggestions are computed unchanged beside it).
//!
//! fastai's `valley` and the "minimum / 10" rule read a single point off a curve smoothed by an
//! exponential moving average that lags the raw loss by ~50 points (4 decades of a default
//! sweep), then correct for the lag by a fixed factor. Measured over many tasks
//! (BENCHMARKS.md §5), the rates they give are 3–70× below the best of an LR grid, and they move
//! by 2–5× from seed to seed. This rule reads **two** features off the raw curve smoothed
//! without lag, and takes each use's rate from the window between them:
//!
//! 1. **Smoothing without lag**: each point is replaced by the mean of the raw values within
//!    ±[`HALF_WIDTH_DECADES`] decades of its learning rate (a centred window in log lr, so the
//!    sweep's density does not change what it averages over).
//! 2. **The window** `[knee, climb]`: with `L₀` the smoothed loss at the first point and `m` its
//!    minimum, the *knee* is the first learning rate at which the loss has done
//!    `1 − `[`KNEE_FRACTION`] of its fall (`L ≤ m + KNEE_FRACTION·(L₀ − m)`), and the *climb* is
//!    the first learning rate past the minimum at which it has risen back by
//!    [`CLIMB_FRACTION`] of the fall (`L > m + CLIMB_FRACTION·(L₀ − m)`): below the knee the
//!    rate is still too small to train fast, past the climb it is too large to be stable.
//! 3. **The rates**, from the window's centre in log lr `c = √(knee · climb)`:
//!    fixed LR `= FIXED_FACTOR · c`, one-cycle peak `= ONE_CYCLE_FACTOR · c`, cyclical
//!    `max_lr = CLR_MAX_FACTOR · c` and `base_lr = max_lr / `[`BASE_DIVISOR`] (Smith's rule of
//!    thumb, `base = max/3 … max/4`).
//!
//! The factors were fitted on the calibration tasks of `bench/lr_quality/` and checked on held-out
//! ones (BENCHMARKS.md §5 gives both, and the command). They are specific to a sweep that goes
//! well past the minimum; the defaults of [`RangeTestConfig::calibrated`] do.
//!
//! Curves that cannot give rates are reported, not guessed at ([`NoRates`]): a loss that never
//! fell (by [`MIN_RELATIVE_FALL`] of its start), or too few points. A curve that never climbs
//! back by [`CLIMB_FRACTION`] of its fall before the sweep ends has no upper end: its rates are
//! **provisional** and said to be so (a warning, and a rule sentence that claims no climb),
//! taken from the knee instead of the window's centre ([`provisional_centre`]), which keeps every
//! rate inside the part of the sweep where the loss was falling; the message asks for a longer
//! sweep. That fallback is not calibrated: no curve measured so far needed it (the fine-tuning
//! curves, said to "only fall", did climb back on every task measured; what they lack is a fall
//! well above the noise, read below).
//!
//! **A pretrained model's curve** (fine-tuning: transformers#16013's "no U shape"). A model
//! that already fits the data starts the sweep near its floor: its loss falls little (6–16% on
//! cyclr's fine-tuning tasks, against 35–40% for the same GPT trained from scratch), within a few
//! times the batch-to-batch noise, and then climbs steeply once the rate starts to damage what
//! was learned. The knee of such a fall is noise, and the 5% floor above is crossed or not by
//! chance (on one fine-tuning task one seed in three gave no rates at all). So a curve whose
//! smoothed minimum lies less than [`PRETRAINED_FALL`] below its **starting level** (the mean raw
//! loss over the sweep's first decade — the pretrained model's loss, well measured from ~40
//! points) is read by what it shows clearly ([`pretrained_reading`]): the **damage point** `d`,
//! the first learning rate past the minimum at which the smoothed loss is back above the starting
//! level. The centre is `c = d / `[`DAMAGE_DIVISOR`], and the rates are the same multiples of it
//! as above. The divisor was fitted on one fine-tuning task (BENCHMARKS.md §13) and is reported
//! on a held-out one. A pretrained curve that never climbs back above its start is read by the
//! window as above (provisional).
//!
//! **A transformer trained from scratch** ([`Architecture::Transformer`], chosen from the model:
//! cyclr's `gpt` range tests set it). On nanoGPT's CPU GPT the window's centre lies 2.5–4.6×
//! above the best warm-up+cosine rate of an AdamW grid (BENCHMARKS.md §13): its curve has a
//! wide floor and climbs back only at ~0.3–0.5 (an image classifier's within a decade of its
//! knee), so the centre lands high, where a 2000-step run is past its best or diverges. Its
//! rates are the same multiples of the
//! **window's minimum** `c = minimum` (the rate of the lowest smoothed loss) instead of its centre:
//! one-cycle peak = √2 × minimum. Fitted on one task (`scratch-shakespeare`: minima 2.66e-3,
//! 3.16e-3, 3.55e-3 over three seeds → peak 4.5e-3 against the grid's 4e-3) and written down
//! before the held-out task's grid was read (`scratch-fortunes`: peak 7.5e-3 against 8e-3).
//! Trained with `--lr auto` (warm-up+cosine, 3 seeds) it ends at 1.9056 ± 0.0146 and
//! 1.9030 ± 0.0020 nats/char against the grid picks' 1.9208 and 1.9109 (the centre's peak:
//! 1.9301 on shakespeare; on fortunes it lies past the grid's cliff). A
//! pretrained transformer's curve is read by its damage point as above; a curve that never
//! climbs back keeps the provisional reading.
//!
//! [`Architecture::Transformer`]: super::Architecture::Transformer
//! [`RangeTestConfig::calibrated`]: super::RangeTestConfig::calibrated
//! [`BASE_DIVISOR`]: super::BASE_DIVISOR
use serde::{Deserialize, Serialize};

use super::bounds::{BASE_DIVISOR, ClrBounds, LrWindow, PretrainedReading};
use super::config::Architecture;

/// Half width, in decades of learning rate, of the centred smoothing window.
pub const HALF_WIDTH_DECADES: f64 = 0.1;
/// The knee: the loss is within this fraction of its fall from its minimum (80% of the fall done).
pub const KNEE_FRACTION: f64 = 0.2;
/// The climb: past the minimum, the loss has risen back by this fraction of its fall.
pub const CLIMB_FRACTION: f64 = 0.5;
/// Fixed LR = this × the window's centre.
pub const FIXED_FACTOR: f64 = 0.5;
/// One-cycle peak = this × the window's centre (√2).
pub const ONE_CYCLE_FACTOR: f64 = std::f64::consts::SQRT_2;
/// Cyclical `max_lr` = this × the window's centre.
pub const CLR_MAX_FACTOR: f64 = 1.0;
/// The loss must fall by at least this fraction of its starting value.
pub const MIN_RELATIVE_FALL: f64 = 0.05;
/// A curve whose smoothed minimum lies less than this fraction below its starting level is a
/// pretrained model's (see the [module documentation](self)).
pub const PRETRAINED_FALL: f64 = 0.25;
/// A pretrained model's curve: the centre = the damage point / this. Fitted on one fine-tuning
/// task (BENCHMARKS.md §13, `ft-fortunes-to-shakespeare`): the damage points of its three range
/// tests (median 2.99e-3) and the best one-cycle-peak rate of its grids (8e-4 for both
/// `nanogpt-cosine` and `one-cycle`, picked on validation loss) give √2 · 2.99e-3 / 8e-4 = 5.3;
/// 5 is used. The held-out fine-tuning task was not looked at to choose it.
pub const DAMAGE_DIVISOR: f64 = 5.0;
/// A pretrained model's curve: its starting level is the mean raw loss over this many decades
/// from the sweep's first learning rate.
pub const START_LEVEL_DECADES: f64 = 1.0;
/// Fewest recorded points the rule reads.
pub const MIN_POINTS: usize = 8;
/// Fewest points per decade of the sweep for the smoothing window (±[`HALF_WIDTH_DECADES`]) to
/// hold three points.
pub const MIN_POINTS_PER_DECADE: f64 = 15.0;

/// The fewest sweep iterations the rule reads reliably over `start_lr → end_lr` (an exponential
/// sweep): [`MIN_POINTS_PER_DECADE`] per decade, at least [`MIN_POINTS`].
pub fn min_iters(start_lr: f64, end_lr: f64) -> usize {
    let decades = (end_lr / start_lr).log10().abs();
    ((MIN_POINTS_PER_DECADE * decades).ceil() as usize).max(MIN_POINTS)
}

/// Why a curve gives no rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum NoRates {
    /// Too few recorded points.
    #[error(
        "only {got} points were recorded (the rule needs {MIN_POINTS}): the test stopped early; \
         lower the start learning rate or check the loss"
    )]
    TooFewPoints {
        /// Points recorded.
        got: usize,
    },
    /// The loss did not fall, and rose: the sweep started where the model already diverges.
    #[error(
        "the loss never fell and rose from {start:.4} to {end:.4}: the sweep started above the \
         rates that train this model; lower the start learning rate"
    )]
    StartTooHigh {
        /// Smoothed loss at the first point.
        start: f64,
        /// At the last point.
        end: f64,
    },
    /// The loss did not fall.
    #[error(
        "the loss never fell (from {start:.4} to at best {min:.4}, less than {pct:.0}%): the \
         sweep ended below the rates that train this model, or the model does not learn; raise \
         the end learning rate or check the data and the loss",
        pct = MIN_RELATIVE_FALL * 100.0
    )]
    NoFall {
        /// Smoothed loss at the first point.
        start: f64,
        /// Its minimum.
        min: f64,
    },
}

/// How far past the window's edge (in decades) a point still counts: far above `log10`'s rounding
/// of a sweep's learning rates (~1e-15 decade), far below any sweep's spacing.
pub const EDGE_TOLERANCE_DECADES: f64 = 1e-9;

/// The loss curve smoothed without lag: each point the mean of the raw values within
/// ±`half_width` decades of its learning rate (`lrs` > 0; any order of sweep). A point lying on
/// the edge counts, whatever the rounding of its `log10` (within [`EDGE_TOLERANCE_DECADES`]):
/// the calibrated sweep's points are exactly 0.025 decade apart, so every fourth neighbour lies
/// on the ±0.1-decade edge, and rounding alone used to decide whether a window held 7, 8 or 9
/// points, which made the line of a perfectly smooth curve bumpy (issue #27 item 8; 243 of the 272 interior windows of a straight line were off).
pub fn centred_smooth(lrs: &[f64], raw: &[f64], half_width: f64) -> Vec<f64> {
    let lg: Vec<f64> = lrs.iter().map(|x| x.log10()).collect();
    (0..raw.len())
        .map(|i| {
            let (mut sum, mut n) = (0.0, 0usize);
            for (j, &v) in raw.iter().enumerate() {
                if (lg[j] - lg[i]).abs() <= half_width + EDGE_TOLERANCE_DECADES {
                    sum += v;
                    n += 1;
                }
            }
            sum / n as f64
        })
        .collect()
}

/// The window of a loss curve (learning rates increasing, raw losses finite); see the
/// [module documentation](self).
pub fn lr_window(lrs: &[f64], raw: &[f64]) -> Result<LrWindow, NoRates> {
    let n = raw.len().min(lrs.len());
    if n < MIN_POINTS {
        return Err(NoRates::TooFewPoints { got: n });
    }
    let s = centred_smooth(&lrs[..n], &raw[..n], HALF_WIDTH_DECADES);
    let m = super::suggest::argmin_first(&s).expect("finite values");
    let (start, min) = (s[0], s[m]);
    let fall = start - min;
    if fall.is_nan() || fall <= MIN_RELATIVE_FALL * start.abs() {
        let end = s[n - 1];
        // `start * (1 + CLIMB_FRACTION)` would lie below a negative start (a log-likelihood):
        // the rise is measured from the start, in units of its magnitude.
        let rose = if start >= 0.0 {
            end > start * (1.0 + CLIMB_FRACTION)
        } else {
            end - start > CLIMB_FRACTION * -start
        };
        if rose {
            return Err(NoRates::StartTooHigh { start, end });
        }
        return Err(NoRates::NoFall { start, min });
    }
    let knee = (0..=m)
        .find(|&i| s[i] <= min + KNEE_FRACTION * fall)
        .expect("the minimum itself qualifies");
    let climb = (m..n).find(|&i| s[i] > min + CLIMB_FRACTION * fall);
    Ok(LrWindow {
        knee: lrs[knee],
        minimum: lrs[m],
        climb: lrs[climb.unwrap_or(n - 1)],
        climbed: climb.is_some(),
        start_loss: start,
        min_loss: min,
    })
}

/// The reading of a pretrained model's curve (see the [module documentation](self)), or `None`
/// where the curve is not one: fewer than [`MIN_POINTS`] points, a sweep shorter than
/// [`START_LEVEL_DECADES`] past its start, a minimum within that first stretch (or not below the
/// starting level, or below 0: a loss with no floor at 0), a fall of [`PRETRAINED_FALL`] of the
/// starting level or more (a model learning from scratch), or no point past the minimum back
/// above the starting level.
/// Learning rates increasing, raw losses finite.
pub fn pretrained_reading(lrs: &[f64], raw: &[f64]) -> Option<PretrainedReading> {
    let n = raw.len().min(lrs.len());
    if n < MIN_POINTS {
        return None;
    }
    let first_end = lrs[0] * 10f64.powf(START_LEVEL_DECADES);
    let first = lrs[..n].iter().take_while(|&&l| l <= first_end).count();
    if first == n {
        return None;
    }
    let start_level = raw[..first].iter().sum::<f64>() / first as f64;
    let s = centred_smooth(&lrs[..n], &raw[..n], HALF_WIDTH_DECADES);
    let m = super::suggest::argmin_first(&s)?;
    let fall = start_level - s[m];
    // A fraction of the starting level measures how near its floor a loss bounded below by 0
    // starts (cross-entropy, squared error); a negative loss (a log-likelihood) has no such
    // floor, and is read by the window.
    if m < first
        || s[m].is_nan()
        || s[m] < 0.0
        || fall <= 0.0
        || fall >= PRETRAINED_FALL * start_level
    {
        return None;
    }
    let d = (m..n).find(|&i| s[i] > start_level)?;
    Some(PretrainedReading {
        start_level,
        minimum: lrs[m],
        min_loss: s[m],
        damage: lrs[d],
    })
}

/// The calibrated rule on an **accuracy** curve (`Metric::Accuracy`, the paper's metric), read
/// without lag: the curve is taken as the error rate `1 − accuracy`, which falls as the model
/// learns and rises back as it diverges like a loss, and the rule above runs on it unchanged
/// (centred smoothing, the window from 80% of the fall to half of it back, the same factors).
/// The paper's own reading, the peak of an EMA-smoothed accuracy
/// ([`accuracy_bounds`](super::bounds::accuracy_bounds)), lags the raw curve so far that its
/// `max_lr` lands where the raw accuracy has already collapsed (issue #18: 0.84 on digits,
/// where one-cycle diverges); BENCHMARKS.md §5 compares the two.
pub fn calibrated_accuracy_bounds(lrs: &[f64], accuracies: &[f64]) -> Result<ClrBounds, NoRates> {
    let error: Vec<f64> = accuracies.iter().map(|a| 1.0 - a).collect();
    let mut b = calibrated_bounds(lrs, &error)?;
    b.rule = format!(
        "cyclr's calibrated rule on the error rate 1 − accuracy (accuracy read without lag){}",
        b.rule
            .trim_start_matches("cyclr's calibrated rule")
            .replace("the loss", "the error rate")
    );
    for w in &mut b.warnings {
        *w = w.replace("the loss", "the error rate");
    }
    Ok(b)
}

/// The rates for each use from a loss curve (see the [module documentation](self)), with the
/// rule as a sentence and warnings for curves whose window is uncertain: the rule for any model
/// ([`calibrated_bounds_for`] with [`Architecture::Any`]).
pub fn calibrated_bounds(lrs: &[f64], raw: &[f64]) -> Result<ClrBounds, NoRates> {
    calibrated_bounds_for(lrs, raw, Architecture::Any)
}

/// [`calibrated_bounds`] for a model of the given architecture: a transformer's window is read
/// at its minimum (see the [module documentation](self)); a pretrained model's curve and one that
/// never climbs back are read as for any model.
pub fn calibrated_bounds_for(
    lrs: &[f64],
    raw: &[f64],
    architecture: Architecture,
) -> Result<ClrBounds, NoRates> {
    if let Some(p) = pretrained_reading(lrs, raw) {
        let c = p.damage / DAMAGE_DIVISOR;
        let max_lr = CLR_MAX_FACTOR * c;
        return Ok(ClrBounds {
            fixed_lr: FIXED_FACTOR * c,
            base_lr: max_lr / BASE_DIVISOR,
            max_lr,
            one_cycle_max_lr: ONE_CYCLE_FACTOR * c,
            rule: format!(
                "cyclr's calibrated rule for a pretrained model's curve: the loss (smoothed over \
                 ±{HALF_WIDTH_DECADES} decade) fell only {:.1}% below its starting level {:.4} \
                 (less than {:.0}%: a model that already fits the data) and rose back above it \
                 at {:.3e}; from {:.3e} = that rate / {DAMAGE_DIVISOR}: fixed lr = \
                 {FIXED_FACTOR} x, one-cycle peak = {ONE_CYCLE_FACTOR:.3} x, CLR max_lr = \
                 {CLR_MAX_FACTOR} x, base_lr = max_lr/{BASE_DIVISOR}",
                (p.start_level - p.min_loss) / p.start_level.abs() * 100.0,
                p.start_level,
                PRETRAINED_FALL * 100.0,
                p.damage,
                c
            ),
            window: None,
            pretrained: Some(p),
            from_minimum: false,
            warnings: Vec::new(),
        });
    }
    let w = lr_window(lrs, raw)?;
    let mut warnings = Vec::new();
    let from_minimum = w.climbed && architecture == Architecture::Transformer;
    let (c, rule) = if from_minimum {
        let c = w.minimum;
        (
            c,
            format!(
                "cyclr's calibrated rule for a transformer trained from scratch: the loss \
                 (smoothed over ±{HALF_WIDTH_DECADES} decade) is lowest at {c:.3e} (its window \
                 runs from {:.3e}, {:.0}% of the fall done, to {:.3e}, {:.0}% of it climbed \
                 back); from that minimum's rate: fixed lr = {FIXED_FACTOR} x, one-cycle peak = \
                 {ONE_CYCLE_FACTOR:.3} x, CLR max_lr = {CLR_MAX_FACTOR} x, base_lr = \
                 max_lr/{BASE_DIVISOR}",
                w.knee,
                (1.0 - KNEE_FRACTION) * 100.0,
                w.climb,
                CLIMB_FRACTION * 100.0
            ),
        )
    } else if w.climbed {
        let c = w.centre();
        (
            c,
            format!(
                "cyclr's calibrated rule: the loss (smoothed over ±{HALF_WIDTH_DECADES} decade) \
                 has done {:.0}% of its fall at {:.3e} and climbed back {:.0}% of it at {:.3e}; \
                 from the window's centre {c:.3e}: fixed lr = {FIXED_FACTOR} x, one-cycle peak = \
                 {ONE_CYCLE_FACTOR:.3} x, CLR max_lr = {CLR_MAX_FACTOR} x, base_lr = \
                 max_lr/{BASE_DIVISOR}",
                (1.0 - KNEE_FRACTION) * 100.0,
                w.knee,
                CLIMB_FRACTION * 100.0,
                w.climb
            ),
        )
    } else {
        let c = provisional_centre(&w);
        warnings.push(format!(
            "the loss never rose: no upper end was seen (it had not climbed back {:.0}% of its \
             fall when the sweep ended at {:.3e}); these rates are provisional, taken from the \
             knee as if the window closed there, so that none lies above the part of the sweep \
             where the loss was falling; extend the sweep (a larger end learning rate) to see \
             the upper end",
            CLIMB_FRACTION * 100.0,
            w.climb
        ));
        (
            c,
            format!(
                "cyclr's calibrated rule, provisional (no upper end seen): the loss (smoothed over \
                 ±{HALF_WIDTH_DECADES} decade) has done {:.0}% of its fall at {:.3e} and never \
                 climbed back {:.0}% of it up to the end of the sweep at {:.3e}; from the knee \
                 {c:.3e} in place of the window's centre: fixed lr = {FIXED_FACTOR} x, one-cycle \
                 peak = {ONE_CYCLE_FACTOR:.3} x, CLR max_lr = {CLR_MAX_FACTOR} x, base_lr = \
                 max_lr/{BASE_DIVISOR}",
                (1.0 - KNEE_FRACTION) * 100.0,
                w.knee,
                CLIMB_FRACTION * 100.0,
                w.climb
            ),
        )
    };
    let max_lr = CLR_MAX_FACTOR * c;
    if (w.knee / lrs[0]).log10() < 2.5 * HALF_WIDTH_DECADES {
        warnings.push(format!(
            "the loss had already fallen at the first learning rate ({:.3e}): the window's lower \
             end is unknown; lower the start learning rate",
            lrs[0]
        ));
    }
    Ok(ClrBounds {
        fixed_lr: FIXED_FACTOR * c,
        base_lr: max_lr / BASE_DIVISOR,
        max_lr,
        one_cycle_max_lr: ONE_CYCLE_FACTOR * c,
        rule,
        window: Some(w),
        pretrained: None,
        from_minimum,
        warnings,
    })
}

/// The centre the rates are taken from when the loss never climbed back (no upper end seen): the
/// knee, lowered where needed so that the largest rate (the one-cycle peak,
/// [`ONE_CYCLE_FACTOR`] × the centre) is no larger than the sweep's last learning rate. Not
/// calibrated: a range test whose loss is still falling at its end says only that the rates up
/// to the knee train; the real window's centre lies at or above the knee, so these rates are low
/// rather than diverging (issue #27: on a 150-row CSV the window closed at the sweep's end gave a
/// one-cycle peak that diverged at iteration 60; the knee's trains to 100%).
pub fn provisional_centre(w: &LrWindow) -> f64 {
    let largest_factor = ONE_CYCLE_FACTOR.max(CLR_MAX_FACTOR).max(FIXED_FACTOR);
    w.knee.min(w.climb / largest_factor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finder::Sweep;

    /// A synthetic range test: flat, a fall over 2 decades, a floor, then a blow-up.
    fn curve() -> (Vec<f64>, Vec<f64>) {
        let lrs = Sweep::Exponential.lrs(1e-6, 10.0, 280);
        let loss = lrs
            .iter()
            .map(|&lr| {
                let x = lr.log10();
                match x {
                    x if x < -4.0 => 2.3,
                    x if x < -2.0 => 2.3 - 2.0 * (x + 4.0) / 2.0,
                    x if x < -0.5 => 0.3,
                    x => 0.3 + 10.0 * (x + 0.5),
                }
            })
            .collect();
        (lrs, loss)
    }

    #[test]
    fn window_and_rates_of_a_clean_curve() {
        let (lrs, loss) = curve();
        let w = lr_window(&lrs, &loss).unwrap();
        // 80% of the fall (down to 0.7) is done at 10^-2.4 (smoothing blurs it a little).
        assert!((w.knee.log10() + 2.4).abs() < 0.1, "{w:?}");
        // Climbing back half the fall (to 1.3) at 10^-0.4.
        assert!((w.climb.log10() + 0.4).abs() < 0.1, "{w:?}");
        assert!(w.climbed);
        let b = calibrated_bounds(&lrs, &loss).unwrap();
        let c = w.centre();
        assert_eq!(b.fixed_lr, FIXED_FACTOR * c);
        assert_eq!(b.one_cycle_max_lr, ONE_CYCLE_FACTOR * c);
        assert_eq!(b.base_lr, b.max_lr / BASE_DIVISOR);
        assert!(b.warnings.is_empty(), "{:?}", b.warnings);
        assert!(b.rule.contains("calibrated"));
    }

    #[test]
    fn smoothing_has_no_lag() {
        // A step at 1e-3: the centred mean is symmetric around it.
        let lrs = Sweep::Exponential.lrs(1e-6, 1.0, 240);
        let raw: Vec<f64> = lrs
            .iter()
            .map(|&l| if l < 1e-3 { 2.0 } else { 1.0 })
            .collect();
        let s = centred_smooth(&lrs, &raw, 0.1);
        let half = lrs
            .iter()
            .zip(&s)
            .find(|(_, v)| **v <= 1.5)
            .map(|(l, _)| l.log10())
            .unwrap();
        assert!((half + 3.0).abs() < 0.03, "{half}");
    }

    /// Issue #27 item 8: on the calibrated sweep (280 points, 1e-6 → 10: 0.025 decade apart) every
    /// window holds 4 points a side away from the ends, so a straight line in log lr stays
    /// exactly straight: the centred mean of a linear function over a symmetric window is
    /// itself. Before, `log10` rounding dropped some edge points (3 a side) and the line was
    /// bumpy.
    #[test]
    fn the_window_edges_do_not_flicker_with_rounding() {
        let lrs = Sweep::Exponential.lrs(1e-6, 10.0, 280);
        let line: Vec<f64> = lrs.iter().map(|l| 3.0 - 0.2 * l.log10()).collect();
        let s = centred_smooth(&lrs, &line, 0.1);
        for i in 4..276 {
            assert!(
                (s[i] - line[i]).abs() < 1e-9,
                "point {i}: {} vs {}",
                s[i],
                line[i]
            );
        }
    }

    #[test]
    fn scaling_the_learning_rates_scales_the_picks() {
        let (lrs, loss) = curve();
        let b = calibrated_bounds(&lrs, &loss).unwrap();
        let lrs10: Vec<f64> = lrs.iter().map(|l| l * 10.0).collect();
        let b10 = calibrated_bounds(&lrs10, &loss).unwrap();
        for (x, y) in [
            (b.fixed_lr, b10.fixed_lr),
            (b.max_lr, b10.max_lr),
            (b.one_cycle_max_lr, b10.one_cycle_max_lr),
        ] {
            assert!((y / x / 10.0 - 1.0).abs() < 1e-9, "{x} {y}");
        }
    }

    #[test]
    fn degenerate_curves_are_reported() {
        let lrs = Sweep::Exponential.lrs(1e-6, 10.0, 100);
        let flat = vec![2.3; 100];
        assert!(matches!(
            calibrated_bounds(&lrs, &flat),
            Err(NoRates::NoFall { .. })
        ));
        assert!(matches!(
            calibrated_bounds(&lrs[..5], &flat[..5]),
            Err(NoRates::TooFewPoints { got: 5 })
        ));
        // Still falling at the end: provisional rates, with a warning to extend the sweep.
        let falling: Vec<f64> = (0..100).map(|i| 2.3 - 0.02 * i as f64).collect();
        let b = calibrated_bounds(&lrs, &falling).unwrap();
        assert!(!b.window.unwrap().climbed);
        assert!(
            b.warnings.iter().any(|w| w.contains("extend the sweep")),
            "{:?}",
            b.warnings
        );
        // Falling for only the first few points: a warning to lower the start.
        let (lrs, loss) = curve();
        let b = calibrated_bounds(&lrs[155..], &loss[155..]).unwrap();
        assert!(
            b.warnings.iter().any(|w| w.contains("lower the start")),
            "{:?}",
            b.warnings
        );
        // Never falling, only rising: the start is too high.
        assert!(matches!(
            calibrated_bounds(&lrs[200..], &loss[200..]),
            Err(NoRates::StartTooHigh { .. })
        ));
        // A flat negative loss (a log-likelihood) did not rise: it never fell.
        let lrs = Sweep::Exponential.lrs(1e-6, 10.0, 100);
        assert!(matches!(
            calibrated_bounds(&lrs, &[-1.0; 100]),
            Err(NoRates::NoFall { .. })
        ));
    }

    /// Issue #27 item 2: a loss falling linearly all the way to the end of the sweep (40 points,
    /// 2.3 → 0.8 between 1e-6 and 10). The rule claims no climb, says the loss never rose, and
    /// takes provisional rates from the knee: every rate at most the one-cycle peak
    /// `√2 × knee`, inside the sweep, far below the end the old reading trained at.
    #[test]
    fn a_curve_that_never_rises_gives_provisional_rates_inside_the_sweep() {
        let lrs = Sweep::Exponential.lrs(1e-6, 10.0, 40);
        let falling: Vec<f64> = (0..40).map(|i| 2.3 - 1.5 * i as f64 / 39.0).collect();
        let b = calibrated_bounds(&lrs, &falling).unwrap();
        let w = b.window.unwrap();
        assert!(!w.climbed);
        assert!(!b.rule.contains("climbed back 50% of it at"), "{}", b.rule);
        assert!(b.rule.contains("provisional"), "{}", b.rule);
        assert!(
            b.warnings
                .iter()
                .any(|m| m.starts_with("the loss never rose: no upper end was seen")),
            "{:?}",
            b.warnings
        );
        // The knee: 80% of the fall done at 2.3 - 1.2 = 1.1, i.e. point 31 of 39 (10^-0.44).
        assert!((w.knee.log10() + 0.44).abs() < 0.2, "{w:?}");
        assert_eq!(b.one_cycle_max_lr, ONE_CYCLE_FACTOR * w.knee);
        assert_eq!(b.fixed_lr, FIXED_FACTOR * w.knee);
        for r in [b.fixed_lr, b.base_lr, b.max_lr, b.one_cycle_max_lr] {
            assert!(
                r <= 10.0 && r <= ONE_CYCLE_FACTOR * w.knee * (1.0 + 1e-12),
                "{r}"
            );
        }
        // A knee in the sweep's last points: the centre is lowered so the peak stays inside.
        let late: Vec<f64> = (0..40).map(|i| if i < 38 { 2.3 } else { 0.5 }).collect();
        let b = calibrated_bounds(&lrs, &late).unwrap();
        assert!(b.one_cycle_max_lr <= 10.0 * (1.0 + 1e-12), "{b:?}");
        // On an accuracy curve, the same fallback, worded for the error rate.
        let acc: Vec<f64> = falling.iter().map(|l| 1.0 - l / 2.5).collect();
        let b = calibrated_accuracy_bounds(&lrs, &acc).unwrap();
        assert!(
            b.rule.starts_with(
                "cyclr's calibrated rule on the error rate 1 − accuracy (accuracy read \
                 without lag), provisional (no upper end seen): the error rate"
            ),
            "{}",
            b.rule
        );
        assert!(
            b.warnings[0].starts_with("the error rate never rose"),
            "{:?}",
            b.warnings
        );
    }

    #[test]
    fn a_negative_loss_gives_the_rates_of_the_same_curve_shifted() {
        let (lrs, loss) = curve();
        let b = calibrated_bounds(&lrs, &loss).unwrap();
        let shifted: Vec<f64> = loss.iter().map(|x| x - 5.0).collect();
        let bs = calibrated_bounds(&lrs, &shifted).unwrap();
        assert!(
            (bs.max_lr / b.max_lr - 1.0).abs() < 1e-9,
            "{} {}",
            bs.max_lr,
            b.max_lr
        );
        assert_eq!(bs.warnings, b.warnings);
    }

    /// An accuracy curve that rises between 1e-3 and 1e-2, holds, and collapses to chance past
    /// 1: the rule reads its error rate, so every rate sits inside the plateau, below the
    /// collapse.
    #[test]
    fn the_accuracy_rule_reads_the_error_rate_without_lag() {
        let lrs = Sweep::Exponential.lrs(1e-6, 10.0, 280);
        let acc: Vec<f64> = lrs
            .iter()
            .map(|&lr| {
                let x = lr.log10();
                if x < -3.0 {
                    0.1
                } else if x < -2.0 {
                    0.1 + 0.8 * (x + 3.0)
                } else if x < 0.0 {
                    0.9
                } else {
                    0.1
                }
            })
            .collect();
        let b = calibrated_accuracy_bounds(&lrs, &acc).unwrap();
        for r in [b.fixed_lr, b.base_lr, b.max_lr, b.one_cycle_max_lr] {
            assert!((3e-3..1.0).contains(&r), "{r} outside the plateau: {b:?}");
        }
        assert!(b.rule.contains("error rate 1 − accuracy"), "{}", b.rule);
        assert!(!b.rule.contains("the loss"), "{}", b.rule);
        // The same numbers as the loss rule on 1 - accuracy.
        let err: Vec<f64> = acc.iter().map(|a| 1.0 - a).collect();
        assert_eq!(calibrated_bounds(&lrs, &err).unwrap().max_lr, b.max_lr);
        // A flat accuracy: no rates, and the message says so.
        assert!(matches!(
            calibrated_accuracy_bounds(&lrs, &[0.1; 280]),
            Err(NoRates::NoFall { .. })
        ));
    }

    /// A pretrained model's curve: flat at 2.2 (with noise ±0.06, deterministic), a dip of
    /// `dip` around 3e-4, then a steep climb past 1e-3.
    fn pretrained_curve(dip: f64) -> (Vec<f64>, Vec<f64>) {
        let lrs = Sweep::Exponential.lrs(1e-6, 10.0, 280);
        let loss = lrs
            .iter()
            .enumerate()
            .map(|(i, &lr)| {
                let x = lr.log10();
                let noise = 0.06 * ((i as f64 * 2.399).sin());
                let dip = dip * (-((x + 3.5) / 0.4).powi(2)).exp();
                let climb = if x > -3.0 { 20.0 * (x + 3.0) } else { 0.0 };
                2.2 + noise - dip + climb
            })
            .collect();
        (lrs, loss)
    }

    #[test]
    fn a_pretrained_curve_is_read_by_its_damage_point() {
        // A dip of 0.1 (4.5%: under MIN_RELATIVE_FALL, where the window gave no rates) and one of
        // 0.3 (14%): both read from where the loss rises back above its starting level.
        for dip in [0.1, 0.3] {
            let (lrs, loss) = pretrained_curve(dip);
            let p = pretrained_reading(&lrs, &loss).expect("a pretrained curve");
            assert!((p.start_level - 2.2).abs() < 0.02, "{p:?}");
            // The loss is back above 2.2 just past 1e-3 (the climb starts there, the dip's tail
            // and the smoothing move it by a few sweep steps).
            assert!((p.damage.log10() + 3.0).abs() < 0.15, "{p:?}");
            assert!((p.minimum.log10() + 3.5).abs() < 0.3, "{p:?}");
            let b = calibrated_bounds(&lrs, &loss).unwrap();
            let c = p.damage / DAMAGE_DIVISOR;
            assert_eq!(b.one_cycle_max_lr, ONE_CYCLE_FACTOR * c);
            assert_eq!(b.fixed_lr, FIXED_FACTOR * c);
            assert_eq!(b.max_lr, CLR_MAX_FACTOR * c);
            assert_eq!(b.base_lr, b.max_lr / BASE_DIVISOR);
            assert_eq!(b.pretrained, Some(p));
            assert!(b.window.is_none());
            assert!(b.rule.contains("pretrained model's curve"), "{}", b.rule);
            assert!(b.warnings.is_empty(), "{:?}", b.warnings);
        }
        // The same shape with a fall of a model learning from scratch: the window, as before.
        let (lrs, loss) = curve();
        assert_eq!(pretrained_reading(&lrs, &loss), None);
        assert!(calibrated_bounds(&lrs, &loss).unwrap().window.is_some());
        // A fall that never rises back (the loss stays near the dip's floor): no damage point,
        // the window's (provisional) reading.
        let (lrs, loss) = pretrained_curve(0.3);
        let flat: Vec<f64> = lrs
            .iter()
            .zip(&loss)
            .map(|(&lr, &l)| if lr > 3.2e-4 { 1.95 } else { l })
            .collect();
        assert_eq!(pretrained_reading(&lrs, &flat), None);
        let b = calibrated_bounds(&lrs, &flat).unwrap();
        assert!(b.pretrained.is_none() && b.window.is_some_and(|w| !w.climbed));
        // Rising from the first decade on (the minimum at the start): still "start too high".
        let rising: Vec<f64> = lrs
            .iter()
            .map(|&l| 2.2 + 10.0 * (l.log10() + 6.0))
            .collect();
        assert_eq!(pretrained_reading(&lrs, &rising), None);
        assert!(matches!(
            calibrated_bounds(&lrs, &rising),
            Err(NoRates::StartTooHigh { .. })
        ));
        // A negative loss (a log-likelihood: no floor at 0) is read by the window.
        let (lrs, loss) = pretrained_curve(0.3);
        let nll: Vec<f64> = loss.iter().map(|l| l - 10.0).collect();
        assert_eq!(pretrained_reading(&lrs, &nll), None);
        // A sweep within its first decade has no starting level to read.
        assert_eq!(pretrained_reading(&lrs[..40], &loss[..40]), None);
    }

    /// A transformer trained from scratch: the same window, its rates read at its minimum (here
    /// ~1e-3, the window's centre ~3e-3); the architecture travels in the range test's
    /// configuration (in JSON only when not `any`); a pretrained curve and one that never climbs
    /// back are read as for any model.
    #[test]
    fn a_transformer_curve_is_read_at_its_minimum() {
        let lrs = Sweep::Exponential.lrs(1e-6, 10.0, 280);
        // Flat at 4.2, a fall to 2.2 at 1e-3, a slow climb past it.
        let loss: Vec<f64> = lrs
            .iter()
            .map(|&lr| match lr.log10() {
                x if x < -5.0 => 4.2,
                x if x < -3.0 => 4.2 - (x + 5.0),
                x => 2.2 + 0.5 * (x + 3.0).powi(2),
            })
            .collect();
        let any = calibrated_bounds(&lrs, &loss).unwrap();
        let tr = calibrated_bounds_for(&lrs, &loss, Architecture::Transformer).unwrap();
        let w = tr.window.expect("the window is read");
        assert_eq!(any.window, Some(w));
        assert!((w.minimum.log10() + 3.0).abs() < 0.15, "{w:?}");
        assert!((w.centre().log10() + 2.5).abs() < 0.15, "{w:?}");
        assert!(tr.from_minimum && !any.from_minimum);
        assert_eq!(tr.one_cycle_max_lr, ONE_CYCLE_FACTOR * w.minimum);
        assert_eq!(tr.fixed_lr, FIXED_FACTOR * w.minimum);
        assert_eq!(tr.max_lr, CLR_MAX_FACTOR * w.minimum);
        assert_eq!(tr.base_lr, tr.max_lr / BASE_DIVISOR);
        assert_eq!(any.one_cycle_max_lr, ONE_CYCLE_FACTOR * w.centre());
        assert!(
            tr.rule.contains("transformer trained from scratch") && tr.warnings.is_empty(),
            "{tr:?}"
        );
        // Through a range test's configuration, and its JSON.
        let cfg = crate::finder::RangeTestConfig {
            start_lr: lrs[0],
            end_lr: lrs[lrs.len() - 1],
            num_it: lrs.len(),
            stop_factor: None,
            architecture: Architecture::Transformer,
            ..crate::finder::RangeTestConfig::default()
        };
        let r = crate::finder::analyze(&lrs, &loss, &cfg).unwrap();
        assert_eq!(r.bounds.as_ref(), Some(&tr));
        let json = serde_json::to_string(&cfg).unwrap();
        assert!(json.contains(r#""architecture":"transformer""#), "{json}");
        let back: crate::finder::RangeTestConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cfg);
        let plain = crate::finder::RangeTestConfig::default();
        assert!(
            !serde_json::to_string(&plain)
                .unwrap()
                .contains("architecture")
        );
        // A pretrained curve: its damage point, whatever the model.
        let (lrs, loss) = pretrained_curve(0.3);
        assert_eq!(
            calibrated_bounds_for(&lrs, &loss, Architecture::Transformer).unwrap(),
            calibrated_bounds(&lrs, &loss).unwrap()
        );
        // A curve that only falls: the provisional reading, whatever the model.
        let falling: Vec<f64> = lrs
            .iter()
            .map(|lr| 3.0 - 0.2 * lr.log10().max(-6.0))
            .collect();
        let b = calibrated_bounds_for(&lrs, &falling, Architecture::Transformer).unwrap();
        assert!(!b.from_minimum && !b.window.unwrap().climbed, "{b:?}");
        assert_eq!(b, calibrated_bounds(&lrs, &falling).unwrap());
    }
}

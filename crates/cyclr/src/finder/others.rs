//! The range tests of two other libraries, exactly, as pure functions on a recorded curve:
//! **PyTorch Lightning 2.6.6** (`Tuner.lr_find`, `lightning/pytorch/tuner/lr_finder.py`) and
//! **torch-lr-finder 0.2.2** (`LRFinder.range_test`, `torch_lr_finder/lr_finder.py`).
//!
//! Each library has its own sweep, smoothing, stop rule and suggestion; [`replay`] runs the last
//! three on raw losses in the order they were measured (what the library would have recorded and
//! suggested had it seen those losses), [`FinderRecorder`] does it one point at a time (the
//! [`RangeTest`](super::RangeTest) engine uses it for [`StopRule::Lightning`] /
//! [`StopRule::TorchLrFinder`]), and [`lightning_suggestion`] / [`torch_lr_finder_suggestion`]
//! are the suggestions alone, on a curve the library recorded (its smoothed loss).
//!
//! **Lightning** (`_ExponentialLR`, `_LRCallback`, `_LRFinder.suggestion`; defaults
//! `min_lr = 1e-8`, `max_lr = 1`, `num_training = 100`, `early_stop_threshold = 4`):
//!
//! ```text
//! lr_0 = min_lr;  lr_i = min_lr * (max_lr / min_lr) ** ((i+1) / num_training)    (i >= 1)
//! on each batch (current_step = trainer.global_step: 1 after the first batch):
//!     avg_loss = beta * avg_loss + (1 - beta) * loss                               (beta 0.98)
//!     smoothed = avg_loss / (1 - beta ** (current_step + 1))
//!     stop = current_step > 1 and smoothed > threshold * best_loss     (best before this point)
//!     if smoothed < best_loss or current_step == 1: best_loss = smoothed
//!     record (lr_i, smoothed); end the sweep after it if stop
//! suggestion(skip_begin=10, skip_end=1):
//!     losses = torch.tensor(loss[10:-1]); lrs = torch.tensor(lr[10:-1])        # float32
//!     keep the points where losses is finite; fewer than 2 -> None
//!     i = argmin(torch.gradient(losses, spacing=[lrs])[0])       # d loss / d lr, in float32
//!     return lr[index of that point in the recorded curve]                       # the float64
//! ```
//!
//! The debiasing is counted from step 1 (`beta ** 2` at the first point: the first smoothed
//! value is 0.505 × the first loss), and the test can stop from the *second* recorded point on
//! (`current_step > 1`). A NaN loss makes every later smoothed value NaN; the sweep runs on to
//! `num_training` and the suggestion drops those points.
//!
//! **torch-lr-finder** (`ExponentialLR`, `range_test`, `plot(suggest_lr=True)`; defaults
//! `end_lr = 10`, `num_iter = 100`, `smooth_f = 0.05`, `diverge_th = 5`, and the start lr is the
//! optimizer's, 1e-7 here as in its README):
//!
//! ```text
//! lr_i = start_lr * (end_lr / start_lr) ** (i / (num_iter - 1))
//! on each batch i:
//!     if i == 0: best_loss = loss
//!     else:      loss = smooth_f * loss + (1 - smooth_f) * history_loss[-1]
//!                if loss < best_loss: best_loss = loss
//!     record (lr_i, loss); if loss > diverge_th * best_loss: stop (after recording it)
//! plot(skip_start=10, skip_end=5): losses = loss[10:-5]
//!     i = np.gradient(np.array(losses)).argmin()   # unit spacing; fewer than 2 points -> None
//!     return lrs[10:-5][i]
//! ```
//!
//! No debiasing (the first point is the raw loss). A NaN loss also runs on in NaN; numpy's
//! `argmin` then returns the first NaN gradient's index, and so does this module.
//!
//! Arithmetic: every formula is evaluated in the order above, in `f64` (Python floats), except
//! Lightning's gradient, in `f32` from the recorded `f64`s as `torch.tensor` builds it. The one
//! deliberate difference: for a negative best loss both libraries' `> threshold × best` test
//! fires at once (torch-lr-finder at its first point, Lightning at its second); here it becomes a
//! rise above the best of more than `(threshold − 1) × |best|` ([`exceeds_stop`]), the same test
//! for any best ≥ 0.
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::config::{RangeTestConfig, StopRule, exceeds_stop};
use super::result::{RangeTestResult, StopReason};
use super::suggest::{Suggestion, argmin_nan_first, numpy_gradient, numpy_gradient_spacing};
use super::sweep::Sweep;

/// Lightning's `_LRCallback` smoothing factor `beta`.
pub const LIGHTNING_BETA: f64 = 0.98;
/// Lightning's `early_stop_threshold` default.
pub const LIGHTNING_THRESHOLD: f64 = 4.0;
/// Lightning's `suggestion(skip_begin=10, skip_end=1)`.
pub const LIGHTNING_SKIP: (usize, usize) = (10, 1);
/// torch-lr-finder's `smooth_f` default.
pub const TORCH_LR_FINDER_SMOOTH_F: f64 = 0.05;
/// torch-lr-finder's `diverge_th` default.
pub const TORCH_LR_FINDER_THRESHOLD: f64 = 5.0;
/// torch-lr-finder's `plot(skip_start=10, skip_end=5)`.
pub const TORCH_LR_FINDER_SKIP: (usize, usize) = (10, 5);

/// One of the other libraries' range tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finder {
    /// PyTorch Lightning 2.6.6's `Tuner.lr_find`.
    Lightning,
    /// torch-lr-finder 0.2.2's `LRFinder.range_test`.
    TorchLrFinder,
}

impl Finder {
    /// Both, in the order they are printed.
    pub const ALL: [Finder; 2] = [Finder::Lightning, Finder::TorchLrFinder];

    /// The name on the command line: `lightning`, `torch-lr-finder`.
    pub fn name(self) -> &'static str {
        match self {
            Finder::Lightning => "lightning",
            Finder::TorchLrFinder => "torch-lr-finder",
        }
    }

    /// The JSON key: `lightning`, `torch_lr_finder`.
    pub fn key(self) -> &'static str {
        match self {
            Finder::Lightning => "lightning",
            Finder::TorchLrFinder => "torch_lr_finder",
        }
    }

    /// The library and function, with its version.
    pub fn library(self) -> &'static str {
        match self {
            Finder::Lightning => "PyTorch Lightning 2.6.6 Tuner.lr_find",
            Finder::TorchLrFinder => "torch-lr-finder 0.2.2 LRFinder.range_test",
        }
    }

    /// What its suggestion is, in a few words.
    pub fn rule(self) -> &'static str {
        match self {
            Finder::Lightning => "steepest d(loss)/d(lr), skip 10 + 1",
            Finder::TorchLrFinder => "steepest np.gradient(loss), skip 10 + 5",
        }
    }

    /// The stop rule that makes the [`RangeTest`](super::RangeTest) engine end where this library
    /// would.
    pub fn stop_rule(self) -> StopRule {
        match self {
            Finder::Lightning => StopRule::Lightning,
            Finder::TorchLrFinder => StopRule::TorchLrFinder,
        }
    }

    /// The library whose rule `r` is, if it is not fastai's.
    pub fn of_rule(r: StopRule) -> Option<Finder> {
        match r {
            StopRule::Fastai => None,
            StopRule::Lightning => Some(Finder::Lightning),
            StopRule::TorchLrFinder => Some(Finder::TorchLrFinder),
        }
    }

    /// Its default divergence threshold (Lightning 4, torch-lr-finder 5).
    pub fn threshold(self) -> f64 {
        match self {
            Finder::Lightning => LIGHTNING_THRESHOLD,
            Finder::TorchLrFinder => TORCH_LR_FINDER_THRESHOLD,
        }
    }

    /// Its sweep: exponential (its default) or linear (its `mode="linear"` / `step_mode="linear"`).
    pub fn sweep(self, linear: bool) -> Sweep {
        match (self, linear) {
            (Finder::Lightning, false) => Sweep::ExponentialLightning,
            (Finder::Lightning, true) => Sweep::LinearLightning,
            (Finder::TorchLrFinder, false) => Sweep::ExponentialTorch,
            (Finder::TorchLrFinder, true) => Sweep::Linear,
        }
    }

    /// Its default range test as a [`RangeTestConfig`]: Lightning `1e-8 → 1`, 100 steps;
    /// torch-lr-finder `1e-7 → 10`, 100 steps; each with its own sweep, stop rule and threshold.
    pub fn config(self) -> RangeTestConfig {
        let (start_lr, end_lr) = match self {
            Finder::Lightning => (1e-8, 1.0),
            Finder::TorchLrFinder => (1e-7, 10.0),
        };
        RangeTestConfig {
            start_lr,
            end_lr,
            num_it: 100,
            sweep: self.sweep(false),
            stop_factor: Some(self.threshold()),
            stop_rule: self.stop_rule(),
            ..RangeTestConfig::default()
        }
    }

    /// Its suggestion on a curve it recorded (`smoothed` is its own smoothed loss).
    pub fn suggestion(self, lrs: &[f64], smoothed: &[f64]) -> Option<Suggestion> {
        match self {
            Finder::Lightning => lightning_suggestion(lrs, smoothed),
            Finder::TorchLrFinder => torch_lr_finder_suggestion(lrs, smoothed),
        }
    }
}

/// One point of a library's recording: its smoothed loss, the best loss the stop test compared
/// it with, and whether the sweep ends after it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FinderStep {
    /// The library's smoothed loss at this point.
    pub smoothed: f64,
    /// The best loss the stop test compared with (Lightning: the best *before* this point).
    pub best: f64,
    /// The stop test fired: this point is the last one recorded.
    pub stop: bool,
}

/// A library's smoothing and stop rule, one raw loss at a time (see the
/// [module documentation](self) for each library's arithmetic).
#[derive(Debug, Clone, PartialEq)]
pub struct FinderRecorder {
    finder: Finder,
    threshold: Option<f64>,
    count: u64,
    avg: f64,
    best: f64,
    prev: f64,
}

impl FinderRecorder {
    /// A fresh recorder; `threshold` is the library's divergence factor (`None`: never stop,
    /// Lightning's `early_stop_threshold=None`).
    pub fn new(finder: Finder, threshold: Option<f64>) -> Self {
        Self {
            finder,
            threshold,
            count: 0,
            avg: 0.0,
            best: 0.0,
            prev: f64::NAN,
        }
    }

    /// Points recorded so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Record one raw loss.
    pub fn push(&mut self, loss: f64) -> FinderStep {
        self.count += 1;
        match self.finder {
            Finder::Lightning => {
                let step = self.count; // trainer.global_step after this batch
                let beta = LIGHTNING_BETA;
                self.avg = beta * self.avg + (1.0 - beta) * loss;
                let s = self.avg / (1.0 - beta.powf((step + 1) as f64));
                let best = self.best;
                let stop = self
                    .threshold
                    .is_some_and(|t| step > 1 && exceeds_stop(s, best, t));
                if s < self.best || step == 1 {
                    self.best = s;
                }
                FinderStep {
                    smoothed: s,
                    best,
                    stop,
                }
            }
            Finder::TorchLrFinder => {
                let f = TORCH_LR_FINDER_SMOOTH_F;
                let s = if self.count == 1 {
                    self.best = loss;
                    loss
                } else {
                    let s = f * loss + (1.0 - f) * self.prev;
                    if s < self.best {
                        self.best = s;
                    }
                    s
                };
                self.prev = s;
                let stop = self
                    .threshold
                    .is_some_and(|t| exceeds_stop(s, self.best, t));
                FinderStep {
                    smoothed: s,
                    best: self.best,
                    stop,
                }
            }
        }
    }
}

/// What a library records and suggests on a curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinderRun {
    /// The library.
    pub finder: Finder,
    /// The learning rate of each recorded point.
    pub lrs: Vec<f64>,
    /// The raw loss of each recorded point.
    pub raw: Vec<f64>,
    /// The library's smoothed loss of each recorded point.
    pub smoothed: Vec<f64>,
    /// `Diverged` (at the last recorded point) or `Completed` (the curve ended). The libraries do
    /// not stop on a NaN (it runs on as NaN), so it is never `NonFinite`.
    pub stop_reason: StopReason,
    /// The library's suggestion (`index` into the recorded points, `value` its smoothed loss);
    /// `None` where the library gives none (too few points).
    pub suggestion: Option<Suggestion>,
}

impl FinderRun {
    /// Number of points recorded.
    pub fn recorded_points(&self) -> usize {
        self.lrs.len()
    }

    /// `{"finder", "library", "suggestion", "suggestion_index", "recorded_points",
    /// "stop_reason"}`; the suggestion and its index are `null` when there is none.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "finder": self.finder.name(),
            "library": self.finder.library(),
            "suggestion": self.suggestion.map(|s| s.lr),
            "suggestion_index": self.suggestion.map(|s| s.index),
            "recorded_points": self.recorded_points(),
            "stop_reason": self.stop_reason.to_string(),
        })
    }
}

/// Run a library's smoothing, stop rule and suggestion on raw losses in the order they were
/// measured, at the learning rates `lrs` (the library's own sweep, or a logged curve's): what it
/// records (up to and including the point its stop rule fires at) and suggests. `threshold` is its
/// divergence factor (`Some(finder.threshold())` for its default). Points past the shorter of the
/// two slices are ignored.
pub fn replay(finder: Finder, lrs: &[f64], raw: &[f64], threshold: Option<f64>) -> FinderRun {
    let mut rec = FinderRecorder::new(finder, threshold);
    let (mut l, mut r, mut s) = (Vec::new(), Vec::new(), Vec::new());
    let mut stop_reason = StopReason::Completed;
    for (i, (&lr, &x)) in lrs.iter().zip(raw).enumerate() {
        let step = rec.push(x);
        l.push(lr);
        r.push(x);
        s.push(step.smoothed);
        if step.stop {
            stop_reason = StopReason::Diverged {
                iteration: i,
                smoothed: step.smoothed,
                best: step.best,
                factor: threshold.unwrap_or(f64::NAN),
            };
            break;
        }
    }
    let suggestion = finder.suggestion(&l, &s);
    FinderRun {
        finder,
        lrs: l,
        raw: r,
        smoothed: s,
        stop_reason,
        suggestion,
    }
}

/// The library's run behind a [`RangeTest`](super::RangeTest) that used its stop rule
/// (`None` for fastai's). The engine stops at a non-finite loss without recording it; the
/// libraries record it and run on, every later smoothed value non-finite, to `num_it`: that
/// tail is rebuilt (the non-finite value repeated at the sweep's remaining learning rates) so
/// that the recorded count and the suggestion are the library's.
pub fn finder_run_of(r: &RangeTestResult) -> Option<FinderRun> {
    let finder = Finder::of_rule(r.config.stop_rule)?;
    let (mut lrs, mut raw) = (r.lrs.clone(), r.raw.clone());
    if let StopReason::NonFinite { iteration, value } = r.stop_reason {
        let c = &r.config;
        let scale = c.scales()[0];
        for i in iteration..c.num_it {
            lrs.push(
                c.sweep
                    .lr(c.start_lr * scale, c.end_lr * scale, i, c.num_it),
            );
            raw.push(value);
        }
    }
    Some(replay(finder, &lrs, &raw, r.config.stop_factor))
}

/// Python's `xs[skip_begin:-skip_end]` as a range (`skip_end ≥ 1`).
fn window(n: usize, (skip_begin, skip_end): (usize, usize)) -> std::ops::Range<usize> {
    let end = n.saturating_sub(skip_end);
    skip_begin.min(end)..end
}

/// Lightning 2.6.6's `_LRFinder.suggestion()` (`skip_begin=10, skip_end=1`) on the curve it
/// recorded (`smoothed` is `results["loss"]`): the steepest negative gradient of the loss with
/// respect to the learning rate, in `float32` (see the [module documentation](self)). Points whose
/// `float32` loss is not finite are dropped first; `None` with fewer than 2 left. The returned
/// `lr` is the recorded `f64` learning rate, `index` is into the recorded points.
pub fn lightning_suggestion(lrs: &[f64], smoothed: &[f64]) -> Option<Suggestion> {
    let n = lrs.len().min(smoothed.len());
    let w = window(n, LIGHTNING_SKIP);
    let mut idx = Vec::new();
    let (mut l32, mut f32s) = (Vec::new(), Vec::new());
    for i in w {
        let loss = smoothed[i] as f32;
        if loss.is_finite() {
            idx.push(i);
            f32s.push(loss);
            l32.push(lrs[i] as f32);
        }
    }
    if f32s.len() < 2 {
        return None;
    }
    let g = numpy_gradient_spacing(&f32s, &l32);
    let k = idx[argmin_nan_first(&g)?];
    Some(Suggestion {
        lr: lrs[k],
        index: k,
        value: smoothed[k],
    })
}

/// torch-lr-finder 0.2.2's suggestion in `plot(skip_start=10, skip_end=5, suggest_lr=True)` on
/// the curve it recorded (`smoothed` is `history["loss"]`): `np.gradient(losses).argmin()` on
/// unit spacing over `[10:-5]`. NaN points are kept, as numpy keeps them (the first NaN gradient
/// wins the argmin). `None` with fewer than 2 points in the window (numpy raises).
pub fn torch_lr_finder_suggestion(lrs: &[f64], smoothed: &[f64]) -> Option<Suggestion> {
    let n = lrs.len().min(smoothed.len());
    let w = window(n, TORCH_LR_FINDER_SKIP);
    if w.len() < 2 {
        return None;
    }
    let g = numpy_gradient(&smoothed[w.clone()]);
    let k = w.start + argmin_nan_first(&g)?;
    Some(Suggestion {
        lr: lrs[k],
        index: k,
        value: smoothed[k],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lightning_smoothing_is_debiased_from_step_one() {
        let mut r = FinderRecorder::new(Finder::Lightning, Some(4.0));
        let b = 0.98f64;
        let s0 = r.push(2.0).smoothed;
        // (1 - beta) * 2 / (1 - beta ** 2): 0.505 x the loss, not the loss.
        let a0 = b * 0.0 + (1.0 - b) * 2.0;
        assert_eq!(s0, a0 / (1.0 - b.powf(2.0)));
        assert!((s0 / 2.0 - 0.50505).abs() < 1e-5);
        let s1 = r.push(3.0).smoothed;
        let a1 = b * a0 + (1.0 - b) * 3.0;
        assert_eq!(s1, a1 / (1.0 - b.powf(3.0)));
    }

    #[test]
    fn lightning_can_stop_at_the_second_point_and_records_it() {
        // s0 = 0.505, s1 = (0.98*0.02 + 0.02*100)/(1-0.98^3) = 34.3 > 4 * 0.505.
        let run = replay(
            Finder::Lightning,
            &[1.0, 2.0, 3.0],
            &[1.0, 100.0, 1.0],
            Some(4.0),
        );
        assert_eq!(run.recorded_points(), 2);
        assert!(matches!(
            run.stop_reason,
            StopReason::Diverged { iteration: 1, .. }
        ));
        // Never at the first point, whatever its value (current_step > 1).
        let mut r = FinderRecorder::new(Finder::Lightning, Some(4.0));
        assert!(!r.push(1e30).stop);
        let run = replay(Finder::Lightning, &[1.0, 2.0], &[1.0, 100.0], None);
        assert_eq!(run.recorded_points(), 2);
        assert_eq!(run.stop_reason, StopReason::Completed);
    }

    #[test]
    fn torch_lr_finder_smooths_without_debiasing_and_stops_after_recording() {
        let lrs: Vec<f64> = (1..=5).map(f64::from).collect();
        let run = replay(
            Finder::TorchLrFinder,
            &lrs,
            &[2.0, 1.0, 100.0, 300.0, 1.0],
            Some(5.0),
        );
        let s1 = 0.05 * 1.0 + 0.95 * 2.0;
        let s2 = 0.05 * 100.0 + 0.95 * s1;
        let s3 = 0.05 * 300.0 + 0.95 * s2;
        assert_eq!(run.smoothed, vec![2.0, s1, s2, s3]);
        // best = s1 = 1.95; s2 = 6.85 < 9.75; s3 = 21.5 > 9.75: stop after recording it.
        assert_eq!(run.recorded_points(), 4);
        assert!(matches!(
            run.stop_reason,
            StopReason::Diverged { iteration: 3, .. }
        ));
    }

    #[test]
    fn negative_losses_do_not_stop_at_once() {
        let lrs: Vec<f64> = (0..40).map(|i| 1e-4 * 1.2f64.powi(i)).collect();
        let raw: Vec<f64> = (0..40).map(|i| -1.0 - 0.05 * i as f64).collect();
        for f in Finder::ALL {
            let run = replay(f, &lrs, &raw, Some(f.threshold()));
            assert_eq!(run.recorded_points(), 40, "{f:?}: {:?}", run.stop_reason);
            assert!(run.suggestion.is_some(), "{f:?}");
        }
        // ...and still stop once the rise is large: best -2, rise > 3 x 2 (Lightning) / 4 x 2.
        let mut raw = vec![-2.0; 30];
        raw.extend([1e3; 10]);
        for f in Finder::ALL {
            let run = replay(f, &lrs, &raw, Some(f.threshold()));
            assert!(run.recorded_points() < 40, "{f:?}");
            assert!(matches!(run.stop_reason, StopReason::Diverged { .. }));
        }
    }

    #[test]
    fn suggestions_follow_the_libraries_windows() {
        // A loss falling fastest at point 20 (of 40).
        let lrs: Vec<f64> = (0..40).map(|i| 1e-4 * 1.2f64.powi(i)).collect();
        let loss: Vec<f64> = (0..40)
            .map(|i| 2.0 - (1.0 + ((i as f64 - 20.0) / 3.0).tanh()))
            .collect();
        assert_eq!(torch_lr_finder_suggestion(&lrs, &loss).unwrap().index, 20);
        // Against lr (not the step): d loss/d lr = (d loss/di) / (lr ln 1.2) weighs the smaller
        // lrs more, and the steepest point moves one step down (maximum of
        // sech²((i-20)/3)·1.2^-i near i = 19.2).
        let l = lightning_suggestion(&lrs, &loss).unwrap();
        assert_eq!(l.index, 19, "{l:?}");
        assert_eq!(l.lr, lrs[l.index]);
        // Too short: Lightning needs 2 points in [10:-1], torch-lr-finder in [10:-5].
        assert!(lightning_suggestion(&lrs[..12], &loss[..12]).is_none());
        assert!(lightning_suggestion(&lrs[..13], &loss[..13]).is_some());
        assert!(torch_lr_finder_suggestion(&lrs[..16], &loss[..16]).is_none());
        assert!(torch_lr_finder_suggestion(&lrs[..17], &loss[..17]).is_some());
    }

    #[test]
    fn nan_is_dropped_by_lightning_and_wins_numpys_argmin() {
        let lrs: Vec<f64> = (0..40).map(|i| 1e-4 * 1.2f64.powi(i)).collect();
        let mut loss: Vec<f64> = (0..40).map(|i| 2.0 - 0.01 * i as f64).collect();
        for x in loss.iter_mut().skip(30) {
            *x = f64::NAN;
        }
        let l = lightning_suggestion(&lrs, &loss).unwrap();
        assert!(l.index < 30);
        // np.gradient: g[k] is NaN from k = 29 (its right neighbour is NaN): argmin = 29.
        let t = torch_lr_finder_suggestion(&lrs, &loss).unwrap();
        assert_eq!(t.index, 29);
    }

    #[test]
    fn defaults_are_the_libraries() {
        let l = Finder::Lightning.config();
        assert_eq!((l.start_lr, l.end_lr, l.num_it), (1e-8, 1.0, 100));
        assert_eq!(l.stop_factor, Some(4.0));
        let t = Finder::TorchLrFinder.config();
        assert_eq!((t.start_lr, t.end_lr, t.num_it), (1e-7, 10.0, 100));
        assert_eq!(t.stop_factor, Some(5.0));
        assert_eq!(t.sweep.lrs(1e-7, 10.0, 100)[99], 10.0);
        l.validate().unwrap();
        t.validate().unwrap();
    }
}

//! Range-test configuration.
use serde::{Deserialize, Serialize};

use super::suggest::{SKIP_END, skip_start};
use super::sweep::Sweep;
use crate::ParamError;

/// What the training loop reports at each step of the range test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// The training loss of the step's batch (fastai's `lr_find`).
    #[default]
    TrainLoss,
    /// A validation loss measured after the step (torch-lr-finder's `val_loader` mode). Handled
    /// exactly like [`Metric::TrainLoss`].
    ValLoss,
    /// Accuracy (higher is better): the method of Smith's paper (arXiv 1506.01186 §3.3), not in
    /// fastai. See [`RangeTest`](super::RangeTest) for the stop rule and
    /// [`ClrBounds`](super::ClrBounds) for the bounds.
    Accuracy,
}

impl Metric {
    /// `true` for the two loss metrics (lower is better).
    pub fn is_loss(self) -> bool {
        !matches!(self, Metric::Accuracy)
    }

    /// The metric's name in CSV headers and JSON: `train_loss`, `val_loss` or `accuracy`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::TrainLoss => "train_loss",
            Metric::ValLoss => "val_loss",
            Metric::Accuracy => "accuracy",
        }
    }
}

/// What kind of model a range test sweeps, for the rule that reads its curve
/// ([`calibrated_bounds_for`](super::calibrated::calibrated_bounds_for)): the calibrated window
/// was fitted on image classifiers; a transformer trained from scratch wants its rates read off
/// the window's minimum instead (BENCHMARKS.md §13). cyclr's `gpt` range tests set
/// [`Architecture::Transformer`] themselves; a burn user's own transformer sets it here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Architecture {
    /// Any model: the rule calibrated on image classifiers (MLPs, CNNs, ResNets).
    #[default]
    Any,
    /// A transformer language model (nanoGPT's, cyclr's `gpt`).
    Transformer,
}

impl Architecture {
    /// Every architecture, in the order the names are listed.
    pub const ALL: [Architecture; 2] = [Architecture::Any, Architecture::Transformer];

    /// Its name in flags, configs and JSON: `any` or `transformer`.
    pub fn name(self) -> &'static str {
        match self {
            Architecture::Any => "any",
            Architecture::Transformer => "transformer",
        }
    }

    /// `true` for [`Architecture::Any`] (the default, left out of JSON).
    pub fn is_any(&self) -> bool {
        *self == Architecture::Any
    }
}

/// Whose smoothing and stop rule end a range test ([`RangeTestConfig::stop_rule`]). The
/// recorded `smoothed` curve and fastai's suggestions are fastai's whichever is chosen; the
/// others' own smoothed curve and suggestion come from [`FinderRun`](super::FinderRun).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopRule {
    /// fastai 2.8.12's `LRFinder` (and cyclr's): debiased EMA of `beta`, stop once the smoothed
    /// loss exceeds `stop_factor ×` its best, that point recorded.
    #[default]
    Fastai,
    /// PyTorch Lightning 2.6.6's `_LRCallback` (its β 0.98, `early_stop_threshold` =
    /// `stop_factor`): see [`Finder::Lightning`](super::Finder::Lightning).
    Lightning,
    /// torch-lr-finder 0.2.2's `range_test` (`smooth_f` 0.05, `diverge_th` = `stop_factor`):
    /// see [`Finder::TorchLrFinder`](super::Finder::TorchLrFinder).
    TorchLrFinder,
}

/// The divergence test of every stop rule: has the smoothed loss `s` risen too far above the
/// best `best`?
///
/// fastai, Lightning and torch-lr-finder all test `s > factor · best`. That reads "more than
/// `factor` times the best" only for a best ≥ 0: for a negative loss (a log-likelihood, an
/// energy) `factor · best` lies *below* `best`, so the test fires at once — fastai's and cyclr's
/// at iteration 0, torch-lr-finder's at its first point, Lightning's at its second — and the
/// range test records nothing. cyclr keeps the libraries' test unchanged, to the bit, for
/// `best ≥ 0`, and for `best < 0` asks for the same *rise*, measured from the best:
///
/// ```text
/// best >= 0:  s > factor * best                       (the libraries' test, as written)
/// best <  0:  s - best > (factor - 1) * |best|        (rise above the best > (factor-1) x |best|)
/// ```
///
/// (For `best ≥ 0` the two forms are the same condition.) A NaN `s` or `best` never stops.
pub fn exceeds_stop(s: f64, best: f64, factor: f64) -> bool {
    if best >= 0.0 || best.is_nan() {
        s > factor * best
    } else {
        s - best > (factor - 1.0) * -best
    }
}

/// The longest warm-up before a sweep ([`RangeTestConfig::warmup_it`]): Adam's `2/(1 − β2)` at
/// β2 = 0.9999 is 20,000.
pub const MAX_WARMUP_IT: usize = 100_000;

/// Configuration of an LR range test. Defaults are fastai's `lr_find`:
/// `start_lr = 1e-7`, `end_lr = 10`, `num_it = 100`, exponential sweep, `beta = 0.98`,
/// stop when the smoothed loss exceeds 4× its best.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RangeTestConfig {
    /// First learning rate (group 0, before `group_scales`). Finite, > 0.
    pub start_lr: f64,
    /// Learning rate the sweep heads for. Finite, > `start_lr`.
    pub end_lr: f64,
    /// Number of steps (the most points a test records). ≥ 2; the suggestions need at least
    /// `num_it/10 + 5 + 2` recorded points (fastai's window `[num_it//10 : -5]` must keep 2, and
    /// `slide` needs 16 in it). fastai silently raises a `num_it` below 6 to 6; cyclr runs the
    /// `num_it` it is given.
    pub num_it: usize,
    /// How the learning rate grows.
    pub sweep: Sweep,
    /// Smoothing factor of fastai's debiased EMA, in `[0, 1)` (0 = no smoothing).
    pub beta: f64,
    /// Stop once the smoothed loss exceeds `stop_factor ×` its best so far (fastai's
    /// `stop_div`, factor 4; for a negative best see [`exceeds_stop`]). In `Accuracy` mode: once
    /// the smoothed accuracy falls below `best / stop_factor`. `None` never stops early (except
    /// on a non-finite value). Finite, > 1. With another [`stop_rule`](Self::stop_rule) it is
    /// that library's threshold (Lightning's `early_stop_threshold` 4, torch-lr-finder's
    /// `diverge_th` 5).
    pub stop_factor: Option<f64>,
    /// Whose smoothing and stop rule decide when the test ends (fastai's by default). Loss
    /// metrics only: with `Accuracy` the rule must be [`StopRule::Fastai`].
    pub stop_rule: StopRule,
    /// What the recorded values are.
    pub metric: Metric,
    /// Per-parameter-group multipliers of `start_lr`/`end_lr` (fastai's list-valued
    /// `start_lr`/`end_lr`); empty = one group with multiplier 1. Each finite, > 0.
    pub group_scales: Vec<f64>,
    /// The kind of model swept, for cyclr's calibrated rule (loss metrics; the accuracy reading
    /// is the same for all). Left out of JSON when [`Architecture::Any`].
    #[serde(skip_serializing_if = "Architecture::is_any")]
    pub architecture: Architecture,
    /// Steps trained at the sweep's first rate (`start_lr`, per group) *before* the sweep, not
    /// recorded: the optimizer's running estimates settle before the rate moves (for Adam, its
    /// second moment: Ma & Yarats, arXiv 1910.04209, warm up over `2/(1 − β2)` steps). No
    /// library's finder has it; 0 (the default, left out of JSON) = none, as theirs.
    #[serde(skip_serializing_if = "is_zero")]
    pub warmup_it: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Default for RangeTestConfig {
    fn default() -> Self {
        Self {
            start_lr: 1e-7,
            end_lr: 10.0,
            num_it: 100,
            sweep: Sweep::Exponential,
            beta: 0.98,
            stop_factor: Some(4.0),
            stop_rule: StopRule::Fastai,
            metric: Metric::TrainLoss,
            group_scales: Vec::new(),
            architecture: Architecture::Any,
            warmup_it: 0,
        }
    }
}

impl RangeTestConfig {
    /// The sweep cyclr's [calibrated rule](super::calibrated) was calibrated with (what
    /// `cyclr find` and `--lr auto` run): `1e-6 → 10` in 280 steps (40 per decade, 7 decades:
    /// it starts below where any of the benchmark's models moved and runs well past where they
    /// diverge), fastai's smoothing and 4× stop rule. At most 280 batches: about half an epoch
    /// of Fashion-MNIST at batch 128.
    pub fn calibrated() -> Self {
        Self {
            start_lr: 1e-6,
            end_lr: 10.0,
            num_it: 280,
            ..Self::default()
        }
    }

    /// Check every parameter; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ParamError> {
        if !(self.start_lr.is_finite() && self.start_lr > 0.0) {
            return Err(ParamError::new(
                "start_lr",
                self.start_lr,
                "must be finite and > 0",
            ));
        }
        if !(self.end_lr.is_finite() && self.end_lr > self.start_lr) {
            return Err(ParamError::new(
                "end_lr",
                self.end_lr,
                format!("must be finite and > `start_lr` ({})", self.start_lr),
            ));
        }
        if self.num_it < 2 {
            return Err(ParamError::new(
                "num_it",
                self.num_it,
                format!(
                    "must be >= 2 (and suggestions need at least num_it/10 + {SKIP_END} + 2 \
                     recorded points, e.g. {} for num_it = 100)",
                    skip_start(100) + SKIP_END + 2
                ),
            ));
        }
        if !(self.beta.is_finite() && (0.0..1.0).contains(&self.beta)) {
            return Err(ParamError::new(
                "beta",
                self.beta,
                "must be in [0, 1) (fastai: 0.98)",
            ));
        }
        if let Some(f) = self.stop_factor
            && !(f.is_finite() && f > 1.0)
        {
            return Err(ParamError::new(
                "stop_factor",
                f,
                "must be finite and > 1 (fastai: 4), or none to never stop early",
            ));
        }
        if self.stop_rule != StopRule::Fastai && !self.metric.is_loss() {
            return Err(ParamError::new(
                "stop_rule",
                format!("{:?}", self.stop_rule),
                "Lightning's and torch-lr-finder's stop rules are for losses: with the accuracy \
                 metric use fastai's",
            ));
        }
        if self.warmup_it > MAX_WARMUP_IT {
            return Err(ParamError::new(
                "warmup_it",
                self.warmup_it,
                format!(
                    "must be at most {MAX_WARMUP_IT} (steps at start_lr before the sweep; Adam's \
                     2/(1 - beta2): 200 for beta2 = 0.99)"
                ),
            ));
        }
        for (g, &s) in self.group_scales.iter().enumerate() {
            if !(s.is_finite() && s > 0.0) {
                return Err(ParamError::new(
                    format!("group_scales[{g}]"),
                    s,
                    "every group scale must be finite and > 0",
                ));
            }
            let (a, b) = (self.start_lr * s, self.end_lr * s);
            if !(a > 0.0 && b.is_finite() && b > a) {
                return Err(ParamError::new(
                    format!("group_scales[{g}]"),
                    s,
                    format!("scaled range {a} .. {b} must be finite, > 0 and increasing"),
                ));
            }
        }
        Ok(())
    }

    /// The multipliers actually used: `group_scales`, or `[1.0]` when it is empty.
    pub fn scales(&self) -> Vec<f64> {
        if self.group_scales.is_empty() {
            vec![1.0]
        } else {
            self.group_scales.clone()
        }
    }

    /// Points the suggestions need: `num_it/10` skipped at the start, 5 at the end, 2 to
    /// measure a slope.
    pub fn min_points_for_suggestions(&self) -> usize {
        skip_start(self.num_it) + SKIP_END + 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(f: impl FnOnce(&mut RangeTestConfig)) -> String {
        let mut c = RangeTestConfig::default();
        f(&mut c);
        c.validate().unwrap_err().param
    }

    #[test]
    fn default_is_valid() {
        RangeTestConfig::default().validate().unwrap();
    }

    #[test]
    fn each_bad_parameter_is_named() {
        assert_eq!(bad(|c| c.start_lr = 0.0), "start_lr");
        assert_eq!(bad(|c| c.start_lr = f64::NAN), "start_lr");
        assert_eq!(bad(|c| c.end_lr = 1e-8), "end_lr");
        assert_eq!(bad(|c| c.end_lr = f64::INFINITY), "end_lr");
        assert_eq!(bad(|c| c.num_it = 1), "num_it");
        assert_eq!(bad(|c| c.beta = 1.0), "beta");
        assert_eq!(bad(|c| c.beta = -0.1), "beta");
        assert_eq!(bad(|c| c.stop_factor = Some(1.0)), "stop_factor");
        assert_eq!(bad(|c| c.stop_factor = Some(f64::INFINITY)), "stop_factor");
        assert_eq!(bad(|c| c.group_scales = vec![1.0, 0.0]), "group_scales[1]");
    }

    #[test]
    fn stop_test_is_the_libraries_for_a_positive_best_and_a_rise_for_a_negative_one() {
        // best >= 0: exactly s > 4 * best.
        assert!(exceeds_stop(2.01, 0.5, 4.0));
        assert!(!exceeds_stop(2.0, 0.5, 4.0));
        assert!(exceeds_stop(1e-9, 0.0, 4.0));
        // best < 0: the libraries' test would fire at the best itself (s = -1 > 4 x -1 = -4);
        // here the rise above the best must exceed 3 x |best|: s > -1 + 3 = 2.
        let (s, best) = (-1.0f64, -1.0f64);
        assert!(s > 4.0 * best);
        assert!(!exceeds_stop(s, best, 4.0));
        assert!(!exceeds_stop(2.0, -1.0, 4.0));
        assert!(exceeds_stop(2.01, -1.0, 4.0));
        assert!(!exceeds_stop(f64::NAN, 1.0, 4.0));
        assert!(!exceeds_stop(1.0, f64::NAN, 4.0));
    }

    #[test]
    fn other_stop_rules_are_for_losses() {
        assert_eq!(
            bad(|c| {
                c.stop_rule = StopRule::Lightning;
                c.metric = Metric::Accuracy;
            }),
            "stop_rule"
        );
    }

    #[test]
    fn serde_fills_defaults() {
        let c: RangeTestConfig =
            serde_json::from_str(r#"{"num_it": 200, "sweep": "linear"}"#).unwrap();
        assert_eq!(c.num_it, 200);
        assert_eq!(c.sweep, Sweep::Linear);
        assert_eq!(c.beta, 0.98);
        assert_eq!(c.metric, Metric::TrainLoss);
        assert_eq!(c.stop_rule, StopRule::Fastai);
    }
}

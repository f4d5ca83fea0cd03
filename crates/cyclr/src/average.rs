//! Weight averaging: Stochastic Weight Averaging (Izmailov et al. 2018), PyTorch's EMA and timm's
//! `ModelEmaV3`, with SWA's learning rate `SWALR` — exact to `torch.optim.swa_utils` (2.15) and
//! timm (1.0), on the weights as plain `f32` slices (no ML framework; `cyclr-burn::average`
//! applies them to a burn model).
//!
//! # The averages ([`AveragingRule`])
//!
//! An average starts empty; each update folds the trained weights `p` into the average `a`,
//! element by element, in `f32` (as PyTorch does for float32 weights on the CPU):
//!
//! * **`swa`** — `AveragedModel(model)` with its default average. The first update copies `p`;
//!   the update that follows `n` averaged models computes `a + (p − a) / (n + 1)` (PyTorch's
//!   `get_swa_avg_fn`: a subtraction, a division by `n + 1` converted to `f32`, an addition; the
//!   path `update_parameters` takes on the CPU, where no fused `foreach` kernel exists).
//! * **`ema`** — `AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay))`. The first
//!   update copies `p`; every later one is `torch.lerp(a, p, w)` with `w = 1 − decay` (computed
//!   in `f64`, then rounded to `f32` as PyTorch's scalar is).
//! * **`ema-warmup`** — timm's `ModelEmaV3(model, decay, min_decay, update_after_step,
//!   use_warmup=True, warmup_gamma=γ, warmup_power=p)`, updated as timm's `train.py` does, with
//!   `step` = the optimizer steps taken since the average started (1 at its first update). Its
//!   decay ([`timm_decay`]): `s = max(0, step − update_after_step − 1)`; `0` when `s = 0` (the
//!   update copies); else `max(min(1 − (1 + s/γ)^(−p), decay), min_decay)`; the update is
//!   `lerp(a, p, 1 − decay)`. timm's EMA starts as a copy of the model when it is created; here
//!   the average is created at its first update, which copies (decay 0), so the two agree.
//!
//! `lerp(a, p, w)` is PyTorch's CPU kernel, vectorised form: `w·(p − a) + a` when `|w| < 0.5`,
//! else `(w − 1)·(p − a) + p`, each a single fused multiply-add ([`lerp`]); the goldens
//! (`bench/averaging/`) agree bit for bit.
//!
//! Batch norm's running statistics are not averaged (PyTorch's `use_buffers=False`; timm would
//! average them): the averaged model's statistics are recomputed by `update_bn` over one pass of
//! the training data (`cyclr-burn`).
//!
//! # When ([`AverageWhen`])
//!
//! After optimizer step `k` (1-based: iteration `t = k − 1` has just updated the weights) the
//! average is updated when `k ≥ first` and either `(k − first) mod every = 0` (every N steps;
//! `every = 1`: every step, timm's and Lightning's EMA) or step `k` ends a cycle of a cyclical
//! schedule (SWA's "average at the end of each cycle", `c` in the paper). From a fraction `F` of
//! a run of `iters` steps, `first = ⌊F·iters⌋ + 1`: the last `(1 − F)` of the run is averaged
//! (SWA's default `F = 0.75`).
//!
//! # SWA's learning rate ([`SwaLr`])
//!
//! PyTorch's `SWALR(optimizer, swa_lr, anneal_epochs=A, anneal_strategy)`, stepped once per
//! iteration from the first averaged step, starting from the rate the run's schedule has there
//! (`lr₀`). After `j` calls of `step()` (`j = 0`: as constructed) it holds
//! `lr_j = swa_lr·α(τ_j) + prev_j·(1 − α(τ_j))`, with `s = j` (`s = max(1, j)` when `A = 0`),
//! `τ_j = clamp(s/max(1, A), 0, 1)`, `prev_j = (lr_{j−1} − α(τ'_j)·swa_lr)/(1 − α(τ'_j))` (or
//! `swa_lr` when `α(τ'_j) = 1`), `τ'_j = clamp((s − 1)/max(1, A), 0, 1)`, `lr_{−1} = lr₀`;
//! `α(τ) = (1 − cos(πτ))/2` (`cos`) or `τ` (`linear`). It reaches `swa_lr` at `j = A` and stays.
//! The recursion is kept (not its closed form, `swa_lr·α + lr₀·(1 − α)`) so that every rate is
//! PyTorch's to the last bit; [`WithSwaLr`] is the run's schedule followed by it, still a pure
//! function of the step.
use serde::{Deserialize, Serialize};

use crate::ParamError;
use crate::schedule::Schedule;

/// How the averaged weights follow the trained ones (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum AveragingRule {
    /// Stochastic Weight Averaging: the equal-weight running mean (`AveragedModel`'s default).
    Swa,
    /// PyTorch's EMA (`get_ema_multi_avg_fn(decay)`).
    Ema {
        /// Weight of the average at each update, in (0, 1).
        decay: f64,
    },
    /// timm's `ModelEmaV3` with `use_warmup=True`.
    EmaWarmup {
        /// The largest decay, in (0, 1) (timm's `decay`).
        decay: f64,
        /// The smallest decay after the first updates, in [0, `decay`] (timm's `min_decay`).
        #[serde(default)]
        min_decay: f64,
        /// Updates that copy before the warm-up starts counting (timm's `update_after_step`).
        #[serde(default)]
        update_after_step: u64,
        /// γ of the warm-up (timm's `warmup_gamma`, default 1).
        #[serde(default = "default_gamma")]
        gamma: f64,
        /// p of the warm-up (timm's `warmup_power`, default 2/3).
        #[serde(default = "default_power")]
        power: f64,
    },
}

/// timm's default `warmup_gamma`.
pub const TIMM_WARMUP_GAMMA: f64 = 1.0;
/// timm's default `warmup_power`.
pub const TIMM_WARMUP_POWER: f64 = 2.0 / 3.0;

fn default_gamma() -> f64 {
    TIMM_WARMUP_GAMMA
}
fn default_power() -> f64 {
    TIMM_WARMUP_POWER
}

impl AveragingRule {
    /// timm's `ModelEmaV3` warm-up with its defaults (γ = 1, p = 2/3, no `min_decay`, no
    /// `update_after_step`).
    pub fn ema_warmup(decay: f64) -> Self {
        Self::EmaWarmup {
            decay,
            min_decay: 0.0,
            update_after_step: 0,
            gamma: TIMM_WARMUP_GAMMA,
            power: TIMM_WARMUP_POWER,
        }
    }

    /// The rule's name as the command line writes it (`swa`, `ema:0.999`, `ema-warmup:0.9999`).
    pub fn label(&self) -> String {
        match self {
            Self::Swa => "swa".into(),
            Self::Ema { decay } => format!("ema:{decay}"),
            Self::EmaWarmup { decay, .. } => format!("ema-warmup:{decay}"),
        }
    }

    /// Checks the parameters (decay in (0, 1), `min_decay` in [0, decay], γ and p positive).
    pub fn check(&self) -> Result<(), ParamError> {
        let open_unit = |name: &str, d: f64| {
            if d > 0.0 && d < 1.0 {
                Ok(())
            } else {
                Err(ParamError::new(
                    name,
                    d,
                    "must be in (0, 1): the weight kept by the average at each update \
                     (e.g. 0.999)",
                ))
            }
        };
        match *self {
            Self::Swa => Ok(()),
            Self::Ema { decay } => open_unit("decay", decay),
            Self::EmaWarmup {
                decay,
                min_decay,
                gamma,
                power,
                ..
            } => {
                open_unit("decay", decay)?;
                if !(0.0..=decay).contains(&min_decay) {
                    return Err(ParamError::new(
                        "min_decay",
                        min_decay,
                        format!("must be in [0, decay = {decay}]"),
                    ));
                }
                for (name, v) in [("gamma", gamma), ("power", power)] {
                    if !(v.is_finite() && v > 0.0) {
                        return Err(ParamError::new(name, v, "must be a positive number"));
                    }
                }
                Ok(())
            }
        }
    }

    /// Whether this is SWA (the rule `--swa-lr` belongs to).
    pub fn is_swa(&self) -> bool {
        matches!(self, Self::Swa)
    }

    /// The update that folds the next model into an average of `n_averaged` models, `step`
    /// optimizer steps after the average started (1 at its first update; used by
    /// `ema-warmup` only).
    pub fn update(&self, n_averaged: u64, step: u64) -> Update {
        match *self {
            Self::Swa if n_averaged == 0 => Update::Copy,
            Self::Swa => Update::Mean { n_averaged },
            Self::Ema { .. } if n_averaged == 0 => Update::Copy,
            Self::Ema { decay } => Update::Lerp {
                weight: 1.0 - decay,
            },
            // Decay 0: timm's lerp by weight 1, which is the model exactly (for finite weights).
            Self::EmaWarmup { .. } => match self.decay_at(step) {
                0.0 => Update::Copy,
                decay => Update::Lerp {
                    weight: 1.0 - decay,
                },
            },
        }
    }

    /// `ema-warmup`'s decay at `step` ([`timm_decay`]); the fixed decay of `ema`; 0 for SWA.
    pub fn decay_at(&self, step: u64) -> f64 {
        match *self {
            Self::Swa => 0.0,
            Self::Ema { decay } => decay,
            Self::EmaWarmup {
                decay,
                min_decay,
                update_after_step,
                gamma,
                power,
            } => timm_decay(
                step,
                decay,
                min_decay,
                update_after_step,
                Some((gamma, power)),
            ),
        }
    }
}

/// timm's `ModelEmaV3.get_decay(step)`: `warmup = Some((γ, p))` is `use_warmup=True`.
pub fn timm_decay(
    step: u64,
    decay: f64,
    min_decay: f64,
    update_after_step: u64,
    warmup: Option<(f64, f64)>,
) -> f64 {
    // step = max(0, step - update_after_step - 1)
    let s = step.saturating_sub(update_after_step.saturating_add(1));
    if s == 0 {
        return 0.0;
    }
    match warmup {
        Some((gamma, power)) => {
            let d = 1.0 - (1.0 + s as f64 / gamma).powf(-power);
            d.min(decay).max(min_decay)
        }
        None => decay,
    }
}

/// One update of an average (see [`AveragingRule::update`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Update {
    /// The average becomes the model.
    Copy,
    /// SWA's running mean over `n_averaged + 1` models.
    Mean {
        /// Models averaged before this one.
        n_averaged: u64,
    },
    /// `lerp(average, model, weight)`.
    Lerp {
        /// The model's weight (`1 − decay`), rounded to `f32` when applied.
        weight: f64,
    },
}

impl Update {
    /// Folds `model` into `average`, element by element (equal lengths).
    pub fn apply(self, average: &mut [f32], model: &[f32]) {
        assert_eq!(
            average.len(),
            model.len(),
            "an average and its model hold the same number of weights"
        );
        match self {
            Update::Copy => average.copy_from_slice(model),
            Update::Mean { n_averaged } => {
                let n = (n_averaged + 1) as f32;
                for (a, &p) in average.iter_mut().zip(model) {
                    *a += (p - *a) / n;
                }
            }
            Update::Lerp { weight } => {
                let w = weight as f32;
                for (a, &p) in average.iter_mut().zip(model) {
                    *a = lerp(*a, p, w);
                }
            }
        }
    }
}

/// PyTorch's CPU `lerp(start, end, weight)` for `f32`, as its vectorised kernel computes it:
/// `fma(weight, end − start, start)` for `|weight| < 0.5`, else `fma(weight − 1, end − start,
/// end)`.
#[inline]
pub fn lerp(start: f32, end: f32, weight: f32) -> f32 {
    let diff = end - start;
    if weight.abs() < 0.5 {
        weight.mul_add(diff, start)
    } else {
        (weight - 1.0).mul_add(diff, end)
    }
}

/// When an average is updated (see the [module documentation](self#when-averagewhen)).
#[derive(Debug, Clone, PartialEq)]
pub struct AverageWhen {
    /// The first optimizer step (1-based) whose weights are averaged.
    pub first: u64,
    /// Every this many steps from `first`, or at the cycle ends.
    pub every: Every,
}

/// How often an average is updated.
#[derive(Debug, Clone, PartialEq)]
pub enum Every {
    /// Every `n` optimizer steps (1: every step).
    Steps(u64),
    /// At the steps that end a cycle of the schedule (1-based step counts, ascending).
    CycleEnds(Vec<u64>),
}

impl AverageWhen {
    /// From the fraction `start` of a run of `iters` steps: `first = ⌊start·iters⌋ + 1`.
    pub fn from_fraction(start: f64, iters: u64, every: Every) -> Result<Self, ParamError> {
        if !(0.0..1.0).contains(&start) {
            return Err(ParamError::new(
                "average_start",
                start,
                "must be in [0, 1): the fraction of the run trained before averaging starts \
                 (0: from the first step; SWA's default 0.75)",
            ));
        }
        if let Every::Steps(0) = every {
            return Err(ParamError::new(
                "average_every",
                0,
                "must be >= 1 (steps between updates) or `cycle`",
            ));
        }
        let first = ((start * iters as f64).floor() as u64).saturating_add(1);
        Ok(Self { first, every })
    }

    /// Whether the weights after optimizer step `k` (1-based) are folded into the average.
    pub fn updates_after(&self, k: u64) -> bool {
        if k < self.first {
            return false;
        }
        match &self.every {
            Every::Steps(n) => (k - self.first).is_multiple_of(*n),
            Every::CycleEnds(ends) => ends.binary_search(&k).is_ok(),
        }
    }

    /// The number of updates made in the first `k` steps.
    pub fn updates_in(&self, k: u64) -> u64 {
        if k < self.first {
            return 0;
        }
        match &self.every {
            Every::Steps(n) => (k - self.first) / n + 1,
            Every::CycleEnds(ends) => {
                ends.iter().filter(|&&e| e >= self.first && e <= k).count() as u64
            }
        }
    }
}

/// How `SWALR` anneals (`anneal_strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SwaAnneal {
    /// `α(τ) = (1 − cos(πτ))/2`.
    #[default]
    Cos,
    /// `α(τ) = τ`.
    Linear,
}

impl SwaAnneal {
    fn alpha(self, t: f64) -> f64 {
        match self {
            Self::Cos => (1.0 - (std::f64::consts::PI * t).cos()) / 2.0,
            Self::Linear => t,
        }
    }

    /// The name (`cos`, `linear`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Cos => "cos",
            Self::Linear => "linear",
        }
    }
}

/// PyTorch's `SWALR` from `lr0` (see the [module documentation](self#swas-learning-rate-swalr)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SwaLr {
    /// The rate when SWALR takes over.
    pub lr0: f64,
    /// The rate it anneals to (`swa_lr`).
    pub swa_lr: f64,
    /// Steps of the anneal (`anneal_epochs`, stepped per iteration here).
    pub anneal_iters: u64,
    /// `cos` or `linear`.
    pub strategy: SwaAnneal,
}

impl SwaLr {
    /// The rate after `j` calls of `step()` (`j = 0`: as constructed).
    pub fn lr(&self, j: u64) -> f64 {
        let a = self.anneal_iters;
        let span = a.max(1) as f64;
        let clamp = |x: f64| x.clamp(0.0, 1.0);
        let mut lr = self.lr0;
        // Past the anneal the rate is swa_lr exactly (α = 1 twice): stop iterating there.
        for j in 0..=j.min(a + 2) {
            let s = if a == 0 { j.max(1) } else { j } as f64;
            let prev_alpha = self.strategy.alpha(clamp((s - 1.0) / span));
            let prev = if prev_alpha == 1.0 {
                self.swa_lr
            } else {
                (lr - prev_alpha * self.swa_lr) / (1.0 - prev_alpha)
            };
            let alpha = self.strategy.alpha(clamp(s / span));
            lr = self.swa_lr * alpha + prev * (1.0 - alpha);
        }
        lr
    }
}

/// Checks SWALR's settings: `swa_lr` positive and finite.
pub fn check_swa_lr(swa_lr: f64) -> Result<(), ParamError> {
    if swa_lr.is_finite() && swa_lr > 0.0 {
        Ok(())
    } else {
        Err(ParamError::new(
            "swa_lr",
            swa_lr,
            "must be a positive number (the rate SWALR anneals to)",
        ))
    }
}

/// A schedule followed, from iteration `start` on, by [`SwaLr`] from the schedule's rate at
/// `start` (momentum: the schedule's, throughout).
#[derive(Debug)]
pub struct WithSwaLr<S> {
    /// The run's schedule.
    pub base: S,
    /// The first iteration (0-based) under SWALR.
    pub start: u64,
    /// `swa_lr`.
    pub swa_lr: f64,
    /// The anneal's length in iterations.
    pub anneal_iters: u64,
    /// `cos` or `linear`.
    pub strategy: SwaAnneal,
}

impl<S: Schedule> Schedule for WithSwaLr<S> {
    fn lr(&self, t: u64) -> f64 {
        if t < self.start {
            return self.base.lr(t);
        }
        SwaLr {
            lr0: self.base.lr(self.start),
            swa_lr: self.swa_lr,
            anneal_iters: self.anneal_iters,
            strategy: self.strategy,
        }
        .lr(t - self.start)
    }
    fn momentum(&self, t: u64) -> Option<f64> {
        self.base.momentum(t)
    }
    fn cycles_momentum(&self) -> bool {
        self.base.cycles_momentum()
    }
}

/// Which average a run keeps (`kind` of an [`AverageConfig`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AverageKind {
    /// [`AveragingRule::Swa`].
    Swa,
    /// [`AveragingRule::Ema`].
    Ema,
    /// [`AveragingRule::EmaWarmup`].
    EmaWarmup,
}

impl AverageKind {
    /// The name (`swa`, `ema`, `ema-warmup`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Swa => "swa",
            Self::Ema => "ema",
            Self::EmaWarmup => "ema-warmup",
        }
    }
}

/// How often a run's average is updated (`every`: a number of steps, or `"cycle"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "EveryRepr", into = "EveryRepr")]
pub enum AverageEvery {
    /// Every `n` steps (1: every step).
    Steps(u64),
    /// At the end of each cycle of a cyclical schedule.
    Cycle,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum EveryRepr {
    Steps(u64),
    Word(String),
}

impl TryFrom<EveryRepr> for AverageEvery {
    type Error = String;
    fn try_from(r: EveryRepr) -> Result<Self, String> {
        match r {
            EveryRepr::Steps(n) => Ok(Self::Steps(n)),
            EveryRepr::Word(w) if w == "cycle" => Ok(Self::Cycle),
            EveryRepr::Word(w) => Err(format!(
                "average every {w:?}: give a number of steps (1: every step) or \"cycle\""
            )),
        }
    }
}

impl From<AverageEvery> for EveryRepr {
    fn from(e: AverageEvery) -> Self {
        match e {
            AverageEvery::Steps(n) => Self::Steps(n),
            AverageEvery::Cycle => Self::Word("cycle".into()),
        }
    }
}

impl std::str::FromStr for AverageEvery {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "cycle" => Ok(Self::Cycle),
            n => n
                .parse()
                .map(Self::Steps)
                .map_err(|_| format!("{n:?}: give a number of steps (1: every step) or `cycle`")),
        }
    }
}

/// SWA's default `start`: the last quarter of the run is averaged.
pub const SWA_START: f64 = 0.75;
/// PyTorch `SWALR`'s default `anneal_epochs` (10), counted in iterations here.
pub const SWA_ANNEAL_ITERS: u64 = 10;

/// A run's weight averaging as data (`train --average …`, an experiment's `average = { … }`):
/// the rule, when it is updated and SWA's learning rate. Every key but `kind` is optional.
///
/// ```toml
/// average = { kind = "swa", start = 0.75, every = "cycle" }
/// average = { kind = "swa", swa_lr = 0.05, swa_anneal_iters = 100 }
/// average = { kind = "ema", decay = 0.999 }
/// average = { kind = "ema-warmup", decay = 0.9999, ema_warmup_power = 0.75 }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AverageConfig {
    /// `swa`, `ema` or `ema-warmup`.
    pub kind: AverageKind,
    /// `ema`, `ema-warmup`: the decay, in (0, 1) (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decay: Option<f64>,
    /// The fraction of the run trained before the first update, in [0, 1) (default 0; SWA
    /// [`SWA_START`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<f64>,
    /// Steps between updates, or `cycle` (default 1: every step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<AverageEvery>,
    /// SWA: anneal to this rate with `SWALR` from the first averaged step (without it the run's
    /// schedule continues).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swa_lr: Option<f64>,
    /// SWALR's anneal in iterations (default [`SWA_ANNEAL_ITERS`], PyTorch's 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swa_anneal_iters: Option<u64>,
    /// SWALR's anneal, `cos` (default) or `linear`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swa_anneal_strategy: Option<SwaAnneal>,
    /// `ema-warmup`: timm's `warmup_gamma` (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ema_warmup_gamma: Option<f64>,
    /// `ema-warmup`: timm's `warmup_power` (default 2/3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ema_warmup_power: Option<f64>,
}

impl AverageConfig {
    /// `kind` with every other key at its default.
    pub fn new(kind: AverageKind) -> Self {
        Self {
            kind,
            decay: None,
            start: None,
            every: None,
            swa_lr: None,
            swa_anneal_iters: None,
            swa_anneal_strategy: None,
            ema_warmup_gamma: None,
            ema_warmup_power: None,
        }
    }

    /// The averaging rule, checked; errors name the key and what is valid.
    pub fn rule(&self) -> Result<AveragingRule, ParamError> {
        let kind = self.kind.name();
        let refuse = |key: &str, v: &dyn std::fmt::Display, valid: String| {
            Err(ParamError::new(key, v, valid))
        };
        if !matches!(self.kind, AverageKind::Swa) {
            for (key, given) in [
                ("swa_lr", self.swa_lr.is_some()),
                ("swa_anneal_iters", self.swa_anneal_iters.is_some()),
                ("swa_anneal_strategy", self.swa_anneal_strategy.is_some()),
            ] {
                if given {
                    return refuse(
                        key,
                        &format!("given with average {kind}"),
                        "SWA's learning rate (SWALR) goes with average swa only".into(),
                    );
                }
            }
        } else if self.swa_lr.is_none() {
            for (key, given) in [
                ("swa_anneal_iters", self.swa_anneal_iters.is_some()),
                ("swa_anneal_strategy", self.swa_anneal_strategy.is_some()),
            ] {
                if given {
                    return refuse(
                        key,
                        &"given without swa_lr",
                        "it shapes SWALR's anneal to swa_lr: give swa_lr too".into(),
                    );
                }
            }
        }
        if !matches!(self.kind, AverageKind::EmaWarmup) {
            for (key, v) in [
                ("ema_warmup_gamma", self.ema_warmup_gamma),
                ("ema_warmup_power", self.ema_warmup_power),
            ] {
                if let Some(v) = v {
                    return refuse(
                        key,
                        &v,
                        format!("timm's warm-up goes with average ema-warmup, not {kind}"),
                    );
                }
            }
        }
        let rule = match (self.kind, self.decay) {
            (AverageKind::Swa, None) => AveragingRule::Swa,
            (AverageKind::Swa, Some(d)) => {
                return refuse(
                    "decay",
                    &d,
                    "SWA is an equal-weight mean: a decay goes with average ema or ema-warmup"
                        .into(),
                );
            }
            (_, None) => {
                return refuse(
                    "decay",
                    &"missing",
                    format!("average {kind} needs a decay in (0, 1), e.g. {kind}:0.999"),
                );
            }
            (AverageKind::Ema, Some(decay)) => AveragingRule::Ema { decay },
            (AverageKind::EmaWarmup, Some(decay)) => AveragingRule::EmaWarmup {
                decay,
                min_decay: 0.0,
                update_after_step: 0,
                gamma: self.ema_warmup_gamma.unwrap_or(TIMM_WARMUP_GAMMA),
                power: self.ema_warmup_power.unwrap_or(TIMM_WARMUP_POWER),
            },
        };
        rule.check().map_err(|e| match e.param.as_str() {
            "gamma" | "power" => {
                ParamError::new(format!("ema_warmup_{}", e.param), e.value, e.valid)
            }
            _ => e,
        })?;
        if let Some(lr) = self.swa_lr {
            check_swa_lr(lr)?;
        }
        if self.swa_lr.is_some() && self.every == Some(AverageEvery::Cycle) {
            return refuse(
                "average_every",
                &"cycle",
                "SWALR holds the rate at swa_lr from the first averaged step: there are no \
                 cycles left to average at; give a number of steps, or leave swa_lr out"
                    .into(),
            );
        }
        Ok(rule)
    }

    /// The fraction of the run trained before the first update.
    pub fn start_fraction(&self) -> f64 {
        self.start.unwrap_or(match self.kind {
            AverageKind::Swa => SWA_START,
            _ => 0.0,
        })
    }

    /// When a run of `iters` steps under `schedule` updates its average; `every = cycle` needs
    /// a schedule with cycles, and a cycle end after the start.
    pub fn when(&self, iters: u64, schedule: &dyn Schedule) -> Result<AverageWhen, ParamError> {
        let every = match self.every.unwrap_or(AverageEvery::Steps(1)) {
            AverageEvery::Steps(n) => Every::Steps(n),
            AverageEvery::Cycle => match schedule.cycle_ends(iters) {
                Some(ends) => Every::CycleEnds(ends),
                None => {
                    return Err(ParamError::new(
                        "average_every",
                        "cycle",
                        "the schedule has no cycles: `cycle` needs triangular, triangular2, \
                         exp-range, welch, hann or sgdr; or give a number of steps",
                    ));
                }
            },
        };
        let when = AverageWhen::from_fraction(self.start_fraction(), iters, every)?;
        if when.updates_in(iters) == 0 {
            return Err(ParamError::new(
                "average_start",
                self.start_fraction(),
                format!(
                    "no update would fall within the run ({iters} iterations, the first \
                     averaged step {}{}): start earlier or average more often",
                    when.first,
                    match &when.every {
                        Every::CycleEnds(e) => format!(", cycle ends {e:?}"),
                        Every::Steps(_) => String::new(),
                    }
                ),
            ));
        }
        Ok(when)
    }

    /// The run's schedule with SWALR from the first averaged step when `swa_lr` is set
    /// (`base` unchanged otherwise).
    pub fn schedule<'a>(
        &self,
        base: Box<dyn Schedule + 'a>,
        when: &AverageWhen,
    ) -> Box<dyn Schedule + 'a> {
        match self.swa_lr {
            Some(swa_lr) => Box::new(WithSwaLr {
                base,
                start: when.first - 1,
                swa_lr,
                anneal_iters: self.swa_anneal_iters.unwrap_or(SWA_ANNEAL_ITERS),
                strategy: self.swa_anneal_strategy.unwrap_or_default(),
            }),
            None => base,
        }
    }

    /// The average in words, as the command line writes it (`swa from 75% of the run, every
    /// step, SWALR to 0.05 (cos over 10 iterations)`).
    pub fn describe(&self) -> String {
        let rule = match (self.kind, self.decay) {
            (AverageKind::Swa, _) | (_, None) => self.kind.name().to_string(),
            (k, Some(d)) => format!("{}:{d}", k.name()),
        };
        let every = match self.every.unwrap_or(AverageEvery::Steps(1)) {
            AverageEvery::Steps(1) => "every step".to_string(),
            AverageEvery::Steps(n) => format!("every {n} steps"),
            AverageEvery::Cycle => "at each cycle's end".to_string(),
        };
        let mut out = format!(
            "{rule} from {}% of the run, {every}",
            self.start_fraction() * 100.0
        );
        if let Some(lr) = self.swa_lr {
            out += &format!(
                ", SWALR to {lr} ({} over {} iterations)",
                self.swa_anneal_strategy.unwrap_or_default().name(),
                self.swa_anneal_iters.unwrap_or(SWA_ANNEAL_ITERS)
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_updates_follow_the_rule() {
        assert_eq!(AveragingRule::Swa.update(0, 7), Update::Copy);
        assert_eq!(
            AveragingRule::Swa.update(3, 7),
            Update::Mean { n_averaged: 3 }
        );
        let ema = AveragingRule::Ema { decay: 0.75 };
        assert_eq!(ema.update(0, 1), Update::Copy);
        assert_eq!(ema.update(1, 2), Update::Lerp { weight: 0.25 });
        // timm: the first update (step 1) copies (a lerp by weight 1).
        let w = AveragingRule::ema_warmup(0.9999);
        assert_eq!(w.update(0, 1), Update::Copy);
        assert_eq!(w.decay_at(2), 1.0 - 2f64.powf(-2.0 / 3.0));
    }

    #[test]
    fn a_mean_of_three_models_is_their_mean() {
        let mut a = vec![0.0f32; 2];
        let rule = AveragingRule::Swa;
        for (n, m) in [[1.0f32, -3.0], [2.0, 0.0], [6.0, 3.0]].iter().enumerate() {
            rule.update(n as u64, 0).apply(&mut a, m);
        }
        assert_eq!(a, vec![3.0, 0.0]);
    }

    #[test]
    fn lerp_takes_the_far_end_form_above_one_half() {
        assert_eq!(lerp(1.0, 3.0, 0.25), 1.5);
        assert_eq!(lerp(1.0, 3.0, 1.0), 3.0);
        assert_eq!(lerp(1.0, 3.0, 0.75), 2.5);
    }

    #[test]
    fn when_counts_from_the_first_averaged_step() {
        let w = AverageWhen::from_fraction(0.75, 100, Every::Steps(4)).unwrap();
        assert_eq!(w.first, 76);
        let steps: Vec<u64> = (1..=100).filter(|&k| w.updates_after(k)).collect();
        assert_eq!(steps, vec![76, 80, 84, 88, 92, 96, 100]);
        assert_eq!(w.updates_in(100), 7);
        assert_eq!(w.updates_in(75), 0);
        let c =
            AverageWhen::from_fraction(0.5, 40, Every::CycleEnds(vec![10, 20, 30, 40])).unwrap();
        let steps: Vec<u64> = (1..=40).filter(|&k| c.updates_after(k)).collect();
        assert_eq!(steps, vec![30, 40]);
        assert_eq!(c.updates_in(35), 1);
        assert!(AverageWhen::from_fraction(1.0, 40, Every::Steps(1)).is_err());
        assert!(AverageWhen::from_fraction(0.0, 40, Every::Steps(0)).is_err());
    }

    #[test]
    fn checks_name_the_bad_value() {
        let e = AveragingRule::Ema { decay: 1.0 }.check().unwrap_err();
        assert_eq!(e.param, "decay");
        assert!(e.valid.contains("(0, 1)"), "{e}");
        let bad = AveragingRule::EmaWarmup {
            decay: 0.9,
            min_decay: 0.95,
            update_after_step: 0,
            gamma: 1.0,
            power: 0.5,
        };
        assert_eq!(bad.check().unwrap_err().param, "min_decay");
        assert!(AveragingRule::ema_warmup(0.999).check().is_ok());
    }

    #[test]
    fn swalr_reaches_swa_lr_and_stays() {
        for strategy in [SwaAnneal::Cos, SwaAnneal::Linear] {
            let s = SwaLr {
                lr0: 0.4,
                swa_lr: 0.05,
                anneal_iters: 10,
                strategy,
            };
            assert_eq!(s.lr(0), 0.4);
            assert_eq!(s.lr(10), 0.05);
            assert_eq!(s.lr(1_000_000), 0.05);
            assert!(s.lr(5) < 0.4 && s.lr(5) > 0.05);
        }
    }

    #[test]
    fn the_rule_round_trips_through_json() {
        for r in [
            AveragingRule::Swa,
            AveragingRule::Ema { decay: 0.999 },
            AveragingRule::ema_warmup(0.9999),
        ] {
            let j = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<AveragingRule>(&j).unwrap(), r, "{j}");
        }
        let r: AveragingRule =
            serde_json::from_str(r#"{"kind":"ema-warmup","decay":0.99}"#).unwrap();
        assert_eq!(r, AveragingRule::ema_warmup(0.99));
    }

    #[test]
    fn a_config_reads_from_toml_and_names_bad_keys() {
        let c: AverageConfig = toml::from_str(
            r#"kind = "swa"
every = "cycle""#,
        )
        .unwrap();
        assert_eq!(c.rule().unwrap(), AveragingRule::Swa);
        assert_eq!(c.every, Some(AverageEvery::Cycle));
        assert_eq!(c.start_fraction(), SWA_START);
        let c: AverageConfig = toml::from_str("kind = \"ema\"\ndecay = 0.999\nevery = 4").unwrap();
        assert_eq!(c.rule().unwrap(), AveragingRule::Ema { decay: 0.999 });
        assert_eq!(c.start_fraction(), 0.0);
        let c: AverageConfig =
            toml::from_str("kind = \"ema-warmup\"\ndecay = 0.99\nema_warmup_power = 0.75").unwrap();
        assert_eq!(
            c.rule().unwrap(),
            AveragingRule::EmaWarmup {
                decay: 0.99,
                min_decay: 0.0,
                update_after_step: 0,
                gamma: 1.0,
                power: 0.75
            }
        );
        assert!(toml::from_str::<AverageConfig>("kind = \"swa\"\nevery = \"epoch\"").is_err());
        assert!(toml::from_str::<AverageConfig>("kind = \"swa\"\nfoo = 1").is_err());
        let bad = |toml_text: &str| {
            toml::from_str::<AverageConfig>(toml_text)
                .unwrap()
                .rule()
                .unwrap_err()
        };
        assert_eq!(bad("kind = \"ema\"").param, "decay");
        assert_eq!(bad("kind = \"ema\"\ndecay = 1.5").param, "decay");
        assert_eq!(bad("kind = \"swa\"\ndecay = 0.9").param, "decay");
        assert_eq!(
            bad("kind = \"ema\"\ndecay = 0.9\nswa_lr = 0.1").param,
            "swa_lr"
        );
        assert_eq!(
            bad("kind = \"swa\"\nswa_anneal_iters = 5").param,
            "swa_anneal_iters"
        );
        assert_eq!(bad("kind = \"swa\"\nswa_lr = -1.0").param, "swa_lr");
        assert_eq!(
            bad("kind = \"swa\"\nswa_lr = 0.1\nevery = \"cycle\"").param,
            "average_every"
        );
        assert_eq!(
            bad("kind = \"ema-warmup\"\ndecay = 0.9\nema_warmup_gamma = 0.0").param,
            "ema_warmup_gamma"
        );
        assert_eq!(
            bad("kind = \"ema\"\ndecay = 0.9\nema_warmup_power = 1.0").param,
            "ema_warmup_power"
        );
    }

    #[test]
    fn cycle_averaging_needs_cycles_within_the_run() {
        use crate::schedule::{Cyclical, Fixed, Sgdr};
        let tri = Cyclical::builder(0.01, 0.1, 10).build().unwrap();
        let c = AverageConfig {
            every: Some(AverageEvery::Cycle),
            ..AverageConfig::new(AverageKind::Swa)
        };
        let when = c.when(100, &tri).unwrap();
        assert_eq!(when.first, 76);
        assert_eq!(when.every, Every::CycleEnds(vec![20, 40, 60, 80, 100]));
        assert_eq!(when.updates_in(100), 2);
        let sgdr = Sgdr::new(0.1, 0.0, 10, 2).unwrap();
        assert_eq!(sgdr.cycle_ends(100), Some(vec![10, 30, 70]));
        let e = c.when(100, &sgdr).unwrap_err();
        assert_eq!(e.param, "average_start");
        assert!(e.valid.contains("cycle ends [10, 30, 70]"), "{e}");
        let e = c.when(100, &Fixed::new(0.1).unwrap()).unwrap_err();
        assert_eq!(e.param, "average_every");
        assert!(e.valid.contains("sgdr"), "{e}");
    }

    #[test]
    fn swalr_takes_over_at_the_first_averaged_step() {
        use crate::schedule::Fixed;
        let c = AverageConfig {
            swa_lr: Some(0.01),
            swa_anneal_iters: Some(4),
            swa_anneal_strategy: Some(SwaAnneal::Linear),
            ..AverageConfig::new(AverageKind::Swa)
        };
        c.rule().unwrap();
        let when = c.when(40, &Fixed::new(0.1).unwrap()).unwrap();
        assert_eq!(when.first, 31);
        let s = c.schedule(Box::new(Fixed::new(0.1).unwrap()), &when);
        let lrs: Vec<f64> = (28..37).map(|t| s.lr(t)).collect();
        let want = [0.1, 0.1, 0.1, 0.0775, 0.055, 0.0325, 0.01, 0.01, 0.01];
        for (g, w) in lrs.iter().zip(want) {
            assert!((g - w).abs() < 1e-15, "{lrs:?}");
        }
        assert_eq!(
            c.describe(),
            "swa from 75% of the run, every step, SWALR to 0.01 (linear over 4 iterations)"
        );
    }
}

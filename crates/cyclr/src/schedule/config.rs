//! [`ScheduleConfig`]: every policy as plain data, for CLI flags, experiment TOML files and
//! checkpoints.
//!
//! Serialized as a map tagged by `policy` (kebab-case), with snake_case keys; unknown keys are
//! rejected. In TOML:
//!
//! ```toml
//! policy = "triangular"
//! base_lr = 0.001
//! max_lr = 0.006
//! step_size = 2000
//! warmup = 500          # optional on every policy
//! ```
//!
//! Keys per policy (required; *optional = default*):
//!
//! * `triangular`, `triangular2`, `welch`, `hann`: `base_lr`, `max_lr`, `step_size`;
//!   *`step_size_down` = `step_size`*, *`base_momentum` + `max_momentum`* (both or neither;
//!   momentum cycles only when both are given).
//! * `exp-range`: as `triangular`, plus *`gamma` = 1.0* (PyTorch's default).
//! * `one-cycle`: `max_lr`; *`total_steps` = the run length*, *`style` = `"pytorch"`*
//!   (or `"fastai"`), *`pct_start` = 0.3 (pytorch) / 0.25 (fastai)*, *`anneal` = `"cos"`*
//!   (`"linear"`: pytorch only), *`div` = 25*, *`final_div` = 1e4 (pytorch: relative to
//!   `max_lr / div`, PyTorch's `final_div_factor`) / 1e5 (fastai: relative to `max_lr`, fastai's
//!   `div_final`)*, *`three_phase` = false* (pytorch only), *`base_momentum` = 0.85*,
//!   *`max_momentum` = 0.95*, *`cycle_momentum` = true*.
//! * `sgdr`: `max_lr`, `t0`; *`min_lr` = 0*, *`t_mult` = 1*.
//! * `fixed`: `lr`.
//! * `step`: `lr`, `step_size`; *`gamma` = 0.1*.
//! * `multistep`: `lr`, `milestones`; *`gamma` = 0.1*.
//! * `exp`: `lr`, `gamma`.
//! * `inv`: `lr`, `gamma`, `power`.
//! * `poly`: `lr`; *`power` = 1.0*, *`max_iter` = the run length*.
//! * `sigmoid`: `lr`, `gamma`, `step_size`.
//! * `sequence`: `milestones`, `schedules` (a list of configs).
//!
//! Hugging Face transformers' schedules ([`transformers`](super::transformers), exact to
//! transformers 5.24), with transformers' own parameter names:
//!
//! * `constant-with-warmup`: `lr`, `num_warmup_steps`.
//! * `linear-with-warmup`: `lr`, `num_warmup_steps`; *`num_training_steps` = the run length*.
//! * `cosine-with-warmup`: `lr`, `num_warmup_steps`; *`num_training_steps` = the run length*,
//!   *`num_cycles` = 0.5*, *`min_lr_rate` = 0* (transformers'
//!   `get_cosine_with_min_lr_schedule_with_warmup` when set).
//! * `cosine-with-hard-restarts`: `lr`, `num_warmup_steps`; *`num_training_steps` = the run
//!   length*, *`num_cycles` = 1*.
//! * `polynomial-with-warmup`: `lr`, `num_warmup_steps`; *`num_training_steps` = the run
//!   length*, *`lr_end` = 1e-7*, *`power` = 1.0*.
//! * `inverse-sqrt`: `lr`, `num_warmup_steps`; *`timescale` = `num_warmup_steps`, or 10 000 when
//!   that is 0* (transformers' `num_warmup_steps or 10_000`).
//! * `wsd`: `lr`, `num_warmup_steps`, `num_decay_steps`; *`num_stable_steps`* or
//!   *`num_training_steps`* (stable = `num_training_steps − num_warmup_steps −
//!   num_decay_steps`; with neither, `num_training_steps` = the run length; with both, they must
//!   agree), *`warmup_type` = `"linear"`*, *`decay_type` = `"cosine"`* (each `"linear"`,
//!   `"cosine"` or `"1-sqrt"`), *`min_lr_ratio` = 0*, *`num_cycles` = 0.5*.
//!
//! `num_warmup_steps` is transformers' warm-up, part of those formulas (factor `t / N`, from 0 at
//! `t = 0`); `warmup` below is cyclr's (factor `(t + 1) / warmup`) and, when given too,
//! multiplies on top.
//!
//! Every policy also takes `warmup` (iterations of linear warm-up, see
//! [`Warmup`]). The run length passed to [`ScheduleConfig::build`] fills
//! `total_steps` / `max_iter` / `num_training_steps` when they are absent (transformers itself
//! requires `num_training_steps`; its `Trainer` passes the run's `max_steps`, as cyclr does
//! here); inside a `sequence`, each part's run length is its span between milestones (the last
//! part: up to the run length).
//!
//! Design note: `warmup` is a field of every variant rather than a `#[serde(flatten)]`ed
//! wrapper, because serde does not support `deny_unknown_fields` together with `flatten`.
use serde::{Deserialize, Serialize};

use super::compose::{Sequence, Warmup};
use super::cyclical::{Cyclical, ScalePolicy, Window};
use super::one_cycle::{Anneal, FastaiOneCycle, OneCycle};
use super::policy::Policy;
use super::restarts::Sgdr;
use super::transformers::{
    ConstantWithWarmup, CosineWithHardRestarts, CosineWithWarmup, InverseSqrt, LinearWithWarmup,
    PolynomialWithWarmup, Wsd, WsdCurve,
};
use super::{Exponential, Fixed, Inv, MultiStep, Poly, Schedule, Sigmoid, StepDecay};
use crate::ParamError;

/// Which 1cycle implementation to reproduce exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OneCycleStyle {
    /// PyTorch `OneCycleLR` ([`OneCycle`]).
    #[default]
    Pytorch,
    /// fastai `fit_one_cycle` ([`FastaiOneCycle`]).
    Fastai,
}

/// A learning-rate policy as data. See the [module docs](self) for keys and defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "policy", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ScheduleConfig {
    /// Smith's triangular policy ([`Cyclical::triangular`]).
    Triangular {
        /// Lower lr bound.
        base_lr: f64,
        /// Upper lr bound.
        max_lr: f64,
        /// Iterations of the rising edge (half a cycle when symmetric).
        step_size: u64,
        /// Iterations of the falling edge (default `step_size`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step_size_down: Option<u64>,
        /// Momentum at the lr peak (give with `max_momentum` to cycle momentum).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_momentum: Option<f64>,
        /// Momentum at the cycle start.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_momentum: Option<f64>,
        /// Linear warm-up iterations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// Triangular with the amplitude halved every cycle.
    Triangular2 {
        /// Lower lr bound.
        base_lr: f64,
        /// Upper lr bound.
        max_lr: f64,
        /// Iterations of the rising edge.
        step_size: u64,
        /// Iterations of the falling edge (default `step_size`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step_size_down: Option<u64>,
        /// Momentum at the lr peak.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_momentum: Option<f64>,
        /// Momentum at the cycle start.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_momentum: Option<f64>,
        /// Linear warm-up iterations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// Triangular with the amplitude scaled by `gamma^t`.
    ExpRange {
        /// Lower lr bound.
        base_lr: f64,
        /// Upper lr bound.
        max_lr: f64,
        /// Iterations of the rising edge.
        step_size: u64,
        /// Iterations of the falling edge (default `step_size`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step_size_down: Option<u64>,
        /// Amplitude decay per iteration, in (0, 1] (default 1.0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gamma: Option<f64>,
        /// Momentum at the lr peak.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_momentum: Option<f64>,
        /// Momentum at the cycle start.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_momentum: Option<f64>,
        /// Linear warm-up iterations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// Parabolic (Welch) window.
    Welch {
        /// Lower lr bound.
        base_lr: f64,
        /// Upper lr bound.
        max_lr: f64,
        /// Iterations of the rising edge.
        step_size: u64,
        /// Iterations of the falling edge (default `step_size`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step_size_down: Option<u64>,
        /// Momentum at the lr peak.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_momentum: Option<f64>,
        /// Momentum at the cycle start.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_momentum: Option<f64>,
        /// Linear warm-up iterations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// Sinusoidal (Hann) window.
    Hann {
        /// Lower lr bound.
        base_lr: f64,
        /// Upper lr bound.
        max_lr: f64,
        /// Iterations of the rising edge.
        step_size: u64,
        /// Iterations of the falling edge (default `step_size`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step_size_down: Option<u64>,
        /// Momentum at the lr peak.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_momentum: Option<f64>,
        /// Momentum at the cycle start.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_momentum: Option<f64>,
        /// Linear warm-up iterations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// The 1cycle policy, PyTorch or fastai style.
    OneCycle {
        /// Peak lr.
        max_lr: f64,
        /// Cycle length (default: the run length).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total_steps: Option<u64>,
        /// Implementation to reproduce (default pytorch).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        style: Option<OneCycleStyle>,
        /// Warm-up fraction (default 0.3 pytorch, 0.25 fastai).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pct_start: Option<f64>,
        /// Annealing (default cos; linear: pytorch only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        anneal: Option<Anneal>,
        /// Initial lr = `max_lr / div` (default 25).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        div: Option<f64>,
        /// Final lr = `max_lr / div / final_div` (pytorch, default 1e4) or `max_lr / final_div`
        /// (fastai, default 1e5).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        final_div: Option<f64>,
        /// PyTorch's three phases (default false).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        three_phase: Option<bool>,
        /// Momentum at the lr peak (default 0.85).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_momentum: Option<f64>,
        /// Momentum at the start and end (default 0.95).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_momentum: Option<f64>,
        /// Whether momentum cycles (default true).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cycle_momentum: Option<bool>,
        /// Linear warm-up iterations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// Cosine annealing with warm restarts.
    Sgdr {
        /// Peak lr (PyTorch's base lr).
        max_lr: f64,
        /// Floor lr (`eta_min`, default 0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_lr: Option<f64>,
        /// First period (`T_0`).
        t0: u64,
        /// Period growth (`T_mult`, default 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        t_mult: Option<u64>,
        /// Linear warm-up iterations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// Constant lr.
    Fixed {
        /// The lr.
        lr: f64,
        /// Linear warm-up iterations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// `lr · gamma^floor(t / step_size)`.
    Step {
        /// Initial lr.
        lr: f64,
        /// Decay period.
        step_size: u64,
        /// Decay factor (default 0.1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gamma: Option<f64>,
        /// Linear warm-up iterations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// `lr · gamma^(milestones passed)`.
    Multistep {
        /// Initial lr.
        lr: f64,
        /// Iterations at which the lr decays.
        milestones: Vec<u64>,
        /// Decay factor (default 0.1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gamma: Option<f64>,
        /// Linear warm-up iterations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// `lr · gamma^t`.
    Exp {
        /// Initial lr.
        lr: f64,
        /// Decay per iteration.
        gamma: f64,
        /// Linear warm-up iterations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// `lr · (1 + gamma·t)^(−power)`.
    Inv {
        /// Initial lr.
        lr: f64,
        /// Rate.
        gamma: f64,
        /// Exponent.
        power: f64,
        /// Linear warm-up iterations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// `lr · (1 − min(t, max_iter)/max_iter)^power`.
    Poly {
        /// Initial lr.
        lr: f64,
        /// Exponent (default 1.0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        power: Option<f64>,
        /// Iterations to reach 0 (default: the run length).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_iter: Option<u64>,
        /// Linear warm-up iterations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// `lr / (1 + exp(−gamma·(t − step_size)))`.
    Sigmoid {
        /// Asymptotic lr.
        lr: f64,
        /// Steepness (negative: decay).
        gamma: f64,
        /// Centre.
        step_size: u64,
        /// Linear warm-up iterations.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// transformers' `get_constant_schedule_with_warmup` ([`ConstantWithWarmup`]).
    ConstantWithWarmup {
        /// The optimizer's lr.
        lr: f64,
        /// transformers' warm-up steps (factor `t / num_warmup_steps`, from 0).
        num_warmup_steps: u64,
        /// cyclr's linear warm-up iterations, on top.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// transformers' `get_linear_schedule_with_warmup` ([`LinearWithWarmup`]).
    LinearWithWarmup {
        /// The optimizer's lr.
        lr: f64,
        /// transformers' warm-up steps (factor `t / num_warmup_steps`, from 0).
        num_warmup_steps: u64,
        /// Step at which the lr reaches 0 (default: the run length).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        num_training_steps: Option<u64>,
        /// cyclr's linear warm-up iterations, on top.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// transformers' `get_cosine_schedule_with_warmup` / `get_cosine_with_min_lr_schedule_with_warmup`
    /// ([`CosineWithWarmup`]).
    CosineWithWarmup {
        /// The optimizer's lr.
        lr: f64,
        /// transformers' warm-up steps (factor `t / num_warmup_steps`, from 0).
        num_warmup_steps: u64,
        /// Length of the schedule, warm-up included (default: the run length).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        num_training_steps: Option<u64>,
        /// Cosine waves after the warm-up (default 0.5: one half-wave down).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        num_cycles: Option<f64>,
        /// Floor as a fraction of `lr`, in [0, 1] (default 0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_lr_rate: Option<f64>,
        /// cyclr's linear warm-up iterations, on top.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// transformers' `get_cosine_with_hard_restarts_schedule_with_warmup`
    /// ([`CosineWithHardRestarts`]).
    CosineWithHardRestarts {
        /// The optimizer's lr.
        lr: f64,
        /// transformers' warm-up steps (factor `t / num_warmup_steps`, from 0).
        num_warmup_steps: u64,
        /// Length of the schedule, warm-up included (default: the run length).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        num_training_steps: Option<u64>,
        /// Cosine decays, each restarting at `lr` (default 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        num_cycles: Option<f64>,
        /// cyclr's linear warm-up iterations, on top.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// transformers' `get_polynomial_decay_schedule_with_warmup` ([`PolynomialWithWarmup`]).
    PolynomialWithWarmup {
        /// The optimizer's lr (transformers' `lr_init`).
        lr: f64,
        /// transformers' warm-up steps (factor `t / num_warmup_steps`, from 0).
        num_warmup_steps: u64,
        /// Step at which the lr reaches `lr_end` (default: the run length).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        num_training_steps: Option<u64>,
        /// Final lr, in [0, lr) (default 1e-7).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lr_end: Option<f64>,
        /// Degree of the decay (default 1.0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        power: Option<f64>,
        /// cyclr's linear warm-up iterations, on top.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// transformers' `get_inverse_sqrt_schedule` ([`InverseSqrt`]).
    InverseSqrt {
        /// The optimizer's lr.
        lr: f64,
        /// transformers' warm-up steps (factor `t / num_warmup_steps`, from 0).
        num_warmup_steps: u64,
        /// Time scale (default `num_warmup_steps`, or 10 000 when that is 0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timescale: Option<u64>,
        /// cyclr's linear warm-up iterations, on top.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// transformers' `get_wsd_schedule`: warm-up, stable, decay ([`Wsd`]).
    Wsd {
        /// The optimizer's lr.
        lr: f64,
        /// Warm-up steps (from `min_lr_ratio · lr`, shaped by `warmup_type`).
        num_warmup_steps: u64,
        /// Decay steps.
        num_decay_steps: u64,
        /// Total steps; the stable phase is what the warm-up and decay leave (default: the
        /// run length, unless `num_stable_steps` is given).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        num_training_steps: Option<u64>,
        /// Stable steps (instead of `num_training_steps`, or agreeing with it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        num_stable_steps: Option<u64>,
        /// Warm-up shape (default linear).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup_type: Option<WsdCurve>,
        /// Decay shape (default cosine).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decay_type: Option<WsdCurve>,
        /// Floor and warm-up start as a fraction of `lr`, in [0, 1] (default 0).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min_lr_ratio: Option<f64>,
        /// Cosine waves in a cosine decay (default 0.5).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        num_cycles: Option<f64>,
        /// cyclr's linear warm-up iterations, on top.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
    /// Schedules chained at milestones, each restarting at its own `t = 0`.
    Sequence {
        /// Switch points (one fewer than `schedules`).
        milestones: Vec<u64>,
        /// The chained policies.
        schedules: Vec<ScheduleConfig>,
        /// Linear warm-up iterations (over the whole sequence).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        warmup: Option<u64>,
    },
}

/// Momentum range of a cyclical policy: both bounds or neither.
fn momentum_pair(
    base_momentum: Option<f64>,
    max_momentum: Option<f64>,
) -> Result<Option<(f64, f64)>, ParamError> {
    const WHY: &str = "`base_momentum` and `max_momentum` must be given together (momentum cycles \
                       only when both are set)";
    match (base_momentum, max_momentum) {
        (Some(b), Some(m)) => Ok(Some((b, m))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ParamError::new("max_momentum", "missing", WHY)),
        (None, Some(_)) => Err(ParamError::new("base_momentum", "missing", WHY)),
    }
}

fn boxed<S: Schedule + 'static>(s: S) -> Box<dyn Schedule> {
    Box::new(s)
}

/// Box a transformers schedule; when `num_training_steps` was not given (`given` is `None`) and
/// the error concerns it, say that it stood for the run length.
fn run_length_note<S: Schedule + 'static>(
    given: Option<u64>,
    built: Result<S, ParamError>,
) -> Result<Box<dyn Schedule>, ParamError> {
    built.map(boxed).map_err(|mut e| {
        if given.is_none()
            && (e.param == "num_training_steps" || e.valid.contains("`num_training_steps`"))
        {
            e.valid
                .push_str(" (`num_training_steps` was not given: it is the run length)");
        }
        e
    })
}

impl ScheduleConfig {
    /// The policy.
    pub fn policy(&self) -> Policy {
        match self {
            Self::Triangular { .. } => Policy::Triangular,
            Self::Triangular2 { .. } => Policy::Triangular2,
            Self::ExpRange { .. } => Policy::ExpRange,
            Self::Welch { .. } => Policy::Welch,
            Self::Hann { .. } => Policy::Hann,
            Self::OneCycle { .. } => Policy::OneCycle,
            Self::Sgdr { .. } => Policy::Sgdr,
            Self::Fixed { .. } => Policy::Fixed,
            Self::Step { .. } => Policy::Step,
            Self::Multistep { .. } => Policy::Multistep,
            Self::Exp { .. } => Policy::Exp,
            Self::Inv { .. } => Policy::Inv,
            Self::Poly { .. } => Policy::Poly,
            Self::Sigmoid { .. } => Policy::Sigmoid,
            Self::ConstantWithWarmup { .. } => Policy::ConstantWithWarmup,
            Self::LinearWithWarmup { .. } => Policy::LinearWithWarmup,
            Self::CosineWithWarmup { .. } => Policy::CosineWithWarmup,
            Self::CosineWithHardRestarts { .. } => Policy::CosineWithHardRestarts,
            Self::PolynomialWithWarmup { .. } => Policy::PolynomialWithWarmup,
            Self::InverseSqrt { .. } => Policy::InverseSqrt,
            Self::Wsd { .. } => Policy::Wsd,
            Self::Sequence { .. } => Policy::Sequence,
        }
    }

    /// The policy's name, as its `policy` tag (`"triangular"`, `"one-cycle"`, …).
    pub fn name(&self) -> &'static str {
        self.policy().as_str()
    }

    /// The `warmup` iterations, if any.
    pub fn warmup(&self) -> Option<u64> {
        match self {
            Self::Triangular { warmup, .. }
            | Self::Triangular2 { warmup, .. }
            | Self::ExpRange { warmup, .. }
            | Self::Welch { warmup, .. }
            | Self::Hann { warmup, .. }
            | Self::OneCycle { warmup, .. }
            | Self::Sgdr { warmup, .. }
            | Self::Fixed { warmup, .. }
            | Self::Step { warmup, .. }
            | Self::Multistep { warmup, .. }
            | Self::Exp { warmup, .. }
            | Self::Inv { warmup, .. }
            | Self::Poly { warmup, .. }
            | Self::Sigmoid { warmup, .. }
            | Self::ConstantWithWarmup { warmup, .. }
            | Self::LinearWithWarmup { warmup, .. }
            | Self::CosineWithWarmup { warmup, .. }
            | Self::CosineWithHardRestarts { warmup, .. }
            | Self::PolynomialWithWarmup { warmup, .. }
            | Self::InverseSqrt { warmup, .. }
            | Self::Wsd { warmup, .. }
            | Self::Sequence { warmup, .. } => *warmup,
        }
    }

    /// Validate and build the schedule for a run of `total_iters` iterations (used where
    /// `total_steps` / `max_iter` are absent, and to size a sequence's last part).
    pub fn build(&self, total_iters: u64) -> Result<Box<dyn Schedule>, ParamError> {
        let inner = self.build_inner(total_iters)?;
        Ok(match self.warmup() {
            Some(n) if n > 0 => boxed(Warmup::new(inner, n)),
            _ => inner,
        })
    }

    fn build_inner(&self, total_iters: u64) -> Result<Box<dyn Schedule>, ParamError> {
        let cyclical = |base_lr: f64,
                        max_lr: f64,
                        step_size: u64,
                        step_size_down: Option<u64>,
                        window: Window,
                        scale: ScalePolicy,
                        base_momentum: Option<f64>,
                        max_momentum: Option<f64>|
         -> Result<Box<dyn Schedule>, ParamError> {
            let mut b = Cyclical::builder(base_lr, max_lr, step_size)
                .window(window)
                .scale(scale);
            if let Some(down) = step_size_down {
                b = b.step_size_down(down);
            }
            if let Some((bm, mm)) = momentum_pair(base_momentum, max_momentum)? {
                b = b.momentum(bm, mm);
            }
            Ok(boxed(b.build()?))
        };
        match *self {
            Self::Triangular {
                base_lr,
                max_lr,
                step_size,
                step_size_down,
                base_momentum,
                max_momentum,
                ..
            } => cyclical(
                base_lr,
                max_lr,
                step_size,
                step_size_down,
                Window::Triangular,
                ScalePolicy::Constant,
                base_momentum,
                max_momentum,
            ),
            Self::Triangular2 {
                base_lr,
                max_lr,
                step_size,
                step_size_down,
                base_momentum,
                max_momentum,
                ..
            } => cyclical(
                base_lr,
                max_lr,
                step_size,
                step_size_down,
                Window::Triangular,
                ScalePolicy::Halving,
                base_momentum,
                max_momentum,
            ),
            Self::ExpRange {
                base_lr,
                max_lr,
                step_size,
                step_size_down,
                gamma,
                base_momentum,
                max_momentum,
                ..
            } => cyclical(
                base_lr,
                max_lr,
                step_size,
                step_size_down,
                Window::Triangular,
                ScalePolicy::ExpRange {
                    gamma: gamma.unwrap_or(1.0),
                },
                base_momentum,
                max_momentum,
            ),
            Self::Welch {
                base_lr,
                max_lr,
                step_size,
                step_size_down,
                base_momentum,
                max_momentum,
                ..
            } => cyclical(
                base_lr,
                max_lr,
                step_size,
                step_size_down,
                Window::Welch,
                ScalePolicy::Constant,
                base_momentum,
                max_momentum,
            ),
            Self::Hann {
                base_lr,
                max_lr,
                step_size,
                step_size_down,
                base_momentum,
                max_momentum,
                ..
            } => cyclical(
                base_lr,
                max_lr,
                step_size,
                step_size_down,
                Window::Hann,
                ScalePolicy::Constant,
                base_momentum,
                max_momentum,
            ),
            Self::OneCycle {
                max_lr,
                total_steps,
                style,
                pct_start,
                anneal,
                div,
                final_div,
                three_phase,
                base_momentum,
                max_momentum,
                cycle_momentum,
                ..
            } => {
                let total = total_steps.unwrap_or(total_iters);
                let cycle_momentum = cycle_momentum.unwrap_or(true);
                if !cycle_momentum {
                    for (name, v) in [
                        ("base_momentum", base_momentum),
                        ("max_momentum", max_momentum),
                    ] {
                        if let Some(v) = v {
                            return Err(ParamError::new(
                                name,
                                v,
                                "must not be set with `cycle_momentum = false`",
                            ));
                        }
                    }
                }
                let base_m = base_momentum.unwrap_or(0.85);
                let max_m = max_momentum.unwrap_or(0.95);
                match style.unwrap_or_default() {
                    OneCycleStyle::Pytorch => {
                        let mut b = OneCycle::builder(max_lr, total)
                            .pct_start(pct_start.unwrap_or(0.3))
                            .anneal(anneal.unwrap_or_default())
                            .div_factor(div.unwrap_or(25.0))
                            .final_div_factor(final_div.unwrap_or(1e4))
                            .three_phase(three_phase.unwrap_or(false))
                            .momentum(base_m, max_m);
                        if !cycle_momentum {
                            b = b.no_momentum();
                        }
                        Ok(boxed(b.build()?))
                    }
                    OneCycleStyle::Fastai => {
                        if anneal == Some(Anneal::Linear) {
                            return Err(ParamError::new(
                                "anneal",
                                "linear",
                                "must be \"cos\" with style = \"fastai\" (fit_one_cycle is cosine only)",
                            ));
                        }
                        if three_phase == Some(true) {
                            return Err(ParamError::new(
                                "three_phase",
                                true,
                                "must be false with style = \"fastai\" (fit_one_cycle has two phases)",
                            ));
                        }
                        if cycle_momentum {
                            crate::schedule::check::momentum_pair(base_m, max_m)?;
                        }
                        let mut b = FastaiOneCycle::builder(max_lr, total)
                            .pct_start(pct_start.unwrap_or(0.25))
                            .div_factor(div.unwrap_or(25.0))
                            .div_final(final_div.unwrap_or(1e5))
                            .moms(max_m, base_m, max_m);
                        if !cycle_momentum {
                            b = b.no_momentum();
                        }
                        Ok(boxed(b.build()?))
                    }
                }
            }
            Self::Sgdr {
                max_lr,
                min_lr,
                t0,
                t_mult,
                ..
            } => Ok(boxed(Sgdr::new(
                max_lr,
                min_lr.unwrap_or(0.0),
                t0,
                t_mult.unwrap_or(1),
            )?)),
            Self::Fixed { lr, .. } => Ok(boxed(Fixed::new(lr)?)),
            Self::Step {
                lr,
                step_size,
                gamma,
                ..
            } => Ok(boxed(StepDecay::new(lr, step_size, gamma.unwrap_or(0.1))?)),
            Self::Multistep {
                lr,
                ref milestones,
                gamma,
                ..
            } => Ok(boxed(MultiStep::new(
                lr,
                milestones.clone(),
                gamma.unwrap_or(0.1),
            )?)),
            Self::Exp { lr, gamma, .. } => Ok(boxed(Exponential::new(lr, gamma)?)),
            Self::Inv {
                lr, gamma, power, ..
            } => Ok(boxed(Inv::new(lr, gamma, power)?)),
            Self::Poly {
                lr,
                power,
                max_iter,
                ..
            } => Ok(boxed(Poly::new(
                lr,
                max_iter.unwrap_or(total_iters),
                power.unwrap_or(1.0),
            )?)),
            Self::Sigmoid {
                lr,
                gamma,
                step_size,
                ..
            } => Ok(boxed(Sigmoid::new(lr, gamma, step_size)?)),
            Self::ConstantWithWarmup {
                lr,
                num_warmup_steps,
                ..
            } => Ok(boxed(ConstantWithWarmup::new(lr, num_warmup_steps)?)),
            Self::LinearWithWarmup {
                lr,
                num_warmup_steps,
                num_training_steps,
                ..
            } => run_length_note(
                num_training_steps,
                LinearWithWarmup::new(
                    lr,
                    num_warmup_steps,
                    num_training_steps.unwrap_or(total_iters),
                ),
            ),
            Self::CosineWithWarmup {
                lr,
                num_warmup_steps,
                num_training_steps,
                num_cycles,
                min_lr_rate,
                ..
            } => run_length_note(
                num_training_steps,
                CosineWithWarmup::new(
                    lr,
                    num_warmup_steps,
                    num_training_steps.unwrap_or(total_iters),
                    num_cycles.unwrap_or(0.5),
                    min_lr_rate.unwrap_or(0.0),
                ),
            ),
            Self::CosineWithHardRestarts {
                lr,
                num_warmup_steps,
                num_training_steps,
                num_cycles,
                ..
            } => run_length_note(
                num_training_steps,
                CosineWithHardRestarts::new(
                    lr,
                    num_warmup_steps,
                    num_training_steps.unwrap_or(total_iters),
                    num_cycles.unwrap_or(1.0),
                ),
            ),
            Self::PolynomialWithWarmup {
                lr,
                num_warmup_steps,
                num_training_steps,
                lr_end,
                power,
                ..
            } => run_length_note(
                num_training_steps,
                PolynomialWithWarmup::new(
                    lr,
                    num_warmup_steps,
                    num_training_steps.unwrap_or(total_iters),
                    lr_end.unwrap_or(1e-7),
                    power.unwrap_or(1.0),
                ),
            ),
            Self::InverseSqrt {
                lr,
                num_warmup_steps,
                timescale,
                ..
            } => Ok(boxed(InverseSqrt::new(lr, num_warmup_steps, timescale)?)),
            Self::Wsd {
                lr,
                num_warmup_steps,
                num_decay_steps,
                num_training_steps,
                num_stable_steps,
                warmup_type,
                decay_type,
                min_lr_ratio,
                num_cycles,
                ..
            } => {
                let mut b = Wsd::builder(lr, num_warmup_steps, num_decay_steps)
                    .warmup_type(warmup_type.unwrap_or(WsdCurve::Linear))
                    .decay_type(decay_type.unwrap_or(WsdCurve::Cosine))
                    .min_lr_ratio(min_lr_ratio.unwrap_or(0.0))
                    .num_cycles(num_cycles.unwrap_or(0.5));
                if let Some(s) = num_stable_steps {
                    b = b.num_stable_steps(s);
                }
                // The run length stands in for `num_training_steps` only when neither length
                // is given.
                let total = match (num_training_steps, num_stable_steps) {
                    (None, Some(_)) => None,
                    (t, _) => Some(t.unwrap_or(total_iters)),
                };
                if let Some(t) = total {
                    b = b.num_training_steps(t);
                }
                let given = num_training_steps.or(num_stable_steps);
                run_length_note(given, b.build())
            }
            Self::Sequence {
                ref milestones,
                ref schedules,
                ..
            } => {
                Sequence::check_milestones(schedules.len(), milestones)?;
                let last = milestones.last().copied().unwrap_or(0);
                if !milestones.is_empty() && last >= total_iters {
                    return Err(ParamError::new(
                        "milestones",
                        format!("{milestones:?}"),
                        format!("the last milestone must be < the run length ({total_iters})"),
                    ));
                }
                let mut parts = Vec::with_capacity(schedules.len());
                let mut start = 0;
                for (i, cfg) in schedules.iter().enumerate() {
                    let end = milestones.get(i).copied().unwrap_or(total_iters);
                    let part = cfg.build(end - start).map_err(|e| ParamError {
                        param: format!("schedules[{i}].{}", e.param),
                        ..e
                    })?;
                    parts.push(part);
                    start = end;
                }
                Ok(boxed(Sequence::new(parts, milestones.clone())?))
            }
        }
    }

    /// `(min, max)` of the learning rate this configuration produces (for any run length),
    /// computed from the fields and their defaults without validating them. Decaying policies
    /// report 0 as their minimum; a warm-up divides the minimum by its length.
    pub fn bounds(&self) -> (f64, f64) {
        let (lo, hi) = match *self {
            Self::Triangular {
                base_lr, max_lr, ..
            }
            | Self::Triangular2 {
                base_lr, max_lr, ..
            }
            | Self::ExpRange {
                base_lr, max_lr, ..
            }
            | Self::Welch {
                base_lr, max_lr, ..
            }
            | Self::Hann {
                base_lr, max_lr, ..
            } => (base_lr, max_lr),
            Self::OneCycle {
                max_lr,
                style,
                div,
                final_div,
                ..
            } => {
                let start = max_lr / div.unwrap_or(25.0);
                let end = match style.unwrap_or_default() {
                    OneCycleStyle::Pytorch => start / final_div.unwrap_or(1e4),
                    OneCycleStyle::Fastai => max_lr / final_div.unwrap_or(1e5),
                };
                (start.min(end).min(max_lr), start.max(end).max(max_lr))
            }
            Self::Sgdr { max_lr, min_lr, .. } => (min_lr.unwrap_or(0.0), max_lr),
            Self::Fixed { lr, .. } => (lr, lr),
            Self::Multistep {
                lr,
                ref milestones,
                gamma,
                ..
            } => (lr * gamma.unwrap_or(0.1).powf(milestones.len() as f64), lr),
            Self::Step { lr, .. }
            | Self::Exp { lr, .. }
            | Self::Inv { lr, .. }
            | Self::Poly { lr, .. }
            | Self::Sigmoid { lr, .. } => (0.0, lr),
            Self::ConstantWithWarmup {
                lr,
                num_warmup_steps,
                ..
            } => (if num_warmup_steps > 0 { 0.0 } else { lr }, lr),
            Self::LinearWithWarmup { lr, .. }
            | Self::CosineWithWarmup { lr, .. }
            | Self::CosineWithHardRestarts { lr, .. }
            | Self::PolynomialWithWarmup { lr, .. }
            | Self::InverseSqrt { lr, .. } => (0.0, lr),
            Self::Wsd {
                lr, min_lr_ratio, ..
            } => (lr * min_lr_ratio.unwrap_or(0.0), lr),
            Self::Sequence { ref schedules, .. } => schedules
                .iter()
                .map(Self::bounds)
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (c, d)| {
                    (a.min(c), b.max(d))
                }),
        };
        match self.warmup() {
            Some(n) if n > 0 => (lo / n as f64, hi),
            _ => (lo, hi),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_variants() -> Vec<ScheduleConfig> {
        use ScheduleConfig as C;
        vec![
            C::Triangular {
                base_lr: 0.001,
                max_lr: 0.006,
                step_size: 2000,
                step_size_down: Some(1000),
                base_momentum: Some(0.8),
                max_momentum: Some(0.9),
                warmup: Some(100),
            },
            C::Triangular2 {
                base_lr: 0.001,
                max_lr: 0.006,
                step_size: 2000,
                step_size_down: None,
                base_momentum: None,
                max_momentum: None,
                warmup: None,
            },
            C::ExpRange {
                base_lr: 0.001,
                max_lr: 0.006,
                step_size: 2000,
                step_size_down: None,
                gamma: Some(0.99994),
                base_momentum: None,
                max_momentum: None,
                warmup: None,
            },
            C::Welch {
                base_lr: 0.1,
                max_lr: 1.0,
                step_size: 5,
                step_size_down: None,
                base_momentum: None,
                max_momentum: None,
                warmup: None,
            },
            C::Hann {
                base_lr: 0.1,
                max_lr: 1.0,
                step_size: 5,
                step_size_down: Some(7),
                base_momentum: None,
                max_momentum: None,
                warmup: None,
            },
            C::OneCycle {
                max_lr: 0.1,
                total_steps: Some(1000),
                style: Some(OneCycleStyle::Pytorch),
                pct_start: Some(0.25),
                anneal: Some(Anneal::Linear),
                div: Some(10.0),
                final_div: Some(100.0),
                three_phase: Some(true),
                base_momentum: Some(0.8),
                max_momentum: Some(0.9),
                cycle_momentum: Some(true),
                warmup: None,
            },
            C::OneCycle {
                max_lr: 0.1,
                total_steps: None,
                style: Some(OneCycleStyle::Fastai),
                pct_start: None,
                anneal: None,
                div: None,
                final_div: None,
                three_phase: None,
                base_momentum: None,
                max_momentum: None,
                cycle_momentum: None,
                warmup: None,
            },
            C::Sgdr {
                max_lr: 0.1,
                min_lr: Some(1e-4),
                t0: 100,
                t_mult: Some(2),
                warmup: None,
            },
            C::Fixed {
                lr: 0.1,
                warmup: Some(10),
            },
            C::Step {
                lr: 0.1,
                step_size: 30,
                gamma: Some(0.5),
                warmup: None,
            },
            C::Multistep {
                lr: 0.1,
                milestones: vec![10, 20],
                gamma: None,
                warmup: None,
            },
            C::Exp {
                lr: 0.1,
                gamma: 0.999,
                warmup: None,
            },
            C::Inv {
                lr: 0.01,
                gamma: 1e-4,
                power: 0.75,
                warmup: None,
            },
            C::Poly {
                lr: 0.1,
                power: Some(2.0),
                max_iter: None,
                warmup: None,
            },
            C::Sigmoid {
                lr: 0.1,
                gamma: -0.01,
                step_size: 500,
                warmup: None,
            },
            C::ConstantWithWarmup {
                lr: 0.1,
                num_warmup_steps: 100,
                warmup: None,
            },
            C::LinearWithWarmup {
                lr: 0.1,
                num_warmup_steps: 100,
                num_training_steps: None,
                warmup: Some(5),
            },
            C::CosineWithWarmup {
                lr: 0.1,
                num_warmup_steps: 0,
                num_training_steps: Some(800),
                num_cycles: Some(1.5),
                min_lr_rate: Some(0.1),
                warmup: None,
            },
            C::CosineWithHardRestarts {
                lr: 0.1,
                num_warmup_steps: 10,
                num_training_steps: None,
                num_cycles: Some(3.0),
                warmup: None,
            },
            C::PolynomialWithWarmup {
                lr: 0.1,
                num_warmup_steps: 10,
                num_training_steps: Some(900),
                lr_end: Some(1e-4),
                power: Some(2.0),
                warmup: None,
            },
            C::InverseSqrt {
                lr: 0.1,
                num_warmup_steps: 0,
                timescale: None,
                warmup: None,
            },
            C::Wsd {
                lr: 0.1,
                num_warmup_steps: 100,
                num_decay_steps: 200,
                num_training_steps: None,
                num_stable_steps: None,
                warmup_type: None,
                decay_type: None,
                min_lr_ratio: None,
                num_cycles: None,
                warmup: None,
            },
            C::Wsd {
                lr: 0.1,
                num_warmup_steps: 0,
                num_decay_steps: 200,
                num_training_steps: Some(1000),
                num_stable_steps: Some(800),
                warmup_type: Some(WsdCurve::OneMinusSqrt),
                decay_type: Some(WsdCurve::Linear),
                min_lr_ratio: Some(0.01),
                num_cycles: Some(0.5),
                warmup: Some(3),
            },
            C::Sequence {
                milestones: vec![100],
                schedules: vec![
                    C::Fixed {
                        lr: 0.01,
                        warmup: None,
                    },
                    C::OneCycle {
                        max_lr: 0.1,
                        total_steps: None,
                        style: None,
                        pct_start: None,
                        anneal: None,
                        div: None,
                        final_div: None,
                        three_phase: None,
                        base_momentum: None,
                        max_momentum: None,
                        cycle_momentum: Some(false),
                        warmup: None,
                    },
                ],
                warmup: Some(10),
            },
        ]
    }

    #[test]
    fn every_variant_round_trips_and_builds() {
        let all = all_variants();
        let mut names: Vec<&str> = all.iter().map(ScheduleConfig::name).collect();
        names.dedup();
        assert_eq!(names, Policy::names());
        for cfg in &all {
            let json = serde_json::to_string(cfg).unwrap();
            assert_eq!(
                &serde_json::from_str::<ScheduleConfig>(&json).unwrap(),
                cfg,
                "{json}"
            );
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(v["policy"], cfg.name());
            let toml_text = toml::to_string(cfg).unwrap();
            assert_eq!(
                &toml::from_str::<ScheduleConfig>(&toml_text).unwrap(),
                cfg,
                "{toml_text}"
            );
            let sched = cfg
                .build(1000)
                .unwrap_or_else(|e| panic!("{}: {e}", cfg.name()));
            let (lo, hi) = cfg.bounds();
            for t in [0, 1, 99, 100, 500, 999, 1000, 1 << 40] {
                let lr = sched.lr(t);
                assert!(lr.is_finite() && lr >= lo * (1.0 - 1e-12) && lr <= hi * (1.0 + 1e-12));
            }
        }
    }

    #[test]
    fn toml_as_written_by_hand() {
        let cfg: ScheduleConfig = toml::from_str(
            r#"
            policy = "triangular"
            base_lr = 0.001
            max_lr = 0.006
            step_size = 2000
            warmup = 500
            "#,
        )
        .unwrap();
        assert_eq!(cfg.warmup(), Some(500));
        // An integer where a float is expected is fine.
        let cfg: ScheduleConfig = toml::from_str("policy = \"fixed\"\nlr = 1").unwrap();
        assert_eq!(
            cfg,
            ScheduleConfig::Fixed {
                lr: 1.0,
                warmup: None
            }
        );
        let seq: ScheduleConfig = toml::from_str(
            r#"
            policy = "sequence"
            milestones = [50]
            [[schedules]]
            policy = "fixed"
            lr = 0.01
            [[schedules]]
            policy = "one-cycle"
            max_lr = 0.1
            style = "fastai"
            "#,
        )
        .unwrap();
        let s = seq.build(1000).unwrap();
        assert_eq!(s.lr(0), 0.01);
        assert_eq!(s.lr(50), 0.1 / 25.0);
        assert!(s.cycles_momentum());
    }

    #[test]
    fn unknown_keys_are_rejected() {
        for bad in [
            r#"{"policy":"triangular","base_lr":0.1,"max_lr":1.0,"step_size":5,"gama":0.9}"#,
            r#"{"policy":"fixed","lr":0.1,"warm_up":5}"#,
            r#"{"policy":"sequence","milestones":[5],"schedules":[
                {"policy":"fixed","lr":0.1},{"policy":"fixed","lr":0.1,"extra":1}]}"#,
            r#"{"policy":"triangular","base_lr":0.1,"max_lr":1.0,"step_size":5,"gamma":0.9}"#,
        ] {
            let err = serde_json::from_str::<ScheduleConfig>(bad)
                .unwrap_err()
                .to_string();
            assert!(err.contains("unknown field"), "{bad}: {err}");
        }
        let err = toml::from_str::<ScheduleConfig>("policy = \"fixed\"\nlr = 0.1\nwarm_up = 5")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field"), "{err}");
        let err = serde_json::from_str::<ScheduleConfig>(r#"{"policy":"cosine","lr":0.1}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown variant"), "{err}");
        let err = serde_json::from_str::<ScheduleConfig>(r#"{"policy":"step","lr":0.1}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing field `step_size`"), "{err}");
        let err = serde_json::from_str::<ScheduleConfig>(
            r#"{"policy":"one-cycle","max_lr":0.1,"style":"keras"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown variant"), "{err}");
    }

    #[test]
    fn build_errors_name_the_parameter() {
        let param = |json: &str, total: u64| {
            serde_json::from_str::<ScheduleConfig>(json)
                .unwrap()
                .build(total)
                .unwrap_err()
                .param
        };
        assert_eq!(
            param(
                r#"{"policy":"triangular","base_lr":0.2,"max_lr":0.1,"step_size":5}"#,
                10
            ),
            "base_lr"
        );
        assert_eq!(
            param(
                r#"{"policy":"hann","base_lr":0.1,"max_lr":0.2,"step_size":5,"base_momentum":0.8}"#,
                10
            ),
            "max_momentum"
        );
        assert_eq!(
            param(r#"{"policy":"one-cycle","max_lr":0.1}"#, 0),
            "total_steps"
        );
        assert_eq!(
            param(
                r#"{"policy":"one-cycle","max_lr":0.1,"style":"fastai","anneal":"linear"}"#,
                9
            ),
            "anneal"
        );
        assert_eq!(
            param(
                r#"{"policy":"one-cycle","max_lr":0.1,"cycle_momentum":false,"max_momentum":0.9}"#,
                9
            ),
            "max_momentum"
        );
        assert_eq!(param(r#"{"policy":"sgdr","max_lr":0.1,"t0":0}"#, 9), "t0");
        assert_eq!(param(r#"{"policy":"poly","lr":0.1}"#, 0), "max_iter");
        assert_eq!(
            param(
                r#"{"policy":"sequence","milestones":[5],"schedules":[
                    {"policy":"fixed","lr":0.1},{"policy":"exp","lr":0.1,"gamma":2.0}]}"#,
                10
            ),
            "schedules[1].gamma"
        );
        assert_eq!(
            param(
                r#"{"policy":"sequence","milestones":[10],"schedules":[
                    {"policy":"fixed","lr":0.1},{"policy":"fixed","lr":0.1}]}"#,
                10
            ),
            "milestones"
        );
        let e = serde_json::from_str::<ScheduleConfig>(
            r#"{"policy":"triangular","base_lr":0.2,"max_lr":0.1,"step_size":5}"#,
        )
        .unwrap()
        .build(10)
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid `base_lr` = 0.2: must be < `max_lr` (0.1)"
        );
    }

    #[test]
    fn transformers_policies_name_the_parameter() {
        let err = |json: &str, total: u64| {
            serde_json::from_str::<ScheduleConfig>(json)
                .unwrap_or_else(|e| panic!("{json}: {e}"))
                .build(total)
                .unwrap_err()
        };
        let param = |json: &str, total: u64| err(json, total).param;
        assert_eq!(
            param(
                r#"{"policy":"constant-with-warmup","lr":0,"num_warmup_steps":5}"#,
                9
            ),
            "lr"
        );
        // `num_training_steps` defaults to the run length, and an error says so.
        let e = err(
            r#"{"policy":"linear-with-warmup","lr":0.1,"num_warmup_steps":5}"#,
            0,
        );
        assert_eq!(e.param, "num_training_steps");
        assert!(e.valid.contains("run length"), "{e}");
        let e = err(
            r#"{"policy":"cosine-with-warmup","lr":0.1,"num_warmup_steps":50}"#,
            10,
        );
        assert_eq!(e.param, "num_warmup_steps");
        assert!(e.valid.contains("run length"), "{e}");
        let e = err(
            r#"{"policy":"cosine-with-warmup","lr":0.1,"num_warmup_steps":50,"num_training_steps":10}"#,
            1000,
        );
        assert_eq!(e.param, "num_warmup_steps");
        assert!(!e.valid.contains("run length"), "{e}");
        assert_eq!(
            param(
                r#"{"policy":"cosine-with-warmup","lr":0.1,"num_warmup_steps":5,"min_lr_rate":2}"#,
                10
            ),
            "min_lr_rate"
        );
        assert_eq!(
            param(
                r#"{"policy":"cosine-with-hard-restarts","lr":0.1,"num_warmup_steps":5,"num_cycles":0}"#,
                10
            ),
            "num_cycles"
        );
        assert_eq!(
            param(
                r#"{"policy":"polynomial-with-warmup","lr":0.1,"num_warmup_steps":10}"#,
                10
            ),
            "num_warmup_steps"
        );
        assert_eq!(
            param(
                r#"{"policy":"polynomial-with-warmup","lr":1e-7,"num_warmup_steps":1}"#,
                10
            ),
            "lr_end"
        );
        assert_eq!(
            param(
                r#"{"policy":"inverse-sqrt","lr":0.1,"num_warmup_steps":1,"timescale":0}"#,
                10
            ),
            "timescale"
        );
        let e = err(
            r#"{"policy":"wsd","lr":0.1,"num_warmup_steps":5,"num_decay_steps":10}"#,
            12,
        );
        assert_eq!(e.param, "num_decay_steps");
        assert!(e.valid.contains("run length"), "{e}");
        assert_eq!(
            param(
                r#"{"policy":"wsd","lr":0.1,"num_warmup_steps":5,"num_decay_steps":10,
                    "num_training_steps":100,"num_stable_steps":80}"#,
                100
            ),
            "num_stable_steps"
        );
        assert_eq!(
            param(
                r#"{"policy":"wsd","lr":0.1,"num_warmup_steps":5,"num_decay_steps":10,
                    "num_stable_steps":1,"min_lr_ratio":-0.5}"#,
                100
            ),
            "min_lr_ratio"
        );
        let e = serde_json::from_str::<ScheduleConfig>(
            r#"{"policy":"wsd","lr":0.1,"num_warmup_steps":5,"num_decay_steps":10,
                "num_stable_steps":1,"decay_type":"sqrt"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("unknown variant `sqrt`"), "{e}");
        // With `num_stable_steps`, the run length is not needed.
        let s = serde_json::from_str::<ScheduleConfig>(
            r#"{"policy":"wsd","lr":0.1,"num_warmup_steps":0,"num_decay_steps":10,
                "num_stable_steps":10,"decay_type":"linear"}"#,
        )
        .unwrap()
        .build(0)
        .unwrap();
        assert_eq!(s.lr(9), 0.1);
        assert_eq!(s.lr(15), 0.1 * 0.5);
        assert_eq!(s.lr(20), 0.0);
    }

    const TRANSFORMERS: [&str; 7] = [
        "constant-with-warmup",
        "linear-with-warmup",
        "cosine-with-warmup",
        "cosine-with-hard-restarts",
        "polynomial-with-warmup",
        "inverse-sqrt",
        "wsd",
    ];

    /// cyclr's `warmup` key multiplies every transformers policy by `(t + 1)/warmup`, on top
    /// of its own `num_warmup_steps`.
    #[test]
    fn warmup_key_on_transformers_policies() {
        let mut seen = 0;
        for cfg in all_variants()
            .into_iter()
            .filter(|c| TRANSFORMERS.contains(&c.name()))
        {
            let with_warmup = |w: Option<u64>| {
                let mut c = cfg.clone();
                match &mut c {
                    ScheduleConfig::ConstantWithWarmup { warmup, .. }
                    | ScheduleConfig::LinearWithWarmup { warmup, .. }
                    | ScheduleConfig::CosineWithWarmup { warmup, .. }
                    | ScheduleConfig::CosineWithHardRestarts { warmup, .. }
                    | ScheduleConfig::PolynomialWithWarmup { warmup, .. }
                    | ScheduleConfig::InverseSqrt { warmup, .. }
                    | ScheduleConfig::Wsd { warmup, .. } => *warmup = w,
                    _ => unreachable!(),
                }
                assert_eq!(c.warmup(), w);
                c.build(1000).unwrap()
            };
            let (plain, wrapped) = (with_warmup(None), with_warmup(Some(4)));
            seen += 1;
            for t in 0..4u64 {
                assert_eq!(
                    wrapped.lr(t),
                    plain.lr(t) * ((t + 1) as f64 / 4.0),
                    "{} t={t}",
                    cfg.name()
                );
            }
            for t in [4, 50, 999, 1000, u64::MAX] {
                assert_eq!(wrapped.lr(t), plain.lr(t), "{} t={t}", cfg.name());
            }
        }
        assert_eq!(seen, 8);
    }

    #[test]
    fn warmup_wraps_any_policy() {
        let cfg: ScheduleConfig =
            serde_json::from_str(r#"{"policy":"fixed","lr":0.1,"warmup":4}"#).unwrap();
        let s = cfg.build(100).unwrap();
        assert_eq!(s.lr(0), 0.1 * 0.25);
        assert_eq!(s.lr(3), 0.1);
        assert_eq!(cfg.bounds(), (0.1 / 4.0, 0.1));
        let no: ScheduleConfig =
            serde_json::from_str(r#"{"policy":"fixed","lr":0.1,"warmup":0}"#).unwrap();
        assert_eq!(no.build(100).unwrap().lr(0), 0.1);
    }
}

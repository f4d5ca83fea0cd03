//! Optimizers whose momentum is a per-step input, so that a cyclical schedule can cycle it.
//!
//! burn's `ModuleOptimizer::step(lr, module, grads)` takes only the learning rate; its SGD
//! momentum and Adam β1 are fixed at construction (and its SGD momentum has a dampening of 0.1
//! by default, where PyTorch has 0). This module re-implements the per-parameter updates of
//! PyTorch's `torch.optim.{SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta}` (single-tensor code
//! paths) as burn [`Optimizer`](burn::optim::Optimizer)s that read the momentum of the current iteration from a shared
//! [`MomentumCell`]. The module-level plumbing (walking the parameters, per-parameter state keyed
//! by `ParamId`, saving and loading the state) is burn's own [`ModuleOptimizer`], so the state
//! goes through burn's optimizer record machinery ([`CyclrOptimizer::to_bytes`] /
//! [`CyclrOptimizer::load_bytes`]).
//!
//! Which hyper-parameter is "the momentum" that a schedule cycles:
//!
//! | optimizer | cycled value | PyTorch update (dampening 0, L2 weight decay added to the gradient) |
//! |-----------|--------------|----------------------------------------------------------------------|
//! | `sgd`     | momentum `m` | `g += wd·p; buf = m·buf + g` (first step `buf = g`); `d = g + m·buf` if nesterov else `buf`; `p -= lr·d` |
//! | `adam`    | β1           | `g += wd·p` (or AdamW: `p *= 1 − lr·wd`); `m = lerp(m, g, 1−β1)`; `v = β2·v + (1−β2)·g²`; `p -= lr/(1−β1^k) · m / (√v/√(1−β2^k) + eps)` |
//! | `rmsprop` | momentum     | `g += wd·p; s = α·s + (1−α)·g²; a = √s + eps`; with momentum `buf = m·buf + g/a; p -= lr·buf`, else `p -= lr·g/a` |
//! | `adagrad` | — (none)     | `g += wd·p; s += g²; p -= lr · g / (√s + eps)` |
//! | `adadelta`| — (none)     | `g += wd·p; s = ρ·s + (1−ρ)·g²; d = √(u + eps)/√(s + eps)·g; u = ρ·u + (1−ρ)·d²; p -= lr·d` |
//!
//! Adam's bias correction uses the β1 of the current step, as PyTorch does when `OneCycleLR` or
//! `CyclicLR` rewrite `param_groups[..]["betas"]`. Adagrad and Adadelta have no momentum: a
//! momentum-cycling schedule is accepted and its momentum ignored (only the lr is applied).
//! RMSProp's `centered` variant and Adagrad's `lr_decay` are not implemented.
//!
//! All arithmetic is in the parameters' dtype (f32), as PyTorch does for f32 parameters.
//!
//! # Learning-rate-free optimizers
//!
//! Five more, each exact to its reference package (formulas in their files, golden trajectories
//! in `tests/lrfree_golden.rs`), run on the [`group`] engine (a whole parameter group per call,
//! since their step-size estimate sums over every parameter before any moves):
//!
//! | kind | package | default lr | what the lr means |
//! |------|---------|-----------:|-------------------|
//! | `sgd-schedulefree` | `schedulefree.SGDScheduleFree` 1.4.1 | 1.0 | the step size; no schedule (policy `fixed`), warm-up via `warmup_steps` |
//! | `adamw-schedulefree` | `schedulefree.AdamWScheduleFree` 1.4.1 | 0.0025 | the same, Adam-normalised |
//! | `prodigy` | `prodigyopt.Prodigy` 1.1.2 | 1.0 | a multiplier of the estimate `d` (cosine annealing advised) |
//! | `dadapt-adam` | `dadaptation.DAdaptAdam` 3.2 | 1.0 | a multiplier of `d` |
//! | `dadapt-sgd` | `dadaptation.DAdaptSGD` 3.2 | 1.0 | a multiplier of `d` |
//!
//! Their β / momentum is not cycled by a schedule (as for Adagrad, a schedule's momentum is
//! ignored). Schedule-free models have two points, `y` (trained) and `x` (evaluated):
//! [`CyclrOptimizer::eval_mode`] / [`CyclrOptimizer::train_mode`] switch between them as the
//! package's `optimizer.eval()` / `optimizer.train()` do.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer, OptimizerRecord, StateSource};
use burn::store::RecordError;
use burn::tensor::{Bytes, Device, Tensor};
use cyclr::ParamError;
use serde::{Deserialize, Serialize};

/// The optimizer and its hyper-parameters (serde: internally tagged by `kind`, kebab-case).
///
/// ```toml
/// [optimizer]
/// kind = "sgd"
/// momentum = 0.9
/// nesterov = false
/// weight_decay = 5e-4
/// ```
///
/// Missing fields take PyTorch's defaults, except SGD's momentum (0.9 here, 0 in PyTorch: the
/// cyclical-LR recipes all use momentum). `kind = "nesterov"` and `kind = "adamw"` are accepted
/// as the names the command line uses ([`OptimizerConfig::NAMES`]): SGD with `nesterov = true`,
/// Adam with `decoupled_weight_decay = true`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    deny_unknown_fields,
    from = "RawOptimizer"
)]
pub enum OptimizerConfig {
    /// SGD with (optionally Nesterov) momentum and L2 weight decay; dampening is always 0.
    Sgd {
        /// Momentum (the value used when the schedule does not cycle momentum).
        #[serde(default = "default_sgd_momentum")]
        momentum: f64,
        /// Nesterov momentum (requires `momentum > 0`).
        #[serde(default)]
        nesterov: bool,
        /// L2 penalty added to the gradient.
        #[serde(default)]
        weight_decay: f64,
    },
    /// Adam (or AdamW with `decoupled_weight_decay`); β1 is what a schedule cycles.
    Adam {
        /// β1 (the value used when the schedule does not cycle momentum).
        #[serde(default = "default_beta1")]
        beta1: f64,
        /// β2.
        #[serde(default = "default_beta2")]
        beta2: f64,
        /// Term added to the denominator.
        #[serde(default = "default_adam_eps")]
        eps: f64,
        /// Weight decay: L2 added to the gradient (Adam), or decoupled (AdamW).
        #[serde(default)]
        weight_decay: f64,
        /// AdamW: decay the weights by `lr·weight_decay` instead of adding an L2 gradient.
        #[serde(default)]
        decoupled_weight_decay: bool,
    },
    /// RMSProp (not centered); its momentum is what a schedule cycles.
    Rmsprop {
        /// Smoothing constant of the squared-gradient average.
        #[serde(default = "default_rms_alpha")]
        alpha: f64,
        /// Term added to the denominator.
        #[serde(default = "default_adam_eps")]
        eps: f64,
        /// Momentum (0: none).
        #[serde(default)]
        momentum: f64,
        /// L2 penalty added to the gradient.
        #[serde(default)]
        weight_decay: f64,
    },
    /// Adagrad (no momentum; `lr_decay` 0, initial accumulator 0).
    Adagrad {
        /// Term added to the denominator.
        #[serde(default = "default_adagrad_eps")]
        eps: f64,
        /// L2 penalty added to the gradient.
        #[serde(default)]
        weight_decay: f64,
    },
    /// Adadelta (no momentum). PyTorch's default lr for it is 1.0.
    Adadelta {
        /// Decay of the running averages.
        #[serde(default = "default_rho")]
        rho: f64,
        /// Term added inside the square roots.
        #[serde(default = "default_adadelta_eps")]
        eps: f64,
        /// L2 penalty added to the gradient.
        #[serde(default)]
        weight_decay: f64,
    },
    /// Schedule-Free SGD (`schedulefree.SGDScheduleFree` 1.4.1).
    #[serde(rename = "sgd-schedulefree")]
    SgdScheduleFree(SgdScheduleFreeConfig),
    /// Schedule-Free AdamW (`schedulefree.AdamWScheduleFree` 1.4.1).
    #[serde(rename = "adamw-schedulefree")]
    AdamwScheduleFree(AdamWScheduleFreeConfig),
    /// Prodigy (`prodigyopt.Prodigy` 1.1.2).
    Prodigy(Prodigy),
    /// D-Adaptation Adam (`dadaptation.DAdaptAdam` 3.2).
    DadaptAdam(DAdaptAdam),
    /// D-Adaptation SGD (`dadaptation.DAdaptSGD` 3.2).
    DadaptSgd(DAdaptSgd),
}

/// What an experiment file may say: the variants above and the two shorthand names.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
enum RawOptimizer {
    Sgd {
        #[serde(default = "default_sgd_momentum")]
        momentum: f64,
        #[serde(default)]
        nesterov: bool,
        #[serde(default)]
        weight_decay: f64,
    },
    Nesterov {
        #[serde(default = "default_sgd_momentum")]
        momentum: f64,
        #[serde(default)]
        weight_decay: f64,
    },
    Adam {
        #[serde(default = "default_beta1")]
        beta1: f64,
        #[serde(default = "default_beta2")]
        beta2: f64,
        #[serde(default = "default_adam_eps")]
        eps: f64,
        #[serde(default)]
        weight_decay: f64,
        #[serde(default)]
        decoupled_weight_decay: bool,
    },
    Adamw {
        #[serde(default = "default_beta1")]
        beta1: f64,
        #[serde(default = "default_beta2")]
        beta2: f64,
        #[serde(default = "default_adam_eps")]
        eps: f64,
        #[serde(default)]
        weight_decay: f64,
    },
    Rmsprop {
        #[serde(default = "default_rms_alpha")]
        alpha: f64,
        #[serde(default = "default_adam_eps")]
        eps: f64,
        #[serde(default)]
        momentum: f64,
        #[serde(default)]
        weight_decay: f64,
    },
    Adagrad {
        #[serde(default = "default_adagrad_eps")]
        eps: f64,
        #[serde(default)]
        weight_decay: f64,
    },
    Adadelta {
        #[serde(default = "default_rho")]
        rho: f64,
        #[serde(default = "default_adadelta_eps")]
        eps: f64,
        #[serde(default)]
        weight_decay: f64,
    },
    #[serde(rename = "sgd-schedulefree")]
    SgdScheduleFree(SgdScheduleFreeConfig),
    #[serde(rename = "adamw-schedulefree")]
    AdamwScheduleFree(AdamWScheduleFreeConfig),
    Prodigy(Prodigy),
    DadaptAdam(DAdaptAdam),
    DadaptSgd(DAdaptSgd),
}

impl From<RawOptimizer> for OptimizerConfig {
    fn from(r: RawOptimizer) -> Self {
        use OptimizerConfig as O;
        match r {
            RawOptimizer::Sgd {
                momentum,
                nesterov,
                weight_decay,
            } => O::Sgd {
                momentum,
                nesterov,
                weight_decay,
            },
            RawOptimizer::Nesterov {
                momentum,
                weight_decay,
            } => O::Sgd {
                momentum,
                nesterov: true,
                weight_decay,
            },
            RawOptimizer::Adam {
                beta1,
                beta2,
                eps,
                weight_decay,
                decoupled_weight_decay,
            } => O::Adam {
                beta1,
                beta2,
                eps,
                weight_decay,
                decoupled_weight_decay,
            },
            RawOptimizer::Adamw {
                beta1,
                beta2,
                eps,
                weight_decay,
            } => O::Adam {
                beta1,
                beta2,
                eps,
                weight_decay,
                decoupled_weight_decay: true,
            },
            RawOptimizer::Rmsprop {
                alpha,
                eps,
                momentum,
                weight_decay,
            } => O::Rmsprop {
                alpha,
                eps,
                momentum,
                weight_decay,
            },
            RawOptimizer::Adagrad { eps, weight_decay } => O::Adagrad { eps, weight_decay },
            RawOptimizer::Adadelta {
                rho,
                eps,
                weight_decay,
            } => O::Adadelta {
                rho,
                eps,
                weight_decay,
            },
            RawOptimizer::SgdScheduleFree(c) => O::SgdScheduleFree(c),
            RawOptimizer::AdamwScheduleFree(c) => O::AdamwScheduleFree(c),
            RawOptimizer::Prodigy(c) => O::Prodigy(c),
            RawOptimizer::DadaptAdam(c) => O::DadaptAdam(c),
            RawOptimizer::DadaptSgd(c) => O::DadaptSgd(c),
        }
    }
}

fn default_sgd_momentum() -> f64 {
    0.9
}
fn default_beta1() -> f64 {
    0.9
}
fn default_beta2() -> f64 {
    0.999
}
fn default_adam_eps() -> f64 {
    1e-8
}
fn default_rms_alpha() -> f64 {
    0.99
}
fn default_adagrad_eps() -> f64 {
    1e-10
}
fn default_rho() -> f64 {
    0.9
}
fn default_adadelta_eps() -> f64 {
    1e-6
}
fn default_betas() -> [f64; 2] {
    [0.9, 0.999]
}
fn default_d0() -> f64 {
    1e-6
}
fn one() -> f64 {
    1.0
}
fn two() -> f64 {
    2.0
}
fn yes() -> bool {
    true
}
fn infinity() -> f64 {
    f64::INFINITY
}

impl Default for OptimizerConfig {
    /// SGD, momentum 0.9, no Nesterov, no weight decay.
    fn default() -> Self {
        OptimizerConfig::Sgd {
            momentum: 0.9,
            nesterov: false,
            weight_decay: 0.0,
        }
    }
}

fn check_unit(param: &str, v: f64) -> Result<(), ParamError> {
    if v.is_finite() && (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err(ParamError::new(param, v, "must be in [0, 1)"))
    }
}

fn check_nonneg(param: &str, v: f64) -> Result<(), ParamError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(ParamError::new(param, v, "must be finite and >= 0"))
    }
}

fn check_positive(param: &str, v: f64) -> Result<(), ParamError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(ParamError::new(param, v, "must be finite and > 0"))
    }
}

fn check_betas(betas: [f64; 2]) -> Result<(), ParamError> {
    check_unit("betas[0]", betas[0])?;
    check_unit("betas[1]", betas[1])
}

fn check_growth(v: f64) -> Result<(), ParamError> {
    if v > 0.0 {
        Ok(())
    } else {
        Err(ParamError::new(
            "growth_rate",
            v,
            "must be > 0 (inf: unrestricted, the default)",
        ))
    }
}

impl OptimizerConfig {
    /// Every optimizer name (the command line's `--optimizer`, an experiment's `kind`).
    pub const NAMES: [&'static str; 12] = [
        "sgd",
        "nesterov",
        "adam",
        "adamw",
        "rmsprop",
        "adagrad",
        "adadelta",
        "sgd-schedulefree",
        "adamw-schedulefree",
        "prodigy",
        "dadapt-adam",
        "dadapt-sgd",
    ];

    /// The learning-rate-free optimizers among [`NAMES`](Self::NAMES).
    pub const LR_FREE: [&'static str; 5] = [
        "sgd-schedulefree",
        "adamw-schedulefree",
        "prodigy",
        "dadapt-adam",
        "dadapt-sgd",
    ];

    /// The optimizer of a name in [`NAMES`](Self::NAMES) with its defaults; the error names the
    /// valid ones (and the closest, for a typo).
    pub fn from_name(name: &str) -> Result<Self, String> {
        let n = name.trim().to_ascii_lowercase();
        if !Self::NAMES.contains(&n.as_str()) {
            let hint = cyclr::schedule::policy::closest(&n, &Self::NAMES)
                .map(|c| format!(" (did you mean {c:?}?)"))
                .unwrap_or_default();
            return Err(format!(
                "unknown optimizer {name:?}{hint}; valid: {}",
                Self::NAMES.join(", ")
            ));
        }
        let raw = serde_json::json!({ "kind": n });
        Ok(serde_json::from_value(raw).expect("every name parses with its defaults"))
    }

    /// The optimizer of a name with some hyper-parameters set by their keys (as in an
    /// experiment file; the error names a key the optimizer does not have, with its keys).
    pub fn from_name_with(
        name: &str,
        keys: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, String> {
        let base = Self::from_name(name)?;
        if keys.is_empty() {
            return Ok(base);
        }
        let mut raw = keys.clone();
        raw.insert("kind".into(), base.name().into());
        serde_json::from_value(serde_json::Value::Object(raw)).map_err(|e| {
            format!(
                "{e}; the keys of {} are: {}",
                base.name(),
                base.keys().join(", ")
            )
        })
    }

    /// This optimizer's hyper-parameter keys (as an experiment file writes them).
    pub fn keys(&self) -> Vec<String> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => {
                m.keys().filter(|k| *k != "kind").cloned().collect()
            }
            _ => Vec::new(),
        }
    }

    /// The same optimizer with its momentum (SGD/RMSProp momentum, Adam β1) set; an error for
    /// optimizers without one.
    pub fn with_momentum(mut self, m: f64) -> Result<Self, ParamError> {
        match &mut self {
            OptimizerConfig::Sgd { momentum, .. } | OptimizerConfig::Rmsprop { momentum, .. } => {
                *momentum = m
            }
            OptimizerConfig::Adam { beta1, .. } => *beta1 = m,
            OptimizerConfig::SgdScheduleFree(c) => c.momentum = m,
            OptimizerConfig::DadaptSgd(c) => c.momentum = m,
            OptimizerConfig::AdamwScheduleFree(AdamWScheduleFreeConfig { betas, .. })
            | OptimizerConfig::Prodigy(Prodigy { betas, .. })
            | OptimizerConfig::DadaptAdam(DAdaptAdam { betas, .. }) => betas[0] = m,
            OptimizerConfig::Adagrad { .. } | OptimizerConfig::Adadelta { .. } => {
                return Err(ParamError::new(
                    "momentum",
                    m,
                    format!(
                        "{} has no momentum (it applies to sgd, nesterov, adam, adamw, rmsprop \
                         and, as momentum or betas[0], to the learning-rate-free optimizers)",
                        self.name()
                    ),
                ));
            }
        }
        Ok(self)
    }

    /// The weight decay.
    pub fn weight_decay(&self) -> f64 {
        match *self {
            OptimizerConfig::Sgd { weight_decay, .. }
            | OptimizerConfig::Adam { weight_decay, .. }
            | OptimizerConfig::Rmsprop { weight_decay, .. }
            | OptimizerConfig::Adagrad { weight_decay, .. }
            | OptimizerConfig::Adadelta { weight_decay, .. } => weight_decay,
            OptimizerConfig::SgdScheduleFree(c) => c.weight_decay,
            OptimizerConfig::AdamwScheduleFree(c) => c.weight_decay,
            OptimizerConfig::Prodigy(c) => c.weight_decay,
            OptimizerConfig::DadaptAdam(c) => c.weight_decay,
            OptimizerConfig::DadaptSgd(c) => c.weight_decay,
        }
    }

    /// The same optimizer with its weight decay set.
    pub fn with_weight_decay(mut self, wd: f64) -> Self {
        match &mut self {
            OptimizerConfig::Sgd { weight_decay, .. }
            | OptimizerConfig::Adam { weight_decay, .. }
            | OptimizerConfig::Rmsprop { weight_decay, .. }
            | OptimizerConfig::Adagrad { weight_decay, .. }
            | OptimizerConfig::Adadelta { weight_decay, .. } => *weight_decay = wd,
            OptimizerConfig::SgdScheduleFree(c) => c.weight_decay = wd,
            OptimizerConfig::AdamwScheduleFree(c) => c.weight_decay = wd,
            OptimizerConfig::Prodigy(c) => c.weight_decay = wd,
            OptimizerConfig::DadaptAdam(c) => c.weight_decay = wd,
            OptimizerConfig::DadaptSgd(c) => c.weight_decay = wd,
        }
        self
    }

    /// The short name (one of [`NAMES`](Self::NAMES)): `nesterov` for SGD with Nesterov
    /// momentum, `adamw` for Adam with decoupled weight decay.
    pub fn name(&self) -> &'static str {
        match self {
            OptimizerConfig::Sgd { nesterov: true, .. } => "nesterov",
            OptimizerConfig::Sgd { .. } => "sgd",
            OptimizerConfig::Adam {
                decoupled_weight_decay: true,
                ..
            } => "adamw",
            OptimizerConfig::Adam { .. } => "adam",
            OptimizerConfig::Rmsprop { .. } => "rmsprop",
            OptimizerConfig::Adagrad { .. } => "adagrad",
            OptimizerConfig::Adadelta { .. } => "adadelta",
            OptimizerConfig::SgdScheduleFree(_) => "sgd-schedulefree",
            OptimizerConfig::AdamwScheduleFree(_) => "adamw-schedulefree",
            OptimizerConfig::Prodigy(_) => "prodigy",
            OptimizerConfig::DadaptAdam(_) => "dadapt-adam",
            OptimizerConfig::DadaptSgd(_) => "dadapt-sgd",
        }
    }

    /// The learning rate when none is given: the package's default for the learning-rate-free
    /// optimizers (1.0; 0.0025 for `adamw-schedulefree`), `None` for the others (their rate
    /// must be chosen: given, or found by a range test).
    pub fn default_lr(&self) -> Option<f64> {
        match self {
            OptimizerConfig::SgdScheduleFree(_)
            | OptimizerConfig::Prodigy(_)
            | OptimizerConfig::DadaptAdam(_)
            | OptimizerConfig::DadaptSgd(_) => Some(1.0),
            OptimizerConfig::AdamwScheduleFree(_) => Some(0.0025),
            _ => None,
        }
    }

    /// The optimizer planned for a run `factor` times as long (budgets, quick trials): its
    /// iteration counts (schedule-free's `warmup_steps`) scaled, rounded, at least 1 where they
    /// were; every other hyper-parameter kept.
    pub fn scaled(&self, factor: f64) -> OptimizerConfig {
        let scale = |n: u64| {
            if n == 0 {
                0
            } else {
                ((n as f64 * factor).round() as u64).max(1)
            }
        };
        let mut c = self.clone();
        match &mut c {
            OptimizerConfig::SgdScheduleFree(s) => s.warmup_steps = scale(s.warmup_steps),
            OptimizerConfig::AdamwScheduleFree(s) => s.warmup_steps = scale(s.warmup_steps),
            _ => {}
        }
        c
    }

    /// Schedule-free (`sgd-schedulefree`, `adamw-schedulefree`): the optimizer replaces the
    /// schedule, and the model has a training point `y` and an evaluation point `x`.
    pub fn is_schedule_free(&self) -> bool {
        matches!(
            self,
            OptimizerConfig::SgdScheduleFree(_) | OptimizerConfig::AdamwScheduleFree(_)
        )
    }

    /// Prodigy or D-Adaptation: the optimizer estimates its step size `d`, and the learning
    /// rate is a multiplier of it (so a learning-rate range test means nothing for it).
    pub fn estimates_d(&self) -> bool {
        matches!(
            self,
            OptimizerConfig::Prodigy(_)
                | OptimizerConfig::DadaptAdam(_)
                | OptimizerConfig::DadaptSgd(_)
        )
    }

    /// Why a learning-rate range test cannot be run with this optimizer (`None`: it can).
    pub fn range_test_refusal(&self) -> Option<String> {
        self.estimates_d().then(|| {
            format!(
                "{} estimates its own step size d; its lr is a multiplier of d (1.0 by default, \
                 the package's advice is to leave it), so a learning-rate range test does not \
                 apply: train it with its default lr, or give one with --lr",
                self.name()
            )
        })
    }

    /// Whether `schedule` may drive this optimizer: a schedule-free optimizer takes only the
    /// constant `fixed` policy without cyclr's `warmup` (it replaces the schedule; its own
    /// `warmup_steps` does the warm-up); every other optimizer takes any schedule.
    pub fn check_schedule(
        &self,
        schedule: &cyclr::schedule::ScheduleConfig,
    ) -> Result<(), ParamError> {
        use cyclr::schedule::ScheduleConfig;
        if !self.is_schedule_free() {
            return Ok(());
        }
        match schedule {
            ScheduleConfig::Fixed { warmup: None, .. } => Ok(()),
            ScheduleConfig::Fixed {
                warmup: Some(w), ..
            } => Err(ParamError::new(
                "warmup",
                w,
                format!(
                    "{} warms up by its own warmup_steps (the averaging weights depend on it); \
                     set warmup_steps instead of cyclr's warmup",
                    self.name()
                ),
            )),
            other => Err(ParamError::new(
                "policy",
                other.name(),
                format!(
                    "{} replaces the learning-rate schedule (it averages its iterates instead, \
                     and needs no run length): use policy fixed, and its warmup_steps for a \
                     warm-up",
                    self.name()
                ),
            )),
        }
    }

    /// Checks every hyper-parameter (PyTorch's own checks, plus finiteness).
    pub fn validate(&self) -> Result<(), ParamError> {
        match *self {
            OptimizerConfig::Sgd {
                momentum,
                nesterov,
                weight_decay,
            } => {
                check_unit("momentum", momentum)?;
                check_nonneg("weight_decay", weight_decay)?;
                if nesterov && momentum <= 0.0 {
                    return Err(ParamError::new(
                        "momentum",
                        momentum,
                        "Nesterov momentum requires momentum > 0",
                    ));
                }
            }
            OptimizerConfig::Adam {
                beta1,
                beta2,
                eps,
                weight_decay,
                ..
            } => {
                check_unit("beta1", beta1)?;
                check_unit("beta2", beta2)?;
                check_nonneg("eps", eps)?;
                check_nonneg("weight_decay", weight_decay)?;
            }
            OptimizerConfig::Rmsprop {
                alpha,
                eps,
                momentum,
                weight_decay,
            } => {
                check_unit("alpha", alpha)?;
                check_nonneg("eps", eps)?;
                check_unit("momentum", momentum)?;
                check_nonneg("weight_decay", weight_decay)?;
            }
            OptimizerConfig::Adagrad { eps, weight_decay } => {
                check_nonneg("eps", eps)?;
                check_nonneg("weight_decay", weight_decay)?;
            }
            OptimizerConfig::Adadelta {
                rho,
                eps,
                weight_decay,
            } => {
                check_unit("rho", rho)?;
                check_nonneg("eps", eps)?;
                check_nonneg("weight_decay", weight_decay)?;
            }
            OptimizerConfig::SgdScheduleFree(c) => c.validate()?,
            OptimizerConfig::AdamwScheduleFree(c) => c.validate()?,
            OptimizerConfig::Prodigy(c) => c.validate()?,
            OptimizerConfig::DadaptAdam(c) => c.validate()?,
            OptimizerConfig::DadaptSgd(c) => c.validate()?,
        }
        Ok(())
    }

    /// The configured value of the hyper-parameter a schedule cycles (SGD/RMSProp momentum,
    /// Adam β1), or `None` for optimizers whose momentum is not cycled (Adagrad, Adadelta, the
    /// learning-rate-free ones).
    pub fn default_momentum(&self) -> Option<f64> {
        match *self {
            OptimizerConfig::Sgd { momentum, .. } => Some(momentum),
            OptimizerConfig::Adam { beta1, .. } => Some(beta1),
            OptimizerConfig::Rmsprop { momentum, .. } => Some(momentum),
            _ => None,
        }
    }

    /// Whether a schedule's momentum is applied (false: Adagrad, Adadelta, the
    /// learning-rate-free optimizers).
    pub fn supports_momentum_cycling(&self) -> bool {
        self.default_momentum().is_some()
    }
}

/// The momentum of the current step, shared between a [`CyclrOptimizer`] (which reads it in
/// every parameter update) and whoever sets it: [`CyclrOptimizer::step`], or a
/// [`CyclrLrScheduler`](crate::scheduler::CyclrLrScheduler) linked with
/// [`with_momentum_cell`](crate::scheduler::CyclrLrScheduler::with_momentum_cell) when burn's
/// own `Learner` drives the optimizer.
///
/// Clones share the value. Stored as the bits of an `f64` in an atomic.
#[derive(Clone, Debug)]
pub struct MomentumCell(Arc<AtomicU64>);

impl MomentumCell {
    /// A cell holding `value`.
    pub fn new(value: f64) -> Self {
        MomentumCell(Arc::new(AtomicU64::new(value.to_bits())))
    }
    /// The current value.
    pub fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
    /// Sets the value used by the next updates.
    pub fn set(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::Relaxed)
    }
}

mod adadelta;
mod adagrad;
mod adam;
pub mod dadapt;
pub mod group;
pub mod prodigy;
mod rmsprop;
pub mod schedule_free;
mod sgd;

pub use adadelta::{AdadeltaState, AdadeltaStep};
pub use adagrad::{AdagradState, AdagradStep};
pub use adam::{AdamState, AdamStep};
pub use dadapt::{DAdaptAdam, DAdaptSgd};
pub use group::GroupEngine;
pub use prodigy::Prodigy;
pub use rmsprop::{RmspropState, RmspropStep};
pub use schedule_free::{
    AdamWScheduleFreeConfig, ScheduleFree, ScheduleFreeStep, SgdScheduleFreeConfig,
    schedule_free_eval,
};
pub use sgd::{SgdState, SgdStep};

// ---------------------------------------------------------------------------------------------
// Shared by the per-optimizer files.
// ---------------------------------------------------------------------------------------------

pub(crate) fn take<const D: usize>(
    src: &mut StateSource,
    prefix: &str,
    leaf: &str,
    device: &Device,
) -> Option<Tensor<D>> {
    src.take_tensor(prefix, leaf)
        .map(|data| Tensor::from_data(data, device))
}

pub(crate) fn opt_to_device<const D: usize>(
    t: Option<Tensor<D>>,
    device: &Device,
) -> Option<Tensor<D>> {
    t.map(|t| t.to_device(device))
}

/// `g + wd·p` when `wd ≠ 0`.
pub(crate) fn l2<const D: usize>(grad: Tensor<D>, param: &Tensor<D>, wd: f64) -> Tensor<D> {
    if wd != 0.0 {
        grad.add(param.clone().mul_scalar(wd))
    } else {
        grad
    }
}

// ---------------------------------------------------------------------------------------------
// The module optimizer.
// ---------------------------------------------------------------------------------------------

/// What does the updates: burn's per-parameter [`ModuleOptimizer`] for the PyTorch optimizers,
/// the [`group`] engine for the learning-rate-free ones.
#[derive(Clone)]
enum Engine {
    PerParam(ModuleOptimizer),
    ScheduleFree(GroupEngine<ScheduleFree>),
    Prodigy(GroupEngine<Prodigy>),
    DAdaptAdam(GroupEngine<DAdaptAdam>),
    DAdaptSgd(GroupEngine<DAdaptSgd>),
}

/// A whole-module optimizer (burn's [`ModuleOptimizer`] over one of the updates above, or the
/// [`group`] engine of a learning-rate-free optimizer) whose momentum is set per step.
///
/// Clones share the [`MomentumCell`] (which [`step`](Self::step) sets before every update) and
/// copy the per-parameter state (immutable tensors), so a clone is an exact snapshot of the
/// optimizer state.
#[derive(Clone)]
pub struct CyclrOptimizer {
    config: OptimizerConfig,
    momentum: MomentumCell,
    engine: Engine,
}

impl std::fmt::Debug for CyclrOptimizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CyclrOptimizer")
            .field("config", &self.config)
            .field("momentum", &self.momentum.get())
            .field("d", &self.d())
            .finish_non_exhaustive()
    }
}

fn record_err(e: String) -> RecordError {
    RecordError::Io(e)
}

impl CyclrOptimizer {
    /// Builds the optimizer (validating `config`); no state until the first step.
    pub fn new(config: &OptimizerConfig) -> Result<Self, ParamError> {
        config.validate()?;
        let momentum = MomentumCell::new(config.default_momentum().unwrap_or(0.0));
        let per_param = |m: ModuleOptimizer| Engine::PerParam(m);
        let engine = match *config {
            OptimizerConfig::Sgd {
                nesterov,
                weight_decay,
                ..
            } => per_param(
                SgdStep {
                    momentum: momentum.clone(),
                    nesterov,
                    weight_decay,
                }
                .into(),
            ),
            OptimizerConfig::Adam {
                beta2,
                eps,
                weight_decay,
                decoupled_weight_decay,
                ..
            } => per_param(
                AdamStep {
                    beta1: momentum.clone(),
                    beta2,
                    eps,
                    weight_decay,
                    decoupled: decoupled_weight_decay,
                }
                .into(),
            ),
            OptimizerConfig::Rmsprop {
                alpha,
                eps,
                weight_decay,
                ..
            } => per_param(
                RmspropStep {
                    momentum: momentum.clone(),
                    alpha,
                    eps,
                    weight_decay,
                }
                .into(),
            ),
            OptimizerConfig::Adagrad { eps, weight_decay } => {
                per_param(AdagradStep { eps, weight_decay }.into())
            }
            OptimizerConfig::Adadelta {
                rho,
                eps,
                weight_decay,
            } => per_param(
                AdadeltaStep {
                    rho,
                    eps,
                    weight_decay,
                }
                .into(),
            ),
            OptimizerConfig::SgdScheduleFree(c) => {
                Engine::ScheduleFree(GroupEngine::new(c.optimizer()))
            }
            OptimizerConfig::AdamwScheduleFree(c) => {
                Engine::ScheduleFree(GroupEngine::new(c.optimizer()))
            }
            OptimizerConfig::Prodigy(c) => Engine::Prodigy(GroupEngine::new(c)),
            OptimizerConfig::DadaptAdam(c) => Engine::DAdaptAdam(GroupEngine::new(c)),
            OptimizerConfig::DadaptSgd(c) => Engine::DAdaptSgd(GroupEngine::new(c)),
        };
        Ok(CyclrOptimizer {
            config: config.clone(),
            momentum,
            engine,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &OptimizerConfig {
        &self.config
    }

    /// The shared cell the updates read their momentum from.
    pub fn momentum_cell(&self) -> MomentumCell {
        self.momentum.clone()
    }

    /// The momentum (β1) [`step`](Self::step) uses for `momentum`: the schedule's value where it
    /// gives one and the optimizer has a momentum, else the configured one (`None` for Adagrad,
    /// Adadelta and the learning-rate-free optimizers).
    pub fn effective_momentum(&self, momentum: Option<f64>) -> Option<f64> {
        let default = self.config.default_momentum()?;
        Some(momentum.unwrap_or(default))
    }

    /// One optimizer step on `module` with learning rate `lr` and, where given, this step's
    /// momentum (SGD/RMSProp momentum or Adam β1; `None`: the configured value).
    ///
    /// Schedule-free: the gradients must have been taken at `y` ([`train_mode`](Self::train_mode));
    /// a step in evaluation mode treats the parameters as `y` and leaves training mode on (the
    /// package raises an error instead).
    pub fn step<M: Module>(
        &mut self,
        lr: f64,
        momentum: Option<f64>,
        module: M,
        grads: GradientsParams,
    ) -> M {
        if let Some(m) = self.effective_momentum(momentum) {
            self.momentum.set(m);
        }
        match &mut self.engine {
            Engine::PerParam(o) => o.step(lr, module, grads),
            Engine::ScheduleFree(e) => {
                e.group.train_mode = true;
                e.step(lr, module, grads)
            }
            Engine::Prodigy(e) => e.step(lr, module, grads),
            Engine::DAdaptAdam(e) => e.step(lr, module, grads),
            Engine::DAdaptSgd(e) => e.step(lr, module, grads),
        }
    }

    /// Prodigy's and D-Adaptation's step-size estimate `d` after the last step (its initial
    /// `d0` before the first); `None` for the other optimizers.
    pub fn d(&self) -> Option<f64> {
        match &self.engine {
            Engine::Prodigy(e) => Some(e.group.d),
            Engine::DAdaptAdam(e) => Some(e.group.d),
            Engine::DAdaptSgd(e) => Some(e.group.d),
            _ => None,
        }
    }

    /// Schedule-free: the last step's learning rate after its warm-up (`scheduled_lr`).
    pub fn scheduled_lr(&self) -> Option<f64> {
        match &self.engine {
            Engine::ScheduleFree(e) => Some(e.group.scheduled_lr),
            _ => None,
        }
    }

    /// Whether the model is at its training point: always, except for a schedule-free optimizer
    /// switched to [`eval_mode`](Self::eval_mode).
    pub fn is_train_mode(&self) -> bool {
        match &self.engine {
            Engine::ScheduleFree(e) => e.group.train_mode,
            _ => true,
        }
    }

    /// The evaluation point of `module` without switching modes: schedule-free's `x = lerp(y, z,
    /// 1 − 1/β)` computed exactly as `optimizer.eval()` does, on a copy, so that `y` stays
    /// exactly as it is (the package's in-place `eval()` then `train()` round trip moves `y` by
    /// a rounding error); `module` itself when it is already at `x` or for every other optimizer.
    pub fn eval_params<M: Module>(&self, module: M) -> M {
        match &self.engine {
            Engine::ScheduleFree(e) if e.group.train_mode => {
                let sf = e.optim;
                e.map_params(module, |y, st| sf.to_x(y, st.z.clone()))
            }
            _ => module,
        }
    }

    /// `module` at its evaluation point: schedule-free's `optimizer.eval()` (`x = lerp(y, z, 1 −
    /// 1/β)` for every parameter with a state; nothing when already in evaluation mode); the
    /// module unchanged for every other optimizer.
    pub fn eval_mode<M: Module>(&mut self, module: M) -> M {
        match &mut self.engine {
            Engine::ScheduleFree(e) if e.group.train_mode => {
                let sf = e.optim;
                let m = e.map_params(module, |y, st| sf.to_x(y, st.z.clone()));
                e.group.train_mode = false;
                m
            }
            _ => module,
        }
    }

    /// `module` back at its training point: schedule-free's `optimizer.train()` (`y = lerp(x, z,
    /// 1 − β)`; nothing when already in training mode); the module unchanged for every other
    /// optimizer.
    pub fn train_mode<M: Module>(&mut self, module: M) -> M {
        match &mut self.engine {
            Engine::ScheduleFree(e) if !e.group.train_mode => {
                let sf = e.optim;
                let m = e.map_params(module, |x, st| sf.to_y(x, st.z.clone()));
                e.group.train_mode = true;
                m
            }
            _ => module,
        }
    }

    /// Number of `f32` values in the optimizer's per-parameter state (learning-rate-free
    /// optimizers only; `None` for burn's per-parameter engine, which does not expose it).
    pub fn state_numel(&self) -> Option<usize> {
        match &self.engine {
            Engine::PerParam(_) => None,
            Engine::ScheduleFree(e) => Some(e.state_numel()),
            Engine::Prodigy(e) => Some(e.state_numel()),
            Engine::DAdaptAdam(e) => Some(e.state_numel()),
            Engine::DAdaptSgd(e) => Some(e.state_numel()),
        }
    }

    /// The state serialized: burn's burnpack format for the PyTorch optimizers, CBOR (every
    /// float exact) for the learning-rate-free ones.
    pub fn to_bytes(&self) -> Result<Vec<u8>, RecordError> {
        match &self.engine {
            Engine::PerParam(o) => Ok(o.into_bytes()?.to_vec()),
            Engine::ScheduleFree(e) => e.to_bytes().map_err(record_err),
            Engine::Prodigy(e) => e.to_bytes().map_err(record_err),
            Engine::DAdaptAdam(e) => e.to_bytes().map_err(record_err),
            Engine::DAdaptSgd(e) => e.to_bytes().map_err(record_err),
        }
    }

    /// Loads a state written by [`to_bytes`](Self::to_bytes) of the same kind of optimizer.
    pub fn load_bytes(&mut self, bytes: &[u8]) -> Result<(), RecordError> {
        match &mut self.engine {
            Engine::PerParam(o) => {
                let record = OptimizerRecord::from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))?;
                *o = o.clone().load_record(record);
                Ok(())
            }
            Engine::ScheduleFree(e) => e.load_bytes(bytes).map_err(record_err),
            Engine::Prodigy(e) => e.load_bytes(bytes).map_err(record_err),
            Engine::DAdaptAdam(e) => e.load_bytes(bytes).map_err(record_err),
            Engine::DAdaptSgd(e) => e.load_bytes(bytes).map_err(record_err),
        }
    }

    /// The underlying burn [`ModuleOptimizer`] (sharing the momentum cell), e.g. for burn's
    /// `Learner`; pair it with a scheduler linked through
    /// [`CyclrLrScheduler::with_momentum_cell`](crate::scheduler::CyclrLrScheduler::with_momentum_cell)
    /// to cycle the momentum there.
    ///
    /// Schedule-free becomes burn's per-parameter form ([`ScheduleFreeStep`]; turn the trained
    /// model into `x` with [`schedule_free_eval`]). Prodigy and D-Adaptation have none — their `d`
    /// sums over every parameter before any moves, which a per-parameter `ModuleOptimizer`
    /// cannot do — and give an error: drive them with [`step`](Self::step) in your own loop,
    /// or with [`train`](crate::train::train).
    pub fn into_module_optimizer(self) -> Result<ModuleOptimizer, ParamError> {
        match self.engine {
            Engine::PerParam(o) => Ok(o),
            Engine::ScheduleFree(e) => Ok(ScheduleFreeStep(e.optim).into()),
            _ => Err(ParamError::new(
                "optimizer",
                self.config.name(),
                "has no per-parameter form for burn's Learner (its step size d sums over every \
                 parameter before any moves): drive it with CyclrOptimizer::step in your own \
                 loop, or with cyclr_burn::train",
            )),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! What the per-optimizer tests share: a 3-parameter model with a constant gradient.
    use super::*;
    use burn::module::Param;

    #[derive(Module, Debug)]
    pub(crate) struct Vector {
        pub(crate) w: Param<Tensor<1>>,
    }

    pub(crate) const P0: [f32; 3] = [1.0, -2.0, 0.5];
    /// The loss `Σ g_i·w_i` has the constant gradient `G`.
    pub(crate) const G: [f32; 3] = [0.1, -0.2, 0.3];

    /// Runs `optim` for one step per `(lr, momentum)` and returns the parameters.
    pub(crate) fn run(config: OptimizerConfig, steps: &[(f64, Option<f64>)]) -> Vec<f32> {
        let device = crate::device();
        let mut model = Vector {
            w: Param::from_tensor(Tensor::from_floats(P0, &device)),
        };
        let mut optim = CyclrOptimizer::new(&config).unwrap();
        let g = Tensor::<1>::from_floats(G, &device);
        for &(lr, m) in steps {
            let loss = model.w.val().mul(g.clone()).sum();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(lr, m, model, grads);
        }
        model.w.val().into_data().try_to_vec::<f32>().unwrap()
    }

    pub(crate) fn assert_close(got: &[f32], want: &[f64]) {
        for (g, w) in got.iter().zip(want) {
            let err = (f64::from(*g) - w).abs();
            assert!(err <= 2e-6 * w.abs().max(1.0), "got {got:?}, want {want:?}");
        }
    }

    pub(crate) fn sgd(nesterov: bool) -> OptimizerConfig {
        OptimizerConfig::Sgd {
            momentum: 0.9,
            nesterov,
            weight_decay: 0.01,
        }
    }

    /// The state survives a byte round trip: the next update is identical, bit for bit.
    #[test]
    fn state_round_trip_is_exact() {
        let device = crate::device();
        for config in [
            sgd(true),
            OptimizerConfig::Adam {
                beta1: 0.9,
                beta2: 0.99,
                eps: 1e-8,
                weight_decay: 0.0,
                decoupled_weight_decay: false,
            },
            OptimizerConfig::Rmsprop {
                alpha: 0.9,
                eps: 1e-8,
                momentum: 0.5,
                weight_decay: 0.0,
            },
        ] {
            let model = Vector {
                w: Param::from_tensor(Tensor::from_floats(P0, &device)),
            };
            let g = Tensor::<1>::from_floats(G, &device);
            let grads = |m: &Vector| {
                GradientsParams::from_grads(m.w.val().mul(g.clone()).sum().backward(), m)
            };
            let mut a = CyclrOptimizer::new(&config).unwrap();
            let g0 = grads(&model);
            let model = a.step(0.1, Some(0.9), model, g0);
            let mut b = CyclrOptimizer::new(&config).unwrap();
            b.load_bytes(&a.to_bytes().unwrap()).unwrap();
            let ma = a.step(0.1, Some(0.8), model.clone(), grads(&model));
            let mb = b.step(0.1, Some(0.8), model.clone(), grads(&model));
            let va: Vec<f32> = ma.w.val().into_data().try_to_vec::<f32>().unwrap();
            let vb: Vec<f32> = mb.w.val().into_data().try_to_vec::<f32>().unwrap();
            assert_eq!(va, vb, "{}", config.name());
        }
    }

    #[test]
    fn validation_and_serde() {
        assert!(
            CyclrOptimizer::new(&OptimizerConfig::Sgd {
                momentum: 0.0,
                nesterov: true,
                weight_decay: 0.0
            })
            .is_err()
        );
        assert!(
            OptimizerConfig::Adam {
                beta1: 1.0,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: 0.0,
                decoupled_weight_decay: false
            }
            .validate()
            .is_err()
        );
        let c: OptimizerConfig = serde_json::from_str(r#"{"kind":"adam"}"#).unwrap();
        assert_eq!(c.default_momentum(), Some(0.9));
        let c: OptimizerConfig = serde_json::from_str(r#"{"kind":"sgd","nesterov":true}"#).unwrap();
        assert_eq!(c, sgd(true).with_wd(0.0));
        assert!(serde_json::from_str::<OptimizerConfig>(r#"{"kind":"sgd","lr":1}"#).is_err());
    }

    /// The learning-rate-free optimizers in experiment files: the packages' names and defaults,
    /// unknown keys rejected, ∞ surviving JSON, and the packages' checks.
    #[test]
    fn lr_free_configs() {
        let c: OptimizerConfig = toml::from_str(
            "kind = \"prodigy\"\nd_coef = 0.5\nsafeguard_warmup = true\nbetas = [0.95, 0.99]",
        )
        .unwrap();
        let OptimizerConfig::Prodigy(p) = c else {
            panic!("{c:?}")
        };
        assert_eq!(
            (p.d_coef, p.safeguard_warmup, p.betas),
            (0.5, true, [0.95, 0.99])
        );
        assert!(p.decouple, "prodigy's decouple defaults to true");
        assert_eq!((p.d0, p.growth_rate, p.beta3), (1e-6, f64::INFINITY, None));
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains(r#""growth_rate":"inf""#), "{json}");
        assert_eq!(serde_json::from_str::<OptimizerConfig>(&json).unwrap(), c);
        for (kind, lr) in [
            ("sgd-schedulefree", 1.0),
            ("adamw-schedulefree", 0.0025),
            ("prodigy", 1.0),
            ("dadapt-adam", 1.0),
            ("dadapt-sgd", 1.0),
        ] {
            let c = OptimizerConfig::from_name(kind).unwrap();
            assert_eq!(c.name(), kind);
            assert_eq!(c.default_lr(), Some(lr), "{kind}");
            assert_eq!(c.default_momentum(), None, "{kind}: not cycled");
            c.validate().unwrap();
            let back: OptimizerConfig =
                serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
            assert_eq!(back, c);
            assert!(
                serde_json::from_str::<OptimizerConfig>(&format!(
                    r#"{{"kind":"{kind}","nesterov":true}}"#
                ))
                .is_err(),
                "{kind}: unknown key accepted"
            );
        }
        assert_eq!(
            OptimizerConfig::from_name("sgd").unwrap().default_lr(),
            None
        );
        // from_name_with names the optimizer's keys when one is wrong.
        let mut keys = serde_json::Map::new();
        keys.insert("d_coef".into(), 0.5.into());
        let e = OptimizerConfig::from_name_with("sgd-schedulefree", &keys).unwrap_err();
        assert!(e.contains("d_coef") && e.contains("warmup_steps"), "{e}");
        // The packages' checks.
        let bad = |json: &str, param: &str| {
            let c: OptimizerConfig = serde_json::from_str(json).unwrap();
            let e = c.validate().unwrap_err();
            assert_eq!(e.param, param, "{json}: {e}");
        };
        bad(r#"{"kind":"sgd-schedulefree","momentum":0}"#, "momentum");
        bad(r#"{"kind":"sgd-schedulefree","momentum":1}"#, "momentum");
        bad(
            r#"{"kind":"adamw-schedulefree","betas":[1.0,0.999]}"#,
            "betas[0]",
        );
        bad(
            r#"{"kind":"adamw-schedulefree","betas":[0.9,1.0]}"#,
            "betas[1]",
        );
        bad(r#"{"kind":"prodigy","d0":0}"#, "d0");
        bad(r#"{"kind":"prodigy","eps":0}"#, "eps");
        bad(r#"{"kind":"prodigy","beta3":1.5}"#, "beta3");
        bad(r#"{"kind":"prodigy","growth_rate":0}"#, "growth_rate");
        bad(
            r#"{"kind":"dadapt-adam","weight_decay":-1}"#,
            "weight_decay",
        );
        bad(r#"{"kind":"dadapt-sgd","momentum":1}"#, "momentum");
        bad(r#"{"kind":"dadapt-sgd","d0":-1e-6}"#, "d0");
        // --momentum reaches their β.
        let c = OptimizerConfig::from_name("prodigy")
            .unwrap()
            .with_momentum(0.8)
            .unwrap();
        assert!(matches!(
            c,
            OptimizerConfig::Prodigy(Prodigy {
                betas: [0.8, _],
                ..
            })
        ));
    }

    #[test]
    fn budgets_scale_schedule_free_warm_up() {
        let c = OptimizerConfig::from_name_with(
            "adamw-schedulefree",
            &serde_json::from_str(r#"{"warmup_steps": 1501}"#).unwrap(),
        )
        .unwrap();
        let OptimizerConfig::AdamwScheduleFree(s) = c.scaled(0.125) else {
            panic!()
        };
        assert_eq!(s.warmup_steps, 188);
        let p = OptimizerConfig::from_name("prodigy").unwrap();
        assert_eq!(p.scaled(0.5), p);
    }

    #[test]
    fn schedules_beside_lr_free_optimizers() {
        use cyclr::schedule::ScheduleConfig;
        let fixed: ScheduleConfig = toml::from_str("policy = \"fixed\"\nlr = 1.0").unwrap();
        let warm: ScheduleConfig =
            toml::from_str("policy = \"fixed\"\nlr = 1.0\nwarmup = 10").unwrap();
        let cos: ScheduleConfig =
            toml::from_str("policy = \"sgdr\"\nmax_lr = 1.0\nt0 = 100").unwrap();
        let sf = OptimizerConfig::from_name("adamw-schedulefree").unwrap();
        sf.check_schedule(&fixed).unwrap();
        let e = sf.check_schedule(&cos).unwrap_err();
        assert_eq!(e.param, "policy");
        assert!(
            e.valid.contains("replaces the learning-rate schedule"),
            "{e}"
        );
        assert_eq!(sf.check_schedule(&warm).unwrap_err().param, "warmup");
        assert!(sf.range_test_refusal().is_none());
        let prodigy = OptimizerConfig::from_name("prodigy").unwrap();
        prodigy.check_schedule(&cos).unwrap();
        assert!(
            prodigy
                .range_test_refusal()
                .unwrap()
                .contains("multiplier of d")
        );
    }

    impl OptimizerConfig {
        fn with_wd(self, wd: f64) -> Self {
            match self {
                OptimizerConfig::Sgd {
                    momentum, nesterov, ..
                } => OptimizerConfig::Sgd {
                    momentum,
                    nesterov,
                    weight_decay: wd,
                },
                other => other,
            }
        }
    }
}

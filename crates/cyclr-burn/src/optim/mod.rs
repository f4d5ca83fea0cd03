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

impl OptimizerConfig {
    /// Every optimizer name (the command line's `--optimizer`, an experiment's `kind`).
    pub const NAMES: [&'static str; 7] = [
        "sgd", "nesterov", "adam", "adamw", "rmsprop", "adagrad", "adadelta",
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

    /// The same optimizer with its momentum (SGD/RMSProp momentum, Adam β1) set; an error for
    /// optimizers without one.
    pub fn with_momentum(mut self, m: f64) -> Result<Self, ParamError> {
        match &mut self {
            OptimizerConfig::Sgd { momentum, .. } | OptimizerConfig::Rmsprop { momentum, .. } => {
                *momentum = m
            }
            OptimizerConfig::Adam { beta1, .. } => *beta1 = m,
            _ => {
                return Err(ParamError::new(
                    "momentum",
                    m,
                    format!(
                        "{} has no momentum (it applies to sgd, nesterov, adam, adamw, rmsprop)",
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
        }
        Ok(())
    }

    /// The configured value of the hyper-parameter a schedule cycles (SGD/RMSProp momentum,
    /// Adam β1), or `None` for optimizers without one (Adagrad, Adadelta).
    pub fn default_momentum(&self) -> Option<f64> {
        match *self {
            OptimizerConfig::Sgd { momentum, .. } => Some(momentum),
            OptimizerConfig::Adam { beta1, .. } => Some(beta1),
            OptimizerConfig::Rmsprop { momentum, .. } => Some(momentum),
            OptimizerConfig::Adagrad { .. } | OptimizerConfig::Adadelta { .. } => None,
        }
    }

    /// Whether a schedule's momentum is applied (false: Adagrad, Adadelta).
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
mod rmsprop;
mod sgd;

pub use adadelta::{AdadeltaState, AdadeltaStep};
pub use adagrad::{AdagradState, AdagradStep};
pub use adam::{AdamState, AdamStep};
pub use rmsprop::{RmspropState, RmspropStep};
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

/// A whole-module optimizer (burn's [`ModuleOptimizer`] over one of the updates above) whose
/// momentum is set per step.
///
/// Clones share the [`MomentumCell`] (which [`step`](Self::step) sets before every update) and
/// copy the per-parameter state (immutable tensors), so a clone is an exact snapshot of the
/// optimizer state.
#[derive(Clone)]
pub struct CyclrOptimizer {
    config: OptimizerConfig,
    momentum: MomentumCell,
    inner: ModuleOptimizer,
}

impl std::fmt::Debug for CyclrOptimizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CyclrOptimizer")
            .field("config", &self.config)
            .field("momentum", &self.momentum.get())
            .finish_non_exhaustive()
    }
}

impl CyclrOptimizer {
    /// Builds the optimizer (validating `config`); no state until the first step.
    pub fn new(config: &OptimizerConfig) -> Result<Self, ParamError> {
        config.validate()?;
        let momentum = MomentumCell::new(config.default_momentum().unwrap_or(0.0));
        let inner: ModuleOptimizer = match *config {
            OptimizerConfig::Sgd {
                nesterov,
                weight_decay,
                ..
            } => SgdStep {
                momentum: momentum.clone(),
                nesterov,
                weight_decay,
            }
            .into(),
            OptimizerConfig::Adam {
                beta2,
                eps,
                weight_decay,
                decoupled_weight_decay,
                ..
            } => AdamStep {
                beta1: momentum.clone(),
                beta2,
                eps,
                weight_decay,
                decoupled: decoupled_weight_decay,
            }
            .into(),
            OptimizerConfig::Rmsprop {
                alpha,
                eps,
                weight_decay,
                ..
            } => RmspropStep {
                momentum: momentum.clone(),
                alpha,
                eps,
                weight_decay,
            }
            .into(),
            OptimizerConfig::Adagrad { eps, weight_decay } => {
                AdagradStep { eps, weight_decay }.into()
            }
            OptimizerConfig::Adadelta {
                rho,
                eps,
                weight_decay,
            } => AdadeltaStep {
                rho,
                eps,
                weight_decay,
            }
            .into(),
        };
        Ok(CyclrOptimizer {
            config: config.clone(),
            momentum,
            inner,
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
    /// gives one and the optimizer has a momentum, else the configured one (`None` for Adagrad and
    /// Adadelta).
    pub fn effective_momentum(&self, momentum: Option<f64>) -> Option<f64> {
        let default = self.config.default_momentum()?;
        Some(momentum.unwrap_or(default))
    }

    /// One optimizer step on `module` with learning rate `lr` and, where given, this step's
    /// momentum (SGD/RMSProp momentum or Adam β1; `None`: the configured value).
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
        self.inner.step(lr, module, grads)
    }

    /// The per-parameter state as burn's optimizer record.
    pub fn to_record(&self) -> OptimizerRecord {
        self.inner.to_record()
    }

    /// Replaces the per-parameter state with `record`'s.
    pub fn load_record(&mut self, record: OptimizerRecord) {
        self.inner = self.inner.clone().load_record(record);
    }

    /// The state serialized in burn's burnpack format.
    pub fn to_bytes(&self) -> Result<Vec<u8>, RecordError> {
        Ok(self.inner.into_bytes()?.to_vec())
    }

    /// Loads a state written by [`to_bytes`](Self::to_bytes).
    pub fn load_bytes(&mut self, bytes: &[u8]) -> Result<(), RecordError> {
        let record = OptimizerRecord::from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))?;
        self.load_record(record);
        Ok(())
    }

    /// The underlying burn [`ModuleOptimizer`] (sharing the momentum cell), e.g. for burn's
    /// `Learner`; pair it with a scheduler linked through
    /// [`CyclrLrScheduler::with_momentum_cell`](crate::scheduler::CyclrLrScheduler::with_momentum_cell)
    /// to cycle the momentum there.
    pub fn into_module_optimizer(self) -> ModuleOptimizer {
        self.inner
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

//! PyTorch `torch.optim.Adam` / `AdamW`, β1 read per step: the configuration [`AdamConfig`]
//! (kinds `adam` and `adamw`) and the update [`AdamStep`]. The update, in PyTorch's order of
//! operations, is in the [table of the module](super).

use burn::optim::{Optimizer, RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor};
use cyclr::ParamError;
use serde::{Deserialize, Deserializer, Serialize};

use super::common::{check_nonneg, check_unit, default_adam_eps, l2, take};
use super::{FamilyConfig, MomentumCell};

fn default_beta1() -> f64 {
    0.9
}
fn default_beta2() -> f64 {
    0.999
}

/// `kind = "adam"`: Adam (or AdamW with `decoupled_weight_decay`); β1 is what a schedule
/// cycles. Missing keys take PyTorch's defaults. `kind = "adamw"` is the same with
/// `decoupled_weight_decay = true` (a key it does not take).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdamConfig {
    /// β1 (the value used when the schedule does not cycle momentum).
    #[serde(default = "default_beta1")]
    pub beta1: f64,
    /// β2.
    #[serde(default = "default_beta2")]
    pub beta2: f64,
    /// Term added to the denominator.
    #[serde(default = "default_adam_eps")]
    pub eps: f64,
    /// Weight decay: L2 added to the gradient (Adam), or decoupled (AdamW).
    #[serde(default)]
    pub weight_decay: f64,
    /// AdamW: decay the weights by `lr·weight_decay` instead of adding an L2 gradient.
    #[serde(default)]
    pub decoupled_weight_decay: bool,
    /// Weight decay on one-dimensional parameters too (biases, LayerNorm and batch-norm
    /// weights): PyTorch's one parameter group, the default. `false` is nanoGPT's two groups
    /// (`GPT.configure_optimizers`: decay on every tensor of 2 or more dimensions, none on the
    /// others). Absent from serialized forms when `true`.
    #[serde(
        default = "super::common::yes",
        skip_serializing_if = "super::common::is_true"
    )]
    pub decay_vectors: bool,
}

impl Default for AdamConfig {
    /// PyTorch's Adam: β = (0.9, 0.999), eps 1e-8, no weight decay.
    fn default() -> Self {
        AdamConfig {
            beta1: default_beta1(),
            beta2: default_beta2(),
            eps: default_adam_eps(),
            weight_decay: 0.0,
            decoupled_weight_decay: false,
            decay_vectors: true,
        }
    }
}

/// The keys of `kind = "adamw"`: those of `adam` but `decoupled_weight_decay`, which the name
/// fixes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdamwKeys {
    #[serde(default = "default_beta1")]
    beta1: f64,
    #[serde(default = "default_beta2")]
    beta2: f64,
    #[serde(default = "default_adam_eps")]
    eps: f64,
    #[serde(default)]
    weight_decay: f64,
    #[serde(default = "super::common::yes")]
    decay_vectors: bool,
}

impl AdamConfig {
    /// Reads the keys of `kind = "adamw"` (the tag already taken): Adam with
    /// `decoupled_weight_decay = true`.
    pub(crate) fn deserialize_adamw<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let k = AdamwKeys::deserialize(d)?;
        Ok(AdamConfig {
            beta1: k.beta1,
            beta2: k.beta2,
            eps: k.eps,
            weight_decay: k.weight_decay,
            decoupled_weight_decay: true,
            decay_vectors: k.decay_vectors,
        })
    }

    /// PyTorch's checks (β1, β2 in [0, 1), eps and weight decay ≥ 0) and finiteness.
    pub fn validate(&self) -> Result<(), ParamError> {
        check_unit("beta1", self.beta1)?;
        check_unit("beta2", self.beta2)?;
        check_nonneg("eps", self.eps)?;
        check_nonneg("weight_decay", self.weight_decay)
    }

    /// The update, reading its β1 from `beta1`.
    pub fn optimizer(&self, beta1: MomentumCell) -> AdamStep {
        AdamStep {
            beta1,
            beta2: self.beta2,
            eps: self.eps,
            weight_decay: self.weight_decay,
            decoupled: self.decoupled_weight_decay,
            decay_vectors: self.decay_vectors,
        }
    }
}

impl FamilyConfig for AdamConfig {
    fn name(&self) -> &'static str {
        if self.decoupled_weight_decay {
            "adamw"
        } else {
            "adam"
        }
    }
    fn validate(&self) -> Result<(), ParamError> {
        AdamConfig::validate(self)
    }
    fn weight_decay(&self) -> f64 {
        self.weight_decay
    }
    fn set_weight_decay(&mut self, wd: f64) {
        self.weight_decay = wd;
    }
    fn momentum_mut(&mut self) -> Option<&mut f64> {
        Some(&mut self.beta1)
    }
    fn cycled_momentum(&self) -> Option<f64> {
        Some(self.beta1)
    }
}

/// State of [`AdamStep`]: first and second moments and the step count.
#[derive(Clone)]
pub struct AdamState<const D: usize> {
    /// First moment.
    pub m: Tensor<D>,
    /// Second moment.
    pub v: Tensor<D>,
    /// Number of updates taken (PyTorch's `state["step"]`).
    pub step: u64,
}

impl<const D: usize> RecordState for AdamState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_tensor(prefix, "m", self.m.to_data());
        out.push_tensor(prefix, "v", self.v.to_data());
        out.push_scalar(prefix, "step", self.step.into());
    }
    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        Some(AdamState {
            m: take(src, prefix, "m", device)?,
            v: take(src, prefix, "v", device)?,
            step: u64::try_from(src.take_scalar(prefix, "step")?).ok()?,
        })
    }
}

/// PyTorch Adam / AdamW reading β1 from a [`MomentumCell`].
#[derive(Clone, Debug)]
pub struct AdamStep {
    /// β1 of the current step.
    pub beta1: MomentumCell,
    /// β2.
    pub beta2: f64,
    /// Denominator term.
    pub eps: f64,
    /// Weight decay.
    pub weight_decay: f64,
    /// AdamW's decoupled weight decay.
    pub decoupled: bool,
    /// Decay one-dimensional parameters too ([`AdamConfig::decay_vectors`]).
    pub decay_vectors: bool,
}

impl Optimizer for AdamStep {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(
        &self,
        lr: f64,
        mut tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let beta1 = self.beta1.get();
        let beta2 = self.beta2;
        // nanoGPT's groups: no decay for tensors of fewer than 2 dimensions.
        let weight_decay = if D < 2 && !self.decay_vectors {
            0.0
        } else {
            self.weight_decay
        };
        let grad = if self.decoupled {
            if weight_decay != 0.0 {
                tensor = tensor.mul_scalar(1.0 - lr * weight_decay);
            }
            grad
        } else {
            l2(grad, &tensor, weight_decay)
        };
        let (m, v, step) = match state {
            Some(s) => (s.m, s.v, s.step),
            None => (grad.zeros_like(), grad.zeros_like(), 0),
        };
        let step = step + 1;
        // exp_avg.lerp_(grad, 1 − β1): for a weight < 0.5, `m + w·(g − m)`.
        let w = 1.0 - beta1;
        let m = if w < 0.5 {
            m.clone().add(grad.clone().sub(m).mul_scalar(w))
        } else {
            grad.clone().sub(grad.clone().sub(m).mul_scalar(1.0 - w))
        };
        let v = v
            .mul_scalar(beta2)
            .add(grad.square().mul_scalar(1.0 - beta2));
        let bias1 = 1.0 - beta1.powi(step.min(i32::MAX as u64) as i32);
        let bias2 = 1.0 - beta2.powi(step.min(i32::MAX as u64) as i32);
        let step_size = lr / bias1;
        let denom = v
            .clone()
            .sqrt()
            .div_scalar(bias2.sqrt())
            .add_scalar(self.eps);
        let tensor = tensor.sub(m.clone().div(denom).mul_scalar(step_size));
        (tensor, Some(AdamState { m, v, step }))
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        AdamState {
            m: state.m.to_device(device),
            v: state.v.to_device(device),
            step: state.step,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::runtime::tests::*;
    use crate::OptimizerConfig;

    /// torch.optim.Adam(lr=0.01, betas=(β1, 0.999), eps=1e-8, weight_decay=0.01) with β1 = 0.9
    /// then 0.85 (reference values from PyTorch's `_single_tensor_adam` formula evaluated in f64).
    #[test]
    fn adam_matches_pytorch_formula() {
        let config = OptimizerConfig::Adam(super::AdamConfig {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
            decoupled_weight_decay: false,
            decay_vectors: true,
        });
        let p = run(config, &[(0.01, Some(0.9)), (0.01, Some(0.85))]);
        assert_close(
            &p,
            &[0.9815325973451586, -1.9815320640984255, 0.48153191560984165],
        );
    }
    /// AdamW (decoupled weight decay 0.1): `p *= 1 − lr·wd` before the Adam update.
    #[test]
    fn adamw_matches_pytorch_formula() {
        let config = OptimizerConfig::Adam(super::AdamConfig {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.1,
            decoupled_weight_decay: true,
            decay_vectors: true,
        });
        let p = run(config, &[(0.01, Some(0.9)), (0.01, Some(0.85))]);
        assert_close(
            &p,
            &[0.9795425333773782, -1.977543532454455, 0.48054203214681385],
        );
    }
}

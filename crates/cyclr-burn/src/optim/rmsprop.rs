//! PyTorch `torch.optim.RMSprop` (not centered), its momentum read per step: the configuration
//! [`RmspropConfig`] and the update [`RmspropStep`]. The update, in PyTorch's order of
//! operations, is in the [table of the module](super).

use burn::optim::{Optimizer, RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor};
use cyclr::ParamError;
use serde::{Deserialize, Serialize};

use super::common::{check_nonneg, check_unit, default_adam_eps, l2, opt_to_device, take};
use super::{FamilyConfig, MomentumCell};

fn default_alpha() -> f64 {
    0.99
}

/// `kind = "rmsprop"`: RMSProp (not centered); its momentum is what a schedule cycles. Missing
/// keys take PyTorch's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RmspropConfig {
    /// Smoothing constant of the squared-gradient average.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Term added to the denominator.
    #[serde(default = "default_adam_eps")]
    pub eps: f64,
    /// Momentum (0: none).
    #[serde(default)]
    pub momentum: f64,
    /// L2 penalty added to the gradient.
    #[serde(default)]
    pub weight_decay: f64,
}

impl Default for RmspropConfig {
    /// PyTorch's RMSprop: α 0.99, eps 1e-8, no momentum, no weight decay.
    fn default() -> Self {
        RmspropConfig {
            alpha: default_alpha(),
            eps: default_adam_eps(),
            momentum: 0.0,
            weight_decay: 0.0,
        }
    }
}

impl RmspropConfig {
    /// PyTorch's checks (α and momentum in [0, 1), eps and weight decay ≥ 0) and finiteness.
    pub fn validate(&self) -> Result<(), ParamError> {
        check_unit("alpha", self.alpha)?;
        check_nonneg("eps", self.eps)?;
        check_unit("momentum", self.momentum)?;
        check_nonneg("weight_decay", self.weight_decay)
    }

    /// The update, reading its momentum from `momentum`.
    pub fn optimizer(&self, momentum: MomentumCell) -> RmspropStep {
        RmspropStep {
            momentum,
            alpha: self.alpha,
            eps: self.eps,
            weight_decay: self.weight_decay,
        }
    }
}

impl FamilyConfig for RmspropConfig {
    fn name(&self) -> &'static str {
        "rmsprop"
    }
    fn validate(&self) -> Result<(), ParamError> {
        RmspropConfig::validate(self)
    }
    fn weight_decay(&self) -> f64 {
        self.weight_decay
    }
    fn set_weight_decay(&mut self, wd: f64) {
        self.weight_decay = wd;
    }
    fn momentum_mut(&mut self) -> Option<&mut f64> {
        Some(&mut self.momentum)
    }
    fn cycled_momentum(&self) -> Option<f64> {
        Some(self.momentum)
    }
}

/// State of [`RmspropStep`]: squared-gradient average and momentum buffer.
#[derive(Clone)]
pub struct RmspropState<const D: usize> {
    /// Running average of the squared gradient.
    pub square_avg: Tensor<D>,
    /// Momentum buffer (absent while the momentum is 0).
    pub buf: Option<Tensor<D>>,
}

impl<const D: usize> RecordState for RmspropState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_tensor(prefix, "square_avg", self.square_avg.to_data());
        if let Some(buf) = &self.buf {
            out.push_tensor(prefix, "buf", buf.to_data());
        }
    }
    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        Some(RmspropState {
            square_avg: take(src, prefix, "square_avg", device)?,
            buf: take(src, prefix, "buf", device),
        })
    }
}

/// PyTorch RMSprop (not centered) reading its momentum from a [`MomentumCell`].
#[derive(Clone, Debug)]
pub struct RmspropStep {
    /// Momentum of the current step.
    pub momentum: MomentumCell,
    /// Smoothing constant.
    pub alpha: f64,
    /// Denominator term.
    pub eps: f64,
    /// L2 penalty.
    pub weight_decay: f64,
}

impl Optimizer for RmspropStep {
    type State<const D: usize> = RmspropState<D>;

    fn step<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let m = self.momentum.get();
        let grad = l2(grad, &tensor, self.weight_decay);
        let (sq, buf) = match state {
            Some(s) => (s.square_avg, s.buf),
            None => (grad.zeros_like(), None),
        };
        let sq = sq
            .mul_scalar(self.alpha)
            .add(grad.clone().square().mul_scalar(1.0 - self.alpha));
        let avg = sq.clone().sqrt().add_scalar(self.eps);
        let ratio = grad.div(avg);
        if m > 0.0 {
            let b = match buf {
                Some(b) => b.mul_scalar(m).add(ratio),
                None => ratio,
            };
            let tensor = tensor.sub(b.clone().mul_scalar(lr));
            (
                tensor,
                Some(RmspropState {
                    square_avg: sq,
                    buf: Some(b),
                }),
            )
        } else {
            let tensor = tensor.sub(ratio.mul_scalar(lr));
            (
                tensor,
                Some(RmspropState {
                    square_avg: sq,
                    buf,
                }),
            )
        }
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        RmspropState {
            square_avg: state.square_avg.to_device(device),
            buf: opt_to_device(state.buf, device),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::runtime::tests::*;
    use crate::OptimizerConfig;

    /// torch.optim.RMSprop(alpha=0.99, eps=1e-8, momentum) with the momentum changed to 0.8 on step 2.
    #[test]
    fn rmsprop_matches_pytorch_formula() {
        let rms = OptimizerConfig::Rmsprop(super::RmspropConfig {
            alpha: 0.99,
            eps: 1e-8,
            momentum: 0.9,
            weight_decay: 0.0,
        });
        let p = run(rms, &[(0.01, Some(0.9)), (0.01, Some(0.8))]);
        assert_close(
            &p,
            &[0.7491121097502071, -1.7491119946247407, 0.24911195624956128],
        );
    }
}

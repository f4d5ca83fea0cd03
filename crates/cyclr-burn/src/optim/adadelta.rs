//! PyTorch `torch.optim.Adadelta`: the configuration [`AdadeltaConfig`] and the update
//! [`AdadeltaStep`]. The update, in PyTorch's order of operations, is in the
//! [table of the module](super).

use burn::optim::{Optimizer, RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor};
use cyclr::ParamError;
use serde::{Deserialize, Serialize};

use super::FamilyConfig;
use super::common::{check_nonneg, check_unit, l2, take};

fn default_rho() -> f64 {
    0.9
}
fn default_eps() -> f64 {
    1e-6
}

/// `kind = "adadelta"`: Adadelta (no momentum: a schedule's momentum is ignored). Missing keys
/// take PyTorch's defaults; PyTorch's default lr for it is 1.0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdadeltaConfig {
    /// Decay of the running averages.
    #[serde(default = "default_rho")]
    pub rho: f64,
    /// Term added inside the square roots.
    #[serde(default = "default_eps")]
    pub eps: f64,
    /// L2 penalty added to the gradient.
    #[serde(default)]
    pub weight_decay: f64,
}

impl Default for AdadeltaConfig {
    /// PyTorch's Adadelta: ρ 0.9, eps 1e-6, no weight decay.
    fn default() -> Self {
        AdadeltaConfig {
            rho: default_rho(),
            eps: default_eps(),
            weight_decay: 0.0,
        }
    }
}

impl AdadeltaConfig {
    /// PyTorch's checks (ρ in [0, 1), eps and weight decay ≥ 0) and finiteness.
    pub fn validate(&self) -> Result<(), ParamError> {
        check_unit("rho", self.rho)?;
        check_nonneg("eps", self.eps)?;
        check_nonneg("weight_decay", self.weight_decay)
    }

    /// The update.
    pub fn optimizer(&self) -> AdadeltaStep {
        AdadeltaStep {
            rho: self.rho,
            eps: self.eps,
            weight_decay: self.weight_decay,
        }
    }
}

impl FamilyConfig for AdadeltaConfig {
    fn name(&self) -> &'static str {
        "adadelta"
    }
    fn validate(&self) -> Result<(), ParamError> {
        AdadeltaConfig::validate(self)
    }
    fn weight_decay(&self) -> f64 {
        self.weight_decay
    }
    fn set_weight_decay(&mut self, wd: f64) {
        self.weight_decay = wd;
    }
    fn momentum_mut(&mut self) -> Option<&mut f64> {
        None
    }
}

/// State of [`AdadeltaStep`]: running averages of squared gradients and squared updates.
#[derive(Clone)]
pub struct AdadeltaState<const D: usize> {
    /// Running average of the squared gradient.
    pub square_avg: Tensor<D>,
    /// Running average of the squared update.
    pub acc_delta: Tensor<D>,
}

impl<const D: usize> RecordState for AdadeltaState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_tensor(prefix, "square_avg", self.square_avg.to_data());
        out.push_tensor(prefix, "acc_delta", self.acc_delta.to_data());
    }
    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        Some(AdadeltaState {
            square_avg: take(src, prefix, "square_avg", device)?,
            acc_delta: take(src, prefix, "acc_delta", device)?,
        })
    }
}

/// PyTorch Adadelta.
#[derive(Clone, Debug)]
pub struct AdadeltaStep {
    /// Decay of the running averages.
    pub rho: f64,
    /// Term inside the square roots.
    pub eps: f64,
    /// L2 penalty.
    pub weight_decay: f64,
}

impl Optimizer for AdadeltaStep {
    type State<const D: usize> = AdadeltaState<D>;

    fn step<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let rho = self.rho;
        let grad = l2(grad, &tensor, self.weight_decay);
        let (sq, acc) = match state {
            Some(s) => (s.square_avg, s.acc_delta),
            None => (grad.zeros_like(), grad.zeros_like()),
        };
        let sq = sq
            .mul_scalar(rho)
            .add(grad.clone().square().mul_scalar(1.0 - rho));
        let std = sq.clone().add_scalar(self.eps).sqrt();
        let delta = acc.clone().add_scalar(self.eps).sqrt().div(std).mul(grad);
        let acc = acc
            .mul_scalar(rho)
            .add(delta.clone().square().mul_scalar(1.0 - rho));
        let tensor = tensor.sub(delta.mul_scalar(lr));
        (
            tensor,
            Some(AdadeltaState {
                square_avg: sq,
                acc_delta: acc,
            }),
        )
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        AdadeltaState {
            square_avg: state.square_avg.to_device(device),
            acc_delta: state.acc_delta.to_device(device),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::runtime::tests::*;
    use crate::OptimizerConfig;

    /// torch.optim.Adadelta(rho=0.9, eps=1e-6).
    #[test]
    fn adadelta_matches_pytorch_formula() {
        let adadelta = OptimizerConfig::Adadelta(super::AdadeltaConfig {
            rho: 0.9,
            eps: 1e-6,
            weight_decay: 0.0,
        });
        let p = run(adadelta, &[(1.0, None), (1.0, None)]);
        assert_close(
            &p,
            &[0.9935965375160972, -1.9935941052750925, 0.49359365455845317],
        );
    }
}

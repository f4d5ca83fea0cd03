//! PyTorch `torch.optim.Adagrad` (`lr_decay` 0, initial accumulator 0): the configuration
//! [`AdagradConfig`] and the update [`AdagradStep`]. The update, in PyTorch's order of
//! operations, is in the [table of the module](super).

use burn::optim::{Optimizer, RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor};
use cyclr::ParamError;
use serde::{Deserialize, Serialize};

use super::FamilyConfig;
use super::common::{check_nonneg, l2, take};

fn default_eps() -> f64 {
    1e-10
}

/// `kind = "adagrad"`: Adagrad (no momentum: a schedule's momentum is ignored; `lr_decay` 0,
/// initial accumulator 0). Missing keys take PyTorch's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdagradConfig {
    /// Term added to the denominator.
    #[serde(default = "default_eps")]
    pub eps: f64,
    /// L2 penalty added to the gradient.
    #[serde(default)]
    pub weight_decay: f64,
}

impl Default for AdagradConfig {
    /// PyTorch's Adagrad: eps 1e-10, no weight decay.
    fn default() -> Self {
        AdagradConfig {
            eps: default_eps(),
            weight_decay: 0.0,
        }
    }
}

impl AdagradConfig {
    /// PyTorch's checks (eps and weight decay ≥ 0) and finiteness.
    pub fn validate(&self) -> Result<(), ParamError> {
        check_nonneg("eps", self.eps)?;
        check_nonneg("weight_decay", self.weight_decay)
    }

    /// The update.
    pub fn optimizer(&self) -> AdagradStep {
        AdagradStep {
            eps: self.eps,
            weight_decay: self.weight_decay,
        }
    }
}

impl FamilyConfig for AdagradConfig {
    fn name(&self) -> &'static str {
        "adagrad"
    }
    fn validate(&self) -> Result<(), ParamError> {
        AdagradConfig::validate(self)
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

/// State of [`AdagradStep`]: the sum of squared gradients.
#[derive(Clone)]
pub struct AdagradState<const D: usize> {
    /// Sum of squared gradients.
    pub sum: Tensor<D>,
}

impl<const D: usize> RecordState for AdagradState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_tensor(prefix, "sum", self.sum.to_data());
    }
    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        Some(AdagradState {
            sum: take(src, prefix, "sum", device)?,
        })
    }
}

/// PyTorch Adagrad (`lr_decay` 0, initial accumulator 0).
#[derive(Clone, Debug)]
pub struct AdagradStep {
    /// Denominator term.
    pub eps: f64,
    /// L2 penalty.
    pub weight_decay: f64,
}

impl Optimizer for AdagradStep {
    type State<const D: usize> = AdagradState<D>;

    fn step<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let grad = l2(grad, &tensor, self.weight_decay);
        let sum = match state {
            Some(s) => s.sum.add(grad.clone().square()),
            None => grad.clone().square(),
        };
        let std = sum.clone().sqrt().add_scalar(self.eps);
        let tensor = tensor.sub(grad.div(std).mul_scalar(lr));
        (tensor, Some(AdagradState { sum }))
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        AdagradState {
            sum: state.sum.to_device(device),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::runtime::tests::*;
    use crate::OptimizerConfig;

    /// torch.optim.Adagrad(eps=1e-10, weight_decay=0.01); a schedule momentum is ignored.
    #[test]
    fn adagrad_matches_pytorch_formula() {
        let adagrad = OptimizerConfig::Adagrad(super::AdagradConfig {
            eps: 1e-10,
            weight_decay: 0.01,
        });
        let p = run(adagrad, &[(0.1, None), (0.1, Some(0.5))]);
        assert_close(
            &p,
            &[0.8296129356171439, -1.82945057714406, 0.3294055265896292],
        );
    }
}

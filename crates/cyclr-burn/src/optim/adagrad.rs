//! PyTorch `torch.optim.Adagrad` (`lr_decay` 0, initial accumulator 0). The update, in PyTorch's order of operations, is in the
//! [table of the module](super).

use burn::optim::{Optimizer, RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor};

use super::{l2, take};

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
    use super::super::tests::*;
    use crate::OptimizerConfig;

    /// torch.optim.Adagrad(eps=1e-10, weight_decay=0.01); a schedule momentum is ignored.
    #[test]
    fn adagrad_matches_pytorch_formula() {
        let adagrad = OptimizerConfig::Adagrad {
            eps: 1e-10,
            weight_decay: 0.01,
        };
        let p = run(adagrad, &[(0.1, None), (0.1, Some(0.5))]);
        assert_close(
            &p,
            &[0.8296129356171439, -1.82945057714406, 0.3294055265896292],
        );
    }
}

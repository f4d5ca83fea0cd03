//! PyTorch `torch.optim.Adam` / `AdamW`, β1 read per step. The update, in PyTorch's order of operations, is in the
//! [table of the module](super).

use burn::optim::{Optimizer, RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor};

use super::{MomentumCell, l2, take};

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
        let grad = if self.decoupled {
            if self.weight_decay != 0.0 {
                tensor = tensor.mul_scalar(1.0 - lr * self.weight_decay);
            }
            grad
        } else {
            l2(grad, &tensor, self.weight_decay)
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
    use super::super::tests::*;
    use crate::OptimizerConfig;

    /// torch.optim.Adam(lr=0.01, betas=(β1, 0.999), eps=1e-8, weight_decay=0.01) with β1 = 0.9
    /// then 0.85 (reference values from PyTorch's `_single_tensor_adam` formula evaluated in f64).
    #[test]
    fn adam_matches_pytorch_formula() {
        let config = OptimizerConfig::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
            decoupled_weight_decay: false,
        };
        let p = run(config, &[(0.01, Some(0.9)), (0.01, Some(0.85))]);
        assert_close(
            &p,
            &[0.9815325973451586, -1.9815320640984255, 0.48153191560984165],
        );
    }
    /// AdamW (decoupled weight decay 0.1): `p *= 1 − lr·wd` before the Adam update.
    #[test]
    fn adamw_matches_pytorch_formula() {
        let config = OptimizerConfig::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.1,
            decoupled_weight_decay: true,
        };
        let p = run(config, &[(0.01, Some(0.9)), (0.01, Some(0.85))]);
        assert_close(
            &p,
            &[0.9795425333773782, -1.977543532454455, 0.48054203214681385],
        );
    }
}

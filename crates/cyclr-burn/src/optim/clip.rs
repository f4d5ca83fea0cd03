//! Gradient clipping by the **global** norm, as PyTorch's `torch.nn.utils.clip_grad_norm_`
//! (which nanoGPT's `train.py` calls with `grad_clip = 1.0`), in its order of operations:
//!
//! 1. `norms = [‖g‖₂ for every parameter's gradient g]`, `total = ‖norms‖₂` (over all
//!    parameters together);
//! 2. `clip_coef = max_norm / (total + 1e-6)`, `clip_coef_clamped = min(clip_coef, 1)`;
//! 3. every gradient `g *= clip_coef_clamped` (PyTorch multiplies even when the factor is 1).
//!
//! burn's `GradientClipping::Norm` clips each parameter's gradient by its own norm, which is not
//! the same: a model with many parameters would be clipped far less. The squared norms are summed
//! in `f64` here (PyTorch sums the `f32` norms in `f32`), which changes the factor by rounding
//! only.
use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

/// PyTorch's `1e-6` added to the total norm before dividing.
pub const CLIP_EPS: f64 = 1e-6;

struct SumSquares<'a> {
    grads: &'a GradientsParams,
    sum: f64,
}

impl ModuleVisitor for SumSquares<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.get::<D>(param.id) {
            let n = f64::from(g.square().sum().into_scalar::<f32>());
            self.sum += n;
        }
    }
}

struct Scale<'a> {
    grads: &'a mut GradientsParams,
    factor: f64,
}

impl ModuleVisitor for Scale<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(g) = self.grads.remove::<D>(param.id) {
            self.grads
                .register::<D>(param.id, g.mul_scalar(self.factor));
        }
    }
}

/// The global norm of `module`'s gradients in `grads` (parameters without a gradient count
/// zero).
pub fn global_grad_norm<M: Module>(module: &M, grads: &GradientsParams) -> f64 {
    let mut v = SumSquares { grads, sum: 0.0 };
    module.visit(&mut v);
    v.sum.sqrt()
}

/// Clip `grads` to a global norm of at most `max_norm` (see the [module documentation](self));
/// returns the norm before clipping, as `clip_grad_norm_` does.
pub fn clip_grad_norm<M: Module>(module: &M, grads: &mut GradientsParams, max_norm: f64) -> f64 {
    let total = global_grad_norm(module, grads);
    let coef = (max_norm / (total + CLIP_EPS)).min(1.0);
    let mut s = Scale {
        grads,
        factor: coef,
    };
    module.visit(&mut s);
    total
}

//! What the optimizer files share: the hyper-parameter checks, the serde defaults that more than
//! one family uses, the L2 weight decay of the PyTorch updates, and the helpers that read a
//! per-parameter state back from burn's record.

use burn::optim::StateSource;
use burn::tensor::{Device, Tensor};
use cyclr::ParamError;

use super::group::add_scaled;

// ---------------------------------------------------------------------------------------------
// Checks (PyTorch's and the packages', plus finiteness).
// ---------------------------------------------------------------------------------------------

/// `v` in [0, 1) (momenta, β, ρ, α).
pub(crate) fn check_unit(param: &str, v: f64) -> Result<(), ParamError> {
    if v.is_finite() && (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err(ParamError::new(param, v, "must be in [0, 1)"))
    }
}

/// `v` finite and ≥ 0 (eps, weight decay).
pub(crate) fn check_nonneg(param: &str, v: f64) -> Result<(), ParamError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(ParamError::new(param, v, "must be finite and >= 0"))
    }
}

/// `v` finite and > 0.
pub(crate) fn check_positive(param: &str, v: f64) -> Result<(), ParamError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(ParamError::new(param, v, "must be finite and > 0"))
    }
}

/// Both of a `betas` pair in [0, 1).
pub(crate) fn check_betas(betas: [f64; 2]) -> Result<(), ParamError> {
    check_unit("betas[0]", betas[0])?;
    check_unit("betas[1]", betas[1])
}

/// A `growth_rate` of `d`: > 0, ∞ allowed.
pub(crate) fn check_growth(v: f64) -> Result<(), ParamError> {
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

// ---------------------------------------------------------------------------------------------
// Serde defaults shared by several families (each family's own are in its file).
// ---------------------------------------------------------------------------------------------

/// SGD's momentum (0.9 here, 0 in PyTorch: the cyclical-LR recipes all use momentum), and
/// schedule-free SGD's.
pub(crate) fn default_sgd_momentum() -> f64 {
    0.9
}
/// PyTorch's Adam / RMSProp eps, and the learning-rate-free packages'.
pub(crate) fn default_adam_eps() -> f64 {
    1e-8
}
/// The learning-rate-free packages' `(β1, β2)`.
pub(crate) fn default_betas() -> [f64; 2] {
    [0.9, 0.999]
}
/// Prodigy's and D-Adaptation's initial `d`.
pub(crate) fn default_d0() -> f64 {
    1e-6
}
pub(crate) fn one() -> f64 {
    1.0
}
pub(crate) fn two() -> f64 {
    2.0
}
pub(crate) fn yes() -> bool {
    true
}
pub(crate) fn is_true(b: &bool) -> bool {
    *b
}
pub(crate) fn infinity() -> f64 {
    f64::INFINITY
}

// ---------------------------------------------------------------------------------------------
// Shared by the per-parameter (PyTorch) updates.
// ---------------------------------------------------------------------------------------------

/// `g + wd·p` when `wd ≠ 0`: PyTorch's (coupled) L2 weight decay.
pub(crate) fn l2<const D: usize>(grad: Tensor<D>, param: &Tensor<D>, wd: f64) -> Tensor<D> {
    if wd != 0.0 {
        grad.add(param.clone().mul_scalar(wd))
    } else {
        grad
    }
}

// ---------------------------------------------------------------------------------------------
// Shared by the learning-rate-free updates (the packages' f32 `add_`: [`add_scaled`]).
// ---------------------------------------------------------------------------------------------

/// `grad.add_(p, alpha=wd)` when `wd ≠ 0`: the packages' L2 weight decay on the gradient.
pub(crate) fn l2_add<const D: usize>(grad: Tensor<D>, p: &Tensor<D>, wd: f64) -> Tensor<D> {
    if wd != 0.0 {
        add_scaled(grad, p.clone(), wd)
    } else {
        grad
    }
}

/// `p.add_(p, alpha=−wd·dlr)` when `wd ≠ 0`: Prodigy's and D-Adapt Adam's decoupled
/// (AdamW-style) weight decay with the step's `dlr`.
pub(crate) fn decoupled_decay<const D: usize>(p: Tensor<D>, wd: f64, dlr: f64) -> Tensor<D> {
    if wd != 0.0 {
        add_scaled(p.clone(), p, -wd * dlr)
    } else {
        p
    }
}

// ---------------------------------------------------------------------------------------------
// Reading a per-parameter state back.
// ---------------------------------------------------------------------------------------------

/// A tensor of a per-parameter state read back from burn's record.
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

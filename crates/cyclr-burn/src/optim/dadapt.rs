//! D-Adaptation (Defazio & Mishchenko 2023, arXiv 2301.07733): Adam and SGD whose step size `d`
//! is a lower bound on the distance to the solution, estimated as they go, exactly as
//! `dadaptation.DAdaptAdam` / `dadaptation.DAdaptSGD` 3.2 compute it (one parameter group,
//! `layer_scale` 1, no FSDP).
//!
//! **DAdaptAdam**, each step in the package's order (`k` from 0, `lr` a multiplier of `d`):
//!
//! ```text
//! bias_correction = √(1 − β2^(k+1)) / (1 − β1^(k+1)) if use_bias_correction else 1
//! dlr = d·lr·bias_correction;   √β2 = beta2^0.5;   numerator_acum = 0;   sk_l1 = 0
//! for each parameter p with gradient g:
//!     if weight_decay ≠ 0 and not decouple: g += weight_decay·p
//!     first step: s = exp_avg = exp_avg_sq = 0
//!     if lr > 0:
//!         numerator_acum += dlr · ⟨g, s / (√exp_avg_sq + eps)⟩        (the old exp_avg_sq)
//!         exp_avg    = exp_avg·β1 + dlr·(1−β1)·g
//!         exp_avg_sq = exp_avg_sq·β2 + (1−β2)·g·g
//!         s          = s·√β2 + dlr·(1−√β2)·g
//!         sk_l1     += Σ|s|
//! numerator_weighted = √β2·numerator_weighted + (1−√β2)·numerator_acum
//! if sk_l1 = 0: stop here (numerator_weighted, d and k unchanged)
//! if lr > 0: d_hat = numerator_weighted / ((1−√β2)·sk_l1);   d = max(d, min(d_hat, d·growth_rate))
//! for each parameter p:
//!     denom = √exp_avg_sq + eps
//!     if weight_decay ≠ 0 and decouple: p += −weight_decay·dlr · p
//!     p += −exp_avg / denom
//! k += 1
//! ```
//!
//! **DAdaptSGD** (dual averaging with momentum):
//!
//! ```text
//! ck = 1 − momentum
//! k = 0 only: g0_norm = √(Σ over parameters of Σ g²)                 (before weight decay)
//! dlr = d·lr / g0_norm;   sk_sq = 0
//! for each parameter p with gradient g:
//!     first step: z = clone(p), s = 0, x0 = clone(p)
//!     if weight_decay ≠ 0: g += weight_decay·p
//!     if lr > 0:
//!         numerator_weighted += dlr · ⟨g, s⟩
//!         s += dlr·g
//!         sk_sq += Σ s²
//! if lr > 0: d_hat = 2·numerator_weighted / √sk_sq;   d = max(d, min(d_hat, d·growth_rate))
//! if sk_sq = 0: stop here
//! for each parameter p:   z = x0 − s;   p = p·(1 − ck) + ck·z
//! k += 1
//! ```
//!
//! Where the package divides by zero (all gradients zero at the first step: `g0_norm = 0`, or
//! `sk_sq = 0`) and Python raises `ZeroDivisionError`, the step here changes nothing.

use std::collections::HashMap;

use burn::tensor::Tensor;
use cyclr::ParamError;
use serde::{Deserialize, Serialize};

use super::FamilyConfig;
use super::common::{
    check_betas, check_growth, check_nonneg, check_positive, check_unit, decoupled_decay, l2_add,
};
use super::group::{
    FlatState, GroupOptimizer, Slot, abs_sum, add_scaled, addcdiv, addcmul, dot, sq_sum,
};

/// `DAdaptAdam`'s hyper-parameters under the package's names and defaults (serde: unknown keys
/// rejected, missing ones defaulted).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DAdaptAdam {
    /// `(β1, β2)`.
    #[serde(default = "super::common::default_betas")]
    pub betas: [f64; 2],
    /// Denominator term.
    #[serde(default = "super::common::default_adam_eps")]
    pub eps: f64,
    /// Weight decay.
    #[serde(default)]
    pub weight_decay: f64,
    /// AdamW-style decoupled weight decay.
    #[serde(default)]
    pub decouple: bool,
    /// Adam's bias correction in the step size.
    #[serde(default)]
    pub use_bias_correction: bool,
    /// Initial estimate of `d`.
    #[serde(default = "super::common::default_d0")]
    pub d0: f64,
    /// Largest factor `d` may grow by per step (∞: unrestricted; `"inf"` in JSON).
    #[serde(default = "super::common::infinity", with = "cyclr::serde_float")]
    pub growth_rate: f64,
}

/// `DAdaptSGD`'s hyper-parameters under the package's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DAdaptSgd {
    /// Momentum in [0, 1) (the package's default: 0).
    #[serde(default)]
    pub momentum: f64,
    /// L2 weight decay.
    #[serde(default)]
    pub weight_decay: f64,
    /// Initial estimate of `d`.
    #[serde(default = "super::common::default_d0")]
    pub d0: f64,
    /// Largest factor `d` may grow by per step (∞: unrestricted; `"inf"` in JSON).
    #[serde(default = "super::common::infinity", with = "cyclr::serde_float")]
    pub growth_rate: f64,
}

impl Default for DAdaptAdam {
    fn default() -> Self {
        serde_json::from_str("{}").expect("every field has a default")
    }
}

impl Default for DAdaptSgd {
    fn default() -> Self {
        serde_json::from_str("{}").expect("every field has a default")
    }
}

impl DAdaptAdam {
    /// The package's checks (`d0 > 0`, `eps > 0`, betas in [0, 1)) and finiteness.
    pub fn validate(&self) -> Result<(), ParamError> {
        check_positive("d0", self.d0)?;
        check_positive("eps", self.eps)?;
        check_betas(self.betas)?;
        check_nonneg("weight_decay", self.weight_decay)?;
        check_growth(self.growth_rate)
    }
}

impl DAdaptSgd {
    /// The package's check (`d0 > 0`), momentum in [0, 1) and finiteness.
    pub fn validate(&self) -> Result<(), ParamError> {
        check_positive("d0", self.d0)?;
        check_unit("momentum", self.momentum)?;
        check_nonneg("weight_decay", self.weight_decay)?;
        check_growth(self.growth_rate)
    }
}

impl FamilyConfig for DAdaptAdam {
    fn name(&self) -> &'static str {
        "dadapt-adam"
    }
    fn validate(&self) -> Result<(), ParamError> {
        DAdaptAdam::validate(self)
    }
    fn weight_decay(&self) -> f64 {
        self.weight_decay
    }
    fn set_weight_decay(&mut self, wd: f64) {
        self.weight_decay = wd;
    }
    /// β1 (not cycled by a schedule).
    fn momentum_mut(&mut self) -> Option<&mut f64> {
        Some(&mut self.betas[0])
    }
    fn default_lr(&self) -> Option<f64> {
        Some(1.0)
    }
    fn estimates_d(&self) -> bool {
        true
    }
}

impl FamilyConfig for DAdaptSgd {
    fn name(&self) -> &'static str {
        "dadapt-sgd"
    }
    fn validate(&self) -> Result<(), ParamError> {
        DAdaptSgd::validate(self)
    }
    fn weight_decay(&self) -> f64 {
        self.weight_decay
    }
    fn set_weight_decay(&mut self, wd: f64) {
        self.weight_decay = wd;
    }
    /// The momentum (not cycled by a schedule).
    fn momentum_mut(&mut self) -> Option<&mut f64> {
        Some(&mut self.momentum)
    }
    fn default_lr(&self) -> Option<f64> {
        Some(1.0)
    }
    fn estimates_d(&self) -> bool {
        true
    }
}

/// The group scalars of both (the packages' `param_groups[0]` entries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DAdaptGroup {
    /// Steps taken.
    pub k: u64,
    /// The step-size estimate.
    pub d: f64,
    /// The weighted numerator of the estimate.
    pub numerator_weighted: f64,
    /// SGD: the norm of the first gradient (0 before the first step).
    pub g0_norm: f64,
}

fn new_group(d0: f64) -> DAdaptGroup {
    DAdaptGroup {
        k: 0,
        d: d0,
        numerator_weighted: 0.0,
        g0_norm: 0.0,
    }
}

/// The state of one parameter of [`DAdaptAdam`].
#[derive(Clone)]
pub struct DAdaptAdamState {
    /// The weighted gradient sum `s`.
    pub s: Tensor<1>,
    /// First moment (scaled by `dlr`).
    pub exp_avg: Tensor<1>,
    /// Second moment.
    pub exp_avg_sq: Tensor<1>,
}

impl FlatState for DAdaptAdamState {
    fn tensors(&self) -> Vec<(&'static str, &Tensor<1>)> {
        vec![
            ("s", &self.s),
            ("exp_avg", &self.exp_avg),
            ("exp_avg_sq", &self.exp_avg_sq),
        ]
    }
    fn from_tensors(t: &mut HashMap<String, Tensor<1>>) -> Option<Self> {
        Some(DAdaptAdamState {
            s: t.remove("s")?,
            exp_avg: t.remove("exp_avg")?,
            exp_avg_sq: t.remove("exp_avg_sq")?,
        })
    }
}

/// The state of one parameter of [`DAdaptSgd`].
#[derive(Clone)]
pub struct DAdaptSgdState {
    /// The dual-averaging iterate `z`.
    pub z: Tensor<1>,
    /// The weighted gradient sum `s`.
    pub s: Tensor<1>,
    /// The initial parameter `x0`.
    pub x0: Tensor<1>,
}

impl FlatState for DAdaptSgdState {
    fn tensors(&self) -> Vec<(&'static str, &Tensor<1>)> {
        vec![("z", &self.z), ("s", &self.s), ("x0", &self.x0)]
    }
    fn from_tensors(t: &mut HashMap<String, Tensor<1>>) -> Option<Self> {
        Some(DAdaptSgdState {
            z: t.remove("z")?,
            s: t.remove("s")?,
            x0: t.remove("x0")?,
        })
    }
}

impl GroupOptimizer for DAdaptAdam {
    type State = DAdaptAdamState;
    type Group = DAdaptGroup;
    fn kind(&self) -> &'static str {
        "dadapt-adam"
    }

    fn new_group(&self) -> DAdaptGroup {
        new_group(self.d0)
    }

    fn step(&self, lr: f64, group: &mut DAdaptGroup, params: &mut [Slot<DAdaptAdamState>]) {
        let [beta1, beta2] = self.betas;
        let k = group.k;
        let mut d = group.d;
        let bias_correction = if self.use_bias_correction {
            (1.0 - beta2.powf((k + 1) as f64)).powf(0.5) / (1.0 - beta1.powf((k + 1) as f64))
        } else {
            1.0
        };
        let dlr = d * lr * bias_correction;
        let sqrt_beta2 = beta2.powf(0.5);
        let mut numerator_acum = 0.0;
        let mut sk_l1 = 0.0;
        let mut states = Vec::with_capacity(params.len());
        for slot in params.iter_mut() {
            let p = &slot.param;
            let mut grad = slot.grad.clone();
            if !self.decouple {
                grad = l2_add(grad, p, self.weight_decay);
            }
            let mut st = slot.state.take().unwrap_or_else(|| DAdaptAdamState {
                s: p.zeros_like(),
                exp_avg: p.zeros_like(),
                exp_avg_sq: p.zeros_like(),
            });
            if lr > 0.0 {
                let denom = st.exp_avg_sq.clone().sqrt().add_scalar(self.eps);
                numerator_acum += dlr * dot(&grad, &st.s.clone().div(denom));
                st.exp_avg = add_scaled(
                    st.exp_avg.mul_scalar(beta1),
                    grad.clone(),
                    dlr * (1.0 - beta1),
                );
                st.exp_avg_sq = addcmul(
                    st.exp_avg_sq.mul_scalar(beta2),
                    grad.clone(),
                    grad.clone(),
                    1.0 - beta2,
                );
                st.s = add_scaled(
                    st.s.mul_scalar(sqrt_beta2),
                    grad.clone(),
                    dlr * (1.0 - sqrt_beta2),
                );
                sk_l1 += abs_sum(&st.s);
            }
            states.push(st);
        }
        let numerator_weighted =
            sqrt_beta2 * group.numerator_weighted + (1.0 - sqrt_beta2) * numerator_acum;
        if sk_l1 == 0.0 {
            for (slot, st) in params.iter_mut().zip(states) {
                slot.state = Some(st);
            }
            return;
        }
        if lr > 0.0 {
            let d_hat = numerator_weighted / ((1.0 - sqrt_beta2) * sk_l1);
            d = d.max(d_hat.min(d * self.growth_rate));
        }
        group.numerator_weighted = numerator_weighted;
        group.d = d;
        for (slot, st) in params.iter_mut().zip(states) {
            let denom = st.exp_avg_sq.clone().sqrt().add_scalar(self.eps);
            let mut p = slot.param.clone();
            if self.decouple {
                p = decoupled_decay(p, self.weight_decay, dlr);
            }
            slot.param = addcdiv(p, st.exp_avg.clone(), denom, -1.0);
            slot.state = Some(st);
        }
        group.k = k + 1;
    }
}

impl GroupOptimizer for DAdaptSgd {
    type State = DAdaptSgdState;
    type Group = DAdaptGroup;
    fn kind(&self) -> &'static str {
        "dadapt-sgd"
    }

    fn new_group(&self) -> DAdaptGroup {
        new_group(self.d0)
    }

    fn step(&self, lr: f64, group: &mut DAdaptGroup, params: &mut [Slot<DAdaptSgdState>]) {
        let ck = 1.0 - self.momentum;
        let k = group.k;
        let mut d = group.d;
        let mut numerator_weighted = group.numerator_weighted;
        let g0_norm = if k == 0 {
            let g_sq: f64 = if lr > 0.0 {
                params.iter().map(|s| sq_sum(&s.grad)).sum()
            } else {
                0.0
            };
            g_sq.sqrt()
        } else {
            group.g0_norm
        };
        if g0_norm == 0.0 {
            return;
        }
        let dlr = d * lr / g0_norm;
        let mut sk_sq = 0.0;
        let mut states = Vec::with_capacity(params.len());
        for slot in params.iter_mut() {
            let p = &slot.param;
            let mut st = slot.state.take().unwrap_or_else(|| DAdaptSgdState {
                z: p.clone(),
                s: p.zeros_like(),
                x0: p.clone(),
            });
            let mut grad = slot.grad.clone();
            grad = l2_add(grad, p, self.weight_decay);
            if lr > 0.0 {
                numerator_weighted += dlr * dot(&grad, &st.s);
                st.s = add_scaled(st.s, grad, dlr);
                sk_sq += sq_sum(&st.s);
            }
            states.push(st);
        }
        if sk_sq == 0.0 {
            for (slot, st) in params.iter_mut().zip(states) {
                slot.state = Some(st);
            }
            return;
        }
        if lr > 0.0 {
            let d_hat = 2.0 * numerator_weighted / sk_sq.sqrt();
            d = d.max(d_hat.min(d * self.growth_rate));
        }
        group.numerator_weighted = numerator_weighted;
        group.d = d;
        group.g0_norm = g0_norm;
        for (slot, mut st) in params.iter_mut().zip(states) {
            st.z = st.x0.clone().sub(st.s.clone());
            slot.param = add_scaled(slot.param.clone().mul_scalar(1.0 - ck), st.z.clone(), ck);
            slot.state = Some(st);
        }
        group.k = k + 1;
    }
}

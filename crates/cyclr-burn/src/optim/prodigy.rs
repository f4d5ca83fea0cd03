//! Prodigy (Mishchenko & Defazio 2023, arXiv 2306.06101): Adam whose step size `d` is estimated
//! as it goes, exactly as `prodigyopt.Prodigy` 1.1.2 computes it (`slice_p = 1`, one parameter
//! group, no FSDP).
//!
//! Each step, in the package's order (`k` counts steps from 0; `lr` is this step's learning rate,
//! a multiplier of `d`, 1 by default; scalars are Python floats, tensors f32):
//!
//! ```text
//! β3 = beta3, or √β2 when unset
//! bias_correction = √(1 − β2^(k+1)) / (1 − β1^(k+1)) if use_bias_correction else 1
//! dlr = d·lr·bias_correction
//! d_numerator ·= β3;   delta_numerator = 0;   d_denom = 0
//! for each parameter p with gradient g:                               (first pass)
//!     if weight_decay ≠ 0 and not decouple: g += weight_decay·p
//!     first step: s = 0, p0 = clone(p), exp_avg = 0 (if β1 > 0), exp_avg_sq = 0
//!     if lr > 0:
//!         delta_numerator += (d/d0)·dlr · ⟨g, p0 − p⟩
//!         exp_avg    = exp_avg·β1 + d·(1−β1)·g                        (if β1 > 0)
//!         exp_avg_sq = exp_avg_sq·β2 + d·d·(1−β2)·g·g
//!         s          = s·β3 + (d/d0)·d·g if safeguard_warmup else s·β3 + (d/d0)·dlr·g
//!         d_denom   += Σ|s|
//! if d_denom = 0: stop here (nothing else changes, k stays)
//! if lr > 0:
//!     d_numerator += delta_numerator
//!     d_hat = d_coef · d_numerator / d_denom
//!     if d = d0: d = max(d, d_hat)
//!     d_max = max(d_max, d_hat);   d = min(d_max, d·growth_rate)
//! for each parameter p:                                                (second pass, new d)
//!     denom = √exp_avg_sq + d·eps
//!     if weight_decay ≠ 0 and decouple: p += −weight_decay·dlr · p
//!     p += −dlr · exp_avg / denom            (β1 = 0: p += −dlr·d · g / denom)
//! k += 1
//! ```
//!
//! Note the two d's of a step: `dlr` (the step taken) uses the estimate from before the step,
//! `denom`'s `d·eps` the new one — as in the package. `⟨·,·⟩` and `Σ|·|` are f32 sums read out as
//! Python floats (`.item()`), so they are summed in f32 here too.

use std::collections::HashMap;

use burn::tensor::Tensor;
use cyclr::ParamError;
use serde::{Deserialize, Serialize};

use super::FamilyConfig;
use super::common::{
    check_betas, check_growth, check_nonneg, check_positive, check_unit, decoupled_decay, l2_add,
};
use super::group::{FlatState, GroupOptimizer, Slot, abs_sum, add_scaled, addcdiv, addcmul, dot};

/// Prodigy's hyper-parameters under the package's names and defaults (the learning rate, a
/// multiplier of `d`, comes per step; serde: unknown keys rejected, missing ones defaulted).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prodigy {
    /// `(β1, β2)`: the moments' averaging coefficients.
    #[serde(default = "super::common::default_betas")]
    pub betas: [f64; 2],
    /// The `d` estimate's averaging coefficient (`None`: `√β2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta3: Option<f64>,
    /// Denominator term (scaled by `d`).
    #[serde(default = "super::common::default_adam_eps")]
    pub eps: f64,
    /// Weight decay.
    #[serde(default)]
    pub weight_decay: f64,
    /// AdamW-style decoupled weight decay.
    #[serde(default = "super::common::yes")]
    pub decouple: bool,
    /// Adam's bias correction in the step size.
    #[serde(default)]
    pub use_bias_correction: bool,
    /// Leave `lr` out of the `d` estimate's denominator (for warm-up schedules).
    #[serde(default)]
    pub safeguard_warmup: bool,
    /// Initial estimate of `d`.
    #[serde(default = "super::common::default_d0")]
    pub d0: f64,
    /// Coefficient of the estimate (the package's preferred knob: 0.5 or 2 also work).
    #[serde(default = "super::common::one")]
    pub d_coef: f64,
    /// Largest factor `d` may grow by per step (∞: unrestricted; written `"inf"` in JSON).
    #[serde(default = "super::common::infinity", with = "cyclr::serde_float")]
    pub growth_rate: f64,
}

impl Default for Prodigy {
    fn default() -> Self {
        serde_json::from_str("{}").expect("every field has a default")
    }
}

impl Prodigy {
    /// The package's checks (`d0 > 0`, `eps > 0`, betas in [0, 1)) and finiteness.
    pub fn validate(&self) -> Result<(), ParamError> {
        check_positive("d0", self.d0)?;
        check_positive("eps", self.eps)?;
        check_betas(self.betas)?;
        if let Some(b3) = self.beta3 {
            check_unit("beta3", b3)?;
        }
        check_nonneg("weight_decay", self.weight_decay)?;
        check_positive("d_coef", self.d_coef)?;
        check_growth(self.growth_rate)
    }
}

impl FamilyConfig for Prodigy {
    fn name(&self) -> &'static str {
        "prodigy"
    }
    fn validate(&self) -> Result<(), ParamError> {
        Prodigy::validate(self)
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

/// The group scalars (the package's `param_groups[0]` entries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProdigyGroup {
    /// Steps taken.
    pub k: u64,
    /// The step-size estimate.
    pub d: f64,
    /// Largest estimate so far.
    pub d_max: f64,
    /// Running numerator of the estimate.
    pub d_numerator: f64,
}

/// The state of one parameter.
#[derive(Clone)]
pub struct ProdigyState {
    /// The weighted gradient sum `s`.
    pub s: Tensor<1>,
    /// The initial parameter `p0`.
    pub p0: Tensor<1>,
    /// First moment (absent when `β1 = 0`).
    pub exp_avg: Option<Tensor<1>>,
    /// Second moment.
    pub exp_avg_sq: Tensor<1>,
}

impl FlatState for ProdigyState {
    fn tensors(&self) -> Vec<(&'static str, &Tensor<1>)> {
        let mut v = vec![("s", &self.s), ("p0", &self.p0)];
        if let Some(m) = &self.exp_avg {
            v.push(("exp_avg", m));
        }
        v.push(("exp_avg_sq", &self.exp_avg_sq));
        v
    }
    fn from_tensors(t: &mut HashMap<String, Tensor<1>>) -> Option<Self> {
        Some(ProdigyState {
            s: t.remove("s")?,
            p0: t.remove("p0")?,
            exp_avg: t.remove("exp_avg"),
            exp_avg_sq: t.remove("exp_avg_sq")?,
        })
    }
}

impl GroupOptimizer for Prodigy {
    type State = ProdigyState;
    type Group = ProdigyGroup;
    fn kind(&self) -> &'static str {
        "prodigy"
    }

    fn new_group(&self) -> ProdigyGroup {
        ProdigyGroup {
            k: 0,
            d: self.d0,
            d_max: self.d0,
            d_numerator: 0.0,
        }
    }

    fn step(&self, lr: f64, group: &mut ProdigyGroup, params: &mut [Slot<ProdigyState>]) {
        let [beta1, beta2] = self.betas;
        let beta3 = self.beta3.unwrap_or_else(|| beta2.sqrt());
        let k = group.k;
        let mut d = group.d;
        let mut d_max = group.d_max;
        let bias_correction = if self.use_bias_correction {
            (1.0 - beta2.powf((k + 1) as f64)).powf(0.5) / (1.0 - beta1.powf((k + 1) as f64))
        } else {
            1.0
        };
        let dlr = d * lr * bias_correction;
        let d_numerator = group.d_numerator * beta3;
        let mut delta_numerator = 0.0;
        let mut d_denom = 0.0;
        let d0 = self.d0;

        let mut grads = Vec::with_capacity(params.len());
        let mut states = Vec::with_capacity(params.len());
        for slot in params.iter_mut() {
            let p = &slot.param;
            let mut grad = slot.grad.clone();
            if !self.decouple {
                grad = l2_add(grad, p, self.weight_decay);
            }
            let mut st = slot.state.take().unwrap_or_else(|| ProdigyState {
                s: p.zeros_like(),
                p0: p.clone(),
                exp_avg: (beta1 > 0.0).then(|| p.zeros_like()),
                exp_avg_sq: p.zeros_like(),
            });
            if lr > 0.0 {
                delta_numerator += (d / d0) * dlr * dot(&grad, &st.p0.clone().sub(p.clone()));
                if let Some(m) = st.exp_avg.take() {
                    st.exp_avg = Some(add_scaled(
                        m.mul_scalar(beta1),
                        grad.clone(),
                        d * (1.0 - beta1),
                    ));
                }
                st.exp_avg_sq = addcmul(
                    st.exp_avg_sq.mul_scalar(beta2),
                    grad.clone(),
                    grad.clone(),
                    d * d * (1.0 - beta2),
                );
                let alpha = if self.safeguard_warmup {
                    (d / d0) * d
                } else {
                    (d / d0) * dlr
                };
                st.s = add_scaled(st.s.mul_scalar(beta3), grad.clone(), alpha);
                d_denom += abs_sum(&st.s);
            }
            grads.push(grad);
            states.push(st);
        }
        // Without progress the package returns here: the moments are updated, nothing else.
        if d_denom == 0.0 {
            for (slot, st) in params.iter_mut().zip(states) {
                slot.state = Some(st);
            }
            return;
        }
        let mut global_d_numerator = d_numerator;
        if lr > 0.0 {
            global_d_numerator = d_numerator + delta_numerator;
            let d_hat = self.d_coef * global_d_numerator / d_denom;
            if d == d0 {
                d = d.max(d_hat);
            }
            d_max = d_max.max(d_hat);
            d = d_max.min(d * self.growth_rate);
        }
        group.d_numerator = global_d_numerator;
        group.d = d;
        group.d_max = d_max;

        for ((slot, st), grad) in params.iter_mut().zip(states).zip(grads) {
            let denom = st.exp_avg_sq.clone().sqrt().add_scalar(d * self.eps);
            let mut p = slot.param.clone();
            if self.decouple {
                p = decoupled_decay(p, self.weight_decay, dlr);
            }
            p = match &st.exp_avg {
                Some(m) => addcdiv(p, m.clone(), denom, -dlr),
                None => addcdiv(p, grad, denom, -dlr * d),
            };
            slot.param = p;
            slot.state = Some(st);
        }
        group.k = k + 1;
    }
}

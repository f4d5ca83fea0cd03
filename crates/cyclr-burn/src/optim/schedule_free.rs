//! Schedule-Free SGD and AdamW (Defazio et al. 2024, arXiv 2405.15682), exactly as
//! `schedulefree.SGDScheduleFree` / `schedulefree.AdamWScheduleFree` 1.4.1 compute them
//! (their single-tensor code paths, `foreach=False`).
//!
//! Three sequences: `z` (the base SGD/Adam iterate), `x` (a weighted average of the `z`s — the
//! point to evaluate) and `y = (1 − β)·z + β·x` (the point the gradient is taken at). The model
//! holds `y` in training mode and `x` in evaluation mode; the optimizer stores `z`. Each step, in
//! the package's order (`k` counts steps from 0, `lr` is this step's learning rate, `β` is
//! `momentum` for SGD and `betas[0]` for AdamW):
//!
//! ```text
//! sched     = (k+1)/warmup_steps if k < warmup_steps else 1;   lr = lr·sched   (scheduled_lr)
//! lr_max    = max(lr, lr_max)                                   (lr_max starts at −1)
//! weight    = (k+1)^r · lr_max^weight_lr_power;   weight_sum += weight
//! ckp1      = weight / weight_sum                               (0 if weight_sum = 0)
//! AdamW only: bias_correction2 = 1 − β2^(k+1)
//! for each parameter y with gradient g:
//!     z = clone(y) at its first step (AdamW: exp_avg_sq = 0)
//!     AdamW: exp_avg_sq = exp_avg_sq·β2 + (1−β2)·g·g
//!            g = g / (√(exp_avg_sq / bias_correction2) + eps)
//!     g += weight_decay·y                        (SGD: L2 on the gradient; AdamW: after normalising)
//!     y = lerp(y, z, ckp1)
//!     y += lr·(β·(1 − ckp1) − 1) · g
//!     z −= lr · g
//! k += 1
//! ```
//!
//! `optimizer.eval()` sets each parameter to `x = lerp(y, z, 1 − 1/β)`, `optimizer.train()` back
//! to `y = lerp(x, z, 1 − β)` ([`ScheduleFreeGroup::train_mode`] remembers which; a step in
//! evaluation mode first switches back to training mode, where the package raises an error).
//! `torch.lerp` is ATen's: `a + w·(b − a)` for `|w| < 0.5`, else `b − (b − a)·(1 − w)`.
//!
//! The learning rate is still a hyper-parameter (the package's defaults: 1.0 for SGD, 0.0025 for
//! AdamW): cyclr passes its schedule's `lr(t)`, and since the method replaces the schedule, only
//! the constant `fixed` policy is accepted beside it; warm-up is the optimizer's `warmup_steps`.
//!
//! Two implementations share the arithmetic above: [`ScheduleFree`], a [`GroupOptimizer`] (what
//! [`CyclrOptimizer`](super::CyclrOptimizer) uses: it can switch a whole model between `y` and
//! `x`), and [`ScheduleFreeStep`], burn's per-parameter [`Optimizer`] for burn's own `Learner`,
//! where each parameter keeps its own copy of the group scalars (`k`, `lr_max`, `weight_sum`:
//! identical as long as every parameter gets a gradient at every step) and
//! [`schedule_free_eval`] turns a trained model into `x` from the optimizer's record.

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, Param};
use burn::optim::{Optimizer, OptimizerRecord, RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor, TensorData};
use cyclr::ParamError;
use serde::{Deserialize, Serialize};

use super::FamilyConfig;
use super::common::{check_nonneg, check_unit, l2_add, take};
use super::group::{FlatState, GroupOptimizer, Slot, add_scaled, addcmul, lerp};

/// Which base method: SGD (`SGDScheduleFree`) or AdamW (`AdamWScheduleFree`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScheduleFreeBase {
    /// SGD; `beta` is `momentum`, in (0, 1).
    Sgd,
    /// AdamW with `beta2` and `eps`; `beta` is `betas[0]`.
    AdamW {
        /// `betas[1]`.
        beta2: f64,
        /// Denominator term.
        eps: f64,
    },
}

/// Schedule-free hyper-parameters (the packages' names; the learning rate comes per step).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScheduleFree {
    /// SGD or AdamW.
    pub base: ScheduleFreeBase,
    /// The interpolation β (`momentum` / `betas[0]`).
    pub beta: f64,
    /// L2 weight decay (SGD: on the gradient; AdamW: added to the normalised gradient, at `y`).
    pub weight_decay: f64,
    /// Linear warm-up length in steps.
    pub warmup_steps: u64,
    /// Polynomial weighting power of the average.
    pub r: f64,
    /// Power of `lr_max` in the averaging weights.
    pub weight_lr_power: f64,
}

/// `sgd-schedulefree`: `schedulefree.SGDScheduleFree`'s hyper-parameters under its names and
/// defaults (the learning rate, 1.0 by default, comes from the schedule).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SgdScheduleFreeConfig {
    /// The interpolation β, in (0, 1).
    #[serde(default = "super::common::default_sgd_momentum")]
    pub momentum: f64,
    /// L2 penalty added to the gradient.
    #[serde(default)]
    pub weight_decay: f64,
    /// Linear warm-up length in steps.
    #[serde(default)]
    pub warmup_steps: u64,
    /// Polynomial weighting power of the average.
    #[serde(default)]
    pub r: f64,
    /// Power of `lr_max` in the averaging weights.
    #[serde(default = "super::common::two")]
    pub weight_lr_power: f64,
}

/// `adamw-schedulefree`: `schedulefree.AdamWScheduleFree`'s hyper-parameters under its names
/// and defaults (the learning rate, 0.0025 by default, comes from the schedule).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdamWScheduleFreeConfig {
    /// `(β1, β2)`; β1 is the interpolation β, in (0, 1).
    #[serde(default = "super::common::default_betas")]
    pub betas: [f64; 2],
    /// Denominator term.
    #[serde(default = "super::common::default_adam_eps")]
    pub eps: f64,
    /// Weight decay, added to the normalised gradient at `y`.
    #[serde(default)]
    pub weight_decay: f64,
    /// Linear warm-up length in steps.
    #[serde(default)]
    pub warmup_steps: u64,
    /// Polynomial weighting power of the average.
    #[serde(default)]
    pub r: f64,
    /// Power of `lr_max` in the averaging weights.
    #[serde(default = "super::common::two")]
    pub weight_lr_power: f64,
}

impl Default for SgdScheduleFreeConfig {
    fn default() -> Self {
        serde_json::from_str("{}").expect("every field has a default")
    }
}

impl Default for AdamWScheduleFreeConfig {
    fn default() -> Self {
        serde_json::from_str("{}").expect("every field has a default")
    }
}

fn check_averaging(r: f64, weight_lr_power: f64) -> Result<(), ParamError> {
    if !r.is_finite() {
        return Err(ParamError::new("r", r, "must be a finite number"));
    }
    if !weight_lr_power.is_finite() {
        return Err(ParamError::new(
            "weight_lr_power",
            weight_lr_power,
            "must be a finite number",
        ));
    }
    Ok(())
}

impl SgdScheduleFreeConfig {
    /// The package's checks (momentum in (0, 1) exclusive, weight_decay ≥ 0) and finiteness.
    pub fn validate(&self) -> Result<(), ParamError> {
        if !(self.momentum > 0.0 && self.momentum < 1.0) {
            return Err(ParamError::new(
                "momentum",
                self.momentum,
                "must be between 0 and 1 exclusive (schedule-free interpolates with it)",
            ));
        }
        check_nonneg("weight_decay", self.weight_decay)?;
        check_averaging(self.r, self.weight_lr_power)
    }

    /// The update.
    pub fn optimizer(&self) -> ScheduleFree {
        ScheduleFree {
            base: ScheduleFreeBase::Sgd,
            beta: self.momentum,
            weight_decay: self.weight_decay,
            warmup_steps: self.warmup_steps,
            r: self.r,
            weight_lr_power: self.weight_lr_power,
        }
    }
}

impl AdamWScheduleFreeConfig {
    /// β1 in (0, 1) (it is the interpolation β), β2 in [0, 1), eps and weight_decay ≥ 0,
    /// finiteness (the package itself checks none).
    pub fn validate(&self) -> Result<(), ParamError> {
        let [b1, b2] = self.betas;
        if !(b1 > 0.0 && b1 < 1.0) {
            return Err(ParamError::new(
                "betas[0]",
                b1,
                "must be between 0 and 1 exclusive (schedule-free interpolates with it)",
            ));
        }
        check_unit("betas[1]", b2)?;
        check_nonneg("eps", self.eps)?;
        check_nonneg("weight_decay", self.weight_decay)?;
        check_averaging(self.r, self.weight_lr_power)
    }

    /// The update.
    pub fn optimizer(&self) -> ScheduleFree {
        ScheduleFree {
            base: ScheduleFreeBase::AdamW {
                beta2: self.betas[1],
                eps: self.eps,
            },
            beta: self.betas[0],
            weight_decay: self.weight_decay,
            warmup_steps: self.warmup_steps,
            r: self.r,
            weight_lr_power: self.weight_lr_power,
        }
    }
}

/// Whether `schedule` may drive the schedule-free optimizer `name`: only the constant `fixed`
/// policy without cyclr's `warmup` (the optimizer replaces the schedule; its own `warmup_steps`
/// does the warm-up).
fn check_schedule(
    name: &str,
    schedule: &cyclr::schedule::ScheduleConfig,
) -> Result<(), ParamError> {
    use cyclr::schedule::ScheduleConfig;
    match schedule {
        ScheduleConfig::Fixed { warmup: None, .. } => Ok(()),
        ScheduleConfig::Fixed {
            warmup: Some(w), ..
        } => Err(ParamError::new(
            "warmup",
            w,
            format!(
                "{name} warms up by its own warmup_steps (the averaging weights depend on it); \
                 set warmup_steps instead of cyclr's warmup"
            ),
        )),
        other => Err(ParamError::new(
            "policy",
            other.name(),
            format!(
                "{name} replaces the learning-rate schedule (it averages its iterates instead, \
                 and needs no run length): use policy fixed, and its warmup_steps for a \
                 warm-up"
            ),
        )),
    }
}

/// `n` scaled by `factor` (budgets, quick trials), rounded, at least 1 where it was.
fn scale_steps(n: u64, factor: f64) -> u64 {
    if n == 0 {
        0
    } else {
        ((n as f64 * factor).round() as u64).max(1)
    }
}

impl FamilyConfig for SgdScheduleFreeConfig {
    fn name(&self) -> &'static str {
        "sgd-schedulefree"
    }
    fn validate(&self) -> Result<(), ParamError> {
        SgdScheduleFreeConfig::validate(self)
    }
    fn weight_decay(&self) -> f64 {
        self.weight_decay
    }
    fn set_weight_decay(&mut self, wd: f64) {
        self.weight_decay = wd;
    }
    /// The interpolation β (not cycled by a schedule).
    fn momentum_mut(&mut self) -> Option<&mut f64> {
        Some(&mut self.momentum)
    }
    fn default_lr(&self) -> Option<f64> {
        Some(1.0)
    }
    fn scale_iterations(&mut self, factor: f64) {
        self.warmup_steps = scale_steps(self.warmup_steps, factor);
    }
    fn is_schedule_free(&self) -> bool {
        true
    }
    fn check_schedule(&self, schedule: &cyclr::schedule::ScheduleConfig) -> Result<(), ParamError> {
        check_schedule(self.name(), schedule)
    }
}

impl FamilyConfig for AdamWScheduleFreeConfig {
    fn name(&self) -> &'static str {
        "adamw-schedulefree"
    }
    fn validate(&self) -> Result<(), ParamError> {
        AdamWScheduleFreeConfig::validate(self)
    }
    fn weight_decay(&self) -> f64 {
        self.weight_decay
    }
    fn set_weight_decay(&mut self, wd: f64) {
        self.weight_decay = wd;
    }
    /// β1, the interpolation β (not cycled by a schedule).
    fn momentum_mut(&mut self) -> Option<&mut f64> {
        Some(&mut self.betas[0])
    }
    fn default_lr(&self) -> Option<f64> {
        Some(0.0025)
    }
    fn scale_iterations(&mut self, factor: f64) {
        self.warmup_steps = scale_steps(self.warmup_steps, factor);
    }
    fn is_schedule_free(&self) -> bool {
        true
    }
    fn check_schedule(&self, schedule: &cyclr::schedule::ScheduleConfig) -> Result<(), ParamError> {
        check_schedule(self.name(), schedule)
    }
}

/// The group scalars (the package's `param_groups[0]` entries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleFreeGroup {
    /// Steps taken.
    pub k: u64,
    /// Largest scheduled learning rate so far (−1 before the first step).
    pub lr_max: f64,
    /// Sum of the averaging weights.
    pub weight_sum: f64,
    /// The last step's learning rate after warm-up.
    pub scheduled_lr: f64,
    /// Whether the parameters are at `y` (training) or `x` (evaluation).
    pub train_mode: bool,
}

impl Default for ScheduleFreeGroup {
    /// Before the first step (in training mode).
    fn default() -> Self {
        ScheduleFreeGroup {
            k: 0,
            lr_max: -1.0,
            weight_sum: 0.0,
            scheduled_lr: 0.0,
            train_mode: true,
        }
    }
}

/// The state of one parameter.
#[derive(Clone)]
pub struct ScheduleFreeState {
    /// The base iterate `z`.
    pub z: Tensor<1>,
    /// AdamW's second moment.
    pub exp_avg_sq: Option<Tensor<1>>,
}

impl FlatState for ScheduleFreeState {
    fn tensors(&self) -> Vec<(&'static str, &Tensor<1>)> {
        let mut v = vec![("z", &self.z)];
        if let Some(e) = &self.exp_avg_sq {
            v.push(("exp_avg_sq", e));
        }
        v
    }
    fn from_tensors(t: &mut HashMap<String, Tensor<1>>) -> Option<Self> {
        Some(ScheduleFreeState {
            z: t.remove("z")?,
            exp_avg_sq: t.remove("exp_avg_sq"),
        })
    }
}

/// The averaging coefficients of step `k`: `(scheduled lr, new lr_max, new weight_sum, ckp1)`.
fn averaging(
    sf: &ScheduleFree,
    k: u64,
    lr: f64,
    lr_max: f64,
    weight_sum: f64,
) -> (f64, f64, f64, f64) {
    let sched = if k < sf.warmup_steps {
        (k + 1) as f64 / sf.warmup_steps as f64
    } else {
        1.0
    };
    let lr = lr * sched;
    let lr_max = lr.max(lr_max);
    let weight = ((k + 1) as f64).powf(sf.r) * lr_max.powf(sf.weight_lr_power);
    let weight_sum = weight_sum + weight;
    let ckp1 = if weight_sum == 0.0 {
        0.0
    } else {
        weight / weight_sum
    };
    (lr, lr_max, weight_sum, ckp1)
}

impl ScheduleFree {
    /// One parameter's update: `(y, z, exp_avg_sq)` after the step (see the module
    /// documentation; `bias_correction2` is used by AdamW only).
    fn update(
        &self,
        y: Tensor<1>,
        grad: Tensor<1>,
        state: Option<ScheduleFreeState>,
        lr: f64,
        ckp1: f64,
        bias_correction2: f64,
    ) -> (Tensor<1>, ScheduleFreeState) {
        let state = state.unwrap_or_else(|| ScheduleFreeState {
            z: y.clone(),
            exp_avg_sq: match self.base {
                ScheduleFreeBase::Sgd => None,
                ScheduleFreeBase::AdamW { .. } => Some(y.zeros_like()),
            },
        });
        let (grad, exp_avg_sq) = match self.base {
            ScheduleFreeBase::Sgd => (l2_add(grad, &y, self.weight_decay), None),
            ScheduleFreeBase::AdamW { beta2, eps } => {
                let v = state.exp_avg_sq.unwrap_or_else(|| y.zeros_like());
                let v = addcmul(v.mul_scalar(beta2), grad.clone(), grad.clone(), 1.0 - beta2);
                let denom = v
                    .clone()
                    .div_scalar(bias_correction2)
                    .sqrt()
                    .add_scalar(eps);
                let g = l2_add(grad.div(denom), &y, self.weight_decay);
                (g, Some(v))
            }
        };
        let y = lerp(y, state.z.clone(), ckp1);
        let y = add_scaled(y, grad.clone(), lr * (self.beta * (1.0 - ckp1) - 1.0));
        let z = add_scaled(state.z, grad, -lr);
        (y, ScheduleFreeState { z, exp_avg_sq })
    }

    fn bias_correction2(&self, k: u64) -> f64 {
        match self.base {
            ScheduleFreeBase::Sgd => 1.0,
            ScheduleFreeBase::AdamW { beta2, .. } => 1.0 - beta2.powf((k + 1) as f64),
        }
    }

    /// `x` from `y` (`optimizer.eval()`).
    pub fn to_x(&self, y: Tensor<1>, z: Tensor<1>) -> Tensor<1> {
        lerp(y, z, 1.0 - 1.0 / self.beta)
    }

    /// `y` from `x` (`optimizer.train()`).
    pub fn to_y(&self, x: Tensor<1>, z: Tensor<1>) -> Tensor<1> {
        lerp(x, z, 1.0 - self.beta)
    }
}

impl GroupOptimizer for ScheduleFree {
    type State = ScheduleFreeState;
    type Group = ScheduleFreeGroup;
    fn kind(&self) -> &'static str {
        match self.base {
            ScheduleFreeBase::Sgd => "sgd-schedulefree",
            ScheduleFreeBase::AdamW { .. } => "adamw-schedulefree",
        }
    }

    fn new_group(&self) -> ScheduleFreeGroup {
        ScheduleFreeGroup::default()
    }

    fn step(&self, lr: f64, group: &mut ScheduleFreeGroup, params: &mut [Slot<ScheduleFreeState>]) {
        let k = group.k;
        let (lr, lr_max, weight_sum, ckp1) = averaging(self, k, lr, group.lr_max, group.weight_sum);
        group.scheduled_lr = lr;
        group.lr_max = lr_max;
        group.weight_sum = weight_sum;
        let bc2 = self.bias_correction2(k);
        for slot in params.iter_mut() {
            let (y, state) = self.update(
                slot.param.clone(),
                slot.grad.clone(),
                slot.state.take(),
                lr,
                ckp1,
                bc2,
            );
            slot.param = y;
            slot.state = Some(state);
        }
        group.k = k + 1;
    }
}

// ---------------------------------------------------------------------------------------------
// burn's per-parameter form, for burn's `Learner`.
// ---------------------------------------------------------------------------------------------

/// Schedule-free as burn's per-parameter [`Optimizer`] (for burn's `Learner`, which takes a
/// `ModuleOptimizer`): the same update, each parameter carrying its own copy of the group
/// scalars. Build with `ScheduleFreeStep(sf).into()`; evaluate with [`schedule_free_eval`].
#[derive(Debug, Clone, Copy)]
pub struct ScheduleFreeStep(pub ScheduleFree);

/// The state of one parameter in [`ScheduleFreeStep`].
#[derive(Clone)]
pub struct ScheduleFreeParamState<const D: usize> {
    /// The base iterate `z`.
    pub z: Tensor<D>,
    /// AdamW's second moment.
    pub exp_avg_sq: Option<Tensor<D>>,
    /// The group scalars as this parameter saw them.
    pub k: u64,
    /// Largest scheduled learning rate so far.
    pub lr_max: f64,
    /// Sum of the averaging weights.
    pub weight_sum: f64,
}

impl<const D: usize> RecordState for ScheduleFreeParamState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_tensor(prefix, "z", self.z.to_data());
        if let Some(e) = &self.exp_avg_sq {
            out.push_tensor(prefix, "exp_avg_sq", e.to_data());
        }
        out.push_scalar(prefix, "k", self.k.into());
        out.push_scalar(prefix, "lr_max", self.lr_max.into());
        out.push_scalar(prefix, "weight_sum", self.weight_sum.into());
    }
    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        Some(ScheduleFreeParamState {
            z: take(src, prefix, "z", device)?,
            exp_avg_sq: take(src, prefix, "exp_avg_sq", device),
            k: u64::try_from(src.take_scalar(prefix, "k")?).ok()?,
            lr_max: f64::try_from(src.take_scalar(prefix, "lr_max")?).ok()?,
            weight_sum: f64::try_from(src.take_scalar(prefix, "weight_sum")?).ok()?,
        })
    }
}

impl Optimizer for ScheduleFreeStep {
    type State<const D: usize> = ScheduleFreeParamState<D>;

    fn step<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let sf = &self.0;
        let dims: [usize; D] = tensor.dims();
        let n = tensor.shape().num_elements();
        let (k, lr_max, weight_sum) = state
            .as_ref()
            .map_or((0, -1.0, 0.0), |s| (s.k, s.lr_max, s.weight_sum));
        let (lr, lr_max, weight_sum, ckp1) = averaging(sf, k, lr, lr_max, weight_sum);
        let flat = state.map(|s| ScheduleFreeState {
            z: s.z.reshape([n]),
            exp_avg_sq: s.exp_avg_sq.map(|e| e.reshape([n])),
        });
        let (y, st) = sf.update(
            tensor.reshape([n]),
            grad.reshape([n]),
            flat,
            lr,
            ckp1,
            sf.bias_correction2(k),
        );
        (
            y.reshape(dims),
            Some(ScheduleFreeParamState {
                z: st.z.reshape(dims),
                exp_avg_sq: st.exp_avg_sq.map(|e| e.reshape(dims)),
                k: k + 1,
                lr_max,
                weight_sum,
            }),
        )
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        ScheduleFreeParamState {
            z: state.z.to_device(device),
            exp_avg_sq: state.exp_avg_sq.map(|e| e.to_device(device)),
            ..state
        }
    }
}

/// The evaluation point `x` of a model trained by a `ModuleOptimizer` built from
/// [`ScheduleFreeStep`] (e.g. inside burn's `Learner`): each parameter `y` with a `z` in `record`
/// (the optimizer's `to_record()`, or a checkpoint of it loaded with `OptimizerRecord::load`)
/// becomes `lerp(y, z, 1 − 1/β)`, exactly as `optimizer.eval()` does. Parameters without a state
/// are left as they are.
pub fn schedule_free_eval<M: Module>(
    model: M,
    record: OptimizerRecord,
    beta: f64,
) -> Result<M, burn::store::RecordError> {
    let bytes = record.into_bytes()?;
    let reader = burn_pack::Reader::from_bytes(bytes).map_err(record_err)?;
    let mut zs: HashMap<u64, TensorData> = HashMap::new();
    for t in reader.into_tensors().map_err(record_err)? {
        let (name, dtype, shape, param_id, bytes) = t.into_parts().map_err(record_err)?;
        if let Some(id) = param_id
            && name == format!("{id}.z")
        {
            zs.insert(id, TensorData::from_bytes(bytes, shape, dtype));
        }
    }
    struct ToX {
        zs: HashMap<u64, TensorData>,
        w: f64,
    }
    impl ModuleMapper for ToX {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let Some(z) = self.zs.remove(&param.id.val()) else {
                return param;
            };
            let w = self.w;
            param.map(|y| {
                let (autodiff, require_grad) = (y.is_autodiff(), y.is_require_grad());
                let z = Tensor::<D>::from_data(z, &y.device()).inner();
                let x = lerp(y.inner(), z, w);
                match (autodiff, require_grad) {
                    (true, true) => x.autodiff().require_grad(),
                    (true, false) => x.autodiff(),
                    _ => x,
                }
            })
        }
    }
    Ok(model.map(&mut ToX {
        zs,
        w: 1.0 - 1.0 / beta,
    }))
}

fn record_err(e: burn_pack::Error) -> burn::store::RecordError {
    burn::store::RecordError::from(e)
}

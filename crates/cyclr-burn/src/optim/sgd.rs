//! PyTorch `torch.optim.SGD` (dampening 0), its momentum read per step: the configuration
//! [`SgdConfig`] (kinds `sgd` and `nesterov`) and the update [`SgdStep`]. The update, in
//! PyTorch's order of operations, is in the [table of the module](super).

use burn::optim::{Optimizer, RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor};
use cyclr::ParamError;
use serde::{Deserialize, Deserializer, Serialize};

use super::common::{check_nonneg, check_unit, default_sgd_momentum, l2, opt_to_device, take};
use super::{FamilyConfig, MomentumCell};

/// `kind = "sgd"`: SGD with (optionally Nesterov) momentum and L2 weight decay; dampening is
/// always 0. Missing keys take PyTorch's defaults, except the momentum (0.9 here, 0 in PyTorch:
/// the cyclical-LR recipes all use momentum). `kind = "nesterov"` is the same with
/// `nesterov = true` (a key it does not take).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SgdConfig {
    /// Momentum (the value used when the schedule does not cycle momentum).
    #[serde(default = "default_sgd_momentum")]
    pub momentum: f64,
    /// Nesterov momentum (requires `momentum > 0`).
    #[serde(default)]
    pub nesterov: bool,
    /// L2 penalty added to the gradient.
    #[serde(default)]
    pub weight_decay: f64,
}

impl Default for SgdConfig {
    /// Momentum 0.9, no Nesterov, no weight decay.
    fn default() -> Self {
        SgdConfig {
            momentum: default_sgd_momentum(),
            nesterov: false,
            weight_decay: 0.0,
        }
    }
}

/// The keys of `kind = "nesterov"`: those of `sgd` but `nesterov`, which the name fixes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NesterovKeys {
    #[serde(default = "default_sgd_momentum")]
    momentum: f64,
    #[serde(default)]
    weight_decay: f64,
}

impl SgdConfig {
    /// Reads the keys of `kind = "nesterov"` (the tag already taken): SGD with `nesterov = true`.
    pub(crate) fn deserialize_nesterov<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let k = NesterovKeys::deserialize(d)?;
        Ok(SgdConfig {
            momentum: k.momentum,
            nesterov: true,
            weight_decay: k.weight_decay,
        })
    }

    /// PyTorch's checks (momentum in [0, 1), weight decay ≥ 0, Nesterov needs momentum > 0)
    /// and finiteness.
    pub fn validate(&self) -> Result<(), ParamError> {
        check_unit("momentum", self.momentum)?;
        check_nonneg("weight_decay", self.weight_decay)?;
        if self.nesterov && self.momentum <= 0.0 {
            return Err(ParamError::new(
                "momentum",
                self.momentum,
                "Nesterov momentum requires momentum > 0",
            ));
        }
        Ok(())
    }

    /// The update, reading its momentum from `momentum`.
    pub fn optimizer(&self, momentum: MomentumCell) -> SgdStep {
        SgdStep {
            momentum,
            nesterov: self.nesterov,
            weight_decay: self.weight_decay,
        }
    }
}

impl FamilyConfig for SgdConfig {
    fn name(&self) -> &'static str {
        if self.nesterov { "nesterov" } else { "sgd" }
    }
    fn validate(&self) -> Result<(), ParamError> {
        SgdConfig::validate(self)
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

/// State of [`SgdStep`]: the momentum buffer.
#[derive(Clone)]
pub struct SgdState<const D: usize> {
    /// `buf` (absent while the momentum is 0).
    pub buf: Option<Tensor<D>>,
}

impl<const D: usize> RecordState for SgdState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        if let Some(buf) = &self.buf {
            out.push_tensor(prefix, "buf", buf.to_data());
        }
    }
    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        Some(SgdState {
            buf: take(src, prefix, "buf", device),
        })
    }
}

/// PyTorch SGD (dampening 0) reading its momentum from a [`MomentumCell`].
#[derive(Clone, Debug)]
pub struct SgdStep {
    /// Momentum of the current step.
    pub momentum: MomentumCell,
    /// Nesterov momentum.
    pub nesterov: bool,
    /// L2 penalty.
    pub weight_decay: f64,
}

impl Optimizer for SgdStep {
    type State<const D: usize> = SgdState<D>;

    fn step<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let m = self.momentum.get();
        let mut d = l2(grad, &tensor, self.weight_decay);
        let mut buf = state.and_then(|s| s.buf);
        if m != 0.0 {
            let b = match buf {
                Some(b) => b.mul_scalar(m).add(d.clone()),
                None => d.clone(),
            };
            d = if self.nesterov {
                d.add(b.clone().mul_scalar(m))
            } else {
                b.clone()
            };
            buf = Some(b);
        }
        (tensor.sub(d.mul_scalar(lr)), Some(SgdState { buf }))
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        SgdState {
            buf: opt_to_device(state.buf, device),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::runtime::tests::*;
    use crate::OptimizerConfig;

    /// torch.optim.SGD(lr=0.1, momentum=m, dampening=0, weight_decay=0.01), the momentum of the
    /// second step changed to 0.8 (as CyclicLR/OneCycleLR do), by hand:
    /// step 1: d = g + 0.01·p = [0.11, −0.22, 0.305]; buf = d; p = p − 0.1·d = [0.989, −1.978, 0.4695]
    /// step 2: d = g + 0.01·p = [0.10989, −0.21978, 0.304695];
    ///         buf = 0.8·buf + d = [0.19789, −0.39578, 0.548695]; p −= 0.1·buf
    #[test]
    fn sgd_momentum_matches_pytorch() {
        let p = run(sgd(false), &[(0.1, Some(0.9)), (0.1, Some(0.8))]);
        assert_close(&p, &[0.969211, -1.938422, 0.4146305]);
    }
    /// Same with nesterov=True: the update is d + m·buf.
    /// step 1: 1.9·d = [0.209, −0.418, 0.5795]; p = [0.9791, −1.9582, 0.44205]
    /// step 2: d = [0.109791, −0.219582, 0.3044205]; buf = 0.8·[0.11, −0.22, 0.305] + d
    ///         = [0.197791, −0.395582, 0.5484205]; update = d + 0.8·buf
    ///         = [0.2680238, −0.5360476, 0.7431569]; p −= 0.1·update
    #[test]
    fn sgd_nesterov_matches_pytorch() {
        let p = run(sgd(true), &[(0.1, Some(0.9)), (0.1, Some(0.8))]);
        assert_close(&p, &[0.95229762, -1.90459524, 0.36773431]);
    }
    /// Without a schedule momentum, the configured one (0.9) is used: buf = 0.9·buf + d.
    #[test]
    fn sgd_default_momentum() {
        let p = run(sgd(false), &[(0.1, None), (0.1, None)]);
        // step 2: buf = [0.099 + 0.10989, −0.198 − 0.21978, 0.2745 + 0.304695]
        assert_close(&p, &[0.968111, -1.936222, 0.4115805]);
    }
    /// Momentum 0: plain SGD, no buffer.
    #[test]
    fn sgd_without_momentum() {
        let config = OptimizerConfig::Sgd(super::SgdConfig {
            momentum: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        });
        let p = run(config, &[(0.5, None), (0.5, None)]);
        assert_close(&p, &[0.9, -1.8, 0.2]);
    }
}

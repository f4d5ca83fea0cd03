//! The Caffe `lr_policy`s the CLR paper compares against (PyTorch equivalents in brackets).
//!
//! ```text
//! fixed      lr(t) = lr
//! step       lr(t) = lr · γ^floor(t / step_size)                    [StepLR]
//! multistep  lr(t) = lr · γ^#{m ∈ milestones : m ≤ t}               [MultiStepLR]
//! exp        lr(t) = lr · γ^t                                       [ExponentialLR]
//! inv        lr(t) = lr · (1 + γ·t)^(−power)
//! poly       lr(t) = lr · (1 − min(t, max_iter)/max_iter)^power     [PolynomialLR]
//! sigmoid    lr(t) = lr / (1 + exp(−γ·(t − step_size)))
//! ```
//!
//! PyTorch computes `StepLR`, `MultiStepLR`, `ExponentialLR` and `PolynomialLR` recursively (each
//! step multiplies the previous lr by a factor); these closed forms differ from the recursive
//! products only by accumulated rounding — at most a few hundred ulps over the golden runs
//! (relative error < 1e-12, far inside the 1e-9 bar), so every schedule here stays O(1) in `t`.
//! `poly` is exactly 0 for `t ≥ max_iter`, as in PyTorch.
use super::check;
use crate::{ParamError, Schedule};

/// Constant learning rate (Caffe `fixed`).
#[derive(Debug, Clone)]
pub struct Fixed {
    lr: f64,
}

impl Fixed {
    /// Errors: `lr` not finite or ≤ 0.
    pub fn new(lr: f64) -> Result<Self, ParamError> {
        check::lr("lr", lr)?;
        Ok(Self { lr })
    }
    /// `(lr, lr)`.
    pub fn bounds(&self) -> (f64, f64) {
        (self.lr, self.lr)
    }
}

impl Schedule for Fixed {
    #[inline]
    fn lr(&self, _t: u64) -> f64 {
        self.lr
    }
}

/// Step decay (Caffe `step`, PyTorch `StepLR`): `lr · γ^floor(t / step_size)`.
#[derive(Debug, Clone)]
pub struct StepDecay {
    lr: f64,
    step_size: u64,
    gamma: f64,
}

impl StepDecay {
    /// Errors: `lr` not finite or ≤ 0; `step_size` < 1; `gamma` outside `(0, 1]`.
    pub fn new(lr: f64, step_size: u64, gamma: f64) -> Result<Self, ParamError> {
        check::lr("lr", lr)?;
        check::at_least_one("step_size", step_size)?;
        check::gamma("gamma", gamma)?;
        Ok(Self {
            lr,
            step_size,
            gamma,
        })
    }
    /// `(0, lr)`: the lr decays towards 0.
    pub fn bounds(&self) -> (f64, f64) {
        (0.0, self.lr)
    }
}

impl Schedule for StepDecay {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        self.lr * pow_u64(self.gamma, t / self.step_size)
    }
}

/// `base^n` for an integer exponent: exact square-and-multiply for `n < 2^31`, `powf` beyond
/// (where `base < 1` underflows to 0 anyway).
#[inline]
fn pow_u64(base: f64, n: u64) -> f64 {
    match i32::try_from(n) {
        Ok(n) => base.powi(n),
        Err(_) => base.powf(n as f64),
    }
}

/// Decay at milestones (Caffe `multistep`, PyTorch `MultiStepLR`):
/// `lr · γ^#{m ∈ milestones : m ≤ t}`. Milestones may be given in any order; a repeated
/// milestone decays twice, as in PyTorch.
#[derive(Debug, Clone)]
pub struct MultiStep {
    lr: f64,
    milestones: Vec<u64>,
    gamma: f64,
}

impl MultiStep {
    /// Errors: `lr` not finite or ≤ 0; `gamma` outside `(0, 1]`.
    pub fn new(lr: f64, milestones: impl Into<Vec<u64>>, gamma: f64) -> Result<Self, ParamError> {
        check::lr("lr", lr)?;
        check::gamma("gamma", gamma)?;
        let mut milestones = milestones.into();
        milestones.sort_unstable();
        Ok(Self {
            lr,
            milestones,
            gamma,
        })
    }
    /// The milestones, sorted.
    pub fn milestones(&self) -> &[u64] {
        &self.milestones
    }
    /// `(lr · γ^len(milestones), lr)`.
    pub fn bounds(&self) -> (f64, f64) {
        (
            self.lr * pow_u64(self.gamma, self.milestones.len() as u64),
            self.lr,
        )
    }
}

impl Schedule for MultiStep {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        let passed = self.milestones.partition_point(|&m| m <= t);
        self.lr * pow_u64(self.gamma, passed as u64)
    }
}

/// Exponential decay (Caffe `exp`, PyTorch `ExponentialLR`): `lr · γ^t`.
#[derive(Debug, Clone)]
pub struct Exponential {
    lr: f64,
    gamma: f64,
}

impl Exponential {
    /// Errors: `lr` not finite or ≤ 0; `gamma` outside `(0, 1]`.
    pub fn new(lr: f64, gamma: f64) -> Result<Self, ParamError> {
        check::lr("lr", lr)?;
        check::gamma("gamma", gamma)?;
        Ok(Self { lr, gamma })
    }
    /// `(0, lr)`.
    pub fn bounds(&self) -> (f64, f64) {
        (0.0, self.lr)
    }
}

impl Schedule for Exponential {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        self.lr * self.gamma.powf(t as f64)
    }
}

/// Inverse decay (Caffe `inv`): `lr · (1 + γ·t)^(−power)`.
#[derive(Debug, Clone)]
pub struct Inv {
    lr: f64,
    gamma: f64,
    power: f64,
}

impl Inv {
    /// Errors: `lr` not finite or ≤ 0; `gamma` or `power` not finite or < 0.
    pub fn new(lr: f64, gamma: f64, power: f64) -> Result<Self, ParamError> {
        check::lr("lr", lr)?;
        check::non_negative("gamma", gamma)?;
        check::non_negative("power", power)?;
        Ok(Self { lr, gamma, power })
    }
    /// `(0, lr)`.
    pub fn bounds(&self) -> (f64, f64) {
        (0.0, self.lr)
    }
}

impl Schedule for Inv {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        self.lr * (1.0 + self.gamma * t as f64).powf(-self.power)
    }
}

/// Polynomial decay to 0 (Caffe `poly`, PyTorch `PolynomialLR(total_iters=max_iter)`):
/// `lr · (1 − min(t, max_iter)/max_iter)^power`.
#[derive(Debug, Clone)]
pub struct Poly {
    lr: f64,
    max_iter: u64,
    power: f64,
}

impl Poly {
    /// Errors: `lr` not finite or ≤ 0; `max_iter` < 1; `power` not finite or < 0.
    pub fn new(lr: f64, max_iter: u64, power: f64) -> Result<Self, ParamError> {
        check::lr("lr", lr)?;
        check::at_least_one("max_iter", max_iter)?;
        check::non_negative("power", power)?;
        Ok(Self {
            lr,
            max_iter,
            power,
        })
    }
    /// `(0, lr)`.
    pub fn bounds(&self) -> (f64, f64) {
        (0.0, self.lr)
    }
}

impl Schedule for Poly {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        let n = self.max_iter as f64;
        // PyTorch closed form: base_lr * (1.0 - min(total_iters, last_epoch) / total_iters) ** power
        self.lr * (1.0 - t.min(self.max_iter) as f64 / n).powf(self.power)
    }
}

/// Sigmoid (Caffe `sigmoid`): `lr / (1 + exp(−γ·(t − step_size)))`; `γ < 0` decays, `γ > 0`
/// warms up, centred on `step_size`.
#[derive(Debug, Clone)]
pub struct Sigmoid {
    lr: f64,
    gamma: f64,
    step_size: u64,
}

impl Sigmoid {
    /// Errors: `lr` not finite or ≤ 0; `gamma` not finite.
    pub fn new(lr: f64, gamma: f64, step_size: u64) -> Result<Self, ParamError> {
        check::lr("lr", lr)?;
        check::finite("gamma", gamma)?;
        Ok(Self {
            lr,
            gamma,
            step_size,
        })
    }
    /// `(0, lr)`.
    pub fn bounds(&self) -> (f64, f64) {
        (0.0, self.lr)
    }
}

impl Schedule for Sigmoid {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        let d = t as f64 - self.step_size as f64;
        self.lr / (1.0 + (-self.gamma * d).exp())
    }
}

/// Caffe's policies, for the [registry](super::registry).
macro_rules! baseline_policies {
    ([$($rest:tt)*] $($acc:tt)*) => {
        crate::schedule::registry::collect! { [$($rest)*] $($acc)* {
            keys []
            policies [
                /// Constant lr.
                Fixed = "fixed", Other {
                    formula: "lr",
                    auto: [("lr", Fixed)],
                    params: {
                        /// The lr.
                        req lr: f64,
                    },
                    build(total_iters): {
                        Ok(Box::new(crate::schedule::baseline::Fixed::new(lr)?))
                    },
                    bounds: { (lr, lr) },
                }
                /// `lr · gamma^floor(t / step_size)`.
                Step = "step", Other {
                    formula: "lr * gamma^floor(t/s)",
                    auto: [("lr", Max)],
                    params: {
                        /// Initial lr.
                        req lr: f64,
                        /// Decay period.
                        req step_size: u64,
                        /// Decay factor (default 0.1).
                        opt gamma: f64,
                    },
                    build(total_iters): {
                        Ok(Box::new(crate::schedule::baseline::StepDecay::new(
                            lr,
                            step_size,
                            gamma.unwrap_or(0.1),
                        )?))
                    },
                    bounds: { (0.0, lr) },
                }
                /// `lr · gamma^(milestones passed)`.
                Multistep = "multistep", Other {
                    formula: "lr * gamma^(number of milestones <= t)",
                    auto: [("lr", Max)],
                    params: {
                        /// Initial lr.
                        req lr: f64,
                        /// Iterations at which the lr decays.
                        req milestones: Vec<u64>,
                        /// Decay factor (default 0.1).
                        opt gamma: f64,
                    },
                    build(total_iters): {
                        Ok(Box::new(crate::schedule::baseline::MultiStep::new(
                            lr,
                            milestones,
                            gamma.unwrap_or(0.1),
                        )?))
                    },
                    bounds: { (lr * gamma.unwrap_or(0.1).powf(milestones.len() as f64), lr) },
                }
                /// `lr · gamma^t`.
                Exp = "exp", Other {
                    formula: "lr * gamma^t",
                    auto: [("lr", Max)],
                    params: {
                        /// Initial lr.
                        req lr: f64,
                        /// Decay per iteration.
                        req gamma: f64,
                    },
                    build(total_iters): {
                        Ok(Box::new(crate::schedule::baseline::Exponential::new(lr, gamma)?))
                    },
                    bounds: { (0.0, lr) },
                }
                /// `lr · (1 + gamma·t)^(−power)`.
                Inv = "inv", Other {
                    formula: "lr * (1 + gamma*t)^(-power)",
                    auto: [("lr", Max)],
                    params: {
                        /// Initial lr.
                        req lr: f64,
                        /// Rate.
                        req gamma: f64,
                        /// Exponent.
                        req power: f64,
                    },
                    build(total_iters): {
                        Ok(Box::new(crate::schedule::baseline::Inv::new(lr, gamma, power)?))
                    },
                    bounds: { (0.0, lr) },
                }
                /// `lr · (1 − min(t, max_iter)/max_iter)^power`.
                Poly = "poly", Other {
                    formula: "lr * (1 - min(t, max_iter)/max_iter)^power",
                    auto: [("lr", Max)],
                    params: {
                        /// Initial lr.
                        req lr: f64,
                        /// Exponent (default 1.0).
                        opt power: f64,
                        /// Iterations to reach 0 (default: the run length).
                        opt max_iter: u64,
                    },
                    build(total_iters): {
                        Ok(Box::new(crate::schedule::baseline::Poly::new(
                            lr,
                            max_iter.unwrap_or(total_iters),
                            power.unwrap_or(1.0),
                        )?))
                    },
                    bounds: { (0.0, lr) },
                }
                /// `lr / (1 + exp(−gamma·(t − step_size)))`.
                Sigmoid = "sigmoid", Other {
                    formula: "lr / (1 + exp(-gamma*(t - s)))",
                    auto: [("lr", Max)],
                    params: {
                        /// Asymptotic lr.
                        req lr: f64,
                        /// Steepness (negative: decay).
                        req gamma: f64,
                        /// Centre.
                        req step_size: u64,
                    },
                    build(total_iters): {
                        Ok(Box::new(crate::schedule::baseline::Sigmoid::new(lr, gamma, step_size)?))
                    },
                    bounds: { (0.0, lr) },
                }
            ]
        } }
    };
}
pub(crate) use baseline_policies;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        let s = StepDecay::new(0.1, 3, 0.5).unwrap();
        assert_eq!(s.lr(2), 0.1);
        assert_eq!(s.lr(3), 0.05);
        let m = MultiStep::new(1.0, vec![5, 2, 5], 0.5).unwrap();
        assert_eq!(m.lr(1), 1.0);
        assert_eq!(m.lr(2), 0.5);
        assert_eq!(m.lr(5), 0.125);
        let p = Poly::new(0.1, 10, 2.0).unwrap();
        assert_eq!(p.lr(10), 0.0);
        assert_eq!(p.lr(1 << 40), 0.0);
        let sg = Sigmoid::new(1.0, -0.1, 100).unwrap();
        assert_eq!(sg.lr(100), 0.5);
        assert!(sg.lr(u64::MAX) >= 0.0);
        let inv = Inv::new(0.01, 1e-4, 0.75).unwrap();
        assert!(inv.lr(u64::MAX) > 0.0);
        assert_eq!(pow_u64(0.5, u64::MAX), 0.0);
    }

    #[test]
    fn errors() {
        assert_eq!(Fixed::new(0.0).unwrap_err().param, "lr");
        assert_eq!(StepDecay::new(0.1, 0, 0.1).unwrap_err().param, "step_size");
        assert_eq!(StepDecay::new(0.1, 1, 0.0).unwrap_err().param, "gamma");
        assert_eq!(Exponential::new(0.1, 1.01).unwrap_err().param, "gamma");
        assert_eq!(Inv::new(0.1, 1.0, -1.0).unwrap_err().param, "power");
        assert_eq!(Poly::new(0.1, 0, 1.0).unwrap_err().param, "max_iter");
        assert_eq!(
            Sigmoid::new(0.1, f64::INFINITY, 1).unwrap_err().param,
            "gamma"
        );
    }
}

//! Learning-rate (and momentum) policies as pure functions of the iteration.
//!
//! A [`Schedule`] has no hidden step counter: resuming at iteration `t` is just asking for `t`.
//! Iteration `t` is the 0-based index of the optimizer step about to be taken (PyTorch: the value
//! in `param_groups` before optimizer step `t`; fastai: batch `t`).

/// A learning-rate policy: `lr(t)` and, where the policy cycles it, `momentum(t)`.
pub trait Schedule: Send + Sync + std::fmt::Debug {
    /// Learning rate for iteration `t` (0-based).
    fn lr(&self, t: u64) -> f64;
    /// Momentum (SGD momentum or Adam β1) for iteration `t`, if this policy cycles momentum.
    fn momentum(&self, _t: u64) -> Option<f64> {
        None
    }
    /// Whether [`Schedule::momentum`] returns values.
    fn cycles_momentum(&self) -> bool {
        self.momentum(0).is_some()
    }
}

impl<S: Schedule + ?Sized> Schedule for Box<S> {
    fn lr(&self, t: u64) -> f64 {
        (**self).lr(t)
    }
    fn momentum(&self, t: u64) -> Option<f64> {
        (**self).momentum(t)
    }
    fn cycles_momentum(&self) -> bool {
        (**self).cycles_momentum()
    }
}

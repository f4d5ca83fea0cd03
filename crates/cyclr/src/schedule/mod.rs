//! Learning-rate (and momentum) policies as pure functions of the iteration.
//!
//! A [`Schedule`] has no hidden step counter: resuming at iteration `t` is just asking for `t`.
//! Iteration `t` is the 0-based index of the optimizer step about to be taken (PyTorch: the value
//! in `param_groups` before optimizer step `t`; fastai: batch `t`).
//!
//! | module | policies |
//! |---|---|
//! | [`cyclical`] | Smith's `triangular`, `triangular2`, `exp_range`; PyTorch `CyclicLR` (asymmetric, custom scale fn, momentum); Welch and Hann windows |
//! | [`one_cycle`] | PyTorch `OneCycleLR` ([`OneCycle`]), fastai `fit_one_cycle` ([`FastaiOneCycle`]) and ULMFiT's slanted triangular ([`SlantedTriangular`](one_cycle::SlantedTriangular)) |
//! | [`restarts`] | SGDR / PyTorch `CosineAnnealingWarmRestarts` ([`Sgdr`]) |
//! | [`baseline`] | Caffe's `fixed`, `step`, `multistep`, `exp`, `inv`, `poly`, `sigmoid` |
//! | [`nanogpt`] | nanoGPT's `get_lr`: linear warm-up, cosine to `min_lr` ([`NanogptCosine`]) |
//! | [`transformers`] | Hugging Face transformers' `constant_with_warmup`, `linear`, `cosine` (with `min_lr_rate`), `cosine_with_restarts`, `polynomial`, `inverse_sqrt`, `wsd` |
//! | [`compose`] | [`Warmup`] and [`Sequence`] |
//! | [`config`] | [`ScheduleConfig`]: all of the above as serde data (written by the [`registry`]) |
//! | [`policy`] | [`Policy`]: every policy's name and keys |
//! | [`registry`] | how each policy is declared once, in its family's file, and what follows from it |
//! | [`spec`] | [`ScheduleSpec`]: a policy with open parameters, filled by a range test and the step-size rule |

pub mod baseline;
pub mod budget;
pub(crate) mod check;
pub mod compose;
pub mod config;
pub mod cyclical;
pub mod nanogpt;
pub mod one_cycle;
pub mod policy;
pub mod registry;
pub mod restarts;
pub mod spec;
pub mod transformers;

pub use baseline::{Exponential, Fixed, Inv, MultiStep, Poly, Sigmoid, StepDecay};
pub use compose::{Sequence, Warmup};
pub use config::{OneCycleStyle, ScheduleConfig};
pub use cyclical::{Cyclical, CyclicalBuilder, ScaleFn, ScaleMode, ScalePolicy, Window};
pub use nanogpt::NanogptCosine;
pub use one_cycle::{Anneal, FastaiOneCycle, FastaiOneCycleBuilder, OneCycle, OneCycleBuilder};
pub use policy::{AutoLr, Policy, UnknownPolicy};
pub use restarts::Sgdr;
pub use spec::{
    Auto, Choice, Resolved, RunShape, ScheduleSpec, Source, SpecError, default_step_size,
    step_size_from_epochs,
};
pub use transformers::{
    ConstantWithWarmup, CosineWithHardRestarts, CosineWithWarmup, InverseSqrt, LinearWithWarmup,
    PolynomialWithWarmup, Wsd, WsdBuilder, WsdCurve,
};

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
    /// The step counts (iterations done, 1-based, ascending, at most `iters`) after which a cycle
    /// of this policy ends — its rate has come down to the cycle's low point — for SWA's
    /// "average at the end of each cycle" ([`crate::average`]): the cyclical policies
    /// (`triangular` …: every `step_size + step_size_down`) and `sgdr` (after each period).
    /// `None`: the policy has no cycles.
    fn cycle_ends(&self, _iters: u64) -> Option<Vec<u64>> {
        None
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
    fn cycle_ends(&self, iters: u64) -> Option<Vec<u64>> {
        (**self).cycle_ends(iters)
    }
}

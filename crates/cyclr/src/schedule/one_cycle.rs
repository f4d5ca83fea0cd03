//! The 1cycle policy (Smith & Topin 2017, "Super-Convergence"), in two exact styles, and ULMFiT's slanted triangular
//! policy, the other single-cycle schedule.
//!
//! (Over 800 lines: the single-cycle family — two exact one-cycle implementations and slanted
//! triangular — with their formulas and registry declarations; the tests are in
//! `one_cycle/tests.rs`.)
//!
//! The two popular implementations differ in their defaults *and* in their arithmetic, so they are
//! two types rather than a compromise:
//!
//! # [`OneCycle`]: PyTorch `OneCycleLR`
//!
//! ```text
//! initial_lr = max_lr / div_factor                 (div_factor 25)
//! min_lr     = initial_lr / final_div_factor       (final_div_factor 1e4)
//! two phases (default):
//!   phase 1: end_step = float(pct_start · total_steps) − 1     initial_lr → max_lr,  max_m → base_m
//!   phase 2: end_step = total_steps − 1                         max_lr → min_lr,      base_m → max_m
//! three_phase:
//!   phase 1: end_step = float(pct_start · total_steps) − 1     initial_lr → max_lr,  max_m → base_m
//!   phase 2: end_step = float(2 · pct_start · total_steps) − 2 max_lr → initial_lr,  base_m → max_m
//!   phase 3: end_step = total_steps − 1                         initial_lr → min_lr,  max_m → max_m
//! at step t: the first phase with t ≤ end_step (or the last phase), start_step = previous end_step
//!   (0 for the first), pct = (t − start_step) / (end_step − start_step)
//! cos:    anneal(start, end, pct) = end + (start − end)/2 · (cos(π·pct) + 1)
//! linear: anneal(start, end, pct) = (end − start)·pct + start
//! ```
//!
//! Defaults: `pct_start` 0.3, cosine annealing, momentum cycled between `base_momentum` 0.85 and
//! `max_momentum` 0.95. **Past the end:** PyTorch raises once `t > total_steps` (and extrapolates
//! the last phase at `t == total_steps`); here every `t ≥ total_steps` returns the value at
//! `total_steps − 1` (the final `min_lr`), so a schedule is total and never errors at run time.
//!
//! Validation is stricter than PyTorch's in one place: every phase must contain at least one
//! iteration (PyTorch divides by zero when a phase has zero length, and silently skips a phase
//! that contains no step), which with `three_phase` also requires `pct_start ≤ 0.5`.
//!
//! # [`FastaiOneCycle`]: fastai `Learner.fit_one_cycle`
//!
//! ```text
//! pos = t / total_steps
//! lr(pos)  = combine_scheds([pct, 1−pct], [SchedCos(lr_max/div, lr_max),
//!                                          SchedCos(lr_max, lr_max/div_final)])(pos)
//! mom(pos) = combine_scheds([pct, 1−pct], [SchedCos(moms[0], moms[1]), SchedCos(moms[1], moms[2])])(pos)
//! SchedCos(start, end)(p) = start + (1 + cos(π·(1 − p))) · (end − start) / 2
//! combine_scheds: pcts = cumsum([0, pct, 1−pct]); idx = min(max{k : pos ≥ pcts[k]}, 1);
//!                 actual_pos = (pos − pcts[idx]) / (pcts[idx+1] − pcts[idx])
//! ```
//!
//! Defaults: `div` 25, `div_final` 1e5 (relative to `lr_max`, unlike PyTorch's `final_div_factor`
//! which is relative to the initial lr), `pct_start` 0.25, `moms` (0.95, 0.85, 0.95). `t` is
//! the batch index over the whole run (fastai's `pct_train = t / total`); every
//! `t ≥ total_steps` returns the value at `total_steps − 1`.
//!
//! # [`SlantedTriangular`]: ULMFiT's slanted triangular learning rate
//!
//! Howard & Ruder 2018, "Universal Language Model Fine-tuning for Text Classification", eq. 3,
//! in its order of operations (`T` = `total_steps`, `t` = the 0-based iteration):
//!
//! ```text
//! cut = ⌊T · cut_frac⌋
//! p   = t / cut                                 if t < cut
//!     = 1 − (t − cut) / (cut · (1/cut_frac − 1))  otherwise        (the paper)
//! lr  = max_lr · (1 + p · (ratio − 1)) / ratio
//! ```
//!
//! What is computed is allennlp's `SlantedTriangular` (whose parameter names, `cut_frac` and
//! `ratio`, these are): the falling edge divides by `T − cut`, the paper's denominator when
//! `T · cut_frac` is a whole number and the exact length of the falling edge when it is not:
//!
//! ```text
//! p   = 1 − (t − cut) / (T − cut)               if t ≥ cut           (computed)
//! ```
//!
//! So the lr rises linearly from `max_lr / ratio` at `t = 0` to `max_lr` at `t = cut`, then falls
//! linearly towards `max_lr / ratio`, which it would reach at `t = T`; every `t ≥ T` holds the
//! value at `T − 1`. Defaults (the paper's): `cut_frac` 0.1, `ratio` 32; `T` defaults to the run
//! length. Checks: `max_lr` > 0, `cut_frac` in (0, 1), `ratio` ≥ 1, `T` ≥ 2 and `cut` ≥ 1 (a
//! rise of at least one iteration). allennlp's epoch-wise parameters (`num_epochs`,
//! `num_steps_per_epoch`) are `T` here; its gradual unfreezing and discriminative rates are
//! not a learning-rate schedule.
use serde::{Deserialize, Serialize};

use super::check;
use crate::{ParamError, Schedule};

/// Which 1cycle implementation to reproduce exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OneCycleStyle {
    /// PyTorch `OneCycleLR` ([`OneCycle`]).
    #[default]
    Pytorch,
    /// fastai `fit_one_cycle` ([`FastaiOneCycle`]).
    Fastai,
}

/// How PyTorch's `OneCycleLR` interpolates inside a phase (`anneal_strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Anneal {
    /// `end + (start − end)/2 · (cos(π·pct) + 1)`.
    #[default]
    Cos,
    /// `(end − start)·pct + start`.
    Linear,
}

impl Anneal {
    #[inline]
    fn apply(self, start: f64, end: f64, pct: f64) -> f64 {
        match self {
            Self::Cos => {
                let cos_out = (std::f64::consts::PI * pct).cos() + 1.0;
                end + (start - end) / 2.0 * cos_out
            }
            Self::Linear => (end - start) * pct + start,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Phase {
    end_step: f64,
    start_lr: f64,
    end_lr: f64,
    start_m: f64,
    end_m: f64,
}

/// PyTorch `OneCycleLR`, exactly. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct OneCycle {
    max_lr: f64,
    initial_lr: f64,
    min_lr: f64,
    total_steps: u64,
    pct_start: f64,
    anneal: Anneal,
    three_phase: bool,
    momentum: Option<(f64, f64)>,
    phases: [Phase; 3],
    n_phases: usize,
}

/// Builder for [`OneCycle`] with PyTorch's defaults; validation happens in [`Self::build`].
#[derive(Debug, Clone)]
pub struct OneCycleBuilder {
    max_lr: f64,
    total_steps: u64,
    pct_start: f64,
    anneal: Anneal,
    div_factor: f64,
    final_div_factor: f64,
    three_phase: bool,
    momentum: Option<(f64, f64)>,
}

impl OneCycleBuilder {
    /// Fraction of the cycle spent increasing the lr (default 0.3).
    pub fn pct_start(mut self, pct_start: f64) -> Self {
        self.pct_start = pct_start;
        self
    }
    /// Annealing strategy (default cos).
    pub fn anneal(mut self, anneal: Anneal) -> Self {
        self.anneal = anneal;
        self
    }
    /// `initial_lr = max_lr / div_factor` (default 25).
    pub fn div_factor(mut self, div_factor: f64) -> Self {
        self.div_factor = div_factor;
        self
    }
    /// `min_lr = initial_lr / final_div_factor` (default 1e4).
    pub fn final_div_factor(mut self, final_div_factor: f64) -> Self {
        self.final_div_factor = final_div_factor;
        self
    }
    /// Use the paper's three phases (default false).
    pub fn three_phase(mut self, three_phase: bool) -> Self {
        self.three_phase = three_phase;
        self
    }
    /// Cycle momentum between `base_momentum` (at the lr peak) and `max_momentum`
    /// (default 0.85 / 0.95).
    pub fn momentum(mut self, base_momentum: f64, max_momentum: f64) -> Self {
        self.momentum = Some((base_momentum, max_momentum));
        self
    }
    /// Do not cycle momentum (PyTorch `cycle_momentum=False`).
    pub fn no_momentum(mut self) -> Self {
        self.momentum = None;
        self
    }

    /// Validate and build.
    ///
    /// Errors: `max_lr` not finite or ≤ 0; `total_steps` < 1 or so small that a phase gets no
    /// iteration; `pct_start` outside `(0, 1)` (or > 0.5 with `three_phase`); `div` /
    /// `final_div` not finite or ≤ 0; momenta outside `[0, 1)` or `base_momentum > max_momentum`.
    pub fn build(self) -> Result<OneCycle, ParamError> {
        check::lr("max_lr", self.max_lr)?;
        check::at_least_one("total_steps", self.total_steps)?;
        check::open_unit("pct_start", self.pct_start)?;
        check::positive("div", self.div_factor)?;
        check::positive("final_div", self.final_div_factor)?;
        let initial_lr = self.max_lr / self.div_factor;
        check::derived_lr("div", self.div_factor, initial_lr, "max_lr / div")?;
        let min_lr = initial_lr / self.final_div_factor;
        if !(min_lr.is_finite() && min_lr <= check::MAX_LR) {
            return Err(ParamError::new(
                "final_div",
                self.final_div_factor,
                format!("`max_lr / div / final_div` = {min_lr} must be ≤ 1e300"),
            ));
        }
        if let Some((b, m)) = self.momentum {
            check::momentum_pair(b, m)?;
        }
        if self.three_phase && self.pct_start > 0.5 {
            return Err(ParamError::new(
                "pct_start",
                self.pct_start,
                "must be in (0, 0.5] with `three_phase` (phase 2 mirrors phase 1)",
            ));
        }
        let (base_m, max_m) = self.momentum.unwrap_or((0.0, 0.0));
        let total = self.total_steps as f64;
        let mut phases = [Phase::default(); 3];
        let n_phases = if self.three_phase {
            phases[0] = Phase {
                end_step: self.pct_start * total - 1.0,
                start_lr: initial_lr,
                end_lr: self.max_lr,
                start_m: max_m,
                end_m: base_m,
            };
            phases[1] = Phase {
                end_step: 2.0 * self.pct_start * total - 2.0,
                start_lr: self.max_lr,
                end_lr: initial_lr,
                start_m: base_m,
                end_m: max_m,
            };
            phases[2] = Phase {
                end_step: total - 1.0,
                start_lr: initial_lr,
                end_lr: min_lr,
                start_m: max_m,
                end_m: max_m,
            };
            3
        } else {
            phases[0] = Phase {
                end_step: self.pct_start * total - 1.0,
                start_lr: initial_lr,
                end_lr: self.max_lr,
                start_m: max_m,
                end_m: base_m,
            };
            phases[1] = Phase {
                end_step: total - 1.0,
                start_lr: self.max_lr,
                end_lr: min_lr,
                start_m: base_m,
                end_m: max_m,
            };
            2
        };
        // Every phase must contain an iteration: phase 1 holds [0, end], phase k > 1 holds
        // (previous end, end]; a zero-length phase would be PyTorch's ZeroDivisionError.
        let mut start = 0.0f64;
        for (k, phase) in phases[..n_phases].iter().enumerate() {
            let holds_a_step = if k == 0 {
                phase.end_step > 0.0
            } else {
                start.floor() + 1.0 <= phase.end_step
            };
            if !holds_a_step {
                return Err(ParamError::new(
                    "total_steps",
                    self.total_steps,
                    format!(
                        "too small for pct_start = {}: phase {} of {} (steps {}{start}, {}]) gets \
                         no iteration; every phase needs ≥ 1",
                        self.pct_start,
                        k + 1,
                        n_phases,
                        if k == 0 { "[" } else { "(" },
                        phase.end_step
                    ),
                ));
            }
            start = phase.end_step;
        }
        Ok(OneCycle {
            max_lr: self.max_lr,
            initial_lr,
            min_lr,
            total_steps: self.total_steps,
            pct_start: self.pct_start,
            anneal: self.anneal,
            three_phase: self.three_phase,
            momentum: self.momentum,
            phases,
            n_phases,
        })
    }
}

impl OneCycle {
    /// Builder with PyTorch's defaults (pct_start 0.3, cos, div 25, final_div 1e4, two phases,
    /// momentum 0.85–0.95).
    pub fn builder(max_lr: f64, total_steps: u64) -> OneCycleBuilder {
        OneCycleBuilder {
            max_lr,
            total_steps,
            pct_start: 0.3,
            anneal: Anneal::Cos,
            div_factor: 25.0,
            final_div_factor: 1e4,
            three_phase: false,
            momentum: Some((0.85, 0.95)),
        }
    }
    /// PyTorch's `OneCycleLR(optimizer, max_lr, total_steps)` with all defaults.
    pub fn new(max_lr: f64, total_steps: u64) -> Result<Self, ParamError> {
        Self::builder(max_lr, total_steps).build()
    }
    /// Peak learning rate.
    pub fn max_lr(&self) -> f64 {
        self.max_lr
    }
    /// `max_lr / div_factor`: the lr at `t = 0`.
    pub fn initial_lr(&self) -> f64 {
        self.initial_lr
    }
    /// `initial_lr / final_div_factor`: the lr at the last step.
    pub fn min_lr(&self) -> f64 {
        self.min_lr
    }
    /// Length of the cycle.
    pub fn total_steps(&self) -> u64 {
        self.total_steps
    }
    /// Fraction of the cycle spent warming up.
    pub fn pct_start(&self) -> f64 {
        self.pct_start
    }
    /// Annealing strategy.
    pub fn anneal(&self) -> Anneal {
        self.anneal
    }
    /// Whether the schedule has PyTorch's third phase.
    pub fn three_phase(&self) -> bool {
        self.three_phase
    }
    /// The last iteration of the warm-up phase (lr non-decreasing on `[0, warmup_end()]`,
    /// non-increasing afterwards in the two-phase policy).
    pub fn warmup_end(&self) -> u64 {
        // Phase 1 holds the steps t ≤ end_step, end_step > 0 by validation.
        self.phases[0].end_step.floor() as u64
    }
    /// `(min, max)` of the learning rate over the whole schedule.
    pub fn bounds(&self) -> (f64, f64) {
        let lo = self.initial_lr.min(self.min_lr).min(self.max_lr);
        let hi = self.initial_lr.max(self.min_lr).max(self.max_lr);
        (lo, hi)
    }

    #[inline]
    fn locate(&self, t: u64) -> (&Phase, f64) {
        let step = t.min(self.total_steps - 1) as f64;
        let mut start_step = 0.0;
        let last = self.n_phases - 1;
        for (i, phase) in self.phases[..self.n_phases].iter().enumerate() {
            if step <= phase.end_step || i == last {
                // `min(1.0)`: in the last phase `step` can exceed `end_step` when
                // `total_steps > 2^53` (`(total − 1) as f64` vs `total as f64 − 1.0` round
                // differently), and `pct > 1` would extrapolate past the final lr/momentum.
                // For `total_steps ≤ 2^53` both are exact, `pct ≤ 1`, and this is a no-op.
                let pct = (step - start_step) / (phase.end_step - start_step);
                return (phase, pct.min(1.0));
            }
            start_step = phase.end_step;
        }
        unreachable!("the last phase always matches")
    }
}

impl Schedule for OneCycle {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        let (phase, pct) = self.locate(t);
        self.anneal.apply(phase.start_lr, phase.end_lr, pct)
    }

    #[inline]
    fn momentum(&self, t: u64) -> Option<f64> {
        self.momentum?;
        let (phase, pct) = self.locate(t);
        Some(self.anneal.apply(phase.start_m, phase.end_m, pct))
    }

    fn cycles_momentum(&self) -> bool {
        self.momentum.is_some()
    }
}

/// fastai `SchedCos(start, end)(pos)`.
#[inline]
fn sched_cos(start: f64, end: f64, pos: f64) -> f64 {
    start + (1.0 + (std::f64::consts::PI * (1.0 - pos)).cos()) * (end - start) / 2.0
}

/// fastai's `fit_one_cycle` schedule, exactly. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct FastaiOneCycle {
    lr_max: f64,
    lr_start: f64,
    lr_end: f64,
    total_steps: u64,
    pct_start: f64,
    /// `cumsum([0, pct, 1 − pct])[1..]`, as fastai computes it.
    pcts: [f64; 2],
    moms: Option<(f64, f64, f64)>,
}

/// Builder for [`FastaiOneCycle`] with fastai's defaults; validation happens in [`Self::build`].
#[derive(Debug, Clone)]
pub struct FastaiOneCycleBuilder {
    lr_max: f64,
    total_steps: u64,
    div: f64,
    div_final: f64,
    pct_start: f64,
    moms: Option<(f64, f64, f64)>,
}

impl FastaiOneCycleBuilder {
    /// Initial lr is `lr_max / div` (fastai's `div`, default 25).
    pub fn div_factor(mut self, div: f64) -> Self {
        self.div = div;
        self
    }
    /// Final lr is `lr_max / div_final` (default 1e5).
    pub fn div_final(mut self, div_final: f64) -> Self {
        self.div_final = div_final;
        self
    }
    /// Fraction of the run spent warming up (default 0.25).
    pub fn pct_start(mut self, pct_start: f64) -> Self {
        self.pct_start = pct_start;
        self
    }
    /// Momentum at the start, the lr peak and the end (default (0.95, 0.85, 0.95)).
    pub fn moms(mut self, start: f64, middle: f64, end: f64) -> Self {
        self.moms = Some((start, middle, end));
        self
    }
    /// Do not schedule momentum.
    pub fn no_momentum(mut self) -> Self {
        self.moms = None;
        self
    }
    /// Validate and build.
    ///
    /// Errors: `max_lr` not finite or ≤ 0; `total_steps` < 1; `pct_start` outside `(0, 1)`;
    /// `div` / `final_div` not finite or ≤ 0; a momentum outside `[0, 1)`.
    pub fn build(self) -> Result<FastaiOneCycle, ParamError> {
        check::lr("max_lr", self.lr_max)?;
        check::at_least_one("total_steps", self.total_steps)?;
        check::open_unit("pct_start", self.pct_start)?;
        check::positive("div", self.div)?;
        check::positive("final_div", self.div_final)?;
        let lr_start = self.lr_max / self.div;
        check::derived_lr("div", self.div, lr_start, "max_lr / div")?;
        let lr_end = self.lr_max / self.div_final;
        if !(lr_end.is_finite() && lr_end <= check::MAX_LR) {
            return Err(ParamError::new(
                "final_div",
                self.div_final,
                format!("`max_lr / final_div` = {lr_end} must be ≤ 1e300"),
            ));
        }
        if let Some((a, b, c)) = self.moms {
            check::momentum("max_momentum", a)?;
            check::momentum("base_momentum", b)?;
            check::momentum("max_momentum", c)?;
        }
        let p1 = 0.0 + self.pct_start;
        let p2 = p1 + (1.0 - self.pct_start);
        Ok(FastaiOneCycle {
            lr_max: self.lr_max,
            lr_start,
            lr_end,
            total_steps: self.total_steps,
            pct_start: self.pct_start,
            pcts: [p1, p2],
            moms: self.moms,
        })
    }
}

impl FastaiOneCycle {
    /// Builder with fastai's defaults (div 25, div_final 1e5, pct_start 0.25,
    /// moms (0.95, 0.85, 0.95)).
    pub fn builder(lr_max: f64, total_steps: u64) -> FastaiOneCycleBuilder {
        FastaiOneCycleBuilder {
            lr_max,
            total_steps,
            div: 25.0,
            div_final: 1e5,
            pct_start: 0.25,
            moms: Some((0.95, 0.85, 0.95)),
        }
    }
    /// `fit_one_cycle(n_epoch, lr_max)` with all defaults, over `total_steps` batches.
    pub fn new(lr_max: f64, total_steps: u64) -> Result<Self, ParamError> {
        Self::builder(lr_max, total_steps).build()
    }
    /// Peak learning rate.
    pub fn lr_max(&self) -> f64 {
        self.lr_max
    }
    /// Number of batches in the run.
    pub fn total_steps(&self) -> u64 {
        self.total_steps
    }
    /// Fraction of the run spent warming up.
    pub fn pct_start(&self) -> f64 {
        self.pct_start
    }
    /// The last iteration whose lr is in the warm-up (non-decreasing) part.
    pub fn warmup_end(&self) -> u64 {
        // Largest t with t/total < pcts[1].
        let total = self.total_steps as f64;
        let mut t = ((self.pcts[0] * total).ceil() as u64)
            .saturating_add(1)
            .min(self.total_steps - 1);
        while t > 0 && (t as f64 / total) >= self.pcts[0] {
            t -= 1;
        }
        t
    }
    /// `(min, max)` of the learning rate.
    pub fn bounds(&self) -> (f64, f64) {
        (
            self.lr_start.min(self.lr_end).min(self.lr_max),
            self.lr_start.max(self.lr_end).max(self.lr_max),
        )
    }

    /// `(idx, actual_pos)` as fastai's `combine_scheds`.
    #[inline]
    fn locate(&self, t: u64) -> (usize, f64) {
        let i = t.min(self.total_steps - 1);
        let pos = i as f64 / self.total_steps as f64;
        if pos >= self.pcts[0] {
            (1, (pos - self.pcts[0]) / (self.pcts[1] - self.pcts[0]))
        } else {
            (0, (pos - 0.0) / (self.pcts[0] - 0.0))
        }
    }
}

impl Schedule for FastaiOneCycle {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        match self.locate(t) {
            (0, p) => sched_cos(self.lr_start, self.lr_max, p),
            (_, p) => sched_cos(self.lr_max, self.lr_end, p),
        }
    }

    #[inline]
    fn momentum(&self, t: u64) -> Option<f64> {
        let (a, b, c) = self.moms?;
        Some(match self.locate(t) {
            (0, p) => sched_cos(a, b, p),
            (_, p) => sched_cos(b, c, p),
        })
    }

    fn cycles_momentum(&self) -> bool {
        self.moms.is_some()
    }
}

/// The schedule of a `one-cycle` config (see [`ScheduleConfig`](super::ScheduleConfig)).
#[allow(clippy::too_many_arguments)]
pub(crate) fn from_config(
    max_lr: f64,
    total: u64,
    style: Option<OneCycleStyle>,
    pct_start: Option<f64>,
    anneal: Option<Anneal>,
    div: Option<f64>,
    final_div: Option<f64>,
    three_phase: Option<bool>,
    base_momentum: Option<f64>,
    max_momentum: Option<f64>,
    cycle_momentum: Option<bool>,
) -> Result<Box<dyn Schedule>, ParamError> {
    let cycle_momentum = cycle_momentum.unwrap_or(true);
    if !cycle_momentum {
        for (name, v) in [
            ("base_momentum", base_momentum),
            ("max_momentum", max_momentum),
        ] {
            if let Some(v) = v {
                return Err(ParamError::new(
                    name,
                    v,
                    "must not be set with `cycle_momentum = false`",
                ));
            }
        }
    }
    let base_m = base_momentum.unwrap_or(0.85);
    let max_m = max_momentum.unwrap_or(0.95);
    match style.unwrap_or_default() {
        OneCycleStyle::Pytorch => {
            let mut b = OneCycle::builder(max_lr, total)
                .pct_start(pct_start.unwrap_or(0.3))
                .anneal(anneal.unwrap_or_default())
                .div_factor(div.unwrap_or(25.0))
                .final_div_factor(final_div.unwrap_or(1e4))
                .three_phase(three_phase.unwrap_or(false))
                .momentum(base_m, max_m);
            if !cycle_momentum {
                b = b.no_momentum();
            }
            Ok(Box::new(b.build()?))
        }
        OneCycleStyle::Fastai => {
            if anneal == Some(Anneal::Linear) {
                return Err(ParamError::new(
                    "anneal",
                    "linear",
                    "must be \"cos\" with style = \"fastai\" (fit_one_cycle is cosine only)",
                ));
            }
            if three_phase == Some(true) {
                return Err(ParamError::new(
                    "three_phase",
                    true,
                    "must be false with style = \"fastai\" (fit_one_cycle has two phases)",
                ));
            }
            if cycle_momentum {
                check::momentum_pair(base_m, max_m)?;
            }
            let mut b = FastaiOneCycle::builder(max_lr, total)
                .pct_start(pct_start.unwrap_or(0.25))
                .div_factor(div.unwrap_or(25.0))
                .div_final(final_div.unwrap_or(1e5))
                .moms(max_m, base_m, max_m);
            if !cycle_momentum {
                b = b.no_momentum();
            }
            Ok(Box::new(b.build()?))
        }
    }
}

/// `(min, max)` of a `one-cycle` config's lr, from its fields and their defaults.
pub(crate) fn config_bounds(
    max_lr: f64,
    style: Option<OneCycleStyle>,
    div: Option<f64>,
    final_div: Option<f64>,
) -> (f64, f64) {
    let start = max_lr / div.unwrap_or(25.0);
    let end = match style.unwrap_or_default() {
        OneCycleStyle::Pytorch => start / final_div.unwrap_or(1e4),
        OneCycleStyle::Fastai => max_lr / final_div.unwrap_or(1e5),
    };
    (start.min(end).min(max_lr), start.max(end).max(max_lr))
}

/// ULMFiT's slanted triangular learning rate, as allennlp's `SlantedTriangular` computes it (see
/// the [module docs](self)): a short linear rise from `max_lr / ratio` to `max_lr` over the first
/// `cut = ⌊total_steps · cut_frac⌋` iterations, then a long linear fall.
#[derive(Debug, Clone, PartialEq)]
pub struct SlantedTriangular {
    max_lr: f64,
    total_steps: u64,
    cut: u64,
    ratio: f64,
}

impl SlantedTriangular {
    /// `max_lr` > 0, `cut_frac` in (0, 1), `ratio` ≥ 1 (finite, `max_lr / ratio` a valid lr),
    /// `total_steps` ≥ 2 and `⌊total_steps · cut_frac⌋` ≥ 1. ULMFiT's defaults are
    /// `cut_frac = 0.1`, `ratio = 32`.
    pub fn new(
        max_lr: f64,
        total_steps: u64,
        cut_frac: f64,
        ratio: f64,
    ) -> Result<Self, ParamError> {
        check::lr("max_lr", max_lr)?;
        check::open_unit("cut_frac", cut_frac)?;
        if !(ratio.is_finite() && ratio >= 1.0) {
            return Err(ParamError::new(
                "ratio",
                ratio,
                "must be finite and ≥ 1 (`max_lr` over the lowest lr)",
            ));
        }
        check::derived_lr("ratio", ratio, max_lr / ratio, "max_lr / ratio")?;
        if total_steps < 2 {
            return Err(ParamError::new(
                "total_steps",
                total_steps,
                "must be ≥ 2 (a rise and a fall)",
            ));
        }
        // ULMFiT's `⌊T · cut_frac⌋` (allennlp: `int(num_steps * cut_frac)`); < T as cut_frac < 1.
        let cut = (total_steps as f64 * cut_frac).floor() as u64;
        if cut == 0 {
            return Err(ParamError::new(
                "cut_frac",
                cut_frac,
                format!(
                    "must be ≥ 1/`total_steps` ({}) so that the rise lasts at least one iteration",
                    1.0 / total_steps as f64
                ),
            ));
        }
        Ok(Self {
            max_lr,
            total_steps,
            cut,
            ratio,
        })
    }

    /// The iteration of the peak, `⌊total_steps · cut_frac⌋`.
    pub fn cut(&self) -> u64 {
        self.cut
    }
}

impl Schedule for SlantedTriangular {
    fn lr(&self, t: u64) -> f64 {
        let t = t.min(self.total_steps - 1);
        let p = if t < self.cut {
            t as f64 / self.cut as f64
        } else {
            1.0 - (t - self.cut) as f64 / (self.total_steps - self.cut) as f64
        };
        self.max_lr * (1.0 + p * (self.ratio - 1.0)) / self.ratio
    }
}

/// The schedule of a `slanted-triangular` config: `total_steps` defaults to the run length (and
/// an error about it says so), `cut_frac` to 0.1, `ratio` to 32.
pub(crate) fn slanted_from_config(
    max_lr: f64,
    total_steps: Option<u64>,
    cut_frac: Option<f64>,
    ratio: Option<f64>,
    total_iters: u64,
) -> Result<Box<dyn Schedule>, ParamError> {
    SlantedTriangular::new(
        max_lr,
        total_steps.unwrap_or(total_iters),
        cut_frac.unwrap_or(0.1),
        ratio.unwrap_or(32.0),
    )
    .map(|s| Box::new(s) as Box<dyn Schedule>)
    .map_err(|e| check::run_length_note(e, "total_steps", total_steps.is_some()))
}

/// The single-cycle policies, for the [registry](super::registry).
macro_rules! one_cycle_policies {
    ([$($rest:tt)*] $($acc:tt)*) => {
        crate::schedule::registry::collect! { [$($rest)*] $($acc)* {
            keys [
                /// slanted-triangular: the fraction of `total_steps` spent rising.
                cut_frac: f64 => Float(
                    "F",
                    "slanted-triangular: fraction of the iterations spent increasing the LR (ULMFiT cut_frac; default 0.1)"
                ),
                /// slanted-triangular: `max_lr` over the lowest lr.
                ratio: f64 => Float(
                    "R",
                    "slanted-triangular: max-lr / lowest LR (ULMFiT ratio; default 32)"
                ),
            ]
            policies [
                /// The 1cycle policy, PyTorch or fastai style.
                OneCycle = "one-cycle", Other {
                    formula: "PyTorch OneCycleLR (--style pytorch) or fastai fit_one_cycle (--style fastai)",
                    auto: [("max_lr", OneCyclePeak)],
                    params: {
                        /// Peak lr.
                        req max_lr: f64,
                        /// Cycle length (default: the run length).
                        opt total_steps: u64,
                        /// Implementation to reproduce (default pytorch).
                        opt style: crate::schedule::one_cycle::OneCycleStyle,
                        /// Warm-up fraction (default 0.3 pytorch, 0.25 fastai).
                        opt pct_start: f64,
                        /// Annealing (default cos; linear: pytorch only).
                        opt anneal: crate::schedule::one_cycle::Anneal,
                        /// Initial lr = `max_lr / div` (default 25).
                        opt div: f64,
                        /// Final lr = `max_lr / div / final_div` (pytorch, default 1e4) or
                        /// `max_lr / final_div` (fastai, default 1e5).
                        opt final_div: f64,
                        /// PyTorch's three phases (default false).
                        opt three_phase: bool,
                        /// Momentum at the lr peak (default 0.85).
                        opt base_momentum: f64,
                        /// Momentum at the start and end (default 0.95).
                        opt max_momentum: f64,
                        /// Whether momentum cycles (default true).
                        opt cycle_momentum: bool,
                    },
                    build(total_iters): {
                        crate::schedule::one_cycle::from_config(
                            max_lr,
                            total_steps.unwrap_or(total_iters),
                            style,
                            pct_start,
                            anneal,
                            div,
                            final_div,
                            three_phase,
                            base_momentum,
                            max_momentum,
                            cycle_momentum,
                        )
                    },
                    bounds: {
                        crate::schedule::one_cycle::config_bounds(max_lr, style, div, final_div)
                    },
                }
                /// ULMFiT's slanted triangular learning rate (allennlp's `SlantedTriangular`).
                SlantedTriangular = "slanted-triangular", Other {
                    formula: "max_lr * (1 + p*(ratio-1))/ratio, p = t/cut rising, then 1 - (t-cut)/(T-cut), cut = floor(T*cut_frac), T = --iters (ULMFiT)",
                    auto: [("max_lr", OneCyclePeak)],
                    params: {
                        /// Peak lr, reached at `t = cut`.
                        req max_lr: f64,
                        /// `T`, the schedule's length (default: the run length).
                        opt total_steps: u64,
                        /// Fraction of `T` spent rising, in (0, 1) (default 0.1).
                        opt cut_frac: f64,
                        /// `max_lr` over the lowest lr, ≥ 1 (default 32).
                        opt ratio: f64,
                    },
                    build(total_iters): {
                        crate::schedule::one_cycle::slanted_from_config(
                            max_lr,
                            total_steps,
                            cut_frac,
                            ratio,
                            total_iters,
                        )
                    },
                    bounds: { (max_lr / ratio.unwrap_or(32.0), max_lr) },
                }
            ]
        } }
    };
}
pub(crate) use one_cycle_policies;

#[cfg(test)]
mod tests;

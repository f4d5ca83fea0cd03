//! Cyclical learning rates (Smith 2017, arXiv 1506.01186) and PyTorch `CyclicLR`.
//!
//! # The paper's formula
//!
//! With step size `s` (half a cycle, in iterations):
//!
//! ```text
//! cycle = floor(1 + t / (2s))
//! x     = |t/s − 2·cycle + 1|                      ∈ [0, 1], 1 at a cycle's start, 0 at its peak
//! lr    = base_lr + (max_lr − base_lr) · max(0, 1 − x) · scale
//! ```
//!
//! where `scale` is `1` (`triangular`), `1/2^(cycle−1)` (`triangular2`, the amplitude halves every
//! cycle) or `γ^t` (`exp_range`).
//!
//! # PyTorch's generalisation (what is computed)
//!
//! `CyclicLR` allows an asymmetric cycle of `step_size_up + step_size_down` iterations and any
//! scale function, evaluated on the cycle number (`ScaleMode::Cycle`) or on the iteration
//! (`ScaleMode::Iterations`). Its `get_lr` computes, in this order:
//!
//! ```text
//! total_size   = step_size_up + step_size_down
//! step_ratio   = step_size_up / total_size
//! cycle        = floor(1 + t / total_size)
//! x            = 1 + t / total_size − cycle          ∈ [0, 1): position inside the cycle
//! scale_factor = x / step_ratio                  if x ≤ step_ratio   (rising edge)
//!              = (x − 1) / (step_ratio − 1)      otherwise           (falling edge)
//! base_height  = (max_lr − base_lr) · scale_factor
//! lr           = base_lr + base_height · scale_fn(cycle or t)
//! momentum     = max_momentum − (max_momentum − base_momentum) · scale_factor · scale_fn(cycle or t)
//! ```
//!
//! With `step_size_up = step_size_down = s`, `scale_factor = 1 − x_paper`, so this is the paper's
//! formula. Momentum, when cycled, moves inversely to the learning rate **and is multiplied by the
//! same scale function** — this is what PyTorch's source does (`momentum = max_momentum −
//! base_height · scale_fn(...)` with `base_height = (max_momentum − base_momentum) · scale_factor`),
//! so with `triangular2` the momentum dip halves every cycle just like the lr peak.
//!
//! This is computed with exactly PyTorch's float operations, in PyTorch's order, so every value
//! is bit-for-bit PyTorch's (the golden tests check 12 500-iteration runs bit for bit). Like
//! PyTorch's, `x` carries the rounding error of `t / total_size`, about
//! `2^−52 · t / total_size` absolute: negligible in any real run (≈ 1e−12 at `t = 1e8`,
//! `total_size = 4000`), and the schedule is periodic up to that rounding.
//!
//! `triangular2`'s `1/2^(cycle−1)` is computed without overflow: it is exactly `0` beyond ~1075
//! cycles (PyTorch raises `OverflowError` in `2.0 ** (cycle − 1)` after 1024 cycles, issue
//! #52989), so the learning rate settles at `base_lr`, never `NaN`.
//!
//! # Window shapes
//!
//! The paper reports that the triangular window is as good as the parabolic (Welch) and
//! sinusoidal (Hann) windows. They are applied to the same `x = 1 − scale_factor`:
//!
//! ```text
//! triangular: w = 1 − x              (= scale_factor)
//! welch:      w = 1 − x²
//! hann:       w = ½ (1 + cos(π x))
//! lr          = base_lr + (max_lr − base_lr) · w · scale_fn(...)
//! ```
use std::fmt;
use std::sync::Arc;

use super::check;
use crate::{ParamError, Schedule};

/// A custom amplitude-scale function, as PyTorch's `scale_fn`. Should return values in `[0, 1]`
/// for the learning rate to stay within `[base_lr, max_lr]`.
pub type ScaleFn = Arc<dyn Fn(f64) -> f64 + Send + Sync>;

/// What a scale function is evaluated on (PyTorch's `scale_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleMode {
    /// The 1-based cycle number `floor(1 + t/total_size)`.
    Cycle,
    /// The iteration `t`.
    Iterations,
}

/// How the cycle amplitude `max_lr − base_lr` is scaled over training (PyTorch's `mode`).
#[derive(Clone)]
pub enum ScalePolicy {
    /// `triangular`: constant amplitude, `scale = 1`.
    Constant,
    /// `triangular2`: amplitude halves every cycle, `scale = 1/2^(cycle−1)`.
    Halving,
    /// `exp_range`: `scale = gamma^t` (per iteration).
    ExpRange {
        /// Decay base per iteration, in `(0, 1]`.
        gamma: f64,
    },
    /// A user scale function (PyTorch's `scale_fn` + `scale_mode`).
    Custom {
        /// The function; evaluated on the cycle number or the iteration, as `mode` says.
        f: ScaleFn,
        /// What `f` is evaluated on.
        mode: ScaleMode,
    },
}

impl fmt::Debug for ScalePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Constant => f.write_str("Constant"),
            Self::Halving => f.write_str("Halving"),
            Self::ExpRange { gamma } => f.debug_struct("ExpRange").field("gamma", gamma).finish(),
            Self::Custom { mode, .. } => f
                .debug_struct("Custom")
                .field("f", &"<fn>")
                .field("mode", mode)
                .finish(),
        }
    }
}

impl ScalePolicy {
    #[inline]
    fn eval(&self, cycle: f64, t: u64) -> f64 {
        match self {
            Self::Constant => 1.0,
            Self::Halving => halving(cycle),
            Self::ExpRange { gamma } => gamma.powf(t as f64),
            Self::Custom {
                f,
                mode: ScaleMode::Cycle,
            } => f(cycle),
            Self::Custom {
                f,
                mode: ScaleMode::Iterations,
            } => f(t as f64),
        }
    }
}

/// `1 / 2^(cycle − 1)` without overflow: exact powers of two, `0` once `2^(cycle−1)` overflows.
#[inline]
fn halving(cycle: f64) -> f64 {
    let k = cycle - 1.0;
    if k > 1100.0 {
        0.0
    } else {
        // Same as Python's `1 / (2.0 ** (cycle - 1))`: 2^k is exact (or +inf, giving 0).
        1.0 / 2f64.powi(k as i32)
    }
}

/// The window applied to the position in the cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Linear ramps (the paper's and PyTorch's): `w = scale_factor`.
    Triangular,
    /// Parabolic: `w = 1 − (1 − scale_factor)²`.
    Welch,
    /// Sinusoidal: `w = ½ (1 + cos(π (1 − scale_factor)))`.
    Hann,
}

impl Window {
    #[inline]
    fn apply(self, scale_factor: f64) -> f64 {
        match self {
            Self::Triangular => scale_factor,
            Self::Welch => {
                let x = 1.0 - scale_factor;
                1.0 - x * x
            }
            Self::Hann => 0.5 * (1.0 + (std::f64::consts::PI * (1.0 - scale_factor)).cos()),
        }
    }
}

/// A cyclical learning rate: Smith's triangular policies, PyTorch `CyclicLR`, Welch/Hann windows.
///
/// Build with [`Cyclical::triangular`], [`Cyclical::triangular2`], [`Cyclical::exp_range`],
/// [`Cyclical::welch`], [`Cyclical::hann`] or, for everything else, [`Cyclical::builder`].
#[derive(Debug, Clone)]
pub struct Cyclical {
    base_lr: f64,
    max_lr: f64,
    step_size_up: u64,
    step_size_down: u64,
    period: u64,
    total_size: f64,
    step_ratio: f64,
    window: Window,
    scale: ScalePolicy,
    momentum: Option<(f64, f64)>,
}

/// Builder for [`Cyclical`]; validation happens in [`CyclicalBuilder::build`].
#[derive(Debug, Clone)]
pub struct CyclicalBuilder {
    base_lr: f64,
    max_lr: f64,
    step_size_up: u64,
    step_size_down: Option<u64>,
    window: Window,
    scale: ScalePolicy,
    momentum: Option<(f64, f64)>,
}

impl CyclicalBuilder {
    /// Iterations of the falling edge (PyTorch `step_size_down`); default: `step_size_up`.
    pub fn step_size_down(mut self, step_size_down: u64) -> Self {
        self.step_size_down = Some(step_size_down);
        self
    }
    /// The window shape (default [`Window::Triangular`]).
    pub fn window(mut self, window: Window) -> Self {
        self.window = window;
        self
    }
    /// The amplitude scaling (default [`ScalePolicy::Constant`]).
    pub fn scale(mut self, scale: ScalePolicy) -> Self {
        self.scale = scale;
        self
    }
    /// A custom scale function (PyTorch `scale_fn` / `scale_mode`).
    pub fn scale_fn(
        mut self,
        f: impl Fn(f64) -> f64 + Send + Sync + 'static,
        mode: ScaleMode,
    ) -> Self {
        self.scale = ScalePolicy::Custom {
            f: Arc::new(f),
            mode,
        };
        self
    }
    /// Cycle momentum inversely to the learning rate, between `base_momentum` (at the lr peak)
    /// and `max_momentum` (at the cycle's start). PyTorch's `cycle_momentum=True`.
    pub fn momentum(mut self, base_momentum: f64, max_momentum: f64) -> Self {
        self.momentum = Some((base_momentum, max_momentum));
        self
    }
    /// Validate and build.
    ///
    /// Errors: `base_lr` not finite or ≤ 0; `max_lr` not finite or ≤ `base_lr`; `step_size`
    /// or `step_size_down` < 1 (or their sum overflowing); `gamma` outside `(0, 1]`;
    /// `base_momentum`/`max_momentum` outside `[0, 1)` or `base_momentum > max_momentum`.
    pub fn build(self) -> Result<Cyclical, ParamError> {
        check::lr_pair("base_lr", self.base_lr, "max_lr", self.max_lr)?;
        check::at_least_one("step_size", self.step_size_up)?;
        let down = self.step_size_down.unwrap_or(self.step_size_up);
        check::at_least_one("step_size_down", down)?;
        let period = self.step_size_up.checked_add(down).ok_or_else(|| {
            ParamError::new(
                "step_size_down",
                down,
                format!(
                    "`step_size` + `step_size_down` must fit in u64 (step_size = {})",
                    self.step_size_up
                ),
            )
        })?;
        if let ScalePolicy::ExpRange { gamma } = self.scale {
            check::gamma("gamma", gamma)?;
        }
        if let Some((base_m, max_m)) = self.momentum {
            check::momentum_pair(base_m, max_m)?;
        }
        // PyTorch: step_size_up = float(step_size_up); total_size = up + down; ratio = up / total.
        let up = self.step_size_up as f64;
        let total_size = up + down as f64;
        Ok(Cyclical {
            base_lr: self.base_lr,
            max_lr: self.max_lr,
            step_size_up: self.step_size_up,
            step_size_down: down,
            period,
            total_size,
            step_ratio: up / total_size,
            window: self.window,
            scale: self.scale,
            momentum: self.momentum,
        })
    }
}

impl Cyclical {
    /// Start a builder: triangular window, constant amplitude, symmetric cycle, no momentum.
    pub fn builder(base_lr: f64, max_lr: f64, step_size_up: u64) -> CyclicalBuilder {
        CyclicalBuilder {
            base_lr,
            max_lr,
            step_size_up,
            step_size_down: None,
            window: Window::Triangular,
            scale: ScalePolicy::Constant,
            momentum: None,
        }
    }
    /// Smith's `triangular` (PyTorch `mode="triangular"`).
    pub fn triangular(base_lr: f64, max_lr: f64, step_size: u64) -> Result<Self, ParamError> {
        Self::builder(base_lr, max_lr, step_size).build()
    }
    /// Smith's `triangular2`: the amplitude halves every cycle.
    pub fn triangular2(base_lr: f64, max_lr: f64, step_size: u64) -> Result<Self, ParamError> {
        Self::builder(base_lr, max_lr, step_size)
            .scale(ScalePolicy::Halving)
            .build()
    }
    /// Smith's `exp_range`: the amplitude decays as `gamma^t`.
    pub fn exp_range(
        base_lr: f64,
        max_lr: f64,
        step_size: u64,
        gamma: f64,
    ) -> Result<Self, ParamError> {
        Self::builder(base_lr, max_lr, step_size)
            .scale(ScalePolicy::ExpRange { gamma })
            .build()
    }
    /// Parabolic (Welch) window, constant amplitude.
    pub fn welch(base_lr: f64, max_lr: f64, step_size: u64) -> Result<Self, ParamError> {
        Self::builder(base_lr, max_lr, step_size)
            .window(Window::Welch)
            .build()
    }
    /// Sinusoidal (Hann) window, constant amplitude.
    pub fn hann(base_lr: f64, max_lr: f64, step_size: u64) -> Result<Self, ParamError> {
        Self::builder(base_lr, max_lr, step_size)
            .window(Window::Hann)
            .build()
    }

    /// Lower bound of the learning rate.
    pub fn base_lr(&self) -> f64 {
        self.base_lr
    }
    /// Upper bound of the learning rate (reached at the first peak).
    pub fn max_lr(&self) -> f64 {
        self.max_lr
    }
    /// Iterations of the rising edge.
    pub fn step_size_up(&self) -> u64 {
        self.step_size_up
    }
    /// Iterations of the falling edge.
    pub fn step_size_down(&self) -> u64 {
        self.step_size_down
    }
    /// Cycle length `step_size_up + step_size_down`: with a constant amplitude,
    /// `lr(t) == lr(t + period())` up to the rounding of `t / period` (see the module docs).
    pub fn period(&self) -> u64 {
        self.period
    }
    /// The window shape.
    pub fn window(&self) -> Window {
        self.window
    }
    /// The amplitude scaling.
    pub fn scale(&self) -> &ScalePolicy {
        &self.scale
    }
    /// `(base_momentum, max_momentum)` when momentum cycles.
    pub fn momentum_range(&self) -> Option<(f64, f64)> {
        self.momentum
    }
    /// `(min, max)` of the learning rate: `(base_lr, max_lr)` (a custom scale function is assumed
    /// to stay in `[0, 1]`).
    pub fn bounds(&self) -> (f64, f64) {
        (self.base_lr, self.max_lr)
    }

    /// `(cycle, scale_factor)` for iteration `t`, with PyTorch's arithmetic (see module docs).
    #[inline]
    fn position(&self, t: u64) -> (f64, f64) {
        // PyTorch: cycle = math.floor(1 + t / total_size); x = 1.0 + t / total_size − cycle.
        let r = t as f64 / self.total_size;
        let cycle = (1.0 + r).floor();
        let x = 1.0 + r - cycle;
        let scale_factor = if x <= self.step_ratio {
            x / self.step_ratio
        } else {
            (x - 1.0) / (self.step_ratio - 1.0)
        };
        (cycle, scale_factor)
    }
}

impl Schedule for Cyclical {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        let (cycle, scale_factor) = self.position(t);
        // PyTorch: base_height = (max − base) · scale_factor; lr = base + base_height · scale_fn.
        let base_height = (self.max_lr - self.base_lr) * self.window.apply(scale_factor);
        self.base_lr + base_height * self.scale.eval(cycle, t)
    }

    #[inline]
    fn momentum(&self, t: u64) -> Option<f64> {
        let (base_m, max_m) = self.momentum?;
        let (cycle, scale_factor) = self.position(t);
        let base_height = (max_m - base_m) * self.window.apply(scale_factor);
        Some(max_m - base_height * self.scale.eval(cycle, t))
    }

    fn cycles_momentum(&self) -> bool {
        self.momentum.is_some()
    }

    /// A cycle is `step_size + step_size_down` iterations; it ends where the next one starts,
    /// at `base_lr`.
    fn cycle_ends(&self, iters: u64) -> Option<Vec<u64>> {
        Some((1..=iters / self.period).map(|k| k * self.period).collect())
    }
}

/// Momentum range of a cyclical policy's config: both bounds or neither.
pub(crate) fn momentum_pair(
    base_momentum: Option<f64>,
    max_momentum: Option<f64>,
) -> Result<Option<(f64, f64)>, ParamError> {
    const WHY: &str = "`base_momentum` and `max_momentum` must be given together (momentum cycles \
                       only when both are set)";
    match (base_momentum, max_momentum) {
        (Some(b), Some(m)) => Ok(Some((b, m))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ParamError::new("max_momentum", "missing", WHY)),
        (None, Some(_)) => Err(ParamError::new("base_momentum", "missing", WHY)),
    }
}

/// The schedule of a cyclical policy's config (what every declaration below builds).
#[allow(clippy::too_many_arguments)]
pub(crate) fn from_config(
    base_lr: f64,
    max_lr: f64,
    step_size: u64,
    step_size_down: Option<u64>,
    window: Window,
    scale: ScalePolicy,
    base_momentum: Option<f64>,
    max_momentum: Option<f64>,
) -> Result<Box<dyn Schedule>, ParamError> {
    let mut b = Cyclical::builder(base_lr, max_lr, step_size)
        .window(window)
        .scale(scale);
    if let Some(down) = step_size_down {
        b = b.step_size_down(down);
    }
    if let Some((bm, mm)) = momentum_pair(base_momentum, max_momentum)? {
        b = b.momentum(bm, mm);
    }
    Ok(Box::new(b.build()?))
}

/// The cyclical policies, for the [registry](super::registry). They share one declaration (the
/// `@one` arm): each names its window, its scale and any keys of its own (exp-range's `gamma`).
macro_rules! cyclical_policies {
    ([$($rest:tt)*] $($acc:tt)*) => {
        crate::schedule::cyclical::cyclical_policies! { @each [$($rest)*] [$($acc)*] []
            {
                /// Smith's triangular policy.
                Triangular = "triangular",
                "base + (max-base)*max(0, 1-x), x = |t/s - 2*cycle + 1|, cycle = floor(1 + t/(2s))",
                Triangular, (crate::schedule::cyclical::ScalePolicy::Constant), []
            }
            {
                /// Triangular with the amplitude halved every cycle.
                Triangular2 = "triangular2",
                "triangular with the amplitude halved every cycle",
                Triangular, (crate::schedule::cyclical::ScalePolicy::Halving), []
            }
            {
                /// Triangular with the amplitude scaled by `gamma^t`.
                ExpRange = "exp-range",
                "triangular with the amplitude scaled by gamma^t",
                Triangular,
                (crate::schedule::cyclical::ScalePolicy::ExpRange { gamma: gamma.unwrap_or(1.0) }),
                [
                    /// Amplitude decay per iteration, in (0, 1] (default 1.0, PyTorch's).
                    opt gamma: f64,
                ]
            }
            {
                /// Parabolic (Welch) window on the triangular cycle.
                Welch = "welch",
                "triangular's x through the window 1 - x^2",
                Welch, (crate::schedule::cyclical::ScalePolicy::Constant), []
            }
            {
                /// Sinusoidal (Hann) window on the triangular cycle.
                Hann = "hann",
                "triangular's x through the window (1 + cos(pi x))/2",
                Hann, (crate::schedule::cyclical::ScalePolicy::Constant), []
            }
        }
    };
    (@each [$($rest:tt)*] [$($acc:tt)*] [$($done:tt)*]
        {
            $(#[doc = $doc:literal])*
            $V:ident = $name:literal, $formula:literal, $window:ident, ($($scale:tt)*),
            [$($extra:tt)*]
        }
        $($more:tt)*
    ) => {
        crate::schedule::cyclical::cyclical_policies! { @each [$($rest)*] [$($acc)*] [
            $($done)*
            $(#[doc = $doc])*
            $V = $name, Cyclical {
                formula: $formula,
                auto: [("base_lr", Base), ("max_lr", Max)],
                params: {
                    /// Lower lr bound.
                    req base_lr: f64,
                    /// Upper lr bound.
                    req max_lr: f64,
                    /// Iterations of the rising edge (half a cycle when symmetric).
                    req step_size: u64,
                    /// Iterations of the falling edge (default `step_size`).
                    opt step_size_down: u64,
                    $($extra)*
                    /// Momentum at the lr peak (give with `max_momentum` to cycle momentum).
                    opt base_momentum: f64,
                    /// Momentum at the cycle start.
                    opt max_momentum: f64,
                },
                build(total_iters): {
                    crate::schedule::cyclical::from_config(
                        base_lr,
                        max_lr,
                        step_size,
                        step_size_down,
                        crate::schedule::cyclical::Window::$window,
                        $($scale)*,
                        base_momentum,
                        max_momentum,
                    )
                },
                bounds: { (base_lr, max_lr) },
            }
        ] $($more)* }
    };
    (@each [$($rest:tt)*] [$($acc:tt)*] [$($done:tt)*]) => {
        crate::schedule::registry::collect! {
            [$($rest)*] $($acc)* { keys [] policies [ $($done)* ] }
        }
    };
}
pub(crate) use cyclical_policies;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_formula_matches_pytorch_form() {
        let s = 7u64;
        let sched = Cyclical::triangular(0.1, 1.0, s).unwrap();
        for t in 0..200u64 {
            let cycle = (1.0 + t as f64 / (2.0 * s as f64)).floor();
            let x = (t as f64 / s as f64 - 2.0 * cycle + 1.0).abs();
            let paper = 0.1 + 0.9 * (1.0 - x).max(0.0);
            assert!((sched.lr(t) - paper).abs() < 1e-12, "t={t}");
        }
    }

    #[test]
    fn triangular2_never_nan() {
        let sched = Cyclical::triangular2(0.001, 0.006, 2000).unwrap();
        for t in [
            2 * 2000 * 1_000_000u64,
            2 * 2000 * 1_000_000 + 2000,
            1 << 40,
            u64::MAX,
        ] {
            let lr = sched.lr(t);
            assert!(lr.is_finite());
            assert_eq!(lr, 0.001);
        }
        assert_eq!(halving(1.0), 1.0);
        assert_eq!(halving(3.0), 0.25);
        assert_eq!(halving(1030.0), 0.0);
        assert_eq!(halving(1e300), 0.0);
    }

    #[test]
    fn windows_hit_endpoints() {
        for w in [Window::Triangular, Window::Welch, Window::Hann] {
            assert_eq!(w.apply(0.0), 0.0);
            assert_eq!(w.apply(1.0), 1.0);
        }
        let h = Cyclical::hann(0.1, 0.5, 10).unwrap();
        assert_eq!(h.lr(0), 0.1);
        assert!((h.lr(10) - 0.5).abs() < 1e-15);
        assert!((h.lr(5) - 0.3).abs() < 1e-15);
    }

    #[test]
    fn custom_scale_fns_reproduce_the_modes() {
        let t2 = Cyclical::triangular2(0.001, 0.006, 20).unwrap();
        let c2 = Cyclical::builder(0.001, 0.006, 20)
            .scale_fn(|c| 1.0 / 2f64.powf(c - 1.0), ScaleMode::Cycle)
            .momentum(0.8, 0.9)
            .build()
            .unwrap();
        let er = Cyclical::exp_range(0.001, 0.006, 20, 0.999).unwrap();
        let ce = Cyclical::builder(0.001, 0.006, 20)
            .scale_fn(|t| 0.999f64.powf(t), ScaleMode::Iterations)
            .build()
            .unwrap();
        for t in 0..500 {
            assert_eq!(t2.lr(t), c2.lr(t));
            assert_eq!(er.lr(t), ce.lr(t));
        }
        // PyTorch scales the momentum swing by the same scale function.
        assert!((c2.momentum(20).unwrap() - 0.8).abs() < 1e-15);
        assert!((c2.momentum(60).unwrap() - 0.85).abs() < 1e-15);
        assert!(format!("{c2:?}").contains("<fn>"));
    }

    #[test]
    fn errors_name_the_parameter() {
        let e = Cyclical::triangular(0.2, 0.1, 10).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid `base_lr` = 0.2: must be < `max_lr` (0.1)"
        );
        assert_eq!(
            Cyclical::triangular(0.1, 0.2, 0).unwrap_err().param,
            "step_size"
        );
        assert_eq!(
            Cyclical::builder(0.1, 0.2, 1)
                .step_size_down(0)
                .build()
                .unwrap_err()
                .param,
            "step_size_down"
        );
        assert_eq!(
            Cyclical::exp_range(0.1, 0.2, 1, 1.5).unwrap_err().param,
            "gamma"
        );
        assert_eq!(
            Cyclical::builder(0.1, 0.2, 1)
                .momentum(0.95, 0.85)
                .build()
                .unwrap_err()
                .param,
            "base_momentum"
        );
    }
}

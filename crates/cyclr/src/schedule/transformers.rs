//! Hugging Face transformers' schedules (`transformers/optimization.py`, version 5.24), exactly.
//!
//! (Over 800 lines: seven schedules, each with transformers' exact float order and its checks,
//! and their registry declarations; the tests are in `transformers/tests.rs`.)
//!
//! transformers builds every schedule as a torch `LambdaLR` whose `lr_lambda(current_step)`
//! returns a factor of the optimizer's learning rate, and `LambdaLR` sets
//! `lr = base_lr * lr_lambda(last_epoch)` in Python floats, `last_epoch` being the number of
//! `scheduler.step()` calls so far — cyclr's `t`, the lr read before optimizer step `t`. So for
//! every policy here
//!
//! ```text
//! lr(t) = lr * lr_lambda(t)          (lr: the optimizer's lr, transformers' `lr_init`)
//! ```
//!
//! with `lr_lambda` as transformers writes it, below. Notation: `N` = `num_warmup_steps`,
//! `T` = `num_training_steps`, `S` = `num_stable_steps`, `D` = `num_decay_steps`; `t`, `N`,
//! `T`, `S`, `D` are Python ints (integer arithmetic is exact); `float(·)` is the correctly
//! rounded conversion; `/` is float division (`int / int` is Python's correctly rounded true
//! division); Python's `max(0.0, x)` is `x if x > 0.0 else 0.0`. Each float operation below is
//! performed in the same order with the same operands here, and `cos`, `sqrt`, `pow` are the
//! platform's libm as in CPython, so every value is bit-identical to transformers' (see
//! `tests/golden_hf.rs`).
//!
//! # Warm-up (every policy but `wsd`, `t < N`)
//!
//! ```text
//! float(t) / float(max(1, N))            0 at t = 0, (N − 1)/N at t = N − 1, 1 from t = N on
//! ```
//!
//! This is transformers' `num_warmup_steps` and is part of each formula. It is **not** cyclr's
//! `warmup` key ([`Warmup`](super::Warmup): `min(1, (t + 1)/warmup)`, starting at `1/warmup`,
//! multiplied onto any policy). Both exist on every policy here; given both, they multiply.
//!
//! # [`ConstantWithWarmup`] — `get_constant_schedule_with_warmup`
//!
//! ```text
//! t < N:  float(t) / float(max(1.0, N))
//! else:   1.0
//! ```
//!
//! # [`LinearWithWarmup`] — `get_linear_schedule_with_warmup`
//!
//! ```text
//! t < N:  float(t) / float(max(1, N))
//! else:   max(0.0, float(T − t) / float(max(1, T − N)))
//! ```
//!
//! # [`CosineWithWarmup`] — `get_cosine_schedule_with_warmup` and `get_cosine_with_min_lr_schedule_with_warmup(min_lr_rate=…)`
//!
//! ```text
//! t < N:  float(t) / float(max(1, N))
//! else:   progress = float(t − N) / float(max(1, T − N))
//!         factor = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
//!         factor = factor * (1 − min_lr_rate) + min_lr_rate
//!         max(0, factor)
//! ```
//!
//! `num_cycles` = 0.5 (half a cosine, from 1 down to `min_lr_rate`), `min_lr_rate` = 0. The
//! `optimization.py` read for this port (transformers commit `005edacb`) defines
//! `_get_cosine_schedule_with_warmup_lr_lambda` twice, and the second definition (the one with
//! `min_lr_rate`, above) is the one both functions call at run time; with `min_lr_rate = 0` its
//! two extra steps are `factor * 1.0 + 0.0 = factor`, so it is also, bit for bit, the first
//! definition's `max(0.0, 0.5 * (1.0 + math.cos(…)))` — either way the same values (the 5.24
//! goldens of both kinds match bit for bit). Past `T` the cosine goes on (it rises again), as in
//! transformers.
//!
//! # [`CosineWithHardRestarts`] — `get_cosine_with_hard_restarts_schedule_with_warmup`
//!
//! ```text
//! t < N:  float(t) / float(max(1, N))
//! else:   progress = float(t − N) / float(max(1, T − N))
//!         if progress >= 1.0: 0.0
//!         else: max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((float(num_cycles) * progress) % 1.0))))
//! ```
//!
//! `num_cycles` = 1 (transformers annotates it `int`; any value > 0 works as in Python).
//!
//! # [`PolynomialWithWarmup`] — `get_polynomial_decay_schedule_with_warmup`
//!
//! ```text
//! t < N:  float(t) / float(max(1, N))
//! t > T:  lr_end / lr_init
//! else:   lr_range = lr_init − lr_end
//!         decay_steps = T − N
//!         pct_remaining = 1 − (t − N) / decay_steps
//!         decay = lr_range * pct_remaining ** power + lr_end
//!         decay / lr_init
//! ```
//!
//! `lr_init` = `lr`, `lr_end` = 1e-7, `power` = 1.0. (`lr * (decay / lr)` is computed as such,
//! not simplified to `decay`: the golden values carry that rounding.)
//!
//! # [`InverseSqrt`] — `get_inverse_sqrt_schedule`
//!
//! ```text
//! timescale = num_warmup_steps or 10_000          (when `timescale` is not given)
//! t < N:  float(t) / float(max(1, N))
//! else:   shift = timescale − N
//!         decay = 1.0 / math.sqrt((t + shift) / timescale)
//! ```
//!
//! (transformers' `get_scheduler("inverse_sqrt", …)` never passes `timescale`, so through the
//! `Trainer` it is always the default; the function itself takes it, and so does cyclr.)
//!
//! # [`Wsd`] — `get_wsd_schedule` (warm-up, stable, decay)
//!
//! ```text
//! S = num_stable_steps if given, else T − N − D
//! t < N:          progress = float(t) / float(max(1, N))
//!                 linear: factor = progress
//!                 cosine: factor = 0.5 * (1.0 − math.cos(math.pi * progress))
//!                 1-sqrt: factor = 1.0 − math.sqrt(1.0 − progress)
//!                 factor = factor * (1.0 − min_lr_ratio) + min_lr_ratio
//!                 max(0.0, factor)
//! t < N + S:      1.0
//! t < N + S + D:  progress = float(t − N − S) / float(max(1, D))
//!                 linear: factor = 1.0 − progress
//!                 cosine: factor = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
//!                 1-sqrt: factor = 1.0 − math.sqrt(progress)
//!                 factor = factor * (1.0 − min_lr_ratio) + min_lr_ratio
//!                 max(0.0, factor)
//! else:           min_lr_ratio
//! ```
//!
//! `warmup_type` = linear (the warm-up shape; WSD's warm-up starts at `min_lr_ratio`, not 0),
//! `decay_type` = cosine, `min_lr_ratio` = 0, `num_cycles` = 0.5.
//!
//! # Validation, and where cyclr differs from transformers
//!
//! transformers checks almost nothing (only `lr_end < lr` and WSD's options); cyclr's
//! constructors return a [`ParamError`] instead of building a schedule that would raise, divide
//! by zero or leave `[0, lr]` at some step:
//!
//! * `lr` finite, `> 0` and `≤ 1e300`, as everywhere in cyclr.
//! * `num_training_steps ≥ 1`, and `num_warmup_steps ≤ num_training_steps` (linear, cosine,
//!   hard restarts); polynomial needs `num_warmup_steps < num_training_steps` (transformers
//!   divides by `T − N` at `t = T`).
//! * `num_cycles` finite and `> 0`; `min_lr_rate`, `min_lr_ratio` in `[0, 1]`; `lr_end` in
//!   `[0, lr)`; `power` finite and `≥ 0`; `timescale ≥ 1` (transformers divides by it).
//! * WSD: one of `num_training_steps`, `num_stable_steps` (transformers raises without either);
//!   `num_warmup_steps + num_decay_steps ≤ num_training_steps` when the stable phase is derived
//!   from it (transformers would start the decay part-way through); when both are given they must
//!   agree, `N + S + D = T` (transformers warns and uses `num_stable_steps`); `N + S + D ≥ 1`.
//!
//! And at run time, for any `t` up to `u64::MAX` (every value finite, in `[0, lr]` up to an
//! ulp of rounding, or `[min_lr_ratio · lr, lr]` for WSD):
//!
//! * `T − t` is a saturating subtraction (linear): where Python's difference is negative,
//!   `max(0.0, ·)` makes the factor 0.0, which is what `0.0 / x` gives here.
//! * `t + shift` (inverse sqrt) is computed as `(t − N) + timescale` in 128 bits, never negative
//!   (`t ≥ N`) and never overflowing; WSD's phase ends `N + S`, `N + S + D` are 128-bit, so no
//!   sum overflows (Python's ints do not either).
//! * `max(0.0, x)` follows Python (`x if x > 0.0 else 0.0`), so a NaN — only from
//!   `cos(±∞)` when `num_cycles · t` overflows, where Python would raise — gives 0.
//! * Integer quotients (`(t − N) / decay_steps`, `(t + shift) / timescale`) convert both
//!   integers to f64 and divide: the same correctly rounded value as Python's true division
//!   while both are below 2^53 (any realistic `t`), within an ulp beyond.
use std::f64::consts::PI;

use serde::{Deserialize, Serialize};

use super::check;
use crate::{ParamError, Schedule};

/// Python's `max(0.0, x)`: `x` if `x > 0.0`, else `0.0` (so NaN gives 0.0, as in Python).
#[inline]
fn py_max0(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.0 }
}

/// transformers' warm-up factor `float(t) / float(max(1, N))` (used for `t < N`).
#[inline]
fn ramp(t: u64, num_warmup_steps: u64) -> f64 {
    t as f64 / num_warmup_steps.max(1) as f64
}

/// `float(max(1, T − N))`, the decay length shared by linear, cosine and hard restarts, after
/// checking `T ≥ 1` and `N ≤ T`.
fn decay_len(num_warmup_steps: u64, num_training_steps: u64) -> Result<f64, ParamError> {
    check::at_least_one("num_training_steps", num_training_steps)?;
    if num_warmup_steps > num_training_steps {
        return Err(ParamError::new(
            "num_warmup_steps",
            num_warmup_steps,
            format!("must be ≤ `num_training_steps` ({num_training_steps})"),
        ));
    }
    Ok((num_training_steps - num_warmup_steps).max(1) as f64)
}

/// A fraction of `lr` in `[0, 1]` (`min_lr_rate`, `min_lr_ratio`).
fn unit_ratio(param: &str, value: f64) -> Result<(), ParamError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(ParamError::new(
            param,
            value,
            "must be in [0, 1] (a fraction of `lr`)",
        ))
    }
}

/// `factor * (1.0 - ratio) + ratio`: transformers' rescaling of `[0, 1]` onto `[ratio, 1]`,
/// with `one_minus` = `1.0 - ratio` computed once (the same value Python computes each time).
#[inline]
fn rescale(factor: f64, one_minus: f64, ratio: f64) -> f64 {
    factor * one_minus + ratio
}

/// transformers' `get_constant_schedule_with_warmup`. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct ConstantWithWarmup {
    lr: f64,
    num_warmup_steps: u64,
}

impl ConstantWithWarmup {
    /// `lr` after a linear warm-up from 0 over `num_warmup_steps` steps (0: no warm-up).
    ///
    /// Errors: `lr` not finite, ≤ 0 or > 1e300.
    pub fn new(lr: f64, num_warmup_steps: u64) -> Result<Self, ParamError> {
        check::lr("lr", lr)?;
        Ok(Self {
            lr,
            num_warmup_steps,
        })
    }
    /// `(0, lr)`, or `(lr, lr)` without warm-up.
    pub fn bounds(&self) -> (f64, f64) {
        (
            if self.num_warmup_steps > 0 {
                0.0
            } else {
                self.lr
            },
            self.lr,
        )
    }
}

impl Schedule for ConstantWithWarmup {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        let factor = if t < self.num_warmup_steps {
            ramp(t, self.num_warmup_steps)
        } else {
            1.0
        };
        self.lr * factor
    }
}

/// transformers' `get_linear_schedule_with_warmup`. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct LinearWithWarmup {
    lr: f64,
    num_warmup_steps: u64,
    num_training_steps: u64,
    /// `float(max(1, T − N))`.
    decay_len: f64,
}

impl LinearWithWarmup {
    /// Warm-up from 0 to `lr` over `num_warmup_steps`, then linear decay to 0 at
    /// `num_training_steps` (and 0 after).
    ///
    /// Errors: `lr` not finite, ≤ 0 or > 1e300; `num_training_steps` < 1;
    /// `num_warmup_steps` > `num_training_steps`.
    pub fn new(
        lr: f64,
        num_warmup_steps: u64,
        num_training_steps: u64,
    ) -> Result<Self, ParamError> {
        check::lr("lr", lr)?;
        let decay_len = decay_len(num_warmup_steps, num_training_steps)?;
        Ok(Self {
            lr,
            num_warmup_steps,
            num_training_steps,
            decay_len,
        })
    }
    /// `(0, lr)`.
    pub fn bounds(&self) -> (f64, f64) {
        (0.0, self.lr)
    }
}

impl Schedule for LinearWithWarmup {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        let factor = if t < self.num_warmup_steps {
            ramp(t, self.num_warmup_steps)
        } else {
            // Python: max(0.0, float(T - t) / ...); T - t < 0 there gives a factor of 0.0, and
            // so does the saturated 0.0 / x.
            py_max0(self.num_training_steps.saturating_sub(t) as f64 / self.decay_len)
        };
        self.lr * factor
    }
}

/// transformers' `get_cosine_schedule_with_warmup` (with `min_lr_rate`:
/// `get_cosine_with_min_lr_schedule_with_warmup`). See the [module docs](self).
#[derive(Debug, Clone)]
pub struct CosineWithWarmup {
    lr: f64,
    num_warmup_steps: u64,
    decay_len: f64,
    num_cycles: f64,
    min_lr_rate: f64,
    one_minus_rate: f64,
}

impl CosineWithWarmup {
    /// Warm-up from 0 to `lr` over `num_warmup_steps`, then `num_cycles` cosine waves (0.5:
    /// one half-wave down) between `lr` and `min_lr_rate · lr` ending at `num_training_steps`.
    ///
    /// Errors: `lr` not finite, ≤ 0 or > 1e300; `num_training_steps` < 1; `num_warmup_steps` >
    /// `num_training_steps`; `num_cycles` not finite or ≤ 0; `min_lr_rate` outside `[0, 1]`.
    pub fn new(
        lr: f64,
        num_warmup_steps: u64,
        num_training_steps: u64,
        num_cycles: f64,
        min_lr_rate: f64,
    ) -> Result<Self, ParamError> {
        check::lr("lr", lr)?;
        let decay_len = decay_len(num_warmup_steps, num_training_steps)?;
        check::positive("num_cycles", num_cycles)?;
        unit_ratio("min_lr_rate", min_lr_rate)?;
        Ok(Self {
            lr,
            num_warmup_steps,
            decay_len,
            num_cycles,
            min_lr_rate,
            // Python's `1 - min_lr_rate`.
            one_minus_rate: 1.0 - min_lr_rate,
        })
    }
    /// `(0, lr)`, or `(min_lr_rate · lr, lr)` without warm-up.
    pub fn bounds(&self) -> (f64, f64) {
        let lo = if self.num_warmup_steps > 0 {
            0.0
        } else {
            self.lr * self.min_lr_rate
        };
        (lo, self.lr)
    }
}

impl Schedule for CosineWithWarmup {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        let factor = if t < self.num_warmup_steps {
            ramp(t, self.num_warmup_steps)
        } else {
            let progress = (t - self.num_warmup_steps) as f64 / self.decay_len;
            let factor = 0.5 * (1.0 + (PI * self.num_cycles * 2.0 * progress).cos());
            py_max0(rescale(factor, self.one_minus_rate, self.min_lr_rate))
        };
        self.lr * factor
    }
}

/// transformers' `get_cosine_with_hard_restarts_schedule_with_warmup`. See the
/// [module docs](self).
#[derive(Debug, Clone)]
pub struct CosineWithHardRestarts {
    lr: f64,
    num_warmup_steps: u64,
    decay_len: f64,
    num_cycles: f64,
}

impl CosineWithHardRestarts {
    /// Warm-up from 0 to `lr` over `num_warmup_steps`, then `num_cycles` cosine decays from
    /// `lr` to 0, each restarting at `lr`, over the rest of `num_training_steps`; 0 after.
    ///
    /// Errors: `lr` not finite, ≤ 0 or > 1e300; `num_training_steps` < 1; `num_warmup_steps` >
    /// `num_training_steps`; `num_cycles` not finite or ≤ 0.
    pub fn new(
        lr: f64,
        num_warmup_steps: u64,
        num_training_steps: u64,
        num_cycles: f64,
    ) -> Result<Self, ParamError> {
        check::lr("lr", lr)?;
        let decay_len = decay_len(num_warmup_steps, num_training_steps)?;
        check::positive("num_cycles", num_cycles)?;
        Ok(Self {
            lr,
            num_warmup_steps,
            decay_len,
            num_cycles,
        })
    }
    /// `(0, lr)`.
    pub fn bounds(&self) -> (f64, f64) {
        (0.0, self.lr)
    }
}

impl Schedule for CosineWithHardRestarts {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        let factor = if t < self.num_warmup_steps {
            ramp(t, self.num_warmup_steps)
        } else {
            let progress = (t - self.num_warmup_steps) as f64 / self.decay_len;
            if progress >= 1.0 {
                0.0
            } else {
                // `%` on f64 is C's fmod, which is Python's `%` for the non-negative operands here.
                py_max0(0.5 * (1.0 + (PI * ((self.num_cycles * progress) % 1.0)).cos()))
            }
        };
        self.lr * factor
    }
}

/// transformers' `get_polynomial_decay_schedule_with_warmup`. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct PolynomialWithWarmup {
    lr: f64,
    num_warmup_steps: u64,
    num_training_steps: u64,
    lr_end: f64,
    power: f64,
}

impl PolynomialWithWarmup {
    /// Warm-up from 0 to `lr` over `num_warmup_steps`, then polynomial decay of degree `power`
    /// to `lr_end` at `num_training_steps`, and `lr_end` after.
    ///
    /// Errors: `lr` not finite, ≤ 0 or > 1e300; `num_training_steps` < 1; `num_warmup_steps` ≥
    /// `num_training_steps` (transformers divides by their difference); `lr_end` not in
    /// `[0, lr)` (transformers: "lr_end must be smaller than initial lr"); `power` not finite or
    /// < 0.
    pub fn new(
        lr: f64,
        num_warmup_steps: u64,
        num_training_steps: u64,
        lr_end: f64,
        power: f64,
    ) -> Result<Self, ParamError> {
        check::lr("lr", lr)?;
        check::at_least_one("num_training_steps", num_training_steps)?;
        if num_warmup_steps >= num_training_steps {
            return Err(ParamError::new(
                "num_warmup_steps",
                num_warmup_steps,
                format!(
                    "must be < `num_training_steps` ({num_training_steps}): the decay divides by \
                     their difference"
                ),
            ));
        }
        check::non_negative("lr_end", lr_end)?;
        if lr_end >= lr {
            return Err(ParamError::new(
                "lr_end",
                lr_end,
                format!("must be < `lr` ({lr})"),
            ));
        }
        check::non_negative("power", power)?;
        Ok(Self {
            lr,
            num_warmup_steps,
            num_training_steps,
            lr_end,
            power,
        })
    }
    /// `(0, lr)`, or `(lr_end, lr)` without warm-up.
    pub fn bounds(&self) -> (f64, f64) {
        let lo = if self.num_warmup_steps > 0 {
            0.0
        } else {
            self.lr_end
        };
        (lo, self.lr)
    }
}

impl Schedule for PolynomialWithWarmup {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        let (n, total) = (self.num_warmup_steps, self.num_training_steps);
        let factor = if t < n {
            ramp(t, n)
        } else if t > total {
            self.lr_end / self.lr
        } else {
            let lr_range = self.lr - self.lr_end;
            let decay_steps = total - n;
            let pct_remaining = 1.0 - (t - n) as f64 / decay_steps as f64;
            let decay = lr_range * pct_remaining.powf(self.power) + self.lr_end;
            decay / self.lr
        };
        self.lr * factor
    }
}

/// transformers' `get_inverse_sqrt_schedule`. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct InverseSqrt {
    lr: f64,
    num_warmup_steps: u64,
    timescale: u64,
}

impl InverseSqrt {
    /// Warm-up from 0 to `lr` over `num_warmup_steps`, then `lr / sqrt((t + shift) / timescale)`;
    /// `timescale` defaults as in transformers to `num_warmup_steps`, or 10 000 when that is 0.
    ///
    /// Errors: `lr` not finite, ≤ 0 or > 1e300; `timescale` = 0 (transformers divides by it).
    pub fn new(lr: f64, num_warmup_steps: u64, timescale: Option<u64>) -> Result<Self, ParamError> {
        check::lr("lr", lr)?;
        // Python: `timescale = num_warmup_steps or 10_000` when None.
        let timescale = match timescale {
            Some(ts) => {
                check::at_least_one("timescale", ts)?;
                ts
            }
            None if num_warmup_steps == 0 => 10_000,
            None => num_warmup_steps,
        };
        Ok(Self {
            lr,
            num_warmup_steps,
            timescale,
        })
    }
    /// The time scale in use (given or defaulted).
    pub fn timescale(&self) -> u64 {
        self.timescale
    }
    /// `(0, lr)`.
    pub fn bounds(&self) -> (f64, f64) {
        (0.0, self.lr)
    }
}

impl Schedule for InverseSqrt {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        let factor = if t < self.num_warmup_steps {
            ramp(t, self.num_warmup_steps)
        } else {
            // Python: t + (timescale - N); here (t - N) + timescale, ≥ timescale ≥ 1, in u128.
            let steps = u128::from(t - self.num_warmup_steps) + u128::from(self.timescale);
            1.0 / (steps as f64 / self.timescale as f64).sqrt()
        };
        self.lr * factor
    }
}

/// Shape of WSD's warm-up or decay phase (`warmup_type` / `decay_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WsdCurve {
    /// Straight line.
    #[serde(rename = "linear")]
    Linear,
    /// Half a cosine (warm-up); `num_cycles` cosine waves (decay).
    #[serde(rename = "cosine")]
    Cosine,
    /// `1 − sqrt(1 − progress)` (warm-up), `1 − sqrt(progress)` (decay).
    #[serde(rename = "1-sqrt")]
    OneMinusSqrt,
}

impl WsdCurve {
    /// transformers' name for the shape.
    pub fn name(self) -> &'static str {
        match self {
            Self::Linear => "linear",
            Self::Cosine => "cosine",
            Self::OneMinusSqrt => "1-sqrt",
        }
    }
}

/// transformers' `get_wsd_schedule`: warm-up, stable, decay. Built with [`Wsd::builder`]; see
/// the [module docs](self).
#[derive(Debug, Clone)]
pub struct Wsd {
    lr: f64,
    num_warmup_steps: u64,
    num_stable_steps: u64,
    num_decay_steps: u64,
    warmup_type: WsdCurve,
    decay_type: WsdCurve,
    min_lr_ratio: f64,
    one_minus_ratio: f64,
    num_cycles: f64,
    /// `N + S` and `N + S + D`, exact.
    stable_end: u128,
    decay_end: u128,
}

/// Builder for [`Wsd`] with transformers' defaults; validation happens in [`Self::build`].
#[derive(Debug, Clone)]
pub struct WsdBuilder {
    lr: f64,
    num_warmup_steps: u64,
    num_decay_steps: u64,
    num_training_steps: Option<u64>,
    num_stable_steps: Option<u64>,
    warmup_type: WsdCurve,
    decay_type: WsdCurve,
    min_lr_ratio: f64,
    num_cycles: f64,
}

impl Wsd {
    /// Start a WSD schedule; give its length with [`WsdBuilder::num_training_steps`] or
    /// [`WsdBuilder::num_stable_steps`].
    pub fn builder(lr: f64, num_warmup_steps: u64, num_decay_steps: u64) -> WsdBuilder {
        WsdBuilder {
            lr,
            num_warmup_steps,
            num_decay_steps,
            num_training_steps: None,
            num_stable_steps: None,
            warmup_type: WsdCurve::Linear,
            decay_type: WsdCurve::Cosine,
            min_lr_ratio: 0.0,
            num_cycles: 0.5,
        }
    }
    /// The stable phase's length (given, or `T − N − D`).
    pub fn num_stable_steps(&self) -> u64 {
        self.num_stable_steps
    }
    /// `(min_lr_ratio · lr, lr)`: every phase, the warm-up's start included, stays in it.
    pub fn bounds(&self) -> (f64, f64) {
        (self.lr * self.min_lr_ratio, self.lr)
    }

    #[inline]
    fn factor(&self, t: u64) -> f64 {
        let (ratio, one_minus) = (self.min_lr_ratio, self.one_minus_ratio);
        if t < self.num_warmup_steps {
            let progress = ramp(t, self.num_warmup_steps);
            let factor = match self.warmup_type {
                WsdCurve::Linear => progress,
                WsdCurve::Cosine => 0.5 * (1.0 - (PI * progress).cos()),
                WsdCurve::OneMinusSqrt => 1.0 - (1.0 - progress).sqrt(),
            };
            return py_max0(rescale(factor, one_minus, ratio));
        }
        let t128 = u128::from(t);
        if t128 < self.stable_end {
            return 1.0;
        }
        if t128 < self.decay_end {
            // t − N − S < D ≤ u64::MAX.
            let since = (t128 - self.stable_end) as u64;
            let progress = since as f64 / self.num_decay_steps.max(1) as f64;
            let factor = match self.decay_type {
                WsdCurve::Linear => 1.0 - progress,
                WsdCurve::Cosine => 0.5 * (1.0 + (PI * self.num_cycles * 2.0 * progress).cos()),
                WsdCurve::OneMinusSqrt => 1.0 - progress.sqrt(),
            };
            return py_max0(rescale(factor, one_minus, ratio));
        }
        ratio
    }
}

impl WsdBuilder {
    /// Total steps `N + S + D`; the stable phase is what the warm-up and decay leave.
    pub fn num_training_steps(mut self, num_training_steps: u64) -> Self {
        self.num_training_steps = Some(num_training_steps);
        self
    }
    /// Length of the stable phase.
    pub fn num_stable_steps(mut self, num_stable_steps: u64) -> Self {
        self.num_stable_steps = Some(num_stable_steps);
        self
    }
    /// Warm-up shape (default linear).
    pub fn warmup_type(mut self, warmup_type: WsdCurve) -> Self {
        self.warmup_type = warmup_type;
        self
    }
    /// Decay shape (default cosine).
    pub fn decay_type(mut self, decay_type: WsdCurve) -> Self {
        self.decay_type = decay_type;
        self
    }
    /// Floor, and warm-up start, as a fraction of `lr` (default 0).
    pub fn min_lr_ratio(mut self, min_lr_ratio: f64) -> Self {
        self.min_lr_ratio = min_lr_ratio;
        self
    }
    /// Cosine waves in the decay (default 0.5: one half-wave down); cosine decay only.
    pub fn num_cycles(mut self, num_cycles: f64) -> Self {
        self.num_cycles = num_cycles;
        self
    }

    /// Validate and build.
    ///
    /// Errors: `lr` not finite, ≤ 0 or > 1e300; `min_lr_ratio` outside `[0, 1]`; `num_cycles`
    /// not finite or ≤ 0; neither `num_training_steps` nor `num_stable_steps` given;
    /// `num_training_steps` < 1; `num_warmup_steps + num_decay_steps > num_training_steps`;
    /// both lengths given and `N + S + D ≠ T`; `N + S + D` = 0.
    pub fn build(self) -> Result<Wsd, ParamError> {
        check::lr("lr", self.lr)?;
        unit_ratio("min_lr_ratio", self.min_lr_ratio)?;
        check::positive("num_cycles", self.num_cycles)?;
        let (n, d) = (self.num_warmup_steps, self.num_decay_steps);
        let n_d = u128::from(n) + u128::from(d);
        let derived = match self.num_training_steps {
            None => None,
            Some(total) => {
                check::at_least_one("num_training_steps", total)?;
                if n_d > u128::from(total) {
                    return Err(ParamError::new(
                        "num_decay_steps",
                        d,
                        format!(
                            "`num_warmup_steps + num_decay_steps` ({n_d}) must be ≤ \
                             `num_training_steps` ({total})"
                        ),
                    ));
                }
                Some(total - n - d)
            }
        };
        let stable = match (self.num_stable_steps, derived) {
            (None, None) => {
                return Err(ParamError::new(
                    "num_training_steps",
                    "missing",
                    "give `num_training_steps` or `num_stable_steps`",
                ));
            }
            (Some(s), None) => s,
            (None, Some(s)) => s,
            (Some(s), Some(from_total)) => {
                if s != from_total {
                    return Err(ParamError::new(
                        "num_stable_steps",
                        s,
                        format!(
                            "must be `num_training_steps − num_warmup_steps − num_decay_steps` \
                             ({from_total}) when both lengths are given"
                        ),
                    ));
                }
                s
            }
        };
        let stable_end = u128::from(n) + u128::from(stable);
        let decay_end = stable_end + u128::from(d);
        if decay_end == 0 {
            return Err(ParamError::new(
                "num_stable_steps",
                stable,
                "`num_warmup_steps + num_stable_steps + num_decay_steps` must be ≥ 1",
            ));
        }
        Ok(Wsd {
            lr: self.lr,
            num_warmup_steps: n,
            num_stable_steps: stable,
            num_decay_steps: d,
            warmup_type: self.warmup_type,
            decay_type: self.decay_type,
            min_lr_ratio: self.min_lr_ratio,
            one_minus_ratio: 1.0 - self.min_lr_ratio,
            num_cycles: self.num_cycles,
            stable_end,
            decay_end,
        })
    }
}

impl Schedule for Wsd {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        self.lr * self.factor(t)
    }
}

/// Box a transformers schedule built from a config; when `num_training_steps` was not given
/// (`given` is `None`) and the error concerns it, say that it stood for the run length.
pub(crate) fn run_length_note<S: Schedule + 'static>(
    given: Option<u64>,
    built: Result<S, ParamError>,
) -> Result<Box<dyn Schedule>, ParamError> {
    built
        .map(|s| Box::new(s) as Box<dyn Schedule>)
        .map_err(|e| check::run_length_note(e, "num_training_steps", given.is_some()))
}

/// The schedule of a `wsd` config: the run length stands in for `num_training_steps` only when
/// neither length is given.
#[allow(clippy::too_many_arguments)]
pub(crate) fn wsd_from_config(
    lr: f64,
    num_warmup_steps: u64,
    num_decay_steps: u64,
    num_training_steps: Option<u64>,
    num_stable_steps: Option<u64>,
    warmup_type: Option<WsdCurve>,
    decay_type: Option<WsdCurve>,
    min_lr_ratio: Option<f64>,
    num_cycles: Option<f64>,
    total_iters: u64,
) -> Result<Box<dyn Schedule>, ParamError> {
    let mut b = Wsd::builder(lr, num_warmup_steps, num_decay_steps)
        .warmup_type(warmup_type.unwrap_or(WsdCurve::Linear))
        .decay_type(decay_type.unwrap_or(WsdCurve::Cosine))
        .min_lr_ratio(min_lr_ratio.unwrap_or(0.0))
        .num_cycles(num_cycles.unwrap_or(0.5));
    if let Some(s) = num_stable_steps {
        b = b.num_stable_steps(s);
    }
    let total = match (num_training_steps, num_stable_steps) {
        (None, Some(_)) => None,
        (t, _) => Some(t.unwrap_or(total_iters)),
    };
    if let Some(t) = total {
        b = b.num_training_steps(t);
    }
    let given = num_training_steps.or(num_stable_steps);
    run_length_note(given, b.build())
}

/// transformers' schedules, for the [registry](super::registry), with transformers' own
/// parameter names. `num_warmup_steps` is transformers' warm-up (factor `t / N` from 0);
/// `num_training_steps` defaults to the run length. The four that warm up and then decay until
/// `num_training_steps` share one declaration (the `@each` arm for `decay` items): each names its
/// type, its keys of its own and how they are passed on.
macro_rules! transformers_policies {
    ([$($rest:tt)*] $($acc:tt)*) => {
        crate::schedule::transformers::transformers_policies! { @each [$($rest)*] [$($acc)*] []
            plain {
                /// transformers' `get_constant_schedule_with_warmup`.
                ConstantWithWarmup = "constant-with-warmup", Transformers {
                    formula: "lr * min(1, t/N)   (transformers get_constant_schedule_with_warmup; N = num_warmup_steps)",
                    auto: [("lr", Fixed)],
                    params: {
                        /// The optimizer's lr.
                        req lr: f64,
                        /// transformers' warm-up steps (factor `t / num_warmup_steps`, from 0).
                        req num_warmup_steps: u64,
                    },
                    build(total_iters): {
                        Ok(Box::new(crate::schedule::transformers::ConstantWithWarmup::new(
                            lr,
                            num_warmup_steps,
                        )?))
                    },
                    bounds: { (if num_warmup_steps > 0 { 0.0 } else { lr }, lr) },
                }
            }
            decay {
                /// transformers' `get_linear_schedule_with_warmup`.
                LinearWithWarmup = "linear-with-warmup",
                "lr * t/N, then linear to 0 at num_training_steps (transformers get_linear_schedule_with_warmup)",
                LinearWithWarmup, [], ()
            }
            decay {
                /// transformers' `get_cosine_schedule_with_warmup` /
                /// `get_cosine_with_min_lr_schedule_with_warmup`.
                CosineWithWarmup = "cosine-with-warmup",
                "lr * t/N, then cosine over num_cycles half-waves down to min_lr_rate*lr (transformers get_cosine_schedule_with_warmup)",
                CosineWithWarmup,
                [
                    /// Cosine waves after the warm-up (default 0.5: one half-wave down).
                    opt num_cycles: f64,
                    /// Floor as a fraction of `lr`, in [0, 1] (default 0).
                    opt min_lr_rate: f64,
                ],
                (num_cycles.unwrap_or(0.5), min_lr_rate.unwrap_or(0.0))
            }
            decay {
                /// transformers' `get_cosine_with_hard_restarts_schedule_with_warmup`.
                CosineWithHardRestarts = "cosine-with-hard-restarts",
                "lr * t/N, then num_cycles cosine decays with hard restarts (transformers get_cosine_with_hard_restarts_schedule_with_warmup)",
                CosineWithHardRestarts,
                [
                    /// Cosine decays, each restarting at `lr` (default 1).
                    opt num_cycles: f64,
                ],
                (num_cycles.unwrap_or(1.0))
            }
            decay {
                /// transformers' `get_polynomial_decay_schedule_with_warmup`.
                PolynomialWithWarmup = "polynomial-with-warmup",
                "lr * t/N, then (lr - lr_end)*(1 - progress)^power + lr_end (transformers get_polynomial_decay_schedule_with_warm_up)",
                PolynomialWithWarmup,
                [
                    /// Final lr, in [0, lr) (default 1e-7).
                    opt lr_end: f64,
                    /// Degree of the decay (default 1.0).
                    opt power: f64,
                ],
                (lr_end.unwrap_or(1e-7), power.unwrap_or(1.0))
            }
            plain {
                /// transformers' `get_inverse_sqrt_schedule`.
                InverseSqrt = "inverse-sqrt", Transformers {
                    formula: "lr * t/N, then lr / sqrt((t + timescale - N)/timescale) (transformers get_inverse_sqrt_schedule)",
                    auto: [("lr", OneCyclePeak)],
                    params: {
                        /// The optimizer's lr.
                        req lr: f64,
                        /// transformers' warm-up steps (factor `t / num_warmup_steps`, from 0).
                        req num_warmup_steps: u64,
                        /// Time scale (default `num_warmup_steps`, or 10 000 when that is 0).
                        opt timescale: u64,
                    },
                    build(total_iters): {
                        Ok(Box::new(crate::schedule::transformers::InverseSqrt::new(
                            lr,
                            num_warmup_steps,
                            timescale,
                        )?))
                    },
                    bounds: { (0.0, lr) },
                }
            }
            plain {
                /// transformers' `get_wsd_schedule`: warm-up, stable, decay.
                Wsd = "wsd", Transformers {
                    formula: "warm-up, stable at lr, decay (linear | cosine | 1-sqrt) to min_lr_ratio*lr over num_decay_steps (transformers get_wsd_schedule)",
                    auto: [("lr", OneCyclePeak)],
                    params: {
                        /// The optimizer's lr.
                        req lr: f64,
                        /// Warm-up steps (from `min_lr_ratio · lr`, shaped by `warmup_type`).
                        req num_warmup_steps: u64,
                        /// Decay steps.
                        req num_decay_steps: u64,
                        /// Total steps; the stable phase is what the warm-up and decay leave
                        /// (default: the run length, unless `num_stable_steps` is given).
                        opt num_training_steps: u64,
                        /// Stable steps (instead of `num_training_steps`, or agreeing with it).
                        opt num_stable_steps: u64,
                        /// Warm-up shape (default linear).
                        opt warmup_type: crate::schedule::transformers::WsdCurve,
                        /// Decay shape (default cosine).
                        opt decay_type: crate::schedule::transformers::WsdCurve,
                        /// Floor and warm-up start as a fraction of `lr`, in [0, 1] (default 0).
                        opt min_lr_ratio: f64,
                        /// Cosine waves in a cosine decay (default 0.5).
                        opt num_cycles: f64,
                    },
                    build(total_iters): {
                        crate::schedule::transformers::wsd_from_config(
                            lr,
                            num_warmup_steps,
                            num_decay_steps,
                            num_training_steps,
                            num_stable_steps,
                            warmup_type,
                            decay_type,
                            min_lr_ratio,
                            num_cycles,
                            total_iters,
                        )
                    },
                    bounds: { (lr * min_lr_ratio.unwrap_or(0.0), lr) },
                }
            }
        }
    };
    (@each [$($rest:tt)*] [$($acc:tt)*] [$($done:tt)*] plain { $($decl:tt)* } $($more:tt)*) => {
        crate::schedule::transformers::transformers_policies! {
            @each [$($rest)*] [$($acc)*] [$($done)* $($decl)*] $($more)*
        }
    };
    (@each [$($rest:tt)*] [$($acc:tt)*] [$($done:tt)*]
        decay {
            $(#[doc = $doc:literal])*
            $V:ident = $name:literal, $formula:literal, $Type:ident, [$($extra:tt)*],
            ($($args:expr),*)
        }
        $($more:tt)*
    ) => {
        crate::schedule::transformers::transformers_policies! { @each [$($rest)*] [$($acc)*] [
            $($done)*
            $(#[doc = $doc])*
            $V = $name, Transformers {
                formula: $formula,
                auto: [("lr", OneCyclePeak)],
                params: {
                    /// The optimizer's lr (transformers' `lr_init` in the polynomial decay).
                    req lr: f64,
                    /// transformers' warm-up steps (factor `t / num_warmup_steps`, from 0).
                    req num_warmup_steps: u64,
                    /// Length of the schedule, warm-up included (default: the run length).
                    opt num_training_steps: u64,
                    $($extra)*
                },
                build(total_iters): {
                    crate::schedule::transformers::run_length_note(
                        num_training_steps,
                        crate::schedule::transformers::$Type::new(
                            lr,
                            num_warmup_steps,
                            num_training_steps.unwrap_or(total_iters),
                            $($args),*
                        ),
                    )
                },
                bounds: { (0.0, lr) },
            }
        ] $($more)* }
    };
    (@each [$($rest:tt)*] [$($acc:tt)*] [$($done:tt)*]) => {
        crate::schedule::registry::collect! {
            [$($rest)*] $($acc)* { keys [] policies [ $($done)* ] }
        }
    };
}
pub(crate) use transformers_policies;

#[cfg(test)]
mod tests;

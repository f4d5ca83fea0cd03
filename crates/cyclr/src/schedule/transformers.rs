//! Hugging Face transformers' schedules (`transformers/optimization.py`, version 5.24), exactly.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn err<T: std::fmt::Debug>(r: Result<T, ParamError>) -> String {
        let e = r.unwrap_err();
        assert!(!e.valid.is_empty());
        e.param
    }

    #[test]
    fn warm_up_starts_at_zero() {
        let c = ConstantWithWarmup::new(1.0, 4).unwrap();
        let lrs: Vec<f64> = (0..6).map(|t| c.lr(t)).collect();
        assert_eq!(lrs, [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]);
        assert_eq!(ConstantWithWarmup::new(0.1, 0).unwrap().lr(0), 0.1);
        assert_eq!(c.lr(u64::MAX), 1.0);
    }

    #[test]
    fn linear_decays_to_zero_at_num_training_steps() {
        let s = LinearWithWarmup::new(2.0, 2, 10).unwrap();
        assert_eq!(s.lr(1), 1.0);
        assert_eq!(s.lr(2), 2.0);
        assert_eq!(s.lr(6), 1.0); // (10 − 6)/8
        assert_eq!(s.lr(9), 0.25);
        for t in [10, 11, 1 << 40, u64::MAX] {
            assert_eq!(s.lr(t).to_bits(), 0.0f64.to_bits(), "t={t}");
        }
        // N = T: warm-up, then 0 (transformers: (T − t) / max(1, 0)).
        let w = LinearWithWarmup::new(1.0, 4, 4).unwrap();
        assert_eq!(w.lr(3), 0.75);
        assert_eq!(w.lr(4), 0.0);
    }

    #[test]
    fn cosine_half_wave_and_floor() {
        let s = CosineWithWarmup::new(1.0, 0, 100, 0.5, 0.0).unwrap();
        assert_eq!(s.lr(0), 1.0);
        assert!((s.lr(50) - 0.5).abs() < 1e-15);
        assert!(s.lr(100) < 1e-15);
        // Past T the cosine rises again, as in transformers.
        assert!(s.lr(150) > 0.49);
        let m = CosineWithWarmup::new(1.0, 10, 110, 0.5, 0.1).unwrap();
        assert_eq!(m.lr(5), 0.5);
        assert_eq!(m.lr(10), 1.0);
        assert!((m.lr(110) - 0.1).abs() < 1e-15);
        assert!(m.lr(110) >= 0.1);
        // min_lr_rate = 0 is the plain cosine bit for bit (x·1 + 0 = x).
        let a = CosineWithWarmup::new(0.3, 7, 1000, 1.5, 0.0).unwrap();
        for t in 0..1000 {
            let p = (t.max(7) - 7) as f64 / 993.0;
            let plain = if t < 7 {
                t as f64 / 7.0
            } else {
                py_max0(0.5 * (1.0 + (PI * 1.5 * 2.0 * p).cos()))
            };
            assert_eq!(a.lr(t).to_bits(), (0.3 * plain).to_bits(), "t={t}");
        }
        assert!(a.lr(u64::MAX).is_finite());
    }

    #[test]
    fn hard_restarts_restart() {
        let s = CosineWithHardRestarts::new(1.0, 0, 400, 4.0).unwrap();
        assert_eq!(s.lr(0), 1.0);
        assert_eq!(s.lr(100), 1.0);
        assert_eq!(s.lr(200), 1.0);
        assert!(s.lr(99) < 0.001 && s.lr(199) < 0.001);
        assert!((s.lr(50) - 0.5).abs() < 1e-15);
        assert!(s.lr(399) < 0.001);
        assert_eq!(s.lr(400), 0.0);
        assert_eq!(s.lr(u64::MAX), 0.0);
    }

    #[test]
    fn polynomial_reaches_lr_end() {
        let s = PolynomialWithWarmup::new(1.0, 0, 10, 0.0, 2.0).unwrap();
        assert_eq!(s.lr(0), 1.0);
        assert_eq!(s.lr(5), 0.25);
        assert_eq!(s.lr(10), 0.0);
        let e = PolynomialWithWarmup::new(0.001, 10, 20, 1e-6, 1.0).unwrap();
        assert_eq!(e.lr(5), 0.0005);
        assert!((e.lr(10) - 0.001).abs() < 1e-18);
        assert_eq!(e.lr(21), 0.001 * (1e-6 / 0.001));
        assert_eq!(e.lr(u64::MAX), e.lr(21));
    }

    #[test]
    fn inverse_sqrt_timescale_default() {
        assert_eq!(InverseSqrt::new(1.0, 0, None).unwrap().timescale(), 10_000);
        assert_eq!(InverseSqrt::new(1.0, 400, None).unwrap().timescale(), 400);
        assert_eq!(InverseSqrt::new(1.0, 400, Some(7)).unwrap().timescale(), 7);
        let s = InverseSqrt::new(1.0, 100, None).unwrap();
        assert_eq!(s.lr(50), 0.5);
        assert_eq!(s.lr(100), 1.0);
        assert_eq!(s.lr(400), 0.5); // 1/sqrt((400 + 0)/100)
        let z = InverseSqrt::new(1.0, 0, None).unwrap();
        assert_eq!(z.lr(0), 1.0);
        assert_eq!(z.lr(30_000), 0.5);
        // A timescale shorter than the warm-up: t + shift stays ≥ timescale.
        let short = InverseSqrt::new(1.0, 100, Some(1)).unwrap();
        assert_eq!(short.lr(100), 1.0);
        assert_eq!(short.lr(103), 0.5);
        for s in [&s, &z, &short] {
            let lr = s.lr(u64::MAX);
            assert!(lr.is_finite() && lr > 0.0 && lr < 1e-7);
        }
    }

    #[test]
    fn wsd_phases() {
        let s = Wsd::builder(1.0, 4, 4)
            .num_training_steps(12)
            .decay_type(WsdCurve::Linear)
            .min_lr_ratio(0.5)
            .build()
            .unwrap();
        assert_eq!(s.num_stable_steps(), 4);
        let lrs: Vec<f64> = (0..14).map(|t| s.lr(t)).collect();
        assert_eq!(
            lrs,
            [
                0.5, 0.625, 0.75, 0.875, 1.0, 1.0, 1.0, 1.0, 1.0, 0.875, 0.75, 0.625, 0.5, 0.5
            ]
        );
        assert_eq!(s.lr(u64::MAX), 0.5);
        let c = Wsd::builder(1.0, 4, 4)
            .num_stable_steps(0)
            .warmup_type(WsdCurve::Cosine)
            .decay_type(WsdCurve::OneMinusSqrt)
            .build()
            .unwrap();
        assert_eq!(c.lr(0), 0.0);
        assert!((c.lr(2) - 0.5).abs() < 1e-15);
        assert_eq!(c.lr(4), 1.0);
        assert_eq!(c.lr(5), 0.5); // 1 − sqrt(1/4)
        assert_eq!(c.lr(8), 0.0);
        let q = Wsd::builder(1.0, 4, 1)
            .num_stable_steps(1)
            .warmup_type(WsdCurve::OneMinusSqrt)
            .build()
            .unwrap();
        assert_eq!(q.lr(3), 0.5); // 1 − sqrt(1 − 3/4)
        // Phase ends past u64::MAX do not overflow: the stable phase lasts for ever.
        let long = Wsd::builder(1.0, 1, u64::MAX)
            .num_stable_steps(u64::MAX)
            .build()
            .unwrap();
        assert_eq!(long.lr(u64::MAX), 1.0);
        // Both lengths, consistent.
        let both = Wsd::builder(1.0, 1, 2)
            .num_training_steps(10)
            .num_stable_steps(7)
            .build()
            .unwrap();
        assert_eq!(both.num_stable_steps(), 7);
    }

    #[test]
    fn every_bad_parameter_is_named() {
        for lr in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e301] {
            assert_eq!(err(ConstantWithWarmup::new(lr, 1)), "lr");
            assert_eq!(err(LinearWithWarmup::new(lr, 1, 2)), "lr");
            assert_eq!(err(CosineWithWarmup::new(lr, 1, 2, 0.5, 0.0)), "lr");
            assert_eq!(err(CosineWithHardRestarts::new(lr, 1, 2, 1.0)), "lr");
            assert_eq!(err(PolynomialWithWarmup::new(lr, 1, 2, 0.0, 1.0)), "lr");
            assert_eq!(err(InverseSqrt::new(lr, 1, None)), "lr");
            assert_eq!(
                err(Wsd::builder(lr, 1, 1).num_stable_steps(1).build()),
                "lr"
            );
        }
        // num_training_steps: ≥ 1 and ≥ num_warmup_steps.
        assert_eq!(err(LinearWithWarmup::new(0.1, 0, 0)), "num_training_steps");
        assert_eq!(err(LinearWithWarmup::new(0.1, 11, 10)), "num_warmup_steps");
        assert_eq!(
            err(CosineWithWarmup::new(0.1, 0, 0, 0.5, 0.0)),
            "num_training_steps"
        );
        assert_eq!(
            err(CosineWithWarmup::new(0.1, 11, 10, 0.5, 0.0)),
            "num_warmup_steps"
        );
        assert_eq!(
            err(CosineWithHardRestarts::new(0.1, 0, 0, 1.0)),
            "num_training_steps"
        );
        assert_eq!(
            err(CosineWithHardRestarts::new(0.1, 11, 10, 1.0)),
            "num_warmup_steps"
        );
        assert_eq!(
            err(PolynomialWithWarmup::new(0.1, 0, 0, 0.0, 1.0)),
            "num_training_steps"
        );
        assert_eq!(
            err(PolynomialWithWarmup::new(0.1, 10, 10, 0.0, 1.0)),
            "num_warmup_steps"
        );
        // num_cycles: finite, > 0.
        for c in [0.0, -0.5, f64::NAN, f64::INFINITY] {
            assert_eq!(err(CosineWithWarmup::new(0.1, 0, 9, c, 0.0)), "num_cycles");
            assert_eq!(err(CosineWithHardRestarts::new(0.1, 0, 9, c)), "num_cycles");
            assert_eq!(
                err(Wsd::builder(0.1, 1, 1)
                    .num_stable_steps(1)
                    .num_cycles(c)
                    .build()),
                "num_cycles"
            );
        }
        // Ratios in [0, 1].
        for r in [-0.1, 1.5, f64::NAN] {
            assert_eq!(err(CosineWithWarmup::new(0.1, 0, 9, 0.5, r)), "min_lr_rate");
            assert_eq!(
                err(Wsd::builder(0.1, 1, 1)
                    .num_stable_steps(1)
                    .min_lr_ratio(r)
                    .build()),
                "min_lr_ratio"
            );
        }
        // lr_end in [0, lr); power ≥ 0.
        for e in [0.1, 0.2, -1e-9, f64::NAN] {
            assert_eq!(err(PolynomialWithWarmup::new(0.1, 0, 9, e, 1.0)), "lr_end");
        }
        for p in [-1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(err(PolynomialWithWarmup::new(0.1, 0, 9, 0.0, p)), "power");
        }
        assert_eq!(err(InverseSqrt::new(0.1, 5, Some(0))), "timescale");
        // WSD lengths.
        assert_eq!(err(Wsd::builder(0.1, 1, 1).build()), "num_training_steps");
        assert_eq!(
            err(Wsd::builder(0.1, 0, 0).num_training_steps(0).build()),
            "num_training_steps"
        );
        assert_eq!(
            err(Wsd::builder(0.1, 5, 6).num_training_steps(10).build()),
            "num_decay_steps"
        );
        assert_eq!(
            err(Wsd::builder(0.1, u64::MAX, u64::MAX)
                .num_training_steps(u64::MAX)
                .build()),
            "num_decay_steps"
        );
        assert_eq!(
            err(Wsd::builder(0.1, 1, 2)
                .num_training_steps(10)
                .num_stable_steps(6)
                .build()),
            "num_stable_steps"
        );
        assert_eq!(
            err(Wsd::builder(0.1, 0, 0).num_stable_steps(0).build()),
            "num_stable_steps"
        );
        let e = PolynomialWithWarmup::new(0.1, 0, 9, 0.2, 1.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid `lr_end` = 0.2: must be < `lr` (0.1)"
        );
    }

    #[test]
    fn python_max_semantics() {
        assert_eq!(py_max0(f64::NAN), 0.0);
        assert_eq!(py_max0(-0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(py_max0(-1.0), 0.0);
        assert_eq!(py_max0(0.25), 0.25);
        // An angle that overflows to ∞ (cos = NaN; Python raises) gives 0, not NaN.
        let s = CosineWithWarmup::new(1.0, 0, 1, 1e300, 0.0).unwrap();
        assert_eq!(s.lr(u64::MAX), 0.0);
    }
}

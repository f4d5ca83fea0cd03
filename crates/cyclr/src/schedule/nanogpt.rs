//! nanoGPT's learning-rate schedule (`get_lr` in Karpathy's `train.py`, commit `3adf61e`),
//! exactly: a linear warm-up, a half cosine down to `min_lr`, then `min_lr`.
//!
//! nanoGPT sets `lr = get_lr(iter_num)` on every parameter group before the update of iteration
//! `iter_num` (from 0), so cyclr's `t` — the lr read before optimizer step `t` — is nanoGPT's
//! `it`. With `W` = `warmup_iters`, `D` = `lr_decay_iters`, `lr` = nanoGPT's `learning_rate`,
//! in nanoGPT's order of operations (Python floats are f64; `it`, `W`, `D` are Python ints):
//!
//! ```text
//! it < W:  learning_rate * (it + 1) / (W + 1)        (lr · float(it + 1)) / float(W + 1)
//! it > D:  min_lr
//! else:    decay_ratio = (it − W) / (D − W)          int / int: Python's correctly rounded division
//!          coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
//!          min_lr + coeff * (learning_rate − min_lr)
//! ```
//!
//! Each float operation above is performed here in the same order with the same operands (no
//! fused multiply-add), `cos` is the platform's libm as in CPython, and the integers convert to
//! f64 exactly below 2^53 (any realistic iteration), so every value is bit-identical to nanoGPT's
//! (`tests/nanogpt_cosine.rs` replays `get_lr` itself, taken out of `train.py` by
//! `bench/nanogpt/get_lr_golden.py`). Beyond 2^53 the integer quotient `(it − W) / (D − W)` is
//! within an ulp of Python's; `W + 1` is computed in 128 bits, so `W = u64::MAX` does not wrap.
//! Where `lr · (it + 1)` overflows f64 (an lr near `f64::MAX`), the warm-up takes the quotient
//! `(it + 1) / (W + 1)` first and stays finite, where nanoGPT's would be `inf`.
//!
//! The warm-up starts at `lr / (W + 1)` (not 0) and reaches `lr · W / (W + 1)` at `it = W − 1`;
//! the cosine starts at `min_lr + 1.0 · (lr − min_lr)` (`lr` up to its rounding) at `it = W` and
//! ends at `min_lr` at `it = D`; from `D + 1` on the lr is `min_lr` itself.
//!
//! # Keys and defaults
//!
//! nanoGPT's names: `lr` (its `learning_rate`; `--lr`, `--lr auto` fills it with the range
//! test's one-cycle peak, as for transformers' warm-up-then-cosine schedules),
//! `warmup_iters`, `lr_decay_iters`, `min_lr`.
//!
//! * `warmup_iters` — default **0** (no warm-up; the cosine starts at `t = 0`). nanoGPT's
//!   `train.py` defaults to 2000, a length in iterations chosen for its 600 000-iteration GPT-2
//!   run; as a default for runs of any length it would be longer than many of them, so cyclr
//!   asks for it explicitly.
//! * `lr_decay_iters` — default: the run length (`--iters`), as nanoGPT's comment advises
//!   ("should be ~= max_iters per Chinchilla").
//! * `min_lr` — default **`lr / 10`** (f64 division), following nanoGPT's "should be ~=
//!   learning_rate/10 per Chinchilla"; computed when the schedule is built, from the final `lr`,
//!   so it follows an `lr` that `--lr auto` filled.
//!
//! cyclr's own `warmup` key (a factor `min(1, (t + 1)/warmup)` on top of any policy) is refused
//! for this policy: it has its own warm-up, `warmup_iters`, and the two would multiply.
//!
//! # Checks (nanoGPT checks none of them)
//!
//! * `lr` finite, `> 0` and `≤ 1e300`, as everywhere in cyclr.
//! * `min_lr` finite, `≥ 0` and `≤ lr`: the floor of a decay; one above the peak is a typo.
//! * `lr_decay_iters > warmup_iters`: nanoGPT divides by `lr_decay_iters − warmup_iters` at
//!   `it = warmup_iters` (a `ZeroDivisionError` when they are equal, also when both are 0), and a
//!   decay that ends before the warm-up would jump from the warm-up straight to `min_lr`.
use std::f64::consts::PI;

use super::check;
use crate::{ParamError, Schedule};

/// nanoGPT's `get_lr`: linear warm-up, cosine decay to `min_lr`, then `min_lr`. See the
/// [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct NanogptCosine {
    lr: f64,
    warmup_iters: u64,
    lr_decay_iters: u64,
    min_lr: f64,
    /// `float(warmup_iters + 1)`.
    warmup_den: f64,
    /// `float(lr_decay_iters − warmup_iters)`.
    decay_den: f64,
    /// `learning_rate − min_lr` (the same value Python computes at each call).
    range: f64,
}

impl NanogptCosine {
    /// nanoGPT's schedule with its `learning_rate` = `lr`.
    ///
    /// Errors: `lr` not finite, ≤ 0 or > 1e300; `min_lr` not finite, < 0 or > `lr`;
    /// `lr_decay_iters ≤ warmup_iters`.
    pub fn new(
        lr: f64,
        warmup_iters: u64,
        lr_decay_iters: u64,
        min_lr: f64,
    ) -> Result<Self, ParamError> {
        check::lr("lr", lr)?;
        check::non_negative("min_lr", min_lr)?;
        if min_lr > lr {
            return Err(ParamError::new(
                "min_lr",
                min_lr,
                format!(
                    "must be ≤ `lr` ({lr}): it is the floor the cosine decays to (nanoGPT \
                     suggests `lr` / 10); a floor above the peak is likely a typo"
                ),
            ));
        }
        if lr_decay_iters <= warmup_iters {
            return Err(ParamError::new(
                "lr_decay_iters",
                lr_decay_iters,
                format!(
                    "must be > `warmup_iters` ({warmup_iters}): the cosine runs from \
                     `warmup_iters` to `lr_decay_iters`, and nanoGPT divides by their \
                     difference (by zero when they are equal)"
                ),
            ));
        }
        Ok(Self {
            lr,
            warmup_iters,
            lr_decay_iters,
            min_lr,
            warmup_den: (u128::from(warmup_iters) + 1) as f64,
            decay_den: (lr_decay_iters - warmup_iters) as f64,
            range: lr - min_lr,
        })
    }

    /// `(lowest, highest)` lr: `min_lr`, or the warm-up's first value `lr / (W + 1)` when that
    /// is lower, and `lr`.
    pub fn bounds(&self) -> (f64, f64) {
        bounds(self.lr, self.warmup_iters, self.min_lr)
    }

    /// The iteration from which the lr is `min_lr` (`lr_decay_iters`).
    pub fn lr_decay_iters(&self) -> u64 {
        self.lr_decay_iters
    }
}

/// `(lowest, highest)` lr of nanoGPT's schedule (see [`NanogptCosine::bounds`]).
fn bounds(lr: f64, warmup_iters: u64, min_lr: f64) -> (f64, f64) {
    let lo = if warmup_iters > 0 {
        // The warm-up's first value, `lr * (0 + 1) / (W + 1)`, as computed.
        min_lr.min(lr * 1.0 / (u128::from(warmup_iters) + 1) as f64)
    } else {
        min_lr
    };
    (lo, lr)
}

impl Schedule for NanogptCosine {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        if t < self.warmup_iters {
            // learning_rate * (it + 1) / (warmup_iters + 1); t + 1 ≤ warmup_iters: no overflow
            // of the integer. The product overflows f64 only for an lr near f64::MAX (1e300 at
            // it = 2^40): there the quotient is taken first, where nanoGPT's would give inf.
            let scaled = self.lr * (t + 1) as f64;
            return if scaled.is_finite() {
                scaled / self.warmup_den
            } else {
                self.lr * ((t + 1) as f64 / self.warmup_den)
            };
        }
        if t > self.lr_decay_iters {
            return self.min_lr;
        }
        let decay_ratio = (t - self.warmup_iters) as f64 / self.decay_den;
        let coeff = 0.5 * (1.0 + (PI * decay_ratio).cos());
        self.min_lr + coeff * self.range
    }
}

/// The default `min_lr`: `lr / 10` (nanoGPT: "should be ~= learning_rate/10 per Chinchilla").
pub(crate) fn default_min_lr(lr: f64) -> f64 {
    lr / 10.0
}

/// The schedule of a `nanogpt-cosine` config: `warmup_iters` defaults to 0, `lr_decay_iters` to
/// the run length (and an error about it says so), `min_lr` to `lr / 10` of the final `lr`.
pub(crate) fn from_config(
    lr: f64,
    warmup_iters: Option<u64>,
    lr_decay_iters: Option<u64>,
    min_lr: Option<f64>,
    total_iters: u64,
) -> Result<Box<dyn Schedule>, ParamError> {
    NanogptCosine::new(
        lr,
        warmup_iters.unwrap_or(0),
        lr_decay_iters.unwrap_or(total_iters),
        min_lr.unwrap_or_else(|| default_min_lr(lr)),
    )
    .map(|s| Box::new(s) as Box<dyn Schedule>)
    .map_err(|e| check::run_length_note(e, "lr_decay_iters", lr_decay_iters.is_some()))
}

/// `(min, max)` of a `nanogpt-cosine` config, with its defaults.
pub(crate) fn config_bounds(lr: f64, warmup_iters: Option<u64>, min_lr: Option<f64>) -> (f64, f64) {
    bounds(
        lr,
        warmup_iters.unwrap_or(0),
        min_lr.unwrap_or_else(|| default_min_lr(lr)),
    )
}

/// nanoGPT's schedule, for the [registry](super::registry), with nanoGPT's names.
macro_rules! nanogpt_policies {
    ([$($rest:tt)*] $($acc:tt)*) => {
        crate::schedule::registry::collect! { [$($rest)*] $($acc)* {
            keys [
                /// nanogpt-cosine: linear warm-up iterations (nanoGPT's `warmup_iters`).
                warmup_iters: u64 => Count(
                    "N",
                    "nanogpt-cosine: warm-up iterations, lr*(t+1)/(N+1) (nanoGPT warmup_iters; default 0)"
                ),
                /// nanogpt-cosine: the iteration at which the cosine reaches `min_lr`.
                lr_decay_iters: u64 => Count(
                    "N",
                    "nanogpt-cosine: iteration at which the cosine reaches --min-lr (nanoGPT lr_decay_iters; default --iters)"
                ),
            ]
            policies [
                /// nanoGPT's `get_lr`: linear warm-up, cosine decay to `min_lr`, then `min_lr`.
                NanogptCosine = "nanogpt-cosine", Other {
                    formula: "lr*(t+1)/(W+1) for t < W, then min_lr + 0.5*(1 + cos(pi*(t-W)/(D-W)))*(lr - min_lr) up to D, then min_lr (nanoGPT get_lr; W = warmup_iters, D = lr_decay_iters)",
                    auto: [("lr", OneCyclePeak)],
                    no_warmup: "nanogpt-cosine has its own `warmup_iters` (nanoGPT's linear warm-up lr·(it+1)/(warmup_iters+1)); `warmup` does not apply",
                    params: {
                        /// Peak lr (nanoGPT's `learning_rate`), reached at `t = warmup_iters`.
                        req lr: f64,
                        /// Linear warm-up iterations, `lr·(t+1)/(warmup_iters+1)` (default 0).
                        opt warmup_iters: u64,
                        /// End of the cosine; `min_lr` after it (default: the run length).
                        opt lr_decay_iters: u64,
                        /// The floor, in [0, lr] (default `lr / 10`, of the final `lr`).
                        opt min_lr: f64,
                    },
                    build(total_iters): {
                        crate::schedule::nanogpt::from_config(
                            lr,
                            warmup_iters,
                            lr_decay_iters,
                            min_lr,
                            total_iters,
                        )
                    },
                    bounds: {
                        crate::schedule::nanogpt::config_bounds(lr, warmup_iters, min_lr)
                    },
                }
            ]
        } }
    };
}
pub(crate) use nanogpt_policies;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_at_their_boundaries() {
        let s = NanogptCosine::new(1e-3, 100, 2000, 1e-4).unwrap();
        assert_eq!(s.lr(0), 1e-3 * 1.0 / 101.0);
        assert_eq!(s.lr(99), 1e-3 * 100.0 / 101.0);
        // The cosine starts at min_lr + 1.0 · (lr − min_lr), which rounds back to lr here.
        assert_eq!(s.lr(100), 1e-4 + (1e-3 - 1e-4));
        assert_eq!(s.lr(2000), 1e-4 + 0.5 * (1.0 + PI.cos()) * (1e-3 - 1e-4));
        assert_eq!(s.lr(2001), 1e-4);
        assert_eq!(s.lr(u64::MAX), 1e-4);
        assert_eq!(s.bounds(), (1e-3 / 101.0, 1e-3));
        // No warm-up: the bounds are the floor and the peak.
        let s = NanogptCosine::new(1e-3, 0, 10, 0.0).unwrap();
        assert_eq!(s.bounds(), (0.0, 1e-3));
        assert_eq!(s.lr(11), 0.0);
        // A warm-up of u64::MAX iterations does not wrap.
        let s = NanogptCosine::new(1.0, u64::MAX - 1, u64::MAX, 0.1).unwrap();
        assert_eq!(s.lr(0), 1.0 / 2f64.powi(64));
        assert!(s.lr(u64::MAX - 2) <= 1.0);
        assert_eq!(s.lr(u64::MAX), 0.1 + 0.5 * (1.0 + PI.cos()) * (1.0 - 0.1));
    }

    #[test]
    fn checks() {
        assert_eq!(NanogptCosine::new(0.0, 0, 10, 0.0).unwrap_err().param, "lr");
        assert_eq!(
            NanogptCosine::new(f64::NAN, 0, 10, 0.0).unwrap_err().param,
            "lr"
        );
        assert_eq!(
            NanogptCosine::new(0.1, 0, 10, -1e-9).unwrap_err().param,
            "min_lr"
        );
        assert_eq!(
            NanogptCosine::new(0.1, 0, 10, 0.2).unwrap_err().param,
            "min_lr"
        );
        assert!(NanogptCosine::new(0.1, 0, 10, 0.1).is_ok());
        assert_eq!(
            NanogptCosine::new(0.1, 10, 10, 0.0).unwrap_err().param,
            "lr_decay_iters"
        );
        assert_eq!(
            NanogptCosine::new(0.1, 0, 0, 0.0).unwrap_err().param,
            "lr_decay_iters"
        );
        assert!(NanogptCosine::new(0.1, 0, 1, 0.0).is_ok());
    }
}

//! SGDR: cosine annealing with warm restarts (Loshchilov & Hutter 2017), as PyTorch
//! `CosineAnnealingWarmRestarts(T_0, T_mult, eta_min)`.
//!
//! ```text
//! T_i   = T_0 · T_mult^i                      length of restart period i (i = 0, 1, …)
//! i     = the period containing t, i.e. S_i ≤ t < S_i + T_i with S_i = T_0 (T_mult^i − 1)/(T_mult − 1)
//!                                            (S_i = i·T_0 when T_mult = 1)
//! T_cur = t − S_i
//! lr    = eta_min + (max_lr − eta_min) · (1 + cos(π · T_cur / T_i)) / 2
//! ```
//!
//! `max_lr` is PyTorch's optimizer (base) lr and `min_lr` its `eta_min`. The closed form is the
//! one of PyTorch's `step(epoch)` branch, but the period is found with exact integer arithmetic
//! instead of `int(math.log(...))`, so `T_cur` and `T_i` are the integers PyTorch's per-step
//! counter holds (its float logarithm can land one period off at exact restart boundaries), and
//! the lr is computed with PyTorch's expression `eta_min + (base_lr − eta_min) · (1 + cos(π ·
//! T_cur / T_i)) / 2`, evaluated left to right.
use super::check;
use crate::{ParamError, Schedule};

/// Cosine annealing with warm restarts (SGDR). See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Sgdr {
    max_lr: f64,
    min_lr: f64,
    t0: u64,
    t_mult: u64,
}

impl Sgdr {
    /// SGDR from `max_lr` down to `min_lr` over periods `t0, t0·t_mult, t0·t_mult², …`.
    ///
    /// Errors: `max_lr` not finite or ≤ 0; `min_lr` not finite, < 0 or ≥ `max_lr`; `t0` < 1;
    /// `t_mult` < 1 (PyTorch: "Expected positive integer T_0", "Expected integer T_mult >= 1").
    pub fn new(max_lr: f64, min_lr: f64, t0: u64, t_mult: u64) -> Result<Self, ParamError> {
        check::lr("max_lr", max_lr)?;
        check::non_negative("min_lr", min_lr)?;
        if min_lr >= max_lr {
            return Err(ParamError::new(
                "min_lr",
                min_lr,
                format!("must be < `max_lr` ({max_lr})"),
            ));
        }
        check::at_least_one("t0", t0)?;
        check::at_least_one("t_mult", t_mult)?;
        Ok(Self {
            max_lr,
            min_lr,
            t0,
            t_mult,
        })
    }

    /// `(T_cur, T_i)` at iteration `t`: iterations since the last restart and the current
    /// period's length.
    #[inline]
    pub fn position(&self, t: u64) -> (u64, u128) {
        if self.t_mult == 1 {
            return (t % self.t0, self.t0 as u128);
        }
        // Fast path in u64 (any realistic t): t·(m − 1) and its quotient fit, and
        // t0·(m^n − 1) ≤ t·(m − 1).
        if let Some(q) = t
            .checked_mul(self.t_mult - 1)
            .and_then(|x| (x / self.t0).checked_add(1))
        {
            let m = self.t_mult;
            let n = if m == 2 { q.ilog2() } else { q.ilog(m) };
            let p = m.pow(n);
            let start = self.t0 * (p - 1) / (m - 1);
            return (t - start, self.t0 as u128 * p as u128);
        }
        let (t0, m) = (self.t0 as u128, self.t_mult as u128);
        // Period n starts at S_n = t0·(m^n − 1)/(m − 1); t lies in the last period with
        // S_n ≤ t, i.e. (m^n integer) m^n ≤ floor(t·(m − 1)/t0) + 1. All exact in u128:
        // t·(m − 1) < 2^128 and t0·m^n ≤ t·(m − 1) + t0.
        let q = t as u128 * (m - 1) / t0 + 1;
        let n = if m == 2 { q.ilog2() } else { q.ilog(m) };
        let p = m.pow(n);
        let start = t0 * (p - 1) / (m - 1);
        ((t as u128 - start) as u64, t0 * p)
    }

    /// Iteration of the `k`-th restart (`k = 0` is `t = 0`), `None` past `u64::MAX`.
    pub fn restart(&self, k: u32) -> Option<u64> {
        let mut start: u64 = 0;
        let mut t_i: u64 = self.t0;
        for _ in 0..k {
            start = start.checked_add(t_i)?;
            t_i = t_i.saturating_mul(self.t_mult);
        }
        Some(start)
    }

    /// Peak lr (PyTorch's base lr).
    pub fn max_lr(&self) -> f64 {
        self.max_lr
    }
    /// Floor lr (PyTorch's `eta_min`).
    pub fn min_lr(&self) -> f64 {
        self.min_lr
    }
    /// First period length.
    pub fn t0(&self) -> u64 {
        self.t0
    }
    /// Period growth factor.
    pub fn t_mult(&self) -> u64 {
        self.t_mult
    }
    /// `(min_lr, max_lr)`.
    pub fn bounds(&self) -> (f64, f64) {
        (self.min_lr, self.max_lr)
    }
}

impl Schedule for Sgdr {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        let (t_cur, t_i) = self.position(t);
        let c = (std::f64::consts::PI * t_cur as f64 / t_i as f64).cos();
        self.min_lr + (self.max_lr - self.min_lr) * (1.0 + c) / 2.0
    }

    /// After each period `t0, t0·t_mult, …`: the step before a restart, the rate at its lowest.
    fn cycle_ends(&self, iters: u64) -> Option<Vec<u64>> {
        let (mut end, mut t_i) = (0u64, self.t0);
        let mut out = Vec::new();
        while let Some(e) = end.checked_add(t_i).filter(|&e| e <= iters) {
            out.push(e);
            end = e;
            t_i = t_i.saturating_mul(self.t_mult);
        }
        Some(out)
    }
}

/// SGDR, for the [registry](super::registry).
macro_rules! restarts_policies {
    ([$($rest:tt)*] $($acc:tt)*) => {
        crate::schedule::registry::collect! { [$($rest)*] $($acc)* {
            keys []
            policies [
                /// Cosine annealing with warm restarts.
                Sgdr = "sgdr", Other {
                    formula: "cosine annealing with warm restarts (CosineAnnealingWarmRestarts)",
                    auto: [("max_lr", Max), ("min_lr", Base)],
                    params: {
                        /// Peak lr (PyTorch's base lr).
                        req max_lr: f64,
                        /// Floor lr (`eta_min`, default 0).
                        opt min_lr: f64,
                        /// First period (`T_0`).
                        req t0: u64,
                        /// Period growth (`T_mult`, default 1).
                        opt t_mult: u64,
                    },
                    build(total_iters): {
                        Ok(Box::new(crate::schedule::restarts::Sgdr::new(
                            max_lr,
                            min_lr.unwrap_or(0.0),
                            t0,
                            t_mult.unwrap_or(1),
                        )?))
                    },
                    bounds: { (min_lr.unwrap_or(0.0), max_lr) },
                }
            ]
        } }
    };
}
pub(crate) use restarts_policies;

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference: walk the periods one by one, as PyTorch's per-step counter does.
    fn walk(s: &Sgdr, t: u64) -> (u64, u128) {
        let (mut start, mut t_i) = (0u128, s.t0 as u128);
        while t as u128 >= start + t_i {
            start += t_i;
            t_i *= s.t_mult as u128;
        }
        ((t as u128 - start) as u64, t_i)
    }

    #[test]
    fn closed_form_position_matches_walk() {
        for (t0, m) in [
            (1u64, 2u64),
            (1, 3),
            (3, 2),
            (10, 3),
            (7, 10),
            (100, 2),
            (1, u64::MAX),
        ] {
            let s = Sgdr::new(0.1, 0.0, t0, m).unwrap();
            for t in (0..5000).chain([1 << 40, (1 << 40) + 1, u64::MAX - 1, u64::MAX]) {
                assert_eq!(s.position(t), walk(&s, t), "t0={t0} m={m} t={t}");
            }
            for k in 0..64 {
                if let Some(r) = s.restart(k) {
                    for t in [r.saturating_sub(1), r, r.saturating_add(1)] {
                        assert_eq!(s.position(t), walk(&s, t), "t0={t0} m={m} t={t}");
                    }
                }
            }
        }
    }

    #[test]
    fn periods_double() {
        let s = Sgdr::new(0.1, 0.0, 10, 2).unwrap();
        assert_eq!(s.position(0), (0, 10));
        assert_eq!(s.position(9), (9, 10));
        assert_eq!(s.position(10), (0, 20));
        assert_eq!(s.position(29), (19, 20));
        assert_eq!(s.position(30), (0, 40));
        assert_eq!(s.restart(2), Some(30));
        assert_eq!(s.lr(30), 0.1);
        let s = Sgdr::new(0.1, 0.0, 1, u64::MAX).unwrap();
        assert_eq!(s.position(u64::MAX), (u64::MAX - 1, u64::MAX as u128));
    }

    #[test]
    fn errors() {
        assert_eq!(Sgdr::new(0.1, 0.2, 10, 1).unwrap_err().param, "min_lr");
        assert_eq!(Sgdr::new(0.1, 0.0, 0, 1).unwrap_err().param, "t0");
        assert_eq!(Sgdr::new(0.1, 0.0, 1, 0).unwrap_err().param, "t_mult");
        assert_eq!(Sgdr::new(f64::NAN, 0.0, 1, 1).unwrap_err().param, "max_lr");
    }
}

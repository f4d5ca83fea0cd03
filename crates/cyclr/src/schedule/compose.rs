//! Combinators: linear warm-up and schedules chained at milestones.
//!
//! # [`Warmup`]
//!
//! ```text
//! lr(t)       = inner.lr(t) · min(1, (t + 1) / N)
//! momentum(t) = inner.momentum(t)
//! ```
//!
//! The warm-up multiplies the wrapped schedule (it does not delay it: the inner schedule's clock
//! keeps running during the warm-up, as with PyTorch's `ChainedScheduler(LinearLR, …)` or timm's
//! and Hugging Face's warm-ups). The factor starts at `1/N` rather than 0 — PyTorch's `LinearLR`
//! uses a `start_factor` (default 1/3) for the same reason: a step with lr 0 is a wasted step —
//! and reaches 1 at `t = N − 1`, so exactly the first `N` steps are scaled, the last of them by 1.
//! `N = 0` is no warm-up.
//!
//! # [`Sequence`]
//!
//! ```text
//! milestones m_1 < m_2 < … < m_{k−1}, m_0 = 0
//! lr(t) = schedules[i].lr(t − m_i)      for m_i ≤ t < m_{i+1}
//! ```
//!
//! Each schedule restarts at its own `t = 0` when it takes over, like PyTorch's `SequentialLR`
//! (whose implementation quirks — re-stepping a finished scheduler with `step(0)` — are not
//! reproduced). [`Schedule::momentum`] is that of the active schedule, `None` while it does not
//! cycle momentum (leave the optimizer's momentum as it is).
use crate::{ParamError, Schedule};

/// Linear warm-up wrapped around any schedule. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Warmup<S> {
    inner: S,
    iters: u64,
    inv_iters: f64,
}

impl<S: Schedule> Warmup<S> {
    /// Scale `inner`'s lr by `min(1, (t + 1)/iters)`; `iters = 0` leaves it unchanged.
    pub fn new(inner: S, iters: u64) -> Self {
        Self {
            inner,
            iters,
            inv_iters: if iters == 0 { 1.0 } else { 1.0 / iters as f64 },
        }
    }
    /// The wrapped schedule.
    pub fn inner(&self) -> &S {
        &self.inner
    }
    /// Number of warm-up iterations.
    pub fn iters(&self) -> u64 {
        self.iters
    }
    /// The warm-up factor at `t`, in `[1/iters, 1]`.
    #[inline]
    pub fn factor(&self, t: u64) -> f64 {
        if t < self.iters {
            // (t + 1) / N, exactly: t + 1 ≤ N fits in f64 for any realistic N.
            (t + 1) as f64 / self.iters as f64
        } else {
            1.0
        }
    }
    /// `(inner_min / iters, inner_max)` given the inner schedule's bounds.
    pub fn bounds_from(&self, (lo, hi): (f64, f64)) -> (f64, f64) {
        (lo * self.inv_iters, hi)
    }
}

impl<S: Schedule> Schedule for Warmup<S> {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        self.inner.lr(t) * self.factor(t)
    }
    #[inline]
    fn momentum(&self, t: u64) -> Option<f64> {
        self.inner.momentum(t)
    }
    fn cycles_momentum(&self) -> bool {
        self.inner.cycles_momentum()
    }
    fn cycle_ends(&self, iters: u64) -> Option<Vec<u64>> {
        self.inner.cycle_ends(iters)
    }
}

/// Schedules switched at milestones, each restarting at its own `t = 0`. See the
/// [module docs](self).
#[derive(Debug)]
pub struct Sequence {
    schedules: Vec<Box<dyn Schedule>>,
    milestones: Vec<u64>,
}

impl Sequence {
    /// `schedules[0]` runs on `[0, milestones[0])`, `schedules[i]` on
    /// `[milestones[i−1], milestones[i])`, the last one from the last milestone on.
    ///
    /// Errors: `schedules` empty; `milestones.len() != schedules.len() − 1` (PyTorch's
    /// "Sequential Schedulers expects number of schedulers provided to be one more than the
    /// number of milestone points"); milestones not strictly increasing or the first < 1.
    pub fn new(
        schedules: Vec<Box<dyn Schedule>>,
        milestones: Vec<u64>,
    ) -> Result<Self, ParamError> {
        Self::check_milestones(schedules.len(), &milestones)?;
        Ok(Self {
            schedules,
            milestones,
        })
    }

    /// The checks of [`Sequence::new`] on `n_schedules` schedules and `milestones`.
    pub fn check_milestones(n_schedules: usize, milestones: &[u64]) -> Result<(), ParamError> {
        if n_schedules == 0 {
            return Err(ParamError::new(
                "schedules",
                "[]",
                "must hold at least one schedule",
            ));
        }
        if milestones.len() + 1 != n_schedules {
            return Err(ParamError::new(
                "milestones",
                format!("{milestones:?}"),
                format!(
                    "must hold one milestone fewer than `schedules` ({n_schedules} schedules, \
                     so {})",
                    n_schedules - 1
                ),
            ));
        }
        if milestones.first().is_some_and(|&m| m < 1) {
            return Err(ParamError::new(
                "milestones",
                format!("{milestones:?}"),
                "must be ≥ 1",
            ));
        }
        if milestones.windows(2).any(|w| w[0] >= w[1]) {
            return Err(ParamError::new(
                "milestones",
                format!("{milestones:?}"),
                "must be strictly increasing",
            ));
        }
        Ok(())
    }

    /// The chained schedules.
    pub fn schedules(&self) -> &[Box<dyn Schedule>] {
        &self.schedules
    }
    /// The switch points.
    pub fn milestones(&self) -> &[u64] {
        &self.milestones
    }

    /// `(index of the active schedule, its local t)`.
    #[inline]
    pub fn locate(&self, t: u64) -> (usize, u64) {
        let i = self.milestones.partition_point(|&m| m <= t);
        let start = if i == 0 { 0 } else { self.milestones[i - 1] };
        (i, t - start)
    }
}

impl Schedule for Sequence {
    #[inline]
    fn lr(&self, t: u64) -> f64 {
        let (i, local) = self.locate(t);
        self.schedules[i].lr(local)
    }
    #[inline]
    fn momentum(&self, t: u64) -> Option<f64> {
        let (i, local) = self.locate(t);
        self.schedules[i].momentum(local)
    }
    fn cycles_momentum(&self) -> bool {
        self.schedules.iter().any(|s| s.cycles_momentum())
    }
}

/// The schedule of a `sequence` config: each part built for its span between milestones (the
/// last: up to the run length), errors naming the part (`schedules[1].gamma`).
pub(crate) fn sequence_from_config(
    milestones: &[u64],
    schedules: &[super::ScheduleConfig],
    total_iters: u64,
) -> Result<Box<dyn Schedule>, ParamError> {
    Sequence::check_milestones(schedules.len(), milestones)?;
    let last = milestones.last().copied().unwrap_or(0);
    if !milestones.is_empty() && last >= total_iters {
        return Err(ParamError::new(
            "milestones",
            format!("{milestones:?}"),
            format!("the last milestone must be < the run length ({total_iters})"),
        ));
    }
    let mut parts = Vec::with_capacity(schedules.len());
    let mut start = 0;
    for (i, cfg) in schedules.iter().enumerate() {
        let end = milestones.get(i).copied().unwrap_or(total_iters);
        let part = cfg.build(end - start).map_err(|e| ParamError {
            param: format!("schedules[{i}].{}", e.param),
            ..e
        })?;
        parts.push(part);
        start = end;
    }
    Ok(Box::new(Sequence::new(parts, milestones.to_vec())?))
}

/// `sequence`, for the [registry](super::registry).
macro_rules! compose_policies {
    ([$($rest:tt)*] $($acc:tt)*) => {
        crate::schedule::registry::collect! { [$($rest)*] $($acc)* {
            keys []
            policies [
                /// Schedules chained at milestones, each restarting at its own `t = 0`.
                Sequence = "sequence", Other {
                    formula: "policies chained at milestones, each restarting at its own t = 0",
                    auto: [],
                    params: {
                        /// Switch points (one fewer than `schedules`).
                        req milestones: Vec<u64>,
                        /// The chained policies.
                        req schedules: Vec<ScheduleConfig>,
                    },
                    build(total_iters): {
                        crate::schedule::compose::sequence_from_config(
                            &milestones,
                            &schedules,
                            total_iters,
                        )
                    },
                    bounds: {
                        schedules
                            .iter()
                            .map(ScheduleConfig::bounds)
                            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (c, d)| {
                                (a.min(c), b.max(d))
                            })
                    },
                }
            ]
        } }
    };
}
pub(crate) use compose_policies;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::{Exponential, Fixed};

    #[test]
    fn warmup_factor() {
        let w = Warmup::new(Fixed::new(1.0).unwrap(), 4);
        let lrs: Vec<f64> = (0..6).map(|t| w.lr(t)).collect();
        assert_eq!(lrs, [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]);
        let w0 = Warmup::new(Fixed::new(1.0).unwrap(), 0);
        assert_eq!(w0.lr(0), 1.0);
    }

    #[test]
    fn sequence_restarts_each_part() {
        let s = Sequence::new(
            vec![
                Box::new(Fixed::new(0.5).unwrap()),
                Box::new(Exponential::new(1.0, 0.5).unwrap()),
            ],
            vec![3],
        )
        .unwrap();
        assert_eq!(s.lr(2), 0.5);
        assert_eq!(s.lr(3), 1.0);
        assert_eq!(s.lr(4), 0.5);
        let e = Sequence::new(vec![Box::new(Fixed::new(0.5).unwrap())], vec![3]).unwrap_err();
        assert_eq!(e.param, "milestones");
        let parts = || -> Vec<Box<dyn Schedule>> {
            vec![
                Box::new(Fixed::new(0.5).unwrap()),
                Box::new(Fixed::new(0.5).unwrap()),
            ]
        };
        assert_eq!(
            Sequence::new(parts(), vec![0]).unwrap_err().param,
            "milestones"
        );
        assert!(Sequence::new(vec![], vec![]).is_err());
    }
}

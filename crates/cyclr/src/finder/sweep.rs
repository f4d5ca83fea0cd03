//! How the learning rate grows during the range test.
use serde::{Deserialize, Serialize};

/// The learning-rate sweep of a range test, from `start` to `end` over `num_it` steps.
///
/// Step `i` runs from 0 to `num_it − 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sweep {
    /// fastai's `LRFinder` (`SchedExp` at `pos = train_iter/num_it`):
    /// `lr_i = start·(end/start)^(i/num_it)`. The last step is one ratio short of `end`.
    #[default]
    Exponential,
    /// torch-lr-finder's `ExponentialLR`: `lr_i = start·(end/start)^(i/(num_it−1))`, so the last
    /// step is exactly `end`.
    ExponentialTorch,
    /// Smith's paper (arXiv 1506.01186 §3.3, linear increase over a few epochs):
    /// `lr_i = start + (end−start)·i/(num_it−1)`.
    Linear,
}

impl Sweep {
    /// The learning rate at step `i` of a sweep of `num_it` steps from `start` to `end`.
    ///
    /// Evaluated in the same order of operations as fastai's `sched_exp` / `sched_lin`
    /// (`start * (end/start) ** pos`, `start + pos*(end-start)`), so the values match Python's to
    /// the last bit or two. `num_it` must be ≥ 2 (as [`RangeTestConfig::validate`] ensures).
    ///
    /// [`RangeTestConfig::validate`]: super::RangeTestConfig::validate
    pub fn lr(self, start: f64, end: f64, i: usize, num_it: usize) -> f64 {
        match self {
            Sweep::Exponential => {
                let pos = i as f64 / num_it as f64;
                start * (end / start).powf(pos)
            }
            Sweep::ExponentialTorch => {
                let pos = i as f64 / (num_it as f64 - 1.0);
                start * (end / start).powf(pos)
            }
            Sweep::Linear => {
                let pos = i as f64 / (num_it as f64 - 1.0);
                start + pos * (end - start)
            }
        }
    }

    /// The whole sweep: `num_it` learning rates.
    pub fn lrs(self, start: f64, end: f64, num_it: usize) -> Vec<f64> {
        (0..num_it)
            .map(|i| self.lr(start, end, i, num_it))
            .collect()
    }

    /// The largest ratio between consecutive learning rates of the sweep (the resolution a
    /// suggestion can have): `(end/start)^(1/num_it)` for [`Sweep::Exponential`],
    /// `(end/start)^(1/(num_it−1))` for [`Sweep::ExponentialTorch`], and the first step's
    /// `lr_1/lr_0` for [`Sweep::Linear`].
    pub fn step_ratio(self, start: f64, end: f64, num_it: usize) -> f64 {
        match self {
            Sweep::Exponential => (end / start).powf(1.0 / num_it as f64),
            Sweep::ExponentialTorch => (end / start).powf(1.0 / (num_it as f64 - 1.0)),
            Sweep::Linear => self.lr(start, end, 1, num_it) / start,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_is_fastai() {
        // fastai: 1e-7 * (10/1e-7) ** (i/100)
        let lrs = Sweep::Exponential.lrs(1e-7, 10.0, 100);
        assert_eq!(lrs[0], 1e-7);
        assert!((lrs[1] / 1.202264434617413e-07 - 1.0).abs() < 1e-14);
        assert!((lrs[99] / 8.317637711026709 - 1.0).abs() < 1e-14);
    }

    #[test]
    fn torch_and_linear_end_at_end() {
        let t = Sweep::ExponentialTorch.lrs(1e-5, 1.0, 50);
        assert!((t[49] - 1.0).abs() < 1e-12);
        let l = Sweep::Linear.lrs(0.001, 0.01, 10);
        assert!((l[9] - 0.01).abs() < 1e-15);
        assert!((l[1] - 0.002).abs() < 1e-15);
        assert!((Sweep::Linear.step_ratio(0.001, 0.01, 10) - 2.0).abs() < 1e-12);
    }
}

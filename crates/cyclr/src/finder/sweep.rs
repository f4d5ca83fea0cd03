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
    /// `lr_i = start + (end−start)·i/(num_it−1)`. Also torch-lr-finder's `LinearLR`
    /// (`base_lr + r * (end_lr - base_lr)`, `r = last_epoch / (num_iter - 1)`), the same formula.
    Linear,
    /// PyTorch Lightning 2.6's `_ExponentialLR` as its `_LRCallback` records it
    /// (`lightning/pytorch/tuner/lr_finder.py`): the lr of batch `i` is the scheduler's `_lr` at
    /// `last_epoch = i`, and `get_lr` computes
    ///
    /// ```text
    /// curr_iter = last_epoch + 1; r = curr_iter / num_iter
    /// last_epoch > 0:  base_lr * (end_lr / base_lr) ** r      else: base_lr
    /// ```
    ///
    /// so `lr_0 = start` and `lr_i = start·(end/start)^((i+1)/num_it)` for `i ≥ 1`: the first
    /// step is two ratios long (`(i+1)/num_it` skips `1/num_it`), and the last lr is `end`.
    ExponentialLightning,
    /// Lightning 2.6's `_LinearLR`, recorded the same way: `lr_0 = start`,
    /// `lr_i = start + ((i+1)/num_it)·(end − start)` for `i ≥ 1`.
    LinearLightning,
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
            Sweep::ExponentialLightning | Sweep::LinearLightning if i == 0 => start,
            Sweep::ExponentialLightning => {
                let r = (i + 1) as f64 / num_it as f64;
                start * (end / start).powf(r)
            }
            Sweep::LinearLightning => {
                let r = (i + 1) as f64 / num_it as f64;
                start + r * (end - start)
            }
        }
    }

    /// `true` for the sweeps even in log lr (plotted on a log axis).
    pub fn is_exponential(self) -> bool {
        matches!(
            self,
            Sweep::Exponential | Sweep::ExponentialTorch | Sweep::ExponentialLightning
        )
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
    /// `lr_1/lr_0` for the others (Lightning's first step is its longest: two ratios).
    pub fn step_ratio(self, start: f64, end: f64, num_it: usize) -> f64 {
        match self {
            Sweep::Exponential => (end / start).powf(1.0 / num_it as f64),
            Sweep::ExponentialTorch => (end / start).powf(1.0 / (num_it as f64 - 1.0)),
            Sweep::Linear | Sweep::ExponentialLightning | Sweep::LinearLightning => {
                self.lr(start, end, 1, num_it) / start
            }
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
    fn lightning_skips_one_ratio_after_the_base_lr() {
        // Lightning 2.6.6, 1e-8 -> 1, num_training 100 (the golden finders file's lrs).
        let l = Sweep::ExponentialLightning.lrs(1e-8, 1.0, 100);
        assert_eq!(l[0], 1e-8);
        assert!((l[1] / 1.4454397707459274e-08 - 1.0).abs() < 1e-14);
        assert!((l[24] / 1e-6 - 1.0).abs() < 1e-14);
        assert_eq!(l[99], 1.0);
        let lin = Sweep::LinearLightning.lrs(0.0625, 1.0625, 4);
        assert_eq!(lin, vec![0.0625, 0.5625, 0.8125, 1.0625]);
        let r = Sweep::ExponentialLightning.step_ratio(1e-8, 1.0, 100);
        assert!((r / 10f64.powf(0.16) - 1.0).abs() < 1e-12);
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

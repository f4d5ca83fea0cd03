//! fastai's debiased exponential moving average of the loss (`AvgSmoothLoss`).

/// `torch.lerp(start, end, weight)` exactly as PyTorch's CPU kernel evaluates it
/// (`aten/src/ATen/native/Lerp.h`): `start + weight·(end − start)` when `|weight| < 0.5`,
/// otherwise `end − (end − start)·(1 − weight)`.
pub fn torch_lerp(start: f64, end: f64, weight: f64) -> f64 {
    let diff = end - start;
    if weight.abs() < 0.5 {
        start + weight * diff
    } else {
        end - diff * (1.0 - weight)
    }
}

/// fastai's `AvgSmoothLoss` (fastai/learner.py):
///
/// ```text
/// accumulate: count += 1; val = torch.lerp(loss, val, beta)      # = beta·val + (1−beta)·loss
/// value:      val / (1 − beta**count)
/// ```
///
/// `val` starts at 0, so the division by `1 − β^count` removes the bias towards 0 of the first
/// steps: `smoothed_i = avg_i / (1 − β^(i+1))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DebiasedEma {
    beta: f64,
    val: f64,
    count: u64,
}

impl DebiasedEma {
    /// A fresh average (`val = 0`, `count = 0`). `beta` in `[0, 1)`.
    pub fn new(beta: f64) -> Self {
        Self {
            beta,
            val: 0.0,
            count: 0,
        }
    }

    /// Add one value and return the new debiased average.
    pub fn update(&mut self, x: f64) -> f64 {
        self.count += 1;
        self.val = torch_lerp(x, self.val, self.beta);
        self.value()
    }

    /// The debiased average (NaN before the first update, as fastai's 0/0).
    pub fn value(&self) -> f64 {
        self.val / (1.0 - self.beta.powf(self.count as f64))
    }

    /// How many values have been added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The biased running average (before the debiasing division), for saving the state.
    pub fn raw(&self) -> f64 {
        self.val
    }

    /// Restore a state saved with [`raw`](Self::raw) and [`count`](Self::count).
    pub fn from_state(beta: f64, raw: f64, count: u64) -> Self {
        Self {
            beta,
            val: raw,
            count,
        }
    }
}

/// The debiased EMA of a whole series: `out[i]` is the smoothed value after `values[..=i]`.
pub fn smooth(values: &[f64], beta: f64) -> Vec<f64> {
    let mut ema = DebiasedEma::new(beta);
    values.iter().map(|&v| ema.update(v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_value_is_unbiased() {
        assert_eq!(smooth(&[2.5], 0.98), vec![2.5]);
    }

    #[test]
    fn matches_the_textbook_formula() {
        let xs = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let beta = 0.9;
        let mut avg = 0.0;
        for (i, (&x, s)) in xs.iter().zip(smooth(&xs, beta)).enumerate() {
            avg = beta * avg + (1.0 - beta) * x;
            let want = avg / (1.0 - beta.powi(i as i32 + 1));
            assert!((s - want).abs() < 1e-12 * want.abs());
        }
    }

    #[test]
    fn beta_zero_is_identity() {
        let xs = [3.0, -1.0, 4.0];
        assert_eq!(smooth(&xs, 0.0), xs.to_vec());
    }
}

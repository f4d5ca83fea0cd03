//! fastai's four learning-rate suggestions (fastai 2.8.12, `fastai/callback/schedule.py`),
//! each a pure function of `(lrs, losses)`.
//!
//! fastai's `Learner.lr_find` calls them on the *window* of the recorded smoothed curve
//! `[num_it//10 : -5]`, cut at its first NaN; [`analyze`](super::analyze) and
//! [`RangeTest::finish`](super::RangeTest::finish) do the same. The functions here see only the
//! window: every index they return is relative to the slices they are given.
//!
//! Each returns `None` where fastai would raise (too few points); fastai's own index arithmetic is
//! kept, quirks included (see [`valley`]).
use serde::{Deserialize, Serialize};

/// Points fastai's `lr_find` drops at the end of the recorded curve (`[..., :-5]`).
pub const SKIP_END: usize = 5;
/// `slide`'s default `lr_diff`.
pub const SLIDE_LR_DIFF: usize = 15;
/// `slide`'s default `thresh`.
pub const SLIDE_THRESH: f64 = 0.005;
/// `slide`'s default `adjust_value`.
pub const SLIDE_ADJUST_VALUE: f64 = 1.0;

/// Points fastai's `lr_find` drops at the start of the recorded curve: `num_it // 10`.
pub fn skip_start(num_it: usize) -> usize {
    num_it / 10
}

/// One suggested learning rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The suggested learning rate.
    pub lr: f64,
    /// Index of the point the suggestion is read at (for [`minimum`], the minimum itself, whose
    /// lr is ten times the suggestion). Relative to the slices given to the function; in a
    /// [`RangeTestResult`](super::RangeTestResult), an index into its `lrs`/`smoothed`.
    pub index: usize,
    /// The smoothed value at that point: the loss (in `Accuracy` mode, the smoothed accuracy).
    pub value: f64,
}

/// fastai's four suggestions; `None` where the curve is too short for one.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Suggestions {
    /// [`valley`]: fastai's default suggestion.
    pub valley: Option<Suggestion>,
    /// [`steep`].
    pub steep: Option<Suggestion>,
    /// [`minimum`].
    pub minimum: Option<Suggestion>,
    /// [`slide`] with fastai's defaults.
    pub slide: Option<Suggestion>,
}

impl Suggestions {
    /// All four on one window (`lrs` and `losses` of equal length, NaN-free).
    pub fn compute(lrs: &[f64], losses: &[f64]) -> Self {
        Self {
            valley: valley(lrs, losses),
            steep: steep(lrs, losses),
            minimum: minimum(lrs, losses),
            slide: slide(lrs, losses),
        }
    }

    /// Apply `f` to each suggestion present (used to shift indices and restore values).
    pub fn map(self, mut f: impl FnMut(Suggestion) -> Suggestion) -> Self {
        Self {
            valley: self.valley.map(&mut f),
            steep: self.steep.map(&mut f),
            minimum: self.minimum.map(&mut f),
            slide: self.slide.map(&mut f),
        }
    }

    /// `(name, suggestion)` for the four, in the order valley, steep, minimum, slide.
    pub fn iter(&self) -> [(&'static str, Option<Suggestion>); 4] {
        [
            ("valley", self.valley),
            ("steep", self.steep),
            ("minimum", self.minimum),
            ("slide", self.slide),
        ]
    }
}

fn same_len(lrs: &[f64], losses: &[f64]) -> Option<usize> {
    (lrs.len() == losses.len() && !losses.is_empty()).then_some(losses.len())
}

/// The first index of the smallest value, like `torch.argmin` (ties: first). NaNs are skipped
/// (the suggestion window never holds one); `None` if all are NaN or the slice is empty.
pub fn argmin_first(xs: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, &x) in xs.iter().enumerate() {
        if x.is_nan() {
            continue;
        }
        match best {
            Some(b) if xs[b] <= x => {}
            _ => best = Some(i),
        }
    }
    best
}

/// `numpy.gradient(f)` with unit spacing and `edge_order=1` (its defaults): second-order central
/// differences `(f[i+1] − f[i−1]) / 2` inside, first-order one-sided differences `f[1] − f[0]` and
/// `f[n−1] − f[n−2]` at the edges. Needs at least 2 points (numpy raises otherwise); returns an
/// empty vector for fewer.
pub fn numpy_gradient(f: &[f64]) -> Vec<f64> {
    let n = f.len();
    if n < 2 {
        return Vec::new();
    }
    let mut g = Vec::with_capacity(n);
    g.push(f[1] - f[0]);
    for i in 1..n - 1 {
        g.push((f[i + 1] - f[i - 1]) / 2.0);
    }
    g.push(f[n - 1] - f[n - 2]);
    g
}

/// The arithmetic [`numpy_gradient_spacing`] needs: `f64` (numpy on Python floats) and `f32`
/// (`torch.gradient` on float32 tensors, Lightning's case). Each operation rounds to the type, as
/// the libraries' element-wise kernels do.
pub trait GradientFloat:
    Copy
    + PartialOrd
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + std::ops::Neg<Output = Self>
{
}
impl GradientFloat for f64 {}
impl GradientFloat for f32 {}

/// `numpy.gradient(f, x)` with a coordinate array and `edge_order=1` — the same formula as
/// `torch.gradient(f, spacing=[x])` (`aten/src/ATen/native/ReduceOps.cpp`, `gradient_helper`),
/// in this order of operations:
///
/// ```text
/// dx = x[1:] - x[:-1];  dx1 = dx[:-1];  dx2 = dx[1:]
/// a = -dx2 / (dx1 * (dx1 + dx2))
/// b = (dx2 - dx1) / (dx1 * dx2)
/// c = dx1 / (dx2 * (dx1 + dx2))
/// g[1:-1] = a * f[:-2] + b * f[1:-1] + c * f[2:]       # second order, non-uniform spacing
/// g[0]  = (f[1] - f[0]) / dx[0];  g[-1] = (f[-1] - f[-2]) / dx[-1]   # first order edges
/// ```
///
/// With unit spacing it is [`numpy_gradient`] (`a = -1/2, b = 0, c = 1/2`). Needs at least 2
/// points (both libraries raise otherwise) and `x` as long as `f`; returns an empty vector
/// otherwise. Repeated coordinates divide by zero, as in the libraries (±∞ or NaN).
pub fn numpy_gradient_spacing<T: GradientFloat>(f: &[T], x: &[T]) -> Vec<T> {
    let n = f.len();
    if n < 2 || x.len() != n {
        return Vec::new();
    }
    let dx: Vec<T> = x.windows(2).map(|w| w[1] - w[0]).collect();
    let mut g = Vec::with_capacity(n);
    g.push((f[1] - f[0]) / dx[0]);
    for i in 1..n - 1 {
        let (dx1, dx2) = (dx[i - 1], dx[i]);
        let a = -dx2 / (dx1 * (dx1 + dx2));
        let b = (dx2 - dx1) / (dx1 * dx2);
        let c = dx1 / (dx2 * (dx1 + dx2));
        g.push(a * f[i - 1] + b * f[i] + c * f[i + 1]);
    }
    g.push((f[n - 1] - f[n - 2]) / dx[n - 2]);
    g
}

/// `numpy.argmin` / `torch.argmin` on a 1-D array: the first index of the smallest value, except
/// that a NaN is "smaller" than everything (both libraries propagate NaN: the first NaN's index is
/// returned). `None` for an empty slice. (Contrast [`argmin_first`], which skips NaNs.)
pub fn argmin_nan_first<T: GradientFloat>(xs: &[T]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, &x) in xs.iter().enumerate() {
        if x.partial_cmp(&x).is_none() {
            return Some(i);
        }
        match best {
            Some(b) if xs[b] <= x => {}
            _ => best = Some(i),
        }
    }
    best
}

/// **Valley**: the middle-to-late part of the longest valley (fastai's default suggestion).
///
/// fastai 2.8.12 `valley(lrs, losses, num_it)`, an O(n²) longest-decreasing-subsequence DP:
///
/// ```text
/// n = len(losses); max_start, max_end = 0, 0
/// lds = [1]*n
/// for i in range(1, n):
///     for j in range(0, i):
///         if (losses[i] < losses[j]) and (lds[i] < lds[j] + 1): lds[i] = lds[j] + 1
///         if lds[max_end] < lds[i]:
///             max_end = i; max_start = max_end - lds[max_end]
/// sections = (max_end - max_start) / 3
/// idx = max_start + int(sections) + int(sections/2)
/// return float(lrs[idx])
/// ```
///
/// Kept exactly, quirks included: `max_start` is one before the valley's first point (it can be
/// −1), and `idx` is then −1 when the longest valley is the first two points — Python reads
/// `lrs[-1]`, the window's last point, and so does this function.
///
/// The DP is computed in O(n log n) (patience sorting) instead of O(n²), with the same result:
/// `lds[i]` is the length of the longest strictly decreasing subsequence ending at `i`, `max_end`
/// the *first* index where the overall maximum is reached, `max_start = max_end − lds[max_end]`.
/// (The `max_end` test inside the `j` loop sees a partial `lds[i]`, but the first time that
/// exceeds `lds[max_end]` it equals `lds[max_end] + 1`, its final value, since every earlier
/// `lds[j] ≤ lds[max_end]`; the unit tests check both forms agree on random curves.)
pub fn valley(lrs: &[f64], losses: &[f64]) -> Option<Suggestion> {
    same_len(lrs, losses)?;
    let (max_start, max_end) = longest_valley(losses);
    valley_pick(lrs, losses, max_start, max_end)
}

/// fastai's `(max_start, max_end)` in O(n log n). `tails[k]` is the largest possible last loss
/// of a strictly decreasing subsequence of length `k + 1` (so `tails` is strictly decreasing).
/// A NaN neither extends nor is extended by anything (every comparison is false), so it is
/// skipped.
fn longest_valley(losses: &[f64]) -> (isize, usize) {
    let mut tails: Vec<f64> = Vec::new();
    let (mut best_len, mut max_end) = (1usize, 0usize);
    for (i, &x) in losses.iter().enumerate() {
        if x.is_nan() {
            continue;
        }
        let pos = tails.partition_point(|&t| t > x);
        if pos == tails.len() {
            tails.push(x);
        } else {
            tails[pos] = x;
        }
        if pos + 1 > best_len {
            best_len = pos + 1;
            max_end = i;
        }
    }
    if best_len == 1 {
        (0, 0)
    } else {
        (max_end as isize - best_len as isize, max_end)
    }
}

/// fastai's index arithmetic on `(max_start, max_end)`.
fn valley_pick(
    lrs: &[f64],
    losses: &[f64],
    max_start: isize,
    max_end: usize,
) -> Option<Suggestion> {
    let n = losses.len();
    let sections = (max_end as isize - max_start) as f64 / 3.0;
    // Python's int() truncates towards zero; `sections` is never negative.
    let mut idx = max_start + sections.trunc() as isize + (sections / 2.0).trunc() as isize;
    if idx < 0 {
        idx += n as isize; // Python's negative indexing
    }
    let idx = usize::try_from(idx).ok().filter(|&i| i < n)?;
    Some(Suggestion {
        lr: lrs[idx],
        index: idx,
        value: losses[idx],
    })
}

/// **Slide**: the interval slide rule, with fastai's defaults (`lr_diff=15`, `thresh=0.005`,
/// `adjust_value=1`). See [`slide_with`].
pub fn slide(lrs: &[f64], losses: &[f64]) -> Option<Suggestion> {
    slide_with(lrs, losses, SLIDE_LR_DIFF, SLIDE_THRESH, SLIDE_ADJUST_VALUE)
}

/// **Slide** with explicit parameters. fastai 2.8.12
/// `slide(lrs, losses, num_it, lr_diff=15, thresh=.005, adjust_value=1.)`:
///
/// ```text
/// loss_grad = np.gradient(losses)          # unit spacing: see numpy_gradient
/// r_idx = -1; l_idx = r_idx - lr_diff
/// local_min_lr = lrs[l_idx]
/// while (l_idx >= -len(losses)) and (abs(loss_grad[r_idx] - loss_grad[l_idx]) > thresh):
///     local_min_lr = lrs[l_idx]; r_idx -= 1; l_idx -= 1
/// suggestion = float(local_min_lr) * adjust_value
/// ```
///
/// A window of `lr_diff + 1` points walks leftwards from the end of the curve until the gradients
/// at its two ends agree within `thresh` (absolute loss units per step). Needs at least
/// `lr_diff + 1` points (fastai raises an `IndexError` at `lrs[-16]` otherwise): `None` then. The
/// returned `value` is fastai's plotted point, `np.interp(log10(suggestion), log10(lrs), losses)`.
pub fn slide_with(
    lrs: &[f64],
    losses: &[f64],
    lr_diff: usize,
    thresh: f64,
    adjust_value: f64,
) -> Option<Suggestion> {
    let n = same_len(lrs, losses)?;
    if n < lr_diff + 1 || n < 2 {
        return None;
    }
    let grad = numpy_gradient(losses);
    // Python's negative indices r_idx, l_idx as positive ones: r = n + r_idx, l = n + l_idx.
    let mut r = n as isize - 1;
    let mut l = r - lr_diff as isize;
    let mut local = l as usize;
    while l >= 0 && (grad[r as usize] - grad[l as usize]).abs() > thresh {
        local = l as usize;
        r -= 1;
        l -= 1;
    }
    let lr = lrs[local] * adjust_value;
    let value = if adjust_value == 1.0 {
        losses[local]
    } else {
        interp_log10(lr, lrs, losses)
    };
    Some(Suggestion {
        lr,
        index: local,
        value,
    })
}

/// `np.interp(log10(x), log10(xs), ys)` (xs increasing; clamps outside the range).
fn interp_log10(x: f64, xs: &[f64], ys: &[f64]) -> f64 {
    let lx = x.log10();
    let n = xs.len();
    if lx <= xs[0].log10() {
        return ys[0];
    }
    if lx >= xs[n - 1].log10() {
        return ys[n - 1];
    }
    for k in 1..n {
        let (a, b) = (xs[k - 1].log10(), xs[k].log10());
        if lx <= b {
            return ys[k - 1] + (ys[k] - ys[k - 1]) * (lx - a) / (b - a);
        }
    }
    ys[n - 1]
}

/// **Minimum**: one tenth of the learning rate at the minimum loss. fastai 2.8.12
/// `minimum(lrs, losses, num_it)`:
///
/// ```text
/// lr_min = lrs[losses.argmin()].item()
/// return lr_min/10
/// ```
///
/// `torch.argmin` returns the first minimum on ties. The returned `index`/`value` are the
/// minimum's (fastai plots `(lr_min, loss)` there); `lr` is `lrs[index] / 10`.
pub fn minimum(lrs: &[f64], losses: &[f64]) -> Option<Suggestion> {
    same_len(lrs, losses)?;
    let idx = argmin_first(losses)?;
    Some(Suggestion {
        lr: lrs[idx] / 10.0,
        index: idx,
        value: losses[idx],
    })
}

/// **Steep**: the point of steepest descent of the loss against log lr. fastai 2.8.12
/// `steep(lrs, losses, num_it)`:
///
/// ```text
/// grads = (losses[1:]-losses[:-1]) / (lrs[1:].log()-lrs[:-1].log())
/// lr_steep = lrs[grads.argmin()].item()
/// ```
///
/// A forward difference in natural-log lr, read at the *left* end of the steepest segment.
/// Needs 2 points.
pub fn steep(lrs: &[f64], losses: &[f64]) -> Option<Suggestion> {
    let n = same_len(lrs, losses)?;
    if n < 2 {
        return None;
    }
    let grads: Vec<f64> = (0..n - 1)
        .map(|i| (losses[i + 1] - losses[i]) / (lrs[i + 1].ln() - lrs[i].ln()))
        .collect();
    let idx = argmin_first(&grads)?;
    Some(Suggestion {
        lr: lrs[idx],
        index: idx,
        value: losses[idx],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lrs(n: usize) -> Vec<f64> {
        (0..n).map(|i| 1e-4 * 10f64.powf(i as f64 / 10.0)).collect()
    }

    #[test]
    fn gradient_with_spacing_is_numpys() {
        // np.gradient([1, 4, 9, 25], [1, 2, 3, 5]) = [3, 4, 6, 8] (f = x²: 2x inside):
        // interior i=2: dx1 = 1, dx2 = 2: a = -2/3, b = 1/2, c = 1/6 -> -8/3 + 9/2 + 25/6 = 6.
        // (Unit spacing would give (25 - 4)/2 = 10.5 there.)
        let g = numpy_gradient_spacing(&[1.0f64, 4.0, 9.0, 25.0], &[1.0, 2.0, 3.0, 5.0]);
        assert_eq!(g[0], 3.0);
        assert_eq!(g[1], 4.0);
        assert!((g[2] - 6.0).abs() < 1e-14, "{g:?}");
        assert_eq!(g[3], 8.0);
        // Unit spacing: the same as the uniform form.
        let f = [1.0, 2.0, 4.0, 7.0, 11.0];
        assert_eq!(
            numpy_gradient_spacing(&f, &[0.0, 1.0, 2.0, 3.0, 4.0]),
            numpy_gradient(&f)
        );
        // Exact on a quadratic at interior points whatever the spacing (second order).
        let x = [0.1f64, 0.3, 0.35, 0.9, 1.0];
        let q: Vec<f64> = x.iter().map(|v| 3.0 * v * v - v).collect();
        let g = numpy_gradient_spacing(&q, &x);
        for i in 1..4 {
            assert!((g[i] - (6.0 * x[i] - 1.0)).abs() < 1e-12, "{i}: {g:?}");
        }
        // f32 rounds every operation to f32.
        let g32 = numpy_gradient_spacing(&[1.0f32, 4.0, 9.0], &[1.0f32, 2.0, 3.0]);
        assert_eq!(g32, vec![3.0f32, 4.0, 5.0]);
        assert!(numpy_gradient_spacing(&[1.0], &[1.0]).is_empty());
        assert!(numpy_gradient_spacing(&[1.0, 2.0], &[1.0]).is_empty());
    }

    #[test]
    fn argmin_propagates_nan_like_numpy() {
        assert_eq!(argmin_nan_first(&[3.0, 1.0, 1.0, 2.0]), Some(1));
        assert_eq!(argmin_nan_first(&[3.0, 1.0, f64::NAN, 0.0]), Some(2));
        assert_eq!(argmin_nan_first::<f64>(&[]), None);
        assert_eq!(argmin_first(&[3.0, 1.0, f64::NAN, 0.0]), Some(3));
    }

    #[test]
    fn gradient_is_numpys() {
        assert_eq!(
            numpy_gradient(&[1.0, 2.0, 4.0, 7.0, 11.0]),
            vec![1.0, 1.5, 2.5, 3.5, 4.0]
        );
        assert_eq!(numpy_gradient(&[3.0, 1.0]), vec![-2.0, -2.0]);
        assert!(numpy_gradient(&[3.0]).is_empty());
    }

    /// fastai's O(n²) loop, line for line.
    fn valley_reference(lrs: &[f64], losses: &[f64]) -> Option<Suggestion> {
        let n = losses.len();
        let mut lds = vec![1usize; n];
        let (mut max_start, mut max_end): (isize, usize) = (0, 0);
        for i in 1..n {
            for j in 0..i {
                if losses[i] < losses[j] && lds[i] < lds[j] + 1 {
                    lds[i] = lds[j] + 1;
                }
                if lds[max_end] < lds[i] {
                    max_end = i;
                    max_start = max_end as isize - lds[max_end] as isize;
                }
            }
        }
        valley_pick(lrs, losses, max_start, max_end)
    }

    proptest::proptest! {
        #[test]
        fn valley_matches_fastais_quadratic_loop(
            losses in proptest::collection::vec(
                proptest::prop_oneof![
                    8 => 0.0f64..4.0,
                    1 => proptest::sample::select(vec![1.0, 2.0, f64::NAN, f64::INFINITY, -0.0, 0.0]),
                ],
                1..120,
            )
        ) {
            let x = lrs(losses.len());
            let fast = valley(&x, &losses);
            let slow = valley_reference(&x, &losses);
            proptest::prop_assert_eq!(fast.map(|s| s.index), slow.map(|s| s.index));
        }
    }

    #[test]
    fn valley_of_a_v() {
        // 10 falling points then rising: the longest decreasing subsequence is points 0..=9,
        // max_start = 9 - 10 = -1, sections = 10/3, idx = -1 + 3 + 1 = 3.
        let losses: Vec<f64> = (0..20).map(|i| (i as f64 - 9.0).abs()).collect();
        let x = lrs(20);
        let v = valley(&x, &losses).unwrap();
        assert_eq!(v.index, 3);
        assert_eq!(v.lr, x[3]);
    }

    #[test]
    fn valley_negative_index_wraps_like_python() {
        // Only the first two points descend: max_end = 1, max_start = -1, sections = 2/3,
        // idx = -1 -> Python's lrs[-1].
        let losses = [5.0, 1.0, 2.0, 3.0, 4.0];
        let x = lrs(5);
        let v = valley(&x, &losses).unwrap();
        assert_eq!(v.index, 4);
    }

    #[test]
    fn valley_flat_is_first_point() {
        let v = valley(&lrs(5), &[1.0; 5]).unwrap();
        assert_eq!(v.index, 0);
    }

    #[test]
    fn steep_reads_left_end() {
        let losses = [5.0, 4.9, 4.0, 3.9, 3.8];
        let s = steep(&lrs(5), &losses).unwrap();
        assert_eq!(s.index, 1);
        assert!(steep(&lrs(1), &[1.0]).is_none());
    }

    #[test]
    fn minimum_is_a_tenth_first_tie() {
        let x = lrs(5);
        let m = minimum(&x, &[3.0, 1.0, 2.0, 1.0, 5.0]).unwrap();
        assert_eq!(m.index, 1);
        assert_eq!(m.lr, x[1] / 10.0);
    }

    #[test]
    fn slide_needs_sixteen_points() {
        assert!(slide(&lrs(15), &[1.0; 15]).is_none());
        // Constant loss: gradients agree at once, the suggestion is lrs[-16].
        let s = slide(&lrs(20), &[1.0; 20]).unwrap();
        assert_eq!(s.index, 4);
    }

    #[test]
    fn slide_walks_left_while_gradients_differ() {
        // Loss flat for 10 points, then falls by 0.1 per step: gradient 0 vs -0.1 differ until
        // the left end of the window reaches the falling part.
        let losses: Vec<f64> = (0..40)
            .map(|i| {
                if i < 10 {
                    1.0
                } else {
                    1.0 - 0.1 * (i - 10) as f64
                }
            })
            .collect();
        let x = lrs(40);
        let s = slide(&x, &losses).unwrap();
        // Window [l, r] with r = l + 15; grad[r] = -0.1 for r >= 11; grad[l] = -0.1 for l >= 11,
        // -0.05 at l = 10. Starting at l = 24 the first test already agrees: suggestion lrs[24].
        assert_eq!(s.index, 24);
    }
}

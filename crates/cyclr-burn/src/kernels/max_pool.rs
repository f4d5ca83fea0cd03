//! 2-D max pooling (no padding, dilation 1, floor or ceil mode) on contiguous `f32` NCHW data,
//! with `i32` argmax indices for the backward pass.
//!
//! # Math
//!
//! With input `x: [N, C, H, W]`, kernel `(KH, KW)` and stride `(sh, sw)`, the output
//! `y: [N, C, OH, OW]` is
//!
//! ```text
//! y[n, c, i, j] = max { x[n, c, i·sh + p, j·sw + q] : 0 ≤ p < KH, 0 ≤ q < KW, inside the input }
//! ```
//!
//! with `OH = (H − KH) / sh + 1` (floor mode) or `⌈(H − KH) / sh⌉ + 1` (ceil mode, less one
//! when the last window would start past the input; a window running over the edge is clipped
//! to the input; an input smaller than the kernel gives one clipped window), as burn and PyTorch
//! compute it. The index of `y[n, c, i, j]` is the flat position `h·W + w` of the maximum in its
//! `H×W` plane; ties go to the first element in row-major window order, and a NaN always wins (the
//! last NaN of a window), as in burn-flex and PyTorch, so the values and indices are
//! identical to burn's.
//!
//! The backward pass (scatter-adding `∂L/∂y` onto the indexed positions) is burn-flex's own
//! `max_pool2d_with_indices_backward`, which is already fast; it accepts the `i32` indices.
//!
//! # Layout and determinism
//!
//! Planes (`n, c`) are independent tasks, scanned window by window with branch-free updates;
//! the networks' 2×2/2 and 3×3/2 windows that lie inside the input are unrolled (window position
//! kept as a constant, turned into the index at the end). The results do not depend on the
//! number of threads.

use burn::backend::flex::FlexTensor;
use burn::tensor::{Bytes, DType, Shape};
use rayon::prelude::*;

use super::conv2d::{contiguous, data, dims4, tensor};

/// Kernel, stride and rounding of a max pool (no padding, dilation 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolGeom {
    /// `[rows, columns]`.
    pub kernel: [usize; 2],
    /// `[rows, columns]`.
    pub stride: [usize; 2],
    /// Round the output size up (see the module documentation).
    pub ceil_mode: bool,
}

/// Output size along one axis (burn-flex's `pool_output_size` with padding 0, dilation 1).
pub(crate) fn out_size(input: usize, kernel: usize, stride: usize, ceil_mode: bool) -> usize {
    if input < kernel {
        return usize::from(ceil_mode);
    }
    let span = input - kernel;
    if ceil_mode {
        let out = span.div_ceil(stride) + 1;
        if (out - 1) * stride >= input {
            out - 1
        } else {
            out
        }
    } else {
        span / stride + 1
    }
}

/// `[OH, OW]` for an `H×W` input; `None` when the output or the input would be empty, a size
/// is zero, or a plane has more positions than an `i32` index can address.
pub(crate) fn out_dims(x: [usize; 4], g: &PoolGeom) -> Option<[usize; 2]> {
    let [n, c, h, w] = x;
    let [kh, kw] = g.kernel;
    let [sh, sw] = g.stride;
    if [n, c, h, w, kh, kw, sh, sw].contains(&0) {
        return None;
    }
    let plane = h.checked_mul(w)?;
    if plane > i32::MAX as usize {
        return None;
    }
    n.checked_mul(c)?.checked_mul(plane)?;
    let (oh, ow) = (
        out_size(h, kh, sh, g.ceil_mode),
        out_size(w, kw, sw, g.ceil_mode),
    );
    (oh > 0 && ow > 0).then_some([oh, ow])
}

/// Takes `v` (at `i`) as the running maximum `m` (at `at`) when greater or NaN (branch-free).
#[inline(always)]
fn take(m: &mut f32, at: &mut usize, v: f32, i: usize) {
    let t = (v > *m) | v.is_nan();
    *m = if t { v } else { *m };
    *at = if t { i } else { *at };
}

/// The window `rows × cols` (clipped to the input), scanned in row-major order: `(max, index)`.
fn window(x: &[f32], w: usize, (y0, y1): (usize, usize), (x0, x1): (usize, usize)) -> (f32, usize) {
    let (mut m, mut at) = (x[y0 * w + x0], y0 * w + x0);
    for y in y0..y1 {
        for (q, &v) in x[y * w + x0..y * w + x1].iter().enumerate() {
            take(&mut m, &mut at, v, y * w + x0 + q);
        }
    }
    (m, at)
}

/// Outputs `0..full` of a row whose `KH×KW` windows of stride `S` lie inside the input (rows
/// `rows[0..KH]` of the plane, the first at plane offset `base`), unrolled: the running maximum
/// keeps the window position `k = ky·KW + kx` (a constant per step), turned into the plane index
/// at the end.
#[inline(always)]
fn row_fixed<const KH: usize, const KW: usize, const S: usize, const IDX: bool>(
    rows: [&[f32]; KH],
    w: usize,
    base: usize,
    out: &mut [f32],
    idx: &mut [i32],
) {
    for (ox, o) in out.iter_mut().enumerate() {
        let x0 = ox * S;
        let win: [&[f32; KW]; KH] = rows.map(|r| r[x0..x0 + KW].try_into().expect("KW elements"));
        let (mut m, mut k) = (win[0][0], 0usize);
        for (ky, r) in win.iter().enumerate() {
            for (kx, &v) in r.iter().enumerate() {
                let t = (v > m) | v.is_nan();
                m = if t { v } else { m };
                k = if t { ky * KW + kx } else { k };
            }
        }
        *o = m;
        if IDX {
            idx[ox] = (base + (k / KW) * w + x0 + k % KW) as i32;
        }
    }
}

/// [`row_fixed`] for 2×2 windows of stride 2, over pairs of columns.
#[inline(always)]
fn row_2x2<const IDX: bool>(
    r0: &[f32],
    r1: &[f32],
    w: usize,
    base: usize,
    out: &mut [f32],
    idx: &mut [i32],
) {
    let n = out.len();
    let pairs = r0[..2 * n].chunks_exact(2).zip(r1[..2 * n].chunks_exact(2));
    for (ox, (o, (a, b))) in out.iter_mut().zip(pairs).enumerate() {
        let (mut m, mut k) = (a[0], 0usize);
        for (j, v) in [(1, a[1]), (2, b[0]), (3, b[1])] {
            let t = (v > m) | v.is_nan();
            m = if t { v } else { m };
            k = if t { j } else { k };
        }
        *o = m;
        if IDX {
            idx[ox] = (base + (k >> 1) * w + 2 * ox + (k & 1)) as i32;
        }
    }
}

/// One `H×W` plane into `out: [OH, OW]` and, when `IDX`, `idx`: window by window, in row-major
/// window order; the networks' 2×2/2 and 3×3/2 windows that lie inside the input unrolled.
#[allow(clippy::too_many_arguments)]
fn plane<const IDX: bool>(
    x: &[f32],
    h: usize,
    w: usize,
    oh: usize,
    ow: usize,
    g: &PoolGeom,
    out: &mut [f32],
    idx: &mut [i32],
) {
    let [kh, kw] = g.kernel;
    let [sh, sw] = g.stride;
    // Outputs `0..full` of a row have windows inside the input's columns.
    let full = if w >= kw {
        ((w - kw) / sw + 1).min(ow)
    } else {
        0
    };
    for oy in 0..oh {
        let y0 = oy * sh;
        let y1 = (y0 + kh).min(h);
        let o = &mut out[oy * ow..(oy + 1) * ow];
        let i: &mut [i32] = if IDX {
            &mut idx[oy * ow..(oy + 1) * ow]
        } else {
            &mut []
        };
        let row = |k: usize| &x[(y0 + k) * w..(y0 + k + 1) * w];
        let inside = y1 - y0 == kh;
        let done = match (kh, kw, sw) {
            (2, 2, 2) if inside => {
                row_2x2::<IDX>(row(0), row(1), w, y0 * w, &mut o[..full], i);
                full
            }
            (3, 3, 2) if inside => {
                let rows = [row(0), row(1), row(2)];
                row_fixed::<3, 3, 2, IDX>(rows, w, y0 * w, &mut o[..full], i);
                full
            }
            _ => 0,
        };
        for ox in done..ow {
            let x0 = ox * sw;
            let (m, at) = window(x, w, (y0, y1), (x0, (x0 + kw).min(w)));
            o[ox] = m;
            if IDX {
                i[ox] = at as i32;
            }
        }
    }
}

/// The max pool of `x: [N, C, H, W]` (`f32`, contiguous or not) and, with `with_indices`, its
/// `i32` indices (see the module documentation).
///
/// # Panics
///
/// When `x` is not a non-empty rank-4 `f32` tensor or the output would be empty
/// ([`kernels::max_pool2d`](super::max_pool2d()) checks this and falls back to burn).
pub fn forward(
    x: &FlexTensor,
    g: PoolGeom,
    with_indices: bool,
) -> (FlexTensor, Option<FlexTensor>) {
    let x = contiguous(x);
    let xd = dims4(&x).expect("cyclr max_pool2d: rank checked by the caller");
    let [oh, ow] = out_dims(xd, &g).expect("cyclr max_pool2d: sizes checked by the caller");
    let [n, c, h, w] = xd;
    let xs = data(&x);
    let (plane_in, plane_out) = (h * w, oh * ow);
    let mut out = vec![0.0f32; n * c * plane_out];
    let shape = Shape::new([n, c, oh, ow]);
    if with_indices {
        let mut idx = vec![0i32; n * c * plane_out];
        out.par_chunks_mut(plane_out)
            .zip(idx.par_chunks_mut(plane_out))
            .zip(xs.par_chunks(plane_in))
            .for_each(|((o, i), xp)| plane::<true>(xp, h, w, oh, ow, &g, o, i));
        let idx = FlexTensor::new(
            Bytes::from_elems(idx),
            burn::backend::flex::Layout::contiguous(shape.clone()),
            DType::I32,
        );
        (tensor(out, shape), Some(idx))
    } else {
        out.par_chunks_mut(plane_out)
            .zip(xs.par_chunks(plane_in))
            .for_each(|(o, xp)| plane::<false>(xp, h, w, oh, ow, &g, o, &mut []));
        (tensor(out, shape), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_sizes_match_burn() {
        // Caffe/PyTorch ceil mode: 32 → 16 → 8 → 4 with 3/2.
        assert_eq!(out_size(32, 3, 2, true), 16);
        assert_eq!(out_size(16, 3, 2, true), 8);
        assert_eq!(out_size(7, 3, 2, true), 3);
        assert_eq!(out_size(2, 3, 2, true), 1);
        assert_eq!(out_size(2, 3, 2, false), 0);
        assert_eq!(out_size(24, 2, 2, false), 12);
        assert_eq!(out_size(5, 2, 2, false), 2);
        assert_eq!(out_size(5, 2, 2, true), 3);
    }

    #[test]
    fn ties_go_first_and_nan_wins() {
        let g = PoolGeom {
            kernel: [2, 2],
            stride: [2, 2],
            ceil_mode: false,
        };
        // Plane 2×4: window 0 = [1, 1; 0, 1] (tie: first), window 1 = [NaN, 5; 7, NaN] (last NaN).
        let x = [1.0, 1.0, f32::NAN, 5.0, 0.0, 1.0, 7.0, f32::NAN];
        let (mut out, mut idx) = ([0.0; 2], [0; 2]);
        plane::<true>(&x, 2, 4, 1, 2, &g, &mut out, &mut idx);
        assert_eq!(out[0], 1.0);
        assert!(out[1].is_nan());
        assert_eq!(idx, [0, 7]);
        // The generic loop: a 2×3 window of stride 2, the second clipped to columns 2..4.
        let g23 = PoolGeom {
            kernel: [2, 3],
            ..g
        };
        let (mut out, mut idx) = ([0.0; 2], [0; 2]);
        plane::<true>(&x, 2, 4, 1, 2, &g23, &mut out, &mut idx);
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(idx, [2, 7]);
        // The row passes and the window-by-window scan agree on a 5×7 plane with ties and NaNs.
        let x: Vec<f32> = (0..35)
            .map(|i| {
                if i % 11 == 4 {
                    f32::NAN
                } else {
                    (i % 3) as f32
                }
            })
            .collect();
        let g33 = PoolGeom {
            kernel: [3, 3],
            stride: [2, 2],
            ceil_mode: true,
        };
        let (mut out, mut idx) = ([0.0f32; 12], [0; 12]);
        plane::<true>(&x, 5, 7, 3, 4, &g33, &mut out, &mut idx);
        for (k, (&m, &at)) in out.iter().zip(&idx).enumerate() {
            let (oy, ox) = (k / 4, k % 4);
            let (wm, wat) = window(
                &x,
                7,
                (2 * oy, (2 * oy + 3).min(5)),
                (2 * ox, (2 * ox + 3).min(7)),
            );
            assert_eq!((m.to_bits(), at), (wm.to_bits(), wat as i32), "output {k}");
        }
    }
}

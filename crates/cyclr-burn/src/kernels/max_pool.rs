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
//! Planes (`n, c`) are independent tasks, scanned window by window with branch-free updates.
//! The networks' 2×2/2 and 3×3/2 windows that lie inside the input take four outputs at a time
//! in SSE2 lanes on x86-64 (stride-2 columns split by shuffles), and an unrolled loop elsewhere;
//! every output sees the same comparisons in the same order either way. The results do not
//! depend on the number of threads.

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

/// Outputs `start..` of a row whose `KH×KW` windows of stride `S` lie inside the input (rows
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
    start: usize,
) {
    for (ox, o) in out.iter_mut().enumerate().skip(start) {
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

/// Four outputs at a time with SSE2 (part of every x86-64 CPU): the same comparisons as
/// [`row_fixed`], in the same order, one lane per output.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    /// Outputs `0..4·q` of a row of `KH×KW` windows of stride 2 (`KW` ≤ 3) that lie inside the
    /// input, for the largest `q` whose loads stay inside the rows; returns `4·q`.
    #[target_feature(enable = "sse2")]
    #[inline]
    pub(super) fn rows_s2<const KH: usize, const KW: usize, const IDX: bool>(
        rows: [&[f32]; KH],
        w: usize,
        base: usize,
        out: &mut [f32],
        idx: &mut [i32],
    ) -> usize {
        const { assert!(KW >= 1 && KW <= 3) };
        let n = out.len();
        assert!(!IDX || idx.len() >= n, "idx shorter than the row");
        assert!(rows.iter().all(|r| r.len() >= w), "rows shorter than w");
        // Outputs ox..ox+4 read columns 2·ox .. 2·ox + reach (the third column's loads start at
        // 2·ox + 2).
        let reach = if KW == 3 { 10 } else { 8 };
        let lanes = _mm_setr_epi32(0, 2, 4, 6);
        let mut ox = 0;
        while ox + 4 <= n && 2 * ox + reach <= w {
            let (mut m, mut at) = (_mm_setzero_ps(), _mm_setzero_si128());
            for (ky, r) in rows.iter().enumerate() {
                // SAFETY: the loads read r[2·ox .. 2·ox + reach], inside the row (loop condition
                // and the assert above).
                let (ev, od, ev2) = unsafe {
                    let p = r.as_ptr().add(2 * ox);
                    let (a, b) = (_mm_loadu_ps(p), _mm_loadu_ps(p.add(4)));
                    let ev = _mm_shuffle_ps::<0b10_00_10_00>(a, b);
                    let od = _mm_shuffle_ps::<0b11_01_11_01>(a, b);
                    let ev2 = if KW == 3 {
                        let (c, d) = (_mm_loadu_ps(p.add(2)), _mm_loadu_ps(p.add(6)));
                        _mm_shuffle_ps::<0b10_00_10_00>(c, d)
                    } else {
                        ev
                    };
                    (ev, od, ev2)
                };
                for (kx, v) in [ev, od, ev2].into_iter().take(KW).enumerate() {
                    let first = (base + ky * w + kx + 2 * ox) as i32;
                    let pos = _mm_add_epi32(_mm_set1_epi32(first), lanes);
                    if ky == 0 && kx == 0 {
                        (m, at) = (v, pos);
                        continue;
                    }
                    // Take v where v > m or v is NaN.
                    let t = _mm_or_ps(_mm_cmpgt_ps(v, m), _mm_cmpunord_ps(v, v));
                    m = _mm_or_ps(_mm_and_ps(t, v), _mm_andnot_ps(t, m));
                    if IDX {
                        let t = _mm_castps_si128(t);
                        at = _mm_or_si128(_mm_and_si128(t, pos), _mm_andnot_si128(t, at));
                    }
                }
            }
            // SAFETY: ox + 4 <= n <= out.len() (and idx.len() when IDX: the assert above).
            unsafe {
                _mm_storeu_ps(out.as_mut_ptr().add(ox), m);
                if IDX {
                    _mm_storeu_si128(idx.as_mut_ptr().add(ox).cast(), at);
                }
            }
            ox += 4;
        }
        ox
    }
}

/// Outputs `0..full` of a row of `KH×KW` windows of stride 2 that lie inside the input: SSE2
/// lanes on x86-64, [`row_fixed`] for the rest.
#[inline(always)]
fn row_s2<const KH: usize, const KW: usize, const IDX: bool>(
    rows: [&[f32]; KH],
    w: usize,
    base: usize,
    out: &mut [f32],
    idx: &mut [i32],
) {
    // SAFETY: SSE2 is part of the x86-64 baseline (every x86-64 CPU has it).
    #[cfg(target_arch = "x86_64")]
    let start = unsafe { sse2::rows_s2::<KH, KW, IDX>(rows, w, base, out, idx) };
    #[cfg(not(target_arch = "x86_64"))]
    let start = 0;
    row_fixed::<KH, KW, 2, IDX>(rows, w, base, out, idx, start);
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
                row_s2::<2, 2, IDX>([row(0), row(1)], w, y0 * w, &mut o[..full], i);
                full
            }
            (3, 3, 2) if inside => {
                let rows = [row(0), row(1), row(2)];
                row_s2::<3, 3, IDX>(rows, w, y0 * w, &mut o[..full], i);
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

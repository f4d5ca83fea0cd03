//! 2-D convolution: forward, and the input, weight and bias gradients, as im2col + GEMM on
//! contiguous `f32` NCHW data.
//!
//! # Math
//!
//! With input `x: [N, C, H, W]`, weight `w: [O, C, KH, KW]`, bias `b: [O]`, stride `(sh, sw)`
//! and padding `(pt, pb)` rows, `(pl, pr)` columns (zeros outside the input), the output
//! `y: [N, O, OH, OW]`, `OH = (H + pt + pb − KH) / sh + 1` (likewise `OW`), is
//!
//! ```text
//! y[n, o, i, j] = b[o] + Σ_{c, p, q} w[o, c, p, q] · x[n, c, i·sh + p − pt, j·sw + q − pl]
//! ```
//!
//! Per sample `n`, the *im2col* matrix `X_n: [K, P]` (`K = C·KH·KW` rows indexed `(c, p, q)`,
//! `P = OH·OW` columns indexed `(i, j)`) holds `x[n, c, i·sh + p − pt, j·sw + q − pl]` (0 in the
//! padding). With `W: [O, K]` the weight as a matrix and `Y_n, G_n: [O, P]` the output and its
//! gradient `∂L/∂y` for sample `n`:
//!
//! * forward: `Y_n = W · X_n + b 1ᵀ`;
//! * weight gradient: `∂L/∂W = Σ_n G_n · X_nᵀ`;
//! * bias gradient: `∂L/∂b[o] = Σ_n Σ_{i,j} G_n[o, (i, j)]` (summed in `f64`);
//! * input gradient: `∂L/∂X_n = Wᵀ · G_n`, scattered back onto `x`'s positions and summed
//!   (*col2im*, the adjoint of im2col). (The alternative for stride 1, an im2col of `G_n` and a
//!   GEMM with the flipped weight, measured no faster at the networks' shapes.)
//!
//! The products are single-threaded calls of the `gemm` crate (the GEMM burn-flex uses);
//! parallelism is over samples. A 1×1 stride-1 unpadded convolution uses the input itself as
//! `X_n`. The im2col buffers are reused across the samples of a task: their padding positions
//! are zero from the start and never written.
//!
//! # Determinism
//!
//! Every output and input-gradient element is computed by one task from one sample's data, in
//! a fixed order. The weight and bias gradients, sums over the batch, are accumulated over fixed
//! chunks of 8 samples (in sample order within a chunk), and the chunks' partial sums are then
//! added in chunk order. No result depends on the number of threads or on how rayon
//! schedules the tasks.

use burn::backend::flex::{FlexTensor, Layout};
use burn::tensor::{Bytes, DType, Shape};
use rayon::prelude::*;

/// Samples per partial sum of the weight and bias gradients (a constant: the summation order must
/// not depend on the number of threads).
pub(crate) const CHUNK: usize = 8;

/// Stride and padding of a convolution (dilation 1, groups 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvGeom {
    /// `[rows, columns]`.
    pub stride: [usize; 2],
    /// `[(top, bottom), (left, right)]`.
    pub padding: [(usize, usize); 2],
}

/// All sizes of one convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dims {
    pub n: usize,
    pub ci: usize,
    pub h: usize,
    pub w: usize,
    pub co: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub pt: usize,
    pub pl: usize,
    pub oh: usize,
    pub ow: usize,
}

impl Dims {
    /// The sizes for input `[N, C, H, W]` and weight `[O, C, KH, KW]`; `None` when they do not fit
    /// together or anything (input, weight, output) is empty.
    pub(crate) fn new(x: [usize; 4], w: [usize; 4], g: &ConvGeom) -> Option<Dims> {
        let [n, ci, h, wd] = x;
        let [co, wci, kh, kw] = w;
        let [sh, sw] = g.stride;
        let [(pt, pb), (pl, pr)] = g.padding;
        if wci != ci || [n, ci, h, wd, co, kh, kw, sh, sw].contains(&0) {
            return None;
        }
        let ph = h.checked_add(pt)?.checked_add(pb)?;
        let pw = wd.checked_add(pl)?.checked_add(pr)?;
        if ph < kh || pw < kw {
            return None;
        }
        let d = Dims {
            n,
            ci,
            h,
            w: wd,
            co,
            kh,
            kw,
            sh,
            sw,
            pt,
            pl,
            oh: (ph - kh) / sh + 1,
            ow: (pw - kw) / sw + 1,
        };
        // Every buffer size must be representable.
        let k = ci.checked_mul(kh)?.checked_mul(kw)?;
        let p = d.oh.checked_mul(d.ow)?;
        n.checked_mul(co)?.checked_mul(p)?;
        n.checked_mul(ci)?.checked_mul(h)?.checked_mul(wd)?;
        k.checked_mul(p)?;
        co.checked_mul(k)?;
        Some(d)
    }

    /// Rows of the im2col matrix, `C·KH·KW`.
    pub(crate) fn k(&self) -> usize {
        self.ci * self.kh * self.kw
    }

    /// Output positions per channel, `OH·OW`.
    pub(crate) fn p(&self) -> usize {
        self.oh * self.ow
    }

    /// 1×1, stride 1, no padding: the im2col matrix is the input itself.
    fn pointwise(&self) -> bool {
        self.kh == 1
            && self.kw == 1
            && self.sh == 1
            && self.sw == 1
            && self.pt == 0
            && self.pl == 0
            && (self.oh, self.ow) == (self.h, self.w)
    }
}

/// The shape of a rank-4 tensor.
pub(crate) fn dims4(t: &FlexTensor) -> Option<[usize; 4]> {
    match t.layout().shape().as_slice() {
        &[a, b, c, d] => Some([a, b, c, d]),
        _ => None,
    }
}

/// `t` with a contiguous `f32` buffer.
pub(crate) fn contiguous(t: &FlexTensor) -> FlexTensor {
    if t.as_slice::<f32>().is_some() {
        t.clone()
    } else {
        t.to_contiguous()
    }
}

/// The elements of a contiguous `f32` tensor (see [`contiguous`]).
pub(crate) fn data(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>()
        .expect("cyclr kernels: callers pass contiguous f32 tensors")
}

/// A contiguous `f32` tensor of the given shape holding `values`.
pub(crate) fn tensor(values: Vec<f32>, shape: Shape) -> FlexTensor {
    FlexTensor::new(
        Bytes::from_elems(values),
        Layout::contiguous(shape),
        DType::F32,
    )
}

/// The outputs `o` in `0..out` whose input index `o·stride + offset − pad` lies in `0..size`,
/// as a range `lo..hi`.
fn valid(out: usize, stride: usize, offset: usize, pad: usize, size: usize) -> (usize, usize) {
    let lo = if pad > offset {
        (pad - offset).div_ceil(stride)
    } else {
        0
    };
    let hi = if size + pad > offset {
        (size + pad - offset).div_ceil(stride).min(out)
    } else {
        0
    };
    (lo.min(hi), hi)
}

/// `dst = src` for the short row segments of im2col (8 to 32 elements at the networks' shapes),
/// inline in blocks of 4 rather than a `memcpy` call per segment.
#[inline(always)]
fn copy(dst: &mut [f32], src: &[f32]) {
    let mut d = dst.chunks_exact_mut(4);
    let mut s = src.chunks_exact(4);
    for (a, b) in (&mut d).zip(&mut s) {
        let b: &[f32; 4] = b.try_into().expect("4 elements");
        let a: &mut [f32; 4] = a.try_into().expect("4 elements");
        *a = *b;
    }
    for (a, b) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *a = *b;
    }
}

/// An im2col matrix `[K, P]` for one geometry, reused across samples. Its padding positions
/// (those outside the input) are zero when it is created and never written, so [`Cols::fill`]
/// writes only the positions inside the input.
struct Cols {
    d: Dims,
    buf: Vec<f32>,
}

impl Cols {
    fn new(d: Dims) -> Cols {
        Cols {
            d,
            buf: vec![0.0; d.k() * d.p()],
        }
    }

    /// The im2col matrix of one sample `x: [C, H, W]`.
    fn fill(&mut self, x: &[f32]) -> &[f32] {
        im2col(x, &self.d, &mut self.buf);
        &self.buf
    }
}

/// The positions of the im2col matrix `[K, P]` of one sample `x: [C, H, W]` that lie inside the
/// input, into `col` (the others, zero padding, are left as they are: see [`Cols`]).
fn im2col(x: &[f32], d: &Dims, col: &mut [f32]) {
    let p = d.p();
    let plane = d.h * d.w;
    for c in 0..d.ci {
        let xc = &x[c * plane..(c + 1) * plane];
        for ki in 0..d.kh {
            let (ylo, yhi) = valid(d.oh, d.sh, ki, d.pt, d.h);
            for kj in 0..d.kw {
                let (xlo, xhi) = valid(d.ow, d.sw, kj, d.pl, d.w);
                let row = &mut col[((c * d.kh + ki) * d.kw + kj) * p..][..p];
                for oy in ylo..yhi {
                    let iy = oy * d.sh + ki - d.pt;
                    let src = &xc[iy * d.w..(iy + 1) * d.w];
                    let dst = &mut row[oy * d.ow..(oy + 1) * d.ow];
                    if xlo == xhi {
                        // No column of this kernel offset is inside the input.
                    } else if d.sw == 1 {
                        let ix = xlo + kj - d.pl;
                        copy(&mut dst[xlo..xhi], &src[ix..ix + (xhi - xlo)]);
                    } else {
                        for (ox, v) in dst[xlo..xhi].iter_mut().enumerate() {
                            *v = src[(xlo + ox) * d.sw + kj - d.pl];
                        }
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: adds every element of `col: [K, P]` onto the input position it
/// was read from in `dx: [C, H, W]`.
fn col2im(col: &[f32], d: &Dims, dx: &mut [f32]) {
    let p = d.p();
    let plane = d.h * d.w;
    for c in 0..d.ci {
        let dxc = &mut dx[c * plane..(c + 1) * plane];
        for ki in 0..d.kh {
            let (ylo, yhi) = valid(d.oh, d.sh, ki, d.pt, d.h);
            for kj in 0..d.kw {
                let (xlo, xhi) = valid(d.ow, d.sw, kj, d.pl, d.w);
                let row = &col[((c * d.kh + ki) * d.kw + kj) * p..][..p];
                for oy in ylo..yhi {
                    let iy = oy * d.sh + ki - d.pt;
                    let dst = &mut dxc[iy * d.w..(iy + 1) * d.w];
                    let src = &row[oy * d.ow + xlo..oy * d.ow + xhi];
                    if xlo == xhi {
                        // No column of this kernel offset is inside the input.
                    } else if d.sw == 1 {
                        let ix = xlo + kj - d.pl;
                        for (a, b) in dst[ix..ix + src.len()].iter_mut().zip(src) {
                            *a += *b;
                        }
                    } else {
                        for (ox, b) in src.iter().enumerate() {
                            dst[(xlo + ox) * d.sw + kj - d.pl] += *b;
                        }
                    }
                }
            }
        }
    }
}

/// A row-major or transposed view of a matrix in a slice: element `(r, c)` is
/// `s[r·rs + c·cs]`.
#[derive(Clone, Copy)]
struct Mat<'a> {
    s: &'a [f32],
    rs: usize,
    cs: usize,
}

/// `dst[m×n] = lhs[m×k] · rhs[k×n]` (`accumulate`: `dst += …`), `dst` row-major with row
/// stride `dst_rs`; single-threaded.
#[allow(clippy::too_many_arguments)]
fn matmul(
    m: usize,
    n: usize,
    k: usize,
    dst: &mut [f32],
    dst_rs: usize,
    accumulate: bool,
    lhs: Mat,
    rhs: Mat,
) {
    if m == 0 || n == 0 {
        return;
    }
    // The largest offset each matrix is read or written at lies inside its slice (what makes the
    // raw-pointer call below sound).
    let last = |r: usize, c: usize, rs: usize, cs: usize| (r - 1) * rs + (c - 1) * cs;
    assert!(last(m, n, dst_rs, 1) < dst.len(), "matmul: dst too short");
    if k > 0 {
        assert!(
            last(m, k, lhs.rs, lhs.cs) < lhs.s.len(),
            "matmul: lhs too short"
        );
        assert!(
            last(k, n, rhs.rs, rhs.cs) < rhs.s.len(),
            "matmul: rhs too short"
        );
    }
    // SAFETY: the asserts above keep every access inside the slices; `dst` is borrowed mutably
    // and does not alias `lhs` or `rhs` (shared borrows).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_rs as isize,
            accumulate,
            lhs.s.as_ptr(),
            lhs.cs as isize,
            lhs.rs as isize,
            rhs.s.as_ptr(),
            rhs.cs as isize,
            rhs.rs as isize,
            1.0f32,
            1.0f32,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// `y = conv2d(x, w) + b` (see the module documentation) for `f32` tensors `x: [N, C, H, W]`,
/// `w: [O, C, KH, KW]`, `b: [O]` (contiguous or not).
///
/// # Panics
///
/// When the shapes do not fit together or the tensors are not `f32`
/// ([`kernels::conv2d`](super::conv2d()) checks both and falls back to burn).
pub fn forward(x: &FlexTensor, w: &FlexTensor, b: Option<&FlexTensor>, g: ConvGeom) -> FlexTensor {
    let x = contiguous(x);
    let w = contiguous(w);
    let b = b.map(contiguous);
    let d = match (dims4(&x), dims4(&w)) {
        (Some(xd), Some(wd)) => Dims::new(xd, wd, &g),
        _ => None,
    }
    .expect("cyclr conv2d: shapes checked by the caller");
    let (k, p) = (d.k(), d.p());
    let (xs, ws) = (data(&x), data(&w));
    let bs = b.as_ref().map(data);
    let mut out = vec![0.0f32; d.n * d.co * p];
    let pointwise = d.pointwise();
    out.par_chunks_mut(d.co * p)
        .zip(xs.par_chunks(d.ci * d.h * d.w))
        .for_each_init(
            || (!pointwise).then(|| Cols::new(d)),
            |col, (y, xb)| {
                let cols: &[f32] = match col {
                    Some(col) => col.fill(xb),
                    None => xb,
                };
                if let Some(bs) = bs {
                    for (row, &bv) in y.chunks_mut(p).zip(bs) {
                        row.fill(bv);
                    }
                }
                matmul(
                    d.co,
                    p,
                    k,
                    y,
                    p,
                    bs.is_some(),
                    Mat {
                        s: ws,
                        rs: k,
                        cs: 1,
                    },
                    Mat {
                        s: cols,
                        rs: p,
                        cs: 1,
                    },
                );
            },
        );
    tensor(out, Shape::new([d.n, d.co, d.oh, d.ow]))
}

/// `Σ row` in `f64`, in eight interleaved partial sums (vectorizable; a fixed order).
fn sum(row: &[f32]) -> f64 {
    let mut acc = [0.0f64; 8];
    let mut chunks = row.chunks_exact(8);
    for c in &mut chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += f64::from(*v);
        }
    }
    let tail: f64 = chunks.remainder().iter().map(|&v| f64::from(v)).sum();
    acc.iter().sum::<f64>() + tail
}

/// The gradients of a convolution that were asked for ([`backward`]).
#[derive(Debug, Default)]
pub struct ConvGrads {
    /// `∂L/∂x: [N, C, H, W]`.
    pub x: Option<FlexTensor>,
    /// `∂L/∂w: [O, C, KH, KW]`.
    pub w: Option<FlexTensor>,
    /// `∂L/∂b: [O]`.
    pub b: Option<FlexTensor>,
}

/// Which gradients [`backward`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// The input's.
    pub x: bool,
    /// The weight's.
    pub w: bool,
    /// The bias's.
    pub b: bool,
}

/// The gradients of `y = conv2d(x, w) + b` for the output gradient `dy: [N, O, OH, OW]` (see the
/// module documentation); only those in `need`, in one pass over the batch.
///
/// # Panics
///
/// As [`forward`], or when `dy` does not have the output's shape.
pub fn backward(
    x: &FlexTensor,
    w: &FlexTensor,
    dy: &FlexTensor,
    g: ConvGeom,
    need: Need,
) -> ConvGrads {
    let x = contiguous(x);
    let w = contiguous(w);
    let dy = contiguous(dy);
    let d = match (dims4(&x), dims4(&w)) {
        (Some(xd), Some(wd)) => Dims::new(xd, wd, &g),
        _ => None,
    }
    .expect("cyclr conv2d backward: shapes checked in the forward pass");
    assert_eq!(
        dims4(&dy),
        Some([d.n, d.co, d.oh, d.ow]),
        "cyclr conv2d backward: output gradient shape"
    );
    let (k, p) = (d.k(), d.p());
    let xsz = d.ci * d.h * d.w;
    let ysz = d.co * p;
    let (xs, ws, gs) = (data(&x), data(&w), data(&dy));
    let pointwise = d.pointwise();
    let chunks = d.n.div_ceil(CHUNK);

    // One chunk of samples: its partial weight and bias gradients; its input gradients into `dx`.
    let run = |chunk: usize, mut dx: Option<&mut [f32]>| -> (Vec<f32>, Vec<f64>) {
        let mut dw = if need.w {
            vec![0.0f32; d.co * k]
        } else {
            Vec::new()
        };
        let mut db = if need.b {
            vec![0.0f64; d.co]
        } else {
            Vec::new()
        };
        let mut col = (need.w && !pointwise).then(|| Cols::new(d));
        let mut dcol = if need.x && !pointwise {
            vec![0.0f32; k * p]
        } else {
            Vec::new()
        };
        let first = chunk * CHUNK;
        for s in first..(first + CHUNK).min(d.n) {
            let xb = &xs[s * xsz..(s + 1) * xsz];
            let gb = &gs[s * ysz..(s + 1) * ysz];
            if need.w {
                let cols: &[f32] = match &mut col {
                    Some(col) => col.fill(xb),
                    None => xb,
                };
                // dW[O, K] += G[O, P] · Xᵀ[P, K]
                matmul(
                    d.co,
                    k,
                    p,
                    &mut dw,
                    k,
                    true,
                    Mat {
                        s: gb,
                        rs: p,
                        cs: 1,
                    },
                    Mat {
                        s: cols,
                        rs: 1,
                        cs: p,
                    },
                );
            }
            if need.b {
                for (acc, row) in db.iter_mut().zip(gb.chunks(p)) {
                    *acc += sum(row);
                }
            }
            if let Some(dx) = dx.as_deref_mut() {
                let dxb = &mut dx[(s - first) * xsz..(s - first + 1) * xsz];
                let wt = Mat {
                    s: ws,
                    rs: 1,
                    cs: k,
                };
                let gm = Mat {
                    s: gb,
                    rs: p,
                    cs: 1,
                };
                if pointwise {
                    // dX[C, P] = Wᵀ[C, O] · G[O, P]
                    matmul(k, p, d.co, dxb, p, false, wt, gm);
                } else {
                    // dX_cols[K, P] = Wᵀ[K, O] · G[O, P], scattered back
                    matmul(k, p, d.co, &mut dcol, p, false, wt, gm);
                    col2im(&dcol, &d, dxb);
                }
            }
        }
        (dw, db)
    };

    let mut dx = if need.x {
        vec![0.0f32; d.n * xsz]
    } else {
        Vec::new()
    };
    let parts: Vec<(Vec<f32>, Vec<f64>)> = if need.x {
        dx.par_chunks_mut(CHUNK * xsz)
            .enumerate()
            .map(|(c, dxc)| run(c, Some(dxc)))
            .collect()
    } else {
        (0..chunks).into_par_iter().map(|c| run(c, None)).collect()
    };

    let mut grads = ConvGrads::default();
    if need.x {
        grads.x = Some(tensor(dx, Shape::new([d.n, d.ci, d.h, d.w])));
    }
    let mut parts = parts.into_iter();
    if let Some((mut dw, mut db)) = parts.next() {
        for (pw, pb) in parts {
            for (a, b) in dw.iter_mut().zip(&pw) {
                *a += *b;
            }
            for (a, b) in db.iter_mut().zip(&pb) {
                *a += *b;
            }
        }
        if need.w {
            grads.w = Some(tensor(dw, Shape::new([d.co, d.ci, d.kh, d.kw])));
        }
        if need.b {
            let db = db.into_iter().map(|v| v as f32).collect();
            grads.b = Some(tensor(db, Shape::new([d.co])));
        }
    }
    grads
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ranges() {
        // 5 outputs, stride 1, kernel offset 0, padding 2, input 5: outputs 2..5 read 0..3.
        assert_eq!(valid(5, 1, 0, 2, 5), (2, 5));
        assert_eq!(valid(5, 1, 4, 2, 5), (0, 3));
        // Stride 2, offset 1, padding 1, input 4, 2 outputs: o·2 + 1 − 1 ∈ 0..4 → 0..2.
        assert_eq!(valid(2, 2, 1, 1, 4), (0, 2));
        // Offset beyond the padded input.
        assert_eq!(valid(3, 1, 9, 0, 4), (0, 0));
    }

    #[test]
    fn im2col_and_col2im_are_adjoint() {
        // <im2col(x), c> == <x, col2im(c)> for arbitrary x, c.
        let g = ConvGeom {
            stride: [2, 1],
            padding: [(1, 2), (2, 0)],
        };
        let d = Dims::new([1, 2, 5, 4], [3, 2, 3, 2], &g).unwrap();
        let x: Vec<f32> = (0..2 * 5 * 4).map(|i| (i as f32 * 0.37).sin()).collect();
        let c: Vec<f32> = (0..d.k() * d.p())
            .map(|i| (i as f32 * 0.11).cos())
            .collect();
        let mut cols = Cols::new(d);
        let col = cols.fill(&x);
        let mut dx = vec![0.0; x.len()];
        col2im(&c, &d, &mut dx);
        let a: f64 = col.iter().zip(&c).map(|(a, b)| f64::from(a * b)).sum();
        let b: f64 = x.iter().zip(&dx).map(|(a, b)| f64::from(a * b)).sum();
        assert!((a - b).abs() < 1e-4, "{a} vs {b}");
    }
}
